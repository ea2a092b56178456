//! What the metrics are configured with: the window and the phase mapping.

use std::fmt;
use std::time::Duration;

use hashbrown::HashMap;
use serde::Serialize;

use super::touchpoint::{Known, Touchpoint};
use crate::identifier::Channel;
use crate::resolver::KNOWN_CHANNELS;

/// Built-in channels, numbered for bit sets and tables in the resolver's
/// order.
pub(super) const BUILT_IN_CHANNELS: usize = KNOWN_CHANNELS.len();

/// The number of a built-in channel (its place in [`KNOWN_CHANNELS`]);
/// `None` for a custom one.
pub(super) fn built_in_index(channel: &Channel) -> Option<usize> {
    Some(match channel {
        Channel::Web => 0,
        Channel::App => 1,
        Channel::Store => 2,
        Channel::Chat => 3,
        Channel::WhatsApp => 4,
        Channel::Messenger => 5,
        Channel::Email => 6,
        Channel::CallCenter => 7,
        Channel::Crm => 8,
        Channel::Custom(_) => return None,
    })
}

/// Phases of every built-in channel (or none, the last row) and known kind
/// (or none, the last column), looked up once per rule change rather than
/// three hash lookups per touchpoint.
type PhaseTable = [[Option<Phase>; Known::ALL.len() + 1]; BUILT_IN_CHANNELS + 1];

/// A phase of the customer journey.
///
/// ```
/// use idstitch::journey::Phase;
///
/// assert_eq!(Phase::ALL[0], Phase::Awareness);
/// assert_eq!(Phase::Decision.as_str(), "decision");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The customer meets the brand: page views, campaigns.
    Awareness,
    /// The customer weighs a purchase: searches, carts, questions.
    Consideration,
    /// The customer buys.
    Decision,
    /// After the sale: returns, support.
    Service,
    /// The customer comes back: logins, loyalty scans.
    Loyalty,
}

impl Phase {
    /// Every phase, in funnel order.
    pub const ALL: [Phase; 5] = [
        Phase::Awareness,
        Phase::Consideration,
        Phase::Decision,
        Phase::Service,
        Phase::Loyalty,
    ];

    /// The phase's name in lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Awareness => "awareness",
            Phase::Consideration => "consideration",
            Phase::Decision => "decision",
            Phase::Service => "service",
            Phase::Loyalty => "loyalty",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which journey phase a touchpoint belongs to, by its channel and kind.
///
/// A touchpoint takes the phase of the most specific rule that matches:
/// a rule for its channel *and* kind, else a rule for its kind on any
/// channel, else a rule for its channel with any kind, else the fallback
/// (none by default: the touchpoint is counted as unmapped).
///
/// The default mapping:
///
/// | rule | phase |
/// | --- | --- |
/// | kind `page_view` | awareness |
/// | kinds `search`, `cart`, `add_to_cart`, `chat_message`, `signup` | consideration |
/// | kinds `purchase`, `checkout`, `coupon_redeem` | decision |
/// | kind `return` | service |
/// | kinds `login`, `loyalty_scan`, `review` | loyalty |
/// | channels `web`, `app`, `email` (other kinds) | awareness |
/// | channels `chat`, `whatsapp`, `messenger`, `store` (other kinds) | consideration |
/// | channels `call_center`, `crm` (other kinds) | service |
///
/// ```
/// use idstitch::Channel;
/// use idstitch::journey::{Phase, PhaseMap};
///
/// let map = PhaseMap::default()
///     .with_rule(Some(Channel::CallCenter), Some("purchase"), Phase::Service)
///     .with_rule(None, None, Phase::Awareness);
/// assert_eq!(map.phase(Some(&Channel::Store), Some("purchase")), Some(Phase::Decision));
/// assert_eq!(map.phase(Some(&Channel::CallCenter), Some("purchase")), Some(Phase::Service));
/// assert_eq!(map.phase(Some(&Channel::Store), Some("visit")), Some(Phase::Consideration));
/// assert_eq!(map.phase(None, Some("unheard_of")), Some(Phase::Awareness));
/// assert_eq!(PhaseMap::empty().phase(Some(&Channel::Web), Some("page_view")), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PhaseMap {
    // Three maps rather than one keyed by (Option<Channel>, Option<String>):
    // lookups then borrow the touchpoint's `&str` kind instead of allocating.
    exact: HashMap<Channel, HashMap<Box<str>, Phase>>,
    by_kind: HashMap<Box<str>, Phase>,
    by_channel: HashMap<Channel, Phase>,
    fallback: Option<Phase>,
    table: PhaseTable,
}

impl PhaseMap {
    /// A mapping without rules: every touchpoint is unmapped.
    pub fn empty() -> Self {
        PhaseMap {
            exact: HashMap::new(),
            by_kind: HashMap::new(),
            by_channel: HashMap::new(),
            fallback: None,
            table: [[None; Known::ALL.len() + 1]; BUILT_IN_CHANNELS + 1],
        }
    }

    /// Adds (or replaces) a rule: touchpoints on `channel` (any channel if
    /// `None`) of `kind` (any kind if `None`) belong to `phase`. With both
    /// `None` it sets the fallback for touchpoints no other rule matches.
    pub fn with_rule(mut self, channel: Option<Channel>, kind: Option<&str>, phase: Phase) -> Self {
        match (channel, kind) {
            (Some(channel), Some(kind)) => {
                self.exact
                    .entry(channel)
                    .or_default()
                    .insert(kind.into(), phase);
            }
            (None, Some(kind)) => {
                self.by_kind.insert(kind.into(), phase);
            }
            (Some(channel), None) => {
                self.by_channel.insert(channel, phase);
            }
            (None, None) => self.fallback = Some(phase),
        }
        self.fill_table();
        self
    }

