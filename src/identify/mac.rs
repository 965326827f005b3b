//! MAC addresses found in a discovery message: MAC scopes, UUIDv1 node fields, MAC-shaped
//! endpoint references.

use std::fmt;

use crate::onvif::{self, Category};
use crate::wsd::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// `bc:ba:c2:a4:de:e3`, `BC-BA-C2-A4-DE-E3`, `bcba.c2a4.dee3` or `bcbac2a4dee3`.
    pub fn parse(s: &str) -> Option<Mac> {
        let mut out = [0u8; 6];
        let mut nibbles = 0usize;
        for c in s.trim().chars() {
            if matches!(c, ':' | '-' | '.') {
                continue;
            }
            let v = c.to_digit(16)? as u8;
            let byte = out.get_mut(nibbles / 2)?;
            *byte = (*byte << 4) | v;
            nibbles += 1;
        }
        (nibbles == 12).then_some(Mac(out))
    }

    /// Locally administered (U/L bit set): chosen by software, says nothing of the maker.
    pub fn is_local(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// A universally administered unicast address: the only kind whose OUI means something.
    pub fn is_universal_unicast(self) -> bool {
        !self.is_local() && !self.is_multicast() && self.0 != [0; 6]
    }

    /// The 48 bits as an integer, for prefix lookups.
    pub fn as_u64(self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// Where a MAC address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacSource {
    /// `MAC/` or `MacAddress/` scope.
    Scope,
    /// The node field of a version-1 UUID endpoint reference.
    EprUuidNode,
    /// The endpoint reference itself is a MAC address.
    EprMacShaped,
}

impl MacSource {
    pub fn as_str(self) -> &'static str {
        match self {
            MacSource::Scope => "MAC scope",
            MacSource::EprUuidNode => "UUIDv1 node of the endpoint reference",
            MacSource::EprMacShaped => "endpoint reference",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacSighting {
    pub mac: Mac,
    pub source: MacSource,
}

/// Every distinct MAC the endpoint reveals, scope first (first source wins on repeats).
pub fn macs(endpoint: &Endpoint) -> Vec<MacSighting> {
    let mut out: Vec<MacSighting> = Vec::new();
    let mut add = |mac: Mac, source: MacSource| {
        if !out.iter().any(|s| s.mac == mac) {
            out.push(MacSighting { mac, source });
        }
    };
    for value in onvif::values(&endpoint.scopes, &Category::Mac) {
        if let Some(mac) = Mac::parse(value) {
            add(mac, MacSource::Scope);
        }
    }
    let bare = endpoint.epr.uuid_part().unwrap_or(&endpoint.epr.key);
    if let Some(mac) = uuid_v1_node(bare) {
        add(mac, MacSource::EprUuidNode);
    } else if looks_like_mac(bare) {
        if let Some(mac) = Mac::parse(bare) {
            add(mac, MacSource::EprMacShaped);
        }
    }
    out
}

/// The node field of an RFC 4122 version-1 UUID, unless it is a random node (multicast bit).
fn uuid_v1_node(s: &str) -> Option<Mac> {
    let uuid = uuid::Uuid::try_parse(s).ok()?;
    if uuid.get_version_num() != 1 || uuid.get_variant() != uuid::Variant::RFC4122 {
        return None;
    }
    let b = uuid.as_bytes();
    let mac = Mac([b[10], b[11], b[12], b[13], b[14], b[15]]);
    (!mac.is_multicast()).then_some(mac)
}

/// 12 hex digits, or 6 two-digit groups joined by `:` or `-`.
fn looks_like_mac(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        12 => b.iter().all(u8::is_ascii_hexdigit),
        17 => b.chunks(3).all(|g| {
            g[0].is_ascii_hexdigit()
                && g[1].is_ascii_hexdigit()
                && (g.len() == 2 || g[2] == b':' || g[2] == b'-')
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_notations() {
        let want = Mac([0xbc, 0xba, 0xc2, 0xa4, 0xde, 0xe3]);
        for s in [
            "bc:ba:c2:a4:de:e3",
            "BC-BA-C2-A4-DE-E3",
            "bcba.c2a4.dee3",
            "bcbac2a4dee3",
        ] {
            assert_eq!(Mac::parse(s), Some(want), "{s}");
        }
        assert_eq!(want.to_string(), "bc:ba:c2:a4:de:e3");
        for bad in [
            "",
            "bc:ba:c2:a4:de",
            "bc:ba:c2:a4:de:e3:00",
            "zz:ba:c2:a4:de:e3",
            "bcbac2a4dee3é",
        ] {
            assert_eq!(Mac::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn administration_bits() {
        assert!(Mac::parse("02:00:00:00:00:01").is_some_and(Mac::is_local));
        assert!(Mac::parse("01:00:5e:00:00:01").is_some_and(Mac::is_multicast));
        assert!(Mac::parse("bc:ba:c2:a4:de:e3").is_some_and(Mac::is_universal_unicast));
        assert!(!Mac([0; 6]).is_universal_unicast());
    }

    #[test]
    fn uuid_v1_node_only() {
        let hik = uuid_v1_node("6eff0000-9fd2-11b4-8331-bcbac2a4dee3");
        assert_eq!(
            hik.map(|m| m.to_string()).as_deref(),
            Some("bc:ba:c2:a4:de:e3")
        );
        // Version 7 (the Xiongmai template) and version 4: no MAC.
        assert_eq!(uuid_v1_node("480ff2de-5566-7788-99aa-001217869724"), None);
        assert_eq!(uuid_v1_node("c3e195f5-cece-40a4-9760-9ae807e243d9"), None);
        // A v1 UUID with a random (multicast-bit) node.
        assert_eq!(uuid_v1_node("6eff0000-9fd2-11b4-8331-010203040506"), None);
        assert_eq!(uuid_v1_node("0074d1ad-0e01-431c-92b2-000F7C06"), None);
    }

    #[test]
    fn mac_shaped_eprs() {
        assert!(looks_like_mac("bcbac2a4dee3"));
        assert!(looks_like_mac("bc:ba:c2:a4:de:e3"));
        assert!(!looks_like_mac("bc:ba:c2:a4:de:e3x"));
        assert!(!looks_like_mac("urn:uuid:x"));
    }
}
