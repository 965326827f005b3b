//! The example configuration documents the real defaults.

use camcensus::wsd::Limits;

/// `key = integer` lines of one `[section]`.
fn section(text: &str, name: &str) -> Vec<(String, usize)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{name}]");
        } else if inside && !line.starts_with('#') && !line.is_empty() {
            let (k, v) = line.split_once('=').expect("key = value");
            out.push((
                k.trim().to_string(),
                v.trim().parse().expect("integer value"),
            ));
        }
    }
    out
}

#[test]
fn parse_section_matches_limits_default() {
    let text = include_str!("../config/camcensus.toml");
    let d = Limits::default();
    let want = [
        ("max_datagram", d.max_datagram),
        ("max_depth", d.max_depth),
        ("max_events", d.max_events),
        ("max_text", d.max_text),
        ("max_attributes", d.max_attributes),
        ("max_endpoints", d.max_endpoints),
        ("max_types", d.max_types),
        ("max_scopes", d.max_scopes),
        ("max_xaddrs", d.max_xaddrs),
    ];
    let got = section(text, "parse");
    let want: Vec<(String, usize)> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, want);
}
