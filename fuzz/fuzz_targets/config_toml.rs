//! The config file (src/cli/config.rs, compiled here as it is): any text is a config or an
//! error, never a panic; a config that parses has durations that parse.
#![no_main]

#[path = "../../src/cli/config.rs"]
#[allow(dead_code)]
mod config;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = config::Config::parse(text) {
        assert_eq!(c.default_ttl.is_some(), c.default_ttl().is_some());
        assert_eq!(c.max_ttl.is_some(), c.max_ttl().is_some());
    }
});
