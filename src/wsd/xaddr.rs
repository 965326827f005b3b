//! XAddrs: transport addresses of a target service. Kept verbatim, parsed where possible.
//!
//! Deliberately not a general URL parser: we need scheme, host, port and path of
//! `http(s)://host[:port]/path` and must keep anything odd (`http://[]/onvif/...`,
//! bare hostnames, zone-less `fe80::`) without failing.

use std::net::{IpAddr, Ipv6Addr};

/// One XAddr as sent, with its parsed form when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XAddr {
    pub raw: String,
    pub url: Option<XAddrUrl>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XAddrUrl {
    /// Lower-cased scheme (`http`, `https`, ...).
    pub scheme: String,
    pub host: Host,
    /// Explicit port, if any.
    pub port: Option<u16>,
    /// Path and query, `/` when absent.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    /// IPv6 with a zone (`fe80::1%eth0`, `%25` accepted); the zone is kept as sent.
    Ipv6Zoned(Ipv6Addr, String),
    /// A DNS or NetBIOS name (`CrazyLeojayNas`), lower-cased.
    Name(String),
}

impl XAddr {
    pub fn parse(raw: &str) -> XAddr {
        XAddr {
            raw: raw.to_string(),
            url: parse_url(raw),
        }
    }

    /// The host's IP address, when the XAddr has one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.url.as_ref()?.host {
            Host::Ip(ip) => Some(ip),
            Host::Ipv6Zoned(ip, _) => Some(IpAddr::V6(ip)),
            Host::Name(_) => None,
        }
    }
}

fn parse_url(raw: &str) -> Option<XAddrUrl> {
    let (scheme, rest) = raw.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // Drop userinfo; it never identifies the device.
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = split_host_port(authority)?;
    Some(XAddrUrl {
        scheme: scheme.to_ascii_lowercase(),
        host,
        port,
        path: path.to_string(),
    })
}

fn split_host_port(authority: &str) -> Option<(Host, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let host = parse_v6(inside)?;
        let port = match after {
            "" => None,
            p => Some(parse_port(p.strip_prefix(':')?)?),
        };
        return Some((host, port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(parse_port(p)?)),
        None => (authority, None),
    };
    if host.is_empty() {
        return None;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some((Host::Ip(ip), port));
    }
    let valid_name = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    valid_name.then(|| (Host::Name(host.to_ascii_lowercase()), port))
}

fn parse_v6(inside: &str) -> Option<Host> {
    let (addr, zone) = match inside.split_once('%') {
        Some((a, z)) => (a, Some(z.strip_prefix("25").unwrap_or(z))),
        None => (inside, None),
    };
    let ip = addr.parse::<Ipv6Addr>().ok()?;
    match zone {
        Some(z) if !z.is_empty() => Some(Host::Ipv6Zoned(ip, z.to_string())),
        Some(_) => None,
        None => Some(Host::Ip(IpAddr::V6(ip))),
    }
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn url(raw: &str) -> XAddrUrl {
        XAddr::parse(raw)
            .url
            .unwrap_or_else(|| panic!("{raw} should parse"))
    }

    #[test]
    fn ipv4_with_and_without_port() {
        let u = url("http://192.168.1.17/onvif/device_service");
        assert_eq!(u.host, Host::Ip(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 17))));
        assert_eq!(u.port, None);
        assert_eq!(u.path, "/onvif/device_service");
        assert_eq!(
            url("http://10.3.3.190:8899/onvif/device_service").port,
            Some(8899)
        );
        assert_eq!(url("HTTPS://10.0.0.1:443").path, "/");
        assert_eq!(url("HTTPS://10.0.0.1:443").scheme, "https");
    }

    #[test]
    fn ipv6_plain_link_local_and_zoned() {
        let u = url("http://[fd8f:ff1b:35a3:e24d:beba:c2ff:fea4:dee3]/onvif/device_service");
        assert!(matches!(u.host, Host::Ip(IpAddr::V6(_))));
        let ll = url("http://[fe80::203:1]:8080/x");
        assert_eq!(ll.port, Some(8080));
        assert_eq!(
            XAddr::parse("http://[fe80::203:1]:8080/x").ip(),
            "fe80::203:1".parse().ok()
        );
        let z = url("http://[fe80::1%25eth0]/x");
        assert_eq!(
            z.host,
            Host::Ipv6Zoned("fe80::1".parse().expect("v6"), "eth0".into())
        );
        assert_eq!(url("http://[fe80::1%eth0]/x").host, z.host);
    }

    #[test]
    fn hostnames_are_kept_lower_case() {
        let u = url("http://CrazyLeojayNas:5357/974522e9-3f71-4444-ba13-22e30c55dc99");
        assert_eq!(u.host, Host::Name("crazyleojaynas".into()));
        assert_eq!(u.port, Some(5357));
    }

    #[test]
    fn odd_forms_keep_raw_and_do_not_parse() {
        for raw in [
            "http://[]/onvif/device_service",
            "http:123",
            "",
            "://x",
            "http://",
            "http://[fe80::1/x",
            "http://10.0.0.1:99999/",
            "http://10.0.0.1:/",
            "http://[fe80::1%]/",
            "http://a b/",
            "htt p://x/",
        ] {
            let x = XAddr::parse(raw);
            assert_eq!(x.raw, raw);
            assert_eq!(x.url, None, "{raw:?} should not parse");
        }
    }
}
