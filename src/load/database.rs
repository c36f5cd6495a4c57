//! What a worker needs of a database, as a small trait: open a connection
//! (the log's `connect` operation), then read, insert and update its key.
//! `mysql.rs` implements it for MySQL-protocol servers, `postgres/` for
//! PostgreSQL's, `backend.rs` picks one per node; the worker's unit tests use
//! a scripted fake. Failures come back already classified as the log records
//! them. Also here: what both protocols are given (credentials, timeouts) and
//! the check of the names that go into their SQL.

use crate::event::OpError;
use std::time::Duration;

#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Option<String>,
}

/// `--connect-timeout`, `--read-timeout`, `--write-timeout`.
#[derive(Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
    pub write: Duration,
}

/// Opens connections to one node.
pub trait Connector: Send + 'static {
    type Connection: Connection;

    /// A connection ready for the loop (statements prepared), or why not.
    fn connect(&self) -> Result<Self::Connection, OpError<'static>>;
}

/// One open connection.
pub trait Connection {
    /// The server's version, as it answered at connect.
    fn version(&self) -> &str;
    /// The key's value; None when the row is absent.
    fn read(&mut self, key: &str) -> Result<Option<i64>, OpError<'static>>;
    fn insert(&mut self, key: &str, value: i64) -> Result<(), OpError<'static>>;
    fn update(&mut self, key: &str, value: i64) -> Result<Update, OpError<'static>>;
}

/// What an UPDATE of the worker's own key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Written,
    /// It matched no row: the key vanished (logged as a `no_row` error).
    NoRow,
}

/// The SQL of one iteration, for one database and table, in the
/// protocol's dialect.
#[derive(Clone)]
pub struct Sql {
    pub read: String,
    pub insert: String,
    pub update: String,
}

impl Sql {
    /// MySQL names the database in the statement. `database` and `table`
    /// must already be checked as plain identifiers.
    pub fn mysql(database: &str, table: &str) -> Sql {
        let t = format!("`{database}`.`{table}`");
        Sql {
            read: format!("SELECT value FROM {t} WHERE id = ?"),
            insert: format!("INSERT INTO {t} (id, value) VALUES (?, ?)"),
            update: format!("UPDATE {t} SET value = ? WHERE id = ?"),
        }
    }

    /// PostgreSQL connects to the database; the table is quoted so that its
    /// name is taken as written.
    pub fn postgres(table: &str) -> Sql {
        let t = format!("\"{table}\"");
        Sql {
            read: format!("SELECT value FROM {t} WHERE id = $1"),
            insert: format!("INSERT INTO {t} (id, value) VALUES ($1, $2)"),
            update: format!("UPDATE {t} SET value = $1 WHERE id = $2"),
        }
    }
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
