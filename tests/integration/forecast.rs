use crate::util::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A hub with the demo feed (a year of seeded sonde history) and a 1-second prediction loop.
async fn forecasting_hub(dir: &Path, demo: bool, backend: &str) -> Hub {
    let cfg = dir.join("hub.toml");
    std::fs::write(
        &cfg,
        format!("prediction_interval_s = 1\nforecast_backend = \"{backend}\"\n"),
    )
    .unwrap();
    Hub::start(HubOpts {
        data_dir: dir,
        mqtt: None,
        demo,
        http: None,
        broker: None,
        config: Some(&cfg),
    })
    .await
}

#[tokio::test]
async fn the_demo_station_gets_stored_and_announced_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let hub = forecasting_hub(dir.path(), true, "tract").await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"apacpwq"}"#).await;
    let health = hub
        .wait_health("forecasts", |h| {
            h["forecast"]["series_forecast"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(health["forecast"]["backend"], "tract");

    let f = hub
        .get("/api/stations/apacpwq/forecast?parameter=dissolved_oxygen")
        .await
        .unwrap();
    assert_eq!(f["model"], "forecast_oxygen");
    assert_eq!(f["unit"], "mg/L");
    assert_eq!(f["kind"], "model_forecast");
    assert_eq!(
        f["climatology"], true,
        "a year of history feeds the climatology"
    );
    let points = f["points"].as_array().unwrap();
    assert_eq!(points.len(), 90);
    for p in points {
        let (lo, mid, hi) = (
            p["p10"].as_f64().unwrap(),
            p["p50"].as_f64().unwrap(),
            p["p90"].as_f64().unwrap(),
        );
        assert!(lo <= mid && mid <= hi, "{p}");
        assert!((0.0..20.0).contains(&mid), "plausible DO: {p}");
    }
    // The origin is the last day with data: the seeded history ends now.
    let today = chrono::Utc::now().date_naive();
    let origin: chrono::NaiveDate = f["origin"].as_str().unwrap().parse().unwrap();
    assert!((today - origin).num_days() <= 1, "origin {origin}");
    assert!(f["observed"].as_array().unwrap().len() >= 30);

    let frame = next_of(&mut ws, "prediction_update", 15)
        .await
        .expect("prediction_update");
    assert_eq!(frame["station_id"], "apacpwq");
    let do7 = &frame["predictions"]["forecasts"]["7"]["parameters"]["DO"];
    assert!(
        do7["value"].is_number() && do7["lo"].is_number() && do7["hi"].is_number(),
        "{frame}"
    );
    assert!(do7["confidence"].as_f64().unwrap() > 0.0);
    let list = frame["predictions"]["predictions"].as_array().unwrap();
    assert!(list.iter().any(|p| p["parameter"] == "DO"), "{list:?}");
    assert_eq!(frame["forecasts"].as_array().unwrap().len(), 2);

    // The CCME index over the last 30 days against the station's profile (the original table).
    let ccme = hub
        .get("/api/stations/apacpwq/wqi?method=ccme&days=30")
        .await
        .unwrap();
    assert_eq!(ccme["method"], "wqi.ccme.1_0", "{ccme}");
    let v = ccme["value"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&v), "{ccme}");
    assert!(ccme["tests"].as_u64().unwrap() > 100);
    let (status, body) = hub.get_status("/api/stations/apacpwq/wqi?method=nsf").await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    // The value in force per parameter: the sonde is fresh, so measured values.
    let st = hub.get("/api/stations/apacpwq").await.unwrap();
    assert_eq!(
        st["in_force"]["dissolved_oxygen"]["source"], "sensor",
        "{st}"
    );
    assert_eq!(st["in_force"]["dissolved_oxygen"]["measured"], true);

    // Long ranges come downsampled: hourly means up to 60 days, daily means beyond.
    let now = chrono::Utc::now();
    let q = |days: i64, res: &str| {
        format!(
            "/api/stations/apacpwq/series?parameter=temperature&from={}&to={}&resolution={res}",
            (now - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    };
    let month = hub.get(&q(30, "auto")).await.unwrap();
    assert_eq!(month["resolution"], "hour", "{month}");
    let pts = month["points"].as_array().unwrap();
    assert!(
        (600..=721).contains(&pts.len()),
        "{} hourly points",
        pts.len()
    );
    let p0 = &pts[0];
    assert!(p0["min"].as_f64() <= p0["v"].as_f64() && p0["v"].as_f64() <= p0["max"].as_f64());
    assert!(p0["n"].as_u64().unwrap() >= 1);
    let year = hub.get(&q(365, "auto")).await.unwrap();
    assert_eq!(year["resolution"], "day");
    assert!(
        year["points"].as_array().unwrap().len() >= 300,
        "{}",
        year["points"]
    );
    let day = hub.get(&q(1, "auto")).await.unwrap();
    assert_eq!(day["resolution"], "raw");
    let (status, body) = hub.get_status(&q(1, "weekly")).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );

    // Clear errors for what cannot be forecast.
    let (status, body) = hub
        .get_status("/api/stations/apacpwq/forecast?parameter=ph")
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    let (status, body) = hub
        .get_status("/api/stations/nowhere/forecast?parameter=temperature")
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = hub
        .get_status("/api/stations/NWMP-1151/forecast?parameter=temperature")
        .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
}

#[tokio::test]
async fn low_oxygen_forecast_raises_an_alarm() {
    let dir = tempfile::tempdir().unwrap();
    // `auto`: ONNX Runtime where scripts/setup.sh installed it, tract otherwise.
    let hub = forecasting_hub(dir.path(), false, "auto").await;
    let health = hub.get("/health").await.unwrap();
    let want = if onnxruntime_library().is_some() {
        "onnxruntime"
    } else {
        "tract"
    };
    assert_eq!(health["forecast"]["backend"], want, "{health}");
    let p = Publisher::connect(hub.broker).await;
    let now = chrono::Utc::now();
    // Sixty days of a river whose oxygen sits around 3 mg/L.
    for day in (0..60).rev() {
        let t = now - chrono::Duration::days(day) - chrono::Duration::minutes(5);
        let v = 3.0 + 0.2 * ((day % 5) as f64 - 2.0);
        let payload = json!({"value": v, "unit": "mg/L", "timestamp": t.to_rfc3339()});
        p.publish("purehealth/sagging-river/do", payload.to_string())
            .await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let alarm = loop {
        let open = hub.get("/api/alerts?state=open").await.unwrap();
        if let Some(a) = open
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "forecast.do_below_4_within_7d")
        {
            break a.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no forecast alarm: {open}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(alarm["station_id"], "sagging-river");
    assert_eq!(alarm["parameter"], "dissolved_oxygen");
    // Predictions are capped at warning (domain.md §14).
    assert_eq!(alarm["severity"], "warning", "{alarm}");
    // One alarm, not one per cycle.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let all = hub.get("/api/alerts").await.unwrap();
    let n = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "forecast.do_below_4_within_7d")
        .count();
    assert_eq!(n, 1, "{all}");
}

/// `libonnxruntime` as the app would find it, if installed (scripts/setup.sh).
fn onnxruntime_library() -> Option<PathBuf> {
    std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".local/lib/purehealth/libonnxruntime.so"))
        })
        .filter(|p| p.exists())
}

