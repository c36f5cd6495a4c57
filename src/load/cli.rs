//! perseus's command line: options → a checked [`Config`], or a message that
//! names the option at fault. Defaults come from [`RunSettings::default`].

use super::database::check_identifier;
use super::fault_spec::{self, ScheduledFault};
use super::leader;
use crate::cluster::{self, NodeSpec, Protocol};
use crate::duration;
use crate::event::{RunSettings, Seconds};
use getopts::{Matches, Options};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_CLUSTER: &str = "etc/tidb-cluster.json";

pub struct Config {
    pub cluster_path: PathBuf,
    pub nodes: Vec<NodeSpec>,
    /// None: `--no-log` (benchmarks only); an empty path: the default name.
    pub log: Option<PathBuf>,
    pub passwords: Passwords,
    /// Error columns in the live table.
    pub errors: bool,
    pub faults: Vec<ScheduledFault>,
    pub fault_commands: BTreeMap<String, Vec<String>>,
    /// `--leader-cmd`, split on white space.
    pub leader_cmd: Option<Vec<String>>,
    /// Every node of the cluster file, in its order (a leader command may
    /// name any of them).
    pub all_names: Vec<String>,
    /// Everything the start event records.
    pub settings: RunSettings,
}

impl Config {
    pub fn duration(&self) -> Option<Duration> {
        self.settings
            .duration_s
            .map(|s| Duration::from_secs_f64(s.0))
    }
}

/// Where a node's password comes from, never the command line: the first
/// line of `--password-file`; else, for a PostgreSQL node, PGPASSWORD;
/// else MYSQL_PWD. MySQL nodes ignore PGPASSWORD (their clients would),
/// PostgreSQL nodes fall back to MYSQL_PWD so that a wrapper which sets it
/// (bin/test.sh, the lab) works for either protocol.
#[derive(Clone, Default)]
pub struct Passwords {
    pub file: Option<String>,
    pub mysql_pwd: Option<String>,
    pub pgpassword: Option<String>,
}

impl Passwords {
    /// The environment's variables (the file comes from the options).
    pub fn from_env() -> Passwords {
        Passwords {
            file: None,
            mysql_pwd: std::env::var("MYSQL_PWD").ok(),
            pgpassword: std::env::var("PGPASSWORD").ok(),
        }
    }

    pub fn for_protocol(&self, protocol: Protocol) -> Option<String> {
        let env = match protocol {
            Protocol::Mysql => None,
            Protocol::Postgres => self.pgpassword.as_ref(),
        };
        self.file
            .as_ref()
            .or(env)
            .or(self.mysql_pwd.as_ref())
            .cloned()
    }

    /// Where the password may come from, in order, for a message.
    pub fn sources(protocol: Protocol) -> &'static str {
        match protocol {
            Protocol::Mysql => "--password-file or MYSQL_PWD",
            Protocol::Postgres => "--password-file, PGPASSWORD or MYSQL_PWD",
        }
    }
}

pub enum Parsed {
    Run(Box<Config>),
    /// Help or version text: print it and exit 0.
    Info(String),
}

fn options() -> Options {
    let d = RunSettings::default();
    let ms = |v: u64| duration::show_ms(v);
    let mut o = Options::new();
    o.optopt(
        "",
        "cluster",
        &format!("cluster file (default {DEFAULT_CLUSTER})"),
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
        "event log to append to (default logs/perseus-DATE-TIME-PID.jsonl)",
        "FILE",
    );
    o.optflag("", "no-log", "write no event log (benchmarks only)");
    o.optopt(
        "",
        "duration",
        "stop after this long (default: until Ctrl-C)",
        "DUR",
    );
    o.optopt(
        "",
        "user",
        &format!(
            "database user (default {}); password from --password-file, PGPASSWORD (PostgreSQL nodes) or MYSQL_PWD",
            d.user
        ),
        "NAME",
    );
    o.optopt(
        "",
        "password-file",
        "read the password from this file's first line",
        "FILE",
    );
    o.optopt(
        "",
        "database",
        &format!("database (default {})", d.database),
        "NAME",
    );
    o.optopt("", "table", &format!("table (default {})", d.table), "NAME");
    o.optopt(
        "",
        "conns",
        &format!("connections per node (default {})", d.conns),
        "N",
    );
    let timeouts = [
        (
            "connect-timeout",
            "connect timeout (PostgreSQL: the whole connect)",
            d.connect_timeout_ms,
        ),
        ("read-timeout", "read timeout", d.read_timeout_ms),
        ("write-timeout", "write timeout", d.write_timeout_ms),
        (
            "reconnect-delay",
            "pause after a failed operation",
            d.reconnect_delay_ms,
        ),
    ];
    for (name, what, default) in timeouts {
        o.optopt(
            "",
            name,
            &format!("{what} (default {})", ms(default)),
            "DUR",
        );
    }
    o.optflag("", "errors", "add per-node error columns to the table");
    o.optmulti(
        "",
        "fault",
        "apply a fault at time AT (repeatable)",
        "AT:ACTION:TARGET",
    );
    o.optmulti(
        "",
        "fault-cmd",
        "command for a fault action; the action's argument and the target are appended",
        "ACTION=COMMAND",
    );
    o.optopt(
        "",
        "leader-cmd",
        "the command that names the leader (its first line of output), run when a fault whose TARGET is `leader` fires",
        "COMMAND",
    );
    o.optopt(
        "",
        "fault-timeout",
        &format!(
            "kill a fault command after this long (default {})",
            ms(d.fault_timeout_ms)
        ),
        "DUR",
    );
    o.optopt(
        "",
        "label",
        "a name for the run, recorded in its start event",
        "TEXT",
    );
    o.optflag("h", "help", "print this help");
    o.optflag("V", "version", "print the version");
    o
}

