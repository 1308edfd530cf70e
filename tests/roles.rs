//! Issue 4: members and roles. `member add|list|show|set-role|remove`, the owner identity,
//! keys issued to members, the effective permission verify reports (the lower of the key's
//! permission and its owner's role, that role being the higher of the org-wide and project
//! roles), and member rows edited with plain SQL.

mod common;
#[path = "common/permission_table.rs"]
mod permission_table;

use common::verdict_no_record as verdict;
use common::{assert_one_line_error, code, rejected, stderr_of, stdout_of, valid, TestStore};
use permission_table::{key_args, mismatches, LEVELS, TABLE};
use serde_json::{json, Value};

const ADA: &str = "ada@example.com";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// `member add EMAIL ARGS...`; returns the member's JSON.
fn add(s: &TestStore, email: &str, args: &[&str]) -> Value {
    s.json(&[&["member", "add", email], args].concat())
}

fn project(s: &TestStore, name: &str) -> String {
    id(&s.json(&["project", "create", name]))
}

/// A key owned by `email`, with more `key create` arguments; returns (key id, secret).
fn key_for(s: &TestStore, email: &str, args: &[&str]) -> (String, String) {
    s.create_key(&[&["--owner", email], args].concat())
}

/// Verify's (exit code, code), without counting a use.
/// The effective permission of a key that must verify as valid.
fn permission(s: &TestStore, key: &str) -> String {
    let (exit, v) = s.verify(key, &["--no-record"]);
    assert_eq!((exit, &v["code"]), (0, &json!("VALID")), "{v}");
    v["permission"].as_str().unwrap_or_else(|| panic!("no permission in {v}")).to_owned()
}

