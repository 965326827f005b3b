//! Query costs on the daemon's side of the API: filtering, grouping and converting the
//! inventory, plus JSON encoding of the reply (what runs per request; the store lock is
//! held for all but the encoding).
//!
//! Inventories of 10,000 and 100,000 devices are built at start-up from the five wsd-blast
//! Hellos in `tests/fixtures/bench/`, each with a unique EPR and MessageID, spread over
//! 20 interfaces. Run: `cargo bench --bench api`; figures in docs/performance.md.
//!
//! `socket_*` groups measure whole requests through the real daemon: the inventory is
//! written to a temporary database, the release `camcensusd` loads it, and the library's
//! client sends requests and decodes the replies (what `camcensus --json` does, minus
//! printing). `*_busy100` repeats a request while 100 other connections send queries in a
//! loop. Under `cargo test --benches` everything runs once on 1,000 devices.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use camcensus::api::query::{self, Compiled, Page};
use camcensus::api::wire::{
    CountOut, DevicesOut, Filter, GroupKey, Request, SortKey, SummaryOut, Time,
};
use camcensus::cli::client::Client;
use camcensus::identify::Identifier;
use camcensus::persist::{Batch, Db};
use camcensus::store::{Observation, Store, StoreLimits};
use camcensus::wsd::{self, Limits};
use criterion::{criterion_group, criterion_main, Criterion};

const TEMPLATES: [&str; 5] = ["hikvision", "dahua", "axis", "bosch", "hanwha"];

/// Every `uuid:XXXXXXXX` prefix replaced by the device number, so EPR and MessageID are
/// unique per device.
fn unique(template: &str, i: usize) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(p) = rest.find("uuid:") {
        out.push_str(&rest[..p + 5]);
        out.push_str(&format!("{i:08x}"));
        rest = rest.get(p + 13..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn inventory(n: usize) -> Store {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench");
    let templates: Vec<String> = TEMPLATES
        .iter()
        .map(|t| {
            std::fs::read_to_string(dir.join(format!("blast_{t}_hello.xml")))
                .expect("bench template")
        })
        .collect();
    let identifier = Identifier::builtin().expect("tables");
    let limits = StoreLimits {
        max_devices: n,
        max_eprs_per_source: usize::MAX,
        ..StoreLimits::default()
    };
    let mut store = Store::new(limits);
    let t0 = 1_795_442_400_000;
    for i in 0..n {
        let xml = unique(&templates[i % templates.len()], i);
        let message = wsd::parse(xml.as_bytes(), &Limits::default()).expect("template parses");
        let identities = identifier.identify_all(&message);
        let obs = Observation {
            source: format!("10.{}.{}.{}", 20 + i % 20, (i / 250) % 250, 1 + i % 250)
                .parse()
                .expect("ip"),
            interface: format!("vlan{}", 100 + i % 20),
            message,
            identities,
        };
        store.apply(&obs, t0 + i as u64);
    }
    assert_eq!(store.len(), n, "every synthetic device stored");
    store
}

fn filter(f: Filter) -> Compiled {
    Compiled::new(&f, Time(1_795_442_400_000)).expect("filter")
}

fn bench(c: &mut Criterion) {
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[10_000, 100_000]
    } else {
        &[1_000]
    };
    for &n in sizes {
        let store = inventory(n);
        let mut g = c.benchmark_group(format!("api_{}k", n / 1000));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_millis(500));
        let all = filter(Filter::default());
        g.bench_function("devices_all_json", |b| {
            b.iter(|| {
                let out = query::devices(&store, &all, Page::default());
                black_box(serde_json::to_string(&out).expect("json").len())
            })
        });
        g.bench_function("devices_all_query_only", |b| {
            b.iter(|| black_box(query::devices(&store, &all, Page::default()).total))
        });
        g.bench_function("devices_page_100_by_last_seen", |b| {
            b.iter(|| {
                let out = query::devices(
                    &store,
                    &all,
                    Page {
                        sort: SortKey::LastSeen,
                        desc: true,
                        limit: Some(100),
                        ..Page::default()
                    },
                );
                black_box(serde_json::to_string(&out).expect("json").len())
            })
        });
        let hik = filter(Filter {
            family: vec!["hikvision".into(), "dahua".into()],
            ..Filter::default()
        });
        g.bench_function("count_watchlist_families", |b| {
            b.iter(|| black_box(query::count(&store, &hik)))
        });
        g.bench_function("summary_family", |b| {
            b.iter(|| {
                let s = query::summary(&store, &all, &[GroupKey::Family]);
                black_box(serde_json::to_string(&s).expect("json").len())
            })
        });
        g.bench_function("summary_family_interface", |b| {
            b.iter(|| {
                let s = query::summary(&store, &all, &[GroupKey::Family, GroupKey::Interface]);
                black_box(serde_json::to_string(&s).expect("json").len())
            })
        });
        let text = filter(Filter {
            text: Some("10.21.3.".into()),
            ..Filter::default()
        });
        g.bench_function("devices_text_search", |b| {
            b.iter(|| black_box(query::devices(&store, &text, Page::default()).total))
        });
        g.finish();
    }
}

