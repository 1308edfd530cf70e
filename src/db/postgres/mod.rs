//! The PostgreSQL backend: one store per schema of a shared database, driven from any
//! number of hosts. It deals only in raw rows, as the SQLite backend does: the server sees
//! what the SQLite file shows (ids, hashes, blind indexes, sealed payloads, counters), never
//! a name, an email, a scope or a key.
//!
//! # Concurrency
//! Every write transaction takes one store-wide lock first (`LOCK TABLE meta IN EXCLUSIVE
//! MODE`, which blocks only other writers: plain reads take no conflicting lock), then runs
//! under READ COMMITTED, so each statement sees every write committed before the lock was
//! granted. Writers therefore run one after another, as on SQLite (the single-writer
//! contract of [`Database`]): a limit counted inside one write is exact across hosts, and
//! the ledger and audit heads, which every write moves, never fork. Serializable isolation
//! was the alternative, but every keyctl write updates the same rows (the generation, the
//! ledger root, the audit head), so concurrent writers would conflict on every commit and
//! spend their time retrying. A failure PostgreSQL asks to retry (serialization failure,
//! deadlock, lock timeout) rolls back and runs the body again, a bounded number of times.
//! Reads run in one REPEATABLE READ, READ ONLY snapshot and never wait for a writer.

mod config;
mod schema;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, IsolationLevel, Row, Statement};

pub use config::{is_postgres_url, PgLocation, SslMode};

use super::{
    AuditRow, Body, Database, DbError, DbErrorKind, KeyRow, KeysOf, RecordRow, SlotRow, StoreLocation, Table,
    Transaction, UsageRow, Written,
};
use crate::error::{Error, Result};

/// Numbered migrations, each applied once in one transaction; `schema_migrations` records them.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_init.sql")];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Marker in `meta` that tells a keyctl store from any other schema.
const FORMAT_MARKER: &[u8] = b"keyctl store";

/// How many times a write that PostgreSQL asks to retry runs before the error is reported.
const WRITE_ATTEMPTS: u32 = 20;

/// The tables migration 1 creates, for `remove_unfinished`.
const TABLES: &[&str] = &[
    "schema_migrations",
    "meta",
    "slots",
    "orgs",
    "projects",
    "members",
    "service_accounts",
    "api_keys",
    "audit",
    "usage",
    "usage_projects",
    "counters",
    "ledger",
];

fn table_name(table: Table) -> &'static str {
    match table {
        Table::Orgs => "orgs",
        Table::Projects => "projects",
        Table::Members => "members",
        Table::ServiceAccounts => "service_accounts",
    }
}

/// An open PostgreSQL store: one connection. `Send`, not `Sync`.
pub struct PgDatabase {
    client: RefCell<Client>,
    /// Statements prepared on this connection, by their SQL.
    statements: RefCell<HashMap<String, Prepared>>,
    location: StoreLocation,
    pg: PgLocation,
    /// The schema version, as found at open (or made by `create`/`migrate`).
    version: std::cell::Cell<u32>,
}

/// The error for a server that cannot be reached or that dropped the connection (exit 3):
/// one line naming the server, never the password.
fn unavailable(pg: &PgLocation, e: &postgres::Error) -> Error {
    let reason = match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = s.to_string();
                source = s.source();
            }
            text
        }
    };
    Error::Unavailable(format!("cannot reach the PostgreSQL store at {}: {reason}", pg.server()))
}

/// Whether an error means the connection itself failed, rather than one statement: the
/// server's connection-class codes, or a client error that is not about a value.
fn is_connection_error(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || c.starts_with("57P") || c == "28P01" || c == "28000" || c == "3D000"
        }
        None if e.as_db_error().is_some() => false,
        // The client's own errors: its values (a column of an unexpected type, a row count)
        // are about the data; everything else (I/O, TLS, timeouts, protocol) about the link.
        None => {
            let text = e.to_string();
            !["error deserializing", "error serializing", "invalid column", "query returned", "expected "]
                .iter()
                .any(|p| text.starts_with(p))
        }
    }
}

impl PgDatabase {
    fn connect(pg: &PgLocation) -> Result<Client> {
        let config = pg.client_config()?;
        let connected =
            if pg.ssl_mode() == SslMode::Disable { config.connect(postgres::NoTls) } else { config.connect(pg.tls()?) };
        let mut client = connected.map_err(|e| unavailable(pg, &e))?;
        // The store's schema and the catalog only: nothing in `public` (or planted
        // anywhere else) is ever resolved by keyctl's statements.
        client
            .batch_execute(&format!(
                "SET search_path TO pg_catalog, {}; SET lock_timeout = '30s'; SET statement_timeout = 0; \
                 SET idle_in_transaction_session_timeout = '5min'; SET client_min_messages = warning",
                pg.schema()
            ))
            .map_err(|e| unavailable(pg, &e))?;
        Ok(client)
    }

    fn new(client: Client, pg: &PgLocation) -> PgDatabase {
        PgDatabase {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            location: StoreLocation::Postgres(pg.clone()),
            pg: pg.clone(),
            version: std::cell::Cell::new(SCHEMA_VERSION),
        }
    }

    /// Opens an existing store, upgrading its schema if it is older than this build.
    pub fn open(pg: &PgLocation) -> Result<PgDatabase> {
        let db = PgDatabase::new(Self::connect(pg)?, pg);
        let version = db.identify()?.ok_or_else(|| Error::NoStore(db.location.clone()))?;
        if version > SCHEMA_VERSION {
            return Err(Error::Unreadable(format!(
                "the store at {} has schema version {version}, newer than this keyctl understands ({SCHEMA_VERSION}); upgrade keyctl",
                pg
            )));
        }
        db.check_schema(version)?;
        db.version.set(version);
        if version < SCHEMA_VERSION {
            db.migrate(version)?;
            db.version.set(SCHEMA_VERSION);
        }
        Ok(db)
    }

