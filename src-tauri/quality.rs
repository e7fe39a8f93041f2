//! Reading checks: the QC flag a reading carries (sensor gross range) and the original
//! system's threshold table (`legacy.purehealth_v6`, domain.md §10) that grades a station's
//! latest values into ok / warning / critical with the original message formats.

use crate::model::{Parameter, QcFlag};
use serde::Serialize;

/// Gross-range test (QARTOD required test): outside the sensor span is a failure.
/// Returns the flag and the tests that raised it.
pub fn gross_range(parameter: Parameter, value: f64) -> (QcFlag, Vec<&'static str>) {
    let (lo, hi) = parameter.gross_range();
    if !value.is_finite() || value < lo || value > hi {
        (QcFlag::Fail, vec!["gross_range"])
    } else {
        (QcFlag::Pass, Vec::new())
    }
}

/// Severity of a value against the threshold table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

/// One row of the threshold table: warning and critical limits on each side.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub warn_low: Option<f64>,
    pub warn_high: Option<f64>,
    pub crit_low: Option<f64>,
    pub crit_high: Option<f64>,
}

/// Id of the default criteria profile: the original spec's threshold table.
pub const LEGACY_PROFILE: &str = "legacy.purehealth_v6";

/// The original spec's table ("Quality Thresholds"), kept as the default profile.
pub fn legacy_limits(parameter: Parameter) -> Option<Limits> {
    let l = |wl, wh, cl, ch| Limits {
        warn_low: wl,
        warn_high: wh,
        crit_low: cl,
        crit_high: ch,
    };
    match parameter {
        Parameter::Ph => Some(l(Some(6.0), Some(9.0), Some(5.0), Some(10.0))),
        Parameter::DissolvedOxygen => Some(l(Some(4.0), None, Some(2.0), None)),
        Parameter::Bod => Some(l(None, Some(5.0), None, Some(10.0))),
        Parameter::FecalColiform => Some(l(None, Some(2500.0), None, Some(10_000.0))),
        Parameter::Turbidity => Some(l(None, Some(10.0), None, Some(50.0))),
        _ => None,
    }
}

/// The result of grading one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub parameter: Parameter,
    pub level: Level,
    pub value: f64,
    /// The limit that was crossed (the nearer one for the level reached).
    pub threshold: f64,
    pub threshold_low: Option<f64>,
    pub threshold_high: Option<f64>,
    /// Message in the original format, e.g. `Dissolved Oxygen critically low: 1.5`.
    pub message: String,
}

/// Grades a value against the legacy table; `None` for parameters the table does not cover.
pub fn grade(parameter: Parameter, value: f64) -> Option<Finding> {
    let lim = legacy_limits(parameter)?;
    let name = parameter.label();
    let below = |limit: Option<f64>| limit.filter(|l| value < *l);
    let above = |limit: Option<f64>| limit.filter(|l| value > *l);
    let (level, threshold, message) = if let Some(t) = below(lim.crit_low) {
        (
            Level::Critical,
            t,
            format!("{name} critically low: {value}"),
        )
    } else if let Some(t) = above(lim.crit_high) {
        (
            Level::Critical,
            t,
            format!("{name} critically high: {value}"),
        )
    } else if let Some(t) = below(lim.warn_low) {
        (
            Level::Warning,
            t,
            format!("{name} below safe minimum: {value}"),
        )
    } else if let Some(t) = above(lim.warn_high) {
        (
            Level::Warning,
            t,
            format!("{name} above safe maximum: {value}"),
        )
    } else {
        (Level::Ok, f64::NAN, String::new())
    };
    let (threshold_low, threshold_high) = match level {
        Level::Critical => (lim.crit_low, lim.crit_high),
        _ => (lim.warn_low, lim.warn_high),
    };
    Some(Finding {
        parameter,
        level,
        value,
        threshold,
        threshold_low,
        threshold_high,
        message,
    })
}

/// The original `validation` object: warnings and errors over a station's latest values.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    pub is_valid: bool,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
}

impl Validation {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Validation {
        let mut v = Validation {
            is_valid: true,
            ..Validation::default()
        };
        for f in findings {
            match f.level {
                Level::Ok => {}
                Level::Warning => v.warnings.push(f.message.clone()),
                Level::Critical => {
                    v.is_valid = false;
                    v.errors.push(f.message.clone());
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_the_original_table() {
        let g = |p, v| grade(p, v).unwrap().level;
        assert_eq!(g(Parameter::Ph, 7.0), Level::Ok);
        assert_eq!(g(Parameter::Ph, 5.5), Level::Warning);
        assert_eq!(g(Parameter::Ph, 4.9), Level::Critical);
        assert_eq!(g(Parameter::Ph, 9.5), Level::Warning);
        assert_eq!(g(Parameter::Ph, 10.5), Level::Critical);
        assert_eq!(g(Parameter::DissolvedOxygen, 4.0), Level::Ok);
        assert_eq!(g(Parameter::DissolvedOxygen, 3.9), Level::Warning);
        assert_eq!(g(Parameter::DissolvedOxygen, 1.0), Level::Critical);
        assert_eq!(g(Parameter::Bod, 6.0), Level::Warning);
        assert_eq!(g(Parameter::FecalColiform, 20_000.0), Level::Critical);
        assert_eq!(g(Parameter::Turbidity, 0.0), Level::Ok);
        assert!(grade(Parameter::Temperature, 40.0).is_none());
    }

    #[test]
    fn messages_keep_the_original_format() {
        let f = grade(Parameter::DissolvedOxygen, 1.5).unwrap();
        assert_eq!(f.message, "Dissolved Oxygen critically low: 1.5");
        assert_eq!(f.threshold, 2.0);
        let f = grade(Parameter::Bod, 6.0).unwrap();
        assert_eq!(f.message, "BOD above safe maximum: 6");
        let v = Validation::from_findings([&f]);
        assert!(v.is_valid);
        assert_eq!(v.warnings.len(), 1);
    }

    #[test]
    fn gross_range_fails_impossible_values_and_keeps_zero() {
        assert_eq!(gross_range(Parameter::Ph, 150.0).0, QcFlag::Fail);
        assert_eq!(gross_range(Parameter::Ph, 0.0).0, QcFlag::Pass);
        assert_eq!(
            gross_range(Parameter::DissolvedOxygen, -0.1).0,
            QcFlag::Fail
        );
        assert_eq!(gross_range(Parameter::Turbidity, f64::NAN).0, QcFlag::Fail);
    }
}
