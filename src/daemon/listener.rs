//! Group memberships across sockets, kept in step with the interfaces. Each socket is
//! blocking with a receive timeout, read by its own drain thread (`receiver`).

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use socket2::Socket;
use tracing::{info, warn};

use super::receiver::RECV_POLL;
use crate::config::ListenConfig;
use crate::net::interfaces::{self, Interface};
use crate::net::socket::{self, Family};

/// Interface index -> name, read by the ingest task.
pub type Names = Arc<RwLock<HashMap<u32, Arc<str>>>>;

struct Slot {
    family: Family,
    socket: Arc<Socket>,
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

/// A socket that needs a drain thread.
pub struct NewSocket {
    pub socket: Arc<Socket>,
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

    /// A new configuration (on reload); the next `reconcile` applies it.
    pub fn set_config(&mut self, cfg: ListenConfig) {
        self.cfg = cfg;
    }

    pub fn joined(&self) -> usize {
        self.joined.len()
    }

    /// Names of the joined interfaces.
    pub fn joined_names(&self) -> BTreeSet<String> {
        self.joined.values().map(|(n, _)| n.clone()).collect()
    }

    /// Join newly wanted interfaces, leave vanished ones, re-join those whose addresses
    /// changed. Returns sockets created on the way (each needs a drain thread).
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
                s.set_nonblocking(false)?;
                s.set_read_timeout(Some(RECV_POLL))?;
                let socket = Arc::new(s);
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
        match socket::join(&s.socket, family, i.index) {
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
                let _ = socket::leave(&s.socket, s.family, index);
            }
        }
    }
}
