//! Verifying presented keys: format and checksum before any lookup, then one indexed
//! lookup by HMAC, authentication of the row, and the checks of spec section 5 in order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::Serialize;

use super::keys::OpenedKey;
use super::Tx;
use super::{OwnerView, ProjectRecord, Store};
use crate::crypto::{ApiKey, SecretString};
use crate::db::Table;
use crate::domain::{from_unix, Amount, Permission, ProjectStatus, Refill, Scope};
use crate::error::{Error, Result};

/// Why a key was accepted or refused (spec section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    Valid,
    Malformed,
    NotFound,
    Revoked,
    Expired,
    Disabled,
    ProjectArchived,
    OwnerRemoved,
    IpNotAllowed,
    UsageExceeded,
    RateLimited,
    BudgetExceeded,
    InsufficientPermissions,
}

impl VerifyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::Malformed => "MALFORMED",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::Disabled => "DISABLED",
            VerifyCode::ProjectArchived => "PROJECT_ARCHIVED",
            VerifyCode::OwnerRemoved => "OWNER_REMOVED",
            VerifyCode::IpNotAllowed => "IP_NOT_ALLOWED",
            VerifyCode::UsageExceeded => "USAGE_EXCEEDED",
            VerifyCode::RateLimited => "RATE_LIMITED",
            VerifyCode::BudgetExceeded => "BUDGET_EXCEEDED",
            VerifyCode::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
        }
    }
}

/// One key to check, and what the caller needs it to allow.
pub struct VerifyRequest {
    key: SecretString,
    require: Vec<Scope>,
    record: bool,
    client_ip: Option<IpAddr>,
    cost: Amount,
}

impl VerifyRequest {
    pub fn new(key: impl Into<SecretString>) -> VerifyRequest {
        VerifyRequest { key: key.into(), require: Vec::new(), record: true, client_ip: None, cost: Amount::ZERO }
    }

    /// Adds a scope the key's effective permission must allow.
    pub fn require(mut self, scope: Scope) -> VerifyRequest {
        self.require.push(scope);
        self
    }

    pub fn require_all(mut self, scopes: &[Scope]) -> VerifyRequest {
        self.require.extend_from_slice(scopes);
        self
    }

    /// The caller's address, checked against the key's IP allowlist.
    pub fn client_ip(mut self, ip: Option<IpAddr>) -> VerifyRequest {
        self.client_ip = ip;
        self
    }

    /// What this request costs, counted toward the project's monthly budget.
    pub fn cost(mut self, cost: Amount) -> VerifyRequest {
        self.cost = cost;
        self
    }

    /// Checks without counting the use (no usage, limits or `last_used_at` update).
    pub fn no_record(mut self) -> VerifyRequest {
        self.record = false;
        self
    }
}

/// The tightest rate limit that applied: its size, what is left, and when it resets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset: DateTime<Utc>,
}

/// What a verify found out about a key it could identify.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedKey {
    pub key_id: String,
    pub org_id: String,
    pub project_id: String,
    pub owner: OwnerView,
    /// The effective permission: the lower of the key's and its owner's current role.
    pub permission: Option<Permission>,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub ratelimit: Option<RateLimit>,
    pub name: Option<String>,
    /// The user's own metadata and external id (spec section 5).
    pub meta: BTreeMap<String, String>,
    pub external_id: Option<String>,
    /// Uses left after this one (in this UTC day or month for a refilling key); only for
    /// keys with max uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    pub valid: bool,
    pub code: VerifyCode,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub key: Option<VerifiedKey>,
}

impl VerifyOutcome {
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    fn rejected(code: VerifyCode) -> VerifyOutcome {
        VerifyOutcome { valid: false, code, key: None }
    }
}

/// Windows of the fixed-window counters, all in UTC.
#[derive(Debug, Clone, Copy)]
struct Windows {
    now: i64,
    minute: i64,
    day: i64,
    month: i64,
}

impl Windows {
    fn at(now: i64) -> Windows {
        let t = from_unix(now);
        let month_start = |y: i32, m: u32| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().map_or(0, |d| d.timestamp());
        Windows {
            now,
            minute: now - now.rem_euclid(60),
            day: now - now.rem_euclid(86_400),
            month: month_start(t.year(), t.month()),
        }
    }

