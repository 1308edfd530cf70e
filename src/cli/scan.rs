//! `keyctl scan`: find keyctl API keys and store keys in files (or stdin) by prefix and
//! checksum, say which are live in this store, and optionally revoke them. Never prints a
//! full secret. Exit 0 when nothing live was found, 10 when something was.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use keyctl::{Error, Result, Store};
use serde::Serialize;
use zeroize::Zeroizing;

use super::output::{self, Names};
use super::{Ctx, Mode};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyctl scan .\n  git diff --cached | keyctl scan -      # as a pre-commit hook\n  keyctl scan logs/ --revoke --yes"
)]
pub struct ScanArgs {
    /// Files or folders to scan recursively (`-` reads stdin); .git folders and binary files are skipped
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Revoke the live API keys found (asks for confirmation, or --yes)
    #[arg(long)]
    pub revoke: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    /// `api_key` or `store_key`
    pub kind: &'static str,
    pub redacted: String,
    /// Whether the secret works in this store now (after `--revoke`, if it revoked it).
    pub live: bool,
    /// For API keys this store knows: active, expired or revoked (now); `unknown` otherwise.
    pub status: String,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub org_id: Option<String>,
    pub project_id: Option<String>,
    /// For a store key that opens this store: the name of its unlock slot.
    pub slot: Option<String>,
    /// Whether this run's `--revoke` revoked it.
    pub revoked_now: bool,
}

/// Files to read: the paths given, folders walked (not following symlinks, skipping .git).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            let m = std::fs::symlink_metadata(&entry);
            if m.as_ref().is_ok_and(|m| m.is_dir()) {
                collect(&entry, out)?;
            } else if m.as_ref().is_ok_and(|m| m.is_file()) {
                out.push(entry);
            }
        }
    } else if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        out.push(path.to_path_buf());
    } else {
        // A device, FIFO or socket could be endless or block forever (`scan /dev/zero`).
        eprintln!("keyctl: skipping {}: not a regular file", output::sanitize(&path.display().to_string()));
    }
    Ok(())
}

/// The most bytes scanned per file (and from stdin); the rest is skipped with a warning.
const MAX_SCAN_BYTES: u64 = 64 * 1024 * 1024;

/// Up to `MAX_SCAN_BYTES` of `input`, warning when there was more.
fn read_bounded(name: &str, input: impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::new());
    input.take(MAX_SCAN_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_SCAN_BYTES {
        buf.truncate(MAX_SCAN_BYTES as usize);
        eprintln!("keyctl: {}: only the first {} MiB were scanned", output::sanitize(name), MAX_SCAN_BYTES >> 20);
    }
    Ok(buf)
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

fn scan_text(store: &Store, file: &str, bytes: &[u8], findings: &mut Vec<Finding>) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    for (i, line) in text.lines().enumerate() {
        for range in keyctl::crypto::find_secrets(line) {
            let secret = Zeroizing::new(line[range].to_owned());
            let mut f = Finding {
                file: file.to_owned(),
                line: i + 1,
                kind: "api_key",
                redacted: String::new(),
                live: false,
                status: "unknown".into(),
                key_id: None,
                key_name: None,
                org_id: None,
                project_id: None,
                slot: None,
                revoked_now: false,
            };
            if let Some(key) = keyctl::ApiKey::parse(&secret) {
                f.redacted = key.redacted();
                if let Some(info) = store.identify_key(&secret)? {
                    // A disabled key can be enabled again: it is still live.
                    f.live = matches!(info.status, keyctl::KeyStatus::Active | keyctl::KeyStatus::Disabled);
                    f.status = info.status.as_str().into();
                    f.key_id = Some(info.id);
                    f.key_name = info.name;
                    f.org_id = Some(info.org_id);
                    f.project_id = Some(info.project_id);
                }
            } else {
                f.kind = "store_key";
                f.redacted = keyctl::crypto::redact_secrets(&secret);
                f.slot = store.store_key_slot(&secret)?;
                f.live = f.slot.is_some();
                f.status = if f.live { "opens this store" } else { "unknown" }.into();
            }
            findings.push(f);
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: ScanArgs) -> Result<()> {
    let store = ctx.open()?;
    let mut files = Vec::new();
    let mut stdin = false;
    for p in &args.paths {
        if p.as_os_str() == "-" {
            stdin = true;
        } else {
            collect(p, &mut files)?;
        }
    }
    let mut progress = output::Progress::new("scanning files", 1_000);
    let mut findings = Vec::new();
    if stdin {
        let buf = read_bounded("stdin", std::io::stdin().lock()).map_err(|e| Error::io("cannot read stdin", e))?;
        scan_text(&store, "-", &buf, &mut findings)?;
    }
    for (n, file) in files.iter().enumerate() {
        if n % 200 == 0 {
            progress.update(n, files.len());
        }
        let name = file.display().to_string();
        let bytes = match std::fs::File::open(file).and_then(|f| read_bounded(&name, f)) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("keyctl: skipping {}: {e}", file.display());
                continue;
            }
        };
        if looks_binary(&bytes) {
            continue;
        }
        scan_text(&store, &name, &bytes, &mut findings)?;
    }
    progress.finish();
    let live: Vec<usize> = (0..findings.len()).filter(|i| findings[*i].live).collect();
    if args.revoke {
        let mut ids: Vec<(String, String, String)> = Vec::new();
        for &i in &live {
            let f = &findings[i];
            if let (Some(id), Some(org)) = (&f.key_id, &f.org_id) {
                if !ids.iter().any(|(k, _, _)| k == id) {
                    ids.push((id.clone(), org.clone(), format!("found by keyctl scan in {}:{}", f.file, f.line)));
                }
            }
        }
        if !ids.is_empty() {
            ctx.confirm(&format!("revoke {} live keys", ids.len()), "revoke")?;
            for (id, org, reason) in &ids {
                store.revoke_key(org, id, Some(reason))?;
                // Like `key revoke`: what was revoked, on stderr, always.
                output::note(Mode::Table, &format!("Revoked {id}."));
                for f in findings.iter_mut().filter(|f| f.key_id.as_deref() == Some(id)) {
                    f.revoked_now = true;
                    f.live = false;
                    f.status = keyctl::KeyStatus::Revoked.as_str().into();
                }
            }
        }
    }
    let mut names = Names::default();
    if ctx.mode.human() {
        let mut orgs: Vec<&str> = findings.iter().filter_map(|f| f.org_id.as_deref()).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for org in orgs {
            for p in store.list_projects(org, keyctl::Archived::Include)? {
                names.insert(&p.id, &p.name);
            }
        }
    }
    match ctx.mode {
        Mode::Table | Mode::Wide if findings.is_empty() => output::note(ctx.mode, "No keys found."),
        _ => output::list(ctx.mode, &names, &findings)?,
    }
    // What is still live now: `--revoke` ends API keys, never store keys.
    let still: Vec<&Finding> = findings.iter().filter(|f| f.live).collect();
    if still.is_empty() {
        return Ok(());
    }
    let slots: Vec<&str> = still.iter().filter_map(|f| f.slot.as_deref()).collect();
    let hint = match slots.first() {
        Some(slot) => format!("; remove a leaked store key with `keyctl store remove-key {slot}`"),
        None => "; revoke them with `keyctl scan --revoke` or `keyctl key revoke KEY`".into(),
    };
    let what = output::count(still.len() as i64, "live secret", "live secrets");
    Err(Error::Rejected(format!("{what} found{hint}")))
}
