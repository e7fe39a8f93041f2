//! Lenient reading of agency payloads (sources.md, "connector rules"): numbers that arrive as
//! strings or placeholders, naive IST times, and bodies that are HTML or cut short.

use super::types::ParseError;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// India Standard Time, UTC+05:30 (no daylight saving).
pub fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 1800).expect("valid offset")
}

/// A number from a JSON number or a numeric string; placeholders (`NIL`, `NA`, `-`, `""`,
/// `NAN`, `null`) and non-finite values are `None`. Thousands separators and a trailing `%`
/// are accepted (`"1,234"`, `"-20%"`).
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => number_str(s),
        _ => None,
    }
}

/// [`number`] for text.
pub fn number_str(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('%').replace(',', "");
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    match t.to_ascii_uppercase().as_str() {
        "NIL" | "NA" | "N/A" | "-" | "--" | "NAN" | "NULL" | "NONE" | "ND" | "TRACE" => {
            return None;
        }
        _ => {}
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Text from a JSON string or number (ids arrive as either).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The JSON type name, for drift reports.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A time as agencies write it. With an offset or `Z` it is taken as written; naive times are
/// read in `zone` (IST for Indian agencies). Accepts ISO with `T` or a space, with or without
/// seconds/milliseconds, and `DD-MM-YYYY[ HH:MM[:SS]]` / `DD/MM/YYYY`.
pub fn time_in(s: &str, zone: FixedOffset) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    const NAIVE: [&str; 10] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ];
    for f in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return zone
                .from_local_datetime(&t)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    date(s).and_then(|d| {
        zone.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// [`time_in`] with naive times in IST.
pub fn time_ist(s: &str) -> Option<DateTime<Utc>> {
    time_in(s, ist())
}

/// A calendar date: `YYYY-MM-DD`, `DD-MM-YYYY`, `DD/MM/YYYY`, `YYYY/MM/DD`.
pub fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// Parses a body that should be JSON, telling an HTML error page, a cut-off document and other
/// text apart (all three are failures even with HTTP 200).
pub fn json_body(body: &[u8]) -> Result<Value, ParseError> {
    let text = String::from_utf8_lossy(body);
    let head = text.trim_start();
    if head.is_empty() {
        return Err(ParseError::Empty);
    }
    let lower: String = head
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<body")
    {
        let title = lower
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| snippet(head));
        return Err(ParseError::Html(title));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            ParseError::Truncated(format!("{e} after {} bytes", body.len()))
        } else {
            ParseError::NotJson(format!("{e}; starts with {:?}", snippet(head)))
        }
    })
}

/// The first 80 characters of a body, for error messages.
pub fn snippet(s: &str) -> String {
    let t: String = s.chars().take(80).collect();
    t.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_arrive_in_many_forms() {
        assert_eq!(number(&json!(7.5)), Some(7.5));
        assert_eq!(number(&json!("2150")), Some(2150.0));
        assert_eq!(number(&json!(" 1,234.5 ")), Some(1234.5));
        assert_eq!(number(&json!("-20%")), Some(-20.0));
        for p in ["NIL", "NA", "", "-", "NAN", "nan", "N/A"] {
            assert_eq!(number(&json!(p)), None, "{p}");
        }
        assert_eq!(number(&json!(null)), None);
        assert_eq!(number(&json!("abc")), None);
    }

    #[test]
    fn naive_times_are_ist_and_offsets_are_kept() {
        let utc = |s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            time_ist("2024-07-28T09:00:00"),
            Some(utc("2024-07-28T03:30:00Z"))
        );
        assert_eq!(
            time_ist("2024-07-28T09:00:00.000"),
            Some(utc("2024-07-28T03:30:00Z"))
        );
        assert_eq!(
            time_ist("28-07-2024 09:00"),
            Some(utc("2024-07-28T03:30:00Z"))
        );
        assert_eq!(time_ist("2024-07-28"), Some(utc("2024-07-27T18:30:00Z")));
        assert_eq!(
            time_ist("2024-07-28T09:00:00.000Z"),
            Some(utc("2024-07-28T09:00:00Z")),
            "an explicit Z is UTC"
        );
        assert_eq!(
            time_ist("2024-07-28T09:00:00+05:30"),
            Some(utc("2024-07-28T03:30:00Z"))
        );
        assert_eq!(time_ist("yesterday"), None);
    }

    #[test]
    fn bodies_that_are_not_json_say_what_they_are() {
        assert!(json_body(br#"[{"a":1}]"#).is_ok());
        assert_eq!(
            json_body(b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title>"),
            Err(ParseError::Html("503 service unavailable".into()))
        );
        assert!(matches!(
            json_body(br#"[{"a":1},{"b""#),
            Err(ParseError::Truncated(_))
        ));
        assert!(matches!(
            json_body(b"Your IP needs to be whitelisted"),
            Err(ParseError::NotJson(_))
        ));
        assert_eq!(json_body(b"  "), Err(ParseError::Empty));
    }
}
