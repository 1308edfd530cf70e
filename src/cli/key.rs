//! `keyctl key ...`: issue, list, update, revoke, rotate, prune and verify API keys.

use std::io::{BufRead, IsTerminal, Read, Write};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use keyctl::{
    Amount, Cidr, Duration, Error, Expiry, KeyCreate, KeyFilter, KeyInfo, KeyLimits, KeyStatus, KeyUpdate, NewKey,
    Permission, Refill, Result, Scope, VerifyOutcome, VerifyRequest,
};
use serde_json::json;

use super::output;
use super::{Ctx, Mode};

fn parse_time(s: &str) -> std::result::Result<DateTime<Utc>, Error> {
    keyctl::domain::parse_time(s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    Active,
    Disabled,
    /// Replaced by a rotation, still working until its grace ends
    Rotating,
    Expired,
    Revoked,
    All,
}

#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Lifetime, e.g. 15m, 24h, 30d
    #[arg(long, value_name = "DURATION", conflicts_with = "expires_at", allow_hyphen_values = true)]
    pub ttl: Option<Duration>,
    /// Absolute expiry: RFC 3339 or a date (2026-12-31, midnight UTC)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl ExpiryArgs {
    fn expiry(&self) -> Option<Expiry> {
        match (self.ttl, self.expires_at) {
            (Some(d), _) => Some(Expiry::After(d)),
            (None, Some(t)) => Some(Expiry::At(t)),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Valid verifies per minute for this key (0 removes the limit)
    #[arg(long, value_name = "N")]
    pub rpm: Option<u64>,
    /// Total valid verifies this key allows (0 removes the limit)
    #[arg(long, value_name = "N")]
    pub max_uses: Option<u64>,
    /// Accept the key only from these networks (repeatable; IPv4 or IPv6 CIDR)
    #[arg(long = "allow-ip", value_name = "CIDR")]
    pub allow_ip: Vec<Cidr>,
    /// Start the --max-uses allowance again each UTC day or month
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub refill: Option<RefillArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RefillArg {
    Daily,
    Monthly,
}

impl From<RefillArg> for Refill {
    fn from(r: RefillArg) -> Refill {
        match r {
            RefillArg::Daily => Refill::Daily,
            RefillArg::Monthly => Refill::Monthly,
        }
    }
}

#[derive(Debug, Args)]
pub struct MetaArgs {
    /// Your own metadata, returned by verify (repeatable; on update `NAME=` removes NAME)
    #[arg(long = "meta", value_name = "NAME=VALUE")]
    pub meta: Vec<String>,
    /// Your own id for whoever the key is for, e.g. a customer or tenant id (on update "" removes it)
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
}

impl MetaArgs {
    /// The pairs as typed, parsed here rather than by clap so that an error never echoes a
    /// value (which might be a pasted key).
    fn pairs(&self) -> Result<Vec<(String, String)>> {
        self.meta.iter().map(|m| keyctl::domain::parse_meta_pair(m)).collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue a key; the secret is printed once, on stdout, and never again
    #[command(
        after_help = "Examples:\n  keyctl key create --project billing-api\n  KEY=$(keyctl key create ci-deploy --project ci --ttl 15m -q)\n  keyctl key create --permission restricted --scope models:read --scope files:write\n  keyctl key create --project load-test --count 100 -o json > keys.jsonl"
    )]
    Create {
        /// A name for the key (names need not be unique)
        name: Option<String>,
        /// Project id or name [default: the org's default project]
        #[arg(long)]
        project: Option<String>,
        /// Owner: a member's email or id [default: you]
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Owner: a service account's name or id (key gets the sk-svcacct- prefix)
        #[arg(long, value_name = "SA")]
        service_account: Option<String>,
        /// all, restricted or readonly [default: all, or restricted with --scope]
        #[arg(long, value_name = "PERM", value_parser = super::permission_parser())]
        permission: Option<Permission>,
        /// RESOURCE:LEVEL for restricted keys (repeatable), e.g. models:read, *:none
        #[arg(long = "scope", value_name = "RES:LEVEL")]
        scopes: Vec<Scope>,
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Issue N keys in one transaction (all or none)
        #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        count: u32,
        #[command(flatten)]
        meta: MetaArgs,
    },
    /// List keys (redacted), in the org or one project
    #[command(
        after_help = "Examples:\n  keyctl key list --project billing-api\n  keyctl key list --status all -o json\n  keyctl key list --expiring-within 7d\n  keyctl key list --external-id cus_123"
    )]
    List {
        /// Project id or name
        #[arg(long)]
        project: Option<String>,
        /// Which keys to list
        #[arg(long, value_enum, default_value_t = StatusFilter::Active)]
        status: StatusFilter,
        /// Only keys that stop working (expiry or end of a rotation grace) within this long
        #[arg(long, value_name = "DURATION")]
        expiring_within: Option<Duration>,
        /// Only keys with this external id
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
    },
    /// Show one key (redacted)
    #[command(after_help = "Examples:\n  keyctl key show key_0123456789abcdef\n  keyctl key show ci-deploy -o json")]
    Show {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
    },
    /// Change a key's name, permission, scopes or expiry
    #[command(
        after_help = "Examples:\n  keyctl key update key_123 --permission readonly\n  keyctl key update ci-deploy --scope models:read --ttl 1h"
    )]
    Update {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
        /// A new name for the key
        #[arg(long)]
        name: Option<String>,
        /// all, restricted or readonly
        #[arg(long, value_name = "PERM", value_parser = super::permission_parser())]
        permission: Option<Permission>,
        /// Replaces the key's scopes (repeatable)
        #[arg(long = "scope", value_name = "RES:LEVEL")]
        scopes: Vec<Scope>,
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Remove the key's IP allowlist
        #[arg(long, conflicts_with = "allow_ip")]
        clear_allow_ip: bool,
        #[command(flatten)]
        meta: MetaArgs,
        /// Remove every metadata entry (then any --meta applies)
        #[arg(long)]
        clear_meta: bool,
    },
    /// Turn a key off until `key enable`: verify answers DISABLED (it still expires and can be revoked)
    #[command(
        after_help = "Examples:\n  keyctl key disable key_0123456789abcdef --reason \"odd traffic, investigating\"\n  keyctl key enable key_0123456789abcdef"
    )]
    Disable {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
        /// Why (shown with the key, and in the audit log)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Turn a disabled key back on
    #[command(after_help = "Examples:\n  keyctl key enable key_0123456789abcdef")]
    Enable {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
    },
    /// Revoke a key at once
    #[command(
        after_help = "Examples:\n  keyctl key revoke key_0123456789abcdef --reason \"leaked in a log\"\n  keyctl key revoke \"$LEAKED_KEY\"   # the secret itself works too, and is never printed back\n  keyctl key revoke deploy --all   # a rotated key in its grace and its successor"
    )]
    Revoke {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
        /// Why (kept with the key and in the audit log; a key pasted here is stored redacted)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Revoke every live key of this name (a rotated key in its grace and its successor)
        #[arg(long)]
        all: bool,
    },
    /// Issue a successor with the same settings; the old key works for --grace, then stops
    #[command(
        after_help = "Examples:\n  keyctl key rotate key_123 --grace 24h -o json | jq -r .key | vault kv put secret/api key=-"
    )]
    Rotate {
        /// The key's id, its name, or the secret itself (looked up by its hash, never printed)
        key: String,
        /// How long the old key keeps working
        #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
        grace: Duration,
    },
    /// Delete revoked and expired keys whose end is older than --older-than
    #[command(after_help = "Examples:\n  keyctl key prune --older-than 30d\n  keyctl key prune -o json")]
    Prune {
        /// Only keys that ended at least this long ago
        #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
        older_than: Duration,
        /// List what would be removed, and remove nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Check a key (from stdin, or --from-env VAR); exit 0 valid, 10 rejected
    #[command(
        after_help = "Examples:\n  printf '%s\\n' \"$KEY\" | keyctl key verify --require models:read -o json\n  API_KEY=... keyctl key verify --from-env API_KEY\n  keyctl key verify --stream   # one key per line in, one JSON result per line out"
    )]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Read the key from this environment variable instead of stdin
    #[arg(long, value_name = "VAR")]
    pub from_env: Option<String>,
    /// A scope the key must allow (repeatable)
    #[arg(long = "require", value_name = "RES:LEVEL")]
    pub require: Vec<Scope>,
    /// The caller's IP address, checked against the key's --allow-ip list
    #[arg(long, value_name = "IP")]
    pub client_ip: Option<std::net::IpAddr>,
    /// What this request costs, counted toward the project's monthly budget
    #[arg(long, value_name = "AMOUNT")]
    pub cost: Option<Amount>,
    /// Do not count this verify as a use
    #[arg(long)]
    pub no_record: bool,
    /// Read one key per line and answer one JSON line each, unlocking once
    #[arg(long, conflicts_with = "from_env")]
    pub stream: bool,
}

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> Result<()> {
    if let KeyCommand::Verify(args) = cmd {
        if args.stream {
            return verify_stream(&ctx.open()?, &args);
        }
        // The key first: a missing input fails before anyone is asked for a passphrase.
        let key = verify_input(&args)?;
        return verify(ctx, &ctx.open()?, &args, key);
    }
    let store = ctx.open()?;
    let org = ctx.org(&store)?;
    match cmd {
        KeyCommand::Create {
            name,
            project,
            owner,
            service_account,
            permission,
            scopes,
            expiry,
            limits,
            count,
            meta,
        } => {
            let mut pairs = std::collections::BTreeMap::new();
            for (k, v) in meta.pairs()? {
                if v.is_empty() {
                    return Err(Error::invalid(format!(
                        "--meta {k}= has no value (an empty value removes NAME on update)"
                    )));
                }
                pairs.insert(k, v);
            }
            let expiry = match expiry.expiry() {
                Some(e) => e,
                None => ctx.config.default_ttl().map_or(Expiry::Never, Expiry::After),
            };
            let spec = KeyCreate {
                name,
                project,
                owner_email: owner,
                service_account,
                permission,
                scopes,
                expiry,
                limits: KeyLimits {
                    rpm: limits.rpm,
                    max_uses: limits.max_uses,
                    allow_ip: limits.allow_ip,
                    refill: limits.refill.map(Refill::from),
                },
                count,
                meta: pairs,
                external_id: meta.external_id,
            };
            let mut progress = output::Progress::new("creating keys", 10_000);
            let keys = store.create_keys_reporting(&org.id, &spec, &mut |done, total| progress.update(done, total))?;
            progress.finish();
            print_new_keys(ctx, &store, &keys)
        }
        KeyCommand::List { project, status, expiring_within, external_id } => {
            let (status, rotating) = match status {
                StatusFilter::Active => (Some(KeyStatus::Active), false),
                StatusFilter::Disabled => (Some(KeyStatus::Disabled), false),
                StatusFilter::Rotating => (Some(KeyStatus::Active), true),
                StatusFilter::Expired => (Some(KeyStatus::Expired), false),
                StatusFilter::Revoked => (Some(KeyStatus::Revoked), false),
                StatusFilter::All => (None, false),
            };
            let filter = KeyFilter { project, status, rotating, external_id, expiring_within };
            let keys = store.list_keys(&org.id, &filter)?;
            let names = ctx.names(&store, &org.id, false)?;
            output::list(ctx.mode, &names, &keys)?;
            if ctx.mode.human() && std::io::stdout().is_terminal() {
                ending_soon_note(&keys);
            }
            Ok(())
        }
        KeyCommand::Show { key } => show(ctx, &store, &store.show_key(&org.id, &key)?),
        KeyCommand::Update { key, name, permission, scopes, expiry, limits, clear_allow_ip, meta, clear_meta } => {
            let update = KeyUpdate {
                name,
                permission,
                scopes: (!scopes.is_empty()).then_some(scopes),
                expiry: expiry.expiry(),
                rpm: limits.rpm,
                max_uses: limits.max_uses,
                allow_ip: if clear_allow_ip {
                    Some(Vec::new())
                } else {
                    (!limits.allow_ip.is_empty()).then_some(limits.allow_ip)
                },
                refill: limits.refill.map(Refill::from),
                clear_meta,
                meta: meta.pairs()?,
                external_id: meta.external_id,
            };
            show(ctx, &store, &store.update_key(&org.id, &key, &update)?)
        }
        KeyCommand::Disable { key, reason } => {
            let info = store.disable_key(&org.id, &key, reason.as_deref())?;
            if ctx.mode.quiet() {
                return Ok(());
            }
            show(ctx, &store, &info)
        }
        KeyCommand::Enable { key } => {
            let info = store.enable_key(&org.id, &key)?;
            if ctx.mode.quiet() {
                return Ok(());
            }
            show(ctx, &store, &info)
        }
        KeyCommand::Revoke { key, reason, all } => {
            let revoked = store.revoke_keys(&org.id, &key, reason.as_deref(), all)?;
            // Always on stderr, so a script sees which key a name meant.
            let ids: Vec<&str> = revoked.iter().map(|k| k.id.as_str()).collect();
            output::note(Mode::Table, &format!("Revoked {}.", ids.join(", ")));
            match revoked.as_slice() {
                _ if ctx.mode.quiet() => Ok(()),
                [one] if !all => show(ctx, &store, one),
                many => output::list(ctx.mode, &ctx.names(&store, &org.id, false)?, many),
            }
        }
        KeyCommand::Rotate { key, grace } => {
            let (new, old) = store.rotate_key(&org.id, &key, grace)?;
            match ctx.mode {
                Mode::Quiet => output::line(new.secret.expose_secret()),
                Mode::Json | Mode::Csv => {
                    let mut value = key_json(&new)?;
                    value["previous"] = json!({ "id": old.id, "redacted": old.redacted, "revoked_at": old.revoked_at });
                    if ctx.mode == Mode::Json {
                        output::json(&value)
                    } else {
                        output::csv_of(&[value])
                    }
                }
                Mode::Table | Mode::Wide => {
                    output::line(new.secret.expose_secret())?;
                    output::note(
                        ctx.mode,
                        &format!(
                            "Rotated {} to {}. The old key stops working at {}. Save the new key now: it will not be shown again.",
                            old.id,
                            new.info.id,
                            output::opt_time(old.revoked_at)
                        ),
                    );
                    Ok(())
                }
            }
        }
        KeyCommand::Prune { older_than, dry_run } => {
            let pruned = if dry_run {
                store.prunable_keys(&org.id, older_than)?
            } else {
                store.prune_keys(&org.id, older_than)?
            };
            let names = ctx.names(&store, &org.id, false)?;
            if !pruned.is_empty() || !ctx.mode.human() {
                output::list(ctx.mode, &names, &pruned)?;
            }
            let n = output::count(pruned.len() as i64, "revoked or expired key", "revoked or expired keys");
            let what =
                if dry_run { format!("Would prune {n} (dry run: nothing removed).") } else { format!("Pruned {n}.") };
            output::note(ctx.mode, &what);
            Ok(())
        }
        KeyCommand::Verify(_) => Ok(()),
    }
}

