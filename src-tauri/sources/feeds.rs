//! The connectors: each turns its agency's endpoints into one [`Batch`] per poll using the pure
//! parsers, and leaves retries, health, storage and scheduling to [`super::runner`].

use super::http::HttpClient;
use super::runner::{Batch, Source, SourceError};
use super::settings::SourceConfig;
use super::types::ParseError;
use super::{cpcb, cwc, datagov, imd, openmeteo};
use chrono::{DateTime, Duration, Utc};

/// Merges a parser's drift and skip reasons into a batch.
fn absorb<T>(batch: &mut Batch, parsed: super::types::Parsed<T>) -> Vec<T> {
    batch.drift.merge(parsed.drift);
    batch.skipped.extend(
        parsed
            .skipped
            .into_iter()
            .take(50usize.saturating_sub(batch.skipped.len())),
    );
    parsed.items
}

/// CPCB real-time water quality: the station list (daily) and the latest value of every
/// station × parameter (each poll).
pub struct Cpcb {
    base: String,
    stations_fetched: Option<DateTime<Utc>>,
}

impl Cpcb {
    pub fn new(cfg: &SourceConfig) -> Cpcb {
        Cpcb {
            base: cfg.base_url.clone(),
            stations_fetched: None,
        }
    }
}

impl Source for Cpcb {
    fn id(&self) -> &'static str {
        "cpcb"
    }

    fn provenance(&self) -> &'static str {
        cpcb::SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        let latest = http.get(&cpcb::latest_url(&self.base), &[]).await?;
        let (parsed, stations) = cpcb::parse_latest(&latest.body)?;
        batch.not_modified = latest.not_modified;
        batch.observations = absorb(&mut batch, parsed);
        batch.stations = stations;
        // The list adds stations without current values; its failure does not fail the poll.
        if self
            .stations_fetched
            .is_none_or(|t| now - t > Duration::hours(24))
        {
            match http.get(&cpcb::stations_url(&self.base), &[]).await {
                Ok(r) => match cpcb::parse_stations(&r.body) {
                    Ok(p) => {
                        self.stations_fetched = Some(now);
                        for s in p.items {
                            match batch.stations.iter_mut().find(|b| b.id == s.id) {
                                // The list may know what the values did not (river, basin).
                                Some(b) => {
                                    b.river = b.river.take().or(s.river);
                                    b.basin = b.basin.take().or(s.basin);
                                    b.state = b.state.take().or(s.state);
                                    b.district = b.district.take().or(s.district);
                                }
                                None => batch.stations.push(s),
                            }
                        }
                    }
                    Err(e) => batch.skipped.push(format!("stations.json: {e}")),
                },
                Err(e) => batch.skipped.push(format!("stations.json: {e}")),
            }
        }
        Ok(batch)
    }
}

/// CWC flood forecasting: the water level (HHS, m above MSL) of each configured station over the
/// last two days, its warning/danger levels (daily) and its name and position (once).
pub struct Cwc {
    base: String,
    stations: Vec<String>,
    levels_fetched: Option<DateTime<Utc>>,
    registry: std::sync::Arc<super::runner::Registry>,
}

impl Cwc {
    pub fn new(cfg: &SourceConfig, registry: std::sync::Arc<super::runner::Registry>) -> Cwc {
        Cwc {
            base: cfg.base_url.clone(),
            stations: cfg.stations.clone(),
            levels_fetched: None,
            registry,
        }
    }
}

