//! `keyctl project ...`

use clap::Subcommand;
use keyctl::{Amount, Archived, Duration, LimitsUpdate, Result};

use super::output::{self, Names};
use super::Ctx;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project in the current organization
    #[command(
        after_help = "Examples:\n  keyctl project create billing-api\n  keyctl project create search --description \"Search API\" -o json"
    )]
    Create {
        name: String,
        /// What the project is for
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// List active projects (all with --all)
    #[command(after_help = "Examples:\n  keyctl project list\n  keyctl project list --all -o json")]
    List {
        /// Include archived projects
        #[arg(long)]
        all: bool,
    },
    /// Show a project
    #[command(
        after_help = "Examples:\n  keyctl project show billing-api\n  keyctl project show proj_0123456789abcdef -o json"
    )]
    Show { project: String },
    /// Rename a project (the default project too)
    #[command(
        after_help = "Examples:\n  keyctl project rename billing-api invoices-api\n  keyctl project rename \"Default project\" main"
    )]
    Rename { project: String, new_name: String },
    /// Archive a project: its keys stop verifying (PROJECT_ARCHIVED) until unarchived
    #[command(after_help = "Examples:\n  keyctl project archive old-api")]
    Archive { project: String },
    /// Unarchive a project: its keys work again
    #[command(after_help = "Examples:\n  keyctl project unarchive old-api")]
    Unarchive { project: String },
    /// Delete a project and revoke its keys (asks for confirmation)
    #[command(after_help = "Examples:\n  keyctl project delete old-api\n  keyctl project delete old-api --yes")]
    Delete { project: String },
    /// Show or set a project's limits (0 removes one limit, --clear all)
    #[command(
        after_help = "Examples:\n  keyctl project limits billing-api\n  keyctl project limits billing-api --rpm 600 --rpd 100000 --monthly-budget 250.00\n  keyctl project limits ci --max-ttl 1h"
    )]
    Limits {
        project: String,
        /// Valid verifies per minute over all the project's keys
        #[arg(long, value_name = "N")]
        rpm: Option<u64>,
        /// Valid verifies per UTC day over all the project's keys
        #[arg(long, value_name = "N")]
        rpd: Option<u64>,
        /// Cost allowed per calendar month (UTC), a decimal like 250.00
        #[arg(long, value_name = "AMOUNT")]
        monthly_budget: Option<Amount>,
        /// Longest lifetime of new keys; longer --ttl is refused, no --ttl gets this
        #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
        max_ttl: Option<Duration>,
        /// Remove every limit (before applying the others given)
        #[arg(long)]
        clear: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: ProjectCommand) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    let project = match cmd {
        ProjectCommand::Create { name, description } => store.create_project(&org.id, &name, description.as_deref())?,
        ProjectCommand::List { all } => {
            return output::list(
                ctx.mode,
                &Names::default(),
                &store.list_projects(&org.id, if all { Archived::Include } else { Archived::Exclude })?,
            )
        }
        ProjectCommand::Show { project } => store.show_project(&org.id, &project)?,
        ProjectCommand::Rename { project, new_name } => store.rename_project(&org.id, &project, &new_name)?,
        ProjectCommand::Archive { project } => store.archive_project(&org.id, &project)?,
        ProjectCommand::Unarchive { project } => store.unarchive_project(&org.id, &project)?,
        ProjectCommand::Delete { project } => {
            let target = store.show_project(&org.id, &project)?;
            if !target.is_default {
                // The default project is refused by the library; don't ask first.
                ctx.confirm(&format!("delete project {:?} and revoke its keys", target.name), &target.name)?;
            }
            let live = store
                .list_keys(
                    &org.id,
                    &keyctl::KeyFilter { project: Some(target.id.clone()), status: None, ..Default::default() },
                )?
                .iter()
                .filter(|k| k.revoked_at.is_none())
                .count();
            let deleted = store.delete_project(&org.id, &target.id)?;
            output::note(
                ctx.mode,
                &format!(
                    "Deleted project {} ({}); {} revoked.",
                    deleted.name,
                    deleted.id,
                    output::count(live as i64, "key", "keys")
                ),
            );
            return Ok(());
        }
        ProjectCommand::Limits { project, rpm, rpd, monthly_budget, max_ttl, clear } => {
            let update = LimitsUpdate { rpm, rpd, monthly_budget, max_ttl, clear };
            if update.is_empty() {
                store.show_project(&org.id, &project)?
            } else {
                store.set_project_limits(&org.id, &project, &update)?
            }
        }
    };
    // One card for a project, whichever command printed it.
    output::object(ctx.mode, &Names::default(), &project)
}
