//! bin/init-lily.sh: against a real MariaDB server (twice, with and without a
//! password), against a node that refuses, and with a fake or missing client.

use crate::mariadb::MariaDb;
use crate::support::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// A one-node cluster file pointing at 127.0.0.1:port.
fn one_node_cluster(scratch: &Scratch, port: u16) -> String {
    let file = scratch.path("cluster.json");
    std::fs::write(
        &file,
        format!(r#"{{"maria": {{"host": "127.0.0.1", "db": {{"port": {port}}}}}}}"#),
    )
    .expect("write cluster file");
    file.display().to_string()
}

#[test]
fn init_lily_creates_the_table_on_mariadb_and_can_run_again() {
    let scratch = Scratch::new("lily-mariadb");
    let db = MariaDb::start(&scratch);
    let cluster = one_node_cluster(&scratch, db.port);
    let env = [("PERSEUS_CLUSTER", cluster.as_str())];

    let first = run_script("init-lily.sh", &["maria"], &env).expect_ok("init-lily.sh");
    assert!(
        first.stderr.contains("lily.storage is ready"),
        "{}",
        first.stderr
    );
    let columns = db
        .sql("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema='lily' AND table_name='storage' ORDER BY ordinal_position")
        .expect("query columns");
    assert_eq!(columns, "id\tvarchar\nvalue\tbigint");

    // The statements perseus runs, then a second init that keeps the data.
    db.sql("INSERT INTO lily.storage (id, value) VALUES ('k', 1); UPDATE lily.storage SET value = 2 WHERE id = 'k'")
        .expect("perseus's writes");
    run_script("init-lily.sh", &["maria"], &env).expect_ok("second init-lily.sh");
    assert_eq!(
        db.sql("SELECT value FROM lily.storage WHERE id = 'k'")
            .expect("read back"),
        "2"
    );

    // A user with a password: MYSQL_PWD carries it; a wrong one is refused.
    db.sql("CREATE USER 'perseus'@'localhost' IDENTIFIED BY 's3cret'; CREATE USER 'perseus'@'127.0.0.1' IDENTIFIED BY 's3cret'; GRANT ALL ON *.* TO 'perseus'@'localhost'; GRANT ALL ON *.* TO 'perseus'@'127.0.0.1'")
        .expect("create user");
    let with = |pwd: &'static str| {
        [
            ("PERSEUS_CLUSTER", cluster.as_str()),
            ("PERSEUS_USER", "perseus"),
            ("MYSQL_PWD", pwd),
        ]
    };
    run_script("init-lily.sh", &["maria"], &with("s3cret"))
        .expect_ok("init-lily.sh with a password");
    run_script("init-lily.sh", &["maria"], &with("wrong"))
        .expect_error(&["node maria", "Access denied"]);
}

#[test]
fn init_lily_names_a_node_that_refuses_or_is_unknown() {
    let scratch = Scratch::new("lily-refused");
    let port = free_port();
    let cluster = one_node_cluster(&scratch, port);
    let env = [("PERSEUS_CLUSTER", cluster.as_str())];
    let started = Instant::now();
    run_script("init-lily.sh", &["maria"], &env).expect_error(&[
        "node maria",
        &format!("127.0.0.1:{port}"),
        "could not apply",
    ]);
    assert!(started.elapsed() < Duration::from_secs(30));
    run_script("init-lily.sh", &["nobody"], &env).expect_error(&["unknown node 'nobody'", "maria"]);
    run_script("init-lily.sh", &[], &env).expect_error(&["usage", "maria"]);
}

#[test]
fn init_lily_keeps_the_password_off_the_command_line() {
    let scratch = Scratch::new("lily-argv");
    let seen = scratch.path("seen");
    // A fake client that records what it was given.
    write_executable(
        &scratch.path("tools/mysql"),
        &format!("#!/bin/sh\nprintf 'argv: %s\\n' \"$*\" > '{0}'\nprintf 'pwd: %s\\n' \"$MYSQL_PWD\" >> '{0}'\ncat >> '{0}'\n", seen.display()),
    );
    let cluster = one_node_cluster(&scratch, 4000);
    let path = path_with(&scratch.path("tools"));
    let env = [
        ("PERSEUS_CLUSTER", cluster.as_str()),
        ("PATH", path.as_str()),
        ("PERSEUS_USER", "alice"),
        ("MYSQL_PWD", "hunter2"),
    ];
    run_script("init-lily.sh", &["maria"], &env).expect_ok("init-lily.sh with a fake client");
    let seen = std::fs::read_to_string(&seen).expect("the fake client ran");
    let argv = seen.lines().next().unwrap_or_default();
    assert!(
        argv.contains("--user=alice")
            && argv.contains("--port=4000")
            && argv.contains("--host=127.0.0.1"),
        "{argv}"
    );
    assert!(
        !argv.contains("hunter2"),
        "password on the command line: {argv}"
    );
    assert!(seen.contains("pwd: hunter2"), "{seen}");
    assert!(
        seen.contains("CREATE TABLE IF NOT EXISTS lily.storage"),
        "the schema went to stdin: {seen}"
    );
}

#[test]
fn init_lily_says_so_when_no_client_is_installed() {
    let scratch = Scratch::new("lily-noclient");
    // A PATH with just the tools the script needs, and no mysql or mariadb.
    let tools = scratch.path("tools");
    std::fs::create_dir_all(&tools).expect("mkdir tools");
    let search = std::env::var("PATH").unwrap_or_default();
    for tool in ["bash", "dirname", "basename", "jq", "paste"] {
        let found = search
            .split(':')
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{tool} is not on PATH"));
        std::os::unix::fs::symlink(found, tools.join(tool)).expect("link tool");
    }
    let cluster = one_node_cluster(&scratch, 4000);
    let path = tools.display().to_string();
    run_script(
        "init-lily.sh",
        &["maria"],
        &[("PERSEUS_CLUSTER", &cluster), ("PATH", &path)],
    )
    .expect_error(&["needs a MySQL client", "apt-get install"]);
}
