//! The streaming reader: lines → checked events → a [`Consumer`], one run at
//! a time. Every line goes through [`Event::parse`] (or the `--table` fast
//! path, `table_scan.rs`); the reader adds what a single line cannot know:
//! the first line must start a run, ops must name a node of their run, and
//! the consumer may refuse a line (an op too far out of time order). Errors
//! name the file and the line.
//!
//! A torn line — one a killed perseus left half-written — is a warning, not
//! an error: the last line of the input when it has no newline, or a bad line
//! followed by the start of the next run appended to the same log.

use super::chunks::{find_newline, Chunks};
use super::table_scan::{self, Counted};
use crate::event::{Event, ParseError, Start};
use crate::report::limits::{MAX_KEYS, MAX_NODES};
use std::fmt;
use std::io::Read;

/// What the report does with the events of the runs in a log.
pub trait Consumer {
    /// A start event: a run begins (the previous one has ended).
    fn start(&mut self, start: &Start, source: &str);
    /// Any other event; `node` is the index, in the start event's list, of
    /// the node an op or fault names (None for a fault on a node the run
    /// does not measure). An error refuses the line.
    fn event(&mut self, event: &Event<'_>, node: Option<usize>, line: u64) -> Result<(), Refusal>;
    /// An op read by the `--table` fast path; `node` as for `event`.
    fn counted(&mut self, op: &Counted<'_>, node: usize) -> Result<(), Refusal>;
    /// An event after the run's stop event: ignored, only counted.
    fn after_stop(&mut self);
    /// The run's last event has been read; an error when it cannot be
    /// analysed (a limit of the report was passed).
    fn end(&mut self) -> Result<(), String>;
}

/// Why the consumer refuses a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// This line cannot be used: an error, or skipped with `--skip-bad`.
    Line(String),
    /// The run cannot be analysed (a limit of the report): an error,
    /// whatever `--skip-bad` says.
    Run(String),
}

impl From<String> for Refusal {
    fn from(msg: String) -> Self {
        Refusal::Line(msg)
    }
}

impl From<&str> for Refusal {
    fn from(msg: &str) -> Self {
        Refusal::Line(msg.to_string())
    }
}

/// A line read in full, or only for the table's counts.
enum Item<'c> {
    Event(Box<Event<'c>>),
    Counted(Counted<'c>),
    /// A torn line with the next run's start written straight after it, on
    /// the same line (logs of perseus before 0.2 appended so).
    GluedStart(Box<Start>),
}

impl Item<'_> {
    fn is_start(&self) -> bool {
        matches!(self, Item::Event(e) if matches!(**e, Event::Start(_)))
            || matches!(self, Item::GluedStart(_))
    }
}

/// An error that stops the report: `FILE:LINE: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fatal {
    pub file: String,
    pub line: Option<u64>,
    pub msg: String,
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.msg),
            None => write!(f, "{}: {}", self.file, self.msg),
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReadStats {
    pub lines: u64,
    /// Malformed lines passed over with `--skip-bad`.
    pub skipped: u64,
    /// Torn lines passed over (a killed run's last line).
    pub torn: u64,
    /// Events of a kind this version does not know, passed over: a later
    /// perseus may add kinds, and a log must never become unreadable.
    pub unknown: u64,
}

/// At most this many skipped lines are described one by one.
const WARNINGS_SHOWN: u64 = 10;

/// One line, parsed (or not) on any thread; checked and consumed in order.
struct Parsed<'c> {
    /// Line number within its chunk, from 1.
    number: u64,
    /// False only for a last line that has no newline after it.
    complete: bool,
    item: Result<Item<'c>, ParseError>,
}

