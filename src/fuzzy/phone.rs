//! Phone digit slip: two adjacent digits swapped, confirmed by a second
//! attribute.

use crate::identifier::IdentifierKind;
use crate::normalize::country_code_len;

use super::edit::{Edit, one_edit};
use super::name::{NAME_AGREES, name_similarity};
use super::record::{MatchRecord, NAME, POSTCODE};
use super::{BlockHasher, BlockKey, MatchRule, Score};

/// Most digits in an E.164 number.
const MAX_DIGITS: usize = 15;

/// Two phone numbers with the same country code whose national numbers
/// differ by one swap of two adjacent digits (`+31 6 1234 5678` and
/// `+31 6 1243 5678`), when a second attribute agrees.
///
/// A swapped pair of digits alone is weak: among millions of numbers many
/// pairs differ by a swap. So the rule gives a score only with a second
/// agreeing attribute, and the score says which:
/// - an email or another phone number in common: 0.97 (a shared cookie or
///   loyalty card is too often a kiosk's or a family's to count);
/// - names alike, similarity at least 0.92 as [`NamePlace`](super::NamePlace)
///   computes it (two words or more on both sides): 0.95;
/// - the same postcode: 0.88 (suggested for review, not merged).
///
/// Otherwise, and for any other difference (two swaps, a changed digit, a
/// different country code, a swap across the country code), no opinion.
/// Numbers are read as E.164 (`+` and digits), as the normalizer writes them;
/// other values are ignored.
///
/// Blocking: two keys per number, each the country code and the national
/// number with its digits in pairs, each pair in ascending order: pairs from
/// the first digit, and pairs from the second. A swap of two adjacent digits
/// falls inside a pair of one of the two, which it leaves intact, so every
/// slipped pair shares a key, and numbers that are not a slip rarely do
/// (only those that differ by swaps inside pairs).
///
/// ```
/// use idstitch::IdentifierKind;
/// use idstitch::fuzzy::{MatchRecord, MatchRule, PhoneSlip};
///
/// let rule = PhoneSlip::new();
/// let till = MatchRecord::new()
///     .with_identifier(IdentifierKind::Phone, "+31612345678")
///     .with_attr("name", "Jan de Vries");
/// let call = MatchRecord::new()
///     .with_identifier(IdentifierKind::Phone, "+31612345768")
///     .with_attr("name", "Jan de Vries");
/// assert_eq!(rule.score(&till, &call).unwrap().get(), 0.95);
///
/// let stranger = MatchRecord::new()
///     .with_identifier(IdentifierKind::Phone, "+31612345768")
///     .with_attr("name", "Piet Bakker");
/// assert_eq!(rule.score(&till, &stranger), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PhoneSlip {
    _private: (),
}

impl PhoneSlip {
    /// The rule with its documented scores.
    pub fn new() -> Self {
        PhoneSlip::default()
    }
}

/// An E.164 number split into country code and national number, or `None`
/// for anything else.
fn split(value: &str) -> Option<(&[u8], &[u8])> {
    let digits = value.strip_prefix('+')?.as_bytes();
    if digits.len() > MAX_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let cc_len = country_code_len(digits).ok()?;
    let (cc, national) = digits.split_at_checked(cc_len)?;
    (national.len() >= 2).then_some((cc, national))
}

/// Whether some phone of `a` and some phone of `b` differ by one swap of
/// adjacent digits of the national number.
fn slipped(a: &MatchRecord, b: &MatchRecord) -> bool {
    a.values(&IdentifierKind::Phone)
        .filter_map(split)
        .any(|(cc_a, national_a)| {
            b.values(&IdentifierKind::Phone)
                .filter_map(split)
                .any(|(cc_b, national_b)| {
                    cc_a == cc_b
                        && matches!(
                            one_edit(national_a, national_b),
                            Some(Edit::Transposition(_))
                        )
                })
        })
}

/// Whether `a` and `b` have an email or a phone number in common.
fn share_email_or_phone(a: &MatchRecord, b: &MatchRecord) -> bool {
    [IdentifierKind::Email, IdentifierKind::Phone]
        .iter()
        .any(|kind| {
            a.values(kind)
                .any(|value| b.values(kind).any(|other| other == value))
        })
}

