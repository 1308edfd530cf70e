//! Crashes (issue 6, "Robustness"): `kill -9` (`Child::kill` sends SIGKILL) at random
//! points during `key create --count 20000` and during a run of mixed writes. Afterwards
//! `store check` passes, a batch is all or nothing (0 or N new rows), and every key whose
//! creation was fully printed still verifies.
//!
//! The kill points are random; the seed is printed, and `CRASH_SEED=<n>` replays a run.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::TestStore;
use serde_json::Value;

/// A tiny xorshift generator: the tests need no more, and a seed replays a run.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Rng {
        let seed = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        eprintln!("crash test seed: CRASH_SEED={seed}");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn spawn(s: &TestStore, args: &[&str], stdin: Stdio) -> Child {
    let mut cmd = s.std_cmd();
    cmd.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn keyctl")
}

/// Drains a child's stdout on a thread, so that a kill can land while it is printing.
fn drain(child: &mut Child) -> JoinHandle<Vec<u8>> {
    let mut out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = out.read_to_end(&mut all);
        all
    })
}

/// The complete lines of what a killed process printed (a cut-off last line is dropped).
fn complete_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.pop();
    }
    lines.into_iter().map(|l| l.trim_end().to_owned()).filter(|l| !l.is_empty()).collect()
}

fn rows(s: &TestStore, table: &str) -> i64 {
    s.count(&format!("SELECT count(*) FROM {table}"))
}

/// `store check` run by keyctl itself right after the crash (it recovers the WAL first).
fn assert_check_passes(s: &TestStore, what: &str) {
    let (code, report) = s.check();
    assert_eq!(code, 0, "{what}: store check after kill -9: {report}");
}

/// Verifies `keys` in one stream without recording; returns one code per key.
fn codes(s: &TestStore, keys: &[&str]) -> Vec<String> {
    let input: String = keys.iter().map(|k| format!("{k}\n")).collect();
    let (exit, answers) = s.verify_stream(input.as_bytes(), &["--no-record"]);
    assert_eq!(exit, 0);
    assert_eq!(answers.len(), keys.len());
    answers.iter().map(|a| a["code"].as_str().unwrap_or("?").to_owned()).collect()
}

const BATCH: usize = 20_000;

/// Where to kill a batch: at a fraction of an uncut run's time, or as soon as the keys
/// start to come out (after the commit, while printing).
#[derive(Debug, Clone, Copy)]
enum KillAt {
    Fraction(f64),
    AfterLines(usize),
}

#[test]
fn a_batch_killed_at_random_points_is_all_or_nothing() {
    let mut rng = Rng::from_env_or_clock();

    // An uncut run: how long a batch takes on this machine, and that it prints every key.
    let s = TestStore::new();
    let start = Instant::now();
    let out =
        spawn(&s, &["key", "create", "--count", &BATCH.to_string(), "-q"], Stdio::null()).wait_with_output().unwrap();
    let full = start.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(complete_lines(&out.stdout).len(), BATCH);
    assert_eq!(rows(&s, "api_keys"), BATCH as i64);
    drop(s);

    let mut plan: Vec<KillAt> =
        [0.03, 0.12, 0.25, 0.4, 0.55, 0.7, 0.85, 0.97].iter().map(|f| KillAt::Fraction(*f)).collect();
    plan.push(KillAt::AfterLines(1 + rng.below(500) as usize));
    let mut committed = 0;
    for kill_at in plan {
        let what = format!("kill at {kill_at:?} of {full:?}");
        let s = TestStore::new();
        // Keys that exist before the crash must survive it.
        let earlier: Vec<String> =
            s.ok(&["key", "create", "earlier", "--count", "3", "-q"]).lines().map(str::to_owned).collect();
        let before = rows(&s, "api_keys");

        let mut child = spawn(&s, &["key", "create", "--count", &BATCH.to_string(), "-q"], Stdio::null());
        let printed = match kill_at {
            KillAt::Fraction(f) => {
                let reader = drain(&mut child);
                let jitter = 0.9 + rng.below(200) as f64 / 1000.0;
                std::thread::sleep(full.mul_f64(f * jitter));
                let _ = child.kill();
                child.wait().unwrap();
                reader.join().unwrap()
            }
            KillAt::AfterLines(n) => {
                // Read n lines, stop reading (the pipe fills and keyctl blocks mid-print),
                // kill, then take what was left in the pipe.
                let mut stdout = child.stdout.take().unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while got.iter().filter(|b| **b == b'\n').count() < n {
                    let m = stdout.read(&mut buf).unwrap();
                    assert!(m > 0, "{what}: keyctl ended before printing {n} keys");
                    got.extend_from_slice(&buf[..m]);
                }
                let _ = child.kill();
                child.wait().unwrap();
                let _ = stdout.read_to_end(&mut got);
                got
            }
        };
        let printed = complete_lines(&printed);

        assert_check_passes(&s, &what);
        let added = rows(&s, "api_keys") - before;
        assert!(added == 0 || added == BATCH as i64, "{what}: the batch left {added} of {BATCH} keys");
        if !printed.is_empty() {
            assert_eq!(added, BATCH as i64, "{what}: keys were printed, so the batch must be committed");
            committed += 1;
        }
        assert!(printed.len() <= BATCH);

        // Every fully printed key verifies (a bounded sample when the whole batch came out,
        // to keep the suite fast: first, last and a random spread), and so do the earlier keys.
        let mut check: Vec<&str> = earlier.iter().map(String::as_str).collect();
        if printed.len() <= 2000 {
            check.extend(printed.iter().map(String::as_str));
        } else {
            check.push(&printed[0]);
            check.push(&printed[printed.len() - 1]);
            for _ in 0..1000 {
                check.push(&printed[rng.below(printed.len() as u64) as usize]);
            }
        }
        for (key, code) in check.iter().zip(codes(&s, &check)) {
            assert_eq!(code, "VALID", "{what}: {key}");
        }
        eprintln!("{what}: {} keys printed, {added} added", printed.len());
    }
    assert!(committed >= 1, "the kill after the first printed lines must find a committed batch");
}

