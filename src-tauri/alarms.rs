//! The alarm workflow (domain.md §14): at most one active alarm per station, parameter and
//! rule; open → acknowledged → resolved, with who, when and a note; an alarm whose condition
//! clears resolves by itself and records that it did, so one never acknowledged stays visible
//! in history as such. Pure state: the pipeline persists every change it returns.

use crate::model::Parameter;
use crate::quality::{Finding, Level};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// The rule of station-offline alarms: no reading for `watchdog_factor` expected intervals.
pub const OFFLINE_RULE: &str = "station.offline";

/// The rule behind threshold alarms: the ladder of one parameter's limits in the station's
/// criteria profile, e.g. `cpcb.dbu.C.dissolved_oxygen`.
pub fn threshold_rule(profile: &str, p: Parameter) -> String {
    format!("{profile}.{}", p.as_str())
}
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

impl Alarm {
    /// What the alarm is about, for messages: the parameter's label or "Station".
    pub fn subject_label(&self) -> &'static str {
        self.parameter.map_or("Station", Parameter::label)
    }

    /// The wire code of the subject: the parameter's name or `station` (stored as such).
    pub fn subject_code(&self) -> &'static str {
        self.parameter.map_or(STATION_SUBJECT, Parameter::as_str)
    }
}

/// The stored and wire `parameter` of alarms about a station itself.
pub const STATION_SUBJECT: &str = "station";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub id: i64,
    pub station_id: String,
    /// `None` for alarms about the station itself (offline).
    pub parameter: Option<Parameter>,
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
    /// Who is to handle it.
    pub assignee: Option<String>,
    /// When it escalated (left unacknowledged past the policy's time).
    pub escalated_at: Option<DateTime<Utc>>,
    /// Reminders sent while unacknowledged, and the last one.
    pub reminders: u32,
    pub last_reminder_at: Option<DateTime<Utc>>,
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
    Escalated,
    Reminder,
    Assigned,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Raised => "raised",
            Event::SeverityChanged => "severity_changed",
            Event::Acknowledged => "acknowledged",
            Event::Resolved => "resolved",
            Event::Escalated => "escalated",
            Event::Reminder => "reminder",
            Event::Assigned => "assigned",
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

/// Timing rules of the workflow (config: `alarm_*`).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// A condition must hold this long before an alarm opens (0 = at once).
    pub min_duration_s: f64,
    /// An open (unacknowledged) alarm escalates once, this long after it opened.
    pub escalate_after_s: f64,
    /// Reminders for an unacknowledged alarm, this often.
    pub remind_every_s: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_duration_s: 0.0,
            escalate_after_s: 1800.0,
            remind_every_s: 900.0,
        }
    }
}

type Key = (String, Option<Parameter>, String);

/// The active alarms, keyed by station, parameter and rule.
#[derive(Debug, Default)]
pub struct AlarmBook {
    active: HashMap<Key, Alarm>,
    /// Conditions seen but not yet held for the minimum duration: since when, worst level.
    pending: HashMap<Key, (DateTime<Utc>, Level)>,
    next_id: i64,
    pub policy: Policy,
}

