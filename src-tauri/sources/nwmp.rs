//! Import of NWMP station tables (sources.md §1) and MPCB's NWMP results (§2: MPCB has no API
//! and publishes PDF/XLSX tables; users export them to CSV). Three header layouts are read:
//!
//! - `ndap`: the NITI Aayog NDAP export of CPCB NWMP river data (`Year`, `State Name `,
//!   `Station Code`, `Monitoring Location`, `Minimum …`/`Maximum … (UOM:…)` column pairs).
//! - `cpcb_datax`: the CPCB/ENVIS "water_dataX" annual means (Latin-1, gaps `NAN`).
//! - `nwmp_table`: the NWMP/MPCB PDF table as CSV: `Station Code, Location, State`, an optional
//!   `Year`, `Month` or `Date`, then `<Parameter> Min`/`Max` (or `Mean`, or a single value).
//!
//! One observation per parameter, station and period: the mean where the table has one, else
//! the worst case of the published range (see [`import`]). Values stay in the published unit;
//! the caller converts `raw_unit` with `units::to_canonical`.

use super::catalogue::{river_of, station_code, tidy};
use super::lenient::{ist, number_str, time_ist};
use super::types::{Observation, SourceStation};
use crate::model::Parameter;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
use thiserror::Error;

/// The layouts [`import`] knows, for error messages.
pub const LAYOUTS: &str = "ndap (Year, State Name, Station Code, Monitoring Location, \
Minimum/Maximum … (UOM:…) pairs); cpcb_datax (STATION CODE, LOCATIONS, STATE, Temp, D.O. (mg/l), \
PH, …, TOTAL COLIFORM (MPN/100ml)Mean, year); nwmp_table (Station Code, Location, [State], \
Year|Month|Date, then <Parameter> Min/Max/Mean columns)";

/// What an import read.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// One per station code, named from its most recent row.
    pub stations: Vec<SourceStation>,
    pub observations: Vec<Observation>,
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
    /// Why rows or values were left out, at most 50 reasons plus a count of the rest.
    pub skipped: Vec<String>,
    /// `ndap`, `cpcb_datax` or `nwmp_table`.
    pub layout: &'static str,
}

/// Why a file could not be imported. Row numbers are file lines, the header being line 1.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the table has a header but no data rows")]
    NoRows,
    #[error("not a CSV table: {0}")]
    NotCsv(String),
    #[error("unknown table layout; header: [{}]; known layouts: {known}", .header.join(" | "))]
    UnknownLayout {
        header: Vec<String>,
        known: &'static str,
    },
    #[error("row {row}: {found} columns where the header has {expected}")]
    RaggedRow {
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("row {row}: bad year {value:?} (expected 2023 or \"Calendar Year (Jan - Dec), 2023\")")]
    BadYear { row: usize, value: String },
    #[error("row {row}: bad date or month {value:?}")]
    BadDate { row: usize, value: String },
}

/// Reads an NWMP/MPCB station table (CSV in UTF-8 or Latin-1, separated by commas,
/// semicolons or tabs). `source_label` names the publisher in notes
/// (`"NWMP"`, `"MPCB"`; empty means `NWMP`).
///
/// Per parameter and row: the mean when published (dataX), a single value column as is,
/// otherwise the worst case of the min/max pair — the maximum for BOD, coliforms,
/// conductivity, nitrate and temperature, the minimum for DO, and for pH the one farther from
/// 7.0 (the maximum on a tie). A parameter whose worst-case side is missing is skipped, not
/// replaced by the other side. `note` says which statistic it is: `annual maximum (NWMP)`.
///
/// Time: a `Date` column wins; a `Month` is the 15th; a year is 1 July, 00:00 IST. Annual
/// statistics have no observation time, and mid-year keeps them inside their year in every
/// time zone, so charts and per-year summaries put them in the right year.
///
/// Station ids are `NWMP-<code>`. When a station has two rows for the same period (the NDAP
/// export has 87, some naming another state's station), the row in the station's usual state
/// is kept and the other reported in `skipped`.
pub fn import(bytes: &[u8], source_label: &str) -> Result<ImportReport, ImportError> {
    let text = decode(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(h) => h
            .map_err(csv_error)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect(),
        None => return Err(ImportError::Empty),
    };
    let layout = Layout::detect(&header)?;
    let label = Some(source_label.trim())
        .filter(|l| !l.is_empty())
        .unwrap_or("NWMP");
    let mut skips = Skips::default();
    let mut rows = Vec::new();
    let mut count = 0;
    let code_title = norm(&header[layout.id.code]);
    for rec in records {
        let rec = rec.map_err(csv_error)?;
        // Blank lines, and the header repeated on each page of a PDF, are not data rows.
        let code = rec.get(layout.id.code).unwrap_or("");
        if rec.iter().all(|f| f.trim().is_empty()) || norm(code) == code_title {
            continue;
        }
        count += 1;
        if let Some(row) = layout.read(&rec, &header, &mut skips)? {
            rows.push(row);
        }
    }
    if count == 0 {
        return Err(ImportError::NoRows);
    }
    let rows = dedupe(rows, &mut skips);
    Ok(ImportReport {
        stations: stations(&rows),
        observations: observations(&rows, &layout, label),
        rows: count,
        skipped: skips.finish(),
        layout: layout.name,
    })
}

