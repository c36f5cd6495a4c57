//! perseus against real PostgreSQL servers (started by the tests, on
//! loopback, as user postgres): the loop, the table and the log; a restart;
//! a read-only database; SCRAM and md5 passwords; a frozen server; the
//! cluster file's protocol field.

mod common;

use common::perseus::{
    assert_latencies, failures, in_flight, ops, perseus, read_log, rows, run, text, Setup,
};
use common::postgres::{cluster_file, PgServer, PASSWORD};
use common::report::report;
use serde_json::Value;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

fn setup(name: &str, servers: &[&PgServer]) -> Setup {
    Setup::with_cluster(name, |dir| cluster_file(dir, servers, ""))
}

/// perseus as user `perseus`, its password in PGPASSWORD.
fn spawn(args: &[&str]) -> Child {
    perseus()
        .args(args)
        .args(["--user", "perseus"])
        .env("PGPASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start perseus")
}

fn finish(child: Child) -> Output {
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "perseus failed: {}",
        text(&out.stderr)
    );
    out
}

fn sleep_s(s: f64) {
    std::thread::sleep(Duration::from_secs_f64(s));
}

fn writes<'a>(events: &'a [Value], node: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    ops(events, node).filter(|e| e["op"] == "insert" || e["op"] == "update")
}

fn successes(events: &[Value], node: &str) -> Vec<u64> {
    writes(events, node)
        .filter(|e| e["ok"] == true)
        .map(|e| e["t_us"].as_u64().expect("t_us"))
        .collect()
}

/// The live table is the report's, byte for byte.
fn assert_table_replays(out: &Output, log: &std::path::Path, extra: &[&str]) {
    let mut args = vec!["--table"];
    args.extend_from_slice(extra);
    args.push(log.to_str().expect("utf8"));
    let rep = report(&args, b"");
    assert_eq!(rep.status.code(), Some(0), "{}", text(&rep.stderr));
    assert_eq!(text(&out.stdout), text(&rep.stdout), "live table vs report");
}

/// The stop event's counts are what the log holds.
fn assert_counts_match(events: &[Value]) {
    let stop = events.last().expect("events");
    assert_eq!(stop["ev"], "stop", "{stop}");
    let op_events: Vec<&Value> = events.iter().filter(|e| e["ev"] == "op").collect();
    let failed = op_events.iter().filter(|e| e["ok"] == false).count() as u64;
    let iterations = op_events
        .iter()
        .filter(|e| e["ok"] == true && (e["op"] == "insert" || e["op"] == "update"))
        .count() as u64;
    assert_eq!(stop["operations"].as_u64(), Some(op_events.len() as u64));
    assert_eq!(stop["errors"].as_u64(), Some(failed));
    assert_eq!(stop["iterations"].as_u64(), Some(iterations));
}

#[test]
fn the_loop_against_three_servers_the_table_replays_and_the_database_agrees() {
    let servers = [PgServer::start(), PgServer::start(), PgServer::start()];
    let s = setup("pg-counts", &servers.iter().collect::<Vec<_>>());
    let out = finish(spawn(&s.args(&[
        "--duration",
        "3",
        "--conns",
        "2",
        "--errors",
    ])));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("# second\ttotal\tn1\tn2\tn3\terr:n1\terr:n2\terr:n3\n"),
        "{stdout}"
    );
    let table = rows(&stdout);
    assert_eq!(table.len(), 3, "{stdout}");
    for row in &table {
        assert!(
            row[2..5].iter().all(|&n| n > 0),
            "every node serves: {stdout}"
        );
        assert_eq!(&row[5..8], &[0, 0, 0], "no errors: {stdout}");
    }
    assert_table_replays(&out, &s.log, &["--errors"]);
    let events = read_log(&s.log);
    assert_counts_match(&events);
    let connect = events
        .iter()
        .find(|e| e["op"] == "connect" && e["ok"] == true)
        .expect("a connect");
    assert!(
        connect["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("PostgreSQL ")),
        "{connect}"
    );
    // Each key holds its acknowledged writes minus one, or the value of a
    // write the stop caught in flight.
    let stop = events.last().expect("stop");
    for (n, server) in servers.iter().enumerate() {
        let node = format!("n{}", n + 1);
        for conn in 0..2 {
            let acked: Vec<&Value> = writes(&events, &node)
                .filter(|e| e["conn"] == conn && e["ok"] == true)
                .collect();
            let key = acked[0]["key"].as_str().expect("key");
            let stored: u64 = server
                .sql(
                    "lily",
                    &format!("SELECT value FROM storage WHERE id = '{key}'"),
                )
                .parse()
                .expect("a value");
            let in_flight = stop["in_flight"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|o| o["key"] == key && o["value"].is_u64())
                .and_then(|o| o["value"].as_u64());
            let expected = acked.len() as u64 - 1;
            assert!(
                stored == expected || Some(stored) == in_flight,
                "key {key}: stored {stored}, acknowledged {expected}, in flight {in_flight:?}"
            );
        }
    }
    assert!(
        servers[0]
            .log()
            .contains("user=perseus database=lily application_name=perseus"),
        "{}",
        servers[0].log()
    );
}

