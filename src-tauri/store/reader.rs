//! Read-only queries on their own connections, run on the blocking pool so they never hold
//! up the async threads or the writer.

use super::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A few reused read-only connections.
pub struct Pool {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

const MAX_IDLE: usize = 4;

impl Pool {
    pub fn new(path: PathBuf) -> Pool {
        Pool {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let idle = self.idle.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = idle.lock().ok().and_then(|mut v| v.pop());
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    c.busy_timeout(std::time::Duration::from_secs(5))?;
                    c
                }
            };
            let out = f(&conn)?;
            if let Ok(mut v) = idle.lock()
                && v.len() < MAX_IDLE
            {
                v.push(conn);
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }
}

#[derive(Debug, Clone)]
pub struct StationRow {
    pub id: String,
    pub name: String,
    pub legacy_id: Option<i64>,
    pub location: Option<(f64, f64)>,
    pub source: String,
    /// Profile chosen in the app, if any.
    pub profile: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LatestRow {
    pub station_id: String,
    pub parameter: String,
    pub ts_ms: i64,
    pub value: f64,
    pub unit: String,
    pub qc: i64,
    pub source: String,
    pub received_ms: i64,
    pub provenance: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub ts_ms: i64,
    pub value: f64,
    pub qc: i64,
}

pub fn stations(c: &Connection) -> Result<Vec<StationRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT id, name, legacy_id, lat, lon, source, profile FROM station ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let lat: Option<f64> = r.get(3)?;
        let lon: Option<f64> = r.get(4)?;
        Ok(StationRow {
            id: r.get(0)?,
            name: r.get(1)?,
            legacy_id: r.get(2)?,
            location: lat.zip(lon),
            source: r.get(5)?,
            profile: r.get(6)?,
        })
    })?;
    rows.collect()
}

pub fn latest(c: &Connection) -> Result<Vec<LatestRow>, rusqlite::Error> {
    // The writer keeps the newest row of every series in `series`.
    let mut stmt = c.prepare_cached(
        "SELECT station_id, parameter, ts, value, unit, qc, source, received_at, provenance
         FROM series",
    )?;
    let rows = stmt.query_map([], latest_row)?;
    rows.collect()
}

fn latest_row(r: &rusqlite::Row<'_>) -> Result<LatestRow, rusqlite::Error> {
    Ok(LatestRow {
        station_id: r.get(0)?,
        parameter: r.get(1)?,
        ts_ms: r.get(2)?,
        value: r.get(3)?,
        unit: r.get(4)?,
        qc: r.get(5)?,
        source: r.get(6)?,
        received_ms: r.get(7)?,
        provenance: r.get(8)?,
    })
}

/// The newest value of every series (parameter × source) of one station.
pub fn latest_of(c: &Connection, station: &str) -> Result<Vec<LatestRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT station_id, parameter, ts, value, unit, qc, source, received_at, provenance
         FROM series WHERE station_id = ?1",
    )?;
    let rows = stmt.query_map([station], latest_row)?;
    rows.collect()
}

pub fn series(
    c: &Connection,
    station: &str,
    parameter: &str,
    from_ms: i64,
    to_ms: i64,
    limit: usize,
) -> Result<Vec<Point>, rusqlite::Error> {
    // Newest `limit` points in the window, returned oldest first.
    let mut stmt = c.prepare_cached(
        "SELECT ts, value, qc FROM (
            SELECT ts, value, qc FROM reading
            WHERE station_id = ?1 AND parameter = ?2 AND ts BETWEEN ?3 AND ?4
            ORDER BY ts DESC LIMIT ?5)
         ORDER BY ts",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![station, parameter, from_ms, to_ms, limit as i64],
        |r| {
            Ok(Point {
                ts_ms: r.get(0)?,
                value: r.get(1)?,
                qc: r.get(2)?,
            })
        },
    )?;
    rows.collect()
}

/// One day of a series: (day since 1970-01-01, count, mean, min, max) of usable readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyRow {
    pub day: i64,
    pub n: i64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

pub fn daily(
    c: &Connection,
    station: &str,
    parameter: &str,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<DailyRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT day, n, sum / n, min, max FROM daily
         WHERE station_id = ?1 AND parameter = ?2 AND day BETWEEN ?3 AND ?4 ORDER BY day",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![station, parameter, from_day, to_day],
        |r| {
            Ok(DailyRow {
                day: r.get(0)?,
                n: r.get(1)?,
                mean: r.get(2)?,
                min: r.get(3)?,
                max: r.get(4)?,
            })
        },
    )?;
    rows.collect()
}

