//! The PostgreSQL backend under attack, under load and when things break (issue 12; spec
//! section 8 and section 3's security properties). Every test drives the built binary
//! against a fresh schema of the test server (`KEYCTL_TEST_POSTGRES`, default the local
//! `postgres://postgres@127.0.0.1:5432/test`), dropped when the test ends. No server: a loud
//! skip, except in CI (`CI=true`), where that fails.
//!
//! - the tamper matrix, with plain SQL as the database's administrator would: edit, swap,
//!   delete, re-insert an old row, ledger downgrade, planted trigger, rule and policy;
//! - what the server sees: no name, email, scope or key in a `pg_dump` of the schema;
//! - separate processes (separate connections, "hosts") writing and verifying at once;
//! - a revocation seen at once by a running `--stream` verifier on another connection;
//! - an unreachable server, a missing schema, a newer schema, a password on the command
//!   line, a connection killed in the middle of a batch;
//! - `store copy` from a file to PostgreSQL and back.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_one_line_error, cannot_run, code, keyctl, stderr_of, stdout_of, TestStore, PASSPHRASE};
use serde_json::Value;

// ---- the server and a fresh schema per test ------------------------------------------------

fn server_url() -> String {
    std::env::var("KEYCTL_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A plain client of the test server, as its administrator has (no store secret).
fn admin() -> Option<postgres::Client> {
    match postgres::Client::connect(&server_url(), postgres::NoTls) {
        Ok(c) => Some(c),
        Err(e) => {
            cannot_run(&format!("no PostgreSQL server at {} ({e}); set KEYCTL_TEST_POSTGRES", server_url()));
            None
        }
    }
}

/// One store in its own schema, with a private folder for its config and per-host state.
struct PgStore {
    schema: String,
    url: String,
    dir: tempfile::TempDir,
    store_key: String,
    sql: std::cell::RefCell<postgres::Client>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let _ = self.sql.get_mut().batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
    }
}

fn with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}schema={schema}")
}

impl PgStore {
    /// A fresh schema with nothing in it yet (`None` when no server answers).
    fn empty() -> Option<PgStore> {
        let sql = admin()?;
        let suffix: u64 = rand_u64();
        let schema = format!("keyctl_pgt_{suffix:016x}");
        Some(PgStore {
            url: with_schema(&server_url(), &schema),
            schema,
            dir: tempfile::tempdir().expect("tempdir"),
            store_key: String::new(),
            sql: std::cell::RefCell::new(sql),
        })
    }

    /// A store made by `keyctl init` (org "acme", owner ada@example.com) with the admin
    /// store key "test", as the harness's [`TestStore::new`] makes on SQLite.
    fn new() -> Option<PgStore> {
        let mut s = Self::empty()?;
        let out = s
            .host_cmd(0)
            .env("KEYCTL_PASSPHRASE", PASSPHRASE)
            .args(["init", "--org", "acme", "--owner", "ada@example.com"])
            .output()
            .unwrap();
        assert!(out.status.success(), "init failed: {}", stderr_of(&out));
        let out = s
            .host_cmd(0)
            .env("KEYCTL_PASSPHRASE", PASSPHRASE)
            .args(["store", "add-key", "test", "--admin", "-q"])
            .output()
            .unwrap();
        assert!(out.status.success(), "add-key failed: {}", stderr_of(&out));
        s.store_key = stdout_of(&out).trim().to_owned();
        Some(s)
    }

