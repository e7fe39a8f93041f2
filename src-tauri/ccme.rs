//! CCME Water Quality Index 1.0 (Canadian Council of Ministers of the Environment, 2001;
//! domain.md §5) over a window of readings, with the station's criteria profile as objectives.
//! It complements the instantaneous CPCB index: it scores how often and how far a station
//! breached its designated use over the last 30 or 365 days.

use crate::model::Parameter;
use crate::profiles::{Bound, Profile};
use crate::quality::Level;

pub const METHOD: &str = "wqi.ccme.1_0";
/// Variables needed (BC's implementation asks for 4; our profiles have 3–5 measurable ones).
pub const MIN_VARIABLES: usize = 3;
/// Samples needed per variable.
pub const MIN_TESTS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Ccme {
    pub value: f64,
    pub band: &'static str,
    /// Scope: % of variables that failed at least once.
    pub f1: f64,
    /// Frequency: % of tests that failed.
    pub f2: f64,
    /// Amplitude: scaled sum of excursions.
    pub f3: f64,
    pub variables: Vec<Parameter>,
    pub tests: usize,
}

/// The objective per parameter: the profile's warning-level clause (the first one), else its
/// first clause.
pub fn objectives(profile: &Profile) -> Vec<(Parameter, Bound)> {
    let mut out: Vec<(Parameter, Bound, bool)> = Vec::new();
    for c in &profile.clauses {
        let Some(p) = c.app_parameter else { continue };
        let warning = c.severity == Level::Warning;
        match out.iter_mut().find(|(q, _, _)| *q == p) {
            Some(slot) if !slot.2 && warning => *slot = (p, c.bound, true),
            Some(_) => {}
            None => out.push((p, c.bound, warning)),
        }
    }
    out.into_iter().map(|(p, b, _)| (p, b)).collect()
}

/// Excursion of a failed test (0 when it passed).
fn excursion(bound: Bound, v: f64) -> f64 {
    let over = |limit: f64| {
        if v > limit && limit > 0.0 {
            v / limit - 1.0
        } else {
            0.0
        }
    };
    // A reading of 0 against a minimum (DO) would be an infinite excursion: floor it.
    let under = |limit: f64| {
        if v < limit {
            limit / v.max(1e-3) - 1.0
        } else {
            0.0
        }
    };
    match bound {
        Bound::Max(l) => over(l),
        Bound::Min(l) => under(l),
        Bound::Range(lo, hi) => over(hi) + under(lo),
    }
}

fn failed(bound: Bound, v: f64) -> bool {
    match bound {
        Bound::Max(l) => v > l,
        Bound::Min(l) => v < l,
        Bound::Range(lo, hi) => v < lo || v > hi,
    }
}

pub fn band(v: f64) -> &'static str {
    match v {
        x if x >= 95.0 => "Excellent",
        x if x >= 80.0 => "Good",
        x if x >= 65.0 => "Fair",
        x if x >= 45.0 => "Marginal",
        _ => "Poor",
    }
}

