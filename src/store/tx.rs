//! The store's view of one transaction: the backend's plain operations, plus the
//! freshness ledger's bookkeeping. Every write of a sealed row made through [`Tx`] is noted
//! here, and `Store::write` folds the notes into the ledger before commit, so a backend
//! only stores rows and never keeps these books.

use std::cell::RefCell;
use std::ops::Deref;

use super::domains;
use crate::db::{KeyRow, RecordRow, Table, Transaction, Written};
use crate::error::Result;

/// Sealed `meta` records whose versions the freshness ledger tracks, like rows.
pub(crate) const LEDGERED_META: [&str; 2] = ["owner", "audit_head"];

/// A sealed row written or deleted in this transaction, for the freshness ledger.
#[derive(Debug, Clone)]
pub(crate) struct RowChange {
    /// The row's encryption domain (see `domains`).
    pub domain: &'static str,
    pub id: String,
    /// The new sealed payload, or `None` for a deletion.
    pub payload: Option<Vec<u8>>,
}

/// One transaction. Reads go straight to the backend (through `Deref`); the writes of
/// sealed rows are wrapped here so that each one is noted for the ledger.
pub(crate) struct Tx<'a> {
    raw: &'a dyn Transaction,
    changes: RefCell<Vec<RowChange>>,
}

impl<'a> Deref for Tx<'a> {
    type Target = dyn Transaction + 'a;
    fn deref(&self) -> &Self::Target {
        self.raw
    }
}

impl<'a> Tx<'a> {
    pub(crate) fn new(raw: &'a dyn Transaction) -> Tx<'a> {
        Tx { raw, changes: RefCell::default() }
    }

    pub fn meta_set(&self, name: &str, value: &[u8]) -> Result<()> {
        self.raw.meta_set(name, value)?;
        if let Some(name) = LEDGERED_META.iter().find(|n| **n == name) {
            self.changed(domains::META, name, Some(value));
        }
        Ok(())
    }

    pub fn record_insert(&self, table: Table, row: &RecordRow) -> Result<Written> {
        let written = self.raw.record_insert(table, row)?;
        if written.is_done() {
            self.changed(table.domain(), &row.id, Some(&row.payload));
        }
        Ok(written)
    }

    pub fn record_update(&self, table: Table, row: &RecordRow) -> Result<Written> {
        let written = self.raw.record_update(table, row)?;
        if written.is_done() {
            self.changed(table.domain(), &row.id, Some(&row.payload));
        }
        Ok(written)
    }

    pub fn record_delete(&self, table: Table, id: &str) -> Result<()> {
        if self.raw.record_delete(table, id)? {
            self.changed(table.domain(), id, None);
        }
        Ok(())
    }

    pub fn key_insert(&self, k: &KeyRow) -> Result<()> {
        self.raw.key_insert(k)?;
        self.changed(domains::API_KEYS, &k.id, Some(&k.payload));
        Ok(())
    }

    pub fn key_update(&self, k: &KeyRow) -> Result<()> {
        self.raw.key_update(k)?;
        self.changed(domains::API_KEYS, &k.id, Some(&k.payload));
        Ok(())
    }

    pub fn key_delete(&self, id: &str) -> Result<()> {
        if self.raw.key_delete(id)? {
            self.changed(domains::API_KEYS, id, None);
        }
        Ok(())
    }

    /// Notes a sealed row as changed (used when building the ledger for existing rows).
    pub fn record_change(&self, domain: &'static str, id: &str, payload: Option<&[u8]>) {
        self.changed(domain, id, payload);
    }

    fn changed(&self, domain: &'static str, id: &str, payload: Option<&[u8]>) {
        self.changes.borrow_mut().push(RowChange { domain, id: id.to_owned(), payload: payload.map(<[u8]>::to_vec) });
    }

    /// This transaction's latest write of a row not yet in the ledger: `Some(None)` for a
    /// deletion, `None` when the transaction has not touched the row.
    pub fn pending_change(&self, domain: &str, id: &str) -> Option<Option<Vec<u8>>> {
        self.changes.borrow().iter().rev().find(|c| c.domain == domain && c.id == id).map(|c| c.payload.clone())
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.borrow().is_empty()
    }

    /// The sealed rows this transaction wrote or deleted so far, oldest first.
    pub fn take_changes(&self) -> Vec<RowChange> {
        std::mem::take(&mut self.changes.borrow_mut())
    }

    /// Every sealed row's domain, id and payload, for building or checking the ledger.
    pub fn sealed_rows(&self) -> Result<Vec<(&'static str, String, Vec<u8>)>> {
        let mut out = Vec::new();
        for table in Table::ALL {
            for row in self.raw.records(table, None)? {
                out.push((table.domain(), row.id, row.payload));
            }
        }
        for row in self.raw.all_keys()? {
            out.push((domains::API_KEYS, row.id, row.payload));
        }
        for name in LEDGERED_META {
            if let Some(value) = self.raw.meta_get(name)? {
                out.push((domains::META, name.to_owned(), value));
            }
        }
        Ok(out)
    }
}
