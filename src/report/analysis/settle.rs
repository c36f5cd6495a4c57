//! The three numbers of one fault, from the finished outages (pure): the
//! settle point T, downtime and partial downtime. For a fault at F with the
//! nodes expected to serve after it, the cluster has settled at the first
//! T >= F from which every expected node stays up for `steady`: no instant
//! of [T, T + steady] lies strictly inside one of their outages, and
//! T + steady <= E (the run's end). downtime = time in [F, T) with no node
//! up; partial downtime = time in [F, T) with at least one but fewer than
//! N - 1 nodes up. When the cluster never settles, both are measured over
//! [F, E).

use super::outages::{sweep, Interval};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// T, or None when the cluster did not settle before the run's end.
    pub settle_at: Option<u64>,
    pub downtime_us: u64,
    pub partial_downtime_us: u64,
    /// The end of the span the two downtimes cover: T, or the run's end.
    pub measured_until_us: u64,
}

/// T: starts at F and moves to the end of every outage of an expected node
/// that overlaps [T, T + steady], until none does.
pub fn settle_point(
    f_us: u64,
    expected: &[bool],
    outages: &[Vec<Interval>],
    steady_us: u64,
) -> u64 {
    let mut t = f_us;
    loop {
        let mut moved = t;
        for (list, _) in outages.iter().zip(expected).filter(|(_, &e)| e) {
            // Outages of a node do not overlap and are in time order.
            let first = list.partition_point(|o| o.end_us <= t);
            for o in &list[first..] {
                if o.start_us >= t.saturating_add(steady_us) {
                    break;
                }
                moved = moved.max(o.end_us);
            }
        }
        if moved == t {
            return t;
        }
        t = moved;
    }
}

/// The fault's numbers over the finished outages of every node.
pub fn settle(
    f_us: u64,
    expected: &[bool],
    outages: &[Vec<Interval>],
    steady_us: u64,
    end_us: u64,
) -> Settled {
    let t = settle_point(f_us, expected, outages, steady_us);
    let settled = t.saturating_add(steady_us) <= end_us;
    let until = if settled { t } else { end_us.max(f_us) };
    let n = outages.len();
    let (mut none, mut partial) = (0, 0);
    sweep(outages, f_us, until, |a, b, up| {
        if up == 0 {
            none += b - a;
        } else if up + 1 < n {
            partial += b - a;
        }
    });
    Settled {
        settle_at: settled.then_some(t),
        downtime_us: none,
        partial_downtime_us: partial,
        measured_until_us: until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_us: u64, end_us: u64) -> Interval {
        Interval { start_us, end_us }
    }

    #[test]
    fn the_worked_example_of_docs_report_md() {
        // docs/report.md: isolate n1 at 5.05 s, steady 2 s, end 20 s.
        let s = 1_000_000;
        let outages = vec![
            vec![iv(5 * s, 12 * s)],
            vec![
                iv(5_200_000, 7_300_000),
                iv(11 * s, 12_500_000),
                iv(18 * s, 20 * s),
            ],
            vec![iv(6 * s, 7_100_000), iv(15_900_000, 20 * s)],
        ];
        let got = settle(5_050_000, &[false, true, true], &outages, 2 * s, 20 * s);
        assert_eq!(
            got,
            Settled {
                settle_at: Some(7_300_000),
                downtime_us: 1_100_000,
                partial_downtime_us: 1_000_000,
                measured_until_us: 7_300_000
            }
        );
        // start n3 at 18.5: n2 and n3 never come back.
        let got = settle(18_500_000, &[true, true, true], &outages, 2 * s, 20 * s);
        assert_eq!(
            (got.settle_at, got.partial_downtime_us, got.downtime_us),
            (None, 1_500_000, 0)
        );
    }

    #[test]
    fn no_expected_node_settles_at_once_and_an_outage_touching_the_window_counts() {
        let outages = vec![vec![iv(10, 100)], vec![iv(50, 60)]];
        assert_eq!(settle_point(0, &[false, false], &outages, 5), 0);
        assert_eq!(
            settle_point(0, &[false, true], &outages, 50),
            0,
            "an outage from 50 leaves [0, 50] whole"
        );
        assert_eq!(settle_point(0, &[false, true], &outages, 51), 60);
        assert_eq!(
            settle_point(0, &[true, true], &outages, 5),
            0,
            "up for [0, 5] already"
        );
        assert_eq!(settle_point(0, &[true, true], &outages, 20), 100);
    }
}
