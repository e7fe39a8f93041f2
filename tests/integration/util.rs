//! Shared test fixtures: the real `purehealth` binary on free loopback ports with a temp
//! data dir, a mosquitto broker, MQTT publishing and a WebSocket client.

#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_purehealth")
}

/// A hub process; killed (SIGKILL) on drop.
pub struct Hub {
    pub child: Child,
    pub http: u16,
    pub broker: u16,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

pub struct HubOpts<'a> {
    pub data_dir: &'a Path,
    /// External broker port; None = embedded broker on a free port.
    pub mqtt: Option<u16>,
    pub demo: bool,
    pub http: Option<u16>,
    pub broker: Option<u16>,
    /// A TOML config file passed with --config.
    pub config: Option<&'a Path>,
}

impl Hub {
    pub async fn start(o: HubOpts<'_>) -> Hub {
        let http = o.http.unwrap_or_else(free_port);
        let broker = o.broker.or(o.mqtt).unwrap_or_else(free_port);
        let log = o.data_dir.join(format!("hub-{http}.log"));
        let mut cmd = Command::new(bin());
        cmd.arg("hub")
            .arg("--data-dir")
            .arg(o.data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{http}"))
            .env("PUREHEALTH_TIMEZONE", "Asia/Kolkata")
            .env_remove("PUREHEALTH_CONFIG")
            .env_remove("PUREHEALTH_MQTT_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        match o.mqtt {
            Some(p) => cmd.arg("--mqtt").arg(format!("mqtt://127.0.0.1:{p}")),
            None => cmd
                .arg("--broker-listen")
                .arg(format!("127.0.0.1:{broker}")),
        };
        if o.demo {
            cmd.args(["--demo", "--demo-speed", "9000"]);
        }
        if let Some(c) = o.config {
            cmd.arg("--config").arg(c);
        }
        let child = cmd.spawn().expect("spawn hub");
        let hub = Hub {
            child,
            http,
            broker,
            data_dir: o.data_dir.to_path_buf(),
            log,
        };
        hub.wait_ready().await;
        hub
    }

    /// A hub with its own embedded broker on free ports.
    pub async fn embedded(data_dir: &Path) -> Hub {
        Hub::start(HubOpts {
            data_dir,
            mqtt: None,
            demo: false,
            http: None,
            broker: None,
            config: None,
        })
        .await
    }

    /// A hub with its own embedded broker and a config file.
    pub async fn with_config(data_dir: &Path, config: &Path) -> Hub {
        Hub::start(HubOpts {
            data_dir,
            mqtt: None,
            demo: false,
            http: None,
            broker: None,
            config: Some(config),
        })
        .await
    }

    /// A hub subscribed to an external broker (mosquitto) on `port`.
    pub async fn with_broker(data_dir: &Path, port: u16) -> Hub {
        Hub::start(HubOpts {
            data_dir,
            mqtt: Some(port),
            demo: false,
            http: None,
            broker: None,
            config: None,
        })
        .await
    }

    /// As [`Hub::embedded`], with the demo feed running in-process.
    pub async fn demo(data_dir: &Path) -> Hub {
        Hub::start(HubOpts {
            data_dir,
            mqtt: None,
            demo: true,
            http: None,
            broker: None,
            config: None,
        })
        .await
    }

    /// A WebSocket on `path` whose greeting has been read.
    pub async fn ws_ready(&self, path: &str) -> (Ws, Value) {
        let mut ws = self.ws(path).await;
        let hello = next_json(&mut ws, 5).await.expect("greeting");
        assert_eq!(hello["type"], "connected");
        (ws, hello)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.http, path)
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(v) = self.get("/health").await
                && v["mqtt"]["connected"] == true
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "hub did not become ready; log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    pub async fn get(&self, path: &str) -> Result<Value, reqwest::Error> {
        reqwest::get(self.url(path)).await?.json().await
    }

    pub async fn get_status(&self, path: &str) -> (u16, Value) {
        let r = reqwest::get(self.url(path)).await.expect("http");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn ws(&self, path: &str) -> Ws {
        let (ws, _) =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}{}", self.http, path))
                .await
                .expect("ws connect");
        ws
    }

    /// Waits until connector `id`'s entry in `/health` `sources` satisfies `pred`; returns it.
    pub async fn wait_source(&self, id: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        source_health(
            &self
                .wait_health(what, |h| pred(&source_health(h, id)))
                .await,
            id,
        )
    }

