//! The single writer: one thread owns the write connection and commits every command queued
//! at the time in one transaction (group commit), so bursts cost one fsync, not one per row.

use super::{StationInfo, StoreError};
use crate::alarms::{Alarm, Event};
use crate::model::Reading;
use rusqlite::{Connection, params};
use std::collections::HashSet;
use tokio::sync::{mpsc, oneshot};

/// Queue depth before senders wait (backpressure on ingest under a flood).
const QUEUE: usize = 1024;
/// Most commands folded into one transaction.
const MAX_GROUP: usize = 256;

/// The readings handed back with, per reading, whether it was new.
pub type InsertResult = Result<(Vec<Reading>, Vec<bool>), StoreError>;

pub enum Command {
    Insert {
        readings: Vec<Reading>,
        reply: oneshot::Sender<InsertResult>,
    },
    Station {
        info: StationInfo,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Alarms {
        changes: Vec<(Alarm, Event)>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Forecasts {
        rows: Vec<super::ForecastRow>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Satellite {
        rows: Vec<super::SatelliteRow>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Device {
        change: super::DeviceChange,
        reply: oneshot::Sender<Result<i64, StoreError>>,
    },
    /// Sets (or clears) the profile chosen for a station; replies with rows changed.
    StationProfile {
        station: String,
        profile: Option<String>,
        reply: oneshot::Sender<Result<i64, StoreError>>,
    },
}

pub fn spawn(conn: Connection) -> Result<mpsc::Sender<Command>, StoreError> {
    let (tx, rx) = mpsc::channel(QUEUE);
    std::thread::Builder::new()
        .name("purehealth-db-writer".into())
        .spawn(move || run(conn, rx))
        .map_err(|e| StoreError::Join(e.to_string()))?;
    Ok(tx)
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Command>) {
    // Stations known to have a row, so the hot path does not upsert one per reading.
    let mut known: HashSet<String> = HashSet::new();
    // Ends when every sender is dropped: the store handle is gone.
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(cmd) => group.push(cmd),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group, &mut known);
    }
}

enum Outcome {
    Insert(Vec<bool>),
    /// The row id a device command wrote.
    Id(i64),
    /// A command with nothing to report but success.
    Done,
}

fn commit_group(conn: &mut Connection, group: Vec<Command>, known: &mut HashSet<String>) {
    // Station ids registered by this transaction; known only once it commits.
    let mut added: HashSet<String> = HashSet::new();
    let result = (|| -> Result<Vec<Outcome>, rusqlite::Error> {
        let tx = conn.transaction()?;
        let mut outcomes = Vec::with_capacity(group.len());
        for cmd in &group {
            outcomes.push(match cmd {
                Command::Insert { readings, .. } => {
                    Outcome::Insert(insert(&tx, readings, known, &mut added)?)
                }
                Command::Station { info, .. } => {
                    upsert_station(&tx, info)?;
                    added.insert(info.key.id.clone());
                    Outcome::Done
                }
                Command::Alarms { changes, .. } => {
                    for (a, e) in changes {
                        save_alarm(&tx, a, *e)?;
                    }
                    Outcome::Done
                }
                Command::Forecasts { rows, .. } => {
                    for f in rows {
                        save_forecast(&tx, f)?;
                    }
                    Outcome::Done
                }
                Command::Satellite { rows, .. } => {
                    for r in rows {
                        save_satellite(&tx, r)?;
                    }
                    Outcome::Done
                }
                Command::Device { change, .. } => Outcome::Id(save_device(&tx, change)?),
                Command::StationProfile {
                    station, profile, ..
                } => Outcome::Id(
                    tx.prepare_cached("UPDATE station SET profile = ?2 WHERE id = ?1")?
                        .execute(params![station, profile])? as i64,
                ),
            });
        }
        tx.commit()?;
        Ok(outcomes)
    })();
    match result {
        Ok(outcomes) => {
            known.extend(added);
            for (cmd, out) in group.into_iter().zip(outcomes) {
                match (cmd, out) {
                    (Command::Insert { reply, readings }, Outcome::Insert(flags)) => {
                        let _ = reply.send(Ok((readings, flags)));
                    }
                    (
                        Command::Station { reply, .. }
                        | Command::Alarms { reply, .. }
                        | Command::Forecasts { reply, .. }
                        | Command::Satellite { reply, .. },
                        _,
                    ) => {
                        let _ = reply.send(Ok(()));
                    }
                    (
                        Command::Device { reply, .. } | Command::StationProfile { reply, .. },
                        Outcome::Id(id),
                    ) => {
                        let _ = reply.send(Ok(id));
                    }
                    (Command::Insert { reply, .. }, _) => {
                        let _ = reply.send(Err(StoreError::WriterGone));
                    }
                    (Command::Device { reply, .. } | Command::StationProfile { reply, .. }, _) => {
                        let _ = reply.send(Err(StoreError::WriterGone));
                    }
                }
            }
        }
        Err(e) => {
            // The whole group rolled back; every caller learns it, nothing is half-written.
            tracing::error!(error = %e, "database commit failed");
            for cmd in group {
                let err = || StoreError::Commit(e.to_string());
                match cmd {
                    Command::Insert { reply, .. } => {
                        let _ = reply.send(Err(err()));
                    }
                    Command::Station { reply, .. }
                    | Command::Alarms { reply, .. }
                    | Command::Forecasts { reply, .. }
                    | Command::Satellite { reply, .. } => {
                        let _ = reply.send(Err(err()));
                    }
                    Command::Device { reply, .. } | Command::StationProfile { reply, .. } => {
                        let _ = reply.send(Err(err()));
                    }
                }
            }
        }
    }
}

fn insert(
    tx: &rusqlite::Transaction<'_>,
    readings: &[Reading],
    known: &HashSet<String>,
    added: &mut HashSet<String>,
) -> Result<Vec<bool>, rusqlite::Error> {
    // A reading for a station never seen gets a placeholder row named after its id.
    let mut station = tx.prepare_cached(
        "INSERT INTO station (id, name, legacy_id, source, first_seen) VALUES (?1, ?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO NOTHING",
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO reading (station_id, parameter, ts, source, value, unit, raw_value,
            raw_unit, qc, qc_tests, time_from_receipt, received_at, provenance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    // Per series: newest value and row count (start-up and /health read this, not `reading`).
    let mut series = tx.prepare_cached(
        "INSERT INTO series (station_id, parameter, source, ts, value, unit, qc, received_at, count,
            provenance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)
         ON CONFLICT (station_id, parameter, source) DO UPDATE SET
            count = count + 1,
            ts = CASE WHEN excluded.ts >= ts THEN excluded.ts ELSE ts END,
            value = CASE WHEN excluded.ts >= ts THEN excluded.value ELSE value END,
            unit = CASE WHEN excluded.ts >= ts THEN excluded.unit ELSE unit END,
            qc = CASE WHEN excluded.ts >= ts THEN excluded.qc ELSE qc END,
            received_at = CASE WHEN excluded.ts >= ts THEN excluded.received_at ELSE received_at END,
            provenance = CASE WHEN excluded.ts >= ts THEN excluded.provenance ELSE provenance END",
    )?;
    let mut daily = tx.prepare_cached(
        "INSERT INTO daily (station_id, parameter, day, n, sum, min, max)
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4)
         ON CONFLICT (station_id, parameter, day) DO UPDATE SET
            n = n + 1, sum = sum + excluded.sum,
            min = min(min, excluded.min), max = max(max, excluded.max)",
    )?;
    let mut flags = Vec::with_capacity(readings.len());
    for r in readings {
        if !known.contains(&r.station.id) && !added.contains(&r.station.id) {
            station.execute(params![
                r.station.id,
                r.station.legacy_id,
                r.source.as_str(),
                r.received_at.timestamp_millis()
            ])?;
            added.insert(r.station.id.clone());
        }
        let n = stmt.execute(params![
            r.station.id,
            r.parameter.as_str(),
            r.observed_at.timestamp_millis(),
            r.source.as_str(),
            r.value,
            r.unit,
            r.raw_value,
            r.raw_unit,
            r.qc.code(),
            r.qc_tests.join(","),
            r.time_from_receipt,
            r.received_at.timestamp_millis(),
            r.provenance,
        ])?;
        if n == 1 {
            series.execute(params![
                r.station.id,
                r.parameter.as_str(),
                r.source.as_str(),
                r.observed_at.timestamp_millis(),
                r.value,
                r.unit,
                r.qc.code(),
                r.received_at.timestamp_millis(),
                r.provenance,
            ])?;
            let ts = r.observed_at.timestamp_millis();
            if r.qc.usable() && ts >= 0 {
                daily.execute(params![
                    r.station.id,
                    r.parameter.as_str(),
                    ts / 86_400_000,
                    r.value
                ])?;
            }
        }
        flags.push(n == 1);
    }
    Ok(flags)
}

/// Horizons (days) of every issued forecast kept for later verification.
pub const VERIFIED_HORIZONS: [usize; 3] = [7, 30, 90];

/// Stores one satellite estimate; a recomputed scene replaces its row.
fn save_satellite(
    tx: &rusqlite::Transaction<'_>,
    r: &super::SatelliteRow,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO satellite_estimate (station_id, scene_id, algorithm, product,
            unit, value, valid_pixels, adjacency, acquired_at, cloud_cover, collection, platform,
            catalogue, computed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        r.station_id,
        r.scene_id,
        r.algorithm,
        r.product,
        r.unit,
        r.value,
        r.valid_pixels,
        r.adjacency,
        r.acquired_ms,
        r.cloud_cover,
        r.collection,
        r.platform,
        r.catalogue,
        r.computed_ms,
    ])?;
    Ok(())
}

/// Stores a forecast: every horizon as the series' newest forecast (one row), and the 7/30/90-day
/// horizons in the history, one forecast per origin day (the last issued), so a 15-minute cycle
/// neither grows the file without bound nor writes ninety rows per series.
fn save_forecast(
    tx: &rusqlite::Transaction<'_>,
    f: &super::ForecastRow,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO forecast_latest (station_id, parameter, issued_at, origin_day,
            model, model_version, backend, climatology, quantiles)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        f.station_id,
        f.parameter,
        f.issued_ms,
        f.origin_day,
        f.model,
        f.model_version,
        f.backend,
        f.climatology,
        super::pack_quantiles(&f.quantiles),
    ])?;
    tx.prepare_cached(
        "DELETE FROM forecast WHERE station_id = ?1 AND parameter = ?2 AND origin_day = ?3",
    )?
    .execute(params![f.station_id, f.parameter, f.origin_day])?;
    let mut ins = tx.prepare_cached(
        "INSERT OR REPLACE INTO forecast (station_id, parameter, issued_at, horizon, origin_day,
            p10, p50, p90, model, model_version, backend, climatology)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for h in VERIFIED_HORIZONS {
        let Some((p10, p50, p90)) = f.quantiles.get(h - 1) else {
            continue;
        };
        ins.execute(params![
            f.station_id,
            f.parameter,
            f.issued_ms,
            h as i64,
            f.origin_day,
            p10,
            p50,
            p90,
            f.model,
            f.model_version,
            f.backend,
            f.climatology,
        ])?;
    }
    Ok(())
}

