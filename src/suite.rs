//! Suite files (`etc/suites/*.json`, docs/suites.md): scenarios — an engine,
//! a node count, a duration, a fault schedule, repetitions — and the
//! service-level limits a leaderboard judges them against. One parser and
//! one set of checks, used by `perseus-report --check-suite` (which the
//! suite runner calls before anything starts) and by `--leaderboard --suite`.
//!
//! JSON, because the project's own tools read it as they are (serde here,
//! jq in bin/lab.sh) and it nests a schedule naturally; every error names the
//! file, the scenario and the field (serde adds line and column for syntax).

use crate::duration;
use crate::grammar;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Actions a suite may schedule: the lab's fault vocabulary.
pub const ACTIONS: &[&str] = &[
    "isolate",
    "isolate-in",
    "isolate-out",
    "rejoin",
    "partition",
    "heal",
    "kill",
    "start",
    "pause",
    "resume",
    "loss",
    "bandwidth",
    "delay",
];

/// A checked suite.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub engine: String,
    pub nodes: u32,
    pub duration_s: u64,
    pub repeat: u32,
    pub faults: Vec<ScheduledStep>,
    pub limits: Limits,
    /// The engine's settings (`bin/lab.sh up --set KEY=VALUE`), as given:
    /// the defaults' merged with the scenario's, key by key.
    pub settings: BTreeMap<String, String>,
}

/// One fault of a scenario's schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledStep {
    pub at_s: f64,
    /// As perseus's --fault takes it: `isolate`, `loss:30`, `partition:halves`.
    pub action: String,
    /// A node (`n2`), or a role: `leader`, `any`.
    pub target: String,
}

/// Service-level limits, each optional; durations in microseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Each fault's downtime (no node serving), in every run.
    pub downtime_us: Option<u64>,
    pub partial_downtime_us: Option<u64>,
    /// Each fault's settle time; a fault that never settles exceeds it.
    pub settle_us: Option<u64>,
    /// Lost writes over all the scenario's runs.
    pub lost_writes: Option<u64>,
    /// Acknowledged writes lost over all the scenario's runs (each lost
    /// write discards one or more).
    pub acked_writes_lost: Option<u64>,
    /// Anomalies of any kind over all the scenario's runs.
    pub anomalies: Option<u64>,
    /// The least share of the baseline each fault's throughput may fall to
    /// (0.5 for `"50%"`), in every run.
    pub throughput: Option<f64>,
    /// For each fault that stops no node (loss, bandwidth, delay), in every
    /// run: the whole-cluster downtime from it to its undo, and its longest
    /// whole-cluster stall meanwhile.
    pub downtime_in_force_us: Option<u64>,
    pub longest_stall_us: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: String,
    #[serde(default)]
    defaults: RawScenario,
    scenarios: Vec<RawScenario>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    engine: Option<String>,
    nodes: Option<u32>,
    duration: Option<u64>,
    repeat: Option<u32>,
    faults: Option<Vec<RawStep>>,
    limits: Option<BTreeMap<String, serde_json::Value>>,
    settings: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: f64,
    action: String,
    target: String,
}

/// Parses and checks a suite; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Suite, String> {
    let raw: RawSuite = serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let d = &raw.defaults;
    if raw.scenarios.is_empty() {
        return Err(format!("{file}: field `scenarios`: no scenario"));
    }
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (i, s) in raw.scenarios.iter().enumerate() {
        let at = |field: &str| {
            let who = s
                .name
                .as_deref()
                .map_or(format!("scenario {}", i + 1), |n| {
                    format!("scenario \"{n}\"")
                });
            format!("{file}: {who}: field `{field}`")
        };
        let scenario = scenario(s, d, &at)?;
        if scenarios.iter().any(|o| o.name == scenario.name) {
            return Err(format!("{}: a second scenario of this name", at("name")));
        }
        scenarios.push(scenario);
    }
    grammar::scenario_name(&raw.name).map_err(|why| format!("{file}: field `name`: {why}"))?;
    if raw.scenarios.len() > MAX_SCENARIOS {
        return Err(format!(
            "{file}: field `scenarios`: {} scenarios; at most {MAX_SCENARIOS}",
            raw.scenarios.len()
        ));
    }
    Ok(Suite {
        name: raw.name,
        scenarios,
    })
}

/// The lab's engines a scenario may name.
pub const ENGINES: &[&str] = &["galera", "tidb", "patroni"];

/// The longest run a suite may plan: what perseus-report reads of a run.
pub const MAX_DURATION_S: u64 = crate::report::limits::MAX_SPAN_US / 1_000_000;
/// The most scenarios a suite may hold.
pub const MAX_SCENARIOS: usize = 1000;

