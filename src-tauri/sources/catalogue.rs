//! The India station catalogue: the CPCB National Water Quality Monitoring Programme (NWMP)
//! river stations of the NDAP export (2012–2023, compiled in), merged with the station lists of
//! live sources. Parsed once at start-up and kept in a map; lookups and searches do no IO.

use super::nwmp::{identity, latin1_or_utf8, year_of};
use super::types::{ParseError, SourceStation};
use flate2::read::GzDecoder;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;

/// The NDAP export of CPCB NWMP river stations (`data/README.md`), gzip-compressed.
const BUNDLED_GZ: &[u8] =
    include_bytes!("../../data/india/cpcb_ndap_river_wq_annual_2012-2023.csv.gz");

/// Source name of the bundled CPCB NWMP list in [`CatalogueStation::sources`].
pub const SOURCE: &str = "cpcb_nwmp";

/// One station of the catalogue.
#[derive(Serialize, Clone, Debug)]
pub struct CatalogueStation {
    /// `NWMP-<code>` for NWMP stations; a live source's own id otherwise.
    pub id: String,
    /// The NWMP station code (`4359`); a live source's id for its stations.
    pub code: String,
    /// The monitoring location as published (most recent year), tidied.
    pub name: String,
    /// The river, lake, canal or drain named in the location (see [`river_of`]).
    pub river: Option<String>,
    /// State or UT as published (most recent year); empty when no source names one.
    pub state: String,
    /// Years with published data, ascending.
    pub years: Vec<i32>,
    /// Sources that list the station (`cpcb_nwmp`, then live sources in merge order).
    pub sources: Vec<String>,
}

/// The catalogue, keyed by station id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    stations: BTreeMap<String, CatalogueStation>,
}

/// A catalogue search. Every given criterion must match; `limit` 0 means no limit.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Words that must each occur (case-insensitive) in the id, code, name or river.
    pub text: Option<String>,
    /// State, compared case-insensitively with the whole state name.
    pub state: Option<String>,
    /// River, compared case-insensitively with the whole river name.
    pub river: Option<String>,
    pub limit: usize,
}

impl Catalogue {
    /// The compiled-in CPCB NWMP station list (about 1,800 stations).
    pub fn bundled() -> Result<Catalogue, ParseError> {
        Catalogue::from_csv(GzDecoder::new(BUNDLED_GZ))
    }

