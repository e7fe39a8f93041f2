//! REST handlers: `/health`, `/stats` (original shapes plus extra keys) and `/api/stations…`.

use super::HubState;
use crate::error::CommandError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

impl IntoResponse for CommandError {
    fn into_response(self) -> Response {
        let status = match self {
            CommandError::UnknownStation(_)
            | CommandError::UnknownAlarm(_)
            | CommandError::NotFound(_) => StatusCode::NOT_FOUND,
            CommandError::Conflict(_) => StatusCode::CONFLICT,
            CommandError::BadRequest(_) => StatusCode::BAD_REQUEST,
            CommandError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!(self))).into_response()
    }
}

pub async fn health(State(s): State<HubState>) -> Json<Value> {
    let (active, by_station) = s.clients.snapshot();
    let subs: usize = by_station.iter().map(|(_, n)| n).sum();
    let mut v = s.core.health_json().await;
    if let Some(o) = v.as_object_mut() {
        o.insert("active_clients".into(), json!(active));
        o.insert("subscriptions".into(), json!(subs));
        o.insert("uptime_s".into(), json!(s.started.elapsed().as_secs()));
    }
    Json(v)
}

pub async fn stats(State(s): State<HubState>) -> Json<Value> {
    let (active, subs) = s.clients.snapshot();
    let by_station: BTreeMap<String, usize> = subs.into_iter().collect();
    Json(json!({
        "active_connections": active,
        // Only stations with at least one subscriber (the original inflated this).
        "stations_monitored": by_station.len(),
        "total_subscriptions": by_station.values().sum::<usize>(),
        "subscriptions_by_station": by_station,
        "uptime_s": s.started.elapsed().as_secs(),
        "sources": {"mqtt": s.core.stats.to_json()},
        "ws_lagged_frames": s.core.stats.ws_lagged.load(std::sync::atomic::Ordering::Relaxed),
    }))
}

pub async fn stations(State(s): State<HubState>) -> Json<Value> {
    Json(s.core.stations_json())
}

pub async fn station(
    State(s): State<HubState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, CommandError> {
    s.core
        .station_json(&id)
        .map(Json)
        .ok_or_else(|| CommandError::UnknownStation(id.chars().take(64).collect()))
}

#[derive(Debug, Deserialize)]
pub struct ReadingsQuery {
    parameter: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl ReadingsQuery {
    fn required_parameter(&self) -> Result<String, CommandError> {
        self.parameter.clone().ok_or_else(|| {
            CommandError::BadRequest("query parameter `parameter` is required".into())
        })
    }
}

pub async fn trend(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q.required_parameter()?;
    s.core
        .trend_json(&id, &parameter, q.from.as_deref(), q.to.as_deref())
        .await
        .map(Json)
}

#[derive(Debug, Deserialize)]
pub struct SeriesQuery {
    parameter: Option<String>,
    from: Option<String>,
    to: Option<String>,
    resolution: Option<String>,
}

pub async fn series(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<SeriesQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q
        .parameter
        .ok_or_else(|| CommandError::BadRequest("`parameter` is required".into()))?;
    s.core
        .series_json(
            &id,
            &parameter,
            q.from.as_deref(),
            q.to.as_deref(),
            q.resolution.as_deref(),
        )
        .await
        .map(Json)
}

#[derive(Debug, Deserialize)]
pub struct WqiQuery {
    method: Option<String>,
    days: Option<u32>,
}

pub async fn wqi(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<WqiQuery>,
) -> Result<Json<Value>, CommandError> {
    s.core
        .wqi_json(&id, q.method.as_deref(), q.days)
        .await
        .map(Json)
}

pub async fn forecast(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q.required_parameter()?;
    s.core.forecast_json(&id, &parameter).await.map(Json)
}

pub async fn anomalies(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q.required_parameter()?;
    s.core
        .anomalies_json(&id, &parameter, q.from.as_deref(), q.to.as_deref())
        .await
        .map(Json)
}

#[derive(Debug, Deserialize)]
pub struct AlertsQuery {
    state: Option<String>,
}

pub async fn alerts(
    State(s): State<HubState>,
    Query(q): Query<AlertsQuery>,
) -> Result<Json<Value>, CommandError> {
    s.core.alerts_json(q.state.as_deref()).await.map(Json)
}

/// Optional body of ack/resolve: `{"by": name, "note": text}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    by: Option<String>,
    note: Option<String>,
}

fn action_body(body: &[u8]) -> Result<ActionBody, CommandError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActionBody::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        CommandError::BadRequest(format!(
            "body must be {{\"by\": name, \"note\": text}}: {e}"
        ))
    })
}

