//! `keyctl project ...`

use clap::Subcommand;
use keyctl::Result;

use super::{output, Ctx};

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project in the current organization
    #[command(
        after_help = "Examples:\n  keyctl project create billing-api\n  keyctl project create search --description \"Search API\" -o json"
    )]
    Create {
        name: String,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// List active projects (all with --all)
    List {
        /// Include archived projects
        #[arg(long)]
        all: bool,
    },
    /// Show a project
    Show { project: String },
    /// Rename a project (the default project too)
    Rename { project: String, new_name: String },
    /// Archive a project: its keys stop verifying (PROJECT_ARCHIVED) until unarchived
    Archive { project: String },
    /// Unarchive a project: its keys work again
    Unarchive { project: String },
    /// Delete a project and revoke its keys (asks for confirmation)
    Delete { project: String },
}

pub fn run(ctx: &Ctx, cmd: ProjectCommand) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    let project = match cmd {
        ProjectCommand::Create { name, description } => {
            store.create_project(&org.id, &name, description.as_deref())?
        }
        ProjectCommand::List { all } => {
            return output::list(ctx.output, &store.list_projects(&org.id, all)?)
        }
        ProjectCommand::Show { project } => store.show_project(&org.id, &project)?,
        ProjectCommand::Rename { project, new_name } => {
            store.rename_project(&org.id, &project, &new_name)?
        }
        ProjectCommand::Archive { project } => store.archive_project(&org.id, &project)?,
        ProjectCommand::Unarchive { project } => store.unarchive_project(&org.id, &project)?,
        ProjectCommand::Delete { project } => {
            let target = store.show_project(&org.id, &project)?;
            if !target.is_default {
                // The default project is refused by the library; don't ask first.
                ctx.confirm(
                    &format!("delete project {:?} and revoke its keys", target.name),
                    &target.name,
                )?;
            }
            let deleted = store.delete_project(&org.id, &target.id)?;
            output::note(
                ctx.quiet,
                &format!(
                    "Deleted project {} ({}); its keys are revoked",
                    deleted.name, deleted.id
                ),
            );
            return Ok(());
        }
    };
    if ctx.quiet {
        return output::line(&project.id);
    }
    output::object(ctx.output, &project)
}
