//! The live view of every station: latest value per parameter, the index and class derived
//! from them, and the alert level per parameter. Rebuilt from the store at start-up, then
//! updated by each newly stored reading. Pure state, no IO: the pipeline owns the IO.

use crate::model::{Parameter, QcFlag, Reading, SourceKind, StationKey, fmt_time};
use crate::qc;
use crate::quality::{self, Finding, Level, Validation};
use crate::wqi::{self, Wqi, WqiInputs};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    pub value: f64,
    pub unit: &'static str,
    pub t: DateTime<Utc>,
    pub qc: QcFlag,
    pub source: SourceKind,
}

#[derive(Debug, Clone)]
pub struct StationState {
    pub key: StationKey,
    pub name: String,
    pub location: Option<(f64, f64)>,
    pub source: String,
    pub latest: BTreeMap<Parameter, Latest>,
    /// Alert level per parameter, so an episode alerts once, not on every reading.
    pub levels: HashMap<Parameter, Level>,
    pub wqi: Option<Wqi>,
    pub last_update: Option<DateTime<Utc>>,
    pub reporting: Reporting,
    /// The current expected reporting interval, refreshed with each reading.
    pub expected_interval_s: f64,
    /// The criteria profile of the station's designated use.
    pub profile: String,
    /// The newest value of each parameter per source (for the source priority).
    pub by_source: BTreeMap<Parameter, Vec<Latest>>,
    /// Today's model estimates, the last fallback.
    pub estimates: BTreeMap<Parameter, crate::priority::ModelEstimate>,
}

/// Offline-watchdog settings (domain.md §14: offline after k × the expected interval).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchdogConfig {
    /// Offline after this many expected intervals without a reading.
    pub factor: f64,
    /// Expected interval before one is learned (the original spec's sensors report every 5 min).
    pub default_interval_s: f64,
    /// Learned intervals are never shorter than this (bursts would otherwise teach ~0 s).
    pub min_interval_s: f64,
    /// How often the watchdog looks.
    pub check_every_s: f64,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        WatchdogConfig {
            factor: 3.0,
            default_interval_s: 300.0,
            min_interval_s: 60.0,
            check_every_s: 10.0,
        }
    }
}

/// How a station has been reporting: arrival times and the interval learned from them.
#[derive(Debug, Clone)]
pub struct Reporting {
    /// Arrival (receive) time of the newest reading.
    pub last_seen: Option<DateTime<Utc>>,
    /// Observation time of the newest report; readings sharing it are one report.
    last_report: Option<DateTime<Utc>>,
    /// Arrival gaps between consecutive reports, seconds (newest last).
    gaps: VecDeque<f64>,
    pub online: bool,
    /// A configured interval wins over the learned one.
    pub configured_s: Option<f64>,
}

impl Default for Reporting {
    fn default() -> Self {
        Reporting {
            last_seen: None,
            last_report: None,
            gaps: VecDeque::new(),
            online: true,
            configured_s: None,
        }
    }
}

const GAPS_KEPT: usize = 16;

impl Reporting {
    fn observe(&mut self, observed_at: DateTime<Utc>, received_at: DateTime<Utc>) {
        if self.last_report != Some(observed_at) {
            if let Some(prev) = self.last_seen {
                let gap = (received_at - prev).num_milliseconds() as f64 / 1000.0;
                if gap > 0.0 {
                    if self.gaps.len() == GAPS_KEPT {
                        self.gaps.pop_front();
                    }
                    self.gaps.push_back(gap);
                }
            }
            self.last_report = Some(observed_at);
        }
        self.last_seen = self.last_seen.max(Some(received_at));
    }

    /// The expected reporting interval: the median learned gap (from 3 gaps on), else the default.
    pub fn expected_s(&self, cfg: &WatchdogConfig) -> f64 {
        if let Some(s) = self.configured_s {
            return s;
        }
        let learned = if self.gaps.len() >= 3 {
            let mut g: Vec<f64> = self.gaps.iter().copied().collect();
            g.sort_by(f64::total_cmp);
            g[g.len() / 2]
        } else {
            cfg.default_interval_s
        };
        learned.max(cfg.min_interval_s)
    }

