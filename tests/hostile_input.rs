//! Hostile input (issue 6, "Robustness"): empty, huge and non-UTF-8 arguments; names and
//! free text with control characters and terminal escape sequences; huge and non-ASCII keys
//! for `key verify` and `--stream`; store files that are truncated, zero-filled, random,
//! another SQLite database, a directory, unreadable or a symlink to /dev/null. Each gets a
//! clear one-line `keyctl: ` error with its exit code (1-4, or 10 for a rejected key), never
//! a panic, and no table ever prints a raw ESC, CR or BEL.
//!
//! Linux refuses any single argument or environment string over 128 KiB (MAX_ARG_STRLEN),
//! so "huge" arguments are 120 KiB; 1 MiB inputs go through stdin and files.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Output;

use common::{assert_one_line_error, code, stderr_of, stdout_of, TestStore, PASSPHRASE};
use serde_json::Value;

const HUGE_ARG: usize = 120 * 1024;

/// Bytes that must never reach a terminal raw from stored or typed data.
const RAW_CONTROL: &[u8] = b"\x1b\r\x07";

fn has_raw_control(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| RAW_CONTROL.contains(b))
        // C1 controls (U+0080..U+009F), e.g. U+009B, the one-byte CSI, encoded in UTF-8.
        || bytes.windows(2).any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

fn run_os(s: &TestStore, args: &[&OsStr]) -> Output {
    s.cmd().args(args).output().expect("run keyctl")
}

/// A refused command: the expected exit code, one `keyctl: ` line on stderr with no raw
/// control bytes, and nothing on stdout.
fn assert_refused(out: &Output, codes: &[i32], what: &str) {
    assert!(codes.contains(&code(out)), "{what}: exit {} (want {codes:?}): {}", code(out), stderr_of(out));
    assert_one_line_error(out);
    assert!(!has_raw_control(&out.stderr), "{what}: raw control bytes on stderr: {:?}", stderr_of(out));
    assert!(out.stdout.is_empty(), "{what}: printed {:?}", stdout_of(out));
}

/// The rows that could change, to prove a refused command changed nothing.
fn row_counts(s: &TestStore) -> Vec<i64> {
    ["orgs", "projects", "members", "service_accounts", "api_keys", "slots", "audit"]
        .iter()
        .map(|t| s.count(&format!("SELECT count(*) FROM {t}")))
        .collect()
}

/// A store with one of everything, for commands that need something to name.
fn populated() -> (TestStore, String) {
    populated_in(TestStore::new())
}

/// [`populated`], always a file: for tests that edit it with plain SQLite.
fn populated_file() -> (TestStore, String) {
    populated_in(TestStore::new_file())
}

fn populated_in(s: TestStore) -> (TestStore, String) {
    s.ok(&["project", "create", "p"]);
    s.ok(&["sa", "create", "bot", "--project", "p", "-q"]);
    let (id, _) = s.create_key(&["k"]);
    (s, id)
}

// ---- arguments: empty, huge, not UTF-8 --------------------------------------------------

/// Commands with one hostile value at `{}`, and whether an empty value is acceptable.
const ARG_CASES: &[(&[&str], bool)] = &[
    (&["project", "create", "{}"], false),
    (&["project", "create", "x", "--description", "{}"], true),
    (&["project", "rename", "p", "{}"], false),
    (&["project", "show", "{}"], false),
    (&["org", "create", "{}"], false),
    (&["org", "rename", "acme", "{}"], false),
    (&["--org", "{}", "project", "list"], false),
    (&["member", "add", "{}"], false),
    (&["member", "add", "x@example.com", "--name", "{}"], true),
    (&["member", "set-role", "{}", "readonly"], false),
    (&["member", "add", "y@example.com", "--role", "{}"], false),
    (&["sa", "create", "{}", "--project", "p"], false),
    (&["sa", "show", "{}"], false),
    (&["key", "create", "{}"], false),
    (&["key", "create", "--scope", "{}"], false),
    (&["key", "create", "--ttl", "{}"], false),
    (&["key", "create", "--expires-at", "{}"], false),
    (&["key", "create", "--allow-ip", "{}"], false),
    (&["key", "create", "--count", "{}"], false),
    (&["key", "create", "--project", "{}"], false),
    (&["key", "create", "--owner", "{}"], false),
    (&["key", "show", "{}"], false),
    (&["key", "update", "k", "--name", "{}"], false),
    (&["key", "revoke", "{}"], false),
    (&["key", "rotate", "k", "--grace", "{}"], false),
    (&["key", "prune", "--older-than", "{}"], false),
    (&["key", "verify", "--from-env", "{}"], false),
    (&["key", "verify", "--require", "{}"], false),
    (&["key", "verify", "--client-ip", "{}"], false),
    (&["key", "verify", "--cost", "{}"], false),
    (&["project", "limits", "p", "--monthly-budget", "{}"], false),
    (&["project", "limits", "p", "--max-ttl", "{}"], false),
    (&["project", "limits", "p", "--rpm", "{}"], false),
    (&["usage", "--since", "{}"], false),
    (&["usage", "--key", "{}"], false),
    (&["store", "add-key", "{}"], false),
    (&["store", "remove-key", "{}", "--yes"], false),
    (&["audit", "list", "--since", "{}"], false),
];

