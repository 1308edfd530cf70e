//! keyctl: organizations, projects, API keys, service accounts and roles in one
//! encrypted store (an SQLite file, or a schema of a shared PostgreSQL database), and a
//! verifier that API servers can embed. A PostgreSQL store opens from its URL:
//! `Store::open(StoreLocation::parse("postgres://keyctl@db/keys")?, unlock)`.
//!
//! The library owns every rule and all I/O with the store; it never prints and knows
//! nothing of the command line, so a Rust server can open a store once and verify keys
//! in-process:
//!
//! ```no_run
//! use keyctl::{Store, Unlock, VerifyRequest};
//!
//! # fn main() -> Result<(), keyctl::Error> {
//! let secret = std::env::var("KEYCTL_STORE_KEY").unwrap_or_default();
//! let store = Store::open("/var/lib/keyctl/keyctl.db", Unlock::store_key(secret))?;
//! let mut verifier = store.verifier();
//! let request = VerifyRequest::new("sk-proj-...").require("models:read".parse()?);
//! let outcome = verifier.verify(&request)?;
//! if outcome.is_valid() {
//!     // serve the request
//! }
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod crypto;
mod db;
pub mod domain;
mod error;
mod files;
pub mod serve;
mod store;

pub use crypto::{ApiKey, SecretString, StoreKey};
pub use db::{DbError, DbErrorKind, PgLocation, StoreLocation};
pub use domain::{
    Amount, Archived, Cidr, Clock, Duration, FixedClock, KeyStatus, OrgKind, OwnerRef, Permission, ProjectStatus,
    Refill, Scope, ScopeLevel, SystemClock,
};
pub use error::{Error, Result};
pub use store::{
    create_private_dir_all, AuditEntry, AuditFilter, Authority, BackupInfo, CheckReport, Expiry, InitOptions,
    KeyCreate, KeyFilter, KeyInfo, KeyLimits, KeyUpdate, LimitsUpdate, Member, MonthUsage, NewKey, NewKeys, Org,
    OwnerView, Project, ProjectLimits, RateLimit, RoleTarget, ServiceAccount, SlotInfo, Store, StoreInfo, Unlock,
    UnlockedKey, UsageGroup, UsageLine, UsageQuery, VerifiedKey, Verifier, VerifyCode, VerifyOutcome, VerifyRequest,
    PASSPHRASE_SLOT,
};
