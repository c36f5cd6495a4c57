//! Generates a synthetic perseus event log (schema 1) on stdout, for the
//! report's benchmark: `cargo run --release --example gen-log -- EVENTS`.
//!
//! Three nodes with four connections each run the read/write loop at a
//! steady rate; n1 is isolated at 30% of the run and rejoins at 60%, and
//! while cut off its operations fail with a server error. Connections are
//! stamped a little apart, so the log is in channel order, not time order.

use perseus::event::{
    ErrCode, ErrorKind, Event, Fault, NodeInfo, Op, OpError, OpKind, RunSettings, Start, Stop,
};
use std::io::{self, Write};

const NODES: [&str; 3] = ["n1", "n2", "n3"];
const CONNS: u32 = 4;
const STEP_US: u64 = 25; // one event every 25 µs: 40k events/s

fn main() {
    let events: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let out = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 20, out.lock());
    let mut buf = Vec::with_capacity(1 << 16);
    let nodes = NODES
        .iter()
        .enumerate()
        .map(|(i, n)| NodeInfo {
            name: n.to_string(),
            host: "127.0.0.1".into(),
            port: 3306 + i as u16,
        })
        .collect();
    let settings = RunSettings {
        conns: CONNS,
        ..RunSettings::default()
    };
    Event::Start(Start::new("bench", 1_700_000_000_000_000, nodes, settings)).write_line(&mut buf);
    let workers = NODES.len() as u64 * CONNS as u64;
    let end_us = events * STEP_US;
    let (cut_from, cut_to) = (end_us * 3 / 10, end_us * 6 / 10);
    let mut values = vec![None::<i64>; workers as usize];
    let mut reading = vec![true; workers as usize];
    let mut faults = 0;
    let (mut operations, mut iterations, mut errors) = (0, 0, 0);
    for i in 0..events.saturating_sub(2) {
        let w = (i % workers) as usize;
        let node = w / CONNS as usize;
        let base = i * STEP_US;
        let t_us = base.saturating_sub((w as u64 % 3) * 400);
        if faults == 0 && base >= cut_from || faults == 1 && base >= cut_to {
            let action = if faults == 0 { "isolate" } else { "rejoin" };
            Event::Fault(Fault {
                t_us: base,
                action: action.into(),
                arg: None,
                node: "n1".into(),
                groups: None,
                note: format!("bin/{action}.sh n1").into(),
                exit: Some(0),
                cmd_us: Some(12_000),
                effect_us: None,
                role: None,
                leader_said: None,
                clock: None,
            })
            .write_line(&mut buf);
            faults += 1;
        }
        let key = format!("bench-{}-{}", NODES[node], w);
        let cut = node == 0 && (cut_from..cut_to).contains(&base);
        let (op, value) = if reading[w] {
            (OpKind::Read, Some(values[w]))
        } else {
            let next = values[w].map_or(0, |v| v + 1);
            let op = if values[w].is_none() {
                OpKind::Insert
            } else {
                OpKind::Update
            };
            (op, Some(Some(next)))
        };
        let err = cut.then(|| OpError {
            kind: ErrorKind::Server,
            code: Some(ErrCode::Number(1047)),
            msg: "WSREP has not yet prepared node for application use".into(),
        });
        let ok = !cut;
        operations += 1;
        iterations += u64::from(ok && op.is_write());
        errors += u64::from(!ok);
        if ok {
            if !reading[w] {
                values[w] = value.flatten();
            }
            reading[w] = !reading[w];
        } else {
            reading[w] = true;
        }
        Event::Op(Op {
            t_us,
            node: NODES[node].into(),
            conn: w as u32 % CONNS,
            key: key.into(),
            op,
            ok,
            lat_us: 200 + (i * 7919) % 1800,
            value: if ok || op.is_write() { value } else { None },
            err,
            version: None,
        })
        .write_line(&mut buf);
        if buf.len() > 1 << 15 {
            if out.write_all(&buf).is_err() {
                return;
            }
            buf.clear();
        }
    }
    Event::Stop(Stop {
        t_us: end_us,
        reason: "duration".into(),
        message: None,
        iterations,
        errors,
        operations: Some(operations),
        in_flight: Vec::new(),
        faults_in_flight: Vec::new(),
    })
    .write_line(&mut buf);
    let _ = out.write_all(&buf).and_then(|()| out.flush());
}
