//! The text forms of API keys and store keys: `<prefix><43 base62 chars><6 char checksum>`.
//! The body carries 256 random bits; the checksum (SHA-256 of everything before it) lets a
//! mistyped or truncated key be refused, and a scanner find keys, without the store.

use super::{random_bytes, sha256, SecretString};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LEN: usize = 43; // 62^43 > 2^256: 32 random bytes fit without loss
const CHECKSUM_LEN: usize = 6;

/// Encodes `bytes` (big-endian) as exactly `width` base62 digits, i.e. the value modulo
/// 62^width, left-padded with `0`.
pub fn base62_fixed(bytes: &[u8], width: usize) -> String {
    let mut num: Vec<u8> = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut rem: u32 = 0;
        for byte in num.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    // Digits are ASCII by construction.
    String::from_utf8(digits).unwrap_or_default()
}

fn checksum(head: &str) -> String {
    base62_fixed(&sha256(head.as_bytes())[..8], CHECKSUM_LEN)
}

/// Whether `s` is `<prefix><body><checksum>` with a checksum that matches.
fn well_formed(s: &str, prefix: &str) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else {
        return false;
    };
    if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, sum) = s.split_at(s.len() - CHECKSUM_LEN);
    checksum(head) == sum
}

fn generate(prefix: &str) -> SecretString {
    let mut random = random_bytes::<32>();
    let mut s = String::with_capacity(prefix.len() + BODY_LEN + CHECKSUM_LEN);
    s.push_str(prefix);
    s.push_str(&base62_fixed(&random, BODY_LEN));
    zeroize::Zeroize::zeroize(&mut random);
    let sum = checksum(&s);
    s.push_str(&sum);
    SecretString::new(s)
}

/// Which principal a key belongs to, visible in its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPrefix {
    Project,
    ServiceAccount,
}

impl KeyPrefix {
    pub const ALL: [KeyPrefix; 2] = [KeyPrefix::Project, KeyPrefix::ServiceAccount];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyPrefix::Project => "sk-proj-",
            KeyPrefix::ServiceAccount => "sk-svcacct-",
        }
    }

    /// Total length of a key with this prefix.
    pub fn key_len(self) -> usize {
        self.as_str().len() + BODY_LEN + CHECKSUM_LEN
    }
}

/// A well-formed API key. Holding one proves only its shape and checksum, not that any
/// store knows it.
pub struct ApiKey {
    prefix: KeyPrefix,
    secret: SecretString,
}

impl ApiKey {
    pub fn generate(prefix: KeyPrefix) -> ApiKey {
        ApiKey { prefix, secret: generate(prefix.as_str()) }
    }

    /// Accepts exactly a key's characters (no surrounding whitespace); `None` when the
    /// prefix, length, alphabet or checksum is wrong.
    pub fn parse(s: &str) -> Option<ApiKey> {
        KeyPrefix::ALL
            .into_iter()
            .find(|p| well_formed(s, p.as_str()))
            .map(|prefix| ApiKey { prefix, secret: SecretString::from(s) })
    }

    pub fn prefix(&self) -> KeyPrefix {
        self.prefix
    }

    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// `sk-proj-AbCd...wXyZ`: the prefix, the first 4 and the last 4 characters.
    pub fn redacted(&self) -> String {
        redact(self.prefix.as_str(), self.secret.expose_secret())
    }
}

/// The redacted form of a key string with the given prefix.
pub(crate) fn redact(prefix: &str, key: &str) -> String {
    let body = &key[prefix.len()..];
    format!("{prefix}{}...{}", &body[..4], &key[key.len() - 4..])
}

/// Every well-formed key or store key in `text`, as byte ranges. A scanner's view: the
/// prefix, then exactly a key's length of base62 characters with a valid checksum, not
/// followed by another base62 character. What comes before does not matter (a key right
/// after `\n` in JSON or `%0A` in a URL is still found): the checksum rules out false hits.
pub fn find_secrets(text: &str) -> Vec<std::ops::Range<usize>> {
    let prefixes = [KeyPrefix::Project.as_str(), KeyPrefix::ServiceAccount.as_str(), StoreKey::PREFIX];
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for prefix in prefixes {
        let mut from = 0;
        while let Some(pos) = text[from..].find(prefix) {
            let start = from + pos;
            let end = start + prefix.len() + BODY_LEN + CHECKSUM_LEN;
            from = start + prefix.len();
            if end > bytes.len() || bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric()) {
                continue;
            }
            if text.is_char_boundary(end) && well_formed(&text[start..end], prefix) {
                found.push(start..end);
            }
        }
    }
    found.sort_by_key(|r| r.start);
    found
}

/// `text` with every key or store key in it replaced by its redacted form, so that a key
/// pasted into a reason or description is never stored.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in find_secrets(text) {
        if r.start < last {
            continue;
        }
        out.push_str(&text[last..r.start]);
        let key = &text[r.clone()];
        let prefix = [KeyPrefix::Project.as_str(), KeyPrefix::ServiceAccount.as_str(), StoreKey::PREFIX]
            .into_iter()
            .find(|p| key.starts_with(p))
            .unwrap_or_default();
        out.push_str(&redact(prefix, key));
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

const SECRET_PREFIXES: [&str; 3] = ["sk-proj-", "sk-svcacct-", StoreKey::PREFIX];

/// How many base62 characters after a key prefix make text key-shaped: fewer than a key
/// has, so a truncated or mistyped key counts too, more than a name like `sk-proj-demo`.
const KEY_SHAPED_MIN: usize = 16;

