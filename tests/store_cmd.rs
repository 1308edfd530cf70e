//! Issue 2: `keyctl init` and `keyctl store ...`: creating the store, every unlock source and
//! its order, unlock slots, file modes, exit code 3, and the store's confidentiality and
//! integrity (spec sections 3 and 7).

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_one_line_error, clean_env, code, contains, mode, stderr_of, stdout_of, TestStore, PASSPHRASE};
use serde_json::Value;

fn parse(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout_of(out)))
}

/// The name of the slot that unlocked the store, as `store info` reports it.
fn actor(out: &Output) -> String {
    assert_eq!(code(out), 0, "store info failed: {}", stderr_of(out));
    parse(out)["actor"].as_str().unwrap().to_owned()
}

fn info_with(s: &TestStore, env: &[(&str, &str)]) -> Output {
    s.run_env(env, &["store", "info", "-o", "json"])
}

fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn slot_names(s: &TestStore) -> Vec<String> {
    let v = s.json(&["store", "keys"]);
    v.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_owned()).collect()
}

// ---- init ------------------------------------------------------------------------------

#[test]
fn init_creates_file_0600_in_folder_0700_even_with_umask_000() {
    let s = TestStore::empty_file();
    let out = clean_env(&mut std::process::Command::new("sh"))
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_keyctl"))
        .args(["init", "--org", "acme"])
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_CONFIG", s.config_path())
        .env("KEYCTL_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(mode(&s.path()), 0o600, "store file mode");
    assert_eq!(mode(s.path().parent().unwrap()), 0o700, "store folder mode");

    // Later writes keep the modes, and SQLite's companions are private too.
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["project", "create", "billing"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(mode(&s.path()), 0o600);
    for suffix in ["-wal", "-shm"] {
        let p = format!("{}{suffix}", s.path().display());
        if Path::new(&p).exists() {
            assert_eq!(mode(Path::new(&p)), 0o600, "{p}");
        }
    }
}

#[test]
fn init_reports_the_new_store_org_and_default_project() {
    let s = TestStore::empty();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["init", "--org", "acme", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let v = parse(&out);
    assert_eq!(v["org"]["name"], "acme");
    assert!(v["org"]["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(v["project"]["is_default"], true);
    assert_eq!(v["project"]["org_id"], v["org"]["id"]);
    assert!(s.store_exists());
}

#[test]
fn init_refuses_to_overwrite_an_existing_store() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    // The file's bytes; on PostgreSQL the generation every write bumps, and the ledger head.
    let unchanged = |s: &TestStore| -> Vec<u8> {
        if s.is_postgres() {
            let v = s.json(&["store", "info"]);
            format!("{} {}", v["generation"], v["ledger_head"]).into_bytes()
        } else {
            std::fs::read(s.path()).unwrap()
        }
    };
    let before = unchanged(&s);
    for env in [vec![("KEYCTL_PASSPHRASE", PASSPHRASE)], vec![("KEYCTL_PASSPHRASE", "a different passphrase")]] {
        let out = s.run_env(&env, &["init", "--org", "other"]);
        assert_eq!(code(&out), 1, "{}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("already exists"), "{}", stderr_of(&out));
    }
    assert_eq!(unchanged(&s), before, "the store changed");
    // The old secrets still open it and the data is intact.
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(actor(&out), "passphrase");
    let names: Vec<String> = s
        .json(&["project", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"billing".to_owned()), "{names:?}");
}

#[test]
fn init_takes_the_passphrase_from_a_file() {
    let s = TestStore::empty();
    let file = write_file(s.dir.path(), "pass.txt", "passphrase-from-a-file\n");
    let out = s.run_env(&[("KEYCTL_PASSPHRASE_FILE", &file)], &["init"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    // The file's trailing newline is not part of the passphrase.
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "passphrase-from-a-file")]);
    assert_eq!(actor(&out), "passphrase");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE_FILE", &file)]);
    assert_eq!(actor(&out), "passphrase");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(code(&out), 3, "a wrong passphrase opened the store");
}

#[test]
fn init_takes_the_passphrase_from_a_command() {
    let s = TestStore::empty();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE_COMMAND", "echo passphrase-from-a-command")], &["init"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "passphrase-from-a-command")]);
    assert_eq!(actor(&out), "passphrase");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "echo passphrase-from-a-command")]);
    assert_eq!(code(&out), 3, "the command line itself opened the store");
}

#[test]
fn init_takes_the_passphrase_from_the_environment() {
    let s = TestStore::empty();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", "passphrase-from-env")], &["init"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "passphrase-from-env")]);
    assert_eq!(actor(&out), "passphrase");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "passphrase-from-envX")]);
    assert_eq!(code(&out), 3);
}

