//! `keyctl audit list | verify`: the tamper-evident change log.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use keyctl::{AuditFilter, Result};

use super::{output, Ctx, Mode};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit entries, oldest first
    #[command(
        after_help = "Examples:\n  keyctl audit list --action key.revoked\n  keyctl audit list --project billing-api --since 2026-11-01 -o json\n  keyctl audit list --since 1h"
    )]
    List {
        /// Only entries from then on: RFC 3339, a date (2026-12-01) or a duration ago (1h)
        #[arg(long, value_name = "TIME", value_parser = super::parse_when)]
        since: Option<DateTime<Utc>>,
        /// An action (`key.revoked`) or a group of them (`key`)
        #[arg(long, value_name = "ACTION")]
        action: Option<String>,
        /// Only entries about this project (id or name)
        #[arg(long)]
        project: Option<String>,
    },
    /// Check the whole chain; exit 4 naming the first bad entry
    #[command(after_help = "Examples:\n  keyctl audit verify\n  keyctl audit verify -o json")]
    Verify,
}

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<()> {
    let store = ctx.open()?;
    match cmd {
        AuditCommand::List { since, action, project } => {
            let project_id = match project {
                Some(p) => Some(store.show_project(&ctx.org(&store)?.id, &p)?.id),
                None => None,
            };
            let (entries, problems) = store.list_audit(&AuditFilter { since, action, project_id })?;
            // The audit log is store-wide: name projects when an org is chosen, else show ids.
            let names = match ctx.org(&store) {
                Ok(org) => ctx.names(&store, &org.id, false)?,
                Err(_) => output::Names::default(),
            };
            output::list(ctx.mode, &names, &entries)?;
            // Listed, so the damage can be seen, but never as a clean result.
            match problems.into_iter().next() {
                Some(first) => Err(keyctl::Error::integrity(format!("{first}; run `keyctl audit verify`"))),
                None => Ok(()),
            }
        }
        AuditCommand::Verify => {
            let n = store.verify_audit()?;
            match ctx.mode {
                Mode::Quiet => Ok(()),
                Mode::Json => output::json(&serde_json::json!({ "ok": true, "entries": n })),
                Mode::Csv => output::csv(&["ok", "entries"], &[vec!["true".into(), n.to_string()]]),
                Mode::Table | Mode::Wide => output::line(&format!("ok: {n} audit entries, chain intact")),
            }
        }
    }
}
