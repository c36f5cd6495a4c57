//! The settings of a load run, with perseus's defaults: the one place they
//! are written down. `perseus`'s options start from [`RunSettings::default`],
//! the start event records the settings the run used (so they are also the
//! start event's fields), and hand-made logs (tests, generators) take the
//! defaults from here too.

use serde::{Deserialize, Serialize, Serializer};

/// What a run was told to do, as the start event records it. Durations are
/// whole milliseconds, as in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// Connections (and keys) per node.
    pub conns: u32,
    pub user: String,
    pub database: String,
    pub table: String,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    pub write_timeout_ms: u64,
    /// The pause after a failed operation before the next one.
    pub reconnect_delay_ms: u64,
    /// How long a fault command may run before it is killed.
    pub fault_timeout_ms: u64,
    /// `--duration`, or None when the run went until it was stopped.
    pub duration_s: Option<Seconds>,
    /// The `--fault` schedule as given, `AT:ACTION:TARGET`.
    pub schedule: Vec<String>,
    /// A name for the run chosen by its caller (a suite's scenario and
    /// repetition), or None.
    pub label: Option<String>,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            conns: 1,
            user: "root".into(),
            database: "lily".into(),
            table: "storage".into(),
            connect_timeout_ms: 2_000,
            read_timeout_ms: 3_000,
            write_timeout_ms: 3_000,
            reconnect_delay_ms: 10,
            fault_timeout_ms: 300_000,
            duration_s: None,
            schedule: Vec::new(),
            label: None,
        }
    }
}

/// Seconds as the log writes them: a whole number when whole (`60`), else a
/// decimal (`1.5`), so that neither 1.5 s nor 500 ms is truncated.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Seconds(pub f64);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let whole = self.0.fract() == 0.0 && self.0 >= 0.0 && self.0 < 1e15;
        if whole {
            s.serialize_u64(self.0 as u64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_keep_their_fraction_and_whole_ones_stay_integers() {
        let json = |s: f64| serde_json::to_string(&Seconds(s)).expect("json");
        assert_eq!(json(60.0), "60");
        assert_eq!(json(1.5), "1.5");
        assert_eq!(json(0.5), "0.5");
        let back: Seconds = serde_json::from_str("60").expect("parse");
        assert_eq!(back, Seconds(60.0));
    }
}
