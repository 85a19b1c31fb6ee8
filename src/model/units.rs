//! Parsing of human-written quantities used in flags and profiles: durations (`30s`, `100ms`,
//! `1.5m`, `2h`, `250us`) and percentages (`2%`, `0.5%`).

use std::time::Duration;

/// Error from parsing a quantity; the message names what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The text is not a number followed by a known duration unit.
    #[error("invalid duration `{0}`: expected a number with a unit (us, ms, s, m, h), e.g. `30s` or `100ms`")]
    Duration(String),
    /// The text is not a percentage or a ratio.
    #[error("invalid percentage `{0}`: expected e.g. `2%` or `0.02`")]
    Percent(String),
}

/// Parses `30s`, `100ms`, `250us`, `1.5m`, `2h`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let t = text.trim();
    let err = || UnitError::Duration(text.to_string());
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| err())?;
    let scale = match unit.trim() {
        "" | "s" | "sec" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(err()),
    };
    let secs = value * scale;
    if !secs.is_finite() || secs < 0.0 {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `2%` (→ 0.02) or a plain ratio `0.02`; must lie in [0, 1].
pub fn parse_percent(text: &str) -> Result<f64, UnitError> {
    let t = text.trim();
    let err = || UnitError::Percent(text.to_string());
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| err())? / 100.0,
        None => t.parse::<f64>().map_err(|_| err())?,
    };
    if !(0.0..=1.0).contains(&v) {
        return Err(err());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("100ms").unwrap(), Duration::from_millis(100));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn percents() {
        assert_eq!(parse_percent("2%").unwrap(), 0.02);
        assert_eq!(parse_percent("0.5").unwrap(), 0.5);
        assert!(parse_percent("120%").is_err());
        assert!(parse_percent("x").is_err());
    }
}
