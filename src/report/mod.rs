//! perseus-report: replays event logs into the per-second table, outages,
//! fault metrics, a consistency check and latency figures (docs/report.md).
//!
//! The code is grouped by stage, and data flows one way through them (each
//! folder's `mod.rs` says what its stage takes and gives, a line a file):
//!
//! 1. `read/`: bytes → lines → checked events → runs; each run's events go,
//!    in log order, to its analysis.
//! 2. `analysis/`: one run's events → its `Finished`: the per-second table
//!    (`crate::tally`), a `RunSummary` (outages, faults, consistency,
//!    latency) and, for `--html`, the run over time.
//! 3. `leaderboard/`: finished runs → which of them count (each once, and
//!    with a suite only the repetitions it planned, done as planned), grouped
//!    by scenario and judged, for `--leaderboard`; its renderings sit with
//!    the other formats, in `export/leaderboard.rs`.
//! 4. `export/`: each finished run (and the leaderboard) → text, Markdown,
//!    JSON, the table, the HTML page.
//!
//! The command itself is at this level: `app.rs` (reads each log and hands
//! every finished run on), `cli.rs` (its command line), `options.rs` (how a
//! run is analysed), `output_file.rs` (the page's file, put in place only
//! when complete) and `limits.rs` (the bounds that keep memory small on any
//! input, for every stage). [`analyze`] joins the first two stages for one
//! log.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod export;
pub mod leaderboard;
pub mod limits;
pub mod options;
pub mod output_file;
pub mod read;

use analysis::run_analysis::Finished;
use options::Options;
use read::reader::{self, Fatal, ReadStats};
use read::runs::Runs;
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
