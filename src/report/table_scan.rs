//! The fast path of `--table`: an op line read for the seven fields the
//! table and its checks need (ev, t_us, node, conn, key, op, ok), other
//! fields skipped unparsed. Anything
//! else (start, fault and stop lines, and any op line this view cannot read)
//! goes through [`Event::parse`](crate::event::Event::parse), which also
//! words the errors. So `--table` checks the fields it reads; the full
//! report checks every field of every line.

use crate::event::OpKind;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct View<'a> {
    #[serde(borrow)]
    ev: Cow<'a, str>,
    t_us: Option<i64>,
    #[serde(borrow)]
    node: Option<Cow<'a, str>>,
    conn: Option<u32>,
    #[serde(borrow)]
    key: Option<Cow<'a, str>>,
    op: Option<OpKind>,
    ok: Option<bool>,
}

/// What the table counts of one op.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<'a> {
    pub t_us: u64,
    pub node: Cow<'a, str>,
    pub conn: u32,
    pub key: Cow<'a, str>,
    /// A successful insert or update: one iteration.
    pub success: bool,
    pub failed: bool,
}

/// The op's counts, or None when the line is not a plain op line.
pub fn counted(line: &[u8]) -> Option<Counted<'_>> {
    scan_canonical(line).or_else(|| via_serde(line))
}

pub(crate) fn via_serde(line: &[u8]) -> Option<Counted<'_>> {
    let v: View<'_> = serde_json::from_slice(line).ok()?;
    if v.ev != "op" {
        return None;
    }
    let t_us = u64::try_from(v.t_us?).ok()?;
    let (op, ok) = (v.op?, v.ok?);
    Some(Counted {
        t_us,
        node: v.node?,
        conn: v.conn?,
        key: v.key?,
        success: ok && op.is_write(),
        failed: !ok,
    })
}

/// Reads an op line in exactly the shape perseus writes it (fields in order,
/// no white space, no escapes in node or key, closing brace last), about ten
/// times faster than a JSON parser. Any other shape returns None and goes
/// through serde, so this decides nothing serde would decide differently.
pub(crate) fn scan_canonical(line: &[u8]) -> Option<Counted<'_>> {
    let mut s = Scanner { line, at: 0 };
    s.expect(br#"{"ev":"op","t_us":"#)?;
    let t_us = s.number()?;
    s.expect(br#","node":""#)?;
    let node = s.plain_string()?;
    s.expect(br#","conn":"#)?;
    let conn = u32::try_from(s.number()?).ok()?;
    s.expect(br#","key":""#)?;
    let key = s.plain_string()?;
    s.expect(br#","op":""#)?;
    let op = s.plain_string()?;
    s.expect(br#","ok":"#)?;
    let ok = if s.expect(b"true").is_some() {
        true
    } else {
        s.expect(b"false")?;
        false
    };
    if line.last() != Some(&b'}') || !matches!(line.get(s.at), Some(b',') | Some(b'}')) {
        return None;
    }
    let write = match op {
        "insert" | "update" => true,
        "read" | "connect" => false,
        _ => return None,
    };
    Some(Counted {
        t_us,
        node: Cow::Borrowed(node),
        conn,
        key: Cow::Borrowed(key),
        success: ok && write,
        failed: !ok,
    })
}

struct Scanner<'a> {
    line: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn expect(&mut self, text: &[u8]) -> Option<()> {
        let end = self.at.checked_add(text.len())?;
        (self.line.get(self.at..end)? == text).then(|| self.at = end)
    }

    /// A JSON non-negative integer that fits in u64 (no sign, no leading zero).
    fn number(&mut self) -> Option<u64> {
        let digits = self.line[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 19 || (digits > 1 && self.line[self.at] == b'0') {
            return None;
        }
        let mut value: u64 = 0;
        for &b in &self.line[self.at..self.at + digits] {
            value = value * 10 + u64::from(b - b'0');
        }
        self.at += digits;
        Some(value)
    }

    /// A string up to its closing quote, with no escape and no control byte
    /// (the cursor is just past the opening quote); valid UTF-8.
    fn plain_string(&mut self) -> Option<&'a str> {
        let rest = &self.line[self.at..];
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        let text = std::str::from_utf8(&rest[..len]).ok()?;
        self.at += len + 1;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(line: &str) -> (Option<Counted<'_>>, Option<Counted<'_>>) {
        (scan_canonical(line.as_bytes()), via_serde(line.as_bytes()))
    }

    #[test]
    fn the_scanner_agrees_with_serde_or_steps_aside() {
        let lines = [
            r#"{"ev":"op","t_us":12,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":3,"value":4}"#,
            r#"{"ev":"op","t_us":0,"node":"n2","conn":1,"key":"k","op":"read","ok":false,"lat_us":3,"err":{"kind":"io","code":null,"msg":"x"}}"#,
            r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k","op":"insert","ok":true,"lat_us":3,"value":0}"#,
        ];
        for line in lines {
            let (scanned, parsed) = both(line);
            assert!(scanned.is_some(), "{line}");
            assert_eq!(scanned, parsed, "{line}");
        }
        let odd = [
            r#"{"ev":"op","t_us":012,"node":"n1","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op","t_us":-1,"node":"n1","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op","t_us":1,"node":"n\u0031","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"upsert","ok":true}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":truex}"#,
            r#"{"ev":"op","t_us":99999999999999999999,"node":"n1","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op", "t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true"#,
        ];
        for line in odd {
            assert!(scan_canonical(line.as_bytes()).is_none(), "{line}");
        }
    }
}
