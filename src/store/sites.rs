//! Sites: where a device is, from where it was heard.
//!
//! Precedence: the site whose subnet contains the source address wins (the longest prefix
//! across all sites; on a tie, the first site in the configuration); a source in no
//! configured subnet takes the first site listing its interface (names or globs, in
//! configuration order); otherwise no site.
//!
//! A device is `off_subnet` when the interface it was heard on belongs to sites that
//! configure subnets and its source is in none of those subnets: a misconfigured or a
//! spoofed device, both worth knowing. It is flagged, never dropped.

use std::net::IpAddr;
use std::sync::Arc;

use crate::glob::glob;

/// An IPv4 or IPv6 prefix (`10.10.0.0/16`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (a, l) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address/prefix (10.10.0.0/16, 2001:db8::/32)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = if l.is_empty() {
            max
        } else {
            l.trim()
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?
        };
        Ok(Cidr { addr, len })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    pub fn len(&self) -> u8 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: Arc<str>,
    /// Interface names or globs.
    pub interfaces: Vec<String>,
    pub subnets: Vec<Cidr>,
}

/// An operator's site for one device (by normalised EPR or MAC), winning over the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePin {
    pub epr: Option<String>,
    pub mac: Option<crate::identify::Mac>,
    pub site: Arc<str>,
}

/// The configured sites, in configuration order, and the pinned devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sites {
    sites: Vec<Site>,
    pins: Vec<SitePin>,
}

/// Where a device is, by the rules above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub site: Option<Arc<str>>,
    pub off_subnet: bool,
    /// The site comes from an operator override, not from the rules.
    pub pinned: bool,
}

impl Sites {
    pub fn new(sites: Vec<Site>) -> Sites {
        Sites {
            sites,
            pins: Vec::new(),
        }
    }

    pub fn with_pins(self, pins: Vec<SitePin>) -> Sites {
        Sites { pins, ..self }
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty() && self.pins.is_empty()
    }

    /// [`Sites::place`], then a pinned site for this device (by key or MAC) wins.
    pub fn place_device(
        &self,
        key: &str,
        macs: &[crate::identify::Mac],
        source: IpAddr,
        interface: &str,
    ) -> Placement {
        let mut p = self.place(source, interface);
        if let Some(pin) = self.pins.iter().find(|pin| {
            pin.epr.as_deref() == Some(key) || pin.mac.is_some_and(|m| macs.contains(&m))
        }) {
            p.site = Some(pin.site.clone());
            p.pinned = true;
        }
        p
    }

    pub fn place(&self, source: IpAddr, interface: &str) -> Placement {
        if self.sites.is_empty() {
            return Placement::default();
        }
        let by_subnet = self
            .sites
            .iter()
            .flat_map(|s| s.subnets.iter().map(move |c| (s, c)))
            .filter(|(_, c)| c.contains(source))
            .fold(None::<(&Site, u8)>, |best, (s, c)| match best {
                Some((_, l)) if l >= c.len() => best,
                _ => Some((s, c.len())),
            })
            .map(|(s, _)| s);
        let on_interface: Vec<&Site> = self
            .sites
            .iter()
            .filter(|s| s.interfaces.iter().any(|p| glob(p, interface)))
            .collect();
        let subnets_here = on_interface.iter().flat_map(|s| s.subnets.iter());
        let mut any_subnet = false;
        let mut inside = false;
        for c in subnets_here {
            any_subnet = true;
            inside |= c.contains(source);
        }
        Placement {
            site: by_subnet
                .or_else(|| on_interface.first().copied())
                .map(|s| s.name.clone()),
            off_subnet: any_subnet && !inside,
            pinned: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, interfaces: &[&str], subnets: &[&str]) -> Site {
        Site {
            name: name.into(),
            interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
            subnets: subnets
                .iter()
                .map(|s| Cidr::parse(s).expect("cidr"))
                .collect(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.10.0.0/16").expect("v4");
        assert!(c.contains(ip("10.10.3.4")) && !c.contains(ip("10.11.0.1")));
        assert!(c.contains(ip("::ffff:10.10.0.9")), "v4-mapped");
        let c = Cidr::parse("2001:db8:10::/48").expect("v6");
        assert!(c.contains(ip("2001:db8:10:1::5")) && !c.contains(ip("2001:db8:11::1")));
        assert!(Cidr::parse("0.0.0.0/0")
            .expect("all")
            .contains(ip("192.0.2.1")));
        assert!(Cidr::parse("10.0.0.1")
            .expect("host")
            .contains(ip("10.0.0.1")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("vlan10").is_err());
    }

    #[test]
    fn subnet_beats_interface_and_longest_prefix_wins() {
        let sites = Sites::new(vec![
            site("campus", &["vlan*"], &["10.0.0.0/8"]),
            site("town-hall", &["vlan10"], &["10.10.0.0/16"]),
            site("depot", &["vlan20"], &[]),
        ]);
        let p = sites.place(ip("10.10.1.5"), "vlan20");
        assert_eq!(p.site.as_deref(), Some("town-hall"), "longest prefix");
        let p = sites.place(ip("10.20.1.5"), "vlan20");
        assert_eq!(
            p.site.as_deref(),
            Some("campus"),
            "a subnet beats the interface"
        );
        let p = sites.place(ip("192.0.2.7"), "vlan20");
        assert_eq!(
            p.site.as_deref(),
            Some("campus"),
            "first site listing the interface"
        );
        assert!(
            p.off_subnet,
            "vlan20's sites configure subnets and none holds it"
        );
        let p = sites.place(ip("192.0.2.7"), "eth9");
        assert_eq!(p, Placement::default());
        assert!(!sites.place(ip("10.10.1.5"), "vlan10").off_subnet);
    }

    #[test]
    fn no_sites_no_placement() {
        assert_eq!(
            Sites::default().place(ip("10.0.0.1"), "vlan10"),
            Placement::default()
        );
    }
}
