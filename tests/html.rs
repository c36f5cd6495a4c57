//! `perseus-report --html`: the page read by a real browser (Debian's
//! chromium, headless). For hand-written logs whose shape is known, the page
//! loads with no console message (no script error, nothing blocked), its
//! screenshot shows the charts, and the DOM chromium built holds the
//! charts, their series and the fault labels — and the series say what the
//! log says: node n1 at zero between the isolation and its recovery. Also:
//! a run without faults, one node, a run of one second, several runs, text
//! from the log that looks like markup, a 10-minute run (the page stays
//! small), and the command line's errors.

mod common;

use common::browser::{self, console_messages};
use common::log::{hostile_log, Log, Scenario};
use common::mariadb::scratch_dir;
use common::report::{no_raw_controls, report};
use perseus::event::ErrorKind;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

/// Runs `perseus-report --html PAGE` (plus `extra`) on the log; returns the
/// page's path and the report's stdout.
fn page(name: &str, log: &[u8], extra: &[&str]) -> (PathBuf, String) {
    let dir = scratch_dir(&format!("html-{name}"));
    let page = dir.join(format!("{name}.html"));
    let path = page.to_str().expect("utf8 path");
    let mut args = vec!["--html", path];
    args.extend_from_slice(extra);
    args.push("-");
    let out = report(&args, log);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(!html.contains("://"), "the page names no URL");
    assert!(!html.contains("<script"), "the page runs no script");
    (page, String::from_utf8(out.stdout).expect("utf8"))
}

/// Loads the page in chromium: it must log nothing, and hold three charts.
fn load(page: &Path) -> String {
    let loaded = browser::load(page);
    assert_eq!(loaded.console, Vec::<String>::new(), "console messages");
    for chart in ["throughput", "latency", "errors"] {
        assert!(
            loaded.dom.contains(&format!("data-chart=\"{chart}\"")),
            "no {chart} chart"
        );
    }
    loaded.dom
}

/// A screenshot of the page shows many colours, at least `pixels` of the
/// fault `shading`, and n1's colour on its line.
fn sees(page: &Path, shading: (u8, u8, u8), pixels: usize) -> browser::Picture {
    let png = browser::screenshot(page);
    let n1_blue = (0x1f, 0x77, 0xb4);
    let picture = browser::look(&png, &[shading, n1_blue]);
    assert!(picture.colours > 50, "{} colours", picture.colours);
    let [band, n1] = [picture.near[0], picture.near[1]];
    assert!(band > pixels, "shading: {band} pixels");
    assert!(n1 > 50, "n1's colour: {n1} pixels");
    picture
}

/// A test passed: its scratch directory goes (a failing one keeps it, page
/// and screenshot, to look at).
fn clean(page: &Path) {
    if let Some(dir) = page.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The text between `from` (after it) and the next `to`.
fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from}")) + from.len();
    let len = text[start..].find(to).unwrap_or_else(|| panic!("no {to}"));
    &text[start..start + len]
}

/// A chart's SVG element, as chromium serialised it.
fn chart<'a>(dom: &'a str, name: &str) -> &'a str {
    let at = dom
        .find(&format!("data-chart=\"{name}\""))
        .unwrap_or_else(|| panic!("no chart {name}"));
    let svg_start = dom[..at].rfind("<svg").expect("<svg");
    let len = dom[svg_start..].find("</svg>").expect("</svg>");
    &dom[svg_start..svg_start + len]
}

fn number(svg: &str, attribute: &str) -> f64 {
    between(svg, &format!("{attribute}=\""), "\"")
        .parse()
        .unwrap_or_else(|_| panic!("{attribute} is not a number"))
}

