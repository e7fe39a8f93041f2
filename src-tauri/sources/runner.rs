//! The `Source` abstraction and the loop that runs one: poll, turn observations into readings,
//! hand them to the same pipeline sensor readings take, and keep the connector's health (last
//! success, last error, next attempt, records, drift, staleness, circuit breaker).

use super::http::{FetchError, HttpClient};
use super::types::{Drift, Observation, ParseError, SourceStation};
use crate::model::{QcFlag, Reading, SourceKind, StationKey, fmt_time};
use crate::pipeline::Core;
use crate::store::{StationInfo, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use thiserror::Error;
use tokio_util::sync::CancellationToken;

/// What one poll of a source produced.
#[derive(Debug, Default)]
pub struct Batch {
    pub stations: Vec<SourceStation>,
    pub observations: Vec<Observation>,
    pub drift: Drift,
    /// Why records were skipped (capped).
    pub skipped: Vec<String>,
    /// Every request answered 304: nothing new.
    pub not_modified: bool,
    /// Satellite estimates (stored beside readings, never as readings).
    pub satellite: Vec<crate::store::SatelliteRow>,
}

/// Why a poll failed.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("schema changed: {0}")]
    Drift(String),
    /// The server refused us (IP not whitelisted, bad key); the message says so.
    #[error("{0}")]
    NotAuthorised(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl SourceError {
    fn not_authorised(&self) -> bool {
        matches!(
            self,
            SourceError::NotAuthorised(_)
                | SourceError::Fetch(FetchError::NotAuthorised { .. })
                | SourceError::Parse(ParseError::Refused(_))
        )
    }
}

/// One connector. `poll` fetches and parses; the runner does everything else.
pub trait Source: Send + 'static {
    /// Stable id (`cpcb`, `cwc`, `imd`, `openmeteo`, `datagov`), the key of `[sources.<id>]`.
    fn id(&self) -> &'static str;
    /// The provenance name stored with readings (`cpcb_rtwqms`).
    fn provenance(&self) -> &'static str;
    fn poll(
        &mut self,
        http: &HttpClient,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Batch, SourceError>> + Send;
}

/// Scheduling settings of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub interval: Duration,
    /// Last good data older than this is reported stale.
    pub stale_after: Duration,
    /// Consecutive failed polls that open the circuit...
    pub breaker_failures: u32,
    /// ...for this long.
    pub breaker_cooldown: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Disabled,
    Starting,
    Ok,
    Degraded,
    NotAuthorised,
}

/// A connector's health as `/health` and the UI show it.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub id: String,
    pub label: String,
    pub enabled: bool,
    pub state: State,
    /// Why the state is not `ok` (the exact error or drift).
    pub reason: Option<String>,
    pub base_url: String,
    pub insecure_tls: bool,
    pub interval_s: f64,
    pub stale_after_s: f64,
    #[serde(serialize_with = "opt_time")]
    pub last_attempt: Option<DateTime<Utc>>,
    #[serde(serialize_with = "opt_time")]
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "opt_time")]
    pub last_error_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "opt_time")]
    pub next_attempt: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    #[serde(serialize_with = "opt_time")]
    pub circuit_open_until: Option<DateTime<Utc>>,
    pub polls: u64,
    pub records_last: usize,
    pub records_total: u64,
    pub new_last: usize,
    pub stations: usize,
    /// Newest observation time in the last good data.
    #[serde(serialize_with = "opt_time")]
    pub data_as_of: Option<DateTime<Utc>>,
    pub stale: bool,
    pub drift: Option<String>,
    #[serde(serialize_with = "opt_time")]
    pub last_schema_change: Option<DateTime<Utc>>,
    pub skipped_last: usize,
    pub skipped_examples: Vec<String>,
    pub not_modified: u64,
}

fn opt_time<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&fmt_time(*t)),
        None => s.serialize_none(),
    }
}

