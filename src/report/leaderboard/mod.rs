//! The leaderboard: runs grouped by scenario (their label without the
//! repetition), and per scenario and fault each number as median, minimum,
//! maximum and n, with anomalies, errors, the database version, and a verdict
//! against the scenario's limits. It keeps a few numbers per run, so memory
//! grows with the number of runs and faults, never with their length.
//!
//! A run's label is `SUITE/SCENARIO/REP` (what `bin/lab.sh suite` gives):
//! its scenario is the label without a trailing `/REP`; a run without a label
//! is a scenario of its own, named by its run id. Which runs count, and why
//! the others are ignored, is `admission.rs`'s; the files:
//!
//! - `entry.rs`: what is kept of one run;
//! - `admission.rs`: each run once, only planned repetitions done as planned;
//! - `schedule.rs`: a run's faults against its scenario's schedule;
//! - `verdict.rs`: a scenario against its limits;
//! - `spread.rs`: numbers over runs (median, minimum, maximum);
//! - `not_run.rs`: the repetitions the suite runner could not measure.

mod admission;
mod entry;
mod not_run;
mod schedule;
mod spread;
mod verdict;

pub use admission::Ignored;
pub use not_run::{parse_not_run, NotRun};
pub use spread::{Shares, Spread};
pub use verdict::Verdict;

use super::analysis::faults::FaultReport;
use super::analysis::in_force::InForce;
use super::analysis::summary::RunSummary;
use crate::suite::{Scenario, Suite};
use admission::Admitted;
use entry::RunEntry;
use serde::Serialize;
use std::collections::BTreeMap;
use verdict::Judged;

/// One fault of a scenario, over its runs (the k-th fault of each run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultBoard {
    /// From 1, in time order within a run.
    pub index: usize,
    /// `isolate`, `loss:30`, ... as the runs had it.
    pub action: String,
    /// The nodes it targeted, over the runs.
    pub targets: Vec<String>,
    pub downtime: Spread,
    pub partial_downtime: Spread,
    pub settle: Spread,
    /// Throughput as a share of each run's baseline, over the runs that
    /// measured one (`analysis/throughput.rs`).
    pub throughput: Shares,
    /// For a fault that stops no node: the whole-cluster downtime while it
    /// was in force and its longest stall (`analysis/in_force.rs`), over the
    /// runs where it was such a fault; absent for every other fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_in_force: Option<Spread>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_stall: Option<Spread>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioBoard {
    pub scenario: String,
    /// Runs measured, and the run ids (in the order read).
    pub runs: Vec<String>,
    /// Repetitions the suite planned, when a suite was given.
    pub planned: Option<u32>,
    /// Repetitions the suite runner could not measure, and why.
    pub not_run: Vec<NotRun>,
    pub versions: Vec<String>,
    pub faults: Vec<FaultBoard>,
    pub anomalies: u64,
    pub anomaly_runs: usize,
    /// Lost-write anomalies (reads that found a key behind).
    pub lost_writes: u64,
    pub lost_write_runs: usize,
    /// Acknowledged writes those discarded, over all runs, and in how many
    /// runs (absent when none was lost).
    #[serde(skip_serializing_if = "is_zero")]
    pub acked_writes_lost: u64,
    #[serde(skip_serializing_if = "is_zero_runs")]
    pub acked_writes_lost_runs: usize,
    pub late_writes: u64,
    /// Lab servers that exited on their own (a crash, an abort: the
    /// supervisor saw it; a `kill` fault is not one), over all runs, and in
    /// how many runs (absent when none did).
    #[serde(skip_serializing_if = "is_zero")]
    pub server_exits: u64,
    #[serde(skip_serializing_if = "is_zero_runs")]
    pub server_exit_runs: usize,
    /// Errors clients saw, by kind (`server:1047`, `timeout`), over all runs.
    pub errors: BTreeMap<String, u64>,
    pub verdict: Verdict,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_runs(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leaderboard {
    pub suite: Option<String>,
    pub scenarios: Vec<ScenarioBoard>,
    /// Runs counted nowhere, each with why.
    pub ignored: Vec<Ignored>,
}

impl Leaderboard {
    /// True when some scenario failed a limit (the exit status is then 1).
    pub fn failed(&self) -> bool {
        self.scenarios.iter().any(|s| s.verdict.result == "fail")
    }
}

/// Collects runs as they finish.
#[derive(Default)]
pub struct Builder {
    /// Every run, in the order read.
    runs: Vec<RunEntry>,
    /// Repetitions not measured, by scenario name (as in the suite).
    pub not_run: Vec<(String, NotRun)>,
}

impl Builder {
    pub fn add(&mut self, s: &RunSummary) {
        self.runs.push(RunEntry::of(s));
    }

    /// The leaderboard of the runs that count; with a suite, every scenario
    /// it plans is there (with no runs, if none was measured), in the
    /// suite's order, and judged against its limits.
    pub fn finish(mut self, suite: Option<&Suite>) -> Leaderboard {
        let (admitted, ignored) = admission::admit(std::mem::take(&mut self.runs), suite);
        // Scenarios in the order their first run came.
        let mut keys: Vec<String> = Vec::new();
        for a in &admitted {
            if !keys.contains(&a.scenario) {
                keys.push(a.scenario.clone());
            }
        }
        if let Some(s) = suite {
            // The suite's order, not the logs': a reader compares the board
            // with the file, and logs come in whatever order a glob gives.
            keys = s
                .scenarios
                .iter()
                .map(|sc| format!("{}/{}", s.name, sc.name))
                .collect();
        }
        let scenarios = keys
            .iter()
            .map(|key| {
                let plan = suite.and_then(|s| planned(s, key));
                let runs: Vec<&Admitted> = admitted.iter().filter(|a| a.scenario == *key).collect();
                let claimed: Vec<&Ignored> = ignored
                    .iter()
                    .filter(|i| i.scenario.as_deref() == Some(key))
                    .collect();
                board(key, &runs, plan, self.not_run_of(key), &claimed)
            })
            .collect();
        Leaderboard {
            suite: suite.map(|s| s.name.clone()),
            scenarios,
            ignored,
        }
    }

    /// The runner's not-run repetitions of a scenario, named by its key or
    /// by its name in the suite.
    fn not_run_of(&self, key: &str) -> Vec<NotRun> {
        let name = key.rsplit('/').next().unwrap_or(key);
        self.not_run
            .iter()
            .filter(|(s, _)| s == key || s == name)
            .map(|(_, n)| n.clone())
            .collect()
    }
}

/// The suite's scenario of a board's key (`SUITE/SCENARIO`).
fn planned<'a>(suite: &'a Suite, key: &str) -> Option<&'a Scenario> {
    suite
        .scenarios
        .iter()
        .find(|sc| key == format!("{}/{}", suite.name, sc.name))
}

