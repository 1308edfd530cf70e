//! The command line: the clap definition, and one module per command group that parses,
//! calls the library and hands the result to `output`. No SQL and no rules live here.

mod agent;
mod audit;
mod config;
mod key;
pub mod lines;
mod man;
mod member;
mod org;
pub mod output;
mod project;
mod scan;
mod serve;
mod service_account;
mod store;
mod unlock;
mod usage;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use keyctl::{Error, Org, Result, Store};
use unlock::UnlockArgs;

pub use output::{Mode, OutputFormat};

const EXAMPLES: &str = "\
Examples:
  keyctl init --org acme --owner ada@example.com
  keyctl project create billing-api
  keyctl key create --project billing-api --permission restricted --scope models:read
  echo \"$KEY\" | keyctl key verify --require models:read -o json";

/// Manage organizations, projects, API keys, service accounts and roles in a local
/// encrypted store, and verify the keys your API receives.
#[derive(Debug, Parser)]
#[command(
    name = "keyctl",
    version,
    about,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}{}", man::help_sections()),
    propagate_version = true
)]
pub struct Cli {
    /// The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass)
    /// [default: <data dir>/keyctl/keyctl.db]
    #[arg(long, global = true, help_heading = "Global options", env = "KEYCTL_STORE", value_name = "PATH|URL")]
    pub store: Option<std::ffi::OsString>,

    /// The organization to work in (id or name) [default: config, else the only org]
    #[arg(long, global = true, help_heading = "Global options", env = "KEYCTL_ORG", value_name = "ORG")]
    pub org: Option<String>,

    /// Output format
    #[arg(short, long, global = true, help_heading = "Global options", env = "KEYCTL_OUTPUT", value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// Print only the essential value (e.g. the new key)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,

