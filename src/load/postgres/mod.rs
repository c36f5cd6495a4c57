//! The database behind the worker for PostgreSQL servers, over
//! tokio-postgres: the connection's settings, the `connect` operation (TCP,
//! TLS if asked, authentication, `SELECT version()`, the three statements
//! prepared), and the three operations of an iteration, each under its
//! deadline (`drive.rs`, `deadline.rs`). `classify.rs` files failures for
//! the log, `tls.rs` sets up TLS.
//!
//! PostgreSQL's UPDATE reports the rows it matched, even those whose value
//! it left as it was: what `mysql.rs` asks of MySQL with CLIENT_FOUND_ROWS,
//! and for the same reason (a late commit, then a retry that writes the
//! value already stored, is a success, not a vanished row).

mod classify;
mod deadline;
mod drive;
mod self_wake;
mod tls;

use super::database::{Connection, Connector, Credentials, Sql, Timeouts, Update};
use super::errors::{refusal, Refusal, Trouble};
use crate::cluster::NodeSpec;
use crate::event::{ErrCode, OpError};
use classify::{classify, seen, Seen};
use drive::{Failure, Link, Runtime};
use std::sync::Arc;
use tls::MakeTls;
use tokio_postgres::{Client, Config, Statement};

/// Connects to one node; owns the runtime of the worker it is given to.
pub struct PgConnector {
    config: Config,
    tls: MakeTls,
    sql: Arc<Sql>,
    timeouts: Timeouts,
    rt: Arc<Runtime>,
}

/// An open connection with the iteration's statements prepared on it.
pub struct PgConnection {
    client: Client,
    link: Link,
    read: Statement,
    insert: Statement,
    update: Statement,
    version: String,
    timeouts: Timeouts,
    rt: Arc<Runtime>,
}

impl PgConnector {
    /// The node's settings; a runtime of its own; TLS as its entry asks.
    pub fn new(
        node: &NodeSpec,
        creds: &Credentials,
        database: &str,
        sql: Arc<Sql>,
        timeouts: Timeouts,
    ) -> Result<PgConnector, String> {
        let at = |e: String| format!("node {}: {e}", node.name);
        let (tls, mode) = MakeTls::new(&node.tls).map_err(at)?;
        let rt = Runtime::new().map_err(|e| at(format!("cannot start its I/O runtime: {e}")))?;
        let mut config = Config::new();
        config
            .host(&node.host)
            .port(node.port)
            .user(&creds.user)
            // Always a password, if an empty one: a server that asks for one
            // then refuses with its own error (28P01), which names the user,
            // rather than the library saying it has none.
            .password(creds.password.clone().unwrap_or_default())
            .dbname(database)
            .application_name("perseus")
            .ssl_mode(mode);
        Ok(PgConnector {
            config,
            tls,
            sql,
            timeouts,
            rt: Arc::new(rt),
        })
    }

    /// The whole `connect` operation, within `--connect-timeout`.
    fn open(&self) -> Result<PgConnection, Failure> {
        self.rt
            .within(self.timeouts.connect, "--connect-timeout", async {
                let (client, conn) = self.config.connect(self.tls.clone()).await?;
                let mut link = Link::new(conn);
                let version = link
                    .drive(client.query_one("SELECT version()", &[]))
                    .await?;
                let version = version.try_get(0)?;
                let read = link.drive(client.prepare(&self.sql.read)).await?;
                let insert = link.drive(client.prepare(&self.sql.insert)).await?;
                let update = link.drive(client.prepare(&self.sql.update)).await?;
                Ok(PgConnection {
                    client,
                    link,
                    read,
                    insert,
                    update,
                    version,
                    timeouts: self.timeouts,
                    rt: self.rt.clone(),
                })
            })
    }

    /// Opens a connection once, for the check before the run.
    pub fn check(&self) -> Result<(), Trouble> {
        self.open().map(drop).map_err(|f| trouble(&f))
    }
}

/// What the check before the run makes of a failed connect.
fn trouble(failure: &Failure) -> Trouble {
    let seen = seen(failure);
    match &seen {
        Seen::Db { code, message, .. } => {
            let code = ErrCode::sqlstate(code);
            Trouble::Refused {
                why: code.map_or(Refusal::NotReady, refusal),
                code,
                msg: message.to_string(),
            }
        }
        Seen::Tls(msg) => Trouble::Refused {
            why: Refusal::Tls,
            code: None,
            msg: msg.clone(),
        },
        _ => Trouble::Unreachable(classify(&seen, true).msg.into_owned()),
    }
}

fn op_error(failure: &Failure, connecting: bool) -> OpError<'static> {
    classify(&seen(failure), connecting)
}

impl Connector for PgConnector {
    type Connection = PgConnection;

    fn connect(&self) -> Result<PgConnection, OpError<'static>> {
        self.open().map_err(|f| op_error(&f, true))
    }
}

impl Connection for PgConnection {
    fn version(&self) -> &str {
        &self.version
    }

    fn read(&mut self, key: &str) -> Result<Option<i64>, OpError<'static>> {
        let PgConnection {
            client,
            link,
            read,
            timeouts,
            rt,
            ..
        } = self;
        rt.within(timeouts.read, "--read-timeout", async {
            let row = link.drive(client.query_opt(read, &[&key])).await?;
            Ok(row.map(|r| r.try_get(0)).transpose()?)
        })
        .map_err(|f| op_error(&f, false))
    }

    fn insert(&mut self, key: &str, value: i64) -> Result<(), OpError<'static>> {
        let PgConnection {
            client,
            link,
            insert,
            timeouts,
            rt,
            ..
        } = self;
        write(rt, timeouts, client, link, insert, &[&key, &value]).map(drop)
    }

    fn update(&mut self, key: &str, value: i64) -> Result<Update, OpError<'static>> {
        let PgConnection {
            client,
            link,
            update,
            timeouts,
            rt,
            ..
        } = self;
        Ok(
            match write(rt, timeouts, client, link, update, &[&value, &key])? {
                1 => Update::Written,
                _ => Update::NoRow,
            },
        )
    }
}

/// A write within `--write-timeout`: the rows it matched.
fn write(
    rt: &Runtime,
    timeouts: &Timeouts,
    client: &Client,
    link: &mut Link,
    statement: &Statement,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, OpError<'static>> {
    rt.within(timeouts.write, "--write-timeout", async {
        link.drive(client.execute(statement, params)).await
    })
    .map_err(|f| op_error(&f, false))
}
