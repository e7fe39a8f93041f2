//! Publish → WebSocket latency under fan-out: C WebSocket clients, each subscribed to one of
//! S stations, while readings arrive at R per second round-robin over the stations (defaults:
//! 1,000 clients, 1,000 stations, 2,000 readings/s for 10 s). Latency is measured at every client
//! that receives the reading's `station_update`.
//!
//! Run: `scripts/bench-fanout.sh [clients] [rate] [seconds]`.

use futures_util::{SinkExt, StreamExt};
use purehealth_lib::config::{AppConfig, Overrides};
use purehealth_lib::runtime;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn pct(v: &[f64], p: f64) -> f64 {
    v[(((v.len() - 1) as f64) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(1000.0) as usize;
    let rate = args.get(1).copied().unwrap_or(2000.0);
    let seconds = args.get(2).copied().unwrap_or(10.0);
    let stations = clients.max(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let (http, broker) = (free_port(), free_port());
    let cfg = AppConfig::load(&Overrides {
        data_dir: Some(dir.path().to_path_buf()),
        listen: Some(format!("127.0.0.1:{http}")),
        broker_listen: Some(format!("127.0.0.1:{broker}")),
        ..Default::default()
    })
    .expect("config");
    let running = runtime::start(&cfg).await.expect("start core");

    // Send instant per reading, keyed by (station, value index).
    let sent: Arc<Mutex<HashMap<(usize, u64), Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{http}/ws"))
            .await
            .expect("ws connect");
        let station = c % stations;
        ws.send(Message::Text(
            format!(r#"{{"type":"subscribe","station_id":"fan{station}"}}"#).into(),
        ))
        .await
        .expect("subscribe");
        let (sent, lat) = (sent.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                let at = Instant::now();
                let Message::Text(t) = m else { continue };
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                if v["type"] != "station_update" {
                    continue;
                }
                let idx = v["data"]["value"].as_f64().unwrap_or(-1.0) as u64;
                let t0 = sent
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&(station, idx)).copied());
                if let (Some(t0), Ok(mut l)) = (t0, lat.lock()) {
                    l.push(at.duration_since(t0).as_secs_f64() * 1e3);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut o = MqttOptions::new("bench-fanout-pub", "127.0.0.1", broker);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_inflight(1000);
    let (publ, mut ev) = AsyncClient::new(o, 100_000);
    tokio::spawn(async move { while ev.poll().await.is_ok() {} });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let total = (rate * seconds) as usize;
    let period = Duration::from_secs_f64(1.0 / rate);
    let base = chrono::Utc::now() - chrono::Duration::hours(1);
    let start = Instant::now();
    for i in 0..total {
        // Pace against the wall clock so the rate holds on average.
        let due = start + period.mul_f64(i as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        let station = i % stations;
        let idx = (i / stations) as u64;
        let ts = base + chrono::Duration::milliseconds(i as i64);
        let payload = format!(
            r#"{{"value": {idx}, "unit": "NTU", "timestamp": "{}"}}"#,
            ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        if let Ok(mut m) = sent.lock() {
            m.insert((station, idx), Instant::now());
        }
        publ.publish(
            format!("purehealth/fan{station}/turbidity"),
            QoS::AtLeastOnce,
            false,
            payload,
        )
        .await
        .expect("publish");
    }
    let took = start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    running.shutdown().await;
    for t in tasks {
        t.abort();
    }
    let mut v = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    v.sort_by(f64::total_cmp);
    let expected = total * clients / stations;
    println!(
        "Fan-out: {clients} WebSocket clients over {stations} stations, {rate} readings/s for {seconds} s (published in {took:.2} s)"
    );
    println!("| frames expected | received | median ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    if v.is_empty() {
        println!("| {expected} | 0 | - | - | - | - |");
        std::process::exit(1);
    }
    println!(
        "| {expected} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.9),
        pct(&v, 0.99),
        v[v.len() - 1]
    );
}