fn emails(list: &Value) -> Vec<String> {
    let list = list.as_array().unwrap_or_else(|| panic!("not an array: {list}"));
    let mut out: Vec<String> = list.iter().map(|m| m["email"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

fn member_count(s: &TestStore) -> usize {
    s.json(&["member", "list"]).as_array().unwrap().len()
}

/// Asserts a failed run's exit code and one-line error, which must mention every needle.
fn assert_fails(s: &TestStore, args: &[&str], rc: i32, needles: &[&str]) {
    let out = s.run(args);
    assert_eq!(code(&out), rc, "{args:?}: {}{}", stdout_of(&out), stderr_of(&out));
    assert_one_line_error(&out);
    for n in needles {
        assert!(stderr_of(&out).contains(n), "{args:?}: {n:?} not in {}", stderr_of(&out));
    }
}

/// A command-line mistake caught by the parser: exit 2, nothing on stdout.
fn assert_usage_error(s: &TestStore, args: &[&str]) {
    let out = s.run(args);
    assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "{args:?}: {}", stdout_of(&out));
}

// ---- effective permission: every key permission × every owner role -----------------------

fn owner_with_role(role: &str) -> &'static str {
    match role {
        "all" => ADA,
        "restricted" => "rita@example.com",
        "readonly" => "otto@example.com",
        other => panic!("no such role: {other}"),
    }
}

/// A store whose members hold each org-wide role: ada (init owner) all, rita restricted,
/// otto readonly.
fn one_member_per_role() -> TestStore {
    let s = TestStore::new();
    add(&s, "rita@example.com", &["--role", "restricted"]);
    add(&s, "otto@example.com", &["--role", "readonly"]);
    s
}

#[test]
fn the_table_covers_every_pair_once() {
    for key in LEVELS {
        for role in LEVELS {
            let n = TABLE.iter().filter(|c| c.key == key && c.role == role).count();
            assert_eq!(n, 1, "key {key} × role {role} appears {n} times");
        }
    }
}

#[test]
fn effective_permission_for_every_key_permission_and_member_role() {
    let s = one_member_per_role();
    let mut wrong = Vec::new();
    for cell in permission_table::cells(false) {
        let (_, key) = key_for(&s, owner_with_role(cell.role), key_args(cell.key));
        wrong.extend(mismatches(&s, &key, cell));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn a_readonly_owner_never_widens_a_restricted_keys_scopes() {
    let s = one_member_per_role();
    let mut wrong = Vec::new();
    for cell in permission_table::cells(true) {
        let (_, key) = key_for(&s, owner_with_role(cell.role), key_args(cell.key));
        wrong.extend(mismatches(&s, &key, cell));
    }
    // The same key with its owner at `all` refuses files:read: demoting must not widen it.
    let (_, key) = key_for(&s, "otto@example.com", &["--scope", "models:write"]);
    for (scope, want) in [
        ("models:read", valid()),
        ("models:write", rejected("INSUFFICIENT_PERMISSIONS")),
        ("files:read", rejected("INSUFFICIENT_PERMISSIONS")),
    ] {
        let got = verdict(&s, &key, &["--require", scope]);
        if got != want {
            wrong.push(format!("models:write key × role readonly: --require {scope} gave {got:?}"));
        }
    }
    // Demoting the owner of a restricted key must not let it read what it could not before.
    add(&s, "bob@example.com", &["--role", "all"]);
    let (_, key) = key_for(&s, "bob@example.com", &["--scope", "models:read"]);
    let before = verdict(&s, &key, &["--require", "files:read"]);
    assert_eq!(before, rejected("INSUFFICIENT_PERMISSIONS"));
    s.ok(&["member", "set-role", "bob@example.com", "readonly"]);
    let after = verdict(&s, &key, &["--require", "files:read"]);
    if after != before {
        wrong.push(format!("demoting bob to readonly widened his models:read key: files:read gave {after:?}"));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn demoting_narrows_keys_at_once_and_raising_restores_up_to_the_keys_own() {
    let s = TestStore::new();
    add(&s, "bob@example.com", &["--role", "all"]);
    let (_, all_key) = key_for(&s, "bob@example.com", &[]);
    let (_, ro_key) = key_for(&s, "bob@example.com", &["--permission", "readonly"]);
    assert_eq!(permission(&s, &all_key), "all");
    assert_eq!(verdict(&s, &all_key, &["--require", "models:write"]), valid());

    s.ok(&["member", "set-role", "bob@example.com", "readonly"]);
    assert_eq!(permission(&s, &all_key), "readonly");
    assert_eq!(verdict(&s, &all_key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    assert_eq!(verdict(&s, &all_key, &["--require", "models:read"]), valid());

    s.ok(&["member", "set-role", "bob@example.com", "restricted"]);
    assert_eq!(permission(&s, &all_key), "restricted");
    assert_eq!(permission(&s, &ro_key), "readonly");

    s.ok(&["member", "set-role", "bob@example.com", "all"]);
    assert_eq!(permission(&s, &all_key), "all");
    assert_eq!(verdict(&s, &all_key, &["--require", "models:write"]), valid());
    // Raising the owner never lifts a key above its own permission.
    assert_eq!(permission(&s, &ro_key), "readonly");
    assert_eq!(verdict(&s, &ro_key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
}

// ---- org-wide and project roles ----------------------------------------------------------

#[test]
fn a_members_role_in_a_project_is_the_higher_of_its_org_and_project_roles() {
    let s = TestStore::new();
    let p1 = project(&s, "p1");
    // bob: org readonly, p1 all → all in p1, readonly elsewhere.
    add(&s, "bob@example.com", &["--role", "readonly"]);
    let v = add(&s, "bob@example.com", &["--project", "p1", "--role", "all"]);
    assert_eq!(v["role"], "readonly");
    assert_eq!(v["project_roles"], json!({ p1.clone(): "all" }));
    let (_, bob_p1) = key_for(&s, "bob@example.com", &["--project", "p1"]);
    let (_, bob_default) = key_for(&s, "bob@example.com", &[]);
    assert_eq!(permission(&s, &bob_p1), "all");
    assert_eq!(permission(&s, &bob_default), "readonly");

    // eve: org all, p1 readonly → still all in p1 (the project role cannot lower it).
    add(&s, "eve@example.com", &["--role", "all"]);
    add(&s, "eve@example.com", &["--project", "p1", "--role", "readonly"]);
    let (_, eve_p1) = key_for(&s, "eve@example.com", &["--project", "p1"]);
    assert_eq!(permission(&s, &eve_p1), "all");

    // Changing either role moves the result, and only in its own scope.
    s.ok(&["member", "set-role", "bob@example.com", "restricted", "--project", "p1"]);
    assert_eq!(permission(&s, &bob_p1), "restricted");
    assert_eq!(permission(&s, &bob_default), "readonly");
    s.ok(&["member", "set-role", "bob@example.com", "all"]);
    assert_eq!(permission(&s, &bob_p1), "all");
    assert_eq!(permission(&s, &bob_default), "all");
    s.ok(&["member", "set-role", "eve@example.com", "readonly"]);
    assert_eq!(permission(&s, &eve_p1), "readonly");

    let v = s.json(&["member", "show", "bob@example.com"]);
    assert_eq!((&v["role"], &v["project_roles"]), (&json!("all"), &json!({ p1: "restricted" })));
}

#[test]
fn a_project_role_alone_gives_access_to_that_project_only() {
    let s = TestStore::new();
    let p1 = project(&s, "p1");
    let v = add(&s, "carol@example.com", &["--project", "p1", "--role", "restricted"]);
    assert_eq!(v["role"], Value::Null);
    assert_eq!(v["project_roles"], json!({ p1: "restricted" }));
    let (_, key) = key_for(&s, "carol@example.com", &["--project", "p1"]);
    assert!(key.starts_with("sk-proj-"), "{key}");
    assert_eq!(permission(&s, &key), "restricted");
    assert_fails(&s, &["key", "create", "--owner", "carol@example.com"], 1, &["carol@example.com", "no role"]);
}

#[test]
fn keys_cannot_be_issued_to_members_without_a_role_in_the_project() {
    let s = TestStore::new();
    project(&s, "p1");
    let v = add(&s, "dan@example.com", &[]);
    assert_eq!((&v["role"], &v["project_roles"]), (&Value::Null, &json!({})));
    let before = s.json(&["key", "list", "--status", "all"]).as_array().unwrap().len();
    assert_fails(&s, &["key", "create", "--owner", "dan@example.com"], 1, &["dan@example.com"]);
    assert_fails(&s, &["key", "create", "--owner", "dan@example.com", "--project", "p1"], 1, &["dan@example.com"]);
    assert_fails(&s, &["key", "create", "--owner", "nobody@example.com"], 1, &["nobody@example.com"]);
    assert_eq!(s.json(&["key", "list", "--status", "all"]).as_array().unwrap().len(), before, "no key was made");

    // Once dan has a role, by email or by id, the key is his.
    let dan = id(&s.json(&["member", "set-role", "dan@example.com", "readonly"]));
    let v = s.json(&["key", "create", "--owner", &dan]);
    assert_eq!(v["owner"], json!({ "type": "user", "id": dan, "name": "dan@example.com" }));
    assert_eq!(permission(&s, v["key"].as_str().unwrap()), "readonly");
}

// ---- removal -----------------------------------------------------------------------------

#[test]
fn removal_from_a_project_gives_owner_removed_and_re_adding_restores_the_key() {
    let s = TestStore::new();
    let p1 = project(&s, "p1");
    let carol = id(&add(&s, "carol@example.com", &["--name", "Carol", "--project", "p1", "--role", "all"]));
    let (_, key) = key_for(&s, "carol@example.com", &["--project", "p1"]);
    assert_eq!(permission(&s, &key), "all");

    let out = s.run(&["member", "remove", "carol@example.com", "--project", "p1"]);
    assert_eq!(code(&out), 0, "project removal needs no --yes: {}", stderr_of(&out));
    let (exit, v) = s.verify(&key, &[]);
    assert_eq!((exit, &v["code"], &v["valid"]), (10, &json!("OWNER_REMOVED"), &json!(false)), "{v}");
    assert_eq!(v["owner"], json!({ "type": "user", "id": carol, "name": "Carol" }));
    // Still a member of the org, with no role in p1; no new key for p1.
    let v = s.json(&["member", "show", "carol@example.com"]);
    assert_eq!(v["project_roles"], json!({}));
    assert_fails(&s, &["key", "create", "--owner", "carol@example.com", "--project", "p1"], 1, &[]);
    assert_fails(&s, &["member", "remove", "carol@example.com", "--project", "p1"], 1, &["carol@example.com"]);

    // Re-adding to the project revives the same key, capped by the new role.
    add(&s, "carol@example.com", &["--project", "p1", "--role", "readonly"]);
    assert_eq!(permission(&s, &key), "readonly");
    s.ok(&["member", "remove", "carol@example.com", "--project", &p1]);
    assert_eq!(verdict(&s, &key, &[]), rejected("OWNER_REMOVED"));
    s.ok(&["member", "set-role", "carol@example.com", "all", "--project", "p1"]);
    assert_eq!(permission(&s, &key), "all");
}

#[test]
fn removal_from_a_project_leaves_keys_the_org_role_still_covers() {
    let s = TestStore::new();
    project(&s, "p1");
    add(&s, "bob@example.com", &["--role", "readonly"]);
    add(&s, "bob@example.com", &["--project", "p1", "--role", "all"]);
    let (_, key) = key_for(&s, "bob@example.com", &["--project", "p1"]);
    assert_eq!(permission(&s, &key), "all");
    s.ok(&["member", "remove", "bob@example.com", "--project", "p1"]);
    assert_eq!(permission(&s, &key), "readonly");
    // An org-wide role is no role "of its own" in the project: nothing to remove there.
    assert_fails(&s, &["member", "remove", "bob@example.com", "--project", "p1"], 1, &[]);
    assert_eq!(permission(&s, &key), "readonly");
}

#[test]
fn removal_from_the_org_needs_yes_and_revokes_every_key_of_the_member() {
    let s = TestStore::new();
    project(&s, "p1");
    let bob = id(&add(&s, "bob@example.com", &["--role", "restricted"]));
    let (k1, key1) = key_for(&s, "bob@example.com", &[]);
    let (_, key2) = key_for(&s, "bob@example.com", &["--project", "p1"]);
    let (_, ada_key) = s.create_key(&[]);

    let out = s.run_stdin(&["member", "remove", "bob@example.com"], "bob@example.com\n");
    assert_eq!(code(&out), 2, "without --yes on a non-terminal: {}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("--yes"), "{}", stderr_of(&out));
    assert_eq!(verdict(&s, &key1, &[]), valid());

    let v = s.json(&["member", "remove", "bob@example.com", "--yes"]);
    assert_eq!((id(&v), &v["email"]), (bob.clone(), &json!("bob@example.com")));
    assert_eq!(verdict(&s, &key1, &[]), rejected("REVOKED"));
    assert_eq!(verdict(&s, &key2, &[]), rejected("REVOKED"));
    assert_eq!(s.json(&["key", "show", &k1])["status"], "revoked");
    assert_eq!(verdict(&s, &ada_key, &[]), valid(), "other members' keys are untouched");
    assert_fails(&s, &["member", "show", "bob@example.com"], 1, &["bob@example.com"]);
    assert_fails(&s, &["member", "show", &bob], 1, &[]);
    assert_eq!(emails(&s.json(&["member", "list"])), [ADA]);

    // Coming back is a new membership: the old keys stay revoked.
    let again = add(&s, "bob@example.com", &["--role", "all"]);
    assert_ne!(id(&again), bob);
    assert_eq!(verdict(&s, &key1, &[]), rejected("REVOKED"));
    let (_, fresh) = key_for(&s, "bob@example.com", &[]);
    assert_eq!(permission(&s, &fresh), "all");
}

#[test]
fn the_last_member_with_role_all_cannot_be_demoted_or_removed() {
    let s = TestStore::new();
    let (_, ada_key) = s.create_key(&[]);
    for role in ["restricted", "readonly"] {
        assert_fails(&s, &["member", "set-role", ADA, role], 1, &[ADA, "last"]);
    }
    assert_fails(&s, &["member", "remove", ADA, "--yes"], 1, &[ADA, "last"]);
    assert_eq!(s.json(&["member", "show", ADA])["role"], "all");
    assert_eq!(permission(&s, &ada_key), "all", "a refused removal revokes nothing");

    // A project role of all does not count as an org-wide one.
    project(&s, "p1");
    add(&s, "bob@example.com", &["--project", "p1", "--role", "all"]);
    assert_fails(&s, &["member", "set-role", ADA, "readonly"], 1, &[ADA]);

    // With a second one, the first may go; then the second is the last.
    s.ok(&["member", "set-role", "bob@example.com", "all"]);
    s.ok(&["member", "set-role", ADA, "readonly"]);
    assert_eq!(permission(&s, &ada_key), "readonly");
    assert_fails(&s, &["member", "set-role", "bob@example.com", "restricted"], 1, &["bob@example.com"]);
    assert_fails(&s, &["member", "remove", "bob@example.com", "--yes"], 1, &["bob@example.com"]);
    s.ok(&["member", "set-role", ADA, "all"]);
    s.ok(&["member", "remove", "bob@example.com", "--yes"]);
    assert_eq!(emails(&s.json(&["member", "list"])), [ADA]);
}

// ---- the owner identity, adding, listing, validation ---------------------------------------

#[test]
fn the_init_owner_is_a_member_with_role_all_in_every_org() {
    let s = TestStore::new();
    let beta = id(&s.json(&["org", "create", "beta"]));
    for org in ["acme", "beta"] {
        let list = s.json(&["member", "list", "--org", org]);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{org}: {list:?}");
        let m = &list[0];
        assert_eq!((&m["email"], &m["role"], &m["is_owner"]), (&json!(ADA), &json!("all"), &json!(true)), "{m}");
    }
    let in_beta = id(&s.json(&["member", "show", ADA, "--org", "beta"]));
    assert_eq!(s.json(&["member", "show", &in_beta, "--org", "beta"])["org_id"], beta.as_str());
    // A key made without --owner belongs to the owner's membership in that org.
    let (_, key) = s.create_key(&["--org", "beta"]);
    let (_, v) = s.verify(&key, &[]);
    assert_eq!(v["owner"], json!({ "type": "user", "id": in_beta, "name": ADA }));
    // Members added later are not owners.
    assert_eq!(add(&s, "bob@example.com", &["--role", "all", "--org", "acme"])["is_owner"], false);
}

#[test]
fn member_json_has_the_spec_fields() {
    let s = TestStore::new();
    let org = id(&s.json(&["org", "show"]));
    let p1 = project(&s, "p1");
    let v = add(&s, "Bob@Example.COM", &["--name", "Bob", "--role", "readonly"]);
    let bob = id(&v);
    assert!(bob.starts_with("user_"), "{v}");
    assert_eq!(v["org_id"], org.as_str());
    assert_eq!(v["email"], "bob@example.com", "emails are kept in lower case");
    assert_eq!(v["name"], "Bob");
    assert_eq!(v["role"], "readonly");
    assert_eq!(v["project_roles"], json!({}));
    let v = add(&s, "bob@example.com", &["--project", "p1", "--role", "all"]);
    assert_eq!(v["project_roles"], json!({ p1.clone(): "all" }));
    assert_eq!(v["name"], "Bob");
    // show by id and by email in any case; list is an array of the same objects.
    let by_id = s.json(&["member", "show", &bob]);
    assert_eq!(by_id, s.json(&["member", "show", "BOB@example.com"]));
    assert_eq!(by_id, v);
    let list = s.json(&["member", "list"]);
    assert!(list.as_array().unwrap().contains(&v), "{list}");
    assert_eq!(s.ok(&["member", "show", "bob@example.com", "-q"]).trim(), bob);
    assert_eq!(s.ok(&["member", "set-role", "bob@example.com", "all", "-q"]).trim(), bob);
    // The table shows the same member.
    let table = s.ok(&["member", "list"]);
    assert!(table.contains("bob@example.com") && table.contains("p1=all") && !table.contains(&p1), "{table}");
    let wide = s.ok(&["member", "list", "-o", "wide"]);
    assert!(wide.contains(&p1), "-o wide keeps the ids: {wide}");
}

#[test]
fn member_list_by_project_shows_those_with_a_role_there() {
    let s = TestStore::new();
    project(&s, "p1");
    project(&s, "p2");
    add(&s, "bob@example.com", &["--role", "readonly"]);
    add(&s, "carol@example.com", &["--project", "p1", "--role", "restricted"]);
    add(&s, "dan@example.com", &["--project", "p2", "--role", "all"]);
    add(&s, "erin@example.com", &[]);
    let all = [ADA, "bob@example.com", "carol@example.com", "dan@example.com", "erin@example.com"];
    assert_eq!(emails(&s.json(&["member", "list"])), all);
    assert_eq!(emails(&s.json(&["member", "list", "--project", "p1"])), [ADA, "bob@example.com", "carol@example.com"]);
    assert_eq!(emails(&s.json(&["member", "list", "--project", "p2"])), [ADA, "bob@example.com", "dan@example.com"]);
    assert_fails(&s, &["member", "list", "--project", "nope"], 1, &["nope"]);
}

#[test]
fn bad_emails_exit_2_and_add_nobody() {
    let s = TestStore::new();
    let before = member_count(&s);
    for bad in [
        "",
        "bob",
        "@example.com",
        "bob@",
        "bob@@example.com",
        "bob@.example.com",
        "bob@example.com.",
        "bob@exa..mple.com",
        "bob smith@example.com",
        "bob\u{1}@example.com",
        "bob\n@example.com",
    ] {
        let out = s.run(&["member", "add", bad, "--role", "readonly"]);
        assert_eq!(code(&out), 2, "{bad:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        assert!(stderr_of(&out).contains("email"), "{bad:?}: {}", stderr_of(&out));
    }
    assert_eq!(member_count(&s), before);
    assert_fails(&s, &["member", "add", &format!("{}@example.com", "a".repeat(250))], 2, &[]);
    assert_fails(&s, &["member", "set-role", "not-an-email", "all"], 2, &[]);
    assert_fails(&s, &["key", "create", "--owner", "not-an-email"], 2, &[]);
}

#[test]
fn emails_are_unique_per_org_case_insensitively() {
    let s = TestStore::new();
    add(&s, "Bob@Example.com", &["--role", "readonly"]);
    for again in ["bob@example.com", "BOB@EXAMPLE.COM", " bob@example.com "] {
        assert_fails(&s, &["member", "add", again, "--role", "all"], 1, &["bob@example.com"]);
    }
    assert_fails(&s, &["member", "add", ADA], 1, &[ADA]);
    assert_eq!(s.json(&["member", "show", "bob@example.com"])["role"], "readonly", "the conflict changed nothing");
    // Another org is another namespace.
    s.ok(&["org", "create", "beta"]);
    assert_eq!(add(&s, "bob@example.com", &["--role", "all", "--org", "beta"])["role"], "all");
    assert_eq!(s.json(&["member", "list", "--org", "acme"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_project_role_needs_a_role_and_is_given_once() {
    let s = TestStore::new();
    project(&s, "p1");
    let before = member_count(&s);
    assert_fails(&s, &["member", "add", "carol@example.com", "--project", "p1"], 2, &["--role"]);
    assert_eq!(member_count(&s), before);
    add(&s, "carol@example.com", &["--project", "p1", "--role", "readonly"]);
    assert_fails(&s, &["member", "add", "carol@example.com", "--project", "p1", "--role", "all"], 1, &["set-role"]);
    assert_eq!(s.json(&["member", "show", "carol@example.com"])["project_roles"].as_object().unwrap().len(), 1);
    assert_fails(&s, &["member", "add", "zed@example.com", "--project", "nope", "--role", "all"], 1, &["nope"]);
    assert_eq!(member_count(&s), before + 1, "a refused add made no member");
}

#[test]
fn unknown_members_roles_and_projects_are_refused() {
    let s = TestStore::new();
    add(&s, "bob@example.com", &[]);
    assert_fails(&s, &["member", "show", "nobody@example.com"], 1, &["nobody@example.com"]);
    assert_fails(&s, &["member", "set-role", "nobody@example.com", "all"], 1, &["nobody@example.com"]);
    assert_fails(&s, &["member", "remove", "nobody@example.com", "--yes"], 1, &["nobody@example.com"]);
    assert_fails(&s, &["member", "set-role", "bob@example.com", "all", "--project", "nope"], 1, &["nope"]);
    assert_fails(&s, &["member", "remove", "bob@example.com", "--project", "nope"], 1, &["nope"]);
    assert_usage_error(&s, &["member", "add", "carol@example.com", "--role", "owner"]);
    assert_usage_error(&s, &["member", "set-role", "bob@example.com", "admin"]);
    assert_usage_error(&s, &["member", "set-role", "bob@example.com"]);
    assert_usage_error(&s, &["member", "add"]);
    // Members of one org are not reachable from another.
    s.ok(&["org", "create", "beta"]);
    assert_fails(&s, &["member", "show", "bob@example.com", "--org", "beta"], 1, &[]);
}

// ---- verify names the owner --------------------------------------------------------------

#[test]
fn verify_names_the_member_that_owns_the_key() {
    let s = TestStore::new();
    let org = id(&s.json(&["org", "show"]));
    let bob = id(&add(&s, "bob@example.com", &["--name", "Bob Builder", "--role", "restricted"]));
    let carol = id(&add(&s, "carol@example.com", &["--role", "readonly"]));
    let (bob_key_id, bob_key) = key_for(&s, "bob@example.com", &[]);
    let (_, carol_key) = key_for(&s, "carol@example.com", &[]);
    let (exit, v) = s.verify(&bob_key, &[]);
    assert_eq!(exit, 0, "{v}");
    assert_eq!(v["owner"], json!({ "type": "user", "id": bob, "name": "Bob Builder" }));
    assert_eq!((&v["key_id"], &v["org_id"]), (&json!(bob_key_id), &json!(org)));
    assert_eq!((&v["permission"], &v["scopes"]), (&json!("restricted"), &json!(["*:write"])));
    let (_, v) = s.verify(&carol_key, &[]);
    assert_eq!(v["owner"], json!({ "type": "user", "id": carol, "name": "carol@example.com" }));
    // key show and key list name the same owner.
    assert_eq!(s.json(&["key", "show", &bob_key_id])["owner"]["name"], "Bob Builder");
}

// ---- integrity: member rows edited with plain SQL ----------------------------------------

/// Members bob (all) and otto (readonly), each with an `all` key; returns their ids and
/// otto's key.
fn admin_and_reader(s: &TestStore) -> (String, String, String) {
    let bob = id(&add(s, "bob@example.com", &["--role", "all"]));
    let otto = id(&add(s, "otto@example.com", &["--role", "readonly"]));
    let (_, key) = key_for(s, "otto@example.com", &[]);
    assert_eq!(verdict(s, &key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    (bob, otto, key)
}

fn payload(s: &TestStore, table: &str, id: &str) -> Vec<u8> {
    s.sql().query_row(&format!("SELECT payload FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).unwrap()
}

fn set_payload(s: &TestStore, table: &str, id: &str, payload: &[u8]) {
    let n = s
        .sql()
        .execute(&format!("UPDATE {table} SET payload = ?1 WHERE id = ?2"), rusqlite::params![payload, id])
        .unwrap();
    assert_eq!(n, 1, "{table} row {id}");
}

/// A raised role is caught: see `common::assert_raise_caught`; `member list` exits 4 too.
fn assert_raise_caught(s: &TestStore, key: &str, ids: &[&str]) {
    common::assert_raise_caught(s, key, ids, &["member", "list", "-o", "json"]);
}

#[test]
fn an_admins_payload_copied_over_a_readonly_member_is_caught() {
    let s = TestStore::new_file();
    let (bob, otto, key) = admin_and_reader(&s);
    set_payload(&s, "members", &otto, &payload(&s, "members", &bob));
    assert_raise_caught(&s, &key, &[&otto]);
    assert_fails(&s, &["member", "show", &otto], 4, &[]);
    assert_fails(&s, &["member", "set-role", &otto, "readonly"], 4, &[]);
}

#[test]
fn member_payloads_swapped_are_caught() {
    let s = TestStore::new_file();
    let (bob, otto, key) = admin_and_reader(&s);
    let (pb, po) = (payload(&s, "members", &bob), payload(&s, "members", &otto));
    set_payload(&s, "members", &bob, &po);
    set_payload(&s, "members", &otto, &pb);
    assert_raise_caught(&s, &key, &[&bob, &otto]);
}

#[test]
fn a_member_row_given_an_admins_lookup_and_payload_is_caught() {
    let s = TestStore::new_file();
    let (bob, otto, key) = admin_and_reader(&s);
    // Everything of bob's row but its id, on otto's id (bob's row goes: lookups are unique).
    let conn = s.sql();
    let (lookup, payload): (Vec<u8>, Vec<u8>) = conn
        .query_row("SELECT lookup, payload FROM members WHERE id = ?1", [&bob], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    conn.execute("DELETE FROM members WHERE id = ?1", [&bob]).unwrap();
    conn.execute(
        "UPDATE members SET lookup = ?1, payload = ?2 WHERE id = ?3",
        rusqlite::params![lookup, payload, otto],
    )
    .unwrap();
    assert_raise_caught(&s, &key, &[&otto]);
}

#[test]
fn a_key_moved_to_an_admin_is_caught() {
    let s = TestStore::new_file();
    let (bob, _, key) = admin_and_reader(&s);
    let key_id = s
        .json(&["key", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["owner"]["name"] == "otto@example.com")
        .map(id)
        .unwrap();
    s.sql().execute("UPDATE api_keys SET owner_id = ?1 WHERE id = ?2", [&bob, &key_id]).unwrap();
    let (exit, v) = s.verify(&key, &["--require", "models:write"]);
    assert_ne!(v["valid"], true, "{v}");
    assert_eq!(exit, 4, "{v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&key_id), "{report}");
}

#[test]
fn a_demoted_members_earlier_row_restored_is_caught() {
    let s = TestStore::new_file();
    add(&s, "bob@example.com", &["--role", "all"]);
    let bob = id(&s.json(&["member", "show", "bob@example.com"]));
    let (_, key) = key_for(&s, "bob@example.com", &[]);
    let before = payload(&s, "members", &bob);
    s.ok(&["member", "set-role", "bob@example.com", "readonly"]);
    assert_eq!(verdict(&s, &key, &["--require", "models:write"]), rejected("INSUFFICIENT_PERMISSIONS"));
    set_payload(&s, "members", &bob, &before);
    let (exit, v) = s.verify(&key, &["--require", "models:write"]);
    assert_ne!(v["valid"], true, "the restored row gave the key write access back: {v}");
    assert_eq!(exit, 4, "{v}");
    let (exit, report) = s.check();
    assert_eq!(exit, 4, "{report}");
    assert!(report.contains(&bob), "{report}");
}
