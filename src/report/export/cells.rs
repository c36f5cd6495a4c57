//! Every fact of a summary rendered once, as text cells that the formats
//! arrange: numbers, the words for a missing value and for a cluster that did
//! not settle, and the rows of faults, outages and latency. Text taken from a
//! log (names, messages, notes) is escaped here, so no format can print a
//! control character that starts a line of its own.

use crate::event::InFlightOp;
use crate::report::analysis::consistency::Anomaly;
use crate::report::analysis::errors::ErrorGroups;
use crate::report::analysis::fault_effect::cuts;
use crate::report::analysis::faults::FaultReport;
use crate::report::analysis::latency::NodeLatency;
use crate::report::analysis::summary::{OutageReport, RunSummary};
use crate::text::escape;

/// A value that is not there (no fault of that kind, no latency).
pub const NONE: &str = "-";
/// The settle time of a cluster that did not settle before the run's end.
pub const NEVER: &str = "never";
/// The node column of a whole-cluster outage.
pub const CLUSTER: &str = "CLUSTER";

/// Microseconds as milliseconds with three decimals: `1234.567`.
pub fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// Microseconds as seconds with three decimals (milliseconds): `12.345`.
pub fn secs(us: u64) -> String {
    crate::duration::show_secs(us)
}

/// An optional duration in ms, or [`NONE`].
pub fn ms_or_none(us: Option<u64>) -> String {
    us.map_or_else(|| NONE.to_string(), ms)
}

/// Text from a log, safe to print on a line.
pub fn quoted(text: &str) -> String {
    escape(text).into_owned()
}

/// The three numbers of a fault.
pub struct Numbers {
    pub downtime: String,
    pub partial: String,
    /// ms, or [`NEVER`].
    pub settle: String,
}

pub fn numbers(f: &FaultReport) -> Numbers {
    Numbers {
        downtime: ms(f.downtime_us),
        partial: ms(f.partial_downtime_us),
        settle: f.settle_us.map_or_else(|| NEVER.to_string(), ms),
    }
}

/// A fault's three numbers as cells, or three [`NONE`] when there is no
/// such fault (a comparison row's columns).
pub fn three(f: Option<&FaultReport>) -> [String; 3] {
    match f.map(numbers) {
        None => [NONE.into(), NONE.into(), NONE.into()],
        Some(Numbers {
            downtime,
            partial,
            settle,
        }) => [downtime, partial, settle],
    }
}

/// Iterations a second, one decimal: `2650.3/s`.
pub fn rate(per_s: f64) -> String {
    format!("{per_s:.1}/s")
}

/// A share as a percentage, one decimal: `0.5 %`.
pub fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

/// A fault's throughput: `0.5 % (10.0/s)`, `10.0/s` without a baseline, or
/// [`NONE`] when its window was not measured.
pub fn throughput(f: &FaultReport) -> String {
    match &f.throughput {
        None => NONE.into(),
        Some(t) => match t.of_baseline {
            Some(share) => format!("{} ({})", percent(share), rate(t.per_s)),
            None => rate(t.per_s),
        },
    }
}

/// What each fault's throughput is measured against, for a heading.
pub fn baseline(s: &RunSummary) -> String {
    match &s.baseline {
        Some(b) => format!(
            "throughput against the {} of {}–{} s, before the first fault",
            rate(b.per_s),
            secs(b.from_us),
            secs(b.until_us)
        ),
        None => "no full second before the first fault to compare throughput with".into(),
    }
}

/// One fault: when, what, on which node, its numbers, and what to know of
/// its stamp or window.
pub struct FaultCells {
    pub at: String,
    pub action: String,
    pub node: String,
    pub numbers: Numbers,
    pub note: Option<String>,
}

