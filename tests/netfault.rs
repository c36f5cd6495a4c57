//! bin/fault.sh (bin/lib/netfault.sh) in three network namespaces this test
//! makes (tests/netns/net.rs), with this process in the root namespace as
//! the client: what each network fault lets through and what it drops, in
//! which direction; that each is idempotent and that `heal` leaves exactly
//! the rules and qdiscs there were (rules and a qdisc of someone else's
//! included, and never replaced); the delay's refusal without sch_netem and
//! its exact tc commands; pause, resume and kill of the database processes
//! of this namespace only; the --log event with arg and groups. Root only:
//! ignored by a plain `cargo test`; bin/check.sh runs it as root.

mod netns;

use netns::net::{echo_server, in_netns, reaches, Net, TIMEOUT};
use netns::{iptables_rules, netem_here, ok, require_root, run};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What a fault may change in namespace i: its iptables rules and its
/// qdiscs, classes and filters.
fn snapshot(net: &Net, i: usize) -> Vec<String> {
    let ns = net.ns(i);
    let dev = format!("{ns}i");
    let mut all = iptables_rules(Some(ns), None);
    for what in [
        vec!["qdisc", "show"],
        vec!["class", "show", "dev", &dev],
        vec!["filter", "show", "dev", &dev],
    ] {
        let mut args = vec!["netns", "exec", ns, "tc"];
        args.extend(what);
        all.extend(ok("ip", &args).lines().map(String::from));
    }
    all
}

