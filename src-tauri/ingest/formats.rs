//! Multi-reading payloads on `stations/{station}/telemetry`:
//! - SenML packs (RFC 8428): base name/time/unit/value resolution, relative times;
//! - station batches `{"station_id", "timestamp", "readings": {"ph": 7.1, "do": {"value": 6.2, "unit": "mg/L"}}}`.
//!
//! A bad record is refused on its own; the rest of the message is kept.

use super::payload::{Context, Decoded, PayloadError, number, parse_time};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// SenML: times below 2^28 s are relative to "now" (RFC 8428 §4.5.3).
const SENML_RELATIVE_LIMIT: f64 = 268_435_456.0;

pub fn senml(c: &Context<'_>, records: &[Value]) -> Decoded {
    let mut out = Decoded::default();
    let (mut bn, mut bt, mut bu, mut bv) = (String::new(), 0.0f64, None::<String>, 0.0f64);
    let mut has_bt = false;
    for rec in records {
        let Some(r) = rec.as_object() else {
            out.rejected
                .push(PayloadError::Json("SenML record is not an object".into()));
            continue;
        };
        // Base fields apply to this record and every later one.
        if let Some(v) = r.get("bn").and_then(Value::as_str) {
            bn = v.to_string();
        }
        if let Some(v) = r.get("bt").and_then(Value::as_f64) {
            bt = v;
            has_bt = true;
        }
        if let Some(v) = r.get("bu").and_then(Value::as_str) {
            bu = Some(v.to_string());
        }
        if let Some(v) = r.get("bv").and_then(Value::as_f64) {
            bv = v;
        }
        let n = r.get("n").and_then(Value::as_str).unwrap_or("");
        let full = format!("{bn}{n}");
        // The parameter is the last segment of the resolved name (`urn:dev:id:stn-1:temp` → temp).
        let name = full.rsplit([':', '/']).next().unwrap_or("");
        if !r.contains_key("v") {
            if ["vs", "vb", "vd", "s"].iter().any(|k| r.contains_key(*k)) || !n.is_empty() {
                out.rejected
                    .push(PayloadError::NoValue(name.chars().take(80).collect()));
            }
            continue; // a record carrying base fields only
        }
        let value = match number(&r["v"], name) {
            Ok(v) => v + bv,
            Err(e) => {
                out.rejected.push(e);
                continue;
            }
        };
        let unit = r
            .get("u")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| bu.clone());
        let t = r.get("t").and_then(Value::as_f64);
        let time = match (has_bt, t) {
            (false, None) => None,
            _ => {
                let resolved = bt + t.unwrap_or(0.0);
                let secs = if resolved.abs() < SENML_RELATIVE_LIMIT {
                    c.received_at.timestamp_millis() as f64 / 1000.0 + resolved
                } else {
                    resolved
                };
                match epoch(secs) {
                    Some(t) => Some(t),
                    None => {
                        out.rejected
                            .push(PayloadError::Timestamp(format!("{secs}")));
                        continue;
                    }
                }
            }
        };
        match c.reading(name, value, unit.as_deref(), time) {
            Ok(reading) => out.readings.push(reading),
            Err(e) => out.rejected.push(e),
        }
    }
    out
}

fn epoch(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() {
        return None;
    }
    Utc.timestamp_millis_opt((secs * 1000.0).round() as i64)
        .single()
}

