//! CWC Flood Forecasting System (`ffs.india-water.gov.in`, sources.md §3): query builders for its
//! unauthenticated JSON endpoints and parsers for level series, flood levels and station positions.
//!
//! The trap this module exists to avoid: `HHS` is the water level in metres above MSL and is the
//! only series comparable with warning, danger and highest flood levels; `HZS`/`HZF` are gauge
//! heights above a local datum and must never be compared with them ([`classify`]).

use super::lenient::{date, ist, json_body, number, text, time_ist, type_name};
use super::types::{Drift, Observation, ParseError, Parsed, SourceStation};
use crate::model::Parameter;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Connector id used in health, logs and provenance.
pub const SOURCE: &str = "cwc";

/// Query timestamps: IST without offset, milliseconds mandatory (without them the server
/// answers HTTP 500).
const QUERY_TIME: &str = "%Y-%m-%dT%H:%M:%S%.3f";

/// Keys of a `new-entry-data` record; the three `id` keys may also sit at top level.
const LEVEL_KEYS: [&str; 5] = ["id", "dataValue", "stationCode", "datatypeCode", "dataTime"];
const ID_KEYS: [&str; 3] = ["stationCode", "datatypeCode", "dataTime"];

/// Keys of a `flood-forecast-static` record (sources.md §3).
#[rustfmt::skip]
const STATIC_KEYS: [&str; 24] = [
    "@class", "stationCode", "dangerLevel", "warningLevel", "highestFlowLevel",
    "highestFlowLevelDate", "frl", "mwl", "dlStartDate", "dlEndDate", "wlStartDate", "wlEndDate",
    "frlStartDate", "frlEndDate", "mwlStartDate", "mwlEndDate", "meteorologicalSubDivision",
    "meteorologicalSubdivisionId", "modesOfCommunication", "nearestTown", "savedAt", "type",
    "layerStationStationCode", "floodForecastStaticBangladeshReportStationCode",
];

/// Accepted names for the optional `layer-station-geo` descriptors, first name preferred.
const GEO_RIVER: [&str; 2] = ["river", "riverName"];
const GEO_BASIN: [&str; 2] = ["basin", "basinName"];
const GEO_DISTRICT: [&str; 2] = ["district", "districtName"];
const GEO_STATE: [&str; 2] = ["state", "stateName"];

const GAUGE_NOTE: &str = "CWC gauge height above a local datum (HZS/HZF): not comparable with \
                          warning or danger levels";
const RAIN_NOTE: &str = "CWC rainfall (MPM/MPS): accumulation period not stated by the source";

// --- Query builders ---

/// One `{"expression":{…}}` clause of a CWC specification.
fn expression(field: &str, operator: &str, value: &str) -> String {
    format!(
        r#"{{"expression":{{"valueIsRelationField":false,"fieldName":"{field}","operator":"{operator}","value":{}}}}}"#,
        Value::String(value.to_owned())
    )
}

