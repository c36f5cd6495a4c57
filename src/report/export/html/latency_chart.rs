//! Latency over time, on a log scale: each successful write as a dot in its
//! node's colour and each failed operation as a cross in its error kind's
//! colour (at the time it failed, at the time it took to fail). Past the
//! point budget (`limits.rs`) the writes are drawn per bucket instead, for
//! the whole cluster: p50 and p99 as lines, the max as a dot (a max jumps
//! from bucket to bucket, and a line joining the jumps would fill the
//! plot); failed operations past their budget are left to the errors chart.

use super::fault_layer::{self, Mark};
use super::palette::{self, legend, Swatch};
use super::svg::{self, Frame, Scale};
use super::Chart;
use crate::report::analysis::series::{Point, SeriesReport, KINDS};
use crate::report::export::cells;
use crate::text::html;
use std::fmt::Write;

const PLOT: f64 = 240.0;

/// The per-bucket figures, drawn in this order: name, quantile (None: the
/// max), colour.
const QUANTILES: [(&str, Option<f64>, &str); 3] = [
    ("max", None, "#999999"),
    ("p99", Some(0.99), "#000000"),
    ("p50", Some(0.5), "#1f9e89"),
];

fn quantile(series: &SeriesReport, b: usize, q: Option<f64>) -> Option<u64> {
    let bins = &series.latency[b];
    match q {
        Some(q) => bins.quantile(q),
        None => bins.max(),
    }
}

/// The smallest and largest latency drawn, in µs.
fn range(series: &SeriesReport) -> (f64, f64) {
    let mut lo = f64::MAX;
    let mut hi: f64 = 1.0;
    let mut see = |v: f64| {
        lo = lo.min(v);
        hi = hi.max(v);
    };
    match &series.success_points {
        Some(points) => points.iter().for_each(|p| see(f64::from(p.lat_us))),
        None => (0..series.buckets())
            .flat_map(|b| QUANTILES.map(|(_, q, _)| quantile(series, b, q)))
            .flatten()
            .for_each(|v| see(v as f64)),
    }
    for p in series.failure_points.iter().flatten() {
        see(f64::from(p.lat_us));
    }
    (if lo == f64::MAX { 1.0 } else { lo }, hi)
}

fn at(frame: &Frame, scale: &Scale, p: &Point) -> (f64, f64) {
    (frame.x(p.t_us), scale.y(frame, f64::from(p.lat_us)))
}

/// Each node's writes as dots.
fn dots(series: &SeriesReport, points: &[Point], frame: &Frame, scale: &Scale) -> String {
    let mut out = String::new();
    for (i, name) in series.nodes.iter().enumerate() {
        let mine = points.iter().filter(|p| usize::from(p.node) == i);
        let _ = write!(
            out,
            "<path class=\"points\" data-series=\"{}\" stroke=\"{}\" d=\"{}\"/>",
            html(name),
            palette::node(i),
            svg::dots(mine.map(|p| at(frame, scale, p)))
        );
    }
    out
}

/// The cluster's per-bucket quantiles: step lines, and the max as dots.
fn quantile_lines(series: &SeriesReport, frame: &Frame, scale: &Scale) -> String {
    let mut out = String::new();
    for (name, q, colour) in QUANTILES {
        let buckets = (0..series.buckets()).map(|b| {
            let (from, to) = series.span(b);
            let y = quantile(series, b, q).map(|v| scale.y(frame, v as f64));
            (frame.x(from), frame.x(to), y)
        });
        let (class, d) = match q {
            Some(_) => ("series quantile", svg::steps(buckets)),
            None => (
                "points max",
                svg::dots(buckets.filter_map(|(x0, x1, y)| Some(((x0 + x1) / 2.0, y?)))),
            ),
        };
        let _ = write!(
            out,
            "<path class=\"{class}\" data-series=\"{name}\" stroke=\"{colour}\" d=\"{d}\"/>"
        );
    }
    out
}

/// Failed operations as crosses, by kind.
fn failures(points: &[Point], frame: &Frame, scale: &Scale) -> String {
    let mut out = String::new();
    for kind in KINDS {
        let mine: Vec<&Point> = points.iter().filter(|p| p.error == Some(kind)).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<path class=\"failures\" data-series=\"{}\" stroke=\"{}\" d=\"{}\"/>",
            kind.name(),
            palette::kind(kind),
            svg::crosses(mine.into_iter().map(|p| at(frame, scale, p)))
        );
    }
    out
}

pub fn chart(series: &SeriesReport, marks: &[Mark]) -> Chart {
    let frame = fault_layer::frame(marks, PLOT, series.end_us);
    let (lo, hi) = range(series);
    let scale = Scale::log(lo, hi);
    let mut body = svg::value_axis(&frame, &scale, "latency (log scale)");
    body.push_str(&svg::time_axis(&frame, frame.bottom(), frame.bottom()));
    body.push_str(&fault_layer::layer(marks, &frame, frame.bottom()));
    let mut items = Vec::new();
    let how = match &series.success_points {
        Some(points) => {
            body.push_str(&dots(series, points, &frame, &scale));
            for (i, name) in series.nodes.iter().enumerate() {
                items.push((palette::node(i), Swatch::Dot, cells::quoted(name)));
            }
            format!("each of the {} successful writes is a dot", points.len())
        }
        None => {
            body.push_str(&quantile_lines(series, &frame, &scale));
            for (name, q, colour) in QUANTILES {
                let swatch = if q.is_some() {
                    Swatch::Line
                } else {
                    Swatch::Dot
                };
                items.push((colour, swatch, format!("{name} of the cluster's writes")));
            }
            format!(
                "{} successful writes, more than can be drawn one by one: their p50, p99 and max per {}",
                series.successes_seen,
                super::duration(series.bucket_us)
            )
        }
    };
    let failed = match &series.failure_points {
        Some(points) => {
            body.push_str(&failures(points, &frame, &scale));
            for kind in KINDS {
                if points.iter().any(|p| p.error == Some(kind)) {
                    items.push((
                        palette::kind(kind),
                        Swatch::Cross,
                        format!("failed: {}", kind.name()),
                    ));
                }
            }
            "each failed operation is a cross at the time it took to fail".to_string()
        }
        None => format!(
            "the {} failed operations are too many to draw one by one: see the errors below",
            series.failures_seen
        ),
    };
    Chart {
        name: "latency",
        caption: format!("Latency over time: {how}; {failed}"),
        frame,
        scale,
        height: frame.bottom() + svg::TIME_AXIS,
        body,
        legend: legend(&items),
    }
}
