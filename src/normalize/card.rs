//! Loyalty card numbers.
//!
//! A card number is trimmed, spaces and dashes are removed and ASCII letters
//! uppercased; what remains must be ASCII letters and digits, 4 to 32 of them
//! by default (at most 64). A [`CheckDigit`] scheme, when configured, must then
//! pass.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;

/// A check-digit scheme that loyalty card numbers must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CheckDigit {
    /// No check (the default).
    None,
    /// The Luhn (mod 10) check used by payment and many loyalty cards.
    Luhn,
    /// The EAN-13 check digit used by barcode cards.
    Ean13,
}

impl fmt::Display for CheckDigit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckDigit::None => "no",
            CheckDigit::Luhn => "Luhn",
            CheckDigit::Ean13 => "EAN-13",
        })
    }
}

/// Longest card number that can be configured, after spaces and dashes are
/// removed.
pub(super) const MAX_LEN: usize = 64;
/// Default length bounds: shorter is a typo or a placeholder, longer is not a
/// card number printed on a card.
pub(super) const DEFAULT_MIN_LEN: usize = 4;
pub(super) const DEFAULT_MAX_LEN: usize = 32;

/// Whether `digits` (ASCII digits) pass the Luhn check.
fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d.wrapping_sub(b'0'));
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Whether 13 ASCII digits pass the EAN-13 check.
fn ean13_ok(digits: &[u8]) -> bool {
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d.wrapping_sub(b'0')) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check.wrapping_sub(b'0'))
}

fn check(scheme: CheckDigit, number: &str) -> Result<(), RejectReason> {
    if scheme == CheckDigit::None {
        return Ok(());
    }
    if let Some(ch) = number.chars().find(|c| !c.is_ascii_digit()) {
        return Err(RejectReason::InvalidCharacter { ch });
    }
    let digits = number.as_bytes();
    let valid = match scheme {
        CheckDigit::None => true,
        CheckDigit::Luhn => {
            if digits.len() < 2 {
                return Err(RejectReason::TooFewDigits {
                    digits: digits.len(),
                    min: 2,
                });
            }
            luhn_ok(digits)
        }
        CheckDigit::Ean13 => {
            if digits.len() < 13 {
                return Err(RejectReason::TooFewDigits {
                    digits: digits.len(),
                    min: 13,
                });
            }
            if digits.len() > 13 {
                return Err(RejectReason::TooManyDigits {
                    digits: digits.len(),
                    max: 13,
                });
            }
            ean13_ok(digits)
        }
    };
    if valid {
        Ok(())
    } else {
        Err(RejectReason::InvalidCheckDigit { scheme })
    }
}

