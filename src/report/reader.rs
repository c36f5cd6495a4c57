//! The streaming reader: lines → checked events → a [`Consumer`], one run at
//! a time. Every line goes through [`Event::parse`]; the reader adds what a
//! single line cannot know: the first line must start a run, ops and faults
//! must name a node of their run, and the consumer may reject a line (an
//! event too far out of time order). Errors name the file and the line.

use super::chunks::{find_newline, Chunks};
use super::view::{self, Counted};
use crate::event::{Event, Start};
use std::fmt;
use std::io::Read;

/// What the report does with the events of the runs in a log.
pub trait Consumer {
    /// A start event: a run begins (the previous one has ended).
    fn start(&mut self, start: &Start, source: &str);
    /// Any other event; `node` is the index, in the start event's list, of
    /// the node an op or fault names. An error rejects the line.
    fn event(&mut self, event: &Event<'_>, node: Option<usize>, line: u64) -> Result<(), String>;
    /// An op read by the `--table` fast path; `node` as for `event`.
    fn counted(&mut self, op: &Counted<'_>, node: usize) -> Result<(), String>;
    /// The run's last event has been read.
    fn end(&mut self);
}

/// A line read in full, or only for the table's counts.
enum Item<'c> {
    Event(Box<Event<'c>>),
    Counted(Counted<'c>),
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
    /// The last line was torn (no newline, does not parse) and was ignored.
    pub torn: bool,
}

/// At most this many skipped lines are described one by one.
const WARNINGS_SHOWN: u64 = 10;

/// One line, parsed (or not) on any thread; checked and consumed in order.
struct Parsed<'c> {
    /// Line number within its chunk, from 1.
    number: u64,
    /// False only for a last line that has no newline after it.
    complete: bool,
    item: Result<Item<'c>, String>,
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
        let item = match table_only.then(|| view::counted(line)).flatten() {
            Some(counted) => Ok(Item::Counted(counted)),
            None => parse(line).map(|e| Item::Event(Box::new(e))),
        };
        out.push(Parsed {
            number,
            complete,
            item,
        });
    }
    (out, number)
}

fn parse(line: &[u8]) -> Result<Event<'_>, String> {
    if !line.is_ascii() {
        if let Err(e) = std::str::from_utf8(line) {
            return Err(format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1));
        }
    }
    Event::parse(line)
}

/// The in-order part of reading: runs, nodes, errors and warnings.
struct Session<'a> {
    file: &'a str,
    skip_bad: bool,
    consumer: &'a mut dyn Consumer,
    warn: &'a mut dyn FnMut(String),
    names: Option<Vec<String>>,
    stats: ReadStats,
}

impl Session<'_> {
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
            let Err(msg) = self.line(p.item, number) else {
                continue;
            };
            let file = self.file;
            if !p.complete {
                (self.warn)(format!(
                    "{file}:{number}: warning: torn last line ignored (the writer was stopped mid-line): {msg}"
                ));
                self.stats.torn = true;
                return Ok(());
            }
            if self.names.is_none() {
                return Err(self.fatal(Some(number), first_line_message(msg)));
            }
            if !self.skip_bad {
                return Err(self.fatal(Some(number), msg));
            }
            self.stats.skipped += 1;
            if self.stats.skipped <= WARNINGS_SHOWN {
                (self.warn)(format!("{file}:{number}: warning: line skipped: {msg}"));
            }
        }
        Ok(())
    }

    fn line(&mut self, item: Result<Item<'_>, String>, number: u64) -> Result<(), String> {
        let event = match item? {
            Item::Event(event) => *event,
            Item::Counted(op) => {
                let Some(names) = &self.names else {
                    return Err(
                        "the first line must be a schema-1 start event, not an op event".into(),
                    );
                };
                let node = node_index(&op.node, names, "op")?;
                return self.consumer.counted(&op, node);
            }
        };
        match event {
            Event::Start(start) => {
                check_start(&start)?;
                if self.names.is_some() {
                    self.consumer.end();
                }
                self.names = Some(start.nodes.iter().map(|n| n.name.clone()).collect());
                self.consumer.start(&start, self.file);
                Ok(())
            }
            event => match &self.names {
                None => Err(format!(
                    "the first line must be a schema-1 start event, not a {} event",
                    kind(&event)
                )),
                Some(names) => {
                    let node = node_of(&event, names)?;
                    self.consumer.event(&event, node, number)
                }
            },
        }
    }
}

/// Reads one log. Warnings (torn last line, skipped lines) go to `warn`.
/// Chunks are parsed two at a time, one on a helper thread, and consumed in
/// order. `table_only`: op lines take the fast path of [`view`].
pub fn read(
    file: &str,
    input: impl Read,
    skip_bad: bool,
    table_only: bool,
    consumer: &mut dyn Consumer,
    warn: &mut dyn FnMut(String),
) -> Result<ReadStats, Fatal> {
    let mut chunks = Chunks::new(input);
    let mut s = Session {
        file,
        skip_bad,
        consumer,
        warn,
        names: None,
        stats: ReadStats::default(),
    };
    let mut base = 0;
    loop {
        let mut next = || {
            chunks
                .next_chunk()
                .map_err(|e| s_fatal(file, base, format!("cannot read: {e}")))
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
                if !s.stats.torn {
                    s.chunk(lines, base)?;
                }
                base += count;
            }
            Ok(())
        })?;
        if s.stats.torn {
            break;
        }
    }
    if s.names.is_none() {
        return Err(s.fatal(None, "no start event: not a perseus event log".into()));
    }
    s.consumer.end();
    if s.stats.skipped > WARNINGS_SHOWN {
        (s.warn)(format!(
            "{file}: warning: {} malformed lines skipped in all",
            s.stats.skipped
        ));
    }
    Ok(s.stats)
}

fn s_fatal(file: &str, base: u64, msg: String) -> Fatal {
    Fatal {
        file: file.to_string(),
        line: Some(base + 1),
        msg,
    }
}

fn first_line_message(msg: String) -> String {
    if msg.contains("schema") {
        msg
    } else {
        format!("the first line must be a schema-1 start event: {msg}")
    }
}
fn check_start(start: &Start) -> Result<(), String> {
    if start.nodes.is_empty() {
        return Err("start event lists no nodes".into());
    }
    for (i, node) in start.nodes.iter().enumerate() {
        if start.nodes[..i].iter().any(|n| n.name == node.name) {
            return Err(format!("start event lists node \"{}\" twice", node.name));
        }
    }
    Ok(())
}

fn kind(event: &Event<'_>) -> &'static str {
    match event {
        Event::Start(_) => "start",
        Event::Op(_) => "op",
        Event::Fault(_) => "fault",
        Event::Stop(_) => "stop",
    }
}

fn node_of(event: &Event<'_>, names: &[String]) -> Result<Option<usize>, String> {
    let name = match event {
        Event::Op(op) => op.node.as_ref(),
        Event::Fault(fault) => fault.node.as_ref(),
        _ => return Ok(None),
    };
    node_index(name, names, kind(event)).map(Some)
}

fn node_index(name: &str, names: &[String], kind: &str) -> Result<usize, String> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        format!(
            "{kind} event names node \"{name}\", which the start event does not list ({})",
            names.join(", ")
        )
    })
}
