//! The local SQLite cache: one writer thread with group commit, read connections that never
//! block it (WAL), versioned migrations. Everything the hub reports is read back from here
//! after a restart, so nothing accepted is lost to a crash or `kill -9`.

mod migrations;
mod reader;
mod writer;

pub use reader::{DailyRow, LatestRow, Point, StationRow};
pub use writer::VERIFIED_HORIZONS;

use crate::model::{Reading, StationKey};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database {path} has schema version {found}, newer than this build knows ({known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database commit failed: {0}")]
    Commit(String),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("database task failed: {0}")]
    Join(String),
}

/// Station metadata to register or refresh.
#[derive(Debug, Clone)]
pub struct StationInfo {
    pub key: StationKey,
    pub name: String,
    pub location: Option<(f64, f64)>,
    pub source: String,
}

/// One issued forecast of a series: P10/P50/P90 for horizons 1, 2, … days after `origin_day`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    pub station_id: String,
    pub parameter: String,
    pub issued_ms: i64,
    /// Days since 1970-01-01 of the last day of the input window.
    pub origin_day: i64,
    pub model: String,
    pub model_version: String,
    pub backend: String,
    pub climatology: bool,
    pub quantiles: Vec<(f64, f64, f64)>,
}

/// One satellite estimate of one station from one scene by one algorithm.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SatelliteRow {
    pub station_id: String,
    pub scene_id: String,
    /// `nechad2016_s2b4`, `ndti_lacaux2007`, … (sources::satellite::water).
    pub algorithm: String,
    /// `turbidity`, `ndti`, `ndwi`, `ndci`, `chla`.
    pub product: String,
    pub unit: String,
    /// `None`: fewer valid water pixels than required (cloud, shore, no data).
    pub value: Option<f64>,
    pub valid_pixels: i64,
    pub adjacency: bool,
    pub acquired_ms: i64,
    /// Whole-tile cloud cover of the scene, percent.
    pub cloud_cover: Option<f64>,
    pub collection: String,
    pub platform: Option<String>,
    /// The STAC API the scene came from (its host).
    pub catalogue: String,
    pub computed_ms: i64,
}

/// A change to the paired devices.
#[derive(Debug, Clone)]
pub enum DeviceChange {
    Add {
        token_sha256: String,
        name: String,
        at_ms: i64,
    },
    Revoke {
        id: i64,
        at_ms: i64,
    },
}

/// A paired device as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Device {
    pub id: i64,
    #[serde(skip)]
    pub token_sha256: String,
    pub name: String,
    pub paired_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// Packs forecast quantiles as little-endian f64 triples (the `forecast_latest` BLOB).
