//! Pure domain types: station ids, parameters and their units, QC flags, readings.
//! No IO here; everything is cheap to construct in tests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Canonical water-quality parameters. The string form is the name used on the wire,
/// in the database and in the UI (`dissolved_oxygen`, not `do`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    Ph,
    DissolvedOxygen,
    Bod,
    FecalColiform,
    Temperature,
    Turbidity,
    Tds,
    Conductivity,
    SpecificConductance,
    Salinity,
    DoSat,
    Depth,
    Chlorophyll,
    Battery,
    Cod,
    Toc,
    /// Nitrate as N (mg/L N); NWMP reports nitrate-N (or nitrate + nitrite N).
    Nitrate,
    Chloride,
    TotalColiform,
    /// River water level in metres above mean sea level (CWC `HHS`): the only level that may be
    /// compared with warning and danger levels.
    WaterLevel,
    /// Gauge height above a local datum (CWC `HZS`/`HZF`, RTWQMS stage): not comparable with
    /// danger levels.
    GaugeHeight,
    Discharge,
    Rainfall,
    AirTemperature,
    Humidity,
}

impl Parameter {
    pub const ALL: [Parameter; 25] = [
        Parameter::Ph,
        Parameter::DissolvedOxygen,
        Parameter::Bod,
        Parameter::FecalColiform,
        Parameter::Temperature,
        Parameter::Turbidity,
        Parameter::Tds,
        Parameter::Conductivity,
        Parameter::SpecificConductance,
        Parameter::Salinity,
        Parameter::DoSat,
        Parameter::Depth,
        Parameter::Chlorophyll,
        Parameter::Battery,
        Parameter::Cod,
        Parameter::Toc,
        Parameter::Nitrate,
        Parameter::Chloride,
        Parameter::TotalColiform,
        Parameter::WaterLevel,
        Parameter::GaugeHeight,
        Parameter::Discharge,
        Parameter::Rainfall,
        Parameter::AirTemperature,
        Parameter::Humidity,
    ];

