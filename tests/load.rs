//! perseus against real MariaDB servers: the loop, the table, the log.

mod common;

use common::mariadb::MariaDb;
use common::perseus::{
    assert_latencies, failures, ops, read_log, rows, run, successes_per_second, text, Setup,
};

#[test]
fn live_table_equals_the_logs_count_and_the_database_agrees() {
    let servers = [MariaDb::start(), MariaDb::start(), MariaDb::start()];
    let s = Setup::new("counts", &servers.iter().collect::<Vec<_>>());
    let log = &s.log;
    let out = run(&s.args(&["--duration", "3", "--conns", "2", "--errors"]));
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
    let events = read_log(log);
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
    // Each key's value in the database is the number of its acknowledged
    // writes minus one — or, when the stop caught a write of it in flight,
    // possibly the value that write attempted (it may have committed).
    let stop = events.last().expect("stop");
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
            let stored = stored.trim().parse::<u64>().expect("value");
            let in_flight = stop["in_flight"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|o| o["key"] == key.as_str() && o["op"] != "read" && o["op"] != "connect")
                .and_then(|o| o["value"].as_u64());
            let acked = writes.len() as u64 - 1;
            assert!(
                stored == acked || Some(stored) == in_flight,
                "key {key}: stored {stored}, acknowledged {acked}, in flight {in_flight:?}"
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

fn spawn_perseus(args: &[&str]) -> std::process::Child {
    common::perseus::perseus()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start perseus")
}

fn sleep_s(s: f64) {
    std::thread::sleep(std::time::Duration::from_secs_f64(s));
}

fn successes<'a>(events: &'a [serde_json::Value], node: &'a str) -> Vec<u64> {
    ops(events, node)
        .filter(|e| e["ok"] == true && (e["op"] == "insert" || e["op"] == "update"))
        .map(|e| e["t_us"].as_u64().expect("t_us"))
        .collect()
}

#[test]
fn reconnects_after_a_server_restart() {
    let mut servers = [MariaDb::start(), MariaDb::start()];
    let s = Setup::new("restart", &servers.iter().collect::<Vec<_>>());
    let log = &s.log;
    let child = spawn_perseus(&s.args(&["--duration", "7"]));
    sleep_s(2.0);
    servers[1].kill();
    let killed_at = std::time::Instant::now();
    sleep_s(1.5);
    servers[1].restart();
    let back_after = killed_at.elapsed().as_secs_f64();
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_log(log);
    let n2_errors: Vec<_> = ops(&events, "n2").filter(|e| e["ok"] == false).collect();
    assert!(
        !n2_errors.is_empty(),
        "the killed server's errors are logged"
    );
    assert!(
        n2_errors.iter().any(|e| e["op"] == "connect"),
        "reconnect attempts are logged"
    );
    let n2 = successes(&events, "n2");
    let gap = n2.windows(2).map(|w| w[1] - w[0]).max().expect("successes");
    assert!(
        gap as f64 >= 1.4e6 && (gap as f64) < (back_after + 2.0) * 1e6,
        "outage of n2: {gap} µs"
    );
    assert!(
        *n2.last().expect("n2") > 5_000_000,
        "n2 serves again after its restart"
    );
    let n1 = successes(&events, "n1");
    let n1_gap = n1.windows(2).map(|w| w[1] - w[0]).max().expect("successes");
    assert!(n1_gap < 500_000, "n1 is not disturbed: {n1_gap} µs");
}

#[test]
fn a_frozen_server_shows_up_as_timeouts_and_the_run_goes_on() {
    let servers = [MariaDb::start(), MariaDb::start()];
    let s = Setup::new("freeze", &servers.iter().collect::<Vec<_>>());
    let log = &s.log;
    let child = spawn_perseus(&s.args(&[
        "--duration",
        "6",
        "--read-timeout",
        "1",
        "--connect-timeout",
        "1",
        "--errors",
    ]));
    sleep_s(1.5);
    servers[1].freeze();
    sleep_s(3.0);
    servers[1].thaw();
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = rows(&text(&out.stdout));
    assert_eq!(table.len(), 6, "a row for every second, hang or not");
    assert!(
        table.iter().all(|r| r[2] > 0),
        "n1 serves every second: {table:?}"
    );
    assert!(
        table.iter().any(|r| r[3] == 0 && r[5] > 0),
        "n2 shows zeros and errors: {table:?}"
    );
    let events = read_log(log);
    let timeouts = failures(&events, "n2", "timeout");
    assert!(!timeouts.is_empty(), "the hang is logged as timeouts");
    // About the timeout.
    assert_latencies(&timeouts, 900_000..2_500_000);
    assert!(
        *successes(&events, "n2").last().expect("n2") > 4_600_000,
        "n2 serves after it thaws"
    );
}

fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill")
        .success();
    assert!(ok);
}

