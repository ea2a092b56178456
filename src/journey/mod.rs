//! Customer journeys and omnichannel metrics: ROPO, reverse ROPO, store
//! returns of online orders, chat-assisted purchases, multichannel share,
//! journey phases and channel transitions, with and without identity
//! resolution.
//!
//! The module works from plain inputs: [`Touchpoint`]s, each assigned to a
//! customer key. With resolution the key is a
//! [`ProfileId`](crate::ProfileId); the unresolved baseline
//! ([`Journeys::unresolved`]) keys each event by its first raw identifier
//! ([`UnresolvedKey`]). [`Journeys`] keeps every customer's [`Journey`] in
//! time order and follows merges and splits, recomputing only the journeys
//! they touch: keyed by profile, [`Journeys::follow`] keeps them in step with
//! a [`Resolver`](crate::Resolver) as events arrive and its profiles merge,
//! get renamed or split ([`Journeys::apply_change`], [`Journeys::refresh`]
//! after [`Resolver::forget`](crate::Resolver::forget)).
//! [`Journeys::metrics`] gives the [`Metrics`], and a [`Report`] puts both
//! sides together as a table, JSON and an SVG chart. Where the journeys
//! are needed once, for their metrics only, a [`MetricsTally`] counts each
//! journey from references to its touchpoints and keeps nothing of it.
//!
//! ```
//! use idstitch::journey::{Journeys, MetricsConfig, Touchpoint};
//! use idstitch::{Channel, Timestamp};
//!
//! let day = |d: i64| Timestamp::from_unix_millis(d * 86_400_000);
//! let mut journeys = Journeys::new(MetricsConfig::default());
//! // Two strangers so far: a cookie that searched, a loyalty card that bought.
//! journeys.add("cookie", Touchpoint::new("e1").with_ts(day(1))
//!     .with_channel(Channel::Web).with_kind("search").with_product("sku-42"));
//! journeys.add("card", Touchpoint::new("e2").with_ts(day(4))
//!     .with_channel(Channel::Store).with_kind("purchase").with_product("sku-42"));
//! assert_eq!(journeys.metrics().ropo_purchases, 0);
//!
//! // Resolution finds they are one person: research online, purchase offline.
//! journeys.merge("card", &"cookie");
//! let metrics = journeys.metrics();
//! assert_eq!((metrics.offline_purchases, metrics.ropo_purchases), (1, 1));
//! assert_eq!(metrics.ropo_product_purchases, 1);
//! assert_eq!(metrics.multichannel_profiles, 1);
//!
//! // And if that link is undone, the journeys split again.
//! journeys.split(&"card", |touchpoint| if touchpoint.event_id() == "e1" { "cookie" } else { "card" });
//! assert_eq!(journeys.metrics().ropo_purchases, 0);
//! ```
//!
//! # Definitions
//!
//! Throughout, a *profile* is one customer key, its *journey* its
//! touchpoints in journey order: by time, untimed touchpoints last, ties by
//! event id. A touchpoint seen twice (same event id and time) is kept once.
//! The *window* is [`MetricsConfig::window`], 7 days by default. "Within the
//! window before" a purchase at time `p` means at a time `t` with
//! `t <= p` and `p - t <= window`: **equal times count** (an event log often
//! stamps a search and the order it led to with the same second), and so
//! does a gap of exactly the window.
//!
//! - **Purchase**: a touchpoint of kind `purchase`. *Offline* on channel
//!   `store` or `call_center`, *online* on `web` or `app`.
//! - **Online research**: a touchpoint on `web` or `app` of kind
//!   `page_view`, `search`, `cart` or `add_to_cart`.
//! - **ROPO** (research online, purchase offline): an offline purchase with
//!   online research of the same profile within the window before it.
//!   *Product-level* when one such research touchpoint has the purchase's
//!   `product` (both must carry one). `ropo_rate` is ROPO purchases over
//!   offline purchases.
//! - **Reverse ROPO** (showrooming): an online purchase with a `store`
//!   touchpoint of any kind (a visit, a scan, a purchase, a return) within
//!   the window before it. `reverse_ropo_rate` is over online purchases.
//! - **Store returns of online orders**: touchpoints of kind `return` on
//!   `store` whose `order_id` is the `order_id` of an online purchase of the
//!   same profile. Not a window metric: returns may come weeks later, and
//!   untimed touchpoints count.
//! - **Chat-assisted purchase**: a purchase on any channel (or none) with a
//!   `chat`, `whatsapp` or `messenger` touchpoint within the window before
//!   it that is not itself a purchase (a purchase made in a chat does not
//!   assist itself).
//! - **Multichannel profile**: one with touchpoints on two or more distinct
//!   channels (touchpoints without a channel add none).
//!   `profiles_by_channel_count` lists profiles by channel count.
//! - **Spend by touchpoints**: profiles bucketed by number of touchpoints
//!   (1, 2, 3–4, 5–9, 10+), each bucket with its profiles, buyers, the sum
//!   of `order_value` over their purchases and the mean of that per profile
//!   (profiles without purchases count as zero). Amounts are summed as
//!   given, whatever their `currency`.
//! - **Phases**: each touchpoint is mapped to awareness, consideration,
//!   decision, service or loyalty by its channel and kind ([`PhaseMap`]); a
//!   profile reaches a phase when at least one of its touchpoints maps to it.
//!   Touchpoints no rule maps are counted as `unmapped_touchpoints`.
//! - **Channel transitions**: for each profile, consecutive timed touchpoints
//!   that have a channel, from the channel of one to the channel of the next
//!   (web → web included). Touchpoints without a channel are passed over;
//!   untimed ones have no place in the sequence and are left out.
//!
//! - **Without resolution** ([`Journeys::unresolved`]): every metric again,
//!   with each event's customer its first non-blank identifier, raw (not
//!   normalized), or the event itself when it has none ([`UnresolvedKey`]
//!   says why). [`Report`] holds both.
//!
//! Window metrics (ROPO, reverse ROPO, chat-assisted) and transitions use
//! timed touchpoints only; `purchases`, `offline_purchases` and
//! `online_purchases` count timed purchases, so that rates compare like with
//! like, and `untimed_touchpoints` / `untimed_purchases` say how many were
//! skipped. Everything else counts all touchpoints. An `order_value` that is
//! not a decimal number is counted in `invalid_order_values` and left out of
//! sums.
//!
//! # Cost
//! A journey's contribution is computed in one pass over its touchpoints in
//! time order: the latest earlier research, store visit and conversation
//! (and research per product) are carried along, never searched for, and
//! channel pairs are counted as they pass. A
//! change to a journey recomputes that journey only; totals are sums of
//! integers, updated by subtracting the old contribution and adding the new,
//! so they always equal a recomputation from scratch.

