//! The prediction cycle: forecast every series that has a model and fresh data, store the
//! forecasts, announce them (`prediction_update`) and keep forecast-exceedance alarms current.
//! Runs from the orchestrator's prediction loop; inference happens on a blocking thread.

use crate::error::CommandError;
use crate::forecast::daily::{DailySeries, date_of};
use crate::forecast::{Forecast, ForecastError, Models};
use crate::live::finite;
use crate::model::{Parameter, fmt_time};
use crate::pipeline::Core;
use crate::quality::Level;
use crate::store::ForecastRow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Days of history read per series (the model's climatology uses the station's whole past).
const HISTORY_DAYS: i64 = 3 * 366;
/// No forecast from data whose last day is older than this: the origin would be stale.
const MAX_DATA_AGE_DAYS: i64 = 7;
/// Daily means sent with a forecast for plotting (the model's input window).
const OBSERVED_DAYS: i64 = 60;
/// Series read from SQLite per step of the cycle's read/inference pipeline.
const CHUNK: usize = 250;

/// Forecast-exceedance rule: dissolved oxygen below 4 mg/L (the CPCB class C/D limit) expected
/// within 7 days: the P10 below it raises the alarm. A prediction is capped at warning
/// (domain.md §14); the value reported is the median when even that is below the limit.
pub const DO_RULE: &str = "forecast.do_below_4_within_7d";
pub const DO_LIMIT: f64 = 4.0;
pub const DO_WITHIN_DAYS: usize = 7;

/// Measured P10–P90 coverage of the shipped models on held-out sites (model card).
const HELDOUT: &str = include_str!("../models/backtest_heldout.json");

/// Forecasting state shared by the loop, the hub and the window.
#[derive(Default)]
pub struct Forecasting {
    models: OnceLock<Arc<Models>>,
    status: Mutex<Status>,
}

#[derive(Default, Clone)]
struct Status {
    load_error: Option<String>,
    last_cycle: Option<DateTime<Utc>>,
    last_duration_ms: Option<f64>,
    stations: usize,
    series: usize,
    cycles: u64,
    last_error: Option<String>,
}

impl Forecasting {
    pub fn install(&self, models: Result<Models, ForecastError>) {
        match models {
            Ok(m) => {
                tracing::info!(backend = m.backend.name(), "forecast models loaded");
                let _ = self.models.set(Arc::new(m));
            }
            Err(e) => {
                tracing::error!(error = %e, "forecasts disabled");
                self.status().load_error = Some(e.to_string());
            }
        }
    }

    pub fn models(&self) -> Option<&Arc<Models>> {
        self.models.get()
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `forecast` block of `/health`.
    pub fn health_json(&self) -> Value {
        let st = self.status().clone();
        let models = self.models().map(|m| {
            m.specs()
                .map(|s| json!({"parameter": s.parameter, "name": s.name, "version": s.version}))
                .collect::<Vec<_>>()
        });
        json!({
            "backend": self.models().map(|m| m.backend.name()),
            "engine": self.models().map(|m| &m.backend),
            "models": models,
            "load_error": st.load_error,
            "last_cycle": st.last_cycle.map(fmt_time),
            "last_cycle_ms": st.last_duration_ms,
            "stations_forecast": st.stations,
            "series_forecast": st.series,
            "cycles": st.cycles,
            "last_error": st.last_error,
        })
    }
}

/// Held-out P10–P90 coverage of a model at a horizon, if it was measured.
fn measured_coverage(model_parameter: &str, horizon: usize) -> Option<f64> {
    static TABLE: OnceLock<Vec<(String, usize, f64)>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let v: Value = serde_json::from_str(HELDOUT).unwrap_or(Value::Null);
            v["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["site"] == "ALL" && r["method"] == "model")
                .filter_map(|r| {
                    Some((
                        r["parameter"].as_str()?.to_string(),
                        r["horizon"].as_u64()? as usize,
                        r["coverage_p10_p90"].as_f64()?,
                    ))
                })
                .collect()
        })
        .iter()
        .find(|(p, h, _)| p == model_parameter && *h == horizon)
        .map(|(_, _, c)| *c)
}

