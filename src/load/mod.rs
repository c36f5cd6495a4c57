//! The load generator, `perseus`: one worker thread and connection per
//! (node, conn) loops read → write on its own key; a writer thread logs every
//! operation and prints the per-second table; a scheduler applies faults.
//! [`run`] names the steps of a run; each lives in a module of its own:
//!
//! - `cli.rs` options → `Config`; `preflight.rs` the check before any load
//! - `log_file.rs`, `appended.rs` the log file and lines others append to it
//! - `worker.rs` the loop, over `database.rs` (a trait), `backend.rs` (each
//!   node's protocol), `mysql.rs` and `postgres/`; `errors.rs` what the
//!   protocols' failures have in common
//! - `writer.rs` log, live table and stop event; `watermark.rs` when a
//!   second is complete; `inflight.rs` what each worker is doing
//! - `fault_spec.rs`, `scheduler.rs` faults on a schedule
//! - `stop.rs` who stops the run, why, and when; `clock.rs` the run's clock

pub mod appended;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod command;
pub mod database;
pub mod effect;
pub mod errors;
pub mod fault_spec;
pub mod inflight;
pub mod leader;
pub mod log_file;
pub mod mysql;
pub mod postgres;
pub mod preflight;
pub mod scheduler;
pub mod stop;
pub mod watermark;
pub mod worker;
pub mod writer;

use crate::event::{Event, InFlightFault, NodeInfo, Start};
use crate::tally::Tally;
use backend::AnyConnector;
use clock::{boot_id, unix_us_now, utc_stamp, Clock, RunClock};
use inflight::WorkerSlot;
use log_file::LogFile;
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use stop::{StopReason, StopSignal};
use watermark::Watermark;
use writer::{Msg, Stats, StopMsg, WorkerInfo, Writer};

/// How long the stop waits for workers to finish what they are doing before
/// it lists it as in flight and leaves them.
const WORKER_GRACE: Duration = Duration::from_millis(200);

/// Runs perseus with these arguments (without the program name); returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let config = match cli::parse(args, cli::Passwords::from_env()) {
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

/// One run: check the nodes, start the log, the writer, the workers and the
/// schedule, wait for the stop, shut down.
fn run(cfg: cli::Config) -> Result<(), String> {
    let mut log = open_log(&cfg)?;
    let checked = backend::connectors(&cfg).and_then(|connectors| {
        // One connector per node: the first of its conns.
        let first: Vec<&AnyConnector> = connectors
            .iter()
            .step_by(cfg.settings.conns as usize)
            .collect();
        let s = &cfg.settings;
        preflight::check_all(&cfg.nodes, &first, &s.database, &s.table)?;
        Ok(connectors)
    });
    let connectors = match checked {
        Ok(connectors) => connectors,
        Err(e) => {
            discard_if_new_and_empty(log);
            return Err(e);
        }
    };
    let clock = Arc::new(RunClock::start());
    let run_id = format!(
        "{}-{}",
        utc_stamp(clock.unix_us / 1_000_000),
        std::process::id()
    );
    if let Some(log) = log.as_mut() {
        write_start(log, &cfg, &clock, &run_id)?;
    }
    let clock: Arc<dyn Clock> = clock;
    let stop = Arc::new(StopSignal::new(clock.clone()));
    handle_signals(&stop)?;
    let log_path = log.as_ref().map(|l| l.path().to_path_buf());
    let (tx, rx) = mpsc::channel();
    let workers = worker_infos(&cfg, &run_id);
    let keys: Vec<String> = workers.iter().map(|w| w.key.clone()).collect();
    let watermark = Arc::new(Watermark::new(workers.len()));
    let writer = start_writer(&cfg, rx, log, workers, &clock, &watermark, &stop)?;
    let started = Started {
        workers: start_workers(&cfg, connectors, keys, &clock, &watermark, &stop, &tx),
        scheduler: start_scheduler(&cfg, &clock, &stop, &tx),
    };
    stop.wait(cfg.duration().map(|d| d.as_micros() as u64));
    announce_stop(&stop);
    let stop_msg = shut_down(&stop, started);
    let _ = tx.send(Msg::Stop(stop_msg));
    drop(tx);
    let stats = writer
        .join()
        .map_err(|_| "the writer thread crashed".to_string())?;
    summarize(&stats, &stop, log_path);
    match (stats.log_error, stop.reason()) {
        (Some(e), _) => Err(format!("the run stopped early: {e}")),
        (None, Some(StopReason::StartFailure(why))) => Err(why),
        _ => Ok(()),
    }
}