pub fn batch(c: &Context<'_>, map: &Map<String, Value>) -> Result<Decoded, PayloadError> {
    if let Some(id) = map.get("station_id") {
        let id = match id {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(PayloadError::Station(id.to_string())),
        };
        let same = crate::model::StationKey::normalise(&id).is_some_and(|k| k.id == c.station.id);
        if !same {
            return Err(PayloadError::Station(format!(
                "{} (body) does not match {} (topic)",
                id.chars().take(64).collect::<String>(),
                c.station.id
            )));
        }
    }
    let batch_time = map
        .get("timestamp")
        .filter(|v| !v.is_null())
        .map(|t| parse_time(t, c.tz))
        .transpose()?;
    let units = map.get("units").and_then(Value::as_object);
    let Some(readings) = map.get("readings").and_then(Value::as_object) else {
        return Err(PayloadError::Json(
            "`readings` must be an object of parameter: value".into(),
        ));
    };
    let mut out = Decoded::default();
    for (name, v) in readings {
        let default_unit = units.and_then(|m| m.get(name)).and_then(Value::as_str);
        let result = match v {
            Value::Object(o) => {
                let time = match o.get("timestamp").filter(|v| !v.is_null()) {
                    Some(t) => parse_time(t, c.tz).map(Some),
                    None => Ok(batch_time),
                };
                let value = o
                    .get("value")
                    .ok_or_else(|| PayloadError::NoValue(name.chars().take(80).collect()))
                    .and_then(|v| number(v, name));
                let unit = o.get("unit").and_then(Value::as_str).or(default_unit);
                value.and_then(|value| time.and_then(|time| c.reading(name, value, unit, time)))
            }
            other => number(other, name)
                .and_then(|value| c.reading(name, value, default_unit, batch_time)),
        };
        match result {
            Ok(r) => out.readings.push(r),
            Err(e) => out.rejected.push(e),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::TimeZoneSetting;
    use crate::ingest::payload::decode;
    use crate::model::{Parameter, fmt_time};
    use chrono::{TimeZone, Utc};

    const SONDE: &str = include_str!("../../tests/fixtures/senml_sonde.json");

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 9, 5, 1, 40, 0).unwrap()
    }

    #[test]
    fn senml_sonde_pack_resolves_base_fields_and_units() {
        let tz = TimeZoneSetting::Local;
        let d = decode(
            "stations/stn-pune-001/telemetry",
            SONDE.as_bytes(),
            now(),
            &tz,
        )
        .unwrap();
        let get = |p: Parameter| d.readings.iter().find(|r| r.parameter == p).unwrap();
        let temp = get(Parameter::Temperature);
        assert_eq!(temp.value, 27.41);
        assert_eq!(temp.raw_unit, "Cel");
        assert_eq!(fmt_time(temp.observed_at), "2024-09-05T01:33:20.000Z");
        assert!((get(Parameter::SpecificConductance).value - 412.0).abs() < 1e-9);
        assert!((get(Parameter::DissolvedOxygen).value - 6.71).abs() < 1e-9);
        assert_eq!(get(Parameter::Turbidity).raw_unit, "FNU");
        assert_eq!(get(Parameter::Depth).value, 1.21);
        // `t: -2` is relative to the base time.
        assert_eq!(
            fmt_time(get(Parameter::Battery).observed_at),
            "2024-09-05T01:33:18.000Z"
        );
        assert_eq!(d.readings.len(), 7);
        // chla_rfu has no registered unit to convert from: refused with a reason, rest kept.
        assert_eq!(d.rejected.len(), 1, "{:?}", d.rejected);
        assert_eq!(d.rejected[0].kind(), "unknown_parameter");
        assert!(d.readings.iter().all(|r| r.station.id == "stn-pune-001"));
    }

    #[test]
    fn senml_relative_times_and_base_values() {
        let tz = TimeZoneSetting::Local;
        let pack = r#"[{"bn":"urn:dev:x:","bu":"Cel","bv":20,"n":"temp","v":1.5,"t":-60},{"n":"ph","u":"pH","v":-12.9},{"n":"ph","vs":"7.1"}]"#;
        let d = decode("stations/x/telemetry", pack.as_bytes(), now(), &tz).unwrap();
        assert_eq!(d.readings[0].value, 21.5);
        assert_eq!(
            fmt_time(d.readings[0].observed_at),
            "2024-09-05T01:39:00.000Z"
        );
        // bv applies to later records too: pH 7.1 without a time gets the receive time.
        assert!((d.readings[1].value - 7.1).abs() < 1e-9);
        assert!(d.readings[1].time_from_receipt);
        assert_eq!(d.rejected[0].kind(), "no_value");
    }

    #[test]
    fn station_batch_with_mixed_forms() {
        let tz = TimeZoneSetting::Named(chrono_tz::Asia::Kolkata);
        let body = r#"{"station_id":"station7","timestamp":"2024-09-05T06:00:00","units":{"temperature":"°F"},
            "readings":{"ph":7.1,"do":{"value":6.2,"unit":"mg/L","timestamp":"2024-09-05T00:20:00Z"},
                        "temperature":77,"fc":"12","colour":3,"bod":0}}"#;
        let d = decode("stations/7/telemetry", body.as_bytes(), now(), &tz).unwrap();
        let get = |p: Parameter| d.readings.iter().find(|r| r.parameter == p).unwrap();
        assert_eq!(
            fmt_time(get(Parameter::Ph).observed_at),
            "2024-09-05T00:30:00.000Z"
        );
        assert_eq!(
            fmt_time(get(Parameter::DissolvedOxygen).observed_at),
            "2024-09-05T00:20:00.000Z"
        );
        assert!((get(Parameter::Temperature).value - 25.0).abs() < 1e-9);
        assert_eq!(get(Parameter::Bod).value, 0.0);
        let mut kinds: Vec<_> = d.rejected.iter().map(|e| e.kind()).collect();
        kinds.sort();
        assert_eq!(kinds, ["not_a_number", "unknown_parameter"]);
    }

    #[test]
    fn batch_for_another_station_is_refused() {
        let tz = TimeZoneSetting::Local;
        let body = r#"{"station_id":"8","readings":{"ph":7}}"#;
        let e = decode("stations/7/telemetry", body.as_bytes(), now(), &tz).unwrap_err();
        assert_eq!(e.kind(), "bad_station");
        let e = decode("stations/7/telemetry", br#"{"ph":7}"#, now(), &tz).unwrap_err();
        assert_eq!(e.kind(), "malformed");
    }
}