/// How far ahead `key list` on a terminal warns about keys that end by themselves.
const ENDING_SOON: i64 = 7 * 86_400;

/// One stderr line after a listing on a terminal when a live key ends within a week.
fn ending_soon_note(keys: &[KeyInfo]) {
    let ending = keys
        .iter()
        .filter(|k| k.status == KeyStatus::Active && k.expires_in_seconds.is_some_and(|s| s <= ENDING_SOON))
        .count();
    if ending > 0 {
        let what = if ending == 1 { "1 live key ends" } else { &format!("{ending} live keys end") };
        output::note(Mode::Table, &format!("note: {what} within 7 days; see `keyctl key list --expiring-within 7d`"));
    }
}

fn key_json(key: &NewKey) -> Result<serde_json::Value> {
    let mut value = output::to_value(&key.info)?;
    value["key"] = json!(key.secret.expose_secret());
    Ok(value)
}

fn print_new_keys(ctx: &Ctx, store: &keyctl::Store, keys: &[NewKey]) -> Result<()> {
    match ctx.mode {
        Mode::Quiet => keys.iter().try_for_each(|k| output::line(k.secret.expose_secret())),
        Mode::Json if keys.len() == 1 => output::json(&key_json(&keys[0])?),
        Mode::Json => keys.iter().try_for_each(|k| output::json_line(&key_json(k)?)),
        Mode::Csv => output::csv_of(&keys.iter().map(key_json).collect::<Result<Vec<_>>>()?),
        Mode::Table | Mode::Wide if keys.len() == 1 => {
            let k = &keys[0];
            let names = ctx.names(store, &k.info.org_id, false)?;
            output::line(k.secret.expose_secret())?;
            output::note(
                ctx.mode,
                &format!(
                    "Created key {} in project {} (permission {}, expires {}). Save it now: it will not be shown again.",
                    k.info.id,
                    names.of(&k.info.project_id),
                    k.info.permission,
                    k.info.expires_at.map_or("never".into(), output::time)
                ),
            );
            Ok(())
        }
        Mode::Table | Mode::Wide => {
            let rows: Vec<Vec<String>> =
                keys.iter().map(|k| vec![k.info.id.clone(), k.secret.expose_secret().to_owned()]).collect();
            output::table(&["ID", "KEY"], &rows)?;
            output::note(
                ctx.mode,
                &format!("Created {} keys. Save them now: they will not be shown again.", keys.len()),
            );
            Ok(())
        }
    }
}

