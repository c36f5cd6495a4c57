//! bin/lab.sh with the Galera engine, end to end, as root: a subnet in use
//! refused, `down` on a half-built lab, a blackhole route of the host's left
//! alone, a second `up`, kill and start of a node, an experiment, a `down`
//! that leaves nothing behind and spares a process it did not start, and a
//! `down` without state that removes nothing. One test function: every step
//! shares the lab's bridge. The lab gets its own name, subnet and state
//! directory, apart from a developer's lab. Root only: ignored by a plain
//! `cargo test`; bin/check.sh runs it as root.

mod netns;

use netns::{iptables_rules, require_root, root};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Lab {
    name: String,
    net: String,
    dir: PathBuf,
    results: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let pid = std::process::id();
        let base = std::env::temp_dir().join(format!("perseus-labtest-{pid}"));
        Lab {
            name: format!("pt{}", pid % 100_000),
            net: format!("10.213.{}", 100 + pid % 50),
            dir: base.join("lab"),
            results: base.join("results"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(root().join("bin/lab.sh"));
        cmd.args(args)
            .env("PERSEUS_LAB_DIR", &self.dir)
            .env("PERSEUS_LAB_NAME", &self.name)
            .env("PERSEUS_LAB_SUBNET", format!("{}.0/24", self.net))
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("run bin/lab.sh");
        eprintln!(
            "lab.sh {args:?}: {}\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "lab.sh {args:?} failed");
        out
    }

    fn addr(&self, node: usize) -> String {
        format!("{}.{}", self.net, 10 + node)
    }

    fn pid(&self, node: usize) -> Option<u32> {
        let file = self.dir.join(format!("nodes/n{node}/mariadbd.pid"));
        std::fs::read_to_string(file).ok()?.trim().parse().ok()
    }

    fn password(&self) -> String {
        std::fs::read_to_string(self.dir.join("password"))
            .expect("lab password file")
            .trim()
            .to_string()
    }

    /// SQL through the mariadb client, as the host's perseus user.
    fn sql(&self, node: usize, query: &str) -> Result<String, String> {
        let out = Command::new("timeout")
            .args([
                "15",
                "mariadb",
                "--no-defaults",
                "-N",
                "-B",
                "--connect-timeout=3",
            ])
            .args(["-h", &self.addr(node), "-u", "perseus", "-e", query])
            .env("MYSQL_PWD", self.password())
            .output()
            .expect("run mariadb");
        if out.status.success() {
            Ok(text(&out.stdout).trim().to_string())
        } else {
            Err(text(&out.stderr))
        }
    }

    /// What of the lab exists on the host: namespaces, links, routes,
    /// iptables lines and live processes that carry its name or subnet.
    fn leftovers(&self) -> Vec<String> {
        let mut found = Vec::new();
        let prefix = format!("{}-", self.name);
        for line in text(&cmd("ip", &["netns", "list"]).stdout).lines() {
            if line.starts_with(&prefix) {
                found.push(format!("namespace {line}"));
            }
        }
        for line in text(&cmd("ip", &["-o", "link"]).stdout).lines() {
            if line.contains(&format!(": {prefix}")) {
                found.push(format!("link {line}"));
            }
        }
        for line in text(&cmd("ip", &["route", "show", "table", "all"]).stdout).lines() {
            if line.contains(&format!("{}.", self.net)) {
                found.push(format!("route {line}"));
            }
        }
        for line in iptables_rules(None, None) {
            if line.contains(&self.name) {
                found.push(format!("iptables {line}"));
            }
        }
        found.extend(self.processes().iter().map(|p| format!("process {p}")));
        found
    }

    /// Live processes whose environment marks them as this lab's servers.
    fn processes(&self) -> Vec<u32> {
        let mark = format!("PERSEUS_LAB_DIR={}", self.dir.display());
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            if environ.split(|&b| b == 0).any(|v| v == mark.as_bytes()) {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Whatever happened, take it all down; then the scratch directory.
        let _ = self.command(&["down"]).output();
        if let Some(base) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn cmd(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .expect("run a tool")
}

/// Polls until f is true; false after the limit.
fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// `up` interrupted (SIGKILL) once the first server runs and the others
/// are not up yet: `down` must still remove every piece.
fn half_built_down(lab: &Lab) {
    // A process group of its own, so that the kill also ends the helpers it
    // runs (the servers are in sessions of their own and stay).
    let mut up: Child = lab
        .command(&["up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = wait_for(Duration::from_secs(120), || lab.pid(1).is_some());
    cmd("kill", &["-KILL", "--", &format!("-{}", up.id())]);
    let _ = up.wait();
    assert!(started, "up never started its first server");
    assert!(
        !lab.leftovers().is_empty(),
        "the interrupted up left nothing to clean"
    );
    lab.ok(&["down"]);
    assert_eq!(
        lab.leftovers(),
        Vec::<String>::new(),
        "down after a half-built up"
    );
    assert!(!lab.dir.exists(), "down left the state directory");
    lab.ok(&["down"]); // idempotent
}

/// The tidb engine cannot run here (no TiDB binaries), but everything around
/// the binaries can, with the strict stand-ins of tests/fixtures/standins/
/// (they take only the real servers' flags and act out their start-up
/// checks; TiDB's SQL comes from a MariaDB server). `up --engine tidb` must
/// start PD, TiKV and TiDB in every namespace and wait for them: all three
/// TiDBs use port 4000 and share /tmp, so a socket per node is what lets the
/// second and third start. The readiness gate waits for PD (the stand-in
/// says what the test writes into its state directory): not initialized,
/// then Regions missing a peer, then whole. Then `down` clears it all, but
/// for a blackhole route of the host's that up used and must leave.
fn tidb_on_standins(lab: &Lab) {
    let bin = root().join("tests/fixtures/standins");
    let pd_state = lab.results.join("pd-state");
    std::fs::create_dir_all(&pd_state).unwrap();
    pd_answers(
        &pd_state,
        "cluster-status.json",
        r#"{"is_initialized":false}"#,
    );
    let subnet = format!("{}.0/24", lab.net);
    let theirs = ["route", "add", "blackhole", &subnet, "metric", "4241"];
    assert!(cmd("ip", &theirs).status.success());
    let out = lab
        .command(&["up", "--engine", "tidb"])
        .env("TIDB_BIN_DIR", &bin)
        .env("STANDIN_TIDB_SQL", "mariadb")
        .env("STANDIN_PD_STATE", &pd_state)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    eprintln!("lab.sh up --engine tidb (stand-ins): {}\n{err}", out.status);
    let up = out.status.success();
    // Three TiKVs share this disk: none may reserve any of it.
    let reserved: Vec<PathBuf> = (1..=3)
        .map(|n| {
            lab.dir
                .join(format!("data/n{n}/kv/data/space_placeholder_file"))
        })
        .filter(|p| p.exists())
        .collect();
    let status = text(&lab.run(&["status"]).stdout);
    let (early, waited) = if up {
        tidb_readiness(lab, &pd_state)
    } else {
        (String::new(), String::new())
    };
    let cluster: Value =
        serde_json::from_str(&std::fs::read_to_string(lab.dir.join("cluster.json")).unwrap())
            .unwrap();
    lab.ok(&["down"]);
    let left = lab.leftovers();
    cmd(
        "ip",
        &["route", "del", "blackhole", &subnet, "metric", "4241"],
    );
    assert!(up, "up --engine tidb on the stand-ins failed: {err}");
    assert!(err.contains("all db servers ready"), "{err}");
    assert_eq!(status.matches("sql: answers").count(), 3, "{status}");
    assert!(
        early.contains("not ready after 3 s") && early.contains("cluster not initialized"),
        "ready --timeout 3 on an uninitialized cluster: {early}"
    );
    assert!(
        waited.contains("2 Regions miss a peer") && waited.contains("lab is ready"),
        "ready while PD catches up: {waited}"
    );
    assert_eq!(reserved, Vec::<PathBuf>::new(), "TiKVs reserved disk space");
    assert_eq!(cluster["n2"]["pd"]["clientPort"], 2379);
    assert_eq!(cluster["n2"]["db"]["port"], 4000);
    assert_eq!(
        left,
        vec![format!("route blackhole {subnet} metric 4241 ")],
        "down after the tidb stand-ins: all gone but the host's blackhole"
    );
}

/// Writes one of the PD stand-in's answers (tests/fixtures/standins/pd-server).
fn pd_answers(state: &Path, file: &str, body: &str) {
    let tmp = state.join(format!(".{file}"));
    std::fs::write(&tmp, body).unwrap();
    std::fs::rename(&tmp, state.join(file)).unwrap();
}

/// `ready` on the tidb stand-ins: it fails within a short limit while PD
/// says the cluster is not initialized, and passes once PD reports it
/// initialized and, later, no Region missing a peer. Returns both stderrs.
fn tidb_readiness(lab: &Lab, pd_state: &Path) -> (String, String) {
    let early = lab.run(&["ready", "--timeout", "3"]);
    assert!(!early.status.success(), "ready on an uninitialized cluster");
    let waiting = lab
        .command(&["ready", "--timeout", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    pd_answers(
        pd_state,
        "cluster-status.json",
        r#"{"is_initialized":true}"#,
    );
    pd_answers(
        pd_state,
        "miss-peer.json",
        r#"{"count":2,"regions":[{},{}]}"#,
    );
    std::thread::sleep(Duration::from_secs(5));
    pd_answers(pd_state, "miss-peer.json", r#"{"count":0,"regions":[]}"#);
    let done = waiting.wait_with_output().unwrap();
    let waited = text(&done.stderr);
    eprintln!("lab.sh ready (waiting): {}\n{waited}", done.status);
    assert!(
        done.status.success(),
        "ready once PD reports the cluster whole"
    );
    (text(&early.stderr), waited)
}

/// A subnet the host already uses (here a route into it) is refused before
/// anything is built.
fn subnet_in_use(lab: &Lab) {
    let part = format!("{}.128/25", lab.net);
    assert!(cmd("ip", &["route", "add", &part, "dev", "lo"])
        .status
        .success());
    let out = lab.run(&["up"]);
    let left = lab.leftovers();
    cmd("ip", &["route", "del", &part, "dev", "lo"]);
    assert!(!out.status.success(), "up on a subnet in use");
    let err = text(&out.stderr);
    assert!(
        err.contains("the host uses it already") && err.contains(&part),
        "{err}"
    );
    assert_eq!(left.len(), 1, "up built something: {left:?}");
    assert!(!lab.dir.join("lab.env").exists());
}

/// Without state, down removes nothing that merely has the lab's names (a
/// namespace someone made), and up refuses to take it over.
fn down_without_state(lab: &Lab) {
    let ns = format!("{}-n1", lab.name);
    assert!(cmd("ip", &["netns", "add", &ns]).status.success());
    let down = lab.run(&["down"]);
    let kept = text(&cmd("ip", &["netns", "list"]).stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(ns.as_str()));
    let up = lab.run(&["up"]);
    cmd("ip", &["netns", "del", &ns]);
    assert!(down.status.success(), "down without a lab");
    assert!(kept, "down without state removed namespace {ns}");
    assert!(!up.status.success(), "up took over namespace {ns}");
    assert!(text(&up.stderr).contains(&format!("namespace {ns}")));
}

/// Kill n2: n1 and n3 keep serving; start it: it catches up and serves.
fn kill_and_start(lab: &Lab) {
    lab.ok(&["ready", "--timeout", "10"]);
    lab.ok(&["kill", "n2"]);
    assert!(lab.sql(2, "SELECT 1").is_err(), "n2 answers after kill");
    // The readiness gate fails, in its time and saying why.
    let started = Instant::now();
    let gate = lab.run(&["ready", "--timeout", "3"]);
    let err = text(&gate.stderr);
    assert!(!gate.status.success(), "ready with n2 killed");
    assert!(
        err.contains("not ready after 3 s: n2: mariadbd is not running"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // The survivors keep a primary component (2 of 3) and take writes.
    let written = wait_for(Duration::from_secs(30), || {
        lab.sql(1, "REPLACE INTO lily.storage VALUES ('lab-test', 41)")
            .is_ok()
            && lab
                .sql(
                    3,
                    "UPDATE lily.storage SET value = 42 WHERE id = 'lab-test'",
                )
                .is_ok()
    });
    assert!(written, "n1 and n3 did not serve while n2 was down");
    lab.ok(&["start", "n2"]);
    lab.ok(&["ready", "--timeout", "60"]);
    let read = lab.sql(2, "SELECT value FROM lily.storage WHERE id = 'lab-test'");
    assert_eq!(
        read.as_deref(),
        Ok("42"),
        "the restarted n2 lacks what was written without it"
    );
    lab.sql(
        2,
        "UPDATE lily.storage SET value = 43 WHERE id = 'lab-test'",
    )
    .expect("n2 takes writes");
    let status = text(&lab.ok(&["status"]).stdout);
    assert_eq!(
        status.matches("Primary size 3 Synced").count(),
        3,
        "{status}"
    );
}

/// Successful writes of one node, per second of the run (as perseus tallies).
fn writes_per_second(log: &[Value], node: &str) -> std::collections::BTreeMap<u64, u64> {
    let mut per = std::collections::BTreeMap::new();
    for ev in log {
        let write = matches!(ev["op"].as_str(), Some("insert" | "update"));
        if ev["ev"] == "op" && ev["node"] == node && write && ev["ok"] == true {
            *per.entry(ev["t_us"].as_u64().unwrap() / 1_000_000 + 1)
                .or_insert(0) += 1;
        }
    }
    per
}

fn experiment(lab: &Lab) {
    let results = lab.results.join("run");
    let out = lab.ok(&[
        "experiment",
        "--target",
        "leader",
        "--duration",
        "60",
        "--isolate-at",
        "20",
        "--rejoin-at",
        "40",
        "--results",
        results.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    // Galera has no leader: n1 stands in, and the script says so.
    assert!(
        text(&out.stderr).contains("has no leader"),
        "no word on the leader"
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("results: {}", results.display()),
        "the last line names the results"
    );
    for file in [
        "events.jsonl",
        "report.txt",
        "report.json",
        "report.md",
        "readiness.jsonl",
    ] {
        assert!(results.join(file).is_file(), "no {file} in the results");
    }
    // The gate before the run and after the healing, both passed.
    let gates: Vec<Value> = std::fs::read_to_string(results.join("readiness.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("readiness lines parse"))
        .collect();
    let labels: Vec<&str> = gates.iter().filter_map(|g| g["gate"].as_str()).collect();
    assert_eq!(labels, ["before", "after"], "{gates:?}");
    for g in &gates {
        assert_eq!(g["ready"], true, "{g}");
        assert_eq!(g["engine"], "galera", "{g}");
        assert_eq!(g["nodes"], 3, "{g}");
    }
    let log: Vec<Value> = std::fs::read_to_string(results.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("log lines parse"))
        .collect();
    let fault = |action: &str| -> u64 {
        let ev = log
            .iter()
            .find(|e| e["ev"] == "fault" && e["action"] == action)
            .expect("fault event");
        assert_eq!(ev["exit"], 0, "{action} failed: {ev}");
        ev["t_us"].as_u64().unwrap()
    };
    let (isolated_s, rejoined_s) = (
        fault("isolate") / 1_000_000 + 1,
        fault("rejoin") / 1_000_000 + 1,
    );
    let n1 = writes_per_second(&log, "n1");
    // Cut off, n1 completes no write once the quorum has had 2 s to notice.
    let leaked: u64 = n1.range(isolated_s + 2..rejoined_s).map(|(_, n)| n).sum();
    assert_eq!(leaked, 0, "n1 completed writes while cut off: {n1:?}");
    // n2 and n3 serve again within seconds, and every second after that.
    for node in ["n2", "n3"] {
        let per = writes_per_second(&log, node);
        for s in isolated_s + 10..rejoined_s {
            assert!(
                per.get(&s).copied().unwrap_or(0) > 0,
                "{node} idle in second {s}: {per:?}"
            );
        }
    }
    // After the rejoin all three serve (the last 5 s of the run).
    for node in ["n1", "n2", "n3"] {
        let per = writes_per_second(&log, node);
        for s in 56..=60 {
            assert!(
                per.get(&s).copied().unwrap_or(0) > 0,
                "{node} idle in second {s} after rejoin: {per:?}"
            );
        }
    }
    // The report's fault numbers exist for both faults and are printed.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("report.json")).unwrap())
            .unwrap();
    let faults = report["runs"][0]["faults"]
        .as_array()
        .expect("faults in report.json");
    assert_eq!(faults.len(), 2, "{faults:?}");
    for f in faults {
        for key in ["t_us", "downtime_us", "partial_downtime_us", "settle_us"] {
            assert!(f.get(key).is_some(), "fault without {key}: {f}");
        }
        let line = format!(
            "{} {}",
            f["action"].as_str().unwrap(),
            f["node"].as_str().unwrap()
        );
        assert!(stdout.contains(&line), "the summary lacks {line}");
    }
    check_against_table(&results, faults);
}

/// The report's fault numbers agree with perseus's own per-second table
/// (table.txt: second, total, then one column per node). The report's
/// definitions: downtime = time no node is up between the fault F and the
/// moment T the expected nodes are up for good (settle = T - F).
fn check_against_table(results: &Path, faults: &[Value]) {
    let table: Vec<Vec<u64>> = std::fs::read_to_string(results.join("table.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split('\t')
                .map(|f| f.parse().ok())
                .collect::<Option<Vec<u64>>>()
        })
        .filter(|row| row.len() == 5)
        .collect();
    assert!(table.len() >= 55, "table.txt has {} rows", table.len());
    let row = |s: u64| {
        table
            .iter()
            .find(|r| r[0] == s)
            .cloned()
            .unwrap_or_else(|| vec![s, 0, 0, 0, 0])
    };
    let secs = |us: &Value| us.as_u64().map(|u| u as f64 / 1e6);
    for f in faults {
        let at = secs(&f["t_us"]).unwrap();
        let settle = secs(&f["settle_us"]).expect("the cluster settled after each fault");
        let down = secs(&f["downtime_us"]).unwrap();
        let (from, to) = (at as u64 + 1, (at + settle) as u64 + 1);
        // Whole seconds without any success lie inside the downtime, which
        // can exceed them by at most the two partial seconds at its ends.
        let zero = (from..=to).filter(|&s| row(s)[1] == 0).count() as f64;
        assert!(
            zero <= down + 0.01 && down <= zero + 2.0,
            "{f}: downtime {down} s, {zero} empty rows"
        );
        // From the second after T on, every expected node has successes.
        let expected: Vec<usize> = match f["action"].as_str() {
            Some("isolate") => vec![3, 4],
            _ => vec![2, 3, 4],
        };
        for s in to + 1..=(to + 3).min(60) {
            assert!(
                expected.iter().all(|&c| row(s)[c] > 0),
                "{f}: second {s} after settling: {:?}",
                row(s)
            );
        }
        eprintln!("{} at {at:.2} s: downtime {down:.2} s ({zero} empty rows), settled after {settle:.2} s", f["action"]);
    }
}

#[test]
#[ignore = "needs root"]
fn lab_galera_end_to_end() {
    require_root("lab_galera_end_to_end");
    let lab = Lab::new();
    let rules_before = host_rules(&lab);
    assert_eq!(
        lab.leftovers(),
        Vec::<String>::new(),
        "a lab named {} exists already",
        lab.name
    );

    subnet_in_use(&lab);
    half_built_down(&lab);
    tidb_on_standins(&lab);

    lab.ok(&["up"]);
    let pids: Vec<Option<u32>> = (1..=3).map(|n| lab.pid(n)).collect();
    assert!(pids.iter().all(Option::is_some));
    let status = text(&lab.ok(&["status"]).stdout);
    assert_eq!(
        status.matches("Primary size 3 Synced").count(),
        3,
        "{status}"
    );
    let cluster: Value =
        serde_json::from_str(&std::fs::read_to_string(lab.dir.join("cluster.json")).unwrap())
            .unwrap();
    assert_eq!(cluster["n3"]["host"], lab.addr(3));
    assert_eq!(cluster["n3"]["db"]["port"], 3306);

    // A second up says so, succeeds and changes nothing.
    let again = lab.ok(&["up"]);
    assert!(text(&again.stderr).contains("already up"));
    assert_eq!((1..=3).map(|n| lab.pid(n)).collect::<Vec<_>>(), pids);

    kill_and_start(&lab);

    experiment(&lab);

    // A shell someone runs in a node's namespace is not the lab's to end.
    let mut visitor = Command::new("ip")
        .args(["netns", "exec", &format!("{}-n1", lab.name), "sleep", "120"])
        .spawn()
        .unwrap();
    let inside = wait_for(Duration::from_secs(10), || {
        text(&cmd("ip", &["netns", "pids", &format!("{}-n1", lab.name)]).stdout)
            .lines()
            .any(|l| l.trim() == visitor.id().to_string())
    });
    if !inside {
        let _ = visitor.kill();
        let _ = visitor.wait();
        panic!("the visitor never entered the namespace");
    }
    lab.ok(&["down"]);
    let spared = visitor.try_wait().unwrap().is_none();
    let _ = visitor.kill();
    let _ = visitor.wait();
    assert!(spared, "down ended a process it did not start");
    assert_eq!(
        lab.leftovers(),
        Vec::<String>::new(),
        "down left pieces behind"
    );
    assert!(!Path::new(&lab.dir).exists());
    down_without_state(&lab);
    assert_eq!(host_rules(&lab), rules_before, "the host's rules changed");
}

/// The host's iptables rules but for other labs' (another test run, or a
/// colleague's lab, may come and go meanwhile: they are not the host's).
fn host_rules(lab: &Lab) -> Vec<String> {
    let ours = format!("PERSEUS-LAB-{}", lab.name);
    iptables_rules(None, None)
        .into_iter()
        .filter(|l| !l.contains("PERSEUS-LAB-") || l.contains(&ours))
        .collect()
}
