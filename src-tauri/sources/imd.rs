//! IMD (India Meteorological Department, sources.md §4): parsers for the IP-whitelisted
//! `mausam.imd.gov.in` / `city.imd.gov.in` APIs. Field names come from third-party clients; every
//! value is a string and `NIL`, `NA` and `""` are common.
//!
//! A refusal ("Your IP … needs to be whitelisted", HTTP 401/403) means "not authorised", not an
//! outage: [`refusal`] recognises it and every parser returns [`ParseError::Refused`] for it.

use super::lenient::{date, json_body, number, text, time_ist, type_name};
use super::types::{Drift, Observation, ParseError, Parsed};
use crate::model::Parameter;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// Connector id used in health, logs and provenance.
pub const SOURCE: &str = "imd";

/// Phrases of IMD's "not authorised" answers (lower case).
#[rustfmt::skip]
const REFUSAL_WORDS: [&str; 5] = [
    "whitelist", "not authorized", "not authorised", "unauthorised", "unauthorized",
];

#[rustfmt::skip]
const CURRENT_KEYS: [&str; 18] = [
    "Station Id", "Station", "Date of Observation", "Time of Observation", "Time", "M.S.L.P",
    "Mean Sea Level Pressure", "Wind Direction", "Wind Speed", "Temperature", "Weather Code",
    "Nebulosity", "Humidity", "Last 24 hrs Rainfall", "Feel Like", "Sunrise", "Sunset",
    "WEATHER_MESSAGE",
];

/// The `current_wx` fields that are [`Parameter`]s; wind and pressure are not.
const CURRENT_MEASURES: [(&str, Parameter); 3] = [
    ("Temperature", Parameter::AirTemperature),
    ("Humidity", Parameter::Humidity),
    ("Last 24 hrs Rainfall", Parameter::Rainfall),
];

const RAIN_NOTE: &str = "IMD 'Last 24 hrs Rainfall': 24-hour total ending at the observation time";

#[rustfmt::skip]
const CITY_KEYS: [&str; 15] = [
    "Date", "Station_Code", "Station_Name", "Latitude", "Longitude", "Today_Max_temp",
    "Today_Min_temp", "Past_24_hrs_Rainfall", "Relative_Humidity_at_0830",
    "Relative_Humidity_at_1730", "Sunrise_time", "Sunset_time", "Todays_Forecast_Max_Temp",
    "Todays_Forecast_Min_temp", "Todays_Forecast",
];

/// District rainfall periods: key prefix and the names of its "actual" field (sic: IMD spells
/// the monthly one `Monthly Acutual`).
const RAIN_PERIODS: [(&str, &[&str]); 4] = [
    ("Daily", &["Daily Actual"]),
    ("Weekly", &["Weekly Actual"]),
    ("Monthly", &["Monthly Acutual", "Monthly Actual"]),
    ("Cumulative", &["Cumulative Actual"]),
];

#[rustfmt::skip]
const RAIN_KEYS: [&str; 7] = [
    "OBJ_ID", "District", "State", "Date", "Week Date", "Monthly Date", "Cumulative Date",
];

const WARNING_KEYS: [&str; 4] = ["Obj_id", "Date", "UTC", "District"];

/// District warning codes 1–17 (consistent across third-party clients).
#[rustfmt::skip]
const WARNING_LABELS: [&str; 17] = [
    "No warning", "Heavy rain", "Heavy snow", "Thunderstorm & lightning, squall etc.", "Hailstorm",
    "Dust storm", "Dust raising winds", "Strong surface winds", "Heat wave", "Hot day",
    "Warm night", "Cold wave", "Cold day", "Ground frost", "Fog", "Very heavy rain",
    "Extremely heavy rain",
];

// --- Refusals and shared helpers ---

/// Recognises IMD's "not authorised" answer: HTTP 401/403, or a body that speaks of a whitelist
/// or of not being authorised. Returns the message to show, with a snippet of the body. A JSON
/// array of records is data, whatever its text says.
pub fn refusal(body: &[u8], status: u16) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let said = readable(&text);
    if matches!(status, 401 | 403) {
        return Some(if said.is_empty() {
            format!("not authorised (HTTP {status})")
        } else {
            format!("not authorised (HTTP {status}): {said}")
        });
    }
    if is_data(body) {
        return None;
    }
    let lower = text.to_lowercase();
    REFUSAL_WORDS
        .iter()
        .any(|w| lower.contains(w))
        .then(|| format!("not authorised: {said}"))
}