#[test]
fn init_without_a_secret_on_a_non_terminal_exits_3_with_a_hint() {
    let s = TestStore::empty();
    let out = s.bare().args(["init"]).write_stdin("").output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("KEYCTL_PASSPHRASE"), "{}", stderr_of(&out));
    assert!(!s.store_exists(), "a store was left behind");
    if !s.is_postgres() {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{}{suffix}", s.path().display());
            assert!(!Path::new(&p).exists(), "{p} was left behind");
        }
    }
}

#[test]
fn init_refuses_a_bad_org_name_or_owner_email_with_exit_2() {
    for args in
        [&["init", "--owner", "not-an-email"][..], &["init", "--org", ""], &["init", "--org", "evil\x1b[31mred"]]
    {
        let s = TestStore::empty();
        let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(!s.store_exists(), "{args:?} left a store behind");
    }
}

#[test]
fn init_never_takes_a_secret_from_the_command_line() {
    let s = TestStore::empty();
    let out = s.bare().args(["init", "--passphrase", "on-the-command-line"]).output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert!(!s.store_exists());
}

#[test]
fn init_asks_twice_on_a_terminal() {
    let s = TestStore::empty();
    let Some((rc, shown)) = s.run_tty(false, &[], &["init"], &["typed-on-a-tty", "typed-on-a-tty"]) else {
        return;
    };
    assert_eq!(rc, 0, "{shown}");
    assert!(!shown.contains("typed-on-a-tty"), "the passphrase was echoed: {shown}");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE", "typed-on-a-tty")]);
    assert_eq!(actor(&out), "passphrase");
}

/// Issue 15 item 2: a mistyped confirmation asks again; three mismatches give up.
#[test]
fn init_on_a_terminal_asks_again_when_passphrases_differ() {
    let s = TestStore::empty();
    let typed = ["first-try-1", "second-try", "typed-twice", "typed-twice"];
    let (rc, shown) = s.run_tty(false, &[], &["init"], &typed).expect("util-linux script is required");
    assert_eq!(rc, 0, "{shown}");
    assert!(shown.contains("do not match; try again"), "{shown}");
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_PASSPHRASE", "typed-twice")])), "passphrase");

    let s = TestStore::empty();
    let typed = ["aaaaaaaa1", "bbbbbbbb1", "aaaaaaaa2", "bbbbbbbb2", "aaaaaaaa3", "bbbbbbbb3"];
    let (rc, shown) = s.run_tty(false, &[], &["init"], &typed).expect("util-linux script is required");
    assert_eq!(rc, 2, "{shown}");
    assert!(shown.contains("keyctl: the passphrases do not match"), "{shown}");
    assert!(!s.store_exists(), "a store was created");
}

// ---- unlocking ------------------------------------------------------------------------

#[test]
fn a_missing_store_exits_3_naming_keyctl_init() {
    let s = TestStore::empty();
    for args in [
        &["store", "info"][..],
        &["store", "check"],
        &["org", "list"],
        &["project", "list"],
        &["project", "create", "x"],
    ] {
        let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("keyctl init"), "{args:?}: {}", stderr_of(&out));
    }
    assert!(!s.store_exists(), "a command other than init created the store");
}

#[test]
fn no_secret_on_a_non_terminal_exits_3_with_a_hint() {
    let s = TestStore::new();
    let out = s.bare().args(["project", "list"]).write_stdin("").output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    let err = stderr_of(&out);
    assert!(err.contains("KEYCTL_STORE_KEY") && err.contains("KEYCTL_PASSPHRASE"), "{err}");
}

#[test]
fn a_terminal_prompt_unlocks_with_the_passphrase() {
    let s = TestStore::new();
    let Some((rc, shown)) = s.run_tty(false, &[], &["store", "info", "-o", "json"], &[PASSPHRASE]) else {
        return;
    };
    assert_eq!(rc, 0, "{shown}");
    assert!(shown.contains("\"actor\": \"passphrase\""), "{shown}");
    assert!(!shown.contains(PASSPHRASE), "the passphrase was echoed: {shown}");
}