    fn day_number(&self) -> i64 {
        self.day.div_euclid(86_400)
    }

    /// The number of the last day of this month.
    fn month_end_day(&self) -> i64 {
        let t = from_unix(self.month);
        let (y, m) = if t.month() == 12 { (t.year() + 1, 1) } else { (t.year(), t.month() + 1) };
        let next = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().map_or(self.month + 31 * 86_400, |d| d.timestamp());
        next.div_euclid(86_400) - 1
    }

    /// The start of the window of `kind` that now lies in.
    fn current(&self, kind: &str) -> i64 {
        match kind {
            MINUTE => self.minute,
            DAY | USES_DAY => self.day,
            _ => self.month,
        }
    }
}

const MINUTE: &str = "minute";
const DAY: &str = "day";
const MONTH_COST: &str = "month_cost";
/// Uses of a refilling key in its current UTC day or month.
const USES_DAY: &str = "uses_day";
const USES_MONTH: &str = "uses_month";

/// Uses of a refilling key in its current period as verify counts them: the period's
/// counter, or, when it has none for this period yet, the uses recorded in the period.
pub(super) fn refill_used(tx: &Tx<'_>, key_id: &str, refill: Refill, now: i64) -> Result<i64> {
    let (kind, start) = refill_window(refill, now);
    if let Some((s, v)) = tx.counter_row(key_id, kind)? {
        if s == start {
            return Ok(v);
        }
    }
    let (_, end) = refill.period(from_unix(now));
    Ok(tx.usage_total(start.div_euclid(86_400), (end - 1).div_euclid(86_400), None, Some(key_id))?.0)
}

/// The counter that holds a refilling key's uses at `now`: its kind and window start.
fn refill_window(refill: Refill, now: i64) -> (&'static str, i64) {
    let kind = match refill {
        Refill::Daily => USES_DAY,
        Refill::Monthly => USES_MONTH,
    };
    (kind, refill.period(from_unix(now)).0)
}

/// Uses waiting to be written by a batched verifier. Ordered maps: a flush then walks each
/// B-tree in key order instead of jumping between pages.
#[derive(Debug, Default)]
struct Pending {
    /// (key id, day number) → (project id, requests, cost, last use)
    uses: BTreeMap<(String, i64), (String, i64, i64, i64)>,
    /// (counted id, kind, window start) → delta
    counters: BTreeMap<(String, &'static str, i64), i64>,
    /// Every key and project with something pending.
    touched: HashSet<String>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.uses.is_empty() && self.counters.is_empty()
    }

    fn len(&self) -> usize {
        self.uses.len() + self.counters.len()
    }

    /// One use: its usage row and its counters.
    fn add_use(&mut self, key: &OpenedKey, w: &Windows, cost: i64) {
        self.add_usage(key, w, cost);
        for (counted, kind, start, delta) in use_counters(key, w, cost) {
            *self.counters.entry((counted, kind, start)).or_insert(0) += delta;
        }
        if !self.touched.contains(&key.row.project_id) {
            self.touched.insert(key.row.project_id.clone());
        }
    }

    /// One use's usage row only (requests, cost, last use): what reports read.
    fn add_usage(&mut self, key: &OpenedKey, w: &Windows, cost: i64) {
        let e = self
            .uses
            .entry((key.row.id.clone(), w.day_number()))
            .or_insert_with(|| (key.row.project_id.clone(), 0, 0, 0));
        e.1 += 1;
        e.2 += cost;
        e.3 = e.3.max(w.now);
        if !self.touched.contains(&key.row.id) {
            self.touched.insert(key.row.id.clone());
        }
    }

    /// Whether anything pending counts toward this limited key's checks: its project's
    /// counters, or (for a key with max uses) its own uses.
    fn touches(&self, key: &OpenedKey) -> bool {
        self.touched.contains(&key.row.project_id)
            || (key.record.limits.max_uses.is_some() && self.touched.contains(&key.row.id))
    }

