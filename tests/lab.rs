//! bin/lab.sh with the Galera engine, end to end, as root: a subnet in use
//! refused, `down` on a half-built lab, a blackhole route of the host's left
//! alone, a second `up`, kill and start of a node, an experiment, a `down`
//! that leaves nothing behind and spares a process it did not start, and a
//! `down` without state that removes nothing. One test function: every step
//! shares the lab's bridge. The lab gets its own name, subnet and state
//! directory, apart from a developer's lab. Root only: ignored by a plain
//! `cargo test`; bin/check.sh runs it as root.

mod netns;

use netns::lab::{cmd, host_rules, text, wait_for, writes_per_second, Lab, Run, GALERA_GRACE};
use netns::root;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    // It names the piece and how to remove it, should it be a leftover.
    assert!(
        text(&up.stderr).contains(&format!("namespace {ns} (ip netns del {ns})")),
        "{}",
        text(&up.stderr)
    );
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

fn experiment(lab: &Lab) {
    let run = lab.experiment_in_default_place(
        3,
        &[
            "--target",
            "leader",
            "--duration",
            "60",
            "--isolate-at",
            "20",
            "--rejoin-at",
            "40",
        ],
    );
    // Galera has no leader: n1 stands in, and the script says so.
    assert!(
        run.stderr.contains("has no leader"),
        "no word on the leader"
    );
    run.quorum(("isolate", "rejoin"), &["n1"], 3, 60, GALERA_GRACE);
    rejoin_settles_at_the_machines_rate(&run);
}

/// The default lab's rejoin settles, whatever this machine's write rate.
/// n1 missed one write set per write n2 and n3 completed while it was cut
/// off; a donor serves them from Galera's write-set cache (128 MB by
/// default: a write set of this load is about 450 bytes, so about 290,000
/// of them) by IST, and past that n1 needs an SST: it aborts, and its
/// supervisor starts it again 5 s later for one (lab_supervised.rs forces
/// that path). Either way n1 must serve again before the run ends.
fn rejoin_settles_at_the_machines_rate(run: &Run) {
    let (cut, rejoin) = (run.fault_second("isolate"), run.fault_second("rejoin"));
    let missed: u64 = ["n2", "n3"]
        .iter()
        .map(|n| {
            writes_per_second(&run.log, n)
                .range(cut..rejoin)
                .map(|(_, k)| k)
                .sum::<u64>()
        })
        .sum();
    let sst = run
        .log
        .iter()
        .any(|e| e["ev"] == "server" && e["transfer"] == "sst" && e["side"] == "joiner");
    eprintln!(
        "n1 missed about {missed} write sets ({:.0} a second) against a cache of about 290,000; rejoined by {}",
        missed as f64 / (rejoin - cut) as f64,
        if sst { "SST, after an abort and a restart" } else { "IST" }
    );
    assert!(
        !run.faults[1]["settle_us"].is_null(),
        "the rejoin never settled: {}",
        run.faults[1]
    );
}

#[test]
#[ignore = "needs root"]
fn lab_galera_end_to_end() {
    let (lab, rules_before) = Lab::fresh("lab_galera_end_to_end", "pt", 100);

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
