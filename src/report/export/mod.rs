//! Output formats behind one small trait: each finished run is handed to the
//! exporter as soon as it ends, and the exporter is told when all have.

pub mod json;
pub mod markdown;
pub mod table;
pub mod text;

use super::run::Finished;
use std::io::{self, Write};

pub trait Exporter {
    /// One finished run, in the order of the logs.
    fn run(&mut self, out: &mut dyn Write, finished: &Finished) -> io::Result<()>;
    /// After the last run.
    fn end(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The table, then the human summary (the default).
    Text,
    Table,
    Json,
    Markdown,
}

pub fn exporter(format: Format) -> Box<dyn Exporter> {
    match format {
        Format::Text => Box::new(text::Text),
        Format::Table => Box::new(table::Table),
        Format::Json => Box::<json::Json>::default(),
        Format::Markdown => Box::<markdown::Markdown>::default(),
    }
}

/// Microseconds as milliseconds with three decimals: `1234.567`.
pub fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// Microseconds as seconds with three decimals (milliseconds): `12.345`.
pub fn secs(us: u64) -> String {
    format!("{}.{:03}", us / 1_000_000, us / 1000 % 1000)
}

/// An optional duration in ms, or `fallback`.
pub fn ms_or(us: Option<u64>, fallback: &str) -> String {
    us.map_or_else(|| fallback.to_string(), ms)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_keep_the_microseconds() {
        assert_eq!(super::ms(1_234_567), "1234.567");
        assert_eq!(super::ms(5), "0.005");
        assert_eq!(super::secs(12_345_678), "12.345");
        assert_eq!(super::ms_or(None, "never"), "never");
    }
}
