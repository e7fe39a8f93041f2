//! Historical backfill (`purehealth backfill`, `POST /api/backfill`) and file import of NWMP /
//! MPCB station tables (`purehealth import`, `POST /api/import`).
//!
//! A backfill is cut into chunks (a parameter's `year.json` for CPCB, a 7-day window for CWC,
//! whose unfiltered queries time out, a 30-day window for the Open-Meteo archive). Each finished
//! chunk is recorded in a checkpoint file under the data directory, so an interrupted job
//! resumes where it stopped. Rows go through the history path: units, QC, storage, and the
//! newest value restored silently (no alert storm from old data).

use super::http::HttpClient;
use super::runner::{SourceError, to_reading};
use super::settings::SourceConfig;
use super::types::Observation;
use super::{cpcb, cwc, nwmp, openmeteo};
use crate::pipeline::Core;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;
use thiserror::Error;

/// RTWQMS parameter codes a CPCB backfill fetches when none are named.
pub const CPCB_CODES: [&str; 12] = [
    "pH", "DO", "BOD", "COD", "TOC", "NO3", "CL", "WT", "EC", "WTb", "S", "Depth",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub source: String,
    pub station: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// CPCB parameter codes (`DO`, `EC`); empty = all.
    pub parameters: Vec<String>,
}

/// Progress of a job, reported after every chunk.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub job: String,
    pub done: usize,
    pub total: usize,
    /// Chunks skipped because an earlier run finished them.
    pub resumed: usize,
    pub readings: usize,
    pub new: usize,
    pub current: String,
    pub finished: bool,
    pub failed_chunks: Vec<String>,
    /// Parameters the station has no history for (HTTP 404 on a plain CPCB backfill).
    pub absent: Vec<String>,
}

