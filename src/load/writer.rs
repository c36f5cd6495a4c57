//! The writer thread: the only consumer of the workers' messages. It appends
//! whole lines to the log (one write per batch, at least every 100 ms), feeds
//! the per-second tally, and prints each second's row once the watermark says
//! no event of that second can still arrive.

use super::clock::{RunClock, Watermark};
use super::foreign::ForeignLines;
use super::worker::{Msg, OpMsg};
use crate::event::{ErrorKind, Event, Fault, Op, Stop};
use crate::tally::{self, Tally};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

const TICK_US: u64 = 100_000;
/// How long the writer sleeps between drains of the channel.
const NAP_US: u64 = 5_000;
/// A batch this large is written at once rather than at the next tick.
const BATCH_BYTES: usize = 1 << 20;

/// Which node, connection and key a worker number stands for.
pub struct WorkerInfo {
    pub node: usize,
    pub conn: u32,
    pub key: String,
}

#[derive(Default)]
pub struct Stats {
    pub iterations: u64,
    pub operations: u64,
    pub errors: BTreeMap<(ErrorKind, Option<u16>), u64>,
    pub faults: u64,
    pub end_us: u64,
    pub seconds_printed: u64,
}

impl Stats {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

pub struct Writer {
    pub rx: Receiver<Msg>,
    pub file: Option<File>,
    pub names: Vec<String>,
    pub workers: Vec<WorkerInfo>,
    pub tally: Tally,
    pub clock: Arc<RunClock>,
    pub watermark: Arc<Watermark>,
    /// Set when the log cannot be written: the run stops, since it would no
    /// longer record what it measures.
    pub stop: Arc<AtomicBool>,
    /// Watches the log for lines appended by others (None without a log).
    pub foreign: Option<ForeignLines>,
}

struct State {
    w: Writer,
    buf: Vec<u8>,
    printed: u64,
    stats: Stats,
    stopping: Option<(u64, String)>,
    log_error: Option<String>,
    stdout_broken: bool,
}

impl Writer {
    /// Runs until the Stop message; returns the run's totals, or the log's
    /// write error (after writing everything it still could).
    pub fn run(self) -> Result<Stats, String> {
        let mut st = State {
            w: self,
            buf: Vec::with_capacity(BATCH_BYTES),
            printed: 0,
            stats: Stats::default(),
            stopping: None,
            log_error: None,
            stdout_broken: false,
        };
        let legend = st.w.tally.legend();
        st.print(&legend);
        let mut next_tick = TICK_US;
        loop {
            // Drain, then sleep: a writer blocked in recv() would be woken by
            // every send, costing each operation a futex call and a context
            // switch; a sleeping one costs senders nothing.
            loop {
                match st.w.rx.try_recv() {
                    Ok(msg) => st.handle(msg),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        let now = st.w.clock.now_us();
                        st.stopping.get_or_insert((now, "aborted".into()));
                        break;
                    }
                }
                if st.stopping.is_some() || st.buf.len() >= BATCH_BYTES {
                    break;
                }
            }
            if let Some((t_us, reason)) = st.stopping.take() {
                return st.finish(t_us, reason);
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
    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Op(m) => self.op(m),
            Msg::Fault(f) => self.fault(f),
            Msg::Stop { t_us, reason } => self.stopping = Some((t_us, reason)),
        }
    }

    fn op(&mut self, m: OpMsg) {
        let info = &self.w.workers[m.worker as usize];
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
        if self.w.file.is_some() {
            Event::Op(op).write_line(&mut self.buf);
        }
    }

    fn fault(&mut self, f: Fault<'static>) {
        let status = match f.exit {
            Some(0) => "applied".to_string(),
            Some(code) => format!("FAILED (exit {code})"),
            None => "noted".to_string(),
        };
        self.announce_fault(&f, &status);
        if self.w.file.is_some() {
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
        self.stats.seconds_printed = second;
    }

    fn print(&mut self, text: &str) {
        if self.stdout_broken {
            return;
        }
        let mut out = io::stdout().lock();
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            // Nobody reads the table any more (a closed pipe); the log goes on.
            self.stdout_broken = true;
            eprintln!("perseus: standard output is closed; the run and its log go on");
        }
    }

    fn flush(&mut self) {
        self.show_foreign(None);
        if self.buf.is_empty() {
            return;
        }
        let written = self.buf.len() as u64;
        if let Some(file) = self.w.file.as_mut() {
            match file.write_all(&self.buf) {
                Ok(()) => self.show_foreign(Some(written)),
                Err(e) => {
                    if self.log_error.is_none() {
                        eprintln!("perseus: cannot write the log: {e}; stopping the run");
                        self.log_error = Some(format!("cannot write the log: {e}"));
                        self.w.stop.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
        self.buf.clear();
    }

    /// Shows faults that others appended to the log (bin/isolate.sh --log).
    fn show_foreign(&mut self, after_writing: Option<u64>) {
        let (Some(file), Some(foreign)) = (self.w.file.as_mut(), self.w.foreign.as_mut()) else {
            return;
        };
        let lines = match after_writing {
            None => foreign.poll(file),
            Some(written) => foreign.wrote(file, written),
        };
        for line in lines {
            if let Ok(Event::Fault(f)) = Event::parse(&line) {
                self.announce_fault(&f, "noted");
            }
        }
    }

    /// One `#` line on stderr per fault, between the table's rows on a terminal.
    fn announce_fault(&mut self, f: &Fault<'_>, status: &str) {
        self.stats.faults += 1;
        eprintln!(
            "# {:.3}s fault {} {}: {status} — {}",
            f.t_us as f64 / 1e6,
            f.action,
            f.node,
            f.note
        );
    }

    fn finish(mut self, stop_us: u64, reason: String) -> Result<Stats, String> {
        // Every worker has been joined before Stop was sent: nothing is in flight.
        while let Ok(msg) = self.w.rx.try_recv() {
            if let Msg::Stop { .. } = msg {
                continue;
            }
            self.handle(msg);
        }
        for second in self.printed + 1..=tally::last_full_second(stop_us) {
            self.print_row(second);
        }
        self.stats.end_us = stop_us;
        if self.w.file.is_some() {
            Event::Stop(Stop {
                t_us: stop_us,
                reason,
                iterations: self.stats.iterations,
                errors: self.stats.error_count(),
            })
            .write_line(&mut self.buf);
        }
        self.flush();
        if let Some(file) = self.w.file.as_mut() {
            if let Err(e) = file.sync_data() {
                self.log_error
                    .get_or_insert(format!("cannot sync the log: {e}"));
            }
        }
        match self.log_error {
            Some(e) => Err(e),
            None => Ok(self.stats),
        }
    }
}