    /// The canonical wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Parameter::Ph => "ph",
            Parameter::DissolvedOxygen => "dissolved_oxygen",
            Parameter::Bod => "bod",
            Parameter::FecalColiform => "fecal_coliform",
            Parameter::Temperature => "temperature",
            Parameter::Turbidity => "turbidity",
            Parameter::Tds => "tds",
            Parameter::Conductivity => "conductivity",
            Parameter::SpecificConductance => "specific_conductance",
            Parameter::Salinity => "salinity",
            Parameter::DoSat => "do_sat",
            Parameter::Depth => "depth",
            Parameter::Chlorophyll => "chla",
            Parameter::Battery => "battery",
            Parameter::Cod => "cod",
            Parameter::Toc => "toc",
            Parameter::Nitrate => "nitrate_n",
            Parameter::Chloride => "chloride",
            Parameter::TotalColiform => "total_coliform",
            Parameter::WaterLevel => "water_level",
            Parameter::GaugeHeight => "gauge_height",
            Parameter::Discharge => "discharge",
            Parameter::Rainfall => "rainfall",
            Parameter::AirTemperature => "air_temperature",
            Parameter::Humidity => "humidity",
        }
    }

    /// The short code the original sensors and legacy clients use (`do`, `fc`), where one exists.
    pub fn legacy_code(self) -> Option<&'static str> {
        match self {
            Parameter::DissolvedOxygen => Some("do"),
            Parameter::FecalColiform => Some("fc"),
            _ => None,
        }
    }

    /// Key in the legacy `parameters` object of `station_update` (`pH`, `DO`, ...).
    pub fn display_key(self) -> &'static str {
        match self {
            Parameter::Ph => "pH",
            Parameter::DissolvedOxygen => "DO",
            Parameter::Bod => "BOD",
            Parameter::FecalColiform => "FC",
            Parameter::Tds => "TDS",
            Parameter::Conductivity => "EC",
            Parameter::SpecificConductance => "SpCond",
            Parameter::Cod => "COD",
            Parameter::Toc => "TOC",
            Parameter::TotalColiform => "TC",
            other => other.as_str(),
        }
    }

    /// Human name used in messages (`Dissolved Oxygen`).
    pub fn label(self) -> &'static str {
        match self {
            Parameter::Ph => "pH",
            Parameter::DissolvedOxygen => "Dissolved Oxygen",
            Parameter::Bod => "BOD",
            Parameter::FecalColiform => "Fecal Coliform",
            Parameter::Temperature => "Temperature",
            Parameter::Turbidity => "Turbidity",
            Parameter::Tds => "TDS",
            Parameter::Conductivity => "Conductivity",
            Parameter::SpecificConductance => "Specific Conductance",
            Parameter::Salinity => "Salinity",
            Parameter::DoSat => "DO Saturation",
            Parameter::Depth => "Depth",
            Parameter::Chlorophyll => "Chlorophyll-a",
            Parameter::Battery => "Battery",
            Parameter::Cod => "COD",
            Parameter::Toc => "Total Organic Carbon",
            Parameter::Nitrate => "Nitrate-N",
            Parameter::Chloride => "Chloride",
            Parameter::TotalColiform => "Total Coliform",
            Parameter::WaterLevel => "Water Level",
            Parameter::GaugeHeight => "Gauge Height",
            Parameter::Discharge => "Discharge",
            Parameter::Rainfall => "Rainfall",
            Parameter::AirTemperature => "Air Temperature",
            Parameter::Humidity => "Relative Humidity",
        }
    }

    /// The canonical unit every stored value of this parameter is in.
    pub fn canonical_unit(self) -> &'static str {
        match self {
            Parameter::Ph => "pH",
            Parameter::DissolvedOxygen
            | Parameter::Bod
            | Parameter::Tds
            | Parameter::Cod
            | Parameter::Toc
            | Parameter::Nitrate
            | Parameter::Chloride => "mg/L",
            Parameter::FecalColiform | Parameter::TotalColiform => "MPN/100mL",
            Parameter::Temperature => "°C",
            Parameter::Turbidity => "NTU",
            Parameter::Conductivity | Parameter::SpecificConductance => "µS/cm",
            Parameter::Salinity => "PSU",
            Parameter::DoSat => "%",
            Parameter::Depth => "m",
            Parameter::Chlorophyll => "µg/L",
            Parameter::Battery => "V",
            Parameter::WaterLevel => "m above MSL",
            Parameter::GaugeHeight => "m",
            Parameter::Discharge => "m³/s",
            Parameter::Rainfall => "mm",
            Parameter::AirTemperature => "°C",
            Parameter::Humidity => "%",
        }
    }

    /// Sensor-level sanity span (domain.md §1): outside it a value is a QC failure.
    pub fn gross_range(self) -> (f64, f64) {
        match self {
            Parameter::Ph => (0.0, 14.0),
            Parameter::DissolvedOxygen => (0.0, 25.0),
            Parameter::Bod => (0.0, 500.0),
            Parameter::FecalColiform => (0.0, 1e8),
            Parameter::Temperature => (-5.0, 50.0),
            Parameter::Turbidity => (0.0, 4000.0),
            Parameter::Tds => (0.0, 100_000.0),
            Parameter::Conductivity | Parameter::SpecificConductance => (0.0, 200_000.0),
            Parameter::Salinity => (0.0, 42.0),
            Parameter::DoSat => (0.0, 300.0),
            Parameter::Depth => (-1.0, 200.0),
            Parameter::Chlorophyll => (0.0, 500.0),
            Parameter::Battery => (0.0, 30.0),
            Parameter::Cod => (0.0, 5_000.0),
            Parameter::Toc => (0.0, 1_000.0),
            Parameter::Nitrate => (0.0, 500.0),
            Parameter::Chloride => (0.0, 50_000.0),
            Parameter::TotalColiform => (0.0, 1e9),
            // Highest Indian river gauges (Himalayan) are a few thousand metres above MSL.
            Parameter::WaterLevel => (-20.0, 6_000.0),
            Parameter::GaugeHeight => (-10.0, 100.0),
            Parameter::Discharge => (0.0, 150_000.0),
            Parameter::Rainfall => (0.0, 2_000.0),
            Parameter::AirTemperature => (-60.0, 60.0),
            Parameter::Humidity => (0.0, 100.0),
        }
    }

    /// Parses a canonical name, a legacy code or one of the aliases seen in real feeds.
    /// Matching ignores case, spaces, dots and underscores.
    pub fn parse(name: &str) -> Option<Parameter> {
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let p = match key.as_str() {
            "ph" => Parameter::Ph,
            "do" | "dissolvedoxygen" | "odo" | "do2" | "domgl" => Parameter::DissolvedOxygen,
            "bod" | "bod5" => Parameter::Bod,
            "fc" | "fecalcoliform" | "faecalcoliform" => Parameter::FecalColiform,
            "temperature" | "temp" | "wt" | "watertemperature" => Parameter::Temperature,
            "turbidity" | "turb" | "wtb" => Parameter::Turbidity,
            "tds" => Parameter::Tds,
            "ec" | "conductivity" | "cond" => Parameter::Conductivity,
            "spcond" | "specificconductance" => Parameter::SpecificConductance,
            "salinity" | "sal" => Parameter::Salinity,
            "dosat" | "dopct" | "dosaturation" => Parameter::DoSat,
            "depth" => Parameter::Depth,
            "chla" | "chl" | "chlorophyll" | "chlorophylla" => Parameter::Chlorophyll,
            "battery" | "batt" | "battv" => Parameter::Battery,
            "cod" => Parameter::Cod,
            "toc" | "totalorganiccarbon" => Parameter::Toc,
            "nitrate" | "nitraten" | "no3" | "no3n" | "nitratenitrite" => Parameter::Nitrate,
            "chloride" | "cl" => Parameter::Chloride,
            "tc" | "totalcoliform" => Parameter::TotalColiform,
            "waterlevel" | "level" | "hhs" => Parameter::WaterLevel,
            "gaugeheight" | "stage" | "hzs" | "hzf" => Parameter::GaugeHeight,
            "discharge" | "flow" | "riverdischarge" => Parameter::Discharge,
            "rainfall" | "rain" | "precipitation" => Parameter::Rainfall,
            "airtemperature" | "airtemp" | "temperature2m" => Parameter::AirTemperature,
            "humidity" | "relativehumidity" | "rh" => Parameter::Humidity,
            _ => return None,
        };
        Some(p)
    }
}