    /// Reads a station table with `Station Code`, a location column (`Monitoring Location`,
    /// `LOCATIONS`, `Location`), optionally a state and a `Year` column: the NDAP export and
    /// the other layouts [`super::nwmp::import`] reads. One entry per station code; the name
    /// and state come from the most recent year (the first row of that year).
    pub fn from_csv<R: Read>(reader: R) -> Result<Catalogue, ParseError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let header: Vec<String> = rdr
            .byte_headers()
            .map_err(|e| ParseError::Invalid(format!("CSV header: {e}")))?
            .iter()
            .map(|h| latin1_or_utf8(h).into_owned())
            .collect();
        let cols = identity(&header).ok_or_else(|| ParseError::Shape {
            expected: "Station Code, Monitoring Location/Location, [State Name], [Year]".into(),
            found: header.join(", "),
        })?;
        // code → (year the name and state are from, entry)
        let mut acc: BTreeMap<String, (Option<i32>, CatalogueStation)> = BTreeMap::new();
        for rec in rdr.byte_records() {
            let rec = rec.map_err(|e| ParseError::Invalid(format!("CSV: {e}")))?;
            let Some(code) = station_code(&field(&rec, cols.code)) else {
                continue;
            };
            let year = match cols.year.map(|i| field(&rec, i)) {
                Some(v) => Some(year_of(&v).ok_or_else(|| {
                    let row = rec.position().map_or(0, |p| p.line());
                    ParseError::Invalid(format!("row {row}: bad year {v:?}"))
                })?),
                None => None,
            };
            let name = tidy(&field(&rec, cols.location));
            let state = cols
                .state
                .map(|i| tidy(&field(&rec, i)))
                .unwrap_or_default();
            let (from, entry) = acc.entry(code.clone()).or_insert_with(|| {
                (
                    year,
                    new_station(format!("NWMP-{code}"), code, String::new(), String::new()),
                )
            });
            if entry.name.is_empty() || year > *from {
                *from = year;
                entry.name = name;
                entry.state = state;
            }
            entry
                .years
                .extend(year.filter(|y| !entry.years.contains(y)));
        }
        if acc.is_empty() {
            return Err(ParseError::Empty);
        }
        let stations = acc
            .into_values()
            .map(|(_, mut s)| {
                s.years.sort_unstable();
                s.river = river_of(&s.name);
                s.sources.push(SOURCE.to_string());
                (s.id.clone(), s)
            })
            .collect();
        Ok(Catalogue { stations })
    }

    /// Number of stations.
    pub fn len(&self) -> usize {
        self.stations.len()
    }

    /// Whether the catalogue has no station.
    pub fn is_empty(&self) -> bool {
        self.stations.is_empty()
    }

    /// All stations, NWMP stations first in code order.
    pub fn iter(&self) -> impl Iterator<Item = &CatalogueStation> {
        let mut all: Vec<&CatalogueStation> = self.stations.values().collect();
        all.sort_by(|a, b| order(a).cmp(&order(b)));
        all.into_iter()
    }

    /// A station by id (`NWMP-4359`, a live source's id) or NWMP code (`4359`).
    pub fn get(&self, id_or_code: &str) -> Option<&CatalogueStation> {
        let key = id_or_code.trim();
        if let Some(s) = self.stations.get(key) {
            return Some(s);
        }
        let code = match key.get(..5) {
            Some(p) if p.eq_ignore_ascii_case("nwmp-") => &key[5..],
            _ => key,
        };
        self.stations.get(&format!("NWMP-{code}"))
    }

    /// Stations matching `q`: an exact id or code match first, then NWMP code order.
    pub fn search(&self, q: &Query) -> Vec<&CatalogueStation> {
        let words: Vec<String> = q
            .text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w.trim())))
        };
        let mut hits: Vec<&CatalogueStation> = self
            .stations
            .values()
            .filter(|s| same(&q.state, Some(&s.state)) && same(&q.river, s.river.as_deref()))
            .filter(|s| {
                let hay = format!(
                    "{} {} {} {}",
                    s.id,
                    s.code,
                    s.name,
                    s.river.as_deref().unwrap_or("")
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect();
        let t = q.text.as_deref().unwrap_or("").trim();
        let inexact = |s: &CatalogueStation| {
            !(s.id.eq_ignore_ascii_case(t) || s.code.eq_ignore_ascii_case(t))
        };
        hits.sort_by(|a, b| (inexact(a), order(a)).cmp(&(inexact(b), order(b))));
        if q.limit > 0 {
            hits.truncate(q.limit);
        }
        hits
    }

    /// States with their station counts, by name.
    pub fn states(&self) -> Vec<(String, usize)> {
        counts(self.stations.values().map(|s| s.state.as_str()))
    }

    /// Rivers (and lakes, canals, drains) with their station counts, by name.
    pub fn rivers(&self) -> Vec<(String, usize)> {
        counts(self.stations.values().filter_map(|s| s.river.as_deref()))
    }

    /// Adds a live source's stations, or enriches the entries with the same id: missing name,
    /// river and state are filled in and `source` is added to `sources`. Only an exact id
    /// matches, so a live station joins an NWMP entry only if its source names it `NWMP-<code>`
    /// (numeric ids of other agencies must not be taken for NWMP codes).
    pub fn merge(&mut self, source: &str, stations: &[SourceStation]) {
        for st in stations {
            let id = st.id.trim();
            if id.is_empty() {
                continue;
            }
            let entry = self.stations.entry(id.to_string()).or_insert_with(|| {
                new_station(id.to_string(), id.to_string(), String::new(), String::new())
            });
            if entry.name.is_empty() {
                entry.name = tidy(&st.name);
            }
            if entry.river.is_none() {
                entry.river = st.river.as_deref().map(tidy).filter(|r| !r.is_empty());
            }
            if entry.state.is_empty() {
                entry.state = st.state.as_deref().map(tidy).unwrap_or_default();
            }
            if !entry.sources.iter().any(|s| s == source) {
                entry.sources.push(source.to_string());
            }
        }
    }
}

fn field(rec: &csv::ByteRecord, i: usize) -> std::borrow::Cow<'_, str> {
    latin1_or_utf8(rec.get(i).unwrap_or(b""))
}

