//! The query protocol on the daemon's Unix socket (full description: `docs/api.md`).
//!
//! - Framing: UTF-8 JSON, one object per line (`\n`), in both directions. A request line
//!   longer than `api.max_line` (default 64 KiB) is refused with `line_too_long` and
//!   skipped up to its newline; the connection stays usable.
//! - Request: `{"type": "<name>", ...fields, "id": any}`; `id` is optional and echoed in
//!   the reply, so scripts can pipeline. Unknown types and fields are errors.
//! - Reply: `{"ok": true, "result": ...}` or `{"ok": false, "error": {"code", "message"}}`,
//!   plus `"id"` when the request had one. The first reply on a connection carries
//!   `"protocol": PROTOCOL_VERSION`; a `version` request returns it at any time.
//! - `subscribe` replies `{"ok": true, "result": {"subscribed": true, "snapshot": N}}`, then
//!   the connection carries only [`EventOut`] lines: `N` `present` events (the current
//!   inventory, when asked for), then one event per change. A subscriber whose queue
//!   (`api.subscriber_queue` events) overflows gets one `resync` event saying how many
//!   events it missed, and the stream goes on; it should re-read the inventory.
//! - Time values are RFC 3339 UTC strings ([`Time`]). Requests also accept ages (`"7d"`)
//!   where a time is expected.
//! - The API is read-only: no request changes the inventory.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use super::time::Time;

/// Bumped on any incompatible change of requests or replies.
pub const PROTOCOL_VERSION: u32 = 1;

/// Most events one `events` request returns.
pub const MAX_EVENTS_PER_REQUEST: usize = 100_000;

/// Stable error codes of failed replies.
pub mod code {
    pub const BAD_JSON: &str = "bad_json";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const LINE_TOO_LONG: &str = "line_too_long";
    pub const NOT_FOUND: &str = "not_found";
    pub const FORBIDDEN: &str = "forbidden";
    pub const TOO_MANY_CLIENTS: &str = "too_many_clients";
    pub const UNAVAILABLE: &str = "unavailable";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Protocol and daemon version.
    Version,
    /// Devices matching a filter, sorted and paged.
    Devices {
        #[serde(default)]
        filter: Filter,
        #[serde(default)]
        sort: SortKey,
        /// Sort descending.
        #[serde(default)]
        desc: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
        #[serde(default)]
        offset: usize,
        /// Include what each device announced (types, scopes, XAddrs, counters).
        #[serde(default)]
        full: bool,
    },
    /// How many devices match a filter.
    Count {
        #[serde(default)]
        filter: Filter,
    },
    /// One device by id, EPR, IP address or MAC, with evidence, sightings and events.
    Device {
        query: String,
        /// Recent events to include.
        #[serde(default = "default_device_events")]
        events: usize,
    },
    /// Device counts grouped by one or more keys.
    Summary {
        #[serde(default)]
        by: Vec<GroupKey>,
        #[serde(default)]
        filter: Filter,
    },
    /// Clients that probe or resolve on the listened networks.
    Probers {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
    },
    /// The event log, oldest first.
    Events {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<TimeArg>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
    },
    Stats,
    Health,
    /// The configured watchlist, with the reason and reference of each entry.
    Watchlist,
    /// Turn the connection into an event stream.
    Subscribe {
        /// Send the current inventory first, as `present` events.
        #[serde(default)]
        snapshot: bool,
    },
}

impl Request {
    /// Every device matching `filter`, by id, compact: what exports and reports read.
    pub fn all_devices(filter: Filter) -> Request {
        Request::Devices {
            filter,
            sort: SortKey::Id,
            desc: false,
            limit: None,
            offset: 0,
            full: false,
        }
    }
}

fn default_device_events() -> usize {
    20
}

/// A time in a request: RFC 3339, or an age such as `7d` counted back from now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeArg(pub String);

impl TimeArg {
    pub fn resolve(&self, now: Time) -> Result<Time, String> {
        Time::parse(&self.0, now)
    }
}

