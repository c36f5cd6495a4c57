//! The faults on a chart: each period shaded from the fault to its undo
//! (or to the run's end), each instant a dashed line, every one labelled
//! with its action and node in a band above the plot. A label stays over
//! the plot (a long one is cut in the middle, one near the right edge moves
//! left to end there); labels that would overlap go to the next row of the
//! band, and one that finds no room in any row is left out (its fault keeps
//! its shading or line, and the tooltip with the whole text).

use super::label::{fit, width};
use super::palette::fault_class;
use super::svg::{n, Frame, LEFT, PLOT_WIDTH};
use crate::report::analysis::fault_effect::Shape;
use crate::report::analysis::faults::FaultReport;
use crate::report::export::cells;
use crate::text::html;
use std::fmt::Write;

/// Rows of labels at most; a label that fits in none is left out.
const MAX_ROWS: usize = 4;
/// A label row's height.
pub const ROW: f64 = 14.0;
/// The widest a label may be: a longer one is cut in the middle.
const MAX_LABEL: f64 = 180.0;
/// Room kept between two labels in a row.
const SPACE: f64 = 8.0;

/// One fault as the charts draw it.
pub struct Mark {
    pub from_us: u64,
    /// The period's end; None for an instant.
    pub to_us: Option<u64>,
    /// Not undone before the run's end.
    pub open: bool,
    /// `isolate n1` as drawn (cut to fit; not yet escaped for HTML).
    pub label: String,
    /// Where the label begins, and how wide it is drawn.
    pub label_x: f64,
    pub label_width: f64,
    /// What the tooltip says (escaped for HTML).
    pub title: String,
    pub class: &'static str,
    /// The action and node (escaped for HTML), for the page's readers and tests.
    pub action: String,
    pub node: String,
    /// The label's row in the band; None: left out, no room.
    pub row: Option<usize>,
}

fn name(f: &FaultReport) -> String {
    let c = cells::fault(f);
    format!("{} {}", c.action, c.node)
}

/// The marks of a run's faults, their labels placed in rows.
pub fn marks(faults: &[FaultReport], end_us: u64) -> Vec<Mark> {
    let mut marks: Vec<Mark> = faults
        .iter()
        .map(|f| {
            let c = cells::fault(f);
            // The fault model's pairing (`fault_effect.rs`), as the numbers have it.
            let (to_us, open, until) = match f.shape {
                Shape::Instant => (None, false, String::new()),
                Shape::Period {
                    undone_by: Some(undo),
                } if undo < faults.len() => {
                    let undo = &faults[undo];
                    let until = format!(" until {} at {} s", name(undo), cells::secs(undo.t_us));
                    (Some(undo.t_us.min(end_us)), false, until)
                }
                Shape::Period { .. } => (
                    Some(end_us),
                    true,
                    " until the run's end (not undone)".to_string(),
                ),
            };
            let mut title = format!(
                "{} at {} s{until}: downtime {} ms, partial downtime {} ms, settle {}, throughput {}",
                name(f),
                c.at,
                c.numbers.downtime,
                c.numbers.partial,
                match f.settle_us {
                    Some(_) => format!("{} ms", c.numbers.settle),
                    None => c.numbers.settle,
                },
                cells::throughput(f)
            );
            if let Some(words) = cells::in_force_words(f) {
                title.push_str(&format!("; {words}"));
            }
            Mark {
                from_us: f.t_us,
                to_us,
                open,
                label: fit(&name(f), MAX_LABEL),
                label_x: 0.0,
                label_width: 0.0,
                title: html(&title).into_owned(),
                class: fault_class(&f.action),
                action: html(&f.action).into_owned(),
                node: html(&c.node).into_owned(),
                row: None,
            }
        })
        .collect();
    place(&mut marks, end_us);
    marks
}

/// Puts each label in the first row where it begins after the end of the
/// row's last label, within the plot's width: from just right of its fault,
/// or ending at the plot's right edge when it would run past it.
fn place(marks: &mut [Mark], end_us: u64) {
    let frame = Frame {
        top: 0.0,
        height: 0.0,
        end_us,
    };
    let right = LEFT + PLOT_WIDTH;
    let mut reach = [f64::MIN; MAX_ROWS];
    for m in marks.iter_mut() {
        m.label_width = width(&m.label);
        m.label_x = (frame.x(m.from_us) + 3.0)
            .min(right - m.label_width)
            .max(LEFT);
        m.row = reach.iter().position(|&r| r <= m.label_x);
        if let Some(row) = m.row {
            reach[row] = m.label_x + m.label_width + SPACE;
        }
    }
}

/// The label band's height for these marks.
fn band(marks: &[Mark]) -> f64 {
    let rows = marks
        .iter()
        .filter_map(|m| m.row)
        .map(|r| r + 1)
        .max()
        .unwrap_or(0);
    6.0 + rows as f64 * ROW
}

/// A note under the charts when some fault's label found no room; nothing
/// when every one has its label.
pub fn left_out(marks: &[Mark]) -> String {
    let hidden = marks.iter().filter(|m| m.row.is_none()).count();
    if hidden == 0 {
        return String::new();
    }
    format!(
        "<p class=\"none\">{hidden} of the {} faults have no label on the charts for lack of room: each is still shaded or drawn as a line, with its numbers on hover and in the Faults table.</p>",
        marks.len()
    )
}

/// A plot's frame, under the label band these marks need.
pub fn frame(marks: &[Mark], height: f64, end_us: u64) -> Frame {
    Frame {
        top: band(marks),
        height,
        end_us,
    }
}

/// The marks over a chart: shading from the plot's top to `bottom`, labels
/// in the band above the plot.
pub fn layer(marks: &[Mark], frame: &Frame, bottom: f64) -> String {
    let mut out = String::from("<g class=\"faults\">");
    for m in marks {
        let x = frame.x(m.from_us);
        let _ = write!(
            out,
            "<g class=\"fault {}\" data-action=\"{}\" data-node=\"{}\" data-from-us=\"{}\"",
            m.class, m.action, m.node, m.from_us
        );
        match m.to_us {
            Some(to) => {
                let _ = write!(
                    out,
                    " data-to-us=\"{to}\"{}><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                    if m.open { " data-open=\"true\"" } else { "" },
                    m.title,
                    n(x),
                    n(frame.top),
                    n((frame.x(to) - x).max(1.0)),
                    n(bottom - frame.top)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "><title>{}</title><line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/>",
                    m.title,
                    n(frame.top),
                    n(bottom),
                    x = n(x)
                );
            }
        }
        if let Some(row) = m.row {
            let label_y = 4.0 + (row as f64 + 1.0) * ROW - 3.0;
            // Drawn at the width reckoned: what was placed apart stays apart.
            let _ = write!(
                out,
                "<line class=\"tick\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\">{}</text>",
                n(label_y + 3.0),
                n(frame.top),
                n(m.label_x),
                n(label_y),
                n(m.label_width),
                html(&m.label),
                x = n(x)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
    out
}
