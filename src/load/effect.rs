//! When a fault command's fault took effect. perseus hands each fault
//! command a file of its own (`PERSEUS_EFFECT_FILE`); the command appends
//! the moments its fault took effect there, one CLOCK_MONOTONIC reading in
//! microseconds a line (the lab's: when a namespace's rules went in, a
//! signal was sent), and perseus keeps the first, on the run's clock, as
//! the fault event's `effect_us`. A command on another host (over ssh)
//! gets no such variable and reports nothing: its fault keeps its stamp.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that names the file, in the fault command's environment.
pub const VARIABLE: &str = "PERSEUS_EFFECT_FILE";

/// A file perseus gives one command (its effect moments; the leader
/// command's output), removed when dropped.
pub struct CommandFile {
    path: PathBuf,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl CommandFile {
    /// A new empty file in the temporary directory, made with O_EXCL so a
    /// name someone planted (a link) is never followed; None if none can
    /// be made (the fault then runs without one).
    pub fn new() -> Option<CommandFile> {
        for _ in 0..8 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "perseus-effect-{}-{}-{n}",
                std::process::id(),
                crate::load::clock::monotonic_ns()
            ));
            if OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .is_ok()
            {
                return Some(CommandFile { path });
            }
        }
        None
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first moment the command wrote; lines that are not a number are
    /// passed over.
    pub fn first_mono_us(&self) -> Option<u64> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        text.lines().filter_map(|l| l.trim().parse().ok()).min()
    }
}

impl Drop for CommandFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_moment_written_is_kept_and_the_file_goes() {
        let file = CommandFile::new().expect("a file");
        assert_eq!(file.first_mono_us(), None, "nothing written yet");
        std::fs::write(file.path(), "900\nnot a number\n700\n800\n").expect("write");
        assert_eq!(file.first_mono_us(), Some(700));
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists());
    }
}
