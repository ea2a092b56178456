//! Fuzzy matching inside the resolver, against the deterministic resolver
//! as the oracle: fuzzy links only ever join deterministic profiles, and
//! with `auto_merge` out of the rules' reach the partition is the
//! deterministic one.

use std::collections::{BTreeMap, BTreeSet};

use idstitch::fuzzy::{BlockKey, FuzzyConfig, MatchRecord, MatchRule, Score};
use idstitch::{
    Channel, Event, Identifier, IdentifierKind, LinkRule, Protection, Region, Resolver,
    ResolverBuilder, ReviewReason, SecretKey,
};
use proptest::prelude::*;

/// Values a few edits apart: typo'd emails, transposed phone digits, name
/// spellings, and strangers that look alike.
const EMAILS: &[&str] = &[
    "jan.devries@gmail.com",
    "jan.devries@gmial.com",
    "jan.devrie@gmail.com",
    "anna.muller@ziggo.nl",
    "anna.muller@zigo.nl",
    "anna.mueller@ziggo.nl",
    "piet@hotmail.com",
    "piet@hotmial.com",
];
const PHONES: &[&str] = &["0612345678", "0612345687", "0621345678", "0687654321"];
const COOKIES: &[&str] = &["ck_1", "ck_2", "ck_3", "ck_4", "ck_5"];
const NAMES: &[(&str, &str)] = &[
    ("Jan de Vries", "1234 AB"),
    ("de Vries, Jan", "1234ab"),
    ("Jan de Vos", "1234 AB"),
    ("Anna Müller", "10115"),
    ("Anna Mueller", "10115"),
    ("Anna Müller", "80331"),
];

/// One generated event: a time, identifier choices and maybe a name.
#[derive(Debug, Clone)]
struct Spec {
    tick: Option<u8>,
    email: Option<usize>,
    phone: Option<usize>,
    cookie: Option<usize>,
    name: Option<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::option::weighted(0.75, 0..6u8),
        prop::option::of(0..EMAILS.len()),
        prop::option::of(0..PHONES.len()),
        prop::option::of(0..COOKIES.len()),
        prop::option::of(0..NAMES.len()),
    )
        .prop_map(|(tick, email, phone, cookie, name)| Spec {
            tick,
            email,
            phone,
            cookie,
            name,
        })
}

fn events(specs: &[Spec]) -> Vec<Event> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let mut event = Event::new(format!("e{i}")).with_channel(Channel::Web);
            if let Some(tick) = spec.tick {
                event = event.with_ts(idstitch::Timestamp::from_unix_millis(
                    1_772_361_000_000 + i64::from(tick) * 60_000,
                ));
            }
            if let Some(at) = spec.email {
                event = event.with_identifier(Identifier::email(EMAILS[at]));
            }
            if let Some(at) = spec.phone {
                event = event.with_identifier(Identifier::phone(PHONES[at]));
            }
            if let Some(at) = spec.cookie {
                event = event.with_identifier(Identifier::cookie(COOKIES[at]));
            }
            if let Some(at) = spec.name {
                let (name, postcode) = NAMES[at];
                event = event
                    .with_attr("name", name)
                    .with_attr("postcode", postcode);
            }
            event
        })
        .collect()
}

fn builder() -> ResolverBuilder {
    // No protection: its generic checks see different profiles with and
    // without fuzzy links, which would blur what is compared here.
    ResolverBuilder::new(SecretKey::derive("fuzzy"))
        .default_region(Region::NL)
        .protection(Protection::none())
}

fn partition(resolver: &Resolver, events: &[Event]) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<_, BTreeSet<String>> = BTreeMap::new();
    for event in events {
        let profile = resolver
            .event_profile(event.id())
            .expect("every event has a profile");
        groups
            .entry(profile)
            .or_default()
            .insert(event.id().to_owned());
    }
    groups.into_values().collect()
}

fn run(builder: ResolverBuilder, events: &[Event]) -> Resolver {
    let mut resolver = builder.build();
    for event in events {
        let _ = resolver.observe(event).expect("valid event");
    }
    resolver
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Fuzzy links only join: every deterministic profile lies inside one
    /// profile of the fuzzy resolver, and every fuzzy merge is explained.
    #[test]
    fn fuzzy_matching_never_splits_a_deterministic_profile(specs in prop::collection::vec(spec(), 0..=30)) {
        let events = events(&specs);
        let plain = partition(&run(builder(), &events), &events);
        let fuzzy_resolver = run(builder().fuzzy(FuzzyConfig::default()), &events);
        let fuzzy = partition(&fuzzy_resolver, &events);
        for group in &plain {
            prop_assert!(fuzzy.iter().any(|outer| group.is_subset(outer)), "{group:?} split in {fuzzy:?}");
        }
        prop_assert!(fuzzy.len() <= plain.len());
        let stats = fuzzy_resolver.fuzzy_stats().expect("fuzzy is on");
        prop_assert!(stats.most_comparisons <= FuzzyConfig::default().comparison_cap());
    }

    /// With `auto_merge` at 1, out of the built-in rules' reach, fuzzy
    /// matching merges nothing: the partition is the deterministic one, and
    /// what it found waits for review.
    #[test]
    fn unreachable_auto_merge_keeps_the_deterministic_partition(specs in prop::collection::vec(spec(), 0..=30)) {
        let events = events(&specs);
        let plain = partition(&run(builder(), &events), &events);
        let mut config = FuzzyConfig::default();
        config.thresholds(0.5, 1.0).expect("valid thresholds");
        let resolver = run(builder().fuzzy(config), &events);
        prop_assert_eq!(partition(&resolver, &events), plain);
        for item in resolver.review_queue() {
            let is_fuzzy = matches!(item.reason(), ReviewReason::FuzzyMatch { .. });
            prop_assert!(is_fuzzy);
        }
    }
}

