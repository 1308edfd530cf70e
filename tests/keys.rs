//! Issue 3: issuing, listing, updating, revoking, rotating, expiring and pruning API keys,
//! driven through the binary. Verification codes and tampering live in `tests/verify.rs`.

mod common;

use common::{contains, TestStore};
use serde_json::Value;

const PREFIX: &str = "sk-proj-";
const KEY_LEN: usize = 57; // "sk-proj-" + 43 base62 + 6 checksum

fn assert_key_format(key: &str) {
    assert!(key.starts_with(PREFIX), "prefix: {key}");
    assert_eq!(key.len(), KEY_LEN, "length: {key}");
    assert!(key[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric()), "body and checksum are base62: {key}");
}

fn redacted_of(key: &str) -> String {
    format!("{PREFIX}{}...{}", &key[8..12], &key[key.len() - 4..])
}

fn default_project_id(s: &TestStore) -> String {
    let projects = s.json(&["project", "list"]);
    let default = projects.as_array().unwrap().iter().find(|p| p["is_default"] == true).expect("a default project");
    default["id"].as_str().unwrap().to_owned()
}

fn project_id(s: &TestStore, name: &str) -> String {
    s.json(&["project", "create", name])["id"].as_str().unwrap().to_owned()
}

fn status_ids(s: &TestStore, status: &str) -> Vec<String> {
    let list = s.json(&["key", "list", "--status", status]);
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("key list is an array: {list}"))
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort();
    v.into_iter().map(str::to_owned).collect()
}

fn code(s: &TestStore, key: &str, args: &[&str]) -> (i32, String) {
    let (exit, v) = s.verify(key, args);
    (exit, v["code"].as_str().unwrap_or("<no JSON>").to_owned())
}

fn valid(exit_code: (i32, String)) {
    assert_eq!(exit_code, (0, "VALID".to_owned()));
}

// ---- key create ----

#[test]
fn create_prints_a_well_formed_key_in_the_default_project() {
    let s = TestStore::new();
    let v = s.json(&["key", "create"]);
    let key = v["key"].as_str().unwrap();
    assert_key_format(key);
    assert_eq!(v["project_id"], default_project_id(&s).as_str());
    assert_eq!(v["permission"], "all");
    assert_eq!(v["status"], "active");
    assert_eq!(v["redacted"], redacted_of(key).as_str());
    valid(code(&s, key, &[]));
}

