//! `purehealth`: a thin entry point over `purehealth_lib`.

// No console window for the desktop app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use anyhow::{Context, Result};
use clap::Parser;
use purehealth_lib::cli::{Cli, Command, ForecastCommand};
use purehealth_lib::config::{self, AppConfig, MqttMode};
use purehealth_lib::{demo, runtime};
use tokio_util::sync::CancellationToken;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    purehealth_lib::init_logging();
    let result = match cli.command {
        Some(Command::Hub(args)) => run_hub(&args),
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Forecast(ForecastCommand::Backtest(args))) => backtest(&args),
        Some(Command::Backfill(args)) => backfill(&args),
        Some(Command::Import(args)) => import(&args),
        Some(Command::Pair(args)) => pair(&args),
        None => desktop(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("purehealth: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn rt() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run_hub(args: &purehealth_lib::cli::HubArgs) -> Result<()> {
    let cfg = AppConfig::load(&args.overrides())?;
    rt()?.block_on(async {
        // Listen for signals before starting, so a SIGTERM during start-up is a clean stop.
        let signal = tokio::spawn(shutdown_signal());
        tokio::task::yield_now().await;
        let running = runtime::start(&cfg).await?;
        let mqtt = match &running.mqtt {
            MqttMode::Embedded { listen } => format!("embedded broker on mqtt://{listen}"),
            MqttMode::External { host, port, tls } => {
                format!("broker mqtt{}://{host}:{port}", if *tls { "s" } else { "" })
            }
        };
        println!(
            "Pure Health hub: open http://{}/ (data: {}, {mqtt}{})",
            running.hub_addr,
            cfg.data_dir.display(),
            if cfg.demo { ", demo feed on" } else { "" }
        );
        let _ = signal.await;
        println!("shutting down");
        running.shutdown().await;
        Ok(())
    })
}

fn run_demo(args: &purehealth_lib::cli::DemoArgs) -> Result<()> {
    let MqttMode::External { host, port, .. } = config::parse_mqtt_url("--mqtt", &args.mqtt)?
    else {
        unreachable!("parse_mqtt_url returns External")
    };
    rt()?.block_on(async {
        let cancel = CancellationToken::new();
        let c = cancel.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            c.cancel();
        });
        println!(
            "demo feed publishing to mqtt://{host}:{port} at speed {}",
            args.speed
        );
        // Same login variables as the hub; a password never goes on the command line.
        let login = match (
            std::env::var("PUREHEALTH_MQTT_USERNAME"),
            std::env::var("PUREHEALTH_MQTT_PASSWORD"),
        ) {
            (Ok(username), Ok(password)) => Some(config::Credentials { username, password }),
            _ => None,
        };
        demo::run(host, port, args.speed, login, cancel).await?;
        Ok(())
    })
}

fn backtest(args: &purehealth_lib::cli::BacktestArgs) -> Result<()> {
    use purehealth_lib::forecast::{Models, backtest};
    let bytes =
        std::fs::read(&args.csv).with_context(|| format!("cannot read {}", args.csv.display()))?;
    let data = backtest::read_long(&bytes).with_context(|| args.csv.display().to_string())?;
    let models = Models::load(args.backend, None, args.models.as_deref())?;
    let rows = backtest::run(
        &models,
        &data,
        args.parameter.as_deref(),
        args.site.as_deref(),
    )?;
    if args.json {
        println!("{}", serde_json::json!({ "results": rows }));
    } else {
        println!(
            "backend: {} · origins every {} days · P10-P90 = share of points inside the interval",
            models.backend.name(),
            backtest::ORIGIN_STEP
        );
        print!("{}", backtest::table(&rows));
    }
    Ok(())
}

/// A core over the configured data directory, without the hub, broker or loops.
async fn offline_core(cfg: &AppConfig) -> Result<purehealth_lib::pipeline::Core> {
    let store = purehealth_lib::store::Store::open(&cfg.data_dir)?;
    Ok(purehealth_lib::pipeline::Core::open(store, cfg.watchdog.clone(), &cfg.stations).await?)
}

