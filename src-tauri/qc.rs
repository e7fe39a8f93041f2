//! Real-time quality control in the style of IOOS QARTOD (domain.md §11): gross range,
//! spike, rate of change, flat line and climatology, evaluated on each new value against the recent
//! history of its series. Pure functions over a [`Window`]; thresholds are per parameter and
//! come from [`QcConfig::defaults`] unless configured.
//!
//! Climatology compares a value with its station's own monthly statistics ([`MonthlyStats`],
//! seeded from stored history and updated live) or a configured monthly range.

use crate::model::{Parameter, QcFlag};
use chrono::{DateTime, Datelike, Utc};
use std::collections::VecDeque;

/// Thresholds for one parameter, in its canonical unit.
#[derive(Debug, Clone, PartialEq)]
pub struct QcConfig {
    /// Outside: fail (sensor span).
    pub sensor_span: (f64, f64),
    /// Outside: suspect (operator span), when set.
    pub suspect_span: Option<(f64, f64)>,
    /// |Vn − Vn−1| above these: suspect / fail (one-sided real-time spike test).
    pub spike: Option<(f64, f64)>,
    /// |Vn − Vn−1| above this many standard deviations of the last 25 h: suspect.
    pub rate_sigmas: f64,
    /// Values within ± this of the newest count as "the same" for the flat-line test.
    pub flat_tolerance: Option<f64>,
    /// Flat for at least this long: suspect / fail (seconds).
    pub flat_s: (f64, f64),
    /// Comparisons across a gap longer than this are skipped (seconds).
    pub max_gap_s: f64,
    /// Climatology: suspect outside mean ± this many SD of the station's values in that month...
    pub climatology_sigmas: f64,
    /// ...once that month has at least this many values.
    pub climatology_min_samples: u64,
    /// Configured monthly ranges (index 0 = January); they take precedence over learned ones.
    pub climatology: [Option<(f64, f64)>; 12],
}

impl QcConfig {
    /// Sensible defaults per parameter (sensor spans from domain.md §1).
    pub fn defaults(p: Parameter) -> QcConfig {
        let (spike, flat) = match p {
            Parameter::Ph => (Some((0.5, 1.0)), Some(0.0)),
            Parameter::DissolvedOxygen => (Some((2.0, 4.0)), Some(0.0)),
            Parameter::Temperature => (Some((2.0, 5.0)), Some(0.0)),
            Parameter::Turbidity => (Some((50.0, 200.0)), None),
            Parameter::Conductivity | Parameter::SpecificConductance => {
                (Some((5_000.0, 20_000.0)), Some(0.0))
            }
            Parameter::Salinity => (Some((3.0, 10.0)), Some(0.0)),
            Parameter::DoSat => (Some((25.0, 50.0)), Some(0.0)),
            Parameter::Depth => (Some((0.5, 2.0)), Some(0.0)),
            Parameter::Chlorophyll => (Some((20.0, 100.0)), None),
            // Lab values and counts: no real-time spike or flat-line logic.
            Parameter::Bod
            | Parameter::FecalColiform
            | Parameter::Tds
            | Parameter::Battery
            | Parameter::Cod
            | Parameter::Toc
            | Parameter::Nitrate
            | Parameter::Chloride
            | Parameter::TotalColiform
            | Parameter::Rainfall
            | Parameter::Humidity => (None, None),
            // Levels rise fast in a flood; flat lines are normal in the dry season.
            Parameter::WaterLevel | Parameter::GaugeHeight => (Some((3.0, 8.0)), None),
            Parameter::Discharge => (None, None),
            Parameter::AirTemperature => (Some((8.0, 15.0)), None),
        };
        QcConfig {
            sensor_span: p.gross_range(),
            suspect_span: None,
            spike,
            rate_sigmas: 4.0,
            flat_tolerance: flat,
            flat_s: (6.0 * 3600.0, 24.0 * 3600.0),
            max_gap_s: 2.0 * 3600.0,
            climatology_sigmas: 4.0,
            climatology_min_samples: 30,
            climatology: [None; 12],
        }
    }
}

/// Per-station overrides of [`QcConfig`] from the config file (`[stations.qc.<parameter>]`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QcOverride {
    pub sensor_span: Option<[f64; 2]>,
    pub suspect_span: Option<[f64; 2]>,
    /// Spike thresholds [suspect, fail].
    pub spike: Option<[f64; 2]>,
    pub rate_sigmas: Option<f64>,
    pub flat_tolerance: Option<f64>,
    /// Flat-line durations [suspect, fail] in hours.
    pub flat_hours: Option<[f64; 2]>,
    pub max_gap_s: Option<f64>,
    pub climatology_sigmas: Option<f64>,
    pub climatology_min_samples: Option<u64>,
    /// Monthly ranges: `climatology = { "6" = [26.0, 32.0] }` (month 1-12).
    pub climatology: Option<std::collections::BTreeMap<String, [f64; 2]>>,
}

