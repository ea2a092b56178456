//! Protection against over-merging, erasure, and the record of changes.
//!
//! The union-find merges fast but cannot undo; the evidence graph can. This
//! module holds what sits between them: which values are generic (a kiosk
//! cookie, a call centre's placeholder phone), how many values of a kind one
//! profile may hold, what waits for review, which identifiers were forgotten,
//! and the log of merges, renames and splits a service can follow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::evidence::{Component, EventRecord};
use crate::identifier::{Identifier, IdentifierKind};
use crate::key::IdentifierKey;
use crate::profile::{
    ChannelSet, KindCounts, ProfileId, ProfileIdentifier, ProfileState, min_some,
};
use crate::resolver::{FORGOTTEN, MergeRecord, Resolver};
use crate::time::Timestamp;

/// Kind numbers of the kinds that do not count as a person on their own
/// when deciding whether a value is generic: cookies and chat sessions.
const COOKIE: u16 = 3;
const CHAT_SESSION: u16 = 4;

/// How the resolver guards profiles against values that would glue
/// strangers together. Part of [`ResolverBuilder`](crate::ResolverBuilder).
///
/// - **Generic values.** When an identifier has joined more than a threshold
///   of otherwise separate profiles (default 8, per kind), it is marked
///   generic: it stops linking, and the profiles only it held together are
///   split again. "Separate" counts the parts of its profile without it
///   that hold an email, phone, loyalty card or custom identifier (so a
///   person's cookie seen with many short chat sessions is not generic),
///   plus the links a limit held back from it.
/// - **Limits.** At most so many distinct values of a kind per profile
///   (default: 5 emails, 5 phones, 3 loyalty cards). A merge that would break
///   a limit is not made; it goes to the review queue with its evidence.
/// - **Priority.** An event's identifiers are linked in this kind order
///   (default: loyalty card, email, phone, custom kinds, chat session,
///   cookie), so when a limit stops a link, the stronger identifier's link
///   is the one made.
///
/// Generic detection needs the evidence graph
/// ([`keep_evidence`](crate::ResolverBuilder::keep_evidence), on by
/// default); limits work either way.
///
/// ```
/// use idstitch::{IdentifierKind, Protection, ResolverBuilder, SecretKey};
///
/// let protection = Protection::default()
///     .generic_threshold(IdentifierKind::Cookie, Some(4))
///     .max_per_profile("customer_id".parse().unwrap(), 1);
/// let resolver = ResolverBuilder::new(SecretKey::derive("s")).protection(protection).build();
/// # let _ = resolver;
/// // Plain transitive merging, for comparison:
/// let plain = ResolverBuilder::new(SecretKey::derive("s")).protection(Protection::none()).build();
/// # let _ = plain;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    generic_default: Option<u32>,
    generic: BTreeMap<IdentifierKind, Option<u32>>,
    limits: BTreeMap<IdentifierKind, u32>,
    priority: Vec<IdentifierKind>,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            generic_default: Some(8),
            generic: BTreeMap::new(),
            limits: BTreeMap::from([
                (IdentifierKind::Email, 5),
                (IdentifierKind::Phone, 5),
                (IdentifierKind::LoyaltyCard, 3),
            ]),
            priority: vec![
                IdentifierKind::LoyaltyCard,
                IdentifierKind::Email,
                IdentifierKind::Phone,
            ],
        }
    }
}

impl Protection {
    /// No generic detection, no limits: every link is made (plain
    /// transitive merging). Blocklisted values are still refused; pass
    /// [`Blocklist::none`](crate::Blocklist::none) to the builder as well to
    /// switch that off.
    pub fn none() -> Self {
        Protection {
            generic_default: None,
            generic: BTreeMap::new(),
            limits: BTreeMap::new(),
            priority: Vec::new(),
        }
    }

    /// Marks a value of any kind generic once it has joined more than
    /// `max_profiles` otherwise separate profiles; `None` never marks one.
    pub fn default_generic_threshold(mut self, max_profiles: Option<u32>) -> Self {
        self.generic_default = max_profiles;
        self
    }

    /// The generic threshold for one kind, overriding the default.
    pub fn generic_threshold(mut self, kind: IdentifierKind, max_profiles: Option<u32>) -> Self {
        self.generic.insert(kind, max_profiles);
        self
    }

    /// At most `max` distinct values of `kind` per profile (at least 1).
    pub fn max_per_profile(mut self, kind: IdentifierKind, max: u32) -> Self {
        self.limits.insert(kind, max.max(1));
        self
    }

    /// Removes the limit for `kind`.
    pub fn unlimited(mut self, kind: &IdentifierKind) -> Self {
        self.limits.remove(kind);
        self
    }

    /// The order in which an event's identifiers are linked, strongest
    /// first; kinds not listed follow in the event's order.
    pub fn priority(mut self, kinds: impl IntoIterator<Item = IdentifierKind>) -> Self {
        self.priority = kinds.into_iter().collect();
        self
    }

    pub(crate) fn kinds(&self) -> impl Iterator<Item = &IdentifierKind> {
        self.generic
            .keys()
            .chain(self.limits.keys())
            .chain(&self.priority)
    }
}

/// [`Protection`] with kinds turned into the resolver's kind numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    generic_default: Option<u32>,
    generic: Vec<(u16, Option<u32>)>,
    /// (kind number, limit); a profile's `kind_counts` follow this order.
    pub(crate) limits: Vec<(u16, u32)>,
    priority: Vec<u16>,
}

impl Rules {
    pub(crate) fn new(
        protection: &Protection,
        mut number: impl FnMut(&IdentifierKind) -> Option<u16>,
    ) -> Option<Rules> {
        Some(Rules {
            generic_default: protection.generic_default,
            generic: protection
                .generic
                .iter()
                .map(|(kind, max)| Some((number(kind)?, *max)))
                .collect::<Option<_>>()?,
            limits: protection
                .limits
                .iter()
                .map(|(kind, max)| Some((number(kind)?, *max)))
                .collect::<Option<_>>()?,
            priority: protection
                .priority
                .iter()
                .map(&mut number)
                .collect::<Option<_>>()?,
        })
    }

    pub(crate) fn has_priority(&self) -> bool {
        !self.priority.is_empty()
    }

