//! Starting and stopping the core: store, live state, MQTT (embedded broker or external),
//! the hub and, on request, the demo feed. The headless `hub` command and the desktop app
//! both start exactly this.

use crate::config::{AppConfig, MqttMode};
use crate::demo;
use crate::hub::{Hub, HubError};
use crate::ingest::broker::{self, BrokerError};
use crate::ingest::mqtt::{self, MqttSettings};
use crate::ingest::tls;
use crate::pipeline::Core;
use crate::store::{Store, StoreError};
use std::net::SocketAddr;
use thiserror::Error;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("start-up task failed: {0}")]
    Join(String),
}

/// A running core. Dropping it does not stop it: call [`Running::shutdown`].
pub struct Running {
    pub core: Core,
    pub hub_addr: SocketAddr,
    /// Paired devices (the window manages them over IPC).
    pub pairing: std::sync::Arc<crate::hub::pairing::Pairing>,
    pub mqtt: MqttMode,
    pub cancel: CancellationToken,
    tracker: TaskTracker,
}

pub async fn start(cfg: &AppConfig) -> Result<Running, StartError> {
    let store = Store::open(&cfg.data_dir)?;
    let core = Core::open(store, cfg.watchdog.clone(), &cfg.stations).await?;
    core.set_alarm_policy(cfg.alarms.clone());
    if cfg.demo {
        for info in demo::stations() {
            core.register_station(info).await?;
        }
        seed_demo_history(&core).await?;
    }
    if let MqttMode::Embedded { listen } = &cfg.mqtt {
        let listen = *listen;
        let login = cfg.mqtt_credentials.clone();
        tokio::task::spawn_blocking(move || broker::start(listen, login.as_ref()))
            .await
            .map_err(|e| StartError::Join(e.to_string()))??;
    }
    // Models load off the async threads, before the hub answers, so /health is complete.
    // The India station catalogue (CPCB NWMP list): river/state metadata for area summaries.
    let registry = core.sources.clone();
    tokio::task::spawn_blocking(
        move || match crate::sources::catalogue::Catalogue::bundled() {
            Ok(cat) => registry.install_catalogue(cat),
            Err(e) => tracing::error!(error = %e, "station catalogue not loaded"),
        },
    )
    .await
    .map_err(|e| StartError::Join(e.to_string()))?;
    let fc = cfg.forecast.clone();
    let forecasting = core.forecasting.clone();
    tokio::task::spawn_blocking(move || {
        forecasting.install(crate::forecast::Models::load(
            fc.backend,
            fc.onnxruntime_library.as_deref(),
            fc.models_dir.as_deref(),
        ))
    })
    .await
    .map_err(|e| StartError::Join(e.to_string()))?;
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    let hub = Hub::bind(cfg.listen, core.clone(), cancel.clone(), cfg.trust_loopback).await?;
    let hub_addr = hub.local_addr();
    let pairing = hub.pairing();
    let (host, port) = cfg.mqtt.broker_address();
    let settings = MqttSettings {
        host: host.clone(),
        port,
        client_id: cfg.mqtt_client_id.clone(),
        timezone: cfg.timezone.clone(),
        credentials: cfg.mqtt_credentials.clone(),
        tls: cfg.mqtt_tls.as_ref().map(tls::client_config).transpose()?,
        routes: cfg.mqtt_routes.clone(),
    };
    tracker.spawn(mqtt::run(settings, core.clone(), cancel.clone()));
    let hub_cancel = cancel.clone();
    tracker.spawn(async move {
        if let Err(e) = hub.serve().await {
            tracing::error!(error = %e, "hub stopped");
            hub_cancel.cancel();
        }
    });
    spawn_loops(cfg, &core, &cancel, &tracker);
    crate::sources::feeds::spawn_all(&cfg.sources, &core, &cancel, &tracker);
    if let Ok(mut n) = core.notify_config.lock() {
        *n = cfg.notify.clone();
    }
    if cfg.notify.enabled {
        let offset = match &cfg.timezone {
            crate::config::TimeZoneSetting::Local => {
                chrono::Local::now().offset().local_minus_utc() / 60
            }
            crate::config::TimeZoneSetting::Named(tz) => {
                use chrono::{Offset, TimeZone};
                tz.offset_from_utc_datetime(&chrono::Utc::now().naive_utc())
                    .fix()
                    .local_minus_utc()
                    / 60
            }
        };
        tracker.spawn(crate::notify::run(
            core.clone(),
            cfg.notify.clone(),
            offset,
            cancel.clone(),
        ));
    }
    if cfg.demo {
        let (speed, c) = (cfg.demo_speed, cancel.clone());
        let login = cfg.mqtt_credentials.clone();
        tracker.spawn(async move {
            if let Err(e) = demo::run(host, port, speed, login, c).await {
                tracing::error!(error = %e, "demo feed stopped");
            }
        });
    }
    tracker.close();
    Ok(Running {
        core,
        hub_addr,
        pairing,
        mqtt: cfg.mqtt.clone(),
        cancel,
        tracker,
    })
}

