//! The store: unlocking, sealing rows, the freshness ledger, and every rule of the model.
//! This is the public face of the library (`Store`, `Verifier`); it reaches storage only
//! through the `crate::db` traits (never a dialect) and never prints.

mod anchor;
mod audit;
mod domains;
mod keys;
mod ledger;
mod members;
mod orgs;
mod projects;
mod records;
mod service_accounts;
mod slots;
mod tx;
mod types;
mod usage;
mod verify;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::crypto::{DataKey, KdfParams, Keyring, RowKeys, SecretString, SlotKey, DEFAULT_PBKDF2_ITERATIONS};
use crate::db::{self, Database, RecordRow, SlotRow, StoreLocation, Table};
use crate::domain::{from_unix, Clock, OrgKind, SystemClock};
use crate::error::{Error, Result};

pub use crate::files::create_private_dir_all;
pub use audit::AuditFilter;
pub use keys::{Expiry, KeyCreate, KeyFilter, KeyUpdate};
pub use members::RoleTarget;
pub(crate) use records::*;
pub use records::{KeyLimits, ProjectLimits};
pub use slots::{Authority, MAX_PBKDF2_ITERATIONS};
pub(crate) use tx::Tx;
pub use types::*;
pub use usage::{LimitsUpdate, UsageGroup, UsageQuery};
pub use verify::{RateLimit, VerifiedKey, Verifier, VerifyCode, VerifyOutcome, VerifyRequest};

/// The secret that opens a store.
#[derive(Clone)]
pub enum Unlock {
    Passphrase(SecretString),
    StoreKey(SecretString),
    /// A data key unwrapped earlier (what `keyctl unlock`'s agent holds), checked against
    /// the store before it is used: it must open the store's sealed holder record, and the
    /// slot that unwrapped it must still exist.
    Unlocked(UnlockedKey),
}

/// A store's data key, unwrapped, and the name of the slot that unwrapped it (the actor).
/// No `Debug`; zeroized on drop; read only through [`UnlockedKey::expose_secret`].
#[derive(Clone)]
pub struct UnlockedKey {
    key: crate::crypto::SecretBytes<32>,
    actor: String,
}

impl UnlockedKey {
    pub fn new(key: crate::crypto::SecretBytes<32>, actor: impl Into<String>) -> UnlockedKey {
        UnlockedKey { key, actor: actor.into() }
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        self.key.expose_secret()
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }
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
    /// What kind the first organization is.
    pub org_kind: OrgKind,
    pub owner_email: Option<String>,
    pub kdf_iterations: u32,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            org_name: None,
            org_kind: OrgKind::Organization,
            owner_email: None,
            kdf_iterations: DEFAULT_PBKDF2_ITERATIONS,
        }
    }
}

/// The name of the slot `init` creates for the passphrase.
pub const PASSPHRASE_SLOT: &str = "passphrase";

/// The clear counter in `meta` that every write transaction bumps (see [`Store::generation`]).
const GENERATION: &str = "generation";

/// An unlocked store.
///
/// `Send`: a server may open it on one thread and move it to a worker. Not `Sync`: its
/// connection and caches serve one thread at a time, so share one behind a `Mutex`, or
/// open one per worker (each process or handle may write; the backend serialises writers).
/// A [`Verifier`] borrows its store, so it stays on the store's thread.
pub struct Store {
    db: Box<dyn Database>,
    ledger: ledger::LedgerCell,
    /// Replaced only by an upgrade or a rekey, inside their write transaction.
    data_key: std::cell::RefCell<Arc<DataKey>>,
    keys: std::cell::RefCell<Arc<RowKeys>>,
    actor: String,
    /// What the unlocking slot may do: only admins manage slots.
    authority: Authority,
    clock: Arc<dyn Clock>,
    /// A store-wide cap on new key lifetimes (the CLI's config `max_ttl`).
    max_ttl: Option<crate::domain::Duration>,
    /// The local rollback anchor, when this handle keeps one (`with_anchor`).
    anchor: Option<anchor::Anchor>,
    /// The ledger's new (generation, head digest) after a write that moved it, until the
    /// anchor has been moved after the commit.
    ledger_moved: std::cell::RefCell<Option<(u64, String)>>,
}

/// The AAD a slot's wrapped data key is sealed under. An admin store key's slot adds the
/// word `admin`, so the flag is authenticated: a file edit cannot grant it (or move it to
/// another slot), and slots written before the flag existed open as non-admin.
fn slot_aad(name: &str, params: &KdfParams, authority: Authority) -> Vec<u8> {
    let iterations = params.iterations().to_be_bytes();
    let mut parts: Vec<&[u8]> = vec![name.as_bytes(), params.name().as_bytes(), &iterations[..], params.salt()];
    if authority == Authority::Admin && params.name() == crate::crypto::KDF_HKDF_SHA256 {
        parts.push(b"admin");
    }
    crate::crypto::aad(domains::SLOT_AAD, &parts)
}

/// The `meta` record holding the sealed keyring; its presence is the store's protection
/// level (2), itself sealed under the data key.
const KEYRING: &str = "keyring";

fn store_keyring(db: &dyn Database) -> Result<Option<Vec<u8>>> {
    let mut out = None;
    db.read(&mut |tx| {
        out = tx.meta_get(KEYRING)?;
        Ok(())
    })?;
    Ok(out)
}

