//! The event log, schema 1: the one definition of the records that `perseus`
//! writes and `perseus-report` reads. docs/event-log.md describes the format
//! for users; change both together.
//!
//! Writing goes through `serde::Serialize` on [`Event`]; reading goes through
//! [`Event::parse`] (in `parse.rs`), which deserializes a flat view of the
//! line and then checks that every field the event's kind needs is there.
//! The `--table` fast path (`report/read/table_scan.rs`) reads op lines in
//! the shape written here; `tests` below fail when the readers drift apart.

mod err_code;
mod parse;
mod server;

pub use crate::settings::{RunSettings, Seconds};
pub use err_code::ErrCode;
pub use parse::ParseError;
pub use server::{server_seen, server_what, Server};

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The schema version written in every start event.
pub const SCHEMA: u32 = 1;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "ev", rename_all = "lowercase")]
pub enum Event<'a> {
    Start(Start),
    #[serde(borrow)]
    Op(Op<'a>),
    Fault(Fault<'a>),
    Server(Server<'a>),
    Stop(Stop),
}

/// A node as the run saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    pub host: String,
    pub port: u16,
}

/// First line of every run: what was measured and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Start {
    pub t_us: u64,
    pub schema: u32,
    pub run: String,
    /// Wall clock at `t_us == 0`, microseconds since the Unix epoch.
    pub unix_us: u64,
    /// CLOCK_MONOTONIC at `t_us == 0`, microseconds: other processes on the
    /// same host and boot (`boot_id`) stamp events on the run's own clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mono_us: Option<u64>,
    /// The kernel's boot id (/proc/sys/kernel/random/boot_id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    pub tool: String,
    pub nodes: Vec<NodeInfo>,
    #[serde(flatten)]
    pub settings: RunSettings,
}

impl Start {
    /// A start event at t = 0 for these nodes and settings (perseus stamps
    /// `mono_us` and `boot_id` itself; hand-made logs go without).
    pub fn new(run: &str, unix_us: u64, nodes: Vec<NodeInfo>, settings: RunSettings) -> Start {
        Start {
            t_us: 0,
            schema: SCHEMA,
            run: run.into(),
            unix_us,
            mono_us: None,
            boot_id: None,
            tool: tool_name(),
            nodes,
            settings,
        }
    }
}

/// `perseus VERSION`, as the start event names the tool.
pub fn tool_name() -> String {
    format!("perseus {}", env!("CARGO_PKG_VERSION"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    Connect,
    Read,
    Insert,
    Update,
}

impl OpKind {
    pub fn is_write(self) -> bool {
        matches!(self, OpKind::Insert | OpKind::Update)
    }
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Connect => "connect",
            OpKind::Read => "read",
            OpKind::Insert => "insert",
            OpKind::Update => "update",
        }
    }
}

/// Why an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A socket connect, read or write timed out: the outcome is unknown.
    Timeout,
    /// A connection could not be opened (refused, unreachable, reset during handshake).
    Connect,
    /// An open connection broke (reset, closed, broken pipe): the outcome is unknown.
    Io,
    /// The server answered with an error packet; `code` says which.
    Server,
    /// The server refused a write because it takes none: a read-only
    /// server or replica (MySQL 1290, 1836; PostgreSQL SQLSTATE 25006).
    /// Nothing was applied.
    ReadOnly,
    /// The client library rejected what it got (protocol out of sync, bad packet).
    Driver,
    /// An UPDATE of the worker's own key matched no row.
    NoRow,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Io => "io",
            ErrorKind::Server => "server",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::Driver => "driver",
            ErrorKind::NoRow => "no_row",
        }
    }

    /// True when a write that failed this way may still have been applied.
    pub fn is_indeterminate(self) -> bool {
        matches!(self, ErrorKind::Timeout | ErrorKind::Io | ErrorKind::Driver)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpError<'a> {
    pub kind: ErrorKind,
    pub code: Option<ErrCode>,
    #[serde(borrow)]
    pub msg: Cow<'a, str>,
}

/// One database operation, successful or not, stamped when it completed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Op<'a> {
    pub t_us: u64,
    pub node: Cow<'a, str>,
    pub conn: u32,
    pub key: Cow<'a, str>,
    pub op: OpKind,
    pub ok: bool,
    pub lat_us: u64,
    /// Read: the value found (`Some(None)` is a JSON null: no row).
    /// Write: the value written, or attempted when `ok` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub err: Option<OpError<'a>>,
    /// Server version, on a successful connect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Cow<'a, str>>,
}

