//! Bytes → a sequence of operations on one resolver (plain transitive
//! merging, [`Protection::none`], tombstones on): observe an event built from
//! a small identifier pool (with or without a time), replay an earlier event,
//! forget an identifier, explain two identifiers, and now and then a snapshot
//! round trip that carries on with the restored resolver.
//!
//! A small model follows along: each event keeps the keys it linked when it
//! came, forgotten keys are taken out of every event, and profiles are the
//! connected components of what is left. The resolver must agree with it on
//! rejects, replays, which events have which profile (or none), each
//! profile's identifiers and event count, and lookups; profiles must hold
//! disjoint identifiers; `explain` must answer exactly for identifiers of one
//! profile, each link an event that carried both ends; and ids must be
//! those of the anchors.
#![no_main]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use idstitch::{
    Channel, ErrorKind, Event, Identifier, IdentifierKey, IdentifierKind, ProfileId, Protection,
    Region, RejectReason, Resolver, ResolverBuilder, SecretKey, Timestamp,
};
use libfuzzer_sys::fuzz_target;

/// Several spellings of the same email, phone and card, junk, chat sessions
/// with their channel, a custom kind.
const POOL: &[(&str, &str)] = &[
    ("cookie", "ck_9f2a"),
    ("cookie", "ck_b71c"),
    ("cookie", " ck_9f2a "),
    ("email", " Jan.deVries@Example.COM "),
    ("email", "jan.devries@example.com"),
    ("email", "piet@example.nl"),
    ("email", "no-at"),
    ("phone", "06-12345678"),
    ("phone", "+31 6 1234 5678"),
    ("phone", "06 87654321"),
    ("phone", "abc"),
    ("loyalty_card", "4471-0092-1183"),
    ("loyalty_card", "447100921183"),
    ("loyalty_card", "NL-1234-5678"),
    ("chat_session@whatsapp", "s-1"),
    ("chat_session@chat", "s-1"),
    ("device_id", "d-1"),
    ("device_id", "\u{0}"),
];

/// Events get ids `e0`, `e1`, …; at most this many operations run.
const MAX_OPS: usize = 64;

const SECRET: &str = "fuzz-ops";

/// The pool's identifiers, parsed once.
fn pool() -> &'static [Identifier] {
    static POOL_IDS: OnceLock<Vec<Identifier>> = OnceLock::new();
    POOL_IDS.get_or_init(|| {
        POOL.iter()
            .map(|&(kind, raw)| match kind.split_once('@') {
                Some((_, channel)) => {
                    Identifier::chat_session(channel.parse::<Channel>().unwrap(), raw)
                }
                None => Identifier::new(kind.parse::<IdentifierKind>().unwrap(), raw),
            })
            .collect()
    })
}

fn identifier(index: usize) -> Identifier {
    pool()[index % POOL.len()].clone()
}

fn build(keep_values: bool) -> Resolver {
    ResolverBuilder::new(SecretKey::derive(SECRET))
        .default_region(Region::NL)
        .keep_values(keep_values)
        .protection(Protection::none())
        .build()
}

fn save(resolver: &Resolver) -> Vec<u8> {
    let mut bytes = Vec::new();
    resolver.save_snapshot(&mut bytes).unwrap();
    bytes
}

/// How well a kind anchors a profile id, strongest first.
fn strength(kind: &IdentifierKind) -> u8 {
    match kind {
        IdentifierKind::LoyaltyCard => 0,
        IdentifierKind::Email => 1,
        IdentifierKind::Phone => 2,
        IdentifierKind::ChatSession => 4,
        IdentifierKind::Cookie => 5,
        _ => 3,
    }
}

/// The id of a profile anchored at each pool key, and of each orphan event:
/// what a fresh resolver gives an event carrying only it.
struct Probes {
    keys: HashMap<IdentifierKey, (u8, ProfileId)>,
    orphans: Vec<ProfileId>,
    /// Each pool entry's key, `None` for one that does not normalize (the
    /// secret and the region are fixed, so keys are too).
    pool_keys: Vec<Option<IdentifierKey>>,
    /// One pool index per distinct key.
    distinct: Vec<usize>,
}