fn scenario(
    s: &RawScenario,
    d: &RawScenario,
    at: &dyn Fn(&str) -> String,
) -> Result<Scenario, String> {
    let name = s
        .name
        .clone()
        .ok_or_else(|| format!("{}: missing", at("name")))?;
    grammar::scenario_name(&name).map_err(|why| format!("{}: {why}", at("name")))?;
    let engine = s
        .engine
        .clone()
        .or(d.engine.clone())
        .unwrap_or_else(|| "galera".into());
    if !ENGINES.contains(&engine.as_str()) {
        return Err(format!(
            "{}: '{}' is not an engine ({})",
            at("engine"),
            crate::text::escape(&engine),
            ENGINES.join(", ")
        ));
    }
    let nodes = s.nodes.or(d.nodes).unwrap_or(3);
    if !(1..=9).contains(&nodes) {
        return Err(format!(
            "{}: {nodes} nodes; the lab runs 1 to 9",
            at("nodes")
        ));
    }
    let duration_s = s.duration.or(d.duration).ok_or_else(|| {
        format!(
            "{}: missing (seconds, here or in `defaults`)",
            at("duration")
        )
    })?;
    if !(1..=MAX_DURATION_S).contains(&duration_s) {
        return Err(format!(
            "{}: {duration_s} s; 1 s to {MAX_DURATION_S} s (7 days, the longest run perseus-report reads)",
            at("duration")
        ));
    }
    let repeat = s.repeat.or(d.repeat).unwrap_or(1);
    if !(1..=100).contains(&repeat) {
        return Err(format!("{}: {repeat}; 1 to 100 repetitions", at("repeat")));
    }
    let faults = s.faults.clone().or(d.faults.clone()).unwrap_or_default();
    let mut steps = Vec::new();
    for (k, f) in faults.iter().enumerate() {
        steps.push(step(f, nodes, duration_s, &|field| {
            format!("{} {}: field `{field}`", at("faults"), k + 1)
        })?);
    }
    let mut merged = d.limits.clone().unwrap_or_default();
    merged.extend(s.limits.clone().unwrap_or_default());
    let limits = limits(&merged, at)?;
    let settings = settings(s, d, &engine, at)?;
    Ok(Scenario {
        name,
        engine,
        nodes,
        duration_s,
        repeat,
        faults: steps,
        limits,
        settings,
    })
}

/// The engine's settings, the defaults' and the scenario's merged key by
/// key: each a word of `bin/lab.sh up --set`'s shape, and what the engine
/// accepts (`engine_settings.rs`).
fn settings(
    s: &RawScenario,
    d: &RawScenario,
    engine: &str,
    at: &dyn Fn(&str) -> String,
) -> Result<BTreeMap<String, String>, String> {
    let mut raw = d.settings.clone().unwrap_or_default();
    raw.extend(s.settings.clone().unwrap_or_default());
    let mut out = BTreeMap::new();
    for (key, value) in raw {
        let field = at(&format!("settings.{key}"));
        let value = match value {
            serde_json::Value::String(v) => v,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => if b { "on" } else { "off" }.to_string(),
            _ => return Err(format!("{field}: a word or a number")),
        };
        let key_ok = key.len() <= 40
            && key.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        let value_ok = !value.is_empty()
            && value.len() <= 40
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if !key_ok || !value_ok {
            return Err(format!(
                "{field}: KEY=VALUE as `bin/lab.sh up --set` takes it (the key lower-case letters, digits, '_' and '.'; the value letters, digits, '.', '_' and '-'; 40 characters at most)"
            ));
        }
        out.insert(key, value);
    }
    crate::engine_settings::check(engine, &out)
        .map_err(|why| format!("{}: {why}", at("settings")))?;
    Ok(out)
}

fn step(
    f: &RawStep,
    nodes: u32,
    duration_s: u64,
    at: &dyn Fn(&str) -> String,
) -> Result<ScheduledStep, String> {
    if !(f.at > 0.0 && f.at < duration_s as f64) {
        return Err(format!(
            "{}: {} is not inside the run (0, {duration_s}) s",
            at("at"),
            f.at
        ));
    }
    let (name, arg) = match f.action.split_once(':') {
        Some((name, arg)) => (name, Some(arg)),
        None => (f.action.as_str(), None),
    };
    if !ACTIONS.contains(&name) {
        return Err(format!(
            "{}: '{}' is not an action ({})",
            at("action"),
            crate::text::escape(&f.action),
            ACTIONS.join(", ")
        ));
    }
    grammar::fault_arg(name, arg).map_err(|why| format!("{}: {why}", at("action")))?;
    if let (Some(groups), "partition") = (arg, name) {
        partition_nodes(groups, nodes).map_err(|why| format!("{}: {why}", at("action")))?;
    }
    let node = f
        .target
        .strip_prefix('n')
        .and_then(|k| k.parse::<u32>().ok());
    let known = grammar::ROLES.contains(&f.target.as_str())
        || node.is_some_and(|k| (1..=nodes).contains(&k));
    if !known {
        return Err(format!(
            "{}: '{}' is neither a node of {nodes} (n1..n{nodes}) nor a role (leader, any, replica)",
            at("target"),
            f.target
        ));
    }
    Ok(ScheduledStep {
        at_s: f.at,
        action: f.action.clone(),
        target: f.target.clone(),
    })
}

