//! The freshness ledger: a two-level hash tree over every sealed row, with a sealed head.
//!
//! Each row's payload authenticates the row's own columns, but an attacker with the file
//! could put back an *older* authentic payload of the same row (un-revoke a key, widen it,
//! un-archive a project) or re-insert a deleted row. The ledger records the digest of each
//! row's current payload under a keyed reference to the row; reading a row checks its
//! digest along the path head → group → leaf, so any row that is not the latest version
//! written with the store secret is refused. Replacing the whole state (file) with an older
//! copy is still undetectable from inside the file.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{domains, Store, Tx};
use crate::crypto::sha256;
use crate::error::{Error, Result};

const REF_LEN: usize = 12;
const DIGEST_LEN: usize = 12;
const ENTRY_LEN: usize = REF_LEN + DIGEST_LEN;
const LEAVES: u32 = 65_536;
const LEAVES_PER_GROUP: u32 = 256;
const GROUPS: u32 = LEAVES / LEAVES_PER_GROUP;
const GROUP_NODE_BASE: i64 = 1_000_000;
const HEAD: &str = "ledger_head";
const ZERO: [u8; DIGEST_LEN] = [0; DIGEST_LEN];
const MAX_CACHED_LEAVES: usize = 4096;
const GROUPS_LEN: usize = GROUPS as usize * DIGEST_LEN;

