//! bin/test.sh in a scratch copy of the project, with a fake cargo and a fake
//! perseus: when it builds, and which --cluster it passes.

use crate::support::*;
use std::process::Command;

/// A scratch copy of the project's scripts and sources, with a fake perseus
/// that prints its arguments and a fake cargo that records its own.
struct Project {
    scratch: Scratch,
    path: String,
}

impl Project {
    fn new(name: &str) -> Project {
        let scratch = Scratch::new(name);
        let copy = Command::new("cp")
            .arg("-R")
            .arg(root().join("bin"))
            .arg(root().join("etc"))
            .arg(root().join("Cargo.toml"))
            .arg(root().join("Cargo.lock"))
            .arg(scratch.path(""))
            .status()
            .expect("run cp");
        assert!(copy.success(), "copy the project");
        std::fs::create_dir_all(scratch.path("src")).expect("mkdir src");
        std::fs::write(scratch.path("src/lib.rs"), "").expect("write src");
        let root = scratch.path("").display().to_string();
        write_executable(
            &scratch.path("tools/cargo"),
            // Like cargo, it builds under CARGO_TARGET_DIR when that is set.
            &format!(
                "#!/bin/sh\necho \"$*\" >> '{root}/cargo.log'\nt=\"${{CARGO_TARGET_DIR:-{root}/target}}/release\"\n\
                 mkdir -p \"$t\"\nprintf '#!/bin/sh\\necho \"built $*\"\\n' > \"$t/perseus\"\n\
                 chmod +x \"$t/perseus\"\n"
            ),
        );
        let path = path_with(&scratch.path("tools"));
        Project { scratch, path }
    }

    fn test_sh(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut env = vec![("PATH", self.path.as_str())];
        env.extend_from_slice(extra);
        Run::from(
            script_in(&self.scratch.path(""), "test.sh", args, &env)
                .output()
                .expect("run test.sh"),
        )
    }

    fn cargo_runs(&self) -> usize {
        std::fs::read_to_string(self.scratch.path("cargo.log"))
            .map(|l| l.lines().count())
            .unwrap_or(0)
    }
}

#[test]
fn test_sh_builds_when_needed_and_passes_the_cluster_file() {
    let project = Project::new("test-sh");
    let root = project.scratch.path("");
    let cluster = root.join("etc/tidb-cluster.json").display().to_string();

    // No binary yet: built, then run with our cluster file and the options.
    let first = project
        .test_sh(&["--duration", "5s"], &[])
        .expect_ok("test.sh");
    assert_eq!(
        first.stdout.trim(),
        format!("built --cluster {cluster} --duration 5s")
    );
    let log = std::fs::read_to_string(root.join("cargo.log")).expect("cargo ran");
    assert_eq!(
        log.trim(),
        format!(
            "build --release --bin perseus --manifest-path {}",
            root.join("Cargo.toml").display()
        )
    );

    // Up to date: no build. The user's own --cluster stands alone.
    let second = project
        .test_sh(&["--cluster", "mine.json"], &[])
        .expect_ok("test.sh --cluster");
    assert_eq!(second.stdout.trim(), "built --cluster mine.json");
    let third = project
        .test_sh(&["--cluster=x.json", "-v"], &[])
        .expect_ok("test.sh --cluster=");
    assert_eq!(third.stdout.trim(), "built --cluster=x.json -v");
    let other = project
        .test_sh(&[], &[("PERSEUS_CLUSTER", "/srv/lab.json")])
        .expect_ok("test.sh with PERSEUS_CLUSTER");
    assert_eq!(other.stdout.trim(), "built --cluster /srv/lab.json");
    assert_eq!(
        project.cargo_runs(),
        1,
        "an up-to-date binary is not rebuilt"
    );

    // A source newer than the binary: built again.
    let old = Command::new("touch")
        .args(["-d", "2000-01-01"])
        .arg(root.join("target/release/perseus"))
        .status()
        .expect("run touch");
    assert!(old.success());
    project.test_sh(&[], &[]).expect_ok("test.sh after an edit");
    assert_eq!(project.cargo_runs(), 2, "a stale binary is rebuilt");

    // Only Cargo.lock newer than the binary (a dependency changed): rebuilt.
    let touch = |date: &str, path: &str| {
        let done = Command::new("touch")
            .args(["-d", date])
            .arg(root.join(path))
            .status()
            .expect("run touch");
        assert!(done.success());
    };
    for path in ["src/lib.rs", "src", "Cargo.toml", "Cargo.lock"] {
        touch("2000-01-01", path);
    }
    touch("2010-01-01", "target/release/perseus");
    project.test_sh(&[], &[]).expect_ok("test.sh, all older");
    assert_eq!(project.cargo_runs(), 2, "nothing newer than the binary");
    touch("2020-01-01", "Cargo.lock");
    project
        .test_sh(&[], &[])
        .expect_ok("test.sh after cargo update");
    assert_eq!(
        project.cargo_runs(),
        3,
        "a binary older than Cargo.lock is rebuilt"
    );
}

