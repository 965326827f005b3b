//! Layering and reading every key, collecting all problems.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Environment, File, FileFormat, Value, ValueKind};
use serde::de::DeserializeOwned;

use super::units::{parse_duration, parse_size};
use super::*;

/// Every accepted key, by section. Anything else is an unknown key.
const KEYS: &[(&str, &[&str])] = &[
    (
        "listen",
        &[
            "interfaces",
            "exclude",
            "port",
            "ipv4",
            "ipv6",
            "receive_buffer",
            "queue_size",
            "rescan_interval",
            "max_memberships_per_socket",
            "rate_per_source",
            "rate_burst",
            "max_sources",
            "silent_after",
        ],
    ),
    (
        "store",
        &[
            "state_dir",
            "max_devices",
            "stale_after",
            "flush_interval",
            "dedup_window",
            "max_probers",
            "event_retention",
        ],
    ),
    (
        "api",
        &[
            "socket",
            "group",
            "allow_users",
            "allow_groups",
            "max_clients",
            "max_line",
            "idle_timeout",
            "write_timeout",
            "subscriber_queue",
            "max_lock_share",
        ],
    ),
    (
        "parse",
        &[
            "max_datagram",
            "max_depth",
            "max_events",
            "max_quotes",
            "max_text",
            "max_attributes",
            "max_endpoints",
            "max_types",
            "max_scopes",
            "max_xaddrs",
        ],
    ),
    ("identify", &["rules_file"]),
    ("log", &["level", "format"]),
];

struct Reader {
    cfg: config::Config,
    problems: Vec<String>,
}

pub fn load(
    file: Option<&Path>,
    env: &HashMap<String, String>,
    o: &Overrides,
) -> Result<Config, ConfigError> {
    let mut b = config::Config::builder();
    if let Some(path) = file {
        b = b.add_source(File::from(path).format(FileFormat::Toml).required(true));
    }
    let camcensus_env = env
        .iter()
        .filter(|(k, _)| k.starts_with("CAMCENSUS__"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    b = b.add_source(
        Environment::with_prefix("CAMCENSUS")
            .prefix_separator("__")
            .separator("__")
            .list_separator(",")
            .with_list_parse_key("listen.interfaces")
            .with_list_parse_key("listen.exclude")
            .with_list_parse_key("api.allow_users")
            .with_list_parse_key("api.allow_groups")
            .try_parsing(true)
            .source(Some(camcensus_env)),
    );
    let cfg = b.build().map_err(|e| ConfigError {
        problems: vec![e.to_string()],
    })?;
    let mut r = Reader {
        cfg,
        problems: Vec::new(),
    };
    r.unknown_keys();
    let config = r.read(env, o);
    if r.problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError {
            problems: r.problems,
        })
    }
}

impl Reader {
    fn unknown_keys(&mut self) {
        let root: HashMap<String, Value> = match self.cfg.clone().try_deserialize() {
            Ok(r) => r,
            Err(e) => return self.problems.push(e.to_string()),
        };
        let mut sections: Vec<_> = root.into_iter().collect();
        sections.sort_by(|a, b| a.0.cmp(&b.0));
        for (section, value) in sections {
            if matches!(section.as_str(), "sites" | "watchlist" | "overrides") {
                continue; // an array of tables, checked by `sites()`
            }
            let Some((_, keys)) = KEYS.iter().find(|(s, _)| *s == section) else {
                self.problems.push(format!("unknown section [{section}]"));
                continue;
            };
            let ValueKind::Table(table) = value.kind else {
                self.problems.push(format!("[{section}] must be a table"));
                continue;
            };
            let mut names: Vec<_> = table.keys().collect();
            names.sort();
            for key in names.into_iter().filter(|k| !keys.contains(&k.as_str())) {
                self.problems.push(format!("unknown key {section}.{key}"));
            }
        }
    }

    fn get<T: DeserializeOwned>(&mut self, key: &str, default: T) -> T {
        match self.cfg.get::<T>(key) {
            Ok(v) => v,
            Err(config::ConfigError::NotFound(_)) => default,
            Err(e) => {
                self.problems.push(format!("{key}: {e}"));
                default
            }
        }
    }

