//! Issue 5: limits enforced by `keyctl key verify`: key and project rate limits (per minute
//! and per UTC day), max uses, IP allowlists, exact decimal budgets, `--max-ttl`, and exact
//! counting across concurrent processes and `--stream`.
//!
//! Rate windows are fixed UTC minutes; every per-minute test runs its stores at a clock
//! that stands still (`KEYCTL_TEST_NOW`, see [`frozen_store`]), so no minute boundary
//! falls inside it, and tests that cross a boundary move the clock across it.

mod common;

use std::io::Write;
use std::process::Stdio;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use common::{code, rejected, stderr_of, valid, verdict, TestStore};
use serde_json::{json, Value};

// ---- helpers ----

/// Runs a per-minute `attempt` once. Its stores run at a clock that stands still
/// ([`frozen_store`]), so no real minute boundary can fall inside it. (It used to repeat
/// an attempt the real minute changed under.)
fn within_one_minute<T>(mut attempt: impl FnMut(u32) -> T) -> T {
    attempt(0)
}

/// A fresh store whose every command runs 5 s into a UTC minute (`KEYCTL_TEST_NOW`).
fn frozen_store() -> TestStore {
    let s = TestStore::new();
    s.set_clock((common::unix_now() / 60 + 1) * 60 + 5);
    s
}

/// The store's clock as a time.
fn clock_of(s: &TestStore) -> DateTime<Utc> {
    DateTime::from_timestamp(s.clock(), 0).unwrap()
}

/// Creates a project and returns its id.
fn project(s: &TestStore, name: &str) -> String {
    s.json(&["project", "create", name])["id"].as_str().unwrap().to_owned()
}

fn limits(s: &TestStore, project: &str, args: &[&str]) -> Value {
    let mut all = vec!["project", "limits", project];
    all.extend_from_slice(args);
    s.json(&all)
}

/// Starts one `keyctl key verify -o json` process per key, all at once (each opens the
/// store and waits for its key on stdin), then hands every process its key and collects
/// (exit code, verify code or stderr) from each.
fn verify_at_once(s: &TestStore, keys: &[&str], args: &[&str]) -> Vec<(i32, String)> {
    let mut children = Vec::new();
    for _ in keys {
        let mut cmd = s.std_cmd();
        cmd.args(["key", "verify", "-o", "json"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(cmd.spawn().expect("spawn keyctl"));
    }
    for (child, key) in children.iter_mut().zip(keys) {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{key}\n").as_bytes()).unwrap();
    }
    children.into_iter().map(|c| outcome(&c.wait_with_output().unwrap())).collect()
}

fn outcome(out: &std::process::Output) -> (i32, String) {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    match v["code"].as_str() {
        Some(c) => (code(out), c.to_owned()),
        None => (code(out), format!("<no JSON; stderr: {}>", stderr_of(out))),
    }
}

/// How many of `outcomes` are exactly `want`.
fn count(outcomes: &[(i32, String)], want: &(i32, String)) -> usize {
    outcomes.iter().filter(|o| *o == want).count()
}

/// Asserts that every outcome is VALID or `refusal`, and that exactly `n` are VALID.
fn assert_exactly_valid(outcomes: &[(i32, String)], n: usize, refusal: &str) {
    for o in outcomes {
        assert!(*o == valid() || *o == rejected(refusal), "unexpected outcome {o:?} in {outcomes:?}");
    }
    assert_eq!(count(outcomes, &valid()), n, "{outcomes:?}");
    assert_eq!(count(outcomes, &rejected(refusal)), outcomes.len() - n, "{outcomes:?}");
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a time: {v}")).parse().unwrap()
}

/// The next whole UTC minute after `t`.
fn next_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp() - t.timestamp().rem_euclid(60) + 60, 0).unwrap()
}

fn key_field(s: &TestStore, id: &str, field: &str) -> Value {
    s.json(&["key", "show", id])[field].clone()
}

// ---- project limits: show and set ----

#[test]
fn project_limits_show_set_remove_and_clear() {
    let s = TestStore::new();
    project(&s, "billing");
    let shown = limits(&s, "billing", &[]);
    assert_eq!(shown["limits"], json!({}), "a new project has no limits: {shown}");
    assert_eq!(shown["this_month"]["requests"], 0);
    assert_eq!(shown["this_month"]["cost"], "0.00");
    assert!(shown["this_month"]["budget"].is_null() && shown["this_month"]["budget_left"].is_null());

    let set = limits(&s, "billing", &["--rpm", "600", "--rpd", "100000", "--monthly-budget", "250", "--max-ttl", "1h"]);
    assert_eq!(set["limits"], json!({"rpm": 600, "rpd": 100000, "monthly_budget": "250.00", "max_ttl": "1h"}));
    assert_eq!(set["this_month"]["budget"], "250.00");
    assert_eq!(set["this_month"]["budget_left"], "250.00");
    // The limits are kept: showing them again (and `project show`) gives the same.
    assert_eq!(limits(&s, "billing", &[])["limits"], set["limits"]);
    assert_eq!(s.json(&["project", "show", "billing"])["limits"], set["limits"]);

    // Setting one leaves the others; 0 removes one.
    let v = limits(&s, "billing", &["--rpm", "0", "--rpd", "5"]);
    assert_eq!(v["limits"], json!({"rpd": 5, "monthly_budget": "250.00", "max_ttl": "1h"}));
    let v = limits(&s, "billing", &["--max-ttl", "0s"]);
    assert_eq!(v["limits"], json!({"rpd": 5, "monthly_budget": "250.00"}));

    // --clear removes every limit before applying the others given.
    let v = limits(&s, "billing", &["--clear", "--rpm", "7"]);
    assert_eq!(v["limits"], json!({"rpm": 7}));
    let v = limits(&s, "billing", &["--clear"]);
    assert_eq!(v["limits"], json!({}));

    // The table shows every limit by name.
    limits(&s, "billing", &["--rpm", "60", "--monthly-budget", "12.5"]);
    let table = s.ok(&["project", "limits", "billing"]);
    for (field, value) in [("rpm", "60"), ("rpd", "none"), ("monthly budget", "12.50"), ("budget left", "12.50")] {
        assert!(
            table.lines().any(|l| l.trim_start().starts_with(field) && l.trim_end().ends_with(value)),
            "no {field:?} = {value:?} line in:\n{table}"
        );
    }
}

