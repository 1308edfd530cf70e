//! Verifying presented keys: format and checksum before any lookup, then one indexed
//! lookup by HMAC, authentication of the row, and the checks of spec section 5 in order.

use std::collections::HashMap;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{OwnerView, ProjectRecord, Store};
use crate::crypto::{ApiKey, SecretString};
use crate::db::Table;
use crate::domain::{from_unix, Permission, ProjectStatus, Scope};
use crate::error::{Error, Result};

/// Why a key was accepted or refused (spec section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    Valid,
    Malformed,
    NotFound,
    Revoked,
    Expired,
    ProjectArchived,
    OwnerRemoved,
    IpNotAllowed,
    UsageExceeded,
    RateLimited,
    BudgetExceeded,
    InsufficientPermissions,
}

impl VerifyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::Malformed => "MALFORMED",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::ProjectArchived => "PROJECT_ARCHIVED",
            VerifyCode::OwnerRemoved => "OWNER_REMOVED",
            VerifyCode::IpNotAllowed => "IP_NOT_ALLOWED",
            VerifyCode::UsageExceeded => "USAGE_EXCEEDED",
            VerifyCode::RateLimited => "RATE_LIMITED",
            VerifyCode::BudgetExceeded => "BUDGET_EXCEEDED",
            VerifyCode::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
        }
    }
}

/// One key to check, and what the caller needs it to allow.
pub struct VerifyRequest {
    key: SecretString,
    require: Vec<Scope>,
    record: bool,
}

impl VerifyRequest {
    pub fn new(key: impl Into<SecretString>) -> VerifyRequest {
        VerifyRequest {
            key: key.into(),
            require: Vec::new(),
            record: true,
        }
    }

    /// Adds a scope the key's effective permission must allow.
    pub fn require(mut self, scope: Scope) -> VerifyRequest {
        self.require.push(scope);
        self
    }

    pub fn require_all(mut self, scopes: &[Scope]) -> VerifyRequest {
        self.require.extend_from_slice(scopes);
        self
    }

    /// Checks without counting the use (no `last_used_at` update).
    pub fn no_record(mut self) -> VerifyRequest {
        self.record = false;
        self
    }
}

/// What a verify found out about a key it could identify.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedKey {
    pub key_id: String,
    pub org_id: String,
    pub project_id: String,
    pub owner: OwnerView,
    /// The effective permission: the lower of the key's and its owner's current role.
    pub permission: Option<Permission>,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub ratelimit: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    pub valid: bool,
    pub code: VerifyCode,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub key: Option<VerifiedKey>,
}

impl VerifyOutcome {
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    fn rejected(code: VerifyCode) -> VerifyOutcome {
        VerifyOutcome {
            valid: false,
            code,
            key: None,
        }
    }
}

/// Checks keys against one unlocked store. Recording (`last_used_at`) is written at once,
/// or in batches with [`Store::batched_verifier`]; pending records are flushed by
/// [`Verifier::flush`] and on drop.
pub struct Verifier<'a> {
    store: &'a Store,
    batch: bool,
    pending: HashMap<String, i64>,
    last_flush: Instant,
}

const FLUSH_EVERY: StdDuration = StdDuration::from_millis(200);
const FLUSH_AT: usize = 8192;

impl Store {
    /// A verifier that records each use as it happens.
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier {
            store: self,
            batch: false,
            pending: HashMap::new(),
            last_flush: Instant::now(),
        }
    }

    /// A verifier for long-running streams: uses are recorded in batches (at most 200 ms
    /// late), all of them by the time it is flushed or dropped.
    pub fn batched_verifier(&self) -> Verifier<'_> {
        Verifier {
            store: self,
            batch: true,
            pending: HashMap::new(),
            last_flush: Instant::now(),
        }
    }
}

