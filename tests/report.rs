//! perseus-report's analyses on hand-made logs whose truth is known to the
//! microsecond: outages, errors during them, faults, consistency, latency,
//! the table, several runs.

mod common;

use common::log::{analyze, fault_numbers, summary, Log, Scenario};
use perseus::event::{ErrorKind, OpKind};
use perseus::report::analysis::summary::OutageReport;
use perseus::report::options::Options;

const S: u64 = 1_000_000;
const MS: u64 = 1_000;

fn outage(o: &OutageReport) -> (Option<&str>, u64, u64, u64) {
    (o.node.as_deref(), o.start_us, o.end_us, o.duration_us)
}

fn outage_log() -> Vec<u8> {
    let mut s = Scenario::default();
    s.successes("n1", 100 * MS, 10 * S, 100 * MS, &[(3 * S, 6_500 * MS)])
        .successes("n2", 100 * MS, 10 * S, 100 * MS, &[(4 * S, 5_500 * MS)])
        .successes(
            "n3",
            100 * MS,
            10 * S,
            100 * MS,
            &[(4_200 * MS, 5_300 * MS)],
        )
        .error(3_500 * MS, "n1", ErrorKind::Timeout, None, "read timed out")
        .error(4_500 * MS, "n1", ErrorKind::Server, Some(1047), "WSREP one")
        .error(4_600 * MS, "n1", ErrorKind::Server, Some(1047), "WSREP two")
        .error(4_800 * MS, "n2", ErrorKind::Io, None, "connection reset")
        .error(5 * S, "n3", ErrorKind::Connect, Some(2003), "refused")
        .error(2 * S, "n2", ErrorKind::Server, Some(1205), "lock wait");
    s.log(&["n1", "n2", "n3"], Some(10 * S))
}

#[test]
fn outages_of_nodes_and_of_the_cluster_to_the_microsecond() {
    let s = summary(&outage_log(), Options::default());
    let got: Vec<_> = s.outages.iter().map(outage).collect();
    assert_eq!(
        got,
        vec![
            (Some("n1"), 3 * S, 6_500 * MS, 3_500 * MS),
            (Some("n2"), 4 * S, 5_500 * MS, 1_500 * MS),
            (None, 4_200 * MS, 5_300 * MS, 1_100 * MS),
            (Some("n3"), 4_200 * MS, 5_300 * MS, 1_100 * MS),
        ]
    );
    assert_eq!(s.iterations, 3 * 100 - 34 - 14 - 10);
    assert_eq!(s.errors.total(), 6);
    assert_eq!(s.end_us, 10 * S);
}

#[test]
fn each_outage_lists_the_errors_seen_during_it() {
    let s = summary(&outage_log(), Options::default());
    let groups = |i: usize| {
        s.outages[i]
            .errors
            .groups()
            .map(|(k, g)| (k.to_string(), g.count, g.sample.clone()))
            .collect::<Vec<_>>()
    };
    let g = |k: &str, n: u64, m: &str| (k.to_string(), n, m.to_string());
    assert_eq!(
        groups(0),
        vec![
            g("server:1047", 2, "WSREP one"),
            g("timeout", 1, "read timed out")
        ]
    );
    assert_eq!(groups(1), vec![g("io", 1, "connection reset")]);
    assert_eq!(
        groups(2),
        vec![
            g("connect:2003", 1, "refused"),
            g("io", 1, "connection reset"),
            g("server:1047", 2, "WSREP one"),
        ],
        "the cluster outage has every node's errors inside it"
    );
    assert_eq!(groups(3), vec![g("connect:2003", 1, "refused")]);
    assert_eq!(s.errors.get("server:1205").map(|e| e.count), Some(1));
}

#[test]
fn the_run_start_and_end_count_as_successes() {
    let mut s = Scenario::default();
    s.successes("n1", 100 * MS, 7 * S, 100 * MS, &[])
        .successes("n2", 2_500 * MS, 10 * S, 100 * MS, &[])
        .error(9 * S, "n3", ErrorKind::Connect, Some(2003), "refused");
    let sum = summary(&s.log(&["n1", "n2", "n3"], None), Options::default());
    // No stop event: the run ends at the last event, 10 s.
    assert_eq!(sum.end_us, 10 * S);
    assert_eq!(sum.stop_reason, None);
    let got: Vec<_> = sum.outages.iter().map(outage).collect();
    assert_eq!(
        got,
        vec![
            (Some("n2"), 0, 2_500 * MS, 2_500 * MS),
            (Some("n3"), 0, 10 * S, 10 * S),
            (Some("n1"), 7 * S, 10 * S, 3 * S),
        ]
    );
    assert_eq!(sum.outages[1].errors.total(), 1);
}

