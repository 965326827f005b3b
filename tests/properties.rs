//! Property tests: no input panics the parser or the identifier; scopes round-trip.

use camcensus::identify::Identifier;
use camcensus::onvif::{Category, OnvifScope, ONVIF_PREFIX};
use camcensus::wsd::{self, Limits, XAddr};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use std::sync::OnceLock;

fn identifier() -> &'static Identifier {
    static ID: OnceLock<Identifier> = OnceLock::new();
    ID.get_or_init(|| Identifier::builtin().expect("built-in tables"))
}

/// Parse and identify; the only requirement is that it returns.
fn exercise(bytes: &[u8], limits: &Limits) {
    if let Ok(m) = wsd::parse(bytes, limits) {
        for e in m.endpoints() {
            let id = identifier().identify(e);
            assert!(id.verdict.family.is_none() || !id.evidence.is_empty());
        }
    }
}

const FIXTURES: [&[u8]; 4] = [
    include_bytes!("fixtures/wsd/hikvision_probematch_01.xml"),
    include_bytes!("fixtures/wsd/amcrest_probematch_01.xml"),
    include_bytes!("fixtures/wsd/windows_hello_01.xml"),
    include_bytes!("fixtures/wsd/hikvision-oem_probematch_01.xml"),
];

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (
            any::<usize>(),
            prop::sample::select(b"<>/:&;\"' =\n#x".to_vec())
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut v: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = v.len().max(1);
        match *e {
            Edit::Replace(i, b) if !v.is_empty() => v[i % n] = b,
            Edit::Insert(i, b) => v.insert(i % (v.len() + 1), b),
            Edit::Delete(i) if !v.is_empty() => {
                v.remove(i % n);
            }
            Edit::Truncate(i) => v.truncate(i % (v.len() + 1)),
            _ => {}
        }
    }
    v
}

fn tiny_limits() -> Limits {
    Limits {
        max_datagram: 2048,
        max_depth: 4,
        max_events: 40,
        max_quotes: 64,
        max_text: 64,
        max_attributes: 3,
        max_endpoints: 1,
        max_types: 1,
        max_scopes: 2,
        max_xaddrs: 1,
    }
}

const CATEGORIES: [(&str, Category); 8] = [
    ("name", Category::Name),
    ("hardware", Category::Hardware),
    ("location", Category::Location),
    ("type", Category::Type),
    ("Profile", Category::Profile),
    ("MAC", Category::Mac),
    ("SerialNumber", Category::SerialNumber),
    ("extension", Category::Extension),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        exercise(&bytes, &Limits::default());
        exercise(&bytes, &tiny_limits());
    }

    #[test]
    fn xml_shaped_soup_never_panics(s in "[<>/a-zA-Z:=\"' &;#x0-9\n?!\\[\\]-]{0,600}") {
        exercise(s.as_bytes(), &Limits::default());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let bytes = apply(FIXTURES[which].to_vec(), &edits);
        exercise(&bytes, &Limits::default());
        exercise(&bytes, &tiny_limits());
    }

    #[test]
    fn scope_values_round_trip(
        which in 0..CATEGORIES.len(),
        upper in any::<bool>(),
        value in any::<String>(),
    ) {
        let (name, category) = &CATEGORIES[which];
        let spelled = if upper { name.to_uppercase() } else { name.to_lowercase() };
        let raw = format!("{ONVIF_PREFIX}{spelled}/{}", utf8_percent_encode(&value, NON_ALPHANUMERIC));
        let parsed = OnvifScope::parse(&raw).expect("an ONVIF scope");
        prop_assert_eq!(&parsed.category, category);
        prop_assert_eq!(parsed.value, value);
    }

    #[test]
    fn scope_lists_split_on_any_xml_whitespace(
        tokens in prop::collection::vec("[!-~&&[^<&]]{1,30}", 1..10),
        seps in prop::collection::vec("[ \t\r\n]{1,4}", 10),
    ) {
        let mut list = seps[9].clone();
        for (t, s) in tokens.iter().zip(&seps) {
            list.push_str(t);
            list.push_str(s);
        }
        let xml = format!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:Hello><a:EndpointReference><a:Address>u</a:Address></a:EndpointReference><d:Scopes>{list}</d:Scopes></d:Hello></s:Body></s:Envelope>"#
        );
        let m = wsd::parse(xml.as_bytes(), &Limits::default()).expect("parses");
        let raw: Vec<&str> = m.endpoints()[0].scopes.iter().map(|s| s.raw.as_str()).collect();
        let want: Vec<&str> = tokens.iter().map(String::as_str).collect();
        prop_assert_eq!(raw, want);
    }

    #[test]
    fn xaddrs_never_panic_and_keep_their_text(s in any::<String>()) {
        let x = XAddr::parse(&s);
        prop_assert_eq!(x.raw, s);
    }
}
