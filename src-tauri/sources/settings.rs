//! `[sources.<id>]` settings: the file format, environment overrides
//! (`PUREHEALTH_<ID>_BASE_URL`, `PUREHEALTH_<ID>_ENABLED`, `PUREHEALTH_DATAGOV_API_KEY`) and
//! validation into [`SourceConfig`].
//!
//! Every connector is off until the operator turns it on: CPCB's certificate chain is broken
//! (trusting it is a decision), CWC and IMD answer only from India or whitelisted addresses,
//! data.gov.in needs a key, Open-Meteo's free tier is non-commercial, and the satellite layer
//! downloads image tiles for every located station.

use super::http::HttpSettings;
use super::runner::Schedule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The connectors, their default base URL, poll interval (s) and label.
pub const KNOWN: [(&str, &str, f64, &str); 6] = [
    (
        "cpcb",
        "https://rtwqmsdb1.cpcb.gov.in",
        900.0,
        "CPCB real-time water quality (RTWQMS)",
    ),
    (
        "datagov",
        "https://api.data.gov.in",
        86_400.0,
        "data.gov.in OGD (CPCB water quality)",
    ),
    (
        "cwc",
        "https://ffs.india-water.gov.in",
        900.0,
        "CWC flood forecasting (water level)",
    ),
    (
        "imd",
        "https://mausam.imd.gov.in",
        3_600.0,
        "IMD weather, rainfall and warnings",
    ),
    (
        "openmeteo",
        "https://api.open-meteo.com",
        3_600.0,
        "Open-Meteo weather and GloFAS discharge",
    ),
    (
        "satellite",
        "https://earth-search.aws.element84.com/v1",
        21_600.0,
        "Sentinel-2 L2A water estimates (STAC)",
    ),
];

/// `[sources.satellite]` extras: what to search for and how strict the per-station
/// aggregation is (domain.md §13).
#[derive(Debug, Clone, PartialEq)]
pub struct SatelliteOptions {
    pub collection: String,
    /// Scenes whose whole-tile cloud cover is at or above this are not searched for.
    pub max_cloud_cover: f64,
    /// How far back the first search of a station reaches, days.
    pub lookback_days: u32,
    /// New scenes evaluated per station per poll (newest first; the rest wait for the next poll).
    pub max_scenes: usize,
    /// Located stations evaluated per poll.
    pub max_stations: usize,
    /// Median window half-width, pixels (1 → 3×3).
    pub radius_px: u32,
    pub min_valid_pixels: usize,
    /// Planetary Computer: the SAS token endpoint; asset hrefs are signed with its token.
    pub token_url: Option<String>,
}

impl Default for SatelliteOptions {
    fn default() -> Self {
        SatelliteOptions {
            collection: "sentinel-2-l2a".into(),
            max_cloud_cover: 60.0,
            lookback_days: 60,
            max_scenes: 4,
            max_stations: 50,
            radius_px: 1,
            min_valid_pixels: 5,
            token_url: None,
        }
    }
}

/// One `[sources.<id>]` table; every key optional. (`Debug` is not derived: it would print the
/// API key.)
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub enabled: Option<bool>,
    pub base_url: Option<String>,
    /// Open-Meteo: the archive and flood APIs live on other hosts.
    pub archive_base_url: Option<String>,
    pub flood_base_url: Option<String>,
    /// IMD: the city forecast host.
    pub city_base_url: Option<String>,
    pub interval_s: Option<f64>,
    pub timeout_s: Option<f64>,
    pub retries: Option<u32>,
    pub stale_after_s: Option<f64>,
    pub insecure_tls: Option<bool>,
    pub ca_file: Option<PathBuf>,
    pub max_concurrency: Option<usize>,
    pub min_request_interval_ms: Option<u64>,
    pub breaker_failures: Option<u32>,
    pub breaker_cooldown_s: Option<f64>,
    pub backoff_base_ms: Option<u64>,
    pub api_key: Option<String>,
    /// Station codes to poll (CWC, IMD current weather, Open-Meteo station ids); CPCB polls all.
    pub stations: Option<Vec<String>>,
    /// IMD district ids (rainfall and warnings).
    pub districts: Option<Vec<String>>,
    /// data.gov.in resource ids.
    pub resources: Option<Vec<String>>,
    /// data.gov.in: extra `field name = parameter` aliases.
    pub aliases: Option<BTreeMap<String, String>>,
    pub user_agent: Option<String>,
    /// Satellite: STAC collection, search and aggregation settings.
    pub collection: Option<String>,
    pub max_cloud_cover: Option<f64>,
    pub lookback_days: Option<u32>,
    pub max_scenes: Option<usize>,
    pub max_stations: Option<usize>,
    pub radius_px: Option<u32>,
    pub min_valid_pixels: Option<usize>,
    pub token_url: Option<String>,
}