fn with_value<'a>(template: &[&'a str], value: &'a OsStr) -> Vec<&'a OsStr> {
    template.iter().map(|a| if *a == "{}" { value } else { OsStr::new(*a) }).collect()
}

fn each_arg_case(value: &OsStr, label: &str, empty: bool) {
    let (s, _) = populated();
    let before = row_counts(&s);
    for (template, empty_ok) in ARG_CASES {
        let what = format!("{label} in {template:?}");
        let out = run_os(&s, &with_value(template, value));
        if empty && *empty_ok {
            assert_eq!(code(&out), 0, "{what}: {}", stderr_of(&out));
            continue;
        }
        // 1: not found or refused; 2: malformed; 3: e.g. a non-UTF-8 store path.
        assert_refused(&out, &[1, 2, 3], &what);
    }
    if !empty {
        assert_eq!(row_counts(&s), before, "{label}: a refused command changed the store");
    }
    assert_eq!(s.check().0, 0);
}

#[test]
fn empty_arguments_are_refused_with_one_line_or_accepted_where_empty_is_fine() {
    each_arg_case(OsStr::new(""), "an empty value", true);
}

#[test]
fn huge_arguments_are_refused_with_one_line() {
    let big = "a".repeat(HUGE_ARG);
    each_arg_case(OsStr::new(&big), "a 120 KiB value", false);
    let big_unicode = "ä".repeat(HUGE_ARG / 2);
    each_arg_case(OsStr::new(&big_unicode), "a 120 KiB non-ASCII value", false);
}

#[test]
fn non_utf8_arguments_are_refused_with_one_line() {
    each_arg_case(OsStr::from_bytes(b"caf\xe9 \xff\xfe"), "a non-UTF-8 value", false);
    // A non-UTF-8 store path is a path like any other: there is no store there.
    let s = TestStore::new();
    let out =
        s.cmd().arg("--store").arg(OsStr::from_bytes(b"/nonexistent/\xff.db")).args(["key", "list"]).output().unwrap();
    assert_refused(&out, &[3], "non-UTF-8 --store");
}

#[test]
fn errors_about_huge_arguments_stay_short() {
    let (s, _) = populated();
    let big = "a".repeat(HUGE_ARG);
    let mut long = Vec::new();
    for (template, _) in ARG_CASES {
        let out = run_os(&s, &with_value(template, OsStr::new(&big)));
        if out.stderr.len() > 4096 {
            long.push(format!("{template:?}: {} bytes", out.stderr.len()));
        }
    }
    assert!(long.is_empty(), "error lines longer than 4 KiB:\n{}", long.join("\n"));
}

#[test]
fn a_huge_passphrase_file_is_a_wrong_passphrase() {
    let s = TestStore::new();
    let file = s.dir.path().join("pass.txt");
    std::fs::write(&file, "p".repeat(1 << 20)).unwrap();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE_FILE", file.to_str().unwrap())], &["key", "list"]);
    assert_refused(&out, &[3], "1 MiB passphrase file");
    std::fs::write(&file, b"\xff\xfe not UTF-8\n").unwrap();
    let out = s.run_env(&[("KEYCTL_PASSPHRASE_FILE", file.to_str().unwrap())], &["key", "list"]);
    assert_refused(&out, &[3], "non-UTF-8 passphrase file");
}

// ---- control characters and terminal escapes ----------------------------------------------

