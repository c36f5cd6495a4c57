//! One grammar for the words users give the tools — node names, suite and
//! scenario names, labels, a fault's argument — checked once, before
//! anything starts, by perseus, perseus-report (`--check-suite`) and the lab
//! scripts (`bin/lib/grammar.sh`, the same rules in bash;
//! tests/grammar.rs holds the two to the same verdicts). docs/suites.md
//! states it.
//!
//! Every word the tools hand to a fault command is made only of characters
//! no shell reads as syntax ([`is_inert`]), so that a command run over ssh
//! — whose remote shell parses the joined line again — gets its arguments
//! as data. A partition's groups are handed over as `n1,n2/n3,n4,n5`: the
//! `|` users type would be a pipe to that shell.

/// Targets that name a role, resolved when the fault fires or per
/// repetition: they can be no node's name.
pub const ROLES: &[&str] = &["leader", "any", "replica"];

/// The group separator perseus hands to fault commands; they accept `|`
/// too, as users type it.
pub const GROUP_SEPARATOR: char = '/';

/// Characters no shell gives a meaning to, in any position.
pub fn is_inert(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._:/=+@,%-".contains(c)
}

fn ascii_word(text: &str, most: usize, also: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && text.len() <= most
        && chars.all(|c| c.is_ascii_alphanumeric() || also.contains(c))
}

/// A node's name: 1 to 64 letters, digits, `_`, `.` and `-`, starting
/// with a letter or digit, and not a role.
pub fn node_name(name: &str) -> Result<(), String> {
    if ROLES.contains(&name) {
        return Err(format!(
            "node name '{name}' is a role the tools give a meaning to ({}): choose another",
            ROLES.join(", ")
        ));
    }
    if ascii_word(name, 64, "_.-") {
        Ok(())
    } else {
        Err(format!(
            "node name '{}' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
            shown(name)
        ))
    }
}

/// A suite's or a scenario's name: 1 to 64 letters, digits, `_` and `-`,
/// starting with a letter or digit. It names a directory: no dot, no
/// slash, so no name can lead outside the suite's results.
pub fn scenario_name(name: &str) -> Result<(), String> {
    if ascii_word(name, 64, "_-") {
        Ok(())
    } else {
        Err(format!(
            "'{}' must be 1 to 64 letters, digits, '_' or '-', starting with a letter or digit (it names a directory)",
            shown(name)
        ))
    }
}

/// A run's label: 1 to 128 letters, digits, spaces and `._:/=+@,-`, not
/// starting or ending with a space (a suite labels its runs
/// `SUITE/SCENARIO/REP`).
pub fn label(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 128
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && text.chars().all(|c| c == ' ' || is_inert(c) && c != '%');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "label '{}' must be 1 to 128 letters, digits, spaces and ._:/=+@,- (no space at either end)",
            shown(text)
        ))
    }
}

/// The argument of a fault action, as perseus, suites and the lab take
/// it: `loss` a percentage in (0, 100] with at most two decimals,
/// `bandwidth` a tc rate, `delay` milliseconds with an optional jitter,
/// `partition` a shape or groups (their nodes are checked against the
/// cluster elsewhere); the vocabulary's other actions take none; an action
/// of the user's own (a `--fault-cmd` of theirs) may take any inert word.
pub fn fault_arg(action: &str, arg: Option<&str>) -> Result<(), String> {
    let needs = matches!(action, "partition" | "loss" | "bandwidth" | "delay");
    let takes_none = matches!(
        action,
        "isolate"
            | "isolate-in"
            | "isolate-out"
            | "rejoin"
            | "heal"
            | "kill"
            | "start"
            | "pause"
            | "resume"
    );
    let Some(arg) = arg else {
        return match needs {
            true => Err(format!(
                "{action} needs an argument after ':' ({action}:{})",
                example(action)
            )),
            false => Ok(()),
        };
    };
    if takes_none {
        return Err(format!("{action} takes no argument (got '{}')", shown(arg)));
    }
    let fits = match action {
        "loss" => loss(arg),
        "bandwidth" => rate(arg),
        "delay" => delay(arg),
        "partition" => partition_words(arg),
        _ => !arg.is_empty() && arg.len() <= 64 && arg.chars().all(is_inert),
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{action} '{}': {}",
            shown(arg),
            match action {
                "loss" => "a percentage above 0 and at most 100, like 30 or 2.5",
                "bandwidth" => "a rate like 1mbit, 500kbit or 2mbps (tc's units; bps is bytes per second)",
                "delay" => "milliseconds, optionally /jitter in milliseconds, like 100 or 100/20",
                "partition" => "a shape (halves, bridge) or groups like n1,n2|n3,n4,n5",
                _ => "1 to 64 letters, digits and ._:/=+@,%- (what a shell reads as nothing but a word)",
            }
        ))
    }
}

fn example(action: &str) -> &'static str {
    match action {
        "loss" => "30",
        "bandwidth" => "1mbit",
        "delay" => "100/20",
        _ => "halves",
    }
}

