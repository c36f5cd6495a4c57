//! The time-ordered analyses: outages, the errors seen during them, faults
//! and latency. Events enter in log order through the reorder buffer and are
//! handled in time order.

use super::attribution::Attribution;
use super::errors::ErrorSample;
use super::fault_event::FaultEvent;
use super::faults::{FaultResults, Faults};
use super::latency::{LatencyReport, PerNode};
use super::outages::{cluster_outages, OutageTracker};
use super::reorder::{Reorder, WINDOW_US};
use super::summary::OutageReport;

pub enum What {
    /// A successful iteration and its latency.
    Success(u64),
    Failure(ErrorSample),
    /// A fault that took effect (boxed: it is rare and large).
    Fault(Box<FaultEvent>),
}

pub struct Timed {
    /// The node's index (for a fault: any, it is in the event).
    pub node: usize,
    pub what: What,
}

impl Timed {
    /// About the bytes it holds, for the reorder buffer's budget.
    fn weight(&self) -> usize {
        let own = std::mem::size_of::<Timed>() + 32;
        match &self.what {
            What::Failure(e) => own + e.msg.len(),
            What::Fault(f) => {
                own + std::mem::size_of::<FaultEvent>() + f.action.len() + f.node.len()
            }
            What::Success(_) => own,
        }
    }
}

struct State {
    outages: OutageTracker,
    attribution: Attribution,
    faults: Faults,
    latency: PerNode,
}

pub struct Timeline {
    reorder: Reorder<Timed>,
    state: State,
}

pub struct TimelineResult {
    pub outages: Vec<OutageReport>,
    pub faults: FaultResults,
    pub latency: LatencyReport,
}

impl Timeline {
    pub fn new(names: &[String], gap_us: u64, steady_us: u64) -> Self {
        let nodes = names.len();
        Timeline {
            reorder: Reorder::new(WINDOW_US, crate::report::limits::REORDER_BYTES),
            state: State {
                outages: OutageTracker::new(nodes, gap_us),
                attribution: Attribution::new(gap_us),
                faults: Faults::new(names.to_vec(), steady_us),
                latency: PerNode::new(nodes),
            },
        }
    }

    /// Whether an operation at `t_us` is within the reorder window.
    pub fn accepts(&self, t_us: u64) -> bool {
        self.reorder.accepts(t_us)
    }

    /// An event in log order. A fault goes before operations of the same
    /// microsecond (it applies from F on); one too far out of order is
    /// placed at its own time at the end instead.
    pub fn push(&mut self, t_us: u64, event: Timed) -> Result<(), String> {
        let state = &mut self.state;
        if let What::Fault(f) = event.what {
            if !self.reorder.accepts(t_us) {
                state.faults.late_fault(*f, self.reorder.newest());
                return Ok(());
            }
            let event = Timed {
                node: event.node,
                what: What::Fault(f),
            };
            let weight = event.weight();
            return self
                .reorder
                .push(t_us, 0, event, weight, false, &mut |t, e| {
                    state.handle(t, e)
                });
        }
        let weight = event.weight();
        self.reorder
            .push(t_us, 1, event, weight, true, &mut |t, e| state.handle(t, e))?;
        if state.outages.overflowed {
            return Err(too_many_outages());
        }
        Ok(())
    }

    /// The results at the run's end; an error when the run had more
    /// outages than the report keeps.
    pub fn finish(mut self, end_us: u64, names: &[String]) -> Result<TimelineResult, String> {
        let state = &mut self.state;
        self.reorder.finish(&mut |t, e| state.handle(t, e));
        let mut s = self.state;
        for (node, o) in s.outages.finish(end_us) {
            s.faults.outage_closed(node, o);
        }
        if s.outages.overflowed {
            return Err(too_many_outages());
        }
        s.attribution.finish(&s.outages);
        let per_node = s.outages.outages();
        let mut outages = Vec::new();
        for o in cluster_outages(per_node, end_us) {
            outages.push((o, None));
        }
        for (node, list) in per_node.iter().enumerate() {
            outages.extend(list.iter().map(|&o| (o, Some(node))));
        }
        outages.sort_by_key(|(o, node)| (o.start_us, node.map_or(0, |n| n + 1)));
        let outages = outages
            .into_iter()
            .map(|(o, node)| OutageReport {
                node: node.and_then(|n| names.get(n).cloned()),
                start_us: o.start_us,
                end_us: o.end_us,
                duration_us: o.duration_us(),
                errors: s.attribution.take((node, o.start_us)),
            })
            .collect();
        Ok(TimelineResult {
            outages,
            faults: s.faults.finish(end_us, per_node),
            latency: s.latency.report(names),
        })
    }
}

fn too_many_outages() -> String {
    format!(
        "more than {} outages in one run: perseus-report's limit (is --gap too small for this log?)",
        crate::report::limits::MAX_OUTAGES
    )
}

impl State {
    fn handle(&mut self, t_us: u64, event: Timed) {
        let node = event.node;
        match event.what {
            What::Success(lat_us) => {
                if let Some(o) = self.outages.success(node, t_us) {
                    self.faults.outage_closed(node, o);
                }
                self.latency.record(node, lat_us);
                self.faults.success(node, t_us, lat_us, &self.outages);
            }
            What::Failure(err) => self.attribution.error(t_us, node, err),
            // A fault is no evidence of where the nodes stand: it must not
            // move attribution on (one stamped after the run's end would
            // attribute errors before the end's outages are closed).
            What::Fault(f) => return self.faults.fault(*f),
        }
        self.attribution.advance(t_us, &self.outages);
    }
}