    /// A keyctl command of "host" `host`: its own state and runtime folders (rollback
    /// anchor, agent socket), the store URL in the environment, no secret.
    fn host_cmd(&self, host: usize) -> assert_cmd::Command {
        let mut cmd = keyctl();
        let root = self.dir.path().join(format!("host{host}"));
        cmd.env("KEYCTL_STORE", &self.url)
            .env("KEYCTL_CONFIG", root.join("config.toml"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_RUNTIME_DIR", root.join("run"));
        cmd
    }

    fn std_cmd(&self, host: usize) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_keyctl"));
        let root = self.dir.path().join(format!("host{host}"));
        common::clean_env(&mut cmd)
            .env("KEYCTL_STORE", &self.url)
            .env("KEYCTL_CONFIG", root.join("config.toml"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_RUNTIME_DIR", root.join("run"))
            .env("KEYCTL_STORE_KEY", &self.store_key);
        cmd
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.host_cmd(0);
        cmd.env("KEYCTL_STORE_KEY", &self.store_key);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run keyctl")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "keyctl {args:?} failed ({:?}): {}", out.status.code(), stderr_of(&out));
        stdout_of(&out)
    }

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(&[args, &["-o", "json"]].concat());
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("keyctl {args:?}: bad JSON ({e}): {text}"))
    }

    fn create_key(&self, args: &[&str]) -> (String, String) {
        let v = self.json(&[&["key", "create"], args].concat());
        (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned())
    }

    /// (exit code, verify code) of one `key verify` of `key` on `host`.
    fn verdict_on(&self, host: usize, key: &str, args: &[&str]) -> (i32, String) {
        let mut cmd = self.host_cmd(host);
        cmd.env("KEYCTL_STORE_KEY", &self.store_key);
        let out =
            cmd.args(["key", "verify", "-o", "json"]).args(args).write_stdin(format!("{key}\n")).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (code(&out), v["code"].as_str().unwrap_or("<no JSON>").to_owned())
    }

    fn verdict(&self, key: &str) -> (i32, String) {
        self.verdict_on(0, key, &[])
    }

    /// `store check`: (exit code, stdout and stderr).
    fn check(&self) -> (i32, String) {
        let out = self.run(&["store", "check"]);
        (code(&out), format!("{}{}", stdout_of(&out), stderr_of(&out)))
    }

    fn assert_check_clean(&self) {
        let (exit, report) = self.check();
        assert_eq!(exit, 0, "store check: {report}");
    }

    /// Plain SQL in the store's schema, as the server's administrator.
    fn exec(&self, sql: &str) {
        self.sql
            .borrow_mut()
            .batch_execute(&format!("SET search_path TO {}; {sql}; RESET search_path", self.schema))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn query(&self, sql: &str) -> Vec<postgres::Row> {
        let mut c = self.sql.borrow_mut();
        c.batch_execute(&format!("SET search_path TO {}", self.schema)).unwrap();
        let rows = c.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
        c.batch_execute("RESET search_path").unwrap();
        rows
    }

    fn count(&self, sql: &str) -> i64 {
        self.query(sql)[0].get(0)
    }

    fn keys(&self) -> Vec<Value> {
        self.json(&["key", "list", "--status", "all"]).as_array().cloned().unwrap_or_default()
    }
}

fn rand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    h.write_u32(std::process::id());
    h.finish()
}

macro_rules! store_or_skip {
    ($e:expr) => {
        match $e {
            Some(s) => s,
            None => return,
        }
    };
}

/// Asserts that `out` is refused with exit 4 and one error line.
fn assert_refused(out: &Output, what: &str) {
    assert_eq!(
        code(out),
        4,
        "{what}: exit {:?}, stdout {} stderr {}",
        out.status.code(),
        stdout_of(out),
        stderr_of(out)
    );
    assert_one_line_error(out);
}

// ---- 1. the tamper matrix ----------------------------------------------------------------

/// A small world: two projects, two keys in each of them.
struct World {
    s: PgStore,
    p2: String,
    a: (String, String),
    b: (String, String),
}

fn world() -> Option<World> {
    let s = PgStore::new()?;
    let p2 = s.json(&["project", "create", "p2"])["id"].as_str().unwrap().to_owned();
    let a = s.create_key(&["alpha", "--project", "p2"]);
    let b = s.create_key(&["beta", "--project", "p2"]);
    s.create_key(&["gamma"]);
    s.assert_check_clean();
    assert_eq!(s.verdict(&a.1), (0, "VALID".into()));
    Some(World { s, p2, a, b })
}

#[test]
fn tamper_edit_one_payload_byte_of_a_key() {
    let w = store_or_skip!(world());
    w.s.exec(&format!(
        "UPDATE api_keys SET payload = set_byte(payload, 20, get_byte(payload, 20) # 1) WHERE id = '{}'",
        w.a.0
    ));
    let (exit, report) = w.s.check();
    assert_eq!(exit, 4, "store check: {report}");
    assert!(report.contains(&w.a.0), "store check does not name the key: {report}");
    assert_eq!(w.s.verdict(&w.a.1).0, 4, "an edited key row verified");
    assert_eq!(w.s.verdict(&w.b.1), (0, "VALID".into()), "an untouched key is still good");
}

#[test]
fn tamper_swap_two_keys_payloads() {
    let w = store_or_skip!(world());
    let (a, b) = (&w.a.0, &w.b.0);
    w.s.exec(&format!(
        "UPDATE api_keys k SET payload = o.payload FROM api_keys o
         WHERE (k.id = '{a}' AND o.id = '{b}') OR (k.id = '{b}' AND o.id = '{a}')"
    ));
    let (exit, report) = w.s.check();
    assert_eq!(exit, 4, "store check: {report}");
    assert!(report.contains(a) && report.contains(b), "store check does not name both keys: {report}");
    assert_eq!(w.s.verdict(&w.a.1).0, 4);
    assert_eq!(w.s.verdict(&w.b.1).0, 4);
}

#[test]
fn tamper_delete_a_project_row() {
    let w = store_or_skip!(world());
    w.s.exec(&format!("DELETE FROM projects WHERE id = '{}'", w.p2));
    let (exit, report) = w.s.check();
    assert_eq!(exit, 4, "store check: {report}");
    // The key of the vanished project must not verify as if nothing happened.
    let (exit, verdict) = w.s.verdict(&w.a.1);
    assert_eq!(exit, 4, "a key of a deleted project answered {verdict}");
}

#[test]
fn tamper_reinsert_an_old_key_row_after_revoke() {
    let w = store_or_skip!(world());
    // Save the row, revoke through keyctl, put the saved (unrevoked) row back.
    w.s.exec(&format!("CREATE TABLE public.{}_saved AS SELECT * FROM api_keys WHERE id = '{}'", w.s.schema, w.a.0));
    w.s.ok(&["key", "revoke", &w.a.0]);
    assert_eq!(w.s.verdict(&w.a.1), (10, "REVOKED".into()));
    w.s.exec(&format!(
        "DELETE FROM api_keys WHERE id = '{id}'; INSERT INTO api_keys SELECT * FROM public.{s}_saved; DROP TABLE public.{s}_saved",
        id = w.a.0,
        s = w.s.schema
    ));
    let (exit, report) = w.s.check();
    assert_eq!(exit, 4, "store check: {report}");
    let (exit, verdict) = w.s.verdict(&w.a.1);
    assert_eq!(exit, 4, "a revoked key brought back by an old row answered {verdict}");
}

#[test]
fn tamper_ledger_downgrade() {
    let w = store_or_skip!(world());
    let s = &w.s;
    // (a) old ledger nodes put back after a write: the ledger no longer matches the rows.
    s.exec(&format!("CREATE TABLE public.{}_ledger AS SELECT * FROM ledger", s.schema));
    s.ok(&["key", "revoke", &w.a.0]);
    s.exec(&format!("DELETE FROM ledger; INSERT INTO ledger SELECT * FROM public.{}_ledger", s.schema));
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "old ledger nodes: store check: {report}");
    assert_eq!(s.verdict(&w.a.1).0, 4, "the revoked key under an old ledger");