#[test]
fn monthly_budget_zero_removes_the_budget() {
    let s = TestStore::new();
    project(&s, "p");
    limits(&s, "p", &["--monthly-budget", "1.00"]);
    let v = limits(&s, "p", &["--monthly-budget", "0"]);
    assert!(v["limits"]["monthly_budget"].is_null(), "budget not removed: {v}");
    assert!(v["this_month"]["budget"].is_null(), "{v}");
    let (_, key) = s.create_key(&["--project", "p"]);
    assert_eq!(verdict(&s, &key, &["--cost", "0.5"]), valid(), "a removed budget refuses nothing");
}

#[test]
fn limits_of_an_unknown_project_are_refused() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["project", "limits", "nope", "--rpm", "5"]);
    assert_eq!(exit, 1, "{err}");
    assert!(err.starts_with("keyctl: ") && err.contains("nope"), "{err}");
}

#[test]
fn key_limits_appear_in_key_json_and_can_be_changed() {
    let s = TestStore::new();
    let v = s.json(&[
        "key",
        "create",
        "--rpm",
        "4",
        "--max-uses",
        "3",
        "--allow-ip",
        "10.0.0.0/8",
        "--allow-ip",
        "2001:db8::/32",
    ]);
    assert_eq!(v["rpm"], 4);
    assert_eq!(v["max_uses"], 3);
    assert_eq!(v["uses"], 0);
    assert_eq!(v["allow_ip"], json!(["10.0.0.0/8", "2001:db8::/32"]));
    let id = v["id"].as_str().unwrap();

    let shown = s.json(&["key", "show", id]);
    assert_eq!((&shown["rpm"], &shown["max_uses"], &shown["allow_ip"]), (&v["rpm"], &v["max_uses"], &v["allow_ip"]));

    let v = s.json(&["key", "update", id, "--rpm", "9", "--allow-ip", "192.0.2.1"]);
    assert_eq!((v["rpm"].clone(), v["max_uses"].clone()), (json!(9), json!(3)), "only the flags given change");
    assert_eq!(v["allow_ip"], json!(["192.0.2.1/32"]), "--allow-ip replaces the list");
    let v = s.json(&["key", "update", id, "--rpm", "0", "--max-uses", "0"]);
    assert!(v["rpm"].is_null() && v["max_uses"].is_null(), "0 removes a key limit: {v}");
    // Stored, not just echoed.
    let shown = s.json(&["key", "show", id]);
    assert!(shown["rpm"].is_null() && shown["max_uses"].is_null(), "{shown}");
}

// ---- rate limits ----

#[test]
fn key_rpm_refuses_past_the_limit_with_a_ratelimit_object() {
    let seen = within_one_minute(|_| {
        let s = frozen_store();
        let (_, key) = s.create_key(&["--rpm", "3"]);
        let before = clock_of(&s);
        let results: Vec<(i32, Value)> = (0..4).map(|_| s.verify(&key, &[])).collect();
        (before, results)
    });
    let (before, results) = seen;
    for (i, (exit, v)) in results.iter().enumerate().take(3) {
        assert_eq!((*exit, v["code"].as_str()), (0, Some("VALID")), "verify {i}: {v}");
        assert_eq!(v["ratelimit"]["limit"], 3, "{v}");
        assert_eq!(v["ratelimit"]["remaining"], 2 - i as u64, "{v}");
        assert_eq!(time(&v["ratelimit"]["reset"]), next_minute(before), "resets at the next UTC minute: {v}");
    }
    let (exit, v) = &results[3];
    assert_eq!((*exit, v["code"].as_str(), v["valid"].as_bool()), (10, Some("RATE_LIMITED"), Some(false)), "{v}");
    assert_eq!(v["ratelimit"]["limit"], 3, "{v}");
    assert_eq!(v["ratelimit"]["remaining"], 0, "{v}");
    assert_eq!(time(&v["ratelimit"]["reset"]), next_minute(before), "{v}");
    assert!(v["key_id"].is_string(), "a rate-limited key is still identified: {v}");
}

