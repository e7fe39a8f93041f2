//! Government connectors against a local replay server: realistic payloads in, the same
//! QC/storage/hub path out, and every failure mode an agency portal shows, with the last good
//! data kept, staleness and health reported, and recovery without a restart.

use crate::replay::{Mode, Replay};
use crate::util::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The RTWQMS latest-values fixture with its observation times moved to `minutes_ago` before
/// now (agency times are UTC with milliseconds and a Z).
fn fresh_latest(minutes_ago: i64) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&fixture("cpcb/latest.json")).unwrap();
    let t = (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for r in v.as_array_mut().unwrap() {
        r["timestamp"] = Value::String(t.clone());
    }
    serde_json::to_vec(&v).unwrap()
}

const LATEST: &str = "/data/internet/layers/10/index.json";
const STATIONS: &str = "/data/internet/stations/stations.json";

fn cpcb_config(dir: &Path, base: &str, extra: &str) -> std::path::PathBuf {
    let breaker = if extra.contains("breaker_failures") {
        ""
    } else {
        "breaker_failures = 1000\n"
    };
    let path = dir.join("sources.toml");
    std::fs::write(
        &path,
        format!(
            "[sources.cpcb]\nenabled = true\nbase_url = \"{base}\"\ninterval_s = 0.5\ntimeout_s = 1\n\
             retries = 0\nstale_after_s = 3\nmin_request_interval_ms = 0\n{breaker}{extra}"
        ),
    )
    .unwrap();
    path
}

/// Waits until the CPCB connector's health satisfies `pred`.
async fn wait_cpcb(hub: &Hub, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    hub.wait_source("cpcb", what, pred).await
}