fn model_parameter(p: Parameter) -> &'static str {
    match p {
        Parameter::DissolvedOxygen => "oxygen",
        Parameter::Chlorophyll => "chla",
        _ => "temperature",
    }
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CycleReport {
    pub series: usize,
    pub stations: usize,
    pub skipped: usize,
    pub alarms: usize,
}

impl Core {
    /// One prediction cycle over every series with a model. `now` is the issue time.
    ///
    /// Daily rollups are read in chunks on a reader thread while the previous chunk runs
    /// through the model on a blocking thread; frames are serialised after the live state's
    /// lock is released.
    pub async fn forecast_cycle(&self, now: DateTime<Utc>) -> Result<CycleReport, CommandError> {
        let Some(models) = self.forecasting.models().cloned() else {
            return Ok(CycleReport::default());
        };
        let started = std::time::Instant::now();
        let today = now.timestamp_millis().div_euclid(86_400_000);
        let wanted: Vec<Parameter> = models.parameters().collect();
        let mut skipped = 0;
        let keys: Vec<(String, Parameter)> = self
            .store
            .series_keys()
            .await?
            .into_iter()
            .filter_map(|(s, p)| {
                let p = Parameter::parse(&p).filter(|p| wanted.contains(p))?;
                Some((s, p))
            })
            .collect();
        let mut tasks = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let all_days = self
                .store
                .daily_many(
                    chunk
                        .iter()
                        .map(|(s, p)| (s.clone(), p.as_str().to_string()))
                        .collect(),
                    today - HISTORY_DAYS,
                    today,
                )
                .await?;
            let mut inputs = Vec::with_capacity(chunk.len());
            for ((station, p), days) in chunk.iter().zip(all_days) {
                match DailySeries::from_days(days.iter().map(|d| (d.day, d.mean))) {
                    Some(s) if today - s.last_day() <= MAX_DATA_AGE_DAYS => {
                        inputs.push((station.clone(), *p, s))
                    }
                    _ => skipped += 1,
                }
            }
            let m = models.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                inputs
                    .into_iter()
                    .map(|(station, p, s)| {
                        let f = m.forecast(p, &s);
                        (station, p, s, f)
                    })
                    .collect::<Vec<_>>()
            }));
        }

        let backend = models.backend.name().to_string();
        let mut rows = Vec::new();
        let mut by_station: BTreeMap<String, Vec<(ForecastRow, DailySeries)>> = BTreeMap::new();
        let mut last_error = None;
        for task in tasks {
            let results = task
                .await
                .map_err(|e| CommandError::BadRequest(format!("forecast task failed: {e}")))?;
            for (station, p, series, result) in results {
                match result {
                    Ok(Some(f)) => {
                        let row = to_row(&station, &f, now, &backend);
                        rows.push(row.clone());
                        by_station.entry(station).or_default().push((row, series));
                    }
                    Ok(None) => skipped += 1,
                    Err(e) => {
                        tracing::warn!(station, parameter = p.as_str(), error = %e, "forecast failed");
                        last_error = Some(e.to_string());
                    }
                }
            }
        }
        let n_series = rows.len();
        self.store.save_forecasts(rows).await?;

        // Estimates and alarms under the live lock; alarms are written before they are announced.
        let mut alarm_changes = Vec::new();
        let mut frames = Vec::new();
        let mut wire_ids = Vec::with_capacity(by_station.len());
        {
            let mut live = self.live();
            for (station, list) in &by_station {
                for (row, _) in list {
                    // Today's estimate of the series: the last fallback of the source priority.
                    let h = today - row.origin_day;
                    if let (Some(p), Some(&(p10, p50, p90))) = (
                        Parameter::parse(&row.parameter),
                        usize::try_from(h - 1)
                            .ok()
                            .and_then(|i| row.quantiles.get(i)),
                    ) {
                        live.set_estimate(
                            station,
                            p,
                            crate::priority::ModelEstimate {
                                day: today,
                                p10,
                                p50,
                                p90,
                                model: format!("{} {}", row.model, row.model_version),
                            },
                        );
                    }
                    if row.parameter != Parameter::DissolvedOxygen.as_str() {
                        continue;
                    }
                    let (level, value) = do_level(row);
                    if let Some(change) = live.alarms.on_rule(
                        station,
                        Parameter::DissolvedOxygen,
                        DO_RULE,
                        crate::quality::LEGACY_PROFILE,
                        level,
                        value,
                        true,
                        now,
                    ) {
                        if let Some(st) = live.get(station) {
                            frames.push((
                                st.key.id.clone(),
                                crate::hub::messages::forecast_alert(st, &change.0, row, value)
                                    .to_string(),
                            ));
                        }
                        alarm_changes.push(change);
                    }
                }
                if let Some(st) = live.get(station) {
                    wire_ids.push((station.clone(), st.key.id.clone(), st.key.wire_id()));
                }
            }
        }
        let n_alarms = alarm_changes.len();
        if let Err(e) = self.store.save_alarms(alarm_changes).await {
            tracing::error!(error = %e, "could not store forecast alarms");
        }
        for (station, frame) in frames {
            self.broadcast(station, frame);
        }
        let n_stations = by_station.len();
        let updates = tokio::task::spawn_blocking(move || {
            wire_ids
                .into_iter()
                .filter_map(|(station, id, wire)| {
                    let list = by_station.get(&station)?;
                    Some((id, prediction_update_frame(wire, list, now)))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| CommandError::BadRequest(format!("forecast frames failed: {e}")))?;
        for (station, frame) in updates {
            self.broadcast(station, frame);
        }
        let report = CycleReport {
            series: n_series,
            stations: n_stations,
            skipped,
            alarms: n_alarms,
        };
        let mut st = self.forecasting.status();
        st.last_cycle = Some(now);
        st.last_duration_ms = Some(started.elapsed().as_secs_f64() * 1e3);
        st.series = report.series;
        st.stations = report.stations;
        st.cycles += 1;
        st.last_error = last_error;
        Ok(report)
    }

    /// How the stored forecasts of one series did against what was later observed: per
    /// horizon (7, 30, 90 days), the forecasts whose target day has an observed daily mean,
    /// their mean absolute error, the share inside P10–P90, and the last few cases.
    pub async fn verification_json(
        &self,
        raw_id: &str,
        parameter: &str,
    ) -> Result<Value, CommandError> {
        let (key, p) = self.station_parameter(raw_id, parameter)?;
        let history = self
            .store
            .forecast_history(key.id.clone(), p.as_str().into())
            .await?;
        let (Some(first), Some(last)) = (
            history.iter().map(|r| r.0 + r.1).min(),
            history.iter().map(|r| r.0 + r.1).max(),
        ) else {
            return Ok(json!({"station_id": key.id, "parameter": p.as_str(),
                "horizons": [], "note": "no stored forecast yet"}));
        };
        let observed: std::collections::HashMap<i64, f64> = self
            .store
            .daily(key.id.clone(), p.as_str().into(), first, last)
            .await?
            .into_iter()
            .map(|d| (d.day, d.mean))
            .collect();
        let horizons: Vec<Value> = crate::store::VERIFIED_HORIZONS
            .iter()
            .map(|&h| {
                let cases: Vec<(i64, f64, f64, f64, f64)> = history
                    .iter()
                    .filter(|r| r.1 == h as i64)
                    .filter_map(|r| {
                        let obs = *observed.get(&(r.0 + r.1))?;
                        Some((r.0 + r.1, obs, r.2, r.3, r.4))
                    })
                    .collect();
                let n = cases.len();
                let mae = (n > 0)
                    .then(|| cases.iter().map(|c| (c.1 - c.3).abs()).sum::<f64>() / n as f64);
                let inside = (n > 0).then(|| {
                    cases.iter().filter(|c| c.2 <= c.1 && c.1 <= c.4).count() as f64 / n as f64
                });
                let recent: Vec<Value> = cases
                    .iter()
                    .rev()
                    .take(10)
                    .map(|c| {
                        json!({"date": date_of(c.0).to_string(), "observed": finite(c.1),
                        "p10": finite(c.2), "p50": finite(c.3), "p90": finite(c.4)})
                    })
                    .collect();
                json!({
                    "horizon": h,
                    "n": n,
                    "mae": mae.map(finite),
                    "coverage_p10_p90": inside.map(finite),
                    // The held-out figure the interval was built to: compare, don't expect equality.
                    "coverage_heldout": measured_coverage(model_parameter(p), h),
                    "recent": recent,
                })
            })
            .collect();
        Ok(json!({
            "station_id": key.id,
            "parameter": p.as_str(),
            "unit": p.canonical_unit(),
            "forecasts_stored": history.len(),
            "horizons": horizons,
        }))
    }

    /// The newest stored forecast of one series, with the observed daily means before it.
    pub async fn forecast_json(
        &self,
        raw_id: &str,
        parameter: &str,
    ) -> Result<Value, CommandError> {
        let (key, p) = self.station_parameter(raw_id, parameter)?;
        let has_model = self
            .forecasting
            .models()
            .is_some_and(|m| m.get(p).is_some());
        if !has_model {
            return Err(CommandError::BadRequest(format!(
                "no forecast model for `{}` (models: dissolved_oxygen, temperature, chla)",
                p.as_str()
            )));
        }
        let row = self
            .store
            .latest_forecast(key.id.clone(), p.as_str().into())
            .await?
            .ok_or_else(|| {
                CommandError::NotFound(format!(
                    "no forecast yet for {} {}: it needs 30 days of data in the last 60, one in the last week",
                    key.id,
                    p.as_str()
                ))
            })?;
        let days = self
            .store
            .daily(
                key.id.clone(),
                p.as_str().into(),
                row.origin_day - OBSERVED_DAYS + 1,
                row.origin_day,
            )
            .await?;
        let series = DailySeries::from_days(days.iter().map(|d| (d.day, d.mean)));
        Ok(serde_json::to_value(ForecastView::new(&row, series.as_ref())).unwrap_or(Value::Null))
    }
}

fn to_row(station: &str, f: &Forecast, now: DateTime<Utc>, backend: &str) -> ForecastRow {
    ForecastRow {
        station_id: station.to_string(),
        parameter: f.parameter.as_str().to_string(),
        issued_ms: now.timestamp_millis(),
        origin_day: f.origin_day,
        model: f.model.clone(),
        model_version: f.model_version.clone(),
        backend: backend.to_string(),
        climatology: f.climatology,
        quantiles: f.quantiles.iter().map(|q| (q.p10, q.p50, q.p90)).collect(),
    }
}

/// Level of the DO forecast rule and the value behind it (the lowest P10 or P50 within 7 days).
pub fn do_level(row: &ForecastRow) -> (Level, f64) {
    let within = &row.quantiles[..DO_WITHIN_DAYS.min(row.quantiles.len())];
    let min_p10 = within.iter().map(|q| q.0).fold(f64::INFINITY, f64::min);
    let min_p50 = within.iter().map(|q| q.1).fold(f64::INFINITY, f64::min);
    if min_p50 < DO_LIMIT {
        (Level::Warning, min_p50)
    } else if min_p10 < DO_LIMIT {
        (Level::Warning, min_p10)
    } else {
        (Level::Ok, min_p10)
    }
}

/// One series' forecast as `GET /api/stations/{id}/forecast` returns it (and each entry of a
/// `prediction_update` frame's `forecasts`). Typed, so a cycle's frames serialise straight to
/// text without building a JSON tree per point.
#[derive(Serialize)]
pub struct ForecastView<'a> {
    station_id: &'a str,
    parameter: &'a str,
    unit: Option<&'static str>,
    model: &'a str,
    model_version: &'a str,
    backend: &'a str,
    issued_at: String,
    origin: chrono::NaiveDate,
    climatology: bool,
    kind: &'static str,
    coverage_note: String,
    observed: Vec<ObservedDay>,
    points: Vec<ForecastPoint>,
}

