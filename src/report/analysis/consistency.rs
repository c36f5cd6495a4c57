//! The consistency check, per key. Each key has one writer connection whose
//! operations are in order in the log, so the key is a register written by
//! one client, one operation at a time:
//!
//! - an acknowledged write was applied before its acknowledgement;
//! - a write that failed with an indeterminate error (timeout, io, driver)
//!   may have been applied at any moment after it was sent — also after
//!   later writes (a late-landing write), or never; at most once;
//! - any other failed write was not applied.
//!
//! A read must return a value some order of those applications explains:
//! the current value (the last acknowledged write's, or the last value read
//! since), or the value of an indeterminate write not yet known to have
//! landed. Reading such a value means it landed then: it becomes the current
//! value and cannot land again. Otherwise the read is an anomaly:
//! `lost_write` when it is below the current value or null once a write was
//! acknowledged, else `unexpected`; then what was read becomes the current
//! value, so one loss is one anomaly.
//!
//! A late-landing write (an indeterminate write whose value is read after a
//! later write was acknowledged) is legal, so not an anomaly, but worth
//! seeing: each is counted and the first are listed.
//!
//! A `lost_write` also says how many acknowledged writes it discarded: the
//! acknowledged writes whose values lie above the value read (each write
//! adds one), and when the first and last of them were acknowledged
//! (`acked.rs`); their sum, per node and in all, is the run's count of
//! acknowledged writes lost.

use super::acked::{Acked, Discarded};
use crate::event::{Op, OpKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub kind: &'static str,
    pub node: String,
    pub key: String,
    pub t_us: u64,
    /// What the read returned (null: no row).
    pub value: Option<i64>,
    /// The current value before the read (null: none yet).
    pub expected: Option<i64>,
    pub read_line: u64,
    /// The line that set the expected value, if any.
    pub write_line: Option<u64>,
    /// A `lost_write`: the acknowledged writes it discarded (absent for an
    /// `unexpected` read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_lost: Option<u64>,
    /// When the first of them was acknowledged (or, when
    /// `acked_lost_first_exact` is false, the oldest moment the report
    /// kept, which it is at or before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_lost_first_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_lost_first_exact: Option<bool>,
    /// When the last of them was acknowledged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked_lost_last_us: Option<u64>,
}

/// A read that saw an indeterminate write land after a later acknowledged one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LateWrite {
    pub node: String,
    pub key: String,
    /// When the read saw it.
    pub t_us: u64,
    pub value: i64,
    pub read_line: u64,
    /// The indeterminate write's line.
    pub write_line: u64,
    /// The acknowledged write it landed after.
    pub acked_line: u64,
}

/// At most this many anomalies and late writes are listed (all are counted).
pub const LISTED: usize = 1000;
/// At most this many indeterminate writes are remembered per key; an older
/// one read later would be reported as an anomaly.
pub const INDETERMINATE_KEPT: usize = 64;

#[derive(Clone, Copy)]
struct Indeterminate {
    value: i64,
    line: u64,
    /// Sent before this acknowledged write's line (so reading it is late).
    before_ack: Option<u64>,
}

struct KeyState {
    current: Option<i64>,
    current_line: Option<u64>,
    /// The line of the last acknowledged write.
    acked_line: Option<u64>,
    indeterminate: Vec<Indeterminate>,
    acked: Acked,
}

impl KeyState {
    fn new(keep: usize) -> KeyState {
        KeyState {
            current: None,
            current_line: None,
            acked_line: None,
            indeterminate: Vec::new(),
            acked: Acked::new(keep),
        }
    }
}

pub struct Consistency {
    keys: HashMap<(usize, u32), KeyState>,
    /// Acknowledgement moments kept per key (`acked.rs`).
    keep: usize,
    pub anomalies: Vec<Anomaly>,
    pub anomalies_total: u64,
    pub late_writes: Vec<LateWrite>,
    pub late_writes_total: u64,
    /// Acknowledged writes lost, by node name, over every `lost_write`
    /// (the listed and the unlisted).
    pub acked_lost: BTreeMap<String, u64>,
}

impl Default for Consistency {
    fn default() -> Self {
        Consistency::new(1)
    }
}

impl Consistency {
    /// For a run of `keys` keys: the moments of acknowledgements kept per
    /// key share one budget (`limits.rs`).
    pub fn new(keys: usize) -> Consistency {
        Consistency {
            keys: HashMap::new(),
            keep: crate::report::limits::acked_kept_per_key(keys),
            anomalies: Vec::new(),
            anomalies_total: 0,
            late_writes: Vec::new(),
            late_writes_total: 0,
            acked_lost: BTreeMap::new(),
        }
    }

