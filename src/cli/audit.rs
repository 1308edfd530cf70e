//! `keyctl audit list | verify`: the tamper-evident change log.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use keyctl::{AuditFilter, Result};

use super::{output, Ctx};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit entries, oldest first
    #[command(
        after_help = "Examples:\n  keyctl audit list --action key.revoked\n  keyctl audit list --project billing-api --since 2026-11-01T00:00:00Z -o json"
    )]
    List {
        #[arg(long, value_name = "TIME", value_parser = keyctl::domain::parse_time)]
        since: Option<DateTime<Utc>>,
        /// An action (`key.revoked`) or a group of them (`key`)
        #[arg(long, value_name = "ACTION")]
        action: Option<String>,
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
            output::list(ctx.output, &entries)?;
            // Listed, so the damage can be seen, but never as a clean result.
            match problems.into_iter().next() {
                Some(first) => Err(keyctl::Error::integrity(format!("{first}; run `keyctl audit verify`"))),
                None => Ok(()),
            }
        }
        AuditCommand::Verify => {
            let n = store.verify_audit()?;
            if ctx.output == super::OutputFormat::Json {
                return output::json(&serde_json::json!({ "ok": true, "entries": n }));
            }
            output::line(&format!("ok: {n} audit entries, chain intact"))
        }
    }
}
