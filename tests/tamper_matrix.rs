//! Tampering (issue 6, "Robustness"; spec section 3, property 3): a matrix over every table
//! that holds security-relevant state. For each, with plain SQL and no store secret: edit a
//! byte, swap between two rows, delete a row, and re-insert an old copy of a row (snapshot,
//! change it through the CLI, put the snapshot back).
//!
//! What every cell checks:
//! - no widening: every key of the world is verified before and after (with and without
//!   `--require models:write`); a key may answer VALID after the tampering only if it
//!   answered VALID before, with the same permission and scopes;
//! - the exact answer for the key the tampering aimed at (exit 4 where a row fails
//!   authentication or freshness, or the honest refusal where the row is simply gone);
//! - `store check` (or `audit verify`) exits 4 naming the row or the problem.
//!
//! Where the honest answer is "still works" (state that is not security-relevant, or a
//! documented limit), the cell says so.
//!
//! Existing single cases live in tests/verify.rs, tests/ledger.rs, tests/roles.rs,
//! tests/service_accounts.rs and tests/store_cmd.rs; this file covers the whole grid.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{TestStore, PASSPHRASE};
use rusqlite::types::Value as Sql;
use serde_json::Value;

// ---- the world: one store with one of everything, built once and copied per cell ---------

struct World {
    dir: PathBuf,
    store_key: String,
    ci_key: String,
    ids: BTreeMap<&'static str, String>,
    /// (name, secret) of every key, in a fixed order.
    keys: Vec<(&'static str, String)>,
    baseline: Answers,
}

/// Every key's verify answer: without requirements, and with `--require models:write`.
#[derive(Clone, Debug)]
struct Answers {
    plain: Vec<Value>,
    write: Vec<Value>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build_world)
}

