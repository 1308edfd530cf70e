//! Pure domain types: ids, permissions, scopes, durations and the clock interface.
//! Nothing here does I/O; everything parses and validates what a user typed.

mod amount;
mod cidr;
mod duration;
mod id;
mod lifecycle;
mod permission;
mod scope;
mod time;

pub use amount::Amount;
pub use cidr::Cidr;
pub use duration::Duration;
pub use id::{Id, IdKind};
pub use lifecycle::{
    parse_meta_pair, validate_external_id, validate_meta, Refill, EXTERNAL_ID_MAX, META_MAX_ENTRIES, META_MAX_KEY,
    META_MAX_VALUE,
};
pub use permission::Permission;
pub use scope::{Scope, ScopeLevel};
pub(crate) use time::from_unix;
pub use time::{format_time, parse_time, parse_time_or_ago, Clock, FixedClock, SystemClock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Whether an organization belongs to one person or to a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    Personal,
    Organization,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Personal => "personal",
            OrgKind::Organization => "organization",
        }
    }
}

/// A project's lifecycle. The default project is always `Active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Active,
    Archived,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Active => "active",
            ProjectStatus::Archived => "archived",
        }
    }
}

/// Which projects a listing includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archived {
    /// Active projects only.
    Exclude,
    /// Active and archived projects.
    Include,
}

/// A key's status as users see it, derived from its revocation and expiry times and its
/// sealed disabled flag (revoked, then expired, then disabled: the order verify checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Disabled,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Disabled => "disabled",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
        }
    }
}

/// Who owns an API key: a principal, a member or a service account. Serialised (and shown
/// in JSON as the owner's `type`) as `user` or `service_account`, as the spec says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum OwnerRef {
    #[serde(rename = "user")]
    Member(String),
    ServiceAccount(String),
}

impl OwnerRef {
    pub fn id(&self) -> &str {
        match self {
            OwnerRef::Member(id) | OwnerRef::ServiceAccount(id) => id,
        }
    }
    pub fn type_str(&self) -> &'static str {
        match self {
            OwnerRef::Member(_) => "user",
            OwnerRef::ServiceAccount(_) => "service_account",
        }
    }
}

/// Checks a display name (org, project, key, service account): 1 to 128 characters, no
/// control characters, no surrounding spaces, and not shaped like an id, so that
/// "id or name" arguments are never ambiguous.
/// Characters that change how a terminal shows text rather than showing themselves: control
/// characters, and the bidirectional overrides, embeddings, isolates and marks (U+202A to
/// U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C) that can make `evil` read as `live`.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

pub fn validate_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(format!("{what} name must not be empty")));
    }
    if name.chars().count() > 128 {
        return Err(Error::invalid(format!("{what} name is longer than 128 characters")));
    }
    if name.chars().any(is_unprintable) {
        return Err(Error::invalid(format!(
            "{what} name must not contain control characters or bidirectional overrides"
        )));
    }
    refuse_key_shaped(&format!("{what} name"), name)?;
    if name.trim() != name {
        return Err(Error::invalid(format!("{what} name must not start or end with spaces")));
    }
    if Id::looks_like_id(name) {
        return Err(Error::invalid(format!(
            "{what} name {name:?} looks like an id; choose a name without an id prefix"
        )));
    }
    Ok(())
}

/// Checks an optional free-text description: at most 1,000 characters, no control
/// characters other than newline and tab.
pub fn validate_description(text: &str) -> Result<()> {
    if text.chars().count() > 1000 {
        return Err(Error::invalid("description is longer than 1000 characters"));
    }
    if text.chars().any(|c| is_unprintable(c) && c != '\n' && c != '\t') {
        return Err(Error::invalid("description must not contain control characters or bidirectional overrides"));
    }
    Ok(())
}

/// Refuses (exit 2) text that holds a key or store key, without echoing it: a name is
/// stored, listed and written to the audit log, so a key typed there would leak.
pub fn refuse_key_shaped(what: &str, text: &str) -> Result<()> {
    if crate::crypto::contains_key_shaped(text) {
        return Err(Error::invalid(format!(
            "{what} contains what looks like an API key or store key; a name is stored and shown, so choose another"
        )));
    }
    Ok(())
}

/// Normalizes and checks an email address: one `@`, a non-empty local part and domain,
/// no spaces or control characters. Comparison is case-insensitive.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim();
    let bad = || Error::invalid(format!("{email:?} is not a valid email address (expected name@example.com)"));
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(email.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_control_characters_and_ids() {
        assert!(validate_name("project", "billing-api").is_ok());
        assert!(validate_name("project", "Default project").is_ok());
        assert!(validate_name("project", "").is_err());
        assert!(validate_name("project", "a\x1b[31mb").is_err());
        assert!(validate_name("project", " padded").is_err());
        assert!(validate_name("project", "proj_abc").is_err());
        assert!(validate_name("project", &"x".repeat(129)).is_err());
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "a b@example.com", "a@b@c.com", "a@.com", "a@b..com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
