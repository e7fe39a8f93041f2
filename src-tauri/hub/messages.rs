//! Builders for the wire messages of seed-protocol.md: the original envelope (`type`,
//! `station_id`, `timestamp`, one payload key) with the payload superset.

use crate::alarms::Alarm;
use crate::live::{StationState, finite};
use crate::model::{Parameter, Reading, StationKey, fmt_time};
use crate::quality::{Finding, Level, Validation};
use chrono::Utc;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

fn now() -> String {
    fmt_time(Utc::now())
}

/// `station_update` for one newly stored reading, carrying the station's whole live state,
/// serialised straight to text: this runs once per reading on the ingest path, where building
/// a `serde_json::Value` tree first cost more than the SQLite insert.
pub fn station_update(st: &StationState, r: &Reading, seq: u64) -> String {
    let frame = UpdateFrame {
        kind: "station_update",
        station_id: WireId(&st.key),
        timestamp: now(),
        data: UpdateData {
            st,
            r,
            seq,
            observed: fmt_time(r.observed_at),
            validation: st.validation(),
        },
    };
    // Serialising these borrowed structs cannot fail (no maps with non-string keys, no IO).
    serde_json::to_string(&frame).unwrap_or_default()
}

#[derive(Serialize)]
struct UpdateFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    station_id: WireId<'a>,
    timestamp: String,
    data: UpdateData<'a>,
}

/// A station id as legacy clients expect it: an integer where a legacy alias exists.
struct WireId<'a>(&'a StationKey);

impl Serialize for WireId<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.legacy_id {
            Some(n) => s.serialize_i64(n),
            None => s.serialize_str(&self.0.id),
        }
    }
}

/// A number, or null when not finite (JSON has no NaN).
struct Finite(f64);

impl Serialize for Finite {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.serialize_none()
        }
    }
}

struct UpdateData<'a> {
    st: &'a StationState,
    r: &'a Reading,
    seq: u64,
    observed: String,
    validation: Validation,
}

impl Serialize for UpdateData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (st, r) = (self.st, self.r);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("station_id", &st.key.id)?;
        m.serialize_entry("station_name", &st.name)?;
        m.serialize_entry("timestamp", &self.observed)?;
        // Per-reading mode (the original IoT path).
        m.serialize_entry("parameter", r.parameter.as_str())?;
        m.serialize_entry("value", &Finite(r.value))?;
        m.serialize_entry("unit", r.unit)?;
        m.serialize_entry("quality", r.qc.legacy_quality())?;
        m.serialize_entry("qc_flag", &r.qc.code())?;
        m.serialize_entry("qc_tests", &r.qc_tests)?;
        m.serialize_entry("raw_value", &Finite(r.raw_value))?;
        m.serialize_entry("raw_unit", &r.raw_unit)?;
        // Flat legacy keys in both name families, and the `parameters` object the old UI read.
        for (p, l) in &st.latest {
            m.serialize_entry(p.as_str(), &Finite(l.value))?;
            if let Some(code) = p.legacy_code() {
                m.serialize_entry(code, &Finite(l.value))?;
            }
        }
        m.serialize_entry("parameters", &PerParameter(st, Kind::Display))?;
        m.serialize_entry("units", &PerParameter(st, Kind::Units))?;
        m.serialize_entry("qc_flags", &PerParameter(st, Kind::QcFlags))?;
        m.serialize_entry("latest", &PerParameter(st, Kind::Latest))?;
        if let Some(w) = &st.wqi {
            m.serialize_entry("wqi", &Finite(w.value))?;
            m.serialize_entry("wqi_method", w.method)?;
            m.serialize_entry("class", w.cpcb_class)?;
            m.serialize_entry("mpcb_class", w.mpcb_class)?;
            m.serialize_entry("classification", w.classification)?;
            m.serialize_entry("status", w.status)?;
        }
        m.serialize_entry("alert_level", st.alert_level().as_str())?;
        m.serialize_entry("source", r.source.as_str())?;
        m.serialize_entry("validation", &self.validation)?;
        let alerts: Vec<AlertRef> = st
            .levels
            .iter()
            .filter(|(_, l)| **l != Level::Ok)
            .map(|(p, l)| AlertRef {
                parameter: p.as_str(),
                severity: l.as_str(),
            })
            .collect();
        m.serialize_entry("alerts", &alerts)?;
        m.serialize_entry("last_update", &st.last_update.map(fmt_time))?;
        m.serialize_entry("online", &st.reporting.online)?;
        m.serialize_entry("expected_interval_s", &st.expected_interval_s)?;
        m.serialize_entry("profile", &st.profile)?;
        m.serialize_entry("seq", &self.seq)?;
        m.end()
    }
}

