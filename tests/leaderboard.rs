//! `perseus-report --leaderboard` on hand-written runs whose numbers are
//! known: medians, spreads and n per scenario and fault, anomalies, the
//! verdict against a suite's limits (and exit 1 when one is exceeded), a
//! planned scenario without runs, and `--check-suite`.

mod common;

use common::log::Log;
use common::mariadb::scratch_dir;
use common::report::report;
use serde_json::Value;
use std::path::Path;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Two nodes for 20 s; n1 isolated at 3 s and back at 7 s; both serve
/// nothing in (3 s, 3 s + down): downtime = settle = `down` for the
/// isolation. `lost`: a read finds an acknowledged write gone.
fn run(label: &str, run: &str, down: u64, lost: bool) -> Vec<u8> {
    let mut log = Log::new(&["n1", "n2"]);
    let mut t = 100 * MS;
    while t <= 20 * S {
        let stalled = 3 * S < t && t < 3 * S + down;
        let isolated = 3 * S < t && t < 7 * S;
        if !stalled && !isolated {
            log.success(t, "n1", 300);
        }
        if !stalled {
            log.success(t, "n2", 300);
        }
        if t == 3 * S {
            log.fault(3 * S, "isolate", "n1", None);
        }
        if t == 7 * S {
            log.fault(7 * S, "rejoin", "n1", None);
        }
        t += 100 * MS;
    }
    if lost {
        log.write(20 * S, "n2", "k-n2", perseus::event::OpKind::Update, 9)
            .read(20 * S, "n2", "k-n2", Some(4));
    }
    log.stop(20 * S);
    text(&log.bytes)
        .replacen("\"label\":null", &format!("\"label\":\"{label}\""), 1)
        .replacen("\"run\":\"r1\"", &format!("\"run\":\"{run}\""), 1)
        .into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_str().expect("utf8").to_string()
}

const SUITE: &str = r#"{
  "name": "s",
  "defaults": {"duration": 20, "repeat": 3},
  "scenarios": [
    {"name": "isolate", "faults": [{"at": 3, "action": "isolate", "target": "n1"},
                                   {"at": 7, "action": "rejoin", "target": "n1"}],
     "limits": {"downtime": "3s", "lost_writes": 0}},
    {"name": "kill", "repeat": 1, "faults": [{"at": 3, "action": "kill", "target": "n1"}],
     "limits": {"lost_writes": 0}},
    {"name": "never-ran", "repeat": 1, "faults": [{"at": 3, "action": "pause", "target": "n1"}]}
  ]}"#;

fn logs(dir: &Path) -> Vec<String> {
    vec![
        write(dir, "a.jsonl", &run("s/isolate/1", "a", 1_500 * MS, false)),
        write(dir, "b.jsonl", &run("s/isolate/2", "b", 3_500 * MS, false)),
        write(dir, "c.jsonl", &run("s/isolate/3", "c", 2_500 * MS, false)),
        write(dir, "d.jsonl", &run("s/kill/1", "d", 500 * MS, true)),
    ]
}

