//! Issue 3: `keyctl key verify`, single-shot and `--stream`: every code this issue can
//! produce, `--require` against each permission, recording of `last_used_at`, and rows
//! edited with plain SQL (never accepted: exit 4, and `store check` names them).

mod common;

use std::time::Duration;

use common::verdict as code;
use common::{rejected, valid, TestStore};
use serde_json::{json, Value};

/// `key` with the character at `i` replaced by another base62 character.
fn change_char(key: &str, i: usize) -> String {
    let mut bytes = key.as_bytes().to_vec();
    bytes[i] = match bytes[i] {
        b'z' => b'A',
        b'Z' => b'0',
        b'9' => b'a',
        b'-' => b'_',
        c => c + 1,
    };
    String::from_utf8(bytes).unwrap()
}

fn last_used(s: &TestStore, id: &str) -> Value {
    s.json(&["key", "show", id])["last_used_at"].clone()
}

// ---- input ----

#[test]
fn valid_key_from_stdin_exits_0() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let out = s.run_stdin(&["key", "verify"], &format!("{key}\n"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("VALID "), "{text}");
    assert!(!text.contains(&key[8..]), "no secret in the verdict: {text}");
}

#[test]
fn verify_reads_only_the_first_line_and_accepts_crlf() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let out = s.run_stdin(&["key", "verify", "-o", "json"], &format!("{key}\ngarbage\n"));
    assert_eq!(out.status.code(), Some(0));
    let out = s.run_stdin(&["key", "verify", "-o", "json"], &format!("{key}\r\n"));
    assert_eq!(out.status.code(), Some(0));
    let out = s.run_stdin(&["key", "verify", "-o", "json"], &key);
    assert_eq!(out.status.code(), Some(0), "no trailing newline");
}

