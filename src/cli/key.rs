//! `keyctl key ...`: issue, list, update, revoke, rotate, prune and verify API keys.

use std::io::{BufRead, IsTerminal, Read, Write};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use keyctl::{
    Amount, Cidr, Duration, Error, Expiry, KeyCreate, KeyFilter, KeyInfo, KeyLimits, KeyStatus, KeyUpdate, NewKey,
    Permission, Refill, Result, Scope, VerifyOutcome, VerifyRequest,
};
use serde_json::json;

use super::{output, Ctx, OutputFormat};

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
    /// Absolute expiry (RFC 3339)
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
        #[arg(long, value_name = "PERM")]
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
        #[arg(long)]
        project: Option<String>,
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
    Show { key: String },
    /// Change a key's name, permission, scopes or expiry
    #[command(
        after_help = "Examples:\n  keyctl key update key_123 --permission readonly\n  keyctl key update ci-deploy --scope models:read --ttl 1h"
    )]
    Update {
        key: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "PERM")]
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
        key: String,
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Turn a disabled key back on
    #[command(after_help = "Examples:\n  keyctl key enable key_0123456789abcdef")]
    Enable { key: String },
    /// Revoke a key at once
    #[command(
        after_help = "Examples:\n  keyctl key revoke key_0123456789abcdef --reason \"leaked in a log\"\n  keyctl key revoke deploy --all   # a rotated key in its grace and its successor"
    )]
    Revoke {
        key: String,
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
        key: String,
        /// How long the old key keeps working
        #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
        grace: Duration,
    },
    /// Delete revoked and expired keys whose end is older than --older-than
    #[command(after_help = "Examples:\n  keyctl key prune --older-than 30d\n  keyctl key prune -o json")]
    Prune {
        #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
        older_than: Duration,
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
    let store = ctx.open()?;
    if let KeyCommand::Verify(args) = cmd {
        return verify(ctx, &store, args);
    }
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
            print_new_keys(ctx, &keys)
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
            output::list(ctx.output, &keys)?;
            if ctx.output == OutputFormat::Table && !ctx.quiet && std::io::stdout().is_terminal() {
                ending_soon_note(&keys);
            }
            Ok(())
        }
        KeyCommand::Show { key } => show(ctx, &store.show_key(&org.id, &key)?),
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
            show(ctx, &store.update_key(&org.id, &key, &update)?)
        }
        KeyCommand::Disable { key, reason } => {
            let info = store.disable_key(&org.id, &key, reason.as_deref())?;
            if ctx.quiet {
                return Ok(());
            }
            show(ctx, &info)
        }
        KeyCommand::Enable { key } => {
            let info = store.enable_key(&org.id, &key)?;
            if ctx.quiet {
                return Ok(());
            }
            show(ctx, &info)
        }
        KeyCommand::Revoke { key, reason, all } => {
            let revoked = store.revoke_keys(&org.id, &key, reason.as_deref(), all)?;
            // Always on stderr, so a script sees which key a name meant.
            let ids: Vec<&str> = revoked.iter().map(|k| k.id.as_str()).collect();
            output::note(false, &format!("Revoked {}.", ids.join(", ")));
            match revoked.as_slice() {
                _ if ctx.quiet => Ok(()),
                [one] if !all => show(ctx, one),
                many => output::list(ctx.output, many),
            }
        }
        KeyCommand::Rotate { key, grace } => {
            let (new, old) = store.rotate_key(&org.id, &key, grace)?;
            match ctx.output {
                _ if ctx.quiet => output::line(new.secret.expose_secret()),
                OutputFormat::Json => {
                    let mut value = key_json(&new)?;
                    value["previous"] = json!({ "id": old.id, "redacted": old.redacted, "revoked_at": old.revoked_at });
                    output::json(&value)
                }
                _ => {
                    output::line(new.secret.expose_secret())?;
                    output::note(
                        ctx.quiet,
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
        KeyCommand::Prune { older_than } => {
            let pruned = store.prune_keys(&org.id, older_than)?;
            if ctx.output == OutputFormat::Json {
                return output::json(&pruned);
            }
            output::note(ctx.quiet, &format!("Pruned {} revoked or expired keys.", pruned.len()));
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
        output::note(false, &format!("note: {what} within 7 days; see `keyctl key list --expiring-within 7d`"));
    }
}

fn key_json(key: &NewKey) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(&key.info).map_err(Error::json("the output"))?;
    value["key"] = json!(key.secret.expose_secret());
    Ok(value)
}

fn print_new_keys(ctx: &Ctx, keys: &[NewKey]) -> Result<()> {
    // `-q` wins over the output format: `KEY=$(keyctl key create -q)` must capture only
    // the key, whatever KEYCTL_OUTPUT says.
    match ctx.output {
        _ if ctx.quiet => keys.iter().try_for_each(|k| output::line(k.secret.expose_secret())),
        OutputFormat::Json if keys.len() == 1 => output::json(&key_json(&keys[0])?),
        OutputFormat::Json => keys.iter().try_for_each(|k| output::json_line(&key_json(k)?)),
        OutputFormat::Csv => {
            let rows: Vec<Vec<String>> =
                keys.iter().map(|k| vec![k.info.id.clone(), k.secret.expose_secret().to_owned()]).collect();
            output::line("id,key")?;
            rows.iter().try_for_each(|r| output::line(&r.join(",")))
        }
        OutputFormat::Table if keys.len() == 1 => {
            let k = &keys[0];
            output::line(k.secret.expose_secret())?;
            output::note(
                false,
                &format!(
                    "Created key {} in project {} (permission {}, expires {}). Save it now: it will not be shown again.",
                    k.info.id,
                    k.info.project_id,
                    k.info.permission,
                    output::opt_time(k.info.expires_at)
                ),
            );
            Ok(())
        }
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> =
                keys.iter().map(|k| vec![k.info.id.clone(), k.secret.expose_secret().to_owned()]).collect();
            output::table(&["ID", "KEY"], &rows)?;
            output::note(false, &format!("Created {} keys. Save them now: they will not be shown again.", keys.len()));
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, key: &KeyInfo) -> Result<()> {
    if ctx.output != OutputFormat::Table {
        return output::object(ctx.output, key);
    }
    let mut pairs: Vec<(String, String)> = vec![
        ("id".into(), key.id.clone()),
        ("name".into(), key.name.clone().unwrap_or_else(|| "-".into())),
        ("key".into(), key.redacted.clone()),
        ("project".into(), key.project_id.clone()),
        ("owner".into(), format!("{} ({} {})", key.owner.name, key.owner.kind, key.owner.id)),
        ("permission".into(), key.permission.to_string()),
        ("scopes".into(), key.scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")),
        ("status".into(), key.status_label().into()),
        ("created".into(), output::time(key.created_at)),
        ("expires".into(), output::opt_time(key.expires_at)),
        ("revoked".into(), output::opt_time(key.revoked_at)),
        ("ends".into(), output::opt_time(key.ends_at)),
        ("last used".into(), output::opt_time(key.last_used_at)),
    ];
    if let Some(reason) = &key.revoke_reason {
        pairs.push(("revoke reason".into(), reason.clone()));
    }
    if let Some(at) = key.disabled_at {
        let why = key.disable_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        pairs.push(("disabled".into(), format!("{}{why}", output::time(at))));
    }
    if let Some(s) = &key.successor_id {
        pairs.push(("successor".into(), s.clone()));
    }
    if let Some(p) = &key.predecessor_id {
        pairs.push(("predecessor".into(), p.clone()));
    }
    if let Some(x) = &key.external_id {
        pairs.push(("external id".into(), x.clone()));
    }
    for (k, v) in &key.meta {
        pairs.push((format!("meta.{k}"), v.clone()));
    }
    let limit = |n: Option<u64>| n.map_or("-".to_owned(), |n| n.to_string());
    pairs.push(("rpm".into(), limit(key.rpm)));
    pairs.push(("uses".into(), format!("{} of {}", key.uses, limit(key.max_uses))));
    if let (Some(remaining), Some(max)) = (key.remaining, key.max_uses) {
        let period = match key.refill {
            Some(Refill::Daily) => " today (refills daily, UTC)",
            Some(Refill::Monthly) => " this month (refills monthly, UTC)",
            None => "",
        };
        pairs.push(("remaining".into(), format!("{remaining} of {max}{period}")));
    }
    if !key.allow_ip.is_empty() {
        pairs.push(("allow ip".into(), key.allow_ip.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")));
    }
    pairs.push(("this month".into(), format!("{} requests, cost {}", key.this_month.requests, key.this_month.cost)));
    output::fields(pairs)
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

fn verify(ctx: &Ctx, store: &keyctl::Store, args: VerifyArgs) -> Result<()> {
    if args.stream {
        return verify_stream(store, &args);
    }
    // `None`: input that cannot be a key (not UTF-8, or too long) answers MALFORMED.
    let key = match &args.from_env {
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
    };
    let outcome = store.verifier().verify(&verify_request(&args, key))?;
    match ctx.output {
        _ if ctx.quiet => {}
        OutputFormat::Json => output::json(&outcome)?,
        _ => output::line(&verdict_line(&outcome))?,
    }
    if outcome.valid {
        Ok(())
    } else {
        Err(Error::Rejected(format!("key rejected: {}", outcome.code.as_str())))
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