fn backtest(backend: &str, extra: &[&str]) -> Value {
    let out = Command::new(bin())
        .args([
            "forecast",
            "backtest",
            "--json",
            "--backend",
            backend,
            "--csv",
        ])
        .arg(root().join("data/neon/neon_aquatics_daily_2016-2023.csv.gz"))
        .args(extra)
        .output()
        .expect("run backtest");
    assert!(
        out.status.success(),
        "backtest on {backend} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Rows keyed by (site, parameter, horizon, method).
fn rows(v: &Value) -> std::collections::BTreeMap<(String, String, u64, String), Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["site"].as_str().unwrap().to_string(),
                    r["parameter"].as_str().unwrap().to_string(),
                    r["horizon"].as_u64().unwrap(),
                    r["method"].as_str().unwrap().to_string(),
                ),
                r.clone(),
            )
        })
        .collect()
}

fn assert_rows_match(what: &str, a: &Value, b: &Value, tol: f64) {
    assert_eq!(a["n"], b["n"], "{what}: {a} vs {b}");
    for k in ["mae", "mase", "coverage_p10_p90"] {
        match (a[k].as_f64(), b[k].as_f64()) {
            (Some(x), Some(y)) => assert!(
                (x - y).abs() <= tol * (1.0 + y.abs()),
                "{what} {k}: {x} vs {y}"
            ),
            (None, None) => {}
            _ => panic!("{what} {k}: {a} vs {b}"),
        }
    }
}