#[test]
fn rate_limited_verify_exits_10_with_the_code_on_stdout_and_stderr() {
    let (first, second) = within_one_minute(|_| {
        let s = frozen_store();
        let (_, key) = s.create_key(&["--rpm", "1"]);
        (s.run_stdin(&["key", "verify"], &format!("{key}\n")), s.run_stdin(&["key", "verify"], &format!("{key}\n")))
    });
    assert_eq!(code(&first), 0, "{}", stderr_of(&first));
    assert_eq!(code(&second), 10, "{}", stderr_of(&second));
    assert!(String::from_utf8_lossy(&second.stdout).starts_with("RATE_LIMITED "), "{second:?}");
    assert!(stderr_of(&second).contains("RATE_LIMITED"), "{}", stderr_of(&second));
}

#[test]
fn project_rpm_counts_every_key_in_the_project() {
    let seen = within_one_minute(|n| {
        let s = frozen_store();
        let p = format!("p{n}");
        project(&s, &p);
        limits(&s, &p, &["--rpm", "3"]);
        let (_, a) = s.create_key(&["--project", &p]);
        let (_, b) = s.create_key(&["--project", &p]);
        let (_, other) = s.create_key(&[]);
        let seq = [&a, &b, &a, &b, &a, &other];
        seq.iter().map(|k| s.verify(k, &[])).collect::<Vec<_>>()
    });
    let codes: Vec<(i32, &str)> = seen.iter().map(|(e, v)| (*e, v["code"].as_str().unwrap_or("?"))).collect();
    assert_eq!(
        codes,
        [(0, "VALID"), (0, "VALID"), (0, "VALID"), (10, "RATE_LIMITED"), (10, "RATE_LIMITED"), (0, "VALID")],
        "project rpm 3 over two keys; a key in another project is not limited"
    );
    assert_eq!(seen[3].1["ratelimit"]["limit"], 3);
    assert_eq!(seen[3].1["ratelimit"]["remaining"], 0);
    assert!(seen[5].1["ratelimit"].is_null(), "no rate limit applies to the other key: {}", seen[5].1);
}

#[test]
fn project_rpd_refuses_past_the_daily_limit_and_resets_at_utc_midnight() {
    let s = TestStore::new();
    // A minute before a UTC midnight, by the test clock: the day cannot change under the
    // test, and moving the clock past midnight shows the reset.
    let midnight_unix = (common::unix_now() / 86_400 + 2) * 86_400;
    s.set_clock(midnight_unix - 60);
    project(&s, "daily");
    limits(&s, "daily", &["--rpd", "2"]);
    let (_, a) = s.create_key(&["--project", "daily"]);
    let (_, b) = s.create_key(&["--project", "daily"]);
    let today = clock_of(&s).date_naive();
    let first = s.verify(&a, &[]);
    let second = s.verify(&b, &[]);
    let third = s.verify(&a, &[]);
    assert_eq!((first.0, first.1["code"].as_str()), (0, Some("VALID")), "{}", first.1);
    assert_eq!(first.1["ratelimit"]["limit"], 2);
    assert_eq!(first.1["ratelimit"]["remaining"], 1);
    assert_eq!((second.0, second.1["ratelimit"]["remaining"].clone()), (0, json!(0)), "{}", second.1);
    assert_eq!((third.0, third.1["code"].as_str()), (10, Some("RATE_LIMITED")), "{}", third.1);
    let midnight = today.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
    assert_eq!(time(&third.1["ratelimit"]["reset"]), midnight, "{}", third.1);
    assert_eq!(third.1["ratelimit"]["remaining"], 0);
    s.set_clock(midnight_unix);
    assert_eq!(verdict(&s, &a, &[]), valid(), "a new UTC day starts a new count");
}

#[test]
fn the_tightest_rate_limit_is_reported() {
    let seen = within_one_minute(|n| {
        let s = frozen_store();
        let p = format!("p{n}");
        project(&s, &p);
        limits(&s, &p, &["--rpm", "2", "--rpd", "1000"]);
        let (_, key) = s.create_key(&["--project", &p, "--rpm", "10"]);
        (s.verify(&key, &[]), s.verify(&key, &[]), s.verify(&key, &[]))
    });
    let (first, second, third) = seen;
    assert_eq!(first.1["ratelimit"]["limit"], 2, "project rpm 2 is tighter than key rpm 10 and rpd 1000: {}", first.1);
    assert_eq!(first.1["ratelimit"]["remaining"], 1);
    assert_eq!(second.1["ratelimit"]["remaining"], 0);
    assert_eq!((third.0, third.1["code"].as_str()), (10, Some("RATE_LIMITED")));
}

#[test]
fn no_ratelimit_object_when_no_rate_limit_applies() {
    let s = TestStore::new();
    let (_, plain) = s.create_key(&[]);
    let (_, capped) = s.create_key(&["--max-uses", "5"]);
    project(&s, "budgeted");
    limits(&s, "budgeted", &["--monthly-budget", "10"]);
    let (_, budgeted) = s.create_key(&["--project", "budgeted"]);
    for key in [&plain, &capped, &budgeted] {
        let (exit, v) = s.verify(key, &[]);
        assert_eq!(exit, 0, "{v}");
        assert!(v.get("ratelimit").is_some(), "the field is always there: {v}");
        assert!(v["ratelimit"].is_null(), "{v}");
    }
}

