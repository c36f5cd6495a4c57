//! What the lab's servers did during a run (`server` events, appended by
//! their supervisors): each event kept in time order, the spans in which a
//! server was down (from its exit to the moment it was started again, or
//! the run's end), and each node's story in steps — a state transfer paired
//! from its start to its end — which every format words the same way.
//! Memory is bounded: past `MAX_SERVER_EVENTS` events are counted only.

use crate::event::{server_what, Server};
use crate::report::limits::MAX_SERVER_EVENTS;
use serde::Serialize;

/// A server event as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerEvent {
    pub t_us: u64,
    pub node: String,
    pub server: String,
    pub what: String,
    /// `exited (signal 6: SIGABRT)`, `transfer_started (sst, joiner)`.
    pub describe: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    pub seen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
}

impl ServerEvent {
    fn of(e: &Server<'_>) -> ServerEvent {
        ServerEvent {
            t_us: e.t_us,
            node: e.node.to_string(),
            server: e.server.to_string(),
            what: e.what.to_string(),
            describe: e.describe(),
            transfer: e.transfer.as_deref().map(String::from),
            side: e.side.as_deref().map(String::from),
            seen: e.seen.to_string(),
            line: e.line.as_deref().map(String::from),
        }
    }

    fn is(&self, what: &str) -> bool {
        self.what == what
    }
}

/// A server down: from its exit until it was started again (None: not by
/// the run's end).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerDown {
    pub node: String,
    pub server: String,
    pub from_us: u64,
    pub until_us: Option<u64>,
    /// How it ended: `signal 6: SIGABRT`, `exit status 1`.
    pub how: String,
}

/// One step of a server's story during the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A single event at its time: its description.
    At(u64, String),
    /// A state transfer: kind, side, start, end (None: not finished by the
    /// run's end), and whether it failed.
    Transfer {
        kind: String,
        side: Option<String>,
        from_us: u64,
        until_us: Option<u64>,
        failed: bool,
    },
}

/// The run's server events, finished.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerReport {
    pub events: Vec<ServerEvent>,
    pub down: Vec<ServerDown>,
    /// Events past the report's limit: counted, not kept.
    pub dropped: u64,
}

impl ServerReport {
    /// No server event at all (every log of a run outside the lab).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.dropped == 0
    }

    /// The down spans of `node`'s servers that overlap [from, to).
    pub fn down_during<'a>(
        &'a self,
        node: &'a str,
        from_us: u64,
        to_us: u64,
    ) -> impl Iterator<Item = &'a ServerDown> + 'a {
        self.down.iter().filter(move |d| {
            d.node == node && d.from_us < to_us && d.until_us.is_none_or(|u| u > from_us)
        })
    }

    /// Each (node, server) with its steps, in the order each first did
    /// something.
    pub fn stories(&self) -> Vec<((&str, &str), Vec<Step>)> {
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for e in &self.events {
            let key = (e.node.as_str(), e.server.as_str());
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.into_iter()
            .map(|key| {
                let events: Vec<&ServerEvent> = self
                    .events
                    .iter()
                    .filter(|e| (e.node.as_str(), e.server.as_str()) == key)
                    .collect();
                (key, steps(&events))
            })
            .collect()
    }
}

/// Collects a run's server events as they come.
#[derive(Default)]
pub struct ServerLog {
    events: Vec<ServerEvent>,
    dropped: u64,
}

impl ServerLog {
    pub fn add(&mut self, e: &Server<'_>) {
        if self.events.len() < MAX_SERVER_EVENTS {
            self.events.push(ServerEvent::of(e));
        } else {
            self.dropped += 1;
        }
    }

    /// In time order (supervisors of different nodes append in the order
    /// they saw things, a few milliseconds apart), with the down spans.
    pub fn finish(mut self) -> ServerReport {
        // At one moment (two lines read at once), a transfer's start comes
        // before whatever ends it: the server's threads may write them in
        // either order.
        self.events
            .sort_by_key(|e| (e.t_us, !e.is(server_what::TRANSFER_STARTED)));
        let down = down_spans(&self.events);
        ServerReport {
            events: self.events,
            down,
            dropped: self.dropped,
        }
    }
}

