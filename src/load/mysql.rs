//! The database behind the worker for MySQL-protocol servers: connection
//! options, the three statements of an iteration, and how the client
//! library's errors are classified for the log.

use super::database::{Connection, Connector, Credentials, Sql, Timeouts, Update};
use super::errors::{describe_io, find_io, io_kind, refusal, server_kind, Trouble};
use crate::cluster::NodeSpec;
use crate::event::{ErrCode, ErrorKind, OpError};
use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Statement};
use std::sync::Arc;

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

impl MysqlConnector {
    /// Opens a connection once, for the check before the run.
    pub fn check(&self) -> Result<(), Trouble> {
        match MysqlConnection::open(&self.opts, &self.sql) {
            Ok(_) => Ok(()),
            Err(mysql::Error::MySqlError(e)) => {
                let code = ErrCode::Number(e.code);
                Err(Trouble::Refused {
                    why: refusal(code),
                    code: Some(code),
                    msg: e.message,
                })
            }
            Err(e) => Err(Trouble::Unreachable(classify(&e, true).2)),
        }
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
    let io_kind = |e| io_kind(e, connecting);
    let kind = match err {
        Error::MySqlError(e) => {
            let code = ErrCode::Number(e.code);
            return (server_kind(code), Some(code), e.message.clone());
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
