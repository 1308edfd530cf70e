//! A test harness that drives the built `keyctl` binary the way a user would: a temp store
//! dir, env vars, stdin, exit codes and JSON output. Every `KEYCTL_*` variable of the
//! user's own environment is removed.
//!
//! `KEYCTL_TEST_BACKEND=postgres` puts every store made by [`TestStore::new`],
//! [`TestStore::with_init`] and [`TestStore::empty`] in a fresh schema of the PostgreSQL
//! server at `KEYCTL_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`,
//! password from the URL or `PGPASSWORD`), dropped with the store. Tests about the SQLite
//! file itself use the `*_file` constructors, which make a file whatever the switch says.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub struct TestStore {
    /// Config, state and runtime folders (and the store file, on the file backend).
    pub dir: tempfile::TempDir,
    /// The PostgreSQL schema holding this store, when it is not a file.
    pg: Option<PgSchema>,
    pub store_key: String,
    /// The clock every command of this store runs at (`KEYCTL_TEST_NOW`), once a test
    /// has set it; the real clock until then.
    /// `NO_CLOCK` until then; atomic so a store can be shared by a test's threads.
    now: std::sync::atomic::AtomicI64,
}

const NO_CLOCK: i64 = i64::MIN;

/// A test that cannot run on this machine (a tool is missing, or root bypasses what it
/// checks). In CI (`CI=true`) that is a failure; elsewhere it says so loudly and passes.
pub fn cannot_run(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("this test cannot run here: {why}; in CI a skipped test is a failure");
    }
    eprintln!("\n*** SKIPPED (not in CI): {why} ***\n");
}

/// (exit code, verify code) of one `key verify` of `key` with `args` (recording the use).
pub fn verdict(s: &TestStore, key: &str, args: &[&str]) -> (i32, String) {
    let (exit, v) = s.verify(key, args);
    (exit, v["code"].as_str().unwrap_or("<no JSON>").to_owned())
}

/// [`verdict`] with `--no-record`: looks without counting a use.
pub fn verdict_no_record(s: &TestStore, key: &str, args: &[&str]) -> (i32, String) {
    verdict(s, key, &[&["--no-record"], args].concat())
}

/// What [`verdict`] gives for a valid key.
pub fn valid() -> (i32, String) {
    (0, "VALID".to_owned())
}

/// What [`verdict`] gives for a key refused with `code`.
pub fn rejected(code: &str) -> (i32, String) {
    (10, code.to_owned())
}

/// Seconds since the epoch, by the real clock.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

/// Removes the user's own `KEYCTL_*` (and `NO_COLOR`) from a plain `std` command, and
/// keeps the passphrase KDF fast, as [`keyctl`] does.
pub fn clean_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KEYCTL_") || k == "NO_COLOR" {
            cmd.env_remove(k);
        }
    }
    cmd.env("KEYCTL_TEST_KDF_ITERATIONS", "1000")
}

/// A `keyctl` command with a clean environment (no user `KEYCTL_*`).
pub fn keyctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyctl"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KEYCTL_") || k == "NO_COLOR" {
            cmd.env_remove(k);
        }
    }
    // Debug builds only: keeps the passphrase KDF fast in tests.
    cmd.env("KEYCTL_TEST_KDF_ITERATIONS", "1000");
    cmd
}

/// Which backend the harness's default constructors use (`KEYCTL_TEST_BACKEND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    File,
    Postgres,
}

/// The backend [`TestStore::new`] uses in this run: `KEYCTL_TEST_BACKEND=postgres` picks
/// PostgreSQL when its server answers (see [`postgres_server`]); anything else, a file.
pub fn backend() -> Backend {
    static BACKEND: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    *BACKEND.get_or_init(|| match std::env::var("KEYCTL_TEST_BACKEND").as_deref() {
        Ok("postgres") if postgres_server().is_some() => Backend::Postgres,
        Ok("postgres") => Backend::File,
        Ok("" | "sqlite" | "file") | Err(_) => Backend::File,
        Ok(other) => panic!("KEYCTL_TEST_BACKEND={other:?}: use postgres, or leave it unset for SQLite files"),
    })
}