pub(crate) fn pack_quantiles(q: &[(f64, f64, f64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.len() * 24);
    for (a, b, c) in q {
        for v in [a, b, c] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// The inverse of [`pack_quantiles`]; a trailing partial triple is ignored.
pub(crate) fn unpack_quantiles(blob: &[u8]) -> Vec<(f64, f64, f64)> {
    let f = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    blob.chunks_exact(24)
        .map(|t| (f(&t[0..8]), f(&t[8..16]), f(&t[16..24])))
        .collect()
}

/// Cheap-to-clone handle to the database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Commands for the writer thread; bounded so a flood applies backpressure to ingest.
    tx: mpsc::Sender<writer::Command>,
    readers: reader::Pool,
}

pub const DB_FILE: &str = "purehealth.db";

impl Store {
    /// Opens (creating if needed) `dir/purehealth.db`, migrates it and starts the writer.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        migrations::apply(&mut conn, &path)?;
        let tx = writer::spawn(conn)?;
        Ok(Store {
            inner: Arc::new(Inner {
                readers: reader::Pool::new(path.clone()),
                path,
                tx,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Stores readings in one transaction (grouped with whatever else is queued).
    /// Returns the readings and, per reading, whether it was new (`false` = already stored: a
    /// redelivery).
    pub async fn insert_readings(
        &self,
        readings: Vec<Reading>,
    ) -> Result<(Vec<Reading>, Vec<bool>), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Insert { readings, reply })
            .await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Registers a station, or refreshes its name/location when given.
    pub async fn upsert_station(&self, info: StationInfo) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Station { info, reply }).await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Persists alarm changes (row + event log) in one transaction.
    pub async fn save_alarms(
        &self,
        changes: Vec<(crate::alarms::Alarm, crate::alarms::Event)>,
    ) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Alarms { changes, reply })
            .await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Alarms in `state` (all when None), newest first, at most `limit`.
    pub async fn alarms(
        &self,
        state: Option<&'static str>,
        limit: usize,
    ) -> Result<Vec<crate::alarms::Alarm>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::alarms(c, state, limit))
            .await
    }

    /// Stores issued forecasts in one transaction.
    pub async fn save_forecasts(&self, rows: Vec<ForecastRow>) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Forecasts { rows, reply })
            .await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Stores satellite estimates (a recomputed scene replaces its rows).
    pub async fn save_satellite(&self, rows: Vec<SatelliteRow>) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Satellite { rows, reply })
            .await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// A station's satellite estimates acquired in `[from_ms, to_ms]`, oldest first.
    pub async fn satellite(
        &self,
        station: String,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<SatelliteRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::satellite(c, &station, from_ms, to_ms))
            .await
    }

    /// The scenes already evaluated for a station (the connector skips them).
    pub async fn satellite_scenes(&self, station: String) -> Result<Vec<String>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::satellite_scenes(c, &station))
            .await
    }

    /// Adds or revokes a paired device; returns the device id (0: nothing to revoke).
    pub async fn change_device(&self, change: DeviceChange) -> Result<i64, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::Device { change, reply }).await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Records the criteria profile chosen for a station (`None` clears it); returns whether
    /// the station exists.
    pub async fn set_station_profile(
        &self,
        station: String,
        profile: Option<String>,
    ) -> Result<bool, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(writer::Command::StationProfile {
            station,
            profile,
            reply,
        })
        .await?;
        Ok(rx.await.map_err(|_| StoreError::WriterGone)?? > 0)
    }

    /// The stored 7/30/90-day forecast horizons of a series (for verification).
    pub async fn forecast_history(
        &self,
        station: String,
        parameter: String,
    ) -> Result<Vec<reader::ForecastHistoryRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::forecast_history(c, &station, &parameter))
            .await
    }

    /// Every paired device, revoked ones included.
    pub async fn devices(&self) -> Result<Vec<Device>, StoreError> {
        self.inner.readers.run(reader::devices).await
    }

    /// The newest forecast of one series, if any.
    pub async fn latest_forecast(
        &self,
        station: String,
        parameter: String,
    ) -> Result<Option<ForecastRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::latest_forecast(c, &station, &parameter))
            .await
    }

    /// Daily means of usable readings of one series for days in `[from_day, to_day]`.
    pub async fn daily(
        &self,
        station: String,
        parameter: String,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<reader::DailyRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::daily(c, &station, &parameter, from_day, to_day))
            .await
    }

    /// Daily rows of each of `keys` (station, parameter), in order, read in one blocking call.
    pub async fn daily_many(
        &self,
        keys: Vec<(String, String)>,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<Vec<reader::DailyRow>>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::daily_many(c, &keys, from_day, to_day))
            .await
    }

    /// Hourly (start ms, count, mean, min, max) of usable readings of one series.
    pub async fn hourly(
        &self,
        station: String,
        parameter: String,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<reader::HourRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::hourly(c, &station, &parameter, from_ms, to_ms))
            .await
    }

    /// Every (station, parameter) that has readings.
    pub async fn series_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.readers.run(reader::series_keys).await
    }

    /// The highest alarm id ever stored (ids keep increasing across restarts).
    pub async fn max_alarm_id(&self) -> Result<i64, StoreError> {
        self.inner.readers.run(reader::max_alarm_id).await
    }

    async fn send(&self, cmd: writer::Command) -> Result<(), StoreError> {
        self.inner
            .tx
            .send(cmd)
            .await
            .map_err(|_| StoreError::WriterGone)
    }

    pub async fn stations(&self) -> Result<Vec<StationRow>, StoreError> {
        self.inner.readers.run(reader::stations).await
    }

    /// The newest reading of every station and parameter (per source priority: newest wins).
    pub async fn latest(&self) -> Result<Vec<LatestRow>, StoreError> {
        self.inner.readers.run(reader::latest).await
    }

    /// The newest value of every series (parameter × source) of one station.
    pub async fn latest_of(&self, station: String) -> Result<Vec<LatestRow>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::latest_of(c, &station))
            .await
    }

    /// Points of one series in `[from, to]` (unix ms), oldest first, at most `limit`.
    pub async fn series(
        &self,
        station: String,
        parameter: String,
        from_ms: i64,
        to_ms: i64,
        limit: usize,
    ) -> Result<Vec<Point>, StoreError> {
        self.inner
            .readers
            .run(move |c| reader::series(c, &station, &parameter, from_ms, to_ms, limit))
            .await
    }

    /// Monthly statistics of usable readings per series (climatology seed).
    pub async fn monthly(&self) -> Result<Vec<reader::MonthlyRow>, StoreError> {
        self.inner.readers.run(reader::monthly).await
    }

    pub async fn reading_count(&self) -> Result<i64, StoreError> {
        self.inner.readers.run(reader::reading_count).await
    }
}