#[test]
fn gap_option_changes_what_counts_as_an_outage() {
    let settings = Options {
        gap_us: 1_600 * MS,
        ..Options::default()
    };
    let s = summary(&outage_log(), settings);
    let got: Vec<_> = s.outages.iter().map(outage).collect();
    assert_eq!(got, vec![(Some("n1"), 3 * S, 6_500 * MS, 3_500 * MS)]);
}

fn fault_log() -> Vec<u8> {
    let mut s = Scenario::default();
    let end = 20 * S;
    s.successes("n1", 100 * MS, end, 100 * MS, &[(5 * S, 12 * S)])
        .successes(
            "n2",
            100 * MS,
            end,
            100 * MS,
            &[
                (5_200 * MS, 7_300 * MS),
                (11 * S, 12_500 * MS),
                (18 * S, end + 1),
            ],
        )
        .successes(
            "n3",
            100 * MS,
            end,
            100 * MS,
            &[(6 * S, 7_100 * MS), (15_900 * MS, end + 1)],
        )
        .fault(5_050 * MS, "isolate", "n1", Some(0))
        .fault(11_550 * MS, "rejoin", "n1", None)
        .fault(16 * S, "kill", "n3", Some(0))
        .fault(17 * S, "kill", "n2", Some(1))
        .fault(18_500 * MS, "start", "n3", Some(0));
    s.log(&["n1", "n2", "n3"], Some(end))
}

fn fault_settings() -> Options {
    Options {
        steady_us: 2 * S,
        ..Options::default()
    }
}

#[test]
fn settle_downtime_and_partial_downtime_after_each_fault() {
    let s = summary(&fault_log(), fault_settings());
    assert_eq!(
        fault_numbers(&s),
        vec![
            // n2 and n3 expected; both up for 2 s from 7.3 s; nobody up in
            // (6.0, 7.1); only n3 up in (5.2, 6.0) and (7.1, 7.3).
            ("isolate", "n1", 5_050 * MS, 1_100 * MS, S, Some(2_250 * MS)),
            // All expected: n1 back at 12.0, n2 at 12.5; only n3 up in (11.55, 12.0).
            ("rejoin", "n1", 11_550 * MS, 0, 450 * MS, Some(950 * MS)),
            // n1 and n2 expected and up for [16, 18]: settled at once.
            ("kill", "n3", 16 * S, 0, 0, Some(0)),
            // n2 and n3 never come back: measured over [18.5, 20), n1 alone.
            ("start", "n3", 18_500 * MS, 0, 1_500 * MS, None),
        ]
    );
    assert_eq!(s.faults_ignored, 1, "the kill whose command failed");
    assert_eq!(s.faults[3].measured_until_us, 20 * S);
    let cluster: Vec<_> = s.cluster_outages().map(outage).collect();
    assert_eq!(cluster, vec![(None, 6 * S, 7_100 * MS, 1_100 * MS)]);
    // docs/report.md's worked example: 3 nodes × 10 a second over
    // [1 s, 5 s); the isolation's window [5.05, 7.3) holds n2's successes
    // at 5.1, 5.2 and n3's at 5.1–6.0 and 7.1, 7.2: 14 in 2.25 s.
    let b = s.baseline.as_ref().expect("baseline");
    assert_eq!(
        (b.from_us, b.until_us, b.iterations, b.per_s),
        (S, 5 * S, 120, 30.0)
    );
    let t = s.faults[0].throughput.as_ref().expect("throughput");
    assert_eq!((t.iterations, t.window_us), (14, 2_250 * MS));
    assert_eq!(
        perseus::report::export::cells::throughput(&s.faults[0]),
        "20.7 % (6.2/s)"
    );
}

/// A fault under load took 0.9 s to go in; its first rules
/// (`effect_us`, 10.05 s) stalled the cluster before the command returned
/// (10.8 s). Its numbers start at the cut: the whole 5.95 s of downtime,
/// not the 5.2 s after the stamp; the stamp stays in `stamp_us` and the
/// note. A moment outside the command's run is held to it.
#[test]
fn a_fault_is_measured_from_the_moment_it_took_effect() {
    let run = |(t, cmd, effect): (u64, u64, u64)| {
        let mut s = Scenario::default();
        for node in ["n2", "n3"] {
            s.successes(node, 100 * MS, 20 * S, 50 * MS, &[(10 * S, 16 * S)]);
        }
        s.successes("n1", 100 * MS, 20 * S, 50 * MS, &[(10 * S, 20 * S + 1)])
            .fault_in_effect((t, cmd, effect), "isolate", "n1");
        summary(&s.log(&["n1", "n2", "n3"], Some(20 * S)), fault_settings())
    };
    let s = run((10_800 * MS, 900 * MS, 10_050 * MS));
    let f = &s.faults[0];
    assert_eq!(
        (f.t_us, f.stamp_us, f.downtime_us, f.settle_us),
        (10_050 * MS, Some(10_800 * MS), 5_950 * MS, Some(5_950 * MS))
    );
    let text = perseus::report::export::text::summary(&s);
    assert!(
        text.contains("#   10.050 s isolate n1: downtime 5950.000 ms")
            && text.contains("in effect from 10.050 s, 750.000 ms before its command returned"),
        "{text}"
    );
    let early = run((10_800 * MS, 500 * MS, 9 * S));
    assert_eq!(
        early.faults[0].t_us,
        10_300 * MS,
        "held to the command's start"
    );
}