    fn is_overdue(&self, now: DateTime<Utc>, cfg: &WatchdogConfig) -> bool {
        self.last_seen.is_some_and(|seen| {
            (now - seen).num_milliseconds() as f64 / 1000.0 > cfg.factor * self.expected_s(cfg)
        })
    }
}

/// What one new reading changed.
#[derive(Debug, Clone)]
pub struct Change {
    /// The reading became the station's latest value for its parameter.
    pub is_latest: bool,
    /// Alert transitions: (finding, previous level).
    pub transitions: Vec<(Finding, Level)>,
    /// The station was offline and this reading brought it back.
    pub back_online: bool,
    pub seq: u64,
    /// The grade of the reading under the station's profile, when it became the latest usable
    /// value (what the alarm rules follow).
    pub finding: Option<Finding>,
}

#[derive(Debug, Default)]
pub struct LiveState {
    stations: BTreeMap<String, StationState>,
    seq: u64,
    pub watchdog: WatchdogConfig,
    /// Recent accepted values and monthly statistics per series, for the history-based QC tests.
    /// Real-time QC state per series and source: an agency's values are not spike-tested
    /// against the station's own sensor.
    series_qc: HashMap<(String, Parameter, SourceKind), qc::SeriesQc>,
    /// Per-station settings from the config file.
    setups: HashMap<String, StationSetup>,
    /// Active alarms (the workflow state; persisted by the pipeline).
    pub alarms: crate::alarms::AlarmBook,
}

/// What the config file says about one station.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationSetup {
    pub expected_interval_s: Option<f64>,
    pub qc: HashMap<Parameter, qc::QcConfig>,
    /// Criteria profile of the station's designated use (default: the original thresholds).
    pub profile: Option<String>,
}

impl LiveState {
    pub fn with_watchdog(watchdog: WatchdogConfig) -> LiveState {
        LiveState {
            watchdog,
            ..LiveState::default()
        }
    }

    /// Installs a station's configured reporting interval and QC thresholds.
    pub fn configure(&mut self, key: &StationKey, setup: StationSetup) {
        let cfg = self.watchdog.clone();
        let st = self.entry(key);
        st.reporting.configured_s = setup.expected_interval_s;
        st.expected_interval_s = st.reporting.expected_s(&cfg);
        if let Some(p) = &setup.profile {
            st.profile = p.clone();
        }
        self.setups.insert(key.id.clone(), setup);
    }

    /// Changes a station's criteria profile and regrades its latest values under it (levels
    /// are set silently; alarms follow the next readings).
    pub fn set_profile(&mut self, key: &StationKey, profile: &str) {
        let setup = self.setups.entry(key.id.clone()).or_default();
        setup.profile = Some(profile.to_string());
        let latest: Vec<(Parameter, f64)> = self
            .stations
            .get(&key.id)
            .map(|st| {
                st.latest
                    .iter()
                    .filter(|(_, l)| l.qc.usable())
                    .map(|(p, l)| (*p, l.value))
                    .collect()
            })
            .unwrap_or_default();
        let graded: Vec<(Parameter, Level)> = latest
            .into_iter()
            .map(|(p, v)| {
                let level = grade_under(profile, p, v, 0.0).map_or(Level::Ok, |f| f.level);
                (p, level)
            })
            .collect();
        let st = self.entry(key);
        st.profile = profile.to_string();
        st.levels = graded.into_iter().collect();
    }

    /// Installs today's model estimate of a parameter (the source-priority fallback).
    pub fn set_estimate(&mut self, station: &str, p: Parameter, e: crate::priority::ModelEstimate) {
        if let Some(st) = self.stations.get_mut(station) {
            st.estimates.insert(p, e);
        }
    }

    /// The criteria profile a station is graded against.
    pub fn profile_of(&self, station: &str) -> &str {
        self.setups
            .get(station)
            .and_then(|s| s.profile.as_deref())
            .unwrap_or(quality::LEGACY_PROFILE)
    }

