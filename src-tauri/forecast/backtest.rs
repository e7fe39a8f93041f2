//! Rolling-origin backtest of the models against persistence and day-of-year climatology,
//! on the long daily format `datetime,site_id,variable,observation` (the NEON file in
//! `data/neon/`). Same protocol as `scripts/train_forecast.py` (docs/MODEL_CARD.md):
//! origins every 7 days, horizons 7/30/90, the three methods scored on the same points.

use super::daily::{Climatology, DailySeries, day_of, doy_bin};
use super::features::{self, WINDOW};
use super::{ForecastError, Models};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

pub const HORIZONS: [usize; 3] = [7, 30, 90];
/// Origins are the days whose number since 1970-01-01 is a multiple of this.
pub const ORIGIN_STEP: i64 = 7;
/// The MASE scale needs at least this many one-step pairs before the origin.
pub const MASE_MIN_PAIRS: usize = 10;

/// Site → variable → daily series, read from the long format.
pub type LongData = BTreeMap<(String, String), DailySeries>;

/// Reads `datetime,site_id,variable,observation` rows (optionally gzip-compressed). `NA`,
/// empty and non-finite observations are gaps; anything else malformed is an error naming the
/// line.
pub fn read_long(bytes: &[u8]) -> Result<LongData, ForecastError> {
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut s)
            .map_err(|e| ForecastError::Input(format!("cannot decompress the CSV: {e}")))?;
        s
    } else {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ForecastError::Input("the CSV is not UTF-8 text".into()))?
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ForecastError::Input(format!("cannot read the CSV header: {e}")))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            ForecastError::Input(format!(
                "the CSV has no `{name}` column (expected datetime,site_id,variable,observation)"
            ))
        })
    };
    let (c_dt, c_site, c_var, c_obs) = (
        col("datetime")?,
        col("site_id")?,
        col("variable")?,
        col("observation")?,
    );
    let mut raw: BTreeMap<(String, String), Vec<(i64, f64)>> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| ForecastError::Input(format!("line {line}: {e}")))?;
        let field = |c: usize| rec.get(c).unwrap_or("").trim();
        let obs = field(c_obs);
        if obs.is_empty() || obs.eq_ignore_ascii_case("na") {
            continue;
        }
        let v: f64 = obs.parse().map_err(|_| {
            ForecastError::Input(format!("line {line}: observation `{obs}` is not a number"))
        })?;
        if !v.is_finite() {
            continue;
        }
        let dt = field(c_dt);
        let date = dt
            .get(..10)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| {
                ForecastError::Input(format!("line {line}: datetime `{dt}` is not YYYY-MM-DD"))
            })?;
        raw.entry((field(c_site).to_string(), field(c_var).to_string()))
            .or_default()
            .push((day_of(date), v));
    }
    Ok(raw
        .into_iter()
        .filter_map(|(k, pairs)| DailySeries::from_days(pairs).map(|s| (k, s)))
        .collect())
}

/// One result row, as printed and as `--json` emits it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub site: String,
    pub parameter: String,
    pub horizon: usize,
    pub method: &'static str,
    pub n: usize,
    pub mae: f64,
    pub mase: f64,
    pub coverage_p10_p90: Option<f64>,
}

