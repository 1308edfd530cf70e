//! The `key verify --stream` line reader (src/cli/lines.rs, compiled here as it is): any
//! bytes are read to the end, one bounded line at a time, without a newline kept.
#![no_main]

#[path = "../../src/cli/lines.rs"]
#[allow(dead_code)]
mod lines;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A small buffer makes the reader cross buffer boundaries mid-line.
    let mut input = std::io::BufReader::with_capacity(7, data);
    let mut lines_read = 0usize;
    while let Some(line) = lines::read_key_line(&mut input).expect("reading from memory cannot fail") {
        lines_read += 1;
        if let Some(line) = line {
            let s = line.expose_secret();
            assert!(s.len() <= lines::MAX_LINE);
            assert!(!s.ends_with('\n') && !s.ends_with('\r'));
        }
        assert!(lines_read <= data.len(), "more lines than bytes");
    }
});
