//! Phone numbers to E.164.
//!
//! The numbering plans are a small built-in table (see [`Region`]): calling
//! code, trunk prefix, international prefixes and the length of the national
//! significant number (NSN) per region, plus the list of assigned ITU country
//! calling codes for numbers written with `+`. It is deliberately not a full
//! numbering-plan library: it turns the formats customers actually type into
//! one canonical text and rejects what cannot be a number, without claiming a
//! number is in service.
//!
//! Why not the `phonenumber` crate (a port of libphonenumber): on 20 mixed
//! NL/DE/FI formats both gave the same E.164 text, but it took about 4.8 µs
//! a number against about 0.14 µs here (1M numbers each, release build), and
//! phone normalization sits on the path of every event.
//!
//! How a number is read, after the separators (spaces, `-`, `.`, `/`,
//! parentheses, no-break spaces) are removed:
//!
//! 1. `+CC…`, or the region's international prefix (`00`, `011`, …) followed
//!    by a country code: international. A `(0)` after the country code is
//!    dropped, and so is one leading `0` when that country's trunk prefix is
//!    `0` (`+31 06 12345678`).
//! 2. Starts with the region's trunk prefix (`0`, `1` in North America, `8` in
//!    Russia, `06` in Hungary): national, the trunk prefix is dropped.
//! 3. Bare digits (WhatsApp delivers `31612345678`): in regions where the
//!    trunk prefix is always written, read as E.164 without `+` when that
//!    gives a known country and a fitting length, else as a national number;
//!    in regions without a trunk prefix, or where it is usually left out
//!    (North America, Brazil, India, Russia, China), national first.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RejectReason;

/// Longest phone number accepted, in bytes after trimming.
const MAX_LEN: usize = 64;
/// E.164: at most 15 digits, country code included.
const MAX_E164_DIGITS: usize = 15;
/// NSN length bounds for country codes outside the region table.
const GENERIC_MIN: usize = 4;
const GENERIC_MAX: usize = 14;

/// Allowed first digits of a national significant number, as a bit set.
const LEAD_ANY: u16 = 0b11_1111_1111;
const LEAD_NONZERO: u16 = 0b11_1111_1110;
/// North American area codes start with 2–9.
const LEAD_NANP: u16 = 0b11_1111_1100;

/// One region's numbering plan.
struct Plan {
    code: &'static str,
    cc: u16,
    cc_digits: &'static str,
    /// Trunk (national) prefix, empty when the region has none.
    trunk: &'static str,
    /// International prefixes, longest first; `00` is always tried after them.
    intl: &'static [&'static str],
    /// NSN length bounds (digits after the country code).
    min: u8,
    max: u8,
    /// Bare digits are read as a national number before trying E.164.
    national_first: bool,
    /// Allowed first digits of the NSN.
    lead: u16,
}

macro_rules! plans {
    ($(
        $code:ident $name:literal: $cc:literal, trunk $trunk:literal, intl [$($intl:literal),+],
        nsn $min:literal..=$max:literal, lead $lead:ident $(, $national_first:ident)?;
    )*) => {
        /// Positions in [`PLANS`], one per region.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        #[repr(u8)]
        enum Index {
            $($code),*
        }

        const PLANS: &[Plan] = &[$(
            Plan {
                code: stringify!($code),
                cc: $cc,
                cc_digits: stringify!($cc),
                trunk: $trunk,
                intl: &[$($intl),+],
                min: $min,
                max: $max,
                national_first: plans!(@flag $($national_first)?),
                lead: $lead,
            }
        ),*];

        impl Region {
            $(
                #[doc = concat!($name, " (`", stringify!($code), "`, +", stringify!($cc), ").")]
                pub const $code: Region = Region(Index::$code as u8);
            )*
        }
    };
    (@flag national_first) => { true };
    (@flag) => { false };
}