fn new_station(id: String, code: String, name: String, state: String) -> CatalogueStation {
    CatalogueStation {
        id,
        code,
        name,
        river: None,
        state,
        years: Vec::new(),
        sources: Vec::new(),
    }
}

/// Sort key: NWMP stations by numeric code, then every other id.
fn order(s: &CatalogueStation) -> (bool, u64, &str) {
    let nwmp =
        s.id.strip_prefix("NWMP-")
            .and_then(|c| c.parse::<u64>().ok());
    (nwmp.is_none(), nwmp.unwrap_or(0), s.id.as_str())
}

fn counts<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut map: BTreeMap<&str, usize> = BTreeMap::new();
    for n in names.filter(|n| !n.is_empty()) {
        *map.entry(n).or_default() += 1;
    }
    map.into_iter().map(|(n, c)| (n.to_string(), c)).collect()
}

/// A station code as published, or `None` for blanks and `NAN`. Spreadsheets turn `4359`
/// into `4359.0`; the `.0` is dropped.
pub(crate) fn station_code(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = t
        .strip_suffix(".0")
        .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()))
        .unwrap_or(t);
    (!t.is_empty() && !t.eq_ignore_ascii_case("nan")).then(|| t.to_string())
}

/// Location text tidied: `Â` and `€` (a non-breaking space decoded twice, as found in the
/// NDAP export) read as spaces, whitespace collapsed, trailing commas dropped.
pub(crate) fn tidy(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| if matches!(c, 'Â' | '€') { ' ' } else { c })
        .collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t.trim_end_matches([',', ' ']);
    if t.eq_ignore_ascii_case("nan") {
        String::new()
    } else {
        t.to_string()
    }
}

/// Words that end a river name: positions, structures and places around the station.
const STOPS: &str = "\
    AT MID TOWN NEAR NR BEFORE AFTER AF BF IN ON FROM TO OF WITH BELOW ABOVE UPSTREAM \
    DOWNSTREAM UP DOWN CONFLUENCE CONFL JUST BETWEEN OPPOSITE OPP VILLAGE VILL AND & - DS US \
    FDS FUS DAM BARRAGE WEIR ANICUT RESERVOIR RESERVIOR STOP BRIDGE BDG ROAD RD GHAT INTAKE \
    WATER BATHING DRINKING POINT MIXING MEETING ABOUT SAMPLE LOCATIONS BACKWATER OUTLET \
    OUTFALL STP WTP";
/// Water bodies kept with their name ("Lidder Nallah", "Agra Canal", "Dal Lake").
const WATER: &str = "\
    NADI NALLA NALLAH NALA NALAH NULLAH KHAD KHADI LAKE CANAL DRAIN BEEL BILL TAL JHEEL \
    CREEK NAHAR CHANNEL POND TANK SAGAR RU LUI JHOR KOL STREAM BEIN";
/// Water bodies that lead their name ("Nalla Sopara").
const LEADING_WATER: &str = "NALLA NALLAH NALA NALAH NULLAH";
/// First words of two-word river names ("Burhi Gandak", "North Koel", "Kali Sindh").
const PREFIXES: &str = "\
    BURHI BURI BUDHI BUDHA NORTH SOUTH EAST WEST LITTLE CHHOTI CHOTA CHHOTA BARI BADI BADA \
    KALI JAI JIA DAKSHINA UTTAR UPPER";
/// "RIVER" as written, typos included.
const RIVER_WORDS: &str = "RIVER R RIVR RIEVR RIVE RIVET";
const POSITIONS: &str = "D/S U/S DS US FD/S FU/S FDS DOWNSTREAM UPSTREAM";

