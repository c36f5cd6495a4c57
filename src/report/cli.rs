//! perseus-report's command line: options → a checked Config, or a message.

use super::export::leaderboard::{Input, Style};
use super::export::Format;
use super::leaderboard::parse_not_run;
use super::options::Options;
use crate::duration;
use crate::suite::{self, Suite};
use getopts::Matches;

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
    /// `--suite FILE` and `--not-run FILE`: for the leaderboard.
    pub board: Input,
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
    o.optflag(
        "",
        "leaderboard",
        "print the leaderboard over all runs, by scenario (with --json or --markdown: in that format)",
    );
    o.optopt(
        "",
        "suite",
        "judge the leaderboard against this suite's limits",
        "FILE",
    );
    o.optopt(
        "",
        "not-run",
        "with --suite: the repetitions the suite runner could not measure",
        "FILE",
    );
    o.optopt(
        "",
        "check-suite",
        "check a suite file, print its plan, exit",
        "FILE",
    );
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
    if let Some(info) = info(&m, &opts)? {
        return Ok(Parsed::Info(info));
    }
    let html = m.opt_str("html");
    let format = format(&m, html.is_some())?;
    if m.opt_present("errors") && !matches!(format, Some(Format::Text | Format::Table)) {
        return Err(
            "--errors adds columns to the table, which --json, --markdown and --html alone do not print".into(),
        );
    }
    let board = board(&m)?;
    let (options, max_downtime_us) = options(&m, format, html.as_deref())?;
    // A suite's leaderboard may have no run at all to show (none could start).
    if m.free.is_empty() && board.suite.is_none() {
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
        board,
        logs: m.free,
    }))
}

/// What to print instead of a report: help, the version, a suite's plan.
fn info(m: &Matches, opts: &getopts::Options) -> Result<Option<String>, String> {
    if m.opt_present("help") {
        let brief = "Usage: perseus-report [options] LOG...\n\nReplays perseus event logs (`-` reads standard input) into the per-second\ntable and a summary: outages, what each fault did, a consistency check and\nlatency; --html FILE also writes a page of charts; --leaderboard compares runs\nby scenario. Exit status: 0 fine, 1 a limit exceeded (--max-downtime, a\nsuite's limits), 2 bad input.\nDurations: 20 (seconds), 1.5s, 250ms, 2m. See docs/report.md.";
        return Ok(Some(opts.usage(brief)));
    }
    if m.opt_present("version") {
        return Ok(Some(format!(
            "perseus-report {}\n",
            env!("CARGO_PKG_VERSION")
        )));
    }
    match m.opt_str("check-suite") {
        Some(file) => load_suite(&file).map(|s| Some(plan(&s))),
        None => Ok(None),
    }
}

/// The format on standard output: None when only the page is wanted.
fn format(m: &Matches, html: bool) -> Result<Option<Format>, String> {
    let chosen: Vec<Format> = [
        ("text", Format::Text),
        ("table", Format::Table),
        ("json", Format::Json),
        ("markdown", Format::Markdown),
    ]
    .into_iter()
    .filter(|(name, _)| m.opt_present(name))
    .map(|(_, f)| f)
    .collect();
    let leaderboard = m.opt_present("leaderboard");
    let format = match chosen.as_slice() {
        [] if html && !leaderboard => None,
        [] => Some(Format::Text),
        [f] => Some(*f),
        _ => return Err("--text, --table, --json and --markdown exclude each other".into()),
    };
    if !leaderboard {
        return Ok(format);
    }
    Ok(Some(Format::Leaderboard(match format {
        Some(Format::Json) => Style::Json,
        Some(Format::Markdown) => Style::Markdown,
        Some(Format::Text) | None => Style::Text,
        _ => return Err("--leaderboard and --table exclude each other".into()),
    })))
}

/// `--suite` and `--not-run`, for the leaderboard.
fn board(m: &Matches) -> Result<Input, String> {
    let suite = match m.opt_str("suite") {
        Some(_) if !m.opt_present("leaderboard") => {
            return Err(
                "--suite gives the leaderboard its limits: use it with --leaderboard".into(),
            )
        }
        Some(file) => Some(load_suite(&file)?),
        None => None,
    };
    let not_run = match m.opt_str("not-run") {
        Some(_) if suite.is_none() => return Err("--not-run goes with --suite".into()),
        Some(file) => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{file}: cannot read: {e}"))?;
            parse_not_run(&file, &text)?
        }
        None => Vec::new(),
    };
    Ok(Input { suite, not_run })
}

/// The analysis settings, and `--max-downtime`.
fn options(
    m: &Matches,
    format: Option<Format>,
    html: Option<&str>,
) -> Result<(Options, Option<u64>), String> {
    let max_downtime_us = m
        .opt_str("max-downtime")
        .map(|d| micros(&d, "max-downtime"))
        .transpose()?;
    let mut options = Options {
        error_columns: m.opt_present("errors"),
        table_only: format == Some(Format::Table) && html.is_none() && max_downtime_us.is_none(),
        bucket_us: bucket(m, html)?,
        ..Options::default()
    };
    if let Some(gap) = m.opt_str("gap") {
        options.gap_us = micros(&gap, "gap")?;
        if options.gap_us < 1_000 {
            return Err("--gap must be at least 1ms".into());
        }
    }
    if let Some(steady) = m.opt_str("steady") {
        options.steady_us = micros(&steady, "steady")?;
    }
    Ok((options, max_downtime_us))
}

/// The HTML page's bucket, when a page is wanted.
fn bucket(m: &Matches, html: Option<&str>) -> Result<Option<u64>, String> {
    let Some(file) = html else {
        if m.opt_present("bucket") {
            return Err(
                "--bucket sets the resolution of the HTML page's charts: give --html FILE too"
                    .into(),
            );
        }
        return Ok(None);
    };
    if file.is_empty() || file == "-" {
        return Err("--html needs a file name: the page is written there".into());
    }
    let Some(bucket) = m.opt_str("bucket") else {
        return Ok(Some(DEFAULT_BUCKET_US));
    };
    let us = micros(&bucket, "bucket")?;
    if us < 1_000 {
        return Err("--bucket must be at least 1ms".into());
    }
    Ok(Some(us))
}

fn load_suite(file: &str) -> Result<Suite, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
    suite::parse(file, &text)
}

/// What `--check-suite` prints: the plan, one line per scenario, and its
/// length in run time.
fn plan(s: &Suite) -> String {
    let mut out = format!("suite {}: {} scenarios\n", s.name, s.scenarios.len());
    let mut total = 0;
    for sc in &s.scenarios {
        total += sc.duration_s * u64::from(sc.repeat);
        let settings: Vec<String> = sc
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let settings = match settings.is_empty() {
            true => String::new(),
            false => format!("\t{}", settings.join(" ")),
        };
        out.push_str(&format!(
            "{}\t{} nodes\t{}\t{} s\t{} runs\t{} faults{settings}\n",
            sc.name,
            sc.nodes,
            sc.engine,
            sc.duration_s,
            sc.repeat,
            sc.faults.len()
        ));
    }
    out.push_str(&format!("runs take {total} s of load in all\n"));
    out
}
