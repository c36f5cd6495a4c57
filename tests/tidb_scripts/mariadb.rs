//! A MariaDB server of a test's own, on a free loopback port, stopped by its PID.

use crate::support::{free_port, Scratch};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub struct MariaDb {
    pub port: u16,
    child: Child,
}

impl MariaDb {
    pub fn start(scratch: &Scratch) -> MariaDb {
        let data = scratch.path("mariadb");
        // A temporary directory of its own: servers sharing /tmp (parallel
        // tests) can pick the same temporary table names and fail.
        let tmp = scratch.path("mariadb-tmp");
        std::fs::create_dir_all(&tmp).expect("mkdir mariadb tmpdir");
        let tmpdir = format!("--tmpdir={}", tmp.display());
        let install = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .arg(format!("--datadir={}", data.display()))
            .arg(&tmpdir)
            .output()
            .expect("run mariadb-install-db (apt-get install -y mariadb-server mariadb-client)");
        assert!(
            install.status.success(),
            "mariadb-install-db: {}{}",
            String::from_utf8_lossy(&install.stdout),
            String::from_utf8_lossy(&install.stderr)
        );
        // A port picked free can be taken before the server binds it: try again.
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new("mariadbd")
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .args(["--user=root", "--bind-address=127.0.0.1"])
                .arg(&tmpdir)
                .arg(format!("--port={port}"))
                .arg(format!(
                    "--socket={}",
                    scratch.path("mariadb.sock").display()
                ))
                .arg(format!(
                    "--pid-file={}",
                    scratch.path("mariadb.pid").display()
                ))
                .arg(format!(
                    "--log-error={}",
                    scratch.path("mariadb.err").display()
                ))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start mariadbd");
            let mut db = MariaDb { port, child };
            if db.wait_ready() {
                return db;
            }
        }
        let log = std::fs::read_to_string(scratch.path("mariadb.err")).unwrap_or_default();
        panic!("MariaDB did not start:\n{log}");
    }

    /// Waits until the server answers a query; false if it exited (or 60 s passed).
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if self.sql("SELECT 1").is_ok() {
                return true;
            }
            thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// Runs SQL as root; Ok(stdout) or Err(stderr).
    pub fn sql(&self, query: &str) -> Result<String, String> {
        let out = Command::new("mysql")
            .args([
                "--protocol=TCP",
                "--host=127.0.0.1",
                "--user=root",
                "--batch",
                "--skip-column-names",
            ])
            .arg(format!("--port={}", self.port))
            .args(["-e", query])
            .env_remove("MYSQL_PWD")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
