//! The leaderboard: runs grouped by scenario (their label without the
//! repetition), and per scenario and fault each number as median, minimum,
//! maximum and n, with anomalies, errors, the database version, and a verdict
//! against the scenario's limits. It keeps a few numbers per run, so memory
//! grows with the number of runs and faults, never with their length.
//!
//! A run's label is `SUITE/SCENARIO/REP` (what `bin/lab.sh suite` gives):
//! its scenario is the label without a trailing `/REP`; a run without a label
//! is a scenario of its own, named by its run id.

use super::analysis::faults::FaultReport;
use super::analysis::in_force::InForce;
use super::analysis::summary::RunSummary;
use crate::suite::{Limits, Suite};
use serde::Serialize;
use std::collections::BTreeMap;

/// A number over a scenario's runs; None stands for "never" (a settle time
/// of a cluster that did not settle), which sorts after every number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub n: usize,
    pub median_us: Option<u64>,
    pub min_us: Option<u64>,
    pub max_us: Option<u64>,
    /// How many of the n were "never".
    pub never: usize,
}

impl Spread {
    pub fn of(values: &[Option<u64>]) -> Spread {
        let mut v = values.to_vec();
        // None (never) after every number.
        v.sort_by_key(|x| (x.is_none(), *x));
        let n = v.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => v[n / 2],
            _ => match (v[n / 2 - 1], v[n / 2]) {
                (Some(a), Some(b)) => Some(a + (b - a) / 2),
                _ => None,
            },
        };
        Spread {
            n,
            median_us: median,
            min_us: v.first().copied().flatten(),
            max_us: v.last().copied().flatten(),
            never: v.iter().filter(|x| x.is_none()).count(),
        }
    }
}

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

/// Median, minimum and maximum of shares (1.0 = the baseline's rate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shares {
    pub n: usize,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Shares {
    pub fn of(values: &[f64]) -> Shares {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2]),
            _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
        };
        Shares {
            n,
            median,
            min: v.first().copied(),
            max: v.last().copied(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// `pass`, `fail`, `skipped` (this machine cannot inject its fault), or
    /// `none` (the scenario has no limits).
    pub result: &'static str,
    /// Each limit that failed (or why it was skipped), said in words.
    pub failed: Vec<String>,
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
    pub lost_writes: u64,
    pub lost_write_runs: usize,
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

/// A repetition that was not measured (`--not-run FILE`, which the suite
/// runner writes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotRun {
    pub rep: u32,
    /// `unhealthy`: the cluster was not ready; `unsupported`: this machine
    /// cannot inject the fault (no sch_netem).
    pub kind: String,
    pub reason: String,
}

/// Reads the runner's record: `SCENARIO<TAB>REP<TAB>KIND<TAB>REASON` lines.
pub fn parse_not_run(file: &str, text: &str) -> Result<Vec<(String, NotRun)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "{file}:{}: expected SCENARIO, REP, KIND (unhealthy or unsupported) and REASON separated by tabs",
                i + 1
            )
        };
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [scenario, rep, kind, reason] = fields[..] else {
            return Err(bad());
        };
        let rep = rep.parse::<u32>().map_err(|_| bad())?;
        if kind != "unhealthy" && kind != "unsupported" {
            return Err(bad());
        }
        let kind = kind.to_string();
        let reason = reason.to_string();
        out.push((scenario.to_string(), NotRun { rep, kind, reason }));
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leaderboard {
    pub suite: Option<String>,
    pub scenarios: Vec<ScenarioBoard>,
}

impl Leaderboard {
    /// True when some scenario failed a limit (the exit status is then 1).
    pub fn failed(&self) -> bool {
        self.scenarios.iter().any(|s| s.verdict.result == "fail")
    }
}

/// What the leaderboard keeps of one run.
struct RunEntry {
    run: String,
    versions: Vec<String>,
    faults: Vec<FaultReport>,
    anomalies: u64,
    lost_writes: u64,
    late_writes: u64,
    server_exits: u64,
    errors: Vec<(String, u64)>,
}

/// Collects runs as they finish.
#[derive(Default)]
pub struct Builder {
    /// By scenario, in the order first seen.
    scenarios: Vec<(String, Vec<RunEntry>)>,
    /// Repetitions not measured, by scenario name (as in the suite).
    pub not_run: Vec<(String, NotRun)>,
}

/// The scenario a run belongs to.
pub fn scenario_of(s: &RunSummary) -> String {
    match &s.label {
        Some(label) => match label.rsplit_once('/') {
            Some((scenario, rep)) if rep.chars().all(|c| c.is_ascii_digit()) && !rep.is_empty() => {
                scenario.to_string()
            }
            _ => label.clone(),
        },
        None => s.run.clone(),
    }
}

