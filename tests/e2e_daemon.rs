//! The real `camcensusd` in a network namespace, fed real multicast from another.
//! Needs root (CI runs as root); skipped with a visible message otherwise.

mod common {
    pub mod daemon;
    pub mod netns;
}

use std::collections::HashMap;
use std::net::{Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::daemon::{temp_dir, wait_for, Daemon};
use common::netns::{Net, RX_IF, RX_V4};
use nix::sys::signal::Signal;
use rusqlite::Connection;

/// The daemon in the RX namespace (on `vrx` unless `env` names the interfaces), rescanning
/// interfaces every 200 ms; returns once both WS-Discovery groups are joined.
fn start(net: &Net, dir: &Path, env: &[(&str, &str)]) -> Daemon {
    let mut all = vec![("CAMCENSUS__LISTEN__RESCAN_INTERVAL", "200ms")];
    all.extend_from_slice(env);
    let named = env
        .iter()
        .any(|(k, _)| *k == "CAMCENSUS__LISTEN__INTERFACES");
    let args: &[&str] = if named { &[] } else { &["--interface", RX_IF] };
    let d = Daemon::start(Some(&net.rx), dir, args, &all);
    wait_for("the daemon to join both groups", || {
        d.log_text().matches("joined WS-Discovery group").count() >= 2
    });
    d
}

fn state_dir(name: &str) -> PathBuf {
    temp_dir(&format!("e2e-{name}"))
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("camcensus.db")).expect("open database")
}

