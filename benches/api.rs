//! Query costs on the daemon's side of the API: filtering, grouping and converting the
//! inventory, plus JSON encoding of the reply (what runs per request; the store lock is
//! held for all but the encoding).
//!
//! Inventories of 10,000 and 100,000 devices are built at start-up from the five wsd-blast
//! Hellos in `tests/fixtures/bench/`, each with a unique EPR and MessageID, spread over
//! 20 interfaces. Run: `cargo bench --bench api`; figures in docs/performance.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use camcensus::api::query::{self, Compiled, Page};
use camcensus::api::wire::{Filter, GroupKey, SortKey, Time};
use camcensus::identify::Identifier;
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
    for n in [10_000, 100_000] {
        let store = inventory(n);
        let mut g = c.benchmark_group(format!("api_{}k", n / 1000));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_millis(500));
        let all = filter(Filter::default());
        g.bench_function("devices_all_json", |b| {
            b.iter(|| {
                let out = query::devices(
                    &store,
                    &all,
                    Page {
                        sort: SortKey::Id,
                        desc: false,
                        offset: 0,
                        limit: None,
                        full: false,
                    },
                );
                black_box(serde_json::to_string(&out).expect("json").len())
            })
        });
        g.bench_function("devices_all_query_only", |b| {
            b.iter(|| {
                black_box(
                    query::devices(
                        &store,
                        &all,
                        Page {
                            sort: SortKey::Id,
                            desc: false,
                            offset: 0,
                            limit: None,
                            full: false,
                        },
                    )
                    .total,
                )
            })
        });
        g.bench_function("devices_page_100_by_last_seen", |b| {
            b.iter(|| {
                let out = query::devices(
                    &store,
                    &all,
                    Page {
                        sort: SortKey::LastSeen,
                        desc: true,
                        offset: 0,
                        limit: Some(100),
                        full: false,
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
            b.iter(|| {
                black_box(
                    query::devices(
                        &store,
                        &text,
                        Page {
                            sort: SortKey::Id,
                            desc: false,
                            offset: 0,
                            limit: None,
                            full: false,
                        },
                    )
                    .total,
                )
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
