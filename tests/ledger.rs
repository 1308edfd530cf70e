//! The freshness ledger (spec section 3, property 3): with plain SQL and no store secret,
//! putting back an older version of a row, re-inserting a deleted row, deleting a row or
//! editing the ledger itself is refused by `key verify` and named by `store check`.

mod common;

use common::TestStore;
use rusqlite::params;

/// Every column of one row, to put back later.
fn snapshot(s: &TestStore, table: &str, id: &str) -> Vec<rusqlite::types::Value> {
    let conn = s.sql();
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} WHERE id = ?1")).unwrap();
    let n = stmt.column_count();
    stmt.query_row([id], |r| (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect()).unwrap()
}

fn restore(s: &TestStore, table: &str, id: &str, row: &[rusqlite::types::Value]) {
    let conn = s.sql();
    conn.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id]).unwrap();
    let marks = vec!["?"; row.len()].join(", ");
    conn.execute(&format!("INSERT INTO {table} VALUES ({marks})"), rusqlite::params_from_iter(row.iter())).unwrap();
}

fn assert_check_names(s: &TestStore, needle: &str) {
    let (code, out) = s.check();
    assert_eq!(code, 4, "store check should fail: {out}");
    assert!(out.contains(needle), "store check should name {needle}: {out}");
}

#[test]
fn an_untouched_store_passes_with_its_ledger() {
    let s = TestStore::new();
    s.ok(&["key", "create", "--count", "20", "-q"]);
    s.ok(&["project", "create", "p"]);
    s.ok(&["sa", "create", "bot", "--project", "p", "-q"]);
    let (code, out) = s.check();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_pruned_key_put_back_never_verifies() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    let revoked_row = snapshot(&s, "api_keys", &id);
    s.ok(&["key", "prune"]);
    restore(&s, "api_keys", &id, &revoked_row);
    // Even un-revoking the re-inserted row cannot help: the ledger no longer knows it.
    s.sql().execute("UPDATE api_keys SET revoked_at = NULL WHERE id = ?1", [&id]).unwrap();
    let (code, v) = s.verify(&key, &[]);
    assert_ne!(v["valid"], true);
    assert_eq!(code, 4);
    assert_check_names(&s, &id);
}

#[test]
fn a_demoted_member_rolled_back_keeps_the_lower_role() {
    let s = TestStore::new_file();
    s.ok(&["member", "add", "bob@example.com", "--role", "all"]);
    let bob = s.json(&["member", "show", "bob@example.com"])["id"].as_str().unwrap().to_owned();
    let (_, key) = s.create_key(&["--owner", "bob@example.com"]);
    let before = snapshot(&s, "members", &bob);
    s.ok(&["member", "set-role", "bob@example.com", "readonly"]);
    assert_eq!(s.verify(&key, &["--require", "models:write"]).1["code"], "INSUFFICIENT_PERMISSIONS");
    restore(&s, "members", &bob, &before);
    let (code, v) = s.verify(&key, &["--require", "models:write"]);
    assert_ne!(v["valid"], true, "the rolled-back role must not widen the key");
    assert_eq!(code, 4);
    assert_check_names(&s, &bob);
}

#[test]
fn a_deleted_service_account_put_back_is_refused() {
    let s = TestStore::new_file();
    let sa = s.json(&["sa", "create", "bot"]);
    let id = sa["id"].as_str().unwrap().to_owned();
    let key = sa["key"].as_str().unwrap().to_owned();
    let row = snapshot(&s, "service_accounts", &id);
    s.ok(&["sa", "delete", "bot", "--yes"]);
    restore(&s, "service_accounts", &id, &row);
    let (code, v) = s.verify(&key, &[]);
    assert_ne!(v["valid"], true);
    assert!(code == 10 || code == 4, "{code}");
    let (list_code, _) = s.fails(&["sa", "list"]);
    assert_eq!(list_code, 4, "listing must refuse the re-inserted row");
    assert_check_names(&s, &id);
}

#[test]
fn a_row_deleted_with_sql_is_reported() {
    let s = TestStore::new_file();
    let (id, _) = s.create_key(&[]);
    s.sql().execute("DELETE FROM api_keys WHERE id = ?1", [&id]).unwrap();
    assert_check_names(&s, "missing");
}

#[test]
fn editing_the_ledger_itself_is_detected() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    let conn = s.sql();
    let (node, mut body): (i64, Vec<u8>) = conn
        .query_row("SELECT node, body FROM ledger WHERE node < 1000000 LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    body[0] ^= 1;
    conn.execute("UPDATE ledger SET body = ?1 WHERE node = ?2", params![body, node]).unwrap();
    let (code, _) = s.check();
    assert_eq!(code, 4);
    // A verify that reads a damaged path refuses rather than guesses.
    let (vcode, v) = s.verify(&key, &[]);
    assert!(vcode == 0 || vcode == 4, "{vcode}");
    if vcode == 0 {
        assert_eq!(v["valid"], true, "only an untouched path may verify");
    }
}

#[test]
fn a_deleted_ledger_head_is_tampering_not_an_old_store() {
    let s = TestStore::new_file();
    s.create_key(&[]);
    s.sql().execute("DELETE FROM meta WHERE name = 'ledger_head'", []).unwrap();
    let (code, err) = s.fails(&["key", "list"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("ledger"), "{err}");
}
