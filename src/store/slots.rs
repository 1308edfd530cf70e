//! Unlock slots: the passphrase and any number of named store keys, each wrapping the same
//! data key, so adding, changing or removing one never re-encrypts data. Only the
//! passphrase and admin store keys manage slots; the admin flag lives in the wrapping AAD.

use std::collections::BTreeMap;

use serde_json::json;

use std::sync::Arc;

use super::Tx;
use super::{slot_aad, SlotInfo, Store, Unlock, PASSPHRASE_SLOT};
use crate::crypto::{DataKey, KdfParams, SecretString, SlotKey, StoreKey, KDF_HKDF_SHA256, KDF_PBKDF2_SHA256};
use crate::db::SlotRow;
use crate::error::{Error, Result};

/// The most PBKDF2 iterations keyctl runs for an unlock (about 17 times the default): a
/// slot asking for more was not made by keyctl, and unlocking it could take hours.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

const SALT_LEN: usize = 16;
/// nonce (12) + data key (32) + tag (16)
const WRAPPED_LEN: usize = 60;

/// What the secret that opened the store may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// The passphrase, or a store key added with `--admin`: everything, slots included.
    Admin,
    /// Any other store key: everything but slot management.
    Member,
}

/// A slot's KDF parameters, refusing (integrity, exit 4) one this build could not have
/// written: an unknown KDF or a cost above [`MAX_PBKDF2_ITERATIONS`].
pub(crate) fn slot_params(row: &SlotRow) -> Result<KdfParams> {
    if row.kdf == KDF_PBKDF2_SHA256 && row.iterations > MAX_PBKDF2_ITERATIONS {
        return Err(Error::integrity(format!(
            "unlock slot {:?} asks for {} PBKDF2 iterations, more than keyctl ever uses ({MAX_PBKDF2_ITERATIONS}); \
             it was not made by keyctl",
            row.name, row.iterations
        )));
    }
    KdfParams::from_parts(&row.kdf, row.iterations, row.salt.clone()).ok_or_else(|| {
        Error::integrity(format!("unlock slot {:?} has an unknown key derivation {:?}", row.name, row.kdf))
    })
}

/// Opens the data key with `unlock`. A passphrase is tried against the one slot keyctl
/// makes for it (named `passphrase`), so a planted slot never costs a KDF run; a store key
/// against every store-key slot (HKDF is cheap), admin form first.
pub(crate) fn unlock(slots: &[SlotRow], unlock: &Unlock) -> Result<(DataKey, String, Authority)> {
    match unlock {
        Unlock::Passphrase(p) => {
            let row = slots
                .iter()
                .find(|s| s.name == PASSPHRASE_SLOT && s.kdf == KDF_PBKDF2_SHA256)
                .ok_or_else(|| Error::Locked("the store has no passphrase slot; unlock it with a store key".into()))?;
            let params = slot_params(row)?;
            let key = SlotKey::derive(p.expose_secret().as_bytes(), &params);
            key.unwrap(&row.wrapped, &slot_aad(&row.name, &params, Authority::Admin))
                .map(|dk| (dk, row.name.clone(), Authority::Admin))
                .ok_or_else(|| Error::Locked("wrong passphrase: it does not open this store".into()))
        }
        Unlock::StoreKey(k) => {
            let key = StoreKey::parse(k.expose_secret().trim()).ok_or_else(|| {
                Error::Locked(format!(
                    "KEYCTL_STORE_KEY is not a keyctl store key (expected {}... as printed by `keyctl store add-key`)",
                    StoreKey::PREFIX
                ))
            })?;
            match open_with_store_key(slots, &key)? {
                Some((row, dk, authority)) => Ok((dk, row.name.clone(), authority)),
                None => Err(Error::Locked(
                    "the store key does not open this store (wrong store, or its slot was removed)".into(),
                )),
            }
        }
        Unlock::Unlocked(k) => {
            // The slot that unwrapped it must still exist (removing it shuts the agent out);
            // `Store::open` then checks the key opens the sealed holder record. What a slot
            // may do cannot be proven from the data key alone, so a handed-over key never
            // manages slots: member authority.
            if !slots.iter().any(|s| s.name == k.actor) {
                return Err(Error::Locked(AGENT_REFUSED.into()));
            }
            Ok((DataKey::from_secret(k.key.clone()), k.actor.clone(), Authority::Member))
        }
    }
}

/// Why a key handed over by an unlock agent was not used.
pub(crate) const AGENT_REFUSED: &str = "the unlock agent's key does not open this store";

