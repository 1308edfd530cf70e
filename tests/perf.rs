//! Issue 14: what a command costs must not grow with the usage history. The bounded-work
//! assertions on the queries themselves live beside them (`db::tests`, counting SQLite's
//! steps); these drive the binary over a store with a large planted history and check that
//! every per-key and per-project figure still reads only its own rows, and that the
//! per-project daily totals (`usage_projects`, schema 4) agree with the per-key rows.

mod common;

use common::TestStore;
use serde_json::Value;

/// 2026-11-15 12:00 UTC: mid-month, so "this month" is stable whatever the real date.
const NOW: &str = "1794744000";
const TODAY: i64 = 1_794_744_000 / 86_400;

fn at_now(s: &TestStore, args: &[&str], stdin: &str) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let out = s.cmd().env("KEYCTL_TEST_NOW", NOW).args(&all).write_stdin(stdin).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn stream(s: &TestStore, lines: &str, cost: &str) {
    let args = ["key", "verify", "--stream", "--cost", cost];
    let out = s.cmd().env("KEYCTL_TEST_NOW", NOW).args(args).write_stdin(lines).output();
    assert!(out.unwrap().status.success());
}

#[test]
fn figures_read_only_their_own_rows_under_a_large_history() {
    let s = TestStore::new_file();
    at_now(&s, &["project", "create", "mine"], "");
    at_now(&s, &["project", "create", "other"], "");
    let other = at_now(&s, &["project", "show", "other"], "")["id"].as_str().unwrap().to_owned();
    let keys: Vec<Value> = (0..3).map(|_| at_now(&s, &["key", "create", "--project", "mine"], "")).collect();
    let secret = |i: usize| keys[i]["key"].as_str().unwrap().to_owned();
    // Key 0: 3 uses; key 1: 1 use; key 2: none. Streams and a single-shot verify.
    stream(&s, &format!("{}\n{}\n{}\n", secret(0), secret(0), secret(1)), "0.5");
    at_now(&s, &["key", "verify", "--cost", "0.5"], &format!("{}\n", secret(0)));

    // 200,000 usage rows of other keys in another project, over this month and the last
    // (what a month of streams leaves), planted with plain SQL with their project totals.
    let conn = s.sql();
    conn.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
         INSERT INTO usage (key_id, project_id, day, requests, cost, last_at)
         SELECT printf('key_planted%06d', i % 20000), '{other}', {TODAY} - i / 20000 * 3, 2, 1000, 1 FROM n;
         INSERT INTO usage_projects (project_id, day, requests, cost)
         SELECT project_id, day, sum(requests), sum(cost) FROM usage WHERE project_id = '{other}' GROUP BY 1, 2;
         COMMIT;"
    ))
    .unwrap();
    drop(conn);

    let list = at_now(&s, &["key", "list", "--project", "mine"], "");
    let by_id = |id: &Value| list.as_array().unwrap().iter().find(|k| k["id"] == *id).unwrap().clone();
    for (i, uses) in [(0, 3), (1, 1), (2, 0)] {
        let k = by_id(&keys[i]["id"]);
        assert_eq!((k["uses"].as_i64(), k["this_month"]["requests"].as_i64()), (Some(uses), Some(uses)), "{k}");
    }
    let shown = at_now(&s, &["key", "show", keys[0]["id"].as_str().unwrap()], "");
    assert_eq!(shown["this_month"]["cost"], "1.50", "{shown}");

    // This month: days TODAY-0..TODAY-12 are in November (15th back to the 3rd): 5 of the 10
    // planted day groups, 20,000 rows x 2 requests each.
    let mine = at_now(&s, &["project", "show", "mine"], "");
    assert_eq!((mine["this_month"]["requests"].as_i64(), mine["this_month"]["cost"].as_str()), (Some(4), Some("2.00")));
    let theirs = at_now(&s, &["project", "show", "other"], "");
    assert_eq!(theirs["this_month"]["requests"].as_i64(), Some(5 * 20_000 * 2), "{theirs}");

    // The per-key report agrees with the project totals it is made of.
    let report = at_now(&s, &["usage", "--by", "project"], "");
    let requests = |p: &Value| {
        report.as_array().unwrap().iter().find(|l| l["project_id"] == p["id"]).map(|l| l["requests"].as_i64().unwrap())
    };
    assert_eq!(requests(&mine), Some(4));
    assert_eq!(requests(&theirs), Some(5 * 20_000 * 2));
    let one_key = at_now(&s, &["usage", "--key", keys[0]["id"].as_str().unwrap()], "");
    assert_eq!(one_key.as_array().unwrap().iter().map(|l| l["requests"].as_i64().unwrap()).sum::<i64>(), 3);
}

