//! `keyctl member ...`: members, their org-wide role and per-project roles.

use clap::Subcommand;
use keyctl::{Permission, Result, RoleTarget};

use super::output::{self, Names};
use super::Ctx;

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (org-wide role with --role; a project role with --project and --role)
    #[command(
        after_help = "Examples:\n  keyctl member add bob@example.com --name Bob --role readonly\n  keyctl member add eve@example.com --project billing-api --role restricted"
    )]
    Add {
        email: String,
        /// The member's display name
        #[arg(long)]
        name: Option<String>,
        /// all, restricted or readonly
        #[arg(long, value_parser = super::permission_parser())]
        role: Option<Permission>,
        /// Give the role in this project only
        #[arg(long)]
        project: Option<String>,
    },
    /// List members (with --project: those with a role there)
    #[command(after_help = "Examples:\n  keyctl member list\n  keyctl member list --project billing-api -o json")]
    List {
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
    /// Show one member
    #[command(after_help = "Examples:\n  keyctl member show bob@example.com")]
    Show { member: String },
    /// Change a member's org-wide role, or its role in one project
    #[command(
        after_help = "Examples:\n  keyctl member set-role bob@example.com all\n  keyctl member set-role eve@example.com readonly --project billing-api"
    )]
    SetRole {
        email: String,
        /// all, restricted or readonly
        #[arg(value_parser = super::permission_parser())]
        role: Permission,
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
    /// Remove a member from the org (revokes their keys) or from one project
    #[command(
        after_help = "Examples:\n  keyctl member remove bob@example.com --yes\n  keyctl member remove eve@example.com --project billing-api"
    )]
    Remove {
        email: String,
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
    },
}

pub fn run(ctx: &Ctx, cmd: MemberCommand) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    let member = match cmd {
        MemberCommand::Add { email, name, role, project } => {
            store.add_member(&org.id, &email, name.as_deref(), role, project.as_deref())?
        }
        MemberCommand::List { project } => {
            let names = ctx.names(&store, &org.id, false)?;
            return output::list(ctx.mode, &names, &store.list_members(&org.id, project.as_deref())?);
        }
        MemberCommand::Show { member } => store.show_member(&org.id, &member)?,
        MemberCommand::SetRole { email, role, project } => {
            let target = project.as_deref().map_or(RoleTarget::Org, RoleTarget::Project);
            store.set_member_role(&org.id, &email, role, target)?
        }
        MemberCommand::Remove { email, project } => {
            let target = store.show_member(&org.id, &email)?;
            if project.is_none() {
                ctx.confirm(
                    &format!("remove {} from the organization and revoke their keys", target.email),
                    &target.email,
                )?;
            }
            let (member, revoked) = store.remove_member(&org.id, &email, project.as_deref())?;
            if !ctx.mode.human() {
                return output::object(ctx.mode, &Names::default(), &member);
            }
            let from = if project.is_some() { "the project" } else { "the organization" };
            let revoked = output::count(revoked as i64, "key", "keys");
            output::note(ctx.mode, &format!("Removed {} from {from}; {revoked} revoked.", member.email));
            return Ok(());
        }
    };
    let names = ctx.names(&store, &org.id, false)?;
    output::object(ctx.mode, &names, &member)
}
