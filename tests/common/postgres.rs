//! Real PostgreSQL servers for tests: each on its own loopback port with its
//! own temporary data directory, run as user postgres (PostgreSQL refuses
//! root), copied from a template made once per test binary: database lily
//! with table storage (from etc/schema-postgres.sql), role `perseus` with a
//! SCRAM-SHA-256 password and role `perseus_md5` with an md5 one; TCP on
//! 127.0.0.1 asks every client for its password (md5 for `perseus_md5`,
//! SCRAM-SHA-256 for everyone else), the Unix socket (which the tests use as
//! superuser) trusts. A server is stopped on drop, by its PID.

use super::mariadb::{free_port, write_cluster};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The password of both roles.
pub const PASSWORD: &str = "Pg-test-Secret-7";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// PostgreSQL's server programs (Debian keeps them out of PATH).
fn bin(program: &str) -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    versions.sort();
    let dir = versions
        .pop()
        .unwrap_or_else(|| panic!("no {} (apt-get install postgresql)", root.display()));
    dir.join("bin").join(program)
}

/// User postgres's uid and gid, from /etc/passwd.
fn postgres_ids() -> (u32, u32) {
    static IDS: OnceLock<(u32, u32)> = OnceLock::new();
    *IDS.get_or_init(|| {
        let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
        let line = passwd
            .lines()
            .find(|l| l.starts_with("postgres:"))
            .expect("user postgres (apt-get install postgresql)");
        let fields: Vec<&str> = line.split(':').collect();
        (
            fields[2].parse().expect("uid"),
            fields[3].parse().expect("gid"),
        )
    })
}

/// A command run as user postgres.
fn as_postgres(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let (uid, gid) = postgres_ids();
    let mut cmd = Command::new(program);
    cmd.uid(uid).gid(gid).env("LC_ALL", "C").current_dir("/");
    cmd
}

/// A directory of user postgres's own.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perseus-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown scratch dir");
    dir
}

fn check(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The data directory every server copies: made once, with its roles,
/// database and table.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = scratch("pg-template");
        let data = dir.join("data");
        let out = as_postgres(bin("initdb"))
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .args(["-U", "postgres"])
            .args(["--encoding=UTF8", "--locale=C", "--no-sync"])
            .arg("-D")
            .arg(&data)
            .output()
            .expect("run initdb");
        check(out, "initdb");
        // perseus_md5 authenticates with md5, everyone else over TCP with
        // SCRAM-SHA-256 (the first matching line wins).
        let hba = data.join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        std::fs::write(
            &hba,
            format!("host all perseus_md5 127.0.0.1/32 md5\n{rules}"),
        )
        .expect("write pg_hba.conf");
        let mut server = PgServer {
            port: free_port(),
            dir: dir.clone(),
            settings: Vec::new(),
            child: None,
        };
        server.launch();
        if let Err(e) = server.psql("postgres", &["-f", &schema()]) {
            panic!("applying {}: {e}", schema());
        }
        server.sql(
            "postgres",
            &format!(
                "CREATE ROLE perseus LOGIN PASSWORD '{PASSWORD}'; \
                 SET password_encryption = 'md5'; \
                 CREATE ROLE perseus_md5 LOGIN PASSWORD '{PASSWORD}'"
            ),
        );
        server.sql(
            "lily",
            "GRANT SELECT, INSERT, UPDATE ON storage TO perseus, perseus_md5",
        );
        server.stop();
        // Kept for the copies (dropping it would delete the directory).
        std::mem::forget(server);
        data
    })
}

/// A self-signed certificate for localhost and 127.0.0.1 and its key, in
/// `dir` (user postgres's), as `NAME.crt` and `NAME.key`; the key readable by
/// its owner only, as PostgreSQL demands. Not a CA's (`CA:FALSE`): rustls
/// refuses a CA's certificate as a server's, as it should.
pub fn self_signed(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let out = as_postgres("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl (apt-get install openssl)");
    check(out, "openssl req");
    (cert, key)
}

fn schema() -> String {
    format!("{}/etc/schema-postgres.sql", env!("CARGO_MANIFEST_DIR"))
}

