//! `camcensus metrics`: the Prometheus text exposition format, for node_exporter's textfile
//! collector. Pure rendering from the daemon's `stats`, `summary` and `health` answers.

use std::fmt::Write as _;
use std::path::Path;

use crate::api::wire::{GroupKey, HealthOut, StatsOut, SummaryOut, Time};

/// Group keys of the device summary the metrics are built from (in this order).
pub const DEVICE_KEYS: [GroupKey; 4] = [
    GroupKey::Family,
    GroupKey::Class,
    GroupKey::Status,
    GroupKey::Site,
];

/// Escape a label value (backslash, double quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let l: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
                .collect();
            let _ = write!(self.0, "{{{}}}", l.join(","));
        }
        let _ = writeln!(self.0, " {value}");
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

fn seconds(t: Time) -> String {
    format!("{:.3}", t.0 as f64 / 1000.0)
}

/// Everything the daemon reports, as metrics. `summary` must be grouped by
/// [`DEVICE_KEYS`].
pub fn render(stats: &StatsOut, summary: &SummaryOut, health: &HealthOut) -> String {
    let mut o = Out(String::new());
    o.one("camcensus_up", "gauge", "1 when camcensusd answered.", 1);
    o.one(
        "camcensus_healthy",
        "gauge",
        "1 when camcensusd reports ok, 0 when degraded (see `camcensus health`).",
        u8::from(health.status == "ok"),
    );
    o.one(
        "camcensus_start_time_seconds",
        "gauge",
        "When camcensusd started (Unix time).",
        seconds(stats.started),
    );
    devices(&mut o, summary);
    interfaces(&mut o, stats);
    counters(&mut o, stats);
    o.0
}

fn devices(o: &mut Out, summary: &SummaryOut) {
    o.family(
        "camcensus_devices",
        "gauge",
        "Devices in the inventory by maker family, class, status and site.",
    );
    let value = |g: &crate::api::wire::GroupOut, i: usize| -> String {
        g.key
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "unknown".into())
    };
    let labelled = |g: &crate::api::wire::GroupOut| -> Vec<(&'static str, String)> {
        DEVICE_KEYS
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), value(g, i)))
            .collect()
    };
    for g in &summary.groups {
        let l = labelled(g);
        let refs: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
        o.sample("camcensus_devices", &refs, g.count);
    }
    o.family(
        "camcensus_watchlist_devices",
        "gauge",
        "Devices whose maker is on the watchlist, by family, class, status and site.",
    );
    for g in summary.groups.iter().filter(|g| g.watchlist > 0) {
        let l = labelled(g);
        let refs: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
        o.sample("camcensus_watchlist_devices", &refs, g.watchlist);
    }
}

fn interfaces(o: &mut Out, s: &StatsOut) {
    o.family(
        "camcensus_interface_joined",
        "gauge",
        "1 when the WS-Discovery groups are joined on the interface.",
    );
    for i in &s.interfaces {
        o.sample(
            "camcensus_interface_joined",
            &[("interface", &i.name)],
            u8::from(i.joined),
        );
    }
    o.family(
        "camcensus_received_datagrams_total",
        "counter",
        "Datagrams received per interface.",
    );
    for i in &s.interfaces {
        o.sample(
            "camcensus_received_datagrams_total",
            &[("interface", &i.name)],
            i.datagrams,
        );
    }
    o.family(
        "camcensus_received_bytes_total",
        "counter",
        "Bytes received per interface.",
    );
    for i in &s.interfaces {
        o.sample(
            "camcensus_received_bytes_total",
            &[("interface", &i.name)],
            i.bytes,
        );
    }
    o.family(
        "camcensus_interface_last_heard_timestamp_seconds",
        "gauge",
        "When a datagram last arrived on the interface (Unix time).",
    );
    for i in &s.interfaces {
        if let Some(t) = i.last_heard {
            o.sample(
                "camcensus_interface_last_heard_timestamp_seconds",
                &[("interface", &i.name)],
                seconds(t),
            );
        }
    }
}

