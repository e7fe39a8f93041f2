//! The Sentinel-2 connector against a local STAC API and COG server (byte ranges): estimates
//! stored with their scene and judged beside the demo station's in-situ turbidity, never as
//! readings; scenes evaluated once, across restarts; broken answers named in health.

use crate::replay::{Mode, Replay};
use crate::util::*;
use serde_json::Value;
use std::path::Path;

const SCENE_DIR: &str = "tests/fixtures/sources/s2_scene";
const BANDS: [&str; 5] = ["B03", "B04", "B08", "B05", "SCL"];

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(SCENE_DIR)
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The STAC answer with the scenes 2 and 7 days old, served by `replay`.
fn stac_answer(replay: &Replay) -> Vec<u8> {
    let text = String::from_utf8(fixture("items.template.json")).unwrap();
    let now = chrono::Utc::now();
    let t0 = now - chrono::Duration::days(2);
    let t1 = now - chrono::Duration::days(7);
    let rfc =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    text.replace("@BASE@", &replay.base())
        .replace("@T0@", &rfc(t0))
        .replace("@T1@", &rfc(t1))
        .replace("@D0@", &t0.format("%Y%m%d").to_string())
        .replace("@D1@", &t1.format("%Y%m%d").to_string())
        .into_bytes()
}

/// Serves the scenes; `pad` appends zeros to each COG (tiles are found by offset, so the file
/// stays valid) to make it larger than the reader's first 4 KiB request.
fn serve_scenes(replay: &Replay, pad: usize) {
    replay.route("/search", stac_answer(replay));
    for scene in ["clear", "cloudy"] {
        for band in BANDS {
            let mut cog = fixture(&format!("{scene}/{band}.tif"));
            cog.resize(cog.len() + pad, 0);
            replay.route(&format!("/cogs/{scene}/{band}.tif"), cog);
        }
    }
}

fn config(dir: &Path, base: &str) -> std::path::PathBuf {
    let path = dir.join("satellite.toml");
    std::fs::write(
        &path,
        format!(
            "[sources.satellite]\nenabled = true\nbase_url = \"{base}\"\ninterval_s = 1\n\
             timeout_s = 2\nretries = 0\nmin_request_interval_ms = 0\nbreaker_failures = 1000\n\
             stations = [\"apacpwq\"]\n"
        ),
    )
    .unwrap();
    path
}

async fn wait_satellite(hub: &Hub, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    hub.wait_source("satellite", what, pred).await
}

async fn start(dir: &Path, cfg: &Path) -> Hub {
    Hub::start(HubOpts {
        data_dir: dir,
        mqtt: None,
        demo: true,
        http: None,
        broker: None,
        config: Some(cfg),
    })
    .await
}

fn cog_requests(replay: &Replay) -> Vec<crate::replay::Seen> {
    replay
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/cogs/"))
        .collect()
}

// The algorithms as published (domain.md §13), on the fixture's water reflectances.
fn nechad(rho: f64) -> f64 {
    366.14 * rho / (1.0 - rho / 0.19563)
}
fn nd(a: f64, b: f64) -> f64 {
    (a - b) / (a + b)
}