impl AlarmBook {
    /// Restores the active alarms after a restart; `max_id` is the highest id ever stored.
    pub fn restore(active: Vec<Alarm>, max_id: i64) -> AlarmBook {
        AlarmBook {
            active: active
                .into_iter()
                .map(|a| ((a.station_id.clone(), a.parameter, a.rule.clone()), a))
                .collect(),
            pending: HashMap::new(),
            next_id: max_id,
            policy: Policy::default(),
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
            &threshold_rule(profile, f.parameter),
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
        self.on_subject(
            station,
            Some(parameter),
            rule,
            profile,
            level,
            value,
            low,
            at,
        )
    }

    /// Feeds the level of a rule about the station itself (no parameter), e.g.
    /// [`OFFLINE_RULE`]; `value` is what the rule measures (seconds silent).
    pub fn on_station_rule(
        &mut self,
        station: &str,
        rule: &str,
        profile: &str,
        level: Level,
        value: f64,
        at: DateTime<Utc>,
    ) -> Option<(Alarm, Event)> {
        self.on_subject(station, None, rule, profile, level, value, false, at)
    }

    #[allow(clippy::too_many_arguments)]
    fn on_subject(
        &mut self,
        station: &str,
        parameter: Option<Parameter>,
        rule: &str,
        profile: &str,
        level: Level,
        value: f64,
        low: bool,
        at: DateTime<Utc>,
    ) -> Option<(Alarm, Event)> {
        let key = (station.to_string(), parameter, rule.to_string());
        match (self.active.get_mut(&key), level) {
            (None, Level::Ok) => {
                self.pending.remove(&key);
                None
            }
            (None, level) => {
                // Minimum duration: open only once the condition has held long enough.
                let since = self.pending.entry(key.clone()).or_insert((at, level)).0;
                let held = (at - since).num_milliseconds() as f64 / 1e3;
                if held < self.policy.min_duration_s {
                    return None;
                }
                self.pending.remove(&key);
                self.next_id += 1;
                let a = Alarm {
                    id: self.next_id,
                    station_id: station.to_string(),
                    parameter,
                    rule: rule.into(),
                    profile: profile.into(),
                    severity: level,
                    state: State::Open,
                    // When the condition began (earlier than `at` with a minimum duration).
                    opened_at: since,
                    updated_at: at,
                    last_value: value,
                    peak_value: value,
                    occurrences: 1,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    resolved_by: None,
                    resolved_at: None,
                    note: None,
                    assignee: None,
                    escalated_at: None,
                    reminders: 0,
                    last_reminder_at: None,
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
        let a = self.active_mut(id)?;
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

    fn active_mut(&mut self, id: i64) -> Result<&mut Alarm, AlarmError> {
        self.active
            .values_mut()
            .find(|a| a.id == id)
            .ok_or(AlarmError::NotActive(id))
    }

    /// Escalations and reminders due at `now` for alarms nobody has acknowledged yet.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<(Alarm, Event)> {
        let secs = |from: DateTime<Utc>| (now - from).num_milliseconds() as f64 / 1e3;
        let mut out = Vec::new();
        for a in self.active.values_mut() {
            if a.state != State::Open {
                continue;
            }
            if a.escalated_at.is_none() && secs(a.opened_at) >= self.policy.escalate_after_s {
                a.escalated_at = Some(now);
                a.updated_at = now;
                out.push((a.clone(), Event::Escalated));
                continue;
            }
            let last = a.last_reminder_at.unwrap_or(a.opened_at);
            if secs(last) >= self.policy.remind_every_s {
                a.reminders += 1;
                a.last_reminder_at = Some(now);
                a.updated_at = now;
                out.push((a.clone(), Event::Reminder));
            }
        }
        out.sort_by_key(|(a, _)| a.id);
        out
    }

    /// Assigns an active alarm to someone (or clears the assignee with `None`).
    pub fn assign(
        &mut self,
        id: i64,
        assignee: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Alarm, AlarmError> {
        let a = self.active_mut(id)?;
        a.assignee = assignee;
        a.updated_at = at;
        Ok(a.clone())
    }

    /// Whether a rule has an active alarm for this station and parameter.
    pub fn is_active(&self, station: &str, p: Parameter, rule: &str) -> bool {
        self.active
            .contains_key(&(station.to_string(), Some(p), rule.to_string()))
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

    /// Feeds DO values through the station-profile path (grading with hysteresis, as
    /// `LiveState::apply` does) into the book.
    fn feed_profile(
        b: &mut AlarmBook,
        live: &mut crate::live::LiveState,
        v: f64,
        m: i64,
    ) -> Option<(Alarm, Event)> {
        let key = crate::model::StationKey {
            id: "river".into(),
            legacy_id: None,
        };
        let r = crate::model::Reading {
            station: key,
            parameter: Parameter::DissolvedOxygen,
            observed_at: t(m),
            source: crate::model::SourceKind::Sensor,
            value: v,
            unit: "mg/L",
            raw_value: v,
            raw_unit: "mg/L".into(),
            qc: crate::model::QcFlag::Pass,
            qc_tests: vec![],
            time_from_receipt: false,
            provenance: None,
            received_at: t(m),
        };
        let change = live.apply(&r);
        let f = change.finding?;
        b.on_finding("river", &f, live.profile_of("river"), t(m))
    }

    fn dbu_c_station() -> crate::live::LiveState {
        let mut live = crate::live::LiveState::default();
        let key = crate::model::StationKey {
            id: "river".into(),
            legacy_id: None,
        };
        live.configure(
            &key,
            crate::live::StationSetup {
                profile: Some("cpcb.dbu.C".into()),
                ..Default::default()
            },
        );
        live
    }

    #[test]
    fn a_value_flapping_at_a_limit_raises_one_alarm() {
        let mut b = AlarmBook::default();
        let mut live = dbu_c_station();
        // Class C: DO ≥ 4 mg/L, deadband 0.3. Wobbling 3.9 ↔ 4.1 is one episode.
        let mut events = Vec::new();
        for (i, v) in [4.5, 3.9, 4.1, 3.95, 4.2, 3.9, 4.25, 4.31, 4.4]
            .into_iter()
            .enumerate()
        {
            if let Some((a, e)) = feed_profile(&mut b, &mut live, v, i as i64) {
                events.push((a.rule.clone(), e, a.last_value));
            }
        }
        assert_eq!(
            events,
            [
                (
                    "cpcb.dbu.C.dissolved_oxygen".to_string(),
                    Event::Raised,
                    3.9
                ),
                (
                    "cpcb.dbu.C.dissolved_oxygen".to_string(),
                    Event::Resolved,
                    4.31
                ),
            ]
        );
    }

    #[test]
    fn minimum_duration_holds_back_short_excursions() {
        let mut b = AlarmBook {
            policy: Policy {
                min_duration_s: 600.0,
                ..Policy::default()
            },
            ..AlarmBook::default()
        };
        // A 5-minute dip: no alarm.
        assert!(feed(&mut b, 3.0, 0).is_none());
        assert!(feed(&mut b, 3.0, 5).is_none());
        assert!(feed(&mut b, 6.0, 6).is_none());
        // A dip that lasts 10 minutes opens one, dated from its start.
        assert!(feed(&mut b, 3.0, 20).is_none());
        let (a, e) = feed(&mut b, 3.1, 30).unwrap();
        assert_eq!((e, a.opened_at), (Event::Raised, t(20)));
    }

    #[test]
    fn escalation_and_reminders_at_the_configured_times_until_acknowledged() {
        let mut b = AlarmBook {
            policy: Policy {
                min_duration_s: 0.0,
                escalate_after_s: 1800.0,
                remind_every_s: 900.0,
            },
            ..AlarmBook::default()
        };
        let (a, _) = feed(&mut b, 3.0, 0).unwrap();
        let kinds = |v: Vec<(Alarm, Event)>| v.into_iter().map(|(_, e)| e).collect::<Vec<_>>();
        assert!(b.tick(t(14)).is_empty());
        assert_eq!(kinds(b.tick(t(15))), [Event::Reminder]);
        assert!(b.tick(t(29)).is_empty());
        assert_eq!(kinds(b.tick(t(30))), [Event::Escalated]);
        assert_eq!(
            kinds(b.tick(t(30))),
            [Event::Reminder],
            "15 min after the last one"
        );
        assert!(b.tick(t(44)).is_empty());
        let r = b.tick(t(45));
        assert_eq!(r[0].0.reminders, 3);
        b.acknowledge(a.id, "officer", None, t(46)).unwrap();
        assert!(b.tick(t(120)).is_empty(), "acknowledged: no more reminders");
    }

    #[test]
    fn assignee_is_kept_and_unknown_alarms_refused() {
        let mut b = AlarmBook::default();
        let (a, _) = feed(&mut b, 3.0, 0).unwrap();
        let x = b.assign(a.id, Some("field team 2".into()), t(1)).unwrap();
        assert_eq!(x.assignee.as_deref(), Some("field team 2"));
        assert_eq!(b.assign(99, None, t(1)), Err(AlarmError::NotActive(99)));
    }
}
