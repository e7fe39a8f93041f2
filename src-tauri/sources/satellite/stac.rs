//! STAC item search for Sentinel-2 L2A (sources.md §6.2–6.4): the POST body, the FeatureCollection
//! parser and the effective scale/offset of each band.
//!
//! Earth Search (`earthsearch:boa_offset_applied: true`) already harmonised the pixels, so its
//! `raster:bands` offset of −0.1 must not be applied again. Planetary Computer items are not
//! harmonised: from processing baseline 04.00 on, 1000 DN are subtracted from reflectance bands
//! (never SCL, AOT, WVP) before scaling.

use crate::sources::lenient::{json_body, number, text};
use crate::sources::types::ParseError;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a page or an item could not be read.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum StacError {
    #[error(transparent)]
    Payload(#[from] ParseError),
    #[error("not a STAC FeatureCollection: {0}")]
    NotFeatureCollection(String),
    #[error("missing field {field} in item {item}")]
    MissingField { field: String, item: String },
    #[error("invalid field {field} in item {item}: {reason}")]
    InvalidField {
        field: String,
        item: String,
        reason: String,
    },
    #[error("invalid search: {0}")]
    InvalidSearch(String),
}

/// Mean Earth radius along a meridian per degree of latitude is 110.57–111.69 km; the smaller
/// value makes the box slightly larger, never smaller, than the buffer.
const METRES_PER_DEG_LAT: f64 = 110_574.0;
/// One degree of longitude at the equator (WGS84).
const METRES_PER_DEG_LON_EQ: f64 = 111_320.0;

/// What to search for around one station.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    pub collections: Vec<String>,
    pub lon: f64,
    pub lat: f64,
    /// Half-width of the box around the point, in metres.
    pub buffer_m: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Items with `eo:cloud_cover` below this (whole-tile, percent).
    pub max_cloud_cover: f64,
    pub limit: u32,
}

/// `[minLon, minLat, maxLon, maxLat]` around a point, rounded outwards to 1e-6° (≈ 0.1 m).
pub fn bbox_around(lon: f64, lat: f64, buffer_m: f64) -> [f64; 4] {
    let dlat = buffer_m / METRES_PER_DEG_LAT;
    // Near the poles cos(lat) → 0; clamp so the box stays finite (S2 has no data past 84°).
    let dlon = buffer_m / (METRES_PER_DEG_LON_EQ * lat.to_radians().cos().max(0.01));
    let down = |v: f64| (v * 1e6).floor() / 1e6;
    let up = |v: f64| (v * 1e6).ceil() / 1e6;
    [
        down((lon - dlon).max(-180.0)),
        down((lat - dlat).max(-90.0)),
        up((lon + dlon).min(180.0)),
        up((lat + dlat).min(90.0)),
    ]
}

/// The item-search POST body (`samples/stac_search_request.json`), cheapest cloud cover first.
pub fn search_body(p: &SearchParams) -> Result<Value, StacError> {
    if p.collections.is_empty() {
        return Err(StacError::InvalidSearch("no collection".into()));
    }
    if !(p.lon.is_finite() && p.lat.is_finite()) || p.lat.abs() > 90.0 || p.lon.abs() > 180.0 {
        return Err(StacError::InvalidSearch(format!(
            "point {} {} is not a WGS84 lon/lat",
            p.lon, p.lat
        )));
    }
    if !(p.buffer_m.is_finite() && p.buffer_m > 0.0) {
        return Err(StacError::InvalidSearch(format!(
            "buffer {} m must be positive",
            p.buffer_m
        )));
    }
    if p.end < p.start {
        return Err(StacError::InvalidSearch("end before start".into()));
    }
    let datetime = format!(
        "{}/{}",
        p.start.to_rfc3339_opts(SecondsFormat::Secs, true),
        p.end.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    Ok(json!({
        "collections": p.collections,
        "bbox": bbox_around(p.lon, p.lat, p.buffer_m),
        "datetime": datetime,
        "query": {"eo:cloud_cover": {"lt": p.max_cloud_cover}},
        "sortby": [{"field": "properties.eo:cloud_cover", "direction": "asc"}],
        "limit": p.limit,
    }))
}

/// Sentinel-2 MSI bands and L2A products, whatever the catalogue calls the asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    B01,
    B02,
    B03,
    B04,
    B05,
    B06,
    B07,
    B08,
    B8A,
    B09,
    B11,
    B12,
    Scl,
    Aot,
    Wvp,
}