fn is_data(body: &[u8]) -> bool {
    matches!(serde_json::from_slice::<Value>(body),
        Ok(Value::Array(items)) if items.iter().any(Value::is_object))
}

/// A body as one short line of text, HTML tags removed.
fn readable(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut in_tag = false;
    for c in s.chars().take(4096) {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let line = out.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(160).collect()
}

/// The records of a body: an array of objects or one object; refusals become `Refused`.
fn records(body: &[u8]) -> Result<Vec<Value>, ParseError> {
    if let Some(message) = refusal(body, 200) {
        return Err(ParseError::Refused(message));
    }
    let records = match json_body(body)? {
        Value::Array(items) => items,
        v @ Value::Object(_) => vec![v],
        other => {
            return Err(ParseError::Shape {
                expected: "array or object".into(),
                found: type_name(&other).into(),
            });
        }
    };
    if records.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(records)
}

/// Reads every object record with `read`; a record of another type is a type change.
fn per_record<T>(
    body: &[u8],
    read: fn(&Map<String, Value>, &mut Drift) -> Option<T>,
) -> Result<(Vec<T>, Drift), ParseError> {
    let mut drift = Drift::default();
    let mut out = Vec::new();
    for rec in records(body)? {
        match rec.as_object() {
            Some(obj) => out.extend(read(obj, &mut drift)),
            None => {
                let found = type_name(&rec);
                drift.changed.insert(format!("record: object → {found}"));
            }
        }
    }
    Ok((out, drift))
}

/// A key by its exact name or, failing that, ignoring case (IMD mixes `Min_temp`/`Min_Temp`).
fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn note_unknown<S: AsRef<str>>(obj: &Map<String, Value>, known: &[S], drift: &mut Drift) {
    for key in obj.keys() {
        if !known.iter().any(|k| k.as_ref().eq_ignore_ascii_case(key)) {
            drift.unknown.insert(key.clone());
        }
    }
}

fn expect_keys(obj: &Map<String, Value>, keys: &[&str], drift: &mut Drift) {
    for key in keys.iter().filter(|k| get(obj, k).is_none()) {
        drift.missing.insert((*key).to_owned());
    }
}

/// A field's string or number. Values are strings but numbers are read too (clients swap
/// them); objects, arrays and booleans are a type change and read as nothing.
fn field<'a>(obj: &'a Map<String, Value>, key: &str, drift: &mut Drift) -> Option<&'a Value> {
    let v = get(obj, key)?;
    if matches!(v, Value::Object(_) | Value::Array(_) | Value::Bool(_)) {
        drift
            .changed
            .insert(format!("{key}: string → {}", type_name(v)));
        return None;
    }
    Some(v)
}

/// Text with IMD's placeholders (`NA`, `NIL`, `-`) read as nothing.
fn clean_text(v: &Value) -> Option<String> {
    let t = text(v)?;
    match t.to_ascii_uppercase().as_str() {
        "NA" | "N/A" | "NIL" | "-" | "--" | "NULL" => None,
        _ => Some(t),
    }
}

/// IMD writes `NIL` for no rain and `TRACE` for under 0.1 mm: both are 0 mm, not missing.
fn nil_rain(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| matches!(s.trim().to_ascii_uppercase().as_str(), "NIL" | "TRACE"))
}

fn rain_mm(v: &Value) -> Option<f64> {
    if nil_rain(v) { Some(0.0) } else { number(v) }
}

// --- Current weather (station) ---

/// `HH:MM[:SS]` from `HH:MM[:SS]`, `HHMM` or either followed by ` IST`/` hrs`.
fn clock(s: &str) -> String {
    let lower = s.trim().to_ascii_lowercase();
    let t = lower.trim_end_matches("ist").trim_end_matches("hrs").trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}:{}", &t[..2], &t[2..])
    } else {
        t.to_owned()
    }
}