/// Columns naming the station and its year, shared with the catalogue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity {
    pub code: usize,
    pub location: usize,
    pub state: Option<usize>,
    pub year: Option<usize>,
}

/// Finds the identity columns by name (case and spacing ignored: NDAP's `State Name `).
pub(crate) fn identity(header: &[String]) -> Option<Identity> {
    Some(Identity {
        code: column(
            header,
            "station code|stn code|stn. code|station_code|station no|code",
        )?,
        location: column(
            header,
            "monitoring location|locations|location|name of monitoring location|\
             name of the monitoring location|station name|station location",
        )?,
        state: column(header, "state name|state"),
        year: column(header, "year"),
    })
}

/// The first column whose normalised name is one of the `|`-separated `names`.
fn column(header: &[String], names: &str) -> Option<usize> {
    header.iter().position(|h| {
        let h = norm(h);
        names.split('|').any(|n| n == h)
    })
}

/// A year as NWMP tables write it: `2023`, `2023.0`, `Calendar Year (Jan - Dec), 2023`.
/// Financial years are refused: their mid-point is not 1 July.
pub(crate) fn year_of(s: &str) -> Option<i32> {
    let t = s.trim();
    let t = match t.rsplit_once(',') {
        Some((head, y)) if head.to_ascii_lowercase().contains("calendar year") => y.trim(),
        _ => t,
    };
    let y: i32 = t.strip_suffix(".0").unwrap_or(t).parse().ok()?;
    (1950..=2100).contains(&y).then_some(y)
}

/// Field text: UTF-8 when valid, else Latin-1 (the dataX file).
pub(crate) fn latin1_or_utf8(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(b.iter().map(|&c| char::from(c)).collect()),
    }
}

fn norm(h: &str) -> String {
    h.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn csv_error(e: csv::Error) -> ImportError {
    let row = e.position().map_or(0, |p| p.line());
    ImportError::NotCsv(format!("row {row}: {e}"))
}

/// The file as text, refusing what is plainly not CSV (the formats MPCB publishes in).
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if b.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty);
    }
    let not = |what: &str| Err(ImportError::NotCsv(what.to_string()));
    if b.starts_with(b"%PDF") {
        return not("a PDF document; export the station table to CSV first");
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"\xD0\xCF\x11\xE0") {
        return not("an Excel workbook; save the sheet as CSV first");
    }
    if b.trim_ascii_start().starts_with(b"<") {
        return not("HTML or XML");
    }
    if b.contains(&0) {
        return not("binary data");
    }
    // The csv crate counts CRLF records one line short; row numbers must match the file.
    Ok(match latin1_or_utf8(b) {
        t if t.contains("\r\n") => Cow::Owned(t.replace("\r\n", "\n")),
        t => t,
    })
}