/// The `specification` JSON for one station's `datatype` series between `from` and `to` (naive
/// IST), nested exactly like the real clients (sources.md §3): station, datatype, non-null value,
/// then the `btn` window. Built as text so that key order and nesting are the clients'.
pub fn specification(
    station: &str,
    datatype: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> String {
    let window = format!("{},{}", from.format(QUERY_TIME), to.format(QUERY_TIME));
    format!(
        r#"{{"where":{{"where":{{"where":{},"and":{}}},"and":{}}},"and":{}}}"#,
        expression("id.stationCode", "eq", station.trim()),
        expression("id.datatypeCode", "eq", datatype.trim()),
        expression("dataValue", "null", "false"),
        expression("id.dataTime", "btn", &window),
    )
}

/// The `sort-criteria` JSON: oldest observation first.
pub fn sort_criteria_ascending_time() -> String {
    r#"{"sortOrderDtos":[{"sortDirection":"ASC","field":"id.dataTime"}]}"#.to_owned()
}

/// Percent-encodes a query value: everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn trim_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// Observation history of one series (`base` such as `https://ffs.india-water.gov.in`; `from`
/// and `to` naive IST), sorted oldest first.
pub fn history_url(
    base: &str,
    station: &str,
    datatype: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> String {
    format!(
        "{}/iam/api/new-entry-data/specification/sorted?sort-criteria={}&specification={}",
        trim_base(base),
        percent_encode(&sort_criteria_ascending_time()),
        percent_encode(&specification(station, datatype, from, to)),
    )
}

/// Warning, danger and highest flood levels of one station.
pub fn static_url(base: &str, station: &str) -> String {
    format!(
        "{}/iam/api/flood-forecast-static/{}",
        trim_base(base),
        percent_encode(station.trim())
    )
}

/// Name and position of one station.
pub fn geo_url(base: &str, station: &str) -> String {
    let spec = format!(
        r#"{{"where":{}}}"#,
        expression("stationCode", "eq", station.trim())
    );
    format!(
        "{}/iam/api/layer-station-geo/specification/?specification={}",
        trim_base(base),
        percent_encode(&spec)
    )
}

// --- Shared payload helpers ---

/// The records of a body that is an array (or, when `allow_object`, a single object).
fn records(body: &[u8], allow_object: bool) -> Result<Vec<Value>, ParseError> {
    let records = match json_body(body)? {
        Value::Array(items) => items,
        v @ Value::Object(_) if allow_object => vec![v],
        other => {
            return Err(ParseError::Shape {
                expected: if allow_object {
                    "array or object"
                } else {
                    "array"
                }
                .into(),
                found: type_name(&other).into(),
            });
        }
    };
    if records.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(records)
}

fn note_unknown(obj: &Map<String, Value>, known: &[&str], prefix: &str, drift: &mut Drift) {
    for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        drift.unknown.insert(format!("{prefix}{key}"));
    }
}

/// A non-null value by any of `names`.
fn first<'a>(obj: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| obj.get(*n).filter(|v| !v.is_null()))
}

/// A number field that should be a JSON number; numeric strings are read but reported.
fn numeric(obj: &Map<String, Value>, key: &str, drift: &mut Drift) -> Option<f64> {
    match obj.get(key)? {
        Value::Null => None,
        v @ Value::Number(_) => number(v),
        v => {
            drift
                .changed
                .insert(format!("{key}: number → {}", type_name(v)));
            number(v)
        }
    }
}

// --- new-entry-data: level series ---

/// What a datatype code is, or why it is not read.
fn datatype(code: &str) -> Result<(Parameter, Option<&'static str>), &'static str> {
    match code.trim().to_ascii_uppercase().as_str() {
        // Level above MSL: the only one comparable with warning/danger levels.
        "HHS" => Ok((Parameter::WaterLevel, None)),
        "HZS" | "HZF" => Ok((Parameter::GaugeHeight, Some(GAUGE_NOTE))),
        "MPM" | "MPS" => Ok((Parameter::Rainfall, Some(RAIN_NOTE))),
        "HHT" => Err("second level series (HHT), datum not confirmed"),
        "BAT" => Err("station battery (BAT), not a river measurement"),
        "FIN" => Err("reservoir inflow (FIN), unit not confirmed"),
        _ => Err("unknown datatype code"),
    }
}

/// `id.<key>` or, failing that, the same key at top level.
fn id_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get("id")
        .and_then(|id| id.get(key))
        .or_else(|| obj.get(key))
        .filter(|v| !v.is_null())
}

/// Reports the unknown keys of a record and of its `id` object.
fn level_keys(obj: &Map<String, Value>, drift: &mut Drift) {
    note_unknown(obj, &LEVEL_KEYS, "", drift);
    match obj.get("id") {
        Some(Value::Object(id)) => note_unknown(id, &ID_KEYS, "id.", drift),
        None | Some(Value::Null) => {}
        Some(other) => {
            drift
                .changed
                .insert(format!("id: object → {}", type_name(other)));
        }
    }
}

fn required_text(obj: &Map<String, Value>, key: &str, drift: &mut Drift) -> Option<String> {
    let found = id_field(obj, key).and_then(text);
    if found.is_none() {
        drift.missing.insert(format!("id.{key}"));
    }
    found
}

fn data_value(obj: &Map<String, Value>, drift: &mut Drift) -> Result<f64, String> {
    match obj.get("dataValue") {
        None => {
            drift.missing.insert("dataValue".into());
            Err("no dataValue".into())
        }
        Some(Value::Null) => Err("null dataValue".into()),
        Some(v @ Value::Number(_)) => number(v).ok_or_else(|| format!("value {v}")),
        Some(v) => {
            drift
                .changed
                .insert(format!("dataValue: number → {}", type_name(v)));
            number(v).ok_or_else(|| format!("value {v}"))
        }
    }
}

