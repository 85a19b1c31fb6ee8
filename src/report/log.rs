//! Structured log lines of procedures and of the home core (`--log FILE`, `--log-format
//! json|text`): what one line holds, how it is written (one JSON object per line, or `key=value`
//! text), and the two gates in front of the file: successes are sampled (`--log-sample 1/N`,
//! failures never), and every line passes a token bucket (`--log-rate`) so that a storm of
//! failures cannot fill a disk. Both gates count what they hold back, for `summary.json`'s `log`
//! section ([`LogSummary`]).
//!
//! Sans-IO like the rest of `report`: the caller hands in the time (`now` for the bucket, the
//! wall-clock microseconds for the line) and takes the formatted bytes; the engine owns the file.

use serde::{Deserialize, Serialize};

use crate::model::{Micros, Plmn};

/// How lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `time level component key=value ...`, one line per record (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// `text` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("unknown log format {s:?} (json or text)")),
        }
    }
}

/// `1/N`: one success in N is written (`1/1`: all).
pub fn parse_sample(s: &str) -> Result<u64, String> {
    let n = s
        .strip_prefix("1/")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|&n| n >= 1);
    n.ok_or_else(|| format!("invalid sample rate {s:?}: expected 1/N with N >= 1, e.g. 1/1000"))
}

/// Severity of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A procedure that ended ok, or as the profile expected.
    Info,
    /// A procedure that failed or timed out; a request the core rejected.
    Warn,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
        }
    }
}

/// One record. Identities are already hashed: the subscriber is a keyed hash of the IMSI,
/// never the IMSI or the MSISDN.
#[derive(Clone, Copy, Debug)]
pub struct LogLine<'a> {
    /// Wall-clock time, microseconds since the Unix epoch.
    pub unix_us: u64,
    /// Severity.
    pub level: Level,
    /// Who speaks: `visited.mme`, `visited.sgw`, `home.hss`, `home.pgw`, `engine`.
    pub component: &'a str,
    /// The procedure instance (stable for one procedure; empty for a core event).
    pub correlation_id: &'a str,
    /// The scenario: the profile's name.
    pub scenario: &'a str,
    /// The procedure (`attach`, ...) or the core's event (`request_rejected`).
    pub procedure: &'a str,
    /// Keyed hash of the subscriber (empty when none is known).
    pub subscriber: &'a str,
    /// The visited PLMN.
    pub visited: Option<Plmn>,
    /// The subscriber's home PLMN.
    pub home: Option<Plmn>,
    /// The state transition: the step it left and where it went (`s6a.ulr->failed`).
    pub transition: &'a str,
    /// Latency from the intended start.
    pub latency_us: Option<u64>,
    /// `ok`, `rejected_expected`, `failed`, `timed_out`, `rejected`.
    pub result: &'a str,
    /// The reason key (`s6a.5004`, `timeout.s6a.ulr`, `diameter.5001`), when not ok.
    pub reason: Option<&'a str>,
}

impl LogLine<'_> {
    /// Appends the line, with its newline, to `out` in `format`.
    pub fn write(&self, format: LogFormat, out: &mut String) {
        match format {
            LogFormat::Json => self.write_json(out),
            LogFormat::Text => self.write_text(out),
        }
    }

    fn write_json(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str("{\"time\":\"");
        rfc3339_us(self.unix_us, out);
        let _ = write!(out, "\",\"level\":\"{}\"", self.level.as_str());
        for (k, v) in [
            ("component", self.component),
            ("correlation_id", self.correlation_id),
            ("scenario", self.scenario),
            ("procedure", self.procedure),
            ("subscriber", self.subscriber),
        ] {
            json_field(out, k, v);
        }
        for (k, p) in [("visited", self.visited), ("home", self.home)] {
            match p {
                Some(p) => {
                    let _ = write!(
                        out,
                        ",\"{k}_mcc\":\"{:03}\",\"{k}_mnc\":\"{:0w$}\"",
                        p.mcc(),
                        p.mnc(),
                        w = p.mnc_digits() as usize
                    );
                }
                None => {
                    let _ = write!(out, ",\"{k}_mcc\":null,\"{k}_mnc\":null");
                }
            }
        }
        json_field(out, "transition", self.transition);
        match self.latency_us {
            Some(us) => {
                let _ = write!(out, ",\"latency_ms\":{}.{:03}", us / 1000, us % 1000);
            }
            None => out.push_str(",\"latency_ms\":null"),
        }
        json_field(out, "result", self.result);
        match self.reason {
            Some(r) => json_field(out, "reason", r),
            None => out.push_str(",\"reason\":null"),
        }
        out.push_str("}\n");
    }

    fn write_text(&self, out: &mut String) {
        use std::fmt::Write;
        rfc3339_us(self.unix_us, out);
        let _ = write!(
            out,
            " {} {} procedure={} id={} scenario={} subscriber={}",
            self.level.as_str(),
            self.component,
            self.procedure,
            self.correlation_id,
            self.scenario,
            self.subscriber
        );
        if let Some(p) = self.visited {
            let _ = write!(out, " visited={p}");
        }
        if let Some(p) = self.home {
            let _ = write!(out, " home={p}");
        }
        let _ = write!(out, " transition={}", self.transition);
        if let Some(us) = self.latency_us {
            let _ = write!(out, " latency_ms={}.{:03}", us / 1000, us % 1000);
        }
        let _ = write!(out, " result={}", self.result);
        if let Some(r) = self.reason {
            // Text format: one line per record, whatever the reason holds.
            out.push_str(" reason=");
            out.extend(r.chars().map(|c| if c.is_control() { ' ' } else { c }));
        }
        out.push('\n');
    }
}