impl Builder {
    pub fn add(&mut self, s: &RunSummary) {
        let entry = RunEntry {
            run: s.run.clone(),
            versions: s.versions.clone(),
            faults: s
                .faults
                .iter()
                .map(|f| FaultReport {
                    latency: None,
                    ..f.clone()
                })
                .collect(),
            anomalies: s.anomalies_total,
            lost_writes: s
                .anomalies
                .iter()
                .filter(|a| a.kind == "lost_write")
                .count() as u64,
            late_writes: s.late_writes_total,
            server_exits: s
                .servers
                .events
                .iter()
                .filter(|e| e.what == crate::event::server_what::EXITED)
                .count() as u64,
            errors: s
                .errors
                .groups()
                .map(|(k, g)| (k.to_string(), g.count))
                .collect(),
        };
        let key = scenario_of(s);
        match self.scenarios.iter_mut().find(|(k, _)| *k == key) {
            Some((_, runs)) => runs.push(entry),
            None => self.scenarios.push((key, vec![entry])),
        }
    }

    /// The leaderboard; with a suite, every scenario it plans is there (with
    /// no runs, if none was measured) and judged against its limits.
    pub fn finish(self, suite: Option<&Suite>) -> Leaderboard {
        let mut scenarios: Vec<ScenarioBoard> = Vec::new();
        let planned = |key: &str| {
            suite.and_then(|s| {
                s.scenarios
                    .iter()
                    .find(|sc| key == sc.name || key == format!("{}/{}", s.name, sc.name))
            })
        };
        let not_run = |key: &str| -> Vec<NotRun> {
            let name = key.rsplit('/').next().unwrap_or(key);
            self.not_run
                .iter()
                .filter(|(s, _)| s == key || s == name)
                .map(|(_, n)| n.clone())
                .collect()
        };
        for (key, runs) in &self.scenarios {
            let plan = planned(key);
            let (repeat, limits) = (plan.map(|p| p.repeat), plan.map(|p| &p.limits));
            scenarios.push(board(key, runs, repeat, not_run(key), limits));
        }
        if let Some(s) = suite {
            for sc in &s.scenarios {
                let key = format!("{}/{}", s.name, sc.name);
                let known = scenarios
                    .iter()
                    .any(|b| b.scenario == key || b.scenario == sc.name);
                if !known {
                    let limits = Some(&sc.limits);
                    scenarios.push(board(&key, &[], Some(sc.repeat), not_run(&key), limits));
                }
            }
            // The suite's order, not the logs': a reader compares the board
            // with the file, and logs come in whatever order a glob gives.
            // Runs of no planned scenario follow, as they came (stable sort).
            scenarios.sort_by_key(|b| {
                let planned = |sc: &&crate::suite::Scenario| {
                    b.scenario == sc.name || b.scenario == format!("{}/{}", s.name, sc.name)
                };
                s.scenarios
                    .iter()
                    .position(|sc| planned(&sc))
                    .unwrap_or(usize::MAX)
            });
        }
        Leaderboard {
            suite: suite.map(|s| s.name.clone()),
            scenarios,
        }
    }
}

fn board(
    key: &str,
    runs: &[RunEntry],
    planned: Option<u32>,
    not_run: Vec<NotRun>,
    limits: Option<&Limits>,
) -> ScenarioBoard {
    let mut versions: Vec<String> = runs.iter().flat_map(|r| r.versions.clone()).collect();
    versions.sort();
    versions.dedup();
    let mut errors = BTreeMap::new();
    for (kind, count) in runs.iter().flat_map(|r| r.errors.iter()) {
        *errors.entry(kind.clone()).or_default() += count;
    }
    let faults = fault_boards(runs);
    let mut b = ScenarioBoard {
        scenario: key.to_string(),
        runs: runs.iter().map(|r| r.run.clone()).collect(),
        planned,
        not_run,
        versions,
        faults,
        anomalies: runs.iter().map(|r| r.anomalies).sum(),
        anomaly_runs: runs.iter().filter(|r| r.anomalies > 0).count(),
        lost_writes: runs.iter().map(|r| r.lost_writes).sum(),
        lost_write_runs: runs.iter().filter(|r| r.lost_writes > 0).count(),
        late_writes: runs.iter().map(|r| r.late_writes).sum(),
        server_exits: runs.iter().map(|r| r.server_exits).sum(),
        server_exit_runs: runs.iter().filter(|r| r.server_exits > 0).count(),
        errors,
        verdict: Verdict {
            result: "none",
            failed: Vec::new(),
        },
    };
    b.verdict = verdict(&b, runs, limits);
    b
}