fn count(dir: &Path, sql: &str) -> i64 {
    db(dir).query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wsd");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

/// Expected (EPR, family) per fixture that announces a device (a Bye alone announces none).
fn expected_devices() -> HashMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wsd-expected.tsv"),
    )
    .expect("expectations");
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wsd/MANIFEST.tsv"),
    )
    .expect("manifest");
    let epr_of: HashMap<&str, &str> = manifest
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some((*c.first()?, *c.get(4)?))
        })
        .collect();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let (file, family) = (*c.first()?, *c.get(2)?);
            (!file.contains("_bye_")).then(|| {
                (
                    epr_of[file].to_ascii_lowercase().replacen(
                        "uuid:",
                        "urn:uuid:",
                        usize::from(!epr_of[file].starts_with("urn:")),
                    ),
                    family.to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn every_fixture_over_ipv4_and_ipv6_lands_once_in_the_database() {
    require_netns!();
    let net = Net::new();
    let dir = state_dir("fixtures");
    let before = net.rx_udp_out();
    let daemon = start(&net, &dir, &[]);
    let datagrams: Vec<Vec<u8>> = fixtures().into_iter().map(|(_, b)| b).collect();
    net.send(datagrams, 4, true, true);
    let want = expected_devices();
    wait_for("every device in the database", || {
        count(&dir, "SELECT count(*) FROM devices") == want.len() as i64
    });
    let log = daemon.stop();
    assert!(log.contains("final flush done"), "{log}");
    assert_eq!(net.rx_udp_out(), before, "camcensusd sent UDP datagrams");

    let conn = db(&dir);
    for (epr, family) in &want {
        let (fam, ifs): (Option<String>, i64) = conn
            .query_row(
                "SELECT family, (SELECT count(*) FROM device_interfaces i WHERE i.device_id = d.id AND i.interface = ?2) \
                 FROM devices d WHERE epr_key = ?1",
                [epr.as_str(), RX_IF],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("{epr}: {e}"));
        assert_eq!(fam.as_deref().unwrap_or("-"), family, "{epr}");
        assert_eq!(ifs, 1, "{epr}: interface recorded");
    }
    // Four repeats by IPv4 plus an IPv6 copy with the same AppSequence: counted once.
    let hello: i64 = conn
        .query_row("SELECT hello_count FROM devices WHERE epr_key = 'urn:uuid:d6b92844-8911-4f59-8bdb-c9dadbb1a5bc'", [], |r| r.get(0))
        .expect("windows hello");
    assert_eq!(hello, 1);
    let hik_addrs: Vec<String> = conn
        .prepare("SELECT address FROM device_addresses a JOIN devices d ON d.id = a.device_id WHERE d.epr_key = 'urn:uuid:6eff0000-9fd2-11b4-8331-bcbac2a4dee3' ORDER BY address")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    // The IPv6 copy of the same message (same AppSequence) is ignored, whichever came first.
    assert_eq!(hik_addrs.len(), 1, "{hik_addrs:?}");
    assert!(
        hik_addrs[0] == "10.77.0.1" || hik_addrs[0].starts_with("fe80::"),
        "{hik_addrs:?}"
    );
    let probes: i64 = conn
        .query_row(
            "SELECT probes FROM probers WHERE address = '10.77.0.1' AND interface = ?1",
            [RX_IF],
            |r| r.get(0),
        )
        .expect("prober recorded");
    assert!(probes >= 5, "{probes}");
    assert_eq!(
        count(&dir, "SELECT count(*) FROM events WHERE kind = 'appeared'"),
        want.len() as i64
    );
    drop(conn);

    // A restart loads the inventory and adds nothing.
    let again = start(&net, &dir, &[]);
    assert!(
        again
            .log_text()
            .contains(&format!("inventory loaded devices={}", want.len())),
        "{}",
        again.log_text()
    );
    again.stop();
    assert_eq!(
        count(&dir, "SELECT count(*) FROM events WHERE kind = 'appeared'"),
        want.len() as i64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn hello(i: usize) -> Vec<u8> {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action><a:MessageID>urn:uuid:00000000-0000-4000-8000-{i:012}</a:MessageID><d:AppSequence InstanceId="1" MessageNumber="1"/></s:Header><s:Body><d:Hello><a:EndpointReference><a:Address>urn:uuid:11111111-0000-4000-8000-{i:012}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/hardware/DS-2CD2143G0-I</d:Scopes><d:XAddrs>http://10.77.0.1/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello></s:Body></s:Envelope>"#
    )
    .into_bytes()
}

const NO_RATE_LIMIT: [(&str, &str); 3] = [
    ("CAMCENSUS__LISTEN__RATE_PER_SOURCE", "1000000"),
    ("CAMCENSUS__LISTEN__RATE_BURST", "1000000"),
    ("RUST_LOG", "warn,camcensus::daemon=info,camcensusd=info"),
];

#[test]
fn kill_9_leaves_an_intact_database_with_every_committed_batch() {
    require_netns!();
    let net = Net::new();
    let dir = state_dir("kill9");
    let daemon = start(&net, &dir, &NO_RATE_LIMIT);
    net.send((0..500).map(hello).collect(), 1, true, false);
    wait_for("the first 500 devices committed", || {
        count(&dir, "SELECT count(*) FROM devices") == 500
    });
    net.send((500..1500).map(hello).collect(), 1, true, false);
    daemon.signal(Signal::SIGKILL);
    let (status, _) = daemon.wait();
    assert!(!status.success());
    let conn = db(&dir);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
    let n = count(&dir, "SELECT count(*) FROM devices");
    assert!((500..=1500).contains(&n), "{n}");
    let complete = count(
        &dir,
        "SELECT count(*) FROM devices WHERE family = 'hikvision' AND hardware = 'DS-2CD2143G0-I'",
    );
    assert_eq!(complete, n, "every committed row is whole");
    drop(conn);
    let again = start(&net, &dir, &NO_RATE_LIMIT);
    assert!(
        again
            .log_text()
            .contains(&format!("inventory loaded devices={n}")),
        "{}",
        again.log_text()
    );
    again.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_ws_discovery_program_on_the_port_keeps_receiving() {
    require_netns!();
    let net = Net::new();
    let dir = state_dir("coexist");
    // A wsdd-like peer already bound to 3702 with SO_REUSEADDR only.
    let rx = net.rx.clone();
    let peer = std::thread::spawn(move || {
        Net::within(&rx, || {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
                .expect("socket");
            s.set_reuse_address(true).expect("reuseaddr");
            s.bind(&std::net::SocketAddr::from((Ipv4Addr::UNSPECIFIED, 3702)).into())
                .expect("bind 3702");
            s.join_multicast_v4(&Ipv4Addr::new(239, 255, 255, 250), &RX_V4)
                .expect("join");
            let s: UdpSocket = s.into();
            s.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut buf = [0u8; 65536];
            s.recv_from(&mut buf).map(|(n, _)| n).unwrap_or(0)
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    let daemon = start(&net, &dir, &[]);
    net.send(vec![hello(1)], 1, true, false);
    let got = peer.join().expect("peer thread");
    assert_eq!(
        got,
        hello(1).len(),
        "the other program still receives the datagram"
    );
    wait_for("the daemon to record the device", || {
        count(&dir, "SELECT count(*) FROM devices") == 1
    });
    daemon.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn memberships_are_sharded_and_new_interfaces_are_picked_up() {
    require_netns!();
    let net = Net::new();
    let dir = state_dir("vlans");
    for id in 1..=6 {
        net.add_vlan(id);
    }
    // Four memberships per socket: the 7 interfaces (vrx + 6 VLANs) need two IPv4 sockets.
    let env = [
        ("CAMCENSUS__LISTEN__MAX_MEMBERSHIPS_PER_SOCKET", "4"),
        ("CAMCENSUS__LISTEN__IPV6", "false"),
    ];
    let mut cmd_env: Vec<(&str, &str)> = env.to_vec();
    cmd_env.push(("CAMCENSUS__LISTEN__RATE_PER_SOURCE", "1000"));
    let daemon = start_on(&net, &dir, "vrx*", &cmd_env);
    wait_for("seven memberships", || {
        daemon
            .log_text()
            .matches("joined WS-Discovery group")
            .count()
            >= 7
    });
    assert_eq!(
        daemon.log_text().matches("socket bound").count(),
        2,
        "{}",
        daemon.log_text()
    );
    for id in 1..=6u16 {
        let from = Ipv4Addr::new(10, 78, id as u8, 1);
        net.send_on(
            &format!("vtx.{id}"),
            from,
            vec![hello(100 + usize::from(id))],
        );
    }
    wait_for("a device per VLAN", || {
        count(&dir, "SELECT count(*) FROM devices") == 6
    });
    // A VLAN added while running is joined by the next rescan.
    net.add_vlan(7);
    wait_for("the new VLAN joined", || {
        daemon.log_text().contains("interface=\"vrx7\"")
    });
    net.send_on("vtx7", Ipv4Addr::new(10, 78, 7, 1), vec![hello(107)]);
    wait_for("the device on the new VLAN", || {
        count(&dir, "SELECT count(*) FROM devices") == 7
    });
    daemon.stop();
    for id in 1..=7 {
        let n = count(
            &dir,
            &format!("SELECT count(*) FROM device_interfaces WHERE interface = 'vrx{id}'"),
        );
        assert_eq!(n, 1, "vrx{id}: the arrival interface is recorded");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn start_on(net: &Net, dir: &Path, interfaces: &str, env: &[(&str, &str)]) -> Daemon {
    let mut all = env.to_vec();
    all.push(("CAMCENSUS__LISTEN__INTERFACES", interfaces));
    start(net, dir, &all)
}
