//! How one observation changes the store.

use std::net::IpAddr;
use std::sync::Arc;

use super::model::*;
use super::small_map::SmallMap;
use super::{Change, Observation, Store};
use crate::identify::{Identity, Mac};
use crate::wsd::{AppSequence, Body, Endpoint, MetadataVersion};

/// How a message speaks about an endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Announce {
    Hello,
    ProbeMatch,
    ResolveMatch,
}

/// One endpoint as one message announces it.
#[derive(Clone, Copy)]
struct Announcement<'a> {
    obs: &'a Observation,
    ep: &'a Endpoint,
    identity: &'a Identity,
    how: Announce,
    seq: Option<&'a AppSequence>,
    now: Millis,
}

impl Store {
    pub(super) fn apply_message(&mut self, obs: &Observation, now: Millis, out: &mut Vec<Change>) {
        let seq = obs.message.header.app_sequence.as_ref();
        let how = match &obs.message.body {
            Body::Hello(_) => Announce::Hello,
            Body::ProbeMatches(_) => Announce::ProbeMatch,
            Body::ResolveMatches(_) => Announce::ResolveMatch,
            Body::Bye(ep) => return self.bye(obs, ep, seq, now, out),
            Body::Probe(_) => return self.record_prober(obs, true, now, out),
            Body::Resolve(_) => return self.record_prober(obs, false, now, out),
            Body::Fault(_) | Body::Other(_) => return,
        };
        for (ep, identity) in obs.message.endpoints().iter().zip(&obs.identities) {
            let a = Announcement {
                obs,
                ep,
                identity,
                how,
                seq,
                now,
            };
            self.announce(&a, out);
        }
    }

    fn announce(&mut self, a: &Announcement<'_>, out: &mut Vec<Change>) {
        let (obs, ep, identity, now) = (a.obs, a.ep, a.identity, a.now);
        let key = ep.epr.key.as_str();
        let shared = self.note_source(obs.source, key);
        let limits = self.limits.clone();
        let found = self.keys.get(key).and_then(|id| self.devices.get_mut(id));
        let Some(dev) = found.map(Arc::make_mut) else {
            return self.add(a, shared, out);
        };
        if !sequence_ok(dev, a.seq, &mut self.stats.out_of_sequence, out) {
            return;
        }
        count(&mut dev.counts, a.how);
        let mut fields = refresh(dev, ep, identity);
        if dev.status != Status::Active {
            self.by_status.moved(dev.status, Status::Active);
            dev.status = Status::Active;
            fields.push("status");
        }
        conflicts(dev, obs, identity, now, &limits, shared, out);
        let place_changed = touch_place(dev, obs, now, &limits);
        if place_changed {
            fields.push("addresses");
        }
        let placed = self
            .sites
            .place_device(&dev.key, &dev.macs, obs.source, &obs.interface);
        if set_placement(dev, placed) {
            fields.push("site");
        }
        dev.seen.touch(now);
        let id = dev.id;
        out.push(if fields.is_empty() {
            Change::Seen { id }
        } else {
            Change::Changed { id, fields }
        });
    }

    fn add(&mut self, a: &Announcement<'_>, shared: bool, out: &mut Vec<Change>) {
        if self.devices.len() >= self.limits.max_devices {
            self.stats.refused_devices += 1;
            if !self.cap_alarm {
                self.cap_alarm = true;
                out.push(Change::CapReached {
                    max_devices: self.limits.max_devices,
                });
            }
            return;
        }
        self.cap_alarm = false;
        let id = self.next_id;
        self.next_id += 1;
        let mut dev = new_device(id, a.ep, a.identity, a.now);
        dev.app_sequence = a.seq.map(|s| (s.instance_id, s.message_number));
        count(&mut dev.counts, a.how);
        touch_place(&mut dev, a.obs, a.now, &self.limits);
        let placed = self
            .sites
            .place_device(&dev.key, &dev.macs, a.obs.source, &a.obs.interface);
        set_placement(&mut dev, placed);
        out.push(Change::Added { id });
        if shared {
            let detail = shared_source_detail(a.obs.source);
            flag(&mut dev, ConflictKind::SharedSource, detail, out);
        }
        self.keys.insert(dev.key.clone(), id);
        self.by_status.add(dev.status);
        self.devices.insert(id, Arc::new(dev));
    }

    fn bye(
        &mut self,
        obs: &Observation,
        ep: &Endpoint,
        seq: Option<&AppSequence>,
        now: Millis,
        out: &mut Vec<Change>,
    ) {
        let Some(dev) = self
            .keys
            .get(ep.epr.key.as_str())
            .and_then(|id| self.devices.get_mut(id))
            .map(Arc::make_mut)
        else {
            self.stats.unknown_byes += 1;
            return;
        };
        if !sequence_ok(dev, seq, &mut self.stats.out_of_sequence, out) {
            return;
        }
        let known = dev.addresses.contains_key(&obs.source)
            || words(&dev.xaddrs).any(|x| crate::wsd::XAddr::parse(x).ip() == Some(obs.source));
        if !known {
            self.stats.foreign_byes += 1;
            let detail = format!(
                "Bye from {}, an address this device was never seen at",
                obs.source
            );
            return flag(dev, ConflictKind::ForeignBye, detail, out);
        }
        dev.counts.bye += 1;
        dev.seen.touch(now);
        if dev.status != Status::Departed {
            self.by_status.moved(dev.status, Status::Departed);
            dev.status = Status::Departed;
            out.push(Change::Departed { id: dev.id });
        } else {
            out.push(Change::Seen { id: dev.id });
        }
    }

