//! Throughput over time: successful writes per second in each bucket, for
//! the cluster and for each node, with the faults shaded and, under the
//! plot, one lane per node (and one for the cluster) with its outages as
//! bars.

use super::fault_layer::{self, Mark};
use super::label::{fit, width};
use super::palette::{self, legend, Swatch};
use super::svg::{self, n, Frame, Scale, LEFT, PLOT_WIDTH};
use super::Chart;
use crate::report::analysis::series::SeriesReport;
use crate::report::analysis::summary::RunSummary;
use crate::report::export::{cells, server_cells};
use crate::text::html;
use std::fmt::Write;

const PLOT: f64 = 220.0;
const LANE: f64 = 14.0;

/// Writes per second of `node` (None: the cluster) in each bucket.
fn rates(series: &SeriesReport, node: Option<usize>) -> impl Iterator<Item = f64> + '_ {
    (0..series.buckets()).map(move |b| {
        let count: u64 = match node {
            Some(i) => u64::from(series.successes(b, i)),
            None => (0..series.nodes.len())
                .map(|i| u64::from(series.successes(b, i)))
                .sum(),
        };
        let (from, to) = series.span(b);
        count as f64 * 1e6 / (to - from) as f64
    })
}

fn line(series: &SeriesReport, frame: &Frame, scale: &Scale, node: Option<usize>) -> String {
    let spans = (0..series.buckets()).map(|b| series.span(b));
    let d = svg::steps(
        rates(series, node)
            .zip(spans)
            .map(|(rate, (from, to))| (frame.x(from), frame.x(to), Some(scale.y(frame, rate)))),
    );
    let (name, colour, class) = match node {
        Some(i) => (
            html(&series.nodes[i]).into_owned(),
            palette::node(i),
            "series node",
        ),
        None => ("cluster".to_string(), palette::CLUSTER, "series cluster"),
    };
    format!("<path class=\"{class}\" data-series=\"{name}\" stroke=\"{colour}\" d=\"{d}\"/>")
}

