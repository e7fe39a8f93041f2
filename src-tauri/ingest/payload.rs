//! Decoding of sensor messages: the original layout `purehealth/{station}/{parameter}` with a
//! JSON payload `{"value": 7.2, "unit": "pH", "timestamp": "..."}`, and on
//! `stations/{station}/telemetry` SenML packs and station batches (see `formats`).
//!
//! Decoding is pure: it takes the receive time and the configured time zone as arguments, so
//! every rule (0 is a value, naive times in local time, implausible times rejected) is tested
//! without a broker.

use super::formats;
use super::routes::{self, Format, Route};
use crate::config::TimeZoneSetting;
use crate::model::{Parameter, Reading, SourceKind, StationKey};
use crate::{quality, units};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;
use thiserror::Error;

/// How far ahead of the receive time a sensor clock may be before we refuse the reading.
const MAX_CLOCK_SKEW_S: i64 = 300;

/// Why a message was rejected. `kind()` is the counter name in `/stats`.
#[derive(Debug, Error, PartialEq)]
pub enum PayloadError {
    #[error("topic `{0}` matches no configured route (e.g. purehealth/{{station}}/{{parameter}})")]
    Topic(String),
    #[error("invalid station id `{0}`")]
    Station(String),
    #[error("unknown parameter `{0}`")]
    Parameter(String),
    #[error("payload is not UTF-8")]
    Utf8,
    #[error("payload is not JSON or a number: {0}")]
    Json(String),
    #[error("no numeric value for `{0}` (expected `value`, `{0}` or `reading`)")]
    NoValue(String),
    #[error("value is not a finite number")]
    NotFinite,
    #[error("value of `{0}` is a string, not a JSON number")]
    NotNumber(String),
    #[error("payload of {0} bytes exceeds the 256 KiB limit")]
    TooLarge(usize),
    #[error("unit `{unit}` is not a known unit of {parameter}")]
    Unit { parameter: Parameter, unit: String },
    #[error("timestamp `{0}` is not RFC 3339, a naive date-time or epoch seconds")]
    Timestamp(String),
    #[error("timestamp {0} is implausible (before 2000 or in the future)")]
    ImplausibleTime(String),
}

impl PayloadError {
    pub fn kind(&self) -> &'static str {
        match self {
            PayloadError::Topic(_) => "bad_topic",
            PayloadError::Station(_) => "bad_station",
            PayloadError::Parameter(_) => "unknown_parameter",
            PayloadError::Utf8 | PayloadError::Json(_) => "malformed",
            PayloadError::NoValue(_) | PayloadError::NotFinite => "no_value",
            PayloadError::NotNumber(_) => "not_a_number",
            PayloadError::TooLarge(_) => "too_large",
            PayloadError::Unit { .. } => "unknown_unit",
            PayloadError::Timestamp(_) | PayloadError::ImplausibleTime(_) => "bad_timestamp",
        }
    }
}

/// Largest payload decoded; bigger messages are rejected (and acknowledged, so a poison
/// message cannot be redelivered forever).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// What one MQTT message yielded: the readings it carried and the records that were refused.
#[derive(Debug, Default)]
pub struct Decoded {
    pub readings: Vec<Reading>,
    pub rejected: Vec<PayloadError>,
}

/// Decodes one MQTT message with the default routes (see [`decode_with`]).
pub fn decode(
    topic: &str,
    payload: &[u8],
    received_at: DateTime<Utc>,
    tz: &TimeZoneSetting,
) -> Result<Decoded, PayloadError> {
    decode_with(&routes::defaults(), topic, payload, received_at, tz)
}

