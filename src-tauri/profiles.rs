//! Criteria profiles as data (`data/profiles/profiles.json`): CPCB designated-best-use classes
//! A–E, CPCB bathing water, the polluted-river-stretch BOD ladder, IS 10500:2012, WHO, and the
//! original system's table (`legacy.purehealth_v6`). Each station's designated use picks its
//! profile; alarm rules are the profile's clauses grouped per parameter (one ladder each).

use crate::model::Parameter;
use crate::quality::Level;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use thiserror::Error;

const BUNDLED: &str = include_str!("../data/profiles/profiles.json");

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("criteria profiles: {0}")]
    Invalid(String),
}

/// How a clause's limit bounds the compliant values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Compliant at or above (`inclusive`) / above the limit.
    Min(f64),
    /// Compliant at or below / below the limit.
    Max(f64),
    /// Compliant between the limits.
    Range(f64, f64),
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub id: String,
    /// Parameter name as in the data (some are not measured by the app yet).
    pub parameter: String,
    /// The app's parameter, when it has one.
    pub app_parameter: Option<Parameter>,
    pub bound: Bound,
    pub inclusive: bool,
    pub severity: Level,
    pub unit: String,
    pub text: String,
    /// `instantaneous`, or the statistic the standard is defined on (then a real-time value
    /// is only indicative).
    pub statistic: String,
}

impl Clause {
    /// The level this clause alone gives `v`: `Ok` or its severity.
    pub fn evaluate(&self, v: f64) -> Level {
        self.evaluate_with_margin(v, 0.0)
    }

    /// As [`Clause::evaluate`], with the compliant region shrunk by `margin` on the limiting
    /// side(s): an alarm raised at the limit clears only once the value is `margin` inside it.
    pub fn evaluate_with_margin(&self, v: f64, margin: f64) -> Level {
        let above = |limit: f64| {
            if self.inclusive {
                v >= limit + margin
            } else {
                v > limit + margin
            }
        };
        let below = |limit: f64| {
            if self.inclusive {
                v <= limit - margin
            } else {
                v < limit - margin
            }
        };
        let ok = match self.bound {
            Bound::Min(l) => above(l),
            Bound::Max(l) => below(l),
            Bound::Range(lo, hi) => above(lo) && below(hi),
        };
        if ok { Level::Ok } else { self.severity }
    }

    /// Whether lower values are the bad side (for the peak kept on an alarm).
    pub fn low_is_bad(&self, v: f64) -> bool {
        match self.bound {
            Bound::Min(_) => true,
            Bound::Max(_) => false,
            Bound::Range(lo, hi) => (v - lo).abs() < (v - hi).abs(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub document: String,
    pub designated_use: String,
    /// DBU class letter, for class profiles.
    pub class: Option<String>,
    pub clauses: Vec<Clause>,
}

/// The grade of one value of one parameter under a profile.
#[derive(Debug, Clone)]
pub struct Grade<'a> {
    pub level: Level,
    /// The worst breached clause (the first of equal severity).
    pub clause: Option<&'a Clause>,
    /// Every breached clause.
    pub breached: Vec<&'a Clause>,
}

impl Profile {
    /// The rule id of a parameter's ladder in this profile.
    pub fn rule_id(&self, p: Parameter) -> String {
        format!("{}.{}", self.id, p.as_str())
    }

    pub fn clauses_for(&self, p: Parameter) -> impl Iterator<Item = &Clause> {
        self.clauses
            .iter()
            .filter(move |c| c.app_parameter == Some(p))
    }

    /// Grades one value; `margin` applies hysteresis (0 for a fresh evaluation).
    pub fn grade(&self, p: Parameter, v: f64, margin: f64) -> Option<Grade<'_>> {
        let mut any = false;
        let mut g = Grade {
            level: Level::Ok,
            clause: None,
            breached: Vec::new(),
        };
        for c in self.clauses_for(p) {
            any = true;
            let level = c.evaluate_with_margin(v, margin);
            if level != Level::Ok {
                g.breached.push(c);
                if level > g.level {
                    g.level = level;
                    g.clause = Some(c);
                }
            }
        }
        any.then_some(g)
    }

    /// Grades several parameters at once: the worst level, every breached clause id and the
    /// clauses that could not be evaluated (parameter absent).
    pub fn grade_values(&self, values: &BTreeMap<String, f64>) -> (Level, Vec<&str>, Vec<&str>) {
        let mut level = Level::Ok;
        let mut breached = Vec::new();
        let mut missing = Vec::new();
        for c in &self.clauses {
            match values.get(&c.parameter) {
                Some(v) => {
                    let l = c.evaluate(*v);
                    if l != Level::Ok {
                        breached.push(c.id.as_str());
                        level = level.max(l);
                    }
                }
                None => missing.push(c.id.as_str()),
            }
        }
        (level, breached, missing)
    }
}

/// Every profile, the hysteresis deadbands and the DBU class order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub profiles: Vec<Profile>,
    deadbands: HashMap<String, f64>,
    class_order: Vec<String>,
    below_lowest: String,
}

