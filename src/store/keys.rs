//! API keys: issued once, stored as an HMAC; listed, updated, revoked, rotated and pruned.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::records::Disabled;
use super::Tx;
use super::{KeyInfo, KeyLimits, KeyRecord, MonthUsage, NewKey, NewKeys, OwnerView, ProjectLimits, Store};
use crate::crypto::{ApiKey, KeyPrefix, RowKeys, StoreKey};
use crate::db::{KeyRow, KeysOf};
use crate::domain::{
    from_unix, validate_external_id, validate_meta, validate_name, Cidr, Duration, Id, IdKind, KeyStatus, OwnerRef,
    Permission, ProjectStatus, Refill, Scope,
};
use crate::error::{Error, Result};

/// How many keys a batch creates between folds of its row changes into the ledger.
#[cfg(not(test))]
const LEDGER_FOLD_EVERY: usize = 50_000;
#[cfg(test)]
const LEDGER_FOLD_EVERY: usize = 7;

/// When a key stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Never,
    After(Duration),
    At(DateTime<Utc>),
}

/// What `key create` asks for.
#[derive(Debug, Clone)]
pub struct KeyCreate {
    pub name: Option<String>,
    pub project: Option<String>,
    pub owner_email: Option<String>,
    pub service_account: Option<String>,
    pub permission: Option<Permission>,
    pub scopes: Vec<Scope>,
    pub expiry: Expiry,
    pub limits: KeyLimits,
    pub count: u32,
    /// The user's own metadata, sealed and returned by verify.
    pub meta: BTreeMap<String, String>,
    pub external_id: Option<String>,
}

impl Default for KeyCreate {
    fn default() -> Self {
        KeyCreate {
            name: None,
            project: None,
            owner_email: None,
            service_account: None,
            permission: None,
            scopes: Vec::new(),
            expiry: Expiry::Never,
            limits: KeyLimits::default(),
            count: 1,
            meta: BTreeMap::new(),
            external_id: None,
        }
    }
}

/// What `key update` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyUpdate {
    pub name: Option<String>,
    pub permission: Option<Permission>,
    pub scopes: Option<Vec<Scope>>,
    pub expiry: Option<Expiry>,
    pub rpm: Option<u64>,
    pub max_uses: Option<u64>,
    /// Replaces the allowlist when `Some` (an empty list clears it).
    pub allow_ip: Option<Vec<Cidr>>,
    /// Makes `max_uses` start again each UTC day or month.
    pub refill: Option<Refill>,
    /// Removes every metadata entry first (then `meta` applies).
    pub clear_meta: bool,
    /// Sets each pair; an empty value removes that name.
    pub meta: Vec<(String, String)>,
    /// Sets the external id; an empty string removes it.
    pub external_id: Option<String>,
}

/// Which keys `key list` shows.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub project: Option<String>,
    /// `None` means every status.
    pub status: Option<KeyStatus>,
    /// Only keys in a rotation grace period (replaced, still working until `ends_at`).
    pub rotating: bool,
    /// Only keys with this external id.
    pub external_id: Option<String>,
    /// Only keys that stop working (expiry or end of grace) within this long from now.
    pub expiring_within: Option<Duration>,
}

/// A key row opened and checked: its clear columns and sealed record together.
#[derive(Debug, Clone)]
pub(crate) struct OpenedKey {
    pub row: KeyRow,
    pub record: KeyRecord,
}

impl OpenedKey {
    /// Revoked, then expired, then disabled: the order verify checks them in.
    pub fn status(&self, now: i64) -> KeyStatus {
        if self.row.revoked_at.is_some_and(|t| t <= now) {
            KeyStatus::Revoked
        } else if self.row.expires_at.is_some_and(|t| t <= now) {
            KeyStatus::Expired
        } else if self.record.disabled.is_some() {
            KeyStatus::Disabled
        } else {
            KeyStatus::Active
        }
    }

    /// When the key stops working by itself: its expiry or the end of its rotation
    /// grace, whichever comes first.
    pub fn ends_at(&self) -> Option<i64> {
        [self.row.expires_at, self.row.revoked_at].into_iter().flatten().min()
    }

    /// Replaced by `key rotate` and still working until its grace ends.
    pub fn in_grace(&self, now: i64) -> bool {
        self.row.revoked_at.is_some_and(|t| t > now) && self.status(now) != KeyStatus::Revoked
    }
}

fn key_aad(row: &KeyRow) -> Vec<u8> {
    let opt = |v: Option<i64>| match v {
        Some(t) => [&[1u8][..], &t.to_be_bytes()].concat(),
        None => vec![0u8],
    };
    crate::crypto::aad(
        super::domains::KEY_AAD,
        &[
            row.id.as_bytes(),
            row.org_id.as_bytes(),
            row.project_id.as_bytes(),
            row.owner_id.as_bytes(),
            &row.hash,
            &row.created_at.to_be_bytes(),
            &opt(row.expires_at),
            &opt(row.revoked_at),
        ],
    )
}

