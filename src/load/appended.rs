//! Lines that other processes append to the running log — faults applied by
//! hand with `bin/isolate.sh --log` — so the live output can show them too.
//!
//! perseus appends with O_APPEND, so its batches and others' lines never
//! interleave inside a line; what perseus did not write is whatever lies
//! between the end of its last write and the start of its next one, or past
//! its last write when it checks the file's length.

use std::fs::File;
use std::os::unix::fs::FileExt;

pub struct AppendedLines {
    /// Everything before this offset has been seen: ours or already reported.
    seen_to: u64,
}

/// The file shrank below what was seen: truncated under us.
#[derive(Debug, PartialEq, Eq)]
pub struct Truncated;

impl AppendedLines {
    /// Starts at `offset` (the file's end after perseus's start line).
    pub fn new(offset: u64) -> Self {
        AppendedLines { seen_to: offset }
    }

    /// Before perseus writes: the lines appended since it last looked.
    pub fn poll(&mut self, file: &File) -> Result<Vec<Vec<u8>>, Truncated> {
        match file.metadata() {
            Ok(meta) => self.take(file, meta.len()),
            Err(_) => Ok(Vec::new()),
        }
    }

    /// After perseus wrote `written` bytes and the file ends at `end`:
    /// lines that slipped in just before them.
    pub fn wrote(
        &mut self,
        file: &File,
        written: u64,
        end: u64,
    ) -> Result<Vec<Vec<u8>>, Truncated> {
        let lines = self.take(file, end.saturating_sub(written))?;
        self.seen_to = end;
        Ok(lines)
    }

    fn take(&mut self, file: &File, to: u64) -> Result<Vec<Vec<u8>>, Truncated> {
        if to < self.seen_to {
            return Err(Truncated);
        }
        if to == self.seen_to {
            return Ok(Vec::new());
        }
        let mut bytes = vec![0; (to - self.seen_to).min(1 << 20) as usize];
        let Ok(n) = file.read_at(&mut bytes, self.seen_to) else {
            return Ok(Vec::new());
        };
        bytes.truncate(n);
        // Keep a partial last line for the next look (a writer mid-line).
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.seen_to += whole as u64;
        Ok(bytes[..whole]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    #[test]
    fn finds_lines_appended_between_and_after_our_writes() {
        let path = std::env::temp_dir().join(format!("perseus-appended-{}", std::process::id()));
        let mut ours = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .read(true)
            .open(&path)
            .expect("open");
        ours.write_all(b"start\n").expect("write");
        let mut lines = AppendedLines::new(6);
        let mut theirs = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        theirs.write_all(b"fault-1\n").expect("write");
        assert_eq!(lines.poll(&ours), Ok(vec![b"fault-1".to_vec()]));
        theirs.write_all(b"fault-2\n").expect("write");
        ours.seek(SeekFrom::End(0)).expect("seek");
        ours.write_all(b"op\nop\n").expect("write");
        let end = ours.stream_position().expect("pos");
        assert_eq!(lines.wrote(&ours, 6, end), Ok(vec![b"fault-2".to_vec()]));
        assert_eq!(lines.poll(&ours), Ok(vec![]));
        theirs.write_all(b"half").expect("write");
        assert_eq!(lines.poll(&ours), Ok(vec![]), "a partial line waits");
        theirs.write_all(b"-line\n").expect("write");
        assert_eq!(lines.poll(&ours), Ok(vec![b"half-line".to_vec()]));
        ours.set_len(3).expect("truncate");
        assert_eq!(lines.poll(&ours), Err(Truncated));
        let _ = std::fs::remove_file(&path);
    }
}
