//! data.gov.in Open Government Data API (sources.md §1): request URLs, the response envelope,
//! paging, and a schema-driven mapping from the envelope's `field[]` list to observations.
//!
//! The resource ids of CPCB water-quality data on data.gov.in are not confirmed, so nothing
//! here names one: the caller supplies the id and the column mapping is inferred at run time
//! from the field names (water_dataX headers, NDAP long names, plus aliases from config).

use super::lenient::{ist, json_body, number, text, time_ist, type_name};
use super::types::{Drift, Observation, ParseError, Parsed};
use crate::model::Parameter;
use crate::units::to_canonical;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Source id used in health, logs and provenance.
pub const SOURCE: &str = "datagov";

/// The public OGD API host.
pub const DEFAULT_BASE: &str = "https://api.data.gov.in";

/// Top-level keys of the envelope (sources.md §1); others are reported as unknown.
const ENVELOPE_KEYS: &str = "index_name title desc source org_type catalog_uuid message version \
    status created updated created_date updated_date active visualizable org sector field \
    target_bucket external_ws_url external_ws total count limit offset records";

/// One resource request.
#[derive(Clone, Default, PartialEq)]
pub struct Query {
    pub resource_id: String,
    pub api_key: String,
    pub offset: u64,
    pub limit: u64,
    /// `filters[field]=value`; the API takes one value per field per request.
    pub filters: Vec<(String, String)>,
    /// Restricts the returned columns (`fields=a,b`); empty means all.
    pub fields: Vec<String>,
}

// The key must not reach logs through `{:?}`.
impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("resource_id", &self.resource_id)
            .field("api_key", &"<redacted>")
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("filters", &self.filters)
            .field("fields", &self.fields)
            .finish()
    }
}

/// `{base}/resource/{id}?api-key=…&format=json&offset=…&limit=…[&filters[f]=v][&fields=a,b]`,
/// every id, key, field and value percent-encoded.
pub fn resource_url(base: &str, q: &Query) -> String {
    let mut url = format!(
        "{}/resource/{}?api-key={}&format=json&offset={}&limit={}",
        base.trim_end_matches('/'),
        encode(&q.resource_id),
        encode(&q.api_key),
        q.offset,
        q.limit
    );
    for (field, value) in &q.filters {
        let _ = write!(url, "&filters[{}]={}", encode(field), encode(value));
    }
    if !q.fields.is_empty() {
        let list: Vec<String> = q.fields.iter().map(|f| encode(f)).collect();
        let _ = write!(url, "&fields={}", list.join(","));
    }
    url
}

/// Percent-encodes everything but RFC 3986 unreserved characters (UTF-8 bytes, `%20` for space).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The OGD response envelope, read leniently.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    pub total: Option<u64>,
    pub count: Option<u64>,
    pub offset: u64,
    pub limit: Option<u64>,
    /// `field[]` as `(id, name, type)`; `name` falls back to the id.
    pub fields: Vec<(String, String, String)>,
    /// The records; all values are strings on the wire.
    pub records: Vec<Map<String, Value>>,
    pub title: Option<String>,
    /// `updated_date` (ISO) or else `updated` (epoch seconds, as text).
    pub updated: Option<String>,
    pub status: Option<String>,
    pub message: Option<String>,
}

