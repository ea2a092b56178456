//! Fuzzy matching against the generator's truth: on a data set with planted
//! typos (emails, names, phone digit slips) and planted near-miss strangers,
//! the built-in rules raise pairwise recall over deterministic resolution
//! while pairwise precision stays at least 0.99. Run with `--nocapture` to
//! see the figures.

mod common;

use std::collections::HashMap;

use common::generator::{Config, Generated, Schedule, generate_from, pairwise_precision_recall};
use idstitch::fuzzy::FuzzyConfig;
use idstitch::{ProfileId, Region, Resolver, ResolverBuilder, SecretKey};

/// Resolves every event of `data` with `resolver`; each event id → the
/// profile it ended in.
fn resolve(mut resolver: Resolver, data: &Generated) -> (Resolver, HashMap<String, ProfileId>) {
    for (at, line) in data.jsonl.lines().enumerate() {
        let parsed = idstitch::jsonl::parse_line(line.as_bytes(), at as u64 + 1);
        if let Some(event) = parsed.event() {
            let _ = resolver.observe(event).expect("a valid event");
        }
    }
    let profiles = data
        .event_ids
        .iter()
        .map(|id| (id.clone(), resolver.event_profile(id).expect("observed")))
        .collect();
    (resolver, profiles)
}

fn builder() -> ResolverBuilder {
    ResolverBuilder::new(SecretKey::derive("fuzzy quality")).default_region(Region::NL)
}

#[test]
fn fuzzy_rules_raise_recall_and_keep_precision() {
    let config = Config {
        seed: 7,
        people: 3_000,
        ..Config::default()
    };
    let data = generate_from(&Schedule::new(&config).with_typos());

    let (_, deterministic) = resolve(builder().build(), &data);
    let (det_precision, det_recall) = pairwise_precision_recall(&deterministic, &data.truth);

    let (resolver, fuzzy) = resolve(builder().fuzzy(FuzzyConfig::default()).build(), &data);
    let (precision, recall) = pairwise_precision_recall(&fuzzy, &data.truth);
    let stats = resolver.fuzzy_stats().expect("fuzzy matching is on");
    eprintln!(
        "{} events of {} people: deterministic precision {det_precision:.6} recall {det_recall:.6}; \
         fuzzy precision {precision:.6} recall {recall:.6}, {} for review, {} comparisons",
        data.event_ids.len(),
        config.people,
        resolver.review_queue().len(),
        stats.comparisons,
    );

    // The typos keep some events apart from their people deterministically,
    // and deterministic links never join strangers here.
    assert_eq!(det_precision, 1.0);
    assert!(det_recall < 0.99, "{det_recall}");
    // Fuzzy matching joins most of them back, and few strangers.
    assert!(
        recall > det_recall + 0.01,
        "fuzzy recall {recall} against {det_recall}"
    );
    assert!(precision >= 0.99, "fuzzy precision {precision}");
    // Likely but unsure matches wait for review instead.
    assert!(!resolver.review_queue().is_empty());
    // Blocking keeps the work near-linear: a few comparisons per event,
    // never more than the cap for one.
    assert!(stats.comparisons < data.event_ids.len() as u64);
    assert!(stats.most_comparisons <= FuzzyConfig::DEFAULT_MAX_COMPARISONS);

    // Fuzzy matching only ever joins deterministic profiles.
    let mut joined: HashMap<&ProfileId, &ProfileId> = HashMap::new();
    for (event, profile) in &deterministic {
        let merged = &fuzzy[event];
        assert_eq!(*joined.entry(profile).or_insert(merged), merged, "{event}");
    }
}
