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

impl MonthUsage {
    /// A month's requests and cost (micro-units), and what is left of `budget`.
    pub(crate) fn new(requests: i64, cost: i64, budget: Option<Amount>) -> MonthUsage {
        let cost = Amount::from_micros(cost);
        MonthUsage {
            requests,
            cost,
            budget,
            budget_left: budget.map(|b| Amount::from_micros((b.micros() - cost.micros()).max(0))),
        }
    }
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

/// Keys issued together (`key create --count N`), packed: the listing they share is kept
/// once, and each key as its id, secret and creation time in flat buffers, about 90 bytes
/// a key where a [`NewKey`] takes about a kilobyte (a million keys fit in 200 MiB). The
/// secrets' buffer is allocated once, at its final size, and zeroized on drop.
pub struct NewKeys {
    /// The first key's listing; the others differ only in id, redacted form and time.
    template: KeyInfo,
    prefix: crate::crypto::KeyPrefix,
    id_len: usize,
    key_len: usize,
    ids: String,
    secrets: zeroize::Zeroizing<String>,
    created_at: Vec<i64>,
}

impl NewKeys {
    pub(crate) fn new(template: KeyInfo, prefix: crate::crypto::KeyPrefix, count: usize) -> NewKeys {
        let (id_len, key_len) = (template.id.len(), prefix.key_len());
        NewKeys {
            template,
            prefix,
            id_len,
            key_len,
            ids: String::with_capacity(id_len * count),
            secrets: zeroize::Zeroizing::new(String::with_capacity(key_len * count)),
            created_at: Vec::with_capacity(count),
        }
    }

    /// Adds a key; ids and keys all have the lengths of the first (one id kind, one prefix).
    pub(crate) fn push(&mut self, id: &str, secret: &crate::crypto::ApiKey, created_at: i64) {
        debug_assert!(id.len() == self.id_len && secret.expose_secret().len() == self.key_len);
        // A full buffer would be reallocated, leaving a copy of the secrets behind unzeroized.
        if self.secrets.len() + self.key_len > self.secrets.capacity() {
            let mut bigger = zeroize::Zeroizing::new(String::with_capacity(2 * self.secrets.capacity() + self.key_len));
            bigger.push_str(&self.secrets);
            self.secrets = bigger;
        }
        self.ids.push_str(id);
        self.secrets.push_str(secret.expose_secret());
        self.created_at.push(created_at);
    }

    pub fn len(&self) -> usize {
        self.created_at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.created_at.is_empty()
    }

    /// The `i`th key's id.
    pub fn id(&self, i: usize) -> &str {
        &self.ids[i * self.id_len..(i + 1) * self.id_len]
    }

    /// Every key's id, in order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.id(i))
    }

    /// The `i`th key's secret, shown this once.
    pub fn expose_secret(&self, i: usize) -> &str {
        &self.secrets[i * self.key_len..(i + 1) * self.key_len]
    }

    /// The `i`th key, unpacked.
    pub fn get(&self, i: usize) -> NewKey {
        let secret = crate::crypto::ApiKey::from_generated(self.prefix, self.expose_secret(i));
        let mut info = self.template.clone();
        info.id = self.id(i).to_owned();
        info.redacted = secret.redacted();
        info.created_at = crate::domain::from_unix(self.created_at[i]);
        NewKey { info, secret }
    }

    /// Every key, unpacked one at a time.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = NewKey> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The ids as a JSON array, written straight from the packed buffer (the audit entry
    /// of a batch names every key).
    pub(crate) fn ids_json(&self) -> impl Serialize + '_ {
        struct Ids<'a>(&'a NewKeys);
        impl Serialize for Ids<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.ids())
            }
        }
        Ids(self)
    }
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
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
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
