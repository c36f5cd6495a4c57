//! Reading one line of the log: a flat view of every field any event may
//! carry (one pass of serde, no buffering of an internally tagged enum), then
//! the checks that the event's kind has what it needs. Errors are typed, so
//! the reader can tell them apart, and worded to follow "file:line: ".

use super::{
    Event, Fault, InFlightFault, InFlightOp, NodeInfo, Op, OpError, OpKind, RunSettings, Seconds,
    Server, Start, Stop, SCHEMA,
};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Not JSON.
    BadJson(String),
    /// JSON cut short: the line ends inside it (a torn line).
    Truncated(String),
    /// A field holds the wrong type or an impossible value.
    WrongType(String),
    MissingField {
        ev: String,
        field: &'static str,
    },
    NegativeTime(i64),
    /// A start event of another schema version.
    UnknownSchema(String),
    UnknownKind(String),
    /// An op with `ok: false` and no `err`.
    FailedWithoutError,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::BadJson(msg) | ParseError::Truncated(msg) | ParseError::WrongType(msg) => {
                f.write_str(msg)
            }
            ParseError::MissingField { ev, field } => {
                write!(f, "{ev} event without field `{field}`")
            }
            ParseError::NegativeTime(t) => write!(f, "negative time t_us {t}"),
            ParseError::UnknownSchema(v) => write!(
                f,
                "unknown schema version {v} (this perseus-report reads schema {SCHEMA})"
            ),
            ParseError::UnknownKind(kind) => write!(f, "unknown event kind \"{kind}\""),
            ParseError::FailedWithoutError => f.write_str("failed op event without field `err`"),
        }
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        match e.classify() {
            serde_json::error::Category::Data => ParseError::WrongType(e.to_string()),
            serde_json::error::Category::Eof => ParseError::Truncated(e.to_string()),
            _ => ParseError::BadJson(e.to_string()),
        }
    }
}

/// Everything any event may carry; `ev` says which fields must be present.
/// A field added to an event must be added here too (the round-trip test in
/// `tests.rs` fails until it is).
#[derive(Deserialize)]
struct Flat<'a> {
    #[serde(borrow)]
    ev: Cow<'a, str>,
    t_us: Option<i64>,
    // start
    schema: Option<serde_json::Value>,
    run: Option<String>,
    unix_us: Option<u64>,
    mono_us: Option<u64>,
    boot_id: Option<String>,
    tool: Option<String>,
    nodes: Option<Vec<NodeInfo>>,
    conns: Option<u32>,
    user: Option<String>,
    database: Option<String>,
    table: Option<String>,
    connect_timeout_ms: Option<u64>,
    read_timeout_ms: Option<u64>,
    write_timeout_ms: Option<u64>,
    reconnect_delay_ms: Option<u64>,
    fault_timeout_ms: Option<u64>,
    duration_s: Option<Seconds>,
    schedule: Option<Vec<String>>,
    label: Option<String>,
    // op
    #[serde(borrow)]
    node: Option<Cow<'a, str>>,
    conn: Option<u32>,
    #[serde(borrow)]
    key: Option<Cow<'a, str>>,
    op: Option<OpKind>,
    ok: Option<bool>,
    lat_us: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    value: Option<Option<i64>>,
    #[serde(borrow)]
    err: Option<OpError<'a>>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    // fault
    #[serde(borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow)]
    note: Option<Cow<'a, str>>,
    exit: Option<i32>,
    cmd_us: Option<u64>,
    #[serde(borrow)]
    clock: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arg: Option<Cow<'a, str>>,
    groups: Option<Vec<Vec<String>>>,
    effect_us: Option<u64>,
    #[serde(borrow)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow)]
    leader_said: Option<Cow<'a, str>>,
    // server
    #[serde(borrow)]
    server: Option<Cow<'a, str>>,
    #[serde(borrow)]
    what: Option<Cow<'a, str>>,
    pid: Option<u32>,
    signal: Option<i32>,
    #[serde(borrow)]
    transfer: Option<Cow<'a, str>>,
    #[serde(borrow)]
    side: Option<Cow<'a, str>>,
    timeline: Option<u64>,
    #[serde(borrow, rename = "line")]
    server_line: Option<Cow<'a, str>>,
    #[serde(borrow)]
    seen: Option<Cow<'a, str>>,
    // stop
    reason: Option<String>,
    message: Option<String>,
    iterations: Option<u64>,
    errors: Option<u64>,
    operations: Option<u64>,
    in_flight: Option<Vec<InFlightOp>>,
    faults_in_flight: Option<Vec<InFlightFault>>,
}

/// Distinguishes a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn need<T>(field: Option<T>, ev: &str, name: &'static str) -> Result<T, ParseError> {
    field.ok_or_else(|| ParseError::MissingField {
        ev: ev.to_string(),
        field: name,
    })
}

