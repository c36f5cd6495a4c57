//! What each fault did, in the leaderboard's terms. For a fault at F whose
//! command succeeded: the cut nodes (isolate/kill add the node, rejoin/start
//! remove it) decide the nodes expected to serve; the cluster has settled at
//! the first T >= F from which every expected node stays up for `steady`
//! ([T, T + steady] inside the run). `settle_us` = T - F; downtime = time in
//! [F, T) with no node up; partial downtime = time in [F, T) with at least one
//! but fewer than N - 1 nodes up. Never settled: both over [F, E), settle null.
//!
//! T is found as the stream goes: it starts at F and moves to the end of any
//! outage of an expected node that overlaps [T, T + steady). Outages close in
//! time order, so T only moves forward, to the present.

use super::latency::{FaultWindow, LatencyReport, UNSETTLED_WINDOW_US};
use super::outages::{sweep, Interval, OutageTracker};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultReport {
    pub action: String,
    pub node: String,
    pub t_us: u64,
    pub line: u64,
    pub downtime_us: u64,
    pub partial_downtime_us: u64,
    /// None: the cluster did not settle before the run's end minus `steady`.
    pub settle_us: Option<u64>,
    /// The end of the span downtime and partial downtime were measured over:
    /// F + settle, or the run's end.
    pub measured_until_us: u64,
    /// Latency of successful iterations in [F, F + settle), or [F, F + 10 s)
    /// when the cluster never settled.
    pub latency_until_us: u64,
    pub latency: LatencyReport,
}

/// Whether a fault cuts its node off, brings it back, or neither.
fn effect(action: &str) -> Option<bool> {
    match action {
        "isolate" | "kill" => Some(true),
        "rejoin" | "start" => Some(false),
        _ => None,
    }
}

struct Track {
    action: String,
    node: usize,
    t_us: u64,
    line: u64,
    expected: Vec<bool>,
    settle_at: u64,
    resolved: bool,
    window: FaultWindow,
}

pub struct Faults {
    steady_us: u64,
    cut: Vec<bool>,
    tracks: Vec<Track>,
    /// Faults whose command failed: they did not happen.
    pub ignored: u64,
}

impl Faults {
    pub fn new(nodes: usize, steady_us: u64) -> Self {
        Faults {
            steady_us,
            cut: vec![false; nodes],
            tracks: Vec::new(),
            ignored: 0,
        }
    }

    /// A fault event, in time order.
    pub fn fault(&mut self, t_us: u64, action: &str, node: usize, took_effect: bool, line: u64) {
        if !took_effect {
            self.ignored += 1;
            return;
        }
        if let (Some(cut), Some(slot)) = (effect(action), self.cut.get_mut(node)) {
            *slot = cut;
        }
        let expected: Vec<bool> = self.cut.iter().map(|c| !c).collect();
        self.tracks.push(Track {
            action: action.to_string(),
            node,
            t_us,
            line,
            resolved: !expected.contains(&true),
            expected,
            settle_at: t_us,
            window: FaultWindow::new(t_us, self.cut.len()),
        });
    }

    /// An outage of `node` has just closed (the present is its end).
    pub fn outage_closed(&mut self, node: usize, o: Interval) {
        let steady = self.steady_us;
        for track in self.tracks.iter_mut().filter(|t| !t.resolved) {
            let overlaps = o.end_us > track.settle_at && o.start_us < track.settle_at + steady;
            if track.expected[node] && overlaps {
                track.settle_at = o.end_us;
                track.window.extend(o.end_us);
            }
        }
    }

    /// A successful iteration at `t_us` (after `outage_closed` for it).
    pub fn success(&mut self, node: usize, t_us: u64, lat_us: u64, outages: &OutageTracker) {
        let steady = self.steady_us;
        let last = outages.last_success();
        for track in self.tracks.iter_mut().filter(|t| !t.resolved) {
            track.window.record(node, t_us, lat_us);
            // No later outage of an expected node can start before T + steady.
            let done = t_us >= track.settle_at + steady
                && track
                    .expected
                    .iter()
                    .zip(last)
                    .all(|(&e, &l)| !e || l >= track.settle_at + steady);
            track.resolved = done;
        }
    }

    /// The run ended at `end_us`; `outages` is finished.
    pub fn finish(
        self,
        end_us: u64,
        outages: &[Vec<Interval>],
        names: &[String],
    ) -> Vec<FaultReport> {
        let n = names.len();
        let steady = self.steady_us;
        self.tracks
            .into_iter()
            .map(|t| {
                let settled = t.settle_at + steady <= end_us;
                let until = if settled {
                    t.settle_at
                } else {
                    end_us.max(t.t_us)
                };
                let (mut none, mut partial) = (0, 0);
                sweep(outages, t.t_us, until, |a, b, up| {
                    if up == 0 {
                        none += b - a;
                    } else if up + 1 < n {
                        partial += b - a;
                    }
                });
                FaultReport {
                    action: t.action,
                    node: names.get(t.node).cloned().unwrap_or_default(),
                    t_us: t.t_us,
                    line: t.line,
                    downtime_us: none,
                    partial_downtime_us: partial,
                    settle_us: settled.then(|| t.settle_at - t.t_us),
                    measured_until_us: until,
                    latency_until_us: if settled {
                        t.settle_at
                    } else {
                        t.t_us + UNSETTLED_WINDOW_US
                    },
                    latency: t.window.result(settled).report(names),
                }
            })
            .collect()
    }
}