/// The one try-each-slot loop: the first store-key slot `key` opens, with the data key and
/// the authority its AAD grants. It lives here rather than in `crypto/` because trying a
/// slot needs what only the store knows: the `SlotRow` from `db/`, the iteration ceiling of
/// [`slot_params`], and the slot AAD with its [`Authority`] and encryption domain. `crypto/`
/// keeps the primitives (`SlotKey::derive`, `unwrap`) it is built from.
fn open_with_store_key<'s>(slots: &'s [SlotRow], key: &StoreKey) -> Result<Option<(&'s SlotRow, DataKey, Authority)>> {
    for row in slots.iter().filter(|s| s.kdf == KDF_HKDF_SHA256) {
        if let Some((dk, authority)) = open_store_key_slot(row, key)? {
            return Ok(Some((row, dk, authority)));
        }
    }
    Ok(None)
}

fn open_store_key_slot(row: &SlotRow, key: &StoreKey) -> Result<Option<(DataKey, Authority)>> {
    let params = slot_params(row)?;
    let slot = SlotKey::derive(key.expose_secret().as_bytes(), &params);
    for authority in [Authority::Admin, Authority::Member] {
        if let Some(dk) = slot.unwrap(&row.wrapped, &slot_aad(&row.name, &params, authority)) {
            return Ok(Some((dk, authority)));
        }
    }
    Ok(None)
}

fn slot_infos(rows: &[SlotRow], admins: &BTreeMap<String, bool>) -> Vec<SlotInfo> {
    rows.iter()
        .map(|r| SlotInfo {
            name: r.name.clone(),
            kind: if r.kdf == KDF_PBKDF2_SHA256 { "passphrase" } else { "store_key" },
            kdf: r.kdf.clone(),
            iterations: (r.iterations > 0).then_some(r.iterations),
            admin: r.kdf == KDF_PBKDF2_SHA256 || admins.get(&r.name).copied().unwrap_or(false),
        })
        .collect()
}

fn validate_slot_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid slot name {name:?}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )))
    }
}

impl Store {
    fn wrap_slot(&self, name: &str, secret: &[u8], params: KdfParams, authority: Authority) -> SlotRow {
        let wrapped = SlotKey::derive(secret, &params).wrap(&self.data_key(), &slot_aad(name, &params, authority));
        SlotRow {
            name: name.to_owned(),
            kdf: params.name().to_owned(),
            iterations: params.iterations(),
            salt: params.salt().to_vec(),
            wrapped,
        }
    }

    /// What the secret that opened this store may do.
    pub fn authority(&self) -> Authority {
        self.authority
    }

    /// Refuses (exit 1) unless this store was opened by the passphrase or an admin store
    /// key. Every slot-managing operation calls it first.
    pub fn require_admin(&self, action: &str) -> Result<()> {
        match self.authority {
            Authority::Admin => Ok(()),
            Authority::Member => Err(Error::refused(format!(
                "only the passphrase or an admin store key may {action}; the store key {:?} is not an admin \
                 (create one with `keyctl store add-key NAME --admin`)",
                self.actor
            ))),
        }
    }

    /// Whether `secret` is a store key that opens one of this store's slots today.
    pub fn store_key_is_live(&self, secret: &str) -> Result<bool> {
        Ok(self.store_key_slot(secret)?.is_some())
    }

    /// The name of the slot `secret` opens today, if it is a live store key of this store.
    pub fn store_key_slot(&self, secret: &str) -> Result<Option<String>> {
        let Some(key) = StoreKey::parse(secret) else { return Ok(None) };
        let slots = self.read(|tx| tx.slots())?;
        Ok(open_with_store_key(&slots, &key)?.map(|(row, _, _)| row.name.clone()))
    }