/// The expiry time of a new lifetime, within the project's `max_ttl`: a longer one is
/// refused, and no lifetime at all gets the maximum.
/// The store-wide cap (from the user's config) applies like a project's, whichever is
/// shorter.
fn cap_expiry(
    limits: &ProjectLimits,
    store_max: Option<Duration>,
    expiry: Expiry,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let expires_at = resolve_expiry(expiry, now)?;
    let (max, whose) = match (limits.max_ttl, store_max) {
        (Some(p), Some(s)) if s < p => (s, "the config's max_ttl"),
        (Some(p), _) => (p, "this project's max TTL"),
        (None, Some(s)) => (s, "the config's max_ttl"),
        (None, None) => return Ok(expires_at),
    };
    let latest = now.timestamp() + max.seconds();
    match expires_at {
        None => Ok(Some(latest)),
        Some(t) if t > latest => Err(Error::refused(format!(
            "{whose} is {max}; pass a --ttl of at most {max} (or raise it with `keyctl project limits --max-ttl`)"
        ))),
        Some(t) => Ok(Some(t)),
    }
}

fn resolve_expiry(expiry: Expiry, now: DateTime<Utc>) -> Result<Option<i64>> {
    match expiry {
        Expiry::Never => Ok(None),
        Expiry::After(d) if d.seconds() <= 0 => Err(Error::invalid("--ttl must be longer than 0s")),
        Expiry::After(d) => Ok(Some(now.timestamp() + d.seconds())),
        Expiry::At(t) if t <= now => Err(Error::invalid("--expires-at must be in the future")),
        Expiry::At(t) => Ok(Some(t.timestamp())),
    }
}

/// Refuses a value that holds something shaped like a key: metadata and external ids are
/// returned by every verify and listing, so a secret pasted there would leak. The value is
/// never echoed.
fn refuse_secret(what: &str, value: &str) -> Result<()> {
    let prefixes = [KeyPrefix::Project.as_str(), KeyPrefix::ServiceAccount.as_str(), StoreKey::PREFIX];
    if !crate::crypto::find_secrets(value).is_empty() || prefixes.iter().any(|p| value.contains(p)) {
        return Err(Error::invalid(format!(
            "{what} looks like it holds a key; keys never go into metadata (it is shown by every verify and listing)"
        )));
    }
    Ok(())
}

/// Checks a key's metadata and external id: bounds, and no pasted keys.
fn check_meta(meta: &BTreeMap<String, String>, external_id: Option<&str>) -> Result<()> {
    validate_meta(meta)?;
    for (k, v) in meta {
        refuse_secret("a --meta name", k)?;
        refuse_secret(&format!("--meta {k}"), v)?;
    }
    if let Some(x) = external_id {
        refuse_secret("--external-id", x)?;
        validate_external_id(x)?;
    }
    Ok(())
}

impl Store {
    /// Seals a key row; the row's clear columns become associated data.
    pub(crate) fn seal_key(&self, mut row: KeyRow, record: &KeyRecord) -> Result<KeyRow> {
        let plain = zeroize::Zeroizing::new(record.to_bytes()?);
        row.payload = self.keys().seal(&key_aad(&row), &plain);
        Ok(row)
    }

    /// Authenticates a key row and checks it is the latest version; any edited column,
    /// payload or rolled-back row fails here.
    pub(crate) fn open_key(&self, tx: &Tx<'_>, row: &KeyRow) -> Result<OpenedKey> {
        let key = self.open_key_sealed(row)?;
        self.check_fresh(tx, "api_keys", &row.id, &row.payload)?;
        Ok(key)
    }

    /// Re-seals every key row from `from` to `to` (a rekey or an upgrade).
    pub(crate) fn reseal_keys(&self, tx: &Tx<'_>, from: &RowKeys, to: &RowKeys) -> Result<()> {
        for mut row in tx.all_keys()? {
            let aad = key_aad(&row);
            let plain = from
                .open(&aad, &row.payload)
                .ok_or_else(|| Error::integrity(format!("api_keys row {} fails authentication", row.id)))?;
            row.payload = to.seal(&aad, &plain);
            tx.key_update(&row)?;
        }
        Ok(())
    }

    /// Authenticates a key row's columns and payload (no ledger check).
    pub(crate) fn open_key_sealed(&self, row: &KeyRow) -> Result<OpenedKey> {
        let fail = || Error::integrity(format!("api_keys row {} fails authentication", row.id));
        let plain = self.keys().open(&key_aad(row), &row.payload).ok_or_else(fail)?;
        let record = KeyRecord::from_bytes(&plain, &row.owner_id).ok_or_else(fail)?;
        Ok(OpenedKey { row: row.clone(), record })
    }

