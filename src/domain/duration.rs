//! Durations as typed on the command line (`90s`, `15m`, `24h`, `30d`, `2w`): parsing and
//! printing whole seconds. No I/O.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A span typed by a user: a whole number and a unit, `30s`, `15m`, `1h`, `7d`, `2w`.
/// Compound forms (`1h30m`) are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    seconds: i64,
}

/// The longest span keyctl accepts: 100 years, far past any sane TTL and far from overflow.
const MAX_SECONDS: i64 = 100 * 366 * 86_400;

impl Duration {
    pub fn from_seconds(seconds: i64) -> Duration {
        Duration { seconds }
    }

    pub fn seconds(self) -> i64 {
        self.seconds
    }

    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(self.seconds)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        if self.seconds < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.seconds.saturating_abs();
        // Weeks only when they divide evenly: `90d` reads back as `90d`, not `12w6d`.
        let units = if rest % 604_800 == 0 { &units[..] } else { &units[1..] };
        for &(unit, size) in units {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Duration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid(format!("invalid duration {s:?}: expected a number and a unit, e.g. 30s, 15m, 1h, 7d or 2w"))
        };
        if s.is_empty() {
            return Err(bad());
        }
        let mut total: i64 = 0;
        let mut digits = String::new();
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(bad()),
            };
            if digits.is_empty() {
                return Err(bad());
            }
            let n: i64 = digits.parse().map_err(|_| bad())?;
            total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
            if total > MAX_SECONDS {
                return Err(Error::invalid(format!("duration {s:?} is longer than 100 years")));
            }
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(bad());
        }
        Ok(Duration { seconds: total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_units() {
        for (text, secs) in
            [("30s", 30), ("15m", 900), ("1h", 3600), ("7d", 604_800), ("2w", 1_209_600), ("1h30m", 5400), ("0s", 0)]
        {
            assert_eq!(text.parse::<Duration>().unwrap().seconds(), secs, "{text}");
        }
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in ["", "15", "m", "1.5h", "-1h", "1y", "1 h", "99999999999999999999s", "200000w"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_compactly() {
        assert_eq!("90m".parse::<Duration>().unwrap().to_string(), "1h30m");
        assert_eq!(Duration::from_seconds(0).to_string(), "0s");
    }
}
