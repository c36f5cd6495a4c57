//! What a fault does to the set of nodes expected to serve: the report's
//! reading of each action's name (docs/report.md, "Faults"). An action the
//! report does not know changes nothing: every node stays expected, and the
//! fault shows in downtime and latency like any other.

/// How a fault changes whether its node is expected to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The node is cut off or down: not expected to serve.
    Cuts,
    /// The node is back: expected to serve again.
    Restores,
    /// Nothing changes.
    Neutral,
}

/// The effect of an action, by its name (before any `:ARG`).
pub fn effect(action: &str) -> Effect {
    let name = action.split(':').next().unwrap_or(action);
    match name {
        "isolate" | "kill" => Effect::Cuts,
        "rejoin" | "start" => Effect::Restores,
        _ => Effect::Neutral,
    }
}

/// The cut nodes after applying `action` on `node` (None: a node the run
/// does not measure, which changes nothing here).
pub fn apply(cut: &mut [bool], action: &str, node: Option<usize>) {
    let Some(slot) = node.and_then(|n| cut.get_mut(n)) else {
        return;
    };
    match effect(action) {
        Effect::Cuts => *slot = true,
        Effect::Restores => *slot = false,
        Effect::Neutral => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_and_repairs() {
        let mut cut = vec![false; 3];
        apply(&mut cut, "isolate", Some(0));
        apply(&mut cut, "kill", Some(2));
        apply(&mut cut, "mark", Some(1));
        apply(&mut cut, "isolate", None);
        assert_eq!(cut, [true, false, true]);
        apply(&mut cut, "start", Some(2));
        assert_eq!(cut, [true, false, false]);
        assert_eq!(effect("loss:30"), Effect::Neutral);
    }
}