#[test]
fn reconnects_after_a_server_restart() {
    let mut servers = [PgServer::start(), PgServer::start()];
    let s = setup("pg-restart", &servers.iter().collect::<Vec<_>>());
    let child = spawn(&s.args(&["--duration", "7"]));
    sleep_s(2.0);
    servers[1].stop();
    let stopped = Instant::now();
    sleep_s(1.5);
    servers[1].restart();
    let back_after = stopped.elapsed().as_secs_f64();
    let out = finish(child);
    let events = read_log(&s.log);
    let failed: Vec<&Value> = ops(&events, "n2").filter(|e| e["ok"] == false).collect();
    assert!(
        failed
            .iter()
            .any(|e| e["op"] == "connect" && e["err"]["kind"] == "connect"),
        "refused connects are logged: {:?}",
        &failed[..failed.len().min(5)]
    );
    // A fast shutdown ends each session with FATAL 57P01: the connection
    // broke, so a write's outcome is unknown.
    assert!(
        failed
            .iter()
            .any(|e| e["err"]["code"] == "57P01" && e["err"]["kind"] == "io"),
        "{:?}",
        &failed[..failed.len().min(5)]
    );
    let n2 = successes(&events, "n2");
    let gap = n2.windows(2).map(|w| w[1] - w[0]).max().expect("successes");
    assert!(
        gap as f64 >= 1.4e6 && (gap as f64) < (back_after + 2.0) * 1e6,
        "outage of n2: {gap} µs"
    );
    assert!(*n2.last().expect("n2") > 5_000_000, "n2 serves again");
    let n1 = successes(&events, "n1");
    let n1_gap = n1.windows(2).map(|w| w[1] - w[0]).max().expect("n1");
    assert!(n1_gap < 500_000, "n1 is not disturbed: {n1_gap} µs");
    assert_table_replays(&out, &s.log, &[]);
}

#[test]
fn a_read_only_database_refuses_writes_as_read_only_and_reads_go_on() {
    let server = PgServer::start();
    server.sql(
        "postgres",
        "ALTER DATABASE lily SET default_transaction_read_only = on",
    );
    let s = setup("pg-readonly", &[&server]);
    let out = finish(spawn(&s.args(&["--duration", "1.5"])));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("read_only 25006 ×"), "{stderr}");
    let events = read_log(&s.log);
    let refused: Vec<&Value> = ops(&events, "n1").filter(|e| e["ok"] == false).collect();
    assert!(!refused.is_empty(), "writes were refused");
    for e in &refused {
        assert_eq!(e["op"], "insert", "{e}");
        assert_eq!(e["err"]["kind"], "read_only", "{e}");
        assert_eq!(e["err"]["code"], "25006", "{e}");
    }
    assert!(ops(&events, "n1").any(|e| e["op"] == "read" && e["ok"] == true));
}

/// The authentication method the server's log names for `user`'s last
/// connection.
fn auth_method(server: &PgServer, user: &str) -> String {
    server
        .log()
        .lines()
        .filter(|l| l.contains(&format!("identity=\"{user}\"")))
        .filter_map(|l| l.split("method=").nth(1))
        .map(|m| m.split_whitespace().next().unwrap_or("").to_string())
        .next_back()
        .unwrap_or_default()
}

