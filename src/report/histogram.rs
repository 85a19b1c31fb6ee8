//! The one latency histogram configuration of every measurement (µs, one hour, 0.1 %), and
//! how histograms are added: shared by the recorder and its parts.

use hdrhistogram::Histogram;

/// Largest latency a histogram tracks: one hour in microseconds; larger values are clamped.
pub const MAX_TRACKED_US: u64 = 3_600_000_000;

/// Significant decimal digits of every histogram (0.1 % resolution).
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// A latency histogram in microseconds with the recorder's range and precision.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_max(MAX_TRACKED_US, SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid")
}

/// Adds `src` into `dst`. Histograms of this module share one range, so `add` succeeds; one from
/// elsewhere with a wider range has its out-of-range values clamped rather than lost.
pub fn merge_histogram(dst: &mut Histogram<u64>, src: &Histogram<u64>) {
    if dst.add(src).is_err() {
        for v in src.iter_recorded() {
            dst.saturating_record_n(v.value_iterated_to(), v.count_at_value());
        }
    }
}
