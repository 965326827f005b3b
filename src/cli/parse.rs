//! `camcensus parse`: offline parsing and identification of saved messages.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::table::Table;
use super::{EXIT_FAILED, EXIT_USAGE};
use crate::api::parse::ParseRecord;
use crate::identify::Identifier;
use crate::wsd::{self, Limits};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per input, one per line.
    Json,
    /// Aligned columns for people, one row per endpoint.
    Table,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Extra identification rules (TSV, same columns as the built-in table); repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Files holding one datagram each (raw bytes or XML); `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &ParseArgs) -> ExitCode {
    let identifier = match load_identifier(&args.rules) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("camcensus parse: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let limits = Limits::default();
    let records: Vec<ParseRecord> = args
        .files
        .iter()
        .map(|f| parse_one(f, &identifier, &limits))
        .collect();
    let failed = records.iter().any(|r| r.error.is_some());
    let written = match args.format {
        OutputFormat::Json => write_json(&records),
        OutputFormat::Table => write_all(&table(&records)),
    };
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camcensus parse: cannot write output: {e}");
            ExitCode::from(EXIT_FAILED)
        }
        Ok(()) if failed => ExitCode::from(EXIT_FAILED),
        Ok(()) => ExitCode::SUCCESS,
    }
}

fn load_identifier(paths: &[PathBuf]) -> Result<Identifier, String> {
    let mut texts = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p).map_err(|e| {
            format!(
                "cannot read rules file {}: {e} (give a readable TSV file)",
                p.display()
            )
        })?;
        texts.push((p.display().to_string(), text));
    }
    let user: Vec<(&str, &str)> = texts
        .iter()
        .map(|(o, t)| (o.as_str(), t.as_str()))
        .collect();
    Identifier::with_user_rules(&user).map_err(|e| format!("bad rules: {e}"))
}

fn parse_one(path: &PathBuf, identifier: &Identifier, limits: &Limits) -> ParseRecord {
    let name = path.display().to_string();
    let bytes = match read_capped(path, limits.max_datagram) {
        Ok(b) => b,
        Err(e) => return ParseRecord::failed(&name, "io", format!("cannot read {name}: {e}")),
    };
    match wsd::parse(&bytes, limits) {
        Ok(msg) => {
            let ids = identifier.identify_all(&msg);
            ParseRecord::from_message(&name, &msg, &ids)
        }
        Err(e) => ParseRecord::from_error(&name, &e),
    }
}

/// Read at most `max + 1` bytes: enough for the parser to report an oversize input
/// without reading a huge file into memory.
fn read_capped(path: &PathBuf, max: usize) -> io::Result<Vec<u8>> {
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(cap).read_to_end(&mut buf)?;
    } else {
        File::open(path)?.take(cap).read_to_end(&mut buf)?;
    }
    Ok(buf)
}

fn write_json(records: &[ParseRecord]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for r in records {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn write_all(s: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()
}

fn table(records: &[ParseRecord]) -> String {
    let mut t = Table::new(&[
        "FILE", "KIND", "EPR", "CLASS", "FAMILY", "BRAND", "MODEL", "CONF", "WATCH", "ADDRESS",
    ]);
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    for r in records {
        if let Some(e) = &r.error {
            t.row(vec![
                r.file.clone(),
                "error".into(),
                format!("{}: {}", e.kind, e.message),
            ]);
            continue;
        }
        let kind = r.kind.unwrap_or("-").to_string();
        if r.endpoints.is_empty() {
            t.row(vec![r.file.clone(), kind.clone(), dash(&r.resolve)]);
        }
        for e in &r.endpoints {
            let id = &e.identity;
            t.row(vec![
                r.file.clone(),
                kind.clone(),
                e.epr.clone(),
                id.class.into(),
                dash(&id.family),
                dash(&id.brand),
                dash(&id.model),
                id.confidence.into(),
                if id.watchlist { "yes" } else { "-" }.into(),
                e.addresses.first().cloned().unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    t.render()
}
