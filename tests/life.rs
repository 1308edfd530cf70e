//! Issue 16 (key lifecycle: disable/enable, metadata and external id, expiring soon,
//! refilling allowances, usage bars) and issue 15 item 5 (keys in a rotation grace period),
//! each through the built binary: exit codes, JSON, `--stream`, and the attacks on the file.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Output, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{assert_one_line_error, code, contains, stderr_of, stdout_of, TestStore};
use serde_json::Value;

fn unix(t: &str) -> String {
    t.parse::<DateTime<Utc>>().unwrap_or_else(|e| panic!("{t}: {e}")).timestamp().to_string()
}

/// Runs with the clock pinned at `t` (RFC 3339).
fn at(s: &TestStore, t: &str, args: &[&str]) -> Output {
    s.cmd().env("KEYCTL_TEST_NOW", unix(t)).args(args).output().expect("run keyctl")
}

/// Runs with the clock at `t`, asserts success, parses the JSON on stdout.
fn json_at(s: &TestStore, t: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let out = at(s, t, &all);
    assert_eq!(code(&out), 0, "{args:?} at {t}: {}", stderr_of(&out));
    serde_json::from_str(&stdout_of(&out)).unwrap_or_else(|e| panic!("{args:?}: bad JSON ({e}): {}", stdout_of(&out)))
}

/// Verifies `key` with the clock at `t`; returns (exit code, JSON verdict).
fn verify_at(s: &TestStore, t: &str, key: &str) -> (i32, Value) {
    let out = s
        .cmd()
        .env("KEYCTL_TEST_NOW", unix(t))
        .args(["key", "verify", "-o", "json"])
        .write_stdin(format!("{key}\n"))
        .output()
        .unwrap();
    (code(&out), serde_json::from_str(&stdout_of(&out)).unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("a JSON array").iter().map(|k| k["id"].as_str().unwrap().to_owned()).collect()
}

fn actions(s: &TestStore) -> Vec<String> {
    s.json(&["audit", "list"]).as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

// ---- disable / enable ----

#[test]
fn a_disabled_key_answers_disabled_until_enabled_and_both_are_audited() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["pager"]);
    let v = s.json(&["key", "disable", &id, "--reason", "odd traffic"]);
    assert_eq!(v["status"], "disabled");
    assert_eq!(v["disable_reason"], "odd traffic");
    assert!(v["disabled_at"].is_string(), "{v}");

    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("DISABLED")), "{v}");
    assert_eq!(v["valid"], false);

    assert!(!ids(&s.json(&["key", "list"])).contains(&id), "the default listing shows active keys only");
    assert_eq!(ids(&s.json(&["key", "list", "--status", "disabled"])), vec![id.clone()]);
    assert_eq!(s.json(&["key", "show", "pager"])["status"], "disabled");
    assert!(s.ok(&["key", "show", &id]).contains("odd traffic"));
    let table = s.ok(&["key", "list", "--status", "all"]);
    assert!(table.lines().any(|l| l.contains(&id) && l.contains("disabled")), "{table}");

    // No silent no-op: disabling twice, or enabling a key that is not disabled, is refused.
    let out = s.run(&["key", "disable", &id]);
    assert_eq!(code(&out), 1);
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("already disabled"), "{}", stderr_of(&out));

    assert_eq!(s.json(&["key", "enable", &id])["status"], "active");
    assert_eq!(s.verify(&key, &[]).0, 0, "enabled again");
    let out = s.run(&["key", "enable", &id]);
    assert_eq!(code(&out), 1);
    assert_one_line_error(&out);

    let acts = actions(&s);
    let pos = |a: &str| acts.iter().position(|x| x == a).unwrap_or_else(|| panic!("no {a} in {acts:?}"));
    assert!(pos("key.disabled") < pos("key.enabled"), "{acts:?}");
    let disabled =
        s.json(&["audit", "list"]).as_array().unwrap().iter().find(|e| e["action"] == "key.disabled").cloned();
    assert_eq!(disabled.unwrap()["target_id"], id.as_str());
}