mod config;
mod follow;
mod metrics;
mod report;
mod svg;
mod tally;
mod touchpoint;
mod unresolved;

#[cfg(test)]
mod tests;

use std::hash::Hash;

use hashbrown::HashMap;

pub use config::{MetricsConfig, Phase, PhaseMap};
pub use metrics::{ChannelCount, Metrics, PhaseReach, SpendBucket, Transition};
pub use report::Report;
pub use tally::MetricsTally;
pub use touchpoint::{Amount, AmountError, Touchpoint, TouchpointError};
pub use unresolved::UnresolvedKey;

use metrics::{Contribution, Totals};
use touchpoint::{journey_order, same_event};

use crate::event::Event;

/// One customer's touchpoints in journey order: by time, untimed last, ties
/// by event id; each (event id, time) at most once.
///
/// ```
/// use idstitch::journey::{Journey, Touchpoint};
/// use idstitch::Timestamp;
///
/// let journey = Journey::new([
///     Touchpoint::new("b"),
///     Touchpoint::new("c").with_ts(Timestamp::from_unix_millis(2_000)),
///     Touchpoint::new("a"),
///     Touchpoint::new("d").with_ts(Timestamp::from_unix_millis(1_000)),
///     Touchpoint::new("a"),
/// ]);
/// let ids: Vec<&str> = journey.touchpoints().iter().map(|t| t.event_id()).collect();
/// assert_eq!(ids, ["d", "c", "a", "b"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journey {
    touchpoints: Vec<Touchpoint>,
}

impl Journey {
    /// A journey of `touchpoints`, put in journey order; a touchpoint with
    /// the event id and time of an earlier one is dropped.
    pub fn new(touchpoints: impl IntoIterator<Item = Touchpoint>) -> Self {
        let mut touchpoints: Vec<Touchpoint> = touchpoints.into_iter().collect();
        // Stable, so that of two copies of one event the first given stays.
        touchpoints.sort_by(journey_order);
        touchpoints.dedup_by(|later, earlier| same_event(later, earlier));
        Journey { touchpoints }
    }

