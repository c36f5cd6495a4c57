//! A server's output, line by line, and the lines that tell of an event (a
//! state transfer, synced, promoted): each engine names them with
//! `--event WHAT:TRANSFER:SIDE:TEXT`, matched as plain text. The moment is
//! when the line arrived, not the server's own stamp in it (MariaDB's has
//! whole seconds only).

use crate::event::server_what;

/// At most this much of a line is kept in an event.
pub const LINE_CHARS: usize = 300;
/// A line longer than this is split: memory stays bounded whatever a
/// server prints.
const MAX_LINE: usize = 64 * 1024;

/// `--event WHAT:TRANSFER:SIDE:TEXT`: a line containing TEXT means WHAT
/// (with a transfer's kind and side, either may be empty). For `timeline`
/// the number right after TEXT is the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePattern {
    pub what: String,
    pub transfer: Option<String>,
    pub side: Option<String>,
    pub text: String,
}

impl LinePattern {
    pub fn parse(spec: &str) -> Result<LinePattern, String> {
        let mut parts = spec.splitn(4, ':');
        let (Some(what), Some(transfer), Some(side), Some(text)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "--event '{spec}': expected WHAT:TRANSFER:SIDE:TEXT (TRANSFER and SIDE may be empty)"
            ));
        };
        if what.is_empty() || text.is_empty() {
            return Err(format!("--event '{spec}': WHAT and TEXT must not be empty"));
        }
        let word = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(LinePattern {
            what: what.to_string(),
            transfer: word(transfer),
            side: word(side),
            text: text.to_string(),
        })
    }
}

/// What a line told: the event's fields besides those of every event.
#[derive(Debug, Clone, PartialEq)]
pub struct Told {
    pub what: String,
    pub transfer: Option<String>,
    pub side: Option<String>,
    pub timeline: Option<u64>,
    pub line: String,
}

/// The first pattern the line matches, if any.
pub fn told(patterns: &[LinePattern], line: &str) -> Option<Told> {
    patterns.iter().find_map(|p| {
        let at = line.find(&p.text)?;
        let timeline = if p.what == server_what::TIMELINE {
            let rest = line[at + p.text.len()..].trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            Some(digits.parse().ok()?)
        } else {
            None
        };
        Some(Told {
            what: p.what.clone(),
            transfer: p.transfer.clone(),
            side: p.side.clone(),
            timeline,
            line: cut(line.trim_end()),
        })
    })
}

fn cut(line: &str) -> String {
    match line.char_indices().nth(LINE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// Bytes in, whole lines out (without their newline).
#[derive(Default)]
pub struct Lines {
    partial: Vec<u8>,
}

impl Lines {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' || self.partial.len() >= MAX_LINE {
                out.push(String::from_utf8_lossy(&self.partial).into_owned());
                self.partial.clear();
                if b == b'\n' {
                    continue;
                }
            }
            self.partial.push(b);
        }
        out
    }

    /// What is left without a newline at the end of the output.
    pub fn finish(&mut self) -> Option<String> {
        (!self.partial.is_empty())
            .then(|| String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> Vec<LinePattern> {
        [
            "transfer_finished:sst:joiner:rsync SST completed on joiner",
            "ready:::Synchronized with group, ready for connections",
            "timeline:::selected new timeline ID:",
        ]
        .iter()
        .map(|s| LinePattern::parse(s).expect("valid"))
        .collect()
    }

    #[test]
    fn a_line_tells_its_event_and_a_timeline_its_number() {
        let p = patterns();
        let sst = told(
            &p,
            "WSREP_SST: [INFO] rsync SST completed on joiner (20261205 21:46:06.542)\r",
        )
        .expect("matches");
        assert_eq!(
            (
                sst.what.as_str(),
                sst.transfer.as_deref(),
                sst.side.as_deref()
            ),
            ("transfer_finished", Some("sst"), Some("joiner"))
        );
        assert!(sst.line.ends_with("06.542)"), "{}", sst.line);
        let ready = told(
            &p,
            "2026-12-05 21:46:09 1 [Note] WSREP: Synchronized with group, ready for connections",
        )
        .expect("matches");
        assert_eq!((ready.what.as_str(), ready.transfer), ("ready", None));
        let tl = told(&p, "LOG:  selected new timeline ID: 3").expect("matches");
        assert_eq!(tl.timeline, Some(3));
        assert_eq!(told(&p, "LOG:  selected new timeline ID: x"), None);
        assert_eq!(told(&p, "WSREP: Shifting JOINER -> JOINED"), None);
    }

    #[test]
    fn a_long_line_is_cut_in_the_event() {
        let long = format!(
            "Synchronized with group, ready for connections {}",
            "x".repeat(1000)
        );
        let got = told(&patterns(), &long).expect("matches");
        assert_eq!(got.line.chars().count(), LINE_CHARS + 1);
    }

    #[test]
    fn bad_specs_are_refused() {
        for bad in ["ready", "ready::", ":::text", "ready:::"] {
            assert!(LinePattern::parse(bad).is_err(), "{bad}");
        }
        let colon = LinePattern::parse("timeline:::ID: x").expect("valid");
        assert_eq!(colon.text, "ID: x", "the text may hold colons");
    }

    #[test]
    fn lines_are_whole_across_reads_and_bounded() {
        let mut lines = Lines::default();
        assert_eq!(lines.push(b"ab"), Vec::<String>::new());
        assert_eq!(lines.push(b"c\nd\n\ne"), vec!["abc", "d", ""]);
        assert_eq!(lines.finish(), Some("e".to_string()));
        let huge = vec![b'x'; MAX_LINE + 10];
        let out = lines.push(&huge);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), MAX_LINE);
        assert_eq!(lines.finish(), Some("x".repeat(10)));
        assert_eq!(lines.finish(), None);
    }
}
