//! The evidence behind every link: which events put which identifiers
//! together.
//!
//! The union-find answers "same profile?" fast but forgets why. The
//! evidence keeps the why: a bipartite graph of identifiers and events, an
//! edge wherever an event carried an identifier. Two identifiers are linked
//! exactly when a path joins them, and that path, read as identifier → event
//! → identifier → …, is the chain of evidence. Events stay whole (a hyperedge, not a star or a clique), so removing one identifier
//! later leaves the event's other identifiers joined, as they were seen.
//! Events with a single identifier link nothing and are not stored.

use std::collections::{BTreeMap, VecDeque};

use hashbrown::{HashMap, HashSet};
use serde::{Deserialize, Serialize};

use crate::identifier::Channel;
use crate::key::PrehashedState;
use crate::profile::{ChannelSet, ProfileIdentifier};
use crate::time::Timestamp;

/// Why two identifiers share a profile: a chain of links, each two
/// identifiers seen together in one event. From
/// [`Resolver::explain`](crate::Resolver::explain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub(crate) links: Vec<Link>,
}

impl Explanation {
    /// The links in order: the first starts at the first identifier asked
    /// about, each next one starts where the last ended. Empty when both
    /// were the same identifier.
    pub fn links(&self) -> &[Link] {
        &self.links
    }
}

/// One link of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub(crate) from: ProfileIdentifier,
    pub(crate) to: ProfileIdentifier,
    pub(crate) event: String,
    pub(crate) rule: LinkRule,
    pub(crate) channel: Option<Channel>,
    pub(crate) ts: Option<Timestamp>,
}

impl Link {
    /// The identifier the link starts at.
    pub fn from(&self) -> &ProfileIdentifier {
        &self.from
    }

    /// The identifier the link leads to.
    pub fn to(&self) -> &ProfileIdentifier {
        &self.to
    }

    /// The id of the event that is the evidence.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// Which rule made the link.
    pub fn rule(&self) -> &LinkRule {
        &self.rule
    }

    /// The event's channel, if it had one.
    pub fn channel(&self) -> Option<&Channel> {
        self.channel.as_ref()
    }

    /// The event's time, if it had one.
    pub fn ts(&self) -> Option<Timestamp> {
        self.ts
    }
}

/// The rule behind a link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkRule {
    /// Both identifiers were seen in the same event.
    SameEvent,
    /// A fuzzy match rule found the event's identifiers and attributes
    /// alike enough to merge at or above its `auto_merge` threshold (see
    /// [`fuzzy`](crate::fuzzy)).
    Fuzzy {
        /// The rule's [`name`](crate::fuzzy::MatchRule::name).
        rule: String,
        /// Its score.
        score: crate::fuzzy::Score,
    },
}

/// Why an event's identifiers are linked: the event, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventRecord<'a> {
    pub(crate) event: &'a str,
    pub(crate) channel: Option<u16>,
    pub(crate) ts: Option<Timestamp>,
}

/// An [`EventRecord`] as stored: the event id lives in one shared string
/// (no allocation per event), the options are flattened. 24 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredRecord {
    /// End offset of the event id in [`Evidence::event_ids`].
    end: u64,
    ts: i64,
    /// The record's first incidence; its last is the one before the next
    /// record's first.
    first: u32,
    channel: u16,
    has_ts: bool,
    has_channel: bool,
}

/// One identifier of one recorded event. The incidences of a record are
/// contiguous; those of an identifier form a list through `prev`, newest
/// first. 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Incidence {
    /// The identifier's union-find node, [`NONE`] once it was detached.
    node: u32,
    /// The identifier's previous incidence, [`NONE`] for its first.
    prev: u32,
}

/// The end of a list, or no node.
const NONE: u32 = u32::MAX;

