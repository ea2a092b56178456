//! The metrics: what one journey contributes, the running totals, and the
//! figures derived from them.
//!
//! Every figure is a sum over journeys of integer contributions, so keeping
//! totals incrementally (subtract a journey's old contribution, add its new
//! one) gives exactly what a recomputation from scratch gives. Rates and
//! means are derived from the totals only when [`Metrics`] are read.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};

use hashbrown::HashMap;
use serde::Serialize;

use super::config::{BUILT_IN_CHANNELS, MetricsConfig, Phase, built_in_index};
use super::touchpoint::{Known, SCALE, Touchpoint};
use crate::identifier::Channel;
use crate::resolver::KNOWN_CHANNELS;

/// Integer counters, named by [`Count`]: `u32` per journey (a journey has
/// fewer than 2³² touchpoints; half the size of `u64` for a cached value
/// per customer), `u64` in the totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts<T>([T; Count::LEN]);

#[derive(Debug, Clone, Copy)]
enum Count {
    Profiles,
    Touchpoints,
    Untimed,
    UntimedPurchases,
    InvalidOrderValues,
    Purchases,
    OfflinePurchases,
    Ropo,
    RopoProduct,
    RopoProfiles,
    OnlinePurchases,
    ReverseRopo,
    StoreReturns,
    StoreReturnsOfOnline,
    ChatAssisted,
    Multichannel,
    Unmapped,
}

impl Count {
    const LEN: usize = Count::Unmapped as usize + 1;
}

impl<T> Index<Count> for Counts<T> {
    type Output = T;

    fn index(&self, count: Count) -> &T {
        &self.0[count as usize]
    }
}

impl<T> IndexMut<Count> for Counts<T> {
    fn index_mut(&mut self, count: Count) -> &mut T {
        &mut self.0[count as usize]
    }
}

/// The touchpoint-count buckets of [`Metrics::spend_by_touchpoints`]: lowest
/// count of each.
const BUCKET_FLOORS: [u64; 5] = [1, 2, 3, 5, 10];

fn bucket_of(touchpoints: u64) -> usize {
    BUCKET_FLOORS
        .iter()
        .rposition(|floor| touchpoints >= *floor)
        .unwrap_or(0)
}

/// What one journey adds to the totals. Cached per journey so that a change
/// to it is applied to the totals as "subtract old, add new".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Contribution {
    counts: Counts<u32>,
    channels: u32,
    /// Sum of order values of purchases, in ten-thousandths. `i128`: the sum
    /// of a million `i64` amounts must not overflow.
    order_value: i128,
    is_buyer: bool,
    /// Bit `p` set when the journey reaches phase `p`.
    phases: u8,
    /// Consecutive pairs of built-in channels, by their numbers
    /// ([`built_in_index`]), and how often each occurs: a byte each rather
    /// than a [`Channel`] of sixteen.
    transitions: Box<[(u8, u8, u32)]>,
    /// Consecutive pairs with a custom channel (most journeys have none,
    /// and an empty list allocates nothing).
    custom_transitions: Box<[(Channel, Channel, u32)]>,
}

fn is_offline_sale_channel(channel: &Channel) -> bool {
    matches!(channel, Channel::Store | Channel::CallCenter)
}

fn is_conversation_channel(channel: &Channel) -> bool {
    matches!(
        channel,
        Channel::Chat | Channel::WhatsApp | Channel::Messenger
    )
}

fn is_research(tp: &Touchpoint) -> bool {
    matches!(
        tp.known(),
        Some(Known::PageView | Known::Search | Known::Cart | Known::AddToCart)
    ) && tp.channel().is_some_and(Channel::is_online)
}

/// Whether `earlier` (at or before `later`) lies within `window` of it.
fn within(earlier: Option<i64>, later: i64, window: i64) -> bool {
    earlier.is_some_and(|earlier| i128::from(later) - i128::from(earlier) <= i128::from(window))
}

