//! Queries over a store filled from captured fixtures.

use super::*;
use crate::store::{Observation, StoreLimits};
use crate::wsd::{self, Limits};

const DAY: u64 = 86_400_000;
const T0: u64 = 1_795_000_000_000;

fn fixture(name: &str) -> &'static str {
    match name {
        "hik" => include_str!("../../../tests/fixtures/wsd/hikvision_probematch_01.xml"),
        "axis" => include_str!("../../../tests/fixtures/wsd/axis_probematch_01.xml"),
        "amcrest" => include_str!("../../../tests/fixtures/wsd/amcrest_probematch_01.xml"),
        "windows" => include_str!("../../../tests/fixtures/wsd/windows_hello_01.xml"),
        _ => unreachable!("unknown fixture"),
    }
}

fn identifier() -> &'static Identifier {
    static ID: std::sync::OnceLock<Identifier> = std::sync::OnceLock::new();
    ID.get_or_init(|| Identifier::builtin().expect("tables"))
}

fn add(store: &mut Store, name: &str, source: &str, interface: &str, now: u64) {
    let message = wsd::parse(fixture(name).as_bytes(), &Limits::default()).expect("fixture");
    let identities = identifier().identify_all(&message);
    let obs = Observation {
        source: source.parse().expect("ip"),
        interface: interface.into(),
        message,
        identities,
    };
    store.apply(&obs, now);
}

/// hik on vlan10 and vlan20, axis on vlan20, amcrest on vlan10 (old), windows on vlan30.
fn store() -> Store {
    let mut s = Store::new(StoreLimits::default());
    add(&mut s, "hik", "10.0.10.5", "vlan10", T0);
    add(&mut s, "axis", "10.0.20.7", "vlan20", T0 + 1_000);
    add(&mut s, "amcrest", "10.0.10.9", "vlan10", T0 - 10 * DAY);
    add(&mut s, "windows", "10.0.30.2", "vlan30", T0 + 2_000);
    s
}

fn compiled(f: Filter) -> Compiled {
    Compiled::new(&f, Time(T0 + DAY)).expect("valid filter")
}

fn families(out: &DevicesOut) -> Vec<Option<String>> {
    out.devices.iter().map(|d| d.family.clone()).collect()
}

#[test]
fn filters_by_family_list_case_insensitively() {
    let s = store();
    let f = compiled(Filter {
        family: vec!["HIKVISION".into(), "dahua".into()],
        ..Filter::default()
    });
    let out = devices(
        &s,
        &f,
        Page {
            sort: SortKey::Family,
            ..Page::default()
        },
    );
    assert_eq!(out.total, 2);
    assert_eq!(
        families(&out),
        [Some("dahua".to_string()), Some("hikvision".to_string())]
    );
    assert!(out.devices.iter().all(|d| d.watchlist));
}

#[test]
fn none_matches_missing_values_and_class_filters() {
    let s = store();
    let f = compiled(Filter {
        family: vec!["none".into()],
        ..Filter::default()
    });
    let out = devices(&s, &f, Page::default());
    assert_eq!(out.total, 1);
    assert_eq!(out.devices[0].class, "host");
    let cams = compiled(Filter {
        class: vec!["camera".into()],
        ..Filter::default()
    });
    assert_eq!(count(&s, &cams), 3);
}

#[test]
fn unknown_class_is_an_error() {
    let e = Compiled::new(
        &Filter {
            class: vec!["printer".into()],
            ..Filter::default()
        },
        Time(T0),
    )
    .expect_err("printer is not a class");
    assert!(e.contains("filter.class"), "{e}");
}

#[test]
fn interface_time_and_text_filters() {
    let s = store();
    let on10 = compiled(Filter {
        interface: vec!["vlan10".into()],
        ..Filter::default()
    });
    assert_eq!(count(&s, &on10), 2);
    let recent = compiled(Filter {
        seen_since: Some(TimeArg("2d".into())),
        ..Filter::default()
    });
    assert_eq!(count(&s, &recent), 3, "amcrest was last seen 11 days ago");
    let old = compiled(Filter {
        seen_before: Some(TimeArg("2d".into())),
        ..Filter::default()
    });
    assert_eq!(count(&s, &old), 1);
    let by_ip = compiled(Filter {
        text: Some("10.0.20.".into()),
        ..Filter::default()
    });
    let out = devices(&s, &by_ip, Page::default());
    assert_eq!(families(&out), [Some("axis".to_string())]);
}

