//! Incremental matching: each new record against the earlier ones.

use std::fmt;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};

use super::index::BlockIndex;
use super::record::MatchRecord;
use super::{BlockKey, FuzzyConfig, MAX_KEYS_PER_RECORD, MatchRule, Score};

/// What a fuzzy match leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Decision {
    /// The score reached `auto_merge`: link the two.
    AutoMerge,
    /// The score reached `suggest` but not `auto_merge`: ask a person.
    Suggest,
}

/// A record found to match a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuzzyMatch {
    candidate: u32,
    rule: usize,
    score: Score,
    decision: Decision,
}

impl FuzzyMatch {
    /// The id of the earlier record, as given to [`Matcher::match_record`].
    pub fn candidate(&self) -> u32 {
        self.candidate
    }

    /// The index of the rule that gave the score, in
    /// [`FuzzyConfig::rules`]; [`Matcher::rule_name`] names it.
    pub fn rule(&self) -> usize {
        self.rule
    }

    /// The score: the best any rule gave this candidate.
    pub fn score(&self) -> Score {
        self.score
    }

    /// What the score leads to.
    pub fn decision(&self) -> Decision {
        self.decision
    }
}

/// Counters of a [`Matcher`]'s work since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchStats {
    /// Records matched.
    pub records: u64,
    /// Comparisons made: calls of [`MatchRule::score`].
    pub comparisons: u64,
    /// The most comparisons made for one record; never above the cap.
    pub most_comparisons: u32,
    /// Candidates left uncompared because of the cap: postings left unread
    /// in large blocks, plus candidates found but not compared. An upper
    /// bound, since a record under several keys may be counted for each.
    pub skipped: u64,
    /// Records for which the cap left some candidates uncompared.
    pub capped: u64,
    /// Records held in the index now.
    pub indexed: usize,
    /// Postings (record under key) in the index now.
    pub postings: usize,
}

/// Matches each new record against the earlier ones, as events arrive.
///
/// [`match_record`](Matcher::match_record) finds the earlier records that
/// share a blocking key with the new one, compares at most
/// [`FuzzyConfig::max_comparisons`] of them, and then keeps the new record
/// for later ones. Records are known by ids of the caller's choosing (an
/// event index, a profile slot).
///
/// Results are deterministic: the same calls in the same order give the
/// same matches, in the same order, on every run.
///
/// The matcher keeps the records it indexed, values included; see the
/// [module documentation](super#privacy). A record without any blocking key
/// is not kept, since no rule would ever compare it.
///
/// ```
/// use idstitch::IdentifierKind;
/// use idstitch::fuzzy::{Decision, FuzzyConfig, MatchRecord, Matcher};
///
/// let mut matcher = Matcher::new(FuzzyConfig::default());
/// let card = MatchRecord::new()
///     .with_identifier(IdentifierKind::Phone, "+31612345678")
///     .with_attr("name", "Jan de Vries")
///     .with_attr("postcode", "3511 AB");
/// matcher.match_record(7, card);
///
/// let chat = MatchRecord::new()
///     .with_identifier(IdentifierKind::Phone, "+31612345687")
///     .with_attr("name", "de Vries, Jan")
///     .with_attr("postcode", "3511ab");
/// let found = matcher.match_record(8, chat);
/// // Both the phone slip and the name at the postcode point at record 7;
/// // the better score counts.
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].candidate(), found[0].decision()), (7, Decision::AutoMerge));
/// assert_eq!(matcher.rule_name(found[0].rule()), Some("name_place"));
///
/// let stats = matcher.stats();
/// assert_eq!((stats.records, stats.indexed), (2, 2));
/// assert!(stats.most_comparisons <= 64);
/// assert!(matcher.remove(7));
/// ```
pub struct Matcher {
    config: FuzzyConfig,
    index: BlockIndex,
    records: Records,
    stats: MatchStats,
    scratch: Scratch,
}

/// The records kept, by id: packed in a vector, with a small map from id
/// to place. A map holding the records themselves would move every record
/// (about 100 bytes each, plus its values) each time it grew; this one
/// moves 8-byte entries, and the vector grows in place.
#[derive(Default)]
struct Records {
    slots: HashMap<u32, u32>,
    /// Each record with its id, which `remove` needs to fix the slot of
    /// the record it moves into the gap.
    kept: Vec<(u32, MatchRecord)>,
}