/// Distinct channels of a journey: a bit per built-in channel, so that the
/// usual journey allocates nothing; custom names are deduplicated at the end.
#[derive(Default)]
struct ChannelSet<'a> {
    built_in: u16,
    custom: Vec<&'a str>,
}

impl<'a> ChannelSet<'a> {
    fn insert(&mut self, channel: &'a Channel) {
        match built_in_index(channel) {
            Some(bit) => self.built_in |= 1 << bit,
            None => self.custom.push(channel.as_str()),
        }
    }

    fn len(mut self) -> usize {
        self.custom.sort_unstable();
        self.custom.dedup();
        self.built_in.count_ones() as usize + self.custom.len()
    }
}

/// The latest research time per product: a short list while there are few
/// products (the usual case: no hashing, and on the stack), a map beyond.
#[derive(Default)]
struct LatestByProduct<'a> {
    few: [(&'a str, i64); FEW_PRODUCTS],
    len: usize,
    many: Option<HashMap<&'a str, i64>>,
}

/// Products [`LatestByProduct`] keeps in a list before it takes a map.
const FEW_PRODUCTS: usize = 16;

impl<'a> LatestByProduct<'a> {
    fn set(&mut self, product: &'a str, at: i64) {
        if let Some(many) = &mut self.many {
            many.insert(product, at);
        } else if let Some(slot) = self.few[..self.len].iter_mut().find(|(p, _)| *p == product) {
            slot.1 = at;
        } else if self.len < FEW_PRODUCTS {
            self.few[self.len] = (product, at);
            self.len += 1;
        } else {
            let mut many: HashMap<&str, i64> = self.few.iter().copied().collect();
            many.insert(product, at);
            self.many = Some(many);
        }
    }

    fn get(&self, product: &str) -> Option<i64> {
        match &self.many {
            Some(many) => many.get(product).copied(),
            None => self.few[..self.len]
                .iter()
                .find(|(p, _)| *p == product)
                .map(|(_, at)| *at),
        }
    }
}

impl Contribution {
    /// The contribution of one journey, its touchpoints in journey order.
    ///
    /// Linear in the journey's length (up to sorting custom channel names
    /// and online order ids, which most journeys do not have): window metrics
    /// only need, at each purchase, the latest earlier touchpoint of each
    /// sort, which a single pass in time order keeps. Generic so that a
    /// journey kept as references to touchpoints held elsewhere
    /// ([`MetricsTally`](super::MetricsTally)) is counted without copies.
    pub(super) fn of<T: Borrow<Touchpoint>>(touchpoints: &[T], config: &MetricsConfig) -> Self {
        let mut contribution = Contribution::default();
        if touchpoints.is_empty() {
            return contribution;
        }
        let counts = &mut contribution.counts;
        counts[Count::Profiles] = 1;
        counts[Count::Touchpoints] = u32::try_from(touchpoints.len()).unwrap_or(u32::MAX);

        let mut channels = ChannelSet::default();
        // Online orders are only gathered (in a second pass) for journeys
        // with store returns of an order: most have none, and allocate nothing.
        let mut store_returns: Vec<&str> = Vec::new();
        for tp in touchpoints.iter().map(Borrow::borrow) {
            let purchase = tp.is(Known::Purchase);
            if tp.ts().is_none() {
                counts[Count::Untimed] += 1;
                counts[Count::UntimedPurchases] += u32::from(purchase);
            }
            if tp.error().is_some() {
                counts[Count::InvalidOrderValues] += 1;
            }
            if let Some(channel) = tp.channel() {
                channels.insert(channel);
            }
            match config.phases().phase_of(tp) {
                Some(phase) => contribution.phases |= 1 << phase.index(),
                None => counts[Count::Unmapped] += 1,
            }
            if purchase {
                contribution.is_buyer = true;
                if let Some(value) = tp.order_value() {
                    contribution.order_value += i128::from(value.ten_thousandths());
                }
            } else if tp.is(Known::Return) && tp.on(&Channel::Store) {
                counts[Count::StoreReturns] += 1;
                if let Some(order) = tp.order_id() {
                    store_returns.push(order);
                }
            }
        }
        let distinct = channels.len();
        contribution.channels = u32::try_from(distinct).unwrap_or(u32::MAX);
        counts[Count::Multichannel] = u32::from(distinct >= 2);
        if !store_returns.is_empty() {
            let mut online_orders: Vec<&str> = touchpoints
                .iter()
                .map(Borrow::borrow)
                .filter(|tp: &&Touchpoint| {
                    tp.is(Known::Purchase) && tp.channel().is_some_and(Channel::is_online)
                })
                .filter_map(Touchpoint::order_id)
                .collect();
            online_orders.sort_unstable();
            counts[Count::StoreReturnsOfOnline] = store_returns
                .iter()
                .filter(|order| online_orders.binary_search(order).is_ok())
                .count() as u32;
        }

        let timed = &touchpoints[..touchpoints.partition_point(|tp| tp.borrow().ts().is_some())];
        contribution.window_metrics(timed, config.window_millis());
        (contribution.transitions, contribution.custom_transitions) = transitions(timed);
        contribution
    }

    /// Whether this counts in the totals (an empty journey's does not).
    pub(super) fn is_counted(&self) -> bool {
        self.counts[Count::Profiles] != 0
    }

    /// ROPO, reverse ROPO and chat-assisted purchases over the timed
    /// touchpoints, in time order. Touchpoints with equal times form a group:
    /// the group's research, visits and conversations count for the group's
    /// purchases (equal timestamps count as "before").
    fn window_metrics<T: Borrow<Touchpoint>>(&mut self, timed: &[T], window: i64) {
        let counts = &mut self.counts;
        let mut last_research: Option<i64> = None;
        let mut last_store: Option<i64> = None;
        let mut last_conversation: Option<i64> = None;
        let mut research_by_product = LatestByProduct::default();
        let mut start = 0;
        while start < timed.len() {
            let now = timed[start].borrow().millis().unwrap_or_default();
            let end = start
                + timed[start..]
                    .iter()
                    .map(Borrow::borrow)
                    .take_while(|tp: &&Touchpoint| tp.millis() == Some(now))
                    .count();
            let group = &timed[start..end];
            for tp in group.iter().map(Borrow::borrow) {
                if is_research(tp) {
                    last_research = Some(now);
                    if let Some(product) = tp.product() {
                        research_by_product.set(product, now);
                    }
                }
                if tp.on(&Channel::Store) {
                    last_store = Some(now);
                }
                if tp.channel().is_some_and(is_conversation_channel) && !tp.is(Known::Purchase) {
                    last_conversation = Some(now);
                }
            }
            for tp in group
                .iter()
                .map(Borrow::borrow)
                .filter(|tp: &&Touchpoint| tp.is(Known::Purchase))
            {
                counts[Count::Purchases] += 1;
                if within(last_conversation, now, window) {
                    counts[Count::ChatAssisted] += 1;
                }
                let Some(channel) = tp.channel() else {
                    continue;
                };
                if is_offline_sale_channel(channel) {
                    counts[Count::OfflinePurchases] += 1;
                    if within(last_research, now, window) {
                        counts[Count::Ropo] += 1;
                        let researched = tp
                            .product()
                            .and_then(|product| research_by_product.get(product));
                        if within(researched, now, window) {
                            counts[Count::RopoProduct] += 1;
                        }
                    }
                } else if channel.is_online() {
                    counts[Count::OnlinePurchases] += 1;
                    if within(last_store, now, window) {
                        counts[Count::ReverseRopo] += 1;
                    }
                }
            }
            start = end;
        }
        counts[Count::RopoProfiles] = u32::from(counts[Count::Ropo] > 0);
    }
}

/// Counts of consecutive channel pairs over timed touchpoints that have a
/// channel (others are passed over): pairs of built-in channels by number,
/// in a table on the stack; pairs with a custom channel apart, sorted.
///
/// Custom pairs are few per journey, so they are counted in a short list;
/// past [`FEW_PAIRS`] a map takes over, keeping long journeys linear.
#[allow(clippy::type_complexity)]
fn transitions<T: Borrow<Touchpoint>>(
    timed: &[T],
) -> (Box<[(u8, u8, u32)]>, Box<[(Channel, Channel, u32)]>) {
    const FEW_PAIRS: usize = 24;
    let mut built_in = [[0_u32; BUILT_IN_CHANNELS]; BUILT_IN_CHANNELS];
    let mut pairs = 0;
    let mut few: Vec<(&Channel, &Channel, u32)> = Vec::new();
    let mut many: Option<HashMap<(&Channel, &Channel), u32>> = None;
    let mut previous: Option<&Channel> = None;
    for channel in timed.iter().filter_map(|tp| tp.borrow().channel()) {
        let Some(from) = previous.replace(channel) else {
            continue;
        };
        if let (Some(f), Some(t)) = (built_in_index(from), built_in_index(channel)) {
            let count = &mut built_in[f][t];
            pairs += usize::from(*count == 0);
            *count += 1;
        } else if let Some(many) = &mut many {
            *many.entry((from, channel)).or_default() += 1;
        } else if let Some(slot) = few.iter_mut().find(|(f, t, _)| *f == from && *t == channel) {
            slot.2 += 1;
        } else if few.len() < FEW_PAIRS {
            few.push((from, channel, 1));
        } else {
            let mut map: HashMap<(&Channel, &Channel), u32> =
                few.drain(..).map(|(f, t, n)| ((f, t), n)).collect();
            map.insert((from, channel), 1);
            many = Some(map);
        }
    }
    let mut counted = Vec::with_capacity(pairs);
    for (from, row) in (0_u8..).zip(&built_in) {
        for (to, count) in (0_u8..).zip(row) {
            if *count != 0 {
                counted.push((from, to, *count));
            }
        }
    }
    if let Some(many) = many {
        few = many.into_iter().map(|((f, t), n)| (f, t, n)).collect();
    }
    few.sort_unstable();
    let custom = few
        .into_iter()
        .map(|(from, to, n)| (from.clone(), to.clone(), n))
        .collect();
    (counted.into_boxed_slice(), custom)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct BucketTotals {
    profiles: u64,
    buyers: u64,
    order_value: i128,
}

/// Sums of contributions. Adding and subtracting the same contribution
/// leaves it unchanged (maps drop entries that reach zero), so totals kept
/// incrementally compare equal to totals built from scratch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Totals {
    counts: Counts<u64>,
    by_channel_count: BTreeMap<u32, u64>,
    buckets: [BucketTotals; BUCKET_FLOORS.len()],
    phase_reach: [u64; Phase::ALL.len()],
    /// Transitions between built-in channels, by their numbers
    /// ([`built_in_index`]): a table, not a map, since every change to a
    /// journey updates several of them.
    built_in_transitions: [[u64; BUILT_IN_CHANNELS]; BUILT_IN_CHANNELS],
    /// Transitions from or to a custom channel. Nested by channel, so that
    /// a lookup borrows the contribution's channels instead of cloning a
    /// pair (a custom channel allocates).
    transitions: HashMap<Channel, HashMap<Channel, u64>>,
}

impl Totals {
    /// Touchpoints in all journeys.
    pub(super) fn touchpoints(&self) -> u64 {
        self.counts[Count::Touchpoints]
    }

    pub(super) fn add(&mut self, contribution: &Contribution) {
        self.apply(contribution, true);
    }

    pub(super) fn subtract(&mut self, contribution: &Contribution) {
        self.apply(contribution, false);
    }

    /// Adds everything `other` counted: totals kept apart (on several
    /// threads) and then merged equal totals kept together, since every
    /// figure is a sum.
    pub(super) fn merge(&mut self, other: &Totals) {
        for (total, n) in self.counts.0.iter_mut().zip(other.counts.0) {
            *total = total.wrapping_add(n);
        }
        // Wrapping, as in `apply`: a sum past u64 is a broken invariant,
        // not a reason to panic.
        let add = |total: &mut u64, n: u64| *total = total.wrapping_add(n);
        for (channels, profiles) in &other.by_channel_count {
            add(
                self.by_channel_count.entry(*channels).or_default(),
                *profiles,
            );
        }
        for (bucket, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            add(&mut bucket.profiles, theirs.profiles);
            add(&mut bucket.buyers, theirs.buyers);
            bucket.order_value += theirs.order_value;
        }
        for (reach, theirs) in self.phase_reach.iter_mut().zip(other.phase_reach) {
            add(reach, theirs);
        }
        let rows = self.built_in_transitions.iter_mut();
        for (row, theirs) in rows.zip(&other.built_in_transitions) {
            for (count, n) in row.iter_mut().zip(theirs) {
                add(count, *n);
            }
        }
        for (from, theirs) in &other.transitions {
            // Custom channels are few: cloning their names costs little.
            let row = self.transitions.entry(from.clone()).or_default();
            for (to, n) in theirs {
                add(row.entry(to.clone()).or_default(), *n);
            }
        }
    }

    fn apply(&mut self, c: &Contribution, add: bool) {
        if !c.is_counted() {
            return;
        }
        // Totals only ever lose what they were given, so subtraction cannot
        // underflow; wrapping keeps a broken invariant from panicking in release.
        let step = |total: &mut u64, n: u64| {
            *total = if add {
                total.wrapping_add(n)
            } else {
                total.wrapping_sub(n)
            }
        };
        for (total, n) in self.counts.0.iter_mut().zip(c.counts.0) {
            step(total, u64::from(n));
        }
        let entry = self.by_channel_count.entry(c.channels).or_default();
        step(entry, 1);
        if *entry == 0 {
            self.by_channel_count.remove(&c.channels);
        }
        let bucket = &mut self.buckets[bucket_of(u64::from(c.counts[Count::Touchpoints]))];
        step(&mut bucket.profiles, 1);
        step(&mut bucket.buyers, u64::from(c.is_buyer));
        bucket.order_value += if add { c.order_value } else { -c.order_value };
        for phase in Phase::ALL {
            if c.phases & (1 << phase.index()) != 0 {
                step(&mut self.phase_reach[phase.index()], 1);
            }
        }
        for (from, to, n) in &c.transitions {
            step(
                &mut self.built_in_transitions[usize::from(*from)][usize::from(*to)],
                u64::from(*n),
            );
        }
        for (from, to, n) in &c.custom_transitions {
            let n = u64::from(*n);
            if add {
                if !self.transitions.contains_key(from) {
                    self.transitions.insert(from.clone(), HashMap::new());
                }
                if let Some(row) = self.transitions.get_mut(from) {
                    match row.get_mut(to) {
                        Some(total) => *total += n,
                        None => {
                            row.insert(to.clone(), n);
                        }
                    }
                }
            } else if let Some(row) = self.transitions.get_mut(from) {
                if let Some(total) = row.get_mut(to) {
                    *total = total.wrapping_sub(n);
                    if *total == 0 {
                        row.remove(to);
                    }
                }
                if row.is_empty() {
                    self.transitions.remove(from);
                }
            }
        }
    }

    pub(super) fn metrics(&self, config: &MetricsConfig) -> Metrics {
        let c = &self.counts;
        let ratio = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        let to_f64 = |ten_thousandths: i128| ten_thousandths as f64 / SCALE as f64;
        let spend_by_touchpoints = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, bucket)| SpendBucket {
                min_touchpoints: BUCKET_FLOORS[i],
                max_touchpoints: BUCKET_FLOORS.get(i + 1).map(|next| next - 1),
                profiles: bucket.profiles,
                buyers: bucket.buyers,
                order_value: to_f64(bucket.order_value),
                mean_order_value: if bucket.profiles == 0 {
                    0.0
                } else {
                    to_f64(bucket.order_value) / bucket.profiles as f64
                },
            })
            .collect();
        let built_in = KNOWN_CHANNELS.iter().zip(&self.built_in_transitions);
        let mut transitions: Vec<Transition> = built_in
            .flat_map(|(from, row)| {
                KNOWN_CHANNELS
                    .iter()
                    .zip(row)
                    .filter(|(_, count)| **count != 0)
                    .map(|(to, count)| Transition {
                        from: from.clone(),
                        to: to.clone(),
                        count: *count,
                    })
            })
            .chain(self.transitions.iter().flat_map(|(from, row)| {
                row.iter().map(|(to, count)| Transition {
                    from: from.clone(),
                    to: to.clone(),
                    count: *count,
                })
            }))
            .collect();
        transitions.sort_unstable_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        Metrics {
            window_days: config.window().as_secs_f64() / 86_400.0,
            profiles: c[Count::Profiles],
            touchpoints: c[Count::Touchpoints],
            untimed_touchpoints: c[Count::Untimed],
            untimed_purchases: c[Count::UntimedPurchases],
            invalid_order_values: c[Count::InvalidOrderValues],
            purchases: c[Count::Purchases],
            offline_purchases: c[Count::OfflinePurchases],
            ropo_purchases: c[Count::Ropo],
            ropo_rate: ratio(c[Count::Ropo], c[Count::OfflinePurchases]),
            ropo_product_purchases: c[Count::RopoProduct],
            ropo_profiles: c[Count::RopoProfiles],
            online_purchases: c[Count::OnlinePurchases],
            reverse_ropo_purchases: c[Count::ReverseRopo],
            reverse_ropo_rate: ratio(c[Count::ReverseRopo], c[Count::OnlinePurchases]),
            store_returns: c[Count::StoreReturns],
            store_returns_of_online_orders: c[Count::StoreReturnsOfOnline],
            chat_assisted_purchases: c[Count::ChatAssisted],
            chat_assisted_rate: ratio(c[Count::ChatAssisted], c[Count::Purchases]),
            multichannel_profiles: c[Count::Multichannel],
            multichannel_share: ratio(c[Count::Multichannel], c[Count::Profiles]),
            profiles_by_channel_count: self
                .by_channel_count
                .iter()
                .map(|(channels, profiles)| ChannelCount {
                    channels: *channels,
                    profiles: *profiles,
                })
                .collect(),
            spend_by_touchpoints,
            phase_reach: Phase::ALL
                .iter()
                .map(|phase| PhaseReach {
                    phase: *phase,
                    profiles: self.phase_reach[phase.index()],
                    share: ratio(self.phase_reach[phase.index()], c[Count::Profiles]),
                })
                .collect(),
            unmapped_touchpoints: c[Count::Unmapped],
            transitions,
        }
    }
}