/// The index over `samples` (parameter, value), or `None` with fewer than
/// [`MIN_VARIABLES`] variables of at least [`MIN_TESTS`] samples each.
pub fn ccme(samples: &[(Parameter, f64)], objectives: &[(Parameter, Bound)]) -> Option<Ccme> {
    let mut variables = Vec::new();
    let (mut tests, mut fails, mut failed_vars, mut excursions) = (0usize, 0usize, 0usize, 0.0);
    for &(p, bound) in objectives {
        let values: Vec<f64> = samples
            .iter()
            .filter(|(q, v)| *q == p && v.is_finite())
            .map(|(_, v)| *v)
            .collect();
        if values.len() < MIN_TESTS {
            continue;
        }
        variables.push(p);
        tests += values.len();
        let f = values.iter().filter(|v| failed(bound, **v)).count();
        fails += f;
        failed_vars += usize::from(f > 0);
        excursions += values.iter().map(|v| excursion(bound, *v)).sum::<f64>();
    }
    if variables.len() < MIN_VARIABLES {
        return None;
    }
    let f1 = 100.0 * failed_vars as f64 / variables.len() as f64;
    let f2 = 100.0 * fails as f64 / tests as f64;
    let nse = excursions / tests as f64;
    let f3 = nse / (0.01 * nse + 0.01);
    let value = (100.0 - (f1 * f1 + f2 * f2 + f3 * f3).sqrt() / 1.732).clamp(0.0, 100.0);
    Some(Ccme {
        value,
        band: band(value),
        f1,
        f2,
        f3,
        variables,
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_within_objectives_is_100() {
        let obj = [
            (Parameter::Ph, Bound::Range(6.5, 8.5)),
            (Parameter::DissolvedOxygen, Bound::Min(5.0)),
            (Parameter::Bod, Bound::Max(3.0)),
        ];
        let s: Vec<_> = (0..4)
            .flat_map(|_| {
                [
                    (Parameter::Ph, 7.0),
                    (Parameter::DissolvedOxygen, 7.0),
                    (Parameter::Bod, 1.0),
                ]
            })
            .collect();
        let r = ccme(&s, &obj).unwrap();
        assert_eq!((r.value, r.band, r.tests), (100.0, "Excellent", 12));
    }

    #[test]
    fn hand_computed_factors() {
        // 3 variables × 4 tests. BOD fails twice (6 and 4.5 against ≤ 3: excursions 1.0 and 0.5),
        // DO fails once (2.5 against ≥ 5: excursion 1.0).
        let obj = [
            (Parameter::Ph, Bound::Range(6.5, 8.5)),
            (Parameter::DissolvedOxygen, Bound::Min(5.0)),
            (Parameter::Bod, Bound::Max(3.0)),
        ];
        let mut s = vec![];
        for v in [7.0, 7.2, 7.4, 7.1] {
            s.push((Parameter::Ph, v));
        }
        for v in [6.0, 2.5, 6.2, 5.5] {
            s.push((Parameter::DissolvedOxygen, v));
        }
        for v in [6.0, 4.5, 2.0, 1.0] {
            s.push((Parameter::Bod, v));
        }
        let r = ccme(&s, &obj).unwrap();
        let f1: f64 = 100.0 * 2.0 / 3.0;
        let f2: f64 = 100.0 * 3.0 / 12.0;
        let nse: f64 = 2.5 / 12.0;
        let f3 = nse / (0.01 * nse + 0.01);
        let want = 100.0 - (f1 * f1 + f2 * f2 + f3 * f3).sqrt() / 1.732;
        assert!((r.value - want).abs() < 1e-9, "{} vs {want}", r.value);
        assert!((r.f1 - f1).abs() < 1e-9 && (r.f2 - f2).abs() < 1e-9);
        assert_eq!(r.band, band(want));
    }

    #[test]
    fn too_few_variables_or_samples() {
        let obj = [
            (Parameter::Ph, Bound::Range(6.5, 8.5)),
            (Parameter::DissolvedOxygen, Bound::Min(5.0)),
            (Parameter::Bod, Bound::Max(3.0)),
        ];
        let s = vec![(Parameter::Ph, 7.0); 10];
        assert!(ccme(&s, &obj).is_none());
        let mut s2 = s.clone();
        s2.extend([(Parameter::DissolvedOxygen, 6.0); 4]);
        s2.extend([(Parameter::Bod, 2.0); 3]);
        assert!(ccme(&s2, &obj).is_none(), "BOD has only 3 samples");
    }

    #[test]
    fn objectives_come_from_the_profile() {
        let cat = crate::profiles::Catalogue::bundled();
        let b = objectives(cat.get("cpcb.dbu.B").unwrap());
        assert!(
            b.contains(&(Parameter::DissolvedOxygen, Bound::Min(5.0))),
            "{b:?}"
        );
        assert!(b.contains(&(Parameter::Bod, Bound::Max(3.0))), "{b:?}");
        // The legacy table: the warning limits are the objectives, not the critical ones.
        let l = objectives(cat.get(crate::quality::LEGACY_PROFILE).unwrap());
        assert!(
            l.contains(&(Parameter::DissolvedOxygen, Bound::Min(4.0))),
            "{l:?}"
        );
    }

    #[test]
    fn bands() {
        assert_eq!(
            [95.0, 94.9, 80.0, 65.0, 64.9, 45.0, 44.9].map(band),
            [
                "Excellent",
                "Good",
                "Good",
                "Fair",
                "Marginal",
                "Marginal",
                "Poor"
            ]
        );
    }
}