/// The test PostgreSQL server's URL (`KEYCTL_TEST_POSTGRES`, else this project's machines'
/// local one), once it has answered. When it does not: [`cannot_run`] (a failure in CI;
/// elsewhere a loud note, and the tests run on files instead).
pub fn postgres_server() -> Option<&'static str> {
    static SERVER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            let url = std::env::var("KEYCTL_TEST_POSTGRES")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
            match pg_connect(&url) {
                Ok(_) => Some(url),
                Err(e) => {
                    cannot_run(&format!(
                        "no PostgreSQL answers at KEYCTL_TEST_POSTGRES ({e}) for KEYCTL_TEST_BACKEND=postgres; the tests use SQLite files instead"
                    ));
                    None
                }
            }
        })
        .as_deref()
}

/// A plain client on the test server (the password from the URL, else `PGPASSWORD`).
pub fn pg_connect(url: &str) -> Result<postgres::Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    if config.get_password().is_none() {
        if let Ok(pw) = std::env::var("PGPASSWORD") {
            config.password(pw);
        }
    }
    config.connect_timeout(std::time::Duration::from_secs(5));
    config.connect(postgres::NoTls)
}

/// A schema of the test server that one test store lives in; dropped with it.
pub struct PgSchema {
    server: &'static str,
    name: String,
}

impl PgSchema {
    /// A schema name nothing has used on the test server, whatever the backend switch
    /// says (for tests that always need one); `None` when no server answers.
    pub fn on_test_server() -> Option<PgSchema> {
        postgres_server().map(PgSchema::fresh)
    }

    fn fresh(server: &'static str) -> PgSchema {
        use ring::rand::SecureRandom;
        let mut bytes = [0u8; 12];
        ring::rand::SystemRandom::new().fill(&mut bytes).expect("random bytes");
        let tag: String = bytes.iter().map(|b| char::from(b'a' + b % 26)).collect();
        PgSchema { server, name: format!("keyctl_t_{tag}") }
    }

    /// `KEYCTL_TEST_POSTGRES` with `schema=` this schema.
    pub fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.server, self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        match pg_connect(self.server) {
            Ok(mut client) => {
                if let Err(e) = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name)) {
                    eprintln!("could not drop test schema {}: {e}", self.name);
                }
            }
            Err(e) => eprintln!("could not drop test schema {}: {e}", self.name),
        }
    }
}

impl TestStore {
    /// A fresh store made by `keyctl init` (org "acme", owner ada@example.com), with a
    /// store key named "test" used by every later command; on the backend of [`backend`].
    pub fn new() -> TestStore {
        Self::with_init(&["init", "--org", "acme", "--owner", "ada@example.com"])
    }

    /// [`TestStore::new`], always an SQLite file: for tests about the file itself (plain
    /// SQLite edits, modes, WAL, swaps, truncation, anchors of files).
    pub fn new_file() -> TestStore {
        Self::with_init_file(&["init", "--org", "acme", "--owner", "ada@example.com"])
    }

    /// No store yet (for testing `init` itself), on the backend of [`backend`]: a temp dir,
    /// and on PostgreSQL a schema name nothing has used; `store_key` is empty.
    pub fn empty() -> TestStore {
        let mut s = Self::empty_file();
        if backend() == Backend::Postgres {
            s.pg = postgres_server().map(PgSchema::fresh);
        }
        s
    }

    /// [`TestStore::empty`], always for an SQLite file.
    pub fn empty_file() -> TestStore {
        TestStore::from_parts(tempfile::tempdir().expect("tempdir"), String::new())
    }

    /// A store file in `dir` (made by the caller) that unlocks with `store_key`.
    pub fn from_parts(dir: tempfile::TempDir, store_key: String) -> TestStore {
        TestStore { dir, pg: None, store_key, now: std::sync::atomic::AtomicI64::new(NO_CLOCK) }
    }

    /// Whether this store lives on PostgreSQL (not in a file).
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// What `KEYCTL_STORE` is for this store: the file's path, or the schema's URL.
    pub fn location(&self) -> std::ffi::OsString {
        match &self.pg {
            Some(pg) => pg.url().into(),
            None => self.file_path().into(),
        }
    }