#[test]
fn latency_around_a_fault_covers_f_to_f_plus_settle_or_steady() {
    let s = summary(&fault_log(), fault_settings());
    let stats = |f: usize| {
        s.faults[f]
            .latency
            .as_ref()
            .expect("a window")
            .nodes
            .iter()
            .map(|l| (l.count, l.p50_us, l.p99_us, l.max_us))
            .collect::<Vec<_>>()
    };
    // Latency = t / 100 ms. Settled after 2.25 s, more than steady (2 s):
    // [5.05, 7.3) holds n2 at 5.1, 5.2 and n3 at 5.1..=6.0, 7.1, 7.2.
    assert_eq!(
        stats(0),
        vec![
            (0, None, None, None),
            (2, Some(51), Some(52), Some(52)),
            (12, Some(56), Some(72), Some(72)),
        ]
    );
    assert_eq!(s.faults[0].latency_until_us, Some(7_300 * MS));
    // Settled after 0.95 s, less than steady: [11.55, 13.55) holds n1 at
    // 12.0..=13.5, n2 at 12.5..=13.5, n3 at 11.6..=13.5.
    assert_eq!(
        stats(1),
        vec![
            (16, Some(127), Some(135), Some(135)),
            (11, Some(130), Some(135), Some(135)),
            (20, Some(125), Some(135), Some(135)),
        ]
    );
    assert_eq!(s.faults[1].latency_until_us, Some(13_550 * MS));
    // Settled at once: still the 2 s after it, [16, 18): n1 and n2 16.0..=17.9.
    assert_eq!(
        stats(2),
        vec![
            (20, Some(169), Some(179), Some(179)),
            (20, Some(169), Some(179), Some(179)),
            (0, None, None, None),
        ]
    );
    // Never settled: to the run's end (within 60 s), only n1 (18.5..=20.0) serves.
    assert_eq!(stats(3)[0], (16, Some(192), Some(200), Some(200)));
    assert_eq!(s.faults[3].latency_until_us, Some(20 * S));
}

#[test]
fn overall_latency_quantiles_on_known_values() {
    let mut log = Log::new(&["n1", "n2"]);
    for i in 1..=100u64 {
        log.success(i * MS, "n1", i);
    }
    log.success(200 * MS, "n2", 1_000_000);
    log.success(201 * MS, "n2", 1_000);
    log.stop(300 * MS);
    let s = summary(&log.bytes, Options::default());
    let n1 = &s.latency.nodes[0];
    assert_eq!(
        (n1.count, n1.p50_us, n1.p99_us, n1.max_us),
        (100, Some(50), Some(99), Some(100))
    );
    let n2 = &s.latency.nodes[1];
    assert_eq!((n2.count, n2.max_us), (2, Some(1_000_000)));
    let p50 = n2.p50_us.expect("p50") as f64;
    assert!(
        (p50 - 1000.0).abs() <= 1000.0 * s.latency.relative_error,
        "{p50}"
    );
    assert_eq!(n2.p99_us, Some(1_000_000), "clamped to the exact max");
}