fn fault_boards(runs: &[RunEntry]) -> Vec<FaultBoard> {
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

fn secs(us: u64) -> String {
    format!("{} s", crate::duration::show_secs(us))
}

/// A fault whose throughput fell below `min` of its baseline, or was not
/// measured (a limit that cannot be checked does not pass).
fn below(f: &FaultReport, min: f64, what: &str) -> Option<String> {
    let percent = |share: f64| format!("{:.2} %", share * 100.0);
    match f.throughput.as_ref().and_then(|t| t.of_baseline) {
        Some(share) if share < min => Some(format!(
            "throughput {} < {} ({what})",
            percent(share),
            percent(min)
        )),
        Some(_) => None,
        None => Some(format!("throughput not measured ({what})")),
    }
}

/// Judges every run against the limits: a limit fails when any run exceeds
/// it (each fault's numbers), or the total over the runs does (writes).
fn verdict(b: &ScenarioBoard, runs: &[RunEntry], limits: Option<&Limits>) -> Verdict {
    let Some(l) = limits else {
        return Verdict {
            result: "none",
            failed: Vec::new(),
        };
    };
    let unsupported = b.not_run.iter().filter(|n| n.kind == "unsupported").count();
    if runs.is_empty() && unsupported > 0 && unsupported == b.not_run.len() {
        return Verdict {
            result: "skipped",
            failed: b.not_run.iter().map(|n| n.reason.clone()).take(1).collect(),
        };
    }
    let mut failed = Vec::new();
    for n in &b.not_run {
        failed.push(format!(
            "repetition {} was not measured: {}",
            n.rep, n.reason
        ));
    }
    let missing = b.planned.map_or(0, |p| {
        p.saturating_sub((runs.len() + b.not_run.len()) as u32)
    });
    if runs.is_empty() && b.not_run.is_empty() {
        failed.push("no run was measured".into());
    } else if missing > 0 {
        failed.push(format!("{missing} planned runs have no log"));
    }
    for r in runs {
        for (k, f) in r.faults.iter().enumerate() {
            let what = format!("fault {} {} in run {}", k + 1, f.action, r.run);
            let over = |name: &str, value: u64, limit: Option<u64>| {
                limit
                    .filter(|&max| value > max)
                    .map(|max| format!("{name} {} > {} ({what})", secs(value), secs(max)))
            };
            failed.extend(over("downtime", f.downtime_us, l.downtime_us));
            failed.extend(over(
                "partial downtime",
                f.partial_downtime_us,
                l.partial_downtime_us,
            ));
            match (f.settle_us, l.settle_us) {
                (None, Some(max)) => failed.push(format!("settle never > {} ({what})", secs(max))),
                (Some(v), limit) => failed.extend(over("settle", v, limit)),
                _ => {}
            }
            failed.extend(l.throughput.and_then(|min| below(f, min, &what)));
            if let Some(i) = &f.in_force {
                failed.extend(over(
                    "downtime in force",
                    i.downtime_us,
                    l.downtime_in_force_us,
                ));
                failed.extend(over(
                    "longest stall",
                    i.longest_stall_us,
                    l.longest_stall_us,
                ));
            }
        }
    }
    if let Some(max) = l.lost_writes.filter(|&m| b.lost_writes > m) {
        failed.push(format!("{} lost writes > {max}", b.lost_writes));
    }
    if let Some(max) = l.anomalies.filter(|&m| b.anomalies > m) {
        failed.push(format!("{} anomalies > {max}", b.anomalies));
    }
    Verdict {
        result: if failed.is_empty() { "pass" } else { "fail" },
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_never() {
        let s = |v: &[Option<u64>]| {
            let x = Spread::of(v);
            (x.n, x.median_us, x.min_us, x.max_us, x.never)
        };
        assert_eq!(
            s(&[Some(5), Some(1), Some(3)]),
            (3, Some(3), Some(1), Some(5), 0)
        );
        assert_eq!(
            s(&[Some(4), Some(1), Some(3), Some(2)]),
            (4, Some(2), Some(1), Some(4), 0)
        );
        assert_eq!(s(&[None, Some(1), Some(3)]), (3, Some(3), Some(1), None, 1));
        assert_eq!(s(&[None, None, Some(3)]), (3, None, Some(3), None, 2));
        assert_eq!(s(&[]), (0, None, None, None, 0));
    }
}
