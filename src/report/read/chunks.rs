//! The log in large chunks of whole lines, for speed: one read system call
//! per megabyte and no copy per line. A chunk ends at a newline, except the
//! last one of the input when the input does not end with one.

use std::io::{self, Read};

/// About this many bytes per chunk (a longer line makes a longer chunk).
pub const CHUNK: usize = 1 << 21;
/// A line longer than this is an error rather than a reason to read the
/// whole input into memory.
pub const MAX_LINE: usize = 1 << 24;

pub struct Chunks<R> {
    input: R,
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> Chunks<R> {
    pub fn new(input: R) -> Self {
        Chunks {
            input,
            carry: Vec::new(),
            eof: false,
        }
    }

    /// The next chunk of whole lines, or None at the end of the input.
    pub fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        buf.reserve(CHUNK);
        let mut searched = 0;
        loop {
            if self.eof {
                return Ok((!buf.is_empty()).then_some(buf));
            }
            let target = buf.len() + CHUNK;
            self.fill(&mut buf, target)?;
            if let Some(last) = buf[searched..].iter().rposition(|&b| b == b'\n') {
                self.carry = buf.split_off(searched + last + 1);
                return Ok(Some(buf));
            }
            searched = buf.len();
            if buf.len() > MAX_LINE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a line longer than {} MiB", MAX_LINE >> 20),
                ));
            }
        }
    }

    /// Reads until `buf` holds `target` bytes or the input ends.
    fn fill(&mut self, buf: &mut Vec<u8>, target: usize) -> io::Result<()> {
        let want = target.saturating_sub(buf.len()) as u64;
        let n = (&mut self.input).take(want).read_to_end(buf)?;
        if (n as u64) < want {
            self.eof = true;
        }
        Ok(())
    }
}

/// The index of the first newline: eight bytes at a time.
pub fn find_newline(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        let x = u64::from_le_bytes(bytes) ^ NEWLINES;
        // A zero byte of x is a newline; the lowest flagged byte is exact.
        let found = x.wrapping_sub(ONES) & !x & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, like a pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn finds_the_first_newline_anywhere() {
        for len in 0..40 {
            for at in 0..=len {
                let mut s = vec![b'x'; len];
                if at < len {
                    s[at] = b'\n';
                    s.extend_from_slice(b"\n\n");
                }
                let want = s.iter().position(|&b| b == b'\n');
                assert_eq!(find_newline(&s), want, "len {len} at {at}");
            }
        }
        assert_eq!(find_newline(b"\x8a\x0b\n"), Some(2));
    }

    #[test]
    fn chunks_hold_whole_lines_and_the_unterminated_tail_comes_last() {
        let text = b"one\ntwo\nthree";
        let mut chunks = Chunks::new(Trickle(text));
        let mut all = Vec::new();
        while let Some(c) = chunks.next_chunk().expect("read") {
            assert!(c.ends_with(b"\n") || c == b"three", "{c:?}");
            all.extend(c);
        }
        assert_eq!(all, text);
    }
}