impl QcOverride {
    /// Applies the override to `base`; `Err` names the first invalid field.
    pub fn apply(&self, mut base: QcConfig) -> Result<QcConfig, String> {
        let ordered = |name: &str, v: [f64; 2]| {
            if v.iter().all(|x| x.is_finite()) && v[0] < v[1] {
                Ok((v[0], v[1]))
            } else {
                Err(format!(
                    "{name} must be [low, high] with low < high, got {v:?}"
                ))
            }
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(format!("{name} must be a non-negative number, got {v}"))
            }
        };
        if let Some(v) = self.sensor_span {
            base.sensor_span = ordered("sensor_span", v)?;
        }
        if let Some(v) = self.suspect_span {
            base.suspect_span = Some(ordered("suspect_span", v)?);
        }
        if let Some(v) = self.spike {
            base.spike = Some(ordered("spike", v)?);
        }
        if let Some(v) = self.rate_sigmas {
            base.rate_sigmas = positive("rate_sigmas", v)?;
        }
        if let Some(v) = self.flat_tolerance {
            base.flat_tolerance = Some(positive("flat_tolerance", v)?);
        }
        if let Some(v) = self.flat_hours {
            let (a, b) = ordered("flat_hours", v)?;
            base.flat_s = (a * 3600.0, b * 3600.0);
        }
        if let Some(v) = self.max_gap_s {
            base.max_gap_s = positive("max_gap_s", v)?;
        }
        if let Some(v) = self.climatology_sigmas {
            base.climatology_sigmas = positive("climatology_sigmas", v)?;
        }
        if let Some(v) = self.climatology_min_samples {
            base.climatology_min_samples = v;
        }
        for (month, range) in self.climatology.iter().flatten() {
            let m: usize = month
                .parse()
                .ok()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| format!("climatology: `{month}` is not a month 1-12"))?;
            base.climatology[m - 1] = Some(ordered("climatology", *range)?);
        }
        Ok(base)
    }
}

/// Per-month running mean and variance of a series (Welford), for the climatology test.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthlyStats {
    n: [u64; 12],
    mean: [f64; 12],
    m2: [f64; 12],
}

impl MonthlyStats {
    pub fn add(&mut self, month0: usize, v: f64) {
        let Some(n) = self.n.get_mut(month0) else {
            return;
        };
        *n += 1;
        let d = v - self.mean[month0];
        self.mean[month0] += d / *n as f64;
        self.m2[month0] += d * (v - self.mean[month0]);
    }

    /// Seeds a month from stored history: count, mean and mean of squares.
    pub fn seed(&mut self, month0: usize, n: u64, mean: f64, mean_sq: f64) {
        if month0 < 12 && n > 0 {
            self.n[month0] = n;
            self.mean[month0] = mean;
            self.m2[month0] = ((mean_sq - mean * mean) * n as f64).max(0.0);
        }
    }

    /// mean ± k·SD for the month, once it has enough values and any spread.
    pub fn range(&self, month0: usize, k: f64, min_n: u64) -> Option<(f64, f64)> {
        let n = *self.n.get(month0)?;
        if n < min_n.max(2) {
            return None;
        }
        let sd = (self.m2[month0] / (n - 1) as f64).sqrt();
        (sd > 0.0).then(|| (self.mean[month0] - k * sd, self.mean[month0] + k * sd))
    }
}

/// The climatology test: outside the month's expected range → suspect.
pub fn climatology(cfg: &QcConfig, stats: Option<&MonthlyStats>, month0: usize, v: f64) -> bool {
    let range = cfg.climatology.get(month0).copied().flatten().or_else(|| {
        stats.and_then(|s| s.range(month0, cfg.climatology_sigmas, cfg.climatology_min_samples))
    });
    range.is_some_and(|(lo, hi)| v < lo || v > hi)
}

/// The QC state of one series: its recent values and its monthly statistics.
#[derive(Debug, Clone, Default)]
pub struct SeriesQc {
    pub window: Window,
    pub climate: MonthlyStats,
}