#[test]
fn disabled_comes_after_revoked_and_expired_and_before_project_archived() {
    let s = TestStore::new();
    let t0 = "2026-12-01T12:00:00Z";
    s.ok(&["project", "create", "web"]);
    let create = |name: &str, extra: &[&str]| {
        let mut args = vec!["key", "create", name, "--project", "web"];
        args.extend_from_slice(extra);
        let v = json_at(&s, t0, &args);
        (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned())
    };
    let (revoked, revoked_key) = create("r", &[]);
    let (expiring, expiring_key) = create("e", &["--ttl", "1h"]);
    let (archived, archived_key) = create("a", &[]);
    for id in [&revoked, &expiring, &archived] {
        assert_eq!(code(&at(&s, t0, &["key", "disable", id])), 0);
    }
    // A disabled key can still be revoked, and still expires.
    let v = json_at(&s, t0, &["key", "revoke", &revoked]);
    assert_eq!(v["status"], "revoked");
    assert_eq!(verify_at(&s, t0, &revoked_key).1["code"], "REVOKED");
    assert_eq!(verify_at(&s, t0, &expiring_key).1["code"], "DISABLED");
    let later = "2026-12-01T14:00:00Z";
    assert_eq!(verify_at(&s, later, &expiring_key).1["code"], "EXPIRED");
    let shown = json_at(&s, later, &["key", "show", &expiring]);
    assert_eq!(shown["status"], "expired");
    // Disabled is checked before the project's archive.
    s.ok(&["project", "archive", "web", "-y"]);
    assert_eq!(verify_at(&s, t0, &archived_key).1["code"], "DISABLED");
    assert_eq!(code(&at(&s, t0, &["key", "enable", &archived])), 0);
    assert_eq!(verify_at(&s, t0, &archived_key).1["code"], "PROJECT_ARCHIVED");
    // Enabling a revoked key is refused.
    let out = at(&s, t0, &["key", "enable", &revoked]);
    assert_eq!(code(&out), 1);
    assert_one_line_error(&out);
}