#[test]
fn test_sh_builds_and_runs_under_cargo_target_dir() {
    let project = Project::new("test-sh-target");
    let target = project.scratch.path("elsewhere");
    let target_s = target.display().to_string();
    let run = project
        .test_sh(&["-v"], &[("CARGO_TARGET_DIR", &target_s)])
        .expect_ok("test.sh with CARGO_TARGET_DIR");
    assert!(run.stdout.starts_with("built --cluster"), "{}", run.stdout);
    assert!(target.join("release/perseus").is_file());
    assert!(
        !project.scratch.path("target").exists(),
        "built in target/ despite CARGO_TARGET_DIR"
    );
    project
        .test_sh(&[], &[("CARGO_TARGET_DIR", &target_s)])
        .expect_ok("test.sh again");
    assert_eq!(project.cargo_runs(), 1, "the binary there is up to date");
}

/// Writes one of the PD stand-in's answers (see tests/fixtures/standins/pd-server).
fn pd_answers(state: &std::path::Path, file: &str, body: &str) {
    let tmp = state.join(format!(".{file}"));
    std::fs::write(&tmp, body).expect("write PD answer");
    std::fs::rename(&tmp, state.join(file)).expect("publish PD answer");
}

#[test]
fn test_sh_waits_until_pd_says_the_cluster_is_whole() {
    // Before load starts on a new TiDB cluster, PD must report it
    // initialized and no Region missing a peer (they start with one replica
    // and PD adds the others later): the stand-in PD says not initialized,
    // then initialized with a Region missing a peer, then all is well.
    let project = Project::new("test-sh-ready");
    let state = project.scratch.path("pd-state");
    std::fs::create_dir_all(&state).expect("mkdir pd state");
    pd_answers(&state, "cluster-status.json", r#"{"is_initialized":false}"#);
    let port = free_port();
    let cluster = project.scratch.path("ready.json");
    std::fs::write(
        &cluster,
        format!(
            r#"{{"n1": {{"host": "127.0.0.1", "db": {{"port": 4000}}, "pd": {{"name": "pd1", "clientPort": {port}, "peerPort": 2380}}}}}}"#
        ),
    )
    .expect("write cluster file");
    let mut pd = Command::new(standins().join("pd-server"));
    pd.arg(format!("--client-urls=http://127.0.0.1:{port}"))
        .arg(format!(
            "--data-dir={}",
            project.scratch.path("pd").display()
        ))
        .env("STANDIN_PD_STATE", &state);
    let mut pd = crate::standins::Serving::start(pd);
    pd.wait_for("PD's port", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let cluster_s = cluster.display().to_string();
    let env = [("PERSEUS_CLUSTER", cluster_s.as_str())];

    // Never ready within the limit: a clear error, and no load.
    let early = project
        .test_sh(&["--wait-ready", "3", "--duration", "5"], &env)
        .expect_error(&["not ready after 3 s", "is_initialized"]);
    assert_eq!(
        early.stdout, "",
        "perseus ran on a cluster that was not ready"
    );

    // Ready while it waits: perseus runs, without the option.
    let flips = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(3));
        pd_answers(&state, "cluster-status.json", r#"{"is_initialized":true}"#);
        pd_answers(&state, "miss-peer.json", r#"{"count":2,"regions":[{},{}]}"#);
        std::thread::sleep(std::time::Duration::from_secs(4));
        pd_answers(&state, "miss-peer.json", r#"{"count":0,"regions":[]}"#);
    });
    let run = project
        .test_sh(&["--wait-ready", "60", "--duration", "5"], &env)
        .expect_ok("test.sh --wait-ready");
    flips.join().expect("the flips");
    assert_eq!(
        run.stdout.trim(),
        format!("built --cluster {cluster_s} --duration 5")
    );
    assert!(
        run.stderr.contains("is_initialized") && run.stderr.contains("2 Regions miss a peer"),
        "{}",
        run.stderr
    );
}

#[test]
fn test_sh_says_why_it_cannot_ask_pd() {
    // A cluster file without a node's PD fields: no PD can be asked, and
    // the error says which field is missing rather than only that the
    // readiness check failed.
    let project = Project::new("test-sh-no-pd");
    let cluster = project.scratch.path("no-pd.json");
    std::fs::write(
        &cluster,
        r#"{"n1": {"host": "127.0.0.1", "db": {"port": 4000}}}"#,
    )
    .expect("write cluster file");
    let cluster_s = cluster.display().to_string();
    let run = project
        .test_sh(
            &["--wait-ready", "1"],
            &[("PERSEUS_CLUSTER", cluster_s.as_str())],
        )
        .expect_error(&["not ready after 1 s", "missing field pd.clientPort"]);
    assert_eq!(run.stdout, "", "perseus ran without a ready cluster");
}