/// Per-connection settings (stack.md §7).
pub(crate) fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 67108864;",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecast(issued_ms: i64, origin_day: i64, base: f64) -> ForecastRow {
        ForecastRow {
            station_id: "s1".into(),
            parameter: "temperature".into(),
            issued_ms,
            origin_day,
            model: "forecast_temperature".into(),
            model_version: "1.2.0".into(),
            backend: "tract".into(),
            climatology: true,
            quantiles: (1..=90)
                .map(|h| {
                    (
                        base + h as f64,
                        base + h as f64 + 0.5,
                        base + h as f64 + 1.0,
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn quantiles_survive_packing() {
        let q = vec![(1.5, -2.25, f64::MAX), (0.0, 1e-300, 7.0)];
        assert_eq!(unpack_quantiles(&pack_quantiles(&q)), q);
        assert!(unpack_quantiles(&[1, 2, 3]).is_empty());
    }

    #[tokio::test]
    async fn newest_forecast_keeps_every_horizon_and_history_keeps_one_per_origin_day() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .save_forecasts(vec![forecast(1_000, 100, 0.0)])
            .await
            .unwrap();
        // Re-issued the same day, then the next day.
        store
            .save_forecasts(vec![forecast(2_000, 100, 10.0)])
            .await
            .unwrap();
        store
            .save_forecasts(vec![forecast(3_000, 101, 20.0)])
            .await
            .unwrap();
        let latest = store
            .latest_forecast("s1".into(), "temperature".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest, forecast(3_000, 101, 20.0));
        let history: Vec<(i64, i64, f64)> = store
            .inner
            .readers
            .run(|c| {
                let mut s = c.prepare(
                    "SELECT origin_day, horizon, p50 FROM forecast ORDER BY origin_day, horizon",
                )?;
                let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect()
            })
            .await
            .unwrap();
        assert_eq!(
            history,
            vec![
                (100, 7, 17.5),
                (100, 30, 40.5),
                (100, 90, 100.5),
                (101, 7, 27.5),
                (101, 30, 50.5),
                (101, 90, 110.5),
            ]
        );
        assert!(
            store
                .latest_forecast("s1".into(), "oxygen".into())
                .await
                .unwrap()
                .is_none()
        );
    }
}
