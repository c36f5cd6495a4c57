//! The log's records written and read back. Three readers see op lines: the
//! writer's serializer (`mod.rs`), `Event::parse` (`parse.rs`, struct
//! `Flat`), and the `--table` fast path's byte scanner
//! (`report/read/table_scan.rs`). These tests set every field of every
//! event, so a field added to a record and forgotten in one reader fails here: look in
//! those three files.

use super::*;
use crate::report::read::table_scan;

fn node(name: &str) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        host: "127.0.0.1".into(),
        port: 3306,
    }
}

fn every_field_start() -> Start {
    Start {
        mono_us: Some(571_298_732),
        boot_id: Some("0f3c2d6a-1b4e-4d7e-9a55-3f0e8d1c2b7a".into()),
        ..Start::new(
            "r1",
            1_700_000_000_000_000,
            vec![node("n1"), node("n2")],
            RunSettings {
                conns: 2,
                user: "perseus".into(),
                database: "db".into(),
                table: "t".into(),
                connect_timeout_ms: 1,
                read_timeout_ms: 2,
                write_timeout_ms: 3,
                reconnect_delay_ms: 4,
                fault_timeout_ms: 5,
                duration_s: Some(Seconds(1.5)),
                schedule: vec!["20:isolate:n1".into()],
                label: Some("smoke/isolate/1".into()),
            },
        )
    }
}

fn op(op: OpKind, ok: bool, value: Option<Option<i64>>) -> Op<'static> {
    Op {
        t_us: 1_234_567,
        node: "n1".into(),
        conn: 1,
        key: "r1-n1-1".into(),
        op,
        ok,
        lat_us: 250,
        value,
        err: (!ok).then(|| OpError {
            kind: ErrorKind::Server,
            code: Some(ErrCode::Number(1047)),
            msg: "WSREP has not yet prepared node for application use".into(),
        }),
        version: (op == OpKind::Connect).then(|| "10.11.19-MariaDB".into()),
    }
}

fn every_field_fault() -> Fault<'static> {
    Fault {
        t_us: 5,
        action: "partition".into(),
        arg: Some("halves".into()),
        node: "n1".into(),
        groups: Some(vec![vec!["n1".into()], vec!["n2".into(), "n3".into()]]),
        note: "bin/lab.sh partition n1|n2,n3 n1".into(),
        exit: Some(0),
        cmd_us: Some(12_000),
        effect_us: Some(4),
        role: Some("leader".into()),
        leader_said: Some("n1".into()),
        clock: Some(fault_clock::MONOTONIC.into()),
    }
}

fn every_field_server() -> Server<'static> {
    Server {
        t_us: 6,
        node: "n1".into(),
        server: "mariadbd".into(),
        what: server_what::EXITED.into(),
        pid: Some(4242),
        exit: Some(1),
        signal: Some(6),
        transfer: Some("sst".into()),
        side: Some("joiner".into()),
        timeline: Some(3),
        line: Some("WSREP: Will never receive state. Need to abort.".into()),
        seen: server_seen::WAIT.into(),
        clock: Some(fault_clock::MONOTONIC.into()),
        note: Some("Restart=on-abnormal".into()),
    }
}

fn every_field_stop() -> Stop {
    Stop {
        t_us: 9,
        reason: "log error".into(),
        message: Some("cannot write the log: disk full".into()),
        iterations: 3,
        errors: 1,
        operations: Some(7),
        in_flight: vec![InFlightOp {
            node: "n2".into(),
            conn: 0,
            key: "r1-n2-0".into(),
            op: OpKind::Update,
            started_us: 8,
            value: Some(4),
        }],
        faults_in_flight: vec![InFlightFault {
            action: "start".into(),
            node: "n1".into(),
            started_us: 7,
            note: "bin/lab.sh start n1".into(),
        }],
    }
}

fn line(event: &Event<'_>) -> Vec<u8> {
    let mut line = Vec::new();
    event.write_line(&mut line);
    assert_eq!(line.pop(), Some(b'\n'));
    line
}

fn round_trip(event: Event<'_>) {
    let line = line(&event);
    let parsed = Event::parse(&line).expect("parses");
    assert_eq!(parsed, event, "{}", String::from_utf8_lossy(&line));
}