#[derive(Deserialize)]
struct RawDoc {
    profiles: Vec<RawProfile>,
    #[serde(default)]
    deadbands: HashMap<String, f64>,
    #[serde(default)]
    class_schemes: HashMap<String, RawScheme>,
}

#[derive(Deserialize)]
struct RawScheme {
    order: Vec<String>,
    below_lowest: String,
}

#[derive(Deserialize)]
struct RawProfile {
    id: String,
    name: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    designated_use: String,
    class: Option<String>,
    clauses: Vec<RawClause>,
}

#[derive(Deserialize)]
struct RawClause {
    id: String,
    parameter: String,
    kind: String,
    limit: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    #[serde(default)]
    unit: String,
    inclusive: bool,
    severity: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    statistic: String,
}

impl Catalogue {
    /// The profiles shipped with the app.
    pub fn bundled() -> &'static Catalogue {
        static CAT: OnceLock<Catalogue> = OnceLock::new();
        CAT.get_or_init(|| {
            // The bundled file is checked by the tests; failing here is a build defect.
            Catalogue::parse(BUNDLED).unwrap_or_else(|e| panic!("bundled profiles: {e}"))
        })
    }

    pub fn parse(text: &str) -> Result<Catalogue, ProfileError> {
        let doc: RawDoc =
            serde_json::from_str(text).map_err(|e| ProfileError::Invalid(e.to_string()))?;
        let mut profiles = Vec::new();
        for rp in doc.profiles {
            let mut clauses = Vec::new();
            for rc in rp.clauses {
                let bad = |why: &str| ProfileError::Invalid(format!("clause {}: {why}", rc.id));
                let bound = match (rc.kind.as_str(), rc.limit, rc.low, rc.high) {
                    ("min", Some(l), _, _) => Bound::Min(l),
                    ("max", Some(l), _, _) => Bound::Max(l),
                    ("range", _, Some(lo), Some(hi)) if lo <= hi => Bound::Range(lo, hi),
                    _ => return Err(bad("kind needs limit (min/max) or low ≤ high (range)")),
                };
                let severity = match rc.severity.as_str() {
                    "warning" => Level::Warning,
                    "critical" => Level::Critical,
                    _ => return Err(bad("severity must be warning or critical")),
                };
                clauses.push(Clause {
                    app_parameter: Parameter::parse(&rc.parameter)
                        .filter(|p| p.as_str() == rc.parameter),
                    id: rc.id,
                    parameter: rc.parameter,
                    bound,
                    inclusive: rc.inclusive,
                    severity,
                    unit: rc.unit,
                    text: rc.text,
                    statistic: rc.statistic,
                });
            }
            profiles.push(Profile {
                id: rp.id,
                name: rp.name,
                document: rp.document,
                designated_use: rp.designated_use,
                class: rp.class,
                clauses,
            });
        }
        let scheme = doc.class_schemes.get("cpcb.dbu");
        Ok(Catalogue {
            profiles,
            deadbands: doc.deadbands,
            class_order: scheme.map(|s| s.order.clone()).unwrap_or_default(),
            below_lowest: scheme
                .map(|s| s.below_lowest.clone())
                .unwrap_or_else(|| "below E".into()),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.profiles.iter().map(|p| p.id.as_str())
    }

    /// Hysteresis deadband of a parameter (0 when the data gives none).
    pub fn deadband(&self, p: Parameter) -> f64 {
        self.deadbands.get(p.as_str()).copied().unwrap_or(0.0)
    }

    /// The best CPCB DBU class whose every evaluable clause holds for `values` ("A".."E"), the
    /// "below E" label when none does, or `None` when no class clause can be evaluated.
    pub fn dbu_class(&self, values: &BTreeMap<String, f64>) -> Option<String> {
        let mut evaluable = false;
        for id in &self.class_order {
            let Some(p) = self.get(id) else { continue };
            let (level, _, missing) = p.grade_values(values);
            if missing.len() < p.clauses.len() {
                evaluable = true;
                if level == Level::Ok {
                    return p.class.clone().or_else(|| Some(p.id.clone()));
                }
            }
        }
        evaluable.then(|| self.below_lowest.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/profiles/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn level(s: &str) -> Level {
        match s {
            "ok" => Level::Ok,
            "warning" => Level::Warning,
            "critical" => Level::Critical,
            other => panic!("level {other}"),
        }
    }

    #[test]
    fn every_clause_just_inside_at_and_just_outside_its_limit() {
        let cat = Catalogue::bundled();
        let vectors = fixture("clause_vectors.json");
        let mut seen = std::collections::HashSet::new();
        for v in vectors.as_array().unwrap() {
            let profile = cat.get(v["profile"].as_str().unwrap()).unwrap();
            let id = v["clause"].as_str().unwrap();
            let clause = profile.clauses.iter().find(|c| c.id == id).unwrap();
            let value = v["value"].as_f64().unwrap();
            assert_eq!(
                clause.evaluate(value),
                level(v["expect"].as_str().unwrap()),
                "{id} at {value} ({})",
                v["position"]
            );
            seen.insert(id.to_string());
        }
        let all: usize = cat.profiles.iter().map(|p| p.clauses.len()).sum();
        assert_eq!(seen.len(), all, "every clause has vectors");
        assert!(all >= 70);
    }

    #[test]
    fn stations_are_graded_and_classed_like_the_fixtures() {
        let cat = Catalogue::bundled();
        for case in fixture("station_vectors.json").as_array().unwrap() {
            let profile = cat.get(case["profile"].as_str().unwrap()).unwrap();
            let values: BTreeMap<String, f64> = case["values"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                .collect();
            let (lvl, mut breached, _) = profile.grade_values(&values);
            assert_eq!(lvl, level(case["expect_level"].as_str().unwrap()), "{case}");
            let mut want: Vec<&str> = case["expect_breached"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            breached.sort();
            want.sort();
            assert_eq!(breached, want, "{case}");
            if let Some(class) = case.get("expect_class").and_then(Value::as_str) {
                assert_eq!(cat.dbu_class(&values).as_deref(), Some(class), "{case}");
            }
        }
    }

    #[test]
    fn legacy_profile_agrees_with_the_threshold_table() {
        let cat = Catalogue::bundled();
        let legacy = cat.get(crate::quality::LEGACY_PROFILE).unwrap();
        for (p, values) in [
            (Parameter::DissolvedOxygen, [0.5, 3.9, 4.0, 4.5, 5.0, 7.0]),
            (Parameter::Ph, [4.0, 5.9, 6.0, 6.5, 8.5, 9.5]),
            (Parameter::Bod, [1.0, 2.9, 3.0, 5.0, 5.1, 12.0]),
            (
                Parameter::FecalColiform,
                [10.0, 500.0, 2500.0, 2501.0, 5000.0, 1e5],
            ),
            (Parameter::Turbidity, [1.0, 5.0, 10.0, 10.5, 25.0, 100.0]),
        ] {
            for v in values {
                let table = crate::quality::grade(p, v).map_or(Level::Ok, |f| f.level);
                let data = legacy.grade(p, v, 0.0).map_or(Level::Ok, |g| g.level);
                assert_eq!(data, table, "{} at {v}", p.as_str());
            }
        }
    }

    #[test]
    fn hysteresis_margin_holds_an_alarm_until_the_value_is_clear() {
        let cat = Catalogue::bundled();
        let c = cat.get("cpcb.dbu.C").unwrap();
        let db = cat.deadband(Parameter::DissolvedOxygen);
        assert_eq!(db, 0.3);
        let g = |v: f64, m: f64| c.grade(Parameter::DissolvedOxygen, v, m).unwrap().level;
        assert_eq!(g(3.9, 0.0), Level::Warning);
        assert_eq!(g(4.1, 0.0), Level::Ok);
        assert_eq!(
            g(4.1, db),
            Level::Warning,
            "inside the deadband: still breached"
        );
        assert_eq!(g(4.3, db), Level::Ok);
    }
}