    fn number<T: TryFrom<u64>>(&mut self, key: &str, default: T, min: u64, max: u64) -> T {
        let raw = self.raw(key);
        let Some(v) = raw else { return default };
        let n = match v.kind {
            ValueKind::I64(n) => u64::try_from(n).ok(),
            ValueKind::U64(n) => Some(n),
            ValueKind::I128(n) => u64::try_from(n).ok(),
            ValueKind::U128(n) => u64::try_from(n).ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => T::try_from(n).ok().unwrap_or(default),
            _ => {
                self.problems.push(format!(
                    "{key}: expected a whole number from {min} to {max}, got {v}"
                ));
                default
            }
        }
    }

    fn size(&mut self, key: &str, default: u64, min: u64) -> u64 {
        let Some(v) = self.raw(key) else {
            return default;
        };
        let parsed = match &v.kind {
            ValueKind::I64(n) => u64::try_from(*n).map_err(|_| format!("{n} is negative")),
            ValueKind::U64(n) => Ok(*n),
            ValueKind::String(s) => parse_size(s),
            _ => Err(format!("{v} is not a size")),
        };
        match parsed {
            Ok(n) if n >= min => n,
            Ok(n) => {
                self.problems
                    .push(format!("{key}: {n} bytes is below the minimum of {min}"));
                default
            }
            Err(e) => {
                self.problems.push(format!("{key}: {e}"));
                default
            }
        }
    }

    fn duration(&mut self, key: &str, default: Duration, min: Duration) -> Duration {
        let Some(v) = self.raw(key) else {
            return default;
        };
        let parsed = match &v.kind {
            ValueKind::String(s) => parse_duration(s),
            _ => Err(format!(
                "{v} is not a duration (write it as a string, e.g. \"30s\")"
            )),
        };
        match parsed {
            Ok(d) if d >= min => d,
            Ok(d) => {
                self.problems
                    .push(format!("{key}: {d:?} is below the minimum of {min:?}"));
                default
            }
            Err(e) => {
                self.problems.push(format!("{key}: {e}"));
                default
            }
        }
    }

    fn raw(&mut self, key: &str) -> Option<Value> {
        match self.cfg.get::<Value>(key) {
            Ok(v) => Some(v),
            Err(config::ConfigError::NotFound(_)) => None,
            Err(e) => {
                self.problems.push(format!("{key}: {e}"));
                None
            }
        }
    }

