//! The summary of one run: what every exporter renders. Serialized as is for
//! `--json`, so field names are the stable keys of that format
//! (docs/report.md lists them).

use super::consistency::{Anomaly, LateWrite};
use super::errors::ErrorGroups;
use super::faults::FaultReport;
use super::latency::LatencyReport;
use super::servers::ServerReport;
use super::throughput::Baseline;
use crate::event::{InFlightFault, InFlightOp};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutageReport {
    /// None (JSON null): the whole cluster was down.
    pub node: Option<String>,
    pub start_us: u64,
    pub end_us: u64,
    pub duration_us: u64,
    pub errors: ErrorGroups,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run: String,
    /// The label the run was given (`perseus --label`), if any.
    pub label: Option<String>,
    /// The file (or `-`) the run was read from.
    pub source: String,
    pub tool: String,
    /// Distinct server versions from successful connects, sorted.
    pub versions: Vec<String>,
    pub nodes: Vec<String>,
    pub conns: u32,
    pub unix_us: u64,
    /// E: the stop event's t_us, or the latest op's when there is none.
    pub end_us: u64,
    /// The stop event's reason; None when the run was killed.
    pub stop_reason: Option<String>,
    /// What went wrong, for a stop for a log error or a start failure.
    pub stop_message: Option<String>,
    pub gap_us: u64,
    pub steady_us: u64,
    pub operations: u64,
    pub iterations: u64,
    pub errors: ErrorGroups,
    /// Node outages and whole-cluster outages, by start (cluster first).
    pub outages: Vec<OutageReport>,
    pub faults: Vec<FaultReport>,
    /// The rate before the first fault that each fault's throughput is
    /// measured against; None without a full second before it.
    pub baseline: Option<Baseline>,
    /// Fault events whose command failed: not analysed.
    pub faults_ignored: u64,
    /// Fault events stamped after the run's end: not analysed.
    pub faults_after_end: u64,
    /// Fault events beyond the report's limit per run: not analysed.
    pub faults_over_limit: u64,
    pub anomalies: Vec<Anomaly>,
    /// All anomalies found (only the first 1000 are listed).
    pub anomalies_total: u64,
    /// Acknowledged writes the lost writes discarded, by node (absent when
    /// none was lost).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub acked_lost: BTreeMap<String, u64>,
    /// Indeterminate writes seen landing after a later acknowledged write.
    pub late_writes: Vec<LateWrite>,
    pub late_writes_total: u64,
    pub latency: LatencyReport,
    /// Operations and fault commands in flight at the stop.
    pub in_flight: Vec<InFlightOp>,
    pub faults_in_flight: Vec<InFlightFault>,
    /// Events after the stop event: ignored.
    pub ignored_after_stop: u64,
    /// What the reader found wrong with the run as a whole (a hole in the log).
    pub warnings: Vec<String>,
    /// What the lab's servers did (absent without server events).
    #[serde(skip_serializing_if = "ServerReport::is_empty")]
    pub servers: ServerReport,
}

impl RunSummary {
    pub fn cluster_outages(&self) -> impl Iterator<Item = &OutageReport> {
        self.outages.iter().filter(|o| o.node.is_none())
    }

    /// The database version(s) seen, or `unknown`.
    pub fn version(&self) -> String {
        if self.versions.is_empty() {
            "unknown".into()
        } else {
            self.versions.join(", ")
        }
    }
}
