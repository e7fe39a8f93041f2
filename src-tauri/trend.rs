//! Trend tests (domain.md §12): the Mann-Kendall test with tie correction, Sen's slope, and the
//! seasonal Kendall test for periodic (e.g. monthly) data. Pure functions; checked against the
//! outputs of the `pymannkendall` reference implementation on fixed series.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Increasing,
    Decreasing,
    NoTrend,
    /// Fewer values than the normal approximation needs.
    InsufficientData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MannKendall {
    pub n: usize,
    pub s: f64,
    pub var_s: f64,
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    pub tau: f64,
    pub trend: Direction,
    /// Sen's slope, per unit of `t` (per season-cycle for the seasonal test).
    pub slope: f64,
    /// median(x) − slope · median(t) (the convention of `pymannkendall`).
    pub intercept: f64,
}

/// Fewest values for which the normal approximation is used (domain.md §12: n ≥ 8-10).
pub const MIN_N: usize = 8;

fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// S and its tie-corrected variance for one series.
fn s_and_var(x: &[f64]) -> (f64, f64) {
    let n = x.len();
    let mut s = 0.0;
    for k in 0..n {
        for j in k + 1..n {
            s += sign(x[j] - x[k]);
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        if t > 1.0 {
            ties += t * (t - 1.0) * (2.0 * t + 5.0);
        }
        i = j + 1;
    }
    let nf = n as f64;
    (s, (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0)
}

fn z_of(s: f64, var: f64) -> f64 {
    if var <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var.sqrt()
    } else {
        0.0
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn finish(
    n: usize,
    s: f64,
    var_s: f64,
    pairs: f64,
    alpha: f64,
    slope: f64,
    intercept: f64,
) -> MannKendall {
    let z = z_of(s, var_s);
    let p = 2.0 * (1.0 - normal_cdf(z.abs()));
    let trend = if n < MIN_N {
        Direction::InsufficientData
    } else if p < alpha {
        if z > 0.0 {
            Direction::Increasing
        } else {
            Direction::Decreasing
        }
    } else {
        Direction::NoTrend
    };
    MannKendall {
        n,
        s,
        var_s,
        z,
        p,
        tau: if pairs > 0.0 { s / pairs } else { 0.0 },
        trend,
        slope,
        intercept,
    }
}

/// Mann-Kendall test and Sen's slope of `x` observed at times `t` (any unit; the slope is per
/// that unit). Non-finite values are skipped.
pub fn mann_kendall(t: &[f64], x: &[f64], alpha: f64) -> MannKendall {
    let (t, x): (Vec<f64>, Vec<f64>) = t
        .iter()
        .zip(x)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    let n = x.len();
    let (s, var_s) = s_and_var(&x);
    let mut slopes = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for k in 0..n {
        for j in k + 1..n {
            if t[j] != t[k] {
                slopes.push((x[j] - x[k]) / (t[j] - t[k]));
            }
        }
    }
    let slope = median(&mut slopes);
    let intercept = median(&mut x.clone()) - median(&mut t.clone()) * slope;
    let nf = n as f64;
    finish(n, s, var_s, nf * (nf - 1.0) / 2.0, alpha, slope, intercept)
}

/// Seasonal Kendall test for a regular series with `period` seasons per cycle (12 for monthly
/// data); `x[i]` is season `i % period` of cycle `i / period`, NaN where missing. The slope is
/// the median of within-season slopes, per cycle.
pub fn seasonal(x: &[f64], period: usize, alpha: f64) -> MannKendall {
    let period = period.max(1);
    let (mut s, mut var_s, mut pairs, mut n) = (0.0, 0.0, 0.0, 0);
    let mut slopes = Vec::new();
    for season in 0..period {
        let pts: Vec<(f64, f64)> = x
            .iter()
            .enumerate()
            .skip(season)
            .step_by(period)
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| ((i / period) as f64, *v))
            .collect();
        let vals: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let (ss, vv) = s_and_var(&vals);
        s += ss;
        var_s += vv;
        let k = vals.len() as f64;
        pairs += k * (k - 1.0) / 2.0;
        n += vals.len();
        for a in 0..pts.len() {
            for b in a + 1..pts.len() {
                slopes.push((pts[b].1 - pts[a].1) / (pts[b].0 - pts[a].0));
            }
        }
    }
    let slope = median(&mut slopes);
    let mut finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let mut idx: Vec<f64> = x
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, _)| i as f64)
        .collect();
    let intercept = median(&mut finite) - median(&mut idx) / period as f64 * slope;
    finish(n, s, var_s, pairs, alpha, slope, intercept)
}

