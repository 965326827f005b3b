//! The query API and the `camcensus` client against the real daemon binary on a temporary
//! socket. The inventory is preloaded from the captured fixtures (written with the
//! library's persistence, then loaded by the daemon at start-up). These tests need no
//! root except `unauthorised_peer_is_refused`, which switches to another uid.

mod common {
    pub mod daemon;
    pub mod netns;
}

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use common::daemon::{preload, temp_dir, Conn, Daemon};
use serde_json::{json, Value};

/// Families expected for the fixtures that announce a device (from wsd-expected.tsv, the
/// project's independent expectations), as counts.
fn expected_families() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wsd-expected.tsv"),
    )
    .expect("expectations");
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        if l.starts_with('#') || c[0] == "file" || c[0].contains("_bye_") || c.len() < 3 {
            continue;
        }
        *out.entry(c[2].to_string()).or_insert(0) += 1;
    }
    out
}

fn start(name: &str, env: &[(&str, &str)]) -> (Daemon, usize) {
    let dir = temp_dir(&format!("api-{name}"));
    let devices = preload(&dir).len();
    let d = Daemon::start(None, &dir, &["--interface", "camcensus-none0"], env);
    (d, devices)
}

fn finish(d: Daemon) {
    let dir = d.dir.clone();
    d.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_request_type_answers_on_one_connection() {
    let (d, n) = start("all", &[]);
    let families = expected_families();
    assert_eq!(
        n,
        families.values().sum::<usize>(),
        "one device per fixture"
    );
    let mut c = d.conn();

    let v = c.call(json!({"type": "version", "id": "a-1"}));
    assert_eq!(v["ok"], true);
    assert_eq!(v["protocol"], 1, "the first reply carries the protocol");
    assert_eq!(v["id"], "a-1", "the id is echoed");
    assert_eq!(v["result"]["protocol"], 1);
    let v = c.call(json!({"type": "version"}));
    assert!(v.get("protocol").is_none(), "only the first reply: {v}");

    let all = c.result(json!({"type": "devices"}));
    assert_eq!(all["total"], n);
    assert_eq!(all["devices"].as_array().map(Vec::len), Some(n));
    let first = &all["devices"][0];
    for field in [
        "id",
        "epr",
        "class",
        "status",
        "first_seen",
        "last_seen",
        "addresses",
        "interfaces",
        "watchlist",
        "confidence",
    ] {
        assert!(first.get(field).is_some(), "devices carry {field}: {first}");
    }

    for (family, want) in &families {
        let family = if family == "-" { "none" } else { family };
        let got = c.result(json!({"type": "count", "filter": {"family": family}}));
        assert_eq!(got["count"], *want, "family {family}");
    }
    let watch = c.result(json!({"type": "count", "filter": {"family": ["hikvision", "dahua"]}}));
    assert_eq!(watch["count"], families["hikvision"] + families["dahua"]);
    let flagged = c.result(json!({"type": "count", "filter": {"watchlist": true}}));
    assert_eq!(flagged["count"], families["hikvision"] + families["dahua"]);

    let page = c.result(
        json!({"type": "devices", "sort": "last_seen", "desc": true, "limit": 3, "offset": 1}),
    );
    assert_eq!(page["total"], n);
    let times: Vec<&str> = page["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["last_seen"].as_str())
        .collect();
    assert_eq!(times.len(), 3);
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "descending: {times:?}"
    );

    let on10 = c.result(json!({"type": "devices", "filter": {"interface": "vlan10"}}));
    assert!(on10["devices"]
        .as_array()
        .expect("list")
        .iter()
        .all(|d| d["interfaces"] == json!(["vlan10"])));
    let hik = c.result(
        json!({"type": "devices", "filter": {"family": "hikvision", "text": "DS-2CD"}, "limit": 1}),
    );
    let hik = &hik["devices"][0];
    assert_eq!(hik["family"], "hikvision");

    for q in [
        hik["id"].to_string(),
        hik["epr"].as_str().expect("epr").to_uppercase(),
        hik["addresses"][0].as_str().expect("addr").to_string(),
    ] {
        let one = c.result(json!({"type": "device", "query": q}));
        assert_eq!(one["device"]["id"], hik["id"], "lookup by {q}");
        assert!(
            one["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["family"] == "hikvision")),
            "evidence: {one}"
        );
        assert_eq!(one["sightings"]["addresses"][0]["on"], hik["addresses"][0]);
    }
    let missing = c.call(json!({"type": "device", "query": "10.9.9.9"}));
    assert_eq!(missing["error"]["code"], "not_found");

    let summary = c.result(json!({"type": "summary", "by": ["family"]}));
    assert_eq!(summary["total"], n);
    for g in summary["groups"].as_array().expect("groups") {
        let key = g["key"][0].as_str().unwrap_or("-");
        assert_eq!(g["count"], families[key], "summary group {key}");
    }
    let by_two = c.result(
        json!({"type": "summary", "by": ["interface", "class"], "filter": {"class": "camera"}}),
    );
    let cams: u64 = by_two["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["cameras"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(cams, by_two["total"].as_u64().expect("total"));

    let watch = c.result(json!({"type": "watchlist"}));
    let entries = watch["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 5, "the default s.889 list");
    assert!(entries
        .iter()
        .all(|e| e["reason"].as_str().is_some_and(|r| r.contains("889"))));
    let probers = c.result(json!({"type": "probers"}));
    assert!(
        probers["total"].as_u64().expect("total") >= 3,
        "the Probe fixtures are probers: {probers}"
    );
    let events = c.result(json!({"type": "events", "since": "7d"}));
    assert!(events["events"].is_array());
    let stats = c.result(json!({"type": "stats"}));
    assert_eq!(stats["store"]["devices"], n);
    assert_eq!(stats["store"]["max_devices"], 100_000);
    assert_eq!(stats["clients"]["connected"], 1);
    assert!(stats["persistence"]["database"]
        .as_str()
        .is_some_and(|p| p.ends_with("camcensus.db")));
    let health = c.result(json!({"type": "health"}));
    assert_eq!(
        health["status"], "degraded",
        "no interface is joined: {health}"
    );
    assert!(health["problems"][0]
        .as_str()
        .is_some_and(|p| p.contains("interface")));
    assert_eq!(health["devices"], n);
    drop(c);
    finish(d);
}

#[test]
fn bad_lines_get_error_replies_and_the_connection_stays_usable() {
    let (d, _) = start("bad", &[("CAMCENSUS__API__MAX_LINE", "1KiB")]);
    let mut c = d.conn();
    let cases: [(&[u8], &str); 7] = [
        (b"{not json\n", "bad_json"),
        (b"[1,2]\n", "bad_json"),
        (b"{\"type\":\"reboot\"}\n", "bad_request"),
        (b"{\"type\":\"devices\",\"famly\":\"x\"}\n", "bad_request"),
        (
            b"{\"type\":\"devices\",\"filter\":{\"class\":\"printer\"}}\n",
            "bad_request",
        ),
        (
            b"{\"type\":\"events\",\"since\":\"last tuesday\"}\n",
            "bad_request",
        ),
        (b"\xff\xfe\n", "bad_json"),
    ];
    for (line, code) in cases {
        c.send_raw(line);
        let r = c.recv();
        assert_eq!(r["ok"], false, "{}", String::from_utf8_lossy(line));
        assert_eq!(
            r["error"]["code"],
            code,
            "{}: {r}",
            String::from_utf8_lossy(line)
        );
        assert!(r["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let mut long = vec![b'x'; 5_000];
    long.push(b'\n');
    c.send_raw(&long);
    assert_eq!(c.recv()["error"]["code"], "line_too_long");
    c.send_raw(b"\n   \n");
    let ok = c.result(json!({"type": "version", "id": 9}));
    assert_eq!(ok["protocol"], 1);
    for i in 0..200 {
        let r = c.call(json!({"type": "count", "id": i}));
        assert_eq!(r["id"], i, "pipelined replies stay in order");
    }
    let stats = c.result(json!({"type": "stats"}));
    assert_eq!(stats["clients"]["lines_too_long"], 1);
    assert!(stats["clients"]["errors"].as_u64().expect("errors") >= 8);
    drop(c);
    finish(d);
}

#[test]
fn client_limit_and_idle_deadline_hold() {
    let (d, _) = start(
        "limits",
        &[
            ("CAMCENSUS__API__MAX_CLIENTS", "2"),
            ("CAMCENSUS__API__IDLE_TIMEOUT", "1s"),
        ],
    );
    // The start-up probe's connection may still hold a slot for a moment.
    let retries = std::cell::Cell::new(0u64);
    let admitted = || loop {
        let mut c = d.conn();
        if c.call(json!({"type": "version"}))["ok"] == true {
            return c;
        }
        retries.set(retries.get() + 1);
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut a = admitted();
    let mut b = admitted();
    let refused_before = retries.get();
    let mut third = d.conn();
    let refused = third.recv();
    assert_eq!(refused["error"]["code"], "too_many_clients", "{refused}");
    assert!(third.line().is_none(), "a refused client is disconnected");
    // Idle connections are closed by the daemon, which frees their slots.
    assert!(a.line().is_none(), "idle connection closed");
    assert!(b.line().is_none(), "idle connection closed");
    let mut again = Conn::connect(&d.socket);
    let stats = again.result(json!({"type": "stats"}));
    assert_eq!(stats["clients"]["refused_limit"], refused_before + 1);
    assert_eq!(stats["clients"]["idle_timeouts"], 2);
    assert_eq!(stats["clients"]["connected"], 1);
    drop(again);
    finish(d);
}

#[test]
fn the_client_answers_people_and_scripts() {
    let (d, n) = start("cli", &[]);
    let families = expected_families();
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();

    let ls = d.client(&["ls", "--family", "hikvision"]);
    assert!(ls.status.success(), "{ls:?}");
    let out = text(&ls);
    assert!(out.starts_with("ID "), "{out}");
    assert!(out.contains("LAST SEEN"));
    assert_eq!(out.lines().count(), 1 + families["hikvision"], "{out}");
    assert!(!out.contains('\x1b'), "no colour without a terminal");

    let count = d.client(&["count", "--family", "dahua,hikvision"]);
    assert_eq!(
        text(&count).trim(),
        (families["dahua"] + families["hikvision"]).to_string()
    );
    let json_ls = d.client(&["devices", "--class", "camera", "--json"]);
    let v: Value = serde_json::from_slice(&json_ls.stdout).expect("JSON");
    assert!(v["devices"]
        .as_array()
        .expect("list")
        .iter()
        .all(|d| d["class"] == "camera"));

    let summary = d.client(&["summary", "--by", "family,watchlist"]);
    let out = text(&summary);
    assert!(out.starts_with("FAMILY"), "{out}");
    assert!(out.contains(&format!("total: {n} devices")), "{out}");
    let md = text(&d.client(&["report", "--format", "md", "--since", "7d"]));
    assert!(md.starts_with("# Network camera census"), "{md}");
    let watched = families["hikvision"] + families["dahua"];
    assert!(
        md.contains(&format!(
            "**{watched} cameras and 0 recorders** are from watchlisted makers"
        )),
        "{md}"
    );
    assert_eq!(
        md.matches("| camera | hikvision |").count(),
        families["hikvision"]
    );
    let html_file = d.dir.join("census.html");
    let html = d.client(&["report", "-o", html_file.to_str().expect("path")]);
    assert!(html.status.success());
    assert!(std::fs::read_to_string(&html_file)
        .expect("report")
        .starts_with("<!DOCTYPE html>"));
    let census = text(&d.client(&["summary"]));
    assert!(census.starts_with("Camera census at "), "{census}");
    let cams = families
        .iter()
        .filter(|(f, _)| f.as_str() != "-")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        census.contains(&format!("Overall: {cams} cameras, 0 recorders")),
        "{census}"
    );
    let bad_by = d.client(&["summary", "--by", "colour"]);
    assert_eq!(bad_by.status.code(), Some(2));

    let hik: Value = serde_json::from_slice(
        &d.client(&["ls", "--family", "hikvision", "--limit", "1", "--json"])
            .stdout,
    )
    .expect("json");
    let ip = hik["devices"][0]["addresses"][0]
        .as_str()
        .expect("address")
        .to_string();
    let show = d.client(&["show", &ip]);
    assert!(show.status.success());
    let out = text(&show);
    assert!(
        out.contains("Evidence") && out.contains("hikvision") && out.contains("Sightings"),
        "{out}"
    );
    let none = d.client(&["show", "10.9.9.9"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no device matches"));

    let csv = text(&d.client(&["export", "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,epr,class,family,brand,manufacturer,model,macs,addresses,interfaces,site,status,first_seen,last_seen,watchlist,confidence")
    );
    assert_eq!(lines.count(), n);
    let json: Value =
        serde_json::from_slice(&d.client(&["export", "--format", "json"]).stdout).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(n));
    let ndjson = text(&d.client(&["export", "--format", "ndjson", "--watchlist"]));
    assert_eq!(
        ndjson.lines().count(),
        families["hikvision"] + families["dahua"]
    );
    for l in ndjson.lines() {
        let v: Value = serde_json::from_str(l).expect("one object per line");
        assert_eq!(v["watchlist"], true);
    }
    let file = d.dir.join("export.csv");
    assert!(d
        .client(&["export", "-o", file.to_str().expect("path")])
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(&file)
            .expect("file")
            .lines()
            .count(),
        n + 1
    );

    let stats = d.client(&["stats"]);
    assert!(
        text(&stats).contains(&format!("devices {n} of 100000")),
        "{}",
        text(&stats)
    );
    let health = d.client(&["health"]);
    assert_eq!(
        health.status.code(),
        Some(1),
        "degraded (no interface) exits 1"
    );
    assert!(text(&health).starts_with("degraded"));
    let probers = d.client(&["probers"]);
    assert!(text(&probers).starts_with("ADDRESS"));
    let events = d.client(&["events", "--since", "7d"]);
    assert!(events.status.success());
    let bad_since = d.client(&["events", "--since", "yesterday-ish"]);
    assert_eq!(bad_since.status.code(), Some(2));

    let metrics = text(&d.client(&["metrics"]));
    assert!(metrics.contains("camcensus_up 1\n"), "{metrics}");
    assert!(metrics.contains(&format!("camcensus_store_devices {n}\n")));
    let hik_line = format!(
        "camcensus_devices{{family=\"hikvision\",class=\"camera\",status=\"active\",site=\"unknown\"}} {}",
        families["hikvision"]
    );
    assert!(metrics.contains(&hik_line), "{metrics}");
    let prom = d.dir.join("camcensus.prom");
    let written = d.client(&["metrics", "--output", prom.to_str().expect("path")]);
    assert!(written.status.success());
    let file = std::fs::read_to_string(&prom).expect("metrics file");
    assert!(
        file.contains("camcensus_up 1\n") && file.contains(&hik_line),
        "{file}"
    );
    let down = Command::new(env!("CARGO_BIN_EXE_camcensus"))
        .args(["--socket", "/nonexistent/camcensus.sock", "metrics", "-o"])
        .arg(&prom)
        .output()
        .expect("run");
    assert_eq!(down.status.code(), Some(69));
    assert!(std::fs::read_to_string(&prom)
        .expect("metrics file")
        .contains("camcensus_up 0\n"));

    let gone = Command::new(env!("CARGO_BIN_EXE_camcensus"))
        .args(["--socket", "/nonexistent/camcensus.sock", "count"])
        .output()
        .expect("run");
    assert_eq!(gone.status.code(), Some(69));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("Is the daemon running?"));
    let env_socket = Command::new(env!("CARGO_BIN_EXE_camcensus"))
        .arg("count")
        .env("CAMCENSUS_SOCKET", &d.socket)
        .output()
        .expect("run");
    assert_eq!(
        text(&env_socket).trim(),
        n.to_string(),
        "CAMCENSUS_SOCKET is honoured"
    );
    finish(d);
}

#[test]
fn unauthorised_peer_is_refused() {
    if !nix::unistd::geteuid().is_root() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED unauthorised_peer_is_refused: needs root (runs the client as uid 65534)"
        );
        return;
    }
    let (d, n) = start("peer", &[]);
    let nobody = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_camcensus"))
            .arg("--socket")
            .arg(&d.socket)
            .args(args)
            .uid(65534)
            .gid(65534)
            .output()
            .expect("run as nobody")
    };
    std::fs::set_permissions(&d.dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    // The socket file is 0660: the kernel refuses the connection.
    let denied = nobody(&["count"]);
    assert_eq!(denied.status.code(), Some(1), "{denied:?}");
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("permission denied") && err.contains("usermod -aG camcensus"),
        "{err}"
    );
    // Even with a world-writable socket file, the peer-credential check refuses.
    std::fs::set_permissions(&d.socket, std::fs::Permissions::from_mode(0o666))
        .expect("chmod socket");
    let refused = nobody(&["count"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("permission denied"));
    let root = d.client(&["count"]);
    assert_eq!(String::from_utf8_lossy(&root.stdout).trim(), n.to_string());
    let stats = d.conn().result(json!({"type": "stats"}));
    assert_eq!(stats["clients"]["refused_peer"], 1);
    let log = d.log_text();
    assert_eq!(
        log.matches("API client refused").count(),
        1,
        "logged once:\n{log}"
    );
    finish(d);
}

#[test]
fn the_socket_path_is_handled_safely() {
    let dir = temp_dir("api-paths");
    let socket = dir.join("camcensus.sock");
    // A regular file where the socket should be: refused, and left alone.
    std::fs::write(&socket, "not a socket").expect("file");
    let out = Command::new(env!("CARGO_BIN_EXE_camcensusd"))
        .args(["--interface", "camcensus-none0", "--state-dir"])
        .arg(&dir)
        .arg("--socket")
        .arg(&socket)
        .output()
        .expect("run camcensusd");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a socket"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&socket).expect("kept"),
        "not a socket"
    );
    std::fs::remove_file(&socket).expect("remove");
    // A stale socket (nothing answers on it) is replaced.
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("stale socket"));
    let d = Daemon::start(None, &dir, &["--interface", "camcensus-none0"], &[]);
    let mode = std::fs::metadata(&socket)
        .expect("socket")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o660);
    // A socket another daemon answers on is not taken over.
    let second = Command::new(env!("CARGO_BIN_EXE_camcensusd"))
        .args(["--interface", "camcensus-none0", "--state-dir"])
        .arg(dir.join("second"))
        .arg("--socket")
        .arg(&socket)
        .output()
        .expect("run a second camcensusd");
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already answering"));
    assert!(
        Conn::try_connect(&socket).is_some(),
        "the first daemon still serves"
    );
    d.stop();
    assert!(!socket.exists(), "removed at shutdown");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_socket_from_systemd_activation_is_used() {
    let Ok(activate) = which("systemd-socket-activate") else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a_socket_from_systemd_activation_is_used: needs systemd-socket-activate"
        );
        return;
    };
    let dir = temp_dir("api-activation");
    let passed = dir.join("activated.sock");
    let own = dir.join("own.sock");
    let log = std::fs::File::create(dir.join("log")).expect("log");
    let mut child = Command::new(activate)
        .arg("-l")
        .arg(&passed)
        .arg(env!("CARGO_BIN_EXE_camcensusd"))
        .args(["--interface", "camcensus-none0", "--state-dir"])
        .arg(&dir)
        .arg("--socket")
        .arg(&own)
        .stderr(log)
        .spawn()
        .expect("systemd-socket-activate");
    common::daemon::wait_for("the activation socket", || passed.exists());
    let mut c = Conn::connect(&passed);
    let v = c.result(json!({"type": "version"}));
    assert_eq!(v["daemon"], "camcensusd");
    assert!(
        !own.exists(),
        "with a passed socket the daemon binds none of its own"
    );
    drop(c);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    );
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(dir);
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn a_protocol_mismatch_is_explained() {
    let dir = temp_dir("api-version");
    let socket = dir.join("fake.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("fake daemon");
    let fake = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let (s, _) = listener.accept().expect("accept");
        let mut line = String::new();
        std::io::BufReader::new(&s)
            .read_line(&mut line)
            .expect("request");
        (&s).write_all(b"{\"ok\":true,\"protocol\":99,\"result\":{\"count\":1}}\n")
            .expect("reply");
    });
    let out = Command::new(env!("CARGO_BIN_EXE_camcensus"))
        .arg("--socket")
        .arg(&socket)
        .arg("count")
        .output()
        .expect("run camcensus");
    fake.join().expect("fake daemon");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("protocol 99") && err.contains("matching versions"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
