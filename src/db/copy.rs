//! Copying a store's rows from one backend to another, exactly as they are: sealed rows,
//! ledger nodes, audit entries, unlock slots, usage and counters. Nothing is opened or
//! re-sealed (no row's seal names its backend or table layout), so the copy opens with the
//! same secrets and passes the same checks. `store copy`, `store backup` of a PostgreSQL
//! store and `store restore` into one are this.

use super::{Database, Table, Transaction};
use crate::error::Result;

/// Everything a store holds, read in one snapshot.
struct Rows {
    meta: Vec<(String, Vec<u8>)>,
    slots: Vec<super::SlotRow>,
    records: Vec<(Table, Vec<super::RecordRow>)>,
    keys: Vec<super::KeyRow>,
    ledger: Vec<(i64, Vec<u8>)>,
    audit: Vec<super::AuditRow>,
    usage: Vec<(super::UsageRow, i64)>,
    project_usage: Vec<(String, i64, i64, i64)>,
    counters: Vec<(String, String, i64, i64)>,
}

fn read_all(tx: &dyn Transaction) -> Result<Rows> {
    let mut records = Vec::new();
    for table in Table::ALL {
        records.push((table, tx.records(table, None)?));
    }
    Ok(Rows {
        meta: tx.meta_all()?,
        slots: tx.slots()?,
        records,
        keys: tx.all_keys()?,
        ledger: tx.ledger_all()?,
        audit: tx.audit_since(None)?,
        usage: tx.usage_all()?,
        project_usage: tx.project_usage_all()?,
        counters: tx.counters_all()?,
    })
}

fn write_all(tx: &dyn Transaction, rows: &Rows) -> Result<()> {
    for (name, value) in &rows.meta {
        tx.meta_set(name, value)?;
    }
    for slot in &rows.slots {
        tx.slot_put(slot)?;
    }
    for (table, records) in &rows.records {
        for r in records {
            tx.record_insert(*table, r)?
                .or_taken(|| crate::Error::integrity("the source store holds two rows with one name"))?;
        }
    }
    for k in &rows.keys {
        tx.key_insert(k)?;
    }
    for (node, body) in &rows.ledger {
        tx.ledger_put(*node, body)?;
    }
    for a in &rows.audit {
        tx.audit_append(a)?;
    }
    for (u, last_at) in &rows.usage {
        tx.record_use(&u.key_id, &u.project_id, u.day, u.requests, u.cost, *last_at)?;
    }
    for (project, day, requests, cost) in &rows.project_usage {
        tx.record_project_use(project, *day, *requests, *cost)?;
    }
    for (id, kind, start, value) in &rows.counters {
        tx.counter_add(id, kind, *start, *value, *start)?;
    }
    Ok(())
}

/// Every row of `src`, read in one snapshot.
fn snapshot(src: &dyn Database) -> Result<Rows> {
    let mut rows = None;
    src.read(&mut |tx| {
        rows = Some(read_all(tx)?);
        Ok(())
    })?;
    rows.ok_or_else(|| crate::Error::integrity("the storage backend did not run the read"))
}

/// Copies every row of `src` into `dst`, an empty store of the current schema: one read
/// snapshot, one write transaction (all of it or nothing).
pub fn copy_rows(src: &dyn Database, dst: &dyn Database) -> Result<()> {
    let rows = snapshot(src)?;
    dst.write(&mut |tx| write_all(tx, &rows))
}

/// Replaces every row of `dst` with those of `src`, in one write transaction of `dst`.
pub fn replace_rows(src: &dyn Database, dst: &dyn Database) -> Result<()> {
    let rows = snapshot(src)?;
    dst.write(&mut |tx| {
        tx.clear_all()?;
        write_all(tx, &rows)
    })
}