/// One key's card (the same for show, update and revoke), or its JSON / CSV / id.
fn show(ctx: &Ctx, store: &keyctl::Store, key: &KeyInfo) -> Result<()> {
    let names = ctx.names(store, &key.org_id, false)?;
    output::object(ctx.mode, &names, key)
}

/// Longest line `verify` reads; anything longer is answered MALFORMED without being kept.
const MAX_LINE: usize = 4096;

/// A buffered reader whose buffer is zeroized when dropped, so the keys read through it
/// leave no copy in freed memory. Its reads are larger than stdin's own buffer, which std
/// then bypasses: the bytes go from the kernel straight into this buffer.
struct ZeroizingReader<R> {
    inner: R,
    buf: zeroize::Zeroizing<Vec<u8>>,
    pos: usize,
    filled: usize,
}

impl<R: std::io::Read> ZeroizingReader<R> {
    fn new(inner: R) -> Self {
        ZeroizingReader { inner, buf: zeroize::Zeroizing::new(vec![0; 64 * 1024]), pos: 0, filled: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for ZeroizingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: std::io::Read> BufRead for ZeroizingReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.filled = self.inner.read(&mut self.buf)?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        let end = (self.pos + amount).min(self.filled);
        // Consumed bytes (a key, once copied out) do not wait in the buffer to be overwritten.
        zeroize::Zeroize::zeroize(&mut self.buf[self.pos..end]);
        self.pos = end;
    }
}

/// Reads one line of at most `MAX_LINE` bytes. Returns `None` at end of input, and
/// `Some(None)` for a line that was too long or not UTF-8 (its bytes are discarded).
fn read_key_line(input: &mut impl BufRead) -> Result<Option<Option<keyctl::SecretString>>> {
    // Room for the longest line up front: a growing Vec would leave copies behind.
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(MAX_LINE + 2));
    let n = input
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::io("cannot read stdin", e))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
        // Skip the rest of an over-long line.
        let mut sink = zeroize::Zeroizing::new(Vec::with_capacity(64 * 1024 + 1));
        loop {
            sink.clear();
            let m = input
                .by_ref()
                .take(64 * 1024)
                .read_until(b'\n', &mut sink)
                .map_err(|e| Error::io("cannot read stdin", e))?;
            if m == 0 || sink.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(None));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(std::str::from_utf8(&buf).ok().map(keyctl::SecretString::from)))
}