fn observed_at(obj: &Map<String, Value>) -> Option<DateTime<Utc>> {
    let day = text(get(obj, "Date of Observation")?)?;
    let time = get(obj, "Time of Observation").or_else(|| get(obj, "Time"))?;
    time_ist(&format!("{day} {}", clock(&text(time)?)))
}

/// The value and provenance note of one measurement field.
fn measure(parameter: Parameter, v: &Value) -> Option<(f64, Option<String>)> {
    match parameter {
        Parameter::Rainfall if nil_rain(v) => {
            Some((0.0, Some(format!("{RAIN_NOTE}; 'NIL' read as 0 mm"))))
        }
        Parameter::Rainfall => number(v).map(|x| (x, Some(RAIN_NOTE.to_owned()))),
        _ => number(v).map(|x| (x, None)),
    }
}

fn current(obj: &Map<String, Value>, out: &mut Parsed<Observation>) {
    note_unknown(obj, &CURRENT_KEYS, &mut out.drift);
    expect_keys(obj, &["Station Id", "Date of Observation"], &mut out.drift);
    expect_keys(obj, &CURRENT_MEASURES.map(|(k, _)| k), &mut out.drift);
    if get(obj, "Time of Observation")
        .or_else(|| get(obj, "Time"))
        .is_none()
    {
        out.drift.missing.insert("Time of Observation".into());
    }
    let Some(id) = get(obj, "Station Id").and_then(text) else {
        out.skip("record without Station Id");
        return;
    };
    let station = format!("IMD-{id}");
    let Some(at) = observed_at(obj) else {
        out.skip(format!("{station}: no readable observation time"));
        return;
    };
    for (key, parameter) in CURRENT_MEASURES {
        let Some(v) = field(obj, key, &mut out.drift) else {
            continue;
        };
        let Some((value, note)) = measure(parameter, v) else {
            out.skip(format!("{station}/{key}: value {v}"));
            continue;
        };
        let unit = parameter.canonical_unit().to_owned();
        out.items.push(Observation {
            station: station.clone(),
            parameter,
            observed_at: at,
            value,
            raw_unit: unit.clone(),
            unit,
            note,
        });
    }
}

/// Parses `current_wx_api.php`: an array (or one object) of station reports. `Temperature`
/// becomes [`Parameter::AirTemperature`] (°C), `Humidity` [`Parameter::Humidity`] (%) and
/// `Last 24 hrs Rainfall` [`Parameter::Rainfall`] (mm, the 24 hours ending at the observation).
/// Times are `Date of Observation` + `Time of Observation` (or `Time`) in IST; stations are
/// named `IMD-{Station Id}`. Wind and pressure are read by nobody and are not drift.
pub fn parse_current_wx(body: &[u8]) -> Result<Parsed<Observation>, ParseError> {
    let mut out = Parsed::new();
    for (i, rec) in records(body)?.iter().enumerate() {
        match rec.as_object() {
            Some(obj) => current(obj, &mut out),
            None => out.skip(format!(
                "record {i}: {} instead of an object",
                type_name(rec)
            )),
        }
    }
    Ok(out)
}

// --- City 7-day forecast ---

/// One day of an IMD city forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CityForecastDay {
    pub date: NaiveDate,
    pub max_c: Option<f64>,
    pub min_c: Option<f64>,
    pub text: Option<String>,
}

/// Max, min and text keys of forecast day `n` (1 = today).
fn day_keys(n: u64) -> [String; 3] {
    match n {
        1 => [
            "Todays_Forecast_Max_Temp",
            "Todays_Forecast_Min_temp",
            "Todays_Forecast",
        ]
        .map(str::to_owned),
        _ => [
            format!("Day_{n}_Max_Temp"),
            format!("Day_{n}_Min_temp"),
            format!("Day_{n}_Forecast"),
        ],
    }
}

fn forecast_day(
    obj: &Map<String, Value>,
    first: NaiveDate,
    n: u64,
    drift: &mut Drift,
) -> Option<CityForecastDay> {
    let [max, min, says] = day_keys(n);
    if [&max, &min, &says].iter().all(|k| get(obj, k).is_none()) {
        return None;
    }
    Some(CityForecastDay {
        date: first.checked_add_days(Days::new(n - 1))?,
        max_c: field(obj, &max, drift).and_then(number),
        min_c: field(obj, &min, drift).and_then(number),
        text: field(obj, &says, drift).and_then(clean_text),
    })
}

