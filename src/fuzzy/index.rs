//! The blocking index: per rule, which records have which blocking key.

use hashbrown::{HashMap, HashSet};

use super::BlockKey;

/// End of a posting list.
const NIL: u32 = u32::MAX;
/// A record's keys of one rule read at most this many postings per
/// comparison allowed: room to pass over candidates the caller skips,
/// without unbounded walks through large blocks.
const READS_PER_CAP: usize = 4;

/// The newest posting of a key, and how many it has.
#[derive(Clone, Copy)]
struct Head {
    first: u32,
    len: u32,
}

/// One record under one key: the record and the next (older) posting.
#[derive(Clone, Copy)]
struct Posting {
    id: u32,
    next: u32,
}

/// Per rule, the records under each blocking key, newest first.
///
/// Most keys hold a single record (an email's halves), so a key
/// costs one table slot (16 bytes: key and head) plus one posting (8
/// bytes), instead of a `Vec` per key. Postings of all keys share one arena
/// and link to the next older posting; removed postings are reused.
///
/// The tables use hashbrown's randomly seeded hasher, not the key itself,
/// because block keys hash values an outsider chooses; results never depend
/// on table order, since the index is only looked up, never iterated.
#[derive(Default)]
pub(crate) struct BlockIndex {
    heads: Vec<HashMap<BlockKey, Head>>,
    postings: Vec<Posting>,
    /// First free posting; free postings link through `next`.
    free: u32,
    free_count: usize,
}

impl BlockIndex {
    pub(crate) fn new(rules: usize) -> BlockIndex {
        BlockIndex {
            heads: (0..rules).map(|_| HashMap::new()).collect(),
            postings: Vec::new(),
            free: NIL,
            free_count: 0,
        }
    }

    /// How many postings are in use.
    pub(crate) fn postings(&self) -> usize {
        self.postings.len() - self.free_count
    }

    /// Files record `id` under each of `keys` (distinct) of `rule`. Returns
    /// `false` when the index is full (2^32 − 1 postings) and some keys were
    /// left out.
    pub(crate) fn insert(&mut self, rule: usize, id: u32, keys: &[BlockKey]) -> bool {
        let BlockIndex {
            heads,
            postings,
            free,
            free_count,
        } = self;
        let Some(heads) = heads.get_mut(rule) else {
            return false;
        };
        for key in keys {
            // A free posting, or room for one more.
            if *free == NIL && postings.len() >= NIL as usize {
                return false;
            }
            let head = heads.entry(*key).or_insert(Head { first: NIL, len: 0 });
            let posting = Posting {
                id,
                next: head.first,
            };
            let at = match postings.get_mut(*free as usize) {
                Some(slot) => {
                    let at = *free;
                    *free = slot.next;
                    *free_count -= 1;
                    *slot = posting;
                    at
                }
                None => {
                    // Below NIL: checked before the entry was made.
                    let Ok(at) = u32::try_from(postings.len()) else {
                        return false;
                    };
                    postings.push(posting);
                    at
                }
            };
            head.first = at;
            head.len = head.len.saturating_add(1);
        }
        true
    }

    /// Takes record `id` out from under each of `keys` of `rule`.
    pub(crate) fn remove(&mut self, rule: usize, id: u32, keys: &[BlockKey]) {
        let Some(heads) = self.heads.get_mut(rule) else {
            return;
        };
        for key in keys {
            let Some(head) = heads.get_mut(key) else {
                continue;
            };
            let mut previous = NIL;
            let mut at = head.first;
            while let Some(&posting) = self.postings.get(at as usize) {
                if posting.id == id {
                    match self.postings.get_mut(previous as usize) {
                        Some(before) => before.next = posting.next,
                        None => head.first = posting.next,
                    }
                    head.len = head.len.saturating_sub(1);
                    if let Some(freed) = self.postings.get_mut(at as usize) {
                        freed.next = self.free;
                    }
                    self.free = at;
                    self.free_count += 1;
                } else {
                    previous = at;
                }
                at = posting.next;
            }
            if head.first == NIL {
                heads.remove(key);
            }
        }
    }

