//! The reading stage. Takes a log's bytes (any `Read`); gives each run's
//! checked events, in log order, to that run's analysis
//! (`analysis::run_analysis`), and the file's `ReadStats` or a `Fatal`
//! error naming `FILE:LINE`. Nothing here looks at time order or at what
//! an event means for the run: that is the analyses' job.
//!
//! - `chunks.rs`: bytes → large chunks of whole lines.
//! - `reader.rs`: lines → checked events → a `Consumer`; torn and skipped lines.
//! - `table_scan.rs`: `--table`'s fast path, an op line read without a JSON parser.
//! - `runs.rs`: the `Consumer` that splits the events into runs, one analysis each.

pub mod chunks;
pub mod reader;
pub mod runs;
pub mod table_scan;