    /// Runs every later command of this store at `unix` seconds (`KEYCTL_TEST_NOW`).
    pub fn set_clock(&self, unix: i64) {
        self.now.store(unix, std::sync::atomic::Ordering::SeqCst);
    }

    /// Moves this store's clock `secs` seconds on from where it is (the real clock, the
    /// first time): what a test does instead of sleeping.
    pub fn advance_clock(&self, secs: i64) {
        let from = self.clock_override().unwrap_or_else(unix_now);
        self.set_clock(from.max(unix_now()) + secs);
    }

    /// The clock set with [`TestStore::set_clock`] or [`TestStore::advance_clock`], if any,
    /// for commands a test builds itself (pass it as `KEYCTL_TEST_NOW`).
    pub fn clock_override(&self) -> Option<i64> {
        Some(self.now.load(std::sync::atomic::Ordering::SeqCst)).filter(|t| *t != NO_CLOCK)
    }

    /// The clock this store's commands run at.
    pub fn clock(&self) -> i64 {
        self.clock_override().unwrap_or_else(unix_now)
    }

    /// A store made by `keyctl` with `args` (an `init`), plus the store key "test"; on the
    /// backend of [`backend`].
    pub fn with_init(args: &[&str]) -> TestStore {
        Self::init_in(Self::empty(), args)
    }

    /// [`TestStore::with_init`], always an SQLite file.
    pub fn with_init_file(args: &[&str]) -> TestStore {
        Self::init_in(Self::empty_file(), args)
    }

    fn init_in(mut s: TestStore, args: &[&str]) -> TestStore {
        let out = s.bare().env("KEYCTL_PASSPHRASE", PASSPHRASE).args(args).output().expect("run init");
        assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
        let out = s
            .bare()
            .env("KEYCTL_PASSPHRASE", PASSPHRASE)
            .args(["store", "add-key", "test", "--admin", "-q"])
            .output()
            .unwrap();
        assert!(out.status.success(), "add-key failed: {}", String::from_utf8_lossy(&out.stderr));
        s.store_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        s
    }

    /// File-only: the store file's path. Panics on a PostgreSQL store; a test that needs
    /// the file makes its store with a `*_file` constructor.
    pub fn path(&self) -> PathBuf {
        assert!(
            self.pg.is_none(),
            "this test needs the store file: make its store with TestStore::new_file/empty_file/with_init_file"
        );
        self.file_path()
    }

    fn file_path(&self) -> PathBuf {
        self.dir.path().join("data").join("keyctl.db")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// A command with the store and config paths set but no secret.
    pub fn bare(&self) -> Command {
        let mut cmd = keyctl();
        cmd.env("KEYCTL_STORE", self.location()).env("KEYCTL_CONFIG", self.config_path());
        for (k, v) in self.private_dirs() {
            cmd.env(k, v);
        }
        if let Some(now) = self.clock_override() {
            cmd.env("KEYCTL_TEST_NOW", now.to_string());
        }
        cmd
    }

    /// A plain `std::process::Command` for keyctl with the harness environment (store,
    /// config and store key), for processes a test spawns and talks to.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_keyctl"));
        clean_env(&mut cmd)
            .env("KEYCTL_STORE", self.location())
            .env("KEYCTL_CONFIG", self.config_path())
            .env("KEYCTL_STORE_KEY", &self.store_key);
        for (k, v) in self.private_dirs() {
            cmd.env(k, v);
        }
        if let Some(now) = self.clock_override() {
            cmd.env("KEYCTL_TEST_NOW", now.to_string());
        }
        cmd
    }

    /// Per-store state and runtime folders (the rollback anchor, the unlock agent's
    /// socket), so tests never touch the user's own or each other's.
    pub fn private_dirs(&self) -> [(&'static str, PathBuf); 2] {
        [("XDG_STATE_HOME", self.dir.path().join("state")), ("XDG_RUNTIME_DIR", self.dir.path().join("run"))]
    }

    /// A command that unlocks with the test store key.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("KEYCTL_STORE_KEY", &self.store_key);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run keyctl")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.cmd().args(args).write_stdin(stdin).output().expect("run keyctl")
    }

