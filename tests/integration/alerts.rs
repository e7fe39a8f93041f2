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
    for (i, v) in [6.5, 5.2, 3.8, 2.6, 1.8, 1.7, 1.6, 3.0, 4.4, 5.5]
        .into_iter()
        .enumerate()
    {
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
    // ok ok W W C C C W ok ok: a warning, an escalation, a de-escalation and a recovery;
    // nothing for the readings that stay at the same level.
    let states: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["alert"]["severity"].as_str().unwrap(),
                a["alert"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("warning", "active_unack"),
            ("critical", "active_unack"),
            ("warning", "active_unack"),
            ("info", "cleared_unack")
        ],
        "{alerts:#?}"
    );
    let critical = &alerts[1];
    assert_eq!(critical["priority"], "critical");
    assert_eq!(critical["station_id"], "river-9");
    assert_eq!(critical["alert"]["parameter"], "Dissolved Oxygen");
    assert_eq!(critical["alert"]["threshold"], 2.0);
    assert_eq!(
        critical["alert"]["message"],
        "Dissolved Oxygen critically low: 1.8"
    );
    assert_eq!(
        alerts[0]["alert"]["message"],
        "Dissolved Oxygen below safe minimum: 3.8"
    );
    let st = hub.get("/api/stations/river-9").await.unwrap();
    assert_eq!(st["alert_level"], "ok");
}

#[tokio::test]
async fn a_spike_is_flagged_and_does_not_raise_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"river-10"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    for (minute, v) in [(0, 6.5), (15, 0.4), (30, 6.4)] {
        let payload = json!({"value": v, "timestamp": format!("2025-11-13T08:{minute:02}:00Z")});
        p.publish("purehealth/river-10/do", payload.to_string())
            .await;
    }
    let mut flags = Vec::new();
    while flags.len() < 3 {
        let f = next_json(&mut ws, 10).await.expect("frame");
        assert_ne!(f["type"], "alert", "a failed value must not alert: {f}");
        if f["type"] == "station_update" {
            flags.push((
                f["data"]["qc_flag"].as_i64().unwrap(),
                f["data"]["qc_tests"].clone(),
            ));
        }
    }
    assert_eq!(flags[1], (4, json!(["spike"])), "6.5 → 0.4 mg/L in 15 min");
    assert_eq!(
        flags[2].0, 1,
        "the value after the spike compares with the last good one"
    );
    let series = hub
        .get("/api/stations/river-10/readings?parameter=do&from=2025-11-13T00:00:00Z&to=2025-11-14T00:00:00Z")
        .await
        .unwrap();
    let q: Vec<i64> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["q"].as_i64().unwrap())
        .collect();
    assert_eq!(q, [1, 4, 1], "failed values are stored, flagged");
}

#[tokio::test]
async fn per_station_qc_and_metadata_come_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("stations.toml");
    std::fs::write(
        &conf,
        "[[stations]]\nid = \"intake-1\"\nname = \"Raw water intake\"\nlat = 18.52\nlon = 73.85\nexpected_interval_s = 900\n\
         [stations.qc.ph]\nsuspect_span = [6.5, 8.5]\n",
    )
    .unwrap();
    let hub = Hub::with_config(dir.path(), &conf).await;
    let st = hub.get("/api/stations/intake-1").await.unwrap();
    assert_eq!(st["name"], "Raw water intake");
    assert_eq!(st["location"], json!({"lat": 18.52, "lon": 73.85}));
    assert_eq!(st["expected_interval_s"], 900.0);
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"intake-1"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    p.publish("purehealth/intake-1/ph", json!({"value": 8.9}).to_string())
        .await;
    let u = update_for(&mut ws, "intake-1", "ph", 10).await;
    assert_eq!(
        u["data"]["qc_flag"], 3,
        "outside the station's operator span: {u}"
    );
    assert_eq!(u["data"]["qc_tests"], json!(["gross_range"]));
}

