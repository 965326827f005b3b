//! The network edge: interfaces, multicast sockets, receiving. The daemon only listens:
//! nothing in this module sends a datagram (the kernel's own IGMP/MLD reports aside).

pub mod interfaces;
pub mod recv;
pub mod socket;