    /// Runs, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "keyctl {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `-o json`, asserts success, parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("keyctl {args:?}: bad JSON ({e}): {text}"))
    }

    /// Runs and returns (exit code, stderr).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// Creates a key and returns (key id, secret).
    pub fn create_key(&self, args: &[&str]) -> (String, String) {
        let mut all = vec!["key", "create"];
        all.extend_from_slice(args);
        let v = self.json(&all);
        (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned())
    }

    /// Verifies `key` via stdin with extra args; returns (exit code, JSON result).
    pub fn verify(&self, key: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["key", "verify", "-o", "json"];
        all.extend_from_slice(args);
        let out = self.run_stdin(&all, &format!("{key}\n"));
        let code = out.status.code().unwrap_or(-1);
        let text = String::from_utf8_lossy(&out.stdout);
        let v = serde_json::from_str(&text).unwrap_or(Value::Null);
        (code, v)
    }

    /// File-only: every byte of the store file and its WAL/SHM companions.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", self.path().display())) {
                all.extend(b);
            }
        }
        all
    }

    /// A plain client on this store's PostgreSQL schema (its tables first on the search
    /// path), as the database's administrator has; `None` on a file store.
    pub fn pg_sql(&self) -> Option<postgres::Client> {
        let pg = self.pg.as_ref()?;
        let mut client = pg_connect(pg.server).expect("connect to the test PostgreSQL");
        client.batch_execute(&format!("SET search_path TO \"{}\"", pg.name)).expect("set search_path");
        Some(client)
    }

    /// The first column (text) of every row `select` gives, on either backend: for tests
    /// that look at rows without editing them (write `select` in SQL both dialects read).
    pub fn column(&self, select: &str) -> Vec<String> {
        match self.pg_sql() {
            Some(mut client) => client
                .query(select, &[])
                .unwrap_or_else(|e| panic!("{select}: {e}"))
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect(),
            None => {
                let conn = self.sql();
                let mut stmt = conn.prepare(select).unwrap_or_else(|e| panic!("{select}: {e}"));
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect();
                rows
            }
        }
    }

    /// Whether a store (or anything of one) is there: the file, or the schema.
    pub fn store_exists(&self) -> bool {
        match &self.pg {
            Some(pg) => {
                let mut client = pg_connect(pg.server).expect("connect to the test PostgreSQL");
                let n: i64 = client
                    .query_one("SELECT count(*) FROM pg_namespace WHERE nspname = $1", &[&pg.name])
                    .expect("look for the schema")
                    .get(0);
                n > 0
            }
            None => self.file_path().exists(),
        }
    }

    /// The one integer `select` gives (a `count(*)`), on either backend.
    pub fn count(&self, select: &str) -> i64 {
        match self.pg_sql() {
            Some(mut client) => client.query_one(select, &[]).unwrap_or_else(|e| panic!("{select}: {e}")).get(0),
            None => self.sql().query_row(select, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{select}: {e}")),
        }
    }

    /// File-only: a plain SQLite connection to the store file, as an attacker without the
    /// secret has.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).expect("open store with plain SQLite")
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

impl TestStore {
    /// Runs with raw bytes on stdin (for input that is not UTF-8).
    pub fn run_stdin_bytes(&self, args: &[&str], stdin: &[u8]) -> Output {
        self.cmd().args(args).write_stdin(stdin.to_vec()).output().expect("run keyctl")
    }

    /// `key verify --stream` over `input` plus extra args; returns (exit code, one JSON
    /// value per output line). Panics on an output line that is not JSON.
    pub fn verify_stream(&self, input: &[u8], args: &[&str]) -> (i32, Vec<Value>) {
        let mut all = vec!["key", "verify", "--stream"];
        all.extend_from_slice(args);
        let out = self.run_stdin_bytes(&all, input);
        let text = String::from_utf8(out.stdout).expect("stream output is UTF-8");
        let lines = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stream line is not JSON ({e}): {l:?}")))
            .collect();
        (out.status.code().unwrap_or(-1), lines)
    }

    /// Runs `store check`; returns (exit code, stdout and stderr together).
    pub fn check(&self) -> (i32, String) {
        let out = self.run(&["store", "check"]);
        (
            out.status.code().unwrap_or(-1),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }
}

/// The exit code of a finished run (-1 when a signal ended it).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that a failed run wrote exactly one `keyctl: ` line to stderr and did not panic.
pub fn assert_one_line_error(out: &Output) {
    let err = stderr_of(out);
    assert!(!err.contains("panicked"), "keyctl panicked: {err}");
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err:?}");
    assert!(lines[0].starts_with("keyctl: "), "bad error line: {err:?}");
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl TestStore {
    /// Runs with the store and config paths, no secret but the given variables.
    pub fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = self.bare();
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args).output().expect("run keyctl")
    }

    /// Runs keyctl on a pseudo-terminal (util-linux `script`), typing `lines` one by one,
    /// with the test store key in the environment when `with_store_key`. Returns the exit
    /// code and everything the terminal showed, or `None` when `script` is not installed.
    pub fn run_tty(
        &self,
        with_store_key: bool,
        env: &[(&str, &str)],
        args: &[&str],
        lines: &[&str],
    ) -> Option<(i32, String)> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let have_script = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
        if !have_script {
            cannot_run("util-linux `script` is not installed (terminal tests need it)");
            return None;
        }
        let mut shell = format!("exec timeout 20 {}", sh_quote(env!("CARGO_BIN_EXE_keyctl")));
        for a in args {
            shell.push(' ');
            shell.push_str(&sh_quote(a));
        }
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &shell, "/dev/null"]);
        clean_env(&mut cmd).env("KEYCTL_STORE", self.location()).env("KEYCTL_CONFIG", self.config_path());
        for (k, v) in self.private_dirs() {
            cmd.env(k, v);
        }
        if with_store_key {
            cmd.env("KEYCTL_STORE_KEY", &self.store_key);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child =
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("run script");
        let mut stdin = child.stdin.take().unwrap();
        let (shown, reader) = screen(child.stdout.take().unwrap());
        // Type each line only once its prompt (ending in ": ") is on screen, so nothing is
        // echoed before keyctl turns echo off.
        for (i, line) in lines.iter().enumerate() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                let prompts = shown.lock().unwrap().windows(2).filter(|w| w == b": ").count();
                if prompts > i {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            std::thread::sleep(std::time::Duration::from_millis(150));
            // keyctl may have exited already (e.g. on an error); that is for the caller to see.
            let _ = stdin.write_all(format!("{line}\n").as_bytes());
        }
        let status = child.wait().expect("wait for script");
        drop(stdin);
        reader.join().unwrap();
        let shown = String::from_utf8_lossy(&shown.lock().unwrap()).replace('\r', "");
        Some((status.code().unwrap_or(-1), shown))
    }
}

