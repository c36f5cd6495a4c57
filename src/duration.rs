//! Durations on the command line: `20` (seconds), `1.5s`, `250ms`, `2m`.

use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: 20, 1.5s, 250ms, 2m)"))?;
    if !value.is_finite() || value < 0.0 || value * scale > 1e9 {
        return Err(format!(
            "'{text}' is not a duration between 0 and 10^9 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

/// Microseconds as seconds with three decimals, `12.345`: truncated, never
/// rounded, so that one instant or span reads the same wherever it is
/// printed (the live table, the report, a verdict).
pub fn show_secs(us: u64) -> String {
    format!("{}.{:03}", us / 1_000_000, us / 1000 % 1000)
}

/// Milliseconds as an option would be written: `2s`, `10ms`.
pub fn show_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("20").ok(), Some(Duration::from_secs(20)));
        assert_eq!(parse("1.5s").ok(), Some(Duration::from_millis(1500)));
        assert_eq!(parse("250ms").ok(), Some(Duration::from_millis(250)));
        assert_eq!(parse("2m").ok(), Some(Duration::from_secs(120)));
        assert!(parse("-1").is_err());
        assert!(parse("x").is_err());
        assert!(parse("nan").is_err());
        assert_eq!(show_ms(300_000), "300s");
        assert_eq!(show_ms(10), "10ms");
    }

    #[test]
    fn seconds_are_truncated_so_every_place_prints_the_same() {
        // A median of 11.238810 s once read 11.238 in the board and 11.239
        // in the verdict beside it.
        assert_eq!(show_secs(11_238_810), "11.238");
        assert_eq!(show_secs(999), "0.000");
        assert_eq!(show_secs(20_315_999), "20.315");
        assert_eq!(show_secs(0), "0.000");
    }
}
