//! `camcensus diff --since T`: which devices appeared, departed or changed since a time,
//! from the daemon's event log. Pure: events and devices in, rows out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::table::Table;
pub use crate::api::wire::DiffRow;
use crate::api::wire::{DeviceOut, EventOut, Time};

/// Net changes: a device that appeared in the period is `appeared` (whatever followed,
/// unless it also departed, then `departed`); one that departed is `departed`; any other
/// with `changed`, `restarted`, `conflict` or `stale` events is `changed`.
pub fn diff(events: &[EventOut], devices: &[DeviceOut]) -> Vec<DiffRow> {
    #[derive(Default)]
    struct Acc {
        appeared: Option<Time>,
        departed: Option<Time>,
        changed: Option<Time>,
        fields: BTreeSet<String>,
    }
    let mut per: BTreeMap<u64, Acc> = BTreeMap::new();
    for e in events {
        let Some(id) = e.device_id else { continue };
        let a = per.entry(id).or_default();
        match e.kind.as_str() {
            "appeared" => a.appeared = a.appeared.or(Some(e.at)),
            "departed" => a.departed = Some(e.at),
            "changed" | "restarted" | "conflict" | "stale" => {
                a.changed = Some(e.at);
                match e.detail.get("fields").and_then(|f| f.as_array()) {
                    Some(fields) => a
                        .fields
                        .extend(fields.iter().filter_map(|f| f.as_str()).map(str::to_string)),
                    None => {
                        a.fields.insert(e.kind.clone());
                    }
                }
            }
            _ => {}
        }
    }
    let by_id: HashMap<u64, &DeviceOut> = devices.iter().map(|d| (d.id, d)).collect();
    per.into_iter()
        .filter_map(|(id, a)| {
            let (change, at) = match (a.appeared, a.departed, a.changed) {
                (_, Some(t), _) => ("departed", t),
                (Some(t), None, _) => ("appeared", t),
                (None, None, Some(t)) => ("changed", t),
                (None, None, None) => return None,
            };
            let fields = if change == "changed" {
                a.fields.into_iter().collect()
            } else {
                Vec::new()
            };
            Some(DiffRow {
                change: change.to_string(),
                id,
                at,
                fields,
                device: by_id.get(&id).map(|d| (*d).clone()),
            })
        })
        .collect()
}

pub fn table(rows: &[DiffRow]) -> String {
    let mut t = Table::new(&[
        "CHANGE", "ID", "CLASS", "FAMILY", "MODEL", "ADDRESS", "SITE", "WHEN", "FIELDS",
    ]);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.change.as_str()).or_default() += 1;
        let d = r.device.as_ref();
        let opt = |f: fn(&DeviceOut) -> Option<String>| d.and_then(f).unwrap_or_else(|| "-".into());
        t.row(vec![
            r.change.clone(),
            r.id.to_string(),
            opt(|d| Some(d.class.clone())),
            opt(|d| d.family.clone()),
            opt(|d| d.model.clone()),
            opt(|d| d.addresses.first().cloned()),
            opt(|d| d.site.clone()),
            r.at.to_string(),
            r.fields.join(","),
        ]);
    }
    let mut out = t.render();
    let summary: Vec<String> = ["appeared", "departed", "changed"]
        .iter()
        .map(|k| format!("{} {k}", counts.get(k).copied().unwrap_or(0)))
        .collect();
    out.push_str(&summary.join(", "));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, id: u64, at: u64, detail: serde_json::Value) -> EventOut {
        EventOut {
            kind: kind.into(),
            at: Time(at),
            device_id: Some(id),
            detail,
            device: None,
        }
    }

    #[test]
    fn net_changes_per_device() {
        let events = vec![
            ev("appeared", 1, 10, serde_json::json!({})),
            ev("changed", 1, 20, serde_json::json!({"fields": ["xaddrs"]})),
            ev("changed", 2, 30, serde_json::json!({"fields": ["xaddrs"]})),
            ev("restarted", 2, 40, serde_json::json!({"instance_id": 3})),
            ev("appeared", 3, 50, serde_json::json!({})),
            ev("departed", 3, 60, serde_json::json!({})),
            ev("departed", 4, 70, serde_json::json!({})),
        ];
        let rows = diff(&events, &[]);
        let got: Vec<(&str, u64, Vec<String>)> = rows
            .iter()
            .map(|r| (r.change.as_str(), r.id, r.fields.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("appeared", 1, vec![]),
                (
                    "changed",
                    2,
                    vec!["restarted".to_string(), "xaddrs".to_string()]
                ),
                ("departed", 3, vec![]),
                ("departed", 4, vec![]),
            ]
        );
        assert!(table(&rows).ends_with("1 appeared, 2 departed, 1 changed\n"));
    }
}