/// The outage lanes under the plot, from `top`.
fn lanes(s: &RunSummary, frame: &Frame, top: f64) -> String {
    let mut out = String::from("<g class=\"outages\">");
    let names: Vec<Option<&str>> = s
        .nodes
        .iter()
        .map(|n| Some(n.as_str()))
        .chain([None])
        .collect();
    for (i, who) in names.iter().enumerate() {
        let y = top + i as f64 * LANE;
        let (label, colour) = match who {
            Some(name) => (cells::quoted(name), palette::node(i)),
            None => (cells::CLUSTER.to_lowercase(), palette::CLUSTER),
        };
        let _ = write!(
            out,
            "<g class=\"lane\" data-node=\"{}\">{}<line class=\"lane-base\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
            html(&label),
            lane_label(&label, who.is_some(), y + LANE / 2.0 + 3.5),
            n(LEFT),
            n(LEFT + PLOT_WIDTH),
            n(y + LANE / 2.0),
            n(y + LANE / 2.0)
        );
        for o in s.outages.iter().filter(|o| o.node.as_deref() == *who) {
            let c = cells::outage(o);
            let x = frame.x(o.start_us);
            let _ = write!(
                out,
                "<rect class=\"outage\" data-from-us=\"{}\" data-to-us=\"{}\" fill=\"{colour}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} down {} – {} s ({} ms); errors: {}</title></rect>",
                o.start_us,
                o.end_us,
                n(x),
                n(y + 2.0),
                n((frame.x(o.end_us) - x).max(1.0)),
                n(LANE - 4.0),
                html(&c.who),
                c.from,
                c.to,
                c.ms,
                html(&c.errors)
            );
        }
        if let Some(name) = who {
            out.push_str(&lane_marks(s, frame, name, y));
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
    out
}

/// The room left of the plot for a lane's name.
const GUTTER: f64 = LEFT - 7.0;

/// A lane's name, ending just left of the plot at height `y`. A node's
/// name that might not fit the room there (more than six characters, in
/// the widest font) is drawn at a width that does, cut in the middle when
/// it is long, its whole text on hover; a short one, and the cluster's
/// lane, are drawn as they always were.
fn lane_label(name: &str, from_log: bool, y: f64) -> String {
    let at = format!("x=\"{}\" y=\"{}\" text-anchor=\"end\"", n(LEFT - 5.0), n(y));
    if !from_log || name.chars().count() <= 6 {
        return format!("<text {at}>{}</text>", html(name));
    }
    let shown = fit(name, GUTTER);
    format!(
        "<g class=\"lane-name\"><title>{}</title><text {at} textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\">{}</text></g>",
        html(name),
        n(width(&shown)),
        html(&shown)
    )
}

/// The lab's server events of node `name` on its lane, at `y`: a small
/// triangle at each, the event in its tooltip, a down span as a dark bar
/// under the lane; and a red cross at each read that found acknowledged
/// writes lost, what they were in its tooltip. Presentation attributes,
/// not the stylesheet, so that a page without either is what it was
/// before they existed.
fn lane_marks(s: &RunSummary, frame: &Frame, name: &str, y: f64) -> String {
    let mut out = String::new();
    for d in s.servers.down.iter().filter(|d| d.node == name) {
        let from = frame.x(d.from_us);
        let to = frame.x(d.until_us.unwrap_or(s.end_us));
        let _ = write!(
            out,
            "<rect class=\"server-down\" data-from-us=\"{}\" fill=\"#111\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"2\"><title>{}: {}</title></rect>",
            d.from_us,
            n(from),
            n(y + LANE - 2.0),
            n((to - from).max(1.0)),
            html(&cells::quoted(name)),
            html(&server_cells::down(d))
        );
    }
    for a in s
        .anomalies
        .iter()
        .filter(|a| a.node == name && a.acked_lost.is_some())
    {
        let x = frame.x(a.t_us);
        let _ = write!(
            out,
            "<path class=\"lost-write\" data-t-us=\"{}\" stroke=\"#d62728\" stroke-width=\"2\" d=\"M{} {}l6 6m0 -6l-6 6\"><title>{}: a read at {} s found the key behind: {}</title></path>",
            a.t_us,
            n(x - 3.0),
            n(y + 1.0),
            html(&cells::quoted(name)),
            cells::secs(a.t_us),
            html(&cells::discarded(a).unwrap_or_default())
        );
    }
    for e in s.servers.events.iter().filter(|e| e.node == name) {
        let x = frame.x(e.t_us);
        let _ = write!(
            out,
            "<path class=\"server-event\" data-what=\"{}\" data-t-us=\"{}\" fill=\"#111\" d=\"M{} {}l3.5 -6h-7z\"><title>{} {}: {} at {} s</title></path>",
            html(&cells::quoted(&e.what)),
            e.t_us,
            n(x),
            n(y + 7.0),
            html(&cells::quoted(name)),
            html(&cells::quoted(&e.server)),
            html(&cells::quoted(&e.describe)),
            cells::secs(e.t_us)
        );
    }
    out
}

pub fn chart(s: &RunSummary, series: &SeriesReport, marks: &[Mark]) -> Chart {
    let frame = fault_layer::frame(marks, PLOT, series.end_us);
    let max = rates(series, None).fold(0.0, f64::max);
    let scale = Scale::linear(max);
    let lanes_top = frame.bottom() + 8.0;
    let lanes_bottom = lanes_top + (s.nodes.len() + 1) as f64 * LANE;
    let mut body = svg::value_axis(&frame, &scale, "successful writes per second");
    body.push_str(&svg::time_axis(&frame, frame.bottom(), lanes_bottom));
    body.push_str(&fault_layer::layer(marks, &frame, lanes_bottom));
    body.push_str(&line(series, &frame, &scale, None));
    for i in 0..series.nodes.len() {
        body.push_str(&line(series, &frame, &scale, Some(i)));
    }
    body.push_str(&lanes(s, &frame, lanes_top));
    let mut items = vec![(palette::CLUSTER, Swatch::Line, "cluster".to_string())];
    for (i, name) in series.nodes.iter().enumerate() {
        items.push((palette::node(i), Swatch::Line, cells::quoted(name)));
    }
    let mut marks_words = String::new();
    if !s.servers.is_empty() {
        marks_words.push_str(", the lab's server events (▼, hover for each) and the time a server was down (dark bar)");
    }
    if s.anomalies.iter().any(|a| a.acked_lost.is_some()) {
        marks_words.push_str(
            ", each read that found acknowledged writes lost (red ✕, hover for how many)",
        );
    }
    Chart {
        name: "throughput",
        caption: format!(
            "Throughput: successful writes per second, per {}; under it each node's outages (no success for more than {}){marks_words}",
            super::duration(series.bucket_us),
            super::duration(s.gap_us)
        ),
        frame,
        scale,
        height: lanes_bottom + svg::TIME_AXIS,
        body,
        legend: legend(&items),
    }
}
