//! The leader look-up of `lab.sh experiment --target leader`, on outputs
//! recorded in tests/fixtures/tidb/ (shaped as PingCAP's documentation
//! shows them: `mariadb --batch` tables and PD's /pd/api/v1/leader JSON).

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "tidb",
        name,
    ]
    .iter()
    .collect();
    path.to_string_lossy().into_owned()
}

/// Runs one function of bin/lib/lab-leader.sh; Ok(stdout) or Err(stderr).
fn call(function: &str, files: &[&str]) -> Result<String, String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!(
        "set -euo pipefail; source {root}/bin/lib/common.sh; source {root}/bin/lib/lab-leader.sh; {function} \"$@\""
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).arg("leader-test");
    for f in files {
        cmd.arg(fixture(f));
    }
    let out = cmd.output().expect("run bash");
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    if out.status.success() {
        Ok(text(&out.stdout))
    } else {
        Err(text(&out.stderr))
    }
}

#[test]
fn region_leader_maps_to_the_node_of_its_store() {
    let node = call(
        "lab_leader_from_regions",
        &["regions.tsv", "stores.tsv", "cluster.json"],
    );
    assert_eq!(node.as_deref(), Ok("n3"));
}

#[test]
fn no_region_or_unknown_store_is_an_error_that_says_why() {
    let err = call(
        "lab_leader_from_regions",
        &["regions-empty.tsv", "stores.tsv", "cluster.json"],
    )
    .unwrap_err();
    assert!(err.contains("no Region leader"), "{err}");
    let err = call(
        "lab_leader_from_regions",
        &["regions.tsv", "stores-missing.tsv", "cluster.json"],
    )
    .unwrap_err();
    assert!(err.contains("store 5 is not in"), "{err}");
}

#[test]
fn pd_leader_maps_by_name_or_by_client_url() {
    assert_eq!(
        call("lab_leader_from_pd", &["pd-leader.json", "cluster.json"]).as_deref(),
        Ok("n2")
    );
    assert_eq!(
        call(
            "lab_leader_from_pd",
            &["pd-leader-unnamed.json", "cluster.json"]
        )
        .as_deref(),
        Ok("n3")
    );
    let err = call("lab_leader_from_pd", &["regions.tsv", "cluster.json"]).unwrap_err();
    assert!(err.contains("no node of"), "{err}");
}
