//! Faults on a schedule: at time AT of the run, the command configured for
//! the action (`--fault-cmd ACTION=COMMAND`) runs with the action's argument,
//! if any, and the target appended (`bin/lab.sh loss 30 n1`). Each command
//! starts at its time whatever an earlier one is doing; a fault event is
//! logged when it finishes, stamped then (a fault command should return once
//! the fault is in effect), with its exit status. A command that outlives
//! `--fault-timeout` is killed with its children; at the stop every command
//! still running is ended the same way and reported as in flight.
//!
//! A fault whose target is `leader` asks `--leader-cmd` which node leads
//! when it fires (`leader.rs`), then runs on that node; its undo (`rejoin`,
//! `heal`, `start`, `resume`) goes to the node the latest `leader` fault
//! hit, not to whoever leads by then.

use super::clock::Clock;
use super::command;
use super::effect::{self, CommandFile};
use super::fault_spec::{Chosen, ScheduledFault};
use super::leader::{self, Answer, Query};
use super::stop::{Completion, StopSignal};
use super::writer::Msg;
use crate::event::{Fault, InFlightFault};
use std::collections::{BTreeMap, VecDeque};
use std::process::{Child, Stdio};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Scheduler {
    pub faults: Vec<ScheduledFault>,
    pub commands: BTreeMap<String, Vec<String>>,
    pub command_timeout: Duration,
    pub clock: Arc<dyn Clock>,
    pub tx: Sender<Msg>,
    pub stop: Arc<StopSignal>,
    /// `--leader-cmd`, for faults whose target is `leader`.
    pub leader_cmd: Option<Vec<String>>,
    /// The cluster's nodes, in file order: what a leader command may name,
    /// and what a partition's shape is resolved over.
    pub nodes: Vec<String>,
}

/// What became of a command at one look.
enum Reaped {
    Running(Running),
    Logged,
    /// It finished, but the run had stopped first.
    AfterStop(InFlightFault),
}

/// A fault command that has started and not yet been reaped.
struct Running {
    fault: ScheduledFault,
    child: Child,
    line: String,
    started: Instant,
    started_us: u64,
    /// Where the command reports when its fault took effect.
    effect: Option<CommandFile>,
}

/// A `leader` fault whose leader command runs.
struct Asking {
    fault: ScheduledFault,
    query: Query,
    started: Instant,
    started_us: u64,
}

/// Everything the schedule has going at one moment.
#[derive(Default)]
struct Going {
    running: Vec<Running>,
    asking: Vec<Asking>,
    /// The node the latest `leader` fault hit.
    last_leader: Option<String>,
    in_flight: Vec<InFlightFault>,
}

impl Scheduler {
    /// Runs the schedule to its end or to the stop; returns the commands
    /// ended by the stop.
    pub fn run(mut self) -> Vec<InFlightFault> {
        self.faults.sort_by_key(|f| f.at);
        let mut due: VecDeque<ScheduledFault> = std::mem::take(&mut self.faults).into();
        let mut g = Going::default();
        loop {
            if self.stop.is_stopped() {
                for f in &due {
                    eprintln!(
                        "perseus: fault {} not applied: the run ended first",
                        f.spec()
                    );
                }
                return self.end_all(g);
            }
            let now = self.clock.now_us();
            while due.front().is_some_and(|f| f.at.as_micros() as u64 <= now) {
                if let Some(fault) = due.pop_front() {
                    self.fire(fault, &mut g);
                }
            }
            self.answers(&mut g);
            self.reap_all(&mut g);
            if due.is_empty() && g.running.is_empty() && g.asking.is_empty() {
                return g.in_flight;
            }
            let next_us = due.front().map_or(u64::MAX, |f| f.at.as_micros() as u64);
            let idle = g.running.is_empty() && g.asking.is_empty();
            let nap_us = if idle { 20_000 } else { 2_000 };
            let wait = next_us.saturating_sub(self.clock.now_us()).min(nap_us);
            std::thread::sleep(Duration::from_micros(wait.max(100)));
        }
    }

