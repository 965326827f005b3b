//! Output for people (tables, detail blocks, event lines) and for spreadsheets (CSV).
//! Pure: data and `now` in, text out, so golden tests pin the formats.

use std::fmt::Write as _;

use super::table::Table;
use crate::api::wire::*;

/// ANSI styles, used only when colour is on.
mod style {
    pub const GREEN: &str = "32";
    pub const YELLOW: &str = "33";
    pub const DIM: &str = "2";
    pub const RED_BOLD: &str = "1;31";
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

fn first_or_dash(v: &[String]) -> String {
    match v {
        [] => "-".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "" }.into()
}

fn status_style(col: usize, status_col: usize, cell: &str) -> Option<&'static str> {
    if col != status_col {
        return None;
    }
    match cell {
        "active" => Some(style::GREEN),
        "stale" => Some(style::YELLOW),
        "departed" => Some(style::DIM),
        _ => None,
    }
}

/// `camcensus devices`.
pub fn devices_table(devices: &[DeviceOut], now: Time, color: bool) -> String {
    let mut t = Table::new(&[
        "ID",
        "STATUS",
        "CLASS",
        "FAMILY",
        "BRAND",
        "MODEL",
        "ADDRESS",
        "INTERFACE",
        "SITE",
        "LAST SEEN",
        "WATCHLIST",
    ]);
    for d in devices {
        t.row(vec![
            d.id.to_string(),
            d.status.clone(),
            d.class.clone(),
            opt(&d.family),
            opt(&d.brand),
            opt(&d.model),
            first_or_dash(&d.addresses),
            first_or_dash(&d.interfaces),
            opt(&d.site),
            format!("{} ago", d.last_seen.age(now)),
            yes(d.watchlist),
        ]);
    }
    t.render_styled(|col, cell| {
        if !color {
            return None;
        }
        match col {
            10 if cell == "yes" => Some(style::RED_BOLD),
            _ => status_style(col, 1, cell),
        }
    })
}

/// `camcensus show`.
pub fn device_detail(x: &DeviceDetail, now: Time) -> String {
    let d = &x.device;
    let mut out = String::new();
    let mut field = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<14}{v}");
    };
    field("id", d.id.to_string());
    field("epr", d.epr.clone());
    field("status", d.status.clone());
    field("class", d.class.clone());
    field("family", opt(&d.family));
    field("brand", opt(&d.brand));
    field("manufacturer", opt(&d.manufacturer));
    field("model", opt(&d.model));
    field("name", opt(&d.name));
    field("hardware", opt(&d.hardware));
    let conflict = if d.conflict {
        " (conflicting evidence)"
    } else {
        ""
    };
    field("confidence", format!("{}{conflict}", d.confidence));
    field("watchlist", if d.watchlist { "yes" } else { "no" }.into());
    let pinned = if d.site_pinned {
        " (pinned by an operator override)"
    } else {
        ""
    };
    let off = if d.off_subnet {
        " (off subnet: heard from outside the subnets configured for its interface)"
    } else {
        ""
    };
    field("site", format!("{}{pinned}{off}", opt(&d.site)));
    field("macs", list(&d.macs));
    field("addresses", list(&d.addresses));
    field("interfaces", list(&d.interfaces));
    if let Some(a) = &d.announced {
        field("xaddrs", list(&a.xaddrs));
        field("locations", list(&a.locations));
    }
    let seen = |t: Time| format!("{t} ({} ago)", t.age(now));
    field("first seen", seen(d.first_seen));
    field("last seen", seen(d.last_seen));
    if let Some(a) = &d.announced {
        let c = &a.counts;
        field(
            "messages",
            format!(
                "hello {}, bye {}, probe_match {}, resolve_match {}; restarts {}",
                c.hello, c.bye, c.probe_match, c.resolve_match, a.restarts
            ),
        );
        field("types", list(&a.types));
        field("scopes", list(&a.scopes));
    }
    for c in &d.conflicts {
        field("conflict", format!("{}: {}", c.kind, c.detail));
    }
    out.push_str("\nEvidence\n");
    out.push_str(&indent(&evidence_table(&x.evidence)));
    out.push_str("\nSightings\n");
    let mut t = Table::new(&["ON", "FIRST SEEN", "LAST SEEN", "COUNT"]);
    for s in x.sightings.interfaces.iter().chain(&x.sightings.addresses) {
        t.row(vec![
            s.on.clone(),
            s.first_seen.to_string(),
            s.last_seen.to_string(),
            s.count.to_string(),
        ]);
    }
    out.push_str(&indent(&t.render()));
    if !x.events.is_empty() {
        out.push_str("\nRecent events\n");
        for e in &x.events {
            let _ = writeln!(out, "  {}", event_line(e));
        }
    }
    out
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(" ")
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// Each item on its own lines, never clipped: the evidence is the point of `show`.
fn evidence_table(items: &[EvidenceOut]) -> String {
    if items.is_empty() {
        return "(none: nothing announced points at a maker)\n".into();
    }
    let mut out = String::new();
    for e in items {
        let _ = writeln!(
            out,
            "- {} ({}): {} -> family {}, brand {}",
            e.kind,
            e.confidence,
            e.source,
            opt(&e.family),
            opt(&e.brand)
        );
        if !e.note.is_empty() {
            let _ = writeln!(out, "    {}", e.note);
        }
        let _ = writeln!(out, "    rule {} ({})", e.rule, e.origin);
    }
    out
}

