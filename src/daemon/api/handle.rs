//! One request line -> one reply. Queries read the store under the shared lock only long
//! enough to copy out their answer; serialisation and event-log reads happen outside it.

use serde::Serialize;
use serde_json::Value;

use super::Api;
use crate::api::query::{self, Compiled};
use crate::api::wire::*;
use crate::daemon::ingest::Shared;
use crate::persist::{Db, StoredEvent};

/// Events returned by one `events` request when it gives no limit, and at most.
pub const DEFAULT_EVENTS: usize = 1_000;
pub const MAX_EVENTS: usize = MAX_EVENTS_PER_REQUEST;

/// What a request line asks the connection to do.
pub enum Outcome {
    /// A result, already serialised.
    Result(String),
    Error(&'static str, String),
    Subscribe {
        snapshot: bool,
    },
}

fn ok<T: Serialize>(v: &T) -> Outcome {
    match serde_json::to_string(v) {
        Ok(s) => Outcome::Result(s),
        Err(e) => Outcome::Error(code::UNAVAILABLE, format!("cannot encode the reply: {e}")),
    }
}

/// Split a line into its optional `id` and the request.
pub fn parse(line: &[u8]) -> (Option<Value>, Result<Request, Outcome>) {
    let mut v: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            let msg = format!("not a JSON object: {e}");
            return (None, Err(Outcome::Error(code::BAD_JSON, msg)));
        }
    };
    let Some(obj) = v.as_object_mut() else {
        let msg = "a request is a JSON object with a \"type\"".to_string();
        return (None, Err(Outcome::Error(code::BAD_JSON, msg)));
    };
    let id = obj.remove("id");
    let req = serde_json::from_value::<Request>(v)
        .map_err(|e| Outcome::Error(code::BAD_REQUEST, e.to_string()));
    (id, req)
}

pub async fn handle(api: &Api, req: Request) -> Outcome {
    let now = Time::now();
    match req {
        Request::Version => ok(&version()),
        Request::Devices {
            filter,
            sort,
            desc,
            limit,
            offset,
            full,
        } => {
            let f = match compile(&filter, now) {
                Ok(f) => f,
                Err(e) => return e,
            };
            let page = query::Page {
                sort,
                desc,
                offset,
                limit,
                full,
            };
            ok(&devices(api, &f, page).await)
        }
        Request::Count { filter } => {
            let f = match compile(&filter, now) {
                Ok(f) => f,
                Err(e) => return e,
            };
            let n = api.with_store(|s| query::count(&s.store, &f)).await;
            ok(&CountOut { count: n })
        }
        Request::Summary { by, .. } if by.len() > query::MAX_GROUP_KEYS => Outcome::Error(
            code::BAD_REQUEST,
            format!("summary: at most {} group keys", query::MAX_GROUP_KEYS),
        ),
        Request::Summary { by, filter } => match compile(&filter, now) {
            Ok(f) => ok(&summary(api, &f, &by).await),
            Err(e) => e,
        },
        Request::Probers { limit } => {
            ok(&api.with_store(|s| query::probers(&s.store, limit)).await)
        }
        Request::Device { query, events } => device(api, &query, events).await,
        Request::Events {
            since,
            device,
            limit,
        } => {
            let since = match since.map(|t| t.resolve(now)).transpose() {
                Ok(t) => t.map_or(0, |t| t.0),
                Err(e) => return Outcome::Error(code::BAD_REQUEST, format!("since: {e}")),
            };
            let limit = limit.unwrap_or(DEFAULT_EVENTS).min(MAX_EVENTS);
            match read_events(api, since, device, limit, false).await {
                Ok(events) => ok(&EventsOut { events }),
                Err(e) => Outcome::Error(code::UNAVAILABLE, e),
            }
        }
        Request::Stats => ok(&api.with_store(|s| api.stats(s)).await),
        Request::Health => ok(&api.with_store(|s| api.health(s, now)).await),
        Request::Watchlist => ok(&api
            .with_store(|s| WatchlistOut {
                entries: s.watchlist.clone(),
            })
            .await),
        Request::Subscribe { snapshot } => Outcome::Subscribe { snapshot },
    }
}

/// Devices converted per hold of the store lock: a listing of 100,000 devices never blocks
/// the ingest path for more than one chunk (a few ms) at a time.
pub const QUERY_CHUNK: usize = 1_024;

/// Filter and sort under one hold of the lock, then convert the page chunk by chunk. Devices
/// are never removed from the store, so the ids stay valid between chunks.
async fn devices(api: &Api, f: &Compiled, page: query::Page) -> DevicesOut {
    let ids = api
        .with_store(|s| query::sorted_ids(&s.store, f, page.sort, page.desc))
        .await;
    let total = ids.len();
    let wanted: Vec<u64> = ids
        .into_iter()
        .skip(page.offset)
        .take(page.limit.unwrap_or(usize::MAX))
        .collect();
    let mut devices = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(QUERY_CHUNK) {
        api.with_store(|s| {
            devices.extend(
                chunk
                    .iter()
                    .filter_map(|id| s.store.device(*id))
                    .map(|d| query::device_with(d, page.full)),
            )
        })
        .await;
    }
    DevicesOut { total, devices }
}

/// Group chunk by chunk, like [`devices`].
async fn summary(api: &Api, f: &Compiled, by: &[GroupKey]) -> SummaryOut {
    let ids = api.with_store(|s| query::matching_ids(&s.store, f)).await;
    let mut acc = query::Summary::new(by);
    for chunk in ids.chunks(QUERY_CHUNK) {
        api.with_store(|s| {
            for d in chunk.iter().filter_map(|id| s.store.device(*id)) {
                acc.add(d);
            }
        })
        .await;
    }
    acc.finish()
}