fn board(
    key: &str,
    runs: &[&Admitted],
    plan: Option<&Scenario>,
    not_run: Vec<NotRun>,
    ignored: &[&Ignored],
) -> ScenarioBoard {
    let entries: Vec<&RunEntry> = runs.iter().map(|a| &a.entry).collect();
    let mut versions: Vec<String> = entries.iter().flat_map(|r| r.versions.clone()).collect();
    versions.sort();
    versions.dedup();
    let mut errors = BTreeMap::new();
    for (kind, count) in entries.iter().flat_map(|r| r.errors.iter()) {
        *errors.entry(kind.clone()).or_default() += count;
    }
    let mut b = ScenarioBoard {
        scenario: key.to_string(),
        runs: entries.iter().map(|r| r.run.clone()).collect(),
        planned: plan.map(|p| p.repeat),
        not_run,
        versions,
        faults: fault_boards(&entries),
        anomalies: entries.iter().map(|r| r.anomalies).sum(),
        anomaly_runs: entries.iter().filter(|r| r.anomalies > 0).count(),
        lost_writes: entries.iter().map(|r| r.lost_writes).sum(),
        lost_write_runs: entries.iter().filter(|r| r.lost_writes > 0).count(),
        acked_writes_lost: entries.iter().map(|r| r.acked_lost).sum(),
        acked_writes_lost_runs: entries.iter().filter(|r| r.acked_lost > 0).count(),
        late_writes: entries.iter().map(|r| r.late_writes).sum(),
        server_exits: entries.iter().map(|r| r.server_exits).sum(),
        server_exit_runs: entries.iter().filter(|r| r.server_exits > 0).count(),
        errors,
        verdict: Verdict::none(),
    };
    b.verdict = verdict::verdict(&Judged {
        board: &b,
        runs,
        limits: plan.map(|p| &p.limits),
        ignored,
    });
    b
}

fn fault_boards(runs: &[&RunEntry]) -> Vec<FaultBoard> {
    let most = runs.iter().map(|r| r.faults.len()).max().unwrap_or(0);
    (0..most)
        .map(|k| {
            let nth: Vec<&FaultReport> = runs.iter().filter_map(|r| r.faults.get(k)).collect();
            let mut targets: Vec<String> = nth.iter().map(|f| f.node.clone()).collect();
            targets.sort();
            targets.dedup();
            let action = nth.first().map_or(String::new(), |f| match &f.arg {
                Some(arg) => format!("{}:{arg}", f.action),
                None => f.action.clone(),
            });
            let spread = |get: &dyn Fn(&FaultReport) -> Option<u64>| {
                Spread::of(&nth.iter().map(|f| get(f)).collect::<Vec<_>>())
            };
            // Only over the runs where it stopped no node: a spread of the
            // others' absent numbers would read as zeros.
            let in_force = |get: &dyn Fn(&InForce) -> u64| {
                let values: Vec<Option<u64>> = nth
                    .iter()
                    .filter_map(|f| f.in_force.as_ref().map(|i| Some(get(i))))
                    .collect();
                (!values.is_empty()).then(|| Spread::of(&values))
            };
            FaultBoard {
                index: k + 1,
                action,
                targets,
                downtime: spread(&|f| Some(f.downtime_us)),
                partial_downtime: spread(&|f| Some(f.partial_downtime_us)),
                settle: spread(&|f| f.settle_us),
                throughput: Shares::of(
                    &nth.iter()
                        .filter_map(|f| f.throughput.as_ref()?.of_baseline)
                        .collect::<Vec<_>>(),
                ),
                downtime_in_force: in_force(&|i| i.downtime_us),
                longest_stall: in_force(&|i| i.longest_stall_us),
            }
        })
        .collect()
}