/// Parses every non-blank line of a chunk; returns them and the line count.
fn parse_chunk(chunk: &[u8], table_only: bool) -> (Vec<Parsed<'_>>, u64) {
    let mut out = Vec::with_capacity(chunk.len() / 100);
    let mut number = 0;
    let mut rest = chunk;
    while !rest.is_empty() {
        number += 1;
        let (line, complete) = match find_newline(rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                (line, true)
            }
            None => (std::mem::take(&mut rest), false),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let item = match table_only.then(|| table_scan::counted(line)).flatten() {
            Some(counted) => Ok(Item::Counted(counted)),
            None => parse(line)
                .map(|e| Item::Event(Box::new(e)))
                .or_else(|e| glued_start(line).ok_or(e)),
        };
        out.push(Parsed {
            number,
            complete,
            item,
        });
    }
    (out, number)
}

fn parse(line: &[u8]) -> Result<Event<'_>, ParseError> {
    if !line.is_ascii() {
        if let Err(e) = std::str::from_utf8(line) {
            return Err(ParseError::BadJson(format!(
                "invalid UTF-8 at byte {}",
                e.valid_up_to() + 1
            )));
        }
    }
    Event::parse(line)
}

/// A start event written straight after a torn line, if the line ends so.
fn glued_start(line: &[u8]) -> Option<Item<'_>> {
    const START: &[u8] = b"{\"ev\":\"start\"";
    let at = line.windows(START.len()).rposition(|w| w == START)?;
    match parse(&line[at..]) {
        Ok(Event::Start(s)) if at > 0 => Some(Item::GluedStart(Box::new(s))),
        _ => None,
    }
}

/// A line that did not parse, kept until the next line says whether it was
/// torn.
struct BadLine {
    number: u64,
    complete: bool,
    why: ParseError,
}

/// The in-order part of reading: runs, nodes, errors and warnings.
struct ReadState<'a> {
    file: &'a str,
    skip_bad: bool,
    consumer: &'a mut dyn Consumer,
    warn: &'a mut dyn FnMut(String),
    names: Option<Vec<String>>,
    /// The current run's stop event has been read: what follows, up to the
    /// next start, is ignored.
    stopped: bool,
    stats: ReadStats,
    pending: Option<BadLine>,
    /// Each unknown event kind met, with how many lines had it.
    unknown: std::collections::BTreeMap<String, u64>,
}

