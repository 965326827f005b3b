//! `camcensus parse` through the real binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_camcensus"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wsd")
        .join(name)
}

fn all_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    v.sort();
    v
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn json_one_object_per_input_with_the_documented_fields() {
    let files = all_fixtures();
    let out = bin()
        .arg("parse")
        .args(["--format", "json"])
        .args(&files)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = lines(&out);
    assert_eq!(records.len(), files.len());
    for r in &records {
        for key in [
            "file",
            "kind",
            "error",
            "message_id",
            "relates_to",
            "app_sequence",
            "endpoints",
        ] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        assert!(r["error"].is_null());
        for e in r["endpoints"].as_array().expect("endpoints array") {
            for key in [
                "epr",
                "types",
                "scopes",
                "xaddrs",
                "metadata_version",
                "name",
                "hardware",
                "locations",
                "mac",
            ] {
                assert!(e.get(key).is_some(), "missing endpoint.{key}");
            }
            let id = &e["identity"];
            for key in [
                "class",
                "manufacturer",
                "brand",
                "family",
                "model",
                "confidence",
                "evidence",
                "watchlist",
            ] {
                assert!(id.get(key).is_some(), "missing identity.{key}");
            }
        }
    }
    let hik = records
        .iter()
        .find(|r| {
            r["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("hikvision_probematch_01.xml"))
        })
        .expect("hikvision record");
    assert_eq!(hik["kind"], "probe_matches");
    let e = &hik["endpoints"][0];
    assert_eq!(e["name"], "HIKVISION DS-2CD2145FWD-I");
    assert_eq!(e["hardware"], "DS-2CD2145FWD-I");
    assert_eq!(e["mac"], "bc:ba:c2:a4:de:e3");
    assert_eq!(e["locations"][0], "city/hangzhou");
    assert_eq!(e["metadata_version"], 10);
    assert_eq!(e["xaddrs"].as_array().map(Vec::len), Some(2));
    assert_eq!(e["identity"]["family"], "hikvision");
    assert_eq!(e["identity"]["confidence"], "high");
    assert_eq!(e["identity"]["watchlist"], true);
    assert_eq!(hik["app_sequence"]["message_number"], 105702);
}

#[test]
fn a_bad_input_fails_with_exit_1_but_every_result_is_printed() {
    let dir = std::env::temp_dir().join(format!("camcensus-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, "<x><y></x>").expect("write");
    let missing = dir.join("missing.xml");
    let out = bin()
        .args(["parse", "--format", "json"])
        .arg(fixture("axis_probematch_01.xml"))
        .arg(&bad)
        .arg(&missing)
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let r = lines(&out);
    assert_eq!(r.len(), 3);
    assert!(r[0]["error"].is_null());
    assert_eq!(r[1]["error"]["kind"], "not_soap");
    assert_eq!(r[2]["error"]["kind"], "io");
}

#[test]
fn stdin_and_table_output() {
    let mut child = bin()
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    let xml = std::fs::read(fixture("amcrest_probematch_01.xml")).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&xml)
        .expect("write");
    let out = child.wait_with_output().expect("waits");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[0].starts_with("FILE") && rows[0].contains("FAMILY"));
    for cell in [
        "-",
        "probe_matches",
        "camera",
        "dahua",
        "Amcrest",
        "IP2M-841B",
        "high",
        "yes",
        "10.0.0.154",
    ] {
        assert!(
            rows[1].split_whitespace().any(|c| c == cell),
            "{cell} in {}",
            rows[1]
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        bin().arg("parse").output().expect("runs").status.code(),
        Some(2)
    );
    assert_eq!(
        bin()
            .args(["parse", "--format", "yaml", "x"])
            .output()
            .expect("runs")
            .status
            .code(),
        Some(2)
    );
    let out = bin()
        .args(["parse", "--rules", "/nonexistent/rules.tsv", "x"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read rules file"));
    let version = bin().arg("--version").output().expect("runs");
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("camcensus "));
}

#[test]
fn daemon_binary_reports_its_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_camcensusd"))
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("camcensusd "));
}
