//! Subscriptions on the real daemon while real multicast arrives in a network namespace:
//! snapshot then live events, `camcensus watch`, and slow or stuck subscribers that must
//! not hold up ingestion. Needs root (CI runs as root); skipped with a visible message
//! otherwise.

mod common {
    pub mod daemon;
    pub mod netns;
}

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::daemon::{hello, preload, temp_dir, wait_for, Conn, Daemon};
use common::netns::{Net, RX_IF};
use serde_json::{json, Value};

const NO_RATE_LIMIT: [(&str, &str); 2] = [
    ("CAMCENSUS__LISTEN__RATE_PER_SOURCE", "1000000"),
    ("CAMCENSUS__LISTEN__RATE_BURST", "1000000"),
];

fn start(net: &Net, name: &str, preloaded: bool, env: &[(&str, &str)]) -> (Daemon, usize) {
    let dir = temp_dir(&format!("live-{name}"));
    let n = if preloaded { preload(&dir).len() } else { 0 };
    let mut all = NO_RATE_LIMIT.to_vec();
    all.extend_from_slice(env);
    let d = Daemon::start(Some(&net.rx), &dir, &["--interface", RX_IF], &all);
    (d, n)
}

fn event(c: &mut Conn) -> Value {
    let line = c.line().expect("an event line");
    serde_json::from_str(&line).expect("an event is JSON")
}

fn count(d: &Daemon) -> u64 {
    d.conn().result(json!({"type": "count"}))["count"]
        .as_u64()
        .expect("count")
}

#[test]
fn subscribe_gives_the_snapshot_then_each_change_live() {
    require_netns!();
    let net = Net::new();
    let (d, n) = start(&net, "snap", true, &[]);
    let mut sub = d.conn();
    let ack = sub.result(json!({"type": "subscribe", "snapshot": true}));
    assert_eq!(ack, json!({"subscribed": true, "snapshot": n}));
    for _ in 0..n {
        let e = event(&mut sub);
        assert_eq!(e["kind"], "present");
        assert!(e["device"]["epr"].is_string());
    }
    let mut watch = Command::new(env!("CARGO_BIN_EXE_camcensus"))
        .arg("--socket")
        .arg(&d.socket)
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("camcensus watch");
    let mut watch_out = BufReader::new(watch.stdout.take().expect("stdout"));
    wait_for("watch to subscribe", || {
        d.conn().result(json!({"type": "stats"}))["clients"]["subscribers"] == 2
    });

    // Five new cameras, each datagram sent twice (a SOAP-over-UDP repeat).
    net.send((0..5).map(hello).collect(), 2, true, false);
    for i in 0..5 {
        let e = event(&mut sub);
        assert_eq!(e["kind"], "appeared", "{e}");
        assert_eq!(e["device"]["family"], "hikvision");
        assert_eq!(e["device"]["interfaces"], json!([RX_IF]));
        assert_eq!(
            e["device"]["epr"],
            format!("urn:uuid:22222222-0000-4000-8000-{i:012}")
        );
        let mut line = String::new();
        watch_out.read_line(&mut line).expect("watch line");
        assert!(
            line.contains("appeared") && line.contains("hikvision") && line.contains("[watchlist]"),
            "{line}"
        );
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(count(&d), n as u64 + 5, "repeats counted once");
    wait_for("the appeared events to reach the log", || {
        let ev = d.conn().result(json!({"type": "events", "since": "1h"}));
        ev["events"]
            .as_array()
            .is_some_and(|v| v.iter().filter(|e| e["kind"] == "appeared").count() == 5)
    });
    let diff = d.client(&["diff", "--since", "1h"]);
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.ends_with("5 appeared, 0 departed, 0 changed\n"),
        "{text}"
    );
    let rows: serde_json::Value =
        serde_json::from_slice(&d.client(&["diff", "--since", "1h", "--json"]).stdout)
            .expect("diff JSON");
    assert!(rows
        .as_array()
        .is_some_and(|r| r.len() == 5 && r.iter().all(|r| r["device"]["family"] == "hikvision")));
    let shown = d.client(&["show", "urn:uuid:22222222-0000-4000-8000-000000000003"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("Recent events") && text.contains("appeared"),
        "{text}"
    );
    drop(sub);
    let dir = d.dir.clone();
    d.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn slow_and_stuck_subscribers_do_not_hold_up_ingestion() {
    require_netns!();
    let net = Net::new();
    let env = [
        ("CAMCENSUS__API__SUBSCRIBER_QUEUE", "8"),
        ("CAMCENSUS__API__WRITE_TIMEOUT", "2s"),
    ];
    let (d, _) = start(&net, "slow", false, &env);
    let send = |range: std::ops::Range<usize>| {
        let datagrams: Vec<Vec<u8>> = range.map(hello).collect();
        let tx = net.tx.clone();
        // `Net` is not Send; send from its namespace name on another thread.
        std::thread::spawn(move || common::netns::Net::send_from(&tx, datagrams, 1, true, false))
    };

    // A slow subscriber falls behind a burst: it is told with one resync, and stays.
    let mut slow = d.conn();
    slow.result(json!({"type": "subscribe"}));
    const BURST: usize = 3_000;
    let sender = send(0..BURST);
    let mut seen = 0;
    let mut resynced = false;
    while seen < 50 || !resynced {
        let e = event(&mut slow);
        if e["kind"] == "resync" {
            assert!(e["detail"]["missed"].as_u64().is_some_and(|m| m > 0), "{e}");
            resynced = true;
        }
        seen += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    sender.join().expect("sender");
    wait_for("every device of the burst", || count(&d) == BURST as u64);
    let stats = d.conn().result(json!({"type": "stats"}));
    assert!(stats["clients"]["resyncs"].as_u64().is_some_and(|r| r >= 1));
    assert_eq!(
        stats["clients"]["subscribers"], 1,
        "the slow one stays subscribed"
    );
    drop(slow);

    // A stuck subscriber asks for the whole inventory and reads nothing: once its socket
    // is full it is cut off after the write timeout, while ingestion goes on.
    let mut stuck = d.conn();
    let ack = stuck.result(json!({"type": "subscribe", "snapshot": true}));
    assert_eq!(ack["snapshot"], BURST);
    send(BURST..BURST + 1_000).join().expect("sender");
    wait_for("the second batch while a client is stuck", || {
        count(&d) == BURST as u64 + 1_000
    });
    wait_for("the stuck subscriber to be disconnected", || {
        d.conn().result(json!({"type": "stats"}))["clients"]["write_timeouts"] == 1
    });
    // What the stuck client has buffered ends, instead of blocking for ever.
    while stuck.line().is_some() {}
    let stats = d.conn().result(json!({"type": "stats"}));
    assert_eq!(stats["clients"]["subscribers"], 0);
    let dir = d.dir.clone();
    d.stop();
    let _ = std::fs::remove_dir_all(dir);
}
