//! The one place that draws output: tables (comfy-table), JSON (serde) and CSV, and every
//! table's columns. How a command's result is shown is settled once, when the context is
//! built ([`Mode`]), never re-decided per command. Cells are sanitized so that no control
//! character or terminal escape from stored data reaches the terminal raw. Colour only when
//! stdout is a terminal and `NO_COLOR` is unset.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use comfy_table::{presets, Attribute, Cell, ContentArrangement, Table};
use keyctl::{AuditEntry, Error, KeyInfo, Member, Org, Project, Result, ServiceAccount, SlotInfo, UsageLine};
use serde::Serialize;
use serde_json::Value;

/// What `-o` / `KEYCTL_OUTPUT` / the config's `output` may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Columns that fit a 100-column terminal, names rather than ids
    Table,
    /// Every column, with ids and full times
    Wide,
    /// One JSON document (lists are arrays)
    Json,
    /// A header of JSON field names, then one row per object
    Csv,
}

/// How this run shows its result, settled once from `-q` and the output format: `-q` wins
/// over any format (`KEY=$(keyctl key create -q)` must capture only the key, whatever
/// `KEYCTL_OUTPUT` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only the essential value (the new secret, the id of what changed, ids of a list), or
    /// nothing at all; no notes on stderr.
    Quiet,
    Json,
    Csv,
    Table,
    Wide,
}

impl Mode {
    pub fn new(quiet: bool, format: OutputFormat) -> Mode {
        match format {
            _ if quiet => Mode::Quiet,
            OutputFormat::Json => Mode::Json,
            OutputFormat::Csv => Mode::Csv,
            OutputFormat::Table => Mode::Table,
            OutputFormat::Wide => Mode::Wide,
        }
    }

    pub fn quiet(self) -> bool {
        self == Mode::Quiet
    }

    /// A table for humans (narrow or wide).
    pub fn human(self) -> bool {
        matches!(self, Mode::Table | Mode::Wide)
    }
}

/// Display names for ids (projects, members, service accounts), so tables show what people
/// look for; ids stay in JSON, CSV and `-o wide`.
#[derive(Debug, Default)]
pub struct Names(HashMap<String, String>);

impl Names {
    pub fn insert(&mut self, id: &str, name: &str) {
        self.0.insert(id.to_owned(), name.to_owned());
    }

    /// The name for `id`, or the id itself when none is known.
    pub fn of(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

/// Something that can be shown as a row of a table.
pub trait Tabular {
    fn headers(wide: bool) -> Vec<&'static str>;
    fn cells(&self, names: &Names, wide: bool) -> Vec<String>;
    /// What `-q` prints for it: its id.
    fn essential(&self) -> String;
}

/// Whether stdout is a terminal that may be decorated (colour, block characters).
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// An error message as one safe line: control characters escaped, and at most
/// 500 characters (a huge argument is not echoed in full).
pub fn error_line(message: &str) -> String {
    // The one place every error line passes: nothing key-shaped leaves, whatever built it.
    let clean = sanitize(&keyctl::crypto::redact_key_shaped(message));
    match clean.char_indices().nth(500) {
        Some((cut, _)) => format!("{}… ({} more characters)", &clean[..cut], clean[cut..].chars().count()),
        None => clean,
    }
}

use keyctl::domain::is_unprintable;

/// Replaces control characters and bidirectional overrides (see [`is_unprintable`]) with
/// visible escapes.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(is_unprintable) {
        return s.to_owned();
    }
    s.chars().map(|c| if is_unprintable(c) { c.escape_default().to_string() } else { c.to_string() }).collect()
}

fn write_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|_| out.flush()).map_err(|e| Error::io("cannot write to stdout", e))
}

pub fn line(text: &str) -> Result<()> {
    write_out(&format!("{text}\n"))
}

/// A note for humans on stderr (never data; suppressed by `--quiet`).
pub fn note(mode: Mode, text: &str) {
    if !mode.quiet() {
        eprintln!("{text}");
    }
}

