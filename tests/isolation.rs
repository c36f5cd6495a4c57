//! bin/isolate.sh and bin/rejoin.sh in three network namespaces that this
//! test makes (a bridge, one veth each, a test-only subnet with a blackhole
//! route), with this process in the root namespace playing the client.
//! Root only: ignored by a plain `cargo test`; bin/check.sh runs it as root.

mod netns;

use netns::{iptables_rules, ok, quiet, require_root, root, run};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

const PORT: u16 = 7070;
const CHAIN: &str = "PERSEUS-ISOLATE";

/// Everything the test made; dropping it removes all of it, on failure too.
struct Net {
    tag: String,
    subnet: String,
    nodes: Vec<(String, String)>, // (namespace, address)
    dir: PathBuf,
}

impl Net {
    fn new() -> Net {
        let pid = std::process::id();
        let tag = format!("pti{pid}");
        // A /24 of its own per test process, apart from the lab's 10.213.0.0/24.
        let third = 200 + pid % 50;
        let subnet = format!("10.213.{third}");
        let dir = std::env::temp_dir().join(format!("perseus-isolation-{pid}"));
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

    fn bridge(&self) -> String {
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

    fn cluster(&self) -> PathBuf {
        self.dir.join("cluster.json")
    }

    fn ns(&self, i: usize) -> &str {
        &self.nodes[i].0
    }

    fn addr(&self, i: usize) -> SocketAddr {
        format!("{}:{PORT}", self.nodes[i].1).parse().unwrap()
    }

    /// Runs bin/SCRIPT inside node i's namespace, as the lab and a real host do.
    fn script(&self, i: usize, script: &str, extra: &[&str]) -> std::process::Output {
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

    fn script_ok(&self, i: usize, script: &str, extra: &[&str]) {
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
fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
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
fn echo_server(ns: &str, addr: SocketAddr) {
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

const TIMEOUT: Duration = Duration::from_millis(1500);

/// Can a TCP connection from namespace `from` to `to` be opened?
fn reaches(from: &str, to: SocketAddr) -> Result<(), std::io::Error> {
    in_netns(from, move || {
        TcpStream::connect_timeout(&to, TIMEOUT).map(drop)
    })
}

/// A round trip on an open connection.
fn echoes(conn: &mut TcpStream) -> bool {
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 4];
    conn.write_all(b"ping").is_ok() && conn.read_exact(&mut buf).is_ok() && &buf == b"ping"
}

fn log_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line parses"))
        .collect()
}

#[test]
#[ignore = "needs root"]
fn isolate_and_rejoin_in_namespaces() {
    require_root("isolate_and_rejoin_in_namespaces");
    let net = Net::new();
    let (a, b, c) = (0, 1, 2);
    for i in 0..3 {
        echo_server(net.ns(i), net.addr(i));
    }
    // Rules that are not the tool's: a custom chain, and an ACCEPT for a peer
    // that the isolation must beat (its jump goes first).
    let pre = [
        vec!["-N", "OTHER-CHAIN"],
        vec![
            "-A",
            "OTHER-CHAIN",
            "-p",
            "udp",
            "--dport",
            "9",
            "-j",
            "RETURN",
        ],
        vec!["-A", "OUTPUT", "-j", "OTHER-CHAIN"],
        vec!["-A", "INPUT", "-s", &net.nodes[b].1, "-j", "ACCEPT"],
    ];
    for rule in &pre {
        let mut args = vec!["netns", "exec", net.ns(a), "iptables", "-w", "10"];
        args.extend_from_slice(rule);
        ok("ip", &args);
    }
    let before = iptables_rules(Some(net.ns(a)), None);

    // Everything talks before.
    reaches(net.ns(a), net.addr(b)).expect("a reaches b before isolation");
    reaches(net.ns(b), net.addr(a)).expect("b reaches a before isolation");
    let mut client = TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("client reaches a");
    assert!(echoes(&mut client));

    // A log with two runs: times count from the last start.
    let log = net.dir.join("events.jsonl");
    let now_us = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64
    };
    let start = |unix_us: u64| {
        format!("{{\"ev\":\"start\",\"t_us\":0,\"schema\":1,\"unix_us\":{unix_us}}}\n")
    };
    let text = start(now_us() - 3_600_000_000)
        + &start(now_us() - 5_000_000)
        + "{\"ev\":\"op\",\"t_us\":1}\n";
    std::fs::write(&log, text).unwrap();

    // A missing log, or one without a start, is an error that changes no rule.
    let missing = net.dir.join("missing.jsonl");
    let out = net.script(a, "isolate.sh", &["--log", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing or unreadable"));
    let no_start = net.dir.join("nostart.jsonl");
    std::fs::write(&no_start, "{\"ev\":\"op\",\"t_us\":1}\n").unwrap();
    let out = net.script(a, "isolate.sh", &["--log", no_start.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no start event"));
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        before,
        "a failed isolate changed rules"
    );

    // Isolate, with --log.
    net.script_ok(a, "isolate.sh", &["--log", log.to_str().unwrap()]);
    let isolated = iptables_rules(Some(net.ns(a)), None);
    assert!(isolated.iter().any(|l| l.contains(CHAIN)));
    assert!(
        reaches(net.ns(a), net.addr(b)).is_err(),
        "a still reaches b"
    );
    assert!(
        reaches(net.ns(a), net.addr(c)).is_err(),
        "a still reaches c"
    );
    let err = reaches(net.ns(b), net.addr(a)).expect_err("b still reaches a");
    assert_eq!(
        err.kind(),
        std::io::ErrorKind::TimedOut,
        "b to a: dropped, so a timeout"
    );
    reaches(net.ns(b), net.addr(c)).expect("b and c still talk");
    assert!(echoes(&mut client), "the client's open connection broke");
    TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("a new client connection to a");
    assert_eq!(
        iptables_rules(Some(net.ns(a)), Some(CHAIN)),
        before,
        "isolate touched rules outside its chain"
    );

    let lines = log_lines(&log);
    assert_eq!(lines.len(), 4);
    let ev = &lines[3];
    assert_eq!(ev["ev"], "fault");
    assert_eq!(ev["action"], "isolate");
    assert_eq!(ev["node"], "n1");
    assert_eq!(ev["note"], "bin/isolate.sh (by hand)");
    assert_eq!(ev["exit"], 0);
    let t = ev["t_us"].as_u64().expect("t_us is a number");
    assert!(
        (5_000_000..15_000_000).contains(&t),
        "t_us {t} is not about 5 s after the last start"
    );

    // A second isolate adds nothing.
    net.script_ok(a, "isolate.sh", &[]);
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        isolated,
        "a second isolate changed rules"
    );

    // Rejoin restores exactly the rules before, and traffic.
    net.script_ok(a, "rejoin.sh", &["--log", log.to_str().unwrap()]);
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        before,
        "rejoin left rules different"
    );
    reaches(net.ns(a), net.addr(b)).expect("a reaches b after rejoin");
    reaches(net.ns(c), net.addr(a)).expect("c reaches a after rejoin");
    assert!(echoes(&mut client));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["action"], "rejoin");
    assert_eq!(lines[4]["note"], "bin/rejoin.sh (by hand)");
    assert!(lines[4]["t_us"].as_u64().unwrap() >= t);

    // A second rejoin changes nothing and succeeds.
    net.script_ok(a, "rejoin.sh", &[]);
    assert_eq!(iptables_rules(Some(net.ns(a)), None), before);

    // An unknown node is refused.
    let out = run(
        "bash",
        &[
            root().join("bin/isolate.sh").to_str().unwrap(),
            "--cluster",
            net.cluster().to_str().unwrap(),
            "n9",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown node 'n9'"));
}
