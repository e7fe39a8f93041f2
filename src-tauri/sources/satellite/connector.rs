//! The Sentinel-2 connector: for each located station, a STAC item search around it, then for
//! each scene not yet evaluated the few COG tiles under the station (HTTP Range), the water mask
//! and the per-station medians, stored as [`SatelliteRow`]s with the scene id, acquisition time,
//! cloud cover, valid-pixel count, adjacency flag and algorithm id.
//!
//! Satellite values are a context layer: they are not readings, so they never feed QC, alarms,
//! forecasts or the source-priority pick of a station's current value.

use super::cog::{self, ByteStore, Layout, PixelWindow, Plan, Window};
use super::stac::{self, Band, SearchParams, StacItem};
use super::water::{self, AggregationOptions, Scene};
use crate::sources::http::{FetchError, HttpClient};
use crate::sources::runner::{Batch, Source, SourceError};
use crate::sources::settings::{SatelliteOptions, SourceConfig};
use crate::sources::types::ParseError;
use crate::store::SatelliteRow;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// Provenance name of the connector.
pub const SOURCE: &str = "sentinel2_stac";
/// Result pages followed per search at most.
const MAX_PAGES: usize = 5;
/// Items asked for per page.
const PAGE_LIMIT: u32 = 50;
/// Rounds of header/IFD reads before a COG is declared unreadable.
const MAX_HEADER_ROUNDS: usize = 4;

/// Why one scene could not be evaluated at one station.
#[derive(Debug, Error)]
pub enum SceneError {
    #[error("no `{0:?}` asset with proj:transform and proj:shape")]
    MissingAsset(Band),
    #[error("no proj:epsg / proj:code")]
    NoEpsg,
    #[error("the station is outside the scene's {0:?} grid")]
    Outside(Band),
    #[error("{band:?}: {source}")]
    Cog {
        band: Band,
        source: super::cog::CogError,
    },
    #[error("{band:?}: {source}")]
    Fetch { band: Band, source: FetchError },
    #[error(transparent)]
    Utm(#[from] super::utm::UtmError),
    #[error(transparent)]
    Water(#[from] water::WaterError),
}

impl SceneError {
    /// A network failure is worth retrying on the next poll; a malformed scene is not.
    fn retry_later(&self) -> bool {
        matches!(self, SceneError::Fetch { .. })
    }
}

/// A Planetary Computer SAS token for one collection.
#[derive(Debug, Clone, PartialEq)]
pub struct SasToken {
    pub token: String,
    pub expires: DateTime<Utc>,
}

/// Reads `{"msft:expiry": "…Z", "token": "se=…&sig=…"}`.
pub fn parse_sas_token(body: &[u8]) -> Result<SasToken, ParseError> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    let token = v
        .get("token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ParseError::Shape {
            expected: "a `token` string".into(),
            found: crate::sources::lenient::snippet(&v.to_string()),
        })?;
    let expires = v
        .get("msft:expiry")
        .and_then(|t| t.as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| ParseError::Shape {
            expected: "an RFC 3339 `msft:expiry`".into(),
            found: crate::sources::lenient::snippet(&v.to_string()),
        })?;
    Ok(SasToken {
        token: token.trim().trim_start_matches('?').to_string(),
        expires: expires.with_timezone(&Utc),
    })
}

/// `href` with a SAS token appended.
pub fn sign(href: &str, token: &str) -> String {
    let sep = if href.contains('?') { '&' } else { '?' };
    format!("{href}{sep}{token}")
}

/// Half-width in metres of the window read on every band: the 20 m NDCI grid's reach plus one
/// 20 m pixel, so the 10 m sub-pixels of every evaluated 20 m pixel are there too.
fn read_half_width_m(opts: &AggregationOptions) -> f64 {
    f64::from(opts.reach_px() + 1) * 20.0 + 10.0
}

/// The pixel window of `asset` around map point (x, y) covering `half_m` metres.
fn window_for(
    asset: &stac::Asset,
    band: Band,
    x: f64,
    y: f64,
    half_m: f64,
) -> Result<Window, SceneError> {
    let (Some(t), Some(shape)) = (asset.transform, asset.shape) else {
        return Err(SceneError::MissingAsset(band));
    };
    let px = t[0].abs().max(t[4].abs()).max(1e-6);
    let reach = (half_m / px).ceil() as u32 + 1;
    water::window_around(&t, shape, x, y, reach)?.ok_or(SceneError::Outside(band))
}