/// Values that carry a control character or an escape sequence.
const ESCAPES: &[(&str, &str)] = &[
    ("ESC colour", "red\x1b[31mtext"),
    ("ESC title (OSC)", "x\x1b]0;owned\x07y"),
    ("carriage return", "good\rEVIL"),
    ("bell", "ding\x07"),
    ("backspace", "ab\x08c"),
    ("delete", "ab\x7fc"),
    ("C1 CSI", "a\u{9b}31mb"),
    ("C1 NEL", "a\u{85}b"),
];

/// Newline and tab: refused in names, allowed in free text (descriptions, reasons, member
/// names), where tables must still show them escaped.
const SOFT: &[(&str, &str)] = &[("newline", "line1\nline2"), ("tab", "a\tb")];

#[test]
fn names_with_control_characters_are_refused_everywhere() {
    let (s, _) = populated();
    let before = row_counts(&s);
    let templates: &[&[&str]] = &[
        &["project", "create", "{}"],
        &["project", "rename", "p", "{}"],
        &["org", "create", "{}"],
        &["org", "rename", "acme", "{}"],
        &["sa", "create", "{}", "--project", "p"],
        &["key", "create", "{}"],
        &["key", "update", "k", "--name", "{}"],
    ];
    for template in templates {
        for (label, value) in ESCAPES.iter().chain(SOFT) {
            let out = run_os(&s, &with_value(template, OsStr::new(value)));
            assert_refused(&out, &[2], &format!("{label} in {template:?}"));
        }
    }
    // `init --org` takes the first org's name the same way.
    for (label, value) in ESCAPES.iter().chain(SOFT) {
        let fresh = TestStore::empty();
        let out = fresh.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["init", "--org", value]);
        assert_refused(&out, &[2], &format!("{label} in init --org"));
        assert!(!fresh.store_exists(), "{label}: a refused init left a store behind");
    }
    assert_eq!(row_counts(&s), before);
}

#[test]
fn free_text_refuses_escapes_but_keeps_newlines_and_tabs() {
    let (s, id) = populated();
    let before = row_counts(&s);
    let templates: &[&[&str]] = &[
        &["project", "create", "d", "--description", "{}"],
        &["member", "add", "n@example.com", "--name", "{}"],
        &["key", "revoke", &id, "--reason", "{}"],
    ];
    for template in templates {
        for (label, value) in ESCAPES {
            let out = run_os(&s, &with_value(template, OsStr::new(value)));
            assert_refused(&out, &[2], &format!("{label} in {template:?}"));
        }
    }
    assert_eq!(row_counts(&s), before);
    s.ok(&["project", "create", "d", "--description", "line1\nline2\tend"]);
    assert_eq!(s.json(&["project", "show", "d"])["description"], "line1\nline2\tend");
}

/// Every table keyctl draws, after free text with newlines and tabs went in wherever it is
/// allowed (the escapes themselves are refused above): no raw control byte but the line
/// ends, and each row stays on one line.
#[test]
fn tables_never_print_raw_control_characters() {
    let s = TestStore::new();
    s.ok(&["project", "create", "p", "--description", "evil\ndesc\tx"]);
    s.ok(&["member", "add", "bob@example.com", "--name", "Bob\nEvil\tName", "--role", "all"]);
    s.ok(&["sa", "create", "bot", "--project", "p", "-q"]);
    let (bob_key_id, bob_key) = s.create_key(&["bobs", "--owner", "bob@example.com", "--project", "p"]);
    s.ok(&["key", "revoke", &bob_key_id, "--reason", "leaked\nin\tchat"]);
    let (_, key) = s.create_key(&["mine", "--project", "p", "--owner", "bob@example.com"]);
    s.run_stdin(&["key", "verify"], &format!("{key}\n"));

    // (args, the number of lines the table should have, if known)
    let tables: Vec<(Vec<&str>, Option<usize>)> = vec![
        (vec!["project", "list"], Some(3)),
        (vec!["project", "show", "p"], None),
        (vec!["member", "list"], Some(3)),
        (vec!["member", "show", "bob@example.com"], None),
        (vec!["key", "list", "--status", "all"], Some(4)), // with the service account's first key
        (vec!["key", "show", &bob_key_id], None),
        (vec!["sa", "list"], Some(2)),
        (vec!["org", "list"], Some(2)),
        (vec!["audit", "list"], None),
        (vec!["usage", "--by", "key"], None),
        (vec!["store", "keys"], None),
        (vec!["store", "info"], None),
    ];
    for (args, lines) in tables {
        let out = s.ok(&args);
        assert!(!has_raw_control(out.as_bytes()), "{args:?} printed a raw control character: {out:?}");
        assert!(!out.contains('\t'), "{args:?} printed a raw tab: {out:?}");
        if let Some(n) = lines {
            assert_eq!(out.lines().count(), n, "{args:?}: a newline in a cell split a row:\n{out}");
        }
    }
    // The verdict line names the owner (Bob, whose name has a newline) on one line.
    for k in [&key, &bob_key] {
        let out = s.run_stdin(&["key", "verify"], &format!("{k}\n"));
        assert!(!has_raw_control(&out.stdout) && !out.stdout.contains(&b'\t'), "{}", stdout_of(&out));
        assert!(stdout_of(&out).lines().count() <= 1, "{}", stdout_of(&out));
    }
    // JSON keeps the text exactly, escaped.
    assert_eq!(s.json(&["member", "show", "bob@example.com"])["name"], "Bob\nEvil\tName");
}

