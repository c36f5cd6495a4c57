//! Every output format pinned byte for byte on one hand-written run that has
//! a bit of everything: outages with errors, a fault that settles, one that
//! never does, one stamped by hand, an anomaly, a late-landing write,
//! operations in flight at the stop. A change to any format shows here as a
//! diff against tests/fixtures/export/; after checking it, rewrite the
//! fixtures with `PERSEUS_BLESS=1 cargo test --test export`. The HTML page
//! is pinned too; tests/html.rs has a browser read it.

mod common;

use common::log::{Log, Scenario};
use common::report::report;
use perseus::event::ErrorKind;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

fn run_log() -> Vec<u8> {
    let mut s = Scenario::default();
    s.successes("n1", 100 * MS, 12 * S, 100 * MS, &[(3 * S, 6 * S)])
        .successes(
            "n2",
            100 * MS,
            12 * S,
            100 * MS,
            &[(3 * S, 4_500 * MS), (9 * S, 12 * S + 1)],
        )
        .error(
            3_500 * MS,
            "n1",
            ErrorKind::Server,
            Some(1047),
            "WSREP has not yet prepared node for application use",
        )
        .error(
            4 * S,
            "n2",
            ErrorKind::Timeout,
            None,
            "timed out waiting for the server",
        )
        .fault(3 * S, "isolate", "n1", Some(0))
        .fault(6 * S, "rejoin", "n1", Some(0))
        .fault(9 * S, "kill", "n2", Some(0))
        .fault(11 * S, "start", "n2", Some(0));
    let bytes = s.log(&["n1", "n2"], None);
    // A fault by hand from the wall clock, a read that finds a lost write and
    // one that sees a late-landing one, then the stop with what was in flight.
    let mut log = Log::new(&["n1", "n2"]);
    log.bytes = bytes;
    log.raw(r#"{"ev":"fault","t_us":10000000,"action":"mark","node":"n1","note":"by hand","exit":0,"clock":"wall"}"#)
        .raw(r#"{"ev":"op","t_us":11000000,"node":"n1","conn":0,"key":"k-n1","op":"update","ok":false,"lat_us":900,"value":7,"err":{"kind":"timeout","code":null,"msg":"t"}}"#)
        .raw(r#"{"ev":"op","t_us":11100000,"node":"n1","conn":0,"key":"k-n1","op":"update","ok":true,"lat_us":900,"value":8}"#)
        .raw(r#"{"ev":"op","t_us":11200000,"node":"n1","conn":0,"key":"k-n1","op":"read","ok":true,"lat_us":900,"value":7}"#)
        .raw(r#"{"ev":"op","t_us":11300000,"node":"n1","conn":0,"key":"k-n1","op":"read","ok":true,"lat_us":900,"value":3}"#)
        .raw(r#"{"ev":"stop","t_us":12000000,"reason":"duration","iterations":168,"errors":3,"operations":173,"in_flight":[{"node":"n2","conn":0,"key":"k-n2","op":"update","started_us":8950000,"value":90}],"faults_in_flight":[{"action":"start","node":"n2","started_us":11900000,"note":"bin/lab.sh start --no-wait n2"}]}"#);
    let mut text = String::from_utf8(log.bytes).expect("utf8");
    text = text.replacen("\"label\":null", "\"label\":\"smoke/isolate/1\"", 1);
    text.into_bytes()
}

fn check(name: &str, args: &[&str]) {
    // A steady of 2 s lets the isolation settle before n2 is killed.
    let mut all = vec!["--steady", "2s"];
    all.extend_from_slice(args);
    all.push("-");
    let out = report(&all, &run_log());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = match args.iter().position(|a| *a == "--html") {
        Some(i) => std::fs::read_to_string(args[i + 1]).expect("the page"),
        None => String::from_utf8(out.stdout).expect("utf8"),
    };
    pin(name, got);
}

/// Compares with the fixture.
fn pin(name: &str, mut got: String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/export")
        .join(name);
    if name.ends_with(".json") || name.ends_with(".html") {
        // The version is the crate's; the rest is pinned.
        got = got.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    }
    if std::env::var_os("PERSEUS_BLESS").is_some() {
        std::fs::write(&path, &got).expect("bless");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "{name} differs from {}; got:\n{got}",
        path.display()
    );
}

#[test]
fn text_is_pinned() {
    check("report.txt", &[]);
}

#[test]
fn the_table_with_errors_is_pinned() {
    check("table.txt", &["--table", "--errors"]);
}

#[test]
fn markdown_is_pinned() {
    check("report.md", &["--markdown"]);
}

#[test]
fn json_is_pinned() {
    check("report.json", &["--json"]);
}

#[test]
fn html_is_pinned() {
    let dir = common::mariadb::scratch_dir("export-html");
    let page = dir.join("report.html");
    check("report.html", &["--html", page.to_str().expect("utf8")]);
    let _ = std::fs::remove_dir_all(dir);
}
