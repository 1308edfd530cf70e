//! The store: unlocking, sealing rows, and every rule of the model. This is the public face
//! of the library (`Store`, `Verifier`); it talks to SQLite only through `crate::db` and
//! never prints.

mod audit;
mod keys;
mod ledger;
mod members;
mod orgs;
mod projects;
mod records;
mod service_accounts;
mod slots;
mod types;
mod usage;
mod verify;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::crypto::{DataKey, KdfParams, RowKeys, SecretString, SlotKey, StoreKey, DEFAULT_PBKDF2_ITERATIONS};
use crate::db::{Db, RecordRow, SlotRow, Table, Tx};
use crate::domain::{from_unix, Clock, SystemClock};
use crate::error::{Error, Result};

pub use audit::AuditFilter;
pub use keys::{Expiry, KeyCreate, KeyFilter, KeyUpdate};
pub use members::RoleScope;
pub(crate) use records::*;
pub use records::{KeyLimits, ProjectLimits};
pub use types::*;
pub use usage::{LimitsUpdate, UsageGroup, UsageQuery};
pub use verify::{RateLimit, VerifiedKey, Verifier, VerifyCode, VerifyOutcome, VerifyRequest};

/// The secret that opens a store.
pub enum Unlock {
    Passphrase(SecretString),
    StoreKey(SecretString),
}

impl Unlock {
    pub fn passphrase(s: impl Into<SecretString>) -> Unlock {
        Unlock::Passphrase(s.into())
    }
    pub fn store_key(s: impl Into<SecretString>) -> Unlock {
        Unlock::StoreKey(s.into())
    }
}

/// What `init` creates besides the store itself.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub org_name: Option<String>,
    pub personal: bool,
    pub owner_email: Option<String>,
    pub kdf_iterations: u32,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions { org_name: None, personal: false, owner_email: None, kdf_iterations: DEFAULT_PBKDF2_ITERATIONS }
    }
}

/// The name of the slot `init` creates for the passphrase.
pub const PASSPHRASE_SLOT: &str = "passphrase";

/// An unlocked store.
pub struct Store {
    db: Db,
    ledger: ledger::LedgerCell,
    data_key: DataKey,
    keys: RowKeys,
    actor: String,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// A store-wide cap on new key lifetimes (the CLI's config `max_ttl`).
    max_ttl: Option<crate::domain::Duration>,
}

fn slot_aad(name: &str, params: &KdfParams) -> Vec<u8> {
    let mut aad = b"keyctl/v1/slot\0".to_vec();
    for part in [name.as_bytes(), params.name().as_bytes(), &params.iterations().to_be_bytes(), params.salt()] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

fn slot_params(row: &SlotRow) -> Result<KdfParams> {
    KdfParams::from_parts(&row.kdf, row.iterations, row.salt.clone()).ok_or_else(|| {
        Error::integrity(format!("unlock slot {:?} has an unknown key derivation {:?}", row.name, row.kdf))
    })
}

/// Creates `path`'s folder (mode 0700) and the empty file (mode 0600), refusing to touch
/// an existing store.
fn create_store_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(format!("cannot set permissions on {}", dir.display()), e))?;
        }
    }
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::StoreExists(path.to_path_buf())
        } else {
            Error::io(format!("cannot create {}", path.display()), e)
        }
    })?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("cannot set permissions on {}", path.display()), e))
}

