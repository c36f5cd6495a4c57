//! perseus at the edges of a run, against real MariaDB servers frozen,
//! stopped and deleted at chosen moments: the run ends when it was asked to,
//! whatever hangs, and says what was in flight; a hung fault command neither
//! delays a later one nor the stop; a log deleted or full stops the run; a
//! run appended after a torn line starts on a line of its own.

mod common;

use common::mariadb::MariaDb;
use common::perseus::{alive, in_flight, perseus, read_log, rows, text, Setup};
use common::report::report;
use serde_json::Value;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> Child {
    perseus()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start perseus")
}

fn sleep_s(s: f64) {
    std::thread::sleep(Duration::from_secs_f64(s));
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .expect("kill")
        .success();
    assert!(ok);
}

/// Thaws a frozen server however the test ends, so its teardown can stop it.
struct Frozen<'a>(&'a MariaDb);

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        self.0.thaw();
    }
}

#[test]
fn a_server_frozen_at_the_end_neither_moves_the_end_nor_fakes_a_cluster_outage() {
    let servers = [MariaDb::start(), MariaDb::start(), MariaDb::start()];
    let s = Setup::new("frozen-end", &servers.iter().collect::<Vec<_>>());
    let began = Instant::now();
    let child = spawn(&s.args(&["--duration", "4"]));
    sleep_s(2.5);
    servers[1].freeze();
    let _thaw = Frozen(&servers[1]);
    let out = child.wait_with_output().expect("wait");
    let took = began.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The read timeout is 3 s: waiting for the hung query would end at ~5.5 s.
    assert!(took < Duration::from_millis(5_300), "perseus took {took:?}");
    let events = read_log(&s.log);
    let stop = events.last().expect("stop");
    let stop_us = stop["t_us"].as_u64().expect("t");
    assert!(
        (4_000_000..4_100_000).contains(&stop_us),
        "stop at {stop_us}"
    );
    let hung = in_flight(stop, "n2");
    assert_eq!(hung.len(), 1, "{stop}");
    let started = hung[0]["started_us"].as_u64().expect("started");
    assert!((2_300_000..2_800_000).contains(&started), "{started}");
    assert!(
        events.iter().all(|e| e["t_us"].as_u64() <= Some(stop_us)),
        "no event after the stop"
    );
    let table = rows(&text(&out.stdout));
    assert_eq!(table.len(), 4);
    assert_eq!(table[3][3], 0, "n2 is frozen in second 4: {table:?}");
    assert!(
        table[3][2] > 0 && table[3][4] > 0,
        "n1 and n3 serve to the end: {table:?}"
    );
    let rep = report(&["--json", s.log.to_str().unwrap()], b"");
    let doc: Value = serde_json::from_slice(&rep.stdout).expect("json");
    let run = &doc["runs"][0];
    assert_eq!(run["end_us"], stop_us);
    let outages = run["outages"].as_array().expect("outages");
    assert!(
        outages.iter().all(|o| o["node"] != Value::Null),
        "no whole-cluster outage: {outages:?}"
    );
    let n2 = outages
        .iter()
        .find(|o| o["node"] == "n2")
        .expect("n2's outage");
    assert_eq!(
        n2["end_us"], stop_us,
        "n2 is down from the freeze to the end"
    );
    assert_eq!(
        run["in_flight"], stop["in_flight"],
        "the report shows what was in flight"
    );
}

#[test]
fn ctrl_c_ends_a_hung_fault_command_at_once_and_a_later_fault_runs_at_its_time() {
    let server = MariaDb::start();
    let s = Setup::new("hung-fault", &[&server]);
    let marker = s.dir.join("marker");
    let child_pid = s.dir.join("child.pid");
    let hang = s.dir.join("hang.sh");
    std::fs::write(
        &hang,
        format!("sleep 120 &\necho $! > {}\nwait\n", child_pid.display()),
    )
    .expect("script");
    let mark = s.dir.join("mark.sh");
    std::fs::write(&mark, format!("date +%s%N > {}\n", marker.display())).expect("script");
    let began = Instant::now();
    let child = spawn(&s.args(&[
        "--fault",
        "1:hang:n1",
        "--fault",
        "2:mark:n1",
        "--fault-cmd",
        &format!("hang=bash {}", hang.display()),
        "--fault-cmd",
        &format!("mark=bash {}", mark.display()),
    ]));
    sleep_s(3.0);
    let interrupted = Instant::now();
    signal(child.id(), "INT");
    let out = child.wait_with_output().expect("wait");
    assert!(
        interrupted.elapsed() < Duration::from_millis(1_500),
        "Ctrl-C took {:?}",
        interrupted.elapsed()
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("fault commands still running are ended"),
        "{stderr}"
    );
    let events = read_log(&s.log);
    let faults: Vec<&Value> = events.iter().filter(|e| e["ev"] == "fault").collect();
    assert_eq!(faults.len(), 1, "only the mark finished: {faults:?}");
    let at = faults[0]["t_us"].as_u64().expect("t");
    assert!(
        (2_000_000..2_600_000).contains(&at),
        "the mark ran at 2 s: {at}"
    );
    assert!(marker.exists());
    let stop = events.last().expect("stop");
    assert_eq!(stop["reason"], "signal");
    let in_flight = &stop["faults_in_flight"];
    assert_eq!(in_flight[0]["action"], "hang", "{stop}");
    let started = in_flight[0]["started_us"].as_u64().expect("started");
    assert!((1_000_000..1_300_000).contains(&started), "{started}");
    let pid = std::fs::read_to_string(&child_pid).expect("child pid");
    sleep_s(0.2);
    assert!(!alive(&pid), "the hung command's child was ended too");
    assert!(began.elapsed() < Duration::from_secs(6));
}

