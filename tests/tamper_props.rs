//! Random tampering (issue 10, "Tests"; spec section 3, properties 3, 5 and 6): one plain-SQL
//! edit of a random cell, row or `meta` record of a real store, without any store secret, is
//! either refused or harmless.
//!
//! The store holds one key of each kind that must never verify (revoked, disabled, in an
//! archived project) and one that must (unrestricted, no limits, so its answer depends only
//! on sealed state). After the edit, whatever opens:
//! - the refused keys are never VALID;
//! - the good key is VALID only with the permission and scopes it had;
//! - when `store check` passes, the edit was harmless: the good key is still VALID.
//!
//! `PROPTEST_CASES=5000 cargo test --test tamper_props` runs longer.

use std::sync::OnceLock;

use keyctl::{InitOptions, KeyCreate, Permission, SecretString, Store, Unlock, VerifyRequest};
use proptest::prelude::*;
use rusqlite::types::Value as Sql;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One row: its table and how to name it in a WHERE clause (its rowid, or its primary key
/// for WITHOUT ROWID tables such as `meta`).
#[derive(Debug, Clone)]
struct Row {
    table: String,
    key: Vec<(String, Sql)>,
}

impl Row {
    fn filter(&self, first: usize) -> (String, Vec<Sql>) {
        let clause = self
            .key
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("\"{c}\" = ?{}", first + i))
            .collect::<Vec<_>>()
            .join(" AND ");
        (clause, self.key.iter().map(|(_, v)| v.clone()).collect())
    }
}

struct Image {
    /// The store's bytes, checkpointed into one file (no WAL).
    bytes: Vec<u8>,
    good: String,
    /// Keys that must never answer VALID, whatever is edited.
    refused: Vec<(&'static str, String)>,
    good_permission: Option<Permission>,
    /// Every row of every table, so an edit can aim at any of them.
    rows: Vec<Row>,
    columns: Vec<(String, Vec<String>)>,
}

fn image() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let opts = InitOptions { org_name: Some("acme".into()), kdf_iterations: 1, ..Default::default() };
        let (store, org) = Store::init(&path, &SecretString::from("passphrase"), &opts).unwrap();
        let one = |name: &str, project: Option<&str>| {
            let spec = KeyCreate { name: Some(name.into()), project: project.map(Into::into), ..Default::default() };
            let mut keys = store.create_keys(&org.id, &spec).unwrap();
            let key = keys.remove(0);
            (key.info.id.clone(), key.secret.expose_secret().to_owned())
        };
        store.create_project(&org.id, "side", Some("a project to archive")).unwrap();
        let (_, good) = one("good", None);
        let (revoked_id, revoked) = one("revoked", None);
        let (disabled_id, disabled) = one("disabled", None);
        let (_, archived) = one("archived", Some("side"));
        store.revoke_key(&org.id, &revoked_id, Some("leaked")).unwrap();
        store.disable_key(&org.id, &disabled_id, None).unwrap();
        store.archive_project(&org.id, "side").unwrap();
        let good_permission = store
            .verifier()
            .verify(&VerifyRequest::new(good.as_str()).no_record())
            .unwrap()
            .key
            .and_then(|k| k.permission);
        drop(store);

        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut rows = Vec::new();
        let mut columns = Vec::new();
        for t in &tables {
            let cols: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let pk: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}') WHERE pk > 0 ORDER BY pk"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            // A rowid table is named by its rowid; a WITHOUT ROWID table by its primary key.
            let key_cols: Vec<String> =
                if conn.prepare(&format!("SELECT rowid FROM \"{t}\"")).is_ok() { vec!["rowid".into()] } else { pk };
            let select = key_cols.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            let mut stmt = conn.prepare(&format!("SELECT {select} FROM \"{t}\"")).unwrap();
            let found: Vec<Row> = stmt
                .query_map([], |r| {
                    let mut key = Vec::new();
                    for (i, c) in key_cols.iter().enumerate() {
                        key.push((c.clone(), r.get::<_, Sql>(i)?));
                    }
                    Ok(Row { table: t.clone(), key })
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.extend(found);
            columns.push((t.clone(), cols));
        }
        drop(conn);
        assert!(rows.iter().any(|r| r.table == "meta"), "the store has meta rows to edit");
        Image {
            bytes: std::fs::read(&path).unwrap(),
            good,
            refused: vec![("revoked", revoked), ("disabled", disabled), ("archived", archived)],
            good_permission,
            rows,
            columns,
        }
    })
}

/// One edit a person with write access to the file (and no secret) could make.
#[derive(Debug, Clone)]
enum Edit {
    /// Set one column of one row to a value.
    Set { row: prop::sample::Index, column: prop::sample::Index, value: Value },
    /// Copy one column's value from another row of the same table.
    CopyFrom { row: prop::sample::Index, from: prop::sample::Index, column: prop::sample::Index },
    /// Delete one row.
    Delete { row: prop::sample::Index },
    /// Flip one byte of a blob or text value.
    Flip { row: prop::sample::Index, column: prop::sample::Index, at: prop::sample::Index, xor: u8 },
}

#[derive(Debug, Clone)]
enum Value {
    Null,
    Int(i64),
    Blob(Vec<u8>),
    Text(String),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        prop_oneof![Just(0i64), Just(1), Just(-1), Just(i64::MAX), any::<i64>(), 0i64..4_102_444_800]
            .prop_map(Value::Int),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Value::Blob),
        "[a-z_0-9]{0,24}".prop_map(Value::Text),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), value())
            .prop_map(|(row, column, value)| Edit::Set { row, column, value }),
        2 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(row, from, column)| Edit::CopyFrom { row, from, column }),
        1 => any::<prop::sample::Index>().prop_map(|row| Edit::Delete { row }),
        3 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), 1u8..=255)
            .prop_map(|(row, column, at, xor)| Edit::Flip { row, column, at, xor }),
    ]
}

