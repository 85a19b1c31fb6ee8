//! Live metrics (`--metrics ADDR:PORT`): the run's counters and latency histograms in the
//! Prometheus text exposition format (OpenMetrics flavour, from the `prometheus-client` crate)
//! on `GET /metrics`, updated at every interval from the merged [`Interval`], served by a tiny
//! HTTP/1.1 server on its own thread (one request per connection, no keep-alive).
//!
//! Metrics: `roamsim_procedures_started_total{procedure}`, `roamsim_procedures_total{procedure,
//! outcome,reason}`, `roamsim_procedure_latency_seconds{procedure}` (histogram),
//! `roamsim_messages_*_total{message}`, `roamsim_achieved_rate` and `roamsim_offered_rate`
//! (procedures/s), `roamsim_in_flight`, `roamsim_link_packets_total{link}`,
//! `roamsim_link_dropped_total{link}`, and for offline charging
//! `roamsim_charging_records_total{kind}` (generated, stored, spooled, replayed, ...; the keys
//! of `summary.json` `charging`), `roamsim_charging_spool_depth` (the DLQ depth) and
//! `roamsim_charging_ack_latency_seconds` (close→acknowledgement, histogram), and
//! `roamsim_alerts_total{alert,severity}` (intervals in which an `[[alerts]]` condition held).
//!
//! `reason` is the reason key of a procedure that did not end ok (`s6a.5004`, `ue.auth_mac`; the
//! README's "Reasons"); `outcome="ok"` has no reason. Label values must stay few, so a run
//! exposes at most [`MAX_REASON_LABELS`] distinct reasons and counts any further one, and an end
//! the recorder has no key for, as `other`. Every procedure's and message's series exist from
//! the start, at zero (non-ok outcomes without a reason until one occurs), so that a scrape
//! before the first interval already shows what a dashboard queries. Link series appear with
//! the first interval, once the links have names.

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::model::message::MessageKind;
use crate::model::{Outcome, Procedure};
use crate::report::interval::Interval;

type Labels = Vec<(&'static str, String)>;

/// Most distinct `reason` label values of one run; later new ones are counted as `other`.
pub const MAX_REASON_LABELS: usize = 64;

/// The label value for reasons past [`MAX_REASON_LABELS`] and ends without a reason key.
const OTHER: &str = "other";

/// The run's metrics, registered once and updated per interval.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    started: Family<Labels, Counter>,
    ended: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    sent: Family<Labels, Counter>,
    answered: Family<Labels, Counter>,
    retransmitted: Family<Labels, Counter>,
    achieved: Gauge<f64, AtomicU64>,
    in_flight: Gauge,
    link_packets: Family<Labels, Counter>,
    link_dropped: Family<Labels, Counter>,
    charging: Family<Labels, Counter>,
    charging_spool: Gauge,
    charging_ack: Histogram,
    alerts: Family<Labels, Counter>,
    /// The `reason` label values used so far (bounded by [`MAX_REASON_LABELS`]).
    reasons: Arc<Mutex<BTreeSet<String>>>,
}

fn latency_histogram() -> Histogram {
    // 100 µs to ~105 s, doubling.
    Histogram::new(exponential_buckets(0.000_1, 2.0, 21))
}

