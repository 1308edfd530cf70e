//! The `key verify` line reader: one key per line, bounded, never keeping an over-long or
//! non-UTF-8 line, through a buffer zeroized on drop. Self-contained (it uses only the
//! library's public types) so that the fuzz target in fuzz/ compiles this same file.

use std::io::{BufRead, Read};

use keyctl::{Error, Result};

/// Longest line `verify` reads; anything longer is answered MALFORMED without being kept.
pub const MAX_LINE: usize = 4096;

/// A buffered reader whose buffer is zeroized when dropped, so the keys read through it
/// leave no copy in freed memory. Its reads are larger than stdin's own buffer, which std
/// then bypasses: the bytes go from the kernel straight into this buffer.
pub struct ZeroizingReader<R> {
    inner: R,
    buf: zeroize::Zeroizing<Vec<u8>>,
    pos: usize,
    filled: usize,
}

impl<R: std::io::Read> ZeroizingReader<R> {
    pub fn new(inner: R) -> Self {
        ZeroizingReader { inner, buf: zeroize::Zeroizing::new(vec![0; 64 * 1024]), pos: 0, filled: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for ZeroizingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: std::io::Read> BufRead for ZeroizingReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.filled = self.inner.read(&mut self.buf)?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        let end = (self.pos + amount).min(self.filled);
        // Consumed bytes (a key, once copied out) do not wait in the buffer to be overwritten.
        zeroize::Zeroize::zeroize(&mut self.buf[self.pos..end]);
        self.pos = end;
    }
}

/// Reads one line of at most `MAX_LINE` bytes. Returns `None` at end of input, and
/// `Some(None)` for a line that was too long or not UTF-8 (its bytes are discarded).
pub fn read_key_line(input: &mut impl BufRead) -> Result<Option<Option<keyctl::SecretString>>> {
    // Room for the longest line up front: a growing Vec would leave copies behind.
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(MAX_LINE + 2));
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
        let mut sink = zeroize::Zeroizing::new(Vec::with_capacity(64 * 1024 + 1));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lines_leave_no_copy_in_the_read_buffer() {
        let key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK";
        let input = format!("{key}\nsecond\n");
        let mut reader = ZeroizingReader::new(input.as_bytes());
        let line = read_key_line(&mut reader).unwrap().unwrap().unwrap();
        assert_eq!(line.expose_secret(), key);
        assert!(!reader.buf.windows(key.len()).any(|w| w == key.as_bytes()), "the key is still in the buffer");
        assert_eq!(read_key_line(&mut reader).unwrap().unwrap().unwrap().expose_secret(), "second");
        assert!(read_key_line(&mut reader).unwrap().is_none());
    }
}
