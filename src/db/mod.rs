//! Storage: the [`Database`] and [`Transaction`] traits every backend implements, the raw
//! row types they move, where a store lives ([`StoreLocation`]) and the storage error
//! ([`DbError`]). Nothing here knows a dialect; the SQLite backend lives in `sqlite/`, the
//! PostgreSQL one in `postgres/`, and `copy` moves rows between any two. Backends deal only in raw rows (clear columns and
//! sealed bytes): they never see a key in clear, never decide a rule, and never keep the
//! freshness ledger's books (that is `store/`'s job, so every backend gets it alike).

mod copy;
mod postgres;
mod sqlite;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Result;

pub use copy::{copy_rows, replace_rows};
pub use postgres::{is_postgres_url, PgDatabase, PgLocation};
pub use sqlite::{check_backup, replace_with, SqliteDatabase};

/// Where a store lives: a file, or a schema of a PostgreSQL database. `Display` never shows
/// a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An SQLite file.
    File(PathBuf),
    /// A schema of a PostgreSQL database.
    Postgres(PgLocation),
}

impl StoreLocation {
    /// A location as users type it: a `postgres://` or `postgresql://` URL, else a path.
    pub fn parse(s: &str) -> Result<StoreLocation> {
        if is_postgres_url(s) {
            Ok(StoreLocation::Postgres(PgLocation::parse(s)?))
        } else {
            Ok(StoreLocation::File(PathBuf::from(s)))
        }
    }

    /// The file, for a file store.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            StoreLocation::File(p) => Some(p),
            StoreLocation::Postgres(_) => None,
        }
    }

    /// The backend's name, as `serve` and `store info` show it.
    pub fn backend(&self) -> &'static str {
        match self {
            StoreLocation::File(_) => "sqlite",
            StoreLocation::Postgres(_) => "postgres",
        }
    }

    /// A stable name for the store, for what this machine keeps about it (the rollback
    /// anchor, the unlock agent's socket): the file's canonical path, or the server, database
    /// and schema (never a password).
    pub fn identity(&self) -> String {
        match self {
            StoreLocation::File(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
            StoreLocation::Postgres(pg) => pg.to_string(),
        }
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(p) => write!(f, "{}", p.display()),
            StoreLocation::Postgres(pg) => write!(f, "{pg}"),
        }
    }
}

impl From<&Path> for StoreLocation {
    fn from(p: &Path) -> Self {
        StoreLocation::File(p.to_path_buf())
    }
}
impl From<PathBuf> for StoreLocation {
    fn from(p: PathBuf) -> Self {
        StoreLocation::File(p)
    }
}
impl From<&PathBuf> for StoreLocation {
    fn from(p: &PathBuf) -> Self {
        StoreLocation::File(p.clone())
    }
}
impl From<&str> for StoreLocation {
    fn from(p: &str) -> Self {
        StoreLocation::File(PathBuf::from(p))
    }
}
impl From<String> for StoreLocation {
    fn from(p: String) -> Self {
        StoreLocation::File(PathBuf::from(p))
    }
}
impl From<&StoreLocation> for StoreLocation {
    fn from(l: &StoreLocation) -> Self {
        l.clone()
    }
}

/// What kind of storage failure happened, for callers that branch on it (an embedding
/// server retries [`DbErrorKind::Busy`], alerts on [`DbErrorKind::DiskFull`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// The store is locked by another writer past the wait, or a transaction lost a
    /// serialization race; running it again may succeed.
    Busy,
    /// The store cannot be written by this user.
    ReadOnly,
    /// The disk (or quota) is full; nothing was changed.
    DiskFull,
    /// Anything else the backend reported.
    Other,
}

/// A storage failure. It keeps the backend's own error as its source.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    kind: DbErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl DbError {
    pub fn new(
        kind: DbErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> DbError {
        DbError { kind, message: message.into(), source: Some(Box::new(source)) }
    }

    pub fn kind(&self) -> DbErrorKind {
        self.kind
    }

    /// Whether running the same transaction again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind == DbErrorKind::Busy
    }
}

