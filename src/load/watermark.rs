//! The watermark that tells the writer when every event of a second has
//! reached it, so the live table is exact rather than exact after a grace
//! period (docs/design.md, "When may second N be printed?").

use std::sync::atomic::{AtomicU64, Ordering};

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
        if let Some(slot) = self.slots.get(worker) {
            slot.store(bound_us, Ordering::SeqCst);
        }
    }

    pub fn leave(&self, worker: usize) {
        if let Some(slot) = self.slots.get(worker) {
            slot.store(IDLE, Ordering::SeqCst);
        }
    }

    /// True when no worker can still send an event stamped at or before `t_us`.
    pub fn passed(&self, t_us: u64) -> bool {
        self.slots.iter().all(|s| s.load(Ordering::SeqCst) > t_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_until_workers_leave() {
        let wm = Watermark::new(2);
        assert!(wm.passed(5));
        wm.enter(1, 4);
        assert!(!wm.passed(5));
        assert!(wm.passed(3));
        wm.leave(1);
        assert!(wm.passed(5));
    }
}
