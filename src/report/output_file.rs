//! A file an output is written to (`--html FILE`): created at once beside
//! its final name, so a path that cannot be written fails before any log is
//! read; renamed into place only when complete, so a run that fails (bad
//! input, a full disk) never leaves half a page, nor replaces an older one.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct OutputFile {
    path: PathBuf,
    partial: PathBuf,
    file: BufWriter<File>,
    committed: bool,
}

impl OutputFile {
    pub fn create(path: &str) -> Result<Self, String> {
        let path = PathBuf::from(path);
        let name = path
            .file_name()
            .ok_or_else(|| format!("{}: not a file name", path.display()))?;
        let mut partial_name = std::ffi::OsString::from(".");
        partial_name.push(name);
        partial_name.push(format!(".partial-{}", std::process::id()));
        let partial = path.with_file_name(partial_name);
        let file =
            File::create(&partial).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(OutputFile {
            path,
            partial,
            file: BufWriter::with_capacity(1 << 16, file),
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.file
    }

    /// Flushes and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        fs::rename(&self.partial, &self.path)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputFile {
    /// Not committed: the partial file goes.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = std::env::temp_dir().join(format!("perseus-output-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("page.html");
        let name = path.to_str().expect("utf8");
        let mut out = OutputFile::create(name).expect("create");
        out.writer().write_all(b"<p>hi</p>").expect("write");
        assert!(!path.exists());
        out.commit().expect("commit");
        assert_eq!(fs::read_to_string(&path).expect("read"), "<p>hi</p>");
        let mut out = OutputFile::create(name).expect("create");
        out.writer().write_all(b"half").expect("write");
        drop(out);
        assert_eq!(fs::read_to_string(&path).expect("read"), "<p>hi</p>");
        assert_eq!(
            fs::read_dir(&dir).expect("list").count(),
            1,
            "no partial file left"
        );
        assert!(
            OutputFile::create(dir.join("no/such/dir/x.html").to_str().expect("utf8")).is_err()
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
