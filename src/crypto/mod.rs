//! All cryptography lives here and only here, built on ring: random bytes, the key and
//! store-key formats, PBKDF2 and HKDF, AES-256-GCM sealing and HMAC-SHA256.
//! Secret material is held in zeroizing newtypes without `Debug` or `Display`.

mod format;
mod keys;
mod secret;

pub use format::{
    base62_fixed, contains_key_shaped, find_secrets, redact_key_shaped, redact_secrets, ApiKey, KeyPrefix, StoreKey,
};
pub use keys::{
    DataKey, KdfParams, Keyring, RowKeys, SlotKey, DEFAULT_PBKDF2_ITERATIONS, KDF_HKDF_SHA256, KDF_PBKDF2_SHA256,
};
pub use secret::{SecretBytes, SecretString};

use ring::rand::{SecureRandom, SystemRandom};

/// `N` bytes from the operating system's random generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // SystemRandom only fails when the OS has no entropy source at all; nothing safe
    // can be done without one.
    SystemRandom::new().fill(&mut out).expect("the operating system's random generator failed");
    out
}

/// Associated data for a seal: the domain tag, then each part preceded by its length (a
/// big-endian `u32`), so no two different lists of parts give the same bytes.
pub fn aad(domain: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len() + parts.iter().map(|p| p.len() + 4).sum::<usize>());
    out.extend_from_slice(domain);
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Whether two secrets are equal, in time that depends on neither: `b` is MACed under a
/// fresh random key and ring checks `a` against that tag in constant time, so not even the
/// lengths leak.
pub fn secrets_match(a: &[u8], b: &[u8]) -> bool {
    let Ok(key) = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &SystemRandom::new()) else {
        return false;
    };
    let tag = ring::hmac::sign(&key, b);
    ring::hmac::verify(&key, a, tag.as_ref()).is_ok()
}
