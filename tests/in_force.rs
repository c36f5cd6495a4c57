//! Faults that stop no node (loss, bandwidth, delay): the whole-cluster
//! downtime from the fault to its undo, or to the run's end, and the
//! longest stall meanwhile, on a hand-written log whose stalls are placed by
//! construction (docs/report.md's worked example of *downtime in force*):
//! in every format, in the leaderboard, and against a suite's limits.

mod common;

use common::log::{fault_numbers, summary, Scenario};
use common::mariadb::scratch_dir;
use common::report::report;
use perseus::report::analysis::in_force::InForce;
use perseus::report::options::Options;
use serde_json::Value;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

/// Two nodes, successes every 100 ms, stop at 40 s; both nodes stall
/// together (whole-cluster outages) over (11.0, 12.2), (17.5, 19.0),
/// (21.0, 23.5) — around the heal at 22 s —, (33.0, 35.0) and from 38.8 s
/// to the run's end. loss:30 on n1 at 10 s, healed at 22 s; loss:30 on n2
/// at 30 s, never undone.
fn stalls_log() -> Vec<u8> {
    let stalls = [
        (11 * S, 12_200 * MS),
        (17_500 * MS, 19 * S),
        (21 * S, 23_500 * MS),
        (33 * S, 35 * S),
        (38_800 * MS, 40 * S + 1),
    ];
    let mut s = Scenario::default();
    s.successes("n1", 100 * MS, 40 * S, 100 * MS, &stalls)
        .successes("n2", 100 * MS, 40 * S, 100 * MS, &stalls)
        .fault(10 * S, "loss:30", "n1", Some(0))
        .fault(22 * S, "heal", "n1", Some(0))
        .fault(30 * S, "loss:30", "n2", Some(0));
    let log = String::from_utf8(s.log(&["n1", "n2"], Some(40 * S))).expect("utf8");
    log.replacen("\"label\":null", "\"label\":\"s/loss/1\"", 1)
        .into_bytes()
}

fn in_force(until_us: u64, undone: bool, downtime_us: u64, longest_stall_us: u64) -> InForce {
    let stalls = if undone { 3 } else { 2 };
    InForce {
        until_us,
        undone,
        downtime_us,
        longest_stall_us,
        stalls,
    }
}

#[test]
fn a_slowing_fault_counts_every_stall_until_its_undo() {
    let s = summary(&stalls_log(), Options::default());
    assert_eq!(
        fault_numbers(&s),
        vec![
            // Settled at 12.2 s: [12.2, 17.2] is whole. Its downtime stops
            // there, before the stalls at 17.5 s and 21 s.
            ("loss", "n1", 10 * S, 1_200 * MS, 0, Some(2_200 * MS)),
            // From 22 s: the stall to 23.5 s, then whole.
            ("heal", "n1", 22 * S, 1_500 * MS, 0, Some(1_500 * MS)),
            // Never settled: [38.8, 40] leaves no 5 s whole before the end.
            ("loss", "n2", 30 * S, 3_200 * MS, 0, None),
        ]
    );
    let got: Vec<Option<InForce>> = s.faults.iter().map(|f| f.in_force.clone()).collect();
    assert_eq!(
        got,
        vec![
            // [10, 22): 1.2 + 1.5 + the 1.0 s of (21, 23.5) before the heal.
            Some(in_force(22 * S, true, 3_700 * MS, 1_500 * MS)),
            None,
            // [30, 40): 2.0 + 1.2, the last stall ending with the run.
            Some(in_force(40 * S, false, 3_200 * MS, 2 * S)),
        ]
    );
}

