//! Identification: OEM labels, templates, MACs, placeholders, conflicts, classes, rules.

use super::*;
use crate::onvif::Scope;
use crate::wsd::{Epr, QName};

const NVT: &str = "http://www.onvif.org/ver10/network/wsdl";

fn endpoint(epr: &str, types: &[(&str, &str)], scopes: &[&str]) -> Endpoint {
    Endpoint {
        epr: Epr::new(epr),
        types: types
            .iter()
            .map(|(ns, local)| QName {
                namespace: Some(ns.to_string()),
                local: local.to_string(),
            })
            .collect(),
        scopes: scopes.iter().map(|s| Scope::parse(s)).collect(),
        xaddrs: Vec::new(),
        metadata_version: None,
    }
}

fn camera(epr: &str, scopes: &[&str]) -> Identity {
    let id = Identifier::builtin().expect("built-in tables");
    id.identify(&endpoint(epr, &[(NVT, "NetworkVideoTransmitter")], scopes))
}

const V4: &str = "urn:uuid:c3e195f5-cece-40a4-9760-9ae807e243d9";

fn dahua_template(name: &str, hardware: &str) -> Vec<String> {
    [
        "type/Network_Video_Transmitter",
        "extension/unique_identifier",
        "location/country/china",
        "Profile/Streaming",
    ]
    .iter()
    .map(|s| format!("onvif://www.onvif.org/{s}"))
    .chain([
        format!("onvif://www.onvif.org/name/{name}"),
        format!("onvif://www.onvif.org/hardware/{hardware}"),
    ])
    .collect()
}

fn with(scopes: &[String]) -> Vec<&str> {
    scopes.iter().map(String::as_str).collect()
}

fn summary(id: &Identity) -> (Option<&str>, Option<&str>, Confidence) {
    (
        id.verdict.family.as_deref(),
        id.verdict.brand.as_deref(),
        id.verdict.confidence,
    )
}

#[test]
fn oem_labels_on_the_dahua_template() {
    let cases = [
        ("Lorex", "LNB8005-C", Some("Lorex"), Confidence::High),
        (
            "Intelbras",
            "VIP%203230",
            Some("Intelbras"),
            Confidence::High,
        ),
        // The Lorex NVR numbering (low) names the label behind the white-label "General".
        ("General", "N864A6", Some("Lorex"), Confidence::High),
        ("Dahua", "DH-IPC-HDW1230T2", Some("Dahua"), Confidence::High),
        ("Acme", "CAM1", None, Confidence::Medium),
    ];
    for (name, hw, brand, conf) in cases {
        let scopes = dahua_template(name, hw);
        let id = camera(V4, &with(&scopes));
        assert_eq!(
            summary(&id),
            (Some("dahua"), brand, conf),
            "{name} {hw}: {:#?}",
            id.evidence
        );
        assert!(id.verdict.watchlist);
        assert!(id.evidence.iter().any(|e| e.kind == EvidenceKind::Template));
    }
}

#[test]
fn hikvision_mac_in_the_epr_without_a_mac_scope() {
    let id = camera(
        "urn:uuid:6eff0000-9fd2-11b4-8331-bcbac2a4dee3",
        &["onvif://www.onvif.org/hardware/X1"],
    );
    assert_eq!(summary(&id), (Some("hikvision"), None, Confidence::Medium));
    assert_eq!(id.macs.len(), 1);
    assert_eq!(id.macs[0].source, MacSource::EprUuidNode);
    assert!(id.evidence[0].rule.contains("Hikvision"));
}

#[test]
fn hikvision_label_model_and_mac_agree_at_high() {
    let id = camera(
        "urn:uuid:6eff0000-9fd2-11b4-8331-bcbac2a4dee3",
        &[
            "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2143G0-I",
            "onvif://www.onvif.org/hardware/DS-2CD2143G0-I",
            "onvif://www.onvif.org/MAC/bc:ba:c2:a4:de:e3",
        ],
    );
    assert_eq!(
        summary(&id),
        (Some("hikvision"), Some("Hikvision"), Confidence::High)
    );
    assert_eq!(id.verdict.manufacturer.as_deref(), Some("HIKVISION"));
    assert_eq!(id.verdict.model.as_deref(), Some("DS-2CD2143G0-I"));
    assert!(!id.verdict.conflict);
    // The same MAC from the scope and the EPR is one MAC and one OUI item.
    assert_eq!(id.macs.len(), 1);
    assert_eq!(
        id.evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Oui)
            .count(),
        1
    );
}

#[test]
fn ezviz_and_hilook_are_hikvision_family_with_their_brand() {
    let ez = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/EZVIZ",
            "onvif://www.onvif.org/hardware/CS-C6TC-32WFR",
        ],
    );
    assert_eq!(
        summary(&ez),
        (Some("hikvision"), Some("EZVIZ"), Confidence::High)
    );
    let hl = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/HiLook",
            "onvif://www.onvif.org/hardware/IPC-B140H",
        ],
    );
    assert_eq!(
        summary(&hl),
        (Some("hikvision"), Some("HiLook"), Confidence::High)
    );
}

