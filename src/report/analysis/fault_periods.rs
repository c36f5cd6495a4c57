//! When each fault was in force, for the charts' shading: from the fault to
//! the next fault that undoes it, or to the run's end when none does.
//!
//! | fault | undone by (a later fault on the same target) |
//! |---|---|
//! | `isolate`, `isolate-in`, `isolate-out` | `rejoin` or `heal` |
//! | `partition` | `heal` of any of its members (any node when its groups are unknown) |
//! | `kill` | `start` |
//! | `pause` | `resume` |
//! | `loss`, `bandwidth`, `delay` | `heal` |
//!
//! Every other fault (the undoing ones, and actions the report does not
//! know) is an instant: a line on the charts, not a period.

use super::fault_effect::action_name;
use super::faults::FaultReport;

/// How a fault shows on the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// In force from the fault until the fault at this index undoes it, or
    /// (None) until the run's end.
    Period {
        undone_by: Option<usize>,
    },
    Instant,
}

/// Whether an action is in force until undone (true), or an instant.
fn lasts(action: &str) -> bool {
    matches!(
        action_name(action),
        "isolate"
            | "isolate-in"
            | "isolate-out"
            | "partition"
            | "kill"
            | "pause"
            | "loss"
            | "bandwidth"
            | "delay"
    )
}

/// Whether `undo` undoes `fault`.
fn undoes(undo: &FaultReport, fault: &FaultReport) -> bool {
    let same = undo.node == fault.node;
    match (action_name(&fault.action), action_name(&undo.action)) {
        ("isolate" | "isolate-in" | "isolate-out", "rejoin" | "heal") => same,
        ("partition", "heal") => fault.groups.as_ref().is_none_or(|groups| {
            same || groups.iter().flatten().any(|member| *member == undo.node)
        }),
        ("kill", "start") | ("pause", "resume") => same,
        ("loss" | "bandwidth" | "delay", "heal") => same,
        _ => false,
    }
}

/// The shape of each fault, by index; `faults` in time order (as the
/// summary lists them).
pub fn shapes(faults: &[FaultReport]) -> Vec<Shape> {
    faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if !lasts(&f.action) {
                return Shape::Instant;
            }
            let undone_by = faults
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, u)| undoes(u, f))
                .map(|(j, _)| j);
            Shape::Period { undone_by }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(t_s: u64, action: &str, node: &str, groups: Option<&[&[&str]]>) -> FaultReport {
        FaultReport {
            action: action.into(),
            arg: None,
            groups: groups.map(|g| {
                g.iter()
                    .map(|group| group.iter().map(|n| n.to_string()).collect())
                    .collect()
            }),
            node: node.into(),
            measured: true,
            t_us: t_s * 1_000_000,
            stamp_us: None,
            line: t_s,
            downtime_us: 0,
            partial_downtime_us: 0,
            settle_us: None,
            measured_until_us: 0,
            latency_until_us: None,
            latency: None,
            stamp: "exact",
            note: None,
            throughput: None,
        }
    }

    fn period(undone_by: Option<usize>) -> Shape {
        Shape::Period { undone_by }
    }

    #[test]
    fn each_fault_ends_at_the_next_fault_that_undoes_it_on_its_target() {
        let faults = [
            fault(1, "isolate", "n1", None),
            fault(2, "kill", "n2", None),
            fault(3, "rejoin", "n2", None),
            fault(4, "heal", "n1", None),
            fault(5, "start", "n2", None),
            fault(6, "pause", "n3", None),
            fault(7, "loss", "n1", None),
            fault(8, "mark", "n1", None),
        ];
        assert_eq!(
            shapes(&faults),
            [
                period(Some(3)),
                period(Some(4)),
                Shape::Instant,
                Shape::Instant,
                Shape::Instant,
                period(None),
                period(None),
                Shape::Instant,
            ]
        );
    }

    #[test]
    fn a_partition_ends_when_any_member_heals() {
        let groups: &[&[&str]] = &[&["n1", "n2"], &["n3"]];
        let faults = [
            fault(1, "partition", "n1", Some(groups)),
            fault(2, "heal", "n4", None),
            fault(3, "heal", "n3", None),
            fault(4, "partition:halves", "n1", None),
            fault(5, "heal", "n9", None),
            fault(6, "isolate-out", "n2", None),
            fault(7, "isolate-in", "n2", None),
            fault(8, "rejoin", "n2", None),
        ];
        let got = shapes(&faults);
        assert_eq!(got[0], period(Some(2)), "n4 is not a member");
        assert_eq!(got[3], period(Some(4)), "groups unknown: any heal");
        assert_eq!(got[5], period(Some(7)));
        assert_eq!(got[6], period(Some(7)), "one rejoin ends both");
    }
}
