//! Multi-horizon water-quality forecasts (1..90 days, P10/P50/P90) from the ONNX models in
//! `models/`, run in-process on ONNX Runtime or tract ([`backend`]).
//!
//! - [`daily`]: gap-aware daily series and the site's own day-of-year climatology;
//! - [`features`]: the models' input tensor, bit-compatible with the training script;
//! - [`model`]: metadata checks and inference sessions;
//! - [`backtest`]: rolling-origin evaluation against persistence and climatology
//!   (`purehealth forecast backtest`).
//!
//! The models are compiled into the binary so a fresh install forecasts offline; a directory
//! with newer `forecast_<p>.json` + `.onnx` files can replace them (`models_dir`).

pub mod backend;
pub mod backtest;
pub mod daily;
pub mod features;
pub mod model;

use crate::model::Parameter;
use backend::{Backend, Preference};
use daily::DailySeries;
use model::{Forecaster, ModelSpec, Quantiles};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ForecastError {
    #[error("forecast backend: {0}")]
    Backend(String),
    #[error("model {model}: {reason}")]
    Model { model: String, reason: String },
    #[error("inference with {model} failed: {reason}")]
    Inference { model: String, reason: String },
    #[error("{0}")]
    Input(String),
}

/// The bundled models: (training-data parameter name, metadata, ONNX bytes).
const BUNDLED: [(&str, &str, &[u8]); 3] = [
    (
        "oxygen",
        include_str!("../../models/forecast_oxygen.json"),
        include_bytes!("../../models/forecast_oxygen.onnx"),
    ),
    (
        "temperature",
        include_str!("../../models/forecast_temperature.json"),
        include_bytes!("../../models/forecast_temperature.onnx"),
    ),
    (
        "chla",
        include_str!("../../models/forecast_chla.json"),
        include_bytes!("../../models/forecast_chla.onnx"),
    ),
];

/// The app's parameter for a model's (training data) parameter name.
pub fn app_parameter(model_parameter: &str) -> Option<Parameter> {
    match model_parameter {
        "oxygen" => Some(Parameter::DissolvedOxygen),
        "temperature" => Some(Parameter::Temperature),
        "chla" => Some(Parameter::Chlorophyll),
        _ => None,
    }
}

/// One forecast issued from the last day of a daily series.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub model: String,
    pub model_version: String,
    pub parameter: Parameter,
    /// Day number (since 1970-01-01) of the origin: the last day of the input window.
    pub origin_day: i64,
    /// Whether the station's own climatology fed the model.
    pub climatology: bool,
    /// Horizons 1..=90 days after the origin.
    pub quantiles: Vec<Quantiles>,
}

/// The process's one ONNX environment (`ort` allows a single one per process, ever).
fn environment() -> Result<ort::environment::Environment, ForecastError> {
    static ENV: std::sync::Mutex<Option<ort::environment::Environment>> =
        std::sync::Mutex::new(None);
    let mut slot = ENV
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let env = ort::init()
        .with_name("purehealth")
        .build()
        .map_err(|e| ForecastError::Backend(e.to_string()))?;
    *slot = Some(env.clone());
    Ok(env)
}

/// Every loaded model and the engine running them.
pub struct Models {
    pub backend: Backend,
    forecasters: Vec<(Parameter, Forecaster)>,
    _env: ort::environment::Environment,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field("backend", &self.backend)
            .field("models", &self.specs().collect::<Vec<_>>())
            .finish()
    }
}

impl Models {
    /// Selects the backend and loads the bundled models, or those in `dir` when given.
    pub fn load(
        pref: Preference,
        library: Option<&Path>,
        dir: Option<&Path>,
    ) -> Result<Models, ForecastError> {
        let backend = backend::select(pref, library)?;
        let env = environment()?;
        let mut forecasters = Vec::new();
        for (name, meta, onnx) in BUNDLED {
            let (origin, meta, onnx) = match dir {
                None => (
                    format!("bundled forecast_{name}"),
                    meta.to_string(),
                    onnx.to_vec(),
                ),
                Some(d) => {
                    let json = d.join(format!("forecast_{name}.json"));
                    let read = |p: &Path| {
                        std::fs::read(p).map_err(|e| ForecastError::Model {
                            model: p.display().to_string(),
                            reason: e.to_string(),
                        })
                    };
                    let meta = String::from_utf8_lossy(&read(&json)?).into_owned();
                    let onnx = read(&d.join(format!("forecast_{name}.onnx")))?;
                    (json.display().to_string(), meta, onnx)
                }
            };
            let spec = ModelSpec::from_json(&origin, &meta)?;
            let Some(p) = app_parameter(&spec.parameter) else {
                return Err(ForecastError::Model {
                    model: origin,
                    reason: format!("unknown parameter `{}`", spec.parameter),
                });
            };
            forecasters.push((p, Forecaster::load(&env, spec, &onnx)?));
        }
        Ok(Models {
            backend,
            forecasters,
            _env: env,
        })
    }

