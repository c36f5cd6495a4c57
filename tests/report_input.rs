//! perseus-report's command line on bad input: every case names FILE:LINE
//! and exits 2, never panics; a torn last line is a warning; plus the exit
//! codes of --max-downtime, several runs on stdin, and the JSON keys.

mod common;

use common::log::Log;
use common::report::{on_file, report};
use std::io::Write;
use std::process::{Command, Stdio};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn good() -> Log {
    let mut log = Log::new(&["n1", "n2"]);
    log.success(100_000, "n1", 10).success(200_000, "n2", 20);
    log
}

const OP: &str = r#"{"ev":"op","t_us":300000,"node":"n1","conn":0,"key":"k-n1","op":"update","ok":true,"lat_us":5,"value":1}"#;

fn assert_bad(name: &str, bytes: &[u8], line: u64, says: &str) {
    let (out, path) = on_file(name, bytes, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    let want = format!("perseus-report: {path}:{line}: ");
    assert!(err.starts_with(&want), "{name}: want {want}…, got: {err}");
    assert!(err.contains(says), "{name}: want {says:?} in: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
}

#[test]
fn each_kind_of_bad_input_names_file_and_line() {
    assert_bad(
        "first-not-start",
        format!("{OP}\n").as_bytes(),
        1,
        "schema-1 start event",
    );
    let v2 = r#"{"ev":"start","t_us":0,"schema":2,"run":"r","unix_us":0,"tool":"x","nodes":[],"conns":1}"#;
    assert_bad(
        "schema-2",
        format!("{v2}\n").as_bytes(),
        1,
        "unknown schema version 2",
    );
    let mut log = good();
    log.raw("{\"ev\":\"op\",");
    log.success(400_000, "n1", 1);
    assert_bad("malformed", &log.bytes, 4, "EOF");
    let mut bytes = good().bytes;
    bytes.extend_from_slice(b"{\"ev\":\"op\",\"t_us\":5,\"node\":\"n\xff1\"}\n");
    assert_bad("utf8", &bytes, 4, "invalid UTF-8");
    let mut log = good();
    log.raw(&OP.replace("\"n1\"", "\"n9\""));
    assert_bad("unknown-node", &log.bytes, 4, "names node \"n9\"");
    let mut log = good();
    log.raw(&OP.replace("\"lat_us\":5", "\"lat_us\":\"5\""));
    assert_bad("wrong-type", &log.bytes, 4, "invalid type");
    let mut log = good();
    log.raw(&OP.replace("300000", "-3"));
    assert_bad("negative", &log.bytes, 4, "negative time");
    let mut log = good();
    log.success(9_000_000, "n1", 1).success(1_000_000, "n2", 1);
    assert_bad("too-late", &log.bytes, 5, "reorder window");
    let mut log = good();
    log.raw(&OP.replace("\"conn\":0", "\"conn\":1"));
    assert_bad(
        "conn",
        &log.bytes,
        4,
        "names conn 1, but the start event has 1",
    );
    let mut log = good();
    log.raw(&OP.replace("\"key\":\"k-n1\"", "\"key\":\"other\""));
    assert_bad(
        "key",
        &log.bytes,
        4,
        "names key \"other\", but that connection's key is \"k-n1\"",
    );
    let (out, path) = on_file("empty", b"", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("{path}: no start event")));
    let missing = report(&["/nonexistent/log.jsonl"], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/nonexistent/log.jsonl: cannot open"));
}

#[test]
fn a_torn_last_line_is_a_warning_and_the_report_goes_on() {
    let mut bytes = good().bytes;
    bytes.extend_from_slice(&OP.as_bytes()[..40]);
    let (out, path) = on_file("torn", &bytes, &["--table"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("{path}:4: warning: torn line ignored")));
    assert_eq!(
        text(&out.stdout),
        "# second\ttotal\tn1\tn2\n",
        "killed at 0.2 s: no full second"
    );
}

#[test]
fn skip_bad_turns_malformed_lines_into_counted_warnings() {
    let mut log = good();
    log.raw("garbage")
        .raw(&OP.replace("\"n1\"", "\"n9\""))
        .success(1_500_000, "n1", 1);
    let (out, path) = on_file("skip", &log.bytes, &["--skip-bad", "--table"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("{path}:4: warning: line skipped")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{path}:5: warning: line skipped")),
        "{err}"
    );
    assert_eq!(text(&out.stdout), "# second\ttotal\tn1\tn2\n1\t2\t1\t1\n");
}

fn outage_run(run: &str, down_us: u64) -> Vec<u8> {
    // Both nodes succeed every 100 ms for 10 s, except in (2 s, 2 s + down).
    let mut log = Log::new(&["n1", "n2"]);
    let mut t = 100_000;
    while t <= 10_000_000 {
        if !(2_000_000 < t && t < 2_000_000 + down_us) {
            log.success(t, "n1", 7).success(t, "n2", 7);
        }
        t += 100_000;
    }
    log.stop(10_000_000);
    text(&log.bytes)
        .replace("\"run\":\"r1\"", &format!("\"run\":\"{run}\""))
        .into_bytes()
}

#[test]
fn several_runs_on_stdin_and_the_json_keys() {
    let mut both = outage_run("a", 1_500_000);
    both.extend(outage_run("b", 3_000_000));
    let out = report(&["--json", "-"], &both);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(doc["tool"]
        .as_str()
        .expect("tool")
        .starts_with("perseus-report "));
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    let b = &runs[1];
    assert_eq!(b["run"], "b");
    assert_eq!(b["nodes"], serde_json::json!(["n1", "n2"]));
    assert_eq!(b["iterations"], 2 * (100 - 29));
    for key in [
        "errors",
        "outages",
        "faults",
        "anomalies",
        "latency",
        "tool",
        "versions",
        "end_us",
    ] {
        assert!(b.get(key).is_some(), "key {key}");
    }
    let cluster = &b["outages"][0];
    assert_eq!(cluster["node"], serde_json::Value::Null);
    assert_eq!(
        (cluster["start_us"].as_u64(), cluster["end_us"].as_u64()),
        (Some(2_000_000), Some(5_000_000))
    );
    assert_eq!(cluster["duration_us"], 3_000_000);
    assert!(cluster["errors"].is_object());
    assert_eq!(b["latency"]["nodes"][0]["p50_us"], 7);
    let md = report(&["--markdown", "-"], &both);
    let md = text(&md.stdout);
    assert!(md.contains("| run | database | cut: downtime |"), "{md}");
    assert!(md.contains("| a | unknown | - |"), "{md}");
    assert!(md.contains("| b | unknown | - |"), "{md}");
}

#[test]
fn max_downtime_exits_1_and_says_which_outage() {
    let log = outage_run("a", 1_500_000);
    let over = report(&["--table", "--max-downtime", "1s", "-"], &log);
    assert_eq!(over.status.code(), Some(1));
    let err = text(&over.stderr);
    assert!(
        err.contains("run a: whole-cluster outage of 1500.000 ms from t_us 2000000 to 3500000"),
        "{err}"
    );
    let within = report(&["--max-downtime", "1.5s", "-"], &log);
    assert_eq!(within.status.code(), Some(0), "{}", text(&within.stderr));
    assert!(text(&within.stdout).contains("# outages"));
    let usage = report(&["--gap", "soon", "-"], &log);
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage.stderr).contains("--gap"));
}

#[test]
fn max_downtime_still_decides_the_exit_code_when_the_reader_goes_away() {
    let log = outage_run("a", 1_500_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_perseus-report"))
        .args(["--max-downtime", "1s", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start perseus-report");
    drop(child.stdout.take()); // like `| head -0`: nobody reads the output
    let mut input = child.stdin.take().expect("stdin");
    let _ = input.write_all(&log);
    drop(input);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("longer than --max-downtime"));
}

#[test]
fn a_run_longer_than_seven_days_is_refused_not_allocated() {
    // Each step stays under the 24 h jump limit; the total does not.
    let mut log = good();
    for day in 1..=8u64 {
        log.success(day * 23 * 3600 * 1_000_000, "n1", 1);
    }
    let out = report(&["--table", "-"], &log.bytes);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("more than 7 days"),
        "{}",
        text(&out.stderr)
    );
}

/// A kind a later perseus may add is skipped with one warning per kind and
/// changes no output; the lab's server events change no number: only the
/// report's `servers` part (and the text's server events) is added.
#[test]
fn unknown_kinds_and_server_events_are_passed_over_without_changing_a_number() {
    let plain = {
        let mut log = good();
        log.stop(1_000_000);
        log
    };
    let mut later = good();
    later.raw(r#"{"ev":"later","t_us":260000,"x":1}"#);
    later.raw(r#"{"ev":"later","t_us":270000}"#);
    later.stop(1_000_000);
    for format in ["--text", "--json", "--markdown", "--table"] {
        let (want, _) = on_file("known", &plain.bytes, &[format]);
        let (got, path) = on_file("known", &later.bytes, &[format]);
        assert_eq!(
            got.status.code(),
            Some(0),
            "{format}: {}",
            text(&got.stderr)
        );
        assert_eq!(text(&got.stdout), text(&want.stdout), "{format}");
        let err = text(&got.stderr);
        assert!(
            err.contains(&format!(
                "{path}:4: warning: event kind \"later\" is unknown"
            )),
            "{format}: {err}"
        );
        assert_eq!(err.matches("is unknown to this").count(), 1, "{err}");
        assert!(
            err.contains("2 lines of unknown event kinds skipped: later ×2"),
            "{err}"
        );
    }
    let mut server = good();
    server.raw(r#"{"ev":"server","t_us":250000,"node":"n1","server":"mariadbd","what":"exited","signal":6,"seen":"wait","clock":"monotonic"}"#);
    server.stop(1_000_000);
    let json = |bytes: &[u8]| -> serde_json::Value {
        let (out, _) = on_file("server", bytes, &["--json"]);
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let (mut with, without) = (json(&server.bytes), json(&plain.bytes));
    let servers = with["runs"][0]
        .as_object_mut()
        .and_then(|run| run.remove("servers"))
        .expect("a servers part");
    assert_eq!(servers["down"][0]["how"], "signal 6: SIGABRT");
    assert_eq!(with, without, "no number changed");
}