fn head_generation(head: &[u8]) -> u64 {
    head.get(GROUPS_LEN..GROUPS_LEN + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

type Ref = [u8; REF_LEN];
type Digest = [u8; DIGEST_LEN];

fn digest(bytes: &[u8]) -> Digest {
    let mut d = [0u8; DIGEST_LEN];
    d.copy_from_slice(&sha256(bytes)[..DIGEST_LEN]);
    d
}

/// The digest of a node body; an absent or empty node is all zeros.
fn node_digest(body: &[u8]) -> Digest {
    if body.is_empty() || body.iter().all(|b| *b == 0) {
        ZERO
    } else {
        digest(body)
    }
}

fn leaf_of(r: &Ref) -> u32 {
    u32::from(u16::from_be_bytes([r[0], r[1]]))
}

fn slot(body: &[u8], index: u32) -> &[u8] {
    let i = index as usize * DIGEST_LEN;
    &body[i..i + DIGEST_LEN]
}

/// A leaf body's entries, (row reference, payload digest), in reference order.
fn entries(body: &[u8]) -> impl Iterator<Item = (Ref, Digest)> + '_ {
    body.chunks_exact(ENTRY_LEN).map(|e| {
        let mut r = [0u8; REF_LEN];
        let mut d = [0u8; DIGEST_LEN];
        r.copy_from_slice(&e[..REF_LEN]);
        d.copy_from_slice(&e[REF_LEN..]);
        (r, d)
    })
}

/// Finds `r` in a leaf body (entries sorted by reference).
fn leaf_lookup(body: &[u8], r: &Ref) -> Option<Digest> {
    let entries: Vec<&[u8]> = body.chunks_exact(ENTRY_LEN).collect();
    let i = entries.binary_search_by(|e| e[..REF_LEN].cmp(&r[..])).ok()?;
    let mut d = [0u8; DIGEST_LEN];
    d.copy_from_slice(&entries[i][REF_LEN..]);
    Some(d)
}

/// Verified nodes, valid while the store's generation is the one they were read at (no
/// write since, from any process) and this handle has not changed the ledger.
#[derive(Default)]
pub(crate) struct LedgerCache {
    generation: u64,
    head: Option<Arc<[u8]>>,
    groups: HashMap<u32, Arc<[u8]>>,
    leaves: HashMap<u32, Arc<[u8]>>,
    /// Opened, checked records (projects, members, service accounts) by table and id, with
    /// their parent id: a stream verifying many keys of one project opens it once.
    records: HashMap<(&'static str, String), CachedRecord>,
}

/// An opened record and its parent id.
type CachedRecord = (String, Arc<dyn Any + Send + Sync>);

impl Store {
    fn row_ref(&self, domain: &str, id: &str) -> Ref {
        let mut r = [0u8; REF_LEN];
        r.copy_from_slice(
            &self.keys().blind_index(&[domains::LEDGER_ROW, domain.as_bytes(), id.as_bytes()])[..REF_LEN],
        );
        r
    }

    fn head_aad() -> &'static [u8] {
        domains::LEDGER_HEAD_AAD
    }

    /// Drops cached nodes when the store was written since they were read; returns the
    /// generation this transaction sees.
    pub(crate) fn ledger_refresh(&self, tx: &Tx<'_>) -> Result<u64> {
        let generation = super::read_generation(tx)?;
        let mut cache = self.ledger.borrow_mut();
        if cache.generation != generation {
            *cache = LedgerCache { generation, ..Default::default() };
        }
        Ok(generation)
    }

    /// After this handle committed `generation`: what it cached before (and kept through
    /// `ledger_apply`) is still what the store holds. Called only once the commit is done,
    /// so a failed commit never leaves the cache claiming a generation it did not see.
    pub(crate) fn ledger_committed(&self, generation: u64) {
        let mut cache = self.ledger.borrow_mut();
        if cache.generation + 1 == generation {
            cache.generation = generation;
        } else {
            *cache = LedgerCache::default();
        }
    }

    /// Drops every cached node and record (after a rolled-back write).
    pub(crate) fn ledger_forget(&self) {
        *self.ledger.borrow_mut() = LedgerCache::default();
    }

    /// The head: one digest per group, then the generation (8 bytes; heads written before
    /// protection level 2 have none). `None` when the store has no ledger yet.
    fn ledger_head(&self, tx: &Tx<'_>) -> Result<Option<Arc<[u8]>>> {
        if let Some(h) = &self.ledger.borrow().head {
            return Ok(Some(Arc::clone(h)));
        }
        let Some(sealed) = tx.meta_get(HEAD)? else { return Ok(None) };
        let head = self
            .keys()
            .open(Self::head_aad(), &sealed)
            .filter(|h| h.len() == GROUPS_LEN || h.len() == GROUPS_LEN + 8)
            .ok_or_else(|| Error::integrity("the ledger head fails authentication"))?;
        let head: Arc<[u8]> = Arc::from(&head[..]);
        self.ledger.borrow_mut().head = Some(Arc::clone(&head));
        if let Err(e) = self.ledger_cross_check(tx) {
            // Not cached: every later read (a stream's next line) checks again.
            self.ledger.borrow_mut().head = None;
            return Err(e);
        }
        Ok(Some(head))
    }

    /// What every command checks when it first reads the ledger, so that a partial
    /// rollback (an old ledger head and nodes put back with some old rows) is refused by
    /// `key verify` as it is by `store check`: the sealed records that move with every
    /// write (the audit head, the owner) must be the versions this ledger recorded, and
    /// the audit log must end where its head says.
    fn ledger_cross_check(&self, tx: &Tx<'_>) -> Result<()> {
        for name in super::tx::LEDGERED_META {
            if let Some(sealed) = tx.meta_get(name)? {
                self.check_fresh(tx, "meta", name, &sealed)?;
            }
        }
        let head: super::AuditHead = self.get_meta(tx, "audit_head")?.unwrap_or_default();
        let last = tx.audit_last_seq()?;
        if last != head.last_seq {
            return Err(Error::integrity(format!(
                "the audit log ends at entry {last} but its head records entry {} (entries were deleted from the end, or an older ledger was put back)",
                head.last_seq
            )));
        }
        Ok(())
    }

    /// The ledger's generation (how many writes changed it) and a digest of its head, as
    /// `store info` shows them and the local anchor keeps them.
    pub(crate) fn ledger_state(&self, tx: &Tx<'_>) -> Result<(u64, String)> {
        let head = self.ledger_head_required(tx)?;
        Ok((head_generation(&head), hex(&sha256(&head)[..16])))
    }

    /// The same without the cross-check, for `store check`, which reports that itself.
    pub(crate) fn ledger_state_unchecked(&self, tx: &Tx<'_>) -> Result<(u64, String)> {
        let sealed = tx.meta_get(HEAD)?.ok_or_else(|| Error::integrity("the ledger head is missing"))?;
        let head = self
            .keys()
            .open(Self::head_aad(), &sealed)
            .ok_or_else(|| Error::integrity("the ledger head fails authentication"))?;
        Ok((head_generation(&head), hex(&sha256(&head)[..16])))
    }

    fn ledger_head_required(&self, tx: &Tx<'_>) -> Result<Arc<[u8]>> {
        self.ledger_head(tx)?.ok_or_else(|| Error::integrity("the ledger head is missing"))
    }

    /// A group body (one digest per leaf), checked against the head.
    fn ledger_group(&self, tx: &Tx<'_>, head: &[u8], g: u32) -> Result<Arc<[u8]>> {
        if let Some(b) = self.ledger.borrow().groups.get(&g) {
            return Ok(Arc::clone(b));
        }
        let body = tx.ledger_get(GROUP_NODE_BASE + i64::from(g))?.unwrap_or_default();
        if node_digest(&body) != slot(head, g) {
            return Err(Error::integrity(format!("ledger group {g} does not match the ledger head")));
        }
        let body = if body.is_empty() { vec![0u8; LEAVES_PER_GROUP as usize * DIGEST_LEN] } else { body };
        if body.len() != LEAVES_PER_GROUP as usize * DIGEST_LEN {
            return Err(Error::integrity(format!("ledger group {g} is malformed")));
        }
        let body: Arc<[u8]> = Arc::from(body);
        self.ledger.borrow_mut().groups.insert(g, Arc::clone(&body));
        Ok(body)
    }

    /// A leaf body (sorted entries), checked against its group.
    fn ledger_leaf(&self, tx: &Tx<'_>, head: &[u8], leaf: u32) -> Result<Arc<[u8]>> {
        if let Some(b) = self.ledger.borrow().leaves.get(&leaf) {
            return Ok(Arc::clone(b));
        }
        let group = self.ledger_group(tx, head, leaf / LEAVES_PER_GROUP)?;
        let body = tx.ledger_get(i64::from(leaf))?.unwrap_or_default();
        if node_digest(&body) != slot(&group, leaf % LEAVES_PER_GROUP) || body.len() % ENTRY_LEN != 0 {
            return Err(Error::integrity(format!("ledger leaf {leaf} does not match its group")));
        }
        let body: Arc<[u8]> = Arc::from(body);
        let mut cache = self.ledger.borrow_mut();
        // Bound the cache: a long stream over many keys would otherwise hold every leaf.
        if cache.leaves.len() >= MAX_CACHED_LEAVES {
            cache.leaves.clear();
        }
        cache.leaves.insert(leaf, Arc::clone(&body));
        Ok(body)
    }

    /// Tells the backend which ledger nodes checking these rows will read (those not cached
    /// here), so that a backend over the network fetches them in one round trip.
    pub(crate) fn prefetch_fresh(&self, tx: &Tx<'_>, table: &str, ids: &[&str]) -> Result<()> {
        let mut nodes = std::collections::BTreeSet::new();
        {
            let cache = self.ledger.borrow();
            for id in ids {
                let leaf = leaf_of(&self.row_ref(table, id));
                if !cache.leaves.contains_key(&leaf) {
                    nodes.insert(i64::from(leaf));
                    if !cache.groups.contains_key(&(leaf / LEAVES_PER_GROUP)) {
                        nodes.insert(GROUP_NODE_BASE + i64::from(leaf / LEAVES_PER_GROUP));
                    }
                }
            }
        }
        if nodes.is_empty() {
            return Ok(());
        }
        tx.prefetch_ledger(&nodes.into_iter().collect::<Vec<_>>())
    }

    /// Checks that `payload` is the latest version of row `id` of `table` written with the
    /// store secret: not rolled back, not re-inserted after deletion.
    pub(crate) fn check_fresh(&self, tx: &Tx<'_>, table: &str, id: &str, payload: &[u8]) -> Result<()> {
        // A row this transaction wrote is checked against that write.
        if let Some(pending) = tx.pending_change(table, id) {
            return match pending {
                Some(p) if p == payload => Ok(()),
                _ => Err(Error::integrity(format!("{table} row {id} changed under this transaction"))),
            };
        }
        let head = self.ledger_head_required(tx)?;
        let r = self.row_ref(table, id);
        let leaf = self.ledger_leaf(tx, &head, leaf_of(&r))?;
        match leaf_lookup(&leaf, &r) {
            Some(d) if d == digest(payload) => Ok(()),
            Some(_) => Err(Error::integrity(format!(
                "{table} row {id} is not its latest version (an older copy was put back)"
            ))),
            None => Err(Error::integrity(format!(
                "{table} row {id} was never written with the store secret (deleted and re-inserted, or forged)"
            ))),
        }
    }

    /// Records this transaction's row changes in the ledger (called before commit).
    pub(crate) fn ledger_apply(&self, tx: &Tx<'_>) -> Result<()> {
        if !tx.has_changes() {
            return Ok(());
        }
        // The head first: its cross-check must see this transaction's changes as pending.
        let current = self.ledger_head(tx)?;
        let changes = tx.take_changes();
        let (mut head, generation) = match current {
            Some(h) => (h[..GROUPS_LEN].to_vec(), head_generation(&h)),
            None => (vec![0u8; GROUPS_LEN], 0),
        };
        // Latest change per row wins; grouped by leaf.
        let mut by_leaf: BTreeMap<u32, BTreeMap<Ref, Option<Digest>>> = BTreeMap::new();
        for c in changes {
            let r = self.row_ref(c.domain, &c.id);
            by_leaf.entry(leaf_of(&r)).or_default().insert(r, c.payload.as_deref().map(digest));
        }
        let mut groups: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
        for (leaf, updates) in by_leaf {
            let g = leaf / LEAVES_PER_GROUP;
            if let std::collections::btree_map::Entry::Vacant(e) = groups.entry(g) {
                e.insert(self.ledger_group(tx, &head, g)?.to_vec());
            }
            let body = self.ledger_leaf(tx, &head, leaf)?;
            let mut entries: BTreeMap<Ref, Digest> = entries(&body).collect();
            for (r, d) in updates {
                match d {
                    Some(d) => entries.insert(r, d),
                    None => entries.remove(&r),
                };
            }
            let new_body: Vec<u8> = entries.iter().flat_map(|(r, d)| r.iter().chain(d.iter()).copied()).collect();
            if new_body.is_empty() {
                tx.ledger_delete(i64::from(leaf))?;
            } else {
                tx.ledger_put(i64::from(leaf), &new_body)?;
            }
            let group = groups.get_mut(&g).ok_or_else(|| Error::integrity("ledger group vanished"))?;
            let i = (leaf % LEAVES_PER_GROUP) as usize * DIGEST_LEN;
            group[i..i + DIGEST_LEN].copy_from_slice(&node_digest(&new_body));
        }
        for (g, body) in &groups {
            let d = node_digest(body);
            if d == ZERO {
                tx.ledger_delete(GROUP_NODE_BASE + i64::from(*g))?;
            } else {
                tx.ledger_put(GROUP_NODE_BASE + i64::from(*g), body)?;
            }
            let i = *g as usize * DIGEST_LEN;
            head[i..i + DIGEST_LEN].copy_from_slice(&d);
        }
        // One generation per write, however many times a large batch folds its changes in.
        let next = if tx.ledger_moved_before() { generation } else { generation + 1 };
        head.extend_from_slice(&next.to_be_bytes());
        tx.meta_set(HEAD, &self.keys().seal(Self::head_aad(), &head))?;
        *self.ledger_moved.borrow_mut() = Some((next, hex(&sha256(&head)[..16])));
        // The ledger changed: forget what we cached (at this generation).
        let cached_at = self.ledger.borrow().generation;
        *self.ledger.borrow_mut() = LedgerCache { generation: cached_at, ..Default::default() };
        Ok(())
    }

    /// Builds the ledger from the rows as they are (after a migration from a store that had
    /// none, or after re-sealing every row), continuing from `generation`. Every row is
    /// authenticated first; this trusts their versions once.
    pub(crate) fn ledger_bootstrap(&self, tx: &Tx<'_>, generation: u64) -> Result<()> {
        for (table, id, payload) in tx.sealed_rows()? {
            tx.record_change(table, &id, Some(&payload));
        }
        let mut empty = vec![0u8; GROUPS_LEN];
        empty.extend_from_slice(&generation.to_be_bytes());
        tx.meta_set(HEAD, &self.keys().seal(Self::head_aad(), &empty))?;
        let cached_at = self.ledger.borrow().generation;
        *self.ledger.borrow_mut() = LedgerCache { generation: cached_at, ..Default::default() };
        self.ledger_apply(tx)
    }

    /// Every mismatch between the rows and the ledger, for `store check`.
    pub(crate) fn ledger_problems(&self, tx: &Tx<'_>) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let head = match self.ledger_head(tx) {
            Ok(Some(h)) => h,
            Ok(None) => return Ok(vec!["the ledger head is missing".to_owned()]),
            Err(e) => return Ok(vec![e.detail()]),
        };
        let mut expected: HashMap<Ref, Digest> = HashMap::new();
        for leaf in 0..LEAVES {
            if slot(&head, leaf / LEAVES_PER_GROUP) == ZERO {
                continue;
            }
            match self.ledger_leaf(tx, &head, leaf) {
                Ok(body) => {
                    expected.extend(entries(&body));
                }
                Err(e) => problems.push(e.detail()),
            }
        }
        for (table, id, payload) in tx.sealed_rows()? {
            match expected.remove(&self.row_ref(table, &id)) {
                Some(d) if d == digest(&payload) => {}
                Some(_) => {
                    problems.push(format!("{table} row {id} is not its latest version (an older copy was put back)"))
                }
                None => problems.push(format!(
                    "{table} row {id} was never written with the store secret (deleted and re-inserted, or forged)"
                )),
            }
        }
        if !expected.is_empty() {
            // A reference is a keyed hash: name the rows through the ids the audit log
            // mentions (every row keyctl writes is audited with its id).
            let mut names: HashMap<Ref, String> = HashMap::new();
            let tables = crate::db::Table::ALL.iter().map(|t| t.domain()).chain([domains::API_KEYS]);
            let ids = self.audited_ids(tx)?;
            for table in tables {
                for id in &ids {
                    names.insert(self.row_ref(table, id), format!("{table} row {id}"));
                }
            }
            for name in super::tx::LEDGERED_META {
                names.insert(self.row_ref(domains::META, name), format!("meta record {name:?}"));
            }
            let mut missing: Vec<String> = expected
                .keys()
                .map(|r| names.get(r).cloned().unwrap_or_else(|| "a row the audit log does not name".to_owned()))
                .collect();
            missing.sort();
            for row in missing {
                problems.push(format!("{row} is missing (deleted without the store secret)"));
            }
        }
        Ok(problems)
    }
}