impl Metrics {
    /// All metrics, registered; `offered_rate` is constant for the run.
    pub fn new(offered_rate: f64) -> Metrics {
        let mut r = Registry::with_prefix("roamsim");
        let m = Metrics {
            registry: Arc::new(Registry::default()),
            started: Family::default(),
            ended: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            sent: Family::default(),
            answered: Family::default(),
            retransmitted: Family::default(),
            achieved: Gauge::default(),
            in_flight: Gauge::default(),
            link_packets: Family::default(),
            link_dropped: Family::default(),
            charging: Family::default(),
            charging_spool: Gauge::default(),
            charging_ack: latency_histogram(),
            alerts: Family::default(),
            reasons: Arc::default(),
        };
        let offered: Gauge<f64, AtomicU64> = Gauge::default();
        offered.set(offered_rate);
        r.register("procedures_started", "Procedures begun", m.started.clone());
        r.register(
            "procedures",
            "Procedures ended, by outcome",
            m.ended.clone(),
        );
        r.register(
            "procedure_latency_seconds",
            "Procedure latency from the intended start",
            m.latency.clone(),
        );
        r.register("messages_sent", "Requests sent (once each)", m.sent.clone());
        r.register("messages_answered", "Requests answered", m.answered.clone());
        r.register(
            "messages_retransmitted",
            "Extra copies sent by retransmission",
            m.retransmitted.clone(),
        );
        r.register(
            "achieved_rate",
            "Procedures started per second in the last interval",
            m.achieved.clone(),
        );
        r.register("offered_rate", "Procedures per second offered", offered);
        r.register(
            "in_flight",
            "Procedures in flight at the end of the last interval",
            m.in_flight.clone(),
        );
        r.register(
            "link_packets",
            "Packets offered to an emulated link",
            m.link_packets.clone(),
        );
        r.register(
            "link_dropped",
            "Packets an emulated link dropped",
            m.link_dropped.clone(),
        );
        r.register(
            "charging_records",
            "Offline charging counts (records generated, stored, spooled, replayed, ...), by kind",
            m.charging.clone(),
        );
        r.register(
            "charging_spool_depth",
            "CDRs in the dead-letter spools at the end of the last interval",
            m.charging_spool.clone(),
        );
        r.register(
            "charging_ack_latency_seconds",
            "From a CDR's closing to its acknowledgement by a CGF",
            m.charging_ack.clone(),
        );
        r.register(
            "alerts",
            "Intervals in which an [[alerts]] condition held",
            m.alerts.clone(),
        );
        m.declare();
        Metrics {
            registry: Arc::new(r),
            ..m
        }
    }

    /// Creates every procedure's and message's series at zero.
    fn declare(&self) {
        for &p in Procedure::ALL {
            let procedure = vec![("procedure", p.as_str().to_string())];
            let _ = self.started.get_or_create(&procedure);
            let _ = self.latency.get_or_create(&procedure);
            for &o in Outcome::ALL {
                let mut labels = procedure.clone();
                labels.push(("outcome", o.as_str().to_string()));
                let _ = self.ended.get_or_create(&labels);
            }
        }
        for &k in MessageKind::ALL {
            let l = vec![("message", k.name().to_string())];
            let _ = self.sent.get_or_create(&l);
            let _ = self.answered.get_or_create(&l);
            let _ = self.retransmitted.get_or_create(&l);
        }
    }

    /// The `reason` label of `key`: itself while the run has used fewer than
    /// [`MAX_REASON_LABELS`] values, else `other` (unless it is one of those already used).
    fn reason_label(&self, key: &str) -> String {
        let mut used = self.reasons.lock().unwrap_or_else(|e| e.into_inner());
        if used.contains(key) {
            return key.to_string();
        }
        if used.len() < MAX_REASON_LABELS {
            used.insert(key.to_string());
            return key.to_string();
        }
        OTHER.to_string()
    }

    /// Adds an interval's ends of `p` with outcome `o` (`n` of them) to `roamsim_procedures_total`:
    /// ok as they are, the others by reason; ends without a reason key count as `other`.
    fn add_ended(&self, rec: &crate::report::Recorder, p: Procedure, o: Outcome, n: u64) {
        let mut labels = vec![
            ("procedure", p.as_str().to_string()),
            ("outcome", o.as_str().to_string()),
        ];
        if o == Outcome::Ok {
            self.ended.get_or_create(&labels).inc_by(n);
            return;
        }
        let mut explained = 0;
        for (_, _, key, c) in rec
            .procedure_reasons()
            .iter()
            .filter(|(q, r, _, _)| (*q, *r) == (p, o))
        {
            labels.push(("reason", self.reason_label(key)));
            self.ended.get_or_create(&labels).inc_by(c.count);
            labels.pop();
            explained += c.count;
        }
        if n > explained {
            labels.push(("reason", OTHER.to_string()));
            self.ended.get_or_create(&labels).inc_by(n - explained);
        }
    }

