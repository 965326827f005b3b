//! `camcensus`: the client. All logic lives in `camcensus::cli`.

fn main() -> std::process::ExitCode {
    camcensus::cli::main()
}
