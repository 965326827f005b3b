//! Test networks: two network namespaces joined by a veth pair, made and removed by the
//! test itself. Nothing is added to the host namespace; nothing is sent outside them.

#![allow(dead_code)]

use std::fs::File;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::sched::{setns, CloneFlags};
use socket2::SockRef;

pub const TX_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
pub const RX_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
pub const TX_IF: &str = "vtx";
pub const RX_IF: &str = "vrx";
pub const GROUP_V4: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(Ipv4Addr::new(239, 255, 255, 250)),
    3702,
);
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xc);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Why a namespace test cannot run here (printed, so a skip is visible), or `None`.
pub fn unavailable() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("needs root (network namespaces)".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("needs iproute2's `ip`".into()),
    }
}

/// Skip the calling test, loudly, when namespaces are unavailable.
#[macro_export]
macro_rules! require_netns {
    () => {
        if let Some(why) = common::netns::unavailable() {
            // Straight to the stderr handle: the test harness captures `eprintln!` output of
            // passing tests, and a skip must be visible.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", module_path!());
            return;
        }
    };
}

pub struct Net {
    pub tx: String,
    pub rx: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Net {
    pub fn new() -> Net {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let id = format!("{}-{n}", std::process::id());
        let net = Net {
            tx: format!("cc-tx-{id}"),
            rx: format!("cc-rx-{id}"),
        };
        ip(&["netns", "add", &net.tx]);
        ip(&["netns", "add", &net.rx]);
        let (tx, rx) = (net.tx.as_str(), net.rx.as_str());
        ip(&[
            "-n", tx, "link", "add", TX_IF, "type", "veth", "peer", "name", RX_IF,
        ]);
        ip(&["-n", tx, "link", "set", RX_IF, "netns", rx]);
        for (ns, dev, v4, v6) in [
            (tx, TX_IF, "10.77.0.1/24", "fe80::77:1/64"),
            (rx, RX_IF, "10.77.0.2/24", "fe80::77:2/64"),
        ] {
            ip(&["-n", ns, "addr", "add", v4, "dev", dev]);
            ip(&["-n", ns, "addr", "add", v6, "dev", dev, "nodad"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        net
    }

    /// Add another link between the namespaces, standing for a camera VLAN: a veth pair
    /// `vtxID` (10.78.ID.1/24) / `vrxID` (10.78.ID.2/24). (802.1Q sub-interfaces behave the
    /// same for the listener, but not every test kernel has the 8021q module.)
    pub fn add_vlan(&self, id: u16) {
        let (tx_dev, rx_dev) = (format!("{TX_IF}{id}"), format!("{RX_IF}{id}"));
        ip(&[
            "-n", &self.tx, "link", "add", &tx_dev, "type", "veth", "peer", "name", &rx_dev,
        ]);
        ip(&["-n", &self.tx, "link", "set", &rx_dev, "netns", &self.rx]);
        for (ns, dev, host) in [(&self.tx, &tx_dev, 1), (&self.rx, &rx_dev, 2)] {
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("10.78.{id}.{host}/24"),
                "dev",
                dev,
            ]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
    }

    /// Send datagrams once by IPv4 multicast out of TX interface `dev` (source `from`).
    pub fn send_on(&self, dev: &str, from: Ipv4Addr, datagrams: Vec<Vec<u8>>) {
        let _ = dev;
        Net::within(&self.tx, move || {
            let s = UdpSocket::bind((from, 0)).expect("bind");
            SockRef::from(&s)
                .set_multicast_if_v4(&from)
                .expect("multicast if");
            s.set_multicast_ttl_v4(1).expect("ttl");
            for d in &datagrams {
                s.send_to(d, GROUP_V4).expect("send");
            }
        })
    }

    /// Run `f` on a thread that lives in namespace `ns`.
    pub fn within<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/run/netns/{ns}");
        std::thread::spawn(move || {
            let file = File::open(&path).expect("namespace file");
            setns(&file, CloneFlags::CLONE_NEWNET).expect("setns");
            f()
        })
        .join()
        .expect("namespace thread")
    }

    /// Send each datagram `repeat` times from the TX side, by IPv4 and/or IPv6 multicast.
    pub fn send(&self, datagrams: Vec<Vec<u8>>, repeat: usize, v4: bool, v6: bool) {
        Net::send_from(&self.tx, datagrams, repeat, v4, v6)
    }

    /// [`Net::send`] from TX namespace `tx` (usable from another thread).
    pub fn send_from(tx: &str, datagrams: Vec<Vec<u8>>, repeat: usize, v4: bool, v6: bool) {
        Net::within(tx, move || {
            let s4 = UdpSocket::bind((TX_V4, 0)).expect("bind v4");
            SockRef::from(&s4)
                .set_multicast_if_v4(&TX_V4)
                .expect("multicast if");
            s4.set_multicast_ttl_v4(1).expect("ttl");
            let s6 = UdpSocket::bind("[::]:0").expect("bind v6");
            let index = nix::net::if_::if_nametoindex(TX_IF).expect("ifindex");
            SockRef::from(&s6)
                .set_multicast_if_v6(index)
                .expect("multicast if v6");
            let group6 = SocketAddrV6::new(GROUP_V6, 3702, 0, index);
            for d in &datagrams {
                for _ in 0..repeat {
                    if v4 {
                        s4.send_to(d, GROUP_V4).expect("send v4");
                    }
                    if v6 {
                        s6.send_to(d, group6).expect("send v6");
                    }
                }
            }
        })
    }

    /// UDP datagrams and UDP6 datagrams sent from the RX namespace so far.
    pub fn rx_udp_out(&self) -> (u64, u64) {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.rx,
                "cat",
                "/proc/net/snmp",
                "/proc/net/snmp6",
            ])
            .output()
            .expect("read snmp");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        let udp = lines
            .windows(2)
            .find(|w| w[0].starts_with("Udp:") && w[1].starts_with("Udp:"))
            .and_then(|w| {
                let names: Vec<&str> = w[0].split_whitespace().collect();
                let values: Vec<&str> = w[1].split_whitespace().collect();
                names
                    .iter()
                    .position(|n| *n == "OutDatagrams")
                    .and_then(|i| values.get(i)?.parse().ok())
            })
            .expect("Udp OutDatagrams");
        let udp6 = lines
            .iter()
            .find_map(|l| {
                l.strip_prefix("Udp6OutDatagrams")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .expect("Udp6OutDatagrams");
        (udp, udp6)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.tx, &self.rx] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