/// Parses an envelope. A `status` other than "ok" is [`ParseError::Refused`] carrying the
/// server's message verbatim (an invalid key answers that way). `limit`, `offset`, `total`
/// and `count` may be numbers or strings; `external_ws` may be either.
pub fn parse_envelope(body: &[u8]) -> Result<(Envelope, Drift), ParseError> {
    let obj = match json_body(body)? {
        Value::Object(o) => o,
        other => {
            return Err(ParseError::Shape {
                expected: "a JSON object (OGD envelope)".into(),
                found: type_name(&other).into(),
            });
        }
    };
    let status = obj.get("status").and_then(text);
    let message = obj.get("message").and_then(text);
    refusal(&obj, status.as_deref(), message.as_deref())?;

    let mut drift = Drift {
        unknown: obj
            .keys()
            .filter(|k| !ENVELOPE_KEYS.split_whitespace().any(|e| e == k.as_str()))
            .cloned()
            .collect(),
        ..Drift::default()
    };
    for key in ["total", "count", "limit", "offset"] {
        if let Some(v) = obj.get(key)
            && !matches!(v, Value::Number(_) | Value::String(_) | Value::Null)
        {
            let change = format!("{key}: number → {}", type_name(v));
            drift.changed.insert(change);
        }
    }
    let envelope = Envelope {
        total: obj.get("total").and_then(count),
        count: obj.get("count").and_then(count),
        offset: obj.get("offset").and_then(count).unwrap_or(0),
        limit: obj.get("limit").and_then(count),
        fields: read_fields(array_at(&obj, "field", &mut drift)),
        records: read_records(array_at(&obj, "records", &mut drift), &mut drift),
        title: obj.get("title").and_then(text),
        updated: obj
            .get("updated_date")
            .and_then(text)
            .or_else(|| obj.get("updated").and_then(text)),
        status,
        message,
    };
    Ok((envelope, drift))
}

/// The server's refusal, if the envelope is one.
fn refusal(
    obj: &Map<String, Value>,
    status: Option<&str>,
    message: Option<&str>,
) -> Result<(), ParseError> {
    if let Some(s) = status
        && !s.eq_ignore_ascii_case("ok")
    {
        return Err(ParseError::Refused(message.unwrap_or(s).to_string()));
    }
    // Gateway errors may carry only an `error` text and no status.
    if status.is_none()
        && !obj.contains_key("records")
        && let Some(e) = obj.get("error").and_then(text)
    {
        return Err(ParseError::Refused(e));
    }
    Ok(())
}

/// A non-negative integer from a number or numeric string.
fn count(v: &Value) -> Option<u64> {
    number(v).filter(|x| *x >= 0.0).map(|x| x as u64)
}

/// The array under `key`, recording drift when it is absent or not an array.
fn array_at<'a>(obj: &'a Map<String, Value>, key: &str, drift: &mut Drift) -> &'a [Value] {
    match obj.get(key) {
        Some(Value::Array(a)) => a,
        Some(other) => {
            let change = format!("{key}: array → {}", type_name(other));
            drift.changed.insert(change);
            &[]
        }
        None => {
            drift.missing.insert(key.into());
            &[]
        }
    }
}

/// `field[]` entries as `(id, name, type)`; an entry needs an id or a name.
fn read_fields(items: &[Value]) -> Vec<(String, String, String)> {
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|f| {
            let name = f.get("name").and_then(text);
            let id = f.get("id").and_then(text).or_else(|| name.clone())?;
            let name = name.unwrap_or_else(|| id.clone());
            let kind = f.get("type").and_then(text).unwrap_or_default();
            Some((id, name, kind))
        })
        .collect()
}

fn read_records(items: &[Value], drift: &mut Drift) -> Vec<Map<String, Value>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Object(o) => out.push(o.clone()),
            other => {
                let change = format!("records[]: object → {}", type_name(other));
                drift.changed.insert(change);
            }
        }
    }
    out
}

/// The offset of the next page: `offset + records read`, or `None` when this page was empty
/// or reached `total`.
pub fn next_offset(env: &Envelope) -> Option<u64> {
    if env.records.is_empty() {
        return None;
    }
    let next = env.offset + env.records.len() as u64;
    match env.total {
        Some(total) if next >= total => None,
        _ => Some(next),
    }
}

/// Which envelope fields hold what, found from the field list at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Field id of the station code.
    pub station: String,
    pub name: Option<String>,
    pub state: Option<String>,
    pub year: Option<String>,
    pub date: Option<String>,
    /// `(field id, parameter, unit as written in the header)`; the unit may be empty.
    pub parameters: Vec<(String, Parameter, String)>,
}