impl Store {
    /// A sealed record by id, opened and checked (AEAD and ledger), from the cache when no
    /// other process has written since and this transaction has not touched it. Returns
    /// its parent id and value.
    pub(crate) fn cached_record<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
        &self,
        tx: &Tx<'_>,
        table: crate::db::Table,
        id: &str,
    ) -> Result<Option<(String, Arc<T>)>> {
        let untouched = tx.pending_change(table.domain(), id).is_none();
        if untouched {
            if let Some((parent, value)) = self.ledger.borrow().records.get(&(table.domain(), id.to_owned())) {
                if let Ok(v) = Arc::clone(value).downcast::<T>() {
                    return Ok(Some((parent.clone(), v)));
                }
            }
        }
        let Some(row) = tx.record_get(table, id)? else { return Ok(None) };
        let value: Arc<T> = Arc::new(self.open_record(tx, table, &row)?);
        if untouched {
            let mut cache = self.ledger.borrow_mut();
            if cache.records.len() >= MAX_CACHED_LEAVES {
                cache.records.clear();
            }
            cache.records.insert(
                (table.domain(), id.to_owned()),
                (row.parent.clone(), Arc::clone(&value) as Arc<dyn Any + Send + Sync>),
            );
        }
        Ok(Some((row.parent, value)))
    }
}

/// The cache lives in the store behind a `RefCell`: a `Store` is used by one thread at a
/// time (it is `Send`, not `Sync`).
pub(crate) type LedgerCell = RefCell<LedgerCache>;
