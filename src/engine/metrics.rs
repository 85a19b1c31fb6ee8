//! Live metrics (`--metrics ADDR:PORT`): the run's counters and latency histograms in the
//! Prometheus text exposition format (OpenMetrics flavour, from the `prometheus-client` crate)
//! on `GET /metrics`, updated at every interval from the merged [`Interval`], served by a tiny
//! HTTP/1.1 server on its own thread (one request per connection, no keep-alive).
//!
//! Metrics: `roamsim_procedures_started_total{procedure}`, `roamsim_procedures_total{procedure,
//! outcome}`, `roamsim_procedure_latency_seconds{procedure}` (histogram), `roamsim_messages_*_total
//! {message}`, `roamsim_achieved_rate` and `roamsim_offered_rate` (procedures/s),
//! `roamsim_in_flight`, `roamsim_link_packets_total{link}`, `roamsim_link_dropped_total{link}`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
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
        Metrics {
            registry: Arc::new(r),
            ..m
        }
    }

    /// Adds one interval.
    pub fn update(&self, interval: &Interval) {
        let rec = &interval.recorder;
        let mut started = 0;
        for &p in Procedure::ALL {
            let s = rec.procedure(p);
            let label = |k: &'static str, v: &str| {
                vec![("procedure", p.as_str().to_string()), (k, v.to_string())]
            };
            self.started
                .get_or_create(&vec![("procedure", p.as_str().to_string())])
                .inc_by(s.started);
            started += s.started;
            for &o in Outcome::ALL {
                self.ended
                    .get_or_create(&label("outcome", o.as_str()))
                    .inc_by(s.count(o));
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
        self.achieved.set(started as f64 / interval.duration_s());
        self.in_flight.set(interval.in_flight as i64);
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
