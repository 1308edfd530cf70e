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

/// Parses an RFC 3339 time (`2026-12-01T00:00:00Z`, any offset) into UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Error::invalid(format!("invalid time {s:?}: expected RFC 3339, e.g. 2026-12-01T09:30:00Z")))
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
        assert_eq!(format_time(from_unix(0)), "1970-01-01T00:00:00Z");
    }
}