    /// Writes every pending use, and each project's daily total; `now` tells a stale future
    /// window from the current one. By reference: a transaction that is rolled back and run
    /// again writes the same uses again.
    fn apply(&self, tx: &Tx<'_>, now: &Windows) -> Result<()> {
        let mut projects: BTreeMap<(&str, i64), (i64, i64)> = BTreeMap::new();
        for ((key_id, day), (project_id, requests, cost, at)) in &self.uses {
            tx.record_use(key_id, project_id, *day, *requests, *cost, *at)?;
            let e = projects.entry((project_id.as_str(), *day)).or_insert((0, 0));
            e.0 += requests;
            e.1 += cost;
        }
        for ((project_id, day), (requests, cost)) in projects {
            tx.record_project_use(project_id, day, requests, cost)?;
        }
        for ((counted, kind, start), delta) in &self.counters {
            tx.counter_add(counted, kind, *start, *delta, now.current(kind))?;
        }
        Ok(())
    }

    /// Adds `other`'s uses to these.
    fn merge(&mut self, other: Pending) {
        for (k, (project_id, requests, cost, at)) in other.uses {
            let e = self.uses.entry(k).or_insert_with(|| (project_id, 0, 0, 0));
            e.1 += requests;
            e.2 += cost;
            e.3 = e.3.max(at);
        }
        for (k, delta) in other.counters {
            *self.counters.entry(k).or_insert(0) += delta;
        }
        self.touched.extend(other.touched);
    }
}

/// What one write transaction of verifies shares: its time windows, the verifier's pending
/// uses (keys without limits), and the limit counters.
///
/// The transaction body may run more than once (see `Store::write`), so it never changes
/// the verifier: it reads the verifier's pending uses (`base`), and what it would change
/// (`base` written out, uses `added`) is applied to the verifier only after the commit.
struct BatchState<'p> {
    w: Windows,
    base: &'p Pending,
    /// `base` was written in this transaction.
    base_written: bool,
    /// Uses of keys without limits this transaction adds to the verifier's pending uses.
    added: Pending,
    counts: TxCounts,
}

impl BatchState<'_> {
    /// Whether anything pending, from before or from this transaction, counts toward `key`.
    fn touches(&self, key: &OpenedKey) -> bool {
        (!self.base_written && self.base.touches(key)) || self.added.touches(key)
    }

    /// Writes every pending use now.
    fn write_pending(&mut self, tx: &Tx<'_>) -> Result<()> {
        if !self.base_written {
            self.base.apply(tx, &self.w)?;
            self.base_written = true;
        }
        std::mem::take(&mut self.added).apply(tx, &self.w)
    }
}

/// Limit counters and use totals as one write transaction sees them: read once from the
/// store, then kept up to date in memory as requests are counted; the increments are
/// written before the transaction commits. Exact, because the write lock is held all along.
#[derive(Default)]
struct TxCounts {
    counters: HashMap<(String, &'static str, i64), i64>,
    uses: HashMap<String, i64>,
    writes: Pending,
}

impl TxCounts {
    /// The counter's value in the current window `start`. A day or month counter that is
    /// not in the current window (missing, older, or stale in the future) starts again from
    /// the usage recorded this day or month (a project's requests or cost, a refilling
    /// key's uses), written at once, so a limit holds against the recorded usage whatever
    /// became of its counter. Minute counters have no such record and start from zero.
    fn counter(&mut self, tx: &Tx<'_>, counted: &str, kind: &'static str, start: i64) -> Result<i64> {
        let k = (counted.to_owned(), kind, start);
        if let Some(v) = self.counters.get(&k) {
            return Ok(*v);
        }
        let v = match tx.counter_row(counted, kind)? {
            Some((s, v)) if s == start => v,
            _ if !matches!(kind, DAY | MONTH_COST | USES_DAY | USES_MONTH) => 0,
            _ => {
                let first = start.div_euclid(86_400);
                let last = if matches!(kind, DAY | USES_DAY) { first } else { Windows::at(start).month_end_day() };
                let (project, key) =
                    if matches!(kind, USES_DAY | USES_MONTH) { (None, Some(counted)) } else { (Some(counted), None) };
                let (requests, cost) = tx.usage_total(first, last, project, key)?;
                let v = if kind == MONTH_COST { cost } else { requests };
                tx.counter_add(counted, kind, start, v, start)?;
                v
            }
        };
        self.counters.insert(k, v);
        Ok(v)
    }

