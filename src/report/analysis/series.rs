//! The run over time, for the HTML page's charts: per bucket of time
//! (`--bucket`, 100 ms by default) each node's successful iterations, the
//! failed operations by error kind, and the latency of successful writes
//! (a coarse histogram, `log_bins.rs`); and, while they fit a budget, each
//! successful write and each failed operation as a point (time, latency,
//! node, error kind).
//!
//! Fed in log order: a bucket is a sum, so the few milliseconds by which
//! the log is out of time order do not matter. Memory is bounded on any
//! input (`limits.rs`): when the buckets would pass [`max_buckets`], pairs
//! are merged and the bucket doubles (a 7-day log ends with buckets of
//! minutes, never with millions of them); points beyond their budget are
//! dropped all at once, and the page draws per-bucket quantiles instead.

use super::log_bins::LogBins;
use crate::event::ErrorKind;
use crate::report::limits::{FAILURE_POINTS, SERIES_BUCKETS, SERIES_COUNTERS, SUCCESS_POINTS};

/// The error kinds, in the order the charts list them.
pub const KINDS: [ErrorKind; 7] = [
    ErrorKind::Server,
    ErrorKind::Timeout,
    ErrorKind::Connect,
    ErrorKind::Io,
    ErrorKind::Driver,
    ErrorKind::NoRow,
    ErrorKind::ReadOnly,
];

fn kind_index(kind: ErrorKind) -> usize {
    match kind {
        ErrorKind::Server => 0,
        ErrorKind::Timeout => 1,
        ErrorKind::Connect => 2,
        ErrorKind::Io => 3,
        ErrorKind::Driver => 4,
        ErrorKind::NoRow => 5,
        ErrorKind::ReadOnly => 6,
    }
}

/// How many buckets a run of `nodes` nodes keeps before merging pairs.
pub fn max_buckets(nodes: usize) -> usize {
    (SERIES_COUNTERS / nodes.max(1)).clamp(256, SERIES_BUCKETS)
}

/// One operation as a point: a successful write, or a failed operation
/// with its kind. 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub t_us: u64,
    /// Saturated at about 71 minutes.
    pub lat_us: u32,
    pub node: u16,
    pub error: Option<ErrorKind>,
}

/// Points while they fit their budget; `None` once they did not.
struct Budget {
    points: Option<Vec<Point>>,
    limit: usize,
    seen: u64,
}

impl Budget {
    fn new(limit: usize) -> Self {
        Budget {
            // The whole budget at once: the system lends pages as they are
            // written, and a vector that grew by doubling would hold its old
            // and new buffers at once, past the budget.
            points: Some(Vec::with_capacity(limit)),
            limit,
            seen: 0,
        }
    }

    fn push(&mut self, p: Point) {
        self.seen += 1;
        if let Some(points) = &mut self.points {
            if points.len() == self.limit {
                self.points = None;
                return;
            }
            points.push(p);
        }
    }
}

pub struct Series {
    nodes: usize,
    bucket_us: u64,
    max_buckets: usize,
    /// Successful iterations, `bucket * nodes + node`.
    successes: Vec<u32>,
    errors: Vec<[u32; KINDS.len()]>,
    latency: Vec<LogBins>,
    successes_kept: Budget,
    failures_kept: Budget,
}

/// The finished series of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesReport {
    /// The bucket as used: `--bucket`, doubled as often as the run's length
    /// required.
    pub bucket_us: u64,
    /// The run's end E: the last bucket ends there.
    pub end_us: u64,
    pub nodes: Vec<String>,
    /// Successful iterations, `bucket * nodes + node`.
    pub successes: Vec<u32>,
    /// Failed operations per bucket, by kind in [`KINDS`] order.
    pub errors: Vec<[u32; KINDS.len()]>,
    pub latency: Vec<LogBins>,
    /// Every successful write, or None when there were more than
    /// `SUCCESS_POINTS`.
    pub success_points: Option<Vec<Point>>,
    pub successes_seen: u64,
    /// Every failed operation, or None when there were more than
    /// `FAILURE_POINTS`.
    pub failure_points: Option<Vec<Point>>,
    pub failures_seen: u64,
}

impl SeriesReport {
    pub fn buckets(&self) -> usize {
        self.errors.len()
    }