fn email_event(id: &str, email: &str, cookie: &str) -> Event {
    Event::new(id)
        .with_identifier(Identifier::email(email))
        .with_identifier(Identifier::cookie(cookie))
}

#[test]
fn a_domain_typo_merges_with_the_rule_as_evidence() {
    let events = [
        email_event("e1", "jan.devries@gmail.com", "ck_1"),
        email_event("e2", "jan.devries@gmial.com", "ck_2"),
    ];
    let resolver = run(builder().fuzzy(FuzzyConfig::default()), &events);
    assert_eq!(resolver.profile_count(), 1);
    let why = resolver
        .explain(&Identifier::cookie("ck_1"), &Identifier::cookie("ck_2"))
        .unwrap()
        .unwrap();
    let rules: Vec<&LinkRule> = why.links().iter().map(|link| link.rule()).collect();
    assert!(
        rules
            .iter()
            .any(|rule| matches!(rule, LinkRule::Fuzzy { rule, score } if rule == "email_typo" && score.get() >= 0.95)),
        "{rules:?}"
    );
}

#[test]
fn near_miss_strangers_only_reach_the_review_queue() {
    // Two people at one postcode: Jan de Vries and Jan de Vos.
    let events = [
        Event::new("e1")
            .with_identifier(Identifier::cookie("ck_1"))
            .with_attr("name", "Jan de Vries")
            .with_attr("postcode", "1234 AB"),
        Event::new("e2")
            .with_identifier(Identifier::cookie("ck_2"))
            .with_attr("name", "Jan de Vos")
            .with_attr("postcode", "1234 AB"),
    ];
    let resolver = run(builder().fuzzy(FuzzyConfig::default()), &events);
    assert_eq!(resolver.profile_count(), 2);
}

#[test]
fn forgetting_an_identifier_drops_its_events_from_fuzzy_matching() {
    let mut resolver = builder().fuzzy(FuzzyConfig::default()).build();
    let first = resolver
        .observe(&email_event("e1", "jan.devries@gmail.com", "ck_1"))
        .unwrap();
    let forgotten = resolver
        .forget(&Identifier::email("jan.devries@gmail.com"))
        .unwrap();
    assert_eq!(forgotten.profile(), Some(first.profile()));
    let later = resolver
        .observe(&email_event("e2", "jan.devries@gmial.com", "ck_2"))
        .unwrap();
    assert!(later.merges().is_empty());
    assert_eq!(resolver.profile_count(), 2);
    assert!(resolver.review_queue().is_empty());
}

#[test]
fn fuzzy_links_respect_limits_and_go_to_review() {
    let protection = Protection::default().max_per_profile(idstitch::IdentifierKind::Email, 1);
    let builder = ResolverBuilder::new(SecretKey::derive("fuzzy"))
        .protection(protection)
        .fuzzy(FuzzyConfig::default());
    let events = [
        email_event("e1", "jan.devries@gmail.com", "ck_1"),
        email_event("e2", "jan.devries@gmial.com", "ck_2"),
    ];
    let resolver = run(builder, &events);
    assert_eq!(resolver.profile_count(), 2);
    let queue = resolver.review_queue();
    assert_eq!(queue.len(), 1);
    assert!(
        matches!(queue[0].reason(), ReviewReason::FuzzyMatch { rule, .. } if rule == "email_typo")
    );
}

/// Gives 0.99 to two records at one store when both show a cookie and
/// neither shows a `note`; reads cookies only when told to.
struct CookiesAtOneStore {
    reads_cookies: bool,
}

impl MatchRule for CookiesAtOneStore {
    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
        let shows = |record: &MatchRecord| {
            record.values(&IdentifierKind::Cookie).next().is_some() && record.attr("note").is_none()
        };
        (shows(a) && shows(b)).then(|| Score::new(0.99).expect("in range"))
    }

    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        keys.extend(record.attr("store").map(BlockKey::new));
    }

    fn reads_identifier(&self, kind: &IdentifierKind) -> bool {
        self.reads_cookies && *kind == IdentifierKind::Cookie
    }

    fn reads_attr(&self, name: &str) -> bool {
        name == "store"
    }
}

#[test]
fn records_hold_only_what_some_rule_reads() {
    let events = [("e1", "ck_1"), ("e2", "ck_2")].map(|(id, cookie)| {
        Event::new(id)
            .with_identifier(Identifier::cookie(cookie))
            .with_attr("store", "utrecht-1")
            .with_attr("note", "not read by any rule")
    });
    let profiles = |reads_cookies: bool| {
        let mut config = FuzzyConfig::new();
        config
            .clear_rules()
            .rule(CookiesAtOneStore { reads_cookies });
        run(builder().fuzzy(config), &events).profile_count()
    };
    // The rule sees the cookies it reads, and never the note.
    assert_eq!(profiles(true), 1);
    // Cookies it does not read are not in its records.
    assert_eq!(profiles(false), 2);
}