#[test]
fn scram_and_md5_passwords_work_and_a_wrong_one_is_refused_before_the_load() {
    let server = PgServer::start();
    let s = setup("pg-auth", &[&server]);
    let cluster = s.cluster.to_str().expect("utf8");
    for (user, method) in [("perseus", "scram-sha-256"), ("perseus_md5", "md5")] {
        let out = perseus()
            .args(s.args(&["--duration", "1", "--user", user]))
            // PGPASSWORD comes before MYSQL_PWD for a PostgreSQL node.
            .env("PGPASSWORD", PASSWORD)
            .env("MYSQL_PWD", "not-this-one")
            .output()
            .expect("run");
        assert!(out.status.success(), "{user}: {}", text(&out.stderr));
        assert_eq!(auth_method(&server, user), method, "{}", server.log());
        let everything = format!(
            "{}{}{}",
            std::fs::read_to_string(&s.log).expect("log"),
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(!everything.contains(PASSWORD), "the password leaked");
    }
    // --password-file comes first; MYSQL_PWD serves when nothing else does.
    let pw_file = s.dir.join("pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).expect("write");
    let pw = pw_file.to_str().expect("utf8");
    let base = ["--cluster", cluster, "--no-log", "--duration", "0.5"];
    let out = perseus()
        .args(base)
        .args(["--user", "perseus", "--password-file", pw])
        .env("PGPASSWORD", "wrong")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = perseus()
        .args(base)
        .args(["--user", "perseus"])
        .env("MYSQL_PWD", PASSWORD)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A wrong password, or none: refused before any load, naming the node.
    let denied = s.dir.join("denied.jsonl");
    for password in [Some("wrong"), None] {
        let mut cmd = perseus();
        cmd.args([
            "--cluster",
            cluster,
            "--log",
            denied.to_str().expect("utf8"),
        ])
        .args(["--user", "perseus"]);
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        let out = common::perseus::output_within(cmd, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("node n1") && stderr.contains("access denied"),
            "{stderr}"
        );
        assert!(stderr.contains("PGPASSWORD"), "{stderr}");
        assert!(!denied.exists(), "no empty log is left behind");
    }
}

#[test]
fn a_missing_table_or_database_points_at_init_lily() {
    let server = PgServer::start();
    let s = setup("pg-missing", &[&server]);
    let cluster = s.cluster.to_str().expect("utf8");
    for extra in [["--table", "absent"], ["--database", "nodb"]] {
        let mut cmd = perseus();
        cmd.args(["--cluster", cluster, "--no-log", "--user", "perseus"])
            .args(extra)
            .env("PGPASSWORD", PASSWORD);
        let out = common::perseus::output_within(cmd, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("node n1") && stderr.contains("bin/init-lily.sh n1"),
            "{stderr}"
        );
    }
}

/// Thaws a frozen server however the test ends.
struct Frozen<'a>(&'a PgServer);

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        self.0.thaw();
    }
}

#[test]
fn a_frozen_server_times_out_within_the_timeout_and_the_run_ends_on_time() {
    let servers = [PgServer::start(), PgServer::start()];
    let s = setup("pg-freeze", &servers.iter().collect::<Vec<_>>());
    let began = Instant::now();
    let child = spawn(&s.args(&[
        "--duration",
        "5",
        "--read-timeout",
        "1",
        "--write-timeout",
        "1",
        "--connect-timeout",
        "1",
        "--errors",
    ]));
    sleep_s(1.5);
    servers[1].freeze();
    let thaw = Frozen(&servers[1]);
    let out = finish(child);
    let took = began.elapsed();
    drop(thaw);
    assert!(took < Duration::from_millis(6_000), "perseus took {took:?}");
    let events = read_log(&s.log);
    let stop = events.last().expect("stop");
    let stop_us = stop["t_us"].as_u64().expect("t");
    assert!(
        (5_000_000..5_100_000).contains(&stop_us),
        "stop at {stop_us}"
    );
    assert_counts_match(&events);
    let timeouts = failures(&events, "n2", "timeout");
    assert!(
        timeouts.len() >= 2,
        "the hang is logged as timeouts: {timeouts:?}"
    );
    // The timeout, and little more.
    assert_latencies(&timeouts, 1_000_000..1_300_000);
    assert!(
        timeouts.iter().any(|t| t["op"] == "connect"),
        "a connect to the frozen server times out too: {timeouts:?}"
    );
    let table = rows(&text(&out.stdout));
    assert_eq!(table.len(), 5);
    assert!(
        table.iter().all(|r| r[2] > 0),
        "n1 serves throughout: {table:?}"
    );
    assert!(table[3][3] == 0 && table[3][5] > 0, "n2 is out: {table:?}");
    assert_table_replays(&out, &s.log, &["--errors"]);
}