impl<'a> Event<'a> {
    /// Parses one line (without its newline).
    pub fn parse(line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        let flat: Flat<'a> = serde_json::from_slice(line)?;
        let t_us = match flat.t_us {
            None => {
                return Err(ParseError::MissingField {
                    ev: flat.ev.to_string(),
                    field: "t_us",
                })
            }
            Some(t) if t < 0 => return Err(ParseError::NegativeTime(t)),
            Some(t) => t as u64,
        };
        match flat.ev.as_ref() {
            "op" => op(flat, t_us).map(Event::Op),
            "start" => start(flat, t_us).map(Event::Start),
            "fault" => fault(flat, t_us).map(Event::Fault),
            "server" => server(flat, t_us).map(Event::Server),
            "stop" => Ok(Event::Stop(stop(flat, t_us)?)),
            other => Err(ParseError::UnknownKind(other.to_string())),
        }
    }
}

fn op(flat: Flat<'_>, t_us: u64) -> Result<Op<'_>, ParseError> {
    let ev = "op";
    let ok = need(flat.ok, ev, "ok")?;
    let op = need(flat.op, ev, "op")?;
    if !ok && flat.err.is_none() {
        return Err(ParseError::FailedWithoutError);
    }
    Ok(Op {
        t_us,
        node: need(flat.node, ev, "node")?,
        conn: need(flat.conn, ev, "conn")?,
        key: need(flat.key, ev, "key")?,
        op,
        ok,
        lat_us: need(flat.lat_us, ev, "lat_us")?,
        value: flat.value,
        err: flat.err,
        version: flat.version,
    })
}

fn start(flat: Flat<'_>, t_us: u64) -> Result<Start, ParseError> {
    let ev = "start";
    let schema = need(flat.schema, ev, "schema")?;
    if schema.as_u64() != Some(SCHEMA as u64) {
        return Err(ParseError::UnknownSchema(schema.to_string()));
    }
    // Settings a log lacks are unknown: recorded as empty, not as defaults.
    let settings = RunSettings {
        conns: need(flat.conns, ev, "conns")?,
        user: flat.user.unwrap_or_default(),
        database: flat.database.unwrap_or_default(),
        table: flat.table.unwrap_or_default(),
        connect_timeout_ms: flat.connect_timeout_ms.unwrap_or_default(),
        read_timeout_ms: flat.read_timeout_ms.unwrap_or_default(),
        write_timeout_ms: flat.write_timeout_ms.unwrap_or_default(),
        reconnect_delay_ms: flat.reconnect_delay_ms.unwrap_or_default(),
        fault_timeout_ms: flat.fault_timeout_ms.unwrap_or_default(),
        duration_s: flat.duration_s,
        schedule: flat.schedule.unwrap_or_default(),
        label: flat.label,
    };
    Ok(Start {
        t_us,
        schema: SCHEMA,
        run: need(flat.run, ev, "run")?,
        unix_us: need(flat.unix_us, ev, "unix_us")?,
        mono_us: flat.mono_us,
        boot_id: flat.boot_id,
        tool: need(flat.tool, ev, "tool")?,
        nodes: need(flat.nodes, ev, "nodes")?,
        settings,
    })
}

fn fault(flat: Flat<'_>, t_us: u64) -> Result<Fault<'_>, ParseError> {
    let ev = "fault";
    Ok(Fault {
        t_us,
        action: need(flat.action, ev, "action")?,
        arg: flat.arg,
        node: need(flat.node, ev, "node")?,
        groups: flat.groups,
        note: flat.note.unwrap_or_default(),
        exit: flat.exit,
        cmd_us: flat.cmd_us,
        effect_us: flat.effect_us,
        role: flat.role,
        leader_said: flat.leader_said,
        clock: flat.clock,
    })
}

fn server(flat: Flat<'_>, t_us: u64) -> Result<Server<'_>, ParseError> {
    let ev = "server";
    Ok(Server {
        t_us,
        node: need(flat.node, ev, "node")?,
        server: need(flat.server, ev, "server")?,
        what: need(flat.what, ev, "what")?,
        pid: flat.pid,
        exit: flat.exit,
        signal: flat.signal,
        transfer: flat.transfer,
        side: flat.side,
        timeline: flat.timeline,
        line: flat.server_line,
        seen: need(flat.seen, ev, "seen")?,
        clock: flat.clock,
        note: flat.note,
    })
}

fn stop(flat: Flat<'_>, t_us: u64) -> Result<Stop, ParseError> {
    Ok(Stop {
        t_us,
        reason: need(flat.reason, "stop", "reason")?,
        message: flat.message,
        iterations: flat.iterations.unwrap_or_default(),
        errors: flat.errors.unwrap_or_default(),
        operations: flat.operations,
        in_flight: flat.in_flight.unwrap_or_default(),
        faults_in_flight: flat.faults_in_flight.unwrap_or_default(),
    })
}
