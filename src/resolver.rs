//! The resolver: normalize → key → union, and the profile views on top.

use std::collections::BTreeMap;
use std::hash::Hash;

use hashbrown::{HashMap, HashTable};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, RejectReason};
use crate::event::Event;
use std::sync::Arc;

use crate::evidence::{EventRecord, Evidence, Explanation, Link};
use crate::identifier::{Channel, Identifier, IdentifierKind};
use crate::key::{IdentifierKey, KeyHasher, PrehashedState, SecretKey};
use crate::normalize::{Blocklist, CheckDigit, Context, EmailRules, Normalizer, Region};
use crate::profile::{KindCounts, Profile, ProfileId, ProfileIdentifier, ProfileState};
use crate::protect::{
    Change, Detach, GenericMark, Protection, RenameRecord, ReviewItem, ReviewRecord, Rules,
    SplitRecord, time_to_check,
};
use crate::time::Timestamp;
use crate::union_find::UnionFind;

/// Event ids longer than this are refused: they are ids, not payloads.
const MAX_EVENT_ID_LEN: usize = 512;

/// Node kind of an event whose identifiers were all rejected: it becomes a
/// profile of its own, keyed by the event.
pub(crate) const ORPHAN: u16 = u16::MAX;

/// Node kind of a forgotten identifier: a root without a profile, holding
/// neither key nor value.
pub(crate) const FORGOTTEN: u16 = u16::MAX - 1;

/// One node short of `u32::MAX`, so that a node index always fits in `u32`.
const MAX_NODES: usize = u32::MAX as usize - 1;

/// Configures and builds a [`Resolver`].
///
/// Defaults: hashed mode (no raw or normalized value is kept), no default
/// phone region, the default email provider rules, no loyalty card check
/// digit, tokens of at most 256 bytes, at most 64 identifiers per event.
///
/// ```
/// use idstitch::{CheckDigit, Region, ResolverBuilder, SecretKey};
///
/// let resolver = ResolverBuilder::new(SecretKey::derive("from your secret store"))
///     .default_region(Region::NL)
///     .keep_values(true)
///     .card_check_digit(CheckDigit::Ean13)
///     .store_region("store-berlin-1", Region::DE)
///     .build();
/// assert_eq!(resolver.profile_count(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct ResolverBuilder {
    secret: SecretKey,
    config: Config,
    fuzzy: Option<crate::fuzzy::FuzzyConfig>,
}

/// Everything a resolver is configured with, except the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Config {
    pub(crate) normalizer: Normalizer,
    pub(crate) keep_values: bool,
    pub(crate) keep_evidence: bool,
    pub(crate) max_identifiers_per_event: usize,
    pub(crate) store_regions: BTreeMap<String, Region>,
    pub(crate) protection: Protection,
    pub(crate) tombstones: bool,
    pub(crate) change_log: bool,
}

impl ResolverBuilder {
    /// A builder with the given hashing secret and default settings.
    pub fn new(secret: SecretKey) -> Self {
        ResolverBuilder {
            secret,
            config: Config {
                normalizer: Normalizer::default(),
                keep_values: false,
                keep_evidence: true,
                max_identifiers_per_event: 64,
                store_regions: BTreeMap::new(),
                protection: Protection::default(),
                tombstones: true,
                change_log: true,
            },
            fuzzy: None,
        }
    }

    /// Sets the region for phone numbers in national format when an event
    /// gives no hint.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, Region, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).default_region(Region::NL).build();
    /// resolver.observe(&Event::new("e1").with_identifier(Identifier::phone("06-12345678"))).unwrap();
    /// assert!(resolver.lookup(&Identifier::phone("+31 6 1234 5678")).unwrap().is_some());
    /// ```
    pub fn default_region(mut self, region: Region) -> Self {
        self.config.normalizer.default_region(region);
        self
    }

    /// Keeps normalized values for display (`true`), or only their keyed
    /// hashes (`false`, the default: no value is held in memory, snapshots or
    /// `Debug` output).
    ///
    /// ```
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let event = Event::new("e1").with_identifier(Identifier::email("Jan@Example.com"));
    /// for keep in [true, false] {
    ///     let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).keep_values(keep).build();
    ///     let id = resolver.observe(&event).unwrap().profile();
    ///     let profile = resolver.profile(id).unwrap();
    ///     assert_eq!(profile.identifiers()[0].value(), keep.then_some("jan@example.com"));
    /// }
    /// ```
    pub fn keep_values(mut self, keep: bool) -> Self {
        self.config.keep_values = keep;
        self
    }

    /// Keeps the evidence behind every link (`true`, the default): which
    /// event put which identifiers together, so that
    /// [`Resolver::explain`] can say why two identifiers share a profile.
    /// `false` keeps only the union-find: faster and smaller, but nothing
    /// can be explained.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).keep_evidence(false).build();
    /// let event = Event::new("e1").with_identifier(Identifier::cookie("ck_1")).with_identifier(Identifier::cookie("ck_2"));
    /// resolver.observe(&event).unwrap();
    /// assert!(resolver.explain(&Identifier::cookie("ck_1"), &Identifier::cookie("ck_2")).is_err());
    /// ```
    pub fn keep_evidence(mut self, keep: bool) -> Self {
        self.config.keep_evidence = keep;
        self
    }

    /// Sets the email provider rules (see [`EmailRules`]).
    ///
    /// ```
    /// use idstitch::{EmailRules, ResolverBuilder, SecretKey};
    ///
    /// let resolver = ResolverBuilder::new(SecretKey::derive("s")).email_rules(EmailRules::none()).build();
    /// # let _ = resolver;
    /// ```
    pub fn email_rules(mut self, rules: EmailRules) -> Self {
        self.config.normalizer.email_rules(rules);
        self
    }

    /// Sets the values rejected before they can link (default
    /// [`Blocklist::default`]: placeholders such as `unknown` and `n/a`, test
    /// and no-reply addresses, phone numbers of one repeated digit, …).
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, IdentifierKind, ResolverBuilder, SecretKey};
    ///
    /// let resolver = ResolverBuilder::new(SecretKey::derive("s"))
    ///     .blocklist(Blocklist::default().block(IdentifierKind::Email, "info@shop.nl"))
    ///     .build();
    /// assert!(resolver.lookup(&Identifier::email(" Info@Shop.NL")).is_err());
    /// assert!(resolver.lookup(&Identifier::email("jan@shop.nl")).unwrap().is_none());
    /// ```
    pub fn blocklist(mut self, blocklist: Blocklist) -> Self {
        self.config.normalizer.blocklist(blocklist);
        self
    }

    /// Sets the check-digit scheme loyalty cards must pass.
    ///
    /// ```
    /// use idstitch::{CheckDigit, Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).card_check_digit(CheckDigit::Luhn).build();
    /// let outcome = resolver
    ///     .observe(&Event::new("e1").with_identifier(Identifier::loyalty_card("7992 7398 714")))
    ///     .unwrap();
    /// assert_eq!(outcome.rejects().len(), 1);
    /// ```
    pub fn card_check_digit(mut self, scheme: CheckDigit) -> Self {
        self.config.normalizer.card_check_digit(scheme);
        self
    }

    /// Sets the longest cookie, chat session or custom token, in bytes.
    ///
    /// ```
    /// use idstitch::{ResolverBuilder, SecretKey};
    ///
    /// let resolver = ResolverBuilder::new(SecretKey::derive("s")).max_token_len(128).build();
    /// # let _ = resolver;
    /// ```
    pub fn max_token_len(mut self, max: usize) -> Self {
        self.config.normalizer.max_token_len(max);
        self
    }

    /// Replaces the whole normalizer configuration.
    ///
    /// ```
    /// use idstitch::{Normalizer, Region, ResolverBuilder, SecretKey};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.default_region(Region::FI);
    /// let resolver = ResolverBuilder::new(SecretKey::derive("s")).normalizer(normalizer).build();
    /// assert_eq!(resolver.normalizer().region(), Some(Region::FI));
    /// ```
    pub fn normalizer(mut self, normalizer: Normalizer) -> Self {
        self.config.normalizer = normalizer;
        self
    }

    /// Sets how many identifiers of one event are linked (default 64); the
    /// rest are rejected with [`RejectReason::TooManyIdentifiers`], so one
    /// pathological event cannot glue thousands of identifiers together.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).max_identifiers_per_event(1).build();
    /// let event = Event::new("e1")
    ///     .with_identifier(Identifier::cookie("ck_1"))
    ///     .with_identifier(Identifier::cookie("ck_2"));
    /// assert_eq!(resolver.observe(&event).unwrap().rejects().len(), 1);
    /// ```
    pub fn max_identifiers_per_event(mut self, max: usize) -> Self {
        self.config.max_identifiers_per_event = max;
        self
    }

    /// Says which region a store is in: events whose `store_id` attribute
    /// names it read national phone numbers in that region, unless they carry
    /// a `country` attribute, which wins.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, Region, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s"))
    ///     .default_region(Region::NL)
    ///     .store_region("berlin-1", Region::DE)
    ///     .build();
    /// let till = Event::new("e1")
    ///     .with_attr("store_id", "berlin-1")
    ///     .with_identifier(Identifier::phone("0170 1234567"));
    /// resolver.observe(&till).unwrap();
    /// assert!(resolver.lookup(&Identifier::phone("+49 170 1234567")).unwrap().is_some());
    /// ```
    pub fn store_region(mut self, store_id: impl Into<String>, region: Region) -> Self {
        self.config.store_regions.insert(store_id.into(), region);
        self
    }

    /// Sets the protection against over-merging: generic values, limits
    /// per profile, priority (see [`Protection`]; default
    /// [`Protection::default`]).
    ///
    /// ```
    /// use idstitch::{Event, Identifier, Protection, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).protection(Protection::default()).build();
    /// // A library kiosk: one cookie, many readers logging in.
    /// for reader in 0..20 {
    ///     resolver.observe(&Event::new(format!("e{reader}"))
    ///         .with_identifier(Identifier::cookie("ck_library_kiosk"))
    ///         .with_identifier(Identifier::email(format!("reader{reader}@example.com"))))?;
    /// }
    /// assert_eq!(resolver.generic_values().len(), 1);
    /// assert_eq!(resolver.profile_count(), 21); // 20 readers and the kiosk
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn protection(mut self, protection: Protection) -> Self {
        self.config.protection = protection;
        self
    }

    /// Keeps a keyed hash of every forgotten identifier (`true`, the
    /// default), so that later events cannot bring it back; see
    /// [`Resolver::forget`].
    pub fn tombstones(mut self, keep: bool) -> Self {
        self.config.tombstones = keep;
        self
    }

    /// Records merges, renames and splits for [`Resolver::drain_changes`]
    /// (`true`, the default). A service that never drains them turns this off.
    pub fn change_log(mut self, record: bool) -> Self {
        self.config.change_log = record;
        self
    }

    /// Turns on fuzzy matching: each event is also matched, as it arrives,
    /// against earlier events by the rules of `config` (see
    /// [`fuzzy`](crate::fuzzy)). A match at or above `auto_merge` merges
    /// the two profiles, with the rule and its score as evidence
    /// ([`LinkRule::Fuzzy`](crate::LinkRule::Fuzzy)); one from `suggest` up
    /// to `auto_merge`, or one that would break a limit, goes to the review
    /// queue ([`ReviewReason::FuzzyMatch`](crate::ReviewReason::FuzzyMatch)).
    /// Fuzzy links never pass through generic values and never break
    /// limits.
    ///
    /// The resolver then holds each event's normalized values and
    /// attributes in memory, those some rule reads
    /// ([`MatchRule::reads_identifier`](crate::fuzzy::MatchRule::reads_identifier)),
    /// also in hashed mode, because fuzzy rules compare values, not hashes;
    /// [`forget`](Resolver::forget) drops the events' records that hold the
    /// forgotten identifier. Fuzzy matching is not
    /// part of a snapshot: a resolver from
    /// [`load_snapshot`](Resolver::load_snapshot) matches nothing fuzzily.
    ///
    /// ```
    /// use idstitch::fuzzy::FuzzyConfig;
    /// use idstitch::{Channel, Event, Identifier, LinkRule, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).fuzzy(FuzzyConfig::default()).build();
    /// let checkout = resolver.observe(&Event::new("e1")
    ///     .with_identifier(Identifier::email("jan.devries@gmail.com"))
    ///     .with_identifier(Identifier::cookie("ck_1")))?;
    /// let chat = resolver.observe(&Event::new("e2")
    ///     .with_identifier(Identifier::email("jan.devries@gmial.com"))
    ///     .with_identifier(Identifier::chat_session(Channel::Chat, "chat_9")))?;
    /// // One profile now; the earlier id, if it was retired, leads to it.
    /// assert_eq!(resolver.canonical(checkout.profile()), Some(chat.profile()));
    /// let why = resolver.explain(&Identifier::cookie("ck_1"), &Identifier::chat_session(Channel::Chat, "chat_9"))?.unwrap();
    /// assert!(why.links().iter().any(|link| matches!(link.rule(), LinkRule::Fuzzy { rule, .. } if rule == "email_typo")));
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn fuzzy(mut self, config: crate::fuzzy::FuzzyConfig) -> Self {
        self.fuzzy = Some(config);
        self
    }

    /// Builds an empty resolver.
    pub fn build(self) -> Resolver {
        let mut resolver = Resolver::with_parts(KeyHasher::new(self.secret), self.config);
        resolver.fuzzy = self.fuzzy.map(crate::fuzzy_link::FuzzyLinks::new);
        resolver
    }
}

