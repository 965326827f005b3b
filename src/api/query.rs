//! Answering read-only queries from the store: filters, sorting, paging, grouping, lookup.
//! Pure (the store and `now` in, wire values out), so it is tested and benchmarked
//! without a daemon.

use std::collections::HashMap;
use std::net::IpAddr;

use super::wire::*;
use crate::identify::{Class, Identifier, Mac};
use crate::store::{Device, Prober, Status, Store};

/// A [`Filter`] with its times resolved and its values lower-cased.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    family: Vec<String>,
    brand: Vec<String>,
    manufacturer: Vec<String>,
    model: Vec<String>,
    class: Vec<String>,
    status: Vec<String>,
    interface: Vec<String>,
    site: Vec<String>,
    watchlist: Option<bool>,
    since: Option<u64>,
    before: Option<u64>,
    text: Option<String>,
}

fn lower(v: &[String]) -> Vec<String> {
    v.iter().map(|s| s.trim().to_lowercase()).collect()
}

impl Compiled {
    pub fn new(f: &Filter, now: Time) -> Result<Compiled, String> {
        let time = |t: &Option<TimeArg>, key: &str| -> Result<Option<u64>, String> {
            t.as_ref()
                .map(|t| t.resolve(now).map(|t| t.0))
                .transpose()
                .map_err(|e| format!("filter.{key}: {e}"))
        };
        check_values("class", &f.class, &CLASSES)?;
        check_values("status", &f.status, &["active", "stale", "departed"])?;
        Ok(Compiled {
            family: lower(&f.family),
            brand: lower(&f.brand),
            manufacturer: lower(&f.manufacturer),
            model: lower(&f.model),
            class: lower(&f.class),
            status: lower(&f.status),
            interface: f.interface.clone(),
            site: lower(&f.site),
            watchlist: f.watchlist,
            since: time(&f.seen_since, "seen_since")?,
            before: time(&f.seen_before, "seen_before")?,
            text: f.text.as_ref().map(|t| t.to_lowercase()),
        })
    }

    /// The statuses asked for, when the filter asks for nothing else (such a count is
    /// answered from the store's maintained counters, without a scan).
    fn status_only(&self) -> Option<&[String]> {
        let rest_empty = [
            &self.family,
            &self.brand,
            &self.manufacturer,
            &self.model,
            &self.class,
            &self.interface,
            &self.site,
        ]
        .iter()
        .all(|v| v.is_empty());
        let scalars_empty = self.watchlist.is_none()
            && self.since.is_none()
            && self.before.is_none()
            && self.text.is_none();
        (rest_empty && scalars_empty).then_some(self.status.as_slice())
    }

    pub fn matches(&self, d: &Device) -> bool {
        let v = &d.verdict;
        any_of(&self.family, v.family.as_deref())
            && any_of(&self.brand, v.brand.as_deref())
            && any_of(&self.manufacturer, v.manufacturer.as_deref())
            && any_of(&self.model, v.model.as_deref())
            && any_of(&self.class, Some(v.class.as_str()))
            && any_of(&self.status, Some(d.status.as_str()))
            && any_of(&self.site, d.site.as_deref())
            && (self.interface.is_empty()
                || d.interfaces.keys().any(|i| self.interface.contains(i)))
            && self.watchlist.is_none_or(|w| w == v.watchlist)
            && self.since.is_none_or(|t| d.seen.last >= t)
            && self.before.is_none_or(|t| d.seen.last < t)
            && self.text.as_deref().is_none_or(|t| text_matches(d, t))
    }
}

const CLASSES: [&str; 5] = ["camera", "recorder", "onvif_other", "host", "unknown"];