/// The separator of the header line: `,` unless `;` or tab is more frequent.
fn delimiter(text: &str) -> u8 {
    let line = text.lines().next().unwrap_or("");
    let n = |c: char| line.matches(c).count();
    [b';', b'\t']
        .into_iter()
        .filter(|&d| n(d as char) > n(','))
        .max_by_key(|&d| n(d as char))
        .unwrap_or(b',')
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stat {
    Min,
    Max,
    Mean,
    Value,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Period {
    Annual,
    Monthly,
    Sample,
}

/// The columns of one parameter.
#[derive(Debug, Clone)]
struct ParamCols {
    parameter: Parameter,
    min: Option<usize>,
    max: Option<usize>,
    mean: Option<usize>,
    value: Option<usize>,
    raw_unit: String,
    /// Appended to the note (dataX nitrate is nitrate + nitrite).
    detail: Option<&'static str>,
}

#[derive(Debug)]
struct Layout {
    name: &'static str,
    id: Identity,
    month: Option<usize>,
    date: Option<usize>,
    params: Vec<ParamCols>,
}

/// One kept value of a row.
#[derive(Debug, Clone)]
struct Pick {
    param: usize,
    stat: Stat,
    value: f64,
    /// The text of a censored value (`>1600`).
    censored: Option<String>,
}

#[derive(Debug)]
struct Row {
    line: usize,
    code: String,
    location: String,
    state: Option<String>,
    at: DateTime<Utc>,
    period: Period,
    picks: Vec<Pick>,
}

impl Layout {
    fn detect(header: &[String]) -> Result<Layout, ImportError> {
        let unknown = || ImportError::UnknownLayout {
            header: header.to_vec(),
            known: LAYOUTS,
        };
        let id = identity(header).ok_or_else(unknown)?;
        let normed: Vec<String> = header.iter().map(|h| norm(h)).collect();
        let month = column(header, "month");
        let date = column(header, "date|sampling date|date of sampling|sample date");
        let name = if normed.iter().any(|h| h.contains("(uom:")) {
            "ndap"
        } else if normed.iter().any(|h| h.ends_with(")mean")) && normed[id.location] == "locations"
        {
            "cpcb_datax"
        } else {
            "nwmp_table"
        };
        let taken = [
            Some(id.code),
            Some(id.location),
            id.state,
            id.year,
            month,
            date,
        ];
        let params = param_cols(header, name, &taken);
        let timed = id.year.is_some() || month.is_some() || date.is_some();
        if params.is_empty() || !timed {
            return Err(unknown());
        }
        Ok(Layout {
            name,
            id,
            month,
            date,
            params,
        })
    }

    /// One data row; `None` when it is skipped (no station code, a criteria row).
    fn read(
        &self,
        rec: &csv::StringRecord,
        header: &[String],
        skips: &mut Skips,
    ) -> Result<Option<Row>, ImportError> {
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let extra = rec.iter().skip(header.len()).any(|f| !f.trim().is_empty());
        if rec.len() < header.len() || extra {
            return Err(ImportError::RaggedRow {
                row: line,
                expected: header.len(),
                found: rec.len(),
            });
        }
        let field = |i: usize| rec.get(i).unwrap_or("").trim();
        let raw_code = field(self.id.code);
        let lower = raw_code.to_ascii_lowercase();
        let criteria = "criteria standard limit permissible desirable class";
        if criteria.split(' ').any(|w| lower.starts_with(w)) {
            skips.push(format!("row {line}: criteria row {raw_code:?}"));
            return Ok(None);
        }
        let Some(code) = station_code(raw_code) else {
            skips.push(format!(
                "row {line}: no station code ({})",
                field(self.id.location)
            ));
            return Ok(None);
        };
        let (at, period) = self.when(rec, line)?;
        let (location, state) = place(field(self.id.location), self.id.state.map(field));
        let mut picks = Vec::new();
        for (param, pc) in self.params.iter().enumerate() {
            match pick(pc, rec) {
                Ok(Some((stat, value, censored))) => picks.push(Pick {
                    param,
                    stat,
                    value,
                    censored,
                }),
                Ok(None) => {}
                Err(why) => skips.push(format!(
                    "row {line}: NWMP-{code} {}: {why}",
                    pc.parameter.as_str()
                )),
            }
        }
        Ok(Some(Row {
            line,
            code,
            location,
            state,
            at,
            period,
            picks,
        }))
    }

    fn when(
        &self,
        rec: &csv::StringRecord,
        row: usize,
    ) -> Result<(DateTime<Utc>, Period), ImportError> {
        let field = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let bad_date = |v: &str| ImportError::BadDate {
            row,
            value: v.to_string(),
        };
        if let Some(v) = field(self.date) {
            return time_ist(v)
                .map(|t| (t, Period::Sample))
                .ok_or_else(|| bad_date(v));
        }
        let year = field(self.id.year);
        if let Some(v) = field(self.month) {
            let day = month_of(v, year.and_then(year_of)).ok_or_else(|| bad_date(v))?;
            return midnight_ist(day)
                .map(|t| (t, Period::Monthly))
                .ok_or_else(|| bad_date(v));
        }
        let v = year.unwrap_or("");
        let bad_year = || ImportError::BadYear {
            row,
            value: v.to_string(),
        };
        let day = year_of(v)
            .and_then(|y| NaiveDate::from_ymd_opt(y, 7, 1))
            .ok_or_else(bad_year)?;
        midnight_ist(day)
            .map(|t| (t, Period::Annual))
            .ok_or_else(bad_year)
    }
}

/// The parameter columns in header order; NDAP pairs are read by position (its second
/// "Minimum Total Coliform" column is the maximum).
fn param_cols(header: &[String], layout: &str, taken: &[Option<usize>]) -> Vec<ParamCols> {
    let mut out: Vec<ParamCols> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let n = norm(h);
        let Some(parameter) = parameter_of(&n).filter(|_| !taken.contains(&Some(i))) else {
            continue;
        };
        let k = match out.iter().position(|p| p.parameter == parameter) {
            Some(k) => k,
            None => {
                out.push(ParamCols {
                    parameter,
                    min: None,
                    max: None,
                    mean: None,
                    value: None,
                    raw_unit: unit_of(h).unwrap_or_else(|| published_unit(parameter).to_string()),
                    detail: (n.contains("nitrite")).then_some("nitrate + nitrite as N"),
                });
                out.len() - 1
            }
        };
        let pc = &mut out[k];
        let stat = match layout {
            "cpcb_datax" => Stat::Mean,
            "ndap" if pc.min.is_some() => Stat::Max,
            "ndap" => Stat::Min,
            _ => stat_of(&n),
        };
        let slot = match stat {
            Stat::Min => &mut pc.min,
            Stat::Max => &mut pc.max,
            Stat::Mean => &mut pc.mean,
            Stat::Value => &mut pc.value,
        };
        slot.get_or_insert(i);
    }
    out
}

/// The parameter a (normalised) header names; `None` for columns not imported.
fn parameter_of(n: &str) -> Option<Parameter> {
    let words: Vec<&str> = n
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if n.contains("satur") || n.contains('%') {
        return None; // DO saturation is not DO
    }
    Some(if n.contains("coliform") || has("fc") || has("tc") {
        if n.contains("fecal") || n.contains("faecal") || has("fc") {
            Parameter::FecalColiform
        } else {
            Parameter::TotalColiform
        }
    } else if n.contains("streptococ") {
        return None;
    } else if n.contains("biochemical") || has("bod") || n.starts_with("b.o.d") {
        Parameter::Bod
    } else if n.contains("dissolved oxygen") || has("do") || n.starts_with("d.o") {
        Parameter::DissolvedOxygen
    } else if n.contains("hydrogen") || has("ph") {
        Parameter::Ph
    } else if n.contains("conductivity") || has("ec") {
        Parameter::Conductivity
    } else if n.contains("nitrate") || has("no3") {
        Parameter::Nitrate
    } else if n.contains("temp") {
        Parameter::Temperature
    } else {
        return None;
    })
}

fn stat_of(n: &str) -> Stat {
    let words: Vec<&str> = n.split(|c: char| !c.is_alphanumeric()).collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    if has(&["min", "minimum"]) {
        Stat::Min
    } else if has(&["max", "maximum"]) {
        Stat::Max
    } else if has(&["mean", "avg", "average"]) {
        Stat::Mean
    } else {
        Stat::Value
    }
}

/// The unit in a header: NDAP `(UOM:mg/L(Milligramsperliter))` → `mg/L`, else the first
/// parenthesised unit (`Temperature (°C) Min` → `°C`; `Nitrate (N)` is not a unit).
fn unit_of(h: &str) -> Option<String> {
    if let Some(i) = h.to_ascii_lowercase().find("uom:") {
        let rest = &h[i + 4..];
        let u = rest[..rest.find(['(', ')']).unwrap_or(rest.len())].trim();
        return (!u.is_empty()).then(|| u.to_string());
    }
    let mut s = h;
    while let Some(open) = s.find('(') {
        let after = &s[open + 1..];
        let close = after.find(')')?;
        let u = after[..close].trim();
        // "BOD (3 days at 27°C) (mg/l)": a test condition, not a unit.
        let condition = u.contains("day") || u.split_whitespace().count() > 2;
        if !condition && (u.contains(['/', '°']) || u.eq_ignore_ascii_case("ph")) {
            return Some(u.to_string());
        }
        s = &after[close + 1..];
    }
    None
}

/// The units NWMP tables are published in, for headers without one (dataX `Temp`, `PH`).
fn published_unit(p: Parameter) -> &'static str {
    match p {
        Parameter::Temperature => "°C",
        Parameter::Ph => "pH",
        Parameter::Conductivity => "µmho/cm",
        Parameter::FecalColiform | Parameter::TotalColiform => "MPN/100ml",
        _ => "mg/L",
    }
}

