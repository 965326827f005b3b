//! The hand-off between the receive threads and the ingest task: owned datagrams in a queue
//! bounded in bytes (`listen.queue_size`). A receive thread only copies each datagram in and
//! goes back to `recvmsg`, so the kernel's socket buffer empties at receive speed while the
//! ingest task parses on another core. A datagram that does not fit is dropped and counted
//! (`queue_full`); buffers are recycled so the receive threads rarely allocate.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::store::Millis;

/// One received datagram, owned.
#[derive(Debug)]
pub struct Datagram {
    pub bytes: Vec<u8>,
    pub source: IpAddr,
    /// Arrival interface index (0 when the kernel did not say).
    pub ifindex: u32,
    /// The datagram was larger than the receive buffer (MSG_TRUNC).
    pub truncated: bool,
    /// When the receive thread read it (ms since the epoch).
    pub at: Millis,
}

/// Where a datagram came from, as the receive thread saw it.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub source: IpAddr,
    pub ifindex: u32,
    pub truncated: bool,
    pub at: Millis,
}

/// Bytes charged per queued datagram on top of its buffer (the queue slot).
const OVERHEAD: usize = std::mem::size_of::<Datagram>();
/// Spare buffers kept for reuse.
pub const POOL_MAX: usize = 1_024;
/// Buffers larger than this are freed rather than kept for reuse.
pub const POOL_BUFFER_MAX: usize = 4_096;

/// Counters the ingest task moves into `Stats` (since the previous `take`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Datagrams dropped because the queue was full.
    pub full: u64,
    /// Failed `recvmsg` calls (other than timeouts).
    pub recv_errors: u64,
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<Datagram>,
    bytes: usize,
    pool: Vec<Vec<u8>>,
    counts: QueueCounts,
}

pub struct DatagramQueue {
    inner: Mutex<Inner>,
    max_bytes: usize,
    ready: Notify,
}

impl DatagramQueue {
    pub fn new(max_bytes: usize) -> DatagramQueue {
        DatagramQueue {
            inner: Mutex::new(Inner::default()),
            max_bytes,
            ready: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a copy of `data`; false (and counted as `queue_full`) when it does not fit.
    pub fn push(&self, data: &[u8], meta: Meta) -> bool {
        let mut g = self.lock();
        let room = self.max_bytes.saturating_sub(g.bytes);
        let fits = |capacity: usize| capacity.max(data.len()) + OVERHEAD <= room;
        let mut bytes = match g.pool.pop() {
            Some(b) if fits(b.capacity()) => b,
            pooled => {
                g.pool.extend(pooled);
                if !fits(data.len()) {
                    g.counts.full += 1;
                    return false;
                }
                Vec::with_capacity(data.len())
            }
        };
        bytes.clear();
        bytes.extend_from_slice(data);
        let was_empty = g.queue.is_empty();
        g.bytes += bytes.capacity() + OVERHEAD;
        g.queue.push_back(Datagram {
            bytes,
            source: meta.source,
            ifindex: meta.ifindex,
            truncated: meta.truncated,
            at: meta.at,
        });
        drop(g);
        if was_empty {
            self.ready.notify_one();
        }
        true
    }

    /// Count a failed receive (read by the ingest task with the next batch).
    pub fn recv_error(&self) {
        self.lock().counts.recv_errors += 1;
    }

    /// Move up to `max` datagrams into `out`, give the buffers in `spent` back for reuse,
    /// and return the counters accumulated since the previous call. One lock per batch.
    pub fn take(
        &self,
        out: &mut Vec<Datagram>,
        max: usize,
        spent: &mut Vec<Vec<u8>>,
    ) -> QueueCounts {
        let mut g = self.lock();
        let g = &mut *g;
        for b in spent.drain(..) {
            if g.pool.len() < POOL_MAX && b.capacity() <= POOL_BUFFER_MAX {
                g.pool.push(b);
            }
        }
        let n = max.min(g.queue.len());
        for d in g.queue.drain(..n) {
            g.bytes = g.bytes.saturating_sub(d.bytes.capacity() + OVERHEAD);
            out.push(d);
        }
        std::mem::take(&mut g.counts)
    }

    /// Resolves once a datagram is queued into an empty queue (or was since the last wait).
    pub async fn ready(&self) {
        self.ready.notified().await
    }

    /// Bytes charged now (datagrams queued).
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(at: Millis) -> Meta {
        Meta {
            source: IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)),
            ifindex: 2,
            truncated: false,
            at,
        }
    }

    #[test]
    fn datagrams_come_out_in_order_with_their_metadata() {
        let q = DatagramQueue::new(1 << 20);
        assert!(q.push(b"one", meta(1)));
        assert!(q.push(b"two", meta(2)));
        let (mut out, mut spent) = (Vec::new(), Vec::new());
        assert_eq!(q.take(&mut out, 10, &mut spent), QueueCounts::default());
        let got: Vec<(&[u8], Millis, u32)> = out
            .iter()
            .map(|d| (d.bytes.as_slice(), d.at, d.ifindex))
            .collect();
        assert_eq!(got, [(&b"one"[..], 1, 2), (&b"two"[..], 2, 2)]);
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn a_full_queue_drops_and_counts_queue_full() {
        let q = DatagramQueue::new(2 * (100 + OVERHEAD));
        let data = [7u8; 100];
        assert!(q.push(&data, meta(1)));
        assert!(q.push(&data, meta(2)));
        assert!(!q.push(&data, meta(3)), "over the byte bound");
        assert!(!q.push(&data, meta(4)));
        q.recv_error();
        let (mut out, mut spent) = (Vec::new(), Vec::new());
        let counts = q.take(&mut out, 1, &mut spent);
        assert_eq!(
            counts,
            QueueCounts {
                full: 2,
                recv_errors: 1
            }
        );
        assert_eq!(out.len(), 1, "at most `max` per take");
        assert!(q.push(&data, meta(5)), "room again after a take");
        assert_eq!(q.take(&mut out, 10, &mut spent), QueueCounts::default());
        let ats: Vec<Millis> = out.iter().map(|d| d.at).collect();
        assert_eq!(ats, [1, 2, 5]);
    }

    #[test]
    fn spent_buffers_are_reused_and_big_ones_freed() {
        let q = DatagramQueue::new(1 << 20);
        let mut spent = vec![Vec::with_capacity(2_000), vec![0; POOL_BUFFER_MAX + 1]];
        let mut out = Vec::new();
        q.take(&mut out, 10, &mut spent);
        assert!(spent.is_empty());
        assert!(q.push(b"x", meta(1)));
        q.take(&mut out, 10, &mut spent);
        assert_eq!(out[0].bytes, b"x");
        assert_eq!(
            out[0].bytes.capacity(),
            2_000,
            "the pooled buffer was reused"
        );
    }

    #[test]
    fn the_bound_charges_buffer_capacity() {
        // Room for 2,000 bytes: a pooled 3,000-byte buffer would not fit.
        let q = DatagramQueue::new(2_000 + OVERHEAD);
        let mut spent = vec![Vec::with_capacity(3_000)];
        q.take(&mut Vec::new(), 0, &mut spent);
        assert!(
            q.push(b"small", meta(1)),
            "an exact buffer instead of the pooled one"
        );
        let mut out = Vec::new();
        q.take(&mut out, 10, &mut spent);
        assert_eq!(out[0].bytes.capacity(), 5);
        let big = [0u8; 2_001];
        assert!(
            !q.push(&big, meta(2)),
            "over the bound even with an exact buffer"
        );
    }
}
