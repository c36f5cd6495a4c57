//! bin/run-{pd,kv,db}.sh: the command lines they build (through --dry-run,
//! with fake server binaries), their errors, and the default cluster file.

use crate::support::*;

/// Fake server binaries that print their arguments, and a data directory.
struct Runs {
    scratch: Scratch,
}

impl Runs {
    fn new(name: &str) -> Runs {
        let scratch = Scratch::new(name);
        for server in SERVERS {
            write_executable(
                &scratch.path("bin").join(server),
                &format!("#!/bin/sh\necho \"{server} $*\"\n"),
            );
        }
        Runs { scratch }
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "TIDB_BIN_DIR".into(),
                self.scratch.path("bin").display().to_string(),
            ),
            (
                "PERSEUS_DATA_DIR".into(),
                self.scratch.path("data").display().to_string(),
            ),
        ]
    }

    fn run(&self, script: &str, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let base = self.env();
        let mut env: Vec<(&str, &str)> =
            base.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        env.extend_from_slice(extra);
        run_script(script, args, &env)
    }

    /// `script --dry-run node`, which must succeed.
    fn dry(&self, script: &str, node: &str, extra: &[(&str, &str)]) -> Run {
        self.run(script, &["--dry-run", node], extra)
            .expect_ok(script)
    }

    fn bin(&self, server: &str) -> String {
        self.scratch.path("bin").join(server).display().to_string()
    }

    fn data(&self, rel: &str) -> String {
        self.scratch.path("data").join(rel).display().to_string()
    }
}

const PDS: &str = "127.0.0.1:2379,127.0.0.1:2479,127.0.0.1:2579";

#[test]
fn run_scripts_dry_run_print_the_flags_from_the_default_cluster_file() {
    let runs = Runs::new("run-dry");
    let pd = runs
        .run("run-pd.sh", &["--dry-run", "tidb2"], &[])
        .expect_ok("run-pd.sh --dry-run");
    let want = format!(
        "{} --name=pd2 --data-dir={} --client-urls=http://127.0.0.1:2479 --peer-urls=http://127.0.0.1:2480 \
         --initial-cluster=pd1=http://127.0.0.1:2380,pd2=http://127.0.0.1:2480,pd3=http://127.0.0.1:2580 --log-file={}\n",
        runs.bin("pd-server"),
        runs.data("tidb2/pd/data"),
        runs.data("tidb2/pd/pd.log")
    );
    assert_eq!(pd.stdout, want);

    let kv = runs
        .run("run-kv.sh", &["tidb3"], &[("PERSEUS_DRY_RUN", "1")])
        .expect_ok("run-kv.sh dry");
    // All three nodes on one host: TiKV gets the one-machine settings.
    let want = format!(
        "{} --config={} --pd={PDS} --addr=127.0.0.1:20162 --advertise-addr=127.0.0.1:20162 --status-addr=127.0.0.1:20182 \
         --data-dir={} --log-file={}\n",
        runs.bin("tikv-server"),
        root().join("etc/tikv-one-machine.toml").display(),
        runs.data("tidb3/kv/data"),
        runs.data("tidb3/kv/tikv.log")
    );
    assert_eq!(kv.stdout, want);

    let db = runs
        .run("run-db.sh", &["tidb1", "--dry-run"], &[])
        .expect_ok("run-db.sh --dry-run");
    let want = format!(
        "{} --store=tikv --path={PDS} --host=127.0.0.1 -P 4000 --status=10080 --status-host=127.0.0.1 --advertise-address=127.0.0.1 \
         --socket={} --temp-dir={} --log-file={} --log-slow-query={}\n",
        runs.bin("tidb-server"),
        runs.data("tidb1/db/tidb.sock"),
        runs.data("tidb1/db/tmp"),
        runs.data("tidb1/db/tidb.log"),
        runs.data("tidb1/db/tidb-slow.log")
    );
    assert_eq!(db.stdout, want);
    assert!(
        !runs.scratch.path("data").exists(),
        "a dry run creates no directories"
    );
}

#[test]
fn run_scripts_start_the_server_with_its_directory_made() {
    let runs = Runs::new("run-exec");
    let kv = runs
        .run("run-kv.sh", &["tidb1"], &[])
        .expect_ok("run-kv.sh");
    assert!(
        kv.stdout.starts_with("tikv-server ") && kv.stdout.contains(" --pd=127.0.0.1:2379,"),
        "{}",
        kv.stdout
    );
    assert!(std::path::Path::new(&runs.data("tidb1/kv")).is_dir());
}

