//! Command-line interface: `purehealth` (desktop window), `purehealth hub`, `purehealth demo`.

use crate::config::Overrides;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "purehealth",
    version,
    about = "Pure Health: live river and lake water quality"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the headless core: MQTT ingest, SQLite cache and the WebSocket/HTTP hub.
    Hub(HubArgs),
    /// Replay real monitoring records as live MQTT sensor readings.
    Demo(DemoArgs),
    /// Forecast models: evaluate them on daily data.
    #[command(subcommand)]
    Forecast(ForecastCommand),
    /// Fetch a station's history from a government or weather source into the local cache
    /// (resumable: run the same command again to continue).
    Backfill(BackfillArgs),
    /// Import an NWMP / MPCB station table (CSV, optionally .gz) into the local cache.
    Import(ImportArgs),
    /// Pair a device with the hub from this machine: prints a token the device sends as
    /// `Authorization: Bearer <token>` (for a hub that trusts no one yet).
    Pair(PairArgs),
}

#[derive(Debug, Args)]
pub struct PairArgs {
    /// Name the device's actions are recorded under (e.g. "control room laptop").
    #[arg(long, value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where the data and the `[sources]` settings come from (as for `hub`).
#[derive(Debug, Args, Default)]
pub struct StoreArgs {
    /// TOML configuration file (also PUREHEALTH_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the database lives (also PUREHEALTH_DATA_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl StoreArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// cpcb (RTWQMS year.json), cwc (water level, 7-day windows) or openmeteo (archive).
    #[arg(long, value_name = "S")]
    pub source: String,
    /// Station id as the source names it (CPCB `UT67`, CWC `015-UYDDEL`; for openmeteo a
    /// station with a location).
    #[arg(long, value_name = "ID")]
    pub station: String,
    /// First day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub from: chrono::NaiveDate,
    /// Last day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub to: chrono::NaiveDate,
    /// CPCB parameter codes (pH, DO, EC, …); repeat or comma-separate. Default: all.
    #[arg(long = "parameter", value_name = "CODE", value_delimiter = ',')]
    pub parameters: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The station table (NDAP export, CPCB water_dataX, or an NWMP/MPCB table as CSV).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Provenance label stored with every value (e.g. mpcb).
    #[arg(long, value_name = "NAME", default_value = "file_import")]
    pub label: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub enum ForecastCommand {
    /// Rolling-origin backtest of the models against persistence and day-of-year climatology.
    Backtest(BacktestArgs),
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Daily data in long format: datetime,site_id,variable,observation (may be .gz).
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// Only this parameter, named as in the file (oxygen, temperature, chla).
    #[arg(long, value_name = "P")]
    pub parameter: Option<String>,
    /// Only this site.
    #[arg(long, value_name = "S")]
    pub site: Option<String>,
    /// Print {"results": [...]} instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Inference engine: auto, onnxruntime or tract (also PUREHEALTH_FORECAST_BACKEND).
    #[arg(
        long,
        value_name = "B",
        env = "PUREHEALTH_FORECAST_BACKEND",
        default_value = "auto"
    )]
    pub backend: crate::forecast::backend::Preference,
    /// Directory with forecast_<p>.json/.onnx to use instead of the bundled models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
}

#[derive(Debug, Args, Default)]
pub struct HubArgs {
    /// TOML configuration file (also PUREHEALTH_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the database lives (also PUREHEALTH_DATA_DIR; default: the platform data directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address the hub listens on (also PUREHEALTH_LISTEN; default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// External MQTT broker, e.g. mqtt://127.0.0.1:1883 (also PUREHEALTH_MQTT_URL).
    /// Without it an embedded broker is started.
    #[arg(long, value_name = "URL")]
    pub mqtt: Option<String>,
    /// Address of the embedded broker (also PUREHEALTH_BROKER_LISTEN; default 127.0.0.1:1883).
    #[arg(long, value_name = "ADDR")]
    pub broker_listen: Option<String>,
    /// Also run the demo feed in-process.
    #[arg(long)]
    pub demo: bool,
    /// Replay speed of the demo feed (1 = real time; default 300).
    #[arg(long, value_name = "N")]
    pub demo_speed: Option<f64>,
}

impl HubArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            listen: self.listen.clone(),
            mqtt_url: self.mqtt.clone(),
            broker_listen: self.broker_listen.clone(),
            demo: self.demo,
            demo_speed: self.demo_speed,
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Broker to publish to.
    #[arg(long, value_name = "URL", default_value = "mqtt://127.0.0.1:1883")]
    pub mqtt: String,
    /// Replay speed (1 = real time: one 15-minute record every 15 minutes).
    #[arg(long, value_name = "N", default_value_t = 300.0)]
    pub speed: f64,
}