/// Every key-shaped run in `text` (a key or store-key prefix and at least 16 base62
/// characters, checksum or not), as byte ranges of the prefix and its characters.
fn key_shaped(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for prefix in SECRET_PREFIXES {
        let mut from = 0;
        while let Some(pos) = text[from..].find(prefix) {
            let start = from + pos;
            let body = start + prefix.len();
            let end = body + bytes[body..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            if end - body >= KEY_SHAPED_MIN {
                found.push(start..end);
            }
            from = end.max(body);
        }
    }
    found.sort_by_key(|r| r.start);
    found
}

/// Whether `text` holds anything key-shaped (see [`redact_key_shaped`]).
pub fn contains_key_shaped(text: &str) -> bool {
    !key_shaped(text).is_empty()
}

/// `text` with everything key-shaped replaced by its redacted form (`sk-proj-AbCd...wXyZ`):
/// a key or store-key prefix followed by at least 16 base62 characters, whether or not its
/// checksum holds, so a mistyped or truncated key is hidden too. For error lines.
pub fn redact_key_shaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in key_shaped(text) {
        if r.start < last {
            continue;
        }
        out.push_str(&text[last..r.start]);
        let shaped = &text[r.clone()];
        let prefix = SECRET_PREFIXES.into_iter().find(|p| shaped.starts_with(p)).unwrap_or_default();
        out.push_str(&redact(prefix, shaped));
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

/// A store key: 256 random bits that open one unlock slot without the slow passphrase KDF,
/// for machines (CI, servers). Printed once by `store add-key`.
pub struct StoreKey(SecretString);

impl StoreKey {
    pub const PREFIX: &'static str = "keyctl-sk-";

    pub fn generate() -> StoreKey {
        StoreKey(generate(Self::PREFIX))
    }

    pub fn parse(s: &str) -> Option<StoreKey> {
        well_formed(s, Self::PREFIX).then(|| StoreKey(SecretString::from(s)))
    }

    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_is_fixed_width_and_lossless_for_256_bits() {
        assert_eq!(base62_fixed(&[0], 3), "000");
        assert_eq!(base62_fixed(&[61], 2), "0z");
        assert_eq!(base62_fixed(&[1, 0], 3), "048"); // 256 = 4*62 + 8
        assert_eq!(base62_fixed(&[0xff; 32], 43).len(), 43);
        assert_ne!(&base62_fixed(&[0xff; 32], 43)[..1], "0");
    }

    #[test]
    fn generated_keys_parse_and_any_one_character_change_is_refused() {
        for prefix in KeyPrefix::ALL {
            let key = ApiKey::generate(prefix);
            let text = key.expose_secret().to_owned();
            assert_eq!(text.len(), prefix.key_len());
            assert!(ApiKey::parse(&text).is_some());
            for i in prefix.as_str().len()..text.len() {
                let mut bytes = text.clone().into_bytes();
                bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
                let changed = String::from_utf8(bytes).unwrap();
                assert!(ApiKey::parse(&changed).is_none(), "position {i}");
            }
            assert!(ApiKey::parse(&text[..text.len() - 1]).is_none());
            assert!(ApiKey::parse(&format!("{text}x")).is_none());
            assert!(ApiKey::parse(&format!(" {text}")).is_none());
        }
    }

    #[test]
    fn redaction_shows_prefix_and_four_each_side() {
        let key = ApiKey::generate(KeyPrefix::Project);
        let r = key.redacted();
        let s = key.expose_secret();
        assert_eq!(r, format!("sk-proj-{}...{}", &s[8..12], &s[s.len() - 4..]));
    }

    #[test]
    fn secrets_in_text_are_found_and_redacted() {
        let key = ApiKey::generate(KeyPrefix::Project);
        let sk = StoreKey::generate();
        let text = format!("leaked {} and {}; fake sk-proj-abc", key.expose_secret(), sk.expose_secret());
        assert_eq!(find_secrets(&text).len(), 2, "{text}");
        let redacted = redact_secrets(&text);
        assert!(!redacted.contains(key.expose_secret()));
        assert!(!redacted.contains(sk.expose_secret()));
        assert!(redacted.contains(&key.redacted()));
        let glued = format!("{}x", key.expose_secret());
        assert!(find_secrets(&glued).is_empty(), "a longer token is not a key");
        assert!(redacted.contains("fake sk-proj-abc"));
    }

    #[test]
    fn keys_are_found_right_after_a_letter_or_digit() {
        let key = ApiKey::generate(KeyPrefix::Project);
        for text in [format!("{{\"a\":\"x\\n{}\"}}", key.expose_secret()), format!("q=1%0A{}", key.expose_secret())] {
            assert_eq!(find_secrets(&text).len(), 1, "{text}");
        }
    }

    #[test]
    fn key_shaped_text_is_redacted_checksum_or_not() {
        let key = ApiKey::generate(KeyPrefix::ServiceAccount);
        let sk = StoreKey::generate();
        let typo = &key.expose_secret()[..30];
        let text =
            format!("key {:?} not found; {} x{}; name sk-proj-demo", typo, sk.expose_secret(), key.expose_secret());
        let out = redact_key_shaped(&text);
        assert!(!out.contains(typo) && !out.contains(&sk.expose_secret()[14..]), "{out}");
        assert!(out.contains(&key.redacted()), "{out}");
        assert!(out.contains("sk-proj-demo"), "short names stay: {out}");
        assert!(contains_key_shaped(typo) && !contains_key_shaped("sk-proj-demo"));
    }

    #[test]
    fn store_keys_have_their_own_prefix() {
        let k = StoreKey::generate();
        assert!(k.expose_secret().starts_with("keyctl-sk-"));
        assert!(StoreKey::parse(k.expose_secret()).is_some());
        assert!(ApiKey::parse(k.expose_secret()).is_none());
    }
}