/// A step line's horizontal runs, as (from µs, to µs, value), read back from
/// the path's `d` with the geometry the SVG carries.
fn runs(svg: &str, series: &str) -> Vec<(f64, f64, f64)> {
    let (x0, x1, end) = (
        number(svg, "data-x0"),
        number(svg, "data-x1"),
        number(svg, "data-end-us"),
    );
    let (ylo, yhi, hi) = (
        number(svg, "data-y-lo"),
        number(svg, "data-y-hi"),
        number(svg, "data-hi"),
    );
    let path = between(svg, &format!("data-series=\"{series}\""), ">");
    let d = between(path, "d=\"", "\"");
    let t = |x: f64| (x - x0) / (x1 - x0) * end;
    let value = |y: f64| (ylo - y) / (ylo - yhi) * hi;
    let mut out = Vec::new();
    let (mut x, mut y) = (0.0, 0.0);
    let mut i = 0;
    let bytes = d.as_bytes();
    let read = |i: &mut usize| -> f64 {
        let start = *i;
        while *i < bytes.len()
            && (bytes[*i] == b'.' || bytes[*i] == b'-' || bytes[*i].is_ascii_digit())
        {
            *i += 1;
        }
        d[start..*i].parse().expect("a number in d")
    };
    while i < bytes.len() {
        let command = bytes[i];
        i += 1;
        match command {
            b'M' => {
                x = read(&mut i);
                i += 1; // the space
                y = read(&mut i);
            }
            b'H' => {
                let to = read(&mut i);
                out.push((t(x), t(to), value(y)));
                x = to;
            }
            b'V' => y = read(&mut i),
            other => panic!("unexpected {} in {d}", other as char),
        }
    }
    out
}

/// The values a step line takes over (from, to) µs.
fn levels(runs: &[(f64, f64, f64)], from: u64, to: u64) -> Vec<f64> {
    runs.iter()
        .filter(|(a, b, _)| *b > from as f64 && *a < to as f64)
        .map(|r| r.2)
        .collect()
}

/// Whether a step line stays at `want` over (from, to) µs: within 1% (the
/// SVG's coordinates are rounded to a tenth of a unit), exactly for zero.
fn stays(runs: &[(f64, f64, f64)], from: u64, to: u64, want: f64) -> bool {
    let within = levels(runs, from, to);
    !within.is_empty() && within.iter().all(|v| (v - want).abs() <= want * 0.01)
}

/// Three nodes writing every 20 ms for 12 s. n1 is isolated at 4 s and let
/// back at 8 s; it writes again from 8.5 s, and answers with ERROR 1047
/// while cut off. The whole cluster stalls from 4 s to 5.2 s.
fn isolation_log() -> Vec<u8> {
    let mut s = Scenario::default();
    s.successes("n1", 20 * MS, 12 * S, 20 * MS, &[(4 * S, 8_500 * MS)])
        .successes("n2", 20 * MS, 12 * S, 20 * MS, &[(4 * S, 5_200 * MS)])
        .successes("n3", 20 * MS, 12 * S, 20 * MS, &[(4 * S, 5_200 * MS)])
        .fault(4 * S, "isolate", "n1", Some(0))
        .fault(8 * S, "rejoin", "n1", Some(0));
    let mut t = 5_300 * MS;
    while t < 8 * S {
        s.error(
            t,
            "n1",
            ErrorKind::Server,
            Some(1047),
            "WSREP has not yet prepared node for application use",
        );
        t += 100 * MS;
    }
    s.log(&["n1", "n2", "n3"], Some(12 * S))
}

