//! `keyctl man`: man pages generated from the same clap definition as the parser, so they
//! cannot drift (a test compares them with the committed files in `man/`).

use std::path::Path;

use clap::CommandFactory;
use keyctl::{Error, Result};

use super::Cli;

/// What every page says about the environment.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("KEYCTL_STORE", "The store file (as --store)."),
    ("KEYCTL_ORG", "The organization to work in (as --org)."),
    ("KEYCTL_OUTPUT", "The output format: table, wide, json or csv (as -o)."),
    ("KEYCTL_CONFIG", "The config file [default: <config dir>/keyctl/config.toml]."),
    ("KEYCTL_STORE_KEY", "A store key (keyctl store add-key); tried first, no slow KDF."),
    ("KEYCTL_PASSPHRASE_FILE", "A file holding the passphrase (first line)."),
    ("KEYCTL_PASSPHRASE_COMMAND", "A command that prints the passphrase (run with sh -c)."),
    ("KEYCTL_PASSPHRASE", "The passphrase itself."),
    ("KEYCTL_NEW_PASSPHRASE", "The new passphrase for keyctl store passwd."),
    ("XDG_RUNTIME_DIR", "Where keyctl unlock's agent keeps its socket (keyctl/agent-*.sock)."),
    ("NO_COLOR", "When set and not empty, no colour."),
];

/// The files keyctl reads and writes.
pub const FILES: &[(&str, &str)] = &[
    ("<data dir>/keyctl/keyctl.db", "The store (0600, folder 0700), with its -wal and -shm files."),
    ("<config dir>/keyctl/config.toml", "Optional: default_org, output, default_ttl, max_ttl."),
    ("$XDG_RUNTIME_DIR/keyctl/", "The unlock agent's sockets (folder 0700, sockets 0600)."),
];

/// Exit codes (spec section 7).
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success; for key verify, the key is valid."),
    ("1", "The operation failed or was refused (not found, conflict, a rule)."),
    ("2", "The command line is wrong."),
    ("3", "The store cannot be opened or unlocked (missing, locked, wrong secret)."),
    ("4", "The store failed an integrity check (tampered or corrupt)."),
    ("10", "key verify: the key was rejected; scan: a live key was found."),
];

/// The same three sections as plain text, for `keyctl --help`.
pub fn help_sections() -> String {
    let mut out = String::new();
    for (title, items) in [("Environment:", ENVIRONMENT), ("Files:", FILES), ("Exit status:", EXIT_STATUS)] {
        out.push_str(&format!("\n\n{title}"));
        for (k, v) in items {
            out.push_str(&format!("\n  {k:<27} {v}"));
        }
    }
    out
}

/// Escapes text for roff: backslashes, hyphens, and a leading dot or quote.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

fn section(out: &mut Vec<u8>, title: &str, items: &[(&str, &str)]) {
    out.extend(format!(".SH {title}\n").bytes());
    for (k, v) in items {
        out.extend(format!(".TP\n\\fB{}\\fR\n{}\n", roff(k), roff(v)).bytes());
    }
}

fn render(cmd: &clap::Command) -> Result<Vec<u8>> {
    let fail = |e| Error::io("cannot render the man page", e);
    // clap_mangen's sections, but examples under EXAMPLES (not "EXTRA"), then what every
    // page should say: the environment, the files and the exit codes.
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out).map_err(fail)?;
    man.render_name_section(&mut out).map_err(fail)?;
    man.render_synopsis_section(&mut out).map_err(fail)?;
    man.render_description_section(&mut out).map_err(fail)?;
    man.render_options_section(&mut out).map_err(fail)?;
    if cmd.get_subcommands().next().is_some() {
        man.render_subcommands_section(&mut out).map_err(fail)?;
    }
    if let Some(help) = cmd.get_after_help() {
        let text = help.to_string();
        let examples: Vec<&str> =
            text.lines().skip_while(|l| !l.starts_with("Examples:")).skip(1).take_while(|l| !l.is_empty()).collect();
        if !examples.is_empty() {
            out.extend(b".SH EXAMPLES\n.nf\n");
            for line in examples {
                out.extend(format!("{}\n", roff(line.trim_start())).bytes());
            }
            out.extend(b".fi\n");
        }
    }
    section(&mut out, "ENVIRONMENT", ENVIRONMENT);
    section(&mut out, "FILES", FILES);
    section(&mut out, "EXIT STATUS", EXIT_STATUS);
    man.render_version_section(&mut out).map_err(fail)?;
    Ok(out)
}

/// Every page: `keyctl.1`, then `keyctl-GROUP.1` and `keyctl-GROUP-CMD.1`.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut root = Cli::command();
    root.build();
    let mut pages = vec![("keyctl.1".to_owned(), render(&root)?)];
    fn walk(cmd: &clap::Command, prefix: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help" && !s.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            let page = sub.clone().name(name.clone());
            pages.push((format!("{name}.1"), render(&page)?));
            walk(sub, &name, pages)?;
        }
        Ok(())
    }
    walk(&root, "keyctl", &mut pages)?;
    Ok(pages)
}

pub fn run(out_dir: Option<&Path>) -> Result<()> {
    let pages = pages()?;
    match out_dir {
        None => super::output::line(String::from_utf8_lossy(&pages[0].1).trim_end()),
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            for (name, body) in &pages {
                let path = dir.join(name);
                std::fs::write(&path, body).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
            }
            Ok(())
        }
    }
}
