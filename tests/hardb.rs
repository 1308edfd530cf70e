//! Issue 10 (items 1, 2, 4, 8, 10, 11): the store holds against someone who can write its
//! file. Each test performs the attack with plain SQL or file operations.

mod common;

use common::*;

// ---- item 2: planted schema objects (property 5) ---------------------------------------------

/// Plants `sql` in a store with a live key, then: `key revoke` must not report success, the
/// key must not verify, and `store check` exits 4 naming `object`.
fn assert_planted_object_refused(sql: &str, object: &str) {
    let s = TestStore::new_file();
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
    let s = TestStore::new_file();
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

// ---- item 1: no downgrade of an upgraded store (property 6) -----------------------------------

/// A copy of `tests/fixtures/store-v1.db` (schema 1, sealed before the keyring) in a harness
/// store, with the fixture's facts.
fn v1_fixture() -> (TestStore, serde_json::Value) {
    let root = env!("CARGO_MANIFEST_DIR");
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/tests/fixtures/store-v1.json")).unwrap())
            .unwrap();
    let s = TestStore::from_parts(tempfile::tempdir().unwrap(), facts["store_key"].as_str().unwrap().to_owned());
    std::fs::create_dir_all(s.path().parent().unwrap()).unwrap();
    std::fs::copy(format!("{root}/tests/fixtures/store-v1.db"), s.path()).unwrap();
    (s, facts)
}

const V1_KEY_COLUMNS: &str = "hash, id, org_id, project_id, owner_id, created_at, expires_at, revoked_at, payload";

#[test]
fn issue10_1_records_from_before_the_upgrade_never_authenticate_again() {
    for drop_keyring in [false, true] {
        let (s, facts) = v1_fixture();
        let live = facts["live_key"].as_str().unwrap();
        let old = tempfile::tempdir().unwrap();
        let old_copy = old.path().join("pre-upgrade.db");
        std::fs::copy(s.path(), &old_copy).unwrap();

        let key_id = s.verify(live, &["--no-record"]).1["key_id"].as_str().unwrap().to_owned();
        s.ok(&["key", "revoke", &key_id, "--yes"]);
        assert_eq!(s.verify(live, &[]).1["code"], "REVOKED");

        // The attack of the issue: the pre-upgrade owner record, no ledger, the key's old row.
        let conn = s.sql();
        conn.execute("ATTACH DATABASE ?1 AS old", [old_copy.to_str().unwrap()]).unwrap();
        conn.execute_batch(&format!(
            "UPDATE meta SET value = (SELECT value FROM old.meta WHERE name = 'owner') WHERE name = 'owner';
             DELETE FROM meta WHERE name = 'ledger_head'; DELETE FROM ledger;
             DELETE FROM api_keys WHERE id = '{key_id}';
             INSERT INTO api_keys ({V1_KEY_COLUMNS}) SELECT {V1_KEY_COLUMNS} FROM old.api_keys WHERE id = '{key_id}';"
        ))
        .unwrap();
        if drop_keyring {
            conn.execute_batch("DELETE FROM meta WHERE name = 'keyring'").unwrap();
        }
        drop(conn);

        let (exit, v) = s.verify(live, &[]);
        assert_ne!(v["code"], "VALID", "keyring dropped: {drop_keyring}: {v}");
        assert_eq!(exit, 4, "keyring dropped: {drop_keyring}: {v}");
        assert_eq!(s.check().0, 4);
        assert_eq!(s.fails(&["audit", "verify"]).0, 4);
        assert_eq!(s.fails(&["key", "list"]).0, 4);
    }
}

#[test]
fn issue10_1_an_upgraded_store_cannot_pass_for_a_level_1_one() {
    // Without its keyring (the sealed protection level), the upgraded store's rows no longer
    // open under the old keys: it is refused rather than upgraded (and its ledger rebuilt) again.
    let (s, facts) = v1_fixture();
    assert_eq!(s.verify(facts["live_key"].as_str().unwrap(), &[]).0, 0);
    s.sql().execute_batch("DELETE FROM meta WHERE name = 'keyring'").unwrap();
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains("fails authentication"), "{report}");
    // A store made by this build is at level 2 from `init`: the same holds.
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    s.sql().execute_batch("DELETE FROM meta WHERE name = 'keyring'").unwrap();
    assert_eq!(s.verify(&key, &[]).0, 4);
}

// ---- item 4: a partial rollback is refused by every command ----------------------------------