#[test]
fn ctrl_c_flushes_the_log_and_writes_stop() {
    let server = MariaDb::start();
    let s = Setup::new("sigint", &[&server]);
    let log = &s.log;
    let child = spawn_perseus(&s.args(&[]));
    sleep_s(2.5);
    signal(&child, "INT");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "exit 0 after Ctrl-C: {}",
        text(&out.stderr)
    );
    let events = read_log(log);
    let stop = events.last().expect("events");
    assert_eq!(stop["ev"], "stop");
    assert_eq!(stop["reason"], "signal");
    let acked = events
        .iter()
        .filter(|e| e["ok"] == true && e["op"] == "update")
        .count() as u64
        + 1;
    assert_eq!(
        stop["iterations"].as_u64(),
        Some(acked),
        "stop counts every logged iteration"
    );
    assert_eq!(
        rows(&text(&out.stdout)).len(),
        2,
        "the two whole seconds before Ctrl-C"
    );
    assert!(text(&out.stderr).contains("stopped (signal)"));
}

#[test]
fn kill_9_leaves_a_log_whose_every_line_parses() {
    let server = MariaDb::start();
    let s = Setup::new("kill9", &[&server]);
    let log = &s.log;
    let mut child = spawn_perseus(&s.args(&[]));
    sleep_s(2.3);
    child.kill().expect("kill -9");
    let _ = child.wait();
    let bytes = std::fs::read(log).expect("log");
    assert_eq!(bytes.last(), Some(&b'\n'), "only whole lines are written");
    let events = read_log(log);
    let last_t = events.last().expect("events")["t_us"].as_u64().expect("t");
    assert!(
        last_t >= 1_300_000,
        "at most the last second is missing: last event at {last_t} µs"
    );
    assert!(events.iter().all(|e| e["ev"] != "stop"));
}

