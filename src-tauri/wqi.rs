//! CPCB/MPCB four-parameter water quality index (domain.md §3) and its classification.
//!
//! The index is defined only when pH, BOD, DO and faecal coliform are all present; it is never
//! renormalised over fewer parameters. DO enters as the CPCB "%sat" against a reference
//! concentration: `Sref(T)` when the water temperature is known, the fixed 6.5 mg/L otherwise.

use serde::Serialize;

pub const METHOD_CPCB: &str = "wqi.cpcb";

const W_DO: f64 = 0.31;
const W_FC: f64 = 0.28;
const W_PH: f64 = 0.22;
const W_BOD: f64 = 0.19;

/// Inputs of the index, in canonical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WqiInputs {
    pub ph: f64,
    pub bod: f64,
    pub dissolved_oxygen: f64,
    pub fecal_coliform: f64,
    pub temperature: Option<f64>,
}

/// An index value with its labels, exactly as in `wqi_vectors_cpcb.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wqi {
    pub value: f64,
    pub classification: &'static str,
    pub cpcb_class: &'static str,
    pub mpcb_class: &'static str,
    pub status: &'static str,
    pub method: &'static str,
}

/// The CPCB reference DO concentration: `clamp(6.5·(1 − 0.015·(T − 20)), 4, 9)`, or 6.5 without T.
pub fn do_reference(temperature: Option<f64>) -> f64 {
    match temperature {
        Some(t) => (6.5 * (1.0 - 0.015 * (t - 20.0))).clamp(4.0, 9.0),
        None => 6.5,
    }
}

fn si_do(x: f64) -> f64 {
    if x < 0.0 {
        2.0
    } else if x <= 40.0 {
        0.18 + 0.66 * x
    } else if x <= 100.0 {
        -13.55 + 1.17 * x
    } else if x <= 140.0 {
        163.34 - 0.62 * x
    } else {
        50.0
    }
}

fn si_fc(x: f64) -> f64 {
    if x < 1.0 {
        97.0
    } else if x <= 1e3 {
        97.2 - 26.6 * x.log10()
    } else if x <= 1e5 {
        42.33 - 7.75 * x.log10()
    } else {
        2.0
    }
}

fn si_ph(x: f64) -> f64 {
    if (2.0..5.0).contains(&x) {
        16.1 + 7.35 * x
    } else if (5.0..7.3).contains(&x) {
        -142.67 + 33.5 * x
    } else if (7.3..=10.0).contains(&x) {
        316.96 - 29.85 * x
    } else if x > 10.0 && x <= 12.0 {
        96.17 - 8.0 * x
    } else {
        0.0
    }
}

fn si_bod(x: f64) -> f64 {
    if (0.0..=10.0).contains(&x) {
        96.67 - 7.0 * x
    } else if x > 10.0 && x <= 30.0 {
        38.9 - 1.23 * x
    } else {
        2.0
    }
}

/// Computes the index; `None` when an input is not finite.
pub fn cpcb(inputs: &WqiInputs) -> Option<Wqi> {
    let all = [
        inputs.ph,
        inputs.bod,
        inputs.dissolved_oxygen,
        inputs.fecal_coliform,
        inputs.temperature.unwrap_or(0.0),
    ];
    if all.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let do_pct = 100.0 * inputs.dissolved_oxygen / do_reference(inputs.temperature);
    let clamp = |v: f64| v.clamp(0.0, 100.0);
    let value = (W_DO * clamp(si_do(do_pct))
        + W_FC * clamp(si_fc(inputs.fecal_coliform))
        + W_PH * clamp(si_ph(inputs.ph))
        + W_BOD * clamp(si_bod(inputs.bod)))
    .clamp(0.0, 100.0);
    Some(classify(value))
}

/// Labels for an index value (domain.md §3 classification table).
pub fn classify(value: f64) -> Wqi {
    let (classification, cpcb_class, mpcb_class, status) = if value >= 63.0 {
        ("Good to Excellent", "A", "A-I", "Non Polluted")
    } else if value >= 50.0 {
        ("Medium to Good", "B", "Not Prescribed", "Non Polluted")
    } else if value >= 38.0 {
        ("Bad", "C", "A-II", "Polluted")
    } else if value >= 25.0 {
        ("Bad to Very Bad", "D", "A-III", "Heavily Polluted")
    } else {
        ("Bad to Very Bad", "E", "A-IV", "Heavily Polluted")
    };
    Wqi {
        value,
        classification,
        cpcb_class,
        mpcb_class,
        status,
        method: METHOD_CPCB,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../tests/fixtures/wqi_vectors_cpcb.csv");

    #[test]
    fn reproduces_every_cpcb_vector() {
        let mut rows = 0;
        for (i, line) in VECTORS.lines().enumerate().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let num =
                |k: usize| -> f64 { f[k].parse().unwrap_or_else(|_| panic!("row {i} col {k}")) };
            let inputs = WqiInputs {
                ph: num(1),
                bod: num(2),
                dissolved_oxygen: num(3),
                fecal_coliform: num(4),
                temperature: Some(num(5)),
            };
            let got = cpcb(&inputs).expect("finite inputs");
            assert!(
                (got.value - num(9)).abs() <= 1e-9,
                "row {i}: wqi {} expected {}",
                got.value,
                num(9)
            );
            assert_eq!(got.classification, f[10], "row {i}");
            assert_eq!(got.cpcb_class, f[11], "row {i}");
            assert_eq!(got.mpcb_class, f[12], "row {i}");
            assert_eq!(got.status, f[13], "row {i}");
            rows += 1;
        }
        assert_eq!(rows, 300);
    }

    #[test]
    fn krishna_at_rajapur_weir_matches_the_published_value() {
        let w = cpcb(&WqiInputs {
            ph: 7.6,
            bod: 2.2,
            dissolved_oxygen: 5.5,
            fecal_coliform: 6.0,
            temperature: None,
        })
        .unwrap();
        assert!((w.value - 83.16).abs() <= 0.02, "{}", w.value);
        assert_eq!(w.classification, "Good to Excellent");
        assert_eq!(w.cpcb_class, "A");
    }

    #[test]
    fn reference_concentration_follows_temperature() {
        assert_eq!(do_reference(Some(20.0)), 6.5);
        assert!((do_reference(Some(25.0)) - 6.0125).abs() < 1e-12);
        assert!((do_reference(Some(30.0)) - 5.525).abs() < 1e-12);
        assert_eq!(do_reference(Some(-40.0)), 9.0);
        assert_eq!(do_reference(Some(80.0)), 4.0);
    }

    #[test]
    fn non_finite_inputs_give_no_index() {
        let mut i = WqiInputs {
            ph: 7.0,
            bod: 1.0,
            dissolved_oxygen: 6.0,
            fecal_coliform: f64::NAN,
            temperature: None,
        };
        assert!(cpcb(&i).is_none());
        i.fecal_coliform = 10.0;
        i.temperature = Some(f64::INFINITY);
        assert!(cpcb(&i).is_none());
    }

    #[test]
    fn class_boundaries() {
        assert_eq!(classify(63.0).cpcb_class, "A");
        assert_eq!(classify(62.999).cpcb_class, "B");
        assert_eq!(classify(50.0).cpcb_class, "B");
        assert_eq!(classify(38.0).cpcb_class, "C");
        assert_eq!(classify(25.0).cpcb_class, "D");
        assert_eq!(classify(24.9).cpcb_class, "E");
    }
}
