//! Metrics on hand-made journeys; incremental against from-scratch; the
//! unresolved baseline against resolution; the SVG's well-formedness.

use std::time::Duration;

use proptest::prelude::*;

use super::touchpoint::Known;
use super::*;
use crate::identifier::{Channel, Identifier, IdentifierKind};
use crate::key::SecretKey;
use crate::profile::ProfileId;
use crate::protect::Change;
use crate::resolver::ResolverBuilder;
use crate::time::Timestamp;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn tp(id: &str, at: Option<i64>, channel: &str, kind: &str) -> Touchpoint {
    let mut touchpoint = Touchpoint::new(id);
    if let Some(at) = at {
        touchpoint = touchpoint.with_ts(Timestamp::from_unix_millis(at));
    }
    if !channel.is_empty() {
        touchpoint = touchpoint.with_channel(channel.parse().unwrap());
    }
    if !kind.is_empty() {
        touchpoint = touchpoint.with_kind(kind);
    }
    touchpoint
}

fn metrics_of(touchpoints: impl IntoIterator<Item = Touchpoint>) -> Metrics {
    Journey::new(touchpoints).metrics(&MetricsConfig::default())
}

fn amount(text: &str) -> Amount {
    text.parse().unwrap()
}

// ---- ROPO ----

#[test]
fn ropo_window_edges_are_inclusive() {
    let research = tp("r", Some(0), "web", "search");
    let on_edge = metrics_of([
        research.clone(),
        tp("p", Some(7 * DAY), "store", "purchase"),
    ]);
    assert_eq!((on_edge.offline_purchases, on_edge.ropo_purchases), (1, 1));
    assert_eq!(on_edge.ropo_rate, 1.0);
    let past_edge = metrics_of([research, tp("p", Some(7 * DAY + 1), "store", "purchase")]);
    assert_eq!(
        (past_edge.offline_purchases, past_edge.ropo_purchases),
        (1, 0)
    );
    assert_eq!(past_edge.ropo_rate, 0.0);
}

#[test]
fn ropo_counts_research_at_the_same_time_whatever_the_ids() {
    // The purchase's id sorts first, so it comes first in the journey.
    let metrics = metrics_of([
        tp("a-purchase", Some(DAY), "store", "purchase"),
        tp("b-research", Some(DAY), "app", "page_view"),
    ]);
    assert_eq!(metrics.ropo_purchases, 1);
}

#[test]
fn ropo_needs_research_before_the_purchase() {
    let metrics = metrics_of([
        tp("p", Some(DAY), "store", "purchase"),
        tp("r", Some(DAY + 1), "web", "search"),
    ]);
    assert_eq!((metrics.offline_purchases, metrics.ropo_purchases), (1, 0));
}

#[test]
fn purchases_without_research_are_not_ropo() {
    let metrics = metrics_of([
        tp("p1", Some(0), "store", "purchase"),
        tp("p2", Some(DAY), "call_center", "purchase"),
        // Not research: wrong kind, or not an online channel.
        tp("x1", Some(DAY), "web", "login"),
        tp("x2", Some(DAY), "email", "page_view"),
        tp("x3", Some(DAY), "store", "search"),
    ]);
    assert_eq!((metrics.offline_purchases, metrics.ropo_purchases), (2, 0));
    assert_eq!(metrics.ropo_profiles, 0);
}

#[test]
fn every_research_kind_and_offline_channel_counts() {
    for kind in ["page_view", "search", "cart", "add_to_cart"] {
        for channel in ["web", "app"] {
            for sale in ["store", "call_center"] {
                let metrics = metrics_of([
                    tp("r", Some(0), channel, kind),
                    tp("p", Some(HOUR), sale, "purchase"),
                ]);
                assert_eq!(
                    metrics.ropo_purchases, 1,
                    "{kind} on {channel}, bought in {sale}"
                );
            }
        }
    }
}

#[test]
fn untimed_touchpoints_are_skipped_by_windows() {
    let metrics = metrics_of([
        tp("r", None, "web", "search"),
        tp("p", Some(DAY), "store", "purchase"),
        tp("q", None, "store", "purchase"),
    ]);
    assert_eq!(metrics.touchpoints, 3);
    assert_eq!(metrics.untimed_touchpoints, 2);
    assert_eq!(metrics.untimed_purchases, 1);
    assert_eq!(metrics.purchases, 1);
    assert_eq!((metrics.offline_purchases, metrics.ropo_purchases), (1, 0));
    // Not a window metric: the untimed purchase still reaches the decision phase.
    let decision = &metrics.phase_reach[Phase::Decision.index()];
    assert_eq!(decision.profiles, 1);
}

#[test]
fn product_level_ropo_needs_the_same_product_within_the_window() {
    let buy = |product: &str| tp("p", Some(10 * DAY), "store", "purchase").with_product(product);
    let research = |id: &str, day: i64, product: &str| {
        tp(id, Some(day * DAY), "web", "page_view").with_product(product)
    };

    let same = metrics_of([research("r", 9, "sku-1"), buy("sku-1")]);
    assert_eq!((same.ropo_purchases, same.ropo_product_purchases), (1, 1));

    let other = metrics_of([research("r", 9, "sku-2"), buy("sku-1")]);
    assert_eq!((other.ropo_purchases, other.ropo_product_purchases), (1, 0));

    // The same product was researched, but too long ago.
    let stale = metrics_of([
        research("r1", 1, "sku-1"),
        research("r2", 9, "sku-2"),
        buy("sku-1"),
    ]);
    assert_eq!((stale.ropo_purchases, stale.ropo_product_purchases), (1, 0));

    // A later look at another product does not hide an earlier look at this one.
    let both = metrics_of([
        research("r1", 8, "sku-1"),
        research("r2", 9, "sku-2"),
        buy("sku-1"),
    ]);
    assert_eq!((both.ropo_purchases, both.ropo_product_purchases), (1, 1));

    // Research without a product does not make it product-level.
    let unnamed = metrics_of([tp("r", Some(9 * DAY), "web", "search"), buy("sku-1")]);
    assert_eq!(
        (unnamed.ropo_purchases, unnamed.ropo_product_purchases),
        (1, 0)
    );
}

