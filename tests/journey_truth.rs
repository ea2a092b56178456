//! Journey metrics against the truth: on generated data whose true people are
//! known, ROPO counted on idstitch's profiles is within 3 % of ROPO counted
//! on the true people, and without resolution far below both. Run with
//! `--nocapture` to see the figures.

mod common;

use std::sync::OnceLock;

use common::generator::{Config, Generated, Schedule, generate_from};
use idstitch::journey::{Journeys, Metrics, MetricsConfig, Touchpoint};
use idstitch::jsonl::EventReader;
use idstitch::{Event, Observation, Protection, Region, Resolver, ResolverBuilder, SecretKey};

/// The metrics of one way of telling customers apart.
struct Counted {
    resolved: Metrics,
    unresolved: Metrics,
    truth: Metrics,
}

/// A messy data set with products, about 32,000 events of 4,000 people: junk values, lines that are not events,
/// replays, and shared values planted on the events of dozens to hundreds
/// of people (kiosk cookies, store phones, till emails) that would glue
/// them together if followed.
fn data() -> &'static Generated {
    static DATA: OnceLock<Generated> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = Config {
            seed: 11,
            people: 4_000,
            mean_events: 8,
            garbage: true,
            replays: true,
            planted: true,
        };
        generate_from(&Schedule::new(&config).with_products())
    })
}

/// Resolves `data` with `resolver`, following its journeys batch by batch,
/// and counts the metrics with resolution, without it, and per true person.
fn count(data: &Generated, mut resolver: Resolver) -> Counted {
    let config = MetricsConfig::default();
    let mut resolved = Journeys::new(config.clone());
    let mut events: Vec<Event> = Vec::new();
    let mut reader = EventReader::new(data.jsonl.as_bytes());
    loop {
        let mut batch = reader.read_batch(1024).unwrap();
        if batch.is_empty() {
            break;
        }
        let parsed: Vec<Event> = batch.iter_mut().filter_map(|p| p.take_event()).collect();
        let outcomes = resolver.observe_batch(&parsed);
        let observed: Vec<(&Event, &Observation)> = parsed
            .iter()
            .zip(&outcomes)
            .filter_map(|(event, outcome)| Some((event, outcome.as_ref().ok()?)))
            .collect();
        resolved.follow(&mut resolver, observed.iter().copied());
        events.extend(
            observed
                .iter()
                .filter(|(_, observation)| !observation.is_replay())
                .map(|(event, _)| (*event).clone()),
        );
    }
    assert_eq!(events.len(), data.truth.len(), "every distinct event once");
    let unresolved = Journeys::unresolved(config.clone(), &events);
    let truth: Journeys<usize> = Journeys::from_touchpoints(
        config,
        events
            .iter()
            .map(|event| (data.truth[event.id()], Touchpoint::from_event(event))),
    );
    Counted {
        resolved: resolved.metrics(),
        unresolved: unresolved.metrics(),
        truth: truth.metrics(),
    }
}

fn resolver(protection: Protection) -> Resolver {
    ResolverBuilder::new(SecretKey::derive("journey truth"))
        .default_region(Region::NL)
        .protection(protection)
        .build()
}

/// `value` relative to `reference`, as a fraction.
fn relative(value: u64, reference: u64) -> f64 {
    (value as f64 - reference as f64) / reference as f64
}

#[test]
fn ropo_on_resolved_profiles_is_within_3_percent_of_the_truth() {
    let data = data();
    let Counted {
        resolved,
        unresolved,
        truth,
    } = count(data, resolver(Protection::default()));
    eprintln!(
        "ROPO purchases: resolved {}, true people {}, unresolved {} ({:+.2} % and {:+.1} % of the truth); \
         same product: {}, {}, {}; profiles {}, people {}, customers without resolution {}",
        resolved.ropo_purchases,
        truth.ropo_purchases,
        unresolved.ropo_purchases,
        100.0 * relative(resolved.ropo_purchases, truth.ropo_purchases),
        100.0 * relative(unresolved.ropo_purchases, truth.ropo_purchases),
        resolved.ropo_product_purchases,
        truth.ropo_product_purchases,
        unresolved.ropo_product_purchases,
        resolved.profiles,
        truth.profiles,
        unresolved.profiles,
    );
    // Enough purchases for 3 % to mean something.
    assert!(truth.ropo_purchases >= 300, "{}", truth.ropo_purchases);
    assert!(truth.ropo_product_purchases >= 100);
    // The same purchases are counted on every side; only who made them differs.
    assert_eq!(resolved.offline_purchases, truth.offline_purchases);
    assert_eq!(unresolved.offline_purchases, truth.offline_purchases);

    let off = relative(resolved.ropo_purchases, truth.ropo_purchases);
    assert!(
        off.abs() <= 0.03,
        "ROPO on profiles {} against {} on the true people: {:+.2} %",
        resolved.ropo_purchases,
        truth.ropo_purchases,
        100.0 * off
    );
    let product = relative(
        resolved.ropo_product_purchases,
        truth.ropo_product_purchases,
    );
    assert!(
        product.abs() <= 0.03,
        "product-level ROPO {:+.2} %",
        100.0 * product
    );
    // Without resolution most of the effect is invisible: the gap.
    assert!(
        unresolved.ropo_purchases * 2 < truth.ropo_purchases,
        "unresolved {} against {} true",
        unresolved.ropo_purchases,
        truth.ropo_purchases
    );
}

/// The planted values are what makes the 3 % check bite: followed blindly,
/// they glue hundreds of people together and ROPO is overcounted.
#[test]
fn without_protection_planted_values_overcount_ropo() {
    let data = data();
    let counted = count(data, resolver(Protection::none()));
    let off = relative(
        counted.resolved.ropo_purchases,
        counted.truth.ropo_purchases,
    );
    eprintln!(
        "without protection: ROPO {} against {} true ({:+.2} %), {} profiles for {} people",
        counted.resolved.ropo_purchases,
        counted.truth.ropo_purchases,
        100.0 * off,
        counted.resolved.profiles,
        counted.truth.profiles
    );
    assert!(off > 0.03, "{:+.2} %", 100.0 * off);
}
