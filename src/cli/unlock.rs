//! Where the store secret comes from, first match wins: `KEYCTL_STORE_KEY`,
//! `KEYCTL_PASSPHRASE_FILE`, `KEYCTL_PASSPHRASE_COMMAND`, `KEYCTL_PASSPHRASE`, then a
//! prompt when stdin is a terminal. Never from argv; never echoed or logged.

use std::io::IsTerminal;
use std::path::Path;
use std::process::{Command, Stdio};

use keyctl::{Error, Result, SecretString, Unlock};

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

fn prompt(text: &str) -> Result<SecretString> {
    rpassword::prompt_password(text).map(SecretString::new).map_err(|e| Error::io("cannot read the passphrase", e))
}

const NO_SECRET: &str = "no store secret: set KEYCTL_STORE_KEY, KEYCTL_PASSPHRASE_FILE, KEYCTL_PASSPHRASE_COMMAND or \
                         KEYCTL_PASSPHRASE, or run in a terminal to be asked";

/// The secret that unlocks an existing store.
pub fn store_secret(path: &Path) -> Result<Unlock> {
    if let Some(key) = env("KEYCTL_STORE_KEY") {
        return Ok(Unlock::StoreKey(key));
    }
    if let Some(p) = passphrase_from_env()? {
        return Ok(Unlock::Passphrase(p));
    }
    if std::io::stdin().is_terminal() {
        return prompt(&format!("Passphrase for {}: ", path.display())).map(Unlock::Passphrase);
    }
    Err(Error::Locked(NO_SECRET.into()))
}

fn prompt_twice(what: &str) -> Result<SecretString> {
    let first = prompt(&format!("{what}: "))?;
    if first.is_empty() {
        return Err(Error::invalid("the passphrase must not be empty"));
    }
    let second = prompt(&format!("{what} (again): "))?;
    if first.expose_secret().as_bytes() != second.expose_secret().as_bytes() {
        return Err(Error::invalid("the passphrases do not match; nothing was changed"));
    }
    Ok(first)
}

/// The passphrase for a new store (`init`): the same sources, or a prompt asked twice.
pub fn new_store_passphrase() -> Result<SecretString> {
    if let Some(p) = passphrase_from_env()? {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
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
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
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
