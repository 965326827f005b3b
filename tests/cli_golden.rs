//! Golden output of the client's tables, detail view, event lines and exports, rendered
//! from a fixed inventory (the captured fixtures at a fixed time). After an intended format
//! change, regenerate with `UPDATE_GOLDEN=1 cargo test --test cli_golden` and review the
//! diff.

mod common {
    pub mod daemon;
}

use std::path::Path;

use camcensus::api::query::{self, Compiled, Page};
use camcensus::api::wire::{EventOut, Filter, GroupKey, Time};
use camcensus::cli::render;
use camcensus::identify::Identifier;

const T0: u64 = 1_795_442_400_000; // 2026-11-23T14:00:00Z
const NOW: Time = Time(T0 + 3 * 3_600_000 + 60_000);

fn check(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (create it with UPDATE_GOLDEN=1)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its golden file.\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

fn all() -> Compiled {
    Compiled::new(&Filter::default(), NOW).expect("filter")
}

#[test]
fn devices_table_and_exports() {
    let store = common::daemon::fixture_store(T0);
    let out = query::devices(&store, &all(), Page::default());
    check(
        "devices.txt",
        &render::devices_table(&out.devices, NOW, false),
    );
    check("export.csv", &render::csv(&out.devices));
    let json = serde_json::to_string_pretty(&out.devices).expect("json") + "\n";
    check("export.json", &json);
}

#[test]
fn colour_wraps_cells_without_breaking_alignment() {
    let store = common::daemon::fixture_store(T0);
    let out = query::devices(&store, &all(), Page::default());
    let plain = render::devices_table(&out.devices, NOW, false);
    let coloured = render::devices_table(&out.devices, NOW, true);
    assert!(coloured.contains("\x1b[32mactive\x1b[0m"));
    assert!(coloured.contains("\x1b[1;31myes\x1b[0m"));
    let stripped = coloured
        .replace("\x1b[32m", "")
        .replace("\x1b[1;31m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn summary_and_detail() {
    let store = common::daemon::fixture_store(T0);
    let s = query::summary(&store, &all(), &[GroupKey::Family, GroupKey::Class]);
    check("summary.txt", &render::summary_table(&s));
    let mut sited = common::daemon::fixture_store(T0);
    let site = |name: &str, interface: &str| camcensus::store::sites::Site {
        name: name.into(),
        interfaces: vec![interface.to_string()],
        subnets: Vec::new(),
    };
    sited.set_sites(camcensus::store::sites::Sites::new(vec![
        site("town-hall", "vlan10"),
        site("depot", "vlan20"),
    ]));
    let census = query::summary(&sited, &all(), &camcensus::cli::census::CENSUS_KEYS);
    check("census.txt", &camcensus::cli::census::render(&census, NOW));
    let hik = store
        .devices()
        .filter(|d| d.verdict.family.as_deref() == Some("hikvision"))
        .min_by_key(|d| d.id)
        .expect("a hikvision device");
    let identifier = Identifier::builtin().expect("tables");
    let mut detail = query::detail(hik, &identifier);
    detail.events.push(EventOut {
        kind: "appeared".into(),
        at: Time(T0),
        device_id: Some(hik.id),
        detail: serde_json::json!({"epr": hik.epr(), "family": "hikvision"}),
        device: None,
    });
    detail.events.push(EventOut {
        kind: "changed".into(),
        at: Time(T0 + 60_000),
        device_id: Some(hik.id),
        detail: serde_json::json!({"fields": ["xaddrs", "scopes"]}),
        device: None,
    });
    check("show.txt", &render::device_detail(&detail, NOW));
    check(
        "probers.txt",
        &render::probers_table(&query::probers(&store, None), NOW),
    );
}

#[test]
fn prometheus_metrics() {
    use camcensus::api::wire::*;
    use camcensus::cli::metrics;
    let store = common::daemon::fixture_store(T0);
    let by: Vec<GroupKey> = metrics::DEVICE_KEYS
        .iter()
        .map(|k| serde_json::from_value(serde_json::json!(k)).expect("group key"))
        .collect();
    let summary = query::summary(&store, &all(), &by);
    let stats = StatsOut {
        version: "0.1.0".into(),
        started: Time(T0),
        interfaces: vec![InterfaceOut {
            name: "vlan\"10\"".into(),
            joined: true,
            datagrams: 120,
            bytes: 150_000,
            last_heard: Some(Time(T0 + 5_000)),
        }],
        drops: [("not_xml".to_string(), 3), ("rate_limited".to_string(), 7)]
            .into_iter()
            .collect(),
        accepted: 110,
        recv_errors: 0,
        store: StoreOut {
            devices: store.len(),
            max_devices: 100_000,
            active: store.len(),
            stale: 0,
            departed: 0,
            probers: 5,
            dedup_entries: 10,
            duplicates: 4,
            out_of_sequence: 1,
            refused_devices: 0,
            refused_probers: 0,
            foreign_byes: 0,
            unknown_byes: 1,
        },
        persistence: PersistenceOut {
            database: "/var/lib/camcensus/camcensus.db".into(),
            generation: 42,
            last_flush: Some(Time(T0 + 6_000)),
            flush_errors: 0,
            pending: 0,
            dropped_events: 0,
        },
        clients: ClientsOut::default(),
    };
    let health = HealthOut {
        status: "ok".into(),
        problems: vec![],
        devices: store.len(),
        interfaces_joined: 1,
        last_datagram: Some(Time(T0 + 5_000)),
        last_flush: Some(Time(T0 + 6_000)),
        uptime_seconds: 60,
    };
    let text = metrics::render(&stats, &summary, &health);
    check("metrics.prom", &text);
    // Every sample line is `name{labels} value` with a declared name.
    let declared: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let name = series.split('{').next().expect("name");
        assert!(declared.contains(&name), "{name} has no TYPE line");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}"
        );
    }
    assert!(text.contains(r#"camcensus_received_datagrams_total{interface="vlan\"10\""} 120"#));
    assert!(text.contains(
        r#"camcensus_watchlist_devices{family="hikvision",class="camera",status="active",site="unknown"} 3"#
    ));
}

fn report_data() -> camcensus::cli::report::ReportData {
    use camcensus::api::wire::{DiffRow, WatchOut};
    let mut store = common::daemon::fixture_store(T0);
    let site = |name: &str, interface: &str| camcensus::store::sites::Site {
        name: name.into(),
        interfaces: vec![interface.to_string()],
        subnets: Vec::new(),
    };
    store.set_sites(camcensus::store::sites::Sites::new(vec![
        site("town-hall", "vlan10"),
        site("depot", "vlan20"),
    ]));
    let identifier = Identifier::builtin().expect("tables");
    let census = query::summary(&store, &all(), &camcensus::cli::census::CENSUS_KEYS);
    let mut watchlisted: Vec<_> = store
        .devices()
        .filter(|d| d.verdict.watchlist)
        .map(|d| query::detail(d, &identifier))
        .collect();
    watchlisted.sort_by_key(|d| d.device.id);
    let first = watchlisted[0].device.clone();
    camcensus::cli::report::ReportData {
        now: NOW,
        census,
        watchlisted,
        watchlist: vec![WatchOut {
            family: Some("hikvision".into()),
            brand: None,
            reason: "Named in US NDAA FY2019 section 889".into(),
            reference: "Pub. L. 115-232 s.889".into(),
        }],
        since: Some(Time(T0 - 86_400_000)),
        changes: vec![DiffRow {
            change: "appeared".into(),
            id: first.id,
            at: Time(T0),
            fields: Vec::new(),
            device: Some(first),
        }],
    }
}

#[test]
fn reports_in_markdown_csv_and_html() {
    use camcensus::cli::report;
    let data = report_data();
    check("report.md", &report::markdown(&data));
    check("report.csv", &report::csv(&data));
    let html = report::html(&data);
    check("report.html", &html);
    assert_eq!(html.matches("<svg").count(), 2, "one chart per site");
    for banned in [
        "<script", "<link", "<img", "src=", "href=", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "self-contained: {banned}");
    }
    assert!(html.contains("<strong>9</strong> cameras"), "the totals");
    assert!(html.contains("5 cameras and 0 recorders from watchlisted makers"));
}