#[tokio::test]
async fn climatology_learned_from_stored_history_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let opts = || HubOpts {
        data_dir: dir.path(),
        mqtt: None,
        demo: false,
        http: Some(http),
        broker: None,
        config: None,
    };
    let mut hub = Hub::start(opts()).await;
    let p = Publisher::connect(hub.broker).await;
    // Forty June readings between 28 and 30 °C, 15 minutes apart.
    for i in 0..40 {
        let t = chrono::DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z").unwrap()
            + chrono::Duration::minutes(15 * i);
        let v = 28.0 + (i % 5) as f64 * 0.5;
        p.publish(
            "purehealth/lake-2/temperature",
            json!({"value": v, "timestamp": t.to_rfc3339()}).to_string(),
        )
        .await;
    }
    hub.wait_health("history stored", |v| v["db"]["readings"] == 40)
        .await;
    hub.kill9();
    let hub = Hub::start(opts()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"lake-2"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    // Days later (no spike comparison across the gap): far outside June's range.
    p.publish(
        "purehealth/lake-2/temperature",
        json!({"value": 36.0, "timestamp": "2025-06-20T00:00:00Z"}).to_string(),
    )
    .await;
    let u = update_for(&mut ws, "lake-2", "temperature", 10).await;
    assert_eq!(u["data"]["qc_flag"], 3, "{u}");
    assert_eq!(u["data"]["qc_tests"], json!(["climatology"]));
}

#[tokio::test]
async fn trend_over_daily_medians() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let p = Publisher::connect(hub.broker).await;
    // Thirty days of BOD rising 0.1 mg/L per day, four readings a day.
    for day in 0..30 {
        for h in [0, 6, 12, 18] {
            let t = chrono::DateTime::parse_from_rfc3339("2025-03-01T00:00:00Z").unwrap()
                + chrono::Duration::days(day)
                + chrono::Duration::hours(h);
            let v = 2.0 + 0.1 * day as f64 + 0.01 * h as f64;
            p.publish(
                "purehealth/river-8/bod",
                json!({"value": v, "timestamp": t.to_rfc3339()}).to_string(),
            )
            .await;
        }
    }
    hub.wait_health("120 stored", |v| v["db"]["readings"] == 120)
        .await;
    let r = hub
        .get("/api/stations/river-8/trend?parameter=bod&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(r["days"], 30, "{r}");
    assert_eq!(r["trend"], "increasing");
    assert!(
        (r["sen_slope_per_day"].as_f64().unwrap() - 0.1).abs() < 1e-9,
        "{r}"
    );
    assert!(r["p_value"].as_f64().unwrap() < 1e-6);
    let (status, body) = hub.get_status("/api/stations/river-8/trend").await;
    assert_eq!((status, body["kind"].as_str()), (400, Some("bad_request")));
}

#[tokio::test]
async fn anomalies_in_daily_medians() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::embedded(dir.path()).await;
    let p = Publisher::connect(hub.broker).await;
    // Sixty days of DO around 7 mg/L with a small wobble, and one day crashing to 2 mg/L.
    for day in 0..60i64 {
        let t = chrono::DateTime::parse_from_rfc3339("2025-01-01T12:00:00Z").unwrap()
            + chrono::Duration::days(day);
        let v = if day == 40 {
            2.0
        } else {
            7.0 + ((day * 37) % 7) as f64 * 0.05
        };
        p.publish(
            "purehealth/lake-9/do",
            json!({"value": v, "timestamp": t.to_rfc3339()}).to_string(),
        )
        .await;
    }
    hub.wait_health("60 stored", |v| v["db"]["readings"] == 60)
        .await;
    let r = hub
        .get("/api/stations/lake-9/anomalies?parameter=do&from=2025-01-01T00:00:00Z&to=2025-03-15T00:00:00Z")
        .await
        .unwrap();
    let found = r["anomalies"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{r}");
    assert_eq!(found[0]["date"], "2025-02-10");
    assert_eq!(found[0]["severity"], "critical");
}

