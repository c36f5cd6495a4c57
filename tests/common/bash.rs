//! `bash -c` over bin/lib's shell libraries, for the tests of bin/'s shell
//! pieces that need neither root nor a lab (tests/shell_lib.rs,
//! tests/lab_patroni_shell.rs). Needs signals.rs beside it as `signals`.

use crate::signals::DefaultSignals;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A child's output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `bash -c` with strict mode and the given libraries of bin/lib sourced,
/// then `body`; args become $1... The child is the leader of a process group
/// of its own, so that a `kill 0` in it stays inside. Its status and output
/// are printed, for a failing test's story.
pub fn bash(libs: &[&str], body: &str, args: &[&str]) -> Output {
    let root = root();
    let mut script = String::from("set -euo pipefail\n");
    for lib in libs {
        script += &format!("source '{}/bin/lib/{lib}.sh'\n", root.display());
    }
    script += body;
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("shell-lib-test")
        .args(args)
        .stdin(Stdio::null())
        .process_group(0)
        .default_signals()
        .output()
        .expect("run bash");
    eprintln!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}