fn stdout(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("-");
    let out = report(&all, &stalls_log());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn every_format_shows_the_numbers_in_force() {
    let text = stdout(&[]);
    assert!(text.contains("#   10.000 s loss:30 n1: downtime 1200.000 ms, partial downtime 0.000 ms, settled after 2200.000 ms, throughput "), "{text}");
    assert!(
        text.contains("; in force until 22.000 s: downtime in force 3700.000 ms, longest stall 1500.000 ms (3 stalls)\n"),
        "{text}"
    );
    assert!(
        text.contains("; in force to the run's end at 40.000 s: downtime in force 3200.000 ms, longest stall 2000.000 ms (2 stalls)\n"),
        "{text}"
    );

    let doc: Value = serde_json::from_str(&stdout(&["--json"])).expect("json");
    let faults = &doc["runs"][0]["faults"];
    assert_eq!(
        faults[0]["in_force"],
        serde_json::json!({"until_us": 22 * S, "undone": true, "downtime_us": 3_700 * MS,
                           "longest_stall_us": 1_500 * MS, "stalls": 3})
    );
    assert!(
        faults[1].get("in_force").is_none(),
        "a heal has none: {}",
        faults[1]
    );

    let md = stdout(&["--markdown"]);
    assert!(
        md.contains(
            "| throughput | note | in force until s | downtime in force | longest stall |\n"
        ),
        "{md}"
    );
    assert!(md.contains(" | 22.000 | 3700.000 | 1500.000 |\n"), "{md}");
    assert!(md.contains(" | - | - | - |\n"), "the heal's: {md}");
    assert!(
        md.contains(" | 40.000 (run's end) | 3200.000 | 2000.000 |\n"),
        "{md}"
    );

    let dir = scratch_dir("in-force-page");
    let page = dir.join("p.html");
    stdout(&["--html", page.to_str().expect("utf8")]);
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains(
        "<th class=\"num\">downtime in force ms</th><th class=\"num\">longest stall ms</th>"
    ));
    assert!(html.contains("<td class=\"num\">22.000</td><td class=\"num\">3700.000</td><td class=\"num\">1500.000</td>"));
    assert!(
        html.contains("; in force until 22.000 s: downtime in force 3700.000 ms, longest stall 1500.000 ms (3 stalls)</title>"),
        "the shaded band's tooltip"
    );
    let _ = std::fs::remove_dir_all(dir);
}

const SUITE: &str = r#"{"name": "s", "defaults": {"duration": 40},
  "scenarios": [{"name": "loss", "limits": LIMITS,
    "faults": [{"at": 10, "action": "loss:30", "target": "n1"},
               {"at": 22, "action": "heal", "target": "n1"},
               {"at": 30, "action": "loss:30", "target": "n2"}]}]}"#;

/// The leaderboard of the run against a suite with these limits, in this
/// format (`--html`: the page).
fn board(limits: &str, format: &str) -> (Option<i32>, String) {
    let dir = scratch_dir(&format!("in-force-board{format}"));
    let suite = dir.join("s.json");
    std::fs::write(&suite, SUITE.replace("LIMITS", limits)).expect("suite");
    let page = dir.join("board.html");
    let mut args = vec!["--leaderboard", format];
    if format == "--html" {
        args.push(page.to_str().expect("utf8"));
    }
    args.extend(["--suite", suite.to_str().expect("utf8"), "-"]);
    let out = report(&args, &stalls_log());
    let text = match format {
        "--html" => std::fs::read_to_string(&page).expect("page"),
        _ => String::from_utf8(out.stdout).expect("utf8"),
    };
    let _ = std::fs::remove_dir_all(dir);
    (out.status.code(), text)
}

#[test]
fn a_suite_limits_the_downtime_in_force_and_the_longest_stall() {
    let (code, text) = board(
        r#"{"downtime_in_force": "3.5s", "longest_stall": "1.8s"}"#,
        "--text",
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("verdict FAIL: downtime in force 3.700 s > 3.500 s (fault 1 loss in run r1); longest stall 2.000 s > 1.800 s (fault 3 loss in run r1)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  1 loss:30 (n1): downtime 1.200, partial downtime 0.000, settle 2.200, throughput "
        ),
        "{text}"
    );
    assert!(
        text.contains(", downtime in force 3.700, longest stall 1.500\n"),
        "{text}"
    );
    let (code, text) = board(
        r#"{"downtime_in_force": "3.7s", "longest_stall": "2s"}"#,
        "--json",
    );
    assert_eq!(code, Some(0), "{text}");
    let doc: Value = serde_json::from_str(&text).expect("json");
    let loss = &doc["leaderboard"]["scenarios"][0];
    assert_eq!(loss["verdict"]["result"], "pass", "{loss}");
    assert_eq!(
        loss["faults"][2]["longest_stall"]["median_us"],
        2 * S,
        "{loss}"
    );
    assert!(loss["faults"][1].get("downtime_in_force").is_none());
    let (_, md) = board(r#"{"longest_stall": "2s"}"#, "--markdown");
    assert!(
        md.contains("| throughput | downtime in force | longest stall | anomalies |"),
        "{md}"
    );
    let (_, page) = board(r#"{"longest_stall": "2s"}"#, "--html");
    assert!(page.contains("<th class=\"num\">throughput</th><th class=\"num\">downtime in force</th><th class=\"num\">longest stall</th>"));
    assert!(page.contains("<td class=\"num\">3.700</td><td class=\"num\">1.500</td>"));
}