/// Device filters: every given field must match. List fields match any of their values,
/// case-insensitively and exactly (`"none"` matches a device without that value);
/// `text` is a case-insensitive substring of the name, model, EPR, addresses or MACs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub family: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub brand: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manufacturer: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub model: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub class: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub status: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub interface: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub site: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<bool>,
    /// Last seen at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_since: Option<TimeArg>,
    /// Last seen before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_before: Option<TimeArg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Also the client's `--sort` values (spelled `first-seen` on the command line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Id,
    Epr,
    FirstSeen,
    LastSeen,
    Family,
    Brand,
    Model,
    Class,
    Status,
    Address,
}

/// Also the client's `--by` values.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupKey {
    Family,
    Brand,
    Manufacturer,
    Model,
    Class,
    Status,
    Interface,
    Site,
    Watchlist,
    Confidence,
}

impl GroupKey {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKey::Family => "family",
            GroupKey::Brand => "brand",
            GroupKey::Manufacturer => "manufacturer",
            GroupKey::Model => "model",
            GroupKey::Class => "class",
            GroupKey::Status => "status",
            GroupKey::Interface => "interface",
            GroupKey::Site => "site",
            GroupKey::Watchlist => "watchlist",
            GroupKey::Confidence => "confidence",
        }
    }
}

/// One reply line, as the client reads it (`T`: the request's result type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply<T = Value> {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionOut {
    pub protocol: u32,
    pub daemon: String,
    pub version: String,
}

/// A device as listed: everything announced, the verdict, and where and when it was heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceOut {
    pub id: u64,
    pub epr: String,
    pub class: String,
    pub family: Option<String>,
    pub brand: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    /// Decoded `name/` scope.
    pub name: Option<String>,
    /// Decoded `hardware/` scope.
    pub hardware: Option<String>,
    pub confidence: String,
    /// Evidence pointed at more than one family.
    pub conflict: bool,
    pub watchlist: bool,
    pub macs: Vec<String>,
    /// Source addresses of its datagrams, most recently heard first.
    pub addresses: Vec<String>,
    pub interfaces: Vec<String>,
    /// Site of where it was last heard (`[[sites]]` in the configuration); null when no
    /// site matches.
    pub site: Option<String>,
    /// Last heard from a source outside every subnet configured for its interface
    /// (misconfigured or spoofed).
    #[serde(default)]
    pub off_subnet: bool,
    /// The site was set by an operator override (`[[overrides]]`).
    #[serde(default)]
    pub site_pinned: bool,
    /// `active`, `stale` or `departed`.
    pub status: String,
    pub first_seen: Time,
    pub last_seen: Time,
    /// Conflicting facts flagged on the record (never merged silently).
    pub conflicts: Vec<ConflictOut>,
    /// What the device announced, in `device` replies, live events and `devices` with
    /// `"full": true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<AnnouncedOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncedOut {
    pub types: Vec<String>,
    pub scopes: Vec<String>,
    pub xaddrs: Vec<String>,
    pub locations: Vec<String>,
    pub metadata_version: Option<String>,
    pub counts: CountsOut,
    pub restarts: u64,
    pub app_sequence: Option<AppSequenceOut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountsOut {
    pub hello: u64,
    pub bye: u64,
    pub probe_match: u64,
    pub resolve_match: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSequenceOut {
    pub instance_id: u64,
    pub message_number: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictOut {
    /// `mac`, `subnet`, `shared_source`, `foreign_bye`.
    pub kind: String,
    pub detail: String,
}

/// `devices` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesOut {
    /// Devices matching the filter, before `offset` and `limit`.
    pub total: usize,
    pub devices: Vec<DeviceOut>,
}

/// `count` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountOut {
    pub count: usize,
}

