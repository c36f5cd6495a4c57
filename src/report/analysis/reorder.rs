//! A small reorder buffer: the log is in channel order, nearly but not
//! exactly time order (connections differ by milliseconds; faults appended
//! by hand may be late). Items wait and are released in time order once they
//! are older than the newest time seen minus the window. Only items that
//! `lead` move the newest time: a fault stamped by hand from a clock that
//! jumped ahead must not make the operations after it look out of order.
//! Memory is bounded too: each item has a weight (its bytes), and past the
//! budget the earliest are released early; an item older than one released
//! is then an error, like one older than the window. Items that arrive in
//! order (nearly all) wait in a queue, at O(1) each; only those that arrive
//! out of order go to a min-heap. Release takes the earlier of the two heads.
//! Items of the same time go by rank, then in the order they came. Memory
//! grows with the events of one window, not with the log.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

pub const WINDOW_US: u64 = 5_000_000;

struct Entry<T> {
    t_us: u64,
    rank: u8,
    seq: u64,
    weight: usize,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    /// Reversed: the heap's top is the earliest (then the first pushed).
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

impl<T> Entry<T> {
    fn key(&self) -> (u64, u8, u64) {
        (self.t_us, self.rank, self.seq)
    }
}

pub struct Reorder<T> {
    /// Entries in ascending key order, as they arrived.
    queue: VecDeque<Entry<T>>,
    /// Entries that arrived earlier than the queue's last.
    heap: BinaryHeap<Entry<T>>,
    window_us: u64,
    newest: u64,
    seq: u64,
    /// The weight held, and the most it may be.
    held: usize,
    budget: usize,
    /// The latest time released early for the budget.
    released_early: Option<u64>,
}

impl<T> Reorder<T> {
    pub fn new(window_us: u64, budget: usize) -> Self {
        Reorder {
            queue: VecDeque::new(),
            heap: BinaryHeap::new(),
            window_us,
            newest: 0,
            seq: 0,
            held: 0,
            budget,
            released_early: None,
        }
    }

    /// The newest time of the items that lead.
    pub fn newest(&self) -> u64 {
        self.newest
    }

    /// Whether an item at `t_us` is still within the window (and not before
    /// what the budget released early).
    pub fn accepts(&self, t_us: u64) -> bool {
        t_us.saturating_add(self.window_us) >= self.newest
            && self.released_early.is_none_or(|r| t_us >= r)
    }

    /// Adds an item; releases, in time order, those now older than the window.
    /// An item older than the newest time minus the window is an error.
    pub fn push(
        &mut self,
        t_us: u64,
        rank: u8,
        item: T,
        weight: usize,
        lead: bool,
        out: &mut impl FnMut(u64, T),
    ) -> Result<(), String> {
        if let Some(r) = self.released_early.filter(|&r| t_us < r) {
            return Err(format!(
                "event at t_us {t_us} comes after one at t_us {r} that perseus-report released early: more than {} MB of events arrived within the reorder window",
                self.budget >> 20
            ));
        }
        if !self.accepts(t_us) {
            return Err(format!(
                "event at t_us {t_us} comes after one at t_us {}: more than the {} s reorder window out of time order",
                self.newest,
                self.window_us as f64 / 1e6
            ));
        }
        self.seq += 1;
        self.held += weight;
        let entry = Entry {
            t_us,
            rank,
            seq: self.seq,
            weight,
            item,
        };
        if self
            .queue
            .back()
            .is_none_or(|last| last.key() <= entry.key())
        {
            self.queue.push_back(entry);
        } else {
            self.heap.push(entry);
        }
        if lead {
            self.newest = self.newest.max(t_us);
        }
        let horizon = self.newest.saturating_sub(self.window_us);
        while self.earliest().is_some_and(|t| t < horizon) {
            self.pop(out);
        }
        while self.held > self.budget {
            if let Some(t) = self.pop(out) {
                self.released_early = Some(self.released_early.map_or(t, |r| r.max(t)));
            }
        }
        Ok(())
    }