/// A number, or a censored one (`>1600`, `<2`) with its text. `BDL`, `NAN` and blanks are gaps.
fn reading(s: &str) -> Option<(f64, Option<String>)> {
    let t = s.trim();
    match t.strip_prefix(['<', '>', '≤', '≥']) {
        Some(rest) => number_str(rest.trim_start_matches('=')).map(|v| (v, Some(t.to_string()))),
        None => number_str(t).map(|v| (v, None)),
    }
}

/// The value kept for one parameter (see [`import`]); `Err` says why a published side was
/// not used.
fn pick(
    pc: &ParamCols,
    rec: &csv::StringRecord,
) -> Result<Option<(Stat, f64, Option<String>)>, String> {
    let read = |i: Option<usize>| i.and_then(|i| rec.get(i)).and_then(reading);
    for (stat, col) in [(Stat::Mean, pc.mean), (Stat::Value, pc.value)] {
        if let Some((v, c)) = read(col) {
            return Ok(Some((stat, v, c)));
        }
    }
    let dissolved = pc.parameter == Parameter::DissolvedOxygen;
    let (lo, hi) = match (read(pc.min), read(pc.max)) {
        (None, None) => return Ok(None),
        (Some(lo), Some(hi)) => (lo, hi),
        (Some((v, c)), None) if dissolved => return Ok(Some((Stat::Min, v, c))),
        (None, Some((v, c))) if !dissolved && pc.parameter != Parameter::Ph => {
            return Ok(Some((Stat::Max, v, c)));
        }
        (Some(_), None) => {
            return Err("no maximum published; the minimum alone is not the worst case".into());
        }
        (None, Some(_)) => {
            return Err("no minimum published; the maximum alone is not the worst case".into());
        }
    };
    // Some rows have min > max; the worst case is the extreme value, whichever column it is in.
    let (low, high) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
    let (stat, (v, c)) = match pc.parameter {
        Parameter::DissolvedOxygen => (Stat::Min, low),
        Parameter::Ph if (7.0 - low.0) > (high.0 - 7.0) => (Stat::Min, low),
        _ => (Stat::Max, high),
    };
    Ok(Some((stat, v, c)))
}

