//! Issue 15, the first hour of a new user: the unlock agent, prompts on the terminal,
//! key-shaped arguments, quiet and JSON verdicts, names in tables, times and durations as
//! people type them, the config file, help and completions.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{assert_one_line_error, code, mode, stderr_of, stdout_of, TestStore, PASSPHRASE};
use serde_json::Value;

// ---- the unlock agent ---------------------------------------------------------------------

/// The agent's socket for `s`, as keyctl names it.
fn socket_of(s: &TestStore) -> PathBuf {
    let abs = std::fs::canonicalize(s.path()).unwrap();
    let digest = keyctl::crypto::sha256(abs.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    s.dir.path().join("run").join("keyctl").join(format!("agent-{name}.sock"))
}

/// `keyctl unlock` with the passphrase from the environment and extra env.
fn unlock(s: &TestStore, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = s.bare();
    cmd.env("KEYCTL_PASSPHRASE", PASSPHRASE).arg("unlock").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A command with no secret source at all but the agent.
fn without_secret(s: &TestStore, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = s.bare();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

fn lock(s: &TestStore) {
    let out = s.bare().arg("lock").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
}

/// Waits (briefly) for the agent to remove its socket as it exits.
fn socket_gone(s: &TestStore) -> bool {
    for _ in 0..40 {
        if !socket_of(s).exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[test]
fn unlock_lets_later_commands_run_without_a_secret_until_lock() {
    let s = TestStore::new_file();
    let out = without_secret(&s, &[], &["project", "list"]);
    assert_eq!(code(&out), 3, "locked before unlock: {}", stderr_of(&out));

    let out = unlock(&s, &[], &["--for", "15m"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("keyctl lock"), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains(PASSPHRASE) && !stdout_of(&out).contains(PASSPHRASE));
    // Socket 0600 in a 0700 folder of the runtime dir.
    let sock = socket_of(&s);
    assert_eq!(mode(&sock), 0o600);
    assert_eq!(mode(sock.parent().unwrap()), 0o700);

    let out = without_secret(&s, &[], &["store", "info", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["actor"], "passphrase", "the actor is the slot that unlocked the agent");
    let out = without_secret(&s, &[], &["project", "create", "via-agent", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));

    lock(&s);
    assert!(socket_gone(&s), "lock ends the agent");
    let out = without_secret(&s, &[], &["project", "list"]);
    assert_eq!(code(&out), 3, "locked again: {}", stderr_of(&out));
    assert_one_line_error(&out);
    // `lock` with nothing running is fine.
    lock(&s);
}

#[test]
fn the_agent_ends_at_its_deadline() {
    let s = TestStore::new_file();
    let t0 = 1_900_000_000i64;
    let at = |secs: i64| secs.to_string();
    let out = unlock(&s, &[("KEYCTL_TEST_NOW", &at(t0))], &["--for", "15m", "-o", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["until"], "2030-03-17T18:01:40Z", "{v}");
    let out = without_secret(&s, &[("KEYCTL_TEST_NOW", &at(t0 + 14 * 60))], &["project", "list"]);
    assert_eq!(code(&out), 0, "within the 15 minutes: {}", stderr_of(&out));
    let out = without_secret(&s, &[("KEYCTL_TEST_NOW", &at(t0 + 15 * 60))], &["project", "list"]);
    assert_eq!(code(&out), 3, "at the deadline the agent answers no more: {}", stderr_of(&out));
    assert!(socket_gone(&s), "the agent ended itself");
    let out = without_secret(&s, &[("KEYCTL_TEST_NOW", &at(t0))], &["project", "list"]);
    assert_eq!(code(&out), 3, "and stays gone: {}", stderr_of(&out));
}

#[test]
fn unlock_refuses_bad_durations_and_a_wrong_passphrase() {
    let s = TestStore::new_file();
    for bad in ["0s", "25h", "soon"] {
        let out = unlock(&s, &[], &["--for", bad]);
        assert_eq!(code(&out), 2, "--for {bad}: {}", stderr_of(&out));
        assert_one_line_error(&out);
    }
    let out = s.bare().env("KEYCTL_PASSPHRASE", "not the passphrase").arg("unlock").output().unwrap();
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
    assert!(!socket_of(&s).exists(), "no agent for a wrong passphrase");
}

#[test]
fn removing_the_slot_that_unlocked_the_agent_locks_it_out() {
    let s = TestStore::new();
    assert_eq!(code(&unlock(&s, &[], &[])), 0);
    assert_eq!(code(&without_secret(&s, &[], &["project", "list"])), 0);
    s.ok(&["store", "remove-key", "passphrase", "--yes"]);
    let out = without_secret(&s, &[], &["project", "list"]);
    assert_eq!(code(&out), 3, "the agent's slot is gone: {}", stderr_of(&out));
    lock(&s);
}

/// An agent that hands out a key it made up (planted by someone who can write the runtime
/// folder, or left from another store) is never trusted blindly: the store checks the key.
#[test]
fn a_planted_agent_with_a_wrong_key_does_not_open_the_store() {
    let s = TestStore::new_file();
    let sock = socket_of(&s);
    let mut agent = Command::new(env!("CARGO_BIN_EXE_keyctl"))
        .args(["__agent", "--socket", sock.to_str().unwrap(), "--seconds", "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let fake = format!("{} passphrase\n", "ab".repeat(32));
    agent.stdin.take().unwrap().write_all(fake.as_bytes()).unwrap();
    let mut ready = [0u8; 6];
    agent.stdout.take().unwrap().read_exact(&mut ready).unwrap();
    assert_eq!(&ready, b"ready\n");
    let out = without_secret(&s, &[], &["project", "list"]);
    assert_eq!(code(&out), 3, "a made-up key opened the store: {}", stdout_of(&out));
    let out = without_secret(&s, &[], &["project", "create", "planted"]);
    assert_eq!(code(&out), 3);
    lock(&s);
    agent.wait().unwrap();
}

/// SO_PEERCRED: another user who reaches the socket (here: its folder and file opened up on
/// purpose) gets nothing; this user, over the same socket, gets the key.
#[test]
fn the_agent_answers_only_this_user() {
    let s = TestStore::new_file();
    assert_eq!(code(&unlock(&s, &[], &[])), 0);
    let sock = socket_of(&s);
    for dir in [s.dir.path().to_path_buf(), s.dir.path().join("run"), sock.parent().unwrap().to_path_buf()] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
    // Prints the agent's answer, or "refused" when the agent hangs up without one.
    let client = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ntry:\n  \
                  s.sendall(b'{\"op\":\"key\"}\\n')\n  sys.stdout.write(s.recv(4096).decode() or 'refused')\n\
                  except OSError:\n  sys.stdout.write('refused')";
    let ask = |as_nobody: bool| -> std::process::Output {
        let mut cmd = if as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3"]);
            c
        } else {
            Command::new("/usr/bin/python3")
        };
        cmd.args(["-c", client, sock.to_str().unwrap()]).output().unwrap()
    };
    let mine = ask(false);
    assert!(stdout_of(&mine).contains("\"key\":\""), "this user gets the key: {mine:?}");
    let theirs = ask(true);
    assert!(theirs.status.success(), "the other user's client ran (run the tests as root): {theirs:?}");
    assert_eq!(stdout_of(&theirs), "refused", "another user got an answer");
    lock(&s);
}

#[test]
fn the_key_is_never_in_the_agents_argv_or_environment() {
    let s = TestStore::new();
    let out = unlock(&s, &[], &["-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pid = v["pid"].as_u64().unwrap();
    for part in ["cmdline", "environ"] {
        let text = std::fs::read(format!("/proc/{pid}/{part}")).unwrap();
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains(PASSPHRASE), "{part}: the passphrase");
        let hexy = text.split(|c: char| !c.is_ascii_hexdigit()).any(|w| w.len() >= 64);
        assert!(!hexy, "{part} holds something key-shaped: {text}");
    }
    lock(&s);
}

// ---- passphrases at a terminal ------------------------------------------------------------

#[test]
fn a_short_new_passphrase_is_refused_with_why() {
    let s = TestStore::empty();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", "short")], &["init"]);
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("at least 8 characters"), "{}", stderr_of(&out));
    assert!(!s.store_exists());

    // At a terminal: it explains and asks again.
    let (rc, shown) =
        s.run_tty(false, &[], &["init"], &["tiny", "long enough now", "long enough now"]).expect("script is required");
    assert_eq!(rc, 0, "{shown}");
    assert!(shown.contains("at least 8 characters"), "{shown}");
}

#[test]
fn a_wrong_passphrase_at_the_prompt_gets_three_tries() {
    let s = TestStore::new();
    let (rc, shown) = s
        .run_tty(false, &[], &["project", "list", "-q"], &["wrong one", "wrong two", PASSPHRASE])
        .expect("script is required");
    assert_eq!(rc, 0, "{shown}");
    assert_eq!(shown.matches("try again").count(), 2, "{shown}");
    let (rc, shown) =
        s.run_tty(false, &[], &["project", "list"], &["wrong 1", "wrong 2", "wrong 3"]).expect("script is required");
    assert_eq!(rc, 3, "{shown}");
    assert!(shown.contains("(3 tries)"), "{shown}");
    assert!(!shown.contains("wrong 1"), "a passphrase was echoed: {shown}");
}

// ---- key-shaped arguments -------------------------------------------------------------------

/// Issue 15 item 3 (and issue 10 item 12): `key revoke "$KEY"` works and never prints the
/// secret; so do show, update and rotate.
#[test]
fn a_key_passed_as_an_argument_is_found_by_its_hash_and_never_printed() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["leaky"]);
    let shown = s.json(&["key", "show", &key]);
    assert_eq!(shown["id"], id.as_str());
    let out = s.run(&["key", "update", &key, "--name", "still-leaky"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains(&key) && !stderr_of(&out).contains(&key));
    let out = s.run(&["key", "revoke", &key, "--reason", "pasted in chat"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains(&key) && !stderr_of(&out).contains(&key), "{out:?}");
    assert_eq!(s.verify(&key, &[]).1["code"], "REVOKED");

    // A key of another store: not found, named only by its redacted form.
    let other = TestStore::new();
    let (_, foreign) = other.create_key(&[]);
    let out = s.run(&["key", "revoke", &foreign]);
    assert_eq!(code(&out), 1);
    assert_one_line_error(&out);
    let err = stderr_of(&out);
    assert!(!err.contains(&foreign) && !err.contains(&foreign[8..20]), "the secret was echoed: {err}");
    assert!(err.contains(&format!("{}...", &foreign[..12])), "{err}");
    // A mistyped one (checksum fails): says so, without echoing it.
    let typo = format!("{}x{}", &foreign[..20], &foreign[21..]);
    let out = s.run(&["key", "show", &typo]);
    assert_eq!(code(&out), 1);
    assert!(stderr_of(&out).contains("checksum") && !stderr_of(&out).contains(&typo[8..]), "{}", stderr_of(&out));
    // Help says so.
    let help = stdout_of(&s.run(&["key", "revoke", "--help"]));
    assert!(help.contains("the secret itself"), "{help}");
}

#[test]
fn a_near_miss_key_name_suggests_the_right_one() {
    let s = TestStore::new();
    s.create_key(&["ci-deploy"]);
    let out = s.run(&["key", "show", "ci-depoly"]);
    assert_eq!(code(&out), 1);
    assert!(stderr_of(&out).contains("did you mean \"ci-deploy\""), "{}", stderr_of(&out));
}

// ---- verdicts for scripts ---------------------------------------------------------------------

/// Issue 15 item 4: `-q` is silent; JSON says the code once (on stdout), not again on stderr.
#[test]
fn verify_quiet_is_silent_and_json_says_the_code_once() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    let out = s.run_stdin(&["key", "verify", "-q"], &format!("{key}\n"));
    assert_eq!(code(&out), 10);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "-q printed: {out:?}");
    let out = s.run_stdin(&["key", "verify", "-o", "json"], &format!("{key}\n"));
    assert_eq!(code(&out), 10);
    assert!(out.stderr.is_empty(), "JSON repeated on stderr: {}", stderr_of(&out));
    assert_eq!(stdout_of(&out).matches("REVOKED").count(), 1, "{}", stdout_of(&out));
    // A table run still says it on stderr too, for people.
    let out = s.run_stdin(&["key", "verify"], &format!("{key}\n"));
    assert!(stderr_of(&out).contains("REVOKED"));
    // -q wins over KEYCTL_OUTPUT=json for every command: create prints only the key.
    let out = s.cmd().env("KEYCTL_OUTPUT", "json").args(["key", "create", "-q"]).output().unwrap();
    assert!(stdout_of(&out).trim().starts_with("sk-proj-") && stdout_of(&out).lines().count() == 1);
    let out = s.cmd().args(["init", "-q", "-o", "json"]).output().unwrap();
    assert_eq!(code(&out), 1, "the store exists");
}

/// Issue 15 item 9: a missing `--from-env` variable fails before any passphrase is asked.
#[test]
fn verify_checks_its_input_before_unlocking() {
    let s = TestStore::new();
    // No secret source at all: the input error wins over the locked store.
    let out = s.bare().args(["key", "verify", "--from-env", "NOT_SET_ANYWHERE"]).output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("NOT_SET_ANYWHERE"), "{}", stderr_of(&out));
    // On a terminal with nothing piped, it asks for the key without echo.
    let (_, key) = s.create_key(&[]);
    let (rc, shown) = s.run_tty(true, &[], &["key", "verify"], &[&key]).expect("script is required");
    assert_eq!(rc, 0, "{shown}");
    assert!(shown.contains("API key to verify: "), "{shown}");
    assert!(!shown.contains(&key[8..]), "the key was echoed: {shown}");
    assert!(shown.contains("VALID key_"), "{shown}");
}

/// Issue 15 item 10.
#[test]
fn rotating_an_expired_key_is_refused_and_last_use_follows_creation() {
    let s = TestStore::new();
    let t0 = 1_900_000_000i64;
    let at = |t: i64| t.to_string();
    let out = s
        .cmd()
        .env("KEYCTL_TEST_NOW", at(t0))
        .args(["key", "create", "short", "--ttl", "1h", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, key) = (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned());
    let out = s
        .cmd()
        .env("KEYCTL_TEST_NOW", at(t0))
        .args(["key", "verify", "-q"])
        .write_stdin(format!("{key}\n"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let shown = s.json(&["key", "show", &id]);
    assert!(shown["last_used_at"].as_str() >= shown["created_at"].as_str(), "{shown}");
    let out =
        s.cmd().env("KEYCTL_TEST_NOW", at(t0 + 7200)).args(["key", "rotate", &id, "--grace", "1h"]).output().unwrap();
    assert_eq!(code(&out), 1, "{}", stdout_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("expired"), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "no new key was printed");
}

// ---- times, the audit log, the config --------------------------------------------------------

/// Issue 15 item 7.
#[test]
fn since_takes_durations_and_plain_dates_and_audit_refuses_unknown_actions() {
    let s = TestStore::new();
    for since in ["1h", "7d", "2026-12-01", "2026-12-01T00:00:00Z"] {
        s.ok(&["usage", "--since", since]);
        s.ok(&["audit", "list", "--since", since]);
    }
    // A duration ago counts back from the (test) clock.
    let t0 = 1_900_000_000i64;
    let recent =
        s.cmd().env("KEYCTL_TEST_NOW", (t0).to_string()).args(["project", "create", "later"]).output().unwrap();
    assert_eq!(code(&recent), 0);
    let since = |ago: &str| -> usize {
        let out = s
            .cmd()
            .env("KEYCTL_TEST_NOW", (t0 + 600).to_string())
            .args(["audit", "list", "--since", ago, "-o", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().len()
    };
    assert_eq!(since("5m"), 0);
    assert_eq!(since("15m"), 1);
    let out = s.run(&["usage", "--since", "soon"]);
    assert_eq!(code(&out), 2);
    assert!(stderr_of(&out).contains("duration ago"), "{}", stderr_of(&out));

    let out = s.run(&["audit", "list", "--action", "rotate"]);
    assert_eq!(code(&out), 2, "{}", stdout_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("key.rotated"), "{}", stderr_of(&out));
    s.ok(&["audit", "list", "--action", "key"]);
    s.ok(&["audit", "list", "--action", "project.created"]);
}

/// Issue 15 item 8.
#[test]
fn org_use_keeps_the_config_file_and_org_delete_clears_a_default_that_named_it() {
    let s = TestStore::new();
    let config = "# my keyctl settings\noutput = \"table\"  # tables for me\n\n# lifetimes\ndefault_ttl = \"30d\"\n";
    std::fs::write(s.config_path(), config).unwrap();
    let out = s.run(&["org", "create", "beta"]);
    assert_eq!(code(&out), 0);
    assert!(stderr_of(&out).contains("keyctl org use beta"), "a second org says how to choose: {}", stderr_of(&out));
    s.ok(&["org", "use", "beta"]);
    let edited = std::fs::read_to_string(s.config_path()).unwrap();
    assert!(edited.starts_with(config), "comments and values kept: {edited}");
    assert!(edited.contains("default_org = \"org_"), "{edited}");
    assert_eq!(s.json(&["org", "show"])["name"], "beta");

    let out = s.run(&["org", "delete", "beta", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let edited = std::fs::read_to_string(s.config_path()).unwrap();
    assert!(!edited.contains("default_org"), "the default named a deleted org: {edited}");
    assert!(edited.contains("# lifetimes"), "{edited}");
    // Later commands work: the one org left is chosen.
    assert_eq!(s.json(&["org", "show"])["name"], "acme");
}

// ---- help, errors, completions ------------------------------------------------------------------

/// Issue 15 item 12.
#[test]
fn command_line_errors_keep_clap_suggestions_on_one_line() {
    let s = TestStore::new();
    for (args, want, help) in [
        (&["key", "lst"][..], "'list'", "keyctl key --help"),
        (&["key", "create", "--tll", "1h"], "'--ttl'", "keyctl key create --help"),
        (&["key", "list", "--staus", "all"], "'--status'", "keyctl key list --help"),
        (&["key", "show"], "<KEY>", "keyctl key show --help"),
        (&["-o", "yaml", "org", "list"], "possible values", "--help"),
    ] {
        let out = s.run(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert_one_line_error(&out);
        let err = stderr_of(&out);
        assert!(err.contains(want) && err.contains(help), "{args:?}: {err}");
        assert!(!err.contains("\\n"), "a literal \\n: {err}");
    }
}

// ---- output -----------------------------------------------------------------------------------

/// Issue 15 item 15 and issue 11: one card per object, CSV headers are the JSON names.
#[test]
fn cards_csv_durations_and_plurals_read_right() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing"]);
    let out = s.ok(&["project", "limits", "billing", "--max-ttl", "90d"]);
    assert!(out.lines().any(|l| l.trim_start().starts_with("max ttl") && l.trim_end().ends_with("90d")), "{out}");
    assert_eq!(s.ok(&["project", "show", "billing"]), out, "show and limits print the same card");
    let (id, key) = s.create_key(&["one", "--project", "billing"]);
    s.verify(&key, &[]);
    let card = s.ok(&["key", "show", &id]);
    assert!(card.contains("1 request,"), "{card}");
    assert!(card.contains("uses") && card.contains("1 (no limit)"), "{card}");
    let csv = s.ok(&["key", "list", "-o", "csv"]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let json = s.json(&["key", "list"]);
    let names: Vec<String> = json[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(header, names, "CSV headers are the JSON field names, in order");
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",,"), "nulls are empty cells: {row}");
    let out = s.run(&["project", "delete", "billing", "--yes"]);
    assert!(stderr_of(&out).contains("1 key revoked"), "{}", stderr_of(&out));
}

/// Issue 15 items 13 and 14: man pages and help say what users look for; completions offer
/// vocabularies, and never file names for names.
#[test]
fn man_help_and_completions_cover_the_environment_exit_codes_and_vocabularies() {
    let s = TestStore::new();
    let man = stdout_of(&s.run(&["man"]));
    for section in [".SH EXAMPLES", ".SH ENVIRONMENT", ".SH FILES", ".SH EXIT STATUS", "KEYCTL_PASSPHRASE_FILE"] {
        assert!(man.contains(section), "man page lacks {section}");
    }
    assert!(!man.contains(".SH EXTRA"), "examples belong under EXAMPLES");
    let help = stdout_of(&s.run(&["--help"]));
    for part in ["Environment:", "Exit status:", "Files:", "Global options:", "KEYCTL_STORE_KEY", "config.toml"] {
        assert!(help.contains(part), "--help lacks {part}");
    }
    assert!(stdout_of(&s.run(&["init", "--help"])).contains("--org NAME"), "init says what --org means");

    let bash = stdout_of(&s.run(&["completions", "bash"]));
    // The case arm for an option: what completing its value offers.
    let arm = |opt: &str| -> String {
        let start = bash.find(&format!("                {opt})\n")).unwrap_or_else(|| panic!("no arm for {opt}"));
        bash[start..].split(";;").next().unwrap().to_owned()
    };
    assert!(arm("--permission").contains("compgen -W \"all restricted readonly\""), "{}", arm("--permission"));
    assert!(arm("--role").contains("compgen -W \"all restricted readonly\""), "{}", arm("--role"));
    for name in ["--project", "--owner", "--service-account", "--org"] {
        assert!(!arm(name).contains("compgen -f"), "{name} completes file names: {}", arm(name));
    }
    assert!(arm("--store").contains("compgen -f"), "--store is a path");
}

/// Issue 15 item 15: `store info` counts data still in the WAL; `key prune --dry-run`.
#[test]
fn store_info_counts_the_wal_and_prune_has_a_dry_run() {
    let s = TestStore::new_file();
    let (id, _) = s.create_key(&["old"]);
    s.ok(&["key", "revoke", &id]);
    let info = s.json(&["store", "info"]);
    let wal = std::fs::metadata(format!("{}-wal", s.path().display())).map(|m| m.len()).unwrap_or(0);
    let main = std::fs::metadata(s.path()).unwrap().len();
    assert_eq!(info["wal_bytes"], wal, "{info}");
    assert_eq!(info["file_bytes"], main + wal, "{info}");

    let out = s.run(&["key", "prune", "--dry-run"]);
    assert_eq!(code(&out), 0);
    assert!(stdout_of(&out).contains(&id), "the dry run lists the key: {}", stdout_of(&out));
    assert!(stderr_of(&out).contains("Would prune 1 revoked or expired key"), "{}", stderr_of(&out));
    assert_eq!(s.json(&["key", "show", &id])["id"], id.as_str(), "a dry run removes nothing");
    let pruned = s.json(&["key", "prune"]);
    assert_eq!(pruned[0]["id"], id.as_str());
    assert_eq!(s.fails(&["key", "show", &id]).0, 1, "pruned");
}

/// Issue 15 item 6: a leaked store key is reported with its slot's name.
#[test]
fn scan_names_the_slot_of_a_leaked_store_key() {
    let s = TestStore::new();
    let leaked = s.ok(&["store", "add-key", "laptop", "-q"]).trim().to_owned();
    let out = s.run_stdin(&["scan", "-", "-o", "json"], &format!("KEYCTL_STORE_KEY={leaked}\n"));
    assert_eq!(code(&out), 10);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["slot"], "laptop", "{v}");
    assert!(stderr_of(&out).contains("keyctl store remove-key laptop"), "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains(&leaked) && !stderr_of(&out).contains(&leaked));
}
