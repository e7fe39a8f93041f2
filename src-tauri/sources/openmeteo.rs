//! Open-Meteo (sources.md §5): URL builders for the forecast, archive and flood (GloFAS) APIs and
//! a parser for their parallel-array answers. No key; the three APIs are different hosts, so
//! every builder takes the base (`https://api.open-meteo.com`, `https://archive-api.open-meteo.com`,
//! `https://flood-api.open-meteo.com`).
//!
//! Everything here is modelled, not measured: weather is context for water-quality forecasts, and
//! river discharge is GloFAS output, never a gauge reading.

use super::lenient::{json_body, type_name};
use super::types::{Drift, Observation, ParseError};
use crate::model::Parameter;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde_json::{Map, Value};

/// Connector id used in health, logs and provenance.
pub const SOURCE: &str = "openmeteo";

const HOURLY_VARS: &str = "temperature_2m,relative_humidity_2m,precipitation";
const DAILY_VARS: &str = "precipitation_sum,temperature_2m_max,temperature_2m_min";

/// Top-level keys of an answer (`location_id` appears with several coordinates).
#[rustfmt::skip]
const TOP_KEYS: [&str; 14] = [
    "latitude", "longitude", "generationtime_ms", "utc_offset_seconds", "timezone",
    "timezone_abbreviation", "elevation", "hourly_units", "hourly", "daily_units", "daily",
    "current_units", "current", "location_id",
];

/// Units the daily variables must be in to be kept as they are.
const DAILY_UNITS: [(&str, &str); 4] = [
    ("river_discharge", "m³/s"),
    ("precipitation_sum", "mm"),
    ("temperature_2m_max", "°C"),
    ("temperature_2m_min", "°C"),
];

const DISCHARGE_NOTE: &str = "GloFAS modelled discharge, not a gauge reading";
const MODEL_NOTE: &str = "Open-Meteo modelled value at the grid point, not a station reading";
const PRECIPITATION_NOTE: &str =
    "Open-Meteo modelled precipitation, total of the hour ending at this time";

// --- URL builders ---

/// The base without a trailing `/` or `/v1` (both spellings are accepted).
fn root(base: &str) -> &str {
    let b = base.trim_end_matches('/');
    b.strip_suffix("/v1").unwrap_or(b)
}

/// A coordinate with at most four decimals (about 10 m), as Open-Meteo reads it.
fn coordinate(x: f64) -> String {
    let r = (x * 1e4).round() / 1e4;
    if r == 0.0 { "0".into() } else { r.to_string() }
}

/// `latitude=…&longitude=…` with comma-joined lists for several points.
fn points_query(points: &[(f64, f64)]) -> String {
    let join = |f: fn(&(f64, f64)) -> f64| {
        points
            .iter()
            .map(|p| coordinate(f(p)))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("latitude={}&longitude={}", join(|p| p.0), join(|p| p.1))
}

/// Hourly air temperature, humidity and precipitation plus daily totals and extremes for one or
/// more `(lat, lon)` points, times as unix seconds in UTC.
pub fn forecast_url(
    base: &str,
    points: &[(f64, f64)],
    past_days: u32,
    forecast_days: u32,
) -> String {
    format!(
        "{}/v1/forecast?{}&hourly={HOURLY_VARS}&daily={DAILY_VARS}&timezone=GMT&timeformat=unixtime\
         &past_days={past_days}&forecast_days={forecast_days}",
        root(base),
        points_query(points),
    )
}

/// The same variables from the reanalysis archive between two dates (inclusive).
pub fn archive_url(base: &str, point: (f64, f64), start: NaiveDate, end: NaiveDate) -> String {
    format!(
        "{}/v1/archive?{}&start_date={}&end_date={}&hourly={HOURLY_VARS}&daily={DAILY_VARS}\
         &timezone=GMT&timeformat=unixtime",
        root(base),
        points_query(&[point]),
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d"),
    )
}

/// Daily GloFAS river discharge for one or more points.
pub fn flood_url(base: &str, points: &[(f64, f64)], past_days: u32, forecast_days: u32) -> String {
    format!(
        "{}/v1/flood?{}&daily=river_discharge&timeformat=unixtime&past_days={past_days}\
         &forecast_days={forecast_days}",
        root(base),
        points_query(points),
    )
}

// --- Parsing ---

/// One location of an answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// `(lat, lon)` as returned: snapped to the model grid, not the requested point.
    pub point: (f64, f64),
    /// Hourly values in UTC, forecast hours included.
    pub hourly: Vec<(DateTime<Utc>, Parameter, f64)>,
    /// Daily values by variable name (`river_discharge`, `precipitation_sum`, …), dated in the
    /// answer's timezone (UTC for the URLs built here).
    pub daily: Vec<(NaiveDate, String, f64)>,
}

