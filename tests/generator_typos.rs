//! The generator's typo mode (`Schedule::with_typos`, `generate --typos`):
//! deterministic, names and places in `attrs`, the typos and near misses it
//! claims, nothing that deterministic resolution could join by mistake; and
//! without it, the same bytes as before it existed. Run with `--nocapture`
//! to see the figures.

mod common;

use std::collections::{HashMap, HashSet};

use common::generator::{
    Config, Generated, NearMiss, Role, Schedule, Typo, generate, generate_from,
    pairwise_precision_recall,
};
use idstitch::{Identifier, Normalizer, Region, ResolverBuilder, SecretKey};
use serde_json::Value;

/// FNV-1a, 64 bits: a checksum that does not change between Rust versions.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The bytes `generate` wrote before typo mode existed (FNV-1a of its
/// stdout for `--people 2000 --seed 7`, `--people 2000 --planted --garbage
/// --seed 7` and `--events 5000 --ids-per-event 3`): without typo mode not
/// a byte changes.
#[test]
fn without_typos_the_output_is_as_before() {
    let config = Config {
        seed: 7,
        people: 2000,
        ..Config::default()
    };
    assert_eq!(
        fnv(generate(&config).jsonl.as_bytes()),
        0x9e60_4864_1dcb_5f4e
    );
    let planted = Config {
        planted: true,
        garbage: true,
        ..config
    };
    assert_eq!(
        fnv(generate(&planted).jsonl.as_bytes()),
        0x60f1_392a_1084_6ddf
    );
    let schedule = Schedule::with_identifiers_per_event(&Config::events(5000), 3.0);
    assert_eq!(
        fnv(generate_from(&schedule).jsonl.as_bytes()),
        0xb47b_dea3_3fa4_2191
    );
}

fn typos(config: &Config) -> Generated {
    generate_from(&Schedule::new(config).with_typos())
}

#[test]
fn typo_mode_is_deterministic_and_keeps_the_truth() {
    let config = Config {
        seed: 13,
        people: 3000,
        garbage: true,
        replays: true,
        planted: true,
        ..Config::default()
    };
    let plain = generate(&config);
    let a = typos(&config);
    assert_eq!(a.jsonl, typos(&config).jsonl);
    assert_ne!(a.jsonl, plain.jsonl);
    assert_ne!(
        a.jsonl,
        typos(&Config {
            seed: 14,
            ..config.clone()
        })
        .jsonl
    );
    // Typos replace events' text, never add or drop events.
    assert_eq!((&a.truth, &a.event_ids), (&plain.truth, &plain.event_ids));
    assert_eq!(a.skipped_lines, plain.skipped_lines);
    assert_eq!(a.jsonl.lines().count(), plain.jsonl.lines().count());
    // The stream writes what `generate_from` does, with more identifiers
    // per event too.
    let schedule = Schedule::with_identifiers_per_event(&config, 3.0).with_typos();
    let mut streamed = String::new();
    schedule.for_each_line(|line| {
        streamed.push_str(line.text);
        streamed.push('\n');
    });
    assert_eq!(streamed, generate_from(&schedule).jsonl);
}

/// What the lines of a typo-mode data set say about its people.
struct Seen {
    /// Event id → its `attrs`.
    attrs: HashMap<String, serde_json::Map<String, Value>>,
    /// Event id → the typo it carries.
    typos: HashMap<String, (Typo, String)>,
    /// Person → their own emails and phones, normalized, for comparing
    /// with their typos.
    own: HashMap<usize, Vec<(&'static str, String)>>,
}

fn look(schedule: &Schedule, people: usize) -> Seen {
    let mut seen = Seen {
        attrs: HashMap::new(),
        typos: HashMap::new(),
        own: HashMap::new(),
    };
    schedule.for_each_line(|line| {
        let (Some(person), Some(id)) = (line.person, line.id()) else {
            return;
        };
        if line.replay || person >= people {
            return;
        }
        let event: Value = serde_json::from_str(line.text).unwrap();
        let attrs = event["attrs"].as_object().cloned().unwrap_or_default();
        let country = attrs.get("country").and_then(Value::as_str);
        let mut kinds = event["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|identifier| identifier["type"].as_str().unwrap().to_owned());
        for (role, value) in line.values() {
            let kind = kinds.next().unwrap();
            match role {
                Role::Typo(typo) => {
                    let before = seen.typos.insert(id.to_owned(), (typo, value.to_owned()));
                    assert!(before.is_none(), "one typo per event: {}", line.text);
                }
                Role::Own if kind == "email" || kind == "phone" => {
                    let kind = if kind == "email" { "email" } else { "phone" };
                    let value = normalize(kind, value, country);
                    seen.own.entry(person).or_default().push((kind, value));
                }
                _ => {}
            }
        }
        seen.attrs.insert(id.to_owned(), attrs);
    });
    seen
}

/// Normalizes `value` of `kind` as the resolver does, with the event's
/// `country` (or NL).
fn normalize(kind: &str, value: &str, country: Option<&str>) -> String {
    let mut normalizer = Normalizer::default();
    normalizer.default_region(match country {
        Some("DE") => Region::DE,
        Some("FI") => Region::FI,
        _ => Region::NL,
    });
    let identifier = match kind {
        "email" => Identifier::email(value),
        _ => Identifier::phone(value),
    };
    normalizer
        .normalize(&identifier)
        .unwrap_or_else(|e| panic!("{kind} {value:?}: {e}"))
}

/// Whether `a` and `b` differ by one letter deleted, inserted or replaced,
/// or two neighbours swapped.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    a != b
        && (a.get(1..) == Some(b)
            || b.get(1..) == Some(a)
            || a.get(1..) == b.get(1..)
            || (a.len() >= 2 && b.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..]))
}