    /// Sort key of a kind: its place in the priority list, unlisted last.
    pub(crate) fn rank(&self, kind: u16) -> usize {
        self.priority
            .iter()
            .position(|&k| k == kind)
            .unwrap_or(self.priority.len())
    }

    pub(crate) fn generic_threshold(&self, kind: u16) -> Option<u32> {
        self.generic
            .iter()
            .find(|&&(k, _)| k == kind)
            .map_or(self.generic_default, |&(_, max)| max)
    }

    pub(crate) fn limit_slot(&self, kind: u16) -> Option<usize> {
        self.limits.iter().position(|&(k, _)| k == kind)
    }

    /// Counts of a single identifier of `kind`.
    pub(crate) fn counts_of_one(&self, kind: u16) -> KindCounts {
        let mut counts = KindCounts::zeros(self.limits.len());
        if let Some(slot) = self.limit_slot(kind) {
            counts.as_mut_slice()[slot] = 1;
        }
        counts
    }
}

/// Whether a join count has reached a point where the (costlier) generic
/// check runs: just past the threshold, then at doubling distances, so a
/// busy identifier is checked O(log n) times.
pub(crate) fn time_to_check(joins: u32, threshold: u32) -> bool {
    joins > threshold && {
        let past = joins - threshold - 1;
        past == 0 || past.is_power_of_two()
    }
}

/// An identifier marked generic, from [`Resolver::generic_values`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericValue {
    pub(crate) identifier: ProfileIdentifier,
    pub(crate) profiles: u32,
    pub(crate) events: u64,
}

impl GenericValue {
    /// The identifier.
    pub fn identifier(&self) -> &ProfileIdentifier {
        &self.identifier
    }

    /// How many otherwise separate profiles it had joined when it was marked.
    pub fn profiles(&self) -> u32 {
        self.profiles
    }

    /// How many later events carried it next to other identifiers (it
    /// linked none of them).
    pub fn later_events(&self) -> u64 {
        self.events
    }
}

/// What the resolver remembers of a generic identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GenericMark {
    pub(crate) profiles: u32,
    pub(crate) events: u64,
}

/// A link the resolver did not make on its own, waiting for a person: from
/// [`Observation::reviews`](crate::Observation::reviews) and
/// [`Resolver::review_queue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub(crate) event: String,
    pub(crate) kept: ProfileIdentifier,
    pub(crate) held: ProfileIdentifier,
    pub(crate) kept_profile: Option<ProfileId>,
    pub(crate) held_profile: Option<ProfileId>,
    pub(crate) reason: ReviewReason,
}

impl ReviewItem {
    /// The event that carried both identifiers: the evidence.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The identifier whose profile the event went to.
    pub fn kept(&self) -> &ProfileIdentifier {
        &self.kept
    }

    /// The identifier that was not linked to it.
    pub fn held(&self) -> &ProfileIdentifier {
        &self.held
    }

    /// The profile of [`kept`](Self::kept) now.
    pub fn kept_profile(&self) -> Option<ProfileId> {
        self.kept_profile
    }

    /// The profile of [`held`](Self::held) now.
    pub fn held_profile(&self) -> Option<ProfileId> {
        self.held_profile
    }

    /// Why the link was not made.
    pub fn reason(&self) -> &ReviewReason {
        &self.reason
    }
}

/// Why a link waits for review.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReviewReason {
    /// The merged profile would hold more than `limit` values of `kind`.
    LimitExceeded {
        /// The kind whose limit it would break.
        kind: IdentifierKind,
        /// The limit.
        limit: u32,
    },
    /// A fuzzy match rule scored the two alike, but below its `auto_merge`
    /// threshold, or a merge would break a limit (see
    /// [`fuzzy`](crate::fuzzy)).
    FuzzyMatch {
        /// The rule's [`name`](crate::fuzzy::MatchRule::name).
        rule: String,
        /// Its score.
        score: crate::fuzzy::Score,
    },
}

/// A review item as stored: nodes, resolved to identifiers when shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReviewRecord {
    pub(crate) event: String,
    pub(crate) kept: u32,
    pub(crate) held: u32,
    pub(crate) kind: u16,
    pub(crate) limit: u32,
    /// The event's time and channel, for the evidence if the link is made.
    pub(crate) ts: Option<Timestamp>,
    pub(crate) channel: Option<u16>,
    /// For a fuzzy suggestion, the rule's name and the score's bits
    /// (`kind` and `limit` then mean nothing). Suggestions wait for a
    /// person: no split links them on its own.
    pub(crate) fuzzy: Option<(String, u64)>,
}

/// One profile that became several: from a forgotten identifier or one
/// marked generic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRecord {
    pub(crate) from: ProfileId,
    pub(crate) parts: Vec<ProfileId>,
    pub(crate) cause: SplitCause,
}

impl SplitRecord {
    /// The profile that was split; it lives on only if it is in
    /// [`parts`](Self::parts).
    pub fn from(&self) -> ProfileId {
        self.from
    }

    /// The profiles it became, anchored earliest first. A generic value's
    /// own profile is among them.
    pub fn parts(&self) -> &[ProfileId] {
        &self.parts
    }

    /// Why it was split.
    pub fn cause(&self) -> &SplitCause {
        &self.cause
    }
}

/// Why a profile was split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SplitCause {
    /// An identifier was forgotten ([`Resolver::forget`]).
    Forgotten,
    /// The identifier with this key was marked generic.
    Generic(IdentifierKey),
}

/// A profile whose id changed because an earlier event arrived late: its
/// anchor is now another identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameRecord {
    pub(crate) from: ProfileId,
    pub(crate) to: ProfileId,
    pub(crate) event: String,
}

impl RenameRecord {
    /// The old id; it resolves to the new one.
    pub fn from(&self) -> ProfileId {
        self.from
    }

    /// The new id.
    pub fn to(&self) -> ProfileId {
        self.to
    }

    /// The event that caused it.
    pub fn event(&self) -> &str {
        &self.event
    }
}

/// One change to the set of profiles, for services that keep their own
/// copies: from [`Resolver::drain_changes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Change {
    /// Two profiles became one.
    Merged(MergeRecord),
    /// A profile got a new id.
    Renamed(RenameRecord),
    /// A profile became several.
    Split(SplitRecord),
}