impl MatchRule for PhoneSlip {
    fn name(&self) -> &str {
        "phone_slip"
    }

    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
        if !slipped(a, b) {
            return None;
        }
        let score = if share_email_or_phone(a, b) {
            0.97
        } else if name_similarity(a, b).is_some_and(|s| s >= NAME_AGREES) {
            0.95
        } else if a.postcode().is_some() && a.postcode() == b.postcode() {
            0.88
        } else {
            return None;
        };
        Some(Score::clamped(score))
    }

    fn reads_identifier(&self, kind: &IdentifierKind) -> bool {
        matches!(kind, IdentifierKind::Phone | IdentifierKind::Email)
    }

    fn reads_attr(&self, name: &str) -> bool {
        name == NAME || name == POSTCODE
    }

    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        for (cc, national) in record.values(&IdentifierKind::Phone).filter_map(split) {
            // The digits in pairs, each pair in ascending order: pairs from
            // the first digit (tag E), and from the second (tag O, the
            // first digit alone). A swap of the digits at i and i + 1 is
            // inside a pair of the first kind when i is even, of the second
            // when i is odd, and leaves that key as it was.
            for (tag, alone) in [(b'E', 0), (b'O', 1)] {
                let mut hasher = BlockHasher::new();
                hasher.write(&[b'P', tag]);
                hasher.write(cc);
                hasher.write(b"+");
                let (first, rest) = national.split_at(alone.min(national.len()));
                hasher.write(first);
                let mut pairs = rest.chunks_exact(2);
                for pair in pairs.by_ref() {
                    if let &[x, y] = pair {
                        hasher.write(&[x.min(y), x.max(y)]);
                    }
                }
                hasher.write(pairs.remainder());
                keys.push(hasher.finish());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzy::keys_meet;

    fn record(phone: &str, name: &str) -> MatchRecord {
        MatchRecord::new()
            .with_identifier(IdentifierKind::Phone, phone)
            .with_attr("name", name)
    }

    fn score(a: &MatchRecord, b: &MatchRecord) -> Option<f64> {
        let there = PhoneSlip::new().score(a, b);
        assert_eq!(there, PhoneSlip::new().score(b, a), "asymmetric");
        there.map(Score::get)
    }

    fn share_key(a: &MatchRecord, b: &MatchRecord) -> bool {
        keys_meet(&PhoneSlip::new(), a, b)
    }

    #[test]
    fn every_swap_with_an_agreeing_name() {
        let number = "+31612345678";
        let national = &number.as_bytes()[3..];
        for i in 0..national.len() - 1 {
            let mut swapped = national.to_vec();
            swapped.swap(i, i + 1);
            let other = format!("+31{}", std::str::from_utf8(&swapped).unwrap());
            let (a, b) = (
                record(number, "Jan de Vries"),
                record(&other, "de Vries, Jan"),
            );
            assert_eq!(score(&a, &b), Some(0.95), "{other}");
            assert!(share_key(&a, &b), "{other}");
        }
    }

    #[test]
    fn other_agreements() {
        let a = record("+358401234567", "")
            .with_identifier(IdentifierKind::Email, "aino@example.fi")
            .with_attr("postcode", "00100");
        let same_email =
            record("+358401235467", "").with_identifier(IdentifierKind::Email, "aino@example.fi");
        assert_eq!(score(&a, &same_email), Some(0.97));
        // A shared cookie or card may be a kiosk's or a family's.
        let a_with_card = a
            .clone()
            .with_identifier(IdentifierKind::LoyaltyCard, "card-1");
        let same_card =
            record("+358401235467", "").with_identifier(IdentifierKind::LoyaltyCard, "card-1");
        assert_eq!(score(&a_with_card, &same_card), None);
        // Another phone in common counts as an email does.
        let second = |slipped: &str| {
            record(slipped, "").with_identifier(IdentifierKind::Phone, "+358501111111")
        };
        assert_eq!(
            score(&second("+358401234567"), &second("+358401235467")),
            Some(0.97)
        );
        let same_postcode = record("+358401235467", "").with_attr("postcode", "00 100");
        assert_eq!(score(&a, &same_postcode), Some(0.88));
        let same_city_only = record("+358401235467", "").with_attr("city", "Helsinki");
        assert_eq!(score(&a, &same_city_only), None);
    }

    #[test]
    fn not_a_slip() {
        let a = record("+31612345678", "Jan de Vries");
        for other in [
            "+31612345678", // the same number: the deterministic core links it
            "+31612345679", // a changed digit
            "+31621345687", // two swaps
            "+31612345687x",
            "+13612345678",  // swap across the country code
            "+491612345678", // another country
            "0612345687",    // not E.164
            "",
        ] {
            assert_eq!(score(&a, &record(other, "Jan de Vries")), None, "{other}");
        }
        assert_eq!(score(&a, &record("+31612345687", "Jan de Vos")), None);
        assert_eq!(score(&a, &record("+31612345687", "")), None);
    }

    #[test]
    fn keys_are_two_per_number_and_rarely_shared() {
        let mut keys = Vec::new();
        PhoneSlip::new().blocking_keys(&record("+31612345678", ""), &mut keys);
        assert_eq!(keys.len(), 2);
        let a = record("+31612345678", "");
        // A changed digit, digits swapped further apart, and two swaps in
        // pairs of both kinds share no key...
        for other in ["+31612345679", "+31632145678", "+31162345687"] {
            assert!(!share_key(&a, &record(other, "")), "{other}");
        }
        // ...but two swaps in pairs of one kind do: compared, and given no
        // score.
        let inside_pairs = record("+31621345687", "Jan de Vries");
        assert!(share_key(&a, &inside_pairs));
        assert_eq!(
            score(&record("+31612345678", "Jan de Vries"), &inside_pairs),
            None
        );
    }

    #[test]
    fn strangers_rarely_share_keys() {
        let a = record("+31612345678", "");
        assert!(!share_key(&a, &record("+31687654321", "")));
        assert!(!share_key(&a, &record("+32612345678", "")));
    }
}