#[derive(Serialize)]
struct AlertRef {
    parameter: &'static str,
    severity: &'static str,
}

/// One entry per parameter of the station's latest values.
struct PerParameter<'a>(&'a StationState, Kind);

#[derive(Clone, Copy)]
enum Kind {
    /// `{"pH": 7.1, "DO": 6.2}`: the original UI's `parameters` object.
    Display,
    Units,
    QcFlags,
    Latest,
}

impl Serialize for PerParameter<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.latest.len()))?;
        for (p, l) in &self.0.latest {
            match self.1 {
                Kind::Display => m.serialize_entry(p.display_key(), &Finite(l.value))?,
                Kind::Units => m.serialize_entry(p.as_str(), l.unit)?,
                Kind::QcFlags => m.serialize_entry(p.as_str(), &l.qc.code())?,
                Kind::Latest => m.serialize_entry(
                    p.as_str(),
                    &LatestCell {
                        value: Finite(l.value),
                        unit: l.unit,
                        t: fmt_time(l.t),
                        q: l.qc.code(),
                        source: l.source.as_str(),
                    },
                )?,
            }
        }
        m.end()
    }
}

#[derive(Serialize)]
struct LatestCell {
    value: Finite,
    unit: &'static str,
    t: String,
    q: i64,
    source: &'static str,
}

/// `alert` for a level transition: raised/escalated (`active_unack`) or recovered (`cleared_unack`).
pub fn alert(
    st: &StationState,
    f: &Finding,
    previous: Level,
    r: &Reading,
    alarm: Option<&Alarm>,
) -> Value {
    let p: Parameter = f.parameter;
    let (severity, state, message) = match f.level {
        Level::Ok => (
            "info",
            "cleared_unack",
            format!("{} back within limits: {}", p.label(), f.value),
        ),
        Level::Warning => ("warning", "active_unack", f.message.clone()),
        Level::Critical => ("critical", "active_unack", f.message.clone()),
    };
    // The legacy `threshold` is a number for one-sided limits and "lo-hi" for ranges.
    let threshold = match (f.threshold_low, f.threshold_high) {
        (Some(lo), Some(hi)) => json!(format!("{lo:.1}-{hi:.1}")),
        (Some(t), None) | (None, Some(t)) => json!(t),
        (None, None) => Value::Null,
    };
    let priority = if severity == "info" {
        "medium"
    } else {
        severity
    };
    let mut frame = json!({
        "type": "alert",
        "station_id": st.key.wire_id(),
        "timestamp": now(),
        "priority": priority,
        "alert": {
            "severity": severity,
            "parameter": p.label(),
            "parameter_code": p.as_str(),
            "value": finite(f.value),
            "unit": r.unit,
            "threshold": threshold,
            "threshold_low": f.threshold_low,
            "threshold_high": f.threshold_high,
            "message": message,
            "state": state,
            "previous_severity": previous.as_str(),
            "level": f.level.as_str(),
            "basis": {"profile": st.profile, "clause": profile_clause(&st.profile, p)},
            "confidence": if r.qc == crate::model::QcFlag::Suspect { "qc_suspect" } else { "provisional" },
            "station_name": st.name,
            "observed_at": fmt_time(r.observed_at),
        }
    });
    if let (Some(a), Some(obj)) = (alarm, frame.get_mut("alert").and_then(Value::as_object_mut)) {
        add_alarm_fields(obj, a);
    }
    frame
}

/// Adds an alarm's workflow fields (id, rule, state, …) to an `alert` frame built elsewhere
/// (the station offline/online frame).
pub fn attach_alarm(frame: &mut Value, a: &Alarm) {
    if let Some(obj) = frame.get_mut("alert").and_then(Value::as_object_mut) {
        // The frame's own station facts (last reading seen) win over the alarm's times.
        let last_seen = obj.get("last_seen").cloned();
        add_alarm_fields(obj, a);
        if let Some(v) = last_seen {
            obj.insert("last_seen".into(), v);
        }
        obj.insert(
            "basis".into(),
            json!({"profile": a.profile, "clause": basis_clause(a)}),
        );
    }
}

