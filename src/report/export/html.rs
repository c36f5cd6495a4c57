//! `--html FILE`: one self-contained page (inline SVG and CSS, no script,
//! no URL: a Content-Security-Policy forbids loading anything), with per
//! run three charts over time — throughput with each node's outages,
//! latency, errors — the faults shaded on each, and the summary's tables.
//! The charts draw the run's series (`analysis/series.rs`); the tables
//! render the same cells as the other formats (`cells.rs`).
//!
//! The page is built from parts that other sections can join:
//! [`run_section`] renders one run under the anchor [`anchor`] gives it, and
//! [`page`] wraps sections that go on top (the leaderboard, `board.rs`,
//! linking to the runs) and the runs' sections.

mod board;
mod errors_chart;
mod fault_layer;
mod label;
mod latency_chart;
pub mod palette;
pub mod svg;
mod tables;
mod throughput;

use super::cells;
use super::leaderboard::Input;
use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use crate::report::leaderboard::Builder;
use crate::text::html;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use svg::{n, Frame, Scale};

const STYLE: &str = include_str!("html/style.css");

/// One chart, drawn; `figure` frames it.
pub struct Chart {
    /// `throughput`, `latency`, `errors`: the figure's id and `data-chart`.
    pub name: &'static str,
    /// What the chart shows, in words (escaped by `figure`).
    pub caption: String,
    pub frame: Frame,
    pub scale: Scale,
    /// The SVG's height in viewBox units.
    pub height: f64,
    pub body: String,
    /// The legend's HTML.
    pub legend: String,
}

/// A duration as a page says it: `100ms`, `2s`, `1500us`.
pub fn duration(us: u64) -> String {
    if us.is_multiple_of(1000) {
        crate::duration::show_ms(us / 1000)
    } else {
        format!("{us}us")
    }
}

/// The chart in a figure with its caption and legend. The SVG carries its
/// geometry as data attributes (where time 0 and the run's end, the lowest
/// and highest value fall), so that a reader of the DOM can map a path back
/// to numbers.
fn figure(chart: &Chart, anchor: &str) -> String {
    let f = &chart.frame;
    let (kind, lo, hi) = match chart.scale {
        Scale::Linear { max } => ("linear", 0.0, max),
        Scale::Log { lo, hi } => ("log", 10f64.powi(lo), 10f64.powi(hi)),
    };
    let caption = html(&chart.caption);
    format!(
        "<figure class=\"chart\" id=\"{anchor}-{name}\"><figcaption>{caption}</figcaption><svg class=\"chart\" data-chart=\"{name}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{caption}\" data-end-us=\"{end}\" data-x0=\"{x0}\" data-x1=\"{x1}\" data-y-lo=\"{ylo}\" data-y-hi=\"{yhi}\" data-scale=\"{kind}\" data-lo=\"{lo}\" data-hi=\"{hi}\">{body}</svg>{legend}</figure>",
        name = chart.name,
        w = n(svg::WIDTH),
        h = n(chart.height),
        end = f.end_us,
        x0 = n(f.x(0)),
        x1 = n(f.x(f.end_us)),
        ylo = n(f.bottom()),
        yhi = n(f.top),
        body = chart.body,
        legend = chart.legend,
    )
}

/// The anchor of a run's section: `run-` and its id, with what an id may
/// not hold (white space) replaced, and escaped.
pub fn anchor(run: &str) -> String {
    let id: String = run
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    format!("run-{}", html(&id))
}