#[test]
fn medians_spreads_and_verdicts_by_scenario() {
    let dir = scratch_dir("leaderboard");
    let suite = write(&dir, "s.json", SUITE.as_bytes());
    let mut args = vec!["--leaderboard", "--json", "--suite", &suite];
    let logs = logs(&dir);
    args.extend(logs.iter().map(String::as_str));
    let out = report(&args, b"");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a limit failed: {}",
        text(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let board = &doc["leaderboard"];
    assert_eq!(board["suite"], "s");
    let scenarios = board["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 3);
    let iso = &scenarios[0];
    assert_eq!(iso["scenario"], "s/isolate");
    assert_eq!(iso["runs"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(iso["planned"], 3);
    let down = &iso["faults"][0]["downtime"];
    assert_eq!(
        (
            down["n"].as_u64(),
            down["median_us"].as_u64(),
            down["min_us"].as_u64(),
            down["max_us"].as_u64()
        ),
        (
            Some(3),
            Some(2_500 * MS),
            Some(1_500 * MS),
            Some(3_500 * MS)
        )
    );
    assert_eq!(iso["faults"][0]["action"], "isolate");
    assert_eq!(iso["faults"][0]["settle"]["median_us"], 2_500 * MS);
    assert_eq!(iso["faults"][1]["action"], "rejoin");
    assert_eq!(iso["verdict"]["result"], "fail");
    let failed = iso["verdict"]["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0]
        .as_str()
        .unwrap()
        .contains("downtime 3.500 s > 3.000 s (fault 1 isolate in run b)"));
    let kill = &scenarios[1];
    assert_eq!(
        (
            kill["lost_writes"].as_u64(),
            kill["lost_write_runs"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(kill["verdict"]["failed"][0], "1 lost writes > 0");
    let never = &scenarios[2];
    assert_eq!(never["scenario"], "s/never-ran");
    assert_eq!(never["verdict"]["failed"][0], "no run was measured");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("scenario s/isolate failed its limits: downtime 3.500 s"),
        "{stderr}"
    );

    // Text and Markdown say the same.
    let mut args = vec!["--leaderboard", "--suite", &suite];
    args.extend(logs.iter().map(String::as_str));
    let out = report(&args, b"");
    let t = text(&out.stdout);
    assert!(
        t.contains("  0 anomalies, 0 lost writes, 0 late-landing writes\n"),
        "{t}"
    );
    assert!(
        t.contains("  1 anomalies (in 1 of 1 runs), 1 lost writes (in 1 of 1 runs), 0 late-landing writes\n"),
        "{t}"
    );
    assert!(
        t.contains(
            "s/isolate: 3/3 runs, database unknown; verdict FAIL: downtime 3.500 s > 3.000 s"
        ),
        "{t}"
    );
    // Throughput: the window [3 s, 8 s) holds both nodes' success at 3 s,
    // n2's from 3 s + down, n1's from 7 s, against 20 a second before:
    // (2 + (50 - 10 × down) + 10) / 5 s / 20 = 47, 37, 27 %.
    assert!(t.contains("1 isolate (n1): downtime 2.500 [1.500–3.500], partial downtime 0.000, settle 2.500 [1.500–3.500], throughput 37.0 % [27.0–47.0 %]\n"), "{t}");
    args.insert(0, "--markdown");
    let md = text(&report(&args, b"").stdout);
    assert!(
        md.contains("| s/isolate | 3/3 | unknown | 1 isolate (n1) | 2.500 [1.500–3.500] |"),
        "{md}"
    );
}

#[test]
fn repetitions_not_run_are_judged_by_why() {
    let dir = scratch_dir("leaderboard-not-run");
    let suite = write(&dir, "s.json", SUITE.as_bytes());
    let not_run = write(
        &dir,
        "not-run.tsv",
        b"never-ran\t1\tunsupported\tthis kernel has no sch_netem\nkill\t2\tunhealthy\tn2: wsrep_local_state_comment is Joining\n",
    );
    let mut args = vec![
        "--leaderboard",
        "--json",
        "--suite",
        &suite,
        "--not-run",
        &not_run,
    ];
    let logs = logs(&dir);
    args.extend(logs.iter().map(String::as_str));
    let doc: Value = serde_json::from_slice(&report(&args, b"").stdout).expect("json");
    let scenarios = doc["leaderboard"]["scenarios"]
        .as_array()
        .expect("scenarios");
    let never = &scenarios[2];
    assert_eq!(never["verdict"]["result"], "skipped");
    assert_eq!(
        never["verdict"]["failed"][0],
        "this kernel has no sch_netem"
    );
    let kill = &scenarios[1];
    assert_eq!(kill["not_run"][0]["kind"], "unhealthy");
    assert!(kill["verdict"]["failed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "repetition 2 was not measured: n2: wsrep_local_state_comment is Joining"));
    let bad = write(&dir, "bad.tsv", b"kill\ttwo\tunhealthy\tx\n");
    let out = report(
        &["--leaderboard", "--suite", &suite, "--not-run", &bad, "-"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bad.tsv:1: expected SCENARIO, REP, KIND"));
}

#[test]
fn without_a_suite_every_label_is_a_scenario_and_nothing_is_judged() {
    let dir = scratch_dir("leaderboard-plain");
    let logs = logs(&dir);
    let mut args = vec!["--leaderboard", "--json"];
    args.extend(logs.iter().map(String::as_str));
    let out = report(&args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let scenarios = doc["leaderboard"]["scenarios"]
        .as_array()
        .expect("scenarios");
    assert_eq!(scenarios.len(), 2);
    assert!(scenarios.iter().all(|s| s["verdict"]["result"] == "none"));
    assert_eq!(scenarios[0]["planned"], Value::Null);
}

#[test]
fn check_suite_prints_the_plan_or_names_the_mistake() {
    let dir = scratch_dir("check-suite");
    let good = write(&dir, "s.json", SUITE.as_bytes());
    let out = report(&["--check-suite", &good], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.starts_with("suite s: 3 scenarios\n"), "{plan}");
    assert!(
        plan.contains("isolate\t3 nodes\tgalera\t20 s\t3 runs\t2 faults\n"),
        "{plan}"
    );
    assert!(plan.ends_with("runs take 100 s of load in all\n"), "{plan}");
    let bad = write(
        &dir,
        "bad.json",
        SUITE
            .replace("\"kill\", \"repeat\"", "\"kill\", \"repeats\"")
            .as_bytes(),
    );
    let out = report(&["--check-suite", &bad], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("unknown field `repeats`"),
        "{err}"
    );
    let out = report(&["--suite", &good, "-"], b"");
    assert!(text(&out.stderr).contains("use it with --leaderboard"));
}

#[test]
fn with_a_suite_the_board_keeps_the_suites_order_whatever_the_logs() {
    let dir = scratch_dir("leaderboard-order");
    let suite = write(&dir, "s.json", SUITE.as_bytes());
    let mut logs = logs(&dir);
    logs.reverse();
    let mut args = vec!["--leaderboard", "--json", "--suite", &suite];
    args.extend(logs.iter().map(String::as_str));
    let doc: Value = serde_json::from_slice(&report(&args, b"").stdout).expect("json");
    let names: Vec<&str> = doc["leaderboard"]["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["scenario"].as_str())
        .collect();
    assert_eq!(names, ["s/isolate", "s/kill", "s/never-ran"]);

    // Without a suite, the order the logs came in.
    let mut args = vec!["--leaderboard", "--json"];
    args.extend(logs.iter().map(String::as_str));
    let doc: Value = serde_json::from_slice(&report(&args, b"").stdout).expect("json");
    assert_eq!(doc["leaderboard"]["scenarios"][0]["scenario"], "s/kill");
}

#[test]
fn a_throughput_limit_fails_each_fault_that_kept_less() {
    let dir = scratch_dir("leaderboard-throughput");
    // The isolations kept 47, 37 and 27 % (see medians_spreads_...); each
    // rejoin's window has both nodes at their old rate: 100 %.
    let suite = SUITE.replace(
        "\"limits\": {\"downtime\": \"3s\", \"lost_writes\": 0}",
        "\"limits\": {\"throughput\": \"40%\"}",
    );
    let suite = write(&dir, "s.json", suite.as_bytes());
    let mut args = vec!["--leaderboard", "--json", "--suite", &suite];
    let logs = logs(&dir);
    args.extend(logs.iter().take(3).map(String::as_str));
    let out = report(&args, b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let iso = &doc["leaderboard"]["scenarios"][0];
    assert_eq!(iso["scenario"], "s/isolate");
    assert_eq!(
        iso["verdict"]["failed"],
        serde_json::json!([
            "throughput 27.00 % < 40.00 % (fault 1 isolate in run b)",
            "throughput 37.00 % < 40.00 % (fault 1 isolate in run c)",
        ]),
        "{iso}"
    );
}
