use crate::util::*;
use serde_json::json;

#[tokio::test]
async fn readings_survive_kill_9_and_redelivery_is_not_stored_twice() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let opts = || HubOpts {
        data_dir: dir.path(),
        mqtt: Some(broker.port),
        demo: false,
        http: Some(http),
        broker: None,
        config: None,
    };
    let mut hub = Hub::start(opts()).await;
    let p = Publisher::connect(broker.port).await;
    for i in 0..50 {
        let payload = json!({"value": 6.0 + i as f64 / 100.0, "timestamp": format!("2025-11-13T06:{:02}:00Z", i)});
        p.publish("purehealth/station7/do", payload.to_string())
            .await;
    }
    // The same reading again (as a redelivery would bring it).
    p.publish(
        "purehealth/station7/do",
        json!({"value": 6.0, "timestamp": "2025-11-13T06:00:00Z"}).to_string(),
    )
    .await;
    hub.wait_health("51 handled", |v| {
        v["mqtt"]["stored"] == 50 && v["mqtt"]["duplicates"] == 1
    })
    .await;
    hub.kill9();

    let hub = Hub::start(opts()).await;
    let st = hub.get("/api/stations/7").await.unwrap();
    assert_eq!(st["latest"]["dissolved_oxygen"]["value"], 6.49);
    assert_eq!(st["last_update"], "2025-11-13T06:49:00.000Z");
    let series = hub
        .get("/api/stations/station7/readings?parameter=dissolved_oxygen&from=2025-11-13T00:00:00Z&to=2025-11-14T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(series["points"].as_array().unwrap().len(), 50);
    assert_eq!(hub.get("/health").await.unwrap()["db"]["readings"], 50);
}

#[tokio::test]
async fn readings_published_while_the_hub_is_down_arrive_after_restart() {
    // The hub's persistent session on mosquitto queues QoS 1 messages while it is away.
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let opts = || HubOpts {
        data_dir: dir.path(),
        mqtt: Some(broker.port),
        demo: false,
        http: Some(http),
        broker: None,
        config: None,
    };
    let mut hub = Hub::start(opts()).await;
    hub.terminate();
    let p = Publisher::connect(broker.port).await;
    for i in 0..10 {
        let payload = json!({"value": 7.0, "timestamp": format!("2025-11-13T07:{:02}:00Z", i)});
        p.publish("purehealth/station8/ph", payload.to_string())
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let hub = Hub::start(opts()).await;
    hub.wait_health("queued readings stored", |v| v["db"]["readings"] == 10)
        .await;
}

/// Publishes `n` readings of one series (unique timestamps) with a persistent publisher session.
async fn publish_series(p: &rumqttc::AsyncClient, topic: &str, n: usize, start_minute: i64) {
    let t0 = chrono::Utc::now() - chrono::Duration::days(2);
    for i in 0..n {
        let ts = t0 + chrono::Duration::seconds(start_minute * 60 + i as i64);
        let payload = json!({"value": 7.0 + (i % 10) as f64 / 100.0, "timestamp": ts.to_rfc3339()});
        p.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload.to_string())
            .await
            .expect("publish");
        if i % 100 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test]
async fn sigkill_mid_stream_loses_nothing_and_stores_nothing_twice() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let opts = || HubOpts {
        data_dir: dir.path(),
        mqtt: Some(broker.port),
        demo: false,
        http: Some(http),
        broker: None,
        config: None,
    };
    let mut hub = Hub::start(opts()).await;
    let p = Publisher::connect(broker.port).await;
    let client = p.client.clone();
    let sender = tokio::spawn(async move {
        publish_series(&client, "purehealth/station11/ph", 3000, 0).await;
    });
    // Kill the hub while readings are flowing.
    hub.wait_health("some stored", |v| {
        v["db"]["readings"].as_i64().unwrap_or(0) > 300
    })
    .await;
    hub.kill9();
    sender.await.unwrap();
    let hub = Hub::start(opts()).await;
    let h = hub
        .wait_health("all 3000 stored", |v| v["db"]["readings"] == 3000)
        .await;
    // Everything the broker redelivered after the kill was recognised, not stored again.
    let series = hub
        .get("/api/stations/11/readings?parameter=ph&from=2000-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(series["points"].as_array().unwrap().len(), 3000, "{h}");
}

#[tokio::test]
async fn broker_restart_mid_stream_loses_nothing() {
    let mut broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::with_broker(dir.path(), broker.port).await;
    let p = Publisher::connect(broker.port).await;
    publish_series(&p.client, "purehealth/station12/ph", 500, 0).await;
    hub.wait_health("first half stored", |v| v["db"]["readings"] == 500)
        .await;
    broker.restart();
    // The hub reconnects with backoff and resumes its session.
    hub.wait_health("reconnected", |v| v["mqtt"]["connected"] == true)
        .await;
    let p2 = Publisher::connect(broker.port).await;
    publish_series(&p2.client, "purehealth/station12/ph", 500, 100).await;
    hub.wait_health("second half stored", |v| v["db"]["readings"] == 1000)
        .await;
}
