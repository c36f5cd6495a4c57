//! One connection's loop: read the key; insert 0 when absent, else write
//! value + 1. Every operation becomes one message to the writer; any error
//! closes the connection, and the next iteration opens a new one.

use super::clock::{RunClock, Watermark};
use super::db::{self, Session, Sql};
use crate::event::{ErrorKind, OpError, OpKind};
use mysql::prelude::Queryable;
use mysql::Opts;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

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

/// Everything the writer thread receives.
pub enum Msg {
    Op(OpMsg),
    Fault(crate::event::Fault<'static>),
    Stop { t_us: u64, reason: String },
}

pub struct Worker {
    pub id: usize,
    pub key: String,
    pub opts: Opts,
    pub sql: Arc<Sql>,
    pub clock: Arc<RunClock>,
    pub watermark: Arc<Watermark>,
    pub tx: Sender<Msg>,
    pub stop: Arc<AtomicBool>,
    pub reconnect_delay: Duration,
}

struct Outcome {
    op: OpKind,
    started_us: u64,
    value: Option<Option<i64>>,
    result: Result<Option<String>, mysql::Error>,
}

impl Worker {
    pub fn run(self) {
        let mut session: Option<Session> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let failed = match session.as_mut() {
                None => match self.connect() {
                    Some(s) => {
                        session = Some(s);
                        false
                    }
                    None => true,
                },
                Some(s) => !self.iterate(s),
            };
            if failed {
                session = None;
                self.pause();
            }
        }
    }

    fn connect(&self) -> Option<Session> {
        let started_us = self.clock.now_us();
        match db::open(&self.opts, &self.sql) {
            Ok(s) => {
                let version = Some(s.version.clone());
                self.send(Outcome {
                    op: OpKind::Connect,
                    started_us,
                    value: None,
                    result: Ok(version),
                });
                Some(s)
            }
            Err(e) => {
                self.send(Outcome {
                    op: OpKind::Connect,
                    started_us,
                    value: None,
                    result: Err(e),
                });
                None
            }
        }
    }

    /// One iteration; false when an operation failed.
    fn iterate(&self, s: &mut Session) -> bool {
        let started_us = self.clock.now_us();
        let read: Result<Option<i64>, _> = s.conn.exec_first(&s.read, (&self.key,));
        let current = match read {
            Ok(v) => {
                self.send(Outcome {
                    op: OpKind::Read,
                    started_us,
                    value: Some(v),
                    result: Ok(None),
                });
                v
            }
            Err(e) => {
                self.send(Outcome {
                    op: OpKind::Read,
                    started_us,
                    value: None,
                    result: Err(e),
                });
                return false;
            }
        };
        let started_us = self.clock.now_us();
        let (op, next, result) = match current {
            None => (
                OpKind::Insert,
                0,
                s.conn.exec_drop(&s.insert, (&self.key, 0i64)),
            ),
            Some(v) => {
                let next = v.saturating_add(1);
                let r = s.conn.exec_drop(&s.update, (next, &self.key));
                (OpKind::Update, next, r)
            }
        };
        let result = match result {
            Ok(()) if op == OpKind::Update && s.conn.affected_rows() != 1 => Err(None),
            Ok(()) => Ok(None),
            Err(e) => Err(Some(e)),
        };
        let ok = result.is_ok();
        match result {
            Ok(v) => self.send(Outcome {
                op,
                started_us,
                value: Some(Some(next)),
                result: Ok(v),
            }),
            Err(Some(e)) => self.send(Outcome {
                op,
                started_us,
                value: Some(Some(next)),
                result: Err(e),
            }),
            Err(None) => self.send_error(
                op,
                started_us,
                Some(Some(next)),
                OpError {
                    kind: ErrorKind::NoRow,
                    code: None,
                    msg: "UPDATE matched no row: the key vanished".into(),
                },
            ),
        }
        ok
    }

    fn send(&self, o: Outcome) {
        match o.result {
            Ok(version) => self.emit(o.op, o.started_us, true, o.value, None, version),
            Err(e) => {
                let (kind, code, msg) = db::classify(&e, o.op == OpKind::Connect);
                let err = OpError {
                    kind,
                    code,
                    msg: msg.into(),
                };
                self.send_error(o.op, o.started_us, o.value, err);
            }
        }
    }

    fn send_error(
        &self,
        op: OpKind,
        started_us: u64,
        value: Option<Option<i64>>,
        err: OpError<'static>,
    ) {
        self.emit(op, started_us, false, value, Some(err), None);
    }

    fn emit(
        &self,
        op: OpKind,
        started_us: u64,
        ok: bool,
        value: Option<Option<i64>>,
        err: Option<OpError<'static>>,
        version: Option<String>,
    ) {
        // Announce the stamp's lower bound before taking it (see Watermark).
        self.watermark.enter(self.id, self.clock.now_us());
        let t_us = self.clock.now_us();
        let msg = OpMsg {
            worker: self.id as u32,
            t_us,
            op,
            ok,
            lat_us: t_us.saturating_sub(started_us),
            value,
            err,
            version,
        };
        // The writer outlives the workers; a send can only fail if it died,
        // and then there is nothing left to report to.
        let _ = self.tx.send(Msg::Op(msg));
        self.watermark.leave(self.id);
    }

    /// Waits before reconnecting, so a node that refuses at once does not
    /// flood the log; wakes early when the run stops.
    fn pause(&self) {
        let step = Duration::from_millis(5);
        let mut left = self.reconnect_delay;
        while !left.is_zero() && !self.stop.load(Ordering::Relaxed) {
            let nap = left.min(step);
            std::thread::sleep(nap);
            left -= nap;
        }
    }
}