plans! {
    NL "The Netherlands": 31, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    BE "Belgium": 32, trunk "0", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    LU "Luxembourg": 352, trunk "", intl ["00"], nsn 6..=9, lead LEAD_NONZERO;
    DE "Germany": 49, trunk "0", intl ["00"], nsn 6..=13, lead LEAD_NONZERO;
    AT "Austria": 43, trunk "0", intl ["00"], nsn 5..=13, lead LEAD_NONZERO;
    CH "Switzerland": 41, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    FR "France": 33, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    ES "Spain": 34, trunk "", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    PT "Portugal": 351, trunk "", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    IT "Italy": 39, trunk "", intl ["00"], nsn 6..=11, lead LEAD_ANY;
    GB "The United Kingdom": 44, trunk "0", intl ["00"], nsn 9..=10, lead LEAD_NONZERO;
    IE "Ireland": 353, trunk "0", intl ["00"], nsn 7..=10, lead LEAD_NONZERO;
    DK "Denmark": 45, trunk "", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    NO "Norway": 47, trunk "", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    SE "Sweden": 46, trunk "0", intl ["00"], nsn 6..=10, lead LEAD_NONZERO;
    FI "Finland": 358, trunk "0", intl ["00"], nsn 5..=12, lead LEAD_NONZERO;
    EE "Estonia": 372, trunk "", intl ["00"], nsn 7..=8, lead LEAD_NONZERO;
    PL "Poland": 48, trunk "", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    CZ "Czechia": 420, trunk "", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    SK "Slovakia": 421, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    HU "Hungary": 36, trunk "06", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    RO "Romania": 40, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    BG "Bulgaria": 359, trunk "0", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    HR "Croatia": 385, trunk "0", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    SI "Slovenia": 386, trunk "0", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    GR "Greece": 30, trunk "", intl ["00"], nsn 10..=10, lead LEAD_NONZERO;
    CY "Cyprus": 357, trunk "", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    MT "Malta": 356, trunk "", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    LV "Latvia": 371, trunk "", intl ["00"], nsn 8..=8, lead LEAD_NONZERO;
    IS "Iceland": 354, trunk "", intl ["00"], nsn 7..=9, lead LEAD_NONZERO;
    TR "Türkiye": 90, trunk "0", intl ["00"], nsn 10..=10, lead LEAD_NONZERO;
    RU "Russia": 7, trunk "8", intl ["810", "00"], nsn 10..=10, lead LEAD_NONZERO, national_first;
    IL "Israel": 972, trunk "0", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    AE "The United Arab Emirates": 971, trunk "0", intl ["00"], nsn 8..=9, lead LEAD_NONZERO;
    ZA "South Africa": 27, trunk "0", intl ["00"], nsn 9..=9, lead LEAD_NONZERO;
    US "The United States": 1, trunk "1", intl ["011"], nsn 10..=10, lead LEAD_NANP, national_first;
    CA "Canada": 1, trunk "1", intl ["011"], nsn 10..=10, lead LEAD_NANP, national_first;
    MX "Mexico": 52, trunk "", intl ["00"], nsn 10..=10, lead LEAD_NONZERO;
    BR "Brazil": 55, trunk "0", intl ["00"], nsn 10..=11, lead LEAD_NONZERO, national_first;
    AU "Australia": 61, trunk "0", intl ["0011"], nsn 9..=9, lead LEAD_NONZERO;
    NZ "New Zealand": 64, trunk "0", intl ["00"], nsn 8..=10, lead LEAD_NONZERO;
    JP "Japan": 81, trunk "0", intl ["010"], nsn 9..=10, lead LEAD_NONZERO;
    CN "China": 86, trunk "0", intl ["00"], nsn 10..=11, lead LEAD_NONZERO, national_first;
    IN "India": 91, trunk "0", intl ["00"], nsn 10..=10, lead LEAD_NONZERO, national_first;
    SG "Singapore": 65, trunk "", intl ["001", "002", "008", "012", "013", "018", "019"], nsn 8..=8, lead LEAD_NONZERO;
}

/// Two-digit country calling codes (1 and 7 are the only one-digit codes;
/// every other code has three digits).
const TWO_DIGIT_CODES: u128 = bits128(&[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
]);

/// Assigned three-digit country calling codes (ITU-T E.164 list, including
/// the global services such as 800 and 870).
const THREE_DIGIT_CODES: [u64; 16] = bits1024(&[
    211, 212, 213, 216, 218, // North Africa
    220, 221, 222, 223, 224, 225, 226, 227, 228, 229, //
    230, 231, 232, 233, 234, 235, 236, 237, 238, 239, //
    240, 241, 242, 243, 244, 245, 246, 247, 248, 249, //
    250, 251, 252, 253, 254, 255, 256, 257, 258, //
    260, 261, 262, 263, 264, 265, 266, 267, 268, 269, //
    290, 291, 297, 298, 299, //
    350, 351, 352, 353, 354, 355, 356, 357, 358, 359, //
    370, 371, 372, 373, 374, 375, 376, 377, 378, 379, //
    380, 381, 382, 383, 385, 386, 387, 389, //
    420, 421, 423, //
    500, 501, 502, 503, 504, 505, 506, 507, 508, 509, //
    590, 591, 592, 593, 594, 595, 596, 597, 598, 599, //
    670, 672, 673, 674, 675, 676, 677, 678, 679, //
    680, 681, 682, 683, 685, 686, 687, 688, 689, //
    690, 691, 692, //
    800, 808, //
    850, 852, 853, 855, 856, //
    870, 878, 880, 881, 882, 883, 886, 888, //
    960, 961, 962, 963, 964, 965, 966, 967, 968, //
    970, 971, 972, 973, 974, 975, 976, 977, 979, //
    992, 993, 994, 995, 996, 998,
]);

const fn bits128(codes: &[u8]) -> u128 {
    let mut bits = 0;
    let mut i = 0;
    while i < codes.len() {
        bits |= 1 << codes[i];
        i += 1;
    }
    bits
}

const fn bits1024(codes: &[u16]) -> [u64; 16] {
    let mut bits = [0; 16];
    let mut i = 0;
    while i < codes.len() {
        let code = codes[i] as usize;
        bits[code / 64] |= 1 << (code % 64);
        i += 1;
    }
    bits
}