#[test]
fn consistency_finds_lost_writes_and_unexpected_values() {
    let mut log = Log::new(&["n1", "n2"]);
    let k = "k1";
    log.read(1, "n1", k, None) // line 2
        .write(2, "n1", k, OpKind::Insert, 0) // 3
        .read(3, "n1", k, Some(0)) // 4
        .write(4, "n1", k, OpKind::Update, 1) // 5
        .raw(r#"{"ev":"op","t_us":5,"node":"n1","conn":0,"key":"k1","op":"update","ok":false,"lat_us":1,"value":2,"err":{"kind":"timeout","code":null,"msg":"t"}}"#) // 6
        .raw(r#"{"ev":"op","t_us":6,"node":"n1","conn":0,"key":"k1","op":"read","ok":true,"lat_us":1,"value":2}"#) // 7: reads the indeterminate write
        .raw(r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k1","op":"update","ok":false,"lat_us":1,"value":3,"err":{"kind":"server","code":1213,"msg":"deadlock"}}"#) // 8
        .read(8, "n1", k, Some(2)) // 9: fine, the failed write was not applied
        .write(9, "n1", k, OpKind::Update, 3) // 10
        .read(10, "n1", k, Some(1)) // 11: lost_write; 1 is the new baseline
        .read(11, "n1", k, Some(1)) // 12: the same loss again: not counted twice
        .read(12, "n1", k, Some(7)) // 13: unexpected (expected 1, set by line 11)
        .read(13, "n1", k, None) // 14: lost_write (expected 7, set by line 13)
        .raw(r#"{"ev":"op","t_us":14,"node":"n1","conn":0,"key":"k1","op":"update","ok":false,"lat_us":1,"value":3,"err":{"kind":"server","code":1213,"msg":"deadlock"}}"#) // 15
        .read(15, "n1", k, None) // 16: fine: the failed write was not applied
        .read(16, "n2", "k2", Some(5)) // 17: unexpected: never written
        .stop(20);
    let s = summary(&log.bytes, Options::default());
    let got: Vec<_> = s
        .anomalies
        .iter()
        .map(|a| {
            (
                a.kind,
                a.key.as_str(),
                a.t_us,
                a.value,
                a.expected,
                a.read_line,
                a.write_line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("lost_write", "k1", 10, Some(1), Some(3), 11, Some(10)),
            ("unexpected", "k1", 12, Some(7), Some(1), 13, Some(11)),
            ("lost_write", "k1", 13, None, Some(7), 14, Some(13)),
            ("unexpected", "k2", 16, Some(5), None, 17, None),
        ]
    );
    assert_eq!(s.anomalies_total, 4);
    assert_eq!(s.anomalies[0].node, "n1");
}

#[test]
fn a_clean_run_has_no_anomalies() {
    let mut log = Log::new(&["n1", "n2"]);
    for (node, key) in [("n1", "a"), ("n2", "b")] {
        log.read(1, node, key, None)
            .write(2, node, key, OpKind::Insert, 0);
        for v in 0..50 {
            log.read(10 + v as u64, node, key, Some(v)).write(
                11 + v as u64,
                node,
                key,
                OpKind::Update,
                v + 1,
            );
        }
    }
    log.stop(100);
    let s = summary(&log.bytes, Options::default());
    assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    assert_eq!(s.anomalies_total, 0);
    assert_eq!(s.iterations, 102);
}

#[test]
fn table_counts_successes_and_errors_per_second_up_to_the_last_full_second() {
    let settings = Options {
        error_columns: true,
        table_only: true,
        ..Options::default()
    };
    let runs = analyze(&outage_log(), settings);
    let table = runs[0].table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "# second\ttotal\tn1\tn2\tn3\terr:n1\terr:n2\terr:n3"
    );
    assert_eq!(lines.len(), 11, "legend + 10 rows for a 10 s run");
    // Second 1 holds t in [0, 1 s): successes at 0.1..0.9 s.
    assert_eq!(lines[1], "1\t27\t9\t9\t9\t0\t0\t0");
    assert_eq!(lines[3], "3\t30\t10\t10\t10\t0\t1\t0");
    // Second 5 = [4, 5 s): n1 down, n2 has 4.0 only, n3 has 4.0..=4.2;
    // errors: n1 at 4.5 and 4.6, n2 at 4.8.
    assert_eq!(lines[5], "5\t4\t0\t1\t3\t2\t1\t0");
    assert_eq!(runs[0].summary, None, "--table skips the analyses");
}

#[test]
fn a_start_event_in_the_middle_begins_a_new_run() {
    let mut log = Log::new(&["n1"]);
    log.success(500 * MS, "n1", 10).stop(2 * S);
    let mut second = Log::new(&["x", "y"]);
    second.success(1_500 * MS, "y", 20);
    let mut bytes = log.bytes.clone();
    bytes.extend_from_slice(&second.bytes);
    let runs = analyze(&bytes, Options::default());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].table(), "# second\ttotal\tn1\n1\t1\t1\n2\t0\t0\n");
    assert_eq!(
        runs[1].table(),
        "# second\ttotal\tx\ty\n1\t0\t0\t0\n",
        "killed run: E = 1.5 s"
    );
    let second = runs[1].summary.as_ref().expect("summary");
    assert_eq!(second.nodes, vec!["x", "y"]);
    assert_eq!(
        second.outages.iter().map(outage).collect::<Vec<_>>(),
        vec![
            (None, 0, 1_500 * MS, 1_500 * MS),
            (Some("x"), 0, 1_500 * MS, 1_500 * MS),
            (Some("y"), 0, 1_500 * MS, 1_500 * MS),
        ]
    );
}
