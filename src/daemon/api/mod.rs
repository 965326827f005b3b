//! The query API: a Unix stream socket speaking JSON lines (`crate::api::wire`). Read-only:
//! nothing a client sends changes the inventory. Bounded: clients, line length, idle and
//! write deadlines, and each subscriber's event queue, all from `[api]` in the config.

mod bind;
mod conn;
mod gate;
mod handle;
mod peer;

pub use bind::{bind, from_systemd, BindError, SocketFile};

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

use super::ingest::{Ingest, Shared};
use crate::api::wire::{code, ClientsOut, Time};
use crate::config::ApiConfig;
use crate::persist::Db;
use peer::Policy;

/// Distinct refused uids remembered so each is logged once.
const MAX_LOGGED_REFUSALS: usize = 1_024;

pub struct Api {
    pub cfg: ApiConfig,
    pub shared: Arc<Mutex<Shared>>,
    pub ingest: Arc<Ingest>,
    pub db_path: PathBuf,
    /// The API's own read-only connection to the event log, opened on first use.
    reader: Arc<Mutex<Option<Db>>>,
    counters: Mutex<ClientsOut>,
    refused_logged: Mutex<HashSet<u32>>,
    policy: Policy,
    started: Time,
    gate: gate::Gate,
}

impl Api {
    pub fn new(
        cfg: ApiConfig,
        shared: Arc<Mutex<Shared>>,
        ingest: Arc<Ingest>,
        db_path: PathBuf,
    ) -> Api {
        let policy = Policy::new(&cfg.allow_users, &cfg.allow_groups, &cfg.group);
        let gate = gate::Gate::new(cfg.max_lock_share);
        let counters = ClientsOut {
            max_clients: cfg.max_clients,
            ..ClientsOut::default()
        };
        Api {
            cfg,
            shared,
            ingest,
            db_path,
            reader: Arc::new(Mutex::new(None)),
            counters: Mutex::new(counters),
            refused_logged: Mutex::new(HashSet::new()),
            policy,
            started: Time::now(),
            gate,
        }
    }

    /// Read the store (and counters) under the lock, within the API's share of it.
    pub async fn with_store<T>(&self, f: impl FnOnce(&Shared) -> T) -> T {
        self.gate.with(&self.shared, f).await
    }

    fn count(&self, f: impl FnOnce(&mut ClientsOut)) {
        f(&mut self.counters.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn clients(&self, subscribers: usize) -> ClientsOut {
        let mut c = *self.counters.lock().unwrap_or_else(|p| p.into_inner());
        c.subscribers = subscribers;
        c
    }

    /// Log a refused peer once per uid (a local user cannot flood the journal).
    fn log_refusal(&self, uid: u32, gid: u32, pid: Option<i32>) {
        let mut seen = self
            .refused_logged
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if seen.len() < MAX_LOGGED_REFUSALS && seen.insert(uid) {
            warn!(
                uid,
                gid,
                pid,
                "API client refused: not root, not in api.allow_users or api.allow_groups"
            );
        }
    }
}

/// Run the API on its own thread and runtime until `shutdown`, so queries never queue
/// behind the ingest path's tasks (they meet it only at the store lock, held per chunk).
/// Returns when every connection has ended. A failure to start cancels `failed`.
pub fn run_thread(
    api: Arc<Api>,
    listener: std::os::unix::net::UnixListener,
    shutdown: CancellationToken,
    failed: CancellationToken,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(super::MAX_BLOCKING_THREADS)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the API thread");
            return failed.cancel();
        }
    };
    rt.block_on(async {
        let listener = match UnixListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "cannot use the API socket");
                return failed.cancel();
            }
        };
        let tracker = TaskTracker::new();
        serve(api, listener, shutdown, tracker.clone()).await;
        tracker.close();
        tracker.wait().await;
    });
}

/// Accept clients until cancelled. Each connection runs in its own task.
pub async fn serve(
    api: Arc<Api>,
    listener: UnixListener,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let stream = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    debug!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let stream = match admit(&api, stream) {
            Ok(s) => s,
            Err((s, line)) => {
                tracker.spawn(conn::refuse(s, line));
                continue;
            }
        };
        let api = api.clone();
        let shutdown = shutdown.clone();
        tracker.spawn(conn::serve(api, stream, shutdown));
    }
}

type Refused = (UnixStream, String);

/// Check the peer and the client limit; a refused client gets one error line.
fn admit(api: &Api, stream: UnixStream) -> Result<UnixStream, Refused> {
    let allowed = match stream.peer_cred() {
        Ok(c) => {
            let groups = peer::supplementary_groups(c.pid());
            let ok = api.policy.allows(c.uid(), c.gid(), &groups);
            if !ok {
                api.log_refusal(c.uid(), c.gid(), c.pid());
            }
            ok
        }
        Err(_) => false,
    };
    if !allowed {
        api.count(|c| c.refused_peer += 1);
        let group = if api.cfg.group.is_empty() {
            "the daemon's group".to_string()
        } else {
            format!("the {} group", api.cfg.group)
        };
        let msg = format!("permission denied: join {group} (or ask for api.allow_users)");
        return Err((stream, conn::refusal(code::FORBIDDEN, msg)));
    }
    let full = {
        let mut c = api.counters.lock().unwrap_or_else(|p| p.into_inner());
        if c.connected >= api.cfg.max_clients {
            c.refused_limit += 1;
            true
        } else {
            c.connected += 1;
            c.accepted += 1;
            false
        }
    };
    if full {
        let msg = format!(
            "too many clients (api.max_clients = {}); try again later",
            api.cfg.max_clients
        );
        return Err((stream, conn::refusal(code::TOO_MANY_CLIENTS, msg)));
    }
    Ok(stream)
}