fn build_world() -> World {
    // Kept under the target dir (not leaked into /tmp); stale copies of earlier runs go.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("tamper-world-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let s = TestStore::new_file();
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let mut ids = BTreeMap::new();
    let mut keys = Vec::new();

    let acme = id(s.json(&["org", "show"]));
    s.ok(&["org", "use", &acme]);
    ids.insert("acme", acme);
    ids.insert("beta", id(s.json(&["org", "create", "beta", "--personal"])));
    ids.insert("default", id(s.json(&["project", "show", "Default project"])));
    ids.insert("p2", id(s.json(&["project", "create", "p2"])));
    ids.insert("old", id(s.json(&["project", "create", "old"])));
    ids.insert("ada", id(s.json(&["member", "show", "ada@example.com"])));
    ids.insert("bob", id(s.json(&["member", "add", "bob@example.com", "--role", "all"])));
    ids.insert("rita", id(s.json(&["member", "add", "rita@example.com", "--role", "readonly"])));
    for (name, role) in [("sa-all", "all"), ("sa-ro", "readonly")] {
        let v = s.json(&["sa", "create", name, "--project", "p2", "--role", role]);
        ids.insert(name, id(v.clone()));
        let key_name: &'static str = if role == "all" { "k_sa_all" } else { "k_sa_ro" };
        ids.insert(
            key_name,
            s.json(&["key", "list", "--project", "p2"])
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["owner"]["id"] == v["id"])
                .map(|k| k["id"].as_str().unwrap().to_owned())
                .unwrap(),
        );
        keys.push((key_name, v["key"].as_str().unwrap().to_owned()));
    }
    let mut key = |name: &'static str, args: &[&str]| {
        let (kid, secret) = s.create_key(args);
        ids.insert(name, kid);
        keys.push((name, secret));
    };
    key("k_you", &["you"]);
    key("k_bob", &["bobs", "--owner", "bob@example.com"]);
    key("k_rita", &["ritas", "--owner", "rita@example.com"]);
    key("k_narrow", &["narrow", "--scope", "models:read"]);
    key("k_old", &["olds", "--project", "old"]);
    key("k_revoked", &["gone"]);
    key("k_capped", &["capped", "--max-uses", "1"]);
    s.ok(&["project", "archive", "old"]);
    s.ok(&["key", "revoke", &ids["k_revoked"]]);
    let capped = keys.last().unwrap().1.clone();
    assert_eq!(s.verify(&capped, &[]).0, 0, "the one use of k_capped");
    let ci_key = s.ok(&["store", "add-key", "ci", "-q"]).trim().to_owned();

    let dir = root.join(format!("tamper-world-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    copy_store(s.dir.path(), &dir);
    let mut w = World {
        dir,
        store_key: s.store_key.clone(),
        ci_key,
        ids,
        keys,
        baseline: Answers { plain: vec![], write: vec![] },
    };
    w.baseline = answers(&s, &w.keys);
    assert!(w.baseline.plain.iter().chain(&w.baseline.write).all(|a| a["code"].is_string()), "every key answered");
    // The world is what the cells expect it to be.
    let code = |name: &str, a: &Answers| a.plain[w.keys.iter().position(|k| k.0 == name).unwrap()]["code"].clone();
    for (name, want) in [
        ("k_you", "VALID"),
        ("k_rita", "VALID"),
        ("k_sa_ro", "VALID"),
        ("k_old", "PROJECT_ARCHIVED"),
        ("k_revoked", "REVOKED"),
        ("k_capped", "USAGE_EXCEEDED"),
    ] {
        assert_eq!(code(name, &w.baseline), want, "{name}");
    }
    w
}

/// Copies the store file, its WAL and the config (which selects org acme).
fn copy_store(from: &Path, to: &Path) {
    for suffix in ["", "-wal"] {
        let src = from.join(format!("data/keyctl.db{suffix}"));
        if src.exists() {
            std::fs::copy(&src, to.join(format!("data/keyctl.db{suffix}"))).unwrap();
        }
    }
    std::fs::copy(from.join("config.toml"), to.join("config.toml")).unwrap();
}

fn answers(s: &TestStore, keys: &[(&'static str, String)]) -> Answers {
    let input: String = keys.iter().map(|(_, k)| format!("{k}\n")).collect();
    let run = |extra: &[&str]| {
        let mut args = vec!["--no-record"];
        args.extend_from_slice(extra);
        let (_, mut lines) = s.verify_stream(input.as_bytes(), &args);
        // A store that no longer opens answers nothing, and a stream that fails on a row
        // stops answering: what was not answered was not accepted.
        assert!(lines.len() <= keys.len());
        lines.resize(keys.len(), Value::Null);
        lines
    };
    Answers { plain: run(&[]), write: run(&["--require", "models:write"]) }
}

// ---- one cell ----------------------------------------------------------------------------

struct Cell {
    s: TestStore,
    baseline: Answers,
}

impl Cell {
    /// A fresh copy of the world.
    fn new() -> Cell {
        let w = world();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        copy_store(&w.dir, dir.path());
        Cell { s: TestStore::from_parts(dir, w.store_key.clone()), baseline: w.baseline.clone() }
    }

    fn id(&self, name: &str) -> String {
        world().ids[name].clone()
    }

    fn secret(&self, name: &str) -> String {
        world().keys.iter().find(|k| k.0 == name).unwrap().1.clone()
    }

    /// Runs a CLI change, then takes the honest answers of the changed store as the baseline.
    fn change(&mut self, args: &[&str]) {
        self.s.ok(args);
        self.baseline = answers(&self.s, &world().keys);
    }

    fn exec(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) {
        let n = self.s.sql().execute(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert!(n > 0, "{sql} changed no row");
    }

    fn blob(&self, table: &str, pk: &str, id: &str, col: &str) -> Vec<u8> {
        self.s.sql().query_row(&format!("SELECT {col} FROM {table} WHERE {pk} = ?1"), [id], |r| r.get(0)).unwrap()
    }

    /// Flips one byte in the middle of a blob column.
    fn edit_byte(&self, table: &str, pk: &str, id: &str, col: &str) {
        let mut b = self.blob(table, pk, id, col);
        let i = b.len() / 2;
        b[i] ^= 0x01;
        self.exec(&format!("UPDATE {table} SET {col} = ?1 WHERE {pk} = ?2"), &[&b, &id]);
    }

    /// Swaps one column between two rows.
    fn swap(&self, table: &str, pk: &str, a: &str, b: &str, col: &str) {
        let get = |id: &str| -> Sql {
            self.s.sql().query_row(&format!("SELECT {col} FROM {table} WHERE {pk} = ?1"), [id], |r| r.get(0)).unwrap()
        };
        let (va, vb) = (get(a), get(b));
        self.exec(&format!("UPDATE {table} SET {col} = ?1 WHERE {pk} = ?2"), &[&vb, &a]);
        self.exec(&format!("UPDATE {table} SET {col} = ?1 WHERE {pk} = ?2"), &[&va, &b]);
    }

    fn delete(&self, table: &str, pk: &str, id: &str) {
        self.exec(&format!("DELETE FROM {table} WHERE {pk} = ?1"), &[&id]);
    }

    /// Every column of one row, to put back later.
    fn snapshot(&self, table: &str, pk: &str, id: &str) -> Vec<Sql> {
        let conn = self.s.sql();
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} WHERE {pk} = ?1")).unwrap();
        let n = stmt.column_count();
        stmt.query_row([id], |r| (0..n).map(|i| r.get::<_, Sql>(i)).collect()).unwrap()
    }

    /// Puts a snapshot back, replacing whatever row has its key (or none).
    fn restore(&self, table: &str, pk: &str, id: &str, row: &[Sql]) {
        let conn = self.s.sql();
        conn.execute(&format!("DELETE FROM {table} WHERE {pk} = ?1"), [id]).unwrap();
        let marks = vec!["?"; row.len()].join(", ");
        conn.execute(&format!("INSERT INTO {table} VALUES ({marks})"), rusqlite::params_from_iter(row.iter())).unwrap();
    }

    /// One single-shot verify (not recorded): exit code and JSON.
    fn verify(&self, name: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--no-record"];
        all.extend_from_slice(args);
        self.s.verify(&self.secret(name), &all)
    }

    /// The key is refused because its store data fails authentication or freshness.
    fn assert_integrity_error(&self, name: &str, args: &[&str]) {
        let (code, v) = self.verify(name, args);
        assert_eq!(code, 4, "{name} {args:?}: expected an integrity error, got {v}");
    }

    /// The key gets exactly this verify code (an honest refusal, or still VALID).
    fn assert_code(&self, name: &str, args: &[&str], want: &str) {
        let (code, v) = self.verify(name, args);
        assert_eq!(v["code"], want, "{name} {args:?} (exit {code}): {v}");
        assert_eq!(code, if want == "VALID" { 0 } else { 10 }, "{name} {args:?}");
    }

    /// `store check` exits 4 and its report names every needle.
    fn assert_check_names(&self, needles: &[&str]) {
        let (code, out) = self.s.check();
        assert_eq!(code, 4, "store check should fail: {out}");
        for n in needles {
            assert!(out.contains(n), "store check should name {n:?}: {out}");
        }
    }

    fn assert_check_passes(&self) {
        let (code, out) = self.s.check();
        assert_eq!(code, 0, "{out}");
    }

    /// No key answers VALID now unless it did before, and then with no more permission.
    fn assert_no_widening(&self) {
        let now = answers(&self.s, &world().keys);
        for (set, before, after) in
            [("plain", &self.baseline.plain, &now.plain), ("write", &self.baseline.write, &now.write)]
        {
            for (i, (name, _)) in world().keys.iter().enumerate() {
                if after[i]["valid"] != true {
                    continue;
                }
                assert_eq!(
                    before[i]["code"], "VALID",
                    "{name} ({set}) became VALID: was {}, now {}",
                    before[i], after[i]
                );
                assert_eq!(after[i]["permission"], before[i]["permission"], "{name} ({set}) permission changed");
                assert_eq!(after[i]["scopes"], before[i]["scopes"], "{name} ({set}) scopes changed");
            }
        }
    }

    /// Runs a command and expects exit 4 (it reads a row that fails authentication).
    fn assert_command_4(&self, args: &[&str]) {
        let (code, err) = self.s.fails(args);
        assert_eq!(code, 4, "{args:?}: {err}");
    }
}

// ---- api_keys ----------------------------------------------------------------------------

#[test]
fn api_keys_edit_payload_byte() {
    let c = Cell::new();
    c.edit_byte("api_keys", "id", &c.id("k_rita"), "payload");
    c.assert_integrity_error("k_rita", &[]);
    c.assert_check_names(&[&c.id("k_rita"), "fails authentication"]);
    c.assert_no_widening();
}

#[test]
fn api_keys_edit_each_clear_column() {
    // Every clear column but the hash is bound into the payload's associated data.
    let edits: &[(&str, &str, &str)] = &[
        ("k_revoked", "revoked_at", "NULL"),
        ("k_rita", "owner_id", "(SELECT id FROM members WHERE id <> owner_id AND parent = api_keys.org_id LIMIT 1)"),
        (
            "k_old",
            "project_id",
            "(SELECT id FROM projects WHERE id <> project_id AND parent = api_keys.org_id LIMIT 1)",
        ),
        ("k_you", "org_id", "(SELECT id FROM orgs WHERE id <> org_id LIMIT 1)"),
        ("k_you", "created_at", "created_at - 1"),
        ("k_you", "expires_at", "created_at + 3600"),
        ("k_narrow", "payload", "(SELECT o.payload FROM api_keys o WHERE o.id <> ?1 LIMIT 1)"),
    ];
    for (name, col, value) in edits {
        let c = Cell::new();
        c.exec(&format!("UPDATE api_keys SET {col} = {value} WHERE id = ?1"), &[&c.id(name)]);
        c.assert_integrity_error(name, &[]);
        c.assert_check_names(&[&c.id(name)]);
        c.assert_no_widening();
    }
    // The hash is the lookup itself: another hash makes the key unknown (honest refusal).
    let c = Cell::new();
    c.edit_byte("api_keys", "id", &c.id("k_you"), "hash");
    c.assert_code("k_you", &[], "NOT_FOUND");
    c.assert_check_names(&[&c.id("k_you")]);
    c.assert_no_widening();
}

#[test]
fn api_keys_swap_payloads() {
    let c = Cell::new();
    c.swap("api_keys", "id", &c.id("k_rita"), &c.id("k_you"), "payload");
    c.assert_integrity_error("k_rita", &[]);
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&[&c.id("k_rita"), &c.id("k_you")]);
    c.assert_no_widening();
}

#[test]
fn api_keys_delete_row() {
    let c = Cell::new();
    c.delete("api_keys", "id", &c.id("k_you"));
    // The row is gone: NOT_FOUND is the honest answer (a refusal).
    c.assert_code("k_you", &[], "NOT_FOUND");
    c.assert_check_names(&["missing"]);
    c.assert_no_widening();
}

#[test]
fn api_keys_reinsert_before_revoke() {
    let mut c = Cell::new();
    let row = c.snapshot("api_keys", "id", &c.id("k_you"));
    c.change(&["key", "revoke", &c.id("k_you")]);
    c.restore("api_keys", "id", &c.id("k_you"), &row);
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&[&c.id("k_you"), "not its latest version"]);
    c.assert_no_widening();
}

#[test]
fn api_keys_reinsert_before_narrowing() {
    let mut c = Cell::new();
    let row = c.snapshot("api_keys", "id", &c.id("k_bob"));
    c.change(&["key", "update", &c.id("k_bob"), "--permission", "readonly"]);
    c.assert_code("k_bob", &["--require", "models:write"], "INSUFFICIENT_PERMISSIONS");
    c.restore("api_keys", "id", &c.id("k_bob"), &row);
    c.assert_integrity_error("k_bob", &["--require", "models:write"]);
    c.assert_check_names(&[&c.id("k_bob"), "not its latest version"]);
    c.assert_no_widening();
}

#[test]
fn api_keys_reinsert_after_prune() {
    let mut c = Cell::new();
    let row = c.snapshot("api_keys", "id", &c.id("k_revoked"));
    c.change(&["key", "prune"]);
    c.restore("api_keys", "id", &c.id("k_revoked"), &row);
    c.exec("UPDATE api_keys SET revoked_at = NULL WHERE id = ?1", &[&c.id("k_revoked")]);
    c.assert_integrity_error("k_revoked", &[]);
    c.assert_check_names(&[&c.id("k_revoked")]);
    c.assert_no_widening();
}

// ---- projects ----------------------------------------------------------------------------

#[test]
fn projects_edit_payload_byte() {
    let c = Cell::new();
    c.edit_byte("projects", "id", &c.id("p2"), "payload");
    c.assert_integrity_error("k_sa_all", &[]);
    c.assert_check_names(&[&c.id("p2"), "fails authentication"]);
    c.assert_command_4(&["project", "list"]);
    c.assert_no_widening();
}

#[test]
fn projects_edit_parent_and_lookup() {
    for col in ["parent", "lookup"] {
        let c = Cell::new();
        if col == "parent" {
            c.exec("UPDATE projects SET parent = ?1 WHERE id = ?2", &[&c.id("beta"), &c.id("old")]);
        } else {
            c.exec("UPDATE projects SET lookup = ?1 WHERE id = ?2", &[&vec![7u8; 32], &c.id("old")]);
        }
        // k_old's project is archived: moving or renaming the row must not make it usable.
        let (code, v) = c.verify("k_old", &[]);
        assert!(code == 4 || (code == 10 && v["code"] != "VALID"), "{col}: {code} {v}");
        c.assert_check_names(&[&c.id("old")]);
        c.assert_no_widening();
    }
}

#[test]
fn projects_swap_payloads_archived_and_active() {
    let c = Cell::new();
    c.swap("projects", "id", &c.id("old"), &c.id("p2"), "payload");
    c.assert_integrity_error("k_old", &[]);
    c.assert_integrity_error("k_sa_all", &[]);
    c.assert_check_names(&[&c.id("old"), &c.id("p2")]);
    c.assert_no_widening();
}

#[test]
fn projects_delete_row() {
    let c = Cell::new();
    c.delete("projects", "id", &c.id("old"));
    // A live key whose project vanished without the CLI revoking it: refused as tampering.
    c.assert_integrity_error("k_old", &[]);
    c.assert_check_names(&["missing"]);
    c.assert_no_widening();
}

#[test]
fn projects_reinsert_before_archive() {
    let mut c = Cell::new();
    let row = c.snapshot("projects", "id", &c.id("p2"));
    c.change(&["project", "archive", "p2"]);
    c.assert_code("k_sa_all", &[], "PROJECT_ARCHIVED");
    c.restore("projects", "id", &c.id("p2"), &row);
    c.assert_integrity_error("k_sa_all", &[]);
    c.assert_check_names(&[&c.id("p2"), "not its latest version"]);
    c.assert_no_widening();
}

#[test]
fn projects_reinsert_before_limits() {
    // A budget, then the project row from before it: the limit must not silently vanish.
    let mut c = Cell::new();
    let row = c.snapshot("projects", "id", &c.id("default"));
    c.change(&["project", "limits", "Default project", "--rpm", "1"]);
    c.restore("projects", "id", &c.id("default"), &row);
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&[&c.id("default")]);
    c.assert_no_widening();
}

