//! The inventory's records: devices and probers.

use std::net::IpAddr;
use std::sync::Arc;

use super::small_map::SmallMap;
use crate::identify::Mac;
pub use crate::identify::Verdict;
use crate::onvif::Scope;
use crate::wsd::{Endpoint, Epr, MetadataVersion, QName, XAddr};

/// Milliseconds since the Unix epoch. The store never reads a clock: callers pass `now`.
pub type Millis = u64;

/// First and last time something was seen, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub first: Millis,
    pub last: Millis,
    pub count: u64,
}

impl Seen {
    pub fn new(now: Millis) -> Seen {
        Seen {
            first: now,
            last: now,
            count: 1,
        }
    }

    pub fn touch(&mut self, now: Millis) {
        self.last = self.last.max(now);
        self.count += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Heard from within `stale_after`.
    Active,
    /// Not heard from for `stale_after`: silent, not necessarily gone.
    Stale,
    /// Said Bye (from an address it was seen at).
    Departed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Stale => "stale",
            Status::Departed => "departed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "active" => Status::Active,
            "stale" => Status::Stale,
            "departed" => Status::Departed,
            _ => return None,
        })
    }
}

/// Messages counted per device, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    pub hello: u64,
    pub bye: u64,
    pub probe_match: u64,
    pub resolve_match: u64,
}

/// Conflicts are flagged on the record, never merged silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConflictKind {
    /// The same EPR announced with two different MAC addresses.
    Mac,
    /// The same EPR heard from two subnets within the conflict window.
    Subnet,
    /// The source address this device was heard from claims many EPRs.
    SharedSource,
    /// A Bye for this device came from an address it was never seen at.
    ForeignBye,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Mac => "mac",
            ConflictKind::Subnet => "subnet",
            ConflictKind::SharedSource => "shared_source",
            ConflictKind::ForeignBye => "foreign_bye",
        }
    }

    pub fn parse(s: &str) -> Option<ConflictKind> {
        Some(match s {
            "mac" => ConflictKind::Mac,
            "subnet" => ConflictKind::Subnet,
            "shared_source" => ConflictKind::SharedSource,
            "foreign_bye" => ConflictKind::ForeignBye,
            _ => return None,
        })
    }
}

/// One device, keyed by its normalised endpoint reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Stable small integer, assigned on first sight.
    pub id: u64,
    /// Normalised EPR (the key), shared with the store's key index.
    pub key: Arc<str>,
    /// EPR as last sent, only when it differs from the key (most do not: see
    /// [`Device::epr`]).
    pub epr_if_not_key: Option<String>,
    /// Types as `{namespace}local`, space-separated (one allocation per record).
    pub types: String,
    /// Raw scopes as sent, space-separated (scope tokens never contain whitespace).
    pub scopes: String,
    /// XAddrs as sent, space-separated.
    pub xaddrs: String,
    pub metadata_version: Option<String>,
    pub macs: Vec<Mac>,
    /// The summary only: evidence (about a kilobyte) is re-derived on demand from
    /// [`Device::endpoint`].
    pub verdict: Verdict,
    /// Source addresses of the datagrams, with when.
    pub addresses: SmallMap<IpAddr, Seen>,
    /// Interfaces heard on, with when.
    pub interfaces: SmallMap<String, Seen>,
    pub seen: Seen,
    pub counts: KindCounts,
    /// (InstanceId, MessageNumber) of the newest accepted message.
    pub app_sequence: Option<(u64, u64)>,
    pub restarts: u64,
    pub status: Status,
    pub conflicts: SmallMap<ConflictKind, String>,
    /// The site of where it was last heard (derived from the configured sites, never
    /// stored in the database, re-derived when the sites change).
    pub site: Option<std::sync::Arc<str>>,
    /// Last heard from a source outside every subnet configured for its interface.
    pub off_subnet: bool,
    /// The site was pinned by an operator override.
    pub site_pinned: bool,
}

/// A client that probes or resolves on the camera VLANs: a security signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prober {
    pub address: IpAddr,
    pub interface: String,
    pub seen: Seen,
    pub probes: u64,
    pub resolves: u64,
}