/// The tables of sealed records that share one shape: id, parent id, lookup, payload.
/// These name storage only; what a row's seal is bound to is `store::domains`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Orgs,
    Projects,
    Members,
    ServiceAccounts,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Orgs, Table::Projects, Table::Members, Table::ServiceAccounts];
}

/// A sealed record as stored.
#[derive(Debug, Clone)]
pub struct RecordRow {
    pub id: String,
    pub parent: String,
    pub lookup: Vec<u8>,
    pub payload: Vec<u8>,
}

/// An API key as stored.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub org_id: String,
    pub project_id: String,
    pub owner_id: String,
    pub hash: Vec<u8>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub payload: Vec<u8>,
}

/// A key's usage as its listing shows it: all-time uses and last use, and the requests and
/// cost (micro-units) of a range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsageFigures {
    pub uses: i64,
    pub last_at: Option<i64>,
    pub requests: i64,
    pub cost: i64,
}

/// One key's usage on one UTC day.
#[derive(Debug, Clone)]
pub struct UsageRow {
    pub key_id: String,
    pub project_id: String,
    pub day: i64,
    pub requests: i64,
    pub cost: i64,
}

/// An unlock slot: a KDF's name and parameters, and the data key wrapped by what it derives.
#[derive(Debug, Clone)]
pub struct SlotRow {
    pub name: String,
    pub kdf: String,
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub wrapped: Vec<u8>,
}

/// One sealed audit entry and its chain MAC.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub payload: Vec<u8>,
    pub mac: Vec<u8>,
}

/// Which keys a listing returns: those of one org, one project or one owner (by id);
/// evaluated by the backend on the clear columns. (Not a key's `Scope`s.)
#[derive(Debug, Clone, Copy)]
pub enum KeysOf<'a> {
    Org(&'a str),
    Project(&'a str),
    Owner(&'a str),
}

/// How `usage_sums` groups the usage rows: every group keeps its `project_id`, so the
/// caller can tell which org a sum belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageSumsBy {
    /// One sum per key (`key_id`, `project_id`); `day` is 0.
    Key,
    /// One sum per day and project (`day`, `project_id`); `key_id` is empty.
    Day,
    /// One sum per project; `key_id` is empty and `day` 0.
    Project,
}

/// Usage rows summed per `by` group, in group order: what `Transaction::usage_sums` answers.
pub fn sum_usage_rows(rows: Vec<UsageRow>, by: UsageSumsBy) -> Vec<UsageRow> {
    let mut sums: std::collections::BTreeMap<(String, String, i64), (i64, i64)> = Default::default();
    for r in rows {
        let group = match by {
            UsageSumsBy::Key => (r.key_id, r.project_id, 0),
            UsageSumsBy::Day => (String::new(), r.project_id, r.day),
            UsageSumsBy::Project => (String::new(), r.project_id, 0),
        };
        let e = sums.entry(group).or_default();
        e.0 += r.requests;
        e.1 += r.cost;
    }
    sums.into_iter()
        .map(|((key_id, project_id, day), (requests, cost))| UsageRow { key_id, project_id, day, requests, cost })
        .collect()
}

/// What an insert or rename did: the name (the lookup value) may be taken.
#[must_use = "a taken name means nothing was written"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// Another row of the table already has this lookup value; nothing was written.
    NameTaken,
}

impl Written {
    pub fn is_done(self) -> bool {
        self == Written::Done
    }

    /// `Ok` when the row was written; the error `taken` makes when the name was taken.
    pub fn or_taken(self, taken: impl FnOnce() -> crate::Error) -> Result<()> {
        match self {
            Written::Done => Ok(()),
            Written::NameTaken => Err(taken()),
        }
    }
}

/// A transaction body. It may run more than once: a backend that detects a serialization
/// failure rolls back and runs it again, so it must act only through the transaction it is
/// given (or reset what else it touches when it starts).
pub type Body<'b> = dyn FnMut(&dyn Transaction) -> Result<()> + 'b;