pub fn fault(f: &FaultReport) -> FaultCells {
    let mut notes = Vec::new();
    if f.stamp != "exact" {
        notes.push(format!("stamp {}", f.stamp));
    }
    if !f.measured {
        notes.push("a node this run does not measure".into());
    }
    if let Some(stamp) = f.stamp_us {
        notes.push(format!(
            "in effect from {} s, {} ms before its command returned",
            secs(f.t_us),
            ms(stamp.saturating_sub(f.t_us))
        ));
    }
    notes.extend(f.note.as_deref().map(quoted));
    let action = match &f.arg {
        Some(arg) => format!("{}:{arg}", f.action),
        None => f.action.clone(),
    };
    FaultCells {
        at: secs(f.t_us),
        action: quoted(&action),
        node: quoted(&f.node),
        numbers: numbers(f),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// The acknowledged writes lost in all and per node, `57 (n1 50, n2 7)`;
/// None when none was lost.
pub fn acked_lost(s: &RunSummary) -> Option<String> {
    if s.acked_lost.is_empty() {
        return None;
    }
    let total: u64 = s.acked_lost.values().sum();
    let per: Vec<String> = s
        .acked_lost
        .iter()
        .map(|(node, n)| format!("{} {n}", quoted(node)))
        .collect();
    Some(format!("{total} ({})", per.join(", ")))
}

/// What a lost write discarded: `3 acknowledged writes, acknowledged
/// 20.100–36.400 s` (`at or before 20.100` when the first is older than
/// what the report kept); None for another anomaly.
pub fn discarded(a: &Anomaly) -> Option<String> {
    let count = a.acked_lost?;
    let (first, last) = (a.acked_lost_first_us?, a.acked_lost_last_us?);
    let when = match (a.acked_lost_first_exact, first == last) {
        (Some(false), _) => format!("from at or before {} to {} s", secs(first), secs(last)),
        (_, true) => format!("at {} s", secs(first)),
        _ => format!("{}–{} s", secs(first), secs(last)),
    };
    let writes = if count == 1 { "write" } else { "writes" };
    Some(format!(
        "{count} acknowledged {writes} discarded, acknowledged {when}"
    ))
}

/// A fault as a table row: at, action, node, downtime, partial downtime,
/// settle, throughput, note ([`NONE`] when there is none).
pub fn fault_row(f: &FaultReport) -> Vec<String> {
    let c = fault(f);
    vec![
        c.at,
        c.action,
        c.node,
        c.numbers.downtime,
        c.numbers.partial,
        c.numbers.settle,
        throughput(f),
        c.note.unwrap_or_else(|| NONE.into()),
    ]
}

/// A slowing fault's numbers while it was in force (`in_force.rs`): until
/// when (its undo's time, or the run's end), the downtime and the longest
/// stall in that span.
pub struct InForceCells {
    /// `22.000`, or `40.000 (run's end)` when nothing undid it.
    pub until: String,
    pub downtime: String,
    pub longest: String,
}

pub fn in_force(f: &FaultReport) -> Option<InForceCells> {
    let i = f.in_force.as_ref()?;
    let until = match i.undone {
        true => secs(i.until_us),
        false => format!("{} (run's end)", secs(i.until_us)),
    };
    Some(InForceCells {
        until,
        downtime: ms(i.downtime_us),
        longest: ms(i.longest_stall_us),
    })
}

/// `in force until 22.000 s: downtime in force 3700.000 ms, longest stall
/// 1500.000 ms (3 stalls)` (`in force to the run's end at 40.000 s: ...`
/// when nothing undid it), for a slowing fault.
pub fn in_force_words(f: &FaultReport) -> Option<String> {
    let i = f.in_force.as_ref()?;
    let until = match i.undone {
        true => format!("in force until {} s", secs(i.until_us)),
        false => format!("in force to the run's end at {} s", secs(i.until_us)),
    };
    Some(format!(
        "{until}: downtime in force {} ms, longest stall {} ms ({} stalls)",
        ms(i.downtime_us),
        ms(i.longest_stall_us),
        i.stalls
    ))
}

/// Each fault as a table row ([`fault_row`]); when some fault of the run
/// stops no node, each row also has its in-force cells (until, downtime in
/// force, longest stall; [`NONE`] for the other faults) and the first value
/// is true. A run without such a fault keeps the columns it always had.
pub fn fault_rows(faults: &[FaultReport]) -> (bool, Vec<Vec<String>>) {
    let wide = faults.iter().any(|f| f.in_force.is_some());
    let rows = faults
        .iter()
        .map(|f| {
            let mut row = fault_row(f);
            if wide {
                row.extend(match in_force(f) {
                    Some(c) => [c.until, c.downtime, c.longest],
                    None => [NONE.into(), NONE.into(), NONE.into()],
                });
            }
            row
        })
        .collect();
    (wide, rows)
}

/// One outage: whose, from, to, how long, the errors seen.
pub struct OutageCells {
    pub who: String,
    pub from: String,
    pub to: String,
    pub ms: String,
    pub errors: String,
}

pub fn outage(o: &OutageReport) -> OutageCells {
    OutageCells {
        who: o
            .node
            .as_deref()
            .map_or_else(|| CLUSTER.to_string(), quoted),
        from: secs(o.start_us),
        to: secs(o.end_us),
        ms: ms(o.duration_us),
        errors: errors_brief(&o.errors),
    }
}

/// `server:1047 ×3, timeout ×1`, or `none`.
pub fn errors_brief(errors: &ErrorGroups) -> String {
    if errors.is_empty() {
        "none".into()
    } else {
        quoted(&errors.brief())
    }
}

/// `server:1047 ×3 ("message"), ...`, or `none`.
pub fn errors_with_samples(errors: &ErrorGroups) -> String {
    if errors.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = errors
        .groups()
        .map(|(key, g)| format!("{key} ×{} (\"{}\")", g.count, quoted(&g.sample)))
        .collect();
    parts.join(", ")
}

/// One node's latency: node, count, p50, p99, max (ms).
pub struct LatencyCells {
    pub node: String,
    pub count: String,
    pub p50: String,
    pub p99: String,
    pub max: String,
}

pub fn latency(l: &NodeLatency) -> LatencyCells {
    LatencyCells {
        node: quoted(&l.node),
        count: l.count.to_string(),
        p50: ms_or_none(l.p50_us),
        p99: ms_or_none(l.p99_us),
        max: ms_or_none(l.max_us),
    }
}

/// An operation in flight at the stop: `n2 update since 8.512 s`.
pub fn in_flight(o: &InFlightOp) -> String {
    format!(
        "{} {} since {} s",
        quoted(&o.node),
        o.op.name(),
        secs(o.started_us)
    )
}

/// The first fault that cuts a node off and the first that brings one back:
/// a run's two groups of comparison columns.
pub fn cut_and_repair(s: &RunSummary) -> (Option<&FaultReport>, Option<&FaultReport>) {
    let first = |want: bool| s.faults.iter().find(|f| cuts(&f.action) == Some(want));
    (first(true), first(false))
}

/// The run's name as shown: its label when it has one.
pub fn run_name(s: &RunSummary) -> String {
    match &s.label {
        Some(label) => format!("{} ({})", quoted(label), quoted(&s.run)),
        None => quoted(&s.run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_the_microseconds() {
        assert_eq!(ms(1_234_567), "1234.567");
        assert_eq!(ms(5), "0.005");
        assert_eq!(secs(12_345_678), "12.345");
        assert_eq!(ms_or_none(None), "-");
    }
}
