//! Text from a log inside a chart, where SVG wraps nothing: how wide a label
//! is, and a long one cut in the middle (`galera-n…mple.org`: names tend to
//! differ at both ends) so that it fits its room, the whole text on hover.
//! A label is drawn with the length reckoned here (`textLength`), so the
//! browser fits its glyphs to it, whatever its fonts: the layout the page
//! computes is the layout a reader sees, and labels placed apart stay apart.

/// The advance of each printable ASCII character (from the space on) at
/// the charts' 11-unit labels, in DejaVu Sans (Debian's default sans-serif,
/// as chromium measures it); other fonts differ by a few percent, which
/// `textLength` evens out.
const ASCII: [f64; 95] = [
    3.49, 4.40, 5.05, 9.20, 6.99, 10.44, 8.57, 3.02, 4.29, 4.29, 5.49, 9.20, 3.49, 3.96, 3.49,
    3.70, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 3.70, 3.70, 9.20, 9.20, 9.20,
    5.83, 10.98, 7.79, 7.54, 7.67, 8.46, 6.94, 6.32, 8.51, 8.26, 3.24, 3.24, 7.20, 6.12, 9.48,
    8.22, 8.65, 6.63, 8.65, 7.63, 6.97, 6.54, 8.04, 7.51, 10.86, 7.53, 6.71, 7.53, 4.29, 3.70,
    4.29, 9.20, 5.49, 5.49, 6.73, 6.97, 6.04, 6.97, 6.76, 3.78, 6.97, 6.96, 3.05, 3.05, 6.36, 3.05,
    10.70, 6.96, 6.72, 6.97, 6.97, 4.34, 5.72, 4.31, 6.96, 6.50, 8.98, 6.50, 6.50, 5.77, 6.99,
    3.70, 6.99, 9.20,
];

/// A character's width in user units: its ASCII advance, a full 11 for a
/// wide (East Asian, emoji) character or `…`, 7 for any other.
fn char_width(c: char) -> f64 {
    match c as usize {
        code @ 32..=126 => ASCII[code - 32],
        _ if wide(c) || c == '…' => 11.0,
        _ => 7.0,
    }
}

/// East Asian wide and fullwidth characters, and emoji.
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1FAFF
            | 0x20000..=0x3FFFD)
}

/// A label's width in user units.
pub fn width(text: &str) -> f64 {
    text.chars().map(char_width).sum()
}

/// `text` at most `max` units wide: unchanged when it fits, else its
/// beginning and end around `…` (the `…` alone when nothing more fits).
pub fn fit(text: &str, max: f64) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let room = max - char_width('…');
    let (mut head, mut tail) = (0, 0);
    let mut used = 0.0;
    // Take from the front and the back in turn while they fit.
    while head + tail < chars.len() {
        let next = if head <= tail {
            chars[head]
        } else {
            chars[chars.len() - 1 - tail]
        };
        if used + char_width(next) > room {
            break;
        }
        used += char_width(next);
        if head <= tail {
            head += 1;
        } else {
            tail += 1;
        }
    }
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_label_keeps_both_ends_and_fits() {
        assert_eq!(fit("n1", 65.0), "n1");
        let cut = fit("galera-node-one.example.org", 65.0);
        assert_eq!(cut, "galer….org");
        assert!(width(&cut) <= 65.0);
        assert!(width(&fit("節点節点節点節点節点", 40.0)) <= 40.0);
        assert_eq!(fit("", 1.0), "");
        assert_eq!(fit("abc", 0.0), "…", "no room: the mark alone");
    }
}
