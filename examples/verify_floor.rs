//! The in-process floor for `key verify --stream` (issue 6's benchmark): for each key read
//! from stdin, SHA-256 it and do one indexed lookup of a stored key hash in the same store
//! file, in a loop, with no unlocking, decryption, checks or recording. Prints lookups per
//! second. `bench/run.sh` runs it beside the real stream.
//!
//! cargo run --release --example verify_floor -- STORE_FILE < keys.txt
//!
//! Two more floors for bench/patterns.py (issue 14):
//! - `verify_floor --insert N FILE`: N inserts of rows shaped like `api_keys` (random hash,
//!   id, clear columns, a 120-byte payload) in one transaction into a new WAL-mode file with
//!   keyctl's page cache (16 MiB), and an SHA-256 per row; prints seconds per insert.
//! - `verify_floor --kdf`: one PBKDF2-HMAC-SHA256 derivation of 600,000 iterations; prints
//!   its seconds.

use std::io::BufRead;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--insert") => return insert_floor(args[1].parse()?, &args[2]),
        Some("--kdf") => return kdf_floor(),
        _ => {}
    }
    let path = args.first().ok_or("usage: verify_floor STORE_FILE < keys")?;
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let hashes: Vec<Vec<u8>> =
        conn.prepare("SELECT hash FROM api_keys")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    if hashes.is_empty() {
        return Err("the store has no keys".into());
    }
    let keys: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached("SELECT payload FROM api_keys WHERE hash = ?1")?;
    let start = Instant::now();
    let mut found = 0usize;
    for (i, key) in keys.iter().enumerate() {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        // The digest picks which stored hash to look up, so the lookups are as random as
        // the stream's and the work cannot be optimised away.
        let pick = (usize::from(digest.as_ref()[0]) << 8 | usize::from(digest.as_ref()[1])) + i;
        let payload: Option<Vec<u8>> = stmt.query_row([&hashes[pick % hashes.len()]], |r| r.get(0)).ok();
        found += usize::from(payload.is_some());
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.0}", keys.len() as f64 / secs);
    eprintln!("floor: {} lookups ({found} found) in {secs:.3} s", keys.len());
    Ok(())
}

fn random<const N: usize>(rng: &ring::rand::SystemRandom) -> [u8; N] {
    ring::rand::generate::<[u8; N]>(rng).expect("random bytes").expose()
}

fn insert_floor(n: usize, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384;
         CREATE TABLE api_keys (hash BLOB NOT NULL UNIQUE, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
           project_id TEXT NOT NULL, owner_id TEXT NOT NULL, created_at INTEGER NOT NULL,
           expires_at INTEGER, revoked_at INTEGER, payload BLOB NOT NULL);
         CREATE INDEX api_keys_project ON api_keys (project_id);",
    )?;
    let rng = ring::rand::SystemRandom::new();
    let start = Instant::now();
    let tx = conn.unchecked_transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO api_keys (hash, id, org_id, project_id, owner_id, created_at, payload)
             VALUES (?1, ?2, 'org_0000000000000000', 'prj_0000000000000000', 'mem_0000000000000000', 1, ?3)",
        )?;
        for _ in 0..n {
            let secret = random::<32>(&rng);
            let hash = ring::digest::digest(&ring::digest::SHA256, &secret);
            let id: String = random::<16>(&rng).iter().map(|b| char::from(b'a' + b % 26)).collect();
            let payload = random::<120>(&rng);
            stmt.execute(rusqlite::params![hash.as_ref(), format!("key_{id}"), &payload[..]])?;
        }
    }
    tx.commit()?;
    let secs = start.elapsed().as_secs_f64();
    println!("{:.9}", secs / n as f64);
    eprintln!("floor: {n} inserts in one transaction in {secs:.3} s");
    Ok(())
}

fn kdf_floor() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = [0u8; 32];
    let start = Instant::now();
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(600_000).ok_or("iterations")?,
        b"sixteen byte salt",
        b"a passphrase of ordinary length",
        &mut out,
    );
    println!("{:.6}", start.elapsed().as_secs_f64());
    Ok(())
}