#[derive(Serialize)]
struct ObservedDay {
    date: chrono::NaiveDate,
    v: Option<f64>,
}

#[derive(Serialize)]
struct ForecastPoint {
    h: usize,
    date: chrono::NaiveDate,
    p10: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
}

fn some_finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl<'a> ForecastView<'a> {
    pub fn new(row: &'a ForecastRow, observed: Option<&DailySeries>) -> Self {
        let p = Parameter::parse(&row.parameter);
        let mp = p.map_or("", model_parameter);
        let cov = |h| measured_coverage(mp, h).map(|c| format!("{} d {:.0} %", h, 100.0 * c));
        let note: Vec<String> = [7, 30, 90].into_iter().filter_map(cov).collect();
        let observed = observed
            .map(|s| {
                s.values
                    .iter()
                    .enumerate()
                    .filter(|(i, v)| {
                        !v.is_nan() && s.day0 + *i as i64 > row.origin_day - OBSERVED_DAYS
                    })
                    .map(|(i, v)| ObservedDay {
                        date: date_of(s.day0 + i as i64),
                        v: some_finite(*v),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let points = row
            .quantiles
            .iter()
            .enumerate()
            .map(|(i, (p10, p50, p90))| ForecastPoint {
                h: i + 1,
                date: date_of(row.origin_day + i as i64 + 1),
                p10: some_finite(*p10),
                p50: some_finite(*p50),
                p90: some_finite(*p90),
            })
            .collect();
        ForecastView {
            station_id: &row.station_id,
            parameter: &row.parameter,
            unit: p.map(|p| p.canonical_unit()),
            model: &row.model,
            model_version: &row.model_version,
            backend: &row.backend,
            issued_at: fmt_time(crate::live::from_ms(row.issued_ms)),
            origin: date_of(row.origin_day),
            climatology: row.climatology,
            kind: "model_forecast",
            coverage_note: if note.is_empty() {
                "P10–P90 interval; its coverage has not been measured for this model".to_string()
            } else {
                format!(
                    "P10–P90; measured coverage on held-out sites: {}",
                    note.join(", ")
                )
            },
            observed,
            points,
        }
    }
}

/// The `prediction_update` frame of one station: the original forecast dict (horizons keyed
/// by day count as strings, and the `predictions` list the original UI read) plus each
/// series' full forecast under `forecasts`.
pub fn prediction_update_frame(
    wire_id: Value,
    list: &[(ForecastRow, DailySeries)],
    now: DateTime<Utc>,
) -> String {
    let mut horizons = serde_json::Map::new();
    for h in [7usize, 30, 90] {
        let mut params = serde_json::Map::new();
        let mut date = String::new();
        for (row, _) in list {
            let Some(&(p10, p50, p90)) = row.quantiles.get(h - 1) else {
                continue;
            };
            let Some(p) = Parameter::parse(&row.parameter) else {
                continue;
            };
            date = date_of(row.origin_day + h as i64).to_string();
            let status = match crate::quality::grade(p, p50).map(|f| f.level) {
                Some(Level::Critical) => "critical",
                Some(Level::Warning) => "warning",
                _ => "optimal",
            };
            params.insert(
                p.display_key().to_string(),
                json!({
                    "value": finite(p50), "lo": finite(p10), "hi": finite(p90),
                    // The measured chance that the value falls inside [lo, hi]; nominal 0.8.
                    "confidence": measured_coverage(model_parameter(p), h).unwrap_or(0.8),
                    "status": status, "unit": p.canonical_unit(),
                }),
            );
        }
        horizons.insert(
            h.to_string(),
            json!({"days_ahead": h, "forecast_date": date, "parameters": params}),
        );
    }
    let list_json: Vec<Value> = list
        .iter()
        .filter_map(|(row, observed)| {
            let p = Parameter::parse(&row.parameter)?;
            let &(p10, p50, p90) = row.quantiles.first()?;
            let last = observed.values.iter().rev().find(|v| !v.is_nan()).copied();
            let trend = match last {
                Some(l) if (p50 - l).abs() > 0.25 * (p90 - p10) => {
                    if p50 > l {
                        "rising"
                    } else {
                        "falling"
                    }
                }
                Some(_) => "stable",
                None => "unknown",
            };
            Some(json!({
                "parameter": p.display_key(),
                "parameter_code": p.as_str(),
                "predicted_value": finite(p50),
                "lo": finite(p10), "hi": finite(p90),
                "confidence": measured_coverage(model_parameter(p), 7).unwrap_or(0.8),
                "trend": trend,
                "forecast_time": fmt_time(crate::live::from_ms((row.origin_day + 1) * 86_400_000)),
            }))
        })
        .collect();
    let first = list.first().map(|(r, _)| r);
    #[derive(Serialize)]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        station_id: Value,
        timestamp: String,
        predictions: Value,
        forecasts: Vec<ForecastView<'a>>,
    }
    let frame = Frame {
        kind: "prediction_update",
        station_id: wire_id,
        timestamp: fmt_time(now),
        predictions: json!({
            "timestamp": fmt_time(now),
            "issued_at": fmt_time(now),
            "forecasts": horizons,
            "predictions": list_json,
            "metadata": {
                "model_id": first.map(|r| r.model.as_str()),
                "model_version": first.map(|r| r.model_version.as_str()),
                "backend": first.map(|r| r.backend.as_str()),
                "forecast_horizons": [7, 30, 90],
            },
        }),
        forecasts: list
            .iter()
            .map(|(row, s)| ForecastView::new(row, Some(s)))
            .collect(),
    };
    serde_json::to_string(&frame).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p10: f64, p50: f64) -> ForecastRow {
        ForecastRow {
            station_id: "s".into(),
            parameter: "dissolved_oxygen".into(),
            issued_ms: 0,
            origin_day: 20_000,
            model: "forecast_oxygen".into(),
            model_version: "1".into(),
            backend: "tract".into(),
            climatology: true,
            // The dip is on day 7 only; day 8 is outside the rule's window.
            quantiles: (1..=90)
                .map(|h| match h {
                    7 => (p10, p50, p50 + 1.0),
                    8 => (0.5, 1.0, 2.0),
                    _ => (6.0, 7.0, 8.0),
                })
                .collect(),
        }
    }

    #[test]
    fn do_forecast_rule_levels_just_inside_and_outside_the_limit() {
        assert_eq!(do_level(&row(4.0, 5.0)), (Level::Ok, 4.0));
        assert_eq!(do_level(&row(3.99, 5.0)), (Level::Warning, 3.99));
        assert_eq!(do_level(&row(3.0, 4.0)), (Level::Warning, 3.0));
        assert_eq!(
            do_level(&row(3.0, 3.99)),
            (Level::Warning, 3.99),
            "capped at warning"
        );
    }

    #[test]
    fn forecast_object_lists_every_horizon_with_dates() {
        let v = serde_json::to_value(ForecastView::new(&row(6.0, 7.0), None)).unwrap();
        assert_eq!(v["points"].as_array().unwrap().len(), 90);
        assert_eq!(v["points"][0]["h"], 1);
        assert_eq!(v["origin"], "2024-10-04");
        assert_eq!(v["points"][0]["date"], "2024-10-05");
        assert_eq!(v["unit"], "mg/L");
    }

    #[test]
    fn prediction_update_keeps_the_original_envelope() {
        let s = DailySeries::from_days([(20_000, 7.0)]).unwrap();
        let v: Value = serde_json::from_str(&prediction_update_frame(
            json!(1),
            &[(row(6.0, 7.0), s)],
            Utc::now(),
        ))
        .unwrap();
        assert_eq!(v["type"], "prediction_update");
        assert_eq!(v["station_id"], 1);
        let h7 = &v["predictions"]["forecasts"]["7"];
        assert_eq!(h7["days_ahead"], 7);
        assert_eq!(h7["forecast_date"], "2024-10-11");
        // Horizon 7 carries the row's (p10, p50, p90) = (6, 7, 8).
        assert_eq!(h7["parameters"]["DO"]["value"], 7.0);
        assert_eq!(h7["parameters"]["DO"]["lo"], 6.0);
        assert_eq!(h7["parameters"]["DO"]["hi"], 8.0);
        assert_eq!(v["predictions"]["predictions"][0]["parameter"], "DO");
        assert_eq!(
            v["predictions"]["metadata"]["forecast_horizons"],
            json!([7, 30, 90])
        );
    }
}

#[cfg(test)]
mod verification_tests {
    use super::*;
    use crate::model::{QcFlag, Reading, SourceKind, StationKey};

    fn reading(day: i64, v: f64) -> Reading {
        let t = crate::live::from_ms(day * 86_400_000 + 12 * 3_600_000);
        Reading {
            station: StationKey::normalise("s").unwrap(),
            parameter: Parameter::DissolvedOxygen,
            observed_at: t,
            source: SourceKind::Sensor,
            value: v,
            unit: "mg/L",
            raw_value: v,
            raw_unit: "mg/L".into(),
            qc: QcFlag::NotEvaluated,
            qc_tests: vec![],
            time_from_receipt: false,
            received_at: t,
            provenance: None,
        }
    }

    #[tokio::test]
    async fn stored_forecasts_are_scored_against_later_observations() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let core = Core::open(store, crate::live::WatchdogConfig::default(), &[])
            .await
            .unwrap();
        let today = Utc::now().timestamp_millis().div_euclid(86_400_000);
        // Two forecasts issued 20 and 10 days ago; their 7-day targets are 13 and 3 days ago.
        for (origin, p50) in [(today - 20, 7.0), (today - 10, 6.0)] {
            let quantiles = (1..=90).map(|_| (p50 - 1.0, p50, p50 + 1.0)).collect();
            core.store
                .save_forecasts(vec![ForecastRow {
                    station_id: "s".into(),
                    parameter: "dissolved_oxygen".into(),
                    issued_ms: origin * 86_400_000,
                    origin_day: origin,
                    model: "forecast_oxygen".into(),
                    model_version: "1.2.0".into(),
                    backend: "tract".into(),
                    climatology: true,
                    quantiles,
                }])
                .await
                .unwrap();
        }
        // Observed 7.5 (inside 6–8) and 3.0 (outside 5–7) on the two target days.
        core.ingest(vec![reading(today - 13, 7.5), reading(today - 3, 3.0)])
            .await
            .unwrap();
        let v = core.verification_json("s", "do").await.unwrap();
        assert_eq!(v["forecasts_stored"], 6, "{v}");
        let h7 = &v["horizons"][0];
        assert_eq!(
            (h7["horizon"].as_u64(), h7["n"].as_u64()),
            (Some(7), Some(2)),
            "{v}"
        );
        assert_eq!(h7["mae"], 1.75, "(|7.5-7| + |3-6|) / 2");
        assert_eq!(h7["coverage_p10_p90"], 0.5);
        assert_eq!(h7["recent"][0]["observed"], 3.0, "newest first");
        // 30- and 90-day targets are still in the future.
        assert_eq!(v["horizons"][1]["n"], 0);
        assert!(v["horizons"][1]["mae"].is_null());
    }
}