/// Decodes one MQTT message. The first route whose filter matches the topic picks the format
/// and the levels holding the station (and parameter); by default:
/// - `purehealth/{station}/{parameter}`: the original layout (one reading);
/// - `stations/{station}/telemetry`: a SenML pack (JSON array) or a station batch object.
///
/// `Err` means the whole message was refused; per-record refusals are in `Decoded::rejected`.
pub fn decode_with(
    routes: &[Route],
    topic: &str,
    payload: &[u8],
    received_at: DateTime<Utc>,
    tz: &TimeZoneSetting,
) -> Result<Decoded, PayloadError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(PayloadError::TooLarge(payload.len()));
    }
    let route = routes
        .iter()
        .find(|r| r.matches(topic))
        .ok_or_else(|| PayloadError::Topic(truncate(topic)))?;
    let station_raw = route.level(topic, route.station_level).unwrap_or("");
    let c = Context {
        station: StationKey::normalise(station_raw)
            .ok_or_else(|| PayloadError::Station(truncate(station_raw)))?,
        received_at,
        tz,
    };
    let parameter = route.parameter_level.and_then(|l| route.level(topic, l));
    let json = parse_json(payload)?;
    let single = |json: &Value| -> Result<Decoded, PayloadError> {
        let p = parameter.ok_or_else(|| PayloadError::Topic(truncate(topic)))?;
        Ok(Decoded {
            readings: vec![legacy(&c, p, json)?],
            rejected: Vec::new(),
        })
    };
    match (route.format, &json) {
        (Format::Legacy, _) => single(&json),
        (Format::Senml | Format::Auto, Value::Array(records)) => Ok(formats::senml(&c, records)),
        (Format::Batch | Format::Auto, Value::Object(map)) if map.contains_key("readings") => {
            formats::batch(&c, map)
        }
        (Format::Auto, _) if parameter.is_some() => single(&json),
        (Format::Senml, _) => Err(PayloadError::Json(
            "expected a SenML pack (JSON array)".into(),
        )),
        (Format::Batch, _) => Err(PayloadError::Json(
            "expected a station batch with `readings`".into(),
        )),
        (Format::Auto, _) => Err(PayloadError::Json(
            "expected a SenML pack (array) or a station batch with `readings`".into(),
        )),
    }
}

/// What every format needs to turn a value into a reading.
pub struct Context<'a> {
    pub station: StationKey,
    pub received_at: DateTime<Utc>,
    pub tz: &'a TimeZoneSetting,
}

impl Context<'_> {
    /// One reading from a parameter name, a value, its unit (canonical when absent) and an
    /// observation time (receive time when absent): unit conversion, plausibility, QC.
    pub fn reading(
        &self,
        name: &str,
        raw_value: f64,
        unit: Option<&str>,
        observed_at: Option<DateTime<Utc>>,
    ) -> Result<Reading, PayloadError> {
        let parameter =
            Parameter::parse(name).ok_or_else(|| PayloadError::Parameter(truncate(name)))?;
        if !raw_value.is_finite() {
            return Err(PayloadError::NotFinite);
        }
        let raw_unit = unit
            .map(str::to_string)
            .unwrap_or_else(|| parameter.canonical_unit().to_string());
        let value = units::to_canonical(parameter, raw_value, &raw_unit).ok_or_else(|| {
            PayloadError::Unit {
                parameter,
                unit: truncate(&raw_unit),
            }
        })?;
        let time_from_receipt = observed_at.is_none();
        let observed_at = observed_at.unwrap_or(self.received_at);
        if observed_at.timestamp() < 946_684_800
            || observed_at.timestamp() > self.received_at.timestamp() + MAX_CLOCK_SKEW_S
        {
            return Err(PayloadError::ImplausibleTime(crate::model::fmt_time(
                observed_at,
            )));
        }
        let (qc, qc_tests) = quality::gross_range(parameter, value);
        Ok(Reading {
            station: self.station.clone(),
            parameter,
            observed_at,
            source: SourceKind::Sensor,
            value,
            unit: parameter.canonical_unit(),
            raw_value,
            raw_unit,
            qc,
            qc_tests,
            time_from_receipt,
            provenance: None,
            received_at: self.received_at,
        })
    }
}

pub(super) fn parse_json(payload: &[u8]) -> Result<Value, PayloadError> {
    let text = std::str::from_utf8(payload).map_err(|_| PayloadError::Utf8)?;
    serde_json::from_str(text.trim()).map_err(|e| PayloadError::Json(e.to_string()))
}

/// A JSON number as f64; strings are refused rather than guessed at.
pub fn number(v: &Value, name: &str) -> Result<f64, PayloadError> {
    match v {
        Value::Number(n) => n.as_f64().ok_or(PayloadError::NotFinite),
        Value::String(_) => Err(PayloadError::NotNumber(truncate(name))),
        _ => Err(PayloadError::NoValue(truncate(name))),
    }
}