impl Store {
    /// Creates a new store at `path` protected by `passphrase`, with the first org and its
    /// default project. Refuses to overwrite an existing file.
    pub fn init(path: &Path, passphrase: &SecretString, opts: &InitOptions) -> Result<(Store, Org)> {
        if passphrase.is_empty() {
            return Err(Error::invalid("the passphrase must not be empty"));
        }
        if path.exists() {
            return Err(Error::StoreExists(path.to_path_buf()));
        }
        let owner_email = crate::domain::normalize_email(opts.owner_email.as_deref().unwrap_or("owner@localhost"))?;
        let org_name = opts
            .org_name
            .clone()
            .unwrap_or_else(|| if opts.personal { "Personal" } else { "Default organization" }.to_owned());
        crate::domain::validate_name("organization", &org_name)?;
        create_store_file(path)?;
        let result = (|| {
            let db = Db::create(path)?;
            let data_key = DataKey::generate();
            let store = Store {
                db,
                ledger: Default::default(),
                keys: data_key.row_keys(),
                data_key,
                actor: PASSPHRASE_SLOT.to_owned(),
                path: path.to_path_buf(),
                clock: Arc::new(SystemClock),
                max_ttl: None,
            };
            let org = store.write(|tx| {
                let params = KdfParams::new_pbkdf2(opts.kdf_iterations.max(1));
                let slot = SlotKey::derive(passphrase.expose_secret().as_bytes(), &params);
                tx.slot_put(&SlotRow {
                    name: PASSPHRASE_SLOT.to_owned(),
                    kdf: params.name().to_owned(),
                    iterations: params.iterations(),
                    salt: params.salt().to_vec(),
                    wrapped: slot.wrap(&store.data_key, &slot_aad(PASSPHRASE_SLOT, &params)),
                })?;
                let store_id = crate::crypto::base62_fixed(&crate::crypto::random_bytes::<16>(), 22);
                tx.meta_set("store_id", store_id.as_bytes())?;
                store.put_meta(tx, "owner", &OwnerIdentity { email: owner_email.clone(), ledger: true })?;
                store.audit(tx, "store.created", None, None, serde_json::json!({}))?;
                store.create_org_in(tx, &org_name, opts.personal)
            })?;
            Ok((store, org))
        })();
        if result.is_err() {
            // Nothing usable was written; leave no half-made store behind.
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        result
    }

    /// Opens and unlocks an existing store.
    pub fn open(path: impl AsRef<Path>, unlock: Unlock) -> Result<Store> {
        let path = path.as_ref();
        let db = Db::open(path)?;
        let slots = db.read(|tx| tx.slots())?;
        let (data_key, actor) = match &unlock {
            Unlock::Passphrase(p) => {
                let mut found = None;
                for row in slots.iter().filter(|s| s.kdf == "pbkdf2-sha256") {
                    let params = slot_params(row)?;
                    let key = SlotKey::derive(p.expose_secret().as_bytes(), &params);
                    if let Some(dk) = key.unwrap(&row.wrapped, &slot_aad(&row.name, &params)) {
                        found = Some((dk, row.name.clone()));
                        break;
                    }
                }
                found.ok_or_else(|| Error::Locked("wrong passphrase: it does not open this store".into()))?
            }
            Unlock::StoreKey(k) => {
                let key = StoreKey::parse(k.expose_secret().trim()).ok_or_else(|| {
                    Error::Locked(format!(
                        "KEYCTL_STORE_KEY is not a keyctl store key (expected {}... as printed by `keyctl store add-key`)",
                        StoreKey::PREFIX
                    ))
                })?;
                let mut found = None;
                for row in slots.iter().filter(|s| s.kdf == "hkdf-sha256") {
                    let params = slot_params(row)?;
                    let slot = SlotKey::derive(key.expose_secret().as_bytes(), &params);
                    if let Some(dk) = slot.unwrap(&row.wrapped, &slot_aad(&row.name, &params)) {
                        found = Some((dk, row.name.clone()));
                        break;
                    }
                }
                found.ok_or_else(|| {
                    Error::Locked(
                        "the store key does not open this store (wrong store, or its slot was removed)".into(),
                    )
                })?
            }
        };
        let store = Store {
            db,
            ledger: Default::default(),
            keys: data_key.row_keys(),
            data_key,
            actor,
            path: path.to_path_buf(),
            clock: Arc::new(SystemClock),
            max_ttl: None,
        };
        store.ensure_ledger()?;
        Ok(store)
    }

    /// A store made before the ledger existed gets one built from its rows (each
    /// authenticated first). A store whose owner record says it has a ledger but has no
    /// head was tampered with.
    fn ensure_ledger(&self) -> Result<()> {
        if self.db.read(|tx| tx.meta_get("ledger_head"))?.is_some() {
            return Ok(());
        }
        // Decide and build under the write lock: several processes may open an upgraded
        // store at once, and only the first may build.
        self.db.write(|tx| {
            if tx.meta_get("ledger_head")?.is_some() {
                return Ok(());
            }
            let owner: OwnerIdentity = self
                .get_meta_unchecked(tx, "owner")?
                .ok_or_else(|| Error::integrity("the store has no owner identity"))?;
            if owner.ledger {
                return Err(Error::integrity("the ledger head is missing"));
            }
            // Trust each row's current version once, but only if it authenticates.
            for table in Table::ALL {
                for row in tx.records(table, None)? {
                    self.open_sealed::<serde_json::Value>(table, &row)?;
                }
            }
            for row in tx.all_keys()? {
                self.open_key_sealed(&row)?;
            }
            self.put_meta(tx, "owner", &OwnerIdentity { ledger: true, ..owner.clone() })?;
            self.ledger_bootstrap(tx)
        })
    }

    /// Caps the lifetime of every key issued through this handle (like a project's
    /// `max_ttl`, whichever is shorter).
    pub fn with_max_ttl(mut self, max_ttl: Option<crate::domain::Duration>) -> Store {
        self.max_ttl = max_ttl.filter(|d| d.seconds() > 0);
        self
    }

    /// Replaces the clock (tests and embedders; the CLI never does).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Store {
        self.clock = clock;
        self
    }

