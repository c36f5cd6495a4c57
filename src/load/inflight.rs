//! What each worker is doing right now, so that a run can end on time even
//! when a worker hangs in a query: at the stop, a worker that has not
//! finished within a short grace is abandoned, and its current operation is
//! logged as in flight. A worker reports a completed operation only while
//! holding its slot, and an abandoned worker never reports again, so every
//! operation is either logged or listed in flight, never both or neither.

use crate::event::OpKind;
use std::sync::{Mutex, MutexGuard};

/// The operation a worker has begun and not yet reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub op: OpKind,
    pub started_us: u64,
    /// The value a write attempts.
    pub value: Option<i64>,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    abandoned: bool,
}

#[derive(Default)]
pub struct WorkerSlot(Mutex<State>);

impl WorkerSlot {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The worker begins an operation; false when it has been abandoned.
    pub fn begin(&self, current: Current) -> bool {
        let mut s = self.lock();
        if s.abandoned {
            return false;
        }
        s.current = Some(current);
        true
    }

    /// The worker reports its current operation with `report`, unless it has
    /// been abandoned (then false, and nothing is reported).
    pub fn finish(&self, report: impl FnOnce()) -> bool {
        let mut s = self.lock();
        if s.abandoned {
            return false;
        }
        s.current = None;
        report();
        true
    }

    /// The run gives up on this worker: what it had begun, if anything.
    pub fn abandon(&self) -> Option<Current> {
        let mut s = self.lock();
        s.abandoned = true;
        s.current.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abandoned_worker_reports_nothing_more() {
        let slot = WorkerSlot::default();
        let op = Current {
            op: OpKind::Update,
            started_us: 7,
            value: Some(3),
        };
        assert!(slot.begin(op));
        assert_eq!(slot.abandon(), Some(op));
        let mut reported = false;
        assert!(!slot.finish(|| reported = true));
        assert!(!reported);
        assert!(!slot.begin(op));
    }

    #[test]
    fn a_finished_operation_is_not_in_flight() {
        let slot = WorkerSlot::default();
        let op = Current {
            op: OpKind::Read,
            started_us: 1,
            value: None,
        };
        assert!(slot.begin(op));
        assert!(slot.finish(|| ()));
        assert_eq!(slot.abandon(), None);
    }
}
