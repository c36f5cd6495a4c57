//! Running the perseus binary and reading what it leaves behind.

use super::mariadb::{cluster_file, scratch_dir, MariaDb};
use perseus::event::{Event, SCHEMA};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn perseus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perseus"));
    cmd.env_remove("MYSQL_PWD")
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null());
    cmd
}

/// Runs perseus to its end; one still running after a minute is killed and
/// the test fails (a run that should have been refused must not hang CI).
pub fn run(args: &[&str]) -> Output {
    let mut cmd = perseus();
    cmd.args(args);
    output_within(cmd, Duration::from_secs(60))
}

pub fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start perseus");
    let pid = child.id().to_string();
    let (done, wait) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let overdue = wait.recv_timeout(limit).is_err();
        if overdue {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        overdue
    });
    let out = child.wait_with_output().expect("wait for perseus");
    let _ = done.send(());
    let overdue = watchdog.join().expect("watchdog");
    assert!(
        !overdue,
        "perseus ran past {limit:?} and was killed: {}",
        text(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every line of the log, checked against schema 1 by the library's parser.
pub fn read_log(path: &Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut out: Vec<serde_json::Value> = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        Event::parse(line).unwrap_or_else(|e| panic!("log line {}: {e}: {}", i + 1, text(line)));
        out.push(serde_json::from_slice(line).expect("json"));
    }
    let first = out.first().expect("log has a start line");
    assert_eq!(first["ev"], "start");
    assert_eq!(first["t_us"], 0);
    assert_eq!(first["schema"], SCHEMA);
    out
}

/// The table's data rows: [second, total, node1, node2, ...].
pub fn rows(stdout: &str) -> Vec<Vec<u64>> {
    stdout
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            l.split('\t')
                .map(|c| c.parse().expect("a number"))
                .collect()
        })
        .collect()
}

/// Successful writes per (second, node), counted straight from the log.
pub fn successes_per_second(log: &[serde_json::Value]) -> BTreeMap<(u64, String), u64> {
    let mut counts = BTreeMap::new();
    for ev in log {
        let write = ev["op"] == "insert" || ev["op"] == "update";
        if ev["ev"] == "op" && ev["ok"] == true && write {
            let second = ev["t_us"].as_u64().expect("t_us") / 1_000_000 + 1;
            let node = ev["node"].as_str().expect("node").to_string();
            *counts.entry((second, node)).or_default() += 1;
        }
    }
    counts
}

pub fn ops<'a>(
    log: &'a [serde_json::Value],
    node: &'a str,
) -> impl Iterator<Item = &'a serde_json::Value> + 'a {
    log.iter()
        .filter(move |e| e["ev"] == "op" && e["node"] == node)
}

/// What the stop event lists as in flight on `node`.
pub fn in_flight<'a>(stop: &'a serde_json::Value, node: &str) -> Vec<&'a serde_json::Value> {
    stop["in_flight"]
        .as_array()
        .expect("in flight")
        .iter()
        .filter(|o| o["node"] == node)
        .collect()
}

/// A node's failed operations of one error kind.
pub fn failures<'a>(
    log: &'a [serde_json::Value],
    node: &'a str,
    kind: &str,
) -> Vec<&'a serde_json::Value> {
    ops(log, node)
        .filter(|e| e["ok"] == false && e["err"]["kind"] == kind)
        .collect()
}

/// Every operation took a time within `range` (µs).
pub fn assert_latencies(events: &[&serde_json::Value], range: std::ops::Range<u64>) {
    for e in events {
        let lat = e["lat_us"].as_u64().expect("lat_us");
        assert!(range.contains(&lat), "{lat} µs is outside {range:?}: {e}");
    }
}

/// A scratch directory holding a cluster file for some servers, and a log path.
pub struct Setup {
    pub dir: PathBuf,
    pub cluster: PathBuf,
    pub log: PathBuf,
}

impl Setup {
    pub fn new(name: &str, servers: &[&MariaDb]) -> Setup {
        Setup::with_cluster(name, |dir| cluster_file(dir, servers))
    }

    /// The same with a cluster file that `write` puts in the directory.
    pub fn with_cluster(name: &str, write: impl FnOnce(&Path) -> PathBuf) -> Setup {
        let dir = scratch_dir(name);
        let cluster = write(&dir);
        let log = dir.join("events.jsonl");
        Setup { dir, cluster, log }
    }

    /// `--cluster FILE --log FILE` and then `extra`.
    pub fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["--cluster", path(&self.cluster), "--log", path(&self.log)];
        args.extend_from_slice(extra);
        args
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Whether process `pid` still runs: a zombie (ended, not yet reaped by a
/// parent that does not reap) does not.
pub fn alive(pid: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) else {
        return false;
    };
    let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
    !matches!(state, Some(Some('Z' | 'X')))
}