#[test]
fn key_from_env_var() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let out =
        s.cmd().env("API_KEY", &key).args(["key", "verify", "--from-env", "API_KEY", "-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "VALID");
    assert_eq!(v["key_id"], id.as_str());

    let out = s
        .cmd()
        .env("API_KEY", "sk-proj-nonsense")
        .args(["key", "verify", "--from-env", "API_KEY", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "MALFORMED");

    let out = s
        .cmd()
        .env_remove("NO_SUCH_VAR_FOR_KEYCTL")
        .args(["key", "verify", "--from-env", "NO_SUCH_VAR_FOR_KEYCTL"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unset variable is a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NO_SUCH_VAR_FOR_KEYCTL"), "{err}");
}

#[test]
fn key_is_never_taken_from_argv_and_empty_stdin_is_a_usage_error() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let (exit, _) = s.fails(&["key", "verify", &key]);
    assert_eq!(exit, 2);
    let out = s.run_stdin(&["key", "verify"], "");
    assert_eq!(out.status.code(), Some(2));
}

// ---- codes ----

#[test]
fn valid_result_has_every_json_field() {
    let s = TestStore::new();
    let created = s.json(&["key", "create", "--scope", "models:read", "--ttl", "1h"]);
    let key = created["key"].as_str().unwrap();
    let (exit, v) = s.verify(key, &[]);
    assert_eq!(exit, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["code"], "VALID");
    assert_eq!(v["key_id"], created["id"]);
    assert_eq!(v["org_id"], created["org_id"]);
    assert!(v["org_id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(v["project_id"], created["project_id"]);
    assert_eq!(v["owner"], json!({"type": "user", "id": created["owner"]["id"], "name": "ada@example.com"}));
    assert_eq!(v["permission"], "restricted");
    assert_eq!(v["scopes"], json!(["models:read"]));
    assert_eq!(v["expires_at"], created["expires_at"]);
    assert!(v["expires_at"].is_string());
    assert!(v.get("ratelimit").is_some(), "ratelimit field (null or object)");
}

#[test]
fn malformed_keys_are_rejected() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let cases = [
        ("truncated", key[..key.len() - 1].to_owned()),
        ("too long", format!("{key}A")),
        ("wrong prefix", key.replacen("sk-proj-", "sk-prod-", 1)),
        ("service-account prefix", key.replacen("sk-proj-", "sk-svcacct-", 1)),
        ("no prefix", key[8..].to_owned()),
        ("empty line", String::new()),
        ("non-base62", format!("{}!{}", &key[..20], &key[21..])),
        ("inner space", format!("{} {}", &key[..20], &key[21..])),
        ("garbage", "hello world".to_owned()),
        ("1 MB line", "a".repeat(1 << 20)),
        ("1 MB line after a valid key", format!("{key}{}", "A".repeat(1 << 20))),
    ];
    for (what, input) in cases {
        let (exit, v) = s.verify(&input, &[]);
        assert_eq!((exit, v["code"].as_str()), (10, Some("MALFORMED")), "{what}");
        assert_eq!(v["valid"], false, "{what}");
        assert!(v.get("key_id").is_none(), "{what}: not looked up: {v}");
    }
    valid_key_still_valid(&s, &key);
}

fn valid_key_still_valid(s: &TestStore, key: &str) {
    assert_eq!(code(s, key, &[]), valid());
}

#[test]
fn one_changed_character_anywhere_is_malformed() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let variants: Vec<String> = (0..key.len()).map(|i| change_char(&key, i)).collect();
    assert!(variants.iter().all(|v| v != &key && v.len() == key.len()));
    // One process for all of them, and one single-shot run for a sample.
    let input: String = variants.iter().map(|v| format!("{v}\n")).collect();
    let (exit, results) = s.verify_stream(input.as_bytes(), &[]);
    assert_eq!(exit, 0);
    assert_eq!(results.len(), key.len());
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["code"], "MALFORMED", "position {i}: {}", variants[i]);
    }
    for i in [8, 30, key.len() - 1] {
        assert_eq!(code(&s, &variants[i], &[]), rejected("MALFORMED"), "position {i}");
    }
}

#[test]
fn non_utf8_input_is_malformed() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let mut input = key.as_bytes()[..30].to_vec();
    input.extend([0xff, 0xfe, 0x80]);
    input.extend(&key.as_bytes()[33..]);
    input.push(b'\n');
    let out = s.run_stdin_bytes(&["key", "verify", "-o", "json"], &input);
    assert_eq!(out.status.code(), Some(10));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "MALFORMED");
    let out = s.run_stdin_bytes(&["key", "verify", "-o", "json"], b"\xc3\x28\xa0\xa1\n");
    assert_eq!(out.status.code(), Some(10));
}

#[test]
fn key_from_another_store_is_not_found() {
    let s = TestStore::new();
    let other = TestStore::new();
    let (_, foreign) = other.create_key(&[]);
    s.create_key(&[]);
    let (exit, v) = s.verify(&foreign, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("NOT_FOUND")), "{v}");
    assert_eq!(v["valid"], false);
    assert!(v.get("key_id").is_none(), "{v}");
    assert_eq!(code(&other, &foreign, &[]), valid());
}

#[test]
fn revoked_key_is_rejected_with_its_identity() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("REVOKED")), "{v}");
    assert_eq!(v["valid"], false);
    assert_eq!(v["key_id"], id.as_str());
    let out = s.run_stdin(&["key", "verify"], &format!("{key}\n"));
    assert_eq!(out.status.code(), Some(10));
    assert!(String::from_utf8_lossy(&out.stdout).contains("REVOKED"));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("keyctl: "));
}

#[test]
fn expired_key_is_rejected() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--ttl", "1s"]);
    let (long_id, long_key) = s.create_key(&["--ttl", "1h"]);
    s.advance_clock(3); // past the 1s lifetime, without waiting for it
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("EXPIRED")), "{v}");
    assert_eq!(v["key_id"], id.as_str());
    assert_eq!(code(&s, &long_key, &[]), valid(), "{long_id}");
    // An expired key never records a use.
    assert_eq!(last_used(&s, &id), Value::Null);
}

