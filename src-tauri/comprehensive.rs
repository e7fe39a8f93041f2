//! The original spec's unified call: everything known about one station (water quality, level
//! and discharge, weather and rainfall), each field with its source, connector, observation
//! time, fetch time and freshness; and the river and district summaries MPCB's portal offered
//! (`get_river_data`, `get_district_summary`) over whatever sources hold data.

use crate::error::CommandError;
use crate::model::{Parameter, QcFlag, SourceKind, fmt_time};
use crate::pipeline::Core;
use crate::priority::{fresh_for, rank};
use crate::store::LatestRow;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Which block of the unified view a parameter belongs to.
fn group(p: Parameter) -> &'static str {
    match p {
        Parameter::WaterLevel
        | Parameter::GaugeHeight
        | Parameter::Discharge
        | Parameter::Depth => "hydrology",
        Parameter::Rainfall | Parameter::AirTemperature | Parameter::Humidity => "weather",
        Parameter::Battery => "device",
        _ => "water_quality",
    }
}

/// One field: the value in force among the series' sources (fresh and usable values first, then
/// by source priority, then the newest), with every source listed.
fn field(p: Parameter, rows: &[&LatestRow], now: DateTime<Utc>, expected_s: f64) -> Value {
    let age = |r: &LatestRow| (now.timestamp_millis() - r.ts_ms) as f64 / 1e3;
    let kind = |r: &LatestRow| SourceKind::parse(&r.source).unwrap_or(SourceKind::Api);
    let fresh = |r: &LatestRow| age(r) <= fresh_for(kind(r), expected_s);
    let usable = |r: &LatestRow| QcFlag::from_code(r.qc).usable();
    let mut order: Vec<&LatestRow> = rows.to_vec();
    order.sort_by_key(|r| {
        (
            !(fresh(r) && usable(r)),
            rank(kind(r)),
            std::cmp::Reverse(r.ts_ms),
        )
    });
    let entry = |r: &LatestRow| {
        let (connector, note) = split_provenance(r.provenance.as_deref());
        json!({
            "value": crate::live::finite(r.value),
            "unit": r.unit,
            "source": r.source,
            "connector": connector,
            "note": note,
            "qc": QcFlag::from_code(r.qc).code(),
            "observed_at": fmt_time(crate::live::from_ms(r.ts_ms)),
            "fetched_at": fmt_time(crate::live::from_ms(r.received_ms)),
            "age_s": age(r).round(),
            "fresh": fresh(r),
            // Open-Meteo values come from weather and hydrological models, not instruments.
            "measured": kind(r) != SourceKind::MlFallback
                && !r.provenance.as_deref().is_some_and(|p| p.starts_with("openmeteo")),
        })
    };
    let best = order.first().map(|r| entry(r)).unwrap_or(Value::Null);
    let mut out = json!({
        "parameter": p.as_str(),
        "label": p.label(),
        "sources": order.iter().map(|r| entry(r)).collect::<Vec<_>>(),
    });
    if let (Value::Object(o), Value::Object(b)) = (&mut out, best) {
        o.extend(b);
    }
    out
}

/// `cpcb_rtwqms; note` → ("cpcb_rtwqms", Some("note")); sensor rows have none.
fn split_provenance(p: Option<&str>) -> (Option<String>, Option<String>) {
    match p {
        None => (None, None),
        Some(s) => match s.split_once("; ") {
            Some((c, n)) => (Some(c.to_string()), Some(n.to_string())),
            None => (Some(s.to_string()), None),
        },
    }
}

