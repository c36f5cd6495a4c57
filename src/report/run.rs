//! One run, from its start event to its end: the per-second table, counts,
//! the consistency check (in log order) and the time-ordered analyses.

use super::consistency::Consistency;
use super::errors::{ErrorGroups, ErrorSample};
use super::summary::RunSummary;
use super::timeline::{Timed, Timeline, What};
use super::view::Counted;
use crate::event::{Event, Start};
use crate::tally::{self, Tally};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub gap_us: u64,
    pub steady_us: u64,
    /// Add the error columns to the table.
    pub error_columns: bool,
    /// Only the table is wanted: skip every other analysis.
    pub table_only: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            gap_us: 1_000_000,
            steady_us: 5_000_000,
            error_columns: false,
            table_only: false,
        }
    }
}

/// An event this far after every earlier one is taken for corruption: the
/// table would otherwise grow by a row per second of the jump.
pub const MAX_JUMP_US: u64 = 24 * 3600 * 1_000_000;
/// The longest run the report reads: the table's memory grows with seconds,
/// so a corrupt log of ever-later times must not exhaust it.
pub const MAX_SPAN_US: u64 = 7 * 24 * 3600 * 1_000_000;

/// A run that has ended.
pub struct Finished {
    pub tally: Tally,
    pub end_us: u64,
    pub summary: Option<RunSummary>,
}

impl Finished {
    /// The table exactly as perseus prints it: legend, then rows
    /// 1..=last_full_second(E).
    pub fn table(&self) -> String {
        let mut out = self.tally.legend();
        for second in 1..=tally::last_full_second(self.end_us) {
            out.push_str(&self.tally.row(second));
        }
        out
    }
}

struct Analyses {
    timeline: Timeline,
    consistency: Consistency,
    errors: ErrorGroups,
    versions: BTreeSet<String>,
    operations: u64,
    iterations: u64,
}

pub struct RunAnalysis {
    start: Start,
    source: String,
    settings: Settings,
    names: Vec<String>,
    tally: Tally,
    max_t: u64,
    stop: Option<(u64, String)>,
    ignored_after_stop: u64,
    analyses: Option<Analyses>,
}

impl RunAnalysis {
    pub fn new(start: &Start, source: &str, settings: Settings) -> Self {
        let names: Vec<String> = start.nodes.iter().map(|n| n.name.clone()).collect();
        let analyses = (!settings.table_only).then(|| Analyses {
            timeline: Timeline::new(names.len(), settings.gap_us, settings.steady_us),
            consistency: Consistency::default(),
            errors: ErrorGroups::default(),
            versions: BTreeSet::new(),
            operations: 0,
            iterations: 0,
        });
        RunAnalysis {
            start: start.clone(),
            source: source.to_string(),
            settings,
            tally: Tally::new(names.clone(), settings.error_columns),
            names,
            max_t: 0,
            stop: None,
            ignored_after_stop: 0,
            analyses,
        }
    }

    /// Notes an event's time; false when it comes after the stop event.
    fn arrive(&mut self, t_us: u64) -> Result<bool, String> {
        if self.stop.is_some() {
            self.ignored_after_stop += 1;
            return Ok(false);
        }
        if t_us > MAX_SPAN_US {
            return Err(format!(
                "t_us {t_us} is more than 7 days into the run: perseus-report reads runs of up to 7 days"
            ));
        }
        if t_us > self.max_t.saturating_add(MAX_JUMP_US) {
            return Err(format!(
                "t_us {t_us} jumps more than 24 h past the latest event (t_us {}): a corrupt log?",
                self.max_t
            ));
        }
        self.max_t = self.max_t.max(t_us);
        Ok(true)
    }

    /// An op read by the `--table` fast path.
    pub fn counted(&mut self, op: &Counted<'_>, node: usize) -> Result<(), String> {
        if self.arrive(op.t_us)? {
            self.tally
                .record_outcome(node, op.t_us, op.success, op.failed);
        }
        Ok(())
    }

    /// One event after the start; `node` as the reader resolved it.
    pub fn event(
        &mut self,
        event: &Event<'_>,
        node: Option<usize>,
        line: u64,
    ) -> Result<(), String> {
        let t_us = event.t_us();
        if !self.arrive(t_us)? {
            return Ok(());
        }
        match (event, node) {
            (Event::Op(op), Some(node)) => {
                self.tally.record(node, op);
                let Some(a) = self.analyses.as_mut() else {
                    return Ok(());
                };
                a.operations += 1;
                a.consistency.op(op, line);
                if let (true, Some(version)) = (op.ok, &op.version) {
                    if !a.versions.contains(version.as_ref()) {
                        a.versions.insert(version.to_string());
                    }
                }
                let what = if op.is_success() {
                    a.iterations += 1;
                    What::Success(op.lat_us)
                } else if let Some(err) = &op.err {
                    a.errors.add(err.kind, err.code, &err.msg);
                    What::Failure(ErrorSample::of(err))
                } else {
                    return Ok(());
                };
                a.timeline.push(t_us, Timed { node, what })
            }
            (Event::Fault(f), Some(node)) => match self.analyses.as_mut() {
                Some(a) => {
                    let what = What::Fault {
                        action: f.action.to_string(),
                        took_effect: f.took_effect(),
                        line,
                    };
                    a.timeline.push(t_us, Timed { node, what })
                }
                None => Ok(()),
            },
            (Event::Stop(s), _) => {
                self.stop = Some((s.t_us, s.reason.clone()));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn finish(self) -> Finished {
        let end_us = self.stop.as_ref().map_or(self.max_t, |(t, _)| *t);
        let summary = self.analyses.map(|a| {
            let timeline = a.timeline.finish(end_us, &self.names);
            RunSummary {
                run: self.start.run.clone(),
                source: self.source.clone(),
                tool: self.start.tool.clone(),
                versions: a.versions.into_iter().collect(),
                nodes: self.names.clone(),
                conns: self.start.conns,
                unix_us: self.start.unix_us,
                end_us,
                stop_reason: self.stop.map(|(_, reason)| reason),
                gap_us: self.settings.gap_us,
                steady_us: self.settings.steady_us,
                operations: a.operations,
                iterations: a.iterations,
                errors: a.errors,
                outages: timeline.outages,
                faults: timeline.faults,
                faults_ignored: timeline.faults_ignored,
                anomalies: a.consistency.anomalies,
                anomalies_total: a.consistency.total,
                latency: timeline.latency,
                ignored_after_stop: self.ignored_after_stop,
            }
        });
        Finished {
            tally: self.tally,
            end_us,
            summary,
        }
    }
}
