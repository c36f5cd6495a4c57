//! `--markdown`: the summary as Markdown tables. First one comparison row per
//! run, like the Perseus leaderboard (database version; downtime, partial
//! downtime and disturbance after the first isolate/kill; the same three,
//! recovery last, after the first rejoin/start), then each run's details.

use super::{ms, ms_or, secs, Exporter};
use crate::report::faults::FaultReport;
use crate::report::run::Finished;
use crate::report::summary::RunSummary;
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

fn three(f: Option<&FaultReport>) -> [String; 3] {
    match f {
        None => ["–".into(), "–".into(), "–".into()],
        Some(f) => [
            ms(f.downtime_us),
            ms(f.partial_downtime_us),
            ms_or(f.settle_us, "never"),
        ],
    }
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = row(&head.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    t.push_str(&row(&vec!["---".to_string(); head.len()]));
    for r in rows {
        t.push_str(&row(&r));
    }
    t
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(runs: &[RunSummary]) -> String {
    let mut md = String::from("## Perseus report\n\nTimes in ms.\n\n");
    let rows = runs
        .iter()
        .map(|s| {
            let (cut, back) = s.leaderboard_faults();
            let mut r = vec![cell(&s.run), cell(&s.version())];
            r.extend(three(cut));
            r.extend(three(back));
            r
        })
        .collect();
    md.push_str(&table(
        &[
            "run",
            "database",
            "isolate downtime",
            "isolate partial",
            "disturbance",
            "rejoin downtime",
            "rejoin partial",
            "recovery",
        ],
        rows,
    ));
    for s in runs {
        md.push_str(&details(s));
    }
    md
}

fn details(s: &RunSummary) -> String {
    let mut md = format!(
        "\n### Run {}\n\n{} against {}; nodes {}; {} s; {} iterations, {} errors, {} anomalies.\n\n",
        cell(&s.run),
        cell(&s.tool),
        cell(&s.version()),
        s.nodes.join(", "),
        secs(s.end_us),
        s.iterations,
        s.errors.total(),
        s.anomalies_total
    );
    let outages = s
        .outages
        .iter()
        .map(|o| {
            vec![
                o.node.clone().unwrap_or_else(|| "**cluster**".into()),
                secs(o.start_us),
                secs(o.end_us),
                ms(o.duration_us),
                cell(&o.errors.brief()),
            ]
        })
        .collect();
    md.push_str(&table(
        &["outage", "from s", "to s", "ms", "errors"],
        outages,
    ));
    let faults = s
        .faults
        .iter()
        .map(|f| {
            let mut r = vec![secs(f.t_us), cell(&f.action), cell(&f.node)];
            r.extend(three(Some(f)));
            r
        })
        .collect();
    md.push('\n');
    md.push_str(&table(
        &[
            "fault at s",
            "action",
            "node",
            "downtime",
            "partial",
            "settle",
        ],
        faults,
    ));
    let latency = s
        .latency
        .nodes
        .iter()
        .map(|l| {
            vec![
                l.node.clone(),
                l.count.to_string(),
                ms_or(l.p50_us, "–"),
                ms_or(l.p99_us, "–"),
                ms_or(l.max_us, "–"),
            ]
        })
        .collect();
    md.push('\n');
    md.push_str(&table(&["node", "writes", "p50", "p99", "max"], latency));
    md
}