/// Parses `cityweather.php`: the station name and up to seven forecast days, day 1 being
/// `Date`. Only the first record is read (one station per id). Without a readable `Date` the
/// days are empty and the drift says why.
pub fn parse_city_weather(
    body: &[u8],
) -> Result<(String, Vec<CityForecastDay>, Drift), ParseError> {
    let records = records(body)?;
    let rec = records.first().ok_or(ParseError::Empty)?;
    let obj = rec.as_object().ok_or_else(|| ParseError::Shape {
        expected: "object".into(),
        found: type_name(rec).into(),
    })?;
    let mut drift = Drift::default();
    let mut known: Vec<String> = CITY_KEYS.iter().map(|k| (*k).to_owned()).collect();
    known.extend((2..=7).flat_map(day_keys));
    note_unknown(obj, &known, &mut drift);
    expect_keys(obj, &["Date", "Station_Name"], &mut drift);
    expect_keys(obj, &day_keys(1).each_ref().map(String::as_str), &mut drift);
    let name = get(obj, "Station_Name")
        .or_else(|| get(obj, "Station_Code"))
        .and_then(text)
        .unwrap_or_default();
    let first = get(obj, "Date").and_then(text).and_then(|s| date(&s));
    if first.is_none() && get(obj, "Date").is_some() {
        drift.changed.insert("Date: unreadable date".into());
    }
    let days = first
        .map(|first| {
            (1..=7)
                .filter_map(|n| forecast_day(obj, first, n, &mut drift))
                .collect()
        })
        .unwrap_or_default();
    Ok((name, days, drift))
}

// --- District rainfall ---

/// One district's rainfall against normal (mm; departures in %; categories LE/E/N/D/LD/NR/ND,
/// see [`category_label`]). The IMD rainfall day runs 08:30 IST → 08:30 IST.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DistrictRainfall {
    pub obj_id: Option<String>,
    pub district: String,
    pub state: Option<String>,
    pub date: Option<NaiveDate>,
    pub daily_actual_mm: Option<f64>,
    pub daily_normal_mm: Option<f64>,
    pub daily_departure_pct: Option<f64>,
    pub daily_category: Option<String>,
    /// `Week Date` (`27-09-2026 To 03-10-2026`), both ends included.
    pub week: Option<(NaiveDate, NaiveDate)>,
    pub weekly_actual_mm: Option<f64>,
    pub weekly_normal_mm: Option<f64>,
    pub weekly_departure_pct: Option<f64>,
    pub weekly_category: Option<String>,
    /// `Monthly Date` when it is a range.
    pub month: Option<(NaiveDate, NaiveDate)>,
    pub monthly_actual_mm: Option<f64>,
    pub monthly_normal_mm: Option<f64>,
    pub monthly_departure_pct: Option<f64>,
    pub monthly_category: Option<String>,
    /// Start of the cumulative (seasonal) total, `Cumulative Date`.
    pub cumulative_since: Option<NaiveDate>,
    pub cumulative_actual_mm: Option<f64>,
    pub cumulative_normal_mm: Option<f64>,
    pub cumulative_departure_pct: Option<f64>,
    pub cumulative_category: Option<String>,
}

/// The four values of one rainfall period.
struct Period {
    actual: Option<f64>,
    normal: Option<f64>,
    departure: Option<f64>,
    category: Option<String>,
}

/// Keys other than "actual" of a period.
fn period_keys(prefix: &str) -> [String; 3] {
    [
        format!("{prefix} Normal"),
        format!("{prefix} Departure Per"),
        format!("{prefix} Category"),
    ]
}

fn period(obj: &Map<String, Value>, prefix: &str, actual: &[&str], drift: &mut Drift) -> Period {
    let [normal, departure, category] = period_keys(prefix);
    // Monthly fields are not in every answer; the others are.
    if prefix != "Monthly" {
        if actual.iter().all(|k| get(obj, k).is_none()) {
            drift.missing.insert(actual[0].to_owned());
        }
        expect_keys(obj, &[&normal, &departure, &category], drift);
    }
    Period {
        actual: actual
            .iter()
            .find_map(|k| field(obj, k, drift))
            .and_then(rain_mm),
        normal: field(obj, &normal, drift).and_then(rain_mm),
        departure: field(obj, &departure, drift).and_then(number),
        category: field(obj, &category, drift)
            .and_then(clean_text)
            .map(|c| c.to_ascii_uppercase()),
    }
}