    /// Confirm destructive actions without asking
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub yes: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store with its first organization (named by --org NAME) and default project
    #[command(
        after_help = "Examples:\n  keyctl init\n  keyctl init --org acme --owner ada@example.com\n  KEYCTL_PASSPHRASE_FILE=~/.keyctl-pass keyctl init --personal"
    )]
    Init(store::InitArgs),
    /// Keep the store unlocked for a while (a background agent holds the key in memory)
    #[command(
        after_help = "Examples:\n  keyctl unlock              # asks once, then commands need no passphrase for 15m\n  keyctl unlock --for 1h\n  keyctl lock"
    )]
    Unlock(UnlockArgs),
    /// End the unlock agent for this store (at once; later commands ask again)
    #[command(after_help = "Examples:\n  keyctl lock")]
    Lock,
    /// The unlock agent itself (started by `keyctl unlock`)
    #[command(name = "__agent", hide = true)]
    Agent {
        #[arg(long)]
        socket: PathBuf,
        #[arg(long)]
        seconds: i64,
    },
    /// Inspect and maintain the store: unlock slots, integrity
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  keyctl store info\n  keyctl store add-key ci -q\n  keyctl store check")]
    Store(store::StoreCommand),
    /// Manage organizations
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  keyctl org create acme\n  keyctl org list -o json\n  keyctl org use acme")]
    Org(org::OrgCommand),
    /// Manage projects
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  keyctl project create billing-api\n  keyctl project list --all\n  keyctl project archive old-api"
    )]
    Project(project::ProjectCommand),
    /// Manage members and their roles
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  keyctl member add bob@example.com --role readonly\n  keyctl member list --project billing-api"
    )]
    Member(member::MemberCommand),
    /// Manage service accounts (machine principals of one project)
    #[command(subcommand, name = "service-account", visible_alias = "sa")]
    #[command(after_help = "Examples:\n  keyctl sa create deployer --project billing-api\n  keyctl sa list")]
    ServiceAccount(service_account::ServiceAccountCommand),
    /// Issue, inspect, rotate, revoke and verify API keys
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  keyctl key create --project billing-api\n  keyctl key list --status all\n  echo \"$KEY\" | keyctl key verify"
    )]
    Key(key::KeyCommand),
    /// Report requests and cost by day, key or project
    Usage(usage::UsageArgs),
    /// Read and verify the audit log
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  keyctl audit list --action key\n  keyctl audit verify")]
    Audit(audit::AuditCommand),
    /// Find keys in files and say which are live in this store (exit 10 if any)
    Scan(scan::ScanArgs),
    /// Verify keys over HTTP: a JSON route for API servers, forward-auth for reverse proxies
    #[command(
        after_help = "Examples:\n  KEYCTL_STORE_KEY=... keyctl serve\n  KEYCTL_SERVE_TOKEN=... keyctl serve --listen 0.0.0.0:8700\n  curl -s localhost:8700/v1/keys/verify -d '{\"key\":\"sk-proj-...\",\"require\":[\"models:read\"]}'"
    )]
    Serve(serve::ServeArgs),
    /// Print the man page (or write every page with --out-dir)
    #[command(after_help = "Examples:\n  keyctl man | man -l -\n  keyctl man --out-dir /usr/local/share/man/man1")]
    Man {
        /// Write keyctl.1 and one page per subcommand (keyctl-key-create.1, ...) here
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  keyctl completions bash > ~/.local/share/bash-completion/completions/keyctl\n  keyctl completions zsh > \"${fpath[1]}/_keyctl\""
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What every command needs besides its own arguments.
pub struct Ctx {
    pub store: keyctl::StoreLocation,
    pub org: Option<String>,
    /// How the result is shown: settled here, once, for every command.
    pub mode: Mode,
    pub yes: bool,
    pub config: config::Config,
}

impl Ctx {
    fn new(cli: &Cli) -> Result<Ctx> {
        let config = config::Config::load()?;
        let output = match cli.output {
            Some(o) => o,
            None => match config.output.as_deref() {
                Some(o) => OutputFormat::from_str(o, true).map_err(|_| {
                    Error::invalid(format!("config: output {o:?} is not one of table, wide, json, csv"))
                })?,
                None => OutputFormat::Table,
            },
        };
        // A URL is text; a path is whatever bytes the file system allows.
        let store = match cli.store.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => match s.to_str() {
                Some(text) => keyctl::StoreLocation::parse(text)?,
                None => PathBuf::from(s).into(),
            },
            None => config::default_store_path()?.into(),
        };
        if let keyctl::StoreLocation::Postgres(pg) = &store {
            if pg.has_password() && store_on_command_line() {
                return Err(Error::Usage(
                    "a password in --store would show in the process list; put it in PGPASSWORD, ~/.pgpass (PGPASSFILE) or KEYCTL_STORE instead".into(),
                ));
            }
        }
        Ok(Ctx { store, org: cli.org.clone(), mode: Mode::new(cli.quiet, output), yes: cli.yes, config })
    }

    /// Opens and unlocks the store with the first available secret source, and checks it
    /// against this machine's rollback anchor.
    pub fn open(&self) -> Result<Store> {
        self.open_unanchored()?.with_anchor(&config::state_dir()?)
    }

    /// Opens the store without the anchor check, for `store check`, which reports it.
    pub fn open_unanchored(&self) -> Result<Store> {
        self.require_store()?;
        Ok(unlock::open(&self.store)?.with_max_ttl(self.config.max_ttl()).with_clock(clock()))
    }

    /// Refuses early (exit 3) when no store file is there; a server's store is judged when
    /// it is opened.
    pub fn require_store(&self) -> Result<()> {
        match self.store.as_path() {
            Some(p) if !p.exists() => Err(Error::NoStore(self.store.clone())),
            _ => Ok(()),
        }
    }

    /// The org this command works in.
    pub fn org(&self, store: &Store) -> Result<Org> {
        store.select_org(self.org.as_deref(), self.config.default_org.as_deref())
    }

    /// Names for the ids a table of this org shows (projects, and keys with `keys`); empty
    /// when the output is not a table, where ids are what is shown.
    pub fn names(&self, store: &Store, org_id: &str, keys: bool) -> Result<output::Names> {
        let mut names = output::Names::default();
        if !self.mode.human() {
            return Ok(names);
        }
        for p in store.list_projects(org_id, keyctl::Archived::Include)? {
            names.insert(&p.id, &p.name);
        }
        if keys {
            for (id, name) in store.key_names(org_id)? {
                names.insert(&id, &name);
            }
        }
        Ok(names)
    }

    /// Asks before a destructive action: `--yes`, or the user types `expected` on a
    /// terminal. A non-interactive run without `--yes` is refused.
    pub fn confirm(&self, action: &str, expected: &str) -> Result<()> {
        if self.yes {
            return Ok(());
        }
        if !unlock::terminal() {
            return Err(Error::Usage(format!("refusing to {action} without confirmation; pass --yes")));
        }
        // Asked on the terminal, whatever stdin is (`git diff | keyctl scan - --revoke`).
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|e| Error::io("cannot open the terminal", e))?;
        let mut writer = &tty;
        write!(writer, "This will {action}. Type {expected:?} to confirm: ")
            .map_err(|e| Error::io("cannot write to the terminal", e))?;
        let mut line = String::new();
        std::io::BufReader::new(&tty).read_line(&mut line).map_err(|e| Error::io("cannot read the confirmation", e))?;
        if line.trim() == expected {
            Ok(())
        } else {
            Err(Error::refused("confirmation did not match; nothing was changed"))
        }
    }
}