    /// Creates the store's schema (or uses an empty one an administrator made for it) with
    /// the current tables; refuses a schema that already holds a store, or anything else.
    pub fn create(pg: &PgLocation) -> Result<PgDatabase> {
        let db = PgDatabase::new(Self::connect(pg)?, pg);
        let schema = pg.schema().to_owned();
        {
            let mut client = db.client.borrow_mut();
            let mut tx = client.transaction().map_err(|e| db.error(e))?;
            // Two `init`s of one schema at once: one creates, the other finds it made.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('keyctl schema ' || $1))", &[&schema])
                .map_err(|e| db.error(e))?;
            let found: i64 = tx
                .query_one(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
                    &[&schema],
                )
                .map_err(|e| db.error(e))?
                .get(0);
            if found > 0 {
                drop(tx);
                drop(client);
                return Err(match db.identify() {
                    Ok(Some(_)) => Error::StoreExists(db.location.clone()),
                    _ => Error::Unreadable(format!(
                        "schema {schema} of {} already holds tables that are not a keyctl store; name another with ?schema=NAME",
                        pg.server()
                    )),
                });
            }
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).map_err(|e| db.error(e))?;
            Self::apply(&mut tx, &schema, 0)?;
            tx.commit().map_err(|e| db.error(e))?;
        }
        Ok(db)
    }

    /// Drops the tables of a store that `init` could not finish (no unlock slot was
    /// written), leaving the schema itself (an administrator may have made it).
    pub fn remove_unfinished(pg: &PgLocation) {
        let Ok(mut client) = Self::connect(pg) else { return };
        let unfinished = client.query_one("SELECT count(*) FROM slots", &[]).map(|r| r.get::<_, i64>(0) == 0);
        if unfinished.unwrap_or(false) {
            let _ = client.batch_execute(&format!("DROP TABLE IF EXISTS {} CASCADE", TABLES.join(", ")));
        }
    }

    /// Drops the tables of a store this process created (a `store copy` that failed).
    pub fn discard(pg: &PgLocation) {
        if let Ok(mut client) = Self::connect(pg) {
            let _ = client.batch_execute(&format!("DROP TABLE IF EXISTS {} CASCADE", TABLES.join(", ")));
        }
    }

    /// The store's schema version, or `None` when the schema holds no store at all.
    fn identify(&self) -> Result<Option<u32>> {
        let mut client = self.client.borrow_mut();
        let tables: Vec<String> = client
            .query(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
                &[&self.pg.schema()],
            )
            .map_err(|e| self.error(e))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if tables.is_empty() {
            return Ok(None);
        }
        let not_a_store = || {
            Error::Unreadable(format!(
                "schema {} of {} is not a keyctl store; name another with ?schema=NAME",
                self.pg.schema(),
                self.pg.server()
            ))
        };
        if !tables.iter().any(|t| t == "meta") || !tables.iter().any(|t| t == "schema_migrations") {
            return Err(not_a_store());
        }
        let row = client
            .query_one(
                "SELECT (SELECT value FROM meta WHERE name = 'format'),
                        (SELECT coalesce(max(version), 0) FROM schema_migrations)",
                &[],
            )
            .map_err(|e| self.error(e))?;
        let marker: Option<Vec<u8>> = row.try_get(0)?;
        if marker.as_deref() != Some(FORMAT_MARKER) {
            return Err(not_a_store());
        }
        let version: i32 = row.try_get(1)?;
        u32::try_from(version).map(Some).map_err(|_| Error::integrity("the store's schema version is not a version"))
    }

    fn check_schema(&self, version: u32) -> Result<()> {
        let problems =
            schema::problems(&mut self.client.borrow_mut(), self.pg.schema(), version).map_err(|e| self.error_of(e))?;
        match problems.first() {
            None => Ok(()),
            Some(_) => {
                Err(Error::integrity(format!("the store's schema was changed outside keyctl: {}", problems.join("; "))))
            }
        }
    }

    /// Applies the migrations after `from` in `tx`.
    fn apply(tx: &mut postgres::Transaction<'_>, schema: &str, from: u32) -> Result<()> {
        // New objects go to the first schema of the path: the store's, for this transaction.
        tx.batch_execute(&format!("SET LOCAL search_path TO {schema}, pg_catalog"))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            tx.batch_execute(sql)?;
            let version = i32::try_from(i + 1).map_err(|_| Error::integrity("too many migrations"))?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&version])?;
        }
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ('format', $1) ON CONFLICT (name) DO NOTHING",
            &[&FORMAT_MARKER],
        )?;
        tx.batch_execute(&format!("SET LOCAL search_path TO pg_catalog, {schema}"))?;
        Ok(())
    }

    /// Upgrades the schema under the write lock (another host may have done it meanwhile).
    fn migrate(&self, from: u32) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().map_err(|e| self.error(e))?;
        tx.batch_execute("LOCK TABLE meta IN EXCLUSIVE MODE").map_err(|e| self.error(e))?;
        let current: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])
            .map_err(|e| self.error(e))?
            .get(0);
        if current == from as i32 {
            Self::apply(&mut tx, self.pg.schema(), from)?;
        }
        tx.commit().map_err(|e| self.error(e))
    }

    /// A client error as keyctl's: the connection's failures name the server (exit 3).
    fn error(&self, e: postgres::Error) -> Error {
        if is_connection_error(&e) {
            unavailable(&self.pg, &e)
        } else {
            Error::from(e)
        }
    }

    /// Adds the server's name to an error that came out of a transaction body.
    fn error_of(&self, e: Error) -> Error {
        match e {
            Error::Unavailable(msg) if !msg.contains(&self.pg.server()) => {
                Error::Unavailable(format!("the PostgreSQL store at {}: {msg}", self.pg.server()))
            }
            other => other,
        }
    }

    fn try_write(&self, body: &mut Body<'_>) -> Result<()> {
        let mut client =
            self.client.try_borrow_mut().map_err(|_| Error::integrity("a transaction was begun inside another"))?;
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(|e| self.error(e))?;
        tx.batch_execute("LOCK TABLE meta IN EXCLUSIVE MODE").map_err(|e| self.error(e))?;
        let pgtx = PgTx::new(tx, &self.statements);
        body(&pgtx)?;
        pgtx.commit().map_err(|e| self.error_of(e))
    }
}

impl Database for PgDatabase {
    fn write(&self, body: &mut Body<'_>) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_write(body) {
                Err(e) if e.is_retryable() && attempt < WRITE_ATTEMPTS => {
                    std::thread::sleep(Duration::from_millis(u64::from(attempt.min(10)) * 5));
                }
                other => return other.map_err(|e| self.error_of(e)),
            }
        }
    }

    fn read(&self, body: &mut Body<'_>) -> Result<()> {
        let mut client =
            self.client.try_borrow_mut().map_err(|_| Error::integrity("a transaction was begun inside another"))?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| self.error(e))?;
        let pgtx = PgTx::new(tx, &self.statements);
        body(&pgtx).map_err(|e| self.error_of(e))?;
        pgtx.commit().map_err(|e| self.error_of(e))
    }

    /// The schema check again (a trigger planted since the store was opened is reported).
    fn quick_check(&self) -> Result<Vec<String>> {
        schema::problems(&mut self.client.borrow_mut(), self.pg.schema(), SCHEMA_VERSION)
    }

    fn schema_version(&self) -> Result<u32> {
        Ok(self.version.get())
    }

    fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The schema's tables and indexes, as the server counts them.
    fn size_bytes(&self) -> Option<u64> {
        let row = self
            .client
            .try_borrow_mut()
            .ok()?
            .query_one(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
                &[&self.pg.schema()],
            )
            .ok()?;
        u64::try_from(row.get::<_, i64>(0)).ok()
    }

    /// A consistent SQLite copy of the store: one read snapshot, copied row by row.
    fn backup_to(&self, dest: &Path) -> Result<()> {
        let _ = std::fs::remove_file(dest); // the empty file the caller made; create makes it 0600 again
        let out = super::SqliteDatabase::create(dest)?;
        super::copy::copy_rows(self, &out)?;
        out.make_single_file()
    }

    /// Nothing to fold: PostgreSQL's own WAL is the server's business (and holds only what
    /// the tables hold: sealed rows).
    fn checkpoint_truncate(&self) -> Result<()> {
        Ok(())
    }
}

