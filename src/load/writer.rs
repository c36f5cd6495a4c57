//! The writer thread: the only consumer of the workers' and the scheduler's
//! messages. It appends whole lines to the log (one write per batch, at
//! least every 100 ms), feeds the per-second tally, and prints each second's
//! row once the watermark says no event of that second can still arrive. At
//! the stop it prints the last whole seconds and writes the stop event with
//! the run's counts and what was in flight.

use super::clock::Clock;
use super::inflight::Current;
use super::log_file::LogFile;
use super::stop::{StopReason, StopSignal};
use super::watermark::Watermark;
use crate::duration::show_secs;
use crate::event::{
    ErrCode, ErrorKind, Event, Fault, InFlightFault, InFlightOp, Op, OpError, OpKind, Stop,
};
use crate::tally::{self, Tally};
use crate::text::escape;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

const TICK_US: u64 = 100_000;
/// How long the writer sleeps between drains of the channel.
const NAP_US: u64 = 5_000;
/// A batch this large is written at once rather than at the next tick.
const BATCH_BYTES: usize = 1 << 20;

/// What a worker tells the writer about one operation; the writer adds the
/// node, connection and key it knows from the worker number.
pub struct OpMsg {
    pub worker: u32,
    pub t_us: u64,
    pub op: OpKind,
    pub ok: bool,
    pub lat_us: u64,
    pub value: Option<Option<i64>>,
    pub err: Option<OpError<'static>>,
    pub version: Option<String>,
}

/// The run has stopped at `t_us`; sent last, once nothing else can come.
pub struct StopMsg {
    pub t_us: u64,
    pub reason: StopReason,
    /// Operations of workers the run gave up waiting for.
    pub abandoned: Vec<(u32, Current)>,
    pub faults_in_flight: Vec<InFlightFault>,
}

/// Everything the writer thread receives.
pub enum Msg {
    Op(OpMsg),
    /// An operation that completed after the stop: it was in flight.
    InFlight {
        worker: u32,
        current: Current,
    },
    Fault(Fault<'static>),
    Stop(StopMsg),
}

/// Which node, connection and key a worker number stands for.
pub struct WorkerInfo {
    pub node: usize,
    pub conn: u32,
    pub key: String,
}

/// The run's own counts of what it logged.
#[derive(Debug, Default, PartialEq)]
pub struct Stats {
    pub iterations: u64,
    pub operations: u64,
    pub errors: BTreeMap<(ErrorKind, Option<ErrCode>), u64>,
    /// The stop's time.
    pub end_us: u64,
    /// Why the log stopped being written, if it did: the log ends early.
    pub log_error: Option<String>,
}

impl Stats {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

pub struct Writer {
    pub rx: Receiver<Msg>,
    pub log: Option<LogFile>,
    pub names: Vec<String>,
    pub workers: Vec<WorkerInfo>,
    pub tally: Tally,
    pub clock: Arc<dyn Clock>,
    pub watermark: Arc<Watermark>,
    /// Stopped by the writer itself when the log fails.
    pub stop: Arc<StopSignal>,
    /// Where the table goes (stdout).
    pub table: Box<dyn Write + Send>,
    /// Where fault notes and warnings go (stderr).
    pub notes: Box<dyn Write + Send>,
}

struct State {
    w: Writer,
    buf: Vec<u8>,
    printed: u64,
    stats: Stats,
    in_flight: Vec<InFlightOp>,
    stopping: Option<StopMsg>,
    /// Set at the first failed write: nothing is written after it, so the
    /// log never has a hole in the middle.
    log_error: Option<String>,
    table_closed: bool,
}

impl Writer {
    /// Runs until the stop message; returns the run's counts (and the log's
    /// error, after printing everything it still could).
    pub fn run(self) -> Stats {
        let mut st = State {
            w: self,
            buf: Vec::with_capacity(BATCH_BYTES),
            printed: 0,
            stats: Stats::default(),
            in_flight: Vec::new(),
            stopping: None,
            log_error: None,
            table_closed: false,
        };
        let legend = st.w.tally.legend();
        st.print(&legend);
        let mut next_tick = TICK_US;
        loop {
            // Drain, then sleep: a writer blocked in recv() would be woken by
            // every send, costing each operation a futex call and a context
            // switch; a sleeping one costs senders nothing.
            st.drain();
            if let Some(stop) = st.stopping.take() {
                return st.finish(stop);
            }
            let now = st.w.clock.now_us();
            if now >= next_tick || st.buf.len() >= BATCH_BYTES {
                st.flush();
                st.close_seconds();
                next_tick = st.w.clock.now_us() + TICK_US;
            } else {
                std::thread::sleep(Duration::from_micros((next_tick - now).min(NAP_US)));
            }
        }
    }
}

impl State {
    /// Handles what is in the channel, up to a stop or a full batch.
    fn drain(&mut self) {
        loop {
            match self.w.rx.try_recv() {
                Ok(msg) => self.handle(msg),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    // Every sender gone without a stop: the run's main thread
                    // died. End the log as a stop anyway.
                    let now = self.w.clock.now_us();
                    self.stopping.get_or_insert(StopMsg {
                        t_us: now,
                        reason: StopReason::StartFailure("the run's threads ended".into()),
                        abandoned: Vec::new(),
                        faults_in_flight: Vec::new(),
                    });
                    return;
                }
            }
            if self.stopping.is_some() || self.buf.len() >= BATCH_BYTES {
                return;
            }
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Op(m) => self.op(m),
            Msg::InFlight { worker, current } => self.in_flight(worker, current),
            Msg::Fault(f) => self.fault(f),
            Msg::Stop(s) => self.stopping = Some(s),
        }
    }

