//! Property tests of the resolver against a naive oracle.
//!
//! The oracle normalizes every identifier with the same [`Normalizer`] the
//! resolver uses, drops the invalid ones, and finds connected components by
//! breadth-first search over events that share a normalized `(kind, value)`.
//! An event with no valid identifier is a component of its own. Whatever the
//! resolver does with union-find, keys and snapshots must agree with that.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use idstitch::{
    Channel, Event, Identifier, IdentifierKind, Normalizer, Observation, Profile, ProfileId,
    Region, Resolver, ResolverBuilder, SecretKey,
};
use proptest::prelude::*;

/// Raw values as real data brings them: the same email in several cases and
/// paddings, the same NL mobile in national, international and WhatsApp
/// form, cards with and without dashes, and junk that must be rejected.
const POOL: &[(&str, &str)] = &[
    ("cookie", "ck_9f2a"),
    ("cookie", "ck_b71c"),
    ("cookie", "ck_33d0"),
    ("cookie", " ck_9f2a "),
    ("email", " Jan.deVries@Example.COM "),
    ("email", "jan.devries@example.com"),
    ("email", "JAN.DEVRIES@EXAMPLE.COM"),
    ("email", "piet@example.nl"),
    ("email", "Piet@Example.NL "),
    ("email", "anna@shop.nl"),
    ("email", "no-at"),
    ("email", ""),
    ("phone", "06-12345678"),
    ("phone", "+31 6 1234 5678"),
    ("phone", "0031612345678"),
    ("phone", "+31612345678"),
    ("phone", "06 87654321"),
    ("phone", "+31 6 8765 4321"),
    ("phone", "abc"),
    ("phone", ""),
    ("loyalty_card", "4471-0092-1183"),
    ("loyalty_card", "4471 0092 1183"),
    ("loyalty_card", "447100921183"),
    ("loyalty_card", "NL-1234-5678"),
    ("loyalty_card", "1234-5678"),
    ("chat_session@whatsapp", "s-1"),
    ("chat_session@chat", "s-1"),
    ("chat_session@chat", "s-2"),
    ("device_id", "d-1"),
    ("device_id", " "),
];

fn identifier(index: usize) -> Identifier {
    let (kind, raw) = POOL[index];
    match kind.split_once('@') {
        Some((_, channel)) => Identifier::chat_session(channel.parse::<Channel>().unwrap(), raw),
        None => Identifier::new(kind.parse::<IdentifierKind>().unwrap(), raw),
    }
}

fn event(id: &str, identifiers: &[usize]) -> Event {
    Event::new(id).with_identifiers(identifiers.iter().map(|&i| identifier(i)))
}

/// Event `i` of a generated case is `e{i}` with these pool indices.
type Case = Vec<Vec<usize>>;

fn events(case: &Case) -> Vec<Event> {
    case.iter()
        .enumerate()
        .map(|(i, ids)| event(&format!("e{i}"), ids))
        .collect()
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(prop::collection::vec(0..POOL.len(), 0..=4), 0..=40)
}

fn normalizer() -> Normalizer {
    let mut normalizer = Normalizer::default();
    normalizer.default_region(Region::NL);
    normalizer
}

fn resolver(keep_values: bool) -> Resolver {
    let resolver = ResolverBuilder::new(SecretKey::derive("oracle"))
        .default_region(Region::NL)
        .keep_values(keep_values)
        .build();
    assert_eq!(
        resolver.normalizer(),
        &normalizer(),
        "oracle and resolver normalize alike"
    );
    resolver
}

fn observe_all(resolver: &mut Resolver, events: &[Event]) -> Vec<Observation> {
    events
        .iter()
        .map(|event| resolver.observe(event).unwrap())
        .collect()
}

/// A normalized identifier as the oracle sees it.
type Key = (String, String);