/// A region (ISO 3166-1 alpha-2 country code) whose phone numbering plan the
/// normalizer knows. Every region of the built-in table has a constant
/// (`Region::NL`, `Region::DE`, …); [`Region::new`] and [`str::parse`] accept
/// the same codes in any case.
///
/// Serialized as its two-letter code; deserializing a code that is not in the
/// table fails.
///
/// ```
/// use idstitch::Region;
///
/// let region: Region = "nl".parse().unwrap();
/// assert_eq!(region, Region::NL);
/// assert_eq!(region.as_str(), "NL");
/// assert_eq!(region.to_string(), "NL");
/// assert_eq!(region.calling_code(), 31);
/// assert!("XX".parse::<Region>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(u8);

impl Region {
    /// The region with the ISO 3166-1 alpha-2 `code` (any case, surrounding
    /// whitespace ignored), if the normalizer knows its numbering plan.
    ///
    /// ```
    /// use idstitch::Region;
    ///
    /// assert_eq!(Region::new("de"), Some(Region::DE));
    /// assert_eq!(Region::new(" FI "), Some(Region::FI));
    /// assert_eq!(Region::new("Netherlands"), None);
    /// ```
    pub fn new(code: &str) -> Option<Region> {
        let code = code.trim().as_bytes();
        let [a, b] = code else {
            return None;
        };
        let wanted = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        PLANS
            .iter()
            .position(|plan| plan.code.as_bytes() == wanted)
            .and_then(|index| u8::try_from(index).ok())
            .map(Region)
    }

    /// Every region in the table.
    ///
    /// ```
    /// use idstitch::Region;
    ///
    /// assert!(Region::all().any(|region| region == Region::NL));
    /// assert!(Region::all().all(|region| Region::new(region.as_str()) == Some(region)));
    /// ```
    pub fn all() -> impl Iterator<Item = Region> {
        (0..PLANS.len()).filter_map(|index| u8::try_from(index).ok().map(Region))
    }

    /// The upper-case two-letter code.
    pub fn as_str(self) -> &'static str {
        self.plan().code
    }

    /// The country calling code (31 for NL, 1 for US and CA).
    ///
    /// ```
    /// use idstitch::Region;
    ///
    /// assert_eq!(Region::FI.calling_code(), 358);
    /// assert_eq!(Region::CA.calling_code(), 1);
    /// ```
    pub fn calling_code(self) -> u16 {
        self.plan().cc
    }

    fn plan(self) -> &'static Plan {
        // A `Region` is only ever built from a position in `PLANS`.
        PLANS.get(usize::from(self.0)).unwrap_or(&PLANS_FALLBACK)
    }
}

/// Never used: `Region` values always index `PLANS`. Keeps `plan` panic-free.
static PLANS_FALLBACK: Plan = Plan {
    code: "ZZ",
    cc: 0,
    cc_digits: "",
    trunk: "",
    intl: &[],
    min: GENERIC_MIN as u8,
    max: GENERIC_MAX as u8,
    national_first: true,
    lead: LEAD_ANY,
};

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Region").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = crate::Error;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Region::new(code).ok_or_else(|| {
            // Region codes are configuration, not personal data; still, keep
            // whatever was given short.
            let shown: String = code.trim().chars().take(8).collect();
            crate::Error::from(crate::ErrorKind::InvalidConfig(format!(
                "unknown phone region {shown:?}: expected an ISO 3166-1 alpha-2 code of a \
                 supported region, such as NL or DE"
            )))
        })
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RegionVisitor;

        impl Visitor<'_> for RegionVisitor {
            type Value = Region;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a two-letter code of a supported phone region")
            }

            fn visit_str<E: de::Error>(self, code: &str) -> Result<Region, E> {
                Region::new(code).ok_or_else(|| E::custom("unknown phone region"))
            }
        }

        deserializer.deserialize_str(RegionVisitor)
    }
}

// Regions are indexed by `u8`.
const _: () = assert!(PLANS.len() <= u8::MAX as usize);

/// For each calling code below 1000, one plus the position of the first plan
/// with that code (0: none).
const PLAN_BY_CC: [u8; 1000] = {
    let mut table = [0u8; 1000];
    let mut i = PLANS.len();
    while i > 0 {
        i -= 1;
        table[PLANS[i].cc as usize] = i as u8 + 1;
    }
    table
};

/// The plan of a country calling code (ASCII digits), when a region of the
/// table has it.
fn plan_for_cc(cc: &[u8]) -> Option<&'static Plan> {
    let code = cc.iter().try_fold(0usize, |acc, &d| {
        (d.is_ascii_digit() && acc < 100).then(|| acc * 10 + usize::from(d - b'0'))
    })?;
    let index = PLAN_BY_CC.get(code).copied()?.checked_sub(1)?;
    PLANS.get(usize::from(index))
}