/// Normalizes a card number of `min..=max` letters and digits (`max` at most
/// [`MAX_LEN`]).
pub(super) fn normalize(
    raw: &str,
    scheme: CheckDigit,
    (min, max): (usize, usize),
    out: &mut String,
) -> Result<(), RejectReason> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(RejectReason::Empty);
    }
    out.reserve(text.len().min(max));
    let mut len = 0usize;
    for ch in text.chars() {
        match ch {
            'a'..='z' | 'A'..='Z' | '0'..='9' => {
                len += 1;
                if len <= max {
                    out.push(ch.to_ascii_uppercase());
                }
            }
            '-' => {}
            _ if ch.is_control() => return Err(RejectReason::ControlCharacter),
            _ if ch.is_whitespace() => {}
            _ => return Err(RejectReason::InvalidCharacter { ch }),
        }
    }
    if len == 0 {
        return Err(RejectReason::Empty);
    }
    if len > max {
        return Err(RejectReason::TooLong { len, max });
    }
    if len < min {
        return Err(RejectReason::TooShort { len, min });
    }
    check(scheme, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm_len(
        raw: &str,
        scheme: CheckDigit,
        len: (usize, usize),
    ) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize(raw, scheme, len, &mut out).map(|()| out)
    }

    fn norm(raw: &str, scheme: CheckDigit) -> Result<String, RejectReason> {
        norm_len(raw, scheme, (DEFAULT_MIN_LEN, DEFAULT_MAX_LEN))
    }

    /// The widest bounds that can be configured.
    const WIDE: (usize, usize) = (1, MAX_LEN);

    const NONE: CheckDigit = CheckDigit::None;

    #[test]
    fn formats() {
        assert_eq!(norm(" 1234-5678-9012 ", NONE).unwrap(), "123456789012");
        assert_eq!(norm("ab 12 cd", NONE).unwrap(), "AB12CD");
        assert_eq!(norm("NL-00042-x", NONE).unwrap(), "NL00042X");
        assert_eq!(norm("0000\u{a0}1234", NONE).unwrap(), "00001234");
        assert_eq!(norm("--12-34--", NONE).unwrap(), "1234");
        assert_eq!(norm_len("--12--", NONE, WIDE).unwrap(), "12");
    }

    #[test]
    fn length_bounds() {
        assert_eq!(
            norm("12-3", NONE),
            Err(RejectReason::TooShort { len: 3, min: 4 })
        );
        assert_eq!(
            norm("A", NONE),
            Err(RejectReason::TooShort { len: 1, min: 4 })
        );
        assert!(norm(&"7".repeat(32), NONE).is_ok());
        assert_eq!(
            norm(&"7".repeat(33), NONE),
            Err(RejectReason::TooLong { len: 33, max: 32 })
        );
        assert_eq!(
            norm_len("4471", NONE, (6, 20)),
            Err(RejectReason::TooShort { len: 4, min: 6 })
        );
        assert_eq!(norm_len("447100", NONE, (6, 20)).unwrap(), "447100");
        // Real card numbers pass the defaults.
        for (raw, card) in [
            ("4471 0092 1183", "447100921183"),
            ("NL-4471-0092", "NL44710092"),
            ("8800 0000 0042", "880000000042"),
            ("4006381333931", "4006381333931"),
            ("ab12", "AB12"),
        ] {
            assert_eq!(norm(raw, NONE).unwrap(), card);
        }
    }

    #[test]
    fn garbage() {
        assert_eq!(norm("", NONE), Err(RejectReason::Empty));
        assert_eq!(norm("   ", NONE), Err(RejectReason::Empty));
        assert_eq!(norm(" - - ", NONE), Err(RejectReason::Empty));
        assert_eq!(norm("12\u{0}34", NONE), Err(RejectReason::ControlCharacter));
        assert_eq!(norm("12\t34", NONE), Err(RejectReason::ControlCharacter));
        assert_eq!(
            norm("12/34", NONE),
            Err(RejectReason::InvalidCharacter { ch: '/' })
        );
        assert_eq!(
            norm("12_34", NONE),
            Err(RejectReason::InvalidCharacter { ch: '_' })
        );
        assert_eq!(
            norm("ÄB12", NONE),
            Err(RejectReason::InvalidCharacter { ch: 'Ä' })
        );
        assert_eq!(
            norm("１２３", NONE),
            Err(RejectReason::InvalidCharacter { ch: '１' })
        );
        assert!(norm_len(&"1".repeat(64), NONE, WIDE).is_ok());
        assert_eq!(
            norm_len(&"1".repeat(65), NONE, WIDE),
            Err(RejectReason::TooLong { len: 65, max: 64 })
        );
        assert_eq!(
            norm_len(&"1 ".repeat(64), NONE, WIDE).map(|s| s.len()),
            Ok(64)
        );
        assert_eq!(
            norm(&"9".repeat(10_000), NONE),
            Err(RejectReason::TooLong {
                len: 10_000,
                max: 32
            })
        );
    }

    #[test]
    fn ean13() {
        let ean = CheckDigit::Ean13;
        assert_eq!(norm("4006381-333931", ean).unwrap(), "4006381333931");
        assert_eq!(
            norm("4006381333932", ean),
            Err(RejectReason::InvalidCheckDigit { scheme: ean })
        );
        assert_eq!(norm("5 901234 123457", ean).unwrap(), "5901234123457");
        assert_eq!(norm("8711253001202", ean).unwrap(), "8711253001202");
        assert_eq!(norm("0000000000000", ean).unwrap(), "0000000000000");
        assert_eq!(
            norm("400638133393", ean),
            Err(RejectReason::TooFewDigits {
                digits: 12,
                min: 13
            })
        );
        assert_eq!(
            norm("40063813339310", ean),
            Err(RejectReason::TooManyDigits {
                digits: 14,
                max: 13
            })
        );
        assert_eq!(
            norm("400638133393X", ean),
            Err(RejectReason::InvalidCharacter { ch: 'X' })
        );
        assert_eq!(
            norm("abcd", ean),
            Err(RejectReason::InvalidCharacter { ch: 'A' })
        );
    }

    #[test]
    fn luhn() {
        let luhn = CheckDigit::Luhn;
        assert_eq!(
            norm("4539 1488 0343 6467", luhn).unwrap(),
            "4539148803436467"
        );
        assert_eq!(norm("79927398713", luhn).unwrap(), "79927398713");
        assert_eq!(
            norm("79927398710", luhn),
            Err(RejectReason::InvalidCheckDigit { scheme: luhn })
        );
        assert_eq!(
            norm("4539 1488 0343 6468", luhn),
            Err(RejectReason::InvalidCheckDigit { scheme: luhn })
        );
        assert_eq!(
            norm_len("0", luhn, WIDE),
            Err(RejectReason::TooFewDigits { digits: 1, min: 2 })
        );
        assert_eq!(norm_len("18", luhn, WIDE).unwrap(), "18");
        assert_eq!(
            norm("1234-567X", luhn),
            Err(RejectReason::InvalidCharacter { ch: 'X' })
        );
        assert_eq!(
            RejectReason::InvalidCheckDigit { scheme: luhn }.to_string(),
            "the Luhn check digit does not match"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn scheme() -> impl Strategy<Value = CheckDigit> {
            prop_oneof![
                Just(CheckDigit::None),
                Just(CheckDigit::Luhn),
                Just(CheckDigit::Ean13)
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_strings_never_panic(raw in any::<String>(), scheme in scheme()) {
                if let Ok(out) = norm(&raw, scheme) {
                    prop_assert_eq!(norm(&out, scheme), Ok(out.clone()));
                }
            }

            #[test]
            fn idempotent(raw in "[ a-zA-Z0-9-]{0,70}", scheme in scheme()) {
                if let Ok(out) = norm(&raw, scheme) {
                    prop_assert!((DEFAULT_MIN_LEN..=DEFAULT_MAX_LEN).contains(&out.len()));
                    prop_assert!(out.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
                    prop_assert_eq!(norm(&out, scheme), Ok(out.clone()));
                }
            }

            #[test]
            fn a_valid_number_with_a_changed_digit_fails(body in "[0-9]{12}", pos in 0usize..13, bump in 1u8..10) {
                // Complete `body` with its EAN-13 check digit.
                let sum: u32 = body.bytes().enumerate()
                    .map(|(i, d)| u32::from(d.wrapping_sub(b'0')) * if i % 2 == 0 { 1 } else { 3 }).sum();
                let number = format!("{body}{}", (10 - sum % 10) % 10);
                prop_assert!(norm(&number, CheckDigit::Ean13).is_ok());
                let mut changed = number.into_bytes();
                changed[pos] = b'0' + (changed[pos] - b'0' + bump) % 10;
                let changed = String::from_utf8(changed).unwrap();
                prop_assert_eq!(
                    norm(&changed, CheckDigit::Ean13),
                    Err(RejectReason::InvalidCheckDigit { scheme: CheckDigit::Ean13 })
                );
            }
        }
    }
}