#[test]
fn create_json_has_every_key_object_field_and_the_secret() {
    let s = TestStore::new();
    let pid = project_id(&s, "billing-api");
    let v = s.json(&["key", "create", "ci-deploy", "--project", "billing-api", "--ttl", "1h"]);
    for field in [
        "id",
        "name",
        "project_id",
        "owner",
        "permission",
        "scopes",
        "redacted",
        "status",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "key",
    ] {
        assert!(v.get(field).is_some(), "field {field} missing: {v}");
    }
    assert!(v["id"].as_str().unwrap().starts_with("key_"));
    assert_eq!(v["name"], "ci-deploy");
    assert_eq!(v["project_id"], pid.as_str());
    assert_eq!(v["owner"]["type"], "user");
    assert!(v["owner"]["id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(v["owner"]["name"], "ada@example.com");
    assert_eq!(v["scopes"], serde_json::json!([]));
    assert_eq!(v["revoked_at"], Value::Null);
    assert_eq!(v["last_used_at"], Value::Null);
    let created = chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let ttl = (expires - created).num_seconds();
    assert!((3599..=3601).contains(&ttl), "ttl 1h gave {ttl}s");
    assert_key_format(v["key"].as_str().unwrap());
}

#[test]
fn create_quiet_prints_only_the_key() {
    let s = TestStore::new();
    let out = s.run(&["key", "create", "-q"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.strip_suffix('\n').expect("one line");
    assert!(!key.contains('\n'), "only one line: {stdout:?}");
    assert_key_format(key);
    assert!(out.stderr.is_empty(), "-q is quiet: {}", String::from_utf8_lossy(&out.stderr));
    valid(code(&s, key, &[]));
}

#[test]
fn create_quiet_works_in_shell_command_substitution() {
    let s = TestStore::new();
    s.ok(&["project", "create", "ci"]);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(
            r#"KEY=$("$KEYCTL_BIN" key create --project ci --ttl 15m -q) || exit 90
               printf '%s\n' "$KEY" | "$KEYCTL_BIN" key verify -o json"#,
        )
        .env("KEYCTL_BIN", env!("CARGO_BIN_EXE_keyctl"))
        .env("KEYCTL_STORE", s.location())
        .env("KEYCTL_CONFIG", s.config_path())
        .env("KEYCTL_STORE_KEY", &s.store_key)
        .env_remove("KEYCTL_OUTPUT")
        .env_remove("KEYCTL_ORG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "VALID");
}

#[test]
fn create_table_output_shows_the_key_on_stdout_only() {
    let s = TestStore::new();
    let out = s.run(&["key", "create"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().next().unwrap();
    assert_key_format(key);
    assert!(!contains(&out.stderr, key.as_bytes()), "the secret is printed once, on stdout");
}

#[test]
fn create_count_writes_one_json_line_per_distinct_key() {
    let s = TestStore::new();
    let text = s.ok(&["key", "create", "--count", "5", "-o", "json"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let values: Vec<Value> =
        lines.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let mut keys: Vec<&str> = values.iter().map(|v| v["key"].as_str().unwrap()).collect();
    let mut ids: Vec<&str> = values.iter().map(|v| v["id"].as_str().unwrap()).collect();
    keys.iter().for_each(|k| assert_key_format(k));
    keys.sort();
    keys.dedup();
    ids.sort();
    ids.dedup();
    assert_eq!((keys.len(), ids.len()), (5, 5));
    assert_eq!(s.json(&["key", "list"]).as_array().unwrap().len(), 5);
    let input: String = keys.iter().map(|k| format!("{k}\n")).collect();
    let (exit, results) = s.verify_stream(input.as_bytes(), &[]);
    assert_eq!(exit, 0);
    assert!(results.iter().all(|r| r["code"] == "VALID"), "{results:?}");
}

#[test]
fn scope_implies_restricted() {
    let s = TestStore::new();
    let v = s.json(&["key", "create", "--scope", "models:read", "--scope", "files:write"]);
    assert_eq!(v["permission"], "restricted");
    assert_eq!(v["scopes"], serde_json::json!(["files:write", "models:read"]));
}

#[test]
fn scope_with_permission_all_is_refused() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--permission", "all", "--scope", "models:read"]);
    assert!(exit == 1 || exit == 2, "exit {exit}: {err}");
    assert!(err.contains("--scope"), "{err}");
    let list = s.json(&["key", "list", "--status", "all"]);
    assert_eq!(list, serde_json::json!([]), "nothing was created");
}

#[test]
fn invalid_scopes_exit_2_showing_the_valid_form() {
    let s = TestStore::new();
    for bad in ["models:admin", "Models:read", "models", ":read"] {
        let (exit, err) = s.fails(&["key", "create", "--scope", bad]);
        assert_eq!(exit, 2, "--scope {bad}: {err}");
        assert!(err.contains(bad), "names the bad value: {err}");
        assert!(err.contains("RESOURCE:LEVEL") && err.contains("models:read"), "shows the valid form: {err}");
    }
    assert_eq!(s.json(&["key", "list", "--status", "all"]), serde_json::json!([]));
}

#[test]
fn invalid_durations_exit_2_showing_the_valid_form() {
    let s = TestStore::new();
    for arg in ["--ttl=15x", "--ttl=-1h", "--ttl=h", "--ttl=1.5h"] {
        let (exit, err) = s.fails(&["key", "create", arg]);
        assert_eq!(exit, 2, "{arg}: {err}");
        assert!(err.contains("30s") && err.contains("15m") && err.contains("1h"), "{arg}: shows the valid form: {err}");
    }
    let (exit, err) = s.fails(&["key", "rotate", "whatever", "--grace", "2x"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("15m"), "{err}");
    assert_eq!(s.json(&["key", "list", "--status", "all"]), serde_json::json!([]));
}

#[test]
fn negative_duration_as_a_separate_argument_shows_the_valid_form() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--ttl", "-1h"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("30s") && err.contains("15m"), "shows the valid form: {err}");
}

#[test]
fn zero_ttl_is_refused() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--ttl", "0s"]);
    assert_eq!(exit, 2, "{err}");
    assert_eq!(s.json(&["key", "list", "--status", "all"]), serde_json::json!([]));
}

#[test]
fn create_in_an_archived_project_is_refused() {
    let s = TestStore::new();
    s.ok(&["project", "create", "old"]);
    s.ok(&["project", "archive", "old"]);
    let (exit, err) = s.fails(&["key", "create", "--project", "old"]);
    assert_eq!(exit, 1, "{err}");
    assert!(err.starts_with("keyctl: "), "{err}");
    assert!(err.contains("archived"), "{err}");
    let (exit, err) = s.fails(&["key", "create", "--project", "old", "--count", "3"]);
    assert_eq!(exit, 1, "{err}");
    assert_eq!(s.json(&["key", "list", "--status", "all"]), serde_json::json!([]));
}

#[test]
fn create_in_an_unknown_project_fails() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--project", "nope"]);
    assert_eq!(exit, 1, "{err}");
}

// ---- the secret is shown once ----

#[test]
fn secret_never_appears_in_list_show_json_or_store_file() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&["ci-deploy", "--scope", "models:read"]);
    let text = s.ok(&["key", "create", "--count", "3", "-o", "json"]);
    let batch: Vec<String> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["key"].as_str().unwrap().to_owned()).collect();
    valid(code(&s, &key, &[]));
    let mut secrets = batch;
    secrets.push(key.clone());

    let outputs = [
        s.ok(&["key", "list", "-o", "wide"]),
        s.ok(&["key", "list"]),
        s.ok(&["key", "list", "--status", "all", "-o", "json"]),
        s.ok(&["key", "show", &id]),
        s.ok(&["key", "show", "ci-deploy", "-o", "json"]),
    ];
    for secret in &secrets {
        let body = &secret[PREFIX.len()..];
        for out in &outputs {
            assert!(!out.contains(body), "secret in output: {out}");
        }
        // Half of the random body is already far too much to leak.
        assert!(!contains(&s.file_bytes(), &body.as_bytes()[..20]), "secret bytes found in the store file or WAL");
    }
    let shown = s.json(&["key", "show", &id]);
    assert_eq!(shown["redacted"], redacted_of(&key).as_str());
    assert!(shown.get("key").is_none(), "show has no secret field: {shown}");
    assert!(outputs[0].contains(&redacted_of(&key)), "{}", outputs[0]);
}

#[test]
fn secret_not_in_store_after_revoke_rotate_and_verify() {
    let s = TestStore::new_file();
    let (id, key) = s.create_key(&[]);
    valid(code(&s, &key, &[]));
    let rotated = s.json(&["key", "rotate", &id, "--grace", "1h"]);
    let new_key = rotated["key"].as_str().unwrap().to_owned();
    s.ok(&["key", "revoke", rotated["id"].as_str().unwrap()]);
    let bytes = s.file_bytes();
    for secret in [&key, &new_key] {
        assert!(!contains(&bytes, &secret.as_bytes()[PREFIX.len()..30]));
        assert!(!contains(&bytes, secret.as_bytes()));
    }
    let list = s.ok(&["key", "list", "--status", "all", "-o", "json"]);
    assert!(!list.contains(&new_key[PREFIX.len()..]));
}

// ---- list and show ----

#[test]
fn list_filters_by_status_and_project() {
    let s = TestStore::new();
    s.ok(&["project", "create", "other"]);
    let (active, _) = s.create_key(&["a"]);
    let (elsewhere, _) = s.create_key(&["b", "--project", "other"]);
    let (revoked, _) = s.create_key(&["c"]);
    let (expiring, _) = s.create_key(&["d", "--ttl", "1s"]);
    s.ok(&["key", "revoke", &revoked]);
    s.advance_clock(3); // past the 1s lifetime, without waiting for it

    assert_eq!(status_ids(&s, "active"), sorted(vec![&active, &elsewhere]));
    assert_eq!(status_ids(&s, "revoked"), sorted(vec![&revoked]));
    assert_eq!(status_ids(&s, "expired"), sorted(vec![&expiring]));
    assert_eq!(status_ids(&s, "all"), sorted(vec![&active, &elsewhere, &revoked, &expiring]));
    // Without --status: active keys only.
    let default_list = s.json(&["key", "list"]);
    assert_eq!(default_list.as_array().unwrap().len(), 2, "{default_list}");
    let other = s.json(&["key", "list", "--project", "other"]);
    assert_eq!(other.as_array().unwrap().len(), 1);
    assert_eq!(other[0]["id"], elsewhere.as_str());
    assert_eq!(s.json(&["key", "show", &expiring])["status"], "expired");
    assert_eq!(s.json(&["key", "show", &revoked])["status"], "revoked");
}

#[test]
fn list_table_shows_redacted_keys_and_status() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["ci-deploy"]);
    let table = s.ok(&["key", "list"]);
    assert!(table.contains(&id), "{table}");
    assert!(table.contains("active"), "{table}");
    assert!(table.contains("ci-deploy"), "{table}");
    // Issue 15 item 11: the default table fits 100 columns and names the project; `-o wide`
    // has every column, the redacted key among them.
    assert!(table.contains("Default project"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    let wide = s.ok(&["key", "list", "-o", "wide"]);
    assert!(wide.contains(&redacted_of(&key)) && wide.contains("proj_"), "{wide}");
}

#[test]
fn show_finds_a_key_by_id_and_by_name() {
    let s = TestStore::new();
    // One clock for both shows: `expires_in_seconds` must not tick between them.
    s.set_clock(common::unix_now());
    let (id, key) = s.create_key(&["ci-deploy", "--ttl", "1h"]);
    s.create_key(&["other"]);
    let by_id = s.json(&["key", "show", &id]);
    let by_name = s.json(&["key", "show", "ci-deploy"]);
    assert_eq!(by_id, by_name);
    assert_eq!(by_id["id"], id.as_str());
    assert_eq!(by_id["name"], "ci-deploy");
    assert_eq!(by_id["redacted"], redacted_of(&key).as_str());
    assert_eq!(by_id["status"], "active");
    assert!(by_id["expires_at"].is_string());
    let table = s.ok(&["key", "show", "ci-deploy"]);
    assert!(table.contains(&id) && table.contains(&redacted_of(&key)), "{table}");

    for missing in ["no-such-key", "key_AAAAAAAAAAAAAAAA"] {
        let (exit, err) = s.fails(&["key", "show", missing]);
        assert_eq!(exit, 1, "{missing}: {err}");
        assert!(err.contains("not found"), "{err}");
    }
}

// ---- revoke ----

#[test]
fn revoke_rejects_the_key_and_cannot_be_repeated() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["ci"]);
    valid(code(&s, &key, &[]));
    let v = s.json(&["key", "revoke", &id, "--reason", "leaked in a log"]);
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_at"].is_string());
    assert_eq!(code(&s, &key, &[]), (10, "REVOKED".to_owned()));
    let (exit, err) = s.fails(&["key", "revoke", &id]);
    assert_eq!(exit, 1, "{err}");
    assert!(err.contains("already revoked"), "{err}");
    let (exit, err) = s.fails(&["key", "revoke", "ci"]);
    assert_eq!(exit, 1, "by name too: {err}");
    assert_eq!(s.json(&["key", "show", &id])["status"], "revoked");
}

#[test]
fn revoke_unknown_key_fails() {
    let s = TestStore::new();
    let (exit, _) = s.fails(&["key", "revoke", "key_AAAAAAAAAAAAAAAA"]);
    assert_eq!(exit, 1);
}

// ---- update ----

#[test]
fn update_to_readonly_narrows_what_the_key_allows() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    valid(code(&s, &key, &["--require", "models:write"]));
    let v = s.json(&["key", "update", &id, "--permission", "readonly"]);
    assert_eq!(v["permission"], "readonly");
    assert_eq!(code(&s, &key, &["--require", "models:write"]), (10, "INSUFFICIENT_PERMISSIONS".to_owned()));
    valid(code(&s, &key, &["--require", "models:read"]));
    assert_eq!(s.json(&["key", "show", &id])["permission"], "readonly");
}

