//! The report's fault model, in one place: which nodes each fault cuts off
//! (not expected to serve), which later fault undoes it, and so what is in
//! force at any moment. The numbers (`faults.rs`: the nodes expected after
//! each fault, how long a slowing fault was in force) and the charts'
//! shading (`export/html/fault_layer.rs`, from each report's [`Shape`]) both
//! come from here, so the page and the numbers cannot disagree.
//!
//! | action | cuts off | in force until (a later fault) |
//! |---|---|---|
//! | `isolate`, `isolate-in`, `isolate-out` | the target (either way, it loses its quorum) | `rejoin` or `heal` of the target |
//! | `partition` | every node that can no longer reach a strict majority of the cluster | `heal` of any node in its groups (of any node when its groups are unknown) |
//! | `kill` | the target (down) | `start` of the target |
//! | `pause` | the target (frozen) | `resume` of the target |
//! | `loss`, `bandwidth`, `delay` | nobody: every node is expected to serve | `heal` of the target |
//! | `rejoin`, `heal`, `start`, `resume`, anything else | nobody | an instant |
//!
//! Nodes are matched by name, so a fault on a node the run does not measure
//! takes part like any other: it cuts off no measured node, but its undo
//! (a `heal` of a partition member the run does not measure) ends what it
//! ends. The cluster a partition is judged against is the run's nodes and
//! every node its groups name.

use super::fault_event::FaultEvent;
use crate::partition;

/// How a fault lasts: until another fault undoes it, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// In force from the fault until the fault at this index (in time
    /// order) undoes it, or (None) until the run's end.
    Period { undone_by: Option<usize> },
    #[default]
    Instant,
}

/// What a lasting fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Isolation,
    Partition,
    Kill,
    Pause,
    /// Slows the target's traffic (loss, bandwidth, delay), stops nobody.
    Degradation,
}

fn kind(action: &str) -> Option<Kind> {
    match action_name(action) {
        "isolate" | "isolate-in" | "isolate-out" => Some(Kind::Isolation),
        "partition" => Some(Kind::Partition),
        "kill" => Some(Kind::Kill),
        "pause" => Some(Kind::Pause),
        a if degrades(a) => Some(Kind::Degradation),
        _ => None,
    }
}

/// Whether an action slows traffic without stopping a node (loss,
/// bandwidth, delay): in force until undone, cutting nobody off.
pub fn degrades(action: &str) -> bool {
    matches!(action_name(action), "loss" | "bandwidth" | "delay")
}

/// A fault in force.
struct InForce {
    /// Its index, in the order faults were applied.
    fault: usize,
    kind: Kind,
    /// The node it names.
    node: String,
    /// A partition's members; None when unknown (any heal ends it).
    members: Option<Vec<String>>,
    /// The measured nodes it cuts off, by index.
    cut: Vec<usize>,
}

/// Whether `action` on `node` undoes the fault `f`.
fn undoes(action: &str, node: &str, f: &InForce) -> bool {
    let same = f.node == node;
    match (action_name(action), f.kind) {
        ("rejoin", Kind::Isolation) => same,
        ("heal", Kind::Isolation | Kind::Degradation) => same,
        ("heal", Kind::Partition) => f
            .members
            .as_ref()
            .is_none_or(|members| members.iter().any(|m| m == node)),
        ("start", Kind::Kill) | ("resume", Kind::Pause) => same,
        _ => false,
    }
}

/// An action's name, before any `:ARG` a hand-made event put in it.
pub fn action_name(action: &str) -> &str {
    action.split(':').next().unwrap_or(action)
}

/// The action's argument: its own field, else what follows `:` in the name.
pub fn action_arg<'a>(action: &'a str, arg: Option<&'a str>) -> Option<&'a str> {
    arg.or_else(|| action.split_once(':').map(|(_, a)| a))
}

/// What is in force as faults are applied in time order.
pub struct FaultModel {
    /// The run's nodes, in the start event's order.
    names: Vec<String>,
    /// Faults applied so far.
    applied: usize,
    in_force: Vec<InForce>,
}

