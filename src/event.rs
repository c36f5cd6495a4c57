//! The event log, schema 1: the one definition of the records that `perseus`
//! writes and `perseus-report` reads. docs/event-log.md describes the format
//! for users; change both together.
//!
//! Writing goes through `serde::Serialize` on [`Event`]; reading goes through
//! [`Event::parse`], which deserializes a flat view of the line (fast: no
//! buffering of an internally tagged enum) and then checks that every field
//! the event's kind needs is present and well-typed.

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub t_us: u64,
    pub schema: u32,
    pub run: String,
    /// Wall clock at `t_us == 0`, microseconds since the Unix epoch.
    pub unix_us: u64,
    pub tool: String,
    pub nodes: Vec<NodeInfo>,
    pub conns: u32,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub table: String,
    #[serde(default)]
    pub connect_timeout_ms: u64,
    #[serde(default)]
    pub read_timeout_ms: u64,
    #[serde(default)]
    pub write_timeout_ms: u64,
    #[serde(default)]
    pub reconnect_delay_ms: u64,
    #[serde(default)]
    pub duration_s: Option<u64>,
    /// The fault schedule given on the command line, as `AT:ACTION:NODE`.
    #[serde(default)]
    pub schedule: Vec<String>,
}

impl Start {
    /// A start event for these nodes with perseus's default settings, for
    /// hand-made logs (tests, generators); perseus itself records its options.
    pub fn with_defaults(run: &str, unix_us: u64, nodes: Vec<NodeInfo>, conns: u32) -> Start {
        Start {
            t_us: 0,
            schema: SCHEMA,
            run: run.into(),
            unix_us,
            tool: format!("perseus {}", env!("CARGO_PKG_VERSION")),
            nodes,
            conns,
            user: "root".into(),
            database: "lily".into(),
            table: "storage".into(),
            connect_timeout_ms: 2000,
            read_timeout_ms: 3000,
            write_timeout_ms: 3000,
            reconnect_delay_ms: 10,
            duration_s: None,
            schedule: Vec::new(),
        }
    }
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
    pub code: Option<u16>,
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
    pub action: Cow<'a, str>,
    pub node: Cow<'a, str>,
    pub note: Cow<'a, str>,
    /// Exit status of the command that applied it, when one ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// How long that command took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd_us: Option<u64>,
}

impl Fault<'_> {
    /// A fault applied but whose command failed did not happen as far as the
    /// analysis is concerned.
    pub fn took_effect(&self) -> bool {
        self.exit.is_none_or(|code| code == 0)
    }
}

/// Last line of a clean stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub t_us: u64,
    pub reason: String,
    #[serde(default)]
    pub iterations: u64,
    #[serde(default)]
    pub errors: u64,
}

impl Event<'_> {
    pub fn t_us(&self) -> u64 {
        match self {
            Event::Start(s) => s.t_us,
            Event::Op(o) => o.t_us,
            Event::Fault(f) => f.t_us,
            Event::Stop(s) => s.t_us,
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

/// Everything any event may carry; `ev` says which fields must be present.
#[derive(Deserialize)]
struct Flat<'a> {
    #[serde(borrow)]
    ev: Cow<'a, str>,
    t_us: Option<i64>,
    // start
    schema: Option<serde_json::Value>,
    run: Option<String>,
    unix_us: Option<u64>,
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
    duration_s: Option<u64>,
    schedule: Option<Vec<String>>,
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
    // stop
    reason: Option<String>,
    iterations: Option<u64>,
    errors: Option<u64>,
}

/// Distinguishes a present `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn need<T>(field: Option<T>, ev: &str, name: &str) -> Result<T, String> {
    field.ok_or_else(|| format!("{ev} event without field `{name}`"))
}