/// The parameter an hourly variable is.
fn hourly_parameter(var: &str) -> Option<Parameter> {
    match var {
        "temperature_2m" => Some(Parameter::AirTemperature),
        "relative_humidity_2m" => Some(Parameter::Humidity),
        "precipitation" => Some(Parameter::Rainfall),
        _ => None,
    }
}

/// An hourly time: unix seconds (already UTC) or a local ISO time without offset.
fn instant(v: &Value, offset: i64) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => DateTime::from_timestamp(n.as_i64()?, 0),
        Value::String(s) => {
            let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
                .ok()?;
            let utc = local.checked_sub_signed(TimeDelta::try_seconds(offset)?)?;
            Some(utc.and_utc())
        }
        _ => None,
    }
}

/// A daily date: unix seconds of local midnight (the offset is applied again, as Open-Meteo
/// documents) or `YYYY-MM-DD`.
fn day(v: &Value, offset: i64) -> Option<NaiveDate> {
    match v {
        Value::Number(n) => {
            DateTime::from_timestamp(n.as_i64()?.checked_add(offset)?, 0).map(|t| t.date_naive())
        }
        Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// An `hourly`/`daily` block: its `time` array and the variables aligned with it.
struct Columns<'a> {
    time: &'a [Value],
    vars: Vec<(&'a str, &'a [Value])>,
}

/// Reads a block. A variable whose length differs from `time` is reported and left out: which
/// value belongs to which time is unknown.
fn columns<'a>(block: &'a Value, name: &str, drift: &mut Drift) -> Option<Columns<'a>> {
    let Some(obj) = block.as_object() else {
        drift
            .changed
            .insert(format!("{name}: object → {}", type_name(block)));
        return None;
    };
    let Some(time) = obj.get("time").and_then(Value::as_array) else {
        drift.missing.insert(format!("{name}.time"));
        return None;
    };
    let mut vars = Vec::new();
    for (var, v) in obj.iter().filter(|(k, _)| *k != "time") {
        match v.as_array() {
            Some(a) if a.len() == time.len() => vars.push((var.as_str(), a.as_slice())),
            Some(_) => {
                drift
                    .changed
                    .insert(format!("{name}.{var}: length differs from {name}.time"));
            }
            None => {
                drift
                    .changed
                    .insert(format!("{name}.{var}: array → {}", type_name(v)));
            }
        }
    }
    Some(Columns { time, vars })
}

/// Whether `var` is in `expected` units according to the `…_units` block (absent = trusted).
fn unit_ok(
    units: Option<&Value>,
    block: &str,
    var: &str,
    expected: &str,
    drift: &mut Drift,
) -> bool {
    match units.and_then(|u| u.get(var)).and_then(Value::as_str) {
        Some(u) if u != expected => {
            drift
                .changed
                .insert(format!("{block}_units.{var}: {expected} → {u}"));
            false
        }
        _ => true,
    }
}

/// Numeric values with their index; nulls are skipped, other types reported once.
fn values<'a>(
    column: &'a [Value],
    label: &'a str,
    drift: &mut Drift,
) -> impl Iterator<Item = (usize, f64)> + 'a {
    if let Some(v) = column.iter().find(|v| !v.is_null() && !v.is_number()) {
        drift
            .changed
            .insert(format!("{label}: number → {}", type_name(v)));
    }
    column
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_f64().filter(|x| x.is_finite()).map(|x| (i, x)))
}

fn hourly(
    obj: &Map<String, Value>,
    offset: i64,
    drift: &mut Drift,
) -> Vec<(DateTime<Utc>, Parameter, f64)> {
    let mut out = Vec::new();
    let Some(Columns { time, vars }) = obj.get("hourly").and_then(|b| columns(b, "hourly", drift))
    else {
        return out;
    };
    let times: Vec<Option<DateTime<Utc>>> = time.iter().map(|t| instant(t, offset)).collect();
    if times.iter().any(Option::is_none) {
        drift.changed.insert("hourly.time: unreadable time".into());
    }
    for (var, column) in vars {
        let Some(parameter) = hourly_parameter(var) else {
            drift.unknown.insert(format!("hourly.{var}"));
            continue;
        };
        let units = obj.get("hourly_units");
        if !unit_ok(units, "hourly", var, parameter.canonical_unit(), drift) {
            continue;
        }
        let label = format!("hourly.{var}");
        for (i, x) in values(column, &label, drift) {
            if let Some(t) = times[i] {
                out.push((t, parameter, x));
            }
        }
    }
    out.sort_by_key(|(t, p, _)| (*t, *p));
    out
}