#[tokio::test]
async fn cpcb_connector_survives_every_failure_mode_and_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let replay = Replay::http().await;
    replay.route(LATEST, fresh_latest(5));
    replay.route(STATIONS, fixture("cpcb/stations.json"));
    let config = cpcb_config(dir.path(), &replay.base(), "");
    let hub = Hub::with_config(dir.path(), &config).await;

    let h = wait_cpcb(&hub, "first CPCB poll", |c| c["state"] == "ok").await;
    assert!(h["records_last"].as_u64().unwrap() >= 15, "{h}");
    assert_eq!(h["insecure_tls"], false);
    assert!(
        h["data_as_of"].is_string() && h["last_success"].is_string(),
        "{h}"
    );
    assert_eq!(h["base_url"], replay.base());

    // The station keeps its CPCB number; values went through units, QC and the live state.
    let st = hub.get("/api/stations/UT67").await.unwrap();
    assert_eq!(st["id"], "UT67", "{st}");
    assert_eq!(st["source"], "cpcb_rtwqms");
    assert!(st["location"]["lat"].is_number(), "{st}");
    let ec = &st["latest"]["conductivity"];
    assert_eq!(ec["value"], 412.0, "EC labelled mS/cm is µS/cm: {st}");
    assert_eq!(ec["unit"], "µS/cm");
    assert_eq!(ec["source"], "api");
    let ph = hub
        .get("/api/stations/UT67/readings?parameter=ph")
        .await
        .unwrap();
    let points = ph["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{ph}");
    assert_eq!(points[0]["v"], 7.94);

    // The unified view: each field with its connector, correction, and both times.
    let c = hub.get("/api/stations/UT67/comprehensive").await.unwrap();
    let wq = c["water_quality"].as_array().unwrap();
    let ec = wq
        .iter()
        .find(|f| f["parameter"] == "conductivity")
        .unwrap();
    assert_eq!(ec["connector"], "cpcb_rtwqms", "{ec}");
    assert!(
        ec["note"].as_str().unwrap().contains("label corrected"),
        "{ec}"
    );
    assert_eq!(ec["fresh"], true);
    assert_ne!(ec["observed_at"], ec["fetched_at"]);
    let stage = c["hydrology"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["parameter"] == "gauge_height");
    assert!(stage.is_some(), "river stage is a gauge height: {c}");

    // Unchanged data: conditional requests get 304s.
    let t = Instant::now();
    while replay
        .not_modified
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
    {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no conditional request"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut renamed: Value = serde_json::from_slice(&fixture("cpcb/latest_renamed.json")).unwrap();
    assert!(renamed.as_array_mut().is_some());
    let cases: Vec<(&str, Mode, &str)> = vec![
        ("HTTP 500", Mode::Status(500), "HTTP 500"),
        (
            "429",
            Mode::TooMany { retry_after_s: 2 },
            "HTTP 429 (Retry-After 2 s)",
        ),
        ("hang", Mode::Hang, "timed out after 1.0 s"),
        ("truncated JSON", Mode::Truncated, "truncated JSON"),
        (
            "HTML page",
            Mode::Html,
            "HTML page where JSON was expected (site under maintenance)",
        ),
        (
            "renamed field",
            Mode::Body(serde_json::to_vec(&renamed).unwrap()),
            "schema changed: missing: ts_value",
        ),
        ("empty list", Mode::Body(b"[]".to_vec()), "no records"),
    ];
    for (what, mode, reason) in cases {
        replay.set_mode(mode.clone());
        let h = wait_cpcb(&hub, what, |c| {
            c["state"] == "degraded" && c["reason"].as_str().is_some_and(|r| r.contains(reason))
        })
        .await;
        assert!(h["last_error_at"].is_string(), "{h}");
        if let Mode::TooMany { .. } = mode {
            // The next attempt honours Retry-After.
            let at =
                |k: &str| chrono::DateTime::parse_from_rfc3339(h[k].as_str().unwrap()).unwrap();
            let gap = (at("next_attempt") - at("last_attempt")).num_milliseconds();
            assert!(gap >= 1_900, "next attempt {gap} ms after the 429: {h}");
        }
        if what == "renamed field" {
            assert!(
                h["drift"].as_str().unwrap().contains("unknown: value"),
                "{h}"
            );
            assert!(h["last_schema_change"].is_string(), "{h}");
        }
        if what == "hang" {
            // Past stale_after_s (3 s) with no good poll: the data is marked stale...
            wait_cpcb(&hub, "stale", |c| c["stale"] == true).await;
        }
        // ...but the last good data is still served.
        let st = hub.get("/api/stations/UT67").await.unwrap();
        assert_eq!(st["latest"]["ph"]["value"], 7.94, "{what}: {st}");
        // Recovery without a restart.
        replay.set_mode(Mode::Normal);
        let h = wait_cpcb(&hub, &format!("recovery after {what}"), |c| {
            c["state"] == "ok" && c["stale"] == false
        })
        .await;
        assert_eq!(h["consecutive_failures"], 0, "{h}");
        assert!(h["reason"].is_null(), "{h}");
    }
}

