//! Bytes → a short stream of small events over a small pool of identifiers
//! (several spellings of the same email, phone and card, junk, chat sessions
//! qualified by the event's channel, phones read in the event's country).
//! The resolver's partition must match a breadth-first search over shared
//! normalized identifiers, counts must add up, and a snapshot taken halfway
//! must resume to the same state. Plain transitive merging
//! ([`Protection::none`]), as the oracle does.
#![no_main]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use idstitch::{
    Change, Channel, Event, Identifier, IdentifierKind, Normalizer, Protection, Region, Resolver,
    ResolverBuilder, SecretKey,
};
use libfuzzer_sys::fuzz_target;

const POOL: &[(&str, &str)] = &[
    ("cookie", "ck_9f2a"),
    ("cookie", "ck_b71c"),
    ("cookie", " ck_9f2a "),
    ("email", " Jan.deVries@Example.COM "),
    ("email", "jan.devries@example.com"),
    ("email", "piet@example.nl"),
    ("email", "Piet@Example.NL"),
    ("email", "no-at"),
    ("email", ""),
    ("phone", "06-12345678"),
    ("phone", "+31 6 1234 5678"),
    ("phone", "0031612345678"),
    ("phone", "040 1234567"),
    ("phone", "+49 40 1234567"),
    ("phone", "abc"),
    ("phone", ""),
    ("loyalty_card", "4471-0092-1183"),
    ("loyalty_card", "447100921183"),
    ("loyalty_card", "NL-1234-5678"),
    ("chat_session", "s-1"),
    ("chat_session", "s-2"),
    ("chat_session@whatsapp", "s-1"),
    ("device_id", "d-1"),
    ("device_id", "\u{0}"),
];

const CHANNELS: [Option<Channel>; 4] = [
    None,
    Some(Channel::Web),
    Some(Channel::WhatsApp),
    Some(Channel::Chat),
];
const COUNTRIES: [Option<(&str, Region)>; 4] = [
    None,
    Some(("NL", Region::NL)),
    Some(("DE", Region::DE)),
    Some(("FI", Region::FI)),
];

fn identifier(index: usize) -> Identifier {
    let (kind, raw) = POOL[index];
    match kind.split_once('@') {
        Some((_, channel)) => Identifier::chat_session(channel.parse().unwrap(), raw),
        None => Identifier::new(kind.parse::<IdentifierKind>().unwrap(), raw),
    }
}

/// Decodes events: a header byte (id, channel, country, identifier count)
/// then one byte per identifier. Ids repeat so that replays happen.
fn decode(mut data: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    while let [header, extra, rest @ ..] = data {
        let mut event = Event::new(format!("e{}", header % 32));
        if let Some(channel) = &CHANNELS[usize::from(extra & 3)] {
            event = event.with_channel(channel.clone());
        }
        if let Some((country, _)) = COUNTRIES[usize::from((extra >> 2) & 3)] {
            event = event.with_attr("country", country);
        }
        let count = usize::from(extra >> 4) % 5;
        let (ids, rest) = rest.split_at(count.min(rest.len()));
        for &byte in ids {
            event = event.with_identifier(identifier(usize::from(byte) % POOL.len()));
        }
        events.push(event);
        data = rest;
        if events.len() == 64 {
            break;
        }
    }
    events
}

