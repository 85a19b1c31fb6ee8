//! Shared formatting of the report layer (docs/ARCHITECTURE.md §7): XML/HTML escaping, latencies
//! in milliseconds, ratios as percentages, rates, SLO values in the unit a reader expects, and the
//! run id and RFC 3339 time. Every renderer formats numbers through here, so `report.md`,
//! `report.html`, `junit.xml` and the progress line agree on precision.
//!
//! A leaf: takes plain numbers and strings, imports nothing from the rest of `report`.

/// XML text and attribute escaping (also used for HTML).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Milliseconds from microseconds, with about three significant digits.
pub fn fmt_ms(us: f64) -> String {
    let ms = us / 1000.0;
    let decimals = match ms.abs() {
        m if m < 1.0 => 3,
        m if m < 10.0 => 2,
        m if m < 100.0 => 1,
        _ => 0,
    };
    format!("{ms:.decimals$}")
}

/// A ratio as a percentage: `99.5%`, `0.012%`, `100%`.
pub fn fmt_percent(ratio: f64) -> String {
    let s = format!("{:.3}", ratio * 100.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

/// A rate: `1234.5/s`.
pub fn fmt_rate(rate: f64) -> String {
    format!("{rate:.1}/s")
}

/// An SLO threshold or observed value in the unit a reader expects: `12.3 ms` for a latency
/// (`latency`, the value in µs), else a ratio as `99.5%`.
pub fn slo_value(latency: bool, v: f64) -> String {
    if latency {
        format!("{} ms", fmt_ms(v))
    } else {
        fmt_percent(v)
    }
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Date and time of day in UTC: (year, month, day, hour, minute, second, millisecond).
fn utc_parts(unix_ms: u64) -> [u64; 7] {
    let (days, ms) = (unix_ms / 86_400_000, unix_ms % 86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let s = ms / 1000;
    [y, mo, d, s / 3600, s / 60 % 60, s % 60, ms % 1000]
}

/// The run id and results folder name: UTC start time and seed, `20261126-064800-s1`, so that
/// folder names sort by time. Two runs with one seed started in the same second share an id.
pub fn run_id(started_at_unix_ms: u64, seed: u64) -> String {
    let [y, mo, d, h, mi, s, _] = utc_parts(started_at_unix_ms);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}-s{seed}")
}

/// RFC 3339 UTC time with milliseconds, `2026-11-26T06:48:00.123Z`, for `run.started_at`.
pub fn rfc3339_utc(unix_ms: u64) -> String {
    let [y, mo, d, h, mi, s, ms] = utc_parts(unix_ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}
