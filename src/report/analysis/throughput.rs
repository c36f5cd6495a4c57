//! How much work the cluster did around each fault, against what it did
//! before: the number that shows a fault which slows every node without
//! stopping one (packet loss, a bandwidth limit), whose downtime is 0.
//!
//! The *baseline* is the run's successful iterations a second over the full
//! seconds before its first fault, leaving out the first second (the
//! connections are still being made then). A fault's *throughput* is the
//! iterations a second in its latency window [F, W) (`fault_window.rs`: to
//! the settle point, at least `steady`), and its share of the baseline.

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

/// A fault's throughput, from its latency window [from_us, until_us) and
/// the `iterations` that succeeded in it (plain numbers, so this module
/// needs nothing of `faults.rs`, which uses it): None when the window is
/// empty.
pub fn during(
    from_us: u64,
    until_us: u64,
    iterations: u64,
    baseline: Option<&Baseline>,
) -> Option<Throughput> {
    let window_us = until_us.checked_sub(from_us).filter(|w| *w > 0)?;
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

    #[test]
    fn throughput_is_the_windows_rate_against_the_baseline() {
        let b = Baseline {
            from_us: 1_000_000,
            until_us: 10_000_000,
            iterations: 18_000,
            per_s: 2_000.0,
        };
        // 50 iterations in a 5 s window: 10 a second, 0.5 % of 2000.
        let t = during(10_000_000, 15_000_000, 50, Some(&b)).expect("measured");
        assert_eq!((t.iterations, t.window_us, t.per_s), (50, 5_000_000, 10.0));
        assert_eq!(t.of_baseline, Some(0.005));
        let no_baseline = during(10_000_000, 15_000_000, 50, None);
        assert_eq!(no_baseline.and_then(|t| t.of_baseline), None);
        // An empty window.
        assert_eq!(during(10_000_000, 10_000_000, 1, Some(&b)), None);
    }
}