fn open_keyring(data_key: &DataKey, sealed: &[u8]) -> Result<Keyring> {
    data_key.open_keyring(sealed).ok_or_else(|| Error::integrity("the store's keyring fails authentication"))
}

impl Store {
    /// Whether a store is already at `location` (on PostgreSQL, in its schema): lets
    /// `init` refuse before it asks for a passphrase. An unreachable server is an error.
    pub fn exists(location: &StoreLocation) -> Result<bool> {
        db::holds_store(location)
    }

    /// Creates a new store at `location` protected by `passphrase`, with the first org and
    /// its default project. Refuses to overwrite an existing store.
    pub fn init(
        location: impl Into<StoreLocation>,
        passphrase: &SecretString,
        opts: &InitOptions,
    ) -> Result<(Store, Org)> {
        let location = location.into();
        if passphrase.is_empty() {
            return Err(Error::invalid("the passphrase must not be empty"));
        }
        if db::exists(&location) {
            return Err(Error::StoreExists(location));
        }
        let owner_email = crate::domain::normalize_email(opts.owner_email.as_deref().unwrap_or("owner@localhost"))?;
        let org_name = opts.org_name.clone().unwrap_or_else(|| {
            match opts.org_kind {
                OrgKind::Personal => "Personal",
                OrgKind::Organization => "Default organization",
            }
            .to_owned()
        });
        crate::domain::validate_name("organization", &org_name)?;
        let db = db::create(&location)?;
        let result = (move || {
            let data_key = DataKey::generate();
            let keyring = Keyring::generate();
            let store = Store {
                db,
                ledger: Default::default(),
                keys: std::cell::RefCell::new(Arc::new(data_key.row_keys(&keyring))),
                data_key: std::cell::RefCell::new(Arc::new(data_key)),
                actor: PASSPHRASE_SLOT.to_owned(),
                authority: Authority::Admin,
                clock: Arc::new(SystemClock),
                max_ttl: None,
                anchor: None,
                ledger_moved: Default::default(),
            };
            let org = store.write(|tx| {
                let params = KdfParams::new_pbkdf2(opts.kdf_iterations.clamp(1, MAX_PBKDF2_ITERATIONS));
                let slot = SlotKey::derive(passphrase.expose_secret().as_bytes(), &params);
                tx.slot_put(&SlotRow {
                    name: PASSPHRASE_SLOT.to_owned(),
                    kdf: params.name().to_owned(),
                    iterations: params.iterations(),
                    salt: params.salt().to_vec(),
                    wrapped: slot.wrap(&store.data_key(), &slot_aad(PASSPHRASE_SLOT, &params, Authority::Admin)),
                })?;
                tx.meta_set(KEYRING, &store.data_key().seal_keyring(&keyring))?;
                let store_id = crate::crypto::base62_fixed(&crate::crypto::random_bytes::<16>(), 22);
                tx.meta_set("store_id", store_id.as_bytes())?;
                store.put_meta(tx, "owner", &HolderIdentity { email: owner_email.clone(), ledger: true })?;
                store.audit(tx, "store.created", None, None, serde_json::json!({}))?;
                store.create_org_in(tx, &org_name, opts.org_kind)
            })?;
            Ok((store, org))
        })();
        if result.is_err() {
            // Nothing usable was written; leave no half-made store behind.
            db::remove_unfinished(&location);
        }
        result
    }

    /// Opens and unlocks an existing store.
    pub fn open(location: impl Into<StoreLocation>, unlock: Unlock) -> Result<Store> {
        Store::unlock(db::open(&location.into())?, unlock)
    }

    /// Unlocks an open backend.
    fn unlock(db: Box<dyn Database>, unlock: Unlock) -> Result<Store> {
        let mut slots = Vec::new();
        db.read(&mut |tx| {
            slots = tx.slots()?;
            Ok(())
        })?;
        let (data_key, actor, authority) = slots::unlock(&slots, &unlock)?;
        let sealed_keyring = store_keyring(&*db)?;
        let keys = match &sealed_keyring {
            Some(sealed) => match open_keyring(&data_key, sealed) {
                Ok(keyring) => data_key.row_keys(&keyring),
                // An agent's key that does not open the keyring is not this store's key.
                Err(_) if matches!(unlock, Unlock::Unlocked(_)) => {
                    return Err(Error::Locked(slots::AGENT_REFUSED.into()))
                }
                Err(e) => return Err(e),
            },
            None => data_key.legacy_row_keys(),
        };
        if matches!(unlock, Unlock::Unlocked(_)) {
            // Not trusted blindly: the key must open the store's sealed holder record.
            let mut owner = None;
            db.read(&mut |tx| {
                owner = tx.meta_get("owner")?;
                Ok(())
            })?;
            if owner.and_then(|o| keys.open(&Self::meta_aad("owner"), &o)).is_none() {
                return Err(Error::Locked(slots::AGENT_REFUSED.into()));
            }
        }
        let store = Store {
            db,
            ledger: Default::default(),
            keys: std::cell::RefCell::new(Arc::new(keys)),
            data_key: std::cell::RefCell::new(Arc::new(data_key)),
            actor,
            authority,
            clock: Arc::new(SystemClock),
            max_ttl: None,
            anchor: None,
            ledger_moved: Default::default(),
        };
        if sealed_keyring.is_none() {
            store.upgrade_protection()?;
        }
        Ok(store)
    }