/// The log named by `--log` (or the default name), or None with `--no-log`.
fn open_log(cfg: &cli::Config) -> Result<Option<LogFile>, String> {
    let Some(path) = &cfg.log else {
        return Ok(None);
    };
    let path = if path.as_os_str().is_empty() {
        PathBuf::from(format!(
            "logs/perseus-{}-{}.jsonl",
            utc_stamp(unix_us_now() / 1_000_000),
            std::process::id()
        ))
    } else {
        path.clone()
    };
    LogFile::open(&path).map(Some)
}

/// A run refused before it began leaves no empty log behind.
fn discard_if_new_and_empty(log: Option<LogFile>) {
    if let Some(log) = log.filter(|l| l.created && l.is_empty()) {
        let _ = std::fs::remove_file(log.path());
    }
}

fn worker_infos(cfg: &cli::Config, run_id: &str) -> Vec<WorkerInfo> {
    cfg.nodes
        .iter()
        .enumerate()
        .flat_map(|(n, node)| {
            (0..cfg.settings.conns).map(move |conn| WorkerInfo {
                node: n,
                conn,
                key: format!("{run_id}-{}-{conn}", node.name),
            })
        })
        .collect()
}

fn write_start(
    log: &mut LogFile,
    cfg: &cli::Config,
    clock: &RunClock,
    run_id: &str,
) -> Result<(), String> {
    let nodes = cfg
        .nodes
        .iter()
        .map(|n| NodeInfo {
            name: n.name.clone(),
            host: n.host.clone(),
            port: n.port,
        })
        .collect();
    let start = Start {
        mono_us: Some(clock.mono_us),
        boot_id: boot_id(),
        ..Start::new(run_id, clock.unix_us, nodes, cfg.settings.clone())
    };
    let mut line = Vec::new();
    Event::Start(start).write_line(&mut line);
    log.write_first(&line)
}

/// Ctrl-C, SIGTERM and SIGHUP stop the run.
fn handle_signals(stop: &Arc<StopSignal>) -> Result<(), String> {
    let stop = stop.clone();
    ctrlc::set_handler(move || {
        stop.stop(StopReason::Signal);
    })
    .map_err(|e| format!("cannot handle Ctrl-C: {e}"))
}

fn start_writer(
    cfg: &cli::Config,
    rx: mpsc::Receiver<Msg>,
    log: Option<LogFile>,
    workers: Vec<WorkerInfo>,
    clock: &Arc<dyn Clock>,
    watermark: &Arc<Watermark>,
    stop: &Arc<StopSignal>,
) -> Result<JoinHandle<Stats>, String> {
    let names: Vec<String> = cfg.nodes.iter().map(|n| n.name.clone()).collect();
    let writer = Writer {
        rx,
        log,
        tally: Tally::new(names.clone(), cfg.errors),
        names,
        workers,
        clock: clock.clone(),
        watermark: watermark.clone(),
        stop: stop.clone(),
        table: Box::new(std::io::stdout()),
        notes: Box::new(std::io::stderr()),
    };
    thread::Builder::new()
        .name("writer".into())
        .spawn(move || writer.run())
        .map_err(|e| format!("cannot start the writer thread: {e}"))
}

/// What runs until the stop.
struct Started {
    workers: Vec<(JoinHandle<()>, Arc<WorkerSlot>)>,
    scheduler: Option<JoinHandle<Vec<InFlightFault>>>,
}