impl Source for Cwc {
    fn id(&self) -> &'static str {
        "cwc"
    }

    fn provenance(&self) -> &'static str {
        cwc::SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        let ist_now = now.with_timezone(&super::lenient::ist()).naive_local();
        let from = ist_now - Duration::hours(48);
        let refresh_static = self
            .levels_fetched
            .is_none_or(|t| now - t > Duration::hours(24));
        let mut failures = Vec::new();
        for code in &self.stations {
            // Unfiltered queries time out on the server: always one station and a window.
            let url = cwc::history_url(&self.base, code, "HHS", from, ist_now);
            match http
                .get(&url, &[])
                .await
                .map_err(SourceError::from)
                .and_then(|r| cwc::parse_levels(&r.body).map_err(SourceError::from))
            {
                Ok(p) => {
                    let obs = absorb(&mut batch, p);
                    batch.observations.extend(obs);
                }
                // A station with no data in the window is normal, not an outage.
                Err(SourceError::Parse(ParseError::Empty)) => batch
                    .skipped
                    .push(format!("{code}: no level in the last 48 h")),
                Err(e) => failures.push((code.clone(), e)),
            }
            if refresh_static {
                // Levels and position are extras: their failure does not fail the poll.
                if let Ok(r) = http.get(&cwc::static_url(&self.base, code), &[]).await
                    && let Ok((levels, drift)) = cwc::parse_static(&r.body)
                {
                    batch.drift.merge(drift);
                    self.registry.set_flood_levels(levels);
                }
                if let Ok(r) = http.get(&cwc::geo_url(&self.base, code), &[]).await
                    && let Ok(p) = cwc::parse_geo(&r.body)
                {
                    let st = absorb(&mut batch, p);
                    batch.stations.extend(st);
                }
            }
        }
        if refresh_static {
            self.levels_fetched = Some(now);
        }
        // Every station failing is a failed poll (keeping the first error's kind, so a refusal
        // stays "not authorised" and a Retry-After is honoured); some failing is reported.
        if !failures.is_empty() && failures.len() == self.stations.len() {
            for (code, e) in &failures[1..] {
                tracing::warn!(source = "cwc", station = %code, error = %e, "station failed");
            }
            let mut all = failures.into_iter();
            if let Some((_, first)) = all.next() {
                return Err(first);
            }
            return Ok(batch);
        }
        batch
            .skipped
            .extend(failures.into_iter().map(|(code, e)| format!("{code}: {e}")));
        Ok(batch)
    }
}

/// data.gov.in OGD: every configured resource, paged, mapped from its field list at run time.
pub struct Datagov {
    base: String,
    api_key: String,
    resources: Vec<String>,
    aliases: Vec<(String, String)>,
}

/// Rows per page (clients cap at 5,000; smaller pages fail less on slow links).
const PAGE: u64 = 1000;
/// Pages per resource and poll, so a huge resource cannot hold the connector for hours.
const MAX_PAGES: usize = 200;

impl Datagov {
    pub fn new(cfg: &SourceConfig) -> Datagov {
        Datagov {
            base: cfg.base_url.clone(),
            api_key: cfg.api_key.clone().unwrap_or_default(),
            resources: cfg.resources.clone(),
            aliases: cfg.aliases.clone(),
        }
    }
}

impl Source for Datagov {
    fn id(&self) -> &'static str {
        "datagov"
    }

    fn provenance(&self) -> &'static str {
        datagov::SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, _now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        for id in &self.resources {
            let mut q = datagov::Query {
                resource_id: id.clone(),
                api_key: self.api_key.clone(),
                offset: 0,
                limit: PAGE,
                ..Default::default()
            };
            let mut mapping = None;
            for _ in 0..MAX_PAGES {
                let r = http
                    .get(&datagov::resource_url(&self.base, &q), &[])
                    .await?;
                let (env, drift) = datagov::parse_envelope(&r.body)?;
                batch.drift.merge(drift);
                if mapping.is_none() {
                    mapping = Some(datagov::mapping_with_aliases(&env.fields, &self.aliases)?);
                }
                if let Some(m) = &mapping {
                    let p = datagov::records_to_observations(&env, m);
                    let obs = absorb(&mut batch, p);
                    batch.observations.extend(obs);
                    for st in stations_of(&env, m) {
                        if !batch.stations.iter().any(|b| b.id == st.id) {
                            batch.stations.push(st);
                        }
                    }
                }
                match datagov::next_offset(&env) {
                    Some(next) => q.offset = next,
                    None => break,
                }
            }
        }
        Ok(batch)
    }
}

/// Station metadata from OGD records: `NWMP-<code>`, the location text as the name (with the
/// river read from it), and the state.
fn stations_of(env: &datagov::Envelope, m: &datagov::Mapping) -> Vec<super::types::SourceStation> {
    let text = |r: &serde_json::Map<String, serde_json::Value>, f: &Option<String>| {
        f.as_ref()
            .and_then(|f| r.get(f))
            .and_then(super::lenient::text)
    };
    env.records
        .iter()
        .filter_map(|r| {
            let code = super::lenient::text(r.get(&m.station)?)?;
            let name = text(r, &m.name).unwrap_or_else(|| code.clone());
            Some(super::types::SourceStation {
                id: format!("NWMP-{code}"),
                river: super::catalogue::river_of(&name),
                name,
                state: text(r, &m.state),
                ..Default::default()
            })
        })
        .collect()
}

/// IMD: current weather of configured stations, and rainfall and warnings of configured
/// districts. IMD answers only whitelisted addresses: a refusal is "not authorised", which the
/// runner keeps apart from an outage.
pub struct Imd {
    base: String,
    stations: Vec<String>,
    districts: Vec<String>,
    registry: std::sync::Arc<super::runner::Registry>,
}

