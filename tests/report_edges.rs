//! perseus-report at the edges of a run, on hand-written logs whose right
//! answers are known by construction: skipped lines counted nowhere, torn
//! lines between runs, faults stamped late, far ahead, by the wall clock or
//! on a node the run does not measure, a fault after which no node is
//! expected to serve, holes in the log, bounded memory on corrupt input,
//! escaped messages, and the small command-line rules.

mod common;

use common::log::{hostile_log, Log};
use common::report::{no_raw_controls, on_file, report};
use perseus::event::{ErrorKind, OpKind};
use serde_json::Value;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// n1..n3 succeed every 100 ms from 0.1 s to `end`, except strictly inside
/// their spans; the lines come in time order.
fn steady_log(end: u64, skip: &[(&str, u64, u64)]) -> Log {
    let mut log = Log::new(&["n1", "n2", "n3"]);
    let mut t = 100 * MS;
    while t <= end {
        for node in ["n1", "n2", "n3"] {
            if !skip.iter().any(|&(n, a, b)| n == node && a < t && t < b) {
                log.success(t, node, 500);
            }
        }
        t += 100 * MS;
    }
    log
}

#[test]
fn a_line_skipped_as_out_of_order_is_counted_nowhere_in_any_output() {
    let mut log = steady_log(8 * S, &[]);
    let clean = {
        let mut c = Log::new(&["n1", "n2", "n3"]);
        c.bytes = log.bytes.clone();
        c
    };
    // More than 5 s out of order: a success, an anomalous read, an error.
    log.success(S, "n1", 500)
        .read(S, "n2", "k-n2", Some(999))
        .failed(S, "n3", OpKind::Read, None, ErrorKind::Timeout, "late");
    let mut clean = clean;
    log.stop(8 * S);
    clean.stop(8 * S);
    // Without --skip-bad both outputs refuse the log, at the same line.
    for extra in [&["--table"][..], &[][..]] {
        let (out, path) = on_file("ooo", &log.bytes, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            text(&out.stderr).contains(&format!("{path}:242: event at t_us 1000000")),
            "{}",
            text(&out.stderr)
        );
    }
    // With it, every output is that of the log without those lines.
    let skipped = json(&on_file("ooo-json", &log.bytes, &["--skip-bad", "--json"]).0);
    let want = json(&on_file("clean-json", &clean.bytes, &["--json"]).0);
    let run = &skipped["runs"][0];
    for key in [
        "iterations",
        "operations",
        "errors",
        "anomalies_total",
        "outages",
    ] {
        assert_eq!(run[key], want["runs"][0][key], "{key}");
    }
    assert_eq!(run["anomalies_total"], 0);
    assert_eq!(run["iterations"], 3 * 80);
    let (table, _) = on_file(
        "ooo-table",
        &log.bytes,
        &["--skip-bad", "--table", "--errors"],
    );
    let (clean_table, _) = on_file("clean-table", &clean.bytes, &["--table", "--errors"]);
    assert_eq!(text(&table.stdout), text(&clean_table.stdout));
    assert!(text(&table.stderr).contains("line skipped"));
}

