//! Store behaviour with explicit time.

use super::*;
use crate::identify::Identifier;
use crate::wsd::{self, Limits};

const V4A: &str = "10.1.0.5";
const HIK_EPR: &str = "urn:uuid:6eff0000-9fd2-11b4-8331-bcbac2a4dee3";

fn envelope(header: &str, body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

fn header(msg_id: &str, seq: Option<(u64, u64)>) -> String {
    let seq = seq
        .map(|(i, n)| format!(r#"<d:AppSequence InstanceId="{i}" MessageNumber="{n}"/>"#))
        .unwrap_or_default();
    format!("<a:MessageID>{msg_id}</a:MessageID>{seq}")
}

fn hello_body(epr: &str, scopes: &str, xaddr: &str) -> String {
    format!(
        "<d:Hello><a:EndpointReference><a:Address>{epr}</a:Address></a:EndpointReference>\
         <d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>{scopes}</d:Scopes>\
         <d:XAddrs>{xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello>"
    )
}

fn obs(xml: &str, source: &str, interface: &str) -> Observation {
    let message = wsd::parse(xml.as_bytes(), &Limits::default()).expect("test message parses");
    static ID: std::sync::OnceLock<Identifier> = std::sync::OnceLock::new();
    let id = ID.get_or_init(|| Identifier::builtin().expect("tables"));
    let identities = id.identify_all(&message);
    Observation {
        source: source.parse().expect("ip"),
        interface: interface.to_string(),
        message,
        identities,
    }
}

fn hello(msg_id: &str, epr: &str, seq: Option<(u64, u64)>, source: &str) -> Observation {
    let scopes =
        "onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/hardware/DS-2CD2143G0-I";
    let xml = envelope(
        &header(msg_id, seq),
        &hello_body(
            epr,
            scopes,
            &format!("http://{source}/onvif/device_service"),
        ),
    );
    obs(&xml, source, "vlan10")
}

fn bye(msg_id: &str, epr: &str, source: &str) -> Observation {
    let body = format!(
        "<d:Bye><a:EndpointReference><a:Address>{epr}</a:Address></a:EndpointReference></d:Bye>"
    );
    obs(&envelope(&header(msg_id, None), &body), source, "vlan10")
}

fn kinds(changes: &[Change]) -> Vec<&'static str> {
    changes
        .iter()
        .map(|c| match c {
            Change::Added { .. } => "added",
            Change::Changed { .. } => "changed",
            Change::Seen { .. } => "seen",
            Change::Departed { .. } => "departed",
            Change::Stale { .. } => "stale",
            Change::Restarted { .. } => "restarted",
            Change::Conflict { .. } => "conflict",
            Change::Prober { .. } => "prober",
            Change::CapReached { .. } => "cap",
        })
        .collect()
}

#[test]
fn a_hello_adds_one_device_with_its_fields() {
    let mut s = Store::new(StoreLimits::default());
    let c = s.apply(&hello("urn:uuid:m1", HIK_EPR, Some((5, 1)), V4A), 1_000);
    assert_eq!(kinds(&c), ["added"]);
    let d = s.device_by_key(HIK_EPR).expect("stored");
    assert_eq!(d.id, 1);
    assert_eq!(d.verdict.family.as_deref(), Some("hikvision"));
    assert_eq!(d.hardware().as_deref(), Some("DS-2CD2143G0-I"));
    assert_eq!(d.interfaces.keys().collect::<Vec<_>>(), ["vlan10"]);
    assert_eq!(d.addresses.len(), 1);
    assert_eq!(
        (d.seen.first, d.seen.last, d.counts.hello),
        (1_000, 1_000, 1)
    );
    assert_eq!(d.status, Status::Active);
    assert_eq!(d.macs.len(), 1, "the MAC in the UUIDv1 EPR");
}

#[test]
fn soap_over_udp_repeats_and_a_second_interface_count_once() {
    let mut s = Store::new(StoreLimits::default());
    let h = hello("urn:uuid:m1", HIK_EPR, None, V4A);
    assert_eq!(kinds(&s.apply(&h, 0)), ["added"]);
    for t in [100, 300, 700] {
        assert!(s.apply(&h, t).is_empty());
    }
    let mut other_if = h.clone();
    other_if.interface = "vlan20".into();
    assert!(s.apply(&other_if, 800).is_empty());
    assert_eq!(s.stats().duplicates, 4);
    assert_eq!(s.device_by_key(HIK_EPR).map(|d| d.counts.hello), Some(1));
    // After the window the same MessageID is a new message (no AppSequence to object).
    assert_eq!(kinds(&s.apply(&h, 60_000)), ["seen"]);
}

#[test]
fn app_sequence_rules() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:a", HIK_EPR, Some((10, 5)), V4A), 0);
    assert!(
        s.apply(&hello("urn:uuid:b", HIK_EPR, Some((10, 4)), V4A), 1)
            .is_empty(),
        "lower number"
    );
    assert!(
        s.apply(&hello("urn:uuid:c", HIK_EPR, Some((10, 5)), V4A), 2)
            .is_empty(),
        "same number"
    );
    assert!(
        s.apply(&hello("urn:uuid:d", HIK_EPR, Some((9, 99)), V4A), 3)
            .is_empty(),
        "older instance"
    );
    assert_eq!(s.stats().out_of_sequence, 3);
    assert_eq!(
        kinds(&s.apply(&hello("urn:uuid:e", HIK_EPR, Some((10, 6)), V4A), 4)),
        ["seen"]
    );
    assert_eq!(
        kinds(&s.apply(&hello("urn:uuid:f", HIK_EPR, Some((11, 1)), V4A), 5)),
        ["restarted", "seen"]
    );
    assert_eq!(s.device_by_key(HIK_EPR).map(|d| d.restarts), Some(1));
}

#[test]
fn bye_only_from_a_known_address() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:a", HIK_EPR, None, V4A), 0);
    let c = s.apply(&bye("urn:uuid:b", HIK_EPR, "10.1.0.66"), 10);
    assert_eq!(kinds(&c), ["conflict"]);
    assert_eq!(
        s.device_by_key(HIK_EPR).map(|d| d.status),
        Some(Status::Active)
    );
    assert_eq!(s.stats().foreign_byes, 1);
    assert_eq!(
        kinds(&s.apply(&bye("urn:uuid:c", HIK_EPR, V4A), 20)),
        ["departed"]
    );
    assert_eq!(
        s.device_by_key(HIK_EPR).map(|d| d.status),
        Some(Status::Departed)
    );
    // A later Hello brings it back.
    let c = s.apply(&hello("urn:uuid:d", HIK_EPR, None, V4A), 30);
    assert_eq!(
        c,
        vec![Change::Changed {
            id: 1,
            fields: vec!["status"]
        }]
    );
    assert!(s
        .apply(&bye("urn:uuid:x", "urn:uuid:nobody", V4A), 40)
        .is_empty());
    assert_eq!(s.stats().unknown_byes, 1);
}

