//! What every test here needs: scratch directories, running bin/'s scripts
//! with a clean environment, and reading their results.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

pub const VERSION: &str = "v8.5.8";
pub const SERVERS: [&str; 3] = ["pd-server", "tikv-server", "tidb-server"];

/// Variables the scripts read: cleared so the caller's environment cannot leak in.
const SCRIPT_ENV: [&str; 14] = [
    "TIDB_VERSION",
    "TIDB_HOME",
    "TIDB_MIRROR",
    "TIDB_BIN_DIR",
    "TIDB_DOWNLOAD_TIMEOUT",
    "PERSEUS_CLUSTER",
    "PERSEUS_DATA_DIR",
    "PERSEUS_DRY_RUN",
    "PERSEUS_USER",
    "PD_CONFIG",
    "TIKV_CONFIG",
    "TIDB_CONFIG",
    "MYSQL_PWD",
    "CARGO_TARGET_DIR",
];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The strict stand-ins for the three servers (tests/fixtures/standins/).
pub fn standins() -> PathBuf {
    root().join("tests/fixtures/standins")
}

/// A scratch directory, unique per test and process, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("perseus-tidb-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn write_executable(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create parent dir");
    }
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A script's result, with stdout and stderr as text.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn expect_ok(self, what: &str) -> Run {
        assert!(
            self.ok,
            "{what} failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Fails the test unless every one of `needles` is in stdout.
    pub fn expect_stdout(self, needles: &[&str]) -> Run {
        for needle in needles {
            assert!(
                self.stdout.contains(needle),
                "stdout lacks {needle:?}:\n{}",
                self.stdout
            );
        }
        self
    }

    /// Fails the test unless the script failed with every one of `needles` in stderr.
    pub fn expect_error(self, needles: &[&str]) -> Run {
        assert!(
            !self.ok,
            "expected a failure, got success:\nstderr: {}",
            self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// The command for one of bin/'s scripts, with the scripts' variables cleared.
pub fn script_in(root: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(root.join("bin").join(name));
    cmd.args(args);
    script_env(&mut cmd, env);
    cmd
}

/// The scripts' variables cleared from `cmd`, then `env` set; no stdin.
pub fn script_env(cmd: &mut Command, env: &[(&str, &str)]) {
    cmd.stdin(Stdio::null());
    for var in SCRIPT_ENV {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
}

pub fn run_script(name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = script_in(&root(), name, args, env)
        .output()
        .expect("run script");
    Run::from(out)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// PATH with `dir` in front, for fake tools (uname, mysql, cargo).
pub fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}
