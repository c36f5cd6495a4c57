//! Errors grouped by kind and server code, with a count and one sample
//! message per group.

use crate::event::{ErrCode, ErrorKind, OpError};
use crate::report::limits::SAMPLE_CHARS;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorGroup {
    pub kind: ErrorKind,
    pub code: Option<ErrCode>,
    pub count: u64,
    /// The first message seen in this group.
    pub sample: String,
}

/// Serialized as an object keyed `kind` or `kind:code` (e.g. `server:1047`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ErrorGroups(BTreeMap<String, ErrorGroup>);

/// One failed operation's error, owned, as the analyses keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSample {
    pub kind: ErrorKind,
    pub code: Option<ErrCode>,
    pub msg: String,
}

impl ErrorSample {
    /// The error as kept while it waits in the analyses: its message cut to
    /// `SAMPLE_CHARS`, so a server's long message cannot fill memory.
    pub fn of(err: &OpError<'_>) -> Self {
        ErrorSample {
            kind: err.kind,
            code: err.code,
            msg: sample(&err.msg),
        }
    }
}

/// A message as kept: at most `SAMPLE_CHARS` characters (memory stays
/// bounded whatever a server answers).
fn sample(msg: &str) -> String {
    match msg.char_indices().nth(SAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", &msg[..cut]),
        None => msg.to_string(),
    }
}

pub fn group_key(kind: ErrorKind, code: Option<ErrCode>) -> String {
    match code {
        Some(code) => format!("{}:{code}", kind.name()),
        None => kind.name().to_string(),
    }
}

impl ErrorGroups {
    pub fn add(&mut self, kind: ErrorKind, code: Option<ErrCode>, msg: &str) {
        self.0
            .entry(group_key(kind, code))
            .or_insert_with(|| ErrorGroup {
                kind,
                code,
                count: 0,
                sample: sample(msg),
            })
            .count += 1;
    }

    pub fn add_sample(&mut self, e: &ErrorSample) {
        self.add(e.kind, e.code, &e.msg);
    }

    pub fn total(&self) -> u64 {
        self.0.values().map(|g| g.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Groups in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &ErrorGroup)> {
        self.0.iter().map(|(k, g)| (k.as_str(), g))
    }

    pub fn get(&self, key: &str) -> Option<&ErrorGroup> {
        self.0.get(key)
    }

    /// `server:1047 ×3, timeout ×1`.
    pub fn brief(&self) -> String {
        let parts: Vec<String> = self
            .groups()
            .map(|(k, g)| format!("{k} ×{}", g.count))
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_kind_and_code_keeping_the_first_message() {
        let mut g = ErrorGroups::default();
        g.add(ErrorKind::Server, Some(ErrCode::Number(1047)), "first");
        g.add(ErrorKind::Server, Some(ErrCode::Number(1047)), "second");
        g.add(ErrorKind::Timeout, None, "t");
        assert_eq!(g.total(), 3);
        assert_eq!(g.get("server:1047").map(|e| e.count), Some(2));
        assert_eq!(
            g.get("server:1047").map(|e| e.sample.as_str()),
            Some("first")
        );
        assert_eq!(g.brief(), "server:1047 ×2, timeout ×1");
        g.add(ErrorKind::Io, None, &"x".repeat(10_000));
        assert_eq!(
            g.get("io").map(|e| e.sample.chars().count()),
            Some(SAMPLE_CHARS + 1)
        );
        let json = serde_json::to_value(&g).expect("json");
        assert_eq!(json["timeout"]["code"], serde_json::Value::Null);
        assert_eq!(json["server:1047"]["kind"], "server");
    }
}
