//! `--table`: only the per-second table, byte for byte as perseus printed it.

use super::Exporter;
use crate::report::analysis::run_analysis::Finished;
use std::io::{self, Write};

pub struct Table;

impl Exporter for Table {
    fn run(&mut self, out: &mut dyn Write, finished: &Finished) -> io::Result<()> {
        finished.write_table(out)
    }

    fn end(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
