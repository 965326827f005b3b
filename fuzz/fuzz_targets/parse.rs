//! Fuzz `wsd::parse` with arbitrary bytes, then identify every endpoint it returns.
//!
//! Each input is parsed three times:
//! 1. with `Limits::default()`; on success every endpoint goes through the built-in
//!    `Identifier` (so the identification rules, OUI lookup, MAC and scope decoding are
//!    fuzzed on whatever the parser lets through);
//! 2. with every bound tiny (2..=4, chosen from the input length), so each limit path is
//!    taken early, including mid-element and mid-field;
//! 3. with only the per-message list bounds tiny (endpoints, types, scopes, XAddrs) and the
//!    structural ones at their defaults, so real-sized messages reach the list bounds.
//!
//! Properties checked: no panic; a message accepted under tighter limits respects them
//! and is accepted identically under the defaults (limits only ever add rejections).
//! Run: `cargo +nightly fuzz run parse -- -max_len=65536` (see fuzz/README.md).

#![no_main]

use std::sync::OnceLock;

use camcensus::identify::Identifier;
use camcensus::wsd::{self, Body, Limits, Message};
use libfuzzer_sys::fuzz_target;

fn identifier() -> &'static Identifier {
    static IDENTIFIER: OnceLock<Identifier> = OnceLock::new();
    IDENTIFIER.get_or_init(|| Identifier::builtin().expect("built-in rules load"))
}

fn defaults() -> &'static Limits {
    static DEFAULTS: OnceLock<Limits> = OnceLock::new();
    DEFAULTS.get_or_init(Limits::default)
}

fn tiny(k: usize) -> Limits {
    Limits {
        max_datagram: Limits::DEFAULT_MAX_DATAGRAM,
        max_depth: k,
        max_events: k,
        max_quotes: k,
        max_text: k,
        max_attributes: k,
        max_endpoints: k,
        max_types: k,
        max_scopes: k,
        max_xaddrs: k,
    }
}

fn tiny_lists(k: usize) -> Limits {
    Limits {
        max_endpoints: k,
        max_types: k,
        max_scopes: k,
        max_xaddrs: k,
        ..Limits::default()
    }
}

/// Every list in `msg` is within `limits`.
fn check_bounds(msg: &Message, limits: &Limits) {
    let endpoints = msg.endpoints();
    assert!(
        endpoints.len() <= limits.max_endpoints,
        "endpoints over bound"
    );
    for ep in endpoints {
        assert!(ep.types.len() <= limits.max_types, "types over bound");
        assert!(ep.scopes.len() <= limits.max_scopes, "scopes over bound");
        assert!(ep.xaddrs.len() <= limits.max_xaddrs, "xaddrs over bound");
    }
    if let Body::Probe(p) = &msg.body {
        assert!(p.types.len() <= limits.max_types, "probe types over bound");
        assert!(
            p.scopes.len() <= limits.max_scopes,
            "probe scopes over bound"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let full = wsd::parse(data, defaults());
    if let Ok(msg) = &full {
        check_bounds(msg, defaults());
        let id = identifier();
        for ep in msg.endpoints() {
            let identity = id.identify(ep);
            std::hint::black_box(&identity);
        }
    }

    let k = 2 + data.len() % 3;
    for limits in [tiny(k), tiny_lists(k)] {
        if let Ok(msg) = wsd::parse(data, &limits) {
            check_bounds(&msg, &limits);
            match &full {
                Ok(full) => assert_eq!(&msg, full, "tighter limits changed the result"),
                Err(e) => {
                    panic!("accepted under tighter limits {limits:?}, rejected under defaults: {e}")
                }
            }
        }
    }
});