/// Reads one window of a COG over HTTP Range requests.
async fn read_cog_window(
    http: &HttpClient,
    href: &str,
    band: Band,
    w: Window,
) -> Result<PixelWindow, SceneError> {
    let cog_err = |source| SceneError::Cog { band, source };
    let mut store = ByteStore::default();
    let mut layout: Option<Layout> = None;
    for _ in 0..MAX_HEADER_ROUNDS {
        match cog::plan(&store).map_err(cog_err)? {
            Plan::Ready(l) => {
                layout = Some(l);
                break;
            }
            Plan::Need(ranges) => fetch_into(http, href, band, &mut store, ranges).await?,
        }
    }
    let layout = layout.ok_or_else(|| {
        cog_err(super::cog::CogError::Truncated(
            "the header and IFD were still incomplete after 4 reads".into(),
        ))
    })?;
    let need = layout.ranges_for(w, &store).map_err(cog_err)?;
    fetch_into(http, href, band, &mut store, need).await?;
    layout.read_window(w, &store).map_err(cog_err)
}

async fn fetch_into(
    http: &HttpClient,
    href: &str,
    band: Band,
    store: &mut ByteStore,
    ranges: Vec<std::ops::Range<u64>>,
) -> Result<(), SceneError> {
    for r in ranges {
        let start = r.start;
        let got = http
            .get_range(href, r)
            .await
            .map_err(|source| SceneError::Fetch { band, source })?;
        store.insert(start, got.body.as_ref().clone());
    }
    Ok(())
}

/// Evaluates one scene at one station: the values of every algorithm (a value is `None` where
/// too few valid water pixels were found).
pub async fn evaluate(
    http: &HttpClient,
    item: &StacItem,
    lon: f64,
    lat: f64,
    opts: &AggregationOptions,
    token: Option<&str>,
) -> Result<Vec<water::StationValue>, SceneError> {
    let epsg = item.epsg.ok_or(SceneError::NoEpsg)?;
    let (x, y) = super::utm::to_utm(lon, lat, epsg)?;
    let half = read_half_width_m(opts);
    let href = |a: &stac::Asset| match token {
        Some(t) => sign(&a.href, t),
        None => a.href.clone(),
    };
    let read = |band: Band| {
        let asset = item.assets.get(&band);
        async move {
            let asset = asset.ok_or(SceneError::MissingAsset(band))?;
            let w = window_for(asset, band, x, y, half)?;
            let pw = read_cog_window(http, &href(asset), band, w).await?;
            // window_for checked the transform is there.
            let t = asset.transform.ok_or(SceneError::MissingAsset(band))?;
            Ok::<_, SceneError>((pw, t))
        }
    };
    let refl = |band: Band, (pw, t): (PixelWindow, [f64; 6])| {
        let scaling = item.scaling(band).ok_or(SceneError::MissingAsset(band))?;
        Ok::<_, SceneError>(water::reflectance(&pw, t, &scaling))
    };
    let (green, red, nir) =
        futures_util::try_join!(read(Band::B03), read(Band::B04), read(Band::B08))?;
    let optional = |r: Result<_, SceneError>| match r {
        Ok(v) => Ok(Some(v)),
        Err(SceneError::MissingAsset(_)) => Ok(None),
        Err(e) => Err(e),
    };
    let (b05, scl) = futures_util::join!(read(Band::B05), read(Band::Scl));
    let scene = Scene {
        green: refl(Band::B03, green)?,
        red: refl(Band::B04, red)?,
        nir: refl(Band::B08, nir)?,
        rededge1: optional(b05)?.map(|v| refl(Band::B05, v)).transpose()?,
        scl: optional(scl)?.map(|(pw, t)| water::scl(&pw, t)),
    };
    Ok(water::station_values(&scene, x, y, opts)?)
}

/// The product an algorithm estimates, as the API and UI name it.
pub fn product_of(algorithm: &str) -> &'static str {
    match algorithm {
        water::NECHAD2016_S2B4 => "turbidity",
        water::NDTI_LACAUX2007 => "ndti",
        water::NDWI_MCFEETERS1996 => "ndwi",
        water::NDCI_MISHRA2012 => "ndci",
        water::CHLA_NDCI_MISHRA2012 => "chla",
        _ => "other",
    }
}

/// A payload problem keeps its kind (HTML for JSON, truncated, …); the rest says what it is.
fn stac_error(e: stac::StacError) -> ParseError {
    match e {
        stac::StacError::Payload(p) => p,
        other => ParseError::Invalid(other.to_string()),
    }
}

/// Runs the STAC search around a station, following `next` links (at most [`MAX_PAGES`]).
async fn search(
    http: &HttpClient,
    base: &str,
    params: &SearchParams,
    skipped: &mut Vec<String>,
) -> Result<Vec<StacItem>, SourceError> {
    let first = stac::search_body(params).map_err(stac_error)?;
    let mut url = format!("{base}/search");
    let mut body = Some(first);
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let r = match &body {
            Some(b) => http.post_json(&url, b).await?,
            None => http.get(&url, &[]).await?,
        };
        let page = stac::parse_items(&r.body).map_err(stac_error)?;
        for e in page.skipped {
            if skipped.len() < 50 {
                skipped.push(format!("STAC item: {e}"));
            }
        }
        items.extend(page.items);
        let Some(next) = page.next else { break };
        body = if next.method.eq_ignore_ascii_case("POST") {
            Some(
                next.request_body(body.as_ref().unwrap_or(&serde_json::Value::Null))
                    .ok_or_else(|| ParseError::Invalid("a POST next link without a body".into()))?,
            )
        } else {
            None
        };
        url = next.href;
    }
    Ok(items)
}