/// The evidence: a bipartite graph of identifiers and events, stored as
/// append-only incidence lists.
///
/// A general graph type (petgraph's `StableGraph`, which this replaced) spends a vertex
/// on each identifier and on each event and 16 bytes on each edge, and
/// touches three scattered places per edge on insert. Here an event costs
/// one record and 8 bytes per identifier, written at the end of two vectors,
/// plus one pointer per identifier; walks, which only splits and
/// [`explain`](Self::explain) need, follow the lists backwards. Nothing is
/// ever removed or reordered, so a snapshot restores the same layout byte
/// for byte.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Evidence {
    records: Vec<StoredRecord>,
    /// Every recorded event id, one after the other.
    event_ids: String,
    incidences: Vec<Incidence>,
    /// Union-find node → its newest incidence, [`NONE`] until it is linked.
    newest: Vec<u32>,
    /// Links made after their event was recorded (a held-back link, once no
    /// limit stops it), which cannot join the record's contiguous run:
    /// record → identifiers added, and identifier → records. Rare.
    late_members: BTreeMap<u32, Vec<u32>>,
    late_records: BTreeMap<u32, Vec<u32>>,
    /// Union-find node → how often it joined separate groups.
    joins: Vec<Joins>,
    /// Union-find node → the events that carried it alone, for the nodes
    /// that had any.
    #[serde(with = "by_node")]
    singles: HashMap<u32, Singles, PrehashedState>,
    /// Channels numbered 64 and up of single-identifier events, by node:
    /// rare, so kept out of [`Singles`].
    more_channels: BTreeMap<u32, ChannelSet>,
    /// Records made by a fuzzy match rule: record → (rule, score). The
    /// others are links of identifiers seen in the same event.
    fuzzy: BTreeMap<u32, (u16, f64)>,
    /// The names of the fuzzy rules in `fuzzy`, so that a restored
    /// resolver still explains its links.
    rule_names: Vec<String>,
}

/// Per identifier: how often it joined separate groups, the cheap trigger
/// for the generic-value check. 4 bytes: one per identifier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Joins {
    /// Events that put this identifier together with an identifier of
    /// another profile, or a new one (saturating).
    joins: u16,
    /// Of those, the links held back for review: the profiles it would
    /// have joined had a limit not stopped it (saturating).
    held: u8,
}

/// The events that carried one identifier alone. They are not records,
/// but a split must know whose they are. Kept only for identifiers that
/// had such events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Singles {
    events: u32,
    /// Whether any of the events had a time; `first` and `last` mean
    /// nothing until one has.
    timed: bool,
    first: i64,
    last: i64,
    /// Channels numbered below 64, as bits.
    channels: u64,
}

impl Singles {
    pub(crate) fn events(&self) -> u64 {
        u64::from(self.events)
    }

    pub(crate) fn first_seen(&self) -> Option<Timestamp> {
        self.timed.then(|| Timestamp::from_unix_millis(self.first))
    }

    pub(crate) fn last_seen(&self) -> Option<Timestamp> {
        self.timed.then(|| Timestamp::from_unix_millis(self.last))
    }
}

/// Serializes a map keyed by node in ascending key order, so that equal
/// maps give equal bytes whatever their insertion history.
mod by_node {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{HashMap, PrehashedState};

    pub(super) fn serialize<V: Serialize, S: Serializer>(
        map: &HashMap<u32, V, PrehashedState>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(&u32, &V)> = map.iter().collect();
        entries.sort_unstable_by_key(|&(node, _)| *node);
        serializer.collect_seq(entries)
    }

    pub(super) fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<HashMap<u32, V, PrehashedState>, D::Error> {
        let entries: Vec<(u32, V)> = Vec::deserialize(deserializer)?;
        let mut map = HashMap::with_capacity_and_hasher(entries.len(), PrehashedState);
        for (node, value) in entries {
            if map.insert(node, value).is_some() {
                return Err(D::Error::custom("evidence lists an identifier twice"));
            }
        }
        Ok(map)
    }
}

/// One connected part of a profile's evidence: its identifiers and the
/// records of the events that link them.
#[derive(Debug, Default)]
pub(crate) struct Component {
    pub(crate) nodes: Vec<u32>,
    /// Each linking event: its record and the identifiers it still links.
    pub(crate) records: Vec<(u32, Vec<u32>)>,
}

/// One step of a chain of evidence: `from` and `to` were seen in `record`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) from: u32,
    pub(crate) to: u32,
    pub(crate) record: u32,
}

impl Evidence {
    /// Identifier links the store can still take; the caller checks before
    /// [`record`](Self::record) so that it never overflows.
    pub(crate) fn room(&self) -> usize {
        (NONE as usize - 1).saturating_sub(self.incidences.len())
    }

    /// Registers union-find nodes up to `len` (new nodes are not linked yet).
    pub(crate) fn grow(&mut self, len: usize) {
        self.newest.resize(len, NONE);
        self.joins.resize(len, Joins::default());
    }

