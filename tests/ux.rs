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
    let s = TestStore::new();
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
    let s = TestStore::new();
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
    let s = TestStore::new();
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
    let s = TestStore::new();
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
    let s = TestStore::new();
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
    assert!(!s.path().exists());

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
