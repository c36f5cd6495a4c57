//! The default output: the per-second table, then the summary as `#` lines
//! (so that tools reading the table skip it like the legend).

use super::{ms, ms_or, secs, Exporter};
use crate::report::errors::ErrorGroups;
use crate::report::latency::NodeLatency;
use crate::report::run::Finished;
use crate::report::summary::RunSummary;
use std::io::{self, Write};

pub struct Text;

impl Exporter for Text {
    fn run(&mut self, out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        out.write_all(finished.table().as_bytes())?;
        if let Some(s) = &finished.summary {
            out.write_all(summary(s).as_bytes())?;
        }
        Ok(())
    }

    fn end(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

fn errors_line(errors: &ErrorGroups) -> String {
    if errors.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = errors
        .groups()
        .map(|(key, g)| format!("{key} ×{} (\"{}\")", g.count, g.sample))
        .collect();
    parts.join(", ")
}

fn latency_line(l: &NodeLatency) -> String {
    let q = |v: Option<u64>| ms_or(v, "-");
    format!(
        "{} p50 {} p99 {} max {} ms ({} iterations)",
        l.node,
        q(l.p50_us),
        q(l.p99_us),
        q(l.max_us),
        l.count
    )
}

/// The human summary of one run.
pub fn summary(s: &RunSummary) -> String {
    let mut o = Vec::new();
    o.push(String::new());
    let ended = match &s.stop_reason {
        Some(reason) => format!("stopped: {reason}"),
        None => "no stop event: killed".into(),
    };
    o.push(format!(
        "run {} from {}: {}, database {}",
        s.run,
        s.source,
        s.tool,
        s.version()
    ));
    o.push(format!(
        "nodes {} ({} conns each); {} s ({ended})",
        s.nodes.join(", "),
        s.conns,
        secs(s.end_us)
    ));
    o.push(format!(
        "iterations {}; operations {}; errors {}: {}",
        s.iterations,
        s.operations,
        s.errors.total(),
        s.errors.brief()
    ));
    o.push(format!(
        "outages (gaps over {} ms; times in s since the start):",
        ms(s.gap_us)
    ));
    if s.outages.is_empty() {
        o.push("  none".into());
    }
    for out in &s.outages {
        o.push(format!(
            "  {:<8} {} – {}  {} ms; errors: {}",
            out.node.as_deref().unwrap_or("CLUSTER"),
            secs(out.start_us),
            secs(out.end_us),
            ms(out.duration_us),
            errors_line(&out.errors)
        ));
    }
    o.push(format!(
        "faults (settled = every expected node up for {} ms):",
        ms(s.steady_us)
    ));
    if s.faults.is_empty() {
        o.push("  none".into());
    }
    for f in &s.faults {
        let settle = match f.settle_us {
            Some(us) => format!("settled after {} ms", ms(us)),
            None => format!(
                "never settled (measured until {} s)",
                secs(f.measured_until_us)
            ),
        };
        o.push(format!(
            "  {} s {} {}: downtime {} ms, partial downtime {} ms, {settle}",
            secs(f.t_us),
            f.action,
            f.node,
            ms(f.downtime_us),
            ms(f.partial_downtime_us)
        ));
        for l in &f.latency.nodes {
            o.push(format!(
                "    until {} s: {}",
                secs(f.latency_until_us),
                latency_line(l)
            ));
        }
    }
    if s.faults_ignored > 0 {
        o.push(format!(
            "  ({} faults whose command failed ignored)",
            s.faults_ignored
        ));
    }
    o.push(format!("consistency: {} anomalies", s.anomalies_total));
    for a in &s.anomalies {
        o.push(format!(
            "  {} on {} key {} at {} s: read {} expected {} (read line {}, write line {})",
            a.kind,
            a.node,
            a.key,
            secs(a.t_us),
            show(a.value),
            show(a.expected),
            a.read_line,
            a.write_line.map_or("-".into(), |l| l.to_string())
        ));
    }
    o.push(format!(
        "latency of successful writes (p50/p99 within {:.1}%):",
        s.latency.relative_error * 100.0
    ));
    for l in &s.latency.nodes {
        o.push(format!("  {}", latency_line(l)));
    }
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

fn show(v: Option<i64>) -> String {
    v.map_or("null".into(), |v| v.to_string())
}