#[test]
fn typo_mode_writes_names_places_and_the_typos_it_claims() {
    let config = Config {
        seed: 21,
        people: 4000,
        garbage: true,
        ..Config::default()
    };
    let schedule = Schedule::new(&config).with_typos();
    let data = generate_from(&schedule);
    let seen = look(&schedule, config.people);

    // Names, cities and postcodes, in the formats of their countries.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut spellings = HashSet::new();
    for attrs in seen.attrs.values() {
        for key in ["name", "city", "postcode"] {
            let Some(value) = attrs.get(key).and_then(Value::as_str) else {
                continue;
            };
            *counts.entry(key).or_default() += 1;
            if key == "postcode" {
                let digits = value.bytes().take_while(u8::is_ascii_digit).count();
                let rest = value[digits..].trim_start();
                assert!(
                    (digits == 5 && rest.is_empty())
                        || (digits == 4
                            && rest.len() == 2
                            && rest.bytes().all(|b| b.is_ascii_alphabetic())),
                    "{value:?}"
                );
            }
            if key == "name" {
                if value.contains(", ") {
                    spellings.insert("reversed");
                }
                if value.contains('ü') {
                    spellings.insert("umlaut");
                }
                if value.contains("ue") {
                    spellings.insert("transliterated");
                }
                if value.contains(". ") {
                    spellings.insert("initial");
                }
                if value.len() > 4 && value == value.to_uppercase() {
                    spellings.insert("capitals");
                }
            }
        }
    }
    let events = data.event_ids.len();
    for key in ["name", "city", "postcode"] {
        assert!(counts[key] * 10 > events, "{key}: {counts:?} of {events}");
    }
    assert_eq!(spellings.len(), 5, "{spellings:?}");
    eprintln!("attrs on {events} events: {counts:?}");

    // The typos claimed: about 5 % of people an email typo, 2 % a phone
    // slip, each a letter or two digits off one of their own values, on an
    // event with their name and a place.
    let mut by_kind: HashMap<Typo, usize> = HashMap::new();
    let mut typo_people = HashSet::new();
    for (id, (typo, value)) in &seen.typos {
        *by_kind.entry(*typo).or_default() += 1;
        let person = data.truth[id];
        assert!(typo_people.insert(person), "one typo per person");
        let attrs = &seen.attrs[id];
        assert!(attrs.contains_key("name"), "{id}: {attrs:?}");
        assert!(attrs.contains_key("city") || attrs.contains_key("postcode"));
        let country = attrs.get("country").and_then(Value::as_str);
        let kind = if *typo == Typo::PhoneSlip {
            "phone"
        } else {
            "email"
        };
        let typed = normalize(kind, value, country);
        let own: HashSet<String> = seen.own[&person]
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v.clone())
            .collect();
        assert!(!own.contains(&typed), "{value} is not a typo");
        let near = own.iter().any(|real| match typo {
            Typo::PhoneSlip => real.len() == typed.len() && one_edit(real, &typed),
            _ => {
                let (local, domain) = typed.split_once('@').unwrap();
                let (real_local, real_domain) = real.split_once('@').unwrap();
                if *typo == Typo::EmailDomain {
                    // A typo'd gmail.com keeps the dots gmail drops.
                    local.replace('.', "") == real_local.replace('.', "")
                        && one_edit(domain, real_domain)
                } else {
                    domain == real_domain && one_edit(local, real_local)
                }
            }
        });
        assert!(near, "{typo:?} {value} ({typed}) is not near {own:?}");
    }
    let per_100 = |n: usize| n as f64 * 100.0 / config.people as f64;
    let emails = by_kind[&Typo::EmailDomain] + by_kind[&Typo::EmailLocal];
    assert!((4.0..6.0).contains(&per_100(emails)), "{by_kind:?}");
    assert!(by_kind[&Typo::EmailLocal] * 4 > emails, "{by_kind:?}");
    assert!((1.5..3.0).contains(&per_100(by_kind[&Typo::PhoneSlip])));

    // Near misses: about 6 % of people, a third of each kind.
    let near = schedule.near_misses();
    assert!(
        (4.5..7.5).contains(&per_100(2 * near.len())),
        "{}",
        near.len()
    );
    for kind in [NearMiss::SamePlace, NearMiss::SameName, NearMiss::NearEmail] {
        assert!(near.iter().filter(|n| n.2 == kind).count() * 5 > near.len());
    }
    // Addresses one letter apart at the same domain (where both people's
    // events show an address at the domain they share), and no typo near
    // them.
    let (mut shown, mut near_emails) = (0, 0);
    for &(a, b, _) in near.iter().filter(|n| n.2 == NearMiss::NearEmail) {
        assert!(!typo_people.contains(&a) && !typo_people.contains(&b));
        let emails = |p: usize| -> HashSet<String> {
            seen.own
                .get(&p)
                .into_iter()
                .flatten()
                .filter(|(k, _)| *k == "email")
                .map(|(_, v)| v.clone())
                .collect()
        };
        let (mine, theirs) = (emails(a), emails(b));
        let domain = |x: &String| x.split_once('@').unwrap().1.to_owned();
        let domains: HashSet<String> = mine.iter().map(domain).collect();
        if !theirs.iter().any(|y| domains.contains(&domain(y))) {
            continue;
        }
        shown += 1;
        let one_apart = mine.iter().any(|x| {
            theirs.iter().any(|y| {
                let ((x, dx), (y, dy)) = (x.split_once('@').unwrap(), y.split_once('@').unwrap());
                dx == dy && one_edit(x, y)
            })
        });
        near_emails += usize::from(one_apart);
    }
    assert!(
        shown > 10 && near_emails == shown,
        "{near_emails} of {shown}"
    );
    eprintln!(
        "{} people: typos {by_kind:?}; {} near-miss pairs; {shown} of the {} with near addresses show them",
        config.people,
        near.len(),
        near.iter().filter(|n| n.2 == NearMiss::NearEmail).count()
    );

    // Deterministic resolution joins no strangers, rejects nothing but the
    // junk, and keeps each typo event apart from its person: only fuzzy
    // matching can join it.
    let mut resolver = ResolverBuilder::new(SecretKey::derive("typo test"))
        .default_region(Region::NL)
        .build();
    let mut rejected = 0;
    for (at, line) in data.jsonl.lines().enumerate() {
        let parsed = idstitch::jsonl::parse_line(line.as_bytes(), at as u64 + 1);
        if let Some(event) = parsed.event() {
            rejected += resolver
                .observe(event)
                .expect("a valid event")
                .rejects()
                .len();
        }
    }
    assert_eq!(rejected, data.junk_values);
    let predicted: HashMap<String, _> = data
        .event_ids
        .iter()
        .map(|id| (id.clone(), resolver.event_profile(id).unwrap()))
        .collect();
    let (precision, recall) = pairwise_precision_recall(&predicted, &data.truth);
    eprintln!("deterministic resolution: precision {precision}, recall {recall:.4}");
    assert_eq!(precision, 1.0);
    assert!(recall < 1.0 && recall > 0.9, "{recall}");
    let mut sizes: HashMap<_, usize> = HashMap::new();
    for profile in predicted.values() {
        *sizes.entry(profile).or_default() += 1;
    }
    for id in seen.typos.keys() {
        assert_eq!(sizes[&predicted[id]], 1, "{id} is joined deterministically");
    }
    // Everyone else is whole.
    let mut profiles: HashMap<usize, HashSet<_>> = HashMap::new();
    for (id, person) in &data.truth {
        if !seen.typos.contains_key(id) {
            profiles.entry(*person).or_default().insert(&predicted[id]);
        }
    }
    assert!(profiles.values().all(|set| set.len() == 1));
}