pub struct PgServer {
    pub port: u16,
    pub dir: PathBuf,
    /// `-c NAME=VALUE` settings given at every start.
    settings: Vec<String>,
    child: Option<Child>,
}

impl PgServer {
    /// A server with database lily, table storage and the two roles.
    pub fn start() -> PgServer {
        PgServer::start_with(&[])
    }

    /// The same with extra settings (`ssl=on`, ...).
    pub fn start_with(settings: &[&str]) -> PgServer {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = scratch(&format!("pg{n}"));
        let out = as_postgres("cp")
            .arg("-a")
            .arg(template())
            .arg(dir.join("data"))
            .output()
            .expect("cp");
        check(out, "copying the template");
        let mut server = PgServer {
            port: free_port(),
            dir,
            settings: settings.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        server.launch();
        server
    }

    /// Starts the server and waits until it answers.
    fn launch(&mut self) {
        let log = std::fs::File::create(self.dir.join("server.log")).expect("server log");
        let mut cmd = as_postgres(bin("postgres"));
        cmd.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.display()));
        for setting in [
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "shared_buffers=16MB",
            "max_connections=100",
            "log_connections=on",
        ]
        .iter()
        .copied()
        .chain(self.settings.iter().map(String::as_str))
        {
            cmd.arg("-c").arg(setting);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.try_sql("postgres", "SELECT 1").is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "postgres on port {} did not come up:\n{}",
            self.port,
            self.log()
        );
    }

    /// The server's own log (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).expect("server running")
    }

    fn psql(&self, database: &str, args: &[&str]) -> Result<String, String> {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "postgres",
            ])
            .arg("-h")
            .arg(&self.dir)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-d")
            .arg(database)
            .args(args)
            .env_remove("PGPASSWORD")
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn try_sql(&self, database: &str, sql: &str) -> Result<String, String> {
        self.psql(database, &["-c", sql])
    }

    /// Runs SQL as superuser over the Unix socket; panics on failure.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        self.try_sql(database, sql)
            .unwrap_or_else(|e| panic!("SQL failed on port {}: {sql}: {e}", self.port))
    }

    /// The server's processes: the postmaster and its children.
    fn processes(&self) -> Vec<u32> {
        let Some(pid) = self.child.as_ref().map(Child::id) else {
            return Vec::new();
        };
        let mut all = vec![pid];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let parent = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            let child = entry.file_name().to_str().and_then(|n| n.parse().ok());
            if let (Some(child), Some(parent)) = (child, parent) {
                if parent == pid {
                    all.push(child);
                }
            }
        }
        all
    }

    fn signal(pids: &[u32], sig: &str) {
        if pids.is_empty() {
            return;
        }
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .args(pids.iter().map(u32::to_string))
            .stderr(Stdio::null())
            .status();
    }

    /// Freezes every process of the server (SIGSTOP), the postmaster first
    /// so that it forks no new one: open connections hang, and new ones
    /// get through TCP's handshake and no further.
    pub fn freeze(&self) {
        Self::signal(&self.processes(), "STOP");
    }

    pub fn thaw(&self) {
        let mut pids = self.processes();
        pids.reverse();
        Self::signal(&pids, "CONT");
    }

    /// A fast shutdown (SIGINT): clients get FATAL 57P01, the server
    /// exits; its data directory and port stay for `restart`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            Self::signal(&[child.id()], "INT");
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // A frozen server must run again to shut down: every process gets
        // CONT, then the postmaster an immediate shutdown (SIGQUIT), which
        // ends its children.
        self.thaw();
        if let Some(mut child) = self.child.take() {
            Self::signal(&[child.id()], "QUIT");
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A cluster file naming these servers n1, n2, ... on 127.0.0.1, as
/// PostgreSQL nodes; `extra` goes into each `db` object.
pub fn cluster_file(dir: &Path, servers: &[&PgServer], extra: &str) -> PathBuf {
    let dbs: Vec<String> = servers
        .iter()
        .map(|s| {
            format!(
                "{{\"port\": {}, \"protocol\": \"postgres\"{extra}}}",
                s.port
            )
        })
        .collect();
    write_cluster(dir, &dbs)
}
