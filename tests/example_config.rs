//! Configuration loading: the example file, layering, and problem reports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use camcensus::config::{Config, Overrides};

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut e: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    e.entry("STATE_DIRECTORY".into())
        .or_insert_with(|| "/tmp/cc-state".into());
    e.entry("RUNTIME_DIRECTORY".into())
        .or_insert_with(|| "/tmp/cc-run".into());
    e
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/camcensus.toml")
}

fn write_tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camcensus-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn the_example_config_is_exactly_the_defaults() {
    let e = env(&[]);
    let defaults = Config::load(None, &e, &Overrides::default()).expect("defaults are valid");
    let example =
        Config::load(Some(&example()), &e, &Overrides::default()).expect("example is valid");
    assert_eq!(example, defaults);
    assert_eq!(defaults.listen.port, 3702);
    assert_eq!(defaults.listen.receive_buffer, 8 << 20);
    assert_eq!(defaults.listen.queue_size, 64 << 20);
    assert_eq!(defaults.store.stale_after, Duration::from_secs(30 * 86_400));
    assert_eq!(defaults.store.state_dir, PathBuf::from("/tmp/cc-state"));
    assert_eq!(
        defaults.api.socket,
        PathBuf::from("/tmp/cc-run/camcensus.sock")
    );
    assert_eq!(defaults.parse, camcensus::wsd::Limits::default());
}