/// An open store: transactions, and what only the backend knows about itself.
///
/// # The single-writer contract
/// At most one write transaction runs at a time across every process using the store:
/// [`Database::write`] takes the write lock before the body runs (SQLite: `BEGIN
/// IMMEDIATE` with a busy wait), so the body reads what it will overwrite and no other
/// writer can change it meanwhile; limits counted inside one write are exact. A backend
/// that cannot hold such a lock up front (PostgreSQL under SERIALIZABLE) must detect the
/// conflict at commit, roll back, and run the body again; the body is an `FnMut` for that.
/// Reads see one consistent snapshot and never block a writer.
///
/// `Send`, not `Sync`: a database moves to another thread but is used by one at a time.
pub trait Database: Send {
    /// Runs `body` in one write transaction; commits only if it returns `Ok`.
    fn write(&self, body: &mut Body<'_>) -> Result<()>;

    /// Runs `body` against one consistent snapshot; never writes.
    fn read(&self, body: &mut Body<'_>) -> Result<()>;

    /// The backend's own consistency check; empty when it reports nothing wrong.
    fn quick_check(&self) -> Result<Vec<String>>;

    /// The schema version of the open store.
    fn schema_version(&self) -> Result<u32>;

    /// Where this store lives.
    fn location(&self) -> &StoreLocation;

    /// Bytes the store takes on disk, when the backend can tell.
    fn size_bytes(&self) -> Option<u64>;

    /// Writes a consistent copy of the store, online, into `dest` (an empty file the
    /// caller created 0600).
    fn backup_to(&self, dest: &Path) -> Result<()>;

    /// Folds the WAL into the file and truncates it, so that no overwritten byte (a
    /// removed slot) stays in it.
    fn checkpoint_truncate(&self) -> Result<()>;

    /// Bytes written but not yet checkpointed into the store (SQLite's `-wal` file), if the
    /// backend has such a thing.
    fn wal_bytes(&self) -> Option<u64> {
        None
    }
}

/// Opens an existing store at `location`, upgrading its schema if it is older than this build.
pub fn open(location: &StoreLocation) -> Result<Box<dyn Database>> {
    match location {
        StoreLocation::File(path) => Ok(Box::new(SqliteDatabase::open(path)?)),
        StoreLocation::Postgres(pg) => Ok(Box::new(PgDatabase::open(pg)?)),
    }
}

/// Creates a new, empty store at `location` with the current schema, refusing to touch an
/// existing one.
pub fn create(location: &StoreLocation) -> Result<Box<dyn Database>> {
    match location {
        StoreLocation::File(path) => Ok(Box::new(SqliteDatabase::create(path)?)),
        StoreLocation::Postgres(pg) => Ok(Box::new(PgDatabase::create(pg)?)),
    }
}

/// Removes a store that `init` could not finish (nothing usable was written).
pub fn remove_unfinished(location: &StoreLocation) {
    match location {
        StoreLocation::File(path) => sqlite::remove_files(path),
        StoreLocation::Postgres(pg) => PgDatabase::remove_unfinished(pg),
    }
}

/// Removes a store this process created and could not finish filling (a failed `store
/// copy`), whatever it holds by now.
pub fn discard(location: &StoreLocation) {
    match location {
        StoreLocation::File(path) => sqlite::remove_files(path),
        StoreLocation::Postgres(pg) => PgDatabase::discard(pg),
    }
}

/// Whether something is already at `location`, as far as can be told without connecting
/// (a server's schema is judged by `create`, which refuses one that holds a store).
pub fn exists(location: &StoreLocation) -> bool {
    match location {
        StoreLocation::File(path) => path.exists(),
        StoreLocation::Postgres(_) => false,
    }
}

/// Whether a store is at `location`, asking the server for a PostgreSQL one: what `init`
/// checks before it asks for a passphrase. A server that cannot be reached is an error.
pub fn holds_store(location: &StoreLocation) -> Result<bool> {
    match location {
        StoreLocation::File(path) => Ok(path.exists()),
        StoreLocation::Postgres(pg) => match PgDatabase::open(pg) {
            Ok(_) => Ok(true),
            Err(crate::Error::NoStore(_)) => Ok(false),
            Err(e) => Err(e),
        },
    }
}

/// The plain operations of one transaction: the whole storage surface of keyctl.
/// Writes here record nothing in the freshness ledger; `store::Tx` wraps a transaction
/// and does that for every sealed row.
pub trait Transaction {
    // ---- meta: named values, some sealed (by the store), some clear ---------------------
    fn meta_get(&self, name: &str) -> Result<Option<Vec<u8>>>;
    fn meta_set(&self, name: &str, value: &[u8]) -> Result<()>;
    /// Every meta value, by name (for copying a store).
    fn meta_all(&self) -> Result<Vec<(String, Vec<u8>)>>;

    // ---- unlock slots -------------------------------------------------------------------
    fn slots(&self) -> Result<Vec<SlotRow>>;
    fn slot_put(&self, slot: &SlotRow) -> Result<()>;
    /// `true` when a slot of that name existed.
    fn slot_delete(&self, name: &str) -> Result<bool>;

    // ---- sealed records (orgs, projects, members, service accounts) ----------------------
    fn record_get(&self, table: Table, id: &str) -> Result<Option<RecordRow>>;
    fn record_by_lookup(&self, table: Table, lookup: &[u8]) -> Result<Option<RecordRow>>;
    /// All rows of `table`, or those under one parent, in id order.
    fn records(&self, table: Table, parent: Option<&str>) -> Result<Vec<RecordRow>>;
    fn record_insert(&self, table: Table, row: &RecordRow) -> Result<Written>;
    /// Replaces a record's parent, lookup and payload.
    fn record_update(&self, table: Table, row: &RecordRow) -> Result<Written>;
    /// `true` when the row existed.
    fn record_delete(&self, table: Table, id: &str) -> Result<bool>;

    // ---- the freshness ledger's nodes ----------------------------------------------------
    fn ledger_get(&self, node: i64) -> Result<Option<Vec<u8>>>;
    fn ledger_put(&self, node: i64, body: &[u8]) -> Result<()>;
    fn ledger_delete(&self, node: i64) -> Result<()>;
    /// Drops every ledger node, before the ledger is rebuilt from the rows.
    fn ledger_clear(&self) -> Result<()>;
    /// A hint: these ledger nodes are read next (see [`Transaction::prefetch_keys`]).
    fn prefetch_ledger(&self, _nodes: &[i64]) -> Result<()> {
        Ok(())
    }
    /// Every ledger node, in node order (for copying a store).
    fn ledger_all(&self) -> Result<Vec<(i64, Vec<u8>)>>;

    // ---- API keys -----------------------------------------------------------------------
    fn key_insert(&self, k: &KeyRow) -> Result<()>;
    /// Rewrites a key's authenticated columns and payload (not its hash).
    fn key_update(&self, k: &KeyRow) -> Result<()>;
    fn key_get(&self, id: &str) -> Result<Option<KeyRow>>;
    fn key_by_hash(&self, hash: &[u8]) -> Result<Option<KeyRow>>;
    /// The keys `keys` selects, oldest first.
    fn keys(&self, keys: KeysOf<'_>) -> Result<Vec<KeyRow>>;
    /// Every key, in id order.
    fn all_keys(&self) -> Result<Vec<KeyRow>>;
    /// `true` when the key existed.
    fn key_delete(&self, id: &str) -> Result<bool>;
    /// A hint before a batch of verifies: the keys with these hashes are read next. A
    /// backend whose every statement is a network round trip fetches them in one and
    /// answers `key_by_hash` from what it fetched; it returns the rows found so the caller
    /// can announce the ledger nodes it will read too. Others ignore it.
    fn prefetch_keys(&self, _hashes: &[Vec<u8>]) -> Result<Vec<KeyRow>> {
        Ok(Vec::new())
    }

    // ---- usage and counters ---------------------------------------------------------------
    /// A key's total recorded uses and its last use.
    fn key_use_stats(&self, id: &str) -> Result<(i64, Option<i64>)>;
    /// Records `requests` uses and `cost` for a key on `day`, and its last use `at`.
    fn record_use(&self, key_id: &str, project_id: &str, day: i64, requests: i64, cost: i64, at: i64) -> Result<()>;
    /// The stored window start and value of a counter, if it has a row. A counter counts
    /// for one project or key: `counted_id` (the `scope_id` column in SQLite's schema).
    fn counter_row(&self, counted_id: &str, kind: &str) -> Result<Option<(i64, i64)>>;
    /// Adds `delta` to the counter for the window starting at `window_start`, resetting it
    /// when the stored window is older. A late write for an earlier window is dropped
    /// rather than wiping the current window's count; but a stored window later than
    /// `current` (the window now is in) is stale, not sacred: it is replaced.
    fn counter_add(&self, counted_id: &str, kind: &str, window_start: i64, delta: i64, current: i64) -> Result<()>;
    /// Counters whose window starts after `now`, and usage rows of days after `today`:
    /// left by a clock that ran ahead (or an edit), as (table, counted id, kind, start).
    fn future_windows(&self, now: i64, today: i64) -> Result<Vec<(&'static str, String, String, i64)>>;
    /// Usage rows between two days (inclusive), optionally for one project or key.
    fn usage(
        &self,
        from_day: i64,
        to_day: i64,
        project_id: Option<&str>,
        key_id: Option<&str>,
    ) -> Result<Vec<UsageRow>>;
    /// The usage rows between two days (inclusive), optionally for one project or key,
    /// summed per group (a report's lines, before they are merged per org). A backend may
    /// sum them itself; this default sums `usage`'s rows.
    fn usage_sums(
        &self,
        from_day: i64,
        to_day: i64,
        project_id: Option<&str>,
        key_id: Option<&str>,
        by: UsageSumsBy,
    ) -> Result<Vec<UsageRow>> {
        Ok(sum_usage_rows(self.usage(from_day, to_day, project_id, key_id)?, by))
    }
    /// A key's totals (requests, cost) between two days: its own rows only.
    fn key_usage_total(&self, key_id: &str, from_day: i64, to_day: i64) -> Result<(i64, i64)>;
    /// What a key's listing shows of its usage, in one read of its own rows: its total uses
    /// and last use (`key_use_stats`) and its totals between two days (`key_usage_total`).
    /// A backend may answer it with one query; this default asks both.
    fn key_usage_figures(&self, key_id: &str, from_day: i64, to_day: i64) -> Result<KeyUsageFigures> {
        let (uses, last_at) = self.key_use_stats(key_id)?;
        let (requests, cost) = self.key_usage_total(key_id, from_day, to_day)?;
        Ok(KeyUsageFigures { uses, last_at, requests, cost })
    }
    /// A project's totals (requests, cost) between two days, from its daily totals.
    fn project_usage_total(&self, project_id: &str, from_day: i64, to_day: i64) -> Result<(i64, i64)>;
    /// Adds to a project's daily total; the caller records the keys' rows (`record_use`)
    /// in the same transaction, and this with their sums.
    fn record_project_use(&self, project_id: &str, day: i64, requests: i64, cost: i64) -> Result<()>;
    /// Totals (requests, cost) between two days for a project or a key, summed from the
    /// per-key rows, each through the index that leads with its filter.
    fn usage_total(
        &self,
        from_day: i64,
        to_day: i64,
        project_id: Option<&str>,
        key_id: Option<&str>,
    ) -> Result<(i64, i64)>;
    /// Drops the rate-limit counters of a key or project that no longer exists.
    fn delete_counters(&self, counted_id: &str) -> Result<()>;
    /// Every counter as (counted id, kind, window start, value) (for copying a store).
    fn counters_all(&self) -> Result<Vec<(String, String, i64, i64)>>;
    /// Every project-day total as (project, day, requests, cost) (for copying a store).
    fn project_usage_all(&self) -> Result<Vec<(String, i64, i64, i64)>>;
    /// Every usage row with its last use (for copying a store).
    fn usage_all(&self) -> Result<Vec<(UsageRow, i64)>>;

    // ---- audit --------------------------------------------------------------------------
    fn audit_append(&self, row: &AuditRow) -> Result<()>;
    fn audit_since(&self, since: Option<i64>) -> Result<Vec<AuditRow>>;
    /// The last audit entry's sequence number (0 for an empty log).
    fn audit_last_seq(&self) -> Result<i64>;
    /// Replaces an audit entry's sealed content and MAC (re-sealing under a new key).
    fn audit_replace(&self, row: &AuditRow) -> Result<()>;

    // ---- the whole store ----------------------------------------------------------------
    /// Deletes every row (the schema stays, and so does the store's format marker), before
    /// a restore writes the backup's rows in the same transaction.
    fn clear_all(&self) -> Result<()>;
}