#[test]
fn the_window_is_configurable() {
    let journey = Journey::new([
        tp("r", Some(0), "web", "search"),
        tp("p", Some(2 * DAY), "store", "purchase"),
    ]);
    let one_day = MetricsConfig::new().with_window_days(1);
    assert_eq!(journey.metrics(&one_day).ropo_purchases, 0);
    assert_eq!(journey.metrics(&one_day).window_days, 1.0);
    let zero = MetricsConfig::new().with_window(Duration::ZERO);
    let same_time = Journey::new([
        tp("r", Some(DAY), "web", "search"),
        tp("p", Some(DAY), "store", "purchase"),
    ]);
    assert_eq!(same_time.metrics(&zero).ropo_purchases, 1);
    assert_eq!(journey.metrics(&MetricsConfig::default()).ropo_purchases, 1);
}

#[test]
fn extreme_times_do_not_overflow() {
    let metrics = metrics_of([
        tp("r", Some(i64::MIN), "web", "search"),
        tp("p", Some(i64::MAX), "store", "purchase"),
    ]);
    assert_eq!(metrics.ropo_purchases, 0);
    let wide = MetricsConfig::new().with_window(Duration::MAX);
    let journey = Journey::new([
        tp("r", Some(i64::MIN), "web", "search"),
        tp("p", Some(-1), "store", "purchase"),
    ]);
    assert_eq!(journey.metrics(&wide).ropo_purchases, 1);
}

// ---- reverse ROPO ----

#[test]
fn reverse_ropo_is_an_online_purchase_after_a_store_visit() {
    let visit = tp("v", Some(DAY), "store", "loyalty_scan");
    let shown = metrics_of([visit.clone(), tp("p", Some(3 * DAY), "web", "purchase")]);
    assert_eq!(
        (shown.online_purchases, shown.reverse_ropo_purchases),
        (1, 1)
    );
    assert_eq!(shown.reverse_ropo_rate, 1.0);
    let before = metrics_of([visit.clone(), tp("p", Some(0), "app", "purchase")]);
    assert_eq!(
        (before.online_purchases, before.reverse_ropo_purchases),
        (1, 0)
    );
    let late = metrics_of([visit, tp("p", Some(8 * DAY + 1), "app", "purchase")]);
    assert_eq!(late.reverse_ropo_purchases, 0);
    // Online research before an online purchase is not showrooming.
    let online = metrics_of([
        tp("r", Some(0), "web", "search"),
        tp("p", Some(HOUR), "web", "purchase"),
    ]);
    assert_eq!(
        (online.reverse_ropo_purchases, online.ropo_purchases),
        (0, 0)
    );
}

// ---- store returns of online orders ----

#[test]
fn store_returns_of_online_orders_match_by_order_id() {
    let online = tp("p", Some(DAY), "web", "purchase").with_order_id("o-1");
    let metrics = metrics_of([
        online.clone(),
        tp("r1", Some(20 * DAY), "store", "return").with_order_id("o-1"),
        tp("r2", Some(20 * DAY), "store", "return").with_order_id("o-2"),
        tp("r3", Some(20 * DAY), "store", "return"),
        tp("r4", Some(20 * DAY), "web", "return").with_order_id("o-1"),
        tp("r5", None, "store", "return").with_order_id("o-1"),
    ]);
    assert_eq!(metrics.store_returns, 4);
    assert_eq!(metrics.store_returns_of_online_orders, 2);

    // An order bought in store and returned in store is not an online order.
    let offline = metrics_of([
        tp("p", Some(DAY), "store", "purchase").with_order_id("o-1"),
        tp("r", Some(2 * DAY), "store", "return").with_order_id("o-1"),
    ]);
    assert_eq!(
        (
            offline.store_returns,
            offline.store_returns_of_online_orders
        ),
        (1, 0)
    );
}

// ---- chat-assisted ----

#[test]
fn chat_assisted_purchases_follow_a_conversation() {
    for channel in ["chat", "whatsapp", "messenger"] {
        let metrics = metrics_of([
            tp("c", Some(0), channel, "chat_message"),
            tp("p", Some(2 * DAY), "store", "purchase"),
            tp("q", Some(2 * DAY), "", "purchase"),
        ]);
        assert_eq!(
            (metrics.purchases, metrics.chat_assisted_purchases),
            (2, 2),
            "{channel}"
        );
        assert_eq!(metrics.chat_assisted_rate, 1.0);
    }
    let same_time = metrics_of([
        tp("b", Some(DAY), "messenger", ""),
        tp("a", Some(DAY), "web", "purchase"),
    ]);
    assert_eq!(same_time.chat_assisted_purchases, 1);
    let late = metrics_of([
        tp("c", Some(0), "chat", "chat_message"),
        tp("p", Some(7 * DAY + 1), "web", "purchase"),
    ]);
    assert_eq!(late.chat_assisted_purchases, 0);
    // A purchase made in a chat does not assist itself.
    let alone = metrics_of([tp("p", Some(0), "whatsapp", "purchase")]);
    assert_eq!((alone.purchases, alone.chat_assisted_purchases), (1, 0));
    let email = metrics_of([
        tp("c", Some(0), "email", "chat_message"),
        tp("p", Some(DAY), "web", "purchase"),
    ]);
    assert_eq!(email.chat_assisted_purchases, 0);
}

// ---- multichannel, spend ----