#[test]
fn error_lines_never_echo_raw_control_characters() {
    let (s, _) = populated();
    let value = "a\x1b[31mb\rc\x07d\ne";
    for template in ARG_CASES.iter().map(|(t, _)| *t) {
        let out = run_os(&s, &with_value(template, OsStr::new(value)));
        if code(&out) == 0 {
            continue;
        }
        assert_refused(&out, &[1, 2, 3], &format!("{template:?}"));
    }
}

/// Puts a usage row under a key id full of escapes (usage rows are plain by design).
fn evil_usage_row(s: &TestStore) {
    let project = s.json(&["project", "show", "Default project"])["id"].as_str().unwrap().to_owned();
    let day = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    s.sql()
        .execute(
            "INSERT INTO usage (key_id, project_id, day, requests, cost, last_at) VALUES (?1, ?2, ?3, 5, 0, 0)",
            rusqlite::params!["key_\x1b]0;owned\x07\x1b[2J", project, day as i64],
        )
        .unwrap();
}

#[test]
fn tampered_plain_rows_cannot_smuggle_escapes_into_tables() {
    let (s, _) = populated_file();
    evil_usage_row(&s);
    for by in ["key", "day", "project"] {
        let out = s.ok(&["usage", "--by", by]);
        assert!(!has_raw_control(out.as_bytes()), "usage --by {by}: {out:?}");
    }
    assert!(s.ok(&["usage", "--by", "key"]).contains("key_\\u{1b}"), "shown escaped");
}

#[test]
fn tampered_ids_never_reach_the_terminal_raw() {
    let (s, _) = populated_file();
    let evil = "proj_\x1b]0;owned\x07\x1b[2J";
    let pid = s.json(&["project", "create", "empty"])["id"].as_str().unwrap().to_owned();
    let conn = s.sql();
    conn.execute("UPDATE projects SET id = ?1 WHERE id = ?2", [evil, &pid]).unwrap();
    drop(conn);
    let out = s.run(&["store", "check"]);
    assert_eq!(code(&out), 4, "{}", stderr_of(&out));
    assert!(!has_raw_control(&out.stdout), "stdout: {:?}", stdout_of(&out));
    assert!(!has_raw_control(&out.stderr), "stderr: {:?}", stderr_of(&out));
    let out = s.run(&["project", "list"]);
    assert_refused(&out, &[4], "project list over a tampered id");
    let (s, _) = populated_file();
    evil_usage_row(&s);
    let out = s.ok(&["usage", "--by", "key", "-o", "csv"]);
    assert!(!has_raw_control(out.as_bytes()), "usage -o csv: {out:?}");
}

// ---- hostile keys for `key verify` and `--stream` -----------------------------------------