#[test]
fn every_kind_round_trips_with_every_field_set() {
    round_trip(Event::Start(every_field_start()));
    round_trip(Event::Op(op(OpKind::Read, true, Some(None))));
    round_trip(Event::Op(op(OpKind::Read, true, Some(Some(7)))));
    round_trip(Event::Op(op(OpKind::Update, false, Some(Some(8)))));
    round_trip(Event::Op(op(OpKind::Connect, true, None)));
    round_trip(Event::Fault(every_field_fault()));
    round_trip(Event::Server(every_field_server()));
    round_trip(Event::Stop(every_field_stop()));
    let mut postgres = op(OpKind::Update, false, Some(Some(8)));
    postgres.err = Some(OpError {
        kind: ErrorKind::ReadOnly,
        code: ErrCode::sqlstate("25006"),
        msg: "cannot execute UPDATE in a read-only transaction".into(),
    });
    round_trip(Event::Op(postgres));
}

#[test]
fn the_table_fast_path_reads_every_op_shape_the_writer_writes() {
    let shapes = [
        op(OpKind::Read, true, Some(None)),
        op(OpKind::Insert, true, Some(Some(0))),
        op(OpKind::Update, false, Some(Some(8))),
        op(OpKind::Connect, true, None),
    ];
    for o in shapes {
        let line = line(&Event::Op(o.clone()));
        let scanned = table_scan::scan_canonical(&line)
            .unwrap_or_else(|| panic!("the scanner skips {}", String::from_utf8_lossy(&line)));
        assert_eq!(
            (
                scanned.t_us,
                scanned.node.as_ref(),
                scanned.conn,
                scanned.key.as_ref()
            ),
            (o.t_us, o.node.as_ref(), o.conn, o.key.as_ref())
        );
        assert_eq!((scanned.success, scanned.failed), (o.is_success(), !o.ok));
    }
}

#[test]
fn a_read_of_an_absent_key_writes_null_and_ops_start_as_the_scanner_expects() {
    let text =
        String::from_utf8(line(&Event::Op(op(OpKind::Read, true, Some(None))))).expect("utf8");
    assert!(text.contains("\"value\":null"), "{text}");
    assert!(
        text.starts_with("{\"ev\":\"op\",\"t_us\":1234567,"),
        "{text}"
    );
}

#[test]
fn old_logs_without_the_newer_fields_still_read() {
    let start = br#"{"ev":"start","t_us":0,"schema":1,"run":"r","unix_us":1,"tool":"perseus 0.1.0","nodes":[{"name":"n1","host":"h","port":1}],"conns":1,"duration_s":60}"#;
    let Ok(Event::Start(s)) = Event::parse(start) else {
        panic!("an old start event reads");
    };
    assert_eq!(s.settings.duration_s, Some(Seconds(60.0)));
    assert_eq!((s.mono_us, s.settings.label), (None, None));
    let stop = br#"{"ev":"stop","t_us":9,"reason":"duration","iterations":3,"errors":1}"#;
    let Ok(Event::Stop(s)) = Event::parse(stop) else {
        panic!("an old stop event reads");
    };
    assert_eq!((s.operations, s.in_flight.len()), (None, 0));
}

#[test]
fn codes_are_numbers_or_sqlstates_and_read_only_is_a_kind() {
    let line = br#"{"ev":"op","t_us":1,"node":"a","conn":0,"key":"k","op":"update","ok":false,"lat_us":1,"value":3,"err":{"kind":"read_only","code":"25006","msg":"m"}}"#;
    let Ok(Event::Op(op)) = Event::parse(line) else {
        panic!("a SQLSTATE code reads");
    };
    let err = op.err.expect("an error");
    assert_eq!(
        (err.kind, err.code),
        (ErrorKind::ReadOnly, ErrCode::sqlstate("25006"))
    );
    assert!(!err.kind.is_indeterminate(), "a refusal applied nothing");
    let bad = br#"{"ev":"op","t_us":1,"node":"a","conn":0,"key":"k","op":"read","ok":false,"lat_us":1,"err":{"kind":"server","code":"oops","msg":"m"}}"#;
    assert!(matches!(Event::parse(bad), Err(ParseError::WrongType(_))));
}

#[test]
fn a_fault_is_measured_from_its_effect_held_within_its_command() {
    let mut f = every_field_fault();
    (f.t_us, f.cmd_us, f.effect_us) = (1_000_000, Some(400_000), Some(700_000));
    assert_eq!(f.effective_us(), 700_000);
    f.effect_us = Some(100_000); // before the command began
    assert_eq!(f.effective_us(), 600_000);
    f.effect_us = Some(2_000_000); // after its stamp
    assert_eq!(f.effective_us(), 1_000_000);
    f.effect_us = None;
    assert_eq!(f.effective_us(), 1_000_000);
}

