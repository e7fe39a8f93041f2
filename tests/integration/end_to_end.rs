use crate::util::*;
use purehealth_lib::wqi::{self, WqiInputs};
use serde_json::json;

/// The four index parameters and temperature for one station, in the original layout.
async fn publish_station(p: &Publisher, station: &str, ts: &str) {
    for (param, v, unit) in [
        ("ph", 7.6, "pH"),
        ("bod", 2.2, "mg/L"),
        ("do", 5.5, "mg/L"),
        ("temperature", 25.0, "°C"),
        ("fc", 6.0, "MPN/100mL"),
    ] {
        let payload = json!({"value": v, "unit": unit, "timestamp": ts});
        p.publish(
            &format!("purehealth/{station}/{param}"),
            payload.to_string(),
        )
        .await;
    }
}

fn expected_wqi() -> f64 {
    wqi::cpcb(&WqiInputs {
        ph: 7.6,
        bod: 2.2,
        dissolved_oxygen: 5.5,
        fecal_coliform: 6.0,
        temperature: Some(25.0),
    })
    .unwrap()
    .value
}

async fn reading_reaches_client(hub: &Hub, broker_port: u16) {
    let mut ws = hub.ws("/ws").await;
    let hello = next_json(&mut ws, 5).await.expect("greeting");
    assert_eq!(hello["type"], "connected");
    assert!(hello["client_id"].as_str().unwrap().starts_with("client_"));
    send(&mut ws, r#"{"type":"subscribe","station_id":1}"#).await;
    let ack = next_of(&mut ws, "subscribed", 5).await.expect("subscribed");
    assert_eq!(ack["station_id"], 1);
    // A second client on the legacy per-station route.
    let mut ws_station = hub.ws("/ws/station/1").await;
    let hello = next_json(&mut ws_station, 5).await.unwrap();
    assert_eq!(hello["station_id"], 1);
    assert!(
        hello["client_id"]
            .as_str()
            .unwrap()
            .starts_with("station_1_client_")
    );

    let p = Publisher::connect(broker_port).await;
    // Naive time, read in the configured zone (Asia/Kolkata): 12:00 IST = 06:30 UTC.
    publish_station(&p, "station1", "2025-11-13T12:00:00").await;

    let update = update_for(&mut ws, "1", "fecal_coliform", 15).await;
    assert_eq!(
        update["station_id"], 1,
        "legacy stations keep integer ids on the wire"
    );
    let data = &update["data"];
    let wqi = data["wqi"]
        .as_f64()
        .expect("wqi present once all four are in");
    assert!((wqi - expected_wqi()).abs() < 1e-9, "wqi {wqi}");
    assert_eq!(data["class"], "A");
    assert_eq!(data["classification"], "Good to Excellent");
    assert_eq!(data["timestamp"], "2025-11-13T06:30:00.000Z");
    assert_eq!(data["dissolved_oxygen"], 5.5);
    assert_eq!(data["do"], 5.5);
    assert_eq!(data["parameters"]["DO"], 5.5);
    assert_eq!(data["validation"]["is_valid"], true);
    let update2 = update_for(&mut ws_station, "1", "fecal_coliform", 15).await;
    assert_eq!(update2["data"]["wqi"], data["wqi"]);

    let stations = hub.get("/api/stations").await.unwrap();
    let st = stations
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "1")
        .expect("station 1 listed");
    assert_eq!(st["legacy_id"], 1);
    assert!((st["wqi"].as_f64().unwrap() - expected_wqi()).abs() < 1e-9);
    assert_eq!(st["latest"]["ph"]["value"], 7.6);
    assert_eq!(st["last_update"], "2025-11-13T06:30:00.000Z");

    let series = hub
        .get("/api/stations/1/readings?parameter=do&from=2025-11-13T00:00:00Z&to=2025-11-14T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(series["parameter"], "dissolved_oxygen");
    assert_eq!(series["unit"], "mg/L");
    assert_eq!(
        series["points"],
        json!([{"t": "2025-11-13T06:30:00.000Z", "v": 5.5, "q": 1}])
    );

    let stats = hub.get("/stats").await.unwrap();
    assert_eq!(stats["subscriptions_by_station"]["1"], 2);
    assert_eq!(stats["stations_monitored"], 1);
}

#[tokio::test]
async fn embedded_broker_reading_arrives_as_station_update_with_wqi() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let port = hub.broker;
    reading_reaches_client(&hub, port).await;
}

#[tokio::test]
async fn mosquitto_reading_arrives_as_station_update_with_wqi() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::with_broker(dir.path(), broker.port).await;
    reading_reaches_client(&hub, broker.port).await;
}

#[tokio::test]
async fn demo_feed_replays_real_records_and_serves_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::demo(dir.path()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"*"}"#).await;
    let u = update_for(&mut ws, "apacpwq", "ph", 20).await;
    assert_eq!(u["station_id"], "apacpwq");
    assert!(
        u["data"]["station_name"]
            .as_str()
            .unwrap()
            .contains("Cat Point")
    );
    let u = update_for(&mut ws, "NWMP-2685", "fecal_coliform", 20).await;
    assert!(
        u["data"]["wqi"].is_number(),
        "CPCB demo stations carry an index: {u}"
    );
    let page = reqwest::get(hub.url("/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("Pure Health"));
    let (status, _) = hub.get_status("/assets/missing.js").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = Hub::demo(dir.path()).await;
    let status = hub.terminate();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn http_responses_are_gzip_compressed_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::demo(dir.path()).await;
    // Without transparent decompression, so the response's own encoding is visible.
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let r = client
        .get(hub.url("/api/stations"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    // And the WebSocket upgrade still works through the compression layer.
    let (_ws, hello) = hub.ws_ready("/ws").await;
    assert_eq!(hello["type"], "connected");
}