#[test]
fn the_password_never_reaches_the_log_or_the_output() {
    let server = MariaDb::start();
    let secret = "Zq9-very-secret-Pw";
    server.sql(&format!(
        "CREATE USER 'tester'@'127.0.0.1' IDENTIFIED BY '{secret}'; GRANT ALL ON lily.* TO 'tester'@'127.0.0.1'"
    ));
    let s = Setup::new("password", &[&server]);
    let log = &s.log;
    let out = common::perseus::perseus()
        .args(s.args(&["--duration", "1", "--user", "tester"]))
        .env("MYSQL_PWD", secret)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_log(log);
    assert!(events.len() > 3, "it ran with the password");
    assert_eq!(events[0]["user"], "tester");
    let everything = format!(
        "{}{}{}",
        std::fs::read_to_string(log).expect("log"),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!everything.contains(secret), "the password leaked");

    // The same secret from a file works too, and a wrong one is a clear error before any load.
    let (dir, cluster) = (&s.dir, &s.cluster);
    let pw_file = dir.join("pw");
    std::fs::write(&pw_file, format!("{secret}\n")).expect("write");
    let out = run(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--no-log",
        "--duration",
        "1",
        "--user",
        "tester",
        "--password-file",
        pw_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(&pw_file, "wrong\n").expect("write");
    let log2 = dir.join("denied.jsonl");
    let out = run(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        log2.to_str().unwrap(),
        "--user",
        "tester",
        "--password-file",
        pw_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node n1") && stderr.contains("access denied"),
        "{stderr}"
    );
    assert!(!log2.exists(), "no empty log is left behind");
}

#[test]
fn scheduled_faults_run_their_command_and_land_in_the_log() {
    let server = MariaDb::start();
    let s = Setup::new("faults", &[&server]);
    let (dir, log) = (&s.dir, &s.log);
    let marker = dir.join("marker");
    let script = dir.join("mark.sh");
    std::fs::write(
        &script,
        format!("#!/bin/bash\necho \"$1\" >> {}\n", marker.display()),
    )
    .expect("script");
    let out = run(&s.args(&[
        "--duration",
        "3",
        "--fault",
        "1:mark:n1",
        "--fault",
        "2s:broken:n1",
        "--fault-cmd",
        &format!("mark=bash {}", script.display()),
        "--fault-cmd",
        "broken=false",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&marker).expect("marker"),
        "n1\n",
        "the command got the node"
    );
    let events = read_log(log);
    let faults: Vec<_> = events.iter().filter(|e| e["ev"] == "fault").collect();
    assert_eq!(faults.len(), 2);
    assert_eq!(
        (faults[0]["action"].as_str(), faults[0]["exit"].as_i64()),
        (Some("mark"), Some(0))
    );
    let t = faults[0]["t_us"].as_u64().expect("t");
    assert!((1_000_000..1_900_000).contains(&t), "applied at 1 s: {t}");
    assert_eq!(
        (faults[1]["action"].as_str(), faults[1]["exit"].as_i64()),
        (Some("broken"), Some(1))
    );
    assert_eq!(events[0]["schedule"].as_array().map(|a| a.len()), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("fault broken n1: FAILED (exit 1)"),
        "{stderr}"
    );
    let table = rows(&text(&out.stdout));
    assert!(table[2][1] > 0, "the load went on after the failed fault");
}

#[test]
fn an_unreachable_node_at_start_is_picked_up_when_it_comes_back() {
    let mut late = MariaDb::start();
    let early = MariaDb::start();
    let s = Setup::new("late", &[&early, &late]);
    late.kill();
    let log = &s.log;
    let child = spawn_perseus(&s.args(&["--duration", "5"]));
    sleep_s(1.5);
    late.restart();
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("node n2"), "warned about n2");
    let table = rows(&text(&out.stdout));
    assert_eq!(table[0][3], 0, "zeros for n2 while it is down");
    assert!(table[4][3] > 0, "n2 picked up: {table:?}");
    let events = read_log(log);
    assert!(ops(&events, "n2").any(|e| e["op"] == "connect" && e["err"]["kind"] == "connect"));
}

#[test]
fn faults_and_server_events_appended_by_others_are_shown_live_and_kept_in_the_log() {
    let server = MariaDb::start();
    let s = Setup::new("byhand", &[&server]);
    let log = &s.log;
    let child = spawn_perseus(&s.args(&["--duration", "3"]));
    sleep_s(1.2);
    // What bin/isolate.sh --log does: one whole line, appended.
    let line = "{\"ev\":\"fault\",\"t_us\":1200000,\"action\":\"isolate\",\"node\":\"n1\",\"note\":\"by hand\",\"exit\":0}\n\
        {\"ev\":\"server\",\"t_us\":1250000,\"node\":\"n1\",\"server\":\"mariadbd\",\"what\":\"exited\",\"signal\":6,\"seen\":\"wait\"}\n";
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(log)
        .expect("open log");
    std::io::Write::write_all(&mut f, line.as_bytes()).expect("append");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("# 1.200s fault isolate n1: noted — by hand"),
        "{stderr}"
    );
    assert!(
        stderr.contains("# 1.250s server n1 mariadbd: exited (signal 6: SIGABRT)"),
        "{stderr}"
    );
    let events = read_log(log);
    assert_eq!(events.iter().filter(|e| e["ev"] == "fault").count(), 1);
    assert_eq!(events.last().expect("stop")["ev"], "stop");
}

