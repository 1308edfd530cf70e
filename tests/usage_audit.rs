//! Issue 5: the usage report (`keyctl usage`, and the month totals of `project show` and
//! `key show`), and the audit log: entries for every change with the right actor, the
//! filters of `audit list`, the chain catching entries deleted, edited, reordered or cut
//! off with plain SQL, and no secret in any entry.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{code, stderr_of, TestStore, PASSPHRASE};
use serde_json::{json, Value};

// ---- helpers ----

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

fn verify_ok(s: &TestStore, key: &str, args: &[&str]) {
    let (exit, v) = s.verify(key, args);
    assert_eq!(exit, 0, "verify {args:?}: {v}");
}

fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

/// `usage` lines as group → (requests, cost), the group being the `field` of each line.
fn groups(lines: &Value, field: &str) -> BTreeMap<String, (i64, String)> {
    lines
        .as_array()
        .unwrap_or_else(|| panic!("usage is not a JSON array: {lines}"))
        .iter()
        .map(|l| {
            let group = l[field].as_str().unwrap_or_else(|| panic!("no {field} in {l}")).to_owned();
            (group, (l["requests"].as_i64().unwrap(), l["cost"].as_str().unwrap().to_owned()))
        })
        .collect()
}

fn expect(pairs: &[(&str, i64, &str)]) -> BTreeMap<String, (i64, String)> {
    pairs.iter().map(|(g, r, c)| ((*g).to_owned(), (*r, (*c).to_owned()))).collect()
}

/// A store with known usage this month:
/// - project "alpha": key "k1" verified 3 times with cost 0.25 (single verifies), key
///   "k2" 2 times with cost 0.1 (through `--stream`);
/// - project "beta": key "k3" 4 times without cost (through `--stream`);
/// - and verifies that must not count: `--no-record`, a revoked key, a refused scope, a
///   malformed stream line, an unused key "k4" in the default project.
struct Usage {
    s: TestStore,
    alpha: String,
    beta: String,
    k1: String,
    k2: String,
    k3: String,
}

fn usage_store() -> Usage {
    let s = TestStore::new();
    let alpha = id_of(&s.json(&["project", "create", "alpha"]));
    let beta = id_of(&s.json(&["project", "create", "beta"]));
    let (k1, key1) =
        s.create_key(&["k1", "--project", "alpha", "--permission", "restricted", "--scope", "models:read"]);
    let (k2, key2) = s.create_key(&["k2", "--project", "alpha"]);
    let (k3, key3) = s.create_key(&["k3", "--project", "beta"]);
    s.create_key(&["k4"]);
    let (gone, gone_key) = s.create_key(&["gone", "--project", "alpha"]);
    s.ok(&["key", "revoke", &gone]);

    for _ in 0..3 {
        verify_ok(&s, &key1, &["--cost", "0.25"]);
    }
    verify_ok(&s, &key1, &["--no-record", "--cost", "0.25"]);
    let (exit, _) = s.verify(&key1, &["--require", "files:write", "--cost", "0.25"]);
    assert_eq!(exit, 10);
    let (exit, _) = s.verify(&gone_key, &["--cost", "0.25"]);
    assert_eq!(exit, 10);

    let input = format!("{key2}\nnot-a-key\n{key2}\n");
    let (exit, lines) = s.verify_stream(input.as_bytes(), &["--cost", "0.1"]);
    assert_eq!(exit, 0);
    assert_eq!(lines.iter().filter(|l| l["valid"] == true).count(), 2);
    let (exit, lines) = s.verify_stream(format!("{key3}\n").repeat(4).as_bytes(), &[]);
    assert_eq!(exit, 0);
    assert!(lines.iter().all(|l| l["valid"] == true));
    Usage { s, alpha, beta, k1, k2, k3 }
}

// ---- usage ----

#[test]
fn usage_json_by_day_key_and_project() {
    let u = usage_store();
    let s = &u.s;
    let by_day = s.json(&["usage"]);
    assert_eq!(by_day, json!([{"day": today(), "requests": 9, "cost": "0.95"}]), "the default groups by day");
    assert_eq!(s.json(&["usage", "--by", "day"]), by_day);

    let by_key = s.json(&["usage", "--by", "key"]);
    assert_eq!(
        groups(&by_key, "key_id"),
        expect(&[(&u.k1, 3, "0.75"), (&u.k2, 2, "0.20"), (&u.k3, 4, "0.00")]),
        "{by_key}"
    );
    let by_project = s.json(&["usage", "--by", "project"]);
    assert_eq!(groups(&by_project, "project_id"), expect(&[(&u.alpha, 5, "0.95"), (&u.beta, 4, "0.00")]));
}

