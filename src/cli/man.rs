//! `keyctl man`: man pages generated from the same clap definition as the parser, so they
//! cannot drift (a test compares them with the committed files in `man/`).

use std::path::Path;

use clap::CommandFactory;
use keyctl::{Error, Result};

use super::Cli;

fn render(cmd: &clap::Command) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out).map_err(|e| Error::io("cannot render the man page", e))?;
    Ok(out)
}

/// Every page: `keyctl.1`, then `keyctl-GROUP.1` and `keyctl-GROUP-CMD.1`.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut root = Cli::command();
    root.build();
    let mut pages = vec![("keyctl.1".to_owned(), render(&root)?)];
    fn walk(cmd: &clap::Command, prefix: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
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
