//! A log-linear histogram of microseconds (like HdrHistogram): values below
//! 128 are exact; above, each power of two is split into 128 equal buckets,
//! so a bucket spans at most 1/128 of its values. A quantile is reported as
//! its bucket's midpoint (never above the exact maximum), so it is within
//! 0.4% of the true value. Values from 2^32 µs (71 minutes) on share the top
//! bucket, so memory is bounded: at most [`MAX_BYTES`] per histogram,
//! however many values are recorded (the maximum stays exact).

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;

/// Relative error bound of a reported quantile.
pub const RELATIVE_ERROR: f64 = 0.5 / SUB as f64;

/// Values at or above this share the top bucket.
const TOP: u64 = 1 << 32;
/// The most a histogram's counters take.
pub const MAX_BYTES: usize = (SUB as usize + 26 * SUB as usize) * 8;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

fn index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = exp - SUB_BITS;
    let sub = (v >> shift) - SUB;
    (SUB + (shift as u64) * SUB + sub) as usize
}

/// The lowest value and the width of bucket `i`.
fn bucket(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < SUB {
        return (i, 1);
    }
    let shift = (i - SUB) / SUB;
    let sub = (i - SUB) % SUB;
    ((SUB + sub) << shift, 1 << shift)
}

impl Histogram {
    pub fn record(&mut self, v: u64) {
        let i = index(v.min(TOP));
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// Nearest rank: the smallest recorded value v such that at least a
    /// fraction `q` of the values are <= v (within the bucket error).
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, width) = bucket(i);
                return Some((low + (width - 1) / 2).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.99), Some(99));
        assert_eq!(h.quantile(1.0), Some(100));
        assert_eq!(h.max(), 100);
    }

    #[test]
    fn buckets_tile_the_range_and_large_values_are_within_the_bound() {
        for i in 0..7000 {
            let (low, width) = bucket(i);
            assert_eq!(index(low), i);
            assert_eq!(index(low + width - 1), i);
            assert_eq!(bucket(i + 1).0, low + width);
        }
        for v in [
            128u64,
            1000,
            12_345,
            999_999,
            3_000_000,
            1 << 31,
            (1 << 32) - 1,
        ] {
            let mut h = Histogram::default();
            h.record(v);
            h.record(v / 2 + 1);
            let got = h.quantile(1.0).expect("some") as f64;
            assert!(
                (got - v as f64).abs() <= v as f64 * RELATIVE_ERROR,
                "{v}: {got}"
            );
            let (low, width) = bucket(index(v));
            assert!(low <= v && v - low < width);
        }
    }

    #[test]
    fn huge_values_share_the_top_bucket_and_memory_stays_bounded() {
        let mut h = Histogram::default();
        h.record(u64::MAX);
        h.record(1 << 40);
        assert!(h.counts.len() * 8 <= MAX_BYTES, "{}", h.counts.len());
        assert_eq!(h.max(), u64::MAX);
        assert_eq!(h.count(), 2);
    }

    #[test]
    fn merge_adds_counts() {
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        a.record(10);
        b.record(20);
        b.record(5000);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.max(), 5000);
        assert_eq!(a.quantile(0.5), Some(20));
    }
}