    pub(crate) fn key_view(
        &self,
        tx: &Tx<'_>,
        key: &OpenedKey,
        names: &mut HashMap<String, String>,
    ) -> Result<KeyInfo> {
        let owner_id = key.record.owner.id().to_owned();
        let name = match names.get(&owner_id) {
            Some(n) => n.clone(),
            None => {
                let n = self.principal_name(tx, &key.record.owner)?;
                names.insert(owner_id.clone(), n.clone());
                n
            }
        };
        let (from, to) = self.month_days();
        let figures = tx.key_usage_figures(&key.row.id, from, to)?;
        let (uses, last_used) = (figures.uses, figures.last_at);
        let now = self.now().timestamp();
        let remaining = match key.record.limits.max_uses {
            Some(max) => {
                let used = match key.record.limits.refill {
                    Some(refill) => super::verify::refill_used(tx, &key.row.id, refill, now)?,
                    None => uses,
                };
                Some(max.saturating_sub(used.max(0) as u64))
            }
            None => None,
        };
        let status = key.status(now);
        let ends_at = key.ends_at();
        let live = matches!(status, KeyStatus::Active | KeyStatus::Disabled);
        Ok(KeyInfo {
            id: key.row.id.clone(),
            name: key.record.name.clone(),
            org_id: key.row.org_id.clone(),
            project_id: key.row.project_id.clone(),
            owner: OwnerView { kind: key.record.owner.type_str(), id: owner_id, name },
            permission: key.record.permission,
            scopes: key.record.scopes.clone(),
            redacted: key.record.redacted.clone(),
            status,
            created_at: from_unix(key.row.created_at),
            expires_at: key.row.expires_at.map(from_unix),
            revoked_at: key.row.revoked_at.map(from_unix),
            // A key's lifetime starts at the next whole second, so a use in its first second
            // is stamped up to a second before it: show that use at the creation. (Anything
            // earlier is shown as stored: the counter is plain, see README.)
            last_used_at: last_used
                .map(|t| from_unix(if (0..=1).contains(&(key.row.created_at - t)) { key.row.created_at } else { t })),
            revoke_reason: key.record.revoke_reason.clone(),
            rpm: key.record.limits.rpm,
            max_uses: key.record.limits.max_uses,
            uses,
            allow_ip: key.record.limits.allow_ip.clone(),
            this_month: MonthUsage::new(figures.requests, figures.cost, None),
            disabled_at: key.record.disabled.as_ref().map(|d| from_unix(d.at)),
            disable_reason: key.record.disabled.as_ref().and_then(|d| d.reason.clone()),
            meta: key.record.meta.clone(),
            external_id: key.record.external_id.clone(),
            refill: key.record.limits.refill,
            remaining,
            successor_id: key.record.successor.clone(),
            predecessor_id: key.record.predecessor.clone(),
            rotating: key.in_grace(now),
            ends_at: ends_at.map(from_unix),
            expires_in_seconds: ends_at.filter(|_| live).map(|t| t - now),
        })
    }

    /// Every key in `org_id` named exactly `name`.
    fn keys_named(&self, tx: &Tx<'_>, org_id: &str, name: &str) -> Result<Vec<OpenedKey>> {
        let mut matches = Vec::new();
        for row in tx.keys(KeysOf::Org(org_id))? {
            let key = self.open_key(tx, &row)?;
            if key.record.name.as_deref() == Some(name) {
                matches.push(key);
            }
        }
        Ok(matches)
    }