/// What [`Resolver::forget`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Forgotten {
    pub(crate) profile: Option<ProfileId>,
    pub(crate) split: Option<SplitRecord>,
    pub(crate) erased_events: u64,
}

impl Forgotten {
    /// The profile the identifier was in, `None` if it was never seen.
    pub fn profile(&self) -> Option<ProfileId> {
        self.profile
    }

    /// How the profile came apart. `None` when it did not change id or
    /// split (the rest stays together under the same id), or when the
    /// identifier was never seen.
    pub fn split(&self) -> Option<&SplitRecord> {
        self.split.as_ref()
    }

    /// Events that carried only this identifier: they belong to no profile
    /// any more.
    pub fn erased_events(&self) -> u64 {
        self.erased_events
    }
}

/// What [`Resolver::detach`] did.
#[derive(Debug, Default)]
pub(crate) struct Detached {
    /// The profile the identifier was in.
    pub(crate) profile: Option<ProfileId>,
    /// `None` when what remains is one profile under the same id.
    pub(crate) split: Option<SplitRecord>,
    /// The profile's members before the split.
    pub(crate) members: Vec<u32>,
    /// Events left without any identifier (when forgetting).
    pub(crate) erased_events: u64,
}

/// How a detached identifier ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detach {
    Forget,
    Generic { profiles: u32 },
}

impl Resolver {
    /// Erases `identifier`: removes it and every link that rests on it. Its
    /// profile splits into the parts that remain connected, each with a
    /// deterministic id (the part holding the old anchor keeps the old id).
    /// Events that carried only this identifier belong to no profile after
    /// this; observing one again gives [`ErrorKind::Forgotten`].
    ///
    /// Unless [`tombstones(false)`](crate::ResolverBuilder::tombstones), its
    /// keyed hash is kept so that later events carrying it reject it with
    /// [`RejectReason::Forgotten`](crate::RejectReason::Forgotten) instead of
    /// bringing it back. Forgetting an identifier never seen still leaves
    /// the tombstone.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// let shared = Identifier::cookie("ck_shared_pc");
    /// resolver.observe(&Event::new("a").with_identifier(shared.clone()).with_identifier(Identifier::email("anna@example.com")))?;
    /// resolver.observe(&Event::new("b").with_identifier(shared.clone()).with_identifier(Identifier::email("ben@example.com")))?;
    /// assert_eq!(resolver.profile_count(), 1);
    ///
    /// let forgotten = resolver.forget(&shared)?;
    /// assert_eq!(forgotten.split().unwrap().parts().len(), 2);
    /// assert_eq!(resolver.profile_count(), 2);
    /// assert_eq!(resolver.lookup(&shared)?, None);
    ///
    /// // A new event with the cookie does not bring it back.
    /// let later = resolver.observe(&Event::new("c").with_identifier(shared.clone()).with_identifier(Identifier::email("anna@example.com")))?;
    /// assert_eq!(later.rejects().len(), 1);
    /// assert_eq!(resolver.lookup(&shared)?, None);
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidIdentifier`] when the value cannot be normalized;
    /// [`ErrorKind::EvidenceNotKept`] when the resolver keeps no evidence
    /// (without it a profile cannot be split).
    pub fn forget(&mut self, identifier: &Identifier) -> Result<Forgotten, Error> {
        let key = self.key_of(identifier)?;
        self.forget_key(key)
    }

    /// [`forget`](Self::forget) by key, for services that hold keys only.
    ///
    /// # Errors
    /// [`ErrorKind::EvidenceNotKept`] when the resolver keeps no evidence.
    pub fn forget_key(&mut self, key: IdentifierKey) -> Result<Forgotten, Error> {
        if self.evidence.is_none() {
            return Err(ErrorKind::EvidenceNotKept.into());
        }
        if self.config.tombstones {
            std::sync::Arc::make_mut(&mut self.tombstones).insert(key);
        }
        let Some(node) = self.nodes.find_key(key) else {
            return Ok(Forgotten {
                profile: None,
                split: None,
                erased_events: 0,
            });
        };
        if let Some(fuzzy) = &mut self.fuzzy {
            fuzzy.forget(node);
        }
        let detached = self.detach(node, Detach::Forget);
        self.generic.remove(&node);
        if let Some(split) = &detached.split {
            self.log(Change::Split(split.clone()));
        }
        // With one identifier fewer, a held-back link may fit a limit now;
        // the merges it makes go to the change log.
        let _ = self.retry_reviews(&detached.members);
        Ok(Forgotten {
            profile: detached.profile,
            split: detached.split,
            erased_events: detached.erased_events,
        })
    }

    /// Every identifier marked generic, most profiles joined first (then by
    /// key), for an operator to review.
    pub fn generic_values(&self) -> Vec<GenericValue> {
        let mut values: Vec<GenericValue> = self
            .generic
            .iter()
            .filter_map(|(&node, mark)| {
                Some(GenericValue {
                    identifier: self.identifier_at(node)?,
                    profiles: mark.profiles,
                    events: mark.events,
                })
            })
            .collect();
        values.sort_by(|a, b| (b.profiles, a.identifier.key).cmp(&(a.profiles, b.identifier.key)));
        values
    }

    /// The links waiting for review, oldest first.
    pub fn review_queue(&self) -> Vec<ReviewItem> {
        self.review
            .iter()
            .filter_map(|record| self.review_item(record))
            .collect()
    }

    /// Takes the links waiting for review out of the resolver.
    pub fn drain_review(&mut self) -> Vec<ReviewItem> {
        let records = std::mem::take(&mut self.review);
        records
            .iter()
            .filter_map(|record| self.review_item(record))
            .collect()
    }

    pub(crate) fn review_item(&self, record: &ReviewRecord) -> Option<ReviewItem> {
        Some(ReviewItem {
            event: record.event.clone(),
            kept: self.identifier_at(record.kept)?,
            held: self.identifier_at(record.held)?,
            kept_profile: self.profile_state_of(record.kept).map(|s| s.id),
            held_profile: self.profile_state_of(record.held).map(|s| s.id),
            reason: match &record.fuzzy {
                Some((rule, score)) => ReviewReason::FuzzyMatch {
                    rule: rule.clone(),
                    score: crate::fuzzy::Score::clamped(f64::from_bits(*score)),
                },
                None => ReviewReason::LimitExceeded {
                    kind: self.kind_of(record.kind)?,
                    limit: record.limit,
                },
            },
        })
    }

    /// The merges, renames and splits not yet drained, oldest first.
    /// Recorded unless the resolver was built with
    /// [`change_log(false)`](crate::ResolverBuilder::change_log).
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Takes the recorded changes out of the resolver, oldest first. A
    /// service that mirrors profiles drains this after each batch.
    ///
    /// ```
    /// use idstitch::{Change, Event, Identifier, ResolverBuilder, SecretKey};
    ///
    /// let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).build();
    /// resolver.observe(&Event::new("a").with_identifier(Identifier::cookie("ck_1")))?;
    /// resolver.observe(&Event::new("b").with_identifier(Identifier::cookie("ck_2")))?;
    /// resolver.observe(&Event::new("c").with_identifier(Identifier::cookie("ck_1")).with_identifier(Identifier::cookie("ck_2")))?;
    /// let changes = resolver.drain_changes();
    /// assert!(matches!(changes.as_slice(), [Change::Merged(merge)] if merge.event() == "c"));
    /// assert!(resolver.changes().is_empty());
    /// # Ok::<(), idstitch::Error>(())
    /// ```
    pub fn drain_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    pub(crate) fn log(&mut self, change: Change) {
        if self.config.change_log {
            self.changes.push(change);
        }
    }

