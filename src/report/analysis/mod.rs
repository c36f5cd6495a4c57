//! The analysis stage: one run's events in, its `Finished` out (the table,
//! and unless `--table` a `RunSummary`, and for `--html` the run over time).
//! Pure functions and streaming analyses; nothing here reads a file or
//! writes an output.
//!
//! - `run_analysis.rs`: one run; the gate every line passes, counts, hand-off to the analyses.
//! - `reorder.rs`: the reorder buffer, which turns log order into time order.
//! - `timeline.rs`: the time-ordered analyses, fed by the reorder buffer.
//! - `outages.rs`: node and whole-cluster outages.
//! - `attribution.rs`: which outage each error belongs to.
//! - `fault_event.rs`: a fault as the analyses keep it.
//! - `fault_effect.rs`: the fault model: which nodes each fault cuts off, which later fault undoes it (the numbers and the charts' shading alike).
//! - `fault_window.rs`: a fault's latency window, filled as the stream goes.
//! - `settle.rs`: a fault's settle time, downtime and partial downtime.
//! - `in_force.rs`: a fault that stops no node: whole-cluster downtime and longest stall while in force.
//! - `throughput.rs`: the baseline rate before the first fault; a window's rate against it.
//! - `faults.rs`: every fault: windows while streaming, numbers at the end, stamp trust.
//! - `consistency.rs`: lost writes and late-landing writes, per key, in log order.
//! - `acked.rs`: one key's acknowledged writes, to count what a loss discarded.
//! - `servers.rs`: what the lab's servers did (`server` events): down spans, each node's story.
//! - `errors.rs`: errors grouped by kind and code.
//! - `histogram.rs`: a log-linear histogram of microseconds, quantiles within 0.4%.
//! - `latency.rs`: latency quantiles per node, over histograms.
//! - `series.rs`: the run over time for `--html`, in log order.
//! - `log_bins.rs`: the coarse latency histogram of one bucket of `series.rs`.
//! - `summary.rs`: a run's summary: what every exporter renders; the JSON keys.
//!
//! `reorder.rs` is here, not in `read/`: the reader hands events over in
//! log order, and only the time-ordered analyses need them reordered (the
//! consistency check and the series must see log order).
//!
//! Dependencies flow one way, down this order; a module uses only modules
//! below it (and `limits`, `options`, `crate::event`, `crate::tally`):
//!
//! 1. `run_analysis` (also uses `read::reader::Refusal`, `read::table_scan::Counted`)
//! 2. `timeline`
//! 3. `summary`
//! 4. `faults`
//! 5. `fault_effect`, `fault_window`, `settle`, `in_force`, `attribution`, `series`
//! 6. `fault_event`, `throughput`, `latency`, `outages`, `errors`, `log_bins`,
//!    `consistency`, `reorder`, `servers`
//! 7. `histogram`, `acked`

pub mod acked;
pub mod attribution;
pub mod consistency;
pub mod errors;
pub mod fault_effect;
pub mod fault_event;
pub mod fault_window;
pub mod faults;
pub mod histogram;
pub mod in_force;
pub mod latency;
pub mod log_bins;
pub mod outages;
pub mod reorder;
pub mod run_analysis;
pub mod series;
pub mod servers;
pub mod settle;
pub mod summary;
pub mod throughput;
pub mod timeline;
