//! Key scopes (`RESOURCE:LEVEL`, `*` for every resource): parsing, normalising and checking
//! a required scope against a granted list. No I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Permission;
use crate::error::Error;

/// How far a scope lets a key use a resource; `Write` implies `Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeLevel {
    None,
    Read,
    Write,
}

impl ScopeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeLevel::None => "none",
            ScopeLevel::Read => "read",
            ScopeLevel::Write => "write",
        }
    }
}

/// `RESOURCE:LEVEL`, where RESOURCE is a name of the user's API or `*` for all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    resource: String,
    level: ScopeLevel,
}

const SCOPE_FORM: &str = "expected RESOURCE:LEVEL, e.g. models:read, files:write or *:read; \
                          RESOURCE is [a-z0-9][a-z0-9_.-]* or *, LEVEL is none, read or write";

impl Scope {
    pub fn resource(&self) -> &str {
        &self.resource
    }

    pub fn level(&self) -> ScopeLevel {
        self.level
    }

    fn is_wildcard(&self) -> bool {
        self.resource == "*"
    }

    /// Whether a key with `permission` and `scopes` may use `required`'s resource at its level.
    /// `all` permits everything; `readonly` reads everything; `restricted` only what its
    /// scopes name, where a scope naming the resource wins over `*`.
    pub fn permits(permission: Permission, scopes: &[Scope], required: &Scope) -> bool {
        if required.level == ScopeLevel::None {
            return true;
        }
        match permission {
            Permission::All => true,
            Permission::Readonly => required.level <= ScopeLevel::Read,
            Permission::Restricted => {
                let grant = |resource: &str| scopes.iter().find(|s| s.resource == resource).map(|s| s.level);
                let granted =
                    if required.is_wildcard() { grant("*") } else { grant(&required.resource).or_else(|| grant("*")) };
                required.level <= granted.unwrap_or(ScopeLevel::None)
            }
        }
    }

    /// A key's effective access given its owner's current role in its project: never more
    /// than the key's own permission or the role allows.
    ///
    /// | key \ role  | all            | restricted          | readonly                 |
    /// |-------------|----------------|---------------------|--------------------------|
    /// | all         | all            | restricted `*:write`| readonly                 |
    /// | restricted  | its scopes     | its scopes          | its scopes, capped at read |
    /// | readonly    | readonly       | readonly            | readonly                 |
    ///
    /// A restricted principal may use the API but manage nothing, so its unrestricted keys
    /// keep every resource; a restricted key never turns into a readonly one, which would
    /// let it read resources its scopes do not name.
    pub fn effective(key: Permission, scopes: &[Scope], role: Permission) -> (Permission, Vec<Scope>) {
        let wildcard = || vec![Scope { resource: "*".to_owned(), level: ScopeLevel::Write }];
        match (key, role) {
            (Permission::All, Permission::All) => (Permission::All, Vec::new()),
            (Permission::All, Permission::Restricted) => (Permission::Restricted, wildcard()),
            (Permission::Restricted, Permission::Readonly) => (
                Permission::Restricted,
                scopes
                    .iter()
                    .map(|s| Scope { resource: s.resource.clone(), level: s.level.min(ScopeLevel::Read) })
                    .collect(),
            ),
            (Permission::Restricted, _) => (Permission::Restricted, scopes.to_vec()),
            (Permission::Readonly, _) | (Permission::All, Permission::Readonly) => (Permission::Readonly, Vec::new()),
        }
    }

    /// Sorts and de-duplicates scopes, refusing two different levels for one resource.
    pub fn normalize(mut scopes: Vec<Scope>) -> Result<Vec<Scope>, Error> {
        scopes.sort_by(|a, b| a.resource.cmp(&b.resource).then(a.level.cmp(&b.level)));
        scopes.dedup();
        for pair in scopes.windows(2) {
            if pair[0].resource == pair[1].resource {
                return Err(Error::invalid(format!(
                    "scope {} is given twice, as {} and {}",
                    pair[0].resource, pair[0], pair[1]
                )));
            }
        }
        Ok(scopes)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.level.as_str())
    }
}