#[test]
fn placeholders_give_no_label_and_no_verdict() {
    let id = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/NVT",
            "onvif://www.onvif.org/hardware/IPC-model",
        ],
    );
    assert_eq!(id.verdict.manufacturer, None);
    assert_eq!(id.verdict.model, None);
    // Only the Xiongmai default-scope template (low) speaks.
    assert_eq!(summary(&id), (Some("xiongmai"), None, Confidence::Low));
    let bare = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/VENDOR%20MODEL",
            "onvif://www.onvif.org/hardware/MODEL",
        ],
    );
    assert_eq!(summary(&bare), (None, None, Confidence::Unknown));
    assert!(bare.evidence.is_empty());
}

#[test]
fn conflicting_evidence_is_kept_and_lowers_confidence() {
    // An AXIS label on a unit with a Hikvision MAC.
    let id = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/AXIS%20P3245",
            "onvif://www.onvif.org/MAC/bc:ba:c2:00:00:01",
        ],
    );
    assert_eq!(
        summary(&id),
        (Some("axis"), Some("Axis"), Confidence::Medium)
    );
    assert!(id.verdict.conflict);
    assert!(!id.verdict.watchlist);
    assert!(id
        .evidence
        .iter()
        .any(|e| e.family.as_deref() == Some("hikvision")));
}

#[test]
fn never_dahua_by_substring_and_never_from_local_macs() {
    let id = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/Shanghai%20Dahua%20Scale",
            "onvif://www.onvif.org/MAC/40:2c:76:10:00:01",
        ],
    );
    assert_ne!(
        id.verdict.family.as_deref(),
        Some("dahua"),
        "{:#?}",
        id.evidence
    );
    // bc:ba:c2 with the locally-administered bit set (be:ba:c2) is no Hikvision MAC.
    let local = camera(V4, &["onvif://www.onvif.org/MAC/be:ba:c2:a4:de:e3"]);
    assert_eq!(local.verdict.family, None);
    assert_eq!(local.macs.len(), 1, "the MAC is still reported");
}

#[test]
fn classes() {
    let id = Identifier::builtin().expect("tables");
    let class = |types: &[(&str, &str)], scopes: &[&str]| {
        id.identify(&endpoint(V4, types, scopes)).verdict.class
    };
    assert_eq!(
        class(&[(NVT, "NetworkVideoTransmitter")], &[]),
        Class::Camera
    );
    assert_eq!(class(&[(NVT, "NetworkVideoStorage")], &[]), Class::Recorder);
    assert_eq!(
        class(
            &[(NVT, "NetworkVideoTransmitter")],
            &["onvif://www.onvif.org/hardware/DS-7608NI-K2"]
        ),
        Class::Recorder
    );
    assert_eq!(
        class(
            &[(NVT, "NetworkVideoTransmitter")],
            &["onvif://www.onvif.org/hardware/DHI-NVR5416-4KS2"]
        ),
        Class::Recorder
    );
    assert_eq!(
        class(&[("http://www.onvif.org/ver10/device/wsdl", "Device")], &[]),
        Class::OnvifOther
    );
    assert_eq!(
        class(&[], &["onvif://www.onvif.org/type/door"]),
        Class::OnvifOther
    );
    assert_eq!(
        class(
            &[
                ("http://schemas.xmlsoap.org/ws/2006/02/devprof", "Device"),
                (
                    "http://schemas.microsoft.com/windows/pub/2005/07",
                    "Computer"
                )
            ],
            &[]
        ),
        Class::Host
    );
    assert_eq!(class(&[], &[]), Class::Unknown);
    // A recorder-looking name on a Windows host does not make it a recorder.
    assert_eq!(
        class(
            &[(
                "http://schemas.microsoft.com/windows/pub/2005/07",
                "Computer"
            )],
            &["urn:x/NVR1234"]
        ),
        Class::Host
    );
}

#[test]
fn manufacturer_and_model_labels() {
    let foscam = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/C1",
            "onvif://www.onvif.org/hardware/C1",
            "onvif://www.onvif.org/type/manufacturer/FOSCAM",
        ],
    );
    assert_eq!(
        (
            foscam.verdict.manufacturer.as_deref(),
            foscam.verdict.model.as_deref()
        ),
        (Some("FOSCAM"), Some("C1"))
    );
    let acti = camera(
        V4,
        &[
            "onvif://www.onvif.org/name/TCM3401",
            "onvif://www.onvif.org/hardware/",
        ],
    );
    assert_eq!(
        (
            acti.verdict.manufacturer.as_deref(),
            acti.verdict.model.as_deref()
        ),
        (None, Some("TCM3401"))
    );
    let model_scope = camera(V4, &["onvif://www.onvif.org/Model/631GA"]);
    assert_eq!(model_scope.verdict.model.as_deref(), Some("631GA"));
}