/// Adds a paired device (returns its id) or revokes one (returns the id, 0 if unknown).
fn save_device(
    tx: &rusqlite::Transaction<'_>,
    change: &super::DeviceChange,
) -> Result<i64, rusqlite::Error> {
    match change {
        super::DeviceChange::Add {
            token_sha256,
            name,
            at_ms,
        } => {
            tx.prepare_cached(
                "INSERT INTO device (token_sha256, name, paired_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![token_sha256, name, at_ms])?;
            Ok(tx.last_insert_rowid())
        }
        super::DeviceChange::Revoke { id, at_ms } => {
            let n = tx
                .prepare_cached(
                    "UPDATE device SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                )?
                .execute(params![id, at_ms])?;
            Ok(if n == 1 { *id } else { 0 })
        }
    }
}

fn save_alarm(tx: &rusqlite::Transaction<'_>, a: &Alarm, e: Event) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO alarm (id, station_id, parameter, rule, profile, severity, state, opened_at,
            updated_at, last_value, peak_value, occurrences, acknowledged_by, acknowledged_at,
            resolved_by, resolved_at, note, assignee, escalated_at, reminders, last_reminder_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21)
         ON CONFLICT(id) DO UPDATE SET severity = excluded.severity, state = excluded.state,
            updated_at = excluded.updated_at, last_value = excluded.last_value,
            peak_value = excluded.peak_value, occurrences = excluded.occurrences,
            acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at,
            resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at,
            note = excluded.note, assignee = excluded.assignee,
            escalated_at = excluded.escalated_at, reminders = excluded.reminders,
            last_reminder_at = excluded.last_reminder_at",
    )?
    .execute(params![
        a.id,
        a.station_id,
        a.subject_code(),
        a.rule,
        a.profile,
        a.severity.as_str(),
        a.state.as_str(),
        a.opened_at.timestamp_millis(),
        a.updated_at.timestamp_millis(),
        a.last_value,
        a.peak_value,
        a.occurrences,
        a.acknowledged_by,
        a.acknowledged_at.map(|t| t.timestamp_millis()),
        a.resolved_by,
        a.resolved_at.map(|t| t.timestamp_millis()),
        a.note,
        a.assignee,
        a.escalated_at.map(|t| t.timestamp_millis()),
        a.reminders,
        a.last_reminder_at.map(|t| t.timestamp_millis()),
    ])?;
    let actor = match e {
        Event::Acknowledged => a.acknowledged_by.clone(),
        Event::Resolved => a.resolved_by.clone(),
        Event::Assigned => a.assignee.clone(),
        _ => None,
    };
    tx.prepare_cached(
        "INSERT INTO alarm_event (alarm_id, at, kind, severity, value, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        a.id,
        a.updated_at.timestamp_millis(),
        e.as_str(),
        a.severity.as_str(),
        a.last_value,
        actor
    ])?;
    Ok(())
}

fn upsert_station(tx: &rusqlite::Transaction<'_>, s: &StationInfo) -> Result<(), rusqlite::Error> {
    let (lat, lon) = s.location.unzip();
    tx.prepare_cached(
        "INSERT INTO station (id, name, legacy_id, lat, lon, source, first_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name,
            lat = coalesce(excluded.lat, lat), lon = coalesce(excluded.lon, lon)",
    )?
    .execute(params![
        s.key.id,
        s.name,
        s.key.legacy_id,
        lat,
        lon,
        s.source,
        chrono::Utc::now().timestamp_millis()
    ])?;
    Ok(())
}