/// `{namespace}local`, or `local` when the namespace is unknown.
pub fn type_string(q: &QName) -> String {
    match &q.namespace {
        Some(ns) => format!("{{{ns}}}{}", q.local),
        None => q.local.clone(),
    }
}

/// The tokens of a space-joined list field.
pub fn words(joined: &str) -> impl Iterator<Item = &str> {
    joined.split(' ').filter(|w| !w.is_empty())
}

/// Does `q` print as `s` in [`type_string`] form? (No allocation.)
pub fn type_is(s: &str, q: &QName) -> bool {
    match &q.namespace {
        Some(ns) => s
            .strip_prefix('{')
            .and_then(|r| r.strip_prefix(ns.as_str()))
            .and_then(|r| r.strip_prefix('}'))
            .is_some_and(|local| local == q.local),
        None => s == q.local,
    }
}

/// The inverse of [`type_string`].
pub fn parse_type_string(s: &str) -> QName {
    match s.strip_prefix('{').and_then(|r| r.split_once('}')) {
        Some((ns, local)) => QName {
            namespace: Some(ns.to_string()),
            local: local.to_string(),
        },
        None => QName {
            namespace: None,
            local: s.to_string(),
        },
    }
}

/// `address` when it is not already `key` (the common case stores nothing).
pub fn epr_unless_key(address: &str, key: &str) -> Option<String> {
    (address != key).then(|| address.to_string())
}

/// The fields derived from a device's scopes, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub name: Option<String>,
    pub hardware: Option<String>,
    pub locations: Vec<String>,
}

impl Device {
    /// Name, hardware and locations with one parse of the scopes (for writers that need
    /// all three).
    pub fn described(&self) -> Described {
        use crate::onvif::{first, values, Category};
        let scopes = self.parsed_scopes();
        Described {
            name: first(&scopes, &Category::Name).map(str::to_string),
            hardware: first(&scopes, &Category::Hardware).map(str::to_string),
            locations: values(&scopes, &Category::Location)
                .map(str::to_string)
                .collect(),
        }
    }

    /// The EPR as last sent.
    pub fn epr(&self) -> &str {
        self.epr_if_not_key.as_deref().unwrap_or(&self.key)
    }

    fn parsed_scopes(&self) -> Vec<Scope> {
        words(&self.scopes).map(Scope::parse).collect()
    }

    /// `name/`, `hardware/` and every `location/` value, decoded from one pass over the
    /// scopes (what [`Device::name`], [`Device::hardware`], [`Device::locations`] give).
    pub fn labels(&self) -> (Option<String>, Option<String>, Vec<String>) {
        use crate::onvif::{first, values, Category};
        let scopes = self.parsed_scopes();
        (
            first(&scopes, &Category::Name).map(str::to_string),
            first(&scopes, &Category::Hardware).map(str::to_string),
            values(&scopes, &Category::Location)
                .map(str::to_string)
                .collect(),
        )
    }

    /// The decoded `name/` scope (derived from [`Device::scopes`], not stored).
    pub fn name(&self) -> Option<String> {
        crate::onvif::first(&self.parsed_scopes(), &crate::onvif::Category::Name)
            .map(str::to_string)
    }

    /// The decoded `hardware/` scope.
    pub fn hardware(&self) -> Option<String> {
        crate::onvif::first(&self.parsed_scopes(), &crate::onvif::Category::Hardware)
            .map(str::to_string)
    }

    /// Every decoded `location/` scope.
    pub fn locations(&self) -> Vec<String> {
        crate::onvif::values(&self.parsed_scopes(), &crate::onvif::Category::Location)
            .map(str::to_string)
            .collect()
    }

    /// The endpoint as last announced, rebuilt from the stored facts (to re-identify it).
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            epr: Epr {
                address: self.epr().to_string(),
                key: self.key.to_string(),
            },
            types: words(&self.types).map(parse_type_string).collect(),
            scopes: words(&self.scopes).map(Scope::parse).collect(),
            xaddrs: words(&self.xaddrs).map(XAddr::parse).collect(),
            metadata_version: self.metadata_version.as_deref().map(MetadataVersion::parse),
        }
    }
}
