//! perseus-report's command line: options → a checked Config, or a message.

use super::export::Format;
use super::options::Options;
use crate::duration;

pub struct Config {
    /// What goes to standard output; None when only `--html` was asked for.
    pub format: Option<Format>,
    /// `--html FILE`: the page is written there.
    pub html: Option<String>,
    pub options: Options,
    pub max_downtime_us: Option<u64>,
    pub skip_bad: bool,
    /// Log files; `-` is standard input.
    pub logs: Vec<String>,
}

/// The charts' default time resolution: 100 ms.
pub const DEFAULT_BUCKET_US: u64 = 100_000;

pub enum Parsed {
    Run(Config),
    /// Help or version text: print it and exit 0.
    Info(String),
}

fn getopts() -> getopts::Options {
    let mut o = getopts::Options::new();
    o.optflag(
        "",
        "table",
        "print only the per-second table, as perseus printed it",
    );
    o.optflag(
        "",
        "text",
        "print the table and the summary (the default; with --html, which alone prints nothing)",
    );
    o.optflag("", "json", "print only a machine-readable summary");
    o.optflag("", "markdown", "print only the summary as Markdown tables");
    o.optopt(
        "",
        "html",
        "write a self-contained HTML page with charts to FILE (stdout keeps the other output, if one is asked for)",
        "FILE",
    );
    o.optopt(
        "",
        "bucket",
        "with --html: the charts' time resolution (default 100ms)",
        "DUR",
    );
    o.optflag("", "errors", "add the per-node error columns to the table");
    o.optopt(
        "",
        "gap",
        "a node is down in gaps between successes longer than this (default 1s)",
        "DUR",
    );
    o.optopt(
        "",
        "steady",
        "settled = every expected node up this long (default 5s)",
        "DUR",
    );
    o.optopt(
        "",
        "max-downtime",
        "exit 1 when a whole-cluster outage is longer than this",
        "DUR",
    );
    o.optflag(
        "",
        "skip-bad",
        "skip malformed lines with a warning instead of failing",
    );
    o.optflag("h", "help", "print this help");
    o.optflag("V", "version", "print the version");
    o
}

fn micros(text: &str, option: &str) -> Result<u64, String> {
    duration::parse(text)
        .map(|d| d.as_micros() as u64)
        .map_err(|e| format!("--{option}: {e}"))
}

pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let opts = getopts();
    let m = opts
        .parse(args)
        .map_err(|e| format!("{e} (see perseus-report --help)"))?;
    if m.opt_present("help") {
        let brief = "Usage: perseus-report [options] LOG...\n\nReplays perseus event logs (`-` reads standard input) into the per-second\ntable and a summary: outages, what each fault did, a consistency check and\nlatency; --html FILE also writes a page of charts. Exit status: 0 fine,\n1 --max-downtime exceeded, 2 bad input.\nDurations: 20 (seconds), 1.5s, 250ms, 2m. See docs/report.md.";
        return Ok(Parsed::Info(opts.usage(brief)));
    }
    if m.opt_present("version") {
        return Ok(Parsed::Info(format!(
            "perseus-report {}\n",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let chosen: Vec<(&str, Format)> = [
        ("text", Format::Text),
        ("table", Format::Table),
        ("json", Format::Json),
        ("markdown", Format::Markdown),
    ]
    .into_iter()
    .filter(|(name, _)| m.opt_present(name))
    .collect();
    let html = m.opt_str("html");
    let format = match chosen.as_slice() {
        [] if html.is_some() => None,
        [] => Some(Format::Text),
        [(_, f)] => Some(*f),
        _ => return Err("--text, --table, --json and --markdown exclude each other".into()),
    };
    if m.opt_present("errors") && !matches!(format, Some(Format::Text | Format::Table)) {
        return Err(
            "--errors adds columns to the table, which --json, --markdown and --html alone do not print".into(),
        );
    }
    let mut options = Options {
        error_columns: m.opt_present("errors"),
        table_only: format == Some(Format::Table) && html.is_none(),
        ..Options::default()
    };
    if let Some(file) = &html {
        if file.is_empty() || file == "-" {
            return Err("--html needs a file name: the page is written there".into());
        }
        options.bucket_us = Some(DEFAULT_BUCKET_US);
    }
    if let Some(bucket) = m.opt_str("bucket") {
        if html.is_none() {
            return Err(
                "--bucket sets the resolution of the HTML page's charts: give --html FILE too"
                    .into(),
            );
        }
        let us = micros(&bucket, "bucket")?;
        if us < 1_000 {
            return Err("--bucket must be at least 1ms".into());
        }
        options.bucket_us = Some(us);
    }
    if let Some(gap) = m.opt_str("gap") {
        options.gap_us = micros(&gap, "gap")?;
        if options.gap_us < 1_000 {
            return Err("--gap must be at least 1ms".into());
        }
    }
    if let Some(steady) = m.opt_str("steady") {
        options.steady_us = micros(&steady, "steady")?;
    }
    let max_downtime_us = match m.opt_str("max-downtime") {
        Some(d) => Some(micros(&d, "max-downtime")?),
        None => None,
    };
    if max_downtime_us.is_some() {
        options.table_only = false;
    }
    if m.free.is_empty() {
        return Err("no LOG given (a file, or - for standard input; see --help)".into());
    }
    if m.free.iter().filter(|l| *l == "-").count() > 1 {
        return Err("standard input (-) can be read only once".into());
    }
    Ok(Parsed::Run(Config {
        format,
        html,
        options,
        max_downtime_us,
        skip_bad: m.opt_present("skip-bad"),
        logs: m.free,
    }))
}
