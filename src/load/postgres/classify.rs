//! How a PostgreSQL failure is logged. tokio-postgres's errors cannot be
//! built outside the crate, so a failure is first described as [`Seen`]
//! (`seen`, a thin reading of the library's error), and [`classify`] — a
//! pure function, unit-tested on every case — turns that into the log's
//! kind, code and message:
//!
//! - the server's answer: its SQLSTATE as the code; kind `read_only` for
//!   25006, else `server`. While connecting every answer is a refusal
//!   (28P01 bad password, 57P03 starting up, 3D000 no such database), and
//!   is logged as `server` too.
//! - a FATAL on an open connection (57P01 administrator shutdown, 57P02
//!   crash): the server ended the session; logged as `io` with its code,
//!   because a write's outcome is then unknown — the session can end after
//!   the write's commit and before its answer (ReadyForQuery).
//! - a refused, reset or closed socket: `connect` while connecting, `io`
//!   on an open connection (a write's outcome unknown); the deadline:
//!   `timeout`; anything else the library reports: `connect` while
//!   connecting, else `driver`.

use super::drive::Failure;
use crate::event::{ErrCode, ErrorKind, OpError};
use crate::load::errors::{describe_io, find_io, io_kind, server_kind};
use std::io;
use std::time::Duration;

/// A failure as classification needs to see it.
#[derive(Debug)]
pub enum Seen<'a> {
    /// The server's error: SQLSTATE, severity (`ERROR`, `FATAL`, ...),
    /// message; `ended` when the connection ended with it.
    Db {
        code: &'a str,
        severity: &'a str,
        message: &'a str,
        ended: bool,
    },
    /// The socket failed.
    Io(&'a io::Error),
    /// The connection ended without a word from the server.
    Closed,
    /// TLS could not be set up (the server has none, the certificate is
    /// not trusted): the library's message.
    Tls(String),
    /// No answer within `limit`, set by option `which`.
    Deadline { limit: Duration, which: &'a str },
    /// Anything else the library reports (an answer it cannot parse, an
    /// authentication method it lacks): its message.
    Library(String),
}

/// Reads the library's error as [`Seen`].
pub fn seen(failure: &Failure) -> Seen<'_> {
    let (e, ended) = match failure {
        Failure::Deadline { limit, which } => {
            return Seen::Deadline {
                limit: *limit,
                which,
            }
        }
        Failure::Ended(None) => return Seen::Closed,
        Failure::Ended(Some(e)) => (e, true),
        Failure::Op(e) => (e, false),
    };
    if let Some(db) = e.as_db_error() {
        return Seen::Db {
            code: db.code().code(),
            severity: db.severity(),
            message: db.message(),
            ended,
        };
    }
    // The library's own wording is the only sign of a TLS failure (its
    // error kinds are private); its messages have kept this prefix.
    let text = with_causes(e);
    if text.starts_with("error performing TLS handshake") {
        return Seen::Tls(text);
    }
    if e.is_closed() {
        return Seen::Closed;
    }
    match std::error::Error::source(e).and_then(find_io) {
        Some(io) => Seen::Io(io),
        None => Seen::Library(text),
    }
}

