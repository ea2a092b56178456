//! The evidence behind every link: which events put which identifiers
//! together.
//!
//! The union-find answers "same profile?" fast but forgets why. This graph
//! keeps the why: a bipartite graph of identifier vertices and event
//! vertices, an edge wherever an event carried an identifier. Two identifiers
//! are linked exactly when a path joins them, and that path, read as
//! identifier → event → identifier → …, is the chain of evidence. Events stay
//! whole (a hyperedge, not a star or a clique), so removing one identifier
//! later leaves the event's other identifiers joined, as they were seen.
//! Events with a single identifier link nothing and are not stored.

use std::collections::VecDeque;

use hashbrown::HashMap;
use petgraph::Undirected;
use petgraph::stable_graph::{NodeIndex, StableGraph};
use petgraph::visit::{EdgeIndexable, NodeIndexable};
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
}

/// A vertex: an identifier (its union-find node), an event (its record),
/// or an identifier taken out (forgotten or generic). Taken-out vertices
/// stay in place with their edges, ignored by every walk: removing them
/// would leave holes that petgraph refills in an order a snapshot does not
/// keep, and a restored resolver would then go on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Vertex {
    Identifier(u32),
    Event(u32),
    Detached,
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
    channel: u16,
    has_ts: bool,
    has_channel: bool,
}

/// The evidence graph. Vertex and edge indices stay inside this module.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Evidence {
    graph: StableGraph<Vertex, (), Undirected, u32>,
    /// Union-find node → its vertex, [`NO_VERTEX`] until it is first linked.
    vertex_of: Vec<u32>,
    records: Vec<StoredRecord>,
    /// Every recorded event id, one after the other.
    event_ids: String,
    /// Union-find node → what the graph does not hold about it: its
    /// single-identifier events, and how often it joined separate groups.
    nodes: Vec<NodeStats>,
    /// Channels numbered 64 and up of single-identifier events, by node:
    /// rare, so kept out of the dense [`NodeStats`].
    more_channels: std::collections::BTreeMap<u32, ChannelSet>,
}

/// Per identifier: the events that carried it alone (they are not graph
/// vertices, but a split must know whose they are) and its join counts, the
/// cheap trigger for the generic-value check. 32 bytes: one per identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NodeStats {
    events: u32,
    /// Events that put this identifier together with an identifier of
    /// another profile, or a new one (saturating).
    joins: u16,
    /// Of those, the links held back for review: the profiles it would
    /// have joined had a limit not stopped it (saturating).
    held: u8,
    /// Whether any of its single-identifier events had a time; `first` and
    /// `last` mean nothing until one has.
    timed: bool,
    first: i64,
    last: i64,
    /// Channels numbered below 64, as bits.
    channels: u64,
}

impl NodeStats {
    pub(crate) fn events(&self) -> u64 {
        u64::from(self.events)
    }

    pub(crate) fn first_seen(&self) -> Option<Timestamp> {
        self.timed.then(|| Timestamp::from_unix_millis(self.first))
    }

    pub(crate) fn last_seen(&self) -> Option<Timestamp> {
        self.timed.then(|| Timestamp::from_unix_millis(self.last))
    }

    pub(crate) fn held(&self) -> u32 {
        u32::from(self.held)
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

const NO_VERTEX: u32 = u32::MAX;

/// One step of a chain of evidence: `from` and `to` were seen in `record`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) from: u32,
    pub(crate) to: u32,
    pub(crate) record: u32,
}

impl Evidence {
    /// Vertices the graph can still take; the caller checks before
    /// [`record`](Self::record) so that it never overflows.
    pub(crate) fn room(&self) -> usize {
        (u32::MAX as usize - 1).saturating_sub(self.graph.node_count())
    }

    /// Registers union-find nodes up to `len` (new nodes have no vertex yet).
    pub(crate) fn grow(&mut self, len: usize) {
        self.vertex_of.resize(len, NO_VERTEX);
        self.nodes.resize_with(len, NodeStats::default);
    }

