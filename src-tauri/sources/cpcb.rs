//! CPCB real-time water quality (RTWQMS): a KISTERS WISKI portal serving static JSON
//! (sources.md §2). Pure parsers for the station list, the latest value of every station ×
//! parameter (`layers/10/index.json`) and the daily history of one series (`year.json`).
//!
//! Known defect handled here: EC is labelled `mS/cm` but published in µS/cm.

use super::lenient::{json_body, number, text, time_ist, type_name};
use super::types::{Drift, Observation, ParseError, Parsed, SourceStation};
use crate::model::Parameter;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Source id used in health, logs and provenance.
pub const SOURCE: &str = "cpcb_rtwqms";

/// Every field of a `layers/10/index.json` record (sources.md §2); anything else is drift.
const LATEST_FIELDS: &str = "ts_id timestamp req_timestamp ts_value station_latitude \
    station_longitude ts_name ts_shortname stationparameter_longname stationparameter_name \
    stationparameter_no station_id station_no station_name station_longname ts_unitsymbol site_no \
    catchment_name territory_name ObjectDescription station_diary_status station_status_remark \
    MAX_RANGE";

/// Fields without which a latest record cannot become an observation.
const REQUIRED: [&str; 4] = ["station_no", "stationparameter_no", "timestamp", "ts_value"];

/// A genuine freshwater EC in mS/cm stays below this; a larger "mS/cm" value is µS/cm.
const EC_LABEL_LIMIT: f64 = 20.0;

/// Provenance note on EC values whose unit label was corrected.
pub const EC_NOTE: &str = "CPCB RTWQMS labels EC as mS/cm; values are µS/cm (label corrected)";

/// URL of the station list.
pub fn stations_url(base: &str) -> String {
    format!("{}/data/internet/stations/stations.json", trim_base(base))
}

/// URL of the latest value of every station × parameter.
pub fn latest_url(base: &str) -> String {
    format!("{}/data/internet/layers/10/index.json", trim_base(base))
}

/// URL of the daily history (`year.json`) of one station's parameter.
pub fn year_url(base: &str, station_no: &str, param_no: &str) -> String {
    format!(
        "{}/data/internet/stations/DSP_SWAN/{}/{}/year.json",
        trim_base(base),
        segment(station_no),
        segment(param_no)
    )
}

fn trim_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// Percent-encodes a path segment so a code can never add a level (`/`) or a query (`?`).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.trim().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical parameter of an RTWQMS `stationparameter_no` code.
///
/// `S` (river stage) is a gauge height above an unknown local datum, so it maps to
/// [`Parameter::GaugeHeight`], never to [`Parameter::WaterLevel`] (which is compared with
/// danger levels).
pub fn parameter_of(code: &str) -> Option<Parameter> {
    // The codes stay distinct without case (`WT` / `WTb`), so case slips are tolerated.
    let p = match code.trim().to_ascii_lowercase().as_str() {
        "ph" => Parameter::Ph,
        "do" => Parameter::DissolvedOxygen,
        "bod" => Parameter::Bod,
        "cod" => Parameter::Cod,
        "toc" => Parameter::Toc,
        "no3" => Parameter::Nitrate,
        "cl" => Parameter::Chloride,
        "wt" => Parameter::Temperature,
        "ec" => Parameter::Conductivity,
        "wtb" => Parameter::Turbidity,
        "s" => Parameter::GaugeHeight,
        "depth" => Parameter::Depth,
        _ => return None,
    };
    Some(p)
}

/// Parses `stations.json`: an array of station objects. Records without `station_no` are
/// skipped (and reported as missing), coordinates may be numbers or numeric strings.
pub fn parse_stations(body: &[u8]) -> Result<Parsed<SourceStation>, ParseError> {
    let mut out = Parsed::new();
    for (i, rec) in array_body(body)?.iter().enumerate() {
        let Some(obj) = rec.as_object() else {
            out.skip(format!("station {i}: not an object ({})", type_name(rec)));
            continue;
        };
        coordinate_drift(obj, &mut out.drift);
        match station_of(obj) {
            Some(s) => out.items.push(s),
            None => {
                out.drift.missing.insert("station_no".into());
                out.skip(format!("station {i}: no station_no"));
            }
        }
    }
    Ok(out)
}

