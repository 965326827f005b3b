//! Parser unit tests: namespace versions, prefixes, header fields, body kinds, errors.

use super::*;
use crate::onvif::Category;

fn parse_ok(xml: &str) -> Message {
    parse(xml.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

fn parse_err(xml: &str) -> ParseError {
    match parse(xml.as_bytes(), &Limits::default()) {
        Ok(m) => panic!("parsed as {:?}:\n{xml}", m.kind()),
        Err(e) => e,
    }
}

/// A Hello in the given SOAP, addressing and discovery namespaces with the given prefixes.
fn hello(soap: &str, wsa: &str, wsd: &str, p: [&str; 3]) -> String {
    let [s, a, d] = p;
    format!(
        r#"<{s}:Envelope xmlns:{s}="{soap}" xmlns:{a}="{wsa}" xmlns:{d}="{wsd}" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<{s}:Header><{a}:Action>{wsd}/Hello</{a}:Action><{a}:MessageID>urn:uuid:m1</{a}:MessageID>
<{d}:AppSequence InstanceId="7" MessageNumber="3"/></{s}:Header>
<{s}:Body><{d}:Hello><{a}:EndpointReference><{a}:Address>URN:UUID:ABC</{a}:Address></{a}:EndpointReference>
<{d}:Types>dn:NetworkVideoTransmitter</{d}:Types>
<{d}:Scopes>onvif://www.onvif.org/name/X%20Y onvif://www.onvif.org/hardware/H1</{d}:Scopes>
<{d}:XAddrs>http://10.0.0.1/onvif/device_service</{d}:XAddrs><{d}:MetadataVersion>2</{d}:MetadataVersion>
</{d}:Hello></{s}:Body></{s}:Envelope>"#
    )
}

const SOAPS: [&str; 2] = [
    "http://www.w3.org/2003/05/soap-envelope",
    "http://schemas.xmlsoap.org/soap/envelope/",
];
const WSAS: [&str; 2] = [
    "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "http://www.w3.org/2005/08/addressing",
];
const WSDS: [&str; 2] = [
    "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01",
];

#[test]
fn hello_in_every_namespace_combination_and_prefix_style() {
    let prefixes = [
        ["s", "a", "d"],
        ["SOAP-ENV", "wsa", "wsdd"],
        ["env", "wsadis", "tns"],
        ["soap", "w", "dn2"],
    ];
    for soap in SOAPS {
        for wsa in WSAS {
            for wsd in WSDS {
                for p in prefixes {
                    let m = parse_ok(&hello(soap, wsa, wsd, p));
                    assert_eq!(m.kind(), MessageKind::Hello);
                    assert!(!m.quirks.lenient && !m.quirks.action_mismatch);
                    let [e] = m.endpoints() else {
                        panic!("one endpoint")
                    };
                    assert_eq!(e.epr.address, "URN:UUID:ABC");
                    assert_eq!(e.epr.key, "urn:uuid:abc");
                    assert_eq!(e.types[0].local, "NetworkVideoTransmitter");
                    assert_eq!(
                        e.types[0].namespace.as_deref(),
                        Some("http://www.onvif.org/ver10/network/wsdl")
                    );
                    assert_eq!(crate::onvif::first(&e.scopes, &Category::Name), Some("X Y"));
                    assert_eq!(e.xaddrs.len(), 1);
                    assert_eq!(e.metadata_version, Some(MetadataVersion::Number(2)));
                    let seq = m.header.app_sequence.as_ref().expect("app sequence");
                    assert_eq!((seq.instance_id, seq.message_number), (7, 3));
                    let want_soap = if soap == SOAPS[0] {
                        SoapVersion::Soap12
                    } else {
                        SoapVersion::Soap11
                    };
                    assert_eq!(m.soap, want_soap);
                    let want_d = if wsd == WSDS[0] {
                        DiscoveryVersion::Draft2005
                    } else {
                        DiscoveryVersion::Oasis2009
                    };
                    assert_eq!(m.discovery, Some(want_d));
                }
            }
        }
    }
}

#[test]
fn default_namespaces_comments_cdata_and_character_references() {
    let xml = r#"<?xml version="1.0" encoding="utf-8" standalone="yes" ?>
<!-- a comment before the root -->
<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope">
 <Header><RelatesTo xmlns="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:x&#xD;&#xA;</RelatesTo>
  <MessageID xmlns="http://schemas.xmlsoap.org/ws/2004/08/addressing"><![CDATA[urn:uuid:<m>]]></MessageID></Header>
 <Body><!-- c --><Hello xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery">
  <EndpointReference xmlns="http://schemas.xmlsoap.org/ws/2004/08/addressing"><Address>uuid:&#x41;b&amp;c</Address></EndpointReference>
  <Scopes>onvif://www.onvif.org/name/a&lt;b</Scopes></Hello></Body></Envelope>"#;
    let m = parse_ok(xml);
    assert!(!m.quirks.lenient);
    assert_eq!(m.header.relates_to.as_deref(), Some("uuid:x"));
    assert_eq!(m.header.message_id.as_deref(), Some("urn:uuid:<m>"));
    let e = &m.endpoints()[0];
    assert_eq!(e.epr.address, "uuid:Ab&c");
    assert_eq!(e.epr.key, "urn:uuid:ab&c");
    assert_eq!(e.scopes[0].raw, "onvif://www.onvif.org/name/a<b");
}

#[test]
fn types_resolve_through_declarations_on_the_types_element_and_fall_back_when_unbound() {
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">
<s:Body><d:Hello><a:EndpointReference><a:Address>urn:uuid:1</a:Address></a:EndpointReference>
<d:Types xmlns:x="urn:x">x:One zz:Two Three</d:Types></d:Hello></s:Body></s:Envelope>"#;
    let e = parse_ok(xml).endpoints()[0].clone();
    let got: Vec<(Option<&str>, &str)> = e
        .types
        .iter()
        .map(|t| (t.namespace.as_deref(), t.local.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(Some("urn:x"), "One"), (None, "Two"), (None, "Three")]
    );
}

#[test]
fn missing_namespace_declarations_parse_leniently() {
    let xml = "<env:Envelope><env:Body><d:Bye><wsa:EndpointReference><wsa:Address>urn:uuid:1</wsa:Address>\
               </wsa:EndpointReference></d:Bye></env:Body></env:Envelope>";
    let m = parse_ok(xml);
    assert_eq!(m.kind(), MessageKind::Bye);
    assert!(m.quirks.lenient);
    assert_eq!(m.soap, SoapVersion::Unknown);
}

#[test]
fn only_endpoint_references_in_the_body_count_not_reply_to() {
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">
<s:Header><a:ReplyTo><a:Address>http://anonymous</a:Address></a:ReplyTo></s:Header>
<s:Body><d:Resolve><a:EndpointReference><a:Address>urn:uuid:target</a:Address></a:EndpointReference></d:Resolve></s:Body></s:Envelope>"#;
    let m = parse_ok(xml);
    assert_eq!(m.body, Body::Resolve(Epr::new("urn:uuid:target")));
    assert!(m.endpoints().is_empty());
}

fn envelope(body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

fn matching(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| format!("<d:{tag}><a:EndpointReference><a:Address>urn:uuid:{i}</a:Address></a:EndpointReference><d:XAddrs>http://10.0.0.{i}/ http://[]/x</d:XAddrs></d:{tag}>"))
        .collect()
}

#[test]
fn probe_matches_and_resolve_matches_carry_every_endpoint() {
    let m = parse_ok(&envelope(&format!(
        "<d:ProbeMatches>{}</d:ProbeMatches>",
        matching(3, "ProbeMatch")
    )));
    assert_eq!(m.kind(), MessageKind::ProbeMatches);
    assert_eq!(m.endpoints().len(), 3);
    assert_eq!(m.endpoints()[2].epr.address, "urn:uuid:2");
    assert_eq!(m.endpoints()[1].xaddrs[1].url, None);
    assert!(m.quirks.action_mismatch, "Action says Probe");
    let r = parse_ok(&envelope(&format!(
        "<d:ResolveMatches>{}</d:ResolveMatches>",
        matching(1, "ResolveMatch")
    )));
    assert_eq!(r.kind(), MessageKind::ResolveMatches);
    assert_eq!(r.endpoints().len(), 1);
}

#[test]
fn probe_filter_and_empty_probe() {
    let m = parse_ok(&envelope(
        "<d:Probe><d:Types xmlns:dn=\"urn:dn\">dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type</d:Scopes></d:Probe>",
    ));
    let Body::Probe(p) = &m.body else {
        panic!("probe")
    };
    assert_eq!(p.types[0].namespace.as_deref(), Some("urn:dn"));
    assert_eq!(p.scopes, vec!["onvif://www.onvif.org/type".to_string()]);
    assert!(!m.quirks.action_mismatch);
    assert_eq!(parse_ok(&envelope("<d:Probe/>")).kind(), MessageKind::Probe);
}

#[test]
fn faults_with_a_probe_action_are_faults_and_flagged() {
    let m = parse_ok(&envelope(
        "<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang=\"en\">no</s:Text></s:Reason></s:Fault>",
    ));
    assert_eq!(
        m.body,
        Body::Fault(Fault {
            code: Some("s:Sender".into()),
            reason: Some("no".into())
        })
    );
    assert!(m.quirks.action_mismatch);
}

#[test]
fn other_soap_bodies_are_recognised() {
    let m = parse_ok(&envelope(
        "<x:GetStatus xmlns:x=\"urn:other\"><d:Hello/></x:GetStatus>",
    ));
    assert_eq!(
        m.body,
        Body::Other(QName {
            namespace: Some("urn:other".into()),
            local: "GetStatus".into()
        })
    );
}

#[test]
fn app_sequence_variants() {
    let with = |attrs: &str| {
        let xml = envelope("<d:Probe/>").replace(
            "</s:Header>",
            &format!("<d:AppSequence {attrs}/></s:Header>"),
        );
        parse_ok(&xml)
    };
    let m = with("MessageNumber=\"5\"\n  SequenceId=\"urn:uuid:s\" InstanceId=\"9\" s:mustUnderstand=\"true\" ");
    assert_eq!(
        m.header.app_sequence,
        Some(AppSequence {
            instance_id: 9,
            sequence_id: Some("urn:uuid:s".into()),
            message_number: 5
        })
    );
    let bad = with("InstanceId=\"x\" MessageNumber=\"1\"");
    assert_eq!(bad.header.app_sequence, None);
    assert!(bad.quirks.invalid_app_sequence);
}

#[test]
fn metadata_version_keeps_raw_strings() {
    assert_eq!(
        MetadataVersion::parse(" 1.2 "),
        MetadataVersion::Raw("1.2".into())
    );
    assert_eq!(MetadataVersion::parse("207"), MetadataVersion::Number(207));
}

#[test]
fn structural_errors_are_typed() {
    use ParseErrorKind::*;
    let cases: Vec<(&str, String, ParseErrorKind)> = vec![
        ("not soap", "<html><body/></html>".into(), NotSoap),
        ("no body", "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/></s:Envelope>".into(), NotSoap),
        ("empty body", envelope(""), UnknownBody),
        ("unknown discovery element", envelope("<d:Hullo/>"), UnknownBody),
        ("types at body level", envelope("<d:Types/>"), UnknownBody),
        ("hello without epr", envelope("<d:Hello><d:Types>x</d:Types></d:Hello>"), MissingField),
        ("hello with empty address", envelope("<d:Hello><a:EndpointReference><a:Address> </a:Address></a:EndpointReference></d:Hello>"), MissingField),
        ("match without epr", envelope("<d:ProbeMatches><d:ProbeMatch/></d:ProbeMatches>"), MissingField),
        ("mismatched end tag", envelope("<d:Hello></d:Bye>"), NotXml),
        ("two roots", format!("{}<x/>", envelope("<d:Probe/>")), NotXml),
        ("text after root", format!("{}junk", envelope("<d:Probe/>")), NotXml),
        ("unclosed", envelope("<d:Probe>"), NotXml),
        ("plain text", "hello".into(), NotXml),
        ("comment only", "<!-- x -->".into(), NotXml),
        ("bad char ref", envelope("<d:Hello>&#0;</d:Hello>"), NotXml),
    ];
    for (name, xml, kind) in cases {
        assert_eq!(parse_err(&xml).kind, kind, "{name}");
    }
}

#[test]
fn per_endpoint_list_bounds() {
    let limits = Limits {
        max_scopes: 2,
        max_xaddrs: 1,
        max_types: 1,
        max_endpoints: 2,
        ..Limits::default()
    };
    let ep = |inner: &str| {
        envelope(&format!(
            "<d:Hello><a:EndpointReference><a:Address>u</a:Address></a:EndpointReference>{inner}</d:Hello>"
        ))
    };
    let err = |xml: String| {
        parse(xml.as_bytes(), &limits)
            .map(|_| ())
            .map_err(|e| e.kind)
    };
    assert_eq!(
        err(ep("<d:Scopes>a b c</d:Scopes>")),
        Err(ParseErrorKind::LimitExceeded)
    );
    assert_eq!(err(ep("<d:Scopes>a b</d:Scopes>")), Ok(()));
    assert_eq!(
        err(ep("<d:XAddrs>a b</d:XAddrs>")),
        Err(ParseErrorKind::LimitExceeded)
    );
    assert_eq!(
        err(ep("<d:Types>a b</d:Types>")),
        Err(ParseErrorKind::LimitExceeded)
    );
    let three = envelope(&format!(
        "<d:ProbeMatches>{}</d:ProbeMatches>",
        matching(3, "ProbeMatch")
    ));
    assert_eq!(err(three), Err(ParseErrorKind::LimitExceeded));
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let xml = format!(
        "\u{feff}{}",
        hello(SOAPS[0], WSAS[0], WSDS[0], ["s", "a", "d"]).replace('\n', "\r\n")
    );
    assert_eq!(parse_ok(&xml).kind(), MessageKind::Hello);
}

#[test]
fn epr_normalisation() {
    assert_eq!(normalise_epr("uuid:ABC"), "urn:uuid:abc");
    assert_eq!(normalise_epr(" urn:UUID:abc "), "urn:uuid:abc");
    assert_eq!(normalise_epr("AA:BB:CC:DD:EE:FF"), "aa:bb:cc:dd:ee:ff");
    assert_eq!(Epr::new("uuid:X").uuid_part(), Some("x"));
}