fn sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Int(i) => Sql::Integer(*i),
        Value::Blob(b) => Sql::Blob(b.clone()),
        Value::Text(t) => Sql::Text(t.clone()),
    }
}

/// Applies `edit` with plain SQL. Returns false when SQLite itself refused it (a constraint),
/// which leaves the file as it was.
fn apply(conn: &rusqlite::Connection, img: &Image, edit: &Edit) -> bool {
    let pick = |row: &prop::sample::Index| img.rows[row.index(img.rows.len())].clone();
    let columns = |table: &str| img.columns.iter().find(|(t, _)| t == table).map(|(_, c)| c.clone()).unwrap();
    let run = |sql: String, params: Vec<Sql>| conn.execute(&sql, rusqlite::params_from_iter(params)).is_ok();
    match edit {
        Edit::Set { row, column, value } => {
            let r = pick(row);
            let cols = columns(&r.table);
            let c = &cols[column.index(cols.len())];
            let (filter, mut params) = r.filter(2);
            params.insert(0, sql(value));
            run(format!("UPDATE \"{}\" SET \"{c}\" = ?1 WHERE {filter}", r.table), params)
        }
        Edit::CopyFrom { row, from, column } => {
            let r = pick(row);
            let same: Vec<&Row> = img.rows.iter().filter(|o| o.table == r.table).collect();
            let src = same[from.index(same.len())];
            let cols = columns(&r.table);
            let c = &cols[column.index(cols.len())];
            let (src_filter, mut params) = src.filter(1);
            let (filter, dst) = r.filter(1 + params.len());
            params.extend(dst);
            let t = &r.table;
            run(
                format!("UPDATE \"{t}\" SET \"{c}\" = (SELECT \"{c}\" FROM \"{t}\" WHERE {src_filter}) WHERE {filter}"),
                params,
            )
        }
        Edit::Delete { row } => {
            let r = pick(row);
            let (filter, params) = r.filter(1);
            run(format!("DELETE FROM \"{}\" WHERE {filter}", r.table), params)
        }
        Edit::Flip { row, column, at, xor } => {
            let r = pick(row);
            let cols = columns(&r.table);
            let c = &cols[column.index(cols.len())];
            let (filter, params) = r.filter(1);
            let current: Sql = conn
                .query_row(
                    &format!("SELECT \"{c}\" FROM \"{}\" WHERE {filter}", r.table),
                    rusqlite::params_from_iter(params.clone()),
                    |row| row.get(0),
                )
                .unwrap();
            let flipped = match current {
                Sql::Blob(mut b) if !b.is_empty() => {
                    let i = at.index(b.len());
                    b[i] ^= *xor;
                    Sql::Blob(b)
                }
                Sql::Text(s) if !s.is_empty() => {
                    let mut b = s.into_bytes();
                    let i = at.index(b.len());
                    b[i] ^= *xor;
                    Sql::Blob(b)
                }
                Sql::Integer(n) => Sql::Integer(n ^ i64::from(*xor)),
                _ => return false,
            };
            let (filter, mut params) = r.filter(2);
            params.insert(0, flipped);
            run(format!("UPDATE \"{}\" SET \"{c}\" = ?1 WHERE {filter}", r.table), params)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(96)))]

    #[test]
    fn one_plain_sql_edit_is_refused_or_harmless(edit in edit()) {
        let img = image();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        std::fs::write(&path, &img.bytes).unwrap();
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            if !apply(&conn, img, &edit) {
                return Ok(());
            }
        }
        // Refused at open (exit 3 or 4 at the CLI) is a fine answer.
        let Ok(store) = Store::open(&path, Unlock::passphrase("passphrase")) else { return Ok(()) };
        let mut verifier = store.verifier();
        for (what, key) in &img.refused {
            if let Ok(o) = verifier.verify(&VerifyRequest::new(key.as_str()).no_record()) {
                prop_assert!(!o.is_valid(), "the {what} key verified VALID after {edit:?}");
            }
        }
        let good = verifier.verify(&VerifyRequest::new(img.good.as_str()).no_record());
        if let Ok(o) = &good {
            if o.is_valid() {
                let permission = o.key.as_ref().and_then(|k| k.permission);
                prop_assert_eq!(permission, img.good_permission, "the good key's permission changed after {:?}", edit);
            }
        }
        drop(verifier);
        if let Ok(report) = store.check() {
            if report.is_ok() {
                let still_valid = matches!(&good, Ok(o) if o.is_valid());
                prop_assert!(still_valid, "store check passes but the good key answers {:?} after {:?}",
                    good.as_ref().map(|o| o.code), edit);
            }
        }
    }
}

#[test]
fn the_image_answers_as_built() {
    // The property starts from a store where the good key works and the others are refused.
    let img = image();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    std::fs::write(&path, &img.bytes).unwrap();
    let store = Store::open(&path, Unlock::passphrase("passphrase")).unwrap();
    assert!(store.check().unwrap().is_ok());
    let mut verifier = store.verifier();
    assert!(verifier.verify(&VerifyRequest::new(img.good.as_str()).no_record()).unwrap().is_valid());
    for (what, key) in &img.refused {
        let o = verifier.verify(&VerifyRequest::new(key.as_str()).no_record()).unwrap();
        assert!(!o.is_valid(), "{what}");
    }
    assert!(img.good_permission.is_some());
}
