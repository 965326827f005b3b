//! A time-bounded, size-bounded window of recently seen (MessageID, source) pairs.
//!
//! SOAP-over-UDP repeats each multicast message up to 4 times within about a second, and a
//! multi-homed listener can receive one datagram on two interfaces. Both count once.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::model::Millis;

pub struct DedupWindow {
    window: Millis,
    max_entries: usize,
    seen: HashMap<(String, IpAddr), Millis>,
    order: VecDeque<(Millis, String, IpAddr)>,
}

impl DedupWindow {
    pub fn new(window: Millis, max_entries: usize) -> DedupWindow {
        DedupWindow {
            window,
            max_entries: max_entries.max(1),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// True if this pair was seen within the window; records it otherwise.
    pub fn is_repeat(&mut self, message_id: &str, source: IpAddr, now: Millis) -> bool {
        self.expire(now);
        let key = (message_id.to_string(), source);
        if self.seen.contains_key(&key) {
            return true;
        }
        while self.seen.len() >= self.max_entries {
            self.pop_oldest();
        }
        self.order.push_back((now, key.0.clone(), source));
        self.seen.insert(key, now);
        false
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    fn expire(&mut self, now: Millis) {
        while let Some((at, _, _)) = self.order.front() {
            if now.saturating_sub(*at) < self.window {
                break;
            }
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, id, source)) = self.order.pop_front() {
            self.seen.remove(&(id, source));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn repeats_within_the_window_only() {
        let mut d = DedupWindow::new(1_000, 100);
        assert!(!d.is_repeat("m1", A, 0));
        assert!(d.is_repeat("m1", A, 500));
        assert!(
            !d.is_repeat("m1", B, 500),
            "another source is another message"
        );
        assert!(!d.is_repeat("m1", A, 1_000), "expired after the window");
    }

    #[test]
    fn bounded_by_entries() {
        let mut d = DedupWindow::new(1_000_000, 3);
        for i in 0..10 {
            assert!(!d.is_repeat(&format!("m{i}"), A, i));
        }
        assert_eq!(d.len(), 3);
        assert!(d.is_repeat("m9", A, 20));
        assert!(!d.is_repeat("m0", A, 20), "evicted when full");
    }
}
