use super::*;

fn scope(raw: &str) -> OnvifScope {
    OnvifScope::parse(raw).unwrap_or_else(|| panic!("{raw} should be an ONVIF scope"))
}

#[test]
fn categories_are_case_insensitive() {
    assert_eq!(
        scope("onvif://www.onvif.org/Name/IPCAM").category,
        Category::Name
    );
    assert_eq!(
        scope("ONVIF://WWW.ONVIF.ORG/hardware/X").category,
        Category::Hardware
    );
    assert_eq!(
        scope("onvif://www.onvif.org/mac/00:11:22:33:44:55").category,
        Category::Mac
    );
    assert_eq!(
        scope("onvif://www.onvif.org/MacAddress/001122334455").category,
        Category::Mac
    );
    assert_eq!(
        scope("onvif://www.onvif.org/serialnumber/X1").category,
        Category::SerialNumber
    );
    assert_eq!(
        scope("onvif://www.onvif.org/profile/Streaming").category,
        Category::Profile
    );
}

#[test]
fn values_are_percent_decoded_with_full_sub_path() {
    let s = scope("onvif://www.onvif.org/name/HIKVISION%20DS-2CD2145FWD-I");
    assert_eq!(s.value, "HIKVISION DS-2CD2145FWD-I");
    let l = scope("onvif://www.onvif.org/location/country/china");
    assert_eq!(
        (l.category, l.value.as_str()),
        (Category::Location, "country/china")
    );
    let t = scope("onvif://www.onvif.org/type/manufacturer/FOSCAM");
    assert_eq!(t.value, "manufacturer/FOSCAM");
    assert_eq!(scope("onvif://www.onvif.org/location/").value, "");
    assert_eq!(scope("onvif://www.onvif.org/hardware").value, "");
}

#[test]
fn invalid_percent_sequences_decode_lossily() {
    assert_eq!(
        scope("onvif://www.onvif.org/name/A%FFB").value,
        "A\u{fffd}B"
    );
    assert_eq!(scope("onvif://www.onvif.org/name/100%").value, "100%");
    assert_eq!(scope("onvif://www.onvif.org/name/%zz").value, "%zz");
}

#[test]
fn unknown_categories_and_non_onvif_scopes_are_kept_raw() {
    let m = scope("onvif://www.onvif.org/Model/631GA");
    assert_eq!(m.category, Category::Other("Model".into()));
    assert_eq!(m.value, "631GA");
    for raw in [
        "http:123",
        "ldap:///ou=x",
        "onvif://www.onvif.org/",
        "onvif://example.com/name/x",
    ] {
        let s = Scope::parse(raw);
        assert_eq!(s.raw, raw);
        assert_eq!(s.onvif, None, "{raw}");
    }
}

#[test]
fn placeholders_are_not_informative() {
    let scopes: Vec<Scope> = [
        "onvif://www.onvif.org/name/NVT",
        "onvif://www.onvif.org/hardware/IPC-model",
        "onvif://www.onvif.org/hardware/",
    ]
    .iter()
    .map(|s| Scope::parse(s))
    .collect();
    assert_eq!(informative(&scopes, &Category::Name), None);
    assert_eq!(informative(&scopes, &Category::Hardware), None);
    assert_eq!(first(&scopes, &Category::Name), Some("NVT"));
    assert!(is_placeholder(" MODEL "));
    assert!(!is_placeholder("DS-2CD2145FWD-I"));
}
