//! The hub: one axum listener serving the UI at `/`, the REST API under `/api`, the legacy
//! WebSocket endpoints `/ws` and `/ws/station/{id}`, and `/health` and `/stats`
//! (seed-protocol.md). Live frames come pre-serialised from the pipeline's broadcast.

mod api;
mod assets;
pub mod fanout;
pub mod messages;
pub mod pairing;
mod ws;

use crate::pipeline::Core;
use axum::Router;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Error)]
pub enum HubError {
    #[error("cannot listen on {addr} (choose another address with --listen)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("hub server failed: {0}")]
    Serve(std::io::Error),
    #[error("cannot load paired devices: {0}")]
    Pairing(crate::store::StoreError),
}

#[derive(Clone)]
pub struct HubState {
    pub core: Core,
    /// Connected WebSocket clients and their subscriptions; routes live frames.
    pub clients: Arc<fanout::Registry>,
    pub cancel: CancellationToken,
    pub started: std::time::Instant,
    /// Paired devices and one-time codes: who may act (acknowledge, resolve, import…).
    pub pairing: Arc<pairing::Pairing>,
    /// The address the hub listens on (for pairing links).
    pub listen: SocketAddr,
}

pub fn router(state: HubState) -> Router {
    Router::new()
        .route("/ws", get(ws::general))
        .route("/ws/station/{id}", get(ws::station))
        .route("/health", get(api::health))
        .route("/stats", get(api::stats))
        .route("/api/stations", get(api::stations))
        .route("/api/stations/{id}", get(api::station))
        .route("/api/stations/{id}/readings", get(api::readings))
        .route("/api/stations/{id}/trend", get(api::trend))
        .route("/api/stations/{id}/anomalies", get(api::anomalies))
        .route("/api/stations/{id}/forecast", get(api::forecast))
        .route(
            "/api/stations/{id}/forecast/verification",
            get(api::forecast_verification),
        )
        .route("/api/stations/{id}/wqi", get(api::wqi))
        .route("/api/stations/{id}/series", get(api::series))
        .route("/api/stations/{id}/comprehensive", get(api::comprehensive))
        .route("/api/stations/{id}/satellite", get(api::satellite))
        .route("/api/rivers/{river}", get(api::river))
        .route("/api/districts/{district}", get(api::district))
        .route("/api/states/{state}", get(api::state_summary))
        .route("/api/sources", get(api::sources))
        .route("/api/profiles", get(api::profiles))
        .route(
            "/api/stations/{id}/profile",
            axum::routing::post(api::set_profile),
        )
        .route("/api/catalogue", get(api::catalogue))
        .route("/api/backfill", get(api::backfill_jobs).post(api::backfill))
        .route(
            "/api/import",
            axum::routing::post(api::import).layer(axum::extract::DefaultBodyLimit::max(16 << 20)),
        )
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}/ack", axum::routing::post(api::ack))
        .route("/api/alerts/{id}/assign", axum::routing::post(api::assign))
        .route(
            "/api/alerts/{id}/resolve",
            axum::routing::post(api::resolve),
        )
        .route("/api/pair", axum::routing::post(api::pair))
        .route("/api/pair/start", axum::routing::post(api::pair_start))
        .route("/api/pair/status", get(api::pair_status))
        .route("/api/pair/qr.svg", get(api::pair_qr))
        .route("/api/devices", get(api::devices))
        .route(
            "/api/devices/{id}",
            axum::routing::delete(api::revoke_device),
        )
        .fallback(assets::serve)
        // JSON and the UI bundle compress ~10× (the 5,000-station list is ~6 MB raw); WebSocket
        // upgrades are not compressed.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::guard,
        ))
        // Outside the guard: preflights are answered here, and the guard's refusals carry the
        // CORS headers, so a page from another origin can read why it was refused.
        .layer(api::cors())
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// A bound, not yet serving hub; binding first lets callers learn the real port.
pub struct Hub {
    listener: TcpListener,
    state: HubState,
}

impl Hub {
    pub async fn bind(
        addr: SocketAddr,
        core: Core,
        cancel: CancellationToken,
        trust_loopback: bool,
    ) -> Result<Hub, HubError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| HubError::Bind { addr, source })?;
        let pairing = pairing::Pairing::load(core.store.clone(), trust_loopback)
            .await
            .map_err(HubError::Pairing)?;
        let listen = listener.local_addr().unwrap_or(addr);
        Ok(Hub {
            listener,
            state: HubState {
                core,
                clients: Arc::default(),
                cancel,
                pairing: Arc::new(pairing),
                listen,
                started: std::time::Instant::now(),
            },
        })
    }

    pub fn pairing(&self) -> Arc<pairing::Pairing> {
        self.state.pairing.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until the cancellation token fires.
    pub async fn serve(self) -> Result<(), HubError> {
        let cancel = self.state.cancel.clone();
        tokio::spawn(fanout::run(
            self.state.clients.clone(),
            self.state.core.subscribe(),
            cancel.clone(),
        ));
        // Peer addresses decide whether a caller is this machine (see `pairing`).
        axum::serve(
            self.listener,
            router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await
        .map_err(HubError::Serve)
    }
}