    fn fill_table(&mut self) {
        let mut table = self.table;
        for (row, channel) in table
            .iter_mut()
            .zip(KNOWN_CHANNELS.iter().map(Some).chain([None]))
        {
            for (cell, kind) in row
                .iter_mut()
                .zip(Known::ALL.iter().map(|(_, name)| Some(*name)).chain([None]))
            {
                *cell = self.phase(channel, kind);
            }
        }
        self.table = table;
    }

    /// [`phase`](Self::phase) of a touchpoint, from the table when its
    /// channel and kind are built in.
    pub(super) fn phase_of(&self, touchpoint: &Touchpoint) -> Option<Phase> {
        let row = match touchpoint.channel() {
            Some(channel) => built_in_index(channel),
            None => Some(BUILT_IN_CHANNELS),
        };
        let column = match (touchpoint.known(), touchpoint.kind()) {
            (Some(known), _) => Some(known as usize),
            (None, None) => Some(Known::ALL.len()),
            (None, Some(_)) => None,
        };
        match (row, column) {
            (Some(row), Some(column)) => self.table[row][column],
            _ => self.phase(touchpoint.channel(), touchpoint.kind()),
        }
    }

    /// The phase of a touchpoint on `channel` of `kind`, `None` if no rule
    /// matches.
    pub fn phase(&self, channel: Option<&Channel>, kind: Option<&str>) -> Option<Phase> {
        let exact = || {
            self.exact
                .get(channel?)
                .and_then(|kinds| kinds.get(kind?))
                .copied()
        };
        exact()
            .or_else(|| self.by_kind.get(kind?).copied())
            .or_else(|| self.by_channel.get(channel?).copied())
            .or(self.fallback)
    }
}

impl fmt::Debug for PhaseMap {
    /// The rules; the lookup table derived from them is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhaseMap")
            .field("exact", &self.exact)
            .field("by_kind", &self.by_kind)
            .field("by_channel", &self.by_channel)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

impl Default for PhaseMap {
    fn default() -> Self {
        let kinds = [
            ("page_view", Phase::Awareness),
            ("search", Phase::Consideration),
            ("cart", Phase::Consideration),
            ("add_to_cart", Phase::Consideration),
            ("chat_message", Phase::Consideration),
            ("signup", Phase::Consideration),
            ("purchase", Phase::Decision),
            ("checkout", Phase::Decision),
            ("coupon_redeem", Phase::Decision),
            ("return", Phase::Service),
            ("login", Phase::Loyalty),
            ("loyalty_scan", Phase::Loyalty),
            ("review", Phase::Loyalty),
        ];
        let channels = [
            (Channel::Web, Phase::Awareness),
            (Channel::App, Phase::Awareness),
            (Channel::Email, Phase::Awareness),
            (Channel::Chat, Phase::Consideration),
            (Channel::WhatsApp, Phase::Consideration),
            (Channel::Messenger, Phase::Consideration),
            (Channel::Store, Phase::Consideration),
            (Channel::CallCenter, Phase::Service),
            (Channel::Crm, Phase::Service),
        ];
        let map = kinds
            .into_iter()
            .fold(PhaseMap::empty(), |map, (kind, phase)| {
                map.with_rule(None, Some(kind), phase)
            });
        channels.into_iter().fold(map, |map, (channel, phase)| {
            map.with_rule(Some(channel), None, phase)
        })
    }
}

/// How journey metrics are computed: the window and the phase mapping.
///
/// ```
/// use std::time::Duration;
/// use idstitch::journey::{MetricsConfig, PhaseMap};
///
/// let config = MetricsConfig::default();
/// assert_eq!(config.window(), Duration::from_secs(7 * 86_400));
/// let config = MetricsConfig::new().with_window_days(14).with_phases(PhaseMap::empty());
/// assert_eq!(config.window(), Duration::from_secs(14 * 86_400));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    window: Duration,
    phases: PhaseMap,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            window: Duration::from_secs(7 * 86_400),
            phases: PhaseMap::default(),
        }
    }
}

impl MetricsConfig {
    /// The default configuration: a window of 7 days, the default
    /// [`PhaseMap`].
    pub fn new() -> Self {
        MetricsConfig::default()
    }

    /// Sets the window of the window metrics (ROPO, reverse ROPO,
    /// chat-assisted purchases). Kept to the millisecond.
    ///
    /// ```
    /// use std::time::Duration;
    /// use idstitch::journey::MetricsConfig;
    ///
    /// let config = MetricsConfig::new().with_window(Duration::from_secs(3600));
    /// assert_eq!(config.window().as_secs(), 3600);
    /// ```
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets the window to `days` days.
    pub fn with_window_days(self, days: u32) -> Self {
        self.with_window(Duration::from_secs(u64::from(days) * 86_400))
    }

    /// Sets the phase mapping.
    pub fn with_phases(mut self, phases: PhaseMap) -> Self {
        self.phases = phases;
        self
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The phase mapping.
    pub fn phases(&self) -> &PhaseMap {
        &self.phases
    }

    pub(super) fn window_millis(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_numbers_follow_the_resolvers_order() {
        for (number, channel) in KNOWN_CHANNELS.iter().enumerate() {
            assert_eq!(built_in_index(channel), Some(number));
        }
        assert_eq!(built_in_index(&"kiosk".parse().unwrap()), None);
    }
}