/// `camcensus summary`.
pub fn summary_table(s: &SummaryOut) -> String {
    let mut headers: Vec<String> = s.by.iter().map(|k| k.as_str().to_uppercase()).collect();
    headers.extend(
        [
            "DEVICES",
            "CAMERAS",
            "RECORDERS",
            "WATCHLIST",
            "ACTIVE",
            "STALE",
            "DEPARTED",
        ]
        .map(String::from),
    );
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&h);
    for g in &s.groups {
        let mut row: Vec<String> = g.key.iter().map(opt).collect();
        row.extend(
            [
                g.count,
                g.cameras,
                g.recorders,
                g.watchlist,
                g.active,
                g.stale,
                g.departed,
            ]
            .map(|n| n.to_string()),
        );
        t.row(row);
    }
    let mut out = t.render();
    let _ = writeln!(out, "total: {} devices", s.total);
    out
}

pub fn probers_table(p: &ProbersOut, now: Time) -> String {
    let mut t = Table::new(&[
        "ADDRESS",
        "INTERFACE",
        "PROBES",
        "RESOLVES",
        "FIRST SEEN",
        "LAST SEEN",
    ]);
    for x in &p.probers {
        t.row(vec![
            x.address.clone(),
            x.interface.clone(),
            x.probes.to_string(),
            x.resolves.to_string(),
            x.first_seen.to_string(),
            format!("{} ago", x.last_seen.age(now)),
        ]);
    }
    t.render()
}

/// One event for people: time, kind, device, and what the event says.
pub fn event_line(e: &EventOut) -> String {
    let mut s = format!("{} {:<9}", e.at, e.kind);
    if let Some(id) = e.device_id {
        let _ = write!(s, " #{id}");
    }
    if let Some(d) = &e.device {
        let _ = write!(
            s,
            " {} {} {}",
            d.class,
            opt(&d.family),
            opt(&d.model.clone().or_else(|| d.name.clone()))
        );
        if let Some(a) = d.addresses.first() {
            let _ = write!(s, " {a}");
        }
        if let Some(i) = d.interfaces.first() {
            let _ = write!(s, " on {i}");
        }
        if d.watchlist {
            s.push_str(" [watchlist]");
        }
    }
    let detail = if e.device.is_some() {
        detail_text(
            &e.detail,
            &["epr", "class", "family", "brand", "model", "watchlist"],
        )
    } else {
        detail_text(&e.detail, &["watchlist"])
    };
    if !detail.is_empty() {
        let _ = write!(s, " {detail}");
    }
    s
}

