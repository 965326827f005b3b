//! Daemon configuration in two stages: the `config` crate layers built-in defaults, a TOML
//! file, `CAMCENSUS__SECTION__KEY` environment variables and command-line overrides; then
//! every key is read and checked into a typed [`Config`], collecting *all* problems
//! (unknown keys, wrong types, bad units, invalid values) into one [`ConfigError`].

pub mod manpage;
mod read;
pub mod units;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::StoreLimits;
use crate::wsd::Limits;

pub use crate::paths::{default_socket, default_state_dir};

/// Where the daemon looks for its configuration when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/camcensus/camcensus.toml";

/// Exit status for a bad configuration (EX_CONFIG), for `ExecStartPre=camcensusd --check-config`.
pub const EXIT_CONFIG: u8 = 78;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: ListenConfig,
    pub store: StoreConfig,
    pub api: ApiConfig,
    pub parse: Limits,
    pub identify: IdentifyConfig,
    pub log: LogConfig,
    /// `[[sites]]`, in file order (order decides ties: see `store::sites`).
    pub sites: Vec<SiteConfig>,
    /// `[[watchlist]]`: makers whose devices are flagged, each with why.
    pub watchlist: Vec<WatchEntry>,
    /// `[[overrides]]`: devices an operator identified or placed by hand.
    pub overrides: Vec<OverrideEntry>,
}

/// One operator override: a device (by EPR or MAC) pinned to a family, brand and/or site,
/// with a note saying who verified what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideEntry {
    #[serde(default)]
    pub epr: Option<String>,
    #[serde(default)]
    pub mac: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
    pub note: String,
}

/// One watchlist entry: a maker family or a brand, with the reason and a reference that
/// reports quote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchEntry {
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub reference: String,
}