/// A validated connector configuration. `Debug` masks the API key.
#[derive(Clone, PartialEq)]
pub struct SourceConfig {
    pub id: &'static str,
    pub label: &'static str,
    pub enabled: bool,
    pub base_url: String,
    pub archive_base_url: String,
    pub flood_base_url: String,
    pub city_base_url: String,
    pub http: HttpSettings,
    pub schedule: Schedule,
    pub api_key: Option<String>,
    pub stations: Vec<String>,
    pub districts: Vec<String>,
    pub resources: Vec<String>,
    pub aliases: Vec<(String, String)>,
    pub satellite: SatelliteOptions,
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFile")
            .field("enabled", &self.enabled)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SourceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceConfig")
            .field("id", &self.id)
            .field("enabled", &self.enabled)
            .field("base_url", &self.base_url)
            .field("http", &self.http)
            .field("schedule", &self.schedule)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("stations", &self.stations)
            .field("districts", &self.districts)
            .field("resources", &self.resources)
            .finish_non_exhaustive()
    }
}

/// Validates the `[sources]` tables with the environment's overrides; the error names the
/// table and key.
pub fn validate(
    files: &BTreeMap<String, SourceFile>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<SourceConfig>, String> {
    for id in files.keys() {
        if !KNOWN.iter().any(|k| k.0 == id) {
            let known: Vec<&str> = KNOWN.iter().map(|k| k.0).collect();
            return Err(format!(
                "sources.{id}: unknown source (known: {})",
                known.join(", ")
            ));
        }
    }
    KNOWN
        .iter()
        .map(|&(id, base, interval, label)| {
            let f = files.get(id).cloned().unwrap_or_default();
            one(id, label, base, interval, &f, env).map_err(|m| format!("sources.{id}: {m}"))
        })
        .collect()
}

fn one(
    id: &'static str,
    label: &'static str,
    default_base: &str,
    default_interval: f64,
    f: &SourceFile,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<SourceConfig, String> {
    let upper = id.to_ascii_uppercase();
    let enabled = match env(&format!("PUREHEALTH_{upper}_ENABLED")) {
        Some(v) => match v.as_str() {
            "1" | "true" | "on" | "yes" => true,
            "0" | "false" | "off" | "no" => false,
            _ => {
                return Err(format!(
                    "PUREHEALTH_{upper}_ENABLED: `{v}` is not true/false/1/0"
                ));
            }
        },
        None => f.enabled.unwrap_or(false),
    };
    let url = |key: &str, v: Option<String>, default: &str| -> Result<String, String> {
        let v = v.unwrap_or_else(|| default.to_string());
        let t = v.trim().trim_end_matches('/').to_string();
        match reqwest::Url::parse(&t) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(t),
            _ => Err(format!("{key}: `{v}` is not an http(s) URL")),
        }
    };
    let base_url = url(
        "base_url",
        env(&format!("PUREHEALTH_{upper}_BASE_URL")).or(f.base_url.clone()),
        default_base,
    )?;
    let archive_base_url = url(
        "archive_base_url",
        f.archive_base_url.clone(),
        "https://archive-api.open-meteo.com",
    )?;
    let flood_base_url = url(
        "flood_base_url",
        f.flood_base_url.clone(),
        "https://flood-api.open-meteo.com",
    )?;
    let city_base_url = url(
        "city_base_url",
        f.city_base_url.clone(),
        "https://city.imd.gov.in",
    )?;
    let secs = |key: &str, v: Option<f64>, default: f64, min: f64| -> Result<Duration, String> {
        let v = v.unwrap_or(default);
        if !(v.is_finite() && v >= min && v <= 30.0 * 86_400.0) {
            return Err(format!("{key}: {v} is out of range ({min} s to 30 days)"));
        }
        Ok(Duration::from_secs_f64(v))
    };
    let interval = secs("interval_s", f.interval_s, default_interval, 0.1)?;
    let timeout = secs("timeout_s", f.timeout_s, 30.0, 0.1)?;
    // Stale once two polls in a row have brought nothing, plus the time a poll may take.
    let stale_after = secs(
        "stale_after_s",
        f.stale_after_s,
        2.0 * interval.as_secs_f64() + timeout.as_secs_f64(),
        0.1,
    )?;
    let breaker_cooldown = secs("breaker_cooldown_s", f.breaker_cooldown_s, 600.0, 0.1)?;
    let retries = f.retries.unwrap_or(2);
    if retries > 10 {
        return Err(format!("retries: {retries} is more than 10"));
    }
    let breaker_failures = f.breaker_failures.unwrap_or(5).max(1);
    let defaults = HttpSettings::default();
    let api_key = env(&format!("PUREHEALTH_{upper}_API_KEY")).or(f.api_key.clone());
    let list = |v: &Option<Vec<String>>| -> Vec<String> {
        v.iter()
            .flatten()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let satellite = satellite_options(f, &url)?;
    let cfg = SourceConfig {
        id,
        label,
        enabled,
        base_url,
        archive_base_url,
        flood_base_url,
        city_base_url,
        http: HttpSettings {
            timeout,
            retries,
            backoff_base: f
                .backoff_base_ms
                .map(Duration::from_millis)
                .unwrap_or(defaults.backoff_base),
            // Image tiles come from object storage (S3, Azure Blob), built for many small
            // range reads; agency portals are not.
            max_concurrency: f
                .max_concurrency
                .unwrap_or(if id == "satellite" { 4 } else { 2 })
                .clamp(1, 16),
            min_interval: f
                .min_request_interval_ms
                .map(Duration::from_millis)
                .unwrap_or(if id == "satellite" {
                    Duration::from_millis(50)
                } else {
                    defaults.min_interval
                }),
            user_agent: f.user_agent.clone().unwrap_or(defaults.user_agent.clone()),
            insecure_tls: f.insecure_tls.unwrap_or(false),
            ca_file: f.ca_file.clone(),
            ..defaults
        },
        schedule: Schedule {
            interval,
            stale_after,
            breaker_failures,
            breaker_cooldown,
        },
        api_key,
        stations: list(&f.stations),
        districts: list(&f.districts),
        resources: list(&f.resources),
        aliases: f
            .aliases
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        satellite,
    };
    if cfg.enabled {
        match id {
            "datagov" if cfg.api_key.is_none() => {
                return Err("enabled without api_key (or PUREHEALTH_DATAGOV_API_KEY)".into());
            }
            "datagov" if cfg.resources.is_empty() => {
                return Err("enabled without resources (data.gov.in resource ids)".into());
            }
            "cwc" if cfg.stations.is_empty() => {
                return Err(
                    "enabled without stations (CWC station codes such as 015-UYDDEL)".into(),
                );
            }
            "imd" if cfg.stations.is_empty() && cfg.districts.is_empty() => {
                return Err("enabled without stations or districts (IMD ids)".into());
            }
            _ => {}
        }
    }
    Ok(cfg)
}

fn satellite_options(
    f: &SourceFile,
    url: &impl Fn(&str, Option<String>, &str) -> Result<String, String>,
) -> Result<SatelliteOptions, String> {
    let d = SatelliteOptions::default();
    let o = SatelliteOptions {
        collection: f
            .collection
            .as_deref()
            .map(str::trim)
            .unwrap_or(&d.collection)
            .to_string(),
        max_cloud_cover: f.max_cloud_cover.unwrap_or(d.max_cloud_cover),
        lookback_days: f.lookback_days.unwrap_or(d.lookback_days),
        max_scenes: f.max_scenes.unwrap_or(d.max_scenes),
        max_stations: f.max_stations.unwrap_or(d.max_stations),
        radius_px: f.radius_px.unwrap_or(d.radius_px),
        min_valid_pixels: f.min_valid_pixels.unwrap_or(d.min_valid_pixels),
        token_url: match &f.token_url {
            Some(t) => Some(url("token_url", Some(t.clone()), "")?),
            None => None,
        },
    };
    if o.collection.is_empty() || o.collection.contains(['/', '?', '#']) {
        return Err(format!(
            "collection: `{}` is not a STAC collection id",
            o.collection
        ));
    }
    if !(o.max_cloud_cover > 0.0 && o.max_cloud_cover <= 100.0) {
        return Err(format!(
            "max_cloud_cover: {} is not a percentage above 0",
            o.max_cloud_cover
        ));
    }
    if !(1..=3650).contains(&o.lookback_days) {
        return Err(format!(
            "lookback_days: {} is not 1 to 3650",
            o.lookback_days
        ));
    }
    if !(1..=50).contains(&o.max_scenes) {
        return Err(format!("max_scenes: {} is not 1 to 50", o.max_scenes));
    }
    if !(1..=5000).contains(&o.max_stations) {
        return Err(format!("max_stations: {} is not 1 to 5000", o.max_stations));
    }
    if o.radius_px > 8 {
        return Err(format!("radius_px: {} is more than 8", o.radius_px));
    }
    let side = 2 * o.radius_px as usize + 1;
    let window = side * side;
    if !(1..=window).contains(&o.min_valid_pixels) {
        return Err(format!(
            "min_valid_pixels: {} is not 1 to {window} (the {side}×{side} window)",
            o.min_valid_pixels
        ));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn every_source_is_off_by_default_with_the_real_endpoints() {
        let v = validate(&BTreeMap::new(), &no_env).unwrap();
        assert_eq!(v.len(), 6);
        assert_eq!(v[5].base_url, "https://earth-search.aws.element84.com/v1");
        assert_eq!(v[5].satellite, SatelliteOptions::default());
        assert_eq!(v[5].http.min_interval, Duration::from_millis(50));
        assert_eq!(v[5].http.max_concurrency, 4);
        assert_eq!(v[0].http.min_interval, Duration::from_millis(500));
        assert!(v.iter().all(|s| !s.enabled));
        assert_eq!(v[0].base_url, "https://rtwqmsdb1.cpcb.gov.in");
        assert_eq!(v[0].schedule.interval, Duration::from_secs(900));
        assert_eq!(v[0].schedule.stale_after, Duration::from_secs(1830));
    }

    #[test]
    fn environment_overrides_base_url_and_enables() {
        let env = |k: &str| match k {
            "PUREHEALTH_CPCB_BASE_URL" => Some("http://127.0.0.1:9999/".to_string()),
            "PUREHEALTH_CPCB_ENABLED" => Some("1".to_string()),
            _ => None,
        };
        let v = validate(&BTreeMap::new(), &env).unwrap();
        assert!(v[0].enabled);
        assert_eq!(v[0].base_url, "http://127.0.0.1:9999");
    }

    #[test]
    fn mistakes_are_named() {
        let mut files = BTreeMap::new();
        files.insert("cpbc".to_string(), SourceFile::default());
        let e = validate(&files, &no_env).unwrap_err();
        assert!(
            e.contains("sources.cpbc: unknown source (known: cpcb"),
            "{e}"
        );

        let mut files = BTreeMap::new();
        files.insert(
            "cpcb".to_string(),
            SourceFile {
                base_url: Some("ftp://x".into()),
                ..Default::default()
            },
        );
        let e = validate(&files, &no_env).unwrap_err();
        assert_eq!(e, "sources.cpcb: base_url: `ftp://x` is not an http(s) URL");

        let mut files = BTreeMap::new();
        files.insert(
            "cwc".to_string(),
            SourceFile {
                enabled: Some(true),
                ..Default::default()
            },
        );
        let e = validate(&files, &no_env).unwrap_err();
        assert!(
            e.starts_with("sources.cwc: enabled without stations"),
            "{e}"
        );

        let mut files = BTreeMap::new();
        files.insert(
            "imd".to_string(),
            SourceFile {
                interval_s: Some(-1.0),
                ..Default::default()
            },
        );
        let e = validate(&files, &no_env).unwrap_err();
        assert!(e.contains("interval_s: -1 is out of range"), "{e}");

        let bad = |f: SourceFile| {
            let mut files = BTreeMap::new();
            files.insert("satellite".to_string(), f);
            validate(&files, &no_env).unwrap_err()
        };
        let e = bad(SourceFile {
            max_cloud_cover: Some(120.0),
            ..Default::default()
        });
        assert_eq!(
            e,
            "sources.satellite: max_cloud_cover: 120 is not a percentage above 0"
        );
        let e = bad(SourceFile {
            min_valid_pixels: Some(10),
            ..Default::default()
        });
        assert!(
            e.contains("min_valid_pixels: 10 is not 1 to 9 (the 3×3 window)"),
            "{e}"
        );
        let e = bad(SourceFile {
            token_url: Some("planetary".into()),
            ..Default::default()
        });
        assert!(
            e.contains("token_url: `planetary` is not an http(s) URL"),
            "{e}"
        );
    }
}
