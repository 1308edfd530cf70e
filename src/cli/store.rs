//! `keyctl init` and `keyctl store ...`: creating the store, unlock slots, integrity.

use clap::{Args, Subcommand};
use keyctl::{Authority, Error, InitOptions, OrgKind, Result, Store};
use serde_json::json;

use super::output::{self, Names};
use super::{unlock, Ctx, Mode};

#[derive(Debug, Args)]
pub struct InitArgs {
    // The first organization's name comes from the global `--org NAME`
    // [default: "Default organization", or "Personal" with --personal].
    /// Make the first organization a personal one (no service accounts)
    #[arg(long)]
    pub personal: bool,
    /// Your email: the owner identity, a member with role `all` in every org [default: owner@localhost]
    #[arg(long, value_name = "EMAIL")]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Show the store's path, schema, slots and counts
    #[command(after_help = "Examples:\n  keyctl store info\n  keyctl store info -o json | jq .schema_version")]
    Info,
    /// Authenticate every row and the audit chain; exit 4 naming what failed
    #[command(
        after_help = "Examples:\n  keyctl store check\n  keyctl store check -o json || echo \"store tampered with\"\n  keyctl store check --expect-generation 42   # exit 4 if rolled back past 42"
    )]
    Check {
        /// Also fail (exit 4) when the store's generation (see `store info`) is below N
        #[arg(long, value_name = "N")]
        expect_generation: Option<u64>,
    },
    /// Change the passphrase (new one from a prompt or KEYCTL_NEW_PASSPHRASE)
    #[command(after_help = "Examples:\n  keyctl store passwd\n  KEYCTL_NEW_PASSPHRASE=\"$NEW\" keyctl store passwd")]
    Passwd,
    /// Add a named store key (an unlock slot for machines); printed once
    #[command(
        after_help = "Examples:\n  keyctl store add-key ci -q   # prints only the key, for a CI secret\n  KEYCTL_STORE_KEY=keyctl-sk-... keyctl key list"
    )]
    AddKey {
        /// Slot name, recorded as the actor in the audit log
        name: String,
        /// Let this key manage unlock slots too (add-key, remove-key, passwd), like the passphrase
        #[arg(long)]
        admin: bool,
    },
    /// List unlock slots
    #[command(after_help = "Examples:\n  keyctl store keys\n  keyctl store keys -o json")]
    Keys,
    /// Remove an unlock slot; its secret stops working at once
    #[command(after_help = "Examples:\n  keyctl store remove-key ci\n  keyctl store remove-key old-server --yes")]
    RemoveKey { name: String },
    /// Write a consistent copy of the store (0600, with its unlock slots), online
    #[command(
        after_help = "Examples:\n  keyctl store backup ~/backups/keyctl-$(date +%F).db\n  keyctl store backup /mnt/backup/keyctl.db -o json | jq .generation"
    )]
    Backup {
        /// Where to write the copy (must not exist)
        path: std::path::PathBuf,
    },
    /// Copy the whole store to a new file or PostgreSQL schema (same passphrase and store keys), then check the copy
    #[command(
        after_help = "Examples:\n  keyctl store copy 'postgres://keyctl@db.internal/keys?sslmode=verify-full&sslrootcert=ca.pem'\n  KEYCTL_STORE=postgres://keyctl@db.internal/keys keyctl store copy ./local.db"
    )]
    Copy {
        /// Where the copy goes: a path (must not exist) or a postgres:// URL (an empty schema; password from PGPASSWORD or ~/.pgpass)
        #[arg(value_name = "PATH|URL")]
        dest: String,
    },
    /// A new data key: everything re-sealed, the passphrase slot re-wrapped, every store key re-issued
    #[command(
        after_help = "Examples:\n  keyctl store rekey --yes            # after removing a leaked store key\n  keyctl store rekey -y -o json | jq -r '.store_keys[] | \"\\(.name) \\(.store_key)\"'"
    )]
    Rekey,
    /// Put a backup back in place of the store, on purpose (moves the rollback anchor)
    #[command(
        after_help = "Examples:\n  keyctl store restore ~/backups/keyctl-2026-12-01.db --yes\n  KEYCTL_PASSPHRASE_FILE=~/.keyctl-pass keyctl store restore /mnt/backup/keyctl.db -y"
    )]
    Restore {
        /// The backup to restore (made by `keyctl store backup`); left as it is
        path: std::path::PathBuf,
    },
}

