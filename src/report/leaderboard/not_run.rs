//! The repetitions the suite runner could not measure (`--not-run FILE`):
//! `SCENARIO<TAB>REP<TAB>KIND<TAB>REASON` lines.

use serde::Serialize;

/// A repetition that was not measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotRun {
    pub rep: u32,
    /// `unhealthy`: the cluster was not ready; `unsupported`: this machine
    /// cannot inject the fault (no sch_netem).
    pub kind: String,
    pub reason: String,
}

/// Reads the runner's record: each repetition with its scenario's name.
pub fn parse_not_run(file: &str, text: &str) -> Result<Vec<(String, NotRun)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "{file}:{}: expected SCENARIO, REP, KIND (unhealthy or unsupported) and REASON separated by tabs",
                i + 1
            )
        };
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [scenario, rep, kind, reason] = fields[..] else {
            return Err(bad());
        };
        let rep = rep.parse::<u32>().map_err(|_| bad())?;
        if kind != "unhealthy" && kind != "unsupported" {
            return Err(bad());
        }
        let kind = kind.to_string();
        let reason = reason.to_string();
        out.push((scenario.to_string(), NotRun { rep, kind, reason }));
    }
    Ok(out)
}