#[test]
fn a_project_rpm_counts_verifies_made_before_it_was_set() {
    let seen = within_one_minute(|n| {
        let s = frozen_store();
        let p = format!("p{n}");
        project(&s, &p);
        let (_, key) = s.create_key(&["--project", &p]);
        for _ in 0..3 {
            assert_eq!(verdict(&s, &key, &[]), valid());
        }
        limits(&s, &p, &["--rpm", "3"]);
        verdict(&s, &key, &[])
    });
    assert_eq!(seen, rejected("RATE_LIMITED"), "three valid verifies this minute already used the new rpm 3");
}

// ---- exact under concurrency ----

#[test]
fn twelve_processes_at_once_get_exactly_key_rpm_4_valid() {
    let outcomes = within_one_minute(|_| {
        let s = frozen_store();
        let (_, key) = s.create_key(&["--rpm", "4"]);
        let keys = vec![key.as_str(); 12];
        verify_at_once(&s, &keys, &[])
    });
    assert_exactly_valid(&outcomes, 4, "RATE_LIMITED");
}

#[test]
fn twelve_processes_at_once_get_exactly_project_rpm_valid() {
    let outcomes = within_one_minute(|n| {
        let s = frozen_store();
        let p = format!("p{n}");
        project(&s, &p);
        limits(&s, &p, &["--rpm", "5"]);
        let keys: Vec<String> = (0..3).map(|_| s.create_key(&["--project", &p]).1).collect();
        let all: Vec<&str> = (0..12).map(|i| keys[i % 3].as_str()).collect();
        verify_at_once(&s, &all, &[])
    });
    assert_exactly_valid(&outcomes, 5, "RATE_LIMITED");
}

#[test]
fn twelve_processes_at_once_get_exactly_project_rpd_valid() {
    let s = TestStore::new();
    project(&s, "daily");
    limits(&s, "daily", &["--rpd", "5"]);
    let keys: Vec<String> = (0..4).map(|_| s.create_key(&["--project", "daily"]).1).collect();
    let all: Vec<&str> = (0..12).map(|i| keys[i % 4].as_str()).collect();
    let outcomes = verify_at_once(&s, &all, &[]);
    assert_exactly_valid(&outcomes, 5, "RATE_LIMITED");
    let p = s.json(&["project", "show", "daily"]);
    assert_eq!(p["this_month"]["requests"], 5, "only the valid verifies are recorded: {p}");
}

#[test]
fn twelve_processes_at_once_get_exactly_max_uses_valid() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--max-uses", "5"]);
    let outcomes = verify_at_once(&s, &[key.as_str(); 12], &[]);
    assert_exactly_valid(&outcomes, 5, "USAGE_EXCEEDED");
    assert_eq!(key_field(&s, &id, "uses"), 5);
}

#[test]
fn twelve_processes_at_once_spend_exactly_the_budget() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "0.5"]);
    let (_, key) = s.create_key(&["--project", "b"]);
    let outcomes = verify_at_once(&s, &[key.as_str(); 12], &["--cost", "0.1"]);
    assert_exactly_valid(&outcomes, 5, "BUDGET_EXCEEDED");
    let p = s.json(&["project", "show", "b"]);
    assert_eq!(p["this_month"]["cost"], "0.50", "{p}");
    assert_eq!(p["this_month"]["budget_left"], "0.00", "{p}");
}

#[test]
fn a_stream_and_single_verifies_at_once_share_max_uses_exactly() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--max-uses", "5"]);
    let mut stream = s.std_cmd();
    stream.args(["key", "verify", "--stream"]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut stream = stream.spawn().unwrap();
    let mut input = stream.stdin.take().unwrap();
    let writer = {
        let lines = format!("{key}\n").repeat(6);
        std::thread::spawn(move || input.write_all(lines.as_bytes()).unwrap())
    };
    let singles = verify_at_once(&s, &[key.as_str(); 6], &[]);
    writer.join().unwrap();
    let out = stream.wait_with_output().unwrap();
    assert_eq!(code(&out), 0);
    let mut all = singles;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let exit = if v["valid"] == true { 0 } else { 10 };
        all.push((exit, v["code"].as_str().unwrap().to_owned()));
    }
    assert_eq!(all.len(), 12);
    assert_exactly_valid(&all, 5, "USAGE_EXCEEDED");
    assert_eq!(key_field(&s, &id, "uses"), 5);
}

// ---- max uses ----

#[test]
fn max_uses_refuses_once_used_up() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--max-uses", "2"]);
    assert_eq!(verdict(&s, &key, &[]), valid());
    assert_eq!(key_field(&s, &id, "uses"), 1);
    assert_eq!(verdict(&s, &key, &[]), valid());
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["code"].as_str(), v["valid"].as_bool()), (10, Some("USAGE_EXCEEDED"), Some(false)), "{v}");
    assert_eq!(v["key_id"], id.as_str());
    assert!(v["ratelimit"].is_null(), "max uses is not a rate limit: {v}");
    assert_eq!(key_field(&s, &id, "uses"), 2, "a refused verify is not a use");

    s.json(&["key", "update", &id, "--max-uses", "3"]);
    assert_eq!(verdict(&s, &key, &[]), valid());
    assert_eq!(verdict(&s, &key, &[]), rejected("USAGE_EXCEEDED"));
    s.json(&["key", "update", &id, "--max-uses", "0"]);
    assert_eq!(verdict(&s, &key, &[]), valid(), "0 removes the limit");
    assert_eq!(key_field(&s, &id, "uses"), 4);
}

