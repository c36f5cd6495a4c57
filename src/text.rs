//! Quoting what others wrote (server error messages, notes, names from a
//! log): in line-based text output control characters are shown escaped, so
//! a message with a newline and tabs cannot forge a line of the table or of
//! the summary; in HTML, markup characters are written as entities. In both,
//! characters that would change how the text around them reads are shown
//! escaped too: Unicode's bidirectional controls (a right-to-left override
//! would print a name backwards, or reorder the words after it) and the
//! line and paragraph separators some readers break lines at.

use std::borrow::Cow;
use std::fmt::Write;

/// The bidirectional formatting characters: marks, embeddings, overrides,
/// isolates, the Arabic letter mark.
fn bidi(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What is never written as it is: control characters, bidirectional
/// controls, line and paragraph separators.
fn unsafe_char(c: char) -> bool {
    c.is_control() || bidi(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// A character as `\n`, `\t`, `\r` or `\u{XX}`.
fn write_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every control character written as `\n`, `\t`, `\r` or
/// `\u{XX}`, bidirectional controls and line separators as `\u{XXXX}`, and
/// backslashes doubled; unchanged (and not copied) when it has none.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| unsafe_char(c) || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if unsafe_char(c) => write_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` safe in HTML text and in a double-quoted attribute: `&`, `<`, `>`
/// and `"` written as entities, and what [`escape`] escapes (control
/// characters, bidirectional controls, line separators) written as it does,
/// so that no such character reaches the page even from text that was not
/// escaped before; unchanged (and not copied) when it has none.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) && !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if unsafe_char(c) => write_escaped(&mut out, c),
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
        assert_eq!(escape("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn bidi_controls_cannot_reorder_what_is_around_them() {
        // Printed raw, the override would show "1n ssol" as "loss n1".
        let sly = "run \u{202e}1n ssol\u{202c} ok \u{2067}x\u{2069}\u{200f}\u{61c}";
        assert_eq!(
            escape(sly),
            "run \\u{202e}1n ssol\\u{202c} ok \\u{2067}x\\u{2069}\\u{200f}\\u{61c}"
        );
        assert_eq!(html(sly), escape(sly));
        assert_eq!(html("a\0b\"c"), "a\\u{0}b&quot;c");
        // Right-to-left letters themselves are text, and stay.
        assert!(matches!(escape("שלום"), Cow::Borrowed(_)));
    }
}