/// Journey metrics over a set of profiles (customers).
///
/// A *profile* is one customer key of [`Journeys`](super::Journeys): a
/// resolved profile, or in the [unresolved
/// baseline](super::Journeys::unresolved) one raw identifier. The exact
/// definitions are in the [module documentation](super). Counts marked
/// *timed* leave out untimed touchpoints, which window metrics cannot place;
/// they are counted in `untimed_touchpoints` instead. Rates are `0.0` when
/// their denominator is zero.
///
/// Serializes to a flat JSON object with these field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Metrics {
    /// The window of the window metrics, in days.
    pub window_days: f64,
    /// Profiles with at least one touchpoint.
    pub profiles: u64,
    /// All touchpoints.
    pub touchpoints: u64,
    /// Touchpoints without a time, skipped by window metrics and transitions.
    pub untimed_touchpoints: u64,
    /// Purchases without a time, among `untimed_touchpoints`.
    pub untimed_purchases: u64,
    /// Touchpoints whose `order_value` was not a decimal amount (the
    /// touchpoint is kept, without a value).
    pub invalid_order_values: u64,
    /// Timed purchases, on any channel or none.
    pub purchases: u64,
    /// Timed purchases in store or through the call centre.
    pub offline_purchases: u64,
    /// Offline purchases preceded within the window by online research.
    pub ropo_purchases: u64,
    /// `ropo_purchases / offline_purchases`.
    pub ropo_rate: f64,
    /// ROPO purchases whose research within the window had the purchase's
    /// `product`.
    pub ropo_product_purchases: u64,
    /// Profiles with at least one ROPO purchase.
    pub ropo_profiles: u64,
    /// Timed purchases on the web or in the app.
    pub online_purchases: u64,
    /// Online purchases preceded within the window by a store touchpoint
    /// (showrooming).
    pub reverse_ropo_purchases: u64,
    /// `reverse_ropo_purchases / online_purchases`.
    pub reverse_ropo_rate: f64,
    /// `return` touchpoints in store.
    pub store_returns: u64,
    /// Store returns whose `order_id` is that of an online purchase of the
    /// same profile.
    pub store_returns_of_online_orders: u64,
    /// Timed purchases preceded within the window by a chat, WhatsApp or
    /// Messenger touchpoint that is not itself a purchase.
    pub chat_assisted_purchases: u64,
    /// `chat_assisted_purchases / purchases`.
    pub chat_assisted_rate: f64,
    /// Profiles with touchpoints on two or more channels.
    pub multichannel_profiles: u64,
    /// `multichannel_profiles / profiles`.
    pub multichannel_share: f64,
    /// Profiles by their number of distinct channels, ascending; counts of
    /// zero are left out.
    pub profiles_by_channel_count: Vec<ChannelCount>,
    /// Profiles by number of touchpoints (1, 2, 3–4, 5–9, 10+), with their
    /// order value.
    pub spend_by_touchpoints: Vec<SpendBucket>,
    /// How many profiles reach each phase, in funnel order.
    pub phase_reach: Vec<PhaseReach>,
    /// Touchpoints no phase rule matched.
    pub unmapped_touchpoints: u64,
    /// The channel transition matrix, sparse: consecutive timed touchpoints
    /// of a profile from one channel to the next, sorted by channels.
    pub transitions: Vec<Transition>,
}