/// The oracle's answer: components of event ids, and the normalized
/// identifiers of each.
#[derive(Debug)]
struct Oracle {
    /// Event id → component number.
    component: BTreeMap<String, usize>,
    /// Component number → its normalized identifiers.
    identifiers: Vec<BTreeSet<Key>>,
}

impl Oracle {
    fn new(events: &[Event]) -> Oracle {
        let normalizer = normalizer();
        // The first occurrence of an id counts; later ones are replays.
        let mut seen = BTreeSet::new();
        let events: Vec<(&str, BTreeSet<Key>)> = events
            .iter()
            .filter(|event| seen.insert(event.id()))
            .map(|event| {
                let keys = event
                    .identifiers()
                    .iter()
                    .filter_map(|id| {
                        let value = normalizer.normalize(id).ok()?;
                        Some((id.kind().as_str().to_owned(), value))
                    })
                    .collect();
                (event.id(), keys)
            })
            .collect();
        let mut by_key: HashMap<&Key, Vec<usize>> = HashMap::new();
        for (index, (_, keys)) in events.iter().enumerate() {
            for key in keys {
                by_key.entry(key).or_default().push(index);
            }
        }
        let mut number = vec![usize::MAX; events.len()];
        let mut identifiers = Vec::new();
        for start in 0..events.len() {
            if number[start] != usize::MAX {
                continue;
            }
            let this = identifiers.len();
            let mut keys = BTreeSet::new();
            let mut queue = VecDeque::from([start]);
            number[start] = this;
            while let Some(at) = queue.pop_front() {
                for key in &events[at].1 {
                    keys.insert(key.clone());
                    for &next in &by_key[key] {
                        if number[next] == usize::MAX {
                            number[next] = this;
                            queue.push_back(next);
                        }
                    }
                }
            }
            identifiers.push(keys);
        }
        let component = events
            .iter()
            .zip(number)
            .map(|((id, _), n)| ((*id).to_owned(), n))
            .collect();
        Oracle {
            component,
            identifiers,
        }
    }

    fn partition(&self) -> BTreeSet<BTreeSet<String>> {
        group(self.component.iter().map(|(id, &n)| (id.clone(), n)))
    }
}

fn group<K: Ord>(pairs: impl Iterator<Item = (String, K)>) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<K, BTreeSet<String>> = BTreeMap::new();
    for (id, key) in pairs {
        groups.entry(key).or_default().insert(id);
    }
    groups.into_values().collect()
}

/// The resolver's partition of the given event ids.
fn partition<'a>(
    resolver: &Resolver,
    ids: impl Iterator<Item = &'a str>,
) -> BTreeSet<BTreeSet<String>> {
    group(ids.map(|id| {
        let profile = resolver
            .event_profile(id)
            .unwrap_or_else(|| panic!("{id} has no profile"));
        (id.to_owned(), profile)
    }))
}

/// Every answer a resolver gives about the pool and the events, to compare
/// two resolvers that must be indistinguishable.
fn answers(resolver: &Resolver, events: &[Event]) -> impl PartialEq + std::fmt::Debug + use<> {
    let lookups: Vec<Result<Option<ProfileId>, String>> = (0..POOL.len())
        .map(|i| {
            resolver
                .lookup(&identifier(i))
                .map_err(|error| format!("{error:?}"))
        })
        .collect();
    let event_profiles: Vec<Option<ProfileId>> = events
        .iter()
        .map(|event| resolver.event_profile(event.id()))
        .collect();
    (
        resolver.profiles().collect::<Vec<Profile>>(),
        resolver.merges().to_vec(),
        lookups,
        event_profiles,
        (
            resolver.profile_count(),
            resolver.identifier_count(),
            resolver.event_count(),
        ),
    )
}

fn snapshot(resolver: &Resolver) -> Vec<u8> {
    let mut bytes = Vec::new();
    resolver.save_snapshot(&mut bytes).unwrap();
    bytes
}