/// A role raised with plain SQL is caught: `store check` exits 4 naming every id, the key
/// never verifies (exit 4, with or without a write requirement), and `listing` exits 4 with
/// one error line.
pub fn assert_raise_caught(s: &TestStore, key: &str, ids: &[&str], listing: &[&str]) {
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "store check: {report}");
    for id in ids {
        assert!(report.contains(id), "store check does not name {id}: {report}");
    }
    for args in [&["--require", "models:write"][..], &[]] {
        let (exit, v) = s.verify(key, args);
        assert_ne!(v["valid"], true, "a raised role was accepted: {v}");
        assert_eq!(exit, 4, "verify {args:?}: {v}");
    }
    let out = s.run(listing);
    assert_eq!(code(&out), 4, "{listing:?}: {}", stdout_of(&out));
    assert_one_line_error(&out);
}

/// What a terminal shows so far: everything `output` writes, collected by a thread, so a
/// test can wait for a prompt before it types. Join the handle once the process is done.
pub fn screen(
    mut output: impl std::io::Read + Send + 'static,
) -> (std::sync::Arc<std::sync::Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
    let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let reader = {
        let shown = shown.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    (shown, reader)
}

/// A private copy of the store made by the first build (schema 1, tests/fixtures/store-v1.db),
/// with the facts recorded beside it (store-v1.json): (its folder, its path, the facts).
pub fn v1_fixture() -> (tempfile::TempDir, PathBuf, Value) {
    let root = env!("CARGO_MANIFEST_DIR");
    let facts: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/tests/fixtures/store-v1.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyctl.db");
    std::fs::copy(format!("{root}/tests/fixtures/store-v1.db"), &path).unwrap();
    (dir, path, facts)
}