/// One PostgreSQL transaction. Every statement is a round trip to the server, so it keeps
/// what a batch announced it will read (`prefetch_keys`, `prefetch_ledger`) and holds usage
/// rows back to write them in one statement, before the next other statement or the commit.
struct PgTx<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
    statements: &'a RefCell<HashMap<String, Prepared>>,
    /// Key rows by hash, fetched by `prefetch_keys` (a hash there and `None`: no such key).
    keys: RefCell<Option<HashMap<Vec<u8>, Option<KeyRow>>>>,
    /// Ledger nodes fetched by `prefetch_ledger` (`None`: no such node).
    ledger: RefCell<HashMap<i64, Option<Vec<u8>>>>,
    /// Usage rows not written yet.
    uses: RefCell<Vec<HeldUse>>,
    /// New keys not inserted yet (a batch of `key create` goes in one statement).
    new_keys: RefCell<Vec<KeyRow>>,
    /// The (key, day) pairs in `uses`.
    held: RefCell<std::collections::HashSet<(String, i64)>>,
}

/// A usage row held back for the next multi-row write.
struct HeldUse {
    key_id: String,
    project_id: String,
    day: i64,
    requests: i64,
    cost: i64,
    at: i64,
}

impl<'a> PgTx<'a> {
    fn new(tx: postgres::Transaction<'a>, statements: &'a RefCell<HashMap<String, Prepared>>) -> PgTx<'a> {
        PgTx {
            tx: RefCell::new(tx),
            statements,
            keys: RefCell::new(None),
            ledger: RefCell::new(HashMap::new()),
            uses: RefCell::new(Vec::new()),
            held: RefCell::new(std::collections::HashSet::new()),
            new_keys: RefCell::new(Vec::new()),
        }
    }

    /// Writes the usage rows held back, and commits.
    fn commit(self) -> std::result::Result<(), Error> {
        self.flush_held()?;
        Ok(self.tx.into_inner().commit()?)
    }

    /// Writes every row held back: new keys first, then usage rows.
    fn flush_held(&self) -> Result<()> {
        self.flush_keys()?;
        self.flush_uses()
    }

    fn flush_keys(&self) -> Result<()> {
        let rows = std::mem::take(&mut *self.new_keys.borrow_mut());
        if rows.is_empty() {
            return Ok(());
        }
        let n = rows.len() as u64;
        let text = |f: fn(&KeyRow) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
        let (ids, orgs, projects, owners) =
            (text(|k| &k.id), text(|k| &k.org_id), text(|k| &k.project_id), text(|k| &k.owner_id));
        let hashes: Vec<&[u8]> = rows.iter().map(|k| k.hash.as_slice()).collect();
        let payloads: Vec<&[u8]> = rows.iter().map(|k| k.payload.as_slice()).collect();
        let created: Vec<i64> = rows.iter().map(|k| k.created_at).collect();
        let expires: Vec<Option<i64>> = rows.iter().map(|k| k.expires_at).collect();
        let revoked: Vec<Option<i64>> = rows.iter().map(|k| k.revoked_at).collect();
        let changed = self.execute(
            "INSERT INTO api_keys (id, org_id, project_id, owner_id, hash, created_at, expires_at, revoked_at, payload)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bigint[],
                                  $7::bigint[], $8::bigint[], $9::bytea[])",
            &[&ids, &orgs, &projects, &owners, &hashes, &created, &expires, &revoked, &payloads],
        )?;
        if changed == n {
            Ok(())
        } else {
            Err(Error::integrity(format!(
                "a write to api_keys changed {changed} rows instead of {n}; nothing was changed"
            )))
        }
    }

    fn flush_uses(&self) -> Result<()> {
        let rows = std::mem::take(&mut *self.uses.borrow_mut());
        self.held.borrow_mut().clear();
        if rows.is_empty() {
            return Ok(());
        }
        let n = rows.len() as u64;
        let ints = |f: fn(&HeldUse) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
        let (days, requests, costs, ats) = (ints(|u| u.day), ints(|u| u.requests), ints(|u| u.cost), ints(|u| u.at));
        let keys: Vec<&str> = rows.iter().map(|u| u.key_id.as_str()).collect();
        let projects: Vec<&str> = rows.iter().map(|u| u.project_id.as_str()).collect();
        let changed = self.execute(
            "INSERT INTO usage (key_id, project_id, day, requests, cost, last_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
             ON CONFLICT (key_id, day) DO UPDATE SET requests = usage.requests + excluded.requests,
               cost = usage.cost + excluded.cost, last_at = greatest(usage.last_at, excluded.last_at)",
            &[&keys, &projects, &days, &requests, &costs, &ats],
        )?;
        if changed == n {
            Ok(())
        } else {
            Err(Error::integrity(format!(
                "a write to usage changed {changed} rows instead of {n}; nothing was changed"
            )))
        }
    }
}

type Params<'p> = [&'p dyn Param];

fn record_from(r: &Row) -> Result<RecordRow> {
    Ok(RecordRow { id: r.try_get(0)?, parent: r.try_get(1)?, lookup: r.try_get(2)?, payload: r.try_get(3)? })
}

const KEY_COLUMNS: &str = "id, org_id, project_id, owner_id, hash, created_at, expires_at, revoked_at, payload";

fn key_from(r: &Row) -> Result<KeyRow> {
    Ok(KeyRow {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        project_id: r.try_get(2)?,
        owner_id: r.try_get(3)?,
        hash: r.try_get(4)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        revoked_at: r.try_get(7)?,
        payload: r.try_get(8)?,
    })
}

