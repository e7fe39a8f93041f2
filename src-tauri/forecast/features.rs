//! The forecast models' input tensor, built exactly as `scripts/train_forecast.py` builds it
//! (`docs/MODEL_CARD.md`, "the exact tensor contract"). Any drift here silently degrades every
//! forecast, so `tests/fixtures/forecast/reference.json` pins it against the Python side.

use super::daily::{Climatology, DailySeries, day_of_year, doy_bin};
use super::model::ModelSpec;

/// Days in the input window; the last one is the forecast origin.
pub const WINDOW: usize = 60;
/// Outputs for horizons 1..=90 days after the origin.
pub const HORIZON: usize = 90;
/// Index of the climatology flag; the 91 climatology values follow it.
pub const CLIM_OFF: usize = 2 * WINDOW + 4;
/// Length of the input vector.
pub const N_FEAT: usize = CLIM_OFF + HORIZON + 1;

/// One model input plus what is needed to turn its output back into physical units.
#[derive(Debug, Clone)]
pub struct Input {
    pub x: Vec<f32>,
    /// Mean of the observed (transformed) values in the window.
    pub center: f64,
    /// Whether the site's own climatology was available (else the model runs window-only).
    pub climatology: bool,
    /// Observed days in the window.
    pub observed: usize,
}

/// Builds the input for origin index `t` of `y` (already transformed), or `None` when the
/// window is not eligible (too few observed days, or none in the last `max_stale + 1` days).
/// `clim` must have been advanced to `t` over the same transformed series.
pub fn build(spec: &ModelSpec, y: &DailySeries, t: usize, clim: &Climatology) -> Option<Input> {
    if t + 1 < WINDOW || t >= y.values.len() {
        return None;
    }
    let w = &y.values[t + 1 - WINDOW..=t];
    let observed = w.iter().filter(|v| !v.is_nan()).count();
    let recent = spec.max_stale_days + 1;
    if observed < spec.min_observed || w[WINDOW - recent..].iter().all(|v| v.is_nan()) {
        return None;
    }
    let center = w.iter().filter(|v| !v.is_nan()).sum::<f64>() / observed as f64;
    let mut x = vec![0f64; N_FEAT];
    // Forward fill inside the window; leading gaps take the first observed value.
    let first = w.iter().copied().find(|v| !v.is_nan()).unwrap_or(center);
    let mut fill = first;
    for (i, &v) in w.iter().enumerate() {
        if !v.is_nan() {
            fill = v;
            x[WINDOW + i] = 1.0;
        }
        x[i] = (fill - center) / spec.scale;
    }
    let origin = y.day0 + t as i64;
    let angle = 2.0 * std::f64::consts::PI * f64::from(day_of_year(origin)) / 365.25;
    x[2 * WINDOW] = angle.sin();
    x[2 * WINDOW + 1] = angle.cos();
    x[2 * WINDOW + 2] = (center - spec.level_mean) / spec.level_std;
    let clim_values: Option<Vec<f64>> = (0..=HORIZON)
        .map(|h| clim.mean(doy_bin(origin + h as i64)))
        .collect();
    let climatology = clim_values.is_some();
    if let Some(cv) = clim_values {
        x[CLIM_OFF - 1] = 1.0;
        for (h, c) in cv.into_iter().enumerate() {
            x[CLIM_OFF + h] = (c - center) / spec.scale;
        }
    }
    Some(Input {
        x: x.into_iter().map(|v| v as f32).collect(),
        center,
        climatology,
        observed,
    })
}

/// The input at the last day of `raw` (untransformed daily values): the app's live forecast.
pub fn build_latest(spec: &ModelSpec, raw: &DailySeries) -> Option<(i64, Input)> {
    let y = raw.map(|v| spec.transform.forward(v));
    let t = y.values.len().checked_sub(1)?;
    let mut clim = Climatology::default();
    clim.advance_to(&y, t);
    build(spec, &y, t, &clim).map(|i| (y.day0 + t as i64, i))
}