fn alarm_id(raw: &str) -> Result<i64, CommandError> {
    raw.parse().map_err(|_| {
        CommandError::BadRequest(format!(
            "`{}` is not an alarm id",
            raw.chars().take(20).collect::<String>()
        ))
    })
}

async fn act(
    s: HubState,
    id: &str,
    body: &[u8],
    resolve: bool,
    caller: &super::pairing::Caller,
) -> Result<Json<Value>, CommandError> {
    let b = action_body(body)?;
    // A paired device that gives no name acts under its paired name.
    let by = b.by.as_deref().or(caller.name());
    s.core
        .act_on_alarm(alarm_id(id)?, by, b.note.as_deref(), resolve)
        .await
        .map(Json)
}

pub async fn ack(
    State(s): State<HubState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<super::pairing::Caller>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, CommandError> {
    act(s, &id, &body, false, &caller).await
}

pub async fn resolve(
    State(s): State<HubState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<super::pairing::Caller>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, CommandError> {
    act(s, &id, &body, true, &caller).await
}

/// Body of assign: `{"assignee": name | null, "by": name}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    assignee: Option<String>,
    by: Option<String>,
}

pub async fn assign(
    State(s): State<HubState>,
    Path(id): Path<String>,
    axum::Extension(caller): axum::Extension<super::pairing::Caller>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, CommandError> {
    let b: AssignBody = serde_json::from_slice(&body).map_err(|e| {
        CommandError::BadRequest(format!(
            "body must be {{\"assignee\": name or null, \"by\": name}}: {e}"
        ))
    })?;
    s.core
        .assign_alarm(
            alarm_id(&id)?,
            b.assignee.as_deref(),
            b.by.as_deref().or(caller.name()),
        )
        .await
        .map(Json)
}

pub async fn readings(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q.required_parameter()?;
    s.core
        .readings_json(&id, &parameter, q.from.as_deref(), q.to.as_deref())
        .await
        .map(Json)
}

/// `GET /api/stations/{id}/comprehensive`: the unified view (water quality, hydrology,
/// weather) with each field's source, connector and freshness.
pub async fn comprehensive(
    State(s): State<HubState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, CommandError> {
    s.core.comprehensive_json(&id).await.map(Json)
}

#[derive(Debug, Deserialize)]
pub struct DaysQuery {
    days: Option<u32>,
}

/// `GET /api/stations/{id}/satellite?days=`: Sentinel-2 estimates beside in-situ values.
pub async fn satellite(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<DaysQuery>,
) -> Result<Json<Value>, CommandError> {
    s.core.satellite_json(&id, q.days).await.map(Json)
}

/// `GET /api/rivers/{river}`: the original `get_river_data(river)`.
pub async fn river(
    State(s): State<HubState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, CommandError> {
    s.core.area_summary_json("river", &name).map(Json)
}

/// `GET /api/districts/{district}`: the original `get_district_summary(district)`.
pub async fn district(
    State(s): State<HubState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, CommandError> {
    s.core.area_summary_json("district", &name).map(Json)
}

/// `GET /api/states/{state}`: the same summary over a state.
pub async fn state_summary(
    State(s): State<HubState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, CommandError> {
    s.core.area_summary_json("state", &name).map(Json)
}

/// `GET /api/sources`: every connector's health (also under `/health`).
pub async fn sources(State(s): State<HubState>) -> Json<Value> {
    Json(s.core.sources.to_json(chrono::Utc::now()))
}

#[derive(Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
    state: Option<String>,
    river: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/catalogue?q=&state=&river=&limit=`: the India station catalogue.
pub async fn catalogue(
    State(s): State<HubState>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Json<Value>, CommandError> {
    s.core
        .catalogue_json(q.q, q.state, q.river, q.limit)
        .map(Json)
}

#[derive(Deserialize)]
pub struct BackfillBody {
    source: String,
    station: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    #[serde(default)]
    parameters: Vec<String>,
}

/// `POST /api/backfill` `{"source","station","from","to","parameters"?}` → 202 with the job key.
pub async fn backfill(
    State(s): State<HubState>,
    body: Result<Json<BackfillBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), CommandError> {
    let Json(b) = body.map_err(|e| CommandError::BadRequest(e.body_text()))?;
    let job = crate::sources::backfill::Job {
        source: b.source,
        station: b.station,
        from: b.from,
        to: b.to,
        parameters: b.parameters,
    };
    s.core
        .start_backfill(job)
        .map(|v| (StatusCode::ACCEPTED, Json(v)))
}

/// `GET /api/backfill`: jobs started since the hub started, with their progress.
pub async fn backfill_jobs(State(s): State<HubState>) -> Json<Value> {
    Json(s.core.sources.jobs_json())
}

#[derive(Deserialize)]
pub struct ImportQuery {
    label: Option<String>,
}

/// `POST /api/import?label=mpcb` with a CSV station table as the body.
pub async fn import(
    State(s): State<HubState>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, CommandError> {
    s.core
        .import_table(&body, q.label.as_deref().unwrap_or("file_import"))
        .await
        .map(Json)
}

/// The bearer token of a request, from `Authorization: Bearer …` or `?token=` (WebSocket
/// clients in browsers cannot set headers).
pub fn bearer(headers: &axum::http::HeaderMap, query: Option<&str>) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .or_else(|| {
            query?
                .split('&')
                .find_map(|kv| kv.strip_prefix("token="))
                .map(str::to_string)
        })
}

/// Whether the request's `Origin` (if any) names the host it was sent to. Browsers send one on
/// cross-origin requests (and WebSocket handshakes); other clients (curl, scripts, the app's own
/// same-origin fetches) may send none, which counts as same-origin.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    // An Origin that is not text names no host, so it cannot be this one.
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// Whether the request's `Host` names this machine by a loopback name (`localhost`,
/// `*.localhost`, `127.x.y.z`, `[::1]`). A page that reached a loopback peer under any other
/// name may be a DNS-rebinding attack (a web site whose name now resolves to 127.0.0.1: its
/// requests are "same-origin" with itself), so loopback trust needs a loopback name too.
fn loopback_host(headers: &axum::http::HeaderMap) -> bool {
    let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        // HTTP/1.0 without Host: nothing names another site.
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Cross-origin access for pages served elsewhere: the app window (`tauri://localhost`,
/// `http(s)://tauri.localhost`) and another hub's dashboard pointed at this hub. Any origin is
/// mirrored because the guard, not CORS, decides who may act: reads are open anyway, and a
/// foreign page acts only with a device token it sends itself (never cookies, never loopback
/// trust). Private Network Access is not granted, so Chromium still keeps public web sites
/// away from a LAN hub.
pub fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{Method, header};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([header::CONTENT_TYPE, header::CONTENT_LENGTH])
        .max_age(std::time::Duration::from_secs(600))
}

const UNPAIRED: &str = "pair this device first (a code from Settings → Pair a device on the hub's screen, then POST /api/pair), or send Authorization: Bearer <token>";
const UNPAIRED_HOST: &str = "this machine is trusted only under a loopback name (http://localhost:PORT or http://127.0.0.1:PORT), not under the name this request used, which another web site could point here (DNS rebinding): open the hub as localhost, or pair this device first (a code from Settings → Pair a device, then POST /api/pair) and send Authorization: Bearer <token>";
const UNPAIRED_FOREIGN: &str = "this page comes from another origin, which is never trusted as this machine: pair this device first (a code from Settings → Pair a device on the hub's screen, then POST /api/pair) and send Authorization: Bearer <token>";

/// Every request passes here: reads are open; anything that changes state (any method other
/// than GET/HEAD, except the pairing exchange itself) needs a trusted caller. The caller is
/// attached to the request for handlers that record who acted.
pub async fn guard(
    State(s): State<HubState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = bearer(req.headers(), req.uri().query());
    let peer_is_loopback = peer.ip().to_canonical().is_loopback();
    // A page from another origin is never "this machine": its browser may well run on the
    // hub's computer, and trusting loopback there would let any web site act through it
    // (CSRF, cross-site WebSocket). It may act only with a device token, which a browser never
    // attaches on its own. The WebSocket keeps these credentials for its alarm actions.
    let foreign = !same_origin(req.headers());
    let named_elsewhere = !loopback_host(req.headers());
    let peer = (!foreign && !named_elsewhere).then_some(peer);
    let caller = s.pairing.caller(peer, token.as_deref()).await;
    let reading = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    req.extensions_mut().insert(super::pairing::Credentials {
        peer,
        token: token.clone(),
    });
    if !reading && req.uri().path() != "/api/pair" && !caller.trusted() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "kind": "unauthorized",
                "message": if foreign {
                    UNPAIRED_FOREIGN
                } else if named_elsewhere && peer_is_loopback {
                    UNPAIRED_HOST
                } else {
                    UNPAIRED
                },
            })),
        )
            .into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

#[derive(Deserialize)]
pub struct PairBody {
    code: String,
    name: String,
}

fn pair_error(e: super::pairing::PairError) -> Response {
    use super::pairing::PairError;
    let status = match e {
        PairError::WrongCode => StatusCode::FORBIDDEN,
        PairError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        PairError::BadName => StatusCode::BAD_REQUEST,
        PairError::UnknownDevice(_) => StatusCode::NOT_FOUND,
        PairError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let kind = match status {
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        _ => "storage",
    };
    (
        status,
        Json(json!({"kind": kind, "message": e.to_string()})),
    )
        .into_response()
}

/// `POST /api/pair` `{"code": "123456", "name": "Field tablet 3"}` → the device's token.
pub async fn pair(
    State(s): State<HubState>,
    body: Result<Json<PairBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => {
            return CommandError::BadRequest(format!(
                "body must be {{\"code\": \"123456\", \"name\": text}}: {}",
                e.body_text()
            ))
            .into_response();
        }
    };
    match s.pairing.pair(&b.code, &b.name).await {
        Ok((token, id, name)) => {
            Json(json!({"token": token, "device_id": id, "name": name})).into_response()
        }
        Err(e) => pair_error(e),
    }
}

/// `POST /api/pair/start` (trusted callers): a one-time code, the links to open and their QR.
pub async fn pair_start(State(s): State<HubState>) -> Json<Value> {
    Json(s.pairing.start_json(s.listen))
}

/// `GET /api/pair/status`: whether this caller may act, and as whom.
pub async fn pair_status(
    axum::Extension(caller): axum::Extension<super::pairing::Caller>,
) -> Json<Value> {
    Json(json!({
        "trusted": caller.trusted(),
        "local": caller == super::pairing::Caller::Local,
        "device": caller.name(),
        "device_id": caller.device_id(),
    }))
}

#[derive(Deserialize)]
pub struct QrQuery {
    text: String,
}

/// `GET /api/pair/qr.svg?text=…`: a QR code of a pairing link (at most 512 characters).
pub async fn pair_qr(Query(q): Query<QrQuery>) -> Response {
    if q.text.is_empty() || q.text.len() > 512 {
        return CommandError::BadRequest("text: 1 to 512 characters".into()).into_response();
    }
    match super::pairing::qr_svg(&q.text) {
        Some(svg) => ([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        None => CommandError::BadRequest("text does not fit in a QR code".into()).into_response(),
    }
}

/// `GET /api/devices` (trusted callers): paired devices, revoked ones included.
pub async fn devices(
    State(s): State<HubState>,
    axum::Extension(caller): axum::Extension<super::pairing::Caller>,
) -> Response {
    if !caller.trusted() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"kind": "unauthorized", "message": "only a trusted caller may list devices"})),
        )
            .into_response();
    }
    match s.pairing.devices_json().await {
        Ok(v) => Json(v).into_response(),
        Err(e) => CommandError::Store(e).into_response(),
    }
}

