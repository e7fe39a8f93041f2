//! The data path after decoding: store the reading (idempotently), update the live state,
//! and publish `station_update` / `alert` frames. Frames are serialised once and fanned out
//! as `Arc<str>` to every hub client and the desktop window.

use crate::alarms::{Alarm, AlarmBook, Event, State as AlarmState};
use crate::error::CommandError;
use crate::hub::messages;
use crate::live::{Latest, LiveState, WatchdogConfig, from_ms};
use crate::model::{Parameter, QcFlag, Reading, SourceKind, StationKey, fmt_time};
use crate::quality::Level;
use crate::stats::Stats;
use crate::store::{StationInfo, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// One serialised frame and the station it concerns (for per-client subscription filters).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub station: String,
    pub frame: Arc<str>,
}

/// Frames buffered per slow receiver before it lags.
const FANOUT_CAPACITY: usize = 4096;

/// Cheap-to-clone handle to the core data path.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    /// Std mutex: held only for short, non-async sections.
    live: Arc<Mutex<LiveState>>,
    tx: broadcast::Sender<Outgoing>,
    pub stats: Arc<Stats>,
    /// Forecast models and the prediction cycle's status (see [`crate::prediction`]).
    pub forecasting: Arc<crate::prediction::Forecasting>,
    /// Status of the orchestrator's loops.
    pub loops: Arc<crate::orchestrator::Loops>,
    /// Desktop-notification counters and settings (for `/health`).
    pub notify_stats: Arc<crate::notify::NotifyStats>,
    pub notify_config: Arc<Mutex<crate::notify::NotifyConfig>>,
    /// Health of the government and weather connectors.
    pub sources: Arc<crate::sources::runner::Registry>,
}

impl Core {
    /// Builds the live state from what the store holds.
    pub async fn open(
        store: Store,
        watchdog: WatchdogConfig,
        stations: &[crate::config::StationConfig],
    ) -> Result<Core, StoreError> {
        let mut live = LiveState::with_watchdog(watchdog);
        let now = Utc::now();
        let mut chosen = Vec::new();
        for s in store.stations().await? {
            let key = StationKey {
                id: s.id.clone(),
                legacy_id: s.legacy_id,
            };
            if let Some(p) = s.profile {
                chosen.push((key.clone(), p));
            }
            live.register(key, s.name, s.location, s.source);
        }
        // Station setups first: restored levels are graded under each station's profile.
        for s in stations {
            if s.name.is_some() || s.location.is_some() {
                let info = StationInfo {
                    key: s.key.clone(),
                    name: s.name.clone().unwrap_or_else(|| s.key.id.clone()),
                    location: s.location,
                    source: "sensor".into(),
                };
                store.upsert_station(info.clone()).await?;
                live.register(info.key, info.name, info.location, info.source);
            }
            live.configure(&s.key, s.setup.clone());
        }
        // A profile chosen in the app overrides the config file's (which seeds it).
        for (key, profile) in chosen {
            if crate::profiles::Catalogue::bundled()
                .get(&profile)
                .is_some()
            {
                live.set_profile(&key, &profile);
            }
        }
        for row in store.latest().await? {
            let (Some(p), Some(st)) = (Parameter::parse(&row.parameter), live.get(&row.station_id))
            else {
                continue;
            };
            let key = st.key.clone();
            live.restore(
                &key,
                p,
                Latest {
                    value: row.value,
                    unit: p.canonical_unit(),
                    t: from_ms(row.ts_ms),
                    qc: QcFlag::from_code(row.qc),
                    source: SourceKind::parse(&row.source).unwrap_or(SourceKind::Sensor),
                },
                from_ms(row.received_ms),
                now,
            );
        }
        for (station, parameter, month, n, mean, mean_sq) in store.monthly().await? {
            if let (Some(p), Ok(n), true) = (
                Parameter::parse(&parameter),
                u64::try_from(n),
                (1..=12).contains(&month),
            ) {
                live.seed_climatology(&station, p, (month - 1) as usize, n, mean, mean_sq);
            }
        }
        let active: Vec<Alarm> = store
            .alarms(None, usize::MAX >> 1)
            .await?
            .into_iter()
            .filter(|a| a.state != AlarmState::Resolved)
            .collect();
        live.alarms = AlarmBook::restore(active, store.max_alarm_id().await?);
        let (tx, _) = broadcast::channel(FANOUT_CAPACITY);
        Ok(Core {
            store,
            live: Arc::new(Mutex::new(live)),
            tx,
            stats: Arc::new(Stats::default()),
            forecasting: Arc::default(),
            loops: Arc::default(),
            notify_stats: Arc::default(),
            notify_config: Arc::default(),
            sources: Arc::default(),
        })
    }

