//! Running PostgreSQL operations from a worker's plain thread, each under a
//! deadline of its own. A frozen server defeats every server-side and TCP
//! timeout (the kernel keeps acknowledging), so only a client-side deadline
//! per operation turns a hang into an error; tokio-postgres is async, so an
//! operation is a future that can be given up (`deadline.rs` keeps the
//! deadlines).
//!
//! Each worker owns a current-thread runtime and blocks on it for one
//! operation at a time: no thread is spawned, no task either. The
//! connection's future (which does the socket work) is polled together with
//! the operation's, in the same task, so that an operation is one wake-up per
//! answer, and so that when the connection ends first its own error (a reset,
//! a server's FATAL) is what the log gets rather than a bare "closed".

use super::deadline::Deadline;
use super::self_wake::SelfWake;
use super::tls::TlsStream;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio_postgres::{Connection, Error, Socket};

/// The connection's half that talks to the socket.
pub type Conn = Connection<Socket, TlsStream>;

/// How an operation failed, before classification (`classify.rs`).
#[derive(Debug)]
pub enum Failure {
    /// The operation's own error (the server's answer, a broken socket, ...).
    Op(Error),
    /// The connection ended before the answer came: with its error, or
    /// quietly (None).
    Ended(Option<Error>),
    /// No answer within the limit; the option that set it is `which`.
    Deadline {
        limit: Duration,
        which: &'static str,
    },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Op(e)
    }
}

/// A worker's current-thread runtime, and its deadline. The runtime has no
/// time driver: nothing here sets a tokio timer (tokio-postgres sets one
/// only for its own connect timeout, which is left unset), and parking
/// without one is cheaper. Dropped in the background: a task still blocked
/// (a host name being resolved on the blocking pool) must not hold up the
/// thread that drops it, nor the end of the run.
pub struct Runtime {
    rt: Option<tokio::runtime::Runtime>,
    deadline: Arc<Deadline>,
}

impl Runtime {
    pub fn new() -> io::Result<Runtime> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        Ok(Runtime {
            rt: Some(rt),
            deadline: Deadline::new()?,
        })
    }

    /// Runs `work` to its end, or fails it once `limit` has passed.
    pub fn within<T>(
        &self,
        limit: Duration,
        which: &'static str,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        let Some(rt) = &self.rt else {
            return Err(Failure::Ended(None));
        };
        self.deadline.arm(limit);
        let done = rt.block_on(self.deadline.bound(work));
        self.deadline.disarm();
        done.unwrap_or(Err(Failure::Deadline { limit, which }))
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// The connection's future, and how it ended once it has (it is then
/// never polled again).
pub struct Link {
    conn: Pin<Box<Conn>>,
    ended: Option<Option<Error>>,
    self_wake: Arc<SelfWake>,
    /// `self_wake` as a waker, made once.
    waker: Waker,
}

/// How many times one poll goes round when it keeps waking itself, before
/// it hands the wake to the runtime (tokio's cooperative budget wakes a task
/// whose budget is spent: that must go back to the runtime).
const ROUNDS: usize = 4;

impl Link {
    pub fn new(conn: Conn) -> Link {
        let self_wake = SelfWake::new();
        Link {
            conn: Box::pin(conn),
            ended: None,
            waker: Waker::from(self_wake.clone()),
            self_wake,
        }
    }

    /// Drives `request` and the connection together until the request has
    /// its answer or the connection ends. A connection that ended after the
    /// previous answer (a server's FATAL right behind it) fails the next
    /// request with that ending, before anything is sent.
    pub async fn drive<T>(
        &mut self,
        request: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Failure> {
        if let Some(end) = self.ended.take() {
            return Err(Failure::Ended(end));
        }
        let Link {
            conn,
            ended,
            self_wake,
            waker,
        } = self;
        let mut request = pin!(request);
        poll_fn(|cx| {
            let mut quiet = Context::from_waker(waker);
            for _ in 0..ROUNDS {
                self_wake.begin(cx.waker());
                let step = step(request.as_mut(), conn.as_mut(), ended, &mut quiet);
                let again = self_wake.end();
                if step.is_ready() || !again {
                    return step;
                }
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await
    }
}

/// One round: the request first (it queues its messages), then the
/// connection (it writes them, reads answers and hands them over), then the
/// request again, which takes an answer that just came — even when the
/// connection ended right after it.
fn step<T>(
    mut request: Pin<&mut impl Future<Output = Result<T, Error>>>,
    conn: Pin<&mut Conn>,
    ended: &mut Option<Option<Error>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, Failure>> {
    if let Poll::Ready(r) = request.as_mut().poll(cx) {
        return Poll::Ready(r.map_err(Failure::Op));
    }
    if ended.is_none() {
        if let Poll::Ready(end) = conn.poll(cx) {
            *ended = Some(end.err());
        }
    }
    if let Poll::Ready(r) = request.as_mut().poll(cx) {
        return Poll::Ready(r.map_err(Failure::Op));
    }
    match ended.take() {
        Some(end) => Poll::Ready(Err(Failure::Ended(end))),
        None => Poll::Pending,
    }
}
