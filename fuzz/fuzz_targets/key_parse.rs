//! Key parsing and checksum: `ApiKey::parse` / `StoreKey::parse` on arbitrary text, and the
//! secret scanner (`find_secrets`, `redact_secrets`) over it.
#![no_main]

use keyctl::crypto::{find_secrets, redact_secrets, ApiKey, StoreKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(key) = ApiKey::parse(text) {
        // A key that parses is exactly its text, and parses again from its own text.
        assert_eq!(key.expose_secret(), text);
        assert!(ApiKey::parse(key.expose_secret()).is_some());
        let redacted = key.redacted();
        assert!(redacted.len() < text.len() && redacted.contains("..."));
    }
    if let Some(key) = StoreKey::parse(text) {
        assert!(StoreKey::parse(key.expose_secret()).is_some());
    }
    for range in find_secrets(text) {
        let found = &text[range];
        assert!(ApiKey::parse(found).is_some() || StoreKey::parse(found).is_some(), "{found:?}");
    }
    let redacted = redact_secrets(text);
    assert!(find_secrets(&redacted).is_empty(), "a secret survived redaction");
});