/// What the test knows about a key it saw printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Live,
    Revoked,
    /// A revoke or rotation of it was killed: it may or may not have committed.
    Either,
}

#[test]
fn mixed_writes_killed_at_random_points_leave_a_sound_store() {
    let mut rng = Rng::from_env_or_clock();
    let s = TestStore::new();
    s.ok(&["project", "create", "p"]);
    let mut keys: Vec<(String, String, State)> = Vec::new(); // (id, secret, state)
    for v in s.ok(&["key", "create", "seed", "--count", "8", "-o", "json"]).lines() {
        let v: Value = serde_json::from_str(v).unwrap();
        keys.push((v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned(), State::Live));
    }
    let mut uses_sent: HashMap<String, i64> = HashMap::new();
    let mut killed = 0;
    let mut took: HashMap<u64, Duration> = HashMap::new();

    for step in 0..30 {
        if !keys.iter().any(|k| k.2 == State::Live) {
            // The draws revoked (or left in doubt) every key so far: add one to work on, as
            // the seed did, so the run goes on instead of failing on a lucky streak.
            let v: Value =
                serde_json::from_str(&s.ok(&["key", "create", &format!("refill{step}"), "-o", "json"])).unwrap();
            keys.push((v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned(), State::Live));
        }
        let live: Vec<usize> = (0..keys.len()).filter(|i| keys[*i].2 == State::Live).collect();
        let target = live[rng.below(live.len() as u64) as usize];
        let (tid, tkey) = (keys[target].0.clone(), keys[target].1.clone());
        let op = rng.below(9);
        let n = step.to_string();
        let (args, rows_may_grow_by): (Vec<String>, i64) = match op {
            0 => (vec!["key".into(), "create".into(), format!("k{n}"), "-o".into(), "json".into()], 1),
            1 => ("key create batch --count 300 --project p -o json".split(' ').map(String::from).collect(), 300),
            2 => (vec!["key".into(), "revoke".into(), tid.clone(), "--reason".into(), "crash test".into()], 0),
            3 => (vec!["key".into(), "rotate".into(), tid.clone(), "-o".into(), "json".into()], 1),
            4 => (vec!["project".into(), "create".into(), format!("p{n}"), "-q".into()], 0),
            5 => (
                vec!["member".into(), "add".into(), format!("m{n}@example.com"), "--role".into(), "readonly".into()],
                0,
            ),
            6 => (vec!["key".into(), "update".into(), tid.clone(), "--name".into(), format!("u{n}")], 0),
            7 => (vec!["key".into(), "verify".into(), "--stream".into()], 0),
            _ => (vec!["key".into(), "verify".into()], 0),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (projects, members, api_keys) = (rows(&s, "projects"), rows(&s, "members"), rows(&s, "api_keys"));

        let stdin = if op >= 7 { Stdio::piped() } else { Stdio::null() };
        let mut child = spawn(&s, &args, stdin);
        let lines_in = if op == 7 { 300 } else { 1 };
        if let Some(mut input) = child.stdin.take() {
            std::thread::spawn(move || {
                use std::io::Write;
                for _ in 0..lines_in {
                    if writeln!(input, "{tkey}").is_err() {
                        break;
                    }
                }
            });
        }
        if op >= 7 {
            *uses_sent.entry(tid.clone()).or_default() += lines_in;
        }
        let reader = drain(&mut child);
        let mut err = child.stderr.take().unwrap();
        // Kill somewhere within how long this kind of command took when it last ran to the
        // end (learnt as we go), or let it finish when the draw is past that.
        let typical =
            took.get(&op).copied().unwrap_or(Duration::from_millis(if op == 1 || op == 7 { 150 } else { 60 }));
        let deadline = typical.mul_f64(rng.below(1200) as f64 / 1000.0);
        let started = Instant::now();
        while started.elapsed() < deadline {
            if child.try_wait().unwrap().is_some() {
                took.insert(op, started.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let out = reader.join().unwrap();
        let mut err_text = String::new();
        let _ = err.read_to_string(&mut err_text);
        let finished = status.code().is_some();
        if finished {
            assert!(status.success() || op >= 7, "step {step} {args:?} failed on its own: {err_text}");
        } else {
            killed += 1;
        }
        let what = format!("step {step}: {args:?} ({})", if finished { "finished" } else { "killed" });

        assert_check_passes(&s, &what);
        let grew = rows(&s, "api_keys") - api_keys;
        assert!(grew == 0 || grew == rows_may_grow_by, "{what}: api_keys grew by {grew}");
        let grew = rows(&s, "projects") - projects;
        assert!(grew == 0 || (op == 4 && grew == 1), "{what}: projects grew by {grew}");
        let grew = rows(&s, "members") - members;
        assert!(grew == 0 || (op == 5 && grew == 1), "{what}: members grew by {grew}");

        // What the output proves.
        let text = String::from_utf8_lossy(&out).into_owned();
        match op {
            0 | 3 => {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    assert_eq!(grew_keys(&s, api_keys), 1, "{what}: a printed key must be committed");
                    keys.push((
                        v["id"].as_str().unwrap().to_owned(),
                        v["key"].as_str().unwrap().to_owned(),
                        State::Live,
                    ));
                    if op == 3 {
                        keys[target].2 = State::Revoked; // printed after the commit, no grace
                    }
                } else if op == 3 {
                    keys[target].2 = if finished { State::Revoked } else { State::Either };
                }
            }
            1 => {
                let lines = complete_lines(&out);
                if !lines.is_empty() {
                    assert_eq!(grew_keys(&s, api_keys), 300, "{what}: printed keys must be committed");
                }
                for line in lines {
                    let v: Value = serde_json::from_str(&line).unwrap();
                    keys.push((
                        v["id"].as_str().unwrap().to_owned(),
                        v["key"].as_str().unwrap().to_owned(),
                        State::Live,
                    ));
                }
            }
            2 => keys[target].2 = if finished { State::Revoked } else { State::Either },
            _ => {}
        }
    }
    eprintln!("{killed} of 30 commands killed");
    assert!(killed >= 5, "too few kills landed ({killed}); the kill window needs widening");

    // Every printed key answers as what was done to it.
    let secrets: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    for ((id, _, state), code) in keys.iter().zip(codes(&s, &secrets)) {
        let ok = match state {
            State::Live => code == "VALID",
            State::Revoked => code == "REVOKED",
            State::Either => code == "VALID" || code == "REVOKED",
        };
        assert!(ok, "{id} ({state:?}) answered {code}");
    }
    // Uses recorded by killed verifies never exceed the verifies asked for.
    let report = s.json(&["usage", "--by", "key", "--since", "2000-01-01T00:00:00Z"]);
    for line in report.as_array().unwrap() {
        let id = line["key_id"].as_str().unwrap();
        let recorded = line["requests"].as_i64().unwrap();
        let sent = uses_sent.get(id).copied().unwrap_or(0);
        assert!(recorded <= sent, "{id}: {recorded} uses recorded, {sent} asked for");
    }
    s.ok(&["audit", "verify"]);
}

fn grew_keys(s: &TestStore, before: i64) -> i64 {
    rows(s, "api_keys") - before
}
