//! How much work the cluster did around each fault, against what it did
//! before: the number that shows a fault which slows every node without
//! stopping one (packet loss, a bandwidth limit), whose downtime is 0.
//!
//! The *baseline* is the run's successful iterations a second over the full
//! seconds before its first fault, leaving out the first second (the
//! connections are still being made then). A fault's *throughput* is the
//! iterations a second in its latency window [F, W) (`fault_window.rs`: to
//! the settle point, at least `steady`), and its share of the baseline.

use super::faults::FaultReport;
use crate::tally::{last_full_second, Tally};
use serde::Serialize;

/// The run's rate before its first fault, over [from_us, until_us).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub from_us: u64,
    pub until_us: u64,
    pub iterations: u64,
    pub per_s: f64,
}

/// A fault's rate in its latency window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Throughput {
    pub iterations: u64,
    pub window_us: u64,
    pub per_s: f64,
    /// per_s / the baseline's; None without a baseline (or one of 0).
    pub of_baseline: Option<f64>,
}

/// The baseline from the table's rows: seconds 2 to the last that ends by
/// the first fault (and by the run's end). None without a fault, or without
/// one full second before it.
pub fn baseline(
    tally: &Tally,
    nodes: usize,
    first_fault_us: Option<u64>,
    end_us: u64,
) -> Option<Baseline> {
    let until_second = last_full_second(first_fault_us?.min(end_us));
    if until_second < 2 {
        return None;
    }
    let iterations: u64 = (2..=until_second)
        .flat_map(|second| (0..nodes).map(move |node| (second, node)))
        .map(|(second, node)| u64::from(tally.successes(second, node)))
        .sum();
    let seconds = until_second - 1;
    Some(Baseline {
        from_us: 1_000_000,
        until_us: until_second * 1_000_000,
        iterations,
        per_s: iterations as f64 / seconds as f64,
    })
}

/// A fault's throughput: None when its window was not measured or is empty.
pub fn during(f: &FaultReport, baseline: Option<&Baseline>) -> Option<Throughput> {
    let (until, latency) = (f.latency_until_us?, f.latency.as_ref()?);
    let window_us = until.checked_sub(f.t_us).filter(|w| *w > 0)?;
    let iterations: u64 = latency.nodes.iter().map(|n| n.count).sum();
    let per_s = iterations as f64 * 1e6 / window_us as f64;
    Some(Throughput {
        iterations,
        window_us,
        per_s,
        of_baseline: baseline.filter(|b| b.per_s > 0.0).map(|b| per_s / b.per_s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::latency::{LatencyReport, NodeLatency};

    fn tally(per_second: &[u32]) -> Tally {
        let mut t = Tally::new(vec!["n1".into(), "n2".into()], false);
        for (i, &count) in per_second.iter().enumerate() {
            let t_us = i as u64 * 1_000_000 + 500_000;
            for _ in 0..count {
                t.record_outcome(0, t_us, true, false);
                t.record_outcome(1, t_us, true, false);
            }
        }
        t
    }

    #[test]
    fn the_baseline_leaves_out_the_first_second_and_the_faults_own() {
        // Seconds 1..=5 hold 1, 10, 10, 10, 99 per node; a fault at 4.7 s:
        // seconds 2 and 3 and 4 ([1 s, 4 s)) are whole before it.
        let t = tally(&[1, 10, 10, 10, 99]);
        let b = baseline(&t, 2, Some(4_700_000), 10_000_000).expect("baseline");
        assert_eq!(
            (b.from_us, b.until_us, b.iterations),
            (1_000_000, 4_000_000, 60)
        );
        assert_eq!(b.per_s, 20.0);
        // No full second after the first: nothing to compare with.
        assert_eq!(baseline(&t, 2, Some(1_999_999), 10_000_000), None);
        assert_eq!(baseline(&t, 2, None, 10_000_000), None);
        // A run that ended before its fault's second was whole.
        let b = baseline(&t, 2, Some(9_000_000), 3_500_000).expect("baseline");
        assert_eq!(b.until_us, 3_000_000);
    }

    fn fault(t_us: u64, until: Option<u64>, counts: &[u64]) -> FaultReport {
        let nodes = counts
            .iter()
            .map(|&count| NodeLatency {
                node: "n".into(),
                count,
                p50_us: None,
                p99_us: None,
                max_us: None,
            })
            .collect();
        FaultReport {
            action: "loss".into(),
            arg: Some("30".into()),
            groups: None,
            node: "n1".into(),
            measured: true,
            t_us,
            line: 1,
            downtime_us: 0,
            partial_downtime_us: 0,
            settle_us: Some(0),
            measured_until_us: t_us,
            latency_until_us: until,
            latency: until.map(|_| LatencyReport {
                relative_error: 0.0,
                nodes,
            }),
            stamp: "exact",
            note: None,
            throughput: None,
        }
    }

    #[test]
    fn throughput_is_the_windows_rate_against_the_baseline() {
        let b = Baseline {
            from_us: 1_000_000,
            until_us: 10_000_000,
            iterations: 18_000,
            per_s: 2_000.0,
        };
        // 30 + 20 iterations in a 5 s window: 10 a second, 0.5 % of 2000.
        let f = fault(10_000_000, Some(15_000_000), &[30, 20]);
        let t = during(&f, Some(&b)).expect("measured");
        assert_eq!((t.iterations, t.window_us, t.per_s), (50, 5_000_000, 10.0));
        assert_eq!(t.of_baseline, Some(0.005));
        assert_eq!(during(&f, None).and_then(|t| t.of_baseline), None);
        // No window (an untrusted stamp), or an empty one.
        assert_eq!(during(&fault(10_000_000, None, &[]), Some(&b)), None);
        assert_eq!(
            during(&fault(10_000_000, Some(10_000_000), &[1]), Some(&b)),
            None
        );
    }
}