/// A count with its noun, singular or plural: "1 request", "3 requests".
pub fn count(n: impl Into<i128>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Progress on stderr for long work, only when stderr is a terminal (never in pipes, logs
/// or CI), redrawn in place and erased at the end.
pub struct Progress {
    what: &'static str,
    /// Below this many items the work is quick: no progress at all.
    min_total: usize,
    shown: bool,
    enabled: bool,
}

impl Progress {
    pub fn new(what: &'static str, min_total: usize) -> Progress {
        Progress { what, min_total, shown: false, enabled: std::io::stderr().is_terminal() }
    }

    pub fn update(&mut self, done: usize, total: usize) {
        if self.enabled && total >= self.min_total {
            eprint!("\r{}: {done} of {total} ({}%)", self.what, done * 100 / total.max(1));
            self.shown = true;
        }
    }

    pub fn finish(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}

pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(Error::json("the output"))
}

pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(Error::json("the output"))?;
    line(&text)
}

/// One compact JSON document per line (JSON lines).
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string(value).map_err(Error::json("the output"))?;
    line(&text)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The one CSV writer: a header line, then rows; every cell sanitized and quoted as needed.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut text = headers.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
    text.push('\n');
    for row in rows {
        text.push_str(&row.iter().map(|c| csv_field(&sanitize(c))).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    write_out(&text)
}

/// A JSON value as one CSV cell: null is empty, a string as is, a list of plain values
/// space-separated, anything else compact JSON.
fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            items.iter().map(csv_cell).collect::<Vec<_>>().join(" ")
        }
        other => other.to_string(),
    }
}

/// Objects as CSV whose header is their JSON field names (in their JSON order), so a script
/// can switch between `-o json` and `-o csv` freely.
pub fn csv_of<T: Serialize>(items: &[T]) -> Result<()> {
    let values: Vec<Value> = items.iter().map(to_value).collect::<Result<_>>()?;
    let mut headers: Vec<String> = Vec::new();
    for v in &values {
        for k in v.as_object().into_iter().flat_map(|o| o.keys()) {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let rows: Vec<Vec<String>> =
        values.iter().map(|v| headers.iter().map(|h| v.get(h).map(csv_cell).unwrap_or_default()).collect()).collect();
    csv(&headers.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
}

pub fn table(headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    let bold = colour();
    t.set_header(headers.iter().map(|h| {
        let c = Cell::new(h);
        if bold {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }));
    for row in rows {
        t.add_row(row.iter().map(|c| sanitize(c)));
    }
    print_table(&t)
}

/// Writes a drawn table without the padding comfy-table leaves at line ends.
fn print_table(t: &Table) -> Result<()> {
    let text = t.to_string();
    let trimmed: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    line(&trimmed.join("\n"))
}

/// A list: ids (`-q`), a JSON array, CSV with a header, or a table.
pub fn list<T: Tabular + Serialize>(mode: Mode, names: &Names, items: &[T]) -> Result<()> {
    let rows = |wide| items.iter().map(|i| i.cells(names, wide)).collect::<Vec<_>>();
    match mode {
        Mode::Quiet => items.iter().try_for_each(|i| line(&i.essential())),
        Mode::Json => json(items),
        Mode::Csv => csv_of(items),
        Mode::Table => table(&T::headers(false), &rows(false)),
        Mode::Wide => table(&T::headers(true), &rows(true)),
    }
}

/// One object: its id (`-q`), JSON, one CSV row, or its card (a field/value table).
pub fn object<T: Card + Serialize>(mode: Mode, names: &Names, item: &T) -> Result<()> {
    match mode {
        Mode::Quiet => line(&item.essential()),
        Mode::Json => json(item),
        Mode::Csv => csv_of(std::slice::from_ref(item)),
        Mode::Table | Mode::Wide => fields(item.card(names)),
    }
}

/// One object as a vertical field/value table: the same layout whichever command printed it
/// (create, show, update, limits).
pub trait Card: Tabular {
    fn card(&self, names: &Names) -> Vec<(String, String)> {
        Self::headers(true).iter().map(|h| h.to_lowercase()).zip(self.cells(names, true)).collect()
    }
}

/// A vertical field/value table.
pub fn fields(pairs: Vec<(String, String)>) -> Result<()> {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    for (k, v) in pairs {
        t.add_row(vec![sanitize(&k), sanitize(&v)]);
    }
    print_table(&t)
}

pub fn time(t: DateTime<Utc>) -> String {
    keyctl::domain::format_time(t)
}

pub fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(time).unwrap_or_else(|| "-".into())
}

/// A time relative to now for narrow tables: "in 29d", "3h ago", "-" for none.
pub fn ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = t else { return "-".into() };
    let secs = (t - now).num_seconds();
    let span = |s: i64| match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    };
    if secs == 0 {
        "now".into()
    } else if secs > 0 {
        format!("in {}", span(secs))
    } else {
        format!("{} ago", span(-secs))
    }
}

fn opt(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

fn or_dash(s: String) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

fn now() -> DateTime<Utc> {
    super::clock().now()
}

impl Tabular for Org {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["ID", "NAME", "KIND", "CREATED"]
    }
    fn cells(&self, _: &Names, _wide: bool) -> Vec<String> {
        vec![self.id.clone(), self.name.clone(), self.kind.as_str().into(), time(self.created_at)]
    }
    fn essential(&self) -> String {
        self.id.clone()
    }
}
impl Card for Org {}

impl Tabular for Project {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["ID", "NAME", "STATUS", "DEFAULT", "CREATED", "DESCRIPTION"]
    }
    fn cells(&self, _: &Names, _wide: bool) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.status.as_str().into(),
            if self.is_default { "yes" } else { "no" }.into(),
            time(self.created_at),
            opt(self.description.as_deref()),
        ]
    }
    fn essential(&self) -> String {
        self.id.clone()
    }
}

