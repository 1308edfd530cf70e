//! Where the store secret comes from, first match wins: `KEYCTL_STORE_KEY`,
//! `KEYCTL_PASSPHRASE_FILE`, `KEYCTL_PASSPHRASE_COMMAND`, `KEYCTL_PASSPHRASE`, a running
//! `keyctl unlock` agent for this store, then a prompt on the controlling terminal
//! (`/dev/tty`, whatever stdin is). Never from argv; never echoed or logged.

use std::io::IsTerminal;

use std::process::{Command, Stdio};

use keyctl::{Error, Result, SecretString, Store, StoreLocation, Unlock};

use super::agent;

fn env(name: &str) -> Option<SecretString> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).map(SecretString::new)
}

fn from_file(path: &str) -> Result<SecretString> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Locked(format!("cannot read KEYCTL_PASSPHRASE_FILE {path}: {e}")))?;
    Ok(SecretString::new(text).trim_newline())
}

/// keyctl's own secret variables: never passed on to a child process.
const SECRET_VARS: [&str; 5] =
    ["KEYCTL_PASSPHRASE", "KEYCTL_NEW_PASSPHRASE", "KEYCTL_STORE_KEY", "KEYCTL_PASSPHRASE_FILE", "KEYCTL_SERVE_TOKEN"];

fn from_command(cmd: &str) -> Result<SecretString> {
    let mut child = Command::new("sh");
    child.arg("-c").arg(cmd);
    // The command gets what it needs to print a passphrase, not the secrets keyctl holds:
    // its own secret variables, and any variable holding a key (`verify --from-env VAR`).
    for (name, value) in std::env::vars_os() {
        let holds_key = value.to_str().is_some_and(keyctl::crypto::contains_key_shaped);
        if holds_key || name.to_str().is_some_and(|n| SECRET_VARS.contains(&n)) {
            child.env_remove(name);
        }
    }
    let out = child
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Locked(format!("cannot run KEYCTL_PASSPHRASE_COMMAND: {e}")))?;
    let text = String::from_utf8(out.stdout)
        .map_err(|_| Error::Locked("KEYCTL_PASSPHRASE_COMMAND printed non-UTF-8 output".into()))?;
    let secret = SecretString::new(text).trim_newline();
    if !out.status.success() {
        return Err(Error::Locked(format!("KEYCTL_PASSPHRASE_COMMAND failed ({})", out.status)));
    }
    Ok(secret)
}

/// A passphrase from the non-interactive sources, if any is set.
fn passphrase_from_env() -> Result<Option<SecretString>> {
    if let Some(path) = env("KEYCTL_PASSPHRASE_FILE") {
        return from_file(path.expose_secret()).map(Some);
    }
    if let Some(cmd) = env("KEYCTL_PASSPHRASE_COMMAND") {
        return from_command(cmd.expose_secret()).map(Some);
    }
    Ok(env("KEYCTL_PASSPHRASE"))
}

/// Whether a person can be asked: there is a controlling terminal, and this run is attached
/// to it (stdin or stderr is a terminal). A pipeline typed at a terminal is (`printf KEY |
/// keyctl key verify`); a job with no terminal, or whose stdin and stderr both go elsewhere
/// (a test harness, cron, CI), is not, and fails with a hint instead of waiting.
pub fn terminal() -> bool {
    (std::io::stdin().is_terminal() || std::io::stderr().is_terminal())
        && std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").is_ok()
}

/// Asks on the terminal with echo off (rpassword reads and writes `/dev/tty`).
pub fn prompt(text: &str) -> Result<SecretString> {
    rpassword::prompt_password(text).map(SecretString::new).map_err(|e| Error::io("cannot read from the terminal", e))
}

/// Says something to the person at the terminal (not stdout, which may be a pipe).
pub fn tell(text: &str) {
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{text}");
    } else {
        eprintln!("{text}");
    }
}

const NO_SECRET: &str = "no store secret: set KEYCTL_STORE_KEY, KEYCTL_PASSPHRASE_FILE, KEYCTL_PASSPHRASE_COMMAND or \
                         KEYCTL_PASSPHRASE, run `keyctl unlock` in a terminal, or run in a terminal to be asked";

/// Wrong passphrases allowed at a prompt, as sudo and ssh allow.
const TRIES: u32 = 3;

/// A secret from the environment (the sources that come before the agent), if any is set.
fn from_env() -> Result<Option<Unlock>> {
    if let Some(key) = env("KEYCTL_STORE_KEY") {
        return Ok(Some(Unlock::StoreKey(key)));
    }
    Ok(passphrase_from_env()?.map(Unlock::Passphrase))
}

/// The store secret from the environment or a passphrase prompt, never an agent: for
/// `store restore` (which opens a backup) and `store rekey` (which needs the passphrase).
pub fn secret(path: &StoreLocation) -> Result<Unlock> {
    if let Some(unlock) = from_env()? {
        return Ok(unlock);
    }
    if terminal() {
        return prompt(&format!("Passphrase for {path}: ")).map(Unlock::Passphrase);
    }
    Err(Error::Locked(NO_SECRET.into()))
}

/// Opens and unlocks an existing store with the first available secret source.
pub fn open(path: &StoreLocation) -> Result<Store> {
    open_with(path, true)
}