    /// One op of node number `node`, in log order.
    pub fn op(&mut self, op: &Op<'_>, node: usize, line: u64) {
        let keep = self.keep;
        let state = self
            .keys
            .entry((node, op.conn))
            .or_insert_with(|| KeyState::new(keep));
        match (op.op, op.ok, op.value) {
            (OpKind::Read, true, Some(value)) => {
                let seen = read(state, value, line);
                self.record(seen, op, value, line);
            }
            (OpKind::Insert | OpKind::Update, true, Some(Some(v))) => {
                state.current = Some(v);
                state.current_line = Some(line);
                state.acked_line = Some(line);
                state.acked.ack(v, op.t_us);
                for w in &mut state.indeterminate {
                    w.before_ack = Some(line);
                }
            }
            (OpKind::Insert | OpKind::Update, false, Some(Some(v)))
                if op.err.as_ref().is_some_and(|e| e.kind.is_indeterminate()) =>
            {
                if state.indeterminate.len() == INDETERMINATE_KEPT {
                    state.indeterminate.remove(0);
                }
                state.indeterminate.push(Indeterminate {
                    value: v,
                    line,
                    before_ack: None,
                });
            }
            _ => {}
        }
    }

    fn record(&mut self, seen: Seen, op: &Op<'_>, value: Option<i64>, line: u64) {
        match seen {
            Seen::Explained => {}
            Seen::Late {
                write_line,
                acked_line,
            } => {
                self.late_writes_total += 1;
                if self.late_writes.len() < LISTED {
                    self.late_writes.push(LateWrite {
                        node: op.node.to_string(),
                        key: op.key.to_string(),
                        t_us: op.t_us,
                        value: value.unwrap_or_default(),
                        read_line: line,
                        write_line,
                        acked_line,
                    });
                }
            }
            Seen::Anomaly {
                kind,
                expected,
                expected_line,
                discarded,
            } => {
                self.anomalies_total += 1;
                if let Some(d) = discarded {
                    *self.acked_lost.entry(op.node.to_string()).or_default() += d.count;
                }
                if self.anomalies.len() < LISTED {
                    self.anomalies.push(Anomaly {
                        kind,
                        node: op.node.to_string(),
                        key: op.key.to_string(),
                        t_us: op.t_us,
                        value,
                        expected,
                        read_line: line,
                        write_line: expected_line,
                        acked_lost: discarded.map(|d| d.count),
                        acked_lost_first_us: discarded.map(|d| d.first_us),
                        acked_lost_first_exact: discarded.map(|d| d.first_exact),
                        acked_lost_last_us: discarded.map(|d| d.last_us),
                    });
                }
            }
        }
    }
}

enum Seen {
    Explained,
    Late {
        write_line: u64,
        acked_line: u64,
    },
    Anomaly {
        kind: &'static str,
        expected: Option<i64>,
        expected_line: Option<u64>,
        /// A lost write: the acknowledged writes it discarded.
        discarded: Option<Discarded>,
    },
}

