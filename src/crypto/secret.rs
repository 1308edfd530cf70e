//! Secret newtypes: strings and bytes that never print and zeroize on drop. Reading one
//! takes the loudly named `expose_secret()`.

use zeroize::{Zeroize, Zeroizing};

/// A secret string (passphrase, API key, store key). No `Debug`, no `Display`: the only
/// way to read it is the loudly named [`SecretString::expose_secret`]. Zeroized on drop.
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(s: String) -> SecretString {
        SecretString(Zeroizing::new(s))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Drops a trailing newline (`\n` or `\r\n`) in place, as read from a file or command.
    pub fn trim_newline(mut self) -> SecretString {
        while self.0.ends_with('\n') || self.0.ends_with('\r') {
            self.0.pop();
        }
        self
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> SecretString {
        SecretString::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> SecretString {
        SecretString::new(s.to_owned())
    }
}

/// Secret bytes of a fixed size (keys), zeroized on drop.
#[derive(Clone)]
pub struct SecretBytes<const N: usize>(Box<[u8; N]>);

impl<const N: usize> SecretBytes<N> {
    pub fn new(bytes: [u8; N]) -> SecretBytes<N> {
        SecretBytes(Box::new(bytes))
    }

    pub fn expose_secret(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> Drop for SecretBytes<N> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
