//! The fault model on hand-written logs whose truth is worked out by hand
//! (docs/report.md, "Faults"): a `heal` of a partition member that the run
//! does not measure ends the partition in the numbers exactly as on the
//! page, and the faults after it expect the nodes it let back.

mod common;

use common::log::{fault_numbers, summary, Scenario};
use common::report::report;
use perseus::report::options::Options;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

/// The run measures n1, n2, n3 of a five-node cluster (`perseus --nodes`),
/// successes every 100 ms, gap 1 s, steady 2 s, stop at 30 s:
///
/// - 5 s: partition n1,n4 | n2,n3,n5 (n1 holds two of five: cut off);
///   n1 serves nothing in (5, 12.5);
/// - 10 s: heal n4 — a member the run does not measure: the partition ends;
/// - 16 s: kill n2, never started again: n2 serves nothing after 16 s;
///   n1 serves nothing in (17, 19).
fn unmeasured_heal_log() -> Vec<u8> {
    let mut s = Scenario::default();
    s.successes(
        "n1",
        100 * MS,
        30 * S,
        100 * MS,
        &[(5 * S, 12_500 * MS), (17 * S, 19 * S)],
    )
    .successes("n2", 100 * MS, 30 * S, 100 * MS, &[(16 * S, 30 * S + 1)])
    .successes("n3", 100 * MS, 30 * S, 100 * MS, &[])
    .partition(5 * S, "n1", &[&["n1", "n4"], &["n2", "n3", "n5"]])
    .fault(10 * S, "heal", "n4", Some(0))
    .fault(16 * S, "kill", "n2", Some(0));
    s.log(&["n1", "n2", "n3"], Some(30 * S))
}

fn settings() -> Options {
    Options {
        steady_us: 2 * S,
        ..Options::default()
    }
}

#[test]
fn a_heal_of_a_member_the_run_does_not_measure_ends_the_partition() {
    let s = summary(&unmeasured_heal_log(), settings());
    assert_eq!(
        fault_numbers(&s),
        vec![
            // n2 and n3 expected, both up throughout: settled at once.
            ("partition", "n1", 5 * S, 0, 0, Some(0)),
            // Every node expected again: n1 back at 12.5 s, then all up
            // over [12.5, 14.5]; two of three up meanwhile (not partial).
            ("heal", "n4", 10 * S, 0, 0, Some(2_500 * MS)),
            // n1 and n3 expected (n1 is no longer cut off): n1's outage
            // (17, 19) overlaps [16, 18], all up over [19, 21]: settle 3 s;
            // only n3 up in (17, 19): partial 2 s.
            ("kill", "n2", 16 * S, 0, 2 * S, Some(3 * S)),
        ]
    );
}

#[test]
fn the_page_shades_the_partition_until_the_heal_whose_numbers_it_shows() {
    let dir = common::mariadb::scratch_dir("fault-model-page");
    let page = dir.join("p.html");
    let out = report(
        &[
            "--steady",
            "2s",
            "--html",
            page.to_str().expect("utf8"),
            "-",
        ],
        &unmeasured_heal_log(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(
        html.contains("data-action=\"partition\" data-node=\"n1\" data-from-us=\"5000000\" data-to-us=\"10000000\">"),
        "shaded to the heal"
    );
    assert!(
        html.contains("partition n1 at 5.000 s until heal n4 at 10.000 s:"),
        "its tooltip names the heal"
    );
    assert!(
        html.contains(
            "heal n4 at 10.000 s: downtime 0.000 ms, partial downtime 0.000 ms, settle 2500.000 ms"
        ),
        "the heal's numbers are those of the partition's end"
    );
    let _ = std::fs::remove_dir_all(dir);
}