/// Parses `layers/10/index.json` into observations and the station metadata seen in it
/// (deduplicated by `station_no`, in order of appearance).
///
/// Drift is checked per record: a required field absent from any record is `missing`, keys
/// outside the known list are `unknown`, type changes are `changed`. A payload where every
/// record lacks a required field still parses (with no items): the caller judges the drift.
/// Unknown parameter codes and placeholder values are skipped with a reason, not drift.
pub fn parse_latest(body: &[u8]) -> Result<(Parsed<Observation>, Vec<SourceStation>), ParseError> {
    let mut out = Parsed::new();
    let mut stations = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in array_body(body)?.iter().enumerate() {
        let Some(obj) = rec.as_object() else {
            out.skip(format!("record {i}: not an object ({})", type_name(rec)));
            continue;
        };
        out.drift.merge(latest_drift(obj));
        if let Some(s) = station_of(obj)
            && seen.insert(s.id.clone())
        {
            stations.push(s);
        }
        match latest_observation(obj) {
            Ok(o) => out.items.push(o),
            Err(reason) => out.skip(reason),
        }
    }
    Ok((out, stations))
}

/// Parses a `year.json` (or KISTERS `week.json`) history of one station's parameter.
///
/// The body is an array of series (`Day.Min`, `Day.Mean`, `Day.Max`); the series whose
/// `ts_name` contains "Mean" is used, else the first. Rows come from `data` (or `rows` when
/// that is an array) and are either `[timestamp, value, …]` arrays (column order from
/// `columns` when given) or `{"Timestamp", "Value"}` objects.
pub fn parse_year(
    body: &[u8],
    station_no: &str,
    parameter_code: &str,
) -> Result<Parsed<Observation>, ParseError> {
    let parameter = parameter_of(parameter_code).ok_or_else(|| {
        ParseError::Invalid(format!("unknown RTWQMS parameter code {parameter_code:?}"))
    })?;
    let all = match json_body(body)? {
        Value::Array(a) => a,
        // A single series object (some week.json variants) is one-element history.
        Value::Object(o) => vec![Value::Object(o)],
        other => return Err(shape("a JSON array of series", &other)),
    };
    if all.is_empty() {
        return Err(ParseError::Empty);
    }
    let series = pick_series(&all).ok_or_else(|| ParseError::Shape {
        expected: "series objects".into(),
        found: type_name(&all[0]).into(),
    })?;
    let mut out = Parsed::new();
    let raw_unit = series
        .get("ts_unitsymbol")
        .and_then(text)
        .unwrap_or_default();
    let Some(rows) = ["data", "rows"]
        .iter()
        .find_map(|k| series.get(*k).and_then(Value::as_array))
    else {
        out.drift.missing.insert("data".into());
        return Ok(out);
    };
    let (ti, vi) = columns(series);
    let tag = format!("{station_no}/{parameter_code}");
    for row in rows {
        match history_row(row, ti, vi) {
            Ok((at, value)) => {
                out.items
                    .push(observation(station_no, parameter, at, value, &raw_unit));
            }
            Err(reason) => out.skip(format!("{tag} {reason}")),
        }
    }
    Ok(out)
}

/// The top-level array of a body; an empty array is [`ParseError::Empty`].
fn array_body(body: &[u8]) -> Result<Vec<Value>, ParseError> {
    match json_body(body)? {
        Value::Array(a) if a.is_empty() => Err(ParseError::Empty),
        Value::Array(a) => Ok(a),
        other => Err(shape("a JSON array", &other)),
    }
}

fn shape(expected: &str, found: &Value) -> ParseError {
    ParseError::Shape {
        expected: expected.into(),
        found: type_name(found).into(),
    }
}

/// Station metadata from a station or latest record; `None` without `station_no`.
fn station_of(obj: &Map<String, Value>) -> Option<SourceStation> {
    let id = field_text(obj, "station_no")?;
    let name = field_text(obj, "station_name")
        .or_else(|| field_text(obj, "station_longname"))
        .unwrap_or_else(|| id.clone());
    let lat = obj.get("station_latitude").and_then(number);
    let lon = obj.get("station_longitude").and_then(number);
    Some(SourceStation {
        id,
        name,
        lat: lat.filter(|v| v.abs() <= 90.0),
        lon: lon.filter(|v| v.abs() <= 180.0),
        river: field_text(obj, "river"),
        district: None,
        state: field_text(obj, "territory_name"),
        basin: field_text(obj, "catchment_name"),
    })
}

