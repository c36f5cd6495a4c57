//! The lab's servers supervised as their Debian unit would run them, end to
//! end, as root: a mariadbd that aborts (SIGABRT by hand) is started again
//! by its supervisor after the unit's 5 s; `kill` is a node losing power
//! and nothing starts it again until `start`; and a rejoin made to need a
//! full state transfer on any machine (a write-set cache of 1 MB, with
//! 1 MB overflow pages, against a 15 s isolation: even 300 writes a second
//! fill it, and the lab's machines do thousands) goes abort → restart →
//! SST → synced within the run, the log telling each step on the run's
//! clock and the report naming the restart. Each lab fault is measured
//! from the moment its rules went in. One test function: the steps share
//! one lab. Root only: ignored by a plain `cargo test`; bin/check.sh runs
//! it as root.

mod netns;

use netns::lab::{cmd, host_rules, text, wait_for, Lab};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The server's PID once it differs from `old`, and how long that took.
fn new_pid(lab: &Lab, node: usize, old: u32, limit: Duration) -> Option<(u32, Duration)> {
    let began = Instant::now();
    let mut found = None;
    wait_for(limit, || {
        found = lab.pid(node).filter(|&p| p != old && alive(p));
        found.is_some()
    });
    found.map(|p| (p, began.elapsed()))
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A mariadbd aborted by hand comes back by itself, 5 s later, and the
/// cluster is whole again.
fn abort_by_hand_restarts(lab: &Lab) {
    let old = lab.pid(2).expect("n2 runs");
    assert!(cmd("kill", &["-ABRT", &old.to_string()]).status.success());
    let (new, after) = new_pid(lab, 2, old, Duration::from_secs(30))
        .expect("the supervisor started n2's mariadbd again");
    assert!(
        after >= Duration::from_millis(4_500),
        "restarted after {after:?}, before the unit's RestartSec=5s"
    );
    eprintln!("n2: mariadbd {old} aborted, {new} started {after:?} later");
    lab.ok(&["ready", "--timeout", "120"]);
}

/// `kill` is a power loss: no restart, however long we wait; `start` brings
/// the node back.
fn kill_is_a_power_loss(lab: &Lab) {
    let old = lab.pid(3).expect("n3 runs");
    lab.ok(&["kill", "n3"]);
    std::thread::sleep(Duration::from_secs(8));
    assert!(!alive(old), "n3's mariadbd survived kill");
    assert_eq!(lab.pid(3), None, "something started n3 after kill");
    let status = text(&lab.ok(&["status"]).stdout);
    assert!(status.contains("mariadbd DOWN"), "{status}");
    lab.ok(&["start", "n3"]);
    lab.ok(&["ready", "--timeout", "120"]);
}

fn server_events<'a>(log: &'a [Value], node: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["ev"] == "server" && e["node"] == node)
        .collect()
}

