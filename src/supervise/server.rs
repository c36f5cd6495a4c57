//! One start of the server: spawned with its output on a pipe that a thread
//! copies into the log line by line (telling the run of the lines an engine
//! named), its PID kept in the pidfile while it runs, and its end as
//! `waitpid` tells it. Every event and note goes through the `Sink`.

use super::cli::Config;
use super::output::{self, LinePattern, Lines};
use super::policy::Ended;
use super::reap;
use super::run_log::{self, Observed, RunLog};
use crate::event::{server_seen, server_what, Server};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// Where what the supervisor sees goes: the node's log file, and the run's
/// log while a run goes on.
pub struct Sink {
    node: String,
    server: String,
    log: Mutex<File>,
    runs: Mutex<RunLog>,
}

impl Sink {
    pub fn open(config: &Config) -> io::Result<Sink> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.log)?;
        let pointer = config.run_log.clone().unwrap_or_default();
        Ok(Sink {
            node: config.node.clone(),
            server: config.server.clone(),
            log: Mutex::new(log),
            runs: Mutex::new(RunLog::new(pointer)),
        })
    }

    /// A line of the supervisor's own in the log, as systemd's in a journal.
    pub fn note(&self, msg: &str) {
        self.write_line(&format!("perseus-supervise: {msg}"));
    }

    /// A process the server left behind (re-parented here) ended: a note,
    /// as systemd's journal has none but its own output tells it.
    pub fn orphan_ended(&self, pid: u32, ended: Ended) {
        self.note(&format!(
            "PID {pid}, left behind by {}, exited: {}",
            self.server,
            how(ended)
        ));
    }

    fn write_line(&self, line: &str) {
        if let Ok(mut log) = self.log.lock() {
            let _ = log.write_all(format!("{line}\n").as_bytes());
        }
    }

    /// An event observed at `(mono_us, wall_us)`: to the run, if one goes on.
    fn event(&self, at: (u64, u64), what: &str, seen: &str, fill: impl FnOnce(&mut Server<'_>)) {
        let mut event = Server::new(&self.node, &self.server, what, seen);
        fill(&mut event);
        let observed = Observed {
            mono_us: at.0,
            wall_us: at.1,
            event,
        };
        let appended = self.runs.lock().map(|mut runs| runs.append(observed));
        if let Ok(Err(e)) = appended {
            self.note(&format!("cannot append to the run's log: {e}"));
        }
    }
}

/// A server started, with the thread that copies its output.
pub struct Spawned {
    pub pid: u32,
    child: Child,
    pump: Option<std::thread::JoinHandle<()>>,
}

impl Spawned {
    /// Starts the command (with the first start's environment the first
    /// time), records its PID and tells the run.
    pub fn start(config: &Config, sink: &Arc<Sink>, first: bool) -> Result<Spawned, String> {
        let (reader, writer) = io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
        let child = spawn(config, first, writer)
            .map_err(|e| format!("cannot start {}: {e}", config.command.join(" ")))?;
        let at = run_log::now();
        let pid = child.id();
        write_pidfile(config, pid)
            .map_err(|e| format!("cannot write {}: {e}", config.pidfile.display()))?;
        let (what, note) = if first {
            (server_what::STARTED, None)
        } else {
            let rule = format!(
                "Restart={}, RestartSec={} ms",
                config.restart.name(),
                config.restart_sec.as_millis()
            );
            (server_what::RESTARTED, Some(rule))
        };
        sink.note(&format!("{} {what}: PID {pid}", config.server));
        sink.event(at, what, server_seen::SPAWN, |e| {
            e.pid = Some(pid);
            e.note = note.map(Into::into);
        });
        let pump = {
            let sink = Arc::clone(sink);
            let patterns = config.patterns.clone();
            std::thread::spawn(move || pump(reader, &sink, &patterns))
        };
        Ok(Spawned {
            pid,
            child,
            pump: Some(pump),
        })
    }

    /// Waits until the server's process ends (reaping what it left behind
    /// meanwhile); tells the run how.
    pub fn wait(mut self, config: &Config, sink: &Sink) -> Ended {
        let ended = reap::wait_for(self.pid, &mut |pid, how| sink.orphan_ended(pid, how));
        let at = run_log::now();
        // Reaped above: the handle has nothing left to wait for.
        drop(self.child);
        remove_pidfile(config, self.pid);
        sink.note(&format!(
            "{} exited: PID {}, {}",
            config.server,
            self.pid,
            how(ended)
        ));
        sink.event(at, server_what::EXITED, server_seen::WAIT, |e| {
            e.pid = Some(self.pid);
            match ended {
                Ended::Exited(code) => e.exit = Some(code),
                Ended::Signaled(signal) => e.signal = Some(signal),
            }
        });
        // Its helpers (an rsync of a state transfer) may hold the pipe for a
        // while: the copy ends on its own, never waited for.
        drop(self.pump.take());
        ended
    }
}

fn spawn(config: &Config, first: bool, writer: io::PipeWriter) -> io::Result<Child> {
    let mut command = Command::new(&config.command[0]);
    command
        .args(&config.command[1..])
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    if first {
        command.envs(config.first_env.iter().map(|(k, v)| (k, v)));
    }
    // The command (and with it our end of the pipe's copy) is dropped here,
    // so the pipe reaches its end when the server and its helpers exit.
    command.spawn()
}

/// Copies the server's output into the log, line by line, telling the run
/// of each line an engine named.
fn pump(mut reader: io::PipeReader, sink: &Sink, patterns: &[LinePattern]) {
    let mut lines = Lines::default();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let at = run_log::now();
        for line in lines.push(&buf[..n]) {
            sink.write_line(&line);
            if let Some(told) = output::told(patterns, &line) {
                sink.event(at, &told.what, server_seen::LOG, |e| {
                    e.transfer = told.transfer.map(Into::into);
                    e.side = told.side.map(Into::into);
                    e.timeline = told.timeline;
                    e.line = Some(told.line.into());
                });
            }
        }
    }
    if let Some(rest) = lines.finish() {
        sink.write_line(&rest);
    }
}

fn how(ended: Ended) -> String {
    match ended {
        Ended::Exited(code) => format!("exit status {code}"),
        Ended::Signaled(signal) => format!("signal {signal}"),
    }
}

/// Written whole, then renamed into place: a reader never sees half a PID.
fn write_pidfile(config: &Config, pid: u32) -> io::Result<()> {
    let tmp = config.pidfile.with_extension("pid.new");
    std::fs::write(&tmp, format!("{pid}\n"))?;
    std::fs::rename(&tmp, &config.pidfile)
}

/// Removed only while it still names this server.
fn remove_pidfile(config: &Config, pid: u32) {
    if std::fs::read_to_string(&config.pidfile).is_ok_and(|s| s.trim() == pid.to_string()) {
        let _ = std::fs::remove_file(&config.pidfile);
    }
}