/// Explicit groups name only the scenario's nodes, n1 to nN, each once
/// per group (the lab's nodes; a shape is resolved when it runs).
fn partition_nodes(groups: &str, nodes: u32) -> Result<(), String> {
    if groups == "halves" || groups == "bridge" {
        return Ok(());
    }
    let names: Vec<String> = (1..=nodes).map(|k| format!("n{k}")).collect();
    crate::partition::parse_groups(&groups.replace(grammar::GROUP_SEPARATOR, "|"), &names)
        .map(|_| ())
}

fn limits(
    raw: &BTreeMap<String, serde_json::Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<Limits, String> {
    let mut l = Limits::default();
    for (key, value) in raw {
        let field = at(&format!("limits.{key}"));
        let micros = || -> Result<u64, String> {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(format!("{field}: a duration such as \"10s\"")),
            };
            duration::parse(&text)
                .map(|d| d.as_micros() as u64)
                .map_err(|e| format!("{field}: {e}"))
        };
        let count = || {
            value
                .as_u64()
                .ok_or_else(|| format!("{field}: a whole number"))
        };
        match key.as_str() {
            "downtime" => l.downtime_us = Some(micros()?),
            "partial_downtime" => l.partial_downtime_us = Some(micros()?),
            "settle" => l.settle_us = Some(micros()?),
            "lost_writes" => l.lost_writes = Some(count()?),
            "acked_writes_lost" => l.acked_writes_lost = Some(count()?),
            "anomalies" => l.anomalies = Some(count()?),
            "throughput" => l.throughput = Some(share(value, &field)?),
            "downtime_in_force" => l.downtime_in_force_us = Some(micros()?),
            "longest_stall" => l.longest_stall_us = Some(micros()?),
            _ => {
                return Err(format!(
                "{field}: not a limit (downtime, partial_downtime, settle, throughput, downtime_in_force, longest_stall, lost_writes, acked_writes_lost, anomalies)"
            ))
            }
        }
    }
    Ok(l)
}

