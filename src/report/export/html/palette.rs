//! The page's colours, each with one meaning: a node's (its line, its dots,
//! its outage bars), an error kind's (its crosses and its line), a fault
//! kind's shading; and the HTML legends that name them.

use crate::event::ErrorKind;
use crate::report::analysis::fault_effect::action_name;
use std::fmt::Write;

/// Node colours, in the order of the run's nodes (repeating past ten).
const NODES: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#17becf", "#bcbd22", "#8c564b", "#7f7f7f", "#aec7e8",
    "#ffbb78", "#98df8a",
];

/// The whole cluster's line and outage bars.
pub const CLUSTER: &str = "#222222";

pub fn node(i: usize) -> &'static str {
    NODES[i % NODES.len()]
}

pub fn kind(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::Server => "#d62728",
        ErrorKind::Timeout => "#9467bd",
        ErrorKind::Connect => "#e377c2",
        ErrorKind::Io => "#6b3d1e",
        ErrorKind::Driver => "#000000",
        ErrorKind::NoRow => "#999999",
        ErrorKind::ReadOnly => "#17becf",
    }
}

/// A fault's class on the page (and in the stylesheet): what kind of harm.
pub fn fault_class(action: &str) -> &'static str {
    match action_name(action) {
        "isolate" | "isolate-in" | "isolate-out" | "partition" => "cut",
        "kill" | "pause" => "down",
        "loss" | "bandwidth" | "delay" => "slow",
        _ => "mark",
    }
}

/// How a legend shows an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    Line,
    Dot,
    Cross,
}

/// An HTML legend: a colour sample and a name per item (the name escaped
/// here).
pub fn legend(items: &[(&str, Swatch, String)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (colour, swatch, name) in items {
        let name = crate::text::html(name);
        let _ = match swatch {
            Swatch::Line => write!(
                out,
                "<li><span class=\"sw line\" style=\"background:{colour}\"></span>{name}</li>"
            ),
            Swatch::Dot => write!(
                out,
                "<li><span class=\"sw dot\" style=\"background:{colour}\"></span>{name}</li>"
            ),
            Swatch::Cross => write!(
                out,
                "<li><span class=\"sw cross\" style=\"color:{colour}\">×</span>{name}</li>"
            ),
        };
    }
    out.push_str("</ul>");
    out
}
