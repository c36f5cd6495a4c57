//! `bin/lab.sh suite` end to end on a real Galera lab, as root: the smoke
//! suite archived run by run with its leaderboard; the same runs judged
//! against a limit they exceed (exit 1); a repetition that cannot start on a
//! healthy cluster, recorded and not counted; a bad suite file refused
//! before anything starts. The lab gets its own name, subnet and state and
//! results directories. Root only: ignored by a plain `cargo test`;
//! bin/check.sh runs it as root.

mod netns;

use netns::lab::Lab;
use netns::root;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use netns::lab::text;

fn json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("json")
}

/// The results directory a suite's output names on its last line.
fn results_dir(out: &Output) -> PathBuf {
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().expect("output");
    PathBuf::from(last.strip_prefix("results: ").expect("a results line last"))
}

fn report(args: &[&str]) -> Output {
    Command::new(root().join("target/release/perseus-report"))
        .args(args)
        .output()
        .expect("run perseus-report")
}

#[test]
#[ignore = "needs root"]
fn the_smoke_suite_archives_every_run_and_judges_them() {
    let (lab, _) = Lab::fresh(
        "the_smoke_suite_archives_every_run_and_judges_them",
        "ps",
        200,
    );

    // A mistake in the file is refused before any lab is built.
    let bad = lab.results.join("bad.json");
    std::fs::create_dir_all(&lab.results).unwrap();
    std::fs::write(
        &bad,
        r#"{"name": "bad", "scenarios": [{"name": "x", "duration": 30, "faults": [{"at": 5, "action": "explode", "target": "n1"}]}]}"#,
    )
    .unwrap();
    let out = lab.run(&["suite", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("scenario \"x\": field `faults` 1: field `action`"));
    assert!(!lab.dir.join("lab.env").exists(), "nothing was built");

    let out = lab.run(&["suite", "smoke"]);
    let stderr = text(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "the suite ran to its leaderboard: {stderr}"
    );
    assert!(
        stderr.contains("suite: scenario 1 of 2 (isolate), repetition 1 of 1"),
        "{stderr}"
    );
    let dir = results_dir(&out);
    assert_eq!(
        std::fs::read_link(lab.results.join("latest")).expect("latest"),
        PathBuf::from(dir.file_name().unwrap())
    );
    for scenario in ["isolate", "kill"] {
        let run = dir.join(scenario).join("1");
        for file in [
            "events.jsonl",
            "report.txt",
            "report.json",
            "report.md",
            "report.html",
            "perseus.stderr",
            "table.txt",
            "readiness.jsonl",
            "logs/n1-mariadbd.log",
        ] {
            assert!(run.join(file).is_file(), "{scenario}: {file}");
        }
        let start = std::fs::read_to_string(run.join("events.jsonl")).unwrap();
        assert!(start.contains(&format!("\"label\":\"smoke/{scenario}/1\"")));
    }
    let board = json(&dir.join("leaderboard.json"));
    let scenarios = board["leaderboard"]["scenarios"]
        .as_array()
        .expect("scenarios");
    assert_eq!(scenarios.len(), 2);
    for s in scenarios {
        assert_eq!(s["runs"].as_array().map(Vec::len), Some(1), "{s}");
        assert_eq!(s["faults"].as_array().map(Vec::len), Some(2), "{s}");
        assert_eq!(s["lost_writes"], 0);
    }
    let page = std::fs::read_to_string(dir.join("leaderboard.html")).unwrap();
    assert!(page.contains("<section class=\"leaderboard\""));
    assert_eq!(page.matches("<section class=\"run\"").count(), 2);
    assert!(std::fs::read_to_string(dir.join("leaderboard.md"))
        .unwrap()
        .contains("| smoke/isolate | 1/1 |"));

    // The same runs against a limit no real failover meets: exit 1, named.
    let strict = dir.join("strict.json");
    let mut suite = json(&dir.join("suite.json"));
    suite["defaults"]["limits"]["downtime"] = Value::from("1ms");
    std::fs::write(&strict, suite.to_string()).unwrap();
    let logs: Vec<String> = ["isolate", "kill"]
        .iter()
        .map(|s| dir.join(s).join("1/events.jsonl").display().to_string())
        .collect();
    let mut args = vec!["--leaderboard", "--suite", strict.to_str().unwrap()];
    args.extend(logs.iter().map(String::as_str));
    let judged = report(&args);
    assert_eq!(judged.status.code(), Some(1));
    assert!(text(&judged.stderr).contains("failed its limits: downtime"));

    // A repetition whose lab is not ready is not measured on it: the suite
    // heals every node, as an operator would (here: starts the killed n2),
    // records each gate, and measures on the healed cluster. (A lab that not
    // even a new build makes ready leaves the repetition unmeasured, listed
    // in not-run.tsv; the leaderboard's side of that is in
    // tests/leaderboard.rs.)
    lab.run(&["kill", "n2"]);
    let one = lab.results.join("one.json");
    std::fs::write(
        &one,
        r#"{"name": "one", "scenarios": [{"name": "isolate", "duration": 20, "repeat": 2,
            "faults": [{"at": 5, "action": "isolate", "target": "n3"}, {"at": 10, "action": "rejoin", "target": "n3"}]}]}"#,
    )
    .unwrap();
    let out = lab.run(&["suite", one.to_str().unwrap(), "--ready-timeout", "5"]);
    assert!(
        text(&out.stderr).contains("suite: the lab is not ready (n"),
        "{}",
        text(&out.stderr)
    );
    let dir = results_dir(&out);
    let gates: Vec<Value> = std::fs::read_to_string(dir.join("isolate/1/readiness.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(&str, bool)> = gates
        .iter()
        .map(|g| (g["gate"].as_str().unwrap(), g["ready"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        &seen[..2],
        &[("before", false), ("before-healed", true)],
        "{gates:?}"
    );
    assert!(gates[0]["problem"].as_str().unwrap().starts_with('n'));
    assert!(
        !dir.join("not-run.tsv").exists()
            || std::fs::read_to_string(dir.join("not-run.tsv"))
                .unwrap()
                .is_empty()
    );
    for rep in ["1", "2"] {
        assert!(dir.join("isolate").join(rep).join("events.jsonl").is_file());
    }
    let board = json(&dir.join("leaderboard.json"));
    let s = &board["leaderboard"]["scenarios"][0];
    assert_eq!(s["runs"].as_array().map(Vec::len), Some(2), "{s}");
}