impl Records {
    fn len(&self) -> usize {
        self.kept.len()
    }

    fn get(&self, id: u32) -> Option<&MatchRecord> {
        let slot = *self.slots.get(&id)?;
        self.kept.get(slot as usize).map(|(_, record)| record)
    }

    /// Keeps `record` as `id`, which must not be kept already; returns
    /// `false` (and keeps nothing) past `u32::MAX` records.
    fn insert(&mut self, id: u32, record: MatchRecord) -> bool {
        let Ok(slot) = u32::try_from(self.kept.len()) else {
            return false;
        };
        self.slots.insert(id, slot);
        self.kept.push((id, record));
        true
    }

    fn remove(&mut self, id: u32) -> Option<MatchRecord> {
        let slot = self.slots.remove(&id)? as usize;
        if slot >= self.kept.len() {
            return None;
        }
        let (_, record) = self.kept.swap_remove(slot);
        if let Some((moved, _)) = self.kept.get(slot) {
            // The last record now fills the gap; `slot` came from a u32.
            self.slots.insert(*moved, slot as u32);
        }
        Some(record)
    }
}

/// Buffers reused from record to record, so that matching allocates only
/// for what it returns.
#[derive(Default)]
struct Scratch {
    /// What a rule gives: keys both ways, index-only and query-only keys.
    both: Vec<BlockKey>,
    index_only: Vec<BlockKey>,
    query_only: Vec<BlockKey>,
    /// The current record's keys, per rule: those it is filed under, and
    /// those it looks under.
    index_keys: Vec<Vec<BlockKey>>,
    query_keys: Vec<Vec<BlockKey>>,
    distinct: HashSet<BlockKey>,
    /// Candidates per rule.
    candidates: Vec<Vec<u32>>,
    seen: HashSet<u32>,
    /// (candidate, score, rule) of each comparison that gave a score.
    scored: Vec<(u32, Score, usize)>,
}

/// Fills `out` with the distinct `keys`, in order, at most
/// [`MAX_KEYS_PER_RECORD`] of them.
fn distinct<'a>(
    keys: impl Iterator<Item = &'a BlockKey>,
    out: &mut Vec<BlockKey>,
    seen: &mut HashSet<BlockKey>,
) {
    out.clear();
    // Rules give a few keys per record: a scan of those kept so far is
    // cheaper than hashing, up to a length where the set wins.
    const SCAN: usize = 32;
    let mut keys = keys.take(MAX_KEYS_PER_RECORD).copied();
    for key in keys.by_ref() {
        if !out.contains(&key) {
            out.push(key);
            if out.len() == SCAN {
                break;
            }
        }
    }
    if out.len() == SCAN {
        seen.clear();
        seen.extend(out.iter().copied());
        out.extend(keys.filter(|key| seen.insert(*key)));
    }
}

impl Scratch {
    /// Fills `index_keys[r]` and `query_keys[r]` with the keys rule `r`
    /// gives `record`. Returns whether the record is filed under any key.
    fn keys_of(&mut self, rules: &[Arc<dyn MatchRule>], record: &MatchRecord) -> bool {
        self.index_keys.resize_with(rules.len(), Vec::new);
        self.query_keys.resize_with(rules.len(), Vec::new);
        let mut any = false;
        let lists = self.index_keys.iter_mut().zip(&mut self.query_keys);
        for (rule, (index, query)) in rules.iter().zip(lists) {
            self.both.clear();
            self.index_only.clear();
            self.query_only.clear();
            rule.blocking_keys(record, &mut self.both);
            rule.one_way_keys(record, &mut self.index_only, &mut self.query_only);
            let filed = self.both.iter().chain(&self.index_only);
            distinct(filed, index, &mut self.distinct);
            if self.index_only.is_empty() && self.query_only.is_empty() {
                // The usual case: the same keys both ways.
                query.clone_from(index);
            } else {
                let looked = self.both.iter().chain(&self.query_only);
                distinct(looked, query, &mut self.distinct);
            }
            any |= !index.is_empty();
        }
        any
    }
}