#[test]
fn usage_filters_by_project_key_and_time() {
    let u = usage_store();
    let s = &u.s;
    let v = s.json(&["usage", "--project", "alpha", "--by", "key"]);
    assert_eq!(groups(&v, "key_id"), expect(&[(&u.k1, 3, "0.75"), (&u.k2, 2, "0.20")]));
    let v = s.json(&["usage", "--project", &u.beta]);
    assert_eq!(v, json!([{"day": today(), "requests": 4, "cost": "0.00"}]), "a project by id");
    let v = s.json(&["usage", "--key", &u.k1]);
    assert_eq!(v, json!([{"day": today(), "requests": 3, "cost": "0.75"}]));
    let v = s.json(&["usage", "--key", "k2", "--by", "project"]);
    assert_eq!(v, json!([{"project_id": u.alpha, "requests": 2, "cost": "0.20"}]), "a key by name");
    assert_eq!(s.json(&["usage", "--key", "k4"]), json!([]), "an unused key has no usage");
    assert_eq!(s.json(&["usage", "--project", "Default project"]), json!([]));

    let v = s.json(&["usage", "--since", "2000-01-01T00:00:00Z"]);
    assert_eq!(v, json!([{"day": today(), "requests": 9, "cost": "0.95"}]));
    let v = s.json(&["usage", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-31T00:00:00Z"]);
    assert_eq!(v, json!([]), "nothing was used in January 2000");
    let (exit, err) = s.fails(&["usage", "--since", "2000-02-01T00:00:00Z", "--until", "2000-01-01T00:00:00Z"]);
    assert_eq!(exit, 2, "--until before --since: {err}");
    let (exit, err) = s.fails(&["usage", "--project", "nope"]);
    assert_eq!(exit, 1, "{err}");
    let (exit, err) = s.fails(&["usage", "--since", "yesterday"]);
    assert_eq!(exit, 2, "{err}");
}

#[test]
fn usage_csv_has_a_header_and_one_row_per_group() {
    let u = usage_store();
    let s = &u.s;
    let text = s.ok(&["usage", "--by", "key", "-o", "csv"]);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header line").split(',').collect();
    assert_eq!(header.len(), 3, "{text}");
    assert!(header[1].eq_ignore_ascii_case("requests") && header[2].eq_ignore_ascii_case("cost"), "{text}");
    assert_eq!(header[0], "key_id", "CSV headers are the JSON field names: {text}");
    let rows: BTreeMap<String, (i64, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 3, "{l:?}");
            (cells[0].to_owned(), (cells[1].parse().unwrap(), cells[2].to_owned()))
        })
        .collect();
    assert_eq!(rows, expect(&[(&u.k1, 3, "0.75"), (&u.k2, 2, "0.20"), (&u.k3, 4, "0.00")]), "{text}");

    let text = s.ok(&["usage", "-o", "csv"]);
    assert_eq!(text.lines().nth(1), Some(format!("{},9,0.95", today()).as_str()), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn usage_table_shows_each_group() {
    let u = usage_store();
    let s = &u.s;
    let text = s.ok(&["usage", "--by", "project"]);
    let header = text.lines().next().unwrap();
    for word in ["PROJECT", "REQUESTS", "COST"] {
        assert!(header.contains(word), "{text}");
    }
    let row = |id: &str| -> Vec<String> {
        let line = text.lines().find(|l| l.contains(id)).unwrap_or_else(|| panic!("no row for {id}:\n{text}"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    // Issue 15 item 11: the table names the projects; `-o wide` shows their ids.
    assert_eq!(row("alpha"), ["alpha", "5", "0.95"]);
    assert_eq!(row("beta"), ["beta", "4", "0.00"]);
    let wide = s.ok(&["usage", "--by", "project", "-o", "wide"]);
    assert!(wide.contains(&u.alpha) && wide.contains(&u.beta), "{wide}");
    let by_key = s.ok(&["usage", "--by", "key"]);
    assert!(by_key.lines().any(|l| l.split_whitespace().next() == Some("k1")), "{by_key}");

    let text = s.ok(&["usage"]);
    assert!(text.lines().next().unwrap().contains("DAY"), "{text}");
    let line = text.lines().find(|l| l.contains(&today())).unwrap_or_else(|| panic!("no row for today:\n{text}"));
    // The one day is the busiest: a full bar (plain `#` off a terminal; issue 16).
    let bar = "#".repeat(40);
    assert_eq!(line.split_whitespace().collect::<Vec<_>>(), [today().as_str(), "9", "0.95", bar.as_str()]);
}

#[test]
fn project_show_and_key_show_have_this_months_totals() {
    let u = usage_store();
    let s = &u.s;
    let p = s.json(&["project", "show", "alpha"]);
    assert_eq!(p["this_month"], json!({"requests": 5, "cost": "0.95", "budget": null, "budget_left": null}));
    let p = s.json(&["project", "show", "beta"]);
    assert_eq!((p["this_month"]["requests"].clone(), p["this_month"]["cost"].clone()), (json!(4), json!("0.00")));

    s.json(&["project", "limits", "alpha", "--monthly-budget", "2.00"]);
    let p = s.json(&["project", "show", "alpha"]);
    assert_eq!(p["this_month"], json!({"requests": 5, "cost": "0.95", "budget": "2.00", "budget_left": "1.05"}));
    let table = s.ok(&["project", "show", "alpha"]);
    assert!(table.lines().any(|l| l.contains("budget left") && l.trim_end().ends_with("1.05")), "{table}");
    assert!(table.contains("5 requests, cost 0.95"), "{table}");
    // Spending past the budget is not possible, so the budget left never goes below zero.
    s.json(&["project", "limits", "alpha", "--monthly-budget", "0.5"]);
    assert_eq!(s.json(&["project", "show", "alpha"])["this_month"]["budget_left"], "0.00");

    let k = s.json(&["key", "show", &u.k1]);
    assert_eq!(k["this_month"]["requests"], 3, "{k}");
    assert_eq!(k["this_month"]["cost"], "0.75", "{k}");
    assert_eq!(k["uses"], 3, "{k}");
    assert!(k["last_used_at"].is_string(), "{k}");
    let k = s.json(&["key", "show", "k3"]);
    assert_eq!((k["this_month"]["requests"].clone(), k["uses"].clone()), (json!(4), json!(4)), "{k}");
    let table = s.ok(&["key", "show", "k2"]);
    assert!(table.contains("2 requests, cost 0.20"), "{table}");
    let k = s.json(&["key", "show", "k4"]);
    assert_eq!((k["this_month"]["requests"].clone(), k["this_month"]["cost"].clone()), (json!(0), json!("0.00")));
}

#[test]
fn usage_covers_only_the_chosen_org() {
    let s = TestStore::new();
    let (_, acme_key) = s.create_key(&[]);
    s.ok(&["org", "create", "other"]);
    let v = s.json(&["key", "create", "--org", "other"]);
    let other_key = v["key"].as_str().unwrap();
    verify_ok(&s, &acme_key, &["--cost", "1"]);
    for _ in 0..2 {
        verify_ok(&s, other_key, &["--cost", "2"]);
    }
    assert_eq!(s.json(&["usage", "--org", "acme"]), json!([{"day": today(), "requests": 1, "cost": "1.00"}]));
    assert_eq!(s.json(&["usage", "--org", "other"]), json!([{"day": today(), "requests": 2, "cost": "4.00"}]));
}

#[test]
fn a_stream_records_every_use_by_its_end() {
    let s = TestStore::new();
    let (a, key_a) = s.create_key(&[]);
    let (b, key_b) = s.create_key(&[]);
    let input = format!("{key_a}\n{key_b}\n").repeat(300);
    let (exit, lines) = s.verify_stream(input.as_bytes(), &["--cost", "0.001"]);
    assert_eq!(exit, 0);
    assert_eq!(lines.len(), 600);
    assert!(lines.iter().all(|l| l["code"] == "VALID"));
    let v = s.json(&["usage", "--by", "key"]);
    assert_eq!(groups(&v, "key_id"), expect(&[(&a, 300, "0.30"), (&b, 300, "0.30")]), "no batched use is lost");
    for id in [&a, &b] {
        let k = s.json(&["key", "show", id]);
        assert_eq!(k["uses"], 300);
        assert!(k["last_used_at"].is_string());
    }
    let d = s.json(&["project", "show", "Default project"]);
    assert_eq!(d["this_month"], json!({"requests": 600, "cost": "0.60", "budget": null, "budget_left": null}));
}

#[test]
fn an_idle_stream_writes_its_uses_soon() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let mut cmd = s.std_cmd();
    cmd.args(["key", "verify", "--stream"]).stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdin.write_all(format!("{key}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    stdout.read_line(&mut answer).unwrap();
    assert!(answer.contains("\"VALID\""), "{answer}");
    // The stream is acknowledged and idle, as a co-process of a quiet API server is.
    std::thread::sleep(Duration::from_millis(1000));
    let seen = s.json(&["key", "show", &id])["uses"].clone();
    drop(stdin);
    child.wait().unwrap();
    assert_eq!(seen, 1, "a second after the answer, the use is still not recorded");
}

// ---- audit: entries ----

fn audit(s: &TestStore, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit", "list"];
    all.extend_from_slice(args);
    s.json(&all).as_array().unwrap_or_else(|| panic!("audit list is not an array")).clone()
}

/// The one entry with this action and target.
fn entry<'a>(entries: &'a [Value], action: &str, target: &str) -> &'a Value {
    let found: Vec<&Value> = entries.iter().filter(|e| e["action"] == action && e["target_id"] == target).collect();
    assert_eq!(found.len(), 1, "want one {action} entry for {target}, got {found:?}");
    found[0]
}

#[test]
fn every_change_is_audited_with_its_actor() {
    let s = TestStore::new();
    let init = audit(&s, &[]);
    let org = s.json(&["org", "show"]);
    let org_id = id_of(&org);
    let default = id_of(&s.json(&["project", "show", "Default project"]));
    assert_eq!(entry(&init, "org.created", &org_id)["actor"], "passphrase", "init unlocked with the passphrase");
    assert_eq!(entry(&init, "project.created", &default)["project_id"], default.as_str());
    let added = init.iter().find(|e| e["action"] == "store.key_added").expect("store.key_added");
    assert_eq!(added["actor"], "passphrase");
    assert_eq!(added["details"]["slot"], "test");

    let p = id_of(&s.json(&["project", "create", "billing"]));
    let member = id_of(&s.json(&["member", "add", "bob@example.com", "--role", "readonly"]));
    let (key, _) = s.create_key(&["--project", "billing"]);
    s.json(&["key", "update", &key, "--rpm", "5"]);
    s.json(&["project", "limits", "billing", "--rpm", "100", "--monthly-budget", "9.5"]);
    let rotated = s.json(&["key", "rotate", &key, "--grace", "1h"]);
    let successor = id_of(&rotated);
    s.ok(&["key", "revoke", &successor, "--reason", "leaked in a log"]);
    s.json(&["project", "rename", "billing", "billing-api"]);
    s.json(&["project", "archive", "billing-api"]);
    s.json(&["project", "unarchive", "billing-api"]);
    s.ok(&["org", "rename", "acme", "acme-inc"]);
    let store_key_ci = s.json(&["store", "add-key", "ci"])["store_key"].as_str().unwrap().to_owned();

    // Another store key is another actor; so is the passphrase.
    let as_ci = s.bare().env("KEYCTL_STORE_KEY", &store_key_ci).args(["project", "create", "by-ci"]).output().unwrap();
    assert_eq!(code(&as_ci), 0, "{}", stderr_of(&as_ci));
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["project", "create", "by-me", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let by_me = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let all = audit(&s, &[]);
    let checks: Vec<(&str, &str, Option<&str>, &str)> = vec![
        ("project.created", &p, Some(&p), "test"),
        ("member.added", &member, None, "test"),
        ("key.created", &key, Some(&p), "test"),
        ("key.updated", &key, Some(&p), "test"),
        ("project.limits_changed", &p, Some(&p), "test"),
        ("key.rotated", &key, Some(&p), "test"),
        ("key.created", &successor, Some(&p), "test"),
        ("key.revoked", &successor, Some(&p), "test"),
        ("project.renamed", &p, Some(&p), "test"),
        ("project.archived", &p, Some(&p), "test"),
        ("project.unarchived", &p, Some(&p), "test"),
        ("org.renamed", &org_id, None, "test"),
        ("project.created", &by_me, Some(&by_me), "passphrase"),
    ];
    for (action, target, project, actor) in checks {
        let e = entry(&all, action, target);
        assert_eq!(e["actor"], actor, "{e}");
        assert_eq!(e["project_id"].as_str(), project, "{e}");
    }
    let ci_added = all.iter().find(|e| e["action"] == "store.key_added" && e["details"]["slot"] == "ci").unwrap();
    assert_eq!(ci_added["actor"], "test");
    let by_ci = all.iter().find(|e| e["action"] == "project.created" && e["actor"] == "ci");
    assert!(by_ci.is_some(), "the project made with the ci store key names actor ci: {all:?}");

    // Details say what changed.
    assert_eq!(entry(&all, "key.updated", &key)["details"]["rpm"], 5);
    assert_eq!(entry(&all, "project.limits_changed", &p)["details"]["monthly_budget"], "9.50");
    assert_eq!(entry(&all, "key.revoked", &successor)["details"]["reason"], "leaked in a log");
    assert_eq!(entry(&all, "member.added", &member)["details"]["role"], "readonly");
    assert_eq!(entry(&all, "key.rotated", &key)["details"]["successor"], successor.as_str());

    // Ids count up from 1 without gaps; times are RFC 3339 UTC and never go back.
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=all.len() as i64).collect::<Vec<_>>());
    let times: Vec<DateTime<Utc>> = all
        .iter()
        .map(|e| {
            let at = e["at"].as_str().unwrap();
            assert!(at.ends_with('Z'), "{at}");
            at.parse().unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    for e in &all {
        for field in ["id", "at", "actor", "action", "target_id", "project_id", "details"] {
            assert!(e.get(field).is_some(), "entry without {field}: {e}");
        }
    }
}

#[test]
fn removals_and_deletions_are_audited() {
    let s = TestStore::new();
    let p = id_of(&s.json(&["project", "create", "temp"]));
    let member = id_of(&s.json(&["member", "add", "eve@example.com", "--role", "all"]));
    let (key, _) = s.create_key(&["--project", "temp", "--owner", "eve@example.com"]);
    let sa = id_of(&s.json(&["sa", "create", "bot", "--project", "temp"]));
    s.ok(&["member", "remove", "eve@example.com", "--yes"]);
    s.ok(&["sa", "delete", "bot", "--project", "temp", "--yes"]);
    s.ok(&["project", "delete", "temp", "--yes"]);
    s.json(&["store", "add-key", "ci"]);
    s.ok(&["store", "remove-key", "ci", "--yes"]);
    let out = s.run_env(
        &[("KEYCTL_STORE_KEY", &s.store_key), ("KEYCTL_NEW_PASSPHRASE", "a new passphrase for the test")],
        &["store", "passwd"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));

    let all = audit(&s, &[]);
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in [
        "member.removed",
        "service_account.created",
        "service_account.deleted",
        "project.deleted",
        "store.key_removed",
        "store.passphrase_changed",
    ] {
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    assert_eq!(entry(&all, "member.removed", &member)["actor"], "test");
    assert_eq!(entry(&all, "project.deleted", &p)["project_id"], p.as_str());
    assert_eq!(entry(&all, "service_account.created", &sa)["project_id"], p.as_str());
    assert_eq!(entry(&all, "key.created", &key)["project_id"], p.as_str());
}

#[test]
fn reads_and_verifies_append_no_audit_entry() {
    let s = TestStore::new();
    s.json(&["project", "create", "p"]);
    let (id, key) = s.create_key(&["--project", "p", "--rpm", "100"]);
    let before = audit(&s, &[]).len();
    verify_ok(&s, &key, &["--cost", "0.5"]);
    s.verify_stream(format!("{key}\n").as_bytes(), &[]);
    for args in [
        &["project", "show", "p"][..],
        &["project", "limits", "p"],
        &["project", "list"],
        &["key", "show", &id],
        &["key", "list"],
        &["usage"],
        &["audit", "list"],
        &["audit", "verify"],
        &["store", "check"],
        &["org", "list"],
    ] {
        s.ok(args);
    }
    assert_eq!(audit(&s, &[]).len(), before, "only changes are audited");
}

#[test]
fn audit_list_filters() {
    let s = TestStore::new();
    let p = id_of(&s.json(&["project", "create", "billing"]));
    let q = id_of(&s.json(&["project", "create", "search"]));
    let (k1, _) = s.create_key(&["--project", "billing"]);
    let (k2, _) = s.create_key(&["--project", "billing"]);
    let (k3, _) = s.create_key(&["--project", "search"]);
    s.ok(&["key", "revoke", &k2]);
    s.json(&["project", "archive", "search"]);
    let all = audit(&s, &[]);

    let keys = audit(&s, &["--action", "key"]);
    assert!(!keys.is_empty() && keys.iter().all(|e| e["action"].as_str().unwrap().starts_with("key.")), "{keys:?}");
    assert_eq!(keys.len(), 4, "three created and one revoked: {keys:?}");
    let created = audit(&s, &["--action", "key.created"]);
    let targets: Vec<&str> = created.iter().map(|e| e["target_id"].as_str().unwrap()).collect();
    assert_eq!(targets, [k1.as_str(), k2.as_str(), k3.as_str()], "oldest first");
    let revoked = audit(&s, &["--action", "key.revoked"]);
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["target_id"], k2.as_str());
    assert_eq!(audit(&s, &["--action", "project.archived"]).len(), 1);
    // Issue 15 item 7: an action no entry can have is refused (exit 2), not an empty list; a
    // group is a whole word, not a prefix.
    for unknown in ["ke", "nothing.like.this"] {
        let (code, err) = s.fails(&["audit", "list", "--action", unknown]);
        assert_eq!(code, 2, "{unknown}: {err}");
    }

    let in_p = audit(&s, &["--project", "billing"]);
    assert!(in_p.iter().all(|e| e["project_id"] == p.as_str()), "{in_p:?}");
    assert_eq!(in_p.len(), 4, "project.created, two key.created, key.revoked: {in_p:?}");
    let in_q = audit(&s, &["--project", &q]);
    assert_eq!(in_q.len(), 3, "a project by id: {in_q:?}");
    assert!(in_q.iter().all(|e| e["project_id"] == q.as_str()));
    let both = audit(&s, &["--project", "billing", "--action", "key.created"]);
    assert_eq!(both.len(), 2);
    let (exit, err) = s.fails(&["audit", "list", "--project", "nope"]);
    assert_eq!(exit, 1, "{err}");

    assert_eq!(audit(&s, &["--since", "2000-01-01T00:00:00Z"]), all);
    assert_eq!(audit(&s, &["--since", "2999-01-01T00:00:00Z"]), Vec::<Value>::new());
    let last_at = all.last().unwrap()["at"].as_str().unwrap().to_owned();
    let since_last = audit(&s, &["--since", &last_at]);
    assert!(!since_last.is_empty() && since_last.iter().all(|e| e["at"].as_str().unwrap() >= last_at.as_str()));
    let (exit, err) = s.fails(&["audit", "list", "--since", "last week"]);
    assert_eq!(exit, 2, "{err}");

    let table = s.ok(&["audit", "list", "--action", "key.revoked"]);
    assert!(table.contains("key.revoked") && table.contains(&k2), "{table}");
    assert!(!table.contains("key.created"), "{table}");
}

// ---- audit: the chain ----

/// A store file (the tests edit it with plain SQLite) with a dozen audit entries and an
/// intact chain; returns it and the entry count.
fn chained_store() -> (TestStore, i64) {
    let s = TestStore::new_file();
    for name in ["one", "two", "three"] {
        s.json(&["project", "create", name]);
        s.create_key(&["--project", name]);
    }
    s.json(&["member", "add", "bob@example.com"]);
    s.json(&["project", "archive", "three"]);
    let n = audit(&s, &[]).len() as i64;
    assert!(n >= 10, "{n}");
    let out = s.run(&["audit", "verify"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&n.to_string()), "{text}");
    let v = s.json(&["audit", "verify"]);
    assert_eq!(v, json!({"ok": true, "entries": n}));
    assert_eq!(s.check().0, 0);
    (s, n)
}

/// `audit verify` and `store check` both exit 4; returns the first one's stderr and the
/// second's output.
fn assert_chain_broken(s: &TestStore) -> (String, String) {
    let out = s.run(&["audit", "verify"]);
    let err = stderr_of(&out);
    assert_eq!(code(&out), 4, "audit verify: {err}");
    assert!(err.starts_with("keyctl: ") && !err.contains("panicked"), "{err}");
    let (exit, check) = s.check();
    assert_eq!(exit, 4, "store check: {check}");
    (err, check)
}

#[test]
fn a_deleted_middle_entry_is_named() {
    let (s, _) = chained_store();
    s.sql().execute("DELETE FROM audit WHERE seq = 5", []).unwrap();
    let (err, check) = assert_chain_broken(&s);
    assert!(err.contains("audit entry 5 "), "{err}");
    assert!(check.contains("audit entry 5 "), "{check}");
}

#[test]
fn an_edited_payload_is_named() {
    let (s, _) = chained_store();
    let db = s.sql();
    let mut payload: Vec<u8> = db.query_row("SELECT payload FROM audit WHERE seq = 6", [], |r| r.get(0)).unwrap();
    let mid = payload.len() / 2;
    payload[mid] ^= 0x01;
    db.execute("UPDATE audit SET payload = ?1 WHERE seq = 6", [&payload]).unwrap();
    let (err, check) = assert_chain_broken(&s);
    assert!(err.contains("audit entry 6 "), "{err}");
    assert!(check.contains("audit entry 6 "), "{check}");
}

#[test]
fn an_edited_time_is_named() {
    let (s, _) = chained_store();
    s.sql().execute("UPDATE audit SET at = at - 86400 WHERE seq = 7", []).unwrap();
    let (err, check) = assert_chain_broken(&s);
    assert!(err.contains("audit entry 7 "), "{err}");
    assert!(check.contains("audit entry 7 "), "{check}");
}

#[test]
fn a_payload_copied_from_another_entry_is_named() {
    let (s, _) = chained_store();
    let db = s.sql();
    db.execute(
        "UPDATE audit SET payload = (SELECT payload FROM audit WHERE seq = 8), at = (SELECT at FROM audit WHERE seq = 8)
         WHERE seq = 9",
        [],
    )
    .unwrap();
    let (err, _) = assert_chain_broken(&s);
    assert!(err.contains("audit entry 9 "), "{err}");
}

#[test]
fn a_reordered_pair_is_named() {
    let (s, _) = chained_store();
    let db = s.sql();
    db.execute_batch(
        "UPDATE audit SET seq = -1 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = 5;
         UPDATE audit SET seq = 5 WHERE seq = -1;",
    )
    .unwrap();
    let (err, check) = assert_chain_broken(&s);
    assert!(err.contains("audit entry 4 "), "the first entry out of place: {err}");
    assert!(check.contains("audit entry 4 "), "{check}");
}

#[test]
fn a_truncated_tail_is_detected() {
    let (s, n) = chained_store();
    s.sql().execute("DELETE FROM audit WHERE seq > ?1", [n - 2]).unwrap();
    let (err, check) = assert_chain_broken(&s);
    let named = |t: &str| t.contains(&format!("entry {}", n - 2)) || t.contains(&format!("entry {}", n - 1));
    assert!(named(&err), "names where the log now ends: {err}");
    assert!(named(&check), "{check}");
    // The last entry alone, too.
    let (s, n) = chained_store();
    s.sql().execute("DELETE FROM audit WHERE seq = ?1", [n]).unwrap();
    assert_chain_broken(&s);
}

#[test]
fn a_deleted_head_record_is_detected() {
    let (s, _) = chained_store();
    s.sql().execute("DELETE FROM meta WHERE name = 'audit_head'", []).unwrap();
    assert_chain_broken(&s);
}

#[test]
fn a_wiped_log_is_detected() {
    let (s, _) = chained_store();
    s.sql().execute_batch("DELETE FROM audit; DELETE FROM meta WHERE name = 'audit_head';").unwrap();
    assert_chain_broken(&s);
}

#[test]
fn an_intact_log_keeps_verifying_as_it_grows() {
    let (s, n) = chained_store();
    s.json(&["project", "create", "four"]);
    assert_eq!(s.json(&["audit", "verify"]), json!({"ok": true, "entries": n + 1}));
}

// ---- audit: secrets and confidentiality ----

#[test]
fn no_secret_in_any_audit_entry() {
    let s = TestStore::new_file();
    s.json(&["project", "create", "p"]);
    let mut secrets: Vec<String> = vec![s.store_key.clone(), PASSPHRASE.to_owned()];
    let (id, key) = s.create_key(&["--project", "p", "--rpm", "5", "--allow-ip", "10.0.0.0/8"]);
    secrets.push(key.clone());
    let rotated = s.json(&["key", "rotate", &id, "--grace", "1h"]);
    secrets.push(rotated["key"].as_str().unwrap().to_owned());
    let sa = s.json(&["sa", "create", "bot", "--project", "p"]);
    secrets.push(sa["key"].as_str().unwrap().to_owned());
    for line in s.ok(&["key", "create", "--project", "p", "--count", "3", "-o", "json"]).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        secrets.push(v["key"].as_str().unwrap().to_owned());
    }
    let ci = s.json(&["store", "add-key", "ci"]);
    secrets.push(ci["store_key"].as_str().unwrap().to_owned());
    let new_passphrase = "another long passphrase 4 audit";
    let out = s.run_env(
        &[("KEYCTL_STORE_KEY", &s.store_key), ("KEYCTL_NEW_PASSPHRASE", new_passphrase)],
        &["store", "passwd"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    secrets.push(new_passphrase.to_owned());
    verify_ok(&s, &key, &["--client-ip", "10.1.1.1", "--cost", "0.1"]);
    s.ok(&["key", "revoke", &id, "--reason", "done"]);
    s.ok(&["store", "remove-key", "ci", "--yes"]);

    let json_text = s.ok(&["audit", "list", "-o", "json"]);
    let table = s.ok(&["audit", "list"]);
    assert!(json_text.contains("store.passphrase_changed") && json_text.contains("key.rotated"), "{json_text}");
    for secret in &secrets {
        // The whole secret, and its random part without the recognisable prefix.
        let body = secret.rsplit('-').next().unwrap();
        for needle in [secret.as_str(), &body[..16.min(body.len())]] {
            assert!(!json_text.contains(needle), "audit list -o json shows a secret ({needle})");
            assert!(!table.contains(needle), "audit list shows a secret ({needle})");
        }
    }
    for secret in &secrets {
        assert!(!common::contains(&s.file_bytes(), secret.as_bytes()), "a secret is in the store file");
    }
}

#[test]
fn audit_entries_are_sealed_in_the_file() {
    let s = TestStore::new_file();
    s.json(&["project", "create", "secret-project-name"]);
    s.json(&["member", "add", "carol@example.com"]);
    s.create_key(&["--project", "secret-project-name"]);
    let db = s.sql();
    let mut stmt = db.prepare("SELECT payload FROM audit").unwrap();
    let payloads: Vec<Vec<u8>> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(payloads.len() >= 6);
    for p in &payloads {
        for clear in
            ["project.created", "key.created", "member.added", "carol@example.com", "secret-project-name", "test"]
        {
            assert!(!common::contains(p, clear.as_bytes()), "an audit payload shows {clear:?} in clear");
        }
    }
    let bytes = s.file_bytes();
    for clear in ["project.created", "member.added", "carol@example.com"] {
        assert!(!common::contains(&bytes, clear.as_bytes()), "the store file shows {clear:?} in clear");
    }
}

#[test]
fn a_key_pasted_into_a_revoke_reason_stays_out_of_the_audit_log() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let reason = format!("leaked in a CI log: {key}");
    let out = s.run(&["key", "revoke", &id, "--reason", &reason]);
    if code(&out) != 0 {
        // Refusing such a reason is as good as redacting it.
        assert_eq!(code(&out), 2, "{}", stderr_of(&out));
        assert!(!stderr_of(&out).contains(&key), "the error repeats the key");
        return;
    }
    let text = s.ok(&["audit", "list", "-o", "json"]);
    assert!(!text.contains(&key), "the audit log shows the revoked key's secret");
    assert!(!text.contains(&key[8..24]), "the audit log shows part of the revoked key's secret");
}

/// Issue 14: `usage --by key` reads a window that covers most of the history in one pass
/// over the table and a narrow one through the day index; `key list` reads each key's
/// all-time and monthly figures in one query. Whichever way, the same sums, to the row: a
/// key's rows that name a project outside the org stay out, the key's other rows stay in.
#[test]
fn usage_by_key_and_key_list_figures_are_exact_however_the_rows_are_read() {
    // The SQLite backend's own read paths (its overrides of the usage sums), edited with SQL.
    let s = TestStore::new_file();
    s.set_clock(1_767_268_800); // 2026-01-01T12:00:00Z
    let alpha = id_of(&s.json(&["project", "create", "alpha"]));
    let (k1, key1) = s.create_key(&["k1", "--project", "alpha"]);
    let (k2, key2) = s.create_key(&["k2"]);
    let (k3, _) = s.create_key(&["k3"]);
    s.set_clock(1_768_046_400); // 2026-01-10
    verify_ok(&s, &key1, &["--cost", "0.5"]);
    s.set_clock(1_770_724_800); // 2026-02-10
    verify_ok(&s, &key1, &["--cost", "0.25"]);
    verify_ok(&s, &key2, &[]);
    s.set_clock(1_772_366_400); // 2026-03-01
    verify_ok(&s, &key2, &["--cost", "1"]);
    // A row of k1 under a project of no org of this store (as an edit of the file leaves).
    s.sql()
        .execute("INSERT INTO usage (key_id, project_id, day, requests, cost, last_at) VALUES (?1, 'prj_elsewhere', 20500, 7, 0, 0)", [&k1])
        .unwrap();
    s.set_clock(1_773_576_000); // 2026-03-15
                                // The whole history: one pass over the table.
    let all = s.json(&["usage", "--by", "key", "--since", "2026-01-01T00:00:00Z"]);
    assert_eq!(groups(&all, "key_id"), expect(&[(&k1, 2, "0.75"), (&k2, 2, "1.00")]), "{all}");
    let v = s.json(&["usage", "--by", "key", "--project", "alpha", "--since", "2026-01-01T00:00:00Z"]);
    assert_eq!(groups(&v, "key_id"), expect(&[(&k1, 2, "0.75")]), "{v}");
    // Narrow windows: through the day index.
    let v = s.json(&["usage", "--by", "key", "--since", "2026-03-01T00:00:00Z"]);
    assert_eq!(groups(&v, "key_id"), expect(&[(&k2, 1, "1.00")]), "{v}");
    let v = s.json(&["usage", "--by", "key", "--since", "2026-02-01T00:00:00Z", "--until", "2026-02-28T00:00:00Z"]);
    assert_eq!(groups(&v, "key_id"), expect(&[(&k1, 1, "0.25"), (&k2, 1, "0.00")]), "{v}");
    // The same sums by day and by project.
    let by_project = s.json(&["usage", "--by", "project", "--since", "2026-01-01T00:00:00Z"]);
    assert_eq!(groups(&by_project, "project_id")[&alpha], (2, "0.75".to_owned()));
    // The listing: all-time uses (the planted row counts: it is k1's), and March's usage only.
    let list = s.json(&["key", "list"]);
    let of = |id: &str| list.as_array().unwrap().iter().find(|k| k["id"] == id).cloned().unwrap();
    let (l1, l2, l3) = (of(&k1), of(&k2), of(&k3));
    assert_eq!((l1["uses"].clone(), l1["this_month"]["requests"].clone()), (json!(9), json!(0)), "{l1}");
    assert_eq!((l2["uses"].clone(), l2["this_month"]["requests"].clone()), (json!(2), json!(1)), "{l2}");
    assert_eq!(l2["this_month"]["cost"], "1.00", "{l2}");
    assert_eq!((l3["uses"].clone(), l3["last_used_at"].clone()), (json!(0), json!(null)), "{l3}");
    assert_eq!(s.json(&["key", "show", &k1])["uses"], l1["uses"]);
}