/// The identifiers, keyed, and the sets they form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Nodes {
    /// Node → identifier key (for an orphan node: its event's key).
    pub(crate) keys: Vec<IdentifierKey>,
    /// Node → kind number: 0..5 built-in, 5.. custom, [`ORPHAN`].
    pub(crate) kinds: Vec<u16>,
    /// Identifier key → node, for identifier nodes only. The table stores
    /// bare node numbers and compares through `keys`, so each key is held
    /// once.
    pub(crate) index: HashTable<u32>,
    pub(crate) sets: UnionFind,
    /// Normalized values, when the resolver keeps them.
    pub(crate) values: Option<ValueArena>,
}

impl Nodes {
    pub(crate) fn find_key(&self, key: IdentifierKey) -> Option<u32> {
        self.index
            .find(key.hash64(), |&node| self.keys[node as usize] == key)
            .copied()
    }

    pub(crate) fn push(&mut self, key: IdentifierKey, kind: u16, value: &str) -> u32 {
        let node = self.sets.push();
        self.keys.push(key);
        self.kinds.push(kind);
        if let Some(values) = &mut self.values {
            values.push(value);
        }
        if kind != ORPHAN && kind != FORGOTTEN {
            let keys = &self.keys;
            self.index
                .insert_unique(key.hash64(), node, |&n| keys[n as usize].hash64());
        }
        node
    }

    /// Rebuilds the key index from `keys` (after a snapshot restore); fails
    /// on a duplicate identifier key.
    pub(crate) fn rebuild_index(&mut self) -> Result<(), &'static str> {
        let mut index = HashTable::with_capacity(self.keys.len());
        for (node, (&key, &kind)) in self.keys.iter().zip(&self.kinds).enumerate() {
            if kind == ORPHAN || kind == FORGOTTEN {
                continue;
            }
            let keys = &self.keys;
            if index
                .find(key.hash64(), |&n: &u32| keys[n as usize] == key)
                .is_some()
            {
                return Err("duplicate identifier key");
            }
            index.insert_unique(key.hash64(), node as u32, |&n| keys[n as usize].hash64());
        }
        self.index = index;
        Ok(())
    }
}

/// All kept values in one string, so keeping values costs one allocation per
/// growth step instead of one per identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ValueArena {
    pub(crate) text: String,
    /// End offset in `text` of each node's value.
    pub(crate) ends: Vec<u64>,
}

impl ValueArena {
    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len() as u64);
    }

    pub(crate) fn get(&self, node: u32) -> &str {
        let node = node as usize;
        let start = if node == 0 {
            0
        } else {
            self.ends[node - 1] as usize
        };
        &self.text[start..self.ends[node] as usize]
    }

    /// Overwrites a node's value with NUL bytes (same length, so later
    /// offsets stay valid).
    pub(crate) fn wipe(&mut self, node: u32) {
        let node = node as usize;
        let start = if node == 0 {
            0
        } else {
            self.ends[node - 1] as usize
        };
        let end = self.ends[node] as usize;
        self.text
            .replace_range(start..end, &"\0".repeat(end - start));
    }

    /// Checks offsets against the text before `get` may trust them.
    pub(crate) fn validate(&self, len: usize) -> Result<(), &'static str> {
        if self.ends.len() != len {
            return Err("value count differs from node count");
        }
        let mut start = 0;
        for &end in &self.ends {
            let end = usize::try_from(end).map_err(|_| "value offset out of range")?;
            if end < start || end > self.text.len() || !self.text.is_char_boundary(end) {
                return Err("value offset out of range");
            }
            start = end;
        }
        Ok(())
    }
}

/// Names interned to small numbers: custom identifier kinds and channels.
#[derive(Debug, Clone)]
pub(crate) struct Interner<T> {
    pub(crate) names: Vec<T>,
    numbers: std::collections::HashMap<T, u16>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            names: Vec::new(),
            numbers: std::collections::HashMap::new(),
        }
    }
}

impl<T: Clone + Eq + Hash> Interner<T> {
    pub(crate) fn from_names(names: Vec<T>) -> Result<Self, &'static str> {
        let mut interner = Interner::default();
        for name in names {
            if interner.numbers.contains_key(&name) || interner.intern(&name).is_none() {
                return Err("duplicate or too many interned names");
            }
        }
        Ok(interner)
    }

    fn intern(&mut self, name: &T) -> Option<u16> {
        if let Some(&number) = self.numbers.get(name) {
            return Some(number);
        }
        let number = u16::try_from(self.names.len())
            .ok()
            .filter(|&n| n < MAX_INTERNED)?;
        self.names.push(name.clone());
        self.numbers.insert(name.clone(), number);
        Some(number)
    }

    fn get(&self, name: &T) -> Option<u16> {
        self.numbers.get(name).copied()
    }
}

/// How many custom kinds (or channels) one resolver interns, leaving the
/// top kind numbers for [`ORPHAN`] and [`FORGOTTEN`].
const MAX_INTERNED: u16 = ORPHAN - 8;

/// Built-in kinds take the numbers 0..5; custom kinds follow.
const CUSTOM_KIND_BASE: u16 = 5;

/// The known channels, pre-interned in this order so that their numbers are
/// the same in every resolver.
pub(crate) const KNOWN_CHANNELS: [Channel; 9] = [
    Channel::Web,
    Channel::App,
    Channel::Store,
    Channel::Chat,
    Channel::WhatsApp,
    Channel::Messenger,
    Channel::Email,
    Channel::CallCenter,
    Channel::Crm,
];

