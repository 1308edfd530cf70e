//! The schema a store must have: exactly the objects this build's migrations create, no
//! more and no different. A trigger, view, index or table planted with plain SQL could turn
//! a write into a silent no-op (`RAISE(IGNORE)`) or change what a query returns, so any
//! object keyctl did not create refuses the store (exit 4, each object named).

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::MIGRATIONS;
use crate::error::{Error, Result};

/// One schema object: its type, the table it belongs to, and its SQL (normalized).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Object {
    kind: String,
    table: String,
    sql: Option<String>,
}

type Schema = BTreeMap<String, Object>;

/// The digest of the schema this build's migrations create, so that opening a store
/// compares one digest instead of building the schema in memory. A unit test keeps it
/// equal to the real thing; on a mismatch the full comparison names what differs.
const CURRENT_DIGEST: [u8; 32] = [
    25, 100, 125, 83, 195, 214, 8, 145, 209, 107, 176, 175, 159, 148, 110, 113, 252, 147, 139, 253, 51, 19, 234, 234,
    201, 88, 230, 145, 239, 18, 97, 207,
];

/// The SQL of a schema object without comments and with single spaces, so that the text
/// SQLite keeps compares equal however the migration file was laid out.
fn normalize(sql: &str) -> String {
    let without_comments: Vec<&str> = sql.lines().map(|l| l.find("--").map_or(l, |i| &l[..i])).collect();
    without_comments.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read(conn: &Connection) -> Result<Schema> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema")?;
    let rows = stmt.query_map([], |r| {
        let sql: Option<String> = r.get(3)?;
        Ok((r.get::<_, String>(1)?, Object { kind: r.get(0)?, table: r.get(2)?, sql: sql.as_deref().map(normalize) }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A digest of a schema, in name order, for the fast path of [`check`].
fn digest(schema: &Schema) -> [u8; 32] {
    let mut text = String::new();
    for (name, o) in schema {
        text.push_str(&format!("{}\0{name}\0{}\0{}\n", o.kind, o.table, o.sql.as_deref().unwrap_or("")));
    }
    crate::crypto::sha256(text.as_bytes())
}

/// The schema that migrations `0..version` create, built in memory.
fn expected(version: u32) -> Result<Schema> {
    let conn = Connection::open_in_memory()?;
    for sql in MIGRATIONS.iter().take(version as usize) {
        conn.execute_batch(sql)?;
    }
    read(&conn)
}

/// Every difference between the store's schema and the one `version`'s migrations make,
/// one line per object; empty when they match.
pub fn problems(conn: &Connection, version: u32) -> Result<Vec<String>> {
    let found = read(conn)?;
    if version as usize == MIGRATIONS.len() && digest(&found) == CURRENT_DIGEST {
        return Ok(Vec::new());
    }
    let want = expected(version)?;
    let mut out = Vec::new();
    for (name, obj) in &found {
        match want.get(name) {
            None if obj.kind == "table" => out.push(format!("table {name:?} was not created by keyctl")),
            None => out.push(format!("{} {name:?} on {} was not created by keyctl", obj.kind, obj.table)),
            Some(w) if w != obj => out.push(format!("{} {name:?} differs from the one keyctl created", obj.kind)),
            Some(_) => {}
        }
    }
    for (name, w) in &want {
        if !found.contains_key(name) {
            out.push(format!("{} {name:?} is missing", w.kind));
        }
    }
    Ok(out)
}

/// Refuses a store whose schema is not exactly what its version's migrations make, and
/// returns that version. Both are read from one snapshot: another process may be
/// migrating the file at this moment. A version newer than this build is returned
/// unchecked, for the caller to refuse.
pub fn check(conn: &Connection) -> Result<u32> {
    let tx = conn.unchecked_transaction()?;
    let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version as usize > MIGRATIONS.len() {
        return Ok(version);
    }
    let problems = problems(&tx, version)?;
    tx.finish()?;
    match problems.len() {
        0 => Ok(version),
        _ => Err(Error::integrity(format!(
            "the store's schema was altered outside keyctl: {} (restore it from a backup)",
            problems.join("; ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_digest_is_the_current_schemas() {
        let d = digest(&expected(MIGRATIONS.len() as u32).unwrap());
        assert_eq!(d, CURRENT_DIGEST, "update CURRENT_DIGEST to {d:?}");
    }

    #[test]
    fn normalizing_drops_comments_and_spacing() {
        assert_eq!(normalize("CREATE TABLE t (\n  a INT, -- note\n  b   BLOB\n)"), "CREATE TABLE t ( a INT, b BLOB )");
    }

    #[test]
    fn a_fresh_schema_matches_and_any_extra_object_is_named() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        let version = MIGRATIONS.len() as u32;
        assert!(problems(&conn, version).unwrap().is_empty());
        conn.execute_batch("CREATE TRIGGER t BEFORE UPDATE ON meta BEGIN SELECT RAISE(IGNORE); END;").unwrap();
        let p = problems(&conn, version).unwrap();
        assert_eq!(p, vec!["trigger \"t\" on meta was not created by keyctl".to_owned()], "{p:?}");
        conn.execute_batch(&format!("PRAGMA user_version = {version}")).unwrap();
        assert_eq!(check(&conn).unwrap_err().exit_code(), 4);
    }
}