    /// The touchpoints in journey order.
    pub fn touchpoints(&self) -> &[Touchpoint] {
        &self.touchpoints
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.touchpoints.len()
    }

    /// Whether the journey has no touchpoints.
    pub fn is_empty(&self) -> bool {
        self.touchpoints.is_empty()
    }

    /// The metrics of this journey alone, as one profile.
    ///
    /// ```
    /// use idstitch::journey::{Journey, MetricsConfig, Touchpoint};
    /// use idstitch::{Channel, Timestamp};
    ///
    /// let hour = |h: i64| Timestamp::from_unix_millis(h * 3_600_000);
    /// let journey = Journey::new([
    ///     Touchpoint::new("e1").with_ts(hour(0)).with_channel(Channel::WhatsApp).with_kind("chat_message"),
    ///     Touchpoint::new("e2").with_ts(hour(5)).with_channel(Channel::Web).with_kind("purchase"),
    /// ]);
    /// let metrics = journey.metrics(&MetricsConfig::default());
    /// assert_eq!((metrics.purchases, metrics.chat_assisted_purchases), (1, 1));
    /// assert_eq!(metrics.transitions.len(), 1);
    /// ```
    pub fn metrics(&self, config: &MetricsConfig) -> Metrics {
        let mut totals = Totals::default();
        totals.add(&Contribution::of(&self.touchpoints, config));
        totals.metrics(config)
    }

    /// Where `touchpoint` goes: `Ok` if the same event is already here.
    fn position(&self, touchpoint: &Touchpoint) -> Result<usize, usize> {
        self.touchpoints
            .binary_search_by(|probe| journey_order(probe, touchpoint))
    }

    /// Both journeys' touchpoints in journey order, in linear time; of the
    /// same event in both, `self`'s copy is kept.
    fn merged(self, other: Journey) -> Journey {
        if other.is_empty() {
            return self;
        }
        if self.is_empty() {
            return other;
        }
        let mut touchpoints = Vec::with_capacity(self.len() + other.len());
        let mut left = self.touchpoints.into_iter().peekable();
        let mut right = other.touchpoints.into_iter().peekable();
        while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
            match journey_order(a, b) {
                std::cmp::Ordering::Greater => touchpoints.extend(right.next()),
                std::cmp::Ordering::Less => touchpoints.extend(left.next()),
                std::cmp::Ordering::Equal => {
                    touchpoints.extend(left.next());
                    right.next();
                }
            }
        }
        touchpoints.extend(left);
        touchpoints.extend(right);
        Journey { touchpoints }
    }
}

impl FromIterator<Touchpoint> for Journey {
    fn from_iter<I: IntoIterator<Item = Touchpoint>>(touchpoints: I) -> Self {
        Journey::new(touchpoints)
    }
}

#[derive(Debug, Clone, Default)]
struct Entry {
    journey: Journey,
    /// What `journey` adds to the totals, kept to be subtracted on change.
    contribution: Contribution,
}

/// Every customer's journey, keyed by a customer key `K`, with running
/// metrics totals.
///
/// Changes recompute only the journeys they touch: [`add`](Self::add) a
/// touchpoint, [`merge`](Self::merge) one customer into another,
/// [`split`](Self::split) a customer into parts, [`remove`](Self::remove)
/// one. Each journey's contribution to the totals is cached and replaced by
/// subtracting it and adding the new one, so [`metrics`](Self::metrics)
/// always equals a recomputation from scratch.
///
/// `K` is any key: [`ProfileId`](crate::ProfileId) following a resolver,
/// [`UnresolvedKey`] for the baseline, or your own.
///
/// ```
/// use idstitch::journey::{Journeys, MetricsConfig, Touchpoint};
/// use idstitch::{Channel, Timestamp};
///
/// let ts = |secs: i64| Timestamp::from_unix_millis(secs * 1000);
/// let mut journeys = Journeys::from_touchpoints(MetricsConfig::default(), [
///     (1_u32, Touchpoint::new("e1").with_ts(ts(0)).with_channel(Channel::Store).with_kind("visit")),
///     (2, Touchpoint::new("e2").with_ts(ts(60)).with_channel(Channel::App).with_kind("purchase")),
/// ]);
/// assert_eq!(journeys.metrics().reverse_ropo_purchases, 0);
/// assert!(journeys.merge(1, &2));
/// assert_eq!(journeys.len(), 1);
/// assert_eq!(journeys.journey(&1).unwrap().len(), 2);
/// assert_eq!(journeys.metrics().reverse_ropo_purchases, 1);
/// ```
#[derive(Debug, Clone)]
pub struct Journeys<K> {
    config: MetricsConfig,
    /// Customer → index in `slots`. Journeys live in a slab rather than in
    /// the map so that the map's slots stay small (cheap to probe and to
    /// grow) and a batch can remember the journeys it touched by index,
    /// without cloning keys or hashing them again.
    index: HashMap<K, u32>,
    slots: Vec<Entry>,
    /// Slots of removed journeys, reused first.
    free: Vec<u32>,
    totals: Totals,
}

