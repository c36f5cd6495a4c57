//! The report's bounds, so that memory stays under its 64 MB target on any
//! input, however corrupt: what grows with the input is either bounded here
//! or refused with an error that names the line and the limit.

/// Nodes in one start event.
pub const MAX_NODES: usize = 256;
/// Keys (nodes × connections) of one run: the consistency check keeps a
/// small state per key.
pub const MAX_KEYS: u64 = 4096;
/// The per-second table of one run (4 bytes per node and second, twice).
pub const MAX_TABLE_BYTES: u64 = 32 << 20;
/// An event this far after every earlier one is taken for corruption.
pub const MAX_JUMP_US: u64 = 24 * 3600 * 1_000_000;
/// The longest run the report reads.
pub const MAX_SPAN_US: u64 = 7 * 24 * 3600 * 1_000_000;
/// Outages of one run (all nodes).
pub const MAX_OUTAGES: usize = 1_000_000;
/// Server events kept per run (the lab's supervisors write a handful; a
/// server that crash-loops for days could write more).
pub const MAX_SERVER_EVENTS: usize = 10_000;
/// Moments of acknowledged writes kept, over all of a run's keys, for when
/// a loss's writes were acknowledged (16 bytes each: 32 MB).
pub const ACKED_KEPT: usize = 2_000_000;

/// Per key: the budget shared out, at least 256 and at most 262,144 (over
/// a minute of one key's writes at this project's rates).
pub fn acked_kept_per_key(keys: usize) -> usize {
    (ACKED_KEPT / keys.max(1)).clamp(256, 262_144)
}

/// Characters of an error message kept as a group's sample.
pub const SAMPLE_CHARS: usize = 300;
/// Memory for the latency windows of the faults being measured at once
/// (two histograms per node each); at most 64 windows in any case.
pub const WINDOW_BYTES: usize = 16 << 20;
/// Faults analysed per run, times nodes (each keeps a latency figure per
/// node); the faults beyond are counted and not analysed.
pub const MAX_FAULT_NODES: usize = 200_000;
/// Events the reorder buffer holds at once (about 80 bytes each, plus a
/// failure's message): beyond, the oldest are released early.
pub const REORDER_BYTES: usize = 24 << 20;

/// How many latency windows may fill at once for `nodes` nodes.
pub fn open_windows(nodes: usize) -> usize {
    let per_window = 2 * nodes.max(1) * super::analysis::histogram::MAX_BYTES;
    (WINDOW_BYTES / per_window).clamp(1, 64)
}
/// The run over time (`analysis/series.rs`, for `--html`): successful
/// writes kept as points (16 bytes each); past this the page draws
/// quantiles instead.
pub const SUCCESS_POINTS: usize = 200_000;
/// Failed operations kept as points; past this only their rate is drawn.
pub const FAILURE_POINTS: usize = 50_000;
/// Per-node counters over all of a run's buckets (4 bytes each).
pub const SERIES_COUNTERS: usize = 1 << 20;
/// Buckets of a run, whatever its nodes (each also holds a latency
/// histogram of at most 2 KB, usually a few hundred bytes); past this,
/// pairs merge and the bucket doubles. More buckets than a page has pixels
/// across would show nothing more.
pub const SERIES_BUCKETS: usize = 4096;

/// The table's bytes for `nodes` nodes up to second `second`.
pub fn table_bytes(nodes: usize, second: u64) -> u64 {
    second.saturating_mul(nodes as u64).saturating_mul(8)
}

/// Checks that the table can reach the second of `t_us`.
pub fn check_table(nodes: usize, t_us: u64) -> Result<(), String> {
    let second = crate::tally::second_of(t_us);
    if table_bytes(nodes, second) <= MAX_TABLE_BYTES {
        return Ok(());
    }
    let most = MAX_TABLE_BYTES / table_bytes(nodes, 1).max(1);
    Err(format!(
        "t_us {t_us} would make the table of {nodes} nodes {} MB, more than the {} MB perseus-report allows (at {nodes} nodes: runs of up to {most} s)",
        table_bytes(nodes, second) >> 20,
        MAX_TABLE_BYTES >> 20
    ))
}
