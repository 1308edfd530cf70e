//! The key hierarchy: a random data key, wrapped once per unlock slot, from which HKDF
//! derives the row-sealing key, the API-key hashing key, the blind-index key and the
//! audit-chain key.

use std::num::NonZeroU32;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::{hkdf, hmac, pbkdf2};

use super::{random_bytes, SecretBytes};

/// The stored name of the passphrase KDF (PBKDF2-HMAC-SHA256).
pub const KDF_PBKDF2_SHA256: &str = "pbkdf2-sha256";
/// The stored name of the store-key KDF (HKDF-SHA256).
pub const KDF_HKDF_SHA256: &str = "hkdf-sha256";

/// OWASP's recommendation for PBKDF2-HMAC-SHA256.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;

/// How a slot turns its secret into a wrapping key; stored in the clear beside the slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KdfParams {
    Pbkdf2Sha256 { iterations: u32, salt: Vec<u8> },
    HkdfSha256 { salt: Vec<u8> },
}

impl KdfParams {
    pub fn new_pbkdf2(iterations: u32) -> KdfParams {
        KdfParams::Pbkdf2Sha256 { iterations, salt: random_bytes::<16>().to_vec() }
    }

    pub fn new_hkdf() -> KdfParams {
        KdfParams::HkdfSha256 { salt: random_bytes::<16>().to_vec() }
    }

    pub fn name(&self) -> &'static str {
        match self {
            KdfParams::Pbkdf2Sha256 { .. } => KDF_PBKDF2_SHA256,
            KdfParams::HkdfSha256 { .. } => KDF_HKDF_SHA256,
        }
    }

    pub fn iterations(&self) -> u32 {
        match self {
            KdfParams::Pbkdf2Sha256 { iterations, .. } => *iterations,
            KdfParams::HkdfSha256 { .. } => 0,
        }
    }

    pub fn salt(&self) -> &[u8] {
        match self {
            KdfParams::Pbkdf2Sha256 { salt, .. } | KdfParams::HkdfSha256 { salt } => salt,
        }
    }

    pub fn from_parts(name: &str, iterations: u32, salt: Vec<u8>) -> Option<KdfParams> {
        match name {
            KDF_PBKDF2_SHA256 if iterations > 0 => Some(KdfParams::Pbkdf2Sha256 { iterations, salt }),
            KDF_HKDF_SHA256 => Some(KdfParams::HkdfSha256 { salt }),
            _ => None,
        }
    }
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

fn hkdf_expand(salt: &[u8], ikm: &[u8], info: &[u8]) -> SecretBytes<32> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let mut out = [0u8; 32];
    // Expanding 32 bytes from SHA-256 is always within HKDF's limit.
    prk.expand(&[info], Len32).and_then(|okm| okm.fill(&mut out)).expect("HKDF-SHA256 can expand 32 bytes");
    SecretBytes::new(out)
}

fn aead_key(bytes: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("AES-256 takes a 32-byte key"))
}

/// `nonce || ciphertext || tag` under a fresh random 96-bit nonce.
fn seal(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce_bytes = random_bytes::<NONCE_LEN>();
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(aad), &mut out[NONCE_LEN..])
        .expect("AES-GCM sealing of an in-memory buffer cannot fail");
    out.extend_from_slice(tag.as_ref());
    out
}

