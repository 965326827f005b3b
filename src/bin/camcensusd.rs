//! `camcensusd`: the sensor daemon. For now it only reports its version; the listener,
//! store and API arrive in later releases.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("--version" | "-V") => {
            println!("camcensusd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h") => {
            println!(
                "camcensusd {}: passive WS-Discovery camera census daemon",
                env!("CARGO_PKG_VERSION")
            );
            println!("usage: camcensusd [--version]");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("camcensusd: unknown argument {other:?}; try --help");
            ExitCode::from(2)
        }
    }
}
