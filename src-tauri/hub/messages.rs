//! Builders for the wire messages of seed-protocol.md: the original envelope (`type`,
//! `station_id`, `timestamp`, one payload key) with the payload superset.

use crate::live::{StationState, finite};
use crate::model::{Parameter, Reading, fmt_time};
use crate::quality::{Finding, Level};
use chrono::Utc;
use serde_json::{Map, Value, json};

fn now() -> String {
    fmt_time(Utc::now())
}

/// `station_update` for one newly stored reading, carrying the station's whole live state.
pub fn station_update(st: &StationState, r: &Reading, seq: u64) -> Value {
    let mut data = Map::new();
    data.insert("station_id".into(), json!(st.key.id));
    data.insert("station_name".into(), json!(st.name));
    data.insert("timestamp".into(), json!(fmt_time(r.observed_at)));
    // Per-reading mode (the original IoT path).
    data.insert("parameter".into(), json!(r.parameter.as_str()));
    data.insert("value".into(), finite(r.value));
    data.insert("unit".into(), json!(r.unit));
    data.insert("quality".into(), json!(r.qc.legacy_quality()));
    data.insert("qc_flag".into(), json!(r.qc.code()));
    data.insert("qc_tests".into(), json!(r.qc_tests));
    data.insert("raw_value".into(), finite(r.raw_value));
    data.insert("raw_unit".into(), json!(r.raw_unit));
    // Flat legacy keys, both name families, and the `parameters` object the old UI read.
    let mut parameters = Map::new();
    let mut units = Map::new();
    let mut qc = Map::new();
    for (p, l) in &st.latest {
        data.insert(p.as_str().into(), finite(l.value));
        if let Some(code) = p.legacy_code() {
            data.insert(code.into(), finite(l.value));
        }
        parameters.insert(p.display_key().into(), finite(l.value));
        units.insert(p.as_str().into(), json!(l.unit));
        qc.insert(p.as_str().into(), json!(l.qc.code()));
    }
    data.insert("parameters".into(), Value::Object(parameters));
    data.insert("units".into(), Value::Object(units));
    data.insert("qc_flags".into(), Value::Object(qc));
    data.insert("latest".into(), st.latest_json());
    if let Some(w) = &st.wqi {
        data.insert("wqi".into(), finite(w.value));
        data.insert("wqi_method".into(), json!(w.method));
        data.insert("class".into(), json!(w.cpcb_class));
        data.insert("mpcb_class".into(), json!(w.mpcb_class));
        data.insert("classification".into(), json!(w.classification));
        data.insert("status".into(), json!(w.status));
    }
    data.insert("alert_level".into(), json!(st.alert_level().as_str()));
    data.insert("source".into(), json!(r.source.as_str()));
    data.insert("validation".into(), json!(st.validation()));
    let alerts: Vec<Value> = st
        .levels
        .iter()
        .filter(|(_, l)| **l != Level::Ok)
        .map(|(p, l)| json!({"parameter": p.as_str(), "severity": l.as_str()}))
        .collect();
    data.insert("alerts".into(), Value::Array(alerts));
    data.insert("last_update".into(), json!(st.last_update.map(fmt_time)));
    data.insert("online".into(), json!(st.reporting.online));
    data.insert("expected_interval_s".into(), json!(st.expected_interval_s));
    data.insert("profile".into(), json!(crate::quality::LEGACY_PROFILE));
    data.insert("seq".into(), json!(seq));
    json!({"type": "station_update", "station_id": st.key.wire_id(), "timestamp": now(), "data": data})
}

/// `alert` for a level transition: raised/escalated (`active_unack`) or recovered (`cleared_unack`).
pub fn alert(st: &StationState, f: &Finding, previous: Level, r: &Reading) -> Value {
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
    json!({
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
            "basis": {"profile": "legacy.purehealth_v6", "clause": "original Phase 6 quality thresholds"},
            "confidence": if r.qc == crate::model::QcFlag::Suspect { "qc_suspect" } else { "provisional" },
            "station_name": st.name,
            "observed_at": fmt_time(r.observed_at),
        }
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
