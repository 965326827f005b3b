//! Issue 6's acceptance: on a namespace network with Hikvision, Dahua-OEM, Axis and
//! non-camera senders on two VLANs mapped to two sites, `camcensus summary` and `camcensus
//! report` give the right counts per site and family, and every watchlisted device shows
//! why. Needs root (CI runs as root); skipped with a visible message otherwise.

mod common {
    pub mod daemon;
    pub mod netns;
}

use std::net::Ipv4Addr;
use std::path::Path;

use common::daemon::{hello, temp_dir, wait_for, Daemon};
use common::netns::Net;
use serde_json::json;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/wsd")
            .join(name),
    )
    .expect("fixture")
}

#[test]
fn census_per_site_and_family_with_reasons() {
    require_netns!();
    let net = Net::new();
    net.add_vlan(1);
    let dir = temp_dir("census");
    let file = dir.join("camcensus.toml");
    std::fs::write(
        &file,
        "[listen]\ninterfaces = [\"vrx\", \"vrx1\"]\n\n\
         [[sites]]\nname = \"town-hall\"\ninterfaces = [\"vrx\"]\nsubnets = [\"10.77.0.0/24\"]\n\n\
         [[sites]]\nname = \"depot\"\ninterfaces = [\"vrx1\"]\nsubnets = [\"10.78.1.0/24\"]\n",
    )
    .expect("config");
    let d = Daemon::start(
        Some(&net.rx),
        &dir,
        &["--config", file.to_str().expect("path")],
        &[],
    );
    // Town hall: three Hikvision cameras, an Axis camera, a Windows PC.
    let mut hall: Vec<Vec<u8>> = (0..3).map(hello).collect();
    hall.push(fixture("axis_probematch_01.xml"));
    hall.push(fixture("windows_hello_01.xml"));
    net.send(hall, 1, true, false);
    // Depot: two Dahua-made Amcrest cameras and a Hikvision camera without a label.
    let depot = vec![
        fixture("amcrest_probematch_01.xml"),
        fixture("amcrest_probematch_02.xml"),
        fixture("hikvision-oem_probematch_01.xml"),
    ];
    net.send_on("vtx1", Ipv4Addr::new(10, 78, 1, 1), depot);
    wait_for("all eight devices", || {
        d.conn().result(json!({"type": "count"}))["count"] == 8
    });

    let summary = d
        .conn()
        .result(json!({"type": "summary", "by": ["site", "family"]}));
    let count = |site: &str, family: Option<&str>| -> u64 {
        summary["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["key"][0] == site && g["key"][1] == json!(family))
            .map_or(0, |g| g["count"].as_u64().unwrap_or(0))
    };
    assert_eq!(count("town-hall", Some("hikvision")), 3);
    assert_eq!(count("town-hall", Some("axis")), 1);
    assert_eq!(count("town-hall", None), 1, "the PC");
    assert_eq!(count("depot", Some("dahua")), 2, "Amcrest is Dahua");
    assert_eq!(count("depot", Some("hikvision")), 1);

    let out = d.client(&["summary"]);
    let census = String::from_utf8_lossy(&out.stdout);
    assert!(
        census.contains("Overall: 7 cameras, 0 recorders (NVR/DVR), and 1 other"),
        "{census}"
    );
    let site_line = |site: &str| {
        census
            .lines()
            .find(|l| l.trim_start().starts_with(site))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(
        site_line("town-hall")[1..],
        ["4", "0", "3", "0", "1"],
        "{census}"
    );
    assert_eq!(
        site_line("depot")[1..],
        ["3", "0", "3", "0", "0"],
        "{census}"
    );

    let md = String::from_utf8_lossy(&d.client(&["report", "--format", "md"]).stdout).into_owned();
    for row in [
        "| town-hall | hikvision | 3 | 0 | 3 |",
        "| town-hall | axis | 1 | 0 | 0 |",
        "| depot | dahua | 2 | 0 | 2 |",
        "| depot | hikvision | 1 | 0 | 1 |",
    ] {
        assert!(md.contains(row), "{row} missing:\n{md}");
    }
    let watch_rows: Vec<&str> = md
        .lines()
        .filter(|l| l.contains("| camera | hikvision |") || l.contains("| camera | dahua |"))
        .collect();
    assert_eq!(
        watch_rows.len(),
        6,
        "every watchlisted device is listed:\n{md}"
    );
    for r in watch_rows {
        let why = r
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap_or("")
            .trim();
        assert!(
            why != "-"
                && (why.contains("label") || why.contains("oui") || why.contains("template")),
            "a watchlisted device without a reason: {r}"
        );
    }
    let dir = d.dir.clone();
    d.stop();
    let _ = std::fs::remove_dir_all(dir);
}
