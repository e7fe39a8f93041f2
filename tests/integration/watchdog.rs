use crate::util::*;
use serde_json::json;

#[tokio::test]
async fn a_silent_station_goes_offline_once_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("fast-watchdog.toml");
    std::fs::write(
        &conf,
        "watchdog_min_interval_s = 0.2\nwatchdog_default_interval_s = 0.2\nwatchdog_check_s = 0.1\n",
    )
    .unwrap();
    let hub = Hub::with_config(dir.path(), &conf).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"field-3"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    for i in 0..5 {
        let t = chrono::Utc::now();
        p.publish(
            "purehealth/field-3/ph",
            json!({"value": 7.0 + i as f64 / 10.0, "timestamp": t.to_rfc3339()}).to_string(),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    // ~0.15 s learned, clamped to 0.2 s: offline after 0.6 s of silence.
    let offline = next_of(&mut ws, "alert", 10).await.expect("offline alert");
    assert_eq!(offline["alert"]["parameter_code"], "station_offline");
    assert_eq!(offline["alert"]["state"], "active_unack");
    assert!(
        offline["alert"]["message"]
            .as_str()
            .unwrap()
            .contains("offline")
    );
    // It is an alarm of the workflow: listed, acknowledgeable, resolved by the next reading.
    assert_eq!(offline["alert"]["rule_id"], "station.offline", "{offline}");
    let id = offline["alert"]["alarm_id"].as_i64().expect("alarm id");
    let open = hub.get("/api/alerts?state=open").await.unwrap();
    let a = open
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{open}"))
        .clone();
    assert_eq!(
        (a["parameter"].as_str(), a["rule"].as_str()),
        (Some("station"), Some("station.offline")),
        "{a}"
    );
    let r = reqwest::Client::new()
        .post(hub.url(&format!("/api/alerts/{id}/ack")))
        .json(&json!({"by": "field officer", "note": "checking the logger"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    next_of(&mut ws, "alert", 5)
        .await
        .expect("acknowledged frame");
    let st = hub.get("/api/stations/field-3").await.unwrap();
    assert_eq!(st["online"], false);
    assert!(st["expected_interval_s"].as_f64().unwrap() >= 0.2);
    // Once, not on every check.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    p.publish("purehealth/field-3/ph", json!({"value": 7.2}).to_string())
        .await;
    let back = next_of(&mut ws, "alert", 10)
        .await
        .expect("back-online alert");
    // Cleared, and acknowledged earlier: the original state vocabulary says both.
    assert_eq!(
        back["alert"]["state"], "cleared_ack",
        "no second offline alert: {back}"
    );
    assert_eq!(back["alert"]["workflow_state"], "resolved");
    assert_eq!(back["alert"]["resolved_by"], "system");
    assert_eq!(
        hub.get("/api/stations/field-3").await.unwrap()["online"],
        true
    );
    let resolved = hub.get("/api/alerts?state=resolved").await.unwrap();
    let a = resolved
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{resolved}"))
        .clone();
    assert_eq!(a["acknowledged_by"], "field officer", "{a}");
    assert!(a["resolved_at"].is_string(), "{a}");
}
