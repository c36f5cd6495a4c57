//! perseus refuses bad input with a clear message and a non-zero exit,
//! before any load starts.

mod common;

use common::mariadb::{cluster_file, scratch_dir, MariaDb};
use common::perseus::{run, text};

fn refused(args: &[&str]) -> String {
    let out = run(args);
    assert!(!out.status.success(), "perseus accepted {args:?}");
    assert!(out.stdout.is_empty(), "no table for {args:?}");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn bad_cluster_files_name_the_file_node_and_field() {
    let dir = scratch_dir("badcluster");
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        p.to_str().expect("path").to_string()
    };
    let missing = dir.join("nope.json");
    let e = refused(&["--cluster", missing.to_str().unwrap()]);
    assert!(e.contains("nope.json") && e.contains("cannot read"), "{e}");
    let f = write("bad.json", "{ not json");
    assert!(refused(&["--cluster", &f]).contains("bad.json: not valid JSON"));
    let f = write("noport.json", r#"{"n1": {"host": "127.0.0.1", "db": {}}}"#);
    let e = refused(&["--cluster", &f]);
    assert!(
        e.contains("noport.json") && e.contains("node n1: missing field db.port"),
        "{e}"
    );
    let f = write("badhost.json", r#"{"n1": {"db": {"port": 1}}}"#);
    assert!(refused(&["--cluster", &f]).contains("node n1: missing field host"));
    let f = write(
        "ok.json",
        r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1}}}"#,
    );
    let e = refused(&["--cluster", &f, "--nodes", "n9"]);
    assert!(e.contains("unknown node n9"), "{e}");
    let e = refused(&["--cluster", &f, "--fault", "5:isolate:n7"]);
    assert!(e.contains("unknown node n7"), "{e}");
    let e = refused(&["--cluster", &f, "--fault", "5:explode:n1"]);
    assert!(e.contains("no command for action 'explode'"), "{e}");
    // isolate and rejoin have no default either: only the user knows how to reach the node.
    let e = refused(&["--cluster", &f, "--fault", "5:isolate:n1"]);
    assert!(e.contains("no command for action 'isolate'"), "{e}");
    let two = write(
        "two.json",
        r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1}}, "n2": {"host": "127.0.0.1", "db": {"port": 2}}}"#,
    );
    let e = refused(&[
        "--cluster",
        &two,
        "--nodes",
        "n1",
        "--fault",
        "5:kill:n2",
        "--fault-cmd",
        "kill=true",
    ]);
    assert!(e.contains("node n2 is not among the nodes measured"), "{e}");
    assert!(refused(&["--cluster", &two, "--nodes", "n1,n1"]).contains("node n1 is named twice"));
    assert!(refused(&["--cluster", &f, "--conns", "0"]).contains("--conns"));
    assert!(refused(&["--cluster", &f, "--duration", "soon"]).contains("--duration"));
    assert!(refused(&["--cluster", &f, "--table", "x;drop"]).contains("plain identifier"));
    assert!(refused(&["--cluster", &f, "--bogus"]).contains("bogus"));
    assert!(refused(&["--cluster", &f, "stray"]).contains("unexpected argument"));
}

#[test]
fn an_unwritable_log_is_refused_before_any_load() {
    let dir = scratch_dir("badlog");
    let cluster = dir.join("c.json");
    std::fs::write(
        &cluster,
        r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1}}}"#,
    )
    .expect("write");
    let file = dir.join("a-file");
    std::fs::write(&file, "").expect("write");
    let under_file = file.join("log.jsonl");
    let e = refused(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        under_file.to_str().unwrap(),
    ]);
    assert!(e.contains("log") && e.contains("a-file"), "{e}");
    let e = refused(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        dir.to_str().unwrap(),
    ]);
    assert!(e.contains("cannot open it for writing"), "{e}");
}

#[test]
fn a_missing_table_or_database_points_at_init_lily() {
    let server = MariaDb::start();
    let dir = scratch_dir("notable");
    let cluster = cluster_file(&dir, &[&server]);
    let c = cluster.to_str().unwrap();
    let e = refused(&["--cluster", c, "--no-log", "--table", "absent"]);
    assert!(
        e.contains("node n1") && e.contains("bin/init-lily.sh n1"),
        "{e}"
    );
    let e = refused(&["--cluster", c, "--no-log", "--database", "nodb"]);
    assert!(
        e.contains("node n1") && e.contains("bin/init-lily.sh n1"),
        "{e}"
    );
}

#[test]
fn help_and_version() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("--fault AT:ACTION:TARGET"));
    // The default log as perseus names it (the PID keeps two runs started
    // in the same second apart).
    assert!(text(&out.stdout).contains("logs/perseus-DATE-TIME-PID.jsonl"));
    let out = run(&["--version"]);
    assert_eq!(
        text(&out.stdout),
        format!("perseus {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// One grammar for names and labels, and the report's bounds: perseus
/// refuses, before connecting, a run its report could not read or that
/// would hand a shell something to run, naming the file and node.
#[test]
fn names_labels_and_sizes_outside_the_grammar_and_bounds_are_refused() {
    let dir = scratch_dir("grammar");
    let write = |name: &str, body: String| {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        p.to_str().expect("path").to_string()
    };
    let node =
        |name: &str| format!(r#"{{"{name}": {{"host": "127.0.0.1", "db": {{"port": 1}}}}}}"#);
    for (name, says) in [
        ("leader", "node name 'leader' is a role"),
        ("n1;touch x", "node name 'n1;touch x' must be"),
        ("n1|n2", "node name 'n1|n2' must be"),
        ("..", "node name '..' must be"),
    ] {
        let f = write("named.json", node(name));
        let e = refused(&["--cluster", &f]);
        assert!(e.contains("named.json") && e.contains(says), "{name}: {e}");
    }
    let ok = write("ok.json", node("n1"));
    for label in ["", " x", "a\u{202e}b", "a;b", &"x".repeat(129)] {
        let e = refused(&["--cluster", &ok, "--label", label]);
        assert!(e.contains("--label: label"), "{label:?}: {e}");
    }
    let many: Vec<String> = (0..300)
        .map(|i| format!(r#""m{i}": {{"host": "127.0.0.1", "db": {{"port": 1}}}}"#))
        .collect();
    let f = write("many.json", format!("{{{}}}", many.join(",")));
    let e = refused(&["--cluster", &f]);
    assert!(
        e.contains("300 nodes: perseus-report reads runs of up to 256 nodes"),
        "{e}"
    );
    let twenty: Vec<String> = (0..20)
        .map(|i| format!(r#""m{i}": {{"host": "127.0.0.1", "db": {{"port": 1}}}}"#))
        .collect();
    let f = write("twenty.json", format!("{{{}}}", twenty.join(",")));
    let e = refused(&["--cluster", &f, "--conns", "256"]);
    assert!(
        e.contains("= 5120 connections: perseus-report reads runs of up to 4096"),
        "{e}"
    );
}
