//! The in-process floor for `key verify --stream` (issue 6's benchmark): for each key read
//! from stdin, SHA-256 it and do one indexed lookup of a stored key hash in the same store
//! file, in a loop, with no unlocking, decryption, checks or recording. Prints lookups per
//! second. `bench/run.sh` runs it beside the real stream.
//!
//! cargo run --release --example verify_floor -- STORE_FILE < keys.txt

use std::io::BufRead;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: verify_floor STORE_FILE < keys")?;
    let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
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
