//! The fast path of `--table`: an op line in exactly the shape perseus
//! writes it (fields in order, no white space), read byte by byte about ten
//! times faster than a JSON parser. It checks the whole line as
//! [`Event::parse`](crate::event::Event::parse) would — every field, type,
//! and the closing brace — and returns what the table and the reader's gate
//! need. Any other line (a start, fault or stop, an op in another shape, a
//! string with a `\u` escape) returns None and goes through `Event::parse`,
//! which also words the errors. So `--table` and the full report accept and
//! refuse the same lines; the fuzz test in tests/report_fuzz.rs holds them
//! to it.

use std::borrow::Cow;

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

/// The op's counts, or None when the line is not an op line in perseus's
/// own shape (then the full parser decides).
pub fn counted(line: &[u8]) -> Option<Counted<'_>> {
    scan_canonical(line)
}

/// Reads an op line in exactly the shape perseus writes it; None for any
/// other shape, and for anything `Event::parse` would refuse.
pub(crate) fn scan_canonical(line: &[u8]) -> Option<Counted<'_>> {
    let mut s = Scanner { line, at: 0 };
    s.expect(br#"{"ev":"op","t_us":"#)?;
    let t_us = s.number()?;
    i64::try_from(t_us).ok()?;
    s.expect(br#","node":""#)?;
    let node = s.plain_string()?;
    s.expect(br#","conn":"#)?;
    let conn = u32::try_from(s.number()?).ok()?;
    s.expect(br#","key":""#)?;
    let key = s.plain_string()?;
    s.expect(br#","op":""#)?;
    let write = match s.plain_string()? {
        "insert" | "update" => true,
        "read" | "connect" => false,
        _ => return None,
    };
    s.expect(br#","ok":"#)?;
    let ok = s.boolean()?;
    s.expect(br#","lat_us":"#)?;
    s.number()?;
    let has_err = s.rest_of_op()?;
    if !ok && !has_err {
        return None;
    }
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

    fn boolean(&mut self) -> Option<bool> {
        if self.expect(b"true").is_some() {
            Some(true)
        } else {
            self.expect(b"false").map(|()| false)
        }
    }

    /// A JSON non-negative integer that fits in u64 (no sign, no leading zero).
    fn number(&mut self) -> Option<u64> {
        let digits = self.line[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 20 || (digits > 1 && self.line[self.at] == b'0') {
            return None;
        }
        let mut value: u64 = 0;
        for &b in &self.line[self.at..self.at + digits] {
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        self.at += digits;
        Some(value)
    }

    /// A JSON integer that fits in i64.
    fn signed(&mut self) -> Option<i64> {
        let negative = self.expect(b"-").is_some();
        let magnitude = self.number()?;
        // serde_json reads -0 as a float, which no integer field takes.
        if negative && magnitude == 0 {
            return None;
        }
        if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
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

    /// A JSON string's body and closing quote, with the simple escapes
    /// (`\u` escapes are left to the full parser); valid UTF-8.
    fn any_string(&mut self) -> Option<()> {
        let start = self.at;
        loop {
            match *self.line.get(self.at)? {
                b'"' => break,
                b'\\' => {
                    let escaped = *self.line.get(self.at + 1)?;
                    if !b"\"\\/bfnrt".contains(&escaped) {
                        return None;
                    }
                    self.at += 2;
                }
                b if b < 0x20 => return None,
                _ => self.at += 1,
            }
        }
        std::str::from_utf8(&self.line[start..self.at]).ok()?;
        self.at += 1;
        Some(())
    }

    /// After `lat_us`: the optional `value`, `err` and `version` in the order
    /// perseus writes them, then the closing brace at the line's end.
    /// Returns whether there was an `err`.
    fn rest_of_op(&mut self) -> Option<bool> {
        if self.expect(br#","value":"#).is_some() && self.expect(b"null").is_none() {
            self.signed()?;
        }
        let has_err = self.expect(br#","err":{"kind":""#).is_some();
        if has_err {
            let kind = self.plain_string()?;
            const KINDS: [&str; 6] = ["timeout", "connect", "io", "server", "driver", "no_row"];
            if !KINDS.contains(&kind) {
                return None;
            }
            self.expect(br#","code":"#)?;
            if self.expect(b"null").is_none() {
                u16::try_from(self.number()?).ok()?;
            }
            self.expect(br#","msg":""#)?;
            self.any_string()?;
            self.expect(b"}")?;
        }
        if self.expect(br#","version":""#).is_some() {
            self.any_string()?;
        }
        self.expect(b"}")?;
        (self.at == self.line.len()).then_some(has_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    /// What the full parser says the table should count, if it reads an op.
    fn parsed(line: &str) -> Option<Counted<'_>> {
        match Event::parse(line.as_bytes()) {
            Ok(Event::Op(o)) => Some(Counted {
                t_us: o.t_us,
                node: o.node.clone(),
                conn: o.conn,
                key: o.key.clone(),
                success: o.is_success(),
                failed: !o.ok,
            }),
            _ => None,
        }
    }

    #[test]
    fn the_scanner_reads_perseus_lines_as_the_parser_does() {
        let lines = [
            r#"{"ev":"op","t_us":12,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":3,"value":4}"#,
            r#"{"ev":"op","t_us":0,"node":"n2","conn":1,"key":"k","op":"read","ok":false,"lat_us":3,"err":{"kind":"io","code":null,"msg":"x \"quoted\"\nand a newline"}}"#,
            r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k","op":"insert","ok":true,"lat_us":3,"value":0}"#,
            r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k","op":"read","ok":true,"lat_us":3,"value":null}"#,
            r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k","op":"update","ok":false,"lat_us":3,"value":-5,"err":{"kind":"server","code":1047,"msg":"WSREP"}}"#,
            r#"{"ev":"op","t_us":7,"node":"n1","conn":0,"key":"k","op":"connect","ok":true,"lat_us":3,"version":"10.11.19-MariaDB"}"#,
        ];
        for line in lines {
            let scanned = scan_canonical(line.as_bytes());
            assert!(scanned.is_some(), "{line}");
            assert_eq!(scanned, parsed(line), "{line}");
        }
    }

    #[test]
    fn the_scanner_steps_aside_for_anything_else() {
        let odd = [
            // Shapes perseus does not write, or values the parser refuses.
            r#"{"ev":"op","t_us":012,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            r#"{"ev":"op","t_us":-1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            r#"{"ev":"op","t_us":1,"node":"n\u0031","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"upsert","ok":true,"lat_us":1}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":truex,"lat_us":1}"#,
            r#"{"ev":"op","t_us":99999999999999999999,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            r#"{"ev":"op","t_us":9223372036854775808,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            r#"{"ev":"op", "t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1}"#,
            // Torn, glued, or missing what the parser requires.
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"la{"ev":"start"}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":"fast"}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1,"value":[1,2}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"read","ok":true,"lat_us":1,"value":-0}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"read","ok":false,"lat_us":1}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"read","ok":false,"lat_us":1,"err":{"kind":"io","code":null,"msg":"x"}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"read","ok":false,"lat_us":1,"err":{"kind":"oops","code":null,"msg":"x"}}"#,
            r#"{"ev":"op","t_us":1,"node":"n1","conn":0,"key":"k","op":"update","ok":true,"lat_us":1,"value":1} "#,
        ];
        for line in odd {
            assert!(scan_canonical(line.as_bytes()).is_none(), "{line}");
        }
    }
}