impl<'a> Event<'a> {
    /// Parses one line (without its newline). Errors say what is wrong, in
    /// words fit to follow "file:line: ".
    pub fn parse(line: &'a [u8]) -> Result<Event<'a>, String> {
        let flat: Flat<'a> = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        let ev = flat.ev.as_ref();
        let t_us = match flat.t_us {
            None => return Err(format!("{ev} event without field `t_us`")),
            Some(t) if t < 0 => return Err(format!("negative time t_us {t}")),
            Some(t) => t as u64,
        };
        match ev {
            "op" => {
                let op = need(flat.op, ev, "op")?;
                let ok = need(flat.ok, ev, "ok")?;
                if !ok && flat.err.is_none() {
                    return Err("failed op event without field `err`".into());
                }
                Ok(Event::Op(Op {
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
                }))
            }
            "start" => {
                let schema = need(flat.schema, ev, "schema")?;
                if schema.as_u64() != Some(SCHEMA as u64) {
                    return Err(format!(
                        "unknown schema version {schema} (this perseus-report reads schema {SCHEMA})"
                    ));
                }
                Ok(Event::Start(Start {
                    t_us,
                    schema: SCHEMA,
                    run: need(flat.run, ev, "run")?,
                    unix_us: need(flat.unix_us, ev, "unix_us")?,
                    tool: need(flat.tool, ev, "tool")?,
                    nodes: need(flat.nodes, ev, "nodes")?,
                    conns: need(flat.conns, ev, "conns")?,
                    user: flat.user.unwrap_or_default(),
                    database: flat.database.unwrap_or_default(),
                    table: flat.table.unwrap_or_default(),
                    connect_timeout_ms: flat.connect_timeout_ms.unwrap_or_default(),
                    read_timeout_ms: flat.read_timeout_ms.unwrap_or_default(),
                    write_timeout_ms: flat.write_timeout_ms.unwrap_or_default(),
                    reconnect_delay_ms: flat.reconnect_delay_ms.unwrap_or_default(),
                    duration_s: flat.duration_s,
                    schedule: flat.schedule.unwrap_or_default(),
                }))
            }
            "fault" => Ok(Event::Fault(Fault {
                t_us,
                action: need(flat.action, ev, "action")?,
                node: need(flat.node, ev, "node")?,
                note: flat.note.unwrap_or_default(),
                exit: flat.exit,
                cmd_us: flat.cmd_us,
            })),
            "stop" => Ok(Event::Stop(Stop {
                t_us,
                reason: need(flat.reason, ev, "reason")?,
                iterations: flat.iterations.unwrap_or_default(),
                errors: flat.errors.unwrap_or_default(),
            })),
            other => Err(format!("unknown event kind \"{other}\"")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(event: Event<'_>) {
        let mut line = Vec::new();
        event.write_line(&mut line);
        assert_eq!(line.last(), Some(&b'\n'));
        let parsed = Event::parse(&line[..line.len() - 1]).expect("parses");
        assert_eq!(parsed, event);
    }

    fn op(op: OpKind, ok: bool, value: Option<Option<i64>>) -> Op<'static> {
        Op {
            t_us: 1_234_567,
            node: "n1".into(),
            conn: 0,
            key: "r1-n1-0".into(),
            op,
            ok,
            lat_us: 250,
            value,
            err: (!ok).then(|| OpError {
                kind: ErrorKind::Server,
                code: Some(1047),
                msg: "WSREP has not yet prepared node for application use".into(),
            }),
            version: None,
        }
    }

    #[test]
    fn every_kind_round_trips() {
        let node = NodeInfo {
            name: "n1".into(),
            host: "127.0.0.1".into(),
            port: 3306,
        };
        round_trip(Event::Start(Start {
            duration_s: Some(60),
            schedule: vec!["20:isolate:n1".into()],
            ..Start::with_defaults("r1", 1_700_000_000_000_000, vec![node], 1)
        }));
        round_trip(Event::Op(op(OpKind::Read, true, Some(None))));
        round_trip(Event::Op(op(OpKind::Read, true, Some(Some(7)))));
        round_trip(Event::Op(op(OpKind::Update, false, Some(Some(8)))));
        round_trip(Event::Op(op(OpKind::Connect, true, None)));
        round_trip(Event::Fault(Fault {
            t_us: 5,
            action: "isolate".into(),
            node: "n1".into(),
            note: "bin/isolate.sh n1".into(),
            exit: Some(0),
            cmd_us: Some(12_000),
        }));
        round_trip(Event::Stop(Stop {
            t_us: 9,
            reason: "duration".into(),
            iterations: 3,
            errors: 1,
        }));
    }

    #[test]
    fn read_of_absent_key_writes_null() {
        let mut line = Vec::new();
        Event::Op(op(OpKind::Read, true, Some(None))).write_line(&mut line);
        let text = String::from_utf8(line).expect("utf8");
        assert!(text.contains("\"value\":null"), "{text}");
        assert!(
            text.starts_with("{\"ev\":\"op\",\"t_us\":1234567,"),
            "{text}"
        );
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = |s: &str| Event::parse(s.as_bytes()).expect_err("rejected");
        assert!(err(r#"{"ev":"op","t_us":-1}"#).contains("negative"));
        assert!(err(r#"{"ev":"op","t_us":1,"node":"a"}"#).contains("`op`"));
        assert!(err(r#"{"ev":"start","t_us":0,"schema":2}"#).contains("schema version 2"));
        assert!(err(r#"{"ev":"bogus","t_us":0}"#).contains("unknown event kind"));
        assert!(err(r#"{"ev":"op","t_us":"x"}"#).contains("invalid type"));
        let failed_without_err = r#"{"ev":"op","t_us":1,"node":"a","conn":0,"key":"k","op":"read","ok":false,"lat_us":1}"#;
        assert!(err(failed_without_err).contains("`err`"));
    }
}
