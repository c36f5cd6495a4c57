//! `--leaderboard`: the leaderboard as text, Markdown or JSON. A number over
//! runs reads `median [min–max]` in seconds, `never` for a cluster that did
//! not settle; the JSON keeps microseconds and is documented in
//! docs/report.md.

use super::cells::{percent, quoted, secs, NEVER, NONE};
use super::markdown::table;
use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use crate::report::leaderboard::{
    Builder, FaultBoard, Ignored, Leaderboard, NotRun, ScenarioBoard, Shares, Spread,
};
use crate::suite::Suite;
use serde::Serialize;
use std::io::{self, Write};

/// How the leaderboard is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Text,
    Markdown,
    Json,
}

/// What the leaderboard takes besides the runs: the suite (`--suite`) and
/// the repetitions its runner could not measure (`--not-run`).
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub suite: Option<Suite>,
    pub not_run: Vec<(String, NotRun)>,
}

/// Collects every run, prints the leaderboard at the end.
pub struct LeaderboardExporter {
    pub style: Style,
    pub suite: Option<Suite>,
    builder: Builder,
    failed: Vec<String>,
}

impl LeaderboardExporter {
    pub fn new(style: Style, input: Input) -> Self {
        let mut builder = Builder::default();
        builder.not_run = input.not_run;
        LeaderboardExporter {
            style,
            suite: input.suite,
            builder,
            failed: Vec::new(),
        }
    }
}

