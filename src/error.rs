//! The library's one error type. Each variant names what failed and carries the id, name or
//! path involved; [`Error::exit_code`] is the single, stable mapping to process exit codes.
//! No variant ever carries secret material.

use crate::db::{DbError, StoreLocation};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user typed is malformed (exit 2).
    #[error("{0}")]
    Invalid(String),

    /// The command line is incomplete for this situation, e.g. a destructive action
    /// without `--yes` and no terminal to ask on (exit 2).
    #[error("{0}")]
    Usage(String),

    /// Something named does not exist (exit 1).
    #[error("{what} {name:?} not found{}", hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    NotFound { what: &'static str, name: String, hint: Option<String> },

    /// A name or email is already taken (exit 1).
    #[error("{0}")]
    Conflict(String),

    /// A rule refuses the operation, e.g. deleting the default project (exit 1).
    #[error("{0}")]
    Refused(String),

    /// There is no store at the location (exit 3).
    #[error("no store at {0} (run `keyctl init` to create one, or pass --store PATH)")]
    NoStore(StoreLocation),

    /// `init` found a store already there (exit 1).
    #[error("a store already exists at {0}; refusing to overwrite it")]
    StoreExists(StoreLocation),

    /// The store exists but this secret does not open it, or no secret was given (exit 3).
    #[error("{0}")]
    Locked(String),

    /// The file is not a keyctl store, or one this build cannot read (exit 3).
    #[error("{0}")]
    Unreadable(String),

    /// The store's server cannot be reached, refused the connection or dropped it (exit 3).
    /// The message names the server, never a password.
    #[error("{0}")]
    Unavailable(String),

    /// Stored data failed authentication or is corrupt (exit 4).
    #[error("integrity check failed: {0}")]
    Integrity(String),

    /// `key verify` refused the key, or `scan` found a live key (exit 10).
    #[error("{0}")]
    Rejected(String),

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    /// The storage backend failed; [`DbError::kind`] says how (busy, read-only, disk full).
    #[error("database error: {0}")]
    Db(#[from] DbError),

    /// A value could not be encoded as JSON (for sealing, or for output).
    #[error("cannot encode {what} as JSON: {source}")]
    Json { what: &'static str, source: serde_json::Error },
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Error {
        Error::Invalid(msg.into())
    }
    pub fn refused(msg: impl Into<String>) -> Error {
        Error::Refused(msg.into())
    }
    pub fn conflict(msg: impl Into<String>) -> Error {
        Error::Conflict(msg.into())
    }
    pub fn integrity(msg: impl Into<String>) -> Error {
        Error::Integrity(msg.into())
    }
    pub fn not_found(what: &'static str, name: impl Into<String>) -> Error {
        Error::NotFound { what, name: name.into(), hint: None }
    }
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
    /// For `map_err`: a JSON encoding failure of `what`.
    pub fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> Error {
        move |source| Error::Json { what, source }
    }

    /// Whether running the same operation again may succeed (the store was busy).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Db(e) if e.is_retryable())
    }

    /// The message without the "integrity check failed" prefix, for reports that list
    /// several problems under one heading.
    pub fn detail(&self) -> String {
        match self {
            Error::Integrity(msg) => msg.clone(),
            other => other.to_string(),
        }
    }

    /// The process exit code for this error (spec section 7).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Usage(_) => 2,
            Error::NoStore(_) | Error::Locked(_) | Error::Unreadable(_) | Error::Unavailable(_) => 3,
            Error::Integrity(_) => 4,
            Error::Rejected(_) => 10,
            Error::NotFound { .. }
            | Error::Conflict(_)
            | Error::Refused(_)
            | Error::StoreExists(_)
            | Error::Io { .. }
            | Error::Db(_)
            | Error::Json { .. } => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(Error::invalid("x").exit_code(), 2);
        assert_eq!(Error::not_found("project", "x").exit_code(), 1);
        assert_eq!(Error::refused("x").exit_code(), 1);
        assert_eq!(Error::NoStore("/x".into()).exit_code(), 3);
        assert_eq!(Error::Locked("x".into()).exit_code(), 3);
        assert_eq!(Error::integrity("x").exit_code(), 4);
    }

    #[test]
    fn not_found_carries_a_hint() {
        let e =
            Error::NotFound { what: "project", name: "biling".into(), hint: Some("did you mean \"billing\"?".into()) };
        assert_eq!(e.to_string(), "project \"biling\" not found; did you mean \"billing\"?");
    }
}
