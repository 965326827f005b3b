//! Man pages and shell completions generated from the clap definitions (used when
//! packaging: `camcensus generate man DIR`, `camcensus generate completions DIR`), so
//! they never drift from the real flags. `camcensusd --generate-man DIR` writes the
//! daemon's page and camcensus.toml(5).

use std::io;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    /// camcensus.1 and one page per subcommand (camcensus-devices.1, ...).
    Man,
    /// camcensus.bash, _camcensus (zsh) and camcensus.fish.
    Completions,
}

pub fn run(what: What, dir: &Path) -> ExitCode {
    let done = std::fs::create_dir_all(dir).and_then(|()| match what {
        What::Man => man_pages(Cli::command(), dir),
        What::Completions => completions(dir),
    });
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "camcensus generate: cannot write into {}: {e}",
                dir.display()
            );
            ExitCode::from(super::EXIT_FAILED)
        }
    }
}

/// `cmd`'s page (section 1 or 8 from its name) and one per visible subcommand.
pub fn man_pages(cmd: clap::Command, dir: &Path) -> io::Result<()> {
    let cmd = cmd.disable_help_subcommand(true);
    write_page(&cmd, "1", dir)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{}-{}", cmd.get_name(), sub.get_name());
        let sub = sub.clone().name(name.clone()).bin_name(name);
        write_page(&sub, "1", dir)?;
    }
    Ok(())
}

/// One man page for `cmd` in `section`.
pub fn write_page(cmd: &clap::Command, section: &str, dir: &Path) -> io::Result<()> {
    let page = clap_mangen::Man::new(cmd.clone()).section(section);
    let mut out = Vec::new();
    page.render(&mut out)?;
    std::fs::write(dir.join(format!("{}.{section}", cmd.get_name())), out)
}

fn completions(dir: &Path) -> io::Result<()> {
    let mut cmd = Cli::command();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "camcensus", dir)?;
    }
    Ok(())
}