impl<K: Eq + Hash + Clone> Journeys<K> {
    /// No journeys yet; metrics will follow `config`.
    pub fn new(config: MetricsConfig) -> Self {
        Journeys {
            config,
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            totals: Totals::default(),
        }
    }

    /// Journeys of `touchpoints`, each with its customer: a batch
    /// [`extend`](Extend::extend) on empty journeys.
    pub fn from_touchpoints(
        config: MetricsConfig,
        touchpoints: impl IntoIterator<Item = (K, Touchpoint)>,
    ) -> Self {
        let mut journeys = Journeys::new(config);
        journeys.extend(touchpoints);
        journeys
    }

    /// Journeys of whole `journeys`, each with its customer; a customer
    /// given twice gets both journeys merged.
    ///
    /// Each journey is counted once, so where touchpoints can be gathered
    /// by customer first (a baseline whose customers never change), this
    /// builds the journeys for the least work, without holding a
    /// `(customer, touchpoint)` pair per touchpoint.
    ///
    /// ```
    /// use idstitch::journey::{Journey, Journeys, MetricsConfig, Touchpoint};
    ///
    /// let journeys = Journeys::from_journeys(MetricsConfig::default(), [
    ///     ("a", Journey::new([Touchpoint::new("e1"), Touchpoint::new("e2")])),
    ///     ("b", Journey::new([Touchpoint::new("e3")])),
    ///     ("a", Journey::new([Touchpoint::new("e4")])),
    /// ]);
    /// assert_eq!(journeys.len(), 2);
    /// assert_eq!(journeys.journey(&"a").unwrap().len(), 3);
    /// assert_eq!(journeys.metrics().touchpoints, 4);
    /// ```
    pub fn from_journeys(
        config: MetricsConfig,
        journeys: impl IntoIterator<Item = (K, Journey)>,
    ) -> Self {
        let mut all = Journeys::new(config);
        let journeys = journeys.into_iter();
        all.index.reserve(journeys.size_hint().0);
        all.slots.reserve(journeys.size_hint().0);
        for (customer, journey) in journeys {
            match all.take(&customer) {
                Some(kept) => all.put(customer, kept.merged(journey)),
                None => all.put(customer, journey),
            }
        }
        all
    }

    /// Journeys of `events`, each event's touchpoint
    /// ([`Touchpoint::from_event`]) going to the customer `customer` returns
    /// for it; events for which it returns `None` are left out.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig};
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let events = [
    ///     Event::new("e1").with_identifier(Identifier::email("jan@example.com")),
    ///     Event::new("e2").with_identifier(Identifier::email("Jan@Example.com ")),
    /// ];
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// for event in &events {
    ///     resolver.observe(event)?;
    /// }
    /// let resolved = Journeys::from_events(MetricsConfig::default(), &events, |event| {
    ///     resolver.event_profile(event.id())
    /// });
    /// assert_eq!(resolved.len(), 1);
    /// let unresolved = Journeys::unresolved(MetricsConfig::default(), &events);
    /// assert_eq!(unresolved.len(), 2);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn from_events<'a>(
        config: MetricsConfig,
        events: impl IntoIterator<Item = &'a Event>,
        mut customer: impl FnMut(&Event) -> Option<K>,
    ) -> Self {
        let touchpoints = events
            .into_iter()
            .filter_map(|event| Some((customer(event)?, Touchpoint::from_event(event))));
        Journeys::from_touchpoints(config, touchpoints)
    }