impl Health {
    pub fn new(id: &str, label: &str, base_url: &str, enabled: bool) -> Health {
        Health {
            id: id.into(),
            label: label.into(),
            enabled,
            state: if enabled {
                State::Starting
            } else {
                State::Disabled
            },
            reason: (!enabled)
                .then(|| "turned off (enable it under [sources.".to_string() + id + "])"),
            base_url: base_url.into(),
            insecure_tls: false,
            interval_s: 0.0,
            stale_after_s: 0.0,
            last_attempt: None,
            last_success: None,
            last_error: None,
            last_error_at: None,
            next_attempt: None,
            consecutive_failures: 0,
            circuit_open_until: None,
            polls: 0,
            records_last: 0,
            records_total: 0,
            new_last: 0,
            stations: 0,
            data_as_of: None,
            stale: false,
            drift: None,
            last_schema_change: None,
            skipped_last: 0,
            skipped_examples: Vec::new(),
            not_modified: 0,
        }
    }
}

/// Health of every configured connector, and what they taught us about stations (river,
/// district, state; flood levels) for the unified view and the area summaries.
#[derive(Default)]
pub struct Registry {
    inner: Mutex<BTreeMap<String, Health>>,
    meta: Mutex<BTreeMap<String, SourceStation>>,
    flood: Mutex<BTreeMap<String, super::cwc::FloodLevels>>,
    /// IMD district bulletins by lower-case district name, then kind (`rainfall`, `warnings`).
    bulletins: Mutex<BTreeMap<String, BTreeMap<String, Value>>>,
    /// The India station catalogue (CPCB NWMP list) merged with live sources' station lists.
    catalogue: Mutex<super::catalogue::Catalogue>,
    /// Every connector's settings (enabled or not: a backfill may use a polling-off source).
    configs: Mutex<BTreeMap<String, super::settings::SourceConfig>>,
    /// Backfill jobs started from the hub or the window, by job key.
    jobs: Mutex<BTreeMap<String, super::backfill::Progress>>,
}

impl Registry {
    /// Installs the bundled catalogue: its stations become known metadata (river, state) for
    /// the area summaries.
    pub fn install_catalogue(&self, cat: super::catalogue::Catalogue) {
        let meta: Vec<SourceStation> = cat
            .iter()
            .map(|c| SourceStation {
                id: c.id.clone(),
                name: c.name.clone(),
                river: c.river.clone(),
                state: (!c.state.is_empty()).then(|| c.state.clone()),
                ..Default::default()
            })
            .collect();
        *self.catalogue.lock().unwrap_or_else(|e| e.into_inner()) = cat;
        self.remember_stations_only(&meta);
    }

