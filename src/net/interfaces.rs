//! Which interfaces to listen on: scan the system, then filter by include/exclude globs.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

use nix::net::if_::InterfaceFlags;

/// One network interface as the kernel reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    pub up: bool,
    pub multicast: bool,
    pub loopback: bool,
    pub v4: Vec<Ipv4Addr>,
    pub v6: Vec<Ipv6Addr>,
}

/// Every interface with its addresses (getifaddrs + if_nametoindex).
pub fn scan() -> io::Result<Vec<Interface>> {
    let mut by_name: BTreeMap<String, Interface> = BTreeMap::new();
    for a in nix::ifaddrs::getifaddrs().map_err(io::Error::from)? {
        let entry = by_name
            .entry(a.interface_name.clone())
            .or_insert_with(|| Interface {
                index: nix::net::if_::if_nametoindex(a.interface_name.as_str()).unwrap_or(0),
                name: a.interface_name.clone(),
                up: a.flags.contains(InterfaceFlags::IFF_UP),
                multicast: a.flags.contains(InterfaceFlags::IFF_MULTICAST),
                loopback: a.flags.contains(InterfaceFlags::IFF_LOOPBACK),
                v4: Vec::new(),
                v6: Vec::new(),
            });
        if let Some(addr) = a.address {
            if let Some(v4) = addr.as_sockaddr_in() {
                entry.v4.push(v4.ip());
            } else if let Some(v6) = addr.as_sockaddr_in6() {
                entry.v6.push(v6.ip());
            }
        }
    }
    Ok(by_name.into_values().filter(|i| i.index != 0).collect())
}

/// The interfaces to join: up, multicast-capable, matching `include` (all when empty) and
/// not matching `exclude`. An interface named explicitly in `include` is joined even if it
/// matches an exclude glob (the operator asked for it).
pub fn select<'i>(
    all: &'i [Interface],
    include: &[String],
    exclude: &[String],
) -> Vec<&'i Interface> {
    all.iter()
        .filter(|i| i.up && i.multicast)
        .filter(|i| {
            let named = include.iter().any(|p| p == &i.name);
            let included = include.is_empty() || include.iter().any(|p| glob(p, &i.name));
            let excluded =
                exclude.iter().any(|p| glob(p, &i.name)) || (i.loopback && include.is_empty());
            named || (included && !excluded)
        })
        .collect()
}

pub use crate::glob::glob;

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, index: u32, multicast: bool, loopback: bool) -> Interface {
        Interface {
            name: name.into(),
            index,
            up: true,
            multicast,
            loopback,
            v4: Vec::new(),
            v6: Vec::new(),
        }
    }

    #[test]
    fn globs() {
        assert!(glob("veth*", "veth12ab"));
        assert!(glob("vlan?0", "vlan10"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("vlan?0", "vlan100"));
        assert!(!glob("docker*", "eth0"));
    }

    #[test]
    fn selection() {
        let all = vec![
            iface("lo", 1, true, true),
            iface("eth0", 2, true, false),
            iface("docker0", 3, true, false),
            iface("vlan10", 4, true, false),
            iface("tun0", 5, false, false),
        ];
        let names = |v: Vec<&Interface>| v.into_iter().map(|i| i.name.clone()).collect::<Vec<_>>();
        let exclude: Vec<String> = ["lo", "docker*"].map(String::from).to_vec();
        assert_eq!(names(select(&all, &[], &exclude)), ["eth0", "vlan10"]);
        assert_eq!(names(select(&all, &["vlan*".into()], &exclude)), ["vlan10"]);
        assert_eq!(
            names(select(&all, &["docker0".into()], &exclude)),
            ["docker0"],
            "named explicitly"
        );
        assert!(
            select(&all, &["tun0".into()], &[]).is_empty(),
            "not multicast-capable"
        );
    }

    #[test]
    fn scan_finds_loopback() {
        let all = scan().expect("getifaddrs works");
        assert!(all.iter().any(|i| i.loopback && i.index > 0), "{all:?}");
    }
}