/// `DD-MM-YYYY To DD-MM-YYYY` (any case of "to").
fn date_range(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let lower = s.to_ascii_lowercase();
    let (a, b) = lower.split_once(" to ")?;
    Some((date(a)?, date(b)?))
}

fn district_rainfall(obj: &Map<String, Value>, drift: &mut Drift) -> Option<DistrictRainfall> {
    let mut known: Vec<String> = RAIN_KEYS.iter().map(|k| (*k).to_owned()).collect();
    for (prefix, actual) in RAIN_PERIODS {
        known.extend(actual.iter().map(|k| (*k).to_owned()));
        known.extend(period_keys(prefix));
    }
    note_unknown(obj, &known, drift);
    expect_keys(
        obj,
        &["District", "Date", "Week Date", "Cumulative Date"],
        drift,
    );
    let district = get(obj, "District").and_then(clean_text)?;
    let [d, w, m, c] = RAIN_PERIODS.map(|(prefix, actual)| period(obj, prefix, actual, drift));
    let text_of = |key: &str| get(obj, key).and_then(text);
    let cumulative = text_of("Cumulative Date");
    Some(DistrictRainfall {
        obj_id: text_of("OBJ_ID"),
        district,
        state: get(obj, "State").and_then(clean_text),
        date: text_of("Date").and_then(|s| date(&s)),
        daily_actual_mm: d.actual,
        daily_normal_mm: d.normal,
        daily_departure_pct: d.departure,
        daily_category: d.category,
        week: text_of("Week Date").and_then(|s| date_range(&s)),
        weekly_actual_mm: w.actual,
        weekly_normal_mm: w.normal,
        weekly_departure_pct: w.departure,
        weekly_category: w.category,
        month: text_of("Monthly Date").and_then(|s| date_range(&s)),
        monthly_actual_mm: m.actual,
        monthly_normal_mm: m.normal,
        monthly_departure_pct: m.departure,
        monthly_category: m.category,
        cumulative_since: cumulative
            .as_deref()
            .and_then(|s| date(s).or_else(|| date_range(s).map(|r| r.0))),
        cumulative_actual_mm: c.actual,
        cumulative_normal_mm: c.normal,
        cumulative_departure_pct: c.departure,
        cumulative_category: c.category,
    })
}

/// Parses `districtwise_rainfall_api.php`. Records without a district are dropped (reported as
/// missing `District`). `NIL` rainfall is 0 mm; `"-20%"` departures are -20.
pub fn parse_district_rainfall(body: &[u8]) -> Result<(Vec<DistrictRainfall>, Drift), ParseError> {
    per_record(body, district_rainfall)
}

/// The meaning of an IMD rainfall category code.
pub fn category_label(code: &str) -> Option<&'static str> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "LE" => "large excess",
        "E" => "excess",
        "N" => "normal",
        "D" => "deficient",
        "LD" => "large deficient",
        "NR" => "no rain",
        "ND" => "no data",
        _ => return None,
    })
}

// --- District warnings ---

/// One district's five-day warning: per day (index 0 = `Date`), the warning codes (see
/// [`warning_label`]) and the colour (1 red … 4 green, see [`colour_label`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DistrictWarning {
    pub obj_id: Option<String>,
    pub district: String,
    pub date: Option<NaiveDate>,
    pub days: Vec<(Vec<u8>, Option<u8>)>,
}

/// Codes key and colour keys (preferred first) of warning day `n`.
fn warning_day_keys(n: u8) -> (String, [String; 2]) {
    (
        format!("Day_{n}"),
        [format!("Day{n}_Color"), format!("Day_{n}_Color")],
    )
}

/// Comma-joined codes (`"2,16"`); unreadable parts are dropped.
fn codes(v: &Value) -> Vec<u8> {
    text(v)
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| c.trim().parse::<u8>().ok())
        .collect()
}