fn daily(
    obj: &Map<String, Value>,
    offset: i64,
    drift: &mut Drift,
) -> Vec<(NaiveDate, String, f64)> {
    let mut out = Vec::new();
    let Some(Columns { time, vars }) = obj.get("daily").and_then(|b| columns(b, "daily", drift))
    else {
        return out;
    };
    let days: Vec<Option<NaiveDate>> = time.iter().map(|t| day(t, offset)).collect();
    if days.iter().any(Option::is_none) {
        drift.changed.insert("daily.time: unreadable date".into());
    }
    for (var, column) in vars {
        let expected = DAILY_UNITS.iter().find(|(v, _)| *v == var).map(|(_, u)| *u);
        if let Some(unit) = expected
            && !unit_ok(obj.get("daily_units"), "daily", var, unit, drift)
        {
            continue;
        }
        let label = format!("daily.{var}");
        for (i, x) in values(column, &label, drift) {
            if let Some(d) = days[i] {
                out.push((d, var.to_owned(), x));
            }
        }
    }
    out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    out
}

/// `{"error":true,"reason":"…"}` is Open-Meteo's refusal (HTTP 400).
fn refused(obj: &Map<String, Value>) -> Result<(), ParseError> {
    if obj.get("error").and_then(Value::as_bool) != Some(true) {
        return Ok(());
    }
    let reason = obj
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    Err(ParseError::Refused(reason.to_owned()))
}

fn series(obj: &Map<String, Value>, drift: &mut Drift) -> Option<Series> {
    for key in obj.keys().filter(|k| !TOP_KEYS.contains(&k.as_str())) {
        drift.unknown.insert(key.clone());
    }
    let offset = match obj.get("utc_offset_seconds") {
        Some(v) => v.as_i64().unwrap_or_else(|| {
            drift
                .changed
                .insert(format!("utc_offset_seconds: number → {}", type_name(v)));
            0
        }),
        None => {
            drift.missing.insert("utc_offset_seconds".into());
            0
        }
    };
    let mut position = |key: &str| {
        let x = obj.get(key).and_then(Value::as_f64);
        if x.is_none() {
            drift.missing.insert(key.to_owned());
        }
        x
    };
    let (lat, lon) = (position("latitude"), position("longitude"));
    let point = (lat?, lon?);
    Some(Series {
        point,
        hourly: hourly(obj, offset, drift),
        daily: daily(obj, offset, drift),
    })
}

/// Parses a forecast, archive or flood answer: one object, or an array of them when several
/// coordinates were asked for (same order; a location without coordinates is dropped and
/// reported). Hourly `temperature_2m`, `relative_humidity_2m` and `precipitation` become
/// parameters; daily variables are kept by name. Nulls are skipped.
pub fn parse(body: &[u8]) -> Result<(Vec<Series>, Drift), ParseError> {
    let locations = match json_body(body)? {
        Value::Array(items) => items,
        v @ Value::Object(_) => vec![v],
        other => {
            return Err(ParseError::Shape {
                expected: "object or array".into(),
                found: type_name(&other).into(),
            });
        }
    };
    if locations.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut drift = Drift::default();
    let mut out = Vec::with_capacity(locations.len());
    for location in &locations {
        let obj = location.as_object().ok_or_else(|| ParseError::Shape {
            expected: "object".into(),
            found: type_name(location).into(),
        })?;
        refused(obj)?;
        out.extend(series(obj, &mut drift));
    }
    Ok((out, drift))
}