    /// Grades a value under the station's profile. With `prev` worse than the fresh level, the
    /// parameter's deadband applies: a level drops only once the value is clear of the limit by
    /// the deadband (hysteresis), so a value wobbling at a limit does not flap.
    pub fn grade(&self, station: &str, p: Parameter, v: f64, prev: Level) -> Option<Finding> {
        let id = self.profile_of(station);
        let cat = crate::profiles::Catalogue::bundled();
        let fresh = grade_under(id, p, v, 0.0)?;
        if fresh.level < prev {
            let held = grade_under(id, p, v, cat.deadband(p))?;
            if held.level > fresh.level {
                return Some(held);
            }
        }
        Some(fresh)
    }

    /// Registers or refreshes station metadata.
    pub fn register(
        &mut self,
        key: StationKey,
        name: String,
        location: Option<(f64, f64)>,
        source: String,
    ) {
        let st = self.entry(&key);
        st.name = name;
        if location.is_some() {
            st.location = location;
        }
        st.source = source;
    }

    fn entry(&mut self, key: &StationKey) -> &mut StationState {
        self.stations
            .entry(key.id.clone())
            .or_insert_with(|| StationState {
                key: key.clone(),
                name: key.id.clone(),
                location: None,
                source: "sensor".into(),
                latest: BTreeMap::new(),
                levels: HashMap::new(),
                wqi: None,
                last_update: None,
                reporting: Reporting::default(),
                expected_interval_s: WatchdogConfig::default().default_interval_s,
                profile: quality::LEGACY_PROFILE.to_string(),
                by_source: BTreeMap::new(),
                estimates: BTreeMap::new(),
            })
    }

    /// Loads a stored latest value at start-up. Levels are recomputed silently, so a
    /// condition that was already alerted before a restart is not alerted again.
    pub fn restore(
        &mut self,
        key: &StationKey,
        parameter: Parameter,
        latest: Latest,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let cfg = self.watchdog.clone();
        let st = self.entry(key);
        // Only the station's own sensors count as it reporting (the watchdog's business);
        // agency and file data arrive on their own schedules.
        if latest.source == SourceKind::Sensor {
            st.reporting.last_seen = st.reporting.last_seen.max(Some(received_at));
            // A station already silent before the restart comes back offline, without a new alert.
            st.reporting.online = !st.reporting.is_overdue(now, &cfg);
        }
        st.last_update = st.last_update.max(Some(latest.t));
        let graded = latest
            .qc
            .usable()
            .then(|| self.grade(&key.id, parameter, latest.value, Level::Ok))
            .flatten();
        let st = self.entry(key);
        st.remember_source(parameter, &latest);
        // The same source priority as live readings, judged as of now.
        let replaces = st
            .latest
            .get(&parameter)
            .is_none_or(|l| takes_over_at(l, latest.source, latest.t, now, st.expected_interval_s));
        if !replaces {
            return;
        }
        st.latest.insert(parameter, latest);
        if let Some(f) = graded {
            st.levels.insert(parameter, f.level);
        }
        st.wqi = compute_wqi(&st.latest);
    }

    /// Runs the real-time QC tests on a reading before it is stored, against its series'
    /// recent values, and remembers it for the next one unless it failed.
    pub fn quality_check(&mut self, r: &mut Reading) {
        let cfg = self
            .setups
            .get(&r.station.id)
            .and_then(|s| s.qc.get(&r.parameter))
            .cloned()
            .unwrap_or_else(|| qc::QcConfig::defaults(r.parameter));
        let (flag, tests) = self
            .series_qc
            .entry((r.station.id.clone(), r.parameter, r.source))
            .or_default()
            .check(&cfg, r.observed_at, r.value);
        r.qc = flag;
        r.qc_tests = tests;
    }

    /// Seeds the climatology of a series from stored history (count, mean, mean of squares).
    pub fn seed_climatology(
        &mut self,
        station: &str,
        p: Parameter,
        month0: usize,
        n: u64,
        mean: f64,
        mean_sq: f64,
    ) {
        // Stored history seeds the sensor's climatology (the series QC runs on most).
        self.series_qc
            .entry((station.to_string(), p, SourceKind::Sensor))
            .or_default()
            .climate
            .seed(month0, n, mean, mean_sq);
    }