#[test]
fn a_wrong_passphrase_exits_3_without_echoing_it() {
    let s = TestStore::new();
    let wrong = "not-the-passphrase-31337";
    for env in
        [vec![("KEYCTL_PASSPHRASE", wrong)], vec![("KEYCTL_PASSPHRASE_COMMAND", "echo not-the-passphrase-31337")]]
    {
        let out = s.run_env(&env, &["project", "list"]);
        assert_eq!(code(&out), 3, "{}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("passphrase"), "{}", stderr_of(&out));
        assert!(!stderr_of(&out).contains(wrong), "secret in error: {}", stderr_of(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_store_key_of_another_store_exits_3() {
    let s = TestStore::new();
    let other = TestStore::new();
    let out = s.run_env(&[("KEYCTL_STORE_KEY", &other.store_key)], &["project", "list"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(!stderr_of(&out).contains(&other.store_key));
}

#[test]
fn a_malformed_store_key_exits_3() {
    let s = TestStore::new();
    // One character changed: the checksum no longer matches.
    let mut typo = s.store_key.clone().into_bytes();
    let i = typo.len() - 10;
    typo[i] = if typo[i] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let truncated = s.store_key[..s.store_key.len() - 1].to_owned();
    for bad in [typo.as_str(), truncated.as_str(), "keyctl-sk-garbage", PASSPHRASE] {
        let out = s.run_env(&[("KEYCTL_STORE_KEY", bad)], &["project", "list"]);
        assert_eq!(code(&out), 3, "{bad}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(!stderr_of(&out).contains(bad), "secret in error: {}", stderr_of(&out));
    }
}

#[test]
fn the_store_key_wins_over_every_passphrase_source() {
    let s = TestStore::new();
    let wrong_file = write_file(s.dir.path(), "wrong.txt", "wrong\n");
    let out = info_with(
        &s,
        &[
            ("KEYCTL_STORE_KEY", &s.store_key),
            ("KEYCTL_PASSPHRASE_FILE", &wrong_file),
            ("KEYCTL_PASSPHRASE_COMMAND", "exit 1"),
            ("KEYCTL_PASSPHRASE", "wrong"),
        ],
    );
    assert_eq!(actor(&out), "test");
    // It is tried first, not as a fallback: a bad store key is not rescued by a good passphrase.
    let other = TestStore::new();
    let out = info_with(&s, &[("KEYCTL_STORE_KEY", &other.store_key), ("KEYCTL_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(code(&out), 3, "{}", stdout_of(&out));
}

#[test]
fn the_passphrase_file_wins_over_the_command_and_the_variable() {
    let s = TestStore::new();
    let good = write_file(s.dir.path(), "good.txt", &format!("{PASSPHRASE}\n"));
    let wrong = write_file(s.dir.path(), "wrong.txt", "wrong\n");
    let out = info_with(
        &s,
        &[
            ("KEYCTL_PASSPHRASE_FILE", &good),
            ("KEYCTL_PASSPHRASE_COMMAND", "echo wrong"),
            ("KEYCTL_PASSPHRASE", "wrong"),
        ],
    );
    assert_eq!(actor(&out), "passphrase");
    let cmd = format!("echo '{PASSPHRASE}'");
    let out = info_with(
        &s,
        &[("KEYCTL_PASSPHRASE_FILE", &wrong), ("KEYCTL_PASSPHRASE_COMMAND", &cmd), ("KEYCTL_PASSPHRASE", PASSPHRASE)],
    );
    assert_eq!(code(&out), 3, "a later source was used: {}", stdout_of(&out));
}

#[test]
fn the_passphrase_command_wins_over_the_variable() {
    let s = TestStore::new();
    let cmd = format!("echo '{PASSPHRASE}'");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE_COMMAND", &cmd), ("KEYCTL_PASSPHRASE", "wrong")]);
    assert_eq!(actor(&out), "passphrase");
    let out = info_with(&s, &[("KEYCTL_PASSPHRASE_COMMAND", "echo wrong"), ("KEYCTL_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(code(&out), 3, "a later source was used: {}", stdout_of(&out));
}

#[test]
fn a_failing_command_or_missing_file_exits_3() {
    let s = TestStore::new();
    let missing = s.dir.path().join("no-such-file").display().to_string();
    for env in [vec![("KEYCTL_PASSPHRASE_FILE", missing.as_str())], vec![("KEYCTL_PASSPHRASE_COMMAND", "exit 7")]] {
        let out = s.run_env(&env, &["project", "list"]);
        assert_eq!(code(&out), 3, "{env:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
    }
}

// ---- store add-key / keys / remove-key ---------------------------------------------------

#[test]
fn add_key_quiet_prints_only_the_key_and_it_unlocks() {
    let s = TestStore::new();
    let out = s.run(&["store", "add-key", "ci", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert_eq!(text.lines().count(), 1, "{text:?}");
    let key = text.trim();
    assert!(key.len() >= 43 && !key.contains(char::is_whitespace), "{key:?}");
    assert_ne!(key, s.store_key);
    let out = info_with(&s, &[("KEYCTL_STORE_KEY", key)]);
    assert_eq!(actor(&out), "ci");
}

#[test]
fn add_key_json_has_name_and_store_key() {
    let s = TestStore::new();
    let v = s.json(&["store", "add-key", "deploy"]);
    assert_eq!(v["name"], "deploy");
    let key = v["store_key"].as_str().unwrap();
    let out = info_with(&s, &[("KEYCTL_STORE_KEY", key)]);
    assert_eq!(actor(&out), "deploy");
    // The key was printed once: nothing shows it again.
    for args in [&["store", "keys"][..], &["store", "info"], &["store", "keys", "-o", "json"]] {
        assert!(!s.ok(args).contains(key), "{args:?} shows the store key");
    }
}

#[test]
fn add_key_table_prints_the_key_on_stdout_and_a_note_on_stderr() {
    let s = TestStore::new();
    let out = s.run(&["store", "add-key", "laptop"]);
    assert_eq!(code(&out), 0);
    let key = stdout_of(&out).lines().next().unwrap().trim().to_owned();
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_STORE_KEY", &key)])), "laptop");
    assert!(!stderr_of(&out).contains(&key), "the key went to stderr too");
}

#[test]
fn add_key_refuses_a_duplicate_or_invalid_name() {
    let s = TestStore::new();
    let (rc, err) = s.fails(&["store", "add-key", "test"]);
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("test"), "{err}");
    let (rc, err) = s.fails(&["store", "add-key", "bad\x1b[31mname"]);
    assert_eq!(rc, 2, "{err}");
    assert_eq!(slot_names(&s), ["passphrase", "test"]);
}

#[test]
fn store_keys_lists_slots_without_secrets() {
    let s = TestStore::new();
    let ci = s.json(&["store", "add-key", "ci"])["store_key"].as_str().unwrap().to_owned();
    let v = s.json(&["store", "keys"]);
    let slots = v.as_array().unwrap();
    assert_eq!(slots.len(), 3, "{v}");
    let mut names: Vec<&str> = slots.iter().map(|x| x["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["ci", "passphrase", "test"]);
    for slot in slots {
        let ty = slot["type"].as_str().unwrap_or_default();
        let expected = if slot["name"] == "passphrase" { "passphrase" } else { "store_key" };
        assert_eq!(ty, expected, "{slot}");
    }
    let table = s.ok(&["store", "keys"]);
    assert!(table.contains("ci") && table.contains("passphrase"), "{table}");
    for text in [v.to_string(), table] {
        for secret in [ci.as_str(), s.store_key.as_str(), PASSPHRASE] {
            assert!(!text.contains(secret), "slot listing shows a secret: {text}");
        }
    }
}

#[test]
fn remove_key_needs_yes_when_not_interactive() {
    let s = TestStore::new();
    let ci = s.json(&["store", "add-key", "ci"])["store_key"].as_str().unwrap().to_owned();
    let out = s.cmd().args(["store", "remove-key", "ci"]).write_stdin("ci\n").output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("--yes"), "{}", stderr_of(&out));
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_STORE_KEY", &ci)])), "ci");
}

#[test]
fn remove_key_locks_that_key_out_at_once() {
    let s = TestStore::new();
    let ci = s.json(&["store", "add-key", "ci", "--admin"])["store_key"].as_str().unwrap().to_owned();
    let out = s.run_env(&[("KEYCTL_STORE_KEY", &ci)], &["store", "remove-key", "test", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let out = s.run(&["project", "list"]);
    assert_eq!(code(&out), 3, "the removed store key still opens the store");
    assert_one_line_error(&out);
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_STORE_KEY", &ci)])), "ci");
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)])), "passphrase");
    let out = s.run_env(&[("KEYCTL_STORE_KEY", &ci)], &["store", "keys", "-o", "json"]);
    assert!(!stdout_of(&out).contains("\"test\""), "{}", stdout_of(&out));
}

#[test]
fn remove_key_of_an_unknown_slot_exits_1() {
    let s = TestStore::new();
    let (rc, err) = s.fails(&["store", "remove-key", "nope", "--yes"]);
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn the_last_slot_cannot_be_removed() {
    let s = TestStore::new();
    s.ok(&["store", "remove-key", "passphrase", "--yes"]);
    assert_eq!(
        code(&info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)])),
        3,
        "the removed passphrase still opens the store"
    );
    let out = s.run(&["store", "remove-key", "test", "--yes"]);
    assert_eq!(code(&out), 1, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("last"), "{}", stderr_of(&out));
    assert_eq!(slot_names(&s), ["test"]);
}

#[test]
fn passwd_changes_the_passphrase_without_reencrypting_data() {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "billing"]);
    let payloads = |s: &TestStore| -> Vec<Vec<u8>> {
        let conn = s.sql();
        let mut stmt =
            conn.prepare("SELECT payload FROM projects UNION ALL SELECT payload FROM orgs ORDER BY 1").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let before = payloads(&s);
    let out = s.run_env(
        &[("KEYCTL_PASSPHRASE", PASSPHRASE), ("KEYCTL_NEW_PASSPHRASE", "a brand new passphrase")],
        &["store", "passwd"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let old = info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(code(&old), 3, "the old passphrase still opens the store");
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_PASSPHRASE", "a brand new passphrase")])), "passphrase");
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_STORE_KEY", &s.store_key)])), "test");
    assert_eq!(payloads(&s), before, "passwd re-encrypted the data");
    s.ok(&["project", "show", "billing"]);
}

#[test]
fn passwd_without_a_new_passphrase_on_a_non_terminal_fails_and_changes_nothing() {
    let s = TestStore::new();
    let out = s.bare().env("KEYCTL_PASSPHRASE", PASSPHRASE).args(["store", "passwd"]).write_stdin("").output().unwrap();
    assert_ne!(code(&out), 0);
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("KEYCTL_NEW_PASSPHRASE"), "{}", stderr_of(&out));
    assert_eq!(actor(&info_with(&s, &[("KEYCTL_PASSPHRASE", PASSPHRASE)])), "passphrase");
}

// ---- store info / check ----------------------------------------------------------------

#[test]
fn store_info_describes_the_store() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    let v = s.json(&["store", "info"]);
    // The file's path, or the PostgreSQL URL (schema included, never a password).
    let location = s.location().to_string_lossy().into_owned();
    assert_eq!(v["path"], location.as_str());
    assert_eq!(v["actor"], "test");
    assert_eq!(v["orgs"], 1);
    assert_eq!(v["projects"], 2);
    assert!(v["schema_version"].as_u64().unwrap() >= 1, "{v}");
    let table = s.ok(&["store", "info"]);
    assert!(table.contains(&location), "{table}");
    assert!(!table.contains(&s.store_key));
}

#[test]
fn store_check_passes_on_an_untouched_store() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    s.ok(&["project", "archive", "billing"]);
    s.ok(&["org", "create", "beta"]);
    let v = s.json(&["store", "check"]);
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["rows_checked"].as_u64().unwrap() >= 5, "{v}");
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));
    s.ok(&["store", "check"]);
}

#[test]
fn a_newer_schema_is_refused_with_exit_3() {
    let s = TestStore::new_file();
    s.sql().execute_batch("PRAGMA user_version = 99").unwrap();
    let out = s.run(&["project", "list"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("newer"), "{}", stderr_of(&out));
}

#[test]
fn several_processes_can_write_at_once() {
    let s = TestStore::new();
    let children: Vec<_> = (0..6)
        .map(|i| {
            clean_env(&mut std::process::Command::new(env!("CARGO_BIN_EXE_keyctl")))
                .env("KEYCTL_STORE", s.location())
                .env("KEYCTL_CONFIG", s.config_path())
                .env("KEYCTL_STORE_KEY", &s.store_key)
                .args(["project", "create", &format!("parallel-{i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    }
    assert_eq!(s.json(&["project", "list"]).as_array().unwrap().len(), 7);
    s.ok(&["store", "check"]);
}

// ---- confidentiality and secrets at rest (spec section 3, properties 1 and 2) ------------

#[test]
fn names_descriptions_and_emails_never_reach_the_file_or_its_wal() {
    let s = TestStore::with_init_file(&[
        "init",
        "--org",
        "platypus-syndicate-3319",
        "--owner",
        "ottoline.quince@example.org",
    ]);
    // Hold a read transaction open so what keyctl writes stays in the WAL for us to see.
    let reader = s.sql();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader.query_row("SELECT count(*) FROM projects", [], |r| r.get(0)).unwrap();
    s.ok(&["project", "create", "zebra-unicorn-7781", "--description", "quokka marmalade ledger 5521"]);
    s.ok(&["project", "create", "narwhal-tangerine-4402"]);
    s.ok(&["project", "rename", "narwhal-tangerine-4402", "axolotl-saffron-9090"]);
    s.ok(&["project", "archive", "axolotl-saffron-9090"]);
    s.ok(&["org", "create", "capybara-consortium-6627"]);
    let wal = format!("{}-wal", s.path().display());
    assert!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0, "expected the recent writes in the WAL");
    let bytes = s.file_bytes();
    for needle in [
        "zebra-unicorn-7781",
        "zebra-unicorn",
        "quokka marmalade ledger 5521",
        "narwhal-tangerine-4402",
        "axolotl-saffron-9090",
        "platypus-syndicate-3319",
        "capybara-consortium-6627",
        "ottoline.quince@example.org",
        "ottoline.quince",
        "Default project",
    ] {
        assert!(!contains(&bytes, needle.as_bytes()), "{needle:?} is in the store file in clear");
    }
    drop(reader);
    let bytes = s.file_bytes();
    assert!(!contains(&bytes, b"zebra-unicorn-7781"));
    assert!(!contains(&bytes, b"ottoline.quince@example.org"));
}

#[test]
fn passphrases_and_store_keys_are_never_written_to_the_file() {
    let s = TestStore::new_file();
    let ci = s.json(&["store", "add-key", "ci"])["store_key"].as_str().unwrap().to_owned();
    let out = s.run_env(
        &[("KEYCTL_PASSPHRASE", PASSPHRASE), ("KEYCTL_NEW_PASSPHRASE", "second passphrase 8812")],
        &["store", "passwd"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let (_, api_key) = s.create_key(&[]);
    let bytes = s.file_bytes();
    let body = |k: &str| k[k.len() - 40..].to_owned();
    for secret in [
        PASSPHRASE.to_owned(),
        "second passphrase 8812".to_owned(),
        s.store_key.clone(),
        body(&s.store_key),
        ci.clone(),
        body(&ci),
        api_key.clone(),
        body(&api_key),
    ] {
        assert!(!contains(&bytes, secret.as_bytes()), "a secret is in the store file");
    }
}

// ---- integrity (spec section 3, property 3) ----------------------------------------------

/// Creates an active and an archived project; returns their ids.
fn active_and_archived(s: &TestStore) -> (String, String) {
    let active = s.json(&["project", "create", "live-one"])["id"].as_str().unwrap().to_owned();
    let archived = s.json(&["project", "create", "old-one"])["id"].as_str().unwrap().to_owned();
    s.ok(&["project", "archive", "old-one"]);
    (active, archived)
}

/// Asserts `store check` exits 4 and names every id in `ids`.
fn check_fails_naming(s: &TestStore, ids: &[&str]) {
    let out = s.run(&["store", "check"]);
    assert_eq!(code(&out), 4, "store check: {}{}", stdout_of(&out), stderr_of(&out));
    assert_one_line_error(&out);
    let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
    for id in ids {
        assert!(all.contains(id), "store check does not name {id}: {all}");
    }
    let out = s.run(&["store", "check", "-o", "json"]);
    assert_eq!(code(&out), 4);
    let v = parse(&out);
    assert_eq!(v["ok"], false, "{v}");
    assert!(!v["problems"].as_array().unwrap().is_empty(), "{v}");
}

fn assert_exit_4(s: &TestStore, args: &[&str], hidden: &str) {
    let out = s.run(args);
    assert_eq!(code(&out), 4, "{args:?}: {}{}", stdout_of(&out), stderr_of(&out));
    assert_one_line_error(&out);
    assert!(!stdout_of(&out).contains(hidden), "{args:?} showed tampered data");
}

#[test]
fn an_active_payload_copied_over_an_archived_project_fails_authentication() {
    let s = TestStore::new_file();
    let (active, archived) = active_and_archived(&s);
    let n = s
        .sql()
        .execute(
            "UPDATE projects SET payload = (SELECT payload FROM projects WHERE id = ?1) WHERE id = ?2",
            [&active, &archived],
        )
        .unwrap();
    assert_eq!(n, 1);
    check_fails_naming(&s, &[&archived]);
    assert_exit_4(&s, &["project", "list", "--all"], "live-one");
    assert_exit_4(&s, &["project", "list", "--all", "-o", "json"], "live-one");
    assert_exit_4(&s, &["project", "show", &archived], "active");
    assert_exit_4(&s, &["project", "unarchive", &archived], "active");
}

#[test]
fn payloads_swapped_between_projects_fail_authentication() {
    let s = TestStore::new_file();
    let (active, archived) = active_and_archived(&s);
    let conn = s.sql();
    let get = |id: &str| -> Vec<u8> {
        conn.query_row("SELECT payload FROM projects WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    let (pa, pb) = (get(&active), get(&archived));
    conn.execute("UPDATE projects SET payload = ?1 WHERE id = ?2", rusqlite::params![pb, active]).unwrap();
    conn.execute("UPDATE projects SET payload = ?1 WHERE id = ?2", rusqlite::params![pa, archived]).unwrap();
    check_fails_naming(&s, &[&active, &archived]);
    assert_exit_4(&s, &["project", "list", "--all"], "old-one");
}

#[test]
fn lookups_swapped_between_projects_fail_authentication() {
    let s = TestStore::new_file();
    let (active, archived) = active_and_archived(&s);
    let conn = s.sql();
    let get = |id: &str| -> Vec<u8> {
        conn.query_row("SELECT lookup FROM projects WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    let (la, lb) = (get(&active), get(&archived));
    let set = |id: &str, v: &[u8]| {
        conn.execute("UPDATE projects SET lookup = ?1 WHERE id = ?2", rusqlite::params![v, id]).unwrap();
    };
    set(&active, b"placeholder");
    set(&archived, &la);
    set(&active, &lb);
    check_fails_naming(&s, &[&active, &archived]);
    // Looking the archived project up by name must not yield the active row.
    assert_exit_4(&s, &["project", "show", "old-one"], "live-one");
    assert_exit_4(&s, &["project", "list", "--all"], "old-one");
}

#[test]
fn a_project_moved_to_another_org_fails_authentication() {
    let s = TestStore::new_file();
    let project = s.json(&["project", "create", "mover"])["id"].as_str().unwrap().to_owned();
    let beta = s.json(&["org", "create", "beta"])["id"].as_str().unwrap().to_owned();
    s.sql().execute("UPDATE projects SET parent = ?1 WHERE id = ?2", [&beta, &project]).unwrap();
    check_fails_naming(&s, &[&project]);
    assert_exit_4(&s, &["project", "list", "--org", "beta"], "mover");
}

fn flip_byte(s: &TestStore, table: &str, id: &str) {
    let conn = s.sql();
    let sql = format!("SELECT payload FROM {table} WHERE id = ?1");
    let mut payload: Vec<u8> = conn.query_row(&sql, [id], |r| r.get(0)).unwrap();
    let i = payload.len() / 2;
    payload[i] ^= 0x01;
    let sql = format!("UPDATE {table} SET payload = ?1 WHERE id = ?2");
    conn.execute(&sql, rusqlite::params![payload, id]).unwrap();
}

#[test]
fn one_flipped_byte_in_a_project_payload_fails_authentication() {
    let s = TestStore::new_file();
    let id = s.json(&["project", "create", "flipped"])["id"].as_str().unwrap().to_owned();
    flip_byte(&s, "projects", &id);
    check_fails_naming(&s, &[&id]);
    assert_exit_4(&s, &["project", "show", &id], "flipped");
    assert_exit_4(&s, &["project", "list"], "flipped");
}

#[test]
fn one_flipped_byte_in_an_org_payload_fails_authentication() {
    let s = TestStore::new_file();
    let id = s.json(&["org", "show"])["id"].as_str().unwrap().to_owned();
    flip_byte(&s, "orgs", &id);
    check_fails_naming(&s, &[&id]);
    assert_exit_4(&s, &["org", "list"], "acme");
}

#[test]
fn a_tampered_owner_record_fails_the_check() {
    let s = TestStore::new_file();
    let conn = s.sql();
    let mut v: Vec<u8> = conn.query_row("SELECT value FROM meta WHERE name = 'owner'", [], |r| r.get(0)).unwrap();
    let i = v.len() / 2;
    v[i] ^= 0x01;
    conn.execute("UPDATE meta SET value = ?1 WHERE name = 'owner'", [v]).unwrap();
    check_fails_naming(&s, &["owner"]);
}

#[test]
fn an_archived_project_rolled_back_to_its_older_row_is_detected() {
    let s = TestStore::new_file();
    let id = s.json(&["project", "create", "rollback"])["id"].as_str().unwrap().to_owned();
    let conn = s.sql();
    let old: Vec<u8> = conn.query_row("SELECT payload FROM projects WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    s.ok(&["project", "archive", &id]);
    conn.execute("UPDATE projects SET payload = ?1 WHERE id = ?2", rusqlite::params![old, id]).unwrap();
    // Property 3: editing the file without a secret cannot un-archive a project.
    let out = s.run(&["project", "show", &id, "-o", "json"]);
    let shown_active = code(&out) == 0 && parse(&out)["status"] == "active";
    assert!(!shown_active, "the project was un-archived by restoring its old row");
    check_fails_naming(&s, &[&id]);
}

// ---- files that are not a healthy store ---------------------------------------------------

fn assert_unusable(s: &TestStore, what: &str) {
    for args in [&["store", "info"][..], &["store", "check"], &["org", "list"], &["project", "list"]] {
        let out = s.run(args);
        let rc = code(&out);
        assert!(rc == 3 || rc == 4, "{what}: {args:?} exited {rc}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(out.stdout.is_empty(), "{what}: {args:?} printed {}", stdout_of(&out));
    }
}

fn replace_store(s: &TestStore, bytes: &[u8]) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path().display()));
    }
    std::fs::write(s.path(), bytes).unwrap();
}

#[test]
fn a_file_of_random_bytes_exits_3_or_4_without_panicking() {
    let s = TestStore::new_file();
    let len = std::fs::metadata(s.path()).unwrap().len() as usize;
    // A simple xorshift keeps the test free of extra dependencies.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    replace_store(&s, &bytes);
    assert_unusable(&s, "random bytes");
}

#[test]
fn a_zero_filled_file_exits_3_or_4_without_panicking() {
    let s = TestStore::new_file();
    let len = std::fs::metadata(s.path()).unwrap().len() as usize;
    replace_store(&s, &vec![0u8; len]);
    assert_unusable(&s, "zeros");
}

#[test]
fn a_truncated_store_exits_3_or_4_without_panicking() {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "billing"]);
    let bytes = std::fs::read(s.path()).unwrap();
    assert!(bytes.len() > 1000);
    replace_store(&s, &bytes[..1000]);
    assert_unusable(&s, "truncated");
}

#[test]
fn another_sqlite_database_exits_3_or_4_without_panicking() {
    let s = TestStore::new_file();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path().display()));
    }
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello');",
    )
    .unwrap();
    drop(conn);
    assert_unusable(&s, "another SQLite database");
    let out = s.run(&["project", "list"]);
    assert!(stderr_of(&out).contains("not a keyctl store"), "{}", stderr_of(&out));
}

#[test]
fn another_sqlite_database_is_left_untouched() {
    let s = TestStore::empty_file();
    std::fs::create_dir_all(s.path().parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(s.path()).unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello');",
    )
    .unwrap();
    drop(conn);
    let before = std::fs::read(s.path()).unwrap();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["project", "list"]);
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    let journal: String =
        rusqlite::Connection::open(s.path()).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let after = std::fs::read(s.path()).unwrap();
    assert!(after == before, "keyctl modified a file that is not its store (journal_mode is now {journal})");
}

#[test]
fn commands_never_print_the_secret_that_unlocked_them() {
    // Unlock failures check their own secret above; this covers successful runs.
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    for args in [
        &["project", "list"][..],
        &["store", "info"],
        &["store", "info", "-o", "json"],
        &["store", "check"],
        &["store", "keys"],
    ] {
        for env in [vec![("KEYCTL_STORE_KEY", s.store_key.as_str())], vec![("KEYCTL_PASSPHRASE", PASSPHRASE)]] {
            let out = s.run_env(&env, args);
            assert_eq!(code(&out), 0, "{args:?}: {}", stderr_of(&out));
            let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
            assert!(!all.contains(&s.store_key) && !all.contains(PASSPHRASE), "{args:?}: {all}");
        }
    }
}
