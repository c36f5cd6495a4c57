//! A scenario's verdict against its suite's limits. A pass needs every
//! planned repetition measured by a run that counts, no run of it ignored
//! (but for copies of one that counts), and every limit kept by every run;
//! each failure is named. `skipped` when this machine could inject none of
//! its repetitions' faults; `none` without limits (no suite).

use super::admission::{Admitted, Ignored};
use super::{NotRun, ScenarioBoard};
use crate::report::analysis::faults::FaultReport;
use crate::suite::Limits;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// `pass`, `fail`, `skipped` (this machine cannot inject its fault), or
    /// `none` (the scenario has no limits).
    pub result: &'static str,
    /// Each limit that failed (or why it was skipped), said in words.
    pub failed: Vec<String>,
}

impl Verdict {
    pub fn none() -> Verdict {
        Verdict {
            result: "none",
            failed: Vec::new(),
        }
    }
}

/// What a scenario is judged on: its board, the runs that count, its
/// limits, the runs that claimed it but were ignored.
pub struct Judged<'a> {
    pub board: &'a ScenarioBoard,
    pub runs: &'a [&'a Admitted],
    pub limits: Option<&'a Limits>,
    pub ignored: &'a [&'a Ignored],
}

pub fn verdict(j: &Judged<'_>) -> Verdict {
    let Some(limits) = j.limits else {
        return Verdict::none();
    };
    if let Some(skipped) = skipped(j) {
        return skipped;
    }
    let mut failed = Vec::new();
    for n in &j.board.not_run {
        failed.push(format!(
            "repetition {} was not measured: {}",
            n.rep, n.reason
        ));
    }
    for i in j.ignored.iter().filter(|i| i.fails()) {
        failed.push(format!("run {} ignored: {}", i.run, i.reason));
    }
    if j.runs.is_empty() && j.board.not_run.is_empty() {
        failed.push("no run was measured".into());
    } else {
        failed.extend(unmeasured(j));
    }
    for r in j.runs {
        for (k, f) in r.entry.faults.iter().enumerate() {
            let what = format!("fault {} {} in run {}", k + 1, f.action, r.entry.run);
            failed.extend(over_limits(f, limits, &what));
        }
    }
    let b = j.board;
    if let Some(max) = limits.lost_writes.filter(|&m| b.lost_writes > m) {
        failed.push(format!("{} lost writes > {max}", b.lost_writes));
    }
    if let Some(max) = limits
        .acked_writes_lost
        .filter(|&m| b.acked_writes_lost > m)
    {
        failed.push(format!(
            "{} acknowledged writes lost > {max}",
            b.acked_writes_lost
        ));
    }
    if let Some(max) = limits.anomalies.filter(|&m| b.anomalies > m) {
        failed.push(format!("{} anomalies > {max}", b.anomalies));
    }
    Verdict {
        result: if failed.is_empty() { "pass" } else { "fail" },
        failed,
    }
}

/// Skipped: nothing counts or was ignored, and every planned repetition is
/// one this machine could not inject.
fn skipped(j: &Judged<'_>) -> Option<Verdict> {
    let not_run = &j.board.not_run;
    let unsupported = |rep: u32| {
        not_run
            .iter()
            .any(|n: &NotRun| n.rep == rep && n.kind == "unsupported")
    };
    let all = not_run.iter().all(|n| n.kind == "unsupported")
        && (1..=j.board.planned.unwrap_or(1)).all(unsupported);
    let quiet = j.runs.is_empty() && j.ignored.is_empty();
    (all && quiet && !not_run.is_empty()).then(|| Verdict {
        result: "skipped",
        failed: not_run.iter().map(|n| n.reason.clone()).take(1).collect(),
    })
}

/// The planned repetitions that no run that counts measured and the runner
/// did not say it could not: `repetitions 2, 3 have no run that counts`.
fn unmeasured(j: &Judged<'_>) -> Option<String> {
    let planned = j.board.planned?;
    let missing: Vec<String> = (1..=planned)
        .filter(|&rep| !j.runs.iter().any(|r| r.rep == Some(rep)))
        .filter(|&rep| !j.board.not_run.iter().any(|n| n.rep == rep))
        .map(|rep| rep.to_string())
        .collect();
    match missing.len() {
        0 => None,
        1 => Some(format!("repetition {} has no run that counts", missing[0])),
        _ => Some(format!(
            "repetitions {} have no run that counts",
            missing.join(", ")
        )),
    }
}

fn secs(us: u64) -> String {
    format!("{} s", crate::duration::show_secs(us))
}

/// Each limit one fault of one run exceeds, in words.
fn over_limits(f: &FaultReport, l: &Limits, what: &str) -> Vec<String> {
    let over = |name: &str, value: u64, limit: Option<u64>| {
        limit
            .filter(|&max| value > max)
            .map(|max| format!("{name} {} > {} ({what})", secs(value), secs(max)))
    };
    let mut failed = Vec::new();
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
    failed.extend(l.throughput.and_then(|min| below(f, min, what)));
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
    failed
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
