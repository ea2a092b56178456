//! Metrics over journeys that are counted once and not kept.

use super::metrics::{Contribution, Totals};
use super::touchpoint::{journey_order, same_event};
use super::{Metrics, MetricsConfig, Touchpoint};

/// Metrics summed over journeys given one at a time, by reference, and not
/// kept: for a report computed once, where [`Journeys`](super::Journeys)
/// would hold every journey and what it contributes, to follow later
/// changes.
///
/// [`add`](Self::add) takes one customer's touchpoints in any order; they
/// are put in journey order and a repeated event (same id and time) is
/// counted once, as in [`Journey::new`](super::Journey::new), the first
/// given kept. Tallies kept apart, for instance one per thread over part of
/// the customers, add up with [`merge`](Self::merge): every figure is a sum
/// over journeys, so the metrics are exactly those of [`Journeys`] holding
/// the same journeys.
///
/// [`Journeys`]: super::Journeys
///
/// ```
/// use idstitch::journey::{Journeys, MetricsConfig, MetricsTally, Touchpoint};
/// use idstitch::{Channel, Timestamp};
///
/// let day = |d: i64| Timestamp::from_unix_millis(d * 86_400_000);
/// let touchpoints = [
///     Touchpoint::new("e1").with_ts(day(1)).with_channel(Channel::Web).with_kind("search"),
///     Touchpoint::new("e2").with_ts(day(3)).with_channel(Channel::Store).with_kind("purchase"),
///     Touchpoint::new("e3").with_ts(day(2)).with_channel(Channel::App).with_kind("page_view"),
/// ];
/// // Customer 1 searched and bought in store; customer 2 looked in the
/// // app. Each customer is counted by its own tally (say, on its own thread).
/// let mut tally = MetricsTally::new(MetricsConfig::default());
/// tally.add([&touchpoints[1], &touchpoints[0]]);
/// let mut other = MetricsTally::new(MetricsConfig::default());
/// other.add(&touchpoints[2..]);
/// tally.merge(&other);
/// let metrics = tally.metrics();
/// assert_eq!((metrics.profiles, metrics.ropo_purchases), (2, 1));
///
/// // Exactly what journeys kept whole give.
/// let customers = [1, 1, 2];
/// let journeys = Journeys::from_touchpoints(
///     MetricsConfig::default(),
///     customers.into_iter().zip(touchpoints.iter().cloned()),
/// );
/// assert_eq!(journeys.metrics(), metrics);
/// ```
#[derive(Debug, Clone)]
pub struct MetricsTally {
    config: MetricsConfig,
    totals: Totals,
}

impl MetricsTally {
    /// Nothing counted yet; metrics will follow `config`.
    pub fn new(config: MetricsConfig) -> Self {
        MetricsTally {
            config,
            totals: Totals::default(),
        }
    }

    /// The configuration the metrics follow.
    pub fn config(&self) -> &MetricsConfig {
        &self.config
    }

    /// Counts one customer's journey: `touchpoints`, in any order. A
    /// customer without touchpoints counts for nothing.
    ///
    /// Linear in the number of touchpoints, after sorting them (by
    /// reference: nothing is copied). Give each customer once: touchpoints
    /// of one customer given in two calls count as two customers.
    pub fn add<'a>(&mut self, touchpoints: impl IntoIterator<Item = &'a Touchpoint>) {
        let mut journey: Vec<&Touchpoint> = touchpoints.into_iter().collect();
        // Stable, so that of two copies of one event the first given stays.
        journey.sort_by(|a, b| journey_order(a, b));
        journey.dedup_by(|later, earlier| same_event(later, earlier));
        self.totals.add(&Contribution::of(&journey, &self.config));
    }

    /// Adds everything `other` counted. Both should count with the same
    /// configuration: the metrics follow this tally's.
    pub fn merge(&mut self, other: &MetricsTally) {
        self.totals.merge(&other.totals);
    }

    /// The metrics over every journey counted.
    pub fn metrics(&self) -> Metrics {
        self.totals.metrics(&self.config)
    }
}
