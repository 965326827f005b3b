//! camcensus: a passive census of the network cameras on an organisation's camera VLANs.
//!
//! Data flows one way: datagram bytes -> [`wsd::parse`] -> [`wsd::Message`] ->
//! [`identify::Identifier::identify`] -> [`identify::Identity`]. The protocol core
//! (`wsd`, `onvif`, `identify`) does no I/O and reads no clock; only the binaries and
//! `cli` touch files, sockets and terminals. Only `api` defines serialised wire types.

pub mod api;
pub mod cli;
#[cfg(feature = "daemon")]
pub mod config;
#[cfg(feature = "daemon")]
pub mod daemon;
pub mod glob;
pub mod identify;
#[cfg(feature = "daemon")]
pub mod net;
pub mod onvif;
pub mod paths;
#[cfg(feature = "daemon")]
pub mod persist;
pub mod store;
pub mod wsd;
