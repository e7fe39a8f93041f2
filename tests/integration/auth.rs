use crate::util::*;
use serde_json::json;

#[tokio::test]
async fn the_embedded_broker_accepts_only_the_configured_login() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("login.toml");
    std::fs::write(
        &conf,
        "mqtt_username = \"field\"\nmqtt_password = \"s3cret\"\n",
    )
    .unwrap();
    let hub = Hub::with_config(dir.path(), &conf).await;
    // The hub's own ingest client logged in (Hub::start waits for `mqtt.connected`).
    let anonymous = Publisher::connect(hub.broker).await;
    anonymous
        .publish("purehealth/gate-1/ph", json!({"value": 6.0}).to_string())
        .await;
    let wrong = Publisher::connect_as(hub.broker, Some(("field", "guess"))).await;
    wrong
        .publish("purehealth/gate-1/ph", json!({"value": 6.1}).to_string())
        .await;
    let good = Publisher::connect_as(hub.broker, Some(("field", "s3cret"))).await;
    good.publish("purehealth/gate-1/ph", json!({"value": 7.0}).to_string())
        .await;
    hub.wait_health("the authenticated reading stored", |v| {
        v["mqtt"]["stored"] == 1
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let st = hub.get("/api/stations/gate-1").await.unwrap();
    assert_eq!(st["latest"]["ph"]["value"], 7.0);
    assert_eq!(
        hub.get("/health").await.unwrap()["db"]["readings"],
        1,
        "anonymous and wrong logins were refused"
    );
}

#[test]
fn a_lan_broker_without_a_login_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin())
        .arg("hub")
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--broker-listen")
        .arg(format!("0.0.0.0:{}", free_port()))
        .env_remove("PUREHEALTH_MQTT_USERNAME")
        .env_remove("PUREHEALTH_MQTT_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires mqtt_username"));
}
