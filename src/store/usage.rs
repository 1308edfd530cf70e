//! Limits and usage: project limits, monthly totals and the usage report.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde_json::json;

use super::Tx;
use super::{MonthUsage, Project, ProjectLimits, Store, UsageLine};
use crate::db::UsageSumsBy;
use crate::domain::{Amount, Duration};
use crate::error::{Error, Result};

/// What `project limits` changes; `None` leaves a limit as it is, `Some(0)` removes it.
#[derive(Debug, Clone, Default)]
pub struct LimitsUpdate {
    pub rpm: Option<u64>,
    pub rpd: Option<u64>,
    pub monthly_budget: Option<Amount>,
    pub max_ttl: Option<Duration>,
    /// Remove every limit first.
    pub clear: bool,
}

impl LimitsUpdate {
    pub fn is_empty(&self) -> bool {
        !self.clear
            && self.rpm.is_none()
            && self.rpd.is_none()
            && self.monthly_budget.is_none()
            && self.max_ttl.is_none()
    }
}

/// How `usage` groups its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGroup {
    Day,
    Key,
    Project,
}

/// What `usage` reports on.
#[derive(Debug, Clone)]
pub struct UsageQuery {
    pub project: Option<String>,
    pub key: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub by: UsageGroup,
}

fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).single().unwrap_or(now)
}

fn day_number(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(86_400)
}

impl Store {
    pub fn set_project_limits(&self, org_id: &str, project: &str, update: &LimitsUpdate) -> Result<Project> {
        self.write(|tx| {
            let (row, mut record) = self.find_project_record(tx, org_id, project)?;
            let l = &mut record.limits;
            if update.clear {
                *l = ProjectLimits::default();
            }
            if let Some(n) = update.rpm {
                l.rpm = super::no_limit_at_zero(Some(n));
            }
            if let Some(n) = update.rpd {
                l.rpd = super::no_limit_at_zero(Some(n));
            }
            if let Some(b) = update.monthly_budget {
                l.monthly_budget = Some(b).filter(|b| b.micros() > 0);
            }
            if let Some(d) = update.max_ttl {
                l.max_ttl = Some(d).filter(|d| d.seconds() > 0);
            }
            let sealed = self.seal_record(crate::db::Table::Projects, &row.id, org_id, &row.lookup, &record)?;
            tx.record_update(crate::db::Table::Projects, &sealed)?
                .or_taken(|| Error::conflict(format!("a project named {:?} already exists", record.name)))?;
            self.audit(tx, "project.limits_changed", Some(&row.id), Some(&row.id), json!(record.limits))?;
            self.project_view(tx, &row.id, org_id, record)
        })
    }

    /// This month's totals for one project: a bounded read of its daily totals, whatever
    /// the size of the usage history. (A key's month comes with its listing's other
    /// figures, `key_usage_figures`.)
    pub(crate) fn project_month_usage(
        &self,
        tx: &Tx<'_>,
        project_id: &str,
        budget: Option<Amount>,
    ) -> Result<MonthUsage> {
        let (from, to) = self.month_days();
        let (requests, cost) = tx.project_usage_total(project_id, from, to)?;
        Ok(MonthUsage::new(requests, cost, budget))
    }

    /// This month's days so far (UTC day numbers, both ends included).
    pub(crate) fn month_days(&self) -> (i64, i64) {
        let now = self.now();
        (day_number(month_start(now)), day_number(now))
    }

    /// Requests and cost between two times (whole UTC days), grouped by day, key or project.
    pub fn usage_report(&self, org_id: &str, q: &UsageQuery) -> Result<Vec<UsageLine>> {
        let now = self.now();
        let since = q.since.unwrap_or_else(|| month_start(now));
        let until = q.until.unwrap_or(now);
        if until < since {
            return Err(Error::invalid("--until is before --since"));
        }
        self.read(|tx| {
            let project_id = q.project.as_deref().map(|p| self.find_project(tx, org_id, p)).transpose()?.map(|p| p.id);
            let key_id = q.key.as_deref().map(|k| self.find_key(tx, org_id, k)).transpose()?.map(|k| k.row.id);
            let org_projects: std::collections::HashSet<String> =
                self.projects_in(tx, org_id)?.into_iter().map(|p| p.id).collect();
            let by = match q.by {
                UsageGroup::Day => UsageSumsBy::Day,
                UsageGroup::Key => UsageSumsBy::Key,
                UsageGroup::Project => UsageSumsBy::Project,
            };
            let sums =
                tx.usage_sums(day_number(since), day_number(until), project_id.as_deref(), key_id.as_deref(), by)?;
            let mut groups: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
            for row in sums {
                if project_id.is_none() && !org_projects.contains(&row.project_id) {
                    continue;
                }
                let group = match q.by {
                    UsageGroup::Day => {
                        crate::domain::format_time(crate::domain::from_unix(row.day * 86_400))[..10].to_owned()
                    }
                    UsageGroup::Key => row.key_id,
                    UsageGroup::Project => row.project_id,
                };
                let e = groups.entry(group).or_insert((0, 0));
                e.0 += row.requests;
                e.1 += row.cost;
            }
            Ok(groups
                .into_iter()
                .map(|(g, (requests, cost))| {
                    let (day, key_id, project_id) = match q.by {
                        UsageGroup::Day => (Some(g), None, None),
                        UsageGroup::Key => (None, Some(g), None),
                        UsageGroup::Project => (None, None, Some(g)),
                    };
                    UsageLine { day, key_id, project_id, requests, cost: Amount::from_micros(cost) }
                })
                .collect())
        })
    }
}
