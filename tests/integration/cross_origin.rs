//! Pages from another origin (the app window, another hub's dashboard) use this hub over CORS:
//! preflights are answered, reads are open, pairing works, and acting needs a device token even
//! from this machine, because loopback trust is ambient and a foreign page must not borrow it.

use crate::util::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const TAURI: &str = "tauri://localhost";
const OTHER_HUB: &str = "http://192.168.1.20:8080";

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A WebSocket on `/ws{query}` opened as a page from `origin` would open it.
async fn ws_from(hub: &Hub, query: &str, origin: Option<&str>) -> Ws {
    let mut req = format!("ws://127.0.0.1:{}/ws{query}", hub.http)
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let hello = next_json(&mut ws, 5).await.expect("greeting");
    assert_eq!(hello["type"], "connected");
    ws
}

async fn ws_ack_kind(ws: &mut Ws) -> Value {
    send(ws, r#"{"type":"ack_alert","alarm_id":999}"#).await;
    next_json(ws, 5).await.unwrap()["kind"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_read_and_pair_but_act_only_with_a_token() {
    let dir = tempfile::tempdir().unwrap();
    // Default config: this machine (loopback) is trusted.
    let hub = Hub::embedded(dir.path()).await;
    let post = reqwest::Method::POST;
    let ack = hub.url("/api/alerts/999/ack");

    // A preflight is answered with what a page needs to act with a token.
    let (status, h, _) = {
        let resp = reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, &ack)
            .header("Origin", TAURI)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.headers().clone(), ())
    };
    assert!((200..300).contains(&status), "preflight: {status}");
    assert_eq!(header(&h, "access-control-allow-origin"), TAURI);
    let methods = header(&h, "access-control-allow-methods").to_ascii_uppercase();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = header(&h, "access-control-allow-headers").to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(
        header(&h, "vary").to_ascii_lowercase().contains("origin"),
        "{h:?}"
    );
    assert_eq!(
        header(&h, "access-control-allow-credentials"),
        "",
        "no cookies"
    );

    // Reads are open to any origin, with the CORS headers that let the page see them.
    let (status, h, health) = request_as(
        reqwest::Method::GET,
        &hub.url("/health"),
        Some(OTHER_HUB),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "access-control-allow-origin"), OTHER_HUB);
    assert!(health["version"].is_string(), "{health}");
    let (_, _, status_v) = request_as(
        reqwest::Method::GET,
        &hub.url("/api/pair/status"),
        Some(TAURI),
        None,
        None,
    )
    .await;
    assert_eq!(
        (&status_v["trusted"], &status_v["local"]),
        (&json!(false), &json!(false)),
        "a foreign page is not this machine: {status_v}"
    );
    let (_, _, status_v) = request_as(
        reqwest::Method::GET,
        &hub.url("/api/pair/status"),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(status_v["local"], true, "{status_v}");

    // Acting from a foreign origin without a token is refused, even from loopback; the refusal
    // carries the CORS headers so the page can say why.
    let (status, h, body) = request_as(post.clone(), &ack, Some(TAURI), None, None).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("another origin"),
        "{body}"
    );
    assert_eq!(header(&h, "access-control-allow-origin"), TAURI);
    let (status, _, _) = request_as(
        post.clone(),
        &hub.url("/api/pair/start"),
        Some(OTHER_HUB),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "a foreign page cannot make pairing codes");
    let (status, _, _) = request_as(
        reqwest::Method::GET,
        &hub.url("/api/devices"),
        Some(OTHER_HUB),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "nor list devices");
    // The same request without an Origin (curl on this machine) or from this hub's own page
    // passes the guard (404: no such alarm).
    let (status, _, _) = request_as(post.clone(), &ack, None, None, None).await;
    assert_eq!(status, 404);
    let own = format!("http://127.0.0.1:{}", hub.http);
    let (status, _, _) = request_as(post.clone(), &ack, Some(&own), None, None).await;
    assert_eq!(status, 404, "same origin is this machine");
    // Another name for the same hub is another origin.
    let other_name = format!("http://localhost:{}", hub.http);
    let (status, _, _) = request_as(post.clone(), &ack, Some(&other_name), None, None).await;
    assert_eq!(status, 401);
    // DNS rebinding: a web site whose name now resolves to 127.0.0.1 is "same-origin" with
    // itself, but a loopback peer is trusted only under a loopback name.
    let rebound = format!("evil.example:{}", hub.http);
    let as_host = |host: &str, origin: Option<String>| {
        let mut r = reqwest::Client::new().post(&ack).header("Host", host);
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.send()
    };
    let resp = as_host(&rebound, Some(format!("http://{rebound}")))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("DNS rebinding"),
        "{body}"
    );
    let resp = as_host(&rebound, None).await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "no Origin, rebound Host");
    let resp = as_host(&format!("localhost:{}", hub.http), None)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404, "localhost is this machine");

    // Pairing works cross-origin: the code comes from the hub's own screen (loopback).
    let (status, _, start) =
        request_as(post.clone(), &hub.url("/api/pair/start"), None, None, None).await;
    assert_eq!(status, 200, "{start}");
    let (status, h, paired) = request_as(
        post.clone(),
        &hub.url("/api/pair"),
        Some(TAURI),
        None,
        Some(json!({"code": start["code"], "name": "Field laptop"})),
    )
    .await;
    assert_eq!(status, 200, "{paired}");
    assert_eq!(header(&h, "access-control-allow-origin"), TAURI);
    let token = paired["token"].as_str().unwrap().to_string();

    // With its token the foreign page acts, and is that device.
    let (status, _, body) = request_as(post.clone(), &ack, Some(TAURI), Some(&token), None).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (_, _, status_v) = request_as(
        reqwest::Method::GET,
        &hub.url("/api/pair/status"),
        Some(OTHER_HUB),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status_v["device"], "Field laptop", "{status_v}");
    // A forged token is no token.
    let (status, _, _) = request_as(post.clone(), &ack, Some(TAURI), Some("forged"), None).await;
    assert_eq!(status, 401);

    // The WebSocket: a foreign page reads, and acts only with ?token=.
    let mut ws = ws_from(&hub, "", Some(TAURI)).await;
    send(&mut ws, r#"{"type":"subscribe","station_id":"*"}"#).await;
    let reply = next_json(&mut ws, 5).await.unwrap();
    assert_eq!(reply["type"], "subscribed", "{reply}");
    assert_eq!(ws_ack_kind(&mut ws).await, "unauthorized");
    let mut ws = ws_from(&hub, &format!("?token={token}"), Some(TAURI)).await;
    assert_eq!(ws_ack_kind(&mut ws).await, "not_found");
    // Without an Origin (a script on this machine) loopback is still trusted.
    let mut ws = ws_from(&hub, "", None).await;
    assert_eq!(ws_ack_kind(&mut ws).await, "not_found");
}