    fn op(&mut self, m: OpMsg) {
        let Some(info) = self.w.workers.get(m.worker as usize) else {
            return;
        };
        let op = Op {
            t_us: m.t_us,
            node: self.w.names[info.node].as_str().into(),
            conn: info.conn,
            key: info.key.as_str().into(),
            op: m.op,
            ok: m.ok,
            lat_us: m.lat_us,
            value: m.value,
            err: m.err,
            version: m.version.map(Into::into),
        };
        self.w.tally.record(info.node, &op);
        self.stats.operations += 1;
        if op.is_success() {
            self.stats.iterations += 1;
        }
        if let Some(err) = &op.err {
            *self.stats.errors.entry((err.kind, err.code)).or_default() += 1;
        }
        if self.w.log.is_some() {
            Event::Op(op).write_line(&mut self.buf);
        }
    }

    fn in_flight(&mut self, worker: u32, current: Current) {
        let Some(info) = self.w.workers.get(worker as usize) else {
            return;
        };
        self.in_flight.push(InFlightOp {
            node: self.w.names[info.node].clone(),
            conn: info.conn,
            key: info.key.clone(),
            op: current.op,
            started_us: current.started_us,
            value: current.value,
        });
    }

    fn fault(&mut self, f: Fault<'static>) {
        let status = match f.exit {
            Some(0) => "applied".to_string(),
            Some(code) => format!("FAILED (exit {code})"),
            None => "noted".to_string(),
        };
        self.announce_fault(&f, &status);
        if self.w.log.is_some() {
            Event::Fault(f).write_line(&mut self.buf);
        }
    }

    /// Prints every second that has ended and whose events have all arrived.
    fn close_seconds(&mut self) {
        loop {
            let second = self.printed + 1;
            let end_us = second * 1_000_000;
            if self.w.clock.now_us() < end_us || !self.w.watermark.passed(end_us - 1) {
                return;
            }
            // After the stop only whole seconds before it are printed (by
            // finish), however long the shutdown takes to send its message.
            if self.w.stop.stopped_at().is_some_and(|s| end_us > s) {
                return;
            }
            // Whatever was stamped before end_us is in the channel by now.
            while let Ok(msg) = self.w.rx.try_recv() {
                self.handle(msg);
            }
            if self.stopping.is_some() {
                // The run ended (perhaps inside this second): finish() prints
                // exactly the whole seconds before the stop, as the report does.
                return;
            }
            self.print_row(second);
        }
    }

