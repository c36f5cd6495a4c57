//! Which runs a leaderboard counts, and why the others are ignored: each
//! run once, and with a suite only the repetitions it planned, each done as
//! its schedule says. Logs are careless or hostile input: the same file
//! given twice, two suites' results in one glob, a run relabelled, a run
//! whose fault never happened. A run ignored is counted nowhere and listed
//! with its reason; one that claimed a scenario keeps that scenario from
//! passing (verdict.rs), unless it was only a copy of a run counted.
//!
//! - Runs are told apart by their id: logs with one id and the same label
//!   and contents are one run given again (the first counts); logs with one
//!   id that differ cannot be told apart, and none counts.
//! - An empty label names nothing.
//! - With a suite, a run counts only when labelled `SUITE/SCENARIO/REP`
//!   (or `SCENARIO/REP`) for a scenario the suite plans, REP from 1 to its
//!   repetitions, its faults as the scenario's schedule (`schedule.rs`); and
//!   a repetition two runs claim counts neither.

use super::entry::RunEntry;
use super::schedule;
use crate::suite::{Scenario, Suite};
use serde::Serialize;

/// A run the leaderboard does not count, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ignored {
    pub run: String,
    pub label: Option<String>,
    /// The file it was read from.
    pub source: String,
    /// The scenario it claimed, when it names one.
    pub scenario: Option<String>,
    /// `copy`, `same-id`, `empty-label`, `unlabelled`, `not-planned`,
    /// `no-repetition`, `past-plan`, `schedule`, `same-repetition`.
    pub kind: &'static str,
    pub reason: String,
}

impl Ignored {
    /// Whether it keeps its scenario from passing: anything but a copy of a
    /// run that counts.
    pub fn fails(&self) -> bool {
        self.kind != "copy"
    }
}

/// A run that counts.
pub struct Admitted {
    pub entry: RunEntry,
    pub scenario: String,
    /// Its repetition, with a suite.
    pub rep: Option<u32>,
}

/// Where a run belongs, or why it belongs nowhere.
type Placed = Result<(String, Option<u32>), (&'static str, String)>;

/// The runs that count (in the order given) and those ignored.
pub fn admit(entries: Vec<RunEntry>, suite: Option<&Suite>) -> (Vec<Admitted>, Vec<Ignored>) {
    let (unique, mut ignored) = once_each(entries, suite);
    let mut admitted = Vec::new();
    for entry in unique {
        match place(&entry, suite) {
            Ok((scenario, rep)) => admitted.push(Admitted {
                entry,
                scenario,
                rep,
            }),
            Err((kind, reason)) => ignored.push(ignore(&entry, suite, kind, reason)),
        }
    }
    if suite.is_some() {
        admitted = one_run_a_repetition(admitted, &mut ignored);
    }
    (admitted, ignored)
}

fn ignore(entry: &RunEntry, suite: Option<&Suite>, kind: &'static str, reason: String) -> Ignored {
    Ignored {
        run: entry.run.clone(),
        label: entry.label.clone(),
        source: entry.source.clone(),
        scenario: claimed(entry, suite),
        kind,
        reason,
    }
}

/// Each run id once: copies after the first are ignored, and every log of
/// an id whose logs differ.
fn once_each(entries: Vec<RunEntry>, suite: Option<&Suite>) -> (Vec<RunEntry>, Vec<Ignored>) {
    let mut kept: Vec<RunEntry> = Vec::new();
    let mut ignored = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let same: Vec<&RunEntry> = entries.iter().filter(|e| e.run == entry.run).collect();
        let first = entries.iter().position(|e| e.run == entry.run) == Some(i);
        if same.iter().any(|e| !e.is_copy_of(entry)) {
            let sources: Vec<&str> = same.iter().map(|e| e.source.as_str()).collect();
            let reason = format!(
                "{} logs carry run id {} with different labels or contents ({}): which one is the run cannot be told",
                same.len(),
                entry.run,
                sources.join(", ")
            );
            ignored.push(ignore(entry, suite, "same-id", reason));
        } else if first {
            kept.push(entry.clone());
        } else {
            let reason = format!(
                "the same run as the one read from {}: counted once",
                same[0].source
            );
            ignored.push(ignore(entry, suite, "copy", reason));
        }
    }
    (kept, ignored)
}

