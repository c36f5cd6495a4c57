//! What the two protocols' failures have in common, so that `mysql.rs` and
//! `postgres/classify.rs` file them alike: an I/O error's kind (a socket
//! timeout, a failed connect, a broken connection), its message, and what a
//! server's code means to perseus (a read-only refusal; for the check before
//! the run, bad credentials or a missing schema). The codes of both
//! protocols live side by side here: `ErrCode` tells them apart.

use crate::event::{ErrCode, ErrorKind};
use std::io;

/// The kind of a failure that is an I/O error: a timeout whatever the step
/// (the socket's own timeouts surface as EAGAIN, `WouldBlock`), else
/// `connect` while connecting and `io` on an open connection.
pub fn io_kind(e: &io::Error, connecting: bool) -> ErrorKind {
    if matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) {
        ErrorKind::Timeout
    } else if connecting {
        ErrorKind::Connect
    } else {
        ErrorKind::Io
    }
}

/// A socket timeout surfaces as EAGAIN ("Resource temporarily unavailable"):
/// say what it means.
pub fn describe_io(kind: ErrorKind, e: &io::Error) -> String {
    if kind == ErrorKind::Timeout {
        format!("timed out waiting for the server ({e})")
    } else {
        e.to_string()
    }
}

/// The I/O error at the root of an error, if there is one.
pub fn find_io<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = e.source();
    }
    None
}

/// The server refused a write because it takes none: MySQL's
/// ER_OPTION_PREVENTS_STATEMENT (1290, "--read-only option") and
/// ER_READ_ONLY_MODE (1836, a replica in read-only mode); PostgreSQL's
/// read_only_sql_transaction (25006: a hot standby, or
/// `default_transaction_read_only`).
pub fn is_read_only(code: ErrCode) -> bool {
    matches!(code, ErrCode::Number(1290 | 1836)) || code == ErrCode::Sqlstate(*b"25006")
}

/// The kind of an error the server answered with: `read_only` for a
/// read-only refusal, else `server`.
pub fn server_kind(code: ErrCode) -> ErrorKind {
    if is_read_only(code) {
        ErrorKind::ReadOnly
    } else {
        ErrorKind::Server
    }
}

/// What a server's refusal to open a connection means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong user or password, or no right to the database or table.
    Denied,
    /// The database or table does not exist.
    Missing,
    /// TLS could not be set up as the cluster file asks (the server has
    /// none, its certificate is not trusted).
    Tls,
    /// Anything else: the server is there but not ready (out of quorum,
    /// starting up).
    NotReady,
}

/// Why a connection could not be opened, for the check before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// The server (or the TLS handshake) refused: what it means, the
    /// server's code, its message.
    Refused {
        why: Refusal,
        code: Option<ErrCode>,
        msg: String,
    },
    /// No answer, or a broken one: why.
    Unreachable(String),
}

/// MySQL: access denied (1045), to the database (1044), to the table
/// (1142), by the auth plugin (1698); unknown database (1049) or table
/// (1146). PostgreSQL: password authentication failed (28P01), no
/// pg_hba.conf entry or role not allowed (28000), no right to connect
/// (42501); database (3D000) or table (42P01) does not exist.
pub fn refusal(code: ErrCode) -> Refusal {
    match code {
        ErrCode::Number(1045 | 1044 | 1142 | 1698) => Refusal::Denied,
        ErrCode::Number(1049 | 1146) => Refusal::Missing,
        ErrCode::Sqlstate(s) => match &s {
            b"28P01" | b"28000" | b"42501" => Refusal::Denied,
            b"3D000" | b"42P01" => Refusal::Missing,
            _ => Refusal::NotReady,
        },
        ErrCode::Number(_) => Refusal::NotReady,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlstate(s: &str) -> ErrCode {
        ErrCode::sqlstate(s).expect("a SQLSTATE")
    }

    #[test]
    fn read_only_codes_of_both_protocols() {
        assert!(is_read_only(ErrCode::Number(1290)));
        assert!(is_read_only(ErrCode::Number(1836)));
        assert!(is_read_only(sqlstate("25006")));
        assert!(!is_read_only(ErrCode::Number(1047)));
        assert!(!is_read_only(sqlstate("25P02")));
    }

    #[test]
    fn refusals_of_both_protocols() {
        assert_eq!(refusal(ErrCode::Number(1045)), Refusal::Denied);
        assert_eq!(refusal(ErrCode::Number(1146)), Refusal::Missing);
        assert_eq!(refusal(ErrCode::Number(1047)), Refusal::NotReady);
        assert_eq!(refusal(sqlstate("28P01")), Refusal::Denied);
        assert_eq!(refusal(sqlstate("28000")), Refusal::Denied);
        assert_eq!(refusal(sqlstate("3D000")), Refusal::Missing);
        assert_eq!(refusal(sqlstate("42P01")), Refusal::Missing);
        assert_eq!(refusal(sqlstate("57P03")), Refusal::NotReady);
    }

    #[test]
    fn io_errors_by_step() {
        let e = |k| io::Error::new(k, "x");
        assert_eq!(
            io_kind(&e(io::ErrorKind::WouldBlock), false),
            ErrorKind::Timeout
        );
        assert_eq!(
            io_kind(&e(io::ErrorKind::TimedOut), true),
            ErrorKind::Timeout
        );
        assert_eq!(
            io_kind(&e(io::ErrorKind::ConnectionRefused), true),
            ErrorKind::Connect
        );
        assert_eq!(
            io_kind(&e(io::ErrorKind::ConnectionReset), false),
            ErrorKind::Io
        );
        let reset = e(io::ErrorKind::ConnectionReset);
        assert_eq!(
            find_io(&reset).map(io::Error::kind),
            Some(io::ErrorKind::ConnectionReset)
        );
        assert!(find_io(&std::fmt::Error).is_none());
    }
}
