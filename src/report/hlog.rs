//! `intervals.hlog` (docs/ARCHITECTURE.md §7): the run's intervals in the HdrHistogram interval log format
//! (format version 1.3 of the Java `HistogramLogWriter`), one line per tag and interval, each
//! histogram V2-deflate compressed and base64 encoded, so that HdrHistogram's own tools
//! (HistogramLogProcessor, HistogramLogAnalyzer, Python `hdrh`) read it.
//!
//! Tags: one per procedure (`attach`, ...; every ended procedure, whatever its outcome), one
//! per message kind (`s6a.ulr`, ...; every answered request) and, in runs over real sockets
//! with GRX/IPX links, one per link (`link.208-01:eu-apac`: the delay each message was given,
//! in the intervals where the link carried traffic). Values are microseconds, and so is
//! the `Interval_Max` column. Timestamps are seconds from `#[BaseTime]`, the start of the run.
//! A procedure tag is written for every interval, even empty, so that per-interval charts have
//! no gaps; a message tag only in intervals where that message was answered.
//!
//! [`HlogWriter`] appends intervals as they close (nothing is kept); [`read_hlog`] reads a log
//! back into per-tag series ([`HlogData`], in `model`) for `roamsim report`.

use std::io::{self, Write};
use std::time::Duration;

use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, LogEntry, Tag,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

use super::interval::Interval;
use super::model::{HlogData, HlogPoint, TagSeries};
use super::recorder::{latency_histogram, merge_histogram};
use crate::model::message::MessageKind;
use crate::model::Procedure;

/// A log that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HlogError {
    /// A line that is neither a comment, a header nor an interval, at this byte offset.
    #[error("intervals.hlog: unreadable line at byte {0}")]
    Parse(usize),
    /// A histogram that does not decode.
    #[error("intervals.hlog: histogram of tag `{tag}` at {start_s:.3} s does not decode: {why}")]
    Histogram {
        /// Its tag.
        tag: String,
        /// Its start, seconds.
        start_s: f64,
        /// The decoder's message.
        why: String,
    },
}

/// Writes intervals to an interval log, one line per tag.
pub struct HlogWriter<W: Write> {
    out: W,
    serializer: V2DeflateSerializer,
    line: Vec<u8>,
}

impl<W: Write> HlogWriter<W> {
    /// Writes the header: comments naming the run and unit, `StartTime` and `BaseTime` (the
    /// start of the run, `start_unix_ms`), and the Java legend line.
    pub fn new(mut out: W, run_id: &str, start_unix_ms: u64) -> io::Result<HlogWriter<W>> {
        let secs = start_unix_ms as f64 / 1000.0;
        writeln!(out, "#[roamsim run {run_id}: latency in microseconds, one Tag per procedure and message kind]")?;
        writeln!(out, "#[Histogram log format version 1.3]")?;
        writeln!(
            out,
            "#[StartTime: {secs:.3} (seconds since epoch), {}]",
            super::format::rfc3339_utc(start_unix_ms)
        )?;
        writeln!(out, "#[BaseTime: {secs:.3} (seconds since epoch)]")?;
        writeln!(
            out,
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""
        )?;
        Ok(HlogWriter {
            out,
            serializer: V2DeflateSerializer::new(),
            line: Vec::with_capacity(4096),
        })
    }

    /// Appends one interval: every procedure, then every message kind answered in it; flushed.
    pub fn append(&mut self, interval: &Interval) -> io::Result<()> {
        let start = Duration::from_micros(interval.start_us);
        let length = Duration::from_micros(interval.end_us.saturating_sub(interval.start_us));
        for &p in Procedure::ALL {
            let h = &interval.recorder.procedure(p).latency_us;
            self.write(p.as_str(), h, start, length)?;
        }
        for &k in MessageKind::ALL {
            let h = &interval.recorder.message(k).latency_us;
            if !h.is_empty() {
                self.write(k.name(), h, start, length)?;
            }
        }
        for (name, link) in interval.recorder.links() {
            if !link.delay_us.is_empty() {
                // A tag ends at the next comma and holds no whitespace.
                let tag: String = format!("link.{name}")
                    .chars()
                    .map(|c| {
                        if c == ',' || c.is_whitespace() {
                            '_'
                        } else {
                            c
                        }
                    })
                    .collect();
                self.write(&tag, &link.delay_us, start, length)?;
            }
        }
        self.out.flush()
    }

    fn write(
        &mut self,
        tag: &str,
        h: &Histogram<u64>,
        start: Duration,
        length: Duration,
    ) -> io::Result<()> {
        self.line.clear();
        let mut writer =
            IntervalLogWriterBuilder::new().begin_log_with(&mut self.line, &mut self.serializer)?;
        writer
            .write_histogram(h, start, length, Tag::new(tag))
            .map_err(|e| io::Error::other(e.to_string()))?;
        self.out.write_all(&self.line)
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl HlogData {
    /// Adds one interval histogram of `tag`.
    pub fn add(&mut self, tag: &str, start_s: f64, length_s: f64, h: &Histogram<u64>) {
        let at = match self.tags.iter().position(|t| t.tag == tag) {
            Some(at) => at,
            None => {
                self.tags.push(TagSeries {
                    tag: tag.to_string(),
                    points: Vec::new(),
                    total: latency_histogram(),
                });
                self.tags.len() - 1
            }
        };
        let series = &mut self.tags[at];
        merge_histogram(&mut series.total, h);
        series.points.push(HlogPoint {
            start_s,
            length_s,
            count: h.len(),
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
        });
    }

    /// Adds every tag of a merged interval, as [`HlogWriter::append`] writes them.
    pub fn add_interval(&mut self, interval: &Interval) {
        let start_s = interval.start_us as f64 / 1e6;
        let length_s = interval.end_us.saturating_sub(interval.start_us) as f64 / 1e6;
        for &p in Procedure::ALL {
            let h = &interval.recorder.procedure(p).latency_us;
            self.add(p.as_str(), start_s, length_s, h);
        }
        for &k in MessageKind::ALL {
            let h = &interval.recorder.message(k).latency_us;
            if !h.is_empty() {
                self.add(k.name(), start_s, length_s, h);
            }
        }
    }
}

/// Reads an interval log (roamsim's or any other V2 / V2-deflate log) into per-tag series;
/// untagged histograms go under the tag `""`.
pub fn read_hlog(bytes: &[u8]) -> Result<HlogData, HlogError> {
    let mut data = HlogData::default();
    let mut deserializer = Deserializer::new();
    for entry in IntervalLogIterator::new(bytes) {
        let entry = entry.map_err(|e| match e {
            hdrhistogram::serialization::interval_log::LogIteratorError::ParseError { offset } => {
                HlogError::Parse(offset)
            }
        })?;
        let LogEntry::Interval(ih) = entry else {
            continue;
        };
        let tag = ih.tag().map_or("", |t| t.as_str()).to_string();
        let start_s = ih.start_timestamp().as_secs_f64();
        let decode_err = |why: String| HlogError::Histogram {
            tag: tag.clone(),
            start_s,
            why,
        };
        let raw =
            base64_decode(ih.encoded_histogram()).ok_or_else(|| decode_err("not base64".into()))?;
        let h: Histogram<u64> = deserializer
            .deserialize(&mut raw.as_slice())
            .map_err(|e| decode_err(format!("{e:?}")))?;
        data.add(&tag, start_s, ih.duration().as_secs_f64(), &h);
    }
    Ok(data)
}

/// Standard base64 with padding (the interval log's encoding).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.trim().trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}
