//! Which value is in force for a station and parameter. The original spec's priority is sensor,
//! then government API, then satellite, then the model fallback. Each source counts only while
//! fresh; the model fallback is today's forecast and is always labelled as an estimate, never
//! as a measurement.

use crate::live::Latest;
use crate::model::SourceKind;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// How long an API value stays in force (agency portals publish hourly to daily).
pub const API_FRESH_S: f64 = 26.0 * 3600.0;
/// How long a satellite estimate stays in force (Sentinel-2 revisits every ~5 days).
pub const SATELLITE_FRESH_S: f64 = 10.0 * 86_400.0;
/// A sensor is fresh for this many expected reporting intervals (as the offline watchdog).
pub const SENSOR_FRESH_INTERVALS: f64 = 3.0;

/// Today's model estimate of a parameter (from the newest forecast).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEstimate {
    /// The UTC day (days since 1970-01-01) the estimate is for.
    pub day: i64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub model: String,
}

/// The value in force and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct InForce {
    pub value: f64,
    pub source: SourceKind,
    pub t: DateTime<Utc>,
    /// The interval when the value is a model estimate.
    pub interval: Option<(f64, f64)>,
}

/// Priority rank of a source: lower is better.
pub fn rank(s: SourceKind) -> u8 {
    match s {
        SourceKind::Sensor => 0,
        SourceKind::Api => 1,
        SourceKind::Satellite => 2,
        SourceKind::MlFallback => 3,
    }
}

/// Freshness limit of a measured source, seconds.
pub fn fresh_for(s: SourceKind, expected_interval_s: f64) -> f64 {
    match s {
        SourceKind::Sensor => SENSOR_FRESH_INTERVALS * expected_interval_s,
        SourceKind::Api => API_FRESH_S,
        SourceKind::Satellite => SATELLITE_FRESH_S,
        SourceKind::MlFallback => 86_400.0,
    }
}

/// Picks the value in force among the newest usable value of each source and today's model
/// estimate. `None` when nothing is fresh.
pub fn in_force(
    by_source: &[Latest],
    model: Option<&ModelEstimate>,
    now: DateTime<Utc>,
    expected_interval_s: f64,
) -> Option<InForce> {
    let mut fresh: Vec<&Latest> = by_source
        .iter()
        .filter(|l| l.qc.usable() && l.source != SourceKind::MlFallback)
        .filter(|l| {
            let age = (now - l.t).num_milliseconds() as f64 / 1e3;
            age <= fresh_for(l.source, expected_interval_s)
        })
        .collect();
    fresh.sort_by_key(|l| (rank(l.source), std::cmp::Reverse(l.t)));
    if let Some(l) = fresh.first() {
        return Some(InForce {
            value: l.value,
            source: l.source,
            t: l.t,
            interval: None,
        });
    }
    let today = now.timestamp_millis().div_euclid(86_400_000);
    model.filter(|m| m.day == today).map(|m| InForce {
        value: m.p50,
        source: SourceKind::MlFallback,
        t: crate::live::from_ms(m.day * 86_400_000 + 43_200_000),
        interval: Some((m.p10, m.p90)),
    })
}

impl InForce {
    pub fn to_json(&self) -> Value {
        let estimate = self.source == SourceKind::MlFallback;
        json!({
            "value": crate::live::finite(self.value),
            "source": self.source.as_str(),
            "t": crate::model::fmt_time(self.t),
            "measured": !estimate,
            "label": if estimate { "model estimate (not a measurement)" } else { "measured" },
            "lo": self.interval.map(|i| crate::live::finite(i.0)),
            "hi": self.interval.map(|i| crate::live::finite(i.1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QcFlag;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + h * 3600, 0).unwrap()
    }

    fn l(source: SourceKind, v: f64, h: i64) -> Latest {
        Latest {
            value: v,
            unit: "mg/L",
            t: at(h),
            qc: QcFlag::Pass,
            source,
        }
    }

    #[test]
    fn sensor_then_api_then_satellite_then_model() {
        let now = at(100);
        let model = ModelEstimate {
            day: now.timestamp_millis().div_euclid(86_400_000),
            p10: 5.0,
            p50: 6.0,
            p90: 7.0,
            model: "forecast_oxygen 1.0.0".into(),
        };
        let all = [
            l(SourceKind::Sensor, 1.0, 100),
            l(SourceKind::Api, 2.0, 99),
            l(SourceKind::Satellite, 3.0, 50),
        ];
        let pick = |v: &[Latest]| in_force(v, Some(&model), now, 300.0).unwrap();
        assert_eq!(pick(&all).source, SourceKind::Sensor);
        // The sensor is stale after 3 × 5 min: the API value takes over, although older.
        let stale_sensor = [
            l(SourceKind::Sensor, 1.0, 99),
            all[1].clone(),
            all[2].clone(),
        ];
        assert_eq!(pick(&stale_sensor).value, 2.0);
        // API older than 26 h: the satellite estimate (10 days).
        let old_api = [l(SourceKind::Api, 2.0, 70), all[2].clone()];
        assert_eq!(pick(&old_api).source, SourceKind::Satellite);
        // Nothing fresh: today's model estimate, labelled as such.
        let m = pick(&[l(SourceKind::Satellite, 3.0, -200)]);
        assert_eq!(
            (m.source, m.value, m.interval),
            (SourceKind::MlFallback, 6.0, Some((5.0, 7.0)))
        );
        assert_eq!(m.to_json()["measured"], false);
        // A failed reading never counts; no estimate for today: nothing in force.
        let mut bad = l(SourceKind::Sensor, 9.0, 100);
        bad.qc = QcFlag::Fail;
        assert!(in_force(&[bad], None, now, 300.0).is_none());
        let yesterday = ModelEstimate {
            day: model.day - 1,
            ..model.clone()
        };
        assert!(in_force(&[], Some(&yesterday), now, 300.0).is_none());
    }
}