impl Card for Project {
    /// A project with its limits and this month's usage.
    fn card(&self, _: &Names) -> Vec<(String, String)> {
        let limit = |v: Option<String>| v.unwrap_or_else(|| "none".into());
        let l = &self.limits;
        let mut pairs = vec![
            ("id".to_owned(), self.id.clone()),
            ("name".into(), self.name.clone()),
            ("status".into(), self.status.as_str().into()),
            ("default".into(), if self.is_default { "yes" } else { "no" }.into()),
            ("created".into(), time(self.created_at)),
            ("description".into(), opt(self.description.as_deref())),
            ("rpm".into(), limit(l.rpm.map(|n| n.to_string()))),
            ("rpd".into(), limit(l.rpd.map(|n| n.to_string()))),
            ("monthly budget".into(), limit(l.monthly_budget.map(|a| a.to_string()))),
            ("max ttl".into(), limit(l.max_ttl.map(|d| d.to_string()))),
        ];
        if let Some(at) = self.archived_at {
            pairs.insert(3, ("archived".into(), time(at)));
        }
        let m = &self.this_month;
        pairs.push(("this month".into(), format!("{}, cost {}", count(m.requests, "request", "requests"), m.cost)));
        if let Some(left) = m.budget_left {
            pairs.push(("budget left".into(), left.to_string()));
        }
        pairs
    }
}

impl Tabular for KeyInfo {
    fn headers(wide: bool) -> Vec<&'static str> {
        if wide {
            vec![
                "ID",
                "NAME",
                "KEY",
                "PROJECT",
                "OWNER",
                "PERMISSION",
                "SCOPES",
                "STATUS",
                "CREATED",
                "ENDS",
                "LAST USED",
            ]
        } else {
            vec!["ID", "NAME", "PROJECT", "PERMISSION", "STATUS", "ENDS", "LAST USED"]
        }
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        if !wide {
            let now = now();
            return vec![
                self.id.clone(),
                opt(self.name.as_deref()),
                names.of(&self.project_id),
                self.permission.as_str().into(),
                self.status_label().into(),
                ago(self.ends_at, now),
                self.last_used_at.map_or("never".into(), |t| ago(Some(t), now)),
            ];
        }
        let scopes = self.scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        vec![
            self.id.clone(),
            opt(self.name.as_deref()),
            self.redacted.clone(),
            self.project_id.clone(),
            self.owner.name.clone(),
            self.permission.as_str().into(),
            or_dash(scopes),
            self.status_label().into(),
            time(self.created_at),
            opt_time(self.ends_at),
            opt_time(self.last_used_at),
        ]
    }
    fn essential(&self) -> String {
        self.id.clone()
    }
}

