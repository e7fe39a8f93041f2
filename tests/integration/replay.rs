//! A local replay server for the government connectors: serves realistic payloads by path and,
//! on demand, every failure mode agency portals show (5xx, 429 with Retry-After, a hang past the
//! client's timeout, truncated JSON, an HTML error page, a renamed field, an empty list), over
//! HTTP or HTTPS with a private certificate. Conditional requests get 304 on a matching ETag;
//! `Range: bytes=a-b` gets 206 with the bytes and a `Content-Range` (COG tile reads), unless
//! [`Mode::IgnoreRange`] answers with the whole file as some servers do.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Status(u16),
    TooMany {
        retry_after_s: u64,
    },
    Hang,
    Truncated,
    Html,
    /// Serve this body instead of the route's (a renamed field, an empty list, …).
    Body(Vec<u8>),
    /// Answer range requests with 200 and the whole body.
    IgnoreRange,
}

/// One request as received: method, path, `Range` header, body.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    routes: HashMap<String, Vec<u8>>,
    /// (path, text the query must contain, body): checked before `routes`.
    query_routes: Vec<(String, String, Vec<u8>)>,
    seen: Vec<Seen>,
}

pub struct Replay {
    pub port: u16,
    state: Arc<Mutex<State>>,
    pub hits: Arc<AtomicUsize>,
    pub not_modified: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Replay {
    /// Plain HTTP on a free loopback port.
    pub async fn http() -> Replay {
        Self::start(None).await
    }

    /// HTTPS with `server.pem`/`server.key` from `certs` (see `tls::make_certs`).
    pub async fn https(certs: &Path) -> Replay {
        let pem = std::fs::read(certs.join("server.pem")).unwrap();
        let key = std::fs::read(certs.join("server.key")).unwrap();
        let chain: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        let key = rustls_pemfile::private_key(&mut key.as_slice())
            .unwrap()
            .unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Self::start(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start(tls: Option<tokio_rustls::TlsAcceptor>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let hits = Arc::new(AtomicUsize::new(0));
        let not_modified = Arc::new(AtomicUsize::new(0));
        let (s, h, nm) = (state.clone(), hits.clone(), not_modified.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (s, h, nm, tls) = (s.clone(), h.clone(), nm.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            // A client that refuses our certificate ends the handshake here.
                            if let Ok(stream) = acceptor.accept(tcp).await {
                                serve(stream, s, h, nm).await;
                            }
                        }
                        None => serve(tcp, s, h, nm).await,
                    }
                });
            }
        });
        Replay {
            port,
            state,
            hits,
            not_modified,
            task,
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn route(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), body.into());
    }

    /// A body for `path` only when the query string contains `query` (paging by `offset=…`).
    pub fn route_query(&self, path: &str, query: &str, body: impl Into<Vec<u8>>) {
        self.state.lock().unwrap().query_routes.push((
            path.to_string(),
            query.to_string(),
            body.into(),
        ));
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn etag_of(body: &[u8]) -> String {
    // FNV-1a: stable and dependency-free; only equality matters.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in body {
        h = (h ^ *b as u64).wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}\"")
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    state: Arc<Mutex<State>>,
    hits: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 << 10 {
            return;
        }
    }
    hits.fetch_add(1, Ordering::Relaxed);
    let head = String::from_utf8_lossy(&buf).to_string();
    let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    let query = target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let if_none_match = header("if-none-match");
    let range = header("range");
    // The request body (a STAC search), after the header block.
    let header_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
    let want = header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut req_body = buf[header_end.min(buf.len())..].to_vec();
    while req_body.len() < want {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => req_body.extend_from_slice(&chunk[..n]),
        }
    }
    let (mode, body) = {
        let mut s = state.lock().unwrap();
        s.seen.push(Seen {
            method: head.split_whitespace().next().unwrap_or("").to_string(),
            path: path.clone(),
            range: range.clone(),
            body: req_body,
        });
        (
            s.mode.clone().unwrap_or(Mode::Normal),
            s.query_routes
                .iter()
                .find(|(p, q, _)| *p == path && query.contains(q.as_str()))
                .map(|(_, _, b)| b.clone())
                .or_else(|| s.routes.get(&path).cloned()),
        )
    };
    let json = "application/json";
    let ignore_range = mode == Mode::IgnoreRange;
    let (status, ctype, body, extra): (u16, &str, Vec<u8>, String) = match mode {
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            return;
        }
        Mode::Status(code) => (code, "text/plain", b"Internal Server Error".to_vec(), String::new()),
        Mode::TooMany { retry_after_s } => (
            429,
            "text/plain",
            b"Too Many Requests".to_vec(),
            format!("Retry-After: {retry_after_s}\r\n"),
        ),
        Mode::Html => (
            200,
            "text/html",
            b"<!DOCTYPE html><html><head><title>Site under maintenance</title></head><body><h1>We will be back soon</h1></body></html>".to_vec(),
            String::new(),
        ),
        Mode::Body(b) => (200, json, b, String::new()),
        Mode::Truncated => match body {
            Some(b) => (200, json, b[..b.len() / 2].to_vec(), String::new()),
            None => (404, "text/plain", b"not found".to_vec(), String::new()),
        },
        Mode::Normal | Mode::IgnoreRange => match body {
            Some(b) if range.is_some() && !ignore_range => {
                match parse_range(range.as_deref().unwrap_or(""), b.len()) {
                    Some((start, end)) => (
                        206,
                        "image/tiff",
                        b[start..=end].to_vec(),
                        format!("Content-Range: bytes {start}-{end}/{}\r\n", b.len()),
                    ),
                    None => (
                        416,
                        "text/plain",
                        Vec::new(),
                        format!("Content-Range: bytes */{}\r\n", b.len()),
                    ),
                }
            }
            Some(b) => {
                let tag = etag_of(&b);
                if if_none_match.as_deref() == Some(tag.as_str()) {
                    not_modified.fetch_add(1, Ordering::Relaxed);
                    (304, json, Vec::new(), format!("ETag: {tag}\r\n"))
                } else {
                    (200, json, b, format!("ETag: {tag}\r\n"))
                }
            }
            None => (404, "text/plain", b"not found".to_vec(), String::new()),
        },
    };
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        416 => "Range Not Satisfiable",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

/// `bytes=a-b` (b clamped to the end) as inclusive offsets; `None` if unsatisfiable.
fn parse_range(v: &str, len: usize) -> Option<(usize, usize)> {
    let (a, b) = v.trim().strip_prefix("bytes=")?.split_once('-')?;
    let start: usize = a.trim().parse().ok()?;
    let end = match b.trim() {
        "" => len.checked_sub(1)?,
        b => b.parse::<usize>().ok()?.min(len.checked_sub(1)?),
    };
    (start < len && start <= end).then_some((start, end))
}