    /// `GET /api/catalogue`: stations matching the query, each marked `live` when the hub
    /// holds data for it.
    pub fn catalogue_json(
        &self,
        q: &super::catalogue::Query,
        is_live: impl Fn(&str) -> bool,
    ) -> Value {
        let cat = self.catalogue.lock().unwrap_or_else(|e| e.into_inner());
        let hits = cat.search(q);
        let all = super::catalogue::Query {
            limit: 0,
            ..q.clone()
        };
        json!({
            "total": cat.search(&all).len(),
            "catalogue_size": cat.len(),
            "stations": hits.iter().map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["live"] = json!(is_live(&s.id));
                v
            }).collect::<Vec<_>>(),
            "states": cat.states().into_iter().map(|(n, c)| json!({"name": n, "stations": c})).collect::<Vec<_>>(),
            "rivers": cat.rivers().into_iter().map(|(n, c)| json!({"name": n, "stations": c})).collect::<Vec<_>>(),
        })
    }

    /// Remembers a source's station metadata (and merges it into the catalogue), filling
    /// what an earlier source left empty.
    pub fn remember_stations_from(&self, source: &str, stations: &[SourceStation]) {
        self.catalogue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .merge(source, stations);
        self.remember_stations_only(stations);
    }

    fn remember_stations_only(&self, stations: &[SourceStation]) {
        let mut meta = self.meta.lock().unwrap_or_else(|e| e.into_inner());
        for s in stations {
            let e = meta.entry(s.id.clone()).or_insert_with(|| s.clone());
            let fill = |a: &mut Option<String>, b: &Option<String>| {
                if a.is_none() {
                    a.clone_from(b);
                }
            };
            fill(&mut e.river, &s.river);
            fill(&mut e.district, &s.district);
            fill(&mut e.state, &s.state);
            fill(&mut e.basin, &s.basin);
            if e.name.is_empty() {
                e.name.clone_from(&s.name);
            }
            if e.lat.is_none() {
                e.lat = s.lat;
                e.lon = s.lon;
            }
        }
    }

    /// Metadata of one station, if any source (or the catalogue) described it.
    pub fn station_meta(&self, id: &str) -> Option<SourceStation> {
        self.meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Stations whose `field` (`river`, `district`, `state`, `basin`) equals `wanted`
    /// (lower case), with their metadata.
    pub fn stations_where(&self, field: &str, wanted: &str) -> Vec<(String, SourceStation)> {
        self.meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, s)| {
                let v = match field {
                    "river" => &s.river,
                    "district" => &s.district,
                    "state" => &s.state,
                    _ => &s.basin,
                };
                v.as_deref().is_some_and(|v| v.to_lowercase() == wanted)
            })
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect()
    }

    pub fn set_config(&self, cfg: super::settings::SourceConfig) {
        self.configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cfg.id.to_string(), cfg);
    }

    pub fn config(&self, id: &str) -> Option<super::settings::SourceConfig> {
        self.configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Registers a job unless one with the same key is running; true when registered.
    pub fn try_start_job(&self, key: &str) -> bool {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if jobs.get(key).is_some_and(|p| !p.finished) {
            return false;
        }
        jobs.insert(
            key.to_string(),
            super::backfill::Progress {
                job: key.to_string(),
                ..Default::default()
            },
        );
        true
    }

    /// Records a backfill job's progress.
    pub fn job_progress(&self, p: &super::backfill::Progress) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.job.clone(), p.clone());
    }

    pub fn jobs_json(&self) -> Value {
        serde_json::to_value(
            self.jobs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }

    /// Stores an IMD district bulletin.
    pub fn set_bulletin(&self, district: &str, kind: &str, value: Value) {
        self.bulletins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(district.trim().to_lowercase())
            .or_default()
            .insert(kind.to_string(), value);
    }

    /// The IMD bulletins of a district, if any.
    pub fn bulletins(&self, district: &str) -> Option<BTreeMap<String, Value>> {
        self.bulletins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&district.trim().to_lowercase())
            .cloned()
    }

    /// Stores CWC warning/danger levels of stations.
    pub fn set_flood_levels(&self, levels: Vec<super::cwc::FloodLevels>) {
        let mut f = self.flood.lock().unwrap_or_else(|e| e.into_inner());
        for l in levels {
            f.insert(l.station.clone(), l);
        }
    }

    /// The newest water level against the station's CWC levels. Only a level above mean sea
    /// level (`water_level`, CWC HHS) is compared; a gauge height never is.
    pub fn flood_status(&self, id: &str, rows: &[crate::store::LatestRow]) -> Value {
        let f = self.flood.lock().unwrap_or_else(|e| e.into_inner());
        let Some(levels) = f.get(id) else {
            return Value::Null;
        };
        let newest = |p: crate::model::Parameter| {
            rows.iter()
                .filter(|r| r.parameter == p.as_str())
                .max_by_key(|r| r.ts_ms)
        };
        let (level, status) = match newest(crate::model::Parameter::WaterLevel) {
            Some(r) => (
                Some(r),
                super::cwc::classify(crate::model::Parameter::WaterLevel, r.value, levels),
            ),
            None => (None, super::cwc::LevelStatus::NotComparable),
        };
        json!({
            "warning_level": levels.warning_level,
            "danger_level": levels.danger_level,
            "highest_flood_level": levels.highest_flood_level,
            "level": level.map(|r| r.value),
            "observed_at": level.map(|r| fmt_time(crate::live::from_ms(r.ts_ms))),
            "status": status,
            "gauge_height_not_compared": newest(crate::model::Parameter::GaugeHeight).is_some(),
        })
    }

    pub fn insert(&self, h: Health) {
        self.lock().insert(h.id.clone(), h);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Health>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Health)) {
        if let Some(h) = self.lock().get_mut(id) {
            f(h);
        }
    }

    /// Snapshot with staleness evaluated at `now`.
    pub fn snapshot(&self, now: DateTime<Utc>) -> Vec<Health> {
        self.lock()
            .values()
            .cloned()
            .map(|mut h| {
                h.stale = h.enabled
                    && match h.last_success {
                        Some(t) => (now - t).num_milliseconds() as f64 / 1e3 > h.stale_after_s,
                        None => h.last_attempt.is_some(),
                    };
                h
            })
            .collect()
    }

    pub fn to_json(&self, now: DateTime<Utc>) -> Value {
        serde_json::to_value(self.snapshot(now)).unwrap_or_else(|_| json!([]))
    }
}

