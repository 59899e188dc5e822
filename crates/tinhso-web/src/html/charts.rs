//! Charts drawn on the server as inline SVG (no JavaScript charting, nothing to build or
//! download): a line chart for trends and horizontal bars for rankings, plus the colour classes
//! of the heat table. Pure: values and already-formatted, already-translated texts in, SVG
//! text out.
//!
//! Accessibility: every chart is `role="img"` with a `<title>` and a `<desc>` (pointed to by
//! `aria-labelledby`), every point and bar carries its value as text (the bars beside them, the
//! points in a tooltip), series differ by line pattern and marker shape as well as colour, and
//! the pages print a data table beside each chart. Colours come from classes (`chart-*`,
//! `heat-*` in `tinhso.css`), so the dark wall screen restyles them; the CSP forbids `style=`.
//!
//! Robustness: missing, NaN and infinite values are gaps (never drawn, never printed as NaN),
//! negative values are clamped to the axis, and every label is XML-escaped.

use std::fmt::Write as _;

/// Escapes text for SVG/HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A finite value, or a gap.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// A linear map from a domain of values to a range of pixels. A degenerate domain (one value)
/// maps everything to the middle of the range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        let clean = |v: f64| if v.is_finite() { v } else { 0.0 };
        Self {
            domain: (clean(domain.0), clean(domain.1)),
            range: (clean(range.0), clean(range.1)),
        }
    }

    /// The pixel of `v`, clamped to the range; never NaN.
    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if !v.is_finite() {
            return r0;
        }
        if (d1 - d0).abs() < f64::EPSILON {
            return (r0 + r1) / 2.0;
        }
        let t = ((v - d0) / (d1 - d0)).clamp(0.0, 1.0);
        r0 + t * (r1 - r0)
    }
}

/// A round upper bound for an axis: the smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `max`
/// (1 for nothing, zero, negative or non-finite maxima).
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let candidate = step * magnitude;
        if candidate >= max * (1.0 - 1e-12) {
            return candidate;
        }
    }
    10.0 * magnitude
}

/// `n + 1` evenly spaced ticks from 0 to `max` (at least one interval).
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    let n = n.max(1);
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    (0..=n).map(|i| max * i as f64 / n as f64).collect()
}

/// A tick label: integers without decimals, else one decimal (Vietnamese comma when asked).
fn tick_label(v: f64, comma: bool) -> String {
    let text = if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    };
    if comma {
        text.replace('.', ",")
    } else {
        text
    }
}

/// The texts every chart needs: an id prefix (unique in the page), a title, a description.
#[derive(Debug, Clone)]
pub struct ChartText {
    pub id: String,
    pub title: String,
    pub desc: String,
    /// Shown instead of the chart when there is nothing to draw.
    pub empty: String,
    /// Decimal comma in tick labels (Vietnamese).
    pub comma: bool,
}

/// One line of a line chart: a value per label (a gap where `None`), with the text to show
/// for each value.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub texts: Vec<String>,
}

fn open_svg(out: &mut String, text: &ChartText, width: f64, height: f64) {
    let id = escape(&text.id);
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width:.0} {height:.0}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(&text.title),
        escape(&text.desc)
    );
}

fn empty_chart(text: &ChartText) -> String {
    let mut out = String::new();
    open_svg(&mut out, text, 640.0, 60.0);
    let _ = write!(
        out,
        r#"<text class="chart-empty" x="320" y="35" text-anchor="middle">{}</text></svg>"#,
        escape(&text.empty)
    );
    out
}

/// The marker of series `i`: circle, square, triangle, then again.
fn marker(out: &mut String, i: usize, x: f64, y: f64, tip: &str) {
    let class = format!("chart-marker chart-series-{}", i % 3);
    let _ = match i % 3 {
        0 => write!(
            out,
            r#"<circle class="{class}" cx="{x:.1}" cy="{y:.1}" r="4.5"><title>{tip}</title></circle>"#
        ),
        1 => write!(
            out,
            r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="8" height="8"><title>{tip}</title></rect>"#,
            x - 4.0,
            y - 4.0
        ),
        _ => write!(
            out,
            r#"<polygon class="{class}" points="{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}"><title>{tip}</title></polygon>"#,
            y - 5.0,
            x - 5.0,
            y + 4.0,
            x + 5.0,
            y + 4.0
        ),
    };
}