#[test]
fn sorting_and_paging() {
    let s = store();
    let all = compiled(Filter::default());
    let out = devices(
        &s,
        &all,
        Page {
            sort: SortKey::LastSeen,
            desc: true,
            offset: 1,
            limit: Some(2),
            ..Page::default()
        },
    );
    assert_eq!(out.total, 4);
    assert_eq!(out.devices.len(), 2);
    assert_eq!(out.devices[0].family.as_deref(), Some("axis"));
    assert!(out.devices[0].last_seen >= out.devices[1].last_seen);
}

#[test]
fn find_by_id_epr_ip_and_mac() {
    let s = store();
    let hik = s
        .devices()
        .find(|d| d.verdict.family.as_deref() == Some("hikvision"))
        .expect("hik stored");
    assert_eq!(find(&s, &hik.id.to_string()).map(|d| d.id), Some(hik.id));
    assert_eq!(
        find(&s, &hik.epr().to_uppercase()).map(|d| d.id),
        Some(hik.id)
    );
    assert_eq!(find(&s, "10.0.10.5").map(|d| d.id), Some(hik.id));
    if let Some(mac) = hik.macs.first() {
        assert_eq!(find(&s, &mac.to_string()).map(|d| d.id), Some(hik.id));
    }
    assert!(find(&s, "10.9.9.9").is_none());
    assert!(find(&s, "no such thing").is_none());
}

#[test]
fn detail_explains_the_verdict() {
    let s = store();
    let hik = find(&s, "10.0.10.5").expect("hik");
    let d = detail(hik, identifier());
    assert!(!d.evidence.is_empty());
    assert!(d
        .evidence
        .iter()
        .any(|e| e.family.as_deref() == Some("hikvision")));
    assert_eq!(d.sightings.interfaces[0].on, "vlan10");
    assert_eq!(d.sightings.addresses[0].on, "10.0.10.5");
}

#[test]
fn summary_groups_and_counts() {
    let s = store();
    let out = summary(&s, &compiled(Filter::default()), &[GroupKey::Family]);
    assert_eq!(out.total, 4);
    let total: usize = out.groups.iter().map(|g| g.count).sum();
    assert_eq!(total, 4);
    let hik = out
        .groups
        .iter()
        .find(|g| g.key == [Some("hikvision".to_string())])
        .expect("hikvision group");
    assert_eq!((hik.count, hik.cameras, hik.watchlist), (1, 1, 1));
    let by_if = summary(
        &s,
        &compiled(Filter::default()),
        &[GroupKey::Interface, GroupKey::Watchlist],
    );
    let vlan10_watch = by_if
        .groups
        .iter()
        .find(|g| g.key == [Some("vlan10".to_string()), Some("true".to_string())])
        .expect("vlan10 watchlisted group");
    assert_eq!(vlan10_watch.count, 2);
}

#[test]
fn requests_parse_with_defaults_and_reject_unknown_fields() {
    let r: Request =
        serde_json::from_str(r#"{"type":"devices","filter":{"family":"hikvision"},"limit":5}"#)
            .expect("valid");
    match r {
        Request::Devices {
            filter,
            limit,
            sort,
            ..
        } => {
            assert_eq!(filter.family, ["hikvision"]);
            assert_eq!(limit, Some(5));
            assert_eq!(sort, SortKey::Id);
        }
        other => panic!("wrong request {other:?}"),
    }
    assert!(serde_json::from_str::<Request>(r#"{"type":"devices","famly":"x"}"#).is_err());
    assert!(serde_json::from_str::<Request>(r#"{"type":"reboot"}"#).is_err());
    assert_eq!(
        serde_json::from_str::<Request>(r#"{"type":"stats"}"#).expect("stats"),
        Request::Stats
    );
}

#[test]
fn status_only_counts_match_a_scan() {
    let s = store();
    for statuses in [
        vec![],
        vec!["active"],
        vec!["ACTIVE", "stale"],
        vec!["departed"],
    ] {
        let f = compiled(Filter {
            status: statuses.iter().map(|s| s.to_string()).collect(),
            ..Filter::default()
        });
        let scanned = s.devices().filter(|d| f.matches(d)).count();
        assert_eq!(count(&s, &f), scanned, "{statuses:?}");
    }
}
