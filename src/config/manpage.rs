//! camcensus.toml(5), written from the example configuration itself (every key, its
//! default and its comment), so the manual cannot drift from `config/camcensus.toml`.

/// The example configuration shipped with camcensus.
pub const EXAMPLE: &str = include_str!("../../config/camcensus.toml");

fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    match t.chars().next() {
        Some('.') | Some('\'') => format!("\\&{t}"),
        _ => t,
    }
}

/// The page: the example's header comment as the description, then one entry per key
/// (commented-out keys, whose default is computed at run time, included).
pub fn page(example: &str, version: &str) -> String {
    let mut out = format!(
        ".TH CAMCENSUS.TOML 5 \"\" \"camcensus {version}\" \"File Formats\"\n\
         .SH NAME\ncamcensus.toml \\- configuration of camcensusd\n\
         .SH SYNOPSIS\n/etc/camcensus/camcensus.toml\n.SH DESCRIPTION\n"
    );
    let mut comment: Vec<String> = Vec::new();
    let mut in_header = true;
    let mut seen: Vec<String> = Vec::new();
    let mut skipping = false;
    for line in example.lines() {
        let trimmed = line.trim();
        if let Some(section) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if in_header {
                out.push_str(&header(&comment));
                in_header = false;
            }
            comment.clear();
            // An array of tables ([[sites]], [[watchlist]]) is described once.
            skipping = seen.iter().any(|s| s == section);
            if !skipping {
                seen.push(section.to_string());
                out.push_str(&format!(".SH [{}]\n", roff(section)));
            }
            continue;
        }
        if skipping {
            continue;
        }
        let text = trimmed.trim_start_matches('#').trim();
        let key_line = !in_header && is_key(text);
        if key_line {
            out.push_str(&format!(".TP\n\\fB{}\\fR\n", roff(text)));
            for c in comment.drain(..) {
                out.push_str(&roff(&c));
                out.push('\n');
            }
        } else if trimmed.starts_with('#') {
            comment.push(text.to_string());
        } else if trimmed.is_empty() && in_header {
            comment.push(String::new());
        }
    }
    out.push_str(
        ".SH ENVIRONMENT\nEvery key can be set as CAMCENSUS__SECTION__KEY, e.g. \
         CAMCENSUS__LISTEN__INTERFACES=vlan10,vlan20; the environment wins over the file.\n\
         .SH SEE ALSO\ncamcensusd(8), camcensus(1)\n",
    );
    out
}

fn is_key(text: &str) -> bool {
    let Some((key, _)) = text.split_once(" = ") else {
        return false;
    };
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn header(lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            out.push_str(".PP\n");
        } else {
            out.push_str(&roff(l));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_example_is_in_the_page() {
        let p = page(EXAMPLE, "0.0.0");
        let keys: Vec<&str> = EXAMPLE
            .lines()
            .map(|l| l.trim().trim_start_matches('#').trim())
            .filter(|t| is_key(t))
            .collect();
        assert!(keys.len() > 30, "{keys:?}");
        for k in keys {
            let name = k.split(" = ").next().unwrap_or(k);
            assert!(p.contains(&format!("\\fB{} = ", roff(name))), "{k} missing");
        }
        assert_eq!(p.matches(".SH [[watchlist]]").count(), 1, "described once");
        assert!(p.contains(".SH [listen]") && p.contains(".SH [api]"));
    }
}