#[test]
fn issue10_4_an_old_ledger_with_an_old_key_row_is_refused_by_verify() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&["deploy"]);
    let old = tempfile::tempdir().unwrap();
    let old_copy = old.path().join("before.db");
    s.sql().execute("VACUUM INTO ?1", [old_copy.to_str().unwrap()]).unwrap();
    s.ok(&["key", "revoke", &id, "--yes"]);
    // Put back the old ledger (head and nodes) and the key's old row; the audit log and the
    // audit head stay as they are.
    let conn = s.sql();
    conn.execute("ATTACH DATABASE ?1 AS old", [old_copy.to_str().unwrap()]).unwrap();
    conn.execute_batch(&format!(
        "DELETE FROM ledger; INSERT INTO ledger SELECT * FROM old.ledger;
         UPDATE meta SET value = (SELECT value FROM old.meta WHERE name = 'ledger_head') WHERE name = 'ledger_head';
         DELETE FROM api_keys WHERE id = '{id}'; INSERT INTO api_keys SELECT * FROM old.api_keys WHERE id = '{id}';"
    ))
    .unwrap();
    drop(conn);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["valid"].as_bool()), (4, None), "{v}");
    let (exit, lines) = s.verify_stream(format!("{key}\n{key}\n").as_bytes(), &["-o", "json"]);
    assert!(lines.iter().all(|l| l["code"] == "INTEGRITY_ERROR"), "exit {exit}: {lines:?}");
    assert_eq!(s.check().0, 4);
    for args in [&["key", "list"][..], &["project", "list"], &["audit", "list"], &["store", "info"]] {
        assert_eq!(s.fails(args).0, 4, "{args:?}");
    }

    // The audit head put back too: the log then runs past its head.
    let conn = s.sql();
    conn.execute("ATTACH DATABASE ?1 AS old", [old_copy.to_str().unwrap()]).unwrap();
    conn.execute_batch(
        "UPDATE meta SET value = (SELECT value FROM old.meta WHERE name = 'audit_head') WHERE name = 'audit_head';",
    )
    .unwrap();
    drop(conn);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!(exit, 4, "{v}");
}

// ---- item 11: backups --------------------------------------------------------------------------

/// A harness command on another store file (a backup), with the same secret and state.
fn on_file(s: &TestStore, path: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = s.cmd();
    cmd.env("KEYCTL_STORE", path);
    cmd
}

#[test]
fn issue10_11_store_backup_writes_a_consistent_0600_copy_that_the_same_secrets_open() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&["deploy"]);
    let info = s.json(&["store", "info"]);
    assert!(info["wal_bytes"].as_u64().unwrap() > 0, "the recent writes live in the WAL: {info}");
    assert!(info["generation"].as_u64().unwrap() > 0, "{info}");
    assert_eq!(info["ledger_head"].as_str().unwrap().len(), 32, "{info}");
    // What `cp` would have copied: the main file alone does not hold the new key yet.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let out = s.json(&["store", "backup", backup.to_str().unwrap()]);
    assert_eq!(out["generation"], info["generation"], "{out}");
    assert_eq!(mode(&backup), 0o600);
    assert!(!std::path::Path::new(&format!("{}-wal", backup.display())).exists(), "the backup is one file");
    // The copy alone (no WAL beside it) holds everything, and its slots open with the same key.
    let out =
        on_file(&s, &backup).args(["key", "verify", "--no-record"]).write_stdin(format!("{key}\n")).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = on_file(&s, &backup).args(["store", "check"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    // An existing file is never overwritten.
    let (exit, err) = s.fails(&["store", "backup", backup.to_str().unwrap()]);
    assert_eq!(exit, 1, "{err}");
    assert!(err.contains("already exists"), "{err}");
}

// ---- item 10: whole-store rollback against the local anchor (property 8) -----------------------

fn copy_of(s: &TestStore, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    s.ok(&["store", "backup", path.to_str().unwrap()]);
    path
}

/// Puts `copy` back as the whole store file, the way an attacker (or a careless `cp`) would.
fn put_back(s: &TestStore, copy: &std::path::Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path().display()));
    }
    std::fs::copy(copy, s.path()).unwrap();
}

#[test]
fn issue10_10_an_older_copy_of_the_whole_store_is_refused_and_restore_is_deliberate() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&["deploy"]);
    let member = s.ok(&["store", "add-key", "ci", "-q"]).trim().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let old = copy_of(&s, dir.path(), "old.db");
    let pinned = s.json(&["store", "info"])["generation"].as_u64().unwrap();
    s.ok(&["key", "revoke", &id, "--yes"]);
    let info = s.json(&["store", "info"]);
    let newer = info["generation"].as_u64().unwrap();
    assert!(newer > pinned);

    put_back(&s, &old);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!(exit, 4, "the revoked key's old store was accepted: {v}");
    let out = s.run_stdin(&["key", "verify"], &format!("{key}\n"));
    let err = stderr_of(&out);
    assert!(err.contains(&format!("generation {pinned}")) && err.contains(&format!("generation {newer}")), "{err}");
    assert!(err.contains("store restore"), "{err}");
    assert_one_line_error(&out);
    let (exit, lines) = s.verify_stream(format!("{key}\n").as_bytes(), &[]);
    assert_eq!((exit, lines.len()), (4, 0));
    let (exit, report) = s.check();
    assert_eq!(exit, 4);
    assert!(report.contains("rolled back"), "{report}");
    assert_eq!(s.fails(&["key", "list"]).0, 4);

    // Pinning works on any machine: a CI job that saw `newer` refuses the older store too.
    let fresh_state = tempfile::tempdir().unwrap();
    let out = s
        .cmd()
        .env("XDG_STATE_HOME", fresh_state.path())
        .args(["store", "check", "--expect-generation", &newer.to_string()])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stdout_of(&out));

    // A deliberate restore: refused without --yes, then done, recorded and re-anchored.
    assert_eq!(
        s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "restore", old.to_str().unwrap()]).status.code(),
        Some(2)
    );
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "restore", old.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(s.verify(&key, &["--no-record"]).0, 0, "the restored state is the backup's");
    let audit = s.json(&["audit", "list"]);
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "store.restored"), "{audit}");
    assert_eq!(s.check().0, 0);
    // The backup itself is left as it was, and a store key that is not an admin may not restore.
    let out = s.run_env(&[("KEYCTL_STORE_KEY", &member)], &["store", "restore", old.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&out), 1, "{}", stderr_of(&out));
}

