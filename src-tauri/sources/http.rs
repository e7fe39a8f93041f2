//! The HTTP client every connector uses: timeouts, retries with jittered exponential backoff,
//! `Retry-After` on 429/503, a per-host concurrency limit and minimum spacing between requests,
//! conditional requests (ETag / Last-Modified) with the last good body cached, gzip, a body size
//! cap, and errors that say which of these went wrong (a TLS certificate problem, a refusal and an
//! outage read differently in health). Also JSON POST (STAC item search) and byte-range GET
//! (Cloud-Optimised GeoTIFF tiles), neither of which touches the conditional cache.

use futures_util::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Per-connector HTTP settings (from `[sources.<id>]`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Extra attempts after the first for transient failures (timeouts, 5xx, connection errors).
    pub retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is not waited for inside one poll: the connector's next
    /// poll is moved instead.
    pub max_inline_wait: Duration,
    /// Requests in flight to one host.
    pub max_concurrency: usize,
    /// Minimum spacing between requests to one host.
    pub min_interval: Duration,
    pub max_body_bytes: usize,
    pub user_agent: String,
    /// Accept any certificate (CPCB's broken chain, sources.md §2). Shown in health and the UI.
    pub insecure_tls: bool,
    /// A CA or the server's own certificate (PEM) to trust, i.e. pinning without turning
    /// verification off.
    pub ca_file: Option<PathBuf>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            retries: 2,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            max_inline_wait: Duration::from_secs(10),
            max_concurrency: 2,
            min_interval: Duration::from_millis(500),
            max_body_bytes: 32 << 20,
            // Some agency portals reject non-browser agents (sources.md §2).
            user_agent: format!(
                "Mozilla/5.0 (X11; Linux x86_64) PureHealth/{}",
                env!("CARGO_PKG_VERSION")
            ),
            insecure_tls: false,
            ca_file: None,
        }
    }
}

/// Why a request failed, after any retries.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum FetchError {
    #[error("timed out after {0:.1} s")]
    Timeout(f64),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("TLS certificate problem: {0}")]
    Tls(String),
    #[error("HTTP {status}{}", retry_after.map(|d| format!(" (Retry-After {} s)", d.as_secs())).unwrap_or_default())]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        /// The start of the body, for the error message.
        body: String,
    },
    #[error("not authorised (HTTP {status}): {message}")]
    NotAuthorised { status: u16, message: String },
    #[error("response body cut off: {0}")]
    Body(String),
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    #[error("bad request URL or client set-up: {0}")]
    Setup(String),
    /// A byte-range request answered with something other than the range asked for.
    #[error("range request: {0}")]
    Range(String),
}