// ---- members -----------------------------------------------------------------------------

#[test]
fn members_edit_payload_byte() {
    let c = Cell::new();
    c.edit_byte("members", "id", &c.id("rita"), "payload");
    c.assert_integrity_error("k_rita", &[]);
    c.assert_check_names(&[&c.id("rita"), "fails authentication"]);
    c.assert_command_4(&["member", "list"]);
    c.assert_no_widening();
}

#[test]
fn members_swap_payloads_readonly_and_admin() {
    let c = Cell::new();
    c.swap("members", "id", &c.id("rita"), &c.id("bob"), "payload");
    c.assert_integrity_error("k_rita", &["--require", "models:write"]);
    c.assert_integrity_error("k_bob", &[]);
    c.assert_check_names(&[&c.id("rita"), &c.id("bob")]);
    c.assert_no_widening();
}

#[test]
fn members_delete_row() {
    let c = Cell::new();
    c.delete("members", "id", &c.id("rita"));
    // A key whose owner is gone has no role: OWNER_REMOVED is the honest refusal.
    c.assert_code("k_rita", &[], "OWNER_REMOVED");
    c.assert_check_names(&["missing"]);
    c.assert_no_widening();
}

#[test]
fn members_reinsert_before_demotion() {
    let mut c = Cell::new();
    let row = c.snapshot("members", "id", &c.id("bob"));
    c.change(&["member", "set-role", "bob@example.com", "readonly"]);
    c.restore("members", "id", &c.id("bob"), &row);
    c.assert_integrity_error("k_bob", &["--require", "models:write"]);
    c.assert_check_names(&[&c.id("bob"), "not its latest version"]);
    c.assert_no_widening();
}

