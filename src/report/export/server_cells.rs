//! The lab servers' story rendered once, as `cells.rs` renders every other
//! fact: each step (`exited at 27.130 s (signal 6: SIGABRT)`, `SST (joiner)
//! 34.096–38.376 s`), a node's line, a down span beside an outage. Text
//! from the log is escaped here.

use super::cells::{quoted, secs};
use crate::report::analysis::servers::{ServerDown, ServerReport, Step};

/// `SST`, `IST` as Galera writes them; other kinds (`rewind`,
/// `basebackup`) as they are.
fn kind_word(kind: &str) -> String {
    match kind {
        "ist" | "sst" => kind.to_uppercase(),
        other => quoted(other),
    }
}

pub fn step(step: &Step) -> String {
    match step {
        Step::At(t_us, what) => format!("{} at {} s", quoted(what), secs(*t_us)),
        Step::Transfer {
            kind,
            side,
            from_us,
            until_us,
            failed,
        } => {
            let side = side
                .as_deref()
                .map_or(String::new(), |s| format!(" ({})", quoted(s)));
            let span = match until_us {
                Some(until) => format!("{}–{} s", secs(*from_us), secs(*until)),
                None => format!("from {} s, unfinished at the end", secs(*from_us)),
            };
            let failed = if *failed { ", failed" } else { "" };
            format!("{}{side} {span}{failed}", kind_word(kind))
        }
    }
}

/// Each node's servers, one line each: `n1 mariadbd: exited at …, …`.
pub fn stories(report: &ServerReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .stories()
        .iter()
        .map(|((node, server), steps)| {
            let steps: Vec<String> = steps.iter().map(step).collect();
            format!("{} {}: {}", quoted(node), quoted(server), steps.join(", "))
        })
        .collect();
    if report.dropped > 0 {
        lines.push(format!(
            "({} more server events past the report's limit, not shown)",
            report.dropped
        ));
    }
    lines
}

/// A server down during an outage: `mariadbd down 27.130–32.159 s (signal
/// 6: SIGABRT)`, or `… down from 27.130 s (…), not started again`.
pub fn down(d: &ServerDown) -> String {
    let how = if d.how.is_empty() {
        String::new()
    } else {
        format!(" ({})", quoted(&d.how))
    };
    match d.until_us {
        Some(until) => format!(
            "{} down {}–{} s{how}",
            quoted(&d.server),
            secs(d.from_us),
            secs(until)
        ),
        None => format!(
            "{} down from {} s{how}, not started again",
            quoted(&d.server),
            secs(d.from_us)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_reads_as_the_issue_asked() {
        let sst = Step::Transfer {
            kind: "sst".into(),
            side: Some("joiner".into()),
            from_us: 45_500_000,
            until_us: Some(47_600_000),
            failed: false,
        };
        assert_eq!(step(&sst), "SST (joiner) 45.500–47.600 s");
        let open = Step::Transfer {
            kind: "rewind".into(),
            side: None,
            from_us: 1_000_000,
            until_us: None,
            failed: false,
        };
        assert_eq!(step(&open), "rewind from 1.000 s, unfinished at the end");
        let exited = Step::At(40_300_000, "exited (signal 6: SIGABRT)".into());
        assert_eq!(step(&exited), "exited (signal 6: SIGABRT) at 40.300 s");
        let d = ServerDown {
            node: "n1".into(),
            server: "mariadbd".into(),
            from_us: 40_300_000,
            until_us: Some(45_300_000),
            how: "signal 6: SIGABRT".into(),
        };
        assert_eq!(
            down(&d),
            "mariadbd down 40.300–45.300 s (signal 6: SIGABRT)"
        );
    }
}