/// A label's scenario and repetition: `s/isolate/2` → (`s/isolate`, 2).
fn split(label: &str) -> (&str, Option<&str>) {
    match label.rsplit_once('/') {
        Some((scenario, rep)) if !rep.is_empty() && rep.chars().all(|c| c.is_ascii_digit()) => {
            (scenario, Some(rep))
        }
        _ => (label, None),
    }
}

/// The suite's scenario a label's scenario part names, with its key.
fn planned<'a>(suite: &'a Suite, key: &str) -> Option<(String, &'a Scenario)> {
    suite
        .scenarios
        .iter()
        .find(|sc| key == sc.name || key == format!("{}/{}", suite.name, sc.name))
        .map(|sc| (format!("{}/{}", suite.name, sc.name), sc))
}

/// The scenario a run claims, as its board would be named.
fn claimed(entry: &RunEntry, suite: Option<&Suite>) -> Option<String> {
    let label = entry.label.as_deref().filter(|l| !l.trim().is_empty());
    match suite {
        Some(s) => planned(s, split(label?).0).map(|(key, _)| key),
        None => Some(label.map_or(entry.run.clone(), |l| split(l).0.to_string())),
    }
}

/// The scenario key and repetition of a run, or why it has none.
fn place(entry: &RunEntry, suite: Option<&Suite>) -> Placed {
    if entry.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
        return Err(("empty-label", "its label is empty".into()));
    }
    let Some(suite) = suite else {
        return Ok((claimed(entry, None).unwrap_or_default(), None));
    };
    let Some(label) = &entry.label else {
        return Err((
            "unlabelled",
            "it has no label: with a suite, only runs labelled SUITE/SCENARIO/REP are judged"
                .into(),
        ));
    };
    let (key, rep) = split(label);
    let Some((key, scenario)) = planned(suite, key) else {
        return Err((
            "not-planned",
            format!("its label names no scenario of suite {}", suite.name),
        ));
    };
    let Some(rep) = rep else {
        return Err((
            "no-repetition",
            "its label names no repetition (SUITE/SCENARIO/REP)".into(),
        ));
    };
    let rep = rep
        .parse::<u32>()
        .ok()
        .filter(|r| (1..=scenario.repeat).contains(r));
    let Some(rep) = rep else {
        return Err((
            "past-plan",
            format!(
                "its repetition is not one of the {} planned",
                scenario.repeat
            ),
        ));
    };
    if let Some(why) = schedule::differs(&entry.faults, entry.faults_ignored, &scenario.faults) {
        return Err((
            "schedule",
            format!(
                "its faults are not scenario {}'s schedule: {why}",
                scenario.name
            ),
        ));
    }
    Ok((key, Some(rep)))
}

/// A repetition claimed by two runs or more: none of them counts.
fn one_run_a_repetition(admitted: Vec<Admitted>, ignored: &mut Vec<Ignored>) -> Vec<Admitted> {
    let claims = |a: &Admitted| {
        admitted
            .iter()
            .filter(|b| b.scenario == a.scenario && b.rep == a.rep)
            .map(|b| b.entry.run.as_str())
            .collect::<Vec<_>>()
    };
    let (alone, shared): (Vec<bool>, Vec<String>) = admitted
        .iter()
        .map(|a| {
            let runs = claims(a);
            (runs.len() == 1, runs.join(", "))
        })
        .unzip();
    let mut kept = Vec::new();
    for ((a, alone), runs) in admitted.into_iter().zip(alone).zip(shared) {
        if alone {
            kept.push(a);
            continue;
        }
        let reason = format!(
            "repetition {} of {} is claimed by runs {runs}: which one counts cannot be told",
            a.rep.unwrap_or_default(),
            a.scenario
        );
        ignored.push(Ignored {
            scenario: Some(a.scenario.clone()),
            ..ignore(&a.entry, None, "same-repetition", reason)
        });
    }
    kept
}
