//! Group memberships across sockets, kept in step with the interfaces, and the receive loops.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use socket2::SockRef;
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::ingest::{lock, Ingest};
use super::now_ms;
use crate::config::ListenConfig;
use crate::net::interfaces::{self, Interface};
use crate::net::recv;
use crate::net::socket::{self, Family};

/// Interface index -> name, read by the receive loops.
pub type Names = Arc<RwLock<HashMap<u32, Arc<str>>>>;

struct Slot {
    family: Family,
    socket: Arc<UdpSocket>,
    members: BTreeSet<u32>,
}

pub struct Listener {
    cfg: ListenConfig,
    shard: usize,
    slots: Vec<Slot>,
    /// Joined interfaces: index -> (name, addresses when joined).
    joined: HashMap<u32, (String, Vec<IpAddr>)>,
    pub names: Names,
}

/// A socket that needs a receive loop.
pub struct NewSocket {
    pub socket: Arc<UdpSocket>,
}

impl Listener {
    pub fn new(cfg: ListenConfig) -> Listener {
        let shard = match cfg.max_memberships_per_socket {
            0 => socket::max_memberships(),
            n => n,
        };
        Listener {
            cfg,
            shard,
            slots: Vec::new(),
            joined: HashMap::new(),
            names: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    pub fn joined(&self) -> usize {
        self.joined.len()
    }

    /// Names of the joined interfaces.
    pub fn joined_names(&self) -> BTreeSet<String> {
        self.joined.values().map(|(n, _)| n.clone()).collect()
    }

    /// Join newly wanted interfaces, leave vanished ones, re-join those whose addresses
    /// changed. Returns sockets created on the way (each needs a receive loop).
    pub fn reconcile(&mut self, scan: &[Interface]) -> std::io::Result<Vec<NewSocket>> {
        let wanted = interfaces::select(scan, &self.cfg.interfaces, &self.cfg.exclude);
        let mut created = Vec::new();
        let gone: Vec<u32> = self
            .joined
            .keys()
            .filter(|i| !wanted.iter().any(|w| w.index == **i))
            .copied()
            .collect();
        for index in gone {
            let (name, _) = self.joined.remove(&index).unwrap_or_default();
            self.leave_all(index);
            info!(
                interface = name,
                index, "interface gone: left the WS-Discovery groups"
            );
        }
        for i in wanted {
            let addrs: Vec<IpAddr> =
                i.v4.iter()
                    .map(|a| IpAddr::V4(*a))
                    .chain(i.v6.iter().map(|a| IpAddr::V6(*a)))
                    .collect();
            match self.joined.get(&i.index) {
                Some((_, old)) if *old == addrs => continue,
                Some(_) => {
                    self.leave_all(i.index);
                    info!(
                        interface = i.name,
                        "interface addresses changed: re-joining"
                    );
                }
                None => {}
            }
            self.names
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(i.index, Arc::from(i.name.as_str()));
            for family in self.families() {
                if let Some(new) = self.join(family, i)? {
                    created.push(new);
                }
            }
            self.joined.insert(i.index, (i.name.clone(), addrs));
        }
        Ok(created)
    }

    fn families(&self) -> Vec<Family> {
        let mut f = Vec::new();
        if self.cfg.ipv4 {
            f.push(Family::V4);
        }
        if self.cfg.ipv6 {
            f.push(Family::V6);
        }
        f
    }

    fn join(&mut self, family: Family, i: &Interface) -> std::io::Result<Option<NewSocket>> {
        let mut created = None;
        let slot = match self
            .slots
            .iter()
            .position(|s| s.family == family && s.members.len() < self.shard)
        {
            Some(n) => n,
            None => {
                let (s, effective) = socket::bind(
                    family,
                    self.cfg.port,
                    usize::try_from(self.cfg.receive_buffer).unwrap_or(usize::MAX),
                )?;
                let socket = Arc::new(UdpSocket::from_std(s.into())?);
                info!(
                    family = family.as_str(),
                    port = self.cfg.port,
                    receive_buffer = effective,
                    "socket bound"
                );
                if (effective as u64) < self.cfg.receive_buffer.saturating_mul(2) {
                    warn!(
                        requested = self.cfg.receive_buffer,
                        effective, "receive buffer capped by net.core.rmem_max"
                    );
                }
                created = Some(NewSocket {
                    socket: socket.clone(),
                });
                self.slots.push(Slot {
                    family,
                    socket,
                    members: BTreeSet::new(),
                });
                self.slots.len() - 1
            }
        };
        let s = &mut self.slots[slot];
        match socket::join(&SockRef::from(s.socket.as_ref()), family, i.index) {
            Ok(()) => {
                s.members.insert(i.index);
                info!(
                    interface = i.name,
                    index = i.index,
                    family = family.as_str(),
                    "joined WS-Discovery group"
                );
            }
            Err(e) => {
                warn!(interface = i.name, family = family.as_str(), error = %e, "cannot join WS-Discovery group")
            }
        }
        Ok(created)
    }

    fn leave_all(&mut self, index: u32) {
        for s in &mut self.slots {
            if s.members.remove(&index) {
                let _ = socket::leave(&SockRef::from(s.socket.as_ref()), s.family, index);
            }
        }
    }
}

/// Receive until cancelled. Bad datagrams and transient errors are counted, never fatal.
pub async fn receive(
    socket: Arc<UdpSocket>,
    ingest: Arc<Ingest>,
    names: Names,
    heartbeat: Arc<AtomicU64>,
    shutdown: CancellationToken,
) {
    let mut buf = vec![0u8; ingest.limits.max_datagram.max(1)];
    let mut cmsg = recv::cmsg_buffer();
    loop {
        heartbeat.store(now_ms(), Ordering::Relaxed);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
            r = socket.readable() => if let Err(e) = r {
                warn!(error = %e, "socket not readable");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            },
        }
        for _ in 0..256 {
            match socket.try_io(Interest::READABLE, || {
                recv::recv(socket.as_ref(), &mut buf, &mut cmsg)
            }) {
                Ok(r) => {
                    let name = names
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(&r.ifindex)
                        .cloned()
                        .unwrap_or_else(|| Arc::from(format!("if{}", r.ifindex).as_str()));
                    let len = r.len.min(buf.len());
                    ingest.handle(&buf[..len], r.source.ip(), &name, r.truncated, now_ms());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    lock(&ingest.shared).stats.recv_errors += 1;
                    break;
                }
            }
        }
        tokio::task::yield_now().await;
    }
}