/// `30`, `2.5`, `100`: one to three digits, optionally a point and one or
/// two decimals, above 0 and at most 100.
fn loss(arg: &str) -> bool {
    let (whole, frac) = match arg.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (arg, None),
    };
    digits(whole, 1, 3)
        && frac.is_none_or(|f| digits(f, 1, 2))
        && arg.parse::<f64>().is_ok_and(|p| p > 0.0 && p <= 100.0)
}

/// Between `least` and `most` ASCII digits.
fn digits(s: &str, least: usize, most: usize) -> bool {
    (least..=most).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
}

/// `1mbit`, `500kbit`, `2.5mbps`: a number and a tc unit, not zero, 24
/// characters at most.
fn rate(arg: &str) -> bool {
    let units = ["kbit", "mbit", "gbit", "bit", "kbps", "mbps", "gbps", "bps"];
    let Some(number) = units.iter().find_map(|u| arg.strip_suffix(u)) else {
        return false;
    };
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (number, None),
    };
    arg.len() <= 24
        && digits(whole, 1, 24)
        && frac.is_none_or(|f| digits(f, 1, 24))
        && number.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// `100` or `100/20`: whole milliseconds (six digits at most), the delay
/// above 0.
fn delay(arg: &str) -> bool {
    let (ms, jitter) = arg.split_once('/').unwrap_or((arg, "0"));
    digits(ms, 1, 6) && digits(jitter, 1, 6) && ms.chars().any(|c| c != '0')
}

/// A shape, or groups of node names separated by `,` and `|` or `/`.
fn partition_words(arg: &str) -> bool {
    if arg == "halves" || arg == "bridge" {
        return true;
    }
    let groups: Vec<&str> = arg.split(['|', GROUP_SEPARATOR]).collect();
    arg.len() <= 1024
        && groups.len() >= 2
        && groups
            .iter()
            .all(|g| g.split(',').all(|name| node_name(name).is_ok()))
}

/// A partition's groups as users type them (`|` or `/` between groups).
pub fn split_groups(arg: &str) -> impl Iterator<Item = &str> {
    arg.split(['|', GROUP_SEPARATOR])
}

/// Text from the user, shown in a message on one line: control characters
/// escaped, cut at 80 characters.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    let more = if cut.len() < text.len() { "…" } else { "" };
    format!("{}{more}", crate::text::escape(&cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["n1", "tidb-1", "db_2.eu", "N"] {
            assert!(node_name(good).is_ok(), "{good}");
        }
        for bad in [
            "", "leader", "any", "-n1", ".", "..", "n 1", "n1;rm", "n1|n2", "n1/x", "é",
        ] {
            assert!(node_name(bad).is_err(), "{bad:?}");
        }
        assert!(node_name(&"x".repeat(65)).is_err());
        for good in ["standard", "partition-halves", "a_b"] {
            assert!(scenario_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", "...", "a.b", "a/b", "-a", "a b", "$(x)"] {
            assert!(scenario_name(bad).is_err(), "{bad:?}");
        }
        for good in ["standard/isolate/1", "my run 2", "a=b:c@d,e+f"] {
            assert!(label(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            " x",
            "x ",
            "a\nb",
            "a\u{202e}b",
            "a;b",
            "a|b",
            "$x",
            "a%b",
        ] {
            assert!(label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fault_arguments_per_action() {
        let ok = |a: &str, arg: Option<&str>| fault_arg(a, arg).is_ok();
        assert!(ok("loss", Some("30")) && ok("loss", Some("2.5")) && ok("loss", Some("100")));
        for bad in [
            "0", "101", "100.01", "30.", ".5", "3.125", "1e2", "", "30%", "-5",
        ] {
            assert!(!ok("loss", Some(bad)), "loss {bad:?}");
        }
        assert!(ok("bandwidth", Some("1mbit")) && ok("bandwidth", Some("2.5mbps")));
        for bad in ["0mbit", "1 mbit", "fast", "1.mbit", "mbit", "1mbit;x"] {
            assert!(!ok("bandwidth", Some(bad)), "bandwidth {bad:?}");
        }
        assert!(ok("delay", Some("100")) && ok("delay", Some("100/20")));
        for bad in ["0", "100/", "/20", "1/2/3", "100ms"] {
            assert!(!ok("delay", Some(bad)), "delay {bad:?}");
        }
        assert!(ok("partition", Some("halves")) && ok("partition", Some("n1,n2|n3")));
        assert!(ok("partition", Some("n1,n2/n3,n4,n5")));
        for bad in ["n1", "n1,n2", "n1|", "n1|$(x)", "n1 | n2"] {
            assert!(!ok("partition", Some(bad)), "partition {bad:?}");
        }
        assert!(!ok("partition", None) && !ok("loss", None));
        assert!(!ok("isolate", Some("x")) && ok("isolate", None));
        assert!(ok("mark", Some("a.b")) && !ok("mark", Some("a b")) && !ok("mark", Some("")));
        assert!(!ok("mark", Some("`id`")) && !ok("mark", Some("a'b")));
    }

    #[test]
    fn inert_characters_are_no_shells_syntax() {
        for c in "|&;<>()$`\\\"' \t\n*?[]#~!{}^".chars() {
            assert!(!is_inert(c), "{c:?}");
        }
    }
}
