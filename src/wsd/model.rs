//! The typed WS-Discovery message: what [`super::parse`] returns.
//!
//! Domain types only; nothing here is serialised (the wire format of `camcensus parse`
//! lives in `crate::api::parse`).

use crate::onvif::Scope;
use crate::wsd::xaddr::XAddr;

/// One decoded WS-Discovery datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub soap: SoapVersion,
    /// Discovery namespace of the body element, when it was bound to one.
    pub discovery: Option<DiscoveryVersion>,
    pub header: Header,
    pub body: Body,
    pub quirks: Quirks,
}

/// The message kind, decided by the Body element (the Action header only cross-checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Hello,
    Bye,
    Probe,
    ProbeMatches,
    Resolve,
    ResolveMatches,
    Fault,
    Other,
}

impl MessageKind {
    /// Stable snake_case name, used in output and counters.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Hello => "hello",
            MessageKind::Bye => "bye",
            MessageKind::Probe => "probe",
            MessageKind::ProbeMatches => "probe_matches",
            MessageKind::Resolve => "resolve",
            MessageKind::ResolveMatches => "resolve_matches",
            MessageKind::Fault => "fault",
            MessageKind::Other => "other",
        }
    }

    /// The local name that ends this kind's WS-Discovery Action URI.
    pub(crate) fn action_suffix(self) -> Option<&'static str> {
        match self {
            MessageKind::Hello => Some("Hello"),
            MessageKind::Bye => Some("Bye"),
            MessageKind::Probe => Some("Probe"),
            MessageKind::ProbeMatches => Some("ProbeMatches"),
            MessageKind::Resolve => Some("Resolve"),
            MessageKind::ResolveMatches => Some("ResolveMatches"),
            MessageKind::Fault | MessageKind::Other => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    Soap11,
    Soap12,
    /// The envelope was recognised by local name only (lenient mode).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryVersion {
    /// `http://schemas.xmlsoap.org/ws/2005/04/discovery` (what ONVIF mandates).
    Draft2005,
    /// `http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01` (WS-Discovery 1.1).
    Oasis2009,
}

/// SOAP header fields WS-Discovery uses. Every field is optional on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub action: Option<String>,
    pub message_id: Option<String>,
    pub relates_to: Option<String>,
    pub to: Option<String>,
    pub app_sequence: Option<AppSequence>,
}

/// `AppSequence` header: lets receivers order messages from one target instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSequence {
    pub instance_id: u64,
    pub sequence_id: Option<String>,
    pub message_number: u64,
}

/// The Body, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Hello(Endpoint),
    Bye(Endpoint),
    Probe(ProbeFilter),
    ProbeMatches(Vec<Endpoint>),
    /// The endpoint reference a client asks to resolve.
    Resolve(Epr),
    ResolveMatches(Vec<Endpoint>),
    Fault(Fault),
    /// A SOAP body element outside the discovery namespaces.
    Other(QName),
}

impl Body {
    pub fn kind(&self) -> MessageKind {
        match self {
            Body::Hello(_) => MessageKind::Hello,
            Body::Bye(_) => MessageKind::Bye,
            Body::Probe(_) => MessageKind::Probe,
            Body::ProbeMatches(_) => MessageKind::ProbeMatches,
            Body::Resolve(_) => MessageKind::Resolve,
            Body::ResolveMatches(_) => MessageKind::ResolveMatches,
            Body::Fault(_) => MessageKind::Fault,
            Body::Other(_) => MessageKind::Other,
        }
    }
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        self.body.kind()
    }

    /// The endpoints this message describes: one for Hello and Bye, any number for
    /// ProbeMatches and ResolveMatches, none otherwise.
    pub fn endpoints(&self) -> &[Endpoint] {
        match &self.body {
            Body::Hello(e) | Body::Bye(e) => std::slice::from_ref(e),
            Body::ProbeMatches(v) | Body::ResolveMatches(v) => v,
            _ => &[],
        }
    }
}

/// Things a strict parser would have rejected or a consumer should know about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Elements were matched by local name because their prefix was unbound
    /// (namespace declarations missing), or they had no namespace at all.
    pub lenient: bool,
    /// The Action header names a different kind than the Body element.
    pub action_mismatch: bool,
    /// An AppSequence header was present but unusable (missing or non-numeric fields).
    pub invalid_app_sequence: bool,
}

/// One target service as announced in Hello, Bye, ProbeMatch or ResolveMatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub epr: Epr,
    pub types: Vec<QName>,
    pub scopes: Vec<Scope>,
    pub xaddrs: Vec<XAddr>,
    pub metadata_version: Option<MetadataVersion>,
}

/// Types and scopes a Probe asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeFilter {
    pub types: Vec<QName>,
    pub scopes: Vec<String>,
}

/// A SOAP fault (1.2 `Code/Value` + `Reason/Text`, or 1.1 `faultcode` + `faultstring`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fault {
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// Endpoint reference address: kept verbatim, plus a normalised key for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Epr {
    /// As sent (trimmed).
    pub address: String,
    /// Lower-case, with `uuid:` folded into `urn:uuid:`.
    pub key: String,
}

impl Epr {
    pub fn new(address: &str) -> Epr {
        let address = address.trim().to_string();
        let key = normalise_epr(&address);
        Epr { address, key }
    }

    /// The part after `urn:uuid:` / `uuid:` when the key has that form.
    pub fn uuid_part(&self) -> Option<&str> {
        self.key.strip_prefix("urn:uuid:")
    }
}

/// `urn:uuid:X`, `uuid:X` and `URN:UUID:X` all become `urn:uuid:x`; other forms are
/// only lower-cased. The EPR stays an opaque string: no UUID validity is required.
pub fn normalise_epr(address: &str) -> String {
    let lower = address.trim().to_ascii_lowercase();
    match lower.strip_prefix("urn:uuid:") {
        Some(_) => lower,
        None => match lower.strip_prefix("uuid:") {
            Some(rest) => format!("urn:uuid:{rest}"),
            None => lower,
        },
    }
}

/// A resolved XML qualified name. `namespace` is `None` when the prefix was unbound
/// (the local name alone is then all we know) or the name had no prefix and no
/// default namespace was in scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QName {
    pub namespace: Option<String>,
    pub local: String,
}

/// `MetadataVersion`: an unsigned integer on the wire, but `1.2` has been seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataVersion {
    Number(u64),
    Raw(String),
}

impl MetadataVersion {
    pub fn parse(text: &str) -> MetadataVersion {
        let t = text.trim();
        match t.parse::<u64>() {
            Ok(n) => MetadataVersion::Number(n),
            Err(_) => MetadataVersion::Raw(t.to_string()),
        }
    }
}