#[test]
fn multichannel_counts_distinct_channels() {
    let journeys = Journeys::from_touchpoints(
        MetricsConfig::default(),
        [
            ("one", tp("a1", Some(0), "web", "")),
            ("one", tp("a2", Some(1), "web", "")),
            ("one", tp("a3", None, "", "")),
            ("two", tp("b1", Some(0), "web", "")),
            ("two", tp("b2", None, "kiosk", "")),
            ("three", tp("c1", Some(0), "web", "")),
            ("three", tp("c2", Some(0), "store", "")),
            ("three", tp("c3", Some(0), "whatsapp", "")),
            ("none", tp("d1", Some(0), "", "")),
        ],
    );
    let metrics = journeys.metrics();
    assert_eq!(metrics.profiles, 4);
    assert_eq!(metrics.multichannel_profiles, 2);
    assert_eq!(metrics.multichannel_share, 0.5);
    let by_count: Vec<(u32, u64)> = metrics
        .profiles_by_channel_count
        .iter()
        .map(|c| (c.channels, c.profiles))
        .collect();
    assert_eq!(by_count, [(0, 1), (1, 1), (2, 1), (3, 1)]);
}

#[test]
fn spend_by_touchpoints_buckets_profiles() {
    let purchase =
        |id: &str, value: &str| tp(id, Some(0), "web", "purchase").with_order_value(amount(value));
    let mut touchpoints = vec![
        ("solo", purchase("s1", "10.50")),
        ("pair", tp("p1", Some(0), "web", "page_view")),
        ("pair", tp("p2", Some(0), "web", "page_view")),
        ("trio", purchase("t1", "1.25")),
        ("trio", purchase("t2", "2.25")),
        (
            "trio",
            tp("t3", Some(0), "web", "return").with_order_value(amount("99")),
        ),
        ("quad", purchase("q1", "0.0001")),
    ];
    touchpoints.extend((0..3).map(|i| ("quad", tp(&format!("q{}", i + 2), None, "", ""))));
    touchpoints.extend((0..12).map(|i| ("many", tp(&format!("m{i}"), Some(i), "app", "search"))));
    let metrics = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints).metrics();
    let rows: Vec<(String, u64, u64, f64, f64)> = metrics
        .spend_by_touchpoints
        .iter()
        .map(|b| {
            (
                b.label(),
                b.profiles,
                b.buyers,
                b.order_value,
                b.mean_order_value,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("1".to_owned(), 1, 1, 10.5, 10.5),
            ("2".to_owned(), 1, 0, 0.0, 0.0),
            // Trio (3 touchpoints: the return's value is not spend) and quad (4).
            ("3-4".to_owned(), 2, 2, 3.5001, 3.5001 / 2.0),
            ("5-9".to_owned(), 0, 0, 0.0, 0.0),
            ("10+".to_owned(), 1, 0, 0.0, 0.0),
        ]
    );
}

#[test]
fn invalid_order_values_are_counted_not_dropped() {
    let event = Event::new("e1")
        .with_ts(Timestamp::from_unix_millis(0))
        .with_channel(Channel::Store)
        .with_kind("purchase")
        .with_attr("order_value", "twelve");
    let metrics = metrics_of([Touchpoint::from_event(&event)]);
    assert_eq!(metrics.invalid_order_values, 1);
    assert_eq!((metrics.purchases, metrics.offline_purchases), (1, 1));
    assert_eq!(metrics.spend_by_touchpoints[0].order_value, 0.0);
}

// ---- phases and transitions ----

#[test]
fn phase_reach_follows_the_mapping() {
    let touchpoints = [
        ("a", tp("a1", Some(0), "web", "page_view")),
        ("a", tp("a2", Some(1), "store", "purchase")),
        ("a", tp("a3", None, "call_center", "")),
        ("b", tp("b1", Some(0), "web", "search")),
        ("b", tp("b2", Some(0), "kiosk", "wave")),
        ("b", tp("b3", Some(0), "", "")),
    ];
    let metrics =
        Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone()).metrics();
    let reach: Vec<(Phase, u64)> = metrics
        .phase_reach
        .iter()
        .map(|r| (r.phase, r.profiles))
        .collect();
    assert_eq!(
        reach,
        [
            (Phase::Awareness, 1),
            (Phase::Consideration, 1),
            (Phase::Decision, 1),
            (Phase::Service, 1),
            (Phase::Loyalty, 0),
        ]
    );
    assert_eq!(metrics.phase_reach[0].share, 0.5);
    assert_eq!(metrics.unmapped_touchpoints, 2);

    let custom = PhaseMap::empty()
        .with_rule(Some("kiosk".parse().unwrap()), None, Phase::Loyalty)
        .with_rule(None, None, Phase::Awareness);
    let config = MetricsConfig::new().with_phases(custom);
    let metrics = Journeys::from_touchpoints(config, touchpoints).metrics();
    let reach: Vec<u64> = metrics.phase_reach.iter().map(|r| r.profiles).collect();
    assert_eq!(reach, [2, 0, 0, 0, 1]);
    assert_eq!(metrics.unmapped_touchpoints, 0);
}

#[test]
fn the_phase_table_agrees_with_the_rules() {
    let custom = PhaseMap::default()
        .with_rule(Some(Channel::Store), Some("purchase"), Phase::Loyalty)
        .with_rule(
            Some("kiosk".parse().unwrap()),
            Some("search"),
            Phase::Service,
        )
        .with_rule(Some("kiosk".parse().unwrap()), None, Phase::Decision)
        .with_rule(None, Some("wave"), Phase::Awareness);
    let fallback = PhaseMap::empty().with_rule(None, None, Phase::Service);
    let channels = [
        "",
        "web",
        "app",
        "store",
        "chat",
        "whatsapp",
        "messenger",
        "email",
        "call_center",
        "crm",
        "kiosk",
        "fax",
    ];
    let kinds = Known::ALL
        .iter()
        .map(|(_, name)| *name)
        .chain(["", "wave", "visit"]);
    for map in [PhaseMap::default(), PhaseMap::empty(), custom, fallback] {
        for kind in kinds.clone() {
            for channel in channels {
                let touchpoint = tp("e", None, channel, kind);
                assert_eq!(
                    map.phase_of(&touchpoint),
                    map.phase(touchpoint.channel(), touchpoint.kind()),
                    "{channel:?} {kind:?} in {map:?}"
                );
            }
        }
    }
}