#[test]
fn issue10_10_restore_repairs_a_tampered_store_and_anchor_files_are_private() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    let dir = tempfile::tempdir().unwrap();
    let good = copy_of(&s, dir.path(), "good.db");
    s.sql().execute_batch("CREATE TRIGGER t BEFORE UPDATE ON api_keys BEGIN SELECT RAISE(IGNORE); END;").unwrap();
    assert_eq!(s.verify(&key, &[]).0, 4);
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "restore", good.to_str().unwrap(), "-y"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(s.verify(&key, &[]).0, 0);
    let anchors = s.dir.path().join("state").join("keyctl").join("anchors");
    assert_eq!(mode(&anchors), 0o700);
    let files: Vec<_> = std::fs::read_dir(&anchors).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    // A damaged backup is refused and the store stays as it is.
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, b"not a store").unwrap();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "restore", bad.to_str().unwrap(), "-y"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_eq!(s.verify(&key, &[]).0, 0);
}

// ---- item 8: rekey; removed slots leave the files ----------------------------------------------

#[test]
fn issue10_8_a_removed_slot_is_gone_from_the_files_when_remove_key_returns() {
    let s = TestStore::new_file();
    s.ok(&["store", "add-key", "ci", "-q"]);
    let wrapped: Vec<u8> = s.sql().query_row("SELECT wrapped FROM slots WHERE name = 'ci'", [], |r| r.get(0)).unwrap();
    assert!(contains(&s.file_bytes(), &wrapped));
    s.ok(&["store", "remove-key", "ci", "--yes"]);
    assert!(!contains(&s.file_bytes(), &wrapped), "the removed slot's wrapped key is still in the store's files");
}

#[test]
fn issue10_8_rekey_locks_out_removed_keys_and_old_copies_and_keeps_api_keys() {
    let mut s = TestStore::new_file();
    let (_, key) = s.create_key(&["deploy"]);
    let leaked = s.ok(&["store", "add-key", "ci", "-q"]).trim().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let old = copy_of(&s, dir.path(), "old.db");
    s.ok(&["store", "remove-key", "ci", "--yes"]);
    // The removed key still opens the old copy.
    let out = on_file(&s, &old).env("KEYCTL_STORE_KEY", &leaked).args(["key", "list"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));

    // A store key may not rekey; the passphrase may.
    assert_eq!(s.fails(&["store", "rekey", "--yes"]).0, 1);
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["store", "rekey", "--yes", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reissued = v["store_keys"].as_array().unwrap();
    assert_eq!(reissued.len(), 1, "{v}");
    assert_eq!(reissued[0]["name"], "test");
    let old_test_key = std::mem::replace(&mut s.store_key, reissued[0]["store_key"].as_str().unwrap().to_owned());

    // API keys keep verifying; the store checks clean; the old store key is out.
    assert_eq!(s.verify(&key, &[]).0, 0);
    assert_eq!(s.check().0, 0);
    assert_eq!(s.run_env(&[("KEYCTL_STORE_KEY", &old_test_key)], &["key", "list"]).status.code(), Some(3));
    assert_eq!(s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["key", "list"]).status.code(), Some(0));

    // The attack: the removed key's slot copied from the old copy into the live store.
    // It unwraps the old data key, which opens nothing in the live store.
    let conn = s.sql();
    conn.execute("ATTACH DATABASE ?1 AS old", [old.to_str().unwrap()]).unwrap();
    conn.execute_batch("INSERT INTO slots SELECT * FROM old.slots WHERE name = 'ci'").unwrap();
    drop(conn);
    let out = s.run_env(&[("KEYCTL_STORE_KEY", &leaked)], &["key", "list"]);
    assert_ne!(code(&out), 0, "the removed key opened the rekeyed store");
    assert_eq!(code(&out), 4, "{}", stderr_of(&out));
    let audit = s.json(&["audit", "list"]);
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "store.rekeyed"), "{audit}");
}
