//! Batched writes: everything that changed since the last flush, in one transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use rusqlite::{params, Transaction};
use serde_json::{json, Value};

use super::{Db, PersistError};
use crate::store::{Device, Millis, Prober};

/// An entry of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: Millis,
    pub device_id: Option<u64>,
    /// `appeared`, `changed`, `departed`, `stale`, `restarted`, `conflict`, `alarm`.
    pub kind: &'static str,
    pub detail: EventDetail,
}

/// What an event says beyond its kind. Kept typed on the ingest path; turned into JSON by
/// the writer thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventDetail {
    None,
    Appeared {
        epr: String,
        class: &'static str,
        family: Option<String>,
        brand: Option<String>,
        model: Option<String>,
        watchlist: bool,
    },
    Changed {
        fields: Vec<&'static str>,
    },
    Restarted {
        instance_id: u64,
    },
    Conflict {
        kind: &'static str,
        detail: String,
    },
    CapReached {
        max_devices: usize,
    },
    InterfaceSilent {
        interface: String,
        last_heard: Millis,
    },
}

impl EventDetail {
    pub fn to_json(&self) -> Value {
        match self {
            EventDetail::None => json!({}),
            EventDetail::Appeared {
                epr,
                class,
                family,
                brand,
                model,
                watchlist,
            } => {
                json!({"epr": epr, "class": class, "family": family, "brand": brand, "model": model,
                       "watchlist": watchlist})
            }
            EventDetail::Changed { fields } => json!({ "fields": fields }),
            EventDetail::Restarted { instance_id } => json!({ "instance_id": instance_id }),
            EventDetail::Conflict { kind, detail } => json!({"kind": kind, "detail": detail}),
            EventDetail::CapReached { max_devices } => {
                json!({"alarm": "device_cap_reached", "max_devices": max_devices})
            }
            EventDetail::InterfaceSilent {
                interface,
                last_heard,
            } => {
                json!({"alarm": "interface_silent", "interface": interface,
                       "last_heard": crate::api::time::Time(*last_heard).rfc3339()})
            }
        }
    }
}

/// What one flush writes: snapshots of the devices and probers that changed, and events.
/// Device snapshots share the store's records (no copy is made unless a record changes
/// while the batch is being written).
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub devices: Vec<Arc<Device>>,
    /// Ids among `devices` never written before: their rows are inserted, nothing replaced.
    pub new: BTreeSet<u64>,
    pub probers: Vec<Prober>,
    pub events: Vec<Event>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty() && self.probers.is_empty() && self.events.is_empty()
    }
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A space-joined list field as a JSON array.
fn joined(s: &str) -> String {
    Value::from(crate::store::words(s).collect::<Vec<_>>()).to_string()
}

fn strings<T: ToString>(v: &[T]) -> String {
    Value::from(v.iter().map(T::to_string).collect::<Vec<_>>()).to_string()
}