    /// Bucket `b`'s span [from, to), the last one ending at E.
    pub fn span(&self, b: usize) -> (u64, u64) {
        let from = b as u64 * self.bucket_us;
        (from, (from + self.bucket_us).min(self.end_us.max(from + 1)))
    }

    pub fn successes(&self, b: usize, node: usize) -> u32 {
        let n = self.nodes.len();
        self.successes.get(b * n + node).copied().unwrap_or(0)
    }
}

impl Series {
    pub fn new(nodes: usize, bucket_us: u64) -> Self {
        Series {
            nodes,
            bucket_us: bucket_us.max(1),
            max_buckets: max_buckets(nodes),
            successes: Vec::new(),
            errors: Vec::new(),
            latency: Vec::new(),
            successes_kept: Budget::new(SUCCESS_POINTS),
            failures_kept: Budget::new(FAILURE_POINTS),
        }
    }

    /// The bucket of `t_us`, made to exist (merging pairs first when it
    /// would pass the cap).
    fn bucket(&mut self, t_us: u64) -> usize {
        while t_us / self.bucket_us >= self.max_buckets as u64 {
            self.coarsen();
        }
        let b = (t_us / self.bucket_us) as usize;
        if self.errors.len() <= b {
            self.errors.resize(b + 1, [0; KINDS.len()]);
            self.latency.resize(b + 1, LogBins::default());
            self.successes.resize((b + 1) * self.nodes, 0);
        }
        b
    }

    /// Merges buckets 2i and 2i + 1 into i: the bucket doubles.
    fn coarsen(&mut self) {
        let n = self.nodes;
        let half = self.errors.len().div_ceil(2);
        for i in 0..half {
            let (a, b) = (2 * i, 2 * i + 1);
            let mut errors = self.errors[a];
            let mut latency = std::mem::take(&mut self.latency[a]);
            if let Some(other) = self.errors.get(b) {
                for (x, y) in errors.iter_mut().zip(other) {
                    *x = x.saturating_add(*y);
                }
                latency.merge(&self.latency[b]);
            }
            self.errors[i] = errors;
            self.latency[i] = latency;
            for node in 0..n {
                let pair = self.successes[a * n + node]
                    .saturating_add(self.successes.get(b * n + node).copied().unwrap_or(0));
                self.successes[i * n + node] = pair;
            }
        }
        self.errors.truncate(half);
        self.latency.truncate(half);
        self.successes.truncate(half * n);
        self.bucket_us = self.bucket_us.saturating_mul(2);
    }

    fn point(t_us: u64, lat_us: u64, node: usize, error: Option<ErrorKind>) -> Point {
        Point {
            t_us,
            lat_us: u32::try_from(lat_us).unwrap_or(u32::MAX),
            node: u16::try_from(node).unwrap_or(u16::MAX),
            error,
        }
    }

    /// A successful iteration of `node` at `t_us`, its write taking `lat_us`.
    pub fn success(&mut self, node: usize, t_us: u64, lat_us: u64) {
        let b = self.bucket(t_us);
        if let Some(c) = self.successes.get_mut(b * self.nodes + node) {
            *c = c.saturating_add(1);
        }
        self.latency[b].record(lat_us);
        self.successes_kept
            .push(Self::point(t_us, lat_us, node, None));
    }

    /// A failed operation.
    pub fn failure(&mut self, node: usize, t_us: u64, lat_us: u64, kind: ErrorKind) {
        let b = self.bucket(t_us);
        let c = &mut self.errors[b][kind_index(kind)];
        *c = c.saturating_add(1);
        self.failures_kept
            .push(Self::point(t_us, lat_us, node, Some(kind)));
    }