impl Band {
    /// Earth Search (`red`, `nir08`, `scl`) and Planetary Computer (`B04`, `B8A`, `SCL`) keys.
    /// The `*-jp2` twins and previews are not bands we read.
    pub fn from_asset_key(key: &str) -> Option<Band> {
        Some(match key {
            "coastal" | "B01" => Band::B01,
            "blue" | "B02" => Band::B02,
            "green" | "B03" => Band::B03,
            "red" | "B04" => Band::B04,
            "rededge1" | "B05" => Band::B05,
            "rededge2" | "B06" => Band::B06,
            "rededge3" | "B07" => Band::B07,
            "nir" | "B08" => Band::B08,
            "nir08" | "B8A" => Band::B8A,
            "nir09" | "B09" => Band::B09,
            "swir16" | "B11" => Band::B11,
            "swir22" | "B12" => Band::B12,
            "scl" | "SCL" => Band::Scl,
            "aot" | "AOT" => Band::Aot,
            "wvp" | "WVP" => Band::Wvp,
            _ => return None,
        })
    }

    /// Surface-reflectance bands, the only ones the baseline-04.00 offset applies to.
    pub fn is_reflectance(self) -> bool {
        !matches!(self, Band::Scl | Band::Aot | Band::Wvp)
    }
}

/// One asset of an item (a COG).
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// The key as published (`red` or `B04`).
    pub key: String,
    pub href: String,
    /// `proj:transform` `[a, b, c, d, e, f]`: x = a·col + b·row + c, y = d·col + e·row + f.
    pub transform: Option<[f64; 6]>,
    /// `proj:shape` `[rows, cols]`.
    pub shape: Option<[u64; 2]>,
    /// From the first `raster:bands` entry.
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    pub nodata: Option<f64>,
}

/// One Sentinel-2 L2A scene.
#[derive(Debug, Clone, PartialEq)]
pub struct StacItem {
    pub id: String,
    pub collection: Option<String>,
    pub datetime: DateTime<Utc>,
    pub platform: Option<String>,
    /// Whole-tile cloud cover in percent; always recompute validity on the station window.
    pub cloud_cover: Option<f64>,
    /// `s2:processing_baseline`, e.g. `"05.09"`.
    pub processing_baseline: Option<String>,
    /// `earthsearch:boa_offset_applied`; absent on Planetary Computer.
    pub boa_offset_applied: Option<bool>,
    /// From `proj:epsg` or `proj:code` `"EPSG:32643"`.
    pub epsg: Option<u32>,
    pub assets: BTreeMap<Band, Asset>,
}

/// DN → physical value for one band after the provider rules: `value = (DN + dn_offset)·scale + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    pub scale: f64,
    /// Added to the DN before scaling (−1000 for un-harmonised baseline ≥ 04.00 data).
    pub dn_offset: f64,
    pub offset: f64,
    pub nodata: Option<f64>,
}

impl Scaling {
    /// `None` for the nodata value; dark water may come out negative (kept, not clipped).
    pub fn apply(&self, dn: u16) -> Option<f64> {
        let v = f64::from(dn);
        if self.nodata == Some(v) {
            return None;
        }
        Some((v + self.dn_offset) * self.scale + self.offset)
    }
}