fn add_alarm_fields(obj: &mut serde_json::Map<String, Value>, a: &Alarm) {
    obj.insert("alarm_id".into(), json!(a.id));
    obj.insert("rule_id".into(), json!(a.rule));
    obj.insert("state".into(), json!(a.legacy_state()));
    obj.insert("workflow_state".into(), json!(a.state.as_str()));
    obj.insert("first_seen".into(), json!(fmt_time(a.opened_at)));
    obj.insert("last_seen".into(), json!(fmt_time(a.updated_at)));
    obj.insert("occurrences".into(), json!(a.occurrences));
    obj.insert("peak_value".into(), finite(a.peak_value));
    obj.insert("acknowledged_by".into(), json!(a.acknowledged_by));
    obj.insert("resolved_by".into(), json!(a.resolved_by));
    obj.insert("note".into(), json!(a.note));
    obj.insert("assignee".into(), json!(a.assignee));
    obj.insert("escalated".into(), json!(a.escalated_at.is_some()));
    obj.insert("reminders".into(), json!(a.reminders));
}

/// `alert` for an operator action on an alarm (acknowledged or resolved by hand).
pub fn alarm_action(st: &StationState, a: &Alarm) -> Value {
    let message = match a.state {
        crate::alarms::State::Acknowledged => format!(
            "{} alarm acknowledged by {}",
            a.subject_label(),
            a.acknowledged_by.as_deref().unwrap_or("?")
        ),
        _ => format!(
            "{} alarm resolved by {}",
            a.subject_label(),
            a.resolved_by.as_deref().unwrap_or("?")
        ),
    };
    let mut alert = serde_json::Map::new();
    alert.insert("severity".into(), json!(a.severity.as_str()));
    alert.insert("parameter".into(), json!(a.subject_label()));
    alert.insert("parameter_code".into(), json!(a.subject_code()));
    alert.insert("value".into(), finite(a.last_value));
    alert.insert("message".into(), json!(message));
    alert.insert(
        "basis".into(),
        json!({"profile": a.profile, "clause": basis_clause(a)}),
    );
    alert.insert("station_name".into(), json!(st.name));
    add_alarm_fields(&mut alert, a);
    json!({
        "type": "alert",
        "station_id": st.key.wire_id(),
        "timestamp": now(),
        "priority": a.severity.as_str(),
        "alert": alert,
    })
}

/// The REST/IPC shape of an alarm.
/// The clauses of a profile for one parameter, in words.
fn profile_clause(profile: &str, p: Parameter) -> String {
    if profile == crate::quality::LEGACY_PROFILE {
        return "original Phase 6 quality thresholds".into();
    }
    crate::profiles::Catalogue::bundled()
        .get(profile)
        .map(|pr| {
            pr.clauses_for(p)
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{profile} limits for {}", p.as_str()))
}

/// What an alarm's rule checks, in words (its basis).
pub fn basis_clause(a: &Alarm) -> String {
    if a.rule.starts_with("forecast.") {
        return "forecast: DO P10 below 4 mg/L within 7 days (predicted; capped at warning)".into();
    }
    if a.rule == crate::scans::ANOMALY_RULE {
        return "daily mean outside the seasonal baseline (robust score ≥ 5 warning, ≥ 8 critical)"
            .into();
    }
    match a.parameter {
        Some(p) => profile_clause(&a.profile, p),
        None if a.rule == crate::alarms::OFFLINE_RULE => {
            "station offline: no reading for the watchdog's number of expected intervals".into()
        }
        None => a.rule.clone(),
    }
}

/// The confidence label of the data behind an alarm.
pub fn confidence(a: &Alarm) -> &'static str {
    if a.rule.starts_with("forecast.") {
        "forecast"
    } else {
        "provisional"
    }
}

pub fn alarm_json(a: &Alarm) -> Value {
    json!({
        "basis": {"profile": a.profile, "clause": basis_clause(a)},
        "confidence": confidence(a),
        "id": a.id,
        "station_id": a.station_id,
        "parameter": a.subject_code(),
        "rule": a.rule,
        "profile": a.profile,
        "severity": a.severity.as_str(),
        "state": a.state.as_str(),
        "opened_at": fmt_time(a.opened_at),
        "updated_at": fmt_time(a.updated_at),
        "last_value": finite(a.last_value),
        "peak_value": finite(a.peak_value),
        "occurrences": a.occurrences,
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at.map(fmt_time),
        "resolved_by": a.resolved_by,
        "resolved_at": a.resolved_at.map(fmt_time),
        "note": a.note,
        "assignee": a.assignee,
        "escalated_at": a.escalated_at.map(fmt_time),
        "reminders": a.reminders,
        "last_reminder_at": a.last_reminder_at.map(fmt_time),
    })
}

/// `alert` for the station watchdog: gone offline, or back online.
pub fn station_status(st: &StationState, online: bool) -> Value {
    let silent_s = st
        .reporting
        .last_seen
        .map(|t| (Utc::now() - t).num_seconds())
        .unwrap_or(0);
    let (severity, state, message) = if online {
        (
            "info",
            "cleared_unack",
            format!("{} is reporting again", st.name),
        )
    } else {
        (
            "warning",
            "active_unack",
            format!(
                "{} offline: no reading for {} s (expected every {:.0} s)",
                st.name, silent_s, st.expected_interval_s
            ),
        )
    };
    json!({
        "type": "alert",
        "station_id": st.key.wire_id(),
        "timestamp": now(),
        "priority": if online { "medium" } else { "warning" },
        "alert": {
            "severity": severity,
            "parameter": "Station",
            "parameter_code": "station_offline",
            "message": message,
            "state": state,
            "level": if online { "ok" } else { "warning" },
            "last_seen": st.reporting.last_seen.map(fmt_time),
            "expected_interval_s": st.expected_interval_s,
            "basis": {"profile": "watchdog", "clause": "no reading for 3 × the expected reporting interval"},
            "station_name": st.name,
        }
    })
}

pub fn connected(client_id: &str, station: Option<&Value>) -> Value {
    match station {
        None => json!({"type": "connected", "client_id": client_id, "timestamp": now(),
                       "message": "Connected to Pure Health WebSocket server"}),
        Some(id) => {
            let shown = id
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| id.to_string());
            json!({"type": "connected", "client_id": client_id, "station_id": id, "timestamp": now(),
                   "message": format!("Subscribed to station {shown} updates")})
        }
    }
}

