//! The lab under test: bin/lab.sh with a name, subnet and state directory
//! of the test's own, what of it is left on the host, and the checks every
//! experiment's results must pass. Shared by tests/lab.rs and
//! tests/lab_faults.rs.

use super::{iptables_rules, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Lab {
    pub name: String,
    pub net: String,
    pub dir: PathBuf,
    pub results: PathBuf,
}

impl Lab {
    /// A lab of its own: name TAG + a number from the PID, subnet
    /// 10.213.(BASE + PID % 50), state and results in a scratch directory;
    /// each test file passes its own TAG and BASE so that two never meet.
    pub fn new(tag: &str, base: u32) -> Lab {
        Lab::new_in(tag, "10.213", base)
    }

    /// The same in PREFIX.(BASE + PID % 50), PREFIX such as "10.214": a test file that needs the
    /// room of its own /16 (the 10.213 bases are taken).
    pub fn new_in(tag: &str, prefix: &str, base: u32) -> Lab {
        let pid = std::process::id();
        let scratch = std::env::temp_dir().join(format!("perseus-{tag}-{pid}"));
        Lab {
            name: format!("{tag}{}", pid % 100_000),
            net: format!("{prefix}.{}", base + pid % 50),
            dir: scratch.join("lab"),
            results: scratch.join("results"),
        }
    }

    /// A new lab for the root-only test `test` (names as for `new`), none
    /// of whose pieces exist yet, and the host's iptables rules before it,
    /// to compare with at the end.
    pub fn fresh(test: &str, tag: &str, base: u32) -> (Lab, Vec<String>) {
        Lab::fresh_in(test, tag, "10.213", base)
    }

    /// `fresh` in PREFIX (`new_in`).
    pub fn fresh_in(test: &str, tag: &str, prefix: &str, base: u32) -> (Lab, Vec<String>) {
        super::require_root(test);
        let lab = Lab::new_in(tag, prefix, base);
        let rules = host_rules(&lab);
        assert_eq!(
            lab.leftovers(),
            Vec::<String>::new(),
            "a lab named {} exists already",
            lab.name
        );
        (lab, rules)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(root().join("bin/lab.sh"));
        cmd.args(args)
            .env("PERSEUS_LAB_DIR", &self.dir)
            .env("PERSEUS_LAB_NAME", &self.name)
            .env("PERSEUS_LAB_SUBNET", format!("{}.0/24", self.net))
            .env("PERSEUS_RESULTS_DIR", &self.results)
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("run bin/lab.sh");
        eprintln!(
            "lab.sh {args:?}: {}\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "lab.sh {args:?} failed");
        out
    }

    pub fn addr(&self, node: usize) -> String {
        format!("{}.{}", self.net, 10 + node)
    }

    pub fn pid(&self, node: usize) -> Option<u32> {
        let file = self.dir.join(format!("nodes/n{node}/mariadbd.pid"));
        std::fs::read_to_string(file).ok()?.trim().parse().ok()
    }

    pub fn password(&self) -> String {
        std::fs::read_to_string(self.dir.join("password"))
            .expect("lab password file")
            .trim()
            .to_string()
    }

    /// SQL through the mariadb client, as the host's perseus user.
    pub fn sql(&self, node: usize, query: &str) -> Result<String, String> {
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
    pub fn leftovers(&self) -> Vec<String> {
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
    pub fn processes(&self) -> Vec<u32> {
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

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn cmd(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .expect("run a tool")
}

/// Polls until f is true; false after the limit.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// The successful writes (insert, update) of one node.
fn successful_writes<'a>(log: &'a [Value], node: &'a str) -> impl Iterator<Item = &'a Value> {
    log.iter().filter(move |ev| {
        let write = matches!(ev["op"].as_str(), Some("insert" | "update"));
        ev["ev"] == "op" && ev["node"] == node && write && ev["ok"] == true
    })
}

/// Successful writes of one node, per second of the run (as perseus tallies).
pub fn writes_per_second(log: &[Value], node: &str) -> std::collections::BTreeMap<u64, u64> {
    let mut per = std::collections::BTreeMap::new();
    for ev in successful_writes(log, node) {
        *per.entry(ev["t_us"].as_u64().unwrap() / 1_000_000 + 1)
            .or_insert(0) += 1;
    }
    per
}

/// The successful writes of `node` that began in [from_s, to_s) seconds of
/// the run and completed before `to_s`, as (began µs, latency µs).
fn writes_begun(log: &[Value], node: &str, from_s: u64, to_s: u64) -> Vec<(u64, u64)> {
    let (from_us, to_us) = (from_s * 1_000_000, to_s * 1_000_000);
    successful_writes(log, node)
        .filter_map(|ev| {
            let (done, lat) = (ev["t_us"].as_u64()?, ev["lat_us"].as_u64()?);
            let began = done.saturating_sub(lat);
            (began >= from_us && done < to_us).then_some((began, lat))
        })
        .collect()
}

/// The report's fault numbers agree with perseus's own per-second table
/// (table.txt: second, total, then one column per node). The report's
/// definitions: downtime = time no node is up between the fault F and the
/// moment T the expected nodes are up for good (settle = T - F).
/// `expected` gives, per fault, the table columns (2 = the first node) of
/// the nodes expected to serve after it.
pub fn check_against_table(
    results: &Path,
    faults: &[Value],
    duration: u64,
    nodes: usize,
    expected: impl Fn(&Value) -> Vec<usize>,
) {
    let table: Vec<Vec<u64>> = std::fs::read_to_string(results.join("table.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split('\t')
                .map(|f| f.parse().ok())
                .collect::<Option<Vec<u64>>>()
        })
        .filter(|row| row.len() == nodes + 2)
        .collect();
    assert!(
        table.len() as u64 >= duration - 5,
        "table.txt has {} rows",
        table.len()
    );
    let row = |s: u64| {
        table
            .iter()
            .find(|r| r[0] == s)
            .cloned()
            .unwrap_or_else(|| {
                let mut empty = vec![0; nodes + 2];
                empty[0] = s;
                empty
            })
    };
    let secs = |us: &Value| us.as_u64().map(|u| u as f64 / 1e6);
    for f in faults {
        let at = secs(&f["t_us"]).unwrap();
        let settle = secs(&f["settle_us"]).expect("the cluster settled after each fault");
        let down = secs(&f["downtime_us"]).unwrap();
        let (from, to) = (at as u64 + 1, (at + settle) as u64 + 1);
        // Whole seconds without any success lie inside the downtime, which
        // can exceed them by the two partial seconds at its ends, and by the
        // seconds holding only a stray success or two: a node that succeeds
        // once between two gaps longer than --gap is up at that instant
        // only, so the cluster's outages touch there (docs/report.md).
        let zero = (from..=to).filter(|&s| row(s)[1] == 0).count() as f64;
        let stray = (from..=to)
            .filter(|&s| (1..=2).contains(&row(s)[1]))
            .count() as f64;
        assert!(
            zero <= down + 0.01 && down <= zero + stray + 2.0,
            "{f}: downtime {down} s, {zero} empty rows, {stray} with a stray success"
        );
        // From the second after T on, every expected node has successes.
        let cols = expected(f);
        for s in to + 1..=(to + 3).min(duration) {
            assert!(
                cols.iter().all(|&c| row(s)[c] > 0),
                "{f}: second {s} after settling: {:?}",
                row(s)
            );
        }
        eprintln!(
            "{} at {at:.2} s: downtime {down:.2} s ({zero} empty rows), settled after {settle:.2} s",
            f["action"]
        );
    }
}

/// The host's iptables rules but for other labs' (another test run, or a
/// colleague's lab, may come and go meanwhile: they are not the host's).
pub fn host_rules(lab: &Lab) -> Vec<String> {
    let ours = format!("PERSEUS-LAB-{}", lab.name);
    iptables_rules(None, None)
        .into_iter()
        .filter(|l| !l.contains("PERSEUS-LAB-") || l.contains(&ours))
        .collect()
}

/// An experiment's results, read back and checked for what every
/// experiment must hold: its files, both readiness gates passed, the last
/// line naming the results, two faults with their numbers in the report
/// and a line of them on stdout.
pub struct Run {
    pub dir: PathBuf,
    pub stdout: String,
    pub stderr: String,
    pub log: Vec<Value>,
    pub faults: Vec<Value>,
}

impl Lab {
    /// The engine of the lab that is up, as its lab.env says.
    pub fn engine(&self) -> String {
        std::fs::read_to_string(self.dir.join("lab.env"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("engine=").map(String::from))
            .unwrap_or_default()
    }

    /// `lab.sh experiment ARGS --results RESULTS/NAME`, which must succeed.
    pub fn experiment(&self, name: &str, nodes: usize, args: &[&str]) -> Run {
        let dir = self.results.join(name);
        let mut all = vec!["experiment"];
        all.extend_from_slice(args);
        all.extend(["--results", dir.to_str().unwrap()]);
        let out = self.ok(&all);
        if let Ok(latest) = std::fs::read_link(self.results.join("latest")) {
            assert_ne!(
                Some(latest.as_os_str()),
                dir.file_name(),
                "--results moved latest"
            );
        }
        self.check_run(dir, out, nodes)
    }

    /// An experiment in the default place, `$PERSEUS_RESULTS_DIR/DATE-TIME`,
    /// which `latest` beside it then names.
    pub fn experiment_in_default_place(&self, nodes: usize, args: &[&str]) -> Run {
        let mut all = vec!["experiment"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        let stdout = text(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        let dir = PathBuf::from(
            last.strip_prefix("results: ")
                .expect("the last line names the results"),
        );
        assert_eq!(dir.parent(), Some(self.results.as_path()), "{last}");
        let latest = std::fs::read_link(self.results.join("latest")).expect("results/latest");
        assert_eq!(
            Some(latest.as_os_str()),
            dir.file_name(),
            "latest names the run"
        );
        self.check_run(dir, out, nodes)
    }

    fn check_run(&self, dir: PathBuf, out: Output, nodes: usize) -> Run {
        let stdout = text(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        assert_eq!(
            last,
            format!("results: {}", dir.display()),
            "the last line names the results"
        );
        assert!(
            stdout.contains(&format!("page: {}/report.html\n", dir.display())),
            "the page is named"
        );
        for file in [
            "events.jsonl",
            "report.txt",
            "report.json",
            "report.md",
            "report.html",
            "table.txt",
            "perseus.stderr",
            "readiness.jsonl",
        ] {
            assert!(dir.join(file).is_file(), "no {file} in the results");
        }
        // The gate before the run and after the healing, both passed.
        let gates = json_lines(&dir.join("readiness.jsonl"));
        let labels: Vec<&str> = gates.iter().filter_map(|g| g["gate"].as_str()).collect();
        assert_eq!(labels, ["before", "after"], "{gates:?}");
        let engine = self.engine();
        for g in &gates {
            assert_eq!(g["ready"], true, "{g}");
            assert_eq!(g["engine"], engine.as_str(), "{g}");
            assert_eq!(g["nodes"], nodes, "{g}");
        }
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap())
                .unwrap();
        let faults = report["runs"][0]["faults"]
            .as_array()
            .expect("faults in report.json")
            .clone();
        assert_eq!(faults.len(), 2, "{faults:?}");
        for f in &faults {
            for key in ["t_us", "downtime_us", "partial_downtime_us", "settle_us"] {
                assert!(f.get(key).is_some(), "fault without {key}: {f}");
            }
            // The action as written (`loss:30`), as report.txt names it.
            let action = match f["arg"].as_str() {
                Some(arg) => format!("{}:{arg}", f["action"].as_str().unwrap()),
                None => f["action"].as_str().unwrap().to_string(),
            };
            let line = format!(" {action} {}: downtime ", f["node"].as_str().unwrap());
            assert!(stdout.contains(&line), "the summary lacks {line}: {stdout}");
        }
        Run {
            log: json_lines(&dir.join("events.jsonl")),
            dir,
            stdout,
            stderr: text(&out.stderr),
            faults,
        }
    }
}

pub fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line parses"))
        .collect()
}

/// How long a Galera majority may take to serve again after a fault cuts a
/// member off (seconds of the table after the fault's): Galera's
/// `evs.inactive_timeout` (PT15S by default, which the lab keeps) bounds how
/// long the others wait for a silent member whatever they agree, plus 2 s to
/// install the new view. Usually it takes about 6 s (`evs.suspect_timeout`,
/// PT5S, plus the view change), but a one-way cut once took 11.3 s on a
/// machine of this kind (the majority went on hearing from n1 for a while), so
/// the tests hold Galera to its bound, not to its usual time.
pub const GALERA_GRACE: u64 = 17;

impl Run {
    /// The second of the table in which the run's fault ACTION was applied
    /// (it must have succeeded).
    pub fn fault_second(&self, action: &str) -> u64 {
        let ev = self
            .log
            .iter()
            .find(|e| e["ev"] == "fault" && e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} fault in the log"));
        assert_eq!(ev["exit"], 0, "{action} failed: {ev}");
        ev["t_us"].as_u64().unwrap() / 1_000_000 + 1
    }

    /// What a quorum cluster must show for a fault from `cut` to `undo`
    /// (actions of the log) that leaves the nodes `cut_off` without their
    /// quorum: those complete no write begun once the others had 2 s to notice;
    /// the others serve again within `grace` seconds and every second until
    /// the undo
    /// (when the fault cuts no node off, every node completes writes during
    /// it);
    /// after it every node serves again (the last 5 s of the run); the
    /// report's numbers agree with the per-second table.
    pub fn quorum(
        &self,
        (cut, undo): (&str, &str),
        cut_off: &[&str],
        nodes: usize,
        duration: u64,
        grace: u64,
    ) {
        let (from, to) = (self.fault_second(cut), self.fault_second(undo));
        let names: Vec<String> = (1..=nodes).map(|i| format!("n{i}")).collect();
        for node in &names {
            let per = writes_per_second(&self.log, node);
            if cut_off.contains(&node.as_str()) {
                // By when they began: a write Galera ordered before the cut
                // may be acknowledged seconds later, at the view change
                // (seen once: begun at 6.x s, done at 11.x s), and it is on
                // the majority too (the consistency check would say if not).
                let leaked = writes_begun(&self.log, node, from + 1, to - 1);
                assert!(
                    leaked.is_empty(),
                    "{node} completed writes begun while cut off: {leaked:?}; per second: {per:?}"
                );
            } else if !cut_off.is_empty() {
                assert!(from + grace < to, "no second left to check after {cut}");
                for s in from + grace..to {
                    assert!(
                        per.get(&s).copied().unwrap_or(0) > 0,
                        "{node} idle in second {s} during {cut}: {per:?}"
                    );
                }
            } else {
                // Nothing cut (loss, bandwidth): the cluster may slow down or
                // stall a moment, but every node keeps completing writes.
                let done: u64 = per.range(from + 1..to).map(|(_, n)| n).sum();
                assert!(done > 0, "{node} completed no write during {cut}: {per:?}");
            }
            for s in duration - 4..=duration {
                assert!(
                    per.get(&s).copied().unwrap_or(0) > 0,
                    "{node} idle in second {s} after {undo}: {per:?}"
                );
            }
        }
        let cut_cols: Vec<usize> = cut_off
            .iter()
            .map(|n| n[1..].parse::<usize>().unwrap() + 1)
            .collect();
        check_against_table(&self.dir, &self.faults, duration, nodes, |f| {
            (2..nodes + 2)
                .filter(|c| f["action"].as_str() == Some(undo) || !cut_cols.contains(c))
                .collect()
        });
    }
}