fn data_time(obj: &Map<String, Value>, drift: &mut Drift) -> Option<Result<String, String>> {
    match id_field(obj, "dataTime") {
        None => {
            drift.missing.insert("id.dataTime".into());
            None
        }
        Some(Value::String(s)) => Some(Ok(s.clone())),
        Some(v) => {
            drift
                .changed
                .insert(format!("id.dataTime: string → {}", type_name(v)));
            Some(Err(format!("time {v}")))
        }
    }
}

/// One `new-entry-data` record. Every field is checked (and drift noted) before deciding.
fn level(obj: &Map<String, Value>, drift: &mut Drift) -> Result<Observation, String> {
    level_keys(obj, drift);
    let station = required_text(obj, "stationCode", drift);
    let code = required_text(obj, "datatypeCode", drift);
    let time = data_time(obj, drift);
    let value = data_value(obj, drift);
    let station = station.ok_or("record without stationCode")?;
    let code = code.ok_or_else(|| format!("{station}: no datatypeCode"))?;
    let at = format!("{station}/{code}");
    let (parameter, note) = datatype(&code).map_err(|why| format!("{at}: {why}"))?;
    let time = time.ok_or_else(|| format!("{at}: no dataTime"))?;
    let time = time.map_err(|why| format!("{at}: {why}"))?;
    let observed_at = time_ist(&time).ok_or_else(|| format!("{at}: unreadable time {time:?}"))?;
    let value = value.map_err(|why| format!("{at} {time}: {why}"))?;
    let unit = parameter.canonical_unit().to_owned();
    Ok(Observation {
        station,
        parameter,
        observed_at,
        value,
        raw_unit: unit.clone(),
        unit,
        note: note.map(str::to_owned),
    })
}

/// Parses a `new-entry-data` answer: a plain array of
/// `{"id":{"stationCode","datatypeCode","dataTime"},"dataValue"}` (id keys also accepted at top
/// level). `HHS` becomes [`Parameter::WaterLevel`] (m above MSL), `HZS`/`HZF`
/// [`Parameter::GaugeHeight`] (m), `MPM`/`MPS` [`Parameter::Rainfall`] (mm); other codes are
/// skipped with a reason. Times are naive IST.
pub fn parse_levels(body: &[u8]) -> Result<Parsed<Observation>, ParseError> {
    let mut out = Parsed::new();
    for (i, rec) in records(body, false)?.iter().enumerate() {
        let Some(obj) = rec.as_object() else {
            out.skip(format!(
                "record {i}: {} instead of an object",
                type_name(rec)
            ));
            continue;
        };
        match level(obj, &mut out.drift) {
            Ok(obs) => out.items.push(obs),
            Err(reason) => out.skip(reason),
        }
    }
    Ok(out)
}

// --- flood-forecast-static: warning, danger and highest flood levels ---

/// A station's reference levels from `flood-forecast-static`, all in metres above MSL.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FloodLevels {
    pub station: String,
    pub warning_level: Option<f64>,
    pub danger_level: Option<f64>,
    /// Highest flood level on record (CWC `highestFlowLevel`).
    pub highest_flood_level: Option<f64>,
    pub highest_flood_date: Option<NaiveDate>,
    /// Full reservoir level.
    pub frl: Option<f64>,
    /// Maximum water level.
    pub mwl: Option<f64>,
    /// `Level`, `Inflow` or `Base`.
    pub kind: Option<String>,
    pub nearest_town: Option<String>,
}

/// A reference level; `0` is how unset levels are published for reservoir and base stations, and
/// a zero danger level would flag every reading, so it counts as absent.
fn reference_level(obj: &Map<String, Value>, key: &str, drift: &mut Drift) -> Option<f64> {
    numeric(obj, key, drift).filter(|v| *v != 0.0)
}

/// A calendar date written as `YYYY-MM-DD` or as a naive IST timestamp.
fn calendar_date(obj: &Map<String, Value>, key: &str, drift: &mut Drift) -> Option<NaiveDate> {
    match obj.get(key)? {
        Value::Null => None,
        Value::String(s) => {
            date(s).or_else(|| time_ist(s).map(|t| t.with_timezone(&ist()).date_naive()))
        }
        v => {
            drift
                .changed
                .insert(format!("{key}: string → {}", type_name(v)));
            None
        }
    }
}