/// The values of `series` that are past by `now`, as observations of `station`: hourly values at
/// or before `now` (forecast hours are not observations) and daily `river_discharge`
/// ([`Parameter::Discharge`], m³/s) at 00:00 UTC of each day not after today.
pub fn observations(series: &Series, station: &str, now: DateTime<Utc>) -> Vec<Observation> {
    let observation = |observed_at, parameter: Parameter, value, note: &str| {
        let unit = parameter.canonical_unit().to_owned();
        Observation {
            station: station.to_owned(),
            parameter,
            observed_at,
            value,
            raw_unit: unit.clone(),
            unit,
            note: Some(note.to_owned()),
        }
    };
    let hourly = series
        .hourly
        .iter()
        .filter(|(t, ..)| *t <= now)
        .map(|&(t, p, x)| {
            let note = if p == Parameter::Rainfall {
                PRECIPITATION_NOTE
            } else {
                MODEL_NOTE
            };
            observation(t, p, x, note)
        });
    let today = now.date_naive();
    let discharge = series
        .daily
        .iter()
        .filter(|(d, var, _)| var == "river_discharge" && *d <= today)
        .map(|&(d, _, x)| {
            let at = d.and_time(NaiveTime::MIN).and_utc();
            observation(at, Parameter::Discharge, x, DISCHARGE_NOTE)
        });
    hourly.chain(discharge).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISO: &[u8] =
        include_bytes!("../../tests/fixtures/sources/openmeteo/forecast_ist_iso.json");
    const UNIX: &[u8] =
        include_bytes!("../../tests/fixtures/sources/openmeteo/forecast_unixtime.json");
    const MULTI: &[u8] =
        include_bytes!("../../tests/fixtures/sources/openmeteo/forecast_multi.json");
    const FLOOD: &[u8] =
        include_bytes!("../../tests/fixtures/sources/openmeteo/flood_unixtime.json");
    const ERROR: &[u8] = include_bytes!("../../tests/fixtures/sources/openmeteo/error.json");
    const MISMATCH: &[u8] =
        include_bytes!("../../tests/fixtures/sources/openmeteo/forecast_mismatch.json");

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn urls_for_the_three_hosts() {
        assert_eq!(
            forecast_url(
                "https://api.open-meteo.com/",
                &[(18.52, 73.8567), (25.3176, 82.97391)],
                2,
                7
            ),
            "https://api.open-meteo.com/v1/forecast?latitude=18.52,25.3176&longitude=73.8567,82.9739\
             &hourly=temperature_2m,relative_humidity_2m,precipitation\
             &daily=precipitation_sum,temperature_2m_max,temperature_2m_min\
             &timezone=GMT&timeformat=unixtime&past_days=2&forecast_days=7"
        );
        assert_eq!(
            archive_url(
                "https://archive-api.open-meteo.com/v1",
                (18.52, 73.86),
                day("2024-01-01"),
                day("2024-01-31"),
            ),
            "https://archive-api.open-meteo.com/v1/archive?latitude=18.52&longitude=73.86\
             &start_date=2024-01-01&end_date=2024-01-31\
             &hourly=temperature_2m,relative_humidity_2m,precipitation\
             &daily=precipitation_sum,temperature_2m_max,temperature_2m_min\
             &timezone=GMT&timeformat=unixtime"
        );
        assert_eq!(
            flood_url("https://flood-api.open-meteo.com", &[(28.65, 77.25)], 7, 14),
            "https://flood-api.open-meteo.com/v1/flood?latitude=28.65&longitude=77.25\
             &daily=river_discharge&timeformat=unixtime&past_days=7&forecast_days=14"
        );
        assert!(
            forecast_url("http://127.0.0.1:9", &[(-0.00001, -12.5)], 0, 1)
                .contains("latitude=0&longitude=-12.5")
        );
    }

    #[test]
    fn local_iso_times_use_utc_offset_seconds() {
        let (series, drift) = parse(ISO).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        let s = &series[0];
        assert_eq!(s.point, (18.5, 73.875));
        assert_eq!(s.hourly[0].0, utc("2026-09-08T18:30:00Z"), "00:00 IST");
        assert!(
            s.hourly
                .contains(&(utc("2026-09-08T18:30:00Z"), Parameter::AirTemperature, 23.1))
        );
        assert!(
            s.hourly
                .contains(&(utc("2026-09-08T23:30:00Z"), Parameter::Humidity, 95.0))
        );
        let rain: Vec<f64> = s
            .hourly
            .iter()
            .filter(|h| h.1 == Parameter::Rainfall)
            .map(|h| h.2)
            .collect();
        assert_eq!(rain, vec![0.0, 0.4, 1.2, 0.3, 0.0], "null skipped");
        assert_eq!(
            s.hourly
                .iter()
                .filter(|h| h.1 == Parameter::Humidity)
                .count(),
            6
        );
        assert!(
            s.daily
                .contains(&(day("2026-09-09"), "precipitation_sum".into(), 12.3))
        );
        assert_eq!(s.daily.len(), 6);
    }

    #[test]
    fn unixtime_answers_are_utc() {
        let (series, drift) = parse(UNIX).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        let s = &series[0];
        assert_eq!(s.hourly.len(), 24);
        assert_eq!(s.hourly[0].0, utc("2026-09-09T00:00:00Z"));
        assert_eq!(s.hourly.last().unwrap().0, utc("2026-09-09T21:00:00Z"));
        let sums: Vec<_> = s
            .daily
            .iter()
            .filter(|d| d.1 == "precipitation_sum")
            .collect();
        assert_eq!(sums.len(), 1, "null day skipped");
        assert_eq!(sums[0].0, day("2026-09-09"));
    }

    #[test]
    fn several_points_give_several_series() {
        let (series, drift) = parse(MULTI).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].point, (18.5, 73.875));
        assert_eq!(series[1].point, (25.375, 82.875));
        assert!(series[1].hourly.contains(&(
            utc("2026-09-09T01:00:00Z"),
            Parameter::Rainfall,
            3.0
        )));
    }

    #[test]
    fn an_error_object_is_a_refusal() {
        assert_eq!(
            parse(ERROR).unwrap_err(),
            ParseError::Refused("Latitude must be in range of -90 to 90°. Given: 918.0.".into())
        );
        assert!(matches!(
            parse(br#"[{"error":true}]"#),
            Err(ParseError::Refused(_))
        ));
        assert_eq!(parse(b"[]").unwrap_err(), ParseError::Empty);
        assert!(matches!(parse(b"42"), Err(ParseError::Shape { .. })));
        assert!(matches!(
            parse(br#"{"latitude": 18.5, "hourly": {"#),
            Err(ParseError::Truncated(_))
        ));
    }

    #[test]
    fn mismatched_and_renamed_variables_are_drift() {
        let (series, drift) = parse(MISMATCH).unwrap();
        assert!(
            drift
                .changed
                .contains("hourly.precipitation: length differs from hourly.time")
        );
        assert!(drift.unknown.contains("hourly.temperature_2m_celsius"));
        assert!(drift.unknown.contains("model_run"));
        let params: Vec<Parameter> = series[0].hourly.iter().map(|h| h.1).collect();
        assert!(
            params.iter().all(|p| *p == Parameter::Humidity),
            "{params:?}"
        );
        assert_eq!(params.len(), 6);
    }

    #[test]
    fn wrong_units_are_not_read_as_canonical() {
        let body = r#"{"latitude":1.0,"longitude":2.0,"utc_offset_seconds":0,
            "hourly_units":{"time":"unixtime","temperature_2m":"°F"},
            "hourly":{"time":[1788912000],"temperature_2m":[80.6]}}"#;
        let (series, drift) = parse(body.as_bytes()).unwrap();
        assert!(series[0].hourly.is_empty());
        assert!(
            drift
                .changed
                .contains("hourly_units.temperature_2m: °C → °F")
        );
    }

    #[test]
    fn only_past_hours_and_days_become_observations() {
        let (series, _) = parse(UNIX).unwrap();
        let now = utc("2026-09-09T10:00:00Z");
        let obs = observations(&series[0], "OM-DEL", now);
        assert_eq!(obs.len(), 4 * 3, "00, 03, 06, 09 UTC");
        assert!(
            obs.iter()
                .all(|o| o.observed_at <= now && o.station == "OM-DEL")
        );
        assert!(obs.iter().all(|o| o.parameter != Parameter::Discharge));
        let rain = obs
            .iter()
            .find(|o| o.parameter == Parameter::Rainfall)
            .unwrap();
        assert_eq!(rain.unit, "mm");
        assert!(rain.note.as_deref().unwrap().contains("hour ending"));
        let temp = obs
            .iter()
            .find(|o| o.parameter == Parameter::AirTemperature)
            .unwrap();
        assert_eq!(temp.unit, "°C");
    }

    #[test]
    fn river_discharge_is_modelled_daily_discharge() {
        let (series, drift) = parse(FLOOD).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        assert_eq!(series[0].daily.len(), 5, "one null day");
        let obs = observations(&series[0], "OM-YAMUNA", utc("2026-09-10T12:00:00Z"));
        let got: Vec<(DateTime<Utc>, f64)> = obs.iter().map(|o| (o.observed_at, o.value)).collect();
        assert_eq!(
            got,
            vec![
                (utc("2026-09-07T00:00:00Z"), 812.4),
                (utc("2026-09-08T00:00:00Z"), 901.7),
                (utc("2026-09-09T00:00:00Z"), 1187.3),
            ],
            "the null 10th and the forecast days are left out"
        );
        assert!(
            obs.iter()
                .all(|o| o.parameter == Parameter::Discharge && o.unit == "m³/s")
        );
        assert_eq!(
            obs[0].note.as_deref(),
            Some("GloFAS modelled discharge, not a gauge reading")
        );
    }
}
