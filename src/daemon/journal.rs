//! What changed since the last flush: dirty records (coalesced) and events (bounded).

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::persist::{Batch, Event, EventDetail};
use crate::store::{Change, Millis, Store};

pub struct Journal {
    devices: BTreeSet<u64>,
    /// Dirty devices never written yet (they have no rows to replace).
    fresh: BTreeSet<u64>,
    probers: BTreeSet<(IpAddr, String)>,
    events: Vec<Event>,
    max_events: usize,
    pub dropped_events: u64,
}

impl Journal {
    pub fn new(max_events: usize) -> Journal {
        Journal {
            devices: BTreeSet::new(),
            fresh: BTreeSet::new(),
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
            if let Change::Added { id } = c {
                self.fresh.insert(*id);
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

    /// An event not caused by a store change (a daemon alarm).
    pub fn push(&mut self, e: Event) {
        if self.events.len() < self.max_events {
            self.events.push(e);
        } else {
            self.dropped_events += 1;
        }
    }

    pub fn pending(&self) -> usize {
        self.devices.len() + self.probers.len() + self.events.len()
    }

    /// Put back a batch that could not be written (its records are dirty again).
    pub fn requeue(&mut self, batch: Batch) {
        self.devices.extend(batch.devices.iter().map(|d| d.id));
        self.fresh.extend(batch.new);
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

    /// Snapshot up to `max_devices` dirty devices, and every dirty prober and event, into
    /// a batch (chunks bound the memory a burst of new devices costs at flush time).
    pub fn take(&mut self, store: &Store, max_devices: usize) -> Batch {
        let mut devices = Vec::with_capacity(self.devices.len().min(max_devices));
        let mut new = BTreeSet::new();
        while devices.len() < max_devices {
            let Some(id) = self.devices.pop_first() else {
                break;
            };
            if self.fresh.remove(&id) {
                new.insert(id);
            }
            devices.extend(store.snapshot(id));
        }
        let probers = std::mem::take(&mut self.probers);
        Batch {
            devices,
            new,
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

pub(super) fn event(c: &Change, store: &Store, at: Millis) -> Option<Event> {
    let (device_id, kind, detail) = match c {
        Change::Added { id } => {
            let d = store.device(*id)?;
            let v = &d.verdict;
            let detail = EventDetail::Appeared {
                epr: d.epr().to_string(),
                class: v.class.as_str(),
                family: v.family.clone(),
                brand: v.brand.clone(),
                model: v.model.clone(),
                watchlist: v.watchlist,
            };
            (Some(*id), "appeared", detail)
        }
        Change::Changed { id, fields } => (
            Some(*id),
            "changed",
            EventDetail::Changed {
                fields: fields.clone(),
            },
        ),
        Change::Departed { id } => (Some(*id), "departed", EventDetail::None),
        Change::Stale { id } => (Some(*id), "stale", EventDetail::None),
        Change::Restarted { id, instance_id } => (
            Some(*id),
            "restarted",
            EventDetail::Restarted {
                instance_id: *instance_id,
            },
        ),
        Change::Conflict { id, kind, detail } => {
            let detail = EventDetail::Conflict {
                kind: kind.as_str(),
                detail: detail.clone(),
            };
            (Some(*id), "conflict", detail)
        }
        Change::CapReached { max_devices } => (
            None,
            "alarm",
            EventDetail::CapReached {
                max_devices: *max_devices,
            },
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
