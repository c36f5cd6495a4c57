//! The grammar of node names, scenario names, labels and fault arguments is
//! written twice, in Rust (src/grammar.rs: perseus, perseus-report's
//! `--check-suite`) and in bash (bin/lib/grammar.sh: the lab, bin/fault.sh).
//! Here both judge the same words — a table of the edges and thousands of
//! generated ones, hostile bytes among them — and must agree on every one.
//! No root needed.

mod common;

use common::rng::Rng;
use perseus::grammar;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What is judged: which check, and the word (for fault arguments
/// `ACTION ARG`, or `ACTION` alone for none).
#[derive(Clone)]
enum Case {
    Node(String),
    Scenario(String),
    Label(String),
    Fault(String, Option<String>),
}

impl Case {
    fn rust(&self) -> bool {
        match self {
            Case::Node(s) => grammar::node_name(s).is_ok(),
            Case::Scenario(s) => grammar::scenario_name(s).is_ok(),
            Case::Label(s) => grammar::label(s).is_ok(),
            Case::Fault(a, arg) => grammar::fault_arg(a, arg.as_deref()).is_ok(),
        }
    }

    /// One NUL-separated record for the bash loop: check, word, argument.
    fn record(&self) -> Vec<u8> {
        let (check, word, arg) = match self {
            Case::Node(s) => ("node", s.as_str(), None),
            Case::Scenario(s) => ("scenario", s.as_str(), None),
            Case::Label(s) => ("label", s.as_str(), None),
            Case::Fault(a, arg) => ("fault", a.as_str(), arg.as_deref()),
        };
        let mut r = format!("{check}\0{word}\0{}\0", arg.unwrap_or("\u{1}NONE")).into_bytes();
        r.push(b'\n');
        r
    }
}

/// bash's verdicts, one `ok` or `no` a case, from one bash for all.
fn bash_verdicts(cases: &[Case]) -> Vec<bool> {
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bin/lib/grammar.sh");
    let script = format!(
        r#"set -uo pipefail
source '{}'
while IFS= read -r -d '' check && IFS= read -r -d '' word && IFS= read -r -d '' arg && read -r _; do
    case "$check" in
        node) grammar_node "$word" >/dev/null ;;
        scenario) grammar_scenario "$word" >/dev/null ;;
        label) grammar_label "$word" >/dev/null ;;
        fault) if [[ "$arg" == $'\x01NONE' ]]; then grammar_fault_arg "$word" >/dev/null; else grammar_fault_arg "$word" "$arg" >/dev/null; fi ;;
    esac && echo ok || echo no
done"#,
        lib.display()
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run bash");
    let mut input = child.stdin.take().expect("stdin");
    let records: Vec<u8> = cases.iter().flat_map(Case::record).collect();
    let writer = std::thread::spawn(move || input.write_all(&records));
    let out = child.wait_with_output().expect("bash");
    writer.join().expect("writer").expect("write cases");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l == "ok")
        .collect()
}

fn agree(cases: &[Case]) {
    let bash = bash_verdicts(cases);
    assert_eq!(bash.len(), cases.len(), "bash answered every case");
    for (case, b) in cases.iter().zip(bash) {
        let (r, shown) = (
            case.rust(),
            String::from_utf8_lossy(&case.record()).into_owned(),
        );
        assert_eq!(r, b, "Rust says {r}, bash says {b}: {shown:?}");
    }
}

const WORDS: &[&str] = &[
    "n1",
    "tidb-1",
    "db_2.eu",
    "N",
    "",
    "leader",
    "any",
    "-n1",
    ".",
    "..",
    "...",
    "a.b",
    "a/b",
    "n 1",
    "n1;rm",
    "n1|n2",
    "$(x)",
    "`id`",
    "é",
    "a\u{202e}b",
    "x\ny",
    "standard/isolate/1",
    "my run 2",
    " x",
    "x ",
    "a%b",
    "a=b:c@d,e+f",
    "30",
    "2.5",
    "100",
    "0",
    "101",
    "100.01",
    "30.",
    ".5",
    "3.125",
    "1e2",
    "30%",
    "-5",
    "1mbit",
    "2.5mbps",
    "0mbit",
    "0.5kbit",
    "1 mbit",
    "fast",
    "1.mbit",
    "mbit",
    "100",
    "100/20",
    "100/",
    "/20",
    "1/2/3",
    "100ms",
    "0/5",
    "halves",
    "bridge",
    "n1,n2|n3",
    "n1,n2/n3,n4,n5",
    "n1",
    "n1,n2",
    "n1|",
    "|n1",
    "n1|$(x)",
    "n1 | n2",
    "n1,,n2|n3",
    ",n1|n2",
    "leader|n2",
];

const ACTIONS: &[&str] = &[
    "isolate",
    "rejoin",
    "heal",
    "kill",
    "loss",
    "bandwidth",
    "delay",
    "partition",
    "mark",
];

#[test]
fn bash_and_rust_agree_on_the_edges() {
    let mut cases = Vec::new();
    for w in WORDS {
        cases.push(Case::Node(w.to_string()));
        cases.push(Case::Scenario(w.to_string()));
        cases.push(Case::Label(w.to_string()));
        for a in ACTIONS {
            cases.push(Case::Fault(a.to_string(), Some(w.to_string())));
        }
    }
    cases.push(Case::Label("x".repeat(128)));
    cases.push(Case::Label("x".repeat(129)));
    cases.push(Case::Node("x".repeat(64)));
    cases.push(Case::Node("x".repeat(65)));
    for a in ACTIONS {
        cases.push(Case::Fault(a.to_string(), None));
    }
    agree(&cases);
}

/// Words built from pieces the rules care about (digits, units, separators,
/// shell syntax, bidi and control characters), mutated at random.
#[test]
fn bash_and_rust_agree_on_generated_words() {
    const PIECES: &[&str] = &[
        "n", "1", "0", "9", ".", "5", "mbit", "kbps", "/", "|", ",", "-", "_", ":", "=", "@", "+",
        "%", " ", ";", "$", "(", ")", "'", "\"", "\\", "&", "<", "`", "*", "halves", "leader", "é",
        "\u{202e}", "\t", "x", "Z", "100", "20",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut cases = Vec::new();
    for _ in 0..2000 {
        let len = 1 + rng.next() % 6;
        let word: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        cases.push(match rng.next() % 4 {
            0 => Case::Node(word),
            1 => Case::Scenario(word),
            2 => Case::Label(word),
            _ => Case::Fault(rng.pick(ACTIONS).to_string(), Some(word)),
        });
    }
    agree(&cases);
}
