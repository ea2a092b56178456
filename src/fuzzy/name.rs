//! Name plus place: the same person's name, spelled a little differently, at
//! the same postcode or in the same city.

use crate::identifier::IdentifierKind;

use super::fold::MAX_NAME_TOKENS;
use super::record::{CITY, MatchRecord, NAME, POSTCODE};
use super::{BlockHasher, BlockKey, MatchRule, Score};

/// Names at least this alike back up other evidence ([`PhoneSlip`](super::PhoneSlip),
/// [`EmailTypo`](super::EmailTypo)).
pub(super) const NAME_AGREES: f64 = 0.92;

/// Whether attribute `name` is one of those a person is compared by:
/// `name`, `city` and `postcode`.
pub(super) fn is_person_attr(name: &str) -> bool {
    name == NAME || name == CITY || name == POSTCODE
}

/// Whether `a` and `b` have names alike and agree on the place: the
/// backing that lifts weak evidence of other rules.
pub(super) fn person_agrees(a: &MatchRecord, b: &MatchRecord) -> bool {
    place(a, b).is_some() && name_similarity(a, b).is_some_and(|s| s >= NAME_AGREES)
}

/// The highest score a name gets: a fuzzy match is never certain.
const MAX_NAME_SCORE: f64 = 0.99;
/// A city is a weaker place than a postcode: many people of one name live in
/// one city, few at one postcode.
const CITY_FACTOR: f64 = 0.9;

/// Names that are alike, at the same postcode or in the same city.
///
/// Names are the `name` attribute folded (case, accents, `ü` → `ue`, `ß` →
/// `ss`), split into words, particles such as `de` and `van` dropped, and
/// sorted, so `de Vries, Jan` and `Jan de Vries` are the same name and
/// `Müller` and `Mueller` too. Both names need at least two words: a first
/// name and a city say little.
///
/// The name similarity *s* is the worst, over the words of both names, of a
/// word's best Jaro-Winkler similarity with a word of the other name: every
/// word must have a close partner. One typo in a long surname keeps *s*
/// above 0.95 (`vries`/`vris` 0.95); different surnames fall far below
/// (`vries`/`vos` 0.51), and so do first names of one family
/// (`anna`/`anne` 0.88).
///
/// The place must agree: the `postcode` attributes if both records have one
/// (different postcodes: no opinion, even in the same city), else the
/// `city` attributes, compared folded (`1234 AB` = `1234ab`, `Den Haag` =
/// `den haag`). The score is
/// - min(*s*, 0.99) at the same postcode: the same name at one postcode
///   reaches the default `auto_merge` (0.95), one typo in a long name too;
/// - 0.9 × min(*s*, 0.99) in the same city: at most 0.891, so a name and a
///   city alone are only ever suggested for review, never merged, because a
///   city has many people of one name.
///
/// Near-miss strangers stay below the thresholds: `Jan de Vries` and
/// `Jan de Vos` in one city score 0.46; the same name in different cities
/// gets no score.
///
/// Blocking: names are compared in a skeleton form here (doubled letters
/// single, the `e` of `ue`, `oe`, `ae` dropped), so `Jürgen Müller` and
/// `Jurgen Muller` block together.
/// - At a postcode, for each word of the name: the other words plus the
///   word's first letter, and the other words plus its last letter. Two
///   names that differ in one word by one edit share a key (for words of
///   three letters or more).
/// - In a city, the whole name: only names with equal skeletons are
///   compared. A city holds many people of one name and its matches are
///   only suggestions, so typos there are left alone rather than comparing
///   every `Jan V…` in Amsterdam. Two records that both have a postcode are
///   not compared by city (different postcodes disagree, equal ones meet
///   under the postcode keys).
///
/// So the blocking is narrower than the score: two names that differ in two
/// words at one postcode (`Johannes de Vries` and `Johannas de Vris`), or by a typo
/// in one city, can score above `suggest` when compared directly, but a
/// [`Matcher`](super::Matcher) never compares them. That is a choice of
/// recall for speed, made the same way whichever record comes first.
///
/// ```
/// use idstitch::fuzzy::{MatchRecord, MatchRule, NamePlace};
///
/// let rule = NamePlace::new();
/// let card = MatchRecord::new().with_attr("name", "Jürgen Müller").with_attr("postcode", "1234 AB");
/// let chat = MatchRecord::new().with_attr("name", "Mueller, Juergen").with_attr("postcode", "1234ab");
/// assert!(rule.score(&card, &chat).unwrap().get() >= 0.95);
///
/// let moved = MatchRecord::new().with_attr("name", "Jürgen Müller").with_attr("postcode", "9999 ZZ");
/// assert_eq!(rule.score(&card, &moved), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct NamePlace {
    _private: (),
}

