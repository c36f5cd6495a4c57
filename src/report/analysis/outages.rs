//! Outages: per node, every gap longer than `--gap` between consecutive
//! successful iterations, with t = 0 and t = E (the run's end) counted as
//! successes of every node. An outage is [last success before, first success
//! after); the node is down at u when u lies strictly inside it. The cluster
//! is down where every node is down.

use crate::report::limits::MAX_OUTAGES;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Interval {
    pub start_us: u64,
    pub end_us: u64,
}

impl Interval {
    pub fn duration_us(&self) -> u64 {
        self.end_us - self.start_us
    }

    /// Strictly inside: the bounds are successes.
    pub fn contains(&self, u: u64) -> bool {
        self.start_us < u && u < self.end_us
    }
}

/// Finds outages as successes stream in, in time order.
pub struct OutageTracker {
    gap_us: u64,
    last_success: Vec<u64>,
    closed: Vec<Vec<Interval>>,
    count: usize,
    /// More outages than `limits::MAX_OUTAGES` came: the later ones are lost.
    pub overflowed: bool,
}

impl OutageTracker {
    pub fn new(nodes: usize, gap_us: u64) -> Self {
        OutageTracker {
            gap_us,
            last_success: vec![0; nodes],
            closed: vec![Vec::new(); nodes],
            count: 0,
            overflowed: false,
        }
    }

    /// A success of `node` at `t_us` (not earlier than its previous one);
    /// returns the outage it ends, if any.
    pub fn success(&mut self, node: usize, t_us: u64) -> Option<Interval> {
        let last = self.last_success.get_mut(node)?;
        let before = *last;
        *last = (*last).max(t_us);
        self.close(node, before, t_us)
    }

    fn close(&mut self, node: usize, from: u64, to: u64) -> Option<Interval> {
        if to.saturating_sub(from) <= self.gap_us {
            return None;
        }
        let outage = Interval {
            start_us: from,
            end_us: to,
        };
        if self.count == MAX_OUTAGES {
            self.overflowed = true;
            return None;
        }
        self.count += 1;
        self.closed[node].push(outage);
        Some(outage)
    }

    /// The run ended at `end_us`: a virtual success of every node. Returns
    /// the outages this closes.
    pub fn finish(&mut self, end_us: u64) -> Vec<(usize, Interval)> {
        let mut closed = Vec::new();
        for node in 0..self.last_success.len() {
            let from = self.last_success[node];
            if let Some(o) = self.close(node, from, end_us) {
                closed.push((node, o));
            }
            self.last_success[node] = self.last_success[node].max(end_us);
        }
        closed
    }

    pub fn last_success(&self) -> &[u64] {
        &self.last_success
    }

    /// The start of the outage of `node` that contains `u`, if the node is
    /// down at u. Exact once the stream has passed u + gap (or has finished):
    /// a node without a success since u is then surely in an outage.
    pub fn down_since(&self, node: usize, u: u64) -> Option<u64> {
        let closed = self.closed.get(node)?;
        let i = closed.partition_point(|o| o.end_us <= u);
        if let Some(o) = closed.get(i).filter(|o| o.contains(u)) {
            return Some(o.start_us);
        }
        let last = self.last_success[node];
        (last < u).then_some(last)
    }

    /// Every node's outages, in time order.
    pub fn outages(&self) -> &[Vec<Interval>] {
        &self.closed
    }
}

/// Walks [from, to) through the per-node outages and calls `segment(a, b,
/// up)` for each non-empty stretch with `up` nodes up. A node that succeeds
/// at an instant between two of its outages splits the stretch there.
pub fn sweep(
    per_node: &[Vec<Interval>],
    from: u64,
    to: u64,
    mut segment: impl FnMut(u64, u64, usize),
) {
    let n = per_node.len();
    let mut points: Vec<(u64, i8)> = Vec::new();
    for o in per_node.iter().flatten() {
        let (a, b) = (o.start_us.max(from), o.end_us.min(to));
        if a < b {
            points.push((a, 1));
            points.push((b, -1));
        }
    }
    // At the same instant, ends (-1) come before starts (+1).
    points.sort_unstable();
    let mut down = 0usize;
    let mut at = from;
    for (p, delta) in points {
        if p > at {
            segment(at, p, n - down);
        }
        at = p;
        if delta > 0 {
            down += 1;
        } else {
            down -= 1;
        }
    }
    if to > at {
        segment(at, to, n - down);
    }
}

/// Where every node is down: the intersection of the nodes' outages.
pub fn cluster_outages(per_node: &[Vec<Interval>], end_us: u64) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::new();
    // Two such stretches may touch: then some node succeeded at that instant.
    sweep(per_node, 0, end_us, |a, b, up| {
        if up == 0 {
            out.push(Interval {
                start_us: a,
                end_us: b,
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_us: u64, end_us: u64) -> Interval {
        Interval { start_us, end_us }
    }

    #[test]
    fn gaps_longer_than_the_gap_are_outages_including_the_ends() {
        let mut t = OutageTracker::new(2, 1_000_000);
        assert_eq!(t.success(0, 500_000), None);
        assert_eq!(t.success(0, 1_500_000), None); // exactly 1 s: not longer
        assert_eq!(t.success(0, 2_600_000), Some(iv(1_500_000, 2_600_000)));
        assert_eq!(t.success(1, 2_000_000), Some(iv(0, 2_000_000)));
        assert_eq!(t.down_since(0, 2_000_000), Some(1_500_000));
        assert_eq!(t.down_since(0, 1_500_000), None, "a success instant is up");
        assert_eq!(t.down_since(0, 2_700_000), Some(2_600_000), "open outage");
        assert_eq!(
            t.finish(5_000_000),
            vec![(0, iv(2_600_000, 5_000_000)), (1, iv(2_000_000, 5_000_000))]
        );
        assert_eq!(t.down_since(1, 4_000_000), Some(2_000_000));
        assert_eq!(t.down_since(1, 1_000_000), Some(0));
    }

    #[test]
    fn the_cluster_is_down_where_every_node_is() {
        let per_node = vec![
            vec![iv(10, 50), iv(60, 100)],
            vec![iv(20, 70)],
            vec![iv(0, 55), iv(58, 90)],
        ];
        assert_eq!(
            cluster_outages(&per_node, 100),
            vec![iv(20, 50), iv(60, 70)]
        );
        let mut stretches = Vec::new();
        sweep(&per_node, 0, 100, |a, b, up| stretches.push((a, b, up)));
        assert_eq!(stretches.first(), Some(&(0, 10, 2)));
        assert_eq!(stretches.last(), Some(&(90, 100, 2)));
    }

    #[test]
    fn a_success_at_an_instant_splits_a_cluster_outage() {
        let per_node = vec![vec![iv(0, 50), iv(50, 100)], vec![iv(0, 100)]];
        assert_eq!(
            cluster_outages(&per_node, 100),
            vec![iv(0, 50), iv(50, 100)]
        );
    }
}
