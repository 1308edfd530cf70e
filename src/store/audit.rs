//! The audit log: one sealed entry per change, chained by HMAC (each MAC covers the
//! previous MAC, the entry's sequence number, time and sealed content), with a sealed head
//! (count and last MAC) so that deleting, editing, reordering or truncating is detected.

use chrono::{DateTime, Utc};

use super::Tx;
use super::{AuditEntry, AuditHead, AuditRecord, Store};
use crate::crypto::RowKeys;
use crate::db::AuditRow;
use crate::domain::from_unix;
use crate::error::{Error, Result};

const HEAD: &str = "audit_head";

fn entry_aad(seq: i64) -> Vec<u8> {
    format!("{}{seq}", super::domains::AUDIT_AAD).into_bytes()
}

fn mac_input(prev_mac: &[u8], row_seq: i64, at: i64, payload: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(prev_mac.len() + 16 + payload.len());
    data.extend_from_slice(prev_mac);
    data.extend_from_slice(&row_seq.to_be_bytes());
    data.extend_from_slice(&at.to_be_bytes());
    data.extend_from_slice(payload);
    data
}

/// Every action the audit log records (a unit test checks that each `audit(..)` call
/// names one of these), so `audit list --action` can refuse what would match nothing.
pub const AUDIT_ACTIONS: &[&str] = &[
    "key.created",
    "key.disabled",
    "key.enabled",
    "key.pruned",
    "key.revoked",
    "key.rotated",
    "key.updated",
    "member.added",
    "member.removed",
    "member.role_changed",
    "org.created",
    "org.deleted",
    "org.renamed",
    "org.upgraded",
    "project.archived",
    "project.created",
    "project.deleted",
    "project.limits_changed",
    "project.renamed",
    "project.unarchived",
    "service_account.created",
    "service_account.deleted",
    "store.created",
    "store.key_added",
    "store.key_removed",
    "store.rekeyed",
    "store.restored",
    "store.passphrase_changed",
];

/// Refuses an `--action` that no entry can have, suggesting what was probably meant
/// (`rotate` → `key.rotated`).
fn check_action(action: &str) -> Result<()> {
    let groups = || AUDIT_ACTIONS.iter().filter_map(|a| a.split_once('.').map(|(g, _)| g));
    if AUDIT_ACTIONS.contains(&action) || groups().any(|g| g == action) {
        return Ok(());
    }
    let stem = action.trim_end_matches(['e', 'd']).to_lowercase();
    let mut close: Vec<&str> = AUDIT_ACTIONS
        .iter()
        .copied()
        .filter(|a| stem.len() >= 3 && a.split_once('.').is_some_and(|(_, verb)| verb.starts_with(&stem)))
        .collect();
    if close.is_empty() {
        let all: Vec<String> = AUDIT_ACTIONS.iter().map(|a| a.to_string()).collect();
        let hint = super::suggest(action, &all).unwrap_or_else(|| {
            let mut g: Vec<&str> = groups().collect();
            g.dedup();
            format!("actions are GROUP.VERB, e.g. key.revoked, or a group: {}", g.join(", "))
        });
        return Err(Error::invalid(format!("unknown audit action {action:?}; {hint}")));
    }
    close.truncate(4);
    Err(Error::invalid(format!("unknown audit action {action:?}; did you mean {}?", close.join(" or "))))
}

/// Filters for `audit list`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub since: Option<DateTime<Utc>>,
    pub action: Option<String>,
    pub project_id: Option<String>,
}

impl Store {
    /// Appends one entry to the chain. Details must never hold a secret.
    pub(crate) fn audit(
        &self,
        tx: &Tx<'_>,
        action: &str,
        target_id: Option<&str>,
        project_id: Option<&str>,
        details: serde_json::Value,
    ) -> Result<()> {
        let head: AuditHead = self.get_meta(tx, HEAD)?.unwrap_or_default();
        let seq = head.last_seq + 1;
        let at = self.now().timestamp();
        let record = AuditRecord {
            actor: self.actor.clone(),
            action: action.to_owned(),
            target_id: target_id.map(str::to_owned),
            project_id: project_id.map(str::to_owned),
            details,
        };
        let plain = serde_json::to_vec(&record).map_err(Error::json("an audit entry"))?;
        let payload = self.keys().seal(&entry_aad(seq), &plain);
        let mac = self.keys().audit_mac(&mac_input(&head.last_mac, seq, at, &payload)).to_vec();
        tx.audit_append(&AuditRow { seq, at, payload, mac: mac.clone() })?;
        self.put_meta(tx, HEAD, &AuditHead { count: head.count + 1, last_seq: seq, last_mac: mac })
    }