fn flood_levels(obj: &Map<String, Value>, drift: &mut Drift) -> Option<FloodLevels> {
    note_unknown(obj, &STATIC_KEYS, "", drift);
    let code = obj.get("stationCode").and_then(text);
    if code.is_none() {
        drift.missing.insert("stationCode".into());
    }
    let station = code.or_else(|| obj.get("layerStationStationCode").and_then(text))?;
    let kind = obj.get("type").and_then(text);
    // Level stations must publish both keys (null is fine); their absence is a rename.
    if kind
        .as_deref()
        .is_none_or(|k| k.eq_ignore_ascii_case("level"))
    {
        for key in ["dangerLevel", "warningLevel"] {
            if !obj.contains_key(key) {
                drift.missing.insert(key.into());
            }
        }
    }
    Some(FloodLevels {
        station,
        warning_level: reference_level(obj, "warningLevel", drift),
        danger_level: reference_level(obj, "dangerLevel", drift),
        highest_flood_level: reference_level(obj, "highestFlowLevel", drift),
        highest_flood_date: calendar_date(obj, "highestFlowLevelDate", drift),
        frl: reference_level(obj, "frl", drift),
        mwl: reference_level(obj, "mwl", drift),
        kind,
        nearest_town: obj.get("nearestTown").and_then(text),
    })
}

/// Parses a `flood-forecast-static` answer: one record (`/{code}`) or an array of them. Records
/// without a station code are dropped and reported as drift.
pub fn parse_static(body: &[u8]) -> Result<(Vec<FloodLevels>, Drift), ParseError> {
    let mut drift = Drift::default();
    let mut out = Vec::new();
    for rec in records(body, true)? {
        match rec.as_object() {
            Some(obj) => out.extend(flood_levels(obj, &mut drift)),
            None => {
                drift
                    .changed
                    .insert(format!("record: object → {}", type_name(&rec)));
            }
        }
    }
    Ok((out, drift))
}

/// Where a water level stands against a station's reference levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelStatus {
    Normal,
    AboveWarning,
    AboveDanger,
    /// At or above the highest flood level on record.
    AboveHfl,
    /// Not a level above MSL (gauge height, rainfall, …) or no reference level known.
    NotComparable,
}

/// Classifies a value against `levels` ("above" means at or above). Only
/// [`Parameter::WaterLevel`] (CWC `HHS`, m above MSL) is compared: a gauge height (`HZS`/`HZF`)
/// is measured from a local datum and always gives [`LevelStatus::NotComparable`].
pub fn classify(parameter: Parameter, value: f64, levels: &FloodLevels) -> LevelStatus {
    if parameter != Parameter::WaterLevel || !value.is_finite() {
        return LevelStatus::NotComparable;
    }
    let (warning, danger, hfl) = (
        levels.warning_level,
        levels.danger_level,
        levels.highest_flood_level,
    );
    if warning.is_none() && danger.is_none() && hfl.is_none() {
        return LevelStatus::NotComparable;
    }
    let reached = |level: Option<f64>| level.is_some_and(|l| value >= l);
    if reached(hfl) {
        LevelStatus::AboveHfl
    } else if reached(danger) {
        LevelStatus::AboveDanger
    } else if reached(warning) {
        LevelStatus::AboveWarning
    } else {
        LevelStatus::Normal
    }
}

// --- layer-station-geo: names and positions ---

/// A coordinate within `limit`; `0` is a placeholder, not a position in India.
fn coordinate(obj: &Map<String, Value>, key: &str, limit: f64, drift: &mut Drift) -> Option<f64> {
    if !obj.contains_key(key) {
        drift.missing.insert(key.into());
    }
    numeric(obj, key, drift).filter(|v| *v != 0.0 && v.abs() <= limit)
}