/// Length of the country calling code at the start of `digits` (ASCII).
pub(crate) fn country_code_len(digits: &[u8]) -> Result<usize, RejectReason> {
    let too_few = RejectReason::TooFewDigits {
        digits: 0,
        min: GENERIC_MIN,
    };
    let value = |n: usize| -> Option<usize> {
        digits.get(..n)?.iter().try_fold(0usize, |acc, &d| {
            Some(acc * 10 + usize::from(d.checked_sub(b'0')?))
        })
    };
    match digits.first() {
        None => Err(too_few),
        Some(b'0') => Err(RejectReason::UnknownCountryCode),
        Some(b'1' | b'7') => Ok(1),
        Some(_) => {
            let two = value(2).ok_or(too_few.clone())?;
            if (TWO_DIGIT_CODES >> two) & 1 == 1 {
                return Ok(2);
            }
            let three = value(3).ok_or(too_few)?;
            let word = THREE_DIGIT_CODES.get(three / 64).copied().unwrap_or(0);
            if (word >> (three % 64)) & 1 == 1 {
                Ok(3)
            } else {
                Err(RejectReason::UnknownCountryCode)
            }
        }
    }
}

/// Region-specific rewrites of a national significant number.
fn adjust<'a>(plan: &Plan, nsn: &'a [u8]) -> &'a [u8] {
    // Mexico: the "1" that used to precede mobile numbers (+52 1 55 …) is no
    // longer dialled and not part of the number.
    if plan.cc == 52 && nsn.len() == 11 && nsn.first() == Some(&b'1') {
        return nsn.get(1..).unwrap_or(nsn);
    }
    nsn
}

/// Checks a national significant number against its plan.
fn check(plan: &Plan, nsn: &[u8]) -> Result<(), RejectReason> {
    let (min, mut max) = (usize::from(plan.min), usize::from(plan.max));
    // Italian mobile numbers (3xx) have at most 10 digits; landlines up to 11.
    if plan.cc == 39 && nsn.first() == Some(&b'3') {
        max = max.min(10);
    }
    check_len(nsn.len(), min, max)?;
    match nsn.first() {
        Some(&first) if (plan.lead >> first.wrapping_sub(b'0')) & 1 == 0 => {
            Err(RejectReason::InvalidCharacter {
                ch: char::from(first),
            })
        }
        _ => Ok(()),
    }
}

fn check_len(digits: usize, min: usize, max: usize) -> Result<(), RejectReason> {
    if digits < min {
        Err(RejectReason::TooFewDigits { digits, min })
    } else if digits > max {
        Err(RejectReason::TooManyDigits { digits, max })
    } else {
        Ok(())
    }
}

fn write(out: &mut String, cc: &[u8], nsn: &[u8]) {
    out.reserve(1 + cc.len() + nsn.len());
    out.push('+');
    // Both are ASCII digits, so always valid text.
    out.push_str(std::str::from_utf8(cc).unwrap_or_default());
    out.push_str(std::str::from_utf8(nsn).unwrap_or_default());
}

/// `digits` without `prefix`, if it starts with it. (Short prefixes: a plain
/// loop beats a `memcmp` call.)
fn strip<'a>(digits: &'a [u8], prefix: &str) -> Option<&'a [u8]> {
    let prefix = prefix.as_bytes();
    let rest = digits.get(prefix.len()..)?;
    digits
        .iter()
        .zip(prefix)
        .all(|(a, b)| a == b)
        .then_some(rest)
}

/// Whether `rest` (what follows an international prefix) can start a
/// country code.
fn starts_country_code(rest: &[u8]) -> bool {
    rest.first().is_some_and(|&d| d != b'0')
}

/// `digits` after `+` or an international prefix. Bit `i` of `paren_zero` is
/// set when digit `i` was written as `(0)`: those digits are dropped.
fn international(digits: &[u8], paren_zero: u64, out: &mut String) -> Result<(), RejectReason> {
    let mut kept = [0u8; MAX_LEN];
    let digits = if paren_zero == 0 {
        digits
    } else {
        let mut len = 0;
        for (i, &d) in digits.iter().enumerate() {
            let dropped = u32::try_from(i)
                .ok()
                .and_then(|i| paren_zero.checked_shr(i))
                .is_some_and(|bits| bits & 1 == 1);
            if !dropped {
                if let Some(slot) = kept.get_mut(len) {
                    *slot = d;
                    len += 1;
                }
            }
        }
        kept.get(..len).unwrap_or_default()
    };
    let cc_len = country_code_len(digits)?;
    let Some((cc, mut nsn)) = digits.split_at_checked(cc_len) else {
        return Err(RejectReason::UnknownCountryCode);
    };
    let e164_room = MAX_E164_DIGITS - cc_len;
    match plan_for_cc(cc) {
        Some(plan) => {
            if plan.trunk == "0" && nsn.first() == Some(&b'0') {
                nsn = nsn.get(1..).unwrap_or_default();
            }
            nsn = adjust(plan, nsn);
            check(plan, nsn)?;
        }
        None => check_len(nsn.len(), GENERIC_MIN, GENERIC_MAX.min(e164_room))?,
    }
    write(out, cc, nsn);
    Ok(())
}

