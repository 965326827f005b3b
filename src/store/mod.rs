//! The inventory: one deduplicated record per device, and the probers seen.
//!
//! A pure, synchronous component: [`Store::apply`] takes an [`Observation`] and `now` and
//! returns the [`Change`]s it caused; [`Store::tick`] moves silent devices to `stale`.
//! No I/O and no clock, so tests need no sleeps. Every table is bounded ([`StoreLimits`]);
//! when the device table is full, new devices are refused and no known device is evicted.

mod apply;
mod dedup;
mod model;
pub mod sites;
mod small_map;

pub use model::*;
pub use small_map::SmallMap;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::identify::Identity;
use crate::wsd::{Endpoint, Message};
use dedup::DedupWindow;

/// Bounds and timings of the store. All configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLimits {
    /// Devices kept; new ones are refused beyond this.
    pub max_devices: usize,
    /// A device not heard from for this long becomes `stale`.
    pub stale_after: Millis,
    /// Repeats of a (MessageID, source) within this window count once.
    pub dedup_window: Millis,
    /// Entries in the duplicate window.
    pub max_dedup_entries: usize,
    /// Distinct (address, interface) probers kept.
    pub max_probers: usize,
    /// Source addresses remembered per device (least recently seen dropped first).
    pub max_addresses_per_device: usize,
    /// Interfaces remembered per device.
    pub max_interfaces_per_device: usize,
    /// One EPR heard from two subnets within this window is a conflict.
    pub conflict_window: Millis,
    /// One source address announcing more EPRs than this is flagged.
    pub max_eprs_per_source: usize,
    /// Source addresses tracked for that check.
    pub max_tracked_sources: usize,
}

const SECOND: Millis = 1_000;
const DAY: Millis = 86_400 * SECOND;

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            max_devices: 100_000,
            stale_after: 30 * DAY,
            dedup_window: 10 * SECOND,
            max_dedup_entries: 65_536,
            max_probers: 10_000,
            max_addresses_per_device: 16,
            max_interfaces_per_device: 64,
            conflict_window: 60 * SECOND,
            max_eprs_per_source: 16,
            max_tracked_sources: 100_000,
        }
    }
}

/// One parsed datagram with where it came from and the identity of each endpoint.
#[derive(Debug, Clone)]
pub struct Observation {
    pub source: IpAddr,
    pub interface: String,
    pub message: Message,
    /// `identities[i]` is the identity of `message.endpoints()[i]`.
    pub identities: Vec<Identity>,
}

/// What an observation or a tick changed. Everything but `Seen` is also an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added {
        id: u64,
    },
    Changed {
        id: u64,
        fields: Vec<&'static str>,
    },
    /// Only last-seen times and counters moved (coalesced by persistence).
    Seen {
        id: u64,
    },
    Departed {
        id: u64,
    },
    Stale {
        id: u64,
    },
    Restarted {
        id: u64,
        instance_id: u64,
    },
    Conflict {
        id: u64,
        kind: ConflictKind,
        detail: String,
    },
    Prober {
        address: IpAddr,
        interface: String,
    },
    /// The device cap was reached: raised once, until the table has room again.
    CapReached {
        max_devices: usize,
    },
}

/// Counters of what the store ignored or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub duplicates: u64,
    pub out_of_sequence: u64,
    pub refused_devices: u64,
    pub refused_probers: u64,
    pub foreign_byes: u64,
    pub unknown_byes: u64,
}

pub struct Store {
    limits: StoreLimits,
    /// Records by id; `keys` maps the normalised EPR to the id (one copy of each key).
    /// Behind an `Arc`: the table's empty slots cost 8 bytes, not a whole record, and a
    /// flush snapshot shares the record instead of copying it (copy on write: a record
    /// changed while its snapshot is being written is cloned then).
    devices: HashMap<u64, Arc<Device>>,
    keys: HashMap<Arc<str>, u64>,
    next_id: u64,
    probers: HashMap<(IpAddr, String), Prober>,
    dedup: DedupWindow,
    /// EPR keys seen per source address (bounded), for the shared-source check.
    source_eprs: HashMap<IpAddr, Vec<String>>,
    cap_alarm: bool,
    stats: StoreStats,
    /// Devices per status, kept in step with every status change (so counting by status
    /// needs no scan).
    by_status: StatusCounts,
    sites: sites::Sites,
}

/// Devices per [`Status`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub active: usize,
    pub stale: usize,
    pub departed: usize,
}

impl StatusCounts {
    fn slot(&mut self, s: Status) -> &mut usize {
        match s {
            Status::Active => &mut self.active,
            Status::Stale => &mut self.stale,
            Status::Departed => &mut self.departed,
        }
    }

    pub fn get(&self, s: Status) -> usize {
        match s {
            Status::Active => self.active,
            Status::Stale => self.stale,
            Status::Departed => self.departed,
        }
    }

    fn add(&mut self, s: Status) {
        *self.slot(s) += 1;
    }

    fn moved(&mut self, from: Status, to: Status) {
        let f = self.slot(from);
        *f = f.saturating_sub(1);
        self.add(to);
    }
}

impl Store {
    pub fn new(limits: StoreLimits) -> Store {
        Store {
            dedup: DedupWindow::new(limits.dedup_window, limits.max_dedup_entries),
            limits,
            devices: HashMap::new(),
            keys: HashMap::new(),
            next_id: 1,
            probers: HashMap::new(),
            source_eprs: HashMap::new(),
            cap_alarm: false,
            stats: StoreStats::default(),
            by_status: StatusCounts::default(),
            sites: sites::Sites::default(),
        }
    }