impl std::fmt::Display for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// QARTOD flag values (domain.md §11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QcFlag {
    Pass = 1,
    NotEvaluated = 2,
    Suspect = 3,
    Fail = 4,
    Missing = 9,
}

impl QcFlag {
    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> QcFlag {
        match code {
            1 => QcFlag::Pass,
            3 => QcFlag::Suspect,
            4 => QcFlag::Fail,
            9 => QcFlag::Missing,
            _ => QcFlag::NotEvaluated,
        }
    }

    /// The legacy per-reading `quality` string.
    pub fn legacy_quality(self) -> &'static str {
        match self {
            QcFlag::Pass | QcFlag::NotEvaluated => "good",
            QcFlag::Suspect => "suspect",
            QcFlag::Fail | QcFlag::Missing => "bad",
        }
    }

    /// Whether a value with this flag may feed the index and threshold alarms.
    pub fn usable(self) -> bool {
        matches!(self, QcFlag::Pass | QcFlag::NotEvaluated | QcFlag::Suspect)
    }
}

/// Where a reading came from, in the priority order of the original spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Sensor,
    Api,
    Satellite,
    MlFallback,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Sensor => "sensor",
            SourceKind::Api => "api",
            SourceKind::Satellite => "satellite",
            SourceKind::MlFallback => "ml_fallback",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "sensor" => Some(SourceKind::Sensor),
            "api" => Some(SourceKind::Api),
            "satellite" => Some(SourceKind::Satellite),
            "ml_fallback" => Some(SourceKind::MlFallback),
            _ => None,
        }
    }
}

