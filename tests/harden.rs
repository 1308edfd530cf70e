//! Issue 10 (hardening), items 3, 5, 6, 7, 9, 12 and 13: each test performs the attack (a
//! plain SQL edit, a file swap, a hostile argument) and asserts that keyctl refuses it.

mod common;

use common::*;
use serde_json::Value;

/// Runs with a given store key instead of the harness's admin key.
fn run_as(s: &TestStore, store_key: &str, args: &[&str]) -> std::process::Output {
    s.bare().env("KEYCTL_STORE_KEY", store_key).args(args).output().unwrap()
}

fn passphrase_run(s: &TestStore, args: &[&str]) -> std::process::Output {
    s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], args)
}

// ---- item 7: slot management needs the passphrase or an admin store key ---------------

#[test]
fn issue_10_7_a_plain_store_key_cannot_manage_slots() {
    let s = TestStore::new();
    let ci = s.ok(&["store", "add-key", "ci", "-q"]).trim().to_owned();
    type Attempt<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let attempts: [Attempt; 4] = [
        (&["store", "remove-key", "passphrase", "--yes"], &[]),
        (&["store", "remove-key", "test", "--yes"], &[]),
        (&["store", "add-key", "mine", "-q"], &[]),
        (&["store", "passwd"], &[("KEYCTL_NEW_PASSPHRASE", "taken over")]),
    ];
    for (args, env) in attempts {
        let mut cmd = s.bare();
        cmd.env("KEYCTL_STORE_KEY", &ci);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).output().unwrap();
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("admin"), "{args:?}: {}", stderr_of(&out));
    }
    // Nothing changed: the passphrase still opens the store, no slot was added or removed.
    let names: Vec<String> =
        s.json(&["store", "keys"]).as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["ci", "passphrase", "test"]);
    assert_eq!(code(&passphrase_run(&s, &["store", "info"])), 0);
    // The same key still does everything else.
    assert_eq!(code(&run_as(&s, &ci, &["key", "create", "-q"])), 0);
}

