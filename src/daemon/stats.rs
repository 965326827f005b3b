//! Receive and drop counters, read by the API (`stats`, `health`) and logged periodically.

use std::collections::{BTreeMap, BTreeSet};

use crate::store::Millis;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfaceStats {
    pub datagrams: u64,
    pub bytes: u64,
    pub last_heard: Millis,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub interfaces: BTreeMap<String, InterfaceStats>,
    /// Dropped datagrams by reason: parse error kinds, `truncated`, `rate_limited`.
    pub drops: BTreeMap<&'static str, u64>,
    pub accepted: u64,
    pub recv_errors: u64,
    pub flushes: u64,
    pub last_flush: Millis,
    pub flush_errors: u64,
    pub last_flush_error: Millis,
    /// Interfaces whose groups are joined now.
    pub joined: BTreeSet<String>,
    /// Interfaces an `interface_silent` alarm was raised for (until heard again).
    pub silent: BTreeSet<String>,
}

impl Stats {
    pub fn drop(&mut self, reason: &'static str) {
        *self.drops.entry(reason).or_default() += 1;
    }

    /// Joined interfaces heard from before but silent for `after` (each reported once
    /// until heard again), with when they were last heard. `after` zero: never.
    pub fn newly_silent(&mut self, now: Millis, after: Millis) -> Vec<(String, Millis)> {
        if after == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, i) in &self.interfaces {
            let silent = now.saturating_sub(i.last_heard) >= after;
            if !silent {
                self.silent.remove(name);
            } else if self.joined.contains(name) && self.silent.insert(name.clone()) {
                out.push((name.clone(), i.last_heard));
            }
        }
        out
    }

    pub fn heard(&mut self, interface: &str, bytes: usize, now: Millis) {
        let s = match self.interfaces.get_mut(interface) {
            Some(s) => s,
            None => self.interfaces.entry(interface.to_string()).or_default(),
        };
        s.datagrams += 1;
        s.bytes += bytes as u64;
        s.last_heard = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_interfaces_alarm_once_until_heard_again() {
        let mut s = Stats::default();
        s.joined.insert("vlan10".into());
        s.joined.insert("vlan20".into());
        s.heard("vlan10", 100, 1_000);
        s.heard("gone0", 100, 1_000);
        assert!(s.newly_silent(5_000, 10_000).is_empty());
        assert_eq!(
            s.newly_silent(11_000, 10_000),
            [("vlan10".to_string(), 1_000)]
        );
        assert!(s.newly_silent(20_000, 10_000).is_empty(), "raised once");
        s.heard("vlan10", 100, 21_000);
        assert!(s.newly_silent(22_000, 10_000).is_empty());
        assert_eq!(s.newly_silent(31_000, 10_000).len(), 1, "silent again");
        assert!(s.newly_silent(99_000, 0).is_empty(), "zero disables");
    }
}