/// A write meant to change exactly one row (see the SQLite backend's `one_row`).
fn one_row(changed: u64, what: &str) -> Result<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(Error::integrity(format!("a write to {what} changed {changed} rows instead of 1; nothing was changed")))
    }
}

/// A statement parameter, with the PostgreSQL type it is sent as.
trait Param: ToSql + Sync {
    fn pg_type(&self) -> Type;
    fn sql(&self) -> &(dyn ToSql + Sync);
}

macro_rules! params {
    ($($t:ty => $pg:expr),* $(,)?) => {$(
        impl Param for $t {
            fn pg_type(&self) -> Type {
                $pg
            }
            fn sql(&self) -> &(dyn ToSql + Sync) {
                self
            }
        }
    )*};
}

params! {
    &str => Type::TEXT, String => Type::TEXT, Option<&str> => Type::TEXT,
    &[u8] => Type::BYTEA, Vec<u8> => Type::BYTEA,
    i64 => Type::INT8, Option<i64> => Type::INT8, i32 => Type::INT4,
    &[Vec<u8>] => Type::BYTEA_ARRAY, &[i64] => Type::INT8_ARRAY, Vec<i64> => Type::INT8_ARRAY,
    Vec<&str> => Type::TEXT_ARRAY, Vec<&[u8]> => Type::BYTEA_ARRAY, Vec<Option<i64>> => Type::INT8_ARRAY,
}

/// A statement as this connection knows it: sent so many times, or prepared.
#[derive(Clone)]
enum Prepared {
    Seen(u32),
    Ready(Statement),
}

/// How many times a statement is sent with its types (one round trip each, prepared
/// nowhere) before it is prepared once and kept: a short command sends most statements a
/// few times and would pay a round trip for each preparation; a stream or `serve` repeats
/// them and saves the server's parsing and planning.
const PREPARE_AFTER: u32 = 8;

/// How many new keys a transaction holds back before it inserts them in one statement.
const HELD_KEYS: usize = 1000;

