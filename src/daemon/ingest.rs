//! The ingest path: rate limit -> parse -> identify -> store -> journal. Never touches disk.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tracing::{debug, info, warn};

use super::bus::Bus;
use super::journal::Journal;
use super::rate::RateLimiter;
use super::stats::Stats;
use crate::identify::Identifier;
use crate::store::{Change, Millis, Observation, Store};
use crate::wsd::{self, Limits};

/// Everything the ingest path and the background tasks share, behind one std mutex that
/// is never held across an `.await` nor during disk I/O.
pub struct Shared {
    pub store: Store,
    pub journal: Journal,
    pub stats: Stats,
    pub rate: RateLimiter,
    /// Live events for API subscribers.
    pub bus: Bus,
    /// The configured watchlist with its reasons (for reports; replaced on reload).
    pub watchlist: Vec<crate::api::wire::WatchOut>,
    log_budget: LogBudget,
}

impl Shared {
    pub fn new(store: Store, journal: Journal, rate: RateLimiter, bus: Bus) -> Shared {
        Shared {
            store,
            journal,
            stats: Stats::default(),
            rate,
            bus,
            watchlist: Vec::new(),
            log_budget: LogBudget::default(),
        }
    }

    /// Journal the changes for persistence and publish them to subscribers. Both happen
    /// under the one lock, so a subscriber's snapshot and its event stream never overlap.
    pub fn record(&mut self, changes: &[Change], now: Millis) {
        self.journal.record(changes, &self.store, now);
        self.bus.publish(changes, &self.store, now);
    }

    /// Journal and publish a daemon alarm (not a store change).
    pub fn alarm(&mut self, e: crate::persist::Event) {
        self.bus.publish_event(&e, &self.store);
        self.journal.push(e);
    }
}

pub fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// At most `PER_SECOND` lines a second for anything a remote host can trigger.
#[derive(Default)]
struct LogBudget {
    second: Millis,
    used: u32,
    suppressed: u64,
}

impl LogBudget {
    const PER_SECOND: u32 = 10;

    fn take(&mut self, now: Millis) -> Option<u64> {
        if now / 1000 != self.second {
            self.second = now / 1000;
            self.used = 0;
        }
        if self.used >= Self::PER_SECOND {
            self.suppressed += 1;
            return None;
        }
        self.used += 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}

pub struct Ingest {
    pub limits: Limits,
    /// Swapped whole on reload (new rules); read once per datagram.
    pub identifier: std::sync::RwLock<Arc<Identifier>>,
    pub shared: Arc<Mutex<Shared>>,
    pub flush_now: Arc<Notify>,
    /// Pending journal entries that trigger an early flush.
    pub flush_threshold: usize,
}

impl Ingest {
    pub fn identifier(&self) -> Arc<Identifier> {
        self.identifier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_identifier(&self, identifier: Arc<Identifier>) {
        *self.identifier.write().unwrap_or_else(|p| p.into_inner()) = identifier;
    }

    pub fn handle(
        &self,
        bytes: &[u8],
        source: IpAddr,
        interface: &str,
        truncated: bool,
        now: Millis,
    ) {
        {
            let mut s = lock(&self.shared);
            s.stats.heard(interface, bytes.len(), now);
            if truncated {
                return s.stats.drop("truncated");
            }
            if !s.rate.allow(source, now) {
                return s.stats.drop("rate_limited");
            }
        }
        let message = match wsd::parse(bytes, &self.limits) {
            Ok(m) => m,
            Err(e) => {
                let mut s = lock(&self.shared);
                s.stats.drop(e.kind.as_str());
                if let Some(suppressed) = s.log_budget.take(now) {
                    debug!(%source, interface, kind = e.kind.as_str(), error = %e.detail, suppressed, "bad datagram");
                }
                return;
            }
        };
        let identities = self.identifier().identify_all(&message);
        let obs = Observation {
            source,
            interface: interface.to_string(),
            message,
            identities,
        };
        let mut guard = lock(&self.shared);
        let s = &mut *guard;
        let changes = s.store.apply(&obs, now);
        s.stats.accepted += 1;
        s.record(&changes, now);
        for c in &changes {
            log_change(c, s, &obs, now);
        }
        if s.journal.pending() >= self.flush_threshold {
            self.flush_now.notify_one();
        }
    }
}

fn log_change(c: &Change, s: &mut Shared, obs: &Observation, now: Millis) {
    let interesting = matches!(
        c,
        Change::Added { .. } | Change::Conflict { .. } | Change::CapReached { .. }
    );
    if !interesting {
        return;
    }
    let Some(suppressed) = s.log_budget.take(now) else {
        return;
    };
    let source = obs.source;
    let interface = obs.interface.as_str();
    match c {
        Change::Added { id } => {
            if let Some(d) = s.store.device(*id) {
                let v = &d.verdict;
                info!(id, epr = d.epr(), class = v.class.as_str(), family = v.family.as_deref().unwrap_or("-"),
                      model = v.model.as_deref().unwrap_or("-"), watchlist = v.watchlist, %source, interface,
                      suppressed, "device appeared");
            }
        }
        Change::Conflict { id, kind, detail } => {
            warn!(id, kind = kind.as_str(), detail, %source, interface, suppressed, "conflict flagged");
        }
        Change::CapReached { max_devices } => {
            tracing::error!(
                max_devices,
                "device cap reached: new devices are refused (raise store.max_devices)"
            );
        }
        _ => {}
    }
}