impl Card for KeyInfo {
    fn card(&self, names: &Names) -> Vec<(String, String)> {
        let join = |items: Vec<String>| or_dash(items.join(" "));
        let mut pairs: Vec<(String, String)> = vec![
            ("id".into(), self.id.clone()),
            ("name".into(), opt(self.name.as_deref())),
            ("key".into(), self.redacted.clone()),
            ("project".into(), format!("{} ({})", names.of(&self.project_id), self.project_id)),
            ("owner".into(), format!("{} ({} {})", self.owner.name, self.owner.kind, self.owner.id)),
            ("permission".into(), self.permission.to_string()),
            ("scopes".into(), join(self.scopes.iter().map(ToString::to_string).collect())),
            ("status".into(), self.status_label().into()),
            ("created".into(), time(self.created_at)),
            ("expires".into(), self.expires_at.map_or("never".into(), time)),
            ("revoked".into(), opt_time(self.revoked_at)),
            ("ends".into(), opt_time(self.ends_at)),
            ("last used".into(), self.last_used_at.map_or("never".into(), time)),
        ];
        if let Some(reason) = &self.revoke_reason {
            pairs.push(("revoke reason".into(), reason.clone()));
        }
        if let Some(at) = self.disabled_at {
            let why = self.disable_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            pairs.push(("disabled".into(), format!("{}{why}", time(at))));
        }
        if let Some(s) = &self.successor_id {
            pairs.push(("successor".into(), s.clone()));
        }
        if let Some(p) = &self.predecessor_id {
            pairs.push(("predecessor".into(), p.clone()));
        }
        if let Some(x) = &self.external_id {
            pairs.push(("external id".into(), x.clone()));
        }
        for (k, v) in &self.meta {
            pairs.push((format!("meta.{k}"), v.clone()));
        }
        pairs.push(("rpm".into(), self.rpm.map_or("no limit".into(), |n| n.to_string())));
        pairs.push((
            "uses".into(),
            match self.max_uses {
                Some(max) => format!("{} of {max}", self.uses),
                None => format!("{} (no limit)", self.uses),
            },
        ));
        if let (Some(remaining), Some(max)) = (self.remaining, self.max_uses) {
            let period = match self.refill {
                Some(keyctl::Refill::Daily) => " today (refills daily, UTC)",
                Some(keyctl::Refill::Monthly) => " this month (refills monthly, UTC)",
                None => "",
            };
            pairs.push(("remaining".into(), format!("{remaining} of {max}{period}")));
        }
        pairs.push(("allow ip".into(), or_dash(join(self.allow_ip.iter().map(ToString::to_string).collect()))));
        let m = &self.this_month;
        pairs.push(("this month".into(), format!("{}, cost {}", count(m.requests, "request", "requests"), m.cost)));
        pairs
    }
}

impl Tabular for SlotInfo {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["NAME", "TYPE", "ADMIN", "KDF", "ITERATIONS"]
    }
    fn cells(&self, _: &Names, _wide: bool) -> Vec<String> {
        vec![
            self.name.clone(),
            self.kind.into(),
            if self.admin { "yes" } else { "no" }.into(),
            self.kdf.clone(),
            self.iterations.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
        ]
    }
    fn essential(&self) -> String {
        self.name.clone()
    }
}

impl Tabular for AuditEntry {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["ID", "AT", "ACTOR", "ACTION", "TARGET", "PROJECT", "DETAILS"]
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        let project = self.project_id.as_deref().map(|p| if wide { p.to_owned() } else { names.of(p) });
        vec![
            if self.verified { self.id.to_string() } else { format!("{} (UNVERIFIED)", self.id) },
            time(self.at),
            self.actor.clone(),
            self.action.clone(),
            opt(self.target_id.as_deref()),
            opt(project.as_deref()),
            if self.details.as_object().is_some_and(|o| o.is_empty()) { "-".into() } else { self.details.to_string() },
        ]
    }
    fn essential(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for Member {
    fn headers(wide: bool) -> Vec<&'static str> {
        if wide {
            vec!["ID", "EMAIL", "NAME", "ROLE", "PROJECT ROLES", "OWNER", "CREATED"]
        } else {
            vec!["ID", "EMAIL", "NAME", "ROLE", "PROJECT ROLES", "OWNER"]
        }
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        let roles: Vec<String> = self
            .project_roles
            .iter()
            .map(|(p, r)| format!("{}={r}", if wide { p.clone() } else { names.of(p) }))
            .collect();
        let mut cells = vec![
            self.id.clone(),
            self.email.clone(),
            opt(self.name.as_deref()),
            self.role.map_or("-".into(), |r| r.to_string()),
            or_dash(roles.join(" ")),
            if self.is_owner { "yes" } else { "" }.into(),
        ];
        if wide {
            cells.push(time(self.created_at));
        }
        cells
    }
    fn essential(&self) -> String {
        self.id.clone()
    }
}
impl Card for Member {}