/// `,"key":"value"` with the value escaped (RFC 8259 §7).
fn json_field(out: &mut String, key: &str, value: &str) {
    use std::fmt::Write;
    let _ = write!(out, ",\"{key}\":\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// RFC 3339 UTC time with microseconds, `2026-12-07T19:20:00.123456Z`.
pub fn rfc3339_us(unix_us: u64, out: &mut String) {
    use std::fmt::Write;
    let ms = super::format::rfc3339_utc(unix_us / 1000);
    // `...SS.mmmZ` plus the three digits below the millisecond.
    let _ = write!(out, "{}{:03}Z", &ms[..ms.len() - 1], unix_us % 1000);
}

/// A token bucket: `rate` lines a second on average, up to `burst` at once.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate_per_us: f64,
    burst: f64,
    tokens: f64,
    last: Option<Micros>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate_per_s: f64, burst: u64) -> TokenBucket {
        let burst = burst.max(1) as f64;
        TokenBucket {
            rate_per_us: rate_per_s.max(0.0) / 1e6,
            burst,
            tokens: burst,
            last: None,
        }
    }

    /// Takes a token at `now` if there is one.
    pub fn allow(&mut self, now: Micros) -> bool {
        if let Some(last) = self.last {
            let elapsed = now.saturating_sub(last).as_u64() as f64;
            self.tokens = (self.tokens + elapsed * self.rate_per_us).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the gates let through and held back, since the last [`LineGate::take_counts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateCounts {
    /// Lines admitted.
    pub admitted: u64,
    /// Successes left out by the sampling.
    pub sampled_out: u64,
    /// Lines refused by the rate limit.
    pub rate_limited: u64,
}

/// Sampling of successes, then the rate limit of every line.
#[derive(Clone, Debug)]
pub struct LineGate {
    sample_every: u64,
    successes: u64,
    bucket: TokenBucket,
    counts: GateCounts,
}

impl LineGate {
    /// One success in `sample_every` passes; `rate`/`burst` bound every line.
    pub fn new(sample_every: u64, rate_per_s: f64, burst: u64) -> LineGate {
        LineGate {
            sample_every: sample_every.max(1),
            successes: 0,
            bucket: TokenBucket::new(rate_per_s, burst),
            counts: GateCounts::default(),
        }
    }

    /// Whether a line (a failure, or a success) at `now` may be written. Failures are never
    /// sampled out; the 1st, (N+1)th, ... success is kept.
    pub fn admit(&mut self, now: Micros, failure: bool) -> bool {
        if !failure {
            self.successes += 1;
            if (self.successes - 1) % self.sample_every != 0 {
                self.counts.sampled_out += 1;
                return false;
            }
        }
        if !self.bucket.allow(now) {
            self.counts.rate_limited += 1;
            return false;
        }
        self.counts.admitted += 1;
        true
    }

    /// The counts since the last call; they start again from zero.
    pub fn take_counts(&mut self) -> GateCounts {
        std::mem::take(&mut self.counts)
    }
}

/// `summary.json`'s `log` section (and the stderr summary line).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSummary {
    /// The log file.
    pub path: String,
    /// `json` or `text`.
    pub format: String,
    /// Lines written to the file.
    pub lines_written: u64,
    /// Successes left out by `--log-sample`.
    pub sampled_out: u64,
    /// Lines not written: refused by `--log-rate`, or dropped because the writer fell behind.
    pub dropped: u64,
    /// Of `dropped`, those the writer could not take in time (the rest were rate-limited).
    pub dropped_backlog: u64,
}

impl std::fmt::Display for LogSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "log {} ({}): {} lines written, {} successes sampled out, {} dropped ({} by backlog)",
            self.path,
            self.format,
            self.lines_written,
            self.sampled_out,
            self.dropped,
            self.dropped_backlog
        )
    }
}

#[cfg(test)]
mod tests;