    /// Applies a newly stored reading.
    pub fn apply(&mut self, r: &Reading) -> Change {
        self.seq += 1;
        let seq = self.seq;
        let cfg = self.watchdog.clone();
        // Failed readings never drive alerts (domain.md §11: they would be false alarms).
        let prev_level = self
            .stations
            .get(&r.station.id)
            .and_then(|st| st.levels.get(&r.parameter).copied())
            .unwrap_or(Level::Ok);
        let graded =
            r.qc.usable()
                .then(|| self.grade(&r.station.id, r.parameter, r.value, prev_level))
                .flatten();
        let st = self.entry(&r.station);
        let back_online = if r.source == SourceKind::Sensor {
            st.reporting.observe(r.observed_at, r.received_at);
            st.expected_interval_s = st.reporting.expected_s(&cfg);
            let back = !st.reporting.online;
            st.reporting.online = true;
            back
        } else {
            false
        };
        let newer = st
            .latest
            .get(&r.parameter)
            .is_none_or(|l| takes_over(l, r, st.expected_interval_s));
        let mut transitions = Vec::new();
        let this = Latest {
            value: r.value,
            unit: r.unit,
            t: r.observed_at,
            qc: r.qc,
            source: r.source,
        };
        st.remember_source(r.parameter, &this);
        if newer {
            st.latest.insert(r.parameter, this);
            st.last_update = st.last_update.max(Some(r.observed_at));
            st.wqi = compute_wqi(&st.latest);
            if let Some(f) = &graded {
                let prev = st.levels.insert(r.parameter, f.level).unwrap_or(Level::Ok);
                if prev != f.level {
                    transitions.push((f.clone(), prev));
                }
            }
        }
        Change {
            is_latest: newer,
            transitions,
            back_online,
            seq,
            finding: if newer { graded } else { None },
        }
    }

    /// Marks stations offline that have been silent for too long; returns their ids.
    /// (Stations come back online in [`LiveState::apply`], with their next reading.)
    pub fn check_offline(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let cfg = self.watchdog.clone();
        let mut went = Vec::new();
        for st in self.stations.values_mut() {
            if st.reporting.online && st.reporting.is_overdue(now, &cfg) {
                st.reporting.online = false;
                went.push(st.key.id.clone());
            }
        }
        went
    }

    pub fn get(&self, id: &str) -> Option<&StationState> {
        self.stations.get(id)
    }

    pub fn stations(&self) -> impl Iterator<Item = &StationState> {
        self.stations.values()
    }

    /// Resolves an id as a client wrote it (`1`, `"1"`, `station1`) to a known station.
    pub fn resolve(&self, raw: &str) -> Option<&StationState> {
        let key = StationKey::normalise(raw)?;
        self.stations.get(&key.id)
    }
}

/// The CPCB index from the latest usable pH, BOD, DO and FC (and temperature when usable).
pub fn compute_wqi(latest: &BTreeMap<Parameter, Latest>) -> Option<Wqi> {
    let usable = |p: Parameter| latest.get(&p).filter(|l| l.qc.usable()).map(|l| l.value);
    wqi::cpcb(&WqiInputs {
        ph: usable(Parameter::Ph)?,
        bod: usable(Parameter::Bod)?,
        dissolved_oxygen: usable(Parameter::DissolvedOxygen)?,
        fecal_coliform: usable(Parameter::FecalColiform)?,
        temperature: usable(Parameter::Temperature),
    })
}

impl StationState {
    /// Keeps the newest value per source of a parameter.
    fn remember_source(&mut self, p: Parameter, l: &Latest) {
        let list = self.by_source.entry(p).or_default();
        match list.iter_mut().find(|x| x.source == l.source) {
            Some(x) if l.t >= x.t => *x = l.clone(),
            Some(_) => {}
            None => list.push(l.clone()),
        }
    }

    /// `{"ph": {"value", "source", "t", "measured", "label", "lo", "hi"}}`: the value in force
    /// per parameter by source priority, with the model estimate as the labelled last resort.
    pub fn in_force_json(&self, now: DateTime<Utc>) -> Value {
        let mut m = Map::new();
        let params: std::collections::BTreeSet<Parameter> = self
            .by_source
            .keys()
            .chain(self.estimates.keys())
            .copied()
            .collect();
        for p in params {
            let by = self.by_source.get(&p).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(f) =
                crate::priority::in_force(by, self.estimates.get(&p), now, self.expected_interval_s)
            {
                m.insert(p.as_str().into(), f.to_json());
            }
        }
        Value::Object(m)
    }

