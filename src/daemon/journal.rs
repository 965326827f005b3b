//! What changed since the last flush: dirty records (coalesced) and events (bounded).

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::json;

use crate::persist::{Batch, Event};
use crate::store::{Change, Millis, Store};

pub struct Journal {
    devices: BTreeSet<u64>,
    probers: BTreeSet<(IpAddr, String)>,
    events: Vec<Event>,
    max_events: usize,
    pub dropped_events: u64,
}

impl Journal {
    pub fn new(max_events: usize) -> Journal {
        Journal {
            devices: BTreeSet::new(),
            probers: BTreeSet::new(),
            events: Vec::new(),
            max_events,
            dropped_events: 0,
        }
    }

    pub fn record(&mut self, changes: &[Change], store: &Store, now: Millis) {
        for c in changes {
            if let Some(id) = device_of(c) {
                self.devices.insert(id);
            }
            if let Change::Prober { address, interface } = c {
                self.probers.insert((*address, interface.clone()));
            }
            if let Some(e) = event(c, store, now) {
                if self.events.len() < self.max_events {
                    self.events.push(e);
                } else {
                    self.dropped_events += 1;
                }
            }
        }
    }

    pub fn pending(&self) -> usize {
        self.devices.len() + self.probers.len() + self.events.len()
    }

    /// Put back a batch that could not be written (its records are dirty again).
    pub fn requeue(&mut self, batch: Batch) {
        self.devices.extend(batch.devices.iter().map(|d| d.id));
        self.probers.extend(
            batch
                .probers
                .iter()
                .map(|p| (p.address, p.interface.clone())),
        );
        let mut events = batch.events;
        events.append(&mut self.events);
        let excess = events.len().saturating_sub(self.max_events);
        self.dropped_events += excess as u64;
        events.truncate(self.max_events);
        self.events = events;
    }

    /// Snapshot everything dirty into a batch and start afresh.
    pub fn take(&mut self, store: &Store) -> Batch {
        let devices = std::mem::take(&mut self.devices);
        let probers = std::mem::take(&mut self.probers);
        Batch {
            devices: devices
                .into_iter()
                .filter_map(|id| store.device(id).cloned())
                .collect(),
            probers: probers
                .into_iter()
                .filter_map(|(a, i)| store.prober(a, &i).cloned())
                .collect(),
            events: std::mem::take(&mut self.events),
        }
    }
}

fn device_of(c: &Change) -> Option<u64> {
    match c {
        Change::Added { id }
        | Change::Changed { id, .. }
        | Change::Seen { id }
        | Change::Departed { id }
        | Change::Stale { id }
        | Change::Restarted { id, .. }
        | Change::Conflict { id, .. } => Some(*id),
        Change::Prober { .. } | Change::CapReached { .. } => None,
    }
}

fn event(c: &Change, store: &Store, at: Millis) -> Option<Event> {
    let (device_id, kind, detail) = match c {
        Change::Added { id } => {
            let d = store.device(*id)?;
            let v = &d.verdict;
            let detail = json!({"epr": d.epr, "class": v.class.as_str(), "family": v.family, "brand": v.brand,
                                "model": v.model, "watchlist": v.watchlist});
            (Some(*id), "appeared", detail)
        }
        Change::Changed { id, fields } => (Some(*id), "changed", json!({ "fields": fields })),
        Change::Departed { id } => (Some(*id), "departed", json!({})),
        Change::Stale { id } => (Some(*id), "stale", json!({})),
        Change::Restarted { id, instance_id } => (
            Some(*id),
            "restarted",
            json!({ "instance_id": instance_id }),
        ),
        Change::Conflict { id, kind, detail } => (
            Some(*id),
            "conflict",
            json!({"kind": kind.as_str(), "detail": detail}),
        ),
        Change::CapReached { max_devices } => (
            None,
            "alarm",
            json!({"alarm": "device_cap_reached", "max_devices": max_devices}),
        ),
        Change::Seen { .. } | Change::Prober { .. } => return None,
    };
    Some(Event {
        at,
        device_id,
        kind,
        detail,
    })
}