    fn uses(&mut self, tx: &Tx<'_>, key_id: &str) -> Result<i64> {
        if let Some(v) = self.uses.get(key_id) {
            return Ok(*v);
        }
        let v = tx.key_use_stats(key_id)?.0;
        self.uses.insert(key_id.to_owned(), v);
        Ok(v)
    }

    /// Counts one use of a limited key: its counters now, in memory and before commit. Its
    /// usage row too when the key has max uses (other processes must see it); otherwise the
    /// usage row is only for reports and joins `pending`.
    fn record(&mut self, tx: &Tx<'_>, key: &OpenedKey, w: &Windows, cost: i64, pending: &mut Pending) -> Result<()> {
        for (counted, kind, start, delta) in use_counters(key, w, cost) {
            self.counter(tx, &counted, kind, start)?;
            let k = (counted, kind, start);
            if let Some(v) = self.counters.get_mut(&k) {
                *v += delta;
            }
            *self.writes.counters.entry(k).or_insert(0) += delta;
        }
        if key.record.limits.max_uses.is_some() {
            self.uses(tx, &key.row.id)?;
            if let Some(v) = self.uses.get_mut(&key.row.id) {
                *v += 1;
            }
            self.writes.add_usage(key, w, cost);
        } else {
            pending.add_usage(key, w, cost);
        }
        Ok(())
    }
}

/// The counters one valid, recorded verify adds to.
fn use_counters(key: &OpenedKey, w: &Windows, cost: i64) -> Vec<(String, &'static str, i64, i64)> {
    let p = &key.row.project_id;
    let mut out = vec![(p.clone(), MINUTE, w.minute, 1), (p.clone(), DAY, w.day, 1)];
    if cost > 0 {
        out.push((p.clone(), MONTH_COST, w.month, cost));
    }
    if key.record.limits.rpm.is_some() {
        out.push((key.row.id.clone(), MINUTE, w.minute, 1));
    }
    if let (Some(_), Some(refill)) = (key.record.limits.max_uses, key.record.limits.refill) {
        let (kind, start) = refill_window(refill, w.now);
        out.push((key.row.id.clone(), kind, start, 1));
    }
    out
}

/// Checks keys against one unlocked store.
///
/// Keys without limits (and in projects without limits) are checked in a read
/// transaction; with [`Store::batched_verifier`] their uses are written in batches, about
/// a second late at most and all of them by [`Verifier::flush`] or drop. Keys with any limit are
/// checked and counted in one write transaction each, so limits are exact across
/// processes.
pub struct Verifier<'a> {
    store: &'a Store,
    writes: UseWrites,
    pending: Pending,
    last_flush: Instant,
}

/// When a verifier writes the uses of unlimited keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UseWrites {
    /// After every `verify` call.
    EachCall,
    /// In batches: when [`FLUSH_AT`] uses are waiting or [`FLUSH_EVERY`] has passed.
    Batched,
}

/// How late a batched verifier may write uses: larger batches rewrite fewer pages per use.
const FLUSH_EVERY: StdDuration = StdDuration::from_secs(1);
const FLUSH_AT: usize = 65_536;

impl Store {
    /// A verifier that records each use as it happens.
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier { store: self, writes: UseWrites::EachCall, pending: Pending::default(), last_flush: Instant::now() }
    }

    /// A verifier for long-running streams: uses of unlimited keys are recorded in batches,
    /// written by the first `verify` a second or more after the last write, by
    /// [`Verifier::flush`] (call it when idle) and on drop.
    pub fn batched_verifier(&self) -> Verifier<'_> {
        Verifier { store: self, writes: UseWrites::Batched, pending: Pending::default(), last_flush: Instant::now() }
    }
}

