//! What a fault that stops no node (loss, bandwidth, delay) did over the
//! whole time it was in force: from F to its undo (or the run's end), the
//! time no node served (*downtime in force*) and the longest whole-cluster
//! outage (*longest stall*). Its downtime counts only to the settle point,
//! the first moment from which the cluster served `--steady` without a gap,
//! so stalls after that point while the fault still held appeared in no
//! fault's numbers. Pure: from the finished whole-cluster outages.

use super::outages::Interval;
use serde::Serialize;

/// A slowing fault's numbers over [F, until).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InForce {
    /// The end of the span: its undo's F, or the run's end.
    pub until_us: u64,
    /// False when nothing undid it before the run's end.
    pub undone: bool,
    /// Time in the span with no node up.
    pub downtime_us: u64,
    /// The longest whole-cluster outage, the part of it inside the span.
    pub longest_stall_us: u64,
    /// Whole-cluster outages that reach into the span.
    pub stalls: u64,
}

/// The numbers over [from, until) from the run's whole-cluster outages (in
/// time order, not overlapping). An outage that began before the fault or
/// lasts past its undo counts only inside the span: what follows the undo
/// is the undo's.
pub fn in_force(from_us: u64, until_us: u64, undone: bool, cluster: &[Interval]) -> InForce {
    let mut numbers = InForce {
        until_us,
        undone,
        downtime_us: 0,
        longest_stall_us: 0,
        stalls: 0,
    };
    for o in cluster {
        let (a, b) = (o.start_us.max(from_us), o.end_us.min(until_us));
        if a < b {
            numbers.downtime_us += b - a;
            numbers.longest_stall_us = numbers.longest_stall_us.max(b - a);
            numbers.stalls += 1;
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_us: u64, end_us: u64) -> Interval {
        Interval { start_us, end_us }
    }

    #[test]
    fn stalls_count_inside_the_span_only() {
        let cluster = [iv(5, 15), iv(20, 23), iv(30, 34), iv(34, 36), iv(48, 60)];
        assert_eq!(
            in_force(10, 50, true, &cluster),
            InForce {
                until_us: 50,
                undone: true,
                // 5 of the first, 3, 4 and 2 (touching: two stalls), 2 of the last.
                downtime_us: 16,
                longest_stall_us: 5,
                stalls: 5,
            }
        );
        assert_eq!(in_force(16, 20, false, &cluster).stalls, 0);
        assert_eq!(in_force(16, 16, true, &cluster).downtime_us, 0);
    }
}
