//! A node's `db` object in the cluster file: the SQL port, the protocol
//! (`"mysql"`, the default, or `"postgres"`), and for a PostgreSQL node
//! whether to use TLS, with libpq's names and meanings (`sslmode`,
//! `sslrootcert`) for the modes perseus supports. Errors name the field; the
//! caller adds the node.

use serde_json::Value;
use std::path::PathBuf;

/// How perseus talks to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// MySQL's protocol (MySQL, MariaDB, TiDB, ...): a cluster file of an
    /// earlier version, which has no `db.protocol`, means this.
    #[default]
    Mysql,
    /// PostgreSQL's protocol.
    Postgres,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Mysql => "mysql",
            Protocol::Postgres => "postgres",
        }
    }
}

/// TLS to a PostgreSQL node: only where the cluster file asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tls {
    /// Plain TCP (`sslmode` absent or `"disable"`).
    #[default]
    Disable,
    /// Encrypted, the server's certificate not checked (`"require"`).
    Require,
    /// Encrypted, the certificate checked against `sslrootcert` and the
    /// node's host (`"verify-full"`).
    VerifyFull { root_cert: PathBuf },
}

/// What perseus reads of `db`.
pub struct Db {
    pub port: u16,
    pub protocol: Protocol,
    pub tls: Tls,
}

pub fn parse(db: &Value) -> Result<Db, String> {
    let port = match db.get("port") {
        None => return Err("missing field db.port".into()),
        Some(p) => p
            .as_u64()
            .filter(|&p| (1..=65535).contains(&p))
            .ok_or_else(|| format!("field db.port must be a port number (1-65535), not {p}"))?
            as u16,
    };
    let protocol = match db.get("protocol") {
        None => Protocol::Mysql,
        Some(Value::String(p)) if p == "mysql" => Protocol::Mysql,
        Some(Value::String(p)) if p == "postgres" => Protocol::Postgres,
        Some(other) => {
            return Err(format!(
                "field db.protocol must be \"mysql\" or \"postgres\", not {other}"
            ))
        }
    };
    let tls = tls(db, protocol)?;
    Ok(Db {
        port,
        protocol,
        tls,
    })
}

fn text<'a>(db: &'a Value, field: &str) -> Result<Option<&'a str>, String> {
    match db.get(field) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(other) => Err(format!(
            "field db.{field} must be a non-empty string, not {other}"
        )),
    }
}

fn tls(db: &Value, protocol: Protocol) -> Result<Tls, String> {
    let mode = text(db, "sslmode")?;
    let root_cert = text(db, "sslrootcert")?;
    if protocol == Protocol::Mysql && (mode.is_some() || root_cert.is_some()) {
        return Err(
            "fields db.sslmode and db.sslrootcert are for PostgreSQL nodes (db.protocol \"postgres\"); perseus speaks MySQL's protocol without TLS"
                .into(),
        );
    }
    let tls = match mode {
        None | Some("disable") => Tls::Disable,
        Some("require") => Tls::Require,
        Some("verify-full") => Tls::VerifyFull {
            root_cert: root_cert
                .map(PathBuf::from)
                .ok_or("field db.sslmode \"verify-full\" needs db.sslrootcert, the file of the certificate authorities to trust (PEM)")?,
        },
        Some(other @ ("allow" | "prefer" | "verify-ca")) => {
            return Err(format!(
                "field db.sslmode \"{other}\" is not supported: use \"disable\", \"require\" or \"verify-full\" (a measurement must know whether it ran over TLS, and verify-full checks the certificate and the host name)"
            ))
        }
        Some(other) => {
            return Err(format!(
                "field db.sslmode must be \"disable\", \"require\" or \"verify-full\", not \"{other}\""
            ))
        }
    };
    if root_cert.is_some() && !matches!(tls, Tls::VerifyFull { .. }) {
        return Err("field db.sslrootcert is only read with db.sslmode \"verify-full\"".into());
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(json: &str) -> Result<Db, String> {
        parse(&serde_json::from_str(json).expect("json"))
    }

    #[test]
    fn protocols_and_their_default() {
        assert_eq!(db(r#"{"port": 1}"#).expect("ok").protocol, Protocol::Mysql);
        let pg = db(r#"{"port": 5432, "protocol": "postgres"}"#).expect("ok");
        assert_eq!(
            (pg.port, pg.protocol, pg.tls),
            (5432, Protocol::Postgres, Tls::Disable)
        );
        for bad in [r#""oracle""#, "5", r#""Postgres""#, "null"] {
            let err = db(&format!(r#"{{"port": 1, "protocol": {bad}}}"#)).err();
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("field db.protocol")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn tls_modes_as_libpq_names_them() {
        let pg = |extra: &str| db(&format!(r#"{{"port": 1, "protocol": "postgres"{extra}}}"#));
        assert_eq!(
            pg(r#", "sslmode": "require""#).expect("ok").tls,
            Tls::Require
        );
        assert_eq!(
            pg(r#", "sslmode": "disable""#).expect("ok").tls,
            Tls::Disable
        );
        assert_eq!(
            pg(r#", "sslmode": "verify-full", "sslrootcert": "ca.pem""#)
                .expect("ok")
                .tls,
            Tls::VerifyFull {
                root_cert: "ca.pem".into()
            }
        );
        let err = |extra: &str| pg(extra).err().unwrap_or_default();
        assert!(err(r#", "sslmode": "verify-full""#).contains("needs db.sslrootcert"));
        assert!(err(r#", "sslmode": "prefer""#).contains("not supported"));
        assert!(err(r#", "sslmode": "verify-ca""#).contains("not supported"));
        assert!(err(r#", "sslmode": "on""#).contains("field db.sslmode"));
        assert!(err(r#", "sslmode": true"#).contains("field db.sslmode"));
        assert!(err(r#", "sslrootcert": "ca.pem""#).contains("only read with"));
        let mysql = db(r#"{"port": 1, "sslmode": "require"}"#)
            .err()
            .unwrap_or_default();
        assert!(mysql.contains("for PostgreSQL nodes"), "{mysql}");
    }
}