#[test]
fn archived_project_disables_its_keys_until_unarchived() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing-api"]);
    let (id, key) = s.create_key(&["--project", "billing-api"]);
    let (_, other_key) = s.create_key(&[]);
    s.ok(&["project", "archive", "billing-api"]);
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("PROJECT_ARCHIVED")), "{v}");
    assert_eq!(v["key_id"], id.as_str());
    assert_eq!(code(&s, &other_key, &[]), valid(), "other projects unaffected");
    s.ok(&["project", "unarchive", "billing-api"]);
    assert_eq!(code(&s, &key, &[]), valid());
}

// ---- --require ----

#[test]
fn restricted_key_allows_only_its_scopes() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--scope", "models:read"]);
    assert_eq!(code(&s, &key, &["--require", "models:read"]), valid());
    assert_eq!(code(&s, &key, &[]), valid(), "no requirement");
    for denied in ["models:write", "files:read", "*:read"] {
        assert_eq!(code(&s, &key, &["--require", denied]), rejected("INSUFFICIENT_PERMISSIONS"), "{denied}");
    }
    assert_eq!(
        code(&s, &key, &["--require", "models:read", "--require", "files:read"]),
        rejected("INSUFFICIENT_PERMISSIONS"),
        "every requirement must hold"
    );
}

#[test]
fn write_scope_implies_read() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--scope", "files:write", "--scope", "models:none"]);
    assert_eq!(code(&s, &key, &["--require", "files:read"]), valid());
    assert_eq!(code(&s, &key, &["--require", "files:write"]), valid());
    assert_eq!(code(&s, &key, &["--require", "models:read"]), rejected("INSUFFICIENT_PERMISSIONS"));
}

#[test]
fn wildcard_scope_covers_every_resource() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--scope", "*:read", "--scope", "secrets:none"]);
    assert_eq!(code(&s, &key, &["--require", "anything:read"]), valid());
    assert_eq!(code(&s, &key, &["--require", "anything:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    assert_eq!(
        code(&s, &key, &["--require", "secrets:read"]),
        rejected("INSUFFICIENT_PERMISSIONS"),
        "a named scope wins over *"
    );
}

#[test]
fn readonly_key_reads_everything_and_writes_nothing() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--permission", "readonly"]);
    for ok in ["models:read", "files:read", "chat.completions:read", "*:read"] {
        assert_eq!(code(&s, &key, &["--require", ok]), valid(), "{ok}");
    }
    for denied in ["models:write", "*:write"] {
        assert_eq!(code(&s, &key, &["--require", denied]), rejected("INSUFFICIENT_PERMISSIONS"), "{denied}");
    }
    let (_, v) = s.verify(&key, &[]);
    assert_eq!(v["permission"], "readonly");
}

#[test]
fn all_key_passes_every_requirement() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&["--permission", "all"]);
    assert_eq!(code(&s, &key, &["--require", "models:write", "--require", "*:write", "--require", "x:read"]), valid());
}

#[test]
fn invalid_require_is_a_usage_error() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let out = s.run_stdin(&["key", "verify", "--require", "models:admin"], &format!("{key}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RESOURCE:LEVEL"));
}

// ---- recording ----

#[test]
fn recorded_verify_sets_last_used_and_no_record_does_not() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    assert_eq!(code(&s, &key, &["--no-record"]), valid());
    assert_eq!(last_used(&s, &id), Value::Null, "--no-record records nothing");
    let (exit, _) = s.verify(&key, &["--require", "x:read"]);
    assert_eq!(exit, 0);
    let used = last_used(&s, &id);
    let at = chrono::DateTime::parse_from_rfc3339(used.as_str().expect("last_used_at set"))
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert!((chrono::Utc::now() - at).num_seconds().abs() <= 5, "{at}");
}

