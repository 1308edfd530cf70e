//! Issue 7: the README is tested. Each cookbook recipe is the shell block that follows
//! `<!-- recipe: NAME -->` in README.md, run by `sh -eu` the way a user would: the built
//! `keyctl` first on PATH, the harness's store in `KEYCTL_STORE`, and only the secrets the
//! recipe says the user has. The example programs the README shows must be the files in
//! `examples/`, copied verbatim; the Python one is run, the Rust one when it is built.
//! The command reference is checked against every subcommand's `--help`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use common::{clean_env, code, mode, rejected, stderr_of, stdout_of, valid, TestStore, PASSPHRASE};
use serde_json::Value;

const README: &str = include_str!("../README.md");

// ---- helpers ----

/// The body of the code block right after `<!-- recipe: NAME -->` (or any other marker).
fn block_after(marker: &str) -> String {
    let start = README.find(marker).unwrap_or_else(|| panic!("README.md has no {marker}"));
    let rest = &README[start + marker.len()..];
    let open = rest.find("```").expect("a code block follows the marker");
    assert!(rest[..open].trim().is_empty(), "{marker} must be right before its code block");
    let body = open + rest[open..].find('\n').expect("code block fence line") + 1;
    let close = body + rest[body..].find("\n```").expect("closed code block");
    format!("{}\n", &rest[body..close])
}

fn recipe(name: &str) -> String {
    block_after(&format!("<!-- recipe: {name} -->"))
}

/// PATH with the directory of the `keyctl` under test first.
fn path_with_keyctl() -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyctl")).parent().unwrap();
    format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// Runs `script` with `sh -eu` in `cwd`, with the store and config of `s`, no secret except
/// those in `env`, and stdin closed (not a terminal).
fn sh(s: &TestStore, cwd: &Path, env: &[(&str, &str)], script: &str) -> Output {
    let mut cmd = Command::new("sh");
    cmd.args(["-eu", "-c", script, "recipe"]);
    clean_env(&mut cmd)
        .env("PATH", path_with_keyctl())
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_CONFIG", s.config_path())
        .current_dir(cwd)
        .stdin(Stdio::null());
    if let Some(now) = s.clock_override() {
        cmd.env("KEYCTL_TEST_NOW", now.to_string());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run sh")
}

/// Asserts the run succeeded without a panic; returns stdout.
fn ok(out: &Output, what: &str) -> String {
    assert!(!stderr_of(out).contains("panicked"), "{what}: keyctl panicked: {}", stderr_of(out));
    assert_eq!(code(out), 0, "{what} failed:\nstdout:\n{}\nstderr:\n{}", stdout_of(out), stderr_of(out));
    stdout_of(out)
}

fn have_python3() -> bool {
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        common::cannot_run("python3 is not installed (the README's Python recipes need it)");
    }
    ok
}

/// The verify code of `key` as a recipe wrote it (trailing newline and all), and the exit
/// code, checked with the harness's store key without recording a use.
fn verdict(s: &TestStore, key: &str) -> (i32, String) {
    common::verdict_no_record(s, key.trim(), &[])
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a time: {v}")).parse().unwrap()
}

/// Every key of the org, by name (JSON of `key list --status all`).
fn keys_named(s: &TestStore, name: &str) -> Vec<Value> {
    let all = s.json(&["key", "list", "--status", "all"]);
    all.as_array().unwrap().iter().filter(|k| k["name"] == name).cloned().collect()
}

/// Rate windows are whole UTC minutes: run a rate-limited recipe at a clock that stands
/// still, 5 s into a minute (`KEYCTL_TEST_NOW`), instead of waiting for a fresh one.
fn freeze_clock(s: &TestStore) {
    s.set_clock((common::unix_now() / 60 + 1) * 60 + 5);
}