fn check_values(key: &str, given: &[String], known: &[&str]) -> Result<(), String> {
    match given
        .iter()
        .find(|g| !known.contains(&g.trim().to_lowercase().as_str()))
    {
        Some(bad) => Err(format!(
            "filter.{key}: {bad:?} is not one of {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn any_of(wanted: &[String], value: Option<&str>) -> bool {
    if wanted.is_empty() {
        return true;
    }
    match value {
        Some(v) => wanted.iter().any(|w| w.eq_ignore_ascii_case(v)),
        None => wanted.iter().any(|w| w == "none"),
    }
}

fn text_matches(d: &Device, t: &str) -> bool {
    let has = |s: &str| s.to_lowercase().contains(t);
    has(d.epr())
        || d.verdict.model.as_deref().is_some_and(has)
        || d.name().as_deref().is_some_and(has)
        || d.hardware().as_deref().is_some_and(has)
        || d.addresses.keys().any(|a| has(&a.to_string()))
        || d.macs.iter().any(|m| has(&m.to_string()))
        || crate::store::words(&d.xaddrs).any(has)
}

/// The site of a device (from the configured sites and where it was last heard).
pub fn site_of(d: &Device) -> Option<String> {
    d.site.as_deref().map(str::to_string)
}

/// A device with what it announced.
pub fn device_out(d: &Device) -> DeviceOut {
    device_with(d, true)
}

/// A device; `full` adds what it announced (types, scopes, XAddrs, counters).
pub fn device_with(d: &Device, full: bool) -> DeviceOut {
    let v = &d.verdict;
    let (name, hardware, locations) = d.labels();
    let mut out = DeviceOut {
        id: d.id,
        epr: d.epr().to_string(),
        class: v.class.as_str().to_string(),
        family: v.family.clone(),
        brand: v.brand.clone(),
        manufacturer: v.manufacturer.clone(),
        model: v.model.clone(),
        name,
        hardware,
        confidence: v.confidence.as_str().to_string(),
        conflict: v.conflict,
        watchlist: v.watchlist,
        macs: d.macs.iter().map(Mac::to_string).collect(),
        addresses: addresses(d),
        interfaces: d.interfaces.keys().cloned().collect(),
        site: site_of(d),
        off_subnet: d.off_subnet,
        site_pinned: d.site_pinned,
        status: d.status.as_str().to_string(),
        first_seen: Time(d.seen.first),
        last_seen: Time(d.seen.last),
        conflicts: d
            .conflicts
            .iter()
            .map(|(k, detail)| ConflictOut {
                kind: k.as_str().to_string(),
                detail: detail.clone(),
            })
            .collect(),
        announced: None,
    };
    if full {
        out.announced = Some(announced(d, locations));
    }
    out
}

/// Source addresses, most recently heard first.
fn addresses(d: &Device) -> Vec<String> {
    let mut a: Vec<_> = d.addresses.iter().collect();
    a.sort_by(|x, y| y.1.last.cmp(&x.1.last).then(x.0.cmp(y.0)));
    a.iter().map(|(ip, _)| ip.to_string()).collect()
}

fn announced(d: &Device, locations: Vec<String>) -> AnnouncedOut {
    let words = |s: &str| crate::store::words(s).map(str::to_string).collect();
    AnnouncedOut {
        types: words(&d.types),
        scopes: words(&d.scopes),
        xaddrs: words(&d.xaddrs),
        locations,
        metadata_version: d.metadata_version.clone(),
        counts: CountsOut {
            hello: d.counts.hello,
            bye: d.counts.bye,
            probe_match: d.counts.probe_match,
            resolve_match: d.counts.resolve_match,
        },
        restarts: d.restarts,
        app_sequence: d.app_sequence.map(|(i, n)| AppSequenceOut {
            instance_id: i,
            message_number: n,
        }),
    }
}

/// The devices matching `filter`, sorted by `sort`, before paging.
pub fn select<'s>(
    store: &'s Store,
    filter: &Compiled,
    sort: SortKey,
    desc: bool,
) -> Vec<&'s Device> {
    let mut found: Vec<&Device> = store.devices().filter(|d| filter.matches(d)).collect();
    sort_devices(&mut found, sort);
    if desc {
        found.reverse();
    }
    found
}

fn sort_devices(found: &mut [&Device], sort: SortKey) {
    let opt = |s: &Option<String>| s.as_deref().map(str::to_lowercase);
    match sort {
        SortKey::Id => found.sort_unstable_by_key(|d| d.id),
        SortKey::Epr => found.sort_by(|a, b| a.key.cmp(&b.key)),
        SortKey::FirstSeen => found.sort_by_key(|d| (d.seen.first, d.id)),
        SortKey::LastSeen => found.sort_by_key(|d| (d.seen.last, d.id)),
        SortKey::Family => found.sort_by_cached_key(|d| (opt(&d.verdict.family), d.id)),
        SortKey::Brand => found.sort_by_cached_key(|d| (opt(&d.verdict.brand), d.id)),
        SortKey::Model => found.sort_by_cached_key(|d| (opt(&d.verdict.model), d.id)),
        SortKey::Class => found.sort_by_key(|d| (d.verdict.class.as_str(), d.id)),
        SortKey::Status => found.sort_by_key(|d| (d.status.as_str(), d.id)),
        SortKey::Address => found.sort_by_cached_key(|d| (latest_address(d), d.id)),
    }
}

fn latest_address(d: &Device) -> Option<IpAddr> {
    d.addresses
        .iter()
        .max_by_key(|(_, s)| s.last)
        .map(|(a, _)| *a)
}

/// Paging and detail of a `devices` answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub sort: SortKey,
    pub desc: bool,
    pub offset: usize,
    pub limit: Option<usize>,
    pub full: bool,
}

