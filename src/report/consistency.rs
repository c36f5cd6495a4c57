//! The consistency check, per key (each key has one writer connection whose
//! events are in order in the log). A successful read must return the value
//! of the last acknowledged write, or that of a later write that failed with
//! an indeterminate error (timeout, io, driver: it may have been applied);
//! reading such a value makes it the acknowledged one. A read below the
//! acknowledged value, or null once a write was acknowledged, is a
//! `lost_write`; any other value is `unexpected`.

use crate::event::{Op, OpKind};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub kind: &'static str,
    pub node: String,
    pub key: String,
    pub t_us: u64,
    /// What the read returned (null: no row).
    pub value: Option<i64>,
    /// The last acknowledged write's value (null: none yet).
    pub expected: Option<i64>,
    pub read_line: u64,
    /// The line of the last acknowledged write, if any.
    pub write_line: Option<u64>,
}

/// At most this many anomalies are kept (all are counted).
pub const ANOMALIES_KEPT: usize = 1000;
/// At most this many indeterminate writes are remembered per key.
const INDETERMINATE_KEPT: usize = 64;

#[derive(Default)]
struct KeyState {
    acked: Option<i64>,
    acked_line: Option<u64>,
    /// Values of writes after the acknowledged one that may have been applied.
    indeterminate: Vec<(i64, u64)>,
}

#[derive(Default)]
pub struct Consistency {
    keys: HashMap<Box<str>, KeyState>,
    pub anomalies: Vec<Anomaly>,
    pub total: u64,
}

impl Consistency {
    /// One op event, in log order.
    pub fn op(&mut self, op: &Op<'_>, line: u64) {
        if op.op == OpKind::Connect {
            return;
        }
        let state = match self.keys.get_mut(op.key.as_ref()) {
            Some(s) => s,
            None => self.keys.entry(op.key.as_ref().into()).or_default(),
        };
        match (op.op, op.ok, op.value) {
            (OpKind::Read, true, Some(value)) => {
                if let Some(kind) = check(state, value) {
                    self.total += 1;
                    if self.anomalies.len() < ANOMALIES_KEPT {
                        self.anomalies.push(Anomaly {
                            kind,
                            node: op.node.to_string(),
                            key: op.key.to_string(),
                            t_us: op.t_us,
                            value,
                            expected: state.acked,
                            read_line: line,
                            write_line: state.acked_line,
                        });
                    }
                    // What the database holds now is the new baseline: one
                    // loss is one anomaly, not one per later read of it.
                    state.acked = value;
                    state.acked_line = Some(line);
                    state.indeterminate.clear();
                }
            }
            (OpKind::Insert | OpKind::Update, true, Some(Some(v))) => {
                state.acked = Some(v);
                state.acked_line = Some(line);
                state.indeterminate.clear();
            }
            (OpKind::Insert | OpKind::Update, false, Some(Some(v))) => {
                let maybe = op.err.as_ref().is_some_and(|e| e.kind.is_indeterminate());
                if maybe {
                    if state.indeterminate.len() == INDETERMINATE_KEPT {
                        state.indeterminate.remove(0);
                    }
                    state.indeterminate.push((v, line));
                }
            }
            _ => {}
        }
    }
}

/// Checks a read of `value`; updates the state when it reads an
/// indeterminate write. Returns the anomaly's kind, if any.
fn check(state: &mut KeyState, value: Option<i64>) -> Option<&'static str> {
    if value == state.acked {
        return None;
    }
    if let Some(i) = state
        .indeterminate
        .iter()
        .position(|&(v, _)| Some(v) == value)
    {
        let (v, line) = state.indeterminate[i];
        state.acked = Some(v);
        state.acked_line = Some(line);
        state.indeterminate.drain(..=i);
        return None;
    }
    match (state.acked, value) {
        (Some(_), None) => Some("lost_write"),
        (Some(a), Some(v)) if v < a => Some("lost_write"),
        _ => Some("unexpected"),
    }
}
