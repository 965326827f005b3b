//! `camcensusd`: the passive WS-Discovery sensor daemon. Parses flags, loads the
//! configuration, sets up logging and signals, and hands over to `camcensus::daemon::run`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use camcensus::config::{Config, Overrides, DEFAULT_CONFIG_PATH, EXIT_CONFIG};
use clap::Parser;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "camcensusd",
    version,
    about = "Passive WS-Discovery census of network cameras"
)]
struct Args {
    /// Configuration file (default: /etc/camcensus/camcensus.toml when it exists).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Listen on this interface (name or glob); repeatable. Overrides listen.interfaces.
    #[arg(long = "interface", value_name = "NAME")]
    interfaces: Vec<String>,
    /// Directory for the inventory database. Overrides store.state_dir.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Path of the query socket. Overrides api.socket.
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Validate the configuration and exit: 0 if valid, 78 listing every problem otherwise.
    #[arg(long)]
    check_config: bool,
    /// Write camcensusd.8 and camcensus.toml.5 into DIR and exit (for packaging).
    #[arg(long, value_name = "DIR", hide = true)]
    generate_man: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(dir) = &args.generate_man {
        return generate_man(dir);
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    let file = args.config.clone().or_else(|| {
        let default = Path::new(DEFAULT_CONFIG_PATH);
        default.exists().then(|| default.to_path_buf())
    });
    let overrides = Overrides {
        interfaces: args.interfaces.clone(),
        state_dir: args.state_dir.clone(),
        socket: args.socket.clone(),
    };
    let config = match Config::load(file.as_deref(), &env, &overrides) {
        Ok(c) => c,
        Err(e) => {
            let from = file
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "defaults and environment".into());
            eprintln!("camcensusd: {e}\n(configuration from {from}; see config/camcensus.toml for every key)");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.check_config {
        println!("configuration OK");
        return ExitCode::SUCCESS;
    }
    // Before any thread exists: taking the systemd socket clears LISTEN_FDS/LISTEN_PID.
    let api_socket = match camcensus::daemon::api::from_systemd() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("camcensusd: the socket passed by systemd is not a Unix stream socket: {e}");
            return ExitCode::FAILURE;
        }
    };
    let source = Source { file, overrides };
    match run(config, api_socket, source) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("camcensusd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr: one line per event (journald stamps the time), or JSON objects with
/// their own timestamps. `RUST_LOG` wins over `log.level`. Returns the handle that changes
/// the level on reload.
fn init_logging(log: &camcensus::config::LogConfig) -> anyhow::Result<FilterHandle> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let level = std::env::var("RUST_LOG").unwrap_or_else(|_| log.level.clone());
    let filter = tracing_subscriber::EnvFilter::try_new(&level).context("log filter")?;
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let fmt = if log.format == "json" {
        fmt.json().flatten_event(true).boxed()
    } else {
        fmt.without_time().boxed()
    };
    let (filter, handle) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init()
        .context("logging")?;
    Ok(handle)
}

fn generate_man(dir: &Path) -> ExitCode {
    use clap::CommandFactory;
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| camcensus::cli::generate::write_page(&Args::command(), "8", dir))
        .and_then(|()| {
            let page = camcensus::config::manpage::page(
                camcensus::config::manpage::EXAMPLE,
                env!("CARGO_PKG_VERSION"),
            );
            std::fs::write(dir.join("camcensus.toml.5"), page)
        });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "camcensusd: cannot write man pages into {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// Where the configuration came from, to read it again on SIGHUP.
struct Source {
    file: Option<PathBuf>,
    overrides: Overrides,
}

impl Source {
    fn load(&self) -> Result<Config, camcensus::config::ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Config::load(self.file.as_deref(), &env, &self.overrides)
    }
}

fn run(
    config: Config,
    api_socket: Option<std::os::unix::net::UnixListener>,
    source: Source,
) -> anyhow::Result<()> {
    let log_filter = init_logging(&config.log)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(camcensus::daemon::MAX_BLOCKING_THREADS)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let signals = tokio::spawn(wait_for_signal(shutdown.clone()));
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(4);
        let hangups = tokio::spawn(reload_on_sighup(source, reload_tx, log_filter));
        let result = camcensus::daemon::run(config, api_socket, reload_rx, shutdown).await;
        signals.abort();
        hangups.abort();
        result.map_err(anyhow::Error::from)
    })
}

type FilterHandle =
    tracing_subscriber::reload::Handle<tracing_subscriber::EnvFilter, tracing_subscriber::Registry>;

/// SIGHUP: read the configuration again; a bad one is logged and dropped (the running one
/// stays), a good one sets the log level and goes to the daemon to apply.
async fn reload_on_sighup(
    source: Source,
    daemon: tokio::sync::mpsc::Sender<Config>,
    log_filter: FilterHandle,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler: reload is unavailable");
        return;
    };
    while hup.recv().await.is_some() {
        tracing::info!("SIGHUP received: reloading the configuration");
        let config = match source.load() {
            Ok(c) => c,
            Err(e) => {
                let problems = e.problems.join("; ");
                tracing::error!(
                    problems,
                    "configuration reload refused: the running configuration stays"
                );
                continue;
            }
        };
        if std::env::var_os("RUST_LOG").is_none() {
            if let Ok(f) = tracing_subscriber::EnvFilter::try_new(&config.log.level) {
                let _ = log_filter.reload(f);
            }
        }
        if daemon.send(config).await.is_err() {
            return;
        }
    }
}

async fn wait_for_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
    shutdown.cancel();
}
