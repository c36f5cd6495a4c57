//! One key's acknowledged writes, for counting what a loss discarded. A
//! key's writes count up (insert 0, then each write the value read plus
//! one), so a read below the current value discarded exactly the
//! acknowledged writes whose values lie above it. This keeps the
//! acknowledged values as runs of consecutive values (a run breaks where an
//! indeterminate write landed in between): the count is exact whatever the
//! run's length. The moments of the newest acknowledgements are kept too, a
//! bounded number per key (`limits.rs`), for when the first and last lost
//! write were acknowledged; a loss reaching further back says its first is
//! at or before the oldest moment kept.

use std::collections::VecDeque;

/// What a loss discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discarded {
    /// Acknowledged writes whose values lie above the value read.
    pub count: u64,
    /// When the first of them was acknowledged; when `first_exact` is
    /// false, the oldest moment kept, which it is at or before.
    pub first_us: u64,
    pub first_exact: bool,
    /// When the last of them was acknowledged.
    pub last_us: u64,
}

pub struct Acked {
    /// Acknowledged values, as runs `from..=to`, in the order written.
    runs: Vec<(i64, i64)>,
    /// (value, moment) of the newest acknowledgements, oldest first.
    recent: VecDeque<(i64, u64)>,
    keep: usize,
    /// The oldest moment dropped from `recent`, if any was.
    dropped_until: Option<u64>,
}

impl Acked {
    /// Keeps the moments of the newest `keep` acknowledgements.
    pub fn new(keep: usize) -> Acked {
        Acked {
            runs: Vec::new(),
            recent: VecDeque::new(),
            keep: keep.max(1),
            dropped_until: None,
        }
    }

    /// A write of `value` acknowledged at `t_us`.
    pub fn ack(&mut self, value: i64, t_us: u64) {
        match self.runs.last_mut() {
            Some((_, to)) if value == *to + 1 => *to = value,
            Some((from, to)) if (*from..=*to).contains(&value) => {}
            _ => self.runs.push((value, value)),
        }
        if self.recent.len() == self.keep {
            if let Some((_, t)) = self.recent.pop_front() {
                self.dropped_until = Some(t);
            }
        }
        self.recent.push_back((value, t_us));
    }

    /// A read of `read` (None: the row is gone) found the key behind: what
    /// the acknowledged writes above it were, and they are forgotten (the
    /// key's next writes reuse their values). None when none was above it.
    pub fn lost_above(&mut self, read: Option<i64>) -> Option<Discarded> {
        let floor = read.unwrap_or(-1);
        let count: u64 = self
            .runs
            .iter()
            .map(|&(from, to)| (to - from.max(floor + 1) + 1).max(0) as u64)
            .sum();
        if count == 0 {
            return None;
        }
        let kept: Vec<u64> = self
            .recent
            .iter()
            .filter(|(v, _)| *v > floor)
            .map(|&(_, t)| t)
            .collect();
        let last_us = kept
            .iter()
            .copied()
            .max()
            .or(self.dropped_until)
            .unwrap_or(0);
        let first_exact = kept.len() as u64 >= count;
        let first_us = match (first_exact, kept.iter().copied().min()) {
            (true, Some(t)) => t,
            _ => self.recent.front().map_or(last_us, |&(_, t)| t),
        };
        self.runs.retain_mut(|(from, to)| {
            *to = (*to).min(floor);
            *from <= *to
        });
        self.recent.retain(|(v, _)| *v <= floor);
        Some(Discarded {
            count,
            first_us,
            first_exact,
            last_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acked(values: &[(i64, u64)], keep: usize) -> Acked {
        let mut a = Acked::new(keep);
        for &(v, t) in values {
            a.ack(v, t);
        }
        a
    }

    #[test]
    fn a_loss_counts_the_acknowledged_writes_above_the_read() {
        // 0..=9 acknowledged at 100, 110, ..., 190; the read finds 4.
        let writes: Vec<(i64, u64)> = (0..10).map(|v| (v, 100 + 10 * v as u64)).collect();
        let mut a = acked(&writes, 1000);
        let d = a.lost_above(Some(4)).expect("a loss");
        assert_eq!(
            d,
            Discarded {
                count: 5,
                first_us: 150,
                first_exact: true,
                last_us: 190
            }
        );
        // The key goes on from 4: 5 and 6 written again, then lost again.
        a.ack(5, 300);
        a.ack(6, 310);
        assert_eq!(a.lost_above(Some(4)).map(|d| d.count), Some(2));
        assert_eq!(a.lost_above(Some(4)), None, "nothing above 4 any more");
        assert_eq!(
            a.lost_above(None).map(|d| d.count),
            Some(5),
            "0..=4: the row gone"
        );
    }

    #[test]
    fn values_that_landed_unacknowledged_are_not_counted() {
        // 6 was an indeterminate write that landed: never acknowledged.
        let mut a = acked(&[(4, 1), (5, 2), (7, 4), (8, 5)], 100);
        assert_eq!(a.lost_above(Some(4)).map(|d| d.count), Some(3));
    }

    #[test]
    fn a_loss_older_than_the_moments_kept_says_at_or_before() {
        let writes: Vec<(i64, u64)> = (0..10).map(|v| (v, 100 + 10 * v as u64)).collect();
        let mut a = acked(&writes, 3);
        let d = a.lost_above(Some(1)).expect("a loss");
        assert_eq!(
            (d.count, d.first_exact, d.first_us, d.last_us),
            (8, false, 170, 190)
        );
    }
}
