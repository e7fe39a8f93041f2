//! Forecast inference cost on one backend (run once per backend, each in its own process: the
//! backend choice is process-wide):
//! 1. features: building one model input from three years of daily history;
//! 2. inference: one model run (all 90 horizons × P10/P50/P90) for one station;
//! 3. in-memory cycle: features + inference for N stations × {oxygen, temperature};
//! 4. full cycle: `Core::forecast_cycle` over N stations in SQLite (daily rollups read,
//!    2N forecasts of 90 horizons stored, alarms checked, frames built).
//!
//! Run: `scripts/bench-forecast.sh [N]` (both backends; N stations, default 1000).

use chrono::Utc;
use purehealth_lib::forecast::backend::Preference;
use purehealth_lib::forecast::daily::DailySeries;
use purehealth_lib::forecast::{Models, backtest, features};
use purehealth_lib::model::{Parameter, QcFlag, Reading, SourceKind, StationKey};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pct(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend: Preference = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|s| s.parse().expect("backend: tract or onnxruntime"))
        .unwrap_or(Preference::Tract);
    let stations: usize = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .nth(1)
        .map(|s| s.parse().expect("stations"))
        .unwrap_or(1000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("data/neon/neon_aquatics_daily_2016-2023.csv.gz"))
        .expect("NEON data");
    let data = backtest::read_long(&bytes).expect("parse");
    let t0 = Instant::now();
    let models = Models::load(backend, None, None).expect("models");
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    println!("backend: {:?}", models.backend);

    // Real series: every NEON site's oxygen and temperature, cut to their last 3 years.
    let series = |var: &str| -> Vec<DailySeries> {
        data.iter()
            .filter(|((_, v), s)| v == var && s.len() > 400)
            .map(|(_, s)| {
                let start = s.last_day() - 3 * 365;
                DailySeries::from_days(
                    s.values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (s.day0 + i as i64, *v))
                        .filter(|(d, _)| *d >= start),
                )
                .expect("series")
            })
            .filter(|s| {
                features::build_latest(&models.get(Parameter::DissolvedOxygen).unwrap().spec, s)
                    .is_some()
            })
            .collect()
    };
    let oxygen = series("oxygen");
    let temperature = series("temperature");
    assert!(!oxygen.is_empty() && !temperature.is_empty());
    let f_do = models.get(Parameter::DissolvedOxygen).unwrap();

    // 1 + 2: features and a single inference, after a warm-up (the first run is far slower).
    let (_, input) = features::build_latest(&f_do.spec, &oxygen[0]).unwrap();
    for _ in 0..200 {
        f_do.predict(&input).unwrap();
    }
    let mut feat = Vec::new();
    let mut infer = Vec::new();
    for i in 0..3000 {
        let s = &oxygen[i % oxygen.len()];
        let t = Instant::now();
        let (_, x) = features::build_latest(&f_do.spec, s).unwrap();
        feat.push(us(t.elapsed()));
        let t = Instant::now();
        std::hint::black_box(f_do.predict(&x).unwrap());
        infer.push(us(t.elapsed()));
    }

    // 3: in-memory cycle over N stations × 2 parameters.
    let mut cycles = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut n = 0;
        for i in 0..stations {
            for (p, list) in [
                (Parameter::DissolvedOxygen, &oxygen),
                (Parameter::Temperature, &temperature),
            ] {
                if models.forecast(p, &list[i % list.len()]).unwrap().is_some() {
                    n += 1;
                }
            }
        }
        assert_eq!(n, 2 * stations);
        cycles.push(t.elapsed().as_secs_f64() * 1e3);
    }

    // 4: the hub's cycle over SQLite. Each station gets 400 days of one reading per day per
    // parameter, ending today (real NEON values, cycled over the sites).
    let dir = tempfile::tempdir().unwrap();
    let store = purehealth_lib::store::Store::open(dir.path()).unwrap();
    let core = purehealth_lib::pipeline::Core::open(store, Default::default(), &[])
        .await
        .unwrap();
    let now = Utc::now();
    let today = now.timestamp_millis().div_euclid(86_400_000);
    let t = Instant::now();
    let mut batch = Vec::new();
    for i in 0..stations {
        let key = StationKey {
            id: format!("bench{i}"),
            legacy_id: None,
        };
        for (p, list) in [
            (Parameter::DissolvedOxygen, &oxygen),
            (Parameter::Temperature, &temperature),
        ] {
            let s = &list[i % list.len()];
            let n = s.values.len();
            for k in 0..400.min(n) {
                let v = s.values[n - 1 - k];
                if v.is_nan() {
                    continue;
                }
                let at = chrono::DateTime::from_timestamp_millis(
                    (today - k as i64) * 86_400_000 + 43_200_000,
                )
                .unwrap();
                batch.push(Reading {
                    station: key.clone(),
                    parameter: p,
                    observed_at: at,
                    source: SourceKind::Sensor,
                    value: v,
                    unit: p.canonical_unit(),
                    raw_value: v,
                    raw_unit: p.canonical_unit().into(),
                    qc: QcFlag::NotEvaluated,
                    qc_tests: Vec::new(),
                    time_from_receipt: false,
                    provenance: None,
                    received_at: now,
                });
            }
        }
        if batch.len() > 200_000 {
            core.import_history(std::mem::take(&mut batch))
                .await
                .unwrap();
        }
    }
    core.import_history(batch).await.unwrap();
    let setup_s = t.elapsed().as_secs_f64();
    let models = Models::load(backend, None, None).expect("models");
    core.forecasting.install(Ok(models));
    let mut full = Vec::new();
    let mut series_done = 0;
    for i in 0..3 {
        let t = Instant::now();
        let r = core
            .forecast_cycle(now + chrono::Duration::seconds(i))
            .await
            .unwrap();
        full.push(t.elapsed().as_secs_f64() * 1e3);
        series_done = r.series;
    }

    println!(
        "models loaded in {load_ms:.0} ms; SQLite set-up ({} stations × 2 × 400 days) {setup_s:.1} s",
        stations
    );
    println!("| measurement | median | p90 | p99 |");
    println!("|---|---|---|---|");
    println!(
        "| features, one station (3 y history) | {:.1} µs | {:.1} µs | {:.1} µs |",
        median(feat.clone()),
        pct(feat.clone(), 0.9),
        pct(feat, 0.99)
    );
    println!(
        "| inference, one station (90 h × 3 q) | {:.1} µs | {:.1} µs | {:.1} µs |",
        median(infer.clone()),
        pct(infer.clone(), 0.9),
        pct(infer, 0.99)
    );
    println!(
        "| in-memory cycle, {stations} stations × 2 | {:.0} ms | {:.0} ms (max of 5) | |",
        median(cycles.clone()),
        pct(cycles, 1.0)
    );
    println!(
        "| full cycle (SQLite), {series_done} series | {:.0} ms | {:.0} ms (max of 3) | |",
        median(full.clone()),
        pct(full, 1.0)
    );
}
