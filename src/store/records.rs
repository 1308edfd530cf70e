//! What each sealed payload holds. These are private: the clear columns beside them are
//! bound in the associated data, and the public views in `types.rs` are built from both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{OrgKind, OwnerRef, Permission, ProjectStatus, Scope};

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
}

/// The store owner ("you"), kept sealed in `meta`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OwnerIdentity {
    pub email: String,
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