    /// Adds one interval.
    pub fn update(&self, interval: &Interval) {
        let rec = &interval.recorder;
        let mut started = 0;
        for &p in Procedure::ALL {
            let s = rec.procedure(p);
            self.started
                .get_or_create(&vec![("procedure", p.as_str().to_string())])
                .inc_by(s.started);
            started += s.started;
            for &o in Outcome::ALL {
                if s.count(o) > 0 {
                    self.add_ended(rec, p, o, s.count(o));
                }
            }
            let h = self
                .latency
                .get_or_create(&vec![("procedure", p.as_str().to_string())]);
            for v in s.latency_us.iter_recorded() {
                let secs = v.value_iterated_to() as f64 / 1e6;
                for _ in 0..v.count_at_value() {
                    h.observe(secs);
                }
            }
        }
        for &k in MessageKind::ALL {
            let s = rec.message(k);
            let l = vec![("message", k.name().to_string())];
            self.sent.get_or_create(&l).inc_by(s.sent);
            self.answered.get_or_create(&l).inc_by(s.answered);
            self.retransmitted.get_or_create(&l).inc_by(s.retransmitted);
        }
        for (name, link) in rec.links() {
            let l = vec![("link", name.to_string())];
            self.link_packets.get_or_create(&l).inc_by(link.packets);
            self.link_dropped.get_or_create(&l).inc_by(link.dropped);
        }
        let c = &rec.charging;
        if c.active {
            for &k in crate::report::recorder::ChargingCounter::ALL {
                self.charging
                    .get_or_create(&vec![("kind", k.name().to_string())])
                    .inc_by(c.get(k));
            }
            self.charging_spool.set(c.spool_depth as i64);
            for v in c.ack_latency_us.iter_recorded() {
                let secs = v.value_iterated_to() as f64 / 1e6;
                for _ in 0..v.count_at_value() {
                    self.charging_ack.observe(secs);
                }
            }
        }
        self.achieved.set(started as f64 / interval.duration_s());
        self.in_flight.set(interval.in_flight as i64);
    }