    /// A fault at its time: its command starts, or, for `leader`, the
    /// leader command (an undo goes where the latest `leader` fault went).
    fn fire(&self, fault: ScheduledFault, g: &mut Going) {
        if fault.target != leader::ROLE {
            g.running.extend(self.launch(fault));
            return;
        }
        if let (true, Some(node)) = (leader::is_undo(&fault.action), &g.last_leader) {
            let node = node.clone();
            self.launch_on(fault, node, None, g);
            return;
        }
        let started = (Instant::now(), self.clock.now_us());
        let Some(words) = &self.leader_cmd else {
            let why = "no --leader-cmd to ask which node leads".to_string();
            self.leader_failed(&fault, (why, None), started.0);
            return;
        };
        match Query::start(words) {
            Ok(query) => g.asking.push(Asking {
                fault,
                query,
                started: started.0,
                started_us: started.1,
            }),
            Err(Answer::Failed(why, said)) => self.leader_failed(&fault, (why, said), started.0),
            Err(Answer::Node(..)) => {}
        }
    }

    /// The leader commands that have answered: their faults start on the
    /// node named, or fail.
    fn answers(&self, g: &mut Going) {
        let asking = std::mem::take(&mut g.asking);
        for mut a in asking {
            match a.query.poll(self.command_timeout, &self.nodes) {
                None => g.asking.push(a),
                Some(Answer::Node(node, said)) => {
                    g.last_leader = Some(node.clone());
                    self.launch_on(a.fault, node, Some(said), g);
                }
                Some(Answer::Failed(why, said)) => {
                    self.leader_failed(&a.fault, (why, said), a.started)
                }
            }
        }
    }

    /// A `leader` fault on `node`, chosen now (`said`: what the leader
    /// command printed) or by an earlier fault (None).
    fn launch_on(
        &self,
        mut fault: ScheduledFault,
        node: String,
        said: Option<String>,
        g: &mut Going,
    ) {
        fault.target = node;
        fault.chosen = Some(Chosen { said });
        if let Err(why) = fault.resolve_groups(&self.nodes) {
            let started = Instant::now();
            self.not_started(&fault, fault.spec(), why, started);
            return;
        }
        g.running.extend(self.launch(fault));
    }

    fn reap_all(&self, g: &mut Going) {
        let running = std::mem::take(&mut g.running);
        for r in running {
            match self.reap(r) {
                Reaped::Running(r) => g.running.push(r),
                Reaped::Logged => {}
                Reaped::AfterStop(f) => g.in_flight.push(f),
            }
        }
    }

    /// At the stop: every command and leader command still running ended.
    fn end_all(&self, mut g: Going) -> Vec<InFlightFault> {
        let running = std::mem::take(&mut g.running);
        g.in_flight.extend(running.into_iter().map(|r| self.end(r)));
        for a in std::mem::take(&mut g.asking) {
            g.in_flight.push(InFlightFault {
                action: a.fault.action_spec(),
                node: a.fault.target.clone(),
                started_us: a.started_us,
                note: format!("{} (asking which node leads)", a.query.line),
            });
            a.query.end();
        }
        g.in_flight
    }

    /// Starts the fault's command; a command that cannot start is logged at once.
    fn launch(&self, fault: ScheduledFault) -> Option<Running> {
        let words = self
            .commands
            .get(&fault.action)
            .cloned()
            .unwrap_or_default();
        let mut args: Vec<String> = words.iter().skip(1).cloned().collect();
        args.extend(fault.command_arg());
        args.push(fault.target.clone());
        let line = format!(
            "{} {}",
            words.first().map_or("", String::as_str),
            args.join(" ")
        );
        let started = Instant::now();
        let started_us = self.clock.now_us();
        let Some(mut cmd) = words
            .first()
            .and_then(|p| command::command(std::slice::from_ref(p)))
        else {
            self.not_started(&fault, line, "no command configured".into(), started);
            return None;
        };
        let effect = CommandFile::new();
        if let Some(file) = &effect {
            cmd.env(effect::VARIABLE, file.path());
        }
        let spawned = cmd
            .args(&args)
            .stdin(Stdio::null())
            // Our stdout is the table.
            .stdout(Stdio::from(std::io::stderr()))
            .spawn();
        match spawned {
            Ok(child) => Some(Running {
                fault,
                child,
                line,
                started,
                started_us,
                effect,
            }),
            Err(e) => {
                self.not_started(&fault, line, format!("cannot start: {e}"), started);
                None
            }
        }
    }

