//! `keyctl service-account ...` (alias `sa`): machine principals, one role in one project.

use clap::Subcommand;
use keyctl::{Duration, Expiry, KeyCreate, Permission, Result, ServiceAccount};
use serde_json::json;

use super::output::{self, Tabular};
use super::{Ctx, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Create a service account and print its first key (once)
    #[command(
        after_help = "Examples:\n  keyctl sa create deployer --project billing-api --role restricted\n  KEY=$(keyctl sa create ci-bot --project ci --ttl 30d -q)"
    )]
    Create {
        name: String,
        #[arg(long)]
        project: Option<String>,
        /// all, restricted or readonly
        #[arg(long, default_value = "all")]
        role: Permission,
        /// Lifetime of the first key
        #[arg(long, value_name = "DURATION")]
        ttl: Option<Duration>,
    },
    /// List service accounts (in one project with --project)
    #[command(after_help = "Examples:\n  keyctl sa list\n  keyctl sa list --project billing-api -o json")]
    List {
        #[arg(long)]
        project: Option<String>,
    },
    /// Show a service account
    #[command(
        after_help = "Examples:\n  keyctl sa show deployer\n  keyctl sa show deployer --project billing-api -o json"
    )]
    Show {
        sa: String,
        #[arg(long)]
        project: Option<String>,
    },
    /// Delete a service account and revoke its keys
    #[command(after_help = "Examples:\n  keyctl sa delete deployer --yes")]
    Delete {
        sa: String,
        #[arg(long)]
        project: Option<String>,
    },
}

impl Tabular for ServiceAccount {
    fn headers() -> &'static [&'static str] {
        &["ID", "NAME", "PROJECT", "ROLE", "CREATED"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.project_id.clone(),
            self.role.to_string(),
            output::time(self.created_at),
        ]
    }
}

pub fn run(ctx: &Ctx, cmd: ServiceAccountCommand) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    match cmd {
        ServiceAccountCommand::Create { name, project, role, ttl } => {
            let expiry = ttl.or(ctx.config.default_ttl()).map_or(Expiry::Never, Expiry::After);
            let first = KeyCreate { name: Some(name.clone()), expiry, ..KeyCreate::default() };
            let (sa, key) = store.create_service_account(&org.id, &name, project.as_deref(), role, &first)?;
            match ctx.output {
                _ if ctx.quiet => output::line(key.secret.expose_secret()),
                OutputFormat::Json => {
                    let mut value = serde_json::to_value(&sa).map_err(keyctl::Error::json("the output"))?;
                    value["key"] = json!(key.secret.expose_secret());
                    value["key_info"] = serde_json::to_value(&key.info).map_err(keyctl::Error::json("the output"))?;
                    output::json(&value)
                }
                _ => {
                    output::line(key.secret.expose_secret())?;
                    output::note(
                        ctx.quiet,
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
            output::list(ctx.output, &store.list_service_accounts(&org.id, project.as_deref())?)
        }
        ServiceAccountCommand::Show { sa, project } => {
            output::object(ctx.output, &store.show_service_account(&org.id, project.as_deref(), &sa)?)
        }
        ServiceAccountCommand::Delete { sa, project } => {
            let target = store.show_service_account(&org.id, project.as_deref(), &sa)?;
            ctx.confirm(&format!("delete service account {:?} and revoke its keys", target.name), &target.name)?;
            let (sa, revoked) = store.delete_service_account(&org.id, Some(&target.project_id), &target.id)?;
            if ctx.output == OutputFormat::Json {
                return output::object(ctx.output, &sa);
            }
            output::note(
                ctx.quiet,
                &format!("Deleted service account {} ({}); {revoked} keys revoked.", sa.name, sa.id),
            );
            Ok(())
        }
    }
}
