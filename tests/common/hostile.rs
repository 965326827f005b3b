//! Hostile datagrams, generated deterministically, with the error kind each must produce.
//! Shared by the tests (`tests/hostile.rs`) and the benchmark (`benches/parse.rs`).

#![allow(dead_code)]

use camcensus::wsd::ParseErrorKind;

/// The largest UDP payload over IPv4; every generated input stays at or under it.
pub const MAX_UDP: usize = 65_507;

const ENVELOPE_OPEN: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Body>"#;

/// Deterministic xorshift bytes.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

fn fill_to(mut s: String, unit: &str, len: usize) -> String {
    while s.len() + unit.len() <= len {
        s.push_str(unit);
    }
    s
}

/// `<a><a><a>...` inside a SOAP Body, to 64 KiB: stopped by the depth bound.
pub fn nesting_bomb() -> Vec<u8> {
    fill_to(ENVELOPE_OPEN.to_string(), "<a>", MAX_UDP).into_bytes()
}

/// The same without an envelope: rejected at the first element.
pub fn bare_nesting_bomb() -> Vec<u8> {
    fill_to(String::new(), "<a>", MAX_UDP).into_bytes()
}

/// 64 KiB of sibling empty elements inside the Body: stopped by the event bound.
pub fn event_flood() -> Vec<u8> {
    fill_to(ENVELOPE_OPEN.to_string(), "<a/>", MAX_UDP - 32).into_bytes()
}

/// A billion-laughs entity definition in a DTD.
pub fn billion_laughs() -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        s.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    s.push_str("]>\n<lolz>&lol9;</lolz>");
    s.into_bytes()
}

/// An entity reference with no DTD at all, inside a real envelope.
pub fn undefined_entity() -> Vec<u8> {
    format!("{ENVELOPE_OPEN}<d:Hello>&lol9;</d:Hello></s:Body></s:Envelope>").into_bytes()
}

/// A DOCTYPE in an otherwise valid Hello.
pub fn dtd() -> Vec<u8> {
    format!("<!DOCTYPE x SYSTEM \"file:///etc/passwd\">{ENVELOPE_OPEN}</s:Body></s:Envelope>")
        .into_bytes()
}

/// 7,000 attributes on the envelope.
pub fn many_attributes() -> Vec<u8> {
    let mut s = String::from("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"");
    for i in 0..7000 {
        s.push_str(&format!(" a{i}=\"\""));
    }
    s.push_str("><s:Body/></s:Envelope>");
    s.into_bytes()
}

/// 3,000 namespace declarations: the attribute bound applies before any is recorded.
pub fn many_namespaces() -> Vec<u8> {
    let mut s = String::from("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"");
    for i in 0..3000 {
        s.push_str(&format!(" xmlns:n{i}=\"urn:x\""));
    }
    s.push_str("><s:Body/></s:Envelope>");
    s.into_bytes()
}

/// A Scopes value over the text bound.
pub fn huge_text() -> Vec<u8> {
    let scopes = "onvif://www.onvif.org/name/x ".repeat(2000);
    format!(
        "{ENVELOPE_OPEN}<d:Hello><a:EndpointReference><a:Address>urn:uuid:1</a:Address></a:EndpointReference>\
         <d:Scopes>{scopes}</d:Scopes></d:Hello></s:Body></s:Envelope>"
    )
    .into_bytes()
}

/// A valid Hello with one byte made invalid UTF-8.
pub fn invalid_utf8(valid: &[u8]) -> Vec<u8> {
    let mut v = valid.to_vec();
    let at = v.len() / 2;
    v[at] = 0xff;
    v
}

/// A valid message cut in half.
pub fn truncated(valid: &[u8]) -> Vec<u8> {
    valid[..valid.len() / 2].to_vec()
}

/// 64 KiB of binary noise.
pub fn binary_garbage() -> Vec<u8> {
    noise(65_536, 0x9e37_79b9_7f4a_7c15)
}

/// 64 KiB of printable ASCII noise (passes the UTF-8 check).
pub fn text_garbage() -> Vec<u8> {
    noise(65_536, 7)
        .into_iter()
        .map(|b| b' ' + b % 94)
        .collect()
}

/// One byte over the datagram bound.
pub fn oversize() -> Vec<u8> {
    vec![b' '; camcensus::wsd::Limits::DEFAULT_MAX_DATAGRAM + 1]
}

/// Every hostile case: (name, bytes, expected error kind). `valid` is a real Hello.
pub fn all(valid: &[u8]) -> Vec<(&'static str, Vec<u8>, ParseErrorKind)> {
    use ParseErrorKind::*;
    vec![
        ("empty", Vec::new(), Empty),
        ("whitespace", b" \r\n\t ".to_vec(), Empty),
        ("oversize", oversize(), Oversize),
        ("nesting_bomb", nesting_bomb(), LimitExceeded),
        ("bare_nesting_bomb", bare_nesting_bomb(), NotSoap),
        ("event_flood", event_flood(), LimitExceeded),
        ("billion_laughs", billion_laughs(), Dtd),
        ("undefined_entity", undefined_entity(), NotXml),
        ("dtd", dtd(), Dtd),
        ("many_attributes", many_attributes(), LimitExceeded),
        ("many_namespaces", many_namespaces(), LimitExceeded),
        ("huge_text", huge_text(), LimitExceeded),
        ("invalid_utf8", invalid_utf8(valid), NotUtf8),
        ("truncated", truncated(valid), NotXml),
        ("binary_garbage", binary_garbage(), NotUtf8),
        ("text_garbage", text_garbage(), NotXml),
    ]
}
