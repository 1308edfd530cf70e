//! Time: the injected `Clock` (system, fixed, or the binary's debug-build
//! `KEYCTL_TEST_NOW`), RFC 3339 parsing and printing, unix seconds. No I/O beyond the clock.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

use crate::error::Error;

/// Where "now" comes from. The CLI uses [`SystemClock`] (debug builds may pin it with
/// `KEYCTL_TEST_NOW`); tests and embedders inject their own through the library.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always answers the same time: for tests, and for the debug-build
/// `KEYCTL_TEST_NOW` override of the binary.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Parses an RFC 3339 time (`2026-12-01T00:00:00Z`, any offset) or a plain date
/// (`2026-12-01`, midnight UTC) into UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, Error> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    Err(Error::invalid(format!("invalid time {s:?}: expected RFC 3339 (2026-12-01T09:30:00Z) or a date (2026-12-01)")))
}

/// A time as [`parse_time`] reads it, or a duration meaning that long before `now`
/// (`--since 1h`, `--since 7d`).
pub fn parse_time_or_ago(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    if let Ok(d) = s.trim().parse::<super::Duration>() {
        return Ok(now - chrono::Duration::seconds(d.seconds()));
    }
    parse_time(s).map_err(|_| {
        Error::invalid(format!(
            "invalid time {s:?}: expected RFC 3339 (2026-12-01T09:30:00Z), a date (2026-12-01) or a duration ago (1h, 7d)"
        ))
    })
}

/// RFC 3339 in UTC with whole seconds, the one form keyctl prints.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Seconds since the epoch back into a time; out-of-range values (only a damaged store
/// could hold them) clamp to the epoch.
pub(crate) fn from_unix(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_in_utc() {
        let t = parse_time("2026-12-01T10:30:00+01:00").unwrap();
        assert_eq!(format_time(t), "2026-12-01T09:30:00Z");
        assert!(parse_time("tomorrow").is_err());
        assert_eq!(format_time(parse_time("2026-12-01").unwrap()), "2026-12-01T00:00:00Z");
        let now = parse_time("2026-12-02T12:00:00Z").unwrap();
        assert_eq!(format_time(parse_time_or_ago("1h", now).unwrap()), "2026-12-02T11:00:00Z");
        assert_eq!(format_time(parse_time_or_ago("7d", now).unwrap()), "2026-11-25T12:00:00Z");
        assert!(parse_time_or_ago("soon", now).is_err());
        assert_eq!(format_time(from_unix(0)), "1970-01-01T00:00:00Z");
    }
}
