//! SIGHUP reloads the configuration while datagrams arrive, in a network namespace: a new
//! interface is joined, new identification rules re-identify known devices, nothing is
//! lost, and a broken configuration is refused with the running one kept. Needs root (CI
//! runs as root); skipped with a visible message otherwise.

mod common {
    pub mod daemon;
    pub mod netns;
}

use std::net::Ipv4Addr;
use std::path::Path;

use common::daemon::{hello, temp_dir, wait_for, Daemon};
use common::netns::Net;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::json;

fn config(dir: &Path, interfaces: &str, second: bool) -> String {
    let rules = if second {
        format!(
            "\n[identify]\nrules_file = \"{}\"\n",
            dir.join("rules.tsv").display()
        )
    } else {
        String::new()
    };
    let sites = if second {
        "\n[[sites]]\nname = \"annex\"\ninterfaces = [\"vrx1\"]\n\n\
         [[sites]]\nname = \"hall\"\ninterfaces = [\"vrx\"]\nsubnets = [\"10.77.0.0/24\"]\n"
    } else {
        ""
    };
    format!(
        "[listen]\ninterfaces = [{interfaces}]\nrate_per_source = 1000000\nrate_burst = 1000000\n\
         rescan_interval = \"1h\"\n{rules}{sites}"
    )
}

/// A Hello from a maker no built-in rule knows ("ACME").
fn acme_hello(i: usize) -> Vec<u8> {
    String::from_utf8(hello(i))
        .expect("utf-8")
        .replace("name/HIKVISION", "name/ACME")
        .replace("hardware/DS-2CD2143G0-I", "hardware/AC-100")
        .into_bytes()
}

fn hup(d: &Daemon) {
    let pid = Pid::from_raw(i32::try_from(d.pid()).expect("pid"));
    kill(pid, Signal::SIGHUP).expect("SIGHUP");
}

fn count(d: &Daemon, filter: serde_json::Value) -> u64 {
    d.conn().result(json!({"type": "count", "filter": filter}))["count"]
        .as_u64()
        .expect("count")
}

#[test]
fn sighup_applies_a_new_configuration_and_refuses_a_broken_one() {
    require_netns!();
    let net = Net::new();
    net.add_vlan(1);
    let dir = temp_dir("reload");
    let file = dir.join("camcensus.toml");
    std::fs::write(&file, config(&dir, "\"vrx\"", false)).expect("config");
    std::fs::write(
        dir.join("rules.tsv"),
        "family\tbrand\tkind\tpattern\tconfidence\tnote\n\
         acme\tACME\tname\t^ACME(\\s|$)\thigh\tthe test's own maker\n",
    )
    .expect("rules");
    let d = Daemon::start(
        Some(&net.rx),
        &dir,
        &["--config", file.to_str().expect("path")],
        &[],
    );
    net.send((0..50).map(acme_hello).collect(), 1, true, false);
    wait_for("the first devices", || count(&d, json!({})) == 50);
    assert_eq!(
        count(&d, json!({"family": "none"})),
        50,
        "ACME is unknown at first"
    );

    // Reload while a stream arrives: a second interface and a rules file.
    std::fs::write(&file, config(&dir, "\"vrx\", \"vrx1\"", true)).expect("config");
    let tx = net.tx.clone();
    let stream = std::thread::spawn(move || {
        common::netns::Net::send_from(&tx, (1_000..3_000).map(hello).collect(), 1, true, false)
    });
    hup(&d);
    stream.join().expect("stream");
    wait_for("the reload", || {
        d.log_text().contains("configuration reloaded")
    });
    wait_for("vrx1 to be joined", || {
        d.log_text()
            .contains("joined WS-Discovery group interface=\"vrx1\"")
    });
    wait_for("every datagram of the stream", || {
        count(&d, json!({})) == 2_050
    });
    assert_eq!(
        count(&d, json!({"family": "acme"})),
        50,
        "known devices re-identified with the new rules"
    );
    net.send_on(
        "vtx1",
        Ipv4Addr::new(10, 78, 1, 1),
        (5_000..5_010).map(hello).collect(),
    );
    wait_for("devices heard on the new interface", || {
        count(&d, json!({"interface": "vrx1"})) == 10
    });
    assert_eq!(
        count(&d, json!({"site": "annex"})),
        10,
        "a site from the new configuration"
    );
    assert_eq!(
        count(&d, json!({"site": "hall"})),
        2_050,
        "known devices placed by the new sites"
    );

    // A broken configuration is refused; the running one stays.
    std::fs::write(&file, "[listen]\ninterfaces = [\"vrx\"]\nno_such_key = 1\n").expect("config");
    hup(&d);
    wait_for("the refusal", || {
        d.log_text().contains("configuration reload refused")
    });
    assert!(d.log_text().contains("no_such_key"), "{}", d.log_text());
    net.send_on(
        "vtx1",
        Ipv4Addr::new(10, 78, 1, 1),
        (6_000..6_010).map(hello).collect(),
    );
    wait_for("vrx1 still listened on", || {
        count(&d, json!({"interface": "vrx1"})) == 20
    });
    let log = d.stop();
    assert!(!log.contains("left the WS-Discovery groups"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}
