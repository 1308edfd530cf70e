//! The expected effective permission (spec section 1) for every pair of key permission and
//! owner role, shared by the member tests (`tests/roles.rs`) and the service-account tests
//! (`tests/service_accounts.rs`), which differ only in who owns the keys.

use crate::common::TestStore;

/// Roles and key permissions, highest first.
pub const LEVELS: [&str; 3] = ["all", "restricted", "readonly"];

/// The scopes `--require`d of every key in the table.
pub const REQUIRES: [&str; 3] = ["models:read", "models:write", "files:read"];

/// `key create` arguments for a key of `permission` (the restricted key has `models:read`).
pub fn key_args(permission: &str) -> &'static [&'static str] {
    match permission {
        "all" => &["--permission", "all"],
        "restricted" => &["--scope", "models:read"],
        "readonly" => &["--permission", "readonly"],
        other => panic!("no such permission: {other}"),
    }
}

pub struct Cell {
    pub key: &'static str,
    pub role: &'static str,
    /// Verify's `permission` and `scopes`.
    pub permission: &'static str,
    pub scopes: &'static [&'static str],
    /// Whether `--require` models:read, models:write and files:read (in that order) pass.
    pub allows: [bool; 3],
    /// A cell the binary once got wrong: its regression test checks it on its own (see
    /// `a_readonly_owner_never_widens_a_restricted_keys_scopes` in roles.rs).
    pub bug: bool,
}

const fn cell(
    key: &'static str,
    role: &'static str,
    permission: &'static str,
    scopes: &'static [&'static str],
    allows: [bool; 3],
) -> Cell {
    Cell { key, role, permission, scopes, allows, bug: false }
}

pub const TABLE: [Cell; 9] = [
    cell("all", "all", "all", &[], [true, true, true]),
    // A restricted principal may use every resource but manage nothing.
    cell("all", "restricted", "restricted", &["*:write"], [true, true, true]),
    cell("all", "readonly", "readonly", &[], [true, false, true]),
    cell("restricted", "all", "restricted", &["models:read"], [true, false, false]),
    cell("restricted", "restricted", "restricted", &["models:read"], [true, false, false]),
    // The lower of the two may never allow what the key alone does not: files:read stays out.
    Cell { bug: true, ..cell("restricted", "readonly", "restricted", &["models:read"], [true, false, false]) },
    cell("readonly", "all", "readonly", &[], [true, false, true]),
    cell("readonly", "restricted", "readonly", &[], [true, false, true]),
    cell("readonly", "readonly", "readonly", &[], [true, false, true]),
];

/// Every way `key`'s verdicts differ from `cell`, one line each (empty when it matches).
pub fn mismatches(s: &TestStore, key: &str, cell: &Cell) -> Vec<String> {
    let at = format!("key {} × role {}", cell.key, cell.role);
    let mut out = Vec::new();
    let (exit, v) = s.verify(key, &["--no-record"]);
    if exit != 0 || v["code"] != "VALID" {
        out.push(format!("{at}: plain verify exited {exit}: {v}"));
    }
    if v["permission"] != cell.permission {
        out.push(format!("{at}: permission {} (expected {})", v["permission"], cell.permission));
    }
    if v["scopes"] != serde_json::json!(cell.scopes) {
        out.push(format!("{at}: scopes {} (expected {:?})", v["scopes"], cell.scopes));
    }
    for (scope, allowed) in REQUIRES.iter().zip(cell.allows) {
        let (exit, v) = s.verify(key, &["--no-record", "--require", scope]);
        let want = if allowed { (0, "VALID") } else { (10, "INSUFFICIENT_PERMISSIONS") };
        if (exit, v["code"].as_str().unwrap_or("<no JSON>")) != want {
            out.push(format!("{at}: --require {scope} gave exit {exit} {} (expected {want:?})", v["code"]));
        }
    }
    out
}

/// The table's cells, split into those expected to pass today and the known bugs.
pub fn cells(bugs: bool) -> impl Iterator<Item = &'static Cell> {
    TABLE.iter().filter(move |c| c.bug == bugs)
}
