//! The progress line (docs/ARCHITECTURE.md §3: the cli owns progress display): at every interval,
//! one line on stderr, rewritten in place, with the interval's start rate, the procedures in
//! flight, the p99 of every procedure that ended in it, and its errors (failed and timed out). Off
//! when stderr is not a terminal (CI logs stay clean) or with `--quiet`.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::load::collect::Observer;
use crate::model::Procedure;
use crate::report::interval::Interval;
use crate::report::recorder::{latency_histogram, merge_histogram};

/// Whether a progress line is shown, and whether one was written.
pub struct Progress {
    enabled: bool,
    written: Arc<AtomicBool>,
}

impl Progress {
    /// On when stderr is a terminal and not `quiet`.
    pub fn start(quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            written: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The observer that draws the line, when enabled.
    pub fn observer(&self) -> Option<Observer> {
        if !self.enabled {
            return None;
        }
        let written = self.written.clone();
        Some(Box::new(move |interval, _total| {
            let line = progress_line(interval);
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{line}\x1b[K");
            let _ = err.flush();
            written.store(true, Ordering::Relaxed);
        }))
    }

    /// Ends the line so that what follows starts on a fresh one.
    pub fn end(&self) {
        if self.written.load(Ordering::Relaxed) {
            eprintln!();
        }
    }
}

/// `[  40s] rate 998.2/s  in flight 12  p99 4.10 ms  errors 0 (0%)`.
pub fn progress_line(interval: &Interval) -> String {
    let rec = &interval.recorder;
    let mut all = latency_histogram();
    let (mut started, mut ended, mut errors) = (0, 0, 0);
    for &p in Procedure::ALL {
        let s = rec.procedure(p);
        merge_histogram(&mut all, &s.latency_us);
        started += s.started;
        ended += s.ended();
        errors += s.failed + s.timed_out;
    }
    let p99 = if all.is_empty() {
        "-".to_string()
    } else {
        format!(
            "{} ms",
            crate::report::format::fmt_ms(all.value_at_quantile(0.99) as f64)
        )
    };
    format!(
        "[{:>5.0}s] rate {:.1}/s  in flight {}  p99 {p99}  errors {errors} ({})",
        interval.end_us as f64 / 1e6,
        started as f64 / interval.duration_s(),
        interval.in_flight,
        crate::report::format::fmt_percent(errors as f64 / ended.max(1) as f64)
    )
}