#[test]
fn conflicts_are_flagged_not_merged() {
    let mut s = Store::new(StoreLimits::default());
    let mac = |m: &str, id: &str| {
        let scopes = format!("onvif://www.onvif.org/MAC/{m}");
        let xml = envelope(
            &header(id, None),
            &hello_body("urn:uuid:clone", &scopes, "http://10.1.0.5/"),
        );
        obs(&xml, V4A, "vlan10")
    };
    s.apply(&mac("bc:ba:c2:00:00:01", "urn:uuid:1"), 0);
    let c = s.apply(&mac("bc:ba:c2:00:00:02", "urn:uuid:2"), 1_000);
    assert!(kinds(&c).contains(&"conflict"), "{c:?}");
    let d = s.device_by_key("urn:uuid:clone").expect("one record");
    assert_eq!(
        d.macs.len(),
        1,
        "the first MAC is kept, the second is in the conflict"
    );
    assert!(d.conflicts.contains_key(&ConflictKind::Mac));
    assert_eq!(s.len(), 1);

    // The same EPR from another subnet within the window.
    let c = s.apply(
        &hello("urn:uuid:3", "urn:uuid:clone", None, "10.2.0.9"),
        2_000,
    );
    assert!(kinds(&c).contains(&"conflict"));
    // ...but not when the device simply moved long ago.
    let mut t = Store::new(StoreLimits::default());
    t.apply(&hello("urn:uuid:a", HIK_EPR, None, V4A), 0);
    let c = t.apply(&hello("urn:uuid:b", HIK_EPR, None, "10.2.0.9"), 3_600_000);
    assert!(!kinds(&c).contains(&"conflict"), "{c:?}");
}

