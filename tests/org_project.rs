//! Issue 2: `keyctl org ...` and `keyctl project ...`: the default project's rules, unique
//! names, confirmations, choosing an org among several, the config's `default_org`, the
//! JSON shapes of spec section 6 and the exit codes of section 7.

mod common;

use std::process::Output;

use common::{assert_one_line_error, code, stderr_of, stdout_of, TestStore};
use serde_json::Value;

const PROJECT_FIELDS: [&str; 8] =
    ["id", "org_id", "name", "description", "status", "is_default", "created_at", "archived_at"];

/// Asserts `v` is an RFC 3339 UTC time ending in `Z`.
fn assert_utc_time(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    assert!(s.ends_with('Z'), "{s} is not UTC with Z");
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
}

fn assert_org_shape(v: &Value) {
    assert!(v["id"].as_str().unwrap().starts_with("org_"), "{v}");
    assert!(v["name"].is_string(), "{v}");
    let kind = v["kind"].as_str().unwrap();
    assert!(kind == "personal" || kind == "organization", "{v}");
    assert_utc_time(&v["created_at"]);
}

fn assert_project_shape(v: &Value) {
    let obj = v.as_object().unwrap_or_else(|| panic!("not an object: {v}"));
    for field in PROJECT_FIELDS {
        assert!(obj.contains_key(field), "project has no {field:?}: {v}");
    }
    assert!(v["id"].as_str().unwrap().starts_with("proj_"), "{v}");
    assert!(v["org_id"].as_str().unwrap().starts_with("org_"), "{v}");
    assert!(v["is_default"].is_boolean(), "{v}");
    assert!(v["description"].is_string() || v["description"].is_null(), "{v}");
    assert_utc_time(&v["created_at"]);
    match v["status"].as_str().unwrap() {
        "active" => assert!(v["archived_at"].is_null(), "{v}"),
        "archived" => assert_utc_time(&v["archived_at"]),
        other => panic!("bad status {other}"),
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect()
}

fn run_env(s: &TestStore, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = s.cmd();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

fn json_env(s: &TestStore, env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let out = run_env(s, env, &all);
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Asserts a failure with `rc`, one error line, and that stderr mentions every needle.
fn assert_fails(s: &TestStore, args: &[&str], rc: i32, needles: &[&str]) -> String {
    let out = s.run(args);
    assert_eq!(code(&out), rc, "{args:?}: {}{}", stdout_of(&out), stderr_of(&out));
    assert_one_line_error(&out);
    let err = stderr_of(&out);
    for n in needles {
        assert!(err.to_lowercase().contains(&n.to_lowercase()), "{args:?}: {err} lacks {n:?}");
    }
    err
}

/// A store with orgs "acme" (from init) and "beta".
fn two_orgs() -> (TestStore, String, String) {
    two_orgs_in(TestStore::new())
}

fn two_orgs_in(s: TestStore) -> (TestStore, String, String) {
    let acme = id(&s.json(&["org", "show"]));
    let beta = id(&s.json(&["org", "create", "beta"]));
    (s, acme, beta)
}

// ---- orgs --------------------------------------------------------------------------------

#[test]
fn init_makes_one_org_with_one_default_project_in_the_spec_shapes() {
    let s = TestStore::new();
    let orgs = s.json(&["org", "list"]);
    assert_eq!(orgs.as_array().unwrap().len(), 1, "{orgs}");
    let org = &orgs[0];
    assert_org_shape(org);
    assert_eq!(org["name"], "acme");
    assert_eq!(org["kind"], "organization");
    let projects = s.json(&["project", "list"]);
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
    let p = &projects[0];
    assert_project_shape(p);
    assert_eq!(p["is_default"], true);
    assert_eq!(p["name"], "Default project");
    assert_eq!(p["status"], "active");
    assert_eq!(p["org_id"], org["id"]);
    assert!(p["description"].is_null() && p["archived_at"].is_null(), "{p}");
}

#[test]
fn personal_init_gives_a_personal_org_that_upgrade_turns_into_an_organization() {
    let s = TestStore::with_init(&["init", "--personal"]);
    let org = s.json(&["org", "show"]);
    assert_org_shape(&org);
    assert_eq!(org["kind"], "personal");
    let up = s.json(&["org", "upgrade", org["name"].as_str().unwrap()]);
    assert_org_shape(&up);
    assert_eq!(up["kind"], "organization");
    assert_eq!(up["id"], org["id"]);
    assert_eq!(s.json(&["org", "show", &id(&org)])["kind"], "organization");
}

#[test]
fn org_create_makes_an_org_with_exactly_one_default_project() {
    let s = TestStore::new();
    let team = s.json(&["org", "create", "beta"]);
    assert_org_shape(&team);
    assert_eq!(team["name"], "beta");
    assert_eq!(team["kind"], "organization");
    let solo = s.json(&["org", "create", "solo", "--personal"]);
    assert_eq!(solo["kind"], "personal");
    for org in [&team, &solo] {
        let projects = s.json(&["project", "list", "--all", "--org", &id(org)]);
        let list = projects.as_array().unwrap();
        assert_eq!(list.len(), 1, "{projects}");
        assert_project_shape(&list[0]);
        assert_eq!(list[0]["is_default"], true);
        assert_eq!(list[0]["org_id"], org["id"]);
    }
    let orgs = s.json(&["org", "list"]);
    assert_eq!(orgs.as_array().unwrap().len(), 3);
    orgs.as_array().unwrap().iter().for_each(assert_org_shape);
    let q = s.ok(&["org", "create", "gamma", "-q"]);
    assert!(q.trim().starts_with("org_") && q.lines().count() == 1, "{q:?}");
}

#[test]
fn org_names_are_unique_case_insensitively() {
    let s = TestStore::new();
    s.ok(&["org", "create", "beta"]);
    assert_fails(&s, &["org", "create", "acme"], 1, &["acme"]);
    assert_fails(&s, &["org", "create", "ACME"], 1, &["already exists"]);
    assert_fails(&s, &["org", "rename", "beta", "Acme"], 1, &["already exists"]);
    assert_eq!(names(&s.json(&["org", "list"])), ["acme", "beta"]);
}

#[test]
fn org_show_accepts_id_or_name_and_rename_keeps_the_id() {
    let s = TestStore::new();
    let org = s.json(&["org", "show", "acme"]);
    assert_eq!(s.json(&["org", "show", &id(&org)])["name"], "acme");
    let renamed = s.json(&["org", "rename", "acme", "acme-corp"]);
    assert_org_shape(&renamed);
    assert_eq!(renamed["name"], "acme-corp");
    assert_eq!(renamed["id"], org["id"]);
    assert_eq!(s.json(&["org", "show", "acme-corp"])["id"], org["id"]);
    assert_fails(&s, &["org", "show", "acme"], 1, &["acme"]);
    let table = s.ok(&["org", "show"]);
    assert!(table.contains("acme-corp") && table.contains(&id(&org)), "{table}");
}

#[test]
fn unknown_orgs_exit_1() {
    let s = TestStore::new();
    assert_fails(&s, &["org", "show", "nope"], 1, &["nope"]);
    assert_fails(&s, &["org", "rename", "nope", "x"], 1, &["nope"]);
    assert_fails(&s, &["org", "upgrade", "nope"], 1, &["nope"]);
    assert_fails(&s, &["org", "use", "nope"], 1, &["nope"]);
    assert_fails(&s, &["org", "delete", "nope", "--yes"], 1, &["nope"]);
    assert_fails(&s, &["project", "list", "--org", "nope"], 1, &["nope"]);
    assert_fails(&s, &["org", "show", "org_0000000000000000"], 1, &[]);
    assert!(!s.config_path().exists(), "org use of an unknown org wrote the config");
}

#[test]
fn org_list_prints_a_table_by_default() {
    let (s, acme, beta) = two_orgs();
    let table = s.ok(&["org", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].contains("NAME"), "{table}");
    assert!(table.contains(&acme) && table.contains(&beta) && table.contains("beta"), "{table}");
    assert!(serde_json::from_str::<Value>(&table).is_err());
}

// ---- choosing an org -----------------------------------------------------------------------

#[test]
fn with_several_orgs_and_no_choice_commands_name_the_orgs() {
    let (s, _acme, _beta) = two_orgs();
    for args in [
        &["project", "list"][..],
        &["project", "create", "x"],
        &["project", "show", "Default project"],
        &["org", "show"],
    ] {
        let out = s.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        let err = stderr_of(&out);
        for needle in ["acme", "beta", "--org"] {
            assert!(err.contains(needle), "{args:?}: {err} lacks {needle}");
        }
    }
    // Commands that need no org still work.
    assert_eq!(s.json(&["org", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(s.json(&["project", "list", "--org", "acme"]).as_array().unwrap().len(), 1);
}

#[test]
fn org_flag_selects_by_name_or_id() {
    let (s, acme, beta) = two_orgs();
    let p = s.json(&["project", "create", "in-beta", "--org", "beta"]);
    assert_eq!(p["org_id"], beta.as_str());
    let q = s.json(&["project", "create", "in-acme", "--org", &acme]);
    assert_eq!(q["org_id"], acme.as_str());
    let in_beta = names(&s.json(&["project", "list", "--org", &beta]));
    assert!(in_beta.contains(&"in-beta".to_owned()) && !in_beta.contains(&"in-acme".to_owned()), "{in_beta:?}");
    let in_acme = names(&s.json(&["project", "list", "--org", "acme"]));
    assert!(in_acme.contains(&"in-acme".to_owned()) && !in_acme.contains(&"in-beta".to_owned()), "{in_acme:?}");
    assert_eq!(s.json(&["--org", "beta", "org", "show"])["id"], beta.as_str());
}

#[test]
fn org_subcommands_accept_the_global_org_flag_anywhere() {
    let (s, _acme, beta) = two_orgs();
    // Spec section 4: `--org` is a global flag; clap accepts it after `project list`, so
    // it must work after `org show` too.
    assert_eq!(s.json(&["org", "show", "--org", "beta"])["id"], beta.as_str());
    s.ok(&["org", "upgrade", "beta", "--org", "acme"]);
}

#[test]
fn keyctl_org_selects_and_the_flag_overrides_it() {
    let (s, acme, beta) = two_orgs();
    let env = [("KEYCTL_ORG", "beta")];
    let p = json_env(&s, &env, &["project", "create", "via-env"]);
    assert_eq!(p["org_id"], beta.as_str());
    let listed = json_env(&s, &env, &["project", "list"]);
    assert!(names(&listed).contains(&"via-env".to_owned()));
    let env_id = [("KEYCTL_ORG", beta.as_str())];
    assert_eq!(json_env(&s, &env_id, &["org", "show"])["id"], beta.as_str());
    let over = json_env(&s, &env, &["project", "list", "--org", "acme"]);
    assert!(!names(&over).contains(&"via-env".to_owned()), "{over}");
    assert_eq!(over[0]["org_id"], acme.as_str());
}

#[test]
fn org_use_saves_default_org_in_the_config_file() {
    let (s, acme, beta) = two_orgs();
    let out = s.run(&["org", "use", "beta"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let text = std::fs::read_to_string(s.config_path()).expect("config file written");
    let config: toml::Table = toml::from_str(&text).unwrap();
    let saved = config["default_org"].as_str().unwrap();
    assert!(saved == beta || saved == "beta", "{text}");
    let p = s.json(&["project", "create", "after-use"]);
    assert_eq!(p["org_id"], beta.as_str());
    assert_eq!(s.json(&["org", "show"])["id"], beta.as_str());
    // --org and KEYCTL_ORG still win over the config.
    assert_eq!(s.json(&["--org", "acme", "org", "show"])["id"], acme.as_str());
    assert_eq!(json_env(&s, &[("KEYCTL_ORG", "acme")], &["org", "show"])["id"], acme.as_str());
    // Switching again replaces the value and keeps the rest of the file.
    let mut text = std::fs::read_to_string(s.config_path()).unwrap();
    text.push_str("output = \"table\"\n");
    std::fs::write(s.config_path(), text).unwrap();
    s.ok(&["org", "use", &acme]);
    let config: toml::Table = toml::from_str(&std::fs::read_to_string(s.config_path()).unwrap()).unwrap();
    assert_eq!(config["output"].as_str(), Some("table"));
    assert_eq!(s.json(&["org", "show"])["id"], acme.as_str());
}

#[test]
fn a_hand_written_default_org_in_the_config_selects() {
    let (s, _acme, beta) = two_orgs();
    std::fs::write(s.config_path(), "default_org = \"beta\"\n").unwrap();
    assert_eq!(s.json(&["org", "show"])["id"], beta.as_str());
    std::fs::write(s.config_path(), format!("default_org = \"{beta}\"\n")).unwrap();
    assert_eq!(s.json(&["project", "list"])[0]["org_id"], beta.as_str());
}

#[test]
fn a_default_org_that_no_longer_exists_is_reported() {
    let (s, _acme, _beta) = two_orgs();
    std::fs::write(s.config_path(), "default_org = \"gone-org\"\n").unwrap();
    let out = s.run(&["project", "list"]);
    assert_ne!(code(&out), 0, "{}", stdout_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("gone-org"), "{}", stderr_of(&out));
}

#[test]
fn org_delete_needs_yes_when_not_interactive() {
    let (s, _acme, beta) = two_orgs();
    let out = s.cmd().args(["org", "delete", "beta"]).write_stdin("beta\n").output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("--yes"), "{}", stderr_of(&out));
    assert_eq!(s.json(&["org", "show", "beta"])["id"], beta.as_str());
}

#[test]
fn org_delete_removes_everything_in_the_org() {
    let (s, acme, beta) = two_orgs();
    s.ok(&["project", "create", "doomed", "--org", "beta", "--description", "bye"]);
    s.ok(&["project", "create", "shelved", "--org", "beta"]);
    s.ok(&["project", "archive", "shelved", "--org", "beta"]);
    let (_, beta_key) = s.create_key(&["--project", "doomed", "--org", "beta"]);
    let (_, acme_key) = s.create_key(&["--org", "acme"]);
    assert_eq!(s.verify(&beta_key, &[]).0, 0);
    let out = s.run(&["org", "delete", "beta", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(names(&s.json(&["org", "list"])), ["acme"]);
    assert_fails(&s, &["project", "list", "--org", &beta], 1, &[]);
    assert_fails(&s, &["org", "show", "beta"], 1, &["beta"]);
    let (rc, result) = s.verify(&beta_key, &[]);
    assert_eq!(rc, 10, "a key of the deleted org still verifies: {result}");
    assert_eq!(s.verify(&acme_key, &[]).0, 0, "the other org's key stopped working");
    for (table, column) in [("projects", "parent"), ("members", "parent"), ("api_keys", "org_id"), ("orgs", "id")] {
        let n = s.count(&format!("SELECT count(*) FROM {table} WHERE {column} = '{beta}'"));
        assert_eq!(n, 0, "{table} still has rows of the deleted org");
    }
    assert_eq!(s.json(&["project", "list"])[0]["org_id"], acme.as_str());
    s.ok(&["store", "check"]);
    // Its name is free again, with a fresh default project.
    let again = s.json(&["org", "create", "beta"]);
    assert_ne!(again["id"], beta.as_str());
    assert_eq!(s.json(&["project", "list", "--all", "--org", "beta"]).as_array().unwrap().len(), 1);
}

#[test]
fn org_delete_on_a_terminal_asks_for_the_name() {
    let (s, _acme, beta) = two_orgs();
    let Some((rc, shown)) = s.run_tty(true, &[], &["org", "delete", "beta"], &["not-beta"]) else {
        return;
    };
    assert_eq!(rc, 1, "{shown}");
    assert!(shown.contains("beta"), "{shown}");
    assert_eq!(s.json(&["org", "show", "beta"])["id"], beta.as_str());
    let (rc, shown) = s.run_tty(true, &[], &["org", "delete", "beta"], &["beta"]).unwrap();
    assert_eq!(rc, 0, "{shown}");
    assert_eq!(names(&s.json(&["org", "list"])), ["acme"]);
}

// ---- projects -------------------------------------------------------------------------------

#[test]
fn project_create_and_show_in_the_spec_shape() {
    let s = TestStore::new();
    let org = id(&s.json(&["org", "show"]));
    let p = s.json(&["project", "create", "billing-api", "--description", "Bills & invoices"]);
    assert_project_shape(&p);
    assert_eq!(p["name"], "billing-api");
    assert_eq!(p["description"], "Bills & invoices");
    assert_eq!(p["status"], "active");
    assert_eq!(p["is_default"], false);
    assert_eq!(p["org_id"], org.as_str());
    for key in ["billing-api", "BILLING-API", p["id"].as_str().unwrap()] {
        let shown = s.json(&["project", "show", key]);
        assert_eq!(shown, p, "project show {key}");
    }
    let bare = s.json(&["project", "create", "search"]);
    assert!(bare["description"].is_null(), "{bare}");
    let table = s.ok(&["project", "show", "billing-api"]);
    assert!(table.contains("Bills & invoices") && table.contains(&id(&p)), "{table}");
}

#[test]
fn project_create_quiet_prints_only_the_id() {
    let s = TestStore::new();
    let out = s.ok(&["project", "create", "quiet-one", "-q"]);
    assert_eq!(out.lines().count(), 1, "{out:?}");
    let pid = out.trim();
    assert!(pid.starts_with("proj_"), "{out:?}");
    assert_eq!(s.json(&["project", "show", pid])["name"], "quiet-one");
}

#[test]
fn project_list_prints_a_table_or_a_json_array() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing-api"]);
    let table = s.ok(&["project", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].contains("NAME") && lines[0].contains("STATUS"), "{table}");
    assert!(table.contains("billing-api") && table.contains("Default project"), "{table}");
    let list = s.json(&["project", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    list.as_array().unwrap().iter().for_each(assert_project_shape);
    let via_env = run_env(&s, &[("KEYCTL_OUTPUT", "json")], &["project", "list"]);
    assert_eq!(serde_json::from_slice::<Value>(&via_env.stdout).unwrap(), list);
}

#[test]
fn project_names_are_unique_per_org_case_insensitively() {
    let (s, _acme, beta) = two_orgs();
    s.ok(&["project", "create", "billing", "--org", "acme"]);
    s.ok(&["project", "create", "search", "--org", "acme"]);
    assert_fails(&s, &["project", "create", "billing", "--org", "acme"], 1, &["billing", "already exists"]);
    assert_fails(&s, &["project", "create", "BILLING", "--org", "acme"], 1, &["already exists"]);
    assert_fails(&s, &["project", "rename", "search", "Billing", "--org", "acme"], 1, &["already exists"]);
    assert_fails(&s, &["project", "create", "default PROJECT", "--org", "acme"], 1, &["already exists"]);
    // Another org may use the same name.
    let p = s.json(&["project", "create", "billing", "--org", "beta"]);
    assert_eq!(p["org_id"], beta.as_str());
    let acme_names = names(&s.json(&["project", "list", "--org", "acme"]));
    assert_eq!(acme_names.iter().filter(|n| n.eq_ignore_ascii_case("billing")).count(), 1);
    assert!(acme_names.contains(&"search".to_owned()), "{acme_names:?}");
}

#[test]
fn project_rename_keeps_the_id_and_frees_the_old_name() {
    let s = TestStore::new();
    let p = s.json(&["project", "create", "old-name"]);
    let r = s.json(&["project", "rename", "old-name", "new-name"]);
    assert_project_shape(&r);
    assert_eq!(r["id"], p["id"]);
    assert_eq!(r["name"], "new-name");
    assert_eq!(s.json(&["project", "show", "new-name"])["id"], p["id"]);
    assert_fails(&s, &["project", "show", "old-name"], 1, &["old-name"]);
    s.ok(&["project", "create", "old-name"]);
    // Renaming a project to its own name in another case is allowed.
    assert_eq!(s.json(&["project", "rename", "new-name", "NEW-name"])["name"], "NEW-name");
}

#[test]
fn archived_projects_are_hidden_unless_all() {
    let s = TestStore::new();
    let p = s.json(&["project", "create", "legacy"]);
    let a = s.json(&["project", "archive", "legacy"]);
    assert_project_shape(&a);
    assert_eq!(a["status"], "archived");
    assert_eq!(a["id"], p["id"]);
    assert_utc_time(&a["archived_at"]);
    assert_eq!(names(&s.json(&["project", "list"])), ["Default project"]);
    assert!(!s.ok(&["project", "list"]).contains("legacy"));
    let all = s.json(&["project", "list", "--all"]);
    assert_eq!(names(&all), ["Default project", "legacy"]);
    assert_eq!(all[1]["status"], "archived");
    assert!(s.ok(&["project", "list", "--all"]).contains("legacy"));
    assert_eq!(s.json(&["project", "show", "legacy"])["status"], "archived");
    let u = s.json(&["project", "unarchive", "legacy"]);
    assert_project_shape(&u);
    assert_eq!(u["status"], "active");
    assert!(u["archived_at"].is_null(), "{u}");
    assert_eq!(names(&s.json(&["project", "list"])), ["Default project", "legacy"]);
}

#[test]
fn archive_and_unarchive_refuse_the_wrong_state() {
    let s = TestStore::new();
    s.ok(&["project", "create", "legacy"]);
    assert_fails(&s, &["project", "unarchive", "legacy"], 1, &["legacy"]);
    s.ok(&["project", "archive", "legacy"]);
    assert_fails(&s, &["project", "archive", "legacy"], 1, &["legacy"]);
    assert_fails(&s, &["project", "archive", "nope"], 1, &["nope"]);
    assert_fails(&s, &["project", "unarchive", "nope"], 1, &["nope"]);
}

#[test]
fn archiving_disables_a_projects_keys_until_unarchived() {
    let s = TestStore::new();
    s.ok(&["project", "create", "svc"]);
    let (_, key) = s.create_key(&["--project", "svc"]);
    assert_eq!(s.verify(&key, &[]).0, 0);
    s.ok(&["project", "archive", "svc"]);
    let (rc, v) = s.verify(&key, &[]);
    assert_eq!((rc, v["code"].as_str()), (10, Some("PROJECT_ARCHIVED")), "{v}");
    s.ok(&["project", "unarchive", "svc"]);
    assert_eq!(s.verify(&key, &[]).0, 0);
}

#[test]
fn the_default_project_cannot_be_archived_or_deleted() {
    let s = TestStore::new();
    let d = s.json(&["project", "list"])[0].clone();
    let did = id(&d);
    for key in ["Default project", did.as_str()] {
        assert_fails(&s, &["project", "archive", key], 1, &["default project"]);
        assert_fails(&s, &["project", "delete", key, "--yes"], 1, &["default project"]);
    }
    let out = s.run(&["project", "delete", "Default project"]);
    assert_ne!(code(&out), 0);
    assert_one_line_error(&out);
    let after = s.json(&["project", "show", &did]);
    assert_eq!(after, d, "the default project changed");
}

#[test]
fn the_default_project_can_be_renamed_and_stays_the_default() {
    let s = TestStore::new();
    let d = s.json(&["project", "list"])[0].clone();
    let r = s.json(&["project", "rename", "Default project", "main"]);
    assert_eq!(r["id"], d["id"]);
    assert_eq!(r["is_default"], true);
    assert_eq!(r["name"], "main");
    // The rule follows the project, not its name.
    assert_fails(&s, &["project", "archive", "main"], 1, &["default project"]);
    assert_fails(&s, &["project", "delete", "main", "--yes"], 1, &["default project"]);
    let other = s.json(&["project", "create", "Default project"]);
    assert_eq!(other["is_default"], false);
    s.ok(&["project", "delete", "Default project", "--yes"]);
    let list = s.json(&["project", "list"]);
    assert_eq!(list.as_array().unwrap().iter().filter(|p| p["is_default"] == true).count(), 1);
    assert_eq!(s.json(&["project", "show", "main"])["is_default"], true);
}

#[test]
fn project_delete_needs_yes_when_not_interactive() {
    let s = TestStore::new();
    let p = s.json(&["project", "create", "doomed"]);
    let out = s.cmd().args(["project", "delete", "doomed"]).write_stdin("doomed\n").output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr_of(&out));
    assert_one_line_error(&out);
    assert!(stderr_of(&out).contains("--yes"), "{}", stderr_of(&out));
    assert_eq!(s.json(&["project", "show", "doomed"]), p);
}

#[test]
fn project_delete_with_yes_removes_it_and_revokes_its_keys() {
    let s = TestStore::new();
    let p = s.json(&["project", "create", "doomed"]);
    let (_, key) = s.create_key(&["--project", "doomed"]);
    let out = s.run(&["project", "delete", &id(&p), "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_fails(&s, &["project", "show", "doomed"], 1, &["doomed"]);
    assert_fails(&s, &["project", "show", &id(&p)], 1, &[]);
    assert_eq!(names(&s.json(&["project", "list", "--all"])), ["Default project"]);
    let (rc, v) = s.verify(&key, &[]);
    assert_eq!(rc, 10, "a key of a deleted project still verifies: {v}");
    assert_fails(&s, &["project", "delete", "doomed", "--yes"], 1, &["doomed"]);
    s.ok(&["project", "create", "doomed"]);
}

#[test]
fn project_delete_on_a_terminal_asks_for_the_name() {
    let s = TestStore::new();
    s.ok(&["project", "create", "doomed"]);
    let Some((rc, shown)) = s.run_tty(true, &[], &["project", "delete", "doomed"], &["nope"]) else {
        return;
    };
    assert_eq!(rc, 1, "{shown}");
    assert!(shown.contains("doomed"), "{shown}");
    s.ok(&["project", "show", "doomed"]);
    let (rc, shown) = s.run_tty(true, &[], &["project", "delete", "doomed"], &["doomed"]).unwrap();
    assert_eq!(rc, 0, "{shown}");
    assert_fails(&s, &["project", "show", "doomed"], 1, &[]);
}

#[test]
fn projects_of_another_org_are_not_reachable() {
    let (s, _acme, _beta) = two_orgs();
    let p = s.json(&["project", "create", "private", "--org", "beta"]);
    assert_fails(&s, &["project", "show", &id(&p), "--org", "acme"], 1, &[]);
    assert_fails(&s, &["project", "show", "private", "--org", "acme"], 1, &["private"]);
    assert_fails(&s, &["project", "archive", &id(&p), "--org", "acme"], 1, &[]);
    assert_fails(&s, &["project", "delete", &id(&p), "--org", "acme", "--yes"], 1, &[]);
    assert_eq!(s.json(&["project", "show", "private", "--org", "beta"])["status"], "active");
}

#[test]
fn unknown_projects_exit_1_naming_them() {
    let s = TestStore::new();
    s.ok(&["project", "create", "billing-api"]);
    assert_fails(&s, &["project", "show", "nope"], 1, &["nope"]);
    assert_fails(&s, &["project", "rename", "nope", "x"], 1, &["nope"]);
    assert_fails(&s, &["project", "show", "proj_0000000000000000"], 1, &[]);
    let err = assert_fails(&s, &["project", "show", "biling-api"], 1, &["biling-api"]);
    assert!(err.contains("billing-api"), "no suggestion: {err}");
}

#[test]
fn names_with_control_characters_are_refused() {
    let (s, _acme, _beta) = two_orgs();
    let bad = ["evil\x1b[31mred", "line\nbreak", "bell\x07", "cr\rreturn", "\x1b]0;title\x07"];
    for name in bad {
        assert_fails(&s, &["project", "create", name, "--org", "acme"], 2, &[]);
        assert_fails(&s, &["project", "rename", "Default project", name, "--org", "acme"], 2, &[]);
        assert_fails(&s, &["org", "create", name], 2, &[]);
        assert_fails(&s, &["org", "rename", "beta", name], 2, &[]);
    }
    assert_fails(&s, &["project", "create", "ok-name", "--description", "bad\x1b[2J", "--org", "acme"], 2, &[]);
    assert_fails(&s, &["project", "create", "", "--org", "acme"], 2, &[]);
    assert_eq!(names(&s.json(&["org", "list"])), ["acme", "beta"]);
    assert_eq!(names(&s.json(&["project", "list", "--all", "--org", "acme"])), ["Default project"]);
}

// ---- exit codes -------------------------------------------------------------------------------

#[test]
fn command_line_mistakes_exit_2() {
    let s = TestStore::new();
    for args in [
        &["project", "create"][..],
        &["project", "frobnicate"],
        &["project", "list", "--bogus"],
        &["project", "list", "-o", "yaml"],
        &["org", "rename", "acme"],
        &["org"],
    ] {
        let out = s.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr_of(&out));
        assert!(out.stdout.is_empty(), "{args:?}: {}", stdout_of(&out));
    }
}

#[test]
fn org_and_project_commands_exit_3_when_the_store_cannot_be_opened() {
    let s = TestStore::new();
    let other = TestStore::new();
    for args in [&["org", "list"][..], &["project", "list"], &["project", "create", "x"]] {
        let out = s.run_env(&[("KEYCTL_STORE_KEY", &other.store_key)], args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr_of(&out));
        assert_one_line_error(&out);
        let out = s
            .bare()
            .env("KEYCTL_STORE", s.dir.path().join("missing.db"))
            .env("KEYCTL_STORE_KEY", &s.store_key)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains("keyctl init"), "{}", stderr_of(&out));
    }
}

#[test]
fn org_and_project_commands_exit_4_on_tampered_rows() {
    let (s, acme, beta) = two_orgs_in(TestStore::new_file());
    let conn = s.sql();
    let get =
        |id: &str| -> Vec<u8> { conn.query_row("SELECT payload FROM orgs WHERE id = ?1", [id], |r| r.get(0)).unwrap() };
    let (pa, pb) = (get(&acme), get(&beta));
    for (id, payload) in [(&acme, pb), (&beta, pa)] {
        conn.execute("UPDATE orgs SET payload = ?1 WHERE id = ?2", rusqlite::params![payload, id]).unwrap();
    }
    for args in [
        &["org", "list"][..],
        &["org", "show", "acme"],
        &["org", "show", &beta],
        &["project", "list", "--org", &acme],
        &["org", "rename", "acme", "x"],
    ] {
        let out = s.run(args);
        assert_eq!(code(&out), 4, "{args:?}: {}{}", stdout_of(&out), stderr_of(&out));
        assert_one_line_error(&out);
    }
    let out = s.run(&["store", "check"]);
    assert_eq!(code(&out), 4);
    let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(all.contains(&acme) && all.contains(&beta), "{all}");
}