/// Resolves identifiers seen together into unified profiles.
///
/// Build one with [`ResolverBuilder`]; feed it events with
/// [`observe`](Resolver::observe); ask it with [`lookup`](Resolver::lookup),
/// [`profile`](Resolver::profile) and [`canonical`](Resolver::canonical).
/// The same calls are available through the
/// [`IdentityResolver`](crate::IdentityResolver) trait.
///
/// ```
/// use idstitch::{Channel, Event, Identifier, Region, ResolverBuilder, SecretKey};
///
/// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).default_region(Region::NL).build();
/// let at = |time: &str| time.parse().unwrap();
/// let web = resolver
///     .observe(&Event::new("e1").with_channel(Channel::Web).with_ts(at("2026-03-01T10:00:00Z"))
///         .with_identifier(Identifier::cookie("ck_9f2a"))
///         .with_identifier(Identifier::email("jan@example.com")))
///     .unwrap();
/// let store = resolver
///     .observe(&Event::new("e2").with_channel(Channel::Store).with_ts(at("2026-03-04T16:20:00Z"))
///         .with_identifier(Identifier::loyalty_card("NL-4471-0092"))
///         .with_identifier(Identifier::phone("06-12345678")))
///     .unwrap();
/// assert_ne!(web.profile(), store.profile());
///
/// // The same person logs in with the email and gives the phone number.
/// let login = resolver
///     .observe(&Event::new("e3").with_ts(at("2026-03-05T08:00:00Z"))
///         .with_identifier(Identifier::email(" JAN@example.com"))
///         .with_identifier(Identifier::phone("+31 6 1234 5678")))
///     .unwrap();
/// assert_eq!(login.profile(), web.profile()); // the profile seen first keeps its id
/// assert_eq!(login.merges()[0].retired(), store.profile());
/// assert_eq!(resolver.canonical(store.profile()), Some(web.profile()));
///
/// let profile = resolver.profile(web.profile()).unwrap();
/// assert_eq!(profile.event_count(), 3);
/// assert_eq!(profile.identifiers().len(), 4);
/// assert_eq!(profile.channels(), &[Channel::Store, Channel::Web]);
/// ```
pub struct Resolver {
    /// Shared with the threads of [`Resolver::observe_batch`], which prepare
    /// events while this thread links earlier ones.
    pub(crate) config: Arc<Config>,
    pub(crate) hasher: KeyHasher,
    pub(crate) nodes: Nodes,
    pub(crate) custom_kinds: Interner<IdentifierKind>,
    pub(crate) channels: Interner<Channel>,
    /// Union-find root → the live profile it holds.
    pub(crate) profiles: HashMap<u32, ProfileState, PrehashedState>,
    /// Every profile id ever issued → the node that founded it, so that a
    /// retired id still finds its survivor.
    pub(crate) founders: HashMap<ProfileId, u32, PrehashedState>,
    /// Keyed hash of each event id seen → a node of its profile.
    pub(crate) events: HashMap<IdentifierKey, u32, PrehashedState>,
    /// Why identifiers are linked, when the resolver keeps evidence.
    pub(crate) evidence: Option<Evidence>,
    /// The protection settings in kind numbers.
    pub(crate) rules: Rules,
    /// Keyed hashes of forgotten identifiers (shared like `config`).
    pub(crate) tombstones: Arc<Tombstones>,
    /// Identifiers marked generic.
    pub(crate) generic: HashMap<u32, GenericMark, PrehashedState>,
    pub(crate) review: Vec<ReviewRecord>,
    pub(crate) changes: Vec<Change>,
    /// Fuzzy matching, when turned on.
    pub(crate) fuzzy: Option<crate::fuzzy_link::FuzzyLinks>,
    /// Reused by `observe` so that it allocates nothing per call.
    scratch: Scratch,
    buffers: PrepareBuffers,
}

#[derive(Debug, Default)]
struct Scratch {
    /// Existing profiles (roots) touched by the event, each with the
    /// identifier that touched it first.
    touched: Vec<(u32, IdentifierKey)>,
    /// Nodes created for identifiers seen for the first time.
    fresh: Vec<u32>,
    /// The node of every identifier of the event that was linked.
    linked: Vec<u32>,
    /// Distinct identifiers per limited kind of what the event links.
    counts: Vec<u32>,
    /// The profiles the event merges, each with the identifier that led to it.
    merged: Vec<(ProfileState, IdentifierKey)>,
}

/// The region an event's `country` attribute, or its `store_id` through
/// the configured store regions, says national phone numbers are in.
fn region_hint(store_regions: &BTreeMap<String, Region>, event: &Event) -> Option<Region> {
    let attrs = event.attrs();
    attrs
        .get("country")
        .and_then(|country| Region::new(country))
        .or_else(|| {
            attrs
                .get("store_id")
                .and_then(|store| store_regions.get(store).copied())
        })
}

/// Keyed hashes of forgotten identifiers.
pub(crate) type Tombstones = hashbrown::HashSet<IdentifierKey, PrehashedState>;

/// What preparing an event reads: the parts of a resolver that linking
/// never changes, borrowed, so that [`Resolver::observe_batch`] can
/// prepare on other threads from copies while it links.
#[derive(Clone, Copy)]
struct Preparer<'a> {
    config: &'a Config,
    hasher: &'a KeyHasher,
    custom_kinds: &'a Interner<IdentifierKind>,
    tombstones: &'a Tombstones,
    /// Whether normalized values are kept until linking (kept values or
    /// fuzzy matching).
    keep_values: bool,
}

/// A normalized, keyed identifier of an event being observed.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) key: IdentifierKey,
    /// Kind number, or [`UNINTERNED`] for a custom kind met for the first
    /// time (interned when the event is applied).
    kind: u16,
    /// Position in the event's identifier list.
    pub(crate) index: u32,
    /// Range of the normalized value in [`PrepareBuffers::values`].
    pub(crate) value: std::ops::Range<usize>,
    /// The identifier's node, when a look-ahead found it already (nodes
    /// are never removed while events are applied, so a found node stays
    /// right; one not found yet may be created by an earlier event).
    known_node: Option<u32>,
}

/// How many identifiers ahead [`Resolver::observe_batch`] looks up in one
/// tight loop. Each lookup is a cache miss or two at millions of
/// identifiers; looked up together, the misses overlap instead of each
/// stalling linking in turn. A few events' worth: what they bring into the
/// cache must still be there when they are linked.
const LOOK_AHEAD: usize = 48;

/// Kind number of a custom kind not interned yet.
const UNINTERNED: u16 = u16::MAX - 2;

/// Where [`Resolver::prepare`] puts its work: the identifiers of one or
/// more events, one after the other.
#[derive(Debug, Default)]
struct PrepareBuffers {
    /// The value being normalized.
    value: String,
    pending: Vec<Pending>,
    /// Normalized values, when the resolver keeps them.
    values: String,
}

/// Events prepared together: their identifiers in one set of buffers, and
/// for each event its range of them and its rejects.
struct PreparedChunk {
    buffers: PrepareBuffers,
    events: Vec<PreparedEvent>,
}

/// One event of a [`PreparedChunk`].
struct PreparedEvent {
    /// The event id's key, or why the id is refused.
    key: Result<IdentifierKey, Error>,
    /// Its identifiers in the chunk's buffers.
    pending: std::ops::Range<usize>,
    rejects: Vec<Reject>,
}

/// How many events one thread of [`Resolver::observe_batch`] prepares at a
/// time: enough to make a thread worth starting, few enough to bound memory.
const BATCH_CHUNK: usize = 2048;

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: values and keys stay out of logs.
        f.debug_struct("Resolver")
            .field("keep_values", &self.config.keep_values)
            .field("identifiers", &self.identifier_count())
            .field("profiles", &self.profile_count())
            .field("events", &self.event_count())
            .field(
                "evidence_events",
                &self.evidence.as_ref().map(Evidence::event_count),
            )
            .finish_non_exhaustive()
    }
}

impl Resolver {
    pub(crate) fn with_parts(hasher: KeyHasher, config: Config) -> Self {
        let config = Arc::new(config);
        let nodes = Nodes {
            values: config.keep_values.then(ValueArena::default),
            ..Nodes::default()
        };
        let channels = Interner::from_names(KNOWN_CHANNELS.to_vec())
            .unwrap_or_else(|_| unreachable!("the known channels are distinct"));
        let evidence = config.keep_evidence.then(Evidence::default);
        let mut resolver = Resolver {
            config,
            hasher,
            nodes,
            custom_kinds: Interner::default(),
            channels,
            profiles: HashMap::default(),
            founders: HashMap::default(),
            events: HashMap::default(),
            evidence,
            rules: Rules::default(),
            tombstones: Arc::default(),
            generic: HashMap::default(),
            review: Vec::new(),
            changes: Vec::new(),
            fuzzy: None,
            scratch: Scratch::default(),
            buffers: PrepareBuffers::default(),
        };
        resolver.intern_rules();
        resolver
    }

    /// Turns the protection settings into kind numbers, interning the
    /// custom kinds they name. (Too many custom kinds to intern is the one
    /// way this fails; the rules then stay empty and nothing is limited.)
    pub(crate) fn intern_rules(&mut self) {
        let protection = self.config.protection.clone();
        for kind in protection.kinds() {
            let _ = self.kind_number(kind);
        }
        let Resolver {
            custom_kinds,
            rules,
            ..
        } = self;
        *rules = Rules::new(&protection, |kind| {
            Some(match kind {
                IdentifierKind::Custom(_) => CUSTOM_KIND_BASE + custom_kinds.get(kind)?,
                builtin => builtin_kind_number(builtin)?,
            })
        })
        .unwrap_or_default();
    }