fn field_text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(text)
}

/// The drift one latest record shows against the documented field list.
fn latest_drift(obj: &Map<String, Value>) -> Drift {
    let mut d = Drift::default();
    for key in REQUIRED {
        if !obj.contains_key(key) {
            d.missing.insert(key.into());
        }
    }
    for key in obj.keys() {
        if !LATEST_FIELDS.split_whitespace().any(|known| known == key) {
            d.unknown.insert(key.clone());
        }
    }
    // `null` is a placeholder for "no reading", not a type change.
    if let Some(v) = obj.get("ts_value")
        && !matches!(v, Value::Number(_) | Value::String(_) | Value::Null)
    {
        d.changed
            .insert(format!("ts_value: number → {}", type_name(v)));
    }
    if let Some(v) = obj.get("timestamp")
        && !v.is_string()
    {
        d.changed
            .insert(format!("timestamp: string → {}", type_name(v)));
    }
    coordinate_drift(obj, &mut d);
    d
}

fn coordinate_drift(obj: &Map<String, Value>, d: &mut Drift) {
    for key in ["station_latitude", "station_longitude"] {
        if let Some(v) = obj.get(key)
            && !matches!(v, Value::Number(_) | Value::String(_) | Value::Null)
        {
            d.changed
                .insert(format!("{key}: number → {}", type_name(v)));
        }
    }
}

/// One latest record as an observation, or the reason it was skipped.
fn latest_observation(obj: &Map<String, Value>) -> Result<Observation, String> {
    let station = field_text(obj, "station_no").ok_or("record without station_no")?;
    let code = field_text(obj, "stationparameter_no")
        .ok_or_else(|| format!("{station}: no stationparameter_no"))?;
    let parameter =
        parameter_of(&code).ok_or_else(|| format!("{station}/{code}: unknown parameter code"))?;
    let raw = obj
        .get("ts_value")
        .ok_or_else(|| format!("{station}/{code}: no ts_value"))?;
    let value = number(raw).ok_or_else(|| format!("{station}/{code}: no value ({raw})"))?;
    let stamp = obj.get("timestamp").unwrap_or(&Value::Null);
    let at = stamp
        .as_str()
        .and_then(time_ist)
        .ok_or_else(|| format!("{station}/{code}: unreadable timestamp ({stamp})"))?;
    let raw_unit = field_text(obj, "ts_unitsymbol").unwrap_or_default();
    Ok(observation(&station, parameter, at, value, &raw_unit))
}

/// Builds an observation, correcting the unit label where the source is known to be wrong.
fn observation(
    station: &str,
    parameter: Parameter,
    observed_at: DateTime<Utc>,
    value: f64,
    raw_unit: &str,
) -> Observation {
    let (unit, note) = real_unit(parameter, raw_unit, value);
    Observation {
        station: station.to_string(),
        parameter,
        observed_at,
        value,
        unit,
        raw_unit: raw_unit.to_string(),
        note,
    }
}

/// The unit a value is really in, and a note when the label was corrected.
fn real_unit(parameter: Parameter, raw: &str, value: f64) -> (String, Option<String>) {
    let label = raw.trim();
    let key = label.to_ascii_lowercase().replace(' ', "");
    if parameter == Parameter::Conductivity && key == "ms/cm" && value > EC_LABEL_LIMIT {
        return ("µS/cm".into(), Some(EC_NOTE.into()));
    }
    let unit = match key.as_str() {
        "" | "---" | "-" | "ph" if parameter == Parameter::Ph => "pH",
        "" => parameter.canonical_unit(),
        "mg/l" => "mg/L",
        "°c" | "degc" | "c" | "℃" => "°C",
        "ntu" => "NTU",
        "m" => "m",
        "ms/cm" => "mS/cm",
        // Micro sign (U+00B5), Greek mu (U+03BC) and ASCII `u` all mean micro.
        "µs/cm" | "μs/cm" | "us/cm" => "µS/cm",
        _ => label,
    };
    (unit.to_string(), None)
}

