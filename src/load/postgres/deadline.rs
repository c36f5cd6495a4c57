//! Each PostgreSQL worker's deadline, kept by one watchdog thread for the
//! whole process. A tokio timer per operation (`tokio::time::timeout`) cost
//! about 4 µs of CPU per iteration — a quarter of what perseus itself
//! spends on one (docs/benchmarks.md) — because every park of the runtime
//! then goes through its time driver. Here an operation only stores when it
//! must end; the watchdog, waking every few milliseconds, marks an operation
//! that has overrun and wakes its worker, whose future then fails with
//! `Failure::Deadline`. A deadline fires within [`TICK`] of its time.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How often the watchdog looks: how late a deadline may fire.
pub const TICK: Duration = Duration::from_millis(5);

/// `at_us` when no operation runs.
const IDLE: u64 = 0;
/// `at_us` once the watchdog has found the operation overdue.
const FIRED: u64 = u64::MAX;

/// One worker's deadline.
pub struct Deadline {
    /// When the running operation must end (µs on the watchdog's clock),
    /// or IDLE, or FIRED.
    at_us: AtomicU64,
    /// What wakes the worker's runtime.
    waker: Mutex<Option<Waker>>,
}

/// The watchdog's clock: µs since its first use (never 0 after a moment).
fn now_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64 + 1
}

type Watched = Mutex<Vec<Weak<Deadline>>>;

/// The deadlines the watchdog keeps (dropped ones fall out); None when its
/// thread could not start, and then no deadline may be made.
fn watched() -> Option<&'static Watched> {
    static WATCHED: OnceLock<Option<Watched>> = OnceLock::new();
    WATCHED
        .get_or_init(|| {
            // Runs until the process exits.
            std::thread::Builder::new()
                .name("pg-deadlines".into())
                .spawn(watch)
                .ok()
                .map(|_| Mutex::new(Vec::new()))
        })
        .as_ref()
}

fn watch() {
    // The registry is set once this thread has started: wait for it.
    let all = loop {
        std::thread::sleep(TICK);
        if let Some(all) = watched() {
            break all;
        }
    };
    loop {
        std::thread::sleep(TICK);
        let now = now_us();
        let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|weak| match weak.upgrade() {
            Some(deadline) => {
                deadline.fire_if_due(now);
                true
            }
            None => false,
        });
    }
}

impl Deadline {
    /// A deadline the watchdog keeps from now on; an error when the
    /// watchdog's thread could not start (no deadline would ever fire).
    pub fn new() -> std::io::Result<Arc<Deadline>> {
        let all = watched().ok_or_else(|| {
            std::io::Error::other("cannot start the thread that keeps the deadlines")
        })?;
        let deadline = Arc::new(Deadline {
            at_us: AtomicU64::new(IDLE),
            waker: Mutex::new(None),
        });
        let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
        all.push(Arc::downgrade(&deadline));
        Ok(deadline)
    }

    /// The next operation must end within `limit`.
    pub fn arm(&self, limit: Duration) {
        let at = now_us().saturating_add(limit.as_micros() as u64);
        self.at_us.store(at.min(FIRED - 1), Ordering::SeqCst);
    }

    /// The operation ended.
    pub fn disarm(&self) {
        self.at_us.store(IDLE, Ordering::SeqCst);
    }

    fn fired(&self) -> bool {
        self.at_us.load(Ordering::SeqCst) == FIRED
    }

    /// Marks an overdue operation and wakes its worker. Compare-and-swap:
    /// an operation that ended meanwhile, or a later one armed in its
    /// place, is left alone.
    fn fire_if_due(&self, now: u64) {
        let at = self.at_us.load(Ordering::SeqCst);
        if at == IDLE || at == FIRED || now < at {
            return;
        }
        let swapped = self
            .at_us
            .compare_exchange(at, FIRED, Ordering::SeqCst, Ordering::SeqCst);
        if swapped.is_ok() {
            let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Runs `work` until it ends or the deadline fires (then `None`).
    pub async fn bound<F: Future>(&self, work: F) -> Option<F::Output> {
        let mut work = pin!(work);
        poll_fn(|cx| {
            if self.fired() {
                return Poll::Ready(None);
            }
            self.register(cx);
            work.as_mut().poll(cx).map(Some)
        })
        .await
    }

    fn register(&self, cx: &Context<'_>) {
        let mut waker = self.waker.lock().unwrap_or_else(|e| e.into_inner());
        match waker.as_ref() {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *waker = Some(cx.waker().clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_only_when_due_and_only_for_the_operation_armed() {
        let d = Deadline::new().expect("a deadline");
        d.arm(Duration::from_secs(60));
        d.fire_if_due(now_us());
        assert!(!d.fired(), "not due yet");
        let at = d.at_us.load(Ordering::SeqCst);
        d.fire_if_due(at);
        assert!(d.fired());
        d.arm(Duration::from_secs(60));
        assert!(!d.fired(), "a new operation starts afresh");
        d.disarm();
        d.fire_if_due(u64::MAX - 1);
        assert!(!d.fired(), "no operation, nothing to fire");
    }

    #[test]
    fn the_watchdog_ends_a_hung_future_within_a_tick_or_two() {
        let d = Deadline::new().expect("a deadline");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        let began = Instant::now();
        d.arm(Duration::from_millis(30));
        let out = rt.block_on(d.bound(std::future::pending::<()>()));
        d.disarm();
        let took = began.elapsed();
        assert!(out.is_none());
        assert!(
            took >= Duration::from_millis(30) && took < Duration::from_millis(30) + TICK * 20,
            "{took:?}"
        );
        d.arm(Duration::from_secs(5));
        assert_eq!(rt.block_on(d.bound(async { 7 })), Some(7));
    }
}
