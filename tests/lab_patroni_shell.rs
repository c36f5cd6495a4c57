//! The patroni engine's pieces that need no lab (no root): its server
//! events on recorded Patroni 3.0.2 and PostgreSQL 15 lines
//! (tests/fixtures/patroni/patroni.log, from the lab on this project's
//! machine), its settings as Patroni would take them, and an experiment's
//! default times, which must leave room for a failover.

#[path = "common/bash.rs"]
mod bash;
#[path = "common/signals.rs"]
mod signals;

use bash::{bash, root, text};
use perseus::supervise::output::{told, LinePattern};
use std::process::Output;

/// BODY after sourcing the lab's libraries (as bin/lab.sh does, so that
/// every engine is defined), with a lab's names set but none built.
fn lab_bash(body: &str) -> Output {
    let libs = [
        "common",
        "deps",
        "lab-engine",
        "lab-install",
        "lab-config",
        "lab-net",
        "lab-proc",
        "lab-mysql",
        "lab-galera",
        "lab-tidb",
        "lab-patroni-conf",
        "lab-patroni-state",
        "lab-patroni",
        "lab-experiment",
    ];
    let body = format!("PERSEUS_LAB_DIR=/nonexistent/perseus-lab-shell-test lab_settings\n{body}");
    bash(&libs, &body, &[])
}