/// Whether `--store` was given as an argument (rather than by `KEYCTL_STORE`): what is in
/// argv, every user of the machine can read.
fn store_on_command_line() -> bool {
    std::env::args_os().any(|a| a == "--store" || a.as_encoded_bytes().starts_with(b"--store="))
}

/// No core dump of this process, whatever the shell's limits: its memory holds the data
/// key and the secrets it reads. Not dumpable also keeps other processes of the user from
/// attaching a debugger. Best effort: an OS that refuses leaves the defaults.
fn no_core_dumps() {
    use rustix::process::{set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit};
    let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    let _ = setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) });
}

pub fn run(cli: Cli) -> Result<()> {
    no_core_dumps();
    if let Command::Completions { shell } = cli.command {
        let mut cmd = completion_command();
        clap_complete::generate(shell, &mut cmd, "keyctl", &mut std::io::stdout());
        return Ok(());
    }
    if let Command::Man { out_dir } = &cli.command {
        return man::run(out_dir.as_deref());
    }
    if let Command::Agent { socket, seconds } = &cli.command {
        return agent::serve(socket, *seconds);
    }
    let ctx = Ctx::new(&cli)?;
    match cli.command {
        Command::Init(args) => store::init(&ctx, args),
        Command::Unlock(args) => unlock::unlock(&ctx, args),
        Command::Lock => unlock::lock(&ctx),
        Command::Store(cmd) => store::run(&ctx, cmd),
        Command::Org(cmd) => org::run(&ctx, cmd),
        Command::Project(cmd) => project::run(&ctx, cmd),
        Command::Member(cmd) => member::run(&ctx, cmd),
        Command::ServiceAccount(cmd) => service_account::run(&ctx, cmd),
        Command::Key(cmd) => key::run(&ctx, cmd),
        Command::Usage(args) => usage::run(&ctx, args),
        Command::Audit(cmd) => audit::run(&ctx, cmd),
        Command::Scan(args) => scan::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Completions { .. } | Command::Man { .. } | Command::Agent { .. } => Ok(()),
    }
}

type PermissionParser = clap::builder::TryMapValueParser<
    clap::builder::PossibleValuesParser,
    fn(String) -> std::result::Result<keyctl::Permission, Error>,
>;

/// The one vocabulary of roles and permissions, as a parser that lists its values (so
/// `--help` and completions offer them).
pub fn permission_parser() -> PermissionParser {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["all", "restricted", "readonly"]).try_map(|s| s.parse())
}

/// The CLI definition as completions see it: values that are names (projects, members,
/// keys...) complete as plain words, never as file names; paths stay paths.
pub fn completion_command() -> clap::Command {
    fn adjust(cmd: clap::Command) -> clap::Command {
        let cmd = cmd.mut_args(|arg| {
            let takes_value = arg.get_action().takes_values();
            let is_path = arg
                .get_value_names()
                .is_some_and(|names| names.iter().any(|n| n.as_str().contains("PATH") || n.as_str().contains("DIR")));
            if takes_value && !is_path && arg.get_value_hint() == clap::ValueHint::Unknown {
                arg.value_hint(clap::ValueHint::Other)
            } else {
                arg
            }
        });
        let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_owned()).collect();
        names.into_iter().fold(cmd, |cmd, name| cmd.mut_subcommand(name, adjust))
    }
    adjust(Cli::command())
}

/// A time as people type it: RFC 3339, a plain date (midnight UTC) or a duration meaning
/// that long ago (`--since 1h`). The one parser every `--since`/`--until` uses.
pub fn parse_when(s: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, Error> {
    keyctl::domain::parse_time_or_ago(s, clock().now())
}

/// Where "now" comes from for this process. Debug builds (the test suite) may pin it with
/// `KEYCTL_TEST_NOW` (seconds since the epoch), so tests move time instead of sleeping;
/// release builds ignore that variable and always use the system clock.
pub fn clock() -> std::sync::Arc<dyn keyctl::Clock> {
    #[cfg(debug_assertions)]
    if let Some(secs) = std::env::var("KEYCTL_TEST_NOW").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
        if let Some(t) = chrono::DateTime::from_timestamp(secs, 0) {
            return std::sync::Arc::new(keyctl::FixedClock(t));
        }
    }
    std::sync::Arc::new(keyctl::SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let id = arg.get_id().as_str();
                let option = arg.get_long().is_some();
                if option && arg.get_help().is_none() && !matches!(id, "help" | "version") {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help" && !s.is_hide_set()) {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "keyctl", &mut missing);
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }

    #[test]
    fn every_command_shows_examples_in_its_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let has = cmd.get_after_help().is_some_and(|h| h.to_string().contains("Examples:"));
            if !has {
                missing.push(path.to_owned());
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help" && !s.is_hide_set()) {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "keyctl", &mut missing);
        assert!(missing.is_empty(), "commands without examples in --help: {missing:?}");
    }
}
