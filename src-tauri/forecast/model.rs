//! A shipped forecast model: its metadata (`models/forecast_<p>.json`) and an inference session.

use super::ForecastError;
use super::features::{HORIZON, Input, N_FEAT, WINDOW};
use serde::Deserialize;
use std::sync::Mutex;

/// The value transform applied before normalisation (`identity` or `log1p`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Identity,
    Log1p,
}

impl Transform {
    pub fn forward(self, v: f64) -> f64 {
        match self {
            Transform::Identity => v,
            Transform::Log1p => v.max(0.0).ln_1p(),
        }
    }

    pub fn inverse(self, v: f64) -> f64 {
        match self {
            Transform::Identity => v,
            Transform::Log1p => v.exp_m1(),
        }
    }
}

/// What the app needs from a model's JSON metadata, validated against the tensor contract.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub name: String,
    pub version: String,
    /// The parameter as named in the training data (`oxygen`, `temperature`, `chla`).
    pub parameter: String,
    pub unit: String,
    pub transform: Transform,
    pub scale: f64,
    pub level_mean: f64,
    pub level_std: f64,
    pub min_observed: usize,
    pub max_stale_days: usize,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    version: String,
    parameter: String,
    unit: String,
    window: usize,
    horizons: Vec<usize>,
    transform: String,
    inputs: Vec<Tensor>,
    outputs: Vec<Tensor>,
    normalisation: Norm,
    eligibility: Eligibility,
}

#[derive(Deserialize)]
struct Tensor {
    name: String,
    shape: Vec<usize>,
}

#[derive(Deserialize)]
struct Norm {
    scale: f64,
    level_mean: f64,
    level_std: f64,
}

#[derive(Deserialize)]
struct Eligibility {
    min_observed: usize,
    max_days_since_last_obs: usize,
}

impl ModelSpec {
    /// Parses and checks a model's metadata; `origin` names the file in errors.
    pub fn from_json(origin: &str, text: &str) -> Result<ModelSpec, ForecastError> {
        let bad = |why: String| ForecastError::Model {
            model: origin.to_string(),
            reason: why,
        };
        let m: Meta = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let transform = match m.transform.as_str() {
            "identity" => Transform::Identity,
            "log1p" => Transform::Log1p,
            t => return Err(bad(format!("unknown transform `{t}`"))),
        };
        let input_ok =
            m.inputs.len() == 1 && m.inputs[0].name == "input" && m.inputs[0].shape == [1, N_FEAT];
        let output_ok = m.outputs.len() == 1
            && m.outputs[0].name == "quantiles"
            && m.outputs[0].shape == [1, HORIZON, 3];
        if !input_ok || !output_ok || m.window != WINDOW || m.horizons.len() != HORIZON {
            return Err(bad(format!(
                "tensor contract differs from this build (expects input [1, {N_FEAT}], output [1, {HORIZON}, 3], window {WINDOW})"
            )));
        }
        let finite_pos = |v: f64| v.is_finite() && v > 0.0;
        if !finite_pos(m.normalisation.scale)
            || !finite_pos(m.normalisation.level_std)
            || !m.normalisation.level_mean.is_finite()
        {
            return Err(bad(
                "normalisation constants must be finite and positive".into()
            ));
        }
        if m.eligibility.min_observed == 0
            || m.eligibility.min_observed > WINDOW
            || m.eligibility.max_days_since_last_obs >= WINDOW
        {
            return Err(bad("eligibility rules are out of range".into()));
        }
        Ok(ModelSpec {
            name: m.name,
            version: m.version,
            parameter: m.parameter,
            unit: m.unit,
            transform,
            scale: m.normalisation.scale,
            level_mean: m.normalisation.level_mean,
            level_std: m.normalisation.level_std,
            min_observed: m.eligibility.min_observed,
            max_stale_days: m.eligibility.max_days_since_last_obs,
        })
    }
}

/// P10, P50 and P90 for one horizon, in physical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiles {
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// A model ready to run. `Session::run` needs `&mut`, so one lock per model; inference is short
/// (tens of microseconds) and runs on blocking threads, never on the async runtime.
pub struct Forecaster {
    pub spec: ModelSpec,
    session: Mutex<ort::session::Session>,
}

impl std::fmt::Debug for Forecaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forecaster")
            .field("spec", &self.spec)
            .finish()
    }
}

impl Forecaster {
    /// Loads a model from its ONNX bytes into `env`. The backend must have been selected before.
    pub fn load(
        env: &ort::environment::Environment,
        spec: ModelSpec,
        onnx: &[u8],
    ) -> Result<Forecaster, ForecastError> {
        let err = |e: String| ForecastError::Model {
            model: spec.name.clone(),
            reason: e,
        };
        let session = ort::session::Session::builder(env)
            .map_err(|e| err(e.to_string()))?
            .with_intra_threads(1)
            .map_err(|e| err(e.to_string()))?
            .commit_from_memory(onnx)
            .map_err(|e| err(e.to_string()))?;
        Ok(Forecaster {
            spec,
            session: Mutex::new(session),
        })
    }

    /// Runs the model on one input; horizons 1..=90 in physical units.
    pub fn predict(&self, input: &Input) -> Result<Vec<Quantiles>, ForecastError> {
        let err = |e: ort::Error| ForecastError::Inference {
            model: self.spec.name.clone(),
            reason: e.to_string(),
        };
        let tensor = ort::value::TensorRef::from_array_view(([1usize, N_FEAT], input.x.as_slice()))
            .map_err(&err)?;
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let outputs = session.run(ort::inputs!["input" => tensor]).map_err(&err)?;
        let (shape, data) = outputs["quantiles"]
            .try_extract_tensor::<f32>()
            .map_err(&err)?;
        if data.len() != HORIZON * 3 {
            return Err(ForecastError::Inference {
                model: self.spec.name.clone(),
                reason: format!("output shape {shape:?}, expected [1, {HORIZON}, 3]"),
            });
        }
        let phys = |o: f32| {
            self.spec
                .transform
                .inverse(input.center + self.spec.scale * f64::from(o))
        };
        Ok(data
            .chunks_exact(3)
            .map(|q| Quantiles {
                p10: phys(q[0]),
                p50: phys(q[1]),
                p90: phys(q[2]),
            })
            .collect())
    }
}
