//! Configuration: embedded defaults, then an optional TOML file, then `PUREHEALTH_*`
//! environment variables, then command-line flags; validated once into [`AppConfig`].

use crate::ingest::routes::{self, Route};
use crate::ingest::tls::TlsFiles;
use crate::live::{StationSetup, WatchdogConfig};
use crate::model::{Parameter, StationKey};
use crate::qc::{QcConfig, QcOverride};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "{field}: `{value}` is not a valid socket address (expected host:port, e.g. 127.0.0.1:8080)"
    )]
    Addr { field: &'static str, value: String },
    #[error(
        "{field}: `{value}` is not an MQTT URL (expected mqtt://host:port or mqtts://host:port)"
    )]
    MqttUrl { field: &'static str, value: String },
    #[error("timezone: `{0}` is not `local` or an IANA zone name such as Asia/Kolkata")]
    TimeZone(String),
    #[error("no data directory: pass --data-dir or set PUREHEALTH_DATA_DIR")]
    NoDataDir,
    #[error("forecast_backend: {0}")]
    Forecast(String),
    #[error("{0}")]
    Notify(String),
    #[error("demo_speed must be a number between 1 and 100000, got {0}")]
    DemoSpeed(f64),
    #[error(
        "the embedded MQTT broker on {0} (not loopback) requires mqtt_username and mqtt_password (or PUREHEALTH_MQTT_USERNAME/PASSWORD)"
    )]
    BrokerNeedsAuth(SocketAddr),
    #[error("mqtt_username and mqtt_password must be given together")]
    HalfCredentials,
    #[error("an mqtts:// broker needs mqtt_ca_file (the CA certificate to trust, PEM)")]
    TlsNeedsCa,
    #[error("mqtt_client_cert_file and mqtt_client_key_file must be given together")]
    HalfClientCert,
    #[error("mqtt_topics: {0}")]
    Route(String),
    #[error("{0}")]
    Source(String),
    #[error("stations[{index}] (`{id}`): {message}")]
    Station {
        index: usize,
        id: String,
        message: String,
    },
    #[error("{field} must be a positive number of seconds (or factor), got {value}")]
    Positive { field: &'static str, value: f64 },
}

/// How naive sensor timestamps are read.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeZoneSetting {
    Local,
    Named(chrono_tz::Tz),
}

impl TimeZoneSetting {
    pub fn parse(s: &str) -> Result<Self, ConfigError> {
        if s.eq_ignore_ascii_case("local") {
            return Ok(TimeZoneSetting::Local);
        }
        s.parse::<chrono_tz::Tz>()
            .map(TimeZoneSetting::Named)
            .map_err(|_| ConfigError::TimeZone(s.to_string()))
    }

    /// The UTC instant of a naive local time; in a DST fold the earlier instant, in a gap none.
    pub fn to_utc(&self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(r: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            r.earliest().map(|t| t.with_timezone(&Utc))
        }
        match self {
            TimeZoneSetting::Local => pick(chrono::Local.from_local_datetime(&naive)),
            TimeZoneSetting::Named(tz) => pick(tz.from_local_datetime(&naive)),
        }
    }
}

/// Where sensor readings come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MqttMode {
    /// Run the embedded broker on this address and subscribe to it.
    Embedded { listen: SocketAddr },
    /// Subscribe to an external broker (e.g. mosquitto); `tls` for `mqtts://`.
    External { host: String, port: u16, tls: bool },
}