/// A release daemon serving `store`'s devices from a temporary state directory.
struct Daemon {
    child: std::process::Child,
    dir: std::path::PathBuf,
    socket: std::path::PathBuf,
}

impl Daemon {
    fn start(store: &Store, name: &str) -> Daemon {
        let dir =
            std::env::temp_dir().join(format!("camcensus-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut db = Db::open(&dir).expect("database");
        let all: Vec<_> = store
            .devices()
            .filter_map(|d| store.snapshot(d.id))
            .collect();
        for chunk in all.chunks(10_000) {
            db.write(&Batch {
                devices: chunk.to_vec(),
                new: chunk.iter().map(|d| d.id).collect(),
                ..Batch::default()
            })
            .expect("write inventory");
        }
        drop(db);
        let socket = dir.join("s.sock");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_camcensusd"))
            .args(["--interface", "camcensus-none0", "--state-dir"])
            .arg(&dir)
            .arg("--socket")
            .arg(&socket)
            .env("RUST_LOG", "warn")
            .env("CAMCENSUS__STORE__MAX_DEVICES", "1000000")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("camcensusd");
        let started = std::time::Instant::now();
        while Client::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon { child, dir, socket }
    }

    fn client(&self) -> Client {
        Client::connect(&self.socket).expect("connect")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `n` connections sending queries in a loop until `stop`.
fn busy_clients(
    d: &Daemon,
    n: usize,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<std::thread::JoinHandle<u64>> {
    (0..n)
        .map(|i| {
            let mut c = d.client();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut done = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let req = match i % 3 {
                        0 => Request::Summary {
                            by: vec![GroupKey::Family],
                            filter: Filter::default(),
                        },
                        1 => Request::Count {
                            filter: Filter::default(),
                        },
                        _ => Request::Devices {
                            filter: Filter::default(),
                            sort: SortKey::LastSeen,
                            desc: true,
                            limit: Some(100),
                            offset: 0,
                            full: false,
                        },
                    };
                    if c.call(&req).is_err() {
                        break;
                    }
                    done += 1;
                }
                done
            })
        })
        .collect()
}

fn socket_requests(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    c: &mut Client,
) {
    let all = Request::all_devices(Filter::default());
    g.bench_function("devices_all", |b| {
        b.iter(|| black_box(c.get::<DevicesOut>(&all).expect("devices").devices.len()))
    });
    let summary = Request::Summary {
        by: vec![GroupKey::Family],
        filter: Filter::default(),
    };
    g.bench_function("summary_family", |b| {
        b.iter(|| black_box(c.get::<SummaryOut>(&summary).expect("summary").total))
    });
    let count = Request::Count {
        filter: Filter {
            family: vec!["hikvision".into()],
            ..Filter::default()
        },
    };
    g.bench_function("count_family", |b| {
        b.iter(|| black_box(c.get::<CountOut>(&count).expect("count").count))
    });
}

fn bench_socket(c: &mut Criterion) {
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[10_000, 100_000]
    } else {
        &[1_000]
    };
    for &n in sizes {
        let store = inventory(n);
        let d = Daemon::start(&store, &format!("{n}"));
        let mut client = d.client();
        let name = format!("socket_{}k", n / 1000);
        let mut g = c.benchmark_group(&name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(500));
        socket_requests(&mut g, &mut client);
        g.finish();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = busy_clients(&d, 100, &stop);
        let mut g = c.benchmark_group(format!("{name}_busy100"));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .warm_up_time(Duration::from_millis(500));
        socket_requests(&mut g, &mut client);
        g.finish();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let served: u64 = busy.into_iter().map(|t| t.join().unwrap_or(0)).sum();
        eprintln!("{name}: the 100 busy clients were answered {served} times meanwhile");
    }
}

criterion_group!(benches, bench, bench_socket);
criterion_main!(benches);
