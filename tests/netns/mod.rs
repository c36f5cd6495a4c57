//! Helpers for the root-only tests that build network namespaces (isolation, lab).
#![allow(dead_code)] // each test binary uses its own subset

pub mod lab;
pub mod net;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root (where bin/ lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Panics unless running as root. The root-only tests are `#[ignore]`d, so
/// a plain `cargo test` lists them as ignored; bin/check.sh runs them with
/// `--include-ignored` where it is root, and without root they fail here
/// instead of passing without having run.
pub fn require_root(test: &str) {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&uid).trim(),
        "0",
        "{test} needs root (it makes network namespaces and iptables rules)"
    );
}

/// Runs a program, returning its output whatever the exit status.
pub fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Runs a program that must succeed; returns its stdout.
pub fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Best effort, for clean-up: runs a program and ignores the outcome.
pub fn quiet(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).output();
}

/// iptables-save of a namespace (None: the root namespace), without the
/// comment lines (they carry timestamps) and the packet counters (traffic
/// changes them), and without any line naming `skip` when given.
pub fn iptables_rules(netns: Option<&str>, skip: Option<&str>) -> Vec<String> {
    // Listing loads the filter table: on a fresh machine iptables-save prints
    // nothing until something has, and a snapshot taken before would then
    // differ from one taken after any rule came and went.
    match netns {
        Some(ns) => ok("ip", &["netns", "exec", ns, "iptables", "-w", "10", "-S"]),
        None => ok("iptables", &["-w", "10", "-S"]),
    };
    let text = match netns {
        Some(ns) => ok("ip", &["netns", "exec", ns, "iptables-save"]),
        None => ok("iptables-save", &[]),
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| skip.is_none_or(|s| !l.contains(s)))
        .map(|l| match (l.starts_with(':'), l.rfind(" [")) {
            (true, Some(i)) => l[..i].to_string(),
            _ => l.to_string(),
        })
        .collect()
}

/// Whether this kernel has sch_netem (as bin/lib/netfault.sh finds out: a
/// netem qdisc on the loopback of a throwaway namespace).
pub fn netem_here() -> bool {
    let ns = format!("perseus-netem-test-{}", std::process::id());
    ok("ip", &["netns", "add", &ns]);
    let works = run(
        "ip",
        &[
            "netns", "exec", &ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
            "1ms",
        ],
    )
    .status
    .success();
    ok("ip", &["netns", "del", &ns]);
    works
}
