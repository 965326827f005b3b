//! Background tasks: receive loops, flushing, stale ticks, interface rescans, watchdog.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socket2::Socket;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error, info, warn};

use super::ingest::{lock, Ingest, Shared};
use super::listener::Listener;
use super::now_ms;
use super::queue::DatagramQueue;
use super::receiver;
use crate::config::Config;
use crate::persist::{Batch, Db};

#[derive(Clone)]
pub struct Ctx {
    pub shared: Arc<Mutex<Shared>>,
    pub ingest: Arc<Ingest>,
    pub queue: Arc<DatagramQueue>,
    pub shutdown: CancellationToken,
    /// Cancelled when a task fails: the daemon then stops with a non-zero exit.
    pub failed: CancellationToken,
    /// Cancelled when the ingest task has stopped (the final flush waits for it).
    pub ingest_stopped: CancellationToken,
    pub tracker: TaskTracker,
    pub heartbeat: Arc<AtomicU64>,
}

impl Ctx {
    /// Start a drain thread for `socket`, tracked like a task: the daemon waits for it at
    /// shutdown, and a thread that dies (or cannot start) takes the daemon down.
    pub fn spawn_receiver(&self, socket: Arc<Socket>) {
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        let (queue, shutdown) = (self.queue.clone(), self.shutdown.clone());
        let max_datagram = self.ingest.limits.max_datagram;
        let spawned = std::thread::Builder::new()
            .name("camcensus-rx".into())
            .spawn(move || {
                receiver::drain(&socket, &queue, max_datagram, &shutdown);
                let _ = done.send(());
            });
        if let Err(e) = spawned {
            error!(error = %e, "cannot start a receive thread");
            return self.failed.cancel();
        }
        let failed = self.failed.clone();
        self.tracker.spawn(async move {
            if finished.await.is_err() {
                error!("a receive thread died");
                failed.cancel();
            }
        });
    }

    /// Start the ingest task (one for all sockets).
    pub fn spawn_ingest(&self, names: super::listener::Names) {
        let stopped = self.ingest_stopped.clone().drop_guard();
        let fut = receiver::ingest_loop(
            self.ingest.clone(),
            self.queue.clone(),
            names,
            self.heartbeat.clone(),
            self.shutdown.clone(),
        );
        self.tracker.spawn(async move {
            let _stopped = stopped;
            fut.await
        });
    }
}

pub async fn flush_loop(
    ctx: Ctx,
    db: Db,
    interval: Duration,
    retention: Duration,
    now: Arc<Notify>,
) {
    let db = Arc::new(Mutex::new(db));
    let mut last_prune = 0;
    loop {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
            _ = now.notified() => {}
        }
        flush(&ctx, &db).await;
        if now_ms().saturating_sub(last_prune) > 3_600_000 {
            last_prune = now_ms();
            let before = now_ms().saturating_sub(retention.as_millis() as u64);
            let db = db.clone();
            let pruned =
                tokio::task::spawn_blocking(move || lock_db(&db).prune_events(before)).await;
            if let Ok(Ok(n)) = pruned {
                debug!(events = n, "event log pruned");
            }
        }
    }
    // Everything received before the shutdown is applied first (bounded by the grace).
    let _ = tokio::time::timeout(super::SHUTDOWN_GRACE / 2, ctx.ingest_stopped.cancelled()).await;
    flush(&ctx, &db).await;
    info!("final flush done");
}

fn lock_db(db: &Mutex<Db>) -> std::sync::MutexGuard<'_, Db> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

/// Write everything dirty, in transactions of at most `FLUSH_CHUNK` devices.
async fn flush(ctx: &Ctx, db: &Arc<Mutex<Db>>) {
    while flush_chunk(ctx, db).await {}
}

/// One transaction, off the async threads; true if more may be pending. A failed write puts
/// the batch back (nothing is lost while the process lives) and is logged as an error.
async fn flush_chunk(ctx: &Ctx, db: &Arc<Mutex<Db>>) -> bool {
    let batch: Batch = {
        let mut guard = lock(&ctx.shared);
        let s = &mut *guard;
        s.journal.take(&s.store, super::FLUSH_CHUNK)
    };
    if batch.is_empty() {
        return false;
    }
    let db2 = db.clone();
    let result = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let r = lock_db(&db2).write(&batch);
        debug!(
            devices = batch.devices.len(),
            probers = batch.probers.len(),
            events = batch.events.len(),
            ms = started.elapsed().as_millis() as u64,
            "flushed"
        );
        (r, batch)
    })
    .await;
    let mut s = lock(&ctx.shared);
    match result {
        Ok((Ok(()), _)) => {
            s.stats.flushes += 1;
            s.stats.last_flush = now_ms();
            let (n, more) = (s.store.len(), s.journal.pending() > 0);
            drop(s);
            notify_status(n);
            more
        }
        Ok((Err(e), batch)) => {
            s.stats.flush_errors += 1;
            s.stats.last_flush_error = now_ms();
            error!(error = %e, "cannot write the inventory database (check disk space and permissions); will retry");
            let Shared { journal, .. } = &mut *s;
            journal.requeue(batch);
            false
        }
        Err(e) => {
            error!(error = %e, "database writer panicked");
            ctx.failed.cancel();
            false
        }
    }
}

