//! The server's code for a failed operation, as the log records it: MySQL's
//! error number (a JSON number, `1047`) or PostgreSQL's SQLSTATE (a string of
//! five digits or capital letters, `"25006"`, `"57P03"`). Kept `Copy` (five
//! bytes at most) so that counting errors by code allocates nothing.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrCode {
    /// A MySQL-protocol server's error number.
    Number(u16),
    /// A PostgreSQL-protocol server's SQLSTATE.
    Sqlstate([u8; 5]),
}

impl ErrCode {
    /// A SQLSTATE: exactly five ASCII digits or capital letters.
    pub fn sqlstate(code: &str) -> Option<ErrCode> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            .then_some(ErrCode::Sqlstate(bytes))
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrCode::Number(n) => write!(f, "{n}"),
            // Only ASCII is ever stored (see `sqlstate`).
            ErrCode::Sqlstate(s) => f.write_str(std::str::from_utf8(s).unwrap_or("?????")),
        }
    }
}

impl From<u16> for ErrCode {
    fn from(n: u16) -> Self {
        ErrCode::Number(n)
    }
}

impl Serialize for ErrCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ErrCode::Number(n) => s.serialize_u16(*n),
            ErrCode::Sqlstate(_) => s.serialize_str(&self.to_string()),
        }
    }
}

struct CodeVisitor;

impl Visitor<'_> for CodeVisitor {
    type Value = ErrCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error number (0 to 65535) or a SQLSTATE (five digits or capital letters)")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<ErrCode, E> {
        u16::try_from(n)
            .map(ErrCode::Number)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<ErrCode, E> {
        u64::try_from(n)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(n), &self))
            .and_then(|n| self.visit_u64(n))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<ErrCode, E> {
        ErrCode::sqlstate(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
    }
}

impl<'de> Deserialize<'de> for ErrCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrCode, D::Error> {
        d.deserialize_any(CodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sqlstates_read_back_as_written() {
        for (code, json) in [
            (ErrCode::Number(1047), "1047"),
            (ErrCode::sqlstate("57P03").expect("valid"), "\"57P03\""),
        ] {
            assert_eq!(serde_json::to_string(&code).expect("writes"), json);
            assert_eq!(serde_json::from_str::<ErrCode>(json).expect("reads"), code);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "-1",
            "65536",
            "\"2500\"",
            "\"25o06\"",
            "\"250060\"",
            "1.5",
            "null",
        ] {
            assert!(serde_json::from_str::<ErrCode>(bad).is_err(), "{bad}");
        }
    }
}