    fn print_row(&mut self, second: u64) {
        let row = self.w.tally.row(second);
        self.print(&row);
        self.printed = second;
    }

    fn print(&mut self, text: &str) {
        if self.table_closed {
            return;
        }
        let out = &mut self.w.table;
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            // Nobody reads the table any more (a closed pipe); the log goes on.
            self.table_closed = true;
            self.note("perseus: standard output is closed; the run and its log go on");
        }
    }

    fn note(&mut self, line: &str) {
        let _ = writeln!(self.w.notes, "{line}");
    }

    fn flush(&mut self) {
        if self.log_error.is_some() {
            self.buf.clear();
            return;
        }
        let Some(log) = self.w.log.as_mut() else {
            return;
        };
        let result = if self.buf.is_empty() {
            log.check_identity().and_then(|()| log.poll())
        } else {
            log.append(&self.buf)
        };
        self.buf.clear();
        match result {
            Ok(lines) => self.show_appended(lines),
            Err(e) => {
                self.note(&format!("perseus: {e}; stopping the run"));
                self.w.stop.stop(StopReason::LogError(e.clone()));
                self.log_error = Some(e);
            }
        }
    }

    /// Shows faults that others appended to the log (bin/isolate.sh --log)
    /// and what the lab's servers did (their supervisor appends it).
    fn show_appended(&mut self, lines: Vec<Vec<u8>>) {
        for line in lines {
            match Event::parse(&line) {
                Ok(Event::Fault(f)) => self.announce_fault(&f, "noted"),
                Ok(Event::Server(s)) => {
                    let line = format!(
                        "# {}s server {} {}: {}",
                        show_secs(s.t_us),
                        escape(&s.node),
                        escape(&s.server),
                        escape(&s.describe())
                    );
                    self.note(&line);
                }
                _ => {}
            }
        }
    }

    /// One `#` line per fault, between the table's rows on a terminal.
    fn announce_fault(&mut self, f: &Fault<'_>, status: &str) {
        let line = format!(
            "# {}s fault {} {}: {status} — {}",
            show_secs(f.t_us),
            escape(&f.action),
            escape(&f.node),
            escape(&f.note)
        );
        self.note(&line);
    }

    fn finish(mut self, stop: StopMsg) -> Stats {
        // Nothing can follow the stop message; drain in case.
        while let Ok(msg) = self.w.rx.try_recv() {
            if !matches!(msg, Msg::Stop(_)) {
                self.handle(msg);
            }
        }
        for second in self.printed + 1..=tally::last_full_second(stop.t_us) {
            self.print_row(second);
        }
        for (worker, current) in stop.abandoned {
            self.in_flight(worker, current);
        }
        self.in_flight
            .sort_by_key(|o| (o.started_us, o.node.clone(), o.conn));
        self.stats.end_us = stop.t_us;
        if self.w.log.is_some() {
            let reason = stop.reason;
            Event::Stop(Stop {
                t_us: stop.t_us,
                reason: reason.name().into(),
                message: reason.message().map(String::from),
                iterations: self.stats.iterations,
                errors: self.stats.error_count(),
                operations: Some(self.stats.operations),
                in_flight: std::mem::take(&mut self.in_flight),
                faults_in_flight: stop.faults_in_flight,
            })
            .write_line(&mut self.buf);
        }
        self.flush();
        if let (Some(log), None) = (self.w.log.as_ref(), &self.log_error) {
            if let Err(e) = log.sync() {
                self.log_error = Some(e);
            }
        }
        self.stats.log_error = self.log_error;
        self.stats
    }
}

#[cfg(test)]
mod tests;