fn compile(filter: &Filter, now: Time) -> Result<Compiled, Outcome> {
    Compiled::new(filter, now).map_err(|e| Outcome::Error(code::BAD_REQUEST, e))
}

pub fn version() -> VersionOut {
    VersionOut {
        protocol: PROTOCOL_VERSION,
        daemon: "camcensusd".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

async fn device(api: &Api, q: &str, events: usize) -> Outcome {
    let found = api
        .with_store(|s| {
            query::find(&s.store, q).map(|d| query::detail(d, &api.ingest.identifier()))
        })
        .await;
    let Some(mut detail) = found else {
        return Outcome::Error(
            code::NOT_FOUND,
            format!("no device matches {q:?} (give an id, EPR, IP address or MAC; `camcensus devices` lists them)"),
        );
    };
    if events > 0 {
        let id = detail.device.id;
        let limit = events.min(MAX_EVENTS);
        match read_events(api, 0, Some(id), limit, true).await {
            Ok(e) => detail.events = e,
            Err(e) => tracing::debug!(error = %e, "device events unavailable"),
        }
    }
    ok(&detail)
}

/// Read the event log on a blocking thread with the API's own read-only connection.
async fn read_events(
    api: &Api,
    since: u64,
    device: Option<u64>,
    limit: usize,
    newest: bool,
) -> Result<Vec<EventOut>, String> {
    let reader = api.reader.clone();
    let path = api.db_path.clone();
    let rows = tokio::task::spawn_blocking(move || {
        let mut guard = reader.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Db::open_reader(&path).map_err(|e| e.to_string())?);
        }
        match guard.as_ref() {
            Some(db) => db
                .events(since, device, limit, newest)
                .map_err(|e| e.to_string()),
            None => Err("no database".to_string()),
        }
    })
    .await
    .map_err(|e| format!("event log reader failed: {e}"))??;
    Ok(rows.into_iter().map(event_out).collect())
}

fn event_out(e: StoredEvent) -> EventOut {
    EventOut {
        kind: e.kind,
        at: Time(e.at),
        device_id: e.device_id,
        detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
        device: None,
    }
}

impl Api {
    pub fn stats(&self, s: &Shared) -> StatsOut {
        let st = s.store.stats();
        let by_status = s.store.status_counts();
        let mut interfaces: Vec<InterfaceOut> = s
            .stats
            .interfaces
            .iter()
            .map(|(name, i)| InterfaceOut {
                name: name.clone(),
                joined: s.stats.joined.contains(name),
                datagrams: i.datagrams,
                bytes: i.bytes,
                last_heard: Some(Time(i.last_heard)),
            })
            .collect();
        for name in &s.stats.joined {
            if !s.stats.interfaces.contains_key(name) {
                interfaces.push(InterfaceOut {
                    name: name.clone(),
                    joined: true,
                    datagrams: 0,
                    bytes: 0,
                    last_heard: None,
                });
            }
        }
        interfaces.sort_by(|a, b| a.name.cmp(&b.name));
        StatsOut {
            version: env!("CARGO_PKG_VERSION").into(),
            started: self.started,
            interfaces,
            drops: s
                .stats
                .drops
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            accepted: s.stats.accepted,
            recv_errors: s.stats.recv_errors,
            store: StoreOut {
                devices: s.store.len(),
                max_devices: s.store.limits().max_devices,
                active: by_status.active,
                stale: by_status.stale,
                departed: by_status.departed,
                probers: s.store.probers().count(),
                dedup_entries: s.store.dedup_len(),
                duplicates: st.duplicates,
                out_of_sequence: st.out_of_sequence,
                refused_devices: st.refused_devices,
                refused_probers: st.refused_probers,
                foreign_byes: st.foreign_byes,
                unknown_byes: st.unknown_byes,
            },
            persistence: PersistenceOut {
                database: self.db_path.display().to_string(),
                generation: s.stats.flushes,
                last_flush: (s.stats.last_flush > 0).then_some(Time(s.stats.last_flush)),
                flush_errors: s.stats.flush_errors,
                pending: s.journal.pending(),
                dropped_events: s.journal.dropped_events,
            },
            clients: self.clients(s.bus.subscribers()),
        }
    }

    pub fn health(&self, s: &Shared, now: Time) -> HealthOut {
        let mut problems = Vec::new();
        if s.stats.joined.is_empty() {
            problems.push(
                "not listening on any interface (check listen.interfaces and `ip link`)".into(),
            );
        }
        if s.stats.last_flush_error > s.stats.last_flush {
            problems.push(
                "the last database write failed (see `journalctl -u camcensusd`; check disk space)"
                    .into(),
            );
        }
        if s.store.len() >= s.store.limits().max_devices {
            problems.push(format!(
                "device cap reached ({}): new devices are refused (raise store.max_devices)",
                s.store.limits().max_devices
            ));
        }
        if s.journal.dropped_events > 0 {
            problems.push(format!(
                "{} events were dropped before they could be written",
                s.journal.dropped_events
            ));
        }
        let last_datagram = s.stats.interfaces.values().map(|i| i.last_heard).max();
        HealthOut {
            status: if problems.is_empty() {
                "ok"
            } else {
                "degraded"
            }
            .into(),
            problems,
            devices: s.store.len(),
            interfaces_joined: s.stats.joined.len(),
            last_datagram: last_datagram.map(Time),
            last_flush: (s.stats.last_flush > 0).then_some(Time(s.stats.last_flush)),
            uptime_seconds: now.0.saturating_sub(self.started.0) / 1000,
        }
    }
}