    // (b) the whole store rolled back to an old generation (every table): this host's
    // rollback anchor has seen a later one.
    let w = store_or_skip!(world());
    let s = &w.s;
    let tables: Vec<String> =
        ["meta", "ledger", "api_keys", "audit", "orgs", "projects", "members", "service_accounts", "counters"]
            .iter()
            .map(|t| t.to_string())
            .collect();
    for t in &tables {
        s.exec(&format!("CREATE TABLE public.{}_{t} AS SELECT * FROM {t}", s.schema));
    }
    s.ok(&["key", "revoke", &w.a.0]);
    assert_eq!(s.verdict(&w.a.1), (10, "REVOKED".into()));
    for t in &tables {
        s.exec(&format!(
            "DELETE FROM {t}; INSERT INTO {t} SELECT * FROM public.{s}_{t}; DROP TABLE public.{s}_{t}",
            s = s.schema
        ));
    }
    let (exit, verdict) = s.verdict(&w.a.1);
    assert_eq!(exit, 4, "a store rolled back to before a revoke answered {verdict}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "rolled-back store: store check: {report}");
}

/// A planted object that would make writes silent no-ops or reads lie: every command
/// refuses the store, naming it, and `store check` too.
fn assert_planted_refused(s: &PgStore, victim: &(String, String), sql: &str, name: &str) {
    s.exec(sql);
    let out = s.run(&["key", "revoke", &victim.0]);
    assert_refused(&out, sql);
    assert!(stderr_of(&out).contains(name), "the refusal does not name {name}: {}", stderr_of(&out));
    // The revoke did not happen, and the key does not verify over the planted object either.
    let (exit, verdict) = s.verdict(&victim.1);
    assert_eq!(exit, 4, "verify with {name} planted answered {verdict}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "store check: {report}");
    assert!(report.contains(name), "store check does not name {name}: {report}");
}

#[test]
fn tamper_planted_trigger_swallowing_updates() {
    let w = store_or_skip!(world());
    assert_planted_refused(
        &w.s,
        &w.a,
        "CREATE FUNCTION public.swallow_pgt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
         CREATE TRIGGER swallow_revoke BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION public.swallow_pgt()",
        "swallow_revoke",
    );
    w.s.exec("DROP TRIGGER swallow_revoke ON api_keys; DROP FUNCTION public.swallow_pgt()");
    // Once removed, the store is whole again and the revoke goes through.
    w.s.assert_check_clean();
    w.s.ok(&["key", "revoke", &w.a.0]);
    assert_eq!(w.s.verdict(&w.a.1), (10, "REVOKED".into()));
}

#[test]
fn tamper_planted_rule() {
    let w = store_or_skip!(world());
    assert_planted_refused(
        &w.s,
        &w.a,
        "CREATE RULE ignore_updates AS ON UPDATE TO api_keys DO INSTEAD NOTHING",
        "ignore_updates",
    );
}

#[test]
fn tamper_planted_row_level_security_policy() {
    let w = store_or_skip!(world());
    assert_planted_refused(
        &w.s,
        &w.a,
        "ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY; ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
         CREATE POLICY hide_revoked ON api_keys USING (revoked_at IS NULL)",
        "hide_revoked",
    );
}

#[test]
fn the_server_sees_no_name_email_scope_or_key() {
    let s = store_or_skip!(PgStore::new());
    s.json(&["project", "create", "quokka-billing"]);
    s.json(&["member", "add", "grace.hopper@example.org", "--role", "readonly"]);
    let (_, secret) = s.create_key(&[
        "nightly-exporter",
        "--project",
        "quokka-billing",
        "--permission",
        "restricted",
        "--scope",
        "telescopes:write",
    ]);
    assert_eq!(s.verdict(&secret), (0, "VALID".into()));
    s.json(&["org", "create", "zanzibar-widgets"]);
    let dump = std::process::Command::new("pg_dump")
        .args(["--data-only", "--schema", &s.schema, "-d", &server_url()])
        .output();
    let dump = match dump {
        Ok(out) if out.status.success() => out.stdout,
        Ok(out) => panic!("pg_dump failed: {}", stderr_of(&out)),
        Err(e) => return cannot_run(&format!("pg_dump is not installed ({e})")),
    };
    assert!(dump.len() > 1000, "the dump is suspiciously small: {}", String::from_utf8_lossy(&dump));
    // The check below would see a name in clear: the dump holds the format marker, in hex.
    let marker: String = b"keyctl store".iter().map(|b| format!("{b:02x}")).collect();
    assert!(common::contains(&dump, marker.as_bytes()), "the dump does not show bytea as hex");
    // Any 24 characters of the secret's random part would do; the ones after the prefix.
    let secret_body = secret.strip_prefix("sk-proj-").expect("a member key")[..24].to_owned();
    for needle in [
        "acme",
        "zanzibar-widgets",
        "quokka-billing",
        "ada@example.com",
        "grace.hopper@example.org",
        "grace.hopper",
        "telescopes",
        "nightly-exporter",
        secret.as_str(),
        secret_body.as_str(),
    ] {
        assert!(!common::contains(&dump, needle.as_bytes()), "the server's dump shows {needle:?}");
        // bytea columns are dumped as hex: look for that too.
        let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!common::contains(&dump, hex.as_bytes()), "the server's dump shows {needle:?} as hex");
    }
}

// ---- 2. many hosts at once -----------------------------------------------------------------

/// Runs `n` processes at once, each on its own "host" (connection and state folder).
fn at_once(s: &PgStore, n: usize, args: impl Fn(usize) -> Vec<String>, stdin: impl Fn(usize) -> String) -> Vec<Output> {
    let children: Vec<Child> = (0..n)
        .map(|i| {
            let mut child = s
                .std_cmd(i + 1)
                .args(args(i))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn keyctl");
            let input = stdin(i);
            let mut pipe = child.stdin.take().unwrap();
            let _ = pipe.write_all(input.as_bytes());
            drop(pipe);
            child
        })
        .collect();
    children.into_iter().map(|c| c.wait_with_output().unwrap()).collect()
}

#[test]
fn ten_hosts_create_rotate_revoke_and_verify_at_once() {
    let s = store_or_skip!(PgStore::new());
    // Each host creates 3 keys, rotates the first, revokes the second and verifies the
    // third, all in one shell-free sequence of its own processes, the hosts in parallel.
    let threads: Vec<_> = (0..10)
        .map(|h| {
            // The host's environment, as `std_cmd` sets it (a `PgStore` stays on this thread).
            let base = s.std_cmd(h + 1);
            let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> =
                base.get_envs().map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned()))).collect();
            std::thread::spawn(move || {
                let run = |args: &[&str], stdin: &str| -> Output {
                    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_keyctl"));
                    for (k, v) in &envs {
                        match v {
                            Some(v) => c.env(k, v),
                            None => c.env_remove(k),
                        };
                    }
                    let mut child = c
                        .args(args)
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap();
                    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
                    child.wait_with_output().unwrap()
                };
                let ok = |args: &[&str], stdin: &str| -> Value {
                    let out = run(args, stdin);
                    assert_eq!(code(&out), 0, "host {h}: keyctl {args:?}: {}", stderr_of(&out));
                    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
                };
                let mut ids = Vec::new();
                let mut secrets = Vec::new();
                for k in 0..3 {
                    let v = ok(&["key", "create", &format!("h{h}-k{k}"), "-o", "json"], "");
                    ids.push(v["id"].as_str().unwrap().to_owned());
                    secrets.push(v["key"].as_str().unwrap().to_owned());
                }
                let rotated = ok(&["key", "rotate", &ids[0], "--grace", "0s", "-o", "json"], "");
                let successor =
                    rotated["key"].as_str().unwrap_or_else(|| panic!("rotate output: {rotated}")).to_owned();
                ok(&["key", "revoke", &ids[1], "-o", "json"], "");
                for key in [&successor, &secrets[2]] {
                    let v = ok(&["key", "verify", "-o", "json"], &format!("{key}\n"));
                    assert_eq!(v["code"], "VALID", "host {h}: {v}");
                }
                let out = run(&["key", "verify", "-o", "json"], &format!("{}\n", secrets[1]));
                assert_eq!(code(&out), 10, "host {h}: a revoked key: {}", stdout_of(&out));
                (secrets, successor)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().expect("a host failed")).collect();
    s.assert_check_clean();
    let keys = s.keys();
    // 10 hosts × (3 created + 1 successor); every one of them is there once.
    assert_eq!(keys.len(), 40, "{} keys listed", keys.len());
    // Per host: the successor and the third key work; the rotated and the revoked do not.
    let active = keys.iter().filter(|k| k["status"] == "active").count();
    assert_eq!(active, 20, "active keys: {:?}", keys.iter().map(|k| &k["status"]).collect::<Vec<_>>());
    // 30 creates and 10 successors, each audited once.
    let audit = s.json(&["audit", "list", "--action", "key.created"]);
    assert_eq!(audit.as_array().unwrap().len(), 40, "audit counts every create once: {audit}");
    for (secrets, successor) in &results {
        assert_eq!(s.verdict(&secrets[1]).0, 10);
        assert_eq!(s.verdict(successor), (0, "VALID".into()));
    }
    let out = s.run(&["audit", "verify"]);
    assert_eq!(code(&out), 0, "audit verify: {}", stderr_of(&out));
}

/// Twelve hosts verify one key at once; returns how many got each answer.
fn twelve_at_once(s: &PgStore, key: &str, extra: &[&str]) -> std::collections::BTreeMap<String, usize> {
    let outs = at_once(
        s,
        12,
        |_| ["key", "verify", "-o", "json"].iter().chain(extra).map(|a| a.to_string()).collect(),
        |_| format!("{key}\n"),
    );
    let mut tally = std::collections::BTreeMap::new();
    for out in &outs {
        assert!(matches!(code(out), 0 | 10), "a verify failed: exit {:?}: {}", out.status.code(), stderr_of(out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        *tally.entry(v["code"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    tally
}

#[test]
fn limits_are_exact_across_twelve_hosts() {
    let s = store_or_skip!(PgStore::new());
    let (_, rpm) = s.create_key(&["rpm4", "--rpm", "4"]);
    let tally = twelve_at_once(&s, &rpm, &[]);
    assert_eq!(tally.get("VALID"), Some(&4), "--rpm 4 over twelve hosts: {tally:?}");
    assert_eq!(tally.values().sum::<usize>(), 12);

    let (_, uses) = s.create_key(&["uses3", "--max-uses", "3"]);
    let tally = twelve_at_once(&s, &uses, &[]);
    assert_eq!(tally.get("VALID"), Some(&3), "--max-uses 3 over twelve hosts: {tally:?}");

    s.json(&["project", "create", "metered"]);
    s.json(&["project", "limits", "metered", "--monthly-budget", "1.00"]);
    let (_, metered) = s.create_key(&["metered", "--project", "metered"]);
    let tally = twelve_at_once(&s, &metered, &["--cost", "0.25"]);
    assert_eq!(tally.get("VALID"), Some(&4), "a 1.00 budget at 0.25 a request over twelve hosts: {tally:?}");
    let shown = s.json(&["project", "limits", "metered"]);
    assert_eq!(shown["this_month"]["budget_left"], "0.00", "{shown}");
    s.assert_check_clean();
}

// ---- 3. revocation seen at once by a running verifier ------------------------------------

#[test]
fn a_running_stream_sees_a_revocation_from_another_host_at_once() {
    let s = store_or_skip!(PgStore::new());
    let (id, key) = s.create_key(&["streamed"]);
    let mut child = s
        .std_cmd(7)
        .args(["key", "verify", "--stream"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    fn ask(input: &mut impl Write, lines: &mut impl Iterator<Item = std::io::Result<String>>, k: &str) -> Value {
        writeln!(input, "{k}").unwrap();
        input.flush().unwrap();
        serde_json::from_str(&lines.next().expect("a line").unwrap()).unwrap()
    }
    for _ in 0..3 {
        assert_eq!(ask(&mut input, &mut lines, &key)["code"], "VALID");
    }
    // Another host (own connection, own state) revokes; the stream's very next answer refuses.
    let out = s.host_cmd(8).env("KEYCTL_STORE_KEY", &s.store_key).args(["key", "revoke", &id]).output().unwrap();
    assert_eq!(code(&out), 0, "revoke: {}", stderr_of(&out));
    let v = ask(&mut input, &mut lines, &key);
    assert_eq!(v["code"], "REVOKED", "the next line after a revoke elsewhere: {v}");
    // The stream ends cleanly at the end of its input (writing the uses it batched).
    drop(input);
    assert!(lines.next().is_none(), "a line after the end of input");
    let status = child.wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 10)), "the stream ended with {status:?}");
    s.assert_check_clean();
}

#[test]
fn a_library_verifier_on_another_connection_sees_a_revocation_at_once() {
    let s = store_or_skip!(PgStore::new());
    let (id, key) = s.create_key(&["embedded"]);
    let location = keyctl::StoreLocation::parse(&s.url).expect("a store URL");
    let store = keyctl::Store::open(location, keyctl::Unlock::store_key(s.store_key.clone())).expect("open");
    let mut verifier = store.verifier();
    let check = |v: &mut keyctl::Verifier<'_>| v.verify(&keyctl::VerifyRequest::new(key.as_str())).unwrap().code;
    assert_eq!(check(&mut verifier), keyctl::VerifyCode::Valid);
    s.ok(&["key", "revoke", &id]);
    assert_eq!(check(&mut verifier), keyctl::VerifyCode::Revoked, "the open verifier's next answer");
}

// ---- 4. failures ---------------------------------------------------------------------------

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_server_is_exit_3_naming_it_without_the_password() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://keyctl:hunter2-very-secret@127.0.0.1:{port}/keys?schema=keyctl");
    for args in [&["key", "list"][..], &["store", "check"], &["key", "verify"]] {
        let out = keyctl()
            .env("KEYCTL_STORE", &url)
            .env("KEYCTL_STORE_KEY", "ks_whatever")
            .env("KEYCTL_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .args(args)
            .write_stdin("sk-x\n")
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        let err = stderr_of(&out);
        assert!(err.contains(&format!("127.0.0.1:{port}")), "does not name the server: {err}");
        let all = format!("{err}{}", stdout_of(&out));
        assert!(!all.contains("hunter2"), "the password shows: {all}");
    }
}

#[test]
fn a_missing_schema_or_a_newer_one_is_exit_3() {
    let s = store_or_skip!(PgStore::empty());
    let out = s.host_cmd(0).env("KEYCTL_STORE_KEY", "ks_x").args(["key", "list"]).output().unwrap();
    assert_eq!(code(&out), 3, "missing schema: {}", stderr_of(&out));
    assert_one_line_error(&out);
    drop(s);

    let s = store_or_skip!(PgStore::new());
    s.exec("INSERT INTO schema_migrations (version) VALUES (99)");
    let out = s.run(&["key", "list"]);
    assert_eq!(code(&out), 3, "newer schema: {}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("99"), "does not say which version: {}", stderr_of(&out));
}

#[test]
fn a_password_in_store_on_the_command_line_is_exit_2_with_the_hint() {
    let out = keyctl()
        .args(["--store", "postgres://keyctl:hunter2-secret@127.0.0.1:1/keys", "key", "list"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(!err.contains("hunter2"), "the password is echoed: {err}");
    assert!(err.contains("PGPASSWORD") || err.contains("pgpass"), "no hint where the password goes: {err}");

    // The same for `store copy`'s destination, which is always on the command line.
    let file = TestStore::new_file();
    let out = file.run(&["store", "copy", "postgres://keyctl:hunter2-secret@127.0.0.1:1/keys"]);
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(!err.contains("hunter2"), "the password is echoed: {err}");
    assert!(err.contains("PGPASSWORD"), "no hint where the password goes: {err}");
}

#[test]
fn a_connection_killed_in_the_middle_of_a_batch_writes_nothing() {
    let s = store_or_skip!(PgStore::new());
    s.create_key(&["before"]);
    let keys_before = s.count("SELECT count(*) FROM api_keys");
    let audit_before = s.count("SELECT count(*) FROM audit");
    let mut child = s
        .std_cmd(3)
        .args(["key", "create", "bulk", "--count", "10000", "-o", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the batch holds the store's write lock and has begun inserting, end its backend.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut killed = 0;
    while Instant::now() < deadline && killed == 0 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let locked = s.count(&format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE a.application_name = 'keyctl' AND l.relation = '{}.meta'::regclass AND l.mode = 'ExclusiveLock' AND l.granted",
            s.schema
        ));
        if locked > 0 {
            std::thread::sleep(Duration::from_millis(300));
            // Only this store's writer: other tests' keyctl connections run beside it.
            killed = s.count(&format!(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
                 WHERE a.application_name = 'keyctl' AND a.pid <> pg_backend_pid()
                   AND l.relation = '{}.meta'::regclass AND l.mode = 'ExclusiveLock' AND l.granted) t",
                s.schema
            ));
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(killed > 0, "the batch finished before it could be cut (exit {:?})", out.status.code());
    assert_eq!(code(&out), 3, "a cut batch: {}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("127.0.0.1"), "does not name the server: {}", stderr_of(&out));
    assert_eq!(s.count("SELECT count(*) FROM api_keys"), keys_before, "keys of a cut batch were written");
    assert_eq!(s.count("SELECT count(*) FROM audit"), audit_before, "audit rows of a cut batch were written");
    s.assert_check_clean();
    // A rerun works, whole.
    let text = s.ok(&["key", "create", "bulk", "--count", "10000", "-o", "json"]);
    assert_eq!(text.lines().filter(|l| !l.trim().is_empty()).count(), 10000, "a rerun's output");
    assert_eq!(s.count("SELECT count(*) FROM api_keys"), keys_before + 10000);
    s.assert_check_clean();
}

// ---- 5. store copy round trip ---------------------------------------------------------------

#[test]
fn store_copy_file_to_postgres_and_back() {
    let pg = store_or_skip!(PgStore::empty());
    let file = TestStore::new_file();
    file.json(&["project", "create", "p2"]);
    let (_, early) = file.create_key(&["early", "--project", "p2", "--max-uses", "5"]);
    let (revoked_id, revoked) = file.create_key(&["gone"]);
    file.ok(&["key", "revoke", &revoked_id]);
    file.verify(&early, &[]);
    let original = file.json(&["key", "list", "--status", "all"]);

    // File -> PostgreSQL.
    let out = file.cmd().args(["store", "copy", &pg.url]).output().unwrap();
    assert_eq!(code(&out), 0, "store copy to postgres: {}", stderr_of(&out));
    let mut pg = pg;
    pg.store_key = file.store_key.clone();
    pg.assert_check_clean();
    assert_eq!(pg.json(&["key", "list", "--status", "all"]), original, "the PostgreSQL copy lists otherwise");
    // The passphrase opens the copy too.
    let out = pg
        .host_cmd(0)
        .env("KEYCTL_PASSPHRASE", PASSPHRASE)
        .args(["key", "list", "--status", "all", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "the passphrase on the copy: {}", stderr_of(&out));
    assert_eq!(pg.verdict(&early), (0, "VALID".into()), "a key made before the copy");
    assert_eq!(pg.verdict(&revoked), (10, "REVOKED".into()));

    // PostgreSQL -> a new file.
    let back = tempfile::tempdir().unwrap();
    let back_path: PathBuf = back.path().join("back.db");
    let out = pg.run(&["store", "copy", back_path.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "store copy back to a file: {}", stderr_of(&out));
    let round = TestStore::from_parts(back, file.store_key.clone());
    let run_back = |args: &[&str]| round.cmd().env("KEYCTL_STORE", &back_path).args(args).output().unwrap();
    let out = run_back(&["store", "check"]);
    assert_eq!(code(&out), 0, "store check of the file copy: {}", stderr_of(&out));
    let out = run_back(&["key", "list", "--status", "all", "-o", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The copy on PostgreSQL counted one more use of `early`; compare with it.
    assert_eq!(again, pg.json(&["key", "list", "--status", "all"]), "the round trip lists otherwise");
    let out = round
        .bare()
        .env("KEYCTL_STORE", &back_path)
        .env("KEYCTL_PASSPHRASE", PASSPHRASE)
        .args(["key", "list"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "the passphrase on the file copy: {}", stderr_of(&out));
    let out = round
        .cmd()
        .env("KEYCTL_STORE", &back_path)
        .args(["key", "verify", "-o", "json"])
        .write_stdin(format!("{early}\n"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "a key made before both copies: {}", stdout_of(&out));
}
