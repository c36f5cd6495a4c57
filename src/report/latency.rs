//! Latency of successful iterations: the `lat_us` of each successful write
//! (the write alone, not the read before it), per node, overall and in a
//! window around each fault.

use super::histogram::{self, Histogram};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeLatency {
    pub node: String,
    pub count: u64,
    pub p50_us: Option<u64>,
    pub p99_us: Option<u64>,
    pub max_us: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyReport {
    /// Bound on the relative error of p50 and p99 (max is exact).
    pub relative_error: f64,
    pub nodes: Vec<NodeLatency>,
}

/// One histogram per node.
#[derive(Debug, Clone, PartialEq)]
pub struct PerNode(Vec<Histogram>);

impl PerNode {
    pub fn new(nodes: usize) -> Self {
        PerNode(vec![Histogram::default(); nodes])
    }

    pub fn record(&mut self, node: usize, lat_us: u64) {
        if let Some(h) = self.0.get_mut(node) {
            h.record(lat_us);
        }
    }

    pub fn merge(&mut self, other: &PerNode) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            a.merge(b);
        }
    }

    pub fn report(&self, names: &[String]) -> LatencyReport {
        let nodes = names
            .iter()
            .zip(&self.0)
            .map(|(name, h)| NodeLatency {
                node: name.clone(),
                count: h.count(),
                p50_us: h.quantile(0.5),
                p99_us: h.quantile(0.99),
                max_us: (h.count() > 0).then(|| h.max()),
            })
            .collect();
        LatencyReport {
            relative_error: histogram::RELATIVE_ERROR,
            nodes,
        }
    }
}

/// How long after a fault the window runs when the cluster never settles.
pub const UNSETTLED_WINDOW_US: u64 = 10_000_000;

/// The latency window of one fault at F: [F, F + settle) when the cluster
/// settles, else [F, F + 10 s). The settle point T only moves forward, and
/// only to the present, so the window is kept as `settled` = [F, T),
/// `tentative` = [T, now) and the successes at `now` itself; when T moves to
/// now, the tentative ones join the settled ones.
#[derive(Debug, Clone)]
pub struct FaultWindow {
    from_us: u64,
    settled: PerNode,
    tentative: PerNode,
    now_us: u64,
    at_now: Vec<(usize, u64)>,
    first: PerNode,
}

impl FaultWindow {
    pub fn new(from_us: u64, nodes: usize) -> Self {
        FaultWindow {
            from_us,
            settled: PerNode::new(nodes),
            tentative: PerNode::new(nodes),
            now_us: from_us,
            at_now: Vec::new(),
            first: PerNode::new(nodes),
        }
    }

    /// A success at `t_us` (in time order).
    pub fn record(&mut self, node: usize, t_us: u64, lat_us: u64) {
        if t_us < self.from_us {
            return;
        }
        if t_us > self.now_us {
            for (n, lat) in self.at_now.drain(..) {
                self.tentative.record(n, lat);
            }
            self.now_us = t_us;
        }
        self.at_now.push((node, lat_us));
        if t_us - self.from_us < UNSETTLED_WINDOW_US {
            self.first.record(node, lat_us);
        }
    }

    /// The settle point moved to `t_us`, the present: everything before it
    /// is inside [F, T).
    pub fn extend(&mut self, t_us: u64) {
        if t_us > self.now_us {
            for (n, lat) in self.at_now.drain(..) {
                self.tentative.record(n, lat);
            }
            self.now_us = t_us;
        }
        self.settled.merge(&self.tentative);
        self.tentative = PerNode::new(self.tentative.0.len());
    }

    /// The histograms of the window: [F, T) when settled, else [F, F + 10 s).
    pub fn result(&self, settled: bool) -> &PerNode {
        if settled {
            &self.settled
        } else {
            &self.first
        }
    }
}