#[test]
fn rejected_verify_does_not_record() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--scope", "models:read"]);
    assert_eq!(code(&s, &key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    assert_eq!(last_used(&s, &id), Value::Null);
}

// ---- --stream ----

#[test]
fn stream_answers_one_line_per_input_line_in_order() {
    let s = TestStore::new();
    let other = TestStore::new();
    let (valid_id, key) = s.create_key(&[]);
    let (revoked_id, revoked) = s.create_key(&[]);
    s.ok(&["key", "revoke", &revoked_id]);
    let (_, foreign) = other.create_key(&[]);
    let (restricted_id, restricted) = s.create_key(&["--scope", "models:read"]);

    let mut input = Vec::new();
    let mut expect = Vec::new();
    let mut push = |line: &[u8], code: &str| {
        input.extend_from_slice(line);
        input.push(b'\n');
        expect.push(code.to_owned());
    };
    push(key.as_bytes(), "VALID");
    push(b"garbage", "MALFORMED");
    push(change_char(&key, 20).as_bytes(), "MALFORMED");
    push("x".repeat(100 * 1024).as_bytes(), "MALFORMED");
    push(b"", "MALFORMED");
    push(b"\xff\xfe\xfd not utf-8", "MALFORMED");
    push(revoked.as_bytes(), "REVOKED");
    push(foreign.as_bytes(), "NOT_FOUND");
    push(format!("{key}{}", "k".repeat(100 * 1024)).as_bytes(), "MALFORMED");
    push(restricted.as_bytes(), "VALID");
    push(key.as_bytes(), "VALID");

    let (exit, results) = s.verify_stream(&input, &["--require", "models:read"]);
    assert_eq!(exit, 0);
    let codes: Vec<&str> = results.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, expect);
    assert_eq!(results[0]["key_id"], valid_id.as_str());
    assert_eq!(results[0]["valid"], true);
    assert_eq!(results[1]["valid"], false);
    assert_eq!(results[6]["key_id"], revoked_id.as_str());
    assert_eq!(results[9]["key_id"], restricted_id.as_str());

    let (_, results) = s.verify_stream(restricted.as_bytes(), &["--require", "models:write"]);
    assert_eq!(results.len(), 1, "last line without a newline is answered");
    assert_eq!(results[0]["code"], "INSUFFICIENT_PERMISSIONS");
}

#[test]
fn stream_records_uses_unless_no_record() {
    let s = TestStore::new();
    let (a, key_a) = s.create_key(&[]);
    let (b, key_b) = s.create_key(&[]);
    let (exit, _) = s.verify_stream(format!("{key_a}\n").as_bytes(), &["--no-record"]);
    assert_eq!(exit, 0);
    assert_eq!(last_used(&s, &a), Value::Null);
    let (exit, _) = s.verify_stream(format!("{key_a}\n{key_a}\n").as_bytes(), &[]);
    assert_eq!(exit, 0);
    assert!(last_used(&s, &a).is_string(), "recorded by the end of the stream");
    assert_eq!(last_used(&s, &b), Value::Null, "{key_b} not used");
}

#[test]
fn stream_of_nothing_answers_nothing() {
    let s = TestStore::new();
    let (exit, results) = s.verify_stream(b"", &[]);
    assert_eq!((exit, results.len()), (0, 0));
}

// ---- rows edited with plain SQL ----

fn assert_tamper_detected(s: &TestStore, key: &str, row_ids: &[&str]) {
    let (exit, v) = s.verify(key, &[]);
    assert_ne!(v["valid"], true, "a tampered row was accepted: {v}");
    assert_eq!(exit, 4, "authentication failure: {v}");
    let (exit, v) = s.verify(key, &["--no-record", "--require", "models:write"]);
    assert_eq!(exit, 4, "{v}");
    let (exit, results) = s.verify_stream(format!("{key}\n").as_bytes(), &[]);
    assert_ne!(results.first().map(|r| &r["valid"]), Some(&json!(true)));
    assert!(exit == 0 || exit == 4, "stream: exit {exit}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "store check: {report}");
    for id in row_ids {
        assert!(report.contains(id), "store check names row {id}: {report}");
    }
}

fn exec(s: &TestStore, sql: &str, params: &[&dyn rusqlite::ToSql]) {
    let n = s.sql().execute(sql, params).expect("tamper");
    assert!(n >= 1, "tampering changed no row: {sql}");
}

#[test]
fn untampered_store_checks_clean() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--scope", "models:read", "--ttl", "1h"]);
    s.ok(&["key", "revoke", &id]);
    s.ok(&["key", "create", "--count", "3"]);
    let (exit, report) = s.check();
    assert_eq!(exit, 0, "{report}");
    assert_eq!(code(&s, &key, &[]), rejected("REVOKED"));
}