#[test]
fn run_scripts_pass_the_config_files() {
    let runs = Runs::new("run-config");
    let conf = runs.scratch.path("small.toml");
    std::fs::write(
        &conf,
        "[storage.block-cache]\ncapacity = \"256MB\"\n[rocksdb]\nmax-open-files = 256\n[raftdb]\nmax-open-files = 256\n",
    )
    .expect("write config");
    let conf = conf.display().to_string();
    for (script, var) in [
        ("run-pd.sh", "PD_CONFIG"),
        ("run-kv.sh", "TIKV_CONFIG"),
        ("run-db.sh", "TIDB_CONFIG"),
    ] {
        runs.dry(script, "tidb1", &[(var, &conf)])
            .expect_stdout(&[&format!(" --config={conf} ")]);
        let missing = runs.scratch.path("nope.toml").display().to_string();
        runs.run(script, &["--dry-run", "tidb1"], &[(var, &missing)])
            .expect_error(&[var, &missing]);
    }
    // Without the variables, no --config at all (run-kv.sh may add one of
    // etc/'s: see the TiKV tests below).
    let plain = runs.dry("run-db.sh", "tidb1", &[]);
    assert!(!plain.stdout.contains("--config"), "{}", plain.stdout);
}

#[test]
fn run_scripts_name_an_unknown_node_and_want_one() {
    let runs = Runs::new("run-unknown");
    for script in ["run-pd.sh", "run-kv.sh", "run-db.sh"] {
        runs.run(script, &["--dry-run", "tidb9"], &[])
            .expect_error(&["unknown node 'tidb9'", "tidb1,tidb2,tidb3"]);
        runs.run(script, &["--dry-run"], &[])
            .expect_error(&["which node?", "tidb1,tidb2,tidb3"]);
        runs.run(script, &["--bogus", "tidb1"], &[])
            .expect_error(&["unknown option '--bogus'"]);
    }
}

#[test]
fn run_scripts_point_at_get_tidb_when_a_binary_is_missing() {
    let scratch = Scratch::new("run-nobin");
    let home = scratch.path("tidb").display().to_string();
    let data = scratch.path("data").display().to_string();
    for (script, server) in [
        ("run-pd.sh", "pd-server"),
        ("run-kv.sh", "tikv-server"),
        ("run-db.sh", "tidb-server"),
    ] {
        let want = format!("{home}/v8.5.1/bin/{server}");
        let env = [
            ("TIDB_HOME", home.as_str()),
            ("TIDB_VERSION", "v8.5.1"),
            ("PERSEUS_DATA_DIR", data.as_str()),
        ];
        for args in [&["--dry-run", "tidb1"][..], &["tidb1"]] {
            run_script(script, args, &env).expect_error(&[&want, "bin/get-tidb.sh"]);
        }
    }
    assert!(
        !scratch.path("data").exists(),
        "a failed start creates no directories"
    );
}

#[test]
fn run_scripts_follow_a_three_host_cluster_file_and_check_ports() {
    let runs = Runs::new("run-hosts");
    let file = runs.scratch.path("hosts.json");
    let node = |n: u8| {
        format!(
            r#""n{n}": {{"host": "127.0.0.{n}", "db": {{"port": 4000, "statusPort": 10080}},
                "kv": {{"name": "kv{n}", "port": 20160, "statusPort": 20180}},
                "pd": {{"name": "p{n}", "clientPort": 2379, "peerPort": 2380}}}}"#
        )
    };
    std::fs::write(&file, format!("{{{}, {}, {}}}", node(1), node(2), node(3)))
        .expect("write cluster file");
    let file_s = file.display().to_string();
    let env = [("PERSEUS_CLUSTER", file_s.as_str())];
    runs.dry("run-pd.sh", "n2", &env).expect_stdout(&[
        " --initial-cluster=p1=http://127.0.0.1:2380,p2=http://127.0.0.2:2380,p3=http://127.0.0.3:2380 ",
        " --client-urls=http://127.0.0.2:2379 ",
    ]);
    runs.dry("run-db.sh", "n3", &env)
        .expect_stdout(&[" --path=127.0.0.1:2379,127.0.0.2:2379,127.0.0.3:2379 "]);

    // A port that is no number, then a node without its pd part.
    let bad = runs.scratch.path("bad.json");
    let bad_s = bad.display().to_string();
    let env = [("PERSEUS_CLUSTER", bad_s.as_str())];
    let bad_port = node(1).replace("\"port\": 20160", "\"port\": \"x\"");
    std::fs::write(&bad, format!("{{{bad_port}}}")).expect("write bad cluster file");
    runs.run("run-kv.sh", &["--dry-run", "n1"], &env)
        .expect_error(&["node n1", "kv.port", "'x'"]);
    let no_pd = r#"{"n1": {"host": "127.0.0.1", "db": {"port": 4000}}}"#;
    std::fs::write(&bad, no_pd).expect("write bad cluster file");
    runs.run("run-pd.sh", &["--dry-run", "n1"], &env)
        .expect_error(&["node n1", "missing field pd.name"]);
}