/// Parses `"05.09"` into `(5, 9)`.
fn baseline_parts(s: &str) -> Option<(u32, u32)> {
    let (major, minor) = s.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

impl StacItem {
    /// Whether the baseline is 04.00 or later (the −1000 DN BOA_ADD_OFFSET era).
    pub fn baseline_at_least_4(&self) -> Option<bool> {
        self.processing_baseline
            .as_deref()
            .and_then(baseline_parts)
            .map(|p| p >= (4, 0))
    }

    /// The scaling to apply to `band`'s DNs (sources.md §6.4).
    pub fn scaling(&self, band: Band) -> Option<Scaling> {
        let asset = self.assets.get(&band)?;
        let nodata = asset.nodata.or(Some(0.0));
        if !band.is_reflectance() {
            // SCL is a class, AOT/WVP have their own scale; no BOA offset ever.
            return Some(Scaling {
                scale: asset.scale.unwrap_or(1.0),
                dn_offset: 0.0,
                offset: asset.offset.unwrap_or(0.0),
                nodata,
            });
        }
        let scale = asset.scale.unwrap_or(1e-4);
        let (dn_offset, offset) = match self.boa_offset_applied {
            // Earth Search harmonised: raster:bands still says −0.1, but it is already applied.
            Some(true) => (0.0, 0.0),
            // Earth Search, not harmonised: raster:bands carries the right offset.
            Some(false) => (0.0, asset.offset.unwrap_or(0.0)),
            // Planetary Computer: the offset is not in the metadata, the baseline says it.
            None if self.baseline_at_least_4() == Some(true) => (-1000.0, 0.0),
            None => (0.0, asset.offset.unwrap_or(0.0)),
        };
        Some(Scaling {
            scale,
            dn_offset,
            offset,
            nodata,
        })
    }
}

/// The next-page link, to be followed verbatim (its body carries the provider's paging token).
#[derive(Debug, Clone, PartialEq)]
pub struct NextLink {
    pub href: String,
    /// `GET` when absent.
    pub method: String,
    pub body: Option<Value>,
    /// STAC API `merge`: the body is merged into the previous request body.
    pub merge: bool,
}

/// One page of search results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemPage {
    pub items: Vec<StacItem>,
    pub next: Option<NextLink>,
    pub number_matched: Option<u64>,
    /// Items that could not be read, with the reason.
    pub skipped: Vec<StacError>,
}

impl NextLink {
    /// The body of the next POST request: the link body, merged into `previous` when asked.
    pub fn request_body(&self, previous: &Value) -> Option<Value> {
        let body = self.body.clone()?;
        if !self.merge {
            return Some(body);
        }
        let mut merged = previous.clone();
        if let (Some(m), Value::Object(b)) = (merged.as_object_mut(), body) {
            m.extend(b);
        }
        Some(merged)
    }
}

/// Parses a STAC FeatureCollection page. Bad items are skipped with a named reason.
pub fn parse_items(body: &[u8]) -> Result<ItemPage, StacError> {
    let v = json_body(body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| StacError::NotFeatureCollection("not an object".into()))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        // A STAC error answer is `{"code": …, "description": …}`.
        let what = obj
            .get("description")
            .and_then(text)
            .unwrap_or_else(|| "no type FeatureCollection".into());
        return Err(StacError::NotFeatureCollection(what));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| StacError::NotFeatureCollection("no features array".into()))?;
    let mut page = ItemPage {
        number_matched: obj
            .get("numberMatched")
            .or_else(|| obj.get("context").and_then(|c| c.get("matched")))
            .and_then(Value::as_u64),
        next: obj.get("links").and_then(next_link),
        ..ItemPage::default()
    };
    for (i, f) in features.iter().enumerate() {
        match parse_item(f, i) {
            Ok(item) => page.items.push(item),
            Err(e) => page.skipped.push(e),
        }
    }
    Ok(page)
}