    pub fn get(&self, p: Parameter) -> Option<&Forecaster> {
        self.forecasters
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, f)| f)
    }

    /// The model named as in the training data (`oxygen`, `temperature`, `chla`).
    pub fn by_name(&self, model_parameter: &str) -> Option<&Forecaster> {
        self.forecasters
            .iter()
            .find(|(_, f)| f.spec.parameter == model_parameter)
            .map(|(_, f)| f)
    }

    pub fn specs(&self) -> impl Iterator<Item = &ModelSpec> {
        self.forecasters.iter().map(|(_, f)| &f.spec)
    }

    pub fn parameters(&self) -> impl Iterator<Item = Parameter> + '_ {
        self.forecasters.iter().map(|(p, _)| *p)
    }

    /// Forecast from the last day of `raw` (daily means in the app's canonical unit), or
    /// `None` when the window is not eligible.
    pub fn forecast(
        &self,
        p: Parameter,
        raw: &DailySeries,
    ) -> Result<Option<Forecast>, ForecastError> {
        let Some(f) = self.get(p) else {
            return Err(ForecastError::Input(format!(
                "no forecast model for `{}`",
                p.as_str()
            )));
        };
        let Some((origin_day, input)) = features::build_latest(&f.spec, raw) else {
            return Ok(None);
        };
        Ok(Some(Forecast {
            model: f.spec.name.clone(),
            model_version: f.spec.version.clone(),
            parameter: p,
            origin_day,
            climatology: input.climatology,
            quantiles: f.predict(&input)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reference() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/forecast/reference.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn history(case: &Value) -> DailySeries {
        DailySeries::from_days(case["history"].as_array().unwrap().iter().map(|p| {
            let d: chrono::NaiveDate = p[0].as_str().unwrap().parse().unwrap();
            (daily::day_of(d), p[1].as_f64().unwrap_or(f64::NAN))
        }))
        .unwrap()
    }

    /// The input tensor and the forecasts match the training script's (ONNX Runtime in Python)
    /// for windows with and without climatology and with gaps; inference here runs on tract.
    #[test]
    fn features_and_forecasts_match_the_python_reference() {
        let models = Models::load(backend::Preference::Tract, None, None).unwrap();
        let r = reference();
        let cases = r["cases"].as_array().unwrap();
        assert!(cases.len() >= 9);
        for case in cases {
            let name = case["parameter"].as_str().unwrap();
            let f = models.by_name(name).unwrap();
            let s = history(case);
            let (origin, input) = features::build_latest(&f.spec, &s)
                .unwrap_or_else(|| panic!("{name} {}: not eligible", case["site"]));
            assert_eq!(
                daily::date_of(origin).to_string(),
                case["origin"].as_str().unwrap()
            );
            assert_eq!(
                input.climatology,
                case["clim_flag"] == 1,
                "{}",
                case["site"]
            );
            let want: Vec<f64> = case["input"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            for (i, (a, b)) in input.x.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(*a) - b).abs() <= 1e-5 * (1.0 + b.abs()),
                    "{name} {} input[{i}]: {a} vs {b}",
                    case["site"]
                );
            }
            let q = f.predict(&input).unwrap();
            let out = case["output_p10_p50_p90_physical"].as_array().unwrap();
            for (h, (got, want)) in q.iter().zip(out).enumerate() {
                for (g, w) in [got.p10, got.p50, got.p90]
                    .iter()
                    .zip(want.as_array().unwrap())
                {
                    let w = w.as_f64().unwrap();
                    assert!(
                        (g - w).abs() <= 1e-3 * (1.0 + w.abs()),
                        "{name} {} h{}: {g} vs {w}",
                        case["site"],
                        h + 1
                    );
                }
            }
        }
    }
}
