//! A waker that keeps a poll's wakes of itself from the runtime. Each
//! request wakes the connection's future (it queues messages for it); both
//! are polled in the same task, so that wake would have the runtime poll the
//! task again, after a zero-timeout `epoll_wait`, for nothing: measured, one
//! extra system call and poll per operation. Wrapped in this waker, a wake
//! that comes while the task is being polled is only noted, and the poll
//! loop goes round once more by itself; any other wake (the socket ready,
//! another thread) reaches the runtime as before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

pub struct SelfWake {
    /// The runtime's waker for the task.
    inner: Mutex<Option<Waker>>,
    /// The task is being polled.
    polling: AtomicBool,
    /// Woken while it was.
    woken: AtomicBool,
}

impl SelfWake {
    pub fn new() -> Arc<SelfWake> {
        Arc::new(SelfWake {
            inner: Mutex::new(None),
            polling: AtomicBool::new(false),
            woken: AtomicBool::new(false),
        })
    }

    /// A poll begins, under the runtime's `waker`.
    pub fn begin(&self, waker: &Waker) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *inner = Some(waker.clone());
        }
        self.woken.store(false, Ordering::SeqCst);
        self.polling.store(true, Ordering::SeqCst);
    }

    /// The poll ends: whether it woke itself (then poll again).
    pub fn end(&self) -> bool {
        self.polling.store(false, Ordering::SeqCst);
        self.woken.swap(false, Ordering::SeqCst)
    }
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        // Noted: the poll under way will see it in `end`. Otherwise (or if
        // the poll ended meanwhile) the runtime must hear of it.
        if !self.polling.load(Ordering::SeqCst) {
            let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(waker) = inner.as_ref() {
                waker.wake_by_ref();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_wake_during_the_poll_is_noted_any_other_reaches_the_runtime() {
        let runtime = Arc::new(Count(AtomicUsize::new(0)));
        let runtime_waker = Waker::from(runtime.clone());
        let quiet = SelfWake::new();
        let waker = Waker::from(quiet.clone());
        quiet.begin(&runtime_waker);
        waker.wake_by_ref();
        assert!(quiet.end(), "the poll must go round again");
        assert_eq!(runtime.0.load(Ordering::SeqCst), 0);
        assert!(!quiet.end(), "noted once");
        waker.wake_by_ref();
        assert_eq!(runtime.0.load(Ordering::SeqCst), 1, "outside a poll");
    }
}