/// Bare digits read as E.164 without the `+`: only accepted for the country
/// codes of the region table, and only when the rest is a plausible number
/// there. Returns the country code and the NSN.
fn bare_e164(digits: &[u8]) -> Option<(&[u8], &[u8])> {
    let cc_len = country_code_len(digits).ok()?;
    let (cc, nsn) = digits.split_at_checked(cc_len)?;
    let plan = plan_for_cc(cc)?;
    let nsn = adjust(plan, nsn);
    check(plan, nsn).ok()?;
    Some((cc, nsn))
}

fn national(plan: &Plan, nsn: &[u8], out: &mut String) -> Result<(), RejectReason> {
    let nsn = adjust(plan, nsn);
    check(plan, nsn)?;
    write(out, plan.cc_digits.as_bytes(), nsn);
    Ok(())
}

/// Digits without `+`, international prefix or trunk prefix, in `plan`'s region.
fn bare(plan: &Plan, digits: &[u8], out: &mut String) -> Result<(), RejectReason> {
    let national_fits = check(plan, adjust(plan, digits)).is_ok();
    if national_fits && (plan.trunk.is_empty() || plan.national_first) {
        return national(plan, digits, out);
    }
    if let Some((cc, nsn)) = bare_e164(digits) {
        write(out, cc, nsn);
        return Ok(());
    }
    // Either it fits (and is written) or this says why not.
    national(plan, digits, out)
}

/// The national significant number of a normalized number (`+31612345678`
/// gives `612345678`); the whole text when it is not one.
pub(super) fn national_number(e164: &str) -> &str {
    let Some(digits) = e164.strip_prefix('+') else {
        return e164;
    };
    match country_code_len(digits.as_bytes()) {
        Ok(len) => digits.get(len..).unwrap_or(digits),
        Err(_) => digits,
    }
}