#[test]
fn members_reinsert_after_removal() {
    let mut c = Cell::new();
    let row = c.snapshot("members", "id", &c.id("rita"));
    c.change(&["member", "remove", "rita@example.com", "--yes"]);
    c.restore("members", "id", &c.id("rita"), &row);
    // Her keys were revoked with her; the re-inserted row is refused wherever it is read.
    let (code, v) = c.verify("k_rita", &[]);
    assert!(code == 4 || v["code"] == "REVOKED", "{code} {v}");
    c.assert_command_4(&["member", "list"]);
    c.assert_check_names(&[&c.id("rita"), "never written"]);
    c.assert_no_widening();
}

// ---- service accounts --------------------------------------------------------------------

#[test]
fn service_accounts_edit_payload_byte() {
    let c = Cell::new();
    c.edit_byte("service_accounts", "id", &c.id("sa-ro"), "payload");
    c.assert_integrity_error("k_sa_ro", &[]);
    c.assert_check_names(&[&c.id("sa-ro"), "fails authentication"]);
    c.assert_no_widening();
}

#[test]
fn service_accounts_edit_parent() {
    let c = Cell::new();
    c.exec("UPDATE service_accounts SET parent = ?1 WHERE id = ?2", &[&c.id("default"), &c.id("sa-all")]);
    // The key's project no longer matches the account's: no role there (or tampering).
    let (code, v) = c.verify("k_sa_all", &[]);
    assert!(code == 4 || v["code"] == "OWNER_REMOVED", "{code} {v}");
    c.assert_check_names(&[&c.id("sa-all")]);
    c.assert_no_widening();
}

#[test]
fn service_accounts_swap_payloads() {
    let c = Cell::new();
    c.swap("service_accounts", "id", &c.id("sa-ro"), &c.id("sa-all"), "payload");
    c.assert_integrity_error("k_sa_ro", &["--require", "models:write"]);
    c.assert_integrity_error("k_sa_all", &[]);
    c.assert_check_names(&[&c.id("sa-ro"), &c.id("sa-all")]);
    c.assert_no_widening();
}