/// `devices`: filter, sort, page, convert.
pub fn devices(store: &Store, filter: &Compiled, page: Page) -> DevicesOut {
    let Page {
        sort,
        desc,
        offset,
        limit,
        full,
    } = page;
    let found = select(store, filter, sort, desc);
    let total = found.len();
    let devices = found
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .map(|d| device_with(d, full))
        .collect();
    DevicesOut { total, devices }
}

pub fn count(store: &Store, filter: &Compiled) -> usize {
    match filter.status_only() {
        Some([]) => store.len(),
        Some(statuses) => {
            let c = store.status_counts();
            statuses
                .iter()
                .filter_map(|s| Status::parse(s))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|s| c.get(s))
                .sum()
        }
        None => store.devices().filter(|d| filter.matches(d)).count(),
    }
}

/// Find one device by id, EPR (as sent or normalised), IP address or MAC.
pub fn find<'s>(store: &'s Store, query: &str) -> Option<&'s Device> {
    let q = query.trim();
    if let Ok(id) = q.parse::<u64>() {
        if let Some(d) = store.device(id) {
            return Some(d);
        }
    }
    if let Some(d) = store.device_by_key(&crate::wsd::normalise_epr(q)) {
        return Some(d);
    }
    if let Ok(ip) = q.parse::<IpAddr>() {
        return store
            .devices()
            .filter(|d| d.addresses.contains_key(&ip))
            .max_by_key(|d| (d.seen.last, d.id));
    }
    if let Some(mac) = Mac::parse(q) {
        return store
            .devices()
            .filter(|d| d.macs.contains(&mac))
            .max_by_key(|d| (d.seen.last, d.id));
    }
    None
}

/// Evidence and sightings of one device (events are added by the caller from the log).
pub fn detail(d: &Device, identifier: &Identifier) -> DeviceDetail {
    let identity = identifier.identify(&d.endpoint());
    let sighting = |on: String, s: &crate::store::Seen| SightingOut {
        on,
        first_seen: Time(s.first),
        last_seen: Time(s.last),
        count: s.count,
    };
    DeviceDetail {
        device: device_out(d),
        evidence: identity
            .evidence
            .iter()
            .map(|e| EvidenceOut {
                kind: e.kind.as_str().to_string(),
                source: e.source.clone(),
                rule: e.rule.to_string(),
                origin: e.origin.to_string(),
                family: e.family.as_deref().map(str::to_string),
                brand: e.brand.as_deref().map(str::to_string),
                confidence: e.confidence.as_str().to_string(),
                note: e.note.to_string(),
            })
            .collect(),
        sightings: SightingsOut {
            interfaces: d
                .interfaces
                .iter()
                .map(|(i, s)| sighting(i.clone(), s))
                .collect(),
            addresses: d
                .addresses
                .iter()
                .map(|(a, s)| sighting(a.to_string(), s))
                .collect(),
        },
        events: Vec::new(),
    }
}

/// The device's value for a single-valued group key (borrowed: no allocation).
fn group_value(d: &Device, key: GroupKey) -> Option<&str> {
    let v = &d.verdict;
    match key {
        GroupKey::Family => v.family.as_deref(),
        GroupKey::Brand => v.brand.as_deref(),
        GroupKey::Manufacturer => v.manufacturer.as_deref(),
        GroupKey::Model => v.model.as_deref(),
        GroupKey::Class => Some(v.class.as_str()),
        GroupKey::Status => Some(d.status.as_str()),
        GroupKey::Site => d.site.as_deref(),
        GroupKey::Watchlist => Some(if v.watchlist { "true" } else { "false" }),
        GroupKey::Confidence => Some(v.confidence.as_str()),
        // Multi-valued: handled by `visit_groups`.
        GroupKey::Interface => None,
    }
}