pub fn init(ctx: &Ctx, args: InitArgs) -> Result<()> {
    if Store::exists(&ctx.store)? {
        return Err(Error::StoreExists(ctx.store.clone()));
    }
    let passphrase = unlock::new_store_passphrase()?;
    let opts = InitOptions {
        org_name: ctx.org.clone(),
        org_kind: if args.personal { OrgKind::Personal } else { OrgKind::Organization },
        owner_email: args.owner,
        kdf_iterations: unlock::kdf_iterations(),
    };
    let (store, org) = Store::init(ctx.store.clone(), &passphrase, &opts)?;
    let store = store.with_clock(super::clock()).reset_anchor(&super::config::state_dir()?)?;
    let project = store.show_project(&org.id, &org.default_project_id)?;
    match ctx.mode {
        Mode::Quiet => output::line(&store.location().to_string()),
        Mode::Json => output::json(&json!({
            "store": store.location().to_string(),
            "org": org,
            "project": project,
        })),
        Mode::Csv => output::csv(
            &["store", "org_id", "project_id"],
            &[vec![store.location().to_string(), org.id.clone(), project.id.clone()]],
        ),
        Mode::Table | Mode::Wide => {
            output::line(&format!("Created store {}", store.location()))?;
            output::line(&format!(
                "Organization {} ({}), default project {:?} ({})",
                org.name, org.id, project.name, project.id
            ))?;
            output::note(ctx.mode, "Next: `keyctl project create NAME`, then `keyctl key create --project NAME`.");
            Ok(())
        }
    }
}