    fn read(&mut self, env: &HashMap<String, String>, o: &Overrides) -> Config {
        let listen = self.listen(o);
        let store = self.store(env, o);
        let api = self.api(env, o);
        let parse = self.parse();
        let identify = IdentifyConfig {
            rules_file: self.get("identify.rules_file", None),
        };
        let level = self.get("log.level", "info".to_string());
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&level) {
            self.problems
                .push(format!("log.level: {level:?} is not a log filter ({e})"));
        }
        let sites = self.sites();
        let watchlist = self.watchlist();
        let overrides = self.overrides();
        let format = self.get("log.format", "text".to_string());
        if !matches!(format.as_str(), "text" | "json") {
            self.problems.push(format!(
                "log.format: {format:?} is not \"text\" or \"json\""
            ));
        }
        Config {
            listen,
            store,
            api,
            parse,
            identify,
            log: LogConfig { level, format },
            sites,
            watchlist,
            overrides,
        }
    }

    fn listen(&mut self, o: &Overrides) -> ListenConfig {
        let mut interfaces: Vec<String> = self.get("listen.interfaces", Vec::new());
        if !o.interfaces.is_empty() {
            interfaces = o.interfaces.clone();
        }
        let exclude = self.get(
            "listen.exclude",
            ["lo", "docker*", "veth*", "virbr*"]
                .map(String::from)
                .to_vec(),
        );
        let l = ListenConfig {
            interfaces,
            exclude,
            port: self.number("listen.port", 3702, 1, 65_535),
            ipv4: self.get("listen.ipv4", true),
            ipv6: self.get("listen.ipv6", true),
            receive_buffer: self.size("listen.receive_buffer", 8 << 20, 64 << 10),
            queue_size: self.size("listen.queue_size", 64 << 20, 64 << 10),
            rescan_interval: self.duration(
                "listen.rescan_interval",
                Duration::from_secs(5),
                Duration::from_millis(100),
            ),
            max_memberships_per_socket: self.number(
                "listen.max_memberships_per_socket",
                0,
                0,
                4_096,
            ),
            rate_per_source: self.number("listen.rate_per_source", 200, 1, 1_000_000),
            rate_burst: self.number("listen.rate_burst", 400, 1, 1_000_000),
            max_sources: self.number("listen.max_sources", 65_536, 1, 10_000_000),
            silent_after: self.duration(
                "listen.silent_after",
                Duration::from_secs(86_400),
                Duration::ZERO,
            ),
        };
        if !l.ipv4 && !l.ipv6 {
            self.problems
                .push("listen.ipv4 and listen.ipv6 are both false: nothing to listen on".into());
        }
        l
    }

    fn api(&mut self, env: &HashMap<String, String>, o: &Overrides) -> ApiConfig {
        let socket = self.get::<Option<PathBuf>>("api.socket", None);
        let s = Duration::from_secs;
        ApiConfig {
            socket: o
                .socket
                .clone()
                .or(socket)
                .unwrap_or_else(|| default_socket(env)),
            group: self.get("api.group", "camcensus".to_string()),
            allow_users: self.get("api.allow_users", Vec::new()),
            allow_groups: self.get("api.allow_groups", vec!["camcensus".to_string()]),
            max_clients: self.number("api.max_clients", 64, 1, 100_000),
            max_line: usize::try_from(self.size("api.max_line", 64 << 10, 256))
                .unwrap_or(usize::MAX),
            idle_timeout: self.duration("api.idle_timeout", s(300), s(1)),
            write_timeout: self.duration("api.write_timeout", s(10), Duration::from_millis(100)),
            subscriber_queue: self.number("api.subscriber_queue", 4_096, 1, 1_000_000),
            max_lock_share: self.share("api.max_lock_share", 0.5),
        }
    }

    /// `[[sites]]`: name, interfaces (names or globs), subnets (CIDR); names unique.
    fn sites(&mut self) -> Vec<SiteConfig> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            name: String,
            #[serde(default)]
            interfaces: Vec<String>,
            #[serde(default)]
            subnets: Vec<String>,
        }
        let entries: Vec<Value> = self.get("sites", Vec::new());
        let mut out: Vec<SiteConfig> = Vec::new();
        for (i, v) in entries.into_iter().enumerate() {
            let r = match v.try_deserialize::<Raw>() {
                Ok(r) => r,
                Err(e) => {
                    self.problems.push(format!("sites[{i}]: {e}"));
                    continue;
                }
            };
            let at = format!("sites[{i}] ({:?})", r.name);
            if r.name.trim().is_empty() {
                self.problems.push(format!("sites[{i}]: name is empty"));
            } else if out.iter().any(|s| s.name == r.name) {
                self.problems
                    .push(format!("{at}: a site of that name is defined twice"));
            }
            if r.interfaces.is_empty() && r.subnets.is_empty() {
                self.problems
                    .push(format!("{at}: give interfaces, subnets or both"));
            }
            let mut subnets = Vec::new();
            for c in &r.subnets {
                match crate::store::sites::Cidr::parse(c) {
                    Ok(c) => subnets.push(c),
                    Err(e) => self.problems.push(format!("{at}: subnets: {e}")),
                }
            }
            out.push(SiteConfig {
                name: r.name,
                interfaces: r.interfaces,
                subnets,
            });
        }
        out
    }

    /// `[[watchlist]]`: each entry names a family or a brand (not both) and a reason; when
    /// the file has none, the default list applies.
    fn watchlist(&mut self) -> Vec<WatchEntry> {
        let entries: Option<Vec<Value>> = self.get("watchlist", None);
        let Some(entries) = entries else {
            return default_watchlist();
        };
        let mut out = Vec::new();
        for (i, v) in entries.into_iter().enumerate() {
            match v.try_deserialize::<WatchEntry>() {
                Ok(w) if w.family.is_some() == w.brand.is_some() => self.problems.push(format!(
                    "watchlist[{i}]: give a family or a brand (one of them)"
                )),
                Ok(w) if w.reason.trim().is_empty() => self.problems.push(format!(
                    "watchlist[{i}]: the reason is empty (reports quote it)"
                )),
                Ok(w) => out.push(w),
                Err(e) => self.problems.push(format!("watchlist[{i}]: {e}")),
            }
        }
        out
    }

    /// `[[overrides]]`: an `epr` or a `mac` (one of them), at least one of family, brand,
    /// site, and a note.
    fn overrides(&mut self) -> Vec<OverrideEntry> {
        let entries: Vec<Value> = self.get("overrides", Vec::new());
        let mut out = Vec::new();
        for (i, v) in entries.into_iter().enumerate() {
            let o = match v.try_deserialize::<OverrideEntry>() {
                Ok(o) => o,
                Err(e) => {
                    self.problems.push(format!("overrides[{i}]: {e}"));
                    continue;
                }
            };
            let at = format!("overrides[{i}]");
            if o.epr.is_some() == o.mac.is_some() {
                self.problems
                    .push(format!("{at}: give an epr or a mac (one of them)"));
            }
            if let Some(m) = o
                .mac
                .as_deref()
                .filter(|m| crate::identify::Mac::parse(m).is_none())
            {
                self.problems.push(format!(
                    "{at}: mac {m:?} is not a MAC address (aa:bb:cc:dd:ee:ff)"
                ));
            }
            if o.family.is_none() && o.brand.is_none() && o.site.is_none() {
                self.problems
                    .push(format!("{at}: set a family, a brand or a site"));
            }
            if o.note.trim().is_empty() {
                self.problems.push(format!(
                    "{at}: the note is empty (say who verified what; it is shown as evidence)"
                ));
            }
            out.push(o);
        }
        out
    }

    /// A fraction between 0.05 and 1.
    fn share(&mut self, key: &str, default: f64) -> f64 {
        let v: f64 = self.get(key, default);
        if (0.05..=1.0).contains(&v) {
            v
        } else {
            self.problems
                .push(format!("{key}: {v} is not between 0.05 and 1"));
            default
        }
    }

    fn store(&mut self, env: &HashMap<String, String>, o: &Overrides) -> StoreConfig {
        let dir = self.get::<Option<PathBuf>>("store.state_dir", None);
        let s = Duration::from_secs;
        StoreConfig {
            state_dir: o
                .state_dir
                .clone()
                .or(dir)
                .unwrap_or_else(|| default_state_dir(env)),
            max_devices: self.number("store.max_devices", 100_000, 1, 10_000_000),
            stale_after: self.duration("store.stale_after", s(30 * 86_400), s(1)),
            flush_interval: self.duration("store.flush_interval", s(1), Duration::from_millis(10)),
            dedup_window: self.duration("store.dedup_window", s(10), Duration::ZERO),
            max_probers: self.number("store.max_probers", 10_000, 1, 10_000_000),
            event_retention: self.duration("store.event_retention", s(90 * 86_400), s(60)),
        }
    }

    fn parse(&mut self) -> Limits {
        let d = Limits::default();
        let big = 1 << 20;
        Limits {
            max_datagram: self.number("parse.max_datagram", d.max_datagram, 512, 65_536),
            max_depth: self.number("parse.max_depth", d.max_depth, 8, 256),
            max_events: self.number("parse.max_events", d.max_events, 64, big),
            max_quotes: self.number("parse.max_quotes", d.max_quotes, 64, big),
            max_text: self.number("parse.max_text", d.max_text, 256, big),
            max_attributes: self.number("parse.max_attributes", d.max_attributes, 4, 1_024),
            max_endpoints: self.number("parse.max_endpoints", d.max_endpoints, 1, 4_096),
            max_types: self.number("parse.max_types", d.max_types, 1, 1_024),
            max_scopes: self.number("parse.max_scopes", d.max_scopes, 1, 4_096),
            max_xaddrs: self.number("parse.max_xaddrs", d.max_xaddrs, 1, 1_024),
        }
    }
}