    /// Whether `node`, now in a profile, has joined more than `threshold`
    /// otherwise separate parts: the number of parts, if so.
    pub(crate) fn generic_profiles(&self, node: u32, threshold: u32) -> Option<u32> {
        let evidence = self.evidence.as_ref()?;
        let root = self.nodes.sets.find_root(node);
        let members: Vec<u32> = self.nodes.sets.members(root).collect();
        let persons = evidence
            .components(&members, Some(node))
            .iter()
            .filter(|part| {
                part.nodes.iter().any(|&n| {
                    let kind = self.nodes.kinds[n as usize];
                    kind != COOKIE && kind != CHAT_SESSION && kind < FORGOTTEN
                })
            })
            .count();
        let persons = u32::try_from(persons)
            .unwrap_or(u32::MAX)
            .saturating_add(evidence.held(node));
        (persons > threshold).then_some(persons)
    }

    /// Takes `node` out of its profile and re-forms the profile from the
    /// evidence that remains. Needs the evidence graph.
    pub(crate) fn detach(&mut self, node: u32, how: Detach) -> Detached {
        let root = self.nodes.sets.find(node);
        let Some(old) = self.profiles.remove(&root) else {
            return Detached::default();
        };
        let members: Vec<u32> = self.nodes.sets.members(root).collect();
        let Some(evidence) = self.evidence.as_mut() else {
            unreachable!("detach runs only with evidence");
        };
        let records = evidence.detach(node);
        // Events that were found through this identifier are found through
        // another of theirs from now on. An event left with no other
        // identifier stays with this one: erased with it, or counted in a
        // generic value's own profile.
        let mut emptied = 0;
        for (record, remaining) in &records {
            if evidence.is_fuzzy(*record) {
                // Links two events; neither is found through it.
                continue;
            }
            let Some(&other) = remaining.first() else {
                emptied += 1;
                if let Detach::Generic { .. } = how {
                    let record = evidence.record_at(*record);
                    let (ts, channel) = (record.ts, record.channel);
                    evidence.record_single(node, ts, channel);
                }
                continue;
            };
            let key = self.hasher.event(evidence.record_at(*record).event);
            if let Some(anchor) = self.events.get_mut(&key) {
                if *anchor == node {
                    *anchor = other;
                }
            }
        }
        let parts = evidence.components(&members, Some(node));
        self.nodes.sets.isolate(&members);
        let mut into: Vec<(ProfileState, u32)> =
            parts.into_iter().map(|part| self.install(&part)).collect();
        let erased_events = match how {
            Detach::Forget => {
                self.evidence
                    .as_ref()
                    .map_or(0, |e| e.singles(node).events())
                    + emptied
            }
            Detach::Generic { .. } => 0,
        };
        let cause = match how {
            Detach::Forget => {
                self.erase(node);
                SplitCause::Forgotten
            }
            Detach::Generic { profiles } => {
                self.generic.insert(
                    node,
                    GenericMark {
                        profiles,
                        events: 0,
                    },
                );
                let alone = Component {
                    nodes: vec![node],
                    records: Vec::new(),
                };
                into.push(self.install(&alone));
                SplitCause::Generic(self.nodes.keys[node as usize])
            }
        };
        let split = (into.len() != 1 || into[0].0.id != old.id).then(|| {
            into.sort_by_key(|(state, _)| self.anchor_order(state.anchor_ts(), state.anchor));
            SplitRecord {
                from: old.id,
                parts: into.into_iter().map(|(state, _)| state.id).collect(),
                cause,
            }
        });
        Detached {
            profile: Some(old.id),
            split,
            members,
            erased_events,
        }
    }

    /// Settles the review items that touch `members` (a profile that was
    /// just split): an item whose identifiers are together already, or
    /// one of them forgotten or generic, is dropped; one that no limit
    /// stops any more is linked, as it would have been without the glue
    /// that was removed. Returns the merges made.
    pub(crate) fn retry_reviews(&mut self, members: &[u32]) -> Vec<MergeRecord> {
        if self.review.is_empty() {
            return Vec::new();
        }
        let members: hashbrown::HashSet<u32> = members.iter().copied().collect();
        let mut merges = Vec::new();
        let mut waiting = Vec::with_capacity(self.review.len());
        for record in std::mem::take(&mut self.review) {
            if !members.contains(&record.kept) && !members.contains(&record.held) {
                waiting.push(record);
                continue;
            }
            let settled = |node: u32| {
                self.generic.contains_key(&node) || self.nodes.kinds[node as usize] >= FORGOTTEN
            };
            if settled(record.kept) || settled(record.held) {
                continue;
            }
            let (kept_root, held_root) = (
                self.nodes.sets.find(record.kept),
                self.nodes.sets.find(record.held),
            );
            if kept_root == held_root {
                continue;
            }
            if record.fuzzy.is_some() || !self.limits_allow(kept_root, held_root) {
                waiting.push(record);
                continue;
            }
            merges.extend(self.link_reviewed(kept_root, held_root, &record));
        }
        // Items queued meanwhile (none today) keep their place in line.
        waiting.append(&mut self.review);
        self.review = waiting;
        for merge in &merges {
            self.log(Change::Merged(merge.clone()));
        }
        merges
    }

