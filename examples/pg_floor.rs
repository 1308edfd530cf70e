//! The in-process floor for `key verify --stream` on PostgreSQL (issue 12's benchmark): one
//! connection, one prepared indexed `SELECT payload FROM api_keys WHERE hash = $1` per key
//! read from stdin (after an SHA-256 of it, as keyctl does), with no unlocking, decryption,
//! checks or recording. Prints lookups per second. `bench/postgres.py` runs it beside the
//! real stream.
//!
//! cargo run --release --example pg_floor -- 'postgres://postgres@127.0.0.1/test' SCHEMA < keys.txt
//!
//! `pg_floor URL SCHEMA --hash`: prints one stored key hash as hex (for the `psql -c`
//! single-shot floor's lookup).

use std::io::BufRead;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, schema) = match (args.first(), args.get(1)) {
        (Some(u), Some(s)) if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => (u, s),
        _ => return Err("usage: pg_floor URL SCHEMA [--hash] < keys".into()),
    };
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let hashes: Vec<Vec<u8>> =
        client.query(&format!("SELECT hash FROM {schema}.api_keys"), &[])?.iter().map(|r| r.get(0)).collect();
    if hashes.is_empty() {
        return Err("the store has no keys".into());
    }
    if args.get(2).map(String::as_str) == Some("--hash") {
        let pick = &hashes[hashes.len() / 2];
        println!("{}", pick.iter().map(|b| format!("{b:02x}")).collect::<String>());
        return Ok(());
    }
    let keys: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    let stmt = client.prepare(&format!("SELECT payload FROM {schema}.api_keys WHERE hash = $1"))?;
    let start = Instant::now();
    let mut found = 0usize;
    for (i, key) in keys.iter().enumerate() {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        // The digest picks which stored hash to look up, so the lookups are as random as the
        // stream's and the work cannot be optimised away.
        let pick = (usize::from(digest.as_ref()[0]) << 8 | usize::from(digest.as_ref()[1])) + i;
        let row = client.query_opt(&stmt, &[&hashes[pick % hashes.len()]])?;
        found += usize::from(row.is_some_and(|r| !r.get::<_, Vec<u8>>(0).is_empty()));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.0}", keys.len() as f64 / secs);
    eprintln!("floor: {} lookups ({found} found) in {secs:.3} s", keys.len());
    Ok(())
}
