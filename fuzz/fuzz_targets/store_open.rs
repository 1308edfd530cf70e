//! `Store::open` on a file of arbitrary bytes: an error (not a store, damaged, wrong
//! secret), never a panic, and never a changed file when it is not a store.
#![no_main]

use keyctl::{Store, Unlock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile_dir();
    let path = dir.join("keyctl.db");
    std::fs::write(&path, data).unwrap();
    let result = Store::open(&path, Unlock::passphrase("fuzz"));
    if let Ok(store) = result {
        let _ = store.check();
    }
    let _ = std::fs::remove_dir_all(&dir);
});

/// A fresh folder per input, in memory when the machine has /dev/shm.
fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
    let dir = base.join(format!("keyctl-fuzz-open-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