#[test]
fn the_isolation_is_drawn_where_the_log_has_it() {
    let (page, stdout) = page("isolation", &isolation_log(), &[]);
    assert_eq!(stdout, "", "--html alone prints nothing on stdout");
    let dom = load(&page);
    for id in [
        "run-r1",
        "run-r1-throughput",
        "run-r1-latency",
        "run-r1-errors",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "no #{id}");
    }

    let throughput = chart(&dom, "throughput");
    let n1 = runs(throughput, "n1");
    // Buckets of 100 ms: n1's last success is at 4.0 s, its next at 8.5 s.
    assert!(
        stays(&n1, 4_150 * MS, 8_450 * MS, 0.0),
        "n1 writes nothing between the isolation and its recovery: {n1:?}"
    );
    assert!(
        stays(&n1, 150 * MS, 3_950 * MS, 50.0),
        "n1 writes 50 times a second before: {n1:?}"
    );
    assert!(stays(&n1, 8_550 * MS, 11_850 * MS, 50.0), "and after");
    let cluster = runs(throughput, "cluster");
    assert!(stays(&cluster, 4_150 * MS, 5_150 * MS, 0.0));
    assert!(stays(&cluster, 5_250 * MS, 8_450 * MS, 100.0));
    for series in ["n2", "n3"] {
        assert!(throughput.contains(&format!("data-series=\"{series}\"")));
    }

    // The isolation is shaded from the fault to the rejoin and labelled; the
    // rejoin is a line of its own.
    assert!(throughput.contains(
        "<g class=\"fault cut\" data-action=\"isolate\" data-node=\"n1\" data-from-us=\"4000000\" data-to-us=\"8000000\">"
    ));
    assert!(throughput.contains(">isolate n1</text>"));
    assert!(
        throughput.contains("data-action=\"rejoin\" data-node=\"n1\" data-from-us=\"8000000\">")
    );
    assert!(throughput.contains(">rejoin n1</text>"));
    // Outage bars: n1's and the whole cluster's.
    assert!(throughput.contains("data-from-us=\"4000000\" data-to-us=\"8500000\""));
    assert!(throughput.contains("data-from-us=\"4000000\" data-to-us=\"5200000\""));

    let latency = chart(&dom, "latency");
    for series in ["n1", "n2", "n3", "server"] {
        assert!(
            latency.contains(&format!("data-series=\"{series}\"")),
            "latency {series}"
        );
    }
    assert!(latency.contains(">isolate n1</text>"));
    let errors = runs(chart(&dom, "errors"), "server");
    assert!(stays(&errors, 5_350 * MS, 7_950 * MS, 10.0), "{errors:?}");
    assert!(stays(&errors, 0, 5_250 * MS, 0.0));

    // The tables: the fault's numbers, the outages, the latency.
    assert!(dom.contains("<td>isolate</td>"));
    assert!(dom.contains("server:1047 ×27"));

    // A person sees it: many colours, the shading, n1's colour.
    let picture = sees(&page, (251, 228, 228), 5_000);
    assert!(
        picture.inked > 0.05,
        "{} of the pixels inked",
        picture.inked
    );
    clean(&page);
}

#[test]
fn a_run_without_faults_on_one_node() {
    let mut s = Scenario::default();
    s.successes("n1", 100 * MS, 5 * S, 50 * MS, &[(2 * S, 3_500 * MS)]);
    let (page, _) = page("one-node", &s.log(&["n1"], Some(5 * S)), &[]);
    let dom = load(&page);
    assert!(!dom.contains("class=\"fault "), "no fault drawn");
    assert!(dom.contains("No fault took effect in this run."));
    assert!(dom.contains("no failed operations"));
    let n1 = runs(chart(&dom, "throughput"), "n1");
    assert!(stays(&n1, 2_150 * MS, 3_450 * MS, 0.0), "{n1:?}");
    assert!(stays(&n1, 150 * MS, 1_950 * MS, 20.0), "{n1:?}");
    let png = browser::screenshot(&page);
    assert!(browser::look(&png, &[]).colours > 20);
    clean(&page);
}

#[test]
fn a_run_of_one_second_with_a_kill_that_is_never_undone() {
    let mut s = Scenario::default();
    s.successes("n1", 10 * MS, 990 * MS, 10 * MS, &[])
        .successes("n2", 10 * MS, 990 * MS, 10 * MS, &[(300 * MS, 1_000 * MS)])
        .fault(300 * MS, "kill", "n2", Some(0));
    let (page, _) = page(
        "one-second",
        &s.log(&["n1", "n2"], Some(S)),
        &["--bucket", "50ms"],
    );
    let dom = load(&page);
    let throughput = chart(&dom, "throughput");
    assert!(throughput.contains(
        "<g class=\"fault down\" data-action=\"kill\" data-node=\"n2\" data-from-us=\"300000\" data-to-us=\"1000000\" data-open=\"true\">"
    ));
    let n2 = runs(throughput, "n2");
    assert!(stays(&n2, 360 * MS, 990 * MS, 0.0), "{n2:?}");
    assert!(stays(&n2, 60 * MS, 290 * MS, 100.0), "{n2:?}");
    assert!(dom.contains("per 50ms"));
    clean(&page);
}

