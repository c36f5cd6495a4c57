//! Numbers over a scenario's runs: durations as median, minimum, maximum
//! and n (with "never" sorting after every number), shares of a baseline as
//! median, minimum and maximum.

use serde::Serialize;

/// A number over a scenario's runs; None stands for "never" (a settle time
/// of a cluster that did not settle), which sorts after every number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub n: usize,
    pub median_us: Option<u64>,
    pub min_us: Option<u64>,
    pub max_us: Option<u64>,
    /// How many of the n were "never".
    pub never: usize,
}

impl Spread {
    pub fn of(values: &[Option<u64>]) -> Spread {
        let mut v = values.to_vec();
        // None (never) after every number.
        v.sort_by_key(|x| (x.is_none(), *x));
        let n = v.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => v[n / 2],
            _ => match (v[n / 2 - 1], v[n / 2]) {
                (Some(a), Some(b)) => Some(a + (b - a) / 2),
                _ => None,
            },
        };
        Spread {
            n,
            median_us: median,
            min_us: v.first().copied().flatten(),
            max_us: v.last().copied().flatten(),
            never: v.iter().filter(|x| x.is_none()).count(),
        }
    }
}

/// Median, minimum and maximum of shares (1.0 = the baseline's rate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shares {
    pub n: usize,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Shares {
    pub fn of(values: &[f64]) -> Shares {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2]),
            _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
        };
        Shares {
            n,
            median,
            min: v.first().copied(),
            max: v.last().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_never() {
        let s = |v: &[Option<u64>]| {
            let x = Spread::of(v);
            (x.n, x.median_us, x.min_us, x.max_us, x.never)
        };
        assert_eq!(
            s(&[Some(5), Some(1), Some(3)]),
            (3, Some(3), Some(1), Some(5), 0)
        );
        assert_eq!(
            s(&[Some(4), Some(1), Some(3), Some(2)]),
            (4, Some(2), Some(1), Some(4), 0)
        );
        assert_eq!(s(&[None, Some(1), Some(3)]), (3, Some(3), Some(1), None, 1));
        assert_eq!(s(&[None, None, Some(3)]), (3, None, Some(3), None, 2));
        assert_eq!(s(&[]), (0, None, None, None, 0));
    }
}