#[test]
fn every_problem_is_reported_at_once() {
    let p = write_tmp(
        "bad.toml",
        "[listen]\nport = 70000\nreceive_buffer = \"4 parsecs\"\nportt = 1\nipv4 = false\nipv6 = false\n\
         [store]\nstale_after = 30\nflush_interval = \"soon\"\n[nonsense]\nx = 1\n[log]\nlevel = \"[\"\n",
    );
    let err = Config::load(Some(&p), &env(&[]), &Overrides::default()).expect_err("invalid");
    let text = err.to_string();
    for needle in [
        "unknown key listen.portt",
        "unknown section [nonsense]",
        "listen.port",
        "listen.receive_buffer",
        "both false",
        "store.stale_after",
        "store.flush_interval",
        "log.level",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    assert!(err.problems.len() >= 8, "{text}");
}

#[test]
fn environment_then_command_line_override_the_file() {
    let p = write_tmp(
        "layer.toml",
        "[listen]\nport = 4000\ninterfaces = [\"eth9\"]\n[store]\nmax_devices = 5\n",
    );
    let e = env(&[
        ("CAMCENSUS__LISTEN__PORT", "4001"),
        ("CAMCENSUS__LISTEN__EXCLUDE", "lo,br*"),
        ("CAMCENSUS__STORE__FLUSH_INTERVAL", "250ms"),
        ("CAMCENSUS__LISTEN__RECEIVE_BUFFER", "1MiB"),
    ]);
    let o = Overrides {
        interfaces: vec!["vlan10".into(), "vlan20".into()],
        state_dir: Some("/srv/cc".into()),
        socket: None,
    };
    let c = Config::load(Some(&p), &e, &o).expect("valid");
    assert_eq!(c.listen.port, 4001);
    assert_eq!(c.listen.exclude, ["lo", "br*"]);
    assert_eq!(c.listen.interfaces, ["vlan10", "vlan20"]);
    assert_eq!(c.listen.receive_buffer, 1 << 20);
    assert_eq!(c.store.flush_interval, Duration::from_millis(250));
    assert_eq!(c.store.max_devices, 5);
    assert_eq!(c.store.state_dir, PathBuf::from("/srv/cc"));
}

#[test]
fn unknown_environment_keys_are_rejected_too() {
    let err = Config::load(
        None,
        &env(&[("CAMCENSUS__LISTEN__PROT", "1")]),
        &Overrides::default(),
    )
    .expect_err("typo in the environment");
    assert!(err.to_string().contains("unknown key listen.prot"), "{err}");
}

#[test]
fn a_missing_file_is_an_error() {
    let err = Config::load(
        Some(Path::new("/nonexistent/camcensus.toml")),
        &env(&[]),
        &Overrides::default(),
    )
    .expect_err("missing file");
    assert!(
        err.to_string().contains("/nonexistent/camcensus.toml"),
        "{err}"
    );
}

#[test]
fn sites_are_read_in_order_and_checked() {
    let p = write_tmp(
        "sites.toml",
        "[[sites]]\nname = \"town-hall\"\ninterfaces = [\"vlan10\"]\nsubnets = [\"10.10.0.0/16\"]\n\
         [[sites]]\nname = \"depot\"\ninterfaces = [\"vlan2*\"]\n",
    );
    let c = Config::load(Some(&p), &env(&[]), &Overrides::default()).expect("valid sites");
    let names: Vec<&str> = c.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["town-hall", "depot"]);
    let placed = c.sites().place("10.10.4.4".parse().expect("ip"), "vlan20");
    assert_eq!(placed.site.as_deref(), Some("town-hall"), "subnet first");

    let bad = write_tmp(
        "bad-sites.toml",
        "[[sites]]\nname = \"a\"\nsubnets = [\"10.0.0.0/40\"]\n[[sites]]\nname = \"a\"\n\
         interfaces = [\"x\"]\n[[sites]]\nname = \"b\"\n[[sites]]\nname = \"c\"\nvlans = [1]\n",
    );
    let err = Config::load(Some(&bad), &env(&[]), &Overrides::default()).expect_err("invalid");
    let text = err.to_string();
    for needle in [
        "prefix length",
        "defined twice",
        "give interfaces, subnets or both",
        "vlans",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}

#[test]
fn a_watchlist_in_the_file_replaces_the_default_and_is_checked() {
    let defaults = Config::load(None, &env(&[]), &Overrides::default()).expect("defaults");
    assert_eq!(defaults.watchlist.len(), 5);
    assert!(defaults
        .watchlist()
        .families
        .contains(&"hikvision".to_string()));
    let p = write_tmp(
        "watch.toml",
        "[[watchlist]]\nbrand = \"EZVIZ\"\nreason = \"consumer units banned on our premises\"\n",
    );
    let c = Config::load(Some(&p), &env(&[]), &Overrides::default()).expect("valid");
    let w = c.watchlist();
    assert_eq!(
        (w.families.len(), w.brands.as_slice()),
        (0, &["EZVIZ".to_string()][..])
    );
    let bad = write_tmp(
        "bad-watch.toml",
        "[[watchlist]]\nfamily = \"dahua\"\nbrand = \"Amcrest\"\nreason = \"x\"\n\
         [[watchlist]]\nfamily = \"zte\"\nreason = \" \"\n[[watchlist]]\nfamily = \"x\"\n",
    );
    let err = Config::load(Some(&bad), &env(&[]), &Overrides::default()).expect_err("invalid");
    let text = err.to_string();
    for needle in ["one of them", "reason is empty", "watchlist[2]"] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}

#[test]
fn overrides_are_read_and_checked() {
    let p = write_tmp(
        "overrides.toml",
        "[[overrides]]\nepr = \"UUID:ABC\"\nfamily = \"Axis\"\nsite = \"depot\"\nnote = \"seen on the label\"\n\
         [[overrides]]\nmac = \"68:6d:bc:5c:b1:5d\"\nsite = \"hall\"\nnote = \"moved\"\n",
    );
    let c = Config::load(Some(&p), &env(&[]), &Overrides::default()).expect("valid");
    let o = c.identity_overrides();
    assert_eq!(o.len(), 1, "only the first sets a family or brand");
    assert_eq!(o[0].epr.as_deref(), Some("urn:uuid:abc"), "normalised");
    assert_eq!(o[0].family.as_deref(), Some("axis"));
    let placed = c.sites().place_device(
        "urn:uuid:abc",
        &[],
        "10.0.0.1".parse().expect("ip"),
        "vlan10",
    );
    assert_eq!(placed.site.as_deref(), Some("depot"));
    assert!(placed.pinned, "shown as an override");
    let bad = write_tmp(
        "bad-overrides.toml",
        "[[overrides]]\nfamily = \"x\"\nnote = \"n\"\n[[overrides]]\nmac = \"zz\"\nnote = \" \"\n",
    );
    let err = Config::load(Some(&bad), &env(&[]), &Overrides::default()).expect_err("invalid");
    let text = err.to_string();
    for needle in [
        "an epr or a mac",
        "not a MAC",
        "set a family, a brand or a site",
        "note is empty",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}