fn colour(v: &Value) -> Option<u8> {
    let c = number(v)?;
    (c.fract() == 0.0 && (1.0..=4.0).contains(&c)).then_some(c as u8)
}

fn warning_day(obj: &Map<String, Value>, n: u8, drift: &mut Drift) -> (Vec<u8>, Option<u8>) {
    let (codes_key, colour_keys) = warning_day_keys(n);
    expect_keys(obj, &[&codes_key], drift);
    if colour_keys.iter().all(|k| get(obj, k).is_none()) {
        drift.missing.insert(colour_keys[0].clone());
    }
    let day_codes = field(obj, &codes_key, drift).map(codes).unwrap_or_default();
    let day_colour = colour_keys
        .iter()
        .find_map(|k| field(obj, k, drift))
        .and_then(colour);
    (day_codes, day_colour)
}

fn district_warning(obj: &Map<String, Value>, drift: &mut Drift) -> Option<DistrictWarning> {
    let mut known: Vec<String> = WARNING_KEYS.iter().map(|k| (*k).to_owned()).collect();
    for n in 1..=5 {
        let (codes_key, colour_keys) = warning_day_keys(n);
        known.push(codes_key);
        known.extend(colour_keys);
    }
    note_unknown(obj, &known, drift);
    expect_keys(obj, &["District", "Date"], drift);
    let district = get(obj, "District").and_then(clean_text)?;
    Some(DistrictWarning {
        obj_id: get(obj, "Obj_id").and_then(text),
        district,
        date: get(obj, "Date").and_then(text).and_then(|s| date(&s)),
        days: (1..=5).map(|n| warning_day(obj, n, drift)).collect(),
    })
}

/// Parses `warnings_district_api.php`: per district, always five days (`Day_1`..`Day_5`, with
/// `Day{n}_Color`); an absent day is empty codes and no colour, and is reported as missing.
pub fn parse_warnings(body: &[u8]) -> Result<(Vec<DistrictWarning>, Drift), ParseError> {
    per_record(body, district_warning)
}

/// The hazard an IMD district warning code names (codes 1–17, consistent across clients).
pub fn warning_label(code: u8) -> &'static str {
    match code {
        1..=17 => WARNING_LABELS[usize::from(code - 1)],
        _ => "IMD warning (unlisted code)",
    }
}