#[test]
fn transitions_follow_timed_channels_in_order() {
    let metrics = metrics_of([
        tp("1", Some(0), "web", ""),
        tp("2", Some(1), "web", ""),
        tp("3", Some(2), "", ""),
        tp("4", Some(3), "store", ""),
        tp("5", Some(4), "web", ""),
        tp("6", None, "chat", ""),
    ]);
    let cells: Vec<(&str, &str, u64)> = metrics
        .transitions
        .iter()
        .map(|t| (t.from.as_str(), t.to.as_str(), t.count))
        .collect();
    assert_eq!(
        cells,
        [("web", "web", 1), ("web", "store", 1), ("store", "web", 1)]
    );
    // Separate profiles never make a transition between them.
    let apart = Journeys::from_touchpoints(
        MetricsConfig::default(),
        [
            (1, tp("a", Some(0), "web", "")),
            (2, tp("b", Some(1), "store", "")),
        ],
    );
    assert!(apart.metrics().transitions.is_empty());
}

// ---- Journeys: incremental changes ----

#[test]
fn adding_a_replayed_event_changes_nothing() {
    let mut journeys = Journeys::new(MetricsConfig::default());
    assert!(journeys.add(1, tp("e1", Some(0), "store", "purchase")));
    let before = journeys.metrics();
    assert!(!journeys.add(1, tp("e1", Some(0), "store", "purchase")));
    assert_eq!(journeys.metrics(), before);
    assert_eq!(journeys.journey(&1).unwrap().len(), 1);
}

#[test]
fn merge_split_remove_keep_totals_exact() {
    let touchpoints = vec![
        (
            "cookie",
            tp("e1", Some(0), "web", "search").with_product("x"),
        ),
        (
            "card",
            tp("e2", Some(DAY), "store", "purchase").with_product("x"),
        ),
        ("chat", tp("e3", Some(HOUR), "whatsapp", "chat_message")),
    ];
    let mut journeys = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone());
    assert!(journeys.merge("card", &"cookie"));
    assert!(journeys.merge("card", &"chat"));
    assert!(!journeys.merge("card", &"card"));
    assert!(!journeys.merge("card", &"nobody"));
    let merged = journeys.metrics();
    assert_eq!(
        (
            merged.ropo_purchases,
            merged.ropo_product_purchases,
            merged.chat_assisted_purchases
        ),
        (1, 1, 1)
    );
    let scratch = Journeys::from_touchpoints(
        MetricsConfig::default(),
        touchpoints.iter().map(|(_, t)| ("card", t.clone())),
    );
    assert_eq!(merged, scratch.metrics());

    let owner = |t: &Touchpoint| {
        touchpoints
            .iter()
            .find(|(_, o)| o.event_id() == t.event_id())
            .unwrap()
            .0
    };
    assert_eq!(journeys.split(&"card", owner), 2);
    let original = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone());
    assert_eq!(journeys.metrics(), original.metrics());
    assert_eq!(journeys.len(), 3);

    assert_eq!(journeys.remove_event(&"card", "e2"), 1);
    assert_eq!(journeys.remove_event(&"card", "e2"), 0);
    assert!(journeys.journey(&"card").is_none());
    assert!(journeys.remove(&"chat").is_some());
    let rest = Journeys::from_touchpoints(MetricsConfig::default(), [touchpoints[0].clone()]);
    assert_eq!(journeys.metrics(), rest.metrics());
}

#[test]
fn the_unresolved_baseline_keys_events_by_first_identifier() {
    let events = [
        Event::new("e1")
            .with_identifier(Identifier::cookie("  "))
            .with_identifier(Identifier::cookie("ck_1"))
            .with_identifier(Identifier::email("a@example.com")),
        Event::new("e2").with_identifier(Identifier::cookie("ck_1")),
        Event::new("e3").with_identifier(Identifier::email("a@example.com")),
        Event::new("e4"),
        Event::new("e5"),
        Event::new("e6")
            .with_channel(Channel::WhatsApp)
            .with_identifier(Identifier::new(IdentifierKind::ChatSession, "s-1")),
        Event::new("e7")
            .with_channel(Channel::Chat)
            .with_identifier(Identifier::new(IdentifierKind::ChatSession, "s-1")),
        Event::new("e8").with_identifier(Identifier::chat_session(Channel::WhatsApp, "s-1")),
    ];
    let journeys = Journeys::unresolved(MetricsConfig::default(), &events);
    let mut sizes: Vec<usize> = journeys.iter().map(|(_, j)| j.len()).collect();
    sizes.sort_unstable();
    // {e1, e2}, {e3}, {e4}, {e5}, {e6, e8}, {e7}
    assert_eq!(sizes, [1, 1, 1, 1, 2, 2]);
    let e4 = journeys
        .iter()
        .find(|(_, j)| j.touchpoints()[0].event_id() == "e4")
        .unwrap();
    assert_eq!(e4.0.event_id(), Some("e4"));
    assert_eq!(e4.0.kind(), None);
}

// ---- properties ----

/// The first `CORE` channels and kinds make up most generated touchpoints,
/// so that purchases often follow research, visits and conversations.
const CORE: usize = 5;
const CHANNELS: [&str; 10] = [
    "web",
    "app",
    "store",
    "call_center",
    "whatsapp",
    "",
    "chat",
    "messenger",
    "email",
    "kiosk",
];
const KINDS: [&str; 10] = [
    "page_view",
    "search",
    "purchase",
    "return",
    "chat_message",
    "",
    "cart",
    "add_to_cart",
    "login",
    "visit",
];
const PRODUCTS: [&str; 3] = ["", "p1", "p2"];
const ORDERS: [&str; 3] = ["", "o1", "o2"];
const VALUES: [&str; 4] = ["", "10.50", "3", "bad"];
const CUSTOMERS: u8 = 6;

/// A touchpoint as plain indexes, so that proptest can shrink it.
type Spec = (Option<i64>, usize, usize, usize, usize, usize);

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::option::weighted(0.85, 0_i64..10 * 24),
        prop_oneof![3 => 0..CORE, 1 => 0..CHANNELS.len()],
        prop_oneof![3 => 0..CORE, 1 => 0..KINDS.len()],
        0..PRODUCTS.len(),
        0..ORDERS.len(),
        0..VALUES.len(),
    )
}

