//! The structured log on disk (`--log FILE`, docs/ARCHITECTURE.md §7): a background writer
//! thread owns the file; every shard (and `serve`'s loop) formats its lines into a buffer of its
//! own ([`ProcedureLog`]) and hands the buffer over when it is full or the shard ends. Handing
//! over never waits: the queue to the writer is bounded, and a buffer that finds it full is
//! dropped and counted (`dropped_backlog`), so a slow disk costs log lines, not shard time.
//! What the lines hold, the sampling of successes and the rate limit are
//! [`crate::report::log`]'s; with `--log` off none of this exists (the shards hold `None`).
//!
//! Subscribers appear as the keyed hash of `summary.json`'s reason examples (HMAC-SHA256 of the
//! IMSI, truncated): under the process's random key, or under `--log-key HEX` so that the logs
//! of several runs can be matched. The correlation id of a procedure is the same kind of hash of
//! its shard, roamer and intended start, which identify one procedure instance.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::engine::load::generator::reasons::{hash_key, subscriber_hash};
use crate::model::message::MessageKind;
use crate::model::{Micros, Outcome, Plmn};
use crate::report::log::{Level, LineGate, LogFormat, LogLine, LogSummary};
use crate::visited::{Completion, VisitedNetwork};

/// A buffer is handed to the writer once it holds this much.
const FLUSH_BYTES: usize = 64 * 1024;
/// Buffers the writer may have queued before a shard's next one is dropped.
const QUEUE: usize = 64;

/// What `--log`, `--log-format`, `--log-sample`, `--log-rate` and `--log-key` asked for.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// The file (created or truncated).
    pub path: PathBuf,
    /// JSON lines or text.
    pub format: LogFormat,
    /// One success in this many is written.
    pub sample_every: u64,
    /// Lines a second, all shards together.
    pub rate: f64,
    /// Lines at once, all shards together.
    pub burst: u64,
    /// The key of the subscriber hashes; `None`: the process's random key.
    pub key: Option<Vec<u8>>,
    /// The scenario name written on every line (the profile's).
    pub scenario: String,
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    sampled_out: AtomicU64,
    dropped: AtomicU64,
    dropped_backlog: AtomicU64,
}

/// The log file and its writer thread.
pub struct LogWriter {
    settings: Arc<LogSettings>,
    tx: Option<SyncSender<String>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    counters: Arc<Counters>,
    parts: u32,
}

impl LogWriter {
    /// Creates the file and starts the writer; the rate is shared by `parts` loggers.
    pub fn open(settings: LogSettings, parts: u32) -> anyhow::Result<LogWriter> {
        let file = File::create(&settings.path)
            .with_context(|| format!("create the log file {}", settings.path.display()))?;
        let (tx, rx) = sync_channel::<String>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("roamsim-log".into())
            .spawn(move || write_all(rx, BufWriter::with_capacity(1 << 20, file)))
            .context("start the log writer")?;
        Ok(LogWriter {
            settings: Arc::new(settings),
            tx: Some(tx),
            thread: Some(thread),
            counters: Arc::new(Counters::default()),
            parts: parts.max(1),
        })
    }

    /// A logger for one shard (or `serve`'s loop).
    pub fn logger(&self, part: u32) -> ProcedureLog {
        let s = &self.settings;
        let n = f64::from(self.parts);
        let key = match &s.key {
            Some(k) => k.clone(),
            None => hash_key().to_vec(),
        };
        ProcedureLog {
            gate: LineGate::new(
                s.sample_every,
                s.rate / n,
                (s.burst / u64::from(self.parts)).max(1),
            ),
            settings: self.settings.clone(),
            key,
            part,
            buf: String::with_capacity(FLUSH_BYTES + 1024),
            lines: 0,
            tx: self.tx.clone(),
            counters: self.counters.clone(),
            unix_base_us: None,
            scratch: String::with_capacity(64),
        }
    }

