//! Running the perseus-report binary on bytes, from stdin or from a file.

use super::mariadb::scratch_dir;
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn report(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perseus-report"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run perseus-report");
    let mut input = child.stdin.take().expect("stdin");
    // A usage error exits before reading: a broken pipe here is fine.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("wait")
}

/// Writes the log to a file and runs the report on it; returns the output
/// and the file's path as the report names it.
pub fn on_file(name: &str, bytes: &[u8], extra: &[&str]) -> (Output, String) {
    let dir = scratch_dir(&format!("report-{name}"));
    let path = dir.join(format!("{name}.jsonl"));
    std::fs::write(&path, bytes).expect("write log");
    let path = path.to_str().expect("utf8 path").to_string();
    let mut args = extra.to_vec();
    args.push(&path);
    (report(&args, b""), path)
}

/// Fails unless `text` holds no control character (but the newline and
/// those `allowed`), no bidirectional control and no line separator: what
/// the report's outputs escape in whatever a log says.
pub fn no_raw_controls(text: &str, what: &str, allowed: &[char]) {
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let bad: Vec<String> = text
        .chars()
        .filter(|&c| {
            let control = c.is_control() && c != '\n' && !allowed.contains(&c);
            control || bidi(c) || c == '\u{2028}' || c == '\u{2029}'
        })
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(
        bad.is_empty(),
        "{what} holds {} such characters: {:?}",
        bad.len(),
        &bad[..bad.len().min(8)]
    );
}
