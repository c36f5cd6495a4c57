//! Every branch of the worker's loop against a scripted database: a row, no
//! row, each error kind, reconnecting, the stop, and abandonment.

use super::*;
use crate::event::ErrCode;
use crate::load::clock::ManualClock;
use crate::load::stop::StopReason;
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Mutex;

/// One scripted answer; the fake checks that the worker asks for that call.
#[derive(Clone)]
enum Answer {
    Connect(Result<(), ErrorKind>),
    Read(Result<Option<i64>, ErrorKind>),
    Insert(Result<(), ErrorKind>),
    Update(Result<Update, ErrorKind>),
    /// The run abandons the worker while this call hangs, then it returns.
    AbandonedDuring(Box<Answer>),
}

struct Script {
    answers: Mutex<VecDeque<Answer>>,
    clock: Arc<ManualClock>,
    stop: Arc<StopSignal>,
    slot: Arc<WorkerSlot>,
    /// Set when the worker asked for more than the script holds.
    ran_out: Mutex<bool>,
}

impl Script {
    /// The next answer, after 1 ms of the run's time; once the script is
    /// done the run stops (so this last call completes after the stop).
    fn next(&self, asked: &str) -> Option<Answer> {
        self.clock.set(self.clock.now_us() + 1_000);
        let mut next = self.answers.lock().expect("script").pop_front();
        if let Some(Answer::AbandonedDuring(inner)) = next {
            assert!(self.slot.abandon().is_some(), "{asked} is in the slot");
            next = Some(*inner);
        }
        if next.is_none() {
            *self.ran_out.lock().expect("flag") = true;
            self.stop.stop(StopReason::Signal);
            self.clock.set(self.clock.now_us() + 1_000);
        }
        next
    }
}

fn error(kind: ErrorKind) -> OpError<'static> {
    OpError {
        kind,
        code: (kind == ErrorKind::Server).then_some(ErrCode::Number(1047)),
        msg: format!("{} from the fake", kind.name()).into(),
    }
}

struct Fake(Arc<Script>);
struct FakeConnection(Arc<Script>);

impl Connector for Fake {
    type Connection = FakeConnection;
    fn connect(&self) -> Result<FakeConnection, OpError<'static>> {
        match self.0.next("connect") {
            Some(Answer::Connect(Ok(()))) => Ok(FakeConnection(self.0.clone())),
            Some(Answer::Connect(Err(kind))) => Err(error(kind)),
            None => Err(error(ErrorKind::Connect)),
            Some(_) => panic!("the worker connected where the script has another call"),
        }
    }
}

impl Connection for FakeConnection {
    fn version(&self) -> &str {
        "fake 1.0"
    }
    fn read(&mut self, _key: &str) -> Result<Option<i64>, OpError<'static>> {
        match self.0.next("read") {
            Some(Answer::Read(r)) => r.map_err(error),
            None => Err(error(ErrorKind::Io)),
            Some(_) => panic!("the worker read where the script has another call"),
        }
    }
    fn insert(&mut self, _key: &str, value: i64) -> Result<(), OpError<'static>> {
        assert_eq!(value, 0, "an absent key is inserted as 0");
        match self.0.next("insert") {
            Some(Answer::Insert(r)) => r.map_err(error),
            None => Err(error(ErrorKind::Io)),
            Some(_) => panic!("the worker inserted where the script has another call"),
        }
    }
    fn update(&mut self, _key: &str, _value: i64) -> Result<Update, OpError<'static>> {
        match self.0.next("update") {
            Some(Answer::Update(r)) => r.map_err(error),
            None => Err(error(ErrorKind::Io)),
            Some(_) => panic!("the worker updated where the script has another call"),
        }
    }
}

/// Runs a worker through the script; returns every message it sent.
fn run_script(answers: Vec<Answer>) -> Vec<Msg> {
    let (worker, rx, _) = worker(answers);
    worker.run();
    drain(rx)
}

fn worker(answers: Vec<Answer>) -> (Worker<Fake>, Receiver<Msg>, Arc<Script>) {
    let clock = Arc::new(ManualClock::default());
    let stop = Arc::new(StopSignal::new(clock.clone()));
    let slot = Arc::new(WorkerSlot::default());
    let script = Arc::new(Script {
        answers: Mutex::new(answers.into()),
        clock: clock.clone(),
        stop: stop.clone(),
        slot: slot.clone(),
        ran_out: Mutex::new(false),
    });
    let (tx, rx) = channel();
    let worker = Worker {
        id: 0,
        connector: Fake(script.clone()),
        key: "r-n1-0".into(),
        clock,
        watermark: Arc::new(Watermark::new(1)),
        slot,
        stop,
        tx,
        reconnect_delay: Duration::ZERO,
    };
    (worker, rx, script)
}

fn drain(rx: Receiver<Msg>) -> Vec<Msg> {
    rx.try_iter().collect()
}