impl Core {
    /// `GET /api/stations/{id}/comprehensive` (Tauri `station_comprehensive`).
    pub async fn comprehensive_json(&self, raw_id: &str) -> Result<Value, CommandError> {
        let key = self
            .resolve(raw_id)
            .ok_or_else(|| CommandError::UnknownStation(raw_id.chars().take(64).collect()))?;
        let rows = self.store.latest_of(key.id.clone()).await?;
        let now = Utc::now();
        let (summary, expected_s) = {
            let live = self.live();
            let st = live.get(&key.id);
            (
                st.map(|s| s.summary_json()).unwrap_or(Value::Null),
                st.map_or(300.0, |s| s.expected_interval_s),
            )
        };
        let mut blocks: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
        let mut params: Vec<Parameter> = rows
            .iter()
            .filter_map(|r| Parameter::parse(&r.parameter))
            .collect();
        params.sort();
        params.dedup();
        for p in params {
            let of_p: Vec<&LatestRow> = rows
                .iter()
                .filter(|r| Parameter::parse(&r.parameter) == Some(p))
                .collect();
            blocks
                .entry(group(p))
                .or_default()
                .push(field(p, &of_p, now, expected_s));
        }
        let flood = self.sources.flood_status(&key.id, &rows);
        let meta = self.sources.station_meta(&key.id);
        let bulletins = meta
            .as_ref()
            .and_then(|m| m.district.as_deref())
            .and_then(|d| self.sources.bulletins(d));
        let block = |name: &str| Value::Array(blocks.get(name).cloned().unwrap_or_default());
        Ok(json!({
            "station_id": key.id,
            "station": summary,
            "metadata": meta,
            "generated_at": fmt_time(now),
            "water_quality": block("water_quality"),
            "hydrology": block("hydrology"),
            "flood": flood,
            "weather": block("weather"),
            "district_bulletins": bulletins,
            "device": block("device"),
            "connectors": self.sources.to_json(now),
        }))
    }

    /// The station catalogue search (`GET /api/catalogue`, Tauri `catalogue`).
    pub fn catalogue_json(
        &self,
        text: Option<String>,
        state: Option<String>,
        river: Option<String>,
        limit: Option<usize>,
    ) -> Result<Value, CommandError> {
        let limit = limit.unwrap_or(100);
        if limit > 5000 {
            return Err(CommandError::BadRequest(format!(
                "limit: {limit} is more than 5000"
            )));
        }
        let clip = |s: Option<String>| s.map(|s| s.chars().take(100).collect::<String>());
        let q = crate::sources::catalogue::Query {
            text: clip(text),
            state: clip(state),
            river: clip(river),
            limit,
        };
        let live = self.live();
        Ok(self.sources.catalogue_json(&q, |id| live.get(id).is_some()))
    }

    /// Stations whose metadata (catalogue or a source's station list) names `river` (or
    /// `district`, or `state`), with their status and key values: the original
    /// `get_river_data(river)` and `get_district_summary(district)`.
    pub fn area_summary_json(&self, field: &str, name: &str) -> Result<Value, CommandError> {
        let wanted = name.trim().to_lowercase();
        if wanted.is_empty() || wanted.len() > 100 {
            return Err(CommandError::BadRequest(format!(
                "{field}: give a name of 1 to 100 characters"
            )));
        }
        let ids = self.sources.stations_where(field, &wanted);
        let live = self.live();
        let now = Utc::now();
        let mut stations = Vec::new();
        let (mut ok, mut warning, mut critical, mut offline, mut no_data) = (0, 0, 0, 0, 0);
        let mut wqi = Vec::new();
        for (id, meta) in &ids {
            match live.get(id) {
                Some(st) => {
                    let s = st.summary_json();
                    match (s["online"].as_bool(), s["alert_level"].as_str()) {
                        (Some(false), _) => offline += 1,
                        (_, Some("critical")) => critical += 1,
                        (_, Some("warning")) => warning += 1,
                        _ => ok += 1,
                    }
                    if let Some(w) = s["wqi"].as_f64() {
                        wqi.push(w);
                    }
                    stations.push(json!({"metadata": meta, "station": s}));
                }
                None => {
                    no_data += 1;
                    stations.push(json!({"metadata": meta, "station": null}));
                }
            }
        }
        if ids.is_empty() {
            return Err(CommandError::NotFound(format!(
                "no station on record for {field} `{}`",
                name.chars().take(100).collect::<String>()
            )));
        }
        let mean_wqi = (!wqi.is_empty()).then(|| wqi.iter().sum::<f64>() / wqi.len() as f64);
        Ok(json!({
            field: name,
            "generated_at": fmt_time(now),
            "stations_total": ids.len(),
            "counts": {"ok": ok, "warning": warning, "critical": critical, "offline": offline, "no_data": no_data},
            "mean_wqi": mean_wqi,
            "worst_wqi": wqi.iter().copied().fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v)))),
            "stations": stations,
        }))
    }
}

