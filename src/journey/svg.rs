//! The report drawn as one self-contained SVG file.

use std::fmt::Write as _;

use hashbrown::HashMap;

use super::metrics::{Metrics, Transition};
use super::report::{Report, days, percent, thousands};

/// Channels shown in a transition matrix; the rest are summed as `other`.
const MAX_CHANNELS: usize = 10;
const WIDTH: f64 = 1160.0;
const PANEL_WIDTH: f64 = 540.0;
const MARGIN: f64 = 30.0;
const PHASE_COLOURS: [&str; 5] = ["#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#e45756"];

/// Text escaped for XML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 at all, even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

impl Report {
    /// The report as a self-contained SVG document titled `title`: the phase
    /// funnel and the channel transition matrix, each with and without
    /// resolution side by side, with titles and legends. Hovering a cell or
    /// bar in a browser shows its exact count.
    ///
    /// Written as plain text rather than through a plotting crate: two bar
    /// charts and two heatmaps are a few hundred lines of SVG, a dependency
    /// would add far more code and build time to every user of the library,
    /// and plain text lets us escape every piece of user data (the title,
    /// custom channel names) in one place.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig, Report, Touchpoint};
    /// use idstitch::Channel;
    ///
    /// let journeys = Journeys::from_touchpoints(MetricsConfig::default(),
    ///     [(1, Touchpoint::new("e1").with_channel(Channel::Web).with_kind("page_view"))]);
    /// let report = Report::new(journeys.metrics(), journeys.metrics());
    /// let svg = report.svg("Q1 <all shops>");
    /// assert!(svg.contains("Q1 &lt;all shops&gt;"));
    /// assert!(svg.trim_end().ends_with("</svg>"));
    /// ```
    pub fn svg(&self, title: &str) -> String {
        let mut svg = Svg::default();
        let sides = [
            ("With resolution", &self.resolved),
            ("Without resolution", &self.unresolved),
        ];
        let mut y = 40.0;
        svg.text(MARGIN, y, 22.0, "bold", "start", title);
        y += 24.0;
        svg.text(
            MARGIN,
            y,
            13.0,
            "normal",
            "start",
            &format!(
                "{} touchpoints, window {} days. With resolution: {} profiles. \
                 Without resolution (each event's first raw identifier a customer): {} customers.",
                thousands(self.resolved.touchpoints),
                days(self.resolved.window_days),
                thousands(self.resolved.profiles),
                thousands(self.unresolved.profiles),
            ),
        );

        y = svg.section(
            y + 44.0,
            "Journey phases",
            "Bar length: share of profiles with at least one touchpoint in the phase (funnel order).",
        );
        let funnel_bottom = sides
            .iter()
            .enumerate()
            .map(|(i, (name, metrics))| {
                svg.funnel(
                    MARGIN + i as f64 * (PANEL_WIDTH + 2.0 * MARGIN),
                    y,
                    name,
                    metrics,
                )
            })
            .fold(y, f64::max);

        y = svg.section(
            funnel_bottom + 40.0,
            "Channel transitions",
            "Row: channel of a touchpoint; column: channel of the same profile's next timed touchpoint. \
             Cell: share of all transitions.",
        );
        let matrix =
            TransitionMatrix::new(&self.resolved.transitions, &self.unresolved.transitions);
        let matrix_bottom = sides
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let x = MARGIN + i as f64 * (PANEL_WIDTH + 2.0 * MARGIN);
                svg.heatmap(x, y, name, &matrix, i)
            })
            .fold(y, f64::max);
        y = svg.heat_legend(MARGIN, matrix_bottom + 24.0, matrix.max_share);
        svg.finish(y + 20.0)
    }
}

/// Both sides' transitions over one shared list of channels, so the two
/// matrices can be compared cell by cell.
struct TransitionMatrix {
    labels: Vec<String>,
    /// Per side: shares (of that side's transitions) and counts, row-major.
    cells: [Vec<(f64, u64)>; 2],
    max_share: f64,
}