/// `device` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceDetail {
    pub device: DeviceOut,
    pub evidence: Vec<EvidenceOut>,
    pub sightings: SightingsOut,
    pub events: Vec<EventOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceOut {
    /// `scope_name`, `oui`, `template`, ... (see `docs/identification.md`).
    pub kind: String,
    /// What was looked at (the scope, the MAC, the EPR).
    pub source: String,
    pub rule: String,
    /// Where the rule comes from (built-in table line, user rules file).
    pub origin: String,
    pub family: Option<String>,
    pub brand: Option<String>,
    pub confidence: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SightingsOut {
    pub interfaces: Vec<SightingOut>,
    pub addresses: Vec<SightingOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SightingOut {
    /// Interface name or IP address.
    pub on: String,
    pub first_seen: Time,
    pub last_seen: Time,
    pub count: u64,
}

/// `summary` result: one group per distinct key tuple, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryOut {
    pub by: Vec<GroupKey>,
    /// Devices matching the filter (a device heard on two interfaces counts once here,
    /// and in each of its groups when grouped by interface).
    pub total: usize,
    pub groups: Vec<GroupOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupOut {
    /// One value per `by` key, in order; null where the device has no value.
    pub key: Vec<Option<String>>,
    pub count: usize,
    pub cameras: usize,
    pub recorders: usize,
    pub watchlist: usize,
    pub active: usize,
    pub stale: usize,
    pub departed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProberOut {
    pub address: String,
    pub interface: String,
    pub first_seen: Time,
    pub last_seen: Time,
    pub probes: u64,
    pub resolves: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbersOut {
    pub total: usize,
    pub probers: Vec<ProberOut>,
}

/// One event, from the log (`events`) or live (`subscribe`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventOut {
    /// `appeared`, `changed`, `departed`, `stale`, `restarted`, `conflict`, `alarm`;
    /// on a subscription also `present` (snapshot) and `resync` (events were missed).
    pub kind: String,
    pub at: Time,
    #[serde(default)]
    pub device_id: Option<u64>,
    /// Kind-specific: `{"fields": [...]}` for `changed`, `{"kind", "detail"}` for
    /// `conflict`, `{"alarm": "device_cap_reached" | "interface_silent", ...}` for `alarm`,
    /// `{"missed": n}` for `resync`.
    #[serde(default)]
    pub detail: Value,
    /// The device after the change (live events about a device only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Box<DeviceOut>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsOut {
    pub events: Vec<EventOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribedOut {
    pub subscribed: bool,
    /// `present` events that follow.
    pub snapshot: usize,
}

/// `stats` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsOut {
    pub version: String,
    pub started: Time,
    pub interfaces: Vec<InterfaceOut>,
    /// Datagrams dropped before the store, by reason (parse error kinds, `truncated`,
    /// `rate_limited`, ...).
    pub drops: BTreeMap<String, u64>,
    pub accepted: u64,
    pub recv_errors: u64,
    pub store: StoreOut,
    pub persistence: PersistenceOut,
    pub clients: ClientsOut,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceOut {
    pub name: String,
    /// Group memberships held now.
    pub joined: bool,
    pub datagrams: u64,
    pub bytes: u64,
    pub last_heard: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOut {
    pub devices: usize,
    pub max_devices: usize,
    pub active: usize,
    pub stale: usize,
    pub departed: usize,
    pub probers: usize,
    pub dedup_entries: usize,
    pub duplicates: u64,
    pub out_of_sequence: u64,
    pub refused_devices: u64,
    pub refused_probers: u64,
    pub foreign_byes: u64,
    pub unknown_byes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistenceOut {
    pub database: String,
    /// Completed flushes since start (the persistence generation).
    pub generation: u64,
    pub last_flush: Option<Time>,
    pub flush_errors: u64,
    /// Journal entries waiting for the next flush.
    pub pending: usize,
    pub dropped_events: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientsOut {
    pub connected: usize,
    pub max_clients: usize,
    pub subscribers: usize,
    pub accepted: u64,
    pub requests: u64,
    pub errors: u64,
    pub refused_limit: u64,
    pub refused_peer: u64,
    pub lines_too_long: u64,
    pub idle_timeouts: u64,
    pub write_timeouts: u64,
    pub resyncs: u64,
}

/// One watchlist entry (a maker family or a brand), as reports quote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchOut {
    pub family: Option<String>,
    pub brand: Option<String>,
    pub reason: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistOut {
    pub entries: Vec<WatchOut>,
}

/// `health` result. `status` is `ok` or `degraded`, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthOut {
    pub status: String,
    pub problems: Vec<String>,
    pub devices: usize,
    pub interfaces_joined: usize,
    pub last_datagram: Option<Time>,
    pub last_flush: Option<Time>,
    pub uptime_seconds: u64,
}

/// `camcensus diff`: one device's net change over a period (computed by the client from
/// `events` and `devices`; printed with `--json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    /// `appeared`, `departed` or `changed`.
    pub change: String,
    pub id: u64,
    pub at: Time,
    /// For `changed`: which fields (union over the period).
    pub fields: Vec<String>,
    pub device: Option<DeviceOut>,
}