    /// Waits until `/health` satisfies `pred`.
    pub async fn wait_health(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.get("/health").await.expect("health");
            if pred(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last /health: {v}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            assert!(Instant::now() < deadline, "hub did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A mosquitto broker on a free port with persistence on; killed on drop.
/// Connector `id`'s entry in a `/health` answer (`sources`) or a `/api/sources` array; `Null`
/// when absent.
pub fn source_health(h: &Value, id: &str) -> Value {
    h.get("sources")
        .unwrap_or(h)
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == id))
        .cloned()
        .unwrap_or(Value::Null)
}

pub struct Mosquitto {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Mosquitto {
    pub fn start() -> Mosquitto {
        Self::start_with("")
    }

    /// As [`Mosquitto::start`], with extra configuration lines (e.g. a TLS listener).
    pub fn start_with(extra: &str) -> Mosquitto {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            // Run as root (the tests do) it would switch to the `mosquitto` user and lose access to
            // the temp dir's key files and persistence store.
            "user root\n".to_string() + extra + &format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\n# The default (1000) drops messages queued for an offline client beyond that.\nmax_queued_messages 0\nlog_dest stderr\n",
                dir.path().display()
            ),
        )
        .expect("conf");
        let child = Self::spawn(&conf, port);
        Mosquitto { child, port, dir }
    }

    fn spawn(conf: &Path, port: u16) -> Child {
        let exe = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("mosquitto is not installed: run scripts/setup.sh --test (Debian package `mosquitto`)");
        let child = Command::new(exe)
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mosquitto");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    /// Stops the broker (SIGTERM: it saves its persistence file) and starts it again on the
    /// same port and store.
    pub fn restart(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        self.child = Self::spawn(&self.dir.path().join("mosquitto.conf"), self.port);
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An MQTT publisher with its event loop driven in the background.
pub struct Publisher {
    pub client: rumqttc::AsyncClient,
    task: tokio::task::JoinHandle<()>,
}

impl Publisher {
    pub async fn connect(port: u16) -> Publisher {
        Self::connect_as(port, None).await
    }

    /// As [`Publisher::connect`], logging in with `(username, password)`.
    pub async fn connect_as(port: u16, login: Option<(&str, &str)>) -> Publisher {
        let id = format!("test-pub-{}", free_port());
        let mut opts = rumqttc::MqttOptions::new(id, "127.0.0.1", port);
        if let Some((u, p)) = login {
            opts.set_credentials(u, p);
        }
        opts.set_keep_alive(Duration::from_secs(10));
        opts.set_max_packet_size(4 << 20, 4 << 20);
        let (client, mut ev) = rumqttc::AsyncClient::new(opts, 4096);
        let task = tokio::spawn(async move {
            loop {
                if ev.poll().await.is_err() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Publisher { client, task }
    }

    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload.into())
            .await
            .expect("publish");
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn send(ws: &mut Ws, v: &str) {
    ws.send(Message::Text(v.into())).await.expect("ws send");
}

/// Next JSON text frame within `secs`.
pub async fn next_json(ws: &mut Ws, secs: u64) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg {
            Ok(Message::Text(t)) => return serde_json::from_str(t.as_str()).ok(),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// Next frame of `kind` (skipping others) within `secs`.
pub async fn next_of(ws: &mut Ws, kind: &str, secs: u64) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs()
            .max(1);
        let v = next_json(ws, left).await?;
        if v["type"] == kind {
            return Some(v);
        }
    }
    None
}

/// Waits for the `station_update` whose reading is `parameter` for `station`.
pub async fn update_for(ws: &mut Ws, station: &str, parameter: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        assert!(
            Instant::now() < deadline,
            "no station_update for {station}/{parameter}"
        );
        if let Some(v) = next_of(ws, "station_update", secs).await
            && v["data"]["station_id"] == station
            && v["data"]["parameter"] == parameter
        {
            return v;
        }
    }
}

/// One HTTP call as a page from `origin` (none: a non-browser client) with an optional device
/// token; the status, headers and JSON body (Null when not JSON).
pub async fn request_as(
    method: reqwest::Method,
    url: &str,
    origin: Option<&str>,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut r = reqwest::Client::new().request(method, url);
    if let Some(o) = origin {
        r = r.header("Origin", o);
    }
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.unwrap_or(Value::Null))
}
