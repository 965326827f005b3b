//! Namespace URIs and the element names the parser knows, matched by (URI, local name).

use super::model::{DiscoveryVersion, SoapVersion};

pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
pub const WSA_2005: &str = "http://www.w3.org/2005/08/addressing";
pub const WSD_2005: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
pub const WSD_2009: &str = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01";

/// Which vocabulary a namespace URI belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocab {
    Soap(SoapVersion),
    Addressing,
    Discovery(DiscoveryVersion),
}

pub fn vocab(uri: &str) -> Option<Vocab> {
    match uri {
        SOAP12 => Some(Vocab::Soap(SoapVersion::Soap12)),
        SOAP11 => Some(Vocab::Soap(SoapVersion::Soap11)),
        WSA_2004 | WSA_2005 => Some(Vocab::Addressing),
        WSD_2005 => Some(Vocab::Discovery(DiscoveryVersion::Draft2005)),
        WSD_2009 => Some(Vocab::Discovery(DiscoveryVersion::Oasis2009)),
        _ => None,
    }
}

/// Elements with a meaning to the parser. Everything else is `Other` and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Envelope,
    Header,
    Body,
    Fault,
    MessageId,
    RelatesTo,
    To,
    Action,
    EndpointReference,
    Address,
    AppSequence,
    Hello,
    Bye,
    Probe,
    ProbeMatches,
    ProbeMatch,
    Resolve,
    ResolveMatches,
    ResolveMatch,
    Types,
    Scopes,
    XAddrs,
    MetadataVersion,
    /// A discovery-namespace element we do not know (`d:Foo`).
    UnknownDiscovery,
    Other,
}

fn soap_tag(local: &str) -> Option<Tag> {
    Some(match local {
        "Envelope" => Tag::Envelope,
        "Header" => Tag::Header,
        "Body" => Tag::Body,
        "Fault" => Tag::Fault,
        _ => return None,
    })
}

fn addressing_tag(local: &str) -> Option<Tag> {
    Some(match local {
        "MessageID" => Tag::MessageId,
        "RelatesTo" => Tag::RelatesTo,
        "To" => Tag::To,
        "Action" => Tag::Action,
        "EndpointReference" => Tag::EndpointReference,
        "Address" => Tag::Address,
        _ => return None,
    })
}

fn discovery_tag(local: &str) -> Option<Tag> {
    Some(match local {
        "AppSequence" => Tag::AppSequence,
        "Hello" => Tag::Hello,
        "Bye" => Tag::Bye,
        "Probe" => Tag::Probe,
        "ProbeMatches" => Tag::ProbeMatches,
        "ProbeMatch" => Tag::ProbeMatch,
        "Resolve" => Tag::Resolve,
        "ResolveMatches" => Tag::ResolveMatches,
        "ResolveMatch" => Tag::ResolveMatch,
        "Types" => Tag::Types,
        "Scopes" => Tag::Scopes,
        "XAddrs" => Tag::XAddrs,
        "MetadataVersion" => Tag::MetadataVersion,
        _ => return None,
    })
}

/// Classify an element bound to a namespace.
pub fn tag_in(vocab: Option<Vocab>, local: &str) -> Tag {
    match vocab {
        Some(Vocab::Soap(_)) => soap_tag(local),
        Some(Vocab::Addressing) => addressing_tag(local),
        Some(Vocab::Discovery(_)) => discovery_tag(local).or(Some(Tag::UnknownDiscovery)),
        None => None,
    }
    .unwrap_or(Tag::Other)
}

/// Classify an element whose namespace is unknown (unbound prefix, or none): by local
/// name across all vocabularies. Used by the lenient fallback.
pub fn tag_by_local_name(local: &str) -> Tag {
    soap_tag(local)
        .or_else(|| addressing_tag(local))
        .or_else(|| discovery_tag(local))
        .unwrap_or(Tag::Other)
}