    /// The configuration the metrics follow.
    pub fn config(&self) -> &MetricsConfig {
        &self.config
    }

    /// Number of customers (with at least one touchpoint).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no journeys.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The journey of `customer`.
    pub fn journey(&self, customer: &K) -> Option<&Journey> {
        let slot = *self.index.get(customer)?;
        Some(&self.slots[slot as usize].journey)
    }

    /// Every customer and journey, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Journey)> + '_ {
        self.index
            .iter()
            .map(|(key, slot)| (key, &self.slots[*slot as usize].journey))
    }

    /// The metrics over all journeys. Costs the size of the transition
    /// matrix, not of the journeys: totals are kept up to date as they change.
    pub fn metrics(&self) -> Metrics {
        self.totals.metrics(&self.config)
    }

    /// Adds `touchpoint` to `customer`'s journey (creating it), in journey
    /// order; `false` if the same event (id and time) is already there.
    ///
    /// Recomputes that journey: linear in its length. To add many
    /// touchpoints, [`extend`](Extend::extend) recomputes each journey once.
    pub fn add(&mut self, customer: K, touchpoint: Touchpoint) -> bool {
        let Some(&slot) = self.index.get(&customer) else {
            self.put(customer, Journey::new([touchpoint]));
            return true;
        };
        let entry = &mut self.slots[slot as usize];
        let Err(at) = entry.journey.position(&touchpoint) else {
            return false;
        };
        self.totals.subtract(&entry.contribution);
        entry.journey.touchpoints.insert(at, touchpoint);
        entry.contribution = Contribution::of(&entry.journey.touchpoints, &self.config);
        self.totals.add(&entry.contribution);
        true
    }

    /// Moves every touchpoint of `from` into `into` (creating `into` if it
    /// has none, which renames `from`); `from` is gone afterwards. `false`
    /// if `from` has no journey or is `into`.
    ///
    /// Linear in the two journeys' lengths.
    pub fn merge(&mut self, into: K, from: &K) -> bool {
        if into == *from {
            return false;
        }
        let Some(moved) = self.take(from) else {
            return false;
        };
        let kept = self.take(&into).unwrap_or_default();
        self.put(into, kept.merged(moved));
        true
    }

    /// Splits `from`: each touchpoint goes to the customer `assign` gives
    /// it; those assigned to `from` stay. A part whose customer already has
    /// a journey is merged into it. Returns how many touchpoints moved
    /// (`0` when `from` has no journey).
    ///
    /// To follow a resolver's splits, [`Journeys::refresh`] (or
    /// [`Journeys::follow`]) assigns each touchpoint to the profile the
    /// resolver has its event in.
    ///
    /// ```
    /// use idstitch::journey::{Journeys, MetricsConfig, Touchpoint};
    ///
    /// let mut journeys = Journeys::from_touchpoints(MetricsConfig::default(),
    ///     ["e1", "e2", "e3"].map(|id| ("a", Touchpoint::new(id))));
    /// let moved = journeys.split(&"a", |t| if t.event_id() == "e1" { "a" } else { "b" });
    /// assert_eq!(moved, 2);
    /// assert_eq!(journeys.journey(&"b").unwrap().len(), 2);
    /// ```
    pub fn split(&mut self, from: &K, mut assign: impl FnMut(&Touchpoint) -> K) -> usize {
        let Some(journey) = self.take(from) else {
            return 0;
        };
        let mut stay = Vec::new();
        let mut parts: HashMap<K, Vec<Touchpoint>> = HashMap::new();
        for touchpoint in journey.touchpoints {
            let customer = assign(&touchpoint);
            if customer == *from {
                stay.push(touchpoint);
            } else {
                parts.entry(customer).or_default().push(touchpoint);
            }
        }
        // Subsequences of a journey are in journey order already.
        self.put(from.clone(), Journey { touchpoints: stay });
        let mut moved = 0;
        for (customer, touchpoints) in parts {
            moved += touchpoints.len();
            let kept = self.take(&customer).unwrap_or_default();
            self.put(customer, kept.merged(Journey { touchpoints }));
        }
        moved
    }

    /// Removes `customer`'s journey and returns it.
    pub fn remove(&mut self, customer: &K) -> Option<Journey> {
        self.take(customer)
    }

    /// Removes the touchpoints of event `event_id` from `customer`'s journey
    /// (an erased event); returns how many were removed.
    pub fn remove_event(&mut self, customer: &K, event_id: &str) -> usize {
        let Some(journey) = self.journey(customer) else {
            return 0;
        };
        if !journey.touchpoints.iter().any(|t| t.event_id() == event_id) {
            return 0;
        }
        let mut journey = self.take(customer).unwrap_or_default();
        let before = journey.len();
        journey.touchpoints.retain(|t| t.event_id() != event_id);
        let removed = before - journey.len();
        self.put(customer.clone(), journey);
        removed
    }

    /// Touchpoints in all journeys.
    fn touchpoint_count(&self) -> usize {
        usize::try_from(self.totals.touchpoints()).unwrap_or(usize::MAX)
    }

    /// Takes `customer`'s journey out, its contribution out of the totals.
    fn take(&mut self, customer: &K) -> Option<Journey> {
        let slot = self.index.remove(customer)?;
        let entry = std::mem::take(&mut self.slots[slot as usize]);
        self.free.push(slot);
        self.totals.subtract(&entry.contribution);
        Some(entry.journey)
    }

    /// A slot for a new journey: a free one, else a new one at the end.
    fn new_slot(slots: &mut Vec<Entry>, free: &mut Vec<u32>) -> u32 {
        free.pop().unwrap_or_else(|| {
            slots.push(Entry::default());
            // More than 2³² customers would not fit in memory anyway.
            u32::try_from(slots.len() - 1).unwrap_or(u32::MAX)
        })
    }

    /// Puts a journey in order back under `customer` (which has none), its
    /// contribution into the totals. An empty journey is dropped.
    fn put(&mut self, customer: K, journey: Journey) {
        if journey.is_empty() {
            return;
        }
        let contribution = Contribution::of(&journey.touchpoints, &self.config);
        self.totals.add(&contribution);
        let slot = Self::new_slot(&mut self.slots, &mut self.free);
        self.slots[slot as usize] = Entry {
            journey,
            contribution,
        };
        let replaced = self.index.insert(customer, slot);
        debug_assert!(replaced.is_none(), "put over a journey that was not taken");
    }
}