#[test]
fn tamper_unrevoke_is_detected() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    exec(&s, "UPDATE api_keys SET revoked_at = NULL WHERE id = ?1", &[&id]);
    assert_tamper_detected(&s, &key, &[&id]);
}

#[test]
fn tamper_push_revocation_into_the_future_is_detected() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    exec(&s, "UPDATE api_keys SET revoked_at = revoked_at + 86400 WHERE id = ?1", &[&id]);
    assert_tamper_detected(&s, &key, &[&id]);
}

#[test]
fn tamper_extend_expiry_is_detected() {
    let s = TestStore::new_file();
    let (later, later_key) = s.create_key(&["--ttl", "1h"]);
    let (never, never_key) = s.create_key(&["--ttl", "1h"]);
    exec(&s, "UPDATE api_keys SET expires_at = expires_at + 365 * 86400 WHERE id = ?1", &[&later]);
    exec(&s, "UPDATE api_keys SET expires_at = NULL WHERE id = ?1", &[&never]);
    assert_tamper_detected(&s, &later_key, &[&later, &never]);
    assert_tamper_detected(&s, &never_key, &[&later, &never]);
}

#[test]
fn tamper_revive_an_expired_key_is_detected() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&["--ttl", "1s"]);
    s.advance_clock(3); // past the 1s lifetime, without waiting for it
    assert_eq!(code(&s, &key, &[]), rejected("EXPIRED"));
    exec(&s, "UPDATE api_keys SET expires_at = NULL WHERE id = ?1", &[&id]);
    assert_tamper_detected(&s, &key, &[&id]);
}