/// Whether `word` is one of the space-separated `list` (lists are kept as text so they stay
/// readable; they are short and scanned once per station at start-up).
fn listed(list: &str, word: &str) -> bool {
    list.split(' ').any(|w| w == word)
}

fn is_river_word(t: &str) -> bool {
    listed(RIVER_WORDS, t)
}

fn is_stop(t: &str) -> bool {
    listed(STOPS, t) || t.contains('/') || t == "," || t.chars().any(|c| c.is_ascii_digit())
}

/// The river (or lake, canal, drain, nalla) named in a free-text NWMP location, title-cased:
/// `RIVER GODAVARI AT POLAVARAM`, `GODAVARI AT …`, `KRISHNA RIVER AT …`, `YAMUNA D/S OF …`,
/// `D/S OF RUPNARAYAN AT …`, `… ON RIVER DWARKA` → `Godavari` … `Dwarka`; `LIDDER NALLAH NEAR
/// …` → `Lidder Nallah`. `None` when the text names only a place. A heuristic: spellings are
/// kept as published (`Satluj` and `Sutlej` stay apart).
pub fn river_of(location: &str) -> Option<String> {
    let mut text = tidy(location).to_uppercase();
    // "RIVER, TLAWNG …" and "RIVER RIVER SONE …"
    while let Some(rest) = text
        .strip_prefix("RIVER")
        .filter(|r| r.starts_with([',', ' ']))
    {
        let rest = rest.trim_start_matches([',', ' ']);
        if !rest.starts_with("RIVER") {
            text = format!("RIVER {rest}");
            break;
        }
        text = rest.to_string();
    }
    primary(&text).or_else(|| fallback(&text))
}

/// The usual form: `[D/S] [RIVER] NAME [RIVER] <stop word> …` in the text before the first comma.
fn primary(text: &str) -> Option<String> {
    let head = text.split([',', '(', ')', ';', ':']).next().unwrap_or("");
    let lone = head.len() == text.len() && head.split_whitespace().count() == 1;
    let toks = tokens(head);
    let mut toks: &[String] = &toks;
    while toks.first().is_some_and(|t| listed(POSITIONS, t.as_str())) {
        toks = &toks[1..];
    }
    let explicit = toks.first().is_some_and(|t| is_river_word(t));
    if explicit {
        toks = &toks[1..];
    }
    let (name, stop) = name_run(toks);
    shape(&name, stop, lone && !explicit)
}

/// Other forms, tried when the text does not start with the river: `… RIVER X …`,
/// `… X RIVER …`, `… ON X`, `D/S OF X AT …`.
fn fallback(text: &str) -> Option<String> {
    let spaced: String = text
        .chars()
        .flat_map(|c| {
            if ",;:()".contains(c) {
                vec![' ', ',', ' ']
            } else {
                vec![c]
            }
        })
        .collect();
    let toks = tokens(&spaced);
    let plain = |i: usize| {
        toks.get(i)
            .is_some_and(|t| !is_stop(t) && !is_river_word(t))
    };
    for i in 0..toks.len() {
        if is_river_word(&toks[i])
            && plain(i + 1)
            && let Some(r) = primary(&format!("RIVER {}", toks[i + 1..].join(" ")))
        {
            return Some(r);
        }
    }
    if let Some(i) = (1..toks.len()).find(|&i| is_river_word(&toks[i]) && plain(i - 1)) {
        return Some(title_case(&toks[i - 1]));
    }
    let on = (0..toks.len())
        .find(|&i| toks[i] == "ON" && plain(i + 1) && toks.get(i + 2).is_none_or(|t| t == ","));
    if let Some(i) = on {
        return Some(title_case(&toks[i + 1]));
    }
    let mut rest: &[String] = &toks;
    if rest.first().is_some_and(|t| is_river_word(t)) {
        rest = &rest[1..];
    }
    if rest.len() > 2 && listed(POSITIONS, rest[0].as_str()) && rest[1] == "OF" {
        rest = &rest[2..];
        if rest.first().is_some_and(|t| is_river_word(t)) {
            rest = &rest[1..];
        }
        let (name, stop) = name_run(rest);
        // "D/S OF KR NAGAR BRIDGE", "D/S OF KUSHALANAGAR TOWN" name places, not rivers.
        let place = ["TOWN", "BRIDGE", "BDG", "ROAD", "RD", "ON"];
        let named = stop.is_some_and(|s| !place.contains(&s));
        return named.then(|| shape(&name, stop, false)).flatten();
    }
    None
}

