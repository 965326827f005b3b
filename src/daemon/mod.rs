//! `camcensusd`: wiring of the sensor. The binary binds nothing itself; [`run`] takes the
//! configuration and one cancellation token, and returns when the token is cancelled and
//! everything is flushed, or when a task fails.

pub mod api;
mod bus;
pub mod ingest;
mod journal;
mod listener;
mod queue;
mod rate;
mod receiver;
mod reload;
mod stats;
mod tasks;

pub use stats::{InterfaceStats, Stats};

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info};

use crate::config::Config;
use crate::identify::{Identifier, RuleError};
use crate::persist::{Db, PersistError};
use crate::store::{Millis, Store};
use bus::Bus;
use ingest::{Ingest, Shared};
use journal::Journal;
use listener::Listener;
use rate::RateLimiter;

/// Events kept in memory between flushes; beyond this they are counted and dropped.
pub const MAX_PENDING_EVENTS: usize = 100_000;
/// Journal entries that trigger a flush before the interval.
pub const FLUSH_THRESHOLD: usize = 20_000;
/// Devices written per transaction (bounds the memory of a flush after a burst).
pub const FLUSH_CHUNK: usize = 2_000;
/// Threads each runtime may start for blocking work (SQLite writes, event-log reads); with
/// the runtimes, drain threads and the API thread the daemon stays far below the service's
/// `TasksMax=64`.
pub const MAX_BLOCKING_THREADS: usize = 8;
/// Time allowed for tasks to stop after cancellation.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error("cannot read rules file {path}: {source}")]
    RulesFile {
        path: String,
        source: std::io::Error,
    },
    #[error("bad identification rules: {0}")]
    Rules(#[from] RuleError),
    #[error("network: {0}")]
    Net(#[from] std::io::Error),
    #[error(transparent)]
    Api(#[from] api::BindError),
    #[error("task failed: {0}")]
    Task(String),
}

pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

pub(crate) fn identifier(config: &Config) -> Result<Identifier, DaemonError> {
    let tables = match &config.identify.rules_file {
        None => Identifier::builtin()?,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| DaemonError::RulesFile {
                path: path.display().to_string(),
                source,
            })?;
            Identifier::with_user_rules(&[(&path.display().to_string(), &text)])?
        }
    };
    Ok(tables
        .with_watchlist(config.watchlist())
        .with_overrides(config.identity_overrides()))
}

/// Run the daemon until `shutdown` is cancelled. `api_socket` is a listening socket passed
/// by systemd socket activation; without it the daemon binds `api.socket` itself.
pub async fn run(
    config: Config,
    api_socket: Option<std::os::unix::net::UnixListener>,
    reloads: tokio::sync::mpsc::Receiver<Config>,
    shutdown: CancellationToken,
) -> Result<(), DaemonError> {
    let started = std::time::Instant::now();
    let identifier = identifier(&config)?;
    let db = Db::open(&config.store.state_dir)?;
    let (devices, probers) = db.load(&identifier)?;
    let mut store = Store::new(config.store_limits());
    store.set_sites(config.sites());
    store.load(devices, probers);
    info!(devices = store.len(), db = %db.path().display(), ms = started.elapsed().as_millis() as u64, "inventory loaded");
    let listen = &config.listen;
    let shared = Arc::new(Mutex::new(Shared::new(
        store,
        Journal::new(MAX_PENDING_EVENTS),
        RateLimiter::new(
            listen.rate_per_source,
            listen.rate_burst,
            listen.max_sources,
        ),
        Bus::new(config.api.subscriber_queue),
    )));
    ingest::lock(&shared).watchlist = config.watchlist_out();
    let flush_now = Arc::new(Notify::new());
    let ingest = Arc::new(Ingest {
        limits: config.parse.clone(),
        identifier: std::sync::RwLock::new(Arc::new(identifier)),
        shared: shared.clone(),
        flush_now: flush_now.clone(),
        flush_threshold: FLUSH_THRESHOLD,
    });
    let db_path = db.path().to_path_buf();
    let (api_listener, _socket_file) = match api_socket {
        Some(l) => {
            info!("API socket passed by systemd (socket activation)");
            (l, None)
        }
        None => {
            let (l, file) = api::bind(&config.api.socket, &config.api.group)?;
            info!(socket = %config.api.socket.display(), "API socket created");
            (l, Some(file))
        }
    };
    api_listener.set_nonblocking(true)?;
    let mut listener = Listener::new(config.listen.clone());
    let sockets = listener.reconcile(&crate::net::interfaces::scan()?)?;
    ingest::lock(&shared).stats.joined = listener.joined_names();
    info!(
        interfaces = listener.joined(),
        "listening (passive: camcensusd sends nothing)"
    );

    let tracker = TaskTracker::new();
    let failed = CancellationToken::new();
    let heartbeat = Arc::new(AtomicU64::new(now_ms()));
    let queue_size = usize::try_from(config.listen.queue_size).unwrap_or(usize::MAX);
    let ctx = tasks::Ctx {
        shared: shared.clone(),
        ingest,
        queue: Arc::new(queue::DatagramQueue::new(queue_size)),
        shutdown: shutdown.clone(),
        failed: failed.clone(),
        ingest_stopped: CancellationToken::new(),
        tracker: tracker.clone(),
        heartbeat,
    };
    ctx.spawn_ingest(listener.names.clone());
    for s in sockets {
        ctx.spawn_receiver(s.socket);
    }
    tracker.spawn(tasks::flush_loop(
        ctx.clone(),
        db,
        config.store.flush_interval,
        config.store.event_retention,
        flush_now,
    ));
    let (current, current_rx) = tokio::sync::watch::channel(Arc::new(config.clone()));
    tracker.spawn(reload::reload_loop(ctx.clone(), reloads, current));
    tracker.spawn(tasks::tick_loop(ctx.clone(), current_rx.clone()));
    let api = Arc::new(api::Api::new(
        config.api.clone(),
        shared.clone(),
        ctx.ingest.clone(),
        db_path,
    ));
    let (stop, failed_api) = (shutdown.clone(), failed.clone());
    tracker.spawn_blocking(move || api::run_thread(api, api_listener, stop, failed_api));
    tracker.spawn(tasks::rescan_loop(ctx.clone(), listener, current_rx));
    tracker.spawn(tasks::watchdog_loop(ctx.clone()));
    tasks::notify_ready(ingest::lock(&shared).store.len());

    tokio::select! {
        _ = shutdown.cancelled() => info!("shutting down"),
        _ = failed.cancelled() => error!("a task failed: shutting down"),
    }
    shutdown.cancel();
    tasks::notify_stopping();
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        return Err(DaemonError::Task(
            "tasks did not stop within the grace period".into(),
        ));
    }
    if failed.is_cancelled() {
        return Err(DaemonError::Task("see the log above".into()));
    }
    let s = ingest::lock(&shared);
    info!(
        devices = s.store.len(),
        accepted = s.stats.accepted,
        "stopped"
    );
    Ok(())
}