/// `DELETE /api/devices/{id}`: revokes a device.
pub async fn revoke_device(State(s): State<HubState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return CommandError::BadRequest(format!(
            "`{}` is not a device id",
            id.chars().take(20).collect::<String>()
        ))
        .into_response();
    };
    match s.pairing.revoke(id).await {
        Ok(()) => Json(json!({"revoked": id})).into_response(),
        Err(e) => pair_error(e),
    }
}

/// `GET /api/profiles`: criteria profiles (the original table first).
pub async fn profiles(State(s): State<HubState>) -> Json<Value> {
    Json(s.core.profiles_json())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    profile: String,
}

/// `POST /api/stations/{id}/profile` `{"profile": "cpcb.dbu.C"}` (trusted callers).
pub async fn set_profile(
    State(s): State<HubState>,
    Path(id): Path<String>,
    body: Result<Json<ProfileBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, CommandError> {
    let Json(b) = body.map_err(|e| {
        CommandError::BadRequest(format!(
            "body must be {{\"profile\": id}}: {}",
            e.body_text()
        ))
    })?;
    s.core.set_station_profile(&id, &b.profile).await.map(Json)
}

/// `GET /api/stations/{id}/forecast/verification?parameter=P`: stored forecasts against what
/// was later observed.
pub async fn forecast_verification(
    State(s): State<HubState>,
    Path(id): Path<String>,
    Query(q): Query<ReadingsQuery>,
) -> Result<Json<Value>, CommandError> {
    let parameter = q.required_parameter()?;
    s.core.verification_json(&id, &parameter).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::{loopback_host, same_origin};
    use axum::http::{HeaderMap, HeaderValue, header};

    fn headers(origin: Option<HeaderValue>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o);
        }
        h
    }

    #[test]
    fn only_this_hub_or_no_origin_is_same_origin() {
        assert!(same_origin(&headers(None)));
        assert!(same_origin(&headers(Some(HeaderValue::from_static(
            "http://127.0.0.1:8080"
        )))));
        for foreign in [
            "http://localhost:8080",
            "http://127.0.0.1:8081",
            "tauri://localhost",
            "http://tauri.localhost",
            "null",
        ] {
            assert!(
                !same_origin(&headers(Some(HeaderValue::from_static(foreign)))),
                "{foreign}"
            );
        }
        // An Origin that is not text is not "no Origin".
        let odd = HeaderValue::from_bytes(b"http://\xff:8080").unwrap();
        assert!(!same_origin(&headers(Some(odd))));
    }

    fn host(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, v.parse().unwrap());
        h
    }

    #[test]
    fn only_loopback_names_count_as_this_machine() {
        for ok in [
            "localhost:8080",
            "LOCALHOST",
            "localhost.:80",
            "app.localhost:1",
            "127.0.0.1:8080",
            "127.8.9.1",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(loopback_host(&host(ok)), "{ok}");
        }
        for rebound in [
            "evil.example:8080",
            "localhost.evil.example",
            "192.168.1.5:8080",
            "[fe80::1]:80",
            "hub-pc:8080",
            "",
        ] {
            assert!(!loopback_host(&host(rebound)), "{rebound}");
        }
        assert!(loopback_host(&HeaderMap::new()));
    }
}
