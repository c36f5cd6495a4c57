//! perseus-supervise: one lab server under the rules of its Debian unit, as
//! systemd and journald would run it on a real host (docs/lab.md,
//! "Supervised servers"). It starts the server, keeps its output in the
//! node's log file line by line, starts it again after the unit's delay when
//! the unit's `Restart=` rule says so (`policy.rs`), and tells the run going
//! on what the server did: `server` events in the run's log, on the run's
//! clock (`run_log.rs`), for its exit, its restart and the lines of its
//! output that an engine names (`output.rs`).
//!
//! It keeps every process of its unit, as systemd's cgroup does: what the
//! server leaves behind is re-parented to it and reaped by it (`reap.rs`).
//! The lab kills a node's supervisor before its server (a node losing
//! power): nothing is restarted then. SIGTERM or SIGINT is passed on to the
//! server, which is then not restarted (`systemctl stop`).

pub mod output;
pub mod policy;
pub mod reap;
pub mod run_log;

mod cli;
mod server;

use cli::Config;
use policy::{Ended, StartLimit};
use server::{Sink, Spawned};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the supervisor; the process's exit status.
pub fn main(args: &[String]) -> i32 {
    match cli::parse(args) {
        Ok(config) => supervise(&config),
        Err(msg) => {
            eprintln!("perseus-supervise: {msg}");
            2
        }
    }
}

/// Set by SIGTERM or SIGINT: pass it on and restart nothing.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// The server running now (0: none), for passing the signal on.
static CHILD: AtomicI32 = AtomicI32::new(0);

fn supervise(config: &Config) -> i32 {
    let limit_note = config.apply_limits();
    let _ = ctrlc::set_handler(|| {
        STOPPING.store(true, Ordering::SeqCst);
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill(2) with a pid we started and a valid signal.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    });
    let sink = match Sink::open(config) {
        Ok(sink) => Arc::new(sink),
        Err(e) => {
            eprintln!(
                "perseus-supervise: cannot open {}: {e}",
                config.log.display()
            );
            return 1;
        }
    };
    if let Some(msg) = limit_note {
        sink.note(&msg);
    }
    if let Err(msg) = reap::become_subreaper() {
        sink.note(&msg);
    }
    let mut limit = StartLimit::new(config.start_limit.0, config.start_limit.1);
    let mut first = true;
    loop {
        if !limit.allow(Instant::now()) {
            sink.note(&format!(
                "{} not started again: {} starts within {} s (systemd's start limit)",
                config.server,
                config.start_limit.0,
                config.start_limit.1.as_secs()
            ));
            return 1;
        }
        let spawned = match Spawned::start(config, &sink, first) {
            Ok(spawned) => spawned,
            Err(msg) => {
                sink.note(&msg);
                return 1;
            }
        };
        CHILD.store(spawned.pid as i32, Ordering::SeqCst);
        let ended = spawned.wait(config, &sink);
        CHILD.store(0, Ordering::SeqCst);
        if !should_restart(config, &sink, ended) {
            return 0;
        }
        if !pause(config.restart_sec, &sink) {
            sink.note("stopped while waiting to restart: not restarted");
            return 0;
        }
        first = false;
    }
}

/// Whether the unit's rule restarts a server that ended so (not while
/// stopping); notes the decision in the log.
fn should_restart(config: &Config, sink: &Sink, ended: Ended) -> bool {
    let rule = config.restart.name();
    if STOPPING.load(Ordering::SeqCst) {
        sink.note(&format!("{} stopped: not restarted", config.server));
        return false;
    }
    let restart = config.restart.restarts(ended);
    sink.note(&if restart {
        format!(
            "Restart={rule}: starting {} again in {} ms",
            config.server,
            config.restart_sec.as_millis()
        )
    } else {
        format!("Restart={rule}: {} is not started again", config.server)
    });
    restart
}

/// Sleeps the restart delay, reaping what the server left behind as it
/// ends; false if a stop came meanwhile.
fn pause(delay: Duration, sink: &Sink) -> bool {
    let until = Instant::now() + delay;
    while Instant::now() < until {
        reap::reap_ended(&mut |pid, how| sink.orphan_ended(pid, how));
        if STOPPING.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep((until - Instant::now()).min(Duration::from_millis(20)));
    }
    !STOPPING.load(Ordering::SeqCst)
}