fn backfill(args: &purehealth_lib::cli::BackfillArgs) -> Result<()> {
    use purehealth_lib::sources::backfill::{self, Job};
    use std::io::Write;
    let cfg = AppConfig::load(&args.store.overrides())?;
    let job = Job {
        source: args.source.clone(),
        station: args.station.clone(),
        from: args.from,
        to: args.to,
        parameters: args.parameters.clone(),
    };
    job.validate()?;
    let source = cfg
        .sources
        .iter()
        .find(|s| s.id == job.source)
        .cloned()
        .context("source settings missing")?;
    rt()?.block_on(async {
        let core = offline_core(&cfg).await?;
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = |p: &backfill::Progress| {
            let width = 30;
            let filled = (p.done * width)
                .checked_div(p.total)
                .unwrap_or(width)
                .min(width);
            let line = format!(
                "[{}{}] {}/{} chunks · {} readings ({} new) · {}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                p.done,
                p.total,
                p.readings,
                p.new,
                p.current
            );
            let mut err = std::io::stderr();
            // A progress bar on a terminal; one line per chunk in a log.
            let _ = if tty {
                write!(err, "\r{line}")
            } else {
                writeln!(err, "{line}")
            };
            let _ = err.flush();
        };
        let p = backfill::run(&job, &source, &core, &bar).await?;
        if tty {
            eprintln!();
        }
        println!(
            "backfill {}: {} chunks ({} resumed), {} readings, {} new{}",
            p.job,
            p.total,
            p.resumed,
            p.readings,
            p.new,
            if p.failed_chunks.is_empty() {
                String::new()
            } else {
                format!(", {} failed", p.failed_chunks.len())
            }
        );
        for f in &p.failed_chunks {
            println!("  failed {f}");
        }
        if !p.failed_chunks.is_empty() {
            anyhow::bail!(
                "{} of {} chunks failed; run the same command again to retry them",
                p.failed_chunks.len(),
                p.total
            );
        }
        Ok(())
    })
}

fn import(args: &purehealth_lib::cli::ImportArgs) -> Result<()> {
    let cfg = AppConfig::load(&args.store.overrides())?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    rt()?.block_on(async {
        let core = offline_core(&cfg).await?;
        let v = core
            .import_table(&bytes, &args.label)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
        println!(
            "imported {} ({} layout): {} rows, {} stations, {} values, {} new",
            args.file.display(),
            v["layout"].as_str().unwrap_or("?"),
            v["rows"],
            v["stations"],
            v["observations"],
            v["new"]
        );
        for s in v["skipped"].as_array().into_iter().flatten().take(10) {
            println!("  skipped: {}", s.as_str().unwrap_or_default());
        }
        Ok(())
    })
}

fn pair(args: &purehealth_lib::cli::PairArgs) -> Result<()> {
    let cfg = AppConfig::load(&args.store.overrides())?;
    rt()?.block_on(async {
        let store = purehealth_lib::store::Store::open(&cfg.data_dir)?;
        let (token, id) = purehealth_lib::hub::pairing::add_device(&store, &args.name).await?;
        println!(
            "paired device {id} ({}); its token (shown once):",
            args.name.trim()
        );
        println!("{token}");
        println!(
            "the device sends it as `Authorization: Bearer <token>` (WebSocket: `?token=<token>`)"
        );
        Ok(())
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn desktop() -> Result<()> {
    if !purehealth_lib::has_display() {
        anyhow::bail!(
            "no display found (DISPLAY/WAYLAND_DISPLAY unset).\n\
             Run the headless hub instead: `purehealth hub` (add --demo for a demo feed), \
             then open http://127.0.0.1:8080/ in a browser."
        );
    }
    #[cfg(feature = "gui")]
    {
        purehealth_lib::app::run()?;
        Ok(())
    }
    #[cfg(not(feature = "gui"))]
    {
        anyhow::bail!(
            "this build has no desktop window (built without the `gui` feature).\n\
             Run the headless hub instead: `purehealth hub` (add --demo for a demo feed)."
        )
    }
}