/// The colour of a warning day: 1 red, 2 orange, 3 yellow, 4 green.
pub fn colour_label(c: u8) -> &'static str {
    match c {
        1 => "red",
        2 => "orange",
        3 => "yellow",
        4 => "green",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &[u8] = include_bytes!("../../tests/fixtures/sources/imd/current_wx.json");
    const VARIANTS: &[u8] =
        include_bytes!("../../tests/fixtures/sources/imd/current_wx_variants.json");
    const RENAMED: &[u8] =
        include_bytes!("../../tests/fixtures/sources/imd/current_wx_renamed.json");
    const WHITELIST: &[u8] = include_bytes!("../../tests/fixtures/sources/imd/not_whitelisted.txt");
    const CITY: &[u8] = include_bytes!("../../tests/fixtures/sources/imd/cityweather.json");
    const RAIN: &[u8] =
        include_bytes!("../../tests/fixtures/sources/imd/districtwise_rainfall.json");
    const WARNINGS: &[u8] =
        include_bytes!("../../tests/fixtures/sources/imd/warnings_district.json");

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn whitelist_answers_are_refusals_not_outages() {
        let said = refusal(WHITELIST, 200).expect("whitelist body");
        assert!(
            said.contains("203.0.113.47 needs to be whitelisted"),
            "{said}"
        );
        assert!(refusal(b"", 401).unwrap().contains("HTTP 401"));
        assert!(refusal(b"Forbidden", 403).unwrap().contains("Forbidden"));
        let html = b"<html><head><title>Error</title></head><body><h1>Unauthorised access</h1></body></html>";
        assert!(refusal(html, 200).unwrap().contains("Unauthorised access"));
        assert!(refusal(br#"{"message":"You are NOT AUTHORIZED"}"#, 200).is_some());
        assert_eq!(refusal(CURRENT, 200), None);
        assert_eq!(
            refusal(b"<html><title>502 Bad Gateway</title></html>", 502),
            None
        );
        for parse in [
            |b| parse_current_wx(b).map(|_| ()),
            |b| parse_city_weather(b).map(|_| ()),
            |b| parse_district_rainfall(b).map(|_| ()),
            |b| parse_warnings(b).map(|_| ()),
        ] {
            assert!(matches!(parse(WHITELIST), Err(ParseError::Refused(_))));
        }
    }

    #[test]
    fn current_weather_gives_three_parameters_in_utc() {
        let p = parse_current_wx(CURRENT).unwrap();
        assert!(p.drift.is_empty(), "{}", p.drift.describe());
        let got: Vec<(Parameter, f64, &str)> = p
            .items
            .iter()
            .map(|o| (o.parameter, o.value, o.unit.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Parameter::AirTemperature, 27.4, "°C"),
                (Parameter::Humidity, 88.0, "%"),
                (Parameter::Rainfall, 42.5, "mm"),
            ]
        );
        for o in &p.items {
            assert_eq!(o.station, "IMD-43003");
            assert_eq!(o.observed_at, utc("2026-09-09T00:00:00Z"), "05:30 IST");
        }
        let rain = p.items[2].note.as_deref().unwrap();
        assert!(rain.contains("24-hour total ending at the observation time"));
    }

    #[test]
    fn current_weather_variants() {
        let p = parse_current_wx(VARIANTS).unwrap();
        let delhi: Vec<_> = p
            .items
            .iter()
            .filter(|o| o.station == "IMD-42182")
            .collect();
        assert_eq!(delhi.len(), 2, "temperature NA skipped");
        assert_eq!(
            delhi[0].observed_at,
            utc("2026-09-09T03:00:00Z"),
            "Time = 08:30 IST"
        );
        assert_eq!(
            (delhi[1].parameter, delhi[1].value),
            (Parameter::Rainfall, 0.0)
        );
        assert!(
            delhi[1]
                .note
                .as_deref()
                .unwrap()
                .contains("'NIL' read as 0 mm")
        );
        let pune: Vec<_> = p
            .items
            .iter()
            .filter(|o| o.station == "IMD-43057")
            .collect();
        assert_eq!(pune.len(), 2, "empty humidity skipped");
        assert_eq!(
            pune[0].observed_at,
            utc("2026-09-09T06:00:00Z"),
            "1130 IST, DD-MM-YYYY"
        );
        assert!(
            p.skipped
                .iter()
                .any(|s| s.contains("IMD-42182/Temperature"))
        );
        assert!(p.skipped.iter().any(|s| s.contains("IMD-43057/Humidity")));
        assert!(p.skipped.iter().any(|s| s.contains("without Station Id")));
        assert_eq!(
            p.drift.unknown.iter().collect::<Vec<_>>(),
            vec!["Visibility"]
        );
        assert_eq!(
            p.drift.missing.iter().collect::<Vec<_>>(),
            vec!["Station Id"]
        );
    }

    #[test]
    fn a_renamed_field_and_a_changed_type_are_drift() {
        let p = parse_current_wx(RENAMED).unwrap();
        assert!(p.drift.missing.contains("Temperature"));
        assert!(p.drift.unknown.contains("Air Temperature"));
        assert!(
            p.drift
                .changed
                .contains("Last 24 hrs Rainfall: string → object")
        );
        assert_eq!(p.items.len(), 1, "humidity still read");
        assert_eq!(p.items[0].parameter, Parameter::Humidity);
    }

    #[test]
    fn city_forecast_has_seven_dated_days() {
        let (name, days, drift) = parse_city_weather(CITY).unwrap();
        assert_eq!(name, "Ahmedabad");
        assert_eq!(days.len(), 7);
        assert_eq!(days[0].date, day("2026-09-09"));
        assert_eq!((days[0].max_c, days[0].min_c), (Some(34.0), Some(25.0)));
        assert!(
            days[0]
                .text
                .as_deref()
                .unwrap()
                .starts_with("Partly cloudy")
        );
        assert_eq!(days[2].date, day("2026-09-11"));
        assert_eq!((days[2].max_c, days[2].min_c), (None, Some(24.0)), "NA max");
        assert_eq!(days[5].text, None, "NA forecast text");
        assert_eq!(days[6].date, day("2026-09-15"));
        assert_eq!(days[6].min_c, Some(25.0), "Min_Temp spelling accepted");
        assert!(drift.missing.is_empty());
        assert!(drift.unknown.contains("Moonrise_time"));
    }

    #[test]
    fn city_forecast_without_date_has_no_days() {
        let body = br#"[{"Station_Name":"Pune","Todays_Forecast_Max_Temp":"30","Todays_Forecast_Min_temp":"21","Todays_Forecast":"Rain"}]"#;
        let (name, days, drift) = parse_city_weather(body).unwrap();
        assert_eq!(name, "Pune");
        assert!(days.is_empty());
        assert!(drift.missing.contains("Date"));
    }

    #[test]
    fn district_rainfall_with_departures_and_ranges() {
        let (rows, drift) = parse_district_rainfall(RAIN).unwrap();
        assert_eq!(rows.len(), 2);
        let patna = &rows[0];
        assert_eq!(patna.district, "PATNA");
        assert_eq!(patna.state.as_deref(), Some("BIHAR"));
        assert_eq!(patna.obj_id.as_deref(), Some("164"));
        assert_eq!(patna.date, Some(day("2026-10-04")));
        assert_eq!(patna.daily_actual_mm, Some(12.4));
        assert_eq!(patna.daily_departure_pct, Some(300.0));
        assert_eq!(patna.daily_category.as_deref(), Some("LE"));
        assert_eq!(patna.week, Some((day("2026-09-27"), day("2026-10-03"))));
        assert_eq!(patna.weekly_departure_pct, Some(-20.0));
        assert_eq!(patna.weekly_category.as_deref(), Some("D"));
        assert_eq!(
            patna.monthly_actual_mm,
            Some(12.4),
            "'Monthly Acutual' (sic)"
        );
        assert_eq!(patna.month, Some((day("2026-10-01"), day("2026-10-04"))));
        assert_eq!(patna.cumulative_since, Some(day("2026-06-01")));
        assert_eq!(patna.cumulative_actual_mm, Some(845.3));
        assert_eq!(patna.cumulative_departure_pct, Some(-12.0));
        let gaya = &rows[1];
        assert_eq!(gaya.daily_actual_mm, Some(0.0), "NIL is no rain");
        assert_eq!(gaya.daily_category.as_deref(), Some("NR"));
        assert_eq!(gaya.weekly_actual_mm, None, "NA is no data");
        assert_eq!(gaya.weekly_category.as_deref(), Some("ND"));
        assert_eq!(gaya.monthly_actual_mm, None);
        assert!(drift.is_empty(), "{}", drift.describe());
        assert_eq!(category_label("LD"), Some("large deficient"));
        assert_eq!(category_label("XX"), None);
    }

    #[test]
    fn district_warnings_with_codes_and_colours() {
        let (rows, drift) = parse_warnings(WARNINGS).unwrap();
        assert_eq!(rows.len(), 2);
        let patna = &rows[0];
        assert_eq!(patna.district, "PATNA");
        assert_eq!(patna.date, Some(day("2026-09-09")));
        assert_eq!(patna.days.len(), 5);
        assert_eq!(patna.days[0], (vec![2, 4], Some(3)));
        assert_eq!(patna.days[1], (vec![16], Some(2)));
        assert_eq!(patna.days[2], (vec![17], Some(1)));
        let gaya = &rows[1];
        assert_eq!(gaya.days[2], (vec![], None), "empty day");
        assert_eq!(gaya.days[4], (vec![1], None), "colour missing");
        assert_eq!(drift.missing.iter().collect::<Vec<_>>(), vec!["Day5_Color"]);
        assert_eq!(warning_label(1), "No warning");
        assert_eq!(warning_label(2), "Heavy rain");
        assert_eq!(warning_label(16), "Very heavy rain");
        assert_eq!(warning_label(17), "Extremely heavy rain");
        assert_eq!(warning_label(42), "IMD warning (unlisted code)");
        assert_eq!(colour_label(1), "red");
        assert_eq!(colour_label(4), "green");
    }
}
