//! Issue 10 (items 1, 2, 4, 8, 10, 11): the store holds against someone who can write its
//! file. Each test performs the attack with plain SQL or file operations.

mod common;

use common::*;

// ---- item 2: planted schema objects (property 5) ---------------------------------------------

/// Plants `sql` in a store with a live key, then: `key revoke` must not report success, the
/// key must not verify, and `store check` exits 4 naming `object`.
fn assert_planted_object_refused(sql: &str, object: &str) {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["deploy"]);
    s.sql().execute_batch(sql).unwrap();
    let out = s.run(&["key", "revoke", &id, "--yes"]);
    assert_eq!(code(&out), 4, "{object}: revoke {}", stderr_of(&out));
    assert_one_line_error(&out);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!(exit, 4, "{object}: verify {v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(object), "store check does not name {object}: {report}");
    // Removing the planted object makes the store whole again: the key was never revoked.
    let name = object.split('"').nth(1).unwrap();
    let kind = object.split(' ').next().unwrap();
    s.sql().execute_batch(&format!("DROP {kind} \"{name}\"")).unwrap();
    assert_eq!(s.verify(&key, &[]).0, 0);
}

#[test]
fn issue10_2_a_trigger_on_any_table_is_refused() {
    for table in ["api_keys", "ledger", "meta", "audit", "usage", "slots"] {
        assert_planted_object_refused(
            &format!("CREATE TRIGGER swallow_{table} BEFORE UPDATE ON {table} BEGIN SELECT RAISE(IGNORE); END;"),
            &format!("trigger \"swallow_{table}\" on {table}"),
        );
    }
    assert_planted_object_refused(
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(IGNORE); END;",
        "trigger \"no_audit\" on audit",
    );
}

#[test]
fn issue10_2_a_view_an_index_or_a_table_is_refused() {
    assert_planted_object_refused("CREATE VIEW keys_view AS SELECT id FROM api_keys;", "view \"keys_view\"");
    assert_planted_object_refused("CREATE INDEX api_keys_owner2 ON api_keys (owner_id);", "index \"api_keys_owner2\"");
    assert_planted_object_refused("CREATE TABLE planted (x);", "table \"planted\"");
}

#[test]
fn issue10_2_a_table_redefined_to_ignore_writes_is_refused() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    // Same name and columns, but a constraint that silently drops every counter write.
    s.sql()
        .execute_batch(
            "DROP TABLE counters;
             CREATE TABLE counters (scope_id TEXT NOT NULL, kind TEXT NOT NULL, window_start INTEGER NOT NULL,
               value INTEGER NOT NULL CHECK (value < 0), PRIMARY KEY (scope_id, kind) ON CONFLICT IGNORE) WITHOUT ROWID;",
        )
        .unwrap();
    assert_eq!(s.verify(&key, &[]).0, 4);
    let (exit, report) = s.check();
    assert_eq!(exit, 4);
    assert!(report.contains("table \"counters\" differs"), "{report}");
}