/// The 15th of a month (`March 2023`, `Mar-2023`, `2023-03`, `03/2023`, or `March` with a
/// `Year` column), the month's middle as 1 July is the year's.
fn month_of(v: &str, year: Option<i32>) -> Option<NaiveDate> {
    let t = v.replace(['-', '/', ',', '.'], " ");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let parse = |s: String| {
        ["%d %B %Y", "%d %m %Y", "%d %Y %m"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&s, f).ok())
    };
    parse(format!("15 {t}")).or_else(|| year.and_then(|y| parse(format!("15 {t} {y}"))))
}

fn midnight_ist(day: NaiveDate) -> Option<DateTime<Utc>> {
    let t = ist()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(t.with_timezone(&Utc))
}

/// Location and state, tidied. Some dataX rows have `NAN` as location and the location in
/// STATE; those are moved back.
fn place(location: &str, state: Option<&str>) -> (String, Option<String>) {
    let loc = tidy(location);
    let state = state.map(tidy).filter(|s| !s.is_empty());
    match state {
        Some(s)
            if loc.is_empty()
                && [" AT ", "RIVER", " OF "]
                    .iter()
                    .any(|w| s.to_uppercase().contains(w)) =>
        {
            (s, None)
        }
        state => (loc, state),
    }
}

/// Keeps one row per station and period: the row in the state the station has in most rows
/// (the first on a tie); the others are reported.
fn dedupe(rows: Vec<Row>, skips: &mut Skips) -> Vec<Row> {
    let key = |r: &Row| (r.code.clone(), r.state.clone().unwrap_or_default());
    let mut usual: HashMap<(String, String), usize> = HashMap::new();
    for r in &rows {
        *usual.entry(key(r)).or_default() += 1;
    }
    let weight = |r: &Row| usual.get(&key(r)).copied().unwrap_or(0);
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    let mut seen: HashMap<(String, DateTime<Utc>), usize> = HashMap::new();
    for row in rows {
        let Some(&k) = seen.get(&(row.code.clone(), row.at)) else {
            seen.insert((row.code.clone(), row.at), out.len());
            out.push(row);
            continue;
        };
        let dropped = if weight(&row) > weight(&out[k]) {
            std::mem::replace(&mut out[k], row)
        } else {
            row
        };
        let kept = &out[k];
        skips.push(format!(
            "row {}: second row for NWMP-{} {} ({}); kept row {} ({})",
            dropped.line,
            dropped.code,
            when_label(kept),
            dropped.state.as_deref().unwrap_or("no state"),
            kept.line,
            kept.state.as_deref().unwrap_or("no state"),
        ));
    }
    out
}

fn when_label(r: &Row) -> String {
    let local = r.at.with_timezone(&ist());
    match r.period {
        Period::Annual => local.format("%Y").to_string(),
        _ => local.format("%Y-%m-%d").to_string(),
    }
}

/// One station per code, named from its most recent row that has a location.
fn stations(rows: &[Row]) -> Vec<SourceStation> {
    let mut latest: HashMap<&str, &Row> = HashMap::new();
    let mut state: HashMap<&str, (DateTime<Utc>, &str)> = HashMap::new();
    for r in rows {
        let e = latest.entry(&r.code).or_insert(r);
        if (!r.location.is_empty(), r.at) > (!e.location.is_empty(), e.at) {
            *e = r;
        }
        if let Some(s) = &r.state {
            let e = state.entry(&r.code).or_insert((r.at, s));
            if r.at > e.0 {
                *e = (r.at, s);
            }
        }
    }
    let mut out: Vec<SourceStation> = latest
        .into_values()
        .map(|r| SourceStation {
            id: format!("NWMP-{}", r.code),
            name: if r.location.is_empty() {
                format!("NWMP station {}", r.code)
            } else {
                r.location.clone()
            },
            river: river_of(&r.location),
            state: state.get(r.code.as_str()).map(|(_, s)| s.to_string()),
            ..SourceStation::default()
        })
        .collect();
    let order = |s: &SourceStation| {
        let n =
            s.id.strip_prefix("NWMP-")
                .and_then(|c| c.parse::<u64>().ok());
        (n.is_none(), n.unwrap_or(0), s.id.clone())
    };
    out.sort_by_cached_key(order);
    out
}