/// Scored points per (horizon, method): (absolute error, scaled error, covered).
type Points = BTreeMap<(usize, &'static str), Vec<(f64, f64, Option<bool>)>>;

/// `scale[t]`: mean |y_i − y_{i−1}| over consecutive observed days with i ≤ t.
fn naive_scale_prefix(y: &[f64]) -> Vec<Option<f64>> {
    let (mut sum, mut n) = (0.0, 0usize);
    let mut out = Vec::with_capacity(y.len());
    for t in 0..y.len() {
        if t > 0 {
            let d = (y[t] - y[t - 1]).abs();
            if !d.is_nan() {
                sum += d;
                n += 1;
            }
        }
        let s = if n > 0 { sum / n as f64 } else { f64::NAN };
        out.push((n >= MASE_MIN_PAIRS && s > 0.0).then_some(s));
    }
    out
}

/// Scores one site's series of one variable.
fn score_site(models: &Models, variable: &str, raw: &DailySeries) -> Result<Points, ForecastError> {
    let mut points = Points::new();
    let Some(f) = models.by_name(variable) else {
        return Ok(points);
    };
    let y = raw.map(|v| f.spec.transform.forward(v));
    let scale = naive_scale_prefix(&raw.values);
    let (mut clim_t, mut clim_raw) = (Climatology::default(), Climatology::default());
    let n = raw.values.len();
    let first = (ORIGIN_STEP - raw.day0.rem_euclid(ORIGIN_STEP)).rem_euclid(ORIGIN_STEP) as usize;
    for t in (first..n).step_by(ORIGIN_STEP as usize) {
        clim_t.advance_to(&y, t);
        clim_raw.advance_to(raw, t);
        let Some(input) = features::build(&f.spec, &y, t, &clim_t) else {
            continue;
        };
        let q = f.predict(&input)?;
        let last = raw.values[t + 1 - WINDOW..=t]
            .iter()
            .rev()
            .copied()
            .find(|v| !v.is_nan())
            .unwrap_or(f64::NAN);
        for h in HORIZONS {
            let tt = t + h;
            let (Some(obs), Some(Some(s))) = (raw.values.get(tt).copied(), scale.get(t).copied())
            else {
                continue;
            };
            if obs.is_nan() {
                continue;
            }
            let Some(clim) = clim_raw.mean(doy_bin(raw.day0 + tt as i64)) else {
                continue;
            };
            let qh = q[h - 1];
            for (method, pred, covered) in [
                ("model", qh.p50, Some(qh.p10 <= obs && obs <= qh.p90)),
                ("persistence", last, None),
                ("climatology", clim, None),
            ] {
                let e = (pred - obs).abs();
                points
                    .entry((h, method))
                    .or_default()
                    .push((e, e / s, covered));
            }
        }
    }
    Ok(points)
}

fn aggregate(site: &str, parameter: &str, points: &Points) -> Vec<Row> {
    points
        .iter()
        .map(|(&(horizon, method), lst)| {
            let n = lst.len();
            let covs: Vec<bool> = lst.iter().filter_map(|p| p.2).collect();
            Row {
                site: site.to_string(),
                parameter: parameter.to_string(),
                horizon,
                method,
                n,
                mae: lst.iter().map(|p| p.0).sum::<f64>() / n as f64,
                mase: lst.iter().map(|p| p.1).sum::<f64>() / n as f64,
                coverage_p10_p90: (!covs.is_empty())
                    .then(|| covs.iter().filter(|c| **c).count() as f64 / covs.len() as f64),
            }
        })
        .collect()
}

/// Runs the backtest over every site and modelled variable in `data`, optionally restricted to
/// one parameter and one site. Rows per site, then `ALL` pooling every site's points.
pub fn run(
    models: &Models,
    data: &LongData,
    parameter: Option<&str>,
    site: Option<&str>,
) -> Result<Vec<Row>, ForecastError> {
    if let Some(p) = parameter.filter(|p| models.by_name(p).is_none()) {
        let known: Vec<&str> = models.specs().map(|s| s.parameter.as_str()).collect();
        return Err(ForecastError::Input(format!(
            "no model for parameter `{p}` (models: {})",
            known.join(", ")
        )));
    }
    let mut rows = Vec::new();
    let variables: Vec<String> = models.specs().map(|s| s.parameter.clone()).collect();
    let mut matched = false;
    for var in variables
        .iter()
        .filter(|v| parameter.is_none_or(|p| p == v.as_str()))
    {
        let mut pooled = Points::new();
        for ((s, v), series) in data {
            if v != var || site.is_some_and(|want| want != s) {
                continue;
            }
            matched = true;
            let pts = score_site(models, var, series)?;
            rows.extend(aggregate(s, var, &pts));
            for (k, lst) in pts {
                pooled.entry(k).or_default().extend(lst);
            }
        }
        rows.extend(aggregate("ALL", var, &pooled));
    }
    if !matched {
        return Err(ForecastError::Input(format!(
            "no rows for {}{} in the CSV",
            parameter.map_or("any modelled parameter".to_string(), |p| format!(
                "parameter `{p}`"
            )),
            site.map_or(String::new(), |s| format!(" at site `{s}`"))
        )));
    }
    Ok(rows)
}

/// The pooled rows as a table: per parameter and horizon, the three methods side by side.
pub fn table(rows: &[Row]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:<6} {:>3} {:>6}  {:>9} {:>9} {:>9}  {:>8} {:>8} {:>8}  {:>8}",
        "parameter",
        "site",
        "h",
        "n",
        "MAE model",
        "persist.",
        "clim.",
        "MASE mod",
        "persist.",
        "clim.",
        "P10-P90"
    );
    let mut keys: Vec<(&str, &str, usize)> = rows
        .iter()
        .map(|r| (r.parameter.as_str(), r.site.as_str(), r.horizon))
        .collect();
    keys.dedup();
    for (p, s, h) in keys {
        let get = |m: &str| {
            rows.iter()
                .find(|r| r.parameter == p && r.site == s && r.horizon == h && r.method == m)
        };
        let (Some(mo), Some(pe), Some(cl)) = (get("model"), get("persistence"), get("climatology"))
        else {
            continue;
        };
        let _ = writeln!(
            out,
            "{:<12} {:<6} {:>3} {:>6}  {:>9.3} {:>9.3} {:>9.3}  {:>8.3} {:>8.3} {:>8.3}  {:>7.1}%",
            p,
            s,
            h,
            mo.n,
            mo.mae,
            pe.mae,
            cl.mae,
            mo.mase,
            pe.mase,
            cl.mase,
            100.0 * mo.coverage_p10_p90.unwrap_or(f64::NAN)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::backend::Preference;

    /// Every row of the training script's backtest of two held-out sites, pooled rows included.
    #[test]
    fn matches_the_training_scripts_backtest_number_for_number() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forecast/");
        let data = read_long(&std::fs::read(format!("{dir}backtest_small.csv")).unwrap()).unwrap();
        let want: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}backtest_small_expected.json")).unwrap(),
        )
        .unwrap();
        let models = Models::load(Preference::Tract, None, None).unwrap();
        let rows = run(&models, &data, None, None).unwrap();
        let want = want["results"].as_array().unwrap();
        assert_eq!(rows.len(), want.len());
        for w in want {
            let got = rows
                .iter()
                .find(|r| {
                    r.site == w["site"]
                        && r.parameter == w["parameter"]
                        && r.horizon as u64 == w["horizon"].as_u64().unwrap()
                        && r.method == w["method"]
                })
                .unwrap_or_else(|| panic!("missing {w}"));
            assert_eq!(got.n as u64, w["n"].as_u64().unwrap(), "{w}");
            for (g, k) in [(got.mae, "mae"), (got.mase, "mase")] {
                let x = w[k].as_f64().unwrap();
                assert!((g - x).abs() <= 1e-6 * (1.0 + x.abs()), "{k} {g} vs {w}");
            }
            match (got.coverage_p10_p90, w["coverage_p10_p90"].as_f64()) {
                (Some(g), Some(x)) => assert!((g - x).abs() < 1e-9, "{w}"),
                (None, None) => {}
                other => panic!("{other:?} {w}"),
            }
        }
    }

    #[test]
    fn bad_csv_rows_are_named() {
        let e = read_long(b"datetime,site_id,variable,observation\n2020-13-01,A,oxygen,1\n")
            .unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = read_long(b"when,site\n").unwrap_err();
        assert!(e.to_string().contains("`datetime`"), "{e}");
    }
}