/// A line chart of one or more series over the same labels (months), on a 0-based y axis up
/// to `y_max` (a round bound of the data when `None`; 100 for percentages).
pub fn line_chart(
    text: &ChartText,
    labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
) -> String {
    let has_data = series
        .iter()
        .any(|s| s.values.iter().any(|v| finite(*v).is_some()));
    if labels.is_empty() || !has_data {
        return empty_chart(text);
    }
    let (width, left, right, top) = (640.0, 48.0, 16.0, 14.0);
    let plot_bottom = 210.0;
    let legend_y = 262.0;
    let height = legend_y + 10.0 + 20.0 * (series.len().saturating_sub(1) / 2) as f64;
    let data_max = series
        .iter()
        .flat_map(|s| s.values.iter().filter_map(|v| finite(*v)))
        .fold(0.0f64, f64::max);
    let y_max = nice_max(
        y_max
            .filter(|m| m.is_finite() && *m > 0.0)
            .unwrap_or(data_max),
    );
    let y = Scale::new((0.0, y_max), (plot_bottom, top));
    let n = labels.len();
    let x = Scale::new(
        (0.0, n.saturating_sub(1) as f64),
        (left + 14.0, width - right - 14.0),
    );
    let mut out = String::new();
    open_svg(&mut out, text, width, height);
    // Grid and y ticks.
    for t in ticks(y_max, 4) {
        let py = y.map(t);
        let _ = write!(
            out,
            r#"<line class="chart-grid" x1="{left:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}"/><text class="chart-tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            width - right,
            left - 6.0,
            py + 4.0,
            tick_label(t, text.comma)
        );
    }
    let _ = write!(
        out,
        r#"<line class="chart-axis" x1="{left:.1}" y1="{plot_bottom:.1}" x2="{:.1}" y2="{plot_bottom:.1}"/>"#,
        width - right
    );
    // X labels: every label when they fit, else every other one.
    let step = if n > 13 { n.div_ceil(12) } else { 1 };
    for (i, label) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            let _ = write!(
                out,
                r#"<text class="chart-tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x.map(i as f64),
                plot_bottom + 18.0,
                escape(label)
            );
        }
    }
    // Lines (broken at gaps) and markers with their values.
    for (si, s) in series.iter().enumerate() {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate().take(n) {
            match finite(*v) {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x.map(i as f64),
                        y.map(v.max(0.0))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            out,
            r#"<path class="chart-line chart-series-{}" d="{}" fill="none"/>"#,
            si % 3,
            d.trim_end()
        );
        for (i, v) in s.values.iter().enumerate().take(n) {
            if let Some(v) = finite(*v) {
                let value_text = s.texts.get(i).map(String::as_str).unwrap_or("");
                let tip = escape(&format!("{} — {}: {}", s.name, labels[i], value_text));
                marker(&mut out, si, x.map(i as f64), y.map(v.max(0.0)), &tip);
            }
        }
    }
    // Legend: marker and name of each series, two per row.
    for (si, s) in series.iter().enumerate() {
        let lx = left + (si % 2) as f64 * 290.0;
        let ly = legend_y - 12.0 + 20.0 * (si / 2) as f64;
        let _ = write!(
            out,
            r#"<line class="chart-line chart-series-{}" x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}"/>"#,
            si % 3,
            lx + 28.0
        );
        marker(&mut out, si, lx + 14.0, ly, &escape(&s.name));
        let _ = write!(
            out,
            r#"<text class="chart-legend" x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 36.0,
            ly + 4.0,
            escape(&s.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// One bar: a label, a value (no bar when `None`) and the text printed at its end.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub text: String,
}

/// Shortens a label to `max` characters with an ellipsis.
fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let kept: String = label.chars().take(max.saturating_sub(1)).collect();
        let mut s = kept.trim_end().to_string();
        s.push('…');
        s
    }
}

/// Horizontal bars from 0 to `max` (a round bound of the values when `None`), one row per
/// bar, the label on the left (shortened; the whole label in the row's tooltip) and the value
/// as text after the bar.
pub fn bar_chart(text: &ChartText, bars: &[Bar], max: Option<f64>) -> String {
    if bars.is_empty() {
        return empty_chart(text);
    }
    let (width, label_w, value_w, row_h, top) = (640.0, 230.0, 70.0, 26.0, 6.0);
    let height = top * 2.0 + row_h * bars.len() as f64;
    let data_max = bars
        .iter()
        .filter_map(|b| finite(b.value))
        .fold(0.0f64, f64::max);
    let max = nice_max(
        max.filter(|m| m.is_finite() && *m > 0.0)
            .unwrap_or(data_max),
    );
    let x = Scale::new((0.0, max), (label_w, width - value_w));
    let mut out = String::new();
    open_svg(&mut out, text, width, height);
    let _ = write!(
        out,
        r#"<line class="chart-axis" x1="{label_w:.1}" y1="{top:.1}" x2="{label_w:.1}" y2="{:.1}"/>"#,
        height - top
    );
    for (i, b) in bars.iter().enumerate() {
        let y0 = top + row_h * i as f64;
        let tip = escape(&format!("{}: {}", b.label, b.text));
        let _ = write!(
            out,
            r#"<g class="chart-row"><title>{tip}</title><text class="chart-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 6.0,
            y0 + row_h / 2.0 + 4.0,
            escape(&shorten(&b.label, 28))
        );
        let end = match finite(b.value) {
            Some(v) => {
                let x1 = x.map(v.max(0.0));
                let _ = write!(
                    out,
                    r#"<rect class="chart-bar" x="{label_w:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                    y0 + 4.0,
                    (x1 - label_w).max(0.0),
                    row_h - 8.0
                );
                x1
            }
            None => label_w,
        };
        let _ = write!(
            out,
            r#"<text class="chart-value" x="{:.1}" y="{:.1}">{}</text></g>"#,
            end + 5.0,
            y0 + row_h / 2.0 + 4.0,
            escape(&b.text)
        );
    }
    out.push_str("</svg>");
    out
}

/// The colour class of a heat-table cell by its rate (a fraction): five steps, and a neutral
/// class when there is nothing to rate. The number is always printed in the cell too.
pub fn heat_class(rate: Option<f64>) -> &'static str {
    match finite(rate) {
        None => "heat-none",
        Some(r) if r >= 0.95 => "heat-5",
        Some(r) if r >= 0.85 => "heat-4",
        Some(r) if r >= 0.70 => "heat-3",
        Some(r) if r >= 0.50 => "heat-2",
        Some(_) => "heat-1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ChartText {
        ChartText {
            id: "c1".into(),
            title: "Tỷ lệ đúng hạn".into(),
            desc: "12 tháng".into(),
            empty: "Chưa có số liệu".into(),
            comma: true,
        }
    }

    #[test]
    fn scales_map_linearly_clamp_and_never_give_nan() {
        let s = Scale::new((0.0, 100.0), (200.0, 0.0));
        assert_eq!(s.map(0.0), 200.0);
        assert_eq!(s.map(100.0), 0.0);
        assert_eq!(s.map(25.0), 150.0);
        assert_eq!(s.map(-5.0), 200.0);
        assert_eq!(s.map(1e9), 0.0);
        assert_eq!(s.map(f64::NAN), 200.0);
        // One value: the middle.
        let one = Scale::new((3.0, 3.0), (10.0, 30.0));
        assert_eq!(one.map(3.0), 20.0);
        assert!(Scale::new((f64::NAN, f64::INFINITY), (0.0, 10.0))
            .map(1.0)
            .is_finite());
    }

    #[test]
    fn round_axis_bounds_and_ticks() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(-3.0), 1.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(230.0), 250.0);
        assert_eq!(nice_max(100.0), 100.0);
        assert_eq!(nice_max(0.3), 0.5);
        assert_eq!(ticks(100.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(ticks(0.0, 0), vec![0.0, 1.0]);
        assert_eq!(tick_label(2.5, true), "2,5");
        assert_eq!(tick_label(25.0, true), "25");
    }

    #[test]
    fn an_empty_chart_says_so_and_stays_accessible() {
        for svg in [
            line_chart(&text(), &[], &[], Some(100.0)),
            line_chart(
                &text(),
                &["01/26".into()],
                &[Series {
                    name: "a".into(),
                    values: vec![None],
                    texts: vec![String::new()],
                }],
                None,
            ),
            bar_chart(&text(), &[], None),
        ] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
            assert!(svg.contains(r#"role="img""#));
            assert!(svg.contains(r#"aria-labelledby="c1-title c1-desc""#));
            assert!(svg.contains("<title id=\"c1-title\">Tỷ lệ đúng hạn</title>"));
            assert!(svg.contains("Chưa có số liệu"));
            assert!(!svg.contains("<path"));
        }
    }

    #[test]
    fn one_point_is_drawn_in_the_middle() {
        let svg = line_chart(
            &text(),
            &["03/26".into()],
            &[Series {
                name: "Đúng hạn".into(),
                values: vec![Some(50.0)],
                texts: vec!["50%".into()],
            }],
            Some(100.0),
        );
        // x range 62..610: the middle is 336; y: 50 of 100 between 210 and 14 is 112.
        assert!(svg.contains(r#"d="M336.0,112.0""#), "{svg}");
        assert!(
            svg.contains(r#"<circle class="chart-marker chart-series-0" cx="336.0" cy="112.0""#)
        );
        assert!(svg.contains("Đúng hạn — 03/26: 50%"));
    }

    #[test]
    fn gaps_nan_and_negative_values_are_never_drawn_as_numbers() {
        let svg = line_chart(
            &text(),
            &["1".into(), "2".into(), "3".into(), "4".into()],
            &[
                Series {
                    name: "a".into(),
                    values: vec![Some(10.0), Some(f64::NAN), Some(-4.0), Some(f64::INFINITY)],
                    texts: vec!["10".into(), "?".into(), "-4".into(), "∞".into()],
                },
                Series {
                    name: "b".into(),
                    values: vec![None, Some(5.0), Some(6.0), None],
                    texts: vec![String::new(); 4],
                },
            ],
            None,
        );
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        // The line restarts after the gap (two moves in series a), negative clamped to 0.
        let a = svg
            .split("chart-line chart-series-0\" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(a.matches('M').count(), 2, "{a}");
        assert!(a.contains(",210.0"), "{a}");
        // Different markers per series: circles for a, squares for b.
        assert!(svg.contains("<circle class=\"chart-marker chart-series-0\""));
        assert!(svg.contains("<rect class=\"chart-marker chart-series-1\""));
        let bars = bar_chart(
            &text(),
            &[
                Bar {
                    label: "A".into(),
                    value: Some(f64::NAN),
                    text: "–".into(),
                },
                Bar {
                    label: "B".into(),
                    value: Some(-3.0),
                    text: "-3".into(),
                },
            ],
            None,
        );
        assert!(!bars.contains("NaN"), "{bars}");
        assert!(bars.contains(r#"width="0.0""#), "{bars}");
    }

    #[test]
    fn labels_are_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script> & 'q'"#;
        let t = ChartText {
            id: "x\"onload=\"1".into(),
            title: evil.into(),
            desc: evil.into(),
            empty: evil.into(),
            comma: false,
        };
        let line = line_chart(
            &t,
            &[evil.into()],
            &[Series {
                name: evil.into(),
                values: vec![Some(1.0)],
                texts: vec![evil.into()],
            }],
            None,
        );
        let bars = bar_chart(
            &t,
            &[Bar {
                label: evil.into(),
                value: Some(1.0),
                text: evil.into(),
            }],
            Some(100.0),
        );
        for svg in [line, bars, empty_chart(&t)] {
            assert!(!svg.contains("<script"), "{svg}");
            assert!(!svg.contains("\"onload"), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)"), "{svg}");
            assert!(svg.contains("&amp; &#39;q&#39;"), "{svg}");
        }
    }

    #[test]
    fn bars_scale_to_the_maximum_and_print_their_values() {
        let svg = bar_chart(
            &text(),
            &[
                Bar {
                    label: "Sở Tư pháp".into(),
                    value: Some(100.0),
                    text: "100,00".into(),
                },
                Bar {
                    label: "Một cơ quan có tên rất dài vượt quá ba mươi hai ký tự".into(),
                    value: Some(50.0),
                    text: "50,00".into(),
                },
                Bar {
                    label: "Chưa đo".into(),
                    value: None,
                    text: "—".into(),
                },
            ],
            Some(100.0),
        );
        // 0..100 over 230..570: full bar 340 wide, half 170.
        assert!(svg.contains(r#"width="340.0""#), "{svg}");
        assert!(svg.contains(r#"width="170.0""#), "{svg}");
        assert_eq!(svg.matches("<rect class=\"chart-bar\"").count(), 2);
        assert!(svg.contains(">100,00</text>") && svg.contains(">—</text>"));
        assert!(svg.contains(">Một cơ quan có tên rất dài…</text>"), "{svg}");
        assert!(svg.contains(
            "<title>Một cơ quan có tên rất dài vượt quá ba mươi hai ký tự: 50,00</title>"
        ));
    }

    #[test]
    fn heat_classes_step_by_rate() {
        assert_eq!(heat_class(None), "heat-none");
        assert_eq!(heat_class(Some(f64::NAN)), "heat-none");
        assert_eq!(heat_class(Some(1.0)), "heat-5");
        assert_eq!(heat_class(Some(0.95)), "heat-5");
        assert_eq!(heat_class(Some(0.9)), "heat-4");
        assert_eq!(heat_class(Some(0.7)), "heat-3");
        assert_eq!(heat_class(Some(0.5)), "heat-2");
        assert_eq!(heat_class(Some(0.0)), "heat-1");
    }
}
