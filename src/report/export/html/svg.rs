//! What every chart shares: the frame (where a time and a value fall in the
//! SVG), the axes with their units, and compact paths. Coordinates are in
//! the viewBox's units, 1000 across; the page scales the SVG to its width.
//! Paths are written with as few commands as draw the same picture (a step
//! line says only where it changes; points on the same spot are drawn once),
//! so a long run still makes a small page.

use std::fmt::Write;

/// The viewBox's width.
pub const WIDTH: f64 = 1000.0;
/// Room left of the plot for the value axis.
pub const LEFT: f64 = 72.0;
/// Room right of the plot.
const RIGHT: f64 = 14.0;
/// The plot's width.
pub const PLOT_WIDTH: f64 = WIDTH - LEFT - RIGHT;
/// Room under the plot for the time axis's labels and title.
pub const TIME_AXIS: f64 = 34.0;

/// Where the plot is, and the span of time it shows: 0 to the run's end.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub top: f64,
    pub height: f64,
    pub end_us: u64,
}

impl Frame {
    pub fn x(&self, t_us: u64) -> f64 {
        let end = self.end_us.max(1) as f64;
        LEFT + PLOT_WIDTH * (t_us.min(self.end_us) as f64 / end)
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// The value axis: linear from 0, or logarithmic over whole decades.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    Linear {
        max: f64,
    },
    /// From 10^lo to 10^hi.
    Log {
        lo: i32,
        hi: i32,
    },
}

impl Scale {
    /// A linear scale from 0 to a round number at or above `max`.
    pub fn linear(max: f64) -> Scale {
        let step = nice_step(max.max(1.0), 5.0);
        Scale::Linear {
            max: (max.max(1.0) / step).ceil() * step,
        }
    }

    /// A log scale over the decades holding every value in [min, max]
    /// (values below 1 count as 1).
    pub fn log(min: f64, max: f64) -> Scale {
        let lo = min.max(1.0).log10().floor() as i32;
        let hi = (max.max(1.0).log10().ceil() as i32).max(lo + 1);
        Scale::Log { lo, hi }
    }

    /// The y coordinate of a value, clamped to the plot.
    pub fn y(&self, frame: &Frame, v: f64) -> f64 {
        let share = match *self {
            Scale::Linear { max } => v / max,
            Scale::Log { lo, hi } => (v.max(1.0).log10() - f64::from(lo)) / f64::from(hi - lo),
        };
        frame.bottom() - frame.height * share.clamp(0.0, 1.0)
    }

    /// The values that get a grid line and a label.
    fn ticks(&self) -> Vec<f64> {
        match *self {
            Scale::Linear { max } => {
                let step = nice_step(max, 5.0);
                (0..=((max / step).round() as u32))
                    .map(|i| f64::from(i) * step)
                    .collect()
            }
            // A scale of one or two decades also gets 2 and 5 times each.
            Scale::Log { lo, hi } => (lo..=hi)
                .flat_map(|e| {
                    let between: &[f64] = if hi - lo <= 2 && e < hi {
                        &[1.0, 2.0, 5.0]
                    } else {
                        &[1.0]
                    };
                    between.iter().map(move |m| m * 10f64.powi(e))
                })
                .collect(),
        }
    }
}

/// 1, 2 or 5 times a power of ten, near range / ticks.
fn nice_step(range: f64, ticks: f64) -> f64 {
    let raw = (range / ticks).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let f = raw / magnitude;
    let n = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * magnitude
}

/// A number with at most one decimal, as coordinates are written.
pub fn num(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    let _ = if tenths % 10 == 0 {
        write!(out, "{}", tenths / 10)
    } else {
        write!(out, "{:.1}", tenths as f64 / 10.0)
    };
}

pub fn n(v: f64) -> String {
    let mut s = String::new();
    num(&mut s, v);
    s
}

/// A count per second as the axis labels it: `950`, `1200`, `12k`.
pub fn count_label(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{}k", n(v / 1000.0))
    } else {
        n(v)
    }
}

/// A latency in µs as the axis labels it: `100 µs`, `1 ms`, `10 s`.
pub fn latency_label(us: f64) -> String {
    if us >= 1e6 {
        format!("{} s", n(us / 1e6))
    } else if us >= 1e3 {
        format!("{} ms", n(us / 1e3))
    } else {
        format!("{} µs", n(us))
    }
}

/// The unit the time axis counts in: seconds, minutes or hours, so that its
/// labels stay short however long the run.
fn time_unit(end_us: u64) -> (&'static str, f64) {
    const MINUTE: u64 = 60_000_000;
    if end_us <= 20 * MINUTE {
        ("s", 1e6)
    } else if end_us <= 20 * 60 * MINUTE {
        ("min", 60e6)
    } else {
        ("h", 3600e6)
    }
}

/// Vertical grid lines over [top, grid_bottom], and under `labels_at` the
/// time labels and the axis's title.
pub fn time_axis(frame: &Frame, grid_bottom: f64, labels_at: f64) -> String {
    let (unit, per) = time_unit(frame.end_us);
    let span = frame.end_us as f64 / per;
    let step = nice_step(span.max(1e-3), 10.0);
    let mut out = String::from("<g class=\"axis time\">");
    let mut i = 0u32;
    loop {
        let v = f64::from(i) * step;
        if v > span + step * 1e-9 {
            break;
        }
        let x = n(frame.x((v * per).round() as u64));
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            n(frame.top),
            n(grid_bottom),
            n(labels_at + 12.0),
            n(v)
        );
        i += 1;
    }
    let _ = write!(
        out,
        "<text class=\"title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">time since the start ({unit})</text></g>",
        n(LEFT + PLOT_WIDTH / 2.0),
        n(labels_at + 28.0)
    );
    out
}

