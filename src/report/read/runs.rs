//! The reader's consumer: splits the stream into runs, one
//! [`RunAnalysis`] per run, each handed over finished as soon as its last
//! event has been read.

use super::reader::{Consumer, Refusal};
use super::table_scan::Counted;
use crate::event::{Event, Start};
use crate::report::analysis::run_analysis::{Finished, RunAnalysis};
use crate::report::options::Options;

pub struct Runs<F: FnMut(Finished)> {
    options: Options,
    current: Option<RunAnalysis>,
    done: F,
}

impl<F: FnMut(Finished)> Runs<F> {
    pub fn new(options: Options, done: F) -> Self {
        Runs {
            options,
            current: None,
            done,
        }
    }
}

impl<F: FnMut(Finished)> Consumer for Runs<F> {
    fn start(&mut self, start: &Start, source: &str) {
        self.current = Some(RunAnalysis::new(start, source, self.options));
    }

    fn event(&mut self, event: &Event<'_>, node: Option<usize>, line: u64) -> Result<(), Refusal> {
        match self.current.as_mut() {
            Some(run) => run.event(event, node, line),
            None => Ok(()),
        }
    }

    fn counted(&mut self, op: &Counted<'_>, node: usize) -> Result<(), Refusal> {
        match self.current.as_mut() {
            Some(run) => run.counted(op, node).map_err(Refusal::Line),
            None => Ok(()),
        }
    }

    fn after_stop(&mut self) {
        if let Some(run) = self.current.as_mut() {
            run.after_stop();
        }
    }

    fn end(&mut self) -> Result<(), String> {
        if let Some(run) = self.current.take() {
            (self.done)(run.finish()?);
        }
        Ok(())
    }
}
