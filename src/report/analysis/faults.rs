//! What each fault did. Faults arrive in time order through the reorder
//! buffer (a fault further out of order — a hand-made stamp taken from a
//! clock that stepped — arrives late and is placed at its own time at the
//! end). While the stream runs, each fault's latency window fills
//! (`fault_window.rs`), following its settle point as outages close. When
//! the run ends, every fault's numbers are computed from the finished
//! outages (`settle.rs`), with the nodes expected to serve after it and the
//! fault that undoes it found by applying the faults in time order to the
//! fault model (`fault_effect.rs`).
//!
//! Memory is bounded (`limits.rs`): a few windows fill at once (opening one
//! more cuts the oldest short, and says so), and beyond a number of faults
//! per run the rest are counted, not analysed.

use super::fault_effect::{self, action_arg, action_name, FaultModel, Shape};
use super::fault_event::FaultEvent;
use super::fault_window::{Closed, FaultWindow};
use super::in_force::{in_force, InForce};
use super::latency::LatencyReport;
use super::outages::{cluster_outages, Interval, OutageTracker};
use super::settle::settle;
use super::throughput::Throughput;
use crate::event::fault_clock;
use crate::report::limits;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultReport {
    /// The action's name (isolate, partition, loss, ...).
    pub action: String,
    /// Its argument, if any (`30` of `loss:30`).
    pub arg: Option<String>,
    /// A partition's groups, as the event gave them.
    pub groups: Option<Vec<Vec<String>>>,
    /// The node the fault names.
    pub node: String,
    /// False when the run does not measure that node (a fault by hand on
    /// another node): its effect on the measured nodes is still reported.
    pub measured: bool,
    /// The moment it is measured from: when it took effect (`effect_us`),
    /// or its stamp.
    pub t_us: u64,
    /// Its event's stamp (the command returned), when it took effect
    /// earlier; absent otherwise (and in every log before `effect_us`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp_us: Option<u64>,
    pub line: u64,
    pub downtime_us: u64,
    pub partial_downtime_us: u64,
    /// None: the cluster did not settle before the run's end minus `steady`.
    pub settle_us: Option<u64>,
    /// The end of the span the two downtimes cover: F + settle, or the end.
    pub measured_until_us: u64,
    /// The latency window [F, latency_until_us), null when not measured.
    pub latency_until_us: Option<u64>,
    pub latency: Option<LatencyReport>,
    /// `exact`, `approximate` (a wall-clock stamp) or `untrusted`.
    pub stamp: &'static str,
    /// Why a stamp is not exact, or a window not measured or cut short.
    pub note: Option<String>,
    /// Iterations a second in the latency window, against the run's
    /// baseline (`throughput.rs`); None when the window was not measured.
    pub throughput: Option<Throughput>,
    /// Until when it was in force, by the fault model (`fault_effect.rs`):
    /// what the charts shade. Not a JSON key.
    #[serde(skip)]
    pub shape: Shape,
    /// For a fault that stops no node (loss, bandwidth, delay): the
    /// whole-cluster downtime and longest stall while it was in force
    /// (`in_force.rs`); absent for every other fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force: Option<InForce>,
}

struct Track {
    event: FaultEvent,
    /// Arrived further out of time order than the reorder window.
    late_by_us: Option<u64>,
    /// The nodes expected to serve, as the stream saw the faults.
    expected: Vec<bool>,
    settle_at: u64,
    resolved: bool,
    window: Option<FaultWindow>,
    /// The window once closed.
    closed: Option<Closed>,
    cut_short: bool,
}

pub struct Faults {
    steady_us: u64,
    names: Vec<String>,
    /// The fault model after every fault seen, in time order.
    cut: FaultModel,
    tracks: Vec<Track>,
    /// Tracks whose window is still filling, oldest first.
    open: Vec<usize>,
    max_open: usize,
    max_faults: usize,
    /// Faults beyond `max_faults`: counted, not analysed.
    over_limit: u64,
}

impl FaultReport {
    /// A fault with no numbers yet, for tests.
    #[cfg(test)]
    pub fn bare(action: &str, arg: Option<&str>, node: &str, t_us: u64) -> FaultReport {
        FaultReport {
            action: action.into(),
            arg: arg.map(String::from),
            groups: None,
            node: node.into(),
            measured: true,
            t_us,
            stamp_us: None,
            line: 1,
            downtime_us: 0,
            partial_downtime_us: 0,
            settle_us: Some(0),
            measured_until_us: t_us,
            latency_until_us: None,
            latency: None,
            stamp: "exact",
            note: None,
            throughput: None,
            shape: Shape::Instant,
            in_force: None,
        }
    }

    /// Its latency window's end and the iterations that succeeded in it:
    /// what its throughput is computed from (`throughput::during`). None
    /// when the window was not measured (an untrusted stamp).
    pub fn latency_window(&self) -> Option<(u64, u64)> {
        let (until, latency) = (self.latency_until_us?, self.latency.as_ref()?);
        Some((until, latency.nodes.iter().map(|n| n.count).sum()))
    }
}

