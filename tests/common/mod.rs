//! A test harness that drives the built `keyctl` binary the way a user would: a temp store
//! dir, env vars, stdin, exit codes and JSON output. Every `KEYCTL_*` variable of the
//! user's own environment is removed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub store_key: String,
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

impl TestStore {
    /// A fresh store made by `keyctl init` (org "acme", owner ada@example.com), with a
    /// store key named "test" used by every later command.
    pub fn new() -> TestStore {
        Self::with_init(&["init", "--org", "acme", "--owner", "ada@example.com"])
    }

    pub fn with_init(args: &[&str]) -> TestStore {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = TestStore { dir, store_key: String::new() };
        let out = s.bare().env("KEYCTL_PASSPHRASE", PASSPHRASE).args(args).output().expect("run init");
        assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
        let out =
            s.bare().env("KEYCTL_PASSPHRASE", PASSPHRASE).args(["store", "add-key", "test", "-q"]).output().unwrap();
        assert!(out.status.success(), "add-key failed: {}", String::from_utf8_lossy(&out.stderr));
        s.store_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        s
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("data").join("keyctl.db")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// A command with the store and config paths set but no secret.
    pub fn bare(&self) -> Command {
        let mut cmd = keyctl();
        cmd.env("KEYCTL_STORE", self.path()).env("KEYCTL_CONFIG", self.config_path());
        cmd
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

    /// Every byte of the store file and its WAL/SHM companions.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", self.path().display())) {
                all.extend(b);
            }
        }
        all
    }

    /// A plain SQLite connection to the store file, as an attacker without the secret has.
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
        self.cmd()
            .args(args)
            .write_stdin(stdin.to_vec())
            .output()
            .expect("run keyctl")
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
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("stream line is not JSON ({e}): {l:?}"))
            })
            .collect();
        (out.status.code().unwrap_or(-1), lines)
    }

    /// Runs `store check`; returns (exit code, stdout and stderr together).
    pub fn check(&self) -> (i32, String) {
        let out = self.run(&["store", "check"]);
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}
