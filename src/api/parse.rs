//! Output of `camcensus parse --format json`: one JSON object per input, one per line.
//!
//! ```text
//! {"file": "x.xml", "kind": "probe_matches" | "hello" | ... | null (when unparsed),
//!  "error": null | {"kind": "not_xml" | ..., "message": "..."},
//!  "message_id", "relates_to", "action", "to": string | null,
//!  "app_sequence": null | {"instance_id": u64, "sequence_id": string | null, "message_number": u64},
//!  "soap": "1.1" | "1.2" | null, "discovery": "2005/04" | "2009/01" | null,
//!  "quirks": ["lenient", "action_mismatch", "invalid_app_sequence"],
//!  "probe": null | {"types": [...], "scopes": [...]},      // Probe only
//!  "resolve": null | "<epr>",                              // Resolve only
//!  "fault": null | {"code", "reason"},                     // Fault only
//!  "other": null | {"namespace", "name"},                  // Other only
//!  "endpoints": [{
//!     "epr", "epr_key": string,
//!     "types": [{"namespace": string | null, "name": string}],
//!     "scopes": [string (raw)], "xaddrs": [string (as sent)],
//!     "addresses": [string (IP hosts of the XAddrs)],
//!     "metadata_version": number | string | null,
//!     "name", "hardware": string | null (decoded scope values), "locations": [string],
//!     "mac": string | null, "macs": [{"mac", "source"}],
//!     "identity": {"class": "camera" | "recorder" | "onvif_other" | "host" | "unknown",
//!                  "manufacturer", "brand", "family", "model": string | null,
//!                  "confidence": "high" | "medium" | "low" | "unknown", "conflict": bool,
//!                  "watchlist": bool,
//!                  "evidence": [{"kind", "source", "rule", "origin", "family", "brand",
//!                                "confidence", "note"}]}}]}
//! ```

use serde::Serialize;
use serde_json::Value;

use crate::identify::{Evidence, Identity};
use crate::onvif::{self, Category};
use crate::wsd::{Body, Endpoint, Message, MetadataVersion, ParseError, QName, SoapVersion};

#[derive(Debug, Serialize)]
pub struct ParseRecord {
    pub file: String,
    pub kind: Option<&'static str>,
    pub error: Option<ErrorOut>,
    pub message_id: Option<String>,
    pub relates_to: Option<String>,
    pub action: Option<String>,
    pub to: Option<String>,
    pub app_sequence: Option<AppSequenceOut>,
    pub soap: Option<&'static str>,
    pub discovery: Option<&'static str>,
    pub quirks: Vec<&'static str>,
    pub probe: Option<ProbeOut>,
    pub resolve: Option<String>,
    pub fault: Option<FaultOut>,
    pub other: Option<TypeOut>,
    pub endpoints: Vec<EndpointOut>,
}