/// Profiles with a given number of distinct channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChannelCount {
    /// Distinct channels.
    pub channels: u32,
    /// Profiles with that many channels.
    pub profiles: u64,
}

/// Profiles whose touchpoint count falls in one bucket, and what they spent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SpendBucket {
    /// Fewest touchpoints in the bucket.
    pub min_touchpoints: u64,
    /// Most touchpoints in the bucket; `None` for the open last bucket.
    pub max_touchpoints: Option<u64>,
    /// Profiles in the bucket.
    pub profiles: u64,
    /// Of those, profiles with at least one purchase (timed or not).
    pub buyers: u64,
    /// Sum of `order_value` over the purchases of these profiles.
    pub order_value: f64,
    /// `order_value / profiles`: the mean spend per profile, profiles
    /// without purchases counting as zero.
    pub mean_order_value: f64,
}

impl SpendBucket {
    /// The bucket's label: `1`, `2`, `3-4`, `5-9`, `10+`.
    pub fn label(&self) -> String {
        match self.max_touchpoints {
            Some(max) if max == self.min_touchpoints => max.to_string(),
            Some(max) => format!("{}-{max}", self.min_touchpoints),
            None => format!("{}+", self.min_touchpoints),
        }
    }
}

/// How many profiles reach a phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PhaseReach {
    /// The phase.
    pub phase: Phase,
    /// Profiles with at least one touchpoint in the phase.
    pub profiles: u64,
    /// `profiles` over all profiles.
    pub share: f64,
}

/// One cell of the channel transition matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Transition {
    /// The channel of the earlier touchpoint.
    pub from: Channel,
    /// The channel of the touchpoint right after it.
    pub to: Channel,
    /// How often one followed the other.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let of: Vec<usize> = [1, 2, 3, 4, 5, 9, 10, 1000].map(bucket_of).into();
        assert_eq!(of, [0, 1, 2, 2, 3, 3, 4, 4]);
    }
}