#[test]
fn update_scope_replaces_the_scopes() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--scope", "models:read", "--scope", "chat:write"]);
    valid(code(&s, &key, &["--require", "models:read"]));
    let v = s.json(&["key", "update", &id, "--scope", "files:write"]);
    assert_eq!(v["scopes"], serde_json::json!(["files:write"]));
    assert_eq!(v["permission"], "restricted");
    valid(code(&s, &key, &["--require", "files:write"]));
    for gone in ["models:read", "chat:read"] {
        assert_eq!(
            code(&s, &key, &["--require", gone]),
            (10, "INSUFFICIENT_PERMISSIONS".to_owned()),
            "{gone} was replaced"
        );
    }
    assert_eq!(s.json(&["key", "show", &id])["scopes"], serde_json::json!(["files:write"]));
}

#[test]
fn update_name_and_expiry() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["old-name"]);
    let v = s.json(&["key", "update", "old-name", "--name", "new-name", "--ttl", "2h"]);
    assert_eq!(v["name"], "new-name");
    assert!(v["expires_at"].is_string());
    assert_eq!(s.json(&["key", "show", "new-name"])["id"], id.as_str());
    let (_, result) = s.verify(&key, &[]);
    assert_eq!(result["expires_at"], v["expires_at"]);
}

#[test]
fn update_revoked_key_or_nothing_fails() {
    let s = TestStore::new();
    let (id, _) = s.create_key(&[]);
    let (exit, err) = s.fails(&["key", "update", &id]);
    assert_eq!(exit, 2, "nothing to update: {err}");
    s.ok(&["key", "revoke", &id]);
    let (exit, err) = s.fails(&["key", "update", &id, "--permission", "all"]);
    assert_eq!(exit, 1, "{err}");
}