#[test]
fn plain_sql_cannot_re_enable_a_disabled_key() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    let before: Vec<u8> = s.sql().query_row("SELECT payload FROM api_keys WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    s.ok(&["key", "disable", &id]);
    let disabled: Vec<u8> =
        s.sql().query_row("SELECT payload FROM api_keys WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_ne!(before, disabled);

    // Put back the sealed record from before the disable: a genuine, older payload.
    s.sql().execute("UPDATE api_keys SET payload = ?1 WHERE id = ?2", rusqlite::params![before, id]).unwrap();
    let (exit, v) = s.verify(&key, &[]);
    assert_ne!(v["valid"], true, "a rolled-back payload re-enabled the key: {v}");
    assert_eq!(exit, 4, "{v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&id), "{report}");

    // Flip a byte of the disabled payload instead: fails authentication.
    let mut edited = disabled.clone();
    let mid = edited.len() / 2;
    edited[mid] ^= 1;
    s.sql().execute("UPDATE api_keys SET payload = ?1 WHERE id = ?2", rusqlite::params![edited, id]).unwrap();
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!(exit, 4, "{v}");

    // The genuine disabled record still answers DISABLED.
    s.sql().execute("UPDATE api_keys SET payload = ?1 WHERE id = ?2", rusqlite::params![disabled, id]).unwrap();
    assert_eq!(s.verify(&key, &[]).1["code"], "DISABLED");
}

/// A `--stream` co-process, fed and read one line at a time.
struct Stream {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Stream {
    fn start(s: &TestStore) -> Stream {
        let mut child = s
            .std_cmd()
            .args(["key", "verify", "--stream"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Stream { child, stdin, lines }
    }

    fn ask(&mut self, key: &str) -> Value {
        writeln!(self.stdin, "{key}").unwrap();
        self.stdin.flush().unwrap();
        let line = self.lines.recv_timeout(Duration::from_secs(20)).expect("an answer");
        serde_json::from_str(&line).unwrap()
    }

    fn finish(self) {
        drop(self.stdin);
        let mut child = self.child;
        assert!(child.wait().unwrap().success());
    }
}

#[test]
fn a_running_stream_sees_disable_and_enable_on_the_next_line() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--meta", "plan=pro", "--external-id", "cus_stream"]);
    let mut stream = Stream::start(&s);
    let first = stream.ask(&key);
    assert_eq!(first["code"], "VALID");
    assert_eq!(first["meta"]["plan"], "pro", "{first}");
    assert_eq!(first["external_id"], "cus_stream");
    s.ok(&["key", "disable", &id]);
    assert_eq!(stream.ask(&key)["code"], "DISABLED");
    s.ok(&["key", "enable", &id]);
    assert_eq!(stream.ask(&key)["code"], "VALID");
    s.ok(&["key", "update", &id, "--meta", "plan=team"]);
    assert_eq!(stream.ask(&key)["meta"]["plan"], "team", "metadata changes show on the next line too");
    stream.finish();
}

// ---- metadata and external id ----

#[test]
fn metadata_and_external_id_are_returned_everywhere_and_sealed_in_the_file() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[
        "billing-bot",
        "--meta",
        "team=zebracorn-payments",
        "--meta",
        "tier=gold",
        "--external-id",
        "cus_quokka_4242",
    ]);
    let (_, other) = s.create_key(&["--external-id", "cus_other"]);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!(exit, 0);
    assert_eq!(v["name"], "billing-bot");
    assert_eq!(v["meta"], serde_json::json!({"team": "zebracorn-payments", "tier": "gold"}));
    assert_eq!(v["external_id"], "cus_quokka_4242");
    let (_, v) = s.verify(&other, &[]);
    assert_eq!(v["meta"], serde_json::json!({}), "meta is always an object");

    let shown = s.json(&["key", "show", &id]);
    assert_eq!(shown["meta"]["tier"], "gold");
    assert_eq!(shown["external_id"], "cus_quokka_4242");
    assert_eq!(ids(&s.json(&["key", "list", "--external-id", "cus_quokka_4242"])), vec![id.clone()]);
    assert!(ids(&s.json(&["key", "list", "--external-id", "cus_nobody"])).is_empty());
    assert!(s.ok(&["key", "show", &id]).contains("zebracorn-payments"));
    let (_, streamed) = s.verify_stream(format!("{key}\n").as_bytes(), &[]);
    assert_eq!(streamed[0]["external_id"], "cus_quokka_4242");

    // Not in the file: no name, value or external id in clear.
    let bytes = s.file_bytes();
    for needle in ["zebracorn-payments", "cus_quokka_4242", "tier"] {
        assert!(!contains(&bytes, needle.as_bytes()), "{needle} is readable in the store file");
    }

    // Update: set, remove one with NAME=, clear, external id removed with "".
    let v = s.json(&["key", "update", &id, "--meta", "tier=", "--meta", "region=eu"]);
    assert_eq!(v["meta"], serde_json::json!({"team": "zebracorn-payments", "region": "eu"}));
    let v = s.json(&["key", "update", &id, "--clear-meta", "--meta", "only=this"]);
    assert_eq!(v["meta"], serde_json::json!({"only": "this"}));
    let v = s.json(&["key", "update", &id, "--external-id", ""]);
    assert_eq!(v["external_id"], Value::Null);
    assert_eq!(s.verify(&key, &[]).1["external_id"], Value::Null);
}

#[test]
fn metadata_is_bounded_and_refuses_pasted_keys() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    let before = s.json(&["key", "show", &id]);
    let long_value = format!("k={}", "v".repeat(257));
    let long_name = format!("{}=v", "n".repeat(41));
    let long_id = "x".repeat(129);
    let seventeen: Vec<String> = (0..17).map(|i| format!("k{i}=v")).collect();
    let mut too_many = vec!["key", "update", id.as_str()];
    for m in &seventeen {
        too_many.extend(["--meta", m.as_str()]);
    }
    let pasted = format!("leaked={key}");
    let half = format!("leaked={}", &key[..20]);
    let cases: Vec<Vec<&str>> = vec![
        vec!["key", "update", &id, "--meta", &long_value],
        vec!["key", "update", &id, "--meta", &long_name],
        vec!["key", "update", &id, "--meta", "no-equals-sign"],
        vec!["key", "update", &id, "--external-id", &long_id],
        vec!["key", "update", &id, "--external-id", "has space"],
        too_many,
        vec!["key", "update", &id, "--meta", &pasted],
        vec!["key", "update", &id, "--meta", &half],
        vec!["key", "update", &id, "--external-id", &key],
        vec!["key", "create", "--meta", &pasted],
        vec!["key", "create", "--external-id", &key],
    ];
    for args in cases {
        let out = s.run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(!stderr_of(&out).contains(&key[8..]), "the pasted key was echoed: {}", stderr_of(&out));
    }
    assert!(!contains(&s.file_bytes(), &key.as_bytes()[8..]));
    assert_eq!(s.json(&["key", "show", &id])["meta"], before["meta"], "nothing changed");
    assert_eq!(s.json(&["key", "list"]).as_array().unwrap().len(), 1, "no key was created");
    // The limits themselves are accepted.
    let max_value = format!("k={}", "v".repeat(256));
    let sixteen: Vec<String> = (0..15).map(|i| format!("k{i}=v")).collect();
    let mut args = vec!["key", "update", id.as_str(), "--meta", &max_value];
    for m in &sixteen {
        args.extend(["--meta", m.as_str()]);
    }
    assert_eq!(s.json(&args)["meta"].as_object().unwrap().len(), 16);
}

// ---- rotation grace and expiring soon ----

#[test]
fn a_key_in_its_rotation_grace_shows_its_successor_and_when_it_ends() {
    let s = TestStore::new();
    let t0 = "2026-12-01T12:00:00Z";
    let old = json_at(&s, t0, &["key", "create", "billing-prod"]);
    let old_id = old["id"].as_str().unwrap().to_owned();
    let rotated = json_at(&s, t0, &["key", "rotate", &old_id, "--grace", "2d"]);
    let new_id = rotated["id"].as_str().unwrap().to_owned();
    assert_eq!(rotated["predecessor_id"], old_id.as_str());

    let t1 = "2026-12-02T12:00:00Z";
    let o = json_at(&s, t1, &["key", "show", &old_id]);
    // Scripts match the spec's status values: a key in its grace still works, so `active`.
    assert_eq!(o["status"], "active");
    assert_eq!(o["rotating"], true);
    assert_eq!(o["successor_id"], new_id.as_str());
    assert_eq!(o["ends_at"], "2026-12-03T12:00:00Z", "{o}");
    assert_eq!(o["expires_in_seconds"], 86_400);
    let n = json_at(&s, t1, &["key", "show", &new_id]);
    assert_eq!(
        (n["rotating"].clone(), n["predecessor_id"].clone()),
        (Value::Bool(false), Value::from(old_id.as_str()))
    );

    assert_eq!(ids(&json_at(&s, t1, &["key", "list", "--status", "rotating"])), vec![old_id.clone()]);
    let table = stdout_of(&at(&s, t1, &["key", "list"]));
    assert!(table.lines().next().unwrap().contains("ENDS"), "{table}");
    let line = table.lines().find(|l| l.contains(&old_id)).unwrap();
    // The narrow table says when relative to now (issue 15 item 11); `-o wide` gives the time.
    assert!(line.contains("rotating") && line.contains("in 1d"), "{table}");
    let wide = stdout_of(&at(&s, t1, &["key", "list", "-o", "wide"]));
    assert!(wide.lines().any(|l| l.contains(&old_id) && l.contains("2026-12-03")), "{wide}");
    let card = stdout_of(&at(&s, t1, &["key", "show", &old_id]));
    assert!(card.contains(&new_id) && card.contains("rotating"), "{card}");

    // After the grace: revoked, no longer rotating.
    let t2 = "2026-12-04T00:00:00Z";
    let o = json_at(&s, t2, &["key", "show", &old_id]);
    assert_eq!((o["status"].as_str(), o["rotating"].as_bool()), (Some("revoked"), Some(false)));
    assert_eq!(o["expires_in_seconds"], Value::Null);
    assert!(ids(&json_at(&s, t2, &["key", "list", "--status", "rotating"])).is_empty());
}

#[test]
fn expiring_within_lists_live_keys_that_end_by_expiry_or_grace() {
    let s = TestStore::new();
    let t0 = "2026-12-01T12:00:00Z";
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let soon = id(json_at(&s, t0, &["key", "create", "soon", "--ttl", "3d"]));
    let later = id(json_at(&s, t0, &["key", "create", "later", "--ttl", "10d"]));
    let _never = id(json_at(&s, t0, &["key", "create", "never"]));
    let graced = id(json_at(&s, t0, &["key", "create", "graced"]));
    let successor = id(json_at(&s, t0, &["key", "rotate", &graced, "--grace", "2d"]));
    let disabled = id(json_at(&s, t0, &["key", "create", "off", "--ttl", "1d"]));
    assert_eq!(code(&at(&s, t0, &["key", "disable", &disabled])), 0);

    let mut got = ids(&json_at(&s, t0, &["key", "list", "--expiring-within", "7d"]));
    got.sort();
    let mut want = vec![soon.clone(), graced.clone()];
    want.sort();
    assert_eq!(got, want, "successor {successor} and {later} end later or never; disabled keys are not live");
    let all = json_at(&s, t0, &["key", "list", "--status", "all"]);
    let by_id = |k: &str| all.as_array().unwrap().iter().find(|v| v["id"] == k).unwrap().clone();
    assert_eq!(by_id(&soon)["expires_in_seconds"], 3 * 86_400);
    assert_eq!(by_id(&later)["expires_in_seconds"], 10 * 86_400);
    assert_eq!(by_id(&successor)["expires_in_seconds"], Value::Null);
    assert_eq!(by_id(&disabled)["expires_in_seconds"], 86_400, "a disabled key still counts down");
    assert_eq!(ids(&json_at(&s, t0, &["key", "list", "--expiring-within", "1h"])), Vec::<String>::new());
    // Four days on, `later` is within a week and `soon` has ended.
    let t1 = "2026-12-05T12:00:00Z";
    assert_eq!(ids(&json_at(&s, t1, &["key", "list", "--expiring-within", "7d"])), vec![later.clone()]);
    let out = at(&s, t0, &["key", "list", "--expiring-within", "soon"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn key_list_on_a_terminal_ends_with_one_line_about_keys_ending_soon() {
    let s = TestStore::new();
    s.create_key(&["far", "--ttl", "30d"]);
    let (_, shown) = s.run_tty(true, &[], &["key", "list"], &[]).expect("script is installed");
    assert!(!shown.contains("within 7 days"), "no key ends soon: {shown}");
    s.create_key(&["near", "--ttl", "2d"]);
    let (exit, shown) = s.run_tty(true, &[], &["key", "list"], &[]).expect("script is installed");
    assert_eq!(exit, 0, "{shown}");
    let notes: Vec<&str> = shown.lines().filter(|l| l.contains("within 7 days")).collect();
    assert_eq!(notes, vec!["note: 1 live key ends within 7 days; see `keyctl key list --expiring-within 7d`"]);
    assert!(shown.trim_end().ends_with(notes[0]), "the note comes last: {shown}");
    // Off a terminal (pipes, scripts, JSON) there is no note.
    let out = s.run(&["key", "list"]);
    assert_eq!(stderr_of(&out), "");
    let (_, shown) = s.run_tty(true, &[], &["key", "list", "-o", "json"], &[]).unwrap();
    assert!(!shown.contains("within 7 days"), "{shown}");
}

// ---- refilling allowances ----

#[test]
fn a_daily_refill_starts_the_allowance_again_at_utc_midnight() {
    let s = TestStore::new();
    let t0 = "2026-12-01T23:59:00Z";
    let v = json_at(&s, t0, &["key", "create", "--max-uses", "2", "--refill", "daily"]);
    let (id, key) = (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned());
    assert_eq!((v["refill"].as_str(), v["remaining"].as_u64()), (Some("daily"), Some(2)));
    let (exit, v) = verify_at(&s, t0, &key);
    assert_eq!((exit, v["remaining"].as_u64()), (0, Some(1)), "{v}");
    let (exit, v) = verify_at(&s, "2026-12-01T23:59:30Z", &key);
    assert_eq!((exit, v["remaining"].as_u64()), (0, Some(0)), "{v}");
    let (exit, v) = verify_at(&s, "2026-12-01T23:59:59Z", &key);
    assert_eq!((exit, v["code"].as_str(), v["remaining"].as_u64()), (10, Some("USAGE_EXCEEDED"), Some(0)));
    assert_eq!(json_at(&s, "2026-12-01T23:59:59Z", &["key", "show", &id])["remaining"], 0);
    // The next UTC day: two more.
    let t1 = "2026-12-02T00:00:00Z";
    assert_eq!(json_at(&s, t1, &["key", "show", &id])["remaining"], 2);
    assert_eq!(verify_at(&s, t1, &key).1["remaining"], 1);
    assert_eq!(verify_at(&s, t1, &key).1["remaining"], 0);
    assert_eq!(verify_at(&s, "2026-12-02T18:00:00Z", &key).1["code"], "USAGE_EXCEEDED");
    assert_eq!(json_at(&s, t1, &["key", "show", &id])["uses"], 4, "every use still counts in the totals");
}

#[test]
fn a_monthly_refill_starts_again_on_the_first_of_the_month_not_at_midnight() {
    let s = TestStore::new();
    let t0 = "2027-01-30T10:00:00Z";
    let v = json_at(&s, t0, &["key", "create", "--max-uses", "1", "--refill", "monthly"]);
    let key = v["key"].as_str().unwrap().to_owned();
    assert_eq!(verify_at(&s, t0, &key).0, 0);
    assert_eq!(verify_at(&s, "2027-01-31T00:00:01Z", &key).1["code"], "USAGE_EXCEEDED", "a new day is not a new month");
    assert_eq!(verify_at(&s, "2027-01-31T23:59:59Z", &key).1["code"], "USAGE_EXCEEDED");
    let (exit, v) = verify_at(&s, "2027-02-01T00:00:00Z", &key);
    assert_eq!((exit, v["remaining"].as_u64()), (0, Some(0)), "{v}");
    assert_eq!(verify_at(&s, "2027-02-28T23:59:59Z", &key).1["code"], "USAGE_EXCEEDED");
    assert_eq!(verify_at(&s, "2027-03-01T00:00:00Z", &key).0, 0);
}

#[test]
fn a_key_without_refill_never_refills_and_refill_needs_max_uses() {
    let s = TestStore::new();
    let t0 = "2026-12-01T12:00:00Z";
    let v = json_at(&s, t0, &["key", "create", "--max-uses", "1"]);
    let (id, key) = (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned());
    assert_eq!(v["refill"], Value::Null);
    assert_eq!(verify_at(&s, t0, &key).1["remaining"], 0);
    assert_eq!(verify_at(&s, "2027-02-01T00:00:00Z", &key).1["code"], "USAGE_EXCEEDED");
    // Turning refill on later: the allowance counts from this period.
    let v = json_at(&s, "2027-02-01T00:00:00Z", &["key", "update", &id, "--refill", "daily"]);
    assert_eq!((v["refill"].as_str(), v["remaining"].as_u64()), (Some("daily"), Some(1)));
    assert_eq!(verify_at(&s, "2027-02-01T00:00:00Z", &key).0, 0);
    // Without max uses there is nothing to refill.
    let (plain, _) = s.create_key(&[]);
    for args in [&["key", "create", "--refill", "daily"][..], &["key", "update", &plain, "--refill", "monthly"]] {
        let out = s.run(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("--max-uses"), "{}", stderr_of(&out));
    }
    // Removing max uses removes the refill.
    let v = s.json(&["key", "update", &id, "--max-uses", "0"]);
    assert_eq!(
        (v["max_uses"].clone(), v["refill"].clone(), v["remaining"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
}

#[test]
fn twelve_processes_on_a_refilling_key_admit_exactly_max_uses() {
    const N: u64 = 5;
    const PROCESSES: usize = 12;
    let s = TestStore::new();
    let now = "2026-12-01T12:00:00Z";
    let v = json_at(&s, now, &["key", "create", "--max-uses", &N.to_string(), "--refill", "daily"]);
    let key = v["key"].as_str().unwrap().to_owned();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let mut child = s
                .std_cmd()
                .env("KEYCTL_TEST_NOW", unix(now))
                .args(["key", "verify", "-o", "json"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            writeln!(child.stdin.take().unwrap(), "{key}").unwrap();
            child
        })
        .collect();
    let mut valid = 0;
    let mut remaining = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let v: Value = serde_json::from_str(&stdout_of(&out)).unwrap_or_else(|_| panic!("{}", stderr_of(&out)));
        match code(&out) {
            0 => {
                valid += 1;
                remaining.push(v["remaining"].as_u64().unwrap());
            }
            10 => assert_eq!(v["code"], "USAGE_EXCEEDED"),
            other => panic!("exit {other}: {}", stderr_of(&out)),
        }
    }
    assert_eq!(valid, N, "exactly max uses were admitted");
    remaining.sort_unstable();
    assert_eq!(remaining, (0..N).collect::<Vec<_>>(), "each admitted verify saw its own count");
    // The next day admits N again, and no more.
    let next = "2026-12-02T12:00:00Z";
    let admitted = (0..N + 2).filter(|_| verify_at(&s, next, &key).0 == 0).count();
    assert_eq!(admitted as u64, N);
}

// ---- usage at a glance ----

#[test]
fn usage_by_day_draws_a_bar_per_day() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    for (day, n) in [("2026-12-01T10:00:00Z", 4), ("2026-12-02T10:00:00Z", 1), ("2026-12-03T10:00:00Z", 2)] {
        for _ in 0..n {
            assert_eq!(verify_at(&s, day, &key).0, 0);
        }
    }
    let since = ["usage", "--by", "day", "--since", "2026-12-01T00:00:00Z", "--until", "2026-12-04T00:00:00Z"];
    let table = s.ok(&since);
    let bar_of = |text: &str, day: &str| -> String {
        let line = text.lines().find(|l| l.contains(day)).unwrap_or_else(|| panic!("no {day} in {text}"));
        line.split_whitespace().last().unwrap().to_owned()
    };
    // Off a terminal: plain `#`, the largest day 40 wide, the others in proportion.
    assert_eq!(bar_of(&table, "2026-12-01"), "#".repeat(40), "{table}");
    assert_eq!(bar_of(&table, "2026-12-02"), "#".repeat(10), "{table}");
    assert_eq!(bar_of(&table, "2026-12-03"), "#".repeat(20), "{table}");
    // On a terminal: block characters; with NO_COLOR: `#` again.
    let (_, shown) = s.run_tty(true, &[], &since, &[]).expect("script is installed");
    assert_eq!(bar_of(&shown, "2026-12-01"), "█".repeat(40), "{shown}");
    assert_eq!(bar_of(&shown, "2026-12-02"), "█".repeat(10), "{shown}");
    let (_, shown) = s.run_tty(true, &[("NO_COLOR", "1")], &since, &[]).unwrap();
    assert_eq!(bar_of(&shown, "2026-12-01"), "#".repeat(40), "{shown}");
    // JSON and CSV are unchanged: no bar.
    let mut json_args = since.to_vec();
    json_args.extend(["-o", "json"]);
    let v: Value = serde_json::from_str(&s.ok(&json_args)).unwrap();
    assert_eq!(v[0], serde_json::json!({"day": "2026-12-01", "requests": 4, "cost": "0.00"}), "{v}");
    let mut csv_args = since.to_vec();
    csv_args.extend(["-o", "csv"]);
    let csv = s.ok(&csv_args);
    assert!(!csv.contains('#') && !csv.contains('█'), "{csv}");
    assert_eq!(csv.lines().next(), Some("day,requests,cost"));
    // Other groupings draw no bar.
    let by_key = s.ok(&["usage", "--by", "key", "--since", "2026-12-01T00:00:00Z", "--until", "2026-12-04T00:00:00Z"]);
    assert!(!by_key.contains('#'), "{by_key}");
}

// ---- the library gets all of it (a server embeds these rules) ----

#[test]
fn the_library_verifier_answers_disabled_meta_and_refill_by_the_injected_clock() {
    use std::sync::Arc;

    use keyctl::VerifyRequest;
    use keyctl::{FixedClock, InitOptions, KeyCreate, KeyLimits, Refill, SecretString, Store, Unlock, VerifyCode};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyctl.db");
    let opts = InitOptions { kdf_iterations: 1000, ..InitOptions::default() };
    let (store, org) = Store::init(&path, &SecretString::from("library test"), &opts).unwrap();
    drop(store);
    let open_at = |t: &str| {
        let clock = Arc::new(FixedClock(t.parse().unwrap()));
        Store::open(&path, Unlock::passphrase("library test")).unwrap().with_clock(clock)
    };
    let store = open_at("2027-03-31T23:00:00Z");
    let spec = KeyCreate {
        limits: KeyLimits { max_uses: Some(1), refill: Some(Refill::Monthly), ..KeyLimits::default() },
        meta: [("plan".to_owned(), "pro".to_owned())].into_iter().collect(),
        external_id: Some("cus_lib".into()),
        ..KeyCreate::default()
    };
    let key = store.create_keys(&org.id, &spec).unwrap().remove(0);
    let secret = key.secret.expose_secret().to_owned();
    let first = store.verifier().verify(&VerifyRequest::new(secret.as_str())).unwrap();
    assert_eq!(first.code, VerifyCode::Valid);
    let verdict = first.key.unwrap();
    assert_eq!((verdict.meta["plan"].as_str(), verdict.external_id.as_deref()), ("pro", Some("cus_lib")));
    assert_eq!(verdict.remaining, Some(0));
    assert_eq!(store.verifier().verify(&VerifyRequest::new(secret.as_str())).unwrap().code, VerifyCode::UsageExceeded);

    let store = open_at("2027-04-01T00:00:00Z");
    store.disable_key(&org.id, &key.info.id, Some("investigating")).unwrap();
    assert_eq!(store.verifier().verify(&VerifyRequest::new(secret.as_str())).unwrap().code, VerifyCode::Disabled);
    store.enable_key(&org.id, &key.info.id).unwrap();
    assert_eq!(
        store.verifier().verify(&VerifyRequest::new(secret.as_str())).unwrap().code,
        VerifyCode::Valid,
        "April's use"
    );
}

#[test]
fn a_disabled_key_is_found_by_name_over_revoked_namesakes_and_scan_calls_it_live() {
    let s = TestStore::new();
    let (old, _) = s.create_key(&["pager"]);
    let rotated = s.json(&["key", "rotate", &old]);
    let (new, secret) = (rotated["id"].as_str().unwrap().to_owned(), rotated["key"].as_str().unwrap().to_owned());
    // The old "pager" is revoked; the live one is the successor, disabled or not.
    assert_eq!(s.json(&["key", "disable", "pager"])["id"], new.as_str());
    assert_eq!(s.json(&["key", "show", "pager"])["status"], "disabled");
    // A leaked disabled key is live: it can be enabled again, so scan reports it (exit 10).
    let file = s.dir.path().join("leak.env");
    std::fs::write(&file, format!("API_KEY={secret}\n")).unwrap();
    let out = s.run(&["scan", file.to_str().unwrap()]);
    assert_eq!(code(&out), 10, "{}", stdout_of(&out));
    assert_eq!(s.json(&["key", "enable", "pager"])["id"], new.as_str());
}

#[test]
fn turning_refill_on_counts_the_uses_already_recorded_this_period_in_show_and_verify() {
    let s = TestStore::new();
    let t = "2026-12-01T09:00:00Z";
    let v = json_at(&s, t, &["key", "create", "--max-uses", "3"]);
    let (id, key) = (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned());
    assert_eq!(verify_at(&s, t, &key).0, 0);
    assert_eq!(verify_at(&s, t, &key).0, 0);
    let v = json_at(&s, "2026-12-01T10:00:00Z", &["key", "update", &id, "--refill", "daily"]);
    assert_eq!(v["remaining"], 1, "two of today's three are used: {v}");
    let (exit, v) = verify_at(&s, "2026-12-01T11:00:00Z", &key);
    assert_eq!((exit, v["remaining"].as_u64()), (0, Some(0)), "{v}");
    assert_eq!(verify_at(&s, "2026-12-01T12:00:00Z", &key).1["code"], "USAGE_EXCEEDED");
    assert_eq!(json_at(&s, "2026-12-01T12:00:00Z", &["key", "show", &id])["remaining"], 0);
    assert_eq!(json_at(&s, "2026-12-02T00:00:00Z", &["key", "show", &id])["remaining"], 3);
}