    /// Re-seals every entry from `from` to `to` and re-MACs the chain under `to`; returns
    /// the new last MAC, for the head.
    pub(crate) fn reseal_audit(&self, tx: &Tx<'_>, from: &RowKeys, to: &RowKeys) -> Result<Vec<u8>> {
        let mut prev_mac: Vec<u8> = Vec::new();
        for row in tx.audit_since(None)? {
            let plain = from
                .open(&entry_aad(row.seq), &row.payload)
                .ok_or_else(|| Error::integrity(format!("audit entry {} fails authentication", row.seq)))?;
            let payload = to.seal(&entry_aad(row.seq), &plain);
            let mac = to.audit_mac(&mac_input(&prev_mac, row.seq, row.at, &payload)).to_vec();
            tx.audit_replace(&AuditRow { seq: row.seq, at: row.at, payload, mac: mac.clone() })?;
            prev_mac = mac;
        }
        Ok(prev_mac)
    }

    pub(super) fn open_audit(&self, row: &AuditRow) -> Result<AuditEntry> {
        let plain = self
            .keys()
            .open(&entry_aad(row.seq), &row.payload)
            .ok_or_else(|| Error::integrity(format!("audit entry {} fails authentication", row.seq)))?;
        let r: AuditRecord = serde_json::from_slice(&plain)
            .map_err(|_| Error::integrity(format!("audit entry {} is unreadable", row.seq)))?;
        Ok(AuditEntry {
            id: row.seq,
            at: from_unix(row.at),
            actor: r.actor,
            action: r.action,
            target_id: r.target_id,
            project_id: r.project_id,
            details: r.details,
            verified: true,
        })
    }

    /// Every break in the chain, first one first; empty when the log is intact.
    pub(crate) fn audit_problems(&self, tx: &Tx<'_>) -> Result<Vec<String>> {
        Ok(self.audit_chain(tx)?.0)
    }

    /// The chain's problems, and the first entry from which on nothing is verified.
    fn audit_chain(&self, tx: &Tx<'_>) -> Result<(Vec<String>, Option<i64>)> {
        let mut first_bad = None;
        let mut problems = Vec::new();
        let head: AuditHead = match self.get_meta(tx, HEAD) {
            // Every store writes its first entry at `init`: no head means it was removed.
            Ok(None) => {
                problems.push("the audit head record is missing (the audit log was removed)".to_owned());
                AuditHead::default()
            }
            Ok(Some(h)) => h,
            Err(e) => {
                problems.push(format!("the audit head: {}", e.detail()));
                AuditHead::default()
            }
        };
        let rows = tx.audit_since(None)?;
        let mut prev_mac: Vec<u8> = Vec::new();
        for (expected_seq, row) in (1..).zip(rows.iter()) {
            if row.seq != expected_seq {
                problems.push(format!("audit entry {expected_seq} is missing (the chain jumps to entry {})", row.seq));
                first_bad = Some(row.seq);
                break;
            }
            if !self.keys().audit_mac_matches(&mac_input(&prev_mac, row.seq, row.at, &row.payload), &row.mac) {
                problems.push(format!(
                    "audit entry {} was edited, reordered or re-inserted (its chain MAC does not match)",
                    row.seq
                ));
                first_bad = Some(row.seq);
                break;
            }
            if let Err(e) = self.open_audit(row) {
                problems.push(e.detail());
                first_bad = Some(row.seq);
                break;
            }
            prev_mac.clone_from(&row.mac);
        }
        if problems.is_empty() && (head.count != rows.len() as i64 || head.last_mac != prev_mac) {
            problems.push(format!(
                "the audit log ends after entry {} but its head records {} entries (entries were deleted from the end)",
                rows.len(),
                head.count
            ));
        }
        Ok((problems, first_bad))
    }