    pub(crate) fn keys(&self) -> Arc<RowKeys> {
        Arc::clone(&self.keys.borrow())
    }

    pub(crate) fn data_key(&self) -> Arc<DataKey> {
        Arc::clone(&self.data_key.borrow())
    }

    /// Lifts a store sealed before the keyring (protection level 1: schema 1 or 2, or
    /// schema 3 from before this build) to level 2, in one transaction: every row, meta
    /// record and audit entry is authenticated under the old keys and re-sealed under keys
    /// that level 1 never used, the audit chain is re-MACed, the ledger rebuilt, and the
    /// sealed keyring written last. Afterwards nothing sealed before the upgrade
    /// authenticates, so old records put back (with or without the old ledger) fail, and a
    /// store that lost its keyring cannot pass for an old one: its rows no longer open
    /// under level-1 keys.
    fn upgrade_protection(&self) -> Result<()> {
        self.write_with(false, |tx| {
            // A retried attempt starts again from the level-1 keys.
            *self.keys.borrow_mut() = Arc::new(self.data_key().legacy_row_keys());
            if let Some(sealed) = tx.meta_get(KEYRING)? {
                // Another process upgraded while we waited for the write lock.
                let keyring = open_keyring(&self.data_key(), &sealed)?;
                *self.keys.borrow_mut() = Arc::new(self.data_key().row_keys(&keyring));
                return Ok(());
            }
            let owner: HolderIdentity = self
                .get_meta_unchecked(tx, "owner")?
                .ok_or_else(|| Error::integrity("the store has no owner identity"))?;
            if tx.meta_get("ledger_head")?.is_some() {
                // A level-1 store with a ledger: every row must be its latest version.
                if let Some(first) = self.ledger_problems(tx)?.first() {
                    return Err(Error::integrity(first.clone()));
                }
            } else if owner.ledger {
                return Err(Error::integrity("the ledger head is missing"));
            } else {
                // Schema 1 or 2: no ledger yet. Every row must authenticate; their versions
                // are trusted once, as the ledger this store never had.
                for table in Table::ALL {
                    for row in tx.records(table, None)? {
                        self.open_sealed::<serde_json::Value>(table, &row)?;
                    }
                }
                for row in tx.all_keys()? {
                    self.open_key_sealed(&row)?;
                }
                self.ledger_bootstrap(tx, 0)?;
            }
            if let Some(first) = self.audit_problems(tx)?.first() {
                return Err(Error::integrity(first.clone()));
            }
            let keyring = Keyring::legacy(&self.data_key());
            let to = self.data_key().row_keys(&keyring);
            self.reseal_all(tx, to)?;
            self.put_meta(tx, "owner", &HolderIdentity { ledger: true, ..owner })?;
            tx.meta_set(KEYRING, &self.data_key().seal_keyring(&keyring))
        })
    }

    /// Re-seals every sealed row, meta record and audit entry from the current keys to
    /// `to` (checking each as it goes), switches this handle to `to` and rebuilds the
    /// ledger. The caller's transaction makes it all or nothing; on an error the handle
    /// keeps its old keys.
    fn reseal_all(&self, tx: &Tx<'_>, to: RowKeys) -> Result<()> {
        let from = self.keys();
        let generation = match tx.meta_get("ledger_head")? {
            Some(_) => self.ledger_state(tx)?.0,
            None => 0,
        };
        for table in Table::ALL {
            for mut row in tx.records(table, None)? {
                let aad = Self::record_aad(table, &row.id, &row.parent, &row.lookup);
                let plain = from.open(&aad, &row.payload).ok_or_else(|| {
                    Error::integrity(format!("{} row {} fails authentication", table.domain(), row.id))
                })?;
                row.payload = to.seal(&aad, &plain);
                if !tx.record_update(table, &row)?.is_done() {
                    return Err(Error::integrity(format!("{} row {} could not be re-sealed", table.domain(), row.id)));
                }
            }
        }
        self.reseal_keys(tx, &from, &to)?;
        let last_mac = self.reseal_audit(tx, &from, &to)?;
        for name in tx::LEDGERED_META {
            let Some(sealed) = tx.meta_get(name)? else { continue };
            let plain = from
                .open(&Self::meta_aad(name), &sealed)
                .ok_or_else(|| Error::integrity(format!("meta record {name:?} fails authentication")))?;
            let plain = if name == "audit_head" {
                let mut head: AuditHead = serde_json::from_slice(&plain)
                    .map_err(|_| Error::integrity("meta record \"audit_head\" is unreadable"))?;
                head.last_mac = last_mac.clone();
                zeroize::Zeroizing::new(serde_json::to_vec(&head).map_err(Error::json("the audit head"))?)
            } else {
                plain
            };
            tx.meta_set(name, &to.seal(&Self::meta_aad(name), &plain))?;
        }
        let old = std::mem::replace(&mut *self.keys.borrow_mut(), Arc::new(to));
        tx.take_changes();
        let rebuilt = tx.ledger_clear().and_then(|()| self.ledger_bootstrap(tx, generation));
        if rebuilt.is_err() {
            *self.keys.borrow_mut() = old;
        }
        rebuilt
    }