#[test]
fn bad_lines_say_what_is_wrong_and_are_typed() {
    let err = |s: &str| Event::parse(s.as_bytes()).expect_err("rejected");
    assert_eq!(
        err(r#"{"ev":"op","t_us":-1}"#),
        ParseError::NegativeTime(-1)
    );
    assert!(matches!(
        err(r#"{"ev":"op","t_us":1,"node":"a"}"#),
        ParseError::MissingField { field: "ok", .. }
    ));
    let schema = err(r#"{"ev":"start","t_us":0,"schema":2}"#);
    assert_eq!(schema, ParseError::UnknownSchema("2".into()));
    assert!(schema.to_string().contains("schema version 2"));
    assert_eq!(
        err(r#"{"ev":"bogus","t_us":0}"#),
        ParseError::UnknownKind("bogus".into())
    );
    let wrong = err(r#"{"ev":"op","t_us":"x"}"#);
    assert!(matches!(wrong, ParseError::WrongType(_)), "{wrong:?}");
    assert!(wrong.to_string().contains("invalid type"));
    assert!(matches!(err(r#"{"ev":"op","#), ParseError::Truncated(_)));
    assert!(matches!(err("not json"), ParseError::BadJson(_)));
    let failed_without_err =
        r#"{"ev":"op","t_us":1,"node":"a","conn":0,"key":"k","op":"read","ok":false,"lat_us":1}"#;
    assert_eq!(err(failed_without_err), ParseError::FailedWithoutError);
    assert!(err(r#"{"ev":"stop","t_us":1}"#)
        .to_string()
        .contains("stop event without field `reason`"));
}

/// The section of docs/event-log.md about events of kind `ev`.
fn documented_section(ev: &str) -> &'static str {
    let doc = include_str!("../../docs/event-log.md");
    let heading = format!("\n## `{ev}`");
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/event-log.md has no section {heading:?}"));
    let rest = &doc[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The field names in the first column of the section's `| field | ... |`
/// tables (`` `a`, `b` `` rows; `*` as in `*_timeout_ms` stands for any
/// prefix). Other tables (the values of `clock`, say) are not fields.
fn table_fields(section: &str) -> Vec<String> {
    let mut in_fields = false;
    let mut fields = Vec::new();
    for line in section.lines() {
        if !line.starts_with('|') {
            in_fields = false;
        } else if line.starts_with("| field |") {
            in_fields = true;
        } else if let (true, Some(row)) = (in_fields, line.strip_prefix("| `")) {
            let cell = row.split(" |").next().unwrap_or_default();
            fields.extend(cell.split(", ").map(|f| f.trim_matches('`').to_string()));
        }
    }
    fields
}

/// The event's fields as written, but `ev` and `t_us`; each must have a
/// value (a null is a field the every-field event left unset).
fn keys_of(event: &Event<'_>) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&line(event)).expect("json");
    let map = json.as_object().expect("an object");
    for (key, value) in map {
        assert!(!value.is_null(), "{key} is null: set it ({json})");
    }
    map.keys()
        .filter(|k| *k != "ev" && *k != "t_us")
        .cloned()
        .collect()
}

/// Every field written is documented in its section, and every field in a
/// section's table is set by the every-field events above (a new optional
/// field left unset there would round-trip unseen).
#[test]
fn the_every_field_events_and_docs_event_log_md_name_the_same_fields() {
    let events = [
        ("start", Event::Start(every_field_start())),
        ("fault", Event::Fault(every_field_fault())),
        ("server", Event::Server(every_field_server())),
        ("stop", Event::Stop(every_field_stop())),
    ];
    for (ev, event) in events {
        let section = documented_section(ev);
        let keys = keys_of(&event);
        for key in &keys {
            let named = [format!("`{key}`"), format!("\"{key}\"")];
            assert!(
                named.iter().any(|n| section.contains(n.as_str())),
                "{ev}: field {key} is written but not in its section of docs/event-log.md"
            );
        }
        for field in table_fields(section) {
            let set = field == "t_us"
                || match field.strip_prefix('*') {
                    Some(suffix) => keys.iter().any(|k| k.ends_with(suffix)),
                    None => keys.contains(&field),
                };
            assert!(
                set,
                "{ev}: docs/event-log.md documents {field}, which every_field_{ev}() leaves unset"
            );
        }
    }
}