/// What the finished analysis says of the faults.
pub struct FaultResults {
    pub reports: Vec<FaultReport>,
    /// Stamped after the run's end: not analysed.
    pub after_end: u64,
    /// Beyond the report's limit of faults per run: not analysed.
    pub over_limit: u64,
}

impl Faults {
    pub fn new(names: Vec<String>, steady_us: u64) -> Self {
        let nodes = names.len().max(1);
        Faults {
            steady_us,
            cut: FaultModel::new(names.clone()),
            max_open: limits::open_windows(nodes),
            max_faults: limits::MAX_FAULT_NODES / nodes,
            names,
            tracks: Vec::new(),
            open: Vec::new(),
            over_limit: 0,
        }
    }

    /// Counts a fault past the limit; true when it may be analysed.
    fn within_limit(&mut self) -> bool {
        if self.tracks.len() < self.max_faults {
            return true;
        }
        self.over_limit += 1;
        false
    }

    /// A fault that took effect, in time order.
    pub fn fault(&mut self, f: FaultEvent) {
        if !self.within_limit() {
            return;
        }
        self.cut.apply(&f);
        let expected = self.cut.expected();
        if self.open.len() >= self.max_open {
            let oldest = self.open.remove(0);
            self.cut_short(oldest, f.t_us);
        }
        self.open.push(self.tracks.len());
        self.tracks.push(Track {
            window: Some(FaultWindow::new(f.t_us, self.steady_us, self.names.len())),
            settle_at: f.t_us,
            resolved: false,
            expected,
            late_by_us: None,
            closed: None,
            cut_short: false,
            event: f,
        });
    }

    /// A fault that arrived more than the reorder window after events later
    /// than it: placed at its own time when the run ends, without a window.
    /// The faults after it see it from now on (windows already open that it
    /// would have changed are found and dropped at the end).
    pub fn late_fault(&mut self, f: FaultEvent, newest_us: u64) {
        if !self.within_limit() {
            return;
        }
        self.tracks.push(Track {
            late_by_us: Some(newest_us.saturating_sub(f.t_us)),
            expected: Vec::new(),
            settle_at: f.t_us,
            resolved: true,
            window: None,
            closed: None,
            cut_short: false,
            event: f,
        });
        self.cut = cut_in_time_order(&self.names, &self.tracks);
    }

    fn cut_short(&mut self, track: usize, now_us: u64) {
        let names = &self.names;
        let t = &mut self.tracks[track];
        if let Some(w) = t.window.take() {
            t.closed = Some(w.cut_short(now_us, names));
            t.cut_short = true;
        }
    }

    /// An outage of `node` has just closed (the present is its end).
    pub fn outage_closed(&mut self, node: usize, o: Interval) {
        let steady = self.steady_us;
        for &i in &self.open {
            let t = &mut self.tracks[i];
            let overlaps = o.end_us > t.settle_at && o.start_us < t.settle_at + steady;
            if !t.resolved && t.expected.get(node) == Some(&true) && overlaps {
                t.settle_at = o.end_us;
                if let Some(w) = t.window.as_mut() {
                    w.settle_moved(o.end_us);
                }
            }
        }
    }

    /// A successful iteration at `t_us` (after `outage_closed` for it).
    pub fn success(&mut self, node: usize, t_us: u64, lat_us: u64, outages: &OutageTracker) {
        let steady = self.steady_us;
        let last = outages.last_success();
        let names = &self.names;
        let tracks = &mut self.tracks;
        self.open.retain(|&i| {
            let t = &mut tracks[i];
            let Some(w) = t.window.as_mut() else {
                return false;
            };
            w.record(node, t_us, lat_us);
            // No later outage of an expected node can start before T + steady.
            let sure = t.settle_at + steady;
            t.resolved = t.resolved
                || (t_us >= sure && t.expected.iter().zip(last).all(|(&e, &l)| !e || l >= sure));
            let done = if t.resolved {
                t.window.take().map(|w| w.close(true, t_us, names))
            } else if w.capped(t_us) {
                t.window.take().map(|w| w.close_capped(names))
            } else {
                None
            };
            match done {
                Some(closed) => {
                    t.closed = Some(closed);
                    false
                }
                None => true,
            }
        });
    }