impl Verifier<'_> {
    /// Verifies one key. `Ok` carries the verdict, valid or not; `Err` means the store
    /// itself failed (an integrity error for a tampered row: never a valid verdict).
    pub fn verify(&mut self, req: &VerifyRequest) -> Result<VerifyOutcome> {
        let outcome = self.check(req)?;
        if outcome.valid && req.record {
            if let Some(k) = &outcome.key {
                let now = self.store.now().timestamp();
                self.pending.insert(k.key_id.clone(), now);
            }
            if !self.batch
                || self.pending.len() >= FLUSH_AT
                || self.last_flush.elapsed() >= FLUSH_EVERY
            {
                self.flush()?;
            }
        }
        Ok(outcome)
    }

    /// Writes every pending use in one transaction.
    pub fn flush(&mut self) -> Result<()> {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        self.store.db.write(|tx| {
            for (id, at) in &pending {
                tx.key_touch(id, *at)?;
            }
            Ok(())
        })
    }

    fn check(&mut self, req: &VerifyRequest) -> Result<VerifyOutcome> {
        let store = self.store;
        let Some(key) = ApiKey::parse(req.key.expose_secret().trim()) else {
            return Ok(VerifyOutcome::rejected(VerifyCode::Malformed));
        };
        let hash = store.keys.key_hash(key.expose_secret());
        let now = store.now().timestamp();
        store.db.read(|tx| {
            let Some(row) = tx.key_by_hash(&hash)? else {
                return Ok(VerifyOutcome::rejected(VerifyCode::NotFound));
            };
            // The index found the row by equality; confirm in constant time all the same.
            if !store.keys.key_hash_matches(key.expose_secret(), &row.hash) {
                return Ok(VerifyOutcome::rejected(VerifyCode::NotFound));
            }
            let opened = store.open_key(&row)?;
            let role = store.principal_role(tx, &opened.record.owner, &row.project_id)?;
            let owner_name = match &role {
                Some((_, name)) => name.clone(),
                None => store.principal_name(tx, &opened.record.owner)?,
            };
            let effective = role.as_ref().map(|(r, _)| opened.record.permission.min(*r));
            let scopes = match effective {
                Some(Permission::Restricted) if opened.record.permission == Permission::All => {
                    // A restricted principal may use the API but manage nothing: its
                    // unrestricted keys keep every resource.
                    vec!["*:write".parse()?]
                }
                Some(Permission::Restricted) => opened.record.scopes.clone(),
                _ => Vec::new(),
            };
            let verdict = |code: VerifyCode| VerifyOutcome {
                valid: code == VerifyCode::Valid,
                code,
                key: Some(VerifiedKey {
                    key_id: row.id.clone(),
                    org_id: row.org_id.clone(),
                    project_id: row.project_id.clone(),
                    owner: OwnerView {
                        kind: opened.record.owner.type_str(),
                        id: opened.record.owner.id().to_owned(),
                        name: owner_name.clone(),
                    },
                    permission: effective,
                    scopes: scopes.clone(),
                    expires_at: row.expires_at.map(from_unix),
                    ratelimit: None,
                }),
            };
            if row.revoked_at.is_some_and(|t| t <= now) {
                return Ok(verdict(VerifyCode::Revoked));
            }
            if row.expires_at.is_some_and(|t| t <= now) {
                return Ok(verdict(VerifyCode::Expired));
            }
            let project_row = tx
                .record_get(Table::Projects, &row.project_id)?
                .filter(|p| p.parent == row.org_id)
                .ok_or_else(|| {
                    Error::integrity(format!(
                        "api_keys row {} names a project that does not exist",
                        row.id
                    ))
                })?;
            let project: ProjectRecord = store.open_record(Table::Projects, &project_row)?;
            if project.status == ProjectStatus::Archived {
                return Ok(verdict(VerifyCode::ProjectArchived));
            }
            let Some(effective) = effective else {
                return Ok(verdict(VerifyCode::OwnerRemoved));
            };
            if !req
                .require
                .iter()
                .all(|r| Scope::permits(effective, &scopes, r))
            {
                return Ok(verdict(VerifyCode::InsufficientPermissions));
            }
            Ok(verdict(VerifyCode::Valid))
        })
    }
}

impl Drop for Verifier<'_> {
    fn drop(&mut self) {
        // Best effort: callers that must know use `flush()` and see its error.
        let _ = self.flush();
    }
}
