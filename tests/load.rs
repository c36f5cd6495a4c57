//! perseus against real MariaDB servers: the loop, the table, the log.

mod common;

use common::mariadb::{cluster_file, scratch_dir, MariaDb};
use common::perseus::{ops, read_log, rows, run, successes_per_second, text};

#[test]
fn live_table_equals_the_logs_count_and_the_database_agrees() {
    let servers = [MariaDb::start(), MariaDb::start(), MariaDb::start()];
    let dir = scratch_dir("counts");
    let cluster = cluster_file(&dir, &servers.iter().collect::<Vec<_>>());
    let log = dir.join("events.jsonl");
    let out = run(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--duration",
        "3",
        "--conns",
        "2",
        "--errors",
    ]);
    assert!(
        out.status.success(),
        "perseus failed: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("# second\ttotal\tn1\tn2\tn3\terr:n1\terr:n2\terr:n3\n"),
        "{stdout}"
    );
    let table = rows(&stdout);
    assert_eq!(table.len(), 3, "one row per second of a 3 s run: {stdout}");
    let events = read_log(&log);
    assert_eq!(events.last().expect("stop")["ev"], "stop");
    let counted = successes_per_second(&events);
    for row in &table {
        let second = row[0];
        let per_node: Vec<u64> = ["n1", "n2", "n3"]
            .iter()
            .map(|n| counted.get(&(second, n.to_string())).copied().unwrap_or(0))
            .collect();
        assert_eq!(&row[2..5], per_node.as_slice(), "second {second}");
        assert_eq!(row[1], per_node.iter().sum::<u64>());
        assert!(row[1] > 0, "every node serves: {stdout}");
        assert_eq!(&row[5..8], &[0, 0, 0], "no errors on healthy servers");
    }
    // Each key's value in the database is the number of its acknowledged writes minus one.
    for (n, server) in servers.iter().enumerate() {
        let node = format!("n{}", n + 1);
        for conn in 0..2 {
            let writes: Vec<_> = ops(&events, &node)
                .filter(|e| {
                    e["conn"] == conn
                        && e["ok"] == true
                        && (e["op"] == "insert" || e["op"] == "update")
                })
                .collect();
            let key = writes[0]["key"].as_str().expect("key").to_string();
            let stored = server.sql(&format!(
                "SELECT value FROM lily.storage WHERE id = '{key}'"
            ));
            assert_eq!(
                stored.trim().parse::<usize>().expect("value"),
                writes.len() - 1,
                "key {key}"
            );
            assert_eq!(writes[0]["op"], "insert");
            assert_eq!(
                writes.last().expect("w")["value"].as_u64(),
                Some(writes.len() as u64 - 1)
            );
        }
    }
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stopped (duration)"), "{stderr}");
}