    /// Releases everything left, in time order.
    pub fn finish(&mut self, out: &mut impl FnMut(u64, T)) {
        while self.earliest().is_some() {
            self.pop(out);
        }
    }

    fn earliest(&self) -> Option<u64> {
        match (self.queue.front(), self.heap.peek()) {
            (Some(q), Some(h)) => Some(q.t_us.min(h.t_us)),
            (Some(q), None) => Some(q.t_us),
            (None, Some(h)) => Some(h.t_us),
            (None, None) => None,
        }
    }

    /// Releases the entry with the smallest key of the two heads; returns
    /// its time.
    fn pop(&mut self, out: &mut impl FnMut(u64, T)) -> Option<u64> {
        let from_queue = match (self.queue.front(), self.heap.peek()) {
            (Some(q), Some(h)) => q.key() < h.key(),
            (Some(_), None) => true,
            _ => false,
        };
        let entry = if from_queue {
            self.queue.pop_front()
        } else {
            self.heap.pop()
        };
        let e = entry?;
        self.held -= e.weight;
        out(e.t_us, e.item);
        Some(e.t_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_in_time_order_and_rejects_what_is_too_late() {
        let mut r = Reorder::new(10, usize::MAX);
        let mut got = Vec::new();
        let mut out = |t, i: u32| got.push((t, i));
        for (t, rank, i) in [(5, 1, 0), (3, 1, 1), (5, 1, 2), (5, 0, 5), (20, 1, 3)] {
            r.push(t, rank, i, 1, true, &mut out).expect("in window");
        }
        assert!(
            r.push(9, 1, 9, 1, true, &mut out).is_err(),
            "more than 10 before 20"
        );
        r.push(12, 1, 4, 1, true, &mut out).expect("in window");
        // An item that does not lead waits for the others to pass it.
        r.push(1_000, 0, 7, 1, false, &mut out)
            .expect("ahead is fine");
        r.push(25, 1, 8, 1, true, &mut out)
            .expect("still in window");
        r.finish(&mut out);
        assert_eq!(
            got,
            vec![
                (3, 1),
                (5, 5),
                (5, 0),
                (5, 2),
                (12, 4),
                (20, 3),
                (25, 8),
                (1_000, 7)
            ]
        );
    }

    #[test]
    fn past_its_budget_the_buffer_releases_early_and_then_refuses_what_is_older() {
        let mut r = Reorder::new(1_000, 3);
        let mut got = Vec::new();
        let mut out = |t, i: u32| got.push((t, i));
        for t in [10, 11, 12, 13] {
            r.push(t, 1, t as u32, 1, true, &mut out)
                .expect("in budget");
        }
        assert!(
            r.push(9, 1, 0, 1, true, &mut out).is_err(),
            "older than released"
        );
        r.push(10, 1, 1, 1, true, &mut out)
            .expect("at the released time");
        r.finish(&mut out);
        assert_eq!(got.first(), Some(&(10, 10)));
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn queue_and_heap_together_release_exactly_sorted() {
        // A deterministic shuffle within the window, against a plain sort.
        let mut x: u64 = 12345;
        let mut input = Vec::new();
        for i in 0..5000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let jitter = (x >> 33) % 40;
            input.push((i * 10 + jitter, (x >> 20) as u8 % 2, i));
        }
        let mut r = Reorder::new(1000, usize::MAX);
        let mut got = Vec::new();
        let mut out = |t, i: u64| got.push((t, i));
        for &(t, rank, i) in &input {
            r.push(t, rank, i, 1, true, &mut out)
                .expect("within the window");
        }
        r.finish(&mut out);
        let mut want = input.clone();
        want.sort_by_key(|&(t, rank, i)| (t, rank, i));
        let want: Vec<(u64, u64)> = want.into_iter().map(|(t, _, i)| (t, i)).collect();
        assert_eq!(got, want);
    }
}
