//! `keyctl scan` (issue 7): live, revoked, foreign and fake keys in a tree; .git and
//! binary files skipped; never a full secret in the output; exit 0 / 10; --revoke.

mod common;

use common::TestStore;
use serde_json::Value;

struct Tree {
    s: TestStore,
    live: String,
    revoked: String,
    foreign: String,
    root: std::path::PathBuf,
}

fn tree() -> Tree {
    let s = TestStore::new();
    let (_, live) = s.create_key(&["live"]);
    let (dead_id, revoked) = s.create_key(&["dead"]);
    s.ok(&["key", "revoke", &dead_id]);
    let other = TestStore::new();
    let (_, foreign) = other.create_key(&[]);
    let root = s.dir.path().join("tree");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("src/deep")).unwrap();
    // A well-formed prefix with a wrong checksum: not a key.
    let mut fake = live.clone();
    let last = fake.pop().unwrap();
    fake.push(if last == 'a' { 'b' } else { 'a' });
    std::fs::write(root.join(".env"), format!("API_KEY={live}\nOLD={revoked}\nFAKE={fake}\n")).unwrap();
    std::fs::write(root.join("src/deep/config.yml"), format!("other: \"{foreign}\"\n")).unwrap();
    std::fs::write(root.join(".git/config"), format!("{live}\n")).unwrap();
    std::fs::write(root.join("image.bin"), [b"\0\x01binary ".to_vec(), live.as_bytes().to_vec()].concat()).unwrap();
    Tree { s, live, revoked, foreign, root }
}

fn scan(t: &Tree, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["scan", t.root.to_str().unwrap(), "-o", "json"];
    args.extend_from_slice(extra);
    let out = t.s.run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap(), serde_json::from_str(&stdout).unwrap_or(Value::Null), stdout)
}

#[test]
fn finds_live_revoked_and_foreign_keys_and_skips_fakes_git_and_binaries() {
    let t = tree();
    let (code, v, text) = scan(&t, &[]);
    assert_eq!(code, 10, "a live key was found: {text}");
    let found = v.as_array().unwrap();
    assert_eq!(found.len(), 3, "{text}");
    let by_status = |s: &str| found.iter().filter(|f| f["status"] == s).count();
    assert_eq!(by_status("active"), 1);
    assert_eq!(by_status("revoked"), 1);
    assert_eq!(by_status("unknown"), 1);
    let live = found.iter().find(|f| f["live"] == true).unwrap();
    assert!(live["file"].as_str().unwrap().ends_with(".env"));
    assert_eq!(live["line"], 1);
    assert!(live["key_id"].as_str().unwrap().starts_with("key_"));
    assert!(live["project_id"].as_str().unwrap().starts_with("proj_"));
    for secret in [&t.live, &t.revoked, &t.foreign] {
        assert!(!text.contains(secret.as_str()), "scan printed a full secret");
    }
    assert!(!text.contains(".git"), "{text}");
    assert!(!text.contains("image.bin"), "{text}");
}

#[test]
fn exits_0_when_nothing_live_is_found() {
    let t = tree();
    std::fs::write(t.root.join(".env"), format!("OLD={}\n", t.revoked)).unwrap();
    let (code, v, _) = scan(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(v.as_array().unwrap().len(), 2);
    let empty = t.s.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(t.s.run(&["scan", empty.to_str().unwrap()]).status.code(), Some(0));
}

#[test]
fn reads_stdin() {
    let t = tree();
    let out = t.s.run_stdin(&["scan", "-", "-o", "json"], &format!("diff --git\n+token = {}\n", t.live));
    assert_eq!(out.status.code(), Some(10));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["file"], "-");
    assert_eq!(v[0]["line"], 2);
}

#[test]
fn revoke_needs_confirmation_then_revokes_and_audits() {
    let t = tree();
    let (code, _, _) = scan(&t, &["--revoke"]);
    assert_eq!(code, 2, "non-interactive --revoke without --yes is refused");
    assert_eq!(t.s.verify(&t.live, &["--no-record"]).1["code"], "VALID");
    // Issue 15 item 6: once --revoke has ended every live key, nothing live remains: exit 0,
    // and each finding says what it is now.
    let (code, v, _) = scan(&t, &["--revoke", "--yes"]);
    assert_eq!(code, 0, "{v}");
    let revoked: Vec<&Value> = v.as_array().unwrap().iter().filter(|f| f["revoked_now"] == true).collect();
    assert!(!revoked.is_empty(), "{v}");
    assert!(revoked.iter().all(|f| f["live"] == false && f["status"] == "revoked"), "{v}");
    assert_eq!(t.s.verify(&t.live, &[]).1["code"], "REVOKED");
    let audit = t.s.json(&["audit", "list", "--action", "key.revoked"]);
    assert!(audit.to_string().contains("found by keyctl scan in"), "{audit}");
    assert!(!audit.to_string().contains(t.live.as_str()));
    let (code, _, _) = scan(&t, &[]);
    assert_eq!(code, 0, "nothing live is left");
}

#[test]
fn a_leaked_store_key_is_reported_live() {
    let t = tree();
    let sk = t.s.ok(&["store", "add-key", "leaky", "-q"]).trim().to_owned();
    std::fs::write(t.root.join(".env"), format!("KEYCTL_STORE_KEY={sk}\n")).unwrap();
    let (code, v, text) = scan(&t, &[]);
    assert_eq!(code, 10);
    let f = v.as_array().unwrap().iter().find(|f| f["kind"] == "store_key").unwrap().clone();
    assert_eq!(f["live"], true);
    assert!(!text.contains(&sk));
    t.s.ok(&["store", "remove-key", "leaky", "--yes"]);
    let (code, _, _) = scan(&t, &[]);
    assert_eq!(code, 0, "a removed store key is no longer live");
}

#[test]
fn a_missing_path_is_an_error() {
    let t = tree();
    let (code, err) = t.s.fails(&["scan", "/nonexistent/path"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("keyctl: "));
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let s = TestStore::new();
    // In a pipe (this test's stderr): no progress at all.
    let out = s.run(&["key", "create", "--count", "20000", "-q"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("creating keys"));
    // On a terminal: progress on stderr, erased at the end.
    if let Some((code, screen)) = s.run_tty(true, &[], &["key", "create", "--count", "20000", "-q"], &[]) {
        assert_eq!(code, 0, "{screen}");
        assert!(screen.contains("creating keys: 0 of 20000"), "no progress shown");
    }
}