/// Keys that are not keys: huge, non-ASCII look-alikes, invisible characters, NUL.
fn hostile_keys(key: &str) -> Vec<(&'static str, Vec<u8>)> {
    let swap = |i: usize, with: &str| format!("{}{with}{}", &key[..i], &key[i + 1..]).into_bytes();
    vec![
        ("1 MiB of ASCII", vec![b'A'; 1 << 20]),
        ("1 MiB of two-byte characters", "é".repeat(1 << 19).into_bytes()),
        ("1 MiB of four-byte characters", "😀".repeat(1 << 18).into_bytes()),
        ("a valid key then 1 MiB", [key.as_bytes(), &vec![b'x'; 1 << 20]].concat()),
        ("Cyrillic look-alike", swap(key.find('a').unwrap_or(10), "а")),
        ("full-width digit", swap(12, "１")),
        ("combining accent", [key.as_bytes(), "\u{301}".as_bytes()].concat()),
        ("zero-width space inside", swap(20, "\u{200b}")),
        ("trailing zero-width space", format!("{key}\u{200b}").into_bytes()),
        ("byte order mark", format!("\u{feff}{key}").into_bytes()),
        ("NUL inside", swap(20, "\0")),
        ("NUL after", format!("{key}\0").into_bytes()),
        ("ESC sequence", format!("{key}\x1b[31m").into_bytes()),
        ("invalid UTF-8", [&key.as_bytes()[..20], b"\xff\xfe", &key.as_bytes()[22..]].concat()),
        ("lone continuation bytes", vec![0x80; 4096]),
        ("uppercased", key.to_uppercase().into_bytes()),
    ]
}

#[test]
fn hostile_keys_are_malformed_for_single_verifies() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    for (label, input) in hostile_keys(&key) {
        let out = s.run_stdin_bytes(&["key", "verify", "-o", "json"], &[&input[..], b"\n"].concat());
        assert_eq!(code(&out), 10, "{label}: {}", stderr_of(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{label}: {}", stdout_of(&out)));
        assert_eq!(v["code"], "MALFORMED", "{label}");
        assert!(!stderr_of(&out).contains("panicked"), "{label}");
        assert!(!stdout_of(&out).contains(&key) && !stderr_of(&out).contains(&key), "{label}: the input was echoed");
        // The same, without a final newline, and as the table verdict.
        let out = s.run_stdin_bytes(&["key", "verify"], &input);
        assert_eq!(code(&out), 10, "{label} (no newline)");
        assert_eq!(stdout_of(&out).trim(), "MALFORMED", "{label}");
    }
    assert_eq!(s.verify(&key, &[]).0, 0, "the real key still verifies");
}

#[test]
fn hostile_keys_from_the_environment_are_malformed() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    for (label, input) in hostile_keys(&key) {
        if input.len() > HUGE_ARG || input.contains(&0) {
            continue; // the kernel refuses these in an environment string
        }
        let out = s
            .cmd()
            .env("API_KEY", OsStr::from_bytes(&input))
            .args(["key", "verify", "--from-env", "API_KEY"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 10, "{label}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out).trim(), "MALFORMED", "{label}");
    }
    let big = "k".repeat(HUGE_ARG);
    let out = s.cmd().env("API_KEY", &big).args(["key", "verify", "--from-env", "API_KEY"]).output().unwrap();
    assert_eq!((code(&out), stdout_of(&out).trim().to_owned()), (10, "MALFORMED".to_owned()));
}

#[test]
fn a_stream_answers_every_hostile_line_and_keeps_going() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let hostile = hostile_keys(&key);
    let mut input = Vec::new();
    for (_, line) in &hostile {
        input.extend_from_slice(line);
        input.push(b'\n');
        input.extend_from_slice(key.as_bytes());
        input.extend_from_slice(b"\r\n");
    }
    // And a last 1 MiB line with no newline at the end of the input.
    input.extend(std::iter::repeat_n(b'z', 1 << 20));
    let (exit, answers) = s.verify_stream(&input, &[]);
    assert_eq!(exit, 0);
    assert_eq!(answers.len(), 2 * hostile.len() + 1, "one answer per line");
    for (i, (label, _)) in hostile.iter().enumerate() {
        assert_eq!(answers[2 * i]["code"], "MALFORMED", "{label}");
        assert_eq!(answers[2 * i + 1]["code"], "VALID", "the key after {label}");
        assert_eq!(answers[2 * i + 1]["key_id"], id.as_str());
    }
    assert_eq!(answers.last().unwrap()["code"], "MALFORMED");
    // Each valid line was recorded once, and nothing else.
    let uses = s.json(&["key", "show", &id])["uses"].as_i64().unwrap();
    assert_eq!(uses, hostile.len() as i64);
}

// ---- store files that are not a healthy store ----------------------------------------------

/// The commands a user would try first, each with the key it needs on stdin.
fn store_commands(key: &str) -> Vec<(Vec<&'static str>, String)> {
    vec![
        (vec!["store", "info"], String::new()),
        (vec!["store", "check"], String::new()),
        (vec!["key", "list"], String::new()),
        (vec!["key", "create", "-q"], String::new()),
        (vec!["project", "create", "x"], String::new()),
        (vec!["audit", "verify"], String::new()),
        (vec!["key", "verify"], format!("{key}\n")),
        (vec!["key", "verify", "--stream"], format!("{key}\n{key}\n")),
    ]
}

/// Every command on the damaged store fails with exit 1-4 and one clear line; none prints
/// data or panics. With `passphrase`, the passphrase unlocks instead of the store key.
fn assert_unusable(s: &TestStore, key: &str, what: &str) {
    for (args, stdin) in store_commands(key) {
        for passphrase in [false, true] {
            let mut cmd = if passphrase { s.bare() } else { s.cmd() };
            if passphrase {
                cmd.env("KEYCTL_PASSPHRASE", PASSPHRASE);
            }
            let out = cmd.args(&args).write_stdin(stdin.clone()).output().unwrap();
            let w = format!("{what}: {args:?} (passphrase: {passphrase})");
            assert_refused(&out, &[1, 2, 3, 4], &w);
        }
    }
}

/// A healthy store with some keys, checkpointed so that the main file holds everything and
/// there is no WAL; returns the store, a key and the file's bytes.
fn checkpointed() -> (TestStore, String, Vec<u8>) {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "p", "--description", "hello"]);
    s.ok(&["key", "create", "--count", "200", "-q"]);
    let (_, key) = s.create_key(&[]);
    let conn = s.sql();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(conn);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path().display()));
    }
    let bytes = std::fs::read(s.path()).unwrap();
    assert!(bytes.len() > 64 * 1024, "the store has many pages");
    (s, key, bytes)
}