impl TransitionMatrix {
    fn new(resolved: &[Transition], unresolved: &[Transition]) -> Self {
        let mut volume: HashMap<&str, u64> = HashMap::new();
        for t in resolved.iter().chain(unresolved) {
            for channel in [t.from.as_str(), t.to.as_str()] {
                let volume = volume.entry(channel).or_default();
                *volume = volume.saturating_add(t.count);
            }
        }
        let mut channels: Vec<(&str, u64)> = volume.into_iter().collect();
        channels.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let overflow = channels.len() > MAX_CHANNELS;
        let shown = if overflow {
            MAX_CHANNELS - 1
        } else {
            channels.len()
        };
        let mut labels: Vec<String> = channels[..shown]
            .iter()
            .map(|(c, _)| (*c).to_owned())
            .collect();
        if overflow {
            labels.push("other".to_owned());
        }
        let n = labels.len();
        let index = |channel: &str| {
            labels[..shown]
                .iter()
                .position(|l| l == channel)
                .unwrap_or(n - 1)
        };
        let fill = |transitions: &[Transition]| {
            let total = transitions
                .iter()
                .fold(0_u64, |total, t| total.saturating_add(t.count));
            let mut cells = vec![(0.0, 0_u64); n * n];
            for t in transitions {
                let cell = &mut cells[index(t.from.as_str()) * n + index(t.to.as_str())].1;
                *cell = cell.saturating_add(t.count);
            }
            for cell in &mut cells {
                cell.0 = if total == 0 {
                    0.0
                } else {
                    cell.1 as f64 / total as f64
                };
            }
            cells
        };
        let cells = [fill(resolved), fill(unresolved)];
        let max_share = cells.iter().flatten().map(|c| c.0).fold(0.0, f64::max);
        TransitionMatrix {
            labels,
            cells,
            max_share,
        }
    }
}

/// A share short enough for a cell: `12%`, `1.6%`, `<0.1%`.
fn short_percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent >= 9.95 {
        format!("{percent:.0}%")
    } else if percent >= 0.05 {
        format!("{percent:.1}%")
    } else {
        "<0.1%".to_owned()
    }
}

/// White to dark blue; `t` in 0..=1.
fn heat_colour(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, 8.0),
        mix(251.0, 48.0),
        mix(255.0, 107.0)
    )
}

#[derive(Default)]
struct Svg {
    body: String,
}

impl Svg {
    /// A section's title at `y` and its caption below; returns where the
    /// section's body starts.
    fn section(&mut self, y: f64, title: &str, caption: &str) -> f64 {
        self.text(MARGIN, y, 17.0, "bold", "start", title);
        self.text(MARGIN, y + 20.0, 12.0, "normal", "start", caption);
        y + 36.0
    }