pub(super) fn normalize(
    raw: &str,
    region: Option<Region>,
    out: &mut String,
) -> Result<(), RejectReason> {
    let text = super::trimmed(raw, MAX_LEN)?;

    // Collect the digits (ASCII) into a stack buffer: at most one per byte.
    let bytes = text.as_bytes();
    let mut buf = [0u8; MAX_LEN];
    let mut len = 0usize;
    let mut plus = false;
    let mut paren_zero = 0u64;
    for (at, ch) in text.char_indices() {
        match ch {
            '0'..='9' => {
                let in_parens = ch == '0'
                    && at.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'(')
                    && bytes.get(at + 1) == Some(&b')');
                if in_parens {
                    paren_zero |= u32::try_from(len)
                        .ok()
                        .and_then(|shift| 1u64.checked_shl(shift))
                        .unwrap_or(0);
                }
                if let Some(slot) = buf.get_mut(len) {
                    *slot = ch as u8;
                    len += 1;
                }
            }
            '+' if !plus && len == 0 => plus = true,
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}' => {}
            _ if ch.is_control() => return Err(RejectReason::ControlCharacter),
            _ => return Err(RejectReason::InvalidCharacter { ch }),
        }
    }
    let digits = buf.get(..len).unwrap_or_default();
    if digits.is_empty() {
        return Err(RejectReason::NoDigits);
    }
    if plus {
        return international(digits, paren_zero, out);
    }

    let Some(region) = region else {
        if let Some(rest) = strip(digits, "00").filter(|rest| starts_country_code(rest)) {
            return international(rest, paren_zero >> 2, out);
        }
        return match bare_e164(digits) {
            Some((cc, nsn)) => {
                write(out, cc, nsn);
                Ok(())
            }
            None => Err(RejectReason::NoRegion),
        };
    };

    let plan = region.plan();
    for prefix in plan.intl.iter().chain(&["00"]) {
        let rest = strip(digits, prefix);
        if let Some(rest) = rest.filter(|rest| starts_country_code(rest)) {
            let shift = u32::try_from(prefix.len()).unwrap_or(u32::MAX);
            return international(rest, paren_zero.checked_shr(shift).unwrap_or(0), out);
        }
    }
    if !plan.trunk.is_empty() {
        if let Some(rest) = strip(digits, plan.trunk) {
            return national(plan, rest, out);
        }
    }
    bare(plan, digits, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str, region: Option<Region>) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize(raw, region, &mut out).map(|()| out)
    }

    fn ok(raw: &str, region: Option<Region>, expected: &str) {
        assert_eq!(
            norm(raw, region).as_deref(),
            Ok(expected),
            "{raw:?} in {region:?}"
        );
    }

    fn err(raw: &str, region: Option<Region>, expected: RejectReason) {
        assert_eq!(norm(raw, region), Err(expected), "{raw:?} in {region:?}");
    }

    const NL: Option<Region> = Some(Region::NL);

    #[test]
    fn dutch_formats() {
        for raw in [
            "06-12345678",
            "+31 6 1234 5678",
            "0031612345678",
            "(06) 1234 5678",
            "31612345678",
            "+31 (0)6 12345678",
            "+31 06 12345678",
            "+31612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06/12345678",
            "(+31) 6 1234 5678",
            "0031 (0)6 1234 5678",
            "\u{a0}06\u{a0}1234\u{a0}5678\u{a0}",
            "612345678",
        ] {
            ok(raw, NL, "+31612345678");
        }
        ok("040-1234567", NL, "+31401234567");
        ok("020 123 4567", NL, "+31201234567");
    }

    #[test]
    fn international_without_region() {
        for raw in [
            "+31 6 1234 5678",
            "31612345678",
            "0031612345678",
            "+31 (0)6 12345678",
        ] {
            ok(raw, None, "+31612345678");
        }
        ok("+49 (0)151 2345678", None, "+491512345678");
        ok("358401234567", None, "+358401234567");
        ok("+1 (202) 555-0123", None, "+12025550123");
        ok("+44 (0)20 7946 0958", None, "+442079460958");
        ok("+7 916 123-45-67", None, "+79161234567");
        // Country codes outside the table: generic length bounds.
        ok("+380 44 123 4567", None, "+380441234567");
        ok("+800 1234 5678", None, "+80012345678");
    }

    #[test]
    fn german_numbers() {
        for region in [
            None,
            NL,
            Some(Region::DE),
            Some(Region::US),
            Some(Region::IT),
        ] {
            ok("+49 (0)151 2345678", region, "+491512345678");
        }
        ok("0170 1234567", Some(Region::DE), "+491701234567");
        ok("030 1234567", Some(Region::DE), "+49301234567");
        ok("0049 170 1234567", Some(Region::DE), "+491701234567");
        ok("491701234567", Some(Region::DE), "+491701234567");
        ok("491701234567", NL, "+491701234567");
    }

    #[test]
    fn finnish_numbers() {
        let fi = Some(Region::FI);
        ok("040 1234567", fi, "+358401234567");
        ok("358401234567", fi, "+358401234567");
        ok("+358 40 123 4567", fi, "+358401234567");
        ok("00358 40 1234567", fi, "+358401234567");
        ok("401234567", fi, "+358401234567");
        ok("09 1234567", fi, "+35891234567");
    }

    #[test]
    fn north_american_numbers() {
        let us = Some(Region::US);
        ok("(202) 555-0123", us, "+12025550123");
        ok("1 202 555 0123", us, "+12025550123");
        ok("2025550123", us, "+12025550123");
        ok("202.555.0123", us, "+12025550123");
        ok("+1-202-555-0123", us, "+12025550123");
        ok("011 31 6 1234 5678", us, "+31612345678");
        ok("0031 6 1234 5678", us, "+31612345678");
        ok("31612345678", us, "+31612345678");
        ok("4915112345678", us, "+4915112345678");
        ok("(416) 555-0199", Some(Region::CA), "+14165550199");
        // Area codes start with 2-9.
        err("0123456789", us, RejectReason::InvalidCharacter { ch: '0' });
        err(
            "(023) 456-7890",
            us,
            RejectReason::InvalidCharacter { ch: '0' },
        );
        // A leading 1 is the trunk prefix.
        err(
            "(123) 456-7890",
            us,
            RejectReason::TooFewDigits { digits: 9, min: 10 },
        );
        err(
            "555-0123",
            us,
            RejectReason::TooFewDigits { digits: 7, min: 10 },
        );
    }

    #[test]
    fn other_regions() {
        ok("06 1234 5678", Some(Region::IT), "+390612345678");
        ok("347 123 4567", Some(Region::IT), "+393471234567");
        ok("+39 347 123 4567", None, "+393471234567");
        ok("393471234567", Some(Region::IT), "+393471234567");
        ok("020 7946 0958", Some(Region::GB), "+442079460958");
        ok("07700 900123", Some(Region::GB), "+447700900123");
        ok("0470 12 34 56", Some(Region::BE), "+32470123456");
        ok("02 123 45 67", Some(Region::BE), "+3221234567");
        ok("06 12 34 56 78", Some(Region::FR), "+33612345678");
        ok("612 34 56 78", Some(Region::ES), "+34612345678");
        ok("34612345678", Some(Region::ES), "+34612345678");
        ok("912 345 678", Some(Region::PT), "+351912345678");
        ok("0664 1234567", Some(Region::AT), "+436641234567");
        ok("079 123 45 67", Some(Region::CH), "+41791234567");
        ok("087 123 4567", Some(Region::IE), "+353871234567");
        ok("12 34 56 78", Some(Region::DK), "+4512345678");
        ok("4512345678", Some(Region::DK), "+4512345678");
        ok("412 34 567", Some(Region::NO), "+4741234567");
        ok("070-123 45 67", Some(Region::SE), "+46701234567");
        ok("5123 4567", Some(Region::EE), "+37251234567");
        ok("512 345 678", Some(Region::PL), "+48512345678");
        ok("601 123 456", Some(Region::CZ), "+420601123456");
        ok("06 30 123 4567", Some(Region::HU), "+36301234567");
        ok("0412 345 678", Some(Region::AU), "+61412345678");
        ok("0011 31 6 1234 5678", Some(Region::AU), "+31612345678");
        ok("021 123 4567", Some(Region::NZ), "+64211234567");
        ok("98765 43210", Some(Region::IN), "+919876543210");
        ok("(11) 98765-4321", Some(Region::BR), "+5511987654321");
        ok("55 1234 5678", Some(Region::MX), "+525512345678");
        ok("+52 1 55 1234 5678", None, "+525512345678");
        ok("090-1234-5678", Some(Region::JP), "+819012345678");
        ok("010 31 6 1234 5678", Some(Region::JP), "+31612345678");
        ok("0532 123 45 67", Some(Region::TR), "+905321234567");
        ok("082 123 4567", Some(Region::ZA), "+27821234567");
        ok("694 123 4567", Some(Region::GR), "+306941234567");
        ok("8 (916) 123-45-67", Some(Region::RU), "+79161234567");
        ok("810 31 6 1234 5678", Some(Region::RU), "+31612345678");
        ok("(495) 123-45-67", Some(Region::RU), "+74951234567");
        ok("9123 4567", Some(Region::SG), "+6591234567");
        ok("050 123 4567", Some(Region::AE), "+971501234567");
        ok("138 0013 8000", Some(Region::CN), "+8613800138000");
        ok("621 123 456", Some(Region::LU), "+352621123456");
        ok("352621123456", Some(Region::LU), "+352621123456");
    }

    #[test]
    fn garbage_is_rejected() {
        for region in [None, NL] {
            err("", region, RejectReason::Empty);
            err("   ", region, RejectReason::Empty);
            err("abc", region, RejectReason::InvalidCharacter { ch: 'a' });
            err("+", region, RejectReason::NoDigits);
            err("() - ", region, RejectReason::NoDigits);
            err(
                "++31612345678",
                region,
                RejectReason::InvalidCharacter { ch: '+' },
            );
            err(
                "31+612345678",
                region,
                RejectReason::InvalidCharacter { ch: '+' },
            );
            err("+999 1234", region, RejectReason::UnknownCountryCode);
            err("+0 612345678", region, RejectReason::UnknownCountryCode);
            err("06\u{0}12345678", region, RejectReason::ControlCharacter);
            err("06\t12345678", region, RejectReason::ControlCharacter);
            err(
                "06-12345678 ext. 12",
                region,
                RejectReason::InvalidCharacter { ch: 'e' },
            );
            err(
                "06-12345678 x12",
                region,
                RejectReason::InvalidCharacter { ch: 'x' },
            );
            err(
                "tel:+31612345678",
                region,
                RejectReason::InvalidCharacter { ch: 't' },
            );
            err(
                "06_12345678",
                region,
                RejectReason::InvalidCharacter { ch: '_' },
            );
            err(
                "+31",
                region,
                RejectReason::TooFewDigits { digits: 0, min: 9 },
            );
            err(
                "+31 6 1234",
                region,
                RejectReason::TooFewDigits { digits: 5, min: 9 },
            );
            err(
                "+31 6 1234 5678 9",
                region,
                RejectReason::TooManyDigits { digits: 10, max: 9 },
            );
            err(
                "+35",
                region,
                RejectReason::TooFewDigits { digits: 0, min: 4 },
            );
            err(
                "+380 12",
                region,
                RejectReason::TooFewDigits { digits: 2, min: 4 },
            );
            err(
                "+380 1234567890123",
                region,
                RejectReason::TooManyDigits {
                    digits: 13,
                    max: 12,
                },
            );
            let long = "1".repeat(10_000);
            err(
                &long,
                region,
                RejectReason::TooLong {
                    len: 10_000,
                    max: 64,
                },
            );
            err(
                &"6".repeat(65),
                region,
                RejectReason::TooLong { len: 65, max: 64 },
            );
        }
        err("12", NL, RejectReason::TooFewDigits { digits: 2, min: 9 });
        err("12", None, RejectReason::NoRegion);
        err("0000", NL, RejectReason::TooFewDigits { digits: 3, min: 9 });
        err("0000", None, RejectReason::NoRegion);
        err("0000000000", NL, RejectReason::InvalidCharacter { ch: '0' });
        err(
            "06-1234567890123456",
            NL,
            RejectReason::TooManyDigits { digits: 17, max: 9 },
        );
        err("06-12345678", None, RejectReason::NoRegion);
        err("612345678", None, RejectReason::NoRegion);
        err("2025550123", None, RejectReason::NoRegion);
    }

    #[test]
    fn region_codes() {
        assert_eq!(Region::new("nl"), Some(Region::NL));
        assert_eq!(Region::new("GB"), Some(Region::GB));
        assert_eq!(Region::new("UK"), None);
        assert_eq!(Region::new(""), None);
        assert_eq!(Region::new("N"), None);
        assert_eq!(Region::new("NLD"), None);
        assert_eq!(Region::new("ñl"), None);
        assert_eq!(format!("{:?}", Region::DE), "Region(\"DE\")");
        let error = "zz".parse::<Region>().unwrap_err();
        assert!(matches!(error.kind(), crate::ErrorKind::InvalidConfig(_)));
        for (index, plan) in PLANS.iter().enumerate() {
            let region = Region::new(plan.code).unwrap();
            assert_eq!(usize::from(region.0), index, "{} appears twice", plan.code);
            assert_eq!(region.to_string(), plan.code);
            assert_eq!(plan.cc.to_string(), plan.cc_digits);
            assert_eq!(
                plan_for_cc(plan.cc_digits.as_bytes()).map(|p| p.cc),
                Some(plan.cc)
            );
            // The calling code parses as a country code of its own length.
            let digits = format!("{}123456789", plan.cc);
            assert_eq!(
                country_code_len(digits.as_bytes()),
                Ok(plan.cc_digits.len())
            );
            assert!(plan.min <= plan.max && usize::from(plan.max) + plan.cc_digits.len() <= 15);
            assert!(plan.intl.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
        assert_eq!(Region::all().count(), PLANS.len());
        let all: Vec<&str> = Region::all().map(Region::as_str).collect();
        for code in [
            "NL", "BE", "LU", "DE", "AT", "CH", "FR", "ES", "PT", "IT", "GB", "IE", "DK", "NO",
            "SE", "FI", "EE", "PL", "CZ", "US", "CA", "AU", "NZ", "IN", "BR", "MX", "JP", "TR",
            "ZA", "GR", "RU", "SG", "AE",
        ] {
            assert!(all.contains(&code), "{code}");
        }
    }

    #[test]
    fn region_serde() {
        let bytes = postcard::to_allocvec(&Region::FI).unwrap();
        assert_eq!(bytes, postcard::to_allocvec("FI").unwrap());
        assert_eq!(postcard::from_bytes::<Region>(&bytes).unwrap(), Region::FI);
        let unknown = postcard::to_allocvec("XX").unwrap();
        assert!(postcard::from_bytes::<Region>(&unknown).is_err());
    }

    #[cfg(feature = "jsonl")]
    #[test]
    fn region_json() {
        assert_eq!(serde_json::to_string(&Region::NL).unwrap(), "\"NL\"");
        assert_eq!(
            serde_json::from_str::<Region>("\"de\"").unwrap(),
            Region::DE
        );
        assert!(serde_json::from_str::<Region>("\"XX\"").is_err());
        assert!(serde_json::from_str::<Region>("31").is_err());
    }

    #[test]
    fn country_codes() {
        assert_eq!(country_code_len(b"1202"), Ok(1));
        assert_eq!(country_code_len(b"7916"), Ok(1));
        assert_eq!(country_code_len(b"31612"), Ok(2));
        assert_eq!(country_code_len(b"3584012"), Ok(3));
        assert_eq!(
            country_code_len(b"2851234"),
            Err(RejectReason::UnknownCountryCode)
        );
        assert_eq!(
            country_code_len(b"0"),
            Err(RejectReason::UnknownCountryCode)
        );
        assert_eq!(
            country_code_len(b"9"),
            Err(RejectReason::TooFewDigits { digits: 0, min: 4 })
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn region() -> impl Strategy<Value = Option<Region>> {
            prop_oneof![
                Just(None),
                (0..PLANS.len()).prop_map(|i| Some(Region(i as u8))),
            ]
        }

        fn phone_like() -> impl Strategy<Value = String> {
            "[+]?[0-9 ()./-]{0,24}"
        }

        fn check_output(out: &str) {
            assert!(out.starts_with('+'));
            assert!(out.len() <= 16);
            assert!(out[1..].bytes().all(|b| b.is_ascii_digit()));
            // E.164 output normalizes to itself, with or without a region.
            for region in [None, Some(Region::NL), Some(Region::US), Some(Region::IT)] {
                assert_eq!(norm(out, region).as_deref(), Ok(out), "{region:?}");
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_strings_never_panic(raw in any::<String>(), region in region()) {
                if let Ok(out) = norm(&raw, region) {
                    check_output(&out);
                }
            }

            #[test]
            fn phone_like_strings_are_idempotent(raw in phone_like(), region in region()) {
                if let Ok(out) = norm(&raw, region) {
                    check_output(&out);
                }
            }

            #[test]
            fn e164_round_trips(region in region(), nsn in "[1-9][0-9]{3,12}") {
                let Some(region) = region else { return Ok(()) };
                let raw = format!("+{}{}", region.calling_code(), nsn);
                // Mexico's old mobile "1" (+52 1 55 …) is dropped by design.
                let expected = match nsn.strip_prefix('1') {
                    Some(rest) if region.calling_code() == 52 && nsn.len() == 11 => {
                        format!("+52{rest}")
                    }
                    _ => raw.clone(),
                };
                if let Ok(out) = norm(&raw, None) {
                    prop_assert_eq!(&out, &expected);
                    check_output(&out);
                }
            }
        }
    }
}
