//! The `key verify` line reader: one key per line, bounded, never keeping an over-long or
//! non-UTF-8 line. Self-contained (it uses only the library's public types) so that the
//! fuzz target in fuzz/ compiles this same file.

use std::io::{BufRead, Read};

use keyctl::{Error, Result};

/// Longest line `verify` reads; anything longer is answered MALFORMED without being kept.
pub const MAX_LINE: usize = 4096;

/// Reads one line of at most `MAX_LINE` bytes. Returns `None` at end of input, and
/// `Some(None)` for a line that was too long or not UTF-8 (its bytes are discarded).
pub fn read_key_line(input: &mut impl BufRead) -> Result<Option<Option<keyctl::SecretString>>> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(128));
    let n = input
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::io("cannot read stdin", e))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
        // Skip the rest of an over-long line.
        let mut sink = Vec::new();
        loop {
            sink.clear();
            let m = input
                .by_ref()
                .take(64 * 1024)
                .read_until(b'\n', &mut sink)
                .map_err(|e| Error::io("cannot read stdin", e))?;
            if m == 0 || sink.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(None));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(std::str::from_utf8(&buf).ok().map(keyctl::SecretString::from)))
}
