//! The `camcensus` client: argument definitions and subcommands. The binary only calls
//! [`main`]. Exit codes: 0 ok, 1 a request or input failed, 2 usage error.

mod parse;
pub mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use parse::{OutputFormat, ParseArgs};

/// Exit status for a failed request or input.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a usage error (bad flags, unreadable rules file).
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "camcensus",
    version,
    about = "Query the camcensus inventory of network cameras, or parse saved WS-Discovery messages"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse saved WS-Discovery datagrams or XML files offline and identify each endpoint.
    Parse(ParseArgs),
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
    }
}
