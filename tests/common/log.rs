//! Hand-made event logs for the report's tests, written with the library's
//! own serializer so they are schema 1 to the letter.

use perseus::event::RunSettings;
use perseus::event::{
    ErrCode, ErrorKind, Event, Fault, NodeInfo, Op, OpError, OpKind, Start, Stop,
};
use perseus::report::analysis::run_analysis::Finished;
use perseus::report::analysis::summary::RunSummary;
use perseus::report::options::Options;

pub struct Log {
    pub bytes: Vec<u8>,
    /// What perseus's writer would count: operations, iterations, errors.
    counts: (u64, u64, u64),
}

pub fn start(run: &str, nodes: &[&str]) -> Start {
    let nodes = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeInfo {
            name: n.to_string(),
            host: "127.0.0.1".into(),
            port: 3306 + i as u16,
        })
        .collect();
    Start::new(run, 1_700_000_000_000_000, nodes, RunSettings::default())
}

fn op(
    t_us: u64,
    node: &str,
    key: &str,
    kind: OpKind,
    ok: bool,
    value: Option<Option<i64>>,
) -> Op<'static> {
    Op {
        t_us,
        node: node.to_string().into(),
        conn: 0,
        key: key.to_string().into(),
        op: kind,
        ok,
        lat_us: 100,
        value,
        err: None,
        version: None,
    }
}

impl Log {
    pub fn new(nodes: &[&str]) -> Log {
        let mut log = Log {
            bytes: Vec::new(),
            counts: (0, 0, 0),
        };
        log.event(Event::Start(start("r1", nodes)));
        log
    }

    pub fn event(&mut self, e: Event<'_>) -> &mut Self {
        if let Event::Op(o) = &e {
            self.counts.0 += 1;
            self.counts.1 += u64::from(o.is_success());
            self.counts.2 += u64::from(!o.ok);
        }
        e.write_line(&mut self.bytes);
        self
    }

    pub fn raw(&mut self, line: &str) -> &mut Self {
        self.bytes.extend_from_slice(line.as_bytes());
        self.bytes.push(b'\n');
        self
    }

    /// A successful update (one iteration) of `node`'s key with this latency.
    pub fn success(&mut self, t_us: u64, node: &str, lat_us: u64) -> &mut Self {
        let mut o = op(t_us, node, &format!("k-{node}"), OpKind::Update, true, None);
        o.lat_us = lat_us;
        self.event(Event::Op(o))
    }

    pub fn read(&mut self, t_us: u64, node: &str, key: &str, value: Option<i64>) -> &mut Self {
        self.event(Event::Op(op(
            t_us,
            node,
            key,
            OpKind::Read,
            true,
            Some(value),
        )))
    }

    pub fn write(
        &mut self,
        t_us: u64,
        node: &str,
        key: &str,
        kind: OpKind,
        value: i64,
    ) -> &mut Self {
        self.event(Event::Op(op(
            t_us,
            node,
            key,
            kind,
            true,
            Some(Some(value)),
        )))
    }

    /// A fault that took effect; `clock` as a fault appended by hand has it.
    pub fn fault(&mut self, t_us: u64, action: &str, node: &str, clock: Option<&str>) -> &mut Self {
        self.event(Event::Fault(Fault {
            t_us,
            action: action.to_string().into(),
            arg: None,
            node: node.to_string().into(),
            groups: None,
            note: "test".into(),
            exit: Some(0),
            cmd_us: None,
            effect_us: None,
            role: None,
            leader_said: None,
            clock: clock.map(|c| c.to_string().into()),
        }))
    }

    /// A failed operation of `node`'s connection 0 (key `k-NODE`).
    pub fn failed(
        &mut self,
        t_us: u64,
        node: &str,
        kind: OpKind,
        value: Option<i64>,
        err: ErrorKind,
        msg: &str,
    ) -> &mut Self {
        let mut o = op(t_us, node, &format!("k-{node}"), kind, false, Some(value));
        if kind == OpKind::Read {
            o.value = None;
        }
        o.err = Some(OpError {
            kind: err,
            code: (err == ErrorKind::Server).then_some(ErrCode::Number(1047)),
            msg: msg.to_string().into(),
        });
        self.event(Event::Op(o))
    }

    pub fn stop(&mut self, t_us: u64) -> &mut Self {
        let (operations, iterations, errors) = self.counts;
        self.event(Event::Stop(Stop {
            t_us,
            reason: "duration".into(),
            message: None,
            iterations,
            errors,
            operations: Some(operations),
            in_flight: Vec::new(),
            faults_in_flight: Vec::new(),
        }))
    }
}