fn observations(rows: &[Row], layout: &Layout, label: &str) -> Vec<Observation> {
    let one = |r: &Row, p: &Pick| {
        let pc = &layout.params[p.param];
        Observation {
            station: format!("NWMP-{}", r.code),
            parameter: pc.parameter,
            observed_at: r.at,
            value: p.value,
            // The header's unit when it is one we convert (a table in mS/cm is multiplied
            // out on the way in), else the parameter's canonical unit.
            unit: if crate::units::to_canonical(pc.parameter, 1.0, &pc.raw_unit).is_some() {
                pc.raw_unit.clone()
            } else {
                pc.parameter.canonical_unit().to_string()
            },
            raw_unit: pc.raw_unit.clone(),
            note: note(r.period, p.stat, label, pc.detail, p.censored.as_deref()),
        }
    };
    rows.iter()
        .flat_map(|r| r.picks.iter().map(move |p| one(r, p)))
        .collect()
}

/// `annual maximum (NWMP)`, plus what else the value needs to be read right.
fn note(
    period: Period,
    stat: Stat,
    label: &str,
    detail: Option<&str>,
    censored: Option<&str>,
) -> Option<String> {
    let word = match stat {
        Stat::Min => "minimum",
        Stat::Max => "maximum",
        Stat::Mean => "mean",
        Stat::Value => "value",
    };
    let what = match (period, stat) {
        (Period::Sample, Stat::Value) => None,
        (Period::Annual, _) => Some(format!("annual {word} ({label})")),
        (Period::Monthly, _) => Some(format!("monthly {word} ({label})")),
        (Period::Sample, _) => Some(format!("{word} ({label})")),
    };
    let censored = censored.map(|c| format!("published as {c:?}"));
    let parts: Vec<String> = [what, detail.map(str::to_string), censored]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Skip reasons, capped so a bad file cannot flood the report.
#[derive(Default)]
struct Skips {
    list: Vec<String>,
    more: usize,
}

impl Skips {
    fn push(&mut self, why: String) {
        if self.list.len() < 50 {
            self.list.push(why);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more", self.more));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::to_canonical;
    use std::io::Read;

    const DATAX: &[u8] = include_bytes!("../../tests/fixtures/sources/nwmp/cpcb_datax_sample.csv");
    const TABLE: &[u8] =
        include_bytes!("../../tests/fixtures/sources/nwmp/mpcb_nwmp_table_sample.csv");

    fn ndap() -> Vec<u8> {
        let gz = include_bytes!("../../data/india/cpcb_ndap_river_wq_annual_2012-2023.csv.gz");
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The value of `p` at `station` in `year` (1 July 00:00 IST), and its note.
    fn get(r: &ImportReport, station: &str, p: Parameter, year: i32) -> (f64, String) {
        let at = utc(&format!("{year}-06-30T18:30:00Z"));
        let o = r
            .observations
            .iter()
            .find(|o| o.station == station && o.parameter == p && o.observed_at == at);
        o.map(|o| (o.value, o.note.clone().unwrap_or_default()))
            .unwrap_or((f64::NAN, String::new()))
    }

    #[test]
    fn the_ndap_export_is_read_whole() {
        let bytes = ndap();
        let t = std::time::Instant::now();
        let r = import(&bytes, "NWMP").unwrap();
        eprintln!(
            "NDAP import: {} observations in {:?}",
            r.observations.len(),
            t.elapsed()
        );
        assert_eq!((r.layout, r.rows, r.stations.len()), ("ndap", 11_721, 1804));
        let v = |p| get(&r, "NWMP-4359", p, 2023);
        assert_eq!(
            v(Parameter::DissolvedOxygen),
            (6.2, "annual minimum (NWMP)".into())
        );
        assert_eq!(v(Parameter::Bod), (2.3, "annual maximum (NWMP)".into()));
        assert_eq!(
            v(Parameter::TotalColiform).0,
            120.0,
            "the 2nd 'Minimum Total Coliform'"
        );
        assert_eq!(v(Parameter::Ph).0, 8.5, "8.5 is farther from 7 than 7.2");
        let rest = [
            Parameter::FecalColiform,
            Parameter::Nitrate,
            Parameter::Conductivity,
        ];
        assert_eq!(rest.map(|p| v(p).0), [9.0, 1.06, 762.0]);
        let s = r.stations.iter().find(|s| s.id == "NWMP-4359").unwrap();
        assert_eq!(s.river.as_deref(), Some("Godavari"));
        assert_eq!(s.state.as_deref(), Some("Andhra Pradesh"));
        // Every published unit converts; one value per station, parameter and year.
        let mut seen = std::collections::HashSet::new();
        for o in &r.observations {
            // The unit is the header's (converted on the way in), and it is one we convert.
            assert_eq!(o.unit, o.raw_unit);
            assert!(
                to_canonical(o.parameter, o.value, &o.raw_unit).is_some(),
                "{o:?}"
            );
            assert!(
                seen.insert((o.station.clone(), o.parameter, o.observed_at)),
                "{o:?}"
            );
        }
        // 1013 (Sutlej, Himachal) has a stray Bihar row in 2020: the Himachal row is kept.
        assert_eq!(get(&r, "NWMP-1013", Parameter::Temperature, 2020).0, 15.0);
        let kept =
            "row 4790: second row for NWMP-1013 2020 (Bihar); kept row 4986 (Himachal Pradesh)";
        assert!(r.skipped.iter().any(|s| s == kept), "{:?}", r.skipped);
        // The MPCB-style fixture copies two of these rows: the same values come out.
        let t = import(TABLE, "MPCB").unwrap();
        for o in t.observations.iter().filter(|o| o.station != "NWMP-1151") {
            assert_eq!(get(&r, &o.station, o.parameter, 2023).0, o.value, "{o:?}");
        }
    }

    #[test]
    fn the_datax_layout_is_latin1_with_nan_gaps() {
        let r = import(DATAX, "NWMP").unwrap();
        assert_eq!((r.layout, r.rows), ("cpcb_datax", 8));
        let ids: Vec<&str> = r.stations.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["NWMP-1151", "NWMP-1393", "NWMP-2199", "NWMP-2676"]);
        assert!(
            r.skipped[0].starts_with("row 9: no station code (NAGAVALLI"),
            "{:?}",
            r.skipped
        );
        let ec = r
            .observations
            .iter()
            .find(|o| o.parameter == Parameter::Conductivity)
            .unwrap();
        assert_eq!(
            (ec.station.as_str(), ec.value, ec.raw_unit.as_str()),
            ("NWMP-2676", 226.0, "µmhos/cm")
        );
        assert_eq!(
            to_canonical(ec.parameter, ec.value, &ec.raw_unit),
            Some(226.0)
        );
        assert_eq!(
            get(&r, "NWMP-2676", Parameter::TotalColiform, 2014),
            (130.0, "annual mean (NWMP)".into())
        );
        assert!(
            get(&r, "NWMP-2676", Parameter::FecalColiform, 2014)
                .0
                .is_nan(),
            "NAN is a gap"
        );
        let no3 = get(&r, "NWMP-2676", Parameter::Nitrate, 2014).1;
        assert_eq!(no3, "annual mean (NWMP); nitrate + nitrite as N");
        let n1393 = r
            .observations
            .iter()
            .filter(|o| o.station == "NWMP-1393")
            .count();
        assert_eq!(n1393, 6, "blank coliforms are gaps");
        // The 2009 row of 2199 has its location in STATE; the name comes from 2014.
        let s = r.stations.iter().find(|s| s.id == "NWMP-2199").unwrap();
        assert_eq!(s.name, "SAVITRI RIVER AT OVALE VILLAGE.");
        assert_eq!(
            (s.river.as_deref(), s.state.as_deref()),
            (Some("Savitri"), Some("MAHARASHTRA"))
        );
        assert_eq!(get(&r, "NWMP-2199", Parameter::Bod, 2009).0, 2.5);
    }

    #[test]
    fn the_mpcb_table_layout_takes_the_worst_case() {
        let r = import(TABLE, "MPCB").unwrap();
        let v = |s, p| get(&r, s, p, 2023);
        assert_eq!(
            (r.layout, r.rows, r.observations.len()),
            ("nwmp_table", 4, 24)
        );
        assert_eq!(r.skipped, ["row 2: criteria row \"Criteria (Class C)\""]);
        let rivers: Vec<_> = r
            .stations
            .iter()
            .map(|s| (s.id.as_str(), s.river.as_deref()))
            .collect();
        let want = [
            ("NWMP-1151", "Patalganga"),
            ("NWMP-2179", "Godavari"),
            ("NWMP-2677", "Mula-Mutha"),
        ];
        assert_eq!(rivers, want.map(|(i, r)| (i, Some(r))));
        assert!(
            r.stations
                .iter()
                .all(|s| s.state.as_deref() == Some("Maharashtra"))
        );
        assert_eq!(
            v("NWMP-2179", Parameter::DissolvedOxygen),
            (4.8, "annual minimum (MPCB)".into())
        );
        assert_eq!(
            v("NWMP-2677", Parameter::Bod),
            (13.5, "annual maximum (MPCB)".into())
        );
        assert_eq!(
            v("NWMP-1151", Parameter::Ph),
            (6.2, "annual minimum (MPCB)".into())
        );
        assert_eq!(
            v("NWMP-1151", Parameter::Nitrate).0,
            1.2,
            "the minimum is BDL"
        );
        let tc = v("NWMP-1151", Parameter::TotalColiform);
        assert_eq!(
            tc,
            (
                1600.0,
                "annual maximum (MPCB); published as \">1600\"".into()
            )
        );
        assert!(r.observations.iter().any(|o| o.raw_unit == "°C"));
    }

    #[test]
    fn dates_and_months_place_the_values() {
        let csv = "Station Code;Location;Date;pH;BOD (mg/l) Max\n2179;Godavari;12-03-2023;7.6;4\n";
        let r = import(csv.as_bytes(), "MPCB").unwrap();
        let notes: Vec<_> = r
            .observations
            .iter()
            .map(|o| (o.observed_at, o.note.as_deref()))
            .collect();
        let at = utc("2023-03-11T18:30:00Z");
        assert_eq!(notes, [(at, None), (at, Some("maximum (MPCB)"))]);
        let csv = "Station Code,Location,Year,Month,DO Min,DO saturation (%)\n\
                   2179,Godavari,2023,March,5.1,70\n\
                   Station Code,Location,Year,Month,DO Min,DO saturation (%)\n\
                   2179,Godavari,,Apr-2023,4.9,68\n";
        let r = import(csv.as_bytes(), "").unwrap();
        assert_eq!(r.rows, 2, "a repeated header is not a data row");
        let at: Vec<_> = r.observations.iter().map(|o| o.observed_at).collect();
        assert_eq!(
            at,
            [utc("2023-03-14T18:30:00Z"), utc("2023-04-14T18:30:00Z")]
        );
        assert_eq!(
            r.observations[0].note.as_deref(),
            Some("monthly minimum (NWMP)")
        );
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let head = "Station Code,Location,State,Year,BOD (mg/l) Min,BOD (mg/l) Max";
        let ragged = format!("{head}\n2179,Godavari,MH,2023,3,4.2\n2677,Mula-Mutha,MH,2023,7\n");
        let err = |s: &str| import(s.as_bytes(), "MPCB").unwrap_err();
        assert_eq!(
            err(&ragged),
            ImportError::RaggedRow {
                row: 3,
                expected: 6,
                found: 5
            }
        );
        let bad_year = format!("{head}\n2179,Godavari,MH,2022-23,3,4.2\n");
        assert_eq!(
            err(&bad_year),
            ImportError::BadYear {
                row: 2,
                value: "2022-23".into()
            }
        );
        let unknown = err("Name,Value\nGodavari,7\n");
        let header = vec!["Name".to_string(), "Value".to_string()];
        assert_eq!(
            unknown,
            ImportError::UnknownLayout {
                header,
                known: LAYOUTS
            }
        );
        let text = unknown.to_string();
        assert!(
            text.starts_with("unknown table layout; header: [Name | Value]; known layouts: ndap (")
        );
        assert_eq!(err(""), ImportError::Empty);
        assert_eq!(err(&format!("{head}\n")), ImportError::NoRows);
        assert!(matches!(err("%PDF-1.7\n..."), ImportError::NotCsv(m) if m.contains("PDF")));
        assert!(matches!(err("PK\x03\x04...."), ImportError::NotCsv(m) if m.contains("Excel")));
    }

    #[test]
    fn units_come_from_the_header() {
        assert_eq!(
            unit_of("BOD (3 days at 27°C) (mg/l) Max").as_deref(),
            Some("mg/l")
        );
        assert_eq!(unit_of("Nitrate (N) Max"), None);
        assert_eq!(unit_of("Conductivity (mS/cm)").as_deref(), Some("mS/cm"));
        let ndap =
            "Minimum Value Of Dissolved Oxygen (UOM:mg/L(Milligramsperliter)), Scaling Factor:1";
        assert_eq!(unit_of(ndap).as_deref(), Some("mg/L"));
    }

    #[test]
    fn years_as_published() {
        assert_eq!(year_of("Calendar Year (Jan - Dec), 2023"), Some(2023));
        assert_eq!([" 2014 ", "2014.0"].map(year_of), [Some(2014); 2]);
        let refused = ["Financial Year (Apr - Mar), 2023", "2022-23", "NAN", "1800"];
        assert_eq!(refused.map(year_of), [None; 4]);
    }
}