#[test]
fn tamper_copy_payload_from_an_all_key_is_detected() {
    let s = TestStore::new_file();
    let (all_id, all_key) = s.create_key(&["--permission", "all"]);
    let (narrow_id, narrow_key) = s.create_key(&["--scope", "models:read"]);
    assert_eq!(code(&s, &narrow_key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    exec(
        &s,
        "UPDATE api_keys SET payload = (SELECT payload FROM api_keys WHERE id = ?1) WHERE id = ?2",
        &[&all_id, &narrow_id],
    );
    assert_tamper_detected(&s, &narrow_key, &[&narrow_id]);
    assert_eq!(code(&s, &all_key, &[]), valid(), "the source row is intact");
}

#[test]
fn tamper_copy_every_column_but_id_and_hash_is_detected() {
    let s = TestStore::new_file();
    let (all_id, _) = s.create_key(&["--permission", "all"]);
    let (revoked_id, revoked_key) = s.create_key(&["--scope", "models:read", "--ttl", "1h"]);
    s.ok(&["key", "revoke", &revoked_id]);
    exec(
        &s,
        "UPDATE api_keys SET (org_id, project_id, owner_id, created_at, expires_at, revoked_at, payload) =
             (SELECT org_id, project_id, owner_id, created_at, expires_at, revoked_at, payload
              FROM api_keys WHERE id = ?1)
         WHERE id = ?2",
        &[&all_id, &revoked_id],
    );
    assert_tamper_detected(&s, &revoked_key, &[&revoked_id]);
}

#[test]
fn tamper_swap_hashes_is_detected() {
    let s = TestStore::new_file();
    let (a, key_a) = s.create_key(&["--scope", "models:read"]);
    let (b, key_b) = s.create_key(&["--permission", "all"]);
    {
        let mut conn = s.sql();
        let tx = conn.transaction().unwrap();
        let hash = |id: &str| -> Vec<u8> {
            tx.query_row("SELECT hash FROM api_keys WHERE id = ?1", [id], |r| r.get(0)).unwrap()
        };
        let (ha, hb) = (hash(&a), hash(&b));
        tx.execute("UPDATE api_keys SET hash = x'00' WHERE id = ?1", [&a]).unwrap();
        tx.execute("UPDATE api_keys SET hash = ?1 WHERE id = ?2", rusqlite::params![ha, b]).unwrap();
        tx.execute("UPDATE api_keys SET hash = ?1 WHERE id = ?2", rusqlite::params![hb, a]).unwrap();
        tx.commit().unwrap();
    }
    // key_a now finds b's row (permission all): it must not be accepted.
    assert_tamper_detected(&s, &key_a, &[&a, &b]);
    assert_tamper_detected(&s, &key_b, &[&a, &b]);
}

#[test]
fn tamper_move_key_out_of_an_archived_project_is_detected() {
    let s = TestStore::new_file();
    s.ok(&["project", "create", "old"]);
    let (id, key) = s.create_key(&["--project", "old"]);
    let (_, other) = s.create_key(&[]);
    s.ok(&["project", "archive", "old"]);
    assert_eq!(code(&s, &key, &[]), rejected("PROJECT_ARCHIVED"));
    let default_project: String =
        s.sql().query_row("SELECT project_id FROM api_keys WHERE id != ?1", [&id], |r| r.get(0)).unwrap();
    exec(&s, "UPDATE api_keys SET project_id = ?1 WHERE id = ?2", &[&default_project, &id]);
    assert_tamper_detected(&s, &key, &[&id]);
    assert_eq!(code(&s, &other, &[]), valid());
}

#[test]
fn editing_last_used_at_is_not_an_integrity_failure() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    // Uses and the last use live in the plain `usage` table (see README, "Security model").
    assert_eq!(code(&s, &key, &[]), valid());
    exec(&s, "UPDATE usage SET last_at = 12345 WHERE key_id = ?1", &[&id]);
    assert_eq!(last_used(&s, &id), "1970-01-01T03:25:45Z");
    assert_eq!(code(&s, &key, &["--no-record"]), valid());
    let (exit, report) = s.check();
    assert_eq!(exit, 0, "last_used_at is an unauthenticated counter: {report}");
    exec(&s, "DELETE FROM usage WHERE key_id = ?1", &[&id]);
    assert!(last_used(&s, &id).is_null());
    assert_eq!(code(&s, &key, &[]), valid());
    assert!(last_used(&s, &id).is_string());
}

/// Reads one column set of a row, to put it back later as an attacker with a copy would.
fn snapshot(s: &TestStore, table: &str, id: &str) -> Vec<(String, rusqlite::types::Value)> {
    let conn = s.sql();
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} WHERE id = ?1")).unwrap();
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    stmt.query_row([id], |r| {
        Ok(names.iter().enumerate().map(|(i, n)| (n.clone(), r.get::<_, rusqlite::types::Value>(i).unwrap())).collect())
    })
    .unwrap()
}

fn restore(s: &TestStore, table: &str, id: &str, row: &[(String, rusqlite::types::Value)]) {
    let conn = s.sql();
    for (name, value) in row {
        if name == "id" || name == "last_used_at" {
            continue;
        }
        conn.execute(&format!("UPDATE {table} SET {name} = ?1 WHERE id = ?2"), rusqlite::params![value, id]).unwrap();
    }
}

#[test]
fn tamper_rollback_of_a_revoked_key_row_is_detected() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    let before = snapshot(&s, "api_keys", &id);
    s.ok(&["key", "revoke", &id]);
    assert_eq!(code(&s, &key, &[]), rejected("REVOKED"));
    restore(&s, "api_keys", &id, &before);
    assert_tamper_detected(&s, &key, &[&id]);
}

