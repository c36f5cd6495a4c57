//! perseus-report on real runs against MariaDB servers: `--table` equals
//! what perseus printed live, byte for byte (with and without --errors), and
//! the outage of a killed node matches when it was down.

mod common;

use common::mariadb::{cluster_file, scratch_dir, MariaDb};
use common::perseus::{perseus, text};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn report(args: &[&str], log: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perseus-report"))
        .args(args)
        .arg(log)
        .output()
        .expect("run perseus-report")
}

fn run_perseus(cluster: &Path, log: &Path, secs: &str, errors: bool) -> std::process::Child {
    let mut cmd = perseus();
    cmd.args([
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ])
    .args([
        "--duration",
        secs,
        "--conns",
        "2",
        "--read-timeout",
        "1s",
        "--write-timeout",
        "1s",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if errors {
        cmd.arg("--errors");
    }
    cmd.spawn().expect("start perseus")
}

#[test]
fn table_equals_the_live_table_and_the_killed_node_has_its_outage() {
    let mut servers = [MariaDb::start(), MariaDb::start(), MariaDb::start()];
    let dir = scratch_dir("report-live");
    let cluster = cluster_file(&dir, &servers.iter().collect::<Vec<_>>());

    // Run 1, with error columns: n1 is killed at ~1.5 s and restarted.
    let log = dir.join("kill.jsonl");
    let started = Instant::now();
    let child = run_perseus(&cluster, &log, "7", true);
    std::thread::sleep(Duration::from_millis(1500));
    let killed_at = started.elapsed();
    servers[0].kill();
    std::thread::sleep(Duration::from_millis(2000));
    servers[0].restart();
    let back_at = started.elapsed();
    let live = child.wait_with_output().expect("perseus");
    assert!(live.status.success(), "perseus: {}", text(&live.stderr));

    let table = report(&["--table", "--errors"], &log);
    assert!(table.status.success(), "{}", text(&table.stderr));
    assert_eq!(
        text(&table.stdout),
        text(&live.stdout),
        "--table --errors equals the live table"
    );
    let rows = text(&live.stdout).lines().count();
    assert!(rows >= 7, "legend and 7 rows: {}", text(&live.stdout));

    let json = report(&["--json"], &log);
    assert!(json.status.success(), "{}", text(&json.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let run = &doc["runs"][0];
    let outages: Vec<&serde_json::Value> = run["outages"]
        .as_array()
        .expect("outages")
        .iter()
        .filter(|o| o["node"] == "n1")
        .collect();
    assert_eq!(outages.len(), 1, "one outage of n1: {}", run["outages"]);
    let (start, end) = (
        outages[0]["start_us"].as_u64().expect("start") as i64,
        outages[0]["end_us"].as_u64().expect("end") as i64,
    );
    // perseus's t = 0 is a little after the spawn (preflight): allow 1 s.
    let near = |us: i64, wall: Duration| (us - wall.as_micros() as i64).abs() < 1_000_000;
    assert!(
        near(start, killed_at),
        "n1 down from {start} µs, killed at {killed_at:?}"
    );
    assert!(
        end >= start && near(end, back_at),
        "n1 back at {end} µs, restarted by {back_at:?}"
    );
    assert!(
        !outages[0]["errors"].as_object().expect("errors").is_empty(),
        "clients saw errors"
    );
    assert!(run["versions"][0]
        .as_str()
        .expect("a version")
        .contains("MariaDB"));
    assert!(
        run["outages"]
            .as_array()
            .expect("o")
            .iter()
            .all(|o| o["node"] != serde_json::Value::Null),
        "n2, n3 served throughout"
    );
    // The harness runs MariaDB with innodb-flush-log-at-trx-commit=0: a kill
    // -9 may lose the last second of acknowledged writes. If so, the check
    // must see them as lost writes on n1, read once it came back (the read
    // just before the first successful write, which ends the outage).
    for a in run["anomalies"].as_array().expect("anomalies") {
        assert_eq!(
            (&a["kind"], &a["node"]),
            (&"lost_write".into(), &"n1".into()),
            "{a}"
        );
        assert!(a["t_us"].as_u64().expect("t") as i64 > start, "{a}");
        assert!(a["value"].as_i64() < a["expected"].as_i64(), "{a}");
    }

    // Run 2, plain table.
    let log2 = dir.join("plain.jsonl");
    let live2 = run_perseus(&cluster, &log2, "3", false)
        .wait_with_output()
        .expect("perseus");
    assert!(live2.status.success(), "perseus: {}", text(&live2.stderr));
    let table2 = report(&["--table"], &log2);
    assert_eq!(
        text(&table2.stdout),
        text(&live2.stdout),
        "--table equals the live table"
    );
    let full = report(&[], &log2);
    assert!(full.status.success());
    assert!(
        text(&full.stdout).starts_with(&text(&live2.stdout)),
        "default output starts with the table"
    );
}

/// A loss of known size, made behind perseus's back on a real server: a
/// trigger stores the key's write of 200 as 175, so the next read finds it
/// 25 behind, and the 25 acknowledged writes 176..=200 were discarded. The
/// report says exactly that, in every format that counts them.
#[test]
fn a_loss_of_known_size_on_a_real_server_is_counted_exactly() {
    use mysql::prelude::Queryable;
    let server = MariaDb::start();
    // Through the client library: the mariadb client would split the
    // trigger's body at its semicolons. The trigger fires once.
    let url = format!("mysql://root@127.0.0.1:{}/lily", server.port);
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).expect("url")).expect("connect");
    conn.query_drop("CREATE TABLE lily.lost_once (done INT)")
        .expect("table");
    conn.query_drop(
        "CREATE TRIGGER lily.lose BEFORE UPDATE ON lily.storage FOR EACH ROW BEGIN \
           IF NEW.value = 200 AND (SELECT COUNT(*) FROM lily.lost_once) = 0 THEN \
             SET NEW.value = 175; INSERT INTO lily.lost_once VALUES (1); \
           END IF; \
         END",
    )
    .expect("trigger");
    let dir = scratch_dir("known-loss");
    let cluster = cluster_file(&dir, &[&server]);
    let log = dir.join("events.jsonl");
    let out = perseus()
        .args([
            "--cluster",
            cluster.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ])
        .args(["--duration", "2"])
        .output()
        .expect("perseus");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&report(&["--json"], &log).stdout).expect("json");
    let run = &json["runs"][0];
    assert!(
        run["iterations"].as_u64().unwrap() > 250,
        "the key passed 200: {run}"
    );
    assert_eq!(run["acked_lost"]["n1"], 25, "{run}");
    let anomaly = &run["anomalies"][0];
    assert_eq!(
        (&anomaly["kind"], &anomaly["value"], &anomaly["acked_lost"]),
        (&"lost_write".into(), &175.into(), &25.into())
    );
    assert_eq!(anomaly["acked_lost_first_exact"], true);
    assert!(anomaly["acked_lost_first_us"].as_u64() < anomaly["acked_lost_last_us"].as_u64());
    let text_report = text(&report(&[], &log).stdout);
    assert!(
        text_report.contains("acknowledged writes lost: 25 (n1 25)"),
        "{text_report}"
    );
    assert!(
        text_report.contains("25 acknowledged writes discarded"),
        "{text_report}"
    );
}