impl Op<'_> {
    /// A successful iteration is exactly a successful insert or update.
    pub fn is_success(&self) -> bool {
        self.ok && self.op.is_write()
    }
}

/// A fault applied to the cluster: by perseus's schedule, or by hand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault<'a> {
    pub t_us: u64,
    /// The action's name: isolate, partition, loss, ... (docs/event-log.md).
    pub action: Cow<'a, str>,
    /// Its argument as written after `:`, if any: `30` in `loss:30`,
    /// `halves` in `partition:halves`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<Cow<'a, str>>,
    /// The target node.
    pub node: Cow<'a, str>,
    /// For a partition: the groups it made, as node names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Vec<String>>>,
    pub note: Cow<'a, str>,
    /// Exit status of the command that applied it, when one ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// How long that command took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd_us: Option<u64>,
    /// The first moment the fault took effect, on the run's clock, as the
    /// command reported it (a lab fault: when its rules went in, its
    /// signal was sent); absent when it reported none. The report measures
    /// the fault from here (docs/report.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect_us: Option<u64>,
    /// The role the schedule named instead of a node (`leader`), resolved
    /// when the fault fired; absent when the schedule named the node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Cow<'a, str>>,
    /// What the leader command printed on its first line (or why it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_said: Option<Cow<'a, str>>,
    /// How a fault appended by another process took its `t_us`; absent when
    /// perseus stamped it itself. See [`fault_clock`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<Cow<'a, str>>,
}

/// The stamps of faults appended by others (`bin/lib/faultlog.sh`).
pub mod fault_clock {
    /// The run's own clock, read on the same host and boot: exact.
    pub const MONOTONIC: &str = "monotonic";
    /// The wall clock minus the start's `unix_us`: as good as the wall clock
    /// held still since the start (or agrees across hosts).
    pub const WALL: &str = "wall";
    /// The wall clock was behind the start (it stepped back): stamped 0.
    pub const WALL_BEHIND: &str = "wall-behind";
}

impl Fault<'_> {
    /// A fault applied but whose command failed did not happen as far as the
    /// analysis is concerned.
    pub fn took_effect(&self) -> bool {
        self.exit.is_none_or(|code| code == 0)
    }

    /// The moment the fault is measured from: when it first took effect if
    /// the command said so, else its stamp. A reported moment outside the
    /// command's run (another host's clock, a hand-edited line) is held to
    /// it: no earlier than the command began, no later than its stamp.
    pub fn effective_us(&self) -> u64 {
        let Some(effect) = self.effect_us else {
            return self.t_us;
        };
        let began = self.cmd_us.map_or(0, |c| self.t_us.saturating_sub(c));
        effect.clamp(began, self.t_us)
    }
}

/// Last line of a run that stopped (rather than being killed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// The moment the run was asked to stop: the end of every analysis.
    pub t_us: u64,
    /// `duration`, `signal`, `log error` or `start failure`.
    pub reason: String,
    /// What went wrong, for the two failure reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The run's own counts of what it logged: successful iterations,
    /// failed operations, all operations (absent in logs before it).
    #[serde(default)]
    pub iterations: u64,
    #[serde(default)]
    pub errors: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<u64>,
    /// Operations begun before the stop and not finished by it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_flight: Vec<InFlightOp>,
    /// Fault commands still running at the stop, ended by perseus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults_in_flight: Vec<InFlightFault>,
}

/// An operation in flight at the stop: its outcome is not part of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlightOp {
    pub node: String,
    pub conn: u32,
    pub key: String,
    pub op: OpKind,
    pub started_us: u64,
    /// The value a write attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
}

/// A fault command that was still running at the stop and was ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlightFault {
    pub action: String,
    pub node: String,
    pub started_us: u64,
    pub note: String,
}

impl Event<'_> {
    pub fn t_us(&self) -> u64 {
        match self {
            Event::Start(s) => s.t_us,
            Event::Op(o) => o.t_us,
            Event::Fault(f) => f.t_us,
            Event::Server(s) => s.t_us,
            Event::Stop(s) => s.t_us,
        }
    }

    /// `start`, `op`, `fault`, `server` or `stop`, as in the `ev` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Start(_) => "start",
            Event::Op(_) => "op",
            Event::Fault(_) => "fault",
            Event::Server(_) => "server",
            Event::Stop(_) => "stop",
        }
    }

    /// Serializes the event as one log line, newline included.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        // Serializing plain structs of strings and numbers into a Vec cannot fail.
        if serde_json::to_writer(&mut *out, self).is_ok() {
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests;
