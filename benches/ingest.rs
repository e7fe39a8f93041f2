//! Sustained ingest throughput, with ceilings measured in the same run:
//! 1. broker ceiling: the broker (embedded, or mosquitto with `BENCH_MQTT_PORT`) delivering QoS 1
//!    messages to a plain subscriber;
//! 2. hub: the same messages in the sensor layout through MQTT → decode → QC → SQLite → live
//!    state → broadcast (stored count observed in-process);
//! 3. in-process core: pre-decoded readings through `Core::ingest` (QC → SQLite → live → frames).
//!
//! Run: `scripts/bench-ingest.sh [N]` (= `cargo bench --no-default-features --bench ingest -- N`).

use chrono::Utc;
use purehealth_lib::config::{AppConfig, Overrides};
use purehealth_lib::ingest::payload;
use purehealth_lib::runtime;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn client(id: &str, port: u16) -> (AsyncClient, rumqttc::EventLoop) {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(60));
    o.set_inflight(1000);
    AsyncClient::new(o, 100_000)
}

const STATIONS: usize = 1000;

fn payload(i: usize, base: chrono::DateTime<Utc>) -> (String, String) {
    let ts = base + chrono::Duration::seconds((i / STATIONS) as i64);
    (
        format!("purehealth/bench{}/ph", i % STATIONS),
        format!(
            r#"{{"value": {:.3}, "timestamp": "{}"}}"#,
            7.0 + (i % 7) as f64 * 0.01,
            ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
    )
}

async fn wait_for(counter: &dyn Fn() -> u64, n: u64, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while counter() < n {
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Some(start.elapsed())
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("tempdir");
    // BENCH_MQTT_PORT: use an external broker (e.g. mosquitto on 127.0.0.1) for the ceiling and
    // the hub; otherwise the embedded broker.
    let external: Option<u16> = std::env::var("BENCH_MQTT_PORT")
        .ok()
        .and_then(|p| p.parse().ok());
    let http = free_port();
    let broker = external.unwrap_or_else(free_port);
    let cfg = AppConfig::load(&Overrides {
        data_dir: Some(dir.path().to_path_buf()),
        listen: Some(format!("127.0.0.1:{http}")),
        broker_listen: Some(format!("127.0.0.1:{broker}")),
        mqtt_url: external.map(|p| format!("mqtt://127.0.0.1:{p}")),
        ..Default::default()
    })
    .expect("config");
    let running = runtime::start(&cfg).await.expect("start");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = Utc::now() - chrono::Duration::days(1);
    let mut rows = Vec::new();

    // 1. Broker ceiling.
    let got = Arc::new(AtomicU64::new(0));
    let (sub, mut sub_ev) = client("bench-ceiling-sub", broker);
    sub.subscribe("ceiling/+/ph", QoS::AtLeastOnce)
        .await
        .expect("sub");
    let g = got.clone();
    tokio::spawn(async move {
        while let Ok(ev) = sub_ev.poll().await {
            if let Event::Incoming(Packet::Publish(_)) = ev {
                g.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let (publ, mut pub_ev) = client("bench-publisher", broker);
    tokio::spawn(async move { while pub_ev.poll().await.is_ok() {} });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    for i in 0..n {
        let (topic, body) = payload(i, base);
        publ.publish(
            topic.replacen("purehealth", "ceiling", 1),
            QoS::AtLeastOnce,
            false,
            body,
        )
        .await
        .expect("publish");
    }
    let g = got.clone();
    let ceiling = wait_for(
        &move || g.load(Ordering::Relaxed),
        n as u64,
        Duration::from_secs(120),
    )
    .await
    .map(|_| start.elapsed());
    rows.push(("broker → plain subscriber (ceiling)", ceiling));

    // 2. Through the hub.
    let stats = running.core.stats.clone();
    let before = stats.stored.load(Ordering::Relaxed);
    let start = Instant::now();
    for i in 0..n {
        let (topic, body) = payload(i, base);
        publ.publish(topic, QoS::AtLeastOnce, false, body)
            .await
            .expect("publish");
    }
    let s = stats.clone();
    let hub = wait_for(
        &move || s.stored.load(Ordering::Relaxed) - before,
        n as u64,
        Duration::from_secs(300),
    )
    .await
    .map(|_| start.elapsed());
    rows.push(("hub: MQTT → decode → QC → SQLite → live → broadcast", hub));

    // 3. In-process core, pre-decoded readings, batches of 1,000.
    let tz = cfg.timezone.clone();
    let now = Utc::now();
    let base2 = base + chrono::Duration::hours(6);
    let readings: Vec<_> = (0..n)
        .filter_map(|i| {
            let (topic, body) = payload(i, base2);
            payload::decode(&topic, body.as_bytes(), now, &tz).ok()
        })
        .flat_map(|d| d.readings)
        .collect();
    let start = Instant::now();
    for chunk in readings.chunks(1000) {
        running.core.ingest(chunk.to_vec()).await.expect("ingest");
    }
    rows.push((
        "in-process: Core::ingest (QC → SQLite → live → frames)",
        Some(start.elapsed()),
    ));

    // 4. The SQLite insert alone, same readings shifted in time, batches of 1,000.
    let shifted: Vec<_> = readings
        .iter()
        .cloned()
        .map(|mut r| {
            r.observed_at += chrono::Duration::hours(6);
            r
        })
        .collect();
    let start = Instant::now();
    for chunk in shifted.chunks(1000) {
        running
            .core
            .store
            .insert_readings(chunk.to_vec())
            .await
            .expect("insert");
    }
    rows.push(("store only: Store::insert_readings", Some(start.elapsed())));

    // 5. Live state and frames alone: QC + apply + build and serialise each station_update.
    let mut live = purehealth_lib::live::LiveState::default();
    let mut bytes = 0usize;
    let start = Instant::now();
    for r in &readings {
        let mut r = r.clone();
        live.quality_check(&mut r);
        let change = live.apply(&r);
        if let Some(st) = live.get(&r.station.id) {
            bytes += purehealth_lib::hub::messages::station_update(st, &r, change.seq)
                .to_string()
                .len();
        }
    }
    rows.push((
        "live + frames only: QC, apply, station_update JSON",
        Some(start.elapsed()),
    ));
    eprintln!(
        "average station_update frame: {} bytes",
        bytes / readings.len().max(1)
    );
    running.shutdown().await;

    println!(
        "Sustained ingest, {n} readings over {STATIONS} stations (QoS 1, {} broker, release build)",
        if external.is_some() {
            "external (mosquitto)"
        } else {
            "embedded"
        }
    );
    println!("| path | seconds | readings/s | vs ceiling |");
    println!("|---|---|---|---|");
    let ceiling_rate = ceiling.map(|d| n as f64 / d.as_secs_f64());
    for (name, d) in rows {
        match d {
            Some(d) => {
                let rate = n as f64 / d.as_secs_f64();
                let ratio = ceiling_rate
                    .map(|c| format!("{:.0} %", 100.0 * rate / c))
                    .unwrap_or_else(|| "-".into());
                println!(
                    "| {name} | {:.2} | {:.0} | {ratio} |",
                    d.as_secs_f64(),
                    rate
                );
            }
            None => println!("| {name} | timed out | - | - |"),
        }
    }
}