    /// Records an event that carried `node` as its only linked identifier.
    pub(crate) fn record_single(&mut self, node: u32, ts: Option<Timestamp>, channel: Option<u16>) {
        let stats = self.singles.entry(node).or_default();
        stats.events = stats.events.saturating_add(1);
        if let Some(ts) = ts {
            let ms = ts.unix_millis();
            if stats.timed {
                stats.first = stats.first.min(ms);
                stats.last = stats.last.max(ms);
            } else {
                (stats.timed, stats.first, stats.last) = (true, ms, ms);
            }
        }
        match channel {
            Some(channel) if channel < 64 => stats.channels |= 1 << channel,
            Some(channel) => self.more_channels.entry(node).or_default().insert(channel),
            None => {}
        }
    }

    /// The events that carried `node` alone.
    pub(crate) fn singles(&self, node: u32) -> Singles {
        self.singles.get(&node).copied().unwrap_or_default()
    }

    /// How many of `node`'s links were held back for review.
    pub(crate) fn held(&self, node: u32) -> u32 {
        u32::from(self.joins[node as usize].held)
    }

    /// The channels of `node`'s single-identifier events.
    pub(crate) fn channels(&self, node: u32) -> ChannelSet {
        let mut channels = ChannelSet::from_bits(self.singles(node).channels);
        if let Some(more) = self.more_channels.get(&node) {
            channels.union_with(more);
        }
        channels
    }

    /// Counts one more join for `node`; returns the new count.
    pub(crate) fn add_join(&mut self, node: u32) -> u32 {
        let joins = &mut self.joins[node as usize].joins;
        *joins = joins.saturating_add(1);
        u32::from(*joins)
    }

    /// Counts one more link of `node` held back for review.
    pub(crate) fn add_held(&mut self, node: u32) {
        let held = &mut self.joins[node as usize].held;
        *held = held.saturating_add(1);
    }

    /// Forgets what is known about `node` alone: its single-identifier events.
    pub(crate) fn clear_stats(&mut self, node: u32) {
        self.joins[node as usize] = Joins::default();
        self.singles.remove(&node);
        self.more_channels.remove(&node);
    }

    /// Removes `node`'s links; returns each event it was linked through,
    /// with the identifiers that event still links.
    pub(crate) fn detach(&mut self, node: u32) -> Vec<(u32, Vec<u32>)> {
        if node as usize >= self.newest.len() {
            return Vec::new();
        }
        let records = self.records_of(node);
        let mut incidence = std::mem::replace(&mut self.newest[node as usize], NONE);
        while incidence != NONE {
            let entry = &mut self.incidences[incidence as usize];
            entry.node = NONE;
            incidence = entry.prev;
        }
        for record in self.late_records.remove(&node).unwrap_or_default() {
            if let Some(members) = self.late_members.get_mut(&record) {
                members.retain(|&member| member != node);
                if members.is_empty() {
                    self.late_members.remove(&record);
                }
            }
        }
        records
            .into_iter()
            .map(|record| (record, self.members(record, None)))
            .collect()
    }

    /// The records `node` is linked through, ascending.
    fn records_of(&self, node: u32) -> Vec<u32> {
        let mut records = Vec::new();
        let mut incidence = self.newest.get(node as usize).copied().unwrap_or(NONE);
        while incidence != NONE {
            records.push(self.record_of(incidence));
            incidence = self.incidences[incidence as usize].prev;
        }
        if let Some(late) = self.late_records.get(&node) {
            records.extend_from_slice(late);
        }
        records.sort_unstable();
        records
    }

    /// The record an incidence belongs to.
    fn record_of(&self, incidence: u32) -> u32 {
        (self
            .records
            .partition_point(|record| record.first <= incidence)
            - 1) as u32
    }

    /// The identifiers `record` still links, ascending, leaving out `excluded`.
    fn members(&self, record: u32, excluded: Option<u32>) -> Vec<u32> {
        let index = record as usize;
        let end = self
            .records
            .get(index + 1)
            .map_or(self.incidences.len(), |next| next.first as usize);
        let mut members: Vec<u32> = self.incidences[self.records[index].first as usize..end]
            .iter()
            .map(|incidence| incidence.node)
            .chain(
                self.late_members
                    .get(&record)
                    .into_iter()
                    .flatten()
                    .copied(),
            )
            .filter(|&node| node != NONE && Some(node) != excluded)
            .collect();
        members.sort_unstable();
        members
    }

    fn is_linked(&self, node: u32) -> bool {
        self.newest.get(node as usize).is_some_and(|&i| i != NONE)
            || self.late_records.contains_key(&node)
    }

