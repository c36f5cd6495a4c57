//! perseus-report: replays event logs into the per-second table, outages,
//! fault metrics, a consistency check and latency figures (docs/report.md).
//!
//! Data flows one way: bytes → lines (`read/chunks.rs`) → checked events
//! (`read/reader.rs`, `read/table_scan.rs` for `--table`) → runs
//! (`read/runs.rs`) → one
//! run's analyses (`run_analysis.rs`): the table (`crate::tally`), the
//! consistency check in log order (`consistency.rs`), and through a reorder
//! buffer (`reorder.rs`) the time-ordered ones (`timeline.rs`: `outages.rs`,
//! `attribution.rs`, `faults.rs` with `fault_effect.rs` over
//! `fault_event.rs`, `fault_window.rs`
//! and `settle.rs`, `latency.rs` over `histogram.rs`) → a summary
//! (`summary.rs`) → an exporter (`export/`). For the HTML page, the run
//! over time is kept too, in log order (`series.rs` over `log_bins.rs`),
//! and `fault_periods.rs` pairs each fault with the one that undoes it. `app.rs` and `cli.rs` are the
//! command (`output_file.rs`: the page's file, put in place when complete);
//! `limits.rs` bounds memory on any input.

pub mod app;
pub mod attribution;
pub mod cli;
pub mod consistency;
pub mod errors;
pub mod export;
pub mod fault_effect;
pub mod fault_event;
pub mod fault_periods;
pub mod fault_window;
pub mod faults;
pub mod histogram;
pub mod latency;
pub mod leaderboard;
pub mod limits;
pub mod log_bins;
pub mod options;
pub mod outages;
pub mod output_file;
pub mod read;
pub mod reorder;
pub mod run_analysis;
pub mod series;
pub mod settle;
pub mod summary;
pub mod throughput;
pub mod timeline;

use options::Options;
use read::reader::{self, Fatal, ReadStats};
use read::runs::Runs;
use run_analysis::Finished;
use std::io::Read;

/// Reads one log and hands each finished run to `done`.
pub fn analyze(
    file: &str,
    input: impl Read,
    options: Options,
    skip_bad: bool,
    done: impl FnMut(Finished),
    warn: &mut dyn FnMut(String),
) -> Result<ReadStats, Fatal> {
    let mut runs = Runs::new(options, done);
    reader::read(file, input, skip_bad, options.table_only, &mut runs, warn)
}