impl Db {
    pub fn write(&mut self, batch: &Batch) -> Result<(), PersistError> {
        let path = self.path.clone();
        let wrap = |source| PersistError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        for d in &batch.devices {
            write_device(&tx, d, batch.new.contains(&d.id)).map_err(wrap)?;
        }
        for p in &batch.probers {
            write_prober(&tx, p).map_err(wrap)?;
        }
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO events (at, device_id, kind, detail) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(wrap)?;
            for e in &batch.events {
                stmt.execute(params![
                    i(e.at),
                    e.device_id.map(i),
                    e.kind,
                    e.detail.to_json().to_string()
                ])
                .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }
}

fn write_device(tx: &Transaction<'_>, d: &Device, new: bool) -> rusqlite::Result<()> {
    let v = &d.verdict;
    let described = d.described();
    let conflicts: serde_json::Map<String, Value> = d
        .conflicts
        .iter()
        .map(|(k, detail)| (k.as_str().to_string(), json!(detail)))
        .collect();
    let (app_instance, app_message) = match d.app_sequence {
        Some((a, b)) => (Some(i(a)), Some(i(b))),
        None => (None, None),
    };
    tx.prepare_cached(
        "INSERT INTO devices (id, epr_key, epr, status, first_seen, last_seen, seen_count, class, family, \
         brand, manufacturer, model, confidence, watchlist, name, hardware, locations, macs, types, scopes, \
         xaddrs, metadata_version, app_instance, app_message, restarts, hello_count, bye_count, \
         probe_match_count, resolve_match_count, conflicts) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
         ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30) \
         ON CONFLICT(id) DO UPDATE SET epr_key = excluded.epr_key, epr = excluded.epr, status = excluded.status, \
         first_seen = excluded.first_seen, last_seen = excluded.last_seen, seen_count = excluded.seen_count, \
         class = excluded.class, family = excluded.family, brand = excluded.brand, \
         manufacturer = excluded.manufacturer, model = excluded.model, confidence = excluded.confidence, \
         watchlist = excluded.watchlist, name = excluded.name, hardware = excluded.hardware, \
         locations = excluded.locations, macs = excluded.macs, types = excluded.types, scopes = excluded.scopes, \
         xaddrs = excluded.xaddrs, metadata_version = excluded.metadata_version, \
         app_instance = excluded.app_instance, app_message = excluded.app_message, restarts = excluded.restarts, \
         hello_count = excluded.hello_count, bye_count = excluded.bye_count, \
         probe_match_count = excluded.probe_match_count, resolve_match_count = excluded.resolve_match_count, \
         conflicts = excluded.conflicts",
    )?
    .execute(params![
        i(d.id),
        &*d.key,
        d.epr(),
        d.status.as_str(),
        i(d.seen.first),
        i(d.seen.last),
        i(d.seen.count),
        v.class.as_str(),
        v.family,
        v.brand,
        v.manufacturer,
        v.model,
        v.confidence.as_str(),
        v.watchlist,
        described.name,
        described.hardware,
        strings(&described.locations),
        strings(&d.macs),
        joined(&d.types),
        joined(&d.scopes),
        joined(&d.xaddrs),
        d.metadata_version,
        app_instance,
        app_message,
        i(d.restarts),
        i(d.counts.hello),
        i(d.counts.bye),
        i(d.counts.probe_match),
        i(d.counts.resolve_match),
        Value::Object(conflicts).to_string(),
    ])?;
    if !new {
        tx.prepare_cached("DELETE FROM device_addresses WHERE device_id = ?1")?
            .execute([i(d.id)])?;
        tx.prepare_cached("DELETE FROM device_interfaces WHERE device_id = ?1")?
            .execute([i(d.id)])?;
    }
    let mut addr = tx.prepare_cached(
        "INSERT INTO device_addresses (device_id, address, first_seen, last_seen, count) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (a, s) in &d.addresses {
        addr.execute(params![
            i(d.id),
            a.to_string(),
            i(s.first),
            i(s.last),
            i(s.count)
        ])?;
    }
    let mut ifs = tx.prepare_cached(
        "INSERT INTO device_interfaces (device_id, interface, first_seen, last_seen, count) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (name, s) in &d.interfaces {
        ifs.execute(params![i(d.id), name, i(s.first), i(s.last), i(s.count)])?;
    }
    Ok(())
}

fn write_prober(tx: &Transaction<'_>, p: &Prober) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO probers (address, interface, first_seen, last_seen, count, probes, resolves) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT(address, interface) DO UPDATE SET first_seen = excluded.first_seen, \
         last_seen = excluded.last_seen, count = excluded.count, probes = excluded.probes, \
         resolves = excluded.resolves",
    )?
    .execute(params![
        p.address.to_string(),
        p.interface,
        i(p.seen.first),
        i(p.seen.last),
        i(p.seen.count),
        i(p.probes),
        i(p.resolves),
    ])?;
    Ok(())
}
