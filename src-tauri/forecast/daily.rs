//! Daily series: one value per calendar day (UTC), gaps as NaN, as the forecast models and the
//! backtest expect. Day numbers count days since 1970-01-01.

use chrono::{Datelike, NaiveDate};

/// A gap-aware daily series starting at day number `day0`.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySeries {
    pub day0: i64,
    /// One slot per day from `day0`; `NaN` where the day has no value.
    pub values: Vec<f64>,
}

impl DailySeries {
    /// Builds the series from `(day, value)` pairs in any order; non-finite values are gaps.
    /// A later pair for the same day replaces an earlier one.
    pub fn from_days(pairs: impl IntoIterator<Item = (i64, f64)>) -> Option<DailySeries> {
        let mut pairs: Vec<(i64, f64)> = pairs.into_iter().filter(|(_, v)| v.is_finite()).collect();
        if pairs.is_empty() {
            return None;
        }
        pairs.sort_by_key(|(d, _)| *d);
        let day0 = pairs[0].0;
        let last = pairs[pairs.len() - 1].0;
        let mut values = vec![f64::NAN; (last - day0 + 1) as usize];
        for (d, v) in pairs {
            values[(d - day0) as usize] = v;
        }
        Some(DailySeries { day0, values })
    }

    /// Daily means of timestamped values (ms since the epoch, UTC days).
    pub fn daily_means(points: impl IntoIterator<Item = (i64, f64)>) -> Option<DailySeries> {
        let mut sums: std::collections::BTreeMap<i64, (f64, u32)> = Default::default();
        for (ts_ms, v) in points {
            if v.is_finite() {
                let e = sums.entry(ts_ms.div_euclid(86_400_000)).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
        DailySeries::from_days(sums.into_iter().map(|(d, (s, n))| (d, s / f64::from(n))))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Day number of the last observed day.
    pub fn last_day(&self) -> i64 {
        self.day0 + self.values.len() as i64 - 1
    }

    /// The series with `f` applied to every observed value.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> DailySeries {
        DailySeries {
            day0: self.day0,
            values: self
                .values
                .iter()
                .map(|&v| if v.is_nan() { v } else { f(v) })
                .collect(),
        }
    }

    /// The series cut after day `last` (inclusive).
    pub fn until(&self, last: i64) -> DailySeries {
        let n = (last - self.day0 + 1).clamp(0, self.values.len() as i64) as usize;
        DailySeries {
            day0: self.day0,
            values: self.values[..n].to_vec(),
        }
    }
}

/// The calendar date of a day number.
pub fn date_of(day: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt((day + 719_163) as i32).unwrap_or_default()
}

/// The day number of a calendar date.
pub fn day_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// Day of year, 1..=366.
pub fn day_of_year(day: i64) -> u32 {
    date_of(day).ordinal()
}

/// Climatology bin 0..364: `(day_of_year - 1) mod 365`, so 31 December of a leap year shares
/// bin 0 with 1 January.
pub fn doy_bin(day: i64) -> usize {
    ((day_of_year(day) - 1) % 365) as usize
}

/// Day-of-year climatology of a site's own past: per-bin sums and counts of every observed
/// value up to the current origin, fed in day order so the backtest can advance it cheaply.
#[derive(Debug, Clone)]
pub struct Climatology {
    sum: [f64; 365],
    count: [u32; 365],
    /// Next index of the series not yet added.
    next: usize,
}

/// Values within ±7 bins (on the 365-bin ring) of the target bin count toward its mean.
pub const CLIM_HALF_WIDTH: usize = 7;
/// A climatology value needs at least this many observations.
pub const CLIM_MIN_N: u32 = 5;

impl Default for Climatology {
    fn default() -> Self {
        Climatology {
            sum: [0.0; 365],
            count: [0; 365],
            next: 0,
        }
    }
}

impl Climatology {
    /// Adds every observed value of `series` with index ≤ `t` not yet added.
    pub fn advance_to(&mut self, series: &DailySeries, t: usize) {
        while self.next <= t && self.next < series.values.len() {
            let v = series.values[self.next];
            if !v.is_nan() {
                let b = doy_bin(series.day0 + self.next as i64);
                self.sum[b] += v;
                self.count[b] += 1;
            }
            self.next += 1;
        }
    }

    /// Mean of the values whose bin lies within ±7 of `bin`, if there are at least 5.
    pub fn mean(&self, bin: usize) -> Option<f64> {
        let (mut s, mut n) = (0.0, 0u32);
        for k in 0..=2 * CLIM_HALF_WIDTH {
            let b = (bin + 365 + k - CLIM_HALF_WIDTH) % 365;
            s += self.sum[b];
            n += self.count[b];
        }
        (n >= CLIM_MIN_N).then(|| s / f64::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        assert_eq!(date_of(day_of(d)), d);
        assert_eq!(day_of(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()), 0);
        // 31 December of a leap year falls in bin 0, like 1 January.
        assert_eq!(day_of_year(day_of(d)), 366);
        assert_eq!(doy_bin(day_of(d)), 0);
        assert_eq!(
            doy_bin(day_of(NaiveDate::from_ymd_opt(2021, 1, 1).unwrap())),
            0
        );
    }

    #[test]
    fn daily_means_group_by_utc_day_and_skip_non_finite() {
        let s = DailySeries::daily_means([
            (0, 1.0),
            (3_600_000, 3.0),
            (2 * 86_400_000, 5.0),
            (2 * 86_400_000 + 1, f64::NAN),
        ])
        .unwrap();
        assert_eq!(s.day0, 0);
        assert_eq!(s.values.len(), 3);
        assert_eq!(s.values[0], 2.0);
        assert!(s.values[1].is_nan());
        assert_eq!(s.values[2], 5.0);
    }

    #[test]
    fn climatology_wraps_the_year_and_needs_five_values() {
        // Values on 28..31 December and 1 January: bins 361..364 and 0.
        let start = day_of(NaiveDate::from_ymd_opt(2021, 12, 28).unwrap());
        let s = DailySeries::from_days((0..5).map(|i| (start + i, i as f64))).unwrap();
        let mut c = Climatology::default();
        c.advance_to(&s, 3);
        assert_eq!(c.mean(0), None, "four values are not enough");
        c.advance_to(&s, 4);
        assert_eq!(c.mean(0), Some(2.0));
        assert_eq!(
            c.mean(358),
            Some(2.0),
            "358 is within 7 bins of 361..364 and 0"
        );
        assert_eq!(c.mean(350), None);
    }
}