fn next_link(links: &Value) -> Option<NextLink> {
    let link = links
        .as_array()?
        .iter()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some("next"))?;
    Some(NextLink {
        href: link.get("href").and_then(Value::as_str)?.to_string(),
        method: link
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase(),
        body: link.get("body").cloned(),
        merge: link.get("merge").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Parses one Feature; `index` names it in errors when it has no id.
pub fn parse_item(f: &Value, index: usize) -> Result<StacItem, StacError> {
    let id = f
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| StacError::MissingField {
            field: "id".into(),
            item: format!("#{index}"),
        })?;
    let missing = |field: &str| StacError::MissingField {
        field: field.into(),
        item: id.clone(),
    };
    let invalid = |field: &str, reason: String| StacError::InvalidField {
        field: field.into(),
        item: id.clone(),
        reason,
    };
    let props = f
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("properties"))?;
    // STAC allows `datetime: null` with a range; the range start is the acquisition then.
    let dt_text = props
        .get("datetime")
        .and_then(Value::as_str)
        .or_else(|| props.get("start_datetime").and_then(Value::as_str))
        .ok_or_else(|| missing("properties.datetime"))?;
    let datetime = DateTime::parse_from_rfc3339(dt_text)
        .map_err(|e| invalid("properties.datetime", format!("{dt_text:?}: {e}")))?
        .with_timezone(&Utc);
    let epsg = match (props.get("proj:epsg"), props.get("proj:code")) {
        (Some(v), _) if !v.is_null() => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| invalid("properties.proj:epsg", v.to_string()))?,
        ),
        (_, Some(Value::String(code))) => Some(
            code.strip_prefix("EPSG:")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| invalid("properties.proj:code", code.clone()))?,
        ),
        _ => None,
    };
    let raw_assets = f
        .get("assets")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("assets"))?;
    let mut assets = BTreeMap::new();
    for (key, a) in raw_assets {
        let Some(band) = Band::from_asset_key(key) else {
            continue;
        };
        assets.insert(band, parse_asset(key, a, &id)?);
    }
    Ok(StacItem {
        collection: f.get("collection").and_then(text),
        datetime,
        platform: props.get("platform").and_then(text),
        cloud_cover: props.get("eo:cloud_cover").and_then(number),
        processing_baseline: props.get("s2:processing_baseline").and_then(text),
        boa_offset_applied: props
            .get("earthsearch:boa_offset_applied")
            .and_then(Value::as_bool),
        epsg,
        assets,
        id,
    })
}

fn numbers<const N: usize>(v: &Value) -> Option<[f64; N]> {
    let arr = v.as_array()?;
    // proj:transform may carry the full 3×3 matrix (9 values); the first six are the affine.
    if arr.len() < N {
        return None;
    }
    let mut out = [0.0; N];
    for (o, x) in out.iter_mut().zip(arr) {
        *o = x.as_f64()?;
    }
    Some(out)
}