#[test]
fn issue_10_7_admin_store_keys_manage_slots_and_show_as_admin() {
    let s = TestStore::new();
    let admin = s.ok(&["store", "add-key", "ops", "--admin", "-q"]).trim().to_owned();
    assert_eq!(code(&run_as(&s, &admin, &["store", "add-key", "ci", "-q"])), 0);
    let keys = s.json(&["store", "keys"]);
    let admin_of = |name: &str| keys.as_array().unwrap().iter().find(|k| k["name"] == name).unwrap()["admin"].clone();
    assert_eq!(admin_of("passphrase"), true);
    assert_eq!(admin_of("ops"), true);
    assert_eq!(admin_of("ci"), false);
    let out = run_as(&s, &admin, &["store", "remove-key", "ci", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = run_as(&s, &admin, &["store", "passwd"]);
    assert_eq!(code(&out), 2, "no new passphrase given: {}", stderr_of(&out));
}

#[test]
fn issue_10_7_the_admin_flag_is_not_a_column_a_file_edit_could_flip() {
    let s = TestStore::new_file();
    let ci = s.ok(&["store", "add-key", "ci", "-q"]).trim().to_owned();
    // Admin and non-admin slots look alike in the file: same columns, same KDF, no flag.
    let db = s.sql();
    let cols: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('slots')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cols, ["name", "kdf", "iterations", "salt", "wrapped"]);
    // Giving ci the admin slot's salt and wrapped key does not make ci an admin: it opens nothing.
    db.execute(
        "UPDATE slots SET salt = (SELECT salt FROM slots WHERE name = 'test'), wrapped = (SELECT wrapped FROM slots WHERE name = 'test') WHERE name = 'ci'",
        [],
    )
    .unwrap();
    drop(db);
    let out = run_as(&s, &ci, &["store", "remove-key", "passphrase", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    // And renaming the admin's slot to ci breaks the admin key instead of lending it.
    let db = s.sql();
    db.execute("DELETE FROM slots WHERE name = 'ci'", []).unwrap();
    db.execute("UPDATE slots SET name = 'ci' WHERE name = 'test'", []).unwrap();
    drop(db);
    assert_eq!(code(&run_as(&s, &ci, &["store", "info"])), 3);
    assert_eq!(code(&s.run(&["store", "info"])), 3);
}

#[test]
fn issue_10_7_store_keys_of_an_older_store_are_not_admins() {
    let (dir, path, facts) = v1_fixture();
    let run = |env: (&str, &str), args: &[&str]| {
        keyctl()
            .env("KEYCTL_STORE", &path)
            .env("KEYCTL_CONFIG", dir.path().join("config.toml"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env(env.0, env.1)
            .args(args)
            .output()
            .unwrap()
    };
    let key = ("KEYCTL_STORE_KEY", facts["store_key"].as_str().unwrap());
    let out = run(key, &["store", "add-key", "more", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("admin"));
    let out = run(key, &["store", "keys", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let keys: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(keys.as_array().unwrap().iter().all(|k| k["admin"] == (k["type"] == "passphrase")), "{keys}");
    // The passphrase is still an admin and can make the old key's successor an admin one.
    let pass = ("KEYCTL_PASSPHRASE", facts["passphrase"].as_str().unwrap());
    let out = run(pass, &["store", "add-key", "ops", "--admin", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out =
        run(("KEYCTL_STORE_KEY", String::from_utf8(out.stdout).unwrap().trim()), &["store", "add-key", "more", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(code(&run(key, &["store", "check"])), 0, "{}", stderr_of(&run(key, &["store", "check"])));
}

// ---- item 9: a forged slot cannot hang an unlock; store check accounts for every slot -----

#[test]
fn issue_10_9_a_forged_slot_with_a_huge_kdf_cost_does_not_hang_unlock() {
    let s = TestStore::new_file();
    let db = s.sql();
    // Sorts before "passphrase", so a loop over every PBKDF2 slot would run it first.
    db.execute("INSERT INTO slots VALUES ('0evil', 'pbkdf2-sha256', 4294967295, randomblob(16), randomblob(60))", [])
        .unwrap();
    drop(db);
    let started = std::time::Instant::now();
    let out = passphrase_run(&s, &["key", "list"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", "wrong")], &["key", "list"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "unlock ran the forged KDF");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains("\"0evil\""), "{report}");
}

#[test]
fn issue_10_9_the_passphrase_slot_with_a_raised_cost_is_refused_not_run() {
    let s = TestStore::new_file();
    s.sql().execute("UPDATE slots SET iterations = 4294967295 WHERE name = 'passphrase'", []).unwrap();
    let started = std::time::Instant::now();
    let out = passphrase_run(&s, &["key", "list"]);
    assert_eq!(code(&out), 4, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("4294967295"), "{}", stderr_of(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains("\"passphrase\""), "{report}");
}

#[test]
fn issue_10_9_store_check_flags_slots_it_cannot_account_for() {
    let s = TestStore::new_file();
    assert_eq!(s.check().0, 0, "{}", s.check().1);
    // A copy of a real store-key slot under a new name: a well-formed row that no
    // `store add-key` ever wrote.
    s.sql()
        .execute(
            "INSERT INTO slots SELECT 'planted', kdf, iterations, salt, wrapped FROM slots WHERE name = 'test'",
            [],
        )
        .unwrap();
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains("\"planted\"") && report.contains("not accounted for"), "{report}");
    // A removed slot put back is flagged too.
    let s = TestStore::new_file();
    s.ok(&["store", "add-key", "ci", "-q"]);
    let row: (String, i64, Vec<u8>, Vec<u8>) = s
        .sql()
        .query_row("SELECT kdf, iterations, salt, wrapped FROM slots WHERE name = 'ci'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    s.ok(&["store", "remove-key", "ci", "--yes"]);
    s.sql()
        .execute("INSERT INTO slots VALUES ('ci', ?1, ?2, ?3, ?4)", rusqlite::params![row.0, row.1, row.2, row.3])
        .unwrap();
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains("\"ci\""), "{report}");
}

// ---- item 5: revoking by name after a rotation ------------------------------------------

#[test]
fn issue_10_5_a_name_in_rotation_grace_is_ambiguous_for_revoke() {
    let s = TestStore::new();
    let (old_id, leaked) = s.create_key(&["deploy"]);
    let rotated = s.json(&["key", "rotate", "deploy", "--grace", "24h"]);
    let new_id = rotated["id"].as_str().unwrap().to_owned();
    let (exit, err) = s.fails(&["key", "revoke", "deploy"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains(&old_id) && err.contains(&new_id) && err.contains("--all"), "{err}");
    // Nothing was revoked: the leaked key still verifies (for now), and so does the new one.
    assert_eq!(s.verify(&leaked, &["--no-record"]).0, 0);
    // By id, the leaked one goes at once, and stderr says which.
    let out = s.run(&["key", "revoke", &old_id, "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&old_id), "{}", stderr_of(&out));
    assert_eq!(s.verify(&leaked, &[]).1["code"], "REVOKED");
    assert_eq!(s.verify(rotated["key"].as_str().unwrap(), &[]).0, 0);
    // Now one live key has the name: revoking by name picks it and says so.
    let out = s.run(&["key", "revoke", "deploy"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&new_id), "{}", stderr_of(&out));
}

#[test]
fn issue_10_5_revoke_all_revokes_every_live_key_of_the_name() {
    let s = TestStore::new();
    let (old_id, leaked) = s.create_key(&["deploy"]);
    let rotated = s.json(&["key", "rotate", "deploy", "--grace", "24h"]);
    let (other_id, other) = s.create_key(&["other"]);
    let out = s.run(&["key", "revoke", "deploy", "--all", "-o", "json", "--reason", "leaked"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{listed}");
    assert!(ids.contains(&old_id.as_str()) && ids.contains(&rotated["id"].as_str().unwrap()));
    let err = stderr_of(&out);
    assert!(err.contains(&old_id) && err.contains(rotated["id"].as_str().unwrap()), "{err}");
    assert_eq!(s.verify(&leaked, &[]).1["code"], "REVOKED");
    assert_eq!(s.verify(rotated["key"].as_str().unwrap(), &[]).1["code"], "REVOKED");
    assert_eq!(s.verify(&other, &[]).0, 0, "{other_id} is not named deploy");
    let (exit, err) = s.fails(&["key", "revoke", "deploy", "--all"]);
    assert_eq!(exit, 1, "{err}");
}

// ---- item 6: the store's folder and companions belong to the user -----------------------

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn assert_refused_exit_3(s: &TestStore, needle: &str) {
    for args in [&["key", "list"][..], &["store", "check"]] {
        let out = s.run(args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains(needle), "{args:?}: {}", stderr_of(&out));
    }
    let out = s.run_stdin(&["key", "verify"], "sk-proj-x\n");
    assert_eq!(code(&out), 3, "verify: {}", stderr_of(&out));
}

#[test]
fn issue_10_6_a_group_or_world_writable_store_folder_is_refused() {
    let s = TestStore::new_file();
    let dir = s.path().parent().unwrap().to_path_buf();
    for mode in [0o777, 0o1777, 0o770, 0o720] {
        chmod(&dir, mode);
        assert_refused_exit_3(&s, "writable");
    }
    chmod(&dir, 0o755);
    assert_eq!(code(&s.run(&["key", "list"])), 0, "a folder only its owner writes is fine");
    // `init` refuses such a folder too, before creating anything.
    let shared = s.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let store = shared.join("keyctl.db");
    let out = keyctl().env("KEYCTL_STORE", &store).env("KEYCTL_PASSPHRASE", PASSPHRASE).arg("init").output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert!(!store.exists());
}

#[test]
fn issue_10_6_a_store_folder_owned_by_another_user_is_refused() {
    let s = TestStore::new_file();
    let dir = s.path().parent().unwrap().to_path_buf();
    // Tests run as root here: root can hand the folder to another uid.
    std::os::unix::fs::chown(&dir, Some(4242), None).unwrap();
    assert_refused_exit_3(&s, "uid 4242");
}

#[test]
fn issue_10_6_planted_wal_and_shm_files_are_refused() {
    type Plant = fn(&std::path::Path);
    let plants: [(&str, &str, Plant); 5] = [
        ("-wal", "mode 0666", |p| {
            std::fs::write(p, b"").unwrap();
            chmod(p, 0o666);
        }),
        ("-shm", "mode 0644", |p| {
            std::fs::write(p, b"").unwrap();
            chmod(p, 0o644);
        }),
        ("-wal", "uid 4242", |p| {
            std::fs::write(p, b"").unwrap();
            chmod(p, 0o600);
            std::os::unix::fs::chown(p, Some(4242), None).unwrap();
        }),
        ("-wal", "symbolic link", |p| std::os::unix::fs::symlink("/dev/null", p).unwrap()),
        ("-shm", "not a regular file", |p| std::fs::create_dir(p).unwrap()),
    ];
    for (suffix, needle, plant) in plants {
        let s = TestStore::new_file();
        s.ok(&["key", "create", "-q"]);
        // Close cleanly: SQLite removes its companions when the last connection ends.
        for sfx in ["-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{}{sfx}", s.path().display()));
            let _ = std::fs::remove_file(&p);
        }
        let companion = std::path::PathBuf::from(format!("{}{suffix}", s.path().display()));
        plant(&companion);
        assert_refused_exit_3(&s, needle);
    }
}

#[test]
fn issue_10_6_init_under_umask_000_creates_each_missing_folder_0700() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    std::fs::create_dir(&home).unwrap();
    chmod(&home, 0o755);
    let run = |args: &[&str]| {
        clean_env(&mut std::process::Command::new("sh"))
            .arg("-c")
            .arg("umask 000 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_keyctl"))
            .args(args)
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env("XDG_STATE_HOME", root.path().join("state"))
            .env("XDG_RUNTIME_DIR", root.path().join("run"))
            .env("KEYCTL_PASSPHRASE", PASSPHRASE)
            .output()
            .unwrap()
    };
    let out = run(&["init", "--org", "acme"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = run(&["org", "use", "acme"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(mode(&home), 0o755, "an existing folder is not changed");
    for d in [".local", ".local/share", ".local/share/keyctl", ".config", ".config/keyctl"] {
        assert_eq!(mode(&home.join(d)), 0o700, "{d}");
    }
    assert_eq!(mode(&home.join(".local/share/keyctl/keyctl.db")), 0o600);
}

// ---- item 3: counters with a window in the future are stale, not sacred -----------------

fn at(s: &TestStore, now: i64, args: &[&str], stdin: &str) -> std::process::Output {
    s.cmd().env("KEYCTL_TEST_NOW", now.to_string()).args(args).write_stdin(stdin.to_owned()).output().unwrap()
}

fn verdict(out: &std::process::Output) -> String {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    v["code"].as_str().unwrap_or("?").to_owned()
}

/// 2026-06-10T12:00:00Z: mid-month, so 40 days ahead is another month.
const NOW: i64 = 1_781_092_800;

#[test]
fn issue_10_3_a_verify_while_the_clock_ran_ahead_does_not_lift_the_budget() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    s.ok(&["project", "limits", "billing", "--monthly-budget", "0.30"]);
    let (_, key) = s.create_key(&["--project", "billing"]);
    let line = format!("{key}\n");
    let verify = ["key", "verify", "--cost", "0.1", "-o", "json"];
    // One verify while the clock was 40 days ahead.
    assert_eq!(verdict(&at(&s, NOW + 40 * 86_400, &verify, &line)), "VALID");
    // store check reports the future windows, without calling it tampering.
    let out = at(&s, NOW, &["store", "check", "-o", "json"], "");
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("counters row") && warnings.contains("month_cost"), "{report}");
    assert!(warnings.contains("usage row"), "{report}");
    let out = at(&s, NOW, &["store", "check"], "");
    assert!(stdout_of(&out).contains("WARNING"), "{}", stdout_of(&out));
    // Back to now: the budget holds (three of 0.1, then refused).
    let got: Vec<String> = (0..5).map(|_| verdict(&at(&s, NOW, &verify, &line))).collect();
    assert_eq!(got, ["VALID", "VALID", "VALID", "BUDGET_EXCEEDED", "BUDGET_EXCEEDED"]);
}

#[test]
fn issue_10_3_a_future_counter_row_does_not_turn_off_rate_limits() {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "api"]);
    s.ok(&["project", "limits", "api", "--rpd", "3"]);
    let (_, key) = s.create_key(&["--project", "api", "--rpm", "2"]);
    let line = format!("{key}\n");
    let verify = ["key", "verify", "-o", "json"];
    assert_eq!(verdict(&at(&s, NOW, &verify, &line)), "VALID");
    // Push every counter's window a year ahead, as a wrong clock (or an edit) would.
    let push = || s.sql().execute("UPDATE counters SET window_start = window_start + 365 * 86400", []).unwrap();
    push();
    // The minute's count is lost, but the key's rpm counts again from here.
    let got: Vec<String> = (0..3).map(|_| verdict(&at(&s, NOW, &verify, &line))).collect();
    assert_eq!(got, ["VALID", "VALID", "RATE_LIMITED"], "key rpm 2 holds");
    // Three recorded today: once more pushed away, the project's rpd of 3 holds against the
    // requests recorded today.
    push();
    assert_eq!(verdict(&at(&s, NOW + 60, &verify, &line)), "RATE_LIMITED", "project rpd 3 holds");
    assert_eq!(code(&at(&s, NOW, &["store", "check"], "")), 0);
}

// ---- item 12: secrets where they should not be -----------------------------------------

/// A key with a typo (wrong checksum) is as secret as the real one.
fn typo(key: &str) -> String {
    let mut k = key.to_owned();
    k.pop();
    k.push(if key.ends_with('x') { 'y' } else { 'x' });
    k
}

#[test]
fn issue_10_12_no_error_line_carries_a_key_or_store_key() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["deploy"]);
    let bad = typo(&key);
    let truncated = &key[..30];
    // (`key show "$KEY"` itself succeeds: a key argument may be the secret, issue 15 item 3.)
    let cases: Vec<Vec<&str>> = vec![
        vec!["key", "show", &bad],
        vec!["key", "revoke", truncated],
        vec!["project", "show", &key],
        vec!["org", "show", &s.store_key],
        vec!["sa", "show", &bad],
        vec!["member", "set-role", &key, "all"],
        vec!["key", "list", "--status", &key],
        vec!["key", "list", &key],
        vec!["usage", "--since", &key],
    ];
    for args in cases {
        let out = s.run(&args);
        assert_ne!(code(&out), 0, "{args:?}");
        assert_one_line_error(&out);
        let err = stderr_of(&out);
        for secret in [key.as_str(), bad.as_str(), truncated, &key[8..], &s.store_key[10..]] {
            assert!(!err.contains(secret), "{args:?} echoed a secret: {err}");
        }
    }
}

#[test]
fn issue_10_12_names_that_contain_a_key_are_refused() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&["deploy"]);
    s.ok(&["project", "create", "api"]);
    let in_name = format!("leaked {key} here");
    let cases: Vec<Vec<&str>> = vec![
        vec!["project", "create", &key],
        vec!["project", "create", &in_name],
        vec!["project", "rename", "api", &key],
        vec!["org", "create", &key],
        vec!["org", "rename", "acme", &s.store_key],
        vec!["key", "create", &key],
        vec!["key", "update", "deploy", "--name", &key],
        vec!["sa", "create", &key, "--project", "api"],
        vec!["member", "add", "eve@example.com", "--name", &in_name],
    ];
    for args in cases {
        let out = s.run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(!stderr_of(&out).contains(&key[8..]), "{args:?}");
    }
    let audit = s.ok(&["audit", "list", "-o", "json"]);
    assert!(!audit.contains(&key[8..]) && !audit.contains(&s.store_key[10..]), "{audit}");
    assert!(!contains(&s.file_bytes(), key.as_bytes()));
}

#[test]
fn issue_10_12_the_passphrase_command_gets_no_secret_variables() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let seen = s.dir.path().join("seen-env");
    let command = format!("env > '{}'; printf '%s' '{PASSPHRASE}'", seen.display());
    let out = s.run_env(
        &[
            ("KEYCTL_PASSPHRASE_COMMAND", &command),
            ("KEYCTL_PASSPHRASE", "a passphrase the child must not see"),
            ("KEYCTL_NEW_PASSPHRASE", "the new passphrase the child must not see"),
            ("API_KEY", &key),
            ("HARMLESS", "kept"),
        ],
        &["store", "passwd"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let env = std::fs::read_to_string(&seen).unwrap();
    assert!(env.contains("HARMLESS=kept"), "the child keeps its ordinary environment: {env}");
    for secret in ["must not see", &key[8..]] {
        assert!(!env.contains(secret), "the child saw {secret:?}");
    }
    assert!(!env.contains("KEYCTL_NEW_PASSPHRASE") && !env.contains("KEYCTL_PASSPHRASE="), "{env}");
}

#[test]
fn issue_10_12_keyctl_runs_without_core_dumps() {
    use std::io::Read;
    let s = TestStore::new();
    let mut child = s
        .std_cmd()
        .args(["key", "verify", "--stream"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // One answered line: the process has started and unlocked.
    std::io::Write::write_all(&mut stdin, b"not-a-key\n").unwrap();
    let mut first = [0u8; 1];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}

// ---- item 13: smaller ------------------------------------------------------------------

#[test]
fn issue_10_13_audit_list_marks_entries_after_an_edited_time_and_exits_4() {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "api"]);
    s.ok(&["project", "create", "web"]);
    let clean = s.json(&["audit", "list"]);
    assert!(clean.as_array().unwrap().iter().all(|e| e["verified"] == true), "{clean}");
    let n = clean.as_array().unwrap().len() as i64;
    // Move one entry's time back a day: it would still list, quietly.
    s.sql().execute("UPDATE audit SET at = at - 86400 WHERE seq = ?1", [n - 1]).unwrap();
    let out = s.run(&["audit", "list", "-o", "json"]);
    assert_eq!(code(&out), 4, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains(&format!("audit entry {}", n - 1)), "{}", stderr_of(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    for e in listed.as_array().unwrap() {
        let id = e["id"].as_i64().unwrap();
        assert_eq!(e["verified"], id < n - 1, "entry {id}: {e}");
    }
    let out = s.run(&["audit", "list"]);
    assert!(stdout_of(&out).contains("(UNVERIFIED)"), "{}", stdout_of(&out));
}

#[test]
fn issue_10_13_store_check_names_the_missing_row() {
    let s = TestStore::new_file();
    let project = s.json(&["project", "create", "api"])["id"].as_str().unwrap().to_owned();
    let (key_id, _) = s.create_key(&["--project", "api"]);
    s.sql().execute("DELETE FROM projects WHERE id = ?1", [&project]).unwrap();
    s.sql().execute("DELETE FROM api_keys WHERE id = ?1", [&key_id]).unwrap();
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&format!("projects row {project} is missing")), "{report}");
    assert!(report.contains(&format!("api_keys row {key_id} is missing")), "{report}");
}

#[test]
fn issue_10_13_scan_finds_a_key_right_after_a_letter_or_digit() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    for text in
        [format!("{{\"log\":\"line\\n{key}\"}}\n"), format!("GET /?a=1%0A{key} HTTP/1.1\n"), format!("x9{key}\n")]
    {
        let out = s.run_stdin(&["scan", "-", "-o", "json"], &text);
        assert_eq!(code(&out), 10, "{text}: {}", stderr_of(&out));
        assert!(stdout_of(&out).contains(&id), "{text}");
    }
}

#[test]
fn issue_10_13_scan_skips_what_is_not_a_regular_file() {
    let s = TestStore::new();
    let fifo = s.dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for path in [std::path::Path::new("/dev/zero"), &fifo] {
        let mut child = s
            .std_cmd()
            .args(["scan", path.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let status = status.unwrap_or_else(|| panic!("scan {} hung", path.display()));
        assert_eq!(status.code(), Some(0), "scan {}", path.display());
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn issue_10_13_config_max_ttl_of_zero_is_refused() {
    let s = TestStore::new();
    for line in ["max_ttl = \"0s\"", "default_ttl = \"0s\""] {
        std::fs::write(s.config_path(), format!("{line}\n")).unwrap();
        let out = s.run(&["key", "create", "-q"]);
        assert_eq!(code(&out), 2, "{line}: {}", stderr_of(&out));
        assert_one_line_error(&out);
    }
}

#[test]
fn issue_10_13_bidi_overrides_are_refused_in_names_and_escaped_when_printed() {
    let s = TestStore::new();
    let name = "invoice\u{202E}fdp.exe";
    let (exit, err) = s.fails(&["project", "create", name]);
    assert_eq!(exit, 2, "{err}");
    let (exit, err) = s.fails(&["project", "show", name]);
    assert_eq!(exit, 1, "{err}");
    assert!(!err.contains('\u{202E}') && err.contains("\\u{202e}"), "{err:?}");
    let (exit, err) = s.fails(&["key", "create", "a\u{2066}b"]);
    assert_eq!(exit, 2, "{err}");
}

#[test]
fn issue_10_5_a_disabled_key_is_live_for_revoke_by_name() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["deploy"]);
    s.ok(&["key", "disable", "deploy"]);
    let out = s.run(&["key", "revoke", "deploy"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&id));
    assert_eq!(s.verify(&key, &[]).1["code"], "REVOKED");
}

#[test]
fn issue_10_6_init_refuses_a_planted_wal_beside_the_new_store() {
    let s = TestStore::empty_file();
    let dir = s.path().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    chmod(&dir, 0o700);
    let wal = std::path::PathBuf::from(format!("{}-wal", s.path().display()));
    std::fs::write(&wal, b"").unwrap();
    chmod(&wal, 0o666);
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["init"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(!s.path().exists(), "no half-made store is left");
}

#[test]
fn issue_10_5_scan_revoke_names_what_it_revoked() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let out = s.run_stdin(&["scan", "-", "--revoke", "--yes"], &format!("{key}\n"));
    // Nothing live remains once it is revoked (issue 15 item 6).
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&format!("Revoked {id}")), "{}", stderr_of(&out));
}