#[test]
fn the_default_cluster_file_is_three_nodes_on_one_machine() {
    let file = root().join("etc/tidb-cluster.json");
    let nodes = perseus::cluster::load(&file).expect("perseus reads etc/tidb-cluster.json");
    let names: Vec<_> = nodes
        .iter()
        .map(|n| (n.name.as_str(), n.host.as_str(), n.port))
        .collect();
    assert_eq!(
        names,
        vec![
            ("tidb1", "127.0.0.1", 4000),
            ("tidb2", "127.0.0.1", 4001),
            ("tidb3", "127.0.0.1", 4002)
        ]
    );

    // All on one host, so no two ports may be the same.
    let text = std::fs::read_to_string(&file).expect("read cluster file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut ports = Vec::new();
    for node in json.as_object().expect("an object").values() {
        for (part, fields) in [
            ("db", &["port", "statusPort"][..]),
            ("kv", &["port", "statusPort"]),
            ("pd", &["clientPort", "peerPort"]),
        ] {
            for field in fields {
                ports.push(node[part][*field].as_u64().expect("a port number"));
            }
        }
    }
    let mut unique = ports.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ports.len(), "ports repeat: {ports:?}");
}

/// The environment that points the run scripts at the stand-ins, with a
/// data directory in `scratch`, and at `cluster` when given.
fn standin_env(scratch: &Scratch, cluster: Option<&str>) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PERSEUS_DATA_DIR".to_string(),
            scratch.path("data").display().to_string(),
        ),
        ("TIDB_BIN_DIR".to_string(), standins().display().to_string()),
    ];
    if let Some(file) = cluster {
        env.push(("PERSEUS_CLUSTER".to_string(), file.to_string()));
    }
    env
}

/// `env` as the scripts' runners take it, with `extra` added.
fn env_with<'a>(
    env: &'a [(String, String)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(extra);
    all
}

/// A cluster file of `n` nodes on 127.0.0.1, 127.0.0.2, ... that all use the
/// same ports, as the lab's nodes do (one network namespace each, one /tmp).
fn same_ports_cluster(scratch: &Scratch, n: u8, db_port: u16) -> String {
    let file = scratch.path("same-ports.json");
    let nodes: Vec<String> = (1..=n)
        .map(|i| {
            format!(
                r#""n{i}": {{"host": "127.0.0.{i}", "db": {{"port": {db_port}, "statusPort": 10080}},
                    "kv": {{"name": "kv{i}", "port": 20160, "statusPort": 20180}},
                    "pd": {{"name": "pd{i}", "clientPort": 2379, "peerPort": 2380}}}}"#
            )
        })
        .collect();
    std::fs::write(&file, format!("{{{}}}", nodes.join(", "))).expect("write cluster file");
    file.display().to_string()
}

#[test]
fn two_tidbs_with_the_same_port_on_one_machine_both_start() {
    // The lab's case: every node's TiDB listens on the same port in its own
    // namespace, and all share /tmp. TiDB's default socket,
    // /tmp/tidb-{Port}.sock, would be the same file for all: the second
    // finds the first's socket answering and exits.
    let scratch = Scratch::new("run-two-tidbs");
    let cluster = same_ports_cluster(&scratch, 2, free_port());
    let vars = standin_env(&scratch, Some(&cluster));
    let env = env_with(&vars, &[]);
    let data = scratch.path("data").display().to_string();
    let mut first_cmd = script_in(&root(), "run-db.sh", &["n1"], &env);
    first_cmd.current_dir(scratch.path(""));
    let mut first = crate::standins::Serving::start(first_cmd);
    let first_log = scratch.path("data/n1/db/tidb.log");
    first.wait_for("n1's TiDB", || first_log.exists());
    std::thread::sleep(std::time::Duration::from_millis(500));

    let second = run_script(
        "run-db.sh",
        &["n2"],
        &env_with(&vars, &[("STANDIN_EXIT_AFTER_START", "1")]),
    );
    assert!(
        second.ok,
        "n2's TiDB did not start beside n1's:\n{}",
        second.stderr
    );
    // Each socket lives in its node's directory.
    let sockets: Vec<String> = second
        .stdout
        .split_whitespace()
        .filter(|w| w.starts_with("--socket="))
        .map(String::from)
        .collect();
    assert_eq!(
        sockets,
        vec![format!("--socket={data}/n2/db/tidb.sock")],
        "{}",
        second.stdout
    );
}