#[derive(Debug, Serialize)]
pub struct ErrorOut {
    pub kind: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct AppSequenceOut {
    pub instance_id: u64,
    pub sequence_id: Option<String>,
    pub message_number: u64,
}

#[derive(Debug, Serialize)]
pub struct ProbeOut {
    pub types: Vec<TypeOut>,
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FaultOut {
    pub code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TypeOut {
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct EndpointOut {
    pub epr: String,
    pub epr_key: String,
    pub types: Vec<TypeOut>,
    pub scopes: Vec<String>,
    pub xaddrs: Vec<String>,
    pub addresses: Vec<String>,
    pub metadata_version: Value,
    pub name: Option<String>,
    pub hardware: Option<String>,
    pub locations: Vec<String>,
    pub mac: Option<String>,
    pub macs: Vec<MacOut>,
    pub identity: IdentityOut,
}

#[derive(Debug, Serialize)]
pub struct MacOut {
    pub mac: String,
    pub source: &'static str,
}

#[derive(Debug, Serialize)]
pub struct IdentityOut {
    pub class: &'static str,
    pub manufacturer: Option<String>,
    pub brand: Option<String>,
    pub family: Option<String>,
    pub model: Option<String>,
    pub confidence: &'static str,
    pub conflict: bool,
    pub watchlist: bool,
    pub evidence: Vec<EvidenceOut>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceOut {
    pub kind: &'static str,
    pub source: String,
    pub rule: String,
    pub origin: String,
    pub family: Option<String>,
    pub brand: Option<String>,
    pub confidence: &'static str,
    pub note: String,
}

impl ParseRecord {
    /// A record for an input that failed to parse (or could not be read).
    pub fn failed(file: &str, kind: &'static str, message: String) -> ParseRecord {
        let mut r = ParseRecord::empty(file);
        r.error = Some(ErrorOut { kind, message });
        r
    }

    pub fn from_error(file: &str, e: &ParseError) -> ParseRecord {
        ParseRecord::failed(file, e.kind.as_str(), e.detail.clone())
    }

    /// `identities[i]` must be the identity of `msg.endpoints()[i]`.
    pub fn from_message(file: &str, msg: &Message, identities: &[Identity]) -> ParseRecord {
        let h = &msg.header;
        let mut r = ParseRecord::empty(file);
        r.kind = Some(msg.kind().as_str());
        r.message_id = h.message_id.clone();
        r.relates_to = h.relates_to.clone();
        r.action = h.action.clone();
        r.to = h.to.clone();
        r.app_sequence = h.app_sequence.as_ref().map(|a| AppSequenceOut {
            instance_id: a.instance_id,
            sequence_id: a.sequence_id.clone(),
            message_number: a.message_number,
        });
        r.soap = match msg.soap {
            SoapVersion::Soap11 => Some("1.1"),
            SoapVersion::Soap12 => Some("1.2"),
            SoapVersion::Unknown => None,
        };
        r.discovery = msg.discovery.map(|d| match d {
            crate::wsd::DiscoveryVersion::Draft2005 => "2005/04",
            crate::wsd::DiscoveryVersion::Oasis2009 => "2009/01",
        });
        let q = msg.quirks;
        r.quirks = [
            (q.lenient, "lenient"),
            (q.action_mismatch, "action_mismatch"),
            (q.invalid_app_sequence, "invalid_app_sequence"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        match &msg.body {
            Body::Probe(p) => {
                r.probe = Some(ProbeOut {
                    types: p.types.iter().map(TypeOut::from).collect(),
                    scopes: p.scopes.clone(),
                })
            }
            Body::Resolve(epr) => r.resolve = Some(epr.address.clone()),
            Body::Fault(f) => {
                r.fault = Some(FaultOut {
                    code: f.code.clone(),
                    reason: f.reason.clone(),
                })
            }
            Body::Other(q) => r.other = Some(TypeOut::from(q)),
            _ => {}
        }
        r.endpoints = msg
            .endpoints()
            .iter()
            .zip(identities)
            .map(|(e, id)| EndpointOut::new(e, id))
            .collect();
        r
    }

    fn empty(file: &str) -> ParseRecord {
        ParseRecord {
            file: file.to_string(),
            kind: None,
            error: None,
            message_id: None,
            relates_to: None,
            action: None,
            to: None,
            app_sequence: None,
            soap: None,
            discovery: None,
            quirks: Vec::new(),
            probe: None,
            resolve: None,
            fault: None,
            other: None,
            endpoints: Vec::new(),
        }
    }
}

impl From<&QName> for TypeOut {
    fn from(q: &QName) -> TypeOut {
        TypeOut {
            namespace: q.namespace.clone(),
            name: q.local.clone(),
        }
    }
}

impl EndpointOut {
    pub fn new(e: &Endpoint, id: &Identity) -> EndpointOut {
        let scopes = &e.scopes;
        EndpointOut {
            epr: e.epr.address.clone(),
            epr_key: e.epr.key.clone(),
            types: e.types.iter().map(TypeOut::from).collect(),
            scopes: scopes.iter().map(|s| s.raw.clone()).collect(),
            xaddrs: e.xaddrs.iter().map(|x| x.raw.clone()).collect(),
            addresses: e
                .xaddrs
                .iter()
                .filter_map(|x| x.ip())
                .map(|ip| ip.to_string())
                .collect(),
            metadata_version: match &e.metadata_version {
                None => Value::Null,
                Some(MetadataVersion::Number(n)) => Value::from(*n),
                Some(MetadataVersion::Raw(s)) => Value::from(s.as_str()),
            },
            name: onvif::first(scopes, &Category::Name).map(str::to_string),
            hardware: onvif::first(scopes, &Category::Hardware).map(str::to_string),
            locations: onvif::values(scopes, &Category::Location)
                .map(str::to_string)
                .collect(),
            mac: id.macs.first().map(|m| m.mac.to_string()),
            macs: id
                .macs
                .iter()
                .map(|m| MacOut {
                    mac: m.mac.to_string(),
                    source: m.source.as_str(),
                })
                .collect(),
            identity: IdentityOut::from(id),
        }
    }
}

impl From<&Identity> for IdentityOut {
    fn from(id: &Identity) -> IdentityOut {
        IdentityOut {
            class: id.verdict.class.as_str(),
            manufacturer: id.verdict.manufacturer.clone(),
            brand: id.verdict.brand.clone(),
            family: id.verdict.family.clone(),
            model: id.verdict.model.clone(),
            confidence: id.verdict.confidence.as_str(),
            conflict: id.verdict.conflict,
            watchlist: id.verdict.watchlist,
            evidence: id.evidence.iter().map(EvidenceOut::from).collect(),
        }
    }
}

impl From<&Evidence> for EvidenceOut {
    fn from(e: &Evidence) -> EvidenceOut {
        EvidenceOut {
            kind: e.kind.as_str(),
            source: e.source.clone(),
            rule: e.rule.to_string(),
            origin: e.origin.to_string(),
            family: e.family.as_deref().map(str::to_string),
            brand: e.brand.as_deref().map(str::to_string),
            confidence: e.confidence.as_str(),
            note: e.note.to_string(),
        }
    }
}