#[test]
fn tamper_rollback_of_a_narrowed_key_row_is_detected() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&["--ttl", "1h"]);
    let before = snapshot(&s, "api_keys", &id);
    s.ok(&["key", "update", &id, "--permission", "readonly", "--ttl", "1m"]);
    assert_eq!(code(&s, &key, &["--require", "x:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    restore(&s, "api_keys", &id, &before);
    let (exit, v) = s.verify(&key, &["--require", "x:write"]);
    assert_ne!(v["valid"], true, "a rolled-back row widened the key: {v}");
    assert_eq!(exit, 4, "{v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
}

#[test]
fn tamper_rollback_of_an_archived_project_row_is_detected() {
    let s = TestStore::new_file();
    let pid = s.json(&["project", "create", "old"])["id"].as_str().unwrap().to_owned();
    let (_, key) = s.create_key(&["--project", "old"]);
    let before = snapshot(&s, "projects", &pid);
    s.ok(&["project", "archive", "old"]);
    assert_eq!(code(&s, &key, &[]), rejected("PROJECT_ARCHIVED"));
    restore(&s, "projects", &pid, &before);
    let (exit, v) = s.verify(&key, &[]);
    assert_ne!(v["valid"], true, "a rolled-back project row revived its key: {v}");
    assert_eq!(exit, 4, "{v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&pid), "{report}");
}

#[test]
fn stream_answers_a_tampered_row_and_goes_on() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    let (_, good) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    exec(&s, "UPDATE api_keys SET revoked_at = NULL WHERE id = ?1", &[&id]);
    let (exit, results) = s.verify_stream(format!("{key}\n{good}\n").as_bytes(), &[]);
    assert_eq!(results.len(), 2, "{results:?} (exit {exit})");
    assert_eq!(results[0]["valid"], false);
    assert_ne!(results[0]["code"], "VALID");
    assert_eq!(results[1]["code"], "VALID");
}

#[test]
fn stream_answers_each_line_before_the_next_arrives() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keyctl"))
        .args(["key", "verify", "--stream"])
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_CONFIG", s.config_path())
        .env("KEYCTL_STORE_KEY", &s.store_key)
        .env_remove("KEYCTL_OUTPUT")
        .env_remove("KEYCTL_ORG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let wait = Duration::from_secs(20);
    for (input, expect) in [(key.as_str(), "VALID"), ("junk", "MALFORMED"), (key.as_str(), "VALID")] {
        writeln!(stdin, "{input}").unwrap();
        stdin.flush().unwrap();
        let line = rx.recv_timeout(wait).expect("an answer while stdin is still open");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["code"], expect, "{line}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn locked_store_exits_3() {
    let s = TestStore::new();
    let (_, key) = s.create_key(&[]);
    let out = s.bare().args(["key", "verify"]).write_stdin(format!("{key}\n")).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "no secret");
    let other = TestStore::new();
    let out = s
        .bare()
        .env("KEYCTL_STORE_KEY", &other.store_key)
        .args(["key", "verify"])
        .write_stdin(format!("{key}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "another store's key");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(&key[8..]), "{err}");
}

#[test]
fn non_utf8_env_var_is_malformed() {
    use std::os::unix::ffi::OsStrExt;
    let s = TestStore::new();
    let out = s
        .cmd()
        .env("API_KEY", std::ffi::OsStr::from_bytes(b"sk-proj-\xff\xfe"))
        .args(["key", "verify", "--from-env", "API_KEY", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "MALFORMED");
}

#[test]
fn checks_run_in_spec_order() {
    // Revoked before expired before project archived (spec section 5).
    let s = TestStore::new();
    s.ok(&["project", "create", "p"]);
    let (revoked_id, revoked) = s.create_key(&["--project", "p", "--ttl", "1s"]);
    let (_, expired) = s.create_key(&["--project", "p", "--ttl", "1s"]);
    let (_, narrow) = s.create_key(&["--project", "p", "--scope", "a:read"]);
    s.ok(&["key", "revoke", &revoked_id]);
    s.ok(&["project", "archive", "p"]);
    s.advance_clock(3); // past the 1s lifetime, without waiting for it
    assert_eq!(code(&s, &revoked, &[]), rejected("REVOKED"));
    assert_eq!(code(&s, &expired, &[]), rejected("EXPIRED"));
    assert_eq!(code(&s, &narrow, &["--require", "b:write"]), rejected("PROJECT_ARCHIVED"));
}