fn utc_minute() -> i64 {
    common::unix_now() / 60
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---- the README's promises ----

#[test]
fn the_readme_gives_the_install_and_test_commands() {
    assert!(README.contains("\ncargo install --locked --path . && keyctl init\n"), "install command");
    assert!(README.contains("\nscripts/test.sh\n"), "test command");
    let ci = std::fs::read_to_string(manifest_dir().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == "scripts/test.sh"), ".ci/run runs the README's test command");
    let script = std::fs::read_to_string(manifest_dir().join("scripts/test.sh")).unwrap();
    assert!(script.lines().any(|l| l.trim() == "cargo test --locked \"$@\""), "scripts/test.sh runs every suite");
    assert!(script.contains("KEYCTL_TEST_BACKEND=postgres cargo test --locked"), "and again on PostgreSQL");
}

/// Splits `a X | b [--c | --d]` at the `|` outside brackets: `["a X", "b [--c | --d]"]`.
fn split_alternatives(line: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    for c in line.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '|' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

#[test]
fn the_command_reference_matches_the_cli() {
    let block = block_after("<!-- commands -->");
    // Join continuation lines to their command.
    let mut lines: Vec<String> = Vec::new();
    for line in block.lines() {
        if line.starts_with("keyctl ") {
            lines.push(line.to_owned());
        } else if let Some(last) = lines.last_mut() {
            last.push_str(line);
        }
    }
    let no_sub = ["init", "unlock", "lock", "usage", "completions", "scan", "man", "serve"];
    let mut checked = 0;
    for line in lines {
        let line = line.replace(" (alias sa)", "");
        let mut segments = split_alternatives(&line).into_iter();
        let first_segment = segments.next().unwrap();
        let first = first_segment.trim_start_matches("keyctl ");
        let (group, first_rest) = first.split_once(' ').unwrap_or((first, ""));
        let mut commands = vec![first_rest.to_owned()];
        commands.extend(segments);
        for segment in commands {
            let mut args = vec![group.to_owned()];
            if !no_sub.contains(&group) {
                args.push(segment.split_whitespace().next().unwrap_or_default().to_owned());
            }
            let out = common::keyctl().args(&args).arg("--help").output().unwrap();
            let help = ok(&out, &format!("keyctl {} --help", args.join(" ")));
            for flag in
                segment.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).filter(|w| w.starts_with("--"))
            {
                assert!(help.contains(flag), "README: `keyctl {}` has no {flag}", args.join(" "));
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} commands found in the reference");
    // `sa` is an alias of `service-account`.
    ok(&common::keyctl().args(["sa", "create", "--help"]).output().unwrap(), "keyctl sa create --help");
}

#[test]
fn every_recipe_marker_has_a_test() {
    let names: Vec<&str> =
        README.match_indices("<!-- recipe: ").map(|(i, m)| README[i + m.len()..].split(' ').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "quick-start",
            "team-store",
            "first-steps",
            "ci-setup",
            "ci-job",
            "rotate",
            "expiring-soon",
            "python-demo",
            "pre-commit"
        ]
    );
}

// ---- Quick start and first steps ----

/// Runs `script` with `sh -eu` on a pseudo-terminal (util-linux `script`), as a person at a
/// terminal would, with no secret in the environment: `PASSPHRASE` is typed at each
/// passphrase prompt. Returns the exit code and everything the terminal showed.
fn sh_at_a_terminal(s: &TestStore, script: &str) -> (i32, String) {
    let file = s.dir.path().join("recipe.sh");
    std::fs::write(&file, script).unwrap();
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("exec timeout 60 sh -eu {}", file.display()), "/dev/null"]);
    clean_env(&mut cmd)
        .env("PATH", path_with_keyctl())
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_CONFIG", s.config_path())
        .current_dir(s.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in s.private_dirs() {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("util-linux `script` is required for the terminal recipes");
    let mut stdin = child.stdin.take().unwrap();
    let (shown, reader) = common::screen(child.stdout.take().unwrap());
    // Type the passphrase once per prompt, each once its prompt is on screen.
    let mut typed = 0;
    loop {
        let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
        let prompts = text.matches("assphrase").count();
        if prompts > typed && text.trim_end().ends_with(':') {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let _ = std::io::Write::write_all(&mut stdin, format!("{PASSPHRASE}\n").as_bytes());
            typed += 1;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&shown.lock().unwrap()).replace('\r', "");
    (status.code().unwrap_or(-1), shown)
}

/// Issue 15 item 1: the quick start, exactly as printed, at a terminal: the passphrase is
/// typed at the prompts (on /dev/tty, even where stdin is the key), never taken from the
/// environment.
#[test]
fn quick_start() {
    // The individual's store is a file (its mode is part of the recipe's promise).
    let s = TestStore::empty_file();
    let (rc, shown) = sh_at_a_terminal(&s, &recipe("quick-start"));
    assert_eq!(rc, 0, "{shown}");
    assert!(shown.contains("\nVALID key_") && shown.contains("permission=all"), "{shown}");
    assert!(!shown.contains("sk-proj-"), "the key was captured, never printed: {shown}");
    assert!(!shown.contains(PASSPHRASE), "the passphrase was echoed: {shown}");
    // init asks twice, unlock once; nothing after that asks.
    assert_eq!(shown.matches("assphrase").count(), 3, "{shown}");
    assert_eq!(mode(&s.path()), 0o600);

    // Without the agent, the last line alone asks on the terminal although stdin is the key.
    let (rc, shown) =
        sh_at_a_terminal(&s, "KEY=$(keyctl key create -q)\nprintf '%s\\n' \"$KEY\" | keyctl key verify\n");
    assert_eq!(rc, 0, "{shown}");
    assert_eq!(shown.matches("Passphrase for").count(), 2, "{shown}");
    assert!(shown.contains("\nVALID key_"), "{shown}");
}

/// The team recipe: a file store copied to PostgreSQL, used there, and copied back.
#[test]
fn team_store_moves_a_file_store_to_postgres_and_back() {
    let Some(schema) = common::PgSchema::on_test_server() else { return };
    let s = TestStore::new_file();
    let url = schema.url();
    let out =
        sh(&s, s.dir.path(), &[("KEYCTL_TEAM_URL", &url), ("KEYCTL_STORE_KEY", &s.store_key)], &recipe("team-store"));
    ok(&out, "team store");
    // The copy back holds the key made on the server, and the same store key opens it.
    let back = s.dir.path().join("keyctl-local.db");
    let listed = s.cmd().env("KEYCTL_STORE", &back).args(["key", "list", "-o", "json"]).output().unwrap();
    let keys: Value = serde_json::from_slice(&ok(&listed, "key list of the copy back").into_bytes()).unwrap();
    assert_eq!(keys.as_array().map(Vec::len), Some(1), "{keys}");
    let on_server = s.cmd().env("KEYCTL_STORE", &url).args(["store", "check"]).output().unwrap();
    ok(&on_server, "store check on the server");
}

#[test]
fn first_steps_for_an_individual() {
    let s = TestStore::empty();
    let out = sh(&s, s.dir.path(), &[("KEYCTL_PASSPHRASE", PASSPHRASE)], &recipe("first-steps"));
    let stdout = ok(&out, "first steps");
    let verdicts: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("VALID") || l.starts_with("INSUFFICIENT") || l.starts_with("REVOKED"))
        .collect();
    assert_eq!(verdicts.len(), 3, "{stdout}");
    assert!(verdicts[0].starts_with("VALID key_") && verdicts[0].contains("permission=restricted"), "{stdout}");
    assert!(verdicts[1].starts_with("INSUFFICIENT_PERMISSIONS key_"), "{stdout}");
    assert!(verdicts[2].starts_with("REVOKED key_"), "{stdout}");
    assert_eq!(stdout.matches("refused (exit 10)").count(), 2, "{stdout}");
    assert!(stdout.contains("laptop replaced"), "the revoke reason is shown: {stdout}");
    assert!(stdout.contains("key.revoked") && stdout.contains("project.limits_changed"), "audit list: {stdout}");

    let unlocked = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &all);
        serde_json::from_str(&ok(&out, &format!("{args:?}"))).unwrap()
    };
    let orgs = unlocked(&["org", "list"]);
    assert_eq!(orgs[0]["kind"], "personal");
    let keys = unlocked(&["key", "list", "--status", "all"]);
    let key = &keys.as_array().unwrap().iter().find(|k| k["name"] == "laptop").unwrap();
    assert_eq!(key["scopes"], serde_json::json!(["forecasts:read"]));
    assert_eq!(key["owner"]["name"], "ada@example.com");
    let lifetime = time(&key["expires_at"]) - time(&key["created_at"]);
    assert_eq!(lifetime.num_days(), 30);
}