fn start_workers(
    cfg: &cli::Config,
    connectors: Vec<AnyConnector>,
    keys: Vec<String>,
    clock: &Arc<dyn Clock>,
    watermark: &Arc<Watermark>,
    stop: &Arc<StopSignal>,
    tx: &Sender<Msg>,
) -> Vec<(JoinHandle<()>, Arc<WorkerSlot>)> {
    let mut started = Vec::new();
    for (id, (connector, key)) in connectors.into_iter().zip(keys).enumerate() {
        let slot = Arc::new(WorkerSlot::default());
        let w = worker::Worker {
            id,
            connector,
            key,
            clock: clock.clone(),
            watermark: watermark.clone(),
            slot: slot.clone(),
            stop: stop.clone(),
            tx: tx.clone(),
            reconnect_delay: Duration::from_millis(cfg.settings.reconnect_delay_ms),
        };
        match thread::Builder::new()
            .name(format!("worker-{id}"))
            .spawn(move || w.run())
        {
            Ok(handle) => started.push((handle, slot)),
            Err(e) => {
                stop.stop(StopReason::StartFailure(format!(
                    "cannot start a worker thread: {e}"
                )));
                break;
            }
        }
    }
    started
}

fn start_scheduler(
    cfg: &cli::Config,
    clock: &Arc<dyn Clock>,
    stop: &Arc<StopSignal>,
    tx: &Sender<Msg>,
) -> Option<JoinHandle<Vec<InFlightFault>>> {
    if cfg.faults.is_empty() {
        return None;
    }
    let s = scheduler::Scheduler {
        faults: cfg.faults.clone(),
        commands: cfg.fault_commands.clone(),
        command_timeout: Duration::from_millis(cfg.settings.fault_timeout_ms),
        clock: clock.clone(),
        tx: tx.clone(),
        stop: stop.clone(),
        leader_cmd: cfg.leader_cmd.clone(),
        nodes: cfg.all_names.clone(),
    };
    match thread::Builder::new()
        .name("scheduler".into())
        .spawn(move || s.run())
    {
        Ok(handle) => Some(handle),
        Err(e) => {
            stop.stop(StopReason::StartFailure(format!(
                "cannot start the fault scheduler: {e}"
            )));
            None
        }
    }
}

/// Says what happens now, when the user stopped the run.
fn announce_stop(stop: &StopSignal) {
    if stop.reason() == Some(StopReason::Signal) {
        let at = stop.stopped_at().unwrap_or(0) as f64 / 1e6;
        eprintln!(
            "perseus: stopping at {at:.3} s (signal); operations still running are logged as in flight, and fault commands still running are ended"
        );
    }
}

/// Waits briefly for the workers, gives up on those still busy (their
/// operation is in flight), ends running fault commands; the stop message.
fn shut_down(stop: &StopSignal, started: Started) -> StopMsg {
    let deadline = Instant::now() + WORKER_GRACE;
    while Instant::now() < deadline && started.workers.iter().any(|(h, _)| !h.is_finished()) {
        thread::sleep(Duration::from_millis(2));
    }
    let mut abandoned = Vec::new();
    for (id, (handle, slot)) in started.workers.into_iter().enumerate() {
        if handle.is_finished() {
            let _ = handle.join();
        } else if let Some(current) = slot.abandon() {
            // Left to finish on its own; the process does not wait for it.
            abandoned.push((id as u32, current));
        }
    }
    let faults_in_flight = started
        .scheduler
        .map(|s| s.join().unwrap_or_default())
        .unwrap_or_default();
    StopMsg {
        t_us: stop.stopped_at().unwrap_or(0),
        reason: stop.reason().unwrap_or(StopReason::Signal),
        abandoned,
        faults_in_flight,
    }
}

fn summarize(stats: &Stats, stop: &StopSignal, log: Option<PathBuf>) {
    let reason = stop.reason().map_or("unknown", |r| r.name());
    eprintln!(
        "perseus: stopped ({reason}) at {} s: {} successful iterations, {} failed operations",
        crate::duration::show_secs(stats.end_us),
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
