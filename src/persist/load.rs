//! Loading the inventory at start-up.

use std::collections::HashMap;
use std::net::IpAddr;

use rusqlite::Row;
use serde_json::Value;

use super::{Db, PersistError};
use crate::identify::{Identifier, Mac};
use crate::store::{
    epr_unless_key, ConflictKind, Device, KindCounts, Millis, Prober, Seen, SmallMap, Status,
    Verdict,
};

/// An event as read back from the log (`detail` is JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub at: Millis,
    pub device_id: Option<u64>,
    pub kind: String,
    pub detail: String,
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn list(text: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(v)) => v
            .into_iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn conflicts(text: &str) -> SmallMap<ConflictKind, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| {
                Some((
                    ConflictKind::parse(&k)?,
                    v.as_str().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        _ => Default::default(),
    }
}

fn seen(first: i64, last: i64, count: i64) -> Seen {
    Seen {
        first: u(first),
        last: u(last),
        count: u(count),
    }
}

fn device(r: &Row<'_>) -> rusqlite::Result<Device> {
    let app = match (
        r.get::<_, Option<i64>>("app_instance")?,
        r.get::<_, Option<i64>>("app_message")?,
    ) {
        (Some(a), Some(b)) => Some((u(a), u(b))),
        _ => None,
    };
    let key: String = r.get("epr_key")?;
    let epr: String = r.get("epr")?;
    Ok(Device {
        id: u(r.get("id")?),
        epr_if_not_key: epr_unless_key(&epr, &key),
        key: key.into(),
        types: list(&r.get::<_, String>("types")?).join(" "),
        scopes: list(&r.get::<_, String>("scopes")?).join(" "),
        xaddrs: list(&r.get::<_, String>("xaddrs")?).join(" "),
        metadata_version: r.get("metadata_version")?,
        macs: list(&r.get::<_, String>("macs")?)
            .iter()
            .filter_map(|m| Mac::parse(m))
            .collect(),
        verdict: Verdict::unknown(),
        addresses: Default::default(),
        interfaces: Default::default(),
        seen: seen(
            r.get("first_seen")?,
            r.get("last_seen")?,
            r.get("seen_count")?,
        ),
        counts: KindCounts {
            hello: u(r.get("hello_count")?),
            bye: u(r.get("bye_count")?),
            probe_match: u(r.get("probe_match_count")?),
            resolve_match: u(r.get("resolve_match_count")?),
        },
        app_sequence: app,
        restarts: u(r.get("restarts")?),
        status: Status::parse(&r.get::<_, String>("status")?).unwrap_or(Status::Active),
        conflicts: conflicts(&r.get::<_, String>("conflicts")?),
        site: None,
        off_subnet: false,
        site_pinned: false,
    })
}

impl Db {
    /// Every device (verdicts re-derived with `identifier`) and every prober.
    pub fn load(
        &self,
        identifier: &Identifier,
    ) -> Result<(Vec<Device>, Vec<Prober>), PersistError> {
        self.load_inner(identifier).map_err(|e| self.err(e))
    }

    fn load_inner(&self, identifier: &Identifier) -> rusqlite::Result<(Vec<Device>, Vec<Prober>)> {
        let mut devices: HashMap<u64, Device> = HashMap::new();
        let mut stmt = self.conn.prepare("SELECT * FROM devices")?;
        for d in stmt.query_map([], device)? {
            let mut d = d?;
            d.verdict = identifier.identify(&d.endpoint()).verdict;
            devices.insert(d.id, d);
        }
        let mut stmt = self.conn.prepare(
            "SELECT device_id, address, first_seen, last_seen, count FROM device_addresses",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (Some(d), Ok(ip)) = (
                devices.get_mut(&u(r.get(0)?)),
                r.get::<_, String>(1)?.parse::<IpAddr>(),
            ) else {
                continue;
            };
            d.addresses
                .insert(ip, seen(r.get(2)?, r.get(3)?, r.get(4)?));
        }
        let mut stmt = self.conn.prepare(
            "SELECT device_id, interface, first_seen, last_seen, count FROM device_interfaces",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(d) = devices.get_mut(&u(r.get(0)?)) {
                d.interfaces
                    .insert(r.get(1)?, seen(r.get(2)?, r.get(3)?, r.get(4)?));
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT address, interface, first_seen, last_seen, count, probes, resolves FROM probers")?;
        let mut probers = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Ok(address) = r.get::<_, String>(0)?.parse::<IpAddr>() else {
                continue;
            };
            probers.push(Prober {
                address,
                interface: r.get(1)?,
                seen: seen(r.get(2)?, r.get(3)?, r.get(4)?),
                probes: u(r.get(5)?),
                resolves: u(r.get(6)?),
            });
        }
        let mut devices: Vec<Device> = devices.into_values().collect();
        devices.sort_by_key(|d| d.id);
        Ok((devices, probers))
    }

    /// Events since `since` (ms), oldest first, at most `limit`.
    pub fn events_since(
        &self,
        since: Millis,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PersistError> {
        self.events(since, None, limit, false)
    }

    /// Events at or after `since`, of one device or all, oldest first; at most `limit`,
    /// the oldest ones or (`newest`) the most recent ones.
    pub fn events(
        &self,
        since: Millis,
        device: Option<u64>,
        limit: usize,
        newest: bool,
    ) -> Result<Vec<StoredEvent>, PersistError> {
        let sql = if newest {
            "SELECT at, device_id, kind, detail FROM events WHERE at >= ?1 \
             AND (?2 IS NULL OR device_id = ?2) ORDER BY id DESC LIMIT ?3"
        } else {
            "SELECT at, device_id, kind, detail FROM events WHERE at >= ?1 \
             AND (?2 IS NULL OR device_id = ?2) ORDER BY id LIMIT ?3"
        };
        let run = || -> rusqlite::Result<_> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map(
                rusqlite::params![
                    i64::try_from(since).unwrap_or(i64::MAX),
                    device.map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                ],
                |r| {
                    Ok(StoredEvent {
                        at: u(r.get(0)?),
                        device_id: r.get::<_, Option<i64>>(1)?.map(u),
                        kind: r.get(2)?,
                        detail: r.get(3)?,
                    })
                },
            )?;
            rows.collect::<rusqlite::Result<Vec<StoredEvent>>>()
        };
        let mut events = run().map_err(|e| self.err(e))?;
        if newest {
            events.reverse();
        }
        Ok(events)
    }
}