/// Strategy: a case, and the same events in another order.
fn case_and_shuffle() -> impl Strategy<Value = (Case, Vec<usize>)> {
    case().prop_flat_map(|case| {
        let order = Just((0..case.len()).collect::<Vec<usize>>()).prop_shuffle();
        (Just(case), order)
    })
}

/// Strategy: a case and a position in it (0..=len).
fn case_and_cut() -> impl Strategy<Value = (Case, usize)> {
    case().prop_flat_map(|case| {
        let len = case.len();
        (Just(case), 0..=len)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (a) The resolver's partition of events is the oracle's, each profile
    /// holds exactly its component's normalized identifiers, and lookups of
    /// every pool value agree with the component it fell into.
    #[test]
    fn partition_matches_the_oracle(case in case(), keep_values in any::<bool>()) {
        let events = events(&case);
        let mut resolver = resolver(keep_values);
        let observations = observe_all(&mut resolver, &events);
        let oracle = Oracle::new(&events);

        prop_assert_eq!(partition(&resolver, events.iter().map(Event::id)), oracle.partition());
        prop_assert_eq!(resolver.profile_count(), oracle.identifiers.len());
        prop_assert_eq!(
            resolver.identifier_count(),
            oracle.identifiers.iter().map(BTreeSet::len).sum::<usize>()
        );
        prop_assert_eq!(resolver.event_count(), events.len());

        for (event, observation) in events.iter().zip(&observations) {
            prop_assert!(!observation.is_replay());
            let component = oracle.component[event.id()];
            let profile = resolver.profile(observation.profile()).unwrap();
            prop_assert_eq!(Some(profile.id()), resolver.event_profile(event.id()));
            let members = oracle.component.values().filter(|&&n| n == component).count();
            prop_assert_eq!(profile.event_count(), members as u64);
            let kinds: BTreeSet<(String, Option<String>)> = profile
                .identifiers()
                .iter()
                .map(|id| (id.kind().as_str().to_owned(), id.value().map(str::to_owned)))
                .collect();
            let expected: BTreeSet<(String, Option<String>)> = oracle.identifiers[component]
                .iter()
                .map(|(kind, value)| (kind.clone(), keep_values.then(|| value.clone())))
                .collect();
            if keep_values {
                prop_assert_eq!(kinds, expected);
            }
            prop_assert_eq!(profile.identifiers().len(), oracle.identifiers[component].len());
            // Rejects are exactly the identifiers the oracle dropped.
            let dropped: Vec<usize> = event
                .identifiers()
                .iter()
                .enumerate()
                .filter(|(_, id)| normalizer().normalize(id).is_err())
                .map(|(i, _)| i)
                .collect();
            let rejected: Vec<usize> = observation.rejects().iter().map(|r| r.index()).collect();
            prop_assert_eq!(rejected, dropped);
        }

        // Every pool value: invalid → error, unseen → None, seen → the profile
        // of an event that carried it.
        let normalizer = normalizer();
        for (i, entry) in POOL.iter().enumerate() {
            let raw = identifier(i);
            let lookup = resolver.lookup(&raw);
            match normalizer.normalize(&raw) {
                Err(_) => prop_assert!(lookup.is_err(), "{:?} should not look up", entry),
                Ok(value) => {
                    let key = (raw.kind().as_str().to_owned(), value);
                    let holder = oracle.identifiers.iter().position(|keys| keys.contains(&key));
                    let expected = holder.map(|n| {
                        let (event, _) = oracle.component.iter().find(|(_, c)| **c == n).unwrap();
                        resolver.event_profile(event).unwrap()
                    });
                    prop_assert_eq!(lookup.unwrap(), expected, "{:?}", entry);
                }
            }
        }
    }

    /// (b) The partition does not depend on the order events arrive in.
    #[test]
    fn partition_is_order_independent((case, order) in case_and_shuffle()) {
        let events = events(&case);
        let shuffled: Vec<Event> = order.iter().map(|&i| events[i].clone()).collect();
        let mut forward = resolver(false);
        let mut reordered = resolver(false);
        let _ = observe_all(&mut forward, &events);
        let _ = observe_all(&mut reordered, &shuffled);
        let ids = || events.iter().map(Event::id);
        prop_assert_eq!(partition(&forward, ids()), partition(&reordered, ids()));
        prop_assert_eq!(forward.profile_count(), reordered.profile_count());
        prop_assert_eq!(forward.identifier_count(), reordered.identifier_count());
        let counts = |r: &Resolver| {
            let mut counts: Vec<u64> = r.profiles().map(|p| p.event_count()).collect();
            counts.sort_unstable();
            counts
        };
        prop_assert_eq!(counts(&forward), counts(&reordered));
    }

    /// (c) Re-observing any prefix changes nothing: each is a replay that
    /// reports the event's current profile, with no merges and no rejects;
    /// so is an old id with different identifiers.
    #[test]
    fn replays_change_nothing((case, cut) in case_and_cut(), other in prop::collection::vec(0..POOL.len(), 0..=4)) {
        let events = events(&case);
        let mut resolver = resolver(true);
        let _ = observe_all(&mut resolver, &events);
        let before = answers(&resolver, &events);
        let bytes = snapshot(&resolver);

        for event in &events[..cut] {
            let again = resolver.observe(event).unwrap();
            prop_assert!(again.is_replay());
            prop_assert!(!again.created_profile());
            prop_assert!(again.merges().is_empty() && again.rejects().is_empty());
            prop_assert_eq!(Some(again.profile()), resolver.event_profile(event.id()));
        }
        if let Some(first) = events.first() {
            let changed = self::event(first.id(), &other);
            prop_assert!(resolver.observe(&changed).unwrap().is_replay());
        }
        prop_assert_eq!(answers(&resolver, &events), before);
        // Not even the snapshot bytes change (tests/regression.rs).
        prop_assert_eq!(snapshot(&resolver), bytes);
    }

    /// (d) Every event lands in exactly one live profile, and the event
    /// counts of the live profiles add up to the distinct events.
    #[test]
    fn every_event_lands_in_exactly_one_profile(case in case(), replays in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let mut events = events(&case);
        // Replayed ids mixed in must not be counted twice.
        if !events.is_empty() {
            for index in &replays {
                let replay = events[index.index(events.len())].clone();
                events.push(replay);
            }
        }
        let mut resolver = resolver(false);
        let _ = observe_all(&mut resolver, &events);
        let live: Vec<Profile> = resolver.profiles().collect();
        let live_ids: BTreeSet<ProfileId> = live.iter().map(Profile::id).collect();
        prop_assert_eq!(live_ids.len(), live.len(), "live profile ids are distinct");
        let distinct: BTreeSet<&str> = events.iter().map(Event::id).collect();
        prop_assert_eq!(live.iter().map(Profile::event_count).sum::<u64>(), distinct.len() as u64);
        prop_assert_eq!(resolver.event_count(), distinct.len());
        let mut per_profile: BTreeMap<ProfileId, u64> = BTreeMap::new();
        for id in &distinct {
            let profile = resolver.event_profile(id);
            prop_assert!(profile.is_some_and(|p| live_ids.contains(&p)), "{} in a live profile", id);
            *per_profile.entry(profile.unwrap()).or_default() += 1;
        }
        for profile in &live {
            prop_assert_eq!(per_profile.get(&profile.id()).copied(), Some(profile.event_count()));
        }
    }

    /// (e) A snapshot taken anywhere restores a resolver that answers
    /// identically, saves to the same bytes, and goes on exactly like the
    /// original.
    #[test]
    fn snapshots_round_trip_and_resume((case, cut) in case_and_cut(), keep_values in any::<bool>()) {
        let events = events(&case);
        let mut original = resolver(keep_values);
        let _ = observe_all(&mut original, &events[..cut]);
        let bytes = snapshot(&original);
        let mut restored = Resolver::load_snapshot(SecretKey::derive("oracle"), bytes.as_slice()).unwrap();
        prop_assert_eq!(answers(&restored, &events), answers(&original, &events));
        prop_assert_eq!(snapshot(&restored), bytes);

        for event in &events[cut..] {
            let a = original.observe(event).unwrap();
            let b = restored.observe(event).unwrap();
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(answers(&restored, &events), answers(&original, &events));
        prop_assert_eq!(snapshot(&restored), snapshot(&original));
        let oracle = Oracle::new(&events);
        prop_assert_eq!(partition(&restored, events.iter().map(Event::id)), oracle.partition());
    }

    /// (f) Every profile id observe ever returned still resolves, to a live
    /// profile, and to the current profile of the event that returned it.
    /// (g) Every retired id canonicalizes to its survivor's canonical id.
    /// (h) The older profile survives: each component is named by the first
    /// profile created in it, so the very first id never retires.
    #[test]
    fn ids_stay_resolvable_and_the_oldest_survives(case in case(), keep_values in any::<bool>()) {
        let events = events(&case);
        let mut resolver = resolver(keep_values);
        let observations = observe_all(&mut resolver, &events);
        let oracle = Oracle::new(&events);
        let live: BTreeSet<ProfileId> = resolver.profiles().map(|p| p.id()).collect();

        // (f)
        for (event, observation) in events.iter().zip(&observations) {
            let canonical = resolver.canonical(observation.profile());
            prop_assert!(canonical.is_some_and(|id| live.contains(&id)));
            prop_assert_eq!(canonical, resolver.event_profile(event.id()));
            for merge in observation.merges() {
                for id in [merge.survivor(), merge.retired()] {
                    prop_assert!(resolver.canonical(id).is_some_and(|id| live.contains(&id)));
                }
            }
        }

        // Creation order, as observe reported it.
        let created: Vec<(ProfileId, &str)> = events
            .iter()
            .zip(&observations)
            .filter(|(_, o)| o.created_profile())
            .map(|(e, o)| (o.profile(), e.id()))
            .collect();
        let rank: HashMap<ProfileId, usize> =
            created.iter().enumerate().map(|(n, &(id, _))| (id, n)).collect();
        prop_assert_eq!(rank.len(), created.len(), "created ids are distinct");
        prop_assert_eq!(created.len(), oracle.identifiers.len() + resolver.merges().len(),
            "each merge retires exactly one profile");

        // (g)
        let mut retired = BTreeSet::new();
        for merge in resolver.merges() {
            prop_assert_ne!(merge.survivor(), merge.retired());
            prop_assert_eq!(resolver.canonical(merge.retired()), resolver.canonical(merge.survivor()));
            prop_assert!(rank[&merge.survivor()] < rank[&merge.retired()], "the older one survives");
            prop_assert!(retired.insert(merge.retired()), "a profile retires once");
            prop_assert!(!live.contains(&merge.retired()));
        }
        let observed_merges: Vec<_> = observations.iter().flat_map(|o| o.merges().iter().cloned()).collect();
        prop_assert_eq!(observed_merges.as_slice(), resolver.merges());

        // (h)
        if let Some(first) = observations.first() {
            prop_assert_eq!(resolver.canonical(first.profile()), Some(first.profile()));
        }
        let mut oldest: BTreeMap<usize, ProfileId> = BTreeMap::new();
        for &(id, event) in &created {
            oldest.entry(oracle.component[event]).or_insert(id);
        }
        for (event, &component) in &oracle.component {
            prop_assert_eq!(resolver.event_profile(event), Some(oldest[&component]));
        }
    }
}

/// A handcrafted chain that a shuffled order cannot break: the bridge event
/// arrives last and merges three profiles into the oldest.
#[test]
fn bridge_event_merges_into_the_oldest() {
    let events = [
        event("web", &[0, 4]),     // cookie + email
        event("store", &[20, 12]), // card + national phone
        event("chat", &[25]),      // whatsapp session
        event("bridge", &[26, 25, 13, 6]),
    ];
    let mut resolver = resolver(true);
    let observations = observe_all(&mut resolver, &events);
    let oracle = Oracle::new(&events);
    assert_eq!(
        partition(&resolver, events.iter().map(Event::id)),
        oracle.partition()
    );
    let first = observations[0].profile();
    assert_eq!(resolver.canonical(first), Some(first));
    assert_eq!(observations[3].profile(), first);
    assert_eq!(resolver.profile_count(), 1);
    let retired: Vec<ProfileId> = resolver.merges().iter().map(|m| m.retired()).collect();
    assert_eq!(
        retired,
        vec![observations[1].profile(), observations[2].profile()]
    );
}

/// The oracle's answer to "why": for each event (first occurrence), its
/// normalized identifiers; and the fewest events that chain `a` to `b`, by
/// breadth-first search over identifiers that share an event.
fn shortest_chain(events: &[(String, BTreeSet<Key>)], a: &Key, b: &Key) -> Option<usize> {
    let mut distance = HashMap::from([(a.clone(), 0)]);
    let mut queue = VecDeque::from([a.clone()]);
    while let Some(key) = queue.pop_front() {
        if &key == b {
            return Some(distance[&key]);
        }
        for (_, keys) in events.iter().filter(|(_, keys)| keys.contains(&key)) {
            for next in keys {
                if !distance.contains_key(next) {
                    distance.insert(next.clone(), distance[&key] + 1);
                    queue.push_back(next.clone());
                }
            }
        }
    }
    None
}

proptest! {
    // Each case explains every ordered pair of the pool: 900 questions.
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `explain` gives a chain exactly when two identifiers share a profile;
    /// each link's event really held both identifiers, the links join end
    /// to end from `a` to `b`, and no shorter chain exists.
    #[test]
    fn explanations_are_true_and_shortest(case in case()) {
        let events = events(&case);
        let mut resolver = resolver(true);
        observe_all(&mut resolver, &events);
        let normalizer = normalizer();
        let key = |index: usize| -> Option<Key> {
            let identifier = identifier(index);
            let value = normalizer.normalize(&identifier).ok()?;
            Some((identifier.kind().as_str().to_owned(), value))
        };
        let mut seen_ids = BTreeSet::new();
        let seen: Vec<(String, BTreeSet<Key>)> = events
            .iter()
            .filter(|event| seen_ids.insert(event.id()))
            .map(|event| {
                let keys = (0..POOL.len())
                    .filter(|&i| event.identifiers().contains(&identifier(i)))
                    .filter_map(key)
                    .collect();
                (event.id().to_owned(), keys)
            })
            .collect();
        let shown = |id: &idstitch::ProfileIdentifier| -> Key {
            (id.kind().as_str().to_owned(), id.value().unwrap().to_owned())
        };
        for a in 0..POOL.len() {
            for b in 0..POOL.len() {
                let (Some(key_a), Some(key_b)) = (key(a), key(b)) else {
                    continue;
                };
                let explained = resolver.explain(&identifier(a), &identifier(b)).unwrap();
                let expected = shortest_chain(&seen, &key_a, &key_b)
                    .filter(|_| seen.iter().any(|(_, keys)| keys.contains(&key_a)));
                prop_assert_eq!(explained.as_ref().map(|e| e.links().len()), expected, "{:?} {:?}", key_a, key_b);
                let Some(explanation) = explained else { continue };
                let mut at = key_a.clone();
                for link in explanation.links() {
                    prop_assert_eq!(shown(link.from()), at.clone());
                    let held = &seen.iter().find(|(id, _)| id == link.event()).unwrap().1;
                    prop_assert!(held.contains(&shown(link.from())) && held.contains(&shown(link.to())));
                    at = shown(link.to());
                }
                prop_assert_eq!(at, key_b);
            }
        }
    }
}
