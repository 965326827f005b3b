//! `camcensus report`: the census as a document for management, in Markdown, CSV or
//! self-contained HTML (inline CSS and SVG, no network resources, print-friendly).
//! Pure: the data the client fetched in, text out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::census::{tabulate, Census, Tally};
use crate::api::wire::{DeviceDetail, DiffRow, SummaryOut, Time, WatchOut};

/// Everything a report shows.
pub struct ReportData {
    pub now: Time,
    /// A summary grouped by [`super::census::CENSUS_KEYS`].
    pub census: SummaryOut,
    /// Every watchlisted device, with its evidence.
    pub watchlisted: Vec<DeviceDetail>,
    pub watchlist: Vec<WatchOut>,
    /// Changes since `since`, when asked for.
    pub since: Option<Time>,
    pub changes: Vec<DiffRow>,
}

const QUESTION: &str = "How many network cameras and recorders from watchlisted makers do we run, \
where are they, and are they IP-based?";

const METHOD: [&str; 5] = [
    "camcensus listens passively to WS-Discovery (the ONVIF discovery protocol, UDP 3702) on \
     the camera networks and records every device that announces itself. It sends nothing.",
    "The maker is identified from what each device announces (name and hardware scopes, scope \
     templates typical of a vendor's firmware) and from the IEEE registrant of its MAC address; \
     OEM labels are traced to their true maker (an EZVIZ or HiLook unit is Hikvision; an \
     Amcrest or Lorex IP unit is Dahua). Every verdict lists its evidence.",
    "Every device counted here is IP-based: it announced itself over the network.",
    "The count is a lower bound: cameras set to non-discoverable mode announce nothing, and \
     analogue cameras behind a DVR are invisible (the DVR is counted as a recorder).",
    "Printers, computers and other discovery hosts are listed as \"other\" and never counted \
     as cameras.",
];