// ---- A CI job with a 15-minute key ----

const FAKE_TESTS: &str = "#!/bin/sh
# Stands in for the user's integration tests: the API under test checks the key it got.
printf '%s\\n' \"$API_KEY\" >> keys-seen
printf '%s\\n' \"$API_KEY\" | keyctl key verify -q
[ -z \"${FAIL:-}\" ] || { echo 'integration tests failed' >&2; exit 1; }
echo 'integration tests passed'
";

#[test]
fn ci_job_mints_a_15_minute_key_and_revokes_it_at_the_end() {
    use std::os::unix::fs::PermissionsExt;
    let s = TestStore::new();
    // Once, on the user's machine (unlocked there by the harness's store key).
    let setup = ok(&sh(&s, s.dir.path(), &[("KEYCTL_STORE_KEY", &s.store_key)], &recipe("ci-setup")), "ci setup");
    let runner_key = setup.lines().last().unwrap().trim().to_owned();
    assert!(runner_key.starts_with("keyctl-sk-"), "the last line is the store key: {setup}");

    let job_dir = tempfile::tempdir().unwrap();
    let tests = job_dir.path().join("run-integration-tests");
    std::fs::write(&tests, FAKE_TESTS).unwrap();
    std::fs::set_permissions(&tests, std::fs::Permissions::from_mode(0o755)).unwrap();
    let job = recipe("ci-job");

    // A passing job: the key worked during the job and is revoked after it.
    let out = sh(&s, job_dir.path(), &[("KEYCTL_STORE_KEY", &runner_key), ("CI_JOB_ID", "4711")], &job);
    assert!(ok(&out, "ci job").contains("integration tests passed"));
    let seen = std::fs::read_to_string(job_dir.path().join("keys-seen")).unwrap();
    let key = seen.lines().next().unwrap();
    assert_eq!(verdict(&s, key), rejected("REVOKED"));
    let listed = keys_named(&s, "ci-4711");
    assert_eq!(listed.len(), 1);
    let k = &listed[0];
    assert_eq!((time(&k["expires_at"]) - time(&k["created_at"])).num_seconds(), 15 * 60);
    assert_eq!(k["status"], "revoked");
    assert_eq!(k["revoke_reason"], "CI job 4711 finished");
    let audit = s.json(&["audit", "list", "--action", "key"]);
    let by_runner: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_id"] == k["id"])
        .map(|e| {
            assert_eq!(e["actor"], "ci-runner", "{e}");
            e["action"].as_str().unwrap()
        })
        .collect();
    assert_eq!(by_runner, ["key.created", "key.revoked"]);

    // A failing job revokes its key all the same.
    let out = sh(&s, job_dir.path(), &[("KEYCTL_STORE_KEY", &runner_key), ("CI_JOB_ID", "4712"), ("FAIL", "1")], &job);
    assert_ne!(code(&out), 0, "the job fails with its tests");
    let seen = std::fs::read_to_string(job_dir.path().join("keys-seen")).unwrap();
    assert_eq!(seen.lines().count(), 2);
    assert_eq!(verdict(&s, seen.lines().nth(1).unwrap()), rejected("REVOKED"));
    assert_eq!(keys_named(&s, "ci-4712")[0]["status"], "revoked");

    // Removing the runner's store key locks the job out at once.
    s.ok(&["store", "remove-key", "ci-runner", "-y"]);
    let out = sh(&s, job_dir.path(), &[("KEYCTL_STORE_KEY", &runner_key), ("CI_JOB_ID", "4713")], &job);
    assert_ne!(code(&out), 0);
    assert!(stderr_of(&out).contains("does not open this store"), "{}", stderr_of(&out));
    assert!(keys_named(&s, "ci-4713").is_empty());
}

// ---- Nightly rotation ----

#[test]
fn nightly_rotation_keeps_the_old_key_for_the_grace_period() {
    use std::os::unix::fs::PermissionsExt;
    if !have_python3() {
        return;
    }
    let s = TestStore::new();
    s.ok(&["project", "create", "billing-api"]);
    let secrets = tempfile::tempdir().unwrap();
    let secrets_dir = secrets.path().to_str().unwrap();
    let secret_file = secrets.path().join("billing-api.key");
    let env = [("KEYCTL_STORE_KEY", s.store_key.as_str()), ("SECRETS_DIR", secrets_dir)];
    let script_dir = tempfile::tempdir().unwrap();
    let write_script = |text: &str| {
        let path = script_dir.path().join("rotate-billing-key.sh");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let script = recipe("rotate");
    assert!(script.contains("--grace 24h -o json"), "{script}");
    write_script(&script);

    // The first key, as the README says, put in the secret store.
    ok(
        &sh(
            &s,
            script_dir.path(),
            &env,
            "keyctl key create billing-prod --project billing-api -q > \"$SECRETS_DIR/billing-api.key\"",
        ),
        "first key",
    );
    let k1 = std::fs::read_to_string(&secret_file).unwrap();
    assert_eq!(verdict(&s, &k1), valid());

    // Night one.
    let before = Utc::now();
    let said = ok(&sh(&s, script_dir.path(), &env, "./rotate-billing-key.sh"), "rotation 1");
    let k2 = std::fs::read_to_string(&secret_file).unwrap();
    assert_ne!(k1, k2);
    assert!(k2.starts_with("sk-proj-"), "the secret store holds the new key");
    assert_eq!(mode(&secret_file), 0o600);
    assert_eq!(verdict(&s, &k2), valid());
    assert_eq!(verdict(&s, &k1), valid(), "the old key works during the grace period");
    let keys = keys_named(&s, "billing-prod");
    assert_eq!(keys.len(), 2);
    let old = keys.iter().find(|k| !k["revoked_at"].is_null()).unwrap();
    let grace_end = time(&old["revoked_at"]);
    assert!(grace_end >= before + chrono::Duration::hours(24) - chrono::Duration::seconds(1), "{old}");
    // Whole seconds, rounded up: the grace lasts at least 24 hours.
    assert!(grace_end <= Utc::now() + chrono::Duration::hours(24) + chrono::Duration::seconds(1), "{old}");
    assert!(said.starts_with(&format!("rotated {} to key_", old["id"].as_str().unwrap())), "{said}");
    assert!(said.trim_end().ends_with(old["revoked_at"].as_str().unwrap()), "{said}");
    assert!(!said.contains("sk-proj-"), "the script prints no key: {said}");

    // Night two, while the first old key is still in its grace period.
    ok(&sh(&s, script_dir.path(), &env, "./rotate-billing-key.sh"), "rotation 2");
    let k3 = std::fs::read_to_string(&secret_file).unwrap();
    assert_eq!(keys_named(&s, "billing-prod").len(), 3);
    for k in [&k1, &k2, &k3] {
        assert_eq!(verdict(&s, k), valid());
    }

    // The same script with a one-second grace: the old key stops working after it.
    write_script(&script.replace("--grace 24h", "--grace 1s"));
    ok(&sh(&s, script_dir.path(), &env, "./rotate-billing-key.sh"), "rotation with a short grace");
    let k4 = std::fs::read_to_string(&secret_file).unwrap();
    s.advance_clock(3); // past the 1s grace, without waiting for it
    assert_eq!(verdict(&s, &k3), rejected("REVOKED"), "the grace period is over");
    assert_eq!(verdict(&s, &k4), valid());
    assert_eq!(verdict(&s, &k1), valid(), "earlier rotations keep their own 24h grace");
}

// ---- API servers ----

#[test]
fn the_python_server_in_the_readme_is_the_example_file() {
    let program = std::fs::read_to_string(manifest_dir().join("examples/verify_server.py")).unwrap();
    assert!(
        README.contains(&format!("```python\n{program}```\n")),
        "README.md must show examples/verify_server.py verbatim"
    );
}

#[test]
fn the_weekly_expiry_check_fails_with_exit_1_only_when_a_key_ends_within_a_week() {
    let s = TestStore::new();
    let now = chrono::Utc::now().timestamp();
    let check = |days_later: i64| {
        let at = (now + days_later * 86_400).to_string();
        let env = [("KEYCTL_STORE_KEY", s.store_key.as_str()), ("KEYCTL_TEST_NOW", at.as_str())];
        sh(&s, s.dir.path(), &env, &recipe("expiring-soon"))
    };
    s.ok(&["key", "create", "monthly", "--ttl", "30d"]);
    let out = check(0);
    assert_eq!(ok(&out, "weekly check, nothing ending"), "no key ends within 7 days\n");
    // Three weeks and three days on, the 30-day key ends within a week.
    let out = check(24);
    assert_eq!(code(&out), 1, "{}", stderr_of(&out));
    let id = s.json(&["key", "list"])[0]["id"].as_str().unwrap().to_owned();
    assert!(stderr_of(&out).contains(&id), "the failing job names the key: {}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    // A rotation's grace counts too.
    let (old, _) = s.create_key(&["legacy"]);
    s.ok(&["key", "rotate", &old, "--grace", "3d"]);
    let out = check(0);
    assert_eq!(code(&out), 1, "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(&old), "{}", stderr_of(&out));
    // A locked store is not a clean week: keyctl's exit 3 fails the job.
    let out = sh(&s, s.dir.path(), &[], &recipe("expiring-soon"));
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
}

#[test]
fn python_server_keeps_a_verify_stream_with_a_rate_limit() {
    if !have_python3() {
        return;
    }
    let s = TestStore::new();
    freeze_clock(&s);
    let out = sh(&s, &manifest_dir(), &[("KEYCTL_STORE_KEY", &s.store_key)], &recipe("python-demo"));
    let stdout = ok(&out, "python demo");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[0].starts_with("proj_"), "project create -q prints the id: {stdout}");
    let allow: Vec<&str> = lines[1].split(' ').collect();
    assert_eq!((allow[0], allow[2], allow[3]), ("allow", "remaining", "1"), "{stdout}");
    assert_eq!(lines[2], format!("allow {} remaining 0", allow[1]));
    assert_eq!(&lines[3..], ["deny RATE_LIMITED", "deny INSUFFICIENT_PERMISSIONS", "deny MALFORMED"]);
    // The two valid verifies were counted; the refused ones were not.
    let key = s.json(&["key", "show", allow[1]]);
    assert_eq!(key["uses"], 2, "{key}");
}

#[test]
fn python_server_survives_odd_input_and_counts_unlimited_keys() {
    if !have_python3() {
        return;
    }
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--scope", "models:read"]);
    let (revoked_id, revoked) = s.create_key(&[]);
    s.ok(&["key", "revoke", &revoked_id]);
    let input = format!("{key}\n\n  {key}  \nsk-proj-{}\n{revoked}\n{}\n{key}\r\n", "x".repeat(49), "y".repeat(10_000));
    let mut cmd = Command::new("python3");
    cmd.arg(manifest_dir().join("examples/verify_server.py"));
    clean_env(&mut cmd)
        .env("PATH", path_with_keyctl())
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_STORE_KEY", &s.store_key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = ok(&out, "python server");
    let expect_allow = format!("allow {id} remaining -");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            expect_allow.as_str(),
            "deny MALFORMED",
            expect_allow.as_str(),
            "deny MALFORMED",
            "deny REVOKED",
            "deny MALFORMED",
            expect_allow.as_str()
        ]
    );
    // Unlimited keys are recorded in batches, all of them by the end of the stream.
    assert_eq!(s.json(&["key", "show", &id])["uses"], 3);
}

#[test]
fn the_rust_example_in_the_readme_is_the_example_file() {
    let program = std::fs::read_to_string(manifest_dir().join("examples/verify_in_process.rs")).unwrap();
    assert!(
        README.contains(&format!("```rust\n{program}```\n")),
        "README.md must show examples/verify_in_process.rs verbatim"
    );
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> SystemTime {
    let mut t = UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let m = if path.is_dir() { newest(&path) } else { entry.metadata().unwrap().modified().unwrap() };
        t = t.max(m);
    }
    t
}

#[test]
fn the_rust_example_verifies_in_process() {
    // `cargo test` builds the examples; run this one only when it is newer than the sources
    // (a `cargo test --test readme_cookbook` after a change does not rebuild it).
    let bin = Path::new(env!("CARGO_BIN_EXE_keyctl")).parent().unwrap().join("examples/verify_in_process");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = newest(&manifest_dir().join("src")).max(newest(&manifest_dir().join("examples")));
    if built.is_none_or(|b| b < sources) {
        common::cannot_run(&format!("{} is missing or older than the sources (run `cargo test`)", bin.display()));
        return;
    }
    // The example embeds the library with the system clock, so no test clock reaches it: a
    // run the real minute changed under (its rpm 1 window) is run again with a fresh store.
    for _ in 0..3 {
        let minute = utc_minute();
        let seen = run_the_rust_example(&bin);
        if utc_minute() == minute {
            let (id, stdout) = seen;
            assert_eq!(
                stdout.lines().collect::<Vec<_>>(),
                [
                    format!("allow {id} remaining Some(0)").as_str(),
                    "deny RATE_LIMITED",
                    "deny INSUFFICIENT_PERMISSIONS",
                    "deny MALFORMED"
                ]
            );
            return;
        }
    }
    panic!("the UTC minute changed during every run");
}

/// Runs examples/verify_in_process on a fresh store; returns the rate-limited key's id
/// and what the example printed.
fn run_the_rust_example(bin: &Path) -> (String, String) {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--scope", "models:read", "--rpm", "1"]);
    let (_, files_only) = s.create_key(&["--scope", "files:read"]);
    let mut cmd = Command::new(bin);
    clean_env(&mut cmd)
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_STORE_KEY", &s.store_key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input = format!("{key}\n{key}\n{files_only}\nnot-a-key\n");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (id, ok(&out, "verify_in_process"))
}

// ---- keyctl scan as a pre-commit hook ----

#[test]
fn the_pre_commit_hook_blocks_a_live_key_and_lets_a_revoked_one_through() {
    let have_git = Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success());
    if !have_git {
        common::cannot_run("git is not installed (the pre-commit recipe needs it)");
        return;
    }
    let s = TestStore::new();
    let (live_id, live) = s.create_key(&["leaky"]);
    let repo = s.dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let hook = repo.join("pre-commit");
    std::fs::write(&hook, recipe("pre-commit")).unwrap();
    let setup = "git init -q . && git config user.email t@example.com && git config user.name t \
                 && cp pre-commit .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit";
    ok(&sh(&s, &repo, &[("KEYCTL_STORE_KEY", &s.store_key)], setup), "git setup");
    std::fs::write(repo.join("config.env"), format!("API_KEY={live}\n")).unwrap();
    let commit = "git add config.env && git commit -q -m 'add config'";
    let out = sh(&s, &repo, &[("KEYCTL_STORE_KEY", &s.store_key)], commit);
    assert_ne!(code(&out), 0, "the hook must block a live key");
    assert!(stderr_of(&out).contains("a live key is staged"), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains(&live), "the hook output shows only the redacted key");
    s.ok(&["key", "revoke", &live_id]);
    ok(&sh(&s, &repo, &[("KEYCTL_STORE_KEY", &s.store_key)], commit), "commit of a revoked key");
}