/// Ticks between two counter summaries in the log (one tick a minute).
const STATS_EVERY_TICKS: u64 = 15;

pub async fn tick_loop(ctx: Ctx, config: watch::Receiver<Arc<Config>>) {
    let mut ticks = 0u64;
    loop {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
        ticks += 1;
        let silent_after = config.borrow().listen.silent_after.as_millis();
        let silent_after = u64::try_from(silent_after).unwrap_or(u64::MAX);
        let now = now_ms();
        let mut guard = lock(&ctx.shared);
        let s = &mut *guard;
        if ticks % STATS_EVERY_TICKS == 0 {
            log_stats(s);
        }
        let changes = s.store.tick(now);
        if !changes.is_empty() {
            info!(
                devices = changes.len(),
                "devices went stale (not heard from for store.stale_after)"
            );
        }
        s.record(&changes, now);
        for (interface, last_heard) in s.stats.newly_silent(now, silent_after) {
            warn!(
                interface,
                "interface silent for longer than listen.silent_after: alarm raised"
            );
            s.alarm(crate::persist::Event {
                at: now,
                device_id: None,
                kind: "alarm",
                detail: crate::persist::EventDetail::InterfaceSilent {
                    interface,
                    last_heard,
                },
            });
        }
    }
}

/// A one-line summary of the counters, for operators reading the journal.
fn log_stats(s: &Shared) {
    let received: u64 = s.stats.interfaces.values().map(|i| i.datagrams).sum();
    let drops: Vec<String> = s
        .stats
        .drops
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let st = s.store.stats();
    info!(
        devices = s.store.len(),
        received,
        accepted = s.stats.accepted,
        duplicates = st.duplicates,
        out_of_sequence = st.out_of_sequence,
        refused_devices = st.refused_devices,
        foreign_byes = st.foreign_byes,
        drops = drops.join(" "),
        recv_errors = s.stats.recv_errors,
        flushes = s.stats.flushes,
        flush_errors = s.stats.flush_errors,
        events_dropped = s.journal.dropped_events,
        "counters"
    );
}

/// Rescan interfaces every `listen.rescan_interval`, and at once when a reload changed the
/// configuration (interfaces, exclusions).
pub async fn rescan_loop(
    ctx: Ctx,
    mut listener: Listener,
    mut config: watch::Receiver<Arc<Config>>,
) {
    loop {
        let every = config.borrow().listen.rescan_interval;
        tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
            changed = config.changed() => {
                if changed.is_err() {
                    return;
                }
                listener.set_config(config.borrow_and_update().listen.clone());
            }
        }
        let scanned = match crate::net::interfaces::scan() {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "cannot list interfaces");
                continue;
            }
        };
        let reconciled = listener.reconcile(&scanned);
        lock(&ctx.shared).stats.joined = listener.joined_names();
        match reconciled {
            Ok(new) => {
                for s in new {
                    ctx.spawn_receiver(s.socket);
                }
            }
            Err(e) => {
                error!(error = %e, "cannot open a listening socket");
                ctx.failed.cancel();
                return;
            }
        }
    }
}

/// Ping the systemd watchdog while the ingest task is alive (it beats every second).
pub async fn watchdog_loop(ctx: Ctx) {
    let Some(timeout) = sd_notify::watchdog_enabled().filter(|d| !d.is_zero()) else {
        return;
    };
    let period = timeout / 2;
    let usec = u64::try_from(timeout.as_micros()).unwrap_or(u64::MAX);
    loop {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            _ = tokio::time::sleep(period) => {}
        }
        let age = now_ms().saturating_sub(ctx.heartbeat.load(Ordering::Relaxed));
        if age < (usec / 1000).max(2_000) {
            let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
        }
    }
}

pub fn notify_ready(devices: usize) {
    let status = format!("{devices} devices");
    let _ = sd_notify::notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(&status),
    ]);
}

fn notify_status(devices: usize) {
    let status = format!("{devices} devices");
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Status(&status)]);
}

pub fn notify_stopping() {
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
}
