//! The logic that makes the live table exact, against a buffer and a clock
//! moved by hand: a second is printed only once it has ended and the
//! watermark has passed it, and the stop prints exactly the whole seconds
//! before it and writes the stop event with the run's counts and what was
//! in flight.

use super::*;
use crate::load::clock::ManualClock;
use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buf").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buf")).into_owned()
    }
}

struct Harness {
    tx: Sender<Msg>,
    clock: Arc<ManualClock>,
    watermark: Arc<Watermark>,
    stop: Arc<StopSignal>,
    table: SharedBuf,
    notes: SharedBuf,
    log_path: std::path::PathBuf,
    writer: JoinHandle<Stats>,
}

fn harness(name: &str) -> Harness {
    let (tx, rx) = channel();
    let clock = Arc::new(ManualClock::default());
    let watermark = Arc::new(Watermark::new(2));
    let stop = Arc::new(StopSignal::new(clock.clone()));
    let (table, notes) = (SharedBuf::default(), SharedBuf::default());
    let dir = std::env::temp_dir().join(format!("perseus-writer-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log_path = dir.join("events.jsonl");
    let mut log = LogFile::open(&log_path).expect("log");
    log.write_first(b"{\"ev\":\"start\"}\n")
        .expect("start line");
    let writer = Writer {
        rx,
        log: Some(log),
        names: vec!["n1".into(), "n2".into()],
        workers: vec![
            WorkerInfo {
                node: 0,
                conn: 0,
                key: "r-n1-0".into(),
            },
            WorkerInfo {
                node: 1,
                conn: 0,
                key: "r-n2-0".into(),
            },
        ],
        tally: Tally::new(vec!["n1".into(), "n2".into()], true),
        clock: clock.clone(),
        watermark: watermark.clone(),
        stop: stop.clone(),
        table: Box::new(table.clone()),
        notes: Box::new(notes.clone()),
    };
    Harness {
        tx,
        clock,
        watermark,
        stop,
        table,
        notes,
        log_path,
        writer: std::thread::spawn(move || writer.run()),
    }
}

impl Harness {
    fn op(&self, worker: u32, t_us: u64, op: OpKind, ok: bool) {
        let msg = OpMsg {
            worker,
            t_us,
            op,
            ok,
            lat_us: 100,
            value: op.is_write().then_some(Some(1)),
            err: (!ok).then(|| OpError {
                kind: ErrorKind::Server,
                code: Some(ErrCode::Number(1047)),
                msg: "not ready".into(),
            }),
            version: None,
        };
        self.tx.send(Msg::Op(msg)).expect("send");
    }

    /// Moves the clock and gives the writer time to act on it.
    fn at(&self, t_us: u64) {
        self.clock.set(t_us);
        std::thread::sleep(Duration::from_millis(40));
    }

    fn stop(self, t_us: u64, abandoned: Vec<(u32, Current)>) -> (Stats, String, String) {
        self.clock.set(t_us);
        self.stop.stop(StopReason::Signal);
        self.tx
            .send(Msg::Stop(StopMsg {
                t_us,
                reason: StopReason::Signal,
                abandoned,
                faults_in_flight: Vec::new(),
            }))
            .expect("send");
        let stats = self.writer.join().expect("writer");
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        (stats, self.table.text(), log)
    }
}

#[test]
fn a_second_is_printed_once_it_has_ended_and_every_event_of_it_has_arrived() {
    let h = harness("rows");
    h.op(0, 500_000, OpKind::Update, true);
    h.op(1, 700_000, OpKind::Read, false);
    h.at(999_999);
    assert_eq!(h.table.text(), "# second\ttotal\tn1\tn2\terr:n1\terr:n2\n");
    // Worker 1 is about to send an event stamped before 1 s: hold the row.
    h.watermark.enter(1, 999_000);
    h.at(1_200_000);
    assert!(!h.table.text().contains("\n1\t"), "{}", h.table.text());
    h.op(1, 999_500, OpKind::Insert, true);
    h.watermark.leave(1);
    h.at(1_300_000);
    assert!(
        h.table.text().ends_with("\n1\t2\t1\t1\t0\t1\n"),
        "{}",
        h.table.text()
    );
    let (stats, table, _) = h.stop(1_300_001, Vec::new());
    assert_eq!(
        table.lines().count(),
        2,
        "no row for the part-second: {table}"
    );
    assert_eq!(stats.log_error, None);
    assert_eq!(
        (stats.iterations, stats.operations, stats.error_count()),
        (2, 3, 1)
    );
}

#[test]
fn the_stop_prints_the_whole_seconds_before_it_and_logs_what_was_in_flight() {
    let h = harness("stop");
    h.op(0, 100_000, OpKind::Update, true);
    h.op(0, 2_400_000, OpKind::Update, true);
    h.tx.send(Msg::InFlight {
        worker: 0,
        current: Current {
            op: OpKind::Read,
            started_us: 2_499_000,
            value: None,
        },
    })
    .expect("send");
    let hung = Current {
        op: OpKind::Update,
        started_us: 1_000_000,
        value: Some(8),
    };
    let (stats, table, log) = h.stop(2_500_000, vec![(1, hung)]);
    assert_eq!(
        table,
        "# second\ttotal\tn1\tn2\terr:n1\terr:n2\n1\t1\t1\t0\t0\t0\n2\t0\t0\t0\t0\t0\n"
    );
    assert_eq!(stats.end_us, 2_500_000);
    let stop = log.lines().last().expect("stop line");
    let parsed = Event::parse(stop.as_bytes()).expect("stop parses");
    let Event::Stop(s) = parsed else {
        panic!("a stop event last: {stop}")
    };
    assert_eq!((s.t_us, s.reason.as_str()), (2_500_000, "signal"));
    assert_eq!((s.iterations, s.errors, s.operations), (2, 0, Some(2)));
    let in_flight: Vec<_> = s
        .in_flight
        .iter()
        .map(|o| (o.node.as_str(), o.op, o.started_us, o.value))
        .collect();
    assert_eq!(
        in_flight,
        [
            ("n2", OpKind::Update, 1_000_000, Some(8)),
            ("n1", OpKind::Read, 2_499_000, None)
        ]
    );
}

#[test]
fn a_failed_write_stops_the_run_and_nothing_is_written_after_it() {
    let h = harness("failed");
    h.op(0, 100_000, OpKind::Update, true);
    h.at(150_000);
    std::fs::remove_file(&h.log_path).expect("delete the log");
    h.op(0, 200_000, OpKind::Update, true);
    h.at(400_000);
    assert!(h.stop.is_stopped(), "the writer stopped the run");
    assert_eq!(h.stop.reason().map(|r| r.name()), Some("log error"));
    let notes = h.notes.clone();
    let (stats, _, log) = h.stop(400_000, Vec::new());
    let err = stats.log_error.expect("the log's error");
    assert!(err.contains("was deleted"), "{err}");
    assert!(
        notes.text().contains("stopping the run"),
        "{}",
        notes.text()
    );
    assert_eq!(log, "", "the deleted log is not written again");
}

#[test]
fn faults_are_announced_with_what_they_quote_escaped() {
    let h = harness("faults");
    let fault = Fault {
        t_us: 1_500_000,
        action: "isolate".into(),
        arg: None,
        node: "n1".into(),
        groups: None,
        note: "a\n7\t7\t7".into(),
        exit: Some(0),
        cmd_us: Some(10),
        effect_us: None,
        role: None,
        leader_said: None,
        clock: None,
    };
    h.tx.send(Msg::Fault(fault)).expect("send");
    let notes = h.notes.clone();
    let (_, _, log) = h.stop(1_600_000, Vec::new());
    assert_eq!(
        notes.text(),
        "# 1.500s fault isolate n1: applied — a\\n7\\t7\\t7\n"
    );
    assert!(log.contains("\"action\":\"isolate\""));
}
