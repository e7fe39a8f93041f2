//! Who may act on the hub: reading is open, acting needs this machine (when trusted) or a
//! paired device; pairing codes are one-time and rate limited; devices can be revoked.

use crate::util::*;
use serde_json::{Value, json};

fn pair_cli(dir: &std::path::Path, name: &str) -> String {
    let out = std::process::Command::new(bin())
        .args(["pair", "--name", name, "--data-dir"])
        .arg(dir)
        .env_remove("PUREHEALTH_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let token = text.lines().nth(1).unwrap_or("").trim().to_string();
    assert_eq!(token.len(), 64, "{text}");
    token
}

async fn call(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, _, v) = request_as(method, url, None, token, body).await;
    (status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_trusted_callers_act_and_devices_pair_with_one_time_codes() {
    let dir = tempfile::tempdir().unwrap();
    // A hub that trusts no one, not even this machine (a shared kiosk).
    let conf = dir.path().join("strict.toml");
    std::fs::write(&conf, "trust_loopback = false\n").unwrap();
    let ops = pair_cli(dir.path(), "ops laptop");
    let hub = Hub::with_config(dir.path(), &conf).await;
    let post = reqwest::Method::POST;

    // Reading is open; acting is not.
    assert!(hub.get("/api/alerts").await.unwrap().is_array());
    let (status, body) = call(post.clone(), &hub.url("/api/alerts/999/ack"), None, None).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    let (status, _) = call(post.clone(), &hub.url("/api/pair/start"), None, None).await;
    assert_eq!(status, 401);
    // The device paired from the command line passes the guard (404: no such alarm).
    let (status, body) = call(
        post.clone(),
        &hub.url("/api/alerts/999/ack"),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let status_of = |t: Option<String>| {
        let url = hub.url("/api/pair/status");
        async move {
            let mut r = reqwest::Client::new().get(url);
            if let Some(t) = t {
                r = r.bearer_auth(t);
            }
            r.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    assert_eq!(status_of(None).await["trusted"], false);
    assert_eq!(status_of(Some(ops.clone())).await["device"], "ops laptop");

    // A one-time code, exchanged for a token; wrong and reused codes are refused.
    let (status, start) = call(post.clone(), &hub.url("/api/pair/start"), Some(&ops), None).await;
    assert_eq!(status, 200, "{start}");
    let code = start["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert!(
        start["links"][0]
            .as_str()
            .unwrap()
            .ends_with(&format!("/#/pair/{code}")),
        "{start}"
    );
    assert!(
        start["qr_svg"].as_str().unwrap().contains("<svg"),
        "{start}"
    );
    assert!(
        start["hint"].as_str().unwrap().contains("--listen 0.0.0.0"),
        "{start}"
    );
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, body) = call(
        post.clone(),
        &hub.url("/api/pair"),
        None,
        Some(json!({"code": wrong, "name": "tablet"})),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, paired) = call(
        post.clone(),
        &hub.url("/api/pair"),
        None,
        Some(json!({"code": code, "name": "Field tablet 3"})),
    )
    .await;
    assert_eq!(status, 200, "{paired}");
    let tablet = paired["token"].as_str().unwrap().to_string();
    let (status, _) = call(
        post.clone(),
        &hub.url("/api/pair"),
        None,
        Some(json!({"code": code, "name": "again"})),
    )
    .await;
    assert_eq!(status, 403, "a code pairs once");

    // Over the WebSocket too: an anonymous socket may not act, a paired one may.
    let (mut anon, _) = hub.ws_ready("/ws").await;
    send(&mut anon, r#"{"type":"ack_alert","alarm_id":999}"#).await;
    let reply = next_json(&mut anon, 5).await.unwrap();
    assert_eq!(reply["kind"], "unauthorized", "{reply}");
    let (mut ws, _) = hub.ws_ready(&format!("/ws?token={tablet}")).await;
    send(&mut ws, r#"{"type":"ack_alert","alarm_id":999}"#).await;
    let reply = next_json(&mut ws, 5).await.unwrap();
    assert_eq!(reply["kind"], "not_found", "{reply}");

    // Devices are listed (no tokens in the list) and revoked at once.
    let (status, list) = call(
        reqwest::Method::GET,
        &hub.url("/api/devices"),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["ops laptop", "Field tablet 3"], "{list}");
    assert!(!list.to_string().contains(&tablet));
    let id = paired["device_id"].as_i64().unwrap();
    let (status, _) = call(
        reqwest::Method::DELETE,
        &hub.url(&format!("/api/devices/{id}")),
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        post.clone(),
        &hub.url("/api/alerts/999/ack"),
        Some(&tablet),
        None,
    )
    .await;
    assert_eq!(status, 401, "a revoked token no longer acts");
    // Nor does a socket it opened before the revocation.
    send(&mut ws, r#"{"type":"ack_alert","alarm_id":999}"#).await;
    let reply = next_json(&mut ws, 5).await.unwrap();
    assert_eq!(reply["kind"], "unauthorized", "{reply}");

    // A page from another origin acts only with a token it sends itself (a token is not
    // ambient, so it cannot be borrowed cross-site): with one it passes the guard (404).
    let r = reqwest::Client::new()
        .post(hub.url("/api/alerts/999/ack"))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = reqwest::Client::new()
        .post(hub.url("/api/alerts/999/ack"))
        .bearer_auth(&ops)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = reqwest::Client::new()
        .post(hub.url("/api/alerts/999/ack"))
        .bearer_auth(&ops)
        .header("Origin", format!("http://127.0.0.1:{}", hub.http))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "same origin passes the guard");

    // Ten wrong codes in a minute lock pairing for that minute.
    for _ in 0..10 {
        call(
            post.clone(),
            &hub.url("/api/pair"),
            None,
            Some(json!({"code": "999999", "name": "x"})),
        )
        .await;
    }
    let (status, body) = call(
        post.clone(),
        &hub.url("/api/pair"),
        None,
        Some(json!({"code": "999999", "name": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    let (status, body) = call(post, &hub.url("/api/pair"), None, Some(json!({"nope": 1}))).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
}
