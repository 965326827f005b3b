//! Parser and identification throughput.
//!
//! Groups (each case reports messages/s through `Throughput::Elements`):
//! - `fixture_parse/<file>` and `fixture_parse_identify/<file>`: every captured datagram in
//!   `tests/fixtures/wsd/*.xml`;
//! - `blast_parse/<vendor>` and `blast_parse_identify/<vendor>`: the five typical wsd-blast
//!   Hellos in `tests/fixtures/bench/` (plus `mix5`, all five per iteration);
//! - `hostile_parse/<case>`: every input of `tests/common/hostile.rs`, parse only;
//! - `large_parse/nvr_probematches` and `large_parse_identify/nvr_probematches`: the largest
//!   legitimate input, a ProbeMatches built from `hikvision_probematch_01.xml` with as many
//!   endpoints as fit in one UDP datagram (an NVR answering for its cameras).
//!
//! Fixtures are read with `std::fs` at start-up; nothing depends on `../shared` at run time.
//! Run: `cargo bench --bench parse` (a few minutes on 2 cores); see docs/performance.md.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use camcensus::identify::Identifier;
use camcensus::wsd::{self, Limits};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

#[path = "../tests/common/hostile.rs"]
mod hostile;

/// The Hello every hostile case derived from a valid message (`invalid_utf8`, `truncated`)
/// starts from.
const HOSTILE_BASE: &str = "blast_hikvision_hello.xml";

/// The ProbeMatches the large case repeats the ProbeMatch of.
const NVR_BASE: &str = "hikvision_probematch_01";

fn fixture_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(sub)
}

/// `(file stem, bytes)` of every `*.xml` in `tests/fixtures/<sub>`, sorted by name.
fn read_xml(sub: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fixture_dir(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.xml in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes =
                std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (stem, bytes)
        })
        .collect()
}

/// Parse, then identify every endpoint; the amount of work a listener does per datagram.
fn parse_identify(bytes: &[u8], limits: &Limits, identifier: &Identifier) -> usize {
    match wsd::parse(bytes, limits) {
        Ok(msg) => {
            let ids = identifier.identify_all(&msg);
            black_box(&ids);
            ids.len()
        }
        Err(e) => {
            black_box(&e);
            0
        }
    }
}

/// A ProbeMatches with the fixture's ProbeMatch repeated (distinct EPRs) while the datagram
/// stays within one IPv4 UDP payload and `Limits::DEFAULT_MAX_ENDPOINTS`.
fn nvr_probematches(fixture: &[u8]) -> (Vec<u8>, usize) {
    let text = std::str::from_utf8(fixture).expect("fixture is UTF-8");
    let open = "<d:ProbeMatch>";
    let close = "</d:ProbeMatch>";
    let start = text.find(open).expect("fixture has <d:ProbeMatch>");
    let end = text.find(close).expect("fixture has </d:ProbeMatch>") + close.len();
    let (head, unit, tail) = (&text[..start], &text[start..end], &text[end..]);
    let mut out = head.to_string();
    let mut n = 0;
    while n < Limits::DEFAULT_MAX_ENDPOINTS {
        let next = unit.replacen("6eff0000", &format!("{n:08x}"), 1);
        if out.len() + next.len() + tail.len() > hostile::MAX_UDP {
            break;
        }
        out.push_str(&next);
        n += 1;
    }
    out.push_str(tail);
    (out.into_bytes(), n)
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
}

fn bench_parse(c: &mut Criterion, group_name: &str, inputs: &[(String, Vec<u8>)]) {
    let limits = Limits::default();
    let mut group = c.benchmark_group(group_name);
    configure(&mut group);
    for (name, bytes) in inputs {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| black_box(wsd::parse(black_box(bytes), &limits)))
        });
    }
    group.finish();
}

fn bench_parse_identify(
    c: &mut Criterion,
    group_name: &str,
    inputs: &[(String, Vec<u8>)],
    identifier: &Identifier,
) {
    let limits = Limits::default();
    let mut group = c.benchmark_group(group_name);
    configure(&mut group);
    for (name, bytes) in inputs {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| parse_identify(black_box(bytes), &limits, identifier))
        });
    }
    group.finish();
}

