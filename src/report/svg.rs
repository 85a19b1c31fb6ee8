//! Hand-written SVG charts for `report.html`: axes with ticks (linear or log10), polylines,
//! bars and a legend; no script, font file or network. Each chart is a standalone `<svg>`
//! element with a `viewBox`, so it scales with the page and prints.

use std::fmt::Write;

use super::format::xml_escape;

/// Line and bar colours (colour-blind safe, Okabe-Ito).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

/// How values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Linear from `min` to `max`.
    Linear,
    /// Base-10 logarithmic (values must be > 0; smaller ones are drawn at the bottom).
    Log,
}

/// One axis: range, scale and label.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Smallest value shown.
    pub min: f64,
    /// Largest value shown.
    pub max: f64,
    /// Linear or log.
    pub scale: Scale,
    /// Label, with unit.
    pub label: String,
}

impl Axis {
    /// A linear axis from 0 (or `min` when negative) to a rounded-up `max`.
    pub fn linear(min: f64, max: f64, label: &str) -> Axis {
        let max = if max > min {
            let step = nice_ceil((max - min) / 5.0);
            min + ((max - min) / step - 1e-9).ceil() * step
        } else {
            min + 1.0
        };
        Axis {
            min,
            max,
            scale: Scale::Linear,
            label: label.to_string(),
        }
    }

    /// A log axis spanning whole decades around `[min, max]`.
    pub fn log(min: f64, max: f64, label: &str) -> Axis {
        let lo = 10f64.powf(min.max(1e-9).log10().floor());
        let hi = 10f64.powf(max.max(lo * 10.0).log10().ceil());
        Axis {
            min: lo,
            max: if hi > lo { hi } else { lo * 10.0 },
            scale: Scale::Log,
            label: label.to_string(),
        }
    }

    /// Position of `v` in [0, 1] along the axis.
    pub fn frac(&self, v: f64) -> f64 {
        let f = match self.scale {
            Scale::Linear => (v - self.min) / (self.max - self.min),
            Scale::Log => {
                (v.max(self.min).log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
            }
        };
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match self.scale {
            Scale::Log => {
                let mut t = Vec::new();
                let mut v = self.min;
                while v <= self.max * 1.0001 {
                    t.push(v);
                    v *= 10.0;
                }
                t
            }
            Scale::Linear => {
                let step = nice_ceil((self.max - self.min) / 5.0);
                (0..=10)
                    .map(|i| self.min + step * i as f64)
                    .take_while(|v| *v <= self.max * 1.0001)
                    .collect()
            }
        }
    }
}

/// The next "nice" number at or above `v`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_ceil(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|x| *x >= v * 0.999_999)
        .unwrap_or(10.0 * p)
}