#[tokio::test]
async fn a_broken_certificate_reads_as_such_and_a_pinned_one_is_trusted() {
    let certs = tempfile::tempdir().unwrap();
    crate::tls::make_certs(certs.path());
    let replay = Replay::https(certs.path()).await;
    replay.route(LATEST, fresh_latest(5));
    replay.route(STATIONS, fixture("cpcb/stations.json"));
    let base = format!("https://127.0.0.1:{}", replay.port);

    let dir = tempfile::tempdir().unwrap();
    let config = cpcb_config(
        dir.path(),
        &base,
        "breaker_failures = 2\nbreaker_cooldown_s = 600\n",
    );
    let mut hub = Hub::with_config(dir.path(), &config).await;
    let h = wait_cpcb(&hub, "TLS failure", |c| c["state"] == "degraded").await;
    let reason = h["reason"].as_str().unwrap();
    assert!(reason.starts_with("TLS certificate problem"), "{h}");
    // Two failures in a row open the circuit: no request for the cool-down.
    let h = wait_cpcb(&hub, "circuit open", |c| {
        c["circuit_open_until"].is_string()
    })
    .await;
    assert!(
        h["reason"]
            .as_str()
            .unwrap()
            .contains("circuit open after 2 failures"),
        "{h}"
    );
    let polls = h["polls"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let h = source_health(&hub.get("/health").await.unwrap(), "cpcb");
    assert_eq!(
        h["polls"].as_u64().unwrap(),
        polls,
        "no poll while open: {h}"
    );
    hub.terminate();

    // Pinning the certificate's CA (not turning verification off) fixes it.
    let ca = certs.path().join("ca.pem");
    let config = cpcb_config(
        dir.path(),
        &base,
        &format!("ca_file = \"{}\"\n", ca.display()),
    );
    let hub = Hub::with_config(dir.path(), &config).await;
    let h = wait_cpcb(&hub, "pinned TLS", |c| c["state"] == "ok").await;
    assert_eq!(h["insecure_tls"], false, "{h}");
    let st = hub.get("/api/stations/UP32").await.unwrap();
    assert_eq!(st["latest"]["cod"]["value"], 22.5, "{st}");
}

#[tokio::test]
async fn api_readings_take_the_sensor_path_but_never_hide_a_fresh_sensor_value() {
    let dir = tempfile::tempdir().unwrap();
    let replay = Replay::http().await;
    // The agency's values are newer (1 minute ago) than the station's own sonde (3 minutes ago).
    replay.route(LATEST, fresh_latest(1));
    replay.route(STATIONS, fixture("cpcb/stations.json"));
    let config = cpcb_config(dir.path(), &replay.base(), "");
    let hub = Hub::with_config(dir.path(), &config).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"UP32"}"#).await;

    let p = Publisher::connect(hub.broker).await;
    let sensor_t = (chrono::Utc::now() - chrono::Duration::minutes(3)).to_rfc3339();
    p.publish(
        "stations/UT67/telemetry",
        serde_json::json!({"timestamp": sensor_t, "readings": {"do": 7.0, "ph": 7.1}}).to_string(),
    )
    .await;
    wait_cpcb(&hub, "CPCB poll", |c| c["state"] == "ok").await;
    let t = Instant::now();
    loop {
        let st = hub.get("/api/stations/UT67").await.unwrap();
        let doxy = &st["latest"]["dissolved_oxygen"];
        if doxy["source"] == "sensor" && st["latest"]["turbidity"]["source"] == "api" {
            assert_eq!(doxy["value"], 7.0, "{st}");
            assert_eq!(
                st["in_force"]["dissolved_oxygen"]["source"], "sensor",
                "{st}"
            );
            assert_eq!(st["in_force"]["ph"]["value"], 7.1, "{st}");
            // Parameters only the agency measures come from it.
            assert_eq!(st["in_force"]["turbidity"]["source"], "api", "{st}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "{st}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // API readings are announced like sensor readings: the agency publishes a new round.
    replay.route(LATEST, fresh_latest(0));
    let frame = next_of(&mut ws, "station_update", 10)
        .await
        .expect("station_update for an API station");
    assert_eq!(frame["station_id"], "UP32", "{frame}");
}

/// CWC level history for the last hours, as the server answers it (naive IST times).
fn cwc_levels(station: &str, values: &[f64]) -> Vec<u8> {
    let ist = chrono::FixedOffset::east_opt(19_800).unwrap();
    let now = chrono::Utc::now().with_timezone(&ist);
    let rows: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = now - chrono::Duration::hours((values.len() - i) as i64);
            serde_json::json!({"id": {"stationCode": station, "datatypeCode": "HHS",
                "dataTime": t.format("%Y-%m-%dT%H:%M:00").to_string()}, "dataValue": v})
        })
        .collect();
    serde_json::to_vec(&rows).unwrap()
}

/// An Open-Meteo answer around now: two past hours and one forecast hour (unix times).
fn openmeteo_now(lat: f64, lon: f64) -> Vec<u8> {
    let h = chrono::Utc::now().timestamp() / 3600 * 3600;
    serde_json::to_vec(&serde_json::json!({
        "latitude": lat, "longitude": lon, "generationtime_ms": 0.3, "utc_offset_seconds": 0,
        "timezone": "GMT", "timezone_abbreviation": "GMT", "elevation": 216.0,
        "hourly_units": {"time": "unixtime", "temperature_2m": "°C", "relative_humidity_2m": "%", "precipitation": "mm"},
        "hourly": {"time": [h - 3600, h, h + 3600], "temperature_2m": [29.5, 30.1, 45.0],
                   "relative_humidity_2m": [61, 58, 10], "precipitation": [0.0, 1.2, 30.0]}
    }))
    .unwrap()
}

fn openmeteo_flood(lat: f64, lon: f64) -> Vec<u8> {
    let d = chrono::Utc::now().timestamp() / 86_400 * 86_400;
    serde_json::to_vec(&serde_json::json!({
        "latitude": lat, "longitude": lon, "generationtime_ms": 0.2, "utc_offset_seconds": 0,
        "timezone": "GMT", "timezone_abbreviation": "GMT",
        "daily_units": {"time": "unixtime", "river_discharge": "m³/s"},
        "daily": {"time": [d - 86_400, d, d + 86_400], "river_discharge": [812.4, 901.7, 5000.0]}
    }))
    .unwrap()
}

#[tokio::test]
async fn levels_weather_and_open_data_flow_through_the_hub_and_a_refusal_reads_as_not_authorised() {
    let dir = tempfile::tempdir().unwrap();
    let replay = Replay::http().await;
    replay.route(
        "/iam/api/new-entry-data/specification/sorted",
        cwc_levels("015-UYDDEL", &[204.66, 204.79, 205.41]),
    );
    let mut levels: Value =
        serde_json::from_slice(&fixture("cwc/flood_forecast_static_single.json")).unwrap();
    levels["stationCode"] = "015-UYDDEL".into();
    levels["warningLevel"] = 204.5.into();
    levels["dangerLevel"] = 205.33.into();
    levels["highestFlowLevel"] = 207.49.into();
    replay.route(
        "/iam/api/flood-forecast-static/015-UYDDEL",
        serde_json::to_vec(&levels).unwrap(),
    );
    replay.route(
        "/iam/api/layer-station-geo/specification/",
        fixture("cwc/layer_station_geo.json"),
    );
    replay.route(
        "/api/current_wx_api.php",
        fixture("imd/not_whitelisted.txt"),
    );
    replay.route("/v1/forecast", openmeteo_now(28.6, 77.25));
    replay.route("/v1/flood", openmeteo_flood(28.6, 77.25));
    replay.route_query(
        "/resource/res-wq",
        "offset=0",
        fixture("datagov/envelope_wq.json"),
    );
    replay.route_query(
        "/resource/res-wq",
        "offset=2",
        fixture("datagov/envelope_wq_page2.json"),
    );
    let base = replay.base();
    let fast = "interval_s = 0.5\ntimeout_s = 2\nretries = 0\nmin_request_interval_ms = 0\nbreaker_failures = 1000\n";
    let config = dir.path().join("sources.toml");
    std::fs::write(
        &config,
        format!(
            "[[stations]]\nid = \"yamuna-1\"\nname = \"Yamuna at Old Railway Bridge\"\nlat = 28.66\nlon = 77.25\n\n\
             [sources.cwc]\nenabled = true\nbase_url = \"{base}\"\nstations = [\"015-UYDDEL\"]\n{fast}\n\
             [sources.imd]\nenabled = true\nbase_url = \"{base}\"\nstations = [\"43003\"]\n{fast}\n\
             [sources.openmeteo]\nenabled = true\nbase_url = \"{base}\"\nflood_base_url = \"{base}\"\nstations = [\"yamuna-1\"]\n{fast}\n\
             [sources.datagov]\nenabled = true\nbase_url = \"{base}\"\napi_key = \"test-key\"\nresources = [\"res-wq\"]\n{fast}"
        ),
    )
    .unwrap();
    let hub = Hub::with_config(dir.path(), &config).await;
    let state_of = |h: &Value, id: &str| source_health(h, id)["state"].clone();
    let h = hub
        .wait_health("all four connectors polled", |h| {
            state_of(h, "cwc") == "ok"
                && state_of(h, "openmeteo") == "ok"
                && state_of(h, "datagov") == "ok"
                && state_of(h, "imd") == "not_authorised"
        })
        .await;
    let imd = &source_health(&h, "imd");
    assert!(
        imd["reason"]
            .as_str()
            .unwrap()
            .contains("needs to be whitelisted"),
        "{imd}"
    );
    assert!(
        !imd["reason"]
            .as_str()
            .unwrap()
            .contains("not authorised: not authorised"),
        "{imd}"
    );
    assert_eq!(state_of(&h, "cpcb"), "disabled");

    // CWC: the level above MSL, compared with the station's danger level.
    let c = hub
        .get("/api/stations/015-UYDDEL/comprehensive")
        .await
        .unwrap();
    let level = c["hydrology"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["parameter"] == "water_level")
        .unwrap_or_else(|| panic!("{c}"))
        .clone();
    assert_eq!(level["value"], 205.41, "{level}");
    assert_eq!(level["connector"], "cwc");
    assert_eq!(c["flood"]["status"], "above_danger", "{c}");
    assert_eq!(c["flood"]["danger_level"], 205.33);
    assert_eq!(c["metadata"]["river"], "Yamuna", "{c}");
    let st = hub.get("/api/stations/015-UYDDEL").await.unwrap();
    assert_eq!(st["name"], "Delhi Railway Bridge", "{st}");

    // Open-Meteo: past hours only (the forecast hour is not a measurement), and discharge
    // labelled as modelled.
    let t = Instant::now();
    let c = loop {
        let c = hub
            .get("/api/stations/yamuna-1/comprehensive")
            .await
            .unwrap();
        if c["weather"].as_array().is_some_and(|w| w.len() >= 3) {
            break c;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "{c}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let field = |block: &str, p: &str| {
        c[block]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["parameter"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("{p} in {c}"))
    };
    assert_eq!(field("weather", "air_temperature")["value"], 30.1);
    assert_eq!(
        field("weather", "air_temperature")["connector"],
        "openmeteo"
    );
    assert_eq!(field("weather", "rainfall")["value"], 1.2);
    let q = field("hydrology", "discharge");
    assert_eq!(q["value"], 901.7, "{q}");
    assert!(q["note"].as_str().unwrap().contains("GloFAS"), "{q}");

    // data.gov.in: both pages, mapped from the field list; NWMP stations keep their code.
    let st = hub.get("/api/stations/NWMP-1151").await.unwrap();
    assert_eq!(st["latest"]["dissolved_oxygen"]["value"], 5.9, "{st}");
    assert_eq!(st["latest"]["dissolved_oxygen"]["source"], "api");
    let datagov = hub.get("/api/sources").await.unwrap();
    let dg = &source_health(&datagov, "datagov");
    assert!(dg["records_last"].as_u64().unwrap() >= 10, "{dg}");

    // The original river summary over whatever holds data: the river is read from the OGD
    // record's location ("PATALGANGA AT SHILPHATA").
    let r = hub.get("/api/rivers/Patalganga").await.unwrap();
    assert!(r["stations_total"].as_u64().unwrap() >= 1, "{r}");
    assert!(
        r["stations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["station"]["id"] == "NWMP-1151"),
        "{r}"
    );
    let (status, body) = hub.get_status("/api/rivers/Nowhere%20River").await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let cat = hub.get("/api/catalogue?q=godavari&limit=5").await.unwrap();
    assert!(cat["total"].as_u64().unwrap() > 5, "{cat}");
    assert!(cat["catalogue_size"].as_u64().unwrap() > 1500, "{cat}");
}

// Multi-threaded: the replay server keeps serving while the test waits for the CLI process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_is_resumable_from_the_command_line_and_reports_progress_in_the_hub() {
    let replay = Replay::http().await;
    replay.route(
        "/data/internet/stations/DSP_SWAN/UT67/EC/year.json",
        fixture("cpcb/year.json"),
    );
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(bin())
            .args([
                "backfill",
                "--source",
                "cpcb",
                "--station",
                "UT67",
                "--from",
                "2024-07-01",
            ])
            .args(["--to", "2024-07-31", "--parameter", "EC,DO", "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .env("PUREHEALTH_CPCB_BASE_URL", replay.base())
            .env_remove("PUREHEALTH_CONFIG")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // DO has no history on the server (404): that chunk fails, EC is stored.
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(
        out.contains("2 chunks (0 resumed), 3 readings, 3 new, 1 failed"),
        "{out}\n{err}"
    );
    assert!(out.contains("failed DO: HTTP 404"), "{out}");
    // Run again: EC is not fetched twice; DO is retried and now succeeds.
    replay.route(
        "/data/internet/stations/DSP_SWAN/UT67/DO/year.json",
        fixture("cpcb/year.json"),
    );
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("2 chunks (1 resumed)"), "{out}");
    let hits = replay.hits.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(hits, 3, "EC fetched once, DO twice, nothing else");

    // Bad arguments are named.
    let (code, _, err) = run(&["--to", "2023-01-01"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("error") || err.contains("after"), "{err}");

    // The same job through the hub: 202, then progress frames and the job list.
    let hub = Hub::embedded(dir.path()).await;
    let (mut ws, _) = hub.ws_ready("/ws").await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"UT67"}"#).await;
    let client = reqwest::Client::new();
    let r = client
        .post(hub.url("/api/backfill"))
        .json(&serde_json::json!({"source": "cpcb", "station": "UT67", "from": "2024-07-01", "to": "2024-07-31", "parameters": ["EC"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let frame = next_of(&mut ws, "backfill_progress", 10)
        .await
        .expect("progress frame");
    assert_eq!(frame["station_id"], "UT67", "{frame}");
    let r = client
        .post(hub.url("/api/backfill"))
        .json(&serde_json::json!({"source": "nope", "station": "UT67", "from": "2024-07-01", "to": "2024-07-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("source: `nope`"),
        "{body}"
    );
    let ec = hub
        .get("/api/stations/UT67/readings?parameter=conductivity&from=2024-06-30T00:00:00Z&to=2024-08-01T00:00:00Z")
        .await
        .unwrap();
    assert!(ec["points"].as_array().unwrap().len() >= 3, "{ec}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_tables_import_from_the_command_line_and_over_http_with_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let table = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources/nwmp/mpcb_nwmp_table_sample.csv");
    let import = |file: &Path| {
        let out = std::process::Command::new(bin())
            .arg("import")
            .arg(file)
            .args(["--label", "mpcb", "--data-dir"])
            .arg(dir.path())
            .env_remove("PUREHEALTH_CONFIG")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = import(&table);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains("(nwmp_table layout): 4 rows, 3 stations, 24 values, 24 new"),
        "{out}"
    );
    // Importing again stores nothing twice.
    let (_, out, _) = import(&table);
    assert!(out.contains("24 values, 0 new"), "{out}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "when,what\n1,2\n").unwrap();
    let (code, _, err) = import(&bad);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown table layout") && err.contains("known layouts"),
        "{err}"
    );

    // The hub serves what was imported, and imports over HTTP too.
    let hub = Hub::embedded(dir.path()).await;
    let st = hub.get("/api/stations/NWMP-2179").await.unwrap();
    assert_eq!(st["source"], "mpcb", "{st}");
    assert!(st["latest"]["bod"]["value"].is_number(), "{st}");
    let client = reqwest::Client::new();
    let r = client
        .post(hub.url("/api/import?label=mpcb"))
        .body(std::fs::read(&table).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["stations"].as_u64(), v["new"].as_u64()),
        (Some(3), Some(0)),
        "{v}"
    );
    let r = client
        .post(hub.url("/api/import?label=bad%20label"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = client
        .post(hub.url("/api/import"))
        .body("%PDF-1.7 binary")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("PDF"), "{v}");
}