const MALFORMED_INPUT: &str = "\u{0}";

/// The key to verify: from `--from-env`, a hidden prompt when stdin is a terminal, or the
/// first line of stdin. `None`: input that cannot be a key (not UTF-8, or too long), which
/// answers MALFORMED.
fn verify_input(args: &VerifyArgs) -> Result<Option<keyctl::SecretString>> {
    if args.from_env.is_none() && std::io::stdin().is_terminal() {
        // Nothing piped: ask for it, without echo, rather than wait silently.
        return super::unlock::prompt("API key to verify: ").map(Some);
    }
    Ok(match &args.from_env {
        Some(var) => match std::env::var(var) {
            Ok(v) => Some(keyctl::SecretString::new(v)),
            Err(std::env::VarError::NotUnicode(_)) => None,
            Err(std::env::VarError::NotPresent) => {
                return Err(Error::Usage(format!("environment variable {var:?} is not set")));
            }
        },
        None => match read_key_line(&mut ZeroizingReader::new(std::io::stdin().lock()))? {
            Some(line) => line,
            None => return Err(Error::Usage("no key on stdin (pipe the key in, or use --from-env VAR)".into())),
        },
    })
}

fn verify(ctx: &Ctx, store: &keyctl::Store, args: &VerifyArgs, key: Option<keyctl::SecretString>) -> Result<()> {
    let outcome = store.verifier().verify(&verify_request(args, key))?;
    match ctx.mode {
        Mode::Quiet => {}
        Mode::Json => output::json(&outcome)?,
        Mode::Csv => output::csv_of(&[&outcome])?,
        Mode::Table | Mode::Wide => output::line(&verdict_line(&outcome))?,
    }
    if outcome.valid {
        Ok(())
    } else {
        // `-q` promises silence, and JSON or CSV already carry the code: exit 10 with an
        // empty message, which `main` does not print. A table run also says it on stderr.
        let said = if ctx.mode.human() { format!("key rejected: {}", outcome.code.as_str()) } else { String::new() };
        Err(Error::Rejected(said))
    }
}

