//! Encryption domains: what each seal, blind index and ledger reference is bound to. They
//! are constants of their own, never derived from SQL names, so a renamed or
//! schema-qualified table cannot change what authenticates. Their values are the ones
//! stores were first written with; changing one makes every existing store unreadable.

use crate::db::Table;

/// Row domains: bound into each sealed record's associated data, its blind index (name
/// lookup) and its freshness-ledger reference.
pub(crate) const ORGS: &str = "orgs";
pub(crate) const PROJECTS: &str = "projects";
pub(crate) const MEMBERS: &str = "members";
pub(crate) const SERVICE_ACCOUNTS: &str = "service_accounts";
pub(crate) const API_KEYS: &str = "api_keys";
pub(crate) const META: &str = "meta";

/// Associated-data tags of each kind of seal.
pub(crate) const RECORD_AAD: &[u8] = b"keyctl/v1/record\0";
pub(crate) const KEY_AAD: &[u8] = b"keyctl/v1/api_keys\0";
pub(crate) const SLOT_AAD: &[u8] = b"keyctl/v1/slot\0";
pub(crate) const META_AAD: &str = "keyctl/v1/meta\0";
pub(crate) const AUDIT_AAD: &str = "keyctl/v1/audit\0";
pub(crate) const LEDGER_HEAD_AAD: &[u8] = b"keyctl/v1/ledger-head";
/// The blind-index tag of a ledger row reference.
pub(crate) const LEDGER_ROW: &[u8] = b"ledger row";

impl Table {
    /// The encryption domain of this table's rows.
    pub(crate) fn domain(self) -> &'static str {
        match self {
            Table::Orgs => ORGS,
            Table::Projects => PROJECTS,
            Table::Members => MEMBERS,
            Table::ServiceAccounts => SERVICE_ACCOUNTS,
        }
    }
}