/// Horizontal grid lines with their labels, and the axis's title (with its
/// unit) turned along the axis.
pub fn value_axis(frame: &Frame, scale: &Scale, title: &str) -> String {
    let mut out = String::from("<g class=\"axis value\">");
    for v in scale.ticks() {
        let y = n(scale.y(frame, v));
        let label = match scale {
            Scale::Linear { .. } => count_label(v),
            Scale::Log { .. } => latency_label(v),
        };
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><text x=\"{}\" y=\"{y}\" dy=\"0.32em\" text-anchor=\"end\">{label}</text>",
            n(LEFT),
            n(LEFT + PLOT_WIDTH),
            n(LEFT - 5.0)
        );
    }
    let (x, y) = (n(14.0), n(frame.top + frame.height / 2.0));
    let _ = write!(
        out,
        "<text class=\"title\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" transform=\"rotate(-90 {x} {y})\">{}</text><rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></g>",
        crate::text::html(title),
        n(LEFT),
        n(frame.top),
        n(PLOT_WIDTH),
        n(frame.height)
    );
    out
}

/// A step line's `d`: each item spans [x0, x1] at height y, or is a gap
/// (None). Only changes are written.
pub fn steps(items: impl Iterator<Item = (f64, f64, Option<f64>)>) -> String {
    let mut d = String::new();
    // The height being drawn and how far it reaches so far.
    let mut current: Option<(i64, f64)> = None;
    let tenths = |v: f64| (v * 10.0).round() as i64;
    for (x0, x1, y) in items {
        match (current, y) {
            (Some((_, reach)), None) => {
                d.push('H');
                num(&mut d, reach);
                current = None;
            }
            (None, None) => {}
            (None, Some(y)) => {
                d.push('M');
                num(&mut d, x0);
                d.push(' ');
                num(&mut d, y);
                current = Some((tenths(y), x1));
            }
            (Some((at, _)), Some(y)) if at == tenths(y) => current = Some((at, x1)),
            (Some((_, reach)), Some(y)) => {
                d.push('H');
                num(&mut d, reach);
                d.push('V');
                num(&mut d, y);
                current = Some((tenths(y), x1));
            }
        }
    }
    if let Some((_, reach)) = current {
        d.push('H');
        num(&mut d, reach);
    }
    d
}

/// The distinct whole-unit spots of these points, each once, in order.
fn spots(points: impl Iterator<Item = (f64, f64)>) -> Vec<(u32, u32)> {
    let mut keys: Vec<u32> = points
        .map(|(x, y)| {
            let (x, y) = (x.round().clamp(0.0, 4095.0), y.round().clamp(0.0, 4095.0));
            ((x as u32) << 12) | y as u32
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().map(|k| (k >> 12, k & 0xfff)).collect()
}

/// Dots (zero-length strokes with round caps) at these points, one per
/// whole unit of the viewBox: the same picture as one per point.
pub fn dots(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (x, y) in spots(points) {
        let _ = write!(d, "M{x} {y}h0");
    }
    d
}

/// Small crosses at these points, one per whole unit.
pub fn crosses(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (x, y) in spots(points) {
        let (x, y) = (i64::from(x) - 3, i64::from(y) - 3);
        let _ = write!(d, "M{x} {y}l6 6m0-6l-6 6");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_line_says_only_where_it_changes() {
        let items = [
            (0.0, 10.0, Some(5.0)),
            (10.0, 20.0, Some(5.0)),
            (20.0, 30.0, Some(7.25)),
            (30.0, 40.0, None),
            (40.0, 50.0, Some(1.0)),
        ];
        assert_eq!(steps(items.into_iter()), "M0 5H20V7.3H30M40 1H50");
    }

    #[test]
    fn points_on_one_spot_are_drawn_once() {
        let d = dots([(10.2, 5.0), (9.8, 5.4), (11.0, 5.0)].into_iter());
        assert_eq!(d, "M10 5h0M11 5h0");
        assert_eq!(crosses([(10.0, 10.0)].into_iter()), "M7 7l6 6m0-6l-6 6");
    }

    #[test]
    fn scales_are_round() {
        let frame = Frame {
            top: 0.0,
            height: 100.0,
            end_us: 60_000_000,
        };
        assert!(matches!(Scale::linear(2_734.0), Scale::Linear { max } if max == 3_000.0));
        assert!(matches!(
            Scale::log(180.0, 3_100_000.0),
            Scale::Log { lo: 2, hi: 7 }
        ));
        let log = Scale::log(0.0, 0.0);
        assert_eq!(log.y(&frame, 1.0), 100.0);
        assert_eq!(frame.x(30_000_000), LEFT + PLOT_WIDTH / 2.0);
        assert_eq!(latency_label(1e5), "100 ms");
        assert_eq!(count_label(12_500.0), "12.5k");
        assert_eq!(time_unit(3_600_000_000).0, "min");
    }
}
