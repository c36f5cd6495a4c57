//! A fault's throughput against the run's baseline, on runs whose numbers
//! are known by construction: a slowdown with no gap (downtime 0, the
//! throughput tells), the first second left out of the baseline, a fault
//! too early for any baseline, and the same numbers in every format.

mod common;

use common::log::{summary, Log};
use common::report::report;
use perseus::report::options::Options;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

/// Two nodes. Each succeeds every 10 ms (100/s) except in [5 s, 10 s),
/// where each succeeds every 500 ms at 5.25, 5.75, ... 9.75 s (2/s, never a
/// gap over 1 s: no node is ever down). "loss" at 5 s, "heal" at 10 s, the
/// end at 20 s. Second 1 holds a burst of 500 per node (connection warm-up
/// that the baseline leaves out).
fn slowdown(fault_at: u64) -> Vec<u8> {
    let mut log = Log::new(&["n1", "n2"]);
    let mut events: Vec<u64> = (0..500).map(|i| i * 2 * MS).collect();
    events.extend(
        (100..2_000)
            .map(|i| i * 10 * MS)
            .filter(|t| *t < 5 * S || *t >= 10 * S),
    );
    events.extend((0..10).map(|i| 5_250 * MS + i * 500 * MS));
    events.sort_unstable();
    let mut pending = Some(fault_at);
    for t in events {
        if let Some(at) = pending.filter(|at| *at <= t) {
            log.fault(at, "loss", "n1", None);
            pending = None;
        }
        log.success(t, "n1", 300).success(t, "n2", 300);
        if t == 10 * S {
            log.fault(t, "heal", "n1", None);
        }
    }
    log.stop(20 * S);
    log.bytes
}

#[test]
fn a_slowdown_without_a_gap_shows_in_throughput_not_downtime() {
    let s = summary(&slowdown(5 * S), Options::default());
    let b = s.baseline.as_ref().expect("a baseline");
    // Seconds 2 to 5, [1 s, 5 s): 100 a second per node.
    assert_eq!((b.from_us, b.until_us, b.iterations), (S, 5 * S, 800));
    assert_eq!(b.per_s, 200.0);
    let loss = &s.faults[0];
    assert_eq!((loss.downtime_us, loss.settle_us), (0, Some(0)));
    // The window is [5 s, 10 s) (settled at once; steady 5 s): 20 in 5 s.
    let t = loss.throughput.as_ref().expect("measured");
    assert_eq!((t.iterations, t.window_us, t.per_s), (20, 5 * S, 4.0));
    assert_eq!(t.of_baseline, Some(0.02));
    let heal = s.faults[1].throughput.as_ref().expect("measured");
    assert_eq!(
        (heal.iterations, heal.per_s, heal.of_baseline),
        (1_000, 200.0, Some(1.0))
    );
}

#[test]
fn every_format_prints_the_same_share() {
    let log = slowdown(5 * S);
    let text = String::from_utf8(report(&["-"], &log).stdout).expect("utf8");
    assert!(
        text.contains("throughput against the 200.0/s of 1.000–5.000 s, before the first fault"),
        "{text}"
    );
    assert!(
        text.contains("5.000 s loss n1: downtime 0.000 ms, partial downtime 0.000 ms, settled after 0.000 ms, throughput 2.0 % (4.0/s); in force until 10.000 s: downtime in force 0.000 ms, longest stall 0.000 ms (0 stalls)\n"),
        "{text}"
    );
    let md = String::from_utf8(report(&["--markdown", "-"], &log).stdout).expect("utf8");
    assert!(
        md.contains("| 5.000 | loss | n1 | 0.000 | 0.000 | 0.000 | 2.0 % (4.0/s) | - |"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&report(&["--json", "-"], &log).stdout).expect("json");
    let run = &json["runs"][0];
    assert_eq!(run["baseline"]["per_s"], 200.0);
    assert_eq!(run["faults"][0]["throughput"]["of_baseline"], 0.02);
}

#[test]
fn a_fault_in_the_first_two_seconds_has_a_rate_but_no_share() {
    // The first fault at 1.5 s: no whole second after the first precedes it.
    let s = summary(&slowdown(1_500 * MS), Options::default());
    assert_eq!(s.baseline, None);
    let t = s.faults[0].throughput.as_ref().expect("measured");
    assert_eq!(t.of_baseline, None);
    let text = String::from_utf8(report(&["-"], &slowdown(1_500 * MS)).stdout).expect("utf8");
    assert!(
        text.contains("no full second before the first fault to compare throughput with"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "throughput {:.1}/s; in force until 10.000 s:",
            t.per_s
        )),
        "{text}"
    );
}
