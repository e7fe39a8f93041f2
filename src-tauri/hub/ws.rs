//! WebSocket sessions on `/ws` and `/ws/station/{id}`. Each client task selects over its
//! inbound frames, the pipeline's broadcast and a ping timer; slow clients are dropped
//! rather than allowed to stall ingest.

use super::pairing::Credentials;
use super::{HubState, messages};
use crate::model::StationKey;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Client → hub frames larger than this are refused (OWASP guidance).
const MAX_MESSAGE: usize = 64 * 1024;
const PING_EVERY: Duration = Duration::from_secs(20);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
pub use super::fanout::ALL;

pub async fn general(
    ws: WebSocketUpgrade,
    State(s): State<HubState>,
    axum::Extension(creds): axum::Extension<Credentials>,
) -> Response {
    limits(ws).on_upgrade(move |socket| session(socket, s, None, creds))
}

pub async fn station(
    ws: WebSocketUpgrade,
    State(s): State<HubState>,
    axum::Extension(creds): axum::Extension<Credentials>,
    Path(raw): Path<String>,
) -> Response {
    let Some(key) = StationKey::normalise(&raw) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(messages::error("invalid station id")),
        )
            .into_response();
    };
    limits(ws).on_upgrade(move |socket| session(socket, s, Some(key), creds))
}

fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .max_write_buffer_size(4 * 1024 * 1024)
}

async fn session(socket: WebSocket, s: HubState, auto: Option<StationKey>, creds: Credentials) {
    let mut client = s.clients.register();
    let n = client.id;
    let (client_id, greeting) = match &auto {
        None => {
            let id = format!("client_{n}");
            let g = messages::connected(&id, None);
            (id, g)
        }
        Some(key) => {
            let id = format!("station_{}_client_{n}", key.id);
            let g = messages::connected(&id, Some(&key.wire_id()));
            (id, g)
        }
    };
    let mut subs: HashSet<String> = auto.iter().map(|k| k.id.clone()).collect();
    s.clients.set_subs(n, &subs);
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_seen = Instant::now();
    tracing::debug!(%client_id, "websocket connected");

    macro_rules! send {
        ($msg:expr) => {
            match tokio::time::timeout(SEND_TIMEOUT, sink.send($msg)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        };
    }
    let greeted = matches!(
        tokio::time::timeout(SEND_TIMEOUT, sink.send(text(&greeting))).await,
        Ok(Ok(()))
    );
    if !greeted {
        s.clients.remove(n);
        return;
    }
    loop {
        tokio::select! {
            _ = s.cancel.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            inbound = stream.next() => match inbound {
                Some(Ok(Message::Text(t))) => {
                    last_seen = Instant::now();
                    let reply = match alarm_request(t.as_str()) {
                        // Acting on alarms needs a trusted caller, as over HTTP; checked at each
                        // action, so revoking a device also stops its open sockets.
                        Some(Ok(mut req)) => {
                            let caller = s.pairing.caller(creds.peer, creds.token.as_deref()).await;
                            if caller.trusted() {
                                if req.by.is_none() {
                                    req.by = caller.name().map(str::to_string);
                                }
                                alarm_reply(&s, req).await
                            } else {
                                serde_json::json!({
                                    "type": "error",
                                    "kind": "unauthorized",
                                    "message": "pair this device first (connect with ?token=<token>)",
                                    "timestamp": crate::model::fmt_time(chrono::Utc::now()),
                                })
                            }
                        }
                        Some(Err(msg)) => messages::error(msg),
                        None => {
                            let reply = handle(t.as_str(), &mut subs);
                            s.clients.set_subs(n, &subs);
                            reply
                        }
                    };
                    send!(text(&reply));
                }
                // Binary frames were ignored by the original server; keep ignoring them.
                Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => last_seen = Instant::now(),
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(e)) => {
                    // e.g. a frame over the size limit: tell the client why, then close.
                    let _ = sink.send(text(&messages::error(&format!("connection error: {e}")))).await;
                    break;
                }
            },
            out = client.frames.recv() => match out {
                Some(frame) => {
                    let lost = client.lagged.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        // Recoverable: the client refetches state; the stream continues.
                        s.core.stats.ws_lagged.fetch_add(lost, Ordering::Relaxed);
                        send!(text(&serde_json::json!({"type": "error", "message": format!("lagged: {lost} updates dropped; refetch /api/stations"), "code": "lagged"})));
                    }
                    send!(Message::Text(Utf8Bytes::from(frame.as_ref())));
                }
                None => break,
            },
            _ = ping.tick() => {
                if last_seen.elapsed() > IDLE_LIMIT {
                    break;
                }
                send!(Message::Ping(Default::default()));
            }
        }
    }
    s.clients.remove(n);
    tracing::debug!(%client_id, "websocket closed");
}

