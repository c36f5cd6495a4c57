//! The check made before any load: every node at once. Wrong credentials
//! and a missing database or table stop the run before it starts; a node
//! that is unreachable or not ready is only a warning, since that is a
//! situation worth measuring.

use super::mysql::{classify, MysqlConnection, Sql};
use crate::cluster::NodeSpec;
use mysql::Opts;
use std::thread;

/// What the check found on one node.
pub enum Finding {
    Ready,
    /// Reachable and answering, but not ready (e.g. a Galera node out of quorum).
    NotReady(String),
    Unreachable(String),
    /// Wrong credentials, missing database or table: the run must not start.
    Fatal(String),
}

/// Checks one node; `database` and `table` name what a missing one is.
pub fn check_node(node: &NodeSpec, opts: &Opts, sql: &Sql, database: &str, table: &str) -> Finding {
    let at = format!("node {} ({}:{})", node.name, node.host, node.port);
    match MysqlConnection::open(opts, sql) {
        Ok(_) => Finding::Ready,
        Err(mysql::Error::MySqlError(e)) => match e.code {
            1045 | 1044 | 1142 | 1698 => Finding::Fatal(format!(
                "{at}: access denied ({}): check --user and the password (MYSQL_PWD or --password-file)",
                e.message
            )),
            1049 | 1146 => Finding::Fatal(format!(
                "{at}: {} — table {database}.{table} is missing; create it with: bin/init-lily.sh {}",
                e.message, node.name
            )),
            code => Finding::NotReady(format!("{at}: server error {code}: {}", e.message)),
        },
        Err(e) => Finding::Unreachable(format!("{at}: {}", classify(&e, true).2)),
    }
}

/// Checks every node in parallel; warns on stderr; an error when any finding
/// is fatal.
pub fn check_all(
    nodes: &[NodeSpec],
    opts: &[Opts],
    sql: &Sql,
    database: &str,
    table: &str,
) -> Result<(), String> {
    let findings: Vec<Finding> = thread::scope(|scope| {
        // A thread the system refuses (too many already) is a fatal
        // finding with its reason, never a panic.
        let checks: Vec<_> = nodes
            .iter()
            .zip(opts)
            .map(|(node, opts)| {
                thread::Builder::new()
                    .spawn_scoped(scope, move || check_node(node, opts, sql, database, table))
                    .map_err(|e| {
                        format!("node {}: cannot start a thread to check it: {e}", node.name)
                    })
            })
            .collect();
        checks
            .into_iter()
            .map(|c| match c {
                Ok(c) => c
                    .join()
                    .unwrap_or_else(|_| Finding::Fatal("a node check crashed".into())),
                Err(why) => Finding::Fatal(why),
            })
            .collect()
    });
    let mut fatal = Vec::new();
    let mut ready = 0;
    for finding in findings {
        match finding {
            Finding::Ready => ready += 1,
            Finding::NotReady(why) => eprintln!("perseus: warning: {why}; the run goes on"),
            Finding::Unreachable(why) => eprintln!(
                "perseus: warning: {why}; the run goes on, logs its errors and picks it up when it answers"
            ),
            Finding::Fatal(why) => fatal.push(why),
        }
    }
    if !fatal.is_empty() {
        return Err(fatal.join("\nperseus: "));
    }
    if ready == 0 {
        eprintln!("perseus: warning: no node is ready at start");
    }
    Ok(())
}