impl SeriesQc {
    /// Runs every test on a new value (climatology included) and, unless it failed, remembers
    /// it for the values after it.
    pub fn check(
        &mut self,
        cfg: &QcConfig,
        t: DateTime<Utc>,
        v: f64,
    ) -> (QcFlag, Vec<&'static str>) {
        let (mut flag, mut tests) = evaluate(cfg, &self.window, t, v);
        let month0 = t.month0() as usize;
        if flag != QcFlag::Fail && climatology(cfg, Some(&self.climate), month0, v) {
            flag = flag.max(QcFlag::Suspect);
            tests.push("climatology");
        }
        if flag != QcFlag::Fail {
            self.window.push(t, v);
            self.climate.add(month0, v);
        }
        (flag, tests)
    }
}

/// Recent values of one series, oldest first, bounded in count and age.
#[derive(Debug, Clone, Default)]
pub struct Window {
    points: VecDeque<(DateTime<Utc>, f64)>,
}

const WINDOW_MAX: usize = 256;
const WINDOW_AGE_S: i64 = 25 * 3600;

impl Window {
    pub fn newest(&self) -> Option<(DateTime<Utc>, f64)> {
        self.points.back().copied()
    }

    /// Adds a value that did not fail QC; older-than-newest values are not added.
    pub fn push(&mut self, t: DateTime<Utc>, v: f64) {
        if self.newest().is_some_and(|(last, _)| t <= last) {
            return;
        }
        self.points.push_back((t, v));
        while self.points.len() > WINDOW_MAX
            || self
                .points
                .front()
                .is_some_and(|(first, _)| (t - *first).num_seconds() > WINDOW_AGE_S)
        {
            self.points.pop_front();
        }
    }
}