// ---- rotate ----

#[test]
fn rotate_without_grace_revokes_the_old_key_at_once() {
    let s = TestStore::new();
    let (old_id, old_key) = s.create_key(&["ci-deploy", "--scope", "models:read", "--ttl", "1h"]);
    let old = s.json(&["key", "show", &old_id]);
    let new = s.json(&["key", "rotate", &old_id]);
    let new_key = new["key"].as_str().unwrap();
    assert_key_format(new_key);
    assert_ne!(new_key, old_key);
    assert_ne!(new["id"], old_id.as_str());
    for same in ["name", "permission", "scopes", "owner", "project_id"] {
        assert_eq!(new[same], old[same], "{same}");
    }
    assert!(new["expires_at"].is_string(), "keeps a lifetime: {new}");
    assert_eq!(code(&s, &old_key, &[]), (10, "REVOKED".to_owned()));
    valid(code(&s, new_key, &["--require", "models:read"]));
    assert_eq!(code(&s, new_key, &["--require", "models:write"]), (10, "INSUFFICIENT_PERMISSIONS".to_owned()));
    assert_eq!(s.json(&["key", "show", &old_id])["status"], "revoked");
    // By name, the one live key is the successor.
    assert_eq!(s.json(&["key", "show", "ci-deploy"])["id"], new["id"].as_str().unwrap());
}

