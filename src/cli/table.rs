//! Aligned plain-text tables for people.

/// Widest a column may grow; longer cells are cut with `…`.
pub const MAX_COLUMN_WIDTH: usize = 48;

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row; missing cells are blank, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells: Vec<String> = cells.into_iter().map(|c| clip(&one_line(&c))).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        self.render_styled(|_, _| None)
    }

    /// Render, wrapping body cells in the ANSI style `style(column, cell)` returns
    /// (alignment is computed on the plain text).
    pub fn render_styled(&self, style: impl Fn(usize, &str) -> Option<&'static str>) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                std::iter::once(&self.headers[i])
                    .chain(self.rows.iter().map(|r| &r[i]))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (r, row) in std::iter::once(&self.headers).chain(&self.rows).enumerate() {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| {
                    let padded = format!("{c:<w$}", w = *w);
                    match style(i, c).filter(|_| r > 0) {
                        Some(code) => {
                            let pad = padded.len() - c.len();
                            format!("\x1b[{code}m{c}\x1b[0m{}", " ".repeat(pad))
                        }
                        None => padded,
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_COLUMN_WIDTH {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_COLUMN_WIDTH - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_and_clips() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec!["xx".into(), "y".into()]);
        t.row(vec!["z".repeat(60)]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            format!("A{}  LONGER", " ".repeat(MAX_COLUMN_WIDTH - 1))
        );
        assert!(lines[1].starts_with("xx "));
        assert!(lines[2].ends_with('…'));
        assert_eq!(lines[2].chars().count(), MAX_COLUMN_WIDTH);
    }
}
