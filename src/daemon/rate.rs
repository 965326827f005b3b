//! Per-source token buckets, bounded: applied before parsing.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::store::Millis;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    max_sources: usize,
    buckets: HashMap<IpAddr, (f64, Millis)>,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32, max_sources: usize) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second),
            burst: f64::from(burst.max(1)),
            max_sources: max_sources.max(1),
            buckets: HashMap::new(),
        }
    }

    /// New rates and bound (on reload); buckets in flight keep their tokens.
    pub fn reconfigure(&mut self, per_second: u32, burst: u32, max_sources: usize) {
        self.per_second = f64::from(per_second);
        self.burst = f64::from(burst.max(1));
        self.max_sources = max_sources.max(1);
    }

    /// Take one token for `source`; false when its bucket is empty.
    pub fn allow(&mut self, source: IpAddr, now: Millis) -> bool {
        if !self.buckets.contains_key(&source) && self.buckets.len() >= self.max_sources {
            self.evict(now);
        }
        let (per_second, burst) = (self.per_second, self.burst);
        let (tokens, at) = self.buckets.entry(source).or_insert((burst, now));
        let elapsed = now.saturating_sub(*at) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Make room: drop buckets that have refilled completely (they carry no state), or
    /// any one bucket if none has.
    fn evict(&mut self, now: Millis) {
        let full_after = ((self.burst / self.per_second.max(1e-9)) * 1000.0) as Millis;
        self.buckets
            .retain(|_, (_, at)| now.saturating_sub(*at) < full_after);
        if self.buckets.len() >= self.max_sources {
            if let Some(k) = self.buckets.keys().next().copied() {
                self.buckets.remove(&k);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut r = RateLimiter::new(10, 5, 100);
        assert_eq!((0..10).filter(|_| r.allow(ip, 0)).count(), 5);
        assert!(!r.allow(ip, 50));
        assert!(r.allow(ip, 100), "one token after 100 ms at 10/s");
        assert!(
            r.allow("10.0.0.2".parse().expect("ip"), 100),
            "other sources unaffected"
        );
    }

    #[test]
    fn bounded() {
        let mut r = RateLimiter::new(10, 5, 3);
        for i in 0..100u8 {
            assert!(r.allow(IpAddr::from([10, 0, 1, i]), 0));
        }
        assert!(r.len() <= 3);
    }
}
