//! `--markdown`: the summary as Markdown tables. First one comparison row per
//! run (database version; downtime, partial downtime and settle after the
//! first fault that cuts a node off, then the same three after the first
//! that brings one back), then each run's outages, faults and latency.

use super::cells;
use super::server_cells;
use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use crate::report::analysis::summary::RunSummary;
use std::io::{self, Write};

#[derive(Default)]
pub struct Markdown {
    runs: Vec<RunSummary>,
}

impl Exporter for Markdown {
    fn run(&mut self, _out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        self.runs.extend(finished.summary.clone());
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(render(&self.runs).as_bytes())
    }
}

/// A table cell: the text as the cells render it, with what Markdown would
/// read as structure escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

pub fn table(head: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = row(&head.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    t.push_str(&row(&vec!["---".to_string(); head.len()]));
    for r in rows {
        t.push_str(&row(&r));
    }
    t
}

pub fn render(runs: &[RunSummary]) -> String {
    let mut md = String::from("## Perseus report\n\nTimes in ms.\n\n");
    let rows = runs
        .iter()
        .map(|s| {
            let (cut, repair) = cells::cut_and_repair(s);
            let mut r = vec![
                cell(&cells::run_name(s)),
                cell(&cells::quoted(&s.version())),
            ];
            r.extend(cells::three(cut));
            r.extend(cells::three(repair));
            r
        })
        .collect();
    md.push_str(&table(
        &[
            "run",
            "database",
            "cut: downtime",
            "cut: partial",
            "cut: settle",
            "repair: downtime",
            "repair: partial",
            "repair: settle",
        ],
        rows,
    ));
    for s in runs {
        md.push_str(&details(s));
    }
    md
}

fn details(s: &RunSummary) -> String {
    let nodes: Vec<String> = s.nodes.iter().map(|n| cells::quoted(n)).collect();
    let mut md = format!(
        "\n### Run {}\n\n{} against {}; nodes {}; {} s; {} iterations, {} errors, {} anomalies{}, {} late-landing writes.\n\n",
        cell(&cells::run_name(s)),
        cell(&cells::quoted(&s.tool)),
        cell(&cells::quoted(&s.version())),
        cell(&nodes.join(", ")),
        cells::secs(s.end_us),
        s.iterations,
        s.errors.total(),
        s.anomalies_total,
        cells::acked_lost(s).map_or(String::new(), |l| format!(" (acknowledged writes lost: {})", cell(&l))),
        s.late_writes_total
    );
    let outages = s
        .outages
        .iter()
        .map(|o| {
            let c = cells::outage(o);
            let mut errors = c.errors;
            if let Some(node) = &o.node {
                for d in s.servers.down_during(node, o.start_us, o.end_us) {
                    errors.push_str(&format!("; {}", server_cells::down(d)));
                }
            }
            vec![cell(&c.who), c.from, c.to, c.ms, cell(&errors)]
        })
        .collect();
    md.push_str(&table(
        &["outage", "from s", "to s", "ms", "errors"],
        outages,
    ));
    if !s.servers.is_empty() {
        let rows = server_cells::stories(&s.servers)
            .iter()
            .map(|line| vec![cell(line)])
            .collect();
        md.push('\n');
        md.push_str(&table(&["server events (times since the start)"], rows));
    }
    let (wide, rows) = cells::fault_rows(&s.faults);
    let faults = rows
        .iter()
        .map(|row| row.iter().map(|c| cell(c)).collect())
        .collect();
    let mut head = vec![
        "fault at s",
        "action",
        "node",
        "downtime",
        "partial",
        "settle",
        "throughput",
        "note",
    ];
    if wide {
        head.extend(["in force until s", "downtime in force", "longest stall"]);
    }
    md.push('\n');
    md.push_str(&table(&head, faults));
    let latency = s
        .latency
        .nodes
        .iter()
        .map(|l| {
            let c = cells::latency(l);
            vec![cell(&c.node), c.count, c.p50, c.p99, c.max]
        })
        .collect();
    md.push('\n');
    md.push_str(&table(&["node", "writes", "p50", "p99", "max"], latency));
    md
}