#[test]
fn rotate_with_grace_keeps_the_old_key_working() {
    let s = TestStore::new();
    let (old_id, old_key) = s.create_key(&["svc", "--permission", "readonly"]);
    let new = s.json(&["key", "rotate", &old_id, "--grace", "1h"]);
    let new_key = new["key"].as_str().unwrap();
    assert_eq!(new["permission"], "readonly");
    assert_eq!(new["name"], "svc");
    valid(code(&s, &old_key, &[]));
    valid(code(&s, new_key, &[]));
    let old = s.json(&["key", "show", &old_id]);
    let ends = chrono::DateTime::parse_from_rfc3339(old["revoked_at"].as_str().unwrap()).unwrap();
    let left = (ends.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    assert!((3500..=3601).contains(&left), "old key ends in 1h: {left}s");
}

#[test]
fn rotate_table_output_prints_only_the_new_key_on_stdout() {
    let s = TestStore::new();
    let (id, _) = s.create_key(&[]);
    let out = s.run(&["key", "rotate", &id, "-q"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.trim_end();
    assert_key_format(key);
    valid(code(&s, key, &[]));
}

#[test]
fn rotate_revoked_key_is_refused() {
    let s = TestStore::new();
    let (id, _) = s.create_key(&[]);
    s.ok(&["key", "revoke", &id]);
    let (exit, err) = s.fails(&["key", "rotate", &id]);
    assert_eq!(exit, 1, "{err}");
}

// ---- expiry and prune ----

#[test]
fn expired_key_is_rejected_and_pruned_with_revoked_ones() {
    let s = TestStore::new();
    let (active_id, active_key) = s.create_key(&["keep", "--ttl", "1h"]);
    let (forever_id, _) = s.create_key(&["forever"]);
    let (expiring_id, expiring_key) = s.create_key(&["short", "--ttl", "1s"]);
    let (revoked_id, _) = s.create_key(&["gone"]);
    s.ok(&["key", "revoke", &revoked_id]);
    s.advance_clock(3); // past the 1s lifetime, without waiting for it

    let (exit, v) = s.verify(&expiring_key, &[]);
    assert_eq!((exit, v["code"].as_str()), (10, Some("EXPIRED")), "{v}");
    assert_eq!(v["key_id"], expiring_id.as_str());

    // Ended less than an hour ago: kept.
    let pruned = s.json(&["key", "prune", "--older-than", "1h"]);
    assert_eq!(pruned, serde_json::json!([]));
    s.ok(&["key", "show", &revoked_id]);

    let pruned = s.json(&["key", "prune"]);
    let mut ids: Vec<&str> = pruned.as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, sorted(vec![&expiring_id, &revoked_id]));
    for gone in [&expiring_id, &revoked_id] {
        assert_eq!(s.fails(&["key", "show", gone]).0, 1, "{gone} pruned");
    }
    for kept in [&active_id, &forever_id] {
        assert_eq!(s.json(&["key", "show", kept])["status"], "active");
    }
    valid(code(&s, &active_key, &[]));
    assert_eq!(status_ids(&s, "all"), sorted(vec![&active_id, &forever_id]));
    // A pruned key is unknown now.
    assert_eq!(code(&s, &expiring_key, &[]), (10, "NOT_FOUND".to_owned()));
}

#[test]
fn expires_at_in_the_past_is_refused() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--expires-at", "2000-01-01T00:00:00Z"]);
    assert!(exit == 1 || exit == 2, "{exit}: {err}");
    let v = s.json(&["key", "create", "--expires-at", "2999-01-01T00:00:00Z"]);
    assert_eq!(v["expires_at"], "2999-01-01T00:00:00Z");
}

#[test]
fn rotated_key_stops_working_when_the_grace_period_ends() {
    let s = TestStore::new();
    let (old_id, old_key) = s.create_key(&["ci"]);
    let new = s.json(&["key", "rotate", &old_id, "--grace", "1s"]);
    valid(code(&s, &old_key, &["--no-record"]));
    let (exit, err) = s.fails(&["key", "rotate", &old_id]);
    assert_eq!(exit, 1, "rotate the successor instead: {err}");
    s.advance_clock(3); // past the 1s lifetime, without waiting for it
    assert_eq!(code(&s, &old_key, &[]), (10, "REVOKED".to_owned()));
    valid(code(&s, new["key"].as_str().unwrap(), &[]));
    assert_eq!(s.json(&["key", "show", &old_id])["status"], "revoked");
}

#[test]
fn count_zero_is_a_usage_error() {
    let s = TestStore::new();
    let (exit, err) = s.fails(&["key", "create", "--count", "0"]);
    assert_eq!(exit, 2, "{err}");
    assert_eq!(s.json(&["key", "list", "--status", "all"]), serde_json::json!([]));
}

#[test]
fn update_scope_on_an_all_key_makes_it_restricted() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    let v = s.json(&["key", "update", &id, "--scope", "models:read"]);
    assert_eq!(v["permission"], "restricted");
    assert_eq!(v["scopes"], serde_json::json!(["models:read"]));
    assert_eq!(code(&s, &key, &["--require", "models:write"]), (10, "INSUFFICIENT_PERMISSIONS".to_owned()));
    let (exit, err) = s.fails(&["key", "update", &id, "--permission", "all", "--scope", "a:read"]);
    assert!(exit == 1 || exit == 2, "{exit}: {err}");
}