    /// Applies one event: normalizes and keys its identifiers, links them,
    /// and says which profile the event now belongs to, which profiles were
    /// merged into it, and which identifiers were rejected.
    ///
    /// Replaying an event id changes nothing and reports
    /// [`Observation::is_replay`].
    ///
    /// # Errors
    /// - [`ErrorKind::InvalidEventId`]: the id is empty, longer than 512
    ///   bytes, or has control characters;
    /// - [`ErrorKind::CapacityExceeded`]: the resolver is full.
    ///
    /// On error nothing was applied.
    pub fn observe(&mut self, event: &Event) -> Result<Observation, Error> {
        check_event_id(event.id())?;
        let event_key = self.hasher.event(event.id());
        if let Some(replay) = self.replay(event_key) {
            // Known before any normalizing.
            return replay;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut buffers = std::mem::take(&mut self.buffers);
        buffers.pending.clear();
        buffers.values.clear();
        let rejects = self.preparer().prepare(event, &mut buffers);
        let outcome = self.apply(
            event,
            event_key,
            &mut buffers.pending,
            &buffers.values,
            rejects,
            &mut scratch,
        );
        if !self.config.keep_values {
            wipe(&mut buffers.values);
        }
        (self.scratch, self.buffers) = (scratch, buffers);
        outcome
    }

    /// Applies a batch of events, in order, with the same results as
    /// calling [`observe`](Self::observe) on each. Linking stays on the
    /// calling thread while the other cores
    /// (`std::thread::available_parallelism` minus one) normalize and hash
    /// the next few thousand events, so the outcome does not depend on the
    /// number of threads. Batches of a few thousand events or more make the
    /// threads worth starting; memory grows only by a few dozen bytes per
    /// identifier of the events in flight.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let events: Vec<Event> = (0..10_000)
    ///     .map(|n| Event::new(format!("e{n}"))
    ///         .with_identifier(Identifier::email(format!("person{}@example.com", n % 2_500)))
    ///         .with_identifier(Identifier::cookie(format!("ck_{n}"))))
    ///     .collect();
    /// let mut batched = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// let outcomes = batched.observe_batch(&events);
    /// assert!(outcomes.iter().all(Result::is_ok));
    /// assert_eq!(batched.profile_count(), 2_500);
    ///
    /// let mut one_by_one = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// for event in &events {
    ///     one_by_one.observe(event)?;
    /// }
    /// let (mut a, mut b) = (Vec::new(), Vec::new());
    /// batched.save_snapshot(&mut a)?;
    /// one_by_one.save_snapshot(&mut b)?;
    /// assert_eq!(a, b);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn observe_batch(&mut self, events: &[Event]) -> Vec<Result<Observation, Error>> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut outcomes = Vec::with_capacity(events.len());
        let mut scratch = std::mem::take(&mut self.scratch);
        if threads == 1 || events.len() < 2 * BATCH_CHUNK {
            for chunk in events.chunks(BATCH_CHUNK) {
                let prepared = self.preparer().prepare_all(chunk);
                self.apply_prepared(chunk, vec![prepared], &mut outcomes, &mut scratch);
            }
        } else {
            // Copies of what preparing reads (two reference counts and the
            // custom kinds), so that the other threads prepare the next
            // window while this one links the current one. A custom kind
            // first met while linking is not in the copy; such identifiers
            // are interned when applied, as in `observe`.
            let (config, tombstones) = (Arc::clone(&self.config), Arc::clone(&self.tombstones));
            let (hasher, custom_kinds) = (self.hasher.clone(), self.custom_kinds.clone());
            let preparer = Preparer {
                config: &config,
                hasher: &hasher,
                custom_kinds: &custom_kinds,
                tombstones: &tombstones,
                keep_values: self.preparer().keep_values,
            };
            let workers = threads - 1;
            let mut windows = events.chunks(workers * BATCH_CHUNK);
            std::thread::scope(|scope| {
                let start = |window| (window, preparer.start(scope, window));
                let mut next = windows.next().map(start);
                while let Some((window, handles)) = next.take() {
                    let parts: Vec<PreparedChunk> = handles
                        .into_iter()
                        .map(|handle| match handle.join() {
                            Ok(part) => part,
                            Err(panic) => std::panic::resume_unwind(panic),
                        })
                        .collect();
                    next = windows.next().map(start);
                    self.apply_prepared(window, parts, &mut outcomes, &mut scratch);
                }
            });
        }
        self.scratch = scratch;
        outcomes
    }

    /// The borrowed parts of the resolver that preparing reads.
    fn preparer(&self) -> Preparer<'_> {
        Preparer {
            config: &self.config,
            hasher: &self.hasher,
            custom_kinds: &self.custom_kinds,
            tombstones: &self.tombstones,
            keep_values: self.config.keep_values || self.fuzzy.is_some(),
        }
    }

    /// Links `events`, prepared in order into `parts`, and appends their
    /// outcomes.
    fn apply_prepared(
        &mut self,
        events: &[Event],
        parts: Vec<PreparedChunk>,
        outcomes: &mut Vec<Result<Observation, Error>>,
        scratch: &mut Scratch,
    ) {
        let mut events = events.iter();
        for PreparedChunk {
            mut buffers,
            events: prepared,
        } in parts
        {
            let mut looked_up = 0;
            for PreparedEvent {
                key,
                pending,
                rejects,
            } in prepared
            {
                let Some(event) = events.next() else {
                    unreachable!("one preparation per event");
                };
                if pending.end > looked_up {
                    let end =
                        (pending.start + LOOK_AHEAD.max(pending.len())).min(buffers.pending.len());
                    let ahead = &mut buffers.pending[pending.start..end];
                    for identifier in ahead.iter_mut() {
                        identifier.known_node = self.nodes.find_key(identifier.key);
                        if let Some(node) = identifier.known_node {
                            // Brings the set's root and profile into the cache.
                            let root = self.nodes.sets.find_root(node);
                            std::hint::black_box(self.profiles.get(&root));
                        }
                    }
                    looked_up = pending.start + ahead.len();
                }
                let outcome = key.and_then(|event_key| {
                    self.apply(
                        event,
                        event_key,
                        &mut buffers.pending[pending],
                        &buffers.values,
                        rejects,
                        scratch,
                    )
                });
                outcomes.push(outcome);
            }
            if !self.config.keep_values {
                wipe(&mut buffers.values);
            }
        }
    }
}

impl<'env> Preparer<'env> {
    /// Starts preparing `window` on threads of `scope`, a chunk of events
    /// per thread.
    fn start<'scope>(
        self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        window: &'env [Event],
    ) -> Vec<std::thread::ScopedJoinHandle<'scope, PreparedChunk>> {
        window
            .chunks(BATCH_CHUNK)
            .map(|chunk| scope.spawn(move || self.prepare_all(chunk)))
            .collect()
    }

    /// Prepares every event of `events` into one set of buffers: each
    /// event's id key, range of pending identifiers and rejects.
    fn prepare_all(self, events: &[Event]) -> PreparedChunk {
        let mut buffers = PrepareBuffers::default();
        let prepared = events
            .iter()
            .map(|event| {
                let start = buffers.pending.len();
                let key = check_event_id(event.id()).map(|()| self.hasher.event(event.id()));
                let rejects = match key {
                    Ok(_) => self.prepare(event, &mut buffers),
                    Err(_) => Vec::new(),
                };
                PreparedEvent {
                    key,
                    pending: start..buffers.pending.len(),
                    rejects,
                }
            })
            .collect();
        PreparedChunk {
            buffers,
            events: prepared,
        }
    }

    /// Normalizes and keys the event's identifiers, appending them to
    /// `buffers.pending` (distinct keys, in event order); returns the
    /// rejects. Changes nothing, so that batches can prepare in parallel.
    fn prepare(self, event: &Event, buffers: &mut PrepareBuffers) -> Vec<Reject> {
        let first = buffers.pending.len();
        let context = Context {
            region: region_hint(&self.config.store_regions, event),
            channel: event.channel(),
        };
        let max = self.config.max_identifiers_per_event;
        let mut rejects = Vec::new();
        for (index, identifier) in event.identifiers().iter().enumerate() {
            let reject = |reason| Reject {
                index,
                kind: identifier.kind().clone(),
                reason,
            };
            if index >= max {
                rejects.push(reject(RejectReason::TooManyIdentifiers { max }));
                continue;
            }
            let normalized =
                self.config
                    .normalizer
                    .normalize_into(identifier, context, &mut buffers.value);
            if let Err(reason) = normalized {
                rejects.push(reject(reason));
                continue;
            }
            let kind = match identifier.kind() {
                custom @ IdentifierKind::Custom(_) => self
                    .custom_kinds
                    .get(custom)
                    .map_or(UNINTERNED, |number| CUSTOM_KIND_BASE + number),
                builtin => builtin_kind_number(builtin)
                    .unwrap_or_else(|| unreachable!("every other kind is built in")),
            };
            let key = self
                .hasher
                .identifier(identifier.kind().as_str(), &buffers.value);
            if buffers.pending[first..]
                .iter()
                .any(|pending| pending.key == key)
            {
                continue;
            }
            if self.tombstones.contains(&key) {
                rejects.push(reject(RejectReason::Forgotten));
                continue;
            }
            let start = buffers.values.len();
            // Fuzzy rules compare values, so they are kept until the event
            // is linked.
            if self.keep_values {
                buffers.values.push_str(&buffers.value);
            }
            buffers.pending.push(Pending {
                key,
                kind,
                index: index as u32,
                value: start..buffers.values.len(),
                known_node: None,
            });
        }
        if !self.config.keep_values {
            // Hashed mode holds no value between calls, not even in a buffer.
            wipe(&mut buffers.value);
        }
        rejects
    }
}

impl Resolver {
    /// What observing a known event id again says: its profile, changing
    /// nothing, not even the union-find's paths, so that the snapshot stays
    /// byte-identical. `None` for an event not seen yet.
    fn replay(&self, event_key: IdentifierKey) -> Option<Result<Observation, Error>> {
        let &anchor = self.events.get(&event_key)?;
        Some(match self.profile_state_of(anchor) {
            Some(state) => Ok(Observation {
                profile: state.id,
                replay: true,
                ..Observation::default()
            }),
            None => Err(ErrorKind::Forgotten.into()),
        })
    }

    /// Applies a prepared event: a replay changes nothing; otherwise interns
    /// its channel and new custom kinds, checks capacity, and links.
    fn apply(
        &mut self,
        event: &Event,
        event_key: IdentifierKey,
        pending: &mut [Pending],
        values: &str,
        rejects: Vec<Reject>,
        scratch: &mut Scratch,
    ) -> Result<Observation, Error> {
        if let Some(replay) = self.replay(event_key) {
            return replay;
        }
        let evidence_full = self
            .evidence
            .as_ref()
            .is_some_and(|evidence| evidence.room() < pending.len() + 1);
        if evidence_full || self.nodes.keys.len() + pending.len() + 1 > MAX_NODES {
            return Err(ErrorKind::CapacityExceeded {
                what: "identifiers",
                limit: MAX_NODES as u64,
            }
            .into());
        }
        let channel = match event.channel() {
            Some(channel) => Some(self.intern_channel(channel)?),
            None => None,
        };
        for pending in pending.iter_mut() {
            if pending.kind == UNINTERNED {
                let identifier = &event.identifiers()[pending.index as usize];
                pending.kind = self.kind_number(identifier.kind())?;
            }
        }
        self.link(event, event_key, channel, pending, values, scratch, rejects)
    }