#[test]
fn one_source_claiming_many_eprs_is_flagged() {
    let limits = StoreLimits {
        max_eprs_per_source: 3,
        ..StoreLimits::default()
    };
    let mut s = Store::new(limits);
    for i in 0..3 {
        let c = s.apply(
            &hello(
                &format!("urn:uuid:m{i}"),
                &format!("urn:uuid:d{i}"),
                None,
                V4A,
            ),
            i,
        );
        assert_eq!(kinds(&c), ["added"]);
    }
    let c = s.apply(&hello("urn:uuid:m4", "urn:uuid:d4", None, V4A), 10);
    assert_eq!(kinds(&c), ["added", "conflict"]);
}

#[test]
fn the_cap_refuses_new_devices_and_evicts_none() {
    let limits = StoreLimits {
        max_devices: 2,
        ..StoreLimits::default()
    };
    let mut s = Store::new(limits);
    s.apply(&hello("urn:uuid:m1", "urn:uuid:d1", None, "10.1.0.1"), 0);
    s.apply(&hello("urn:uuid:m2", "urn:uuid:d2", None, "10.1.0.2"), 0);
    let c = s.apply(&hello("urn:uuid:m3", "urn:uuid:d3", None, "10.1.0.3"), 0);
    assert_eq!(kinds(&c), ["cap"]);
    assert!(
        s.apply(&hello("urn:uuid:m4", "urn:uuid:d4", None, "10.1.0.4"), 0)
            .is_empty(),
        "alarm once"
    );
    assert_eq!(s.stats().refused_devices, 2);
    assert_eq!(s.len(), 2);
    assert!(s.device_by_key("urn:uuid:d1").is_some() && s.device_by_key("urn:uuid:d2").is_some());
    // Known devices are still updated.
    assert_eq!(
        kinds(&s.apply(&hello("urn:uuid:m5", "urn:uuid:d1", None, "10.1.0.1"), 5)),
        ["seen"]
    );
}

#[test]
fn silent_devices_go_stale_and_come_back() {
    let limits = StoreLimits {
        stale_after: 1_000,
        ..StoreLimits::default()
    };
    let mut s = Store::new(limits);
    s.apply(&hello("urn:uuid:m1", HIK_EPR, None, V4A), 0);
    assert!(s.tick(999).is_empty());
    assert_eq!(s.tick(1_000), vec![Change::Stale { id: 1 }]);
    assert!(s.tick(5_000).is_empty(), "once");
    let c = s.apply(&hello("urn:uuid:m2", HIK_EPR, None, V4A), 6_000);
    assert_eq!(
        c,
        vec![Change::Changed {
            id: 1,
            fields: vec!["status"]
        }]
    );
}

