//! The desktop shell (feature `gui`): a Tauri window over the same core the hub runs.
//! Commands are thin calls into [`Core`]; every hub frame is forwarded to the window as the
//! `hub://message` event, so the UI sees one protocol in the window and in a browser.

use crate::config::{AppConfig, Overrides};
use crate::error::CommandError;
use crate::pipeline::Core;
use crate::runtime::{self, Running, StartError};
use serde_json::Value;
use std::sync::Mutex;
use tauri::{Emitter, Manager, RunEvent, State};
use thiserror::Error;

pub const MESSAGE_EVENT: &str = "hub://message";

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("desktop window failed: {0}")]
    Tauri(#[from] tauri::Error),
}

#[tauri::command]
async fn list_stations(core: State<'_, Core>) -> Result<Value, CommandError> {
    Ok(core.stations_json())
}

#[tauri::command]
async fn station_readings(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<Value, CommandError> {
    core.readings_json(&station_id, &parameter, from.as_deref(), to.as_deref())
        .await
}

#[tauri::command]
async fn station_trend(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<Value, CommandError> {
    core.trend_json(&station_id, &parameter, from.as_deref(), to.as_deref())
        .await
}

#[tauri::command]
async fn station_anomalies(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<Value, CommandError> {
    core.anomalies_json(&station_id, &parameter, from.as_deref(), to.as_deref())
        .await
}

#[tauri::command]
async fn station_forecast(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
) -> Result<Value, CommandError> {
    core.forecast_json(&station_id, &parameter).await
}

#[tauri::command]
async fn station_series(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
    from: Option<String>,
    to: Option<String>,
    resolution: Option<String>,
) -> Result<Value, CommandError> {
    core.series_json(
        &station_id,
        &parameter,
        from.as_deref(),
        to.as_deref(),
        resolution.as_deref(),
    )
    .await
}

#[tauri::command]
async fn station_wqi(
    core: State<'_, Core>,
    station_id: String,
    method: Option<String>,
    days: Option<u32>,
) -> Result<Value, CommandError> {
    core.wqi_json(&station_id, method.as_deref(), days).await
}

/// The unified view of one station (`GET /api/stations/{id}/comprehensive`).
#[tauri::command]
async fn station_comprehensive(
    core: State<'_, Core>,
    station_id: String,
) -> Result<Value, CommandError> {
    core.comprehensive_json(&station_id).await
}

/// Sentinel-2 estimates beside in-situ values (`GET /api/stations/{id}/satellite`).
#[tauri::command]
async fn station_satellite(
    core: State<'_, Core>,
    station_id: String,
    days: Option<u32>,
) -> Result<Value, CommandError> {
    core.satellite_json(&station_id, days).await
}

/// River or district summary (`GET /api/rivers/{name}`, `/api/districts/{name}`).
#[tauri::command]
async fn area_summary(
    core: State<'_, Core>,
    kind: String,
    name: String,
) -> Result<Value, CommandError> {
    match kind.as_str() {
        "river" | "district" | "state" => core.area_summary_json(&kind, &name),
        other => Err(CommandError::BadRequest(format!(
            "kind: `{}` is not river, district or state",
            other.chars().take(20).collect::<String>()
        ))),
    }
}

/// Stored forecasts scored against later observations
/// (`GET /api/stations/{id}/forecast/verification`).
#[tauri::command]
async fn forecast_verification(
    core: State<'_, Core>,
    station_id: String,
    parameter: String,
) -> Result<Value, CommandError> {
    core.verification_json(&station_id, &parameter).await
}

/// Criteria profiles (`GET /api/profiles`).
#[tauri::command]
fn list_profiles(core: State<'_, Core>) -> Value {
    core.profiles_json()
}

/// Grades a station under another profile (`POST /api/stations/{id}/profile`).
#[tauri::command]
async fn set_station_profile(
    core: State<'_, Core>,
    station_id: String,
    profile: String,
) -> Result<Value, CommandError> {
    core.set_station_profile(&station_id, &profile).await
}

/// The India station catalogue (`GET /api/catalogue`).
#[tauri::command]
async fn catalogue(
    core: State<'_, Core>,
    q: Option<String>,
    state: Option<String>,
    river: Option<String>,
    limit: Option<usize>,
) -> Result<Value, CommandError> {
    core.catalogue_json(q, state, river, limit)
}

/// The same report as the hub's `/health` (without its WebSocket client counts).
#[tauri::command]
async fn health(core: State<'_, Core>) -> Result<Value, CommandError> {
    Ok(core.health_json().await)
}

#[tauri::command]
async fn list_alerts(core: State<'_, Core>, state: Option<String>) -> Result<Value, CommandError> {
    core.alerts_json(state.as_deref()).await
}

#[tauri::command]
async fn ack_alert(
    core: State<'_, Core>,
    id: i64,
    by: Option<String>,
    note: Option<String>,
) -> Result<Value, CommandError> {
    core.act_on_alarm(id, by.as_deref(), note.as_deref(), false)
        .await
}

#[tauri::command]
async fn resolve_alert(
    core: State<'_, Core>,
    id: i64,
    by: Option<String>,
    note: Option<String>,
) -> Result<Value, CommandError> {
    core.act_on_alarm(id, by.as_deref(), note.as_deref(), true)
        .await
}

#[tauri::command]
async fn assign_alert(
    core: State<'_, Core>,
    id: i64,
    assignee: Option<String>,
    by: Option<String>,
) -> Result<Value, CommandError> {
    core.assign_alarm(id, assignee.as_deref(), by.as_deref())
        .await
}

fn pairing_of(
    running: &State<'_, Mutex<Option<Running>>>,
) -> Option<(
    std::sync::Arc<crate::hub::pairing::Pairing>,
    std::net::SocketAddr,
)> {
    running
        .lock()
        .ok()
        .and_then(|r| r.as_ref().map(|r| (r.pairing.clone(), r.hub_addr)))
}

/// A one-time pairing code with its links and QR code (the window is trusted).
#[tauri::command]
fn pair_start(running: State<'_, Mutex<Option<Running>>>) -> Result<Value, CommandError> {
    let (p, listen) = pairing_of(&running)
        .ok_or_else(|| CommandError::Conflict("the hub is not running".into()))?;
    Ok(p.start_json(listen))
}

/// Paired devices, revoked ones included.
#[tauri::command]
async fn list_devices(running: State<'_, Mutex<Option<Running>>>) -> Result<Value, CommandError> {
    let (p, _) = pairing_of(&running)
        .ok_or_else(|| CommandError::Conflict("the hub is not running".into()))?;
    Ok(p.devices_json().await?)
}

/// Revokes a paired device.
#[tauri::command]
async fn revoke_device(
    running: State<'_, Mutex<Option<Running>>>,
    id: i64,
) -> Result<Value, CommandError> {
    let (p, _) = pairing_of(&running)
        .ok_or_else(|| CommandError::Conflict("the hub is not running".into()))?;
    p.revoke(id)
        .await
        .map(|()| serde_json::json!({"revoked": id}))
        .map_err(|e| match e {
            crate::hub::pairing::PairError::UnknownDevice(_) => {
                CommandError::NotFound(e.to_string())
            }
            other => CommandError::BadRequest(other.to_string()),
        })
}

/// Hub address, so the window can show where LAN devices should connect.
#[tauri::command]
fn hub_info(running: State<'_, Mutex<Option<Running>>>) -> Value {
    let addr = running
        .lock()
        .ok()
        .and_then(|r| r.as_ref().map(|r| r.hub_addr.to_string()));
    serde_json::json!({"listen": addr})
}

/// Starts the core, then the window; runs until the window closes.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() -> Result<(), AppError> {
    let mut cfg = AppConfig::load(&Overrides::default())?;
    // A desktop session notifies unless the config says otherwise.
    if !cfg.notifications_set {
        cfg.notify.enabled = true;
    }
    // The core runs on Tauri's tokio runtime, started before the window so a port conflict
    // is reported as an error instead of an empty window.
    let running = tauri::async_runtime::block_on(runtime::start(&cfg))?;
    tracing::info!(hub = %running.hub_addr, "core started");
    let core = running.core.clone();
    let app = tauri::Builder::default()
        .manage(core.clone())
        .manage(Mutex::new(Some(running)))
        .invoke_handler(tauri::generate_handler![
            list_stations,
            station_readings,
            station_trend,
            station_anomalies,
            station_forecast,
            station_wqi,
            station_series,
            health,
            station_comprehensive,
            station_satellite,
            area_summary,
            catalogue,
            list_profiles,
            set_station_profile,
            forecast_verification,
            list_alerts,
            ack_alert,
            resolve_alert,
            assign_alert,
            hub_info,
            pair_start,
            list_devices,
            revoke_device
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            let mut rx = core.subscribe();
            tauri::async_runtime::spawn(async move {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    match rx.recv().await {
                        Ok(o) => {
                            if let Ok(v) = serde_json::from_str::<Value>(&o.frame) {
                                let _ = handle.emit(MESSAGE_EVENT, v);
                            }
                        }
                        Err(RecvError::Lagged(n)) => {
                            let _ = handle.emit(
                                MESSAGE_EVENT,
                                serde_json::json!({"type": "error", "code": "lagged", "message": format!("lagged: {n} updates dropped")}),
                            );
                        }
                        Err(RecvError::Closed) => break,
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            let state = handle.state::<Mutex<Option<Running>>>();
            let running = state.lock().ok().and_then(|mut r| r.take());
            if let Some(r) = running {
                tauri::async_runtime::block_on(r.shutdown());
            }
        }
    });
    Ok(())
}