/// Checks a read of `value` at `line` and moves the key's state past it.
fn read(state: &mut KeyState, value: Option<i64>, line: u64) -> Seen {
    if value == state.current {
        return Seen::Explained;
    }
    let landed = value.and_then(|v| state.indeterminate.iter().position(|w| w.value == v));
    let (expected, expected_line) = (state.current, state.current_line);
    state.current = value;
    state.current_line = Some(line);
    if let Some(i) = landed {
        let w = state.indeterminate.remove(i);
        return match w.before_ack {
            Some(acked_line) => Seen::Late {
                write_line: w.line,
                acked_line,
            },
            None => Seen::Explained,
        };
    }
    let kind = match (state.acked_line, expected, value) {
        (Some(_), Some(_), None) => "lost_write",
        (_, Some(e), Some(v)) if v < e => "lost_write",
        _ => "unexpected",
    };
    let discarded = match kind {
        "lost_write" => state.acked.lost_above(value),
        _ => None,
    };
    Seen::Anomaly {
        kind,
        expected,
        expected_line,
        discarded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ErrorKind, OpError};

    /// Ops on one key: `r5` read 5, `r-` read null, `w5` acknowledged write
    /// of 5, `t5` timed-out write of 5, `s5` write of 5 refused by the server.
    fn check(script: &str) -> Consistency {
        let mut c = Consistency::default();
        for (i, word) in script.split_whitespace().enumerate() {
            let (kind, number) = word.split_at(1);
            let value = number.parse::<i64>().ok();
            let (op, ok, err) = match kind {
                "r" => (OpKind::Read, true, None),
                "w" => (OpKind::Update, true, None),
                "t" => (OpKind::Update, false, Some(ErrorKind::Timeout)),
                "s" => (OpKind::Update, false, Some(ErrorKind::Server)),
                _ => panic!("{word}"),
            };
            let o = Op {
                t_us: i as u64,
                node: "n1".into(),
                conn: 0,
                key: "k".into(),
                op,
                ok,
                lat_us: 1,
                value: Some(value),
                err: err.map(|kind| OpError {
                    kind,
                    code: None,
                    msg: "x".into(),
                }),
                version: None,
            };
            c.op(&o, 0, i as u64 + 1);
        }
        c
    }

    fn kinds(c: &Consistency) -> Vec<&'static str> {
        c.anomalies.iter().map(|a| a.kind).collect()
    }

    #[test]
    fn a_clean_history_has_no_anomaly() {
        let c = check("r- w0 r0 w1 r1 w2 r2");
        assert_eq!((c.anomalies_total, c.late_writes_total), (0, 0));
    }

    #[test]
    fn a_timed_out_write_may_land_or_not() {
        assert_eq!(
            check("w5 r5 t6 r5 w6 r6").anomalies_total,
            0,
            "never landed"
        );
        assert_eq!(
            check("w5 r5 t6 r6 w7 r7").anomalies_total,
            0,
            "landed at once"
        );
    }

    #[test]
    fn a_write_landing_after_a_later_acknowledged_one_is_late_not_lost() {
        // t6 timed out; the retry read 5 and wrote 6 and 7; then t6 landed.
        let c = check("w5 t6 r5 w6 w7 r6");
        assert_eq!(c.anomalies_total, 0);
        assert_eq!(c.late_writes_total, 1);
        let late = &c.late_writes[0];
        assert_eq!(
            (late.value, late.read_line, late.write_line, late.acked_line),
            (6, 6, 2, 5)
        );
        // It landed once: seeing 7 again would need another write of 7.
        let c = check("w5 t6 r5 w6 w7 r6 r7");
        assert_eq!(kinds(&c), ["unexpected"]);
    }

    #[test]
    fn a_real_lost_write_is_still_caught() {
        let c = check("w5 r5 w6 w7 r6");
        assert_eq!(kinds(&c), ["lost_write"]);
        let a = &c.anomalies[0];
        assert_eq!(
            (a.value, a.expected, a.read_line, a.write_line),
            (Some(6), Some(7), 5, Some(4))
        );
        assert_eq!(kinds(&check("w0 r-")), ["lost_write"], "the row vanished");
        assert_eq!(
            kinds(&check("w5 s6 r6")),
            ["unexpected"],
            "a refused write never lands"
        );
    }

    #[test]
    fn a_loss_says_how_many_acknowledged_writes_it_discarded_and_when() {
        // w3, w4, w5 acknowledged at t = 3, 4, 5; the read finds 2.
        let c = check("w0 w1 w2 w3 w4 w5 r2");
        let a = &c.anomalies[0];
        assert_eq!(
            (a.acked_lost, a.acked_lost_first_us, a.acked_lost_last_us),
            (Some(3), Some(3), Some(5))
        );
        assert_eq!(a.acked_lost_first_exact, Some(true));
        assert_eq!(c.acked_lost.get("n1"), Some(&3));
        // A timed-out write that landed is not an acknowledged one: 6 and 7
        // are, 5 never was; the row vanishing discards all acknowledged.
        let c = check("w4 t5 r5 w6 w7 r4 w5 r-");
        let lost: Vec<_> = c.anomalies.iter().map(|a| a.acked_lost).collect();
        assert_eq!(lost, [Some(2), Some(2)]);
        assert_eq!(c.acked_lost.get("n1"), Some(&4));
        assert_eq!(
            check("w5 s6 r6").anomalies[0].acked_lost,
            None,
            "unexpected"
        );
    }

    #[test]
    fn one_loss_is_one_anomaly() {
        let c = check("w5 w6 w7 r5 r5 w6 r6");
        assert_eq!(kinds(&c), ["lost_write"]);
    }
}