/// From each exit to the next start of the same server.
fn down_spans(events: &[ServerEvent]) -> Vec<ServerDown> {
    let mut spans: Vec<ServerDown> = Vec::new();
    for e in events {
        let open = spans
            .iter_mut()
            .rev()
            .find(|d| d.node == e.node && d.server == e.server && d.until_us.is_none());
        if e.is(server_what::EXITED) {
            if open.is_none() {
                spans.push(ServerDown {
                    node: e.node.clone(),
                    server: e.server.clone(),
                    from_us: e.t_us,
                    until_us: None,
                    how: exit_how(&e.describe),
                });
            }
        } else if e.is(server_what::RESTARTED) || e.is(server_what::STARTED) {
            if let Some(d) = open {
                d.until_us = Some(e.t_us);
            }
        }
    }
    spans
}

/// `signal 6: SIGABRT` out of `exited (signal 6: SIGABRT)`.
fn exit_how(describe: &str) -> String {
    describe
        .split_once(" (")
        .map_or(String::new(), |(_, rest)| {
            rest.trim_end_matches(')').to_string()
        })
}

/// The kind of a transfer whose start did not say it: a Galera joiner runs
/// its state-transfer script before the donor has decided between IST and
/// SST, and learns which from a later line.
pub const UNDECIDED: &str = "state transfer";

/// One server's events as steps: a transfer's start paired with the next
/// end of the same kind and side; an undecided transfer takes the kind of
/// the first start or end of its side that names one.
fn steps(events: &[&ServerEvent]) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for e in events {
        let ends = e.is(server_what::TRANSFER_FINISHED) || e.is(server_what::TRANSFER_FAILED);
        if e.is(server_what::TRANSFER_STARTED) {
            if decide_open(&mut out, e) {
                continue;
            }
            out.push(Step::Transfer {
                kind: e.transfer.clone().unwrap_or_else(|| UNDECIDED.into()),
                side: e.side.clone(),
                from_us: e.t_us,
                until_us: None,
                failed: false,
            });
        } else if ends && close_transfer(&mut out, e) {
            continue;
        } else {
            out.push(Step::At(e.t_us, e.describe.clone()));
        }
    }
    out
}

/// The open transfer of `side`, if any, that the event's kind may end or
/// decide: one of that kind, an undecided one, or (an event naming no
/// kind) any.
fn open_transfer<'s>(steps: &'s mut [Step], e: &ServerEvent) -> Option<&'s mut Step> {
    steps.iter_mut().rev().find(|s| match s {
        Step::Transfer {
            kind,
            side,
            until_us: None,
            ..
        } => {
            *side == e.side && (kind == UNDECIDED || e.transfer.as_ref().is_none_or(|k| k == kind))
        }
        _ => false,
    })
}

/// A start naming its kind while an undecided transfer of the same side is
/// open is that transfer going on (the donor decided): it takes the kind and
/// keeps its start. False when there is no such transfer.
fn decide_open(steps: &mut [Step], e: &ServerEvent) -> bool {
    let Some(named) = e.transfer.as_ref() else {
        return false;
    };
    match open_transfer(steps, e) {
        Some(Step::Transfer { kind, .. }) if kind == UNDECIDED => {
            *kind = named.clone();
            true
        }
        _ => false,
    }
}

