//! Typed parse errors. Every error has a [`ParseErrorKind`] that a receiver can count.

use std::fmt;

/// Why a datagram was rejected. `Copy` and small so counters can be indexed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParseErrorKind {
    /// Larger than `Limits::max_datagram`.
    Oversize,
    /// Zero bytes, or only whitespace.
    Empty,
    /// Not valid UTF-8 (checked for the whole datagram before any parsing).
    NotUtf8,
    /// Contains a document type declaration (rejected: no DTD, no entity definitions).
    Dtd,
    /// A structural bound was hit (depth, events, text, attributes, scopes, ...).
    LimitExceeded,
    /// Not well-formed XML (includes truncated messages and undefined entities).
    NotXml,
    /// Well-formed XML, but not a SOAP envelope with a Body.
    NotSoap,
    /// A SOAP Body whose element is in a discovery namespace but is not a message we know,
    /// or an empty Body.
    UnknownBody,
    /// A required field is absent (e.g. the endpoint reference of a Hello).
    MissingField,
}

impl ParseErrorKind {
    /// Every kind, in a stable order (for counters and documentation).
    pub const ALL: [ParseErrorKind; 9] = [
        ParseErrorKind::Oversize,
        ParseErrorKind::Empty,
        ParseErrorKind::NotUtf8,
        ParseErrorKind::Dtd,
        ParseErrorKind::LimitExceeded,
        ParseErrorKind::NotXml,
        ParseErrorKind::NotSoap,
        ParseErrorKind::UnknownBody,
        ParseErrorKind::MissingField,
    ];

    /// Stable snake_case name, used in output and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ParseErrorKind::Oversize => "oversize",
            ParseErrorKind::Empty => "empty",
            ParseErrorKind::NotUtf8 => "not_utf8",
            ParseErrorKind::Dtd => "dtd",
            ParseErrorKind::LimitExceeded => "limit_exceeded",
            ParseErrorKind::NotXml => "not_xml",
            ParseErrorKind::NotSoap => "not_soap",
            ParseErrorKind::UnknownBody => "unknown_body",
            ParseErrorKind::MissingField => "missing_field",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected datagram: the countable kind plus a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub detail: String,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, detail: impl Into<String>) -> ParseError {
        ParseError {
            kind,
            detail: detail.into(),
        }
    }

    pub(crate) fn limit(what: &str, max: usize) -> ParseError {
        ParseError::new(
            ParseErrorKind::LimitExceeded,
            format!("more than {max} {what}"),
        )
    }
}
