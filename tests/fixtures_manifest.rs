//! Every shared fixture against its manifest row (EPR, name, hardware, XAddrs, kind) and
//! against camcensus's own expectations (class, family, brand, confidence, watchlist).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use camcensus::identify::Identifier;
use camcensus::onvif::{self, Category};
use camcensus::wsd::{self, Limits, Message};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Rows of a TSV file as maps from header to cell, `#` lines skipped.
fn read_tsv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<&str> = lines.next().expect("header line").split('\t').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty() && s != "-").then_some(s)
}

fn kind_of(manifest_kind: &str) -> &'static str {
    match manifest_kind.split_whitespace().next().unwrap_or("") {
        "Hello" => "hello",
        "Bye" => "bye",
        "Probe" => "probe",
        "ProbeMatches" => "probe_matches",
        "Fault" => "fault",
        other => panic!("manifest kind {other:?} not mapped"),
    }
}

fn parse_fixture(file: &str) -> Message {
    let bytes = std::fs::read(fixtures().join("wsd").join(file)).expect("fixture readable");
    wsd::parse(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The manifest's columns, checked for every file in it.
fn check_manifest_row(
    row: &HashMap<String, String>,
    expected: &HashMap<String, HashMap<String, String>>,
) {
    let file = &row["file"];
    let msg = parse_fixture(file);
    assert_eq!(
        msg.kind().as_str(),
        kind_of(&row["message kind"]),
        "{file}: kind"
    );
    let Some(epr) = opt(&row["expected EPR address"]) else {
        assert!(msg.endpoints().is_empty(), "{file}: no endpoint expected");
        return;
    };
    let [ep] = msg.endpoints() else {
        panic!("{file}: expected one endpoint")
    };
    assert_eq!(ep.epr.address, epr, "{file}: EPR");
    let mine = &expected[file];
    let want_name = opt(&mine["name_override"]).or(opt(&row["expected manufacturer"]));
    assert_eq!(
        onvif::first(&ep.scopes, &Category::Name),
        want_name,
        "{file}: name"
    );
    let want_hw = opt(&row["expected model"]);
    assert_eq!(
        onvif::first(&ep.scopes, &Category::Hardware),
        want_hw,
        "{file}: hardware"
    );
    let xaddrs: Vec<&str> = ep.xaddrs.iter().map(|x| x.raw.as_str()).collect();
    let want_x: Vec<&str> = row["expected XAddrs"].split_whitespace().collect();
    assert_eq!(xaddrs, want_x, "{file}: XAddrs");
}

#[test]
fn every_manifest_fixture_parses_with_expected_fields() {
    let manifest = read_tsv(&fixtures().join("wsd/MANIFEST.tsv"));
    let expected: HashMap<String, HashMap<String, String>> =
        read_tsv(&fixtures().join("wsd-expected.tsv"))
            .into_iter()
            .map(|r| (r["file"].clone(), r))
            .collect();
    assert!(manifest.len() >= 20, "manifest has {} rows", manifest.len());
    for row in &manifest {
        check_manifest_row(row, &expected);
    }
    // Every file on disk is in the manifest (a copied fixture is never silently skipped).
    let listed: Vec<&String> = manifest.iter().map(|r| &r["file"]).collect();
    for entry in std::fs::read_dir(fixtures().join("wsd")).expect("fixture dir") {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".xml") {
            assert!(listed.contains(&&name), "{name} is not in MANIFEST.tsv");
        }
    }
}

#[test]
fn identification_of_every_fixture_endpoint() {
    let identifier = Identifier::builtin().expect("built-in rules load");
    let rows = read_tsv(&fixtures().join("wsd-expected.tsv"));
    let mut correct = 0;
    for row in &rows {
        let file = &row["file"];
        let msg = parse_fixture(file);
        let [ep] = msg.endpoints() else {
            panic!("{file}: expected one endpoint")
        };
        let id = identifier.identify(ep);
        let got = (
            id.verdict.class.as_str(),
            id.verdict.family.as_deref(),
            id.verdict.brand.as_deref(),
            id.verdict.confidence.as_str(),
            id.verdict.watchlist,
        );
        let want = (
            row["class"].as_str(),
            opt(&row["family"]),
            opt(&row["brand"]),
            row["confidence"].as_str(),
            row["watchlist"] == "yes",
        );
        assert_eq!(
            got, want,
            "{file}: (class, family, brand, confidence, watchlist)"
        );
        if id.verdict.family.is_some() {
            assert!(
                !id.evidence.is_empty(),
                "{file}: a verdict without evidence"
            );
        }
        correct += 1;
    }
    eprintln!(
        "identification: {correct}/{} fixtures as expected",
        rows.len()
    );
}