    /// Finds or creates the nodes of the prepared identifiers and links them
    /// in priority order, holding back any link that would break a limit;
    /// merges their profiles (the earliest anchor keeps its id), records the
    /// event, and runs the generic check where it is due.
    #[allow(clippy::too_many_arguments)]
    fn link(
        &mut self,
        event: &Event,
        event_key: IdentifierKey,
        channel: Option<u16>,
        pending: &mut [Pending],
        values: &str,
        scratch: &mut Scratch,
        rejects: Vec<Reject>,
    ) -> Result<Observation, Error> {
        let Scratch {
            touched,
            fresh,
            linked,
            counts,
            merged,
            ..
        } = scratch;
        touched.clear();
        fresh.clear();
        linked.clear();
        counts.clear();
        counts.resize(self.rules.limits.len(), 0);
        if self.rules.has_priority() {
            pending.sort_by_key(|pending| self.rules.rank(pending.kind));
        }
        // (node, limit slot, its profile's root) of each link held back.
        let mut held_back: Vec<(u32, usize, u32)> = Vec::new();
        let mut generic_seen: Vec<u32> = Vec::new();
        for pending in pending.iter() {
            let existing = pending
                .known_node
                .or_else(|| self.nodes.find_key(pending.key));
            if let Some(node) = existing {
                if self.generic.contains_key(&node) {
                    // A generic value links nothing; it only keeps the
                    // events that carry nothing else.
                    generic_seen.push(node);
                    continue;
                }
            }
            let group = match existing {
                Some(node) => {
                    let root = self.nodes.sets.find(node);
                    if touched.iter().any(|&(r, _)| r == root) {
                        linked.push(node);
                        continue;
                    }
                    if held_back.iter().any(|&(_, _, r)| r == root) {
                        // Its profile is already held back for this event.
                        continue;
                    }
                    Some((node, root))
                }
                None => None,
            };
            // Add what the group brings to the limited counts (one profile
            // lookup), and take it back if a limit breaks.
            let broken = if counts.is_empty() {
                None
            } else {
                let one = self.rules.limit_slot(pending.kind);
                let profile_counts =
                    group.map(|(_, root)| self.profiles[&root].kind_counts.as_slice());
                let adds = |slot: usize| match profile_counts {
                    Some(of_profile) => of_profile[slot],
                    None => u32::from(one == Some(slot)),
                };
                for (slot, have) in counts.iter_mut().enumerate() {
                    *have += adds(slot);
                }
                let broken =
                    (0..counts.len()).find(|&slot| counts[slot] > self.rules.limits[slot].1);
                if broken.is_some() {
                    for (slot, have) in counts.iter_mut().enumerate() {
                        *have -= adds(slot);
                    }
                }
                broken
            };
            if let Some(slot) = broken {
                let node = match group {
                    Some((node, _)) => node,
                    None => {
                        // Kept, as a profile of its own, so that nothing is lost.
                        let node = self.nodes.push(
                            pending.key,
                            pending.kind,
                            &values[pending.value.clone()],
                        );
                        let state = self.solo_profile(node);
                        self.profiles.insert(node, state);
                        node
                    }
                };
                held_back.push((node, slot, self.nodes.sets.find(node)));
                continue;
            }
            match group {
                Some((node, root)) => {
                    touched.push((root, pending.key));
                    linked.push(node);
                }
                None => {
                    let value = &values[pending.value.clone()];
                    let node = self.nodes.push(pending.key, pending.kind, value);
                    fresh.push(node);
                    linked.push(node);
                }
            }
        }
        if !linked.is_empty() {
            for node in &generic_seen {
                if let Some(mark) = self.generic.get_mut(node) {
                    mark.events += 1;
                }
            }
        } else {
            match generic_seen.first().copied() {
                Some(node) => {
                    let root = self.nodes.sets.find(node);
                    touched.push((root, self.nodes.keys[node as usize]));
                    linked.push(node);
                }
                None => {
                    let node = self.nodes.push(event_key, ORPHAN, "");
                    fresh.push(node);
                    linked.push(node);
                }
            }
        }

        // The event's own claim to anchor: its time and its strongest identifier.
        let event_anchor = self
            .event_anchor(linked)
            .unwrap_or_else(|| unreachable!("an event links at least one node"));
        let created = touched.is_empty();
        let mut merges = Vec::new();
        let mut renamed = None;
        if let [(root, _)] = touched[..] {
            // The common case: one profile, perhaps new identifiers. It is
            // updated where it is; linking singletons never moves a root.
            let (old_id, old_anchor, old_order) = {
                let state = &self.profiles[&root];
                let order = self.anchor_order(state.anchor_ts(), state.anchor);
                (state.id, state.anchor, order)
            };
            let earlier = self.anchor_order(event.ts(), event_anchor) < old_order;
            let new_id =
                (earlier && event_anchor != old_anchor).then(|| self.profile_id_for(event_anchor));
            for &node in fresh.iter() {
                let joined = self.nodes.sets.link_roots(root, node);
                debug_assert_eq!(joined, root);
            }
            let Some(state) = self.profiles.get_mut(&root) else {
                unreachable!("every root holds a profile");
            };
            if earlier {
                state.set_anchor(event_anchor, event.ts());
            }
            if let Some(id) = new_id {
                state.id = id;
                renamed = Some(RenameRecord {
                    from: old_id,
                    to: id,
                    event: event.id().to_owned(),
                });
            }
            state.kind_counts.as_mut_slice().copy_from_slice(counts);
            state.record_event(event.ts(), channel);
        } else {
            merged.clear();
            let mut anchor = (event.ts(), event_anchor);
            for &(root, via) in touched.iter() {
                let state = self
                    .profiles
                    .remove(&root)
                    .unwrap_or_else(|| unreachable!("every root holds a profile"));
                if self.anchor_order(state.anchor_ts(), state.anchor)
                    < self.anchor_order(anchor.0, anchor.1)
                {
                    anchor = (state.anchor_ts(), state.anchor);
                }
                merged.push((state, via));
            }
            merged.sort_by_key(|(state, _)| self.anchor_order(state.anchor_ts(), state.anchor));
            // The oldest merged profile keeps its id unless the event itself is
            // older; only then is an id hashed.
            let id = match merged.first() {
                Some((oldest, _)) if oldest.anchor == anchor.1 => oldest.id,
                _ => self.profile_id_for(anchor.1),
            };
            let mut state = ProfileState::new(id, anchor.1, anchor.0);
            state.kind_counts = KindCounts::from_slice(counts);
            // None or two and more profiles here: a lone one took the branch
            // above, so every other id is retired by a merge.
            for (other, via) in merged.iter() {
                state.absorb(other);
                if other.id != id {
                    merges.push(MergeRecord {
                        survivor: id,
                        retired: other.id,
                        event: event.id().to_owned(),
                        via: *via,
                    });
                }
            }
            let mut root = match (touched.first(), fresh.first()) {
                (Some(&(root, _)), _) => root,
                (None, Some(&node)) => node,
                (None, None) => unreachable!("an event links at least one node"),
            };
            for &(other, _) in touched.iter().skip(1) {
                root = self.nodes.sets.link_roots(root, other);
            }
            for &node in fresh.iter() {
                if node != root {
                    root = self.nodes.sets.link_roots(root, node);
                }
            }
            state.record_event(event.ts(), channel);
            self.profiles.insert(root, state);
        }
        self.events.insert(event_key, linked[0]);

        let mut due = Vec::new();
        if let Some(evidence) = &mut self.evidence {
            evidence.grow(self.nodes.keys.len());
            if linked.len() >= 2 {
                evidence.record(
                    linked,
                    EventRecord {
                        event: event.id(),
                        channel,
                        ts: event.ts(),
                    },
                );
            } else {
                evidence.record_single(linked[0], event.ts(), channel);
            }
            // Every identifier of an event that joins groups has joined
            // them; an identifier held back by a limit tried to.
            let joining: &[u32] = if touched.len() + usize::from(!fresh.is_empty()) >= 2 {
                linked
            } else {
                &[]
            };
            for &(node, _, _) in &held_back {
                evidence.add_held(node);
            }
            for node in joining
                .iter()
                .copied()
                .chain(held_back.iter().map(|&(node, _, _)| node))
            {
                let joins = evidence.add_join(node);
                let kind = self.nodes.kinds[node as usize];
                if let Some(threshold) = self.rules.generic_threshold(kind) {
                    if time_to_check(joins, threshold) && !due.iter().any(|&(n, _)| n == node) {
                        due.push((node, threshold));
                    }
                }
            }
        }
        let first = linked[0];
        for merge in &merges {
            self.log(Change::Merged(merge.clone()));
        }
        if let Some(rename) = &renamed {
            self.log(Change::Renamed(rename.clone()));
        }
        for &(held, slot, _) in &held_back {
            self.review.push(ReviewRecord {
                event: event.id().to_owned(),
                kept: first,
                held,
                kind: self.rules.limits[slot].0,
                limit: self.rules.limits[slot].1,
                ts: event.ts(),
                channel,
                fuzzy: None,
            });
        }
        let mut splits = Vec::new();
        for (node, threshold) in due {
            if self.generic.contains_key(&node) {
                continue;
            }
            if let Some(profiles) = self.generic_profiles(node, threshold) {
                let detached = self.detach(node, Detach::Generic { profiles });
                if let Some(split) = detached.split {
                    self.log(Change::Split(split.clone()));
                    splits.push(split);
                    // Links a limit held back while the generic value glued
                    // strangers together may be fine now.
                    merges.extend(self.retry_reviews(&detached.members));
                }
            }
        }
        if self.fuzzy.is_some() {
            let first = self.events.get(&event_key).copied().unwrap_or(first);
            self.link_fuzzy(event, first, pending, values, channel, &mut merges);
        }
        // This event's links still waiting (a split may have settled some):
        // the tail of the queue, which settling keeps in order.
        let waiting = self
            .review
            .iter()
            .rev()
            .take_while(|record| record.event == event.id())
            .count();
        let reviews = self.review[self.review.len() - waiting..]
            .iter()
            .filter_map(|record| self.review_item(record))
            .collect();
        // Looked up again: a split above may have moved the event.
        let profile = self
            .event_profile_key(event_key)
            .unwrap_or_else(|| unreachable!("the event just applied is in a profile"));
        Ok(Observation {
            profile,
            merges,
            renamed,
            splits,
            reviews,
            rejects,
            replay: false,
            created,
        })
    }

    /// A profile of one identifier and no events.
    fn solo_profile(&mut self, node: u32) -> ProfileState {
        if let Some(evidence) = &mut self.evidence {
            evidence.grow(self.nodes.keys.len());
        }
        let id = self.profile_id_for(node);
        let mut state = ProfileState::new(id, node, None);
        state.kind_counts = self.rules.counts_of_one(self.nodes.kinds[node as usize]);
        state
    }