impl<K: Eq + Hash + Clone> Extend<(K, Touchpoint)> for Journeys<K> {
    /// Adds many touchpoints, recomputing each touched journey once.
    fn extend<I: IntoIterator<Item = (K, Touchpoint)>>(&mut self, touchpoints: I) {
        // Touchpoints are appended where they belong right away; a journey's
        // contribution leaves the totals when it is first touched and comes
        // back once, after sorting, for all of its new touchpoints.
        let mut touched: Vec<u32> = Vec::new();
        for (customer, touchpoint) in touchpoints {
            let slot = match self.index.entry(customer) {
                hashbrown::hash_map::Entry::Occupied(occupied) => *occupied.get(),
                hashbrown::hash_map::Entry::Vacant(vacant) => {
                    *vacant.insert(Self::new_slot(&mut self.slots, &mut self.free))
                }
            };
            let entry = &mut self.slots[slot as usize];
            if entry.contribution.is_counted() {
                self.totals.subtract(&entry.contribution);
                entry.contribution = Contribution::default();
                touched.push(slot);
            } else if entry.journey.is_empty() {
                touched.push(slot);
            }
            entry.journey.touchpoints.push(touchpoint);
        }
        for slot in touched {
            let entry = &mut self.slots[slot as usize];
            let touchpoints = &mut entry.journey.touchpoints;
            // Stable and run-aware: the journey's old part is one sorted
            // run, and of two copies of an event the old one stays.
            touchpoints.sort_by(journey_order);
            touchpoints.dedup_by(|later, earlier| same_event(later, earlier));
            entry.contribution = Contribution::of(touchpoints, &self.config);
            self.totals.add(&entry.contribution);
        }
    }
}

impl Journeys<UnresolvedKey> {
    /// The unresolved baseline: journeys of `events` with each event's
    /// customer its [`UnresolvedKey`], its first raw identifier (or the event
    /// itself when it has none). This is what separate systems see, each
    /// knowing a customer by its own identifier.
    pub fn unresolved<'a>(
        config: MetricsConfig,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Self {
        Journeys::from_events(config, events, |event| Some(UnresolvedKey::of(event)))
    }
}