/// A canonical station id plus the legacy numeric alias when the station has one
/// (`station1` on MQTT and `1` in legacy WebSocket messages both mean id `"1"`, alias 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StationKey {
    pub id: String,
    pub legacy_id: Option<i64>,
}

impl StationKey {
    /// Normalises an id as written on MQTT topics, in paths or in messages.
    /// `station7`, `7` and `"7"` all give id `"7"` with legacy alias 7.
    pub fn normalise(raw: &str) -> Option<StationKey> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 64 {
            return None;
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return None;
        }
        let numeric = raw
            .strip_prefix("station")
            .filter(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(raw);
        if !numeric.is_empty() && numeric.chars().all(|c| c.is_ascii_digit()) {
            let n: i64 = numeric.parse().ok()?;
            return Some(StationKey {
                id: n.to_string(),
                legacy_id: Some(n),
            });
        }
        Some(StationKey {
            id: raw.to_string(),
            legacy_id: None,
        })
    }

    /// The id as legacy clients expect it in envelopes: an integer where a legacy alias exists.
    pub fn wire_id(&self) -> serde_json::Value {
        match self.legacy_id {
            Some(n) => serde_json::Value::from(n),
            None => serde_json::Value::from(self.id.clone()),
        }
    }
}

/// One validated observation in canonical units, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub station: StationKey,
    pub parameter: Parameter,
    pub observed_at: DateTime<Utc>,
    pub source: SourceKind,
    pub value: f64,
    pub unit: &'static str,
    /// The value and unit as received, kept for provenance.
    pub raw_value: f64,
    pub raw_unit: String,
    pub qc: QcFlag,
    /// Names of the QC tests that raised the flag (empty when all passed).
    pub qc_tests: Vec<&'static str>,
    /// True when the sender gave no time and the receive time was used.
    pub time_from_receipt: bool,
    /// Which connector delivered it and any correction made on the way (`cpcb_rtwqms; …`);
    /// `None` for sensor readings.
    pub provenance: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// RFC 3339 UTC with millisecond precision and a `Z`, the only time format we emit.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_canonical_parameters() {
        for (alias, p) in [
            ("do", Parameter::DissolvedOxygen),
            ("dissolved_oxygen", Parameter::DissolvedOxygen),
            ("D.O. (mg/l)", Parameter::DissolvedOxygen),
            ("fc", Parameter::FecalColiform),
            ("fecal_coliform", Parameter::FecalColiform),
            ("fecalColiform", Parameter::FecalColiform),
            ("pH", Parameter::Ph),
            ("temp", Parameter::Temperature),
            ("WT", Parameter::Temperature),
        ] {
            assert_eq!(Parameter::parse(alias), Some(p), "{alias}");
        }
        assert_eq!(Parameter::parse("colour"), None);
        for p in Parameter::ALL {
            assert_eq!(Parameter::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn station_ids_normalise_legacy_forms() {
        let a = StationKey::normalise("station1").unwrap();
        let b = StationKey::normalise("1").unwrap();
        let c = StationKey::normalise("001").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.wire_id(), serde_json::json!(1));
        let s = StationKey::normalise("MH-PUN-SW-001").unwrap();
        assert_eq!(s.legacy_id, None);
        assert_eq!(s.wire_id(), serde_json::json!("MH-PUN-SW-001"));
        assert!(StationKey::normalise("").is_none());
        assert!(StationKey::normalise("a/b").is_none());
        assert!(StationKey::normalise("stationX").is_some());
    }
}