    /// Whether the profiles at two roots may merge without breaking a
    /// limit.
    pub(crate) fn limits_allow(&self, a_root: u32, b_root: u32) -> bool {
        let (Some(a), Some(b)) = (self.profiles.get(&a_root), self.profiles.get(&b_root)) else {
            return false;
        };
        (0..self.rules.limits.len())
            .all(|slot| a.kind_counts[slot] + b.kind_counts[slot] <= self.rules.limits[slot].1)
    }

    /// Makes a held-back link: merges the two profiles and adds the link to
    /// the evidence of the event that saw it.
    fn link_reviewed(
        &mut self,
        kept_root: u32,
        held_root: u32,
        record: &ReviewRecord,
    ) -> Vec<MergeRecord> {
        let merges = self.join_profiles(
            kept_root,
            held_root,
            Some((record.held, record.ts)),
            &record.event,
            record.held,
        );
        if let Some(evidence) = &mut self.evidence {
            evidence.attach(
                record.kept,
                record.held,
                EventRecord {
                    event: &record.event,
                    channel: record.channel,
                    ts: record.ts,
                },
            );
        }
        merges
    }

    /// Merges the live profiles at two roots; the earlier anchor keeps its
    /// id. `late_anchor` is a node of an event counted already, with that
    /// event's time, that may now anchor the merged profile. Returns the
    /// merges, naming `event` and the identifier at `via`.
    pub(crate) fn join_profiles(
        &mut self,
        kept_root: u32,
        held_root: u32,
        late_anchor: Option<(u32, Option<Timestamp>)>,
        event: &str,
        via: u32,
    ) -> Vec<MergeRecord> {
        let kept = self
            .profiles
            .remove(&kept_root)
            .unwrap_or_else(|| unreachable!("checked by the caller"));
        let held = self
            .profiles
            .remove(&held_root)
            .unwrap_or_else(|| unreachable!("checked by the caller"));
        let (first, second) = if self.anchor_order(kept.anchor_ts(), kept.anchor)
            <= self.anchor_order(held.anchor_ts(), held.anchor)
        {
            (kept, held)
        } else {
            (held, kept)
        };
        let mut state = first.clone();
        if let Some((node, ts)) = late_anchor {
            if self.anchor_order(ts, node) < self.anchor_order(first.anchor_ts(), first.anchor) {
                state.set_anchor(node, ts);
                state.id = self.profile_id_for(node);
            }
        }
        state.absorb(&second);
        for (have, add) in state
            .kind_counts
            .as_mut_slice()
            .iter_mut()
            .zip(second.kind_counts.as_slice())
        {
            *have += add;
        }
        let root = self.nodes.sets.link_roots(kept_root, held_root);
        let survivor = state.id;
        self.profiles.insert(root, state);
        [first.id, second.id]
            .into_iter()
            .filter(|&retired| retired != survivor)
            .map(|retired| MergeRecord {
                survivor,
                retired,
                event: event.to_owned(),
                via: self.nodes.keys[via as usize],
            })
            .collect()
    }

    /// Links a part's nodes (all singletons) into one profile and computes
    /// its state from the evidence. Returns a copy of the state and its root.
    fn install(&mut self, part: &Component) -> (ProfileState, u32) {
        let Some(evidence) = self.evidence.as_ref() else {
            unreachable!("install runs only with evidence");
        };
        let mut event_count = 0;
        let mut first_seen = None;
        let mut last_seen = None;
        let mut channels = ChannelSet::default();
        let mut anchor: Option<(Option<Timestamp>, u32)> = None;
        let better = |resolver: &Resolver, current: Option<(Option<Timestamp>, u32)>, ts, node| {
            match current {
                Some((best_ts, best))
                    if resolver.anchor_order(best_ts, best) <= resolver.anchor_order(ts, node) =>
                {
                    current
                }
                _ => Some((ts, node)),
            }
        };
        for &node in &part.nodes {
            let stats = evidence.singles(node);
            if stats.events() > 0 {
                event_count += stats.events();
                first_seen = min_some(first_seen, stats.first_seen());
                last_seen = last_seen.max(stats.last_seen());
                channels.union_with(&evidence.channels(node));
                anchor = better(self, anchor, stats.first_seen(), node);
            }
        }
        for (record, linked) in &part.records {
            if evidence.is_fuzzy(*record) {
                // A link between events, each counted on its own.
                continue;
            }
            let record = evidence.record_at(*record);
            event_count += 1;
            first_seen = min_some(first_seen, record.ts);
            last_seen = last_seen.max(record.ts);
            if let Some(channel) = record.channel {
                channels.insert(channel);
            }
            if let Some(node) = self.event_anchor(linked) {
                anchor = better(self, anchor, record.ts, node);
            }
        }
        let (anchor_ts, anchor) = anchor.unwrap_or_else(|| {
            let node = self
                .event_anchor(&part.nodes)
                .unwrap_or_else(|| unreachable!("a part has a node"));
            (None, node)
        });
        let mut kind_counts = vec![0; self.rules.limits.len()];
        for &node in &part.nodes {
            if let Some(slot) = self.rules.limit_slot(self.nodes.kinds[node as usize]) {
                kind_counts[slot] += 1;
            }
        }
        let mut root = part.nodes[0];
        for &node in &part.nodes[1..] {
            root = self.nodes.sets.link_roots(root, node);
        }
        let id = self.profile_id_for(anchor);
        let mut state = ProfileState::new(id, anchor, anchor_ts);
        state.event_count = event_count;
        state.widen_seen(first_seen, last_seen);
        state.channels = channels;
        state.kind_counts = KindCounts::from_slice(&kind_counts);
        self.profiles.insert(root, state.clone());
        (state, root)
    }

