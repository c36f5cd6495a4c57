//! Latency of successful iterations: the `lat_us` of each successful write
//! (the write alone, not the read before it), per node; overall here, and
//! around each fault in `fault_window.rs`.

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

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