#[test]
fn service_accounts_delete_row() {
    let c = Cell::new();
    c.delete("service_accounts", "id", &c.id("sa-ro"));
    c.assert_code("k_sa_ro", &[], "OWNER_REMOVED");
    c.assert_check_names(&["missing"]);
    c.assert_no_widening();
}

#[test]
fn service_accounts_reinsert_after_delete() {
    let mut c = Cell::new();
    let row = c.snapshot("service_accounts", "id", &c.id("sa-ro"));
    c.change(&["sa", "delete", "sa-ro", "--project", "p2", "--yes"]);
    c.restore("service_accounts", "id", &c.id("sa-ro"), &row);
    let (code, v) = c.verify("k_sa_ro", &[]);
    assert!(code == 4 || v["code"] == "REVOKED", "{code} {v}");
    c.assert_command_4(&["sa", "list"]);
    c.assert_check_names(&[&c.id("sa-ro"), "never written"]);
    c.assert_no_widening();
}

// ---- orgs --------------------------------------------------------------------------------
//
// `key verify` never reads the org row (the key row names its org, bound into the key's
// own authenticated data, and its project's parent must match), so a tampered org row
// leaves every verify as it was: "still works" is the honest answer there. Every command
// that reads the org refuses it, and `store check` names it.

#[test]
fn orgs_edit_payload_byte() {
    let c = Cell::new();
    c.edit_byte("orgs", "id", &c.id("acme"), "payload");
    c.assert_code("k_you", &[], "VALID"); // verify does not read the org
    c.assert_command_4(&["key", "list"]);
    c.assert_command_4(&["org", "list"]);
    c.assert_check_names(&[&c.id("acme"), "fails authentication"]);
    c.assert_no_widening();
}

#[test]
fn orgs_swap_payloads() {
    let c = Cell::new();
    c.swap("orgs", "id", &c.id("acme"), &c.id("beta"), "payload");
    c.assert_command_4(&["org", "list"]);
    c.assert_check_names(&[&c.id("acme"), &c.id("beta")]);
    c.assert_no_widening();
}

#[test]
fn orgs_delete_row() {
    let c = Cell::new();
    c.delete("orgs", "id", &c.id("acme"));
    // Still works for verify (see above); the org's commands no longer find it.
    c.assert_code("k_you", &[], "VALID");
    let (code, _) = c.s.fails(&["key", "list"]);
    assert_ne!(code, 0, "commands in a deleted org must not work");
    c.assert_check_names(&["missing"]);
    c.assert_no_widening();
}

#[test]
fn orgs_reinsert_before_upgrade() {
    let mut c = Cell::new();
    let row = c.snapshot("orgs", "id", &c.id("beta"));
    c.change(&["org", "upgrade", "beta"]);
    c.restore("orgs", "id", &c.id("beta"), &row);
    c.assert_command_4(&["org", "show", "beta"]);
    c.assert_check_names(&[&c.id("beta"), "not its latest version"]);
    c.assert_no_widening();
}

// ---- slots -------------------------------------------------------------------------------
//
// A slot is unlock material, not a sealed row: damage to it can lock its own secret out
// (exit 3), which is fine, but must never let a wrong secret in. `store check` (run with a
// secret that still works) does not report a damaged slot: only its own secret notices.

fn unlock_code(c: &Cell, env: (&str, &str)) -> i32 {
    let out = c.s.run_env(&[env], &["store", "info"]);
    out.status.code().unwrap_or(-1)
}

fn store_key(c: &Cell) -> (&'static str, String) {
    ("KEYCTL_STORE_KEY", c.s.store_key.clone())
}

#[test]
fn slots_edit_wrapped_salt_or_kdf() {
    let edits: &[(&str, &str)] = &[
        ("wrapped", "edit byte"),
        ("salt", "edit byte"),
        ("kdf", "UPDATE slots SET kdf = 'pbkdf2-sha256', iterations = 1 WHERE name = ?1"),
    ];
    for (col, how) in edits {
        let c = Cell::new();
        if *how == "edit byte" {
            c.edit_byte("slots", "name", "test", col);
        } else {
            c.exec(how, &[&"test"]);
        }
        let (k, v) = store_key(&c);
        assert_eq!(unlock_code(&c, (k, &v)), 3, "{col}: the test store key must be locked out");
        // Other secrets still open the store, and it is otherwise sound.
        assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", PASSPHRASE)), 0, "{col}");
        assert_eq!(unlock_code(&c, ("KEYCTL_STORE_KEY", &world().ci_key)), 0, "{col}");
        let out = c.s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "check"]);
        if *col == "kdf" {
            // A passphrase slot named "test" is one keyctl never makes (issue 10 item 9).
            assert_eq!(out.status.code(), Some(4), "{col}: store check flags the slot");
            assert!(String::from_utf8_lossy(&out.stdout).contains("\"test\""), "{col}");
        } else {
            assert_eq!(out.status.code(), Some(0), "{col}: the rows are untouched");
        }
    }
}

#[test]
fn slots_edit_iterations() {
    // The passphrase slot's PBKDF2 count is bound into its wrapping: a lower count (say, to
    // make guessing cheaper) locks the passphrase out instead of opening faster.
    let c = Cell::new();
    c.exec("UPDATE slots SET iterations = 1 WHERE name = 'passphrase'", &[]);
    assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", PASSPHRASE)), 3);
    let (k, v) = store_key(&c);
    assert_eq!(unlock_code(&c, (k, &v)), 0);
    // A store-key slot has no iteration count (HKDF): the column is unused there, so
    // editing it changes nothing. "Still works" is the honest answer.
    let c = Cell::new();
    c.exec("UPDATE slots SET iterations = 5 WHERE name = 'test'", &[]);
    let (k, v) = store_key(&c);
    assert_eq!(unlock_code(&c, (k, &v)), 0);
}

