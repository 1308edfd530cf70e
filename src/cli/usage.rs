//! `keyctl usage`: requests and cost per day, key or project.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use keyctl::{Result, UsageGroup, UsageQuery};

use super::output::{self, Tabular};
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
    if ctx.mode.human() && by == UsageGroup::Day {
        // A bar per day, so a spike shows at a glance.
        let bars = bars(&lines.iter().map(|l| l.requests).collect::<Vec<_>>(), BAR_WIDTH, output::colour());
        let rows: Vec<Vec<String>> = lines
            .iter()
            .zip(bars)
            .map(|(l, b)| {
                let mut r = l.cells(&names, ctx.mode == super::Mode::Wide);
                r.push(b);
                r
            })
            .collect();
        return output::table(&[group, "REQUESTS", "COST", ""], &rows);
    }
    output::usage(ctx.mode, &names, group, &lines)
}

/// The widest bar, in characters.
const BAR_WIDTH: usize = 40;

/// One bar per value, scaled so the largest is `width` long: Unicode blocks (in eighths)
/// on a terminal, plain `#` otherwise. A non-zero value always shows at least a sliver.
fn bars(values: &[i64], width: usize, blocks: bool) -> Vec<String> {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1) as u128;
    values
        .iter()
        .map(|&v| {
            let v = v.max(0) as u128;
            if v == 0 {
                return String::new();
            }
            if blocks {
                let eighths = ((v * width as u128 * 8).div_ceil(max)).max(1) as usize;
                let mut bar = "█".repeat(eighths / 8);
                if eighths % 8 > 0 {
                    bar.push(EIGHTHS[eighths % 8 - 1]);
                }
                bar
            } else {
                "#".repeat(((v * width as u128).div_ceil(max)).max(1) as usize)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::bars;

    #[test]
    fn bars_scale_to_the_largest_value() {
        assert_eq!(bars(&[10, 5, 0, 1], 10, false), vec!["##########", "#####", "", "#"]);
        let b = bars(&[16, 1], 2, true);
        assert_eq!(b[0], "██");
        assert_eq!(b[1], "▏");
        assert_eq!(bars(&[0, 0], 10, true), vec!["", ""]);
        assert!(bars(&[], 10, true).is_empty());
    }
}
