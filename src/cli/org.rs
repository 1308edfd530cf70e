//! `keyctl org ...`

use clap::Subcommand;
use keyctl::{OrgKind, Result};

use super::config::Config;
use super::output::{self, Names};
use super::Ctx;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization (with its default project)
    #[command(after_help = "Examples:\n  keyctl org create acme\n  keyctl org create ada --personal")]
    Create {
        name: String,
        /// A personal org: no service accounts until `keyctl org upgrade`
        #[arg(long)]
        personal: bool,
    },
    /// List organizations
    #[command(after_help = "Examples:\n  keyctl org list\n  keyctl org list -o json | jq -r '.[].name'")]
    List,
    /// Show an organization [default: the current one]
    #[command(after_help = "Examples:\n  keyctl org show\n  keyctl org show acme -o json")]
    Show {
        #[arg(value_name = "ORG")]
        target: Option<String>,
    },
    /// Rename an organization
    #[command(after_help = "Examples:\n  keyctl org rename acme acme-inc")]
    Rename {
        #[arg(value_name = "ORG")]
        target: String,
        new_name: String,
    },
    /// Turn a personal organization into a team organization
    #[command(after_help = "Examples:\n  keyctl org upgrade ada   # then: keyctl sa create ...")]
    Upgrade {
        #[arg(value_name = "ORG")]
        target: String,
    },
    /// Make ORG the default for later commands (saved in the config file)
    #[command(
        after_help = "Examples:\n  keyctl org use acme\n  keyctl --org other project list   # overrides it once"
    )]
    Use {
        #[arg(value_name = "ORG")]
        target: String,
    },
    /// Delete an organization and everything in it (asks for confirmation)
    #[command(after_help = "Examples:\n  keyctl org delete old-team\n  keyctl org delete old-team --yes")]
    Delete {
        #[arg(value_name = "ORG")]
        target: String,
    },
}

pub fn run(ctx: &Ctx, cmd: OrgCommand) -> Result<()> {
    let store = ctx.open()?;
    match cmd {
        OrgCommand::Create { name, personal } => {
            let org = store.create_org(&name, if personal { OrgKind::Personal } else { OrgKind::Organization })?;
            output::object(ctx.mode, &Names::default(), &org)?;
            if store.list_orgs()?.len() > 1 && ctx.org.is_none() && ctx.config.default_org.is_none() {
                output::note(
                    ctx.mode,
                    &format!(
                        "The store now has several organizations: run `keyctl org use {}` (or pass --org) to choose one.",
                        org.name
                    ),
                );
            }
            Ok(())
        }
        OrgCommand::List => output::list(ctx.mode, &Names::default(), &store.list_orgs()?),
        OrgCommand::Show { target } => {
            let org = match target {
                Some(o) => store.show_org(&o)?,
                None => ctx.org(&store)?,
            };
            output::object(ctx.mode, &Names::default(), &org)
        }
        OrgCommand::Rename { target, new_name } => show(ctx, &store.rename_org(&target, &new_name)?),
        OrgCommand::Upgrade { target } => show(ctx, &store.upgrade_org(&target)?),
        OrgCommand::Use { target } => {
            let org = store.show_org(&target)?;
            let path = Config::set("default_org", &org.id)?;
            output::note(
                ctx.mode,
                &format!("Default organization is now {} ({}), saved in {}", org.name, org.id, path.display()),
            );
            Ok(())
        }
        OrgCommand::Delete { target } => {
            let target = store.show_org(&target)?;
            ctx.confirm(
                &format!("delete organization {:?} with all its projects and keys", target.name),
                &target.name,
            )?;
            let deleted = store.delete_org(&target.id)?;
            output::note(ctx.mode, &format!("Deleted organization {} ({})", deleted.name, deleted.id));
            // A default that names the deleted org would make every later command fail.
            let points_here = ctx
                .config
                .default_org
                .as_deref()
                .is_some_and(|d| d == deleted.id || d.eq_ignore_ascii_case(&deleted.name));
            if points_here {
                let path = Config::unset("default_org")?;
                output::note(
                    ctx.mode,
                    &format!("It was the default organization; removed default_org from {}", path.display()),
                );
            }
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, org: &keyctl::Org) -> Result<()> {
    output::object(ctx.mode, &Names::default(), org)
}