    fn record_prober(
        &mut self,
        obs: &Observation,
        probe: bool,
        now: Millis,
        out: &mut Vec<Change>,
    ) {
        let key = (obs.source, obs.interface.clone());
        if !self.probers.contains_key(&key) && self.probers.len() >= self.limits.max_probers {
            self.stats.refused_probers += 1;
            return;
        }
        let p = self.probers.entry(key).or_insert_with(|| Prober {
            address: obs.source,
            interface: obs.interface.clone(),
            seen: Seen {
                first: now,
                last: now,
                count: 0,
            },
            probes: 0,
            resolves: 0,
        });
        p.seen.touch(now);
        if probe {
            p.probes += 1;
        } else {
            p.resolves += 1;
        }
        out.push(Change::Prober {
            address: obs.source,
            interface: obs.interface.clone(),
        });
    }

    /// Remember that `source` announced `key`; true once it has announced too many.
    fn note_source(&mut self, source: IpAddr, key: &str) -> bool {
        let max = self.limits.max_eprs_per_source;
        if !self.source_eprs.contains_key(&source)
            && self.source_eprs.len() >= self.limits.max_tracked_sources
        {
            return false;
        }
        let keys = self.source_eprs.entry(source).or_default();
        if keys.len() <= max && !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
        keys.len() > max
    }
}

/// AppSequence validation: a lower (or equal) MessageNumber for the same InstanceId, or a
/// lower InstanceId, is ignored; a higher InstanceId is a restart.
fn sequence_ok(
    dev: &mut Device,
    seq: Option<&AppSequence>,
    ignored: &mut u64,
    out: &mut Vec<Change>,
) -> bool {
    let Some(s) = seq else { return true };
    if let Some((instance, number)) = dev.app_sequence {
        if s.instance_id < instance || (s.instance_id == instance && s.message_number <= number) {
            *ignored += 1;
            return false;
        }
        if s.instance_id > instance {
            dev.restarts += 1;
            out.push(Change::Restarted {
                id: dev.id,
                instance_id: s.instance_id,
            });
        }
    }
    dev.app_sequence = Some((s.instance_id, s.message_number));
    true
}

fn count(c: &mut KindCounts, how: Announce) {
    match how {
        Announce::Hello => c.hello += 1,
        Announce::ProbeMatch => c.probe_match += 1,
        Announce::ResolveMatch => c.resolve_match += 1,
    }
}

fn flag(dev: &mut Device, kind: ConflictKind, detail: String, out: &mut Vec<Change>) {
    if dev.conflicts.contains_key(&kind) {
        return;
    }
    dev.conflicts.insert(kind, detail.clone());
    out.push(Change::Conflict {
        id: dev.id,
        kind,
        detail,
    });
}

fn conflicts(
    dev: &mut Device,
    obs: &Observation,
    identity: &Identity,
    now: Millis,
    limits: &super::StoreLimits,
    shared: bool,
    out: &mut Vec<Change>,
) {
    let macs: Vec<Mac> = identity.macs.iter().map(|m| m.mac).collect();
    if !macs.is_empty() && !dev.macs.is_empty() && !macs.iter().any(|m| dev.macs.contains(m)) {
        let detail = format!(
            "announced with MAC {} after {}",
            join(&macs),
            join(&dev.macs)
        );
        flag(dev, ConflictKind::Mac, detail, out);
    }
    let recent = dev
        .addresses
        .iter()
        .filter(|(ip, seen)| {
            **ip != obs.source && now.saturating_sub(seen.last) < limits.conflict_window
        })
        .find(|(ip, _)| !same_subnet(**ip, obs.source))
        .map(|(ip, _)| *ip);
    if let Some(other) = recent {
        let detail = format!(
            "heard from {} and {} within {} s",
            other,
            obs.source,
            limits.conflict_window / 1000
        );
        flag(dev, ConflictKind::Subnet, detail, out);
    }
    if shared {
        flag(
            dev,
            ConflictKind::SharedSource,
            shared_source_detail(obs.source),
            out,
        );
    }
}

fn shared_source_detail(source: IpAddr) -> String {
    format!("{source} announces many endpoints")
}

/// Same /24 (IPv4) or /64 (IPv6).
fn same_subnet(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..4] == b.segments()[..4],
        _ => true, // a dual-stack device is not a subnet conflict
    }
}