/// How a statement is sent: with its types, or as a prepared statement.
enum Outgoing<'s> {
    Typed(Vec<(&'s (dyn ToSql + Sync), Type)>),
    Prepared(Statement, Vec<&'s (dyn ToSql + Sync)>),
}

impl PgTx<'_> {
    fn send<'s>(&self, sql: &str, params: &'s Params<'s>) -> Result<Outgoing<'s>> {
        self.flush_held()?;
        let known = self.statements.borrow().get(sql).cloned();
        Ok(match known {
            Some(Prepared::Ready(stmt)) => Outgoing::Prepared(stmt, params.iter().map(|p| p.sql()).collect()),
            Some(Prepared::Seen(n)) if n + 1 >= PREPARE_AFTER => {
                let stmt = self.tx.borrow_mut().prepare(sql)?;
                self.statements.borrow_mut().insert(sql.to_owned(), Prepared::Ready(stmt.clone()));
                Outgoing::Prepared(stmt, params.iter().map(|p| p.sql()).collect())
            }
            seen => {
                let n = match seen {
                    Some(Prepared::Seen(n)) => n + 1,
                    _ => 1,
                };
                self.statements.borrow_mut().insert(sql.to_owned(), Prepared::Seen(n));
                Outgoing::Typed(params.iter().map(|p| (p.sql(), p.pg_type())).collect())
            }
        })
    }

    fn query(&self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
        Ok(match self.send(sql, params)? {
            Outgoing::Typed(p) => self.tx.borrow_mut().query_typed(sql, &p)?,
            Outgoing::Prepared(stmt, p) => self.tx.borrow_mut().query(&stmt, &p)?,
        })
    }

    fn query_opt(&self, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
        Ok(match self.send(sql, params)? {
            Outgoing::Typed(p) => self.tx.borrow_mut().query_typed_opt(sql, &p)?,
            Outgoing::Prepared(stmt, p) => self.tx.borrow_mut().query_opt(&stmt, &p)?,
        })
    }

    fn query_one(&self, sql: &str, params: &Params<'_>) -> Result<Row> {
        Ok(match self.send(sql, params)? {
            Outgoing::Typed(p) => self.tx.borrow_mut().query_typed_one(sql, &p)?,
            Outgoing::Prepared(stmt, p) => self.tx.borrow_mut().query_one(&stmt, &p)?,
        })
    }

    fn execute(&self, sql: &str, params: &Params<'_>) -> Result<u64> {
        Ok(match self.send(sql, params)? {
            Outgoing::Typed(p) => self.tx.borrow_mut().execute_typed(sql, &p)?,
            Outgoing::Prepared(stmt, p) => self.tx.borrow_mut().execute(&stmt, &p)?,
        })
    }

    fn sums(&self, sql: &str, params: &Params<'_>) -> Result<(i64, i64)> {
        let r = self.query_one(sql, params)?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }
}

impl Transaction for PgTx<'_> {
    fn meta_get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.query_opt("SELECT value FROM meta WHERE name = $1", &[&name])?.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    fn meta_set(&self, name: &str, value: &[u8]) -> Result<()> {
        let n = self.execute(
            "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&name, &value],
        )?;
        one_row(n, "meta")
    }

    fn meta_all(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.query("SELECT name, value FROM meta ORDER BY name", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    fn slots(&self) -> Result<Vec<SlotRow>> {
        self.query("SELECT name, kdf, iterations, salt, wrapped FROM slots ORDER BY name", &[])?
            .iter()
            .map(|r| {
                let iterations: i64 = r.try_get(2)?;
                Ok(SlotRow {
                    name: r.try_get(0)?,
                    kdf: r.try_get(1)?,
                    iterations: u32::try_from(iterations)
                        .map_err(|_| Error::integrity("a slot's iteration count is out of range"))?,
                    salt: r.try_get(3)?,
                    wrapped: r.try_get(4)?,
                })
            })
            .collect()
    }

    fn slot_put(&self, slot: &SlotRow) -> Result<()> {
        let n = self.execute(
            "INSERT INTO slots (name, kdf, iterations, salt, wrapped) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET kdf = excluded.kdf, iterations = excluded.iterations,
             salt = excluded.salt, wrapped = excluded.wrapped",
            &[&slot.name, &slot.kdf, &i64::from(slot.iterations), &slot.salt, &slot.wrapped],
        )?;
        one_row(n, "slots")
    }

    fn slot_delete(&self, name: &str) -> Result<bool> {
        Ok(self.execute("DELETE FROM slots WHERE name = $1", &[&name])? > 0)
    }

    fn record_get(&self, table: Table, id: &str) -> Result<Option<RecordRow>> {
        let sql = format!("SELECT id, parent, lookup, payload FROM {} WHERE id = $1", table_name(table));
        self.query_opt(&sql, &[&id])?.as_ref().map(record_from).transpose()
    }

    fn record_by_lookup(&self, table: Table, lookup: &[u8]) -> Result<Option<RecordRow>> {
        let sql = format!("SELECT id, parent, lookup, payload FROM {} WHERE lookup = $1", table_name(table));
        self.query_opt(&sql, &[&lookup])?.as_ref().map(record_from).transpose()
    }

    fn records(&self, table: Table, parent: Option<&str>) -> Result<Vec<RecordRow>> {
        let rows = match parent {
            Some(p) => self.query(
                &format!("SELECT id, parent, lookup, payload FROM {} WHERE parent = $1 ORDER BY id", table_name(table)),
                &[&p],
            )?,
            None => {
                self.query(&format!("SELECT id, parent, lookup, payload FROM {} ORDER BY id", table_name(table)), &[])?
            }
        };
        rows.iter().map(record_from).collect()
    }

    fn record_insert(&self, table: Table, row: &RecordRow) -> Result<Written> {
        let sql = format!(
            "INSERT INTO {} (id, parent, lookup, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            table_name(table)
        );
        let done = self.execute(&sql, &[&row.id, &row.parent, &row.lookup, &row.payload])? > 0;
        Ok(if done { Written::Done } else { Written::NameTaken })
    }

    fn record_update(&self, table: Table, row: &RecordRow) -> Result<Written> {
        // The lookup is unique: an update onto a taken one would abort the transaction, so
        // it is checked in the same statement (writers hold the store lock).
        let t = table_name(table);
        let sql = format!(
            "UPDATE {t} SET parent = $2, lookup = $3, payload = $4 WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM {t} other WHERE other.lookup = $3 AND other.id <> $1)"
        );
        let done = self.execute(&sql, &[&row.id, &row.parent, &row.lookup, &row.payload])? > 0;
        Ok(if done { Written::Done } else { Written::NameTaken })
    }

    fn record_delete(&self, table: Table, id: &str) -> Result<bool> {
        Ok(self.execute(&format!("DELETE FROM {} WHERE id = $1", table_name(table)), &[&id])? > 0)
    }

    fn ledger_get(&self, node: i64) -> Result<Option<Vec<u8>>> {
        if let Some(found) = self.ledger.borrow().get(&node) {
            return Ok(found.clone());
        }
        self.query_opt("SELECT body FROM ledger WHERE node = $1", &[&node])?.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    fn ledger_put(&self, node: i64, body: &[u8]) -> Result<()> {
        self.ledger.borrow_mut().remove(&node);
        let n = self.execute(
            "INSERT INTO ledger (node, body) VALUES ($1, $2) ON CONFLICT (node) DO UPDATE SET body = excluded.body",
            &[&node, &body],
        )?;
        one_row(n, "ledger")
    }

    fn ledger_delete(&self, node: i64) -> Result<()> {
        self.ledger.borrow_mut().remove(&node);
        self.execute("DELETE FROM ledger WHERE node = $1", &[&node])?;
        Ok(())
    }

    fn ledger_clear(&self) -> Result<()> {
        self.ledger.borrow_mut().clear();
        self.execute("DELETE FROM ledger", &[])?;
        Ok(())
    }

    fn prefetch_ledger(&self, nodes: &[i64]) -> Result<()> {
        let mut found: HashMap<i64, Option<Vec<u8>>> = nodes.iter().map(|n| (*n, None)).collect();
        for r in self.query("SELECT node, body FROM ledger WHERE node = ANY($1::bigint[])", &[&nodes])? {
            found.insert(r.try_get(0)?, Some(r.try_get(1)?));
        }
        self.ledger.borrow_mut().extend(found);
        Ok(())
    }

    fn ledger_all(&self) -> Result<Vec<(i64, Vec<u8>)>> {
        self.query("SELECT node, body FROM ledger ORDER BY node", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    fn key_insert(&self, k: &KeyRow) -> Result<()> {
        *self.keys.borrow_mut() = None;
        // Held back and inserted with the others in one statement, a thousand at a time.
        self.new_keys.borrow_mut().push(k.clone());
        if self.new_keys.borrow().len() >= HELD_KEYS {
            self.flush_keys()?;
        }
        Ok(())
    }

    fn key_update(&self, k: &KeyRow) -> Result<()> {
        *self.keys.borrow_mut() = None;
        let n = self.execute(
            "UPDATE api_keys SET org_id = $2, project_id = $3, owner_id = $4, created_at = $5, expires_at = $6,
             revoked_at = $7, payload = $8 WHERE id = $1",
            &[&k.id, &k.org_id, &k.project_id, &k.owner_id, &k.created_at, &k.expires_at, &k.revoked_at, &k.payload],
        )?;
        one_row(n, "api_keys")
    }

    fn key_get(&self, id: &str) -> Result<Option<KeyRow>> {
        self.query_opt(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1"), &[&id])?
            .as_ref()
            .map(key_from)
            .transpose()
    }

    fn key_by_hash(&self, hash: &[u8]) -> Result<Option<KeyRow>> {
        if let Some(found) = self.keys.borrow().as_ref().and_then(|c| c.get(hash)) {
            return Ok(found.clone());
        }
        self.query_opt(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = $1"), &[&hash])?
            .as_ref()
            .map(key_from)
            .transpose()
    }

    fn prefetch_keys(&self, hashes: &[Vec<u8>]) -> Result<Vec<KeyRow>> {
        let rows: Vec<KeyRow> = self
            .query(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ANY($1::bytea[])"), &[&hashes])?
            .iter()
            .map(key_from)
            .collect::<Result<_>>()?;
        let mut cache: HashMap<Vec<u8>, Option<KeyRow>> = hashes.iter().map(|h| (h.clone(), None)).collect();
        for row in &rows {
            cache.insert(row.hash.clone(), Some(row.clone()));
        }
        *self.keys.borrow_mut() = Some(cache);
        Ok(rows)
    }

    fn keys(&self, keys: KeysOf<'_>) -> Result<Vec<KeyRow>> {
        let (column, value) = match keys {
            KeysOf::Org(v) => ("org_id", v),
            KeysOf::Project(v) => ("project_id", v),
            KeysOf::Owner(v) => ("owner_id", v),
        };
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {column} = $1 ORDER BY created_at, id");
        self.query(&sql, &[&value])?.iter().map(key_from).collect()
    }

    fn all_keys(&self) -> Result<Vec<KeyRow>> {
        self.query(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"), &[])?.iter().map(key_from).collect()
    }

    fn key_delete(&self, id: &str) -> Result<bool> {
        *self.keys.borrow_mut() = None;
        Ok(self.execute("DELETE FROM api_keys WHERE id = $1", &[&id])? > 0)
    }

    fn key_use_stats(&self, id: &str) -> Result<(i64, Option<i64>)> {
        let r = self.query_one(
            "SELECT coalesce(sum(requests), 0)::bigint, max(nullif(last_at, 0)) FROM usage WHERE key_id = $1",
            &[&id],
        )?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }

    fn record_use(&self, key_id: &str, project_id: &str, day: i64, requests: i64, cost: i64, at: i64) -> Result<()> {
        // Held back and written with the others in one statement (one row per key and day
        // per statement, as ON CONFLICT requires).
        if !self.held.borrow_mut().insert((key_id.to_owned(), day)) {
            self.flush_held()?;
            self.held.borrow_mut().insert((key_id.to_owned(), day));
        }
        self.uses.borrow_mut().push(HeldUse {
            key_id: key_id.to_owned(),
            project_id: project_id.to_owned(),
            day,
            requests,
            cost,
            at,
        });
        Ok(())
    }

    fn record_project_use(&self, project_id: &str, day: i64, requests: i64, cost: i64) -> Result<()> {
        let n = self.execute(
            "INSERT INTO usage_projects (project_id, day, requests, cost) VALUES ($1, $2, $3, $4)
             ON CONFLICT (project_id, day) DO UPDATE SET requests = usage_projects.requests + excluded.requests,
               cost = usage_projects.cost + excluded.cost",
            &[&project_id, &day, &requests, &cost],
        )?;
        one_row(n, "usage_projects")
    }

    fn project_usage_all(&self) -> Result<Vec<(String, i64, i64, i64)>> {
        self.query("SELECT project_id, day, requests, cost FROM usage_projects ORDER BY project_id, day", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    fn usage_all(&self) -> Result<Vec<(UsageRow, i64)>> {
        self.query("SELECT key_id, project_id, day, requests, cost, last_at FROM usage ORDER BY key_id, day", &[])?
            .iter()
            .map(|r| {
                let row = UsageRow {
                    key_id: r.try_get(0)?,
                    project_id: r.try_get(1)?,
                    day: r.try_get(2)?,
                    requests: r.try_get(3)?,
                    cost: r.try_get(4)?,
                };
                Ok((row, r.try_get(5)?))
            })
            .collect()
    }

    fn counter_row(&self, counted_id: &str, kind: &str) -> Result<Option<(i64, i64)>> {
        self.query_opt(
            "SELECT window_start, value FROM counters WHERE scope_id = $1 AND kind = $2",
            &[&counted_id, &kind],
        )?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
    }

    fn counter_add(&self, counted_id: &str, kind: &str, window_start: i64, delta: i64, current: i64) -> Result<()> {
        let n = self.execute(
            "INSERT INTO counters (scope_id, kind, window_start, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (scope_id, kind) DO UPDATE SET
               value = CASE WHEN counters.window_start = excluded.window_start THEN counters.value + excluded.value
                            WHEN counters.window_start < excluded.window_start OR counters.window_start > $5 THEN excluded.value
                            ELSE counters.value END,
               window_start = CASE WHEN counters.window_start > $5 THEN excluded.window_start
                                   ELSE greatest(counters.window_start, excluded.window_start) END",
            &[&counted_id, &kind, &window_start, &delta, &current],
        )?;
        one_row(n, "counters")
    }

    fn counters_all(&self) -> Result<Vec<(String, String, i64, i64)>> {
        self.query("SELECT scope_id, kind, window_start, value FROM counters ORDER BY scope_id, kind", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    fn future_windows(&self, now: i64, today: i64) -> Result<Vec<(&'static str, String, String, i64)>> {
        let mut out = Vec::new();
        for r in self
            .query("SELECT scope_id, kind, window_start FROM counters WHERE window_start > $1 ORDER BY 1, 2", &[&now])?
        {
            out.push(("counters", r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        for r in self.query("SELECT key_id, day FROM usage WHERE day > $1 ORDER BY 1, 2", &[&today])? {
            out.push(("usage", r.try_get(0)?, "day".to_owned(), r.try_get(1)?));
        }
        Ok(out)
    }

    fn usage(
        &self,
        from_day: i64,
        to_day: i64,
        project_id: Option<&str>,
        key_id: Option<&str>,
    ) -> Result<Vec<UsageRow>> {
        const SELECT: &str = "SELECT key_id, project_id, day, requests, cost FROM usage";
        let rows = match (key_id, project_id) {
            (Some(k), p) => self.query(
                &format!(
                    "{SELECT} WHERE key_id = $3 AND day BETWEEN $1 AND $2 AND ($4::text IS NULL OR project_id = $4) ORDER BY day"
                ),
                &[&from_day, &to_day, &k, &p],
            )?,
            (None, Some(p)) => self.query(
                &format!("{SELECT} WHERE project_id = $3 AND day BETWEEN $1 AND $2 ORDER BY day, key_id"),
                &[&from_day, &to_day, &p],
            )?,
            (None, None) => self.query(
                &format!("{SELECT} WHERE day BETWEEN $1 AND $2 ORDER BY day, key_id"),
                &[&from_day, &to_day],
            )?,
        };
        rows.iter()
            .map(|r| {
                Ok(UsageRow {
                    key_id: r.try_get(0)?,
                    project_id: r.try_get(1)?,
                    day: r.try_get(2)?,
                    requests: r.try_get(3)?,
                    cost: r.try_get(4)?,
                })
            })
            .collect()
    }

    fn key_usage_total(&self, key_id: &str, from_day: i64, to_day: i64) -> Result<(i64, i64)> {
        self.sums(
            "SELECT coalesce(sum(requests), 0)::bigint, coalesce(sum(cost), 0)::bigint FROM usage
             WHERE key_id = $1 AND day BETWEEN $2 AND $3",
            &[&key_id, &from_day, &to_day],
        )
    }

    fn project_usage_total(&self, project_id: &str, from_day: i64, to_day: i64) -> Result<(i64, i64)> {
        self.sums(
            "SELECT coalesce(sum(requests), 0)::bigint, coalesce(sum(cost), 0)::bigint FROM usage_projects
             WHERE project_id = $1 AND day BETWEEN $2 AND $3",
            &[&project_id, &from_day, &to_day],
        )
    }

    fn usage_total(
        &self,
        from_day: i64,
        to_day: i64,
        project_id: Option<&str>,
        key_id: Option<&str>,
    ) -> Result<(i64, i64)> {
        match (key_id, project_id) {
            (Some(k), _) => self.key_usage_total(k, from_day, to_day),
            (None, Some(p)) => self.sums(
                "SELECT coalesce(sum(requests), 0)::bigint, coalesce(sum(cost), 0)::bigint FROM usage
                 WHERE project_id = $1 AND day BETWEEN $2 AND $3",
                &[&p, &from_day, &to_day],
            ),
            (None, None) => Ok((0, 0)),
        }
    }

    fn delete_counters(&self, counted_id: &str) -> Result<()> {
        self.execute("DELETE FROM counters WHERE scope_id = $1", &[&counted_id])?;
        Ok(())
    }

    fn audit_append(&self, row: &AuditRow) -> Result<()> {
        let n = self.execute(
            "INSERT INTO audit (seq, at, payload, mac) VALUES ($1, $2, $3, $4)",
            &[&row.seq, &row.at, &row.payload, &row.mac],
        )?;
        one_row(n, "audit")
    }

    fn audit_since(&self, since: Option<i64>) -> Result<Vec<AuditRow>> {
        self.query(
            "SELECT seq, at, payload, mac FROM audit WHERE at >= $1 ORDER BY seq",
            &[&since.unwrap_or(i64::MIN)],
        )?
        .iter()
        .map(|r| Ok(AuditRow { seq: r.try_get(0)?, at: r.try_get(1)?, payload: r.try_get(2)?, mac: r.try_get(3)? }))
        .collect()
    }

    fn audit_last_seq(&self) -> Result<i64> {
        Ok(self.query_one("SELECT coalesce(max(seq), 0)::bigint FROM audit", &[])?.try_get(0)?)
    }

    fn audit_replace(&self, row: &AuditRow) -> Result<()> {
        let n = self.execute(
            "UPDATE audit SET at = $2, payload = $3, mac = $4 WHERE seq = $1",
            &[&row.seq, &row.at, &row.payload, &row.mac],
        )?;
        one_row(n, "audit")
    }

    fn clear_all(&self) -> Result<()> {
        // Not `schema_migrations`: the schema stays what it is.
        *self.keys.borrow_mut() = None;
        self.ledger.borrow_mut().clear();
        self.execute(
            "TRUNCATE meta, slots, orgs, projects, members, service_accounts, api_keys, audit, usage,
             usage_projects, counters, ledger",
            &[],
        )?;
        self.execute("INSERT INTO meta (name, value) VALUES ('format', $1)", &[&FORMAT_MARKER])?;
        Ok(())
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        use postgres::error::SqlState;
        if is_connection_error(&e) {
            let reason = e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned());
            return Error::Unavailable(format!("the connection to PostgreSQL failed: {reason}"));
        }
        let Some(code) = e.code() else {
            // A conversion error: a column of the wrong type can only come from an edit.
            return Error::integrity(format!("a stored value has the wrong type ({e})"));
        };
        let (kind, message) = if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
        {
            (DbErrorKind::Busy, "another host's write held the store too long; try again".to_owned())
        } else if *code == SqlState::DISK_FULL || *code == SqlState::PROGRAM_LIMIT_EXCEEDED {
            (DbErrorKind::DiskFull, "the database server is out of space; nothing was changed".to_owned())
        } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION || *code == SqlState::INSUFFICIENT_PRIVILEGE {
            (
                DbErrorKind::ReadOnly,
                format!(
                    "the database refuses this write: {}",
                    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned())
                ),
            )
        } else {
            (DbErrorKind::Other, e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned()))
        };
        Error::Db(DbError::new(kind, message, e))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The test server: `KEYCTL_TEST_POSTGRES`, else this project's machines' local one.
    /// `None` (with a loud note) when none answers, except in CI, where that fails the test.
    pub fn server() -> Option<PgLocation> {
        let url = std::env::var("KEYCTL_TEST_POSTGRES")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let pg = PgLocation::parse(&url).expect("KEYCTL_TEST_POSTGRES is a PostgreSQL URL");
        match PgDatabase::connect(&pg) {
            Ok(_) => Some(pg),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("no PostgreSQL for the tests: {e}"),
            Err(e) => {
                eprintln!("SKIPPED: no PostgreSQL server for the tests ({e}); set KEYCTL_TEST_POSTGRES");
                None
            }
        }
    }

    /// A fresh schema on the test server, dropped when this goes.
    pub struct Fresh(pub PgLocation);

    impl Fresh {
        pub fn new() -> Option<Fresh> {
            let pg = server()?;
            let name = format!("keyctl_unit_{}", crate::crypto::base62_fixed(&crate::crypto::random_bytes::<9>(), 12))
                .to_lowercase();
            Some(Fresh(pg.with_schema(&name).unwrap()))
        }

        pub fn sql(&self, sql: &str) -> std::result::Result<(), postgres::Error> {
            let mut client = PgDatabase::connect(&self.0).unwrap();
            client.batch_execute(&format!("SET search_path TO {}; {sql}", self.0.schema()))
        }
    }

    impl Drop for Fresh {
        fn drop(&mut self) {
            if let Ok(mut client) = PgDatabase::connect(&self.0) {
                let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0.schema()));
            }
        }
    }

    #[test]
    fn the_committed_schema_description_is_what_the_migrations_make() {
        let Some(fresh) = Fresh::new() else { return };
        let db = PgDatabase::create(&fresh.0).unwrap();
        let found = schema::describe(&mut db.client.borrow_mut(), fresh.0.schema()).unwrap().join("\n") + "\n";
        if std::env::var("KEYCTL_BLESS").is_ok() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/postgres/expected_v1.txt"), &found).unwrap();
        }
        assert_eq!(found, include_str!("expected_v1.txt"), "run with KEYCTL_BLESS=1 to update expected_v1.txt");
        drop(db);
        assert_eq!(PgDatabase::open(&fresh.0).unwrap().schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_second_create_is_refused_and_other_schemas_are_not_stores() {
        let Some(fresh) = Fresh::new() else { return };
        drop(PgDatabase::create(&fresh.0).unwrap());
        assert!(matches!(PgDatabase::create(&fresh.0).err().unwrap(), Error::StoreExists(_)));
        let Some(other) = Fresh::new() else { return };
        assert!(matches!(PgDatabase::open(&other.0).err().unwrap(), Error::NoStore(_)));
        other.sql(&format!("CREATE SCHEMA {}; CREATE TABLE {}.t (x int)", other.0.schema(), other.0.schema())).unwrap();
        assert_eq!(PgDatabase::open(&other.0).err().unwrap().exit_code(), 3);
        assert_eq!(PgDatabase::create(&other.0).err().unwrap().exit_code(), 3);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let Some(fresh) = Fresh::new() else { return };
        drop(PgDatabase::create(&fresh.0).unwrap());
        fresh.sql(&format!("INSERT INTO schema_migrations VALUES ({})", SCHEMA_VERSION + 1)).unwrap();
        let err = PgDatabase::open(&fresh.0).err().unwrap();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("newer"), "{err}");
    }

    /// Every kind of object PostgreSQL lets an administrator attach, each refused by name.
    #[test]
    fn planted_schema_objects_refuse_the_store() {
        let plants = [
            (
                "CREATE FUNCTION nop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
              CREATE TRIGGER swallow BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION nop()",
                "trigger swallow",
            ),
            ("CREATE RULE keep AS ON DELETE TO api_keys DO INSTEAD NOTHING", "rule keep"),
            (
                "ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY; CREATE POLICY hide ON api_keys USING (false)",
                "policy hide",
            ),
            ("CREATE TABLE public.extra_keys () INHERITS (api_keys)", "inherits public.extra_keys"),
            ("CREATE INDEX sneaky ON api_keys (owner_id)", "index sneaky"),
            ("ALTER TABLE counters ALTER COLUMN value SET DEFAULT 0", "column counters.value"),
            (
                "CREATE FUNCTION greatest_of(a bigint, b bigint) RETURNS bigint LANGUAGE sql AS 'SELECT 0'",
                "function greatest_of",
            ),
            ("CREATE VIEW v AS SELECT 1 AS x", "relation v"),
        ];
        for (sql, named) in plants {
            let Some(fresh) = Fresh::new() else { return };
            drop(PgDatabase::create(&fresh.0).unwrap());
            fresh.sql(sql).unwrap();
            let err = PgDatabase::open(&fresh.0).err().unwrap_or_else(|| panic!("{sql} went unnoticed"));
            assert_eq!(err.exit_code(), 4, "{sql}: {err}");
            assert!(err.to_string().contains(named), "{sql}: {err}");
            let _ = fresh.sql("DROP TABLE IF EXISTS public.extra_keys");
        }
    }

    #[test]
    fn write_rolls_back_on_error_and_reads_see_commits() {
        let Some(fresh) = Fresh::new() else { return };
        let db = PgDatabase::create(&fresh.0).unwrap();
        let r: Result<()> = db.write(&mut |tx| {
            tx.meta_set("x", b"1")?;
            Err(Error::refused("no"))
        });
        assert!(r.is_err());
        let mut got = Some(Vec::new());
        db.read(&mut |tx| {
            got = tx.meta_get("x")?;
            Ok(())
        })
        .unwrap();
        assert_eq!(got, None);
        db.write(&mut |tx| tx.meta_set("x", b"2")).unwrap();
        let other = PgDatabase::open(&fresh.0).unwrap();
        other
            .read(&mut |tx| {
                got = tx.meta_get("x")?;
                Ok(())
            })
            .unwrap();
        assert_eq!(got.as_deref(), Some(&b"2"[..]));
    }

    /// The store lock makes a read-modify-write exact across connections: ten writers each
    /// add one, fifty times, reading the value and writing it back plus one.
    #[test]
    fn concurrent_writers_never_lose_an_update() {
        let Some(fresh) = Fresh::new() else { return };
        drop(PgDatabase::create(&fresh.0).unwrap());
        let threads: Vec<_> = (0..10)
            .map(|_| {
                let pg = fresh.0.clone();
                std::thread::spawn(move || {
                    let db = PgDatabase::open(&pg).unwrap();
                    for _ in 0..50 {
                        db.write(&mut |tx| {
                            let n = tx.meta_get("n")?.map_or(0, |v| u64::from_be_bytes(v.try_into().unwrap()));
                            tx.meta_set("n", &(n + 1).to_be_bytes())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let db = PgDatabase::open(&fresh.0).unwrap();
        let mut n = 0;
        db.read(&mut |tx| {
            n = u64::from_be_bytes(tx.meta_get("n")?.unwrap().try_into().unwrap());
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 500);
    }

    /// TLS as libpq's modes mean it, against the test server's own certificate (Debian's
    /// cluster serves the snakeoil certificate, for `localhost`).
    #[test]
    fn tls_modes_check_what_they_promise() {
        let Some(pg) = server() else { return };
        let mut client = PgDatabase::connect(&pg).unwrap();
        let on: String = client.query_one("SHOW ssl", &[]).unwrap().get(0);
        assert_eq!(on, "on", "the test server must have TLS on (Debian's clusters do)");
        let cert: String = client.query_one("SHOW ssl_cert_file", &[]).unwrap().get(0);
        let port = pg.server().split(':').nth(1).and_then(|p| p.split('/').next()).unwrap_or("5432").to_owned();
        let url = |host: &str, mode: &str, root: &str| {
            PgLocation::parse(&format!("postgres://postgres@{host}:{port}/test?sslmode={mode}&sslrootcert={root}"))
                .unwrap()
        };
        // The certificate names localhost: verify-full holds it to that name.
        assert!(PgDatabase::connect(&url("localhost", "verify-full", &cert)).is_ok());
        let wrong_name = PgDatabase::connect(&url("127.0.0.1", "verify-full", &cert)).err().unwrap();
        assert_eq!(wrong_name.exit_code(), 3);
        assert!(wrong_name.to_string().contains("not valid for name"), "{wrong_name}");
        assert!(PgDatabase::connect(&url("127.0.0.1", "verify-ca", &cert)).is_ok());
        // A CA that did not sign it.
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other-ca.pem");
        let other_ca = std::fs::read_dir("/etc/ssl/certs")
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "pem") && !p.ends_with(std::path::Path::new(&cert)))
            .and_then(|p| std::fs::read(p).ok());
        if let Some(bytes) = other_ca {
            std::fs::write(&other, bytes).unwrap();
            let unknown = PgDatabase::connect(&url("localhost", "verify-full", other.to_str().unwrap())).err().unwrap();
            assert_eq!(unknown.exit_code(), 3, "{unknown}");
        }
        assert!(PgDatabase::connect(&url("127.0.0.1", "require", &cert)).is_ok());
    }

    #[test]
    fn an_unreachable_server_is_exit_3_naming_it_without_the_password() {
        let pg = PgLocation::parse("postgres://ada:hunter2@127.0.0.1:1/keys?connect_timeout=2").unwrap();
        let err = PgDatabase::open(&pg).err().unwrap();
        assert_eq!(err.exit_code(), 3);
        let text = err.to_string();
        assert!(text.contains("127.0.0.1:1/keys") && !text.contains("hunter2"), "{text}");
    }
}