/// `{"fields":["xaddrs"]}` -> `fields=xaddrs`; nested values as JSON.
fn detail_text(v: &serde_json::Value, skip: &[&str]) -> String {
    let Some(m) = v.as_object() else {
        return String::new();
    };
    m.iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            serde_json::Value::Array(a) => format!(
                "{k}={}",
                a.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn stats_text(s: &StatsOut, now: Time) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "camcensusd {} up since {} ({})",
        s.version,
        s.started,
        s.started.age(now)
    );
    let st = &s.store;
    let _ = writeln!(
        out,
        "devices {} of {} (active {}, stale {}, departed {}), probers {}",
        st.devices, st.max_devices, st.active, st.stale, st.departed, st.probers
    );
    let _ = writeln!(
        out,
        "accepted {}, duplicates {}, out of sequence {}, refused devices {}, foreign byes {}, recv errors {}",
        s.accepted, st.duplicates, st.out_of_sequence, st.refused_devices, st.foreign_byes, s.recv_errors
    );
    let p = &s.persistence;
    let last = p
        .last_flush
        .map_or_else(|| "never".into(), |t| format!("{} ago", t.age(now)));
    let _ = writeln!(
        out,
        "database {}: generation {}, last flush {last}, errors {}, pending {}, dropped events {}",
        p.database, p.generation, p.flush_errors, p.pending, p.dropped_events
    );
    let c = &s.clients;
    let _ = writeln!(
        out,
        "clients {} of {} ({} subscribed), requests {}, errors {}, refused: limit {} peer {}, long lines {}, idle {}, slow {}, resyncs {}",
        c.connected, c.max_clients, c.subscribers, c.requests, c.errors, c.refused_limit,
        c.refused_peer, c.lines_too_long, c.idle_timeouts, c.write_timeouts, c.resyncs
    );
    out.push_str("\nInterfaces\n");
    let mut t = Table::new(&["NAME", "JOINED", "DATAGRAMS", "BYTES", "LAST HEARD"]);
    for i in &s.interfaces {
        t.row(vec![
            i.name.clone(),
            if i.joined { "yes" } else { "no" }.into(),
            i.datagrams.to_string(),
            i.bytes.to_string(),
            i.last_heard
                .map_or_else(|| "never".into(), |t| format!("{} ago", t.age(now))),
        ]);
    }
    out.push_str(&indent(&t.render()));
    out.push_str("\nDrops\n");
    if s.drops.is_empty() {
        out.push_str("  none\n");
    }
    for (k, v) in &s.drops {
        let _ = writeln!(out, "  {k:<24}{v}");
    }
    out
}

pub fn health_text(h: &HealthOut, now: Time) -> String {
    let mut out = format!(
        "{}: {} devices, {} interfaces joined, up {}s\n",
        h.status, h.devices, h.interfaces_joined, h.uptime_seconds
    );
    let ago = |t: Option<Time>| t.map_or_else(|| "never".into(), |t| format!("{} ago", t.age(now)));
    let _ = writeln!(
        out,
        "last datagram {}, last flush {}",
        ago(h.last_datagram),
        ago(h.last_flush)
    );
    for p in &h.problems {
        let _ = writeln!(out, "problem: {p}");
    }
    out
}

/// The stable export columns, in order.
pub const CSV_COLUMNS: [&str; 16] = [
    "id",
    "epr",
    "class",
    "family",
    "brand",
    "manufacturer",
    "model",
    "macs",
    "addresses",
    "interfaces",
    "site",
    "status",
    "first_seen",
    "last_seen",
    "watchlist",
    "confidence",
];

/// CSV (RFC 4180, `\r\n` line ends) with the stable columns; lists are space-separated.
pub fn csv(devices: &[DeviceOut]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for d in devices {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let cells = [
            d.id.to_string(),
            d.epr.clone(),
            d.class.clone(),
            o(&d.family),
            o(&d.brand),
            o(&d.manufacturer),
            o(&d.model),
            d.macs.join(" "),
            d.addresses.join(" "),
            d.interfaces.join(" "),
            o(&d.site),
            d.status.clone(),
            d.first_seen.to_string(),
            d.last_seen.to_string(),
            d.watchlist.to_string(),
            d.confidence.clone(),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quote when needed; text a spreadsheet would run as a formula (announced by a remote
/// device, so untrusted) is prefixed with `'`.
pub fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
    }
}