    /// Every id the readable audit entries mention (targets, projects, and ids in details).
    pub(super) fn audited_ids(&self, tx: &Tx<'_>) -> Result<std::collections::BTreeSet<String>> {
        fn walk(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
            match v {
                serde_json::Value::String(s) if crate::domain::Id::looks_like_id(s) => {
                    out.insert(s.clone());
                }
                serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
                serde_json::Value::Object(map) => map.values().for_each(|i| walk(i, out)),
                _ => {}
            }
        }
        let mut out = std::collections::BTreeSet::new();
        for row in tx.audit_since(None)? {
            let Ok(entry) = self.open_audit(&row) else { continue };
            out.extend(entry.target_id.iter().chain(entry.project_id.iter()).cloned());
            walk(&entry.details, &mut out);
        }
        Ok(out)
    }

    /// Checks the whole chain; `Err(Integrity)` names the first bad entry.
    pub fn verify_audit(&self) -> Result<usize> {
        self.read(|tx| {
            let problems = self.audit_problems(tx)?;
            match problems.into_iter().next() {
                Some(first) => Err(Error::integrity(first)),
                None => Ok(tx.audit_since(None)?.len()),
            }
        })
    }

    /// The entries that match `filter`, each marked verified or not: the chain is checked
    /// first, and every entry from its first break on is unverified (one that cannot even
    /// be opened is listed with action `unreadable`). The chain's problems come with them.
    pub fn list_audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, Vec<String>)> {
        if let Some(action) = &filter.action {
            check_action(action)?;
        }
        self.read(|tx| {
            let (problems, first_bad) = self.audit_chain(tx)?;
            let mut out = Vec::new();
            for row in tx.audit_since(filter.since.map(|t| t.timestamp()))? {
                let verified = first_bad.is_none_or(|bad| row.seq < bad);
                let mut entry = match self.open_audit(&row) {
                    Ok(entry) => entry,
                    Err(_) => AuditEntry {
                        id: row.seq,
                        at: from_unix(row.at),
                        actor: String::new(),
                        action: "unreadable".to_owned(),
                        target_id: None,
                        project_id: None,
                        details: serde_json::json!({}),
                        verified: false,
                    },
                };
                entry.verified = verified;
                if filter
                    .action
                    .as_deref()
                    .is_some_and(|a| !(entry.action == a || entry.action.starts_with(&format!("{a}."))))
                {
                    continue;
                }
                if filter.project_id.as_deref().is_some_and(|p| entry.project_id.as_deref() != Some(p)) {
                    continue;
                }
                out.push(entry);
            }
            Ok((out, problems))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_action_is_listed() {
        let sources = [
            include_str!("keys.rs"),
            include_str!("members.rs"),
            include_str!("mod.rs"),
            include_str!("orgs.rs"),
            include_str!("projects.rs"),
            include_str!("service_accounts.rs"),
            include_str!("slots.rs"),
            include_str!("usage.rs"),
        ];
        // Every string literal shaped like an action ("key.revoked"), wherever it is passed.
        let groups = ["key", "member", "org", "project", "service_account", "store"];
        let mut seen = 0;
        for text in sources {
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((group, verb)) = literal.split_once('.') else { continue };
                let shaped = !verb.is_empty() && verb.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if groups.contains(&group) && shaped {
                    assert!(AUDIT_ACTIONS.contains(&literal), "{literal:?} is not in AUDIT_ACTIONS");
                    seen += 1;
                }
            }
        }
        assert!(seen >= 20, "only {seen} actions found");
    }

    #[test]
    fn unknown_actions_are_refused_with_a_suggestion() {
        assert!(check_action("key").is_ok() && check_action("key.rotated").is_ok());
        let e = check_action("rotate").unwrap_err().to_string();
        assert!(e.contains("key.rotated"), "{e}");
        assert!(check_action("kye.revoked").unwrap_err().to_string().contains("key.revoked"));
    }
}
