//! perseus-report: replays event logs into the per-second table, outages,
//! fault metrics, a consistency check and latency figures (docs/report.md).
//!
//! Data flows one way: lines → events (reader) → per run: tally, and through
//! a reorder buffer the time-ordered analyses (outages, attribution, faults,
//! latency), and in log order the consistency check → summary → exporters.

pub mod app;
pub mod attribution;
pub mod chunks;
pub mod cli;
pub mod collect;
pub mod consistency;
pub mod errors;
pub mod export;
pub mod faults;
pub mod histogram;
pub mod latency;
pub mod outages;
pub mod reader;
pub mod reorder;
pub mod run;
pub mod summary;
pub mod timeline;
pub mod view;

use collect::Runs;
use reader::{Fatal, ReadStats};
use run::{Finished, Settings};
use std::io::Read;

/// Reads one log and hands each finished run to `done`.
pub fn analyze(
    file: &str,
    input: impl Read,
    settings: Settings,
    skip_bad: bool,
    done: impl FnMut(Finished),
    warn: &mut dyn FnMut(String),
) -> Result<ReadStats, Fatal> {
    let mut runs = Runs::new(settings, done);
    reader::read(file, input, skip_bad, settings.table_only, &mut runs, warn)
}