#[test]
fn the_protocol_field_is_checked_and_mysql_fields_are_refused_on_postgres_terms() {
    let dir = common::mariadb::scratch_dir("pg-protocol");
    let cluster = dir.join("cluster.json");
    let refused = |json: &str| {
        std::fs::write(&cluster, json).expect("write");
        let out = run(&["--cluster", cluster.to_str().expect("utf8"), "--no-log"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        text(&out.stderr)
    };
    let e = refused(r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1, "protocol": "oracle"}}}"#);
    assert!(
        e.contains("node n1") && e.contains("db.protocol") && e.contains("oracle"),
        "{e}"
    );
    let e = refused(r#"{"n1": {"host": "127.0.0.1", "db": {"port": 1, "sslmode": "require"}}}"#);
    assert!(e.contains("node n1") && e.contains("db.sslmode"), "{e}");
}

/// Runs perseus against `server` with `db` fields added to the node's entry;
/// its output.
fn run_with_db_fields(name: &str, server: &PgServer, extra: &str) -> Output {
    let s = Setup::with_cluster(name, |dir| cluster_file(dir, &[server], extra));
    let mut cmd = perseus();
    cmd.args(s.args(&["--duration", "1", "--user", "perseus"]))
        .env("PGPASSWORD", PASSWORD);
    common::perseus::output_within(cmd, Duration::from_secs(30))
}

#[test]
fn tls_where_the_cluster_file_asks_require_and_verify_full() {
    let certs = common::postgres::scratch("pg-certs");
    let (cert, key) = common::postgres::self_signed(&certs, "server");
    let (stranger, _) = common::postgres::self_signed(&certs, "stranger");
    let server = PgServer::start_with(&[
        "ssl=on",
        &format!("ssl_cert_file={}", cert.display()),
        &format!("ssl_key_file={}", key.display()),
    ]);
    let ok = |name: &str, extra: &str| {
        let out = run_with_db_fields(name, &server, extra);
        assert!(out.status.success(), "{extra}: {}", text(&out.stderr));
    };
    ok("pg-tls-require", r#", "sslmode": "require""#);
    assert!(server.log().contains("SSL enabled"), "{}", server.log());
    let root = |file: &std::path::Path| {
        format!(
            r#", "sslmode": "verify-full", "sslrootcert": "{}""#,
            file.display()
        )
    };
    ok("pg-tls-verify", &root(&cert));
    // A certificate no authority given vouches for: refused before the load.
    let out = run_with_db_fields("pg-tls-stranger", &server, &root(&stranger));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node n1")
            && stderr.contains("certificate")
            && stderr.contains("db.sslrootcert"),
        "{stderr}"
    );
    let missing = certs.join("absent.crt");
    let out = run_with_db_fields("pg-tls-absent", &server, &root(&missing));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node n1")
            && stderr.contains("db.sslrootcert")
            && stderr.contains("absent.crt"),
        "{stderr}"
    );
    // TLS asked of a server without it.
    let plain = PgServer::start();
    let out = run_with_db_fields("pg-tls-none", &plain, r#", "sslmode": "require""#);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node n1") && stderr.contains("does not support TLS"),
        "{stderr}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&certs);
}

#[test]
fn init_lily_creates_the_schema_on_a_postgres_node_and_can_run_again() {
    let server = PgServer::start();
    server.sql("postgres", "DROP DATABASE lily");
    server.sql("postgres", "ALTER ROLE perseus CREATEDB");
    let s = setup("pg-init", &[&server]);
    let init = |password: &str| {
        std::process::Command::new(format!("{}/bin/init-lily.sh", env!("CARGO_MANIFEST_DIR")))
            .arg("n1")
            .env("PERSEUS_CLUSTER", &s.cluster)
            .env("PERSEUS_USER", "perseus")
            .env("PGPASSWORD", password)
            .env_remove("MYSQL_PWD")
            .stdin(Stdio::null())
            .output()
            .expect("run init-lily.sh")
    };
    for _ in 0..2 {
        let out = init(PASSWORD);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("lily.storage is ready"));
    }
    let columns = server.sql(
        "lily",
        "SELECT column_name || ' ' || data_type FROM information_schema.columns \
         WHERE table_name = 'storage' ORDER BY ordinal_position",
    );
    assert_eq!(columns, "id character varying\nvalue bigint");
    let out = finish(spawn(&s.args(&["--duration", "1"])));
    assert!(rows(&text(&out.stdout))[0][1] > 0, "perseus runs on it");
    let out = init("wrong");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node n1") && stderr.contains("password authentication failed"),
        "{stderr}"
    );
}