// ---- IP allowlists ----

#[test]
fn ipv4_allowlist() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--allow-ip", "203.0.113.0/24", "--allow-ip", "10.1.2.3"]);
    for (ip, want) in [
        ("203.0.113.7", valid()),
        ("203.0.113.255", valid()),
        ("203.0.114.7", rejected("IP_NOT_ALLOWED")),
        ("10.1.2.3", valid()),
        ("10.1.2.4", rejected("IP_NOT_ALLOWED")),
        ("::ffff:203.0.113.9", valid()),
        ("2001:db8::1", rejected("IP_NOT_ALLOWED")),
    ] {
        assert_eq!(verdict(&s, &key, &["--client-ip", ip]), want, "client {ip}");
    }
}

#[test]
fn ipv6_allowlist() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--allow-ip", "2001:db8::/32"]);
    for (ip, want) in [
        ("2001:db8::1", valid()),
        ("2001:db8:ffff:1::42", valid()),
        ("2001:db9::1", rejected("IP_NOT_ALLOWED")),
        ("::1", rejected("IP_NOT_ALLOWED")),
        ("203.0.113.7", rejected("IP_NOT_ALLOWED")),
    ] {
        assert_eq!(verdict(&s, &key, &["--client-ip", ip]), want, "client {ip}");
    }
    let (exit, v) = s.verify(&key, &["--client-ip", "2001:db9::1"]);
    assert_eq!(exit, 10);
    assert!(v["key_id"].is_string() && v["valid"] == false, "{v}");
}

#[test]
fn a_key_with_an_allowlist_needs_a_client_ip() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--allow-ip", "0.0.0.0/0", "--allow-ip", "::/0"]);
    assert_eq!(verdict(&s, &key, &[]), rejected("IP_NOT_ALLOWED"), "no --client-ip: refused");
    assert_eq!(verdict(&s, &key, &["--client-ip", "198.51.100.1"]), valid());
    assert_eq!(verdict(&s, &key, &["--client-ip", "fe80::1"]), valid());
    // A key without an allowlist ignores --client-ip.
    let (_, open) = s.create_key(&[]);
    assert_eq!(verdict(&s, &open, &["--client-ip", "198.51.100.1"]), valid());
    assert_eq!(verdict(&s, &open, &[]), valid());
}

#[test]
fn key_update_replaces_the_allowlist() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--allow-ip", "10.0.0.0/8"]);
    assert_eq!(verdict(&s, &key, &["--client-ip", "192.168.1.1"]), rejected("IP_NOT_ALLOWED"));
    s.json(&["key", "update", &id, "--allow-ip", "192.168.0.0/16"]);
    assert_eq!(verdict(&s, &key, &["--client-ip", "192.168.1.1"]), valid());
    assert_eq!(verdict(&s, &key, &["--client-ip", "10.0.0.1"]), rejected("IP_NOT_ALLOWED"));
}

#[test]
fn bad_cidrs_and_client_ips_are_command_line_errors() {
    let s = TestStore::new();
    for bad in ["10.0.0.0/33", "10.0.0/8", "::/129", "host", "10.0.0.0/", ""] {
        let (exit, err) = s.fails(&["key", "create", "--allow-ip", bad]);
        assert_eq!(exit, 2, "--allow-ip {bad:?}: {err}");
    }
    assert_eq!(s.json(&["key", "list"]).as_array().unwrap().len(), 0, "no key was created");
    let (_, key) = s.create_key(&["--allow-ip", "10.0.0.0/8"]);
    for bad in ["10.0.0.256", "nope", "10.0.0.0/8"] {
        let out = s.run_stdin(&["key", "verify", "--client-ip", bad], &format!("{key}\n"));
        assert_eq!(code(&out), 2, "--client-ip {bad:?}: {}", stderr_of(&out));
    }
}

// ---- budgets and amounts ----

#[test]
fn a_budget_of_one_admits_exactly_ten_tenths() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "1.00"]);
    let (_, key) = s.create_key(&["--project", "b"]);
    for i in 0..10 {
        assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), valid(), "verify {i}");
    }
    let (exit, v) = s.verify(&key, &["--cost", "0.1"]);
    assert_eq!((exit, v["code"].as_str(), v["valid"].as_bool()), (10, Some("BUDGET_EXCEEDED"), Some(false)), "{v}");
    assert!(v["key_id"].is_string(), "{v}");
    let p = s.json(&["project", "show", "b"]);
    assert_eq!(
        p["this_month"],
        json!({"requests": 10, "cost": "1.00", "budget": "1.00", "budget_left": "0.00"}),
        "the refused verify is not counted"
    );
    // Even the smallest cost passes the budget now; no cost does not.
    assert_eq!(verdict(&s, &key, &["--cost", "0.000001"]), rejected("BUDGET_EXCEEDED"));
    assert_eq!(verdict(&s, &key, &[]), valid(), "1.00 + 0 does not pass a budget of 1.00");
    assert_eq!(verdict(&s, &key, &["--cost", "0"]), valid());
}