/// Like [`open`]; `use_agent` false skips a running agent (`keyctl unlock` itself).
pub fn open_with(path: &StoreLocation, use_agent: bool) -> Result<Store> {
    if let Some(unlock) = from_env()? {
        return Store::open(path.clone(), unlock);
    }
    if use_agent {
        if let Some(key) = agent::fetch(path) {
            // An agent whose key no longer opens the store (its slot was removed) is passed
            // over, as if it were not running.
            match Store::open(path.clone(), Unlock::Unlocked(key)) {
                Err(Error::Locked(_)) => {}
                other => return other,
            }
        }
    }
    if !terminal() {
        return Err(Error::Locked(NO_SECRET.into()));
    }
    let mut attempt = 1;
    loop {
        let passphrase = prompt(&format!("Passphrase for {path}: "))?;
        match Store::open(path.clone(), Unlock::Passphrase(passphrase)) {
            Err(Error::Locked(m)) if attempt < TRIES && m.starts_with("wrong passphrase") => {
                tell("Sorry, that passphrase does not open this store; try again.");
                attempt += 1;
            }
            Err(Error::Locked(m)) if m.starts_with("wrong passphrase") => {
                return Err(Error::Locked(format!("{m} ({TRIES} tries)")));
            }
            other => return other,
        }
    }
}

/// The shortest passphrase keyctl accepts for a store.
pub const MIN_PASSPHRASE: usize = 8;

fn check_new(p: &SecretString) -> Result<()> {
    if p.expose_secret().chars().count() < MIN_PASSPHRASE {
        return Err(Error::invalid(format!(
            "the passphrase is too short: use at least {MIN_PASSPHRASE} characters (a few words are easy to remember and hard to guess)"
        )));
    }
    Ok(())
}

/// A new passphrase typed twice; a too-short one or a mistyped confirmation asks again.
fn prompt_twice(what: &str) -> Result<SecretString> {
    for round in 1..=TRIES {
        let first = prompt(&format!("{what}: "))?;
        if let Err(e) = check_new(&first) {
            if round == TRIES {
                return Err(e);
            }
            tell(&e.to_string().replace("the passphrase is", "That passphrase is"));
            continue;
        }
        let second = prompt(&format!("{what} (again): "))?;
        if keyctl::crypto::secrets_match(first.expose_secret().as_bytes(), second.expose_secret().as_bytes()) {
            return Ok(first);
        }
        if round == TRIES {
            break;
        }
        tell("The passphrases do not match; try again.");
    }
    Err(Error::invalid("the passphrases do not match; nothing was changed"))
}

/// The passphrase for a new store (`init`): the same sources, or a prompt asked twice.
pub fn new_store_passphrase() -> Result<SecretString> {
    if let Some(p) = passphrase_from_env()? {
        check_new(&p)?;
        return Ok(p);
    }
    if terminal() {
        return prompt_twice("New store passphrase");
    }
    Err(Error::Locked(
        "no passphrase for the new store: set KEYCTL_PASSPHRASE_FILE, KEYCTL_PASSPHRASE_COMMAND or KEYCTL_PASSPHRASE, \
         or run in a terminal to be asked"
            .into(),
    ))
}

/// The new passphrase for `store passwd`: `KEYCTL_NEW_PASSPHRASE` or a prompt asked twice.
pub fn changed_passphrase() -> Result<SecretString> {
    if let Some(p) = env("KEYCTL_NEW_PASSPHRASE") {
        check_new(&p)?;
        return Ok(p);
    }
    if terminal() {
        return prompt_twice("New passphrase");
    }
    Err(Error::Usage("no new passphrase: set KEYCTL_NEW_PASSPHRASE or run in a terminal to be asked".into()))
}

/// PBKDF2 iterations for new passphrase slots. Debug builds (the test suite) may lower
/// it with `KEYCTL_TEST_KDF_ITERATIONS`; release builds ignore that variable.
pub fn kdf_iterations() -> u32 {
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("KEYCTL_TEST_KDF_ITERATIONS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    keyctl::crypto::DEFAULT_PBKDF2_ITERATIONS
}

#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// How long the store stays unlocked, e.g. 15m, 1h, 8h
    #[arg(long = "for", value_name = "DURATION", default_value = "15m")]
    pub duration: keyctl::Duration,
}

/// Longest `keyctl unlock --for`: a working day.
const MAX_UNLOCK: i64 = 24 * 3600;

/// `keyctl unlock`: unlock once (any secret source but an agent), then leave the key with a
/// background agent for `--for`.
pub fn unlock(ctx: &super::Ctx, args: UnlockArgs) -> Result<()> {
    let seconds = args.duration.seconds();
    if !(1..=MAX_UNLOCK).contains(&seconds) {
        return Err(Error::invalid(format!("--for must be between 1s and 24h, not {}", args.duration)));
    }
    ctx.require_store()?;
    let store = open_with(&ctx.store, false)?;
    let (until, pid) = agent::start(&ctx.store, &store.unlocked_key(), seconds)?;
    let until = keyctl::domain::format_time(chrono::DateTime::from_timestamp(until, 0).unwrap_or_default());
    match ctx.mode {
        super::Mode::Json => super::output::json(&serde_json::json!({
            "store": ctx.store.to_string(), "until": until, "pid": pid, "actor": store.actor(),
        })),
        _ => {
            super::output::note(
                ctx.mode,
                &format!("Unlocked {} until {until} (agent pid {pid}); `keyctl lock` ends it sooner.", ctx.store),
            );
            Ok(())
        }
    }
}

/// `keyctl lock`: end this store's agent, if one runs.
pub fn lock(ctx: &super::Ctx) -> Result<()> {
    let was = agent::stop(&ctx.store);
    match ctx.mode {
        super::Mode::Json => super::output::json(&serde_json::json!({ "locked": true, "agent_was_running": was })),
        _ => {
            let text =
                if was { "Locked: the unlock agent has ended." } else { "No unlock agent was running for this store." };
            super::output::note(ctx.mode, &format!("{text} ({})", ctx.store));
            Ok(())
        }
    }
}