#[test]
fn slots_swap_wrapped_and_names() {
    for col in ["wrapped", "salt", "name"] {
        let c = Cell::new();
        if col == "name" {
            c.exec("UPDATE slots SET name = 'tmp' WHERE name = 'test'", &[]);
            c.exec("UPDATE slots SET name = 'test' WHERE name = 'ci'", &[]);
            c.exec("UPDATE slots SET name = 'ci' WHERE name = 'tmp'", &[]);
        } else {
            c.swap("slots", "name", "test", "ci", col);
        }
        // The slot name is bound into the wrapping: neither key opens the other's slot.
        let (k, v) = store_key(&c);
        assert_eq!(unlock_code(&c, (k, &v)), 3, "{col}");
        assert_eq!(unlock_code(&c, ("KEYCTL_STORE_KEY", &world().ci_key)), 3, "{col}");
        assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", PASSPHRASE)), 0, "{col}");
        // A wrong secret is still wrong.
        assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", "wrong")), 3, "{col}");
    }
}

#[test]
fn slots_passphrase_slot_swapped_with_a_store_key_slot() {
    let c = Cell::new();
    c.swap("slots", "name", "passphrase", "test", "wrapped");
    assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", PASSPHRASE)), 3);
    let (k, v) = store_key(&c);
    assert_eq!(unlock_code(&c, (k, &v)), 3);
    assert_eq!(unlock_code(&c, ("KEYCTL_STORE_KEY", &world().ci_key)), 0);
}

#[test]
fn slots_delete_row() {
    let c = Cell::new();
    c.delete("slots", "name", "test");
    // Locks that secret out (fine); the others still open a sound store. Not reported by
    // `store check`: removing a slot only denies access, it grants none.
    let (k, v) = store_key(&c);
    assert_eq!(unlock_code(&c, (k, &v)), 3);
    let out = c.s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "check"]);
    assert_eq!(out.status.code(), Some(0));
    c.s.sql().execute("DELETE FROM slots", []).unwrap();
    assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", PASSPHRASE)), 3, "no slot: nothing opens");
}

#[test]
fn slots_reinsert_after_remove_key() {
    let c = Cell::new();
    let row = c.snapshot("slots", "name", "ci");
    c.s.ok(&["store", "remove-key", "ci", "--yes"]);
    assert_eq!(unlock_code(&c, ("KEYCTL_STORE_KEY", &world().ci_key)), 3, "removed");
    c.restore("slots", "name", "ci", &row);
    // Documented limit: removing a slot does not re-encrypt (spec section 3), so whoever
    // holds the removed key and an older copy of the file already holds the data key; the
    // re-inserted slot opens the store again, like restoring an older copy of the file.
    // What must hold: no other secret gets in, and nothing about the keys changes.
    assert_eq!(unlock_code(&c, ("KEYCTL_PASSPHRASE", "wrong")), 3);
    let code = unlock_code(&c, ("KEYCTL_STORE_KEY", &world().ci_key));
    assert!(code == 0 || code == 3, "{code}");
    let mut c = c;
    c.baseline = answers(&c.s, &world().keys);
    c.assert_no_widening();
}

// ---- audit -------------------------------------------------------------------------------