fn verdict_line(outcome: &VerifyOutcome) -> String {
    match &outcome.key {
        Some(k) => format!(
            "{} {} project={} owner={} permission={}",
            outcome.code.as_str(),
            k.key_id,
            k.project_id,
            output::sanitize(&k.owner.name),
            k.permission.map_or("-", |p| p.as_str())
        ),
        None => outcome.code.as_str().to_owned(),
    }
}

/// One JSON line out per line in, for a co-process: each answer is written as soon as no
/// more input is waiting. A reader thread feeds the lines, so that an idle stream still
/// writes its recorded uses within a fraction of a second. A tampered row answers an error
/// line and the stream goes on.
fn verify_stream(store: &keyctl::Store, args: &VerifyArgs) -> Result<()> {
    use std::sync::mpsc;

    let (tx, rx) = mpsc::sync_channel::<Result<Option<keyctl::SecretString>>>(1024);
    std::thread::spawn(move || {
        let mut input = ZeroizingReader::new(std::io::stdin().lock());
        loop {
            let line = read_key_line(&mut input);
            let stop = !matches!(line, Ok(Some(_)));
            let item = match line {
                Ok(Some(key)) => Ok(key),
                Ok(None) => break,
                Err(e) => Err(e),
            };
            if tx.send(item).is_err() || stop {
                break;
            }
        }
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut verifier = store.batched_verifier();
    let write_err = |e| Error::io("cannot write to stdout", e);
    loop {
        let first = match rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(line) => line?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Idle: write the uses recorded so far.
                verifier.flush()?;
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        // Lines already waiting are answered together, in one write transaction.
        let mut lines = vec![first];
        while lines.len() < STREAM_BATCH {
            match rx.try_recv() {
                Ok(line) => lines.push(line?),
                Err(_) => break,
            }
        }
        if lines.len() == 1 {
            answer_line(&mut verifier, args, lines.pop().flatten(), &mut out)?;
        } else {
            let requests: Vec<VerifyRequest> = lines.into_iter().map(|l| verify_request(args, l)).collect();
            for result in verifier.verify_batch(&requests)? {
                write_answer(result, &mut out)?;
            }
        }
        out.flush().map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    verifier.flush()
}

/// The most stream lines answered in one write transaction.
const STREAM_BATCH: usize = 1024;

/// The request for one key (or a line that was not readable as one) with the command's
/// requirements, client IP, cost and recording choice.
fn verify_request(args: &VerifyArgs, line: Option<keyctl::SecretString>) -> VerifyRequest {
    let key = line.unwrap_or_else(|| keyctl::SecretString::from(MALFORMED_INPUT));
    let request = VerifyRequest::new(key)
        .require_all(&args.require)
        .client_ip(args.client_ip)
        .cost(args.cost.unwrap_or_default());
    if args.no_record {
        request.no_record()
    } else {
        request
    }
}

/// Verifies one stream line and writes its JSON answer.
fn answer_line(
    verifier: &mut keyctl::Verifier<'_>,
    args: &VerifyArgs,
    line: Option<keyctl::SecretString>,
    out: &mut impl Write,
) -> Result<()> {
    let result = verifier.verify(&verify_request(args, line));
    write_answer(result, out)
}

/// One JSON line: the verdict, or an error line for a tampered row (the stream goes on).
fn write_answer(result: Result<VerifyOutcome>, out: &mut impl Write) -> Result<()> {
    let text = match result {
        Ok(outcome) => serde_json::to_string(&outcome).map_err(Error::json("the output"))?,
        Err(e @ Error::Integrity(_)) => {
            json!({ "valid": false, "code": "INTEGRITY_ERROR", "error": e.to_string() }).to_string()
        }
        Err(e) => return Err(e),
    };
    out.write_all(text.as_bytes())
        .and_then(|_| out.write_all(b"\n"))
        .map_err(|e| Error::io("cannot write to stdout", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lines_leave_no_copy_in_the_read_buffer() {
        let key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK";
        let input = format!("{key}\nsecond\n");
        let mut reader = ZeroizingReader::new(input.as_bytes());
        let line = read_key_line(&mut reader).unwrap().unwrap().unwrap();
        assert_eq!(line.expose_secret(), key);
        assert!(!reader.buf.windows(key.len()).any(|w| w == key.as_bytes()), "the key is still in the buffer");
        assert_eq!(read_key_line(&mut reader).unwrap().unwrap().unwrap().expose_secret(), "second");
        assert!(read_key_line(&mut reader).unwrap().is_none());
    }
}