/// The orchestrator's supervised loops (docs/ARCHITECTURE.md, "Tasks and shutdown").
fn spawn_loops(cfg: &AppConfig, core: &Core, cancel: &CancellationToken, tracker: &TaskTracker) {
    use crate::orchestrator::supervise;
    use std::time::Duration;
    let secs = Duration::from_secs_f64;
    let c = core.clone();
    tracker.spawn(supervise(
        "prediction",
        secs(cfg.forecast.interval_s),
        core.loops.clone(),
        cancel.clone(),
        move || {
            let c = c.clone();
            async move {
                c.forecast_cycle(chrono::Utc::now())
                    .await
                    .map(|r| {
                        format!(
                            "{} series forecast, {} skipped, {} alarm changes",
                            r.series, r.skipped, r.alarms
                        )
                    })
                    .map_err(|e| e.to_string())
            }
        },
    ));
    let c = core.clone();
    tracker.spawn(supervise(
        "anomaly",
        secs(cfg.loops.anomaly_s),
        core.loops.clone(),
        cancel.clone(),
        move || {
            let c = c.clone();
            async move {
                c.anomaly_scan(chrono::Utc::now())
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    ));
    // Station watchdog: its own cadence (seconds), so offline is noticed promptly.
    let c = core.clone();
    tracker.spawn(supervise(
        "watchdog",
        secs(cfg.watchdog.check_every_s),
        core.loops.clone(),
        cancel.clone(),
        move || {
            let c = c.clone();
            async move {
                let n = c.check_offline(chrono::Utc::now()).await;
                if n > 0 {
                    tracing::warn!(stations = n, "stations went offline");
                }
                Ok(format!("{n} went offline"))
            }
        },
    ));
    // Health: alarm timers (escalation, reminders).
    let c = core.clone();
    tracker.spawn(supervise(
        "health",
        secs(cfg.loops.health_s),
        core.loops.clone(),
        cancel.clone(),
        move || {
            let c = c.clone();
            async move {
                let n = c.alarm_timers(chrono::Utc::now()).await;
                Ok(format!("{n} escalations/reminders"))
            }
        },
    ));
}

/// Gives the demo sonde a year of history on first start (never twice: a restart keeps it).
async fn seed_demo_history(core: &Core) -> Result<(), StartError> {
    let seeded = core
        .store
        .series_keys()
        .await?
        .iter()
        .any(|(s, _)| s == "apacpwq");
    if seeded {
        return Ok(());
    }
    let records = tokio::task::spawn_blocking(demo::swmp_records)
        .await
        .map_err(|e| StartError::Join(e.to_string()))?
        .map_err(|e| StartError::Join(e.to_string()))?;
    let history = demo::history(&records, chrono::Utc::now());
    let n = core.import_history(history).await?;
    tracing::info!(readings = n, "demo history seeded");
    Ok(())
}

impl Running {
    /// Stops every task and waits for them; what was committed stays committed.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        if tokio::time::timeout(std::time::Duration::from_secs(10), self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some tasks did not stop within 10 s");
        }
    }
}