/// `op ok value` or `op err:kind value` per Op message, `in-flight op` otherwise.
fn summary(msgs: &[Msg]) -> Vec<String> {
    msgs.iter()
        .map(|m| match m {
            Msg::Op(o) => {
                let result = match &o.err {
                    None => "ok".to_string(),
                    Some(e) => format!("err:{}", e.kind.name()),
                };
                let value = match o.value {
                    None => "-".to_string(),
                    Some(None) => "null".to_string(),
                    Some(Some(v)) => v.to_string(),
                };
                format!("{} {result} {value}", o.op.name())
            }
            Msg::InFlight { current, .. } => format!("in-flight {}", current.op.name()),
            _ => "other".into(),
        })
        .collect()
}

#[test]
fn an_absent_key_is_inserted_then_each_read_value_is_written_plus_one() {
    let msgs = run_script(vec![
        Answer::Connect(Ok(())),
        Answer::Read(Ok(None)),
        Answer::Insert(Ok(())),
        Answer::Read(Ok(Some(0))),
        Answer::Update(Ok(Update::Written)),
        Answer::Read(Ok(Some(41))),
        Answer::Update(Ok(Update::Written)),
    ]);
    assert_eq!(
        summary(&msgs),
        [
            "connect ok -",
            "read ok null",
            "insert ok 0",
            "read ok 0",
            "update ok 1",
            "read ok 41",
            "update ok 42",
            "in-flight read"
        ]
    );
    let Msg::Op(connect) = &msgs[0] else {
        panic!("a connect first")
    };
    assert_eq!(connect.version.as_deref(), Some("fake 1.0"));
    assert_eq!((connect.t_us, connect.lat_us), (1_000, 1_000));
}

#[test]
fn every_error_kind_closes_the_connection_and_the_next_operation_reconnects() {
    for kind in [
        ErrorKind::Timeout,
        ErrorKind::Io,
        ErrorKind::Server,
        ErrorKind::Driver,
    ] {
        let msgs = run_script(vec![
            Answer::Connect(Ok(())),
            Answer::Read(Err(kind)),
            Answer::Connect(Ok(())),
            Answer::Read(Ok(Some(3))),
            Answer::Update(Err(kind)),
            Answer::Connect(Err(ErrorKind::Connect)),
            Answer::Connect(Ok(())),
        ]);
        let k = kind.name();
        assert_eq!(
            summary(&msgs),
            [
                "connect ok -".to_string(),
                format!("read err:{k} -"),
                "connect ok -".into(),
                "read ok 3".into(),
                format!("update err:{k} 4"),
                "connect err:connect -".into(),
                "connect ok -".into(),
                "in-flight read".into(),
            ],
            "{k}"
        );
    }
}

#[test]
fn an_update_that_matches_no_row_is_a_no_row_error_with_the_value_it_attempted() {
    let msgs = run_script(vec![
        Answer::Connect(Ok(())),
        Answer::Read(Ok(Some(9))),
        Answer::Update(Ok(Update::NoRow)),
        Answer::Connect(Ok(())),
        Answer::Read(Ok(None)),
        Answer::Insert(Err(ErrorKind::Server)),
    ]);
    assert_eq!(
        summary(&msgs),
        [
            "connect ok -",
            "read ok 9",
            "update err:no_row 10",
            "connect ok -",
            "read ok null",
            "insert err:server 0",
            "in-flight connect"
        ]
    );
    let Msg::Op(no_row) = &msgs[2] else {
        panic!("an op")
    };
    assert!(no_row
        .err
        .as_ref()
        .is_some_and(|e| e.msg.contains("vanished")));
}

#[test]
fn an_operation_completed_after_the_stop_is_in_flight_and_nothing_more_begins() {
    // The script ends by stopping the run inside the write: the write is in
    // flight with the value it attempted, and no read follows.
    let msgs = run_script(vec![Answer::Connect(Ok(())), Answer::Read(Ok(Some(5)))]);
    assert_eq!(
        summary(&msgs),
        ["connect ok -", "read ok 5", "in-flight update"]
    );
    let Msg::InFlight { current, .. } = msgs[2] else {
        panic!("in flight")
    };
    assert_eq!((current.started_us, current.value), (2_000, Some(6)));
}

#[test]
fn a_worker_stopped_between_operations_begins_none() {
    let (worker, rx, _) = worker(vec![Answer::Connect(Ok(()))]);
    worker.stop.stop(StopReason::Duration);
    worker.run();
    assert!(drain(rx).is_empty());
}

#[test]
fn an_abandoned_worker_sends_nothing_when_its_operation_returns() {
    // The run gave up on the worker while its update hung and listed the
    // update in flight; when the update returns, the worker must not
    // report it too, and must begin nothing more.
    let (worker, rx, script) = worker(vec![
        Answer::Connect(Ok(())),
        Answer::Read(Ok(Some(1))),
        Answer::AbandonedDuring(Box::new(Answer::Update(Ok(Update::Written)))),
        Answer::Read(Ok(Some(2))),
    ]);
    worker.run();
    assert_eq!(summary(&drain(rx)), ["connect ok -", "read ok 1"]);
    assert_eq!(
        script.answers.lock().expect("script").len(),
        1,
        "no read after"
    );
    assert!(!*script.ran_out.lock().expect("flag"));
}