async fn post(hub: &Hub, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().post(hub.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn alarm_workflow_open_acknowledge_resolve_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let opts = || HubOpts {
        data_dir: dir.path(),
        mqtt: None,
        demo: false,
        http: Some(http),
        broker: None,
        config: None,
    };
    let mut hub = Hub::start(opts()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"*"}"#).await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    let publish = |v: f64, minute: u32| {
        let payload = json!({"value": v, "timestamp": format!("2025-11-13T09:{minute:02}:00Z")});
        p.publish("purehealth/river-11/do", payload.to_string())
    };
    publish(6.0, 0).await;
    publish(4.5, 1).await;
    publish(3.5, 2).await; // warning: opens alarm 1
    let raised = next_of(&mut ws, "alert", 10).await.unwrap();
    let id = raised["alert"]["alarm_id"]
        .as_i64()
        .expect("alarm id on the alert");
    assert_eq!(raised["alert"]["workflow_state"], "open");
    let open = hub.get("/api/alerts?state=open").await.unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["station_id"], "river-11");
    assert_eq!(open[0]["severity"], "warning");
    assert_eq!(open[0]["profile"], "legacy.purehealth_v6");

    // Acknowledge over REST: persisted, announced, and a second ack is a conflict.
    let (status, acked) = post(
        &hub,
        &format!("/api/alerts/{id}/ack"),
        Some(json!({"by": "officer-7", "note": "crew sent"})),
    )
    .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(
        (acked["state"].as_str(), acked["acknowledged_by"].as_str()),
        (Some("acknowledged"), Some("officer-7"))
    );
    let announced = next_of(&mut ws, "alert", 10).await.unwrap();
    assert_eq!(announced["alert"]["state"], "active_ack");
    let (status, body) = post(&hub, &format!("/api/alerts/{id}/ack"), None).await;
    assert_eq!((status, body["kind"].as_str()), (409, Some("conflict")));
    // The same over the WebSocket: a second ack is refused with the conflict named.
    send(
        &mut ws,
        &json!({"type": "ack_alert", "alarm_id": id, "by": "ws-op"}).to_string(),
    )
    .await;
    let refused = next_of(&mut ws, "error", 5).await.unwrap();
    assert_eq!(refused["kind"], "conflict", "{refused}");
    send(&mut ws, r#"{"type":"resolve_alert","alarm_id":"x"}"#).await;
    assert_eq!(
        next_of(&mut ws, "error", 5).await.unwrap()["message"],
        "alarm_id must be an integer"
    );
    let (status, body) = post(&hub, "/api/alerts/999/ack", None).await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")));
    let (status, _) = post(&hub, "/api/alerts/x/ack", None).await;
    assert_eq!(status, 400);

    // Escalation stays on the same alarm; the acknowledged state survives a kill -9.
    publish(1.8, 3).await;
    let escalated = next_of(&mut ws, "alert", 10).await.unwrap();
    assert_eq!(
        (
            escalated["alert"]["alarm_id"].as_i64(),
            escalated["alert"]["severity"].as_str()
        ),
        (Some(id), Some("critical"))
    );
    drop(ws);
    hub.kill9();
    let hub = Hub::start(opts()).await;
    let acked = hub.get("/api/alerts?state=acknowledged").await.unwrap();
    assert_eq!(acked[0]["id"], id, "{acked}");
    assert_eq!(acked[0]["severity"], "critical");

    // Recovery resolves it by itself, recording that it did.
    let p = Publisher::connect(hub.broker).await;
    p.publish(
        "purehealth/river-11/do",
        json!({"value": 6.2, "timestamp": "2025-11-13T09:04:00Z"}).to_string(),
    )
    .await;
    hub.wait_health("recovery stored", |v| v["mqtt"]["stored"] == 1)
        .await;
    let resolved = hub.get("/api/alerts?state=resolved").await.unwrap();
    assert_eq!(resolved[0]["id"], id, "{resolved}");
    assert_eq!(resolved[0]["resolved_by"], "system");
    assert_eq!(resolved[0]["acknowledged_by"], "officer-7");
    assert_eq!(hub.get("/api/alerts?state=open").await.unwrap(), json!([]));
    let (status, _) = hub.get_status("/api/alerts?state=sleeping").await;
    assert_eq!(status, 400);
}

