//! perseus's command line: options → a checked Config, or a message.

use super::schedule::{self, ScheduledFault};
use crate::cluster::{self, NodeSpec};
use crate::duration;
use getopts::Options;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub struct Config {
    pub cluster_path: PathBuf,
    pub nodes: Vec<NodeSpec>,
    /// None: `--no-log` (for benchmarks only).
    pub log: Option<PathBuf>,
    pub duration: Option<Duration>,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
    pub table: String,
    pub conns: u32,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub reconnect_delay: Duration,
    pub errors: bool,
    pub faults: Vec<ScheduledFault>,
    pub fault_commands: BTreeMap<String, Vec<String>>,
    pub fault_timeout: Duration,
}

pub enum Parsed {
    Run(Box<Config>),
    /// Help or version text: print it and exit 0.
    Info(String),
}

fn options() -> Options {
    let mut o = Options::new();
    o.optopt(
        "",
        "cluster",
        "cluster file (default etc/tidb-cluster.json)",
        "FILE",
    );
    o.optopt(
        "",
        "nodes",
        "only these nodes of the cluster file",
        "A,B,...",
    );
    o.optopt(
        "",
        "log",
        "event log to append to (default logs/perseus-DATE-TIME.jsonl)",
        "FILE",
    );
    o.optflag("", "no-log", "write no event log (benchmarks only)");
    o.optopt(
        "",
        "duration",
        "stop after this long (default: until Ctrl-C)",
        "SECS",
    );
    o.optopt(
        "",
        "user",
        "database user (default root); password from MYSQL_PWD",
        "NAME",
    );
    o.optopt(
        "",
        "password-file",
        "read the password from this file's first line",
        "FILE",
    );
    o.optopt("", "database", "database (default lily)", "NAME");
    o.optopt("", "table", "table (default storage)", "NAME");
    o.optopt("", "conns", "connections per node (default 1)", "N");
    o.optopt(
        "",
        "connect-timeout",
        "connect timeout (default 2s)",
        "SECS",
    );
    o.optopt(
        "",
        "read-timeout",
        "socket read timeout (default 3s)",
        "SECS",
    );
    o.optopt(
        "",
        "write-timeout",
        "socket write timeout (default 3s)",
        "SECS",
    );
    o.optopt(
        "",
        "reconnect-delay",
        "pause after a failed operation (default 10ms)",
        "SECS",
    );
    o.optflag("", "errors", "add per-node error columns to the table");
    o.optmulti(
        "",
        "fault",
        "apply a fault at time AT (repeatable)",
        "AT:ACTION:NODE",
    );
    o.optmulti(
        "",
        "fault-cmd",
        "command for a fault action; the node is appended",
        "ACTION=COMMAND",
    );
    o.optopt(
        "",
        "fault-timeout",
        "kill a fault command after this long (default 300s)",
        "SECS",
    );
    o.optflag("h", "help", "print this help");
    o.optflag("V", "version", "print the version");
    o
}

pub fn usage() -> String {
    let brief = "Usage: perseus [options]\n\n\
        Loads every node of a MySQL-protocol cluster with one read-then-write loop per\n\
        connection, prints successful iterations per second and node, and logs every\n\
        operation and error as JSON lines (docs/event-log.md).";
    options().usage(brief)
}

fn secs(m: &getopts::Matches, name: &str, default: Duration) -> Result<Duration, String> {
    match m.opt_str(name) {
        None => Ok(default),
        Some(v) => duration::parse(&v).map_err(|e| format!("--{name}: {e}")),
    }
}

fn positive(d: Duration, name: &str) -> Result<Duration, String> {
    if d.is_zero() {
        Err(format!("--{name} must be more than 0"))
    } else {
        Ok(d)
    }
}

