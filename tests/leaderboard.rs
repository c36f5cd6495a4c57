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

/// Two nodes for 20 s; n1 isolated at 3 s and back at 7 s (`kill` and
/// `start` when the label names the kill scenario); both serve nothing in
/// (3 s, 3 s + down): downtime = settle = `down` for the isolation.
/// `lost`: a read finds an acknowledged write gone.
fn run(label: &str, run: &str, down: u64, lost: bool) -> Vec<u8> {
    let (cut, undo) = match label.contains("/kill/") {
        true => ("kill", "start"),
        false => ("isolate", "rejoin"),
    };
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
            log.fault(3 * S, cut, "n1", None);
        }
        if t == 7 * S {
            log.fault(7 * S, undo, "n1", None);
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
    {"name": "kill", "repeat": 1, "faults": [{"at": 3, "action": "kill", "target": "n1"},
                                             {"at": 7, "action": "start", "target": "n1"}],
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
        t.contains("  1 anomalies (in 1 of 1 runs), 1 lost writes (in 1 of 1 runs), 0 late-landing writes, 1 acknowledged writes lost (in 1 of 1 runs)\n"),
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

/// The suite above with limits every run of `logs` keeps: the verdicts say
/// what the inputs did, not what the numbers did.
fn lenient(dir: &Path) -> String {
    let suite = SUITE.replace(
        "\"limits\": {\"downtime\": \"3s\", \"lost_writes\": 0}",
        "\"limits\": {\"downtime\": \"5s\"}",
    );
    write(dir, "lenient.json", suite.as_bytes())
}

/// The leaderboard of `s/isolate`'s three good runs and `extra`, as JSON;
/// and the exit status.
fn with_extra(dir: &Path, extra: &[(&str, Vec<u8>)]) -> (Option<i32>, Value) {
    let suite = lenient(dir);
    let mut logs = logs(dir);
    logs.truncate(3);
    for (name, bytes) in extra {
        logs.push(write(dir, name, bytes));
    }
    let mut args = vec!["--leaderboard", "--json", "--suite", &suite];
    args.extend(logs.iter().map(String::as_str));
    let out = report(&args, b"");
    let doc = serde_json::from_slice(&out.stdout).expect("json");
    (out.status.code(), doc)
}

/// The isolate scenario's board, and the ignored runs as (run, kind,
/// scenario, reason).
fn isolate_and_ignored(doc: &Value) -> (&Value, Vec<(String, String, Value, String)>) {
    let board = &doc["leaderboard"];
    let ignored = board["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|i| {
            (
                i["run"].as_str().unwrap_or_default().to_string(),
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["scenario"].clone(),
                i["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (&board["scenarios"][0], ignored)
}

fn relabel(log: Vec<u8>, label: Option<&str>) -> Vec<u8> {
    let to = label.map_or("null".to_string(), |l| format!("\"{l}\""));
    text(&log)
        .replacen("\"label\":\"s/isolate/1\"", &format!("\"label\":{to}"), 1)
        .into_bytes()
}

#[test]
fn the_three_planned_runs_pass_and_a_copy_of_one_changes_nothing() {
    let dir = scratch_dir("leaderboard-copies");
    let copy = run("s/isolate/1", "a", 1_500 * MS, false);
    let (code, doc) = with_extra(&dir, &[("a-again.jsonl", copy)]);
    let (iso, ignored) = isolate_and_ignored(&doc);
    assert_eq!(iso["verdict"]["result"], "pass", "{iso}");
    assert_eq!(iso["runs"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(iso["faults"][0]["downtime"]["n"], 3, "counted once");
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert_eq!(
        (ignored[0].0.as_str(), ignored[0].1.as_str()),
        ("a", "copy")
    );
    assert!(ignored[0].3.contains("the same run as the one read from "));
    // The scenario that has no run fails; the others pass.
    assert_eq!(code, Some(1));
}

#[test]
fn a_run_that_is_not_what_the_suite_planned_is_ignored_and_its_scenario_cannot_pass() {
    let dir = scratch_dir("leaderboard-hostile");
    let good = || run("s/isolate/1", "x", 1_500 * MS, false);
    let heal = text(&run("s/isolate/3", "g", 1_500 * MS, false))
        .replace("\"action\":\"rejoin\"", "\"action\":\"heal\"")
        .into_bytes();
    let late = text(&run("s/isolate/3", "l", 1_500 * MS, false))
        .replace(
            "\"t_us\":7000000,\"action\":\"rejoin\"",
            "\"t_us\":18000000,\"action\":\"rejoin\"",
        )
        .into_bytes();
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "relabelled.jsonl",
            run("s/isolate/2", "a", 1_500 * MS, false),
            "same-id",
            "2 logs carry run id a with different labels or contents (",
        ),
        (
            "past.jsonl",
            run("s/isolate/4", "e", 1_500 * MS, false),
            "past-plan",
            "its repetition is not one of the 3 planned",
        ),
        (
            "zero.jsonl",
            run("s/isolate/0", "z", 1_500 * MS, false),
            "past-plan",
            "its repetition is not one of the 3 planned",
        ),
        (
            "norep.jsonl",
            relabel(good(), Some("s/isolate")),
            "no-repetition",
            "its label names no repetition (SUITE/SCENARIO/REP)",
        ),
        (
            "again.jsonl",
            run("s/isolate/3", "f", 1_500 * MS, false),
            "same-repetition",
            "repetition 3 of s/isolate is claimed by runs c, f: which one counts cannot be told",
        ),
        (
            "heal.jsonl",
            heal,
            "schedule",
            "its faults are not scenario isolate's schedule: fault 2 is heal, the schedule's rejoin",
        ),
        (
            "late.jsonl",
            late,
            "schedule",
            "fault 2 (rejoin) took effect at 18.000 s, the schedule's at 7.000 s (from 1.000 s before to 10.000 s after)",
        ),
    ];
    for (name, bytes, kind, reason) in cases {
        let (code, doc) = with_extra(&dir, &[(name, bytes)]);
        let (iso, ignored) = isolate_and_ignored(&doc);
        assert_eq!(code, Some(1), "{name}");
        assert!(
            ignored
                .iter()
                .any(|i| i.1 == kind && i.2 == "s/isolate" && i.3.contains(reason)),
            "{name}: {ignored:?}"
        );
        assert_eq!(iso["verdict"]["result"], "fail", "{name}: {iso}");
        let failed = iso["verdict"]["failed"].to_string();
        assert!(failed.contains(" ignored: "), "{name}: {failed}");
        let runs = iso["runs"].as_array().expect("runs");
        assert!(runs.len() <= 3, "{name}: never more than planned: {runs:?}");
        assert_eq!(
            iso["faults"][0]["downtime"]["n"].as_u64(),
            Some(runs.len() as u64),
            "{name}: an ignored run is counted nowhere"
        );
    }
    // A relabelled copy of run a: neither of a's logs counts, so its
    // repetition is not measured and says so.
    let (_, doc) = with_extra(
        &dir,
        &[(
            "relabelled.jsonl",
            run("s/isolate/2", "a", 1_500 * MS, false),
        )],
    );
    let (iso, _) = isolate_and_ignored(&doc);
    assert_eq!(iso["runs"], serde_json::json!(["b", "c"]));
    assert!(iso["verdict"]["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .any(|f| f == "repetition 1 has no run that counts"));
}

#[test]
fn runs_that_name_no_planned_scenario_are_listed_and_judge_nothing() {
    let dir = scratch_dir("leaderboard-strangers");
    let strangers = vec![
        (
            "unlabelled.jsonl",
            relabel(run("s/isolate/1", "u", 0, false), None),
            "unlabelled",
        ),
        (
            "empty.jsonl",
            relabel(run("s/isolate/1", "v", 0, false), Some("")),
            "empty-label",
        ),
        (
            "other.jsonl",
            relabel(run("s/isolate/1", "w", 0, false), Some("other/isolate/1")),
            "not-planned",
        ),
    ];
    for (name, bytes, kind) in strangers {
        let (_, doc) = with_extra(&dir, &[(name, bytes)]);
        let (iso, ignored) = isolate_and_ignored(&doc);
        assert_eq!(iso["verdict"]["result"], "pass", "{name}: {iso}");
        assert_eq!(ignored.len(), 1, "{name}: {ignored:?}");
        assert_eq!(
            (ignored[0].1.as_str(), &ignored[0].2),
            (kind, &Value::Null),
            "{name}"
        );
        let scenarios = doc["leaderboard"]["scenarios"]
            .as_array()
            .expect("scenarios");
        assert_eq!(scenarios.len(), 3, "{name}: only the suite's scenarios");
    }
}

#[test]
fn a_pass_needs_every_planned_repetition_and_says_which_are_missing() {
    let dir = scratch_dir("leaderboard-missing");
    let suite = lenient(&dir);
    let a = write(&dir, "a.jsonl", &run("s/isolate/1", "a", 1_500 * MS, false));
    let out = report(&["--leaderboard", "--json", "--suite", &suite, &a], b"");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let iso = &doc["leaderboard"]["scenarios"][0];
    assert_eq!(iso["verdict"]["result"], "fail");
    assert_eq!(
        iso["verdict"]["failed"],
        serde_json::json!(["repetitions 2, 3 have no run that counts"])
    );
}

#[test]
fn without_a_suite_logs_that_share_a_run_id_count_once_or_not_at_all() {
    let dir = scratch_dir("leaderboard-same-id");
    let unlabelled = |down| relabel(run("s/isolate/1", "x", down, false), None);
    let one = write(&dir, "one.jsonl", &unlabelled(1_500 * MS));
    let same = write(&dir, "same.jsonl", &unlabelled(1_500 * MS));
    let other = write(&dir, "other.jsonl", &unlabelled(2_500 * MS));
    let board = |logs: &[&str]| {
        let mut args = vec!["--leaderboard", "--json"];
        args.extend(logs);
        let doc: Value = serde_json::from_slice(&report(&args, b"").stdout).expect("json");
        doc["leaderboard"].clone()
    };
    let copies = board(&[&one, &same]);
    assert_eq!(copies["scenarios"][0]["runs"], serde_json::json!(["x"]));
    assert_eq!(copies["ignored"][0]["kind"], "copy");
    let differ = board(&[&one, &other]);
    assert_eq!(differ["scenarios"], serde_json::json!([]));
    assert_eq!(differ["ignored"][0]["kind"], "same-id");
    assert_eq!(differ["ignored"][1]["kind"], "same-id");
}

#[test]
fn every_format_lists_the_ignored_runs_with_why() {
    let dir = scratch_dir("leaderboard-ignored-formats");
    let suite = lenient(&dir);
    let mut logs = logs(&dir);
    logs.push(write(&dir, "e.jsonl", &run("s/isolate/4", "e", 0, false)));
    let page = dir.join("board.html");
    let mut args = vec!["--leaderboard", "--suite", &suite];
    args.extend(logs.iter().map(String::as_str));
    let t = text(&report(&args, b"").stdout);
    assert!(
        t.contains("\nignored (counted nowhere):\n  run e (label s/isolate/4) from "),
        "{t}"
    );
    assert!(
        t.contains("e.jsonl: its repetition is not one of the 3 planned\n"),
        "{t}"
    );
    args.insert(0, "--markdown");
    let md = text(&report(&args, b"").stdout);
    assert!(
        md.contains("### Ignored runs (counted nowhere)\n\n| run | label | source | why |\n"),
        "{md}"
    );
    assert!(md.contains("| e | s/isolate/4 | "), "{md}");
    args[0] = "--html";
    args.insert(1, page.to_str().expect("utf8"));
    report(&args, b"");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains("<h3>Ignored runs (counted nowhere)</h3><table class=\"ignored\">"));
    assert!(html.contains("<td>e</td><td>s/isolate/4</td>"));
}
