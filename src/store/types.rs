//! The public, serializable views of stored objects. Field names are the JSON contract of
//! spec section 6; renderers may add columns but never rename these.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ProjectLimits;
use crate::domain::{Amount, Cidr, KeyStatus, OrgKind, Permission, ProjectStatus, Refill, Scope};

#[derive(Debug, Clone, Serialize)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: DateTime<Utc>,
    pub default_project_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: Option<String>,
    pub status: ProjectStatus,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    pub limits: ProjectLimits,
    /// This calendar month's usage (UTC).
    pub this_month: MonthUsage,
}

/// Requests and cost in the current calendar month (UTC), and what is left of a budget.
#[derive(Debug, Clone, Serialize)]
pub struct MonthUsage {
    pub requests: i64,
    pub cost: Amount,
    pub budget: Option<Amount>,
    pub budget_left: Option<Amount>,
}

/// One line of a usage report.
#[derive(Debug, Clone, Serialize)]
pub struct UsageLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub requests: i64,
    pub cost: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceAccount {
    pub id: String,
    pub org_id: String,
    pub project_id: String,
    pub name: String,
    pub role: Permission,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: Option<Permission>,
    pub project_roles: BTreeMap<String, Permission>,
    /// This member is the store's holder (the spec's owner identity, `init --owner`).
    pub is_owner: bool,
    pub created_at: DateTime<Utc>,
}

/// A key's owner as shown to users: type, id and a display name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OwnerView {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

/// An API key as listed: never the secret, only its redacted form.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub id: String,
    pub name: Option<String>,
    pub org_id: String,
    pub project_id: String,
    pub owner: OwnerView,
    pub permission: Permission,
    pub scopes: Vec<Scope>,
    pub redacted: String,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    pub rpm: Option<u64>,
    pub max_uses: Option<u64>,
    pub uses: i64,
    pub allow_ip: Vec<Cidr>,
    /// This calendar month's usage (UTC).
    pub this_month: MonthUsage,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disable_reason: Option<String>,
    /// The user's own metadata (spec section 6).
    pub meta: BTreeMap<String, String>,
    pub external_id: Option<String>,
    /// When `max_uses` starts again: `daily` or `monthly` (UTC), or null.
    pub refill: Option<Refill>,
    /// Uses left (this day or month for a refilling key); null without `max_uses`.
    pub remaining: Option<u64>,
    /// The key that replaced this one in a rotation, and the one this one replaced.
    pub successor_id: Option<String>,
    pub predecessor_id: Option<String>,
    /// Replaced by a rotation and still working until `ends_at` (its status stays `active`).
    pub rotating: bool,
    /// When the key stops working by itself: its expiry or the end of its grace period.
    pub ends_at: Option<DateTime<Utc>>,
    /// Seconds until `ends_at` for a key that has not ended (active or disabled), else null.
    pub expires_in_seconds: Option<i64>,
}

impl KeyInfo {
    /// The status a person reads: `rotating` for an active key in its grace period.
    pub fn status_label(&self) -> &'static str {
        if self.rotating && self.status == KeyStatus::Active {
            "rotating"
        } else {
            self.status.as_str()
        }
    }
}

/// A freshly issued key: its listing plus the secret, shown this once.
pub struct NewKey {
    pub info: KeyInfo,
    pub secret: crate::crypto::ApiKey,
}

/// A store's unlock slot, without any secret.
#[derive(Debug, Clone, Serialize)]
pub struct SlotInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub kdf: String,
    pub iterations: Option<u32>,
    /// The passphrase, or a store key added with `--admin`: may manage slots.
    pub admin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoreInfo {
    pub path: String,
    pub schema_version: u32,
    pub store_id: String,
    pub actor: String,
    pub owner_email: String,
    pub orgs: usize,
    pub projects: usize,
    pub keys: usize,
    pub slots: Vec<SlotInfo>,
    /// The store file and its write-ahead log together.
    pub file_bytes: u64,
    /// The write-ahead log beside the file (where recent writes live until a checkpoint)
    /// and its shared-memory index; 0 when absent.
    pub wal_bytes: u64,
    pub shm_bytes: u64,
    /// How many writes have changed the ledger, and a digest of its sealed head: pin them
    /// to detect a rollback (`store check --expect-generation N`).
    pub generation: u64,
    pub ledger_head: String,
}

/// What `store backup` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub path: String,
    pub bytes: u64,
    pub generation: u64,
    pub ledger_head: String,
}

/// What `store check` found: every problem names the table and row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub rows_checked: usize,
    pub problems: Vec<String>,
    /// Findings that are not integrity failures (exit 0): e.g. usage counters whose window
    /// lies in the future, left by a clock that ran ahead; verify treats them as stale.
    pub warnings: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_id: Option<String>,
    pub project_id: Option<String>,
    pub details: serde_json::Value,
    /// Whether the audit chain up to and including this entry checks out.
    pub verified: bool,
}