    pub fn alert_level(&self) -> Level {
        self.levels.values().copied().max().unwrap_or(Level::Ok)
    }

    pub fn validation(&self) -> Validation {
        let findings: Vec<Finding> = self
            .latest
            .iter()
            .filter(|(_, l)| l.qc.usable())
            .filter_map(|(p, l)| grade_under(&self.profile, *p, l.value, 0.0))
            .collect();
        Validation::from_findings(&findings)
    }

    /// `{"ph": {"value", "unit", "t", "q", "source"}, ...}`
    pub fn latest_json(&self) -> Value {
        let mut m = Map::new();
        for (p, l) in &self.latest {
            m.insert(
                p.as_str().into(),
                json!({"value": finite(l.value), "unit": l.unit, "t": fmt_time(l.t), "q": l.qc.code(), "source": l.source.as_str()}),
            );
        }
        Value::Object(m)
    }

    /// The station object of `GET /api/stations` and the `list_stations` command.
    pub fn summary_json(&self) -> Value {
        json!({
            "id": self.key.id,
            "name": self.name,
            "legacy_id": self.key.legacy_id,
            "location": self.location.map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
            "source": self.source,
            "latest": self.latest_json(),
            "in_force": self.in_force_json(Utc::now()),
            "wqi": self.wqi.as_ref().map(|w| finite(w.value)),
            "class": self.wqi.as_ref().map(|w| w.cpcb_class),
            "mpcb_class": self.wqi.as_ref().map(|w| w.mpcb_class),
            "classification": self.wqi.as_ref().map(|w| w.classification),
            "status": self.wqi.as_ref().map(|w| w.status),
            "wqi_method": self.wqi.as_ref().map(|w| w.method),
            "alert_level": self.alert_level().as_str(),
            "last_update": self.last_update.map(fmt_time),
            "online": self.reporting.online,
            "last_seen": self.reporting.last_seen.map(fmt_time),
            "expected_interval_s": self.expected_interval_s,
            "profile": self.profile,
            "limits": limits_json(&self.profile),
        })
    }
}

/// The warning/critical limits of the station's profile, per parameter.
pub fn limits_json(profile: &str) -> Value {
    let mut m = Map::new();
    if profile == quality::LEGACY_PROFILE {
        for p in Parameter::ALL {
            if let Some(l) = quality::legacy_limits(p) {
                m.insert(
                    p.as_str().into(),
                    json!({"warn_low": l.warn_low, "warn_high": l.warn_high, "crit_low": l.crit_low, "crit_high": l.crit_high}),
                );
            }
        }
        return Value::Object(m);
    }
    let Some(prof) = crate::profiles::Catalogue::bundled().get(profile) else {
        return Value::Object(m);
    };
    for p in Parameter::ALL {
        // The least strict limit of each severity is where that level starts.
        let (mut wl, mut wh, mut cl, mut ch) = (None::<f64>, None::<f64>, None::<f64>, None::<f64>);
        let mut any = false;
        for c in prof.clauses_for(p) {
            any = true;
            let (lo, hi) = match c.bound {
                crate::profiles::Bound::Min(l) => (Some(l), None),
                crate::profiles::Bound::Max(h) => (None, Some(h)),
                crate::profiles::Bound::Range(l, h) => (Some(l), Some(h)),
            };
            let (low, high) = if c.severity == Level::Critical {
                (&mut cl, &mut ch)
            } else {
                (&mut wl, &mut wh)
            };
            if let Some(l) = lo {
                *low = Some(low.map_or(l, |x: f64| x.max(l)));
            }
            if let Some(h) = hi {
                *high = Some(high.map_or(h, |x: f64| x.min(h)));
            }
        }
        if any {
            m.insert(
                p.as_str().into(),
                json!({"warn_low": wl, "warn_high": wh, "crit_low": cl, "crit_high": ch}),
            );
        }
    }
    Value::Object(m)
}