    /// The identifier an event offers as its profile's anchor: the
    /// strongest kind (loyalty card, email, phone, custom, chat session,
    /// cookie), then the smallest key. Strongest first because ids should
    /// hang on what lasts: a cookie is the likeliest to be forgotten or
    /// found generic, and with it the id would change.
    pub(crate) fn event_anchor(&self, nodes: &[u32]) -> Option<u32> {
        nodes.iter().copied().min_by_key(|&node| {
            (
                anchor_strength(self.nodes.kinds[node as usize]),
                self.nodes.keys[node as usize],
            )
        })
    }

    /// How anchors compare: earlier event first, untimed last, then the
    /// stronger kind, then the smaller key.
    pub(crate) fn anchor_order(&self, ts: Option<Timestamp>, node: u32) -> AnchorOrder {
        let kind = self.nodes.kinds[node as usize];
        (
            ts.is_none(),
            ts,
            anchor_strength(kind),
            self.nodes.keys[node as usize],
        )
    }

    /// The id of a profile anchored at `node`: the keyed hash of its key.
    /// The same node always gets the same id, so an id retired by a merge
    /// comes back when a split restores its profile.
    pub(crate) fn profile_id_for(&mut self, node: u32) -> ProfileId {
        let key = self.nodes.keys[node as usize];
        // 64-bit ids collide about once in 10^19 pairs; when one does, the
        // next candidate is taken, deterministically.
        for attempt in 0.. {
            let id = ProfileId(self.hasher.profile(key, attempt));
            match self.founders.get(&id) {
                Some(&founder) if founder != node => continue,
                Some(_) => return id,
                None => {
                    self.founders.insert(id, node);
                    return id;
                }
            }
        }
        unreachable!("some attempt is free")
    }

    /// The region for national phone numbers in this event: its `country`
    /// attribute, else its store's region. An unknown country falls back to
    /// the store and then to the default region.
    fn kind_number(&mut self, kind: &IdentifierKind) -> Result<u16, Error> {
        Ok(match kind {
            IdentifierKind::Custom(_) => {
                let number = self
                    .custom_kinds
                    .intern(kind)
                    .ok_or(ErrorKind::CapacityExceeded {
                        what: "custom identifier kinds",
                        limit: u64::from(MAX_INTERNED),
                    })?;
                CUSTOM_KIND_BASE + number
            }
            builtin => builtin_kind_number(builtin)
                .unwrap_or_else(|| unreachable!("every other kind is built in")),
        })
    }

    pub(crate) fn kind_of(&self, number: u16) -> Option<IdentifierKind> {
        Some(match number {
            0 => IdentifierKind::Email,
            1 => IdentifierKind::Phone,
            2 => IdentifierKind::LoyaltyCard,
            3 => IdentifierKind::Cookie,
            4 => IdentifierKind::ChatSession,
            ORPHAN | FORGOTTEN => return None,
            custom => self
                .custom_kinds
                .names
                .get(usize::from(custom - CUSTOM_KIND_BASE))?
                .clone(),
        })
    }

    fn intern_channel(&mut self, channel: &Channel) -> Result<u16, Error> {
        self.channels.intern(channel).ok_or_else(|| {
            ErrorKind::CapacityExceeded {
                what: "channels",
                limit: u64::from(MAX_INTERNED),
            }
            .into()
        })
    }

    /// The keyed hash this resolver gives `identifier` (normalized with the
    /// default region), for services that store keys instead of values.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidIdentifier`] when the value cannot be normalized.
    pub fn key_of(&self, identifier: &Identifier) -> Result<IdentifierKey, Error> {
        self.key_in(identifier, Context::default())
    }

    fn key_in(
        &self,
        identifier: &Identifier,
        context: Context<'_>,
    ) -> Result<IdentifierKey, Error> {
        let mut value = String::new();
        self.config
            .normalizer
            .normalize_into(identifier, context, &mut value)?;
        Ok(self.hasher.identifier(identifier.kind().as_str(), &value))
    }

    /// Like [`lookup`](Self::lookup), reading a national phone number in
    /// `region` instead of the default region, as an event with that
    /// `country` would.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, Region, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).default_region(Region::NL).build();
    /// let till = Event::new("e1").with_attr("country", "DE").with_identifier(Identifier::phone("0170 1234567"));
    /// let id = resolver.observe(&till).unwrap().profile();
    /// assert_eq!(resolver.lookup_in(&Identifier::phone("0170 1234567"), Region::DE).unwrap(), Some(id));
    /// // Read as a Dutch number it has a digit too many.
    /// assert!(resolver.lookup(&Identifier::phone("0170 1234567")).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidIdentifier`] when the value cannot be normalized.
    pub fn lookup_in(
        &self,
        identifier: &Identifier,
        region: Region,
    ) -> Result<Option<ProfileId>, Error> {
        let context = Context {
            region: Some(region),
            channel: None,
        };
        Ok(self.lookup_key(self.key_in(identifier, context)?))
    }

    /// The profile `identifier` belongs to, or `None` if it was never seen.
    /// The value is normalized with the default region; a chat session is
    /// qualified by the identifier's own channel.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidIdentifier`] when the value cannot be normalized.
    pub fn lookup(&self, identifier: &Identifier) -> Result<Option<ProfileId>, Error> {
        Ok(self.lookup_key(self.key_of(identifier)?))
    }

    /// The profile of an identifier given by its key.
    pub fn lookup_key(&self, key: IdentifierKey) -> Option<ProfileId> {
        let node = self.nodes.find_key(key)?;
        self.profile_state_of(node).map(|state| state.id)
    }

    /// The profile an event was resolved into (now, after later merges and
    /// splits); `None` for an event never seen, or one whose identifiers
    /// were all forgotten.
    pub fn event_profile(&self, event_id: &str) -> Option<ProfileId> {
        self.event_profile_key(self.hasher.event(event_id))
    }

    fn event_profile_key(&self, event_key: IdentifierKey) -> Option<ProfileId> {
        let node = *self.events.get(&event_key)?;
        self.profile_state_of(node).map(|state| state.id)
    }

    /// The current id of profile `id`: itself while it is live, its
    /// survivor once merged away. `None` for an id this resolver never issued.
    pub fn canonical(&self, id: ProfileId) -> Option<ProfileId> {
        let founder = *self.founders.get(&id)?;
        self.profile_state_of(founder).map(|state| state.id)
    }

    pub(crate) fn profile_state_of(&self, node: u32) -> Option<&ProfileState> {
        self.profiles.get(&self.nodes.sets.find_root(node))
    }

    /// A view of the profile `id` resolves to (following merges), or `None`
    /// for an id this resolver never issued.
    pub fn profile(&self, id: ProfileId) -> Option<Profile> {
        let founder = *self.founders.get(&id)?;
        let root = self.nodes.sets.find_root(founder);
        self.profiles.contains_key(&root).then(|| self.view(root))
    }

