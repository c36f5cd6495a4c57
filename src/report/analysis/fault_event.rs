//! A fault as the analyses keep it: the fault event's fields, with its
//! node's index among the run's nodes. Its own module, below both
//! `fault_effect.rs` (which reads it to cut nodes off) and `faults.rs`
//! (which tracks each one), so those two do not use each other in a circle.

/// A fault event as the analysis keeps it.
#[derive(Debug, Clone)]
pub struct FaultEvent {
    /// The moment the fault is measured from: when it took effect, if its
    /// event says (`effect_us`), else its stamp.
    pub t_us: u64,
    /// The event's own stamp (its command returned), when it differs.
    pub stamp_us: Option<u64>,
    pub action: String,
    pub arg: Option<String>,
    /// A partition's groups, as the event gives them.
    pub groups: Option<Vec<Vec<String>>>,
    pub node: String,
    /// The node's index among the run's nodes, if it is one.
    pub index: Option<usize>,
    pub line: u64,
    /// The `clock` field of a fault appended by another process.
    pub clock: Option<String>,
}