/// Whitespace tokens, with markers glued to names split off (`CAUVERYD/S`, `GODAVARI-D/S`,
/// `R.BETWA`) and a hyphen kept inside names (`MULA-MUTHA`).
fn tokens(head: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in head.split_whitespace() {
        if raw == "-" {
            out.push("-".to_string());
            continue;
        }
        let parts: Vec<&str> = raw.split('-').filter(|p| !p.is_empty()).collect();
        let glued = parts.len() > 1
            && parts.iter().any(|p| {
                let w = p.trim_matches(['.', '/']);
                listed(STOPS, w) || is_river_word(w) || p.contains('/')
            });
        if glued {
            parts.iter().for_each(|p| push_token(&mut out, p));
        } else {
            push_token(&mut out, raw);
        }
    }
    out
}

fn push_token(out: &mut Vec<String>, raw: &str) {
    let t = raw.trim_matches(['.', ':', '-']);
    let alpha = |s: &str| s.len() >= 3 && s.chars().all(|c| c.is_ascii_alphabetic());
    if let Some(rest) = t.strip_prefix("R.").filter(|r| alpha(r)) {
        out.extend(["RIVER".to_string(), rest.to_string()]);
        return;
    }
    if t.contains('/') {
        for pos in ["D/S", "U/S"] {
            if let Some(name) = t.strip_suffix(pos).filter(|n| alpha(n)) {
                out.extend([name.to_string(), pos.to_string()]);
                return;
            }
        }
        // "NADI/" is a name with a stray slash; "A/C", "B/C", "W/S" are markers.
        let inner = t.trim_matches('/');
        if !inner.is_empty() {
            out.push(if inner.contains('/') { t } else { inner }.to_string());
        }
        return;
    }
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

/// The words before the first stop word, and that stop word.
fn name_run(toks: &[String]) -> (Vec<&str>, Option<&str>) {
    let mut name = Vec::new();
    for t in toks {
        if is_river_word(t) || is_stop(t) {
            return (name, Some(t.as_str()));
        }
        name.push(t.as_str());
    }
    (name, None)
}

/// How many of the name words are the river: a water-body word ends the name, a `RIVER`
/// after it allows up to three words, a known prefix two; otherwise only the first word
/// (the rest is usually a place: `NARMADA LALPUR`).
fn shape(name: &[&str], stop: Option<&str>, lone: bool) -> Option<String> {
    let first = *name.first()?;
    let keep = if listed(LEADING_WATER, first) && name.len() > 1 {
        2
    } else if let Some(i) = name.iter().skip(1).position(|w| listed(WATER, w)) {
        i + 2
    } else if stop.is_some_and(is_river_word) {
        name.len().min(3)
    } else if listed(PREFIXES, first) && name.len() > 1 {
        if name.len() > 2 && listed(PREFIXES, name[1]) {
            3
        } else {
            2
        }
    } else if lone {
        return None; // a lone word with no river context is a place ("FARRUKABAD")
    } else {
        1
    };
    let words = &name[..keep];
    if words.len() == 1 && listed(WATER, first) {
        return None;
    }
    Some(title_case(&words.join(" ")))
}

/// `MULA-MUTHA` → `Mula-Mutha`.
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rivers_are_read_from_real_locations() {
        let cases = [
            ("RIVER GODAVARI AT POLAVARAM (V and M)", Some("Godavari")),
            (
                "RIVER GODAVARI AFTER CONFLUENCE WITH SABARI TRIBUTARY (KUNAVARAM) AT WADDIGUDEM(V) V.R. PURAM (M)",
                Some("Godavari"),
            ),
            (
                "GODAVARI AT RAJAHMUNDRY U/s, KUMARADEVAM, EAST GODAVARI",
                Some("Godavari"),
            ),
            (
                "RIVER GANGA AT DAKSHMINESHWAR, KOLKATA, WEST BENGAL",
                Some("Ganga"),
            ),
            ("YAMUNA AT HAMIRPUR", Some("Yamuna")),
            ("RIVER YAMUNA D/S SUN PHARMACEUTICALS", Some("Yamuna")),
            ("KOYNA RIVER AT KARAD, SATARA", Some("Koyna")),
            (
                "MULA-MUTHA RIVER AT D/S OF THEUR, HAWELI, PUNE",
                Some("Mula-Mutha"),
            ),
            (
                "RIVER MULA-MUTHA AT MUNDHAWA BRIDGE,VILLAGE- MUNDHAWA,TALUKA- HAWELI,DISTRICT- PUNE.",
                Some("Mula-Mutha"),
            ),
            (
                "BURHI GANDAK AT LAL BAGLA GHAT, MOTIHARI DHAKA ROAD, EAST CHAMPARAN",
                Some("Burhi Gandak"),
            ),
            ("LIDDER NALLAH NERA BUMZOO, ANANTNAG", Some("Lidder Nallah")),
            ("KHAROON A/C KHAPRI DRAIN", Some("Kharoon")),
            (
                "D/S OF RUPNARAYAN AT KOLAGHAT, NEAR KOLAGHAT RAIL BRIDGE NO.3",
                Some("Rupnarayan"),
            ),
            (
                "WATER INTAKE POINT FOR SURI TOWN ON RIVER MAYURAKSHI",
                Some("Mayurakshi"),
            ),
            ("CAUVERYD/S SRI RANGAPATTANNA, OF ROAD BDG", Some("Cauvery")),
            (
                "RIVER GANGAÂ B/C GOMTI RIVER AT BALUA GHAT BRIDGE, VARANASI",
                Some("Ganga"),
            ),
            (
                "SHUKRA TAL, MUZAFFARNAGAR, NEAR GANGA RIVER",
                Some("Shukra Tal"),
            ),
            ("PATALGANGA AT SHILPHATA, MAHARASHTRA", Some("Patalganga")),
            ("RIVER NEAR NEWTA DAM,JAIPUR,RAJSTHAN", None),
            ("FARRUKABAD", None),
        ];
        for (text, want) in cases {
            assert_eq!(river_of(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn names_are_tidied() {
        assert_eq!(
            tidy("  RIVER PANAM AT   LUNAWADA, "),
            "RIVER PANAM AT LUNAWADA"
        );
        assert_eq!(tidy("KOLAGHAT,MEDINIPOREÂ€"), "KOLAGHAT,MEDINIPORE");
        assert_eq!(tidy("NAN"), "");
        assert_eq!(station_code("4359.0").as_deref(), Some("4359"));
        assert_eq!(station_code(" NAN "), None);
    }

    #[test]
    fn the_bundled_catalogue_lists_the_nwmp_stations() {
        let t = std::time::Instant::now();
        let cat = Catalogue::bundled().unwrap();
        eprintln!(
            "bundled catalogue: {} stations parsed in {:?}",
            cat.len(),
            t.elapsed()
        );
        assert_eq!(cat.len(), 1804, "every non-empty station code once");
        let s = cat.get("NWMP-4359").unwrap();
        assert_eq!(cat.get("4359").unwrap().id, s.id);
        assert_eq!(cat.get("nwmp-4359").unwrap().id, s.id);
        assert_eq!(s.code, "4359");
        assert_eq!(
            s.name,
            "RIVER GODAVARI AFTER CONFLUENCE WITH SABARI TRIBUTARY (KUNAVARAM) AT WADDIGUDEM(V) V.R. PURAM (M)"
        );
        assert_eq!(s.river.as_deref(), Some("Godavari"));
        assert_eq!(s.state, "Andhra Pradesh");
        assert_eq!(s.sources, [SOURCE]);
        assert_eq!(s.years.last(), Some(&2023));
        // 1013 has a stray Bihar row in 2020; its name and state come from 2023.
        let s = cat.get("1013").unwrap();
        assert_eq!(
            (s.state.as_str(), s.river.as_deref()),
            ("Himachal Pradesh", Some("Sutlej"))
        );
        assert_eq!(
            s.years,
            [
                2012, 2013, 2014, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023
            ]
        );
        let states = cat.states();
        assert!(
            states.iter().any(|(n, c)| n == "Maharashtra" && *c > 100),
            "{states:?}"
        );
        assert_eq!(states.iter().map(|(_, c)| c).sum::<usize>(), 1804);
        let rivers = cat.rivers();
        let with_river: usize = rivers.iter().map(|(_, c)| c).sum();
        assert!(with_river > 1700, "{with_river} stations with a river");
        assert!(rivers.iter().any(|(n, c)| n == "Godavari" && *c > 30));
    }

    #[test]
    fn search_filters_and_ranks() {
        let cat = Catalogue::bundled().unwrap();
        let q = |text: &str, state: &str, river: &str, limit| Query {
            text: Some(text.to_string()).filter(|t| !t.is_empty()),
            state: Some(state.to_string()).filter(|t| !t.is_empty()),
            river: Some(river.to_string()).filter(|t| !t.is_empty()),
            limit,
        };
        let hits = cat.search(&q("godavari polavaram", "", "", 0));
        assert!(hits.iter().any(|s| s.id == "NWMP-14"), "{hits:?}");
        assert!(
            hits.iter()
                .all(|s| s.name.to_lowercase().contains("polavaram"))
        );
        let pune = cat.search(&q("", "MAHARASHTRA", "mula-mutha", 0));
        assert!(pune.iter().any(|s| s.id == "NWMP-2677"));
        assert!(pune.iter().all(|s| s.state == "Maharashtra"));
        assert_eq!(
            cat.search(&q("14", "", "", 3)).first().unwrap().id,
            "NWMP-14",
            "exact code first"
        );
        assert_eq!(cat.search(&q("", "", "", 5)).len(), 5);
        assert!(
            cat.search(&q("no such station anywhere", "", "", 0))
                .is_empty()
        );
    }

    #[test]
    fn live_stations_are_merged_in() {
        let mut cat = Catalogue::bundled().unwrap();
        let n = cat.len();
        let live = [
            SourceStation {
                id: "NWMP-4359".into(),
                name: "ignored: the NWMP name is kept".into(),
                lat: Some(17.6),
                lon: Some(81.3),
                ..SourceStation::default()
            },
            SourceStation {
                id: "UT67".into(),
                name: "Ganga at Rishikesh".into(),
                river: Some("Ganga".into()),
                state: Some("Uttarakhand".into()),
                ..SourceStation::default()
            },
        ];
        cat.merge("cpcb_rtwqms", &live);
        cat.merge("cpcb_rtwqms", &live);
        assert_eq!(cat.len(), n + 1);
        let s = cat.get("4359").unwrap();
        assert_eq!(s.sources, ["cpcb_nwmp", "cpcb_rtwqms"]);
        assert!(s.name.starts_with("RIVER GODAVARI"));
        let s = cat.get("UT67").unwrap();
        assert_eq!((s.code.as_str(), s.state.as_str()), ("UT67", "Uttarakhand"));
        assert_eq!(s.river.as_deref(), Some("Ganga"));
        assert_eq!(cat.iter().last().unwrap().id, "UT67", "NWMP stations first");
        assert!(
            cat.search(&Query {
                river: Some("ganga".into()),
                ..Query::default()
            })
            .iter()
            .any(|s| s.id == "UT67")
        );
    }

    #[test]
    fn other_layouts_feed_the_catalogue() {
        let file = include_bytes!("../../tests/fixtures/sources/nwmp/cpcb_datax_sample.csv");
        let cat = Catalogue::from_csv(&file[..]).unwrap();
        assert_eq!(cat.len(), 4);
        let s = cat.get("1151").unwrap();
        assert_eq!(s.years, [2010, 2013, 2014]);
        assert_eq!(s.river.as_deref(), Some("Patalganga"));
        assert!(matches!(
            Catalogue::from_csv(&b"a,b\n1,2\n"[..]),
            Err(ParseError::Shape { .. })
        ));
    }
}