/// Evaluates one new value. Returns the aggregate flag (worst test) and the tests that raised it.
/// A value older than the window's newest gets only the gross-range test.
pub fn evaluate(
    cfg: &QcConfig,
    w: &Window,
    t: DateTime<Utc>,
    v: f64,
) -> (QcFlag, Vec<&'static str>) {
    let mut flag = QcFlag::Pass;
    let mut tests = Vec::new();
    let mut raise = |f: QcFlag, name: &'static str, flag: &mut QcFlag| {
        if f > *flag {
            *flag = f;
        }
        tests.push(name);
    };
    let (lo, hi) = cfg.sensor_span;
    if !v.is_finite() || v < lo || v > hi {
        raise(QcFlag::Fail, "gross_range", &mut flag);
        return (flag, tests);
    }
    if let Some((slo, shi)) = cfg.suspect_span
        && (v < slo || v > shi)
    {
        raise(QcFlag::Suspect, "gross_range", &mut flag);
    }
    let Some((prev_t, prev)) = w.newest() else {
        return (flag, tests);
    };
    let dt = (t - prev_t).num_milliseconds() as f64 / 1000.0;
    if dt <= 0.0 || dt > cfg.max_gap_s {
        return (flag, tests);
    }
    let jump = (v - prev).abs();
    if let Some((suspect, fail)) = cfg.spike {
        if jump > fail {
            raise(QcFlag::Fail, "spike", &mut flag);
        } else if jump > suspect {
            raise(QcFlag::Suspect, "spike", &mut flag);
        }
    }
    // Rate of change against the series' own recent variability.
    if w.points.len() >= 10 {
        let n = w.points.len() as f64;
        let mean = w.points.iter().map(|p| p.1).sum::<f64>() / n;
        let sd = (w.points.iter().map(|p| (p.1 - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        if sd > 0.0 && jump > cfg.rate_sigmas * sd {
            raise(QcFlag::Suspect, "rate_of_change", &mut flag);
        }
    }
    if let Some(tol) = cfg.flat_tolerance {
        // How long the series has stayed within ±tol of this value, walking back without gaps.
        let mut start = t;
        let mut next_t = t;
        let mut count = 1;
        for (pt, pv) in w.points.iter().rev() {
            if (pv - v).abs() > tol
                || (next_t - *pt).num_milliseconds() as f64 / 1000.0 > cfg.max_gap_s
            {
                break;
            }
            start = *pt;
            next_t = *pt;
            count += 1;
        }
        let flat_for = (t - start).num_seconds() as f64;
        if count >= 3 {
            if flat_for >= cfg.flat_s.1 {
                raise(QcFlag::Fail, "flat_line", &mut flag);
            } else if flat_for >= cfg.flat_s.0 {
                raise(QcFlag::Suspect, "flat_line", &mut flag);
            }
        }
    }
    (flag, tests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn window(values: &[(i64, f64)]) -> Window {
        let mut w = Window::default();
        for (m, v) in values {
            w.push(t(*m), *v);
        }
        w
    }

    #[test]
    fn gross_range_and_suspect_span() {
        let mut c = QcConfig::defaults(Parameter::Ph);
        let w = Window::default();
        assert_eq!(
            evaluate(&c, &w, t(0), 15.0),
            (QcFlag::Fail, vec!["gross_range"])
        );
        assert_eq!(evaluate(&c, &w, t(0), 7.0).0, QcFlag::Pass);
        c.suspect_span = Some((6.0, 9.0));
        assert_eq!(
            evaluate(&c, &w, t(0), 5.5),
            (QcFlag::Suspect, vec!["gross_range"])
        );
    }

    #[test]
    fn spike_against_the_previous_value_within_the_gap_limit() {
        let c = QcConfig::defaults(Parameter::DissolvedOxygen);
        let w = window(&[(0, 7.0)]);
        assert_eq!(evaluate(&c, &w, t(15), 9.5).0, QcFlag::Suspect);
        assert_eq!(evaluate(&c, &w, t(15), 11.5).0, QcFlag::Fail);
        assert_eq!(evaluate(&c, &w, t(15), 8.0).0, QcFlag::Pass);
        // Across a 3-hour gap nothing is compared.
        assert_eq!(evaluate(&c, &w, t(180), 11.5).0, QcFlag::Pass);
    }

    #[test]
    fn rate_of_change_uses_recent_variability() {
        let c = QcConfig::defaults(Parameter::Temperature);
        let vals: Vec<(i64, f64)> = (0..20)
            .map(|i| (i * 15, 20.0 + 0.05 * (i % 3) as f64))
            .collect();
        let w = window(&vals);
        let (flag, tests) = evaluate(&c, &w, t(20 * 15), 21.0);
        assert_eq!(flag, QcFlag::Suspect);
        assert_eq!(tests, vec!["rate_of_change"]);
        assert_eq!(evaluate(&c, &w, t(20 * 15), 20.1).0, QcFlag::Pass);
    }

    #[test]
    fn flat_line_suspect_then_fail() {
        let c = QcConfig::defaults(Parameter::Ph);
        let six_h: Vec<(i64, f64)> = (0..25).map(|i| (i * 15, 7.2)).collect();
        let w = window(&six_h);
        assert_eq!(
            evaluate(&c, &w, t(25 * 15), 7.2),
            (QcFlag::Suspect, vec!["flat_line"])
        );
        let day: Vec<(i64, f64)> = (0..97).map(|i| (i * 15, 7.2)).collect();
        assert_eq!(evaluate(&c, &window(&day), t(97 * 15), 7.2).0, QcFlag::Fail);
        // A change breaks the run.
        let mut broken = six_h.clone();
        broken[20].1 = 7.3;
        assert_eq!(
            evaluate(&c, &window(&broken), t(25 * 15), 7.2).0,
            QcFlag::Pass
        );
    }

    #[test]
    fn climatology_learned_and_configured() {
        let mut cfg = QcConfig::defaults(Parameter::Temperature);
        let mut s = MonthlyStats::default();
        for i in 0..40 {
            s.add(5, 28.0 + (i % 5) as f64 * 0.5); // June: 28-30 °C
        }
        assert!(!climatology(&cfg, Some(&s), 5, 29.0));
        assert!(climatology(&cfg, Some(&s), 5, 36.0));
        assert!(
            !climatology(&cfg, Some(&s), 0, 10.0),
            "January has no history: not evaluated"
        );
        cfg.climatology[0] = Some((12.0, 24.0));
        assert!(climatology(&cfg, Some(&s), 0, 10.0));
        // Seeding from SQL aggregates gives the same range as adding one by one.
        let mut seeded = MonthlyStats::default();
        let vals: Vec<f64> = (0..40).map(|i| 28.0 + (i % 5) as f64 * 0.5).collect();
        let mean = vals.iter().sum::<f64>() / 40.0;
        let mean_sq = vals.iter().map(|v| v * v).sum::<f64>() / 40.0;
        seeded.seed(5, 40, mean, mean_sq);
        let (a, b) = (
            s.range(5, 4.0, 30).unwrap(),
            seeded.range(5, 4.0, 30).unwrap(),
        );
        assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    }

    #[test]
    fn window_keeps_order_and_age() {
        let mut w = Window::default();
        w.push(t(10), 1.0);
        w.push(t(5), 2.0);
        assert_eq!(w.points.len(), 1);
        w.push(t(10 + 26 * 60), 3.0);
        assert_eq!(w.points.len(), 1, "points older than 25 h are dropped");
    }
}
