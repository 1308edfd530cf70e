//! The keyctl binary: parse, run, map the error to an exit code. Nothing else.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

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
            eprintln!("keyctl: {}", cli::output::error_line(&clap_error_line(&e.render().to_string())));
            return ExitCode::from(2);
        }
    };
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(keyctl::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            // An empty message: the outcome is already shown (a rejected key's verdict).
            let text = err.to_string();
            if !text.is_empty() {
                eprintln!("keyctl: {}", cli::output::error_line(&text));
            }
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

/// clap's error as one keyctl line (exit 2: the command line is wrong): its message with
/// the lines joined, its "did you mean" tip kept, and a pointer to the help of the command
/// that was being typed (`keyctl key create --help`), not the top-level one.
fn clap_error_line(text: &str) -> String {
    let mut message = Vec::new();
    let mut tips = Vec::new();
    let mut command = typed_command();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(tip) = line.strip_prefix("tip: ") {
            tips.push(tip.trim_end_matches('.').to_owned());
        } else if let Some(usage) = line.strip_prefix("Usage: ") {
            let words: Vec<&str> = usage.split_whitespace().take_while(|w| !w.starts_with(['[', '<', '-'])).collect();
            if !words.is_empty() {
                command = words.join(" ");
            }
        } else if line.starts_with("For more information") {
            continue;
        } else {
            message.push(line.trim_start_matches("error: ").to_owned());
        }
    }
    let mut out = message.join(" ");
    if out.is_empty() {
        out = "invalid command line".into();
    }
    for tip in tips {
        out.push_str(&format!("; {tip}"));
    }
    format!("{out} (see `{command} --help`)")
}

/// The (sub)command the arguments name, as far as they name one: `keyctl key create`.
fn typed_command() -> String {
    let mut cmd = cli::Cli::command();
    let mut path = vec!["keyctl".to_owned()];
    for arg in std::env::args_os().skip(1).filter_map(|a| a.into_string().ok()).filter(|a| !a.starts_with('-')) {
        let Some(sub) = cmd.find_subcommand(&arg).cloned() else { break };
        path.push(sub.get_name().to_owned());
        cmd = sub;
    }
    path.join(" ")
}