/// Connected components of the events' first occurrences, by BFS over
/// shared normalized `(kind, value)`, normalizing as the resolver must: the
/// event's country before the default region, the identifier's own channel
/// before the event's.
fn oracle(events: &[Event]) -> BTreeSet<BTreeSet<String>> {
    let mut seen = BTreeSet::new();
    let firsts: Vec<&Event> = events.iter().filter(|e| seen.insert(e.id())).collect();
    let normalizers: Vec<(Option<&str>, Normalizer)> = COUNTRIES
        .iter()
        .map(|country| {
            let mut normalizer = Normalizer::default();
            normalizer.default_region(country.map_or(Region::NL, |(_, region)| region));
            (country.map(|(name, _)| name), normalizer)
        })
        .collect();
    let keys: Vec<BTreeSet<(String, String)>> = firsts
        .iter()
        .map(|event| {
            let country = event.attrs().get("country").map(String::as_str);
            let (_, normalizer) = normalizers
                .iter()
                .find(|(name, _)| *name == country)
                .expect("only known countries are generated");
            event
                .identifiers()
                .iter()
                .filter_map(|id| {
                    let id = match (id.kind(), id.channel(), event.channel()) {
                        (IdentifierKind::ChatSession, None, Some(channel)) => {
                            Identifier::chat_session(channel.clone(), id.value())
                        }
                        _ => id.clone(),
                    };
                    Some((id.kind().to_string(), normalizer.normalize(&id).ok()?))
                })
                .collect()
        })
        .collect();
    let mut holders: HashMap<&(String, String), Vec<usize>> = HashMap::new();
    for (at, keys) in keys.iter().enumerate() {
        for key in keys {
            holders.entry(key).or_default().push(at);
        }
    }
    let mut done = vec![false; firsts.len()];
    let mut parts = BTreeSet::new();
    for start in 0..firsts.len() {
        if done[start] {
            continue;
        }
        done[start] = true;
        let mut part = BTreeSet::new();
        let mut queue = VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            part.insert(firsts[at].id().to_owned());
            for key in &keys[at] {
                for &next in &holders[key] {
                    if !std::mem::replace(&mut done[next], true) {
                        queue.push_back(next);
                    }
                }
            }
        }
        parts.insert(part);
    }
    parts
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

fn save(resolver: &Resolver) -> Vec<u8> {
    let mut bytes = Vec::new();
    resolver.save_snapshot(&mut bytes).unwrap();
    bytes
}

fuzz_target!(|data: &[u8]| {
    let [mode, cut, rest @ ..] = data else { return };
    let events = decode(rest);
    let secret = SecretKey::derive("fuzz");
    let build = || {
        ResolverBuilder::new(secret.clone())
            .default_region(Region::NL)
            .keep_values(mode & 1 == 1)
            .protection(Protection::none())
            .build()
    };
    let cut = usize::from(*cut) % (events.len() + 1);

    let mut resolver = build();
    let mut seen = BTreeSet::new();
    for event in &events[..cut] {
        let outcome = resolver.observe(event).unwrap();
        assert_eq!(outcome.is_replay(), !seen.insert(event.id()));
    }
    let bytes = save(&resolver);
    let mut restored = Resolver::load_snapshot(secret.clone(), bytes.as_slice()).unwrap();
    assert_eq!(save(&restored), bytes);
    for event in &events[cut..] {
        let outcome = resolver.observe(event).unwrap();
        assert_eq!(outcome.is_replay(), !seen.insert(event.id()));
        assert_eq!(restored.observe(event).unwrap(), outcome);
        for merge in outcome.merges() {
            assert_eq!(merge.survivor(), outcome.profile());
            assert_eq!(resolver.canonical(merge.retired()), Some(outcome.profile()));
        }
        if let Some(rename) = outcome.renamed() {
            assert_eq!(
                (rename.to(), resolver.canonical(rename.from())),
                (outcome.profile(), Some(outcome.profile()))
            );
        }
    }

    let expected = oracle(&events);
    assert_eq!(partition(&resolver, &events), expected);
    assert_eq!(resolver.profile_count(), expected.len());
    assert_eq!(resolver.event_count(), seen.len());
    let total: u64 = resolver.profiles().map(|p| p.event_count()).sum();
    assert_eq!(total, seen.len() as u64);
    assert!(resolver.profiles().eq(restored.profiles()));
    assert_eq!(resolver.changes(), restored.changes());
    // Without forgets nothing splits, and every change names live ids' past.
    for change in resolver.changes() {
        match change {
            Change::Merged(merge) => assert_eq!(
                resolver.canonical(merge.retired()),
                resolver.canonical(merge.survivor())
            ),
            Change::Renamed(rename) => assert_eq!(
                resolver.canonical(rename.from()),
                resolver.canonical(rename.to())
            ),
            other => panic!("no split without a forget: {other:?}"),
        }
    }
    assert_eq!(save(&resolver), save(&restored));
    for index in 0..POOL.len() {
        let id = identifier(index);
        assert_eq!(resolver.lookup(&id).ok(), restored.lookup(&id).ok());
    }
});
