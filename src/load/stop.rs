//! Stopping a run. Whoever stops it (the duration running out, Ctrl-C or
//! SIGTERM, the writer after a failed write, a thread that cannot start) says
//! why; the first one wins, and the moment it stopped the run, S, is the
//! stop event's time and the end of every analysis. Nothing that hangs after
//! S can move it.
//!
//! An operation that completes after S was in flight at S: it is logged as
//! such, never as an operation of the run. So a worker must compare its
//! stamp with S exactly, with no race against the stopper. The stopper
//! publishes STOPPING, then reads the clock for S, then publishes S; a worker
//! reads the clock for its stamp t, then reads the state. If it reads
//! RUNNING, it read it before STOPPING was published, hence before S was
//! read, so t ≤ S. If it reads STOPPING it waits the few nanoseconds until S
//! is published and compares.

use super::clock::Clock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

const RUNNING: u64 = u64::MAX;
const STOPPING: u64 = u64::MAX - 1;

/// Why a run stopped, as the stop event's `reason` (and `message`) says.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// `--duration` ran out.
    Duration,
    /// Ctrl-C or SIGTERM.
    Signal,
    /// The log could not be written, or was deleted or replaced.
    LogError(String),
    /// A thread the run needs could not be started.
    StartFailure(String),
}

impl StopReason {
    pub fn name(&self) -> &'static str {
        match self {
            StopReason::Duration => "duration",
            StopReason::Signal => "signal",
            StopReason::LogError(_) => "log error",
            StopReason::StartFailure(_) => "start failure",
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            StopReason::LogError(m) | StopReason::StartFailure(m) => Some(m),
            _ => None,
        }
    }
}

pub struct StopSignal {
    state: AtomicU64,
    reason: Mutex<Option<StopReason>>,
    woken: Condvar,
    clock: Arc<dyn Clock>,
}

/// What a worker's completed operation is, given the stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Completed by S (or the run goes on): an operation of the run.
    InRun,
    /// Begun by S, completed after it: in flight at the stop.
    InFlight,
    /// Begun after S: not part of the run at all.
    AfterEnd,
}

impl StopSignal {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        StopSignal {
            state: AtomicU64::new(RUNNING),
            reason: Mutex::new(None),
            woken: Condvar::new(),
            clock,
        }
    }

    fn reason_lock(&self) -> MutexGuard<'_, Option<StopReason>> {
        // A panic elsewhere while holding it leaves the data valid.
        self.reason.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops the run now, for this reason; false when it had stopped already.
    pub fn stop(&self, reason: StopReason) -> bool {
        let mut slot = self.reason_lock();
        if self.state.load(Ordering::SeqCst) != RUNNING {
            return false;
        }
        self.state.store(STOPPING, Ordering::SeqCst);
        let at = self.clock.now_us().min(STOPPING - 1);
        self.state.store(at, Ordering::SeqCst);
        *slot = Some(reason);
        self.woken.notify_all();
        true
    }

    pub fn is_stopped(&self) -> bool {
        self.state.load(Ordering::SeqCst) != RUNNING
    }

    /// S, once the run has stopped.
    pub fn stopped_at(&self) -> Option<u64> {
        loop {
            match self.state.load(Ordering::SeqCst) {
                RUNNING => return None,
                STOPPING => std::hint::spin_loop(),
                at => return Some(at),
            }
        }
    }

    /// Classifies an operation begun at `started_us` whose completion was
    /// stamped `t_us`; read the clock for `t_us` before calling this.
    pub fn completion(&self, started_us: u64, t_us: u64) -> Completion {
        match self.stopped_at() {
            None => Completion::InRun,
            Some(at) if t_us <= at => Completion::InRun,
            Some(at) if started_us <= at => Completion::InFlight,
            Some(_) => Completion::AfterEnd,
        }
    }

    /// Why the run stopped, once it has.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason_lock().clone()
    }

    /// Waits until the run is stopped, or until the run's clock reaches
    /// `deadline_us` and then stops it for its duration.
    pub fn wait(&self, deadline_us: Option<u64>) {
        let mut slot = self.reason_lock();
        while slot.is_none() {
            let now = self.clock.now_us();
            if deadline_us.is_some_and(|d| now >= d) {
                drop(slot);
                self.stop(StopReason::Duration);
                return;
            }
            // Short naps bound the wait even if a wake-up is missed, and let
            // a test clock that moves by hand be noticed.
            let nap = deadline_us.map_or(50_000, |d| (d - now).min(50_000));
            slot = self
                .woken
                .wait_timeout(slot, Duration::from_micros(nap.max(1)))
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::clock::ManualClock;

    fn signal_at(t_us: u64) -> (Arc<ManualClock>, StopSignal) {
        let clock = Arc::new(ManualClock::default());
        clock.set(t_us);
        let signal = StopSignal::new(clock.clone());
        (clock, signal)
    }

    #[test]
    fn the_first_stopper_sets_the_time_and_the_reason() {
        let (clock, signal) = signal_at(5_000_000);
        assert_eq!(signal.completion(1, 9_000_000), Completion::InRun);
        assert!(signal.stop(StopReason::Signal));
        clock.set(6_000_000);
        assert!(!signal.stop(StopReason::LogError("late".into())));
        assert_eq!(signal.stopped_at(), Some(5_000_000));
        assert_eq!(signal.reason(), Some(StopReason::Signal));
        assert_eq!(signal.completion(4_000_000, 5_000_000), Completion::InRun);
        assert_eq!(
            signal.completion(4_000_000, 5_000_001),
            Completion::InFlight
        );
        assert_eq!(
            signal.completion(5_000_001, 5_000_002),
            Completion::AfterEnd
        );
    }

    #[test]
    fn the_duration_stops_the_run_at_its_deadline() {
        let (clock, signal) = signal_at(0);
        let signal = Arc::new(signal);
        let waiter = {
            let signal = signal.clone();
            std::thread::spawn(move || signal.wait(Some(3_000_000)))
        };
        clock.set(2_999_999);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!signal.is_stopped());
        clock.set(3_000_000);
        waiter.join().expect("waiter");
        assert_eq!(signal.stopped_at(), Some(3_000_000));
        assert_eq!(signal.reason(), Some(StopReason::Duration));
    }

    #[test]
    fn a_stop_wakes_the_waiter_at_once() {
        let (_clock, signal) = signal_at(10);
        let signal = Arc::new(signal);
        let waiter = {
            let signal = signal.clone();
            std::thread::spawn(move || signal.wait(None))
        };
        signal.stop(StopReason::StartFailure("no thread".into()));
        waiter.join().expect("waiter");
        assert_eq!(
            signal.reason().as_ref().and_then(StopReason::message),
            Some("no thread")
        );
    }
}