/// One run's section: its facts, the three charts, the tables.
pub fn run_section(finished: &Finished, anchor: &str) -> String {
    let Some(s) = &finished.summary else {
        return String::new();
    };
    let mut out = format!(
        "<section class=\"run\" id=\"{anchor}\"><h2>Run {}</h2>",
        html(&cells::run_name(s))
    );
    out.push_str(&tables::meta(s));
    out.push_str("<h3>Cut and repair: the six numbers</h3>");
    out.push_str(&tables::six(s));
    if let Some(series) = &finished.series {
        let marks = fault_layer::marks(&s.faults, series.end_us);
        out.push_str(&figure(&throughput::chart(s, series, &marks), anchor));
        out.push_str(&figure(&latency_chart::chart(series, &marks), anchor));
        out.push_str(&figure(&errors_chart::chart(series, &marks), anchor));
        out.push_str(&fault_layer::left_out(&marks));
    }
    let mut parts = vec![
        ("Faults", tables::faults(s)),
        ("Outages", tables::outages(s)),
    ];
    parts.extend(tables::servers(s).map(|t| ("Server events", t)));
    parts.extend([
        ("Errors", tables::errors(s)),
        ("Consistency", tables::anomalies(s)),
        ("Latency of successful writes", tables::latency(s)),
    ]);
    for (title, body) in parts {
        let _ = write!(out, "<h3>{title}</h3>{body}");
    }
    out.push_str("</section>");
    out
}

/// A link to a run's section, as the page's contents list it.
pub struct RunLink {
    /// The run's id.
    pub run: String,
    pub anchor: String,
    /// Escaped.
    pub name: String,
}

/// The whole page: `top` sections first (a leaderboard), then a list of
/// the runs, then each run's section.
pub fn page(top: &[String], links: &[RunLink], sections: &[String]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>Perseus report</title><style>{STYLE}</style></head><body><header><h1>Perseus report</h1><p class=\"tool\">perseus-report {}: {} run(s). Shaded: each fault from its start to the fault that undoes it; hover over a shape for its numbers.</p>",
        env!("CARGO_PKG_VERSION"),
        links.len()
    );
    if links.len() > 1 {
        out.push_str("<nav><ul>");
        for l in links {
            let _ = write!(out, "<li><a href=\"#{}\">{}</a></li>", l.anchor, l.name);
        }
        out.push_str("</ul></nav>");
    }
    out.push_str("</header><main>");
    for section in top.iter().chain(sections) {
        out.push_str(section);
    }
    out.push_str("</main></body></html>\n");
    out
}

/// The exporter: renders each run's section as the run ends, the page at
/// the end.
#[derive(Default)]
pub struct Html {
    sections: Vec<String>,
    /// Each run's anchor and name, in the order of the runs.
    pub links: Vec<RunLink>,
    anchors: BTreeSet<String>,
    /// With `--leaderboard`: the runs compared, on top of the page.
    board: Option<(Builder, Input)>,
}

impl Html {
    /// A page with the leaderboard of its runs on top.
    pub fn with_leaderboard(input: Input) -> Self {
        let mut builder = Builder::default();
        builder.not_run = input.not_run.clone();
        Html {
            board: Some((builder, input)),
            ..Html::default()
        }
    }

    /// The run's anchor, made unique (the same log given twice).
    fn unique_anchor(&mut self, run: &str) -> String {
        let base = anchor(run);
        let mut candidate = base.clone();
        let mut i = 2;
        while self.anchors.contains(&candidate) {
            candidate = format!("{base}-{i}");
            i += 1;
        }
        self.anchors.insert(candidate.clone());
        candidate
    }
}

impl Exporter for Html {
    fn run(&mut self, _out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        let Some(s) = &finished.summary else {
            return Ok(());
        };
        let anchor = self.unique_anchor(&s.run);
        self.sections.push(run_section(finished, &anchor));
        self.links.push(RunLink {
            run: s.run.clone(),
            anchor,
            name: html(&cells::run_name(s)).into_owned(),
        });
        if let Some((builder, _)) = self.board.as_mut() {
            builder.add(s);
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut top = Vec::new();
        if let Some((builder, input)) = self.board.take() {
            let board = builder.finish(input.suite.as_ref());
            let anchors = self
                .links
                .iter()
                .map(|l| (l.run.clone(), l.anchor.clone()))
                .collect();
            top.push(board::section(&board, &anchors));
        }
        out.write_all(page(&top, &self.links, &self.sections).as_bytes())
    }
}
