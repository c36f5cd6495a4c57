//! The per-second table: successful iterations (and optionally failed
//! operations) per second of the run, per node. `perseus` fills it live and
//! `perseus-report --table` fills it from a log; both print it with this code,
//! so the two outputs are byte-identical for the same events.

use crate::event::Op;

/// Which second of the run an event completed in: the first second is 1.
pub fn second_of(t_us: u64) -> u64 {
    t_us / 1_000_000 + 1
}

/// The last second whose whole span lies within a run that ended at `end_us`.
pub fn last_full_second(end_us: u64) -> u64 {
    end_us / 1_000_000
}

pub struct Tally {
    names: Vec<String>,
    with_errors: bool,
    /// Per second (index `second - 1`): successes per node, then errors per node.
    counts: Vec<u32>,
}

impl Tally {
    pub fn new(names: Vec<String>, with_errors: bool) -> Self {
        Tally {
            names,
            with_errors,
            counts: Vec::new(),
        }
    }

    fn width(&self) -> usize {
        self.names.len() * 2
    }

    fn cell(&mut self, second: u64, column: usize) -> &mut u32 {
        let width = self.width();
        let start = (second as usize - 1) * width;
        if self.counts.len() < start + width {
            self.counts.resize(start + width, 0);
        }
        &mut self.counts[start + column]
    }

    /// Counts one operation of node number `node` (index into the names).
    pub fn record(&mut self, node: usize, op: &Op<'_>) {
        self.record_outcome(node, op.t_us, op.is_success(), !op.ok);
    }

    pub fn record_outcome(&mut self, node: usize, t_us: u64, success: bool, failed: bool) {
        let nodes = self.names.len();
        if node >= nodes {
            return;
        }
        let second = second_of(t_us);
        if success {
            *self.cell(second, node) += 1;
        } else if failed {
            *self.cell(second, nodes + node) += 1;
        }
    }

    pub fn successes(&self, second: u64, node: usize) -> u32 {
        let start = (second as usize - 1) * self.width() + node;
        self.counts.get(start).copied().unwrap_or(0)
    }

    pub fn errors(&self, second: u64, node: usize) -> u32 {
        let start = (second as usize - 1) * self.width() + self.names.len() + node;
        self.counts.get(start).copied().unwrap_or(0)
    }

    /// The legend line, `#` first so that tools reading the table can skip it.
    pub fn legend(&self) -> String {
        let mut line = String::from("# second\ttotal");
        // Escaped: a name from a log must not break the table's columns.
        for name in &self.names {
            line.push('\t');
            line.push_str(&crate::text::escape(name));
        }
        if self.with_errors {
            for name in &self.names {
                line.push_str("\terr:");
                line.push_str(&crate::text::escape(name));
            }
        }
        line.push('\n');
        line
    }

    /// One row: `second<TAB>total<TAB>node1<TAB>node2...`, newline included.
    pub fn row(&self, second: u64) -> String {
        let nodes = self.names.len();
        let per_node: Vec<u32> = (0..nodes).map(|n| self.successes(second, n)).collect();
        let total: u64 = per_node.iter().map(|&c| c as u64).sum();
        let mut line = format!("{second}\t{total}");
        for count in per_node {
            line.push('\t');
            line.push_str(&count.to_string());
        }
        if self.with_errors {
            for n in 0..nodes {
                line.push('\t');
                line.push_str(&self.errors(second, n).to_string());
            }
        }
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_start_at_one() {
        assert_eq!(second_of(0), 1);
        assert_eq!(second_of(999_999), 1);
        assert_eq!(second_of(1_000_000), 2);
        assert_eq!(last_full_second(2_999_999), 2);
        assert_eq!(last_full_second(3_000_000), 3);
    }

    #[test]
    fn rows_count_successes_and_errors_per_node() {
        let mut tally = Tally::new(vec!["a".into(), "b".into()], true);
        tally.record_outcome(0, 10, true, false);
        tally.record_outcome(0, 999_999, true, false);
        tally.record_outcome(1, 500_000, false, true);
        tally.record_outcome(1, 1_500_000, true, false);
        tally.record_outcome(1, 1_600_000, false, false); // a successful read: neither
        assert_eq!(tally.legend(), "# second\ttotal\ta\tb\terr:a\terr:b\n");
        assert_eq!(tally.row(1), "1\t2\t2\t0\t0\t1\n");
        assert_eq!(tally.row(2), "2\t1\t0\t1\t0\t0\n");
        assert_eq!(tally.row(3), "3\t0\t0\t0\t0\t0\n");
    }

    #[test]
    fn without_error_columns_rows_have_the_original_shape() {
        let mut tally = Tally::new(vec!["tidb1".into(), "tidb2".into(), "tidb3".into()], false);
        tally.record_outcome(2, 0, true, false);
        assert_eq!(tally.row(1), "1\t1\t0\t0\t1\n");
    }
}