impl FaultModel {
    pub fn new(names: Vec<String>) -> Self {
        FaultModel {
            names,
            applied: 0,
            in_force: Vec::new(),
        }
    }

    /// Applies the next fault in time order; returns the faults it undoes,
    /// by their index in the order applied.
    pub fn apply(&mut self, f: &FaultEvent) -> Vec<usize> {
        let index = self.applied;
        self.applied += 1;
        let mut undone = Vec::new();
        self.in_force.retain(|e| {
            let ends = undoes(&f.action, &f.node, e);
            if ends {
                undone.push(e.fault);
            }
            !ends
        });
        if let Some(kind) = kind(&f.action) {
            let members = (kind == Kind::Partition).then(|| self.groups(f)).flatten();
            let cut = match kind {
                Kind::Isolation | Kind::Kill | Kind::Pause => f.index.into_iter().collect(),
                Kind::Partition => members.as_ref().map_or_else(Vec::new, |g| self.cut(g)),
                Kind::Degradation => Vec::new(),
            };
            self.in_force.push(InForce {
                fault: index,
                kind,
                node: f.node.clone(),
                members: members.map(|g| g.concat()),
                cut,
            });
        }
        undone
    }

    /// A partition's groups: the event's, else its shape resolved over the
    /// run's nodes; None when neither can be known.
    fn groups(&self, f: &FaultEvent) -> Option<partition::Groups> {
        if let Some(groups) = &f.groups {
            return Some(groups.clone());
        }
        let spec = action_arg(&f.action, f.arg.as_deref())?;
        partition::resolve(spec, &f.node, &self.names).ok()
    }

    /// The measured nodes a partition leaves without a majority of the
    /// cluster: the run's nodes and any other node its groups name.
    fn cut(&self, groups: &[Vec<String>]) -> Vec<usize> {
        let mut cluster = self.names.clone();
        for member in groups.iter().flatten() {
            if !cluster.contains(member) {
                cluster.push(member.clone());
            }
        }
        let reach = partition::reaches_majority(groups, &cluster);
        (0..self.names.len()).filter(|&i| !reach[i]).collect()
    }

    /// Per node: expected to serve now (nothing in force cuts it off).
    pub fn expected(&self) -> Vec<bool> {
        (0..self.names.len())
            .map(|i| !self.in_force.iter().any(|f| f.cut.contains(&i)))
            .collect()
    }
}

