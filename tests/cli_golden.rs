//! Golden output of the client's tables, detail view, event lines and exports, rendered
//! from a fixed inventory (the captured fixtures at a fixed time). After an intended format
//! change, regenerate with `UPDATE_GOLDEN=1 cargo test --test cli_golden` and review the
//! diff.

mod common {
    pub mod daemon;
}

use std::path::Path;

use camcensus::api::query::{self, Compiled, Page};
use camcensus::api::wire::{EventOut, Filter, GroupKey, SortKey, Time};
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
    let out = query::devices(
        &store,
        &all(),
        Page {
            sort: SortKey::Id,
            desc: false,
            offset: 0,
            limit: None,
            full: false,
        },
    );
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
    let out = query::devices(
        &store,
        &all(),
        Page {
            sort: SortKey::Id,
            desc: false,
            offset: 0,
            limit: None,
            full: false,
        },
    );
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
        detail: serde_json::json!({"epr": hik.epr, "family": "hikvision"}),
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