/// All five blast Hellos per iteration, so `elem/s` is the vendor-mix rate.
fn bench_mix(c: &mut Criterion, blast: &[(String, Vec<u8>)], identifier: &Identifier) {
    let limits = Limits::default();
    let n = blast.len() as u64;
    for (group_name, identify) in [("blast_parse", false), ("blast_parse_identify", true)] {
        let mut group = c.benchmark_group(group_name);
        configure(&mut group);
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("mix{n}"), |b| {
            b.iter(|| {
                for (_, bytes) in blast {
                    if identify {
                        black_box(parse_identify(black_box(bytes), &limits, identifier));
                    } else {
                        black_box(wsd::parse(black_box(bytes), &limits)).ok();
                    }
                }
            })
        });
        group.finish();
    }
}

/// Say (once, before measuring) what each input does, so a figure is never read for the
/// wrong code path: a fixture that stopped parsing or a hostile case that stopped failing.
fn report_outcomes(
    fixtures: &[(String, Vec<u8>)],
    blast: &[(String, Vec<u8>)],
    identifier: &Identifier,
) {
    let limits = Limits::default();
    for (name, bytes) in fixtures.iter().chain(blast) {
        match wsd::parse(bytes, &limits) {
            Ok(msg) => {
                let n = parse_identify(bytes, &limits, identifier);
                eprintln!(
                    "bench input {name}: {} bytes, {:?}, {n} endpoint(s)",
                    bytes.len(),
                    msg.body.kind()
                );
            }
            Err(e) => eprintln!(
                "bench input {name}: {} bytes, error {:?}",
                bytes.len(),
                e.kind
            ),
        }
    }
}

fn benches(c: &mut Criterion) {
    let identifier = Identifier::builtin().expect("built-in identification rules load");
    let fixtures = read_xml("wsd");
    let blast = read_xml("bench");
    report_outcomes(&fixtures, &blast, &identifier);

    bench_parse(c, "fixture_parse", &fixtures);
    bench_parse_identify(c, "fixture_parse_identify", &fixtures, &identifier);

    let blast_named: Vec<(String, Vec<u8>)> = blast
        .iter()
        .map(|(stem, bytes)| {
            let vendor = stem
                .strip_prefix("blast_")
                .and_then(|s| s.strip_suffix("_hello"))
                .unwrap_or(stem);
            (vendor.to_string(), bytes.clone())
        })
        .collect();
    bench_parse(c, "blast_parse", &blast_named);
    bench_parse_identify(c, "blast_parse_identify", &blast_named, &identifier);
    bench_mix(c, &blast, &identifier);

    let base_stem = HOSTILE_BASE.trim_end_matches(".xml");
    let valid = &blast
        .iter()
        .find(|(stem, _)| stem == base_stem)
        .unwrap_or_else(|| panic!("tests/fixtures/bench/{HOSTILE_BASE} is missing"))
        .1;
    let limits = Limits::default();
    let hostile: Vec<(String, Vec<u8>)> = hostile::all(valid)
        .into_iter()
        .map(|(name, bytes, expected)| {
            eprintln!("bench input hostile {name}: {} bytes", bytes.len());
            match wsd::parse(&bytes, &limits) {
                Err(e) if e.kind == expected => {}
                Err(e) => eprintln!(
                    "warning: hostile {name}: expected {expected:?}, got {:?}",
                    e.kind
                ),
                Ok(_) => eprintln!("warning: hostile {name}: expected {expected:?}, but it parsed"),
            }
            (name.to_string(), bytes)
        })
        .collect();
    bench_parse(c, "hostile_parse", &hostile);

    let nvr_fixture = &fixtures
        .iter()
        .find(|(stem, _)| stem == NVR_BASE)
        .unwrap_or_else(|| panic!("tests/fixtures/wsd/{NVR_BASE}.xml is missing"))
        .1;
    let (nvr, n) = nvr_probematches(nvr_fixture);
    match wsd::parse(&nvr, &limits) {
        Ok(msg) => eprintln!(
            "bench input nvr_probematches: {} bytes, {:?}, {} endpoint(s) (built {n})",
            nvr.len(),
            msg.kind(),
            msg.endpoints().len()
        ),
        Err(e) => eprintln!("warning: nvr_probematches ({n} endpoints) does not parse: {e}"),
    }
    let large = vec![("nvr_probematches".to_string(), nvr)];
    bench_parse(c, "large_parse", &large);
    bench_parse_identify(c, "large_parse_identify", &large, &identifier);
}

criterion_group!(parse, benches);
criterion_main!(parse);
