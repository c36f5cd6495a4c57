//! bin/isolate.sh and bin/rejoin.sh in three network namespaces that this
//! test makes (a bridge, one veth each, a test-only subnet with a blackhole
//! route), with this process in the root namespace playing the client.
//! Root only: ignored by a plain `cargo test`; bin/check.sh runs it as root.

mod netns;

use netns::net::{echo_server, echoes, reaches, Net, TIMEOUT};
use netns::{iptables_rules, ok, require_root, root, run};
use std::net::TcpStream;
use std::path::Path;

const CHAIN: &str = "PERSEUS-ISOLATE";

fn log_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line parses"))
        .collect()
}

#[test]
#[ignore = "needs root"]
fn isolate_and_rejoin_in_namespaces() {
    require_root("isolate_and_rejoin_in_namespaces");
    let net = Net::new("pti", 200);
    let (a, b, c) = (0, 1, 2);
    for i in 0..3 {
        echo_server(net.ns(i), net.addr(i));
    }
    // Rules that are not the tool's: a custom chain, and an ACCEPT for a peer
    // that the isolation must beat (its jump goes first).
    let pre = [
        vec!["-N", "OTHER-CHAIN"],
        vec![
            "-A",
            "OTHER-CHAIN",
            "-p",
            "udp",
            "--dport",
            "9",
            "-j",
            "RETURN",
        ],
        vec!["-A", "OUTPUT", "-j", "OTHER-CHAIN"],
        vec!["-A", "INPUT", "-s", &net.nodes[b].1, "-j", "ACCEPT"],
    ];
    for rule in &pre {
        let mut args = vec!["netns", "exec", net.ns(a), "iptables", "-w", "10"];
        args.extend_from_slice(rule);
        ok("ip", &args);
    }
    let before = iptables_rules(Some(net.ns(a)), None);

    // Everything talks before.
    reaches(net.ns(a), net.addr(b)).expect("a reaches b before isolation");
    reaches(net.ns(b), net.addr(a)).expect("b reaches a before isolation");
    let mut client = TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("client reaches a");
    assert!(echoes(&mut client));

    // A log with two runs: times count from the last start.
    let log = net.dir.join("events.jsonl");
    let now_us = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64
    };
    let start = |unix_us: u64| {
        format!("{{\"ev\":\"start\",\"t_us\":0,\"schema\":1,\"unix_us\":{unix_us}}}\n")
    };
    let text = start(now_us() - 3_600_000_000)
        + &start(now_us() - 5_000_000)
        + "{\"ev\":\"op\",\"t_us\":1}\n";
    std::fs::write(&log, text).unwrap();

    // A missing log, or one without a start, is an error that changes no rule.
    let missing = net.dir.join("missing.jsonl");
    let out = net.script(a, "isolate.sh", &["--log", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing or unreadable"));
    let no_start = net.dir.join("nostart.jsonl");
    std::fs::write(&no_start, "{\"ev\":\"op\",\"t_us\":1}\n").unwrap();
    let out = net.script(a, "isolate.sh", &["--log", no_start.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no start event"));
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        before,
        "a failed isolate changed rules"
    );

    // Isolate, with --log.
    net.script_ok(a, "isolate.sh", &["--log", log.to_str().unwrap()]);
    let isolated = iptables_rules(Some(net.ns(a)), None);
    assert!(isolated.iter().any(|l| l.contains(CHAIN)));
    assert!(
        reaches(net.ns(a), net.addr(b)).is_err(),
        "a still reaches b"
    );
    assert!(
        reaches(net.ns(a), net.addr(c)).is_err(),
        "a still reaches c"
    );
    let err = reaches(net.ns(b), net.addr(a)).expect_err("b still reaches a");
    assert_eq!(
        err.kind(),
        std::io::ErrorKind::TimedOut,
        "b to a: dropped, so a timeout"
    );
    reaches(net.ns(b), net.addr(c)).expect("b and c still talk");
    assert!(echoes(&mut client), "the client's open connection broke");
    TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("a new client connection to a");
    assert_eq!(
        iptables_rules(Some(net.ns(a)), Some(CHAIN)),
        before,
        "isolate touched rules outside its chain"
    );

    let lines = log_lines(&log);
    assert_eq!(lines.len(), 4);
    let ev = &lines[3];
    assert_eq!(ev["ev"], "fault");
    assert_eq!(ev["action"], "isolate");
    assert_eq!(ev["node"], "n1");
    assert_eq!(ev["note"], "bin/isolate.sh (by hand)");
    assert_eq!(ev["exit"], 0);
    let t = ev["t_us"].as_u64().expect("t_us is a number");
    assert!(
        (5_000_000..15_000_000).contains(&t),
        "t_us {t} is not about 5 s after the last start"
    );

    // A second isolate adds nothing.
    net.script_ok(a, "isolate.sh", &[]);
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        isolated,
        "a second isolate changed rules"
    );

    // Rejoin restores exactly the rules before, and traffic.
    net.script_ok(a, "rejoin.sh", &["--log", log.to_str().unwrap()]);
    assert_eq!(
        iptables_rules(Some(net.ns(a)), None),
        before,
        "rejoin left rules different"
    );
    reaches(net.ns(a), net.addr(b)).expect("a reaches b after rejoin");
    reaches(net.ns(c), net.addr(a)).expect("c reaches a after rejoin");
    assert!(echoes(&mut client));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["action"], "rejoin");
    assert_eq!(lines[4]["note"], "bin/rejoin.sh (by hand)");
    assert!(lines[4]["t_us"].as_u64().unwrap() >= t);

    // A second rejoin changes nothing and succeeds.
    net.script_ok(a, "rejoin.sh", &[]);
    assert_eq!(iptables_rules(Some(net.ns(a)), None), before);

    // An unknown node is refused.
    let out = run(
        "bash",
        &[
            root().join("bin/isolate.sh").to_str().unwrap(),
            "--cluster",
            net.cluster().to_str().unwrap(),
            "n9",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown node 'n9'"));
}
