//! `--json`: `{"tool": ..., "runs": [summary, ...]}` with the summary's field
//! names as stable keys (docs/report.md lists them).

use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use crate::report::analysis::summary::RunSummary;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Default)]
pub struct Json {
    runs: Vec<RunSummary>,
}

#[derive(Serialize)]
struct Document<'a> {
    tool: String,
    runs: &'a [RunSummary],
}

impl Exporter for Json {
    fn run(&mut self, _out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        self.runs.extend(finished.summary.clone());
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            tool: format!("perseus-report {}", env!("CARGO_PKG_VERSION")),
            runs: &self.runs,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")
    }
}