fn geo_station(obj: &Map<String, Value>, drift: &mut Drift) -> Result<SourceStation, String> {
    let mut known = vec!["stationCode", "name", "lat", "lon"];
    for names in [GEO_RIVER, GEO_BASIN, GEO_DISTRICT, GEO_STATE] {
        known.extend(names);
    }
    note_unknown(obj, &known, "", drift);
    let lat = coordinate(obj, "lat", 90.0, drift);
    let lon = coordinate(obj, "lon", 180.0, drift);
    let Some(id) = obj.get("stationCode").and_then(text) else {
        drift.missing.insert("stationCode".into());
        return Err("station without stationCode".into());
    };
    let name = obj.get("name").and_then(text).unwrap_or_else(|| {
        drift.missing.insert("name".into());
        id.clone()
    });
    let descriptor = |names: &[&str]| first(obj, names).and_then(text);
    Ok(SourceStation {
        name,
        lat,
        lon,
        river: descriptor(&GEO_RIVER),
        district: descriptor(&GEO_DISTRICT),
        state: descriptor(&GEO_STATE),
        basin: descriptor(&GEO_BASIN),
        id,
    })
}

/// Parses a `layer-station-geo` answer (array or one object): `stationCode`, `name`, `lat`,
/// `lon`, plus river, basin, district and state when present.
pub fn parse_geo(body: &[u8]) -> Result<Parsed<SourceStation>, ParseError> {
    let mut out = Parsed::new();
    for (i, rec) in records(body, true)?.iter().enumerate() {
        let Some(obj) = rec.as_object() else {
            out.skip(format!(
                "record {i}: {} instead of an object",
                type_name(rec)
            ));
            continue;
        };
        match geo_station(obj, &mut out.drift) {
            Ok(station) => out.items.push(station),
            Err(reason) => out.skip(format!("record {i}: {reason}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    const HHS: &[u8] = include_bytes!("../../tests/fixtures/sources/cwc/new_entry_data_hhs.json");
    const MIXED: &[u8] =
        include_bytes!("../../tests/fixtures/sources/cwc/new_entry_data_mixed.json");
    const RENAMED: &[u8] =
        include_bytes!("../../tests/fixtures/sources/cwc/new_entry_data_renamed.json");
    const STATIC: &[u8] =
        include_bytes!("../../tests/fixtures/sources/cwc/flood_forecast_static.json");
    const STATIC_ONE: &[u8] =
        include_bytes!("../../tests/fixtures/sources/cwc/flood_forecast_static_single.json");
    const GEO: &[u8] = include_bytes!("../../tests/fixtures/sources/cwc/layer_station_geo.json");

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// Reverses [`percent_encode`] for the round-trip test.
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn specification_is_the_nested_where_and_of_the_reference() {
        let spec = specification(
            "015-UYDDEL",
            "HHS",
            naive("2024-07-25 00:00"),
            naive("2024-07-28 00:00"),
        );
        let expected = concat!(
            r#"{"where":{"where":{"where":{"expression":{"valueIsRelationField":false,"fieldName":"id.stationCode","operator":"eq","value":"015-UYDDEL"}},"#,
            r#""and":{"expression":{"valueIsRelationField":false,"fieldName":"id.datatypeCode","operator":"eq","value":"HHS"}}},"#,
            r#""and":{"expression":{"valueIsRelationField":false,"fieldName":"dataValue","operator":"null","value":"false"}}},"#,
            r#""and":{"expression":{"valueIsRelationField":false,"fieldName":"id.dataTime","operator":"btn","value":"2024-07-25T00:00:00.000,2024-07-28T00:00:00.000"}}}"#,
        );
        assert_eq!(spec, expected);
        let parsed: Value = serde_json::from_str(&spec).expect("valid JSON");
        assert!(parsed["where"]["where"]["where"]["expression"].is_object());
    }

    #[test]
    fn history_url_encodes_both_json_values() {
        let url = history_url(
            "https://ffs.india-water.gov.in/",
            "015-UYDDEL",
            "HHS",
            naive("2024-07-25 00:00"),
            naive("2024-07-28 06:30"),
        );
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(
            path,
            "https://ffs.india-water.gov.in/iam/api/new-entry-data/specification/sorted"
        );
        assert!(!query.contains(['{', '"', ' ', ',', ':']), "{query}");
        let (sort, spec) = query.split_once('&').unwrap();
        let sort = sort.strip_prefix("sort-criteria=").unwrap();
        let spec = spec.strip_prefix("specification=").unwrap();
        assert_eq!(decode(sort), sort_criteria_ascending_time());
        assert!(decode(spec).contains("2024-07-25T00:00:00.000,2024-07-28T06:30:00.000"));
        assert!(
            spec.contains("2024-07-28T06%3A30%3A00.000"),
            "milliseconds kept"
        );
    }

    #[test]
    fn static_and_geo_urls() {
        assert_eq!(
            static_url("https://ffs.india-water.gov.in", "015-UYDDEL"),
            "https://ffs.india-water.gov.in/iam/api/flood-forecast-static/015-UYDDEL"
        );
        let url = geo_url("https://ffs.india-water.gov.in", "015-UYDDEL");
        let spec = url
            .strip_prefix(
                "https://ffs.india-water.gov.in/iam/api/layer-station-geo/specification/?specification=",
            )
            .unwrap();
        let spec: Value = serde_json::from_str(&decode(spec)).unwrap();
        let e = &spec["where"]["expression"];
        assert_eq!(e["fieldName"], "stationCode");
        assert_eq!(e["operator"], "eq");
        assert_eq!(e["value"], "015-UYDDEL");
    }

    #[test]
    fn hhs_series_is_water_level_in_utc() {
        let p = parse_levels(HHS).unwrap();
        assert_eq!(p.items.len(), 6);
        assert!(p.drift.is_empty() && p.skipped.is_empty());
        let first = &p.items[0];
        assert_eq!(first.station, "015-UYDDEL");
        assert_eq!(first.parameter, Parameter::WaterLevel);
        assert_eq!(first.unit, "m above MSL");
        assert_eq!(first.observed_at, utc("2024-07-28T01:30:00Z"), "07:00 IST");
        assert_eq!(first.value, 204.66);
    }

    #[test]
    fn hzs_rows_are_gauge_height_and_other_codes_are_skipped() {
        let p = parse_levels(MIXED).unwrap();
        let kinds: Vec<(Parameter, f64)> = p.items.iter().map(|o| (o.parameter, o.value)).collect();
        assert_eq!(
            kinds,
            vec![
                (Parameter::WaterLevel, 204.73),
                (Parameter::GaugeHeight, 6.21),
                (Parameter::WaterLevel, 204.81),
                (Parameter::GaugeHeight, 6.29),
                (Parameter::Rainfall, 38.5),
                (Parameter::WaterLevel, 204.95),
            ]
        );
        let gauge = &p.items[1];
        assert_eq!(gauge.unit, "m");
        assert!(gauge.note.as_deref().unwrap().contains("not comparable"));
        assert_eq!(
            p.items[3].station, "015-UYDDEL",
            "top-level id keys accepted"
        );
        assert_eq!(p.items[4].unit, "mm");
        for code in ["HHT", "BAT", "FIN", "QXZ"] {
            assert!(
                p.skipped.iter().any(|s| s.contains(&format!("/{code}:"))),
                "{code}"
            );
        }
        assert!(p.skipped.iter().any(|s| s.contains("null dataValue")));
        assert!(p.drift.changed.contains("dataValue: number → string"));
        assert!(p.drift.unknown.contains("dataSource"));
        assert!(p.drift.missing.is_empty());
    }

    #[test]
    fn a_renamed_value_field_is_missing_drift() {
        let p = parse_levels(RENAMED).unwrap();
        assert!(p.items.is_empty());
        assert!(p.drift.missing.contains("dataValue"));
        assert!(p.drift.unknown.contains("value"));
        assert!(p.drift.is_breaking());
        assert_eq!(p.skipped.len(), 2);
    }

    #[test]
    fn level_bodies_that_are_not_arrays_fail() {
        assert!(matches!(
            parse_levels(br#"{"status":500,"error":"Internal Server Error"}"#),
            Err(ParseError::Shape { .. })
        ));
        assert_eq!(parse_levels(b"[]").unwrap_err(), ParseError::Empty);
        assert!(matches!(
            parse_levels(b"<html><head><title>Access Denied</title></head></html>"),
            Err(ParseError::Html(_))
        ));
        let p = parse_levels(br#"[{"id":{"datatypeCode":"HHS"},"dataValue":1.0}]"#).unwrap();
        assert!(p.drift.missing.contains("id.stationCode"));
        assert!(p.drift.missing.contains("id.dataTime"));
    }

    #[test]
    fn static_levels_from_an_array() {
        let (levels, drift) = parse_static(STATIC).unwrap();
        assert_eq!(levels.len(), 3);
        let delhi = &levels[0];
        assert_eq!(delhi.station, "015-UYDDEL");
        assert_eq!(delhi.warning_level, Some(204.5));
        assert_eq!(delhi.danger_level, Some(205.33));
        assert_eq!(delhi.highest_flood_level, Some(207.49));
        assert_eq!(
            delhi.highest_flood_date,
            NaiveDate::from_ymd_opt(1978, 9, 6)
        );
        assert_eq!(delhi.kind.as_deref(), Some("Level"));
        assert_eq!(delhi.nearest_town.as_deref(), Some("Delhi"));
        assert_eq!(levels[1].danger_level, Some(354.0), "numeric string read");
        assert_eq!(
            levels[1].highest_flood_date,
            NaiveDate::from_ymd_opt(2006, 8, 6)
        );
        let dam = &levels[2];
        assert_eq!((dam.frl, dam.mwl), (Some(261.0), Some(262.5)));
        assert_eq!(dam.danger_level, None, "0 is an unset level");
        assert_eq!(dam.kind.as_deref(), Some("Inflow"));
        assert!(drift.changed.contains("dangerLevel: number → string"));
        assert_eq!(drift.unknown.iter().collect::<Vec<_>>(), vec!["reviewedBy"]);
        assert!(drift.missing.is_empty());
    }

    #[test]
    fn static_levels_from_one_object() {
        let (levels, drift) = parse_static(STATIC_ONE).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        assert_eq!(levels.len(), 1);
        assert_eq!(levels[0].station, "032-LGDHYD");
        assert_eq!(levels[0].danger_level, Some(28.0));
        let (_, drift) = parse_static(br#"[{"stationCode":"015-UYDDEL","type":"Level"}]"#).unwrap();
        assert!(drift.missing.contains("dangerLevel") && drift.missing.contains("warningLevel"));
    }

    #[test]
    fn only_hhs_water_level_is_compared_with_flood_levels() {
        let (levels, _) = parse_static(STATIC).unwrap();
        let delhi = &levels[0];
        use LevelStatus::*;
        assert_eq!(classify(Parameter::WaterLevel, 204.0, delhi), Normal);
        assert_eq!(classify(Parameter::WaterLevel, 204.5, delhi), AboveWarning);
        assert_eq!(classify(Parameter::WaterLevel, 205.4, delhi), AboveDanger);
        assert_eq!(classify(Parameter::WaterLevel, 207.6, delhi), AboveHfl);
        // The trap: a gauge height of 206 m (or any value) is never compared with MSL levels.
        for v in [6.21, 204.6, 206.0, 999.0] {
            assert_eq!(
                classify(Parameter::GaugeHeight, v, delhi),
                NotComparable,
                "{v}"
            );
        }
        assert_eq!(classify(Parameter::Rainfall, 300.0, delhi), NotComparable);
        assert_eq!(
            classify(Parameter::WaterLevel, f64::NAN, delhi),
            NotComparable
        );
        assert_eq!(
            classify(Parameter::WaterLevel, 300.0, &levels[2]),
            NotComparable
        );
        // The whole path: HZS rows of the mixed series never classify as above danger.
        let p = parse_levels(MIXED).unwrap();
        for o in p
            .items
            .iter()
            .filter(|o| o.parameter == Parameter::GaugeHeight)
        {
            assert_eq!(classify(o.parameter, o.value, delhi), NotComparable);
        }
    }

    #[test]
    fn geo_stations_with_positions() {
        let p = parse_geo(GEO).unwrap();
        assert_eq!(p.items.len(), 3);
        let delhi = &p.items[0];
        assert_eq!(delhi.id, "015-UYDDEL");
        assert_eq!(delhi.name, "Delhi Railway Bridge");
        assert_eq!((delhi.lat, delhi.lon), (Some(28.6607), Some(77.2463)));
        assert_eq!(delhi.river.as_deref(), Some("Yamuna"));
        assert_eq!(delhi.basin.as_deref(), Some("Ganga"));
        assert_eq!(delhi.district.as_deref(), Some("Delhi"));
        let rjy = &p.items[1];
        assert_eq!(rjy.lat, Some(17.0005));
        assert_eq!(rjy.river.as_deref(), Some("Godavari"));
        assert_eq!(
            (p.items[2].lat, p.items[2].lon),
            (None, None),
            "0,0 is no position"
        );
        assert!(p.drift.missing.contains("stationCode"));
        assert!(p.drift.changed.contains("lat: number → string"));
        assert!(p.drift.unknown.contains("tehsil"));
        assert_eq!(p.skipped.len(), 1);
    }
}