pub fn usage() -> String {
    let brief = "Usage: perseus [options]\n\n\
        Loads every node of a MySQL- or PostgreSQL-protocol cluster (db.protocol in the\n\
        cluster file) with one read-then-write loop per connection, prints successful\n\
        iterations per second and node, and logs every operation and error as JSON\n\
        lines (docs/event-log.md).\n\
        Durations: 20 (seconds), 1.5s, 250ms, 2m.";
    options().usage(brief)
}

/// An option's duration in whole milliseconds, or its default.
fn ms_option(m: &Matches, name: &str, default: u64, zero_ok: bool) -> Result<u64, String> {
    let Some(text) = m.opt_str(name) else {
        return Ok(default);
    };
    let d = duration::parse(&text).map_err(|e| format!("--{name}: {e}"))?;
    let ms = d.as_millis() as u64;
    if ms == 0 && !zero_ok {
        return Err(format!("--{name} must be at least 1ms"));
    }
    Ok(ms)
}

/// `env` holds the environment's passwords, passed in so tests need not
/// touch the environment.
pub fn parse(args: &[String], env: Passwords) -> Result<Parsed, String> {
    let m = options()
        .parse(args)
        .map_err(|e| format!("{e} (see perseus --help)"))?;
    if m.opt_present("help") {
        return Ok(Parsed::Info(usage()));
    }
    if m.opt_present("version") {
        return Ok(Parsed::Info(format!("{}\n", crate::event::tool_name())));
    }
    if let Some(extra) = m.free.first() {
        return Err(format!(
            "unexpected argument '{extra}' (see perseus --help)"
        ));
    }
    let cluster_path = PathBuf::from(
        m.opt_str("cluster")
            .unwrap_or_else(|| DEFAULT_CLUSTER.into()),
    );
    let all_nodes = cluster::load(&cluster_path)?;
    let nodes = match m.opt_str("nodes") {
        None => all_nodes.clone(),
        Some(list) => {
            let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
            cluster::select(&all_nodes, &names, &cluster_path.display().to_string())?
        }
    };
    let log = match (m.opt_present("no-log"), m.opt_str("log")) {
        (true, Some(_)) => return Err("--log and --no-log exclude each other".into()),
        (true, None) => None,
        (false, path) => Some(path.map(PathBuf::from).unwrap_or_default()),
    };
    let file = match m.opt_str("password-file") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("--password-file {path}: {e}"))?;
            Some(text.lines().next().unwrap_or("").to_string())
        }
        None => None,
    };
    let settings = settings(&m)?;
    readable(nodes.len(), settings.conns)?;
    let fault_commands = fault_commands(&m)?;
    let leader_cmd = leader_cmd(&m)?;
    let faults = faults(&m, &all_nodes, &nodes, &fault_commands, &cluster_path)?;
    if let Some(f) = faults.iter().find(|f| f.target == leader::ROLE) {
        if leader_cmd.is_none() {
            return Err(format!(
                "--fault '{}': the target leader needs --leader-cmd COMMAND, which names the leader when the fault fires",
                f.spec()
            ));
        }
    }
    Ok(Parsed::Run(Box::new(Config {
        cluster_path,
        nodes,
        log,
        passwords: Passwords { file, ..env },
        errors: m.opt_present("errors"),
        settings: RunSettings {
            schedule: faults.iter().map(ScheduledFault::spec).collect(),
            ..settings
        },
        faults,
        fault_commands,
        leader_cmd,
        all_names: all_nodes.iter().map(|n| n.name.clone()).collect(),
    })))
}

/// perseus starts no run its report cannot read: the report's bounds
/// (`report::limits`, the one place they live) on nodes and connections.
fn readable(nodes: usize, conns: u32) -> Result<(), String> {
    use crate::report::limits::{MAX_KEYS, MAX_NODES};
    if nodes > MAX_NODES {
        return Err(format!(
            "{nodes} nodes: perseus-report reads runs of up to {MAX_NODES} nodes (use --nodes to measure fewer)"
        ));
    }
    let keys = nodes as u64 * u64::from(conns);
    if keys > MAX_KEYS {
        return Err(format!(
            "{nodes} nodes × {conns} connections = {keys} connections: perseus-report reads runs of up to {MAX_KEYS} in all"
        ));
    }
    Ok(())
}

