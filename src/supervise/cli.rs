//! perseus-supervise's options → a checked `Config`.

use super::output::LinePattern;
use super::policy::Restart;
use crate::duration;
use std::path::PathBuf;
use std::time::Duration;

pub struct Config {
    pub node: String,
    pub server: String,
    /// Where the running server's PID is kept (absent while none runs).
    pub pidfile: PathBuf,
    /// The server's output, and the supervisor's notes, appended.
    pub log: PathBuf,
    pub restart: Restart,
    pub restart_sec: Duration,
    /// systemd's StartLimitBurst and StartLimitIntervalSec.
    pub start_limit: (usize, Duration),
    /// Environment for the first start only (Debian's galera_new_cluster
    /// sets `_WSREP_NEW_CLUSTER` for one start, then unsets it).
    pub first_env: Vec<(String, String)>,
    /// The unit's LimitNOFILE.
    pub nofile: Option<u64>,
    pub patterns: Vec<LinePattern>,
    /// The file that names the log of the run going on.
    pub run_log: Option<PathBuf>,
    pub command: Vec<String>,
}

const USAGE: &str = "usage: perseus-supervise --node NODE --server NAME --pidfile FILE --log FILE \
[--restart no|on-failure|on-abnormal|always] [--restart-sec DUR] [--start-limit BURST/SECONDS] \
[--first-env KEY=VALUE]... [--nofile N] [--event WHAT:TRANSFER:SIDE:TEXT]... [--run-log FILE] \
-- COMMAND [ARG]...";

pub fn parse(args: &[String]) -> Result<Config, String> {
    let split = args.iter().position(|a| a == "--");
    let (opts_args, command) = match split {
        Some(i) => (&args[..i], args[i + 1..].to_vec()),
        None => return Err(format!("no command after --\n{USAGE}")),
    };
    if command.is_empty() {
        return Err(format!("no command after --\n{USAGE}"));
    }
    let mut opts = getopts::Options::new();
    for (name, hint) in [
        ("node", "NODE"),
        ("server", "NAME"),
        ("pidfile", "FILE"),
        ("log", "FILE"),
        ("restart", "RULE"),
        ("restart-sec", "DUR"),
        ("start-limit", "BURST/SECONDS"),
        ("nofile", "N"),
        ("run-log", "FILE"),
    ] {
        opts.optopt("", name, "", hint);
    }
    opts.optmulti("", "first-env", "", "KEY=VALUE");
    opts.optmulti("", "event", "", "WHAT:TRANSFER:SIDE:TEXT");
    let m = opts.parse(opts_args).map_err(|e| format!("{e}\n{USAGE}"))?;
    let need = |name: &str| {
        m.opt_str(name)
            .ok_or_else(|| format!("--{name} is required\n{USAGE}"))
    };
    let restart = match m.opt_str("restart") {
        None => Restart::No,
        Some(word) => Restart::parse(&word)
            .ok_or_else(|| format!("--restart '{word}': no, on-failure, on-abnormal or always"))?,
    };
    Ok(Config {
        node: need("node")?,
        server: need("server")?,
        pidfile: need("pidfile")?.into(),
        log: need("log")?.into(),
        restart,
        // systemd's default RestartSec.
        restart_sec: duration_opt(&m, "restart-sec")?.unwrap_or(Duration::from_millis(100)),
        start_limit: start_limit(m.opt_str("start-limit"))?,
        first_env: m
            .opt_strs("first-env")
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| format!("--first-env '{kv}': expected KEY=VALUE"))
            })
            .collect::<Result<_, _>>()?,
        nofile: m
            .opt_str("nofile")
            .map(|n| n.parse().map_err(|_| format!("--nofile '{n}': a number")))
            .transpose()?,
        patterns: m
            .opt_strs("event")
            .iter()
            .map(|s| LinePattern::parse(s))
            .collect::<Result<_, _>>()?,
        run_log: m.opt_str("run-log").map(PathBuf::from),
        command,
    })
}

fn duration_opt(m: &getopts::Matches, name: &str) -> Result<Option<Duration>, String> {
    m.opt_str(name)
        .map(|d| duration::parse(&d).map_err(|e| format!("--{name}: {e}")))
        .transpose()
}

/// `BURST/SECONDS`; systemd's defaults, 5 within 10 s, when absent.
fn start_limit(spec: Option<String>) -> Result<(usize, Duration), String> {
    let Some(spec) = spec else {
        return Ok((5, Duration::from_secs(10)));
    };
    let parsed = spec
        .split_once('/')
        .and_then(|(b, s)| Some((b.parse::<usize>().ok()?, s.parse::<u64>().ok()?)));
    match parsed {
        Some((burst, secs)) if burst > 0 => Ok((burst, Duration::from_secs(secs))),
        _ => Err(format!(
            "--start-limit '{spec}': BURST/SECONDS, such as 5/10"
        )),
    }
}

impl Config {
    /// The unit's open-file limit, set on the supervisor so that its server
    /// inherits it. Where the host's hard limit is lower and cannot be
    /// raised (a container), the hard limit is what the server gets; the
    /// message says so (None: the unit's limit holds).
    pub fn apply_limits(&self) -> Option<String> {
        let n = self.nofile?;
        let limit = libc::rlimit {
            rlim_cur: n,
            rlim_max: n,
        };
        // SAFETY: setrlimit reads one valid rlimit struct.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
            return None;
        }
        let why = std::io::Error::last_os_error();
        let mut now = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit struct through a valid pointer;
        // setrlimit reads it.
        unsafe {
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut now);
            now.rlim_cur = now.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &now);
        }
        Some(format!(
            "the unit's open-file limit {n} cannot be set here ({why}): the server gets this host's hard limit, {}",
            now.rlim_max
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn options_become_a_config_with_systemds_defaults() {
        let c = parse(&args(
            "--node n1 --server mariadbd --pidfile p --log l --restart on-abnormal --restart-sec 5s \
             --first-env _WSREP_NEW_CLUSTER=--wsrep-new-cluster -- mariadbd --defaults-file=x",
        ))
        .expect("valid");
        assert_eq!(
            (c.restart, c.restart_sec),
            (Restart::OnAbnormal, Duration::from_secs(5))
        );
        assert_eq!(c.start_limit, (5, Duration::from_secs(10)));
        assert_eq!(
            c.first_env,
            vec![("_WSREP_NEW_CLUSTER".into(), "--wsrep-new-cluster".into())]
        );
        assert_eq!(c.command, vec!["mariadbd", "--defaults-file=x"]);
        let bare = parse(&args("--node n --server s --pidfile p --log l -- x")).expect("valid");
        assert_eq!(
            (bare.restart, bare.restart_sec),
            (Restart::No, Duration::from_millis(100))
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (bad, says) in [
            ("--node n --server s --pidfile p --log l", "no command"),
            ("--server s --pidfile p --log l -- x", "--node is required"),
            (
                "--node n --server s --pidfile p --log l --restart maybe -- x",
                "--restart 'maybe'",
            ),
            (
                "--node n --server s --pidfile p --log l --start-limit 5 -- x",
                "--start-limit",
            ),
            (
                "--node n --server s --pidfile p --log l --event ready -- x",
                "--event 'ready'",
            ),
        ] {
            let err = parse(&args(bad)).err().unwrap_or_default();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
