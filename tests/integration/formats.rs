use crate::util::*;
use serde_json::json;

const SONDE: &str = include_str!("../fixtures/senml_sonde.json");

async fn formats_arrive(hub: &Hub, broker: u16) {
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"*"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(broker).await;
    // The sample pack's base time is 2024; shift it to now so it passes the plausibility check.
    let mut pack: serde_json::Value = serde_json::from_str(SONDE).unwrap();
    pack[0]["bt"] = json!(chrono::Utc::now().timestamp() - 60);
    p.publish("stations/stn-pune-001/telemetry", pack.to_string())
        .await;
    let batch = json!({"station_id": "river-2", "readings": {"ph": 7.4, "do": {"value": 5.9, "unit": "mg/L"}, "bod": 2.0, "fc": 40}});
    p.publish("stations/river-2/telemetry", batch.to_string())
        .await;
    let u = update_for(&mut ws, "stn-pune-001", "specific_conductance", 15).await;
    assert!((u["data"]["value"].as_f64().unwrap() - 412.0).abs() < 1e-9);
    assert_eq!(u["data"]["raw_unit"], "S/m");
    update_for(&mut ws, "river-2", "fecal_coliform", 15).await;
    let h = hub
        .wait_health("pack and batch stored", |v| v["mqtt"]["stored"] == 11)
        .await;
    assert_eq!(
        h["mqtt"]["rejected"]["unknown_parameter"], 1,
        "chla_rfu: {h}"
    );
    let st = hub.get("/api/stations/river-2").await.unwrap();
    assert!(
        st["wqi"].is_number(),
        "a batch with all four inputs gives an index: {st}"
    );
}

#[tokio::test]
async fn senml_and_batches_through_the_embedded_broker() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    formats_arrive(&hub, hub.broker).await;
}

#[tokio::test]
async fn senml_and_batches_through_mosquitto() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::with_broker(dir.path(), broker.port).await;
    formats_arrive(&hub, broker.port).await;
}

#[tokio::test]
async fn a_one_mebibyte_payload_is_refused_and_ingest_continues() {
    // mosquitto forwards any size; the hub must refuse it without losing its session to it.
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::with_broker(dir.path(), broker.port).await;
    let p = Publisher::connect(broker.port).await;
    let mut big = b"{\"value\": 7, \"pad\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    big.extend(b"\"}");
    p.publish("purehealth/station5/ph", big).await;
    p.publish("purehealth/station5/ph", json!({"value": 7.1}).to_string())
        .await;
    let h = hub
        .wait_health("big refused, next stored", |v| {
            v["mqtt"]["stored"] == 1 && v["mqtt"]["rejected"]["too_large"] == 1
        })
        .await;
    assert_eq!(h["mqtt"]["connected"], true);
}

#[tokio::test]
async fn custom_topic_routes_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("routes.toml");
    std::fs::write(
        &conf,
        "[[mqtt_topics]]\nfilter = \"site/+/data\"\nformat = \"batch\"\nstation_level = 2\n\
         [[mqtt_topics]]\nfilter = \"legacy/+/+/value\"\nformat = \"legacy\"\nstation_level = 3\nparameter_level = 2\n",
    )
    .unwrap();
    let hub = Hub::with_config(dir.path(), &conf).await;
    let p = Publisher::connect(hub.broker).await;
    p.publish(
        "site/weir-4/data",
        json!({"readings": {"ph": 7.2, "do": 6.4}}).to_string(),
    )
    .await;
    p.publish("legacy/turbidity/weir-5/value", "12.5").await;
    // The default layout is no longer subscribed: this one never arrives.
    p.publish("purehealth/weir-6/ph", "7.0").await;
    hub.wait_health("custom routes stored", |v| v["mqtt"]["stored"] == 3)
        .await;
    assert_eq!(
        hub.get("/api/stations/weir-5").await.unwrap()["latest"]["turbidity"]["value"],
        12.5
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(hub.get("/health").await.unwrap()["mqtt"]["received"], 2);

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[mqtt_topics]]\nfilter = \"site/x/data\"\nformat = \"auto\"\nstation_level = 2\n",
    )
    .unwrap();
    let out = std::process::Command::new(bin())
        .arg("hub")
        .arg("--config")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mqtt_topics: station_level 2"));
}