impl FromStr for Scope {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::invalid(format!("invalid scope {:?}: {SCOPE_FORM}", s));
        let (resource, level) = s.rsplit_once(':').ok_or_else(bad)?;
        let level = match level {
            "none" => ScopeLevel::None,
            "read" => ScopeLevel::Read,
            "write" => ScopeLevel::Write,
            _ => return Err(bad()),
        };
        let valid_resource = resource == "*"
            || (resource.len() <= 128
                && resource.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && resource
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')));
        if !valid_resource {
            return Err(bad());
        }
        Ok(Scope { resource: resource.to_owned(), level })
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Scope {
        x.parse().unwrap()
    }

    #[test]
    fn parses_valid_scopes_and_rejects_others() {
        assert_eq!(s("models:read").to_string(), "models:read");
        assert_eq!(s("chat.completions:write").resource(), "chat.completions");
        assert_eq!(s("*:none").level(), ScopeLevel::None);
        for bad in ["models", "models:admin", "Models:read", ":read", "-x:read", "a b:read", "models:READ", ""] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }

    #[test]
    fn write_implies_read_and_specific_beats_wildcard() {
        let scopes = vec![s("files:write"), s("*:read"), s("secrets:none")];
        let r = Permission::Restricted;
        assert!(Scope::permits(r, &scopes, &s("files:read")));
        assert!(Scope::permits(r, &scopes, &s("files:write")));
        assert!(Scope::permits(r, &scopes, &s("models:read")));
        assert!(!Scope::permits(r, &scopes, &s("models:write")));
        assert!(!Scope::permits(r, &scopes, &s("secrets:read")));
        assert!(Scope::permits(r, &scopes, &s("*:read")));
        assert!(!Scope::permits(r, &scopes, &s("*:write")));
        assert!(!Scope::permits(r, &[], &s("models:read")));
    }

    #[test]
    fn all_and_readonly_ignore_scopes() {
        assert!(Scope::permits(Permission::All, &[], &s("anything:write")));
        assert!(Scope::permits(Permission::Readonly, &[], &s("anything:read")));
        assert!(!Scope::permits(Permission::Readonly, &[], &s("anything:write")));
    }

    #[test]
    fn effective_access_never_exceeds_the_key_or_the_role() {
        use Permission::*;
        let key_scopes = vec![s("models:write"), s("files:read")];
        let all_perms = [All, Restricted, Readonly];
        let probes = ["models:read", "models:write", "files:read", "files:write", "other:read", "other:write"];
        for key in all_perms {
            for role in all_perms {
                let (eff, eff_scopes) = Scope::effective(key, &key_scopes, role);
                for probe in probes {
                    let p = s(probe);
                    let allowed = Scope::permits(eff, &eff_scopes, &p);
                    let by_key = Scope::permits(key, &key_scopes, &p);
                    let by_role = Scope::permits(role, &[s("*:write")], &p);
                    assert!(!allowed || (by_key && by_role), "{key:?} x {role:?} widened {probe}");
                }
            }
        }
        let (p, sc) = Scope::effective(Restricted, &key_scopes, Readonly);
        assert_eq!(p, Restricted);
        assert_eq!(sc, vec![s("models:read"), s("files:read")]);
        assert_eq!(Scope::effective(All, &[], Restricted), (Restricted, vec![s("*:write")]));
    }

    #[test]
    fn normalize_refuses_conflicting_levels() {
        assert!(Scope::normalize(vec![s("a:read"), s("a:write")]).is_err());
        assert_eq!(
            Scope::normalize(vec![s("b:read"), s("a:read"), s("b:read")]).unwrap(),
            vec![s("a:read"), s("b:read")]
        );
    }
}
