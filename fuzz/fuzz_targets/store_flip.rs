//! A valid store (with orgs, projects, members, keys, usage and audit entries) with bytes
//! flipped: the input is a list of (offset, xor) pairs. Opening, checking, listing and
//! verifying it end in results or errors, never a panic.
#![no_main]

use std::sync::OnceLock;

use keyctl::{InitOptions, KeyCreate, KeyFilter, SecretString, Store, Unlock, VerifyRequest};
use libfuzzer_sys::fuzz_target;

struct Seed {
    bytes: Vec<u8>,
    store_key: String,
    keys: Vec<String>,
}

fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = work_dir("seed");
        let path = dir.join("keyctl.db");
        let opts = InitOptions { kdf_iterations: 1000, ..InitOptions::default() };
        let (store, org) = Store::init(&path, &SecretString::from("fuzz"), &opts).unwrap();
        let (_, store_key) = store.add_store_key("fuzz", keyctl::Authority::Member).unwrap();
        let keys: Vec<String> = store
            .create_keys(&org.id, &KeyCreate { count: 5, ..KeyCreate::default() })
            .unwrap()
            .iter()
            .map(|k| k.secret.expose_secret().to_owned())
            .collect();
        let mut v = store.verifier();
        for k in &keys {
            v.verify(&VerifyRequest::new(k.as_str())).unwrap();
        }
        drop(v);
        drop(store);
        // One file: fold the WAL into it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        let wal = std::fs::metadata(dir.join("keyctl.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "the seed store must be one file (checkpointed)");
        let seed = Seed { bytes, store_key: store_key.expose_secret().to_owned(), keys };
        let _ = std::fs::remove_dir_all(&dir);
        seed
    })
}

fn work_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("keyctl-fuzz-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fuzz_target!(|data: &[u8]| {
    let seed = seed();
    let mut bytes = seed.bytes.clone();
    for flip in data.chunks_exact(5) {
        let at = u32::from_le_bytes([flip[0], flip[1], flip[2], flip[3]]) as usize % bytes.len();
        bytes[at] ^= flip[4].max(1);
    }
    let dir = work_dir("flip");
    let path = dir.join("keyctl.db");
    std::fs::write(&path, &bytes).unwrap();
    if let Ok(store) = Store::open(&path, Unlock::store_key(seed.store_key.as_str())) {
        let _ = store.check();
        if let Ok(orgs) = store.list_orgs() {
            for org in orgs {
                let _ = store.list_keys(&org.id, &KeyFilter::default());
            }
        }
        let mut v = store.verifier();
        for k in &seed.keys {
            let _ = v.verify(&VerifyRequest::new(k.as_str()));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
});
