//! The subcommands that talk to the daemon.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use super::client::{socket_path, Client, ClientError};
use super::render;
use super::{Command, ExportFormat, EXIT_FAILED, EXIT_USAGE};
use crate::api::wire::*;

/// Why a subcommand stopped.
enum Failure {
    Client(ClientError),
    Usage(String),
    Output(io::Error),
    /// Already reported (e.g. `health` printed a degraded status).
    Quiet,
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        Failure::Client(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Output(e)
    }
}

pub fn run(socket: Option<&Path>, command: Command) -> ExitCode {
    let path = socket_path(socket);
    if let Command::Metrics { output } = &command {
        return metrics(&path, output.as_deref());
    }
    let result = Client::connect(&path)
        .map_err(Failure::from)
        .and_then(|mut c| dispatch(&mut c, command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Client(e)) => {
            eprintln!("camcensus: {e}");
            ExitCode::from(e.exit_code())
        }
        Err(Failure::Usage(m)) => {
            eprintln!("camcensus: {m}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("camcensus: cannot write output: {e}");
            ExitCode::from(EXIT_FAILED)
        }
        Err(Failure::Quiet) => ExitCode::from(EXIT_FAILED),
    }
}

/// Colour only on a terminal, and never with `NO_COLOR` set.
fn color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    print(&format!("{text}\n"))
}

fn dispatch(c: &mut Client, command: Command) -> Result<(), Failure> {
    let now = Time::now();
    match command {
        Command::Devices {
            filter,
            sort,
            desc,
            limit,
            offset,
            full,
            json,
        } => {
            let req = Request::Devices {
                filter: filter.to_filter(),
                sort,
                desc,
                limit,
                offset,
                full,
            };
            if json.json {
                return print_json(&c.call(&req)?);
            }
            let out: DevicesOut = c.get(&req)?;
            let mut text = render::devices_table(&out.devices, now, color());
            if out.devices.len() < out.total {
                text.push_str(&format!(
                    "({} of {} shown; --limit/--offset page through them)\n",
                    out.devices.len(),
                    out.total
                ));
            }
            print(&text)
        }
        Command::Count { filter } => {
            let out: CountOut = c.get(&Request::Count {
                filter: filter.to_filter(),
            })?;
            print(&format!("{}\n", out.count))
        }
        Command::Show {
            query,
            events,
            json,
        } => {
            let req = Request::Device { query, events };
            if json.json {
                return print_json(&c.call(&req)?);
            }
            let out: DeviceDetail = c.get(&req)?;
            print(&render::device_detail(&out, now))
        }
        Command::Summary { by, filter, json } => {
            let census = by.is_empty();
            let req = Request::Summary {
                by: if census {
                    super::census::CENSUS_KEYS.to_vec()
                } else {
                    by
                },
                filter: filter.to_filter(),
            };
            if json.json {
                return print_json(&c.call(&req)?);
            }
            let out: SummaryOut = c.get(&req)?;
            if census {
                print(&super::census::render(&out, now))
            } else {
                print(&render::summary_table(&out))
            }
        }
        Command::Probers { limit, json } => {
            let req = Request::Probers { limit };
            if json.json {
                return print_json(&c.call(&req)?);
            }
            let out: ProbersOut = c.get(&req)?;
            print(&render::probers_table(&out, now))
        }
        Command::Events {
            since,
            device,
            limit,
            json,
        } => {
            Time::parse(&since, now).map_err(|e| Failure::Usage(format!("--since: {e}")))?;
            let req = Request::Events {
                since: Some(TimeArg(since)),
                device,
                limit,
            };
            if json.json {
                return print_json(&c.call(&req)?);
            }
            let out: EventsOut = c.get(&req)?;
            let text: String = out
                .events
                .iter()
                .map(|e| render::event_line(e) + "\n")
                .collect();
            print(&text)
        }
        Command::Watch { snapshot, json } => watch(c, snapshot, json),
        Command::Report {
            format,
            since,
            output,
        } => {
            let text = report(c, format, since.as_deref(), now)?;
            match output {
                Some(p) => std::fs::write(&p, text)
                    .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", p.display()))),
                None => print(&text),
            }
        }
        Command::Diff { since, json } => {
            let since =
                Time::parse(&since, now).map_err(|e| Failure::Usage(format!("--since: {e}")))?;
            let rows = changes_since(c, since)?;
            if json.json {
                let v = serde_json::to_value(&rows).unwrap_or_default();
                return print_json(&v);
            }
            print(&super::diff::table(&rows))
        }
        Command::Stats { json } => {
            if json.json {
                return print_json(&c.call(&Request::Stats)?);
            }
            let out: StatsOut = c.get(&Request::Stats)?;
            print(&render::stats_text(&out, now))
        }
        Command::Health { json } => {
            let v = c.call(&Request::Health)?;
            let out: HealthOut = serde_json::from_value(v.clone())
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            if json.json {
                print_json(&v)?;
            } else {
                print(&render::health_text(&out, now))?;
            }
            if out.status == "ok" {
                Ok(())
            } else {
                Err(Failure::Quiet)
            }
        }
        Command::Export {
            format,
            output,
            filter,
        } => {
            let out: DevicesOut = c.get(&Request::all_devices(filter.to_filter()))?;
            let text = export_text(&out.devices, format);
            match output {
                Some(p) => std::fs::write(&p, text)
                    .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", p.display()))),
                None => print(&text),
            }
        }
        Command::Parse(_) | Command::Metrics { .. } | Command::Generate { .. } => Ok(()),
    }
}