#[test]
fn budgets_are_exact_to_the_micro_unit_and_shared_by_the_project_keys() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "0.000003"]);
    let (_, a) = s.create_key(&["--project", "b"]);
    let (_, b) = s.create_key(&["--project", "b"]);
    let (_, elsewhere) = s.create_key(&[]);
    assert_eq!(verdict(&s, &a, &["--cost", "0.000001"]), valid());
    assert_eq!(verdict(&s, &a, &["--cost", "0.000001"]), valid());
    assert_eq!(verdict(&s, &b, &["--cost", "0.000002"]), rejected("BUDGET_EXCEEDED"));
    assert_eq!(verdict(&s, &b, &["--cost", "0.000001"]), valid());
    assert_eq!(verdict(&s, &a, &["--cost", "0.000001"]), rejected("BUDGET_EXCEEDED"));
    assert_eq!(verdict(&s, &elsewhere, &["--cost", "5"]), valid(), "another project's budget is its own");
    let p = s.json(&["project", "show", "b"]);
    assert_eq!(p["this_month"]["cost"], "0.000003");
    assert_eq!(p["this_month"]["budget_left"], "0.00");
}

#[test]
fn a_single_cost_above_the_budget_is_refused() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "1"]);
    let (id, key) = s.create_key(&["--project", "b"]);
    assert_eq!(verdict(&s, &key, &["--cost", "1.000001"]), rejected("BUDGET_EXCEEDED"));
    assert_eq!(key_field(&s, &id, "uses"), 0);
    assert_eq!(verdict(&s, &key, &["--cost", "1"]), valid(), "exactly the budget does not pass it");
    assert_eq!(s.json(&["project", "show", "b"])["this_month"]["budget_left"], "0.00");
}

#[test]
fn raising_the_budget_admits_more() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "0.2"]);
    let (_, key) = s.create_key(&["--project", "b"]);
    for _ in 0..2 {
        assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), valid());
    }
    assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), rejected("BUDGET_EXCEEDED"));
    let v = limits(&s, "b", &["--monthly-budget", "0.25"]);
    assert_eq!(v["this_month"]["budget_left"], "0.05");
    assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), rejected("BUDGET_EXCEEDED"));
    assert_eq!(verdict(&s, &key, &["--cost", "0.05"]), valid());
}

#[test]
fn malformed_amounts_are_refused_with_a_clear_error() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "5"]);
    let (id, key) = s.create_key(&["--project", "b"]);
    let bad =
        ["-1", "1e9999", "abc", "0.0000001", "", "1.", ".5", "1,5", " 1", "+1", "NaN", "inf", "99999999999999999999"];
    for amount in bad {
        let cost = format!("--cost={amount}");
        let out = s.run_stdin(&["key", "verify", &cost], &format!("{key}\n"));
        let err = stderr_of(&out);
        assert_eq!(code(&out), 2, "--cost {amount:?}: {err}");
        assert!(err.contains("invalid amount"), "--cost {amount:?}: unclear error {err:?}");
        assert!(!err.contains("panicked"), "{err}");

        let budget = format!("--monthly-budget={amount}");
        let (exit, err) = s.fails(&["project", "limits", "b", &budget]);
        assert_eq!(exit, 2, "--monthly-budget {amount:?}: {err}");
        assert!(err.contains("invalid amount"), "--monthly-budget {amount:?}: unclear error {err:?}");
    }
    // The plain `--cost -1` form is a command-line error too.
    let out = s.run_stdin(&["key", "verify", "--cost", "-1"], &format!("{key}\n"));
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    // Nothing was counted and the budget is unchanged.
    assert_eq!(key_field(&s, &id, "uses"), 0);
    assert_eq!(s.json(&["project", "show", "b"])["limits"]["monthly_budget"], "5.00");
}

#[test]
fn amounts_are_shown_as_exact_decimal_strings() {
    let s = TestStore::new();
    project(&s, "b");
    for (given, shown) in [
        ("250", "250.00"),
        ("1.5", "1.50"),
        ("0.000001", "0.000001"),
        ("0.1", "0.10"),
        ("1000000000000", "1000000000000.00"),
        ("007.250", "7.25"),
    ] {
        let v = limits(&s, "b", &["--monthly-budget", given]);
        assert_eq!(v["limits"]["monthly_budget"], shown, "--monthly-budget {given}");
    }
    limits(&s, "b", &["--monthly-budget", "1"]);
    let (_, key) = s.create_key(&["--project", "b"]);
    for _ in 0..3 {
        assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), valid());
    }
    let p = s.json(&["project", "show", "b"]);
    assert_eq!(p["this_month"]["cost"], "0.30", "0.1 three times is exactly 0.30: {p}");
    assert_eq!(p["this_month"]["budget_left"], "0.70", "{p}");
}

// ---- --no-record and refused verifies ----

#[test]
fn no_record_verifies_count_toward_nothing() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "0.2", "--rpd", "1000"]);
    let (id, key) = s.create_key(&["--project", "b", "--max-uses", "2"]);
    for _ in 0..4 {
        let (exit, v) = s.verify(&key, &["--no-record", "--cost", "0.1"]);
        assert_eq!((exit, v["code"].as_str()), (0, Some("VALID")), "{v}");
        assert_eq!(v["ratelimit"]["remaining"], 1000, "an unrecorded verify uses nothing: {v}");
    }
    let shown = s.json(&["key", "show", &id]);
    assert_eq!(shown["uses"], 0);
    assert!(shown["last_used_at"].is_null(), "{shown}");
    assert_eq!(shown["this_month"]["requests"], 0);
    let p = s.json(&["project", "show", "b"]);
    assert_eq!((p["this_month"]["requests"].clone(), p["this_month"]["cost"].clone()), (json!(0), json!("0.00")));
    assert_eq!(s.json(&["usage"]), json!([]), "no usage recorded");

    assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), valid());
    assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), valid());
    assert_eq!(verdict(&s, &key, &["--cost", "0.1"]), rejected("USAGE_EXCEEDED"));
    assert_eq!(key_field(&s, &id, "uses"), 2);
}