#[test]
fn a_torn_line_between_two_runs_leaves_both_runs_readable() {
    let mut first = Log::new(&["n1"]);
    first
        .success(100 * MS, "n1", 5)
        .success(1_100 * MS, "n1", 5);
    let torn = br#"{"ev":"op","t_us":1200000,"node":"n1","co"#;
    let mut second = Log::new(&["n1"]);
    second.success(200 * MS, "n1", 5).stop(2 * S);
    // perseus now starts an appended run on a fresh line; before, it glued
    // the start onto the torn line: both read the same.
    for (name, sep) in [("fresh-line", &b"\n"[..]), ("glued", &b""[..])] {
        let mut bytes = first.bytes.clone();
        bytes.extend_from_slice(torn);
        bytes.extend_from_slice(sep);
        bytes.extend_from_slice(&second.bytes);
        let (out, path) = on_file(name, &bytes, &["--json"]);
        let doc = json(&out);
        let runs = doc["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 2, "{name}");
        assert_eq!(
            runs[0]["iterations"], 2,
            "{name}: the killed run keeps its own"
        );
        assert_eq!(runs[0]["stop_reason"], Value::Null);
        assert_eq!(runs[0]["end_us"], 1_100 * MS);
        assert_eq!(
            runs[1]["iterations"], 1,
            "{name}: the next run has only its own"
        );
        assert!(
            text(&out.stderr).contains(&format!("{path}:4: warning: torn line ignored")),
            "{name}: {}",
            text(&out.stderr)
        );
    }
    // A bad line in the middle of a run is still an error.
    let mut bytes = first.bytes.clone();
    bytes.extend_from_slice(torn);
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(br#"{"ev":"stop","t_us":2000000,"reason":"duration"}"#);
    bytes.push(b'\n');
    let (out, path) = on_file("torn-middle", &bytes, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("{path}:4:")));
}

/// The isolation of n1 from 10 s to 20 s, during which n2 and n3 stall
/// until 12 s: 30 s of three nodes.
fn isolation_log() -> Log {
    steady_log(
        30 * S,
        &[
            ("n1", 10 * S, 20 * S),
            ("n2", 10 * S, 12 * S),
            ("n3", 10 * S, 12 * S),
        ],
    )
}

/// The log with `line` inserted before the first event stamped after `after_us`.
fn with_line_after(log: &[u8], after_us: u64, line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut done = false;
    for l in text(log).lines() {
        let t = serde_json::from_str::<Value>(l)
            .ok()
            .and_then(|v| v["t_us"].as_u64());
        if !done && l.contains("\"ev\":\"op\"") && t.is_some_and(|t| t > after_us) {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            done = true;
        }
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    assert!(done, "no event after {after_us}");
    out
}

fn faults(doc: &Value) -> Vec<(String, u64, u64, Option<u64>, String)> {
    doc["runs"][0]["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .map(|f| {
            (
                format!(
                    "{} {}",
                    f["action"].as_str().unwrap(),
                    f["node"].as_str().unwrap()
                ),
                f["downtime_us"].as_u64().unwrap(),
                f["partial_downtime_us"].as_u64().unwrap(),
                f["settle_us"].as_u64(),
                f["stamp"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_fault_line_far_out_of_order_is_placed_at_its_own_time_and_flagged() {
    // Appended 12 s late, after the events of 22 s, from the wall clock.
    let mut late = isolation_log();
    late.bytes = with_line_after(
        &late.bytes,
        22 * S,
        r#"{"ev":"fault","t_us":10000000,"action":"isolate","node":"n1","note":"by hand","exit":0,"clock":"wall"}"#,
    );
    late.bytes = with_line_after(
        &late.bytes,
        20 * S,
        r#"{"ev":"fault","t_us":20000000,"action":"rejoin","node":"n1","note":"by hand","exit":0,"clock":"monotonic"}"#,
    );
    late.stop(30 * S);
    let doc = json(&on_file("late-fault", &late.bytes, &["--json"]).0);
    let f = faults(&doc);
    assert_eq!(
        f,
        vec![
            // Expected n2, n3: back at 12 s, and nobody served in (10, 12).
            (
                "isolate n1".into(),
                2 * S,
                0,
                Some(2 * S),
                "untrusted".into()
            ),
            ("rejoin n1".into(), 0, 0, Some(0), "exact".into()),
        ]
    );
    let isolate = &doc["runs"][0]["faults"][0];
    assert_eq!(isolate["latency"], Value::Null, "no window for a late line");
    assert!(
        isolate["note"].as_str().unwrap().contains("came 12."),
        "{isolate}"
    );
}

#[test]
fn a_fault_on_a_node_the_run_does_not_measure_is_reported_on_the_measured_ones() {
    let mut log = isolation_log();
    // Measured: n1..n3; the fault names n9 (cut off by hand elsewhere).
    log.bytes = with_line_after(
        &log.bytes,
        10 * S,
        r#"{"ev":"fault","t_us":10000000,"action":"isolate","node":"n9","note":"by hand","exit":0}"#,
    );
    log.stop(30 * S);
    let doc = json(&on_file("other-node", &log.bytes, &["--json"]).0);
    // Every measured node stays expected: n1 is back at 20 s.
    assert_eq!(
        faults(&doc),
        vec![("isolate n9".into(), 2 * S, 0, Some(10 * S), "exact".into())]
    );
    assert_eq!(doc["runs"][0]["faults"][0]["measured"], false);
}

#[test]
fn stamps_from_a_clock_that_jumped_never_make_the_log_unreadable() {
    let mut log = steady_log(5 * S, &[]);
    // Ahead by an hour (the wall clock jumped forward), and clamped to 0
    // (it stepped back): neither makes later operations out of order.
    log.fault(3_600 * S, "kill", "n3", Some("wall"))
        .fault(0, "isolate", "n2", Some("wall-behind"));
    let mut t = 5_100 * MS;
    while t <= 10 * S {
        log.success(t, "n1", 500)
            .success(t, "n2", 500)
            .success(t, "n3", 500);
        t += 100 * MS;
    }
    log.stop(10 * S);
    let (out, _) = on_file("jumped", &log.bytes, &["--json"]);
    let doc = json(&out);
    let run = &doc["runs"][0];
    assert_eq!(run["iterations"], 300);
    assert_eq!(run["faults_after_end"], 1, "the kill an hour ahead");
    let f = faults(&doc);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "isolate n2");
    assert_eq!(f[0].4, "untrusted");
    let table = on_file("jumped-table", &log.bytes, &["--table"]).0;
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
}

#[test]
fn a_fault_after_which_no_node_is_expected_to_serve_keeps_its_latency_window() {
    // One node, killed at 2 s and started at 4 s; it serves again from 5 s.
    let mut log = Log::new(&["n1"]);
    let mut t = 100 * MS;
    while t <= 12 * S {
        if !(2 * S < t && t < 5 * S) {
            log.success(t, "n1", t / 1000);
        }
        t += 100 * MS;
    }
    log.bytes = with_line_after(
        &log.bytes,
        2 * S,
        r#"{"ev":"fault","t_us":2000000,"action":"kill","node":"n1","note":"x","exit":0}"#,
    );
    log.bytes = with_line_after(
        &log.bytes,
        4 * S,
        r#"{"ev":"fault","t_us":4000000,"action":"start","node":"n1","note":"x","exit":0}"#,
    );
    log.stop(12 * S);
    let doc = json(&on_file("killed-one", &log.bytes, &["--json"]).0);
    let faults = doc["runs"][0]["faults"].as_array().expect("faults");
    // kill: nobody expected, settled at once; window [2, 7): the success
    // at 2.0 itself (a fault applies from its microsecond on), 5.0..=6.9.
    assert_eq!(faults[0]["settle_us"], 0);
    assert_eq!(faults[0]["latency_until_us"], 7 * S);
    assert_eq!(faults[0]["latency"]["nodes"][0]["count"], 21);
    // start: n1 expected, back at 5 s; window [4, 9): 5.0..=8.9.
    assert_eq!(faults[1]["settle_us"], S);
    assert_eq!(faults[1]["downtime_us"], S);
    assert_eq!(faults[1]["latency"]["nodes"][0]["count"], 40);
}

#[test]
fn a_hole_in_the_log_is_a_warning() {
    let mut log = steady_log(2 * S, &[]);
    log.stop(2 * S);
    let lines: Vec<&str> = std::str::from_utf8(&log.bytes).unwrap().lines().collect();
    let holed: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !(10..20).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let (out, _) = on_file("hole", holed.as_bytes(), &["--json"]);
    let doc = json(&out);
    let warning = "its stop event counts 60 successful iterations, the log holds 50";
    assert!(text(&out.stderr).contains(warning), "{}", text(&out.stderr));
    let warnings = doc["runs"][0]["warnings"].as_array().expect("warnings");
    assert!(warnings
        .iter()
        .any(|w| w.as_str().unwrap().contains(warning)));
    let (clean, _) = on_file("no-hole", &log.bytes, &[]);
    assert!(
        !text(&clean.stderr).contains("warning"),
        "{}",
        text(&clean.stderr)
    );
}

#[test]
fn a_corrupt_start_or_a_time_far_ahead_is_refused_within_bounded_memory() {
    let nodes = |n: usize| -> String {
        (0..n)
            .map(|i| format!(r#"{{"name":"n{i}","host":"h","port":1}}"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    let start = |n: usize| {
        format!(
            r#"{{"ev":"start","t_us":0,"schema":1,"run":"r","unix_us":0,"tool":"x","nodes":[{}],"conns":1}}"#,
            nodes(n)
        )
    };
    let day = 23 * 3600 * S;
    let far_op = format!(
        r#"{{"ev":"op","t_us":{day},"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1,"value":1}}"#
    );
    let cases = [
        (
            format!("{}\n{far_op}\n", start(5000)),
            1,
            "lists 5000 nodes",
        ),
        (
            format!("{}\n{far_op}\n", start(200)),
            2,
            "would make the table of 200 nodes",
        ),
    ];
    for (i, (log, line, says)) in cases.iter().enumerate() {
        for extra in [&["--table"][..], &[][..]] {
            // 300 MB of address space: a table of gigabytes would abort.
            let out = bounded(&format!("corrupt-{i}"), log.as_bytes(), extra);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{says}: {err}");
            assert!(
                err.contains(&format!("log.jsonl:{line}: ")) && err.contains(says),
                "{err}"
            );
        }
    }
}

#[test]
fn quoted_messages_cannot_forge_lines_of_the_output() {
    let mut log = Log::new(&["n1"]);
    log.success(100 * MS, "n1", 5)
        .failed(
            1_500 * MS,
            "n1",
            OpKind::Read,
            None,
            ErrorKind::Server,
            "oops\n7\t7\t7\n# fake",
        )
        .success(3 * S, "n1", 5)
        .stop(3 * S);
    let out = report(&["-"], &log.bytes);
    let stdout = text(&out.stdout);
    let rows: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows, ["1\t1\t1", "2\t0\t0", "3\t0\t0"], "{stdout}");
    assert!(stdout.contains("oops\\n7\\t7\\t7\\n# fake"), "{stdout}");
    let md = text(&report(&["--markdown", "-"], &log.bytes).stdout);
    assert!(!md.contains("\n7\t7"), "{md}");
}

#[test]
fn small_command_line_rules() {
    let log = Log::new(&["n1"]).bytes.clone();
    let bad = |args: &[&str], says: &str| {
        let out = report(args, &log);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    };
    bad(
        &["--errors", "--json", "-"],
        "--errors adds columns to the table",
    );
    bad(
        &["--errors", "--markdown", "-"],
        "--errors adds columns to the table",
    );
    bad(&["-", "-"], "standard input (-) can be read only once");
    bad(&["--gap", "0", "-"], "--gap must be at least 1ms");
}

/// `perseus-report ARGS LOG` with 300 MB of address space: a report that
/// grew with its input would abort.
fn bounded(name: &str, log: &[u8], args: &[&str]) -> std::process::Output {
    let dir = common::mariadb::scratch_dir(name);
    let path = dir.join("log.jsonl");
    std::fs::write(&path, log).unwrap();
    std::process::Command::new("bash")
        .args(["-c", "ulimit -v 300000; exec \"$@\"", "_"])
        .arg(env!("CARGO_BIN_EXE_perseus-report"))
        .args(args)
        .arg(&path)
        .output()
        .expect("run")
}

#[test]
fn many_faults_many_nodes_and_huge_latencies_stay_within_bounded_memory() {
    // 256 nodes, 64 faults at once, one success per node with a latency of
    // 2^62 µs: every window's histograms at their largest.
    let nodes: Vec<String> = (0..256).map(|i| format!("n{i}")).collect();
    let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let mut log = Log::new(&names);
    for k in 0..64 {
        log.fault(1_000 + k, "mark", "n0", None);
    }
    for n in &names {
        log.success(2_000, n, 1 << 62);
    }
    log.stop(3_000);
    let out = bounded("many-windows", &log.bytes, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // 70,000 faults on 3 nodes: the ones past the limit are counted, not kept.
    let mut log = Log::new(&["n1", "n2", "n3"]);
    for k in 0..70_000 {
        log.fault(k, "mark", "n1", None);
    }
    log.success(80_000, "n1", 5).stop(80_000);
    let out = bounded("many-faults", &log.bytes, &["--json"]);
    let doc = json(&out);
    let run = &doc["runs"][0];
    assert_eq!(run["faults"].as_array().map(Vec::len), Some(66_666));
    assert_eq!(run["faults_over_limit"], 70_000 - 66_666);
}

#[test]
fn a_stop_far_ahead_is_refused_not_printed_row_by_row() {
    let mut log = Log::new(&["n1"]);
    log.success(100 * MS, "n1", 5);
    log.raw(r#"{"ev":"stop","t_us":100000000000000000,"reason":"duration"}"#);
    for extra in [&["--table"][..], &[][..]] {
        let (out, path) = on_file("stop-ahead", &log.bytes, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{path}:3: t_us 100000000000000000")),
            "{err}"
        );
    }
}

#[test]
fn a_late_fault_line_changes_the_windows_of_the_faults_after_it() {
    // n2 stops after 10.9 s; its isolation at 11.0 s is appended after the
    // ops of 16.6 s; a mark at 20 s then expects only n1 and n3 to serve,
    // which they do: settled at once, window [20, 22) with 20 successes each.
    let mut log = steady_log(30 * S, &[("n2", 10_900 * MS, 31 * S)]);
    log.bytes = with_line_after(
        &log.bytes,
        16_600 * MS,
        r#"{"ev":"fault","t_us":11000000,"action":"isolate","node":"n2","note":"late","exit":0,"clock":"wall"}"#,
    );
    log.bytes = with_line_after(
        &log.bytes,
        20 * S,
        r#"{"ev":"fault","t_us":20000000,"action":"mark","node":"n1","note":"x","exit":0}"#,
    );
    log.stop(30 * S);
    let args = ["--json", "--steady", "2s"];
    let doc = json(&on_file("late-then-window", &log.bytes, &args).0);
    let mark = &doc["runs"][0]["faults"][1];
    assert_eq!(mark["action"], "mark");
    assert_eq!(mark["settle_us"], 0);
    assert_eq!(mark["latency_until_us"], 22 * S);
    assert_eq!(counts(mark), [20, 0, 20]);
}

fn counts(fault: &Value) -> Vec<u64> {
    fault["latency"]["nodes"]
        .as_array()
        .expect("a window")
        .iter()
        .map(|n| n["count"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_window_that_reaches_its_cap_still_ends_at_the_settle_point() {
    // A mark at 0.1 s; n1 out from 0.5 to 54.6 s (settle 54.5 s); n2 has a
    // gap of 0.9 s around the 60 s cap (no outage, but the stream cannot be
    // sure of it at the cap).
    let mut log = Log::new(&["n1", "n2"]);
    let mut t = 100 * MS;
    while t <= 70 * S {
        if !(500 * MS < t && t < 54_600 * MS) {
            log.success(t, "n1", 5);
        }
        if !(59_500 * MS < t && t < 60_400 * MS) {
            log.success(t, "n2", 5);
        }
        if t == 100 * MS {
            log.fault(t, "mark", "n1", None);
        }
        t += 100 * MS;
    }
    log.stop(70 * S);
    let doc = json(&on_file("capped", &log.bytes, &["--json", "--steady", "5s"]).0);
    let f = &doc["runs"][0]["faults"][0];
    assert_eq!(f["settle_us"], 54_500 * MS);
    assert_eq!(f["latency_until_us"], 54_600 * MS);
    assert_eq!(counts(f), [5, 545]);
}

#[test]
fn a_fault_after_the_end_of_a_killed_run_moves_no_error() {
    let mut log = Log::new(&["n1", "n2"]);
    log.success(500 * MS, "n1", 5)
        .success(500 * MS, "n2", 5)
        .success(2 * S, "n1", 5)
        .failed(2 * S, "n2", OpKind::Read, None, ErrorKind::Io, "reset")
        .fault(4 * S, "rejoin", "n2", None);
    let doc = json(&on_file("after-end", &log.bytes, &["--json"]).0);
    let run = &doc["runs"][0];
    assert_eq!(run["end_us"], 2 * S);
    assert_eq!(run["faults_after_end"], 1);
    let n2 = run["outages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["node"] == "n2")
        .expect("n2's outage");
    assert_eq!(
        (n2["start_us"].as_u64(), n2["end_us"].as_u64()),
        (Some(500 * MS), Some(2 * S))
    );
    assert_eq!(
        n2["errors"],
        serde_json::json!({}),
        "the error at E is not strictly inside"
    );
}

#[test]
fn a_bad_first_line_is_never_taken_for_a_torn_one() {
    let good = Log::new(&["n1"]).bytes;
    let v2 = r#"{"ev":"start","t_us":0,"schema":2,"run":"r","unix_us":0,"tool":"x","nodes":[],"conns":1}"#;
    for (name, first, says) in [
        ("schema-2", v2, "unknown schema version 2"),
        (
            "not-json",
            "not json",
            "the first line must be a schema-1 start event",
        ),
    ] {
        let mut bytes = format!("{first}\n").into_bytes();
        bytes.extend_from_slice(&good);
        let (out, path) = on_file(name, &bytes, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{path}:1: ")) && err.contains(says),
            "{name}: {err}"
        );
    }
}

#[test]
fn lines_after_the_stop_are_ignored_unread() {
    let mut log = Log::new(&["n1"]);
    log.success(100 * MS, "n1", 5).stop(S);
    log.raw(r#"{"ev":"op","t_us":2000000,"node":"n9","conn":7,"key":"x","op":"update","ok":true,"lat_us":1}"#);
    let (out, _) = on_file("after-stop", &log.bytes, &["--json"]);
    assert_eq!(json(&out)["runs"][0]["ignored_after_stop"], 1);
    let (table, _) = on_file("after-stop-table", &log.bytes, &["--table"]);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
}

#[test]
fn controls_and_bidi_overrides_from_a_log_are_shown_escaped_in_text_and_markdown() {
    let log = hostile_log();
    for args in [
        &["-"][..],
        &["--markdown", "-"],
        &["--leaderboard", "-"],
        &["--leaderboard", "--markdown", "-"],
    ] {
        let out = report(args, &log);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        // The table's columns are tabs.
        no_raw_controls(&text(&out.stdout), &format!("{args:?}"), &['\t']);
        no_raw_controls(&text(&out.stderr), &format!("{args:?} stderr"), &[]);
    }
    let out = text(&report(&["-"], &log).stdout);
    assert!(
        out.contains("# run suite/\\u{202e}evil\\u{202c}/\\u{0}label-"),
        "the label as written, the override shown: {out}"
    );
    assert!(
        out.contains("\tn\\u{202e}3\\u{2066}\n"),
        "the table's legend: {out}"
    );
}