#[test]
fn several_runs_each_with_its_section_and_a_link_and_markup_from_the_log_stays_text() {
    let mut a = Scenario::default();
    a.successes("n1", 100 * MS, 3 * S, 100 * MS, &[]).successes(
        "n2",
        100 * MS,
        3 * S,
        100 * MS,
        &[],
    );
    let a = String::from_utf8(a.log(&["n1", "n2"], Some(3 * S))).expect("utf8");
    // A label a browser would load an image for, were it not escaped.
    let a = a.replacen("\"label\":null", r#""label":"<img src=\"x.png\"> & co""#, 1);
    let mut b = Scenario::default();
    b.successes("n1", 100 * MS, 2 * S, 100 * MS, &[(S, 2 * S + 1)])
        .fault(S, "pause", "n1", Some(0));
    let b = String::from_utf8(b.log(&["n1"], Some(2 * S)))
        .expect("utf8")
        .replace("\"run\":\"r1\"", "\"run\":\"r2\"");
    let log = format!("{a}{b}{a}");
    let (page, stdout) = page("several", log.as_bytes(), &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("--json on stdout");
    assert_eq!(json["runs"].as_array().map(Vec::len), Some(3));
    let dom = load(&page);
    for anchor in ["run-r1", "run-r2", "run-r1-2"] {
        assert!(dom.contains(&format!("<section class=\"run\" id=\"{anchor}\">")));
        assert!(
            dom.contains(&format!("<a href=\"#{anchor}\">")),
            "a link to #{anchor}"
        );
    }
    assert_eq!(dom.matches("data-chart=\"throughput\"").count(), 3);
    assert!(!dom.contains("<img"), "the label stays text");
    assert!(
        dom.contains("&lt;img src=\"x.png\"&gt; &amp; co (r1)"),
        "and reads as written"
    );
    clean(&page);
}

#[test]
fn a_leaderboard_on_top_links_each_scenario_to_its_runs() {
    // Two repetitions of one scenario, labelled as a suite labels them.
    let run = |label: &str, run: &str| {
        String::from_utf8(isolation_log())
            .expect("utf8")
            .replacen("\"label\":null", &format!("\"label\":\"{label}\""), 1)
            .replacen("\"run\":\"r1\"", &format!("\"run\":\"{run}\""), 1)
    };
    let log = format!("{}{}", run("s/isolate/1", "a"), run("s/isolate/2", "b"));
    let dir = scratch_dir("html-board-suite");
    let suite = dir.join("s.json");
    std::fs::write(
        &suite,
        r#"{"name": "s", "defaults": {"duration": 30, "repeat": 2, "limits": {"downtime": "1ms"}},
            "scenarios": [{"name": "isolate", "faults": [{"at": 4, "action": "isolate", "target": "n1"},
                                                        {"at": 8, "action": "rejoin", "target": "n1"}]}]}"#,
    )
    .expect("suite");
    let suite = suite.to_str().expect("utf8").to_string();
    let dir = scratch_dir("html-board");
    let path = dir.join("board.html");
    let args = [
        "--leaderboard",
        "--suite",
        &suite,
        "--html",
        path.to_str().expect("utf8"),
        "-",
    ];
    let out = report(&args, log.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(1),
        "the limit fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = load(&path);
    let board = between(
        &dom,
        "<section class=\"leaderboard\" id=\"leaderboard\">",
        "</section>",
    );
    assert!(board.contains("Leaderboard: suite s"), "{board}");
    assert!(board.contains("s/isolate"), "{board}");
    assert!(
        board.contains("<a href=\"#run-a\">1</a> <a href=\"#run-b\">2</a>"),
        "{board}"
    );
    assert!(board.contains("class=\"verdict fail\""), "{board}");
    assert!(dom.contains("<section class=\"run\" id=\"run-b\">"));
    clean(&path);
}

#[test]
fn the_console_check_sees_what_a_page_tries_to_load() {
    let dir = scratch_dir("html-console");
    let page = dir.join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .expect("write");
    let loaded = browser::load(&page);
    assert_eq!(loaded.console.len(), 1, "{:?}", loaded.console);
    assert!(loaded.console[0].contains("Content Security Policy"));
    clean(&page);
    assert_eq!(
        console_messages("[1:1:0101/000000.1:INFO:CONSOLE:1] \"x\", source: y (1)\nother"),
        ["[1:1:0101/000000.1:INFO:CONSOLE:1] \"x\", source: y (1)"]
    );
}

/// A 10-minute run at about 3,000 successful writes per second over three
/// nodes (only the writes: reads draw nothing), n1 cut off for a minute
/// with an error every 10 ms; streamed to the report. Counts and latencies
/// vary from bucket to bucket (a pseudo-random drop and tail), so no line
/// is flat and no point coincides with the last: the page's worst case.
#[test]
fn a_ten_minute_run_makes_a_page_of_a_few_mb() {
    let dir = scratch_dir("html-long");
    let page = dir.join("long.html");
    let mut child = Command::new(env!("CARGO_BIN_EXE_perseus-report"))
        .args(["--html", page.to_str().expect("utf8"), "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run perseus-report");
    let mut input = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
    let head = Log::new(&["n1", "n2", "n3"]).bytes;
    input.write_all(&head).expect("write");
    let (cut_from, cut_to) = (300 * S, 360 * S);
    let step = 1_000; // 1,000 writes per second and node
    let mut t = 0;
    let (mut iterations, mut errors) = (0u64, 0u64);
    while t < 600 * S {
        if t == cut_from {
            writeln!(
                input,
                r#"{{"ev":"fault","t_us":{cut_from},"action":"isolate","node":"n1","note":"x","exit":0}}"#
            )
            .expect("write");
        }
        for (i, node) in ["n1", "n2", "n3"].iter().enumerate() {
            let at = t + i as u64 * 7;
            let hash = at.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            if i == 0 && (cut_from..cut_to).contains(&at) {
                if at.is_multiple_of(10 * MS) {
                    errors += 1;
                    writeln!(input, r#"{{"ev":"op","t_us":{at},"node":"n1","conn":0,"key":"k-n1","op":"read","ok":false,"lat_us":{},"err":{{"kind":"server","code":1047,"msg":"not ready"}}}}"#, 150 + hash % 3_000_000).expect("write");
                }
                continue;
            }
            if hash.is_multiple_of(16) {
                continue;
            }
            iterations += 1;
            let lat = if hash.is_multiple_of(997) {
                2_000_000
            } else {
                300 + hash % 5_000
            };
            writeln!(input, r#"{{"ev":"op","t_us":{at},"node":"{node}","conn":0,"key":"k-{node}","op":"update","ok":true,"lat_us":{lat},"value":{iterations}}}"#).expect("write");
        }
        t += step;
    }
    writeln!(input, r#"{{"ev":"stop","t_us":{},"reason":"duration","iterations":{iterations},"errors":{errors},"operations":{}}}"#, 600 * S, iterations + errors).expect("write");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&page).expect("page").len();
    assert!(size < 3_000_000, "the page is {size} bytes");
    let dom = load(&page);
    let latency = chart(&dom, "latency");
    for q in ["p50", "p99", "max"] {
        assert!(
            latency.contains(&format!("data-series=\"{q}\"")),
            "quantiles drawn: {q}"
        );
    }
    assert!(
        latency.contains("data-series=\"server\""),
        "each failure is still a cross"
    );
    assert!(dom.contains(&format!(
        "{iterations} successful writes, more than can be drawn one by one"
    )));
    let n1 = runs(chart(&dom, "throughput"), "n1");
    assert!(stays(&n1, 301 * S, 359 * S, 0.0));
    let before = levels(&n1, S, 299 * S);
    assert!(
        before.iter().all(|v| (850.0..=1000.0).contains(v)),
        "{before:?}"
    );
    clean(&page);
}

#[test]
fn command_line_errors_say_what_and_leave_no_page() {
    let dir = scratch_dir("html-cli");
    let page = dir.join("p.html");
    let page_arg = page.to_str().expect("utf8");
    let cases: [(&[&str], &str); 4] = [
        (&["--bucket", "50ms", "-"], "--bucket sets the resolution"),
        (
            &["--html", "/nonexistent/dir/p.html", "-"],
            "cannot write /nonexistent/dir/p.html",
        ),
        (
            &["--html", page_arg, "--errors", "-"],
            "--errors adds columns",
        ),
        (
            &["--html", page_arg, "--bucket", "10us", "-"],
            "--bucket must be at least 1ms",
        ),
    ];
    for (args, message) in cases {
        let out = report(args, &isolation_log());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let out = report(&["--html", page_arg, "-"], b"{\"ev\":\"start\"\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-:1:"));
    assert_eq!(
        std::fs::read_dir(&dir).expect("list").count(),
        0,
        "bad input leaves no page, not even a partial one"
    );
    clean(&page);
}

/// What chromium laid out, per chart: the plot's left and right edge, and
/// the box of each fault label and each lane label; and the page's width
/// against the window's.
const MEASURE: &str = r#"
var out = {charts: [], scroll: document.documentElement.scrollWidth, inner: window.innerWidth};
document.querySelectorAll('svg.chart').forEach(function (svg) {
  var boxes = function (sel) {
    return Array.prototype.map.call(svg.querySelectorAll(sel), function (t) {
      var b = t.getBBox(); return [b.x, b.y, b.width, b.height];
    });
  };
  out.charts.push({x0: +svg.dataset.x0, x1: +svg.dataset.x1,
                   faults: svg.querySelectorAll('g.fault').length,
                   labels: boxes('g.fault text'), lanes: boxes('g.lane text')});
});
var pre = document.createElement('pre'); pre.id = 'measured';
pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
"#;

/// Whether two boxes [x, y, w, h] share more than a sliver.
fn overlap(a: &[f64], b: &[f64]) -> bool {
    let apart = |a0: f64, a1: f64, b0: f64, b1: f64| a1 <= b0 + 0.5 || b1 <= a0 + 0.5;
    !(apart(a[0], a[0] + a[2], b[0], b[0] + b[2]) || apart(a[1], a[1] + a[3], b[1], b[1] + b[3]))
}

#[test]
fn a_hostile_log_makes_a_clean_page_whose_labels_stay_apart_and_inside() {
    let (page, _) = page("hostile", &hostile_log(), &[]);
    no_raw_controls(
        &std::fs::read_to_string(&page).expect("page"),
        "the page",
        &[],
    );
    let dom = load(&page);
    no_raw_controls(&dom, "the DOM", &[]);
    // The run's name reads as written, the override shown, not obeyed.
    let heading = between(&dom, "<section class=\"run\" id=\"", "</h2>");
    assert!(
        heading.contains("Run suite/\\u{202e}evil\\u{202c}/\\u{0}label-label-"),
        "{heading}"
    );
    assert!(dom.contains("bad\\u{0}msg\\u{202e}txet\\u{1b}[31m\\u{2028}line"));

    let measured = browser::run_script(&page, MEASURE);
    let json = between(&measured, "<pre id=\"measured\">", "</pre>");
    let m: serde_json::Value = serde_json::from_str(json).expect("measurements");
    assert!(
        m["scroll"].as_f64() <= m["inner"].as_f64(),
        "long text wraps: the page is no wider than the window: {m}"
    );
    let boxes = |v: &serde_json::Value| -> Vec<Vec<f64>> {
        v.as_array()
            .expect("boxes")
            .iter()
            .map(|b| {
                b.as_array()
                    .expect("box")
                    .iter()
                    .filter_map(|x| x.as_f64())
                    .collect()
            })
            .collect()
    };
    let charts = m["charts"].as_array().expect("charts");
    assert_eq!(charts.len(), 3);
    for chart in charts {
        let (x0, x1) = (
            chart["x0"].as_f64().unwrap_or(0.0),
            chart["x1"].as_f64().unwrap_or(0.0),
        );
        let labels = boxes(&chart["labels"]);
        assert_eq!(chart["faults"], 32, "every fault is drawn");
        // Thirty labels in 1.8 s of a 12 s run: a row of the band each, as
        // many as fit; the one at the run's end ends at the plot's edge.
        assert!(labels.len() >= 5, "labels are drawn: {}", labels.len());
        assert!(
            labels.iter().any(|a| (a[0] + a[2] - x1).abs() < 1.0),
            "the last label ends at the edge: {labels:?}"
        );
        for (i, a) in labels.iter().enumerate() {
            assert!(
                a[0] >= x0 - 0.5 && a[0] + a[2] <= x1 + 0.5,
                "label {a:?} outside [{x0}, {x1}]"
            );
            assert!(a[1] >= 0.0, "label {a:?} above the chart");
            for b in &labels[i + 1..] {
                assert!(!overlap(a, b), "labels {a:?} and {b:?} overlap");
            }
        }
        for lane in boxes(&chart["lanes"]) {
            assert!(
                lane[0] >= 0.0 && lane[0] + lane[2] <= x0,
                "lane label {lane:?} cut off"
            );
        }
    }
    // The long names are cut in the middle, whole on hover.
    let throughput = chart(&dom, "throughput");
    assert!(throughput.contains(&format!("<title>galera-{}", "node".repeat(15))));
    assert!(throughput.contains("…"));
    assert!(dom.contains("of the 32 faults have no label on the charts for lack of room"));

    // A person sees the charts: the loss's yellow band, n1's colour.
    sees(&page, (250, 239, 200), 20_000);
    clean(&page);
}
