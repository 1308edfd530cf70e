//! Money as an exact integer of micro-units (`12.50` is 12,500,000): parsing, printing and
//! adding without floating point, for budgets and verify costs. No I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// A non-negative money amount or cost, exact to six decimals: an integer of micro-units
/// inside, a decimal string outside. Never a float.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

const SCALE: i64 = 1_000_000;
/// The largest amount accepted: one trillion, far below i64 overflow even when summed.
const MAX_UNITS: i64 = 1_000_000_000_000;

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn from_micros(micros: i64) -> Amount {
        Amount(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    /// The text of a JSON number, which may carry an exponent (`1e-06`, `2.5E3`: how a
    /// float prints), read exactly as the decimal it writes; the same bounds as a decimal
    /// string, so `1e-7` is refused rather than rounded.
    pub fn from_number_text(s: &str) -> Result<Amount, Error> {
        let Some((mantissa, exp)) = s.split_once(['e', 'E']) else { return s.parse() };
        let bad =
            || Error::invalid(format!("invalid amount {s:?}: not a non-negative number with at most six decimals"));
        let exp: i64 = exp.strip_prefix('+').unwrap_or(exp).parse().map_err(|_| bad())?;
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_only = int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
        if int.is_empty() || (frac.is_empty() && mantissa.contains('.')) || !digits_only || exp.abs() > 64 {
            return Err(bad());
        }
        let digits = format!("{int}{frac}");
        // Where the decimal point falls in `digits` once the exponent is applied.
        let point = int.len() as i64 + exp;
        let plain = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}", "0".repeat(point as usize - digits.len()))
        } else {
            let (i, f) = digits.split_at(point as usize);
            format!("{i}.{f}")
        };
        // Trailing zeros after the point change nothing (`1.50e0` is 1.5).
        let plain = if plain.contains('.') { plain.trim_end_matches('0').trim_end_matches('.') } else { &plain };
        plain.parse().map_err(|_| bad())
    }
}

impl fmt::Display for Amount {
    /// At least two decimals, more only when needed: `1.00`, `0.10`, `0.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / SCALE as u64;
        let mut frac = format!("{:06}", abs % SCALE as u64);
        while frac.len() > 2 && frac.ends_with('0') {
            frac.pop();
        }
        write!(f, "{sign}{units}.{frac}")
    }
}

impl FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::invalid(format!("invalid amount {s:?}: {why} (expected a decimal like 10, 0.25 or 1.000001)"))
        };
        let (units, frac) = s.split_once('.').unwrap_or((s, ""));
        if units.is_empty() || !units.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits and one decimal point"));
        }
        if s.ends_with('.') {
            return Err(bad("digits must follow the decimal point"));
        }
        if frac.len() > 6 {
            return Err(bad("at most six decimals"));
        }
        let units: i64 = units.parse().map_err(|_| bad("too large"))?;
        let frac_micros: i64 =
            if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().map_err(|_| bad("bad decimals"))? };
        if units > MAX_UNITS {
            return Err(bad("too large"));
        }
        Ok(Amount(units * SCALE + frac_micros))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!("1".parse::<Amount>().unwrap().micros(), 1_000_000);
        assert_eq!("0.1".parse::<Amount>().unwrap().micros(), 100_000);
        assert_eq!("1.000001".parse::<Amount>().unwrap().micros(), 1_000_001);
        assert_eq!("0".parse::<Amount>().unwrap(), Amount::ZERO);
    }

    #[test]
    fn ten_tenths_make_exactly_one() {
        let tenth: Amount = "0.1".parse().unwrap();
        let sum: i64 = (0..10).map(|_| tenth.micros()).sum();
        assert_eq!(Amount::from_micros(sum), "1.00".parse().unwrap());
    }

    #[test]
    fn rejects_malformed_amounts() {
        for bad in [
            "-1",
            "1e9999",
            "abc",
            "1.0000001",
            "",
            ".5",
            "1.",
            "1,5",
            " 1",
            "+1",
            "99999999999999999999",
            "NaN",
            "inf",
        ] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
    }

    #[test]
    fn json_number_text_with_an_exponent_reads_exactly() {
        let micros = |s: &str| Amount::from_number_text(s).map(Amount::micros).ok();
        assert_eq!(micros("1e-06"), Some(1));
        assert_eq!(micros("1E-6"), Some(1));
        assert_eq!(micros("2.5e-3"), Some(2_500));
        assert_eq!(micros("1.5e+2"), Some(150_000_000));
        assert_eq!(micros("1e12"), Some(1_000_000_000_000_000_000));
        assert_eq!(micros("1.50e0"), Some(1_500_000));
        assert_eq!(micros("0.002"), Some(2_000));
        assert_eq!(micros("7"), Some(7_000_000));
        for bad in ["1e-07", "1.5e-6", "-1e-6", "1e13", "1e", "e5", "1e99999", "1.e2", "1e-1e2", "0x1p3"] {
            assert_eq!(micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn displays_with_two_to_six_decimals() {
        assert_eq!(Amount::from_micros(1_000_000).to_string(), "1.00");
        assert_eq!(Amount::from_micros(100_000).to_string(), "0.10");
        assert_eq!(Amount::from_micros(1).to_string(), "0.000001");
        assert_eq!(Amount::from_micros(-250_000).to_string(), "-0.25");
    }
}