/// Infers a [`Mapping`] from `field[]` by matching names (then ids) against the built-in
/// alias table, ignoring case, spaces and punctuation.
///
/// Recognised: water_dataX headers (`STATION CODE`, `D.O. (mg/l)`, `CONDUCTIVITY (µmhos/cm)`,
/// `TOTAL COLIFORM (MPN/100ml)Mean`, …) and NDAP long names (`Minimum Value Of Dissolved
/// Oxygen (UOM:mg/L(…)), Scaling Factor:1`, …). Where a resource gives Minimum/Maximum
/// pairs and no mean, the worst-case column is used: **Minimum for dissolved oxygen**
/// (low DO is the harm) and **Maximum for every other parameter** (coliforms, BOD,
/// conductivity, nitrate, temperature, pH), so the value errs towards flagging a problem.
/// A plain or mean column always wins over an extreme; among equals the first column wins.
/// Scaling factors are assumed to be 1 (all published NDAP columns say so).
///
/// No station code field, or no parameter field, is [`ParseError::Invalid`].
pub fn infer_mapping(fields: &[(String, String, String)]) -> Result<Mapping, ParseError> {
    mapping_with_aliases(fields, &[])
}

/// [`infer_mapping`] with extra `field name → parameter name` aliases from config, checked
/// first. The target may be a parameter name (`Parameter::parse`) or one of `station`,
/// `name`, `state`, `year`, `date`. An unknown target is [`ParseError::Invalid`].
pub fn mapping_with_aliases(
    fields: &[(String, String, String)],
    extra: &[(String, String)],
) -> Result<Mapping, ParseError> {
    let aliases = extra
        .iter()
        .map(|(field, target)| {
            alias_role(target)
                .map(|role| (squash(field), role))
                .ok_or_else(|| {
                    ParseError::Invalid(format!("alias {field:?}: unknown parameter {target:?}"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut b = Builder::default();
    for (id, name, _) in fields {
        let from_alias = aliases
            .iter()
            .find(|(key, _)| *key == squash(name) || *key == squash(id))
            .map(|(_, role)| Header {
                role: *role,
                stat: Stat::Plain,
                unit: header_unit(name),
            });
        if let Some(h) = from_alias
            .or_else(|| classify(name))
            .or_else(|| classify(id))
        {
            b.add(id, h);
        }
    }
    b.finish(fields)
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Station,
    Name,
    State,
    Year,
    Date,
    Value(Parameter),
}

/// The statistic a column carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Plain,
    Min,
    Max,
}

struct Header {
    role: Role,
    stat: Stat,
    unit: String,
}

#[derive(Default)]
struct Builder {
    station: Option<String>,
    name: Option<String>,
    state: Option<String>,
    year: Option<String>,
    date: Option<String>,
    /// `(field id, parameter, unit, rank)`; lower rank wins.
    parameters: Vec<(String, Parameter, String, u8)>,
}

impl Builder {
    fn add(&mut self, id: &str, h: Header) {
        let slot = match h.role {
            Role::Station => &mut self.station,
            Role::Name => &mut self.name,
            Role::State => &mut self.state,
            Role::Year => &mut self.year,
            Role::Date => &mut self.date,
            Role::Value(p) => return self.add_parameter(id, p, h.stat, h.unit),
        };
        if slot.is_none() {
            *slot = Some(id.to_string());
        }
    }

    fn add_parameter(&mut self, id: &str, p: Parameter, stat: Stat, unit: String) {
        let worst = if p == Parameter::DissolvedOxygen {
            Stat::Min
        } else {
            Stat::Max
        };
        let rank = match stat {
            Stat::Plain => 0,
            s if s == worst => 1,
            _ => 2,
        };
        let entry = (id.to_string(), p, unit, rank);
        match self.parameters.iter_mut().find(|e| e.1 == p) {
            Some(e) if rank < e.3 => *e = entry,
            Some(_) => {}
            None => self.parameters.push(entry),
        }
    }

    fn finish(self, fields: &[(String, String, String)]) -> Result<Mapping, ParseError> {
        let seen = || {
            let names: Vec<&str> = fields.iter().map(|f| f.1.as_str()).collect();
            names.join(", ")
        };
        let Some(station) = self.station else {
            return Err(ParseError::Invalid(format!(
                "no station code field among: {}",
                seen()
            )));
        };
        if self.parameters.is_empty() {
            return Err(ParseError::Invalid(format!(
                "no water-quality parameter field among: {}",
                seen()
            )));
        }
        Ok(Mapping {
            station,
            name: self.name,
            state: self.state,
            year: self.year,
            date: self.date,
            parameters: self
                .parameters
                .into_iter()
                .map(|(id, p, unit, _)| (id, p, unit))
                .collect(),
        })
    }
}

/// Lowercase ASCII letters and digits only: `D.O. (mg/l)` → `domgl`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn alias_role(target: &str) -> Option<Role> {
    let role = match squash(target).as_str() {
        "station" | "stationcode" => Role::Station,
        "name" | "location" => Role::Name,
        "state" => Role::State,
        "year" => Role::Year,
        "date" => Role::Date,
        _ => Role::Value(Parameter::parse(target)?),
    };
    Some(role)
}

/// Classifies a header by its words outside parentheses, after taking out Min/Max/Mean.
fn classify(label: &str) -> Option<Header> {
    // NDAP appends ", Scaling Factor:1"; ASCII lowercasing keeps byte offsets valid.
    let cut = label
        .to_ascii_lowercase()
        .find("scaling factor")
        .unwrap_or(label.len());
    let head = &label[..cut];
    let mut stat = Stat::Plain;
    let mut core = String::new();
    for word in strip_parens(head)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        match word.to_ascii_lowercase().as_str() {
            "min" | "minimum" => stat = Stat::Min,
            "max" | "maximum" => stat = Stat::Max,
            "mean" | "avg" | "average" => {}
            w => core.push_str(w),
        }
    }
    let role = role_of(&core)?;
    Some(Header {
        role,
        stat,
        unit: header_unit(head),
    })
}

/// The text outside (nested) parentheses, each group replaced by a space.
fn strip_parens(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                out.push(' ');
            }
            ')' => {
                depth = depth.saturating_sub(1);
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn role_of(core: &str) -> Option<Role> {
    let meta = match core {
        "stationcode" | "stncode" | "stationno" | "stationid" | "sitecode" | "code" => {
            Some(Role::Station)
        }
        "locations"
        | "location"
        | "monitoringlocation"
        | "nameofmonitoringlocation"
        | "locationname"
        | "stationname"
        | "name" => Some(Role::Name),
        "state" | "statename" => Some(Role::State),
        "year" | "calendaryear" => Some(Role::Year),
        "date" | "sampledate" | "samplingdate" | "dateofsampling" | "datetime" => Some(Role::Date),
        _ => None,
    };
    meta.or_else(|| parameter_of_core(core).map(Role::Value))
}

/// Substrings of long names, checked in order after an exact alias match.
const LONG_NAMES: [(&str, Option<Parameter>); 13] = [
    // Faecal streptococci have no canonical parameter: recognised so they are not misread.
    ("streptococ", None),
    ("fecalcolif", Some(Parameter::FecalColiform)),
    ("faecalcolif", Some(Parameter::FecalColiform)),
    ("totalcolif", Some(Parameter::TotalColiform)),
    ("biochemicaloxygen", Some(Parameter::Bod)),
    ("chemicaloxygen", Some(Parameter::Cod)),
    ("dissolvedoxygen", Some(Parameter::DissolvedOxygen)),
    ("potentialofhydrogen", Some(Parameter::Ph)),
    ("conductivity", Some(Parameter::Conductivity)),
    ("nitrate", Some(Parameter::Nitrate)),
    ("turbidity", Some(Parameter::Turbidity)),
    ("chloride", Some(Parameter::Chloride)),
    ("temperature", Some(Parameter::Temperature)),
];

fn parameter_of_core(core: &str) -> Option<Parameter> {
    if core.is_empty() {
        return None;
    }
    if let Some(p) = Parameter::parse(core) {
        return Some(p);
    }
    LONG_NAMES
        .iter()
        .find(|(needle, _)| core.contains(needle))
        .and_then(|(_, p)| *p)
}

/// The unit written in a header: `UOM:mg/L(…)` (NDAP) or the first `(…)` group that looks
/// like a unit (water_dataX `D.O. (mg/l)`); empty when none.
fn header_unit(label: &str) -> String {
    if let Some(i) = label.to_ascii_lowercase().find("uom:") {
        let rest = &label[i + 4..];
        let end = rest.find(['(', ')']).unwrap_or(rest.len());
        return rest[..end].trim().to_string();
    }
    let Some(open) = label.find('(') else {
        return String::new();
    };
    let inner = &label[open + 1..];
    let inner = inner[..inner.find(')').unwrap_or(inner.len())].trim();
    let lower = inner.to_ascii_lowercase();
    let unitlike = inner.contains(['/', '°']) || matches!(lower.as_str(), "ntu" | "ph" | "%");
    if unitlike {
        inner.to_string()
    } else {
        String::new()
    }
}

/// Converts records to observations with a [`Mapping`].
///
/// - Station id: `NWMP-{code}`, the app's convention for CPCB NWMP station codes.
/// - Time: the date field when present and readable (naive = IST); otherwise the `year`
///   field, stamped **1 July of that year, 00:00 IST**: these resources are annual
///   summaries, and mid-year keeps the value inside its year in any time zone.
/// - Values are strings (`"7.4"`, `"NAN"`, `""`); placeholders are skipped with a reason.
/// - `raw_unit` is the header's unit; `unit` the canonical one when the header's is
///   equivalent or absent (`µmhos/cm` → `µS/cm`), else the header's, left to unit conversion.
///
/// A mapped field absent from a record is reported in `drift.missing`.
pub fn records_to_observations(env: &Envelope, m: &Mapping) -> Parsed<Observation> {
    let mut out = Parsed::new();
    for (i, rec) in env.records.iter().enumerate() {
        for field in mapped_fields(m) {
            if !rec.contains_key(field) {
                out.drift.missing.insert(field.to_string());
            }
        }
        let Some(code) = rec.get(&m.station).and_then(text) else {
            out.skip(format!("record {i}: no station code"));
            continue;
        };
        let station = format!("NWMP-{code}");
        let Some(at) = record_time(rec, m) else {
            out.skip(format!("{station}: no readable date or year"));
            continue;
        };
        for (field, parameter, raw_unit) in &m.parameters {
            let raw = rec.get(field).unwrap_or(&Value::Null);
            match number(raw) {
                Some(value) => out.items.push(Observation {
                    station: station.clone(),
                    parameter: *parameter,
                    observed_at: at,
                    value,
                    unit: unit_for(*parameter, raw_unit),
                    raw_unit: raw_unit.clone(),
                    note: None,
                }),
                None => out.skip(format!("{station}/{parameter}: no value ({raw})")),
            }
        }
    }
    out
}

fn mapped_fields(m: &Mapping) -> impl Iterator<Item = &str> {
    std::iter::once(m.station.as_str())
        .chain(m.year.as_deref())
        .chain(m.date.as_deref())
        .chain(m.parameters.iter().map(|p| p.0.as_str()))
}

fn record_time(rec: &Map<String, Value>, m: &Mapping) -> Option<DateTime<Utc>> {
    let dated = m
        .date
        .as_ref()
        .and_then(|f| rec.get(f))
        .and_then(text)
        .and_then(|s| time_ist(&s));
    dated.or_else(|| {
        let year = m
            .year
            .as_ref()
            .and_then(|f| rec.get(f))
            .and_then(text)
            .and_then(|s| year_in(&s))?;
        ist()
            .with_ymd_and_hms(year, 7, 1, 0, 0, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The first plausible four-digit year in a text (`2014`, `Calendar Year (Jan - Dec), 2023`).
fn year_in(s: &str) -> Option<i32> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<i32>().ok())
        .find(|y| (1900..=2100).contains(y))
}

/// The canonical unit when the header's unit is equivalent to it (or absent).
fn unit_for(parameter: Parameter, raw: &str) -> String {
    let canonical = parameter.canonical_unit();
    if raw.trim().is_empty() || to_canonical(parameter, 1.0, raw) == Some(1.0) {
        canonical.to_string()
    } else {
        raw.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE1: &[u8] = include_bytes!("../../tests/fixtures/sources/datagov/envelope_wq.json");
    const PAGE2: &[u8] =
        include_bytes!("../../tests/fixtures/sources/datagov/envelope_wq_page2.json");
    const ERROR: &[u8] = include_bytes!("../../tests/fixtures/sources/datagov/envelope_error.json");

    fn fields(names: &[&str]) -> Vec<(String, String, String)> {
        let id = |n: &str| {
            n.to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        };
        names
            .iter()
            .map(|n| (id(n), n.to_string(), "keyword".to_string()))
            .collect()
    }

    fn param(m: &Mapping, p: Parameter) -> &(String, Parameter, String) {
        m.parameters.iter().find(|e| e.1 == p).expect("mapped")
    }

    #[test]
    fn urls_encode_every_value() {
        let q = Query {
            resource_id: "abc-123".into(),
            api_key: "k+y/1".into(),
            offset: 200,
            limit: 100,
            filters: vec![("state".into(), "Tamil Nadu & Puducherry".into())],
            fields: vec!["station_code".into(), "d_o_mg_l_".into()],
        };
        assert_eq!(
            resource_url("https://api.data.gov.in/", &q),
            "https://api.data.gov.in/resource/abc-123?api-key=k%2By%2F1&format=json&offset=200\
             &limit=100&filters[state]=Tamil%20Nadu%20%26%20Puducherry&fields=station_code,d_o_mg_l_"
        );
        let bare = Query {
            resource_id: "x".into(),
            ..Query::default()
        };
        assert!(resource_url(DEFAULT_BASE, &bare).ends_with("offset=0&limit=0"));
        assert_eq!(encode("µ"), "%C2%B5");
        assert!(!format!("{q:?}").contains("k+y/1"), "the key is redacted");
    }

    #[test]
    fn envelope_reads_string_numbers_and_pages() {
        let (env, drift) = parse_envelope(PAGE1).unwrap();
        assert!(drift.is_empty(), "{}", drift.describe());
        assert_eq!(
            (env.total, env.count, env.offset, env.limit),
            (Some(3), Some(2), 0, Some(2))
        );
        assert_eq!(env.fields.len(), 12);
        assert_eq!(
            env.fields[4],
            ("d_o_mg_l_".into(), "D.O. (mg/l)".into(), "double".into())
        );
        assert_eq!(env.records.len(), 2);
        assert_eq!(env.status.as_deref(), Some("ok"));
        assert_eq!(env.updated.as_deref(), Some("2024-04-05T19:34:38Z"));
        assert_eq!(next_offset(&env), Some(2));

        let (env2, drift2) = parse_envelope(PAGE2).unwrap();
        assert!(drift2.is_empty(), "external_ws as a string is fine");
        assert_eq!((env2.offset, env2.records.len()), (2, 1));
        assert_eq!(next_offset(&env2), None, "offset reached total");

        let empty = Envelope {
            offset: 4,
            ..Envelope::default()
        };
        assert_eq!(next_offset(&empty), None);
        let open = Envelope { total: None, ..env };
        assert_eq!(next_offset(&open), Some(2));
    }

    #[test]
    fn an_error_envelope_is_a_refusal_with_the_message() {
        assert_eq!(
            parse_envelope(ERROR).unwrap_err(),
            ParseError::Refused("Invalid API key".into())
        );
        assert_eq!(
            parse_envelope(br#"{"error":"Too many requests"}"#).unwrap_err(),
            ParseError::Refused("Too many requests".into())
        );
        assert!(matches!(
            parse_envelope(b"[]"),
            Err(ParseError::Shape { .. })
        ));
        assert!(matches!(
            parse_envelope(b"<html><body>Bad gateway"),
            Err(ParseError::Html(_))
        ));
        assert!(matches!(
            parse_envelope(&PAGE1[..300]),
            Err(ParseError::Truncated(_))
        ));
    }

    #[test]
    fn drift_reports_missing_records_unknown_keys_and_type_changes() {
        let (env, drift) =
            parse_envelope(br#"{"status":"ok","field":[],"total":"3","rows":[],"count":[1]}"#)
                .unwrap();
        assert_eq!(env.total, Some(3));
        assert!(drift.missing.contains("records"));
        assert!(drift.unknown.contains("rows"));
        assert!(drift.changed.contains("count: number → array"));
    }

    #[test]
    fn water_datax_headers_map_to_parameters() {
        let (env, _) = parse_envelope(PAGE1).unwrap();
        let m = infer_mapping(&env.fields).unwrap();
        assert_eq!(m.station, "station_code");
        assert_eq!(m.name.as_deref(), Some("locations"));
        assert_eq!(m.state.as_deref(), Some("state"));
        assert_eq!(m.year.as_deref(), Some("year"));
        assert_eq!(m.date, None);
        let found: Vec<Parameter> = m.parameters.iter().map(|e| e.1).collect();
        use Parameter::*;
        let expected = [Temperature, DissolvedOxygen, Ph, Conductivity, Bod, Nitrate];
        assert_eq!(
            found,
            [&expected[..], &[FecalColiform, TotalColiform]].concat()
        );
        assert_eq!(param(&m, DissolvedOxygen).2, "mg/l");
        assert_eq!(param(&m, Conductivity).2, "µmhos/cm");
        assert_eq!(param(&m, TotalColiform).0, "total_coliform_mpn_100ml_mean");
        assert_eq!(param(&m, Temperature).2, "");
    }

    #[test]
    fn ndap_long_names_pick_the_worst_case_extreme() {
        let f = fields(&[
            "Country",
            "Year",
            "State Name ",
            "Station Code",
            "Monitoring Location",
            "Minimum Temperature For River Water (UOM:°C(Centigrade)), Scaling Factor:1",
            "Maximum Temperature For River Water (UOM:°C(Centigrade)), Scaling Factor:1",
            "Minimum Value Of Dissolved Oxygen (UOM:mg/L(Milligramsperliter)), Scaling Factor:1",
            "Maximum Value Of Dissolved Oxygen (UOM:mg/L(Milligramsperliter)), Scaling Factor:1",
            "Minimum Conductivity Level (UOM:µmho/cm(micromhospercentimeter)), Scaling Factor:1",
            "Maximum Conductivity Level (UOM:µmho/cm(micromhospercentimeter)), Scaling Factor:1",
            "Minimum Biochemical Oxygen Demand (Bod) (UOM:mg/L(Milligramsperliter)), Scaling Factor:1",
            "Maximum Biochemical Oxygen Demand (Bod) (UOM:mg/L(Milligramsperliter)), Scaling Factor:1",
            "Maximum Of Fecal Coliforms Required For River Water (UOM:MPN/100ml(MostprobableNumberper100mililiters)), Scaling Factor:1",
            "Minimum Fecal Streptococci Required For River Water (UOM:MPN/100ml(MostprobableNumberper100mililiters)), Scaling Factor:1",
        ]);
        let m = infer_mapping(&f).unwrap();
        assert_eq!(m.station, "station_code");
        assert_eq!(m.name.as_deref(), Some("monitoring_location"));
        assert_eq!(m.state.as_deref(), Some("state_name_"));
        assert_eq!(m.year.as_deref(), Some("year"));
        let id = |p| param(&m, p).0.clone();
        assert!(id(Parameter::DissolvedOxygen).starts_with("minimum_value_of_dissolved"));
        assert!(id(Parameter::Conductivity).starts_with("maximum_conductivity"));
        assert!(id(Parameter::Bod).starts_with("maximum_biochemical"));
        assert!(id(Parameter::Temperature).starts_with("maximum_temperature"));
        assert_eq!(param(&m, Parameter::Conductivity).2, "µmho/cm");
        assert_eq!(param(&m, Parameter::Temperature).2, "°C");
        assert_eq!(param(&m, Parameter::FecalColiform).2, "MPN/100ml");
        assert_eq!(m.parameters.len(), 5, "streptococci are not a parameter");
    }

    #[test]
    fn config_aliases_and_missing_station_field() {
        let f = fields(&["Site", "Dissolved O2 (mg/L)", "Turb"]);
        let err = infer_mapping(&f).unwrap_err();
        assert_eq!(
            err,
            ParseError::Invalid(
                "no station code field among: Site, Dissolved O2 (mg/L), Turb".into()
            )
        );
        let extra = [
            ("site".to_string(), "station".to_string()),
            (
                "Dissolved O2 (mg/L)".to_string(),
                "dissolved_oxygen".to_string(),
            ),
        ];
        let m = mapping_with_aliases(&f, &extra).unwrap();
        assert_eq!(m.station, "site");
        assert_eq!(param(&m, Parameter::DissolvedOxygen).2, "mg/L");
        assert_eq!(param(&m, Parameter::Turbidity).0, "turb");
        let bad = [("Site".to_string(), "colour".to_string())];
        assert!(matches!(
            mapping_with_aliases(&f, &bad),
            Err(ParseError::Invalid(_))
        ));
    }

    #[test]
    fn every_value_of_both_pages_becomes_an_observation_or_a_skip() {
        let (p1, _) = parse_envelope(PAGE1).unwrap();
        let (p2, _) = parse_envelope(PAGE2).unwrap();
        let m = infer_mapping(&p1.fields).unwrap();
        let mut obs = records_to_observations(&p1, &m);
        let second = records_to_observations(&p2, &m);
        obs.items.extend(second.items);
        obs.skipped.extend(second.skipped);
        assert!(obs.drift.is_empty());
        assert_eq!(obs.items.len(), 21);
        assert_eq!(
            obs.skipped,
            vec![
                r#"NWMP-2685/nitrate_n: no value ("NAN")"#,
                r#"NWMP-2685/total_coliform: no value ("")"#,
                r#"NWMP-1312/fecal_coliform: no value ("NAN")"#,
            ]
        );
        let july = DateTime::parse_from_rfc3339("2014-07-01T00:00:00+05:30").unwrap();
        assert!(obs.items.iter().all(|o| o.observed_at == july));
        let get = |s: &str, p| {
            obs.items
                .iter()
                .find(|o| o.station == s && o.parameter == p)
        };
        let ec = get("NWMP-1312", Parameter::Conductivity).unwrap();
        assert_eq!(
            (ec.value, ec.unit.as_str(), ec.raw_unit.as_str()),
            (1210.0, "µS/cm", "µmhos/cm")
        );
        let t = get("NWMP-1151", Parameter::Temperature).unwrap();
        assert_eq!(
            (t.value, t.unit.as_str(), t.raw_unit.as_str()),
            (27.4, "°C", "")
        );
        let d = get("NWMP-2685", Parameter::DissolvedOxygen).unwrap();
        assert_eq!((d.value, d.unit.as_str()), (5.8, "mg/L"));
        let fc = get("NWMP-1151", Parameter::FecalColiform).unwrap();
        assert_eq!((fc.value, fc.unit.as_str()), (37.0, "MPN/100mL"));
    }

    #[test]
    fn a_date_field_wins_over_the_year_and_missing_fields_are_drift() {
        let env = Envelope {
            records: vec![
                serde_json::from_str(r#"{"code":"11","sampling_date":"15-03-2023","ph":"7.9"}"#)
                    .unwrap(),
                serde_json::from_str(r#"{"code":"12","year":"Calendar Year (Jan - Dec), 2023"}"#)
                    .unwrap(),
            ],
            ..Envelope::default()
        };
        let m = infer_mapping(&fields(&["Code", "Sampling Date", "Year", "pH"])).unwrap();
        let p = records_to_observations(&env, &m);
        assert_eq!(p.items.len(), 1);
        let at = DateTime::parse_from_rfc3339("2023-03-15T00:00:00+05:30").unwrap();
        assert_eq!(p.items[0].observed_at, at);
        assert!(p.drift.missing.contains("year") && p.drift.missing.contains("ph"));
        assert_eq!(p.skipped, vec!["NWMP-12/ph: no value (null)"]);
    }
}