    /// Finds a key in `org_id` by id, or by name when exactly one key has it.
    pub(crate) fn find_key(&self, tx: &Tx<'_>, org_id: &str, id_or_name: &str) -> Result<OpenedKey> {
        // The secret itself (say, a leaked key pasted into `key revoke`): looked up by its
        // hash, and never repeated back in full.
        if let Some(secret) = ApiKey::parse(id_or_name.trim()) {
            let hash = self.keys().key_hash(secret.expose_secret());
            let row = tx.key_by_hash(&hash)?.filter(|r| r.org_id == org_id).ok_or_else(|| Error::NotFound {
                what: "key",
                name: secret.redacted(),
                hint: Some("no key with this secret in this organization".into()),
            })?;
            return self.open_key(tx, &row);
        }
        if id_or_name.starts_with(KeyPrefix::Project.as_str())
            || id_or_name.starts_with(KeyPrefix::ServiceAccount.as_str())
        {
            // Key-shaped but its checksum fails: a mistyped or truncated secret. Say so
            // without printing it.
            return Err(Error::NotFound {
                what: "key",
                name: format!("{}...", id_or_name.chars().take(12).collect::<String>()),
                hint: Some("it looks like a key, but its checksum does not match (mistyped or truncated)".into()),
            });
        }
        if Id::is_of_kind(id_or_name, IdKind::Key) {
            let row = tx
                .key_get(id_or_name)?
                .filter(|r| r.org_id == org_id)
                .ok_or_else(|| Error::not_found("key", id_or_name))?;
            return self.open_key(tx, &row);
        }
        let mut matches = self.keys_named(tx, org_id, id_or_name)?;
        // Prefer the one live key of that name (active or disabled: it can be enabled again)
        // over revoked or expired namesakes, and over a rotated predecessor still in its
        // grace period.
        let now = self.now().timestamp();
        let live = |k: &OpenedKey, now: i64| matches!(k.status(now), KeyStatus::Active | KeyStatus::Disabled);
        for keep in [&live as &dyn Fn(&OpenedKey, i64) -> bool, &|k: &OpenedKey, now: i64| {
            live(k, now) && k.row.revoked_at.is_none()
        }] {
            if matches.len() > 1 {
                let narrowed: Vec<_> = matches.iter().filter(|k| keep(k, now)).cloned().collect();
                if narrowed.len() == 1 {
                    matches = narrowed;
                }
            }
        }
        match matches.len() {
            0 => {
                let mut names: Vec<String> = Vec::new();
                for row in tx.keys(KeysOf::Org(org_id))? {
                    if let Some(n) = self.open_key(tx, &row)?.record.name {
                        if !names.contains(&n) {
                            names.push(n);
                        }
                    }
                }
                Err(Error::NotFound {
                    what: "key",
                    name: id_or_name.to_owned(),
                    hint: super::suggest(id_or_name, &names),
                })
            }
            1 => Ok(matches.remove(0)),
            _ => Err(Error::Usage(format!(
                "{} keys are named {id_or_name:?} ({}); pass a key id",
                matches.len(),
                matches.iter().map(|k| k.row.id.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Issues `spec.count` keys in one transaction: all or none.
    pub fn create_keys(&self, org_id: &str, spec: &KeyCreate) -> Result<Vec<NewKey>> {
        Ok(self.create_key_batch(org_id, spec, &mut |_, _| {})?.iter().collect())
    }

    /// [`Store::create_keys`], packed ([`NewKeys`]: what `--count 1000000` needs), calling
    /// `progress(done, total)` now and then along the way. One transaction.
    pub fn create_key_batch(
        &self,
        org_id: &str,
        spec: &KeyCreate,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<NewKeys> {
        self.write(|tx| self.create_keys_in(tx, org_id, spec, progress))
    }

    pub(crate) fn create_keys_in(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        spec: &KeyCreate,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<NewKeys> {
        if let Some(name) = &spec.name {
            validate_name("key", name)?;
        }
        if spec.count == 0 {
            return Err(Error::invalid("--count must be at least 1"));
        }
        check_meta(&spec.meta, spec.external_id.as_deref())?;
        if spec.limits.refill.is_some() && spec.limits.max_uses.is_none() {
            return Err(Error::invalid("--refill needs --max-uses N: it says how often that allowance starts again"));
        }
        let permission = match (spec.permission, spec.scopes.is_empty()) {
            (None, true) => Permission::All,
            (None, false) | (Some(Permission::Restricted), _) => Permission::Restricted,
            (Some(p), false) => {
                return Err(Error::invalid(format!("--scope applies only to restricted keys, not to permission {p}")))
            }
            (Some(p), true) => p,
        };
        let scopes = Scope::normalize(spec.scopes.clone())?;
        let limits = spec.limits.clone().normalized();
        let project = self.target_project(tx, org_id, spec.project.as_deref())?;
        let expires_at = cap_expiry(&project.limits, self.max_ttl, spec.expiry, self.now_ceil())?;
        if project.status == ProjectStatus::Archived {
            return Err(Error::refused(format!(
                "project {:?} is archived; unarchive it before issuing keys",
                project.name
            )));
        }
        let (owner, prefix) = self.key_owner(tx, org_id, &project.id, spec)?;
        let record = KeyRecord {
            name: spec.name.clone(),
            owner: owner.clone(),
            permission,
            scopes: scopes.clone(),
            redacted: String::new(),
            revoke_reason: None,
            limits,
            disabled: None,
            meta: spec.meta.clone(),
            external_id: spec.external_id.clone(),
            successor: None,
            predecessor: None,
        };
        let total = spec.count as usize;
        let mut out: Option<NewKeys> = None;
        for done in 0..total {
            if done % 1000 == 0 {
                progress(done, total);
            }
            // Fold the ledger's pending row changes in now and then: they hold a copy of
            // every sealed row, which for a million keys would be a quarter of a gigabyte.
            if done > 0 && done % LEDGER_FOLD_EVERY == 0 {
                self.ledger_apply(tx)?;
            }
            let secret = ApiKey::generate(prefix);
            let mut record = record.clone();
            record.redacted = secret.redacted();
            let row = self.seal_key(
                KeyRow {
                    id: Id::generate(IdKind::Key).to_string(),
                    org_id: org_id.to_owned(),
                    project_id: project.id.clone(),
                    owner_id: owner.id().to_owned(),
                    hash: self.keys().key_hash(secret.expose_secret()).to_vec(),
                    created_at: self.now_ceil().timestamp(),
                    expires_at,
                    revoked_at: None,
                    payload: Vec::new(),
                },
                &record,
            )?;
            tx.key_insert(&row)?;
            let keys = match &mut out {
                Some(keys) => keys,
                // The first key's listing, read like any other; a new key has no usage, so
                // the others copy it.
                None => out.insert(NewKeys::new(
                    self.key_view(tx, &OpenedKey { row: row.clone(), record }, &mut HashMap::new())?,
                    prefix,
                    total,
                )),
            };
            keys.push(&row.id, &secret, row.created_at);
        }
        let out = out.ok_or_else(|| Error::invalid("--count must be at least 1"))?;
        // One entry for the whole batch: a million keys should not mean a million audit
        // entries. It names every key id.
        let mut details = json!({
            "permission": permission,
            "scopes": scopes,
            "owner": owner.id(),
            "expires_at": expires_at.map(from_unix),
        });
        let first = Some(out.id(0));
        if out.len() > 1 {
            details["count"] = json!(out.len());
            #[derive(serde::Serialize)]
            struct Batch<'a, I: serde::Serialize> {
                #[serde(flatten)]
                shared: &'a serde_json::Value,
                key_ids: I,
            }
            self.audit(
                tx,
                "key.created",
                first,
                Some(&project.id),
                Batch { shared: &details, key_ids: out.ids_json() },
            )?;
        } else {
            self.audit(tx, "key.created", first, Some(&project.id), details)?;
        }
        Ok(out)
    }

    /// Who will own a new key, and its prefix: the named member or service account, or
    /// the store's holder. The owner must have a role in the project.
    fn key_owner(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        project_id: &str,
        spec: &KeyCreate,
    ) -> Result<(OwnerRef, KeyPrefix)> {
        let (owner, prefix) = match (&spec.owner_email, &spec.service_account) {
            (Some(_), Some(_)) => return Err(Error::invalid("--owner and --service-account cannot be used together")),
            (Some(email), None) => {
                (OwnerRef::Member(self.find_member_record(tx, org_id, email)?.0), KeyPrefix::Project)
            }
            (None, Some(sa)) => (
                OwnerRef::ServiceAccount(self.find_service_account_id(tx, org_id, project_id, sa)?),
                KeyPrefix::ServiceAccount,
            ),
            (None, None) => (OwnerRef::Member(self.holder_member(tx, org_id)?.0), KeyPrefix::Project),
        };
        if self.principal_role(tx, &owner, project_id)?.is_none() {
            return Err(Error::refused(format!(
                "{} has no role in this project; give it one before issuing it a key",
                self.principal_name(tx, &owner)?
            )));
        }
        Ok((owner, prefix))
    }

    pub fn list_keys(&self, org_id: &str, filter: &KeyFilter) -> Result<Vec<KeyInfo>> {
        self.read(|tx| {
            let rows = match &filter.project {
                Some(p) => {
                    let project = self.find_project(tx, org_id, p)?;
                    tx.keys(KeysOf::Project(&project.id))?
                }
                None => tx.keys(KeysOf::Org(org_id))?,
            };
            let now = self.now().timestamp();
            let mut names = HashMap::new();
            let mut out = Vec::new();
            for row in rows {
                let key = self.open_key(tx, &row)?;
                if filter.status.is_some_and(|s| s != key.status(now))
                    || (filter.rotating && !key.in_grace(now))
                    || filter.external_id.as_ref().is_some_and(|x| key.record.external_id.as_ref() != Some(x))
                {
                    continue;
                }
                if let Some(within) = filter.expiring_within {
                    let soon = key.ends_at().is_some_and(|t| t > now && t <= now + within.seconds());
                    if !soon {
                        continue;
                    }
                }
                out.push(self.key_view(tx, &key, &mut names)?);
            }
            Ok(out)
        })
    }

    /// The id and name of every named key in `org_id`, each row authenticated and checked
    /// against the ledger like a listing's: what a report needs to name its keys, without
    /// the listing's usage figures, owners and limits.
    pub fn key_names(&self, org_id: &str) -> Result<Vec<(String, String)>> {
        self.read(|tx| {
            let mut out = Vec::new();
            for row in tx.keys(KeysOf::Org(org_id))? {
                let key = self.open_key(tx, &row)?;
                if let Some(name) = key.record.name {
                    out.push((key.row.id, name));
                }
            }
            Ok(out)
        })
    }

    /// Identifies a presented key without recording a use: its listing (in whichever org
    /// it belongs to), or `None` when it is malformed or this store does not know it.
    pub fn identify_key(&self, secret: &str) -> Result<Option<KeyInfo>> {
        let Some(key) = ApiKey::parse(secret) else { return Ok(None) };
        let hash = self.keys().key_hash(key.expose_secret());
        self.read(|tx| {
            let Some(row) = tx.key_by_hash(&hash)? else { return Ok(None) };
            let key = self.open_key(tx, &row)?;
            self.key_view(tx, &key, &mut HashMap::new()).map(Some)
        })
    }

    pub fn show_key(&self, org_id: &str, key: &str) -> Result<KeyInfo> {
        self.read(|tx| {
            let key = self.find_key(tx, org_id, key)?;
            self.key_view(tx, &key, &mut HashMap::new())
        })
    }

    /// Rewrites a key's row after `change`, checked and audited, in the caller's transaction.
    fn rewrite_key(
        &self,
        tx: &Tx<'_>,
        mut key: OpenedKey,
        action: &str,
        details: serde_json::Value,
    ) -> Result<KeyInfo> {
        let row = self.seal_key(key.row.clone(), &key.record)?;
        tx.key_update(&row)?;
        key.row = row;
        self.audit(tx, action, Some(&key.row.id), Some(&key.row.project_id), details)?;
        self.key_view(tx, &key, &mut HashMap::new())
    }

    pub fn update_key(&self, org_id: &str, key: &str, update: &KeyUpdate) -> Result<KeyInfo> {
        if let Some(name) = &update.name {
            validate_name("key", name)?;
        }
        let now = self.now();
        self.write(|tx| {
            let mut key = self.find_key(tx, org_id, key)?;
            if key.status(now.timestamp()) == KeyStatus::Revoked {
                return Err(Error::refused(format!("key {} is revoked and cannot be changed", key.row.id)));
            }
            let mut changed = serde_json::Map::new();
            if let Some(name) = &update.name {
                key.record.name = Some(name.clone());
                changed.insert("name".into(), json!(name));
            }
            if let Some(p) = update.permission {
                key.record.permission = p;
                if p != Permission::Restricted && update.scopes.is_none() {
                    key.record.scopes.clear();
                }
                changed.insert("permission".into(), json!(p));
            }
            if let Some(scopes) = &update.scopes {
                let scopes = Scope::normalize(scopes.clone())?;
                if key.record.permission != Permission::Restricted && !scopes.is_empty() {
                    if update.permission.is_some() {
                        return Err(Error::invalid("--scope applies only to restricted keys"));
                    }
                    key.record.permission = Permission::Restricted;
                }
                changed.insert("scopes".into(), json!(scopes));
                key.record.scopes = scopes;
            }
            if let Some(e) = update.expiry {
                let project = self.find_project(tx, org_id, &key.row.project_id)?;
                let expires_at = cap_expiry(&project.limits, self.max_ttl, e, self.now_ceil())?;
                key.row.expires_at = expires_at;
                changed.insert("expires_at".into(), json!(expires_at.map(from_unix)));
            }
            if let Some(rpm) = update.rpm {
                key.record.limits.rpm = super::no_limit_at_zero(Some(rpm));
                changed.insert("rpm".into(), json!(rpm));
            }
            if let Some(max_uses) = update.max_uses {
                key.record.limits.max_uses = super::no_limit_at_zero(Some(max_uses));
                changed.insert("max_uses".into(), json!(max_uses));
            }
            if let Some(allow) = &update.allow_ip {
                key.record.limits.allow_ip = allow.clone();
                changed.insert("allow_ip".into(), json!(allow));
            }
            if let Some(refill) = update.refill {
                key.record.limits.refill = Some(refill);
                changed.insert("refill".into(), json!(refill));
            }
            if key.record.limits.max_uses.is_none() {
                if update.refill.is_some() {
                    return Err(Error::invalid(
                        "--refill needs --max-uses N: it says how often that allowance starts again",
                    ));
                }
                // No allowance, nothing to refill.
                key.record.limits.refill = None;
            }
            if update.clear_meta || !update.meta.is_empty() {
                if update.clear_meta {
                    key.record.meta.clear();
                }
                for (k, v) in &update.meta {
                    if v.is_empty() {
                        key.record.meta.remove(k);
                    } else {
                        key.record.meta.insert(k.clone(), v.clone());
                    }
                }
                // The audit log names what changed, not the values.
                changed.insert("meta".into(), json!(key.record.meta.keys().collect::<Vec<_>>()));
            }
            if let Some(x) = &update.external_id {
                key.record.external_id = Some(x.clone()).filter(|x| !x.is_empty());
                changed.insert("external_id".into(), json!(key.record.external_id));
            }
            check_meta(&key.record.meta, key.record.external_id.as_deref())?;
            if changed.is_empty() {
                return Err(Error::Usage(
                    "nothing to update: pass --name, --permission, --scope, --ttl, --expires-at, --rpm, --max-uses, --refill, --allow-ip, --meta, --clear-meta or --external-id".into(),
                ));
            }
            self.rewrite_key(tx, key, "key.updated", serde_json::Value::Object(changed))
        })
    }

    /// Disables a key: verify answers DISABLED until [`Store::enable_key`]. It still
    /// expires, and can still be revoked, updated or rotated.
    pub fn disable_key(&self, org_id: &str, key: &str, reason: Option<&str>) -> Result<KeyInfo> {
        if let Some(r) = reason {
            crate::domain::validate_description(r)?;
        }
        let now = self.now().timestamp();
        self.write(|tx| {
            let mut key = self.find_key(tx, org_id, key)?;
            if key.status(now) == KeyStatus::Revoked {
                return Err(Error::refused(format!("key {} is revoked; there is nothing to disable", key.row.id)));
            }
            if key.record.disabled.is_some() {
                return Err(Error::refused(format!(
                    "key {} is already disabled; `keyctl key enable {}` turns it back on",
                    key.row.id, key.row.id
                )));
            }
            let reason = reason.map(crate::crypto::redact_secrets);
            key.record.disabled = Some(Disabled { at: now, reason: reason.clone() });
            self.rewrite_key(tx, key, "key.disabled", json!({ "reason": reason }))
        })
    }

    /// Enables a disabled key again.
    pub fn enable_key(&self, org_id: &str, key: &str) -> Result<KeyInfo> {
        let now = self.now().timestamp();
        self.write(|tx| {
            let mut key = self.find_key(tx, org_id, key)?;
            if key.status(now) == KeyStatus::Revoked {
                return Err(Error::refused(format!("key {} is revoked and cannot be enabled", key.row.id)));
            }
            if key.record.disabled.is_none() {
                return Err(Error::refused(format!("key {} is not disabled", key.row.id)));
            }
            key.record.disabled = None;
            self.rewrite_key(tx, key, "key.enabled", json!({}))
        })
    }

    pub fn revoke_key(&self, org_id: &str, key: &str, reason: Option<&str>) -> Result<KeyInfo> {
        let mut revoked = self.revoke_keys(org_id, key, reason, false)?;
        Ok(revoked.remove(0))
    }

    /// Revokes the key `key` names (an id, or a name). By name, the one live key of that
    /// name: a key in its rotation grace and its successor are both live, so that name is
    /// ambiguous (exit 2, both ids listed) unless `all`, which revokes every live key of
    /// that name. Returns what was revoked, in one transaction.
    pub fn revoke_keys(&self, org_id: &str, key: &str, reason: Option<&str>, all: bool) -> Result<Vec<KeyInfo>> {
        if let Some(r) = reason {
            crate::domain::validate_description(r)?;
        }
        let now = self.now().timestamp();
        // A key pasted into the reason (say, the leaked one) is stored redacted.
        let reason = reason.map(crate::crypto::redact_secrets);
        self.write(|tx| {
            // An id, or the secret itself (found by its hash): exactly one key.
            let key_shaped =
                [KeyPrefix::Project, KeyPrefix::ServiceAccount].iter().any(|p| key.starts_with(p.as_str()));
            let targets = if Id::is_of_kind(key, IdKind::Key) || key_shaped {
                vec![self.find_key(tx, org_id, key)?]
            } else {
                let named = self.keys_named(tx, org_id, key)?;
                let live: Vec<OpenedKey> = named
                    .iter()
                    .filter(|k| matches!(k.status(now), KeyStatus::Active | KeyStatus::Disabled))
                    .cloned()
                    .collect();
                match live.len() {
                    0 if named.is_empty() => return Err(Error::not_found("key", key)),
                    0 => {
                        let ids: Vec<&str> = named.iter().map(|k| k.row.id.as_str()).collect();
                        return Err(Error::refused(format!(
                            "every key named {key:?} is already revoked or expired ({})",
                            ids.join(", ")
                        )));
                    }
                    1 => live,
                    _ if all => live,
                    n => {
                        let ids: Vec<String> = live
                            .iter()
                            .map(|k| {
                                if k.row.revoked_at.is_some() {
                                    format!("{} (rotated, in its grace period)", k.row.id)
                                } else {
                                    k.row.id.clone()
                                }
                            })
                            .collect();
                        return Err(Error::Usage(format!(
                            "{n} live keys are named {key:?}: {}; pass a key id, or --all to revoke every one",
                            ids.join(", ")
                        )));
                    }
                }
            };
            let mut out = Vec::with_capacity(targets.len());
            for target in targets {
                if target.status(now) == KeyStatus::Revoked {
                    return Err(Error::refused(format!("key {} is already revoked", target.row.id)));
                }
                out.push(self.revoke_in(tx, target, now, reason.clone())?);
            }
            Ok(out)
        })
    }

    /// Revokes an opened key at `now`, with its reason, audited.
    fn revoke_in(&self, tx: &Tx<'_>, mut key: OpenedKey, now: i64, reason: Option<String>) -> Result<KeyInfo> {
        key.row.revoked_at = Some(now);
        key.record.revoke_reason.clone_from(&reason);
        self.rewrite_key(tx, key, "key.revoked", json!({ "reason": reason }))
    }

    /// Revokes every live key that `keys` selects (used when a project, member or service account
    /// goes away); returns how many.
    pub(crate) fn revoke_keys_where(&self, tx: &Tx<'_>, keys: KeysOf<'_>, reason: &str) -> Result<usize> {
        let now = self.now().timestamp();
        let mut n = 0;
        for row in tx.keys(keys)? {
            let key = self.open_key(tx, &row)?;
            if key.row.revoked_at.is_some_and(|t| t <= now) {
                continue;
            }
            self.revoke_in(tx, key, now, Some(reason.to_owned()))?;
            n += 1;
        }
        Ok(n)
    }

    /// Issues a new key with the same name, owner, permission, scopes and lifetime, and
    /// lets the old one work for `grace` (revoked at once when zero).
    pub fn rotate_key(&self, org_id: &str, key: &str, grace: Duration) -> Result<(NewKey, KeyInfo)> {
        let now = self.now().timestamp();
        self.write(|tx| {
            let mut old = self.find_key(tx, org_id, key)?;
            if old.status(now) == KeyStatus::Revoked {
                return Err(Error::refused(format!("key {} is revoked; create a new key instead", old.row.id)));
            }
            if old.row.revoked_at.is_some() {
                return Err(Error::refused(format!("key {} was already rotated; rotate its successor", old.row.id)));
            }
            if old.status(now) == KeyStatus::Expired {
                // A grace period for a key that already stopped working would promise what
                // never was.
                return Err(Error::refused(format!(
                    "key {} has expired; it cannot be rotated (create a new key with `keyctl key create`)",
                    old.row.id
                )));
            }
            let project = self.find_project(tx, org_id, &old.row.project_id)?;
            if project.status == ProjectStatus::Archived {
                return Err(Error::refused(format!(
                    "project {:?} is archived; unarchive it before rotating keys",
                    project.name
                )));
            }
            let prefix = match old.record.owner {
                OwnerRef::Member(_) => KeyPrefix::Project,
                OwnerRef::ServiceAccount(_) => KeyPrefix::ServiceAccount,
            };
            if self.principal_role(tx, &old.record.owner, &old.row.project_id)?.is_none() {
                return Err(Error::refused("the key's owner no longer has a role in its project"));
            }
            let secret = ApiKey::generate(prefix);
            // The successor starts enabled: rotating is how a disabled (suspect) key is replaced.
            let record = KeyRecord {
                redacted: secret.redacted(),
                revoke_reason: None,
                disabled: None,
                successor: None,
                predecessor: Some(old.row.id.clone()),
                ..old.record.clone()
            };
            let lifetime = old.row.expires_at.map(|e| e - old.row.created_at);
            let lifetime = match lifetime {
                Some(l) => Expiry::After(Duration::from_seconds(l.max(1))),
                None => Expiry::Never,
            };
            // The successor gets the same lifetime, within the project's max TTL today.
            let expires_at = match cap_expiry(&project.limits, self.max_ttl, lifetime, self.now_ceil()) {
                Ok(e) => e,
                Err(_) => {
                    let max = [project.limits.max_ttl, self.max_ttl].into_iter().flatten().min();
                    max.map(|m| now + m.seconds())
                }
            };
            let row = self.seal_key(
                KeyRow {
                    id: Id::generate(IdKind::Key).to_string(),
                    hash: self.keys().key_hash(secret.expose_secret()).to_vec(),
                    created_at: self.now_ceil().timestamp(),
                    expires_at,
                    revoked_at: None,
                    payload: Vec::new(),
                    ..old.row.clone()
                },
                &record,
            )?;
            tx.key_insert(&row)?;
            self.audit(tx, "key.created", Some(&row.id), Some(&row.project_id), json!({ "rotated_from": old.row.id }))?;
            let new_info = self.key_view(tx, &OpenedKey { row: row.clone(), record }, &mut HashMap::new())?;
            // A grace period lasts at least what was asked (times are whole seconds).
            old.row.revoked_at =
                Some(if grace.seconds() > 0 { self.now_ceil().timestamp() + grace.seconds() } else { now });
            old.record.revoke_reason = Some(format!("rotated to {}", row.id));
            old.record.successor = Some(row.id.clone());
            let old_info = self.rewrite_key(
                tx,
                old,
                "key.rotated",
                json!({ "successor": row.id, "grace_seconds": grace.seconds() }),
            )?;
            Ok((NewKey { info: new_info, secret }, old_info))
        })
    }

    /// Deletes revoked and expired keys whose end lies more than `older_than` in the past.
    /// Their audit trail stays. Returns the pruned keys.
    /// The keys [`Store::prune_keys`] would delete, deleting nothing (`key prune --dry-run`).
    pub fn prunable_keys(&self, org_id: &str, older_than: Duration) -> Result<Vec<KeyInfo>> {
        let cutoff = self.now().timestamp() - older_than.seconds();
        self.read(|tx| {
            let mut names = HashMap::new();
            let mut out = Vec::new();
            for row in tx.keys(KeysOf::Org(org_id))?.into_iter().filter(|r| ended_by(r, cutoff)) {
                let key = self.open_key(tx, &row)?;
                out.push(self.key_view(tx, &key, &mut names)?);
            }
            Ok(out)
        })
    }

    pub fn prune_keys(&self, org_id: &str, older_than: Duration) -> Result<Vec<KeyInfo>> {
        let cutoff = self.now().timestamp() - older_than.seconds();
        self.write(|tx| {
            let mut pruned = Vec::new();
            let mut names = HashMap::new();
            for row in tx.keys(KeysOf::Org(org_id))? {
                if ended_by(&row, cutoff) {
                    let key = self.open_key(tx, &row)?;
                    tx.key_delete(&row.id)?;
                    tx.delete_counters(&row.id)?;
                    self.audit(tx, "key.pruned", Some(&row.id), Some(&row.project_id), json!({}))?;
                    pruned.push(self.key_view(tx, &key, &mut names)?);
                }
            }
            Ok(pruned)
        })
    }
}

/// Whether a key was revoked or expired at or before `cutoff` (unix seconds).
fn ended_by(row: &KeyRow, cutoff: i64) -> bool {
    let ended = match (row.revoked_at, row.expires_at) {
        (Some(r), Some(e)) => Some(r.min(e)),
        (r, e) => r.or(e),
    };
    ended.is_some_and(|t| t <= cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{InitOptions, Unlock, VerifyCode, VerifyRequest};
    use crate::SecretString;
    use std::collections::HashSet;

    fn store(dir: &std::path::Path) -> (Store, String) {
        let path = dir.join("keyctl.db");
        let opts = InitOptions { kdf_iterations: 1000, ..InitOptions::default() };
        let (store, org) = Store::init(&path, &SecretString::from("unit test"), &opts).unwrap();
        drop(store);
        (Store::open(&path, Unlock::passphrase("unit test")).unwrap(), org.id)
    }

    /// Issue 14: a batch folds its row changes into the ledger every `LEDGER_FOLD_EVERY`
    /// keys (7 here) inside its one transaction: every key is fresh and verifies, and a
    /// batch that fails after folds leaves neither keys nor ledger entries.
    #[test]
    fn a_batch_folding_its_ledger_is_still_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let (store, org) = store(dir.path());
        let spec = KeyCreate { count: 50, ..KeyCreate::default() };
        let ledger_generation = || store.read(|tx| store.ledger_state(tx)).unwrap().0;
        let before = ledger_generation();
        let keys = store.create_key_batch(&org, &spec, &mut |_, _| {}).unwrap();
        // However many folds, the batch is one write: the ledger moves one generation.
        assert_eq!(ledger_generation(), before + 1);
        assert_eq!(keys.len(), 50);
        assert_eq!(keys.ids().collect::<HashSet<_>>().len(), 50);
        let mut verifier = store.verifier();
        for k in keys.iter() {
            assert_eq!(k.info.redacted, k.secret.redacted());
            let outcome = verifier.verify(&VerifyRequest::new(k.secret.expose_secret())).unwrap();
            assert_eq!(outcome.code, VerifyCode::Valid);
        }
        drop(verifier);
        let listed = store.list_keys(&org, &KeyFilter::default()).unwrap();
        assert_eq!(listed.len(), 50);
        let check = store.check().unwrap();
        assert!(check.is_ok(), "{:?}", check.problems);

        let failed: Result<()> = store.write(|tx| {
            store.create_keys_in(tx, &org, &spec, &mut |_, _| {})?;
            Err(Error::refused("the batch fails after its folds"))
        });
        assert!(failed.is_err());
        assert_eq!(store.list_keys(&org, &KeyFilter::default()).unwrap().len(), 50);
        let check = store.check().unwrap();
        assert!(check.is_ok(), "{:?}", check.problems);
    }
}