#[test]
fn probes_and_resolves_record_probers() {
    let mut s = Store::new(StoreLimits {
        max_probers: 1,
        ..StoreLimits::default()
    });
    let probe = envelope(&header("urn:uuid:p1", None), "<d:Probe/>");
    let c = s.apply(&obs(&probe, "10.1.0.200", "vlan10"), 0);
    assert_eq!(kinds(&c), ["prober"]);
    let resolve = envelope(
        &header("urn:uuid:p2", None),
        "<d:Resolve><a:EndpointReference><a:Address>urn:uuid:x</a:Address></a:EndpointReference></d:Resolve>",
    );
    s.apply(&obs(&resolve, "10.1.0.200", "vlan10"), 5);
    let p = s
        .prober("10.1.0.200".parse().expect("ip"), "vlan10")
        .expect("prober");
    assert_eq!(
        (p.probes, p.resolves, p.seen.first, p.seen.last),
        (1, 1, 0, 5)
    );
    assert!(s
        .apply(&obs(&probe.replace("p1", "p3"), "10.1.0.201", "vlan10"), 6)
        .is_empty());
    assert_eq!(s.stats().refused_probers, 1);
}

#[test]
fn a_changed_announcement_names_the_fields() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:m1", HIK_EPR, None, V4A), 0);
    let scopes =
        "onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/hardware/DS-2CD2T47G2-L";
    let xml = envelope(
        &header("urn:uuid:m2", None),
        &hello_body(HIK_EPR, scopes, "http://10.1.0.5/onvif/device_service"),
    );
    let c = s.apply(&obs(&xml, V4A, "vlan10"), 10);
    assert_eq!(
        c,
        vec![Change::Changed {
            id: 1,
            fields: vec!["scopes", "hardware", "identity"]
        }]
    );
}

#[test]
fn loaded_records_keep_their_ids() {
    let mut a = Store::new(StoreLimits::default());
    a.apply(&hello("urn:uuid:m1", "urn:uuid:d1", None, V4A), 0);
    a.apply(&hello("urn:uuid:m2", "urn:uuid:d2", None, V4A), 0);
    let devices: Vec<Device> = a.devices().cloned().collect();
    let mut b = Store::new(StoreLimits::default());
    b.load(devices, Vec::new());
    assert_eq!(b.len(), 2);
    let c = b.apply(&hello("urn:uuid:m3", "urn:uuid:d3", None, V4A), 0);
    assert_eq!(c, vec![Change::Added { id: 3 }]);
}

#[test]
fn the_epr_is_stored_only_when_it_differs_from_the_key() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:m1", HIK_EPR, None, V4A), 1_000);
    let d = s.device_by_key(HIK_EPR).expect("stored");
    assert_eq!((d.epr(), d.epr_if_not_key.as_deref()), (HIK_EPR, None));
    let sent = "uuid:6EFF0000-9FD2-11B4-8331-BCBAC2A4DEE3";
    let c = s.apply(&hello("urn:uuid:m2", sent, None, V4A), 2_000);
    assert!(
        matches!(&c[..], [Change::Changed { fields, .. }] if fields.contains(&"epr")),
        "{c:?}"
    );
    let d = s.device_by_key(HIK_EPR).expect("the same device");
    assert_eq!(d.epr(), sent, "kept verbatim as last sent");
}

#[test]
fn a_snapshot_keeps_its_values_when_the_record_changes() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:m1", HIK_EPR, Some((1, 1)), V4A), 1_000);
    let snapshot = s.snapshot(1).expect("device 1");
    s.apply(&hello("urn:uuid:m2", HIK_EPR, Some((1, 2)), V4A), 2_000);
    assert_eq!(snapshot.seen.last, 1_000, "copy on write");
    assert_eq!(s.device(1).map(|d| d.seen.last), Some(2_000));
}

#[test]
fn described_matches_the_single_accessors() {
    let mut s = Store::new(StoreLimits::default());
    s.apply(&hello("urn:uuid:m1", HIK_EPR, None, V4A), 1_000);
    let d = s.device(1).expect("device 1");
    let described = d.described();
    assert_eq!(described.name, d.name());
    assert_eq!(described.hardware, d.hardware());
    assert_eq!(described.locations, d.locations());
    assert_eq!(described.hardware.as_deref(), Some("DS-2CD2143G0-I"));
}

