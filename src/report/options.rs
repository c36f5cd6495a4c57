//! How a run is analysed: the report's settings, with their defaults.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// A node is down in gaps between successes longer than this.
    pub gap_us: u64,
    /// Settled = every expected node up this long.
    pub steady_us: u64,
    /// Add the error columns to the table.
    pub error_columns: bool,
    /// Only the table is wanted: skip every other analysis.
    pub table_only: bool,
    /// Keep the run over time in buckets this long (`analysis/series.rs`),
    /// for the HTML page; None: not wanted, not computed.
    pub bucket_us: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            gap_us: 1_000_000,
            steady_us: 5_000_000,
            error_columns: false,
            table_only: false,
            bucket_us: None,
        }
    }
}