fn open(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = zeroize::Zeroizing::new(body.to_vec());
    let len = key.open_in_place(nonce, Aad::from(aad), &mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// The 256-bit key that everything in the store is derived from.
pub struct DataKey(SecretBytes<32>);

impl DataKey {
    pub fn generate() -> DataKey {
        DataKey(SecretBytes::new(random_bytes::<32>()))
    }

    /// A data key someone already unwrapped (the unlock agent's); the store checks it.
    pub fn from_secret(bytes: SecretBytes<32>) -> DataKey {
        DataKey(bytes)
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// The working keys of a store sealed before the keyring existed (protection level 1):
    /// everything derived from the data key. Used only to read such a store while it is
    /// upgraded.
    pub fn legacy_row_keys(&self) -> RowKeys {
        let dk = self.0.expose_secret();
        let derive = |info: &[u8]| hkdf_expand(b"keyctl/v1/data-key", dk, info);
        RowKeys {
            seal: aead_key(derive(b"seal rows").expose_secret()),
            hash: hmac::Key::new(hmac::HMAC_SHA256, derive(b"hash api keys").expose_secret()),
            index: hmac::Key::new(hmac::HMAC_SHA256, derive(b"blind index").expose_secret()),
            audit: hmac::Key::new(hmac::HMAC_SHA256, derive(b"audit chain").expose_secret()),
        }
    }

    /// The working keys of a protection-level-2 store: rows and the audit chain under keys
    /// derived from this data key (so a rekey changes them), API-key hashes and blind
    /// indexes under the keyring's keys (so they survive a rekey).
    pub fn row_keys(&self, keyring: &Keyring) -> RowKeys {
        let dk = self.0.expose_secret();
        let derive = |info: &[u8]| hkdf_expand(b"keyctl/v2/data-key", dk, info);
        RowKeys {
            seal: aead_key(derive(b"seal rows").expose_secret()),
            hash: hmac::Key::new(hmac::HMAC_SHA256, keyring.hash.expose_secret()),
            index: hmac::Key::new(hmac::HMAC_SHA256, keyring.index.expose_secret()),
            audit: hmac::Key::new(hmac::HMAC_SHA256, derive(b"audit chain").expose_secret()),
        }
    }

    fn keyring_key(&self) -> LessSafeKey {
        aead_key(hkdf_expand(b"keyctl/v2/data-key", self.0.expose_secret(), b"keyring").expose_secret())
    }

    /// The keyring sealed under this data key: the store's sealed protection level.
    pub fn seal_keyring(&self, keyring: &Keyring) -> Vec<u8> {
        let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(64));
        plain.extend_from_slice(keyring.hash.expose_secret());
        plain.extend_from_slice(keyring.index.expose_secret());
        seal(&self.keyring_key(), KEYRING_AAD, &plain)
    }

    /// `None` when the record was not sealed under this data key.
    pub fn open_keyring(&self, sealed: &[u8]) -> Option<Keyring> {
        let plain = open(&self.keyring_key(), KEYRING_AAD, sealed)?;
        if plain.len() != 64 {
            return None;
        }
        let mut hash = [0u8; 32];
        let mut index = [0u8; 32];
        hash.copy_from_slice(&plain[..32]);
        index.copy_from_slice(&plain[32..]);
        Some(Keyring { hash: SecretBytes::new(hash), index: SecretBytes::new(index) })
    }
}

const KEYRING_AAD: &[u8] = b"keyctl/v2/keyring";

/// The keys that must outlive the data key: the API-key hashing key (a rekey must not
/// invalidate issued keys) and the blind-index key (names and ledger references).
pub struct Keyring {
    hash: SecretBytes<32>,
    index: SecretBytes<32>,
}

impl Keyring {
    pub fn generate() -> Keyring {
        Keyring { hash: SecretBytes::new(random_bytes::<32>()), index: SecretBytes::new(random_bytes::<32>()) }
    }

    /// The keys a level-1 store derived from its data key, kept as they were so that its
    /// issued keys, names and ledger references stay valid after the upgrade.
    pub fn legacy(data_key: &DataKey) -> Keyring {
        let derive = |info: &[u8]| hkdf_expand(b"keyctl/v1/data-key", data_key.0.expose_secret(), info);
        Keyring { hash: derive(b"hash api keys"), index: derive(b"blind index") }
    }
}

/// A slot's wrapping key, derived from a passphrase or a store key.
pub struct SlotKey(LessSafeKey);

impl SlotKey {
    pub fn derive(secret: &[u8], params: &KdfParams) -> SlotKey {
        let bytes = match params {
            KdfParams::Pbkdf2Sha256 { iterations, salt } => {
                let mut out = [0u8; 32];
                let iterations = NonZeroU32::new(*iterations).unwrap_or(NonZeroU32::MIN);
                pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, salt, secret, &mut out);
                SecretBytes::new(out)
            }
            KdfParams::HkdfSha256 { salt } => hkdf_expand(salt, secret, b"keyctl/v1/store-key slot"),
        };
        SlotKey(aead_key(bytes.expose_secret()))
    }

    pub fn wrap(&self, data_key: &DataKey, aad: &[u8]) -> Vec<u8> {
        seal(&self.0, aad, data_key.0.expose_secret())
    }

    /// `None` when the secret is wrong or the slot was tampered with.
    pub fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Option<DataKey> {
        let plain = open(&self.0, aad, wrapped)?;
        let bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
        Some(DataKey(SecretBytes::new(bytes)))
    }
}

/// The working keys of an unlocked store.
pub struct RowKeys {
    seal: LessSafeKey,
    hash: hmac::Key,
    index: hmac::Key,
    audit: hmac::Key,
}

impl RowKeys {
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal(&self.seal, aad, plaintext)
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        open(&self.seal, aad, sealed)
    }

    /// The stored form of an API key: HMAC-SHA256 under a key only the unlocked store has,
    /// so the file alone can neither test guesses nor mint keys.
    pub fn key_hash(&self, api_key: &str) -> [u8; 32] {
        tag32(hmac::sign(&self.hash, api_key.as_bytes()))
    }

    /// Constant-time check that `api_key` hashes to `expected`.
    pub fn key_hash_matches(&self, api_key: &str, expected: &[u8]) -> bool {
        hmac::verify(&self.hash, api_key.as_bytes(), expected).is_ok()
    }

    /// A keyed, deterministic lookup value for a name, so uniqueness and lookup by name
    /// work while the name itself stays sealed.
    pub fn blind_index(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.index);
        for part in parts {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        tag32(ctx.sign())
    }

    pub fn audit_mac(&self, data: &[u8]) -> [u8; 32] {
        tag32(hmac::sign(&self.audit, data))
    }

    pub fn audit_mac_matches(&self, data: &[u8], expected: &[u8]) -> bool {
        hmac::verify(&self.audit, data, expected).is_ok()
    }
}