/// The shape of each fault of a run, from the faults in time order and
/// what each one undid (as [`FaultModel::apply`] returned it).
pub fn shapes(actions: &[&str], undid: &[Vec<usize>]) -> Vec<Shape> {
    let mut shapes: Vec<Shape> = actions
        .iter()
        .map(|a| match kind(a) {
            Some(_) => Shape::Period { undone_by: None },
            None => Shape::Instant,
        })
        .collect();
    for (undo, ended) in undid.iter().enumerate() {
        for &i in ended {
            if let Some(shape) = shapes.get_mut(i) {
                *shape = Shape::Period {
                    undone_by: Some(undo),
                };
            }
        }
    }
    shapes
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

    fn fault(action: &str, node: &str, names: &[String], groups: Option<&str>) -> FaultEvent {
        let every: Vec<String> = (1..=9).map(|i| format!("n{i}")).collect();
        FaultEvent {
            t_us: 0,
            stamp_us: None,
            action: action.into(),
            arg: None,
            groups: groups.map(|g| partition::parse_groups(g, &every).expect("groups")),
            node: node.into(),
            index: names.iter().position(|n| n == node),
            line: 1,
            clock: None,
        }
    }

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    /// Applies each fault; returns what each undid.
    fn run(m: &mut FaultModel, faults: &[FaultEvent]) -> Vec<Vec<usize>> {
        faults.iter().map(|f| m.apply(f)).collect()
    }

    #[test]
    fn cuts_and_repairs_by_kind() {
        let n = names(3);
        let mut s = FaultModel::new(n.clone());
        run(
            &mut s,
            &[
                fault("isolate-out", "n1", &n, None),
                fault("pause", "n3", &n, None),
                fault("loss:30", "n2", &n, None),
                fault("isolate", "n9", &n, None),
            ],
        );
        assert_eq!(s.expected(), [false, true, false]);
        let undid = run(
            &mut s,
            &[
                fault("start", "n3", &n, None),
                fault("resume", "n3", &n, None),
                fault("heal", "n1", &n, None),
                fault("heal", "n2", &n, None),
            ],
        );
        assert_eq!(undid, [vec![], vec![1], vec![0], vec![2]]);
        assert_eq!(s.expected(), [true; 3]);
    }

    #[test]
    fn a_partition_cuts_the_minority_until_a_member_heals_it() {
        let n = names(5);
        let mut s = FaultModel::new(n.clone());
        s.apply(&fault("partition:halves", "n1", &n, None));
        assert_eq!(s.expected(), [false, false, true, true, true]);
        assert_eq!(s.apply(&fault("heal", "n4", &n, None)), [0]);
        assert_eq!(s.expected(), [true; 5]);
        s.apply(&fault("partition", "n1", &n, Some("n1,n2|n3,n4|n5")));
        assert_eq!(s.expected(), [false; 5], "no group holds a majority");
        s.apply(&fault("kill", "n1", &n, None));
        s.apply(&fault("heal", "n2", &n, None));
        assert_eq!(
            s.expected(),
            [false, true, true, true, true],
            "n1 is still killed"
        );
    }

    #[test]
    fn a_heal_of_a_member_the_run_does_not_measure_ends_the_partition() {
        // The run measures n1..n3 of five; n1 and n4 are cut off from the rest.
        let n = names(3);
        let mut s = FaultModel::new(n.clone());
        s.apply(&fault("partition", "n1", &n, Some("n1,n4|n2,n3,n5")));
        assert_eq!(s.expected(), [false, true, true]);
        assert_eq!(s.apply(&fault("heal", "n9", &n, None)), Vec::<usize>::new());
        assert_eq!(s.apply(&fault("heal", "n4", &n, None)), [0]);
        assert_eq!(s.expected(), [true; 3]);
    }

    #[test]
    fn a_partition_is_judged_against_the_whole_cluster_it_names() {
        // Measured n1..n3; n1, n2 against n3, n4, n5: n1 and n2 hold two of
        // five, not two of three.
        let n = names(3);
        let mut s = FaultModel::new(n.clone());
        s.apply(&fault("partition", "n1", &n, Some("n1,n2|n3,n4,n5")));
        assert_eq!(s.expected(), [false, false, true]);
    }

    #[test]
    fn shapes_pair_each_fault_with_its_undo() {
        let n = names(3);
        let mut s = FaultModel::new(n.clone());
        let faults = [
            fault("isolate", "n1", &n, None),
            fault("kill", "n2", &n, None),
            fault("rejoin", "n2", &n, None),
            fault("heal", "n1", &n, None),
            fault("start", "n2", &n, None),
            fault("pause", "n3", &n, None),
            fault("loss", "n1", &n, None),
            fault("mark", "n1", &n, None),
            fault("partition:halves", "n9", &n, None),
            fault("heal", "n3", &n, None),
        ];
        let undid = run(&mut s, &faults);
        let actions: Vec<&str> = faults.iter().map(|f| f.action.as_str()).collect();
        let period = |undone_by| Shape::Period { undone_by };
        assert_eq!(
            shapes(&actions, &undid),
            [
                period(Some(3)),
                period(Some(4)),
                Shape::Instant,
                Shape::Instant,
                Shape::Instant,
                period(None),
                period(None),
                Shape::Instant,
                period(Some(9)),
                Shape::Instant,
            ],
            "a partition of unknown groups (its target is not a run's node) ends at any heal"
        );
    }
}