/// Standard normal CDF via erfc (W. J. Cody's rational approximations through
/// `libm`-free code: Numerical Recipes' erfc, fractional error < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64).collect()
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-12)
    }

    // Expected values: pymannkendall 1.4.3, original_test / seasonal_test on the same series.
    #[test]
    fn matches_pymannkendall_increasing() {
        let x = [
            4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69, 5.1, 5.3, 5.8, 6.1, 5.9,
            6.4,
        ];
        let r = mann_kendall(&idx(x.len()), &x, 0.05);
        assert_eq!(r.s, 64.0);
        assert!(close(r.var_s, 493.333_333_333_333_3, 1e-12));
        assert!(close(r.z, 2.836_418_564_011_713_4, 1e-12));
        assert!(close(r.p, 0.004_562_261_153_222_558, 1e-5), "{}", r.p);
        assert!(close(r.tau, 0.533_333_333_333_333_3, 1e-12));
        assert!(close(r.slope, 0.149_090_909_090_909_27, 1e-9));
        assert!(close(r.intercept, 3.876_818_181_818_179_7, 1e-9));
        assert_eq!(r.trend, Direction::Increasing);
    }

    #[test]
    fn matches_pymannkendall_with_ties_and_decreasing() {
        let y = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let r = mann_kendall(&idx(y.len()), &y, 0.05);
        assert_eq!(r.s, 40.0);
        assert!(
            close(r.var_s, 119.333_333_333_333_33, 1e-12),
            "tie correction: {}",
            r.var_s
        );
        assert!(close(r.p, 0.000_356_807_574_335_871_2, 1e-4), "{}", r.p);
        assert!(close(r.slope, 0.5, 1e-12));
        assert!(close(r.intercept, 0.75, 1e-12));
        let z = [10.2, 9.8, 9.1, 9.5, 8.7, 8.9, 8.1, 8.4, 7.9, 7.2, 7.6, 7.0];
        let r = mann_kendall(&idx(z.len()), &z, 0.05);
        assert_eq!(r.s, -58.0);
        assert!(close(r.z, -3.908_635_243_545_327_3, 1e-12));
        assert!(close(r.p, 9.281_898_133_695_066e-5, 1e-3), "{}", r.p);
        assert!(close(r.slope, -0.271_428_571_428_571_46, 1e-9));
        assert_eq!(r.trend, Direction::Decreasing);
    }

    #[test]
    fn matches_pymannkendall_seasonal() {
        let s = [
            10.07, 11.66, 12.67, 12.74, 12.78, 11.59, 9.89, 8.62, 7.47, 7.06, 7.41, 8.61, 10.15,
            11.77, 12.8, 13.42, 12.91, 11.74, 10.14, 8.75, 7.7, 7.24, 7.96, 9.0, 10.06, 11.72,
            13.17, 13.52, 13.24, 12.14, 11.02, 8.88, 7.92, 8.01, 8.13, 9.23, 10.8, 12.07, 13.53,
            13.92, 13.25, 12.26, 10.89, 9.21, 8.28, 7.92, 8.31, 9.3,
        ];
        let r = seasonal(&s, 12, 0.05);
        assert_eq!(r.s, 62.0);
        assert!(close(r.var_s, 104.0, 1e-12));
        assert!(close(r.z, 5.981_542_121_714_613, 1e-12));
        assert!(close(r.tau, 0.861_111_111_111_111_2, 1e-12));
        assert!(close(r.slope, 0.236_666_666_666_666_97, 1e-9));
        assert!(close(r.intercept, 9.681_527_777_777_777, 1e-9));
        assert_eq!(r.trend, Direction::Increasing);
        assert!(r.p < 1e-8);
    }

    #[test]
    fn short_and_flat_series() {
        let r = mann_kendall(&idx(5), &[1.0, 2.0, 3.0, 4.0, 5.0], 0.05);
        assert_eq!(r.trend, Direction::InsufficientData);
        let r = mann_kendall(&idx(10), &[2.0; 10], 0.05);
        assert_eq!((r.s, r.trend), (0.0, Direction::NoTrend));
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-7);
    }
}