    /// The series up to the run's end E: buckets reach E (a bucket starting
    /// at E or later, holding operations stamped exactly E, joins the one
    /// before).
    pub fn finish(mut self, end_us: u64, names: &[String]) -> SeriesReport {
        let wanted = end_us.div_ceil(self.bucket_us).max(1) as usize;
        self.bucket(end_us.saturating_sub(1));
        while self.errors.len() > wanted {
            let last = self.errors.len() - 1;
            let n = self.nodes;
            let (errors, latency) = (self.errors[last], std::mem::take(&mut self.latency[last]));
            for (x, y) in self.errors[last - 1].iter_mut().zip(errors) {
                *x = x.saturating_add(y);
            }
            self.latency[last - 1].merge(&latency);
            for node in 0..n {
                let c = self.successes[last * n + node];
                self.successes[(last - 1) * n + node] =
                    self.successes[(last - 1) * n + node].saturating_add(c);
            }
            self.errors.truncate(last);
            self.latency.truncate(last);
            self.successes.truncate(last * n);
        }
        SeriesReport {
            bucket_us: self.bucket_us,
            end_us,
            nodes: names.to_vec(),
            successes: self.successes,
            errors: self.errors,
            latency: self.latency,
            success_points: self.successes_kept.points,
            successes_seen: self.successes_kept.seen,
            failure_points: self.failures_kept.points,
            failures_seen: self.failures_kept.seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000;
    const S: u64 = 1_000_000;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn counts_land_in_their_bucket_whatever_the_order() {
        let mut s = Series::new(2, 100 * MS);
        s.success(1, 250 * MS, 900);
        s.success(0, 50 * MS, 400);
        s.failure(0, 120 * MS, 3 * S, ErrorKind::Timeout);
        s.success(0, 60 * MS, 500);
        let r = s.finish(300 * MS, &names(2));
        assert_eq!(r.buckets(), 3);
        assert_eq!(
            (r.successes(0, 0), r.successes(0, 1), r.successes(2, 1)),
            (2, 0, 1)
        );
        assert_eq!(r.errors[1][kind_index(ErrorKind::Timeout)], 1);
        assert_eq!(r.latency[0].max(), Some(500));
        assert_eq!(r.span(2), (200 * MS, 300 * MS));
        assert_eq!(r.success_points.as_ref().map(Vec::len), Some(3));
        assert_eq!(
            r.failure_points.as_ref().map(|p| p[0].lat_us),
            Some(3_000_000)
        );
    }

    #[test]
    fn the_last_bucket_ends_at_the_end_and_takes_what_is_stamped_there() {
        let mut s = Series::new(1, 100 * MS);
        s.success(0, S, 10);
        let r = s.finish(S, &names(1));
        assert_eq!(r.buckets(), 10);
        assert_eq!(r.successes(9, 0), 1);
        assert_eq!(r.span(9), (900 * MS, S));
        let r = Series::new(1, 100 * MS).finish(0, &names(1));
        assert_eq!(r.buckets(), 1, "an empty run still has one bucket");
        let mut s = Series::new(1, 100 * MS);
        s.success(0, 30 * MS, 10);
        let r = s.finish(1_050 * MS, &names(1));
        assert_eq!(r.span(10), (S, 1_050 * MS), "a part bucket at the end");
    }

    #[test]
    fn a_week_long_run_merges_pairs_and_stays_bounded() {
        let nodes = 3;
        let mut s = Series::new(nodes, 100 * MS);
        let week = 7 * 24 * 3600 * S;
        let mut t = 0;
        while t <= week {
            s.success((t / S % 3) as usize, t, 1000 + t % 997);
            t += 7 * S;
        }
        s.failure(2, week, 5, ErrorKind::Server);
        let r = s.finish(week, &names(nodes));
        assert!(r.buckets() <= max_buckets(nodes), "{}", r.buckets());
        assert!(r.buckets() > max_buckets(nodes) / 2);
        assert_eq!(r.bucket_us, (100 * MS) << 11, "doubled until it fit");
        let total: u64 = r.successes.iter().map(|&c| u64::from(c)).sum();
        assert_eq!(total, week / (7 * S) + 1, "no count lost in merging");
        let errors: u32 = r.errors.iter().map(|e| e[0]).sum();
        assert_eq!(errors, 1);
        assert_eq!(r.span(r.buckets() - 1).1, week);
        assert_eq!(max_buckets(1024), 1024);
    }

    #[test]
    fn points_past_their_budget_are_dropped_whole() {
        let mut s = Series::new(1, 100 * MS);
        for i in 0..=SUCCESS_POINTS as u64 {
            s.success(0, i, 5);
        }
        s.failure(0, 10, u64::MAX, ErrorKind::Io);
        let r = s.finish(SUCCESS_POINTS as u64 + 1, &names(1));
        assert_eq!(r.success_points, None);
        assert_eq!(r.successes_seen, SUCCESS_POINTS as u64 + 1);
        assert_eq!(
            r.failure_points.as_ref().map(|p| p[0].lat_us),
            Some(u32::MAX)
        );
    }
}