fn probes() -> &'static Probes {
    static PROBES: OnceLock<Probes> = OnceLock::new();
    PROBES.get_or_init(|| {
        let mut keys = HashMap::new();
        for index in 0..POOL.len() {
            let id = identifier(index);
            let mut fresh = build(false);
            let Ok(key) = fresh.key_of(&id) else { continue };
            let profile = fresh
                .observe(&Event::new("probe").with_identifier(id.clone()))
                .unwrap()
                .profile();
            keys.insert(key, (strength(id.kind()), profile));
        }
        let orphans = (0..MAX_OPS)
            .map(|n| {
                build(false)
                    .observe(&Event::new(format!("e{n}")))
                    .unwrap()
                    .profile()
            })
            .collect();
        let keyer = build(false);
        let pool_keys: Vec<Option<IdentifierKey>> =
            pool().iter().map(|id| keyer.key_of(id).ok()).collect();
        let mut seen = HashSet::new();
        let distinct = (0..POOL.len())
            .filter(|&i| pool_keys[i].is_some_and(|key| seen.insert(key)))
            .collect();
        Probes {
            keys,
            orphans,
            pool_keys,
            distinct,
        }
    })
}

/// Sort key of an anchor: untimed last, time, kind strength, key.
type Order = (bool, Option<Timestamp>, u8, IdentifierKey);

struct Seen {
    id: String,
    ts: Option<Timestamp>,
    /// Distinct keys linked when it came; empty: an orphan for good.
    linked: Vec<IdentifierKey>,
}

#[derive(Default)]
struct Model {
    seen: Vec<Seen>,
    index: HashMap<String, usize>,
    forgotten: HashSet<IdentifierKey>,
}

struct Part {
    events: Vec<usize>,
    keys: BTreeSet<IdentifierKey>,
    anchor: Option<Order>,
}

struct Parts {
    parts: Vec<Part>,
    of_event: Vec<Option<usize>>,
    of_key: HashMap<IdentifierKey, usize>,
}

impl Model {
    fn live<'a>(&'a self, seen: &'a Seen) -> impl Iterator<Item = IdentifierKey> + 'a {
        seen.linked
            .iter()
            .copied()
            .filter(|key| !self.forgotten.contains(key))
    }

    fn parts(&self) -> Parts {
        fn find(
            parent: &mut HashMap<IdentifierKey, IdentifierKey>,
            key: IdentifierKey,
        ) -> IdentifierKey {
            let mut at = key;
            while let Some(&up) = parent.get(&at) {
                if up == at {
                    break;
                }
                at = up;
            }
            at
        }
        let mut parent = HashMap::new();
        for seen in &self.seen {
            let keys: Vec<IdentifierKey> = self.live(seen).collect();
            for &key in &keys {
                parent.entry(key).or_insert(key);
            }
            for pair in keys.windows(2) {
                let (a, b) = (find(&mut parent, pair[0]), find(&mut parent, pair[1]));
                if a != b {
                    parent.insert(a.max(b), a.min(b));
                }
            }
        }
        let mut parts: Vec<Part> = Vec::new();
        let mut of_root = HashMap::new();
        let mut of_event = vec![None; self.seen.len()];
        for (at, seen) in self.seen.iter().enumerate() {
            if seen.linked.is_empty() {
                of_event[at] = Some(parts.len());
                parts.push(Part {
                    events: vec![at],
                    keys: BTreeSet::new(),
                    anchor: None,
                });
                continue;
            }
            let keys: Vec<IdentifierKey> = self.live(seen).collect();
            let Some(&first) = keys.first() else { continue };
            let root = find(&mut parent, first);
            let n = *of_root.entry(root).or_insert_with(|| {
                parts.push(Part {
                    events: Vec::new(),
                    keys: BTreeSet::new(),
                    anchor: None,
                });
                parts.len() - 1
            });
            of_event[at] = Some(n);
            let candidate = keys
                .iter()
                .map(|key| (seen.ts.is_none(), seen.ts, probes().keys[key].0, *key))
                .min();
            let part = &mut parts[n];
            part.events.push(at);
            part.keys.extend(keys.iter().copied());
            part.anchor = part.anchor.min(candidate).or(candidate);
        }
        let of_key = parts
            .iter()
            .enumerate()
            .flat_map(|(n, part)| part.keys.iter().map(move |&key| (key, n)))
            .collect();
        Parts {
            parts,
            of_event,
            of_key,
        }
    }

    fn id_of(&self, part: &Part) -> ProfileId {
        match part.anchor {
            Some((_, _, _, key)) => probes().keys[&key].1,
            None => {
                let id = &self.seen[part.events[0]].id;
                probes().orphans[id[1..].parse::<usize>().unwrap()]
            }
        }
    }
}

