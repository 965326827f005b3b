//! `camcensus summary` without `--by`: the census on one screen, for people who will not
//! read JSON. Built from one `summary` grouped by [`CENSUS_KEYS`]; pure.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::table::Table;
use crate::api::wire::{GroupKey, GroupOut, SummaryOut, Time};

/// The grouping the census is computed from, in this order.
pub const CENSUS_KEYS: [GroupKey; 5] = [
    GroupKey::Site,
    GroupKey::Class,
    GroupKey::Family,
    GroupKey::Status,
    GroupKey::Confidence,
];

/// Counts for one row of the census (a family, a site, a site and family, or everything).
/// Only cameras and recorders count as active, stale or departed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub cameras: usize,
    pub recorders: usize,
    pub other: usize,
    pub watchlist_cameras: usize,
    pub watchlist_recorders: usize,
    pub active: usize,
    pub stale: usize,
    pub departed: usize,
}

impl Tally {
    fn add(&mut self, g: &GroupOut, class: &str, status: &str) {
        match class {
            "camera" => {
                self.cameras += g.count;
                self.watchlist_cameras += g.watchlist;
            }
            "recorder" => {
                self.recorders += g.count;
                self.watchlist_recorders += g.watchlist;
            }
            _ => self.other += g.count,
        }
        if matches!(class, "camera" | "recorder") {
            match status {
                "active" => self.active += g.count,
                "stale" => self.stale += g.count,
                _ => self.departed += g.count,
            }
        }
    }

    /// Watchlisted cameras and recorders.
    pub fn watchlisted(&self) -> usize {
        self.watchlist_cameras + self.watchlist_recorders
    }
}

fn key(g: &GroupOut, i: usize) -> &str {
    g.key.get(i).and_then(|k| k.as_deref()).unwrap_or("-")
}

/// A summary grouped by [`CENSUS_KEYS`], tallied every way the census and the report show
/// it. Family tallies hold cameras and recorders only; site tallies also count "other".
#[derive(Debug, Default)]
pub struct Census<'s> {
    pub overall: Tally,
    pub by_family: BTreeMap<&'s str, Tally>,
    pub by_site: BTreeMap<&'s str, Tally>,
    pub by_site_family: BTreeMap<(&'s str, &'s str), Tally>,
    /// Cameras and recorders per confidence.
    pub confidence: BTreeMap<&'s str, usize>,
}

pub fn tabulate(summary: &SummaryOut) -> Census<'_> {
    let mut c = Census::default();
    for g in &summary.groups {
        let (site, class, family, status) = (key(g, 0), key(g, 1), key(g, 2), key(g, 3));
        c.overall.add(g, class, status);
        c.by_site.entry(site).or_default().add(g, class, status);
        if matches!(class, "camera" | "recorder") {
            c.by_family.entry(family).or_default().add(g, class, status);
            c.by_site_family
                .entry((site, family))
                .or_default()
                .add(g, class, status);
            *c.confidence.entry(key(g, 4)).or_default() += g.count;
        }
    }
    c
}

/// The census text. `summary` must be grouped by [`CENSUS_KEYS`].
pub fn render(summary: &SummaryOut, now: Time) -> String {
    let Census {
        overall,
        by_family: families,
        by_site: sites,
        confidence,
        ..
    } = tabulate(summary);
    let mut out = format!("Camera census at {now}\n\n");
    let o = overall;
    let _ = writeln!(
        out,
        "Overall: {} cameras, {} recorders (NVR/DVR), and {} other discovery devices (hosts, \
         printers, other ONVIF devices: not counted as cameras).",
        o.cameras, o.recorders, o.other
    );
    let _ = writeln!(
        out,
        "Watchlisted makers (US NDAA s.889 / FCC Covered List families): {} cameras, {} recorders.",
        o.watchlist_cameras, o.watchlist_recorders
    );
    let _ = writeln!(
        out,
        "All of them are IP-based: every device here announced itself over the network \
         (WS-Discovery/ONVIF)."
    );
    let _ = writeln!(
        out,
        "Cameras and recorders: {} active, {} stale (silent for store.stale_after), {} departed.",
        o.active, o.stale, o.departed
    );
    let spread: Vec<String> = ["high", "medium", "low", "unknown"]
        .iter()
        .map(|c| format!("{c} {}", confidence.get(c).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(out, "Identification confidence: {}.", spread.join(", "));

    out.push_str("\nBy maker family (cameras and recorders)\n");
    let mut rows: Vec<(&&str, &Tally)> = families.iter().collect();
    rows.sort_by_key(|(_, x)| std::cmp::Reverse(x.cameras + x.recorders));
    let mut t = Table::new(&[
        "FAMILY",
        "CAMERAS",
        "RECORDERS",
        "WATCHLIST",
        "ACTIVE",
        "STALE",
    ]);
    for (f, x) in rows {
        t.row(vec![
            f.to_string(),
            x.cameras.to_string(),
            x.recorders.to_string(),
            if x.watchlist_cameras + x.watchlist_recorders > 0 {
                "yes".into()
            } else {
                String::new()
            },
            x.active.to_string(),
            x.stale.to_string(),
        ]);
    }
    out.push_str(&indent(&t.render()));

    out.push_str("\nBy site\n");
    let mut t = Table::new(&[
        "SITE",
        "CAMERAS",
        "RECORDERS",
        "WATCHLISTED CAMERAS",
        "WATCHLISTED RECORDERS",
        "OTHER",
    ]);
    for (s, x) in &sites {
        t.row(vec![
            s.to_string(),
            x.cameras.to_string(),
            x.recorders.to_string(),
            x.watchlist_cameras.to_string(),
            x.watchlist_recorders.to_string(),
            x.other.to_string(),
        ]);
    }
    out.push_str(&indent(&t.render()));
    out.push_str(
        "\nA passive census is a lower bound: cameras in non-discoverable mode and analogue \
         cameras behind a DVR are not seen (the DVR is, as a recorder). Family \"-\" means not \
         identified; site \"-\" means no [[sites]] entry matched.\n",
    );
    out
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
