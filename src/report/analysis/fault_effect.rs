//! Which nodes are expected to serve after each fault: the report's reading
//! of the fault vocabulary (docs/report.md, "Faults"). A node is expected to
//! serve unless something cuts it off:
//!
//! | action | effect on the nodes expected to serve |
//! |---|---|
//! | `isolate`, `isolate-in`, `isolate-out` | the target is cut off from its peers (either way, it loses its quorum) |
//! | `partition` | every node that can no longer reach a majority of the nodes |
//! | `kill`, `pause` | the target is down or frozen |
//! | `rejoin` | undoes the target's isolation |
//! | `heal` | undoes the target's isolation and every partition it is part of |
//! | `start`, `resume` | undoes `kill`, `pause` |
//! | `loss`, `bandwidth`, `delay`, anything else | nothing: every node is expected to serve, and the fault shows in downtime and latency |
//!
//! A node the run does not measure changes nothing here.

use super::fault_event::FaultEvent;
use crate::partition;

/// Why a node is not expected to serve.
#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    /// Cut off by isolate, isolate-in, isolate-out.
    isolated: bool,
    /// Killed or paused.
    down: bool,
}

/// A partition in force: who takes part, who it cuts off.
struct Partition {
    members: Vec<usize>,
    cut: Vec<usize>,
}

/// The cut state of the run's nodes as faults are applied in time order.
pub struct CutState {
    names: Vec<String>,
    nodes: Vec<Node>,
    partitions: Vec<Partition>,
}

/// An action's name, before any `:ARG` a hand-made event put in it.
pub fn action_name(action: &str) -> &str {
    action.split(':').next().unwrap_or(action)
}

/// The action's argument: its own field, else what follows `:` in the name.
pub fn action_arg<'a>(action: &'a str, arg: Option<&'a str>) -> Option<&'a str> {
    arg.or_else(|| action.split_once(':').map(|(_, a)| a))
}

impl CutState {
    pub fn new(names: Vec<String>) -> Self {
        CutState {
            nodes: vec![Node::default(); names.len()],
            names,
            partitions: Vec::new(),
        }
    }

    /// Applies one fault.
    pub fn apply(&mut self, f: &FaultEvent) {
        let target = f.index.and_then(|i| self.nodes.get_mut(i).map(|n| (i, n)));
        match (action_name(&f.action), target) {
            ("isolate" | "isolate-in" | "isolate-out", Some((_, n))) => n.isolated = true,
            ("rejoin", Some((_, n))) => n.isolated = false,
            ("kill" | "pause", Some((_, n))) => n.down = true,
            ("start" | "resume", Some((_, n))) => n.down = false,
            ("heal", Some((i, n))) => {
                n.isolated = false;
                self.partitions.retain(|p| !p.members.contains(&i));
            }
            ("partition", _) => self.partition(f),
            _ => {}
        }
    }

    fn partition(&mut self, f: &FaultEvent) {
        let groups = match &f.groups {
            Some(groups) => groups.clone(),
            None => {
                let Some(spec) = action_arg(&f.action, f.arg.as_deref()) else {
                    return;
                };
                match partition::resolve(spec, &f.node, &self.names) {
                    Ok(groups) => groups,
                    Err(_) => return,
                }
            }
        };
        let index = |name: &String| self.names.iter().position(|n| n == name);
        let members: Vec<usize> = groups.iter().flatten().filter_map(index).collect();
        let reach = partition::reaches_majority(&groups, &self.names);
        let cut = (0..self.names.len()).filter(|&i| !reach[i]).collect();
        self.partitions.push(Partition { members, cut });
    }

    /// Per node: expected to serve now.
    pub fn expected(&self) -> Vec<bool> {
        (0..self.nodes.len())
            .map(|i| {
                let n = &self.nodes[i];
                !n.isolated && !n.down && !self.partitions.iter().any(|p| p.cut.contains(&i))
            })
            .collect()
    }
}

/// Whether a fault, as the leaderboard's columns read it, cuts a node off or
/// brings one back (None: neither).
pub fn cuts(action: &str) -> Option<bool> {
    match action_name(action) {
        "isolate" | "isolate-in" | "isolate-out" | "partition" | "kill" | "pause" => Some(true),
        "rejoin" | "heal" | "start" | "resume" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(action: &str, node: &str, index: Option<usize>, groups: Option<&str>) -> FaultEvent {
        let names: Vec<String> = (1..=5).map(|i| format!("n{i}")).collect();
        FaultEvent {
            t_us: 0,
            stamp_us: None,
            action: action.into(),
            arg: None,
            groups: groups.map(|g| partition::parse_groups(g, &names).expect("groups")),
            node: node.into(),
            index,
            line: 1,
            clock: None,
        }
    }

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn cuts_and_repairs_by_kind() {
        let mut s = CutState::new(names(3));
        s.apply(&fault("isolate-out", "n1", Some(0), None));
        s.apply(&fault("pause", "n3", Some(2), None));
        s.apply(&fault("loss:30", "n2", Some(1), None));
        s.apply(&fault("isolate", "n9", None, None));
        assert_eq!(s.expected(), [false, true, false]);
        s.apply(&fault("resume", "n3", Some(2), None));
        s.apply(&fault("heal", "n1", Some(0), None));
        assert_eq!(s.expected(), [true; 3]);
    }

    #[test]
    fn a_partition_cuts_the_minority_until_a_member_heals_it() {
        let mut s = CutState::new(names(5));
        s.apply(&fault("partition:halves", "n1", Some(0), None));
        assert_eq!(s.expected(), [false, false, true, true, true]);
        s.apply(&fault("heal", "n4", Some(3), None));
        assert_eq!(s.expected(), [true; 5]);
        s.apply(&fault("partition", "n1", Some(0), Some("n1,n2|n3,n4|n5")));
        assert_eq!(s.expected(), [false; 5], "no group holds a majority");
        s.apply(&fault("kill", "n1", Some(0), None));
        s.apply(&fault("heal", "n2", Some(1), None));
        assert_eq!(
            s.expected(),
            [false, true, true, true, true],
            "n1 is still killed"
        );
    }
}