/// bin/fault.sh in namespace i, for node n(i+1), with its own state dir.
fn fault(net: &Net, i: usize, args: &[&str]) -> Output {
    let state = net.dir.join(format!("state-{i}"));
    let mut all = vec!["--state", state.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = net.script(i, "fault.sh", &all);
    eprintln!(
        "fault.sh {args:?} in {}: {}\n{}{}",
        net.ns(i),
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn fault_ok(net: &Net, i: usize, args: &[&str]) -> String {
    let out = fault(net, i, args);
    assert!(out.status.success(), "fault.sh {args:?} failed");
    text(&out.stdout)
}

/// How many of `n` datagrams sent from namespace `from` reach `to` (a
/// socket bound in the namespace of node `to_i`).
fn datagrams(net: &Net, from: usize, to_i: usize, n: usize) -> usize {
    let to: SocketAddr = format!("{}:7071", net.nodes[to_i].1).parse().unwrap();
    let rx = in_netns(net.ns(to_i), move || UdpSocket::bind(to).expect("bind udp"));
    rx.set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    in_netns(net.ns(from), move || {
        let tx = UdpSocket::bind("0.0.0.0:0").unwrap();
        for _ in 0..n {
            let _ = tx.send_to(b"perseus", to);
            std::thread::sleep(Duration::from_micros(200));
        }
    });
    let mut buf = [0u8; 16];
    let mut got = 0;
    while rx.recv(&mut buf).is_ok() {
        got += 1;
    }
    got
}

/// Seconds to send `bytes` to the echo server at `to` and read them back,
/// from namespace `from` (None: the root namespace, the client's place).
fn round_trip_s(from: Option<&str>, to: SocketAddr, bytes: usize) -> f64 {
    let go = move || {
        let started = Instant::now();
        let mut conn = TcpStream::connect_timeout(&to, TIMEOUT).expect("connect");
        conn.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let out = vec![7u8; bytes];
        let reader = conn.try_clone().unwrap();
        let reading = std::thread::spawn(move || {
            let mut back = vec![0u8; bytes];
            let mut reader = reader;
            reader.read_exact(&mut back).expect("echo back");
        });
        conn.write_all(&out).expect("send");
        reading.join().unwrap();
        started.elapsed().as_secs_f64()
    };
    match from {
        Some(ns) => in_netns(ns, go),
        None => go(),
    }
}

/// Applies a fault twice (the second changes nothing), runs `check` while
/// it holds, heals, and finds the namespace as it was.
fn applied_then_healed(net: &Net, i: usize, args: &[&str], check: impl FnOnce()) {
    let before = snapshot(net, i);
    fault_ok(net, i, args);
    let during = snapshot(net, i);
    assert_ne!(during, before, "{args:?} changed nothing");
    fault_ok(net, i, args);
    assert_eq!(
        snapshot(net, i),
        during,
        "{args:?} a second time changed something"
    );
    check();
    fault_ok(net, i, &["heal"]);
    assert_eq!(
        snapshot(net, i),
        before,
        "heal after {args:?} left a difference"
    );
    fault_ok(net, i, &["heal"]);
    assert_eq!(snapshot(net, i), before, "a second heal changed something");
}

/// A stand-in database process named mariadbd (a link to sleep) in
/// namespace ns.
fn fake_server(net: &Net, ns: &str) -> Child {
    let link = net.dir.join("mariadbd");
    if !link.exists() {
        std::os::unix::fs::symlink("/bin/sleep", &link).unwrap();
    }
    Command::new("ip")
        .args(["netns", "exec", ns, link.to_str().unwrap(), "300"])
        .spawn()
        .unwrap()
}

/// The state letter of /proc/PID/stat (S sleeping, T stopped), or None.
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(") ").next()?.chars().next()
}

fn wait_state(pid: u32, want: Option<char>) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if proc_state(pid) == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
#[ignore = "needs root"]
fn fault_sh_in_namespaces() {
    require_root("fault_sh_in_namespaces");
    let net = Net::new("ptf", 50);
    let (a, b, c) = (0, 1, 2);
    for i in 0..3 {
        echo_server(net.ns(i), net.addr(i));
    }
    // Rules that are not the tool's: a chain of someone's, and an ACCEPT for
    // a peer that every fault must beat (its jumps go first).
    for rule in [
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
    ] {
        let mut args = vec!["netns", "exec", net.ns(a), "iptables", "-w", "10"];
        args.extend_from_slice(&rule);
        ok("ip", &args);
    }
    // With iptables' nft backend a namespace has no filter table until a
    // rule is made; one made and removed here, so that the snapshots before
    // and after a fault compare rules and not the table's first appearance.
    for i in [b, c] {
        for op in ["-N", "-X"] {
            ok(
                "ip",
                &[
                    "netns",
                    "exec",
                    net.ns(i),
                    "iptables",
                    "-w",
                    "10",
                    op,
                    "PRIME",
                ],
            );
        }
    }
    assert_eq!(datagrams(&net, b, a, 20), 20, "b to a before any fault");

    // One way only: a hears nothing from its peers, they still hear it.
    applied_then_healed(&net, a, &["isolate-in"], || {
        assert_eq!(
            datagrams(&net, b, a, 20),
            0,
            "isolate-in: b still reaches a"
        );
        assert_eq!(
            datagrams(&net, a, b, 20),
            20,
            "isolate-in: a's packets lost"
        );
        assert_eq!(datagrams(&net, c, b, 20), 20, "isolate-in: c and b cut");
        TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("a client reaches a");
    });
    applied_then_healed(&net, a, &["isolate-out"], || {
        assert_eq!(
            datagrams(&net, a, c, 20),
            0,
            "isolate-out: a still reaches c"
        );
        assert_eq!(
            datagrams(&net, c, a, 20),
            20,
            "isolate-out: c's packets lost"
        );
        TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("a client reaches a");
    });
    // Half the packets, at random, each way.
    applied_then_healed(&net, a, &["loss", "50"], || {
        let got = datagrams(&net, b, a, 200);
        assert!((40..=160).contains(&got), "loss 50: {got} of 200 arrived");
        assert_eq!(datagrams(&net, b, c, 50), 50, "loss on a touched b to c");
    });
    // A partition's share: node a (n1) alone, n2 and n3 together.
    applied_then_healed(&net, a, &["partition", "n1|n2,n3"], || {
        assert!(reaches(net.ns(a), net.addr(b)).is_err(), "a reaches b");
        assert!(reaches(net.ns(c), net.addr(a)).is_err(), "c reaches a");
        reaches(net.ns(b), net.addr(c)).expect("b and c talk");
        TcpStream::connect_timeout(&net.addr(a), TIMEOUT).expect("a client reaches a");
    });
    // n2's share of the same partition, by --self: it cuts n1 only.
    applied_then_healed(&net, b, &["--self", "n2", "partition", "n1|n2,n3"], || {
        assert_eq!(datagrams(&net, b, a, 10), 0, "b still reaches a");
        assert_eq!(datagrams(&net, b, c, 10), 10, "b and c cut");
    });
    // The node's traffic to its peers is shaped, its clients' is not.
    applied_then_healed(&net, a, &["bandwidth", "1mbit"], || {
        let to_peer = round_trip_s(Some(net.ns(a)), net.addr(b), 150_000);
        let to_client = round_trip_s(None, net.addr(a), 150_000);
        assert!(to_peer > 0.8, "150 kB to a peer at 1mbit took {to_peer} s");
        assert!(to_client < 0.5, "150 kB to a client took {to_client} s");
    });

    // Faults together, as status lists them; then heal removes them all.
    let before = snapshot(&net, a);
    fault_ok(&net, a, &["isolate-out"]);
    fault_ok(&net, a, &["loss:30"]);
    fault_ok(&net, a, &["bandwidth", "2mbit"]);
    let status = fault_ok(&net, a, &["status"]);
    assert_eq!(status.trim(), "isolate-out, loss 30%, bandwidth 2mbit");
    // Another rate replaces the limit.
    fault_ok(&net, a, &["bandwidth", "4mbit"]);
    let class = ok(
        "ip",
        &[
            "netns",
            "exec",
            net.ns(a),
            "tc",
            "class",
            "show",
            "dev",
            &format!("{}i", net.ns(a)),
        ],
    );
    assert!(class.contains("rate 4Mbit"), "{class}");
    // The delay's tc commands on top of the bandwidth limit.
    let dry = fault_ok(&net, a, &["--dry-run", "delay", "100/20"]);
    let dev = format!("{}i", net.ns(a));
    assert_eq!(
        dry,
        format!(
            "tc class change dev {dev} parent fa17: classid fa17:1 htb rate 4mbit ceil 4mbit\n\
             tc qdisc add dev {dev} parent fa17:1 handle fa18: netem delay 100ms 20ms\n"
        )
    );
    fault_ok(&net, a, &["heal"]);
    assert_eq!(snapshot(&net, a), before, "heal of several faults");
    assert_eq!(fault_ok(&net, a, &["status"]).trim(), "none");

    delay(&net, a);
    not_ours(&net, a);
    processes(&net);
    logged(&net, a);
    bad_input(&net, a);
}

/// Without sch_netem, delay refuses, changes nothing, and says what it
/// would have run; --dry-run prints exactly that. With netem (not this
/// project's machines), it must apply and heal like the others.
fn delay(net: &Net, a: usize) {
    let dev = format!("{}i", net.ns(a));
    let plan = format!(
        "tc qdisc add dev {dev} root handle fa17: htb default 0\n\
         tc class add dev {dev} parent fa17: classid fa17:1 htb rate 10gbit ceil 10gbit\n\
         tc qdisc add dev {dev} parent fa17:1 handle fa18: netem delay 100ms 20ms\n\
         tc filter add dev {dev} parent fa17: protocol ip prio 1 u32 match ip dst {}/32 flowid fa17:1\n\
         tc filter add dev {dev} parent fa17: protocol ip prio 1 u32 match ip dst {}/32 flowid fa17:1\n",
        net.nodes[1].1, net.nodes[2].1
    );
    assert_eq!(fault_ok(net, a, &["--dry-run", "delay", "100/20"]), plan);
    let before = snapshot(net, a);
    let out = fault(net, a, &["delay", "100/20"]);
    if netem_here() {
        assert!(out.status.success(), "delay with netem");
        assert!(fault_ok(net, a, &["status"]).contains("delay 100ms 20ms"));
        fault_ok(net, a, &["heal"]);
    } else {
        let err = text(&out.stderr);
        assert!(!out.status.success(), "delay without netem succeeded");
        assert!(err.contains("this kernel lacks sch_netem"), "{err}");
        assert!(err.contains(&plan), "the refusal lacks the commands: {err}");
    }
    assert_eq!(snapshot(net, a), before, "delay left a difference");
}

/// A root qdisc of someone else's is never replaced nor removed.
fn not_ours(net: &Net, a: usize) {
    let dev = format!("{}i", net.ns(a));
    let ns = net.ns(a);
    ok(
        "ip",
        &[
            "netns", "exec", ns, "tc", "qdisc", "add", "dev", &dev, "root", "handle", "7:", "tbf",
            "rate", "100mbit", "burst", "32kbit", "latency", "400ms",
        ],
    );
    let before = snapshot(net, a);
    let out = fault(net, a, &["bandwidth", "1mbit"]);
    assert!(!out.status.success(), "bandwidth over someone's qdisc");
    assert!(
        text(&out.stderr).contains(&format!(
            "device {dev} has a root qdisc of someone else's (tbf 7:)"
        )),
        "{}",
        text(&out.stderr)
    );
    fault_ok(net, a, &["heal"]);
    assert_eq!(snapshot(net, a), before, "someone's qdisc was touched");
    ok(
        "ip",
        &[
            "netns", "exec", ns, "tc", "qdisc", "del", "dev", &dev, "root",
        ],
    );
}

/// pause, resume and kill reach the database processes of the namespace
/// they run in, and no other (here a stand-in named mariadbd in a and one
/// in b; the machine's other mariadbd, a lab's say, are not touched either).
fn processes(net: &Net) {
    let mut mine = fake_server(net, net.ns(0));
    let mut other = fake_server(net, net.ns(1));
    // `ip netns exec` execs, so the child's PID is the stand-in's.
    assert!(wait_state(mine.id(), Some('S')) && wait_state(other.id(), Some('S')));
    fault_ok(net, 0, &["pause"]);
    assert!(wait_state(mine.id(), Some('T')), "pause did not stop it");
    assert_eq!(
        proc_state(other.id()),
        Some('S'),
        "pause reached another namespace"
    );
    fault_ok(net, 0, &["pause"]);
    fault_ok(net, 0, &["resume"]);
    assert!(
        wait_state(mine.id(), Some('S')),
        "resume did not continue it"
    );
    fault_ok(net, 0, &["pause"]);
    // A stopped process dies of SIGKILL all the same.
    fault_ok(net, 0, &["kill"]);
    let _ = mine.wait();
    assert_eq!(
        proc_state(other.id()),
        Some('S'),
        "kill reached another namespace"
    );
    let out = fault(net, 0, &["resume"]);
    assert!(!out.status.success() && text(&out.stderr).contains("nothing to resume"));
    // Killing what is down already is done (idempotent).
    let out = fault(net, 0, &["kill"]);
    assert!(out.status.success() && text(&out.stderr).contains("nothing to kill"));
    let out = fault(net, 0, &["start"]);
    assert!(!out.status.success() && text(&out.stderr).contains("systemctl start"));
    let _ = other.kill();
    let _ = other.wait();
}

/// --log appends the fault with its argument and, for a partition, its
/// groups (resolved from the shape).
fn logged(net: &Net, a: usize) {
    let log = net.dir.join("events.jsonl");
    let unix_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64;
    std::fs::write(
        &log,
        format!("{{\"ev\":\"start\",\"t_us\":0,\"schema\":1,\"unix_us\":{unix_us}}}\n"),
    )
    .unwrap();
    let path = log.to_str().unwrap();
    fault_ok(net, a, &["--log", path, "partition", "halves"]);
    fault_ok(net, a, &["--log", path, "loss", "10"]);
    fault_ok(net, a, &["--log", path, "heal"]);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["action"], "partition");
    assert_eq!(lines[1]["arg"], "halves");
    assert_eq!(
        lines[1]["groups"],
        serde_json::json!([["n1"], ["n2", "n3"]])
    );
    assert_eq!(lines[1]["note"], "bin/fault.sh (by hand)");
    assert_eq!(lines[2]["arg"], "10");
    assert_eq!(lines[3]["action"], "heal");
    assert!(lines[3].get("arg").is_none() && lines[3].get("groups").is_none());
}

/// Bad input: a clear message naming the node or value, nothing changed.
fn bad_input(net: &Net, a: usize) {
    let before = snapshot(net, a);
    for (args, says) in [
        (vec!["loss", "0"], "loss '0': a percentage above 0"),
        (vec!["loss", "abc"], "loss 'abc'"),
        (
            vec!["bandwidth", "fast"],
            "bandwidth 'fast': a rate like 1mbit",
        ),
        (vec!["delay", "5x"], "delay '5x'"),
        (
            vec!["partition", "n1|n9"],
            "'n9' is not a node of the cluster",
        ),
        (
            vec!["partition", "n1,n2"],
            "partition 'n1,n2': a shape (halves, bridge) or groups like",
        ),
        (vec!["loss"], "loss needs an argument"),
        (vec!["isolate-in:x"], "isolate-in takes no argument"),
        (vec!["freeze"], "unknown action 'freeze'"),
    ] {
        let out = fault(net, a, &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // An unknown node (the script's last word).
    let out = run(
        "bash",
        &[
            netns::root().join("bin/fault.sh").to_str().unwrap(),
            "--cluster",
            net.cluster().to_str().unwrap(),
            "loss",
            "30",
            "n9",
        ],
    );
    assert!(text(&out.stderr).contains("unknown node 'n9'"));
    assert_eq!(snapshot(net, a), before, "bad input changed something");
}