fn parse_asset(key: &str, a: &Value, item: &str) -> Result<Asset, StacError> {
    let field = |name: &str| format!("assets.{key}.{name}");
    let obj: &Map<String, Value> = a.as_object().ok_or_else(|| StacError::InvalidField {
        field: format!("assets.{key}"),
        item: item.into(),
        reason: "not an object".into(),
    })?;
    let href = obj
        .get("href")
        .and_then(Value::as_str)
        .ok_or_else(|| StacError::MissingField {
            field: field("href"),
            item: item.into(),
        })?;
    let invalid = |name: &str, v: &Value| StacError::InvalidField {
        field: field(name),
        item: item.into(),
        reason: v.to_string(),
    };
    let transform = match obj.get("proj:transform") {
        Some(v) => Some(numbers::<6>(v).ok_or_else(|| invalid("proj:transform", v))?),
        None => None,
    };
    let shape = match obj.get("proj:shape") {
        Some(v) => {
            let s = numbers::<2>(v)
                .filter(|s| s.iter().all(|x| *x >= 0.0 && x.fract() == 0.0))
                .ok_or_else(|| invalid("proj:shape", v))?;
            Some([s[0] as u64, s[1] as u64])
        }
        None => None,
    };
    let rb = obj
        .get("raster:bands")
        .and_then(Value::as_array)
        .and_then(|b| b.first());
    let get = |name: &str| rb.and_then(|b| b.get(name)).and_then(number);
    Ok(Asset {
        key: key.into(),
        href: href.into(),
        transform,
        shape,
        scale: get("scale"),
        offset: get("offset"),
        nodata: get("nodata"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const EARTH_SEARCH: &[u8] =
        include_bytes!("../../../tests/fixtures/sources/stac_earthsearch_items.json");

    fn params() -> SearchParams {
        SearchParams {
            collections: vec!["sentinel-2-l2a".into()],
            lon: 73.8567,
            lat: 18.5204,
            buffer_m: 500.0,
            start: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2024, 3, 31, 23, 59, 59).unwrap(),
            max_cloud_cover: 20.0,
            limit: 10,
        }
    }

    #[test]
    fn search_body_matches_the_reference_sample_shape() {
        let b = search_body(&params()).unwrap();
        assert_eq!(b["collections"], json!(["sentinel-2-l2a"]));
        assert_eq!(b["datetime"], "2024-01-01T00:00:00Z/2024-03-31T23:59:59Z");
        assert_eq!(b["query"], json!({"eo:cloud_cover": {"lt": 20.0}}));
        assert_eq!(
            b["sortby"],
            json!([{"field": "properties.eo:cloud_cover", "direction": "asc"}])
        );
        assert_eq!(b["limit"], 10);
        let bbox: Vec<f64> = serde_json::from_value(b["bbox"].clone()).unwrap();
        // 500 m is 0.004522° of latitude; at 18.52° N (cos = 0.94821), 0.004737° of longitude.
        assert!((bbox[1] - (18.5204 - 0.004522)).abs() < 2e-6, "{bbox:?}");
        assert!((bbox[3] - (18.5204 + 0.004522)).abs() < 2e-6);
        assert!((bbox[0] - (73.8567 - 0.004737)).abs() < 2e-6);
        assert!((bbox[2] - (73.8567 + 0.004737)).abs() < 2e-6);
    }

    #[test]
    fn search_body_rejects_nonsense() {
        let mut p = params();
        p.collections.clear();
        assert!(matches!(search_body(&p), Err(StacError::InvalidSearch(_))));
        let mut p = params();
        p.buffer_m = 0.0;
        assert!(search_body(&p).is_err());
        let mut p = params();
        p.lat = 91.0;
        assert!(search_body(&p).is_err());
        let mut p = params();
        std::mem::swap(&mut p.start, &mut p.end);
        assert!(search_body(&p).is_err());
    }

    #[test]
    fn bbox_is_clamped_at_the_antimeridian() {
        let b = bbox_around(179.999, 0.0, 1000.0);
        assert_eq!(b[2], 180.0);
    }

    #[test]
    fn band_keys_from_both_catalogues_map_to_one_enum() {
        for (es, pc, band) in [
            ("red", "B04", Band::B04),
            ("green", "B03", Band::B03),
            ("rededge1", "B05", Band::B05),
            ("nir", "B08", Band::B08),
            ("nir08", "B8A", Band::B8A),
            ("scl", "SCL", Band::Scl),
        ] {
            assert_eq!(Band::from_asset_key(es), Some(band));
            assert_eq!(Band::from_asset_key(pc), Some(band));
        }
        assert_eq!(Band::from_asset_key("red-jp2"), None);
        assert_eq!(Band::from_asset_key("thumbnail"), None);
        assert!(!Band::Scl.is_reflectance());
    }

    #[test]
    fn parses_the_earth_search_fixture() {
        let page = parse_items(EARTH_SEARCH).unwrap();
        assert!(page.skipped.is_empty(), "{:?}", page.skipped);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.number_matched, Some(7));
        let a = &page.items[0];
        assert_eq!(a.id, "S2B_43QCA_20240115_0_L2A");
        assert_eq!(a.collection.as_deref(), Some("sentinel-2-l2a"));
        assert_eq!(a.platform.as_deref(), Some("sentinel-2b"));
        assert_eq!(a.epsg, Some(32643));
        assert_eq!(a.cloud_cover, Some(3.21));
        assert_eq!(a.boa_offset_applied, Some(true));
        assert_eq!(a.processing_baseline.as_deref(), Some("05.10"));
        assert_eq!(
            a.datetime,
            Utc.with_ymd_and_hms(2024, 1, 15, 5, 33, 41).unwrap()
                + chrono::TimeDelta::milliseconds(102)
        );
        let red = &a.assets[&Band::B04];
        assert_eq!(red.key, "red");
        assert!(red.href.ends_with("/B04.tif"));
        assert_eq!(
            red.transform,
            Some([10.0, 0.0, 300000.0, 0.0, -10.0, 2100000.0])
        );
        assert_eq!(red.shape, Some([10980, 10980]));
        assert_eq!(red.offset, Some(-0.1));
        assert_eq!(a.assets[&Band::Scl].shape, Some([5490, 5490]));
        // The jp2 twins and the thumbnail are not bands.
        assert_eq!(a.assets.len(), 6);

        // The second item uses `proj:code` and is not harmonised.
        let b = &page.items[1];
        assert_eq!(b.epsg, Some(32643));
        assert_eq!(b.boa_offset_applied, Some(false));

        let next = page.next.unwrap();
        assert_eq!(next.method, "POST");
        assert_eq!(
            next.href,
            "https://earth-search.aws.element84.com/v1/search"
        );
        let body = next
            .request_body(&json!({"limit": 2, "query": {"eo:cloud_cover": {"lt": 20}}}))
            .unwrap();
        assert_eq!(
            body["next"],
            "2023-12-21T05:33:49.024000Z,S2A_43QCA_20231221_0_L2A,sentinel-2-l2a"
        );
        // Followed verbatim: no merge asked, so nothing of the old body is kept.
        assert!(body.get("query").is_none());
        assert_eq!(body["limit"], 2);
    }

    #[test]
    fn effective_offset_follows_the_provider_rules() {
        let page = parse_items(EARTH_SEARCH).unwrap();
        // Harmonised Earth Search: raster:bands says −0.1, but it is already applied.
        let s = page.items[0].scaling(Band::B04).unwrap();
        assert_eq!(s.apply(1500), Some(0.15));
        assert_eq!(s.apply(0), None);
        // Not harmonised: the −0.1 applies.
        let s = page.items[1].scaling(Band::B04).unwrap();
        assert!((s.apply(1500).unwrap() - 0.05).abs() < 1e-12);
        // SCL is a class, never offset.
        let s = page.items[1].scaling(Band::Scl).unwrap();
        assert_eq!(s.apply(6), Some(6.0));
    }

    fn pc_item(baseline: &str) -> Value {
        json!({
            "type": "Feature", "id": "S2A_MSIL2A_20240115T053211_R105_T43QCA_20240115T093000",
            "collection": "sentinel-2-l2a",
            "properties": {"datetime": "2024-01-15T05:32:11.024Z", "platform": "Sentinel-2A",
                "eo:cloud_cover": 1.5, "s2:processing_baseline": baseline, "proj:epsg": 32643},
            "assets": {
                "B04": {"href": "https://sentinel2l2a01.blob.core.windows.net/x/B04_10m.tif",
                        "proj:transform": [10, 0, 300000, 0, -10, 2100000, 0, 0, 1],
                        "proj:shape": [10980, 10980]},
                "B8A": {"href": "https://sentinel2l2a01.blob.core.windows.net/x/B8A_20m.tif"},
                "SCL": {"href": "https://sentinel2l2a01.blob.core.windows.net/x/SCL_20m.tif"},
                "preview": {"href": "https://example.invalid/preview.png"}
            }
        })
    }

    #[test]
    fn planetary_computer_baseline_4_subtracts_1000_dn_except_scl() {
        let item = parse_item(&pc_item("05.10"), 0).unwrap();
        assert_eq!(item.boa_offset_applied, None);
        assert_eq!(
            item.assets[&Band::B04].transform,
            Some([10.0, 0.0, 300000.0, 0.0, -10.0, 2100000.0])
        );
        assert_eq!(item.assets.len(), 3);
        let s = item.scaling(Band::B04).unwrap();
        assert!((s.apply(1500).unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(item.scaling(Band::Scl).unwrap().apply(9), Some(9.0));
        // Before 04.00 there is no offset.
        let old = parse_item(&pc_item("03.01"), 0).unwrap();
        assert_eq!(old.baseline_at_least_4(), Some(false));
        assert!((old.scaling(Band::B8A).unwrap().apply(1500).unwrap() - 0.15).abs() < 1e-12);
        assert_eq!(old.scaling(Band::B05), None);
    }

    #[test]
    fn named_errors_for_bad_items() {
        let mut v = pc_item("05.10");
        v["properties"].as_object_mut().unwrap().remove("datetime");
        assert_eq!(
            parse_item(&v, 0).unwrap_err().to_string(),
            "missing field properties.datetime in item \
             S2A_MSIL2A_20240115T053211_R105_T43QCA_20240115T093000"
        );
        let mut v = pc_item("05.10");
        v["assets"]["B04"].as_object_mut().unwrap().remove("href");
        assert!(
            parse_item(&v, 0)
                .unwrap_err()
                .to_string()
                .starts_with("missing field assets.B04.href in item")
        );
        let mut v = pc_item("05.10");
        v.as_object_mut().unwrap().remove("id");
        assert_eq!(
            parse_item(&v, 3).unwrap_err().to_string(),
            "missing field id in item #3"
        );
        let mut v = pc_item("05.10");
        v["properties"]["proj:epsg"] = Value::Null;
        v["properties"]["proj:code"] = json!("EPSG:notanumber");
        assert!(matches!(
            parse_item(&v, 0),
            Err(StacError::InvalidField { .. })
        ));
    }

    #[test]
    fn a_bad_item_is_skipped_not_fatal() {
        let mut bad = pc_item("05.10");
        bad["properties"]["datetime"] = json!("yesterday");
        let page = json!({"type": "FeatureCollection", "features": [pc_item("05.10"), bad],
            "links": [{"rel": "next", "href": "https://x.invalid/search?token=abc"}]});
        let page = parse_items(page.to_string().as_bytes()).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.skipped.len(), 1);
        assert!(page.skipped[0].to_string().contains("properties.datetime"));
        let next = page.next.unwrap();
        assert_eq!(next.method, "GET");
        assert_eq!(next.body, None);
    }

    #[test]
    fn merge_links_merge_into_the_previous_body() {
        let link = NextLink {
            href: "https://x.invalid/search".into(),
            method: "POST".into(),
            body: Some(json!({"token": "next:abc"})),
            merge: true,
        };
        let b = link
            .request_body(&json!({"limit": 10, "token": "old"}))
            .unwrap();
        assert_eq!(b, json!({"limit": 10, "token": "next:abc"}));
    }

    #[test]
    fn not_a_feature_collection() {
        let e = parse_items(br#"{"code": "BadRequest", "description": "bbox is invalid"}"#);
        assert_eq!(
            e.unwrap_err().to_string(),
            "not a STAC FeatureCollection: bbox is invalid"
        );
        assert!(matches!(
            parse_items(b"<html><title>502 Bad Gateway</title></html>"),
            Err(StacError::Payload(ParseError::Html(_)))
        ));
    }
}
