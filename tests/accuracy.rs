//! Identification accuracy over a corpus: every captured fixture (expectations in
//! tests/fixtures/wsd-expected.tsv) plus camcensus's own variations of the documented
//! templates (tests/fixtures/accuracy/EXPECTED.tsv). Prints the accuracy and fails on any
//! miss, so a rules change that breaks a verdict is a regression.

use std::path::Path;

use camcensus::identify::Identifier;
use camcensus::wsd::{self, Limits};

struct Case {
    file: String,
    class: String,
    family: String,
    brand: String,
    confidence: String,
}

fn cases(dir: &str, table: &str) -> Vec<(std::path::PathBuf, Case)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(root.join(table)).expect("expectations");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t") && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let case = Case {
                file: c[0].to_string(),
                class: c[1].to_string(),
                family: c[2].to_string(),
                brand: c[3].to_string(),
                confidence: c[4].to_string(),
            };
            (root.join(dir).join(c[0]), case)
        })
        .collect()
}

#[test]
fn identification_accuracy_over_the_corpus() {
    let identifier = Identifier::builtin().expect("tables");
    let mut all = cases("wsd", "wsd-expected.tsv");
    all.extend(cases("accuracy", "accuracy/EXPECTED.tsv"));
    assert!(all.len() >= 20, "the corpus shrank: {}", all.len());
    let mut misses = Vec::new();
    for (path, want) in &all {
        let bytes = std::fs::read(path).expect("corpus file");
        let message = wsd::parse(&bytes, &Limits::default()).expect("corpus parses");
        let Some(endpoint) = message.endpoints().first() else {
            misses.push(format!("{}: no endpoint", want.file));
            continue;
        };
        let v = identifier.identify(endpoint).verdict;
        let got = (
            v.class.as_str().to_string(),
            v.family.unwrap_or_else(|| "-".into()),
            v.brand.unwrap_or_else(|| "-".into()),
            v.confidence.as_str().to_string(),
        );
        let wanted = (
            want.class.clone(),
            want.family.clone(),
            want.brand.clone(),
            want.confidence.clone(),
        );
        if got != wanted {
            misses.push(format!("{}: got {got:?}, want {wanted:?}", want.file));
        }
    }
    let right = all.len() - misses.len();
    // Straight to stderr so the figure shows in the CI log even when the test passes.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "identification accuracy: {right}/{} ({:.1}%) on class, family, brand and confidence",
        all.len(),
        100.0 * right as f64 / all.len() as f64
    );
    assert!(misses.is_empty(), "regressions:\n{}", misses.join("\n"));
}