/// Every run of the log, analysed with these settings; panics on bad input.
pub fn analyze(bytes: &[u8], settings: Options) -> Vec<Finished> {
    let mut runs = Vec::new();
    perseus::report::analyze(
        "test.jsonl",
        bytes,
        settings,
        false,
        |f| runs.push(f),
        &mut |w| panic!("unexpected warning: {w}"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    runs
}

pub fn summary(bytes: &[u8], settings: Options) -> RunSummary {
    let mut runs = analyze(bytes, settings);
    assert_eq!(runs.len(), 1);
    runs.remove(0).summary.expect("a summary")
}

/// A fault's action, node, F and three numbers: downtime, partial
/// downtime, settle.
pub type FaultNumbers<'a> = (&'a str, &'a str, u64, u64, u64, Option<u64>);

/// Each fault's [`FaultNumbers`].
pub fn fault_numbers(s: &RunSummary) -> Vec<FaultNumbers<'_>> {
    s.faults
        .iter()
        .map(|f| {
            (
                f.action.as_str(),
                f.node.as_str(),
                f.t_us,
                f.downtime_us,
                f.partial_downtime_us,
                f.settle_us,
            )
        })
        .collect()
}

/// Events collected in any order and written in a jittered channel order:
/// time order by 300 ms blocks, and within a block node by node (so the log
/// is up to 300 ms out of time order, like perseus's).
#[derive(Default)]
pub struct Scenario {
    events: Vec<Event<'static>>,
}

impl Scenario {
    /// Successes of `node` every `step_us` in [from, to] except strictly
    /// inside the `skip` spans; latency = t_us / 100_000.
    pub fn successes(
        &mut self,
        node: &str,
        from: u64,
        to: u64,
        step_us: u64,
        skip: &[(u64, u64)],
    ) -> &mut Self {
        let mut t = from;
        while t <= to {
            if !skip.iter().any(|&(a, b)| a < t && t < b) {
                let mut o = op(t, node, &format!("k-{node}"), OpKind::Update, true, None);
                o.lat_us = t / 100_000;
                self.events.push(Event::Op(o));
            }
            t += step_us;
        }
        self
    }

    pub fn error(
        &mut self,
        t_us: u64,
        node: &str,
        err: ErrorKind,
        code: Option<u16>,
        msg: &str,
    ) -> &mut Self {
        let mut o = op(t_us, node, &format!("k-{node}"), OpKind::Read, false, None);
        o.err = Some(OpError {
            kind: err,
            code: code.map(ErrCode::Number),
            msg: msg.to_string().into(),
        });
        self.events.push(Event::Op(o));
        self
    }

    pub fn fault(&mut self, t_us: u64, action: &str, node: &str, exit: Option<i32>) -> &mut Self {
        self.events.push(Event::Fault(Fault {
            t_us,
            action: action.to_string().into(),
            arg: None,
            node: node.to_string().into(),
            groups: None,
            note: "test".into(),
            exit,
            cmd_us: None,
            effect_us: None,
            role: None,
            leader_said: None,
            clock: None,
        }));
        self
    }

    /// A partition of these groups, named on `node`, whose command succeeded.
    pub fn partition(&mut self, t_us: u64, node: &str, groups: &[&[&str]]) -> &mut Self {
        self.fault(t_us, "partition", node, Some(0));
        if let Some(Event::Fault(f)) = self.events.last_mut() {
            f.groups = Some(
                groups
                    .iter()
                    .map(|g| g.iter().map(|n| n.to_string()).collect())
                    .collect(),
            );
        }
        self
    }

    /// A fault whose command ran `cmd_us` until its stamp `t_us` and said it
    /// took effect at `effect_us`.
    pub fn fault_in_effect(
        &mut self,
        (t_us, cmd_us, effect_us): (u64, u64, u64),
        action: &str,
        node: &str,
    ) -> &mut Self {
        self.fault(t_us, action, node, Some(0));
        if let Some(Event::Fault(f)) = self.events.last_mut() {
            (f.cmd_us, f.effect_us) = (Some(cmd_us), Some(effect_us));
        }
        self
    }

    /// The log: start, the events in jittered order, and a stop at `stop_us`.
    pub fn log(&mut self, nodes: &[&str], stop_us: Option<u64>) -> Vec<u8> {
        let node = |e: &Event<'_>| match e {
            Event::Op(o) => o.node.to_string(),
            Event::Fault(f) => f.node.to_string(),
            _ => String::new(),
        };
        self.events
            .sort_by_key(|e| (e.t_us() / 300_000, node(e), e.t_us()));
        let mut log = Log::new(nodes);
        for e in self.events.drain(..) {
            log.event(e);
        }
        if let Some(t) = stop_us {
            log.stop(t);
        }
        log.bytes.clone()
    }
}

/// A log written to mislead a reader of its outputs: a run id and label with
/// control characters, a right-to-left override (which would show the text
/// after it backwards) and other bidirectional controls, a label of 400
/// characters, a node name of 80, faults close together with long action
/// names (and controls in them), one at the run's very end, error messages
/// with the same characters.
pub fn hostile_log() -> Vec<u8> {
    let long_node = format!("galera-{}-east.example.org", "node".repeat(15));
    let sly_node = "n\u{202e}3\u{2066}";
    let nodes = ["n1", long_node.as_str(), sly_node];
    let mut s = Scenario::default();
    for node in nodes {
        s.successes(
            node,
            100_000,
            12_000_000,
            100_000,
            &[(4_000_000, 5_200_000)],
        );
    }
    for k in 0..30u64 {
        let action = format!("isolate-out-of-band-number-{k}\u{0}\u{202e}desrever");
        s.fault(
            4_000_000 + k * 60_000,
            &action,
            nodes[k as usize % 3],
            Some(0),
        );
    }
    s.fault(
        11_990_000,
        "partition-of-the-long-name-near-the-end",
        &long_node,
        Some(0),
    )
    .fault(6_000_000, "loss:30\u{202e}06:ssol", "n1", Some(0))
    .error(
        4_500_000,
        "n1",
        ErrorKind::Server,
        Some(1047),
        "bad\u{0}msg\u{202e}txet\u{1b}[31m\u{2028}line",
    );
    let log = String::from_utf8(s.log(&nodes, Some(12_000_000))).expect("utf8");
    let label = format!("suite/\u{202e}evil\u{202c}/\u{0}{}", "label-".repeat(66));
    let json = |v: &str| serde_json::to_string(v).expect("json");
    log.replacen("\"label\":null", &format!("\"label\":{}", json(&label)), 1)
        .replacen(
            "\"run\":\"r1\"",
            &format!("\"run\":{}", json("r\u{202e}1\u{0}")),
            1,
        )
        .into_bytes()
}
