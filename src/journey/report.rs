//! Metrics with and without resolution side by side, as a table.

use std::fmt;

use serde::Serialize;

use super::metrics::Metrics;

/// The same metrics computed with identity resolution and without it, to show
/// how much of each effect only becomes visible once identities are joined.
///
/// Serializes as the resolved metrics' fields at the top level and the
/// unresolved ones under the key `unresolved`:
/// `{"profiles": …, "ropo_purchases": …, …, "unresolved": {"profiles": …, …}}`.
/// [`Display`](fmt::Display) prints a plain-text summary table and
/// [`svg`](Report::svg) draws the phase funnel and channel transitions.
///
/// ```
/// use idstitch::journey::{Journeys, MetricsConfig, Report, Touchpoint};
/// use idstitch::{Channel, Timestamp};
///
/// let at = |day: i64| Timestamp::from_unix_millis(day * 86_400_000);
/// let research = Touchpoint::new("e1").with_ts(at(1)).with_channel(Channel::Web).with_kind("search");
/// let purchase = Touchpoint::new("e2").with_ts(at(3)).with_channel(Channel::Store).with_kind("purchase");
///
/// // Resolved: one person. Unresolved: the cookie and the loyalty card are strangers.
/// let resolved = Journeys::from_touchpoints(MetricsConfig::default(),
///     [("jan", research.clone()), ("jan", purchase.clone())]);
/// let unresolved = Journeys::from_touchpoints(MetricsConfig::default(),
///     [("cookie", research), ("card", purchase)]);
/// let report = Report::new(resolved.metrics(), unresolved.metrics());
/// assert_eq!((report.resolved.ropo_purchases, report.unresolved.ropo_purchases), (1, 0));
///
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["ropo_purchases"], 1);
/// assert_eq!(json["unresolved"]["ropo_purchases"], 0);
/// assert!(report.to_string().contains("ROPO purchases"));
/// assert!(report.svg("My shop").starts_with("<?xml"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Metrics over resolved profiles.
    #[serde(flatten)]
    pub resolved: Metrics,
    /// The same metrics with each raw identifier its own customer.
    pub unresolved: Metrics,
}

impl Report {
    /// A report of `resolved` metrics against the `unresolved` baseline.
    pub fn new(resolved: Metrics, unresolved: Metrics) -> Self {
        Report {
            resolved,
            unresolved,
        }
    }
}

/// `1234567` as `1,234,567`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A window in days: whole days as they are, otherwise two decimals.
pub(super) fn days(window_days: f64) -> String {
    if window_days.fract() == 0.0 {
        format!("{window_days}")
    } else {
        format!("{window_days:.2}")
    }
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The rows of the summary table: a label and the cell of one metrics set.
fn rows(m: &Metrics) -> Vec<(String, String)> {
    let count = thousands;
    let rate = |n: u64, share: f64| format!("{} ({})", thousands(n), percent(share));
    let mut rows = vec![
        ("Profiles".to_owned(), count(m.profiles)),
        ("Touchpoints".to_owned(), count(m.touchpoints)),
        (
            "  untimed (skipped by windows)".to_owned(),
            count(m.untimed_touchpoints),
        ),
        (
            "  invalid order values".to_owned(),
            count(m.invalid_order_values),
        ),
        ("Purchases (timed)".to_owned(), count(m.purchases)),
        ("Offline purchases".to_owned(), count(m.offline_purchases)),
        (
            "ROPO purchases".to_owned(),
            rate(m.ropo_purchases, m.ropo_rate),
        ),
        ("  same product".to_owned(), count(m.ropo_product_purchases)),
        ("  profiles with ROPO".to_owned(), count(m.ropo_profiles)),
        ("Online purchases".to_owned(), count(m.online_purchases)),
        (
            "Reverse ROPO purchases".to_owned(),
            rate(m.reverse_ropo_purchases, m.reverse_ropo_rate),
        ),
        ("Store returns".to_owned(), count(m.store_returns)),
        (
            "  of online orders".to_owned(),
            count(m.store_returns_of_online_orders),
        ),
        (
            "Chat-assisted purchases".to_owned(),
            rate(m.chat_assisted_purchases, m.chat_assisted_rate),
        ),
        (
            "Multichannel profiles".to_owned(),
            rate(m.multichannel_profiles, m.multichannel_share),
        ),
    ];
    rows.push(("Phase reach".to_owned(), String::new()));
    for reach in &m.phase_reach {
        rows.push((
            format!("  {}", reach.phase),
            rate(reach.profiles, reach.share),
        ));
    }
    rows.push((
        "Profiles by touchpoints (mean spend)".to_owned(),
        String::new(),
    ));
    for bucket in &m.spend_by_touchpoints {
        let noun = if bucket.max_touchpoints == Some(1) {
            "touchpoint"
        } else {
            "touchpoints"
        };
        rows.push((
            format!("  {} {noun}", bucket.label()),
            format!(
                "{} ({:.2})",
                thousands(bucket.profiles),
                bucket.mean_order_value
            ),
        ));
    }
    rows
}

/// Writes aligned columns: labels, then one right-aligned column per set.
fn table(
    f: &mut fmt::Formatter<'_>,
    title: &str,
    headers: &[&str],
    sets: &[&Metrics],
) -> fmt::Result {
    let columns: Vec<Vec<(String, String)>> = sets.iter().map(|m| rows(m)).collect();
    // The columns have the same rows unless a caller edited a `Metrics`'
    // lists; then the longest one gives the labels and missing cells stay
    // blank.
    let longest = columns.iter().max_by_key(|column| column.len());
    let labels: Vec<&str> = longest
        .into_iter()
        .flatten()
        .map(|(label, _)| label.as_str())
        .collect();
    let label_width = labels
        .iter()
        .map(|l| l.chars().count())
        .chain([title.chars().count()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = headers
        .iter()
        .zip(&columns)
        .map(|(header, column)| {
            column
                .iter()
                .map(|(_, cell)| cell.chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    write!(f, "{title:<label_width$}")?;
    for (header, width) in headers.iter().zip(&widths) {
        write!(f, "  {header:>width$}")?;
    }
    writeln!(f)?;
    let rule = label_width + widths.iter().map(|w| w + 2).sum::<usize>();
    writeln!(f, "{}", "-".repeat(rule))?;
    for (row, label) in labels.iter().enumerate() {
        write!(f, "{label:<label_width$}")?;
        for (column, width) in columns.iter().zip(&widths) {
            let cell = column.get(row).map_or("", |(_, cell)| cell.as_str());
            write!(f, "  {cell:>width$}")?;
        }
        writeln!(f)?;
    }
    Ok(())
}

fn title(m: &Metrics) -> String {
    format!("Journey metrics (window {} days)", days(m.window_days))
}

impl fmt::Display for Metrics {
    /// A plain-text table of the main figures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(f, &title(self), &["value"], &[self])
    }
}

impl fmt::Display for Report {
    /// A plain-text table: one row per figure, with and without resolution.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(
            f,
            &title(&self.resolved),
            &["with resolution", "without resolution"],
            &[&self.resolved, &self.unresolved],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