#[test]
fn an_update_that_writes_the_value_already_stored_counts_as_done() {
    // After a timed-out write commits late, the retry writes the same value;
    // the server must report the row as matched, or perseus would log no_row.
    use mysql::prelude::Queryable;
    use perseus::load::{database as db, mysql as my};
    let server = MariaDb::start();
    server.sql("INSERT INTO lily.storage (id, value) VALUES ('same', 5)");
    let node = perseus::cluster::NodeSpec {
        name: "n1".into(),
        host: "127.0.0.1".into(),
        port: server.port,
        protocol: perseus::cluster::Protocol::Mysql,
        tls: perseus::cluster::Tls::Disable,
    };
    let creds = db::Credentials {
        user: "root".into(),
        password: None,
    };
    let second = std::time::Duration::from_secs(2);
    let timeouts = db::Timeouts {
        connect: second,
        read: second,
        write: second,
    };
    let sql = db::Sql::mysql("lily", "storage");
    let mut s =
        my::MysqlConnection::open(&my::opts(&node, &creds, timeouts), &sql).expect("connect");
    s.conn.exec_drop(&s.update, (5i64, "same")).expect("update");
    assert_eq!(s.conn.affected_rows(), 1);
}

#[test]
fn a_fault_command_that_hangs_is_killed_with_its_children_and_logged() {
    let server = MariaDb::start();
    let s = Setup::new("slowfault", &[&server]);
    let child_pid = s.dir.join("child.pid");
    let script = s.dir.join("hang.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\nsleep 60 &\necho $! > {}\nwait\n",
            child_pid.display()
        ),
    )
    .expect("script");
    let cmd = format!("hang=bash {}", script.display());
    let out = run(&s.args(&[
        "--duration",
        "4",
        "--fault",
        "1:hang:n1",
        "--fault-cmd",
        &cmd,
        "--fault-timeout",
        "1",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_log(&s.log);
    let fault = events
        .iter()
        .find(|e| e["ev"] == "fault")
        .expect("fault logged");
    assert_eq!(fault["exit"], -1);
    assert!(
        fault["note"].as_str().expect("note").contains("timed out"),
        "{fault}"
    );
    let pid = std::fs::read_to_string(&child_pid).expect("child pid");
    assert!(
        !common::perseus::alive(&pid),
        "the command's child was killed too"
    );
    assert!(rows(&text(&out.stdout))[3][1] > 0, "the load went on");
}

/// A server that takes no writes (a replica, `read_only`) refuses each
/// write with 1290: logged as its own kind, `read_only`, so a user pointed
/// at replicas sees why nothing is written; reads still succeed.
#[test]
fn a_read_only_server_refuses_writes_as_read_only() {
    let server = MariaDb::start();
    server.sql(
        "CREATE USER 'ro'@'%'; GRANT SELECT, INSERT, UPDATE ON lily.* TO 'ro'@'%'; \
         INSERT INTO lily.storage VALUES ('seed', 0); SET GLOBAL read_only = 1",
    );
    let s = Setup::new("readonly", &[&server]);
    let out = run(&s.args(&["--duration", "1.5", "--user", "ro"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("read_only 1290 ×"),
        "{}",
        text(&out.stderr)
    );
    let events = read_log(&s.log);
    let refused: Vec<_> = ops(&events, "n1").filter(|e| e["ok"] == false).collect();
    assert!(!refused.is_empty(), "writes were refused");
    for e in &refused {
        assert_eq!(e["op"], "insert", "{e}");
        assert_eq!(
            (&e["err"]["kind"], &e["err"]["code"]),
            (&"read_only".into(), &1290.into()),
            "{e}"
        );
    }
    assert!(ops(&events, "n1").any(|e| e["op"] == "read" && e["ok"] == true));
}