impl NamePlace {
    /// The rule with its documented thresholds.
    pub fn new() -> Self {
        NamePlace::default()
    }
}

/// Where two records agree.
#[derive(Clone, Copy)]
enum Place {
    Postcode,
    City,
}

/// Where `a` and `b` agree: the same postcode, or the same city when not
/// both have a postcode. Different postcodes never agree.
fn place(a: &MatchRecord, b: &MatchRecord) -> Option<Place> {
    match (a.postcode(), b.postcode()) {
        (Some(x), Some(y)) => (x == y).then_some(Place::Postcode),
        _ => match (a.city(), b.city()) {
            (Some(x), Some(y)) if x == y => Some(Place::City),
            _ => None,
        },
    }
}

/// Jaro-Winkler of two folded words, with the arguments in a fixed order so
/// that the result is symmetric to the last bit.
fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    strsim::jaro_winkler(first, second)
}

/// How alike the names of `a` and `b` are: the worst best-partner
/// similarity of any word of either name. `None` unless both names have at
/// least two words.
pub(super) fn name_similarity(a: &MatchRecord, b: &MatchRecord) -> Option<f64> {
    if a.name_word_count() < 2 || b.name_word_count() < 2 {
        return None;
    }
    let mut worst = 1.0f64;
    let mut column_best = [0.0f64; MAX_NAME_TOKENS];
    for word_a in a.name_words() {
        let mut row_best = 0.0f64;
        for (slot, word_b) in column_best.iter_mut().zip(b.name_words()) {
            let similarity = word_similarity(word_a, word_b);
            row_best = row_best.max(similarity);
            *slot = slot.max(similarity);
        }
        worst = worst.min(row_best);
    }
    let columns = b.name_word_count().min(MAX_NAME_TOKENS);
    for best in column_best.iter().take(columns) {
        worst = worst.min(*best);
    }
    Some(worst)
}

impl MatchRule for NamePlace {
    fn name(&self) -> &str {
        "name_place"
    }

    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
        let factor = match place(a, b)? {
            Place::Postcode => 1.0,
            Place::City => CITY_FACTOR,
        };
        let similarity = name_similarity(a, b)?;
        Some(Score::clamped(similarity.min(MAX_NAME_SCORE) * factor))
    }

    fn reads_identifier(&self, _kind: &IdentifierKind) -> bool {
        false
    }

    fn reads_attr(&self, name: &str) -> bool {
        is_person_attr(name)
    }

    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        if record.name_word_count() < 2 {
            return;
        }
        let Some(postcode) = record.postcode() else {
            // Without a postcode, the city key works both ways.
            keys.extend(city_key(record, b'a'));
            return;
        };
        for (skip, word) in record.name_words().enumerate() {
            let (Some(first), Some(last)) = (word.chars().next(), word.chars().next_back()) else {
                continue;
            };
            for (end, letter) in [(b'<', first), (b'>', last)] {
                let mut hasher = BlockHasher::new();
                hasher.write(b"NP");
                hasher.write(postcode.as_bytes());
                for (i, other) in record.name_words().enumerate() {
                    if i != skip {
                        hasher.write(b" ");
                        skeleton(other, |c| write_char(&mut hasher, c));
                    }
                }
                hasher.write(&[b'|', end]);
                write_char(&mut hasher, letter);
                keys.push(hasher.finish());
            }
        }
    }

    fn one_way_keys(
        &self,
        record: &MatchRecord,
        index_only: &mut Vec<BlockKey>,
        query_only: &mut Vec<BlockKey>,
    ) {
        // Two families of city keys: every record with a city is filed
        // under the first, records without a postcode also under the
        // second. Records with a postcode look only in the second: two
        // different postcodes disagree however equal the city, and equal
        // ones meet under the postcode keys.
        let (Some(any), Some(no_postcode)) = (city_key(record, b'a'), city_key(record, b'n'))
        else {
            return;
        };
        if record.postcode().is_some() {
            index_only.push(any);
            query_only.push(no_postcode);
        } else {
            // `any` is a key both ways (`blocking_keys`).
            index_only.push(no_postcode);
        }
    }
}