fn build(i: usize, (hour, channel, kind, product, order, value): Spec) -> Touchpoint {
    let mut event = Event::new(format!("e{i:03}"));
    if let Some(hour) = hour {
        event = event.with_ts(Timestamp::from_unix_millis(hour * HOUR));
    }
    if !CHANNELS[channel].is_empty() {
        event = event.with_channel(CHANNELS[channel].parse().unwrap());
    }
    if !KINDS[kind].is_empty() {
        event = event.with_kind(KINDS[kind]);
    }
    for (name, value) in [
        ("product", PRODUCTS[product]),
        ("order_id", ORDERS[order]),
        ("order_value", VALUES[value]),
    ] {
        if !value.is_empty() {
            event = event.with_attr(name, value);
        }
    }
    Touchpoint::from_event(&event)
}

fn touchpoints() -> impl Strategy<Value = Vec<(u8, Touchpoint)>> {
    prop::collection::vec((0..CUSTOMERS, spec()), 0..40).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (customer, spec))| (customer, build(i, spec)))
            .collect()
    })
}

fn merges() -> impl Strategy<Value = Vec<(u8, u8)>> {
    prop::collection::vec((0..CUSTOMERS, 0..CUSTOMERS), 0..8)
}

/// Applies `merges` to `journeys` and returns each original customer's key
/// afterwards.
fn apply_merges(journeys: &mut Journeys<u8>, merges: &[(u8, u8)]) -> Vec<u8> {
    let mut owner: Vec<u8> = (0..CUSTOMERS).collect();
    for &(a, b) in merges {
        let (into, from) = (owner[a as usize], owner[b as usize]);
        journeys.merge(into, &from);
        for key in &mut owner {
            if *key == from {
                *key = into;
            }
        }
    }
    owner
}

/// The journeys by customer, in customer order.
fn sorted_journeys<K: Copy + Ord + std::hash::Hash>(journeys: &Journeys<K>) -> Vec<(K, Journey)> {
    let mut all: Vec<(K, Journey)> = journeys.iter().map(|(k, j)| (*k, j.clone())).collect();
    all.sort_by_key(|(k, _)| *k);
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn transitions_match_a_naive_count(
        steps in prop::collection::vec((prop::option::of(0_usize..40), prop::option::weighted(0.9, 0_i64..50)), 0..120),
    ) {
        let touchpoints: Vec<Touchpoint> = steps
            .iter()
            .enumerate()
            .map(|(i, (channel, at))| {
                let name = channel.map(|c| if c < 9 { CHANNELS[c].to_owned() } else { format!("c{c}") });
                tp(&format!("e{i:03}"), *at, name.as_deref().unwrap_or(""), "")
            })
            .collect();
        let journey = Journey::new(touchpoints);
        let mut naive: std::collections::BTreeMap<(Channel, Channel), u64> = Default::default();
        let channels: Vec<&Channel> = journey
            .touchpoints()
            .iter()
            .filter(|t| t.ts().is_some())
            .filter_map(Touchpoint::channel)
            .collect();
        for pair in channels.windows(2) {
            *naive.entry((pair[0].clone(), pair[1].clone())).or_default() += 1;
        }
        let naive: Vec<(Channel, Channel, u64)> = naive.into_iter().map(|((f, t), n)| (f, t, n)).collect();
        let got: Vec<(Channel, Channel, u64)> = journey
            .metrics(&MetricsConfig::default())
            .transitions
            .into_iter()
            .map(|t| (t.from, t.to, t.count))
            .collect();
        prop_assert_eq!(got, naive);
    }

    #[test]
    fn adding_one_by_one_equals_building_at_once(touchpoints in touchpoints()) {
        let mut incremental = Journeys::new(MetricsConfig::default());
        for (customer, touchpoint) in touchpoints.iter().rev() {
            incremental.add(*customer, touchpoint.clone());
        }
        let scratch = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints);
        prop_assert_eq!(incremental.metrics(), scratch.metrics());
        prop_assert_eq!(sorted_journeys(&incremental), sorted_journeys(&scratch));
    }

    #[test]
    fn tallies_merged_equal_journeys_kept_whole(
        touchpoints in touchpoints(),
        parts in 1_u8..4,
        window_hours in 0_u64..300,
    ) {
        let config = MetricsConfig::new().with_window(Duration::from_secs(window_hours * 3600));
        let journeys = Journeys::from_touchpoints(config.clone(), touchpoints.clone());
        // Each customer counted by one of `parts` tallies, its touchpoints
        // given last first and twice over, the tallies merged.
        let mut tallies = vec![MetricsTally::new(config.clone()); usize::from(parts)];
        for customer in 0..CUSTOMERS {
            let own = touchpoints.iter().rev().filter(|(c, _)| *c == customer);
            tallies[usize::from(customer % parts)].add(own.clone().chain(own).map(|(_, t)| t));
        }
        let mut tally = MetricsTally::new(config);
        for part in &tallies {
            tally.merge(part);
        }
        prop_assert_eq!(tally.metrics(), journeys.metrics());
    }

    #[test]
    fn merged_metrics_equal_metrics_from_scratch(
        touchpoints in touchpoints(),
        merges in merges(),
        window_hours in 0_u64..300,
    ) {
        let config = MetricsConfig::new().with_window(Duration::from_secs(window_hours * 3600));
        let mut journeys = Journeys::from_touchpoints(config.clone(), touchpoints.clone());
        let owner = apply_merges(&mut journeys, &merges);
        let scratch = Journeys::from_touchpoints(
            config,
            touchpoints.iter().map(|(c, t)| (owner[*c as usize], t.clone())),
        );
        prop_assert_eq!(journeys.metrics(), scratch.metrics());
        prop_assert_eq!(sorted_journeys(&journeys), sorted_journeys(&scratch));
    }

    #[test]
    fn splitting_back_restores_the_original_metrics(
        touchpoints in touchpoints(),
        merges in merges(),
    ) {
        let original = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone());
        let mut journeys = original.clone();
        let owner = apply_merges(&mut journeys, &merges);
        let customer_of = |t: &Touchpoint| {
            touchpoints.iter().find(|(_, o)| o.event_id() == t.event_id()).unwrap().0
        };
        let mut roots = owner.clone();
        roots.sort_unstable();
        roots.dedup();
        for root in roots {
            journeys.split(&root, customer_of);
        }
        prop_assert_eq!(journeys.metrics(), original.metrics());
        prop_assert_eq!(sorted_journeys(&journeys), sorted_journeys(&original));
    }
}

