//! A coarse log-scale histogram of microseconds for one bucket of time: 8
//! bins per power of two (each bin spans at most 9% of its values), stored
//! only between the lowest and the highest bin used. The report's exact
//! latency figures use `histogram.rs` (128 bins per power of two); a chart
//! needs one value per pixel row, and a bucket of time must stay small
//! (hundreds of bytes, not kilobytes) because a run has thousands of them.

/// Bins per power of two.
const PER_OCTAVE: u32 = 8;
const SHIFT: u32 = 3; // log2(PER_OCTAVE)

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogBins {
    /// The bin of `counts[0]`.
    first: u16,
    counts: Vec<u32>,
    total: u64,
    max: u64,
}

/// The bin of a value: 0 for 0, then 8 bins per power of two.
fn bin(v: u64) -> u16 {
    if v == 0 {
        return 0;
    }
    let exp = 63 - v.leading_zeros();
    let frac = if exp >= SHIFT {
        (v >> (exp - SHIFT)) & u64::from(PER_OCTAVE - 1)
    } else {
        (v << (SHIFT - exp)) & u64::from(PER_OCTAVE - 1)
    };
    (1 + exp * PER_OCTAVE + frac as u32) as u16
}

/// The lowest value of bin `b` and the lowest of the next (saturating).
fn bounds(b: u16) -> (u64, u64) {
    if b == 0 {
        return (0, 1);
    }
    let low = |b: u32| -> u64 {
        let (exp, frac) = ((b - 1) / PER_OCTAVE, (b - 1) % PER_OCTAVE);
        let mantissa = u128::from(PER_OCTAVE + frac) << exp;
        u64::try_from(mantissa >> SHIFT).unwrap_or(u64::MAX)
    };
    let b = u32::from(b);
    let (lo, hi) = (low(b), low(b + 1));
    (lo, hi.max(lo + 1))
}

impl LogBins {
    pub fn record(&mut self, v: u64) {
        self.add(bin(v), 1);
        self.total += 1;
        self.max = self.max.max(v);
    }

    fn add(&mut self, b: u16, count: u32) {
        if self.counts.is_empty() {
            self.first = b;
        } else if b < self.first {
            let grow = usize::from(self.first - b);
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = b;
        }
        let i = usize::from(b - self.first);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(count);
    }

    pub fn merge(&mut self, other: &LogBins) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add(other.first + i as u16, c);
            }
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The exact largest value recorded.
    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// Nearest rank, as `histogram.rs`: the middle of the bin holding the
    /// smallest value with at least a fraction `q` of the values at or below
    /// it, never above the exact maximum.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                let (lo, hi) = bounds(self.first + i as u16);
                return Some((lo + (hi - lo - 1) / 2).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_tile_the_values_and_are_at_most_an_eighth_wide() {
        let mut next = 0;
        for b in 0..=512u16 {
            let (lo, hi) = bounds(b);
            if lo < next {
                continue; // below 8 several bins share one integer
            }
            assert_eq!(lo, next, "bin {b}");
            assert_eq!(bin(lo), b);
            assert_eq!(bin(hi - 1), b);
            assert!(hi - lo <= lo / 8 + 1, "bin {b}: {lo}..{hi}");
            next = hi;
            if hi == u64::MAX {
                break;
            }
        }
        assert_eq!(bin(u64::MAX), 512);
    }

    #[test]
    fn quantiles_are_within_a_bin_and_max_is_exact() {
        let mut a = LogBins::default();
        for v in [1000, 1010, 1020, 1030, 50_000] {
            a.record(v);
        }
        let p50 = a.quantile(0.5).expect("some");
        assert!((960..=1090).contains(&p50), "{p50}");
        assert_eq!(a.max(), Some(50_000));
        assert_eq!(a.quantile(1.0), Some(50_000));
        let mut b = LogBins::default();
        b.record(3);
        b.record(0);
        a.merge(&b);
        assert_eq!(a.count(), 7);
        assert_eq!(a.quantile(0.01), Some(0));
        assert_eq!(LogBins::default().quantile(0.5), None);
    }
}
