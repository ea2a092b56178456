//! Throughput of the resolver on a deterministic synthetic stream.
//!
//! 100,000 events from 25,000 people, about three identifiers each, as real
//! data arrives: emails in mixed case with stray spaces, NL mobiles in
//! national, international and WhatsApp formats, cookies (several per
//! person), loyalty cards with dashes or spaces, and a little junk. Each
//! person shows up in several events with different subsets of their
//! identifiers, so profiles are created and then merged.
//!
//! ```text
//! cargo bench --bench observe -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use idstitch::{
    Change, Channel, Event, Identifier, Normalizer, Protection, Region, Resolver, ResolverBuilder,
    SecretKey, Timestamp,
};

const EVENTS: usize = 100_000;
const PEOPLE: usize = 25_000;

/// SplitMix64: tiny, seeded, and the same stream on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Person {
    email: String,
    /// The 8 digits after `06`.
    mobile: u32,
    cookies: Vec<String>,
    card: Option<u64>,
}

fn person(rng: &mut Rng, n: usize) -> Person {
    const FIRST: [&str; 8] = [
        "jan", "anna", "piet", "sanne", "daan", "emma", "lars", "noor",
    ];
    const DOMAINS: [&str; 5] = [
        "example.com",
        "gmail.com",
        "outlook.nl",
        "ziggo.nl",
        "shop.nl",
    ];
    Person {
        email: format!(
            "{}.{n}@{}",
            FIRST[rng.below(FIRST.len())],
            DOMAINS[rng.below(DOMAINS.len())]
        ),
        mobile: 10_000_000 + rng.below(89_999_999) as u32,
        cookies: (0..1 + rng.below(3))
            .map(|_| format!("ck_{:012x}", rng.next() >> 16))
            .collect(),
        card: rng
            .chance(60)
            .then(|| 4_471_000_000_000 + rng.next() % 1_000_000_000),
    }
}