/// `camcensus metrics`: stats, summary and health in the exposition format; on an
/// unreachable daemon, `camcensus_up 0` (so an alert fires) and exit 69.
fn metrics(path: &Path, output: Option<&Path>) -> ExitCode {
    let text = Client::connect(path).and_then(|mut c| {
        let by = super::metrics::DEVICE_KEYS.to_vec();
        let stats: StatsOut = c.get(&Request::Stats)?;
        let summary: SummaryOut = c.get(&Request::Summary {
            by,
            filter: Filter::default(),
        })?;
        let health: HealthOut = c.get(&Request::Health)?;
        Ok(super::metrics::render(&stats, &summary, &health))
    });
    let (text, code) = match text {
        Ok(t) => (t, ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("camcensus: {e}");
            (super::metrics::down(), ExitCode::from(e.exit_code()))
        }
    };
    let written = match output {
        Some(p) => super::metrics::write_atomically(p, &text),
        None => io::stdout().lock().write_all(text.as_bytes()),
    };
    match written {
        Ok(()) => code,
        Err(e) => {
            eprintln!("camcensus: cannot write the metrics: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Net changes per device since `since`, from the event log (`diff` and reports).
fn changes_since(c: &mut Client, since: Time) -> Result<Vec<DiffRow>, Failure> {
    let limit = MAX_EVENTS_PER_REQUEST;
    let events: EventsOut = c.get(&Request::Events {
        since: Some(TimeArg(since.to_string())),
        device: None,
        limit: Some(limit),
    })?;
    if events.events.len() >= limit {
        eprintln!("camcensus: more than {limit} events in the period; the oldest are left out (give a later --since)");
    }
    let all: DevicesOut = c.get(&Request::all_devices(Filter::default()))?;
    Ok(super::diff::diff(&events.events, &all.devices))
}

/// Everything a report needs, fetched from the daemon.
fn report(
    c: &mut Client,
    format: super::ReportFormat,
    since: Option<&str>,
    now: Time,
) -> Result<String, Failure> {
    let since = since
        .map(|s| Time::parse(s, now).map_err(|e| Failure::Usage(format!("--since: {e}"))))
        .transpose()?;
    let census: SummaryOut = c.get(&Request::Summary {
        by: super::census::CENSUS_KEYS.to_vec(),
        filter: Filter::default(),
    })?;
    let listed: DevicesOut = c.get(&Request::all_devices(Filter {
        watchlist: Some(true),
        ..Filter::default()
    }))?;
    let mut watchlisted = Vec::with_capacity(listed.devices.len());
    for d in &listed.devices {
        watchlisted.push(c.get::<DeviceDetail>(&Request::Device {
            query: d.id.to_string(),
            events: 0,
        })?);
    }
    let watchlist: WatchlistOut = c.get(&Request::Watchlist)?;
    let changes = match since {
        Some(t) => changes_since(c, t)?,
        None => Vec::new(),
    };
    let data = super::report::ReportData {
        now,
        census,
        watchlisted,
        watchlist: watchlist.entries,
        since,
        changes,
    };
    Ok(match format {
        super::ReportFormat::Html => super::report::html(&data),
        super::ReportFormat::Md => super::report::markdown(&data),
        super::ReportFormat::Csv => super::report::csv(&data),
    })
}

pub fn export_text(devices: &[DeviceOut], format: ExportFormat) -> String {
    match format {
        ExportFormat::Csv => render::csv(devices),
        ExportFormat::Json => serde_json::to_string_pretty(devices).unwrap_or_default() + "\n",
        ExportFormat::Ndjson => devices
            .iter()
            .map(|d| serde_json::to_string(d).unwrap_or_default() + "\n")
            .collect(),
    }
}

fn watch(c: &mut Client, snapshot: bool, json: bool) -> Result<(), Failure> {
    let ack: SubscribedOut = c.get(&Request::Subscribe { snapshot })?;
    if !json {
        eprintln!(
            "watching camcensusd events ({} present devices first); Ctrl-C to stop",
            ack.snapshot
        );
    }
    let mut out = io::stdout().lock();
    while let Some(line) = c.next_line()? {
        if json {
            writeln!(out, "{line}")?;
        } else {
            match serde_json::from_str::<EventOut>(&line) {
                Ok(e) => writeln!(out, "{}", render::event_line(&e))?,
                Err(_) => writeln!(out, "{line}")?,
            }
        }
        out.flush()?;
    }
    Err(Failure::Client(ClientError::Unreachable {
        path: std::path::PathBuf::from("(subscription)"),
        reason: "the daemon closed the event stream (stopped or restarted)".into(),
    }))
}