/// The library's message says what failed ("error performing TLS
/// handshake"), its causes why: both.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// How a failure is logged; `connecting` for the `connect` operation.
pub fn classify(seen: &Seen, connecting: bool) -> OpError<'static> {
    let (kind, code, msg) = match seen {
        Seen::Db {
            code,
            severity,
            message,
            ended,
        } => {
            let code = ErrCode::sqlstate(code);
            let fatal = *ended || matches!(*severity, "FATAL" | "PANIC");
            let kind = match (connecting, fatal, code) {
                (false, true, _) => ErrorKind::Io,
                (_, _, Some(code)) => server_kind(code),
                (_, _, None) => ErrorKind::Server,
            };
            let msg = if kind == ErrorKind::Io {
                format!("the server ended the connection: {message}")
            } else {
                message.to_string()
            };
            (kind, code, msg)
        }
        Seen::Io(e) => {
            let kind = io_kind(e, connecting);
            (kind, None, describe_io(kind, e))
        }
        Seen::Closed => (
            if connecting {
                ErrorKind::Connect
            } else {
                ErrorKind::Io
            },
            None,
            "the connection was closed".to_string(),
        ),
        Seen::Tls(msg) => (ErrorKind::Connect, None, msg.clone()),
        Seen::Deadline { limit, which } => (
            ErrorKind::Timeout,
            None,
            format!(
                "no answer within {} ({which}); the connection is dropped",
                crate::duration::show_ms(limit.as_millis() as u64)
            ),
        ),
        Seen::Library(msg) => (
            if connecting {
                ErrorKind::Connect
            } else {
                ErrorKind::Driver
            },
            None,
            msg.clone(),
        ),
    };
    OpError {
        kind,
        code,
        msg: msg.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db<'a>(code: &'a str, severity: &'a str, ended: bool) -> Seen<'a> {
        Seen::Db {
            code,
            severity,
            message: "m",
            ended,
        }
    }

    fn logged(seen: Seen, connecting: bool) -> (ErrorKind, Option<String>) {
        let e = classify(&seen, connecting);
        (e.kind, e.code.map(|c| c.to_string()))
    }

    fn code(c: &str) -> Option<String> {
        Some(c.to_string())
    }

    #[test]
    fn the_servers_answers_keep_their_sqlstate() {
        use ErrorKind::*;
        assert_eq!(
            logged(db("25006", "ERROR", false), false),
            (ReadOnly, code("25006"))
        );
        assert_eq!(
            logged(db("40001", "ERROR", false), false),
            (Server, code("40001"))
        );
        assert_eq!(
            logged(db("23505", "ERROR", false), false),
            (Server, code("23505"))
        );
        let e = classify(&db("40001", "ERROR", false), false);
        assert_eq!(e.msg, "m");
    }

    #[test]
    fn a_refusal_while_connecting_is_the_servers_even_when_fatal() {
        use ErrorKind::*;
        for c in ["57P03", "28P01", "28000", "3D000", "53300"] {
            assert_eq!(
                logged(db(c, "FATAL", false), true),
                (Server, code(c)),
                "{c}"
            );
        }
        assert_eq!(
            logged(db("42P01", "ERROR", false), true),
            (Server, code("42P01"))
        );
    }

    #[test]
    fn a_fatal_on_an_open_connection_leaves_a_write_unknown() {
        use ErrorKind::*;
        assert_eq!(
            logged(db("57P01", "FATAL", false), false),
            (Io, code("57P01"))
        );
        assert_eq!(
            logged(db("57P02", "PANIC", false), false),
            (Io, code("57P02"))
        );
        // The connection ended with the error, whatever its severity.
        assert_eq!(
            logged(db("57P01", "FATAL", true), false),
            (Io, code("57P01"))
        );
        assert!(ErrorKind::Io.is_indeterminate());
        let e = classify(&db("57P01", "FATAL", false), false);
        assert_eq!(e.msg, "the server ended the connection: m");
    }

    #[test]
    fn a_malformed_sqlstate_is_no_code() {
        assert_eq!(
            logged(db("XX", "ERROR", false), false),
            (ErrorKind::Server, None)
        );
    }

    #[test]
    fn sockets_closed_connections_and_deadlines() {
        use ErrorKind::*;
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(logged(Seen::Io(&refused), true), (Connect, None));
        assert_eq!(logged(Seen::Io(&reset), false), (Io, None));
        assert_eq!(logged(Seen::Closed, true), (Connect, None));
        assert_eq!(logged(Seen::Closed, false), (Io, None));
        let deadline = Seen::Deadline {
            limit: Duration::from_millis(1500),
            which: "--read-timeout",
        };
        assert_eq!(logged(deadline, false).0, Timeout);
        let e = classify(
            &Seen::Deadline {
                limit: Duration::from_secs(3),
                which: "--write-timeout",
            },
            false,
        );
        assert!(e.msg.contains("3s (--write-timeout)"), "{}", e.msg);
    }

    #[test]
    fn tls_and_the_librarys_own_errors() {
        use ErrorKind::*;
        let tls = Seen::Tls("error performing TLS handshake: server does not support TLS".into());
        assert_eq!(logged(tls, true), (Connect, None));
        assert_eq!(
            logged(Seen::Library("unexpected message".into()), false),
            (Driver, None)
        );
        assert_eq!(
            logged(Seen::Library("authentication error".into()), true),
            (Connect, None)
        );
    }
}