    /// Puts the backup at `backup` in place of the store at `location`, on purpose: the
    /// backup must open with `unlock` and pass `store check`, and the secret must be allowed
    /// to manage the store ([`Store::require_admin`]). A live file need not open at all
    /// (restoring a damaged store is the point); a PostgreSQL store's rows are replaced in
    /// one transaction. The restore is recorded in the restored store's audit log
    /// (`store.restored`) and, with `state_dir`, moves the rollback anchor to it.
    pub fn restore(
        location: impl Into<StoreLocation>,
        backup: &Path,
        unlock: Unlock,
        state_dir: Option<&Path>,
    ) -> Result<Store> {
        let location = location.into();
        if !backup.is_file() {
            return Err(Error::NoStore(backup.into()));
        }
        // The backup is checked from a private copy, beside a store file (so the rename
        // stays on one file system), or in the temporary folder for a server's store.
        let staging = match &location {
            StoreLocation::File(path) => path.with_file_name(format!(
                "{}.restoring",
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            )),
            StoreLocation::Postgres(_) => {
                let dir = std::env::temp_dir().join(format!(
                    "keyctl-restore-{}",
                    crate::crypto::base62_fixed(&crate::crypto::random_bytes::<12>(), 16)
                ));
                dir.join("backup.db")
            }
        };
        let cleanup = || {
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", staging.display()));
            }
            if location.as_path().is_none() {
                if let Some(dir) = staging.parent() {
                    let _ = fs::remove_dir(dir);
                }
            }
        };
        cleanup();
        if let Some(dir) = staging.parent().filter(|_| location.as_path().is_none()) {
            crate::files::create_private_dir_all(dir)?;
        }
        let staged = (|| -> Result<(u64, Store)> {
            let mut from =
                fs::File::open(backup).map_err(|e| Error::io(format!("cannot open {}", backup.display()), e))?;
            let mut to = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&staging)
                .map_err(|e| Error::io(format!("cannot create {}", staging.display()), e))?;
            std::io::copy(&mut from, &mut to).map_err(|e| Error::io(format!("cannot copy {}", backup.display()), e))?;
            drop(to);
            let restored = Store::open(&staging, unlock.clone())?;
            restored.require_admin("restore a backup")?;
            let report = restored.check()?;
            if let Some(first) = report.problems.first() {
                return Err(Error::integrity(format!("the backup fails its check: {first}")));
            }
            let (generation, _) = restored.read(|tx| restored.ledger_state(tx))?;
            restored.db.checkpoint_truncate()?;
            Ok((generation, restored))
        })();
        let (generation, restored) = match staged {
            Ok(state) => state,
            Err(e) => {
                cleanup();
                return Err(e);
            }
        };
        let replaced = match &location {
            StoreLocation::File(path) => {
                drop(restored);
                crate::db::replace_with(path, &staging)
            }
            StoreLocation::Postgres(_) => {
                let live = match db::open(&location) {
                    Err(Error::NoStore(_)) => db::create(&location),
                    other => other,
                };
                live.and_then(|live| crate::db::replace_rows(&*restored.db, &*live))
            }
        };
        cleanup();
        replaced?;
        let store = Store::open(location, unlock)?;
        store.write(|tx| {
            store.audit(
                tx,
                "store.restored",
                None,
                None,
                serde_json::json!({ "from": backup.display().to_string(), "generation": generation }),
            )
        })?;
        match state_dir {
            Some(dir) => store.reset_anchor(dir),
            None => Ok(store),
        }
    }

    /// Copies the whole store, with its unlock slots, to `dest`: a new file or an empty
    /// PostgreSQL schema (how a user moves from a file to a team server, and back). The
    /// rows are copied as they are, in one transaction; the copy is then opened with this
    /// store's key and checked (every row, the ledger, the audit chain) before this returns.
    /// A copy that fails is removed.
    pub fn copy_to(&self, dest: impl Into<StoreLocation>) -> Result<BackupInfo> {
        let dest = dest.into();
        if dest.identity() == self.location().identity() {
            return Err(Error::invalid("the copy's destination is the store itself"));
        }
        if db::exists(&dest) {
            return Err(Error::StoreExists(dest));
        }
        let out = db::create(&dest)?;
        let copied = crate::db::copy_rows(&*self.db, &*out).and_then(|()| out.checkpoint_truncate()).and_then(|()| {
            drop(out);
            let copy = Store::open(dest.clone(), Unlock::Unlocked(self.unlocked_key()))?;
            let report = copy.check()?;
            if let Some(first) = report.problems.first() {
                return Err(Error::integrity(format!("the copy fails its check: {first}")));
            }
            let (generation, ledger_head) = copy.read(|tx| copy.ledger_state(tx))?;
            let bytes = copy.db.size_bytes().unwrap_or(0) + copy.db.wal_bytes().unwrap_or(0);
            Ok(BackupInfo { path: dest.to_string(), bytes, generation, ledger_head })
        });
        if copied.is_err() {
            db::discard(&dest);
        }
        copied
    }

    /// Keeps a local rollback anchor for this store in `state_dir` (property 8): refuses
    /// the store when it is older than the state this machine last saw (exit 4, saying
    /// what was seen and what was found), and moves the anchor after every write.
    pub fn with_anchor(mut self, state_dir: &Path) -> Result<Store> {
        let mut anchor = anchor::Anchor::new(state_dir, &self.location().identity());
        // The anchor first: a writer moves it only after its commit, so a state read after
        // it is never older than what it says.
        let seen = anchor.load()?;
        let found = self.anchor_state(&anchor)?;
        if anchor.judge(seen.as_ref(), &found)? {
            anchor.save(&found)?;
        }
        anchor.store_id = found.store_id;
        self.anchor = Some(anchor);
        Ok(self)
    }

    /// Sets the anchor to the store as it is now, whatever it saw before: after `init`
    /// and a deliberate `store restore`.
    pub fn reset_anchor(mut self, state_dir: &Path) -> Result<Store> {
        let mut anchor = anchor::Anchor::new(state_dir, &self.location().identity());
        let found = self.anchor_state(&anchor)?;
        anchor.save(&found)?;
        anchor.store_id = found.store_id;
        self.anchor = Some(anchor);
        Ok(self)
    }

    /// What `store check` says of the anchor: a problem when the store is older than the
    /// state this machine saw (the anchor moves forward otherwise, as on any open).
    pub fn anchor_problem(&self, state_dir: &Path) -> Result<Option<String>> {
        let anchor = anchor::Anchor::new(state_dir, &self.location().identity());
        let seen = match anchor.load() {
            Ok(seen) => seen,
            Err(e) => return Ok(Some(e.detail())),
        };
        let Ok(found) = self.anchor_state_with(&anchor, false) else { return Ok(None) };
        match anchor.judge(seen.as_ref(), &found) {
            Ok(true) => anchor.save(&found).map(|()| None),
            Ok(false) => Ok(None),
            Err(e) => Ok(Some(e.detail())),
        }
    }

    fn anchor_state(&self, anchor: &anchor::Anchor) -> Result<anchor::Seen> {
        self.anchor_state_with(anchor, true)
    }

    fn anchor_state_with(&self, anchor: &anchor::Anchor, cross_check: bool) -> Result<anchor::Seen> {
        self.read_with(false, |tx| {
            let store_id =
                tx.meta_get("store_id")?.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default();
            let (generation, ledger_head) =
                if cross_check { self.ledger_state(tx)? } else { self.ledger_state_unchecked(tx)? };
            Ok(anchor::Seen {
                path: anchor.store_path.clone(),
                store_id,
                generation,
                ledger_head,
                at: self.now().timestamp(),
            })
        })
    }

    /// Moves the anchor forward after a committed write. A failure here is not the
    /// write's: the next open moves it instead.
    fn anchor_advance(&self, generation: u64, ledger_head: String) {
        let Some(anchor) = &self.anchor else { return };
        let newer = anchor.load().ok().flatten().is_none_or(|seen| generation > seen.generation);
        if newer {
            let seen = anchor::Seen {
                path: anchor.store_path.clone(),
                store_id: anchor.store_id.clone(),
                generation,
                ledger_head,
                at: self.now().timestamp(),
            };
            let _ = anchor.save(&seen);
        }
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

    /// The unwrapped data key and actor, for an unlock agent to hold in memory and hand back
    /// through [`Unlock::Unlocked`]. Whoever holds it can read and write the whole store.
    pub fn unlocked_key(&self) -> UnlockedKey {
        UnlockedKey::new(crate::crypto::SecretBytes::new(*self.data_key().expose_secret()), self.actor.clone())
    }

    /// Where the store lives.
    pub fn location(&self) -> &StoreLocation {
        self.db.location()
    }

    /// The store's file, for a file store.
    pub fn path(&self) -> Option<&Path> {
        self.db.location().as_path()
    }

    /// The store's generation: a clear counter in the store that every write transaction,
    /// from any process, bumps by one. It only grows; caches are keyed on it.
    pub fn generation(&self) -> Result<u64> {
        self.read(read_generation)
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
        crate::crypto::aad(domains::RECORD_AAD, &[table.domain().as_bytes(), id.as_bytes(), parent.as_bytes(), lookup])
    }

    pub(crate) fn seal_record<T: Serialize>(
        &self,
        table: Table,
        id: &str,
        parent: &str,
        lookup: &[u8],
        value: &T,
    ) -> Result<RecordRow> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(Error::json("a record"))?);
        let payload = self.keys().seal(&Self::record_aad(table, id, parent, lookup), &plain);
        Ok(RecordRow { id: id.to_owned(), parent: parent.to_owned(), lookup: lookup.to_vec(), payload })
    }

    /// Checks that the store answers and its ledger head authenticates: one read
    /// transaction, cheap enough for a readiness probe.
    pub fn ping(&self) -> Result<()> {
        self.read(|tx| tx.meta_get("store_id").map(|_| ()))
    }

    /// Runs `f` against one consistent snapshot of the store.
    /// Every command starts here, so whatever the ledger's cross-check refuses (a partial
    /// rollback) no command accepts.
    pub(crate) fn read<T>(&self, f: impl FnMut(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.read_with(true, f)
    }

    /// A read without the ledger cross-check, for `store check` and the anchor, which
    /// report what it would refuse.
    pub(crate) fn read_with<T>(&self, cross_check: bool, mut f: impl FnMut(&Tx<'_>) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.db.read(&mut |raw| {
            let tx = Tx::new(raw);
            self.ledger_refresh(&tx)?;
            if cross_check {
                self.ledger_state(&tx)?;
            }
            out = Some(f(&tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::integrity("the storage backend did not run the read"))
    }

    /// Runs `f` in one write transaction, records the rows it changed in the ledger and
    /// bumps the generation before committing: all of it or none of it; then moves the
    /// rollback anchor.
    ///
    /// `f` may run more than once (a backend retries a transaction that lost a
    /// serialization race, after rolling it back): it must act only through `tx`, or
    /// reset what else it changes each time it starts. See [`crate::db::Database`].
    pub(crate) fn write<T>(&self, f: impl FnMut(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.ledger_moved.take();
        let out = self.write_with(true, f)?;
        if let Some((generation, head)) = self.ledger_moved.take() {
            self.anchor_advance(generation, head);
        }
        Ok(out)
    }

    /// The write transaction; without the cross-check only for lifting a level-1 store.
    fn write_with<T>(&self, cross_check: bool, mut f: impl FnMut(&Tx<'_>) -> Result<T>) -> Result<T> {
        let mut out = None;
        let mut committed = 0;
        let mut attempts = 0;
        let result = self.db.write(&mut |raw| {
            // Nodes cached after a fold of a rolled-back attempt (a large batch folds its
            // ledger changes as it goes) were never committed: forget them.
            if attempts > 0 {
                self.ledger_forget();
            }
            attempts += 1;
            let tx = Tx::new(raw);
            let generation = self.ledger_refresh(&tx)?;
            // Only `init`'s first write finds a store without a ledger (and without an
            // audit head).
            if cross_check && tx.meta_get("audit_head")?.is_some() {
                self.ledger_state(&tx)?;
            }
            let value = f(&tx)?;
            self.ledger_apply(&tx)?;
            committed = generation + 1;
            raw.meta_set(GENERATION, &committed.to_be_bytes())?;
            out = Some(value);
            Ok(())
        });
        if result.is_err() {
            self.ledger_forget();
        }
        result?;
        // Our own commit: what we cached (and did not drop in `ledger_apply`) still holds.
        self.ledger_committed(committed);
        out.ok_or_else(|| Error::integrity("the storage backend did not run the write"))
    }

    /// Opens a sealed record and checks that it is the latest version (the ledger).
    pub(crate) fn open_record<T: DeserializeOwned>(&self, tx: &Tx<'_>, table: Table, row: &RecordRow) -> Result<T> {
        let value = self.open_sealed(table, row)?;
        self.check_fresh(tx, table.domain(), &row.id, &row.payload)?;
        Ok(value)
    }

    /// Opens a sealed record without the ledger check (`store check` reports both).
    pub(crate) fn open_sealed<T: DeserializeOwned>(&self, table: Table, row: &RecordRow) -> Result<T> {
        let plain = self
            .keys()
            .open(&Self::record_aad(table, &row.id, &row.parent, &row.lookup), &row.payload)
            .ok_or_else(|| Error::integrity(format!("{} row {} fails authentication", table.domain(), row.id)))?;
        serde_json::from_slice(&plain)
            .map_err(|_| Error::integrity(format!("{} row {} has an unreadable payload", table.domain(), row.id)))
    }

    pub(crate) fn lookup(&self, table: Table, parent: &str, name: &str) -> [u8; 32] {
        self.keys().blind_index(&[table.domain().as_bytes(), parent.as_bytes(), name.to_lowercase().as_bytes()])
    }

    fn meta_aad(name: &str) -> Vec<u8> {
        format!("{}{name}", domains::META_AAD).into_bytes()
    }

    pub(crate) fn put_meta<T: Serialize>(&self, tx: &Tx<'_>, name: &str, value: &T) -> Result<()> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(Error::json("a meta record"))?);
        tx.meta_set(name, &self.keys().seal(&Self::meta_aad(name), &plain))
    }

    /// Opens a sealed `meta` record; those the ledger tracks must be their latest version.
    pub(crate) fn get_meta<T: DeserializeOwned>(&self, tx: &Tx<'_>, name: &str) -> Result<Option<T>> {
        let value = self.get_meta_unchecked(tx, name)?;
        if value.is_some() && tx::LEDGERED_META.contains(&name) {
            if let Some(sealed) = tx.meta_get(name)? {
                self.check_fresh(tx, domains::META, name, &sealed)?;
            }
        }
        Ok(value)
    }

    fn get_meta_unchecked<T: DeserializeOwned>(&self, tx: &Tx<'_>, name: &str) -> Result<Option<T>> {
        let Some(sealed) = tx.meta_get(name)? else {
            return Ok(None);
        };
        let plain = self
            .keys()
            .open(&Self::meta_aad(name), &sealed)
            .ok_or_else(|| Error::integrity(format!("meta record {name:?} fails authentication")))?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| Error::integrity(format!("meta record {name:?} is unreadable")))
    }

    pub(crate) fn holder_identity(&self, tx: &Tx<'_>) -> Result<HolderIdentity> {
        self.get_meta(tx, "owner")?.ok_or_else(|| Error::integrity("the store has no owner identity"))
    }

    // ---- whole-store views ------------------------------------------------------------------

    pub fn info(&self) -> Result<StoreInfo> {
        let wal_bytes = self.db.wal_bytes().unwrap_or(0);
        let file = self.path().map(Path::to_path_buf).unwrap_or_default();
        let size = |suffix: &str| fs::metadata(format!("{}{suffix}", file.display())).map_or(0, |m| m.len());
        let (schema_version, file_bytes) = (self.db.schema_version()?, self.db.size_bytes().unwrap_or(0) + wal_bytes);
        self.read(|tx| {
            let (generation, ledger_head) = self.ledger_state(tx)?;
            let store_id =
                tx.meta_get("store_id")?.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default();
            Ok(StoreInfo {
                path: self.location().to_string(),
                backend: self.location().backend(),
                schema_version,
                store_id,
                actor: self.actor.clone(),
                owner_email: self.holder_identity(tx)?.email,
                orgs: tx.records(Table::Orgs, None)?.len(),
                projects: tx.records(Table::Projects, None)?.len(),
                keys: tx.all_keys()?.len(),
                slots: self.slot_infos(tx)?,
                file_bytes,
                wal_bytes,
                shm_bytes: size("-shm"),
                generation,
                ledger_head,
            })
        })
    }

    /// Writes a consistent copy of the store (0600, with its unlock slots: the same secrets
    /// open it) to `dest`, online, and checks the copy. Refuses an existing `dest`.
    pub fn backup(&self, dest: &Path) -> Result<BackupInfo> {
        let (generation, ledger_head) = self.read(|tx| self.ledger_state(tx))?;
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(dest).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::refused(format!("{} already exists; refusing to overwrite it", dest.display()))
            } else {
                Error::io(format!("cannot create {}", dest.display()), e)
            }
        })?;
        let written = self.db.backup_to(dest).and_then(|()| crate::db::check_backup(dest));
        if let Err(e) = written {
            let _ = fs::remove_file(dest);
            return Err(e);
        }
        // The snapshot may be a write or two newer than the state read above; that is the
        // one the copy holds.
        let bytes = fs::metadata(dest).map_or(0, |m| m.len());
        Ok(BackupInfo { path: dest.display().to_string(), bytes, generation, ledger_head })
    }

    /// Refuses (exit 4) a store older than generation `n`: a rollback past a pinned state.
    pub fn expect_generation(&self, n: u64) -> Result<u64> {
        let (generation, head) = self.read(|tx| self.ledger_state(tx))?;
        if generation < n {
            return Err(Error::integrity(format!(
                "the store is at generation {generation} (ledger head {head}), older than the expected {n}: it was rolled back"
            )));
        }
        Ok(generation)
    }

    /// Authenticates every row of the store, and the audit chain, and runs SQLite's own
    /// consistency check. Never stops at the first problem: the report names them all.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        for problem in self.db.quick_check()? {
            report.problems.push(format!("{}: {problem}", self.location().backend()));
        }
        self.read_with(false, |tx| {
            report.rows_checked += tx.slots()?.len();
            report.problems.extend(self.slot_problems(tx)?);
            if let Err(e) = self.holder_identity(tx) {
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
            let now = self.now().timestamp();
            for (table, id, kind, start) in tx.future_windows(now, now.div_euclid(86_400))? {
                let at = if table == "usage" { start * 86_400 } else { start };
                report.warnings.push(format!(
                    "{table} row of {id} ({kind}) is for a window in the future ({}); it is stale and ignored by limits",
                    crate::domain::from_unix(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ));
            }
            Ok(())
        })?;
        Ok(report)
    }
}

