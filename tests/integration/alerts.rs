use crate::util::*;
use serde_json::json;

#[tokio::test]
async fn one_alert_per_episode_then_a_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"river-9"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    let publish = |v: f64, minute: u32| {
        let payload = json!({"value": v, "unit": "mg/L", "timestamp": format!("2025-11-13T08:{minute:02}:00Z")});
        (payload.to_string(), minute)
    };
    let mut frames = Vec::new();
    for (i, v) in [6.5, 1.5, 1.4, 1.3, 1.2, 6.8].into_iter().enumerate() {
        let (payload, _) = publish(v, i as u32);
        p.publish("purehealth/river-9/do", payload).await;
        // Wait for this reading's update so ordering is deterministic.
        loop {
            let f = next_json(&mut ws, 10).await.expect("frame");
            let done = f["type"] == "station_update";
            frames.push(f);
            if done {
                break;
            }
        }
    }
    // Alerts come right after their station_update; collect any trailing one.
    while let Some(f) = next_json(&mut ws, 1).await {
        frames.push(f);
    }
    let alerts: Vec<_> = frames.iter().filter(|f| f["type"] == "alert").collect();
    assert_eq!(alerts.len(), 2, "one raise and one recovery: {alerts:#?}");
    let raise = &alerts[0];
    assert_eq!(raise["priority"], "critical");
    assert_eq!(raise["station_id"], "river-9");
    assert_eq!(raise["alert"]["severity"], "critical");
    assert_eq!(raise["alert"]["parameter"], "Dissolved Oxygen");
    assert_eq!(raise["alert"]["threshold"], 2.0);
    assert_eq!(
        raise["alert"]["message"],
        "Dissolved Oxygen critically low: 1.5"
    );
    assert_eq!(raise["alert"]["state"], "active_unack");
    assert_eq!(alerts[1]["alert"]["state"], "cleared_unack");
    let st = hub.get("/api/stations/river-9").await.unwrap();
    assert_eq!(st["alert_level"], "ok");
}
