//! Anomalies in a daily series: each day's residual from a local seasonal baseline (the median
//! of the surrounding ±15 days, narrowed symmetrically near the ends, the day itself excluded), scored
//! robustly against all residuals with the median and MAD (modified z-score, Iglewicz & Hoaglin).
//! No population z-score over a whole series: one bad week cannot hide another.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// |score| ≥ 3.5 (the usual modified-z cut-off).
    Low,
    /// |score| ≥ 5.
    High,
    /// |score| ≥ 8.
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    /// Day number (days since 1970-01-01) of the anomalous daily value.
    pub day: i64,
    pub value: f64,
    pub baseline: f64,
    /// Modified z-score of the residual: 0.6745 · (r − median(r)) / MAD(r).
    pub score: f64,
    pub severity: Severity,
}

/// Half-width of the baseline window, days.
pub const WINDOW_DAYS: i64 = 15;
/// Fewest neighbours a baseline needs.
const MIN_NEIGHBOURS: usize = 5;
/// Days within this distance of either end of the series are not scored.
const MIN_HALF_WINDOW: i64 = 3;

/// The finite values of `days`, in day order.
fn sorted_finite(days: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut pts: Vec<(i64, f64)> = days
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    pts.sort_by_key(|p| p.0);
    pts
}

/// Severity of a robust score; `None` below the usual modified-z cut-off of 3.5.
fn severity_of(score: f64) -> Option<Severity> {
    match score.abs() {
        s if s >= 8.0 => Some(Severity::Critical),
        s if s >= 5.0 => Some(Severity::High),
        s if s >= 3.5 => Some(Severity::Low),
        _ => None,
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// Scores the newest day of `days` for the live scan: the symmetric window of [`detect`] cannot
/// score the last day, so its baseline is the median of the preceding 15 days (trailing), and
/// the residual spread is that of every earlier day against its own trailing baseline. `None`
/// when there is too little history or the day is not anomalous.
pub fn detect_latest(days: &[(i64, f64)]) -> Option<Anomaly> {
    let pts = sorted_finite(days);
    let trailing = |i: usize| -> Option<f64> {
        let d = pts[i].0;
        let mut near: Vec<f64> = pts[..i]
            .iter()
            .filter(|(dj, _)| d - dj <= WINDOW_DAYS)
            .map(|p| p.1)
            .collect();
        if near.len() < MIN_NEIGHBOURS {
            return None;
        }
        median(&mut near)
    };
    let last = pts.len().checked_sub(1)?;
    let mut residuals: Vec<f64> = (0..last)
        .filter_map(|i| trailing(i).map(|b| pts[i].1 - b))
        .collect();
    if residuals.len() < 30 {
        return None;
    }
    let baseline = trailing(last)?;
    let med = median(&mut residuals.clone())?;
    let mut dev: Vec<f64> = residuals.iter_mut().map(|r| (*r - med).abs()).collect();
    let mad = median(&mut dev)?;
    if mad <= 0.0 {
        return None;
    }
    let (day, value) = pts[last];
    let score = 0.6745 * (value - baseline - med) / mad;
    let severity = severity_of(score)?;
    Some(Anomaly {
        day,
        value,
        baseline,
        score,
        severity,
    })
}

/// Detects anomalies in daily values `(day, value)` (usable values only, any order).
pub fn detect(days: &[(i64, f64)]) -> Vec<Anomaly> {
    let pts = sorted_finite(days);
    let (Some(first), Some(last)) = (pts.first().map(|p| p.0), pts.last().map(|p| p.0)) else {
        return Vec::new();
    };
    let mut residuals = Vec::with_capacity(pts.len());
    for (i, &(d, v)) in pts.iter().enumerate() {
        // A symmetric window, narrowed near the ends, so a seasonal slope does not bias the
        // baseline; days too close to an end are not scored.
        let half = WINDOW_DAYS.min(d - first).min(last - d);
        if half < MIN_HALF_WINDOW {
            continue;
        }
        let mut near: Vec<f64> = pts
            .iter()
            .enumerate()
            .filter(|(j, (dj, _))| *j != i && (dj - d).abs() <= half)
            .map(|(_, p)| p.1)
            .collect();
        if near.len() >= MIN_NEIGHBOURS
            && let Some(b) = median(&mut near)
        {
            residuals.push((d, v, b, v - b));
        }
    }
    let mut r: Vec<f64> = residuals.iter().map(|x| x.3).collect();
    let Some(med) = median(&mut r) else {
        return Vec::new();
    };
    let mut dev: Vec<f64> = residuals.iter().map(|x| (x.3 - med).abs()).collect();
    let Some(mad) = median(&mut dev) else {
        return Vec::new();
    };
    if mad <= 0.0 {
        return Vec::new();
    }
    residuals
        .into_iter()
        .filter_map(|(day, value, baseline, res)| {
            let score = 0.6745 * (res - med) / mad;
            let severity = severity_of(score)?;
            Some(Anomaly {
                day,
                value,
                baseline,
                score,
                severity,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year of daily DO with a seasonal cycle and small day-to-day noise.
    fn seasonal_year() -> Vec<(i64, f64)> {
        (0..365)
            .map(|d| {
                let season = 8.0 + 2.0 * (2.0 * std::f64::consts::PI * d as f64 / 365.0).sin();
                let noise = ((d * 7919) % 13) as f64 / 13.0 * 0.2 - 0.1;
                (20_000 + d, season + noise)
            })
            .collect()
    }

    #[test]
    fn a_seasonal_cycle_alone_is_not_anomalous() {
        assert!(detect(&seasonal_year()).is_empty());
    }

    #[test]
    fn a_fish_kill_day_is_found_and_graded() {
        let mut s = seasonal_year();
        s[200].1 -= 4.0; // a sudden DO crash
        s[100].1 += 0.6;
        let found = detect(&s);
        let crash = found
            .iter()
            .find(|a| a.day == 20_200)
            .expect("the crash is found");
        assert_eq!(crash.severity, Severity::Critical);
        assert!(crash.score < 0.0);
        assert!(
            found.iter().all(|a| a.day == 20_200 || a.day == 20_100),
            "{found:?}"
        );
    }

    #[test]
    fn too_little_data_gives_nothing() {
        assert!(detect(&[(1, 5.0), (2, 9.0), (3, 5.0)]).is_empty());
        assert!(detect(&[]).is_empty());
    }

    #[test]
    fn the_newest_day_is_scored_against_its_trailing_baseline() {
        // 120 quiet days with a weekly wiggle, then a crash on the last day.
        let mut days: Vec<(i64, f64)> = (0..120)
            .map(|i| (20_000 + i, 8.0 + 0.2 * ((i % 7) as f64 - 3.0) / 3.0))
            .collect();
        assert!(
            detect_latest(&days).is_none(),
            "a normal day is not anomalous"
        );
        days.push((20_120, 2.0));
        let a = detect_latest(&days).expect("crash found");
        assert_eq!((a.day, a.severity), (20_120, Severity::Critical));
        assert!(a.score < 0.0 && (a.baseline - 8.0).abs() < 0.3);
        // Too little history: nothing is claimed.
        assert!(detect_latest(&days[90..]).is_none());
    }
}