/// The default watchlist: the makers named by US NDAA FY2019 s.889 and the FCC Covered List.
pub fn default_watchlist() -> Vec<WatchEntry> {
    let reason = |what: &str| {
        format!("Named in US NDAA FY2019 section 889 and on the FCC Covered List ({what})")
    };
    let reference = "Pub. L. 115-232 s.889; https://www.fcc.gov/supplychain/coveredlist";
    [
        ("hikvision", "video surveillance equipment"),
        ("dahua", "video surveillance equipment"),
        (
            "hytera",
            "video surveillance and telecommunications equipment",
        ),
        ("huawei", "telecommunications equipment"),
        ("zte", "telecommunications equipment"),
    ]
    .into_iter()
    .map(|(family, what)| WatchEntry {
        family: Some(family.to_string()),
        brand: None,
        reason: reason(what),
        reference: reference.to_string(),
    })
    .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub name: String,
    /// Interface names or globs.
    pub interfaces: Vec<String>,
    pub subnets: Vec<crate::store::sites::Cidr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListenConfig {
    /// Interface names or globs to listen on; empty means every multicast-capable one.
    pub interfaces: Vec<String>,
    /// Interface names or globs never listened on.
    pub exclude: Vec<String>,
    pub port: u16,
    pub ipv4: bool,
    pub ipv6: bool,
    /// Requested SO_RCVBUF in bytes (the kernel may cap it; the effective size is logged).
    pub receive_buffer: u64,
    /// Bytes of received datagrams queued between the receive threads and the parser;
    /// beyond this a datagram is dropped and counted as `queue_full`.
    pub queue_size: u64,
    /// How often interfaces are rescanned for appearance, disappearance, address changes.
    pub rescan_interval: Duration,
    /// IPv4 group memberships per socket; 0 reads net.ipv4.igmp_max_memberships.
    pub max_memberships_per_socket: usize,
    /// Datagrams per second each source may send before being dropped (token refill rate).
    pub rate_per_source: u32,
    /// Burst size of the per-source token bucket.
    pub rate_burst: u32,
    /// Sources tracked by the rate limiter.
    pub max_sources: usize,
    /// An interface that was heard from and then stays silent this long raises an alarm
    /// event (zero: never).
    pub silent_after: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    pub state_dir: PathBuf,
    pub max_devices: usize,
    pub stale_after: Duration,
    pub flush_interval: Duration,
    pub dedup_window: Duration,
    pub max_probers: usize,
    /// Events older than this are deleted from the event log.
    pub event_retention: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    pub socket: PathBuf,
    /// Group given to the socket file (mode 0660); empty leaves the daemon's group.
    pub group: String,
    /// Users (names or uids) allowed to query, besides root and the daemon's own user.
    pub allow_users: Vec<String>,
    /// Groups (names or gids) whose members may query (primary or supplementary group).
    pub allow_groups: Vec<String>,
    /// Connected clients at once; more are refused with an error line.
    pub max_clients: usize,
    /// Longest request line in bytes.
    pub max_line: usize,
    /// A connection that sends no request for this long is closed (subscribers excepted).
    pub idle_timeout: Duration,
    /// A client that does not take a reply (or event) within this long is disconnected.
    pub write_timeout: Duration,
    /// Events a subscriber may fall behind before it is sent `resync`.
    pub subscriber_queue: usize,
    /// The largest share of time API queries may hold the store lock (0.05 to 1): the
    /// ingest path keeps the rest however many clients query.
    pub max_lock_share: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdentifyConfig {
    /// Extra identification rules (TSV), added to the built-in ones.
    pub rules_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// A tracing filter: `info`, `debug`, `camcensus=debug,warn`. `RUST_LOG` overrides it.
    pub level: String,
    /// `text` (one line per event, for journald) or `json` (one JSON object per line).
    pub format: String,
}

/// Command-line values that win over the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub interfaces: Vec<String>,
    pub state_dir: Option<PathBuf>,
    pub socket: Option<PathBuf>,
}

/// Everything wrong with a configuration, one problem per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem(s) in the configuration:",
            self.problems.len()
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Load from an optional TOML file, an environment (normally `std::env::vars()`, passed
    /// in so tests never touch the process environment) and command-line overrides.
    pub fn load(
        file: Option<&Path>,
        env: &HashMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        read::load(file, env, overrides)
    }

    /// The watchlist as the API reports it.
    pub fn watchlist_out(&self) -> Vec<crate::api::wire::WatchOut> {
        self.watchlist
            .iter()
            .map(|w| crate::api::wire::WatchOut {
                family: w.family.clone(),
                brand: w.brand.clone(),
                reason: w.reason.clone(),
                reference: w.reference.clone(),
            })
            .collect()
    }

    /// The watchlist as identification uses it.
    pub fn watchlist(&self) -> crate::identify::Watchlist {
        crate::identify::Watchlist {
            families: self
                .watchlist
                .iter()
                .filter_map(|w| w.family.clone())
                .collect(),
            brands: self
                .watchlist
                .iter()
                .filter_map(|w| w.brand.clone())
                .collect(),
        }
    }

    /// The overrides as identification uses them (those that set a family or a brand).
    pub fn identity_overrides(&self) -> Vec<crate::identify::Override> {
        self.overrides
            .iter()
            .filter(|o| o.family.is_some() || o.brand.is_some())
            .map(|o| crate::identify::Override {
                epr: o.epr.as_deref().map(crate::wsd::normalise_epr),
                mac: o.mac.as_deref().and_then(crate::identify::Mac::parse),
                family: o.family.as_ref().map(|f| f.to_lowercase()),
                brand: o.brand.clone(),
                note: o.note.clone(),
            })
            .collect()
    }

    pub fn sites(&self) -> crate::store::sites::Sites {
        let pins = self
            .overrides
            .iter()
            .filter_map(|o| {
                Some(crate::store::sites::SitePin {
                    epr: o.epr.as_deref().map(crate::wsd::normalise_epr),
                    mac: o.mac.as_deref().and_then(crate::identify::Mac::parse),
                    site: o.site.as_deref()?.into(),
                })
            })
            .collect();
        self.site_table().with_pins(pins)
    }

    fn site_table(&self) -> crate::store::sites::Sites {
        crate::store::sites::Sites::new(
            self.sites
                .iter()
                .map(|s| crate::store::sites::Site {
                    name: s.name.as_str().into(),
                    interfaces: s.interfaces.clone(),
                    subnets: s.subnets.clone(),
                })
                .collect(),
        )
    }

    pub fn store_limits(&self) -> StoreLimits {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        StoreLimits {
            max_devices: self.store.max_devices,
            stale_after: ms(self.store.stale_after),
            dedup_window: ms(self.store.dedup_window),
            max_probers: self.store.max_probers,
            ..StoreLimits::default()
        }
    }
}
