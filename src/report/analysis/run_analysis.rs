//! One run, from its start event to its end: the per-second table, the
//! counts, the consistency check (in log order) and the time-ordered
//! analyses. Every line goes through one gate ([`RunAnalysis::admit_op`]):
//! a line it refuses is counted nowhere, in every output.

use super::consistency::Consistency;
use super::errors::{ErrorGroups, ErrorSample};
use super::fault_event::FaultEvent;
use super::reorder::WINDOW_US;
use super::series::{Series, SeriesReport};
use super::servers::ServerLog;
use super::summary::RunSummary;
use super::throughput;
use super::timeline::{Timed, Timeline, What};
use crate::event::{Event, Fault, Op, Server, Start, Stop};
use crate::report::limits::{self, MAX_JUMP_US, MAX_SPAN_US};
use crate::report::options::Options;
use crate::report::read::reader::Refusal;
use crate::report::read::table_scan::Counted;
use crate::tally::{self, Tally};
use std::collections::BTreeSet;

/// A run that has ended.
pub struct Finished {
    pub tally: Tally,
    pub end_us: u64,
    pub summary: Option<RunSummary>,
    /// The run over time, when `Options::bucket_us` asked for it.
    pub series: Option<SeriesReport>,
    /// Said on stderr whatever the output format.
    pub warnings: Vec<String>,
}

impl Finished {
    /// Writes the table exactly as perseus prints it: legend, then rows
    /// 1..=last_full_second(E), a row at a time.
    pub fn write_table(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(self.tally.legend().as_bytes())?;
        for second in 1..=tally::last_full_second(self.end_us) {
            out.write_all(self.tally.row(second).as_bytes())?;
        }
        Ok(())
    }

