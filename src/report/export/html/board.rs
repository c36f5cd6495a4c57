//! The leaderboard as the page's top section: one row per scenario and
//! fault, each number over the runs as `median [min–max]` (the same cells as
//! the text and Markdown leaderboards), the verdict coloured, and each run
//! linked to its section below.

use crate::report::export::leaderboard as cells;
use crate::report::leaderboard::{FaultBoard, Leaderboard};
use crate::text::html;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The section; `anchors` maps a run id to its section's anchor.
pub fn section(board: &Leaderboard, anchors: &BTreeMap<String, String>) -> String {
    let title = match &board.suite {
        Some(s) => format!("Leaderboard: suite {}", html(s)),
        None => "Leaderboard".to_string(),
    };
    let wide = cells::wide(board);
    let in_force_heads = match wide {
        true => "<th class=\"num\">downtime in force</th><th class=\"num\">longest stall</th>",
        false => "",
    };
    let mut out = format!(
        "<section class=\"leaderboard\" id=\"leaderboard\"><h2>{title}</h2><p>Seconds: median [min–max] over the runs; never: did not settle; throughput: share of the rate before the first fault.</p><table class=\"board\"><thead><tr><th>scenario</th><th>runs</th><th>database</th><th>fault</th><th class=\"num\">downtime</th><th class=\"num\">partial</th><th class=\"num\">settle</th><th class=\"num\">throughput</th>{in_force_heads}<th class=\"num\">anomalies</th><th>verdict</th></tr></thead><tbody>"
    );
    let in_force = |f: Option<&FaultBoard>| match wide {
        true => cells::in_force_cells(f)
            .iter()
            .map(|c| format!("<td class=\"num\">{}</td>", html(c)))
            .collect(),
        false => String::new(),
    };
    for b in &board.scenarios {
        let rows = b.faults.len().max(1);
        let runs: Vec<String> = b
            .runs
            .iter()
            .enumerate()
            .map(|(i, run)| match anchors.get(run) {
                Some(a) => format!("<a href=\"#{a}\">{}</a>", i + 1),
                None => (i + 1).to_string(),
            })
            .collect();
        let verdict_class = match b.verdict.result {
            "fail" => "fail",
            "pass" => "pass",
            _ => "none",
        };
        let head = format!(
            "<td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\">{}</td>",
            html(&b.scenario),
            runs.join(" "),
            html(&b.versions.join(", "))
        );
        let tail = format!(
            "<td rowspan=\"{rows}\" class=\"num\">{}</td><td rowspan=\"{rows}\" class=\"verdict {verdict_class}\">{}</td>",
            html(&crate::report::export::leaderboard::anomalies_cell(b)),
            html(&cells::verdict_words(b))
        );
        if b.faults.is_empty() {
            let _ = write!(
                out,
                "<tr>{head}<td>-</td><td></td><td></td><td></td><td></td>{}{tail}</tr>",
                in_force(None)
            );
        }
        for (i, f) in b.faults.iter().enumerate() {
            let _ = write!(
                out,
                "<tr>{}<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}</tr>",
                if i == 0 { head.as_str() } else { "" },
                html(&cells::fault_name(f)),
                html(&cells::spread(&f.downtime)),
                html(&cells::spread(&f.partial_downtime)),
                html(&cells::spread(&f.settle)),
                html(&cells::shares(&f.throughput)),
                in_force(Some(f)),
                if i == 0 { tail.as_str() } else { "" },
            );
        }
    }
    out.push_str("</tbody></table>");
    out.push_str(&ignored(board));
    out.push_str("</section>");
    out
}

/// The runs the leaderboard counted nowhere, each with why; nothing when
/// every run counted.
fn ignored(board: &Leaderboard) -> String {
    if board.ignored.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Ignored runs (counted nowhere)</h3><table class=\"ignored\"><thead><tr><th>run</th><th>label</th><th>source</th><th>why</th></tr></thead><tbody>");
    for i in &board.ignored {
        out.push_str("<tr>");
        for c in cells::ignored_cells(i) {
            let _ = write!(out, "<td>{}</td>", html(&c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}