    fn text(&mut self, x: f64, y: f64, size: f64, weight: &str, anchor: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}">{}</text>"#,
            escape(text)
        );
    }

    /// One side's funnel; returns the bottom y.
    fn funnel(&mut self, x: f64, mut y: f64, name: &str, metrics: &Metrics) -> f64 {
        y += 18.0;
        self.text(
            x,
            y,
            14.0,
            "bold",
            "start",
            &format!("{name}: {} profiles", thousands(metrics.profiles)),
        );
        y += 14.0;
        let (label_width, bar_area) = (110.0, 300.0);
        for reach in &metrics.phase_reach {
            let width = bar_area * reach.share.clamp(0.0, 1.0);
            let bar_x = x + label_width + (bar_area - width) / 2.0;
            let colour = PHASE_COLOURS[reach.phase as usize % PHASE_COLOURS.len()];
            self.text(x, y + 20.0, 13.0, "normal", "start", reach.phase.as_str());
            let _ = writeln!(
                self.body,
                r#"<rect x="{bar_x:.1}" y="{y:.1}" width="{width:.1}" height="28" rx="3" fill="{colour}"><title>{}</title></rect>"#,
                escape(&format!(
                    "{}: {} of {} profiles",
                    reach.phase,
                    thousands(reach.profiles),
                    thousands(metrics.profiles)
                ))
            );
            self.text(
                x + label_width + bar_area + 10.0,
                y + 20.0,
                12.0,
                "normal",
                "start",
                &format!("{} ({})", thousands(reach.profiles), percent(reach.share)),
            );
            y += 34.0;
        }
        y
    }

    /// One side's transition matrix; returns the bottom y.
    fn heatmap(
        &mut self,
        x: f64,
        mut y: f64,
        name: &str,
        matrix: &TransitionMatrix,
        side: usize,
    ) -> f64 {
        let n = matrix.labels.len();
        let total = matrix.cells[side]
            .iter()
            .fold(0_u64, |total, c| total.saturating_add(c.1));
        y += 18.0;
        self.text(
            x,
            y,
            14.0,
            "bold",
            "start",
            &format!("{name}: {} transitions", thousands(total)),
        );
        if n == 0 {
            self.text(
                x,
                y + 24.0,
                12.0,
                "normal",
                "start",
                "no timed touchpoints with channels",
            );
            return y + 30.0;
        }
        let label_width = 100.0;
        let cell = ((PANEL_WIDTH - label_width) / n as f64).min(40.0);
        let top = y + 90.0;
        for (i, label) in matrix.labels.iter().enumerate() {
            // Column labels slanted above the matrix, row labels on the left.
            let cx = x + label_width + (i as f64 + 0.5) * cell;
            let _ = writeln!(
                self.body,
                r#"<text x="{cx:.1}" y="{:.1}" font-size="11" text-anchor="start" transform="rotate(-45 {cx:.1} {:.1})">{}</text>"#,
                top - 6.0,
                top - 6.0,
                escape(label)
            );
            self.text(
                x + label_width - 6.0,
                top + (i as f64 + 0.5) * cell + 4.0,
                11.0,
                "normal",
                "end",
                label,
            );
        }
        for row in 0..n {
            for column in 0..n {
                let (share, count) = matrix.cells[side][row * n + column];
                let t = if matrix.max_share > 0.0 {
                    share / matrix.max_share
                } else {
                    0.0
                };
                let (cx, cy) = (
                    x + label_width + column as f64 * cell,
                    top + row as f64 * cell,
                );
                let _ = writeln!(
                    self.body,
                    r##"<rect x="{cx:.1}" y="{cy:.1}" width="{cell:.1}" height="{cell:.1}" fill="{}" stroke="#ffffff"><title>{}</title></rect>"##,
                    heat_colour(t),
                    escape(&format!(
                        "{} → {}: {} ({})",
                        matrix.labels[row],
                        matrix.labels[column],
                        thousands(count),
                        percent(share)
                    ))
                );
                if count > 0 && cell >= 30.0 {
                    let ink = if t > 0.5 { "#ffffff" } else { "#222222" };
                    let _ = writeln!(
                        self.body,
                        r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="{ink}">{}</text>"#,
                        cx + cell / 2.0,
                        cy + cell / 2.0 + 3.0,
                        escape(&short_percent(share))
                    );
                }
            }
        }
        top + n as f64 * cell
    }

    /// The colour scale shared by both matrices; returns the bottom y.
    fn heat_legend(&mut self, x: f64, y: f64, max_share: f64) -> f64 {
        self.text(x, y, 12.0, "normal", "start", "Share of transitions:");
        let (bar_x, bar_width) = (x + 140.0, 240.0);
        let _ = writeln!(
            self.body,
            r##"<rect x="{bar_x:.1}" y="{:.1}" width="{bar_width:.1}" height="12" fill="url(#heat)" stroke="#999999"/>"##,
            y - 10.0
        );
        self.text(bar_x, y + 16.0, 11.0, "normal", "start", "0%");
        self.text(
            bar_x + bar_width,
            y + 16.0,
            11.0,
            "normal",
            "end",
            &percent(max_share),
        );
        y + 16.0
    }

    fn finish(self, height: f64) -> String {
        let mut out = String::with_capacity(self.body.len() + 1024);
        let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" fill="#222222">"##
        );
        let _ = writeln!(
            out,
            r#"<defs><linearGradient id="heat" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient></defs>"#,
            heat_colour(0.0),
            heat_colour(1.0)
        );
        let _ = writeln!(
            out,
            r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn colour_scale_ends() {
        assert_eq!(heat_colour(0.0), "#f7fbff");
        assert_eq!(heat_colour(1.0), "#08306b");
        assert_eq!(heat_colour(7.0), "#08306b");
    }
}