impl MqttMode {
    /// `host:port` a client (our ingest, the demo feed) connects to.
    pub fn broker_address(&self) -> (String, u16) {
        match self {
            MqttMode::Embedded { listen } => (listen.ip().to_string(), listen.port()),
            MqttMode::External { host, port, .. } => (host.clone(), *port),
        }
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub mqtt: MqttMode,
    pub mqtt_client_id: String,
    /// Credentials the hub (and the in-process demo feed) present to the broker; for the
    /// embedded broker they are also the only accepted login.
    pub mqtt_credentials: Option<Credentials>,
    /// CA and client certificate for an `mqtts://` broker.
    pub mqtt_tls: Option<TlsFiles>,
    pub timezone: TimeZoneSetting,
    pub demo: bool,
    pub demo_speed: f64,
    pub watchdog: WatchdogConfig,
    pub stations: Vec<StationConfig>,
    pub mqtt_routes: Vec<Route>,
    pub forecast: ForecastConfig,
    pub loops: LoopConfig,
    pub alarms: crate::alarms::Policy,
    pub notify: crate::notify::NotifyConfig,
    /// Whether `notifications` was set at all (the desktop app turns them on by default).
    pub notifications_set: bool,
    /// Government and weather connectors (all off unless enabled).
    pub sources: Vec<crate::sources::settings::SourceConfig>,
    /// Requests from this machine may act without pairing (default true).
    pub trust_loopback: bool,
}

/// Intervals of the orchestrator's loops (the prediction interval is in [`ForecastConfig`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LoopConfig {
    pub anomaly_s: f64,
    pub health_s: f64,
}

/// Forecasting settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastConfig {
    /// Inference engine: auto (ONNX Runtime if its library loads, else tract), onnxruntime, tract.
    pub backend: crate::forecast::backend::Preference,
    /// Explicit `libonnxruntime` path (else `ORT_DYLIB_PATH`, next to the binary, ~/.local/lib/purehealth).
    pub onnxruntime_library: Option<PathBuf>,
    /// Directory with `forecast_<p>.json` + `.onnx` replacing the bundled models.
    pub models_dir: Option<PathBuf>,
    /// Seconds between prediction cycles (the original spec: 15 minutes).
    pub interval_s: f64,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            backend: Default::default(),
            onnxruntime_library: None,
            models_dir: None,
            interval_s: 900.0,
        }
    }
}

/// A broker username and password. `Debug` masks the password.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ username: {:?}, password: \"***\" }}",
            self.username
        )
    }
}

/// The config file format; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub mqtt_url: Option<String>,
    pub broker_listen: Option<String>,
    pub mqtt_client_id: Option<String>,
    /// Broker login (external broker, or required by the embedded one).
    pub mqtt_username: Option<String>,
    pub mqtt_password: Option<String>,
    /// For `mqtts://`: the CA certificate (PEM) to trust, and an optional client certificate.
    pub mqtt_ca_file: Option<PathBuf>,
    pub mqtt_client_cert_file: Option<PathBuf>,
    pub mqtt_client_key_file: Option<PathBuf>,
    pub timezone: Option<String>,
    pub demo: Option<bool>,
    pub demo_speed: Option<f64>,
    /// Station offline after this many expected intervals without a reading (default 3).
    pub watchdog_factor: Option<f64>,
    /// Expected reporting interval until one is learned, seconds (default 300).
    pub watchdog_default_interval_s: Option<f64>,
    /// Shortest expected interval ever learned, seconds (default 60).
    pub watchdog_min_interval_s: Option<f64>,
    /// How often the watchdog checks, seconds (default 10).
    pub watchdog_check_s: Option<f64>,
    /// Per-station settings: `[[stations]]` tables.
    #[serde(default)]
    pub stations: Vec<StationFile>,
    /// Topics to subscribe to, replacing the defaults: `[[mqtt_topics]]` tables.
    pub mqtt_topics: Option<Vec<Route>>,
    /// Forecast engine: "auto" (default), "onnxruntime" or "tract".
    pub forecast_backend: Option<String>,
    /// Path of libonnxruntime.so to load.
    pub onnxruntime_library: Option<PathBuf>,
    /// Directory of forecast models replacing the bundled ones.
    pub models_dir: Option<PathBuf>,
    /// Seconds between prediction cycles (default 900).
    pub prediction_interval_s: Option<f64>,
    /// Seconds between anomaly scans (default 300).
    pub anomaly_interval_s: Option<f64>,
    /// Seconds between health-loop runs: alarm escalation and reminders (default 60).
    pub health_interval_s: Option<f64>,
    /// An alarm opens only after its condition has held this long, seconds (default 0).
    pub alarm_min_duration_s: Option<f64>,
    /// An open, unacknowledged alarm escalates after this long, seconds (default 1800).
    pub alarm_escalate_after_s: Option<f64>,
    /// Reminders for an unacknowledged alarm every this many seconds (default 900).
    pub alarm_remind_every_s: Option<f64>,
    /// Desktop notifications for alarms (default: on in the desktop app, off in `hub`).
    pub notifications: Option<bool>,
    /// `warning` (default) or `critical`.
    pub notify_min_severity: Option<String>,
    /// No notifications in this local-time window, e.g. "22:00-06:00".
    pub notify_quiet_hours: Option<String>,
    /// Whether callers on this machine (loopback) may act on the hub without pairing
    /// (default true; false makes every caller pair, e.g. on a shared kiosk).
    pub trust_loopback: Option<bool>,
    /// Connectors: `[sources.cpcb]`, `[sources.cwc]`, … (see `sources::settings`).
    #[serde(default)]
    pub sources: BTreeMap<String, crate::sources::settings::SourceFile>,
}

