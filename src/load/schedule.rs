//! Faults on a schedule: `--fault AT:ACTION:NODE` runs the command configured
//! for ACTION (`--fault-cmd ACTION=COMMAND`, the node appended as its last
//! argument) at time AT of the run, and logs a fault event with the time the
//! command finished and its exit status. A fault command should return once
//! the fault is in effect (bin/isolate.sh once its rules are in place;
//! `bin/lab.sh start --no-wait` once the server is launched), since that
//! moment is the fault's time in the log. A failing command is logged and
//! shown; the load goes on.

use super::clock::RunClock;
use super::worker::Msg;
use crate::duration;
use crate::event::Fault;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledFault {
    pub at: Duration,
    pub action: String,
    pub node: String,
}

impl ScheduledFault {
    pub fn spec(&self) -> String {
        format!("{}:{}:{}", self.at.as_secs_f64(), self.action, self.node)
    }
}

/// `AT:ACTION:NODE`, AT as in `20`, `20s`, `1500ms`.
pub fn parse_fault(spec: &str) -> Result<ScheduledFault, String> {
    let bad = |why: &str| {
        format!("--fault '{spec}': {why} (expected AT:ACTION:NODE, e.g. 20:isolate:tidb1)")
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(at), Some(action), Some(node)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("needs three parts"));
    };
    let at = duration::parse(at).map_err(|e| bad(&e))?;
    if action.is_empty()
        || !action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad(
            "ACTION must be a word such as isolate, rejoin, kill, start",
        ));
    }
    if node.is_empty() {
        return Err(bad("NODE is empty"));
    }
    Ok(ScheduledFault {
        at,
        action: action.into(),
        node: node.into(),
    })
}

/// `ACTION=COMMAND WORDS`: the command, split on white space.
pub fn parse_command(spec: &str) -> Result<(String, Vec<String>), String> {
    let (action, command) = spec
        .split_once('=')
        .ok_or_else(|| format!("--fault-cmd '{spec}': expected ACTION=COMMAND"))?;
    let words: Vec<String> = command.split_whitespace().map(String::from).collect();
    if action.is_empty() || words.is_empty() {
        return Err(format!("--fault-cmd '{spec}': expected ACTION=COMMAND"));
    }
    Ok((action.into(), words))
}

pub struct Scheduler {
    pub faults: Vec<ScheduledFault>,
    pub commands: BTreeMap<String, Vec<String>>,
    pub command_timeout: Duration,
    pub clock: Arc<RunClock>,
    pub tx: Sender<Msg>,
    pub stop: Arc<AtomicBool>,
}

impl Scheduler {
    pub fn run(mut self) {
        self.faults.sort_by_key(|f| f.at);
        for fault in std::mem::take(&mut self.faults) {
            if !self.sleep_until(fault.at) {
                eprintln!(
                    "perseus: fault {} not applied: the run ended first",
                    fault.spec()
                );
                continue;
            }
            let event = self.apply(&fault);
            let _ = self.tx.send(Msg::Fault(event));
        }
    }

    /// False when the run stopped first.
    fn sleep_until(&self, at: Duration) -> bool {
        let at_us = at.as_micros() as u64;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = self.clock.now_us();
            if now >= at_us {
                return true;
            }
            std::thread::sleep(Duration::from_micros((at_us - now).min(20_000)));
        }
    }

    fn apply(&self, fault: &ScheduledFault) -> Fault<'static> {
        let started = Instant::now();
        let words = self
            .commands
            .get(&fault.action)
            .cloned()
            .unwrap_or_default();
        let line = format!("{} {}", words.join(" "), fault.node);
        let (exit, outcome) = self.execute(&words, &fault.node);
        Fault {
            t_us: self.clock.now_us(),
            action: fault.action.clone().into(),
            node: fault.node.clone().into(),
            note: match outcome {
                None => line.into(),
                Some(why) => format!("{line} ({why})").into(),
            },
            exit: Some(exit),
            cmd_us: Some(started.elapsed().as_micros() as u64),
        }
    }

    /// Runs the command with its output on our stderr (stdout is the table).
    fn execute(&self, words: &[String], node: &str) -> (i32, Option<String>) {
        let Some((program, args)) = words.split_first() else {
            return (-1, Some("no command configured".into()));
        };
        let mut child = match Command::new(program)
            .args(args)
            .arg(node)
            // Its own process group, so a timeout can end its children too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::io::stderr()))
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return (-1, Some(format!("cannot start: {e}"))),
        };
        let deadline = Instant::now() + self.command_timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    return match status.code() {
                        Some(code) => (code, None),
                        None => (-1, Some(format!("ended by a signal: {status}"))),
                    }
                }
                Ok(None) if Instant::now() >= deadline => {
                    let group = format!("-{}", child.id());
                    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                    let _ = child.kill();
                    let _ = child.wait();
                    let secs = self.command_timeout.as_secs_f64();
                    return (-1, Some(format!("timed out after {secs} s and was killed")));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return (-1, Some(format!("cannot wait for it: {e}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_specs() {
        let f = parse_fault("20:isolate:n1").expect("parses");
        assert_eq!(
            (f.at, f.action.as_str(), f.node.as_str()),
            (Duration::from_secs(20), "isolate", "n1")
        );
        assert_eq!(
            parse_fault("1500ms:kill:n2").expect("parses").at,
            Duration::from_millis(1500)
        );
        assert!(parse_fault("20:isolate").is_err());
        assert!(parse_fault("x:isolate:n1")
            .expect_err("bad")
            .contains("not a duration"));
        assert!(parse_fault("20:is olate:n1").is_err());
    }

    #[test]
    fn command_specs() {
        let (a, w) = parse_command("isolate=bin/lab.sh isolate").expect("parses");
        assert_eq!(a, "isolate");
        assert_eq!(w, vec!["bin/lab.sh", "isolate"]);
        assert!(parse_command("isolate=").is_err());
        assert!(parse_command("isolate").is_err());
    }
}