impl Imd {
    pub fn new(cfg: &SourceConfig, registry: std::sync::Arc<super::runner::Registry>) -> Imd {
        Imd {
            base: cfg.base_url.clone(),
            stations: cfg.stations.clone(),
            districts: cfg.districts.clone(),
            registry,
        }
    }

    /// GET that turns IMD's whitelist answers (even with HTTP 200) into `NotAuthorised`.
    async fn fetch(
        &self,
        http: &HttpClient,
        url: &str,
    ) -> Result<std::sync::Arc<Vec<u8>>, SourceError> {
        match http.get(url, &[]).await {
            Ok(r) => match imd::refusal(&r.body, r.status) {
                Some(m) => Err(SourceError::NotAuthorised(m)),
                None => Ok(r.body),
            },
            Err(super::http::FetchError::NotAuthorised { status, message }) => {
                Err(SourceError::NotAuthorised(
                    imd::refusal(message.as_bytes(), status).unwrap_or(message),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Source for Imd {
    fn id(&self) -> &'static str {
        "imd"
    }

    fn provenance(&self) -> &'static str {
        imd::SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, _now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        let q = |id: &str| datagov::encode(id);
        for id in &self.stations {
            let body = self
                .fetch(
                    http,
                    &format!("{}/api/current_wx_api.php?id={}", self.base, q(id)),
                )
                .await?;
            let obs = absorb(&mut batch, imd::parse_current_wx(&body)?);
            batch.observations.extend(obs);
        }
        for id in &self.districts {
            let body = self
                .fetch(
                    http,
                    &format!(
                        "{}/api/districtwise_rainfall_api.php?id={}",
                        self.base,
                        q(id)
                    ),
                )
                .await?;
            let (rain, drift) = imd::parse_district_rainfall(&body)?;
            batch.drift.merge(drift);
            for r in rain {
                self.registry.set_bulletin(
                    &r.district,
                    "rainfall",
                    serde_json::to_value(&r).unwrap_or_default(),
                );
            }
            let body = self
                .fetch(
                    http,
                    &format!("{}/api/warnings_district_api.php?id={}", self.base, q(id)),
                )
                .await?;
            let (warnings, drift) = imd::parse_warnings(&body)?;
            batch.drift.merge(drift);
            for w in warnings {
                let days: Vec<serde_json::Value> = w
                    .days
                    .iter()
                    .map(|(codes, colour)| {
                        serde_json::json!({
                            "codes": codes,
                            "warnings": codes.iter().map(|c| imd::warning_label(*c)).collect::<Vec<_>>(),
                            "colour": colour.map(imd::colour_label),
                        })
                    })
                    .collect();
                self.registry.set_bulletin(
                    &w.district,
                    "warnings",
                    serde_json::json!({"date": w.date, "days": days}),
                );
            }
        }
        Ok(batch)
    }
}

/// Open-Meteo: the past day's hourly air temperature, humidity and rainfall at every located
/// station (configured ones, else all), and GloFAS modelled river discharge, as the global
/// weather fallback. Stored under the station's own id with `source = api`.
pub struct OpenMeteo {
    base: String,
    flood_base: String,
    stations: Vec<String>,
    core: crate::pipeline::Core,
}

/// Pairs each requested station with the answer nearest its coordinates. Answers snap to the
/// model grid (a few km), and a location the parser dropped must not shift the others onto the
/// wrong stations, so matching is by distance, not by position.
fn match_points<'a>(
    wanted: &'a [(String, (f64, f64))],
    series: &'a [openmeteo::Series],
) -> Vec<(&'a str, &'a openmeteo::Series)> {
    /// Farther than this (degrees) is not the same place.
    const MAX_OFFSET: f64 = 0.25;
    wanted
        .iter()
        .filter_map(|(id, (lat, lon))| {
            let d = |s: &openmeteo::Series| (s.point.0 - lat).abs().max((s.point.1 - lon).abs());
            let best = series.iter().min_by(|a, b| d(a).total_cmp(&d(b)))?;
            (d(best) <= MAX_OFFSET).then_some((id.as_str(), best))
        })
        .collect()
}

/// Coordinates per request (the API takes comma-joined lists; keep URLs modest).
const POINTS_PER_REQUEST: usize = 50;
/// Located stations polled at most (the free tier allows 10,000 calls a day).
const MAX_POINTS: usize = 1000;

impl OpenMeteo {
    pub fn new(cfg: &SourceConfig, core: crate::pipeline::Core) -> OpenMeteo {
        OpenMeteo {
            base: cfg.base_url.clone(),
            flood_base: cfg.flood_base_url.clone(),
            stations: cfg.stations.clone(),
            core,
        }
    }

    /// (station id, (lat, lon)) of the stations to poll.
    fn points(&self) -> Vec<(String, (f64, f64))> {
        self.core
            .station_locations()
            .into_iter()
            .filter(|(id, _)| self.stations.is_empty() || self.stations.contains(id))
            .take(MAX_POINTS)
            .collect()
    }
}

impl Source for OpenMeteo {
    fn id(&self) -> &'static str {
        "openmeteo"
    }

    fn provenance(&self) -> &'static str {
        openmeteo::SOURCE
    }

    async fn poll(&mut self, http: &HttpClient, now: DateTime<Utc>) -> Result<Batch, SourceError> {
        let mut batch = Batch::default();
        let points = self.points();
        if points.is_empty() {
            batch
                .skipped
                .push("no station with a location to ask for".into());
            return Ok(batch);
        }
        for chunk in points.chunks(POINTS_PER_REQUEST) {
            let coords: Vec<(f64, f64)> = chunk.iter().map(|(_, p)| *p).collect();
            let r = http
                .get(&openmeteo::forecast_url(&self.base, &coords, 1, 1), &[])
                .await?;
            let (series, drift) = openmeteo::parse(&r.body)?;
            batch.drift.merge(drift);
            for (id, s) in match_points(chunk, &series) {
                batch
                    .observations
                    .extend(openmeteo::observations(s, id, now));
            }
            // Discharge is a bonus: its failure does not fail the weather poll.
            match http
                .get(&openmeteo::flood_url(&self.flood_base, &coords, 7, 1), &[])
                .await
            {
                Ok(r) => match openmeteo::parse(&r.body) {
                    Ok((series, _)) => {
                        for (id, s) in match_points(chunk, &series) {
                            batch.observations.extend(
                                openmeteo::observations(s, id, now)
                                    .into_iter()
                                    .filter(|o| o.parameter == crate::model::Parameter::Discharge),
                            );
                        }
                    }
                    Err(e) => batch.skipped.push(format!("flood API: {e}")),
                },
                Err(e) => batch.skipped.push(format!("flood API: {e}")),
            }
        }
        Ok(batch)
    }
}

/// Registers every connector's health and starts the enabled ones on `tracker`.
pub fn spawn_all(
    configs: &[SourceConfig],
    core: &crate::pipeline::Core,
    cancel: &tokio_util::sync::CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) {
    use super::runner::{Health, run};
    for sc in configs {
        core.sources.set_config(sc.clone());
        let mut health = Health::new(sc.id, sc.label, &sc.base_url, sc.enabled);
        health.insecure_tls = sc.http.insecure_tls;
        // Shown for connectors that are off too: what turning one on would do.
        health.interval_s = sc.schedule.interval.as_secs_f64();
        health.stale_after_s = sc.schedule.stale_after.as_secs_f64();
        if !sc.enabled {
            core.sources.insert(health);
            continue;
        }
        let http = match HttpClient::new(sc.http.clone()) {
            Ok(h) => h,
            Err(e) => {
                health.state = super::runner::State::Degraded;
                health.reason = Some(e.to_string());
                health.last_error = Some(e.to_string());
                core.sources.insert(health);
                tracing::error!(source = sc.id, error = %e, "connector not started");
                continue;
            }
        };
        core.sources.insert(health);
        let (schedule, core, cancel) = (sc.schedule.clone(), core.clone(), cancel.clone());
        match sc.id {
            "cpcb" => tracker.spawn(run(Cpcb::new(sc), http, schedule, core, cancel)),
            "cwc" => {
                let registry = core.sources.clone();
                tracker.spawn(run(Cwc::new(sc, registry), http, schedule, core, cancel))
            }
            "datagov" => tracker.spawn(run(Datagov::new(sc), http, schedule, core, cancel)),
            "imd" => {
                let registry = core.sources.clone();
                tracker.spawn(run(Imd::new(sc, registry), http, schedule, core, cancel))
            }
            "openmeteo" => {
                let feed = OpenMeteo::new(sc, core.clone());
                tracker.spawn(run(feed, http, schedule, core, cancel))
            }
            "satellite" => {
                let feed = super::satellite::connector::Satellite::new(sc, core.clone());
                tracker.spawn(run(feed, http, schedule, core, cancel))
            }
            other => {
                tracing::warn!(source = other, "connector not built into this version");
                continue;
            }
        };
        tracing::info!(source = sc.id, base = %sc.base_url, "connector started");
    }
}
