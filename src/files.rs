//! The store's files belong to the user (property 7): its folder is not writable by
//! anyone else, its `-wal`/`-shm` companions are the user's own regular 0600 files, and
//! every folder keyctl creates is 0700 whatever the umask. Checked before SQLite opens
//! anything, so keyctl never writes into a file someone else prepared.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses (exit 3) a folder that is group- or world-writable or owned by another user.
pub(crate) fn check_folder(dir: &Path) -> Result<()> {
    let meta = fs::metadata(dir).map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    let (mode, uid) = (meta.mode() & 0o7777, meta.uid());
    if uid != my_uid() {
        return Err(Error::Unreadable(format!(
            "refusing the store folder {}: it belongs to uid {uid}, not to you (uid {}); keep the store in a folder of your own",
            dir.display(),
            my_uid()
        )));
    }
    if mode & 0o022 != 0 {
        return Err(Error::Unreadable(format!(
            "refusing the store folder {}: it is group- or world-writable (mode {mode:04o}), so others could plant or swap its files; run `chmod 700 {}`",
            dir.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Checks the folder, the store file and any `-wal`/`-shm` companion before the store is
/// opened. A store file of the user's own with group or world bits is tightened to its
/// owner's bits; a companion that is not a regular 0600 file of the user's is refused.
pub(crate) fn check_store_files(path: &Path) -> Result<()> {
    // SQLite follows a symlinked store to the real file and keeps its companions there.
    let real = fs::canonicalize(path).map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    check_folder(&folder_of(&real))?;
    let meta = fs::metadata(&real).map_err(|e| Error::io(format!("cannot read {}", real.display()), e))?;
    if meta.uid() != my_uid() {
        return Err(Error::Unreadable(format!(
            "refusing the store {}: it belongs to uid {}, not to you (uid {})",
            real.display(),
            meta.uid(),
            my_uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(&real, fs::Permissions::from_mode(meta.mode() & 0o700))
            .map_err(|e| Error::io(format!("cannot set permissions on {}", real.display()), e))?;
    }
    for suffix in ["-wal", "-shm"] {
        let companion = PathBuf::from(format!("{}{suffix}", real.display()));
        let meta = match fs::symlink_metadata(&companion) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("cannot read {}", companion.display()), e)),
        };
        let what = if meta.file_type().is_symlink() {
            Some("a symbolic link".to_owned())
        } else if !meta.file_type().is_file() {
            Some("not a regular file".to_owned())
        } else if meta.uid() != my_uid() {
            Some(format!("owned by uid {}, not you (uid {})", meta.uid(), my_uid()))
        } else if meta.mode() & 0o777 != 0o600 {
            Some(format!("mode {:04o}, not 0600", meta.mode() & 0o7777))
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::Unreadable(format!(
                "refusing the store's {} file {}: it is {what}; someone else may have planted it (remove it once no keyctl uses the store)",
                &suffix[1..],
                companion.display()
            )));
        }
    }
    Ok(())
}

/// Creates `dir` and every missing folder above it, each 0700 whatever the umask; folders
/// that already exist are left as they are.
pub fn create_private_dir_all(dir: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty()) {
        if d.exists() {
            break;
        }
        missing.push(d);
        at = d.parent();
    }
    for d in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(0o700).create(d) {
            Ok(()) => {}
            // Another process made it meanwhile: fine, it is not ours to change.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("cannot create {}", d.display()), e)),
        }
        fs::set_permissions(d, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("cannot set permissions on {}", d.display()), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_only_what_is_missing_each_0700() {
        let root = tempfile::tempdir().unwrap();
        let existing = root.path().join("home");
        fs::create_dir(&existing).unwrap();
        fs::set_permissions(&existing, fs::Permissions::from_mode(0o755)).unwrap();
        let deep = existing.join(".local/share/keyctl");
        create_private_dir_all(&deep).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&existing), 0o755, "an existing folder is left alone");
        for d in [existing.join(".local"), existing.join(".local/share"), deep] {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
    }
}