fn counters(o: &mut Out, s: &StatsOut) {
    o.family(
        "camcensus_dropped_datagrams_total",
        "counter",
        "Datagrams dropped before the store, by reason (parse error kinds, rate_limited, truncated, ...).",
    );
    for (reason, n) in &s.drops {
        o.sample(
            "camcensus_dropped_datagrams_total",
            &[("reason", reason)],
            n,
        );
    }
    let st = &s.store;
    let p = &s.persistence;
    let c = &s.clients;
    let counters: [(&str, &str, u64); 12] = [
        (
            "camcensus_accepted_datagrams_total",
            "Datagrams parsed and applied to the store.",
            s.accepted,
        ),
        (
            "camcensus_receive_errors_total",
            "Transient socket receive errors.",
            s.recv_errors,
        ),
        (
            "camcensus_duplicate_messages_total",
            "Repeated messages counted once.",
            st.duplicates,
        ),
        (
            "camcensus_out_of_sequence_messages_total",
            "Messages ignored by the AppSequence rules.",
            st.out_of_sequence,
        ),
        (
            "camcensus_refused_devices_total",
            "New devices refused because the device cap was reached.",
            st.refused_devices,
        ),
        (
            "camcensus_foreign_byes_total",
            "Bye messages from an address the device was never seen at.",
            st.foreign_byes,
        ),
        (
            "camcensus_flushes_total",
            "Completed database transactions.",
            p.generation,
        ),
        (
            "camcensus_flush_errors_total",
            "Failed database transactions (retried).",
            p.flush_errors,
        ),
        (
            "camcensus_dropped_events_total",
            "Events dropped before they could be written.",
            p.dropped_events,
        ),
        (
            "camcensus_api_requests_total",
            "API requests answered.",
            c.requests,
        ),
        (
            "camcensus_api_refused_total",
            "API connections refused (client limit or peer check).",
            c.refused_limit + c.refused_peer,
        ),
        (
            "camcensus_api_resyncs_total",
            "Subscribers that fell behind and were sent resync.",
            c.resyncs,
        ),
    ];
    for (name, help, v) in counters {
        o.one(name, "counter", help, v);
    }
    let gauges: [(&str, &str, u64); 6] = [
        (
            "camcensus_store_devices",
            "Devices in the store.",
            st.devices as u64,
        ),
        (
            "camcensus_store_max_devices",
            "The device cap (store.max_devices).",
            st.max_devices as u64,
        ),
        (
            "camcensus_probers",
            "Distinct clients seen probing.",
            st.probers as u64,
        ),
        (
            "camcensus_pending_journal_entries",
            "Changes waiting for the next flush.",
            p.pending as u64,
        ),
        (
            "camcensus_api_clients",
            "Connected API clients.",
            c.connected as u64,
        ),
        (
            "camcensus_api_subscribers",
            "API clients following events.",
            c.subscribers as u64,
        ),
    ];
    for (name, help, v) in gauges {
        o.one(name, "gauge", help, v);
    }
    if let Some(t) = p.last_flush {
        o.one(
            "camcensus_last_flush_timestamp_seconds",
            "gauge",
            "When the inventory was last written (Unix time).",
            seconds(t),
        );
    }
}

/// What to write when the daemon cannot be reached: `camcensus_up 0`, so alerts fire.
pub fn down() -> String {
    let mut o = Out(String::new());
    o.one("camcensus_up", "gauge", "1 when camcensusd answered.", 0);
    o.0
}

/// Write `text` to `path` atomically (a temporary file in the same directory, then rename),
/// so the textfile collector never reads half a file.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "camcensus.prom".into());
    let tmp = match dir {
        Some(d) => d.join(format!(".{name}.{}", std::process::id())),
        None => std::path::PathBuf::from(format!(".{name}.{}", std::process::id())),
    };
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
