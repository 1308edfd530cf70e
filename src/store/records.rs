//! What each sealed payload holds. These are private: the clear columns beside them are
//! bound in the associated data, and the public views in `types.rs` are built from both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Amount, Cidr, Duration, OrgKind, OwnerRef, Permission, ProjectStatus, Scope};

/// A project's limits; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectLimits {
    /// Valid verifies per minute, over all the project's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<u64>,
    /// Valid verifies per UTC day, over all the project's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpd: Option<u64>,
    /// Cost allowed per calendar month (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_budget: Option<Amount>,
    /// Longest lifetime of a new key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl: Option<Duration>,
}

impl ProjectLimits {
    pub fn is_empty(&self) -> bool {
        *self == ProjectLimits::default()
    }
}

/// A key's own limits; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_ip: Vec<Cidr>,
}

impl KeyLimits {
    pub fn is_empty(&self) -> bool {
        *self == KeyLimits::default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OrgRecord {
    pub name: String,
    pub kind: OrgKind,
    pub created_at: i64,
    pub default_project_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProjectRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: ProjectStatus,
    pub is_default: bool,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<i64>,
    #[serde(default, skip_serializing_if = "ProjectLimits::is_empty")]
    pub limits: ProjectLimits,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MemberRecord {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: Option<Permission>,
    #[serde(default)]
    pub project_roles: BTreeMap<String, Permission>,
    pub is_owner: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ServiceAccountRecord {
    pub name: String,
    pub role: Permission,
    pub created_at: i64,
}

/// The sealed part of an API key. Its clear columns (org, project, owner, hash and the
/// created/expires/revoked times) are authenticated as associated data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "o")]
    pub owner: OwnerRef,
    #[serde(rename = "p")]
    pub permission: Permission,
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Scope>,
    #[serde(rename = "r")]
    pub redacted: String,
    #[serde(rename = "rr", default, skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<String>,
    #[serde(rename = "l", default, skip_serializing_if = "KeyLimits::is_empty")]
    pub limits: KeyLimits,
}

/// The store owner ("you"), kept sealed in `meta`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OwnerIdentity {
    pub email: String,
    /// Set once the store has a freshness ledger; a missing ledger head is then tampering.
    #[serde(default)]
    pub ledger: bool,
}

/// A sealed audit entry's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuditRecord {
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default)]
    pub details: serde_json::Value,
}

/// The sealed head of the audit chain: how many entries there are and the last MAC, so a
/// truncated tail is detected.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AuditHead {
    pub count: i64,
    pub last_seq: i64,
    pub last_mac: Vec<u8>,
}