    /// A command that could not start: a failed fault, logged at once.
    fn not_started(&self, fault: &ScheduledFault, line: String, why: String, started: Instant) {
        let now = (self.clock.now_us(), None);
        self.logged(fault, line, (-1, Some(why)), started, now);
    }

    /// A `leader` fault whose leader command gave no node: a failed fault
    /// on no node, with what the command said.
    fn leader_failed(
        &self,
        fault: &ScheduledFault,
        (why, said): (String, Option<String>),
        started: Instant,
    ) {
        let mut f = fault.clone();
        f.chosen = Some(Chosen { said });
        self.logged(&f, why, (-1, None), started, (self.clock.now_us(), None));
    }

    /// Logs a finished command; keeps one still running (killing it once
    /// past the timeout).
    fn reap(&self, mut r: Running) -> Reaped {
        let (exit, why) = match r.child.try_wait() {
            Ok(None) if r.started.elapsed() < self.command_timeout => return Reaped::Running(r),
            Ok(Some(status)) => match status.code() {
                Some(code) => (code, None),
                None => (-1, Some(format!("ended by a signal: {status}"))),
            },
            Ok(None) => {
                command::kill_group(&mut r.child, libc::SIGKILL);
                let secs = self.command_timeout.as_secs_f64();
                (-1, Some(format!("timed out after {secs} s and was killed")))
            }
            Err(e) => (-1, Some(format!("cannot wait for it: {e}"))),
        };
        let t_us = self.clock.now_us();
        // Seen finished only after the stop: in flight at the stop, like an
        // operation that completes after it.
        if self.stop.completion(r.started_us, t_us) != Completion::InRun {
            return Reaped::AfterStop(InFlightFault {
                action: r.fault.action_spec(),
                node: r.fault.target,
                started_us: r.started_us,
                note: format!("{} (finished after the stop)", r.line),
            });
        }
        let effect_us = self.effect_us(&r, t_us);
        self.logged(&r.fault, r.line, (exit, why), r.started, (t_us, effect_us));
        Reaped::Logged
    }

    /// The first moment the command said its fault took effect, on the
    /// run's clock, held within the command's run.
    fn effect_us(&self, r: &Running, t_us: u64) -> Option<u64> {
        let mono = r.effect.as_ref()?.first_mono_us()?;
        let at = self.clock.run_us_of_mono(mono)?;
        Some(at.clamp(r.started_us, t_us))
    }

    /// Sends the fault event of a command that ended with `exit` (and why,
    /// when it did not simply exit), stamped `t_us`, in effect from
    /// `effect_us` if the command said so.
    fn logged(
        &self,
        f: &ScheduledFault,
        line: String,
        (exit, why): (i32, Option<String>),
        started: Instant,
        (t_us, effect_us): (u64, Option<u64>),
    ) {
        let event = Fault {
            t_us,
            action: f.action.clone().into(),
            arg: f.arg.clone().map(Into::into),
            node: f.target.clone().into(),
            groups: f.groups.clone(),
            note: match why {
                None => line.into(),
                Some(why) => format!("{line} ({why})").into(),
            },
            exit: Some(exit),
            cmd_us: Some(started.elapsed().as_micros() as u64),
            effect_us,
            role: f.chosen.as_ref().map(|_| leader::ROLE.into()),
            leader_said: f
                .chosen
                .as_ref()
                .and_then(|c| c.said.clone())
                .map(Into::into),
            clock: None,
        };
        let _ = self.tx.send(Msg::Fault(event));
    }

