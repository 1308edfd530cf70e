//! What each sealed payload holds. These are private: the clear columns beside them are
//! bound in the associated data, and the public views in `types.rs` are built from both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Amount, Cidr, Duration, OrgKind, OwnerRef, Permission, ProjectStatus, Refill, Scope};

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
    /// When `max_uses` starts again: each UTC day or month (with `max_uses` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill: Option<Refill>,
}

impl KeyLimits {
    pub fn is_empty(&self) -> bool {
        *self == KeyLimits::default()
    }

    /// The one rule for every caller, library or CLI: a limit of 0 is no limit.
    pub(crate) fn normalized(mut self) -> KeyLimits {
        self.rpm = no_limit_at_zero(self.rpm);
        self.max_uses = no_limit_at_zero(self.max_uses);
        self
    }
}

/// `Some(0)` means "no limit" wherever a count limit is set.
pub(crate) fn no_limit_at_zero(n: Option<u64>) -> Option<u64> {
    n.filter(|n| *n > 0)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OrgRecord {
    pub name: String,
    pub kind: OrgKind,
    pub created_at: i64,
    pub default_project_id: String,
}

/// Whether a project is its org's default one (which can't be archived or deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectKind {
    Default,
    Other,
}

/// A project's lifecycle, with the time it was archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectState {
    Active,
    Archived { at: i64 },
}

impl ProjectState {
    pub fn status(self) -> ProjectStatus {
        match self {
            ProjectState::Active => ProjectStatus::Active,
            ProjectState::Archived { .. } => ProjectStatus::Archived,
        }
    }

    pub fn archived_at(self) -> Option<i64> {
        match self {
            ProjectState::Active => None,
            ProjectState::Archived { at } => Some(at),
        }
    }
}

/// A project's sealed payload. It is (de)serialised through [`ProjectRecordV1`], so stores
/// written before these enums existed open unchanged and new ones stay readable by old code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ProjectRecordV1", into = "ProjectRecordV1")]
pub(crate) struct ProjectRecord {
    pub name: String,
    pub description: Option<String>,
    pub kind: ProjectKind,
    pub state: ProjectState,
    pub created_at: i64,
    pub limits: ProjectLimits,
}

/// The serialised form of [`ProjectRecord`], field for field and in order as first written.
#[derive(Serialize, Deserialize)]
struct ProjectRecordV1 {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    status: ProjectStatus,
    is_default: bool,
    created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archived_at: Option<i64>,
    #[serde(default, skip_serializing_if = "ProjectLimits::is_empty")]
    limits: ProjectLimits,
}

impl TryFrom<ProjectRecordV1> for ProjectRecord {
    type Error = String;

    fn try_from(r: ProjectRecordV1) -> std::result::Result<Self, String> {
        let state = match (r.status, r.archived_at) {
            (ProjectStatus::Active, None) => ProjectState::Active,
            (ProjectStatus::Archived, Some(at)) => ProjectState::Archived { at },
            (status, at) => {
                return Err(format!("project record with status {} and archived_at {at:?}", status.as_str()))
            }
        };
        Ok(ProjectRecord {
            name: r.name,
            description: r.description,
            kind: if r.is_default { ProjectKind::Default } else { ProjectKind::Other },
            state,
            created_at: r.created_at,
            limits: r.limits,
        })
    }
}

