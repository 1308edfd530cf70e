//! Concurrency (issue 6, "Robustness"): several `keyctl` processes creating, verifying,
//! revoking and rotating keys in one store at once. No error may reach the user (every exit
//! code is the one the operation calls for, nothing about a locked or busy database), no
//! key is lost or duplicated, `store check` and `audit verify` pass afterwards, and the
//! recorded usage adds up to the verifies that were answered VALID.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Barrier, Mutex};

use common::TestStore;
use serde_json::Value;

/// A `keyctl` process with the harness environment (store, config and store key).
fn keyctl(s: &TestStore, args: &[&str]) -> Command {
    let mut cmd = s.std_cmd();
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn spawn(s: &TestStore, args: &[&str], stdin: &[u8]) -> Child {
    let mut child = keyctl(s, args).spawn().expect("spawn keyctl");
    let mut input = child.stdin.take().unwrap();
    // keyctl may exit before reading everything (e.g. on a usage error): ignore EPIPE.
    let _ = input.write_all(stdin);
    drop(input);
    child
}

fn run(s: &TestStore, args: &[&str], stdin: &[u8]) -> Output {
    spawn(s, args, stdin).wait_with_output().expect("wait for keyctl")
}

/// Asserts that a run exited with `want` and that nothing about locking, a busy database
/// or a panic reached the user. Returns stdout.
fn expect(out: &Output, want: i32, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let lower = err.to_lowercase();
    for bad in ["locked", "busy", "panicked", "database error", "malformed"] {
        assert!(!lower.contains(bad), "{what}: {bad:?} reached the user: {err}");
    }
    assert_eq!(out.status.code(), Some(want), "{what}: exit code (stderr: {err})");
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn json_of(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: bad JSON ({e}): {text}"))
}

/// One `key verify -o json` (recorded unless `extra` says otherwise); returns the code.
fn verify_code(s: &TestStore, key: &str, want_exit: i32, what: &str) -> String {
    let out = run(s, &["key", "verify", "-o", "json"], format!("{key}\n").as_bytes());
    let text = expect(&out, want_exit, what);
    json_of(&text, what)["code"].as_str().unwrap_or_default().to_owned()
}

/// What the processes did, to be checked against the store afterwards.
#[derive(Default)]
struct Log {
    /// Every key printed by a create or rotate: id → secret.
    keys: Vec<(String, String)>,
    /// Ids whose revocation (revoke, or rotate without grace) was confirmed.
    revoked: HashSet<String>,
    /// Valid, recorded verifies per key id.
    uses: HashMap<String, i64>,
    creates: usize,
    rotations: usize,
    revokes: usize,
    batches: usize,
}

const WORKERS: usize = 5;
const ROUNDS: usize = 8;

#[test]
fn processes_creating_verifying_revoking_and_rotating_at_once_lose_nothing() {
    let s = TestStore::new();
    s.ok(&["project", "create", "shared"]);
    let log = Mutex::new(Log::default());

    // Keys for the stream and the single-shot verifier, made before the rush.
    let pool_text = s.ok(&["key", "create", "pool", "--count", "20", "-o", "json"]);
    let pool: Vec<(String, String)> = pool_text
        .lines()
        .map(|l| {
            let v = json_of(l, "pool key");
            (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(pool.len(), 20);
    {
        let mut l = log.lock().unwrap();
        l.keys.extend(pool.iter().cloned());
        l.creates += 1; // one audit entry for the whole batch
    }

    // Five workers, a stream co-process, a bulk creator and a single-shot verifier: up to
    // eight keyctl processes on the store at any moment.
    let barrier = Barrier::new(WORKERS + 3);
    std::thread::scope(|scope| {
        for t in 0..WORKERS {
            let (s, log, barrier) = (&s, &log, &barrier);
            scope.spawn(move || {
                barrier.wait();
                for i in 0..ROUNDS {
                    let project = if (t + i) % 2 == 0 { "Default project" } else { "shared" };
                    let name = format!("w{t}-{i}");
                    let what = format!("worker {t} round {i}");
                    let out = run(s, &["key", "create", &name, "--project", project, "-o", "json"], b"");
                    let v = json_of(&expect(&out, 0, &format!("{what}: create")), &what);
                    let id = v["id"].as_str().unwrap().to_owned();
                    let key = v["key"].as_str().unwrap().to_owned();
                    log.lock().unwrap().keys.push((id.clone(), key.clone()));
                    log.lock().unwrap().creates += 1;

                    assert_eq!(verify_code(s, &key, 0, &format!("{what}: verify new")), "VALID");
                    *log.lock().unwrap().uses.entry(id.clone()).or_default() += 1;

                    match i % 4 {
                        1 => {
                            let out = run(s, &["key", "revoke", &id, "--reason", "concurrency test", "-q"], b"");
                            expect(&out, 0, &format!("{what}: revoke"));
                            {
                                let mut l = log.lock().unwrap();
                                l.revoked.insert(id.clone());
                                l.revokes += 1;
                            }
                            assert_eq!(verify_code(s, &key, 10, &format!("{what}: verify revoked")), "REVOKED");
                        }
                        2 => {
                            let out = run(s, &["key", "rotate", &id, "-o", "json"], b"");
                            let v = json_of(&expect(&out, 0, &format!("{what}: rotate")), &what);
                            let new_id = v["id"].as_str().unwrap().to_owned();
                            let new_key = v["key"].as_str().unwrap().to_owned();
                            assert_eq!(v["previous"]["id"], id.as_str());
                            {
                                let mut l = log.lock().unwrap();
                                l.keys.push((new_id.clone(), new_key.clone()));
                                l.revoked.insert(id.clone());
                                l.rotations += 1;
                            }
                            assert_eq!(verify_code(s, &key, 10, &format!("{what}: verify rotated-away")), "REVOKED");
                            assert_eq!(verify_code(s, &new_key, 0, &format!("{what}: verify successor")), "VALID");
                            *log.lock().unwrap().uses.entry(new_id).or_default() += 1;
                        }
                        3 => {
                            let out = run(s, &["key", "update", &id, "--name", &format!("{name}-renamed"), "-q"], b"");
                            expect(&out, 0, &format!("{what}: update"));
                        }
                        _ => {}
                    }
                }
            });
        }

        // A stream co-process verifying the pool ten times over, in bursts.
        {
            let (s, log, barrier, pool) = (&s, &log, &barrier, &pool);
            scope.spawn(move || {
                barrier.wait();
                let mut child = keyctl(s, &["key", "verify", "--stream"]).spawn().unwrap();
                let mut stdin = child.stdin.take().unwrap();
                for _ in 0..10 {
                    for (_, key) in pool {
                        writeln!(stdin, "{key}").unwrap();
                    }
                    stdin.flush().unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(40));
                }
                drop(stdin);
                let out = child.wait_with_output().unwrap();
                let text = expect(&out, 0, "stream");
                let answers: Vec<Value> = text.lines().map(|l| json_of(l, "stream line")).collect();
                assert_eq!(answers.len(), 10 * pool.len(), "one answer per line");
                let mut l = log.lock().unwrap();
                for (i, a) in answers.iter().enumerate() {
                    let (id, _) = &pool[i % pool.len()];
                    assert_eq!(a["code"], "VALID", "stream line {i}: {a}");
                    assert_eq!(a["key_id"], id.as_str(), "stream line {i} answered out of order");
                    *l.uses.entry(id.clone()).or_default() += 1;
                }
            });
        }

        // Bulk batches: each all-or-nothing transaction holds the write lock for a while.
        {
            let (s, log, barrier) = (&s, &log, &barrier);
            scope.spawn(move || {
                barrier.wait();
                for b in 0..3 {
                    let out = run(s, &["key", "create", "bulk", "--count", "300", "-o", "json"], b"");
                    let text = expect(&out, 0, &format!("bulk batch {b}"));
                    let mut l = log.lock().unwrap();
                    let before = l.keys.len();
                    for line in text.lines() {
                        let v = json_of(line, "bulk key");
                        l.keys.push((v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned()));
                    }
                    assert_eq!(l.keys.len() - before, 300, "bulk batch {b} printed every key");
                    l.batches += 1;
                }
            });
        }

        // Single-shot verifies of the pool, recorded.
        {
            let (s, log, barrier, pool) = (&s, &log, &barrier, &pool);
            scope.spawn(move || {
                barrier.wait();
                for i in 0..24 {
                    let (id, key) = &pool[(i * 7) % pool.len()];
                    assert_eq!(verify_code(s, key, 0, &format!("single-shot verify {i}")), "VALID");
                    *log.lock().unwrap().uses.entry(id.clone()).or_default() += 1;
                }
            });
        }
    });

    let log = log.into_inner().unwrap();

    // Nothing duplicated: every printed id and secret is distinct.
    let ids: HashSet<&str> = log.keys.iter().map(|(id, _)| id.as_str()).collect();
    let secrets: HashSet<&str> = log.keys.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(ids.len(), log.keys.len(), "a key id was printed twice");
    assert_eq!(secrets.len(), log.keys.len(), "a secret was printed twice");
    let expected_keys = 20 + 3 * 300 + WORKERS * ROUNDS + log.rotations;
    assert_eq!(log.keys.len(), expected_keys);

    // Nothing lost and nothing extra: the rows are exactly the printed keys.
    let rows = s.column("SELECT id FROM api_keys");
    let row_set: HashSet<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(rows.len(), expected_keys, "api_keys row count");
    assert_eq!(row_set, ids, "the rows are exactly the keys that were printed");

    // Every printed key answers what was done to it (checked without recording).
    let input: String = log.keys.iter().map(|(_, k)| format!("{k}\n")).collect();
    let (exit, answers) = s.verify_stream(input.as_bytes(), &["--no-record"]);
    assert_eq!(exit, 0);
    assert_eq!(answers.len(), log.keys.len());
    for ((id, _), a) in log.keys.iter().zip(&answers) {
        let want = if log.revoked.contains(id) { "REVOKED" } else { "VALID" };
        assert_eq!(a["code"], want, "{id}: {a}");
        assert_eq!(a["key_id"], id.as_str());
    }

    // Usage adds up, per key and in total.
    let report = s.json(&["usage", "--by", "key", "--since", "2000-01-01T00:00:00Z"]);
    let recorded: BTreeMap<String, i64> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["key_id"].as_str().unwrap().to_owned(), l["requests"].as_i64().unwrap()))
        .collect();
    let expected_uses: BTreeMap<String, i64> = log.uses.iter().map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(recorded, expected_uses, "recorded requests per key");
    let total: i64 = log.uses.values().sum();
    assert_eq!(total, (WORKERS * ROUNDS + log.rotations + 10 * 20 + 24) as i64);

    // The audit log has one entry per change and its chain is intact.
    let count = |action: &str| s.json(&["audit", "list", "--action", action]).as_array().unwrap().len();
    assert_eq!(count("key.created"), log.creates + log.rotations + log.batches);
    assert_eq!(count("key.revoked"), log.revokes);
    assert_eq!(count("key.rotated"), log.rotations);
    let (code, report) = s.check();
    assert_eq!(code, 0, "store check after the rush: {report}");
    s.ok(&["audit", "verify"]);
}

/// Runs `n` copies of one command, all spawned before any is waited for.
fn all_at_once(s: &TestStore, n: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = (0..n).map(|_| spawn(s, args, b"")).collect();
    children.into_iter().map(|c| c.wait_with_output().unwrap()).collect()
}

/// Exactly one of the outputs succeeded; every other exited 1 with `refusal` in its error.
fn exactly_one_wins(outs: &[Output], refusal: &[&str], what: &str) -> usize {
    let mut winner = None;
    for (i, out) in outs.iter().enumerate() {
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(0) {
            assert!(winner.is_none(), "{what}: two processes both succeeded");
            winner = Some(i);
        } else {
            expect(out, 1, what);
            assert!(refusal.iter().any(|r| err.contains(r)), "{what}: unexpected refusal: {err}");
        }
    }
    winner.unwrap_or_else(|| panic!("{what}: no process succeeded"))
}

#[test]
fn racing_revokes_of_one_key_revoke_it_once() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let outs = all_at_once(&s, 8, &["key", "revoke", &id, "-q"]);
    exactly_one_wins(&outs, &["already revoked"], "revoke race");
    assert_eq!(s.json(&["audit", "list", "--action", "key.revoked"]).as_array().unwrap().len(), 1);
    assert_eq!(s.verify(&key, &[]).1["code"], "REVOKED");
    assert_eq!(s.check().0, 0);
}

#[test]
fn racing_rotations_of_one_key_make_exactly_one_successor() {
    let s = TestStore::new();
    let (id, old) = s.create_key(&["--scope", "models:read"]);
    let outs = all_at_once(&s, 8, &["key", "rotate", &id, "-q"]);
    let w = exactly_one_wins(&outs, &["already rotated", "revoked"], "rotate race");
    let new_key = String::from_utf8_lossy(&outs[w].stdout).trim().to_owned();
    for (i, out) in outs.iter().enumerate() {
        if i != w {
            assert!(out.stdout.is_empty(), "a refused rotation printed a key");
        }
    }
    let n = s.count("SELECT count(*) FROM api_keys");
    assert_eq!(n, 2, "the old key and exactly one successor");
    let (code, v) = s.verify(&new_key, &[]);
    assert_eq!((code, v["scopes"].clone()), (0, serde_json::json!(["models:read"])), "{v}");
    assert_eq!(s.verify(&old, &[]).1["code"], "REVOKED");
    assert_eq!(s.check().0, 0);
}

#[test]
fn racing_creates_of_one_name_create_it_once() {
    let s = TestStore::new();
    let outs = all_at_once(&s, 8, &["project", "create", "contested", "-q"]);
    exactly_one_wins(&outs, &["already exists"], "project create race");
    let outs = all_at_once(&s, 8, &["member", "add", "eve@example.com", "--role", "readonly", "-q"]);
    exactly_one_wins(&outs, &["already a member"], "member add race");
    let outs = all_at_once(&s, 8, &["sa", "create", "bot", "--project", "contested", "-q"]);
    exactly_one_wins(&outs, &["already"], "service account create race");
    assert_eq!(s.json(&["project", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(s.json(&["member", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(s.json(&["sa", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(s.check().0, 0);
}

/// The first opens of a store made by an older build migrate it and build its freshness
/// ledger. Several processes doing that first open at once (say, API servers restarted
/// after an upgrade) must all succeed.
#[test]
fn processes_opening_an_older_store_at_once_all_succeed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let facts: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/tests/fixtures/store-v1.json")).unwrap())
            .unwrap();
    let live = facts["live_key"].as_str().unwrap();
    // A race that a round loses only now and then: many rounds, each on a fresh copy.
    for round in 0..60 {
        let s = TestStore::from_parts(tempfile::tempdir().unwrap(), facts["store_key"].as_str().unwrap().to_owned());
        std::fs::create_dir_all(s.path().parent().unwrap()).unwrap();
        std::fs::copy(format!("{root}/tests/fixtures/store-v1.db"), s.path()).unwrap();
        let children: Vec<Child> = (0..10)
            .map(|i| {
                if i % 2 == 0 {
                    spawn(&s, &["key", "verify", "--no-record"], format!("{live}\n").as_bytes())
                } else {
                    spawn(&s, &["key", "list", "-q"], b"")
                }
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            expect(&out, 0, &format!("round {round}, process {i}: first open of a schema-1 store"));
        }
        assert_eq!(s.check().0, 0);
    }
}
