//! The cluster file (etc/tidb-cluster.json and the lab's): one entry per node,
//! keyed by node name, in the order the file lists them. perseus needs each
//! node's `host` and `db` object (`db.rs`: port, protocol, TLS); the TiDB
//! scripts also read `db.statusPort`, `kv.*` and `pd.*`, which perseus
//! ignores.

mod db;

pub use db::{Protocol, Tls};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub host: String,
    pub port: u16,
    /// `db.protocol`: how perseus talks to the node (MySQL when absent).
    pub protocol: Protocol,
    /// `db.sslmode`, `db.sslrootcert`: TLS, for PostgreSQL nodes only.
    pub tls: Tls,
}

/// The top-level object's entries, in file order (serde_json's map would sort them).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object with one entry per node")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(InOrder)
    }
}

/// Reads the cluster file; errors name the file, and the node and field at fault.
pub fn load(path: &Path) -> Result<Vec<NodeSpec>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cluster file {shown}: cannot read it: {e}"))?;
    parse(&text).map_err(|e| format!("cluster file {shown}: {e}"))
}

pub fn parse(text: &str) -> Result<Vec<NodeSpec>, String> {
    let Entries(entries) =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if entries.is_empty() {
        return Err("lists no nodes".into());
    }
    let mut nodes: Vec<NodeSpec> = Vec::new();
    for (name, entry) in entries {
        crate::grammar::node_name(&name)?;
        if nodes.iter().any(|n| n.name == name) {
            return Err(format!("node {name} is listed twice"));
        }
        let host = match entry.get("host") {
            Some(Value::String(h)) if !h.is_empty() => h.clone(),
            Some(_) => {
                return Err(format!(
                    "node {name}: field host must be a non-empty string"
                ))
            }
            None => return Err(format!("node {name}: missing field host")),
        };
        let db = entry
            .get("db")
            .ok_or_else(|| format!("node {name}: missing field db"))?;
        let db = db::parse(db).map_err(|e| format!("node {name}: {e}"))?;
        nodes.push(NodeSpec {
            name,
            host,
            port: db.port,
            protocol: db.protocol,
            tls: db.tls,
        });
    }
    Ok(nodes)
}

/// Keeps only the named nodes (in the order given); an unknown name is an error.
pub fn select(nodes: &[NodeSpec], names: &[String], file: &str) -> Result<Vec<NodeSpec>, String> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(format!("node {name} is named twice"));
        }
    }
    names
        .iter()
        .map(|wanted| {
            nodes
                .iter()
                .find(|n| &n.name == wanted)
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
                    format!("unknown node {wanted}: {file} lists {}", known.join(", "))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_file_order_and_ignores_tidb_fields() {
        let text = r#"{
          "tidb2": {"host": "10.0.0.2", "db": {"port": 4000, "statusPort": 10080},
                    "kv": {"name": "tikv2", "port": 20160}, "pd": {"name": "pd2", "clientPort": 2379, "peerPort": 2380}},
          "tidb1": {"host": "10.0.0.1", "db": {"port": 4001}}
        }"#;
        let nodes = parse(text).expect("parses");
        assert_eq!(nodes[0].name, "tidb2");
        assert_eq!(nodes[0].port, 4000);
        assert_eq!(nodes[1].host, "10.0.0.1");
    }

    #[test]
    fn errors_name_the_node_and_field() {
        let err = |t: &str| parse(t).expect_err("rejected");
        assert!(err(r#"{"a": {"db": {"port": 1}}}"#).contains("node a: missing field host"));
        assert!(err(r#"{"a": {"host": "h"}}"#).contains("node a: missing field db"));
        assert!(err(r#"{"a": {"host": "h", "db": {}}}"#).contains("db.port"));
        assert!(
            err(r#"{"a": {"host": "h", "db": {"port": "x"}}}"#).contains("node a: field db.port")
        );
        assert!(err(r#"{"a": {"host": "h", "db": {"port": 70000}}}"#).contains("70000"));
        assert!(err("{}").contains("no nodes"));
        assert!(err("[1]").contains("not valid JSON"));
        assert!(err(r#"{"a": {"host": 5, "db": {"port": 1}}}"#).contains("field host"));
    }

    #[test]
    fn a_node_without_a_protocol_is_mysql_and_a_postgres_node_says_so() {
        let text = r#"{"m": {"host": "h", "db": {"port": 3306}},
                      "p": {"host": "h", "db": {"port": 5432, "protocol": "postgres"}}}"#;
        let nodes = parse(text).expect("parses");
        assert_eq!(
            (nodes[0].protocol, nodes[1].protocol),
            (Protocol::Mysql, Protocol::Postgres)
        );
        assert_eq!(
            (&nodes[0].tls, &nodes[1].tls),
            (&Tls::Disable, &Tls::Disable)
        );
        let err = parse(r#"{"n2": {"host": "h", "db": {"port": 1, "protocol": "oracle"}}}"#)
            .expect_err("unknown protocol");
        assert!(
            err.contains("node n2: field db.protocol") && err.contains("oracle"),
            "{err}"
        );
    }

    #[test]
    fn select_rejects_unknown_nodes() {
        let nodes = parse(r#"{"a": {"host": "h", "db": {"port": 1}}}"#).expect("parses");
        assert!(select(&nodes, &["b".into()], "f.json")
            .expect_err("unknown")
            .contains("unknown node b"));
    }
}