#[test]
fn no_record_verifies_do_not_use_the_rpm() {
    let seen = within_one_minute(|_| {
        let s = frozen_store();
        let (_, key) = s.create_key(&["--rpm", "2"]);
        let mut codes: Vec<(i32, String)> = (0..5).map(|_| verdict(&s, &key, &["--no-record"])).collect();
        codes.extend((0..3).map(|_| verdict(&s, &key, &[])));
        codes
    });
    let mut want = vec![valid(); 7];
    want.push(rejected("RATE_LIMITED"));
    assert_eq!(seen, want);
}

#[test]
fn refused_verifies_do_not_count() {
    let seen = within_one_minute(|_| {
        let s = frozen_store();
        let (id, key) = s.create_key(&[
            "--rpm",
            "2",
            "--permission",
            "restricted",
            "--scope",
            "models:read",
            "--allow-ip",
            "10.0.0.0/8",
        ]);
        let mut codes = Vec::new();
        for _ in 0..3 {
            codes.push(verdict(&s, &key, &["--client-ip", "192.0.2.1"]));
            codes.push(verdict(&s, &key, &["--client-ip", "10.0.0.1", "--require", "files:write"]));
        }
        for _ in 0..3 {
            codes.push(verdict(&s, &key, &["--client-ip", "10.0.0.1", "--require", "models:read"]));
        }
        (codes, s.json(&["key", "show", &id]))
    });
    let (codes, shown) = seen;
    let refused = [rejected("IP_NOT_ALLOWED"), rejected("INSUFFICIENT_PERMISSIONS")];
    let mut want: Vec<(i32, String)> = refused.iter().cycle().take(6).cloned().collect();
    want.extend([valid(), valid(), rejected("RATE_LIMITED")]);
    assert_eq!(codes, want);
    assert_eq!(shown["uses"], 2, "{shown}");
    assert_eq!(shown["this_month"]["requests"], 2, "{shown}");
}

// ---- --stream ----

#[test]
fn stream_limits_stay_exact_next_to_unlimited_keys() {
    let s = TestStore::new();
    project(&s, "limited");
    limits(&s, "limited", &["--rpd", "3"]);
    let (lim_id, limited) = s.create_key(&["--project", "limited"]);
    let (free_id, free) = s.create_key(&[]);
    let (capped_id, capped) = s.create_key(&["--max-uses", "2"]);
    let order = [&free, &limited, &capped, &free, &limited, &capped, &limited, &capped, &limited, &free, &limited];
    let input: String = order.iter().map(|k| format!("{k}\n")).collect();
    let (exit, lines) = s.verify_stream(input.as_bytes(), &["--cost", "0.5"]);
    assert_eq!(exit, 0);
    let codes: Vec<&str> = lines.iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "VALID",
            "VALID",
            "VALID",
            "VALID",
            "VALID",
            "VALID",
            "VALID",
            "USAGE_EXCEEDED",
            "RATE_LIMITED",
            "VALID",
            "RATE_LIMITED"
        ]
    );
    assert_eq!(lines[6]["ratelimit"]["remaining"], 0, "{}", lines[6]);
    for (id, uses) in [(&lim_id, 3), (&free_id, 3), (&capped_id, 2)] {
        assert_eq!(key_field(&s, id, "uses"), uses, "{id}");
    }
    // A later process sees the stream's counts.
    assert_eq!(verdict(&s, &limited, &[]), rejected("RATE_LIMITED"));
    assert_eq!(verdict(&s, &capped, &[]), rejected("USAGE_EXCEEDED"));
}

#[test]
fn stream_budget_is_exact() {
    let s = TestStore::new();
    project(&s, "b");
    limits(&s, "b", &["--monthly-budget", "1.00"]);
    let (_, key) = s.create_key(&["--project", "b"]);
    let (exit, lines) = s.verify_stream(format!("{key}\n").repeat(12).as_bytes(), &["--cost", "0.1"]);
    assert_eq!(exit, 0);
    let codes: Vec<&str> = lines.iter().map(|v| v["code"].as_str().unwrap()).collect();
    let mut want = vec!["VALID"; 10];
    want.extend(["BUDGET_EXCEEDED"; 2]);
    assert_eq!(codes, want);
    assert_eq!(s.json(&["project", "show", "b"])["this_month"]["cost"], "1.00");
}

// ---- --max-ttl ----

