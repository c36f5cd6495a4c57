//! perseus-report's main: read each log, hand finished runs to the exporter
//! of standard output and to the HTML page's, check `--max-downtime`.
//! Exit 0, 1 (downtime over the limit), 2 (bad input, or the page could not
//! be written).

use super::analysis::run_analysis::Finished;
use super::cli::{self, Config, Parsed};
use super::export::leaderboard::Input;
use super::export::{self, cells::ms, html::Html, Exporter, Format};
use super::output_file::OutputFile;
use super::read::reader::Fatal;
use std::fs::File;
use std::io::{self, Read, Write};

/// Runs perseus-report with these arguments (without the program name).
pub fn main(args: &[String]) -> i32 {
    let config = match cli::parse(args) {
        Ok(Parsed::Info(text)) => {
            print!("{text}");
            return 0;
        }
        Ok(Parsed::Run(config)) => config,
        Err(e) => {
            eprintln!("perseus-report: {e}");
            return 2;
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = run(&config, &mut out);
    match out.flush() {
        Err(e) if code != 1 => write_failed(e),
        _ => code,
    }
}

/// Exit code for an output error. A closed pipe (`| head`) is the reader's
/// choice, not a failure; the --max-downtime verdict still decides the code.
fn write_failed(e: io::Error) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return 0;
    }
    eprintln!("perseus-report: cannot write the output: {e}");
    2
}

fn open(name: &str) -> Result<Box<dyn Read>, Fatal> {
    if name == "-" {
        return Ok(Box::new(io::stdin()));
    }
    File::open(name)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| Fatal {
            file: name.to_string(),
            line: None,
            msg: format!("cannot open: {e}"),
        })
}

/// The HTML page and the file it goes to.
struct Page {
    html: Html,
    file: OutputFile,
    error: Option<io::Error>,
}

impl Page {
    fn create(path: &Option<String>, board: Option<Input>) -> Result<Option<Page>, String> {
        let Some(path) = path else {
            return Ok(None);
        };
        Ok(Some(Page {
            html: board.map_or_else(Html::default, Html::with_leaderboard),
            file: OutputFile::create(path)?,
            error: None,
        }))
    }

    fn run(&mut self, finished: &Finished) {
        if self.error.is_none() {
            self.error = self.html.run(self.file.writer(), finished).err();
        }
    }

    /// Writes the page and puts it in place; a message when it failed.
    fn finish(mut self) -> Result<(), String> {
        let path = self.file.path().display().to_string();
        let done = match self.error.take() {
            Some(e) => Err(e),
            None => self
                .html
                .end(self.file.writer())
                .and_then(|()| self.file.commit()),
        };
        done.map_err(|e| format!("cannot write {path}: {e}"))
    }
}

fn run(config: &Config, out: &mut dyn Write) -> i32 {
    let mut sinks = match Sinks::new(config) {
        Ok(sinks) => sinks,
        Err(e) => {
            eprintln!("perseus-report: --html: {e}");
            return 2;
        }
    };
    let mut warn = |w: String| eprintln!("perseus-report: {w}");
    for name in &config.logs {
        let mut done = |finished: Finished| sinks.take(name, &finished, out);
        let read = open(name).and_then(|input| {
            super::analyze(
                name,
                input,
                config.options,
                config.skip_bad,
                &mut done,
                &mut warn,
            )
        });
        if let Err(fatal) = read {
            eprintln!("perseus-report: {fatal}");
            return 2;
        }
    }
    sinks.finish(out)
}

/// Where each finished run goes: the exporter of standard output, the
/// page, the `--max-downtime` check; and what went wrong on the way.
struct Sinks {
    exporter: Option<Box<dyn Exporter>>,
    page: Option<Page>,
    max_downtime_us: Option<u64>,
    too_long: Vec<String>,
    write_error: Option<io::Error>,
}

impl Sinks {
    fn new(config: &Config) -> Result<Sinks, String> {
        let exporter = config
            .format
            .map(|format| export::exporter(format, config.board.clone()));
        let board =
            matches!(config.format, Some(Format::Leaderboard(_))).then(|| config.board.clone());
        Ok(Sinks {
            exporter,
            page: Page::create(&config.html, board)?,
            max_downtime_us: config.max_downtime_us,
            too_long: Vec::new(),
            write_error: None,
        })
    }

    fn take(&mut self, name: &str, finished: &Finished, out: &mut dyn Write) {
        for w in &finished.warnings {
            eprintln!(
                "perseus-report: {name}: warning: {}",
                crate::text::escape(w)
            );
        }
        self.too_long
            .extend(over_limit(finished, self.max_downtime_us));
        // After an output error keep reading: --max-downtime still needs every run.
        if let (None, Some(exporter)) = (&self.write_error, self.exporter.as_mut()) {
            self.write_error = exporter.run(out, finished).err();
        }
        if let Some(page) = self.page.as_mut() {
            page.run(finished);
        }
    }

    /// Ends the outputs and says how the report ends: 2 when the page could
    /// not be written, 1 when a limit was exceeded, else as standard output
    /// went.
    fn finish(mut self, out: &mut dyn Write) -> i32 {
        if let (None, Some(exporter)) = (&self.write_error, self.exporter.as_mut()) {
            self.write_error = exporter.end(out).err();
        }
        let page_error = self.page.and_then(|p| p.finish().err());
        if let Some(exporter) = self.exporter.as_ref() {
            self.too_long.extend(exporter.failures());
        }
        for message in &self.too_long {
            eprintln!("perseus-report: {message}");
        }
        if let Some(e) = page_error {
            eprintln!("perseus-report: {e}");
            return 2;
        }
        if !self.too_long.is_empty() {
            1
        } else if let Some(e) = self.write_error {
            write_failed(e)
        } else {
            0
        }
    }
}

/// The run's whole-cluster outages longer than the limit, described.
fn over_limit(finished: &Finished, limit_us: Option<u64>) -> Vec<String> {
    let (Some(limit), Some(s)) = (limit_us, &finished.summary) else {
        return Vec::new();
    };
    s.cluster_outages()
        .filter(|o| o.duration_us > limit)
        .map(|o| {
            format!(
                "run {}: whole-cluster outage of {} ms from t_us {} to {} is longer than --max-downtime {} ms",
                s.run,
                ms(o.duration_us),
                o.start_us,
                o.end_us,
                ms(limit)
            )
        })
        .collect()
}