/// The whole state against the model.
fn check(resolver: &Resolver, model: &Model) {
    let parts = model.parts();
    assert_eq!(resolver.profile_count(), parts.parts.len());
    assert_eq!(resolver.identifier_count(), parts.of_key.len());
    assert_eq!(resolver.event_count(), model.seen.len());
    for (seen, part) in model.seen.iter().zip(&parts.of_event) {
        let profile = resolver.event_profile(&seen.id);
        assert_eq!(
            profile.is_some(),
            part.is_some(),
            "{} has a profile",
            seen.id
        );
    }
    let mut ids = BTreeSet::new();
    for part in &parts.parts {
        let first = &model.seen[part.events[0]].id;
        let id = resolver.event_profile(first).unwrap();
        assert!(ids.insert(id), "one profile per part");
        for &event in &part.events {
            assert_eq!(resolver.event_profile(&model.seen[event].id), Some(id));
        }
        let profile = resolver.profile(id).unwrap();
        let keys: BTreeSet<IdentifierKey> = profile.identifiers().iter().map(|i| i.key()).collect();
        assert_eq!(keys, part.keys);
        assert_eq!(
            profile.identifiers().len(),
            part.keys.len(),
            "distinct identifiers"
        );
        assert_eq!(profile.event_count(), part.events.len() as u64);
        assert_eq!(id, model.id_of(part), "the id is the anchor's");
    }
    // Live profiles hold disjoint identifiers.
    let mut held = HashSet::new();
    for profile in resolver.profiles() {
        assert!(ids.contains(&profile.id()));
        for identifier in profile.identifiers() {
            assert!(
                held.insert(identifier.key()),
                "an identifier in two profiles"
            );
            assert!(!model.forgotten.contains(&identifier.key()));
        }
    }
    for (identifier, key) in pool().iter().zip(&probes().pool_keys) {
        let Some(key) = *key else {
            assert!(resolver.lookup(identifier).is_err());
            continue;
        };
        assert_eq!(resolver.key_of(identifier).ok(), Some(key));
        let expected = parts.of_key.get(&key).map(|&n| {
            let first = &model.seen[parts.parts[n].events[0]].id;
            resolver.event_profile(first).unwrap()
        });
        assert_eq!(resolver.lookup(identifier).unwrap(), expected);
    }
}