    /// New site definitions: every device is placed again from where it was last heard.
    /// Returns a `Changed` (`site`) for each device whose site or off-subnet flag moved.
    pub fn set_sites(&mut self, sites: sites::Sites) -> Vec<Change> {
        self.sites = sites;
        let mut out = Vec::new();
        for d in self.devices.values_mut() {
            let p = place_last_heard(&self.sites, d);
            if p.site != d.site || p.off_subnet != d.off_subnet || p.pinned != d.site_pinned {
                apply::set_placement(Arc::make_mut(d), p);
                out.push(Change::Changed {
                    id: d.id,
                    fields: vec!["site"],
                });
            }
        }
        out
    }

    /// Devices per status (maintained, not counted).
    pub fn status_counts(&self) -> StatusCounts {
        self.by_status
    }

    /// Restore records loaded from persistence (devices beyond the cap are kept: the cap
    /// only refuses new devices).
    pub fn load(&mut self, devices: Vec<Device>, probers: Vec<Prober>) {
        for d in devices {
            self.next_id = self.next_id.max(d.id + 1);
            self.keys.insert(d.key.clone(), d.id);
            self.by_status.add(d.status);
            let mut d = d;
            let p = place_last_heard(&self.sites, &d);
            apply::set_placement(&mut d, p);
            self.devices.insert(d.id, Arc::new(d));
        }
        for p in probers {
            self.probers.insert((p.address, p.interface.clone()), p);
        }
    }

    /// Apply one observation at time `now`.
    pub fn apply(&mut self, obs: &Observation, now: Millis) -> Vec<Change> {
        let mut out = Vec::new();
        if let Some(id) = obs.message.header.message_id.as_deref() {
            if self.dedup.is_repeat(id, obs.source, now) {
                self.stats.duplicates += 1;
                return out;
            }
        }
        self.apply_message(obs, now, &mut out);
        out
    }

    /// New bounds and timings (on reload). The duplicate window starts afresh when its
    /// size or span changed; a higher device cap re-arms the cap alarm.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        if limits.dedup_window != self.limits.dedup_window
            || limits.max_dedup_entries != self.limits.max_dedup_entries
        {
            self.dedup = DedupWindow::new(limits.dedup_window, limits.max_dedup_entries);
        }
        if self.devices.len() < limits.max_devices {
            self.cap_alarm = false;
        }
        self.limits = limits;
    }

    /// Recompute every device's verdict with `verdict_of` (new identification rules);
    /// returns a `Changed` for each device whose verdict changed.
    pub fn reidentify(&mut self, verdict_of: impl Fn(&Endpoint) -> Verdict) -> Vec<Change> {
        let mut out = Vec::new();
        for d in self.devices.values_mut() {
            let v = verdict_of(&d.endpoint());
            if v != d.verdict {
                Arc::make_mut(d).verdict = v;
                out.push(Change::Changed {
                    id: d.id,
                    fields: vec!["verdict"],
                });
            }
        }
        out
    }

    /// Move devices not heard from for `stale_after` to `stale`.
    pub fn tick(&mut self, now: Millis) -> Vec<Change> {
        let after = self.limits.stale_after;
        let mut out = Vec::new();
        for d in self.devices.values_mut() {
            if d.status == Status::Active && now.saturating_sub(d.seen.last) >= after {
                let d = Arc::make_mut(d);
                self.by_status.moved(d.status, Status::Stale);
                d.status = Status::Stale;
                out.push(Change::Stale { id: d.id });
            }
        }
        out
    }

    pub fn device(&self, id: u64) -> Option<&Device> {
        self.devices.get(&id).map(|d| &**d)
    }

    /// A snapshot of the record for writing, sharing its memory until it next changes.
    pub fn snapshot(&self, id: u64) -> Option<Arc<Device>> {
        self.devices.get(&id).cloned()
    }

    pub fn device_by_key(&self, key: &str) -> Option<&Device> {
        self.keys
            .get(key)
            .and_then(|id| self.devices.get(id))
            .map(|d| &**d)
    }

    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.devices.values().map(|d| &**d)
    }

    pub fn probers(&self) -> impl Iterator<Item = &Prober> {
        self.probers.values()
    }

    pub fn prober(&self, address: IpAddr, interface: &str) -> Option<&Prober> {
        self.probers.get(&(address, interface.to_string()))
    }

    pub fn len(&self) -> usize {
        self.devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Entries in the duplicate window now.
    pub fn dedup_len(&self) -> usize {
        self.dedup.len()
    }

    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    pub fn limits(&self) -> &StoreLimits {
        &self.limits
    }
}

/// Where a device is, from its most recently heard address and interface.
fn place_last_heard(sites: &sites::Sites, d: &Device) -> sites::Placement {
    let address = d
        .addresses
        .iter()
        .max_by_key(|(_, s)| s.last)
        .map(|(a, _)| *a);
    let interface = d
        .interfaces
        .iter()
        .max_by_key(|(_, s)| s.last)
        .map(|(i, _)| i);
    match (address, interface) {
        (Some(a), Some(i)) => sites.place_device(&d.key, &d.macs, a, i),
        _ => sites::Placement::default(),
    }
}

#[cfg(test)]
mod tests;
