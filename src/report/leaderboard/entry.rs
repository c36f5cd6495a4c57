//! What the leaderboard keeps of one run: who it is (id, label, file, and a
//! fingerprint that tells two copies of one run from two runs that share an
//! id) and the few numbers it is judged on. A few numbers per run, so the
//! leaderboard's memory never grows with the length of the runs.

use crate::event::server_what;
use crate::report::analysis::faults::FaultReport;
use crate::report::analysis::summary::RunSummary;

/// What two copies of one log have in common and two runs almost never do.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    unix_us: u64,
    end_us: u64,
    nodes: Vec<String>,
    operations: u64,
    iterations: u64,
    /// Each fault's F and action.
    faults: Vec<(u64, String)>,
}

/// One run as the leaderboard keeps it.
#[derive(Debug, Clone)]
pub struct RunEntry {
    pub run: String,
    pub label: Option<String>,
    /// The file it was read from.
    pub source: String,
    fingerprint: Fingerprint,
    pub versions: Vec<String>,
    /// Without their latency windows, which the leaderboard does not show.
    pub faults: Vec<FaultReport>,
    /// Faults whose command failed.
    pub faults_ignored: u64,
    pub anomalies: u64,
    pub lost_writes: u64,
    /// Acknowledged writes the lost writes discarded.
    pub acked_lost: u64,
    pub late_writes: u64,
    pub server_exits: u64,
    pub errors: Vec<(String, u64)>,
}

impl RunEntry {
    pub fn of(s: &RunSummary) -> RunEntry {
        RunEntry {
            run: s.run.clone(),
            label: s.label.clone(),
            source: s.source.clone(),
            fingerprint: Fingerprint {
                unix_us: s.unix_us,
                end_us: s.end_us,
                nodes: s.nodes.clone(),
                operations: s.operations,
                iterations: s.iterations,
                faults: s
                    .faults
                    .iter()
                    .map(|f| (f.t_us, f.action.clone()))
                    .collect(),
            },
            versions: s.versions.clone(),
            faults: s
                .faults
                .iter()
                .map(|f| FaultReport {
                    latency: None,
                    ..f.clone()
                })
                .collect(),
            faults_ignored: s.faults_ignored,
            anomalies: s.anomalies_total,
            lost_writes: s
                .anomalies
                .iter()
                .filter(|a| a.kind == "lost_write")
                .count() as u64,
            acked_lost: s.acked_lost.values().sum(),
            late_writes: s.late_writes_total,
            server_exits: s
                .servers
                .events
                .iter()
                .filter(|e| e.what == server_what::EXITED)
                .count() as u64,
            errors: s
                .errors
                .groups()
                .map(|(k, g)| (k.to_string(), g.count))
                .collect(),
        }
    }

    /// The same run given again: its id, label and contents alike.
    pub fn is_copy_of(&self, other: &RunEntry) -> bool {
        self.run == other.run && self.label == other.label && self.fingerprint == other.fingerprint
    }
}