    /// Appends to `out` the records under `keys` of `rule`, key by key and
    /// newest first within a key, each once (`seen` holds those already
    /// met) and only those `keep` accepts, until `out` holds `cap`. At most
    /// `cap` postings are read per key and `4 × cap` in all. Returns how
    /// many postings were left unread.
    pub(crate) fn gather(
        &self,
        rule: usize,
        keys: &[BlockKey],
        cap: usize,
        out: &mut Vec<u32>,
        seen: &mut HashSet<u32>,
        keep: &mut dyn FnMut(u32) -> bool,
    ) -> u64 {
        let Some(heads) = self.heads.get(rule) else {
            return 0;
        };
        let mut budget = cap.saturating_mul(READS_PER_CAP);
        let mut skipped = 0u64;
        for key in keys {
            let Some(head) = heads.get(key) else {
                continue;
            };
            let mut read = 0usize;
            let mut at = head.first;
            while let Some(posting) = self.postings.get(at as usize) {
                if out.len() >= cap || read >= cap || budget == 0 {
                    skipped += u64::from(head.len).saturating_sub(read as u64);
                    break;
                }
                read += 1;
                budget -= 1;
                at = posting.next;
                if seen.insert(posting.id) && keep(posting.id) {
                    out.push(posting.id);
                }
            }
        }
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u64) -> BlockKey {
        BlockKey::new(n.to_le_bytes())
    }

    fn gather(index: &BlockIndex, keys: &[BlockKey], cap: usize) -> (Vec<u32>, u64) {
        let mut out = Vec::new();
        let skipped = index.gather(0, keys, cap, &mut out, &mut HashSet::new(), &mut |_| true);
        (out, skipped)
    }

    #[test]
    fn newest_first_each_once() {
        let mut index = BlockIndex::new(1);
        index.insert(0, 1, &[key(1), key(2)]);
        index.insert(0, 2, &[key(1)]);
        index.insert(0, 3, &[key(2), key(3)]);
        assert_eq!(gather(&index, &[key(1), key(2)], 10), (vec![2, 1, 3], 0));
        assert_eq!(gather(&index, &[key(9)], 10), (vec![], 0));
        let mut out = Vec::new();
        index.gather(0, &[key(1)], 10, &mut out, &mut HashSet::new(), &mut |id| {
            id != 2
        });
        assert_eq!(out, [1]);
    }

    #[test]
    fn the_cap_bounds_candidates_and_counts_the_rest() {
        let mut index = BlockIndex::new(1);
        for id in 0..10 {
            index.insert(0, id, &[key(1)]);
        }
        assert_eq!(gather(&index, &[key(1)], 3), (vec![9, 8, 7], 7));
        assert_eq!(gather(&index, &[key(1), key(1)], 3), (vec![9, 8, 7], 17));
        // Skipped candidates do not count against the cap, but reads do.
        let mut out = Vec::new();
        let keep_odd = &mut |id: u32| id % 2 == 1;
        index.gather(0, &[key(1)], 3, &mut out, &mut HashSet::new(), keep_odd);
        assert_eq!(out, [9, 7]);
        let mut index = BlockIndex::new(1);
        for id in 0..100 {
            index.insert(0, id, &[key(u64::from(id % 10))]);
        }
        let keys: Vec<BlockKey> = (0..10).map(key).collect();
        let mut out = Vec::new();
        let skipped = index.gather(0, &keys, 2, &mut out, &mut HashSet::new(), &mut |_| false);
        assert!(out.is_empty());
        assert_eq!(skipped, 100 - 2 * READS_PER_CAP as u64);
    }

    #[test]
    fn removed_postings_are_unlinked_and_reused() {
        let mut index = BlockIndex::new(2);
        index.insert(0, 1, &[key(1)]);
        index.insert(0, 2, &[key(1)]);
        index.insert(0, 3, &[key(1)]);
        index.insert(1, 2, &[key(1)]);
        index.remove(0, 2, &[key(1)]);
        assert_eq!(gather(&index, &[key(1)], 10).0, [3, 1]);
        assert_eq!(index.postings(), 3);
        index.remove(0, 3, &[key(1)]);
        index.remove(0, 1, &[key(1)]);
        assert_eq!(gather(&index, &[key(1)], 10).0, Vec::<u32>::new());
        assert!(index.heads[0].is_empty());
        // Rule 1 kept its own posting.
        let mut out = Vec::new();
        index.gather(1, &[key(1)], 10, &mut out, &mut HashSet::new(), &mut |_| {
            true
        });
        assert_eq!(out, [2]);
        let before = index.postings.len();
        index.insert(0, 4, &[key(5), key(6)]);
        assert_eq!(index.postings.len(), before);
        assert_eq!(index.postings(), 3);
    }
}
