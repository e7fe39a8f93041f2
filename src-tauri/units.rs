//! Conversion of received units into each parameter's canonical unit (domain.md §2).

use crate::model::Parameter;

/// Converts `value` in `unit` to the canonical unit of `parameter`.
/// `None` when the unit is not one we know for that parameter: the caller rejects the reading
/// rather than guessing.
pub fn to_canonical(parameter: Parameter, value: f64, unit: &str) -> Option<f64> {
    let u = unit.trim();
    let lower = u.to_ascii_lowercase();
    let factor_or = |f: f64| Some(value * f);
    match parameter {
        Parameter::Ph => matches!(lower.as_str(), "" | "ph" | "---" | "-" | "1").then_some(value),
        Parameter::Temperature | Parameter::AirTemperature => match u {
            "°C" | "C" | "degC" | "Cel" | "celsius" | "℃" | "deg C" => Some(value),
            "°F" | "F" | "degF" | "fahrenheit" => Some((value - 32.0) * 5.0 / 9.0),
            "K" | "kelvin" => Some(value - 273.15),
            _ => None,
        },
        Parameter::DissolvedOxygen
        | Parameter::Bod
        | Parameter::Tds
        | Parameter::Cod
        | Parameter::Toc
        | Parameter::Nitrate
        | Parameter::Chloride => match lower.as_str() {
            "mg/l" | "ppm" | "mg l-1" => Some(value),
            "kg/m3" | "kg/m³" => factor_or(1000.0),
            "µg/l" | "ug/l" => factor_or(0.001),
            "g/l" | "ppt" if parameter == Parameter::Tds => factor_or(1000.0),
            "µmol/l" | "umol/l" if parameter == Parameter::DissolvedOxygen => {
                factor_or(1.0 / 31.25)
            }
            _ => None,
        },
        Parameter::FecalColiform | Parameter::TotalColiform => {
            match lower.replace(' ', "").as_str() {
                "mpn/100ml" | "cfu/100ml" | "" => Some(value),
                _ => None,
            }
        }
        Parameter::Turbidity => {
            matches!(lower.as_str(), "ntu" | "fnu" | "ftu" | "").then_some(value)
        }
        Parameter::Conductivity | Parameter::SpecificConductance => match u {
            "µS/cm" | "uS/cm" | "µmho/cm" | "umho/cm" | "µmhos/cm" | "umhos/cm" => Some(value),
            "mS/cm" => factor_or(1000.0),
            "S/m" => factor_or(10_000.0),
            "mS/m" => factor_or(10.0),
            _ => None,
        },
        Parameter::Salinity => matches!(lower.as_str(), "psu" | "ppt" | "" | "1").then_some(value),
        Parameter::DoSat => matches!(lower.as_str(), "%" | "%sat" | "percent").then_some(value),
        Parameter::Chlorophyll => match lower.as_str() {
            // RFU is not convertible without a site calibration: refused, not guessed.
            "µg/l" | "ug/l" | "mg/m3" | "mg/m³" => Some(value),
            _ => None,
        },
        Parameter::Battery => match u {
            "V" => Some(value),
            "mV" => factor_or(0.001),
            _ => None,
        },
        Parameter::Depth | Parameter::GaugeHeight => match lower.as_str() {
            "m" => Some(value),
            "ft" => factor_or(0.3048),
            "cm" => factor_or(0.01),
            _ => None,
        },
        Parameter::WaterLevel => match lower.as_str() {
            "m" | "m above msl" | "m amsl" | "masl" => Some(value),
            _ => None,
        },
        Parameter::Discharge => match lower.as_str() {
            "m³/s" | "m3/s" | "cumec" | "cumecs" | "m^3/s" => Some(value),
            "l/s" => factor_or(0.001),
            "ft³/s" | "ft3/s" | "cfs" | "cusec" | "cusecs" => factor_or(0.028_316_846_592),
            _ => None,
        },
        Parameter::Rainfall => match lower.as_str() {
            "mm" => Some(value),
            "cm" => factor_or(10.0),
            "in" | "inch" => factor_or(25.4),
            _ => None,
        },
        Parameter::Humidity => matches!(lower.as_str(), "%" | "%rh" | "percent").then_some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_the_units_sondes_send() {
        let c = |p, v, u| to_canonical(p, v, u).unwrap();
        assert!((c(Parameter::Temperature, 77.0, "°F") - 25.0).abs() < 1e-12);
        assert!((c(Parameter::Temperature, 298.15, "K") - 25.0).abs() < 1e-9);
        assert_eq!(c(Parameter::Temperature, 21.5, "Cel"), 21.5);
        assert!((c(Parameter::SpecificConductance, 0.0412, "S/m") - 412.0).abs() < 1e-9);
        assert_eq!(c(Parameter::Conductivity, 45.97, "mS/cm"), 45970.0);
        assert!((c(Parameter::DissolvedOxygen, 0.0072, "kg/m3") - 7.2).abs() < 1e-12);
        assert_eq!(c(Parameter::Ph, 7.2, "pH"), 7.2);
        assert!(to_canonical(Parameter::Ph, 7.2, "mg/L").is_none());
        assert!(to_canonical(Parameter::DissolvedOxygen, 7.2, "furlongs").is_none());
    }
}
