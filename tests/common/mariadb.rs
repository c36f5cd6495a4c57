//! Real MariaDB servers for tests: each on its own loopback port with its own
//! temporary data directory, started from a template made once per test binary.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static NEXT: AtomicU32 = AtomicU32::new(0);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perseus-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A data directory with the system tables, made once and copied per server.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = scratch("template");
        let data = dir.join("data");
        let out = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                "--user=root",
                "--auth-root-authentication-method=normal",
            ])
            .arg(format!("--datadir={}", data.display()))
            .arg("--skip-test-db")
            .arg(format!("--tmpdir={}", dir.display()))
            .output()
            .expect("run mariadb-install-db (apt-get install mariadb-server)");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        data
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct MariaDb {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl MariaDb {
    /// Starts a server with database lily and table storage, root without password.
    pub fn start() -> MariaDb {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = scratch(&format!("db{n}"));
        let status = Command::new("cp")
            .arg("-a")
            .arg(template())
            .arg(dir.join("data"))
            .status()
            .expect("cp");
        assert!(status.success());
        let mut db = MariaDb {
            port: free_port(),
            dir,
            child: None,
        };
        db.launch();
        db.sql("CREATE DATABASE IF NOT EXISTS lily; CREATE TABLE IF NOT EXISTS lily.storage (id VARCHAR(128) NOT NULL PRIMARY KEY, value BIGINT NOT NULL)");
        db
    }

    fn launch(&mut self) {
        let d = &self.dir;
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg("--user=root")
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            // Servers sharing /tmp trip over each other's temporary tables.
            .arg(format!("--tmpdir={}", d.display()))
            .args([
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=8M",
                "--innodb-flush-log-at-trx-commit=0",
                "--performance-schema=OFF",
                "--max-connections=200",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mariadbd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self.try_sql("SELECT 1").is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
        panic!("mariadbd on port {} did not come up:\n{log}", self.port);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).expect("server running")
    }

    fn try_sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new("mariadb")
            .args([
                "--no-defaults",
                "-uroot",
                "-h127.0.0.1",
                "--batch",
                "--skip-column-names",
            ])
            .arg(format!("-P{}", self.port))
            .arg("-e")
            .arg(sql)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs SQL as root through the mariadb client; panics on failure.
    pub fn sql(&self, sql: &str) -> String {
        self.try_sql(sql)
            .unwrap_or_else(|e| panic!("SQL failed on port {}: {sql}: {e}", self.port))
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{sig} {}", self.pid());
    }

    pub fn freeze(&self) {
        self.signal("STOP");
    }

    pub fn thaw(&self) {
        self.signal("CONT");
    }

    /// Stops the server the hard way (it keeps its data directory and port).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_ref() {
            // A frozen server would ignore SIGKILL's follow-up wait otherwise.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A cluster file naming these servers n1, n2, ... on 127.0.0.1.
pub fn cluster_file(dir: &Path, servers: &[&MariaDb]) -> PathBuf {
    let dbs: Vec<String> = servers
        .iter()
        .map(|s| format!("{{\"port\": {}}}", s.port))
        .collect();
    write_cluster(dir, &dbs)
}

/// A cluster file with one node per `db` object (JSON), named n1, n2, ...
/// on 127.0.0.1.
pub fn write_cluster(dir: &Path, dbs: &[String]) -> PathBuf {
    let entries: Vec<String> = dbs
        .iter()
        .enumerate()
        .map(|(i, db)| format!("\"n{}\": {{\"host\": \"127.0.0.1\", \"db\": {db}}}", i + 1))
        .collect();
    let path = dir.join("cluster.json");
    std::fs::write(&path, format!("{{{}}}\n", entries.join(", "))).expect("write cluster file");
    path
}

pub fn scratch_dir(name: &str) -> PathBuf {
    scratch(name)
}
