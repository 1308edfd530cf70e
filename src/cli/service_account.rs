//! `keyctl service-account ...` (alias `sa`): machine principals, one role in one project.

use clap::Subcommand;
use keyctl::{Duration, Expiry, KeyCreate, Permission, Result};
use serde_json::json;

use super::output::{self, Names};
use super::{Ctx, Mode};

#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Create a service account and print its first key (once)
    #[command(
        after_help = "Examples:\n  keyctl sa create deployer --project billing-api --role restricted\n  KEY=$(keyctl sa create ci-bot --project ci --ttl 30d -q)"
    )]
    Create {
        name: String,
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
        /// all, restricted or readonly
        #[arg(long, default_value = "all", value_parser = super::permission_parser())]
        role: Permission,
        /// Lifetime of the first key
        #[arg(long, value_name = "DURATION")]
        ttl: Option<Duration>,
    },
    /// List service accounts (in one project with --project)
    #[command(after_help = "Examples:\n  keyctl sa list\n  keyctl sa list --project billing-api -o json")]
    List {
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
    /// Show a service account
    #[command(
        after_help = "Examples:\n  keyctl sa show deployer\n  keyctl sa show deployer --project billing-api -o json"
    )]
    Show {
        sa: String,
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
    /// Delete a service account and revoke its keys
    #[command(after_help = "Examples:\n  keyctl sa delete deployer --yes")]
    Delete {
        sa: String,
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
}

pub fn run(ctx: &Ctx, cmd: ServiceAccountCommand) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    match cmd {
        ServiceAccountCommand::Create { name, project, role, ttl } => {
            let expiry = ttl.or(ctx.config.default_ttl()).map_or(Expiry::Never, Expiry::After);
            let first = KeyCreate { name: Some(name.clone()), expiry, ..KeyCreate::default() };
            let (sa, key) = store.create_service_account(&org.id, &name, project.as_deref(), role, &first)?;
            match ctx.mode {
                Mode::Quiet => output::line(key.secret.expose_secret()),
                Mode::Json | Mode::Csv => {
                    let mut value = output::to_value(&sa)?;
                    value["key"] = json!(key.secret.expose_secret());
                    value["key_info"] = output::to_value(&key.info)?;
                    if ctx.mode == Mode::Json {
                        output::json(&value)
                    } else {
                        output::csv_of(&[value])
                    }
                }
                Mode::Table | Mode::Wide => {
                    output::line(key.secret.expose_secret())?;
                    output::note(
                        ctx.mode,
                        &format!(
                            "Created service account {} ({}) with role {} and key {}. Save the key now: it will not be shown again.",
                            sa.name, sa.id, sa.role, key.info.id
                        ),
                    );
                    Ok(())
                }
            }
        }
        ServiceAccountCommand::List { project } => {
            let names = ctx.names(&store, &org.id, false)?;
            output::list(ctx.mode, &names, &store.list_service_accounts(&org.id, project.as_deref())?)
        }
        ServiceAccountCommand::Show { sa, project } => {
            let names = ctx.names(&store, &org.id, false)?;
            output::object(ctx.mode, &names, &store.show_service_account(&org.id, project.as_deref(), &sa)?)
        }
        ServiceAccountCommand::Delete { sa, project } => {
            let target = store.show_service_account(&org.id, project.as_deref(), &sa)?;
            ctx.confirm(&format!("delete service account {:?} and revoke its keys", target.name), &target.name)?;
            let (sa, revoked) = store.delete_service_account(&org.id, Some(&target.project_id), &target.id)?;
            if !ctx.mode.human() {
                return output::object(ctx.mode, &Names::default(), &sa);
            }
            let revoked = output::count(revoked as i64, "key", "keys");
            output::note(ctx.mode, &format!("Deleted service account {} ({}); {revoked} revoked.", sa.name, sa.id));
            Ok(())
        }
    }
}