/// The email as someone typed it: random case, sometimes padded.
fn messy_email(rng: &mut Rng, email: &str) -> String {
    let cased: String = email
        .chars()
        .map(|c| {
            if rng.chance(20) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    if rng.chance(15) {
        format!(" {cased} ")
    } else {
        cased
    }
}

fn messy_phone(rng: &mut Rng, mobile: u32) -> String {
    let (hi, lo) = (mobile / 10_000, mobile % 10_000);
    match rng.below(5) {
        0 => format!("06-{mobile}"),
        1 => format!("+31 6 {hi:04} {lo:04}"),
        2 => format!("00316{mobile}"),
        3 => format!("316{mobile}"),
        _ => format!("06 {mobile}"),
    }
}

fn messy_card(rng: &mut Rng, card: u64) -> String {
    let digits = card.to_string();
    let sep = ["-", " ", ""][rng.below(3)];
    digits
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect::<Vec<_>>()
        .join(sep)
}

fn junk(rng: &mut Rng) -> Identifier {
    match rng.below(4) {
        0 => Identifier::email("unknown"),
        1 => Identifier::phone("0000000000"),
        2 => Identifier::phone(""),
        _ => Identifier::loyalty_card("n/a"),
    }
}

/// The synthetic stream, built once outside any timing.
fn stream() -> Vec<Event> {
    let mut rng = Rng(0x1d57_17c4);
    let people: Vec<Person> = (0..PEOPLE).map(|n| person(&mut rng, n)).collect();
    let channels = [
        Channel::Web,
        Channel::App,
        Channel::Store,
        Channel::WhatsApp,
        Channel::Chat,
        Channel::Email,
    ];
    let start = 1_772_323_200_000_i64; // 2026-03-01T00:00:00Z
    (0..EVENTS)
        .map(|n| {
            let who = &people[rng.below(PEOPLE)];
            let channel = channels[rng.below(channels.len())].clone();
            let mut event = Event::new(format!("ev-{n:06}"))
                .with_ts(Timestamp::from_unix_millis(start + n as i64 * 25_000))
                .with_channel(channel.clone());
            let mut identifiers = Vec::with_capacity(4);
            let cookie = &who.cookies[rng.below(who.cookies.len())];
            match channel {
                Channel::Web | Channel::App => {
                    identifiers.push(Identifier::cookie(cookie.as_str()));
                    if rng.chance(70) {
                        identifiers.push(Identifier::email(messy_email(&mut rng, &who.email)));
                    }
                    if rng.chance(40) {
                        identifiers.push(Identifier::phone(messy_phone(&mut rng, who.mobile)));
                    }
                }
                Channel::Store => {
                    match who.card {
                        Some(card) => {
                            identifiers.push(Identifier::loyalty_card(messy_card(&mut rng, card)))
                        }
                        None => {
                            identifiers.push(Identifier::email(messy_email(&mut rng, &who.email)))
                        }
                    }
                    identifiers.push(Identifier::phone(messy_phone(&mut rng, who.mobile)));
                    if rng.chance(30) {
                        identifiers.push(Identifier::email(messy_email(&mut rng, &who.email)));
                    }
                }
                _ => {
                    identifiers.push(Identifier::chat_session(
                        channel.clone(),
                        format!("s-{}", rng.next() >> 20),
                    ));
                    identifiers.push(Identifier::phone(messy_phone(&mut rng, who.mobile)));
                    identifiers.push(Identifier::email(messy_email(&mut rng, &who.email)));
                }
            }
            if rng.chance(3) {
                identifiers.push(junk(&mut rng));
            }
            event = event.with_identifiers(identifiers);
            event
        })
        .collect()
}

fn build(keep_values: bool) -> Resolver {
    build_with(keep_values, true, Protection::default())
}

/// Builds the resolver a bench path starts from.
type MakeResolver = fn() -> Resolver;

fn build_with(keep_values: bool, keep_evidence: bool, protection: Protection) -> Resolver {
    builder(keep_values, keep_evidence, protection).build()
}

fn builder(keep_values: bool, keep_evidence: bool, protection: Protection) -> ResolverBuilder {
    ResolverBuilder::new(SecretKey::derive("bench"))
        .default_region(Region::NL)
        .keep_values(keep_values)
        .keep_evidence(keep_evidence)
        .protection(protection)
}

fn warm(events: &[Event], keep_values: bool) -> Resolver {
    let mut resolver = build(keep_values);
    for event in events {
        let _ = resolver.observe(event).unwrap();
    }
    resolver
}

fn benches(c: &mut Criterion) {
    let events = stream();
    let identifiers: usize = events.iter().map(|e| e.identifiers().len()).sum();
    {
        let resolver = warm(&events, false);
        eprintln!(
            "stream: {} events, {identifiers} identifiers ({:.2} per event); {} distinct identifiers, {} profiles, {} merges",
            events.len(),
            identifiers as f64 / events.len() as f64,
            resolver.identifier_count(),
            resolver.profile_count(),
            resolver
                .changes()
                .iter()
                .filter(|change| matches!(change, Change::Merged(_)))
                .count(),
        );
    }

    let mut group = c.benchmark_group("observe");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    // "plain_union_find" is the floor of this crate: no evidence graph, no
    // protection; the difference to "hashed" is what the graph costs.
    // "hashed_fuzzy" adds the built-in fuzzy rules: each event matched
    // against the earlier ones through blocking (issue 5: within 3x of
    // "hashed").
    let paths: [(&str, MakeResolver); 5] = [
        ("hashed", || build(false)),
        ("keep_values", || build(true)),
        ("hashed_no_evidence", || {
            build_with(false, false, Protection::default())
        }),
        ("plain_union_find", || {
            build_with(false, false, Protection::none())
        }),
        ("hashed_fuzzy", || {
            builder(false, true, Protection::default())
                .fuzzy(idstitch::fuzzy::FuzzyConfig::default())
                .build()
        }),
    ];
    for (name, make) in paths {
        group.bench_function(name, |b| {
            b.iter_batched(
                make,
                |mut resolver| {
                    for event in &events {
                        let _ = black_box(resolver.observe(event));
                    }
                    resolver
                },
                BatchSize::LargeInput,
            );
        });
    }
    // The same stream through observe_batch: normalizing and hashing on
    // every core, linking on one.
    group.bench_function("hashed_batch", |b| {
        b.iter_batched(
            || build(false),
            |mut resolver| {
                let _ = black_box(resolver.observe_batch(&events));
                resolver
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    // The raw values of each kind, as they occur in the stream.
    let mut normalizer = Normalizer::default();
    normalizer.default_region(Region::NL);
    let mut group = c.benchmark_group("normalize");
    for kind in ["email", "phone", "loyalty_card", "cookie", "chat_session"] {
        let values: Vec<&Identifier> = events
            .iter()
            .flat_map(Event::identifiers)
            .filter(|id| id.kind().as_str() == kind)
            .take(10_000)
            .collect();
        group.throughput(Throughput::Elements(values.len() as u64));
        group.bench_function(kind, |b| {
            b.iter(|| {
                for value in &values {
                    let _ = black_box(normalizer.normalize(value));
                }
            });
        });
    }
    group.finish();

    let resolver = warm(&events, false);
    let probes: Vec<&Identifier> = events
        .iter()
        .step_by(97)
        .flat_map(Event::identifiers)
        .collect();
    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("warm", |b| {
        b.iter(|| {
            for probe in &probes {
                let _ = black_box(resolver.lookup(probe));
            }
        });
    });
    group.finish();

    // Forgetting one identifier re-forms only its profile from the evidence.
    let mut group = c.benchmark_group("forget");
    group.sample_size(10);
    let victims: Vec<Identifier> = events
        .iter()
        .step_by(101)
        .filter_map(|event| event.identifiers().first().cloned())
        .take(200)
        .collect();
    group.throughput(Throughput::Elements(victims.len() as u64));
    group.bench_function("one_identifier", |b| {
        b.iter_batched(
            || warm(&events, false),
            |mut resolver| {
                for victim in &victims {
                    let _ = black_box(resolver.forget(victim));
                }
                resolver
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    for (name, keep_values) in [("hashed", false), ("keep_values", true)] {
        let resolver = warm(&events, keep_values);
        let mut bytes = Vec::new();
        resolver.save_snapshot(&mut bytes).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("save/{name}"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(bytes.len());
                resolver.save_snapshot(&mut out).unwrap();
                out
            });
        });
        group.bench_function(format!("load/{name}"), |b| {
            b.iter(|| {
                Resolver::load_snapshot(SecretKey::derive("bench"), bytes.as_slice()).unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(observe, benches);
criterion_main!(observe);
