//! Fuzzy matching inside the resolver: each event becomes a match record
//! as it is linked; what the rules find merges profiles or waits for
//! review.

use crate::event::Event;
use crate::evidence::EventRecord;
use crate::fuzzy::{Decision, FuzzyConfig, MatchRecord, MatchStats, Matcher};
use crate::protect::Change;
use crate::protect::ReviewRecord;
use crate::resolver::{FORGOTTEN, MergeRecord, Pending, Resolver};

/// The resolver's fuzzy matching state.
pub(crate) struct FuzzyLinks {
    matcher: Matcher,
    /// Match record → the node its event was linked at.
    owners: Vec<u32>,
    /// The nodes of the identifiers each record holds, one record after the
    /// other (`ends` marks where each stops), so that `forget` finds the
    /// records that hold a forgotten value.
    nodes: Vec<u32>,
    ends: Vec<u32>,
    /// Pairs of profiles (their roots when suggested, smaller first)
    /// already sent to review, so that each later event of the same two
    /// people does not queue the same suggestion again.
    suggested: hashbrown::HashSet<(u32, u32)>,
}

impl std::fmt::Debug for FuzzyLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzyLinks")
            .field("records", &self.owners.len())
            .finish_non_exhaustive()
    }
}

impl FuzzyLinks {
    pub(crate) fn new(config: FuzzyConfig) -> Self {
        FuzzyLinks {
            matcher: Matcher::new(config),
            owners: Vec::new(),
            nodes: Vec::new(),
            ends: Vec::new(),
            suggested: hashbrown::HashSet::new(),
        }
    }

    /// Drops every record that holds `node`'s value.
    pub(crate) fn forget(&mut self, node: u32) {
        let mut start = 0;
        for (record, &end) in self.ends.iter().enumerate() {
            if self.nodes[start..end as usize].contains(&node) {
                self.matcher.remove(record as u32);
            }
            start = end as usize;
        }
    }
}

impl Resolver {
    /// The work fuzzy matching has done (comparisons, candidates cut off
    /// by the cap), or `None` when it is off.
    pub fn fuzzy_stats(&self) -> Option<MatchStats> {
        self.fuzzy.as_ref().map(|fuzzy| fuzzy.matcher.stats())
    }

    /// Matches `event`, just linked at `node`, against the earlier events:
    /// merges at `auto_merge` where no limit stops it, queues the rest for
    /// review. Generic and forgotten identifiers take no part.
    pub(crate) fn link_fuzzy(
        &mut self,
        event: &Event,
        node: u32,
        pending: &[Pending],
        values: &str,
        channel: Option<u16>,
        merges: &mut Vec<MergeRecord>,
    ) {
        let Some(mut fuzzy) = self.fuzzy.take() else {
            return;
        };
        let excluded = |resolver: &Resolver, node: u32| {
            resolver.generic.contains_key(&node) || resolver.nodes.kinds[node as usize] >= FORGOTTEN
        };
        // A generic or forgotten identifier matches nothing; past u32::MAX
        // records, nothing new is indexed.
        let id = u32::try_from(fuzzy.owners.len()).ok();
        let Some(id) = id.filter(|_| !excluded(self, node)) else {
            self.fuzzy = Some(fuzzy);
            return;
        };
        // Only what some rule reads: cookies and chat sessions, say, would
        // take memory for every record and never be looked at.
        let rules = fuzzy.matcher.config().rules();
        let mut record = MatchRecord::new();
        for pending in pending {
            let kind = event.identifiers()[pending.index as usize].kind();
            if !rules.iter().any(|rule| rule.reads_identifier(kind)) {
                continue;
            }
            let Some(at) = self.nodes.find_key(pending.key) else {
                continue;
            };
            if excluded(self, at) {
                continue;
            }
            record.push_identifier(kind, &values[pending.value.clone()]);
            fuzzy.nodes.push(at);
        }
        for (name, value) in event.attrs() {
            if rules.iter().any(|rule| rule.reads_attr(name)) {
                record.push_attr(name, value);
            }
        }
        let Ok(end) = u32::try_from(fuzzy.nodes.len()) else {
            // Past u32::MAX identifiers in records, nothing new is indexed.
            fuzzy
                .nodes
                .truncate(fuzzy.ends.last().map_or(0, |&end| end as usize));
            self.fuzzy = Some(fuzzy);
            return;
        };
        fuzzy.owners.push(node);
        fuzzy.ends.push(end);
        // Records of this event's own profile, or of identifiers taken out,
        // are passed over without using up the comparison cap: a person's
        // own earlier events would otherwise fill their blocks.
        let own_root = self.nodes.sets.find_root(node);
        let FuzzyLinks {
            matcher, owners, ..
        } = &mut fuzzy;
        let found = matcher.match_record_with(id, record, |_, candidate| {
            let owner = owners[candidate as usize];
            !excluded(self, owner) && self.nodes.sets.find_root(owner) != own_root
        });
        // Profiles met already for this event: the best match decides.
        let mut met: Vec<u32> = Vec::new();
        for found in found {
            // `keep` passed over excluded owners, and nothing is excluded
            // while this event is linked.
            let candidate = fuzzy.owners[found.candidate() as usize];
            let (root, other) = (self.nodes.sets.find(node), self.nodes.sets.find(candidate));
            if root == other || met.contains(&other) {
                continue;
            }
            met.push(other);
            let rule = fuzzy.matcher.rule_name(found.rule()).unwrap_or("custom");
            let room = self.evidence.as_ref().is_none_or(|e| e.room() >= 2);
            if found.decision() == Decision::AutoMerge && room && self.limits_allow(root, other) {
                let made = self.join_profiles(root, other, None, event.id(), candidate);
                if let Some(evidence) = &mut self.evidence {
                    let record = EventRecord {
                        event: event.id(),
                        channel,
                        ts: event.ts(),
                    };
                    evidence.record_fuzzy(node, candidate, record, rule, found.score());
                }
                for merge in &made {
                    self.log(Change::Merged(merge.clone()));
                }
                merges.extend(made);
            } else if fuzzy.suggested.insert((root.min(other), root.max(other))) {
                self.review.push(ReviewRecord {
                    event: event.id().to_owned(),
                    kept: node,
                    held: candidate,
                    kind: 0,
                    limit: 0,
                    ts: event.ts(),
                    channel,
                    fuzzy: Some((rule.to_owned(), found.score().get().to_bits())),
                });
            }
        }
        self.fuzzy = Some(fuzzy);
    }
}
