//! Receive and drop counters (read by the API and metrics in later releases, logged now).

use std::collections::BTreeMap;

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
}

impl Stats {
    pub fn drop(&mut self, reason: &'static str) {
        *self.drops.entry(reason).or_default() += 1;
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