    /// The connected parts of the evidence among `members` (one profile's
    /// identifiers), leaving out `excluded`. Members without links are parts
    /// of their own. Deterministic: parts and their nodes in ascending order.
    pub(crate) fn components(&self, members: &[u32], excluded: Option<u32>) -> Vec<Component> {
        let mut sorted: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&node| Some(node) != excluded)
            .collect();
        sorted.sort_unstable();
        let mut seen_nodes: HashSet<u32, PrehashedState> = HashSet::default();
        let mut seen_records: HashSet<u32, PrehashedState> = HashSet::default();
        let mut parts = Vec::new();
        for &start in &sorted {
            if !seen_nodes.insert(start) {
                continue;
            }
            let mut part = Component::default();
            let mut queue = VecDeque::from([start]);
            while let Some(node) = queue.pop_front() {
                part.nodes.push(node);
                if !self.is_linked(node) {
                    continue;
                }
                for record in self.records_of(node) {
                    if !seen_records.insert(record) {
                        continue;
                    }
                    let linked = self.members(record, excluded);
                    for &member in &linked {
                        if seen_nodes.insert(member) {
                            queue.push_back(member);
                        }
                    }
                    part.records.push((record, linked));
                }
            }
            part.nodes.sort_unstable();
            part.records.sort_unstable();
            parts.push(part);
        }
        parts
    }

    /// Records that `nodes` (distinct, at least two) were seen together.
    pub(crate) fn record(&mut self, nodes: &[u32], record: EventRecord<'_>) {
        debug_assert!(nodes.len() >= 2);
        self.event_ids.push_str(record.event);
        self.records.push(StoredRecord {
            end: self.event_ids.len() as u64,
            ts: record.ts.map_or(0, Timestamp::unix_millis),
            first: self.incidences.len() as u32,
            channel: record.channel.unwrap_or(0),
            has_ts: record.ts.is_some(),
            has_channel: record.channel.is_some(),
        });
        for &node in nodes {
            let index = self.incidences.len() as u32;
            let newest = &mut self.newest[node as usize];
            self.incidences.push(Incidence {
                node,
                prev: *newest,
            });
            *newest = index;
        }
    }

    /// Records a fuzzy link: `rule` scored `event`'s identifiers at `node`
    /// and an earlier event's at `candidate` alike.
    pub(crate) fn record_fuzzy(
        &mut self,
        node: u32,
        candidate: u32,
        record: EventRecord<'_>,
        rule: &str,
        score: crate::fuzzy::Score,
    ) {
        let rule = match self.rule_names.iter().position(|name| name == rule) {
            Some(at) => at,
            None => {
                self.rule_names.push(rule.to_owned());
                self.rule_names.len() - 1
            }
        };
        let index = self.records.len() as u32;
        self.record(&[node, candidate], record);
        self.fuzzy.insert(index, (rule as u16, score.get()));
    }

    /// Whether `record` is a fuzzy link rather than an event's identifiers.
    pub(crate) fn is_fuzzy(&self, record: u32) -> bool {
        self.fuzzy.contains_key(&record)
    }

    /// The rule behind `record`.
    pub(crate) fn rule_of(&self, record: u32) -> LinkRule {
        match self.fuzzy.get(&record) {
            None => LinkRule::SameEvent,
            Some(&(rule, score)) => LinkRule::Fuzzy {
                rule: self.rule_names[usize::from(rule)].clone(),
                score: crate::fuzzy::Score::clamped(score),
            },
        }
    }

    /// Adds a link made after its event was recorded (a held-back link,
    /// once no limit stops it): `held` joins the event's record, or, when
    /// the event linked only `kept`, the event becomes a record of both and
    /// leaves `kept`'s single-identifier count.
    pub(crate) fn attach(&mut self, kept: u32, held: u32, record: EventRecord<'_>) {
        let existing = self
            .records_of(kept)
            .into_iter()
            .find(|&r| !self.fuzzy.contains_key(&r) && self.record_at(r).event == record.event);
        match existing {
            Some(existing) => {
                if !self.members(existing, None).contains(&held) {
                    self.late_members.entry(existing).or_default().push(held);
                    self.late_records.entry(held).or_default().push(existing);
                }
            }
            None => {
                if let Some(stats) = self.singles.get_mut(&kept) {
                    stats.events = stats.events.saturating_sub(1);
                }
                self.record(&[kept, held], record);
            }
        }
    }

    pub(crate) fn record_at(&self, index: u32) -> EventRecord<'_> {
        let index = index as usize;
        let stored = &self.records[index];
        let start = match index {
            0 => 0,
            _ => self.records[index - 1].end as usize,
        };
        EventRecord {
            event: &self.event_ids[start..stored.end as usize],
            channel: stored.has_channel.then_some(stored.channel),
            ts: stored
                .has_ts
                .then(|| Timestamp::from_unix_millis(stored.ts)),
        }
    }

    /// The shortest chain of evidence from node `a` to node `b`, or `None`
    /// when no path joins them. Breadth-first over identifiers and events,
    /// so the chain has the fewest events; from each identifier its events
    /// are tried in the order they were recorded, and from each event its
    /// identifiers in ascending order, which makes the answer deterministic.
    pub(crate) fn explain(&self, a: u32, b: u32) -> Option<Vec<Step>> {
        if a == b {
            return Some(Vec::new());
        }
        if !self.is_linked(a) || !self.is_linked(b) {
            return None;
        }
        // Node → (the node it was reached from, the record between them).
        let mut reached: HashMap<u32, (u32, u32), PrehashedState> = HashMap::default();
        reached.insert(a, (a, NONE));
        let mut seen_records: HashSet<u32, PrehashedState> = HashSet::default();
        let mut queue = VecDeque::from([a]);
        'search: while let Some(node) = queue.pop_front() {
            for record in self.records_of(node) {
                if !seen_records.insert(record) {
                    continue;
                }
                for member in self.members(record, None) {
                    if let hashbrown::hash_map::Entry::Vacant(slot) = reached.entry(member) {
                        slot.insert((node, record));
                        if member == b {
                            break 'search;
                        }
                        queue.push_back(member);
                    }
                }
            }
        }
        let mut steps = Vec::new();
        let mut to = b;
        while to != a {
            let &(from, record) = reached.get(&to)?;
            steps.push(Step { from, to, record });
            to = from;
        }
        steps.reverse();
        Some(steps)
    }

    /// How many events are stored as evidence.
    pub(crate) fn event_count(&self) -> usize {
        self.records.len()
    }

    /// Checks a decoded store against the resolver it belongs to: `nodes`
    /// union-find nodes whose set roots are given by `root_of`, and
    /// `channel_count` interned channels.
    pub(crate) fn validate(
        &self,
        nodes: usize,
        channel_count: usize,
        root_of: impl Fn(u32) -> u32,
    ) -> Result<(), &'static str> {
        if self.newest.len() != nodes || self.joins.len() != nodes {
            return Err("evidence covers a different number of identifiers");
        }
        let channel_bits_ok = |bits: u64| channel_count >= 64 || bits >> channel_count == 0;
        if self.singles.keys().any(|&node| node as usize >= nodes) {
            return Err("evidence names an unknown identifier");
        }
        if self
            .singles
            .values()
            .any(|stats| !channel_bits_ok(stats.channels))
            || self.more_channels.iter().any(|(&node, set)| {
                node as usize >= nodes || set.iter().any(|c| usize::from(c) >= channel_count)
            })
        {
            return Err("evidence channel out of range");
        }
        if self
            .records
            .iter()
            .any(|record| record.has_channel && usize::from(record.channel) >= channel_count)
        {
            return Err("evidence channel out of range");
        }
        // Records: non-empty runs that cover the incidences in order.
        if self.incidences.len() >= NONE as usize {
            return Err("evidence too large");
        }
        let firsts_ok = self.records.first().is_none_or(|record| record.first == 0)
            && self
                .records
                .windows(2)
                .all(|pair| pair[0].first < pair[1].first)
            && self
                .records
                .last()
                .map_or(self.incidences.is_empty(), |record| {
                    (record.first as usize) < self.incidences.len()
                });
        if !firsts_ok {
            return Err("evidence records out of order");
        }
        // Every identifier's list holds exactly its incidences, newest first.
        let mut unlisted = vec![0_u32; nodes];
        for (index, incidence) in self.incidences.iter().enumerate() {
            if incidence.node == NONE {
                continue;
            }
            let count = unlisted
                .get_mut(incidence.node as usize)
                .ok_or("evidence names an unknown identifier")?;
            *count += 1;
            if incidence.prev != NONE && incidence.prev as usize >= index {
                return Err("evidence list out of order");
            }
        }
        for (node, &newest) in self.newest.iter().enumerate() {
            let mut incidence = newest;
            while incidence != NONE {
                let entry = self
                    .incidences
                    .get(incidence as usize)
                    .ok_or("evidence list out of range")?;
                if entry.node as usize != node {
                    return Err("evidence list crosses identifiers");
                }
                unlisted[node] -= 1;
                incidence = entry.prev;
            }
        }
        if unlisted.iter().any(|&count| count != 0) {
            return Err("evidence list misses a link");
        }
        // Late links: both directions agree and name what exists.
        let late_links: usize = self.late_members.values().map(Vec::len).sum();
        if late_links != self.late_records.values().map(Vec::len).sum::<usize>() {
            return Err("late evidence links disagree");
        }
        if self.late_members.iter().any(|(&record, members)| {
            record as usize >= self.records.len() || members.iter().any(|&n| n as usize >= nodes)
        }) {
            return Err("late evidence links disagree");
        }
        for (&node, records) in &self.late_records {
            if node as usize >= nodes {
                return Err("evidence names an unknown identifier");
            }
            for record in records {
                let listed = self
                    .late_members
                    .get(record)
                    .is_some_and(|members| members.contains(&node));
                if !listed || *record as usize >= self.records.len() {
                    return Err("late evidence links disagree");
                }
            }
        }
        // Every event links identifiers of one profile.
        for record in 0..self.records.len() as u32 {
            let members = self.members(record, None);
            if members.windows(2).any(|pair| pair[0] == pair[1]) {
                return Err("evidence event lists an identifier twice");
            }
            if let Some(&first) = members.first() {
                let root = root_of(first);
                if members.iter().any(|&member| root_of(member) != root) {
                    return Err("evidence links identifiers of two profiles");
                }
            }
        }
        let fuzzy_ok = self.fuzzy.iter().all(|(&record, &(rule, score))| {
            (record as usize) < self.records.len()
                && usize::from(rule) < self.rule_names.len()
                && (0.0..=1.0).contains(&score)
        });
        if !fuzzy_ok || self.rule_names.len() > usize::from(u16::MAX) {
            return Err("evidence names an unknown fuzzy rule");
        }
        let mut start = 0;
        for record in &self.records {
            let end = usize::try_from(record.end).map_err(|_| "evidence event id out of range")?;
            if end < start || end > self.event_ids.len() || !self.event_ids.is_char_boundary(end) {
                return Err("evidence event id out of range");
            }
            start = end;
        }
        if start != self.event_ids.len() {
            return Err("evidence holds text of no event");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event: &str) -> EventRecord<'_> {
        EventRecord {
            event,
            channel: None,
            ts: None,
        }
    }

    #[test]
    fn join_counts_stay_small() {
        // One per identifier: its size is a cost per identifier.
        assert_eq!(size_of::<Joins>(), 4);
    }

    #[test]
    fn single_events_keep_times_and_every_channel() {
        let mut evidence = Evidence::default();
        evidence.grow(1);
        let ts = |ms| Some(Timestamp::from_unix_millis(ms));
        evidence.record_single(0, None, Some(70));
        evidence.record_single(0, ts(9), Some(3));
        evidence.record_single(0, ts(-4), None);
        let stats = evidence.singles(0);
        assert_eq!(
            (stats.events(), stats.first_seen(), stats.last_seen()),
            (3, ts(-4), ts(9))
        );
        assert_eq!(evidence.channels(0).iter().collect::<Vec<_>>(), vec![3, 70]);
        assert!(evidence.validate(1, 71, |n| n).is_ok());
        assert!(evidence.validate(1, 70, |n| n).is_err());
        evidence.clear_stats(0);
        assert_eq!(evidence.channels(0).iter().count(), 0);
    }

    #[test]
    fn explains_the_shortest_chain() {
        let mut evidence = Evidence::default();
        evidence.grow(5);
        evidence.record(&[0, 1], record("e1"));
        evidence.record(&[1, 2, 3], record("e2"));
        evidence.record(&[0, 3], record("e3"));
        let steps = evidence.explain(0, 2).unwrap();
        let events: Vec<&str> = steps
            .iter()
            .map(|s| evidence.record_at(s.record).event)
            .collect();
        // Two events either way (e1,e2 or e3,e2); the lower vertex wins.
        assert_eq!(events, vec!["e1", "e2"]);
        assert_eq!((steps[0].from, steps[0].to, steps[1].to), (0, 1, 2));
        assert_eq!(evidence.explain(3, 0).unwrap().len(), 1);
        assert_eq!(evidence.explain(2, 2).unwrap(), vec![]);
        assert_eq!(evidence.explain(0, 4), None);
        assert_eq!(evidence.explain(0, 99), None);
        assert_eq!(evidence.validate(5, 0, |_| 0), Ok(()));
        assert!(evidence.validate(5, 0, |node| node).is_err());
    }
}