    /// Waits for every logger to be gone and the file to be written; returns the counts.
    pub fn finish(mut self) -> anyhow::Result<LogSummary> {
        self.tx = None;
        let written = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the log writer panicked")),
            None => Ok(()),
        };
        written.with_context(|| format!("write the log file {}", self.settings.path.display()))?;
        let c = &self.counters;
        Ok(LogSummary {
            path: self.settings.path.display().to_string(),
            format: self.settings.format.as_str().to_string(),
            lines_written: c.written.load(Ordering::Relaxed),
            sampled_out: c.sampled_out.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            dropped_backlog: c.dropped_backlog.load(Ordering::Relaxed),
        })
    }
}

fn write_all(rx: Receiver<String>, mut out: BufWriter<File>) -> std::io::Result<()> {
    let mut first_error = None;
    for chunk in rx {
        if first_error.is_none() {
            if let Err(e) = out.write_all(chunk.as_bytes()) {
                first_error = Some(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => out.flush(),
    }
}

/// One shard's logger: formats admitted lines into its buffer (see the module docs).
pub struct ProcedureLog {
    gate: LineGate,
    settings: Arc<LogSettings>,
    key: Vec<u8>,
    part: u32,
    buf: String,
    lines: u64,
    tx: Option<SyncSender<String>>,
    counters: Arc<Counters>,
    /// Wall-clock microseconds at the network's time zero (set by [`ProcedureLog::start`]).
    unix_base_us: Option<u64>,
    scratch: String,
}

fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl ProcedureLog {
    /// Ties the network's clock to the wall clock: `now` is the network's time at this instant
    /// (a virtual run's lines then carry the start time plus the simulated time).
    pub fn start(&mut self, now: Micros) {
        self.unix_base_us = Some(unix_now_us().saturating_sub(now.as_u64()));
    }

    fn unix_us(&self, now: Micros) -> u64 {
        match self.unix_base_us {
            Some(base) => base + now.as_u64(),
            None => unix_now_us(),
        }
    }

    fn hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    /// Logs the end of procedure `c` of `vn`: every end other than ok, and the sampled oks.
    pub fn completion(&mut self, vn: &VisitedNetwork, c: &Completion) {
        let failure = c.outcome != Outcome::Ok;
        if !self.gate.admit(c.finished_us, failure) {
            return self.maybe_flush();
        }
        let population = vn.population();
        let roamer = population.roamer(c.roamer);
        let visited = population.visited().get(c.visited as usize).map(|v| v.plmn);
        let subscriber = subscriber_hash(&self.key, roamer.imsi);
        let id = self.hash(&[
            b"procedure",
            &self.part.to_be_bytes(),
            &c.roamer.0.to_be_bytes(),
            &c.intended_us.as_u64().to_be_bytes(),
        ]);
        let mut correlation = [0u8; 16];
        hex16(&id, &mut correlation);
        let on_s6a = matches!(
            c.message,
            MessageKind::S6aAir | MessageKind::S6aUlr | MessageKind::S6aClr | MessageKind::S6aPur
        );
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut transition = String::with_capacity(32);
        transition.push_str(c.message.name());
        transition.push_str("->");
        transition.push_str(c.outcome.as_str());
        if failure {
            c.reason.write_key(&mut scratch);
        }
        let line = LogLine {
            unix_us: self.unix_us(c.finished_us),
            level: match c.outcome {
                Outcome::Ok | Outcome::RejectedExpected => Level::Info,
                _ => Level::Warn,
            },
            component: if on_s6a { "visited.mme" } else { "visited.sgw" },
            correlation_id: std::str::from_utf8(&correlation).unwrap_or(""),
            scenario: &self.settings.scenario,
            procedure: c.procedure.as_str(),
            subscriber: &subscriber,
            visited,
            home: Some(roamer.home),
            transition: &transition,
            latency_us: Some(c.latency_us()),
            result: c.outcome.as_str(),
            reason: failure.then_some(scratch.as_str()),
        };
        line.write(self.settings.format, &mut self.buf);
        self.scratch = scratch;
        self.lines += 1;
        self.maybe_flush();
    }

    /// Logs an event of the home core: a request it rejected (`reason`: the protocol error's
    /// key, e.g. `diameter.5001`) or a malformed input it noticed.
    pub fn core_event(&mut self, now: Micros, component: &str, event: &str, reason: &str) {
        if !self.gate.admit(now, true) {
            return self.maybe_flush();
        }
        let line = LogLine {
            unix_us: self.unix_us(now),
            level: Level::Warn,
            component,
            correlation_id: "",
            scenario: &self.settings.scenario,
            procedure: event,
            subscriber: "",
            visited: None::<Plmn>,
            home: None,
            transition: "received->rejected",
            latency_us: None,
            result: "rejected",
            reason: Some(reason),
        };
        line.write(self.settings.format, &mut self.buf);
        self.lines += 1;
        self.maybe_flush();
    }

    fn maybe_flush(&mut self) {
        if self.buf.len() >= FLUSH_BYTES {
            self.flush();
        }
    }

    /// Hands the buffer to the writer, without waiting; a full queue drops it (counted).
    pub fn flush(&mut self) {
        let g = self.gate.take_counts();
        let c = &self.counters;
        c.sampled_out.fetch_add(g.sampled_out, Ordering::Relaxed);
        c.dropped.fetch_add(g.rate_limited, Ordering::Relaxed);
        if self.buf.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.buf, String::with_capacity(FLUSH_BYTES + 1024));
        let lines = std::mem::take(&mut self.lines);
        let sent = match &self.tx {
            Some(tx) => match tx.try_send(chunk) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            },
            None => false,
        };
        if sent {
            c.written.fetch_add(lines, Ordering::Relaxed);
        } else {
            c.dropped.fetch_add(lines, Ordering::Relaxed);
            c.dropped_backlog.fetch_add(lines, Ordering::Relaxed);
        }
    }
}

impl Drop for ProcedureLog {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The first 8 octets of `hash` as 16 lowercase hex digits.
fn hex16(hash: &[u8; 32], out: &mut [u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in hash[..8].iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
}

/// Parses `--log-key HEX` (at least 16 octets).
pub fn parse_key(hex: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let text = hex.as_bytes();
    let bytes: Option<Vec<u8>> = (text.len() % 2 == 0)
        .then(|| {
            text.chunks(2)
                .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
                .collect()
        })
        .flatten();
    let bytes = bytes.ok_or_else(|| format!("invalid --log-key {hex:?}: expected hex digits"))?;
    if bytes.len() < 16 {
        return Err(format!(
            "invalid --log-key: {} octets, at least 16 are needed",
            bytes.len()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let dir = std::env::temp_dir().join(format!("roamsim-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let settings = LogSettings {
            path: dir.join("queue.jsonl"),
            format: LogFormat::Json,
            sample_every: 1,
            rate: 1e12,
            burst: 1 << 40,
            key: Some(vec![7; 16]),
            scenario: "test".into(),
        };
        let w = LogWriter::open(settings, 1).unwrap();
        let mut log = w.logger(0);
        for i in 0..10_000u64 {
            log.core_event(Micros(i), "home.hss", "request_rejected", "diameter.5001");
        }
        drop(log);
        let s = w.finish().unwrap();
        assert_eq!(s.lines_written + s.dropped_backlog, 10_000);
        let text = std::fs::read_to_string(dir.join("queue.jsonl")).unwrap();
        assert_eq!(text.lines().count() as u64, s.lines_written);
        for l in text.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["reason"], "diameter.5001");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_are_hex_of_sixteen_octets_or_more() {
        assert_eq!(parse_key(&"ab".repeat(16)).unwrap().len(), 16);
        assert!(parse_key("abcd").is_err());
        assert!(parse_key("zz").is_err());
    }
}