fn join(macs: &[Mac]) -> String {
    macs.iter()
        .map(Mac::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Record the source address and interface; true if a new one appeared.
fn touch_place(
    dev: &mut Device,
    obs: &Observation,
    now: Millis,
    limits: &super::StoreLimits,
) -> bool {
    let new_addr = touch_bounded(
        &mut dev.addresses,
        obs.source,
        now,
        limits.max_addresses_per_device,
    );
    let new_if = touch_bounded(
        &mut dev.interfaces,
        obs.interface.clone(),
        now,
        limits.max_interfaces_per_device,
    );
    new_addr || new_if
}

fn touch_bounded<K: Ord + Clone>(
    map: &mut SmallMap<K, Seen>,
    key: K,
    now: Millis,
    max: usize,
) -> bool {
    if let Some(s) = map.get_mut(&key) {
        s.touch(now);
        return false;
    }
    while map.len() >= max.max(1) {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, s)| s.last)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
    map.insert(key, Seen::new(now));
    true
}

/// Set the device's site and off-subnet flag; true if either changed.
pub(super) fn set_placement(dev: &mut Device, p: super::sites::Placement) -> bool {
    let changed =
        dev.site != p.site || dev.off_subnet != p.off_subnet || dev.site_pinned != p.pinned;
    dev.site = p.site;
    dev.off_subnet = p.off_subnet;
    dev.site_pinned = p.pinned;
    changed
}

fn new_device(id: u64, ep: &Endpoint, identity: &Identity, now: Millis) -> Device {
    let mut dev = Device {
        id,
        key: Arc::from(ep.epr.key.as_str()),
        epr_if_not_key: epr_unless_key(&ep.epr.address, &ep.epr.key),
        types: String::new(),
        scopes: String::new(),
        xaddrs: String::new(),
        metadata_version: None,
        macs: identity.macs.iter().map(|m| m.mac).collect(),
        verdict: verdict(identity),
        addresses: SmallMap::new(),
        interfaces: SmallMap::new(),
        seen: Seen::new(now),
        counts: KindCounts::default(),
        app_sequence: None,
        restarts: 0,
        status: Status::Active,
        conflicts: SmallMap::new(),
        site: None,
        off_subnet: false,
        site_pinned: false,
    };
    refresh(&mut dev, ep, identity);
    dev
}

/// Copy what the endpoint says into the record; the names of the fields that changed.
fn refresh(dev: &mut Device, ep: &Endpoint, identity: &Identity) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let scopes = &ep.scopes;
    let mut set = |name: &'static str, changed_now: bool| {
        if changed_now {
            changed.push(name);
        }
    };
    let epr_changed = dev.epr() != ep.epr.address;
    if epr_changed {
        dev.epr_if_not_key = epr_unless_key(&ep.epr.address, &dev.key);
    }
    set("epr", epr_changed);
    let same_types = words(&dev.types).count() == ep.types.len()
        && words(&dev.types).zip(&ep.types).all(|(s, q)| type_is(s, q));
    if !same_types {
        dev.types = ep
            .types
            .iter()
            .map(type_string)
            .collect::<Vec<_>>()
            .join(" ");
    }
    set("types", !same_types);
    let raw_scopes = scopes.iter().map(|s| s.raw.as_str());
    if !words(&dev.scopes).eq(raw_scopes.clone()) {
        // Only on a change: the derived fields are parsed from the scopes.
        let before = (dev.name(), dev.hardware(), dev.locations());
        set_joined(&mut dev.scopes, raw_scopes);
        let after = (dev.name(), dev.hardware(), dev.locations());
        set("scopes", true);
        set("name", before.0 != after.0);
        set("hardware", before.1 != after.1);
        set("locations", before.2 != after.2);
    }
    set(
        "xaddrs",
        set_joined(&mut dev.xaddrs, ep.xaddrs.iter().map(|x| x.raw.as_str())),
    );
    let mv = ep.metadata_version.as_ref().map(|m| match m {
        MetadataVersion::Number(n) => n.to_string(),
        MetadataVersion::Raw(s) => s.clone(),
    });
    set("metadata_version", replace(&mut dev.metadata_version, mv));
    if dev.macs.is_empty() {
        set(
            "macs",
            replace(&mut dev.macs, identity.macs.iter().map(|m| m.mac).collect()),
        );
    }
    set("identity", replace(&mut dev.verdict, verdict(identity)));
    changed
}

/// Store `items` space-joined in `slot` unless they are already there; true if it changed.
fn set_joined<'i>(slot: &mut String, items: impl Iterator<Item = &'i str> + Clone) -> bool {
    if words(slot).eq(items.clone()) {
        return false;
    }
    slot.clear();
    for (i, item) in items.enumerate() {
        if i > 0 {
            slot.push(' ');
        }
        slot.push_str(item);
    }
    slot.shrink_to_fit();
    true
}

fn replace<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

fn verdict(id: &Identity) -> Verdict {
    id.verdict.clone()
}
