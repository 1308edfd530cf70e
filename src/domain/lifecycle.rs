//! A key's lifecycle vocabulary beyond revoke and expire: refilling use allowances and the
//! user's own metadata (key/value pairs and an external id), with their size bounds. Pure:
//! checking what a user typed, nothing else.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How often a key's `max_uses` allowance starts again (UTC calendar periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Refill {
    Daily,
    Monthly,
}

impl Refill {
    pub fn as_str(self) -> &'static str {
        match self {
            Refill::Daily => "daily",
            Refill::Monthly => "monthly",
        }
    }

    /// The start of the period that holds `t`, and the start of the next one (unix seconds).
    pub fn period(self, t: DateTime<Utc>) -> (i64, i64) {
        let month_start = |y: i32, m: u32| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().map_or(0, |d| d.timestamp());
        match self {
            Refill::Daily => {
                let start = t.timestamp() - t.timestamp().rem_euclid(86_400);
                (start, start + 86_400)
            }
            Refill::Monthly => {
                let (y, m) = if t.month() == 12 { (t.year() + 1, 1) } else { (t.year(), t.month() + 1) };
                (month_start(t.year(), t.month()), month_start(y, m))
            }
        }
    }
}

impl std::fmt::Display for Refill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Refill {
    type Err = Error;
    fn from_str(s: &str) -> Result<Refill> {
        match s {
            "daily" => Ok(Refill::Daily),
            "monthly" => Ok(Refill::Monthly),
            _ => Err(Error::invalid(format!("unknown refill {s:?} (expected daily or monthly)"))),
        }
    }
}

/// At most this many metadata pairs per key.
pub const META_MAX_ENTRIES: usize = 16;
/// A metadata name: 1 to 40 characters of `A-Z a-z 0-9 _ . -`, starting with a letter or digit.
pub const META_MAX_KEY: usize = 40;
/// A metadata value: at most 256 characters, no control characters.
pub const META_MAX_VALUE: usize = 256;
/// An external id: 1 to 128 characters, no control characters or spaces.
pub const EXTERNAL_ID_MAX: usize = 128;

/// Parses one `--meta K=V`. An empty value (`K=`) means "remove K" on update.
pub fn parse_meta_pair(s: &str) -> Result<(String, String)> {
    let (k, v) =
        s.split_once('=').ok_or_else(|| Error::invalid("--meta takes NAME=VALUE (e.g. --meta team=billing)"))?;
    validate_meta_key(k)?;
    validate_meta_value(k, v)?;
    Ok((k.to_owned(), v.to_owned()))
}

fn validate_meta_key(k: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if k.is_empty()
        || k.len() > META_MAX_KEY
        || !k.chars().all(ok_char)
        || !k.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Err(Error::invalid(format!(
            "metadata name {:?} is not valid: 1 to {META_MAX_KEY} characters of A-Z a-z 0-9 _ . -, starting with a letter or digit",
            k.chars().take(60).collect::<String>()
        )));
    }
    Ok(())
}

fn validate_meta_value(k: &str, v: &str) -> Result<()> {
    if v.chars().count() > META_MAX_VALUE {
        return Err(Error::invalid(format!("metadata value of {k:?} is longer than {META_MAX_VALUE} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(format!("metadata value of {k:?} must not contain control characters")));
    }
    Ok(())
}

/// Checks a whole metadata map (its entry count and every pair).
pub fn validate_meta(meta: &BTreeMap<String, String>) -> Result<()> {
    if meta.len() > META_MAX_ENTRIES {
        return Err(Error::invalid(format!(
            "a key holds at most {META_MAX_ENTRIES} metadata entries ({} given)",
            meta.len()
        )));
    }
    for (k, v) in meta {
        validate_meta_key(k)?;
        validate_meta_value(k, v)?;
    }
    Ok(())
}

/// Checks an external id (the user's own customer or tenant id).
pub fn validate_external_id(id: &str) -> Result<()> {
    if id.is_empty() || id.chars().count() > EXTERNAL_ID_MAX {
        return Err(Error::invalid(format!("--external-id must be 1 to {EXTERNAL_ID_MAX} characters")));
    }
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid("--external-id must not contain spaces or control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_pairs_are_bounded() {
        assert_eq!(parse_meta_pair("team=billing").unwrap(), ("team".into(), "billing".into()));
        assert_eq!(parse_meta_pair("plan=").unwrap(), ("plan".into(), String::new()));
        assert_eq!(parse_meta_pair("url=a=b").unwrap().1, "a=b");
        for bad in ["noequals", "=v", "-x=1", "a b=1", &format!("{}=1", "k".repeat(41))] {
            assert!(parse_meta_pair(bad).is_err(), "{bad}");
        }
        assert!(parse_meta_pair(&format!("k={}", "v".repeat(256))).is_ok());
        assert!(parse_meta_pair(&format!("k={}", "v".repeat(257))).is_err());
        assert!(parse_meta_pair("k=a\x1bb").is_err());
        let many: BTreeMap<_, _> = (0..17).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert!(validate_meta(&many).is_err());
    }

    #[test]
    fn external_ids_are_bounded() {
        assert!(validate_external_id("cus_123").is_ok());
        assert!(validate_external_id("").is_err());
        assert!(validate_external_id("a b").is_err());
        assert!(validate_external_id(&"x".repeat(129)).is_err());
    }

    #[test]
    fn refill_periods_are_utc_days_and_months() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap().timestamp();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            Refill::Daily.period(at("2026-12-31T23:59:59Z")),
            (t("2026-12-31T00:00:00Z"), t("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            Refill::Monthly.period(at("2026-12-31T23:59:59Z")),
            (t("2026-12-01T00:00:00Z"), t("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            Refill::Monthly.period(at("2027-02-01T00:00:00Z")),
            (t("2027-02-01T00:00:00Z"), t("2027-03-01T00:00:00Z"))
        );
    }
}
