//! MQTT publish → WebSocket `station_update` latency on loopback, through the real core
//! (embedded broker, SQLite commit, live state, hub), against a baseline in the same run:
//! publish → delivery to a plain MQTT subscriber on the same broker.
//!
//! Run: `scripts/bench-latency.sh` (or `cargo bench --no-default-features --bench latency -- N`).

use futures_util::StreamExt;
use purehealth_lib::config::{AppConfig, Overrides};
use purehealth_lib::runtime;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn client(id: &str, port: u16) -> (AsyncClient, rumqttc::EventLoop) {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(30));
    AsyncClient::new(o, 10_000)
}

/// Publishes `n` readings, one every `gap`, and returns the send instant of each value.
async fn publish(p: &AsyncClient, topic: &str, n: usize, gap: Duration) -> HashMap<u64, Instant> {
    let mut sent = HashMap::with_capacity(n);
    let base = chrono::Utc::now() - chrono::Duration::hours(1);
    for i in 0..n {
        let ts = base + chrono::Duration::milliseconds(i as i64);
        let payload = format!(
            r#"{{"value": {}, "unit": "pH", "timestamp": "{}"}}"#,
            7.0 + i as f64 * 1e-6,
            ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        sent.insert(i as u64, Instant::now());
        p.publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .expect("publish");
        tokio::time::sleep(gap).await;
    }
    sent
}

fn index_of(value: f64) -> u64 {
    ((value - 7.0) * 1e6).round() as u64
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    let gap = Duration::from_micros(1500);
    let dir = tempfile::tempdir().expect("tempdir");
    let http = free_port();
    let broker = free_port();
    let cfg = AppConfig::load(&Overrides {
        data_dir: Some(dir.path().to_path_buf()),
        listen: Some(format!("127.0.0.1:{http}")),
        broker_listen: Some(format!("127.0.0.1:{broker}")),
        ..Default::default()
    })
    .expect("config");
    let running = runtime::start(&cfg).await.expect("start core");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Baseline: plain MQTT subscriber on the same broker.
    let (sub, mut sub_ev) = client("bench-baseline-sub", broker);
    sub.subscribe("bench/baseline", QoS::AtLeastOnce)
        .await
        .expect("subscribe");
    let (base_tx, mut base_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(ev) = sub_ev.poll().await {
            if let Event::Incoming(Packet::Publish(p)) = ev {
                let v: serde_json::Value = serde_json::from_slice(&p.payload).unwrap_or_default();
                let _ =
                    base_tx.send((index_of(v["value"].as_f64().unwrap_or(0.0)), Instant::now()));
            }
        }
    });
    let (publ, mut pub_ev) = client("bench-publisher", broker);
    tokio::spawn(async move { while pub_ev.poll().await.is_ok() {} });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let sent = publish(&publ, "bench/baseline", n, gap).await;
    let mut baseline = Vec::with_capacity(n);
    while baseline.len() < n {
        match tokio::time::timeout(Duration::from_secs(10), base_rx.recv()).await {
            Ok(Some((i, at))) => {
                if let Some(t0) = sent.get(&i) {
                    baseline.push(at.duration_since(*t0).as_secs_f64() * 1e3);
                }
            }
            _ => break,
        }
    }

    // Through the hub: MQTT → decode → SQLite commit → live state → WebSocket frame.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{http}/ws"))
        .await
        .expect("ws");
    use futures_util::SinkExt;
    ws.send(Message::Text(
        r#"{"type":"subscribe","station_id":"bench"}"#.into(),
    ))
    .await
    .expect("subscribe");
    let (hub_tx, mut hub_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(m)) = ws.next().await {
            let at = Instant::now();
            if let Message::Text(t) = m {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                if v["type"] == "station_update" {
                    let _ = hub_tx.send((index_of(v["data"]["value"].as_f64().unwrap_or(0.0)), at));
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let sent = publish(&publ, "purehealth/bench/ph", n, gap).await;
    let mut hub = Vec::with_capacity(n);
    while hub.len() < n {
        match tokio::time::timeout(Duration::from_secs(10), hub_rx.recv()).await {
            Ok(Some((i, at))) => {
                if let Some(t0) = sent.get(&i) {
                    hub.push(at.duration_since(*t0).as_secs_f64() * 1e3);
                }
            }
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    running.shutdown().await;

    baseline.sort_by(f64::total_cmp);
    hub.sort_by(f64::total_cmp);
    println!(
        "MQTT publish -> delivery latency on loopback, {n} readings, one every {} us",
        gap.as_micros()
    );
    println!("| path | n | median ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for (name, v) in [
        ("baseline: broker -> MQTT subscriber", &baseline),
        ("hub: broker -> store -> WebSocket station_update", &hub),
    ] {
        if v.is_empty() {
            println!("| {name} | 0 | - | - | - | - |");
            continue;
        }
        println!(
            "| {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.9),
            percentile(v, 0.99),
            v[v.len() - 1]
        );
    }
    if !baseline.is_empty() && !hub.is_empty() {
        println!(
            "ratio hub/baseline: median {:.2}x, p99 {:.2}x; hub run took {:.2} s",
            percentile(&hub, 0.5) / percentile(&baseline, 0.5),
            percentile(&hub, 0.99) / percentile(&baseline, 0.99),
            elapsed.as_secs_f64()
        );
    }
    if hub.len() < n {
        eprintln!("only {} of {n} updates arrived", hub.len());
        std::process::exit(1);
    }
}