/// Every path that records a use keeps the project's daily total equal to the sum of its
/// keys' rows: single-shot verifies, streams, limited keys, several projects in one batch.
#[test]
fn project_totals_match_the_key_rows_after_every_kind_of_verify() {
    let s = TestStore::new();
    for p in ["a", "b"] {
        at_now(&s, &["project", "create", p], "");
    }
    at_now(&s, &["project", "limits", "b", "--rpm", "1000"], "");
    let mk = |p: &str, extra: &[&str]| {
        let mut args = vec!["key", "create", "--project", p];
        args.extend_from_slice(extra);
        at_now(&s, &args, "")["key"].as_str().unwrap().to_owned()
    };
    let (a1, a2, b1, b2) = (mk("a", &[]), mk("a", &[]), mk("b", &["--max-uses", "50"]), mk("b", &[]));
    let mut lines = String::new();
    for i in 0..40 {
        for k in [&a1, &a2, &b1, &b2].into_iter().take(1 + i % 4) {
            lines.push_str(k);
            lines.push('\n');
        }
    }
    stream(&s, &lines, "0.01");
    stream(&s, &lines[..lines.len() / 2], "0");
    for k in [&a1, &b1, &b2] {
        at_now(&s, &["key", "verify", "--cost", "0.02"], &format!("{k}\n"));
    }
    // Written in SQL both backends read (the suite also runs on PostgreSQL).
    let mismatches = s.count(
        "SELECT count(*) FROM (SELECT project_id, day, sum(requests) r, sum(cost) c FROM usage GROUP BY 1, 2) u
         FULL JOIN usage_projects p USING (project_id, day)
         WHERE u.r IS DISTINCT FROM p.requests OR u.c IS DISTINCT FROM p.cost",
    );
    assert_eq!(mismatches, 0);
    let total = s.count("SELECT CAST(sum(requests) AS BIGINT) FROM usage_projects");
    let expected = lines.lines().count() + lines[..lines.len() / 2].lines().count() + 3;
    assert_eq!(total, expected as i64);
}

// ---- the WAL policy ------------------------------------------------------------------------

/// What `db::WAL_LIMIT` is: the WAL a command may leave behind.
const WAL_LIMIT: u64 = 1 << 20;

fn wal_size(s: &TestStore) -> u64 {
    std::fs::metadata(format!("{}-wal", s.path().display())).map_or(0, |m| m.len())
}

/// Issue 14: batches left the WAL at the size of the largest transaction (66 MB after
/// `--count 20000` batches): 1,050 bytes per key on disk, and every later process read it
/// all before its first query. A write that leaves it above the limit now folds it back.
#[test]
fn batches_leave_the_wal_below_the_limit() {
    let s = TestStore::new_file();
    for round in 1..=3 {
        let out = s.ok(&["key", "create", "--count", "4000", "-q"]);
        assert_eq!(out.lines().count(), 4000);
        assert!(wal_size(&s) <= WAL_LIMIT, "after batch {round}: WAL of {} bytes", wal_size(&s));
    }
    let conn = s.sql();
    let keys: i64 = conn.query_row("SELECT count(*) FROM api_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(keys, 12_000);
    // Short writes keep the WAL (no checkpoint and fsyncs per command) until it is large.
    s.ok(&["project", "create", "small"]);
    let after_small = wal_size(&s);
    assert!(after_small > 0 && after_small <= WAL_LIMIT, "WAL of {after_small} bytes");
}

/// A WAL left large by a crash, a build without the policy or plain SQLite is folded back
/// by the next command that opens the store, even a read-only one.
#[test]
fn a_large_leftover_wal_is_folded_back_by_the_next_command() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    let conn = s.sql();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint = 0;
         CREATE TABLE filler (x BLOB);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
         INSERT INTO filler SELECT randomblob(4000) FROM n;
         DROP TABLE filler;",
    )
    .unwrap();
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).unwrap();
    drop(conn);
    assert!(wal_size(&s) > 4 * WAL_LIMIT, "the planted WAL is {} bytes", wal_size(&s));
    let list = s.json(&["key", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(wal_size(&s) <= WAL_LIMIT, "WAL of {} bytes after key list", wal_size(&s));
    let (code, v) = s.verify(&key, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(s.check().0, 0);
}