/// What to ask for.
#[derive(Debug, Clone, Copy)]
enum Ask<'a> {
    /// Conditional GET through the ETag / Last-Modified cache.
    Get,
    /// JSON body, never cached (each search is its own question).
    Post(&'a serde_json::Value),
    /// `Range: bytes=start-(end-1)`; must come back 206 with a matching `Content-Range`.
    Bytes(&'a Range<u64>),
}

impl FetchError {
    /// Whether another attempt might succeed soon.
    fn transient(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Body(_) => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub body: Arc<Vec<u8>>,
    /// 304: `body` is the cached copy of the last good answer.
    pub not_modified: bool,
    /// Attempts it took (1 = first try).
    pub attempts: u32,
}

#[derive(Debug, Clone)]
struct Cached {
    etag: Option<String>,
    last_modified: Option<String>,
    body: Arc<Vec<u8>>,
}

struct HostGate {
    permits: Semaphore,
    next_slot: tokio::sync::Mutex<Instant>,
}

/// A connector's HTTP client. Cheap to share; one per connector so TLS settings stay separate.
pub struct HttpClient {
    client: reqwest::Client,
    settings: HttpSettings,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    cache: Mutex<HashMap<String, Cached>>,
}

impl HttpClient {
    pub fn new(settings: HttpSettings) -> Result<HttpClient, FetchError> {
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .gzip(true)
            .user_agent(settings.user_agent.clone())
            .danger_accept_invalid_certs(settings.insecure_tls);
        if let Some(path) = &settings.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| FetchError::Setup(format!("ca_file {}: {e}", path.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                FetchError::Setup(format!(
                    "ca_file {}: not a PEM certificate: {e}",
                    path.display()
                ))
            })?;
            b = b.add_root_certificate(cert);
        }
        let client = b.build().map_err(|e| FetchError::Setup(e.to_string()))?;
        Ok(HttpClient {
            client,
            settings,
            hosts: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// GET with conditional headers, retries and the host's limits.
    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Fetched, FetchError> {
        self.request(url, headers, Ask::Get).await
    }

    /// POST a JSON body (retries and limits as for GET; nothing cached).
    pub async fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<Fetched, FetchError> {
        self.request(url, &[], Ask::Post(body)).await
    }

    /// The bytes `range` of `url` (HTTP Range). A server that ignores Range, or answers another
    /// range, is an error that says so; a range past the end comes back shorter.
    pub async fn get_range(&self, url: &str, range: Range<u64>) -> Result<Fetched, FetchError> {
        if range.is_empty() {
            return Err(FetchError::Range(format!("empty range {range:?}")));
        }
        self.request(url, &[], Ask::Bytes(&range)).await
    }

    async fn request(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        ask: Ask<'_>,
    ) -> Result<Fetched, FetchError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| FetchError::Setup(format!("`{}` is not a URL: {e}", redact(url))))?;
        let host = format!(
            "{}:{}",
            parsed.host_str().unwrap_or(""),
            parsed.port_or_known_default().unwrap_or(0)
        );
        let gate = self.gate(&host);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = {
                let _permit = gate
                    .permits
                    .acquire()
                    .await
                    .map_err(|e| FetchError::Setup(e.to_string()))?;
                self.wait_slot(&gate).await;
                self.once(url, headers, ask).await
            };
            match result {
                Ok(mut f) => {
                    f.attempts = attempt;
                    return Ok(f);
                }
                Err(e) if e.transient() && attempt <= self.settings.retries => {
                    let wait = match e.retry_after() {
                        Some(d) if d > self.settings.max_inline_wait => return Err(e),
                        Some(d) => d,
                        None => self.backoff(attempt),
                    };
                    tracing::debug!(url = %redact(url), attempt, error = %e, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Full jitter: a random wait in [0, min(max, base·2^(n-1))], at least 50 ms.
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .settings
            .backoff_base
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.settings.backoff_max);
        let ms = rand::rng().random_range(0..=cap.as_millis().max(1) as u64);
        Duration::from_millis(ms.max(50))
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    permits: Semaphore::new(self.settings.max_concurrency.max(1)),
                    next_slot: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    async fn wait_slot(&self, gate: &HostGate) {
        let mut next = gate.next_slot.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = Instant::now() + self.settings.min_interval;
    }

    async fn once(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        ask: Ask<'_>,
    ) -> Result<Fetched, FetchError> {
        // Only plain GETs use the cache: it is keyed by URL, and a range or a search body is not.
        let cached = match ask {
            Ask::Get => self
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(url)
                .cloned(),
            _ => None,
        };
        let mut req = match ask {
            Ask::Get => self.client.get(url),
            Ask::Post(body) => self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).map_err(|e| FetchError::Setup(e.to_string()))?),
            Ask::Bytes(r) => self
                .client
                .get(url)
                .header(
                    reqwest::header::RANGE,
                    format!("bytes={}-{}", r.start, r.end - 1),
                )
                // A compressed answer would make the byte offsets meaningless.
                .header(reqwest::header::ACCEPT_ENCODING, "identity"),
        };
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(c) = &cached {
            if let Some(etag) = &c.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &c.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req.send().await.map_err(|e| self.classify(&e))?;
        let status = resp.status().as_u16();
        if status == 304
            && let Some(c) = cached
        {
            return Ok(Fetched {
                status,
                body: c.body,
                not_modified: true,
                attempts: 1,
            });
        }
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let retry_after =
            header(reqwest::header::RETRY_AFTER).and_then(|v: String| parse_retry_after(&v));
        let content_range = header(reqwest::header::CONTENT_RANGE);
        if let Ask::Bytes(r) = ask
            && (200..300).contains(&status)
        {
            check_range(status, content_range.as_deref(), resp.content_length(), r)?;
        }
        let body = self.read_body(resp).await?;
        if !(200..300).contains(&status) {
            let text = redact(&crate::sources::lenient::snippet(&String::from_utf8_lossy(
                &body,
            )));
            if status == 401 || status == 403 {
                return Err(FetchError::NotAuthorised {
                    status,
                    message: text,
                });
            }
            return Err(FetchError::Status {
                status,
                retry_after,
                body: text,
            });
        }
        if let Ask::Bytes(r) = ask
            && body.len() as u64 > r.end - r.start
        {
            return Err(FetchError::Range(format!(
                "asked for {} bytes, got {}",
                r.end - r.start,
                body.len()
            )));
        }
        let body = Arc::new(body);
        if matches!(ask, Ask::Get) && (etag.is_some() || last_modified.is_some()) {
            self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
                url.to_string(),
                Cached {
                    etag,
                    last_modified,
                    body: body.clone(),
                },
            );
        }
        Ok(Fetched {
            status,
            body,
            not_modified: false,
            attempts: 1,
        })
    }

    async fn read_body(&self, resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let cap = self.settings.max_body_bytes;
        let mut out = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| match self.classify(&e) {
                FetchError::Connect(m) => FetchError::Body(m),
                other => other,
            })?;
            if out.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn classify(&self, e: &reqwest::Error) -> FetchError {
        // reqwest's messages carry the URL, and with it an API key: never let it out.
        let chain = redact(&error_chain(e));
        if e.is_timeout() {
            return FetchError::Timeout(self.settings.timeout.as_secs_f64());
        }
        let lower = chain.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("invalidcertificate") {
            return FetchError::Tls(chain);
        }
        if e.is_body() || e.is_decode() {
            return FetchError::Body(chain);
        }
        if e.is_builder() {
            return FetchError::Setup(chain);
        }
        FetchError::Connect(chain)
    }
}

/// A 2xx answer to a range request is the range asked for: 206 with `Content-Range:
/// bytes start-end/total` starting where we asked (it may end earlier, at end of file), or a 200
/// whole file no longer than the range from offset 0 (a small file asked for from its start).
fn check_range(
    status: u16,
    content_range: Option<&str>,
    content_length: Option<u64>,
    r: &Range<u64>,
) -> Result<(), FetchError> {
    if status == 200 && r.start == 0 && content_length.is_some_and(|n| n <= r.end) {
        return Ok(());
    }
    if status != 206 {
        return Err(FetchError::Range(format!(
            "the server ignored Range and answered HTTP {status} with the whole file"
        )));
    }
    let cr =
        content_range.ok_or_else(|| FetchError::Range("HTTP 206 without Content-Range".into()))?;
    let start = cr
        .trim()
        .strip_prefix("bytes ")
        .and_then(|v| v.split_once('-'))
        .and_then(|(s, _)| s.trim().parse::<u64>().ok())
        .ok_or_else(|| FetchError::Range(format!("unreadable Content-Range `{cr}`")))?;
    if start != r.start {
        return Err(FetchError::Range(format!(
            "asked for bytes from {}, got `{cr}`",
            r.start
        )));
    }
    Ok(())
}

/// Query parameters whose values are secrets (`sig`: an Azure SAS signature).
const SECRET_PARAMS: [&str; 7] = [
    "sig",
    "api-key",
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
];

/// `text` with the value of every secret query parameter replaced by `***`
/// (`…?api-key=579b…&format=json` → `…?api-key=***&format=json`).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['?', '&']) {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let secret = SECRET_PARAMS.iter().find(|p| {
            rest.len() > p.len()
                && rest[..p.len()].eq_ignore_ascii_case(p)
                && rest.as_bytes()[p.len()] == b'='
        });
        if let Some(p) = secret {
            out.push_str(&rest[..=p.len()]);
            out.push_str("***");
            let end = rest[p.len() + 1..]
                .find(['&', ')', ' ', '"', '#'])
                .map_or(rest.len(), |e| e + p.len() + 1);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// `Retry-After` as seconds or an HTTP date; capped at one day.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let secs = if let Ok(s) = v.parse::<u64>() {
        s
    } else {
        let t = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        (t.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64
    };
    Some(Duration::from_secs(secs.min(86_400)))
}

/// The error and its sources, joined: reqwest's top-level message alone says only "error
/// sending request".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        cur = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("999999"),
            Some(Duration::from_secs(86_400))
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let d = parse_retry_after(&soon).unwrap().as_secs();
        assert!((118..=120).contains(&d), "{d}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn secrets_in_urls_never_reach_messages() {
        assert_eq!(
            redact(
                "error sending request for url (https://api.data.gov.in/resource/x?api-key=579b464db66&format=json&offset=0)"
            ),
            "error sending request for url (https://api.data.gov.in/resource/x?api-key=***&format=json&offset=0)"
        );
        assert_eq!(
            redact("http://h/p?a=1&token=abc"),
            "http://h/p?a=1&token=***"
        );
        assert_eq!(redact("http://h/p?monkey=1"), "http://h/p?monkey=1");
        assert_eq!(
            redact("https://a.blob.core.windows.net/c/B04.tif?st=1&se=2&sp=rl&sig=Ab%2Bc"),
            "https://a.blob.core.windows.net/c/B04.tif?st=1&se=2&sp=rl&sig=***"
        );
        assert_eq!(redact("no url here"), "no url here");
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let c = HttpClient::new(HttpSettings {
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(1),
            ..Default::default()
        })
        .unwrap();
        for attempt in 1..10 {
            let cap = (200u64 << (attempt - 1)).min(1000);
            let d = c.backoff(attempt).as_millis() as u64;
            assert!((50..=cap.max(50)).contains(&d), "attempt {attempt}: {d} ms");
        }
    }

    #[test]
    fn a_range_answer_must_be_the_range_asked_for() {
        let r = 100..200;
        let err = |status, cr, len, r: &Range<u64>| {
            check_range(status, cr, len, r)
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string())
        };
        assert!(check_range(206, Some("bytes 100-199/5000"), None, &r).is_ok());
        assert!(check_range(206, Some("bytes 100-149/150"), None, &r).is_ok());
        assert!(err(200, None, Some(5000), &r).contains("ignored Range"));
        assert!(err(206, Some("bytes 0-99/5000"), None, &r).contains("from 100"));
        assert!(err(206, None, None, &r).contains("without Content-Range"));
        assert!(err(206, Some("items 1-2"), None, &r).contains("unreadable"));
        // A whole file smaller than a header read from offset 0 is the answer, not an error...
        assert!(check_range(200, None, Some(579), &(0..4096)).is_ok());
        // ...but not one larger than asked, of unknown size, or for a later range.
        assert!(err(200, None, Some(5000), &(0..4096)).contains("ignored Range"));
        assert!(err(200, None, None, &(0..4096)).contains("ignored Range"));
        assert!(err(200, None, Some(579), &(100..4096)).contains("ignored Range"));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let s = |status| FetchError::Status {
            status,
            retry_after: None,
            body: String::new(),
        };
        assert!(s(500).transient() && s(503).transient() && s(429).transient());
        assert!(!s(404).transient() && !s(400).transient());
        assert!(FetchError::Timeout(1.0).transient());
        assert!(!FetchError::Tls("x".into()).transient());
        assert!(
            !FetchError::NotAuthorised {
                status: 401,
                message: String::new()
            }
            .transient()
        );
    }
}
