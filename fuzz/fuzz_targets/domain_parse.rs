//! The parsers of typed arguments: scope, duration, amount, CIDR, permission and time. The
//! first byte picks the parser; a value that parses prints as text that parses to it again.
//! A first byte of 255 picks the store location parser (paths and `postgres://` URLs): it
//! never panics, and a URL's printed form (which never holds a password) parses again to
//! the same schema.
#![no_main]

use std::str::FromStr;

use keyctl::domain::{format_time, parse_time, Amount, Cidr, Duration, Permission, Scope};
use libfuzzer_sys::fuzz_target;

fn round_trip<T: FromStr + std::fmt::Display + PartialEq + std::fmt::Debug>(s: &str) {
    if let Ok(v) = s.parse::<T>() {
        let printed = v.to_string();
        let again = printed.parse::<T>().unwrap_or_else(|_| panic!("{printed:?} (from {s:?}) does not parse"));
        assert_eq!(again, v, "{s:?} -> {printed:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(s) = std::str::from_utf8(rest) else { return };
    if which == 255 {
        let url = format!("postgres://{s}");
        if let Ok(keyctl::StoreLocation::Postgres(pg)) = keyctl::StoreLocation::parse(&url) {
            let shown = pg.to_string();
            let again = keyctl::PgLocation::parse(&shown).unwrap_or_else(|e| panic!("{shown:?} does not parse: {e}"));
            assert_eq!(again.schema(), pg.schema(), "{url:?} -> {shown:?}");
            assert!(!again.has_password(), "{shown:?} shows a password");
        }
        return;
    }
    match which % 6 {
        0 => round_trip::<Scope>(s),
        1 => round_trip::<Duration>(s),
        2 => round_trip::<Amount>(s),
        3 => round_trip::<Cidr>(s),
        4 => round_trip::<Permission>(s),
        _ => {
            if let Ok(t) = parse_time(s) {
                let printed = format_time(t);
                assert_eq!(parse_time(&printed).ok(), Some(t), "{s:?} -> {printed:?}");
            }
        }
    }
});