/// The store's generation as `tx` sees it; 0 for a store no write has bumped yet.
fn read_generation(tx: &Tx<'_>) -> Result<u64> {
    match tx.meta_get(GENERATION)? {
        None => Ok(0),
        Some(v) => <[u8; 8]>::try_from(v.as_slice())
            .map(u64::from_be_bytes)
            .map_err(|_| Error::integrity("the store's generation counter is malformed")),
    }
}

/// The closest of `names` to `typed`, as a "did you mean" hint, when one is close enough.
pub(crate) fn suggest(typed: &str, names: &[String]) -> Option<String> {
    let typed_lower = typed.to_lowercase();
    names
        .iter()
        .map(|n| (strsim::levenshtein(&typed_lower, &n.to_lowercase()), n))
        .filter(|(d, n)| *d <= (n.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| format!("did you mean {n:?}?"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Body, DbError, DbErrorKind, SqliteDatabase};
    use crate::domain::FixedClock;
    use crate::{KeyCreate, KeyLimits, VerifyCode, VerifyRequest};

    /// A backend that runs every write body twice: first in a transaction it rolls back
    /// (as PostgreSQL does after a serialization failure), then for real.
    struct RetryEveryWrite(SqliteDatabase);

    impl Database for RetryEveryWrite {
        fn write(&self, body: &mut Body<'_>) -> Result<()> {
            let lost = self.0.write(&mut |tx| {
                body(tx)?;
                Err(Error::Db(DbError::new(
                    DbErrorKind::Busy,
                    "simulated serialization failure",
                    std::io::Error::other("could not serialize access"),
                )))
            });
            match lost {
                Err(e) if e.is_retryable() => self.0.write(body),
                other => other,
            }
        }
        fn read(&self, body: &mut Body<'_>) -> Result<()> {
            self.0.read(body)
        }
        fn quick_check(&self) -> Result<Vec<String>> {
            self.0.quick_check()
        }
        fn schema_version(&self) -> Result<u32> {
            self.0.schema_version()
        }
        fn location(&self) -> &StoreLocation {
            self.0.location()
        }
        fn size_bytes(&self) -> Option<u64> {
            self.0.size_bytes()
        }
        fn backup_to(&self, dest: &Path) -> Result<()> {
            self.0.backup_to(dest)
        }
        fn checkpoint_truncate(&self) -> Result<()> {
            self.0.checkpoint_truncate()
        }
    }

    fn new_store(dir: &Path) -> (std::path::PathBuf, String) {
        let path = dir.join("s.db");
        let opts = InitOptions { kdf_iterations: 1000, ..InitOptions::default() };
        let (_, org) = Store::init(&path, &SecretString::from("pw"), &opts).unwrap();
        (path, org.id)
    }

    fn clock() -> Arc<FixedClock> {
        Arc::new(FixedClock(from_unix(1_800_000_000)))
    }

    #[test]
    fn a_store_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
        assert_send::<Box<dyn Database>>();
        // And it really does: opened here, used there.
        let dir = tempfile::tempdir().unwrap();
        let (path, org) = new_store(dir.path());
        let store = Store::open(&path, Unlock::passphrase("pw")).unwrap();
        let names = std::thread::spawn(move || store.list_projects(&org, crate::Archived::Exclude).unwrap().len())
            .join()
            .unwrap();
        assert_eq!(names, 1);
    }

    #[test]
    fn every_write_bumps_the_generation_once_and_reads_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (path, org) = new_store(dir.path());
        let store = Store::open(&path, Unlock::passphrase("pw")).unwrap();
        let before = store.generation().unwrap();
        assert!(before > 0, "init writes, so it bumps the generation");
        store.list_projects(&org, crate::Archived::Exclude).unwrap();
        assert_eq!(store.generation().unwrap(), before);
        store.create_project(&org, "p2", None).unwrap();
        assert_eq!(store.generation().unwrap(), before + 1);
        // Another handle (another process, as far as the cache knows) sees it and its own
        // write is seen here: the ledger cache is keyed on it.
        let other = Store::open(&path, Unlock::passphrase("pw")).unwrap();
        assert_eq!(other.generation().unwrap(), before + 1);
        other.archive_project(&org, "p2").unwrap();
        assert_eq!(store.generation().unwrap(), before + 2);
        assert_eq!(
            store.list_projects(&org, crate::Archived::Exclude).unwrap().len(),
            1,
            "the cache must not hide the archive"
        );
    }

    #[test]
    fn write_bodies_survive_a_backend_that_runs_them_twice() {
        let dir = tempfile::tempdir().unwrap();
        let (path, org) = new_store(dir.path());
        let db = Box::new(RetryEveryWrite(SqliteDatabase::open(&path).unwrap()));
        let store = Store::unlock(db, Unlock::passphrase("pw")).unwrap().with_clock(clock());
        let g = store.generation().unwrap();
        store.create_project(&org, "p2", None).unwrap();
        assert_eq!(store.generation().unwrap(), g + 1, "the rolled-back run's bump must not count");
        assert_eq!(store.list_projects(&org, crate::Archived::Exclude).unwrap().len(), 2);

        // Limits stay exact, and uses are counted once each.
        let spec = KeyCreate { limits: KeyLimits { rpm: Some(3), ..KeyLimits::default() }, ..KeyCreate::default() };
        let limited = store.create_keys(&org, &spec).unwrap().remove(0);
        let requests: Vec<VerifyRequest> = (0..5).map(|_| VerifyRequest::new(limited.secret.expose_secret())).collect();
        let codes: Vec<VerifyCode> =
            store.batched_verifier().verify_batch(&requests).unwrap().into_iter().map(|r| r.unwrap().code).collect();
        assert_eq!(
            codes,
            [VerifyCode::Valid, VerifyCode::Valid, VerifyCode::Valid, VerifyCode::RateLimited, VerifyCode::RateLimited]
        );

        let free = store.create_keys(&org, &KeyCreate::default()).unwrap().remove(0);
        let mut verifier = store.batched_verifier();
        for _ in 0..4 {
            assert!(verifier.verify(&VerifyRequest::new(free.secret.expose_secret())).unwrap().is_valid());
        }
        // A limited key's batch writes the pending uses of the unlimited one on the way.
        let again = verifier.verify_batch(&requests[..1]).unwrap();
        assert_eq!(again[0].as_ref().unwrap().code, VerifyCode::RateLimited);
        verifier.flush().unwrap();
        assert_eq!(store.show_key(&org, &free.info.id).unwrap().uses, 4);
        assert_eq!(store.show_key(&org, &limited.info.id).unwrap().uses, 3);
    }

    #[test]
    fn a_zero_limit_from_a_library_caller_is_no_limit() {
        let dir = tempfile::tempdir().unwrap();
        let (path, org) = new_store(dir.path());
        let store = Store::open(&path, Unlock::passphrase("pw")).unwrap().with_clock(clock());
        let spec = KeyCreate {
            limits: KeyLimits { rpm: Some(0), max_uses: Some(0), ..KeyLimits::default() },
            ..KeyCreate::default()
        };
        let key = store.create_keys(&org, &spec).unwrap().remove(0);
        assert_eq!((key.info.rpm, key.info.max_uses), (None, None));
        let mut verifier = store.verifier();
        for _ in 0..3 {
            let outcome = verifier.verify(&VerifyRequest::new(key.secret.expose_secret())).unwrap();
            assert_eq!(outcome.code, VerifyCode::Valid);
        }
    }

    #[test]
    fn suggests_the_closest_name() {
        let names = vec!["billing-api".to_owned(), "search".to_owned()];
        assert_eq!(suggest("biling-api", &names).as_deref(), Some("did you mean \"billing-api\"?"));
        assert_eq!(suggest("zzzzzz", &names), None);
    }
}
