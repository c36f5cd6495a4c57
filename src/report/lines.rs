//! Lines of a log as bytes, numbered from 1, read in large chunks. Knows
//! whether the last line ended with a newline, so a torn last line (the
//! writer was killed mid-line) can be told from a malformed one.

use std::io::{self, BufRead};

pub struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    number: u64,
}

/// One line without its newline.
pub struct Line<'a> {
    pub number: u64,
    pub bytes: &'a [u8],
    /// False only for a last line that has no newline after it.
    pub complete: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines {
            input,
            buf: Vec::with_capacity(4096),
            number: 0,
        }
    }

    /// The next line, or None at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let n = self.input.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        let complete = self.buf.last() == Some(&b'\n');
        let mut bytes = &self.buf[..];
        if complete {
            bytes = &bytes[..bytes.len() - 1];
            if bytes.last() == Some(&b'\r') {
                bytes = &bytes[..bytes.len() - 1];
            }
        }
        Ok(Some(Line {
            number: self.number,
            bytes,
            complete,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_and_spots_a_missing_last_newline() {
        let mut lines = Lines::new(&b"a\nbc\r\n\nd"[..]);
        let mut seen = Vec::new();
        while let Some(l) = lines.next_line().expect("read") {
            seen.push((l.number, l.bytes.to_vec(), l.complete));
        }
        assert_eq!(
            seen,
            vec![
                (1, b"a".to_vec(), true),
                (2, b"bc".to_vec(), true),
                (3, b"".to_vec(), true),
                (4, b"d".to_vec(), false),
            ]
        );
    }
}
