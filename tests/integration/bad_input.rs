use crate::util::*;
use serde_json::json;
use std::process::Command;

/// Publishes every kind of bad input, then checks each was refused for its reason, or stored and
/// flagged, and that good readings around them were not disturbed.
async fn malformed_inputs(hub: &Hub, broker: u16) {
    let p = Publisher::connect(broker).await;
    let bad: &[(&str, &[u8])] = &[
        ("purehealth/station3/ph", b"{not json"),
        ("purehealth/station3/ph", &[0xff, 0xfe, 0x00]),
        ("purehealth/station3/ph", br#"{"value": 7.2, "un"#),
        ("purehealth/station3/ph", br#"{"value": NaN}"#),
        ("purehealth/station3/ph", b"Infinity"),
        ("purehealth/station3/ph", br#"{"value": "7.2"}"#),
        ("purehealth/station3/colour", b"7"),
        ("purehealth/station3/ph", br#"{"unit":"pH"}"#),
        ("purehealth/station3/ph", br#"{"value":7,"unit":"mg/L"}"#),
        (
            "purehealth/station3/ph",
            br#"{"value":7,"timestamp":"not a time"}"#,
        ),
        (
            "purehealth/station3/ph",
            br#"{"value":7,"timestamp":"2999-01-01T00:00:00Z"}"#,
        ),
        ("stations/station3/telemetry", br#"{"no": "readings"}"#),
    ];
    for (topic, payload) in bad {
        p.publish(topic, payload.to_vec()).await;
    }
    // A value of 0 is a value; impossible ones (pH 150, negative coliform) are stored as failed.
    p.publish("purehealth/station3/turbidity", r#"{"value":0}"#)
        .await;
    p.publish("purehealth/station3/ph", r#"{"value":150}"#)
        .await;
    p.publish("purehealth/station3/fc", r#"{"value":-5}"#).await;
    let h = hub
        .wait_health("every message handled", |v| {
            v["mqtt"]["rejected_total"] == 12 && v["mqtt"]["stored"] == 3
        })
        .await;
    let r = &h["mqtt"]["rejected"];
    assert_eq!(r["malformed"], 6, "{h}");
    assert_eq!(r["not_a_number"], 1);
    assert_eq!(r["unknown_parameter"], 1);
    assert_eq!(r["no_value"], 1);
    assert_eq!(r["unknown_unit"], 1);
    assert_eq!(r["bad_timestamp"], 2);
    assert_eq!(h["mqtt"]["qc_flags"]["fail"], 2);
    let st = hub.get("/api/stations/3").await.unwrap();
    assert_eq!(st["latest"]["turbidity"]["value"], 0.0);
    assert_eq!(st["latest"]["ph"]["q"], 4);
    assert_eq!(st["latest"]["fecal_coliform"]["q"], 4);
    let log = std::fs::read_to_string(&hub.log).unwrap();
    assert!(log.contains("unknown parameter `colour`"), "reason logged");
}

#[tokio::test]
async fn malformed_payloads_are_counted_by_reason_and_ingest_continues() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    malformed_inputs(&hub, hub.broker).await;
}

#[tokio::test]
async fn malformed_payloads_through_mosquitto() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::with_broker(dir.path(), broker.port).await;
    malformed_inputs(&hub, broker.port).await;
}

#[tokio::test]
async fn bad_frames_get_an_error_and_the_connection_stays() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    for (frame, message) in [
        ("{nope", "Invalid JSON format"),
        ("[1,2]", "Message must be a JSON object"),
        (r#"{"station_id":1}"#, "Unknown message type: None"),
        (r#"{"type":"explode"}"#, "Unknown message type: explode"),
        (
            r#"{"type":"subscribe","station_id":0}"#,
            "station_id must be a positive integer or a string",
        ),
        (
            r#"{"type":"subscribe","station_id":[1]}"#,
            "station_id must be a string or an integer",
        ),
    ] {
        send(&mut ws, frame).await;
        let v = next_json(&mut ws, 5).await.expect("reply");
        assert_eq!(v["type"], "error", "{frame}");
        assert_eq!(v["message"], message, "{frame}");
    }
    send(&mut ws, r#"{"type":"ping"}"#).await;
    assert_eq!(next_json(&mut ws, 5).await.unwrap()["type"], "pong");
    // Unknown stations and bad queries over HTTP.
    let (status, body) = hub
        .get_status("/api/stations/nowhere/readings?parameter=ph")
        .await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")));
    let p = Publisher::connect(hub.broker).await;
    p.publish("purehealth/station4/ph", json!({"value": 7}).to_string())
        .await;
    hub.wait_health("stored", |v| v["mqtt"]["stored"] == 1)
        .await;
    let (status, body) = hub
        .get_status("/api/stations/4/readings?parameter=colour")
        .await;
    assert_eq!((status, body["kind"].as_str()), (400, Some("bad_request")));
    assert!(body["message"].as_str().unwrap().contains("colour"));
    let (status, body) = hub
        .get_status("/api/stations/4/readings?parameter=ph&from=yesterday")
        .await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("from"));
    // An oversized frame is refused; the hub keeps serving others.
    let (mut big, _) = hub.ws_ready("/ws").await;
    send(&mut big, &"x".repeat(200 * 1024)).await;
    let mut ws2 = hub.ws("/ws").await;
    assert_eq!(next_json(&mut ws2, 5).await.unwrap()["type"], "connected");
}

#[test]
fn bad_arguments_and_config_name_what_is_wrong() {
    let out = Command::new(bin())
        .args(["hub", "--listen", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen: `nowhere`"), "{err}");

    let out = Command::new(bin())
        .args(["hub", "--mqtt", "http://x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("mqtt_url"));

    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bad.toml");
    std::fs::write(&conf, "listen = 5\n").unwrap();
    let out = Command::new(bin())
        .arg("hub")
        .arg("--config")
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));

    let out = Command::new(bin())
        .arg("hub")
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));

    let out = Command::new(bin()).args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(bin())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("purehealth hub"));
}

#[tokio::test]
async fn a_taken_port_is_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let other = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .arg("hub")
        .arg("--data-dir")
        .arg(other.path())
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--broker-listen")
        .arg(format!("127.0.0.1:{}", hub.broker))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen for MQTT"));
}
