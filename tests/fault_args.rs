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
