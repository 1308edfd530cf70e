//! A store made by an older build keeps opening: `tests/fixtures/store-v1.db` was made by
//! keyctl's first build (schema version 1). Opening it migrates it in place (usage
//! counters, then the freshness ledger, built from its authenticated rows) and everything
//! in it still works.

mod common;

use serde_json::Value;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    facts: Value,
}

fn fixture() -> Fixture {
    let (dir, path, facts) = common::v1_fixture();
    Fixture { _dir: dir, path, facts }
}

impl Fixture {
    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = common::keyctl();
        cmd.env("KEYCTL_STORE", &self.path)
            .env("KEYCTL_CONFIG", self.path.with_extension("toml"))
            .env("KEYCTL_STORE_KEY", self.facts["store_key"].as_str().unwrap());
        cmd
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd().args(args).args(["-o", "json"]).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn verify(&self, key: &str) -> (i32, Value) {
        let out = self.cmd().args(["key", "verify", "-o", "json"]).write_stdin(format!("{key}\n")).output().unwrap();
        (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
    }
}

#[test]
fn a_schema_1_store_opens_migrates_and_keeps_its_keys() {
    let f = fixture();
    let info = f.json(&["store", "info"]);
    assert_eq!(info["schema_version"], 4);
    assert_eq!(info["owner_email"], f.facts["owner"]);

    let (code, v) = f.verify(f.facts["live_key"].as_str().unwrap());
    assert_eq!((code, v["code"].as_str()), (0, Some("VALID")), "{v}");
    assert_eq!(v["scopes"], serde_json::json!(["models:read"]));
    let (code, v) = f.verify(f.facts["revoked_key"].as_str().unwrap());
    assert_eq!((code, v["code"].as_str()), (10, Some("REVOKED")), "{v}");

    let projects = f.json(&["project", "list"]);
    assert!(projects.as_array().unwrap().iter().any(|p| p["name"] == f.facts["project"]), "{projects}");
    let orgs = f.json(&["org", "list"]);
    assert_eq!(orgs[0]["name"], f.facts["org"]);

    let check = f.json(&["store", "check"]);
    assert_eq!(check["ok"], true, "{check}");
    f.json(&["audit", "verify"]);
}

#[test]
fn the_migrated_store_takes_new_writes_and_usage() {
    let f = fixture();
    let created = f.json(&["key", "create", "--project", f.facts["project"].as_str().unwrap(), "--rpm", "2"]);
    let key = created["key"].as_str().unwrap();
    assert_eq!(f.verify(key).0, 0);
    assert_eq!(f.verify(key).0, 0);
    assert_eq!(f.verify(key).1["code"], "RATE_LIMITED");
    assert_eq!(f.json(&["store", "check"])["ok"], true);
}

#[test]
fn the_passphrase_of_the_old_store_still_unlocks_it() {
    let f = fixture();
    let out = common::keyctl()
        .env("KEYCTL_STORE", &f.path)
        .env("KEYCTL_CONFIG", f.path.with_extension("toml"))
        .env("KEYCTL_PASSPHRASE", f.facts["passphrase"].as_str().unwrap())
        .args(["store", "info", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["actor"], "passphrase");
}