fn text(v: &Value) -> Message {
    Message::Text(Utf8Bytes::from(v.to_string()))
}

/// An operator action on an alarm sent over the WebSocket:
/// `{"type": "ack_alert"|"resolve_alert", "alarm_id": 7, "by": "name", "note": "text"}`, or
/// `{"type": "assign_alert", "alarm_id": 7, "assignee": "name"|null, "by": "name"}`.
#[derive(Debug, PartialEq)]
pub struct AlarmRequest {
    pub id: i64,
    pub by: Option<String>,
    pub note: Option<String>,
    pub action: AlarmAction,
}

#[derive(Debug, PartialEq)]
pub enum AlarmAction {
    Acknowledge,
    Resolve,
    Assign(Option<String>),
}

/// `None` when the frame is not an alarm action; `Some(Err)` names what is wrong with one.
pub fn alarm_request(frame: &str) -> Option<Result<AlarmRequest, &'static str>> {
    let msg: Value = serde_json::from_str(frame).ok()?;
    let text = |k: &str| msg.get(k).and_then(Value::as_str).map(str::to_string);
    let action = match msg.get("type").and_then(Value::as_str)? {
        "ack_alert" => AlarmAction::Acknowledge,
        "resolve_alert" => AlarmAction::Resolve,
        "assign_alert" => AlarmAction::Assign(text("assignee")),
        _ => return None,
    };
    // `alert_id` is accepted as a synonym (the envelope calls alarms alerts).
    let Some(id) = msg
        .get("alarm_id")
        .or_else(|| msg.get("alert_id"))
        .and_then(Value::as_i64)
    else {
        return Some(Err("alarm_id must be an integer"));
    };
    Some(Ok(AlarmRequest {
        id,
        by: text("by"),
        note: text("note"),
        action,
    }))
}

async fn alarm_reply(s: &HubState, req: AlarmRequest) -> Value {
    let (by, note) = (req.by.as_deref(), req.note.as_deref());
    let (kind, result) = match &req.action {
        AlarmAction::Acknowledge => (
            "alert_acknowledged",
            s.core.act_on_alarm(req.id, by, note, false).await,
        ),
        AlarmAction::Resolve => (
            "alert_resolved",
            s.core.act_on_alarm(req.id, by, note, true).await,
        ),
        AlarmAction::Assign(who) => (
            "alert_assigned",
            s.core.assign_alarm(req.id, who.as_deref(), by).await,
        ),
    };
    match result {
        Ok(alarm) => serde_json::json!({
            "type": kind,
            "alarm": alarm,
            "timestamp": crate::model::fmt_time(chrono::Utc::now()),
        }),
        Err(e) => serde_json::json!({"type": "error", "kind": e.kind(), "message": e.to_string()}),
    }
}

/// Handles one client frame and returns the reply. Pure apart from the subscription set.
pub fn handle(frame: &str, subs: &mut HashSet<String>) -> Value {
    let Ok(msg) = serde_json::from_str::<Value>(frame) else {
        return messages::error("Invalid JSON format");
    };
    let Some(obj) = msg.as_object() else {
        return messages::error("Message must be a JSON object");
    };
    let kind = match obj.get("type") {
        None | Some(Value::Null) => return messages::error("Unknown message type: None"),
        Some(Value::String(t)) => t.as_str(),
        Some(other) => return messages::error(&format!("Unknown message type: {other}")),
    };
    match kind {
        "ping" => messages::pong(),
        "subscribe" | "unsubscribe" => {
            let raw = obj.get("station_id").cloned().unwrap_or(Value::Null);
            let id = match station_id(&raw) {
                Ok(id) => id,
                Err(msg) => return messages::error(msg),
            };
            if kind == "subscribe" {
                subs.insert(id);
                messages::ack("subscribed", &raw)
            } else {
                subs.remove(&id);
                messages::ack("unsubscribed", &raw)
            }
        }
        other => messages::error(&format!(
            "Unknown message type: {}",
            other.chars().take(64).collect::<String>()
        )),
    }
}