/// Daily rows of many series in one pass on one connection (the prediction cycle reads every
/// series; one statement reused beats a round trip per series).
pub fn daily_many(
    c: &Connection,
    keys: &[(String, String)],
    from_day: i64,
    to_day: i64,
) -> Result<Vec<Vec<DailyRow>>, rusqlite::Error> {
    keys.iter()
        .map(|(s, p)| daily(c, s, p, from_day, to_day))
        .collect()
}

/// One hour of a series: (hour start ms, count, mean, min, max).
pub type HourRow = (i64, i64, f64, f64, f64);

/// Hourly aggregates of usable readings of one series in `[from_ms, to_ms]`.
pub fn hourly(
    c: &Connection,
    station: &str,
    parameter: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<HourRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT (ts / 3600000) * 3600000 AS h, count(*), avg(value), min(value), max(value)
         FROM reading
         WHERE station_id = ?1 AND parameter = ?2 AND ts BETWEEN ?3 AND ?4 AND qc IN (1, 2, 3)
         GROUP BY h ORDER BY h",
    )?;
    let rows = stmt.query_map(rusqlite::params![station, parameter, from_ms, to_ms], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    rows.collect()
}

pub fn series_keys(c: &Connection) -> Result<Vec<(String, String)>, rusqlite::Error> {
    let mut stmt =
        c.prepare_cached("SELECT DISTINCT station_id, parameter FROM series ORDER BY 1, 2")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub fn latest_forecast(
    c: &Connection,
    station: &str,
    parameter: &str,
) -> Result<Option<super::ForecastRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT issued_at, origin_day, model, model_version, backend, climatology, quantiles
         FROM forecast_latest WHERE station_id = ?1 AND parameter = ?2",
    )?;
    let mut rows = stmt.query(rusqlite::params![station, parameter])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let blob: Vec<u8> = r.get(6)?;
    Ok(Some(super::ForecastRow {
        station_id: station.to_string(),
        parameter: parameter.to_string(),
        issued_ms: r.get(0)?,
        origin_day: r.get(1)?,
        model: r.get(2)?,
        model_version: r.get(3)?,
        backend: r.get(4)?,
        climatology: r.get(5)?,
        quantiles: super::unpack_quantiles(&blob),
    }))
}

pub fn satellite(
    c: &Connection,
    station: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<super::SatelliteRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT scene_id, algorithm, product, unit, value, valid_pixels, adjacency, acquired_at,
                cloud_cover, collection, platform, catalogue, computed_at
         FROM satellite_estimate
         WHERE station_id = ?1 AND acquired_at BETWEEN ?2 AND ?3
         ORDER BY acquired_at, scene_id, algorithm",
    )?;
    stmt.query_map(rusqlite::params![station, from_ms, to_ms], |r| {
        Ok(super::SatelliteRow {
            station_id: station.to_string(),
            scene_id: r.get(0)?,
            algorithm: r.get(1)?,
            product: r.get(2)?,
            unit: r.get(3)?,
            value: r.get(4)?,
            valid_pixels: r.get(5)?,
            adjacency: r.get(6)?,
            acquired_ms: r.get(7)?,
            cloud_cover: r.get(8)?,
            collection: r.get(9)?,
            platform: r.get(10)?,
            catalogue: r.get(11)?,
            computed_ms: r.get(12)?,
        })
    })?
    .collect()
}

pub fn satellite_scenes(c: &Connection, station: &str) -> Result<Vec<String>, rusqlite::Error> {
    c.prepare_cached("SELECT DISTINCT scene_id FROM satellite_estimate WHERE station_id = ?1")?
        .query_map([station], |r| r.get(0))?
        .collect()
}

/// Per series and calendar month (UTC) of usable sensor readings: (station, parameter,
/// month 1-12, count, mean, mean of squares). One scan, at start-up; it seeds the sensors'
/// real-time QC climatology (agency and imported values keep their own).
pub type MonthlyRow = (String, String, i64, i64, f64, f64);

