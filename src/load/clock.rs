//! The run's clock: microseconds since the run started, read from
//! CLOCK_MONOTONIC, one clock for every process on the host. The start event
//! records where the run's zero lies on it (`mono_us`) and the boot it
//! belongs to, so a fault appended by another process on this host is
//! stamped on the same clock (bin/lib/faultlog.sh). Also the wall clock and
//! the UTC stamps used in names.

use std::time::{SystemTime, UNIX_EPOCH};

/// Something that tells the run's time; tests use a clock they move by hand.
pub trait Clock: Send + Sync {
    /// Microseconds since the run started.
    fn now_us(&self) -> u64;

    /// A CLOCK_MONOTONIC reading (µs) of another process on this host, on
    /// the run's clock; None before the run's start, or for a clock that is
    /// not the host's.
    fn run_us_of_mono(&self, _mono_us: u64) -> Option<u64> {
        None
    }
}

pub struct RunClock {
    start_ns: u64,
    /// Wall clock at the start, microseconds since the Unix epoch.
    pub unix_us: u64,
    /// CLOCK_MONOTONIC at the start, microseconds.
    pub mono_us: u64,
}

impl RunClock {
    pub fn start() -> Self {
        let start_ns = monotonic_ns();
        RunClock {
            start_ns,
            unix_us: unix_us_now(),
            mono_us: start_ns / 1_000,
        }
    }
}

impl Clock for RunClock {
    fn now_us(&self) -> u64 {
        monotonic_ns().saturating_sub(self.start_ns) / 1_000
    }

    fn run_us_of_mono(&self, mono_us: u64) -> Option<u64> {
        (mono_us * 1_000)
            .checked_sub(self.start_ns)
            .map(|ns| ns / 1_000)
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the run's clock, and the lab supervisor's.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; for
    // CLOCK_MONOTONIC it cannot fail on Linux (and ts stays 0 if it did).
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64
}

/// The kernel's boot id: monotonic readings compare only within one boot.
pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The wall clock, microseconds since the Unix epoch (0 if set before it).
pub fn unix_us_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
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

/// A clock for tests, moved by hand.
#[cfg(test)]
#[derive(Default)]
pub struct ManualClock(pub std::sync::atomic::AtomicU64);

#[cfg(test)]
impl ManualClock {
    pub fn set(&self, t_us: u64) {
        self.0.store(t_us, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
impl Clock for ManualClock {
    fn now_us(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
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
    fn the_run_clock_is_the_hosts_monotonic_clock() {
        let clock = RunClock::start();
        let before = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let t = clock.now_us();
        assert!(
            t >= 20_000 && t <= before.elapsed().as_micros() as u64 + 1_000,
            "{t}"
        );
        assert!(clock.mono_us > 0);
        assert!(boot_id().is_some_and(|id| id.len() == 36));
    }
}
