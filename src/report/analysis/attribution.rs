//! Which outage each error belongs to. An error at u is attributed once the
//! stream has passed u + gap (every node's status at u is known then) or the
//! run has ended; until then it waits in a short queue. A node's error goes
//! to that node's outage containing u; when every node is down at u it also
//! goes to the whole-cluster outage there, which starts at the latest of the
//! nodes' outage starts.

use super::errors::{ErrorGroups, ErrorSample};
use super::outages::OutageTracker;
use std::collections::{BTreeMap, VecDeque};

/// Outage of a node (`Some(index)`) or of the cluster (`None`), by start time.
pub type OutageId = (Option<usize>, u64);

pub struct Attribution {
    gap_us: u64,
    pending: VecDeque<(u64, usize, ErrorSample)>,
    groups: BTreeMap<OutageId, ErrorGroups>,
}

impl Attribution {
    pub fn new(gap_us: u64) -> Self {
        Attribution {
            gap_us,
            pending: VecDeque::new(),
            groups: BTreeMap::new(),
        }
    }

    /// An error at `t_us`, in time order.
    pub fn error(&mut self, t_us: u64, node: usize, err: ErrorSample) {
        self.pending.push_back((t_us, node, err));
    }

    /// The stream has reached `now_us`: attributes what is known.
    pub fn advance(&mut self, now_us: u64, outages: &OutageTracker) {
        while let Some((t, _, _)) = self.pending.front() {
            if t.saturating_add(self.gap_us) >= now_us {
                break;
            }
            self.attribute_front(outages);
        }
    }

    /// The run has ended (and `outages` is finished): attributes the rest.
    pub fn finish(&mut self, outages: &OutageTracker) {
        while !self.pending.is_empty() {
            self.attribute_front(outages);
        }
    }

    fn attribute_front(&mut self, outages: &OutageTracker) {
        let Some((u, node, err)) = self.pending.pop_front() else {
            return;
        };
        if let Some(start) = outages.down_since(node, u) {
            self.groups
                .entry((Some(node), start))
                .or_default()
                .add_sample(&err);
        }
        let mut latest = 0;
        for n in 0..outages.last_success().len() {
            match outages.down_since(n, u) {
                Some(start) => latest = latest.max(start),
                None => return,
            }
        }
        self.groups
            .entry((None, latest))
            .or_default()
            .add_sample(&err);
    }

    /// The errors seen during the outage `id`.
    pub fn take(&mut self, id: OutageId) -> ErrorGroups {
        self.groups.remove(&id).unwrap_or_default()
    }
}
