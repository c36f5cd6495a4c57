//! The event log as a file: opened for appending (a new run after a killed
//! one starts on a fresh line), written in whole-line batches, watched for
//! lines others append, and checked on every write that it is still the file
//! the run started writing — deleted, replaced or truncated, it would lose
//! what the run writes from then on, so that is an error.

use super::appended::AppendedLines;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub struct LogFile {
    file: File,
    path: PathBuf,
    /// (device, inode) of the file opened.
    identity: (u64, u64),
    appended: AppendedLines,
    /// True when this open created the file.
    pub created: bool,
}

impl LogFile {
    /// Opens (or creates) the log for appending; names the path in errors.
    pub fn open(path: &Path) -> Result<LogFile, String> {
        let shown = path.display();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("log {shown}: cannot create its directory: {e}"))?;
        }
        let created = !path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| format!("log {shown}: cannot open it for writing: {e}"))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("log {shown}: cannot stat it: {e}"))?;
        Ok(LogFile {
            identity: (meta.dev(), meta.ino()),
            appended: AppendedLines::new(meta.len()),
            file,
            path: path.to_path_buf(),
            created,
        })
    }

    /// Writes the run's first line. A log whose last line is torn (a run
    /// killed mid-write) gets a newline first, so the new run begins on a
    /// line of its own and the torn line stays recognisably torn.
    pub fn write_first(&mut self, line: &[u8]) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        if !self.ends_with_newline() {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(line);
        self.file
            .write_all(&bytes)
            .map_err(|e| format!("cannot write the log {}: {e}", self.path.display()))?;
        let end = self.end()?;
        self.appended = AppendedLines::new(end);
        Ok(())
    }

    fn ends_with_newline(&mut self) -> bool {
        let Ok(len) = self.file.seek(SeekFrom::End(0)) else {
            return true;
        };
        if len == 0 {
            return true;
        }
        let mut last = [0u8];
        let read = self
            .file
            .seek(SeekFrom::End(-1))
            .and_then(|_| self.file.read_exact(&mut last));
        read.is_err() || last[0] == b'\n'
    }

    fn end(&mut self) -> Result<u64, String> {
        self.file
            .seek(SeekFrom::End(0))
            .map_err(|e| format!("cannot seek in the log {}: {e}", self.path.display()))
    }

    /// Appends whole lines in one write; returns the lines others appended
    /// before them. Any error means the log no longer holds what the run
    /// measures.
    pub fn append(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        self.check_identity()?;
        let mut lines = self.poll()?;
        self.file
            .write_all(bytes)
            .map_err(|e| format!("cannot write the log {}: {e}", self.path.display()))?;
        let end = self.end()?;
        let slipped = self
            .appended
            .wrote(&self.file, bytes.len() as u64, end)
            .map_err(|_| self.truncated())?;
        lines.extend(slipped);
        Ok(lines)
    }

    /// Lines others appended since the last look.
    pub fn poll(&mut self) -> Result<Vec<Vec<u8>>, String> {
        self.appended.poll(&self.file).map_err(|_| self.truncated())
    }

    fn truncated(&self) -> String {
        format!(
            "the log {} was truncated during the run (the events written so far are gone)",
            self.path.display()
        )
    }

    /// The path must still name the file the run opened.
    pub fn check_identity(&self) -> Result<(), String> {
        let shown = self.path.display();
        match std::fs::metadata(&self.path) {
            Ok(meta) if (meta.dev(), meta.ino()) == self.identity => Ok(()),
            Ok(_) => Err(format!(
                "the log {shown} was replaced by another file during the run (what the run writes would go to the old one)"
            )),
            Err(e) => Err(format!(
                "the log {shown} was deleted during the run ({e}); what the run writes would be lost"
            )),
        }
    }

    pub fn sync(&self) -> Result<(), String> {
        self.file
            .sync_data()
            .map_err(|e| format!("cannot sync the log {}: {e}", self.path.display()))
    }

    /// The file's length now.
    pub fn len(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("perseus-logfile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("sub").join("events.jsonl")
    }

    #[test]
    fn a_run_appended_after_a_torn_line_starts_on_a_fresh_line() {
        let path = scratch("torn");
        let mut log = LogFile::open(&path).expect("open");
        assert!(log.created);
        log.write_first(b"start-1\n").expect("write");
        log.append(b"{\"ev\":\"op\",\"t_us\":1,\"no")
            .expect("torn write");
        drop(log);
        let mut log = LogFile::open(&path).expect("reopen");
        assert!(!log.created);
        log.write_first(b"start-2\n").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "start-1\n{\"ev\":\"op\",\"t_us\":1,\"no\nstart-2\n");
    }

    #[test]
    fn deleting_replacing_or_truncating_the_log_is_an_error_that_says_so() {
        let path = scratch("replaced");
        let mut log = LogFile::open(&path).expect("open");
        log.write_first(b"start\n").expect("write");
        log.append(b"op\n").expect("write");
        std::fs::remove_file(&path).expect("delete");
        let err = log.append(b"op\n").expect_err("deleted");
        assert!(err.contains("was deleted"), "{err}");
        std::fs::write(&path, "another file\n").expect("replace");
        let err = log.append(b"op\n").expect_err("replaced");
        assert!(err.contains("was replaced"), "{err}");

        let path = scratch("truncated");
        let mut log = LogFile::open(&path).expect("open");
        log.write_first(b"start\n").expect("write");
        log.append(b"op\nop\n").expect("write");
        OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(2))
            .expect("truncate");
        let err = log.append(b"op\n").expect_err("truncated");
        assert!(err.contains("was truncated"), "{err}");
    }

    #[test]
    fn lines_appended_by_others_are_returned() {
        let path = scratch("others");
        let mut log = LogFile::open(&path).expect("open");
        log.write_first(b"start\n").expect("write");
        let mut theirs = OpenOptions::new().append(true).open(&path).expect("open");
        theirs.write_all(b"fault\n").expect("write");
        assert_eq!(log.append(b"op\n").expect("write"), vec![b"fault".to_vec()]);
        assert_eq!(log.poll().expect("poll"), Vec::<Vec<u8>>::new());
    }
}