    /// Records an event that carried `node` as its only linked identifier.
    pub(crate) fn record_single(&mut self, node: u32, ts: Option<Timestamp>, channel: Option<u16>) {
        let stats = &mut self.nodes[node as usize];
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

    pub(crate) fn stats(&self, node: u32) -> &NodeStats {
        &self.nodes[node as usize]
    }

    /// The channels of `node`'s single-identifier events.
    pub(crate) fn channels(&self, node: u32) -> ChannelSet {
        let mut channels = ChannelSet::from_bits(self.nodes[node as usize].channels);
        if let Some(more) = self.more_channels.get(&node) {
            channels.union_with(more);
        }
        channels
    }

    /// Counts one more join for `node`; returns the new count.
    pub(crate) fn add_join(&mut self, node: u32) -> u32 {
        let joins = &mut self.nodes[node as usize].joins;
        *joins = joins.saturating_add(1);
        u32::from(*joins)
    }

    /// Counts one more link of `node` held back for review.
    pub(crate) fn add_held(&mut self, node: u32) {
        let held = &mut self.nodes[node as usize].held;
        *held = held.saturating_add(1);
    }

    /// Forgets what is known about `node` alone: its single-identifier events.
    pub(crate) fn clear_stats(&mut self, node: u32) {
        self.nodes[node as usize] = NodeStats::default();
        self.more_channels.remove(&node);
    }

    /// Removes `node` and its links from the graph; returns each event it
    /// was linked through, with the identifiers that event still links.
    pub(crate) fn detach(&mut self, node: u32) -> Vec<(u32, Vec<u32>)> {
        let Some(slot) = self.vertex_of.get_mut(node as usize) else {
            return Vec::new();
        };
        let vertex = std::mem::replace(slot, NO_VERTEX);
        if vertex == NO_VERTEX {
            return Vec::new();
        }
        let vertex = NodeIndex::new(vertex as usize);
        let mut events: Vec<NodeIndex<u32>> = self.graph.neighbors(vertex).collect();
        events.sort_unstable();
        self.graph[vertex] = Vertex::Detached;
        events
            .into_iter()
            .filter_map(|event| {
                let record = self.event_at(event.index() as u32)?;
                let mut members: Vec<u32> = self
                    .graph
                    .neighbors(event)
                    .filter_map(|n| self.identifier_at(n.index() as u32))
                    .collect();
                members.sort_unstable();
                Some((record, members))
            })
            .collect()
    }

    /// The connected parts of the evidence among `members` (one profile's
    /// identifiers), leaving out `excluded`. Members without links are parts
    /// of their own. Deterministic: parts and their nodes in ascending order.
    pub(crate) fn components(&self, members: &[u32], excluded: Option<u32>) -> Vec<Component> {
        let excluded_vertex = excluded
            .and_then(|node| self.vertex_of.get(node as usize).copied())
            .filter(|&vertex| vertex != NO_VERTEX);
        let mut sorted: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&node| Some(node) != excluded)
            .collect();
        sorted.sort_unstable();
        let mut seen: hashbrown::HashSet<u32, PrehashedState> = hashbrown::HashSet::default();
        let mut parts = Vec::new();
        for &node in &sorted {
            let vertex = self
                .vertex_of
                .get(node as usize)
                .copied()
                .unwrap_or(NO_VERTEX);
            if vertex == NO_VERTEX {
                parts.push(Component {
                    nodes: vec![node],
                    records: Vec::new(),
                });
                continue;
            }
            if !seen.insert(vertex) {
                continue;
            }
            let mut part = Component::default();
            let mut queue = VecDeque::from([vertex]);
            while let Some(current) = queue.pop_front() {
                let index = NodeIndex::new(current as usize);
                let neighbours = self
                    .graph
                    .neighbors(index)
                    .filter(|&n| self.graph[n] != Vertex::Detached)
                    .map(|n| n.index() as u32)
                    .filter(|&n| Some(n) != excluded_vertex);
                match self.graph[index] {
                    Vertex::Detached => {}
                    Vertex::Identifier(node) => part.nodes.push(node),
                    Vertex::Event(record) => {
                        let mut linked: Vec<u32> = neighbours
                            .clone()
                            .filter_map(|n| self.identifier_at(n))
                            .collect();
                        linked.sort_unstable();
                        part.records.push((record, linked));
                    }
                }
                for neighbour in neighbours {
                    if seen.insert(neighbour) {
                        queue.push_back(neighbour);
                    }
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
        let record_index = self.records.len() as u32;
        self.event_ids.push_str(record.event);
        self.records.push(StoredRecord {
            end: self.event_ids.len() as u64,
            ts: record.ts.map_or(0, Timestamp::unix_millis),
            channel: record.channel.unwrap_or(0),
            has_ts: record.ts.is_some(),
            has_channel: record.channel.is_some(),
        });
        let event = self.graph.add_node(Vertex::Event(record_index));
        for &node in nodes {
            let vertex = self.vertex(node);
            self.graph.add_edge(vertex, event, ());
        }
    }

    /// Adds a link made after its event was recorded (a held-back link,
    /// once no limit stops it): `held` joins the event's vertex, or, when
    /// the event linked only `kept`, the event becomes a record of both and
    /// leaves `kept`'s single-identifier count.
    pub(crate) fn attach(&mut self, kept: u32, held: u32, record: EventRecord<'_>) {
        let kept_vertex = self.vertex(kept);
        let event = self.graph.neighbors(kept_vertex).find(|&n| {
            matches!(self.graph[n], Vertex::Event(r) if self.record_at(r).event == record.event)
        });
        match event {
            Some(event) => {
                let held_vertex = self.vertex(held);
                if self.graph.find_edge(held_vertex, event).is_none() {
                    self.graph.add_edge(held_vertex, event, ());
                }
            }
            None => {
                let stats = &mut self.nodes[kept as usize];
                stats.events = stats.events.saturating_sub(1);
                self.record(&[kept, held], record);
            }
        }
    }

    fn vertex(&mut self, node: u32) -> NodeIndex<u32> {
        let slot = &mut self.vertex_of[node as usize];
        if *slot == NO_VERTEX {
            *slot = self.graph.add_node(Vertex::Identifier(node)).index() as u32;
        }
        NodeIndex::new(*slot as usize)
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
    /// when no path joins them. Breadth-first over the bipartite graph, so
    /// the chain has the fewest events; ties go to the lowest vertex index,
    /// which makes the answer deterministic.
    pub(crate) fn explain(&self, a: u32, b: u32) -> Option<Vec<Step>> {
        if a == b {
            return Some(Vec::new());
        }
        let start = *self.vertex_of.get(a as usize)?;
        let goal = *self.vertex_of.get(b as usize)?;
        if start == NO_VERTEX || goal == NO_VERTEX {
            return None;
        }
        let mut parent: HashMap<u32, u32, PrehashedState> = HashMap::default();
        parent.insert(start, start);
        let mut queue = VecDeque::from([start]);
        while let Some(vertex) = queue.pop_front() {
            if vertex == goal {
                break;
            }
            let mut next: Vec<u32> = self
                .graph
                .neighbors(NodeIndex::new(vertex as usize))
                .filter(|&n| self.graph[n] != Vertex::Detached)
                .map(|n| n.index() as u32)
                .collect();
            next.sort_unstable();
            for neighbour in next {
                if !parent.contains_key(&neighbour) {
                    parent.insert(neighbour, vertex);
                    queue.push_back(neighbour);
                }
            }
        }
        parent.get(&goal)?;
        // Walk back: goal, event, identifier, event, …, start.
        let mut path = vec![goal];
        while let Some(&last) = path.last() {
            if last == start {
                break;
            }
            path.push(parent[&last]);
        }
        path.reverse();
        let steps = path
            .chunks_exact(2)
            .zip(path[2..].iter().step_by(2))
            .filter_map(|(pair, &to)| {
                Some(Step {
                    from: self.identifier_at(pair[0])?,
                    record: self.event_at(pair[1])?,
                    to: self.identifier_at(to)?,
                })
            })
            .collect();
        Some(steps)
    }

    fn identifier_at(&self, vertex: u32) -> Option<u32> {
        match self.graph.node_weight(NodeIndex::new(vertex as usize))? {
            Vertex::Identifier(node) => Some(*node),
            Vertex::Event(_) | Vertex::Detached => None,
        }
    }

    fn event_at(&self, vertex: u32) -> Option<u32> {
        match self.graph.node_weight(NodeIndex::new(vertex as usize))? {
            Vertex::Event(record) => Some(*record),
            Vertex::Identifier(_) | Vertex::Detached => None,
        }
    }

    /// How many events are stored as evidence.
    pub(crate) fn event_count(&self) -> usize {
        self.records.len()
    }

    /// Checks a decoded graph against the resolver it belongs to: `nodes`
    /// union-find nodes whose set roots are given by `root_of`, and
    /// `channel_count` interned channels.
    pub(crate) fn validate(
        &self,
        nodes: usize,
        channel_count: usize,
        root_of: impl Fn(u32) -> u32,
    ) -> Result<(), &'static str> {
        if self.vertex_of.len() != nodes || self.nodes.len() != nodes {
            return Err("evidence covers a different number of identifiers");
        }
        let channel_bits_ok = |bits: u64| channel_count >= 64 || bits >> channel_count == 0;
        if self
            .nodes
            .iter()
            .any(|stats| !channel_bits_ok(stats.channels))
            || self.more_channels.iter().any(|(&node, set)| {
                node as usize >= nodes || set.iter().any(|c| usize::from(c) >= channel_count)
            })
        {
            return Err("evidence channel out of range");
        }
        let mut events_seen = vec![false; self.records.len()];
        let graph = &self.graph;
        if graph.node_count() != graph.node_bound() || graph.edge_count() != graph.edge_bound() {
            return Err("evidence graph has holes");
        }
        for vertex in self.graph.node_indices() {
            match self.graph[vertex] {
                Vertex::Detached => {}
                Vertex::Identifier(node) => {
                    if self.vertex_of.get(node as usize) != Some(&(vertex.index() as u32)) {
                        return Err("evidence vertex does not match its identifier");
                    }
                }
                Vertex::Event(record) => {
                    let seen = events_seen
                        .get_mut(record as usize)
                        .ok_or("evidence event out of range")?;
                    if std::mem::replace(seen, true) {
                        return Err("evidence event listed twice");
                    }
                    // Every neighbour must be an identifier of one profile.
                    let mut root = None;
                    for neighbour in self.graph.neighbors(vertex) {
                        let node = match self.graph[neighbour] {
                            Vertex::Identifier(node) => node,
                            Vertex::Detached => continue,
                            Vertex::Event(_) => return Err("evidence links two events"),
                        };
                        let here = root_of(node);
                        if *root.get_or_insert(here) != here {
                            return Err("evidence links identifiers of two profiles");
                        }
                    }
                }
            }
        }
        if events_seen.contains(&false) {
            return Err("evidence event without a vertex");
        }
        for (node, &vertex) in self.vertex_of.iter().enumerate() {
            let matches = vertex == NO_VERTEX
                || self.graph.node_weight(NodeIndex::new(vertex as usize))
                    == Some(&Vertex::Identifier(node as u32));
            if !matches {
                return Err("identifier points at a foreign evidence vertex");
            }
        }
        if self
            .records
            .iter()
            .any(|record| record.has_channel && usize::from(record.channel) >= channel_count)
        {
            return Err("evidence channel out of range");
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
    fn node_stats_stay_small() {
        // One per identifier: its size is a cost per identifier.
        assert_eq!(size_of::<NodeStats>(), 32);
    }

    #[test]
    fn single_events_keep_times_and_every_channel() {
        let mut evidence = Evidence::default();
        evidence.grow(1);
        let ts = |ms| Some(Timestamp::from_unix_millis(ms));
        evidence.record_single(0, None, Some(70));
        evidence.record_single(0, ts(9), Some(3));
        evidence.record_single(0, ts(-4), None);
        let stats = evidence.stats(0);
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