/// Turns an observation into a reading in canonical units, or says why it cannot be one.
pub fn to_reading(
    o: &Observation,
    provenance: &str,
    received_at: DateTime<Utc>,
) -> Result<Reading, String> {
    let station = StationKey::normalise(&o.station)
        .ok_or_else(|| format!("station id `{}` is not usable", o.station))?;
    let value = crate::units::to_canonical(o.parameter, o.value, &o.unit).ok_or_else(|| {
        format!(
            "{}/{}: unit `{}` is not one we convert",
            o.station,
            o.parameter.as_str(),
            o.unit
        )
    })?;
    Ok(Reading {
        station,
        parameter: o.parameter,
        observed_at: o.observed_at,
        source: SourceKind::Api,
        value,
        unit: o.parameter.canonical_unit(),
        raw_value: o.value,
        raw_unit: o.raw_unit.clone(),
        qc: QcFlag::NotEvaluated,
        qc_tests: Vec::new(),
        time_from_receipt: false,
        received_at,
        provenance: Some(match &o.note {
            Some(n) => format!("{provenance}; {n}"),
            None => provenance.to_string(),
        }),
    })
}

/// Stores one batch: registers stations it has not seen (or whose metadata changed) and ingests
/// the readings. Returns (records, new readings, skipped reasons).
pub async fn store_batch(
    core: &Core,
    provenance: &str,
    batch: &Batch,
    known: &mut HashSet<String>,
    received_at: DateTime<Utc>,
) -> Result<(usize, usize, Vec<String>), StoreError> {
    core.sources
        .remember_stations_from(provenance, &batch.stations);
    for s in &batch.stations {
        let Some(key) = StationKey::normalise(&s.id) else {
            continue;
        };
        let sig = format!("{}|{}|{:?}|{:?}", s.id, s.name, s.lat, s.lon);
        if known.insert(sig) {
            core.register_station(StationInfo {
                key,
                name: if s.name.is_empty() {
                    s.id.clone()
                } else {
                    s.name.clone()
                },
                location: s.lat.zip(s.lon),
                source: provenance.to_string(),
            })
            .await?;
        }
    }
    let mut skipped = Vec::new();
    let mut readings = Vec::with_capacity(batch.observations.len());
    for o in &batch.observations {
        match to_reading(o, provenance, received_at) {
            Ok(r) => readings.push(r),
            Err(e) => {
                if skipped.len() < 50 {
                    skipped.push(e);
                }
            }
        }
    }
    let n = readings.len() + batch.satellite.len();
    let new = core.ingest(readings).await? + batch.satellite.len();
    core.store.save_satellite(batch.satellite.clone()).await?;
    Ok((n, new, skipped))
}

