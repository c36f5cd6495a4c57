//! The export stage: finished runs (`analysis::run_analysis::Finished`) in,
//! one output format's bytes out. Output formats behind one small trait:
//! each finished run is handed to the exporter as soon as it ends, and the
//! exporter is told when all have. `cells.rs` renders each fact once
//! (numbers, fault and outage rows, the words for "no value"); the formats
//! arrange those cells. Each format's output is pinned byte for byte by
//! tests/export.rs. `html.rs` writes the page of `--html FILE`, beside
//! whichever of the others goes to stdout.
//!
//! - `cells.rs`: every fact of a summary rendered once, as text cells.
//! - `server_cells.rs`: the lab servers' story rendered once.
//! - `text.rs`: the default: the per-second table, then the summary as `#` lines.
//! - `table.rs`: `--table`: only the per-second table.
//! - `json.rs`: `--json`: the summaries, their field names as stable keys.
//! - `markdown.rs`: `--markdown`: a comparison row per run, then its tables.
//! - `leaderboard.rs`: `--leaderboard`: `report::leaderboard` as text, Markdown, JSON.
//! - `html.rs`: `--html FILE`: the page; its parts (charts, tables, board) in `html/`.

pub mod cells;
pub mod html;
pub mod json;
pub mod leaderboard;
pub mod markdown;
pub mod server_cells;
pub mod table;
pub mod text;

use crate::report::analysis::run_analysis::Finished;
use std::io::{self, Write};

pub trait Exporter {
    /// One finished run, in the order of the logs.
    fn run(&mut self, out: &mut dyn Write, finished: &Finished) -> io::Result<()>;
    /// After the last run.
    fn end(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// After `end`: limits the runs exceeded (the exit status is then 1).
    fn failures(&self) -> Vec<String> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The table, then the human summary (the default).
    Text,
    Table,
    Json,
    Markdown,
    /// The leaderboard over every run, in one of its styles.
    Leaderboard(leaderboard::Style),
}

/// The exporter of a format; `board` is what the leaderboard needs besides
/// the runs.
pub fn exporter(format: Format, board: leaderboard::Input) -> Box<dyn Exporter> {
    match format {
        Format::Text => Box::new(text::Text),
        Format::Table => Box::new(table::Table),
        Format::Json => Box::<json::Json>::default(),
        Format::Markdown => Box::<markdown::Markdown>::default(),
        Format::Leaderboard(style) => Box::new(leaderboard::LeaderboardExporter::new(style, board)),
    }
}