#[derive(Debug, Error)]
pub enum BackfillError {
    #[error("{0}")]
    Invalid(String),
    #[error("the {0} connector is not configured with a base URL (see [sources.{0}])")]
    NotConfigured(String),
    #[error("station `{0}` has no location: the Open-Meteo archive needs one")]
    NoLocation(String),
    #[error("cannot write the checkpoint {path}: {source}")]
    Checkpoint {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Job {
    /// A stable key for the checkpoint file and progress frames.
    pub fn key(&self) -> String {
        let mut p = self.parameters.clone();
        p.sort();
        format!(
            "{}-{}-{}-{}{}",
            self.source,
            self.station
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
            self.from,
            self.to,
            if p.is_empty() {
                String::new()
            } else {
                format!("-{}", p.join("_"))
            }
        )
    }

    /// Checks the job's arguments; the error names the bad one.
    pub fn validate(&self) -> Result<(), BackfillError> {
        if !matches!(self.source.as_str(), "cpcb" | "cwc" | "openmeteo") {
            return Err(BackfillError::Invalid(format!(
                "source: `{}` has no history API here (cpcb, cwc, openmeteo)",
                self.source.chars().take(20).collect::<String>()
            )));
        }
        if crate::model::StationKey::normalise(&self.station).is_none() {
            return Err(BackfillError::Invalid(format!(
                "station: `{}` is not a station id",
                self.station.chars().take(64).collect::<String>()
            )));
        }
        if self.from > self.to {
            return Err(BackfillError::Invalid(format!(
                "from {} is after to {}",
                self.from, self.to
            )));
        }
        if (self.to - self.from).num_days() > 366 * 20 {
            return Err(BackfillError::Invalid(
                "the window is longer than 20 years".into(),
            ));
        }
        if !self.parameters.is_empty() && self.source != "cpcb" {
            return Err(BackfillError::Invalid(format!(
                "parameter: only a cpcb backfill takes parameter codes ({} fetches what it has)",
                self.source
            )));
        }
        for p in &self.parameters {
            if cpcb::parameter_of(p).is_none() {
                return Err(BackfillError::Invalid(format!(
                    "parameter: `{}` is not an RTWQMS code ({})",
                    p.chars().take(20).collect::<String>(),
                    CPCB_CODES.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The chunks of the job: (id, URL).
    fn chunks(
        &self,
        cfg: &SourceConfig,
        location: Option<(f64, f64)>,
    ) -> Result<Vec<(String, String)>, BackfillError> {
        let mut out = Vec::new();
        match self.source.as_str() {
            "cpcb" => {
                let codes: Vec<&str> = if self.parameters.is_empty() {
                    CPCB_CODES.to_vec()
                } else {
                    self.parameters.iter().map(String::as_str).collect()
                };
                for c in codes {
                    out.push((
                        c.to_string(),
                        cpcb::year_url(&cfg.base_url, &self.station, c),
                    ));
                }
            }
            "cwc" => {
                let mut d = self.from;
                while d <= self.to {
                    let end = (d + chrono::Duration::days(6)).min(self.to);
                    let from = d.and_time(NaiveTime::MIN);
                    let to = end.and_hms_opt(23, 59, 59).unwrap_or(from);
                    out.push((
                        d.to_string(),
                        cwc::history_url(&cfg.base_url, &self.station, "HHS", from, to),
                    ));
                    d = end + chrono::Duration::days(1);
                }
            }
            _ => {
                let point =
                    location.ok_or_else(|| BackfillError::NoLocation(self.station.clone()))?;
                let mut d = self.from;
                while d <= self.to {
                    let end = (d + chrono::Duration::days(29)).min(self.to);
                    out.push((
                        d.to_string(),
                        openmeteo::archive_url(&cfg.archive_base_url, point, d, end),
                    ));
                    d = end + chrono::Duration::days(1);
                }
            }
        }
        Ok(out)
    }

    fn parse(
        &self,
        chunk: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Vec<Observation>, SourceError> {
        let obs = match self.source.as_str() {
            "cpcb" => cpcb::parse_year(body, &self.station, chunk)?.items,
            "cwc" => match cwc::parse_levels(body) {
                Ok(p) => p.items,
                Err(super::types::ParseError::Empty) => Vec::new(),
                Err(e) => return Err(e.into()),
            },
            _ => {
                let (series, _) = openmeteo::parse(body)?;
                series
                    .iter()
                    .flat_map(|s| openmeteo::observations(s, &self.station, now))
                    .collect()
            }
        };
        // Days are the agency's: IST for the Indian sources, UTC for the Open-Meteo archive.
        let zone = match self.source.as_str() {
            "openmeteo" => chrono::FixedOffset::east_opt(0).unwrap_or(super::lenient::ist()),
            _ => super::lenient::ist(),
        };
        let at = |d: NaiveDate| {
            zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
        };
        let (start, end) = (at(self.from), at(self.to + chrono::Duration::days(1)));
        Ok(obs
            .into_iter()
            .filter(|o| o.observed_at >= start && o.observed_at < end)
            .collect())
    }
}

fn checkpoint_path(core: &Core, job: &Job) -> PathBuf {
    let dir = core
        .store
        .path()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    dir.join("backfill").join(format!("{}.json", job.key()))
}

fn load_checkpoint(path: &PathBuf) -> BTreeSet<String> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<String>>(&b).ok())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

fn save_checkpoint(path: &PathBuf, done: &BTreeSet<String>) -> Result<(), BackfillError> {
    let err = |source| BackfillError::Checkpoint {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    // Written whole then renamed: a crash leaves the old checkpoint, never half a file.
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::to_vec(&done.iter().collect::<Vec<_>>()).unwrap_or_default();
    std::fs::write(&tmp, body).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Runs (or resumes) a backfill. `on_progress` is called after every chunk.
pub async fn run(
    job: &Job,
    cfg: &SourceConfig,
    core: &Core,
    on_progress: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<Progress, BackfillError> {
    job.validate()?;
    let http = HttpClient::new(cfg.http.clone()).map_err(SourceError::from)?;
    let location = core.station_json(&job.station).and_then(|s| {
        Some((
            s["location"]["lat"].as_f64()?,
            s["location"]["lon"].as_f64()?,
        ))
    });
    let chunks = job.chunks(cfg, location)?;
    let path = checkpoint_path(core, job);
    let mut done = load_checkpoint(&path);
    let mut p = Progress {
        job: job.key(),
        total: chunks.len(),
        ..Default::default()
    };
    let provenance = match job.source.as_str() {
        "cpcb" => cpcb::SOURCE,
        "cwc" => cwc::SOURCE,
        _ => openmeteo::SOURCE,
    };
    for (id, url) in chunks {
        p.current = id.clone();
        if done.contains(&id) {
            p.done += 1;
            p.resumed += 1;
            continue;
        }
        let now = Utc::now();
        let result = match http.get(&url, &[]).await {
            Ok(r) => job.parse(&id, &r.body, now),
            // A station that does not measure a parameter has no history for it: nothing to
            // fetch, not a failure (a plain CPCB backfill asks for every code).
            Err(super::http::FetchError::Status { status: 404, .. })
                if job.source == "cpcb" && job.parameters.is_empty() =>
            {
                p.absent.push(id.clone());
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        };
        match result {
            Ok(obs) => {
                let readings: Vec<_> = obs
                    .iter()
                    .filter_map(|o| to_reading(o, provenance, now).ok())
                    .collect();
                p.readings += readings.len();
                p.new += core.import_history(readings).await?;
                done.insert(id.clone());
                save_checkpoint(&path, &done)?;
            }
            Err(e) => {
                tracing::warn!(job = %p.job, chunk = %id, error = %e, "backfill chunk failed");
                p.failed_chunks.push(format!("{id}: {e}"));
            }
        }
        p.done += 1;
        on_progress(&p);
    }
    p.finished = true;
    on_progress(&p);
    Ok(p)
}

/// Imports an NWMP / MPCB station table (CSV, optionally gzipped): stations registered with their
/// river and state, values through the history path. Returns (report, new readings).
pub async fn import_file(
    core: &Core,
    bytes: &[u8],
    label: &str,
) -> Result<(nwmp::ImportReport, usize), String> {
    // A gzipped table (the bundled NDAP export is one) is read as the CSV inside.
    let unzipped;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
            .map_err(|e| format!("not a readable gzip file: {e}"))?;
        unzipped = out;
        &unzipped[..]
    } else {
        bytes
    };
    let report = nwmp::import(bytes, label).map_err(|e| e.to_string())?;
    let now = Utc::now();
    for s in &report.stations {
        // A station the hub already knows keeps its name and source; the table only adds data.
        if core.resolve(&s.id).is_some() {
            continue;
        }
        if let Some(key) = crate::model::StationKey::normalise(&s.id) {
            core.register_station(crate::store::StationInfo {
                key,
                name: s.name.clone(),
                location: s.lat.zip(s.lon),
                source: label.to_string(),
            })
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    core.sources.remember_stations_from(label, &report.stations);
    let readings: Vec<_> = report
        .observations
        .iter()
        .filter_map(|o| to_reading(o, label, now).ok())
        .collect();
    let new = core
        .import_history(readings)
        .await
        .map_err(|e| e.to_string())?;
    Ok((report, new))
}
