//! The summary's tables in HTML: the run's facts, the six numbers (cut and
//! repair), faults, outages with their errors, the errors, anomalies and
//! latency. Every value comes from `cells.rs`, as in the other formats;
//! every cell is escaped here.

use crate::report::analysis::faults::FaultReport;
use crate::report::analysis::summary::RunSummary;
use crate::report::export::{cells, server_cells};
use crate::text::html;
use std::fmt::Write;

/// A column: its head, and whether it holds numbers (right-aligned).
type Column<'a> = (&'a str, bool);

fn table(class: &str, head: &[Column<'_>], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table class=\"{class}\"><thead><tr>");
    for (h, num) in head {
        let _ = write!(
            out,
            "<th{}>{h}</th>",
            if *num { " class=\"num\"" } else { "" }
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for ((_, num), cell) in head.iter().zip(row) {
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if *num { " class=\"num\"" } else { "" },
                html(cell)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn none(what: &str) -> String {
    format!("<p class=\"none\">{what}</p>")
}

/// The run in a few lines: what, against what, how long, how much.
pub fn meta(s: &RunSummary) -> String {
    let ended = match &s.stop_reason {
        Some(reason) => format!("stopped: {}", cells::quoted(reason)),
        None => "no stop event: killed".into(),
    };
    let nodes: Vec<String> = s.nodes.iter().map(|n| cells::quoted(n)).collect();
    let mut out = format!(
        "<p class=\"meta\">{} against {}, from <code>{}</code>; nodes {} ({} connection(s) each); {} s ({}); {} successful writes, {} operations, {} failed, {} anomalies, {} late-landing writes.</p>",
        html(&cells::quoted(&s.tool)),
        html(&cells::quoted(&s.version())),
        html(&cells::quoted(&s.source)),
        html(&nodes.join(", ")),
        s.conns,
        cells::secs(s.end_us),
        html(&ended),
        s.iterations,
        s.operations,
        s.errors.total(),
        s.anomalies_total,
        s.late_writes_total
    );
    if let Some(message) = &s.stop_message {
        let _ = write!(
            out,
            "<p class=\"warn\">stop: {}</p>",
            html(&cells::quoted(message))
        );
    }
    for w in &s.warnings {
        let _ = write!(
            out,
            "<p class=\"warn\">warning: {}</p>",
            html(&cells::quoted(w))
        );
    }
    out
}

/// The six numbers: downtime, partial downtime and settle after the first
/// fault that cuts a node off and after the first that brings one back.
pub fn six(s: &RunSummary) -> String {
    let (cut, repair) = cells::cut_and_repair(s);
    let name = |f: Option<&FaultReport>| {
        f.map_or(cells::NONE.to_string(), |f| {
            let c = cells::fault(f);
            format!("{} {} at {} s", c.action, c.node, c.at)
        })
    };
    let row = |what: &str, f: Option<&FaultReport>| {
        let mut r = vec![what.to_string(), name(f)];
        r.extend(cells::three(f));
        r
    };
    table(
        "six",
        &[
            ("", false),
            ("fault", false),
            ("downtime ms", true),
            ("partial downtime ms", true),
            ("settle ms", true),
        ],
        &[row("cut", cut), row("repair", repair)],
    )
}

pub fn faults(s: &RunSummary) -> String {
    if s.faults.is_empty() {
        return none("No fault took effect in this run.");
    }
    let (wide, rows) = cells::fault_rows(&s.faults);
    let mut head = vec![
        ("at s", true),
        ("action", false),
        ("node", false),
        ("downtime ms", true),
        ("partial downtime ms", true),
        ("settle ms", true),
        ("throughput", true),
        ("note", false),
    ];
    if wide {
        head.extend([
            ("in force until s", true),
            ("downtime in force ms", true),
            ("longest stall ms", true),
        ]);
    }
    table("faults", &head, &rows)
}

pub fn outages(s: &RunSummary) -> String {
    if s.outages.is_empty() {
        return none("No outage: every node succeeded at least every gap.");
    }
    let rows: Vec<Vec<String>> = s
        .outages
        .iter()
        .map(|o| {
            let c = cells::outage(o);
            let mut errors = cells::errors_with_samples(&o.errors);
            if let Some(node) = &o.node {
                for d in s.servers.down_during(node, o.start_us, o.end_us) {
                    errors.push_str(&format!("; {}", server_cells::down(d)));
                }
            }
            vec![c.who, c.from, c.to, c.ms, errors]
        })
        .collect();
    table(
        "outages",
        &[
            ("node", false),
            ("from s", true),
            ("to s", true),
            ("ms", true),
            ("errors", false),
        ],
        &rows,
    )
}

/// What the lab's servers did, a row per node and server; None for a run
/// outside the lab (the page then has no such section).
pub fn servers(s: &RunSummary) -> Option<String> {
    if s.servers.is_empty() {
        return None;
    }
    let rows: Vec<Vec<String>> = server_cells::stories(&s.servers)
        .into_iter()
        .map(|line| vec![line])
        .collect();
    Some(table(
        "servers",
        &[("node, server: what it did (s since the start)", false)],
        &rows,
    ))
}

pub fn errors(s: &RunSummary) -> String {
    if s.errors.is_empty() {
        return none("No failed operation.");
    }
    let rows: Vec<Vec<String>> = s
        .errors
        .groups()
        .map(|(key, g)| {
            vec![
                key.to_string(),
                g.count.to_string(),
                cells::quoted(&g.sample),
            ]
        })
        .collect();
    table(
        "errors",
        &[("error", false), ("count", true), ("first message", false)],
        &rows,
    )
}

pub fn anomalies(s: &RunSummary) -> String {
    let lost = cells::acked_lost(s).map_or(String::new(), |l| {
        format!("; acknowledged writes lost: {}", html(&l))
    });
    let mut out = format!(
        "<p>{} anomalies (acknowledged writes lost or values no write explains){lost}; {} late-landing writes.</p>",
        s.anomalies_total, s.late_writes_total
    );
    if s.anomalies.is_empty() {
        return out;
    }
    let show = |v: Option<i64>| v.map_or("null".into(), |v| v.to_string());
    let rows: Vec<Vec<String>> = s
        .anomalies
        .iter()
        .map(|a| {
            vec![
                a.kind.to_string(),
                cells::quoted(&a.node),
                cells::quoted(&a.key),
                cells::secs(a.t_us),
                show(a.value),
                show(a.expected),
                a.read_line.to_string(),
                a.write_line.map_or(cells::NONE.into(), |l| l.to_string()),
                cells::discarded(a).unwrap_or_else(|| cells::NONE.into()),
            ]
        })
        .collect();
    out.push_str(&table(
        "anomalies",
        &[
            ("kind", false),
            ("node", false),
            ("key", false),
            ("at s", true),
            ("read", true),
            ("expected", true),
            ("read line", true),
            ("write line", true),
            ("what it discarded", false),
        ],
        &rows,
    ));
    out
}

pub fn latency(s: &RunSummary) -> String {
    let rows: Vec<Vec<String>> = s
        .latency
        .nodes
        .iter()
        .map(|l| {
            let c = cells::latency(l);
            vec![c.node, c.count, c.p50, c.p99, c.max]
        })
        .collect();
    table(
        "latency",
        &[
            ("node", false),
            ("writes", true),
            ("p50 ms", true),
            ("p99 ms", true),
            ("max ms", true),
        ],
        &rows,
    )
}