/// The satellite connector (`[sources.satellite]`).
pub struct Satellite {
    base: String,
    host: String,
    opts: SatelliteOptions,
    stations: Vec<String>,
    core: crate::pipeline::Core,
    /// Scenes evaluated per station, seeded from the store the first time a station is polled.
    done: HashMap<String, HashSet<String>>,
    token: Option<SasToken>,
    /// Round-robin start when there are more located stations than `max_stations`.
    cursor: usize,
}

impl Satellite {
    pub fn new(cfg: &SourceConfig, core: crate::pipeline::Core) -> Satellite {
        let host = reqwest::Url::parse(&cfg.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| cfg.base_url.clone());
        Satellite {
            base: cfg.base_url.clone(),
            host,
            opts: cfg.satellite.clone(),
            stations: cfg.stations.clone(),
            core,
            done: HashMap::new(),
            token: None,
            cursor: 0,
        }
    }

    fn aggregation(&self) -> AggregationOptions {
        AggregationOptions {
            radius: self.opts.radius_px,
            min_valid: self.opts.min_valid_pixels,
            ..AggregationOptions::default()
        }
    }

    /// The stations of this poll: configured ones (else every located one), `max_stations` of
    /// them, continuing where the last poll stopped.
    fn stations_now(&mut self) -> Vec<(String, (f64, f64))> {
        let mut all: Vec<_> = self
            .core
            .station_locations()
            .into_iter()
            .filter(|(id, _)| self.stations.is_empty() || self.stations.contains(id))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        if all.is_empty() {
            return all;
        }
        let n = self.opts.max_stations.min(all.len());
        let start = self.cursor % all.len();
        self.cursor = start + n;
        all.into_iter().cycle().skip(start).take(n).collect()
    }

    /// The SAS token, fetched again five minutes before it expires.
    async fn token(
        &mut self,
        http: &HttpClient,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, SourceError> {
        let Some(url) = &self.opts.token_url else {
            return Ok(None);
        };
        if let Some(t) = &self.token
            && t.expires - chrono::Duration::minutes(5) > now
        {
            return Ok(Some(t.token.clone()));
        }
        let r = http
            .get(&format!("{url}/{}", self.opts.collection), &[])
            .await?;
        let t = parse_sas_token(&r.body)?;
        let token = t.token.clone();
        self.token = Some(t);
        Ok(Some(token))
    }

    async fn done_for(&mut self, station: &str) -> Result<&mut HashSet<String>, SourceError> {
        if !self.done.contains_key(station) {
            let seen = self
                .core
                .store
                .satellite_scenes(station.to_string())
                .await?;
            self.done
                .insert(station.to_string(), seen.into_iter().collect());
        }
        Ok(self.done.entry(station.to_string()).or_default())
    }
}

impl Source for Satellite {
    fn id(&self) -> &'static str {
        "satellite"
    }