fn audit_verify(c: &Cell) -> (i32, String) {
    let out = c.s.run(&["audit", "verify"]);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn last_seq(c: &Cell) -> i64 {
    c.s.sql().query_row("SELECT max(seq) FROM audit", [], |r| r.get(0)).unwrap()
}

/// `audit verify` and `store check` both exit 4 naming `needle`.
fn assert_audit_broken(c: &Cell, needle: &str) {
    let (code, err) = audit_verify(c);
    assert_eq!(code, 4, "audit verify: {err}");
    assert!(err.contains(needle), "audit verify should name {needle:?}: {err}");
    c.assert_check_names(&[needle]);
    // The audit log is not read by verify: keys answer as before.
    c.assert_no_widening();
}

#[test]
fn audit_edit_payload_at_and_mac() {
    for col in ["payload", "mac"] {
        let c = Cell::new();
        c.edit_byte("audit", "seq", "3", col);
        assert_audit_broken(&c, "audit entry 3");
    }
    let c = Cell::new();
    c.exec("UPDATE audit SET at = at - 86400 WHERE seq = 3", &[]);
    assert_audit_broken(&c, "audit entry 3");
}

#[test]
fn audit_swap_payloads() {
    let c = Cell::new();
    c.swap("audit", "seq", "3", "4", "payload");
    assert_audit_broken(&c, "audit entry 3");
    let c = Cell::new();
    // Swapping whole entries (payload, time and MAC) is a reordering.
    for col in ["payload", "at", "mac"] {
        c.swap("audit", "seq", "3", "4", col);
    }
    assert_audit_broken(&c, "audit entry 3");
}

#[test]
fn audit_delete_rows() {
    let c = Cell::new();
    c.delete("audit", "seq", "3");
    assert_audit_broken(&c, "audit entry 3 is missing");
    let c = Cell::new();
    let last = last_seq(&c).to_string();
    c.delete("audit", "seq", &last);
    assert_audit_broken(&c, "deleted from the end");
    let c = Cell::new();
    c.exec("DELETE FROM audit", &[]);
    assert_audit_broken(&c, "deleted from the end");
}

#[test]
fn audit_reinsert_an_older_head() {
    let c = Cell::new();
    let head = c.snapshot("meta", "name", "audit_head");
    c.s.ok(&["project", "create", "later"]);
    c.restore("meta", "name", "audit_head", &head);
    // The ledger tracks the head's version: the older head itself is named.
    assert_audit_broken(&c, "audit_head");
}

#[test]
fn audit_reinsert_an_entry_after_its_deletion() {
    // An entry is append-only: put back exactly as it was, it is the same entry.
    let c = Cell::new();
    let row = c.snapshot("audit", "seq", "3");
    c.delete("audit", "seq", "3");
    c.restore("audit", "seq", "3", &row);
    assert_eq!(audit_verify(&c).0, 0, "an identical entry put back is not a change");
    // But an entry moved to another place in the chain is caught.
    let c = Cell::new();
    let row = c.snapshot("audit", "seq", "3");
    let mut moved = row.clone();
    moved[0] = Sql::Integer(last_seq(&c) + 1);
    c.restore("audit", "seq", &(last_seq(&c) + 1).to_string(), &moved);
    let (code, err) = audit_verify(&c);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn audit_truncated_with_its_older_head_put_back() {
    let c = Cell::new();
    let head = c.snapshot("meta", "name", "audit_head");
    let before = last_seq(&c);
    c.s.ok(&["key", "create", "hidden", "-q"]);
    c.s.ok(&["project", "create", "also-hidden"]);
    assert!(last_seq(&c) > before);
    // Erase the two entries and put back the head that matches the shorter log.
    c.exec("DELETE FROM audit WHERE seq > ?1", &[&before]);
    c.restore("meta", "name", "audit_head", &head);
    let (code, err) = audit_verify(&c);
    assert_eq!(code, 4, "the erased entries went unnoticed: {err}");
    c.assert_check_names(&["audit"]);
}

// ---- meta: owner, ledger_head, audit_head -------------------------------------------------

#[test]
fn meta_owner_edit_swap_delete_and_foreign_copy() {
    // The owner record only names who "you" are for new keys; verify does not read it.
    let variants: &[&str] = &["edit", "swap", "delete", "foreign"];
    for v in variants {
        let c = Cell::new();
        match *v {
            "edit" => c.edit_byte("meta", "name", "owner", "value"),
            "swap" => c.swap("meta", "name", "owner", "audit_head", "value"),
            "delete" => c.delete("meta", "name", "owner"),
            _ => {
                // The owner record of another store (another data key), put in its place.
                let other = TestStore::new_file();
                let foreign: Vec<u8> =
                    other.sql().query_row("SELECT value FROM meta WHERE name = 'owner'", [], |r| r.get(0)).unwrap();
                c.exec("UPDATE meta SET value = ?1 WHERE name = 'owner'", &[&foreign]);
            }
        }
        c.assert_command_4(&["key", "create", "-q"]);
        c.assert_check_names(&["owner"]);
        c.assert_no_widening();
    }
}

#[test]
fn meta_ledger_head_edit_swap_and_delete() {
    for v in ["edit", "swap", "delete"] {
        let c = Cell::new();
        match v {
            "edit" => c.edit_byte("meta", "name", "ledger_head", "value"),
            "swap" => c.swap("meta", "name", "ledger_head", "audit_head", "value"),
            _ => c.delete("meta", "name", "ledger_head"),
        }
        // Every sealed row is checked through the head: every key is refused.
        for (name, _) in &world().keys {
            c.assert_integrity_error(name, &[]);
        }
        c.assert_check_names(&["ledger head"]);
        c.assert_no_widening();
    }
}

#[test]
fn meta_ledger_head_reinsert_before_revoke() {
    let mut c = Cell::new();
    let head = c.snapshot("meta", "name", "ledger_head");
    c.change(&["key", "revoke", &c.id("k_you")]);
    c.restore("meta", "name", "ledger_head", &head);
    // The older head no longer matches the ledger nodes the revoke rewrote.
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&["ledger"]);
    c.assert_no_widening();
    // Putting back the older key row too (head and row from before the revoke, ledger
    // nodes from after) is still caught.
    let mut c = Cell::new();
    let head = c.snapshot("meta", "name", "ledger_head");
    let row = c.snapshot("api_keys", "id", &c.id("k_you"));
    c.change(&["key", "revoke", &c.id("k_you")]);
    c.restore("meta", "name", "ledger_head", &head);
    c.restore("api_keys", "id", &c.id("k_you"), &row);
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&["ledger"]);
    c.assert_no_widening();
    // Documented limit (spec section 3): putting back the older head, every older ledger
    // node and the older row together restores a whole older state, like an older copy of
    // the file; that cannot be detected from inside the file and is not tested here.
}

// ---- ledger nodes ------------------------------------------------------------------------

fn ledger_nodes(c: &Cell, leaves: bool) -> Vec<i64> {
    let sql = if leaves {
        "SELECT node FROM ledger WHERE node < 1000000"
    } else {
        "SELECT node FROM ledger WHERE node >= 1000000"
    };
    let conn = c.s.sql();
    let mut stmt = conn.prepare(sql).unwrap();
    let nodes: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    nodes
}

#[test]
fn ledger_edit_every_leaf_and_group() {
    for leaves in [true, false] {
        let c = Cell::new();
        for node in ledger_nodes(&c, leaves) {
            c.edit_byte("ledger", "node", &node.to_string(), "body");
        }
        for (name, _) in &world().keys {
            c.assert_integrity_error(name, &[]);
        }
        c.assert_check_names(&["ledger"]);
        c.assert_no_widening();
    }
}

#[test]
fn ledger_edit_one_leaf() {
    let c = Cell::new();
    let leaves = ledger_nodes(&c, true);
    c.edit_byte("ledger", "node", &leaves[leaves.len() / 2].to_string(), "body");
    // Only the rows under that leaf are refused; the check names the damaged path.
    c.assert_check_names(&["ledger"]);
    c.assert_no_widening();
}

#[test]
fn ledger_swap_two_leaves() {
    let c = Cell::new();
    let leaves = ledger_nodes(&c, true);
    assert!(leaves.len() >= 2);
    c.swap("ledger", "node", &leaves[0].to_string(), &leaves[1].to_string(), "body");
    c.assert_check_names(&["ledger"]);
    c.assert_no_widening();
}

