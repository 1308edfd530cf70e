//! The local anchor (property 8): outside the store, in the user's state folder, the last
//! generation and ledger head this machine has seen for each store file. Replacing the
//! whole file with an older copy cannot be seen from inside it, but it can from here: a
//! store older than its anchor is refused, and `store restore` moves the anchor on purpose.
//! Usage counters change no generation, so rolling back only them goes unseen (as the
//! README says of counters in general).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What this machine last saw of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seen {
    pub path: String,
    pub store_id: String,
    pub generation: u64,
    pub ledger_head: String,
    /// When it was seen (seconds since the epoch).
    pub at: i64,
}

/// The anchor file of one store: `<state dir>/anchors/<digest of the store's path>.json`.
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    file: PathBuf,
    pub store_path: String,
    /// The store's id, once read from it.
    pub store_id: String,
}

impl Anchor {
    /// The anchor of the store named `identity` (see [`crate::StoreLocation::identity`]).
    pub fn new(state_dir: &Path, identity: &str) -> Anchor {
        let store_path = identity.to_owned();
        let digest = crate::crypto::sha256(store_path.as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Anchor { file: state_dir.join("anchors").join(format!("{name}.json")), store_path, store_id: String::new() }
    }

    pub fn load(&self) -> Result<Option<Seen>> {
        match fs::read(&self.file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| {
                Error::integrity(format!(
                    "the rollback anchor {} is unreadable (remove it to trust the store as it is now)",
                    self.file.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", self.file.display()), e)),
        }
    }

    /// Writes `seen` atomically: a 0600 file in 0700 folders, renamed into place.
    pub fn save(&self, seen: &Seen) -> Result<()> {
        let dir = self.file.parent().ok_or_else(|| Error::invalid("the anchor has no folder"))?;
        for d in [dir.parent(), Some(dir)].into_iter().flatten() {
            if !d.exists() {
                fs::create_dir_all(d).map_err(|e| Error::io(format!("cannot create {}", d.display()), e))?;
            }
            fs::set_permissions(d, fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(format!("cannot set permissions on {}", d.display()), e))?;
        }
        let tmp = self.file.with_extension(format!("tmp{}", std::process::id()));
        let body = serde_json::to_vec_pretty(seen).map_err(Error::json("the rollback anchor"))?;
        let written = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&body).and_then(|()| f.sync_all()))
            .and_then(|()| fs::rename(&tmp, &self.file));
        written.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io(format!("cannot write the rollback anchor {}", self.file.display()), e)
        })
    }

    /// Refuses `found` when it is older than what this machine saw (or a different state at
    /// the same generation); returns whether the anchor should move forward.
    pub fn judge(&self, seen: Option<&Seen>, found: &Seen) -> Result<bool> {
        let Some(seen) = seen else { return Ok(true) };
        let hint = "if you put an older copy back on purpose, run `keyctl store restore PATH` with that copy";
        if seen.store_id != found.store_id {
            return Err(Error::integrity(format!(
                "the store at {} is not the one this machine last saw there (store id {}, saw {} at generation {}); {hint}",
                self.store_path, found.store_id, seen.store_id, seen.generation
            )));
        }
        let when = crate::domain::from_unix(seen.at).format("%Y-%m-%dT%H:%M:%SZ");
        if found.generation < seen.generation {
            return Err(Error::integrity(format!(
                "the store was rolled back: it is at generation {} (ledger head {}), but this machine saw generation {} (ledger head {}) at {when}; {hint}",
                found.generation, found.ledger_head, seen.generation, seen.ledger_head
            )));
        }
        if found.generation == seen.generation && found.ledger_head != seen.ledger_head {
            return Err(Error::integrity(format!(
                "the store's ledger head {} at generation {} is not the head {} this machine saw at {when}; {hint}",
                found.ledger_head, found.generation, seen.ledger_head
            )));
        }
        Ok(found.generation > seen.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(generation: u64, head: &str) -> Seen {
        Seen { path: "/s".into(), store_id: "id".into(), generation, ledger_head: head.into(), at: 0 }
    }

    #[test]
    fn older_or_forked_states_are_refused_and_newer_ones_move_the_anchor() {
        let dir = tempfile::tempdir().unwrap();
        let a = Anchor::new(dir.path(), &dir.path().join("keyctl.db").display().to_string());
        assert!(a.judge(None, &seen(1, "a")).unwrap());
        assert!(!a.judge(Some(&seen(3, "c")), &seen(3, "c")).unwrap());
        assert!(a.judge(Some(&seen(3, "c")), &seen(4, "d")).unwrap());
        assert_eq!(a.judge(Some(&seen(3, "c")), &seen(2, "b")).unwrap_err().exit_code(), 4);
        assert_eq!(a.judge(Some(&seen(3, "c")), &seen(3, "x")).unwrap_err().exit_code(), 4);
        a.save(&seen(3, "c")).unwrap();
        assert_eq!(a.load().unwrap(), Some(seen(3, "c")));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&a.file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(a.file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
}
