//! The load generator: checks its input, starts one worker per connection,
//! the writer, and the fault schedule, and stops them all cleanly.

pub mod cli;
pub mod clock;
pub mod db;
pub mod foreign;
pub mod schedule;
pub mod worker;
pub mod writer;

use crate::event::{Event, NodeInfo, Start, SCHEMA};
use crate::tally::Tally;
use clock::{unix_us_now, utc_stamp, RunClock, Watermark};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// Runs perseus with these arguments (without the program name); returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let config = match cli::parse(args, std::env::var("MYSQL_PWD").ok()) {
        Ok(cli::Parsed::Info(text)) => {
            print!("{text}");
            return 0;
        }
        Ok(cli::Parsed::Run(config)) => config,
        Err(e) => {
            eprintln!("perseus: {e}");
            return 2;
        }
    };
    match run(*config) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("perseus: {e}");
            1
        }
    }
}

/// Opens the log for appending; says whether this call created it.
fn open_log(path: &Path) -> Result<(File, bool), String> {
    let shown = path.display();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("log {shown}: cannot create its directory: {e}"))?;
    }
    let existed = path.exists();
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| format!("log {shown}: cannot open it for writing: {e}"))?;
    Ok((file, !existed))
}

/// Checks every node at once; fatal problems stop the run before any load.
fn preflight(cfg: &cli::Config, sql: &db::Sql) -> Result<(), String> {
    let creds = db::Credentials {
        user: cfg.user.clone(),
        password: cfg.password.clone(),
    };
    let timeouts = timeouts(cfg);
    let checks: Vec<_> = cfg
        .nodes
        .iter()
        .map(|node| {
            let (node, opts, sql) = (node.clone(), db::opts(node, &creds, timeouts), sql.clone());
            let (database, table) = (cfg.database.clone(), cfg.table.clone());
            thread::spawn(move || db::preflight(&node, &opts, &sql, &database, &table))
        })
        .collect();
    let mut fatal = Vec::new();
    let mut ready = 0;
    for check in checks {
        match check.join() {
            Ok(db::Preflight::Ready) => ready += 1,
            Ok(db::Preflight::NotReady(why)) => eprintln!("perseus: warning: {why}; the run goes on"),
            Ok(db::Preflight::Unreachable(why)) => eprintln!(
                "perseus: warning: {why}; the run goes on, logs its errors and picks it up when it answers"
            ),
            Ok(db::Preflight::Fatal(why)) => fatal.push(why),
            Err(_) => fatal.push("a node check crashed".into()),
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

fn timeouts(cfg: &cli::Config) -> db::Timeouts {
    db::Timeouts {
        connect: cfg.connect_timeout,
        read: cfg.read_timeout,
        write: cfg.write_timeout,
    }
}

fn start_event(cfg: &cli::Config, run: &str, unix_us: u64) -> Start {
    let ms = |d: Duration| d.as_millis() as u64;
    Start {
        t_us: 0,
        schema: SCHEMA,
        run: run.into(),
        unix_us,
        tool: format!("perseus {}", env!("CARGO_PKG_VERSION")),
        nodes: cfg
            .nodes
            .iter()
            .map(|n| NodeInfo {
                name: n.name.clone(),
                host: n.host.clone(),
                port: n.port,
            })
            .collect(),
        conns: cfg.conns,
        user: cfg.user.clone(),
        database: cfg.database.clone(),
        table: cfg.table.clone(),
        connect_timeout_ms: ms(cfg.connect_timeout),
        read_timeout_ms: ms(cfg.read_timeout),
        write_timeout_ms: ms(cfg.write_timeout),
        reconnect_delay_ms: ms(cfg.reconnect_delay),
        duration_s: cfg.duration.map(|d| d.as_secs()),
        schedule: cfg.faults.iter().map(|f| f.spec()).collect(),
    }
}

fn run(mut cfg: cli::Config) -> Result<(), String> {
    let pid = std::process::id();
    let log_path: Option<PathBuf> = cfg.log.take().map(|p| {
        if p.as_os_str().is_empty() {
            PathBuf::from(format!(
                "logs/perseus-{}-{pid}.jsonl",
                utc_stamp(unix_us_now() / 1_000_000)
            ))
        } else {
            p
        }
    });
    let mut file = match &log_path {
        Some(path) => Some(open_log(path)?),
        None => None,
    };
    let sql = db::Sql::new(&cfg.database, &cfg.table);
    if let Err(e) = preflight(&cfg, &sql) {
        if let (Some((f, true)), Some(path)) = (&file, &log_path) {
            if f.metadata().map(|m| m.len() == 0).unwrap_or(false) {
                let _ = std::fs::remove_file(path);
            }
        }
        return Err(e);
    }

    let clock = Arc::new(RunClock::start());
    let run_id = format!("{}-{pid}", utc_stamp(clock.unix_us / 1_000_000));
    if let Some((f, _)) = file.as_mut() {
        let mut line = Vec::new();
        Event::Start(start_event(&cfg, &run_id, clock.unix_us)).write_line(&mut line);
        f.write_all(&line)
            .map_err(|e| format!("cannot write the log: {e}"))?;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(AtomicBool::new(false));
    {
        let (stop, signalled) = (stop.clone(), signalled.clone());
        ctrlc::set_handler(move || {
            signalled.store(true, Ordering::SeqCst);
            stop.store(true, Ordering::SeqCst);
        })
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    }

    let creds = db::Credentials {
        user: cfg.user.clone(),
        password: cfg.password.clone(),
    };
    let mut infos = Vec::new();
    let mut opts = Vec::new();
    for (n, node) in cfg.nodes.iter().enumerate() {
        for conn in 0..cfg.conns {
            infos.push(writer::WorkerInfo {
                node: n,
                conn,
                key: format!("{run_id}-{}-{conn}", node.name),
            });
            opts.push(db::opts(node, &creds, timeouts(&cfg)));
        }
    }
    let watermark = Arc::new(Watermark::new(infos.len()));
    let (tx, rx) = mpsc::channel();
    let names: Vec<String> = cfg.nodes.iter().map(|n| n.name.clone()).collect();
    let keys: Vec<String> = infos.iter().map(|i| i.key.clone()).collect();
    let mut file = file.map(|(f, _)| f);
    let foreign = match file.as_mut() {
        Some(f) => Some(
            foreign::ForeignLines::new(f).map_err(|e| format!("cannot read the log back: {e}"))?,
        ),
        None => None,
    };
    let writer = writer::Writer {
        rx,
        file,
        foreign,
        names: names.clone(),
        workers: infos,
        tally: Tally::new(names, cfg.errors),
        clock: clock.clone(),
        watermark: watermark.clone(),
        stop: stop.clone(),
    };
    let writer = thread::Builder::new()
        .name("writer".into())
        .spawn(move || writer.run())
        .map_err(|e| format!("cannot start the writer thread: {e}"))?;

    let sql = Arc::new(sql);
    let mut workers = Vec::new();
    for (id, (key, opts)) in keys.into_iter().zip(opts).enumerate() {
        let w = worker::Worker {
            id,
            key,
            opts,
            sql: sql.clone(),
            clock: clock.clone(),
            watermark: watermark.clone(),
            tx: tx.clone(),
            stop: stop.clone(),
            reconnect_delay: cfg.reconnect_delay,
        };
        match thread::Builder::new()
            .name(format!("worker-{id}"))
            .spawn(move || w.run())
        {
            Ok(handle) => workers.push(handle),
            Err(e) => {
                stop.store(true, Ordering::SeqCst);
                eprintln!("perseus: cannot start a worker thread: {e}");
                break;
            }
        }
    }
    let scheduler = (!cfg.faults.is_empty()).then(|| {
        let s = schedule::Scheduler {
            faults: cfg.faults.clone(),
            commands: cfg.fault_commands.clone(),
            command_timeout: cfg.fault_timeout,
            clock: clock.clone(),
            tx: tx.clone(),
            stop: stop.clone(),
        };
        thread::spawn(move || s.run())
    });

    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if cfg.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let reason = if signalled.load(Ordering::SeqCst) {
        "signal"
    } else if stop.load(Ordering::SeqCst) {
        "log error"
    } else {
        "duration"
    };
    stop.store(true, Ordering::SeqCst);
    if reason == "signal" {
        eprintln!("perseus: stopping; waiting for operations in flight (at most the read timeout)");
    }
    for w in workers {
        let _ = w.join();
    }
    if let Some(s) = scheduler {
        let _ = s.join();
    }
    let _ = tx.send(worker::Msg::Stop {
        t_us: clock.now_us(),
        reason: reason.into(),
    });
    drop(tx);
    let stats = writer
        .join()
        .map_err(|_| "the writer thread crashed".to_string())??;
    summarize(&stats, reason, log_path.as_deref());
    Ok(())
}

fn summarize(stats: &writer::Stats, reason: &str, log: Option<&Path>) {
    eprintln!(
        "perseus: stopped ({reason}) after {:.3} s: {} successful iterations, {} failed operations",
        stats.end_us as f64 / 1e6,
        stats.iterations,
        stats.error_count()
    );
    if !stats.errors.is_empty() {
        let parts: Vec<String> = stats
            .errors
            .iter()
            .map(|((kind, code), n)| match code {
                Some(c) => format!("{} {c} ×{n}", kind.name()),
                None => format!("{} ×{n}", kind.name()),
            })
            .collect();
        eprintln!("perseus: errors: {}", parts.join(", "));
    }
    if let Some(path) = log {
        eprintln!("perseus: log: {}", path.display());
    }
}