fn replace_store(s: &TestStore, bytes: &[u8]) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", s.path().display()));
    }
    std::fs::write(s.path(), bytes).unwrap();
}

#[test]
fn truncated_stores_fail_clearly() {
    let (s, key, bytes) = checkpointed();
    for cut in [0, 50, 100, 4096, 8192, bytes.len() / 3, bytes.len() / 2, bytes.len() - 4096, bytes.len() - 1] {
        replace_store(&s, &bytes[..cut]);
        let what = format!("store truncated to {cut} of {} bytes", bytes.len());
        if s.check().0 == 0 {
            // Cutting the last byte may lose only padding: then the store must be whole.
            assert_eq!(cut, bytes.len() - 1, "{what}: store check passed");
            assert_eq!(s.verify(&key, &["--no-record"]).0, 0, "{what}");
        } else {
            assert_unusable(&s, &key, &what);
        }
    }
}

#[test]
fn stores_with_zeroed_or_random_pages_never_panic() {
    let (s, key, bytes) = checkpointed();
    let page = 4096;
    let pages = bytes.len() / page;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    // A page of zeros or noise in the middle: SQLite may or may not notice, depending on the
    // page (a free page is never read); keyctl either works on what still authenticates or
    // fails with 1-4 and one line, and never panics.
    for p in [1, 2, pages / 2, pages - 1] {
        for zero in [true, false] {
            let mut damaged = bytes.clone();
            let fill = if zero { vec![0; page] } else { noise(page) };
            damaged[p * page..(p + 1) * page].copy_from_slice(&fill);
            replace_store(&s, &damaged);
            let what = format!("page {p} of {pages} {}", if zero { "zeroed" } else { "random" });
            for (args, stdin) in store_commands(&key) {
                let out = s.cmd().args(&args).write_stdin(stdin).output().unwrap();
                let c = code(&out);
                assert!(!stderr_of(&out).contains("panicked"), "{what}: {args:?} panicked");
                if c != 0 && !(c == 10 && args[1] == "verify") {
                    assert_refused(&out, &[1, 2, 3, 4], &format!("{what}: {args:?}"));
                }
            }
        }
    }
    // The whole file zero-filled or random, same size.
    replace_store(&s, &vec![0; bytes.len()]);
    assert_unusable(&s, &key, "zero-filled store");
    replace_store(&s, &noise(bytes.len()));
    assert_unusable(&s, &key, "random store");
    // A valid SQLite header on random pages.
    let mut fake = noise(bytes.len());
    fake[..100].copy_from_slice(&bytes[..100]);
    replace_store(&s, &fake);
    assert_unusable(&s, &key, "SQLite header on random pages");
}