    /// Ends a command still running at the stop: SIGTERM to its group, then
    /// SIGKILL to what is left after a short grace.
    fn end(&self, mut r: Running) -> InFlightFault {
        command::end(&mut r.child);
        InFlightFault {
            action: r.fault.action_spec(),
            node: r.fault.target,
            started_us: r.started_us,
            note: r.line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::clock::RunClock;
    use crate::load::fault_spec::parse_fault;
    use crate::load::stop::StopReason;
    use std::sync::mpsc::channel;

    fn scheduler(
        faults: &[&str],
        commands: &[(&str, &str)],
    ) -> (Scheduler, std::sync::mpsc::Receiver<Msg>) {
        let clock: Arc<dyn Clock> = Arc::new(RunClock::start());
        let (tx, rx) = channel();
        let s = Scheduler {
            faults: faults
                .iter()
                .map(|f| parse_fault(f).expect("spec"))
                .collect(),
            commands: commands
                .iter()
                .map(|(a, c)| {
                    (
                        a.to_string(),
                        c.split_whitespace().map(String::from).collect(),
                    )
                })
                .collect(),
            command_timeout: Duration::from_secs(30),
            stop: Arc::new(StopSignal::new(clock.clone())),
            clock,
            tx,
            leader_cmd: None,
            nodes: vec!["n1".into(), "n2".into(), "n3".into()],
        };
        (s, rx)
    }

    /// A leader command that names, on each call, the next line of
    /// `answers` (a file in `dir`): n2 first, then n3, then garbage.
    fn scripted_leader(dir: &std::path::Path, answers: &str) -> Vec<String> {
        std::fs::create_dir_all(dir).expect("dir");
        let list = dir.join("answers");
        std::fs::write(&list, answers).expect("answers");
        let script = dir.join("leader.sh");
        std::fs::write(
            &script,
            format!("head -n 1 '{0}'; sed -i 1d '{0}'\n", list.display()),
        )
        .expect("script");
        vec!["sh".into(), script.display().to_string()]
    }

    /// The leader is asked when the fault fires: the fault hits the node
    /// named then, and its undo the same node, though another leads by
    /// then; a command that names no node of the cluster is the fault's
    /// failure, and the run goes on.
    #[test]
    fn a_leader_fault_hits_the_node_named_when_it_fires_and_its_undo_follows_it() {
        let dir = std::env::temp_dir().join(format!("perseus-sched-{}-leader", std::process::id()));
        let (mut s, rx) = scheduler(
            &[
                "100ms:isolate:leader",
                "300ms:rejoin:leader",
                "500ms:kill:leader",
                "700ms:pause:leader",
            ],
            &[
                ("isolate", "echo"),
                ("rejoin", "echo"),
                ("kill", "echo"),
                ("pause", "echo"),
            ],
        );
        s.leader_cmd = Some(scripted_leader(&dir, "n2\nn3\nn9\n"));
        s.run();
        let done = faults(&rx);
        let seen: Vec<_> = done
            .iter()
            .map(|f| {
                (
                    f.action.to_string(),
                    f.node.to_string(),
                    f.exit,
                    f.role.as_deref().map(String::from),
                    f.leader_said.as_deref().map(String::from),
                )
            })
            .collect();
        let leader = || Some("leader".to_string());
        assert_eq!(
            seen,
            [
                (
                    "isolate".into(),
                    "n2".into(),
                    Some(0),
                    leader(),
                    Some("n2".into())
                ),
                ("rejoin".into(), "n2".into(), Some(0), leader(), None),
                (
                    "kill".into(),
                    "n3".into(),
                    Some(0),
                    leader(),
                    Some("n3".into())
                ),
                (
                    "pause".into(),
                    "leader".into(),
                    Some(-1),
                    leader(),
                    Some("n9".into())
                ),
            ]
        );
        assert_eq!(done[1].note, "echo n2", "the undo went to n2, not n3");
        assert!(
            done[3].note.contains("'n9', which is no node"),
            "{}",
            done[3].note
        );
    }

    /// `sh FILE`: a command that sleeps 30 s whatever its arguments.
    fn hang_command(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("perseus-sched-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let script = dir.join("hang.sh");
        std::fs::write(&script, "sleep 30\n").expect("script");
        format!("sh {}", script.display())
    }

    fn faults(rx: &std::sync::mpsc::Receiver<Msg>) -> Vec<Fault<'static>> {
        rx.try_iter()
            .filter_map(|m| match m {
                Msg::Fault(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// A command that reports when its fault took effect (python3 reads
    /// CLOCK_MONOTONIC as the lab's scripts do), then works on for 300 ms:
    /// the event keeps that moment, on the run's clock, before its stamp.
    #[test]
    fn a_fault_is_in_effect_from_the_moment_its_command_reports() {
        let dir = std::env::temp_dir().join(format!("perseus-sched-{}-effect", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let script = dir.join("effect.sh");
        std::fs::write(
            &script,
            "python3 -c 'import time; print(time.monotonic_ns() // 1000)' >>\"$PERSEUS_EFFECT_FILE\"\nsleep 0.3\n",
        )
        .expect("script");
        let cmd = format!("sh {}", script.display());
        let (s, rx) = scheduler(
            &["100ms:isolate:n1", "100ms:rejoin:n2"],
            &[("isolate", &cmd), ("rejoin", "true")],
        );
        s.run();
        let done = faults(&rx);
        let isolate = done
            .iter()
            .find(|f| f.action == "isolate")
            .expect("isolate logged");
        let effect = isolate.effect_us.expect("an effect moment");
        let began = isolate.t_us - isolate.cmd_us.expect("cmd_us");
        assert!(
            effect >= began && effect + 250_000 <= isolate.t_us,
            "{isolate:?}"
        );
        let rejoin = done
            .iter()
            .find(|f| f.action == "rejoin")
            .expect("rejoin logged");
        assert_eq!(rejoin.effect_us, None, "a command that reports nothing");
    }

    #[test]
    fn each_fault_runs_at_its_time_whatever_an_earlier_command_does() {
        let hang = hang_command("order");
        let (s, rx) = scheduler(
            &["0:hang:n1", "200ms:mark:n2", "300ms:loss:30:n3"],
            &[("hang", &hang), ("mark", "true"), ("loss", "echo")],
        );
        let stop = s.stop.clone();
        let runner = std::thread::spawn(move || s.run());
        std::thread::sleep(Duration::from_millis(600));
        let done = faults(&rx);
        let at: Vec<_> = done
            .iter()
            .map(|f| {
                (
                    f.action.to_string(),
                    f.arg.as_deref().map(String::from),
                    f.node.to_string(),
                    f.exit,
                )
            })
            .collect();
        assert_eq!(
            at,
            [
                ("mark".into(), None, "n2".into(), Some(0)),
                ("loss".into(), Some("30".into()), "n3".into(), Some(0))
            ]
        );
        assert!(
            (200_000..450_000).contains(&done[0].t_us),
            "{}",
            done[0].t_us
        );
        assert_eq!(done[1].note, "echo 30 n3");
        let ended_at = Instant::now();
        stop.stop(StopReason::Signal);
        let in_flight = runner.join().expect("scheduler");
        assert!(
            ended_at.elapsed() < Duration::from_secs(2),
            "the stop ends the hung command at once"
        );
        assert_eq!(in_flight.len(), 1);
        assert_eq!(
            (in_flight[0].action.as_str(), in_flight[0].node.as_str()),
            ("hang", "n1")
        );
        assert_eq!(in_flight[0].note, format!("{hang} n1"));
        assert!(
            faults(&rx).is_empty(),
            "an ended command is not a fault event"
        );
    }

    #[test]
    fn a_command_past_its_timeout_is_killed_and_logged() {
        let hang = hang_command("timeout");
        let (mut s, rx) = scheduler(&["0:hang:n1"], &[("hang", &hang)]);
        s.command_timeout = Duration::from_millis(100);
        assert!(s.run().is_empty());
        let f = faults(&rx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].exit, Some(-1));
        assert!(f[0].note.contains("timed out after 0.1 s"), "{}", f[0].note);
    }

    #[test]
    fn a_command_that_cannot_start_is_a_failed_fault() {
        let (s, rx) = scheduler(&["0:x:n1"], &[("x", "/nonexistent/command")]);
        assert!(s.run().is_empty());
        let f = faults(&rx);
        assert_eq!(f[0].exit, Some(-1));
        assert!(f[0].note.contains("cannot start"), "{}", f[0].note);
    }
}
