//! A small network of namespaces that a root-only test makes: a bridge in
//! a test-only /24 with a blackhole route, three namespaces on it (one veth
//! each), a cluster file naming them n1..n3, and the client's helpers
//! (an echo server in a namespace, connects and round trips from one).
//! Dropping it removes all of it. Shared by tests/isolation.rs and
//! tests/netfault.rs.

use super::{ok, quiet, root, run};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

pub const PORT: u16 = 7070;

/// Everything the test made; dropping it removes all of it, on failure too.
pub struct Net {
    pub tag: String,
    pub subnet: String,
    pub nodes: Vec<(String, String)>, // (namespace, address)
    pub dir: PathBuf,
}

impl Net {
    /// TAG names its namespaces and bridge (with the PID); the /24 is
    /// 10.213.(BASE + PID % 50).
    pub fn new(tag: &str, base: u32) -> Net {
        let pid = std::process::id();
        let tag = format!("{tag}{pid}");
        let third = base + pid % 50;
        let subnet = format!("10.213.{third}");
        let dir = std::env::temp_dir().join(format!("perseus-net-{tag}"));
        let nodes = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("{tag}{x}"), format!("{subnet}.{}", 11 + i)))
            .collect();
        let net = Net {
            tag,
            subnet,
            nodes,
            dir,
        };
        net.build();
        net
    }

    pub fn bridge(&self) -> String {
        format!("{}br", self.tag)
    }

    fn build(&self) {
        let br = self.bridge();
        std::fs::create_dir_all(&self.dir).unwrap();
        // The blackhole (with a worse metric than the bridge's own route)
        // keeps test traffic on this machine even once the bridge is gone.
        ok(
            "ip",
            &[
                "route",
                "add",
                "blackhole",
                &format!("{}.0/24", self.subnet),
                "metric",
                "4242",
            ],
        );
        ok("ip", &["link", "add", &br, "type", "bridge"]);
        ok(
            "ip",
            &["addr", "add", &format!("{}.1/24", self.subnet), "dev", &br],
        );
        ok("ip", &["link", "set", &br, "up"]);
        for (ns, addr) in &self.nodes {
            ok("ip", &["netns", "add", ns]);
            let inner = format!("{ns}i");
            ok(
                "ip",
                &["link", "add", ns, "type", "veth", "peer", "name", &inner],
            );
            ok("ip", &["link", "set", ns, "master", &br, "up"]);
            ok("ip", &["link", "set", &inner, "netns", ns]);
            let exec = |args: &[&str]| {
                let mut all = vec!["netns", "exec", ns.as_str()];
                all.extend_from_slice(args);
                ok("ip", &all);
            };
            exec(&["ip", "addr", "add", &format!("{addr}/24"), "dev", &inner]);
            exec(&["ip", "link", "set", &inner, "up"]);
            exec(&["ip", "link", "set", "lo", "up"]);
        }
        let cluster: serde_json::Map<String, serde_json::Value> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, (_, addr))| {
                (
                    format!("n{}", i + 1),
                    serde_json::json!({"host": addr, "db": {"port": PORT}}),
                )
            })
            .collect();
        std::fs::write(self.cluster(), serde_json::to_string(&cluster).unwrap()).unwrap();
    }

    pub fn cluster(&self) -> PathBuf {
        self.dir.join("cluster.json")
    }

    pub fn ns(&self, i: usize) -> &str {
        &self.nodes[i].0
    }

    pub fn addr(&self, i: usize) -> SocketAddr {
        format!("{}:{PORT}", self.nodes[i].1).parse().unwrap()
    }

    /// Runs bin/SCRIPT inside node i's namespace, as the lab and a real host do.
    pub fn script(&self, i: usize, script: &str, extra: &[&str]) -> std::process::Output {
        let path = root().join("bin").join(script);
        let cluster = self.cluster();
        let mut args = vec![
            "netns",
            "exec",
            self.ns(i),
            "bash",
            path.to_str().unwrap(),
            "--cluster",
            cluster.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(["n1", "n2", "n3"][i]);
        run("ip", &args)
    }

    pub fn script_ok(&self, i: usize, script: &str, extra: &[&str]) {
        let out = self.script(i, script, extra);
        assert!(
            out.status.success(),
            "{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // The host ends first: a namespace whose sockets are still open goes
        // away only later, and its veth with it.
        for (ns, _) in &self.nodes {
            quiet("ip", &["link", "del", ns]);
            quiet("ip", &["netns", "del", ns]);
        }
        quiet("ip", &["link", "del", &self.bridge()]);
        quiet(
            "ip",
            &[
                "route",
                "del",
                "blackhole",
                &format!("{}.0/24", self.subnet),
                "metric",
                "4242",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs f on a fresh thread that has entered the namespace (setns(2) moves
/// the calling thread only); sockets it opens stay in that namespace.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = Path::new("/run/netns").join(ns);
    thread::spawn(move || {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // SAFETY: a plain system call on a descriptor we own.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "setns into {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        );
        f()
    })
    .join()
    .expect("thread in namespace panicked")
}

/// An echo server on addr inside ns, serving every connection on its own thread.
pub fn echo_server(ns: &str, addr: SocketAddr) {
    let listener = in_netns(ns, move || TcpListener::bind(addr).expect("bind listener"));
    thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut buf = [0u8; 64];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 || conn.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
}

pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// Can a TCP connection from namespace `from` to `to` be opened?
pub fn reaches(from: &str, to: SocketAddr) -> Result<(), std::io::Error> {
    in_netns(from, move || {
        TcpStream::connect_timeout(&to, TIMEOUT).map(drop)
    })
}

/// A round trip on an open connection.
pub fn echoes(conn: &mut TcpStream) -> bool {
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 4];
    conn.write_all(b"ping").is_ok() && conn.read_exact(&mut buf).is_ok() && &buf == b"ping"
}
