//! The alarm workflow (domain.md §14): at most one active alarm per station, parameter and
//! rule; open → acknowledged → resolved, with who, when and a note; an alarm whose condition
//! clears resolves by itself and records that it did, so one never acknowledged stays visible
//! in history as such. Pure state: the pipeline persists every change it returns.

use crate::model::Parameter;
use crate::quality::{Finding, Level};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// The rule behind threshold alarms: the station profile's warning/critical limits.
pub const THRESHOLD_RULE: &str = "threshold";
/// Who resolves an alarm whose condition cleared.
pub const SYSTEM: &str = "system";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Open,
    Acknowledged,
    Resolved,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acknowledged => "acknowledged",
            State::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "open" => Some(State::Open),
            "acknowledged" => Some(State::Acknowledged),
            "resolved" => Some(State::Resolved),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub id: i64,
    pub station_id: String,
    pub parameter: Parameter,
    pub rule: String,
    pub profile: String,
    /// `warning` or `critical`.
    pub severity: Level,
    pub state: State,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_value: f64,
    /// The worst value seen (furthest past the limit).
    pub peak_value: f64,
    pub occurrences: u32,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl Alarm {
    /// The legacy `alert.state` vocabulary (seed protocol §4.2).
    pub fn legacy_state(&self) -> &'static str {
        match (self.state, self.acknowledged_at.is_some()) {
            (State::Open, _) => "active_unack",
            (State::Acknowledged, _) => "active_ack",
            (State::Resolved, true) => "cleared_ack",
            (State::Resolved, false) => "cleared_unack",
        }
    }
}

/// What happened to an alarm, for its event log and the `alert` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Raised,
    SeverityChanged,
    Acknowledged,
    Resolved,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Raised => "raised",
            Event::SeverityChanged => "severity_changed",
            Event::Acknowledged => "acknowledged",
            Event::Resolved => "resolved",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AlarmError {
    #[error("no active alarm {0}")]
    NotActive(i64),
    #[error("alarm {0} is already acknowledged")]
    AlreadyAcknowledged(i64),
}

/// The active alarms, keyed by station, parameter and rule.
#[derive(Debug, Default)]
pub struct AlarmBook {
    active: HashMap<(String, Parameter, String), Alarm>,
    next_id: i64,
}

impl AlarmBook {
    /// Restores the active alarms after a restart; `max_id` is the highest id ever stored.
    pub fn restore(active: Vec<Alarm>, max_id: i64) -> AlarmBook {
        AlarmBook {
            active: active
                .into_iter()
                .map(|a| ((a.station_id.clone(), a.parameter, a.rule.clone()), a))
                .collect(),
            next_id: max_id,
        }
    }

    /// Feeds one graded, usable reading. Returns the alarm changes to persist and announce.
    pub fn on_finding(
        &mut self,
        station: &str,
        f: &Finding,
        profile: &str,
        at: DateTime<Utc>,
    ) -> Option<(Alarm, Event)> {
        let low = f.threshold_low.is_some_and(|l| f.value < l);
        self.on_rule(
            station,
            f.parameter,
            THRESHOLD_RULE,
            profile,
            f.level,
            f.value,
            low,
            at,
        )
    }

    /// Feeds the current level of any rule (threshold, forecast, …) for one station and
    /// parameter: raises, changes severity, or resolves by itself when the level is `Ok`.
    /// `low` says that lower values are worse (for the peak kept on the alarm).
    #[allow(clippy::too_many_arguments)]
    pub fn on_rule(
        &mut self,
        station: &str,
        parameter: Parameter,
        rule: &str,
        profile: &str,
        level: Level,
        value: f64,
        low: bool,
        at: DateTime<Utc>,
    ) -> Option<(Alarm, Event)> {
        let key = (station.to_string(), parameter, rule.to_string());
        match (self.active.get_mut(&key), level) {
            (None, Level::Ok) => None,
            (None, level) => {
                self.next_id += 1;
                let a = Alarm {
                    id: self.next_id,
                    station_id: station.to_string(),
                    parameter,
                    rule: rule.into(),
                    profile: profile.into(),
                    severity: level,
                    state: State::Open,
                    opened_at: at,
                    updated_at: at,
                    last_value: value,
                    peak_value: value,
                    occurrences: 1,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    resolved_by: None,
                    resolved_at: None,
                    note: None,
                };
                self.active.insert(key, a.clone());
                Some((a, Event::Raised))
            }
            (Some(_), Level::Ok) => {
                let mut a = self.active.remove(&key)?;
                a.state = State::Resolved;
                a.resolved_by = Some(SYSTEM.into());
                a.resolved_at = Some(at);
                a.updated_at = at;
                a.last_value = value;
                Some((a, Event::Resolved))
            }
            (Some(a), level) => {
                a.last_value = value;
                a.peak_value = if low {
                    a.peak_value.min(value)
                } else {
                    a.peak_value.max(value)
                };
                a.updated_at = at;
                if a.severity != level {
                    a.severity = level;
                    a.occurrences += 1;
                    Some((a.clone(), Event::SeverityChanged))
                } else {
                    // Same condition continuing: update silently (no re-broadcast).
                    None
                }
            }
        }
    }

