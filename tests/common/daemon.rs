//! The real `camcensusd` binary on a temporary state directory and socket, optionally
//! inside a network namespace, plus a raw JSON-lines client for its API socket.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use camcensus::identify::Identifier;
use camcensus::persist::{Batch, Db};
use camcensus::store::{Observation, Store, StoreLimits};
use camcensus::wsd::{self, Limits};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("camcensus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub struct Daemon {
    child: Child,
    pub log: PathBuf,
    pub dir: PathBuf,
    pub socket: PathBuf,
}

impl Daemon {
    /// Start on `dir` (state and socket), in namespace `netns` or here, and wait until the
    /// API answers. `args` are extra command-line arguments.
    pub fn start(netns: Option<&str>, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let socket = dir.join("camcensus.sock");
        let log = dir.join(format!("daemon-{}.log", nanos()));
        let bin = env!("CARGO_BIN_EXE_camcensusd");
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, bin]);
                c
            }
            None => Command::new(bin),
        };
        cmd.args(args)
            .arg("--state-dir")
            .arg(dir)
            .arg("--socket")
            .arg(&socket)
            .env("CAMCENSUS__STORE__FLUSH_INTERVAL", "100ms")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log file"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start camcensusd");
        let d = Daemon {
            child,
            log,
            dir: dir.to_path_buf(),
            socket,
        };
        wait_for("the API socket to answer", || {
            let text = d.log_text();
            assert!(!text.contains("ERROR"), "daemon failed:\n{text}");
            Conn::try_connect(&d.socket).is_some()
        });
        d
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(&self.socket)
    }

    pub fn signal(&self, sig: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        kill(pid, sig).expect("signal the daemon");
    }

    pub fn wait(mut self) -> (ExitStatus, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status, self.log_text());
            }
            assert!(
                start.elapsed() < DEADLINE,
                "daemon did not exit:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, check the exit status is 0, and return the log.
    pub fn stop(self) -> String {
        self.signal(Signal::SIGTERM);
        let (status, log) = self.wait();
        assert!(status.success(), "exit {status:?}:\n{log}");
        log
    }

    /// Run the `camcensus` client against this daemon.
    pub fn client(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_camcensus"))
            .arg("--socket")
            .arg(&self.socket)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run camcensus")
    }
}

impl Drop for Daemon {
    /// A test that fails half-way must not leave a daemon running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A raw API connection: one JSON line out, one JSON line in.
pub struct Conn {
    pub reader: BufReader<UnixStream>,
    pub writer: UnixStream,
}

impl Conn {
    pub fn try_connect(path: &Path) -> Option<Conn> {
        let s = UnixStream::connect(path).ok()?;
        s.set_read_timeout(Some(DEADLINE)).ok()?;
        let writer = s.try_clone().ok()?;
        Some(Conn {
            reader: BufReader::new(s),
            writer,
        })
    }

    pub fn connect(path: &Path) -> Conn {
        Conn::try_connect(path).expect("connect to the API socket")
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send");
    }

    /// The next line, or `None` at end of stream.
    pub fn line(&mut self) -> Option<String> {
        let mut s = String::new();
        match self.reader.read_line(&mut s) {
            Ok(0) => None,
            Ok(_) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
            Err(e) => panic!("read from the API: {e}"),
        }
    }

    pub fn recv(&mut self) -> Value {
        let line = self.line().expect("a reply line");
        serde_json::from_str(&line).expect("a JSON reply")
    }

    /// Send a request and return the whole reply.
    pub fn call(&mut self, req: Value) -> Value {
        let mut line = req.to_string();
        line.push('\n');
        self.send_raw(line.as_bytes());
        self.recv()
    }

    /// Send a request that must succeed and return its result.
    pub fn result(&mut self, req: Value) -> Value {
        let reply = self.call(req.clone());
        assert_eq!(reply["ok"], true, "{req} failed: {reply}");
        reply["result"].clone()
    }
}

/// Fill `dir`'s database with the devices of [`fixture_store`] (seen a minute ago).
pub fn preload(dir: &Path) -> Store {
    let store = fixture_store(camcensus::api::time::Time::now().0 - 60_000);
    let mut db = Db::open(dir).expect("open database");
    db.write(&Batch {
        devices: store
            .devices()
            .filter_map(|d| store.snapshot(d.id))
            .collect(),
        new: store.devices().map(|d| d.id).collect(),
        probers: store.probers().cloned().collect(),
        events: Vec::new(),
    })
    .expect("write inventory");
    store
}

/// One device per captured fixture, each from its own source address, alternating
/// between interfaces vlan10 and vlan20, the i-th applied at `t0 + i` ms.
pub fn fixture_store(t0: u64) -> Store {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wsd");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    let identifier = Identifier::builtin().expect("tables");
    let mut store = Store::new(StoreLimits::default());
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).expect("fixture");
        let Ok(message) = wsd::parse(&bytes, &Limits::default()) else {
            continue;
        };
        let identities = identifier.identify_all(&message);
        let obs = Observation {
            source: format!("10.0.{}.{}", 10 * (1 + i % 2), 10 + i)
                .parse()
                .expect("ip"),
            interface: format!("vlan{}", 10 * (1 + i % 2)),
            message,
            identities,
        };
        store.apply(&obs, t0 + i as u64);
    }
    store
}

/// A Hikvision-style Hello for device `i` (distinct EPR and MessageID per `i`).
pub fn hello(i: usize) -> Vec<u8> {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action><a:MessageID>urn:uuid:00000000-0000-4000-8000-{i:012}</a:MessageID><d:AppSequence InstanceId="1" MessageNumber="1"/></s:Header><s:Body><d:Hello><a:EndpointReference><a:Address>urn:uuid:22222222-0000-4000-8000-{i:012}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/hardware/DS-2CD2143G0-I</d:Scopes><d:XAddrs>http://10.77.0.1/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello></s:Body></s:Envelope>"#
    )
    .into_bytes()
}
