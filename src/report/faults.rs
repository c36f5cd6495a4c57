//! What each fault did. Faults arrive in time order through the reorder
//! buffer (a fault further out of order — a hand-made stamp taken from a
//! clock that stepped — arrives late and is placed at its own time at the
//! end). While the stream runs, each fault's latency window fills
//! (`fault_window.rs`), following its settle point as outages close. When
//! the run ends, every fault's numbers are computed from the finished
//! outages (`settle.rs`), with the nodes expected to serve after it found by
//! applying the faults in time order (`fault_effect.rs`).

use super::fault_effect::{action_arg, action_name, CutState};
use super::fault_window::FaultWindow;
use super::latency::LatencyReport;
use super::outages::{Interval, OutageTracker};
use super::settle::settle;
use crate::event::fault_clock;
use serde::Serialize;

/// At most this many latency windows fill at once; opening one more cuts
/// the oldest short (and says so), so memory stays bounded.
pub const MAX_OPEN_WINDOWS: usize = 64;

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
    pub t_us: u64,
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
}

/// A fault event as the analysis keeps it.
#[derive(Debug, Clone)]
pub struct FaultEvent {
    pub t_us: u64,
    pub action: String,
    pub arg: Option<String>,
    /// A partition's groups, as the event gives them.
    pub groups: Option<Vec<Vec<String>>>,
    pub node: String,
    /// The node's index among the run's nodes, if it is one.
    pub index: Option<usize>,
    pub line: u64,
    /// The `clock` field of a fault appended by another process.
    pub clock: Option<String>,
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
    /// The window once closed: its end and latency.
    closed: Option<(u64, LatencyReport)>,
    cut_short: bool,
}

pub struct Faults {
    steady_us: u64,
    names: Vec<String>,
    cut: CutState,
    tracks: Vec<Track>,
    /// Tracks whose window is still filling, oldest first.
    open: Vec<usize>,
}

/// What the finished analysis says of the faults.
pub struct FaultResults {
    pub reports: Vec<FaultReport>,
    /// Stamped after the run's end: not analysed.
    pub after_end: u64,
}

impl Faults {
    pub fn new(names: Vec<String>, steady_us: u64) -> Self {
        Faults {
            steady_us,
            cut: CutState::new(names.clone()),
            names,
            tracks: Vec::new(),
            open: Vec::new(),
        }
    }

    /// A fault that took effect, in time order.
    pub fn fault(&mut self, f: FaultEvent) {
        self.cut.apply(&f);
        let expected = self.cut.expected();
        if self.open.len() >= MAX_OPEN_WINDOWS {
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
    pub fn late_fault(&mut self, f: FaultEvent, newest_us: u64) {
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
    }

    fn cut_short(&mut self, track: usize, now_us: u64) {
        let names = &self.names;
        let t = &mut self.tracks[track];
        if let Some(w) = t.window.take() {
            let (until, latency) = w.close(false, now_us, names);
            t.closed = Some((until, latency));
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
                Some(true)
            } else if w.capped(t_us) {
                Some(false)
            } else {
                None
            };
            match done.and_then(|settled| t.window.take().map(|w| w.close(settled, t_us, names))) {
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
        let mut cut = CutState::new(self.names.clone());
        let mut reports = Vec::new();
        let mut after_end = 0;
        for t in self.tracks {
            if t.event.t_us > end_us {
                after_end += 1;
                continue;
            }
            cut.apply(&t.event);
            let expected = cut.expected();
            let numbers = settle(t.event.t_us, &expected, outages, self.steady_us, end_us);
            let closed = match (t.closed, t.window) {
                (Some(closed), _) => Some(closed),
                (None, Some(w)) => Some(w.close(numbers.settle_at.is_some(), end_us, &self.names)),
                (None, None) => None,
            };
            let (stamp, mut note) = stamp(&t.event, t.late_by_us);
            if t.cut_short {
                note = Some(format!(
                    "latency window cut short: more than {MAX_OPEN_WINDOWS} faults were open at once"
                ));
            }
            let (latency_until_us, latency) = match closed {
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
                line: t.event.line,
                downtime_us: numbers.downtime_us,
                partial_downtime_us: numbers.partial_downtime_us,
                settle_us: numbers.settle_at.map(|s| s - t.event.t_us),
                measured_until_us: numbers.measured_until_us,
                latency_until_us,
                latency,
                stamp,
                note,
            });
        }
        FaultResults { reports, after_end }
    }
}

/// How far a fault's stamp can be trusted, and why not.
fn stamp(f: &FaultEvent, late_by_us: Option<u64>) -> (&'static str, Option<String>) {
    if let Some(late) = late_by_us {
        return (
            "untrusted",
            Some(format!(
                "its line came {:.3} s after events later than it (a clock that stepped, or another host's clock?); latency not measured",
                late as f64 / 1e6
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