/// The HTML report opened in headless Chromium (Debian package `chromium`, installed by
/// `.ci/run`): it renders, the rendered page holds the totals, and the screenshot is not
/// blank. Skipped with a visible message where Chromium is missing.
#[test]
fn the_html_report_renders_in_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(|d| d.join(b))
                .find(|p| p.is_file())
        })
    else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_html_report_renders_in_chromium: needs chromium (apt-get install chromium)"
        );
        return;
    };
    let dir = common::daemon::temp_dir("report-html");
    let page = dir.join("report.html");
    std::fs::write(&page, camcensus::cli::report::html(&report_data())).expect("write");
    let url = format!("file://{}", page.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
    ];
    let profile = format!("--user-data-dir={}", dir.join("profile").display());
    let dom = std::process::Command::new(&chromium)
        .args(base)
        .arg(&profile)
        .args(["--dump-dom", &url])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<strong>9</strong> cameras"),
        "rendered totals:\n{dom}"
    );
    assert!(dom.contains("5 cameras and 0 recorders from watchlisted makers"));
    let png = dir.join("report.png");
    let shot = std::process::Command::new(&chromium)
        .args(base)
        .arg(&profile)
        .arg(format!("--screenshot={}", png.display()))
        .args(["--window-size=1200,1800", &url])
        .output()
        .expect("run chromium");
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&shot.stderr)
        )
    });
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(
        bytes.len() > 20_000,
        "a page with text and charts, not a blank one ({} bytes)",
        bytes.len()
    );
    let _ = std::fs::remove_dir_all(dir);
}
