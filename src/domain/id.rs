//! Typed ids (`org_`, `proj_`, `user_`, `svc_`, `key_` plus 16 random base62): generating
//! them and telling an id from a name. No I/O.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::crypto::{base62_fixed, random_bytes};

/// The kinds of object with an id, each with its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Org,
    Project,
    /// A member of an org (the prefix says `user_`, as ids always have).
    Member,
    ServiceAccount,
    Key,
}

impl IdKind {
    pub const ALL: [IdKind; 5] = [IdKind::Org, IdKind::Project, IdKind::Member, IdKind::ServiceAccount, IdKind::Key];

    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Org => "org_",
            IdKind::Project => "proj_",
            IdKind::Member => "user_",
            IdKind::ServiceAccount => "svc_",
            IdKind::Key => "key_",
        }
    }
}

/// An object id: a kind prefix and 16 base62 characters (95 random bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(String);

const ID_BODY_LEN: usize = 16;

impl Id {
    pub fn generate(kind: IdKind) -> Id {
        let bytes = random_bytes::<12>();
        Id(format!("{}{}", kind.prefix(), base62_fixed(&bytes, ID_BODY_LEN)))
    }

    /// True when `s` has the shape of an id of `kind`.
    pub fn is_of_kind(s: &str, kind: IdKind) -> bool {
        s.strip_prefix(kind.prefix())
            .is_some_and(|body| body.len() == ID_BODY_LEN && body.bytes().all(|b| b.is_ascii_alphanumeric()))
    }

    /// True when `s` starts with any id prefix; such strings are refused as names.
    pub fn looks_like_id(s: &str) -> bool {
        IdKind::ALL.iter().any(|k| s.starts_with(k.prefix()))
    }

    pub fn from_trusted(s: impl Into<String>) -> Id {
        Id(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_their_prefix_and_are_unique() {
        let a = Id::generate(IdKind::Project);
        let b = Id::generate(IdKind::Project);
        assert!(Id::is_of_kind(a.as_str(), IdKind::Project));
        assert!(!Id::is_of_kind(a.as_str(), IdKind::Org));
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 5 + 16);
    }
}