/// The `Day.Mean` series, else the first series object.
fn pick_series(all: &[Value]) -> Option<&Map<String, Value>> {
    let objects = || all.iter().filter_map(Value::as_object);
    objects()
        .find(|s| {
            s.get("ts_name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.to_ascii_lowercase().contains("mean"))
        })
        .or_else(|| objects().next())
}

/// Positions of the timestamp and value in array rows, from `columns` ("Timestamp,Value").
fn columns(series: &Map<String, Value>) -> (usize, usize) {
    let Some(cols) = series.get("columns").and_then(Value::as_str) else {
        return (0, 1);
    };
    let names: Vec<String> = cols
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let at = |name: &str, default: usize| names.iter().position(|c| c == name).unwrap_or(default);
    (at("timestamp", 0), at("value", 1))
}

/// One history row, or why it was skipped.
fn history_row(row: &Value, ti: usize, vi: usize) -> Result<(DateTime<Utc>, f64), String> {
    let (stamp, value) = match row {
        Value::Array(cells) => (cells.get(ti), cells.get(vi)),
        Value::Object(o) => (key_ci(o, "timestamp"), key_ci(o, "value")),
        other => {
            return Err(format!(
                "row: not an array or object ({})",
                type_name(other)
            ));
        }
    };
    let stamp = stamp.and_then(Value::as_str).unwrap_or_default();
    let at = time_ist(stamp).ok_or_else(|| format!("row: unreadable timestamp {stamp:?}"))?;
    let value = value.unwrap_or(&Value::Null);
    let v = number(value).ok_or_else(|| format!("{stamp}: no value ({value})"))?;
    Ok((at, v))
}

/// A key looked up without case (`Timestamp` / `timestamp`).
fn key_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATIONS: &[u8] = include_bytes!("../../tests/fixtures/sources/cpcb/stations.json");
    const LATEST: &[u8] = include_bytes!("../../tests/fixtures/sources/cpcb/latest.json");
    const RENAMED: &[u8] = include_bytes!("../../tests/fixtures/sources/cpcb/latest_renamed.json");
    const YEAR: &[u8] = include_bytes!("../../tests/fixtures/sources/cpcb/year.json");

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn find<'a>(obs: &'a [Observation], station: &str, p: Parameter) -> &'a Observation {
        obs.iter()
            .find(|o| o.station == station && o.parameter == p)
            .unwrap_or_else(|| panic!("{station}/{p} missing"))
    }

    #[test]
    fn urls_trim_the_base_and_escape_segments() {
        let base = "https://rtwqmsdb1.cpcb.gov.in/";
        assert_eq!(
            stations_url(base),
            "https://rtwqmsdb1.cpcb.gov.in/data/internet/stations/stations.json"
        );
        assert_eq!(
            latest_url(base),
            "https://rtwqmsdb1.cpcb.gov.in/data/internet/layers/10/index.json"
        );
        assert_eq!(
            year_url(base, "UT67", "WTb"),
            "https://rtwqmsdb1.cpcb.gov.in/data/internet/stations/DSP_SWAN/UT67/WTb/year.json"
        );
        assert!(year_url(base, "UT/67", "E C?").ends_with("/UT%2F67/E%20C%3F/year.json"));
    }

    #[test]
    fn parameter_codes_map_to_canonical_parameters() {
        assert_eq!(parameter_of("pH"), Some(Parameter::Ph));
        assert_eq!(parameter_of("WT"), Some(Parameter::Temperature));
        assert_eq!(parameter_of("WTb"), Some(Parameter::Turbidity));
        assert_eq!(parameter_of("NO3"), Some(Parameter::Nitrate));
        assert_eq!(
            parameter_of("S"),
            Some(Parameter::GaugeHeight),
            "stage is not MSL level"
        );
        assert_eq!(parameter_of("Depth"), Some(Parameter::Depth));
        assert_eq!(parameter_of("ORP"), None);
    }

    #[test]
    fn station_list_reads_lenient_coordinates_and_skips_records_without_a_code() {
        let p = parse_stations(STATIONS).unwrap();
        assert_eq!(p.items.len(), 3);
        let ut = &p.items[0];
        assert_eq!(ut.id, "UT67");
        assert_eq!(ut.name, "Rishikesh (Laxman Jhula)");
        assert_eq!(ut.lat, Some(30.1266));
        assert_eq!(ut.lon, Some(78.3299));
        assert_eq!(ut.state.as_deref(), Some("Uttarakhand"));
        assert_eq!(ut.basin.as_deref(), Some("Ganga"));
        assert_eq!(ut.river.as_deref(), Some("Ganga"));
        assert_eq!(
            p.items[2].name, "Patna Gandhi Ghat",
            "longname when name is absent"
        );
        assert_eq!(p.skipped, vec!["station 3: no station_no".to_string()]);
        assert!(p.drift.missing.contains("station_no"));
    }

    #[test]
    fn latest_values_parse_with_units_and_the_ec_correction() {
        let (p, stations) = parse_latest(LATEST).unwrap();
        assert!(p.drift.is_empty(), "{}", p.drift.describe());
        assert_eq!(p.items.len(), 17);

        let ec = find(&p.items, "UT67", Parameter::Conductivity);
        assert_eq!(ec.value, 412.0);
        assert_eq!(ec.unit, "µS/cm");
        assert_eq!(ec.raw_unit, "mS/cm");
        assert_eq!(ec.note.as_deref(), Some(EC_NOTE));
        assert_eq!(
            find(&p.items, "UP32", Parameter::Conductivity).value,
            1180.0
        );

        let ph = find(&p.items, "UP32", Parameter::Ph);
        assert_eq!(
            (ph.value, ph.unit.as_str(), ph.raw_unit.as_str()),
            (7.62, "pH", "---")
        );
        let d = find(&p.items, "UT67", Parameter::DissolvedOxygen);
        assert_eq!((d.unit.as_str(), d.raw_unit.as_str()), ("mg/L", "mg/l"));
        assert_eq!(d.note, None);
        assert_eq!(find(&p.items, "UT67", Parameter::Temperature).unit, "°C");
        assert_eq!(find(&p.items, "UT67", Parameter::Turbidity).unit, "NTU");
        let stage = find(&p.items, "UT67", Parameter::GaugeHeight);
        assert_eq!((stage.value, stage.unit.as_str()), (2.31, "m"));
        assert!(!p.items.iter().any(|o| o.parameter == Parameter::WaterLevel));

        // An explicit Z is UTC, not IST.
        assert_eq!(d.observed_at, utc("2024-07-28T03:30:00Z"));

        assert_eq!(stations.len(), 3);
        assert_eq!(stations[1].id, "UP32");
        assert_eq!(stations[1].name, "Kanpur Jajmau Pumping Station");
        assert_eq!(stations[1].state.as_deref(), Some("Uttar Pradesh"));
        assert_eq!(stations[2].basin.as_deref(), Some("Ganga"));
        assert_eq!(stations[2].lat, Some(25.6215));
    }

    #[test]
    fn placeholders_and_unknown_codes_are_skipped_with_a_reason() {
        let (p, _) = parse_latest(LATEST).unwrap();
        assert_eq!(
            p.skipped,
            vec![
                "UT67/ORP: unknown parameter code".to_string(),
                r#"UP32/TOC: no value ("NA")"#.to_string(),
            ]
        );
    }

    #[test]
    fn small_ec_values_keep_the_ms_label_and_naive_times_are_ist() {
        let body = br#"[{"station_no":"WB01","stationparameter_no":"EC","timestamp":"2024-07-28T09:00:00","ts_value":0.45,"ts_unitsymbol":"mS/cm"}]"#;
        let (p, _) = parse_latest(body).unwrap();
        let o = &p.items[0];
        assert_eq!((o.unit.as_str(), o.note.clone()), ("mS/cm", None));
        assert_eq!(o.observed_at, utc("2024-07-28T03:30:00Z"));
    }

    #[test]
    fn a_renamed_value_field_is_reported_as_drift() {
        let (p, stations) = parse_latest(RENAMED).unwrap();
        assert!(p.items.is_empty());
        assert!(p.drift.missing.contains("ts_value"));
        assert!(p.drift.unknown.contains("value"));
        assert!(p.drift.is_breaking());
        assert_eq!(stations.len(), 2, "metadata still read");
    }

    #[test]
    fn a_type_change_is_reported() {
        let body = br#"[{"station_no":"UT67","stationparameter_no":"DO","timestamp":1722137400,"ts_value":true,"station_latitude":false}]"#;
        let (p, _) = parse_latest(body).unwrap();
        let changed: Vec<&str> = p.drift.changed.iter().map(String::as_str).collect();
        assert_eq!(
            changed,
            vec![
                "station_latitude: number → bool",
                "timestamp: string → number",
                "ts_value: number → bool",
            ]
        );
        assert!(p.items.is_empty());
    }

    #[test]
    fn bodies_that_are_not_a_record_array_are_errors() {
        let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>";
        assert!(matches!(parse_latest(html), Err(ParseError::Html(_))));
        let cut = &LATEST[..LATEST.len() / 2];
        assert!(matches!(parse_latest(cut), Err(ParseError::Truncated(_))));
        assert!(matches!(parse_latest(b"[]"), Err(ParseError::Empty)));
        assert!(matches!(parse_latest(b""), Err(ParseError::Empty)));
        assert_eq!(
            parse_latest(br#"{"error":"x"}"#).unwrap_err(),
            ParseError::Shape {
                expected: "a JSON array".into(),
                found: "object".into()
            }
        );
        assert!(matches!(parse_stations(b"[]"), Err(ParseError::Empty)));
    }

    #[test]
    fn year_history_uses_the_daily_mean() {
        let p = parse_year(YEAR, "UP32", "EC").unwrap();
        assert_eq!(p.items.len(), 3);
        let first = &p.items[0];
        assert_eq!(first.value, 1096.4);
        assert_eq!(
            first.observed_at,
            utc("2024-06-30T18:30:00Z"),
            "+05:30 is kept"
        );
        assert_eq!(
            (first.unit.as_str(), first.raw_unit.as_str()),
            ("µS/cm", "mS/cm")
        );
        assert_eq!(first.note.as_deref(), Some(EC_NOTE));
        assert_eq!(first.station, "UP32");
        assert_eq!(
            p.skipped,
            vec!["UP32/EC 2024-07-03T00:00:00.000+05:30: no value (null)".to_string()]
        );
    }

    #[test]
    fn week_style_object_rows_and_column_order_are_read() {
        let objects = br#"[{"ts_name":"Day.Max","ts_unitsymbol":"mg/l","rows":[{"Timestamp":"2024-07-01T00:00:00.000Z","Value":"7.9"}]},
            {"ts_name":"Day.Mean","ts_unitsymbol":"mg/l","columns":"Timestamp,Value","rows":[{"Timestamp":"2024-07-01T00:00:00.000Z","Value":"7.1"},{"Timestamp":"2024-07-02T00:00:00.000Z","Value":"NA"}]}]"#;
        let p = parse_year(objects, "UT67", "DO").unwrap();
        assert_eq!(p.items.len(), 1);
        assert_eq!((p.items[0].value, p.items[0].unit.as_str()), (7.1, "mg/L"));
        assert_eq!(p.skipped.len(), 1);

        let swapped = br#"{"ts_name":"Week","rows":"2","columns":"Value,Timestamp","data":[[18.5,"2024-07-01T06:00:00.000Z"]]}"#;
        let p = parse_year(swapped, "UT67", "WT").unwrap();
        assert_eq!(p.items[0].value, 18.5);
        assert_eq!(p.items[0].observed_at, utc("2024-07-01T06:00:00Z"));
        assert_eq!(p.items[0].unit, "°C", "no label → canonical unit");
    }

    #[test]
    fn year_errors() {
        assert!(matches!(
            parse_year(YEAR, "UP32", "ORP"),
            Err(ParseError::Invalid(_))
        ));
        assert!(matches!(
            parse_year(b"[]", "UP32", "EC"),
            Err(ParseError::Empty)
        ));
        let no_data = parse_year(br#"[{"ts_name":"Day.Mean"}]"#, "UP32", "EC").unwrap();
        assert!(no_data.drift.missing.contains("data"));
    }
}
