//! The resources panel of report.html: what `scripts/soak.sh` sampled every 10 s into the run
//! folder's `resources.csv` (RSS, open file descriptors, threads, CPU seconds), drawn over
//! time, with the RSS growth per hour after the first ten minutes.

use std::fmt::Write;

use super::svg::{nice_ceil, Axis, Chart, Series};

/// One sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds from the start.
    pub t_s: f64,
    /// Resident set, kB.
    pub rss_kb: f64,
    /// Open file descriptors.
    pub fds: f64,
    /// Threads.
    pub threads: f64,
    /// CPU seconds used so far.
    pub cpu_s: f64,
}

/// Reads `resources.csv` (header `t_s,rss_kb,fds,threads,cpu_s`); rows that do not parse are
/// skipped.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let v: Vec<f64> = l
                .split(',')
                .map(|x| x.trim().parse().ok())
                .collect::<Option<_>>()?;
            match v[..] {
                [t_s, rss_kb, fds, threads, cpu_s] if rss_kb > 0.0 => Some(Sample {
                    t_s,
                    rss_kb,
                    fds,
                    threads,
                    cpu_s,
                }),
                _ => None,
            }
        })
        .collect()
}

/// RSS growth in percent per hour from the first sample at or after `warm_up_s` to the last;
/// `None` with fewer than two such samples.
pub fn rss_growth_per_hour(samples: &[Sample], warm_up_s: f64) -> Option<f64> {
    let late: Vec<&Sample> = samples.iter().filter(|s| s.t_s >= warm_up_s).collect();
    let (a, b) = (late.first()?, late.last()?);
    let hours = (b.t_s - a.t_s) / 3600.0;
    (hours > 0.0 && a.rss_kb > 0.0).then(|| (b.rss_kb - a.rss_kb) / a.rss_kb * 100.0 / hours)
}

/// The panel: a sentence and a chart of RSS (MB) and open files over time.
pub fn panel_html(samples: &[Sample]) -> String {
    let mut out = String::from("<h2>Resources</h2>");
    let Some(last) = samples.last() else {
        out.push_str("<p>No resource samples.</p>");
        return out;
    };
    let growth = rss_growth_per_hour(samples, 600.0).map_or(
        "not enough samples after the first 10 minutes".to_string(),
        |g| format!("{g:+.2} % per hour after the first 10 minutes"),
    );
    let _ = write!(
        out,
        "<p>RSS {:.1} MB at the end ({growth}); {} open files, {} threads, {:.0} CPU seconds.</p>",
        last.rss_kb / 1024.0,
        last.fds,
        last.threads,
        last.cpu_s
    );
    let top = samples
        .iter()
        .map(|s| (s.rss_kb / 1024.0).max(s.fds))
        .fold(1.0, f64::max);
    let mut chart = Chart::new(
        "Resources over time",
        Axis::linear(0.0, last.t_s.max(1.0), "seconds from the start"),
        Axis::linear(0.0, nice_ceil(top), "RSS MB / open files"),
        1000.0,
        300.0,
    );
    let series = [
        Series {
            name: "RSS MB".into(),
            points: samples.iter().map(|s| (s.t_s, s.rss_kb / 1024.0)).collect(),
        },
        Series {
            name: "open files".into(),
            points: samples.iter().map(|s| (s.t_s, s.fds)).collect(),
        },
    ];
    chart.lines(&series, false);
    out.push_str(&chart.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_samples_and_measures_growth_after_warm_up() {
        let csv = "t_s,rss_kb,fds,threads,cpu_s\n0,1000,10,4,0.1\n600,2000,12,4,60\nbad\n4200,2010,12,4,400\n";
        let s = parse(csv);
        assert_eq!(s.len(), 3);
        let g = rss_growth_per_hour(&s, 600.0).unwrap();
        assert!((g - 0.5).abs() < 1e-9, "{g}");
        assert!(panel_html(&s).contains("+0.50 % per hour"));
        assert_eq!(rss_growth_per_hour(&s[..1], 600.0), None);
    }
}