/// Runs a source until `cancel`: poll, store, record health, wait. Failures are retried with
/// backoff (sooner than the interval, never later than a server's Retry-After), and after
/// `breaker_failures` in a row the circuit opens for `breaker_cooldown`.
pub async fn run<S: Source>(
    mut source: S,
    http: HttpClient,
    schedule: Schedule,
    core: Core,
    cancel: CancellationToken,
) {
    let id = source.id();
    let registry = core.sources.clone();
    registry.update(id, |h| {
        h.interval_s = schedule.interval.as_secs_f64();
        h.stale_after_s = schedule.stale_after.as_secs_f64();
        h.insecure_tls = http.settings().insecure_tls;
    });
    let mut known = HashSet::new();
    loop {
        let now = Utc::now();
        registry.update(id, |h| {
            h.last_attempt = Some(now);
            h.polls += 1;
        });
        let outcome = match source.poll(&http, now).await {
            Ok(batch) => {
                if batch.drift.is_breaking() && batch.observations.is_empty() {
                    Err(SourceError::Drift(batch.drift.describe()))
                } else {
                    match store_batch(&core, source.provenance(), &batch, &mut known, now).await {
                        Ok(counts) => Ok((batch, counts)),
                        Err(e) => Err(SourceError::Store(e)),
                    }
                }
            }
            Err(e) => Err(e),
        };
        let wait = match outcome {
            Ok((batch, (records, new, mut skipped))) => {
                skipped.extend(batch.skipped.iter().cloned());
                let newest = batch
                    .observations
                    .iter()
                    .map(|o| o.observed_at)
                    .chain(
                        batch
                            .satellite
                            .iter()
                            .filter_map(|r| DateTime::from_timestamp_millis(r.acquired_ms)),
                    )
                    .max();
                let drift = (!batch.drift.is_empty()).then(|| batch.drift.describe());
                tracing::info!(
                    source = id,
                    records,
                    new,
                    drift = drift.as_deref().unwrap_or(""),
                    "source polled"
                );
                registry.update(id, |h| {
                    h.last_success = Some(now);
                    h.consecutive_failures = 0;
                    h.circuit_open_until = None;
                    h.records_last = records;
                    h.records_total += records as u64;
                    h.new_last = new;
                    if !batch.stations.is_empty() {
                        h.stations = batch.stations.len();
                    }
                    h.data_as_of = newest.max(h.data_as_of);
                    if drift != h.drift {
                        h.last_schema_change = Some(now);
                    }
                    h.drift = drift.clone();
                    h.skipped_last = skipped.len();
                    h.skipped_examples = skipped.into_iter().take(5).collect();
                    if batch.not_modified {
                        h.not_modified += 1;
                    }
                    h.state = if drift.is_some() {
                        State::Degraded
                    } else {
                        State::Ok
                    };
                    h.reason = drift.map(|d| format!("schema drift: {d}"));
                });
                schedule.interval
            }
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(source = id, error = %message, "source poll failed");
                let not_authorised = e.not_authorised();
                let retry_after = match &e {
                    SourceError::Fetch(f) => f.retry_after(),
                    _ => None,
                };
                let mut wait = schedule.interval;
                registry.update(id, |h| {
                    h.consecutive_failures += 1;
                    h.last_error = Some(message.clone());
                    h.last_error_at = Some(now);
                    if let SourceError::Drift(d) = &e {
                        if h.drift.as_deref() != Some(d) {
                            h.last_schema_change = Some(now);
                        }
                        h.drift = Some(d.clone());
                    }
                    h.state = if not_authorised {
                        State::NotAuthorised
                    } else {
                        State::Degraded
                    };
                    // Not an outage: retrying sooner will not help until someone whitelists us.
                    if !not_authorised {
                        let n = h.consecutive_failures;
                        let backoff = schedule
                            .interval
                            .min(Duration::from_secs(15).saturating_mul(1 << (n - 1).min(10)));
                        wait = backoff.max(retry_after.unwrap_or_default());
                        if n >= schedule.breaker_failures {
                            wait = wait.max(schedule.breaker_cooldown);
                            h.circuit_open_until =
                                Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                        }
                    }
                    h.reason = Some(match h.circuit_open_until {
                        Some(t) if h.consecutive_failures >= schedule.breaker_failures => format!(
                            "{message} (circuit open after {} failures, until {})",
                            h.consecutive_failures,
                            fmt_time(t)
                        ),
                        _ => message.clone(),
                    });
                });
                wait
            }
        };
        let next = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        registry.update(id, |h| h.next_attempt = Some(next));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => break,
        }
    }
}
