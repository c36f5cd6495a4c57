//! The run going on, if any, and appending a server event to its log on its
//! own clock. The lab names the run's log in a pointer file while an
//! experiment or a suite's run goes on (empty or absent: no run). The log's
//! last start event gives the clock (`mono_us` and `boot_id`: exact on this
//! host; else the wall clock, as bin/lib/faultlog.sh does for faults); a
//! stop event after it, or the planned duration having passed, means the run
//! is over and nothing more is appended. The log is scanned once and then
//! only for what was appended since.

use crate::event::{fault_clock, Event, Server, Start};
use crate::load::clock::{boot_id, unix_us_now};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where the run's zero lies on the clocks, and when it ends.
#[derive(Debug, Clone, PartialEq)]
struct RunStart {
    mono_us: Option<u64>,
    boot_id: Option<String>,
    unix_us: u64,
    /// The planned end (`duration_s`), microseconds, when known.
    end_us: Option<u64>,
}

impl RunStart {
    fn of(start: &Start) -> RunStart {
        RunStart {
            mono_us: start.mono_us,
            boot_id: start.boot_id.clone(),
            unix_us: start.unix_us,
            end_us: start.settings.duration_s.map(|d| (d.0 * 1e6) as u64),
        }
    }

    /// A moment (CLOCK_MONOTONIC, µs, on this host) on the run's clock.
    fn stamp(&self, mono_us: u64, wall_us: u64, boot: Option<&str>) -> (u64, &'static str) {
        if let (Some(zero), Some(ours)) = (self.mono_us, &self.boot_id) {
            if boot == Some(ours.as_str()) && mono_us >= zero {
                return (mono_us - zero, fault_clock::MONOTONIC);
            }
        }
        match wall_us.checked_sub(self.unix_us) {
            Some(t) => (t, fault_clock::WALL),
            None => (0, fault_clock::WALL_BEHIND),
        }
    }
}

/// What is known of one log file.
struct Scanned {
    path: PathBuf,
    identity: (u64, u64),
    /// Everything before this offset has been read.
    read_to: u64,
    run: Option<RunStart>,
    stopped: bool,
}

pub struct RunLog {
    pointer: PathBuf,
    scanned: Option<Scanned>,
    boot_id: Option<String>,
}

/// An event to append, with the moment it was observed.
pub struct Observed<'a> {
    pub mono_us: u64,
    pub wall_us: u64,
    pub event: Server<'a>,
}

impl RunLog {
    pub fn new(pointer: PathBuf) -> RunLog {
        RunLog {
            pointer,
            scanned: None,
            boot_id: boot_id(),
        }
    }

    /// Appends the event to the run's log, stamped on its clock; Ok(false)
    /// when no run is going on.
    pub fn append(&mut self, mut observed: Observed<'_>) -> io::Result<bool> {
        let Some(path) = self.current_path() else {
            return Ok(false);
        };
        let mut file = OpenOptions::new().read(true).append(true).open(&path)?;
        let run = match self.scan(&path, &mut file)? {
            Some(run) => run,
            None => return Ok(false),
        };
        let (t_us, clock) = run.stamp(observed.mono_us, observed.wall_us, self.boot_id.as_deref());
        if run.end_us.is_some_and(|end| t_us >= end) {
            return Ok(false);
        }
        observed.event.t_us = t_us;
        observed.event.clock = Some(clock.into());
        let mut line = Vec::new();
        Event::Server(observed.event).write_line(&mut line);
        // One write of a whole line to a file opened O_APPEND: it never
        // interleaves with perseus's batches.
        file.write_all(&line)?;
        Ok(true)
    }

    fn current_path(&self) -> Option<PathBuf> {
        let text = std::fs::read_to_string(&self.pointer).ok()?;
        let path = text.trim_end_matches('\n');
        (!path.is_empty()).then(|| PathBuf::from(path))
    }

    /// The run in force in the log, reading only what was appended since
    /// the last look; None when it has stopped or never started.
    fn scan(&mut self, path: &Path, file: &mut File) -> io::Result<Option<RunStart>> {
        let meta = file.metadata()?;
        let identity = (meta.dev(), meta.ino());
        let known = self
            .scanned
            .as_ref()
            .is_some_and(|s| s.path == path && s.identity == identity && s.read_to <= meta.len());
        if !known {
            self.scanned = Some(Scanned {
                path: path.to_path_buf(),
                identity,
                read_to: 0,
                run: None,
                stopped: false,
            });
        }
        let Some(s) = self.scanned.as_mut() else {
            return Ok(None);
        };
        file.seek(SeekFrom::Start(s.read_to))?;
        let mut bytes = Vec::new();
        file.take(meta.len() - s.read_to).read_to_end(&mut bytes)?;
        // Whole lines only: perseus may be mid-write.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for line in bytes[..whole].split(|&b| b == b'\n') {
            note_line(s, line);
        }
        s.read_to += whole as u64;
        Ok(if s.stopped { None } else { s.run.clone() })
    }
}

