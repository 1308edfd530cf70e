//! Unlock slots: the passphrase and any number of named store keys, each wrapping the same
//! data key, so adding, changing or removing one never re-encrypts data.

use serde_json::json;

use std::sync::Arc;

use super::{slot_aad, SlotInfo, Store, PASSPHRASE_SLOT};
use crate::crypto::{DataKey, KdfParams, SecretString, SlotKey, StoreKey};
use crate::db::SlotRow;
use crate::error::{Error, Result};

pub(crate) fn slot_infos(rows: &[SlotRow]) -> Vec<SlotInfo> {
    rows.iter()
        .map(|r| SlotInfo {
            name: r.name.clone(),
            kind: if r.kdf == "pbkdf2-sha256" { "passphrase" } else { "store_key" },
            kdf: r.kdf.clone(),
            iterations: (r.iterations > 0).then_some(r.iterations),
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
    fn wrap_slot(&self, name: &str, secret: &[u8], params: KdfParams) -> SlotRow {
        let wrapped = SlotKey::derive(secret, &params).wrap(&self.data_key(), &slot_aad(name, &params));
        SlotRow {
            name: name.to_owned(),
            kdf: params.name().to_owned(),
            iterations: params.iterations(),
            salt: params.salt().to_vec(),
            wrapped,
        }
    }

    /// Whether `secret` is a store key that opens one of this store's slots today.
    pub fn store_key_is_live(&self, secret: &str) -> Result<bool> {
        let Some(key) = StoreKey::parse(secret) else { return Ok(false) };
        let slots = self.read(|tx| tx.slots())?;
        for row in slots.iter().filter(|s| s.kdf == "hkdf-sha256") {
            let params = super::slot_params(row)?;
            let slot = SlotKey::derive(key.expose_secret().as_bytes(), &params);
            if slot.unwrap(&row.wrapped, &slot_aad(&row.name, &params)).is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The one check in front of slot management and whole-store operations (rekey,
    /// restore): the store must have been unlocked with its passphrase. Admin store keys
    /// (`store add-key --admin`, issue 10 item 7) pass here too once slots record it.
    pub fn require_admin(&self, action: &str) -> Result<()> {
        if self.actor == PASSPHRASE_SLOT {
            Ok(())
        } else {
            Err(Error::refused(format!(
                "to {action}, unlock the store with its passphrase (the store key {:?} may not)",
                self.actor
            )))
        }
    }

    pub fn list_slots(&self) -> Result<Vec<SlotInfo>> {
        self.read(|tx| Ok(slot_infos(&tx.slots()?)))
    }

    /// Adds a named store key and returns it; it is never stored or shown again.
    pub fn add_store_key(&self, name: &str) -> Result<(SlotInfo, StoreKey)> {
        validate_slot_name(name)?;
        if name == PASSPHRASE_SLOT {
            return Err(Error::invalid(format!("{PASSPHRASE_SLOT:?} is the passphrase slot's name; choose another")));
        }
        let key = StoreKey::generate();
        let row = self.wrap_slot(name, key.expose_secret().as_bytes(), KdfParams::new_hkdf());
        self.write(|tx| {
            if tx.slots()?.iter().any(|s| s.name == name) {
                return Err(Error::conflict(format!("an unlock slot named {name:?} already exists")));
            }
            tx.slot_put(&row)?;
            self.audit(tx, "store.key_added", None, None, json!({ "slot": name }))
        })?;
        Ok((slot_infos(std::slice::from_ref(&row)).remove(0), key))
    }

    /// Removes a slot; the secret that opened it stops working at once. The last slot
    /// cannot be removed.
    pub fn remove_slot(&self, name: &str) -> Result<()> {
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
            let slots = tx.slots()?;
            let pass = slots.iter().find(|s| s.name == PASSPHRASE_SLOT).ok_or_else(|| {
                Error::refused("the store has no passphrase slot; set one with `keyctl store passwd`")
            })?;
            let params = super::slot_params(pass)?;
            if SlotKey::derive(passphrase.expose_secret().as_bytes(), &params)
                .unwrap(&pass.wrapped, &slot_aad(PASSPHRASE_SLOT, &params))
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
            );
            tx.slot_put(&pass_row)?;
            let mut reissued = Vec::new();
            for row in slots.iter().filter(|s| s.name != PASSPHRASE_SLOT) {
                let key = StoreKey::generate();
                let new_row = self.wrap_slot(&row.name, key.expose_secret().as_bytes(), KdfParams::new_hkdf());
                tx.slot_put(&new_row)?;
                reissued.push((slot_infos(std::slice::from_ref(&new_row)).remove(0), key));
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
        if new.is_empty() {
            return Err(Error::invalid("the new passphrase must not be empty"));
        }
        let row =
            self.wrap_slot(PASSPHRASE_SLOT, new.expose_secret().as_bytes(), KdfParams::new_pbkdf2(iterations.max(1)));
        self.write(|tx| {
            tx.slot_put(&row)?;
            self.audit(tx, "store.passphrase_changed", None, None, json!({ "slot": PASSPHRASE_SLOT }))
        })
    }
}
