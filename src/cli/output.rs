//! The one place that draws output: tables (comfy-table), JSON (serde) and CSV. Cells are
//! sanitized so that no control character or terminal escape from stored data reaches the
//! terminal raw. Colour only when stdout is a terminal and `NO_COLOR` is unset.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use comfy_table::{presets, Attribute, Cell, ContentArrangement, Table};
use keyctl::{AuditEntry, Error, KeyInfo, Org, Project, Result, SlotInfo};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

/// Something that can be shown as a row of a table.
pub trait Tabular {
    fn headers() -> &'static [&'static str];
    fn cells(&self) -> Vec<String>;
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
pub fn note(quiet: bool, text: &str) {
    if !quiet {
        eprintln!("{text}");
    }
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

pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut text = headers.join(",");
    text.push('\n');
    for row in rows {
        text.push_str(&row.iter().map(|c| csv_field(&sanitize(c))).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    write_out(&text)
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

/// A list: a JSON array, CSV with a header, or a table.
pub fn list<T: Tabular + Serialize>(format: OutputFormat, items: &[T]) -> Result<()> {
    match format {
        OutputFormat::Json => json(items),
        OutputFormat::Csv => csv(T::headers(), &items.iter().map(Tabular::cells).collect::<Vec<_>>()),
        OutputFormat::Table => table(T::headers(), &items.iter().map(Tabular::cells).collect::<Vec<_>>()),
    }
}

/// One object: JSON, one CSV row, or a two-column field/value table.
pub fn object<T: Tabular + Serialize>(format: OutputFormat, item: &T) -> Result<()> {
    match format {
        OutputFormat::Json => json(item),
        OutputFormat::Csv => csv(T::headers(), &[item.cells()]),
        OutputFormat::Table => fields(T::headers().iter().map(|h| h.to_string()).zip(item.cells()).collect()),
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

fn opt(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

impl Tabular for Org {
    fn headers() -> &'static [&'static str] {
        &["ID", "NAME", "KIND", "CREATED"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.id.clone(), self.name.clone(), self.kind.as_str().into(), time(self.created_at)]
    }
}

impl Tabular for Project {
    fn headers() -> &'static [&'static str] {
        &["ID", "NAME", "STATUS", "DEFAULT", "CREATED", "DESCRIPTION"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.status.as_str().into(),
            if self.is_default { "yes" } else { "no" }.into(),
            time(self.created_at),
            opt(self.description.as_deref()),
        ]
    }
}

impl Tabular for KeyInfo {
    fn headers() -> &'static [&'static str] {
        &["ID", "NAME", "KEY", "PROJECT", "OWNER", "PERMISSION", "SCOPES", "STATUS", "CREATED", "ENDS", "LAST USED"]
    }
    fn cells(&self) -> Vec<String> {
        let scopes = self.scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        vec![
            self.id.clone(),
            opt(self.name.as_deref()),
            self.redacted.clone(),
            self.project_id.clone(),
            self.owner.name.clone(),
            self.permission.as_str().into(),
            if scopes.is_empty() { "-".into() } else { scopes },
            self.status_label().into(),
            time(self.created_at),
            opt_time(self.ends_at),
            opt_time(self.last_used_at),
        ]
    }
}

impl Tabular for SlotInfo {
    fn headers() -> &'static [&'static str] {
        &["NAME", "TYPE", "ADMIN", "KDF", "ITERATIONS"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.kind.into(),
            if self.admin { "yes" } else { "no" }.into(),
            self.kdf.clone(),
            self.iterations.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
        ]
    }
}

impl Tabular for AuditEntry {
    fn headers() -> &'static [&'static str] {
        &["ID", "AT", "ACTOR", "ACTION", "TARGET", "PROJECT", "DETAILS"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            if self.verified { self.id.to_string() } else { format!("{} (UNVERIFIED)", self.id) },
            time(self.at),
            self.actor.clone(),
            self.action.clone(),
            opt(self.target_id.as_deref()),
            opt(self.project_id.as_deref()),
            if self.details.as_object().is_some_and(|o| o.is_empty()) { "-".into() } else { self.details.to_string() },
        ]
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
}
