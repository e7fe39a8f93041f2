//! What every connector's parser produces: observations, stations and a report of how the
//! payload's shape differed from what the parser expects (schema drift).

use crate::model::Parameter;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use thiserror::Error;

/// One value a connector read, before QC and unit normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Station id as the source names it (CPCB `station_no` such as `UT67`, CWC `032-LGDHYD`).
    pub station: String,
    pub parameter: Parameter,
    /// The agency's observation time, in UTC (naive IST already converted).
    pub observed_at: DateTime<Utc>,
    pub value: f64,
    /// The unit the value is really in (after any documented label correction).
    pub unit: String,
    /// The unit label as published, kept for provenance.
    pub raw_unit: String,
    /// Provenance note when the connector corrected something (e.g. a wrong unit label).
    pub note: Option<String>,
}

/// Station metadata a source publishes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceStation {
    pub id: String,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub river: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub basin: Option<String>,
}

/// How a payload's shape differed from the expected one. Empty means "as expected".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Expected fields absent from the records (`ts_value`).
    pub missing: BTreeSet<String>,
    /// Fields the parser does not know (ignored, but reported).
    pub unknown: BTreeSet<String>,
    /// Fields whose JSON type changed (`ts_value: number → string`).
    pub changed: BTreeSet<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unknown.is_empty() && self.changed.is_empty()
    }

    /// Whether the drift stops the data from being read (a required field went missing or
    /// changed type); unknown extra fields alone do not.
    pub fn is_breaking(&self) -> bool {
        !self.missing.is_empty() || !self.changed.is_empty()
    }

    pub fn merge(&mut self, other: Drift) {
        self.missing.extend(other.missing);
        self.unknown.extend(other.unknown);
        self.changed.extend(other.changed);
    }

    /// One line for health and logs: `missing: ts_value; unknown: foo, bar`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (label, set) in [
            ("missing", &self.missing),
            ("changed type", &self.changed),
            ("unknown", &self.unknown),
        ] {
            if !set.is_empty() {
                let v: Vec<&str> = set.iter().map(String::as_str).take(8).collect();
                let more = if set.len() > 8 {
                    format!(" (+{} more)", set.len() - 8)
                } else {
                    String::new()
                };
                parts.push(format!("{label}: {}{more}", v.join(", ")));
            }
        }
        parts.join("; ")
    }
}

/// A parser's result: what it could read, the drift it saw and why records were skipped.
#[derive(Debug, Clone, Default)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub drift: Drift,
    /// One short reason per skipped record (`UT67/EC: value "NA"`), capped by the parser.
    pub skipped: Vec<String>,
}

impl<T> Parsed<T> {
    pub fn new() -> Self {
        Parsed {
            items: Vec::new(),
            drift: Drift::default(),
            skipped: Vec::new(),
        }
    }

    /// Records a skipped record, keeping at most 50 reasons.
    pub fn skip(&mut self, reason: impl Into<String>) {
        if self.skipped.len() < 50 {
            self.skipped.push(reason.into());
        }
    }
}

/// Why a payload could not be read at all.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum ParseError {
    #[error("HTML page where JSON was expected ({0})")]
    Html(String),
    #[error("truncated JSON: {0}")]
    Truncated(String),
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("unexpected shape: expected {expected}, found {found}")]
    Shape { expected: String, found: String },
    #[error("no records")]
    Empty,
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Invalid(String),
}
