//! Quoting what others wrote (server error messages, notes, names from a
//! log): in line-based text output control characters are shown escaped, so
//! a message with a newline and tabs cannot forge a line of the table or of
//! the summary; in HTML, markup characters are written as entities.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character written as `\n`, `\t`, `\r` or
/// `\u{XX}`, and backslashes doubled; unchanged (and not copied) when it
/// has neither.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` safe in HTML text and in a double-quoted attribute: `&`, `<`, `>`
/// and `"` written as entities; unchanged (and not copied) when it has none.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_cannot_open_a_tag_or_close_an_attribute() {
        assert!(matches!(html("n1 at 20 s"), Cow::Borrowed(_)));
        assert_eq!(
            html(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; 'b'&lt;/script&gt;"
        );
    }

    #[test]
    fn control_characters_cannot_start_a_line() {
        assert!(matches!(escape("plain text"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\nb\tc\r\u{1b}[31m\\"),
            "a\\nb\\tc\\r\\u{1b}[31m\\\\"
        );
        assert!(!escape("x\n7\t7\t7").contains('\n'));
    }
}
