//! One connection's loop: read the key; insert 0 when absent, else write
//! value + 1. Every operation becomes one message to the writer; any error
//! closes the connection, and after `--reconnect-delay` the next operation
//! opens a new one. When a query times out, the database returns a
//! `timeout` error like any other ([`Connection`]), the connection is
//! dropped and reopened: there is no other path.
//!
//! At the stop, an operation that completes after the stop's moment is sent
//! as in flight, not as an operation (`stop.rs`); one that never completes is
//! listed by the run from the worker's slot (`inflight.rs`).

use super::clock::Clock;
use super::database::{Connection, Connector, Update};
use super::inflight::{Current, WorkerSlot};
use super::stop::{Completion, StopSignal};
use super::watermark::Watermark;
use super::writer::{Msg, OpMsg};
use crate::event::{ErrorKind, OpError, OpKind};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

pub struct Worker<C: Connector> {
    /// Index into the run's workers (and the watermark's slots).
    pub id: usize,
    pub connector: C,
    pub key: String,
    pub clock: Arc<dyn Clock>,
    pub watermark: Arc<Watermark>,
    pub slot: Arc<WorkerSlot>,
    pub stop: Arc<StopSignal>,
    pub tx: Sender<Msg>,
    pub reconnect_delay: Duration,
}

/// How an operation went, as the loop needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Done,
    Failed,
    /// The run stopped, or gave up on this worker: leave the loop.
    Over,
}

/// An operation's result as the log records it.
struct Outcome {
    ok: bool,
    value: Option<Option<i64>>,
    err: Option<OpError<'static>>,
    version: Option<String>,
}

impl Outcome {
    fn ok(value: Option<Option<i64>>) -> Self {
        Outcome {
            ok: true,
            value,
            err: None,
            version: None,
        }
    }

    fn failed(value: Option<Option<i64>>, err: OpError<'static>) -> Self {
        Outcome {
            ok: false,
            value,
            err: Some(err),
            version: None,
        }
    }
}

impl<C: Connector> Worker<C> {
    pub fn run(self) {
        let mut connection: Option<C::Connection> = None;
        loop {
            let step = match connection.as_mut() {
                Some(c) => self.iterate(c),
                None => {
                    let (step, opened) = self.connect();
                    connection = opened;
                    step
                }
            };
            match step {
                Step::Done => {}
                Step::Failed => {
                    connection = None;
                    self.pause();
                }
                Step::Over => return,
            }
        }
    }

    fn connect(&self) -> (Step, Option<C::Connection>) {
        let mut opened = None;
        let step = self.perform(OpKind::Connect, None, || match self.connector.connect() {
            Ok(c) => {
                let outcome = Outcome {
                    version: Some(c.version().to_string()),
                    ..Outcome::ok(None)
                };
                opened = Some(c);
                outcome
            }
            Err(e) => Outcome::failed(None, e),
        });
        (step, opened.filter(|_| step == Step::Done))
    }

    /// One iteration: the read, then the write it calls for.
    fn iterate(&self, c: &mut C::Connection) -> Step {
        let mut found = None;
        let step = self.perform(OpKind::Read, None, || match c.read(&self.key) {
            Ok(value) => {
                found = Some(value);
                Outcome::ok(Some(value))
            }
            Err(e) => Outcome::failed(None, e),
        });
        let Some(current) = found.filter(|_| step == Step::Done) else {
            return step;
        };
        match current {
            None => self.perform(OpKind::Insert, Some(0), || {
                let value = Some(Some(0));
                match c.insert(&self.key, 0) {
                    Ok(()) => Outcome::ok(value),
                    Err(e) => Outcome::failed(value, e),
                }
            }),
            Some(v) => {
                let next = v.saturating_add(1);
                self.perform(OpKind::Update, Some(next), || {
                    let value = Some(Some(next));
                    match c.update(&self.key, next) {
                        Ok(Update::Written) => Outcome::ok(value),
                        Ok(Update::NoRow) => Outcome::failed(value, vanished()),
                        Err(e) => Outcome::failed(value, e),
                    }
                })
            }
        }
    }

    /// Runs one operation and reports it. Nothing begins once the run has
    /// stopped.
    fn perform(&self, op: OpKind, attempted: Option<i64>, call: impl FnOnce() -> Outcome) -> Step {
        let started_us = self.clock.now_us();
        let current = Current {
            op,
            started_us,
            value: attempted,
        };
        if self.stop.is_stopped() || !self.slot.begin(current) {
            return Step::Over;
        }
        let outcome = call();
        self.report(current, outcome)
    }

    fn report(&self, current: Current, outcome: Outcome) -> Step {
        // Announce the stamp's lower bound before taking it (see Watermark).
        self.watermark.enter(self.id, self.clock.now_us());
        let t_us = self.clock.now_us();
        let mut step = if outcome.ok { Step::Done } else { Step::Failed };
        let reported = self.slot.finish(|| {
            let msg = match self.stop.completion(current.started_us, t_us) {
                Completion::InRun => Msg::Op(OpMsg {
                    worker: self.id as u32,
                    t_us,
                    op: current.op,
                    ok: outcome.ok,
                    lat_us: t_us.saturating_sub(current.started_us),
                    value: outcome.value,
                    err: outcome.err,
                    version: outcome.version,
                }),
                Completion::InFlight => {
                    step = Step::Over;
                    Msg::InFlight {
                        worker: self.id as u32,
                        current,
                    }
                }
                Completion::AfterEnd => {
                    step = Step::Over;
                    return;
                }
            };
            // The writer outlives the workers; a send can only fail if it
            // died, and then there is nothing left to report to.
            let _ = self.tx.send(msg);
        });
        self.watermark.leave(self.id);
        if reported {
            step
        } else {
            Step::Over
        }
    }

    /// Waits before reconnecting, so a node that refuses at once does not
    /// flood the log; wakes early when the run stops.
    fn pause(&self) {
        let step = Duration::from_millis(5);
        let mut left = self.reconnect_delay;
        while !left.is_zero() && !self.stop.is_stopped() {
            let nap = left.min(step);
            std::thread::sleep(nap);
            left -= nap;
        }
    }
}

fn vanished() -> OpError<'static> {
    OpError {
        kind: ErrorKind::NoRow,
        code: None,
        msg: "UPDATE matched no row: the key vanished".into(),
    }
}

#[cfg(test)]
mod tests;
