//! `keyctl usage`: requests and cost per day, key or project.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use keyctl::{Result, UsageGroup, UsageLine, UsageQuery};

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
    after_help = "Examples:\n  keyctl usage --project billing-api --by day\n  keyctl usage --since 2026-11-01T00:00:00Z --by key -o csv > usage.csv"
)]
pub struct UsageArgs {
    #[arg(long)]
    pub project: Option<String>,
    #[arg(long)]
    pub key: Option<String>,
    /// Start (RFC 3339) [default: the start of this month, UTC]
    #[arg(long, value_name = "TIME", value_parser = keyctl::domain::parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// End (RFC 3339) [default: now]
    #[arg(long, value_name = "TIME", value_parser = keyctl::domain::parse_time)]
    pub until: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = By::Day)]
    pub by: By,
}

impl Tabular for UsageLine {
    fn headers() -> &'static [&'static str] {
        &["GROUP", "REQUESTS", "COST"]
    }
    fn cells(&self) -> Vec<String> {
        let group =
            self.day.clone().or_else(|| self.key_id.clone()).or_else(|| self.project_id.clone()).unwrap_or_default();
        vec![group, self.requests.to_string(), self.cost.to_string()]
    }
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
    let rows: Vec<Vec<String>> = lines.iter().map(Tabular::cells).collect();
    match ctx.output {
        super::OutputFormat::Json => output::list(ctx.output, &lines),
        // CSV headers match the JSON field names, so a script can switch formats freely.
        super::OutputFormat::Csv => {
            let group = match by {
                UsageGroup::Day => "day",
                UsageGroup::Key => "key_id",
                UsageGroup::Project => "project_id",
            };
            output::csv(&[group, "requests", "cost"], &rows)
        }
        super::OutputFormat::Table => {
            let group = match by {
                UsageGroup::Day => "DAY",
                UsageGroup::Key => "KEY",
                UsageGroup::Project => "PROJECT",
            };
            if matches!(by, UsageGroup::Day) {
                // A bar per day, so a spike shows at a glance.
                let bars = bars(&lines.iter().map(|l| l.requests).collect::<Vec<_>>(), BAR_WIDTH, output::colour());
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .zip(bars)
                    .map(|(mut r, b)| {
                        r.push(b);
                        r
                    })
                    .collect();
                return output::table(&[group, "REQUESTS", "COST", ""], &rows);
            }
            output::table(&[group, "REQUESTS", "COST"], &rows)
        }
    }
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