impl Tabular for ServiceAccount {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["ID", "NAME", "PROJECT", "ROLE", "CREATED"]
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            if wide { self.project_id.clone() } else { names.of(&self.project_id) },
            self.role.to_string(),
            time(self.created_at),
        ]
    }
    fn essential(&self) -> String {
        self.id.clone()
    }
}
impl Card for ServiceAccount {}

impl Tabular for UsageLine {
    fn headers(_wide: bool) -> Vec<&'static str> {
        vec!["GROUP", "REQUESTS", "COST"]
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        let group = match (&self.day, &self.key_id, &self.project_id) {
            (Some(day), _, _) => day.clone(),
            (None, Some(id), _) | (None, None, Some(id)) => {
                if wide {
                    id.clone()
                } else {
                    names.of(id)
                }
            }
            (None, None, None) => String::new(),
        };
        vec![group, self.requests.to_string(), self.cost.to_string()]
    }
    fn essential(&self) -> String {
        self.day.clone().or_else(|| self.key_id.clone()).or_else(|| self.project_id.clone()).unwrap_or_default()
    }
}

/// A usage report: like [`list`], with the group's column named for what it groups by.
pub fn usage(mode: Mode, names: &Names, group: &'static str, lines: &[UsageLine]) -> Result<()> {
    match mode {
        Mode::Table | Mode::Wide => {
            let rows: Vec<Vec<String>> = lines.iter().map(|l| l.cells(names, mode == Mode::Wide)).collect();
            table(&[group, "REQUESTS", "COST"], &rows)
        }
        _ => list(mode, names, lines),
    }
}

impl Tabular for super::scan::Finding {
    fn headers(wide: bool) -> Vec<&'static str> {
        if wide {
            vec!["LOCATION", "KIND", "KEY", "LIVE", "STATUS", "KEY ID", "SLOT", "ORG", "PROJECT"]
        } else {
            vec!["LOCATION", "KIND", "KEY", "LIVE", "STATUS", "KEY ID", "NAME", "PROJECT"]
        }
    }
    fn cells(&self, names: &Names, wide: bool) -> Vec<String> {
        let status = if self.revoked_now { "revoked now".into() } else { self.status.clone() };
        let mut cells = vec![
            format!("{}:{}", self.file, self.line),
            self.kind.into(),
            self.redacted.clone(),
            if self.live { "yes" } else { "no" }.into(),
            status,
            opt(self.key_id.as_deref()),
        ];
        if wide {
            cells.push(opt(self.slot.as_deref()));
            cells.push(opt(self.org_id.as_deref()));
            cells.push(opt(self.project_id.as_deref()));
        } else {
            cells.push(opt(self.key_name.as_deref().or(self.slot.as_deref())));
            cells.push(opt(self.project_id.as_deref().map(|p| names.of(p)).as_deref()));
        }
        cells
    }
    fn essential(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_terminal_control_sequences() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert!(!sanitize("x\r\x07y").chars().any(char::is_control));
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_cells_read_right() {
        assert_eq!(csv_cell(&Value::Null), "");
        assert_eq!(csv_cell(&serde_json::json!(["a:read", "b:write"])), "a:read b:write");
        assert_eq!(csv_cell(&serde_json::json!({"k": 1})), "{\"k\":1}");
    }

    #[test]
    fn quiet_wins_over_every_format() {
        for f in [OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json, OutputFormat::Csv] {
            assert_eq!(Mode::new(true, f), Mode::Quiet);
        }
        assert_eq!(Mode::new(false, OutputFormat::Json), Mode::Json);
    }

    #[test]
    fn counts_are_plural_only_when_they_should_be() {
        assert_eq!(count(1, "request", "requests"), "1 request");
        assert_eq!(count(0, "request", "requests"), "0 requests");
    }
}