fn near(v: &Value, want: f64, what: &str) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no number in {v}"));
    assert!((got - want).abs() < 1e-6, "{what}: {got} != {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenes_become_station_estimates_beside_in_situ_values_once_and_survive_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let replay = Replay::http().await;
    serve_scenes(&replay, 0);
    let cfg = config(tmp.path(), &replay.base());
    let mut hub = start(tmp.path(), &cfg).await;

    let h = wait_satellite(&hub, "both scenes evaluated", |s| {
        s["records_total"].as_u64() >= Some(10)
    })
    .await;
    assert_eq!(h["state"], "ok", "{h}");

    // The search asked for the station's surroundings, recent and not too cloudy.
    let search = replay
        .seen()
        .into_iter()
        .find(|s| s.path == "/search")
        .expect("a search");
    assert_eq!(search.method, "POST");
    let body: Value = serde_json::from_slice(&search.body).unwrap();
    assert_eq!(body["collections"][0], "sentinel-2-l2a");
    let bbox: Vec<f64> = serde_json::from_value(body["bbox"].clone()).unwrap();
    assert!(bbox[0] < -84.8802 && -84.8802 < bbox[2], "{bbox:?}");
    assert!(bbox[1] < 29.7021 && 29.7021 < bbox[3], "{bbox:?}");
    assert_eq!(body["query"]["eo:cloud_cover"]["lt"], 60.0);
    // Tiles are read by range, never whole.
    let cogs = cog_requests(&replay);
    assert!(!cogs.is_empty());
    assert!(cogs.iter().all(|s| s.range.is_some()), "{cogs:?}");

    let v = hub.get("/api/stations/apacpwq/satellite").await.unwrap();
    let scenes = v["scenes"].as_array().unwrap();
    assert_eq!(scenes.len(), 2, "{v}");
    assert_eq!(v["enabled"], true);
    let (clear, cloudy) = (&scenes[0], &scenes[1]);
    assert!(
        clear["scene_id"]
            .as_str()
            .unwrap()
            .starts_with("S2B_16RFU_")
    );
    assert_eq!(clear["platform"], "sentinel-2b");
    assert_eq!(clear["cloud_cover"], 4.1);
    let t = &clear["values"]["turbidity"];
    assert_eq!(t["algorithm"], "nechad2016_s2b4");
    assert_eq!(t["unit"], "FNU");
    near(&t["value"], nechad(0.0300), "Nechad turbidity");
    assert_eq!(t["valid_pixels"], 9);
    assert_eq!(t["adjacency"], false);
    near(
        &clear["values"]["ndti"]["value"],
        nd(0.0300, 0.0620),
        "NDTI",
    );
    near(
        &clear["values"]["ndwi"]["value"],
        nd(0.0620, 0.0120),
        "NDWI",
    );
    let ndci = nd(0.0330, 0.0300);
    near(&clear["values"]["ndci"]["value"], ndci, "NDCI");
    near(
        &clear["values"]["chla"]["value"],
        14.039 + 86.115 * ndci + 194.325 * ndci * ndci,
        "chl-a proxy",
    );
    // The demo's year of sonde history puts an in-situ turbidity near every overpass.
    let in_situ = &clear["in_situ"]["turbidity"];
    assert!(in_situ["value"].is_number(), "{clear}");
    assert!(in_situ["minutes_from_overpass"].as_i64().unwrap().abs() <= 360);
    // A cloud over the station leaves no valid water pixel: no value, and it says why.
    assert_eq!(cloudy["cloud_cover"], 38.5);
    assert_eq!(cloudy["values"]["turbidity"]["value"], Value::Null);
    assert_eq!(cloudy["values"]["turbidity"]["valid_pixels"], 0);

    // Context only: no satellite value became a reading of the station.
    let comp = hub
        .get("/api/stations/apacpwq/comprehensive")
        .await
        .unwrap();
    assert!(
        !comp["water_quality"].to_string().contains("\"satellite\""),
        "{comp}"
    );

    // Evaluated scenes are not read again on later polls...
    let polls = h["polls"].as_u64().unwrap();
    let tiles = cog_requests(&replay).len();
    wait_satellite(&hub, "two more polls", |s| {
        s["polls"].as_u64() >= Some(polls + 2)
    })
    .await;
    assert_eq!(cog_requests(&replay).len(), tiles);

    // ...nor after a crash: the store remembers them.
    hub.kill9();
    let hub = start(tmp.path(), &cfg).await;
    let v = hub.get("/api/stations/apacpwq/satellite").await.unwrap();
    assert_eq!(v["scenes"].as_array().unwrap().len(), 2, "{v}");
    wait_satellite(&hub, "polls after the restart", |s| {
        s["polls"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(cog_requests(&replay).len(), tiles);

    // Bad arguments are named.
    let (code, e) = hub
        .get_status("/api/stations/apacpwq/satellite?days=0")
        .await;
    assert_eq!(
        (code, e["kind"].as_str()),
        (400, Some("bad_request")),
        "{e}"
    );
    let (code, e) = hub.get_status("/api/stations/nowhere/satellite").await;
    assert_eq!((code, e["kind"].as_str()), (404, Some("not_found")), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_catalogues_and_tiles_are_named_and_the_hub_keeps_running() {
    let tmp = tempfile::tempdir().unwrap();
    let replay = Replay::http().await;
    serve_scenes(&replay, 8192);
    // A tile server that ignores Range and one tile that is not a TIFF.
    replay.route(
        "/cogs/cloudy/B04.tif",
        b"<html>Access Denied</html>".to_vec(),
    );
    replay.set_mode(Mode::IgnoreRange);
    let cfg = config(tmp.path(), &replay.base());
    let hub = start(tmp.path(), &cfg).await;

    // Each poll's skip reasons last until the next poll: collect them all while waiting.
    let seen = std::cell::RefCell::new(String::new());
    let collect = |s: &Value| {
        seen.borrow_mut()
            .push_str(&s["skipped_examples"].to_string());
        seen.borrow().clone()
    };
    let h = wait_satellite(&hub, "a server ignoring Range named in health", |s| {
        collect(s).contains("the server ignored Range")
    })
    .await;
    // Network-type failures are retried: nothing was stored, nothing marked done.
    assert_eq!(h["records_total"], 0, "{h}");

    // With ranges honoured the good scene arrives; the broken tile is named with its band.
    replay.set_mode(Mode::Normal);
    wait_satellite(&hub, "the clear scene and the broken tile named", |s| {
        let seen = collect(s);
        s["records_total"].as_u64() >= Some(5)
            && seen.contains("B04: not a TIFF")
            && seen.contains("byte-order mark")
    })
    .await;

    // A catalogue answering HTML instead of JSON: the poll fails with a named reason.
    replay.set_mode(Mode::Html);
    let h = wait_satellite(&hub, "HTML from the catalogue", |s| {
        s["state"] == "degraded" && s["last_error"].to_string().contains("HTML")
    })
    .await;
    assert!(h["consecutive_failures"].as_u64() >= Some(1), "{h}");
    // The estimates already stored stay served.
    let v = hub.get("/api/stations/apacpwq/satellite").await.unwrap();
    assert_eq!(v["scenes"].as_array().unwrap().len(), 1, "{v}");
}
