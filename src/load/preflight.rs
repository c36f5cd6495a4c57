//! The check made before any load: every node at once, whatever its
//! protocol (each connector opens one connection; `errors.rs` says what
//! each protocol's refusals mean). Wrong credentials, a missing database or
//! table, and TLS that cannot be set up stop the run before it starts; a
//! node that is unreachable or not ready is only a warning, since that is a
//! situation worth measuring.

use super::backend::AnyConnector;
use super::cli::Passwords;
use super::errors::{Refusal, Trouble};
use crate::cluster::NodeSpec;
use std::thread;

/// What the check found on one node.
pub enum Finding {
    Ready,
    /// Reachable and answering, but not ready (e.g. a Galera node out of
    /// quorum, a PostgreSQL server starting up).
    NotReady(String),
    Unreachable(String),
    /// Wrong credentials, missing database or table, TLS that cannot be set
    /// up: the run must not start.
    Fatal(String),
}

/// Checks one node through its connector; `database` and `table` name
/// what a missing one is.
pub fn check_node(
    node: &NodeSpec,
    connector: &AnyConnector,
    database: &str,
    table: &str,
) -> Finding {
    let at = format!("node {} ({}:{})", node.name, node.host, node.port);
    let (why, code, msg) = match connector.check() {
        Ok(()) => return Finding::Ready,
        Err(Trouble::Unreachable(msg)) => return Finding::Unreachable(format!("{at}: {msg}")),
        Err(Trouble::Refused { why, code, msg }) => (why, code, msg),
    };
    match why {
        Refusal::Denied => Finding::Fatal(format!(
            "{at}: access denied ({msg}): check --user and the password ({})",
            Passwords::sources(node.protocol)
        )),
        Refusal::Missing => Finding::Fatal(format!(
            "{at}: {msg} — table {database}.{table} is missing; create it with: bin/init-lily.sh {}",
            node.name
        )),
        Refusal::Tls => Finding::Fatal(format!(
            "{at}: {msg}: check the node's db.sslmode and db.sslrootcert in the cluster file"
        )),
        Refusal::NotReady => match code {
            Some(code) => Finding::NotReady(format!("{at}: server error {code}: {msg}")),
            None => Finding::NotReady(format!("{at}: {msg}")),
        },
    }
}

/// Checks every node in parallel; warns on stderr; an error when any finding
/// is fatal.
/// `connectors` holds one connector per node, in the nodes' order.
pub fn check_all(
    nodes: &[NodeSpec],
    connectors: &[&AnyConnector],
    database: &str,
    table: &str,
) -> Result<(), String> {
    let findings: Vec<Finding> = thread::scope(|scope| {
        // A thread the system refuses (too many already) is a fatal
        // finding with its reason, never a panic.
        let checks: Vec<_> = nodes
            .iter()
            .zip(connectors)
            .map(|(node, c)| {
                thread::Builder::new()
                    .spawn_scoped(scope, move || check_node(node, c, database, table))
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
