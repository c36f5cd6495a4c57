//! The default output: the per-second table, then the summary as `#` lines
//! (so that tools reading the table skip it like the legend).

use super::cells::{self, quoted, secs};
use super::server_cells;
use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use crate::report::analysis::summary::RunSummary;
use std::io::{self, Write};

pub struct Text;

impl Exporter for Text {
    fn run(&mut self, out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        finished.write_table(out)?;
        if let Some(s) = &finished.summary {
            out.write_all(summary(s).as_bytes())?;
        }
        Ok(())
    }

    fn end(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

fn latency_line(l: &cells::LatencyCells) -> String {
    format!(
        "{} p50 {} p99 {} max {} ms ({} iterations)",
        l.node, l.p50, l.p99, l.max, l.count
    )
}

/// The human summary of one run.
pub fn summary(s: &RunSummary) -> String {
    let mut o = vec![String::new()];
    head(s, &mut o);
    outages(s, &mut o);
    servers(s, &mut o);
    faults(s, &mut o);
    consistency(s, &mut o);
    o.push(format!(
        "latency of successful writes (p50/p99 within {:.1}%):",
        s.latency.relative_error * 100.0
    ));
    for l in &s.latency.nodes {
        o.push(format!("  {}", latency_line(&cells::latency(l))));
    }
    ending(s, &mut o);
    let mut text = String::new();
    for line in o {
        text.push('#');
        if !line.is_empty() {
            text.push(' ');
            text.push_str(&line);
        }
        text.push('\n');
    }
    text
}

fn head(s: &RunSummary, o: &mut Vec<String>) {
    let ended = match &s.stop_reason {
        Some(reason) => format!("stopped: {}", quoted(reason)),
        None => "no stop event: killed".into(),
    };
    o.push(format!(
        "run {} from {}: {}, database {}",
        cells::run_name(s),
        quoted(&s.source),
        quoted(&s.tool),
        quoted(&s.version())
    ));
    let nodes: Vec<String> = s.nodes.iter().map(|n| quoted(n)).collect();
    o.push(format!(
        "nodes {} ({} conns each); {} s ({ended})",
        nodes.join(", "),
        s.conns,
        secs(s.end_us)
    ));
    if let Some(message) = &s.stop_message {
        o.push(format!("stop: {}", quoted(message)));
    }
    o.push(format!(
        "iterations {}; operations {}; errors {}: {}",
        s.iterations,
        s.operations,
        s.errors.total(),
        cells::errors_brief(&s.errors)
    ));
}

fn outages(s: &RunSummary, o: &mut Vec<String>) {
    o.push(format!(
        "outages (gaps over {} ms; times in s since the start):",
        cells::ms(s.gap_us)
    ));
    if s.outages.is_empty() {
        o.push("  none".into());
    }
    for out in &s.outages {
        let c = cells::outage(out);
        let mut line = format!(
            "  {:<8} {} – {}  {} ms; errors: {}",
            c.who,
            c.from,
            c.to,
            c.ms,
            cells::errors_with_samples(&out.errors)
        );
        if let Some(node) = &out.node {
            for d in s.servers.down_during(node, out.start_us, out.end_us) {
                line.push_str(&format!("; {}", server_cells::down(d)));
            }
        }
        o.push(line);
    }
}

/// What the lab's servers did, node by node; nothing for a run outside it.
fn servers(s: &RunSummary, o: &mut Vec<String>) {
    if s.servers.is_empty() {
        return;
    }
    o.push("server events (as the lab's supervisors saw them; times since the start):".into());
    for line in server_cells::stories(&s.servers) {
        o.push(format!("  {line}"));
    }
}

fn faults(s: &RunSummary, o: &mut Vec<String>) {
    o.push(format!(
        "faults (settled = every expected node up for {} ms; {}):",
        cells::ms(s.steady_us),
        cells::baseline(s)
    ));
    if s.faults.is_empty() {
        o.push("  none".into());
    }
    for f in &s.faults {
        let c = cells::fault(f);
        let settle = match f.settle_us {
            Some(_) => format!("settled after {} ms", c.numbers.settle),
            None => format!(
                "never settled (measured until {} s)",
                secs(f.measured_until_us)
            ),
        };
        let throughput = match &f.throughput {
            Some(_) => format!(", throughput {}", cells::throughput(f)),
            None => String::new(),
        };
        let in_force = cells::in_force_words(f).map_or_else(String::new, |w| format!("; {w}"));
        o.push(format!(
            "  {} s {} {}: downtime {} ms, partial downtime {} ms, {settle}{throughput}{in_force}",
            c.at, c.action, c.node, c.numbers.downtime, c.numbers.partial
        ));
        if let Some(note) = &c.note {
            o.push(format!("    ({note})"));
        }
        if let (Some(until), Some(latency)) = (f.latency_until_us, &f.latency) {
            for l in &latency.nodes {
                o.push(format!(
                    "    until {} s: {}",
                    secs(until),
                    latency_line(&cells::latency(l))
                ));
            }
        }
    }
    let mut not_analysed = Vec::new();
    if s.faults_ignored > 0 {
        not_analysed.push(format!("{} whose command failed", s.faults_ignored));
    }
    if s.faults_after_end > 0 {
        not_analysed.push(format!(
            "{} stamped after the run's end",
            s.faults_after_end
        ));
    }
    if s.faults_over_limit > 0 {
        not_analysed.push(format!(
            "{} beyond the report's limit per run",
            s.faults_over_limit
        ));
    }
    if !not_analysed.is_empty() {
        o.push(format!(
            "  (faults not analysed: {})",
            not_analysed.join(", ")
        ));
    }
}

fn consistency(s: &RunSummary, o: &mut Vec<String>) {
    let lost = cells::acked_lost(s).map_or(String::new(), |l| {
        format!("; acknowledged writes lost: {l}")
    });
    o.push(format!(
        "consistency: {} anomalies{lost}; {} late-landing writes",
        s.anomalies_total, s.late_writes_total
    ));
    let show = |v: Option<i64>| v.map_or("null".into(), |v| v.to_string());
    for a in &s.anomalies {
        let discarded = cells::discarded(a).map_or(String::new(), |d| format!("; {d}"));
        o.push(format!(
            "  {} on {} key {} at {} s: read {} expected {} (read line {}, write line {}){discarded}",
            a.kind,
            quoted(&a.node),
            quoted(&a.key),
            secs(a.t_us),
            show(a.value),
            show(a.expected),
            a.read_line,
            a.write_line.map_or(cells::NONE.into(), |l| l.to_string())
        ));
    }
    for w in &s.late_writes {
        o.push(format!(
            "  late write on {} key {} seen at {} s: value {} of the write at line {}, after the acknowledged write at line {} (read line {})",
            quoted(&w.node),
            quoted(&w.key),
            secs(w.t_us),
            w.value,
            w.write_line,
            w.acked_line,
            w.read_line
        ));
    }
}

fn ending(s: &RunSummary, o: &mut Vec<String>) {
    if !s.in_flight.is_empty() || !s.faults_in_flight.is_empty() {
        let mut parts: Vec<String> = s.in_flight.iter().map(cells::in_flight).collect();
        parts.extend(s.faults_in_flight.iter().map(|f| {
            format!(
                "fault {} {} since {} s (ended)",
                quoted(&f.action),
                quoted(&f.node),
                secs(f.started_us)
            )
        }));
        o.push(format!(
            "in flight at the stop (not counted): {}",
            parts.join(", ")
        ));
    }
    if s.ignored_after_stop > 0 {
        o.push(format!(
            "{} events after the stop event ignored",
            s.ignored_after_stop
        ));
    }
    for w in &s.warnings {
        o.push(format!("warning: {}", quoted(w)));
    }
}