    /// Counts one interval in which alert `name` fired (`roamsim_alerts_total{alert,severity}`).
    pub fn alert(&self, name: &str, severity: &str) {
        self.alerts
            .get_or_create(&vec![
                ("alert", name.to_string()),
                ("severity", severity.to_string()),
            ])
            .inc();
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// A running `/metrics` server; stops when dropped.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `addr` and serves `metrics` on a thread.
    pub fn start(addr: SocketAddr, metrics: Metrics) -> io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("metrics".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((s, _)) => {
                            let _ = serve_one(s, &metrics);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(20))
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })?;
        Ok(MetricsServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The bound address (port 0 resolved).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answers one request: `GET /metrics` gets the exposition, anything else 404.
fn serve_one(mut s: TcpStream, metrics: &Metrics) -> io::Result<()> {
    s.set_nonblocking(false)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut buf = [0u8; 2048];
    let mut len = 0;
    while len < buf.len() {
        let n = s.read(&mut buf[len..])?;
        len += n;
        if n == 0 || buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let (status, ctype, body) =
        if head.starts_with("GET ") && (path == "/metrics" || path.starts_with("/metrics?")) {
            (
                "200 OK",
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                metrics.encode(),
            )
        } else {
            (
                "404 Not Found",
                "text/plain; charset=utf-8",
                "roamsim serves /metrics only\n".to_string(),
            )
        };
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    s.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Recorder;

    fn interval(recorder: Recorder) -> Interval {
        Interval {
            index: 0,
            start_us: 0,
            end_us: 1_000_000,
            recorder,
            mmes: Vec::new(),
            in_flight: 0,
        }
    }

    /// The value of the sample written exactly as `series` (name and labels), if present.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    fn ended(procedure: &str, outcome: &str, reason: Option<&str>) -> String {
        let reason = reason.map_or(String::new(), |r| format!(",reason=\"{r}\""));
        format!(
            "roamsim_procedures_total{{procedure=\"{procedure}\",outcome=\"{outcome}\"{reason}}}"
        )
    }

    #[test]
    fn before_the_first_interval_every_series_exists_at_zero() {
        let text = Metrics::new(50.0).encode();
        for p in Procedure::ALL {
            let p = p.as_str();
            let started = format!("roamsim_procedures_started_total{{procedure=\"{p}\"}}");
            assert_eq!(sample(&text, &started), Some(0.0), "{text}");
            for o in Outcome::ALL {
                assert_eq!(
                    sample(&text, &ended(p, o.as_str(), None)),
                    Some(0.0),
                    "{text}"
                );
            }
            let count = format!("roamsim_procedure_latency_seconds_count{{procedure=\"{p}\"}}");
            assert_eq!(sample(&text, &count), Some(0.0), "{text}");
        }
        for k in MessageKind::ALL {
            for family in ["sent", "answered", "retransmitted"] {
                let series = format!("roamsim_messages_{family}_total{{message=\"{k}\"}}");
                assert_eq!(sample(&text, &series), Some(0.0), "{text}");
            }
        }
        assert_eq!(sample(&text, "roamsim_offered_rate"), Some(50.0));
        assert!(!text.contains("reason="), "{text}");
    }

    #[test]
    fn unsuccessful_ends_are_counted_by_reason_and_ok_without_one() {
        let m = Metrics::new(10.0);
        let mut rec = Recorder::new();
        let mut end = |o: Outcome, key: &str| {
            rec.record_procedure(Procedure::Attach, o, 1000);
            if o != Outcome::Ok {
                rec.record_reason(Procedure::Attach, o, key, || None);
            }
        };
        for _ in 0..5 {
            end(Outcome::Ok, "");
        }
        end(Outcome::RejectedExpected, "s6a.5004");
        end(Outcome::RejectedExpected, "s6a.5004");
        end(Outcome::RejectedExpected, "s6a.5001");
        end(Outcome::TimedOut, "timeout.s6a.ulr");
        // An end the recorder got no key for (counted elsewhere) is `other`.
        rec.record_procedure(Procedure::Attach, Outcome::Failed, 1000);
        m.update(&interval(rec.clone()));
        m.update(&interval(rec));
        let text = m.encode();
        let got = |o: &str, r: Option<&str>| sample(&text, &ended("attach", o, r));
        assert_eq!(got("ok", None), Some(10.0), "{text}");
        assert_eq!(got("rejected_expected", Some("s6a.5004")), Some(4.0));
        assert_eq!(got("rejected_expected", Some("s6a.5001")), Some(2.0));
        assert_eq!(got("timed_out", Some("timeout.s6a.ulr")), Some(2.0));
        assert_eq!(got("failed", Some("other")), Some(2.0));
        // The series declared at the start stay, at zero.
        assert_eq!(got("rejected_expected", None), Some(0.0));
        assert!(!text.contains("outcome=\"ok\",reason"), "{text}");
    }

    #[test]
    fn charging_counts_spool_depth_and_ack_latency() {
        use crate::report::recorder::ChargingCounter;
        let m = Metrics::new(10.0);
        let mut rec = Recorder::new();
        rec.charging.add(ChargingCounter::Generated, 7);
        rec.charging.add(ChargingCounter::Spooled, 3);
        rec.charging.record_ack(2_000);
        rec.charging.spool_depth = 3;
        m.update(&interval(rec.clone()));
        rec.charging.spool_depth = 0;
        m.update(&interval(rec));
        let text = m.encode();
        let kind = |k: &str| {
            sample(
                &text,
                &format!("roamsim_charging_records_total{{kind=\"{k}\"}}"),
            )
        };
        assert_eq!(kind("generated"), Some(14.0), "{text}");
        assert_eq!(kind("spooled"), Some(6.0), "{text}");
        assert_eq!(
            sample(&text, "roamsim_charging_spool_depth"),
            Some(0.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "roamsim_charging_ack_latency_seconds_count"),
            Some(2.0),
            "{text}"
        );
    }

    #[test]
    fn alerts_are_counted_by_name_and_severity() {
        let m = Metrics::new(10.0);
        m.alert("agreement_missing", "warning");
        m.alert("agreement_missing", "warning");
        m.alert("cgf_unreachable", "critical");
        let text = m.encode();
        let series =
            |a: &str, s: &str| format!("roamsim_alerts_total{{alert=\"{a}\",severity=\"{s}\"}}");
        assert_eq!(
            sample(&text, &series("agreement_missing", "warning")),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, &series("cgf_unreachable", "critical")),
            Some(1.0)
        );
    }

    #[test]
    fn reason_labels_are_capped_per_run() {
        let m = Metrics::new(10.0);
        for round in 0..2 {
            let mut rec = Recorder::new();
            for i in 0..40 {
                let key = format!("s6a.{}", 5000 + round * 40 + i);
                rec.record_procedure(Procedure::Detach, Outcome::Failed, 10);
                rec.record_reason(Procedure::Detach, Outcome::Failed, &key, || None);
            }
            m.update(&interval(rec));
        }
        let text = m.encode();
        let reasons = text
            .lines()
            .filter(|l| l.contains("procedure=\"detach\"") && l.contains("reason="))
            .count();
        assert_eq!(reasons, MAX_REASON_LABELS + 1, "{text}");
        assert_eq!(
            sample(&text, &ended("detach", "failed", Some("other"))),
            Some((80 - MAX_REASON_LABELS) as f64)
        );
        assert_eq!(
            sample(&text, &ended("detach", "failed", Some("s6a.5000"))),
            Some(1.0)
        );
    }
}