#[test]
fn other_sqlite_databases_and_half_made_stores_fail_clearly() {
    let (s, key, _) = checkpointed();
    let cases: &[(&str, &str)] = &[
        ("another application's database", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi');"),
        ("an empty database with a user_version", "PRAGMA user_version = 3;"),
        ("a table named meta without the marker", "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB); PRAGMA user_version = 3;"),
        (
            "the keyctl marker and nothing else",
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB); INSERT INTO meta VALUES ('format', CAST('keyctl store' AS BLOB)); PRAGMA user_version = 3;",
        ),
        (
            "the keyctl marker on schema 1 without its tables",
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB); INSERT INTO meta VALUES ('format', CAST('keyctl store' AS BLOB)); PRAGMA user_version = 1;",
        ),
    ];
    for (what, sql) in cases {
        replace_store(&s, b"");
        std::fs::remove_file(s.path()).unwrap();
        rusqlite::Connection::open(s.path()).unwrap().execute_batch(sql).unwrap();
        assert_unusable(&s, &key, what);
    }
    // A keyctl store whose tables were emptied.
    let (s, key, _) = checkpointed();
    s.sql().execute_batch("DELETE FROM slots; DELETE FROM meta WHERE name <> 'format';").unwrap();
    assert_unusable(&s, &key, "a store without slots or meta");
}

#[test]
fn stores_that_cannot_be_opened_exit_3_or_4() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    replace_store(&s, b"");
    std::fs::remove_file(s.path()).unwrap();
    std::fs::create_dir(s.path()).unwrap();
    for (args, stdin) in store_commands(&key) {
        let out = s.cmd().args(&args).write_stdin(stdin).output().unwrap();
        assert_refused(&out, &[3], &format!("a directory: {args:?}"));
    }
    std::fs::remove_dir(s.path()).unwrap();
    rusqlite::Connection::open(s.path())
        .unwrap()
        .execute_batch("CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB); INSERT INTO meta VALUES ('format', CAST('keyctl store' AS BLOB)); PRAGMA user_version = 3;")
        .unwrap();
    for (args, stdin) in store_commands(&key) {
        let out = s.cmd().args(&args).write_stdin(stdin).output().unwrap();
        assert_refused(&out, &[3, 4], &format!("the marker without tables: {args:?}"));
    }
}

#[test]
fn special_files_at_the_store_path_fail_clearly() {
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    let path = s.path();
    replace_store(&s, b"");

    std::fs::write(&path, b"").unwrap();
    assert_unusable(&s, &key, "an empty file");

    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    assert_unusable(&s, &key, "a directory");
    std::fs::remove_dir(&path).unwrap();

    std::os::unix::fs::symlink("/dev/null", &path).unwrap();
    assert_unusable(&s, &key, "a symlink to /dev/null");
    std::fs::remove_file(&path).unwrap();

    std::os::unix::fs::symlink(s.dir.path().join("nowhere.db"), &path).unwrap();
    assert_unusable(&s, &key, "a dangling symlink");
    // init refuses to follow the dangling link into a new store somewhere else... or makes
    // the store there; either way it must not panic or claim a store exists.
    let out = s.run_env(&[("KEYCTL_PASSPHRASE", PASSPHRASE)], &["init"]);
    assert!(!stderr_of(&out).contains("panicked"));
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(s.dir.path().join("nowhere.db"));

    // A store path below a regular file.
    let below = s.dir.path().join("file.txt");
    std::fs::write(&below, "x").unwrap();
    let out = s.cmd().args(["--store", below.join("keyctl.db").to_str().unwrap(), "key", "list"]).output().unwrap();
    assert_refused(&out, &[3], "a store path below a file");
    let out = s
        .bare()
        .env("KEYCTL_PASSPHRASE", PASSPHRASE)
        .args(["--store", below.join("keyctl.db").to_str().unwrap(), "init"])
        .output()
        .unwrap();
    assert_refused(&out, &[1, 3], "init below a file");
}

