//! The `camcensus` client: argument definitions and subcommands. The binary only calls
//! [`main`]. Exit codes: 0 ok, 1 a request or input failed, 2 usage error, 69 the daemon
//! cannot be reached.

pub mod census;
pub mod client;
mod commands;
pub mod diff;
mod filter;
pub mod generate;
pub mod metrics;
mod parse;
pub mod render;
pub mod report;
pub mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use filter::FilterArgs;
pub use parse::{OutputFormat, ParseArgs};

/// Exit status for a failed request or input.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a usage error (bad flags, unreadable rules file).
pub const EXIT_USAGE: u8 = 2;
/// Exit status when the daemon cannot be reached (EX_UNAVAILABLE).
pub const EXIT_UNREACHABLE: u8 = 69;

#[derive(Debug, Parser)]
#[command(
    name = "camcensus",
    version,
    about = "Query the camcensus inventory of network cameras, or parse saved WS-Discovery messages",
    after_help = "The socket is --socket, else $CAMCENSUS_SOCKET, else the daemon's default \
                  (/run/camcensus/camcensus.sock for the system service).\n\
                  Exit codes: 0 ok, 1 request failed, 2 usage, 69 daemon unreachable."
)]
pub struct Cli {
    /// Path of camcensusd's socket.
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Self-contained HTML with inline SVG charts (no network resources), print-friendly.
    Html,
    /// Markdown.
    Md,
    /// One row per site and family.
    Csv,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// JSON instead of a table (the daemon's `result`, for scripts and jq).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List devices (filters combine; list values match any).
    #[command(visible_alias = "ls")]
    Devices {
        #[command(flatten)]
        filter: FilterArgs,
        /// Sort key.
        #[arg(long, value_enum, default_value = "id")]
        sort: crate::api::wire::SortKey,
        /// Sort descending.
        #[arg(long)]
        desc: bool,
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// With --json: include what each device announced (types, scopes, XAddrs, counters).
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Print only how many devices match the filters.
    Count {
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// One device by id, EPR, IP address or MAC: evidence, sightings, recent events.
    Show {
        #[arg(value_name = "ID|EPR|IP|MAC")]
        query: String,
        /// Recent events to show.
        #[arg(long, default_value_t = 20)]
        events: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The census on one screen: cameras and recorders per family and site, watchlisted
    /// makers, active and stale, confidence. With --by: counts grouped by keys (family,
    /// brand, manufacturer, model, class, status, interface, site, watchlist, confidence).
    Summary {
        /// Group by these keys instead of printing the census.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            ignore_case = true,
            value_name = "KEYS"
        )]
        by: Vec<crate::api::wire::GroupKey>,
        #[command(flatten)]
        filter: FilterArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Clients probing the camera networks (a security signal).
    Probers {
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The event log: appeared, changed, departed, stale, conflict, restarted, alarm.
    Events {
        /// From this time: RFC 3339 or an age (7d, 12h).
        #[arg(long, default_value = "1d", value_name = "TIME")]
        since: String,
        /// Only this device id.
        #[arg(long)]
        device: Option<u64>,
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A census report for management: the question, method and limits, totals, per-site
    /// table and charts, every watchlisted device and why, and what changed.
    Report {
        #[arg(long, value_enum, default_value = "html")]
        format: ReportFormat,
        /// Also list what changed since this time: RFC 3339 or an age (30d).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Devices that appeared, departed or changed since a time (from the event log).
    Diff {
        /// RFC 3339 or an age (7d, 12h).
        #[arg(long, default_value = "7d", value_name = "TIME")]
        since: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Follow live events (Ctrl-C to stop).
    Watch {
        /// Print the current inventory first (as `present` events).
        #[arg(long)]
        snapshot: bool,
        /// JSON lines, exactly as the daemon sends them.
        #[arg(long)]
        json: bool,
    },
    /// Receive counters per interface, drops by reason, store and persistence figures.
    Stats {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// ok or degraded, with the reasons (exit 1 when degraded).
    Health {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Export devices with stable columns (id, epr, class, family, brand, manufacturer,
    /// model, macs, addresses, interfaces, site, status, first_seen, last_seen, watchlist,
    /// confidence).
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Prometheus text exposition of the inventory and counters (node_exporter textfile
    /// collector). When the daemon is unreachable it writes `camcensus_up 0` and exits 69.
    Metrics {
        /// Write to this file atomically (temporary file + rename) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Parse saved WS-Discovery datagrams or XML files offline and identify each endpoint.
    Parse(ParseArgs),
    /// Write man pages or shell completions into a directory (for packaging).
    #[command(hide = true)]
    Generate {
        #[arg(value_enum)]
        what: generate::What,
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// Run the client with the process's arguments and standard streams.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Generate { what, dir } => generate::run(what, &dir),
        command => commands::run(cli.socket.as_deref(), command),
    }
}
