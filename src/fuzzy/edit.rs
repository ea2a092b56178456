//! Whether two byte strings are exactly one edit apart, and which edit.
//!
//! The rules only ever ask "one edit or not?", which a single pass answers
//! without the allocation and the quadratic table of a full edit distance.
//! Tests check it against `strsim`'s Damerau-Levenshtein distance.

/// The one edit that turns one string into the other. Positions count bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edit {
    /// The byte at this position differs.
    Substitution(usize),
    /// The longer string has an extra byte at this position.
    Indel(usize),
    /// The bytes at this position and the next are swapped.
    Transposition(usize),
}

/// The single edit (substitution, insertion or deletion, or swap of two
/// adjacent bytes) between `a` and `b`, or `None` when they are equal or
/// further apart. Symmetric: the same answer for `(a, b)` and `(b, a)`.
pub(super) fn one_edit(a: &[u8], b: &[u8]) -> Option<Edit> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len() {
        let (rest_a, rest_b) = (a.get(prefix + 1..)?, b.get(prefix + 1..)?);
        if rest_a == rest_b {
            return Some(Edit::Substitution(prefix));
        }
        let swapped = a.get(prefix) == b.get(prefix + 1)
            && a.get(prefix + 1) == b.get(prefix)
            && a.get(prefix + 2..) == b.get(prefix + 2..);
        swapped.then_some(Edit::Transposition(prefix))
    } else {
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        if long.len() != short.len() + 1 {
            return None;
        }
        (long.get(prefix + 1..) == short.get(prefix..)).then_some(Edit::Indel(prefix))
    }
}

/// The bytes an edit between `a` and `b` touched (one or two of them), in a
/// form that does not depend on the argument order.
pub(super) fn touched(a: &[u8], b: &[u8], edit: Edit) -> [Option<u8>; 2] {
    match edit {
        Edit::Substitution(at) => [a.get(at).copied(), b.get(at).copied()],
        Edit::Indel(at) => {
            let long = if a.len() > b.len() { a } else { b };
            [long.get(at).copied(), None]
        }
        Edit::Transposition(at) => [a.get(at).copied(), a.get(at + 1).copied()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_edit() {
        assert_eq!(one_edit(b"gmail", b"gmail"), None);
        assert_eq!(one_edit(b"gmail", b"gnail"), Some(Edit::Substitution(1)));
        assert_eq!(one_edit(b"gmail", b"gmial"), Some(Edit::Transposition(2)));
        assert_eq!(one_edit(b"gmail", b"gmai"), Some(Edit::Indel(4)));
        assert_eq!(one_edit(b"gmai", b"gmail"), Some(Edit::Indel(4)));
        assert_eq!(one_edit(b"", b"a"), Some(Edit::Indel(0)));
        assert_eq!(one_edit(b"ab", b"ba"), Some(Edit::Transposition(0)));
        assert_eq!(one_edit(b"gmail", b"gmx"), None);
        assert_eq!(one_edit(b"abc", b"cba"), None);
        assert_eq!(one_edit(b"", b""), None);
    }

    #[test]
    fn touched_bytes_do_not_depend_on_order() {
        for (a, b) in [("jan1", "jan"), ("jan1", "jan2"), ("ja1n", "jan1")] {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let mut there = touched(a, b, one_edit(a, b).unwrap());
            let mut back = touched(b, a, one_edit(b, a).unwrap());
            there.sort();
            back.sort();
            assert_eq!(there, back);
        }
    }
}
