//! Device class: what counts as a camera.

use super::evidence::Evidence;
use crate::wsd::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// ONVIF NetworkVideoTransmitter: an IP camera or video encoder.
    Camera,
    /// NVR / DVR / XVR (NetworkVideoStorage or a recorder model).
    Recorder,
    /// ONVIF, but neither of the above (access control, I/O boxes, unknown ONVIF types).
    OnvifOther,
    /// A WS-Discovery host that is not ONVIF: printers, scanners, Windows, Samba.
    Host,
    /// Not enough information (e.g. a Bye with only an endpoint reference).
    Unknown,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Camera => "camera",
            Class::Recorder => "recorder",
            Class::OnvifOther => "onvif_other",
            Class::Host => "host",
            Class::Unknown => "unknown",
        }
    }
}

const ONVIF_NS_PREFIX: &str = "http://www.onvif.org/";

/// Decide the class from Types (by local name, any prefix) and the presence of ONVIF
/// scopes, never from the free-text `type/` scope. `recorder` holds recorder-rule hits.
pub fn classify(endpoint: &Endpoint, recorder: &[Evidence]) -> Class {
    let has_type = |local: &str| endpoint.types.iter().any(|t| t.local == local);
    let onvif_type = endpoint.types.iter().any(|t| {
        t.namespace
            .as_deref()
            .is_some_and(|n| n.starts_with(ONVIF_NS_PREFIX))
    });
    let onvif_scope = endpoint.scopes.iter().any(|s| s.onvif.is_some());
    let nvt = has_type("NetworkVideoTransmitter");
    let nvs = has_type("NetworkVideoStorage");
    let onvif = nvt || nvs || onvif_type || onvif_scope;
    if nvs || (onvif && !recorder.is_empty()) {
        Class::Recorder
    } else if nvt {
        Class::Camera
    } else if onvif {
        Class::OnvifOther
    } else if !endpoint.types.is_empty() {
        Class::Host
    } else {
        Class::Unknown
    }
}
