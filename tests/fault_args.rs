//! What reaches a fault command is data, never code: with the README's own
//! pattern (`--fault-cmd 'loss=ssh root@host perseus/bin/fault.sh loss'`)
//! ssh joins the arguments and a shell on the far side parses them again,
//! so every word perseus hands over must be one no shell reads as syntax.
//! A stand-in for ssh that does exactly that (tests/fixtures/standins/ssh)
//! shows a partition's groups arriving intact (`/` between groups, where
//! users type the shell's pipe `|`), hostile arguments and node names
//! refused before anything starts, and no password in a fault command's
//! environment.

mod common;

use common::mariadb::{cluster_file, scratch_dir, MariaDb};
use common::perseus::{run, text};
use std::path::PathBuf;

fn standin(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/standins")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn arguments_cross_ssh_as_data_and_passwords_stay_home() {
    let (a, b) = (MariaDb::start(), MariaDb::start());
    let dir = scratch_dir("fault-args");
    let cluster = cluster_file(&dir, &[&a, &b]);
    let record = dir.join("args");
    let pwned = dir.join("pwned");
    let ssh_cmd = |action: &str| {
        format!(
            "{action}={} root@host {} {}",
            standin("ssh"),
            standin("record-args"),
            record.display()
        )
    };
    let mut cmd = common::perseus::perseus();
    cmd.args([
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        dir.join("events.jsonl").to_str().unwrap(),
        "--duration",
        "2",
        "--fault",
        "500ms:partition:n1|n2:n1",
        "--fault",
        "1s:loss:12.5:n2",
        "--fault-cmd",
        &ssh_cmd("partition"),
        "--fault-cmd",
        &ssh_cmd("loss"),
    ])
    .env("MYSQL_PWD", "")
    .env("PGPASSWORD", "hunter2");
    let out = common::perseus::output_within(cmd, std::time::Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = std::fs::read_to_string(&record).expect("the commands ran");
    assert_eq!(got, "n1/n2\nn1\n12.5\nn2\n", "each argument arrived whole");
    let env = std::fs::read_to_string(format!("{}.env", record.display())).expect("env");
    for secret in ["MYSQL_PWD=", "PGPASSWORD="] {
        assert!(!env.contains(secret), "a fault command got {secret}: {env}");
    }

    // Words a shell would run are refused before anything starts.
    for (fault, says) in [
        (
            "1:loss:30;touch${IFS}PWNED:n1",
            "loss '30;touch${IFS}PWNED'",
        ),
        ("1:mark:$(touch PWNED):n1", "mark '$(touch PWNED)'"),
        ("1:mark:x:n1;touch PWNED", "TARGET"),
        (
            "1:partition:n1|n2;touch PWNED:n1",
            "partition 'n1|n2;touch PWNED'",
        ),
    ] {
        let fault = fault.replace("PWNED", pwned.to_str().unwrap());
        let mark = ssh_cmd("mark");
        let out = run(&[
            "--cluster",
            cluster.to_str().unwrap(),
            "--duration",
            "1",
            "--fault",
            &fault,
            "--fault-cmd",
            &mark,
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{fault}: {err}");
        let says = says.replace("PWNED", pwned.to_str().unwrap());
        assert!(err.contains(&says), "{fault}: want {says:?} in {err}");
        assert!(!pwned.exists(), "{fault} ran something");
    }
}

/// `--fault AT:ACTION:leader` asks `--leader-cmd` when the fault fires;
/// the undo goes to the node the fault hit, though the command names
/// another by then; the log says which node, that it was chosen as the
/// leader, and what the command said.
#[test]
fn a_leader_fault_is_resolved_when_it_fires() {
    let (a, b) = (MariaDb::start(), MariaDb::start());
    let dir = scratch_dir("leader-target");
    let cluster = cluster_file(&dir, &[&a, &b]);
    let answers = dir.join("answers");
    std::fs::write(&answers, "n2\nn1\n").expect("answers");
    let leader = dir.join("leader.sh");
    std::fs::write(
        &leader,
        format!("head -n 1 '{0}'; sed -i 1d '{0}'\n", answers.display()),
    )
    .expect("script");
    let record = dir.join("args");
    let rec = |action: &str| format!("{action}={} {}", standin("record-args"), record.display());
    let log = dir.join("events.jsonl");
    let out = run(&[
        "--cluster",
        cluster.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--duration",
        "2",
        "--fault",
        "300ms:isolate:leader",
        "--fault",
        "1s:rejoin:leader",
        "--fault-cmd",
        &rec("isolate"),
        "--fault-cmd",
        &rec("rejoin"),
        "--leader-cmd",
        &format!("sh {}", leader.display()),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&record).unwrap(), "n2\nn2\n");
    let faults: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["ev"] == "fault")
        .collect();
    assert_eq!(faults.len(), 2);
    assert_eq!(
        (
            &faults[0]["node"],
            &faults[0]["role"],
            &faults[0]["leader_said"]
        ),
        (&"n2".into(), &"leader".into(), &"n2".into())
    );
    assert_eq!(
        (&faults[1]["node"], &faults[1]["role"]),
        (&"n2".into(), &"leader".into())
    );
    let e = text(
        &run(&[
            "--cluster",
            cluster.to_str().unwrap(),
            "--fault",
            "1:isolate:leader",
            "--fault-cmd",
            &rec("isolate"),
        ])
        .stderr,
    );
    assert!(e.contains("the target leader needs --leader-cmd"), "{e}");
}
