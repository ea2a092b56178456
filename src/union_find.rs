//! A growable union-find over dense `u32` node indices that can also list the
//! members of a set.
//!
//! Indices never leave the crate: users see profile ids and identifier keys.

use serde::{Deserialize, Serialize};

/// Disjoint sets with union by rank and path halving.
///
/// `parent` and `rank` are separate vectors so that `find`, the hot loop,
/// touches only `parent`. `rank` is a `u8`: with union by rank it never
/// exceeds log2(2^32) = 32. `next` links every set's members into a circle
/// (two circles merge by swapping one successor each), so a set can be
/// listed in time proportional to its size without an index of members.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    rank: Vec<u8>,
    next: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn len(&self) -> usize {
        self.parent.len()
    }

    /// Adds a singleton set and returns its node. The caller keeps the count
    /// below `u32::MAX`.
    pub(crate) fn push(&mut self) -> u32 {
        let node = self.parent.len() as u32;
        self.parent.push(node);
        self.rank.push(0);
        self.next.push(node);
        node
    }

    /// The root of `node`'s set, halving the path on the way.
    pub(crate) fn find(&mut self, mut node: u32) -> u32 {
        loop {
            let parent = self.parent[node as usize];
            if parent == node {
                return node;
            }
            let grandparent = self.parent[parent as usize];
            self.parent[node as usize] = grandparent;
            node = grandparent;
        }
    }

    /// The root of `node`'s set without compressing: for readers behind a
    /// shared reference. Union by rank bounds the path at 32 steps.
    pub(crate) fn find_root(&self, mut node: u32) -> u32 {
        loop {
            let parent = self.parent[node as usize];
            if parent == node {
                return node;
            }
            node = parent;
        }
    }

    /// Joins the sets of `a` and `b`; returns whether they were separate.
    /// (The resolver links roots it has already found, with `link_roots`.)
    #[cfg(any(test, feature = "bench-internals"))]
    pub(crate) fn union(&mut self, a: u32, b: u32) -> bool {
        let (root_a, root_b) = (self.find(a), self.find(b));
        if root_a == root_b {
            return false;
        }
        self.link_roots(root_a, root_b);
        true
    }

    /// Joins two distinct roots; returns the root of the joined set.
    pub(crate) fn link_roots(&mut self, root_a: u32, root_b: u32) -> u32 {
        debug_assert_ne!(root_a, root_b);
        let (a, b) = (root_a as usize, root_b as usize);
        self.next.swap(a, b);
        let (new_root, child) = match self.rank[a].cmp(&self.rank[b]) {
            std::cmp::Ordering::Less => (root_b, root_a),
            std::cmp::Ordering::Greater => (root_a, root_b),
            std::cmp::Ordering::Equal => {
                self.rank[a] += 1;
                (root_a, root_b)
            }
        };
        self.parent[child as usize] = new_root;
        new_root
    }

    /// Makes each of `nodes` a singleton again. `nodes` must be whole sets
    /// (every member of every set it touches), or other members would keep
    /// pointing into them.
    pub(crate) fn isolate(&mut self, nodes: &[u32]) {
        for &node in nodes {
            let i = node as usize;
            self.parent[i] = node;
            self.rank[i] = 0;
            self.next[i] = node;
        }
    }

    /// Every member of `node`'s set, `node` first.
    pub(crate) fn members(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let mut current = Some(node);
        std::iter::from_fn(move || {
            let this = current?;
            let following = self.next[this as usize];
            current = (following != node).then_some(following);
            Some(this)
        })
    }

    /// Checks the invariants a decoded snapshot must hold before it is
    /// trusted: equal lengths, indices in range, parent chains that end in a
    /// root without cycles, and member circles that agree with the roots.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let len = self.parent.len();
        if self.rank.len() != len || self.next.len() != len {
            return Err("union-find vectors differ in length");
        }
        if len > u32::MAX as usize {
            return Err("too many nodes");
        }
        if self
            .parent
            .iter()
            .chain(&self.next)
            .any(|&i| i as usize >= len)
        {
            return Err("union-find index out of range");
        }
        if self.rank.iter().any(|&rank| rank > 32) {
            return Err("union-find rank out of range");
        }
        // A chain longer than 64 steps cannot come from union by rank; this
        // also rules out cycles.
        let mut roots = vec![u32::MAX; len];
        for node in 0..len as u32 {
            let mut current = node;
            let mut steps = 0;
            while self.parent[current as usize] != current {
                current = self.parent[current as usize];
                steps += 1;
                if steps > 64 {
                    return Err("union-find parent chain too long or cyclic");
                }
            }
            roots[node as usize] = current;
        }
        // `next` must be a permutation whose cycles are exactly the sets.
        let mut seen = vec![false; len];
        for &successor in &self.next {
            if std::mem::replace(&mut seen[successor as usize], true) {
                return Err("member list is not a permutation");
            }
        }
        for node in 0..len {
            if roots[self.next[node] as usize] != roots[node] {
                return Err("member list crosses sets");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn union_reports_whether_it_merged() {
        let mut sets = UnionFind::default();
        let (a, b, c) = (sets.push(), sets.push(), sets.push());
        assert!(sets.union(a, b));
        assert!(!sets.union(b, a));
        assert_eq!(sets.find(a), sets.find(b));
        assert_ne!(sets.find(a), sets.find(c));
        let mut members: Vec<u32> = sets.members(b).collect();
        members.sort_unstable();
        assert_eq!(members, vec![a, b]);
        assert_eq!(sets.members(c).collect::<Vec<_>>(), vec![c]);
        assert_eq!(sets.validate(), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Against a naive oracle: a label per node, relabelled on union.
        #[test]
        fn matches_relabelling_oracle(
            n in 1_usize..60,
            unions in proptest::collection::vec((0_usize..60, 0_usize..60), 0..120),
        ) {
            let mut sets = UnionFind::default();
            for _ in 0..n { sets.push(); }
            let mut label: Vec<usize> = (0..n).collect();
            for (a, b) in unions {
                let (a, b) = (a % n, b % n);
                let separate = label[a] != label[b];
                prop_assert_eq!(sets.union(a as u32, b as u32), separate);
                let (from, to) = (label[b], label[a]);
                for l in &mut label { if *l == from { *l = to; } }
            }
            for x in 0..n {
                let mut members: Vec<usize> = sets.members(x as u32).map(|m| m as usize).collect();
                members.sort_unstable();
                let expected: Vec<usize> = (0..n).filter(|&y| label[y] == label[x]).collect();
                prop_assert_eq!(members, expected);
                prop_assert_eq!(sets.find_root(x as u32), sets.clone().find(x as u32));
            }
            prop_assert_eq!(sets.validate(), Ok(()));
        }
    }
}
