//! The `server` event: what a lab server did (started, exited, restarted,
//! ready, a state transfer, a change of leader), as the lab's supervisor
//! and its log watch saw it, and how each is worded wherever it is shown
//! (perseus's live notes, the report).

use serde::Serialize;
use std::borrow::Cow;

/// What a lab server did, as the lab saw it (bin/lib/lab-*.sh and its
/// supervisor): appended to the run's log while the run goes on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server<'a> {
    /// When the lab observed it, on the run's clock (see `seen`).
    pub t_us: u64,
    pub node: Cow<'a, str>,
    /// The program: mariadbd, etcd, patroni, postgres, haproxy, ...
    pub server: Cow<'a, str>,
    /// What happened: one of [`server_what`], or a later word.
    pub what: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// `exited`: its exit status, when it exited on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// `exited`: the signal that ended it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// A state transfer's kind: `ist`, `sst`, `basebackup`, `rewind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Cow<'a, str>>,
    /// Which side of a transfer the node was on: `joiner` or `donor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Cow<'a, str>>,
    /// `timeline`: the timeline the node is on now (PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<u64>,
    /// The server's own log line that told (`seen` = `log`), cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<Cow<'a, str>>,
    /// How the moment was observed: one of [`server_seen`].
    pub seen: Cow<'a, str>,
    /// How `t_us` was taken, as for hand-made faults ([`fault_clock`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Cow<'a, str>>,
}

/// The words of a server event's `what` this version knows.
pub mod server_what {
    /// Started by the lab (`up`, `start`).
    pub const STARTED: &str = "started";
    /// Its process ended (`exit` or `signal` says how).
    pub const EXITED: &str = "exited";
    /// Started again by its supervisor, as its Debian unit would.
    pub const RESTARTED: &str = "restarted";
    /// It serves: for Galera synced with the group, for PostgreSQL a
    /// leader or a streaming replica.
    pub const READY: &str = "ready";
    pub const TRANSFER_STARTED: &str = "transfer_started";
    pub const TRANSFER_FINISHED: &str = "transfer_finished";
    pub const TRANSFER_FAILED: &str = "transfer_failed";
    /// It became the leader.
    pub const PROMOTED: &str = "promoted";
    /// It stopped being the leader.
    pub const DEMOTED: &str = "demoted";
    /// It moved to another timeline (`timeline` says which).
    pub const TIMELINE: &str = "timeline";
}

/// How a server event's moment was observed.
pub mod server_seen {
    /// The supervisor's wait for its child returned: exact.
    pub const WAIT: &str = "wait";
    /// The supervisor (or the lab) started the process: exact.
    pub const SPAWN: &str = "spawn";
    /// A line of the server's output, stamped when it arrived (the server's
    /// own time in it may have whole seconds only).
    pub const LOG: &str = "log";
    /// A check the lab repeats: within one poll interval after the fact.
    pub const POLL: &str = "poll";
}

impl<'a> Server<'a> {
    /// An event with nothing but its who, what and how seen (the writer
    /// stamps `t_us` and `clock`, and fills what the kind carries).
    pub fn new(node: &str, server: &str, what: &str, seen: &str) -> Server<'a> {
        Server {
            t_us: 0,
            node: node.to_string().into(),
            server: server.to_string().into(),
            what: what.to_string().into(),
            pid: None,
            exit: None,
            signal: None,
            transfer: None,
            side: None,
            timeline: None,
            line: None,
            seen: seen.to_string().into(),
            clock: None,
            note: None,
        }
    }

    /// What happened, in a few words: `exited (signal 6: SIGABRT)`,
    /// `transfer_started (sst, joiner)`, `timeline 3`.
    pub fn describe(&self) -> String {
        let mut words = self.what.to_string();
        let mut detail = Vec::new();
        if let Some(signal) = self.signal {
            detail.push(format!("signal {signal}{}", signal_name(signal)));
        }
        if let Some(exit) = self.exit {
            detail.push(format!("exit status {exit}"));
        }
        detail.extend(self.transfer.as_deref().map(str::to_string));
        detail.extend(self.side.as_deref().map(str::to_string));
        if let Some(timeline) = self.timeline {
            words.push_str(&format!(" {timeline}"));
        }
        if !detail.is_empty() {
            words.push_str(&format!(" ({})", detail.join(", ")));
        }
        words
    }
}

/// `: SIGABRT` for the signals a server dies of in practice; nothing else.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => ": SIGHUP",
        2 => ": SIGINT",
        6 => ": SIGABRT",
        9 => ": SIGKILL",
        11 => ": SIGSEGV",
        13 => ": SIGPIPE",
        15 => ": SIGTERM",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(what: &str) -> Server<'static> {
        Server::new("n1", "mariadbd", what, server_seen::WAIT)
    }

    #[test]
    fn each_event_is_worded_with_what_it_carries() {
        let mut e = event(server_what::EXITED);
        e.signal = Some(6);
        assert_eq!(e.describe(), "exited (signal 6: SIGABRT)");
        e.signal = None;
        e.exit = Some(1);
        assert_eq!(e.describe(), "exited (exit status 1)");
        let mut t = event(server_what::TRANSFER_STARTED);
        (t.transfer, t.side) = (Some("sst".into()), Some("joiner".into()));
        assert_eq!(t.describe(), "transfer_started (sst, joiner)");
        let mut tl = event(server_what::TIMELINE);
        tl.timeline = Some(3);
        assert_eq!(tl.describe(), "timeline 3");
        assert_eq!(event("later-word").describe(), "later-word");
    }
}