impl From<ProjectRecord> for ProjectRecordV1 {
    fn from(r: ProjectRecord) -> Self {
        ProjectRecordV1 {
            name: r.name,
            description: r.description,
            status: r.state.status(),
            is_default: r.kind == ProjectKind::Default,
            created_at: r.created_at,
            archived_at: r.state.archived_at(),
            limits: r.limits,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MemberRecord {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: Option<Permission>,
    #[serde(default)]
    pub project_roles: BTreeMap<String, Permission>,
    /// This member is the store's holder. Serialised as `is_owner`, the spec's name.
    #[serde(rename = "is_owner")]
    pub is_holder: bool,
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
#[derive(Debug, Clone)]
pub(crate) struct KeyRecord {
    pub name: Option<String>,
    pub owner: OwnerRef,
    pub permission: Permission,
    pub scopes: Vec<Scope>,
    pub redacted: String,
    pub revoke_reason: Option<String>,
    pub limits: KeyLimits,
    /// Set while the key is disabled: verify answers DISABLED until it is enabled again.
    pub disabled: Option<Disabled>,
    /// The user's own key/value metadata, returned by verify.
    pub meta: BTreeMap<String, String>,
    /// The user's own id for whoever the key is for (a customer, a tenant).
    pub external_id: Option<String>,
    /// The key that replaced this one (`key rotate`), and the one this one replaced.
    pub successor: Option<String>,
    pub predecessor: Option<String>,
}

/// When and why a key was disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Disabled {
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whose key it is, without the id (which is the row's authenticated `owner_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OwnerKind {
    #[serde(rename = "user")]
    Member,
    ServiceAccount,
}

/// The stored form of a [`KeyRecord`], kept small: one row per key adds up at a million
/// keys. Stores made by the first build kept the whole owner (`o`) and redacted form.
#[derive(Debug, Serialize, Deserialize)]
struct KeyRecordWire {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    legacy_owner: Option<OwnerRef>,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    owner_kind: Option<OwnerKind>,
    #[serde(rename = "p")]
    permission: Permission,
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    scopes: Vec<Scope>,
    /// The first and last four characters of the key (or, in old stores, the whole
    /// redacted form).
    #[serde(rename = "r")]
    redacted: String,
    #[serde(rename = "rr", default, skip_serializing_if = "Option::is_none")]
    revoke_reason: Option<String>,
    #[serde(rename = "l", default, skip_serializing_if = "KeyLimits::is_empty")]
    limits: KeyLimits,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    disabled: Option<Disabled>,
    #[serde(rename = "m", default, skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<String, String>,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(rename = "su", default, skip_serializing_if = "Option::is_none")]
    successor: Option<String>,
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    predecessor: Option<String>,
}

fn key_prefix(owner: &OwnerRef) -> &'static str {
    match owner {
        OwnerRef::Member(_) => "sk-proj-",
        OwnerRef::ServiceAccount(_) => "sk-svcacct-",
    }
}

impl KeyRecord {
    pub fn to_bytes(&self) -> crate::error::Result<Vec<u8>> {
        let prefix = key_prefix(&self.owner);
        let short =
            self.redacted.strip_prefix(prefix).map(|r| r.replace("...", "")).unwrap_or_else(|| self.redacted.clone());
        let wire = KeyRecordWire {
            name: self.name.clone(),
            legacy_owner: None,
            owner_kind: Some(match self.owner {
                OwnerRef::Member(_) => OwnerKind::Member,
                OwnerRef::ServiceAccount(_) => OwnerKind::ServiceAccount,
            }),
            permission: self.permission,
            scopes: self.scopes.clone(),
            redacted: short,
            revoke_reason: self.revoke_reason.clone(),
            limits: self.limits.clone(),
            disabled: self.disabled.clone(),
            meta: self.meta.clone(),
            external_id: self.external_id.clone(),
            successor: self.successor.clone(),
            predecessor: self.predecessor.clone(),
        };
        serde_json::to_vec(&wire).map_err(crate::error::Error::json("a key record"))
    }

    /// Reads a stored record whose row names `owner_id`; `None` when it is unreadable or
    /// its owner disagrees with the row.
    pub fn from_bytes(bytes: &[u8], owner_id: &str) -> Option<KeyRecord> {
        let w: KeyRecordWire = serde_json::from_slice(bytes).ok()?;
        let owner = match (w.legacy_owner, w.owner_kind) {
            (Some(o), _) if o.id() == owner_id => o,
            (None, Some(OwnerKind::Member)) => OwnerRef::Member(owner_id.to_owned()),
            (None, Some(OwnerKind::ServiceAccount)) => OwnerRef::ServiceAccount(owner_id.to_owned()),
            _ => return None,
        };
        let redacted = if w.redacted.len() == 8 {
            format!("{}{}...{}", key_prefix(&owner), &w.redacted[..4], &w.redacted[4..])
        } else {
            w.redacted
        };
        // Keys rotated before successors were recorded name theirs in the reason only.
        let successor = w
            .successor
            .or_else(|| w.revoke_reason.as_deref().and_then(|r| r.strip_prefix("rotated to ")).map(str::to_owned));
        Some(KeyRecord {
            name: w.name,
            owner,
            permission: w.permission,
            scopes: w.scopes,
            redacted,
            revoke_reason: w.revoke_reason,
            limits: w.limits,
            disabled: w.disabled,
            meta: w.meta,
            external_id: w.external_id,
            successor,
            predecessor: w.predecessor,
        })
    }
}

/// The store's holder ("you", the spec's owner identity), kept sealed in `meta` under `owner`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HolderIdentity {
    pub email: String,
    /// Set once the store has a freshness ledger; a missing ledger head is then tampering.
    #[serde(default)]
    pub ledger: bool,
}

/// A sealed audit entry's content. Written with any serializable details (a batch's key
/// ids stream from where they are kept instead of being copied into a JSON value first).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuditRecord<D = serde_json::Value> {
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default)]
    pub details: D,
}

/// The sealed head of the audit chain: how many entries there are and the last MAC, so a
/// truncated tail is detected.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AuditHead {
    pub count: i64,
    pub last_seq: i64,
    pub last_mac: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the sealed form: `ProjectRecord`'s enums must serialise to the bytes that
    /// stores written before them hold.
    #[test]
    fn project_record_keeps_its_serialised_form() {
        for json in [
            r#"{"name":"Default","status":"active","is_default":true,"created_at":1}"#,
            r#"{"name":"web","description":"d","status":"archived","is_default":false,"created_at":1,"archived_at":2,"limits":{"rpm":5}}"#,
        ] {
            let record: ProjectRecord = serde_json::from_str(json).expect("a v1 project record");
            assert_eq!(serde_json::to_string(&record).expect("serialises"), json);
        }
        let odd = r#"{"name":"x","status":"archived","is_default":false,"created_at":1}"#;
        assert!(serde_json::from_str::<ProjectRecord>(odd).is_err(), "archived without a time is refused");
    }
}