/// A tick label: `0.5`, `12`, `1.5k`, `2M`.
pub fn tick_label(v: f64) -> String {
    let (v, suffix) = match v.abs() {
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// A named series of (x, y) points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A chart being drawn: a plot area with two axes.
pub struct Chart {
    svg: String,
    x: Axis,
    y: Axis,
    w: f64,
    h: f64,
}

const LEFT: f64 = 110.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;

impl Chart {
    /// A `w`×`h` chart titled `title`, with its axes, grid and tick labels drawn.
    pub fn new(title: &str, x: Axis, y: Axis, w: f64, h: f64) -> Chart {
        let mut c = Chart {
            svg: String::new(),
            x,
            y,
            w,
            h,
        };
        let _ = write!(
            c.svg,
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{t}\">\
<text x=\"{LEFT}\" y=\"18\" class=\"title\">{t}</text>",
            t = xml_escape(title)
        );
        c.axes();
        c
    }

    fn px(&self, v: f64) -> f64 {
        LEFT + self.x.frac(v) * (self.w - LEFT - RIGHT)
    }

    fn py(&self, v: f64) -> f64 {
        self.h - BOTTOM - self.y.frac(v) * (self.h - TOP - BOTTOM)
    }

    fn axes(&mut self) {
        let (x0, x1, y0, y1) = (LEFT, self.w - RIGHT, TOP, self.h - BOTTOM);
        // A categorical y axis (bars) has no label and no ticks.
        let y_ticks = if self.y.label.is_empty() {
            Vec::new()
        } else {
            self.y.ticks()
        };
        for t in y_ticks {
            let y = self.py(t);
            let _ = write!(
                self.svg,
                "<line x1=\"{x0}\" y1=\"{y:.1}\" x2=\"{x1}\" y2=\"{y:.1}\" class=\"grid\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
                x0 - 4.0,
                y + 4.0,
                tick_label(t)
            );
        }
        for t in self.x.ticks() {
            let x = self.px(t);
            let _ = write!(
                self.svg,
                "<line x1=\"{x:.1}\" y1=\"{y0}\" x2=\"{x:.1}\" y2=\"{y1}\" class=\"grid\"/>\
<text x=\"{x:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                y1 + 14.0,
                self.x_tick_label(t)
            );
        }
        let _ = write!(
            self.svg,
            "<rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" class=\"frame\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">{}</text>\
<text transform=\"translate(14 {:.1}) rotate(-90)\" class=\"label\" text-anchor=\"middle\">{}</text>",
            x1 - x0,
            y1 - y0,
            (x0 + x1) / 2.0,
            self.h - 8.0,
            xml_escape(&self.x.label),
            (y0 + y1) / 2.0,
            xml_escape(&self.y.label)
        );
    }

    fn x_tick_label(&self, t: f64) -> String {
        if self.x.label.starts_with("percentile") {
            percentile_label(t)
        } else {
            tick_label(t)
        }
    }

    /// Draws `series` as polylines with dots, colour `i` of the palette each, and a legend.
    pub fn lines(&mut self, series: &[Series], dots: bool) {
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let pts: Vec<String> = s
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", self.px(x), self.py(y)))
                .collect();
            let _ = write!(
                self.svg,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                pts.join(" ")
            );
            if dots || s.points.len() == 1 {
                for &(x, y) in &s.points {
                    let _ = write!(
                        self.svg,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"/>",
                        self.px(x),
                        self.py(y)
                    );
                }
            }
            self.legend_entry(i, &s.name, colour);
        }
    }

    /// A legend entry in the right margin.
    pub fn legend_entry(&mut self, i: usize, name: &str, colour: &str) {
        let x = self.w - RIGHT + 12.0;
        let y = TOP + 6.0 + 16.0 * i as f64;
        let _ = write!(
            self.svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"10\" fill=\"{colour}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\">{}</text>",
            x + 16.0,
            y + 9.0,
            xml_escape(name)
        );
    }

    /// A vertical marker at `x` with a label (e.g. the knee of a sweep).
    pub fn marker(&mut self, x: f64, label: &str) {
        let px = self.px(x);
        // Right of the line, or left of it in the right half so it stays off the legend.
        let (tx, anchor) = if self.x.frac(x) > 0.5 {
            (px - 4.0, "end")
        } else {
            (px + 4.0, "start")
        };
        let _ = write!(
            self.svg,
            "<line x1=\"{px:.1}\" y1=\"{TOP}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#D55E00\" stroke-dasharray=\"5 3\"/>\
<text x=\"{tx:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"{anchor}\">{}</text>",
            self.h - BOTTOM,
            TOP + 12.0,
            xml_escape(label)
        );
    }

    /// A centred note in the plot area (e.g. "no data").
    pub fn note(&mut self, text: &str) {
        let _ = write!(
            self.svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"note\" text-anchor=\"middle\">{}</text>",
            (LEFT + self.w - RIGHT) / 2.0,
            (TOP + self.h - BOTTOM) / 2.0,
            xml_escape(text)
        );
    }

    /// Horizontal stacked bars: one row per `(label, [values])`, segments coloured by
    /// `segments`' order; x is the axis (e.g. percent of ended procedures).
    pub fn stacked_rows(&mut self, rows: &[(String, Vec<f64>)], segments: &[&str]) {
        let band = (self.h - TOP - BOTTOM) / rows.len().max(1) as f64;
        for (r, (label, values)) in rows.iter().enumerate() {
            let y = TOP + band * r as f64 + band * 0.2;
            let mut acc = 0.0;
            for (i, v) in values.iter().enumerate() {
                let (x0, x1) = (self.px(acc), self.px(acc + v));
                acc += v;
                if x1 - x0 > 0.05 {
                    let _ = write!(
                        self.svg,
                        "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
                        x1 - x0,
                        band * 0.6,
                        PALETTE[i % PALETTE.len()],
                        xml_escape(label),
                        xml_escape(segments.get(i).copied().unwrap_or(""))
                    );
                }
            }
            let _ = write!(
                self.svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
                LEFT - 4.0,
                y + band * 0.3 + 4.0,
                xml_escape(label)
            );
        }
        for (i, s) in segments.iter().enumerate() {
            self.legend_entry(i, s, PALETTE[i % PALETTE.len()]);
        }
    }

    /// The finished `<svg>` element.
    pub fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// The label of a "nines" x position: 0 → `0%`, 1 → `90%`, 2 → `99%`, 3 → `99.9%`.
pub fn percentile_label(nines: f64) -> String {
    let q = 100.0 * (1.0 - 10f64.powf(-nines));
    let s = format!("{q:.4}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}
