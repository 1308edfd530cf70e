//! `keyctl usage`: requests and cost per day, key or project.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use keyctl::{Result, UsageGroup, UsageQuery};

use super::output;
use super::Ctx;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Day,
    Key,
    Project,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyctl usage --project billing-api --by day\n  keyctl usage --since 2026-11-01 --by key -o csv > usage.csv\n  keyctl usage --since 7d --by project"
)]
pub struct UsageArgs {
    /// Only this project (id or name)
    #[arg(long)]
    pub project: Option<String>,
    /// Only this key (id, name, or the secret itself)
    #[arg(long)]
    pub key: Option<String>,
    /// Start: RFC 3339, a date (2026-12-01) or a duration ago (7d) [default: the start of this month, UTC]
    #[arg(long, value_name = "TIME", value_parser = super::parse_when)]
    pub since: Option<DateTime<Utc>>,
    /// End: RFC 3339, a date or a duration ago [default: now]
    #[arg(long, value_name = "TIME", value_parser = super::parse_when)]
    pub until: Option<DateTime<Utc>>,
    /// Group the lines by day, key or project
    #[arg(long, value_enum, default_value_t = By::Day)]
    pub by: By,
}

pub fn run(ctx: &Ctx, args: UsageArgs) -> Result<()> {
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    let by = match args.by {
        By::Day => UsageGroup::Day,
        By::Key => UsageGroup::Key,
        By::Project => UsageGroup::Project,
    };
    let query = UsageQuery { project: args.project, key: args.key, since: args.since, until: args.until, by };
    let lines = store.usage_report(&org.id, &query)?;
    let group = match by {
        UsageGroup::Day => "DAY",
        UsageGroup::Key => "KEY",
        UsageGroup::Project => "PROJECT",
    };
    let names = ctx.names(&store, &org.id, by == UsageGroup::Key)?;
    output::usage(ctx.mode, &names, group, &lines)
}