impl Exporter for LeaderboardExporter {
    fn run(&mut self, _out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        if let Some(s) = &finished.summary {
            self.builder.add(s);
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let board = std::mem::take(&mut self.builder).finish(self.suite.as_ref());
        self.failed = board
            .scenarios
            .iter()
            .filter(|b| b.verdict.result == "fail")
            .map(|b| {
                format!(
                    "scenario {} failed its limits: {}",
                    b.scenario,
                    b.verdict.failed.join("; ")
                )
            })
            .collect();
        let text = match self.style {
            Style::Text => text(&board),
            Style::Markdown => markdown(&board),
            Style::Json => json(&board),
        };
        out.write_all(text.as_bytes())
    }

    fn failures(&self) -> Vec<String> {
        self.failed.clone()
    }
}

/// `6.038 [5.102–6.401]`, `never`, or `-` with no runs.
pub fn spread(s: &Spread) -> String {
    if s.n == 0 {
        return NONE.into();
    }
    let one = |v: Option<u64>| v.map_or_else(|| NEVER.to_string(), secs);
    let (low, high) = (one(s.min_us), one(s.max_us));
    // A range that prints as one number ("0.000 [0.000–0.000]", spans under
    // a millisecond apart) says nothing the median does not.
    if s.n == 1 || low == high {
        return one(s.median_us);
    }
    format!("{} [{low}–{high}]", one(s.median_us))
}

fn runs(b: &ScenarioBoard) -> String {
    match b.planned {
        Some(p) => format!("{}/{p}", b.runs.len()),
        None => b.runs.len().to_string(),
    }
}

/// `2.0 % [0.1–3.5 %]`, or `-` when no run measured a share.
pub fn shares(s: &Shares) -> String {
    let Some(median) = s.median else {
        return NONE.into();
    };
    let (low, high) = (s.min.map(number), s.max.map(number));
    if s.n == 1 || low == high {
        return percent(median);
    }
    let (low, high) = (low.unwrap_or_default(), high.unwrap_or_default());
    format!("{} [{low}–{high} %]", percent(median))
}

/// A share as a percentage's number alone: `2.0`.
fn number(share: f64) -> String {
    format!("{:.1}", share * 100.0)
}

/// A fault that stops no node: its downtime in force and longest stall
/// over the runs; None for any other fault.
pub fn in_force(f: &FaultBoard) -> Option<[String; 2]> {
    match (&f.downtime_in_force, &f.longest_stall) {
        (Some(downtime), Some(longest)) => Some([spread(downtime), spread(longest)]),
        _ => None,
    }
}

/// Whether some fault of the board stops no node: then its tables have
/// the two in-force columns (a board without one keeps the columns it
/// always had).
pub fn wide(board: &Leaderboard) -> bool {
    board
        .scenarios
        .iter()
        .flat_map(|b| &b.faults)
        .any(|f| in_force(f).is_some())
}

/// The in-force cells of a fault in a wide table: its two numbers, or
/// [`NONE`] twice.
pub fn in_force_cells(f: Option<&FaultBoard>) -> [String; 2] {
    f.and_then(in_force)
        .unwrap_or_else(|| [NONE.into(), NONE.into()])
}

pub(crate) fn fault_name(f: &FaultBoard) -> String {
    format!(
        "{} {} ({})",
        f.index,
        quoted(&f.action),
        quoted(&f.targets.join(","))
    )
}

/// `0 (0 lost)`, and when a lab server exited on its own in some run,
/// `; a server exited in 1 of 3 runs`.
pub fn anomalies_cell(b: &ScenarioBoard) -> String {
    let acked = match b.acked_writes_lost {
        0 => String::new(),
        n => format!(", {n} acknowledged writes"),
    };
    let mut cell = format!("{} ({} lost{acked})", b.anomalies, b.lost_writes);
    if b.server_exit_runs > 0 {
        cell.push_str(&format!(
            "; a server exited in {} of {} runs",
            b.server_exit_runs,
            b.runs.len()
        ));
    }
    cell
}

fn writes(b: &ScenarioBoard) -> String {
    // "in 0 runs" after a zero reads like a count of runs checked; say how
    // many runs had any only when some did.
    let runs = b.runs.len();
    let among = |count: u64, what: &str, with: usize| match with {
        0 => format!("{count} {what}"),
        _ => format!("{count} {what} (in {with} of {runs} runs)"),
    };
    let mut line = format!(
        "{}, {}, {} late-landing writes",
        among(b.anomalies, "anomalies", b.anomaly_runs),
        among(b.lost_writes, "lost writes", b.lost_write_runs),
        b.late_writes
    );
    if b.acked_writes_lost > 0 {
        line.push_str(&format!(
            ", {}",
            among(
                b.acked_writes_lost,
                "acknowledged writes lost",
                b.acked_writes_lost_runs
            )
        ));
    }
    if b.server_exits > 0 {
        line.push_str(&format!(
            ", {}",
            among(b.server_exits, "lab server exits", b.server_exit_runs)
        ));
    }
    line
}

fn errors(b: &ScenarioBoard) -> String {
    if b.errors.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = b
        .errors
        .iter()
        .map(|(k, n)| format!("{} ×{n}", quoted(k)))
        .collect();
    parts.join(", ")
}

/// The verdict in words, for text, Markdown and the page.
pub(crate) fn verdict_words(b: &ScenarioBoard) -> String {
    verdict(b)
}

fn verdict(b: &ScenarioBoard) -> String {
    match b.verdict.result {
        "fail" => format!("FAIL: {}", quoted(&b.verdict.failed.join("; "))),
        "pass" => "pass".into(),
        "skipped" => format!("skipped: {}", quoted(&b.verdict.failed.join("; "))),
        _ => NONE.into(),
    }
}

fn database(b: &ScenarioBoard) -> String {
    if b.versions.is_empty() {
        "unknown".into()
    } else {
        quoted(&b.versions.join(", "))
    }
}

/// Plain text: a block per scenario.
pub fn text(board: &Leaderboard) -> String {
    let mut o = match &board.suite {
        Some(s) => format!("leaderboard of suite {} ", quoted(s)),
        None => "leaderboard ".into(),
    };
    o.push_str("(seconds: median [min–max] over the runs; throughput: share of the rate before the first fault)\n");
    for b in &board.scenarios {
        o.push_str(&format!(
            "\n{}: {} runs, database {}; verdict {}\n",
            quoted(&b.scenario),
            runs(b),
            database(b),
            verdict(b)
        ));
        for f in &b.faults {
            let in_force = match in_force(f) {
                Some([downtime, longest]) => {
                    format!(", downtime in force {downtime}, longest stall {longest}")
                }
                None => String::new(),
            };
            o.push_str(&format!(
                "  {}: downtime {}, partial downtime {}, settle {}, throughput {}{in_force}\n",
                fault_name(f),
                spread(&f.downtime),
                spread(&f.partial_downtime),
                spread(&f.settle),
                shares(&f.throughput)
            ));
        }
        o.push_str(&format!("  {}\n  errors: {}\n", writes(b), errors(b)));
    }
    if !board.ignored.is_empty() {
        o.push_str("\nignored (counted nowhere):\n");
        for i in &board.ignored {
            let [run, label, source, reason] = ignored_cells(i);
            o.push_str(&format!(
                "  run {run} (label {label}) from {source}: {reason}\n"
            ));
        }
    }
    o
}

/// A run the leaderboard ignored, as cells: its id, its label ([`NONE`]
/// without one), its file, why; each escaped.
pub fn ignored_cells(i: &Ignored) -> [String; 4] {
    [
        quoted(&i.run),
        i.label.as_deref().map_or_else(|| NONE.to_string(), quoted),
        quoted(&i.source),
        quoted(&i.reason),
    ]
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

/// Markdown: one row per scenario and fault.
pub fn markdown(board: &Leaderboard) -> String {
    let mut md = match &board.suite {
        Some(s) => format!("## Leaderboard: suite {}\n\n", cell(&quoted(s))),
        None => "## Leaderboard\n\n".into(),
    };
    md.push_str("Seconds: median [min–max] over the runs; `never`: did not settle; throughput: share of the rate before the first fault.\n\n");
    let wide = wide(board);
    let mut rows = Vec::new();
    for b in &board.scenarios {
        let mut faults: Vec<Option<&FaultBoard>> = b.faults.iter().map(Some).collect();
        if faults.is_empty() {
            faults.push(None);
        }
        for (i, f) in faults.into_iter().enumerate() {
            let head = i == 0;
            let keep = |s: String| if head { cell(&s) } else { String::new() };
            let mut row = vec![
                keep(quoted(&b.scenario)),
                keep(runs(b)),
                keep(database(b)),
                f.map_or_else(|| NONE.into(), |f| cell(&fault_name(f))),
                f.map_or_else(|| NONE.into(), |f| spread(&f.downtime)),
                f.map_or_else(|| NONE.into(), |f| spread(&f.partial_downtime)),
                f.map_or_else(|| NONE.into(), |f| spread(&f.settle)),
                f.map_or_else(|| NONE.into(), |f| shares(&f.throughput)),
            ];
            if wide {
                row.extend(in_force_cells(f));
            }
            row.extend([keep(anomalies_cell(b)), keep(errors(b)), keep(verdict(b))]);
            rows.push(row);
        }
    }
    let mut head = vec![
        "scenario",
        "runs",
        "database",
        "fault",
        "downtime",
        "partial",
        "settle",
        "throughput",
    ];
    if wide {
        head.extend(["downtime in force", "longest stall"]);
    }
    head.extend(["anomalies", "errors", "verdict"]);
    md.push_str(&table(&head, rows));
    if !board.ignored.is_empty() {
        md.push_str("\n### Ignored runs (counted nowhere)\n\n");
        let rows = board
            .ignored
            .iter()
            .map(|i| ignored_cells(i).iter().map(|c| cell(c)).collect())
            .collect();
        md.push_str(&table(&["run", "label", "source", "why"], rows));
    }
    md
}

#[derive(Serialize)]
struct Document<'a> {
    tool: String,
    leaderboard: &'a Leaderboard,
}

/// JSON: `{"tool", "leaderboard": {"suite", "scenarios": [...]}}`.
pub fn json(board: &Leaderboard) -> String {
    let doc = Document {
        tool: format!("perseus-report {}", env!("CARGO_PKG_VERSION")),
        leaderboard: board,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