    pub fn acknowledge(
        &mut self,
        id: i64,
        by: &str,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Alarm, AlarmError> {
        let a = self
            .active
            .values_mut()
            .find(|a| a.id == id)
            .ok_or(AlarmError::NotActive(id))?;
        if a.state == State::Acknowledged {
            return Err(AlarmError::AlreadyAcknowledged(id));
        }
        a.state = State::Acknowledged;
        a.acknowledged_by = Some(by.into());
        a.acknowledged_at = Some(at);
        a.updated_at = at;
        if note.is_some() {
            a.note = note;
        }
        Ok(a.clone())
    }

    /// Resolves by hand. If the condition persists, the next reading opens a new alarm.
    pub fn resolve(
        &mut self,
        id: i64,
        by: &str,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Alarm, AlarmError> {
        let key = self
            .active
            .iter()
            .find(|(_, a)| a.id == id)
            .map(|(k, _)| k.clone())
            .ok_or(AlarmError::NotActive(id))?;
        let mut a = self.active.remove(&key).ok_or(AlarmError::NotActive(id))?;
        a.state = State::Resolved;
        a.resolved_by = Some(by.into());
        a.resolved_at = Some(at);
        a.updated_at = at;
        if note.is_some() {
            a.note = note;
        }
        Ok(a)
    }

    pub fn is_active(&self, station: &str, p: Parameter) -> bool {
        self.active
            .contains_key(&(station.to_string(), p, THRESHOLD_RULE.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::grade;

    fn t(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + m * 60, 0).unwrap()
    }

    fn feed(b: &mut AlarmBook, v: f64, m: i64) -> Option<(Alarm, Event)> {
        let f = grade(Parameter::DissolvedOxygen, v).unwrap();
        b.on_finding("1", &f, "legacy.purehealth_v6", t(m))
    }

    #[test]
    fn one_alarm_per_episode_with_escalation_and_auto_resolution() {
        let mut b = AlarmBook::default();
        assert!(feed(&mut b, 6.0, 0).is_none());
        let (a, e) = feed(&mut b, 3.5, 1).unwrap();
        assert_eq!(
            (a.id, e, a.severity, a.state),
            (1, Event::Raised, Level::Warning, State::Open)
        );
        assert!(
            feed(&mut b, 3.4, 2).is_none(),
            "continuing condition: silent"
        );
        let (a, e) = feed(&mut b, 1.5, 3).unwrap();
        assert_eq!(
            (a.id, e, a.severity),
            (1, Event::SeverityChanged, Level::Critical)
        );
        assert_eq!(a.peak_value, 1.5);
        let (a, e) = feed(&mut b, 6.5, 4).unwrap();
        assert_eq!((a.id, e, a.state), (1, Event::Resolved, State::Resolved));
        assert_eq!(a.resolved_by.as_deref(), Some(SYSTEM));
        assert_eq!(
            a.legacy_state(),
            "cleared_unack",
            "never acknowledged, and it shows"
        );
        let (a, _) = feed(&mut b, 3.0, 5).unwrap();
        assert_eq!(a.id, 2, "a new exceedance after closure opens a new alarm");
    }

    #[test]
    fn acknowledge_then_resolve_by_hand() {
        let mut b = AlarmBook::default();
        let (a, _) = feed(&mut b, 3.5, 1).unwrap();
        let acked = b
            .acknowledge(a.id, "officer-7", Some("crew sent".into()), t(2))
            .unwrap();
        assert_eq!(
            (acked.state, acked.legacy_state()),
            (State::Acknowledged, "active_ack")
        );
        assert_eq!(
            b.acknowledge(a.id, "x", None, t(3)),
            Err(AlarmError::AlreadyAcknowledged(a.id))
        );
        let done = b.resolve(a.id, "officer-7", None, t(4)).unwrap();
        assert_eq!(
            (done.state, done.legacy_state()),
            (State::Resolved, "cleared_ack")
        );
        assert_eq!(done.note.as_deref(), Some("crew sent"));
        assert_eq!(
            b.resolve(a.id, "x", None, t(5)),
            Err(AlarmError::NotActive(a.id))
        );
        // Still below the limit: the next reading opens a new alarm.
        let (again, e) = feed(&mut b, 3.4, 6).unwrap();
        assert_eq!((again.id, e), (2, Event::Raised));
    }
}