/// A start begins a run, a stop ends it; other lines are passed over
/// without parsing.
fn note_line(s: &mut Scanned, line: &[u8]) {
    let has = |needle: &[u8]| line.windows(needle.len()).any(|w| w == needle);
    if has(b"\"ev\":\"start\"") {
        if let Ok(Event::Start(start)) = Event::parse(line) {
            s.run = Some(RunStart::of(&start));
            s.stopped = false;
        }
    } else if has(b"\"ev\":\"stop\"") && matches!(Event::parse(line), Ok(Event::Stop(_))) {
        s.stopped = true;
    }
}

/// Now, as an event's moment.
pub fn now() -> (u64, u64) {
    (crate::load::clock::monotonic_ns() / 1_000, unix_us_now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{server_seen, server_what, RunSettings, Seconds};

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("perseus-runlog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    fn start_line(mono_us: u64, boot: &str, duration_s: Option<f64>) -> Vec<u8> {
        let mut start = Start::new("r", 1_000, vec![], RunSettings::default());
        start.mono_us = Some(mono_us);
        start.boot_id = Some(boot.into());
        start.settings.duration_s = duration_s.map(Seconds);
        let mut line = Vec::new();
        Event::Start(start).write_line(&mut line);
        line
    }

    fn exited() -> Server<'static> {
        let mut e = Server::new("n1", "mariadbd", server_what::EXITED, server_seen::WAIT);
        (e.pid, e.signal) = (Some(7), Some(6));
        e
    }

    fn at(mono_us: u64) -> Observed<'static> {
        Observed {
            mono_us,
            wall_us: 5_000,
            event: exited(),
        }
    }

    #[test]
    fn events_go_to_the_running_run_on_its_clock_and_nowhere_after_it() {
        let dir = scratch("clock");
        let (pointer, log) = (dir.join("run-log"), dir.join("events.jsonl"));
        let mut runs = RunLog::new(pointer.clone());
        let boot = runs.boot_id.clone().expect("a boot id");
        assert!(!runs.append(at(1)).expect("no pointer"), "no run: nothing");
        std::fs::write(&pointer, format!("{}\n", log.display())).expect("pointer");
        std::fs::write(&log, start_line(10_000_000, &boot, Some(60.0))).expect("log");
        assert!(runs.append(at(12_500_000)).expect("appends"));
        assert!(!runs.append(at(70_000_001)).expect("past the planned end"));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .and_then(|mut f| {
                f.write_all(b"{\"ev\":\"stop\",\"t_us\":3000000,\"reason\":\"signal\"}\n")
            })
            .expect("stop");
        assert!(!runs.append(at(13_000_000)).expect("stopped"));
        let text = std::fs::read_to_string(&log).expect("read");
        let server: Vec<&str> = text.lines().filter(|l| l.contains("\"server\"")).collect();
        assert_eq!(server.len(), 1, "{text}");
        assert!(server[0].contains("\"t_us\":2500000"), "{}", server[0]);
        assert!(
            server[0].contains("\"clock\":\"monotonic\""),
            "{}",
            server[0]
        );
        // A new run appended to the same log is picked up.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(&start_line(20_000_000, &boot, None)))
            .expect("second run");
        assert!(runs.append(at(21_000_000)).expect("second run appends"));
        assert!(std::fs::read_to_string(&log)
            .expect("read")
            .contains("\"t_us\":1000000,"));
    }

    #[test]
    fn another_boot_falls_back_to_the_wall_clock() {
        let dir = scratch("wall");
        let (pointer, log) = (dir.join("run-log"), dir.join("events.jsonl"));
        std::fs::write(&pointer, log.display().to_string()).expect("pointer");
        std::fs::write(&log, start_line(10, "another-boot", None)).expect("log");
        let mut runs = RunLog::new(pointer);
        assert!(runs.append(at(20)).expect("appends"));
        let text = std::fs::read_to_string(&log).expect("read");
        assert!(
            text.contains("\"t_us\":4000,") && text.contains("\"clock\":\"wall\""),
            "{text}"
        );
    }
}