/// JSON never carries NaN or infinity: such values become null.
pub fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// Whether reading `r` replaces `l` as the latest value of its parameter (the one the index,
/// the grading and the alarms use). Within one kind of source the newer wins; across kinds the
/// source priority (sensor > API > satellite > model) decides while the better source is fresh,
/// so a fresher API value never hides a fresh sensor value.
fn takes_over(l: &Latest, r: &Reading, expected_interval_s: f64) -> bool {
    takes_over_at(
        l,
        r.source,
        r.observed_at,
        r.received_at,
        expected_interval_s,
    )
}

/// [`takes_over`] for a value of `source` observed at `t`, judged at `now`.
fn takes_over_at(
    l: &Latest,
    source: SourceKind,
    t: DateTime<Utc>,
    now: DateTime<Utc>,
    expected_interval_s: f64,
) -> bool {
    use crate::priority::{fresh_for, rank};
    let age = |t: DateTime<Utc>| (now - t).num_milliseconds() as f64 / 1e3;
    match rank(source).cmp(&rank(l.source)) {
        std::cmp::Ordering::Equal => t >= l.t,
        std::cmp::Ordering::Less => t >= l.t || age(t) <= fresh_for(source, expected_interval_s),
        std::cmp::Ordering::Greater => {
            t >= l.t && age(l.t) > fresh_for(l.source, expected_interval_s)
        }
    }
}