#[test]
fn last_used_appears_in_list_and_show_after_a_verify() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&[]);
    assert_eq!(s.json(&["key", "list"])[0]["last_used_at"], Value::Null);
    valid(code(&s, &key, &[]));
    let shown = s.json(&["key", "show", &id]);
    assert!(shown["last_used_at"].is_string(), "{shown}");
    assert_eq!(s.json(&["key", "list"])[0]["last_used_at"], shown["last_used_at"]);
}

// ---- behaviour settled after the README review -------------------------------------------

#[test]
fn a_name_still_resolves_during_a_rotation_grace() {
    let s = TestStore::new();
    let (old, _) = s.create_key(&["nightly"]);
    let rotated = s.json(&["key", "rotate", "nightly", "--grace", "24h"]);
    let new = rotated["id"].as_str().unwrap();
    assert_ne!(new, old);
    // The successor wins over the predecessor still in its grace period.
    assert_eq!(s.json(&["key", "show", "nightly"])["id"], new);
    let again = s.json(&["key", "rotate", "nightly", "--grace", "24h"]);
    assert_eq!(again["previous"]["id"], new);
}

#[test]
fn quiet_wins_over_the_output_format() {
    let s = TestStore::new();
    let out = s.cmd().env("KEYCTL_OUTPUT", "json").args(["key", "create", "-q"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.trim().starts_with("sk-proj-") && text.lines().count() == 1, "{text}");
    let (id, _) = s.create_key(&[]);
    let out = s.cmd().env("KEYCTL_OUTPUT", "json").args(["key", "rotate", &id, "-q"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().trim().starts_with("sk-proj-"));
}

#[test]
fn an_ip_allowlist_can_be_cleared() {
    let s = TestStore::new();
    let (id, key) = s.create_key(&["--allow-ip", "10.0.0.0/8"]);
    assert_eq!(s.verify(&key, &[]).1["code"], "IP_NOT_ALLOWED");
    let v = s.json(&["key", "update", &id, "--clear-allow-ip"]);
    assert_eq!(v["allow_ip"], serde_json::json!([]));
    assert_eq!(s.verify(&key, &[]).1["code"], "VALID");
}

#[test]
fn the_config_max_ttl_caps_every_new_key() {
    let s = TestStore::new();
    std::fs::write(s.config_path(), "max_ttl = \"1h\"\n").unwrap();
    let too_long = s.fails(&["key", "create", "--ttl", "2h"]);
    assert_eq!(too_long.0, 1, "{}", too_long.1);
    assert!(too_long.1.contains("max_ttl"), "{}", too_long.1);
    let k = s.json(&["key", "create"]);
    assert!(k["expires_at"].is_string(), "no --ttl gets the cap: {k}");
    s.ok(&["org", "upgrade", "acme"]);
    let sa = s.json(&["sa", "create", "bot"]);
    assert!(sa["key_info"]["expires_at"].is_string(), "{sa}");
    std::fs::write(s.config_path(), "").unwrap();
    let (id, _) = s.create_key(&[]);
    std::fs::write(s.config_path(), "max_ttl = \"1h\"\n").unwrap();
    let rotated = s.json(&["key", "rotate", &id]);
    assert!(rotated["expires_at"].is_string(), "a rotated successor is capped too: {rotated}");
}
