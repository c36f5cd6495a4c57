//! `--fault AT:ACTION:TARGET` and `--fault-cmd ACTION=COMMAND`: faults on a
//! schedule, as the user writes them. ACTION is a word, optionally with an
//! argument after a colon (`loss:30`); TARGET is a node of the cluster. A
//! partition's shape is resolved into groups here, once (`partition.rs`).

use crate::duration;
use crate::grammar;
use crate::partition::{self, Groups};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledFault {
    pub at: Duration,
    /// The action's word (`isolate`, `loss`), which picks the command.
    pub action: String,
    /// What follows the word after a colon (`30` in `loss:30`), if anything.
    pub arg: Option<String>,
    pub target: String,
    /// For `partition`: its groups, resolved over the cluster's nodes.
    pub groups: Option<Groups>,
    /// Set when the target was the role `leader`, resolved when the fault
    /// fired (`target` is then the node chosen).
    pub chosen: Option<Chosen>,
}

/// How a `leader` fault's node was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// What the leader command printed on its first line; None when the
    /// node was the one an earlier `leader` fault hit (an undo).
    pub said: Option<String>,
}

impl ScheduledFault {
    /// The action as written: `loss:30`, `isolate`.
    pub fn action_spec(&self) -> String {
        match &self.arg {
            Some(arg) => format!("{}:{arg}", self.action),
            None => self.action.clone(),
        }
    }

    /// What the command gets before the target: a partition's groups
    /// (`n1,n2/n3`: `/` between groups, which no shell reads, where users
    /// type `|`, a pipe to the shell of a command run over ssh), else the
    /// action's argument.
    pub fn command_arg(&self) -> Option<String> {
        match &self.groups {
            Some(groups) => Some(
                partition::format_groups(groups)
                    .replace('|', &grammar::GROUP_SEPARATOR.to_string()),
            ),
            None => self.arg.clone(),
        }
    }

    /// Resolves a partition's shape over the cluster's nodes (in file order).
    pub fn resolve_groups(&mut self, nodes: &[String]) -> Result<(), String> {
        if self.action == "partition" {
            let spec = self.arg.as_deref().ok_or("partition needs a shape or groups: partition:halves, partition:bridge, partition:n1,n2|n3")?;
            let spec = spec.replace(grammar::GROUP_SEPARATOR, "|");
            self.groups = Some(partition::resolve(&spec, &self.target, nodes)?);
        }
        Ok(())
    }

    /// `AT:ACTION:TARGET` with AT in seconds, as the start event records it.
    pub fn spec(&self) -> String {
        format!(
            "{}:{}:{}",
            self.at.as_secs_f64(),
            self.action_spec(),
            self.target
        )
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `AT:ACTION[:ARG]:TARGET`, AT as in `20`, `20s`, `1500ms`.
pub fn parse_fault(spec: &str) -> Result<ScheduledFault, String> {
    let bad = |why: &str| {
        format!("--fault '{spec}': {why} (expected AT:ACTION:TARGET, e.g. 20:isolate:tidb1)")
    };
    let (Some((at, rest)), Some((middle, target))) = (spec.split_once(':'), spec.rsplit_once(':'))
    else {
        return Err(bad("needs three parts"));
    };
    if middle.len() <= at.len() {
        return Err(bad("needs three parts"));
    }
    let action_spec = &rest[..rest.len() - target.len() - 1];
    let at = duration::parse(at).map_err(|e| bad(&e))?;
    let (action, arg) = match action_spec.split_once(':') {
        Some((word, arg)) => (word, Some(arg)),
        None => (action_spec, None),
    };
    if !is_word(action) {
        return Err(bad(
            "ACTION must be a word such as isolate, rejoin, kill, start",
        ));
    }
    grammar::fault_arg(action, arg).map_err(|why| bad(&why))?;
    if target != crate::load::leader::ROLE {
        grammar::node_name(target).map_err(|why| bad(&format!("TARGET: {why}")))?;
    }
    Ok(ScheduledFault {
        at,
        action: action.into(),
        arg: arg.map(String::from),
        target: target.into(),
        groups: None,
        chosen: None,
    })
}

/// `ACTION=COMMAND WORDS`: the command, split on white space.
pub fn parse_command(spec: &str) -> Result<(String, Vec<String>), String> {
    let (action, command) = spec
        .split_once('=')
        .ok_or_else(|| format!("--fault-cmd '{spec}': expected ACTION=COMMAND"))?;
    let words: Vec<String> = command.split_whitespace().map(String::from).collect();
    if !is_word(action) || words.is_empty() {
        return Err(format!("--fault-cmd '{spec}': expected ACTION=COMMAND"));
    }
    Ok((action.into(), words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_specs() {
        let f = parse_fault("20:isolate:n1").expect("parses");
        assert_eq!(
            (f.at, f.action.as_str(), f.arg.as_deref(), f.target.as_str()),
            (Duration::from_secs(20), "isolate", None, "n1")
        );
        assert_eq!(f.spec(), "20:isolate:n1");
        let f = parse_fault("1500ms:loss:30:n2").expect("parses");
        assert_eq!(f.at, Duration::from_millis(1500));
        assert_eq!(
            (f.action_spec(), f.target.as_str()),
            ("loss:30".into(), "n2")
        );
        assert_eq!(f.spec(), "1.5:loss:30:n2");
        assert!(parse_fault("20:isolate").is_err());
        assert!(parse_fault("20:isolate:").is_err());
        assert!(parse_fault("20:loss::n1").is_err());
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
        assert!(parse_command("loss:30=x").is_err());
    }
}
