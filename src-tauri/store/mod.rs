//! The local SQLite cache: one writer thread with group commit, read connections that never
//! block it (WAL), versioned migrations. Everything the hub reports is read back from here
//! after a restart, so nothing accepted is lost to a crash or `kill -9`.

mod migrations;
mod reader;
mod writer;

pub use reader::{DailyRow, LatestRow, Point, StationRow};

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
