//! The streaming reader: lines → checked events → a [`Consumer`], one run at
//! a time. Every line goes through [`Event::parse`]; the reader adds what a
//! single line cannot know: the first line must start a run, ops and faults
//! must name a node of their run, and the consumer may reject a line (an
//! event too far out of time order). Errors name the file and the line.

use super::lines::{Line, Lines};
use crate::event::{Event, Start};
use std::fmt;
use std::io::BufRead;

/// What the report does with the events of the runs in a log.
pub trait Consumer {
    /// A start event: a run begins (the previous one has ended).
    fn start(&mut self, start: &Start, source: &str);
    /// Any other event; `node` is the index, in the start event's list, of
    /// the node an op or fault names. An error rejects the line.
    fn event(&mut self, event: &Event<'_>, node: Option<usize>, line: u64) -> Result<(), String>;
    /// The run's last event has been read.
    fn end(&mut self);
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

/// Reads one log. Warnings (torn last line, skipped lines) go to `warn`.
pub fn read(
    file: &str,
    input: impl BufRead,
    skip_bad: bool,
    consumer: &mut dyn Consumer,
    warn: &mut dyn FnMut(String),
) -> Result<ReadStats, Fatal> {
    let mut lines = Lines::new(input);
    let mut stats = ReadStats::default();
    let mut names: Option<Vec<String>> = None;
    let fatal = |line: Option<u64>, msg: String| Fatal {
        file: file.to_string(),
        line,
        msg,
    };
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => return Err(fatal(Some(stats.lines + 1), format!("cannot read: {e}"))),
        };
        stats.lines = line.number;
        if line.bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = line.number;
        let outcome = match parse(&line) {
            Ok(Event::Start(start)) => {
                if let Err(msg) = check_start(&start) {
                    Err(msg)
                } else {
                    if names.is_some() {
                        consumer.end();
                    }
                    names = Some(start.nodes.iter().map(|n| n.name.clone()).collect());
                    consumer.start(&start, file);
                    Ok(())
                }
            }
            Ok(event) => match &names {
                None => Err(format!(
                    "the first line must be a schema-1 start event, not a {} event",
                    kind(&event)
                )),
                Some(names) => {
                    node_of(&event, names).and_then(|node| consumer.event(&event, node, number))
                }
            },
            Err(msg) => Err(msg),
        };
        let Err(msg) = outcome else { continue };
        if !line.complete {
            warn(format!(
                "{file}:{number}: warning: torn last line ignored (the writer was stopped mid-line): {msg}"
            ));
            stats.torn = true;
            break;
        }
        if names.is_none() {
            return Err(fatal(Some(number), first_line_message(msg)));
        }
        if !skip_bad {
            return Err(fatal(Some(number), msg));
        }
        stats.skipped += 1;
        if stats.skipped <= WARNINGS_SHOWN {
            warn(format!("{file}:{number}: warning: line skipped: {msg}"));
        }
    }
    if names.is_none() {
        return Err(fatal(
            None,
            "no start event: not a perseus event log".into(),
        ));
    }
    consumer.end();
    if stats.skipped > WARNINGS_SHOWN {
        warn(format!(
            "{file}: warning: {} malformed lines skipped in all",
            stats.skipped
        ));
    }
    Ok(stats)
}

fn parse<'a>(line: &Line<'a>) -> Result<Event<'a>, String> {
    if let Err(e) = std::str::from_utf8(line.bytes) {
        return Err(format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1));
    }
    Event::parse(line.bytes)
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
    match names.iter().position(|n| n == name) {
        Some(i) => Ok(Some(i)),
        None => Err(format!(
            "{} event names node \"{name}\", which the start event does not list ({})",
            kind(event),
            names.join(", ")
        )),
    }
}