/// Ends the open transfer this event ends (the same kind, an undecided one,
/// which takes the event's kind, or any when the event names none; the same
/// side); false when none is open.
fn close_transfer(steps: &mut [Step], e: &ServerEvent) -> bool {
    match open_transfer(steps, e) {
        Some(Step::Transfer {
            kind,
            until_us,
            failed,
            ..
        }) => {
            if let Some(named) = &e.transfer {
                kind.clone_from(named);
            }
            *until_us = Some(e.t_us);
            *failed = e.is(server_what::TRANSFER_FAILED);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::server_seen;

    fn event(
        t_us: u64,
        node: &str,
        what: &str,
        fill: impl FnOnce(&mut Server<'static>),
    ) -> Server<'static> {
        let mut e = Server::new(node, "mariadbd", what, server_seen::LOG);
        e.t_us = t_us;
        fill(&mut e);
        e
    }

    fn transfer(t_us: u64, what: &str, kind: Option<&str>) -> Server<'static> {
        event(t_us, "n1", what, |e| {
            e.transfer = kind.map(|k| k.to_string().into());
            e.side = Some("joiner".into());
        })
    }

    /// The story the issue asked to read without a server log: aborted,
    /// restarted after the unit's delay, a full transfer, synced.
    fn abort_and_rejoin() -> ServerReport {
        let mut log = ServerLog::default();
        log.add(&transfer(
            26_976_000,
            server_what::TRANSFER_STARTED,
            Some("ist"),
        ));
        log.add(&transfer(26_977_000, server_what::TRANSFER_FAILED, None));
        log.add(&event(27_130_000, "n1", server_what::EXITED, |e| {
            e.signal = Some(6)
        }));
        log.add(&event(36_700_000, "n2", server_what::READY, |_| {}));
        log.add(&transfer(
            34_096_000,
            server_what::TRANSFER_STARTED,
            Some("sst"),
        ));
        log.add(&event(32_159_000, "n1", server_what::RESTARTED, |_| {}));
        log.add(&transfer(
            38_376_000,
            server_what::TRANSFER_FINISHED,
            Some("sst"),
        ));
        log.add(&event(38_571_000, "n1", server_what::READY, |_| {}));
        log.finish()
    }

    #[test]
    fn a_server_is_down_from_its_exit_to_its_restart() {
        let r = abort_and_rejoin();
        assert_eq!(
            r.down,
            vec![ServerDown {
                node: "n1".into(),
                server: "mariadbd".into(),
                from_us: 27_130_000,
                until_us: Some(32_159_000),
                how: "signal 6: SIGABRT".into(),
            }]
        );
        assert_eq!(r.down_during("n1", 20_000_000, 27_131_000).count(), 1);
        assert_eq!(r.down_during("n1", 32_159_000, 40_000_000).count(), 0);
        assert_eq!(r.down_during("n2", 0, 40_000_000).count(), 0);
    }

    #[test]
    fn transfers_pair_start_and_end_and_events_sort_by_time() {
        let r = abort_and_rejoin();
        let stories = r.stories();
        assert_eq!(stories.len(), 2);
        let ((node, server), steps) = &stories[0];
        assert_eq!((*node, *server), ("n1", "mariadbd"));
        let transfer = |kind: &str, from_us, until_us, failed| Step::Transfer {
            kind: kind.into(),
            side: Some("joiner".into()),
            from_us,
            until_us,
            failed,
        };
        assert_eq!(
            steps,
            &vec![
                transfer("ist", 26_976_000, Some(26_977_000), true),
                Step::At(27_130_000, "exited (signal 6: SIGABRT)".into()),
                Step::At(32_159_000, "restarted".into()),
                transfer("sst", 34_096_000, Some(38_376_000), false),
                Step::At(38_571_000, "ready".into()),
            ]
        );
    }

    /// A joiner's state-transfer script starts before the donor decides:
    /// the transfer is undecided until a line names IST or SST. An IST
    /// (the script bypassed, as after a kill with the write sets still in
    /// the donor's cache) is one IST from the request; an SST ends as SST,
    /// and the IST after it is a step of its own.
    #[test]
    fn an_undecided_transfer_takes_the_kind_the_donor_chose() {
        let story = |events: &[(u64, &str, Option<&str>)]| {
            let mut log = ServerLog::default();
            for &(t_us, what, kind) in events {
                log.add(&transfer(t_us, what, kind));
            }
            let r = log.finish();
            let stories = r.stories();
            stories[0].1.clone()
        };
        let step = |kind: &str, from_us, until_us| Step::Transfer {
            kind: kind.into(),
            side: Some("joiner".into()),
            from_us,
            until_us: Some(until_us),
            failed: false,
        };
        let (start, end) = (
            server_what::TRANSFER_STARTED,
            server_what::TRANSFER_FINISHED,
        );
        assert_eq!(
            story(&[
                (1, start, None),
                (5, start, Some("ist")),
                (7, end, Some("ist"))
            ]),
            vec![step("ist", 1, 7)]
        );
        assert_eq!(
            story(&[
                (1, start, None),
                (4, end, Some("sst")),
                (5, start, Some("ist")),
                (7, end, Some("ist"))
            ]),
            vec![step("sst", 1, 4), step("ist", 5, 7)]
        );
        let failed = story(&[(1, start, None), (2, server_what::TRANSFER_FAILED, None)]);
        assert!(
            matches!(&failed[..], [Step::Transfer { kind, failed: true, .. }] if kind == UNDECIDED),
            "{failed:?}"
        );
    }

    #[test]
    fn an_exit_never_followed_by_a_start_stays_open() {
        let mut log = ServerLog::default();
        log.add(&event(5, "n1", server_what::EXITED, |e| e.exit = Some(1)));
        log.add(&event(6, "n1", server_what::EXITED, |e| e.exit = Some(1)));
        let r = log.finish();
        assert_eq!(r.down.len(), 1, "one span until something starts it");
        assert_eq!(
            (r.down[0].until_us, r.down[0].how.as_str()),
            (None, "exit status 1")
        );
    }
}