/// Call `f` with every key tuple the device belongs to (more than one only when grouping
/// by interface and it was heard on several); `key[..depth]` is the prefix so far.
fn visit_groups<'d>(
    d: &'d Device,
    by: &[GroupKey],
    key: &mut [Option<&'d str>; MAX_GROUP_KEYS],
    depth: usize,
    f: &mut impl FnMut(&[Option<&'d str>]),
) {
    let Some((first, rest)) = by.split_first() else {
        return f(&key[..depth]);
    };
    if depth >= MAX_GROUP_KEYS {
        return;
    }
    if *first == GroupKey::Interface && !d.interfaces.is_empty() {
        for i in d.interfaces.keys() {
            key[depth] = Some(i.as_str());
            visit_groups(d, rest, key, depth + 1, f);
        }
        return;
    }
    key[depth] = group_value(d, *first);
    visit_groups(d, rest, key, depth + 1, f);
}

/// FNV-1a, for maps keyed by ids this module assigns (never by remote-controlled text,
/// which keeps the default, collision-resistant hasher).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type IdMap<V> = HashMap<[u32; MAX_GROUP_KEYS], V, std::hash::BuildHasherDefault<Fnv>>;

/// Group keys a summary accepts at once (there are ten distinct keys).
pub const MAX_GROUP_KEYS: usize = 10;

/// Interned value id meaning "no value".
const NONE: u32 = u32::MAX;

/// A summary built device by device, so the caller may feed it in chunks (taking the store
/// lock per chunk). Values are interned, so adding a device allocates nothing unless it
/// opens a new group.
pub struct Summary {
    by: Vec<GroupKey>,
    values: HashMap<String, u32>,
    groups: IdMap<GroupOut>,
    total: usize,
}

impl Summary {
    /// `by` longer than [`MAX_GROUP_KEYS`] is cut.
    pub fn new(by: &[GroupKey]) -> Summary {
        Summary {
            by: by.iter().take(MAX_GROUP_KEYS).copied().collect(),
            values: HashMap::new(),
            groups: IdMap::default(),
            total: 0,
        }
    }

    pub fn add(&mut self, d: &Device) {
        self.total += 1;
        let Summary {
            by, values, groups, ..
        } = self;
        let mut key = [None; MAX_GROUP_KEYS];
        visit_groups(d, by, &mut key, 0, &mut |k| {
            let mut ids = [NONE; MAX_GROUP_KEYS];
            for (slot, v) in ids.iter_mut().zip(k) {
                *slot = v.map_or(NONE, |v| intern(values, v));
            }
            let g = groups.entry(ids).or_insert_with(|| GroupOut {
                key: k.iter().map(|v| v.map(str::to_string)).collect(),
                count: 0,
                cameras: 0,
                recorders: 0,
                watchlist: 0,
                active: 0,
                stale: 0,
                departed: 0,
            });
            add_to_group(g, d);
        });
    }

    /// Groups largest first (ties by key).
    pub fn finish(self) -> SummaryOut {
        let mut groups: Vec<GroupOut> = self.groups.into_values().collect();
        groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        SummaryOut {
            by: self.by,
            total: self.total,
            groups,
        }
    }
}

fn intern(values: &mut HashMap<String, u32>, v: &str) -> u32 {
    if let Some(id) = values.get(v) {
        return *id;
    }
    let id = u32::try_from(values.len()).unwrap_or(NONE - 1);
    values.insert(v.to_string(), id);
    id
}

/// `summary` over the whole store in one go.
pub fn summary(store: &Store, filter: &Compiled, by: &[GroupKey]) -> SummaryOut {
    let mut acc = Summary::new(by);
    for d in store.devices().filter(|d| filter.matches(d)) {
        acc.add(d);
    }
    acc.finish()
}

/// Ids of the devices matching `filter` (unsorted), for chunked work.
pub fn matching_ids(store: &Store, filter: &Compiled) -> Vec<u64> {
    store
        .devices()
        .filter(|d| filter.matches(d))
        .map(|d| d.id)
        .collect()
}

/// Ids of the devices matching `filter`, sorted as asked, for chunked conversion.
pub fn sorted_ids(store: &Store, filter: &Compiled, sort: SortKey, desc: bool) -> Vec<u64> {
    select(store, filter, sort, desc)
        .into_iter()
        .map(|d| d.id)
        .collect()
}

fn add_to_group(g: &mut GroupOut, d: &Device) {
    g.count += 1;
    g.cameras += usize::from(d.verdict.class == Class::Camera);
    g.recorders += usize::from(d.verdict.class == Class::Recorder);
    g.watchlist += usize::from(d.verdict.watchlist);
    match d.status {
        Status::Active => g.active += 1,
        Status::Stale => g.stale += 1,
        Status::Departed => g.departed += 1,
    }
}

pub fn prober_out(p: &Prober) -> ProberOut {
    ProberOut {
        address: p.address.to_string(),
        interface: p.interface.clone(),
        first_seen: Time(p.seen.first),
        last_seen: Time(p.seen.last),
        probes: p.probes,
        resolves: p.resolves,
    }
}

/// Probers, most recently seen first.
pub fn probers(store: &Store, limit: Option<usize>) -> ProbersOut {
    let mut all: Vec<&Prober> = store.probers().collect();
    all.sort_by(|a, b| {
        b.seen
            .last
            .cmp(&a.seen.last)
            .then_with(|| a.address.cmp(&b.address))
    });
    ProbersOut {
        total: all.len(),
        probers: all
            .into_iter()
            .take(limit.unwrap_or(usize::MAX))
            .map(prober_out)
            .collect(),
    }
}

#[cfg(test)]
mod tests;
