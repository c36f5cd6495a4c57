//! Whether a run did what its scenario's schedule says: the same faults in
//! the same order, each on the node its target names (a role — `leader`,
//! `any` — the same node throughout the run), each in effect within a
//! tolerance of its time. A fault is measured from when it took effect, or
//! when its command returned (docs/report.md), so it may come a few seconds
//! after its `at`, never much before.

use crate::duration::show_secs;
use crate::report::analysis::faults::FaultReport;
use crate::suite::ScheduledStep;

/// How much earlier than `at` a fault may be measured from: the run's clock
/// and the scheduler's wake-up agree to within milliseconds.
pub const EARLY_US: u64 = 1_000_000;
/// How much later: a fault command takes effect within a second or so
/// (docs/lab.md), but a `start` takes effect when its server runs, after
/// the supervisor's recovery, and a command under a loaded machine may
/// return later still; a schedule that differs by more than that is not
/// this one.
pub const LATE_US: u64 = 10_000_000;

/// Why the run's faults are not the schedule, or None when they are.
pub fn differs(faults: &[FaultReport], failed: u64, schedule: &[ScheduledStep]) -> Option<String> {
    if faults.len() != schedule.len() {
        let failed = match failed {
            0 => String::new(),
            n => format!(" ({n} fault commands failed)"),
        };
        return Some(format!(
            "it has {} faults{failed}, the schedule {}",
            faults.len(),
            schedule.len()
        ));
    }
    let mut roles: Vec<(&str, &str)> = Vec::new();
    for (k, (f, step)) in faults.iter().zip(schedule).enumerate() {
        let why = action(f, step)
            .or_else(|| time(f, step))
            .or_else(|| target(f, step, &mut roles));
        if let Some(why) = why {
            return Some(format!("fault {} {why}", k + 1));
        }
    }
    None
}

fn action(f: &FaultReport, step: &ScheduledStep) -> Option<String> {
    let action = match &f.arg {
        Some(arg) => format!("{}:{arg}", f.action),
        None => f.action.clone(),
    };
    (action != step.action).then(|| format!("is {action}, the schedule's {}", step.action))
}

fn time(f: &FaultReport, step: &ScheduledStep) -> Option<String> {
    let at_us = (step.at_s * 1e6).round() as u64;
    let within = at_us.saturating_sub(EARLY_US) <= f.t_us && f.t_us <= at_us + LATE_US;
    (!within).then(|| {
        format!(
            "({}) took effect at {} s, the schedule's at {} s (from {} s before to {} s after)",
            step.action,
            show_secs(f.t_us),
            show_secs(at_us),
            show_secs(EARLY_US),
            show_secs(LATE_US)
        )
    })
}

/// A node target must be that node; a role (any of the grammar's: the lab
/// resolves `any` and `replica` before the run, perseus `leader` when the
/// fault fires) the same node throughout.
fn target<'a>(
    f: &'a FaultReport,
    step: &'a ScheduledStep,
    roles: &mut Vec<(&'a str, &'a str)>,
) -> Option<String> {
    let role = crate::grammar::ROLES.contains(&step.target.as_str());
    if !role {
        return (f.node != step.target).then(|| {
            format!(
                "({}) is on {}, the schedule's on {}",
                step.action, f.node, step.target
            )
        });
    }
    match roles.iter().find(|(r, _)| *r == step.target) {
        Some((_, node)) if *node != f.node => Some(format!(
            "({}) is on {}, but {} was {node} earlier in the run",
            step.action, f.node, step.target
        )),
        Some(_) => None,
        None => {
            roles.push((&step.target, &f.node));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(at_s: f64, action: &str, target: &str) -> ScheduledStep {
        ScheduledStep {
            at_s,
            action: action.into(),
            target: target.into(),
        }
    }

    const S: u64 = 1_000_000;

    #[test]
    fn a_run_is_its_schedule_within_the_tolerance_and_a_role_is_one_node() {
        let schedule = [
            step(10.0, "loss:30", "leader"),
            step(22.0, "heal", "leader"),
        ];
        let run = |first: u64, second: u64, node: &str| {
            [
                FaultReport::bare("loss", Some("30"), "n1", first),
                FaultReport::bare("heal", None, node, second),
            ]
        };
        assert_eq!(differs(&run(9 * S, 32 * S, "n1"), 0, &schedule), None);
        assert_eq!(
            differs(&run(10 * S, 22 * S, "n2"), 0, &schedule).as_deref(),
            Some("fault 2 (heal) is on n2, but leader was n1 earlier in the run")
        );
        assert_eq!(
            differs(&run(8_999_999, 22 * S, "n1"), 0, &schedule).as_deref(),
            Some("fault 1 (loss:30) took effect at 8.999 s, the schedule's at 10.000 s (from 1.000 s before to 10.000 s after)")
        );
        assert_eq!(
            differs(&run(10 * S, 22 * S, "n1")[..1], 1, &schedule).as_deref(),
            Some("it has 1 faults (1 fault commands failed), the schedule 2")
        );
        // A replica is chosen by the lab before the run: any node, the
        // same one for the fault and its undo.
        let replica = [
            step(10.0, "isolate", "replica"),
            step(80.0, "rejoin", "replica"),
        ];
        let isolated = |undo_node: &str| {
            [
                FaultReport::bare("isolate", None, "n1", 10 * S),
                FaultReport::bare("rejoin", None, undo_node, 80 * S),
            ]
        };
        assert_eq!(differs(&isolated("n1"), 0, &replica), None);
        assert_eq!(
            differs(&isolated("n2"), 0, &replica).as_deref(),
            Some("fault 2 (rejoin) is on n2, but replica was n1 earlier in the run")
        );
        let fixed = [step(10.0, "kill", "n2")];
        assert_eq!(
            differs(&[FaultReport::bare("kill", None, "n3", 10 * S)], 0, &fixed).as_deref(),
            Some("fault 1 (kill) is on n3, the schedule's on n2")
        );
        assert_eq!(
            differs(
                &[FaultReport::bare("kill", Some("9"), "n2", 10 * S)],
                0,
                &fixed
            )
            .as_deref(),
            Some("fault 1 is kill:9, the schedule's kill")
        );
    }
}