impl Core {
    /// Starts a backfill in the background (`POST /api/backfill`);
    /// progress goes out as `backfill_progress` frames to the station's subscribers.
    pub fn start_backfill(
        &self,
        job: crate::sources::backfill::Job,
    ) -> Result<Value, CommandError> {
        job.validate()
            .map_err(|e| CommandError::BadRequest(e.to_string()))?;
        let cfg = self.sources.config(&job.source).ok_or_else(|| {
            CommandError::BadRequest(format!("source `{}` is not configured", job.source))
        })?;
        let key = job.key();
        if !self.sources.try_start_job(&key) {
            return Err(CommandError::Conflict(format!(
                "backfill {key} is already running"
            )));
        }
        let core = self.clone();
        tokio::spawn(async move {
            let station = job.station.clone();
            let report = |p: &crate::sources::backfill::Progress| {
                core.sources.job_progress(p);
                let mut frame = serde_json::to_value(p).unwrap_or_default();
                frame["type"] = json!("backfill_progress");
                frame["station_id"] = json!(station);
                core.broadcast(station.clone(), frame.to_string());
            };
            if let Err(e) = crate::sources::backfill::run(&job, &cfg, &core, &report).await {
                tracing::warn!(job = %job.key(), error = %e, "backfill failed");
                let p = crate::sources::backfill::Progress {
                    job: job.key(),
                    finished: true,
                    failed_chunks: vec![e.to_string()],
                    ..Default::default()
                };
                report(&p);
            }
        });
        Ok(json!({"job": key, "state": "started"}))
    }

    /// Imports an NWMP / MPCB station table (`POST /api/import`, `purehealth import`).
    pub async fn import_table(&self, bytes: &[u8], label: &str) -> Result<Value, CommandError> {
        let label = label.trim();
        if label.is_empty()
            || label.len() > 40
            || !label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(CommandError::BadRequest(format!(
                "label: `{}` must be 1-40 letters, digits, _ or -",
                label.chars().take(40).collect::<String>()
            )));
        }
        let (report, new) = crate::sources::backfill::import_file(self, bytes, label)
            .await
            .map_err(CommandError::BadRequest)?;
        Ok(json!({
            "layout": report.layout,
            "rows": report.rows,
            "stations": report.stations.len(),
            "observations": report.observations.len(),
            "new": new,
            "skipped": report.skipped,
        }))
    }
}

impl Core {
    /// `GET /api/profiles`: the criteria profiles a station can be graded under.
    pub fn profiles_json(&self) -> Value {
        let cat = crate::profiles::Catalogue::bundled();
        let mut out: Vec<Value> = cat
            .ids()
            .filter_map(|id| cat.get(id))
            .map(|p| {
                json!({"id": p.id, "name": p.name, "document": p.document,
                       "designated_use": p.designated_use, "class": p.class})
            })
            .collect();
        // The original table is the default: first, and listed even if the data lacks it.
        match out
            .iter()
            .position(|p| p["id"] == crate::quality::LEGACY_PROFILE)
        {
            Some(i) => {
                let legacy = out.remove(i);
                out.insert(0, legacy);
            }
            None => out.insert(
                0,
                json!({"id": crate::quality::LEGACY_PROFILE,
                       "name": "Original Pure Health thresholds (spec phase 6)",
                       "document": "phase6-realtime.md", "designated_use": "default",
                       "class": null}),
            ),
        }
        Value::Array(out)
    }

    /// `POST /api/stations/{id}/profile` `{"profile": id}`: grades the station under another
    /// criteria profile from now on, and remembers the choice across restarts.
    pub async fn set_station_profile(
        &self,
        raw_id: &str,
        profile: &str,
    ) -> Result<Value, CommandError> {
        let key = self
            .resolve(raw_id)
            .ok_or_else(|| CommandError::UnknownStation(raw_id.chars().take(64).collect()))?;
        let known = profile == crate::quality::LEGACY_PROFILE
            || crate::profiles::Catalogue::bundled().get(profile).is_some();
        if !known {
            let ids: Vec<&str> = crate::profiles::Catalogue::bundled().ids().collect();
            return Err(CommandError::BadRequest(format!(
                "profile: `{}` is not a known profile ({}, {})",
                profile.chars().take(60).collect::<String>(),
                crate::quality::LEGACY_PROFILE,
                ids.join(", ")
            )));
        }
        // Stored first: the choice a client sees is one a restart keeps.
        self.store
            .set_station_profile(key.id.clone(), Some(profile.to_string()))
            .await?;
        let frame = {
            let mut live = self.live();
            live.set_profile(&key, profile);
            live.get(&key.id).map(|st| st.summary_json())
        };
        let summary = frame.unwrap_or(Value::Null);
        self.broadcast(
            key.id.clone(),
            json!({"type": "station_profile", "station_id": key.id, "profile": profile,
                   "station": summary})
            .to_string(),
        );
        Ok(summary)
    }
}
