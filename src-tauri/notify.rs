//! Native desktop notifications for alarms: new warning/critical alarms, escalations and
//! reminders become notifications (notify-rust: the freedesktop D-Bus service on Linux, the
//! platform centre on macOS and Windows), filtered by a minimum severity and quiet hours.
//! On mobile the window raises them with tauri-plugin-notification instead.

use crate::pipeline::Core;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_util::sync::CancellationToken;

/// Who gets notified of what (config: `notifications`, `notify_min_severity`,
/// `notify_quiet_hours`).
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    pub enabled: bool,
    /// `warning` or `critical`.
    pub min_severity: String,
    /// Local-time window (minutes after midnight, start..end, may wrap) with no notifications.
    pub quiet: Option<(u32, u32)>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            enabled: false,
            min_severity: "warning".into(),
            quiet: None,
        }
    }
}

/// Parses `HH:MM-HH:MM`.
pub fn parse_quiet_hours(s: &str) -> Result<(u32, u32), String> {
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}` is not HH:MM-HH:MM"))?;
    match (minutes(a), minutes(b)) {
        (Some(a), Some(b)) if a != b => Ok((a, b)),
        _ => Err(format!("`{s}` is not HH:MM-HH:MM with two different times")),
    }
}

/// Whether `minute` (after local midnight) falls in the quiet window.
pub fn in_quiet_hours(quiet: Option<(u32, u32)>, minute: u32) -> bool {
    match quiet {
        None => false,
        Some((a, b)) if a < b => (a..b).contains(&minute),
        Some((a, b)) => minute >= a || minute < b,
    }
}

/// A notification to show, decided from one hub frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    pub critical: bool,
    /// The alarm an "Acknowledge" action on the notification acknowledges.
    pub alarm_id: i64,
}

/// The notification for an `alert` frame, if it deserves one: a newly raised alarm (or a
/// severity change), an escalation or a reminder, at or above the minimum severity.
/// Clears, acknowledgements and the original per-level transition alerts without an alarm are
/// not notified.
pub fn note_for(frame: &Value, min_severity: &str) -> Option<Note> {
    if frame.get("type")?.as_str()? != "alert" {
        return None;
    }
    let a = frame.get("alert")?;
    let severity = a.get("severity")?.as_str()?;
    let rank = |s: &str| match s {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    };
    if rank(severity) == 0 || rank(severity) < rank(min_severity) {
        return None;
    }
    let alarm_id = a.get("alarm_id")?.as_i64()?;
    let event = a.get("event").and_then(Value::as_str);
    let workflow = a.get("workflow_state").and_then(Value::as_str);
    let prefix = match (event, workflow) {
        (Some("escalated"), _) => "Escalated: ",
        (Some("reminder"), _) => "Reminder: ",
        (Some(_), _) => return None,
        (None, Some("open")) => "",
        _ => return None,
    };
    let station = a
        .get("station_name")
        .and_then(Value::as_str)
        .unwrap_or("station");
    Some(Note {
        summary: format!(
            "{prefix}{} {} at {station}",
            if severity == "critical" {
                "CRITICAL"
            } else {
                "Warning"
            },
            a.get("parameter").and_then(Value::as_str).unwrap_or(""),
        ),
        body: a
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        critical: severity == "critical",
        alarm_id,
    })
}

/// Counters for `/health`.
#[derive(Debug, Default)]
pub struct NotifyStats {
    pub shown: AtomicU64,
    pub quiet: AtomicU64,
    pub failed: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

impl NotifyStats {
    pub fn to_json(&self, cfg: &NotifyConfig) -> Value {
        serde_json::json!({
            "enabled": cfg.enabled,
            "min_severity": cfg.min_severity,
            "quiet_hours": cfg.quiet.map(|(a, b)| format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)),
            "shown": self.shown.load(Ordering::Relaxed),
            "suppressed_quiet": self.quiet.load(Ordering::Relaxed),
            "failed": self.failed.load(Ordering::Relaxed),
            "last_error": self.last_error.lock().ok().and_then(|e| e.clone()),
        })
    }
}

/// Who acknowledges through a notification action.
pub const NOTIFICATION_ACTOR: &str = "desktop notification";
/// Notifications whose action is still awaited (each holds a thread until acted on or closed).
const MAX_WAITING: u64 = 32;

/// Shows a notification. Where the platform has actions (freedesktop), "Acknowledge" (also the
/// default action, a click) acknowledges the alarm; `on_ack` is called with its id.
fn show(
    note: &Note,
    waiting: &'static AtomicU64,
    on_ack: impl FnOnce(i64) + Send + 'static,
) -> Result<(), String> {
    #[cfg(not(any(target_os = "android", target_os = "ios")))]
    {
        let mut n = notify_rust::Notification::new();
        n.appname("Pure Health")
            .summary(&note.summary)
            .body(&note.body)
            .timeout(notify_rust::Timeout::Milliseconds(if note.critical {
                0
            } else {
                10_000
            }));
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            n.urgency(if note.critical {
                notify_rust::Urgency::Critical
            } else {
                notify_rust::Urgency::Normal
            })
            .action("default", "Acknowledge");
        }
        let handle = n.show().map_err(|e| e.to_string())?;
        #[cfg(all(unix, not(target_os = "macos")))]
        if waiting.fetch_add(1, Ordering::SeqCst) < MAX_WAITING {
            let id = note.alarm_id;
            let spawned = std::thread::Builder::new()
                .name("purehealth-notification".into())
                .spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            on_ack(id);
                        }
                    });
                    waiting.fetch_sub(1, Ordering::SeqCst);
                });
            if spawned.is_err() {
                waiting.fetch_sub(1, Ordering::SeqCst);
            }
        } else {
            waiting.fetch_sub(1, Ordering::SeqCst);
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = (handle, waiting, on_ack);
        Ok(())
    }
    #[cfg(any(target_os = "android", target_os = "ios"))]
    {
        let _ = (note, waiting, on_ack);
        Err("native notifications come from the window on mobile".into())
    }
}

/// Follows the core's frames and shows notifications until `cancel` fires.
pub async fn run(core: Core, cfg: NotifyConfig, offset_minutes: i32, cancel: CancellationToken) {
    use tokio::sync::broadcast::error::RecvError;
    let mut rx = core.subscribe();
    loop {
        let frame = tokio::select! {
            _ = cancel.cancelled() => break,
            r = rx.recv() => match r {
                Ok(o) => o.frame,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            },
        };
        let Ok(v) = serde_json::from_str::<Value>(&frame) else {
            continue;
        };
        let Some(note) = note_for(&v, &cfg.min_severity) else {
            continue;
        };
        let now = chrono::Utc::now() + chrono::Duration::minutes(i64::from(offset_minutes));
        let minute = now.time().num_seconds_from_midnight() / 60;
        let stats = core.notify_stats.clone();
        if in_quiet_hours(cfg.quiet, minute) {
            stats.quiet.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        // notify-rust blocks on D-Bus: keep it off the async threads.
        let (ack_core, rt) = (core.clone(), tokio::runtime::Handle::current());
        let on_ack = move |id: i64| match rt.block_on(ack_core.act_on_alarm(
            id,
            Some(NOTIFICATION_ACTOR),
            None,
            false,
        )) {
            Ok(_) => tracing::info!(alarm = id, "acknowledged from a desktop notification"),
            Err(e) => tracing::info!(alarm = id, error = %e, "notification action"),
        };
        let result = tokio::task::spawn_blocking(move || show(&note, &WAITING, on_ack))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        match result {
            Ok(()) => {
                stats.shown.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(error = %e, "desktop notification failed");
                stats.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut last) = stats.last_error.lock() {
                    *last = Some(e);
                }
            }
        }
    }
}

use chrono::Timelike;

static WAITING: AtomicU64 = AtomicU64::new(0);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quiet_hours_parse_and_wrap_midnight() {
        assert_eq!(parse_quiet_hours("22:00-06:30"), Ok((1320, 390)));
        assert!(parse_quiet_hours("25:00-06:00").is_err());
        assert!(parse_quiet_hours("night").is_err());
        assert!(parse_quiet_hours("06:00-06:00").is_err());
        let q = Some((1320, 390));
        assert!(in_quiet_hours(q, 23 * 60));
        assert!(in_quiet_hours(q, 0));
        assert!(in_quiet_hours(q, 6 * 60 + 29));
        assert!(!in_quiet_hours(q, 6 * 60 + 30));
        assert!(!in_quiet_hours(q, 12 * 60));
        let day = Some((9 * 60, 17 * 60));
        assert!(in_quiet_hours(day, 9 * 60) && !in_quiet_hours(day, 17 * 60));
        assert!(!in_quiet_hours(None, 0));
    }

    fn alert(severity: &str, state: &str, event: Option<&str>) -> Value {
        let mut a = json!({"severity": severity, "parameter": "Dissolved Oxygen", "alarm_id": 3,
            "workflow_state": state, "station_name": "Ghat 4", "message": "DO 3.1 mg/L"});
        if let Some(e) = event {
            a["event"] = json!(e);
        }
        json!({"type": "alert", "alert": a})
    }

    #[test]
    fn which_frames_notify() {
        let n = note_for(&alert("critical", "open", None), "warning").unwrap();
        assert_eq!(n.summary, "CRITICAL Dissolved Oxygen at Ghat 4");
        assert!(n.critical);
        assert!(note_for(&alert("warning", "open", None), "critical").is_none());
        assert!(note_for(&alert("info", "resolved", None), "warning").is_none());
        assert!(note_for(&alert("warning", "acknowledged", None), "warning").is_none());
        let r = note_for(&alert("warning", "open", Some("reminder")), "warning").unwrap();
        assert!(r.summary.starts_with("Reminder: "));
        let e = note_for(&alert("critical", "open", Some("escalated")), "warning").unwrap();
        assert!(e.summary.starts_with("Escalated: "));
        assert!(note_for(&alert("warning", "open", Some("assigned")), "warning").is_none());
        assert!(note_for(&json!({"type": "station_update"}), "warning").is_none());
    }
}