/// `explain(a, b)` answers exactly when both are in one profile, with links
/// from `a` to `b`, each an event that carried both ends.
fn check_explain(resolver: &Resolver, model: &Model, a: usize, b: usize) {
    let (a, b) = (a % POOL.len(), b % POOL.len());
    let explained = resolver.explain(&pool()[a], &pool()[b]);
    let keys = &probes().pool_keys;
    let (Some(key_a), Some(key_b)) = (keys[a], keys[b]) else {
        assert!(explained.is_err());
        return;
    };
    let explained = explained.unwrap();
    let same = match (resolver.lookup_key(key_a), resolver.lookup_key(key_b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    assert_eq!(explained.is_some(), same, "explained exactly when linked");
    let Some(explanation) = explained else { return };
    if key_a == key_b {
        assert!(explanation.links().is_empty());
    }
    let mut at = key_a;
    for link in explanation.links() {
        assert_eq!(link.from().key(), at);
        let seen = &model.seen[model.index[link.event()]];
        for end in [link.from().key(), link.to().key()] {
            assert!(seen.linked.contains(&end), "{} carried both ends", seen.id);
            assert!(!model.forgotten.contains(&end));
        }
        at = link.to().key();
    }
    assert_eq!(at, key_b);
}

fuzz_target!(|data: &[u8]| {
    let [flags, rest @ ..] = data else { return };
    let mut rest: &[u8] = rest;
    let mut resolver = build(flags & 1 == 1);
    let mut model = Model::default();
    let mut sent: Vec<Event> = Vec::new();
    for _ in 0..MAX_OPS {
        let [op, more @ ..] = rest else { break };
        rest = more;
        match op % 8 {
            // Observe: a header byte (identifier count, time), then one byte
            // per identifier.
            0..=3 => {
                let [header, more @ ..] = rest else { break };
                let count = usize::from(header & 7) % 5;
                let (ids, more) = more.split_at(count.min(more.len()));
                rest = more;
                let tick = (header >> 3) & 7;
                let indices: Vec<usize> =
                    ids.iter().map(|&b| usize::from(b) % POOL.len()).collect();
                let mut event = Event::new(format!("e{}", sent.len()))
                    .with_identifiers(indices.iter().map(|&i| identifier(i)));
                if tick < 6 {
                    event = event.with_ts(Timestamp::from_unix_millis(i64::from(tick) * 60_000));
                }
                let mut linked = Vec::new();
                let mut rejects = Vec::new();
                for (index, &i) in indices.iter().enumerate() {
                    match probes().pool_keys[i] {
                        None => rejects.push((index, None)),
                        Some(key) if linked.contains(&key) => {}
                        Some(key) if model.forgotten.contains(&key) => {
                            rejects.push((index, Some(RejectReason::Forgotten)))
                        }
                        Some(key) => linked.push(key),
                    }
                }
                let outcome = resolver.observe(&event).unwrap();
                assert!(!outcome.is_replay());
                let got: Vec<(usize, Option<RejectReason>)> = outcome
                    .rejects()
                    .iter()
                    .map(|r| {
                        let forgotten = r.reason() == &RejectReason::Forgotten;
                        (r.index(), forgotten.then(|| r.reason().clone()))
                    })
                    .collect();
                assert_eq!(got, rejects);
                assert_eq!(resolver.event_profile(event.id()), Some(outcome.profile()));
                model.index.insert(event.id().to_owned(), model.seen.len());
                model.seen.push(Seen {
                    id: event.id().to_owned(),
                    ts: event.ts(),
                    linked,
                });
                sent.push(event);
            }
            // Replay an earlier event.
            4 => {
                let [pick, more @ ..] = rest else { break };
                rest = more;
                if sent.is_empty() {
                    continue;
                }
                let event = &sent[usize::from(*pick) % sent.len()];
                let seen = &model.seen[model.index[event.id()]];
                let erased = !seen.linked.is_empty()
                    && seen.linked.iter().all(|key| model.forgotten.contains(key));
                match resolver.observe(event) {
                    Ok(outcome) => {
                        assert!(!erased, "an erased event replays as forgotten");
                        assert!(outcome.is_replay());
                        assert!(outcome.merges().is_empty() && outcome.rejects().is_empty());
                        assert_eq!(Some(outcome.profile()), resolver.event_profile(event.id()));
                    }
                    Err(error) => {
                        assert!(erased, "{error:?}");
                        assert!(matches!(error.kind(), ErrorKind::Forgotten));
                    }
                }
            }
            // Forget a pool identifier.
            5 => {
                let [pick, more @ ..] = rest else { break };
                rest = more;
                let id = identifier(usize::from(*pick));
                let Ok(key) = resolver.key_of(&id) else {
                    assert!(resolver.forget(&id).is_err());
                    continue;
                };
                let before = resolver.lookup_key(key);
                let forgotten = resolver.forget(&id).unwrap();
                assert_eq!(forgotten.profile(), before);
                if before.is_none() {
                    assert!(forgotten.split().is_none() && forgotten.erased_events() == 0);
                }
                if let Some(split) = forgotten.split() {
                    assert_eq!(split.from(), before.unwrap());
                    let live: BTreeSet<ProfileId> = resolver.profiles().map(|p| p.id()).collect();
                    assert!(split.parts().iter().all(|id| live.contains(id)));
                }
                model.forgotten.insert(key);
                assert_eq!(resolver.lookup_key(key), None);
            }
            // Explain two pool identifiers.
            6 => {
                let [a, b, more @ ..] = rest else { break };
                rest = more;
                check_explain(&resolver, &model, usize::from(*a), usize::from(*b));
            }
            // Snapshot round trip; go on with the restored resolver.
            _ => {
                let bytes = save(&resolver);
                let restored =
                    Resolver::load_snapshot(SecretKey::derive(SECRET), bytes.as_slice()).unwrap();
                assert_eq!(save(&restored), bytes);
                assert!(resolver.profiles().eq(restored.profiles()));
                assert_eq!(resolver.changes(), restored.changes());
                resolver = restored;
                check(&resolver, &model);
            }
        }
    }
    check(&resolver, &model);
    let distinct = &probes().distinct;
    for (n, &a) in distinct.iter().enumerate() {
        for &b in &distinct[n..] {
            check_explain(&resolver, &model, a, b);
        }
    }
});