    /// Removes every trace of `node` but its place: it stays a root without
    /// a profile, so events it anchored resolve to nothing.
    fn erase(&mut self, node: u32) {
        let key = self.nodes.keys[node as usize];
        if let Ok(entry) = self.nodes.index.find_entry(key.hash64(), |&n| n == node) {
            entry.remove();
        }
        self.nodes.kinds[node as usize] = FORGOTTEN;
        self.nodes.keys[node as usize] = IdentifierKey::ERASED;
        if let Some(values) = &mut self.nodes.values {
            values.wipe(node);
        }
        if let Some(evidence) = &mut self.evidence {
            evidence.clear_stats(node);
        }
    }
}

#[cfg(test)]
// `&[id.clone()]` reads like the event it builds; `from_ref` would not.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Event, Region, RejectReason, ResolverBuilder, SecretKey};

    fn resolver(protection: Protection) -> Resolver {
        ResolverBuilder::new(SecretKey::derive("protect"))
            .default_region(Region::NL)
            .keep_values(true)
            .protection(protection)
            .build()
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_772_000_000_000 + minute * 60_000)
    }

    fn event(id: &str, minute: i64, identifiers: &[Identifier]) -> Event {
        Event::new(id)
            .with_ts(at(minute))
            .with_identifiers(identifiers.iter().cloned())
    }

    fn values(resolver: &Resolver, id: ProfileId) -> Vec<String> {
        let profile = resolver.profile(id).unwrap();
        profile
            .identifiers()
            .iter()
            .map(|i| i.to_string())
            .collect()
    }

    #[test]
    fn a_library_kiosk_cookie_seen_with_200_readers_is_generic() {
        let mut resolver = resolver(Protection::default());
        let kiosk = Identifier::cookie("ck_library_kiosk_1");
        for reader in 0..200 {
            let email = Identifier::email(format!("reader{reader}@example.org"));
            // Each reader logs in at the kiosk and later at home.
            let _ = resolver
                .observe(&event(
                    &format!("k{reader}"),
                    reader,
                    &[kiosk.clone(), email.clone()],
                ))
                .unwrap();
            let _ = resolver
                .observe(&event(
                    &format!("h{reader}"),
                    10_000 + reader,
                    &[email, Identifier::cookie(format!("ck_home_{reader}"))],
                ))
                .unwrap();
        }
        let generic = resolver.generic_values();
        assert_eq!(generic.len(), 1);
        assert_eq!(generic[0].identifier().value(), Some("ck_library_kiosk_1"));
        assert!(generic[0].profiles() > 8, "{generic:?}");
        // 200 readers, each with exactly their own email and home cookie,
        // and the kiosk on its own.
        assert_eq!(resolver.profile_count(), 201);
        for reader in 0..200 {
            let id = resolver
                .lookup(&Identifier::email(format!("reader{reader}@example.org")))
                .unwrap()
                .unwrap();
            assert_eq!(
                values(&resolver, id),
                [
                    format!("reader{reader}@example.org"),
                    format!("ck_home_{reader}")
                ]
            );
        }
        let kiosk_profile = resolver.lookup(&kiosk).unwrap().unwrap();
        assert_eq!(values(&resolver, kiosk_profile), ["ck_library_kiosk_1"]);
        // The split was reported once, as a change.
        let splits: Vec<&SplitRecord> = resolver
            .changes()
            .iter()
            .filter_map(|change| match change {
                Change::Split(split) => Some(split),
                _ => None,
            })
            .collect();
        assert_eq!(splits.len(), 1);
        assert_eq!(
            splits[0].cause(),
            &SplitCause::Generic(resolver.key_of(&kiosk).unwrap())
        );
    }

    #[test]
    fn a_call_centre_placeholder_phone_stops_linking_callers() {
        let mut resolver = resolver(Protection::default());
        // Agents type the call centre's own number when a caller has none.
        let placeholder = ["020-5550100", "+31 20 555 0100", "0031205550100"];
        for caller in 0..30_i64 {
            let card = Identifier::loyalty_card(format!("8800{caller:08}"));
            let _ = resolver
                .observe(&event(
                    &format!("call{caller}"),
                    caller,
                    &[Identifier::phone(placeholder[caller as usize % 3]), card],
                ))
                .unwrap();
        }
        assert_eq!(resolver.generic_values().len(), 1);
        let seen_before = resolver.generic_values()[0].later_events();
        let cards: Vec<ProfileId> = (0..30_i64)
            .map(|caller| {
                resolver
                    .lookup(&Identifier::loyalty_card(format!("8800{caller:08}")))
                    .unwrap()
                    .unwrap()
            })
            .collect();
        let distinct: std::collections::BTreeSet<_> = cards.iter().collect();
        assert_eq!(distinct.len(), 30, "every caller is a profile of their own");
        // Later calls with the placeholder link nobody either.
        let later = resolver
            .observe(&event(
                "call_late",
                100,
                &[
                    Identifier::phone("020 555 0100"),
                    Identifier::loyalty_card("880000000001"),
                ],
            ))
            .unwrap();
        assert_eq!(later.profile(), cards[1]);
        assert!(later.merges().is_empty());
        assert_eq!(resolver.generic_values()[0].later_events(), seen_before + 1);
    }

    #[test]
    fn a_family_card_is_one_household_unless_cards_are_held_to_fewer_people() {
        let family = ["anna", "bram", "carla", "daan"];
        let card = Identifier::loyalty_card("4471-0092-1183");
        let observe_family = |resolver: &mut Resolver| {
            for (i, name) in family.iter().enumerate() {
                let _ = resolver
                    .observe(&event(
                        name,
                        i as i64,
                        &[card.clone(), Identifier::email(format!("{name}@family.nl"))],
                    ))
                    .unwrap();
            }
        };
        // Four people are below the default threshold: one household profile.
        let mut household = resolver(Protection::default());
        observe_family(&mut household);
        assert_eq!(household.profile_count(), 1);
        assert!(household.generic_values().is_empty());

        // A shop that wants cards per person says so.
        let strict = Protection::default().generic_threshold(IdentifierKind::LoyaltyCard, Some(2));
        let mut per_person = resolver(strict);
        observe_family(&mut per_person);
        assert_eq!(per_person.generic_values().len(), 1);
        assert_eq!(per_person.profile_count(), 5, "four people and the card");
    }

    #[test]
    fn a_limit_sends_the_link_to_review_instead_of_merging() {
        let customer_id: IdentifierKind = "customer_id".parse().unwrap();
        let protection = Protection::default().max_per_profile(customer_id.clone(), 1);
        let mut resolver = resolver(protection);
        let shared_cookie = Identifier::cookie("ck_shared_laptop");
        let first = resolver
            .observe(&event(
                "a",
                0,
                &[
                    Identifier::new(customer_id.clone(), "C-1001"),
                    shared_cookie.clone(),
                ],
            ))
            .unwrap();
        let second = resolver
            .observe(&event(
                "b",
                1,
                &[
                    Identifier::new(customer_id.clone(), "C-2002"),
                    shared_cookie.clone(),
                ],
            ))
            .unwrap();
        assert_ne!(second.profile(), first.profile(), "not merged");
        assert_eq!(second.reviews().len(), 1);
        let item = &second.reviews()[0];
        assert_eq!(item.event(), "b");
        assert_eq!(item.kept().value(), Some("C-2002"));
        assert_eq!(item.held().value(), Some("ck_shared_laptop"));
        assert_eq!(item.held_profile(), Some(first.profile()));
        assert_eq!(
            item.reason(),
            &ReviewReason::LimitExceeded {
                kind: customer_id.clone(),
                limit: 1
            }
        );
        assert_eq!(resolver.review_queue(), second.reviews());
        assert_eq!(resolver.drain_review().len(), 1);
        assert!(resolver.review_queue().is_empty());

        // A new identifier held back is kept as a profile of its own.
        let third = resolver
            .observe(&event(
                "c",
                2,
                &[
                    Identifier::cookie("ck_shared_laptop"),
                    Identifier::new(customer_id.clone(), "C-3003"),
                ],
            ))
            .unwrap();
        let held = third.reviews()[0].held_profile().unwrap();
        assert_eq!(resolver.profile(held).unwrap().event_count(), 0);
        assert_eq!(
            resolver
                .lookup(&Identifier::new(customer_id, "C-3003"))
                .unwrap(),
            Some(held)
        );
    }

    #[test]
    fn priority_decides_which_link_a_limit_keeps() {
        // Cards first: the event joins the card's profile and holds back the
        // email's, whatever order the event lists them in.
        let protection = Protection::default().max_per_profile(IdentifierKind::Email, 1);
        let mut resolver = resolver(protection);
        let card = resolver
            .observe(&event(
                "till",
                0,
                &[
                    Identifier::loyalty_card("447100921183"),
                    Identifier::email("jan@example.com"),
                ],
            ))
            .unwrap()
            .profile();
        let web = resolver
            .observe(&event(
                "web",
                1,
                &[Identifier::email("j.devries@example.com")],
            ))
            .unwrap()
            .profile();
        let both = resolver
            .observe(&event(
                "app",
                2,
                &[
                    Identifier::email("j.devries@example.com"),
                    Identifier::loyalty_card("447100921183"),
                ],
            ))
            .unwrap();
        assert_eq!(both.profile(), card);
        assert_eq!(both.reviews()[0].held_profile(), Some(web));
    }

    #[test]
    fn forgetting_a_bridge_splits_exactly_what_it_held_together() {
        let mut resolver = resolver(Protection::none());
        let bridge = Identifier::cookie("ck_family_ipad");
        let anna = resolver
            .observe(&event(
                "a1",
                0,
                &[Identifier::email("anna@example.com"), bridge.clone()],
            ))
            .unwrap()
            .profile();
        let _ = resolver
            .observe(&event(
                "a2",
                1,
                &[
                    Identifier::email("anna@example.com"),
                    Identifier::phone("06-11111111"),
                ],
            ))
            .unwrap();
        let ben = resolver
            .observe(&event("b1", 2, &[Identifier::email("ben@example.com")]))
            .unwrap()
            .profile();
        let joined = resolver
            .observe(&event(
                "b2",
                3,
                &[Identifier::email("ben@example.com"), bridge.clone()],
            ))
            .unwrap();
        assert_eq!(joined.profile(), anna);
        assert_eq!(joined.merges()[0].retired(), ben);
        let _ = resolver
            .observe(&event("ipad", 4, &[bridge.clone()]))
            .unwrap();

        let forgotten = resolver.forget(&bridge).unwrap();
        assert_eq!(forgotten.profile(), Some(anna));
        assert_eq!(forgotten.erased_events(), 1);
        let split = forgotten.split().unwrap();
        // Anna's part keeps the id; Ben's id comes back.
        assert_eq!((split.from(), split.parts()), (anna, &[anna, ben][..]));
        assert_eq!(
            values(&resolver, anna),
            ["anna@example.com", "+31611111111"]
        );
        assert_eq!(values(&resolver, ben), ["ben@example.com"]);
        assert_eq!(resolver.profile(anna).unwrap().event_count(), 2);
        assert_eq!(resolver.profile(ben).unwrap().event_count(), 2);
        assert_eq!(resolver.lookup(&bridge).unwrap(), None);
        assert_eq!(resolver.event_profile("b2"), Some(ben));
        assert_eq!(resolver.event_profile("ipad"), None);
        assert!(
            resolver
                .explain(&bridge, &Identifier::email("anna@example.com"))
                .unwrap()
                .is_none()
        );

        // Replays change nothing; the erased event is reported, not revived.
        assert!(
            resolver
                .observe(&event("a1", 0, &[bridge.clone()]))
                .unwrap()
                .is_replay()
        );
        let erased = resolver
            .observe(&event("ipad", 4, &[bridge.clone()]))
            .unwrap_err();
        assert!(matches!(erased.kind(), ErrorKind::Forgotten));
        // A new event with the cookie rejects it and links the rest.
        let again = resolver
            .observe(&event(
                "a3",
                5,
                &[bridge.clone(), Identifier::email("ben@example.com")],
            ))
            .unwrap();
        assert_eq!(again.profile(), ben);
        assert_eq!(again.rejects()[0].reason(), &RejectReason::Forgotten);
        assert_eq!(resolver.lookup(&bridge).unwrap(), None);
    }

    #[test]
    fn without_tombstones_a_forgotten_identifier_can_come_back() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t"))
            .tombstones(false)
            .build();
        let cookie = Identifier::cookie("ck_1");
        let _ = resolver
            .observe(&event("e1", 0, &[cookie.clone()]))
            .unwrap();
        let _ = resolver.forget(&cookie).unwrap();
        assert_eq!(resolver.lookup(&cookie).unwrap(), None);
        let back = resolver
            .observe(&event("e2", 1, &[cookie.clone()]))
            .unwrap();
        assert!(back.rejects().is_empty());
        assert_eq!(resolver.lookup(&cookie).unwrap(), Some(back.profile()));
    }

    #[test]
    fn forgetting_before_the_data_arrives_still_blocks_it() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t")).build();
        let email = Identifier::email("erase.me@example.com");
        let forgotten = resolver.forget(&email).unwrap();
        assert_eq!((forgotten.profile(), forgotten.split()), (None, None));
        let later = resolver.observe(&event("e1", 0, &[email.clone()])).unwrap();
        assert_eq!(later.rejects()[0].reason(), &RejectReason::Forgotten);
        assert_eq!(resolver.lookup(&email).unwrap(), None);
    }

    #[test]
    fn forgetting_needs_the_evidence() {
        let mut resolver = ResolverBuilder::new(SecretKey::derive("t"))
            .keep_evidence(false)
            .build();
        let error = resolver.forget(&Identifier::cookie("ck_1")).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::EvidenceNotKept));
    }

    #[test]
    fn forgetting_wipes_the_kept_value() {
        let mut resolver = resolver(Protection::none());
        let _ = resolver
            .observe(&event(
                "e1",
                0,
                &[
                    Identifier::email("secret.person@example.com"),
                    Identifier::cookie("ck_1"),
                ],
            ))
            .unwrap();
        let _ = resolver
            .forget(&Identifier::email("secret.person@example.com"))
            .unwrap();
        let mut bytes = Vec::new();
        resolver.save_snapshot(&mut bytes).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("secret.person"));
    }

    #[test]
    fn a_late_earlier_event_renames_the_profile_and_the_old_id_follows() {
        let mut resolver = resolver(Protection::none());
        let first = resolver
            .observe(&event("late", 50, &[Identifier::cookie("ck_b")]))
            .unwrap()
            .profile();
        let earlier = resolver
            .observe(&event(
                "early",
                10,
                &[
                    Identifier::cookie("ck_b"),
                    Identifier::email("z@example.com"),
                ],
            ))
            .unwrap();
        let rename = earlier.renamed().unwrap();
        assert_eq!((rename.from(), rename.to()), (first, earlier.profile()));
        assert_eq!(resolver.canonical(first), Some(earlier.profile()));
        assert!(matches!(resolver.changes(), [Change::Renamed(_)]));

        // The same events in the other order give the same id at once.
        let mut other = self::resolver(Protection::none());
        let _ = other
            .observe(&event(
                "early",
                10,
                &[
                    Identifier::cookie("ck_b"),
                    Identifier::email("z@example.com"),
                ],
            ))
            .unwrap();
        let same = other
            .observe(&event("late", 50, &[Identifier::cookie("ck_b")]))
            .unwrap();
        assert_eq!(same.profile(), earlier.profile());
        assert!(same.renamed().is_none());
    }

    #[test]
    fn links_a_limit_held_back_are_made_once_the_glue_is_gone() {
        let mut resolver = resolver(Protection::default());
        let kiosk = Identifier::cookie("ck_kiosk");
        let email = |n: i64| Identifier::email(format!("p{n}@example.com"));
        for person in 1..=5 {
            let _ = resolver
                .observe(&event(
                    &format!("k{person}"),
                    person,
                    &[kiosk.clone(), email(person)],
                ))
                .unwrap();
        }
        // Person 1's second address would be a sixth email in the glued profile.
        let held = resolver
            .observe(&event(
                "a",
                10,
                &[email(1), Identifier::email("p1.other@example.com")],
            ))
            .unwrap();
        assert_eq!(held.reviews().len(), 1);
        let mut settled = Vec::new();
        for person in 6..=12 {
            let outcome = resolver
                .observe(&event(
                    &format!("k{person}"),
                    20 + person,
                    &[kiosk.clone(), email(person)],
                ))
                .unwrap();
            if !outcome.splits().is_empty() {
                settled.extend(outcome.merges().to_vec());
            }
        }
        assert_eq!(resolver.generic_values().len(), 1);
        // The held link was made when the kiosk was split off, with its event.
        assert_eq!(settled.len(), 1, "{settled:?}");
        assert_eq!(settled[0].event(), "a");
        let p1 = resolver.lookup(&email(1)).unwrap();
        assert_eq!(
            resolver
                .lookup(&Identifier::email("p1.other@example.com"))
                .unwrap(),
            p1
        );
        let why = resolver
            .explain(&email(1), &Identifier::email("p1.other@example.com"))
            .unwrap()
            .unwrap();
        assert_eq!(why.links()[0].event(), "a");
        assert_eq!(resolver.profile(p1.unwrap()).unwrap().event_count(), 2);
        // Nothing stale is left: no item names the generic kiosk.
        assert!(
            resolver.review_queue().is_empty(),
            "{:?}",
            resolver.review_queue()
        );
        // And the evidence still re-forms the same profile after a split.
        let _ = resolver
            .forget(&Identifier::cookie("ck_never_seen"))
            .unwrap();
        let _ = resolver.forget(&email(1)).unwrap();
        assert!(
            resolver
                .lookup(&Identifier::email("p1.other@example.com"))
                .unwrap()
                .is_some()
        );
        let mut bytes = Vec::new();
        resolver.save_snapshot(&mut bytes).unwrap();
        assert!(Resolver::load_snapshot(SecretKey::derive("protect"), bytes.as_slice()).is_ok());
    }

    #[test]
    fn join_checks_thin_out_as_counts_grow() {
        let checks: Vec<u32> = (0..100).filter(|&j| time_to_check(j, 8)).collect();
        assert_eq!(checks, [9, 10, 11, 13, 17, 25, 41, 73]);
    }
}
