//! Hostile datagrams: each is rejected with its typed error, never a panic.

mod common {
    pub mod hostile;
}

use camcensus::identify::Identifier;
use camcensus::wsd::{self, Limits};

const HELLO: &[u8] = include_bytes!("fixtures/wsd/windows_hello_01.xml");

#[test]
fn the_valid_hello_used_as_a_base_parses() {
    assert!(wsd::parse(HELLO, &Limits::default()).is_ok());
}

#[test]
fn each_hostile_input_returns_its_typed_error() {
    for (name, bytes, kind) in common::hostile::all(HELLO) {
        match wsd::parse(&bytes, &Limits::default()) {
            Ok(m) => panic!("{name}: parsed as {:?}", m.kind()),
            Err(e) => assert_eq!(e.kind, kind, "{name}: {e}"),
        }
    }
}

#[test]
fn every_prefix_of_a_real_message_is_handled() {
    let identifier = Identifier::builtin().expect("rules");
    for cut in 0..HELLO.len() {
        if let Ok(m) = wsd::parse(&HELLO[..cut], &Limits::default()) {
            for e in m.endpoints() {
                identifier.identify(e);
            }
        }
    }
}

#[test]
fn limits_are_configurable() {
    let big = common::hostile::nesting_bomb();
    let tight = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    let e = wsd::parse(&big, &tight).expect_err("too deep");
    assert!(e.detail.contains("more than 4"), "{e}");
    let small = Limits {
        max_datagram: 100,
        ..Limits::default()
    };
    assert_eq!(
        wsd::parse(HELLO, &small).map_err(|e| e.kind),
        Err(wsd::ParseErrorKind::Oversize)
    );
}
