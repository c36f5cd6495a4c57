//! The database behind the worker for MySQL-protocol servers: connection
//! options, the three statements of an iteration, and how the client
//! library's errors are classified for the log.

use super::database::{Connection, Connector, Update};
use crate::cluster::NodeSpec;
use crate::event::{ErrCode, ErrorKind, OpError};
use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Statement};
use std::io;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
    pub write: Duration,
}

/// The SQL of one iteration, for one database and table.
#[derive(Clone)]
pub struct Sql {
    pub read: String,
    pub insert: String,
    pub update: String,
}

impl Sql {
    /// `database` and `table` must already be checked as plain identifiers.
    pub fn new(database: &str, table: &str) -> Sql {
        let t = format!("`{database}`.`{table}`");
        Sql {
            read: format!("SELECT value FROM {t} WHERE id = ?"),
            insert: format!("INSERT INTO {t} (id, value) VALUES (?, ?)"),
            update: format!("UPDATE {t} SET value = ? WHERE id = ?"),
        }
    }
}

pub fn opts(node: &NodeSpec, creds: &Credentials, timeouts: Timeouts) -> Opts {
    OptsBuilder::new()
        .ip_or_hostname(Some(node.host.clone()))
        .tcp_port(node.port)
        .user(Some(creds.user.clone()))
        .pass(creds.password.clone())
        // The crate would otherwise switch a loopback connection to the Unix
        // socket, which iptables cannot cut: measure TCP, always.
        .prefer_socket(false)
        .tcp_nodelay(true)
        // Count rows an UPDATE matched, not rows it changed: after a timed-out
        // write that commits late, the next write may set the value it already
        // holds, which is a success, not a vanished row.
        .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS)
        .tcp_connect_timeout(Some(timeouts.connect))
        .read_timeout(Some(timeouts.read))
        .write_timeout(Some(timeouts.write))
        .into()
}

/// Connects to one node with fixed options and statements.
pub struct MysqlConnector {
    pub opts: Opts,
    pub sql: Arc<Sql>,
}

/// An open connection with the iteration's statements prepared on it.
pub struct MysqlConnection {
    pub conn: Conn,
    pub read: Statement,
    pub insert: Statement,
    pub update: Statement,
    pub version: String,
}

impl MysqlConnection {
    /// Connects and prepares; this is the whole `connect` operation of the log.
    pub fn open(opts: &Opts, sql: &Sql) -> Result<MysqlConnection, mysql::Error> {
        let mut conn = Conn::new(opts.clone())?;
        let version: Option<String> = conn.query_first("SELECT VERSION()")?;
        let read = conn.prep(&sql.read)?;
        let insert = conn.prep(&sql.insert)?;
        let update = conn.prep(&sql.update)?;
        Ok(MysqlConnection {
            conn,
            read,
            insert,
            update,
            version: version.unwrap_or_default(),
        })
    }
}

impl Connector for MysqlConnector {
    type Connection = MysqlConnection;

    fn connect(&self) -> Result<MysqlConnection, OpError<'static>> {
        MysqlConnection::open(&self.opts, &self.sql).map_err(|e| op_error(&e, true))
    }
}

impl Connection for MysqlConnection {
    fn version(&self) -> &str {
        &self.version
    }

    fn read(&mut self, key: &str) -> Result<Option<i64>, OpError<'static>> {
        self.conn
            .exec_first(&self.read, (key,))
            .map_err(|e| op_error(&e, false))
    }

    fn insert(&mut self, key: &str, value: i64) -> Result<(), OpError<'static>> {
        self.conn
            .exec_drop(&self.insert, (key, value))
            .map_err(|e| op_error(&e, false))
    }

    fn update(&mut self, key: &str, value: i64) -> Result<Update, OpError<'static>> {
        self.conn
            .exec_drop(&self.update, (value, key))
            .map_err(|e| op_error(&e, false))?;
        Ok(match self.conn.affected_rows() {
            1 => Update::Written,
            _ => Update::NoRow,
        })
    }
}

/// The server refuses writes because it takes none: ER_OPTION_PREVENTS_STATEMENT
/// (1290, "--read-only option") and ER_READ_ONLY_MODE (1836, a replica in
/// read-only mode).
const READ_ONLY_CODES: [u16; 2] = [1290, 1836];

fn op_error(err: &mysql::Error, connecting: bool) -> OpError<'static> {
    let (kind, code, msg) = classify(err, connecting);
    OpError {
        kind,
        code,
        msg: msg.into(),
    }
}

/// How a failure is logged: kind, server error code, message.
pub fn classify(err: &mysql::Error, connecting: bool) -> (ErrorKind, Option<ErrCode>, String) {
    use mysql::{DriverError, Error};
    let io_kind = |e: &io::Error| {
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
    };
    let kind = match err {
        Error::MySqlError(e) => {
            let kind = if READ_ONLY_CODES.contains(&e.code) {
                ErrorKind::ReadOnly
            } else {
                ErrorKind::Server
            };
            return (kind, Some(ErrCode::Number(e.code)), e.message.clone());
        }
        Error::IoError(e) => io_kind(e),
        Error::CodecError(codec) => match find_io(codec) {
            Some(e) => io_kind(e),
            None if connecting => ErrorKind::Connect,
            None => ErrorKind::Driver,
        },
        Error::DriverError(DriverError::ConnectTimeout | DriverError::Timeout) => {
            ErrorKind::Timeout
        }
        Error::DriverError(DriverError::CouldNotConnect(_)) => ErrorKind::Connect,
        Error::UrlError(_) => ErrorKind::Connect,
        _ if connecting => ErrorKind::Connect,
        _ => ErrorKind::Driver,
    };
    let msg = match err {
        Error::DriverError(DriverError::CouldNotConnect(Some((addr, why, _)))) => {
            format!("could not connect to {addr}: {why}")
        }
        Error::IoError(e) => describe_io(kind, e),
        Error::CodecError(codec) => match find_io(codec) {
            Some(e) => describe_io(kind, e),
            None => err.to_string(),
        },
        _ => err.to_string(),
    };
    (kind, None, msg)
}

/// A socket timeout surfaces as EAGAIN ("Resource temporarily unavailable"):
/// say what it means.
fn describe_io(kind: ErrorKind, e: &io::Error) -> String {
    if kind == ErrorKind::Timeout {
        format!("timed out waiting for the server ({e})")
    } else {
        e.to_string()
    }
}

/// The I/O error at the root of a codec error, if there is one.
fn find_io<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = e.source();
    }
    None
}

/// Database and table names go into SQL text, so only plain identifiers pass.
pub fn check_identifier(what: &str, name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        Ok(())
    } else {
        Err(format!(
            "{what} '{name}' must be a plain identifier (letters, digits, _ or $)"
        ))
    }
}
