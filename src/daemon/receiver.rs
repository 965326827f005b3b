//! The receive path: one drain thread per socket (blocking `recvmsg` into the bounded
//! [`DatagramQueue`]) and one ingest task that takes datagrams in batches and hands each to
//! [`Ingest::handle`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socket2::Socket;
use tokio_util::sync::CancellationToken;

use super::ingest::{lock, Ingest};
use super::listener::Names;
use super::now_ms;
use super::queue::{DatagramQueue, Meta, QueueCounts};
use crate::net::recv;

/// How long a drain thread waits in `recvmsg` before it looks at the shutdown token
/// (the socket's SO_RCVTIMEO).
pub const RECV_POLL: Duration = Duration::from_millis(200);
/// Datagrams the ingest task takes from the queue at once.
pub const BATCH: usize = 256;
/// Pause after a failed `recvmsg`, so a persistent error does not spin a core.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// Receive until `shutdown` is cancelled (seen within [`RECV_POLL`]). Runs on its own
/// thread: it only copies datagrams into the queue. Errors are counted, never fatal.
pub fn drain(
    socket: &Socket,
    queue: &DatagramQueue,
    max_datagram: usize,
    shutdown: &CancellationToken,
) {
    let mut buf = vec![0u8; max_datagram.max(1)];
    let mut cmsg = recv::cmsg_buffer();
    while !shutdown.is_cancelled() {
        match recv::recv_wait(socket, &mut buf, &mut cmsg) {
            Ok(r) => {
                let meta = Meta {
                    source: r.source.ip(),
                    ifindex: r.ifindex,
                    truncated: r.truncated,
                    at: now_ms(),
                };
                queue.push(&buf[..r.len.min(buf.len())], meta);
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => {
                queue.recv_error();
                std::thread::sleep(ERROR_PAUSE);
            }
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{Interrupted, TimedOut, WouldBlock};
    matches!(e.kind(), WouldBlock | TimedOut | Interrupted)
}

/// Take datagrams in batches and ingest them until `shutdown` is cancelled and the queue
/// is empty (what was received before the shutdown is still applied, then flushed).
/// Beats `heartbeat` at least every second while alive.
pub async fn ingest_loop(
    ingest: Arc<Ingest>,
    queue: Arc<DatagramQueue>,
    names: Names,
    heartbeat: Arc<AtomicU64>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut spent = Vec::with_capacity(BATCH);
    loop {
        heartbeat.store(now_ms(), Ordering::Relaxed);
        let counts = queue.take(&mut batch, BATCH, &mut spent);
        note(&ingest, counts);
        if batch.is_empty() {
            if shutdown.is_cancelled() {
                return;
            }
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = queue.ready() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        for d in batch.drain(..) {
            let name = interface_name(&names, d.ifindex);
            ingest.handle(&d.bytes, d.source, &name, d.truncated, d.at);
            spent.push(d.bytes);
        }
        tokio::task::yield_now().await;
    }
}

fn note(ingest: &Ingest, counts: QueueCounts) {
    if counts == QueueCounts::default() {
        return;
    }
    let mut s = lock(&ingest.shared);
    if counts.full > 0 {
        *s.stats.drops.entry("queue_full").or_default() += counts.full;
    }
    s.stats.recv_errors += counts.recv_errors;
}

fn interface_name(names: &Names, ifindex: u32) -> Arc<str> {
    names
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&ifindex)
        .cloned()
        .unwrap_or_else(|| Arc::from(format!("if{ifindex}").as_str()))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
    use std::time::Instant;

    use socket2::{Domain, Protocol, Type};

    use super::*;

    #[test]
    fn a_drain_thread_queues_what_arrives_and_stops_on_the_token() {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).expect("socket");
        let any: SocketAddr = (Ipv4Addr::LOCALHOST, 0).into();
        socket.bind(&any.into()).expect("bind");
        socket.set_read_timeout(Some(RECV_POLL)).expect("timeout");
        let to = socket.local_addr().expect("addr").as_socket().expect("ip");
        let queue = Arc::new(DatagramQueue::new(1 << 20));
        let shutdown = CancellationToken::new();
        let thread = {
            let (queue, shutdown) = (queue.clone(), shutdown.clone());
            std::thread::spawn(move || drain(&socket, &queue, 8, &shutdown))
        };
        let sender = UdpSocket::bind(any).expect("sender");
        sender.send_to(b"hello", to).expect("send");
        sender
            .send_to(b"a datagram over 8 bytes", to)
            .expect("send");
        let (mut got, mut spent) = (Vec::new(), Vec::new());
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.len() < 2 && Instant::now() < deadline {
            queue.take(&mut got, 10, &mut spent);
            std::thread::sleep(Duration::from_millis(5));
        }
        shutdown.cancel();
        thread.join().expect("the drain thread stops cleanly");
        let seen: Vec<(&[u8], bool)> = got
            .iter()
            .map(|d| (d.bytes.as_slice(), d.truncated))
            .collect();
        assert_eq!(seen, [(&b"hello"[..], false), (&b"a datagr"[..], true)]);
        assert_eq!(got[0].source, IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
}