impl Matcher {
    /// A matcher with `config` and no records yet.
    pub fn new(config: FuzzyConfig) -> Matcher {
        Matcher {
            index: BlockIndex::new(config.rules.len()),
            records: Records::default(),
            stats: MatchStats::default(),
            scratch: Scratch::default(),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FuzzyConfig {
        &self.config
    }

    /// The name of rule `rule` (an index from [`FuzzyMatch::rule`]).
    pub fn rule_name(&self, rule: usize) -> Option<&str> {
        self.config.rules.get(rule).map(|rule| rule.name())
    }

    /// Matches `record` against the records indexed so far, then indexes it
    /// as `id` (replacing a record indexed earlier under the same id, which is
    /// never its own candidate).
    ///
    /// Returns the candidates that scored at least `suggest`, each once with
    /// its best score (on a tie, the earlier rule's), best first, and by
    /// ascending id among equal scores. Rules are called with the new record
    /// first.
    pub fn match_record(&mut self, id: u32, record: MatchRecord) -> Vec<FuzzyMatch> {
        self.match_record_with(id, record, |_, _| true)
    }

    /// [`Matcher::match_record`] that compares only the candidates for which
    /// `keep(rule, candidate)` is true: the others (records of the new
    /// record's own profile, say) are passed over without counting against
    /// the cap. `keep` is called at most once per rule and candidate, in a
    /// deterministic order.
    pub(crate) fn match_record_with(
        &mut self,
        id: u32,
        record: MatchRecord,
        keep: impl FnMut(usize, u32) -> bool,
    ) -> Vec<FuzzyMatch> {
        if self.config.comparison_cap() == 0 {
            // Matching is off: nothing to compare, so nothing is kept.
            return Vec::new();
        }
        let any = self.scratch.keys_of(&self.config.rules, &record);
        let found = self.find_by_keys(Some(id), &record, keep);
        self.insert_by_keys(id, record, any);
        found
    }

    /// Forgets record `id`: it is no longer a candidate, and its values are
    /// dropped. Returns whether it was indexed.
    pub fn remove(&mut self, id: u32) -> bool {
        let Some(record) = self.records.remove(id) else {
            return false;
        };
        // Its own buffers: `insert_by_keys` removes while the new record's
        // keys are in `index_keys`.
        let (mut both, mut index_only, mut query_only) = (Vec::new(), Vec::new(), Vec::new());
        let mut keys = Vec::new();
        for (at, rule) in self.config.rules.iter().enumerate() {
            both.clear();
            index_only.clear();
            query_only.clear();
            rule.blocking_keys(&record, &mut both);
            rule.one_way_keys(&record, &mut index_only, &mut query_only);
            let filed = both.iter().chain(&index_only);
            distinct(filed, &mut keys, &mut self.scratch.distinct);
            self.index.remove(at, id, &keys);
        }
        true
    }

    /// The work done so far.
    pub fn stats(&self) -> MatchStats {
        MatchStats {
            indexed: self.records.len(),
            postings: self.index.postings(),
            ..self.stats
        }
    }

    /// Indexes `record` as `id`, replacing an earlier record of that id.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, id: u32, record: MatchRecord) {
        let any = self.scratch.keys_of(&self.config.rules, &record);
        self.insert_by_keys(id, record, any);
    }

    /// The matches of `record` among the indexed records other than
    /// `exclude`, without indexing it.
    #[cfg(test)]
    pub(crate) fn find(&mut self, exclude: Option<u32>, record: &MatchRecord) -> Vec<FuzzyMatch> {
        self.scratch.keys_of(&self.config.rules, record);
        self.find_by_keys(exclude, record, |_, _| true)
    }

    /// [`Matcher::insert`] with the record's keys in the scratch buffers.
    fn insert_by_keys(&mut self, id: u32, mut record: MatchRecord, any: bool) {
        self.remove(id);
        if !any {
            // No rule would ever compare it.
            return;
        }
        record.shrink_to_fit();
        if self.records.insert(id, record) {
            for (rule, keys) in self.scratch.index_keys.iter().enumerate() {
                self.index.insert(rule, id, keys);
            }
        }
    }

    /// [`Matcher::find`] with the record's keys in the scratch buffers.
    fn find_by_keys(
        &mut self,
        exclude: Option<u32>,
        record: &MatchRecord,
        mut keep: impl FnMut(usize, u32) -> bool,
    ) -> Vec<FuzzyMatch> {
        let cap = self.config.max_comparisons as usize;
        let rules = &self.config.rules;
        let scratch = &mut self.scratch;
        scratch.candidates.resize_with(rules.len(), Vec::new);
        let mut skipped = 0u64;
        let mut found = 0usize;
        let lists = scratch.query_keys.iter().zip(&mut scratch.candidates);
        for (rule, (keys, candidates)) in lists.enumerate() {
            candidates.clear();
            scratch.seen.clear();
            let keep = &mut |candidate| Some(candidate) != exclude && keep(rule, candidate);
            skipped += self
                .index
                .gather(rule, keys, cap, candidates, &mut scratch.seen, keep);
            found += candidates.len();
        }

        // Share the cap out among the rules in turn: each rule's first
        // candidate, then each rule's second, …
        scratch.scored.clear();
        let mut compared = 0usize;
        let rounds = scratch.candidates.iter().map(Vec::len).max().unwrap_or(0);
        'rounds: for round in 0..rounds {
            for (at, rule) in rules.iter().enumerate() {
                let Some(&candidate) = scratch.candidates.get(at).and_then(|c| c.get(round)) else {
                    continue;
                };
                if compared == cap {
                    break 'rounds;
                }
                let Some(other) = self.records.get(candidate) else {
                    continue;
                };
                compared += 1;
                if let Some(score) = rule.score(record, other) {
                    scratch.scored.push((candidate, score, at));
                }
            }
        }
        skipped += found.saturating_sub(compared) as u64;

        // Best score per candidate, the earlier rule on a tie.
        scratch
            .scored
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        scratch.scored.dedup_by_key(|scored| scored.0);
        let mut matches: Vec<FuzzyMatch> = scratch
            .scored
            .iter()
            .filter_map(|&(candidate, score, rule)| {
                let decision = self.config.decide(score)?;
                Some(FuzzyMatch {
                    candidate,
                    rule,
                    score,
                    decision,
                })
            })
            .collect();
        matches.sort_unstable_by(|a, b| b.score.cmp(&a.score).then(a.candidate.cmp(&b.candidate)));

        let stats = &mut self.stats;
        stats.records += 1;
        stats.comparisons += compared as u64;
        stats.most_comparisons = stats
            .most_comparisons
            .max(u32::try_from(compared).unwrap_or(u32::MAX));
        if skipped > 0 {
            stats.skipped += skipped;
            stats.capped += 1;
        }
        matches
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_found_when_others_move_into_a_gap() {
        let named = |name: &str| MatchRecord::new().with_attr("name", name);
        let mut records = Records::default();
        for (id, name) in [(5, "a"), (9, "b"), (2, "c")] {
            assert!(records.insert(id, named(name)));
        }
        // Removing the first moves the last into its place.
        assert_eq!(
            records
                .remove(5)
                .and_then(|r| r.attr("name").map(str::to_owned)),
            Some("a".into())
        );
        assert!(records.remove(5).is_none());
        assert_eq!(records.len(), 2);
        let name = |records: &Records, id| {
            records
                .get(id)
                .and_then(|r| r.attr("name"))
                .map(str::to_owned)
        };
        assert_eq!(
            (name(&records, 9), name(&records, 2)),
            (Some("b".into()), Some("c".into()))
        );
        assert!(records.insert(5, named("d")));
        assert!(records.remove(2).is_some());
        assert_eq!(
            (name(&records, 9), name(&records, 5), name(&records, 2)),
            (Some("b".into()), Some("d".into()), None)
        );
    }

    #[test]
    fn distinct_keys_keep_their_order_in_short_and_long_lists() {
        let key = |n: u64| BlockKey::new(n.to_le_bytes());
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for kinds in [3u64, 32, 33, 40] {
            let keys: Vec<BlockKey> = (0..100).map(|n| key(n % kinds)).collect();
            distinct(keys.iter(), &mut out, &mut seen);
            assert_eq!(out, keys[..kinds as usize], "{kinds} kinds");
        }
        // At most the first MAX_KEYS_PER_RECORD keys count.
        let keys: Vec<BlockKey> = (0..300).map(key).collect();
        distinct(keys.iter(), &mut out, &mut seen);
        assert_eq!(out, keys[..MAX_KEYS_PER_RECORD]);
    }
}
