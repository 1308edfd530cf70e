//! Issue 4: service accounts. `service-account` (alias `sa`) `create|list|show|delete`,
//! personal vs organization orgs, keys issued to service accounts (`sk-svcacct-`), their
//! effective permission, and service-account rows edited with plain SQL.

mod common;
#[path = "common/permission_table.rs"]
mod permission_table;

use common::verdict_no_record as verdict;
use common::{assert_one_line_error, code, rejected, stderr_of, stdout_of, valid, TestStore};
use permission_table::{key_args, mismatches};
use serde_json::{json, Value};

const SA_PREFIX: &str = "sk-svcacct-";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

fn project(s: &TestStore, name: &str) -> String {
    id(&s.json(&["project", "create", name]))
}

/// `sa create NAME ARGS... -o json`; returns (the JSON, the first key).
fn create(s: &TestStore, name: &str, args: &[&str]) -> (Value, String) {
    let v = s.json(&[&["sa", "create", name], args].concat());
    let key = v["key"].as_str().unwrap_or_else(|| panic!("no key in {v}")).to_owned();
    (v, key)
}

/// Verify's (exit code, code), without counting a use.
fn names(list: &Value) -> Vec<String> {
    let list = list.as_array().unwrap_or_else(|| panic!("not an array: {list}"));
    let mut out: Vec<String> = list.iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

fn assert_fails(s: &TestStore, args: &[&str], rc: i32, needles: &[&str]) {
    let out = s.run(args);
    assert_eq!(code(&out), rc, "{args:?}: {}{}", stdout_of(&out), stderr_of(&out));
    assert_one_line_error(&out);
    assert!(out.stdout.is_empty(), "{args:?} printed {}", stdout_of(&out));
    for n in needles {
        assert!(stderr_of(&out).contains(n), "{args:?}: {n:?} not in {}", stderr_of(&out));
    }
}

fn assert_utc_time(v: &Value) {
    let t = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    assert!(t.ends_with('Z') && chrono_like(t), "not RFC 3339 UTC: {t}");
}

/// `YYYY-MM-DDTHH:MM:SS...Z` without pulling in a date crate.
fn chrono_like(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':'
}

// ---- effective permission: every key permission × every service-account role --------------

/// One service account per role in the default project; the name of the one with `role`.
fn sa_with_role(role: &str) -> String {
    format!("bot-{role}")
}

fn one_account_per_role() -> TestStore {
    let s = TestStore::new();
    for role in permission_table::LEVELS {
        create(&s, &sa_with_role(role), &["--role", role]);
    }
    s
}

#[test]
fn effective_permission_for_every_key_permission_and_service_account_role() {
    let s = one_account_per_role();
    let mut wrong = Vec::new();
    for cell in permission_table::cells(false) {
        let sa = sa_with_role(cell.role);
        let (_, key) = s.create_key(&[&["--service-account", sa.as_str()], key_args(cell.key)].concat());
        assert!(key.starts_with(SA_PREFIX), "{key}");
        wrong.extend(mismatches(&s, &key, cell));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn a_readonly_service_account_never_widens_a_restricted_keys_scopes() {
    let s = one_account_per_role();
    let mut wrong = Vec::new();
    for cell in permission_table::cells(true) {
        let sa = sa_with_role(cell.role);
        let (_, key) = s.create_key(&[&["--service-account", sa.as_str()], key_args(cell.key)].concat());
        wrong.extend(mismatches(&s, &key, cell));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_first_key_is_capped_by_the_accounts_role() {
    let s = TestStore::new();
    for (role, permission, write) in
        [("all", "all", true), ("restricted", "restricted", true), ("readonly", "readonly", false)]
    {
        let (v, key) = create(&s, &format!("first-{role}"), &["--role", role]);
        assert_eq!(v["role"], role);
        let (exit, out) = s.verify(&key, &["--no-record"]);
        assert_eq!((exit, &out["permission"]), (0, &json!(permission)), "{out}");
        let want = if write { valid() } else { rejected("INSUFFICIENT_PERMISSIONS") };
        assert_eq!(verdict(&s, &key, &["--require", "models:write"]), want, "role {role}");
    }
}

// ---- create: output, defaults, validation ------------------------------------------------

#[test]
fn create_json_is_the_account_plus_its_key() {
    let s = TestStore::new();
    let p1 = project(&s, "p1");
    let (v, key) = create(&s, "deployer", &["--project", "p1", "--role", "restricted"]);
    let sa = id(&v);
    assert!(sa.starts_with("svc_"), "{v}");
    assert_eq!(v["project_id"], p1.as_str());
    assert_eq!(v["name"], "deployer");
    assert_eq!(v["role"], "restricted");
    assert_utc_time(&v["created_at"]);
    assert!(key.starts_with(SA_PREFIX), "{key}");
    assert!(key[SA_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");

    // The key verifies and names its owner; it is never shown again.
    let (exit, out) = s.verify(&key, &[]);
    assert_eq!(exit, 0, "{out}");
    assert_eq!(out["owner"], json!({ "type": "service_account", "id": sa, "name": "deployer" }));
    assert_eq!(out["project_id"], p1.as_str());
    let shown = s.json(&["sa", "show", &sa]);
    assert_eq!(shown["id"], sa.as_str());
    for (k, want) in [("project_id", &v["project_id"]), ("name", &v["name"]), ("role", &v["role"])] {
        assert_eq!(&shown[k], want, "{k}");
    }
    for args in [&["sa", "show", "deployer"][..], &["sa", "list"], &["key", "list"], &["key", "list", "-o", "json"]] {
        let text = s.ok(args);
        assert!(!text.contains(&key[SA_PREFIX.len()..]), "{args:?} shows the secret: {text}");
    }
    let keys = s.json(&["key", "list", "--project", "p1"]);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["owner"], json!({ "type": "service_account", "id": sa, "name": "deployer" }));
    assert!(keys[0]["redacted"].as_str().unwrap().starts_with(SA_PREFIX));
}

#[test]
fn create_prints_only_the_key_on_stdout() {
    let s = TestStore::new();
    let out = s.run(&["sa", "create", "table-bot"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let key = stdout.trim();
    assert!(key.starts_with(SA_PREFIX), "{stdout}");
    let sa = id(&s.json(&["sa", "show", "table-bot"]));
    assert!(stderr_of(&out).contains(&sa), "the note names the account: {}", stderr_of(&out));
    assert!(!stderr_of(&out).contains(key), "the key is printed once: {}", stderr_of(&out));
    assert_eq!(verdict(&s, key, &[]), valid());

    let out = s.run(&["sa", "create", "quiet-bot", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(out.stderr.is_empty(), "-q writes nothing else: {}", stderr_of(&out));
    let key = stdout_of(&out);
    assert!(key.starts_with(SA_PREFIX) && key.trim().lines().count() == 1, "{key:?}");
    assert_eq!(verdict(&s, key.trim(), &[]), valid());
}

#[test]
fn create_defaults_to_role_all_in_the_default_project_with_no_expiry() {
    let s = TestStore::new();
    let default = id(&s.json(&["project", "list"]).as_array().unwrap()[0]);
    let (v, key) = create(&s, "plain", &[]);
    assert_eq!((&v["role"], &v["project_id"]), (&json!("all"), &json!(default)));
    let (_, out) = s.verify(&key, &[]);
    assert_eq!((&out["permission"], &out["expires_at"]), (&json!("all"), &Value::Null), "{out}");
}

#[test]
fn ttl_limits_the_first_keys_life() {
    let s = TestStore::new();
    let (_, key) = create(&s, "short", &["--ttl", "1h"]);
    let (exit, out) = s.verify(&key, &[]);
    assert_eq!(exit, 0, "{out}");
    assert_utc_time(&out["expires_at"]);
    let (_, long) = create(&s, "long", &["--ttl", "2w"]);
    let (_, out2) = s.verify(&long, &[]);
    assert!(out["expires_at"].as_str().unwrap() < out2["expires_at"].as_str().unwrap(), "{out} {out2}");
    let before = s.json(&["sa", "list"]).as_array().unwrap().len();
    for bad in ["soon", "0s", "-1h"] {
        let out = s.run(&["sa", "create", "bad-ttl", "--ttl", bad]);
        assert_eq!(code(&out), 2, "--ttl {bad}: {}", stderr_of(&out));
    }
    assert_eq!(s.json(&["sa", "list"]).as_array().unwrap().len(), before, "no account without its key");
}

#[test]
fn create_refuses_bad_roles_names_and_projects() {
    let s = TestStore::new();
    project(&s, "old");
    s.ok(&["project", "archive", "old"]);
    for role in ["owner", "admin", ""] {
        let out = s.run(&["sa", "create", "bot", "--role", role]);
        assert_eq!(code(&out), 2, "--role {role:?}: {}", stderr_of(&out));
        assert!(out.stdout.is_empty());
    }
    assert_fails(&s, &["sa", "create", "bot\u{1b}[31m"], 2, &[]);
    assert_fails(&s, &["sa", "create", ""], 2, &[]);
    assert_fails(&s, &["sa", "create", "bot", "--project", "nope"], 1, &["nope"]);
    assert_fails(&s, &["sa", "create", "bot", "--project", "old"], 1, &["archived"]);
    assert_eq!(s.json(&["sa", "list"]), json!([]));
    assert_eq!(s.json(&["key", "list", "--status", "all"]), json!([]), "no key without its account");
}

#[test]
fn the_alias_and_the_full_command_name_both_work() {
    let s = TestStore::new();
    let key = s.ok(&["service-account", "create", "long-name", "-q"]);
    assert!(key.starts_with(SA_PREFIX), "{key}");
    let (v, _) = create(&s, "short-name", &[]);
    let long = s.json(&["service-account", "list"]);
    assert_eq!(long, s.json(&["sa", "list"]));
    assert_eq!(names(&long), ["long-name", "short-name"]);
    assert_eq!(s.json(&["service-account", "show", "short-name"]), s.json(&["sa", "show", &id(&v)]));
    s.ok(&["service-account", "delete", "long-name", "--yes"]);
    assert_eq!(verdict(&s, key.trim(), &[]), rejected("REVOKED"));
    assert_eq!(names(&s.json(&["sa", "list"])), ["short-name"]);
}

// ---- personal vs organization orgs --------------------------------------------------------

#[test]
fn personal_orgs_refuse_service_accounts_until_upgraded() {
    let s = TestStore::with_init(&["init", "--personal", "--org", "me", "--owner", "ada@example.com"]);
    assert_eq!(s.json(&["org", "show"])["kind"], "personal");
    assert_fails(&s, &["sa", "create", "bot"], 1, &["keyctl org upgrade"]);
    assert_fails(&s, &["sa", "create", "bot", "-o", "json"], 1, &["keyctl org upgrade"]);
    assert_eq!(s.json(&["sa", "list"]), json!([]));
    assert_eq!(s.json(&["key", "list", "--status", "all"]), json!([]));

    s.ok(&["org", "upgrade", "me"]);
    let (v, key) = create(&s, "bot", &[]);
    assert_eq!(v["name"], "bot");
    assert_eq!(verdict(&s, &key, &[]), valid());
}

#[test]
fn a_personal_org_beside_an_organization_refuses_them_too() {
    let s = TestStore::new();
    s.ok(&["org", "create", "side", "--personal"]);
    assert_fails(&s, &["sa", "create", "bot", "--org", "side"], 1, &["keyctl org upgrade"]);
    let (_, key) = create(&s, "bot", &["--org", "acme"]);
    assert_eq!(verdict(&s, &key, &[]), valid());
    s.ok(&["org", "upgrade", "side"]);
    create(&s, "bot", &["--org", "side"]);
}

// ---- names, lookup, listing --------------------------------------------------------------

#[test]
fn names_are_unique_per_project() {
    let s = TestStore::new();
    project(&s, "p1");
    let (a, _) = create(&s, "ci", &[]);
    for again in ["ci", "CI"] {
        assert_fails(&s, &["sa", "create", again], 1, &["already"]);
    }
    let (b, _) = create(&s, "ci", &["--project", "p1"]);
    assert_ne!(id(&a), id(&b));
    // The name alone is now ambiguous; --project or the id settles it.
    let out = s.run(&["sa", "show", "ci"]);
    assert_ne!(code(&out), 0, "{}", stdout_of(&out));
    assert!(stderr_of(&out).contains("--project"), "{}", stderr_of(&out));
    assert_eq!(id(&s.json(&["sa", "show", "ci", "--project", "p1"])), id(&b));
    assert_eq!(s.json(&["sa", "show", &id(&a)])["name"], "ci");
    assert_eq!(s.json(&["sa", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn list_filters_by_project_and_shows_a_table() {
    let s = TestStore::new();
    let p1 = project(&s, "p1");
    project(&s, "p2");
    create(&s, "alpha", &[]);
    create(&s, "beta", &["--project", "p1", "--role", "readonly"]);
    create(&s, "gamma", &["--project", "p1"]);
    assert_eq!(names(&s.json(&["sa", "list"])), ["alpha", "beta", "gamma"]);
    let in_p1 = s.json(&["sa", "list", "--project", "p1"]);
    assert_eq!(names(&in_p1), ["beta", "gamma"]);
    assert!(in_p1.as_array().unwrap().iter().all(|a| a["project_id"] == p1.as_str()), "{in_p1}");
    assert_eq!(s.json(&["sa", "list", "--project", "p2"]), json!([]));
    assert_fails(&s, &["sa", "list", "--project", "nope"], 1, &["nope"]);
    let table = s.ok(&["sa", "list"]);
    assert!(table.contains("beta") && table.contains("readonly") && table.contains(" p1 "), "{table}");
    assert!(s.ok(&["sa", "list", "-o", "wide"]).contains(&p1), "-o wide keeps the ids");
    assert_fails(&s, &["sa", "show", "nobody"], 1, &["nobody"]);
}

// ---- more keys, delete -------------------------------------------------------------------

#[test]
fn more_keys_come_from_key_create_service_account() {
    let s = TestStore::new();
    project(&s, "p1");
    let (v, first) = create(&s, "deployer", &["--project", "p1", "--role", "readonly"]);
    let sa = id(&v);
    for by in ["deployer", sa.as_str()] {
        let k = s.json(&["key", "create", "--service-account", by, "--project", "p1"]);
        assert!(k["key"].as_str().unwrap().starts_with(SA_PREFIX), "{k}");
        assert_eq!(k["owner"], json!({ "type": "service_account", "id": sa, "name": "deployer" }));
        let (_, out) = s.verify(k["key"].as_str().unwrap(), &[]);
        assert_eq!(out["permission"], "readonly", "capped by the account's role: {out}");
    }
    // An account has a role only in its own project.
    assert_fails(&s, &["key", "create", "--service-account", &sa], 1, &[]);
    assert_fails(&s, &["key", "create", "--service-account", "deployer"], 1, &["deployer"]);
    assert_fails(&s, &["key", "create", "--service-account", "nobody", "--project", "p1"], 1, &["nobody"]);
    let out = s.run(&["key", "create", "--service-account", "deployer", "--owner", "ada@example.com"]);
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_eq!(s.json(&["key", "list", "--project", "p1"]).as_array().unwrap().len(), 3);
    assert_eq!(verdict(&s, &first, &[]), valid());
}

#[test]
fn delete_needs_yes_and_revokes_every_key_of_the_account() {
    let s = TestStore::new();
    let (v, first) = create(&s, "doomed", &[]);
    let sa = id(&v);
    let (second_id, second) = s.create_key(&["--service-account", "doomed"]);
    let (_, bystander) = create(&s, "bystander", &[]);
    let (_, mine) = s.create_key(&[]);

    let out = s.run_stdin(&["sa", "delete", "doomed"], "doomed\n");
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("--yes"), "{}", stderr_of(&out));
    assert_eq!(verdict(&s, &first, &[]), valid());

    let deleted = s.json(&["sa", "delete", "doomed", "--yes"]);
    assert_eq!((id(&deleted), &deleted["name"]), (sa.clone(), &json!("doomed")));
    assert_eq!(verdict(&s, &first, &[]), rejected("REVOKED"));
    assert_eq!(verdict(&s, &second, &[]), rejected("REVOKED"));
    assert_eq!(s.json(&["key", "show", &second_id])["status"], "revoked");
    assert_eq!(verdict(&s, &bystander, &[]), valid());
    assert_eq!(verdict(&s, &mine, &[]), valid());
    assert_fails(&s, &["sa", "show", &sa], 1, &[]);
    assert_fails(&s, &["sa", "delete", "doomed", "--yes"], 1, &["doomed"]);
    assert_eq!(names(&s.json(&["sa", "list"])), ["bystander"]);

    // The name is free again, and a new account does not revive the old keys.
    let (again, key) = create(&s, "doomed", &[]);
    assert_ne!(id(&again), sa);
    assert_eq!(verdict(&s, &key, &[]), valid());
    assert_eq!(verdict(&s, &first, &[]), rejected("REVOKED"));
}

// ---- integrity: service-account rows edited with plain SQL -------------------------------

fn payload(s: &TestStore, id: &str) -> Vec<u8> {
    s.sql().query_row("SELECT payload FROM service_accounts WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

fn set_payload(s: &TestStore, id: &str, payload: &[u8]) {
    let n = s
        .sql()
        .execute("UPDATE service_accounts SET payload = ?1 WHERE id = ?2", rusqlite::params![payload, id])
        .unwrap();
    assert_eq!(n, 1);
}

/// An `all` and a `readonly` account; returns their ids and the readonly one's key.
fn admin_and_reader(s: &TestStore) -> (String, String, String) {
    let (admin, _) = create(s, "admin-bot", &["--role", "all"]);
    let (reader, key) = create(s, "reader-bot", &["--role", "readonly"]);
    assert_eq!(verdict(s, &key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    (id(&admin), id(&reader), key)
}

/// A raised role is caught: see `common::assert_raise_caught`; `sa list` exits 4 too.
fn assert_raise_caught(s: &TestStore, key: &str, ids: &[&str]) {
    common::assert_raise_caught(s, key, ids, &["sa", "list", "-o", "json"]);
}

#[test]
fn an_admin_accounts_payload_copied_over_a_readonly_one_is_caught() {
    let s = TestStore::new_file();
    let (admin, reader, key) = admin_and_reader(&s);
    set_payload(&s, &reader, &payload(&s, &admin));
    assert_raise_caught(&s, &key, &[&reader]);
    assert_fails(&s, &["sa", "show", &reader], 4, &[]);
}

#[test]
fn service_account_payloads_swapped_are_caught() {
    let s = TestStore::new_file();
    let (admin, reader, key) = admin_and_reader(&s);
    let (pa, pr) = (payload(&s, &admin), payload(&s, &reader));
    set_payload(&s, &admin, &pr);
    set_payload(&s, &reader, &pa);
    assert_raise_caught(&s, &key, &[&admin, &reader]);
}

#[test]
fn a_service_account_moved_to_another_project_is_caught() {
    let s = TestStore::new_file();
    project(&s, "p1");
    let (admin, _) = create(&s, "admin-bot", &["--project", "p1", "--role", "all"]);
    let (_, key) = create(&s, "reader-bot", &["--role", "readonly"]);
    let admin = id(&admin);
    let default = s.json(&["sa", "show", "reader-bot"])["project_id"].as_str().unwrap().to_owned();
    // Move the p1 admin into the reader's project, and point the reader's key at it.
    let conn = s.sql();
    conn.execute("UPDATE service_accounts SET parent = ?1 WHERE id = ?2", [&default, &admin]).unwrap();
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&admin), "{report}");
    conn.execute("UPDATE api_keys SET owner_id = ?1 WHERE project_id = ?2", [&admin, &default]).unwrap();
    let (exit, v) = s.verify(&key, &["--require", "models:write"]);
    assert_ne!(v["valid"], true, "{v}");
    assert_eq!(exit, 4, "{v}");
}
