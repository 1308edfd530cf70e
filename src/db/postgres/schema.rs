//! The schema a PostgreSQL store must have: exactly what this build's migrations create, no
//! more and no different. PostgreSQL's administrator can do more than an SQLite file's
//! editor: besides triggers and indexes there are rules, row-level security policies,
//! inheritance (a child table whose rows appear in the parent's reads), column defaults and
//! functions or operators that shadow the catalog's. Each would let someone who cannot
//! forge a seal turn a write into a no-op or a read into a lie, so every one found in or on
//! the store's schema refuses the store (exit 4, each object named).
//!
//! The description is read from the catalog as sorted lines and compared with the one the
//! migrations make, committed beside them (`expected_v1.txt`; a test keeps it true).

use postgres::Client;

use crate::error::{Error, Result};

/// What a fresh schema of each version describes as; index `v - 1` is version `v`.
const EXPECTED: &[&str] = &[include_str!("expected_v1.txt")];

/// The catalog's description of `schema`: one line per object, sorted.
pub fn describe(client: &mut Client, schema: &str) -> Result<Vec<String>> {
    const QUERIES: &[&str] = &[
        // Every relation (tables, indexes, views, sequences...), with the switches that
        // change what reads return.
        "SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text || ' rls=' || c.relrowsecurity::text
                || ' force_rls=' || c.relforcerowsecurity::text || ' persistence=' || c.relpersistence::text
         FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                || coalesce(' collate ' || co.collname::text, '')
                || CASE WHEN a.attgenerated::text <> '' THEN ' generated' ELSE '' END
                || CASE WHEN a.attidentity::text <> '' THEN ' identity' ELSE '' END
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND a.attnum > 0 AND NOT a.attisdropped",
        "SELECT 'index ' || c.relname || ' ' || replace(pg_get_indexdef(i.indexrelid), ' ON ' || $1::text || '.', ' ON ')
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text) OR c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'constraint ' || t.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
         FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'trigger ' || t.tgname || ' on ' || c.relname
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text) AND NOT t.tgisinternal",
        "SELECT 'rule ' || r.rulename || ' on ' || c.relname
         FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'policy ' || p.polname || ' on ' || c.relname
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'inherits ' || child.relnamespace::regnamespace::text || '.' || child.relname || ' from ' || parent.relname
         FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
         WHERE parent.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text) OR child.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
         FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'operator ' || o.oprname || '(' || format_type(o.oprleft, NULL) || ', ' || format_type(o.oprright, NULL) || ')'
         FROM pg_operator o WHERE o.oprnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'type ' || t.typname FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text) AND t.typrelid = 0
           AND NOT (t.typcategory::text = 'A' AND t.typelem IN (SELECT reltype FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)))",
        "SELECT 'collation ' || collname FROM pg_collation WHERE collnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'conversion ' || conname FROM pg_conversion WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
        "SELECT 'extension ' || extname FROM pg_extension WHERE extnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1::text)",
    ];
    // One statement, one round trip: opening a store pays for this every time.
    let sql = QUERIES.iter().map(|q| format!("({q})")).collect::<Vec<_>>().join(" UNION ALL ");
    let mut lines = Vec::new();
    for row in client.query(&sql, &[&schema])? {
        lines.push(row.try_get::<_, String>(0)?);
    }
    lines.sort();
    Ok(lines)
}

/// Every difference between the store's schema and the one `version`'s migrations make,
/// one per object; empty when they match.
pub fn problems(client: &mut Client, schema: &str, version: u32) -> Result<Vec<String>> {
    let expected = version
        .checked_sub(1)
        .and_then(|i| EXPECTED.get(i as usize))
        .ok_or_else(|| Error::integrity(format!("schema version {version} has no known shape")))?;
    let want: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    let found = describe(client, schema)?;
    let mut out = Vec::new();
    for line in &found {
        if !want.contains(&line.as_str()) {
            out.push(format!("{line} was not created by keyctl"));
        }
    }
    for line in &want {
        if !found.iter().any(|f| f == line) {
            out.push(format!("{line} is missing"));
        }
    }
    Ok(out)
}
