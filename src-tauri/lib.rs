//! # Pure Health core
//!
//! Live river and lake water-quality monitoring that keeps working offline. One library
//! serves the desktop app (Tauri, feature `gui`) and the headless hub (`purehealth hub`).
//!
//! ## Data path
//! ```text
//! sensor ─MQTT─▶ ingest::mqtt ─decode─▶ ingest::payload (units, QC flag)
//!                     │ (ack only after commit)
//!                     ▼
//!               pipeline::Core ──▶ store (SQLite, one writer, group commit)
//!                     │
//!                     ├─▶ live (latest values, WQI, alert levels)
//!                     └─▶ broadcast of pre-serialised frames ──▶ hub (/ws, /api) ──▶ browsers
//!                                                           └──▶ app (Tauri events) ──▶ window
//! ```
//!
//! ## Layout
//! - [`model`], [`units`], [`quality`], [`wqi`]: pure domain logic, no IO.
//! - [`config`]: defaults → file → environment → CLI, validated once.
//! - [`store`]: SQLite cache; [`live`]: in-memory latest state rebuilt from it at start-up.
//! - [`ingest`]: MQTT client, payload decoding, embedded broker.
//! - [`pipeline`]: store → live → frames; [`hub`]: axum HTTP/WebSocket server.
//! - [`sources`]: government, weather and satellite connectors behind one HTTP client and
//!   runner; [`satellite_view`]: a station's Sentinel-2 estimates beside in-situ values.
//! - [`runtime`]: starts and stops all of the above; [`demo`]: real-data replay feed.
//! - `app` (feature `gui`): the Tauri shell, thin over the same [`pipeline::Core`].
//!
//! Core modules never import Tauri; the headless build has no GTK/WebKit dependency.

pub mod alarms;
pub mod anomaly;
pub mod ccme;
pub mod cli;
pub mod comprehensive;
pub mod config;
pub mod demo;
pub mod error;
pub mod forecast;
pub mod hub;
pub mod indices;
pub mod ingest;
pub mod live;
pub mod model;
pub mod notify;
pub mod orchestrator;
pub mod pipeline;
pub mod prediction;
pub mod priority;
pub mod profiles;
pub mod qc;
pub mod quality;
pub mod runtime;
pub mod satellite_view;
pub mod scans;
pub mod sources;
pub mod stats;
pub mod store;
pub mod trend;
pub mod units;
pub mod wqi;

#[cfg(feature = "gui")]
pub mod app;

/// Logs to stderr; `RUST_LOG` overrides the default level (`info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,rumqttd=error,rumqttd::server::broker=off,rumqttc=warn",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Whether a graphical session is available for the desktop window.
pub fn has_display() -> bool {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
    } else {
        true
    }
}