/// `env_password` is MYSQL_PWD, passed in so tests need not touch the environment.
pub fn parse(args: &[String], env_password: Option<String>) -> Result<Parsed, String> {
    let m = options()
        .parse(args)
        .map_err(|e| format!("{e} (see perseus --help)"))?;
    if m.opt_present("help") {
        return Ok(Parsed::Info(usage()));
    }
    if m.opt_present("version") {
        return Ok(Parsed::Info(format!(
            "perseus {}\n",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if let Some(extra) = m.free.first() {
        return Err(format!(
            "unexpected argument '{extra}' (see perseus --help)"
        ));
    }
    let cluster_path = PathBuf::from(
        m.opt_str("cluster")
            .unwrap_or_else(|| "etc/tidb-cluster.json".into()),
    );
    let all_nodes = cluster::load(&cluster_path)?;
    let mut nodes = all_nodes.clone();
    if let Some(list) = m.opt_str("nodes") {
        let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
        nodes = cluster::select(&nodes, &names, &cluster_path.display().to_string())?;
    }
    let log = match (m.opt_present("no-log"), m.opt_str("log")) {
        (true, Some(_)) => return Err("--log and --no-log exclude each other".into()),
        (true, None) => None,
        (false, path) => Some(path.map(PathBuf::from).unwrap_or_default()),
    };
    let duration = match m.opt_str("duration") {
        None => None,
        Some(v) => Some(positive(
            duration::parse(&v).map_err(|e| format!("--duration: {e}"))?,
            "duration",
        )?),
    };
    let password = match m.opt_str("password-file") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("--password-file {path}: {e}"))?;
            Some(text.lines().next().unwrap_or("").to_string())
        }
        None => env_password,
    };
    let database = m.opt_str("database").unwrap_or_else(|| "lily".into());
    let table = m.opt_str("table").unwrap_or_else(|| "storage".into());
    super::db::check_identifier("--database", &database)?;
    super::db::check_identifier("--table", &table)?;
    let conns = match m.opt_str("conns") {
        None => 1,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .ok_or_else(|| format!("--conns '{v}': expected a whole number from 1 to 256"))?,
    };
    // No default commands: a fault must act on the node's host (or its
    // namespace), which only the user or the lab knows how to reach.
    let mut fault_commands = BTreeMap::new();
    let file = cluster_path.display().to_string();
    for spec in m.opt_strs("fault-cmd") {
        let (action, words) = schedule::parse_command(&spec)?;
        fault_commands.insert(action, words);
    }
    let mut faults = Vec::new();
    for spec in m.opt_strs("fault") {
        let fault = schedule::parse_fault(&spec)?;
        cluster::select(&all_nodes, std::slice::from_ref(&fault.node), &file)
            .map_err(|e| format!("--fault '{spec}': {e}"))?;
        if !nodes.iter().any(|n| n.name == fault.node) {
            return Err(format!(
                "--fault '{spec}': node {} is not among the nodes measured (--nodes); faults must name a measured node",
                fault.node
            ));
        }
        if !fault_commands.contains_key(&fault.action) {
            return Err(format!(
                "--fault '{spec}': no command for action '{}'; give one with --fault-cmd '{}=COMMAND'",
                fault.action, fault.action
            ));
        }
        faults.push(fault);
    }
    Ok(Parsed::Run(Box::new(Config {
        cluster_path,
        nodes,
        log,
        duration,
        user: m.opt_str("user").unwrap_or_else(|| "root".into()),
        password,
        database,
        table,
        conns,
        connect_timeout: positive(
            secs(&m, "connect-timeout", Duration::from_secs(2))?,
            "connect-timeout",
        )?,
        read_timeout: positive(
            secs(&m, "read-timeout", Duration::from_secs(3))?,
            "read-timeout",
        )?,
        write_timeout: positive(
            secs(&m, "write-timeout", Duration::from_secs(3))?,
            "write-timeout",
        )?,
        reconnect_delay: secs(&m, "reconnect-delay", Duration::from_millis(10))?,
        errors: m.opt_present("errors"),
        faults,
        fault_commands,
        fault_timeout: positive(
            secs(&m, "fault-timeout", Duration::from_secs(300))?,
            "fault-timeout",
        )?,
    })))
}