#[test]
fn run_db_opens_no_socket_where_its_path_would_be_too_long() {
    // A Unix socket path has room for 107 bytes; TiDB would fail to bind a
    // longer one. Then run-db.sh asks for no socket, and says so.
    let scratch = Scratch::new("run-long-socket");
    let deep = scratch.path(&"d".repeat(100)).display().to_string();
    let vars = standin_env(&scratch, None);
    let env = env_with(
        &vars,
        &[
            ("PERSEUS_DATA_DIR", &deep),
            ("STANDIN_EXIT_AFTER_START", "1"),
        ],
    );
    let run = run_script("run-db.sh", &["tidb1"], &env).expect_ok("run-db.sh, deep data dir");
    assert!(run.stdout.contains(" --socket= "), "{}", run.stdout);
    assert!(
        run.stderr.contains("TiDB opens no socket"),
        "{}",
        run.stderr
    );

    // The limit is in bytes: a directory named in two-byte characters, whose
    // socket path is at most 107 characters but more than 107 bytes, counts
    // each character twice, whatever the locale.
    let base = scratch.path("x").display().to_string().len() - 1;
    let room = 107usize.saturating_sub(base + "/tidb1/db/tidb.sock".len());
    if room > 0 {
        let accents = scratch.path(&"é".repeat(room)).display().to_string();
        assert_eq!(accents.chars().count() + "/tidb1/db/tidb.sock".len(), 107);
        let env = env_with(
            &vars,
            &[
                ("PERSEUS_DATA_DIR", &accents),
                ("STANDIN_EXIT_AFTER_START", "1"),
                ("LC_ALL", "C.UTF-8"),
            ],
        );
        let run =
            run_script("run-db.sh", &["tidb1"], &env).expect_ok("run-db.sh, accented data dir");
        assert!(run.stdout.contains(" --socket= "), "{}", run.stdout);
    }
}

#[test]
fn tidb_slow_query_log_goes_into_the_node_directory() {
    // TiDB writes its slow-query log to tidb-slow.log in the directory it was
    // started from unless told otherwise: outside the node's directory, where
    // the lab's log tails would miss it and two TiDBs would share it.
    let scratch = Scratch::new("run-slow-log");
    let work = scratch.path("work");
    std::fs::create_dir_all(&work).expect("mkdir work");
    let vars = standin_env(&scratch, None);
    let env = env_with(&vars, &[("STANDIN_EXIT_AFTER_START", "1")]);
    let out = script_in(&root(), "run-db.sh", &["tidb2"], &env)
        .current_dir(&work)
        .output()
        .expect("run run-db.sh");
    Run::from(out).expect_ok("run-db.sh tidb2");
    assert!(
        !work.join("tidb-slow.log").exists(),
        "the slow-query log landed in the caller's working directory"
    );
    assert!(scratch.path("data/tidb2/db/tidb-slow.log").is_file());
}

/// bin/run-kv.sh NODE under an open-file limit of SOFT:HARD, as in an
/// ordinary user's shell: where the test runs as root, without the
/// capability (CAP_SYS_RESOURCE) that would let TiKV raise the hard limit.
fn run_kv_limited(limits: &str, node: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = std::process::Command::new("prlimit");
    cmd.arg(format!("--nofile={limits}")).arg("--");
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        cmd.args([
            "setpriv",
            "--inh-caps=-sys_resource",
            "--bounding-set=-sys_resource",
        ]);
    }
    cmd.arg(root().join("bin/run-kv.sh")).arg(node);
    script_env(&mut cmd, env);
    Run::from(cmd.output().expect("run prlimit"))
}