#[test]
fn a_log_deleted_during_the_run_stops_it_with_a_clear_message() {
    let server = MariaDb::start();
    let s = Setup::new("deleted-log", &[&server]);
    let child = spawn(&s.args(&["--duration", "20"]));
    sleep_s(1.5);
    std::fs::remove_file(&s.log).expect("delete the log");
    let deleted = Instant::now();
    let out = child.wait_with_output().expect("wait");
    assert!(
        deleted.elapsed() < Duration::from_secs(2),
        "{:?}",
        deleted.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("was deleted during the run"), "{stderr}");
    assert!(stderr.contains("stopped (log error)"), "{stderr}");
    assert!(
        !rows(&text(&out.stdout)).is_empty(),
        "the table so far stays"
    );
}

#[test]
fn a_run_appended_after_a_torn_line_starts_on_its_own_line_and_both_runs_read() {
    let server = MariaDb::start();
    let s = Setup::new("append-torn", &[&server]);
    let out = perseus()
        .args(s.args(&["--duration", "1.5"]))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // As if the next run had been killed mid-write: its start and a torn op.
    let first = std::fs::read_to_string(&s.log).expect("log");
    let start = first.lines().next().expect("start line");
    let torn = format!(
        "{}\n{{\"ev\":\"op\",\"t_us\":5,\"no",
        start.replace("\"run\":\"", "\"run\":\"killed-")
    );
    std::fs::write(&s.log, format!("{first}{torn}")).expect("write");
    let out = perseus()
        .args(s.args(&["--duration", "1"]))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(&s.log).expect("log");
    assert!(
        log.contains("\"t_us\":5,\"no\n{\"ev\":\"start\""),
        "a fresh line"
    );
    let rep = report(&["--json", s.log.to_str().unwrap()], b"");
    assert_eq!(rep.status.code(), Some(0), "{}", text(&rep.stderr));
    assert!(text(&rep.stderr).contains("torn line ignored"));
    let doc: Value = serde_json::from_slice(&rep.stdout).expect("json");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["stop_reason"], "duration");
    assert_eq!(runs[2]["stop_reason"], "duration");
    let starts: Vec<Value> = log
        .lines()
        .filter(|l| l.contains("\"ev\":\"start\""))
        .map(|l| serde_json::from_str(l).expect("start"))
        .collect();
    assert_eq!(starts[0]["duration_s"], 1.5, "not truncated to 1");
    assert!(starts[2]["mono_us"].as_u64().is_some() && starts[2]["boot_id"].is_string());
}

/// A tmpfs of `kib` KiB mounted at DIR for the test; unmounted when dropped.
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(dir: std::path::PathBuf, kib: u32) -> TinyDisk {
        std::fs::create_dir_all(&dir).expect("dir");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "perseus-test"])
            .arg(&dir)
            .status()
            .expect("mount")
            .success();
        assert!(ok, "mount a tmpfs (root)");
        TinyDisk(dir)
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs root"]
fn a_full_disk_stops_the_run_and_leaves_no_hole_in_the_log() {
    let server = MariaDb::start();
    let s = Setup::new("full-disk", &[&server]);
    let disk = TinyDisk::mount(s.dir.join("disk"), 256);
    let log = disk.0.join("events.jsonl");
    let out = common::perseus::run(&[
        "--cluster",
        s.cluster.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--duration",
        "30",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("stopped (log error)"), "{stderr}");
    // Everything in the log reads: whole lines, at most one torn line last.
    let rep = report(&["--table", log.to_str().unwrap()], b"");
    assert_eq!(rep.status.code(), Some(0), "{}", text(&rep.stderr));
    let bytes = std::fs::read(&log).expect("log");
    let torn = bytes.last() != Some(&b'\n');
    assert_eq!(
        text(&rep.stderr).contains("torn line ignored"),
        torn,
        "{}",
        text(&rep.stderr)
    );
    // The live table holds at least the seconds the log does.
    let logged = rows(&text(&rep.stdout)).len();
    assert!(rows(&text(&out.stdout)).len() >= logged);
    drop(disk);
}

#[test]
fn the_live_table_equals_the_reports_even_when_a_server_hangs_at_the_end() {
    // A hung worker keeps the shutdown busy past the next second boundary:
    // the live table must still stop at the last whole second.
    let server = MariaDb::start();
    let s = Setup::new("live-vs-report", &[&server]);
    let child = spawn(&s.args(&["--duration", "2.9"]));
    sleep_s(1.8);
    server.freeze();
    let _thaw = Frozen(&server);
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rep = report(&["--table", s.log.to_str().unwrap()], b"");
    assert_eq!(rep.status.code(), Some(0), "{}", text(&rep.stderr));
    assert_eq!(text(&out.stdout), text(&rep.stdout));
    assert_eq!(rows(&text(&out.stdout)).len(), 2);
}