/// The engine's `--event` patterns, as lab-patroni-conf.sh passes them.
fn patterns() -> Vec<LinePattern> {
    let out = lab_bash(r#"printf '%s\n' "${PATRONI_EVENTS[@]}""#);
    assert!(out.status.success());
    text(&out.stdout)
        .lines()
        .map(|l| LinePattern::parse(l).expect("a valid --event"))
        .collect()
}

/// What each line tells: "what transfer side timeline", or "-".
fn tell(patterns: &[LinePattern], line: &str) -> String {
    match told(patterns, line) {
        None => "-".into(),
        Some(t) => format!(
            "{} {} {} {}",
            t.what,
            t.transfer.unwrap_or_default(),
            t.side.unwrap_or_default(),
            t.timeline.map(|n| n.to_string()).unwrap_or_default()
        )
        .trim_end()
        .to_string(),
    }
}

#[test]
fn recorded_lines_tell_their_server_events() {
    let p = patterns();
    let fixture = root().join("tests/fixtures/patroni/patroni.log");
    let lines = std::fs::read_to_string(fixture).unwrap();
    let got: Vec<String> = lines.lines().map(|l| tell(&p, l)).collect();
    let want = [
        "transfer_started basebackup joiner",
        "transfer_finished basebackup joiner",
        "ready",
        "promoted",
        "timeline   2",
        "ready",
        "timeline   3",
        "demoted",
        "demoted",
        "-", // Patroni's own "running pg_rewind from n2": the next line is the start
        "transfer_started rewind joiner",
        "transfer_finished rewind joiner",
        "-", // a replica's first moment: read-only, not streaming yet
        "-",
        "-",
    ];
    assert_eq!(got, want);
}

#[test]
fn failures_are_told_as_patroni_3_0_2_words_them() {
    // Patroni 3.0.2's format strings (postgresql/rewind.py, bootstrap.py)
    // with the values a failure gives them: not seen in a lab run yet.
    let p = patterns();
    for (line, want) in [
        (
            "2026-12-05 22:43:59,815 INFO: pg_rewind exit code=1",
            "transfer_failed rewind joiner",
        ),
        (
            "2026-12-05 22:43:59,815 ERROR: Failed to rewind from healty primary: n2",
            "transfer_failed rewind joiner",
        ),
        (
            "2026-12-05 22:42:23,874 ERROR: Error when fetching backup: pg_basebackup exited with code=1",
            "transfer_failed basebackup joiner",
        ),
    ] {
        assert_eq!(tell(&p, line), want, "{line}");
    }
}

#[test]
fn settings_are_refused_where_patroni_would_refuse_them() {
    let check = |sets: &str| {
        lab_bash(&format!(
            "declare -gA WANT_SETTINGS=()\nfor s in {sets}; do lab_parse_setting \"$s\"; done\nlab_check_settings patroni && echo accepted"
        ))
    };
    for ok in [
        "",
        "dcs=etcd synchronous_mode=on",
        "ttl=20 loop_wait=5 retry_timeout=5",
        "ttl=60",
    ] {
        let out = check(ok);
        assert_eq!(text(&out.stdout), "accepted\n", "{ok}");
    }
    for (bad, says) in [
        ("ttl=19", "--set ttl=19: Patroni's minimum is 20"),
        ("loop_wait=0", "Patroni's minimum is 1"),
        ("retry_timeout=2", "Patroni's minimum is 3"),
        (
            "ttl=25 retry_timeout=8",
            "loop_wait + 2 × retry_timeout ≤ ttl (26 > 25)",
        ),
        ("loop_wait=11", "(31 > 30)"),
        ("ttl=2.5", "a whole number of seconds"),
        ("dcs=consul", "etcd3 or etcd"),
        ("synchronous_mode=true", "on or off"),
        ("wal_level=minimal", "has no such setting"),
    ] {
        let out = check(bad);
        assert!(!out.status.success(), "{bad} accepted");
        assert!(text(&out.stderr).contains(says), "{bad}");
    }
}

#[test]
fn an_experiment_leaves_a_leader_engine_time_to_fail_over() {
    let times = |engine: &str, sets: &str, given: &str| {
        let out = lab_bash(&format!(
            "declare -gA WANT_SETTINGS=()\nfor s in {sets}; do lab_parse_setting \"$s\"; done\nlab_experiment_times {engine} {given}"
        ));
        (out.status.success(), text(&out.stdout), text(&out.stderr))
    };
    // Galera's as before: 20, 40, 60.
    assert_eq!(times("galera", "", "'' '' ''").1, "20 40 60\n");
    // Patroni: the fault for twice the ttl and 10 s, 30 s after the undo.
    assert_eq!(times("patroni", "", "'' '' ''").1, "20 90 120\n");
    assert_eq!(times("patroni", "ttl=20", "'' '' ''").1, "20 70 100\n");
    assert_eq!(times("patroni", "", "10 '' ''").1, "10 80 110\n");
    assert_eq!(times("patroni", "", "10 30 45").1, "10 30 45\n");
    let (ok, _, err) = times("patroni", "", "'' 15 ''");
    assert!(
        !ok && err.contains("needs 0 < fault-at (20) < undo-at (15)"),
        "{err}"
    );
    let (ok, _, err) = times("patroni", "", "x '' ''");
    assert!(!ok && err.contains("take whole seconds"), "{err}");
}

/// `--check-suite` (src/engine_settings.rs) and the lab (`lab_E_check_settings`)
/// give every engine setting the same verdict: a suite the check passes is
/// one the lab builds.
#[test]
fn the_suite_check_and_the_lab_agree_on_engine_settings() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("galera", &[("gcache.size", "1M")]),
        ("galera", &[("gcache.size", "0M")]),
        ("galera", &[("gcache.page_size", "1024K")]),
        ("galera", &[("gcache.size", "12345678M")]),
        ("galera", &[("ttl", "30")]),
        ("patroni", &[("dcs", "etcd")]),
        ("patroni", &[("dcs", "zookeeper")]),
        ("patroni", &[("synchronous_mode", "on")]),
        ("patroni", &[("synchronous_mode", "yes")]),
        ("patroni", &[("ttl", "25")]),
        (
            "patroni",
            &[("ttl", "20"), ("loop_wait", "5"), ("retry_timeout", "5")],
        ),
        (
            "patroni",
            &[("ttl", "19"), ("loop_wait", "1"), ("retry_timeout", "3")],
        ),
        ("patroni", &[("ttl", "40"), ("loop_wait", "0")]),
        ("patroni", &[("ttl", "40"), ("retry_timeout", "2")]),
        ("patroni", &[("ttl", "30s")]),
        ("patroni", &[("gcache.size", "1M")]),
        ("tidb", &[("ttl", "30")]),
        ("tidb", &[]),
    ];
    for (engine, pairs) in cases {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let rust = perseus::engine_settings::check(engine, &map).is_ok();
        let sets: String = pairs
            .iter()
            .map(|(k, v)| format!("lab_parse_setting '{k}={v}'\n"))
            .collect();
        let out = lab_bash(&format!(
            "declare -gA WANT_SETTINGS=()\n{sets}lab_check_settings {engine}\necho checked"
        ));
        let lab = out.status.success() && text(&out.stdout).contains("checked");
        assert_eq!(
            rust, lab,
            "{engine} {pairs:?}: the check says {rust}, the lab {lab}"
        );
    }
}
