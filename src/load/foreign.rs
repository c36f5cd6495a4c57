//! Lines that other processes append to the running log — faults applied by
//! hand with `bin/isolate.sh --log` — so the live output can show them too.
//!
//! perseus appends with O_APPEND, so its batches and others' lines never
//! interleave inside a line; what perseus did not write is whatever lies
//! between the end of its last write and the start of its next one, or past
//! its last write when it checks the file's length.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;

pub struct ForeignLines {
    /// Everything before this offset has been seen: ours or already reported.
    seen_to: u64,
}

impl ForeignLines {
    /// Starts at the file's end (after the start line perseus wrote).
    pub fn new(file: &mut File) -> std::io::Result<Self> {
        Ok(ForeignLines {
            seen_to: file.seek(SeekFrom::End(0))?,
        })
    }

    /// Before perseus writes: the lines appended since it last looked.
    pub fn poll(&mut self, file: &File) -> Vec<Vec<u8>> {
        match file.metadata() {
            Ok(meta) => self.take(file, meta.len()),
            Err(_) => Vec::new(),
        }
    }

    /// After perseus wrote `written` bytes: lines that slipped in just before them.
    pub fn wrote(&mut self, file: &mut File, written: u64) -> Vec<Vec<u8>> {
        let Ok(end) = file.stream_position() else {
            return Vec::new();
        };
        let ours_start = end.saturating_sub(written);
        let lines = self.take(file, ours_start);
        self.seen_to = end;
        lines
    }

    fn take(&mut self, file: &File, to: u64) -> Vec<Vec<u8>> {
        if to < self.seen_to {
            // Truncated or replaced under us: start over from here.
            self.seen_to = to;
            return Vec::new();
        }
        if to == self.seen_to {
            return Vec::new();
        }
        let mut bytes = vec![0; (to - self.seen_to).min(1 << 20) as usize];
        let Ok(n) = file.read_at(&mut bytes, self.seen_to) else {
            return Vec::new();
        };
        bytes.truncate(n);
        // Keep a partial last line for the next look (a writer mid-line).
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.seen_to += whole as u64;
        bytes[..whole]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_lines_appended_between_and_after_our_writes() {
        let path = std::env::temp_dir().join(format!("perseus-foreign-{}", std::process::id()));
        let mut ours = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .read(true)
            .open(&path)
            .expect("open");
        ours.write_all(b"start\n").expect("write");
        let mut lines = ForeignLines::new(&mut ours).expect("new");
        let mut theirs = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        theirs.write_all(b"fault-1\n").expect("write");
        assert_eq!(lines.poll(&ours), vec![b"fault-1".to_vec()]);
        theirs.write_all(b"fault-2\n").expect("write");
        ours.seek(SeekFrom::End(0)).expect("seek");
        ours.write_all(b"op\nop\n").expect("write");
        assert_eq!(lines.wrote(&mut ours, 6), vec![b"fault-2".to_vec()]);
        assert!(lines.poll(&ours).is_empty());
        theirs.write_all(b"half").expect("write");
        assert!(lines.poll(&ours).is_empty(), "a partial line waits");
        theirs.write_all(b"-line\n").expect("write");
        assert_eq!(lines.poll(&ours), vec![b"half-line".to_vec()]);
        let _ = std::fs::remove_file(&path);
    }
}