impl ReadState<'_> {
    fn fatal(&self, line: Option<u64>, msg: String) -> Fatal {
        Fatal {
            file: self.file.to_string(),
            line,
            msg,
        }
    }

    /// Consumes the lines of one chunk whose first line is `base + 1`.
    fn chunk(&mut self, lines: Vec<Parsed<'_>>, base: u64) -> Result<(), Fatal> {
        for p in lines {
            let number = base + p.number;
            self.stats.lines = number;
            match p.item {
                Ok(item) => {
                    if let Some(bad) = self.pending.take() {
                        if item.is_start() {
                            self.torn(bad.number, &bad.why);
                        } else {
                            self.bad_line(bad)?;
                        }
                    }
                    // The reader's own messages say what a first line must be.
                    match self.line(item, number) {
                        Ok(()) => {}
                        Err(Refusal::Line(msg)) => self.bad(number, msg, true)?,
                        Err(Refusal::Run(msg)) => return Err(self.fatal(Some(number), msg)),
                    }
                }
                Err(why) => {
                    if let Some(bad) = self.pending.take() {
                        self.bad_line(bad)?;
                    }
                    let bad = BadLine {
                        number,
                        complete: p.complete,
                        why,
                    };
                    // Only JSON cut short can be a torn line; the next line
                    // decides whether it was.
                    if matches!(bad.why, ParseError::Truncated(_)) {
                        self.pending = Some(bad);
                    } else {
                        self.bad_line(bad)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The end of the input: a bad last line without a newline was torn.
    fn end(&mut self) -> Result<(), Fatal> {
        if let Some(bad) = self.pending.take() {
            if bad.complete {
                self.bad_line(bad)?;
            } else {
                self.torn(bad.number, &bad.why);
            }
        }
        Ok(())
    }

    fn torn(&mut self, number: u64, why: &ParseError) {
        self.stats.torn += 1;
        (self.warn)(format!(
            "{}:{number}: warning: torn line ignored (its run was stopped mid-write): {why}",
            self.file
        ));
    }

    fn bad_line(&mut self, bad: BadLine) -> Result<(), Fatal> {
        if let (ParseError::UnknownKind(kind), Some(_)) = (&bad.why, &self.names) {
            self.unknown_kind(bad.number, kind.clone());
            return Ok(());
        }
        let schema = matches!(bad.why, ParseError::UnknownSchema(_));
        self.bad(bad.number, bad.why.to_string(), schema)
    }

    /// An event of a kind this version does not know, inside a run:
    /// skipped, with a warning the first time the kind is met. At most
    /// `WARNINGS_SHOWN` kinds are told apart (memory stays bounded).
    fn unknown_kind(&mut self, number: u64, kind: String) {
        self.stats.unknown += 1;
        let kind =
            if self.unknown.contains_key(&kind) || (self.unknown.len() as u64) < WARNINGS_SHOWN {
                kind
            } else {
                "(others)".to_string()
            };
        let seen = self.unknown.entry(kind.clone()).or_default();
        *seen += 1;
        if *seen == 1 {
            (self.warn)(format!(
                "{}:{number}: warning: event kind \"{}\" is unknown to this perseus-report (a later perseus wrote it?): its lines are skipped",
                self.file,
                crate::text::escape(&kind)
            ));
        }
    }

    /// A line that cannot be used: fatal, or skipped with `--skip-bad`.
    /// `says_schema`: the message already says what a first line must be.
    fn bad(&mut self, number: u64, msg: String, says_schema: bool) -> Result<(), Fatal> {
        if self.names.is_none() {
            let msg = if says_schema {
                msg
            } else {
                format!("the first line must be a schema-1 start event: {msg}")
            };
            return Err(self.fatal(Some(number), msg));
        }
        if !self.skip_bad {
            return Err(self.fatal(Some(number), msg));
        }
        self.stats.skipped += 1;
        if self.stats.skipped <= WARNINGS_SHOWN {
            (self.warn)(format!(
                "{}:{number}: warning: line skipped: {msg}",
                self.file
            ));
        }
        Ok(())
    }

    fn line(&mut self, item: Item<'_>, number: u64) -> Result<(), Refusal> {
        let event = match item {
            Item::Event(event) => *event,
            Item::GluedStart(start) => {
                self.torn(
                    number,
                    &ParseError::BadJson("a run's start written onto it".into()),
                );
                Event::Start(*start)
            }
            Item::Counted(_) if self.stopped => {
                self.consumer.after_stop();
                return Ok(());
            }
            Item::Counted(op) => {
                let names = self
                    .names
                    .as_ref()
                    .ok_or("the first line must be a schema-1 start event, not an op event")?;
                let node = node_index(&op.node, names, "op")?;
                return self.consumer.counted(&op, node);
            }
        };
        match event {
            Event::Start(start) => {
                check_start(&start)?;
                if self.names.is_some() {
                    self.consumer.end().map_err(Refusal::Run)?;
                }
                self.names = Some(start.nodes.iter().map(|n| n.name.clone()).collect());
                self.stopped = false;
                self.consumer.start(&start, self.file);
                Ok(())
            }
            _ if self.stopped => {
                self.consumer.after_stop();
                Ok(())
            }
            event => {
                let Some(names) = &self.names else {
                    return Err(Refusal::Line(format!(
                        "the first line must be a schema-1 start event, not a {} event",
                        event.kind()
                    )));
                };
                let node = match &event {
                    Event::Op(op) => Some(node_index(&op.node, names, "op")?),
                    Event::Fault(f) => names.iter().position(|n| n == f.node.as_ref()),
                    _ => None,
                };
                self.consumer.event(&event, node, number)?;
                self.stopped = matches!(event, Event::Stop(_));
                Ok(())
            }
        }
    }
}

/// Reads one log. Warnings (torn lines, skipped lines) go to `warn`.
/// Chunks are parsed two at a time, one on a helper thread, and consumed in
/// order. `table_only`: op lines take the fast path of `table_scan.rs`.
pub fn read(
    file: &str,
    input: impl Read,
    skip_bad: bool,
    table_only: bool,
    consumer: &mut dyn Consumer,
    warn: &mut dyn FnMut(String),
) -> Result<ReadStats, Fatal> {
    let mut chunks = Chunks::new(input);
    let mut s = ReadState {
        file,
        skip_bad,
        consumer,
        warn,
        names: None,
        stopped: false,
        stats: ReadStats::default(),
        pending: None,
        unknown: Default::default(),
    };
    let mut base = 0;
    loop {
        let mut next = || {
            chunks.next_chunk().map_err(|e| Fatal {
                file: file.to_string(),
                line: Some(base + 1),
                msg: format!("cannot read: {e}"),
            })
        };
        let Some(first) = next()? else { break };
        let second = next()?;
        std::thread::scope(|scope| -> Result<(), Fatal> {
            let helper = second
                .as_deref()
                .map(|c| scope.spawn(move || parse_chunk(c, table_only)));
            let (lines, count) = parse_chunk(&first, table_only);
            s.chunk(lines, base)?;
            base += count;
            if let Some(helper) = helper {
                let (lines, count) = helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                s.chunk(lines, base)?;
                base += count;
            }
            Ok(())
        })?;
    }
    s.end()?;
    if s.names.is_none() {
        return Err(s.fatal(None, "no start event: not a perseus event log".into()));
    }
    if let Err(msg) = s.consumer.end() {
        return Err(s.fatal(None, msg));
    }
    if s.stats.unknown > 0 {
        let kinds: Vec<String> = s
            .unknown
            .iter()
            .map(|(k, n)| format!("{} ×{n}", crate::text::escape(k)))
            .collect();
        (s.warn)(format!(
            "{file}: warning: {} lines of unknown event kinds skipped: {}",
            s.stats.unknown,
            kinds.join(", ")
        ));
    }
    if s.stats.skipped > WARNINGS_SHOWN {
        (s.warn)(format!(
            "{file}: warning: {} malformed lines skipped in all",
            s.stats.skipped
        ));
    }
    Ok(s.stats)
}

/// What a start event must hold for the report to read its run: nodes with
/// names fit for a table column, within the report's limits.
fn check_start(start: &Start) -> Result<(), String> {
    if start.nodes.is_empty() {
        return Err("start event lists no nodes".into());
    }
    if start.nodes.len() > MAX_NODES {
        return Err(format!(
            "start event lists {} nodes; perseus-report reads runs of up to {MAX_NODES}",
            start.nodes.len()
        ));
    }
    let keys = start.nodes.len() as u64 * u64::from(start.settings.conns);
    if start.settings.conns == 0 || keys > MAX_KEYS {
        return Err(format!(
            "start event has {} connection(s) per node on {} nodes; perseus-report reads 1 to {MAX_KEYS} connections in all",
            start.settings.conns,
            start.nodes.len()
        ));
    }
    for (i, node) in start.nodes.iter().enumerate() {
        let name = &node.name;
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "start event lists node {name:?}: a node name is a word without spaces"
            ));
        }
        if start.nodes[..i].iter().any(|n| &n.name == name) {
            return Err(format!("start event lists node \"{name}\" twice"));
        }
    }
    Ok(())
}

fn node_index(name: &str, names: &[String], kind: &str) -> Result<usize, String> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        format!(
            "{kind} event names node \"{name}\", which the start event does not list ({})",
            names.join(", ")
        )
    })
}