#[test]
fn backtest_on_tract_reproduces_the_training_scripts_held_out_numbers() {
    let ours = rows(&backtest("tract", &[]));
    let text = std::fs::read_to_string(root().join("models/backtest_heldout.json")).unwrap();
    let python = rows(&serde_json::from_str(&text).unwrap());
    let mut compared = 0;
    for (key, want) in &python {
        if key.0 == "ALL" {
            continue; // pooled over the held-out sites only; ours pools every site
        }
        let got = ours
            .get(key)
            .unwrap_or_else(|| panic!("no row for {key:?}"));
        assert_rows_match(&format!("{key:?}"), got, want, 1e-6);
        compared += 1;
    }
    assert!(compared >= 100, "compared {compared} rows");
}

#[test]
fn onnxruntime_and_tract_give_the_same_forecasts() {
    let Some(lib) = onnxruntime_library() else {
        assert!(
            std::env::var_os("PUREHEALTH_REQUIRE_ORT").is_none(),
            "PUREHEALTH_REQUIRE_ORT is set but no libonnxruntime was found (run scripts/setup.sh)"
        );
        eprintln!("skipped: ONNX Runtime library not installed (scripts/setup.sh installs it)");
        return;
    };
    // Each backend in its own process: the choice is process-wide and one-shot.
    let site = ["--site", "CRAM"];
    let tract = rows(&backtest("tract", &site));
    let out = Command::new(bin())
        .args([
            "forecast",
            "backtest",
            "--json",
            "--backend",
            "onnxruntime",
            "--csv",
        ])
        .arg(root().join("data/neon/neon_aquatics_daily_2016-2023.csv.gz"))
        .args(site)
        .env("ORT_DYLIB_PATH", &lib)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ort = rows(&serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(ort.len(), tract.len());
    assert!(!ort.is_empty());
    for (key, want) in &tract {
        assert_rows_match(&format!("{key:?}"), &ort[key], want, 1e-6);
    }
}

#[test]
fn backtest_arguments_and_files_are_checked() {
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .args(["forecast", "backtest"])
            .args(args)
            .env("PUREHEALTH_FORECAST_BACKEND", "tract")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "datetime,site_id,variable,observation\n2020-01-01,X,oxygen,lots\n",
    )
    .unwrap();
    let (code, err) = run(&["--csv", bad.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("line 2") && err.contains("lots"), "{err}");
    let (code, err) = run(&["--csv", "/nonexistent.csv"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent.csv"), "{err}");
    let neon = root().join("data/neon/neon_aquatics_daily_2016-2023.csv.gz");
    let (code, err) = run(&["--csv", neon.to_str().unwrap(), "--parameter", "ph"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no model for parameter `ph`"), "{err}");
    let (code, err) = run(&["--csv", neon.to_str().unwrap(), "--backend", "cuda"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cuda"), "{err}");
}