/// Unix milliseconds to UTC.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Grades a value under profile `id`, with the compliant region shrunk by `margin`. The
/// original table keeps its original messages.
pub fn grade_under(id: &str, p: Parameter, v: f64, margin: f64) -> Option<Finding> {
    if id == quality::LEGACY_PROFILE && margin == 0.0 {
        return quality::grade(p, v);
    }
    let profile = crate::profiles::Catalogue::bundled().get(id)?;
    let g = profile.grade(p, v, margin)?;
    let (threshold, threshold_low, threshold_high, message) = match g.clause {
        None => (f64::NAN, None, None, String::new()),
        Some(c) => {
            let (lo, hi) = match c.bound {
                crate::profiles::Bound::Min(l) => (Some(l), None),
                crate::profiles::Bound::Max(h) => (None, Some(h)),
                crate::profiles::Bound::Range(l, h) => (Some(l), Some(h)),
            };
            let low = c.low_is_bad(v);
            let t = if low { lo.or(hi) } else { hi.or(lo) };
            let dir = if low { "below" } else { "above" };
            (
                t.unwrap_or(f64::NAN),
                lo,
                hi,
                format!(
                    "{} {dir} the {} limit ({}): {v}",
                    p.label(),
                    profile.id,
                    c.text
                ),
            )
        }
    };
    Some(Finding {
        parameter: p,
        level: g.level,
        value: v,
        threshold,
        threshold_low,
        threshold_high,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(p: Parameter, v: f64, min: i64) -> Reading {
        let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(min);
        Reading {
            station: StationKey::normalise("1").unwrap(),
            parameter: p,
            observed_at: t,
            source: SourceKind::Sensor,
            value: v,
            unit: p.canonical_unit(),
            raw_value: v,
            raw_unit: p.canonical_unit().into(),
            qc: quality::gross_range(p, v).0,
            qc_tests: vec![],
            time_from_receipt: false,
            provenance: None,
            received_at: t,
        }
    }

    #[test]
    fn a_fresher_api_value_never_hides_a_fresh_sensor_value() {
        let mut s = LiveState::default();
        let api = |v: f64, min: i64| Reading {
            source: SourceKind::Api,
            ..reading(Parameter::DissolvedOxygen, v, min)
        };
        s.apply(&reading(Parameter::DissolvedOxygen, 7.0, 0));
        // Ten minutes later the agency publishes 3.0: the sensor (fresh) stays in force.
        assert!(!s.apply(&api(3.0, 10)).is_latest);
        let l = &s.get("1").unwrap().latest[&Parameter::DissolvedOxygen];
        assert_eq!((l.value, l.source), (7.0, SourceKind::Sensor));
        // The sensor's own newer value replaces it as usual.
        assert!(
            s.apply(&reading(Parameter::DissolvedOxygen, 6.9, 15))
                .is_latest
        );
        // Once the sensor has been silent past its freshness (3 × 300 s by default), the API
        // value takes over...
        assert!(s.apply(&api(5.0, 60)).is_latest);
        let l = &s.get("1").unwrap().latest[&Parameter::DissolvedOxygen];
        assert_eq!((l.value, l.source), (5.0, SourceKind::Api));
        // Agency values do not count as the station reporting (the watchdog's business).
        assert_eq!(
            s.get("1").unwrap().reporting.last_seen,
            Some(reading(Parameter::DissolvedOxygen, 0.0, 15).received_at)
        );
        // ...and a fresh sensor value wins again even if it is a little older than the API's.
        let mut back = reading(Parameter::DissolvedOxygen, 6.5, 59);
        back.received_at = back.observed_at + chrono::Duration::minutes(2);
        assert!(s.apply(&back).is_latest);
    }

    #[test]
    fn wqi_appears_once_all_four_are_known() {
        let mut s = LiveState::default();
        s.apply(&reading(Parameter::Ph, 7.6, 0));
        s.apply(&reading(Parameter::Bod, 2.2, 0));
        s.apply(&reading(Parameter::DissolvedOxygen, 5.5, 0));
        assert!(s.get("1").unwrap().wqi.is_none());
        s.apply(&reading(Parameter::FecalColiform, 6.0, 0));
        let w = s.get("1").unwrap().wqi.clone().unwrap();
        assert!((w.value - 83.16).abs() < 0.02);
    }

    #[test]
    fn one_alert_per_episode_and_a_recovery() {
        let mut s = LiveState::default();
        assert!(
            s.apply(&reading(Parameter::DissolvedOxygen, 6.0, 0))
                .transitions
                .is_empty()
        );
        let c = s.apply(&reading(Parameter::DissolvedOxygen, 1.5, 1));
        assert_eq!(c.transitions.len(), 1);
        assert_eq!(c.transitions[0].0.level, Level::Critical);
        assert!(
            s.apply(&reading(Parameter::DissolvedOxygen, 1.4, 2))
                .transitions
                .is_empty()
        );
        let c = s.apply(&reading(Parameter::DissolvedOxygen, 3.0, 3));
        assert_eq!(
            (c.transitions[0].0.level, c.transitions[0].1),
            (Level::Warning, Level::Critical)
        );
        let c = s.apply(&reading(Parameter::DissolvedOxygen, 7.0, 4));
        assert_eq!(c.transitions[0].0.level, Level::Ok);
    }

    #[test]
    fn older_and_failed_readings_do_not_move_the_state() {
        let mut s = LiveState::default();
        s.apply(&reading(Parameter::Ph, 7.0, 10));
        let c = s.apply(&reading(Parameter::Ph, 4.0, 5));
        assert!(!c.is_latest);
        assert_eq!(s.get("1").unwrap().latest[&Parameter::Ph].value, 7.0);
        let c = s.apply(&reading(Parameter::Ph, 150.0, 11));
        assert!(c.is_latest && c.transitions.is_empty());
        assert_eq!(s.get("1").unwrap().alert_level(), Level::Ok);
    }

    #[test]
    fn reporting_interval_is_learned_from_reports_not_readings() {
        let cfg = WatchdogConfig {
            min_interval_s: 1.0,
            ..WatchdogConfig::default()
        };
        let mut r = Reporting::default();
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(r.expected_s(&cfg), 300.0, "default until learned");
        for k in 0..6 {
            let obs = t0 + chrono::Duration::minutes(15 * k);
            // A sonde sends several parameters per report, a few ms apart.
            for ms in 0..4 {
                r.observe(obs, obs + chrono::Duration::milliseconds(ms));
            }
        }
        assert!(
            (r.expected_s(&cfg) - 900.0).abs() < 1.0,
            "{}",
            r.expected_s(&cfg)
        );
        let last = t0 + chrono::Duration::minutes(75);
        assert!(!r.is_overdue(last + chrono::Duration::minutes(44), &cfg));
        assert!(r.is_overdue(last + chrono::Duration::minutes(46), &cfg));
    }
}