    fn provenance(&self) -> &'static str {
        SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        let stations = self.stations_now();
        if stations.is_empty() {
            batch
                .skipped
                .push("no station with a location to look at".into());
            return Ok(batch);
        }
        let token = self.token(http, now).await?;
        let opts = self.aggregation();
        let mut searched = 0usize;
        let mut first_error: Option<SourceError> = None;
        for (id, (lat, lon)) in stations {
            let params = SearchParams {
                collections: vec![self.opts.collection.clone()],
                lon,
                lat,
                buffer_m: read_half_width_m(&opts),
                start: now - chrono::Duration::days(i64::from(self.opts.lookback_days)),
                end: now,
                max_cloud_cover: self.opts.max_cloud_cover,
                limit: PAGE_LIMIT,
            };
            let mut items = match search(http, &self.base, &params, &mut batch.skipped).await {
                Ok(items) => items,
                // One station's failed search does not lose the others' scenes.
                Err(e) => {
                    batch.skipped.push(format!("{id}: search: {e}"));
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            searched += 1;
            let done = self.done_for(&id).await?.clone();
            items.retain(|i| !done.contains(&i.id));
            // Newest first: a field officer wants the latest pass; older ones follow next poll.
            items.sort_by_key(|i| std::cmp::Reverse(i.datetime));
            items.truncate(self.opts.max_scenes);
            for item in items {
                match evaluate(http, &item, lon, lat, &opts, token.as_deref()).await {
                    Ok(values) => {
                        batch.satellite.extend(values.into_iter().map(|v| {
                            SatelliteRow {
                                station_id: id.clone(),
                                scene_id: item.id.clone(),
                                algorithm: v.algorithm.to_string(),
                                product: product_of(v.algorithm).to_string(),
                                unit: v.unit.to_string(),
                                value: v.value,
                                valid_pixels: v.valid_pixels as i64,
                                adjacency: v.adjacency,
                                acquired_ms: item.datetime.timestamp_millis(),
                                cloud_cover: item.cloud_cover,
                                collection: item
                                    .collection
                                    .clone()
                                    .unwrap_or_else(|| self.opts.collection.clone()),
                                platform: item.platform.clone(),
                                catalogue: self.host.clone(),
                                computed_ms: now.timestamp_millis(),
                            }
                        }));
                        self.done_for(&id).await?.insert(item.id.clone());
                    }
                    Err(e) => {
                        if batch.skipped.len() < 50 {
                            batch.skipped.push(format!("{id}/{}: {e}", item.id));
                        }
                        if !e.retry_later() {
                            self.done_for(&id).await?.insert(item.id.clone());
                        }
                    }
                }
            }
        }
        match first_error {
            // Nothing could be searched: an outage or a refusal, for health and backoff.
            Some(e) if searched == 0 => Err(e),
            _ => Ok(batch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sas_tokens_are_read_and_appended() {
        let t = parse_sas_token(
            br#"{"msft:expiry":"2026-12-07T10:00:00Z","token":"st=2026&se=2026&sp=rl&sig=abc"}"#,
        )
        .unwrap();
        assert_eq!(t.token, "st=2026&se=2026&sp=rl&sig=abc");
        assert_eq!(t.expires.to_rfc3339(), "2026-12-07T10:00:00+00:00");
        assert_eq!(
            sign("https://a/b.tif", &t.token),
            "https://a/b.tif?st=2026&se=2026&sp=rl&sig=abc"
        );
        assert_eq!(
            sign("https://a/b.tif?x=1", "sig=z"),
            "https://a/b.tif?x=1&sig=z"
        );
        let e = parse_sas_token(br#"{"msft:expiry":"2026-12-07T10:00:00Z"}"#).unwrap_err();
        assert!(e.to_string().contains("`token`"), "{e}");
        let e = parse_sas_token(br#"{"token":"sig=1","msft:expiry":"tomorrow"}"#).unwrap_err();
        assert!(e.to_string().contains("msft:expiry"), "{e}");
        assert!(parse_sas_token(b"<html>").is_err());
    }

    #[test]
    fn windows_cover_the_ndci_grid_and_clip_at_the_scene_edge() {
        let opts = AggregationOptions::default();
        // reach 3 on the 20 m grid plus one pixel: 90 m either side.
        assert_eq!(read_half_width_m(&opts), 90.0);
        let asset = |px: f64, n: u64| stac::Asset {
            key: "x".into(),
            href: "h".into(),
            transform: Some([px, 0.0, 300_000.0, 0.0, -px, 2_100_000.0]),
            shape: Some([n, n]),
            scale: None,
            offset: None,
            nodata: None,
        };
        let (x, y) = (300_505.0, 2_099_495.0);
        let w10 = window_for(&asset(10.0, 10980), Band::B04, x, y, 90.0).unwrap();
        assert_eq!((w10.col, w10.row, w10.width, w10.height), (40, 40, 21, 21));
        let w20 = window_for(&asset(20.0, 5490), Band::Scl, x, y, 90.0).unwrap();
        assert_eq!((w20.col, w20.row, w20.width, w20.height), (19, 19, 13, 13));
        // A point near the origin: clipped, not negative.
        let w = window_for(&asset(10.0, 10980), Band::B04, 300_015.0, 2_099_985.0, 90.0).unwrap();
        assert_eq!((w.col, w.row), (0, 0));
        assert!(matches!(
            window_for(&asset(10.0, 10980), Band::B04, 100.0, 0.0, 90.0),
            Err(SceneError::Outside(Band::B04))
        ));
        let mut no_grid = asset(10.0, 10);
        no_grid.transform = None;
        assert!(matches!(
            window_for(&no_grid, Band::B03, x, y, 90.0),
            Err(SceneError::MissingAsset(Band::B03))
        ));
    }

    #[test]
    fn every_algorithm_has_a_product_name() {
        for a in [
            water::NECHAD2016_S2B4,
            water::NDTI_LACAUX2007,
            water::NDWI_MCFEETERS1996,
            water::NDCI_MISHRA2012,
            water::CHLA_NDCI_MISHRA2012,
        ] {
            assert_ne!(product_of(a), "other", "{a}");
        }
    }
}