    /// Every live profile, oldest first: by the time of the earliest event,
    /// profiles without times last, ties by anchor (see [`ProfileId`]).
    pub fn profiles(&self) -> impl Iterator<Item = Profile> + '_ {
        let mut roots: Vec<(AnchorOrder, u32)> = self
            .profiles
            .iter()
            .map(|(&root, state)| (self.anchor_order(state.anchor_ts(), state.anchor), root))
            .collect();
        roots.sort_unstable();
        roots.into_iter().map(|(_, root)| self.view(root))
    }

    /// The identifier at `node`, as profiles and explanations show it;
    /// `None` for an orphan event's node.
    pub(crate) fn identifier_at(&self, node: u32) -> Option<ProfileIdentifier> {
        Some(ProfileIdentifier {
            kind: self.kind_of(*self.nodes.kinds.get(node as usize)?)?,
            key: self.nodes.keys[node as usize],
            value: self
                .nodes
                .values
                .as_ref()
                .map(|values| values.get(node).to_owned()),
        })
    }

    /// Why `a` and `b` are in the same profile: the shortest chain of
    /// events that links them, each link naming two identifiers and the event
    /// that saw them together. `Ok(None)` when they are not linked (or one
    /// was never seen); an empty chain when they are the same identifier.
    ///
    /// ```
    /// use idstitch::{Channel, Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).keep_values(true).build();
    /// resolver.observe(&Event::new("login").with_channel(Channel::Web)
    ///     .with_identifier(Identifier::cookie("ck_1")).with_identifier(Identifier::email("jan@example.com"))).unwrap();
    /// resolver.observe(&Event::new("till").with_channel(Channel::Store)
    ///     .with_identifier(Identifier::email("jan@example.com")).with_identifier(Identifier::loyalty_card("4471-0092"))).unwrap();
    ///
    /// let why = resolver.explain(&Identifier::cookie("ck_1"), &Identifier::loyalty_card("44710092")).unwrap().unwrap();
    /// let chain: Vec<String> = why.links().iter()
    ///     .map(|link| format!("{} -[{}]- {}", link.from(), link.event(), link.to()))
    ///     .collect();
    /// assert_eq!(chain, ["ck_1 -[login]- jan@example.com", "jan@example.com -[till]- 44710092"]);
    /// assert_eq!(why.links()[1].channel(), Some(&Channel::Store));
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidIdentifier`] when either value cannot be
    /// normalized; [`ErrorKind::EvidenceNotKept`] when the resolver was built
    /// with [`keep_evidence(false)`](ResolverBuilder::keep_evidence).
    pub fn explain(&self, a: &Identifier, b: &Identifier) -> Result<Option<Explanation>, Error> {
        let evidence = self.evidence.as_ref().ok_or(ErrorKind::EvidenceNotKept)?;
        let (a, b) = (self.key_of(a)?, self.key_of(b)?);
        let (Some(a), Some(b)) = (self.nodes.find_key(a), self.nodes.find_key(b)) else {
            return Ok(None);
        };
        Ok(self.explain_nodes(evidence, a, b))
    }

    /// Why two profile ids lead to the same profile (one was merged into the
    /// other, perhaps through others): the chain of evidence between the
    /// identifiers that founded them. `Ok(None)` when they are different
    /// profiles or an id was never issued.
    ///
    /// # Errors
    /// [`ErrorKind::EvidenceNotKept`] when the resolver keeps no evidence.
    pub fn explain_profiles(
        &self,
        a: ProfileId,
        b: ProfileId,
    ) -> Result<Option<Explanation>, Error> {
        let evidence = self.evidence.as_ref().ok_or(ErrorKind::EvidenceNotKept)?;
        let (Some(&a), Some(&b)) = (self.founders.get(&a), self.founders.get(&b)) else {
            return Ok(None);
        };
        Ok(self.explain_nodes(evidence, a, b))
    }

    fn explain_nodes(&self, evidence: &Evidence, a: u32, b: u32) -> Option<Explanation> {
        if self.nodes.sets.find_root(a) != self.nodes.sets.find_root(b) {
            return None;
        }
        let links = evidence
            .explain(a, b)?
            .into_iter()
            .map(|step| {
                let record = evidence.record_at(step.record);
                Some(Link {
                    from: self.identifier_at(step.from)?,
                    to: self.identifier_at(step.to)?,
                    event: record.event.to_string(),
                    rule: evidence.rule_of(step.record),
                    channel: record
                        .channel
                        .and_then(|number| self.channels.names.get(usize::from(number)).cloned()),
                    ts: record.ts,
                })
            })
            .collect::<Option<Vec<Link>>>()?;
        Some(Explanation { links })
    }

    fn view(&self, root: u32) -> Profile {
        let state = &self.profiles[&root];
        let mut identifiers: Vec<ProfileIdentifier> = self
            .nodes
            .sets
            .members(root)
            .filter_map(|node| self.identifier_at(node))
            .collect();
        identifiers.sort_by(|a, b| (&a.kind, &a.value, a.key).cmp(&(&b.kind, &b.value, b.key)));
        let mut channels: Vec<Channel> = state
            .channels
            .iter()
            .filter_map(|number| self.channels.names.get(usize::from(number)).cloned())
            .collect();
        channels.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        Profile {
            id: state.id,
            identifiers,
            event_count: state.event_count,
            channels,
            first_seen: state.first_seen(),
            last_seen: state.last_seen(),
        }
    }

    /// How many live profiles there are.
    pub fn profile_count(&self) -> usize {
        self.profiles.len()
    }

    /// How many distinct identifiers have been seen.
    pub fn identifier_count(&self) -> usize {
        self.nodes.index.len()
    }

    /// How many distinct events have been applied.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// The normalizer this resolver uses.
    pub fn normalizer(&self) -> &Normalizer {
        &self.config.normalizer
    }

    /// Whether normalized values are kept (`false`: hashed mode).
    pub fn keeps_values(&self) -> bool {
        self.config.keep_values
    }

    #[cfg(test)]
    pub(crate) fn channel_number(&self, channel: &Channel) -> Option<u16> {
        self.channels.get(channel)
    }
}

/// Sort key of a profile anchor: untimed last, then time, kind strength, key.
pub(crate) type AnchorOrder = (bool, Option<Timestamp>, u8, IdentifierKey);

/// How well a kind anchors a profile id, strongest (0) first: loyalty
/// card, email, phone, custom, chat session, cookie.
fn anchor_strength(kind: u16) -> u8 {
    match kind {
        2 => 0,
        0 => 1,
        1 => 2,
        4 => 4,
        3 => 5,
        ORPHAN | FORGOTTEN => 6,
        _custom => 3,
    }
}

/// Kind numbers of the built-in kinds.
fn builtin_kind_number(kind: &IdentifierKind) -> Option<u16> {
    Some(match kind {
        IdentifierKind::Email => 0,
        IdentifierKind::Phone => 1,
        IdentifierKind::LoyaltyCard => 2,
        IdentifierKind::Cookie => 3,
        IdentifierKind::ChatSession => 4,
        IdentifierKind::Custom(_) => return None,
    })
}

/// Overwrites the text last held by `buffer` and empties it.
fn wipe(buffer: &mut String) {
    let len = buffer.len();
    buffer.clear();
    buffer.extend(std::iter::repeat_n('\0', len));
    buffer.clear();
}

/// What is wrong with an event id, if anything.
pub(crate) fn event_id_problem(id: &str) -> Option<&'static str> {
    if id.trim().is_empty() {
        Some("it is empty")
    } else if id.len() > MAX_EVENT_ID_LEN {
        Some("it is longer than 512 bytes")
    } else if id.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

fn check_event_id(id: &str) -> Result<(), Error> {
    match event_id_problem(id) {
        Some(why) => Err(ErrorKind::InvalidEventId { why }.into()),
        None => Ok(()),
    }
}

/// What [`Resolver::observe`] did with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Observation {
    profile: ProfileId,
    merges: Vec<MergeRecord>,
    renamed: Option<RenameRecord>,
    splits: Vec<SplitRecord>,
    reviews: Vec<ReviewItem>,
    rejects: Vec<Reject>,
    replay: bool,
    created: bool,
}

impl Default for Observation {
    fn default() -> Self {
        Observation {
            profile: ProfileId(0),
            merges: Vec::new(),
            renamed: None,
            splits: Vec::new(),
            reviews: Vec::new(),
            rejects: Vec::new(),
            replay: false,
            created: false,
        }
    }
}

impl Observation {
    /// The profile the event belongs to.
    pub fn profile(&self) -> ProfileId {
        self.profile
    }

    /// The profiles this event merged into [`profile`](Self::profile).
    pub fn merges(&self) -> &[MergeRecord] {
        &self.merges
    }

    /// The profile's old id, when the event was earlier than anything the
    /// profile had seen and so gave it a new anchor.
    pub fn renamed(&self) -> Option<&RenameRecord> {
        self.renamed.as_ref()
    }

    /// Profiles split because this event showed an identifier to be generic.
    pub fn splits(&self) -> &[SplitRecord] {
        &self.splits
    }

    /// Links this event would have made but that would break a per-profile
    /// limit: they wait in [`Resolver::review_queue`].
    pub fn reviews(&self) -> &[ReviewItem] {
        &self.reviews
    }

    /// The identifiers that were rejected, each with its reason. The rest of
    /// the event was applied.
    pub fn rejects(&self) -> &[Reject] {
        &self.rejects
    }

    /// Whether this event id had been seen before (nothing changed).
    pub fn is_replay(&self) -> bool {
        self.replay
    }

    /// Whether the event founded a new profile.
    pub fn created_profile(&self) -> bool {
        self.created
    }
}

/// An identifier that was not linked, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    index: usize,
    kind: IdentifierKind,
    reason: RejectReason,
}

impl Reject {
    /// Position of the identifier in the event's list (0-based).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The identifier's kind.
    pub fn kind(&self) -> &IdentifierKind {
        &self.kind
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &RejectReason {
        &self.reason
    }
}

/// One merge: `retired` was merged into `survivor` by `event`, which carried
/// the identifier `via` that was already in the retired profile. The
/// survivor is the profile with the earlier anchor (see [`ProfileId`]), or
/// a new id when the event itself is earlier than both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub(crate) survivor: ProfileId,
    pub(crate) retired: ProfileId,
    pub(crate) event: String,
    pub(crate) via: IdentifierKey,
}

impl MergeRecord {
    /// The profile that lives on.
    pub fn survivor(&self) -> ProfileId {
        self.survivor
    }

    /// The profile merged away; its id now resolves to the survivor.
    pub fn retired(&self) -> ProfileId {
        self.retired
    }

    /// The id of the event that caused the merge.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The key of the event's identifier that belonged to the retired profile.
    pub fn via(&self) -> IdentifierKey {
        self.via
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> Resolver {
        ResolverBuilder::new(SecretKey::derive("test"))
            .default_region(Region::NL)
            .keep_values(true)
            .build()
    }

    fn event(id: &str, identifiers: &[Identifier]) -> Event {
        Event::new(id).with_identifiers(identifiers.iter().cloned())
    }

    #[test]
    fn a_batch_gives_what_one_by_one_gives() {
        // Big enough for several threads: messy values, junk, replays, a
        // bad id, custom kinds met for the first time mid-batch.
        let events: Vec<Event> = (0..12_000)
            .map(|n| {
                let id = if n == 77 {
                    String::new()
                } else {
                    format!("e{}", n % 11_000)
                };
                let mut event = Event::new(id)
                    .with_ts(Timestamp::from_unix_millis(
                        1_000 * ((n * 7_919) % 5_000) as i64,
                    ))
                    .with_identifier(Identifier::email(format!(" P{}@Example.com", n % 3_000)))
                    .with_identifier(Identifier::cookie(format!("ck_{}", n % 4_001)))
                    // New to the resolver and met again a moment later, in
                    // the same look-ahead.
                    .with_identifier(Identifier::chat_session(
                        Channel::Chat,
                        format!("near_{}", n / 3),
                    ));
                if n % 5 == 0 {
                    event =
                        event.with_identifier(Identifier::phone(format!("06-{:08}", n % 2_000)));
                }
                if n % 13 == 0 {
                    let kind: IdentifierKind = format!("device_{}", n % 3).parse().unwrap();
                    event = event.with_identifier(Identifier::new(kind, format!("d{}", n % 50)));
                }
                if n % 17 == 0 {
                    event = event.with_identifier(Identifier::email("unknown"));
                }
                event
            })
            .collect();
        for keep_values in [false, true] {
            let build = || {
                ResolverBuilder::new(SecretKey::derive("batch"))
                    .default_region(Region::NL)
                    .keep_values(keep_values)
                    .build()
            };
            let mut batched = build();
            let mut one_by_one = build();
            let outcomes = batched.observe_batch(&events);
            let expected: Vec<Result<Observation, String>> = events
                .iter()
                .map(|event| one_by_one.observe(event).map_err(|e| e.to_string()))
                .collect();
            let outcomes: Vec<Result<Observation, String>> = outcomes
                .into_iter()
                .map(|outcome| outcome.map_err(|e| e.to_string()))
                .collect();
            assert_eq!(outcomes, expected);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            batched.save_snapshot(&mut a).unwrap();
            one_by_one.save_snapshot(&mut b).unwrap();
            assert!(a == b, "snapshots differ");
        }
    }

    #[test]
    fn a_batch_after_forget_rejects_the_forgotten_value_on_every_thread() {
        let forgotten = Identifier::email("gone@example.com");
        let events: Vec<Event> = (0..3 * BATCH_CHUNK)
            .map(|n| {
                Event::new(format!("e{n}"))
                    .with_identifier(Identifier::cookie(format!("ck_{n}")))
                    .with_identifier(forgotten.clone())
            })
            .collect();
        let mut resolver = resolver();
        let first = resolver
            .observe(&event("first", std::slice::from_ref(&forgotten)))
            .unwrap();
        assert!(first.created_profile());
        let _ = resolver.forget(&forgotten).unwrap();
        let outcomes = resolver.observe_batch(&events);
        assert_eq!(outcomes.len(), events.len());
        for outcome in outcomes {
            let rejects = outcome.unwrap().rejects().to_vec();
            assert_eq!(rejects.len(), 1);
            assert_eq!(rejects[0].reason(), &RejectReason::Forgotten);
        }
        assert_eq!(resolver.profile_count(), events.len());
        assert_eq!(resolver.lookup(&forgotten).unwrap(), None);
    }

    #[test]
    fn replay_changes_nothing() {
        let mut resolver = resolver();
        let first = resolver
            .observe(&event(
                "e1",
                &[Identifier::cookie("ck_1"), Identifier::email("a@b.co")],
            ))
            .unwrap();
        // Same id, different content: still a replay.
        let again = resolver
            .observe(&event("e1", &[Identifier::cookie("ck_2")]))
            .unwrap();
        assert!(again.is_replay());
        assert_eq!(again.profile(), first.profile());
        assert_eq!(resolver.identifier_count(), 2);
        assert_eq!(resolver.profile(first.profile()).unwrap().event_count(), 1);
    }

    #[test]
    fn bad_event_ids_are_refused_without_effect() {
        let mut resolver = resolver();
        for id in ["", "   ", "a\u{0}b", &"x".repeat(513)] {
            let error = resolver
                .observe(&event(id, &[Identifier::cookie("ck_1")]))
                .unwrap_err();
            assert!(
                matches!(error.kind(), ErrorKind::InvalidEventId { .. }),
                "{id:?}"
            );
        }
        assert_eq!(
            (resolver.identifier_count(), resolver.profile_count()),
            (0, 0)
        );
    }

    #[test]
    fn an_event_with_only_rejected_identifiers_becomes_its_own_profile() {
        let mut resolver = resolver();
        let outcome = resolver
            .observe(&event(
                "e1",
                &[Identifier::email("garbage"), Identifier::phone("")],
            ))
            .unwrap();
        assert_eq!(outcome.rejects().len(), 2);
        assert!(outcome.created_profile());
        let profile = resolver.profile(outcome.profile()).unwrap();
        assert!(profile.identifiers().is_empty());
        assert_eq!(profile.event_count(), 1);
        assert_eq!(resolver.event_profile("e1"), Some(outcome.profile()));
        assert_eq!(resolver.identifier_count(), 0);
    }

    #[test]
    fn three_way_merge_keeps_the_oldest_and_records_each_retiree() {
        let mut resolver = resolver();
        let ids: Vec<ProfileId> = ["ck_a", "ck_b", "ck_c"]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let ts = Timestamp::from_unix_millis(1_000 * i as i64);
                resolver
                    .observe(&event(&format!("e{i}"), &[Identifier::cookie(*c)]).with_ts(ts))
                    .unwrap()
                    .profile()
            })
            .collect();
        let outcome = resolver
            .observe(&event(
                "bridge",
                &[
                    Identifier::cookie("ck_c"),
                    Identifier::cookie("ck_a"),
                    Identifier::cookie("ck_b"),
                ],
            ))
            .unwrap();
        assert_eq!(outcome.profile(), ids[0]);
        let retired: Vec<ProfileId> = outcome.merges().iter().map(MergeRecord::retired).collect();
        assert_eq!(retired, vec![ids[1], ids[2]]);
        assert!(
            outcome
                .merges()
                .iter()
                .all(|m| m.survivor() == ids[0] && m.event() == "bridge")
        );
        for id in &ids {
            assert_eq!(resolver.canonical(*id), Some(ids[0]));
        }
        assert_eq!(resolver.profile_count(), 1);
        assert_eq!(resolver.changes().len(), 2);
        let via_b = resolver.key_of(&Identifier::cookie("ck_b")).unwrap();
        assert_eq!(outcome.merges()[0].via(), via_b);
    }

    #[test]
    fn merged_profiles_are_explained_through_their_founders() {
        let mut resolver = resolver();
        let a = resolver
            .observe(&event("a", &[Identifier::cookie("ck_a")]))
            .unwrap()
            .profile();
        let b = resolver
            .observe(&event("b", &[Identifier::cookie("ck_b")]))
            .unwrap()
            .profile();
        assert_eq!(resolver.explain_profiles(a, b).unwrap(), None);
        let _ = resolver
            .observe(&event(
                "ab",
                &[Identifier::cookie("ck_b"), Identifier::cookie("ck_a")],
            ))
            .unwrap();
        let why = resolver.explain_profiles(b, a).unwrap().unwrap();
        let chain: Vec<(&str, &str, Option<&str>)> = why
            .links()
            .iter()
            .map(|link| {
                (
                    link.from().value().unwrap(),
                    link.event(),
                    link.to().value(),
                )
            })
            .collect();
        assert_eq!(chain, vec![("ck_b", "ab", Some("ck_a"))]);
        assert_eq!(why.links()[0].rule(), &crate::LinkRule::SameEvent);
        assert_eq!(
            resolver.explain_profiles(a, a).unwrap().unwrap().links(),
            &[]
        );
        assert_eq!(resolver.explain_profiles(a, ProfileId(7)).unwrap(), None);
    }

    #[test]
    fn without_evidence_nothing_is_explained_and_nothing_is_kept() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t"))
            .keep_evidence(false)
            .build();
        let id = resolver
            .observe(&event(
                "ab",
                &[Identifier::cookie("ck_b"), Identifier::cookie("ck_a")],
            ))
            .unwrap()
            .profile();
        assert!(resolver.evidence.is_none());
        let error = resolver.explain_profiles(id, id).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::EvidenceNotKept));
    }

    #[test]
    fn duplicate_identifiers_in_one_event_count_once() {
        let mut resolver = resolver();
        let outcome = resolver
            .observe(&event(
                "e1",
                &[Identifier::email("A@b.co"), Identifier::email("a@B.co ")],
            ))
            .unwrap();
        assert_eq!(
            resolver
                .profile(outcome.profile())
                .unwrap()
                .identifiers()
                .len(),
            1
        );
    }

    #[test]
    fn chat_sessions_are_qualified_by_channel() {
        let mut resolver = resolver();
        let whatsapp = resolver
            .observe(&event(
                "e1",
                &[Identifier::chat_session(Channel::WhatsApp, "s-1")],
            ))
            .unwrap();
        let live = resolver
            .observe(
                &Event::new("e2")
                    .with_channel(Channel::Chat)
                    .with_identifier(Identifier::new(IdentifierKind::ChatSession, "s-1")),
            )
            .unwrap();
        assert_ne!(whatsapp.profile(), live.profile());
        assert_eq!(
            resolver
                .lookup(&Identifier::chat_session(Channel::Chat, "s-1"))
                .unwrap(),
            Some(live.profile())
        );
    }

    #[test]
    fn country_attribute_beats_store_and_default_region() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t"))
            .default_region(Region::NL)
            .store_region("s1", Region::FI)
            .build();
        let at = |id: &str, attrs: &[(&str, &str)]| {
            attrs.iter().fold(
                event(id, &[Identifier::phone("040 1234567")]),
                |e, (k, v)| e.with_attr(*k, *v),
            )
        };
        let _ = resolver.observe(&at("nl", &[])).unwrap();
        let _ = resolver.observe(&at("fi", &[("store_id", "s1")])).unwrap();
        let _ = resolver
            .observe(&at("de", &[("store_id", "s1"), ("country", "DE")]))
            .unwrap();
        for (phone, event) in [
            ("+31401234567", "nl"),
            ("+358401234567", "fi"),
            ("+49401234567", "de"),
        ] {
            assert_eq!(
                resolver.lookup(&Identifier::phone(phone)).unwrap(),
                resolver.event_profile(event),
                "{phone}"
            );
        }
    }

    #[test]
    fn hashed_mode_keeps_no_values() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t")).build();
        let outcome = resolver
            .observe(&event(
                "e1",
                &[Identifier::email("secret.person@example.com")],
            ))
            .unwrap();
        let profile = resolver.profile(outcome.profile()).unwrap();
        assert_eq!(profile.identifiers()[0].value(), None);
        assert!(resolver.nodes.values.is_none());
        let shown = format!("{resolver:?} {profile:?} {outcome:?}");
        assert!(!shown.contains("secret.person"), "{shown}");
    }

    #[test]
    fn channels_and_times_accumulate() {
        let mut resolver = resolver();
        let ts = |t: &str| t.parse().unwrap();
        let a = Event::new("e1")
            .with_channel(Channel::Web)
            .with_ts(ts("2026-03-02T00:00:00Z"))
            .with_identifier(Identifier::cookie("ck_1"));
        let b = Event::new("e2")
            .with_channel("kiosk".parse().unwrap())
            .with_ts(ts("2026-03-01T00:00:00Z"))
            .with_identifier(Identifier::cookie("ck_1"));
        let c = Event::new("e3").with_identifier(Identifier::cookie("ck_1"));
        let id = resolver.observe(&a).unwrap().profile();
        let _ = resolver.observe(&b).unwrap();
        let _ = resolver.observe(&c).unwrap();
        let profile = resolver.profile(id).unwrap();
        assert_eq!(profile.first_seen(), Some(ts("2026-03-01T00:00:00Z")));
        assert_eq!(profile.last_seen(), Some(ts("2026-03-02T00:00:00Z")));
        let names: Vec<&str> = profile.channels().iter().map(Channel::as_str).collect();
        assert_eq!(names, vec!["kiosk", "web"]);
        assert_eq!(resolver.channel_number(&Channel::Web), Some(0));
        assert_eq!(profile.event_count(), 3);
    }
}
