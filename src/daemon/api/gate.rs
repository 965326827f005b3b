//! The API's share of the store lock. Every query reads the store through [`Gate::with`],
//! which runs one short critical section and then keeps all API tasks off the lock for
//! long enough that queries hold it at most `share` of the time. However many clients
//! query in a loop, the ingest path keeps the rest.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::daemon::ingest::{lock, Shared};

pub struct Gate {
    /// Pause after a hold of `t`: `t * pause_ratio`.
    pause_ratio: f64,
    /// No API task takes the lock before this instant.
    next: Mutex<Instant>,
}

impl Gate {
    /// `share` in (0, 1]: the largest fraction of time API queries may hold the lock.
    pub fn new(share: f64) -> Gate {
        let share = share.clamp(0.01, 1.0);
        Gate {
            pause_ratio: (1.0 - share) / share,
            next: Mutex::new(Instant::now()),
        }
    }

    fn next(&self) -> Instant {
        *self.next.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for the API's turn, then run `f` under the store lock. The API runs on one
    /// current-thread runtime, so the check and the critical section happen without
    /// another API task in between.
    pub async fn with<T>(&self, shared: &Mutex<Shared>, f: impl FnOnce(&Shared) -> T) -> T {
        loop {
            let wait = self.next().saturating_duration_since(Instant::now());
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let started = Instant::now();
        let out = f(&lock(shared));
        let held = started.elapsed();
        let pause = Duration::from_secs_f64(held.as_secs_f64() * self.pause_ratio);
        *self.next.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now() + pause;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_one_never_pauses_and_a_half_pauses_as_long_as_it_held() {
        assert_eq!(Gate::new(1.0).pause_ratio, 0.0);
        assert!((Gate::new(0.5).pause_ratio - 1.0).abs() < 1e-9);
        assert!((Gate::new(0.25).pause_ratio - 3.0).abs() < 1e-9);
        assert!(Gate::new(0.0).pause_ratio.is_finite(), "clamped");
    }
}