/// A station with a designated use: its alarms follow that profile, escalate and remind when
/// nobody acknowledges them, and survive a restart.
#[tokio::test]
async fn profile_alarms_escalate_remind_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("hub.toml");
    std::fs::write(
        &cfg,
        "health_interval_s = 0.2\nalarm_escalate_after_s = 1\nalarm_remind_every_s = 0.6\n\
         [[stations]]\nid = \"bathing-ghat\"\nname = \"Bathing ghat\"\nprofile = \"cpcb.dbu.B\"\n",
    )
    .unwrap();
    let mut hub = Hub::with_config(dir.path(), &cfg).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(
        &mut ws,
        r#"{"type":"subscribe","station_id":"bathing-ghat"}"#,
    )
    .await;
    next_of(&mut ws, "subscribed", 5).await.unwrap();
    let p = Publisher::connect(hub.broker).await;
    // 4.8 mg/L is fine under the original table (≥ 4) but below class B's DO ≥ 5.
    p.publish(
        "purehealth/bathing-ghat/do",
        json!({"value": 4.8, "unit": "mg/L"}).to_string(),
    )
    .await;
    let raised = next_of(&mut ws, "alert", 10).await.expect("alert");
    assert_eq!(
        raised["alert"]["rule_id"], "cpcb.dbu.B.dissolved_oxygen",
        "{raised}"
    );
    assert_eq!(raised["alert"]["basis"]["profile"], "cpcb.dbu.B");
    let station = hub.get("/api/stations/bathing-ghat").await.unwrap();
    assert_eq!(station["profile"], "cpcb.dbu.B");
    assert_eq!(station["limits"]["dissolved_oxygen"]["warn_low"], 5.0);
    // Unacknowledged: escalation after 1 s, then reminders.
    let mut events = Vec::new();
    while events.len() < 3 {
        let f = next_of(&mut ws, "alert", 10).await.expect("timer alert");
        events.push(f["alert"]["event"].as_str().unwrap_or("").to_string());
    }
    assert!(events.contains(&"escalated".to_string()), "{events:?}");
    assert!(events.contains(&"reminder".to_string()), "{events:?}");
    let health = hub.get("/health").await.unwrap();
    for name in ["prediction", "anomaly", "watchdog", "health"] {
        assert_eq!(
            health["loops"][name]["state"], "running",
            "{name}: {health}"
        );
    }
    assert!(health["loops"]["health"]["runs"].as_u64().unwrap() >= 3);

    // Killed with the alarm open: after the restart it is still open, with its history.
    hub.kill9();
    let hub = Hub::with_config(dir.path(), &cfg).await;
    let open = hub.get("/api/alerts?state=open").await.unwrap();
    let a = open
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "cpcb.dbu.B.dissolved_oxygen")
        .unwrap_or_else(|| panic!("{open}"));
    assert!(a["escalated_at"].is_string(), "{a}");
    assert!(a["reminders"].as_u64().unwrap() >= 1, "{a}");
    let id = a["id"].as_i64().unwrap();
    let r = reqwest::Client::new()
        .post(hub.url(&format!("/api/alerts/{id}/ack")))
        .json(&json!({"by": "officer-3", "note": "sampling team sent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = reqwest::Client::new()
        .post(hub.url(&format!("/api/alerts/{id}/assign")))
        .json(&json!({"assignee": "field team 2", "by": "officer-3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["assignee"], "field team 2");
    assert_eq!(body["basis"]["clause"], "DO ≥ 5 mg/L", "{body}");
    let r = reqwest::Client::new()
        .post(hub.url("/api/alerts/99999/assign"))
        .json(&json!({"assignee": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::Client::new()
        .post(hub.url(&format!("/api/alerts/{id}/assign")))
        .body("{\"who\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Unknown API paths are JSON errors, not the app shell.
    let (status, body) = hub.get_status("/api/no-such-thing").await;
    assert_eq!((status, body["kind"].as_str()), (404, Some("not_found")));
    // Clean water clears it by itself.
    let p = Publisher::connect(hub.broker).await;
    p.publish(
        "purehealth/bathing-ghat/do",
        json!({"value": 6.5, "unit": "mg/L"}).to_string(),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let resolved = hub.get("/api/alerts?state=resolved").await.unwrap();
        if let Some(a) = resolved.as_array().unwrap().iter().find(|a| a["id"] == id) {
            assert_eq!(a["resolved_by"], "system");
            assert_eq!(a["acknowledged_by"], "officer-3");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not resolved: {resolved}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[test]
fn an_unknown_profile_in_the_config_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("hub.toml");
    std::fs::write(&cfg, "[[stations]]\nid = \"x\"\nprofile = \"cpcb.dbu.Z\"\n").unwrap();
    let out = std::process::Command::new(bin())
        .args(["hub", "--data-dir"])
        .arg(dir.path())
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown profile `cpcb.dbu.Z`") && err.contains("cpcb.dbu.C"),
        "{err}"
    );
}

#[tokio::test]
async fn a_station_profile_chosen_in_the_app_applies_at_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = Hub::embedded(dir.path()).await;
    let p = Publisher::connect(hub.broker).await;
    // DO 4.8 mg/L: fine under the original table, below the class B limit (5 mg/L).
    p.publish(
        "purehealth/river-9/do",
        json!({"value": 4.8, "timestamp": chrono::Utc::now().to_rfc3339()}).to_string(),
    )
    .await;
    let t = std::time::Instant::now();
    while hub
        .get("/api/stations/river-9")
        .await
        .map(|v| v["id"] == "river-9")
        .ok()
        != Some(true)
    {
        assert!(t.elapsed() < std::time::Duration::from_secs(10));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let profiles = hub.get("/api/profiles").await.unwrap();
    let ids: Vec<&str> = profiles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(
        ids[0] == "legacy.purehealth_v6"
            && ids.iter().filter(|i| **i == "legacy.purehealth_v6").count() == 1
            && ids.contains(&"cpcb.dbu.B"),
        "{ids:?}"
    );
    let client = reqwest::Client::new();
    let set = |id: &str, body: serde_json::Value| {
        client
            .post(hub.url(&format!("/api/stations/{id}/profile")))
            .json(&body)
            .send()
    };
    let r = set("river-9", json!({"profile": "cpcb.dbu.B"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let st: serde_json::Value = r.json().await.unwrap();
    assert_eq!(st["profile"], "cpcb.dbu.B", "{st}");
    assert_ne!(st["alert_level"], "ok", "regraded at once: {st}");
    assert!(
        st["limits"]["dissolved_oxygen"]["warn_low"]
            .as_f64()
            .is_some(),
        "{st}"
    );
    let r = set("river-9", json!({"profile": "cpcb.dbu.Z"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("cpcb.dbu.A"),
        "{body}"
    );
    let r = set("nowhere", json!({"profile": "cpcb.dbu.B"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = set("river-9", json!({"class": "B"})).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);

    hub.kill9();
    let hub = Hub::embedded(dir.path()).await;
    let st = hub.get("/api/stations/river-9").await.unwrap();
    assert_eq!(st["profile"], "cpcb.dbu.B", "kept across a restart: {st}");
}