pub fn monthly(c: &Connection) -> Result<Vec<MonthlyRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT station_id, parameter, CAST(strftime('%m', ts / 1000, 'unixepoch') AS INTEGER) AS m,
                count(*), avg(value), avg(value * value)
         FROM reading WHERE qc IN (1, 3) AND source = 'sensor'
         GROUP BY station_id, parameter, m",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}

pub fn alarms(
    c: &Connection,
    state: Option<&str>,
    limit: usize,
) -> Result<Vec<crate::alarms::Alarm>, rusqlite::Error> {
    use crate::alarms::{Alarm, State};
    use crate::quality::Level;
    let mut stmt = c.prepare_cached(
        "SELECT id, station_id, parameter, rule, profile, severity, state, opened_at, updated_at,
                last_value, peak_value, occurrences, acknowledged_by, acknowledged_at, resolved_by,
                resolved_at, note, assignee, escalated_at, reminders, last_reminder_at
         FROM alarm WHERE (?1 IS NULL OR state = ?1) ORDER BY opened_at DESC, id DESC LIMIT ?2",
    )?;
    let t = |ms: i64| crate::live::from_ms(ms);
    let rows = stmt.query_map(rusqlite::params![state, limit as i64], |r| {
        let param: String = r.get(2)?;
        let severity: String = r.get(5)?;
        let st: String = r.get(6)?;
        Ok((
            param,
            severity,
            st,
            Alarm {
                id: r.get(0)?,
                station_id: r.get(1)?,
                parameter: None,
                rule: r.get(3)?,
                profile: r.get(4)?,
                severity: Level::Warning,
                state: State::Open,
                opened_at: t(r.get(7)?),
                updated_at: t(r.get(8)?),
                last_value: r.get(9)?,
                peak_value: r.get(10)?,
                occurrences: r.get(11)?,
                acknowledged_by: r.get(12)?,
                acknowledged_at: r.get::<_, Option<i64>>(13)?.map(t),
                resolved_by: r.get(14)?,
                resolved_at: r.get::<_, Option<i64>>(15)?.map(t),
                note: r.get(16)?,
                assignee: r.get(17)?,
                escalated_at: r.get::<_, Option<i64>>(18)?.map(t),
                reminders: r.get(19)?,
                last_reminder_at: r.get::<_, Option<i64>>(20)?.map(t),
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (param, severity, st, mut a) = row?;
        // Rows this build cannot read (an unknown parameter) are skipped, not fatal.
        let p = match param.as_str() {
            crate::alarms::STATION_SUBJECT => None,
            other => match crate::model::Parameter::parse(other) {
                Some(p) => Some(p),
                None => continue,
            },
        };
        let Some(s) = State::parse(&st) else {
            continue;
        };
        a.parameter = p;
        a.state = s;
        a.severity = if severity == "critical" {
            Level::Critical
        } else {
            Level::Warning
        };
        out.push(a);
    }
    Ok(out)
}

pub fn max_alarm_id(c: &Connection) -> Result<i64, rusqlite::Error> {
    c.query_row("SELECT coalesce(max(id), 0) FROM alarm", [], |r| r.get(0))
}

pub fn reading_count(c: &Connection) -> Result<i64, rusqlite::Error> {
    c.query_row("SELECT coalesce(sum(count), 0) FROM series", [], |r| {
        r.get(0)
    })
}

pub fn devices(c: &Connection) -> Result<Vec<super::Device>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT id, token_sha256, name, paired_at, revoked_at FROM device ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(super::Device {
            id: r.get(0)?,
            token_sha256: r.get(1)?,
            name: r.get(2)?,
            paired_at_ms: r.get(3)?,
            revoked_at_ms: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// One stored forecast horizon kept for verification: (origin day, horizon, p10, p50, p90,
/// model version).
pub type ForecastHistoryRow = (i64, i64, f64, f64, f64, String);

/// The 7/30/90-day horizons of every stored forecast of a series, oldest origin first.
pub fn forecast_history(
    c: &Connection,
    station: &str,
    parameter: &str,
) -> Result<Vec<ForecastHistoryRow>, rusqlite::Error> {
    let mut stmt = c.prepare_cached(
        "SELECT origin_day, horizon, p10, p50, p90, model_version FROM forecast
         WHERE station_id = ?1 AND parameter = ?2 ORDER BY origin_day, horizon",
    )?;
    let rows = stmt.query_map(rusqlite::params![station, parameter], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}