    /// The name of the slot that unlocked this store: the actor in audit entries.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Now, rounded up to the next whole second: the base of new lifetimes, so that a key
    /// lives at least its TTL (and a grace lasts at least its length).
    pub(crate) fn now_ceil(&self) -> DateTime<Utc> {
        let t = self.clock.now();
        from_unix(t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0))
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        // Whole seconds: every stored time is an integer of seconds.
        from_unix(self.clock.now().timestamp())
    }

    // ---- sealing --------------------------------------------------------------------------

    fn record_aad(table: Table, id: &str, parent: &str, lookup: &[u8]) -> Vec<u8> {
        let mut aad = b"keyctl/v1/record\0".to_vec();
        for part in [table.name().as_bytes(), id.as_bytes(), parent.as_bytes(), lookup] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }

    pub(crate) fn seal_record<T: Serialize>(
        &self,
        table: Table,
        id: &str,
        parent: &str,
        lookup: &[u8],
        value: &T,
    ) -> Result<RecordRow> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|e| Error::Db(e.to_string()))?);
        let payload = self.keys.seal(&Self::record_aad(table, id, parent, lookup), &plain);
        Ok(RecordRow { id: id.to_owned(), parent: parent.to_owned(), lookup: lookup.to_vec(), payload })
    }

    /// Checks that the store answers and its ledger head authenticates: one read
    /// transaction, cheap enough for a readiness probe.
    pub fn ping(&self) -> Result<()> {
        self.read(|tx| tx.meta_get("store_id").map(|_| ()))
    }

    /// Runs `f` against one consistent snapshot of the store.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.db.read(|tx| {
            self.ledger_refresh(tx)?;
            f(tx)
        })
    }

    /// Runs `f` in one write transaction and records the rows it changed in the ledger
    /// before committing: all of it or none of it.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.db.write(|tx| {
            self.ledger_refresh(tx)?;
            let out = f(tx)?;
            self.ledger_apply(tx)?;
            Ok(out)
        })
    }

    /// Opens a sealed record and checks that it is the latest version (the ledger).
    pub(crate) fn open_record<T: DeserializeOwned>(&self, tx: &Tx<'_>, table: Table, row: &RecordRow) -> Result<T> {
        let value = self.open_sealed(table, row)?;
        self.check_fresh(tx, table.name(), &row.id, &row.payload)?;
        Ok(value)
    }

    /// Opens a sealed record without the ledger check (`store check` reports both).
    pub(crate) fn open_sealed<T: DeserializeOwned>(&self, table: Table, row: &RecordRow) -> Result<T> {
        let plain = self
            .keys
            .open(&Self::record_aad(table, &row.id, &row.parent, &row.lookup), &row.payload)
            .ok_or_else(|| Error::integrity(format!("{} row {} fails authentication", table.name(), row.id)))?;
        serde_json::from_slice(&plain)
            .map_err(|_| Error::integrity(format!("{} row {} has an unreadable payload", table.name(), row.id)))
    }

    pub(crate) fn lookup(&self, table: Table, parent: &str, name: &str) -> [u8; 32] {
        self.keys.blind_index(&[table.name().as_bytes(), parent.as_bytes(), name.to_lowercase().as_bytes()])
    }

    fn meta_aad(name: &str) -> Vec<u8> {
        format!("keyctl/v1/meta\0{name}").into_bytes()
    }

    pub(crate) fn put_meta<T: Serialize>(&self, tx: &Tx<'_>, name: &str, value: &T) -> Result<()> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|e| Error::Db(e.to_string()))?);
        tx.meta_set(name, &self.keys.seal(&Self::meta_aad(name), &plain))
    }

    /// Opens a sealed `meta` record; those the ledger tracks must be their latest version.
    pub(crate) fn get_meta<T: DeserializeOwned>(&self, tx: &Tx<'_>, name: &str) -> Result<Option<T>> {
        let value = self.get_meta_unchecked(tx, name)?;
        if value.is_some() && crate::db::LEDGERED_META.contains(&name) {
            if let Some(sealed) = tx.meta_get(name)? {
                self.check_fresh(tx, "meta", name, &sealed)?;
            }
        }
        Ok(value)
    }

    fn get_meta_unchecked<T: DeserializeOwned>(&self, tx: &Tx<'_>, name: &str) -> Result<Option<T>> {
        let Some(sealed) = tx.meta_get(name)? else {
            return Ok(None);
        };
        let plain = self
            .keys
            .open(&Self::meta_aad(name), &sealed)
            .ok_or_else(|| Error::integrity(format!("meta record {name:?} fails authentication")))?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| Error::integrity(format!("meta record {name:?} is unreadable")))
    }

    pub(crate) fn owner_identity(&self, tx: &Tx<'_>) -> Result<OwnerIdentity> {
        self.get_meta(tx, "owner")?.ok_or_else(|| Error::integrity("the store has no owner identity"))
    }

    // ---- whole-store views ------------------------------------------------------------------

    pub fn info(&self) -> Result<StoreInfo> {
        let file_bytes = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        self.read(|tx| {
            let store_id =
                tx.meta_get("store_id")?.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default();
            Ok(StoreInfo {
                path: self.path.display().to_string(),
                schema_version: self.db.schema_version()?,
                store_id,
                actor: self.actor.clone(),
                owner_email: self.owner_identity(tx)?.email,
                orgs: tx.records(Table::Orgs, None)?.len(),
                projects: tx.records(Table::Projects, None)?.len(),
                keys: tx.all_keys()?.len(),
                slots: slots::slot_infos(&tx.slots()?),
                file_bytes,
            })
        })
    }

    /// Authenticates every row of the store, and the audit chain, and runs SQLite's own
    /// consistency check. Never stops at the first problem: the report names them all.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        for problem in self.db.quick_check()? {
            report.problems.push(format!("sqlite: {problem}"));
        }
        self.read(|tx| {
            for row in tx.slots()? {
                report.rows_checked += 1;
                if slot_params(&row).is_err() {
                    report.problems.push(format!("slots row {:?} has an unknown key derivation", row.name));
                }
            }
            if let Err(e) = self.owner_identity(tx) {
                report.problems.push(e.detail());
            }
            for table in Table::ALL {
                for row in tx.records(table, None)? {
                    report.rows_checked += 1;
                    let opened = match table {
                        Table::Orgs => self.open_sealed::<OrgRecord>(table, &row).map(drop),
                        Table::Projects => self.open_sealed::<ProjectRecord>(table, &row).map(drop),
                        Table::Members => self.open_sealed::<MemberRecord>(table, &row).map(drop),
                        Table::ServiceAccounts => self.open_sealed::<ServiceAccountRecord>(table, &row).map(drop),
                    };
                    if let Err(e) = opened {
                        report.problems.push(e.detail());
                    }
                }
            }
            for row in tx.all_keys()? {
                report.rows_checked += 1;
                if let Err(e) = self.open_key_sealed(&row) {
                    report.problems.push(e.detail());
                }
            }
            report.problems.extend(self.ledger_problems(tx)?);
            report.problems.extend(self.audit_problems(tx)?);
            Ok(())
        })?;
        Ok(report)
    }
}

/// The closest of `names` to `typed`, as a "did you mean" hint, when one is close enough.
pub(crate) fn suggest(typed: &str, names: &[String]) -> Option<String> {
    let typed_lower = typed.to_lowercase();
    names
        .iter()
        .map(|n| (edit_distance(&typed_lower, &n.to_lowercase()), n))
        .filter(|(d, n)| *d <= (n.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| format!("did you mean {n:?}?"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let names = vec!["billing-api".to_owned(), "search".to_owned()];
        assert_eq!(suggest("biling-api", &names).as_deref(), Some("did you mean \"billing-api\"?"));
        assert_eq!(suggest("zzzzzz", &names), None);
    }
}
