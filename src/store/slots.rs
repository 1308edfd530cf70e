//! Unlock slots: the passphrase and any number of named store keys, each wrapping the same
//! data key, so adding, changing or removing one never re-encrypts data.

use serde_json::json;

use super::{slot_aad, SlotInfo, Store, PASSPHRASE_SLOT};
use crate::crypto::{KdfParams, SecretString, SlotKey, StoreKey};
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
        })
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