/// The key of `record`'s city and whole name (as skeletons) in key family
/// `family`, if it has a city and a name of two words or more.
fn city_key(record: &MatchRecord, family: u8) -> Option<BlockKey> {
    let city = record.city().filter(|_| record.name_word_count() >= 2)?;
    let mut hasher = BlockHasher::new();
    hasher.write(&[b'N', b'C', family]);
    hasher.write(city.as_bytes());
    for word in record.name_words() {
        hasher.write(b" ");
        skeleton(word, |c| write_char(&mut hasher, c));
    }
    Some(hasher.finish())
}

fn write_char(hasher: &mut BlockHasher, c: char) {
    let mut utf8 = [0; 4];
    hasher.write(c.encode_utf8(&mut utf8).as_bytes());
}

/// Calls `emit` with the characters of a folded word's skeleton, for
/// blocking keys only: runs of one letter collapse to one, and an `e` after
/// `a`, `o` or `u` is dropped, so that the spellings a transliteration or a
/// doubled letter separates (`mueller`, `muller`, `muler`; `jansen`,
/// `janssen`) block together. The first character is always kept.
fn skeleton(word: &str, mut emit: impl FnMut(char)) {
    let mut previous = None;
    for c in word.chars() {
        let umlaut_e = c == 'e' && matches!(previous, Some('a' | 'o' | 'u'));
        if Some(c) != previous && !umlaut_e {
            emit(c);
        }
        previous = Some(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzy::keys_meet;

    fn person(name: &str, city: &str, postcode: &str) -> MatchRecord {
        let mut record = MatchRecord::new().with_attr("name", name);
        if !city.is_empty() {
            record = record.with_attr("city", city);
        }
        if !postcode.is_empty() {
            record = record.with_attr("postcode", postcode);
        }
        record
    }

    fn score(a: &MatchRecord, b: &MatchRecord) -> Option<f64> {
        let there = NamePlace::new().score(a, b);
        assert_eq!(there, NamePlace::new().score(b, a), "asymmetric");
        there.map(Score::get)
    }

    fn share_key(a: &MatchRecord, b: &MatchRecord) -> bool {
        keys_meet(&NamePlace::new(), a, b)
    }

    const AUTO: f64 = 0.95;
    const SUGGEST: f64 = 0.80;

    #[test]
    fn same_person_spelled_differently_at_one_postcode() {
        let pairs = [
            ("Jan de Vries", "de Vries, Jan"),
            ("Jan de Vries", "JAN DE VRIES"),
            ("Jan de Vries", "Jan Vries"),
            ("Jürgen Müller", "Juergen Mueller"),
            ("Heinz Großmann", "Heinz Grossmann"),
            ("Zoë Saldaña", "Zoe Saldana"),
            ("José García", "Jose Garcia"),
            ("Jan van der Berg", "Jan v.d. Berg"),
            ("Aino Virtanen", "Virtanen Aino"),
            ("Jan de Vries", "Jan de Vris"),
            ("Pieter Jansen", "Pieter Janssen"),
            ("Katarzyna Kowalska", "Katarzyna Kowalksa"),
        ];
        for (a, b) in pairs {
            let (a, b) = (person(a, "", "1234 AB"), person(b, "", "1234ab"));
            let s = score(&a, &b).unwrap();
            assert!(s >= AUTO, "{a:?} {b:?}: {s}");
            assert!(share_key(&a, &b), "no shared key");
        }
    }

    #[test]
    fn transliteration_without_umlaut_is_close() {
        let (a, b) = (
            person("Jürgen Müller", "Berlin", ""),
            person("Jurgen Muller", "berlin", ""),
        );
        let s = score(&a, &b).unwrap();
        assert!((SUGGEST..AUTO).contains(&s), "{s}");
        assert!(share_key(&a, &b));
    }

    #[test]
    fn name_and_city_are_suggested_not_merged() {
        let s = score(
            &person("Jan de Vries", "Amsterdam", ""),
            &person("Jan de Vries", " amsterdam", ""),
        )
        .unwrap();
        assert!((SUGGEST..AUTO).contains(&s), "{s}");
    }

    #[test]
    fn near_miss_strangers_stay_below_auto_merge() {
        let same_city = [
            ("Jan de Vries", "Jan de Vos"),
            ("Jan Jansen", "Jaap Jansen"),
            ("Anna de Vries", "Anne de Vries"),
            ("Jan Bakker", "Jan Bakkers"),
            ("Piet Visser", "Piet Vissers"),
            ("Mohammed El Amrani", "Mohamed El Amrani"),
        ];
        for (a, b) in same_city {
            let s = score(&person(a, "Utrecht", ""), &person(b, "Utrecht", "")).unwrap();
            assert!(s < AUTO, "{a} / {b}: {s}");
        }
        for (a, b) in [
            ("Jan de Vries", "Jan de Vos"),
            ("Jan Jansen", "Jaap Jansen"),
        ] {
            let s = score(&person(a, "", "1234AB"), &person(b, "", "1234AB")).unwrap();
            assert!(s < SUGGEST, "{a} / {b}: {s}");
        }
        let s = score(
            &person("Anna de Vries", "", "1234AB"),
            &person("Anne de Vries", "", "1234AB"),
        )
        .unwrap();
        assert!(s < AUTO, "family members at one address: {s}");
    }

    #[test]
    fn place_must_agree() {
        let a = person("Jan de Vries", "Utrecht", "3511 AB");
        assert_eq!(score(&a, &person("Jan de Vries", "Amsterdam", "")), None);
        assert_eq!(
            score(&a, &person("Jan de Vries", "Utrecht", "3512 CD")),
            None
        );
        assert_eq!(score(&a, &person("Jan de Vries", "", "")), None);
        assert!(score(&a, &person("Jan de Vries", "Utrecht", "")).is_some());
        assert_eq!(score(&a, &MatchRecord::new()), None);
    }

    #[test]
    fn single_words_say_too_little() {
        assert_eq!(
            score(&person("Jan", "Utrecht", ""), &person("Jan", "Utrecht", "")),
            None
        );
        let mut keys = Vec::new();
        NamePlace::new().blocking_keys(&person("Madonna", "Utrecht", "1234AB"), &mut keys);
        assert!(keys.is_empty());
    }

    #[test]
    fn blocking_is_narrower_than_the_score_as_documented() {
        let at = |name: &str| {
            MatchRecord::new()
                .with_attr("name", name)
                .with_attr("postcode", "1234 AB")
        };
        let (a, b) = (at("Johannes de Vries"), at("Johannas de Vris"));
        assert!(
            score(&a, &b).is_some_and(|s| s >= SUGGEST),
            "{:?}",
            score(&a, &b)
        );
        assert!(!share_key(&a, &b));
    }

    #[test]
    fn keys_per_word_and_place() {
        let (mut keys, mut index_only, mut query_only) = (Vec::new(), Vec::new(), Vec::new());
        let record = person("Jan de Vries", "Utrecht", "1234AB");
        NamePlace::new().blocking_keys(&record, &mut keys);
        NamePlace::new().one_way_keys(&record, &mut index_only, &mut query_only);
        // Two words, two letters each at the postcode; one city key each way.
        assert_eq!((keys.len(), index_only.len(), query_only.len()), (4, 1, 1));
        // Same name and city, different postcodes: never compared.
        let (home, moved) = (
            person("Jan de Vries", "Utrecht", "1234AB"),
            person("Jan de Vries", "Utrecht", "5678CD"),
        );
        assert!(!share_key(&home, &moved));
        // A postcode on one side only: compared by city.
        assert!(share_key(&home, &person("Jan de Vries", "Utrecht", "")));
        assert!(share_key(
            &person("Jan de Vries", "Utrecht", ""),
            &person("Jan de Vries", "utrecht", "")
        ));
        let strangers = (
            person("Jan de Vries", "Utrecht", ""),
            person("Piet Bakker", "Utrecht", ""),
        );
        assert!(!share_key(&strangers.0, &strangers.1));
    }
}
