//! The partition shapes resolved in bash (bin/lib/netfault.sh's
//! netfault_resolve, which `bin/lab.sh partition SHAPE NODE` and
//! bin/fault.sh use when typed by hand) against perseus's own
//! (`perseus::partition::resolve`, which hands the lab's commands explicit
//! groups): the same groups for 2 to 9 nodes, every target, both shapes, and
//! the same refusals. Also who each node must stop talking to under a
//! partition (netfault_cut_from) against the Rust rule, and the exact tc
//! commands of bandwidth and delay (netfault_tc_plan). No root needed.

use perseus::partition;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `bash -c BODY` with common.sh, isolation.sh and netfault.sh sourced.
fn bash(body: &str, args: &[&str]) -> Output {
    let lib = root().join("bin/lib");
    let script = format!(
        "set -euo pipefail\nsource '{0}/common.sh'\nsource '{0}/grammar.sh'\nsource '{0}/isolation.sh'\nsource '{0}/netfault.sh'\n{body}",
        lib.display()
    );
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("partition-test")
        .args(args)
        .output()
        .expect("run bash")
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("n{i}")).collect()
}

#[test]
fn bash_resolves_shapes_as_rust_does() {
    // One bash for all cases: each line "SHAPE TARGET N" gets one answer line.
    let mut cases = Vec::new();
    for n in 2..=9 {
        for target in names(n) {
            for shape in ["halves", "bridge"] {
                cases.push((shape, target.clone(), n));
            }
        }
    }
    let input: String = cases
        .iter()
        .map(|(s, t, n)| format!("{s} {t} {n}\n"))
        .collect();
    let out = bash(
        r#"while read -r shape target n; do
             nodes=(); for ((i = 1; i <= n; i++)); do nodes+=("n$i"); done
             { ( netfault_resolve "$shape" "$target" "${nodes[@]}" ) 2>&1 || true; } | tr "\n" " "; echo
           done < <(printf '%s' "$1")"#,
        &[&input],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(answers.len(), cases.len());
    for ((shape, target, n), got) in cases.iter().zip(&answers) {
        let want = match partition::resolve(shape, target, &names(*n)) {
            Ok(groups) => partition::format_groups(&groups),
            Err(e) => format!("partition-test: {e}"),
        };
        assert_eq!(got, &want, "{shape} for {target} of {n} nodes");
    }
}

#[test]
fn explicit_groups_are_checked_as_rust_does() {
    let five = names(5);
    for spec in [
        "n1,n2|n3,n4,n5",
        "n1|n2",
        "n1,n2|n2,n3",
        "n1|n9",
        "n1,n2",
        "n1,n1|n2",
        "|n1",
        "n1|",
        "n1,|n2",
    ] {
        let out = bash(r#"netfault_resolve "$1" n1 n1 n2 n3 n4 n5"#, &[spec]);
        let ok = partition::resolve(spec, "n1", &five).is_ok();
        assert_eq!(out.status.success(), ok, "{spec}: {out:?}");
        if ok {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), spec);
        } else {
            assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("partition '{spec}'")));
        }
    }
}

#[test]
fn each_node_cuts_exactly_who_it_cannot_reach() {
    // Two nodes talk when a group holds both or either is in none (as
    // src/partition.rs's reaches_majority counts them).
    let five = names(5);
    for spec in [
        "n1,n2|n3,n4,n5",
        "n4,n5,n3|n1,n2,n3",
        "n1|n2",
        "n1,n2|n3,n4|n5",
    ] {
        let groups = partition::parse_groups(spec, &five).unwrap();
        let in_any = |x: &String| groups.iter().any(|g| g.contains(x));
        for me in &five {
            let want: Vec<&String> = five
                .iter()
                .filter(|y| {
                    *y != me
                        && in_any(me)
                        && in_any(y)
                        && !groups.iter().any(|g| g.contains(me) && g.contains(y))
                })
                .collect();
            let out = bash(
                r#"netfault_cut_from "$1" "$2" n1 n2 n3 n4 n5 | paste -sd' ' -"#,
                &[spec, me],
            );
            let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let want = want
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(got, want, "{me} under {spec}");
        }
    }
}

#[test]
fn tc_commands_of_bandwidth_and_delay() {
    let plan = |args: &[&str]| {
        let out = bash(r#"netfault_tc_plan "$@""#, args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Delay alone on a fresh device: our root, one class without a limit,
    // netem under it, the peers' addresses classified into it.
    assert_eq!(
        plan(&["new", "eth0", "", "100/20", "10.0.0.12", "10.0.0.13"]),
        "tc qdisc add dev eth0 root handle fa17: htb default 0\n\
         tc class add dev eth0 parent fa17: classid fa17:1 htb rate 10gbit ceil 10gbit\n\
         tc qdisc add dev eth0 parent fa17:1 handle fa18: netem delay 100ms 20ms\n\
         tc filter add dev eth0 parent fa17: protocol ip prio 1 u32 match ip dst 10.0.0.12/32 flowid fa17:1\n\
         tc filter add dev eth0 parent fa17: protocol ip prio 1 u32 match ip dst 10.0.0.13/32 flowid fa17:1\n"
    );
    // A bandwidth limit alone: no netem.
    assert_eq!(
        plan(&["new", "eth0", "1mbit", "", "10.0.0.12"]),
        "tc qdisc add dev eth0 root handle fa17: htb default 0\n\
         tc class add dev eth0 parent fa17: classid fa17:1 htb rate 1mbit ceil 1mbit\n\
         tc filter add dev eth0 parent fa17: protocol ip prio 1 u32 match ip dst 10.0.0.12/32 flowid fa17:1\n"
    );
    // On our root already: the class changes, netem is added or changed.
    assert_eq!(
        plan(&["ours", "eth0", "1mbit", "50", "10.0.0.12"]),
        "tc class change dev eth0 parent fa17: classid fa17:1 htb rate 1mbit ceil 1mbit\n\
         tc qdisc add dev eth0 parent fa17:1 handle fa18: netem delay 50ms\n"
    );
    assert_eq!(
        plan(&["ours+netem", "eth0", "", "80/5", "10.0.0.12"]),
        "tc class change dev eth0 parent fa17: classid fa17:1 htb rate 10gbit ceil 10gbit\n\
         tc qdisc change dev eth0 parent fa17:1 handle fa18: netem delay 80ms 5ms\n"
    );
}

#[test]
fn fault_arguments_are_checked() {
    for (check, value, ok) in [
        ("netfault_loss_check", "30", true),
        ("netfault_loss_check", "2.5", true),
        ("netfault_loss_check", "100", true),
        ("netfault_loss_check", "0", false),
        ("netfault_loss_check", "101", false),
        ("netfault_loss_check", "30%", false),
        ("netfault_rate_check", "1mbit", true),
        ("netfault_rate_check", "500kbit", true),
        ("netfault_rate_check", "2mbps", true),
        ("netfault_rate_check", "0mbit", false),
        ("netfault_rate_check", "fast", false),
        ("netfault_delay_check", "100", true),
        ("netfault_delay_check", "100/20", true),
        ("netfault_delay_check", "0", false),
        ("netfault_delay_check", "1.5", false),
        ("netfault_delay_check", "100/", false),
    ] {
        let out = bash(&format!("{check} \"$1\""), &[value]);
        assert_eq!(out.status.success(), ok, "{check} {value}: {out:?}");
        if !ok {
            assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("'{value}'")));
        }
    }
}
