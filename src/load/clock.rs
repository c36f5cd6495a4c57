//! The run's clock, and the watermark that tells the printer when every event
//! of a second has reached it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Microseconds since the run started, from a monotonic clock.
pub struct RunClock {
    start: Instant,
    pub unix_us: u64,
}

/// The wall clock, microseconds since the Unix epoch (0 if set before it).
pub fn unix_us_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

impl RunClock {
    pub fn start() -> Self {
        RunClock {
            start: Instant::now(),
            unix_us: unix_us_now(),
        }
    }

    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
}

const IDLE: u64 = u64::MAX;

/// One slot per worker holding a lower bound of the time stamp of the event
/// it is about to send, or IDLE. A worker stores the bound *before* reading
/// the clock for the stamp, so when the printer has read the clock (C) and
/// then sees every slot IDLE or above N, any event stamped at or before N is
/// already in the channel (monotonic clocks agree across threads).
pub struct Watermark {
    slots: Vec<AtomicU64>,
}

impl Watermark {
    pub fn new(workers: usize) -> Self {
        Watermark {
            slots: (0..workers).map(|_| AtomicU64::new(IDLE)).collect(),
        }
    }

    pub fn enter(&self, worker: usize, bound_us: u64) {
        self.slots[worker].store(bound_us, Ordering::SeqCst);
    }

    pub fn leave(&self, worker: usize) {
        self.slots[worker].store(IDLE, Ordering::SeqCst);
    }

    /// True when no worker can still send an event stamped at or before `t_us`.
    pub fn passed(&self, t_us: u64) -> bool {
        self.slots.iter().all(|s| s.load(Ordering::SeqCst) > t_us)
    }
}

/// `YYYYmmdd-HHMMSS` in UTC, for file names and run ids.
pub fn utc_stamp(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), valid for all dates after 1970.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_calendar_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
        assert_eq!(utc_stamp(1_795_526_111), "20261124-131511");
    }

    #[test]
    fn watermark_holds_back_until_workers_leave() {
        let wm = Watermark::new(2);
        assert!(wm.passed(5));
        wm.enter(1, 4);
        assert!(!wm.passed(5));
        assert!(wm.passed(3));
        wm.leave(1);
        assert!(wm.passed(5));
    }
}