fn why(d: &DeviceDetail) -> String {
    let items: Vec<String> = d
        .evidence
        .iter()
        .filter(|e| e.family.is_some() || e.kind == "override")
        .map(|e| format!("{} ({}): {}", e.kind, e.confidence, e.source))
        .collect();
    if items.is_empty() {
        "-".into()
    } else {
        items.join("; ")
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

fn watch_label(w: &WatchOut) -> String {
    match (&w.family, &w.brand) {
        (Some(f), _) => format!("family {f}"),
        (None, Some(b)) => format!("brand {b}"),
        (None, None) => "-".into(),
    }
}

/// Markdown (GitHub-flavoured tables).
pub fn markdown(r: &ReportData) -> String {
    let Census {
        overall: t,
        by_site_family: cells,
        ..
    } = tabulate(&r.census);
    let mut o = format!(
        "# Network camera census\n\nGenerated {} by camcensus.\n\n",
        r.now
    );
    let _ = writeln!(o, "**The question.** {QUESTION}\n");
    let _ = writeln!(o, "## Answer\n");
    let _ = writeln!(
        o,
        "- **{} cameras and {} recorders** were found ({} other discovery devices are not counted).",
        t.cameras, t.recorders, t.other
    );
    let _ = writeln!(
        o,
        "- **{} cameras and {} recorders** are from watchlisted makers.",
        t.watchlist_cameras, t.watchlist_recorders
    );
    let _ = writeln!(
        o,
        "- All of them are IP-based. {} were heard recently (active), {} not for a long time (stale).\n",
        t.active, t.stale
    );
    o.push_str("## Method and limits\n\n");
    for m in METHOD {
        let _ = writeln!(o, "- {m}");
    }
    o.push_str("\n## Per site and maker\n\n| Site | Family | Cameras | Recorders | Watchlisted |\n|---|---|---:|---:|---:|\n");
    for ((site, family), c) in &cells {
        let _ = writeln!(
            o,
            "| {site} | {family} | {} | {} | {} |",
            c.cameras,
            c.recorders,
            c.watchlisted()
        );
    }
    let _ = writeln!(
        o,
        "| **all** | | **{}** | **{}** | **{}** |\n",
        t.cameras,
        t.recorders,
        t.watchlist_cameras + t.watchlist_recorders
    );
    o.push_str("## Watchlisted devices\n\n");
    if r.watchlisted.is_empty() {
        o.push_str("None found.\n\n");
    } else {
        o.push_str("| Id | Class | Family | Brand | Model | Site | Addresses | Why |\n|---:|---|---|---|---|---|---|---|\n");
        for d in &r.watchlisted {
            let x = &d.device;
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                x.id,
                x.class,
                opt(&x.family),
                opt(&x.brand),
                opt(&x.model),
                opt(&x.site),
                x.addresses.join(" "),
                why(d).replace('|', "/")
            );
        }
        o.push('\n');
    }
    o.push_str("## The watchlist\n\n| Entry | Reason | Reference |\n|---|---|---|\n");
    for w in &r.watchlist {
        let _ = writeln!(o, "| {} | {} | {} |", watch_label(w), w.reason, w.reference);
    }
    if let Some(since) = r.since {
        let _ = writeln!(o, "\n## Changes since {since}\n");
        if r.changes.is_empty() {
            o.push_str("None.\n");
        }
        for c in &r.changes {
            let d = c.device.as_ref();
            let _ = writeln!(
                o,
                "- {} {}: device {} ({} {}, site {})",
                c.at,
                c.change,
                c.id,
                d.and_then(|d| d.family.clone())
                    .unwrap_or_else(|| "-".into()),
                d.and_then(|d| d.model.clone())
                    .unwrap_or_else(|| "-".into()),
                d.and_then(|d| d.site.clone()).unwrap_or_else(|| "-".into()),
            );
        }
    }
    o
}

/// One row per (site, family): the census table for spreadsheets.
pub fn csv(r: &ReportData) -> String {
    let cells = tabulate(&r.census).by_site_family;
    let mut o = String::from("site,family,cameras,recorders,watchlisted,active,stale\r\n");
    for ((site, family), c) in &cells {
        let _ = write!(
            o,
            "{},{},{},{},{},{},{}\r\n",
            super::render::csv_cell(site),
            super::render::csv_cell(family),
            c.cameras,
            c.recorders,
            c.watchlisted(),
            c.active,
            c.stale
        );
    }
    o
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, one per family, cameras + recorders, watchlisted in red.
fn bar_chart(title: &str, rows: &[(&str, Tally)]) -> String {
    let max = rows
        .iter()
        .map(|(_, c)| c.cameras + c.recorders)
        .max()
        .unwrap_or(1)
        .max(1);
    let (bar_h, gap, label_w, width) = (18, 6, 140, 520);
    let height = rows.len() * (bar_h + gap) + 30;
    let mut s = format!(
        "<svg role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\
         <text x=\"0\" y=\"14\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        esc(title),
        esc(title)
    );
    for (i, (family, c)) in rows.iter().enumerate() {
        let y = 24 + i * (bar_h + gap);
        let total = c.cameras + c.recorders;
        let w = (total * (width - label_w - 50)) / max;
        let color = if c.watchlisted() > 0 {
            "#b3261e"
        } else {
            "#3b6ea5"
        };
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"{bar_h}\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{total}</text>",
            y + 13,
            esc(family),
            w.max(1),
            label_w + w + 6,
            y + 13
        );
    }
    s.push_str("</svg>");
    s
}

/// A self-contained HTML document.
pub fn html(r: &ReportData) -> String {
    let Census {
        overall: t,
        by_site_family: cells,
        ..
    } = tabulate(&r.census);
    let mut o = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Network camera census</title><style>\
         body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#1b1b1b;line-height:1.4}\
         table{border-collapse:collapse;margin:1rem 0;width:100%}\
         th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}\
         td.n{text-align:right}.totals{font-size:1.15rem}.watch{color:#b3261e;font-weight:bold}\
         @media print{body{margin:0;max-width:none}section{break-inside:avoid}a{color:inherit}}\
         </style></head><body>\n",
    );
    let _ = write!(
        o,
        "<h1>Network camera census</h1><p>Generated {} by camcensus.</p>\
         <p><strong>The question.</strong> {}</p>",
        esc(&r.now.to_string()),
        esc(QUESTION)
    );
    let _ = write!(
        o,
        "<section><h2>Answer</h2><ul class=\"totals\">\
         <li id=\"total-cameras\"><strong>{}</strong> cameras and <strong>{}</strong> recorders found \
         ({} other discovery devices not counted)</li>\
         <li id=\"total-watchlisted\" class=\"watch\">{} cameras and {} recorders from watchlisted makers</li>\
         <li>All IP-based; {} active, {} stale</li></ul></section>",
        t.cameras,
        t.recorders,
        t.other,
        t.watchlist_cameras,
        t.watchlist_recorders,
        t.active,
        t.stale
    );
    o.push_str("<section><h2>Method and limits</h2><ul>");
    for m in METHOD {
        let _ = write!(o, "<li>{}</li>", esc(m));
    }
    o.push_str("</ul></section><section><h2>Per site and maker</h2>");
    let mut by_site: BTreeMap<&str, Vec<(&str, Tally)>> = BTreeMap::new();
    for ((site, family), c) in &cells {
        by_site.entry(site).or_default().push((family, *c));
    }
    for (site, rows) in &by_site {
        o.push_str(&bar_chart(&format!("Site {site}"), rows));
    }
    o.push_str("<table><tr><th>Site</th><th>Family</th><th>Cameras</th><th>Recorders</th><th>Watchlisted</th></tr>");
    for ((site, family), c) in &cells {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(site),
            esc(family),
            c.cameras,
            c.recorders,
            c.watchlisted()
        );
    }
    o.push_str("</table></section><section><h2>Watchlisted devices</h2>");
    if r.watchlisted.is_empty() {
        o.push_str("<p>None found.</p>");
    } else {
        o.push_str("<table><tr><th>Id</th><th>Class</th><th>Family</th><th>Brand</th><th>Model</th><th>Site</th><th>Addresses</th><th>Why</th></tr>");
        for d in &r.watchlisted {
            let x = &d.device;
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                x.id,
                esc(&x.class),
                esc(&opt(&x.family)),
                esc(&opt(&x.brand)),
                esc(&opt(&x.model)),
                esc(&opt(&x.site)),
                esc(&x.addresses.join(" ")),
                esc(&why(d))
            );
        }
        o.push_str("</table>");
    }
    o.push_str("</section><section><h2>The watchlist</h2><table><tr><th>Entry</th><th>Reason</th><th>Reference</th></tr>");
    for w in &r.watchlist {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&watch_label(w)),
            esc(&w.reason),
            esc(&w.reference)
        );
    }
    o.push_str("</table></section>");
    if let Some(since) = r.since {
        let _ = write!(
            o,
            "<section><h2>Changes since {}</h2><ul>",
            esc(&since.to_string())
        );
        for c in &r.changes {
            let d = c.device.as_ref();
            let _ = write!(
                o,
                "<li>{} {}: device {} ({} {})</li>",
                esc(&c.at.to_string()),
                esc(&c.change),
                c.id,
                esc(&d
                    .and_then(|d| d.family.clone())
                    .unwrap_or_else(|| "-".into())),
                esc(&d
                    .and_then(|d| d.model.clone())
                    .unwrap_or_else(|| "-".into()))
            );
        }
        if r.changes.is_empty() {
            o.push_str("<li>None.</li>");
        }
        o.push_str("</ul></section>");
    }
    o.push_str("\n</body></html>\n");
    o
}
