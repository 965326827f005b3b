//! Socket setup for a passive WS-Discovery listener. Nothing here sends a datagram.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use nix::sys::socket::{setsockopt, sockopt};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};

pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xc);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }
}

/// Bind a UDP socket to the wildcard address on `port`, sharing the port with other
/// WS-Discovery programs (SO_REUSEADDR + SO_REUSEPORT), receiving only the groups it joined
/// itself (IP(V6)_MULTICAST_ALL = 0), with the arrival interface of each datagram
/// (IP_PKTINFO / IPV6_RECVPKTINFO). Returns the socket and its effective receive buffer.
pub fn bind(family: Family, port: u16, receive_buffer: usize) -> io::Result<(Socket, usize)> {
    let domain = match family {
        Family::V4 => Domain::IPV4,
        Family::V6 => Domain::IPV6,
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    let addr: SocketAddr = match family {
        Family::V4 => {
            s.set_multicast_all_v4(false)?;
            setsockopt(&s, sockopt::Ipv4PacketInfo, &true).map_err(io::Error::from)?;
            (Ipv4Addr::UNSPECIFIED, port).into()
        }
        Family::V6 => {
            s.set_only_v6(true)?;
            s.set_multicast_all_v6(false)?;
            setsockopt(&s, sockopt::Ipv6RecvPacketInfo, &true).map_err(io::Error::from)?;
            (Ipv6Addr::UNSPECIFIED, port).into()
        }
    };
    let effective = set_receive_buffer(&s, receive_buffer)?;
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    Ok((s, effective))
}

/// Ask for `wanted` bytes; the kernel caps SO_RCVBUF at net.core.rmem_max, so when that
/// falls short try SO_RCVBUFFORCE (allowed with CAP_NET_ADMIN, harmlessly refused otherwise).
fn set_receive_buffer(s: &Socket, wanted: usize) -> io::Result<usize> {
    s.set_recv_buffer_size(wanted)?;
    // Linux doubles what it grants (bookkeeping overhead): a full grant reads back as 2x.
    if s.recv_buffer_size()? < wanted.saturating_mul(2) {
        let _ = setsockopt(s, sockopt::RcvBufForce, &wanted);
    }
    s.recv_buffer_size()
}

pub fn join(s: &Socket, family: Family, ifindex: u32) -> io::Result<()> {
    match family {
        Family::V4 => s.join_multicast_v4_n(&GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex)),
        Family::V6 => s.join_multicast_v6(&GROUP_V6, ifindex),
    }
}

pub fn leave(s: &Socket, family: Family, ifindex: u32) -> io::Result<()> {
    match family {
        Family::V4 => s.leave_multicast_v4_n(&GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex)),
        Family::V6 => s.leave_multicast_v6(&GROUP_V6, ifindex),
    }
}

/// The kernel's per-socket IPv4 membership limit (net.ipv4.igmp_max_memberships), 20 if
/// it cannot be read.
pub fn max_memberships() -> usize {
    std::fs::read_to_string("/proc/sys/net/ipv4/igmp_max_memberships")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20)
}