/// Everything decided about a key before its limits are counted.
struct Assessment {
    key: OpenedKey,
    /// `None` only for a revoked key whose project was deleted.
    project: Option<std::sync::Arc<ProjectRecord>>,
    verdict: VerifiedKey,
    /// A refusal found before limits (revoked, expired, archived, owner, IP).
    early: Option<VerifyCode>,
    effective: Option<Permission>,
}

impl Assessment {
    fn limited(&self) -> bool {
        let k = &self.key.record.limits;
        let p = self.project_limits();
        k.rpm.is_some() || k.max_uses.is_some() || p.rpm.is_some() || p.rpd.is_some() || p.monthly_budget.is_some()
    }

    fn project_limits(&self) -> super::ProjectLimits {
        self.project.as_ref().map(|p| p.limits.clone()).unwrap_or_default()
    }

    fn scopes_ok(&self, req: &VerifyRequest) -> bool {
        self.effective.is_some_and(|e| req.require.iter().all(|r| Scope::permits(e, &self.verdict.scopes, r)))
    }

    fn outcome(self, code: VerifyCode) -> VerifyOutcome {
        VerifyOutcome { valid: code == VerifyCode::Valid, code, key: Some(self.verdict) }
    }
}

impl Verifier<'_> {
    /// Verifies one key. `Ok` carries the verdict, valid or not; `Err` means the store
    /// itself failed (an integrity error for a tampered row: never a valid verdict).
    pub fn verify(&mut self, req: &VerifyRequest) -> Result<VerifyOutcome> {
        let store = self.store;
        let Some(key) = ApiKey::parse(req.key.expose_secret().trim()) else {
            return Ok(VerifyOutcome::rejected(VerifyCode::Malformed));
        };
        let hash = store.keys().key_hash(key.expose_secret());
        let w = Windows::at(store.now().timestamp());
        let assessed = store.read(|tx| store.assess(tx, &key, &hash, req, &w))?;
        let a = match assessed {
            Err(code) => return Ok(VerifyOutcome::rejected(code)),
            Ok(a) => a,
        };
        if let Some(code) = a.early {
            return Ok(a.outcome(code));
        }
        if a.limited() {
            // Check and count in one write transaction: exact across processes.
            return self
                .verify_batch(std::slice::from_ref(req))?
                .pop()
                .unwrap_or(Ok(VerifyOutcome::rejected(VerifyCode::NotFound)));
        }
        if !a.scopes_ok(req) {
            return Ok(a.outcome(VerifyCode::InsufficientPermissions));
        }
        if req.record {
            self.pending.add_use(&a.key, &w, req.cost.micros());
            self.flush_if_due()?;
        }
        Ok(a.outcome(VerifyCode::Valid))
    }

    /// Verifies several requests in one write transaction (group commit): limits stay
    /// exact, because every check and count happens under the one write lock (pending uses
    /// are written first, so the counters read are complete), and the per-transaction cost
    /// is shared. An integrity failure answers its own request only.
    pub fn verify_batch(&mut self, reqs: &[VerifyRequest]) -> Result<Vec<Result<VerifyOutcome>>> {
        let store = self.store;
        let base = &self.pending;
        let (out, base_written, added) = store.write(|tx| {
            let mut st = BatchState {
                w: Windows::at(store.now().timestamp()),
                base,
                base_written: false,
                added: Pending::default(),
                counts: TxCounts::default(),
            };
            let mut out = Vec::with_capacity(reqs.len());
            // One round trip for every key of the batch, and one for their ledger nodes, on a
            // backend where each read is one (PostgreSQL); nothing on SQLite.
            if reqs.len() > 1 {
                let hashes: Vec<Vec<u8>> = reqs
                    .iter()
                    .filter_map(|r| ApiKey::parse(r.key.expose_secret().trim()))
                    .map(|k| store.keys().key_hash(k.expose_secret()).to_vec())
                    .collect();
                let rows = tx.prefetch_keys(&hashes)?;
                let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                store.prefetch_fresh(tx, "api_keys", &ids)?;
            }
            for req in reqs {
                let Some(key) = ApiKey::parse(req.key.expose_secret().trim()) else {
                    out.push(Ok(VerifyOutcome::rejected(VerifyCode::Malformed)));
                    continue;
                };
                let hash = store.keys().key_hash(key.expose_secret());
                match decide(store, tx, &key, &hash, req, &mut st) {
                    Ok(outcome) => out.push(Ok(outcome)),
                    Err(e @ Error::Integrity(_)) => out.push(Err(e)),
                    Err(e) => return Err(e),
                }
            }
            st.counts.writes.apply(tx, &st.w)?;
            Ok((out, st.base_written, st.added))
        })?;
        if base_written {
            self.pending = added;
        } else {
            self.pending.merge(added);
        }
        self.flush_if_due()?;
        Ok(out)
    }

    /// Flushes now for an unbatched verifier, or when the batch is big or old enough.
    fn flush_if_due(&mut self) -> Result<()> {
        if self.writes == UseWrites::EachCall
            || self.pending.len() >= FLUSH_AT
            || self.last_flush.elapsed() >= FLUSH_EVERY
        {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every pending use in one transaction.
    pub fn flush(&mut self) -> Result<()> {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let now = Windows::at(self.store.now().timestamp());
        self.store.write(|tx| pending.apply(tx, &now))
    }
}

/// Decides one request inside a write transaction: every check, and the limits counted
/// exactly. Uses of keys without limits go to `batch` (the verifier's pending uses).
fn decide(
    store: &Store,
    tx: &Tx<'_>,
    key: &ApiKey,
    hash: &[u8],
    req: &VerifyRequest,
    st: &mut BatchState<'_>,
) -> Result<VerifyOutcome> {
    let w = &st.w.clone();
    let mut a = match store.assess(tx, key, hash, req, w)? {
        Err(code) => return Ok(VerifyOutcome::rejected(code)),
        Ok(a) => a,
    };
    if let Some(code) = a.early {
        return Ok(a.outcome(code));
    }
    if a.limited() && st.touches(&a.key) {
        // Uses batched while this key or project had no limit must count now.
        st.write_pending(tx)?;
    }
    let limits = a.key.record.limits.clone();
    if let Some(max) = limits.max_uses {
        // A refilling key counts this day's or month's uses; any other, every use.
        let used = match limits.refill {
            Some(refill) => {
                let (kind, start) = refill_window(refill, w.now);
                st.counts.counter(tx, &a.key.row.id, kind, start)?
            }
            None => st.counts.uses(tx, &a.key.row.id)?,
        }
        .max(0) as u64;
        if used >= max {
            a.verdict.remaining = Some(0);
            return Ok(a.outcome(VerifyCode::UsageExceeded));
        }
        a.verdict.remaining = Some(max - used - u64::from(req.record));
    }
    let p = a.key.row.project_id.clone();
    let project_limits = a.project_limits();
    let checks = [
        (limits.rpm, a.key.row.id.clone(), MINUTE, w.minute, w.minute + 60),
        (project_limits.rpm, p.clone(), MINUTE, w.minute, w.minute + 60),
        (project_limits.rpd, p.clone(), DAY, w.day, w.day + 86_400),
    ];
    let mut tightest: Option<RateLimit> = None;
    let mut limited = false;
    for (limit, counted, kind, start, reset) in checks {
        let Some(limit) = limit else { continue };
        let used = st.counts.counter(tx, &counted, kind, start)?.max(0) as u64;
        if used >= limit {
            limited = true;
        }
        let after = if req.record { used + 1 } else { used };
        let remaining = limit.saturating_sub(after);
        if tightest.as_ref().is_none_or(|t| remaining < t.remaining) {
            tightest = Some(RateLimit { limit, remaining, reset: from_unix(reset) });
        }
    }
    if limited {
        if let Some(t) = tightest.as_mut() {
            t.remaining = 0;
        }
        a.verdict.ratelimit = tightest;
        return Ok(a.outcome(VerifyCode::RateLimited));
    }
    a.verdict.ratelimit = tightest;
    if let Some(budget) = project_limits.monthly_budget {
        let spent = st.counts.counter(tx, &p, MONTH_COST, w.month)?;
        if spent.saturating_add(req.cost.micros()) > budget.micros() {
            return Ok(a.outcome(VerifyCode::BudgetExceeded));
        }
    }
    if !a.scopes_ok(req) {
        return Ok(a.outcome(VerifyCode::InsufficientPermissions));
    }
    if req.record {
        if a.limited() {
            // Counted at once for later requests of this transaction, written before it
            // commits.
            st.counts.record(tx, &a.key, w, req.cost.micros(), &mut st.added)?;
        } else {
            st.added.add_use(&a.key, w, req.cost.micros());
        }
    }
    Ok(a.outcome(VerifyCode::Valid))
}

impl Store {
    /// Looks a key up and runs every check that needs no counter. `Ok(Err(code))` is a
    /// refusal before the key is known (not found).
    fn assess(
        &self,
        tx: &Tx<'_>,
        key: &ApiKey,
        hash: &[u8],
        req: &VerifyRequest,
        w: &Windows,
    ) -> Result<std::result::Result<Assessment, VerifyCode>> {
        let Some(row) = tx.key_by_hash(hash)? else { return Ok(Err(VerifyCode::NotFound)) };
        // The index found the row by equality; confirm in constant time all the same.
        if !self.keys().key_hash_matches(key.expose_secret(), &row.hash) {
            return Ok(Err(VerifyCode::NotFound));
        }
        let opened = self.open_key(tx, &row)?;
        let now = w.now;
        let revoked = row.revoked_at.is_some_and(|t| t <= now);
        let project: Option<std::sync::Arc<ProjectRecord>> = match self
            .cached_record::<ProjectRecord>(tx, Table::Projects, &row.project_id)?
            .filter(|(parent, _)| *parent == row.org_id)
        {
            Some((_, p)) => Some(p),
            // Deleting a project revokes its keys, which stay behind until pruned.
            None if revoked => None,
            None => {
                return Err(Error::integrity(format!("api_keys row {} names a project that does not exist", row.id)))
            }
        };
        let role = self.principal_role(tx, &opened.record.owner, &row.project_id)?;
        let owner_name = match &role {
            Some((_, name)) => name.clone(),
            None => self.principal_name(tx, &opened.record.owner)?,
        };
        let access = role.as_ref().map(|(r, _)| Scope::effective(opened.record.permission, &opened.record.scopes, *r));
        let (effective, scopes) = match access {
            Some((p, s)) => (Some(p), s),
            None => (None, Vec::new()),
        };
        let early = if revoked {
            Some(VerifyCode::Revoked)
        } else if row.expires_at.is_some_and(|t| t <= now) {
            Some(VerifyCode::Expired)
        } else if opened.record.disabled.is_some() {
            Some(VerifyCode::Disabled)
        } else if project.as_ref().is_some_and(|p| p.state.status() == ProjectStatus::Archived) {
            Some(VerifyCode::ProjectArchived)
        } else if effective.is_none() {
            Some(VerifyCode::OwnerRemoved)
        } else if !opened.record.limits.allow_ip.is_empty()
            && !req.client_ip.is_some_and(|ip| opened.record.limits.allow_ip.iter().any(|c| c.contains(ip)))
        {
            Some(VerifyCode::IpNotAllowed)
        } else {
            None
        };
        let verdict = VerifiedKey {
            key_id: row.id.clone(),
            org_id: row.org_id.clone(),
            project_id: row.project_id.clone(),
            owner: OwnerView {
                kind: opened.record.owner.type_str(),
                id: opened.record.owner.id().to_owned(),
                name: owner_name,
            },
            permission: effective,
            scopes,
            expires_at: row.expires_at.map(from_unix),
            ratelimit: None,
            name: opened.record.name.clone(),
            meta: opened.record.meta.clone(),
            external_id: opened.record.external_id.clone(),
            remaining: None,
        };
        Ok(Ok(Assessment { key: opened, project, verdict, early, effective }))
    }
}

impl Drop for Verifier<'_> {
    fn drop(&mut self) {
        // Best effort: callers that must know use `flush()` and see its error.
        let _ = self.flush();
    }
}