/// The original layout: a bare number, or `{"value", "unit", "timestamp"}`.
fn legacy(c: &Context<'_>, param_raw: &str, json: &Value) -> Result<Reading, PayloadError> {
    let (raw_value, unit, ts) = match json {
        Value::Number(_) => (number(json, param_raw)?, None, None),
        Value::Object(map) => {
            // Explicit presence checks: 0 is a value (the original's `or` chain dropped it).
            let v = ["value", param_raw, "reading"]
                .into_iter()
                .find_map(|k| map.get(k).filter(|v| !v.is_null()))
                .ok_or_else(|| PayloadError::NoValue(truncate(param_raw)))?;
            let unit = map.get("unit").and_then(Value::as_str);
            (
                number(v, param_raw)?,
                unit,
                map.get("timestamp").filter(|v| !v.is_null()),
            )
        }
        _ => return Err(PayloadError::Json("expected an object or a number".into())),
    };
    let observed_at = ts.map(|t| parse_time(t, c.tz)).transpose()?;
    c.reading(param_raw, raw_value, unit, observed_at)
}

/// Parses RFC 3339, naive ISO date-times (read in `tz`) and epoch seconds or milliseconds.
pub fn parse_time(v: &Value, tz: &TimeZoneSetting) -> Result<DateTime<Utc>, PayloadError> {
    match v {
        Value::Number(n) => {
            let x = n
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| PayloadError::Timestamp(n.to_string()))?;
            let ms = if x.abs() >= 1e12 { x } else { x * 1000.0 };
            Utc.timestamp_millis_opt(ms as i64)
                .single()
                .ok_or_else(|| PayloadError::Timestamp(n.to_string()))
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Ok(t.with_timezone(&Utc));
            }
            const NAIVE: [&str; 4] = [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ];
            NAIVE
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                .and_then(|naive| tz.to_utc(naive))
                .ok_or_else(|| PayloadError::Timestamp(truncate(s)))
        }
        other => Err(PayloadError::Timestamp(truncate(&other.to_string()))),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QcFlag;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 13, 7, 0, 0).unwrap()
    }

    fn ist() -> TimeZoneSetting {
        TimeZoneSetting::Named(chrono_tz::Asia::Kolkata)
    }

    fn ok(topic: &str, payload: &str) -> Reading {
        let mut d = decode(topic, payload.as_bytes(), now(), &ist()).unwrap();
        assert!(d.rejected.is_empty());
        d.readings.remove(0)
    }

    #[test]
    fn legacy_layout_decodes() {
        let r = ok(
            "purehealth/station1/ph",
            r#"{"value": 7.2, "unit": "pH", "timestamp": "2025-11-13T12:00:00"}"#,
        );
        assert_eq!(r.station.id, "1");
        assert_eq!(r.station.legacy_id, Some(1));
        assert_eq!(r.parameter, Parameter::Ph);
        assert_eq!(r.value, 7.2);
        // Naive 12:00 in Asia/Kolkata is 06:30 UTC.
        assert_eq!(
            crate::model::fmt_time(r.observed_at),
            "2025-11-13T06:30:00.000Z"
        );
        assert_eq!(r.qc, QcFlag::Pass);
    }

    #[test]
    fn zero_is_a_value() {
        let r = ok("purehealth/station2/turbidity", r#"{"value": 0}"#);
        assert_eq!(r.value, 0.0);
        let r = ok("purehealth/station2/bod", r#"{"value": 0.0, "bod": 5}"#);
        assert_eq!(r.value, 0.0);
        let r = ok("purehealth/station2/bod", "0");
        assert_eq!(r.value, 0.0);
    }

    #[test]
    fn value_key_precedence_and_aliases() {
        let r = ok("purehealth/x/do", r#"{"do": 6.1}"#);
        assert_eq!(r.parameter, Parameter::DissolvedOxygen);
        assert_eq!(r.value, 6.1);
        let r = ok("purehealth/x/fecal_coliform", r#"{"reading": 512}"#);
        assert_eq!(r.parameter, Parameter::FecalColiform);
        assert_eq!(r.value, 512.0);
    }

    #[test]
    fn missing_timestamp_uses_receive_time_and_offsets_are_honoured() {
        let r = ok("purehealth/x/ph", r#"{"value": 7}"#);
        assert_eq!(r.observed_at, now());
        assert!(r.time_from_receipt);
        let r = ok(
            "purehealth/x/ph",
            r#"{"value": 7, "timestamp": "2025-11-13T06:00:00+02:00"}"#,
        );
        assert_eq!(
            crate::model::fmt_time(r.observed_at),
            "2025-11-13T04:00:00.000Z"
        );
        let r = ok(
            "purehealth/x/ph",
            r#"{"value": 7, "timestamp": 1763013600}"#,
        );
        assert_eq!(
            crate::model::fmt_time(r.observed_at),
            "2025-11-13T06:00:00.000Z"
        );
    }

    #[test]
    fn units_are_converted_and_kept() {
        let r = ok("purehealth/x/temperature", r#"{"value": 77, "unit": "°F"}"#);
        assert!((r.value - 25.0).abs() < 1e-12);
        assert_eq!(r.raw_unit, "°F");
        assert_eq!(r.unit, "°C");
    }

    #[test]
    fn bad_messages_name_what_was_wrong() {
        let err = |topic: &str, payload: &[u8]| decode(topic, payload, now(), &ist()).unwrap_err();
        assert_eq!(err("other/station1/ph", b"7").kind(), "bad_topic");
        assert_eq!(
            err("purehealth/station1/ph/extra", b"7").kind(),
            "bad_topic"
        );
        assert_eq!(err("purehealth/a$b/ph", b"7").kind(), "bad_station");
        assert_eq!(err("purehealth/1/colour", b"7").kind(), "unknown_parameter");
        assert_eq!(err("purehealth/1/ph", b"{not json").kind(), "malformed");
        assert_eq!(err("purehealth/1/ph", &[0xff, 0xfe]).kind(), "malformed");
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": NaN}"#).kind(),
            "malformed"
        );
        assert_eq!(err("purehealth/1/ph", b"Infinity").kind(), "malformed");
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": 7.2, "un"#).kind(),
            "malformed"
        );
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": "7.2"}"#).kind(),
            "not_a_number"
        );
        assert_eq!(err("purehealth/1/ph", br#"1e999"#).kind(), "malformed");
        let big = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        assert_eq!(err("purehealth/1/ph", &big).kind(), "too_large");
        assert_eq!(err("stations/1/telemetry", b"7").kind(), "malformed");
        assert_eq!(
            err("purehealth/1/ph", br#"{"unit": "pH"}"#).kind(),
            "no_value"
        );
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": null}"#).kind(),
            "no_value"
        );
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": [1]}"#).kind(),
            "no_value"
        );
        assert_eq!(
            err("purehealth/1/ph", br#"{"value": 7, "unit": "mg/L"}"#).kind(),
            "unknown_unit"
        );
        assert_eq!(
            err(
                "purehealth/1/ph",
                br#"{"value": 7, "timestamp": "yesterday"}"#
            )
            .kind(),
            "bad_timestamp"
        );
        assert_eq!(
            err(
                "purehealth/1/ph",
                br#"{"value": 7, "timestamp": "1999-01-01T00:00:00Z"}"#
            )
            .kind(),
            "bad_timestamp"
        );
        assert_eq!(
            err(
                "purehealth/1/ph",
                br#"{"value": 7, "timestamp": "2025-11-14T07:00:00Z"}"#
            )
            .kind(),
            "bad_timestamp"
        );
        assert_eq!(err("purehealth/1/ph", b"[1,2]").kind(), "malformed");
        assert!(
            err("purehealth/1/colour", b"7")
                .to_string()
                .contains("colour")
        );
    }

    #[test]
    fn impossible_values_are_stored_as_failed_not_dropped() {
        let r = ok("purehealth/x/ph", r#"{"value": 150}"#);
        assert_eq!(r.qc, QcFlag::Fail);
        assert_eq!(r.qc_tests, vec!["gross_range"]);
    }
}
