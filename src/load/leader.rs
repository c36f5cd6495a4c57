//! `--fault AT:ACTION:leader`: which node leads is asked when the fault
//! fires, by running `--leader-cmd` (its first line of output names the
//! node), bounded by `--fault-timeout`. The query runs beside the other
//! fault commands, polled by the scheduler, never blocking it; its answer
//! must be a node of the cluster, or the fault fails with what it said.

use super::command;
use super::effect::CommandFile;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The role `leader` as a fault's target.
pub const ROLE: &str = "leader";

/// At most this much of what the command said goes into the event.
const SAID_CHARS: usize = 200;

/// What the leader command answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A node of the cluster, and the line that named it.
    Node(String, String),
    /// Why there is no node, and what the command said, if anything.
    Failed(String, Option<String>),
}

/// A leader command running.
pub struct Query {
    child: Child,
    out: CommandFile,
    started: Instant,
    pub line: String,
}

impl Query {
    pub fn start(words: &[String]) -> Result<Query, Answer> {
        let line = words.join(" ");
        let fail = |why: String| Answer::Failed(format!("leader command `{line}`: {why}"), None);
        let out = CommandFile::new().ok_or_else(|| fail("no file for its output".into()))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(out.path())
            .map_err(|e| fail(format!("cannot open its output file: {e}")))?;
        let mut cmd = command::command(words).ok_or_else(|| fail("empty".into()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(std::io::stderr()))
            .spawn()
            .map_err(|e| fail(format!("cannot start: {e}")))?;
        Ok(Query {
            child,
            out,
            started: Instant::now(),
            line,
        })
    }

    /// The answer once the command has ended (or overran `timeout`, and was
    /// killed); None while it runs.
    pub fn poll(&mut self, timeout: Duration, nodes: &[String]) -> Option<Answer> {
        let fail = |why: String, said| {
            Some(Answer::Failed(
                format!("leader command `{}`: {why}", self.line),
                said,
            ))
        };
        match self.child.try_wait() {
            Ok(None) if self.started.elapsed() < timeout => None,
            Ok(None) => {
                command::kill_group(&mut self.child, libc::SIGKILL);
                fail(
                    format!("timed out after {} s and was killed", timeout.as_secs_f64()),
                    None,
                )
            }
            Err(e) => fail(format!("cannot wait for it: {e}"), None),
            Ok(Some(status)) => {
                let text = std::fs::read_to_string(self.out.path()).unwrap_or_default();
                let said = first_line(&text);
                match (status.success(), answer(&said, nodes)) {
                    (true, Ok(node)) => Some(Answer::Node(node, said)),
                    (true, Err(why)) => fail(why, Some(said)),
                    (false, _) => fail(format!("failed ({status})"), Some(said)),
                }
            }
        }
    }

    /// At the stop: ended with its children.
    pub fn end(mut self) {
        command::end(&mut self.child);
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(SAID_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// The node a first line names: one of the cluster's nodes, exactly.
pub fn answer(said: &str, nodes: &[String]) -> Result<String, String> {
    if said.is_empty() {
        return Err("named no node (its first line is empty)".into());
    }
    nodes
        .iter()
        .find(|n| n.as_str() == said)
        .cloned()
        .ok_or_else(|| {
            format!(
                "named '{}', which is no node of the cluster ({})",
                crate::text::escape(said),
                nodes.join(", ")
            )
        })
}

/// The actions that undo a fault: sent to the node the latest `leader`
/// fault hit, not to whoever leads by then.
pub fn is_undo(action: &str) -> bool {
    matches!(action, "rejoin" | "heal" | "start" | "resume")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<String> {
        vec!["n1".into(), "n2".into()]
    }

    #[test]
    fn the_first_line_must_name_a_node() {
        assert_eq!(answer("n2", &nodes()), Ok("n2".into()));
        assert!(answer("", &nodes()).unwrap_err().contains("named no node"));
        assert!(answer("n3", &nodes())
            .unwrap_err()
            .contains("'n3', which is no node"));
        assert_eq!(first_line("  n2 \nnoise\n"), "n2");
    }

    #[test]
    fn a_query_answers_fails_or_times_out() {
        let words = |s: &str| vec!["sh".to_string(), "-c".into(), s.to_string()];
        let run = |script: &str, timeout_ms: u64| {
            let mut q = Query::start(&words(script)).expect("starts");
            loop {
                if let Some(a) = q.poll(Duration::from_millis(timeout_ms), &nodes()) {
                    return a;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        assert_eq!(
            run("echo n2; echo extra", 5000),
            Answer::Node("n2".into(), "n2".into())
        );
        assert!(
            matches!(run("echo n9", 5000), Answer::Failed(w, Some(s)) if w.contains("no node") && s == "n9")
        );
        assert!(
            matches!(run("echo n1; exit 3", 5000), Answer::Failed(w, _) if w.contains("failed"))
        );
        assert!(matches!(run("sleep 5", 100), Answer::Failed(w, None) if w.contains("timed out")));
    }
}