fn tag32(tag: hmac::Tag) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_unwrap_only_with_the_right_secret_and_aad() {
        let dk = DataKey::generate();
        let params = KdfParams::new_pbkdf2(1000);
        let wrapped = SlotKey::derive(b"correct horse", &params).wrap(&dk, b"slot:passphrase");
        assert!(SlotKey::derive(b"correct horse", &params).unwrap(&wrapped, b"slot:passphrase").is_some());
        assert!(SlotKey::derive(b"wrong horse", &params).unwrap(&wrapped, b"slot:passphrase").is_none());
        assert!(SlotKey::derive(b"correct horse", &params).unwrap(&wrapped, b"slot:other").is_none());
    }

    #[test]
    fn sealed_rows_fail_to_open_when_any_byte_or_the_aad_changes() {
        let keys = DataKey::generate().row_keys(&Keyring::generate());
        let sealed = keys.seal(b"projects/proj_1", b"secret name");
        assert_eq!(keys.open(b"projects/proj_1", &sealed).unwrap().as_slice(), b"secret name");
        assert!(keys.open(b"projects/proj_2", &sealed).is_none());
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(keys.open(b"projects/proj_1", &bad).is_none());
        }
        assert!(keys.open(b"projects/proj_1", &sealed[..10]).is_none());
    }

    #[test]
    fn hashes_depend_on_the_data_key() {
        let a = DataKey::generate().row_keys(&Keyring::generate());
        let b = DataKey::generate().row_keys(&Keyring::generate());
        assert_ne!(a.key_hash("sk-proj-x"), b.key_hash("sk-proj-x"));
        assert!(a.key_hash_matches("sk-proj-x", &a.key_hash("sk-proj-x")));
        assert!(!a.key_hash_matches("sk-proj-y", &a.key_hash("sk-proj-x")));
        assert_ne!(a.blind_index(&[b"ab", b"c"]), a.blind_index(&[b"a", b"bc"]));
    }

    #[test]
    fn a_new_data_key_keeps_the_keyring_hashes_but_not_the_sealing_key() {
        let ring = Keyring::generate();
        let (old, new) = (DataKey::generate(), DataKey::generate());
        let (a, b) = (old.row_keys(&ring), new.row_keys(&ring));
        assert_eq!(a.key_hash("sk-proj-x"), b.key_hash("sk-proj-x"));
        assert!(b.open(b"aad", &a.seal(b"aad", b"row")).is_none());
        assert!(new.open_keyring(&old.seal_keyring(&ring)).is_none());
        let reopened = new.open_keyring(&new.seal_keyring(&ring)).unwrap();
        assert_eq!(new.row_keys(&reopened).key_hash("k"), a.key_hash("k"));
    }

    #[test]
    fn the_upgrade_keeps_legacy_hashes_and_changes_the_sealing_key() {
        let dk = DataKey::generate();
        let (v1, v2) = (dk.legacy_row_keys(), dk.row_keys(&Keyring::legacy(&dk)));
        assert_eq!(v1.key_hash("k"), v2.key_hash("k"));
        assert_eq!(v1.blind_index(&[b"n"]), v2.blind_index(&[b"n"]));
        assert!(v2.open(b"aad", &v1.seal(b"aad", b"row")).is_none());
        assert!(!v2.audit_mac_matches(b"x", &v1.audit_mac(b"x")));
    }
}