/// Canonical id of a `station_id` field: `1`, `"1"` and `"station1"` are one station.
fn station_id(raw: &Value) -> Result<String, &'static str> {
    let s = match raw {
        Value::Null => return Err("station_id is required"),
        Value::Number(n) if n.as_i64().is_some_and(|i| i > 0) => n.to_string(),
        Value::Number(_) => return Err("station_id must be a positive integer or a string"),
        Value::String(s) if s == ALL => return Ok(ALL.into()),
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::String(_) => return Err("station_id is required"),
        _ => return Err("station_id must be a string or an integer"),
    };
    StationKey::normalise(&s)
        .map(|k| k.id)
        .ok_or("station_id has invalid characters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(frame: &str, subs: &mut HashSet<String>) -> Value {
        let mut v = handle(frame, subs);
        v.as_object_mut().unwrap().remove("timestamp");
        v
    }

    #[test]
    fn int_and_string_ids_are_one_subscription() {
        let mut subs = HashSet::new();
        assert_eq!(
            reply(r#"{"type":"subscribe","station_id":1}"#, &mut subs),
            json!({"type":"subscribed","station_id":1})
        );
        assert_eq!(
            reply(r#"{"type":"subscribe","station_id":"1"}"#, &mut subs),
            json!({"type":"subscribed","station_id":"1"})
        );
        assert_eq!(subs.len(), 1);
        reply(
            r#"{"type":"unsubscribe","station_id":"station1"}"#,
            &mut subs,
        );
        assert!(subs.is_empty());
        // Replies even when not subscribed.
        assert_eq!(
            reply(r#"{"type":"unsubscribe","station_id":9}"#, &mut subs)["type"],
            "unsubscribed"
        );
    }

    #[test]
    fn alarm_actions_are_recognised() {
        assert_eq!(
            alarm_request(r#"{"type":"ack_alert","alarm_id":3,"by":"ops"}"#),
            Some(Ok(AlarmRequest {
                id: 3,
                by: Some("ops".into()),
                note: None,
                action: AlarmAction::Acknowledge,
            }))
        );
        assert_eq!(
            alarm_request(r#"{"type":"resolve_alert","alarm_id":"3"}"#),
            Some(Err("alarm_id must be an integer"))
        );
        assert_eq!(
            alarm_request(r#"{"type":"assign_alert","alert_id":4,"assignee":"team 2"}"#),
            Some(Ok(AlarmRequest {
                id: 4,
                by: None,
                note: None,
                action: AlarmAction::Assign(Some("team 2".into())),
            }))
        );
        assert_eq!(alarm_request(r#"{"type":"ping"}"#), None);
        assert_eq!(alarm_request("{nope"), None);
    }

    #[test]
    fn bad_frames_get_stable_errors() {
        let mut subs = HashSet::new();
        let msg = |f: &str, subs: &mut HashSet<String>| {
            reply(f, subs)["message"].as_str().unwrap().to_string()
        };
        assert_eq!(msg("{nope", &mut subs), "Invalid JSON format");
        assert_eq!(msg("[1]", &mut subs), "Message must be a JSON object");
        assert_eq!(msg(r#"{"a":1}"#, &mut subs), "Unknown message type: None");
        assert_eq!(
            msg(r#"{"type":"foo"}"#, &mut subs),
            "Unknown message type: foo"
        );
        assert_eq!(
            msg(r#"{"type":"subscribe"}"#, &mut subs),
            "station_id is required"
        );
        assert_eq!(
            msg(r#"{"type":"subscribe","station_id":0}"#, &mut subs),
            "station_id must be a positive integer or a string"
        );
        assert_eq!(
            msg(r#"{"type":"subscribe","station_id":""}"#, &mut subs),
            "station_id is required"
        );
        assert_eq!(
            msg(r#"{"type":"subscribe","station_id":{"x":1}}"#, &mut subs),
            "station_id must be a string or an integer"
        );
        assert!(subs.is_empty());
        assert_eq!(
            reply(r#"{"type":"ping"}"#, &mut subs),
            json!({"type":"pong"})
        );
    }
}
