//! WS-Discovery: the message model and a hardened, pure parser.
//!
//! [`parse`] takes the bytes of one datagram and returns a [`Message`] or a
//! [`ParseError`] whose [`ParseErrorKind`] can be counted. It does no I/O, reads no clock,
//! and cannot panic on any input; every amount of work is bounded by [`Limits`].

mod error;
mod limits;
mod model;
mod ns;
mod parser;
mod resolver;
pub mod xaddr;

pub use error::{ParseError, ParseErrorKind};
pub use limits::Limits;
pub use model::*;
pub use parser::parse;
pub use xaddr::{Host, XAddr, XAddrUrl};

#[cfg(test)]
mod tests;