    /// The table as one string (for tests and small runs).
    pub fn table(&self) -> String {
        let mut out = Vec::new();
        let _ = self.write_table(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// What every output counts.
#[derive(Default)]
struct Counts {
    operations: u64,
    iterations: u64,
    errors: u64,
}

struct Analyses {
    timeline: Timeline,
    consistency: Consistency,
    servers: ServerLog,
    errors: ErrorGroups,
    versions: BTreeSet<String>,
    faults_ignored: u64,
    series: Option<Series>,
}

pub struct RunAnalysis {
    start: Start,
    source: String,
    options: Options,
    names: Vec<String>,
    tally: Tally,
    counts: Counts,
    /// The latest op's time: an op far before it is out of order.
    max_op_us: u64,
    /// Each connection's key (node × conns + conn), once seen: a
    /// connection owns one key for the whole run.
    keys: Vec<Option<Box<str>>>,
    stop: Option<Stop>,
    ignored_after_stop: u64,
    analyses: Option<Analyses>,
}

impl RunAnalysis {
    pub fn new(start: &Start, source: &str, options: Options) -> Self {
        let names: Vec<String> = start.nodes.iter().map(|n| n.name.clone()).collect();
        let analyses = (!options.table_only).then(|| Analyses {
            timeline: Timeline::new(&names, options.gap_us, options.steady_us),
            consistency: Consistency::new(names.len() * start.settings.conns as usize),
            servers: ServerLog::default(),
            errors: ErrorGroups::default(),
            versions: BTreeSet::new(),
            faults_ignored: 0,
            series: options.bucket_us.map(|b| Series::new(names.len(), b)),
        });
        RunAnalysis {
            start: start.clone(),
            source: source.to_string(),
            options,
            tally: Tally::new(names.clone(), options.error_columns),
            names,
            counts: Counts::default(),
            max_op_us: 0,
            keys: vec![None; start.nodes.len() * start.settings.conns as usize],
            stop: None,
            ignored_after_stop: 0,
            analyses,
        }
    }

    /// The gate every op passes, in every output: Ok(false) after the stop
    /// (ignored), an error for a line that cannot be placed.
    fn admit_op(&mut self, t_us: u64, node: usize, conn: u32, key: &str) -> Result<bool, String> {
        if self.stop.is_some() {
            self.ignored_after_stop += 1;
            return Ok(false);
        }
        let conns = self.start.settings.conns;
        if conn >= conns {
            return Err(format!(
                "op event names conn {conn}, but the start event has {conns} connection(s) per node"
            ));
        }
        self.check_time(t_us)?;
        if t_us.saturating_add(WINDOW_US) < self.max_op_us {
            return Err(format!(
                "event at t_us {t_us} comes after one at t_us {}: more than the {} s reorder window out of time order",
                self.max_op_us,
                WINDOW_US / 1_000_000
            ));
        }
        // Last: the only check that remembers something of the line.
        self.check_key(node, conn, key)?;
        self.max_op_us = self.max_op_us.max(t_us);
        Ok(true)
    }

    /// The bounds on any time that sets the run's length.
    fn check_time(&self, t_us: u64) -> Result<(), String> {
        if t_us > MAX_SPAN_US {
            return Err(format!(
                "t_us {t_us} is more than 7 days into the run: perseus-report reads runs of up to 7 days"
            ));
        }
        if t_us > self.max_op_us.saturating_add(MAX_JUMP_US) {
            return Err(format!(
                "t_us {t_us} jumps more than 24 h past the latest event (t_us {}): a corrupt log?",
                self.max_op_us
            ));
        }
        limits::check_table(self.names.len(), t_us)
    }

    fn check_key(&mut self, node: usize, conn: u32, key: &str) -> Result<(), String> {
        let slot = node * self.start.settings.conns as usize + conn as usize;
        match self.keys.get_mut(slot) {
            Some(Some(known)) if known.as_ref() != key => Err(format!(
                "op event of {} conn {conn} names key \"{key}\", but that connection's key is \"{known}\"",
                self.names[node]
            )),
            Some(seen @ None) => {
                *seen = Some(key.into());
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn count(&mut self, node: usize, t_us: u64, success: bool, failed: bool) {
        self.tally.record_outcome(node, t_us, success, failed);
        self.counts.operations += 1;
        self.counts.iterations += u64::from(success);
        self.counts.errors += u64::from(failed);
    }

    /// An event after the stop event: ignored (the reader checks nothing of it).
    pub fn after_stop(&mut self) {
        self.ignored_after_stop += 1;
    }

    /// An op read by the `--table` fast path.
    pub fn counted(&mut self, op: &Counted<'_>, node: usize) -> Result<(), String> {
        if self.admit_op(op.t_us, node, op.conn, &op.key)? {
            self.count(node, op.t_us, op.success, op.failed);
        }
        Ok(())
    }

    /// One event after the start; `node` as the reader resolved it (None
    /// for a fault on a node the run does not measure).
    pub fn event(
        &mut self,
        event: &Event<'_>,
        node: Option<usize>,
        line: u64,
    ) -> Result<(), Refusal> {
        match (event, node) {
            (Event::Op(op), Some(node)) => self.op(op, node, line),
            (Event::Fault(f), _) => {
                self.fault(f, node, line);
                Ok(())
            }
            (Event::Server(s), _) => {
                self.server(s);
                Ok(())
            }
            (Event::Stop(s), _) => Ok(self.stop(s)?),
            _ => Ok(()),
        }
    }

    fn op(&mut self, op: &Op<'_>, node: usize, line: u64) -> Result<(), Refusal> {
        if !self.admit_op(op.t_us, node, op.conn, &op.key)? {
            return Ok(());
        }
        self.count(node, op.t_us, op.is_success(), !op.ok);
        let Some(a) = self.analyses.as_mut() else {
            return Ok(());
        };
        a.consistency.op(op, node, line);
        if let (true, Some(version)) = (op.ok, &op.version) {
            if !a.versions.contains(version.as_ref()) {
                a.versions.insert(version.to_string());
            }
        }
        let what = if op.is_success() {
            if let Some(series) = a.series.as_mut() {
                series.success(node, op.t_us, op.lat_us);
            }
            What::Success(op.lat_us)
        } else if let Some(err) = &op.err {
            a.errors.add(err.kind, err.code, &err.msg);
            if let Some(series) = a.series.as_mut() {
                series.failure(node, op.t_us, op.lat_us, err.kind);
            }
            What::Failure(ErrorSample::of(err))
        } else {
            return Ok(());
        };
        // The line is admitted and counted: an error now is the report's
        // limit for the whole run, not this line's fault.
        a.timeline
            .push(op.t_us, Timed { node, what })
            .map_err(Refusal::Run)
    }

    /// A fault is never a reason to refuse a line: it is placed at its own
    /// time, whatever its stamp and whichever node it names.
    fn fault(&mut self, f: &Fault<'_>, node: Option<usize>, line: u64) {
        if self.stop.is_some() {
            self.ignored_after_stop += 1;
            return;
        }
        let Some(a) = self.analyses.as_mut() else {
            return;
        };
        if !f.took_effect() {
            a.faults_ignored += 1;
            return;
        }
        let t_us = f.effective_us();
        let event = FaultEvent {
            t_us,
            stamp_us: (t_us != f.t_us).then_some(f.t_us),
            action: f.action.to_string(),
            arg: f.arg.as_ref().map(|a| a.to_string()),
            groups: f.groups.clone(),
            node: f.node.to_string(),
            index: node,
            line,
            clock: f.clock.as_ref().map(|c| c.to_string()),
        };
        let what = What::Fault(Box::new(event));
        // Faults never fail the timeline: a late one is set aside.
        let _ = a.timeline.push(t_us, Timed { node: 0, what });
    }

    /// A server event: kept for the report, whatever node it names.
    fn server(&mut self, s: &Server<'_>) {
        if self.stop.is_some() {
            self.ignored_after_stop += 1;
            return;
        }
        if let Some(a) = self.analyses.as_mut() {
            a.servers.add(s);
        }
    }

    fn stop(&mut self, s: &Stop) -> Result<(), String> {
        if self.stop.is_some() {
            self.ignored_after_stop += 1;
            return Ok(());
        }
        if s.t_us < self.max_op_us {
            return Err(format!(
                "stop event at t_us {} comes before an op at t_us {}: the run's end must follow its operations",
                s.t_us, self.max_op_us
            ));
        }
        // The end sets the table's length: the same bounds as any op.
        self.check_time(s.t_us)?;
        self.stop = Some(s.clone());
        Ok(())
    }

    /// Differences between the stop event's own counts and what was read.
    fn hole_warnings(&self) -> Vec<String> {
        let Some(stop) = &self.stop else {
            return Vec::new();
        };
        let c = &self.counts;
        let mut pairs = vec![
            ("successful iterations", stop.iterations, c.iterations),
            ("failed operations", stop.errors, c.errors),
        ];
        if let Some(ops) = stop.operations {
            pairs.push(("operations", ops, c.operations));
        }
        pairs
            .into_iter()
            .filter(|(_, logged, read)| logged != read)
            .map(|(what, logged, read)| {
                format!(
                    "run {}: its stop event counts {logged} {what}, the log holds {read}: lines are missing (a hole in the log)",
                    self.start.run
                )
            })
            .collect()
    }

    /// The finished run; an error when a limit of the report was passed.
    pub fn finish(mut self) -> Result<Finished, String> {
        let end_us = self.stop.as_ref().map_or(self.max_op_us, |s| s.t_us);
        let warnings = self.hole_warnings();
        let mut series = None;
        let summary = match self.analyses.take() {
            Some(mut a) => {
                series = a.series.take().map(|s| s.finish(end_us, &self.names));
                Some(self.summary(a, end_us, warnings.clone())?)
            }
            None => None,
        };
        Ok(Finished {
            tally: self.tally,
            end_us,
            summary,
            series,
            warnings,
        })
    }

    fn summary(
        &self,
        a: Analyses,
        end_us: u64,
        warnings: Vec<String>,
    ) -> Result<RunSummary, String> {
        let mut timeline = a.timeline.finish(end_us, &self.names)?;
        let faults = &mut timeline.faults.reports;
        let first_fault = faults.iter().map(|f| f.t_us).min();
        let baseline = throughput::baseline(&self.tally, self.names.len(), first_fault, end_us);
        for f in faults.iter_mut() {
            f.throughput = f.latency_window().and_then(|(until_us, iterations)| {
                throughput::during(f.t_us, until_us, iterations, baseline.as_ref())
            });
        }
        let stop = self.stop.as_ref();
        Ok(RunSummary {
            run: self.start.run.clone(),
            label: self.start.settings.label.clone(),
            source: self.source.clone(),
            tool: self.start.tool.clone(),
            versions: a.versions.into_iter().collect(),
            nodes: self.names.clone(),
            conns: self.start.settings.conns,
            unix_us: self.start.unix_us,
            end_us,
            stop_reason: stop.map(|s| s.reason.clone()),
            stop_message: stop.and_then(|s| s.message.clone()),
            gap_us: self.options.gap_us,
            steady_us: self.options.steady_us,
            operations: self.counts.operations,
            iterations: self.counts.iterations,
            errors: a.errors,
            outages: timeline.outages,
            faults: timeline.faults.reports,
            baseline,
            faults_ignored: a.faults_ignored,
            faults_after_end: timeline.faults.after_end,
            faults_over_limit: timeline.faults.over_limit,
            anomalies: a.consistency.anomalies,
            anomalies_total: a.consistency.anomalies_total,
            acked_lost: a.consistency.acked_lost,
            late_writes: a.consistency.late_writes,
            late_writes_total: a.consistency.late_writes_total,
            latency: timeline.latency,
            in_flight: stop.map(|s| s.in_flight.clone()).unwrap_or_default(),
            faults_in_flight: stop.map(|s| s.faults_in_flight.clone()).unwrap_or_default(),
            ignored_after_stop: self.ignored_after_stop,
            warnings,
            servers: a.servers.finish(),
        })
    }
}
