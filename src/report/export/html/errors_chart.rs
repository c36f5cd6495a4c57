//! Errors over time: failed operations per second in each bucket, one line
//! per error kind seen, with the faults shaded.

use super::fault_layer::{self, Mark};
use super::palette::{self, legend, Swatch};
use super::svg::{self, n, Scale, LEFT, PLOT_WIDTH};
use super::Chart;
use crate::report::analysis::series::{SeriesReport, KINDS};
use std::fmt::Write;

const PLOT: f64 = 150.0;

fn rate(series: &SeriesReport, b: usize, k: usize) -> f64 {
    let (from, to) = series.span(b);
    f64::from(series.errors[b][k]) * 1e6 / (to - from) as f64
}

pub fn chart(series: &SeriesReport, marks: &[Mark]) -> Chart {
    let frame = fault_layer::frame(marks, PLOT, series.end_us);
    let seen: Vec<usize> = (0..KINDS.len())
        .filter(|&k| series.errors.iter().any(|e| e[k] > 0))
        .collect();
    let max = (0..series.buckets())
        .flat_map(|b| seen.iter().map(move |&k| rate(series, b, k)))
        .fold(0.0, f64::max);
    let scale = Scale::linear(max);
    let mut body = svg::value_axis(&frame, &scale, "failed ops per second");
    body.push_str(&svg::time_axis(&frame, frame.bottom(), frame.bottom()));
    body.push_str(&fault_layer::layer(marks, &frame, frame.bottom()));
    let mut items = Vec::new();
    for &k in &seen {
        let kind = KINDS[k];
        let d = svg::steps((0..series.buckets()).map(|b| {
            let (from, to) = series.span(b);
            (
                frame.x(from),
                frame.x(to),
                Some(scale.y(&frame, rate(series, b, k))),
            )
        }));
        let _ = write!(
            body,
            "<path class=\"series errors\" data-series=\"{}\" stroke=\"{}\" d=\"{d}\"/>",
            kind.name(),
            palette::kind(kind)
        );
        items.push((palette::kind(kind), Swatch::Line, kind.name().to_string()));
    }
    if seen.is_empty() {
        let _ = write!(
            body,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no failed operations</text>",
            n(LEFT + PLOT_WIDTH / 2.0),
            n(frame.top + frame.height / 2.0)
        );
    }
    Chart {
        name: "errors",
        caption: format!(
            "Errors over time: failed operations per second by kind, per {}",
            super::duration(series.bucket_us)
        ),
        frame,
        scale,
        height: frame.bottom() + svg::TIME_AXIS,
        body,
        legend: legend(&items),
    }
}