    pub(crate) fn live(&self) -> MutexGuard<'_, LiveState> {
        // A panic while holding the lock cannot leave the state half-updated in a way
        // that matters more than stopping ingest would, so recover the guard.
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends one frame to every hub client and the window (nobody listening is fine).
    pub(crate) fn broadcast(&self, station: String, frame: String) {
        let _ = self.tx.send(Outgoing {
            station,
            frame: frame.into(),
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Outgoing> {
        self.tx.subscribe()
    }

    /// Registers station metadata (name, location) in the store and the live state.
    pub async fn register_station(&self, info: StationInfo) -> Result<(), StoreError> {
        self.store.upsert_station(info.clone()).await?;
        self.live()
            .register(info.key, info.name, info.location, info.source);
        Ok(())
    }

    /// Stores readings and publishes what changed. Returns how many were new.
    /// When this returns Ok, the readings are committed: the caller may acknowledge them.
    pub async fn ingest(&self, mut readings: Vec<Reading>) -> Result<usize, StoreError> {
        if readings.is_empty() {
            return Ok(0);
        }
        {
            let mut live = self.live();
            for r in &mut readings {
                live.quality_check(r);
            }
        }
        let (readings, flags) = self.store.insert_readings(readings).await?;
        let mut frames = Vec::new();
        let mut alarm_changes = Vec::new();
        let mut new = 0;
        {
            let mut live = self.live();
            for (r, is_new) in readings.iter().zip(flags) {
                if !is_new {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                new += 1;
                self.stats.stored.fetch_add(1, Ordering::Relaxed);
                self.stats.qc(r.qc.code());
                let change = live.apply(r);
                // Alarms follow every usable newest reading (not only level changes), so one
                // resolved by hand while the condition persists reopens with the next reading.
                let graded = change.finding.clone();
                let profile = live.profile_of(&r.station.id).to_string();
                let alarm_change = graded.as_ref().and_then(|f| {
                    live.alarms
                        .on_finding(&r.station.id, f, &profile, r.observed_at)
                });
                if change.back_online {
                    let back = live.alarms.on_station_rule(
                        &r.station.id,
                        crate::alarms::OFFLINE_RULE,
                        &profile,
                        Level::Ok,
                        0.0,
                        r.received_at,
                    );
                    let Some(st) = live.get(&r.station.id) else {
                        continue;
                    };
                    let mut frame = messages::station_status(st, true);
                    if let Some((a, _)) = &back {
                        messages::attach_alarm(&mut frame, a);
                    }
                    frames.push((st.key.id.clone(), frame.to_string()));
                    alarm_changes.extend(back);
                }
                let Some(st) = live.get(&r.station.id) else {
                    continue;
                };
                // One frame per reading: the original per-reading mode, with the whole state.
                frames.push((
                    st.key.id.clone(),
                    messages::station_update(st, r, change.seq),
                ));
                let alarm = alarm_change.as_ref().map(|c| &c.0);
                for (finding, prev) in &change.transitions {
                    frames.push((
                        st.key.id.clone(),
                        messages::alert(st, finding, *prev, r, alarm).to_string(),
                    ));
                }
                if let (true, Some((a, Event::Raised)), Some(f)) =
                    (change.transitions.is_empty(), &alarm_change, &graded)
                {
                    frames.push((
                        st.key.id.clone(),
                        messages::alert(st, f, Level::Ok, r, Some(a)).to_string(),
                    ));
                }
                alarm_changes.extend(alarm_change);
            }
        }
        // Written before announced: an alarm a client sees is one a restart still has.
        if let Err(e) = self.store.save_alarms(alarm_changes).await {
            tracing::error!(error = %e, "could not store alarm changes");
        }
        for (station, frame) in frames {
            // No receivers is fine: nobody is watching right now.
            let _ = self.tx.send(Outgoing {
                station,
                frame: frame.into(),
            });
        }
        Ok(new)
    }

    /// Feeds the current level of `rule` for many series to the alarm book, persists the
    /// changes and announces them. Items: (station, parameter, level, value, lower is worse,
    /// score). Returns the number of alarm changes.
    pub(crate) async fn apply_rule_levels(
        &self,
        rule: &str,
        items: Vec<(String, Parameter, Level, f64, bool, Option<f64>)>,
        now: DateTime<Utc>,
    ) -> usize {
        let mut changes = Vec::new();
        let mut frames = Vec::new();
        {
            let mut live = self.live();
            for (station, p, level, value, low, score) in items {
                let profile = live.profile_of(&station).to_string();
                let Some(change) = live
                    .alarms
                    .on_rule(&station, p, rule, &profile, level, value, low, now)
                else {
                    continue;
                };
                if let Some(st) = live.get(&station) {
                    let a = &change.0;
                    let message = match (a.state, score) {
                        (AlarmState::Resolved, _) => {
                            format!("{} back to its usual range: {value:.2}", p.label())
                        }
                        (_, Some(z)) => format!(
                            "{} unusual for the season: daily mean {value:.2} (robust score {z:.1})",
                            p.label()
                        ),
                        _ => format!("{}: {value:.2}", p.label()),
                    };
                    frames.push((
                        st.key.id.clone(),
                        messages::rule_alert(
                            st,
                            a,
                            &message,
                            "daily mean outside the seasonal baseline (robust score ≥ 5 warning, ≥ 8 critical)",
                            "provisional",
                        )
                        .to_string(),
                    ));
                }
                changes.push(change);
            }
        }
        let n = changes.len();
        if let Err(e) = self.store.save_alarms(changes).await {
            tracing::error!(error = %e, rule, "could not store alarm changes");
        }
        for (station, frame) in frames {
            self.broadcast(station, frame);
        }
        n
    }

    /// Installs the alarm timing rules (minimum duration, escalation, reminders).
    pub fn set_alarm_policy(&self, policy: crate::alarms::Policy) {
        self.live().alarms.policy = policy;
    }

    /// Escalations and reminders due now (the health loop); persists and announces them.
    pub async fn alarm_timers(&self, now: DateTime<Utc>) -> usize {
        let (changes, frames) = {
            let mut live = self.live();
            let changes = live.alarms.tick(now);
            let frames: Vec<(String, String)> = changes
                .iter()
                .filter_map(|(a, e)| {
                    let st = live.get(&a.station_id)?;
                    let what = if *e == Event::Escalated {
                        format!(
                            "ESCALATED: {} alarm unacknowledged for {} min",
                            a.subject_label(),
                            (now - a.opened_at).num_minutes()
                        )
                    } else {
                        format!(
                            "Reminder {}: {} alarm still unacknowledged (opened {})",
                            a.reminders,
                            a.subject_label(),
                            crate::model::fmt_time(a.opened_at)
                        )
                    };
                    let mut v = messages::rule_alert(
                        st,
                        a,
                        &what,
                        &messages::basis_clause(a),
                        messages::confidence(a),
                    );
                    v["alert"]["event"] = Value::from(e.as_str());
                    Some((st.key.id.clone(), v.to_string()))
                })
                .collect();
            (changes, frames)
        };
        let n = changes.len();
        if let Err(e) = self.store.save_alarms(changes).await {
            tracing::error!(error = %e, "could not store alarm timers");
        }
        for (station, frame) in frames {
            self.broadcast(station, frame);
        }
        n
    }

    /// Stores past readings (QC-checked in order) without announcing them or raising alarms:
    /// history for trends and forecasts, e.g. the demo's first year or a backfill.
    pub async fn import_history(&self, mut readings: Vec<Reading>) -> Result<usize, StoreError> {
        readings.sort_by_key(|r| r.observed_at);
        {
            let mut live = self.live();
            for r in &mut readings {
                live.quality_check(r);
            }
        }
        let mut stored = 0;
        for chunk in readings.chunks(5_000) {
            let (_, flags) = self.store.insert_readings(chunk.to_vec()).await?;
            stored += flags.iter().filter(|f| **f).count();
        }
        // The newest imported value of each series becomes its latest, silently (as at start-up).
        let now = Utc::now();
        let mut newest: std::collections::HashMap<(String, Parameter), &Reading> =
            Default::default();
        for r in &readings {
            newest.insert((r.station.id.clone(), r.parameter), r);
        }
        let mut live = self.live();
        for r in newest.into_values() {
            let older = live
                .get(&r.station.id)
                .and_then(|st| st.latest.get(&r.parameter))
                .is_some_and(|l| l.t >= r.observed_at);
            if !older {
                live.restore(
                    &r.station,
                    r.parameter,
                    Latest {
                        value: r.value,
                        unit: r.unit,
                        t: r.observed_at,
                        qc: r.qc,
                        source: r.source,
                    },
                    r.received_at,
                    now,
                );
            }
        }
        Ok(stored)
    }

    /// Alarms in a state (`open`, `acknowledged`, `resolved`; all when None), newest first.
    pub async fn alerts_json(&self, state: Option<&str>) -> Result<Value, CommandError> {
        let state = match state {
            None | Some("") => None,
            Some(s) => Some(
                AlarmState::parse(s)
                    .map(AlarmState::as_str)
                    .ok_or_else(|| {
                        CommandError::BadRequest(format!(
                            "state must be open, acknowledged or resolved, not `{}`",
                            s.chars().take(20).collect::<String>()
                        ))
                    })?,
            ),
        };
        let alarms = self.store.alarms(state, 1000).await?;
        Ok(Value::Array(
            alarms.iter().map(messages::alarm_json).collect(),
        ))
    }

    /// Acknowledges (`resolve == false`) or resolves an active alarm by hand, persists it and
    /// announces it to every client.
    pub async fn act_on_alarm(
        &self,
        id: i64,
        by: Option<&str>,
        note: Option<&str>,
        resolve: bool,
    ) -> Result<Value, CommandError> {
        let by = by
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .unwrap_or("operator");
        if by.chars().count() > 64 || note.is_some_and(|n| n.chars().count() > 2000) {
            return Err(CommandError::BadRequest(
                "`by` is limited to 64 characters and `note` to 2000".into(),
            ));
        }
        let note = note.map(str::to_string);
        let now = Utc::now();
        let (alarm, frame) = {
            let mut live = self.live();
            let result = if resolve {
                live.alarms.resolve(id, by, note, now)
            } else {
                live.alarms.acknowledge(id, by, note, now)
            };
            let alarm = result.map_err(|e| match e {
                crate::alarms::AlarmError::NotActive(_) => CommandError::UnknownAlarm(id),
                other => CommandError::Conflict(other.to_string()),
            })?;
            let frame = live
                .get(&alarm.station_id)
                .map(|st| (st.key.id.clone(), messages::alarm_action(st, &alarm)));
            (alarm, frame)
        };
        let event = if resolve {
            Event::Resolved
        } else {
            Event::Acknowledged
        };
        self.store.save_alarms(vec![(alarm.clone(), event)]).await?;
        if let Some((station, frame)) = frame {
            let _ = self.tx.send(Outgoing {
                station,
                frame: frame.to_string().into(),
            });
        }
        Ok(messages::alarm_json(&alarm))
    }

    /// Assigns an active alarm to someone (`None` clears it), persists and announces it.
    pub async fn assign_alarm(
        &self,
        id: i64,
        assignee: Option<&str>,
        by: Option<&str>,
    ) -> Result<Value, CommandError> {
        let assignee = assignee.map(str::trim).filter(|a| !a.is_empty());
        if assignee.is_some_and(|a| a.chars().count() > 64)
            || by.is_some_and(|b| b.chars().count() > 64)
        {
            return Err(CommandError::BadRequest(
                "`assignee` and `by` are limited to 64 characters".into(),
            ));
        }
        let now = Utc::now();
        let (alarm, frame) = {
            let mut live = self.live();
            let alarm = live
                .alarms
                .assign(id, assignee.map(str::to_string), now)
                .map_err(|_| CommandError::UnknownAlarm(id))?;
            let frame = live.get(&alarm.station_id).map(|st| {
                let who = alarm.assignee.as_deref().unwrap_or("nobody");
                let msg = format!(
                    "{} alarm assigned to {who} by {}",
                    alarm.subject_label(),
                    by.unwrap_or("operator")
                );
                let mut v = messages::rule_alert(
                    st,
                    &alarm,
                    &msg,
                    &messages::basis_clause(&alarm),
                    messages::confidence(&alarm),
                );
                v["alert"]["event"] = Value::from("assigned");
                (st.key.id.clone(), v.to_string())
            });
            (alarm, frame)
        };
        self.store
            .save_alarms(vec![(alarm.clone(), Event::Assigned)])
            .await?;
        if let Some((station, frame)) = frame {
            self.broadcast(station, frame);
        }
        Ok(messages::alarm_json(&alarm))
    }

    /// One watchdog pass: stations silent for too long go offline, with an `alert` each.
    pub async fn check_offline(&self, now: DateTime<Utc>) -> usize {
        let (frames, changes) = {
            let mut live = self.live();
            let went = live.check_offline(now);
            // Every silent station is evaluated on every check, not only when it goes offline:
            // a minimum duration can then elapse, and an alarm resolved by hand while the
            // station is still silent reopens (as threshold alarms do with the next reading).
            let silent: Vec<(String, f64)> = live
                .stations()
                .filter(|st| !st.reporting.online)
                .filter_map(|st| {
                    let t = st.reporting.last_seen?;
                    Some((st.key.id.clone(), (now - t).num_milliseconds() as f64 / 1e3))
                })
                .collect();
            let mut frames = Vec::new();
            let mut changes = Vec::new();
            for (id, silent_s) in silent {
                let profile = live.profile_of(&id).to_string();
                // An offline station is an alarm like any other: acknowledged, assigned,
                // escalated, and resolved by itself with the next reading.
                let change = live.alarms.on_station_rule(
                    &id,
                    crate::alarms::OFFLINE_RULE,
                    &profile,
                    Level::Warning,
                    silent_s,
                    now,
                );
                let newly = went.contains(&id);
                if let Some(st) = live.get(&id)
                    && (newly || change.is_some())
                {
                    let mut frame = messages::station_status(st, false);
                    if let Some((a, _)) = &change {
                        messages::attach_alarm(&mut frame, a);
                    }
                    frames.push((st.key.id.clone(), frame));
                }
                changes.extend(change);
            }
            (frames, changes)
        };
        if let Err(e) = self.store.save_alarms(changes).await {
            tracing::error!(error = %e, "could not store offline alarms");
        }
        let n = frames.len();
        for (station, frame) in frames {
            let _ = self.tx.send(Outgoing {
                station,
                frame: frame.to_string().into(),
            });
        }
        n
    }

    /// The core's part of `/health` (the hub adds its client counts and uptime).
    pub async fn health_json(&self) -> Value {
        let readings = self.store.reading_count().await.ok();
        let path = self.store.path();
        let size: u64 = [path.to_path_buf(), path.with_extension("db-wal")]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        json!({
            "status": "healthy",
            "timestamp": fmt_time(Utc::now()),
            "version": env!("CARGO_PKG_VERSION"),
            "stations": self.station_count(),
            "mqtt": self.stats.to_json(),
            "db": {"path": path.display().to_string(), "readings": readings, "size_bytes": size},
            "forecast": self.forecasting.health_json(),
            "loops": self.loops.to_json(),
            "sources": self.sources.to_json(Utc::now()),
            "notifications": self.notify_stats.to_json(
                &self.notify_config.lock().map(|c| c.clone()).unwrap_or_default()
            ),
        })
    }

    /// All stations as `GET /api/stations` returns them.
    pub fn stations_json(&self) -> Value {
        Value::Array(self.live().stations().map(|s| s.summary_json()).collect())
    }

    /// Every located station: (id, (lat, lon)), without building its JSON.
    pub fn station_locations(&self) -> Vec<(String, (f64, f64))> {
        self.live()
            .stations()
            .filter_map(|s| Some((s.key.id.clone(), s.location?)))
            .collect()
    }

    pub fn station_json(&self, raw_id: &str) -> Option<Value> {
        self.live().resolve(raw_id).map(|s| s.summary_json())
    }

    /// A known station and a known parameter from a query's arguments, or an error naming what
    /// is unknown.
    pub(crate) fn station_parameter(
        &self,
        raw_id: &str,
        parameter: &str,
    ) -> Result<(StationKey, Parameter), CommandError> {
        let key = self
            .resolve(raw_id)
            .ok_or_else(|| CommandError::UnknownStation(raw_id.chars().take(64).collect()))?;
        let p = Parameter::parse(parameter).ok_or_else(|| {
            CommandError::BadRequest(format!(
                "unknown parameter `{}`",
                parameter.chars().take(40).collect::<String>()
            ))
        })?;
        Ok((key, p))
    }

    /// Canonical id of a station as a client wrote it, if known.
    pub fn resolve(&self, raw_id: &str) -> Option<StationKey> {
        self.live().resolve(raw_id).map(|s| s.key.clone())
    }

    pub fn station_count(&self) -> usize {
        self.live().stations().count()
    }

    /// Validates the arguments every series query takes (a known station, a known parameter,
    /// an RFC 3339 window defaulting to `span` up to now) and reads the newest `limit` points.
    async fn series_points(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
        span: chrono::Duration,
        limit: usize,
    ) -> Result<SeriesPoints, CommandError> {
        let (key, p) = self.station_parameter(raw_id, parameter)?;
        let to_t = parse_bound("to", to)?.unwrap_or_else(Utc::now);
        let from_t = parse_bound("from", from)?.unwrap_or(to_t - span);
        if from_t > to_t {
            return Err(CommandError::BadRequest("`from` is after `to`".into()));
        }
        let points = self
            .store
            .series(
                key.id.clone(),
                p.as_str().into(),
                from_t.timestamp_millis(),
                to_t.timestamp_millis(),
                limit,
            )
            .await?;
        Ok((key, p, from_t, to_t, points))
    }

    /// One series as `{"station_id", "parameter", "unit", "points": [{"t","v","q"}]}`.
    /// Defaults to the last 24 hours; at most 10,000 points (the newest).
    pub async fn readings_json(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Value, CommandError> {
        let (key, p, from_t, to_t, points) = self
            .series_points(
                raw_id,
                parameter,
                from,
                to,
                chrono::Duration::hours(24),
                10_000,
            )
            .await?;
        let points: Vec<Value> = points
            .into_iter()
            .map(|pt| json!({"t": fmt_time(from_ms(pt.ts_ms)), "v": crate::live::finite(pt.value), "q": pt.qc}))
            .collect();
        Ok(json!({
            "station_id": key.id,
            "parameter": p.as_str(),
            "unit": p.canonical_unit(),
            "from": fmt_time(from_t),
            "to": fmt_time(to_t),
            "points": points,
        }))
    }
}

impl Core {
    /// One series at a resolution that suits the window (server-side downsampling for long
    /// ranges): raw up to 2 days, hourly means up to 60 days, daily means beyond; each point
    /// `{"t","v","min","max","n"}`. Only usable values (QC pass, not evaluated, suspect) are
    /// aggregated.
    pub async fn series_json(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
        resolution: Option<&str>,
    ) -> Result<Value, CommandError> {
        let (key, p) = self.station_parameter(raw_id, parameter)?;
        let to_t = parse_bound("to", to)?.unwrap_or_else(Utc::now);
        let from_t = parse_bound("from", from)?.unwrap_or(to_t - chrono::Duration::hours(24));
        if from_t > to_t {
            return Err(CommandError::BadRequest("`from` is after `to`".into()));
        }
        let span_h = (to_t - from_t).num_hours();
        let res = match resolution.unwrap_or("auto") {
            "auto" if span_h <= 48 => "raw",
            "auto" if span_h <= 60 * 24 => "hour",
            "auto" => "day",
            r @ ("raw" | "hour" | "day") => r,
            other => {
                return Err(CommandError::BadRequest(format!(
                    "resolution must be auto, raw, hour or day, not `{}`",
                    other.chars().take(20).collect::<String>()
                )));
            }
        };
        let (lo_ms, hi_ms) = (from_t.timestamp_millis(), to_t.timestamp_millis());
        let pt = |t_ms: i64, v: f64, min: Option<f64>, max: Option<f64>, n: i64| {
            json!({"t": fmt_time(from_ms(t_ms)), "v": crate::live::finite(v),
                   "min": min.map(crate::live::finite), "max": max.map(crate::live::finite), "n": n})
        };
        let points: Vec<Value> = match res {
            "raw" => self
                .store
                .series(key.id.clone(), p.as_str().into(), lo_ms, hi_ms, 5_000)
                .await?
                .into_iter()
                .filter(|x| QcFlag::from_code(x.qc).usable())
                .map(|x| pt(x.ts_ms, x.value, None, None, 1))
                .collect(),
            "hour" => {
                let rows = self
                    .store
                    .hourly(key.id.clone(), p.as_str().into(), lo_ms, hi_ms)
                    .await?;
                let skip = rows.len().saturating_sub(5_000);
                rows.into_iter()
                    .skip(skip)
                    .map(|(t, n, v, lo, hi)| pt(t, v, Some(lo), Some(hi), n))
                    .collect()
            }
            _ => {
                let rows = self
                    .store
                    .daily(
                        key.id.clone(),
                        p.as_str().into(),
                        lo_ms.div_euclid(86_400_000),
                        hi_ms.div_euclid(86_400_000),
                    )
                    .await?;
                let skip = rows.len().saturating_sub(5_000);
                rows.into_iter()
                    .skip(skip)
                    .map(|d| pt(d.day * 86_400_000, d.mean, Some(d.min), Some(d.max), d.n))
                    .collect()
            }
        };
        Ok(json!({
            "station_id": key.id,
            "parameter": p.as_str(),
            "unit": p.canonical_unit(),
            "from": fmt_time(from_t),
            "to": fmt_time(to_t),
            "resolution": res,
            "points": points,
        }))
    }
}

/// A validated series query and its points.
type SeriesPoints = (
    StationKey,
    Parameter,
    DateTime<Utc>,
    DateTime<Utc>,
    Vec<crate::store::Point>,
);

/// A series reduced to daily medians of its usable values (QC pass/suspect).
struct Daily {
    key: StationKey,
    parameter: Parameter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// (days since 1970-01-01, median), in day order.
    days: Vec<(i64, f64)>,
}

impl Daily {
    /// The common head of series-analysis replies, merged with `body`.
    fn reply(&self, method: &str, body: Value) -> Value {
        let mut v = json!({
            "station_id": self.key.id,
            "parameter": self.parameter.as_str(),
            "unit": self.parameter.canonical_unit(),
            "from": fmt_time(self.from),
            "to": fmt_time(self.to),
            "method": method,
        });
        if let (Some(head), Value::Object(rest)) = (v.as_object_mut(), body) {
            head.extend(rest);
        }
        v
    }
}

impl Core {
    /// Daily medians of one series; default window the last 365 days. Daily aggregation keeps
    /// serial correlation in dense sensor data from inflating trend significance.
    async fn daily(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Daily, CommandError> {
        let (key, p, from_t, to_t, points) = self
            .series_points(
                raw_id,
                parameter,
                from,
                to,
                chrono::Duration::days(365),
                100_000,
            )
            .await?;
        let mut by_day: std::collections::BTreeMap<i64, Vec<f64>> = Default::default();
        for pt in points.iter().filter(|pt| QcFlag::from_code(pt.qc).usable()) {
            by_day
                .entry(pt.ts_ms.div_euclid(86_400_000))
                .or_default()
                .push(pt.value);
        }
        let days = by_day
            .into_iter()
            .map(|(d, mut v)| {
                v.sort_by(f64::total_cmp);
                let m = v.len() / 2;
                (
                    d,
                    if v.len() % 2 == 1 {
                        v[m]
                    } else {
                        (v[m - 1] + v[m]) / 2.0
                    },
                )
            })
            .collect();
        Ok(Daily {
            key,
            parameter: p,
            from: from_t,
            to: to_t,
            days,
        })
    }

    /// Mann-Kendall trend and Sen's slope over the daily medians of one series.
    pub async fn trend_json(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Value, CommandError> {
        let d = self.daily(raw_id, parameter, from, to).await?;
        let (t, x): (Vec<f64>, Vec<f64>) = d.days.iter().map(|(day, v)| (*day as f64, *v)).unzip();
        let r = crate::trend::mann_kendall(&t, &x, 0.05);
        Ok(d.reply(
            "mann_kendall_daily_medians",
            json!({
                "days": r.n,
                "trend": r.trend,
                "p_value": crate::live::finite(r.p),
                "z": crate::live::finite(r.z),
                "tau": crate::live::finite(r.tau),
                "s": r.s,
                "sen_slope_per_day": crate::live::finite(r.slope),
                "sen_slope_per_year": crate::live::finite(r.slope * 365.25),
                "alpha": 0.05,
            }),
        ))
    }

    /// Days whose median departs from the local seasonal baseline (robust median/MAD score).
    pub async fn anomalies_json(
        &self,
        raw_id: &str,
        parameter: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Value, CommandError> {
        let d = self.daily(raw_id, parameter, from, to).await?;
        let found: Vec<Value> = crate::anomaly::detect(&d.days)
            .into_iter()
            .map(|a| {
                let date = from_ms(a.day * 86_400_000).date_naive().to_string();
                json!({"date": date, "value": a.value, "baseline": a.baseline, "score": a.score, "severity": a.severity})
            })
            .collect();
        Ok(d.reply(
            "daily_median_residual_mad",
            json!({"days": d.days.len(), "anomalies": found}),
        ))
    }
}

fn parse_bound(name: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, CommandError> {
    match v {
        None | Some("") => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                CommandError::BadRequest(format!(
                    "`{name}` is not an RFC 3339 time: `{}`",
                    s.chars().take(40).collect::<String>()
                ))
            }),
    }
}