/// The isolation's rejoin needs an SST: n1 aborts, is restarted 5 s later,
/// takes the transfer and is synced before the run ends, in that order in
/// the log, on the run's clock; the rejoin settles and the report says why
/// n1 was out.
fn rejoin_through_a_full_transfer(lab: &Lab) {
    let watch = PasswordWatch::start(lab.password());
    let run = lab.experiment(
        "sst",
        3,
        &["--duration", "50", "--fault-at", "10", "--undo-at", "25"],
    );
    let seen = watch.stop();
    assert!(seen.is_empty(), "the password was in argv: {seen:?}");
    let n1 = server_events(&run.log, "n1");
    let order: Vec<&str> = n1.iter().filter_map(|e| e["what"].as_str()).collect();
    let at = |what: &str, after: u64| {
        n1.iter()
            .find(|e| e["what"] == what && e["t_us"].as_u64().unwrap() >= after)
            .unwrap_or_else(|| panic!("no {what} after {after} in {order:?}"))
    };
    let exited = at("exited", 25_000_000);
    assert_eq!(exited["signal"], 6, "aborted: {exited}");
    let exit_us = exited["t_us"].as_u64().unwrap();
    let restarted = at("restarted", exit_us);
    let restart_us = restarted["t_us"].as_u64().unwrap();
    assert!(
        (4_500_000..8_000_000).contains(&(restart_us - exit_us)),
        "restarted {} us after the exit",
        restart_us - exit_us
    );
    // The joiner's transfer starts undecided (its script runs before the
    // donor chooses) and the first end says it was a full one.
    let sst = at("transfer_started", restart_us);
    assert_eq!(
        (&sst["transfer"], &sst["side"]),
        (&Value::Null, &"joiner".into()),
        "{sst}"
    );
    let done = at("transfer_finished", sst["t_us"].as_u64().unwrap());
    assert_eq!(
        (&done["transfer"], &done["side"]),
        (&"sst".into(), &"joiner".into()),
        "{done}"
    );
    let ready = at("ready", done["t_us"].as_u64().unwrap());
    assert!(ready["t_us"].as_u64().unwrap() < 50_000_000);
    for e in &n1 {
        assert_eq!(e["clock"], "monotonic", "{e}");
    }
    let rejoin = &run.faults[1];
    assert!(
        !rejoin["settle_us"].is_null(),
        "the rejoin never settled: {rejoin}"
    );
    let report = std::fs::read_to_string(run.dir.join("report.txt")).unwrap();
    assert!(
        report.contains("restarted at ")
            && report.contains("(signal 6: SIGABRT)")
            && report.contains("SST (joiner) "),
        "{report}"
    );
    assert!(
        run.stdout.contains("server events: n1 mariadbd: "),
        "the experiment's last lines name n1's server events: {}",
        run.stdout
    );
    assert!(
        run.dir.join("logs/n1-mariadbd.log").is_file(),
        "the server's log tail"
    );
    each_fault_from_its_effect(&run.log, &run.faults);
}

/// Looks at every process's argv, every 20 ms, for the lab's password, while
/// an experiment runs: perseus, the lab's scripts and servers, the SQL the
/// lab runs. None may carry it (`ps` shows argv to every user).
struct PasswordWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<String>>,
}

impl PasswordWatch {
    fn start(password: String) -> PasswordWatch {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                    let Ok(argv) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let argv = String::from_utf8_lossy(&argv).replace('\0', " ");
                    if argv.contains(&password) && seen.len() < 10 {
                        seen.push(argv);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            seen
        });
        PasswordWatch { stop, thread }
    }

    fn stop(self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().expect("watch")
    }
}

/// Every lab fault reports when its rules went in (or its signal was
/// sent): the log's `effect_us` lies within its command's run, and the
/// report measures the fault from it.
fn each_fault_from_its_effect(log: &[Value], reported: &[Value]) {
    let faults: Vec<&Value> = log.iter().filter(|e| e["ev"] == "fault").collect();
    assert_eq!(faults.len(), reported.len());
    for (f, r) in faults.iter().zip(reported) {
        let (t, cmd_us) = (f["t_us"].as_u64().unwrap(), f["cmd_us"].as_u64().unwrap());
        let effect = f["effect_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("no effect_us: {f}"));
        assert!(t - cmd_us <= effect && effect <= t, "{f}");
        assert_eq!(
            r["t_us"].as_u64(),
            Some(effect),
            "measured from the effect: {r}"
        );
    }
}

#[test]
#[ignore = "needs root"]
fn lab_servers_restart_as_their_units_would() {
    let (lab, rules_before) = Lab::fresh("lab_servers_restart_as_their_units_would", "sv", 50);
    lab.ok(&[
        "up",
        "--set",
        "gcache.size=1M",
        "--set",
        "gcache.page_size=1M",
    ]);
    let cnf = std::fs::read_to_string(lab.dir.join("nodes/n1/my.cnf")).unwrap();
    assert!(
        cnf.contains("gcache.size=1M;gcache.page_size=1M"),
        "the settings reach the servers: {cnf}"
    );
    abort_by_hand_restarts(&lab);
    kill_is_a_power_loss(&lab);
    rejoin_through_a_full_transfer(&lab);
    lab.ok(&["down"]);
    assert_eq!(lab.leftovers(), Vec::<String>::new(), "down left pieces");
    assert_eq!(host_rules(&lab), rules_before, "the host's rules changed");
}
