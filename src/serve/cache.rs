//! The refusal cache: remembers, for `--cache-ttl`, keys the store refused for a reason
//! that cannot be undone (revoked, or no such key), so a flood of dead keys costs no store
//! reads. It never remembers an admission, so it cannot admit a key the store would refuse:
//! every valid verdict, and every limit, comes from the store on each request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::crypto::sha256;
use crate::store::{VerifyCode, VerifyOutcome};

/// Entries kept at most; a full cache starts over rather than grow.
const MAX_ENTRIES: usize = 100_000;

pub struct RefusalCache {
    ttl: Duration,
    /// SHA-256 of the presented key (never the key) → (code, when it was refused).
    entries: Mutex<HashMap<[u8; 32], (VerifyOutcome, Instant)>>,
}

impl RefusalCache {
    pub fn new(ttl: Duration) -> RefusalCache {
        RefusalCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The remembered refusal of this key, if it is younger than the TTL.
    pub fn get(&self, key: &str) -> Option<VerifyOutcome> {
        if !self.enabled() {
            return None;
        }
        let id = sha256(key.as_bytes());
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(&id) {
            Some((outcome, at)) if at.elapsed() < self.ttl => Some(outcome.clone()),
            Some(_) => {
                entries.remove(&id);
                None
            }
            None => None,
        }
    }

    /// Remembers a refusal that no later change to the store can turn into an admission.
    pub fn remember(&self, key: &str, outcome: &VerifyOutcome) {
        if !self.enabled() || !matches!(outcome.code, VerifyCode::Revoked | VerifyCode::NotFound) {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(sha256(key.as_bytes()), (outcome.clone(), Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(code: VerifyCode) -> VerifyOutcome {
        VerifyOutcome { valid: code == VerifyCode::Valid, code, key: None }
    }

    #[test]
    fn remembers_only_final_refusals() {
        let c = RefusalCache::new(Duration::from_secs(60));
        c.remember("a", &outcome(VerifyCode::Valid));
        c.remember("b", &outcome(VerifyCode::RateLimited));
        c.remember("c", &outcome(VerifyCode::Revoked));
        assert!(c.get("a").is_none());
        assert!(c.get("b").is_none());
        assert_eq!(c.get("c").map(|o| o.code), Some(VerifyCode::Revoked));
    }

    #[test]
    fn a_zero_ttl_remembers_nothing() {
        let c = RefusalCache::new(Duration::ZERO);
        c.remember("c", &outcome(VerifyCode::NotFound));
        assert!(c.get("c").is_none());
    }
}
