//! The keyctl binary: parse, run, map the error to an exit code. Nothing else.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `keyctl` or `keyctl key` alone: show the help, but as the usage error it is.
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            // One line, like every other keyctl error (exit 2: the command line is wrong):
            // clap's first paragraph, with any control character a value carried escaped.
            let text = e.to_string();
            let first = text.split("\n\n").next().unwrap_or("invalid command line").trim_start_matches("error: ");
            eprintln!("keyctl: {} (see `keyctl --help`)", cli::output::error_line(first.trim_end()));
            return ExitCode::from(2);
        }
    };
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(keyctl::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("keyctl: {}", cli::output::error_line(&err.to_string()));
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