#[test]
fn ledger_delete_nodes() {
    for leaves in [true, false] {
        let c = Cell::new();
        let nodes = ledger_nodes(&c, leaves);
        c.delete("ledger", "node", &nodes[0].to_string());
        c.assert_check_names(&["ledger"]);
        c.assert_no_widening();
    }
    // The whole ledger gone (its head kept): every key is refused.
    let c = Cell::new();
    c.exec("DELETE FROM ledger", &[]);
    for (name, _) in &world().keys {
        c.assert_integrity_error(name, &[]);
    }
    c.assert_check_names(&["ledger"]);
}

#[test]
fn ledger_reinsert_older_nodes_before_revoke() {
    let mut c = Cell::new();
    let nodes: Vec<(i64, Vec<Sql>)> = ledger_nodes(&c, true)
        .into_iter()
        .chain(ledger_nodes(&c, false))
        .map(|n| (n, c.snapshot("ledger", "node", &n.to_string())))
        .collect();
    let row = c.snapshot("api_keys", "id", &c.id("k_you"));
    c.change(&["key", "revoke", &c.id("k_you")]);
    // Older nodes and the older key row, under the current (sealed) head.
    c.exec("DELETE FROM ledger", &[]);
    for (n, body) in &nodes {
        c.restore("ledger", "node", &n.to_string(), body);
    }
    c.restore("api_keys", "id", &c.id("k_you"), &row);
    c.assert_integrity_error("k_you", &[]);
    c.assert_check_names(&["ledger"]);
    c.assert_no_widening();
}

// ---- usage and counters: plain integers by design ------------------------------------------

#[test]
fn usage_rows_deleted_lift_max_uses_by_design() {
    // Spec section 3: counters stay plain integers; tampering with them can only hide usage
    // (and lift a limit the attacker could lift by deleting them). So deleting k_capped's
    // usage makes it usable again: "still works" is the documented answer, not a breach of
    // the key's permission. Nothing else changes, and store check does not object.
    let c = Cell::new();
    c.assert_code("k_capped", &[], "USAGE_EXCEEDED");
    c.exec("DELETE FROM usage WHERE key_id = ?1", &[&c.id("k_capped")]);
    c.s.sql().execute("DELETE FROM counters", []).unwrap();
    c.assert_code("k_capped", &[], "VALID");
    c.assert_check_passes();
    // It does not widen the key: same permission and scopes as any VALID answer.
    let (_, v) = c.verify("k_capped", &[]);
    assert_eq!(v["permission"], "all");
}

// ---- meta rows in clear: store_id and the format marker -------------------------------------

#[test]
fn meta_store_id_and_format_marker() {
    // store_id is a label for humans (store info); it guards nothing: "still works".
    let c = Cell::new();
    c.exec("UPDATE meta SET value = CAST('forged' AS BLOB) WHERE name = 'store_id'", &[]);
    c.assert_code("k_you", &[], "VALID");
    c.assert_check_passes();
    // Without the format marker the file is not recognised as a store at all.
    let c = Cell::new();
    c.delete("meta", "name", "format");
    let (code, err) = c.s.fails(&["key", "list"]);
    assert_eq!(code, 3, "{err}");
    let (code, _) = c.verify("k_you", &[]);
    assert_eq!(code, 3);
}

// ---- values of the wrong SQLite type --------------------------------------------------------

/// Columns given a value of another type (SQLite lets plain SQL store anything anywhere).
const TYPE_CONFUSION: &[(&str, &str)] = &[
    ("api_keys", "UPDATE api_keys SET created_at = 'yesterday'"),
    ("api_keys", "UPDATE api_keys SET payload = CAST(payload AS TEXT)"),
    ("api_keys", "UPDATE api_keys SET expires_at = 99999999999999999999"),
    ("projects", "UPDATE projects SET payload = 42"),
    ("members", "UPDATE members SET lookup = 'x' || id"),
    ("slots", "UPDATE slots SET salt = 'text'"),
    ("slots", "UPDATE slots SET iterations = 99999999999 WHERE name = 'passphrase'"),
    ("audit", "UPDATE audit SET mac = 'text' WHERE seq = 2"),
    ("ledger", "UPDATE ledger SET body = 7 WHERE node = (SELECT min(node) FROM ledger)"),
    ("meta", "UPDATE meta SET value = 1 WHERE name = 'ledger_head'"),
];

#[test]
fn values_of_the_wrong_type_never_let_a_key_in() {
    for (table, sql) in TYPE_CONFUSION {
        let c = Cell::new();
        c.exec(sql, &[]);
        // Refused one way or another (exit 1-4, or an honest rejection), never VALID
        // beyond what was VALID before, and never a panic.
        let (code, out) = c.s.check();
        assert!((1..=4).contains(&code), "{table}: {sql}: store check exited {code}: {out}");
        assert!(!out.contains("panicked"), "{table}: {out}");
        c.assert_no_widening();
    }
}

#[test]
fn values_of_the_wrong_type_are_reported_as_tampering() {
    for (table, sql) in TYPE_CONFUSION {
        let c = Cell::new();
        c.exec(sql, &[]);
        let (code, out) = c.s.check();
        assert_eq!(code, 4, "{table}: {sql}: {out}");
        // A stream answers the damaged row and goes on to the next key.
        let input: String = world().keys.iter().map(|(_, k)| format!("{k}\n")).collect();
        let out = c.s.run_stdin(&["key", "verify", "--stream", "--no-record"], &input);
        let answered = String::from_utf8_lossy(&out.stdout).lines().count();
        assert!(
            out.status.code() == Some(4) || answered == world().keys.len(),
            "{table}: {sql}: the stream stopped after {answered} answers"
        );
    }
}