/// The maintained per-status counts always equal a recount.
fn recount(s: &Store) -> StatusCounts {
    let mut c = StatusCounts::default();
    for d in s.devices() {
        match d.status {
            Status::Active => c.active += 1,
            Status::Stale => c.stale += 1,
            Status::Departed => c.departed += 1,
        }
    }
    c
}

#[test]
fn status_counts_follow_every_transition() {
    let mut s = Store::new(StoreLimits {
        stale_after: 1_000,
        ..StoreLimits::default()
    });
    let epr = |i: u32| format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
    for i in 0..6 {
        s.apply(&hello(&format!("urn:uuid:m{i}"), &epr(i), None, V4A), 0);
        assert_eq!(s.status_counts(), recount(&s));
    }
    s.apply(&bye("urn:uuid:b0", &epr(0), V4A), 10);
    s.apply(&bye("urn:uuid:b1", &epr(1), V4A), 10);
    s.apply(&hello("urn:uuid:m9", &epr(2), None, V4A), 500);
    assert_eq!(s.status_counts(), recount(&s));
    s.tick(1_200);
    assert_eq!(s.status_counts(), recount(&s));
    assert_eq!(
        s.status_counts(),
        StatusCounts {
            active: 1,
            stale: 3,
            departed: 2
        }
    );
    s.apply(&hello("urn:uuid:m10", &epr(0), None, V4A), 1_300);
    s.apply(&hello("urn:uuid:m11", &epr(3), None, V4A), 1_300);
    assert_eq!(s.status_counts(), recount(&s));
    let mut loaded = Store::new(StoreLimits::default());
    loaded.load(s.devices().cloned().collect(), Vec::new());
    assert_eq!(loaded.status_counts(), s.status_counts());
}

#[test]
fn sites_come_from_where_a_device_was_heard_and_follow_new_definitions() {
    use super::sites::{Cidr, Site, Sites};
    let site = |name: &str, interfaces: &[&str], subnets: &[&str]| Site {
        name: name.into(),
        interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
        subnets: subnets
            .iter()
            .map(|c| Cidr::parse(c).expect("cidr"))
            .collect(),
    };
    let mut s = Store::new(StoreLimits::default());
    s.set_sites(Sites::new(vec![site(
        "hall",
        &["vlan10"],
        &["10.1.0.0/16"],
    )]));
    // hello() announces on vlan10.
    s.apply(&hello("urn:uuid:m1", HIK_EPR, None, V4A), 0);
    let d = s.device_by_key(HIK_EPR).expect("stored");
    assert_eq!((d.site.as_deref(), d.off_subnet), (Some("hall"), false));
    // Heard from outside the subnets of vlan10: still the hall (its interface), flagged.
    let c = s.apply(&hello("urn:uuid:m2", HIK_EPR, None, "192.0.2.9"), 10);
    let d = s.device_by_key(HIK_EPR).expect("stored");
    assert_eq!((d.site.as_deref(), d.off_subnet), (Some("hall"), true));
    assert!(
        c.iter()
            .any(|c| matches!(c, Change::Changed { fields, .. } if fields.contains(&"site"))),
        "{c:?}"
    );
    // New definitions re-place known devices.
    let c = s.set_sites(Sites::new(vec![site("annex", &["vlan*"], &[])]));
    assert_eq!(c.len(), 1);
    let d = s.device_by_key(HIK_EPR).expect("stored");
    assert_eq!((d.site.as_deref(), d.off_subnet), (Some("annex"), false));
    assert!(s
        .set_sites(Sites::new(vec![site("annex", &["vlan*"], &[])]))
        .is_empty());
}