    /// Each slot name's standing according to the audit log: `Some(admin)` when its last
    /// slot event added it, `None` when it was removed. The passphrase slot counts as
    /// added by `store.created` and `store.passphrase_changed`.
    fn slot_history(&self, tx: &Tx<'_>) -> Result<BTreeMap<String, Option<bool>>> {
        let mut out = BTreeMap::new();
        for row in tx.audit_since(None)? {
            let Ok(entry) = self.open_audit(&row) else { continue };
            let slot = entry.details.get("slot").and_then(|v| v.as_str()).map(str::to_owned);
            match (entry.action.as_str(), slot) {
                ("store.created", _) => {
                    out.insert(PASSPHRASE_SLOT.to_owned(), Some(true));
                }
                ("store.passphrase_changed", _) => {
                    out.insert(PASSPHRASE_SLOT.to_owned(), Some(true));
                }
                ("store.key_added", Some(name)) => {
                    let admin = entry.details.get("admin").and_then(|v| v.as_bool()).unwrap_or(false);
                    out.insert(name, Some(admin));
                }
                ("store.key_removed", Some(name)) => {
                    out.insert(name, None);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn admin_slots(&self, tx: &Tx<'_>) -> Result<BTreeMap<String, bool>> {
        Ok(self.slot_history(tx)?.into_iter().filter_map(|(name, s)| s.map(|admin| (name, admin))).collect())
    }

    pub(crate) fn slot_infos(&self, tx: &Tx<'_>) -> Result<Vec<SlotInfo>> {
        Ok(slot_infos(&tx.slots()?, &self.admin_slots(tx)?))
    }

    /// Every slot `store check` cannot account for: a KDF or cost keyctl never writes, a
    /// passphrase slot under another name, odd sizes, or a slot that the audit log never
    /// added (or removed since).
    pub(crate) fn slot_problems(&self, tx: &Tx<'_>) -> Result<Vec<String>> {
        let history = self.slot_history(tx)?;
        let mut problems = Vec::new();
        for row in tx.slots()? {
            let name = &row.name;
            if let Err(e) = slot_params(&row) {
                problems.push(format!("slots row {name:?}: {}", e.detail()));
            } else if row.kdf == KDF_PBKDF2_SHA256 && name != PASSPHRASE_SLOT {
                problems.push(format!(
                    "slots row {name:?} is a passphrase slot keyctl did not make (its only one is {PASSPHRASE_SLOT:?})"
                ));
            } else if row.kdf == KDF_HKDF_SHA256 && (name == PASSPHRASE_SLOT || row.iterations != 0) {
                problems.push(format!("slots row {name:?} is a store-key slot keyctl did not make"));
            } else if row.salt.len() != SALT_LEN || row.wrapped.len() != WRAPPED_LEN {
                problems.push(format!("slots row {name:?} has a salt or wrapped key of the wrong size"));
            } else if !matches!(history.get(name), Some(Some(_))) {
                problems.push(format!(
                    "slots row {name:?} is not accounted for: the audit log records no `store add-key` of it \
                     (or records its removal)"
                ));
            }
        }
        Ok(problems)
    }

    pub fn list_slots(&self) -> Result<Vec<SlotInfo>> {
        self.read(|tx| self.slot_infos(tx))
    }

    /// Adds a named store key and returns it; it is never stored or shown again. An admin
    /// store key may manage slots too.
    pub fn add_store_key(&self, name: &str, authority: Authority) -> Result<(SlotInfo, StoreKey)> {
        self.require_admin("add a store key")?;
        validate_slot_name(name)?;
        if name == PASSPHRASE_SLOT {
            return Err(Error::invalid(format!("{PASSPHRASE_SLOT:?} is the passphrase slot's name; choose another")));
        }
        let key = StoreKey::generate();
        let row = self.wrap_slot(name, key.expose_secret().as_bytes(), KdfParams::new_hkdf(), authority);
        let admin = authority == Authority::Admin;
        self.write(|tx| {
            if tx.slots()?.iter().any(|s| s.name == name) {
                return Err(Error::conflict(format!("an unlock slot named {name:?} already exists")));
            }
            tx.slot_put(&row)?;
            self.audit(tx, "store.key_added", None, None, json!({ "slot": name, "admin": admin }))
        })?;
        let admins = BTreeMap::from([(name.to_owned(), admin)]);
        Ok((slot_infos(std::slice::from_ref(&row), &admins).remove(0), key))
    }

    /// Removes a slot; the secret that opened it stops working at once. The last slot
    /// cannot be removed.
    pub fn remove_slot(&self, name: &str) -> Result<()> {
        self.require_admin("remove an unlock slot")?;
        self.write(|tx| {
            let slots = tx.slots()?;
            if !slots.iter().any(|s| s.name == name) {
                let names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
                return Err(Error::NotFound {
                    what: "unlock slot",
                    name: name.to_owned(),
                    hint: super::suggest(name, &names),
                });
            }
            if slots.len() == 1 {
                return Err(Error::refused(format!(
                    "{name:?} is the store's last unlock slot; removing it would lock everyone out"
                )));
            }
            tx.slot_delete(name)?;
            self.audit(tx, "store.key_removed", None, None, json!({ "slot": name }))
        })?;
        // secure_delete zeroes the slot's bytes in the file; the checkpoint folds the WAL
        // (which still holds the page as it was) into the file and truncates it. Another
        // process reading at this moment can hold the WAL back: then the next checkpoint
        // does it (a rekey makes the old wrapped key useless either way).
        let _ = self.db.checkpoint_truncate();
        Ok(())
    }

    /// A new data key for the whole store (issue 10 item 8), in one transaction: every row,
    /// ledger node, meta record and audit entry re-sealed under it, the keyring (API-key
    /// hashes and names) carried over, the passphrase slot re-wrapped with `passphrase`
    /// (which must open it), and every store-key slot re-issued: a new store key for each,
    /// returned here to be shown once. A slot cannot be re-wrapped without its secret, and
    /// keeping slot keys in the store would let a removed key plus an old copy unwrap the
    /// new data key; so after a rekey neither a removed store key, nor an old copy's data
    /// key, nor an old store key opens the live store. The WAL is then checkpointed and
    /// truncated, so the old wrapped keys leave the store's files.
    pub fn rekey(&self, passphrase: &SecretString, iterations: u32) -> Result<Vec<(SlotInfo, StoreKey)>> {
        self.require_admin("rekey the store")?;
        let report = self.check()?;
        if let Some(first) = report.problems.first() {
            return Err(Error::integrity(format!("refusing to rekey a store that fails its check: {first}")));
        }
        let old_key = self.data_key();
        let old_keys = self.keys();
        let new_key = Arc::new(DataKey::generate());
        let result = self.write(|tx| {
            // A retried attempt starts again from the old keys.
            *self.data_key.borrow_mut() = Arc::clone(&old_key);
            *self.keys.borrow_mut() = Arc::clone(&old_keys);
            let slots = tx.slots()?;
            let admins = self.admin_slots(tx)?;
            let pass = slots.iter().find(|s| s.name == PASSPHRASE_SLOT).ok_or_else(|| {
                Error::refused("the store has no passphrase slot; set one with `keyctl store passwd`")
            })?;
            let params = slot_params(pass)?;
            if SlotKey::derive(passphrase.expose_secret().as_bytes(), &params)
                .unwrap(&pass.wrapped, &slot_aad(PASSPHRASE_SLOT, &params, Authority::Admin))
                .is_none()
            {
                return Err(Error::Locked("wrong passphrase: it does not open this store".into()));
            }
            let sealed = tx.meta_get(super::KEYRING)?.ok_or_else(|| Error::integrity("the store has no keyring"))?;
            let keyring = super::open_keyring(&old_key, &sealed)?;
            self.reseal_all(tx, new_key.row_keys(&keyring))?;
            tx.meta_set(super::KEYRING, &new_key.seal_keyring(&keyring))?;
            *self.data_key.borrow_mut() = Arc::clone(&new_key);
            let pass_row = self.wrap_slot(
                PASSPHRASE_SLOT,
                passphrase.expose_secret().as_bytes(),
                KdfParams::new_pbkdf2(iterations.max(1)),
                Authority::Admin,
            );
            tx.slot_put(&pass_row)?;
            let mut reissued = Vec::new();
            for row in slots.iter().filter(|s| s.name != PASSPHRASE_SLOT) {
                let key = StoreKey::generate();
                // Each slot keeps its name and its standing (admin or not).
                let authority =
                    if admins.get(&row.name).copied().unwrap_or(false) { Authority::Admin } else { Authority::Member };
                let new_row =
                    self.wrap_slot(&row.name, key.expose_secret().as_bytes(), KdfParams::new_hkdf(), authority);
                tx.slot_put(&new_row)?;
                reissued.push((slot_infos(std::slice::from_ref(&new_row), &admins).remove(0), key));
            }
            let names: Vec<&str> = reissued.iter().map(|(s, _)| s.name.as_str()).collect();
            self.audit(tx, "store.rekeyed", None, None, json!({ "reissued": names }))?;
            Ok(reissued)
        });
        match result {
            Ok(reissued) => {
                let _ = self.db.checkpoint_truncate();
                Ok(reissued)
            }
            Err(e) => {
                *self.data_key.borrow_mut() = old_key;
                *self.keys.borrow_mut() = old_keys;
                Err(e)
            }
        }
    }

    /// Sets the passphrase slot to `new` (creating it if it was removed), re-wrapping the
    /// data key only.
    pub fn change_passphrase(&self, new: &SecretString, iterations: u32) -> Result<()> {
        self.require_admin("change the passphrase")?;
        if new.is_empty() {
            return Err(Error::invalid("the new passphrase must not be empty"));
        }
        let iterations = iterations.clamp(1, MAX_PBKDF2_ITERATIONS);
        let row = self.wrap_slot(
            PASSPHRASE_SLOT,
            new.expose_secret().as_bytes(),
            KdfParams::new_pbkdf2(iterations),
            Authority::Admin,
        );
        self.write(|tx| {
            tx.slot_put(&row)?;
            self.audit(tx, "store.passphrase_changed", None, None, json!({ "slot": PASSPHRASE_SLOT }))
        })
    }
}