#[test]
fn an_unreadable_store_fails_clearly() {
    use std::os::unix::fs::PermissionsExt;
    let s = TestStore::new_file();
    let (_, key) = s.create_key(&[]);
    let path = s.path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_err() {
        assert_unusable(&s, &key, "a store with mode 000");
    } else {
        // Root reads a file of mode 000 anyway (and CI runs as root): run keyctl as
        // `nobody`, whom the mode does stop.
        assert_unusable_as_nobody(&s, &key, "a store with mode 000, as nobody");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// [`assert_unusable`] with keyctl run as `nobody` (util-linux `setpriv`), for tests that
/// run as root. The store's folders are opened to others for the walk to the file.
fn assert_unusable_as_nobody(s: &TestStore, key: &str, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    for dir in [s.dir.path().to_path_buf(), s.path().parent().unwrap().to_path_buf()] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    }
    let nobody = |args: &[&str], passphrase: bool| {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_keyctl")]).args(args);
        for (k, v) in s.std_cmd().get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if passphrase {
            cmd.env_remove("KEYCTL_STORE_KEY").env("KEYCTL_PASSPHRASE", PASSPHRASE);
        }
        cmd
    };
    let runs = nobody(&["--version"], false).output().is_ok_and(|o| o.status.success());
    if !runs {
        common::cannot_run("keyctl cannot be run as nobody here (no setpriv, or the binary is not reachable)");
        return;
    }
    for (args, stdin) in store_commands(key) {
        for passphrase in [false, true] {
            let mut child = nobody(&args, passphrase)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut input = child.stdin.take().unwrap();
            let _ = std::io::Write::write_all(&mut input, stdin.as_bytes());
            drop(input);
            let out = child.wait_with_output().unwrap();
            let w = format!("{what}: {args:?} (passphrase: {passphrase})");
            assert_refused(&out, &[1, 2, 3, 4], &w);
        }
    }
    for dir in [s.dir.path().to_path_buf(), s.path().parent().unwrap().to_path_buf()] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

#[test]
fn a_damaged_wal_never_panics_and_never_invents_state() {
    let s = TestStore::new_file();
    let (_, first) = s.create_key(&["first"]);
    s.ok(&["key", "create", "--count", "100", "-q"]);
    let (_, last) = s.create_key(&["last"]);
    let wal_path = format!("{}-wal", s.path().display());
    let db = std::fs::read(s.path()).unwrap();
    let wal = std::fs::read(&wal_path).unwrap();
    assert!(wal.len() > 32 * 1024, "keyctl keeps its WAL between runs");
    let restore = |w: &[u8]| {
        std::fs::write(s.path(), &db).unwrap();
        std::fs::write(&wal_path, w).unwrap();
        let _ = std::fs::remove_file(format!("{}-shm", s.path().display()));
    };
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [32, wal.len() / 4, wal.len() / 2, wal.len() - 100] {
        variants.push((format!("WAL truncated to {cut} bytes"), wal[..cut].to_vec()));
    }
    let mut flipped = wal.clone();
    let mid = wal.len() / 2;
    flipped[mid] ^= 0xff;
    variants.push(("a flipped byte in the WAL".into(), flipped));
    variants.push(("a WAL of zeros".into(), vec![0; wal.len()]));
    variants.push(("a WAL of 0x5a".into(), vec![0x5a; wal.len()]));
    for (what, w) in variants {
        restore(&w);
        // SQLite drops WAL frames that fail their checksums: the store goes back to an
        // older, consistent state (or is unreadable). That older state may not know the
        // later keys, but must never call a key valid that was not.
        for (args, stdin) in store_commands(&first) {
            let out = s.cmd().args(&args).write_stdin(stdin).output().unwrap();
            let c = code(&out);
            assert!(!stderr_of(&out).contains("panicked"), "{what}: {args:?} panicked");
            if c == 4 && args[..] == ["store", "check"] {
                // The older state is a rollback (issue 10 item 10): check lists what it found.
                assert!(stdout_of(&out).lines().all(|l| l.starts_with("FAILED: ")), "{what}: {}", stdout_of(&out));
                assert_one_line_error(&out);
            } else if c != 0 && !(c == 10 && args[1] == "verify") {
                assert_refused(&out, &[1, 2, 3, 4], &format!("{what}: {args:?}"));
            }
        }
        restore(&w);
        let (c, v) = s.verify(&last, &["--no-record"]);
        assert!(c == 0 || c == 10 || (1..=4).contains(&c), "{what}: {c}");
        if c == 0 {
            assert_eq!(v["code"], "VALID");
        }
        let (c, _) = s.check();
        assert!(c == 0 || (1..=4).contains(&c), "{what}: store check exited {c}");
    }
}