#[test]
fn a_server_frozen_at_the_end_holds_neither_the_end_nor_the_exit() {
    // The default read timeout (3 s) outlasts the run: the worker blocked in
    // its runtime is left behind, its read listed as in flight.
    let servers = [PgServer::start(), PgServer::start()];
    let s = setup("pg-frozen-end", &servers.iter().collect::<Vec<_>>());
    let began = Instant::now();
    let child = spawn(&s.args(&["--duration", "3"]));
    sleep_s(2.2);
    servers[1].freeze();
    let thaw = Frozen(&servers[1]);
    let out = finish(child);
    let took = began.elapsed();
    drop(thaw);
    assert!(took < Duration::from_millis(4_300), "perseus took {took:?}");
    let events = read_log(&s.log);
    assert_counts_match(&events);
    let stop = events.last().expect("stop");
    let hung = in_flight(stop, "n2");
    assert_eq!(hung.len(), 1, "{stop}");
    assert_table_replays(&out, &s.log, &[]);
}

#[test]
fn one_run_measures_both_protocols_and_warns_of_a_node_that_is_down() {
    // A MariaDB node and a PostgreSQL node with the same user and password
    // (MYSQL_PWD serves both), and a PostgreSQL node nobody listens on.
    let maria = common::mariadb::MariaDb::start();
    maria.sql(&format!(
        "CREATE USER 'perseus'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; \
         GRANT ALL ON lily.* TO 'perseus'@'127.0.0.1'"
    ));
    let pg = PgServer::start();
    let down = common::mariadb::free_port();
    let s = Setup::with_cluster("both-protocols", |dir| {
        common::mariadb::write_cluster(
            dir,
            &[
                format!(r#"{{"port": {}}}"#, maria.port),
                format!(r#"{{"port": {}, "protocol": "postgres"}}"#, pg.port),
                format!(r#"{{"port": {down}, "protocol": "postgres"}}"#),
            ],
        )
    });
    let out = perseus()
        .args(s.args(&["--duration", "2", "--user", "perseus"]))
        .env("MYSQL_PWD", PASSWORD)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: node n3") && stderr.contains("the run goes on"),
        "{stderr}"
    );
    let events = read_log(&s.log);
    let version = |node: &str| {
        ops(&events, node)
            .find_map(|e| e["version"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(version("n1").contains("MariaDB"), "{}", version("n1"));
    assert!(version("n2").starts_with("PostgreSQL"), "{}", version("n2"));
    assert!(!successes(&events, "n1").is_empty() && !successes(&events, "n2").is_empty());
    assert!(failures(&events, "n3", "connect")
        .iter()
        .all(|e| e["op"] == "connect"));
    assert!(!failures(&events, "n3", "connect").is_empty());
}
