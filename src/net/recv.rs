//! One `recvmsg` with the arrival interface (IP_PKTINFO / IPV6_PKTINFO) and truncation.

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrStorage};

/// Where a datagram came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub len: usize,
    pub source: SocketAddr,
    /// Arrival interface index (0 when the kernel did not say).
    pub ifindex: u32,
    /// The datagram was larger than the buffer (MSG_TRUNC).
    pub truncated: bool,
}

/// Control-message space for either packet-info structure.
pub fn cmsg_buffer() -> Vec<u8> {
    nix::cmsg_space!(nix::libc::in6_pktinfo, nix::libc::in_pktinfo)
}

/// Receive one datagram into `buf` (non-blocking: `WouldBlock` when none is queued).
pub fn recv(fd: &impl AsRawFd, buf: &mut [u8], cmsg: &mut [u8]) -> io::Result<Received> {
    recv_with(fd, buf, cmsg, MsgFlags::MSG_DONTWAIT)
}

/// Receive one datagram into `buf`, waiting as the socket's mode says (a blocking socket
/// with SO_RCVTIMEO gives `WouldBlock` when the timeout passes with nothing queued).
pub fn recv_wait(fd: &impl AsRawFd, buf: &mut [u8], cmsg: &mut [u8]) -> io::Result<Received> {
    recv_with(fd, buf, cmsg, MsgFlags::empty())
}

fn recv_with(
    fd: &impl AsRawFd,
    buf: &mut [u8],
    cmsg: &mut [u8],
    flags: MsgFlags,
) -> io::Result<Received> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<SockaddrStorage>(fd.as_raw_fd(), &mut iov, Some(cmsg), flags)
        .map_err(io::Error::from)?;
    let mut ifindex = 0;
    if let Ok(cmsgs) = msg.cmsgs() {
        for c in cmsgs {
            match c {
                ControlMessageOwned::Ipv4PacketInfo(i) => {
                    ifindex = u32::try_from(i.ipi_ifindex).unwrap_or(0)
                }
                ControlMessageOwned::Ipv6PacketInfo(i) => ifindex = i.ipi6_ifindex,
                _ => {}
            }
        }
    }
    let source = msg
        .address
        .as_ref()
        .and_then(to_socket_addr)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "datagram without an IP source address",
            )
        })?;
    Ok(Received {
        len: msg.bytes,
        source,
        ifindex,
        truncated: msg.flags.contains(MsgFlags::MSG_TRUNC),
    })
}

fn to_socket_addr(s: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = s.as_sockaddr_in() {
        return Some(SocketAddr::new(IpAddr::V4(v4.ip()), v4.port()));
    }
    s.as_sockaddr_in6()
        .map(|v6| SocketAddr::new(IpAddr::V6(v6.ip()), v6.port()))
}
