//! Each node's database, whichever protocol its cluster-file entry names:
//! one connector per (node, conn), in worker order, built from the run's
//! options; and the two protocols behind one `Connector`, so that the worker
//! and the check before the run know of neither.

use super::cli::Config;
use super::database::{Connection, Connector, Credentials, Sql, Timeouts, Update};
use super::errors::Trouble;
use super::mysql::{self, MysqlConnection, MysqlConnector};
use super::postgres::{PgConnection, PgConnector};
use crate::cluster::Protocol;
use crate::event::OpError;
use std::sync::Arc;
use std::time::Duration;

pub enum AnyConnector {
    Mysql(MysqlConnector),
    /// Boxed: its settings are larger than MySQL's options handle.
    Postgres(Box<PgConnector>),
}

pub enum AnyConnection {
    Mysql(MysqlConnection),
    Postgres(PgConnection),
}

/// One connector per (node, conn), in worker order; an error names the node
/// (a CA file that cannot be read, a runtime that cannot start).
pub fn connectors(cfg: &Config) -> Result<Vec<AnyConnector>, String> {
    let s = &cfg.settings;
    let ms = Duration::from_millis;
    let timeouts = Timeouts {
        connect: ms(s.connect_timeout_ms),
        read: ms(s.read_timeout_ms),
        write: ms(s.write_timeout_ms),
    };
    let mysql_sql = Arc::new(Sql::mysql(&s.database, &s.table));
    let pg_sql = Arc::new(Sql::postgres(&s.table));
    let mut connectors = Vec::new();
    for node in &cfg.nodes {
        let creds = Credentials {
            user: s.user.clone(),
            password: cfg.passwords.for_protocol(node.protocol),
        };
        for _ in 0..s.conns {
            connectors.push(match node.protocol {
                Protocol::Mysql => AnyConnector::Mysql(MysqlConnector {
                    opts: mysql::opts(node, &creds, timeouts),
                    sql: mysql_sql.clone(),
                }),
                Protocol::Postgres => AnyConnector::Postgres(Box::new(PgConnector::new(
                    node,
                    &creds,
                    &s.database,
                    pg_sql.clone(),
                    timeouts,
                )?)),
            });
        }
    }
    Ok(connectors)
}

impl AnyConnector {
    /// Opens a connection once, for the check before the run.
    pub fn check(&self) -> Result<(), Trouble> {
        match self {
            AnyConnector::Mysql(c) => c.check(),
            AnyConnector::Postgres(c) => c.check(),
        }
    }
}

impl Connector for AnyConnector {
    type Connection = AnyConnection;

    fn connect(&self) -> Result<AnyConnection, OpError<'static>> {
        match self {
            AnyConnector::Mysql(c) => c.connect().map(AnyConnection::Mysql),
            AnyConnector::Postgres(c) => c.connect().map(AnyConnection::Postgres),
        }
    }
}

impl Connection for AnyConnection {
    fn version(&self) -> &str {
        match self {
            AnyConnection::Mysql(c) => c.version(),
            AnyConnection::Postgres(c) => c.version(),
        }
    }

    fn read(&mut self, key: &str) -> Result<Option<i64>, OpError<'static>> {
        match self {
            AnyConnection::Mysql(c) => c.read(key),
            AnyConnection::Postgres(c) => c.read(key),
        }
    }

    fn insert(&mut self, key: &str, value: i64) -> Result<(), OpError<'static>> {
        match self {
            AnyConnection::Mysql(c) => c.insert(key, value),
            AnyConnection::Postgres(c) => c.insert(key, value),
        }
    }

    fn update(&mut self, key: &str, value: i64) -> Result<Update, OpError<'static>> {
        match self {
            AnyConnection::Mysql(c) => c.update(key, value),
            AnyConnection::Postgres(c) => c.update(key, value),
        }
    }
}