/// One `[[stations]]` table of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationFile {
    pub id: String,
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Expected reporting interval, seconds (otherwise learned).
    pub expected_interval_s: Option<f64>,
    /// Criteria profile of the designated use, e.g. `cpcb.dbu.C` (default `legacy.purehealth_v6`).
    pub profile: Option<String>,
    /// QC thresholds per parameter: `[stations.qc.ph] suspect_span = [6.5, 8.5]`.
    #[serde(default)]
    pub qc: BTreeMap<String, QcOverride>,
}

/// A validated `[[stations]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct StationConfig {
    pub key: StationKey,
    pub name: Option<String>,
    pub location: Option<(f64, f64)>,
    pub setup: StationSetup,
}

/// Values given on the command line (None = not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub mqtt_url: Option<String>,
    pub broker_listen: Option<String>,
    pub demo: bool,
    pub demo_speed: Option<f64>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_BROKER_LISTEN: &str = "127.0.0.1:1883";

impl AppConfig {
    /// Builds the configuration from CLI overrides and the process environment.
    pub fn load(cli: &Overrides) -> Result<AppConfig, ConfigError> {
        Self::load_with(cli, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// As [`AppConfig::load`], with an injectable environment (for tests).
    pub fn load_with(
        cli: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<AppConfig, ConfigError> {
        let config_path = cli
            .config
            .clone()
            .or_else(|| env("PUREHEALTH_CONFIG").map(PathBuf::from));
        let file = match &config_path {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        // Precedence: CLI > environment > file > default.
        let pick = |c: &Option<String>, var: &str, f: &Option<String>| {
            c.clone().or_else(|| env(var)).or_else(|| f.clone())
        };
        let data_dir = cli
            .data_dir
            .clone()
            .or_else(|| env("PUREHEALTH_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .or_else(default_data_dir)
            .ok_or(ConfigError::NoDataDir)?;
        let listen_s = pick(&cli.listen, "PUREHEALTH_LISTEN", &file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen = parse_addr("listen", &listen_s)?;
        let mqtt = match pick(&cli.mqtt_url, "PUREHEALTH_MQTT_URL", &file.mqtt_url) {
            Some(url) => parse_mqtt_url("mqtt_url", &url)?,
            None => {
                let b = pick(
                    &cli.broker_listen,
                    "PUREHEALTH_BROKER_LISTEN",
                    &file.broker_listen,
                )
                .unwrap_or_else(|| DEFAULT_BROKER_LISTEN.into());
                MqttMode::Embedded {
                    listen: parse_addr("broker_listen", &b)?,
                }
            }
        };
        let timezone = match env("PUREHEALTH_TIMEZONE").or(file.timezone) {
            Some(tz) => TimeZoneSetting::parse(&tz)?,
            None => TimeZoneSetting::Local,
        };
        let demo = cli.demo
            || env("PUREHEALTH_DEMO").is_some_and(|v| v == "1" || v == "true")
            || file.demo.unwrap_or(false);
        let demo_speed = cli.demo_speed.or(file.demo_speed).unwrap_or(300.0);
        if !(1.0..=100_000.0).contains(&demo_speed) {
            return Err(ConfigError::DemoSpeed(demo_speed));
        }
        let username = env("PUREHEALTH_MQTT_USERNAME").or(file.mqtt_username);
        let password = env("PUREHEALTH_MQTT_PASSWORD").or(file.mqtt_password);
        let mqtt_credentials = match (username, password) {
            (Some(username), Some(password)) => Some(Credentials { username, password }),
            (None, None) => None,
            _ => return Err(ConfigError::HalfCredentials),
        };
        // Sensors on the LAN may reach a non-loopback broker: never without a login.
        if let MqttMode::Embedded { listen } = &mqtt
            && !listen.ip().is_loopback()
            && mqtt_credentials.is_none()
        {
            return Err(ConfigError::BrokerNeedsAuth(*listen));
        }
        let mqtt_tls = match &mqtt {
            MqttMode::External { tls: true, .. } => {
                let ca = env("PUREHEALTH_MQTT_CA_FILE")
                    .map(PathBuf::from)
                    .or(file.mqtt_ca_file)
                    .ok_or(ConfigError::TlsNeedsCa)?;
                let client = match (file.mqtt_client_cert_file, file.mqtt_client_key_file) {
                    (Some(c), Some(k)) => Some((c, k)),
                    (None, None) => None,
                    _ => return Err(ConfigError::HalfClientCert),
                };
                Some(TlsFiles { ca, client })
            }
            _ => None,
        };
        let d = WatchdogConfig::default();
        let positive = |field: &'static str, v: Option<f64>, default: f64| match v {
            None => Ok(default),
            Some(x) if x.is_finite() && x > 0.0 => Ok(x),
            Some(x) => Err(ConfigError::Positive { field, value: x }),
        };
        let watchdog = WatchdogConfig {
            factor: positive("watchdog_factor", file.watchdog_factor, d.factor)?,
            default_interval_s: positive(
                "watchdog_default_interval_s",
                file.watchdog_default_interval_s,
                d.default_interval_s,
            )?,
            min_interval_s: positive(
                "watchdog_min_interval_s",
                file.watchdog_min_interval_s,
                d.min_interval_s,
            )?,
            check_every_s: positive("watchdog_check_s", file.watchdog_check_s, d.check_every_s)?,
        };
        let forecast = ForecastConfig {
            backend: match env("PUREHEALTH_FORECAST_BACKEND").or(file.forecast_backend) {
                None => Default::default(),
                Some(b) => b.parse().map_err(ConfigError::Forecast)?,
            },
            onnxruntime_library: file.onnxruntime_library,
            models_dir: env("PUREHEALTH_MODELS_DIR")
                .map(PathBuf::from)
                .or(file.models_dir),
            interval_s: positive(
                "prediction_interval_s",
                env("PUREHEALTH_PREDICTION_INTERVAL_S")
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .or(file.prediction_interval_s),
                900.0,
            )?,
        };
        let loops = LoopConfig {
            anomaly_s: positive("anomaly_interval_s", file.anomaly_interval_s, 300.0)?,
            health_s: positive("health_interval_s", file.health_interval_s, 60.0)?,
        };
        let d = crate::alarms::Policy::default();
        let alarms = crate::alarms::Policy {
            min_duration_s: match file.alarm_min_duration_s {
                Some(v) if !(v.is_finite() && v >= 0.0) => {
                    return Err(ConfigError::Positive {
                        field: "alarm_min_duration_s",
                        value: v,
                    });
                }
                v => v.unwrap_or(d.min_duration_s),
            },
            escalate_after_s: positive(
                "alarm_escalate_after_s",
                file.alarm_escalate_after_s,
                d.escalate_after_s,
            )?,
            remind_every_s: positive(
                "alarm_remind_every_s",
                file.alarm_remind_every_s,
                d.remind_every_s,
            )?,
        };
        let notifications = env("PUREHEALTH_NOTIFICATIONS")
            .map(|v| v == "1" || v.eq_ignore_ascii_case("true"))
            .or(file.notifications);
        let min_severity = file.notify_min_severity.unwrap_or_else(|| "warning".into());
        if !matches!(min_severity.as_str(), "warning" | "critical") {
            return Err(ConfigError::Notify(format!(
                "notify_min_severity must be warning or critical, not `{}`",
                min_severity.chars().take(20).collect::<String>()
            )));
        }
        let notify = crate::notify::NotifyConfig {
            enabled: notifications.unwrap_or(false),
            min_severity,
            quiet: file
                .notify_quiet_hours
                .as_deref()
                .map(crate::notify::parse_quiet_hours)
                .transpose()
                .map_err(|e| ConfigError::Notify(format!("notify_quiet_hours: {e}")))?,
        };
        let mqtt_routes = file.mqtt_topics.unwrap_or_else(routes::defaults);
        if mqtt_routes.is_empty() {
            return Err(ConfigError::Route(
                "mqtt_topics is empty: nothing would be subscribed".into(),
            ));
        }
        for r in &mqtt_routes {
            r.validate().map_err(ConfigError::Route)?;
        }
        let stations = file
            .stations
            .iter()
            .enumerate()
            .map(|(i, s)| validate_station(i, s))
            .collect::<Result<Vec<_>, _>>()?;
        let mqtt_client_id = file
            .mqtt_client_id
            .unwrap_or_else(|| format!("purehealth-hub-{}", listen.port()));
        let sources =
            crate::sources::settings::validate(&file.sources, &env).map_err(ConfigError::Source)?;
        Ok(AppConfig {
            sources,
            trust_loopback: file.trust_loopback.unwrap_or(true),
            data_dir,
            listen,
            mqtt,
            mqtt_client_id,
            mqtt_credentials,
            mqtt_tls,
            timezone,
            demo,
            demo_speed,
            watchdog,
            stations,
            mqtt_routes,
            forecast,
            loops,
            alarms,
            notify,
            notifications_set: notifications.is_some(),
        })
    }
}

fn validate_station(index: usize, s: &StationFile) -> Result<StationConfig, ConfigError> {
    let err = |message: String| ConfigError::Station {
        index,
        id: s.id.chars().take(64).collect(),
        message,
    };
    let key = StationKey::normalise(&s.id).ok_or_else(|| err("invalid station id".into()))?;
    let location = match (s.lat, s.lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some((lat, lon))
        }
        (None, None) => None,
        _ => {
            return Err(err(
                "lat and lon must be given together, within ±90 / ±180".into()
            ));
        }
    };
    if let Some(v) = s.expected_interval_s
        && !(v.is_finite() && v > 0.0)
    {
        return Err(err(format!(
            "expected_interval_s must be positive, got {v}"
        )));
    }
    let cat = crate::profiles::Catalogue::bundled();
    let profile = match &s.profile {
        None => None,
        Some(id) if cat.get(id).is_some() => Some(id.clone()),
        Some(id) => {
            return Err(err(format!(
                "unknown profile `{}` (known: {})",
                id.chars().take(64).collect::<String>(),
                cat.ids().collect::<Vec<_>>().join(", ")
            )));
        }
    };
    let mut qc = HashMap::new();
    for (name, o) in &s.qc {
        let p =
            Parameter::parse(name).ok_or_else(|| err(format!("qc: unknown parameter `{name}`")))?;
        let cfg = o
            .apply(QcConfig::defaults(p))
            .map_err(|m| err(format!("qc.{name}.{m}")))?;
        qc.insert(p, cfg);
    }
    Ok(StationConfig {
        key,
        name: s.name.clone(),
        location,
        setup: StationSetup {
            expected_interval_s: s.expected_interval_s,
            qc,
            profile,
        },
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "PureHealth", "purehealth")
        .map(|d| d.data_dir().to_path_buf())
}

pub fn parse_addr(field: &'static str, s: &str) -> Result<SocketAddr, ConfigError> {
    s.trim().parse().map_err(|_| ConfigError::Addr {
        field,
        value: s.to_string(),
    })
}

/// Parses `mqtt://host[:port]` (port 1883 by default) or `mqtts://host[:port]` (TLS, 8883).
pub fn parse_mqtt_url(field: &'static str, s: &str) -> Result<MqttMode, ConfigError> {
    let err = || ConfigError::MqttUrl {
        field,
        value: s.to_string(),
    };
    let t = s.trim();
    let (rest, tls) = match (t.strip_prefix("mqtt://"), t.strip_prefix("mqtts://")) {
        (Some(r), _) => (r, false),
        (_, Some(r)) => (r, true),
        _ => return Err(err()),
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| err())?),
        None => (rest, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() || host.contains('/') || port == 0 {
        return Err(err());
    }
    Ok(MqttMode::External {
        host: host.to_string(),
        port,
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(cli: Overrides, env: &[(&str, &str)]) -> Result<AppConfig, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AppConfig::load_with(&cli, |k| env.get(k).cloned())
    }

    #[test]
    fn defaults_then_env_then_cli() {
        let c = load(
            Overrides {
                data_dir: Some("/tmp/x".into()),
                ..Default::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(
            c.mqtt,
            MqttMode::Embedded {
                listen: DEFAULT_BROKER_LISTEN.parse().unwrap()
            }
        );
        let c = load(
            Overrides {
                data_dir: Some("/tmp/x".into()),
                ..Default::default()
            },
            &[
                ("PUREHEALTH_LISTEN", "127.0.0.1:9000"),
                ("PUREHEALTH_MQTT_URL", "mqtt://broker.lan:1884"),
            ],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(
            c.mqtt,
            MqttMode::External {
                host: "broker.lan".into(),
                port: 1884,
                tls: false
            }
        );
        let c = load(
            Overrides {
                data_dir: Some("/tmp/x".into()),
                listen: Some("127.0.0.1:9001".into()),
                ..Default::default()
            },
            &[("PUREHEALTH_LISTEN", "127.0.0.1:9000")],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9001);
    }

    #[test]
    fn bad_values_name_the_field() {
        let o = || Overrides {
            data_dir: Some("/tmp/x".into()),
            ..Default::default()
        };
        let e = load(
            Overrides {
                listen: Some("nonsense".into()),
                ..o()
            },
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("listen: `nonsense`"), "{e}");
        let e = load(
            Overrides {
                mqtt_url: Some("http://x".into()),
                ..o()
            },
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("mqtt_url"), "{e}");
        let e = load(o(), &[("PUREHEALTH_TIMEZONE", "Mars/Olympus")]).unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"), "{e}");
        let e = load(
            Overrides {
                demo_speed: Some(0.0),
                ..o()
            },
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("demo_speed"), "{e}");
    }

    #[test]
    fn station_tables_are_validated_and_name_the_station() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        let load_file = |text: &str| {
            std::fs::write(&p, text).unwrap();
            load(
                Overrides {
                    config: Some(p.clone()),
                    data_dir: Some("/tmp/x".into()),
                    ..Default::default()
                },
                &[],
            )
        };
        let c = load_file(
            "[[stations]]\nid = \"station4\"\nname = \"Intake\"\nlat = 18.5\nlon = 73.8\nexpected_interval_s = 900\n[stations.qc.ph]\nsuspect_span = [6.5, 8.5]\nflat_hours = [12, 48]\n",
        )
        .unwrap();
        let s = &c.stations[0];
        assert_eq!(s.key.id, "4");
        assert_eq!(s.setup.expected_interval_s, Some(900.0));
        let ph = &s.setup.qc[&Parameter::Ph];
        assert_eq!(ph.suspect_span, Some((6.5, 8.5)));
        assert_eq!(ph.flat_s, (12.0 * 3600.0, 48.0 * 3600.0));
        let e = load_file("[[stations]]\nid = \"x\"\n[stations.qc.colour]\nspike = [1, 2]\n")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("stations[0] (`x`): qc: unknown parameter `colour`"),
            "{e}"
        );
        let e =
            load_file("[[stations]]\nid = \"x\"\n[stations.qc.ph]\nspike = [2, 1]\n").unwrap_err();
        assert!(
            e.to_string().contains("qc.ph.spike must be [low, high]"),
            "{e}"
        );
        let e = load_file("[[stations]]\nid = \"x\"\nlat = 95\nlon = 0\n").unwrap_err();
        assert!(e.to_string().contains("lat and lon"), "{e}");
    }

    #[test]
    fn mqtts_needs_a_ca() {
        let o = || Overrides {
            data_dir: Some("/tmp/x".into()),
            mqtt_url: Some("mqtts://broker.lan".into()),
            ..Default::default()
        };
        let e = load(o(), &[]).unwrap_err();
        assert!(e.to_string().contains("mqtt_ca_file"), "{e}");
        let c = load(o(), &[("PUREHEALTH_MQTT_CA_FILE", "/etc/ph/ca.pem")]).unwrap();
        assert_eq!(
            c.mqtt,
            MqttMode::External {
                host: "broker.lan".into(),
                port: 8883,
                tls: true
            }
        );
        assert_eq!(c.mqtt_tls.unwrap().ca, PathBuf::from("/etc/ph/ca.pem"));
    }

    #[test]
    fn a_lan_broker_needs_a_login() {
        let o = || Overrides {
            data_dir: Some("/tmp/x".into()),
            broker_listen: Some("0.0.0.0:1883".into()),
            ..Default::default()
        };
        let e = load(o(), &[]).unwrap_err();
        assert!(e.to_string().contains("requires mqtt_username"), "{e}");
        let c = load(
            o(),
            &[
                ("PUREHEALTH_MQTT_USERNAME", "field"),
                ("PUREHEALTH_MQTT_PASSWORD", "s3cret"),
            ],
        )
        .unwrap();
        let creds = c.mqtt_credentials.unwrap();
        assert_eq!(creds.username, "field");
        assert!(
            !format!("{creds:?}").contains("s3cret"),
            "password masked in logs"
        );
        let e = load(o(), &[("PUREHEALTH_MQTT_USERNAME", "field")]).unwrap_err();
        assert!(e.to_string().contains("together"), "{e}");
    }

    #[test]
    fn config_file_is_read_and_unknown_keys_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "listen = \"127.0.0.1:7000\"\ntimezone = \"Asia/Kolkata\"\n",
        )
        .unwrap();
        let c = load(
            Overrides {
                config: Some(p.clone()),
                data_dir: Some("/tmp/x".into()),
                ..Default::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.timezone, TimeZoneSetting::Named(chrono_tz::Asia::Kolkata));
        std::fs::write(&p, "lisen = 1\n").unwrap();
        let e = load(
            Overrides {
                config: Some(p),
                data_dir: Some("/tmp/x".into()),
                ..Default::default()
            },
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
    }
}