pub fn ack(kind: &str, station_id: &Value) -> Value {
    json!({"type": kind, "station_id": station_id, "timestamp": now()})
}

pub fn pong() -> Value {
    json!({"type": "pong", "timestamp": now()})
}

pub fn error(message: &str) -> Value {
    json!({"type": "error", "message": message, "timestamp": now()})
}

/// `alert` for a forecast-exceedance alarm (raised, severity changed or cleared by a newer
/// forecast). `value` is the forecast quantile behind the level.
pub fn forecast_alert(
    st: &StationState,
    a: &Alarm,
    row: &crate::store::ForecastRow,
    value: f64,
) -> Value {
    use crate::prediction::{DO_LIMIT, DO_WITHIN_DAYS};
    let message = if a.state == crate::alarms::State::Resolved {
        format!(
            "{} no longer forecast below {DO_LIMIT} mg/L within {DO_WITHIN_DAYS} days (lowest P10 {value:.2})",
            a.subject_label()
        )
    } else {
        let median = row
            .quantiles
            .iter()
            .take(DO_WITHIN_DAYS)
            .any(|q| q.1 < DO_LIMIT);
        format!(
            "{} forecast below {DO_LIMIT} mg/L within {DO_WITHIN_DAYS} days ({} {value:.2} mg/L, model {} {})",
            a.subject_label(),
            if median { "median" } else { "P10" },
            row.model,
            row.model_version
        )
    };
    let mut v = rule_alert(st, a, &message, &basis_clause(a), confidence(a));
    let alert = &mut v["alert"];
    alert["value"] = finite(value);
    alert["threshold"] = json!(DO_LIMIT);
    alert["threshold_low"] = json!(DO_LIMIT);
    alert["forecast"] = json!({"issued_at": fmt_time(crate::live::from_ms(row.issued_ms)), "model": row.model,
        "model_version": row.model_version, "backend": row.backend});
    v
}

/// `alert` for an alarm of a non-threshold rule (anomaly, offline, …): the original envelope with
/// the alarm fields; `clause` says what the rule checks, `confidence` what the data behind it is.
pub fn rule_alert(
    st: &StationState,
    a: &Alarm,
    message: &str,
    clause: &str,
    confidence: &str,
) -> Value {
    let cleared = a.state == crate::alarms::State::Resolved;
    let severity = if cleared { "info" } else { a.severity.as_str() };
    let mut alert = serde_json::Map::new();
    alert.insert("severity".into(), json!(severity));
    alert.insert("parameter".into(), json!(a.subject_label()));
    alert.insert("parameter_code".into(), json!(a.subject_code()));
    alert.insert("value".into(), finite(a.last_value));
    alert.insert(
        "unit".into(),
        json!(a.parameter.map_or("s", |p| p.canonical_unit())),
    );
    alert.insert("message".into(), json!(message));
    alert.insert("level".into(), json!(a.severity.as_str()));
    alert.insert(
        "basis".into(),
        json!({"profile": a.profile, "clause": clause}),
    );
    alert.insert("confidence".into(), json!(confidence));
    alert.insert("station_name".into(), json!(st.name));
    add_alarm_fields(&mut alert, a);
    json!({
        "type": "alert",
        "station_id": st.key.wire_id(),
        "timestamp": now(),
        "priority": if cleared { "medium" } else { severity },
        "alert": Value::Object(alert),
    })
}