#[test]
fn user_rules_add_evidence_and_bad_rules_say_where() {
    let rules = "family\tbrand\tkind\tpattern\tconfidence\tnote\n\
                 acme\tAcme\tname\t^Acme\\b\thigh\tour own cameras\n";
    let id = Identifier::with_user_rules(&[("site.tsv", rules)]).expect("user rules load");
    let got = id.identify(&endpoint(
        V4,
        &[(NVT, "NetworkVideoTransmitter")],
        &["onvif://www.onvif.org/name/Acme%20Cam"],
    ));
    assert_eq!(
        summary(&got),
        (Some("acme"), Some("Acme"), Confidence::High)
    );
    assert_eq!(&*got.evidence[0].origin, "site.tsv:2");

    let err = |text: &str| Identifier::with_user_rules(&[("u.tsv", text)]).expect_err("bad rule");
    assert_eq!(err("x\t-\tname\t(\thigh\tn\n").origin, "u.tsv:1");
    assert!(err("x\t-\tcolour\tp\thigh\tn\n")
        .message
        .contains("unknown kind"));
    assert!(err("x\t-\tname\tp\tsure\tn\n")
        .message
        .contains("confidence"));
    assert!(err("x\t-\tname\tp\thigh\n")
        .message
        .contains("6 tab-separated"));
    assert!(err("-\t-\tname\tp\thigh\tn\n").message.contains("recorder"));
    assert!(err("x\t-\ttemplate\tnot-a-scope\thigh\tn\n")
        .message
        .contains("template"));
}

#[test]
fn builtin_rules_all_compile_and_every_family_is_lower_case() {
    let rules = RuleSet::builtin().expect("built-in rules");
    assert!(rules.rules().len() > 40);
    for r in rules.rules() {
        if let Some(f) = &r.family {
            assert_eq!(f.to_string(), f.to_ascii_lowercase(), "{}", r.origin);
        }
    }
}

#[test]
fn the_watchlist_matches_families_and_brands() {
    let hik = crate::wsd::parse(
        include_bytes!("../../tests/fixtures/wsd/hikvision_probematch_01.xml"),
        &crate::wsd::Limits::default(),
    )
    .expect("fixture");
    let amcrest = crate::wsd::parse(
        include_bytes!("../../tests/fixtures/wsd/amcrest_probematch_01.xml"),
        &crate::wsd::Limits::default(),
    )
    .expect("fixture");
    let verdict = |id: &Identifier, m: &crate::wsd::Message| id.identify_all(m)[0].verdict.clone();
    let brands_only = Identifier::builtin()
        .expect("tables")
        .with_watchlist(Watchlist {
            families: Vec::new(),
            brands: vec!["amcrest".into()],
        });
    assert!(
        verdict(&brands_only, &amcrest).watchlist,
        "brand, case-insensitive"
    );
    assert!(
        !verdict(&brands_only, &hik).watchlist,
        "hikvision not listed here"
    );
    let none = Identifier::builtin()
        .expect("tables")
        .with_watchlist(Watchlist::default());
    assert!(!verdict(&none, &hik).watchlist);
    assert!(verdict(&Identifier::builtin().expect("tables"), &hik).watchlist);
}

#[test]
fn an_override_wins_shows_its_note_and_keeps_the_other_evidence() {
    let hik = crate::wsd::parse(
        include_bytes!("../../tests/fixtures/wsd/hikvision_probematch_01.xml"),
        &crate::wsd::Limits::default(),
    )
    .expect("fixture");
    let ep = &hik.endpoints()[0];
    let plain = Identifier::builtin().expect("tables").identify(ep);
    let pinned = Identifier::builtin()
        .expect("tables")
        .with_overrides(vec![Override {
            epr: Some(ep.epr.key.clone()),
            mac: None,
            family: Some("axis".into()),
            brand: Some("Axis".into()),
            note: "checked on site by J. Smith, 2026-11-20".into(),
        }])
        .identify(ep);
    assert_eq!(pinned.verdict.family.as_deref(), Some("axis"));
    assert_eq!(pinned.verdict.brand.as_deref(), Some("Axis"));
    assert!(
        !pinned.verdict.watchlist,
        "the watchlist follows the override"
    );
    assert_eq!(pinned.evidence[0].kind, EvidenceKind::Override);
    assert!(pinned.evidence[0].note.contains("J. Smith"));
    assert_eq!(
        pinned.evidence.len(),
        plain.evidence.len() + 1,
        "nothing hidden"
    );
    let by_mac = Identifier::builtin()
        .expect("tables")
        .with_overrides(vec![Override {
            epr: None,
            mac: plain.macs.first().map(|m| m.mac),
            family: None,
            brand: Some("Town Hall Security".into()),
            note: "relabelled unit".into(),
        }])
        .identify(ep);
    assert_eq!(
        by_mac.verdict.family.as_deref(),
        Some("hikvision"),
        "family kept"
    );
    assert_eq!(by_mac.verdict.brand.as_deref(), Some("Town Hall Security"));
}