/// The event a touchpoint would come from: its id, time, channel, kind,
/// product and order id.
fn event_of(touchpoint: &Touchpoint) -> Event {
    let mut event = Event::new(touchpoint.event_id());
    if let Some(ts) = touchpoint.ts() {
        event = event.with_ts(ts);
    }
    if let Some(channel) = touchpoint.channel() {
        event = event.with_channel(channel.clone());
    }
    if let Some(kind) = touchpoint.kind() {
        event = event.with_kind(kind);
    }
    for (name, value) in [
        ("product", touchpoint.product()),
        ("order_id", touchpoint.order_id()),
    ] {
        if let Some(value) = value {
            event = event.with_attr(name, value);
        }
    }
    event
}

/// People who each own their identifiers: events carry one to three of
/// their person's identifiers, never another person's.
fn people() -> impl Strategy<Value = Vec<(Event, usize)>> {
    let event = (0_usize..3, prop::collection::vec(0_usize..4, 1..3), spec());
    prop::collection::vec(event, 0..50).prop_map(|events| {
        events
            .into_iter()
            .enumerate()
            .map(|(i, (person, ids, spec))| {
                let mut event = event_of(&build(i, spec));
                for id in ids {
                    event = event.with_identifier(match id {
                        0 => Identifier::cookie(format!("ck_{person}_a")),
                        1 => Identifier::cookie(format!("ck_{person}_b")),
                        2 => Identifier::email(format!("person{person}@example.com")),
                        _ => Identifier::new("customer_id".parse().unwrap(), format!("c-{person}")),
                    });
                }
                (event, person)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn without_resolution_never_finds_more(events in people()) {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("journey tests")).build();
        for (event, _) in &events {
            let _ = resolver.observe(event).unwrap();
        }
        let plain: Vec<Event> = events.iter().map(|(e, _)| e.clone()).collect();
        let config = MetricsConfig::default();
        let unresolved = Journeys::unresolved(config.clone(), &plain).metrics();
        let resolved = Journeys::from_events(config.clone(), &plain, |e| resolver.event_profile(e.id())).metrics();
        let truth = Journeys::from_touchpoints(
            config,
            events.iter().map(|(e, person)| (*person, Touchpoint::from_event(e))),
        ).metrics();
        prop_assert_eq!(resolved.touchpoints, plain.len() as u64);
        let monotone = |m: &Metrics| [
            m.ropo_purchases,
            m.ropo_product_purchases,
            m.reverse_ropo_purchases,
            m.store_returns_of_online_orders,
            m.chat_assisted_purchases,
        ];
        for ((u, r), t) in monotone(&unresolved).into_iter().zip(monotone(&resolved)).zip(monotone(&truth)) {
            prop_assert!(u <= r && r <= t, "unresolved {:?}, resolved {:?}, truth {:?}", unresolved, resolved, truth);
        }
        prop_assert!(unresolved.profiles >= resolved.profiles && resolved.profiles >= truth.profiles);
        // Denominators do not depend on who is who.
        prop_assert_eq!(unresolved.offline_purchases, resolved.offline_purchases);
        prop_assert_eq!(unresolved.online_purchases, resolved.online_purchases);
    }
}

// ---- output ----

/// A small XML well-formedness check: one root, balanced and properly nested
/// tags, quoted and unique attributes, known entities only, no stray `<` or
/// `&`.
fn check_xml(text: &str) -> Result<(), String> {
    fn entities(text: &str) -> Result<(), String> {
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            let after = &rest[at + 1..];
            let end = after.find(';').ok_or("unterminated entity")?;
            let name = &after[..end];
            let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name
                    .strip_prefix("#x")
                    .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                || name
                    .strip_prefix('#')
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            if !known {
                return Err(format!("unknown entity &{name};"));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }
    fn name_len(text: &str) -> usize {
        text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')))
            .unwrap_or(text.len())
    }

    let mut rest = text.trim_start();
    if let Some(prolog) = rest.strip_prefix("<?xml") {
        rest = &prolog[prolog.find("?>").ok_or("unterminated prolog")? + 2..];
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    loop {
        let next = rest.find('<').unwrap_or(rest.len());
        let content = &rest[..next];
        if stack.is_empty() && !content.trim().is_empty() {
            return Err(format!("text outside the root: {content:?}"));
        }
        entities(content)?;
        rest = &rest[next..];
        if rest.is_empty() {
            break;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = &comment[comment.find("-->").ok_or("unterminated comment")? + 3..];
        } else if let Some(close) = rest.strip_prefix("</") {
            let len = name_len(close);
            let name = &close[..len];
            let after = close[len..].trim_start();
            rest = after.strip_prefix('>').ok_or("bad closing tag")?;
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            let open = &rest[1..];
            let len = name_len(open);
            if len == 0 {
                return Err(format!(
                    "stray `<` before {:?}",
                    &open[..open.len().min(20)]
                ));
            }
            let name = &open[..len];
            if stack.is_empty() {
                roots += 1;
            }
            let mut attrs = &open[len..];
            let mut seen: Vec<&str> = Vec::new();
            loop {
                let trimmed = attrs.trim_start();
                if let Some(after) = trimmed.strip_prefix("/>") {
                    rest = after;
                    break;
                }
                if let Some(after) = trimmed.strip_prefix('>') {
                    stack.push(name);
                    rest = after;
                    break;
                }
                if trimmed.len() == attrs.len() {
                    return Err(format!("no space before an attribute of <{name}>"));
                }
                let len = name_len(trimmed);
                if len == 0 {
                    return Err(format!("bad attribute in <{name}>"));
                }
                let attr = &trimmed[..len];
                if seen.contains(&attr) {
                    return Err(format!("duplicate attribute {attr} in <{name}>"));
                }
                seen.push(attr);
                let value = trimmed[len..]
                    .strip_prefix('=')
                    .ok_or("attribute without =")?;
                let quote = value
                    .chars()
                    .next()
                    .filter(|q| *q == '"' || *q == '\'')
                    .ok_or("unquoted attribute")?;
                let value = &value[1..];
                let end = value.find(quote).ok_or("unterminated attribute")?;
                if value[..end].contains('<') {
                    return Err(format!("`<` in attribute {attr}"));
                }
                entities(&value[..end])?;
                attrs = &value[end + 1..];
            }
        }
    }
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(()),
        (false, _) => Err(format!("unclosed {stack:?}")),
        (true, n) => Err(format!("{n} root elements")),
    }
}

#[test]
fn the_xml_checker_catches_broken_documents() {
    assert_eq!(
        check_xml(r#"<?xml version="1.0"?><a x="1"><b/><!-- c --><c y='&amp;'>t &lt; u</c></a>"#),
        Ok(())
    );
    for bad in [
        "<a><b></a></b>",
        "<a x=1/>",
        "<a>&bogus;</a>",
        "<a>x < y</a>",
        "<a>x & y</a>",
        "<a/><b/>",
        "<a>",
        "text<a/>",
        r#"<a x="1" x="2"/>"#,
        r#"<a x="1"y="2"/>"#,
    ] {
        assert!(check_xml(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_svg_is_well_formed_and_escapes_user_text() {
    let mut touchpoints = vec![
        ("a", tp("a1", Some(0), "web", "page_view")),
        ("a", tp("a2", Some(HOUR), "store", "purchase")),
        (
            "a",
            tp("a3", Some(2 * HOUR), "kiosk_tom_and_jerry", "return"),
        ),
    ];
    // The custom channel is busy enough to get its own row.
    touchpoints.extend((4..8).map(|i| {
        (
            "a",
            tp(&format!("a{i}"), Some(i * HOUR), "kiosk_tom_and_jerry", ""),
        )
    }));
    // More channels than the matrix shows, to exercise `other`.
    touchpoints.extend((0..14).map(|i| {
        (
            "b",
            tp(&format!("b{i}"), Some(i), &format!("ch{i}"), "visit"),
        )
    }));
    // A long web journey with one step to the store: a cell under 0.1%.
    touchpoints.extend((0..2500).map(|i| ("c", tp(&format!("c{i:04}"), Some(i), "web", ""))));
    touchpoints.push(("c", tp("c9999", Some(9999), "store", "")));
    let resolved =
        Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone()).metrics();
    let unresolved = Journeys::from_touchpoints(
        MetricsConfig::default(),
        touchpoints
            .iter()
            .map(|(_, t)| (t.event_id().to_owned(), t.clone())),
    )
    .metrics();
    let report = Report::new(resolved, unresolved);
    let title = r#"Shop "A" & <B> 'Q1' </svg>"#;
    let svg = report.svg(title);
    check_xml(&svg).unwrap();
    assert!(svg.contains("Shop &quot;A&quot; &amp; &lt;B&gt; &apos;Q1&apos; &lt;/svg&gt;"));
    assert!(!svg.contains("<B>"));
    assert!(svg.contains(">kiosk_tom_and_jerry</text>"));
    assert!(svg.contains(">other</text>"));
    assert!(svg.contains(">&lt;0.1%</text>"));
    for phase in Phase::ALL {
        assert!(svg.contains(phase.as_str()));
    }
    assert!(svg.contains("With resolution") && svg.contains("Without resolution"));

    let empty = Journeys::<u8>::new(MetricsConfig::default()).metrics();
    check_xml(&Report::new(empty.clone(), empty).svg("")).unwrap();
}

#[test]
fn the_summary_table_and_json_show_both_sides() {
    let touchpoints = [
        ("cookie", tp("e1", Some(0), "web", "search")),
        ("card", tp("e2", Some(DAY), "store", "purchase")),
    ];
    let unresolved = Journeys::from_touchpoints(MetricsConfig::default(), touchpoints.clone());
    let resolved = Journeys::from_touchpoints(
        MetricsConfig::default(),
        touchpoints.map(|(_, t)| ("jan", t)),
    );
    let report = Report::new(resolved.metrics(), unresolved.metrics());
    let table = report.to_string();
    let ropo = table
        .lines()
        .find(|l| l.starts_with("ROPO purchases"))
        .unwrap();
    assert!(
        ropo.contains("1 (100.0%)") && ropo.contains("0 (0.0%)"),
        "{table}"
    );
    assert!(
        table.starts_with("Journey metrics (window 7 days)"),
        "{table}"
    );
    // Metrics a caller edited, or an odd window, still print and draw.
    let mut edited = report.clone();
    edited.unresolved.phase_reach.pop();
    edited.resolved.spend_by_touchpoints.clear();
    edited.resolved.window_days = 1.0 / 24.0;
    let table = edited.to_string();
    assert!(
        table.starts_with("Journey metrics (window 0.04 days)"),
        "{table}"
    );
    check_xml(&edited.svg("edited")).unwrap();
    let widths: Vec<usize> = table.lines().map(|l| l.chars().count()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{table}");

    let single = report.resolved.to_string();
    assert!(
        single
            .lines()
            .any(|l| l.starts_with("ROPO purchases") && l.ends_with("1 (100.0%)")),
        "{single}"
    );
    assert!(
        single.contains("  1 touchpoint ") && single.contains("  3-4 touchpoints "),
        "{single}"
    );

    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "offline_purchases",
        "ropo_purchases",
        "ropo_rate",
        "reverse_ropo_purchases",
        "chat_assisted_purchases",
        "multichannel_profiles",
    ] {
        assert!(json[key].is_number(), "{key}");
        assert!(json["unresolved"][key].is_number(), "unresolved {key}");
    }
    assert_eq!(json["ropo_purchases"], 1);
    assert_eq!(json["unresolved"]["ropo_purchases"], 0);
    assert_eq!(json["phase_reach"][0]["phase"], "awareness");
    assert_eq!(json["transitions"][0]["from"], "web");
    assert_eq!(json["transitions"][0]["to"], "store");
}

// ---- following a resolver ----

/// Identifiers for following a resolver: three shared cookies (the kiosk
/// pattern, which the resolver marks generic and splits off again), then
/// emails, cards and cookies of their own.
fn shared_pool(index: usize) -> Identifier {
    match index {
        0..3 => Identifier::cookie(format!("ck_kiosk_{index}")),
        3..15 => Identifier::email(format!("person{}@shop.nl", index - 3)),
        15..21 => Identifier::loyalty_card(format!("4471-{:04}", 1000 + index)),
        _ => Identifier::cookie(format!("ck_person_{index}")),
    }
}

const SHARED_POOL: usize = 26;

#[derive(Debug, Clone)]
enum FollowOp {
    /// A new event: its touchpoint and its identifiers.
    Observe(Spec, Vec<usize>),
    /// An earlier event again, unchanged.
    Replay(prop::sample::Index),
    Forget(usize),
    /// Bring the journeys up to date.
    Follow,
}

fn follow_ops() -> impl Strategy<Value = Vec<FollowOp>> {
    let one = prop_oneof![3 => 0..3usize, 5 => 3..21usize, 1 => 21..SHARED_POOL];
    let ids = prop_oneof![
        // A shared cookie with one person's email or card.
        2 => (0..3usize, 3..21usize).prop_map(|(cookie, person)| vec![cookie, person]),
        1 => prop::collection::vec(one, 0..=3),
    ];
    let op = prop_oneof![
        12 => (spec(), ids).prop_map(|(spec, ids)| FollowOp::Observe(spec, ids)),
        2 => any::<prop::sample::Index>().prop_map(FollowOp::Replay),
        1 => (0..SHARED_POOL).prop_map(FollowOp::Forget),
        3 => Just(FollowOp::Follow),
    ];
    prop::collection::vec(op, 0..=60)
}

/// Runs `ops`, following the resolver incrementally; returns the journeys
/// followed, the journeys rebuilt from scratch, and how many splits and
/// merges the resolver made.
fn follow_and_rebuild(
    ops: &[FollowOp],
) -> (Journeys<ProfileId>, Journeys<ProfileId>, usize, usize) {
    let mut resolver = ResolverBuilder::new(SecretKey::derive("journey follow"))
        .protection(crate::protect::Protection::default().default_generic_threshold(Some(2)))
        .build();
    let config = MetricsConfig::default();
    let mut followed = Journeys::new(config.clone());
    // Every event offered, first copy of each id first.
    let mut sent: Vec<Event> = Vec::new();
    // Observed since the last follow, with what the resolver said.
    let mut pending: Vec<(Event, crate::resolver::Observation)> = Vec::new();
    let (mut splits, mut merges) = (0, 0);
    let mut count = |changes: &[Change]| {
        for change in changes {
            match change {
                Change::Split(_) => splits += 1,
                Change::Merged(_) => merges += 1,
                _ => {}
            }
        }
    };
    for op in ops {
        match op {
            FollowOp::Observe(spec, ids) => {
                let mut event = event_of(&build(sent.len(), *spec));
                for &id in ids {
                    event = event.with_identifier(shared_pool(id));
                }
                if let Ok(observation) = resolver.observe(&event) {
                    pending.push((event.clone(), observation));
                }
                sent.push(event);
            }
            FollowOp::Replay(index) => {
                if !sent.is_empty() {
                    let event = sent[index.index(sent.len())].clone();
                    if let Ok(observation) = resolver.observe(&event) {
                        assert!(observation.is_replay());
                        pending.push((event, observation));
                    }
                }
            }
            FollowOp::Forget(id) => {
                count(resolver.changes());
                followed.follow(&mut resolver, pending.iter().map(|(e, o)| (e, o)));
                pending.clear();
                let forgotten = resolver.forget(&shared_pool(*id)).unwrap();
                if let Some(profile) = forgotten.profile() {
                    followed.refresh(profile, &resolver);
                }
            }
            FollowOp::Follow => {
                count(resolver.changes());
                followed.follow(&mut resolver, pending.iter().map(|(e, o)| (e, o)));
                pending.clear();
            }
        }
    }
    count(resolver.changes());
    followed.follow(&mut resolver, pending.iter().map(|(e, o)| (e, o)));
    let rebuilt = Journeys::from_events(config, &sent, |event| resolver.event_profile(event.id()));
    (followed, rebuilt, splits, merges)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn followed_journeys_equal_journeys_rebuilt_from_scratch(ops in follow_ops()) {
        let (followed, rebuilt, _, _) = follow_and_rebuild(&ops);
        prop_assert_eq!(sorted_journeys(&followed), sorted_journeys(&rebuilt));
        prop_assert_eq!(followed.metrics(), rebuilt.metrics());
    }
}

/// The property above is only worth something if its cases split and merge
/// profiles; this pins that the generated cases do.
#[test]
fn following_cases_split_and_merge_profiles() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let (mut splits, mut merges, mut cases_with_splits) = (0, 0, 0);
    for _ in 0..64 {
        let ops = follow_ops().new_tree(&mut runner).unwrap().current();
        let (followed, rebuilt, s, m) = follow_and_rebuild(&ops);
        assert_eq!(sorted_journeys(&followed), sorted_journeys(&rebuilt));
        splits += s;
        merges += m;
        cases_with_splits += usize::from(s > 0);
    }
    assert!(
        cases_with_splits >= 8 && merges >= 64,
        "{cases_with_splits} cases with splits, {splits} splits, {merges} merges"
    );
}
