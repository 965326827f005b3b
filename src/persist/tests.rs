//! Round trips through a real SQLite file.

use super::*;
use crate::identify::Identifier;
use crate::store::{Change, Observation, Store, StoreLimits};
use crate::wsd::{self, Limits};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("camcensus-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn observe(
    store: &mut Store,
    id: &Identifier,
    fixture: &[u8],
    source: &str,
    now: u64,
) -> Vec<Change> {
    let message = wsd::parse(fixture, &Limits::default()).expect("fixture parses");
    let identities = id.identify_all(&message);
    let obs = Observation {
        source: source.parse().expect("ip"),
        interface: "vlan10".into(),
        message,
        identities,
    };
    store.apply(&obs, now)
}

#[test]
fn devices_probers_and_events_survive_a_reopen() {
    let dir = tmpdir("roundtrip");
    let id = Identifier::builtin().expect("tables");
    let mut store = Store::new(StoreLimits::default());
    observe(
        &mut store,
        &id,
        include_bytes!("../../tests/fixtures/wsd/hikvision_probematch_01.xml"),
        "192.168.1.17",
        1_000,
    );
    observe(
        &mut store,
        &id,
        include_bytes!("../../tests/fixtures/wsd/amcrest_probematch_01.xml"),
        "10.0.0.154",
        2_000,
    );
    observe(
        &mut store,
        &id,
        include_bytes!("../../tests/fixtures/wsd/windows_probe_01.xml"),
        "192.168.1.50",
        3_000,
    );
    let batch = Batch {
        devices: store.devices().cloned().map(std::sync::Arc::new).collect(),
        new: Default::default(),
        probers: store.probers().cloned().collect(),
        events: vec![Event {
            at: 1_000,
            device_id: Some(1),
            kind: "appeared",
            detail: EventDetail::Changed {
                fields: vec!["scopes"],
            },
        }],
    };
    {
        let mut db = Db::open(&dir).expect("open");
        let first = Batch {
            new: batch.devices.iter().map(|d| d.id).collect(),
            ..batch.clone()
        };
        db.write(&first).expect("write new devices");
        db.write(&batch).expect("an upsert of the same rows");
    }
    let db = Db::open(&dir).expect("reopen");
    let (devices, probers) = db.load(&id).expect("load");
    let mut want: Vec<_> = store.devices().cloned().collect();
    want.sort_by_key(|d| d.id);
    assert_eq!(
        devices, want,
        "every stored fact and the re-derived verdict match"
    );
    assert_eq!(probers, store.probers().cloned().collect::<Vec<_>>());
    let events = db.events_since(0, 10).expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "appeared");
    assert_eq!(db.prune_events(1_001).expect("prune"), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schema_version_is_recorded_and_a_newer_database_is_refused() {
    let dir = tmpdir("version");
    {
        let db = Db::open(&dir).expect("open");
        let v: i64 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = db
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        db.conn
            .execute_batch("PRAGMA user_version = 99")
            .expect("bump");
    }
    match Db::open(&dir) {
        Err(PersistError::TooNew { found: 99, .. }) => {}
        other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_state_dir_is_a_clear_error() {
    let err = Db::open(Path::new("/proc/camcensus-cannot-exist"))
        .map(|_| ())
        .expect_err("unwritable");
    assert!(
        err.to_string().contains("/proc/camcensus-cannot-exist"),
        "{err}"
    );
}
