//! The summary of one run: what every exporter renders. Serialized as is for
//! `--json`, so field names are the stable keys of that format.

use super::consistency::Anomaly;
use super::errors::ErrorGroups;
use super::faults::FaultReport;
use super::latency::LatencyReport;
use serde::Serialize;

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
    /// The file (or `-`) the run was read from.
    pub source: String,
    pub tool: String,
    /// Distinct server versions from successful connects, sorted.
    pub versions: Vec<String>,
    pub nodes: Vec<String>,
    pub conns: u32,
    pub unix_us: u64,
    /// E: the stop event's t_us, or the largest t_us seen when there is none.
    pub end_us: u64,
    /// The stop event's reason; None when the run was killed.
    pub stop_reason: Option<String>,
    pub gap_us: u64,
    pub steady_us: u64,
    pub operations: u64,
    pub iterations: u64,
    pub errors: ErrorGroups,
    /// Node outages and whole-cluster outages, by start (cluster first).
    pub outages: Vec<OutageReport>,
    pub faults: Vec<FaultReport>,
    /// Fault events whose command failed: not analysed.
    pub faults_ignored: u64,
    pub anomalies: Vec<Anomaly>,
    /// All anomalies found (only the first 1000 are listed).
    pub anomalies_total: u64,
    pub latency: LatencyReport,
    /// Events after the stop event: ignored.
    pub ignored_after_stop: u64,
}

impl RunSummary {
    pub fn cluster_outages(&self) -> impl Iterator<Item = &OutageReport> {
        self.outages.iter().filter(|o| o.node.is_none())
    }

    /// The first fault that cuts a node off and the first that brings one
    /// back: the leaderboard's two groups of columns.
    pub fn leaderboard_faults(&self) -> (Option<&FaultReport>, Option<&FaultReport>) {
        let first = |actions: &[&str]| {
            self.faults
                .iter()
                .find(|f| actions.contains(&f.action.as_str()))
        };
        (first(&["isolate", "kill"]), first(&["rejoin", "start"]))
    }

    pub fn version(&self) -> String {
        if self.versions.is_empty() {
            "unknown".into()
        } else {
            self.versions.join(", ")
        }
    }
}