/// The recorded settings, from the options over the defaults.
fn settings(m: &Matches) -> Result<RunSettings, String> {
    let d = RunSettings::default();
    let database = m.opt_str("database").unwrap_or(d.database);
    let table = m.opt_str("table").unwrap_or(d.table);
    check_identifier("--database", &database)?;
    check_identifier("--table", &table)?;
    let conns = match m.opt_str("conns") {
        None => d.conns,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .ok_or_else(|| format!("--conns '{v}': expected a whole number from 1 to 256"))?,
    };
    let duration_s = match m.opt_str("duration") {
        None => None,
        Some(v) => {
            let d = duration::parse(&v).map_err(|e| format!("--duration: {e}"))?;
            if d < Duration::from_millis(1) {
                return Err("--duration must be at least 1ms".into());
            }
            Some(Seconds(d.as_secs_f64()))
        }
    };
    let label = m.opt_str("label");
    if let Some(l) = &label {
        crate::grammar::label(l).map_err(|why| format!("--label: {why}"))?;
    }
    Ok(RunSettings {
        conns,
        user: m.opt_str("user").unwrap_or(d.user),
        database,
        table,
        connect_timeout_ms: ms_option(m, "connect-timeout", d.connect_timeout_ms, false)?,
        read_timeout_ms: ms_option(m, "read-timeout", d.read_timeout_ms, false)?,
        write_timeout_ms: ms_option(m, "write-timeout", d.write_timeout_ms, false)?,
        reconnect_delay_ms: ms_option(m, "reconnect-delay", d.reconnect_delay_ms, true)?,
        fault_timeout_ms: ms_option(m, "fault-timeout", d.fault_timeout_ms, false)?,
        duration_s,
        schedule: Vec::new(),
        label,
    })
}

/// `--leader-cmd COMMAND`, split on white space as `--fault-cmd` is.
fn leader_cmd(m: &Matches) -> Result<Option<Vec<String>>, String> {
    let Some(text) = m.opt_str("leader-cmd") else {
        return Ok(None);
    };
    let words: Vec<String> = text.split_whitespace().map(String::from).collect();
    if words.is_empty() {
        return Err("--leader-cmd: an empty command".into());
    }
    Ok(Some(words))
}

// No default commands: a fault must act on the node's host (or its
// namespace), which only the user or the lab knows how to reach.
fn fault_commands(m: &Matches) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut commands = BTreeMap::new();
    for spec in m.opt_strs("fault-cmd") {
        let (action, words) = fault_spec::parse_command(&spec)?;
        commands.insert(action, words);
    }
    Ok(commands)
}

fn faults(
    m: &Matches,
    all_nodes: &[NodeSpec],
    measured: &[NodeSpec],
    commands: &BTreeMap<String, Vec<String>>,
    cluster_path: &std::path::Path,
) -> Result<Vec<ScheduledFault>, String> {
    let file = cluster_path.display().to_string();
    let mut faults = Vec::new();
    let names: Vec<String> = all_nodes.iter().map(|n| n.name.clone()).collect();
    for spec in m.opt_strs("fault") {
        let mut fault = fault_spec::parse_fault(&spec)?;
        // A `leader` fault's node, and a shape's groups, are known when it
        // fires; a named node is checked now.
        if fault.target != leader::ROLE {
            fault
                .resolve_groups(&names)
                .map_err(|e| format!("--fault '{spec}': {e}"))?;
            cluster::select(all_nodes, std::slice::from_ref(&fault.target), &file)
                .map_err(|e| format!("--fault '{spec}': {e}"))?;
            if !measured.iter().any(|n| n.name == fault.target) {
                return Err(format!(
                    "--fault '{spec}': node {} is not among the nodes measured (--nodes); faults must name a measured node",
                    fault.target
                ));
            }
        }
        if !commands.contains_key(&fault.action) {
            return Err(format!(
                "--fault '{spec}': no command for action '{}'; give one with --fault-cmd '{}=COMMAND'",
                fault.action, fault.action
            ));
        }
        faults.push(fault);
    }
    Ok(faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_comes_from_the_file_then_the_protocols_variable_then_mysql_pwd() {
        let all = Passwords {
            file: Some("file".into()),
            mysql_pwd: Some("mysql".into()),
            pgpassword: Some("pg".into()),
        };
        assert_eq!(
            all.for_protocol(Protocol::Postgres).as_deref(),
            Some("file")
        );
        assert_eq!(all.for_protocol(Protocol::Mysql).as_deref(), Some("file"));
        let env = Passwords { file: None, ..all };
        assert_eq!(env.for_protocol(Protocol::Postgres).as_deref(), Some("pg"));
        assert_eq!(env.for_protocol(Protocol::Mysql).as_deref(), Some("mysql"));
        let mysql_only = Passwords {
            pgpassword: None,
            ..env.clone()
        };
        assert_eq!(
            mysql_only.for_protocol(Protocol::Postgres).as_deref(),
            Some("mysql")
        );
        let pg_only = Passwords {
            mysql_pwd: None,
            ..env
        };
        assert_eq!(
            pg_only.for_protocol(Protocol::Mysql),
            None,
            "MySQL ignores PGPASSWORD"
        );
    }
}
