//! What a worker needs of a database, as a small trait: open a connection
//! (the log's `connect` operation), then read, insert and update its key.
//! `mysql.rs` implements it for MySQL-protocol servers; the worker's unit
//! tests use a scripted fake. Failures come back already classified as the
//! log records them.

use crate::event::OpError;

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