    /// The run ended at `end_us`; `outages` are every node's, finished.
    pub fn finish(mut self, end_us: u64, outages: &[Vec<Interval>]) -> FaultResults {
        self.tracks.sort_by_key(|t| (t.event.t_us, t.event.line));
        let mut cut = FaultModel::new(self.names.clone());
        let mut reports = Vec::new();
        let mut undid = Vec::new();
        let mut after_end = 0;
        for t in self.tracks {
            if t.event.t_us > end_us {
                after_end += 1;
                continue;
            }
            undid.push(cut.apply(&t.event));
            let expected = cut.expected();
            let numbers = settle(t.event.t_us, &expected, outages, self.steady_us, end_us);
            let (stamp, mut note) = stamp(&t.event, t.late_by_us);
            let closed = match (t.closed, t.window) {
                (Some(closed), _) => Some(closed),
                (None, Some(w)) => Some(w.close(numbers.settle_at.is_some(), end_us, &self.names)),
                (None, None) => None,
            };
            // A late fault before it changed who is expected to serve: the
            // window followed the wrong nodes.
            let closed = closed.filter(|_| t.late_by_us.is_some() || t.expected == expected);
            if closed.is_none() && t.late_by_us.is_none() {
                note = Some("latency not measured: a fault before it was placed late".into());
            }
            if t.cut_short {
                note = Some(format!(
                    "latency window cut short: more than {} faults were measured at once",
                    self.max_open
                ));
            }
            let (latency_until_us, latency) = match closed.map(|c| c.resolve(numbers.settle_at)) {
                Some((until, latency)) => (Some(until), Some(latency)),
                None => (None, None),
            };
            reports.push(FaultReport {
                measured: t.event.index.is_some(),
                arg: action_arg(&t.event.action, t.event.arg.as_deref()).map(String::from),
                action: action_name(&t.event.action).to_string(),
                groups: t.event.groups,
                node: t.event.node,
                t_us: t.event.t_us,
                stamp_us: t.event.stamp_us,
                line: t.event.line,
                downtime_us: numbers.downtime_us,
                partial_downtime_us: numbers.partial_downtime_us,
                settle_us: numbers.settle_at.map(|s| s - t.event.t_us),
                measured_until_us: numbers.measured_until_us,
                latency_until_us,
                latency,
                stamp,
                note,
                // Needs the whole run's baseline: filled in by the run's summary.
                throughput: None,
                // Need the faults after it: filled in below.
                shape: Shape::Instant,
                in_force: None,
            });
        }
        in_force_spans(
            &mut reports,
            &undid,
            &cluster_outages(outages, end_us),
            end_us,
        );
        FaultResults {
            reports,
            after_end,
            over_limit: self.over_limit,
        }
    }
}

/// Each fault's shape, and for a fault that stops no node its numbers over
/// the time it was in force: to its undo, or to the run's end. `undid`:
/// what each report's fault undid, as the fault model said.
fn in_force_spans(
    reports: &mut [FaultReport],
    undid: &[Vec<usize>],
    cluster: &[Interval],
    end_us: u64,
) {
    let actions: Vec<&str> = reports.iter().map(|r| r.action.as_str()).collect();
    let shapes = fault_effect::shapes(&actions, undid);
    let starts: Vec<u64> = reports.iter().map(|r| r.t_us).collect();
    for (r, shape) in reports.iter_mut().zip(shapes) {
        r.shape = shape;
        if let (Shape::Period { undone_by }, true) = (shape, fault_effect::degrades(&r.action)) {
            let until = undone_by.and_then(|u| starts.get(u)).copied();
            let span_end = until.unwrap_or(end_us).max(r.t_us);
            r.in_force = Some(in_force(r.t_us, span_end, until.is_some(), cluster));
        }
    }
}

/// The fault model after every fault of `tracks`, applied in time order.
fn cut_in_time_order(names: &[String], tracks: &[Track]) -> FaultModel {
    let mut order: Vec<&Track> = tracks.iter().collect();
    order.sort_by_key(|t| (t.event.t_us, t.event.line));
    let mut cut = FaultModel::new(names.to_vec());
    for t in order {
        cut.apply(&t.event);
    }
    cut
}

/// How far a fault's stamp can be trusted, and why not.
fn stamp(f: &FaultEvent, late_by_us: Option<u64>) -> (&'static str, Option<String>) {
    if let Some(late) = late_by_us {
        return (
            "untrusted",
            Some(format!(
                "its line came {} s after events later than it (a clock that stepped, or another host's clock?); latency not measured",
                crate::duration::show_secs(late)
            )),
        );
    }
    match f.clock.as_deref() {
        None | Some(fault_clock::MONOTONIC) => ("exact", None),
        Some(fault_clock::WALL_BEHIND) => (
            "untrusted",
            Some(
                "stamped by hand with a wall clock that was behind the run's start: placed at 0"
                    .into(),
            ),
        ),
        Some(fault_clock::WALL) => (
            "approximate",
            Some("stamped by hand from the wall clock".into()),
        ),
        Some(other) => (
            "approximate",
            Some(format!("stamped by hand with clock \"{other}\"")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::analysis::latency::NodeLatency;

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
            latency_until_us: until,
            latency: until.map(|_| LatencyReport {
                relative_error: 0.0,
                nodes,
            }),
            ..FaultReport::bare("loss", Some("30"), "n1", t_us)
        }
    }

    #[test]
    fn the_latency_window_sums_every_nodes_iterations() {
        assert_eq!(
            fault(10_000_000, Some(15_000_000), &[30, 20]).latency_window(),
            Some((15_000_000, 50))
        );
        // No window: an untrusted stamp.
        assert_eq!(fault(10_000_000, None, &[]).latency_window(), None);
    }
}