pub fn run(ctx: &Ctx, cmd: StoreCommand) -> Result<()> {
    if let StoreCommand::Restore { path } = &cmd {
        // The live store may be damaged or rolled back: it is not opened first.
        ctx.confirm(&format!("replace the store at {} with {}", ctx.store, path.display()), "restore")?;
        let unlock = unlock::secret(&path.as_path().into())?;
        let store = Store::restore(ctx.store.clone(), path, unlock, Some(&super::config::state_dir()?))?;
        let info = store.info()?;
        return match ctx.mode {
            Mode::Json => output::json(&json!({
                "restored_from": path.display().to_string(),
                "generation": info.generation,
                "ledger_head": info.ledger_head,
            })),
            _ => {
                output::note(
                    ctx.mode,
                    &format!(
                        "Restored {} from {}: generation {}, ledger head {}. The rollback anchor moved to it.",
                        ctx.store,
                        path.display(),
                        info.generation,
                        info.ledger_head
                    ),
                );
                Ok(())
            }
        };
    }
    let store = match cmd {
        StoreCommand::Check { .. } => ctx.open_unanchored()?,
        _ => ctx.open()?,
    };
    match cmd {
        StoreCommand::Info => {
            let info = store.info()?;
            match ctx.mode {
                Mode::Quiet => output::line(&info.path),
                Mode::Json => output::json(&info),
                Mode::Csv => output::csv_of(&[&info]),
                Mode::Table | Mode::Wide => {
                    let mut rows = vec![
                        ("path".into(), info.path.clone()),
                        ("backend".into(), info.backend.to_owned()),
                        ("schema version".into(), info.schema_version.to_string()),
                        ("store id".into(), info.store_id.clone()),
                        ("unlocked by".into(), info.actor.clone()),
                        ("owner".into(), info.owner_email.clone()),
                        ("organizations".into(), info.orgs.to_string()),
                        ("projects".into(), info.projects.to_string()),
                        ("keys".into(), info.keys.to_string()),
                        (
                            "unlock slots".into(),
                            info.slots.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                        ),
                        ("generation".into(), info.generation.to_string()),
                        ("ledger head".into(), info.ledger_head.clone()),
                    ];
                    if ctx.store.as_path().is_some() {
                        rows.insert(10, ("file size".into(), format!("{} bytes", info.file_bytes)));
                        rows.insert(
                            10,
                            ("wal size".into(), format!("{} bytes (shm {} bytes)", info.wal_bytes, info.shm_bytes)),
                        );
                    } else {
                        rows.insert(10, ("size on the server".into(), format!("{} bytes", info.file_bytes)));
                    }
                    output::fields(rows)
                }
            }
        }
        StoreCommand::Check { expect_generation } => {
            let mut report = store.check()?;
            if let Some(problem) = store.anchor_problem(&super::config::state_dir()?)? {
                report.problems.push(problem);
            }
            if let Some(n) = expect_generation {
                if let Err(e) = store.expect_generation(n) {
                    report.problems.push(e.detail());
                }
            }
            if ctx.mode == Mode::Json {
                output::json(&json!({
                    "ok": report.is_ok(),
                    "rows_checked": report.rows_checked,
                    "problems": report.problems,
                    "warnings": report.warnings,
                }))?;
            } else if ctx.mode.quiet() {
                // The exit code says it.
            } else if report.is_ok() {
                for w in &report.warnings {
                    output::line(&format!("WARNING: {}", output::sanitize(w)))?;
                }
                output::line(&format!("ok: {} rows authenticated, audit chain intact", report.rows_checked))?;
            } else {
                for p in &report.problems {
                    output::line(&format!("FAILED: {}", output::sanitize(p)))?;
                }
            }
            match report.problems.first() {
                None => Ok(()),
                Some(first) if report.problems.len() == 1 => Err(Error::integrity(first.clone())),
                Some(first) => Err(Error::integrity(format!("{first} (and {} more)", report.problems.len() - 1))),
            }
        }
        StoreCommand::Passwd => {
            store.require_admin("change the passphrase")?;
            let new = unlock::changed_passphrase()?;
            store.change_passphrase(&new, unlock::kdf_iterations())?;
            output::note(ctx.mode, "Passphrase changed; store keys are unaffected.");
            Ok(())
        }
        StoreCommand::AddKey { name, admin } => {
            let authority = if admin { Authority::Admin } else { Authority::Member };
            let (slot, key) = store.add_store_key(&name, authority)?;
            match ctx.mode {
                Mode::Quiet => output::line(key.expose_secret()),
                Mode::Json => output::json(&json!({ "name": slot.name, "store_key": key.expose_secret() })),
                Mode::Csv => {
                    output::csv(&["name", "store_key"], &[vec![slot.name.clone(), key.expose_secret().to_owned()]])
                }
                Mode::Table | Mode::Wide => {
                    output::line(key.expose_secret())?;
                    output::note(ctx.mode, &format!(
                        "Store key {:?} added. Save it now: it is not stored and will not be shown again.\nUse it as KEYCTL_STORE_KEY; remove it with `keyctl store remove-key {}`.",
                        slot.name, slot.name
                    ));
                    Ok(())
                }
            }
        }
        StoreCommand::Keys => output::list(ctx.mode, &Names::default(), &store.list_slots()?),
        StoreCommand::Restore { .. } => Ok(()),
        StoreCommand::Rekey => {
            ctx.confirm("re-seal the store under a new data key and re-issue every store key", "rekey")?;
            let passphrase = match unlock::secret(&ctx.store)? {
                keyctl::Unlock::Passphrase(p) => p,
                _ => {
                    return Err(Error::refused("`store rekey` needs the store's passphrase (KEYCTL_PASSPHRASE, KEYCTL_PASSPHRASE_FILE, KEYCTL_PASSPHRASE_COMMAND or a prompt), not a store key"))
                }
            };
            let reissued = store.rekey(&passphrase, unlock::kdf_iterations())?;
            match ctx.mode {
                Mode::Json => output::json(&json!({
                    "store_keys": reissued.iter().map(|(s, k)| json!({ "name": s.name, "store_key": k.expose_secret() })).collect::<Vec<_>>(),
                })),
                _ => {
                    for (slot, key) in &reissued {
                        output::line(&format!("{} {}", slot.name, key.expose_secret()))?;
                    }
                    output::note(ctx.mode, &format!(
                        "Store rekeyed: a new data key; old copies' keys and every old store key no longer open it.{}",
                        if reissued.is_empty() { String::new() } else { " Save the new store keys above now: they are not shown again.".to_owned() }
                    ));
                    Ok(())
                }
            }
        }
        StoreCommand::Backup { path } => {
            let backup = store.backup(&path)?;
            match ctx.mode {
                Mode::Json => output::json(&backup),
                Mode::Quiet => Ok(()),
                _ => output::line(&format!(
                    "Backed up to {} ({} bytes, generation {}); the same passphrase and store keys open it.",
                    backup.path, backup.bytes, backup.generation
                )),
            }
        }
        StoreCommand::Copy { dest } => {
            let dest = keyctl::StoreLocation::parse(&dest)?;
            if let keyctl::StoreLocation::Postgres(pg) = &dest {
                if pg.has_password() {
                    return Err(Error::Usage(
                        "a password in the destination URL would show in the process list; put it in PGPASSWORD or ~/.pgpass (PGPASSFILE)".into(),
                    ));
                }
            }
            store.require_admin("copy the store")?;
            let copy = store.copy_to(dest)?;
            match ctx.mode {
                Mode::Json => output::json(&copy),
                Mode::Quiet => Ok(()),
                _ => output::line(&format!(
                    "Copied to {} (generation {}, checked); the same passphrase and store keys open it.",
                    copy.path, copy.generation
                )),
            }
        }
        StoreCommand::RemoveKey { name } => {
            store.require_admin("remove an unlock slot")?;
            ctx.confirm(&format!("remove unlock slot {name:?}"), &name)?;
            store.remove_slot(&name)?;
            output::note(ctx.mode, &format!("Unlock slot {name:?} removed; its secret no longer opens the store."));
            Ok(())
        }
    }
}
