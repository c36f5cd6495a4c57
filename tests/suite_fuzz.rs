//! A property test of the suite parser, as tests/report_fuzz.rs tests the
//! report's reader: the shipped suites mutated by a small deterministic
//! pseudo-random generator (flipped and inserted bytes, shell and bidi
//! characters, cut, duplicated spans, numbers grown huge). Whatever the
//! file, `suite::parse` accepts it or refuses it with a message that starts
//! with the file's name; it never panics (debug builds check overflows too),
//! and every suite it accepts holds only names and arguments of the grammar.

mod common;

use common::rng::Rng;
use perseus::{grammar, suite};

const INSERTS: &[&str] = &[
    "..",
    "/",
    "|",
    ";",
    "$(id)",
    "`x`",
    " ",
    "\u{202e}",
    "\\u0000",
    "99999999999999999999",
    "-1",
    "1e308",
    "\"",
    ":",
    "n9",
    "leader",
    "%",
    "101",
    "0",
    "halves",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(3) {
        let mut at = rng.below(s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(4) {
            0 => s.insert_str(at, INSERTS[rng.below(INSERTS.len())]),
            1 => s.truncate(at),
            2 => {
                let mut end = (at + 1 + rng.below(12)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let mut end = (at + rng.below(40)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let span = s[at..end].to_string();
                s.insert_str(end, &span);
            }
        }
    }
    s
}

#[test]
fn mutated_suites_give_a_suite_or_a_named_error() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("etc/suites");
    let seeds: Vec<String> = std::fs::read_dir(&root)
        .expect("etc/suites")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect();
    assert!(!seeds.is_empty());
    let mut rng = Rng(0xfeed_5017_cafe_0001);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..3000 {
        let seed = &seeds[rng.below(seeds.len())];
        let text = mutate(&mut rng, seed);
        match suite::parse("m.json", &text) {
            Ok(s) => {
                accepted += 1;
                assert!(grammar::scenario_name(&s.name).is_ok(), "{text}");
                for sc in &s.scenarios {
                    assert!(grammar::scenario_name(&sc.name).is_ok(), "{text}");
                    for f in &sc.faults {
                        let (action, arg) = match f.action.split_once(':') {
                            Some((a, g)) => (a, Some(g)),
                            None => (f.action.as_str(), None),
                        };
                        assert!(grammar::fault_arg(action, arg).is_ok(), "{text}");
                    }
                }
            }
            Err(e) => {
                refused += 1;
                assert!(e.starts_with("m.json"), "{e}");
            }
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}