/// A share written as a percentage, `"50%"`: a bare number would leave
/// open whether 0.5 means half or half a percent.
fn share(value: &serde_json::Value, field: &str) -> Result<f64, String> {
    let wrong = || format!("{field}: a percentage such as \"50%\"");
    let text = value.as_str().ok_or_else(wrong)?;
    let number = text.trim().strip_suffix('%').ok_or_else(wrong)?;
    match number.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p / 100.0),
        _ => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
      "name": "smoke",
      "defaults": {"duration": 30, "repeat": 2, "limits": {"downtime": "10s", "lost_writes": 0, "longest_stall": "1.5s"}},
      "scenarios": [
        {"name": "isolate", "faults": [{"at": 10, "action": "isolate", "target": "leader"},
                                       {"at": 20, "action": "rejoin", "target": "leader"}],
         "limits": {"settle": 30, "downtime_in_force": "4s"}},
        {"name": "halves", "nodes": 5, "repeat": 1,
         "faults": [{"at": 10, "action": "partition:halves", "target": "any"}]}
      ]}"#;

    #[test]
    fn a_good_suite_with_defaults() {
        let s = parse("smoke.json", GOOD).expect("parses");
        assert_eq!(s.name, "smoke");
        let iso = &s.scenarios[0];
        assert_eq!(
            (iso.engine.as_str(), iso.nodes, iso.duration_s, iso.repeat),
            ("galera", 3, 30, 2)
        );
        assert_eq!(iso.limits.downtime_us, Some(10_000_000));
        assert_eq!(iso.limits.settle_us, Some(30_000_000));
        assert_eq!(iso.limits.lost_writes, Some(0));
        assert_eq!(iso.limits.downtime_in_force_us, Some(4_000_000));
        assert_eq!(iso.limits.longest_stall_us, Some(1_500_000));
        assert_eq!(s.scenarios[1].nodes, 5);
        assert_eq!(s.scenarios[1].repeat, 1);
    }

    #[test]
    fn each_mistake_names_the_file_the_scenario_and_the_field() {
        let bad = |from: &str, to: &str, says: &str| {
            let text = GOOD.replacen(from, to, 1);
            let err = parse("smoke.json", &text).expect_err(to);
            assert!(err.starts_with("smoke.json: "), "{err}");
            assert!(err.contains(says), "{to}: {err}");
        };
        bad(
            "\"at\": 10, \"action\": \"isolate\"",
            "\"at\": 40, \"action\": \"isolate\"",
            "scenario \"isolate\": field `faults` 1: field `at`: 40 is not inside",
        );
        bad(
            "\"action\": \"isolate\"",
            "\"action\": \"explode\"",
            "field `action`: 'explode' is not an action",
        );
        bad(
            "\"action\": \"partition:halves\"",
            "\"action\": \"partition\"",
            "needs an argument",
        );
        bad(
            "\"target\": \"any\"",
            "\"target\": \"n7\"",
            "scenario \"halves\": field `faults` 1: field `target`: 'n7'",
        );
        bad("\"nodes\": 5", "\"nodes\": 12", "field `nodes`: 12 nodes");
        bad(
            "\"longest_stall\": \"1.5s\"",
            "\"longest_stall\": [1]",
            "field `limits.longest_stall`: a duration",
        );
        bad(
            "{\"settle\": 30, ",
            "{\"settel\": 30, ",
            "field `limits.settel`: not a limit",
        );
        bad(
            "{\"settle\": 30, ",
            "{\"settle\": \"soon\", ",
            "field `limits.settle`",
        );
        bad(
            "{\"settle\": 30, ",
            "{\"throughput\": 50, ",
            "field `limits.throughput`: a percentage such as \"50%\"",
        );
        bad(
            "{\"settle\": 30, ",
            "{\"throughput\": \"-5%\", ",
            "field `limits.throughput`: a percentage",
        );
        bad(
            "\"name\": \"halves\"",
            "\"name\": \"isolate\"",
            "a second scenario of this name",
        );
        bad("\"name\": \"halves\"", "\"name\": \"a b\"", "field `name`");
        bad("\"repeat\": 1", "\"repeat\": 0", "field `repeat`");
        bad(
            "\"nodes\": 5,",
            "\"nodes\": 5, \"colour\": 1,",
            "unknown field `colour`",
        );
        let err = parse("smoke.json", "{").expect_err("syntax");
        assert!(
            err.contains("smoke.json: EOF while parsing") && err.contains("line 1"),
            "{err}"
        );
    }

    /// Suites written by careless or hostile hands, one mistake each: each
    /// refused before anything runs, naming the file, scenario and field,
    /// as the runner or the lab would refuse it later.
    #[test]
    fn hostile_suites_are_refused_before_anything_runs() {
        let bad = |from: &str, to: &str, says: &str| {
            let text = GOOD.replacen(from, to, 1);
            let err = parse("h.json", &text).expect_err(to);
            assert!(err.starts_with("h.json: "), "{err}");
            assert!(err.contains(says), "{to}: {err}");
        };
        let halves = "\"action\": \"partition:halves\"";
        for name in ["..", ".", "...", "a.b", "../x", "a/b", "$(id)"] {
            bad(
                "\"name\": \"halves\"",
                &format!("\"name\": \"{name}\""),
                "field `name`",
            );
        }
        bad(
            "\"name\": \"smoke\"",
            "\"name\": \"..\"",
            "h.json: field `name`",
        );
        for (action, says) in [
            ("loss:101", "loss '101': a percentage"),
            ("loss:", "loss '': a percentage"),
            ("loss:30;touch /tmp/x", "loss '30;touch /tmp/x'"),
            ("bandwidth:fast", "bandwidth 'fast': a rate"),
            ("delay:soon", "delay 'soon'"),
            ("partition:n1|n7", "'n7' is not a node of the cluster"),
            ("partition:n1,n2 | n3", "partition 'n1,n2 | n3'"),
            ("partition:n1", "partition 'n1'"),
            ("isolate:now", "isolate takes no argument"),
        ] {
            bad(halves, &format!("\"action\": \"{action}\""), says);
        }
        bad(
            "\"duration\": 30",
            "\"duration\": 18446744073709551615",
            "field `duration`: 18446744073709551615 s; 1 s to 604800 s",
        );
        bad(
            "\"duration\": 30",
            "\"duration\": 18446744073709551616",
            "h.json: invalid type: floating point",
        );
    }

    #[test]
    fn groups_may_be_written_with_either_separator() {
        let text = GOOD.replacen("partition:halves", "partition:n1,n2/n3,n4,n5", 1);
        assert!(parse("g.json", &text).is_ok());
        let text = GOOD.replacen("partition:halves", "partition:n1,n2|n3,n4,n5", 1);
        assert!(parse("g.json", &text).is_ok());
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let err = parse("smoke.json", "{").expect_err("syntax");
        assert!(
            err.contains("smoke.json: EOF while parsing") && err.contains("line 1"),
            "{err}"
        );
    }
}