#[test]
fn max_ttl_caps_new_keys() {
    let s = TestStore::new();
    project(&s, "ci");
    limits(&s, "ci", &["--max-ttl", "1h"]);

    let (exit, err) = s.fails(&["key", "create", "--project", "ci", "--ttl", "2h"]);
    assert_eq!(exit, 1, "{err}");
    assert!(err.starts_with("keyctl: ") && err.contains("1h"), "names the max TTL: {err}");
    let later = (Utc::now() + ChronoDuration::hours(3)).to_rfc3339();
    let (exit, err) = s.fails(&["key", "create", "--project", "ci", "--expires-at", &later]);
    assert_eq!(exit, 1, "--expires-at past the max TTL: {err}");
    let (exit, _) = s.fails(&["key", "create", "--project", "ci", "--ttl", "61m"]);
    assert_eq!(exit, 1);
    assert_eq!(s.json(&["key", "list", "--project", "ci"]).as_array().unwrap().len(), 0, "no key was created");

    let v = s.json(&["key", "create", "--project", "ci", "--ttl", "30m"]);
    let lifetime = time(&v["expires_at"]) - time(&v["created_at"]);
    assert_eq!(lifetime, ChronoDuration::minutes(30));
    let v = s.json(&["key", "create", "--project", "ci", "--ttl", "1h"]);
    assert_eq!(time(&v["expires_at"]) - time(&v["created_at"]), ChronoDuration::hours(1), "exactly the max is allowed");

    let v = s.json(&["key", "create", "--project", "ci"]);
    assert_eq!(time(&v["expires_at"]) - time(&v["created_at"]), ChronoDuration::hours(1), "no --ttl gets the max: {v}");
    let id = v["id"].as_str().unwrap();
    let (exit, err) = s.fails(&["key", "update", id, "--ttl", "2h"]);
    assert_eq!(exit, 1, "key update cannot pass the max either: {err}");

    // Other projects are not capped; removing the cap lifts it.
    let v = s.json(&["key", "create", "--ttl", "30d"]);
    assert!(v["expires_at"].is_string());
    assert!(s.json(&["key", "create"])["expires_at"].is_null());
    limits(&s, "ci", &["--max-ttl", "0s"]);
    assert!(s.json(&["key", "create", "--project", "ci"])["expires_at"].is_null());
    s.json(&["key", "create", "--project", "ci", "--ttl", "2h"]);
}

#[test]
fn max_ttl_caps_service_account_keys() {
    let s = TestStore::new();
    project(&s, "ci");
    limits(&s, "ci", &["--max-ttl", "15m"]);
    let (exit, err) = s.fails(&["sa", "create", "bot", "--project", "ci", "--ttl", "1h"]);
    assert_eq!(exit, 1, "{err}");
    let v = s.json(&["sa", "create", "bot", "--project", "ci"]);
    let info = &v["key_info"];
    assert_eq!(
        time(&info["expires_at"]) - time(&info["created_at"]),
        ChronoDuration::minutes(15),
        "the first key of a service account gets the max: {v}"
    );
}

#[test]
fn max_ttl_caps_rotated_keys() {
    let s = TestStore::new();
    project(&s, "ci");
    let (id, _) = s.create_key(&["--project", "ci"]);
    limits(&s, "ci", &["--max-ttl", "1h"]);
    let out = s.run(&["key", "rotate", &id, "-o", "json"]);
    if code(&out) == 0 {
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["expires_at"].is_string(), "the successor of an unlimited key must be capped: {v}");
        let lifetime = time(&v["expires_at"]) - time(&v["created_at"]);
        assert!(lifetime <= ChronoDuration::hours(1), "{v}");
    } else {
        assert_eq!(code(&out), 1, "refusing the rotation is fine too: {}", stderr_of(&out));
    }
}

/// A verify that starts just before a minute boundary but gets the write lock only after
/// verifies of the next minute have counted must count in the new minute, not wipe its
/// count. The lock is held with plain SQLite across the boundary; the verifies of the new
/// minute are stood in for by the counter row they leave (the counters are plain integers).
/// keyctl reads the clock for its windows only once it holds the write lock, so A runs at
/// the time it gets the lock (the test clock, past the boundary): with the clock frozen
/// before the boundary, the new minute's row would be a window in A's future, which is
/// stale by rule (a clock that ran ahead) and replaced.
#[test]
fn a_verify_delayed_across_a_minute_boundary_keeps_the_new_minutes_count() {
    let s = TestStore::new_file();
    let boundary = (common::unix_now() / 60 + 2) * 60;
    s.set_clock(boundary + 1);
    let (id, key) = s.create_key(&["--rpm", "2"]);
    let mut a = s.std_cmd();
    a.args(["key", "verify", "-o", "json"]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut a = a.spawn().unwrap();

    let db = s.sql();
    db.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    // A starts, then waits for the lock.
    a.stdin.take().unwrap().write_all(format!("{key}\n").as_bytes()).unwrap();
    s.set_clock(boundary + 30);
    // Two valid verifies of the new minute got the lock first: the key's minute is full.
    db.execute(
        "INSERT INTO counters (scope_id, kind, window_start, value) VALUES (?1, 'minute', ?2, 2)
         ON CONFLICT (scope_id, kind) DO UPDATE SET window_start = excluded.window_start, value = excluded.value",
        rusqlite::params![id, boundary],
    )
    .unwrap();
    db.execute_batch("COMMIT").unwrap();
    let out = a.wait_with_output().unwrap();
    assert_eq!(code(&out), 10, "A counts in the new minute, already full: {}", stderr_of(&out));

    let later = [verdict(&s, &key, &[]), verdict(&s, &key, &[])];
    assert_eq!(later, [rejected("RATE_LIMITED"), rejected("RATE_LIMITED")], "rpm 2 is used up in the new minute");
}