#[test]
fn tikv_starts_where_the_open_file_limit_is_below_what_its_defaults_need() {
    // With its defaults TiKV asks for 1000 + 2 x 40960 (Titan on) + 40960 =
    // 123880 open files and exits if it cannot have them: a user whose hard
    // limit is lower (65536 is common; 15000 here) could not start it.
    let scratch = Scratch::new("run-kv-files");
    let cluster = same_ports_cluster(&scratch, 3, 4000);
    let vars = standin_env(&scratch, Some(&cluster));
    let env = env_with(&vars, &[("STANDIN_EXIT_AFTER_START", "1")]);
    let few = root().join("etc/tikv-few-files.toml").display().to_string();
    let run = run_kv_limited("15000:15000", "n1", &env);
    assert!(
        run.ok,
        "TiKV did not start under a hard limit of 15000:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!(" --config={few} ")),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("open files"), "{}", run.stderr);

    // Too low even for 256 files per database: an error that says what to do.
    run_kv_limited("1500:1500", "n1", &env).expect_error(&[
        "TiKV needs 1768 open files",
        "at most 1500",
        "ulimit -Hn",
        "max-open-files",
    ]);

    // A configuration of the user's that fits under the hard limit: the soft
    // limit is raised and the file kept as it is.
    let mine = scratch.path("mine.toml");
    std::fs::write(
        &mine,
        "[rocksdb]\nmax-open-files = 2000\n[raftdb]\nmax-open-files = 2000\n",
    )
    .expect("write config");
    let mine = mine.display().to_string();
    let mut with_mine = env.clone();
    with_mine.push(("TIKV_CONFIG", mine.as_str()));
    let run = run_kv_limited("1024:15000", "n1", &with_mine).expect_ok("run-kv.sh, own config");
    assert!(
        run.stdout.contains(&format!(" --config={mine} ")),
        "{}",
        run.stdout
    );

    // One that does not fit: the error names the file.
    std::fs::write(&mine, "[rocksdb]\nmax-open-files = 40960\n").expect("write config");
    run_kv_limited("15000:15000", "n1", &with_mine)
        .expect_error(&["TiKV needs 123880 open files", &mine]);
}

#[test]
fn toml_value_strips_comments_after_headers_and_values() {
    // run-kv.sh reads max-open-files from the user's file with toml_value
    // (bin/lib/toml.sh). A comment after a header once made the section
    // "rocksdb#thedata", so the user's setting went unseen and TiKV's
    // default was counted instead.
    let scratch = Scratch::new("toml-comments");
    let file = scratch.path("commented.toml");
    std::fs::write(
        &file,
        "top = 1 # at the top\n\
         [rocksdb] # the data\n\
         max-open-files = 2000 # fits\n\
         log-file = \"a # b.log\" # a quoted '#' stays\n\
         literal = 'c#d'   # so in a literal string\n\
         [rocksdb.titan]# Titan\n\
         enabled = false\n\
         [ raftdb ]   # Raft\n\
         max-open-files=\"300\"#no spaces\n",
    )
    .expect("write config");
    let file = file.display().to_string();
    let lib = root().join("bin/lib/toml.sh").display().to_string();
    for (key, want) in [
        ("top", "1"),
        ("rocksdb.max-open-files", "2000"),
        ("rocksdb.log-file", "a # b.log"),
        ("rocksdb.literal", "c#d"),
        ("rocksdb.titan.enabled", "false"),
        ("raftdb.max-open-files", "300"),
        ("raftdb.none", ""),
    ] {
        let out = std::process::Command::new("bash")
            .args([
                "-c",
                "set -euo pipefail; source \"$1\"; printf '[%s]' \"$(toml_value \"$2\" \"$3\")\"",
                "toml-test",
                &lib,
                &file,
                key,
            ])
            .output()
            .expect("run bash");
        let run = Run::from(out).expect_ok("toml_value");
        assert_eq!(run.stdout, format!("[{want}]"), "{key}");
    }
}

#[test]
fn tikvs_sharing_a_machine_reserve_no_disk() {
    // Each TiKV reserves max(5 % of the disk, 5 GB) and writes a placeholder
    // of a fifth of that: three on one disk (the default cluster file's
    // one-machine layout) can fill a small one.
    let scratch = Scratch::new("run-kv-reserve");
    let vars = standin_env(&scratch, None);
    let env = env_with(&vars, &[("STANDIN_EXIT_AFTER_START", "1")]);
    let one_machine = root().join("etc/tikv-one-machine.toml");
    for node in ["tidb1", "tidb2", "tidb3"] {
        let run = run_script("run-kv.sh", &[node], &env).expect_ok("run-kv.sh");
        let placeholder = scratch.path(&format!("data/{node}/kv/data/space_placeholder_file"));
        assert!(
            !placeholder.exists(),
            "{node}'s TiKV reserved disk space: {}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains(&format!(" --config={} ", one_machine.display())),
            "{}",
            run.stdout
        );
    }
    // On three hosts each TiKV has its disk to itself: TiKV's defaults
    // stand (here the file for the open-file limit, if any, only).
    let cluster = same_ports_cluster(&scratch, 3, 4000);
    let three = env_with(&vars, &[("PERSEUS_CLUSTER", &cluster)]);
    let run = run_script("run-kv.sh", &["--dry-run", "n2"], &three).expect_ok("dry run");
    assert!(!run.stdout.contains("one-machine"), "{}", run.stdout);
}
