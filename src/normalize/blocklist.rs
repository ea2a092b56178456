//! The blocklist: placeholders and junk that normalize cleanly but are not
//! anyone's identifier (`unknown`, `test@test.com`, `noreply@…`, a phone
//! number of one repeated digit), so they must never link two people.
//!
//! It is checked after normalization, against the normalized value, so one
//! entry covers every spelling the normalizer folds together. It runs for
//! every identifier, so it is built for the value that passes: exact values
//! sit behind a bit filter that most values miss, an address is scanned once
//! for its local part and domains whatever the number of patterns, and the
//! other patterns are a few byte comparisons. No regular expressions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;
use crate::identifier::IdentifierKind;

/// Words that stand in for a missing value, blocked for every kind by default.
pub(super) const PLACEHOLDERS: &[&str] = &[
    "unknown",
    "undefined",
    "n/a",
    "n.a.",
    "na",
    "null",
    "(null)",
    "nil",
    "none",
    "nan",
    "-",
    "--",
    "---",
    "-1",
    "0",
    "?",
    "test",
    "xxx",
    "xxxx",
    "empty",
    "blank",
    "dummy",
    "missing",
    "true",
    "false",
    "not provided",
    "not available",
    "not set",
    "(not set)",
    "[object object]",
];

/// Test and placeholder addresses blocked exactly by default.
pub(super) const EMAILS: &[&str] = &[
    "test@test.com",
    "test@example.com",
    "a@a.com",
    "x@x.com",
    "email@email.com",
    "unknown@unknown.com",
    "none@none.com",
    "noemail@noemail.com",
];

/// Local parts of addresses that no person reads, blocked by default.
const LOCAL_PARTS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "noemail",
    "no-email",
    "nomail",
];

/// Domains blocked by default, with their subdomains: reserved test names
/// (RFC 2606, RFC 6761) and `test.com`. `example.com`, `.net` and `.org` are
/// reserved too but stay allowed: documentation and sample data everywhere,
/// this crate's included, use them for realistic addresses.
const DOMAINS: &[&str] = &[
    "test.com",
    "test",
    "example",
    "invalid",
    "localhost",
    "local",
];

/// A pattern of junk values, matched against the normalized value (for a chat
/// session, the token without its channel). Text is compared ignoring ASCII
/// case; an empty text matches nothing.
///
/// ```
/// use idstitch::{Blocklist, Identifier, IdentifierKind, Normalizer, Pattern, RejectReason};
///
/// let mut normalizer = Normalizer::default();
/// normalizer.blocklist(Blocklist::none().block_pattern(IdentifierKind::Email, Pattern::LocalPart("info".into())));
/// assert_eq!(
///     normalizer.normalize(&Identifier::email("Info@Shop.nl")),
///     Err(RejectReason::Blocklisted { pattern: "a blocked email local part" })
/// );
/// assert!(normalizer.normalize(&Identifier::email("info.jansen@shop.nl")).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Pattern {
    /// The value starts with this text.
    Prefix(String),
    /// The value ends with this text.
    Suffix(String),
    /// The value contains this text.
    Contains(String),
    /// An email whose local part, up to any `+tag`, is this text:
    /// `LocalPart("noreply")` matches `noreply@shop.nl` and
    /// `noreply+orders@shop.nl`, not `noreply.jan@shop.nl`.
    LocalPart(String),
    /// An email at this domain or any of its subdomains: `Domain("test")`
    /// matches `jan@shop.test`, `Domain("test.com")` matches `jan@test.com`
    /// and `jan@mail.test.com`, not `jan@contest.com`.
    Domain(String),
    /// Two or more digits, all the same, and nothing else: `0000`, `111111`.
    /// For a phone number, its national number (after the country code):
    /// `+31 111111111`.
    RepeatedDigit,
    /// Six or more digits, each one more than the one before (`9` is followed
    /// by `0`), and nothing else: `1234567890`. For a phone number, its
    /// national number: `+31 123456789`.
    AscendingDigits,
}

/// Rejected values longer than this (in bytes, untrimmed) are not checked
/// against the exact values to be named placeholders.
const MAX_NAMED_LEN: usize = 256;

/// What a value hit: an exact value, or a pattern (as described). Two words,
/// so it comes back in registers.
#[derive(Clone, Copy)]
enum Hit {
    Exact,
    Pattern(&'static str),
}

/// [`Pattern::LocalPart`] and [`Pattern::Domain`] as reported.
const LOCAL_PART: &str = "a blocked email local part";
const DOMAIN: &str = "a blocked email domain";

impl Pattern {
    /// What the pattern looks for, for [`RejectReason::Blocklisted`]. Never
    /// the pattern's text, which may be a piece of a real value.
    fn describe(&self) -> &'static str {
        match self {
            Pattern::Prefix(_) => "a blocked prefix",
            Pattern::Suffix(_) => "a blocked suffix",
            Pattern::Contains(_) => "blocked text",
            Pattern::LocalPart(_) => LOCAL_PART,
            Pattern::Domain(_) => DOMAIN,
            Pattern::RepeatedDigit => "one digit repeated",
            Pattern::AscendingDigits => "a run of ascending digits",
        }
    }

    /// Whether `value` (normalized) matches; `digits` is what the digit
    /// patterns look at (a phone's national number). Local parts and domains
    /// are looked up in [`Rules`]' sets instead, never here.
    fn matches(&self, value: &str, digits: &str) -> bool {
        let value = value.as_bytes();
        match self {
            Pattern::Prefix(text) => {
                !text.is_empty()
                    && value
                        .get(..text.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(text.as_bytes()))
            }
            Pattern::Suffix(text) => {
                !text.is_empty()
                    && value
                        .len()
                        .checked_sub(text.len())
                        .and_then(|start| value.get(start..))
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(text.as_bytes()))
            }
            Pattern::Contains(text) => {
                !text.is_empty()
                    && value
                        .windows(text.len())
                        .any(|window| window.eq_ignore_ascii_case(text.as_bytes()))
            }
            Pattern::LocalPart(_) | Pattern::Domain(_) => false,
            Pattern::RepeatedDigit => {
                let digits = digits.as_bytes();
                digits.len() >= 2
                    && digits.first().is_some_and(|&first| {
                        first.is_ascii_digit() && digits.iter().all(|&d| d == first)
                    })
            }
            Pattern::AscendingDigits => {
                // Each next byte is the next digit, so when the first is a
                // digit, all are; most values fail at the second byte.
                let digits = digits.as_bytes();
                digits.len() >= 6
                    && digits.first().is_some_and(u8::is_ascii_digit)
                    && digits.windows(2).all(|pair| {
                        matches!(pair, [a, b] if (a.wrapping_sub(b'0') + 1) % 10 == b.wrapping_sub(b'0'))
                    })
            }
        }
    }
}

/// A 512-bit filter over a set of texts, keyed by length and first and last
/// byte (ASCII-lowercased): most values miss it and skip the set lookup,
/// which costs a few string comparisons.
#[derive(Clone, Default)]
struct Filter([u64; 8]);

impl Filter {
    #[inline]
    fn slot(text: &[u8]) -> (usize, u64) {
        let (Some(&first), Some(&last)) = (text.first(), text.last()) else {
            return (0, 1);
        };
        // `| 0x20` folds ASCII case; it folds some other bytes together too,
        // which only makes the filter a little less sharp. A Fibonacci
        // hash spreads the three keys over the 512 bits.
        let key = u64::try_from(text.len()).unwrap_or(u64::MAX)
            ^ u64::from(first | 0x20) << 32
            ^ u64::from(last | 0x20) << 40;
        let bit = usize::try_from(key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55).unwrap_or(0);
        (bit / 64, 1 << (bit % 64))
    }

    fn insert(&mut self, text: &str) {
        let (word, bit) = Filter::slot(text.as_bytes());
        if let Some(bits) = self.0.get_mut(word) {
            *bits |= bit;
        }
    }

    #[inline]
    fn may_contain(&self, text: &str) -> bool {
        let (word, bit) = Filter::slot(text.as_bytes());
        self.0.get(word).is_some_and(|bits| bits & bit != 0)
    }
}

/// A set of texts, ASCII-lowercased when inserted, looked up ignoring ASCII
/// case. A sorted `Vec` rather than a `BTreeSet`: a binary search can
/// lowercase the value as it compares, without a copy.
#[derive(Clone, Default)]
struct Entries {
    sorted: Vec<String>,
    filter: Filter,
}

impl Entries {
    fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.sorted.iter().map(String::as_str)
    }

    fn insert(&mut self, text: &str) {
        let text = text.to_ascii_lowercase();
        if text.is_empty() {
            return;
        }
        if let Err(at) = self.sorted.binary_search(&text) {
            self.filter.insert(&text);
            self.sorted.insert(at, text);
        }
    }

    /// Whether `value` is in the set, ignoring ASCII case. Inlined: most
    /// values stop at the filter.
    #[inline]
    fn contains(&self, value: &str) -> bool {
        self.filter.may_contain(value) && self.lookup(value)
    }

    /// [`Entries::contains`] past the filter.
    #[inline(never)]
    fn lookup(&self, value: &str) -> bool {
        let lower = || value.bytes().map(|b| b.to_ascii_lowercase());
        self.sorted
            .binary_search_by(|entry| entry.bytes().cmp(lower()))
            .is_ok()
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        self.sorted == other.sorted
    }
}

impl Eq for Entries {}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.sorted.fmt(f)
    }
}

/// The blocked values and patterns of one kind.
#[derive(Clone, Default)]
struct Rules {
    /// Exact values, canonical for their kind (see [`canonical_entry`]), that
    /// the kind's normalizer could write: checked against every normalized
    /// value.
    exact: Entries,
    /// Exact values it never writes (`unknown` as an email, `n/a` as a phone
    /// number): only used to name the reason when such a value fails to
    /// normalize, so they cost accepted values nothing.
    words: Entries,
    /// Every pattern, as given. Only changed through [`Rules::push`], which
    /// keeps the three fields below.
    patterns: Vec<Pattern>,
    /// The [`Pattern::LocalPart`] and [`Pattern::Domain`] texts as sets: an
    /// address costs one lookup for its local part and one per label of its
    /// domain, however many patterns there are.
    local_parts: Entries,
    domains: Entries,
    /// The other patterns, tried one by one.
    scanned: Vec<Pattern>,
}

/// [`Rules`] as stored: the exact values in one list, and the patterns.
#[derive(Default, Deserialize)]
#[serde(default)]
struct StoredRules {
    exact: Vec<String>,
    patterns: Vec<Pattern>,
}

impl Serialize for Rules {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut exact: Vec<&str> = self.exact.iter().chain(self.words.iter()).collect();
        exact.sort_unstable();
        // Both fields always: snapshots store the configuration with
        // postcard, which is positional.
        let mut state = serializer.serialize_struct("Rules", 2)?;
        state.serialize_field("exact", &exact)?;
        state.serialize_field("patterns", &self.patterns)?;
        state.end()
    }
}

impl PartialEq for Rules {
    fn eq(&self, other: &Self) -> bool {
        self.exact == other.exact && self.words == other.words && self.patterns == other.patterns
    }
}

impl Eq for Rules {}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("exact", &self.exact)
            .field("words", &self.words)
            .field("patterns", &self.patterns)
            .finish()
    }
}

impl Rules {
    fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.words.is_empty() && self.patterns.is_empty()
    }

    /// Adds an exact value of a kind that writes values like `slot`.
    fn insert(&mut self, slot: Slot, value: &str) {
        let entry = canonical_entry(slot, value);
        if slot.could_write(&entry) {
            self.exact.insert(&entry);
        } else {
            self.words.insert(&entry);
        }
    }

    /// Whether a value that failed to normalize, made canonical like an
    /// entry, is an exact value.
    fn names(&self, canonical: &str) -> bool {
        self.words.contains(canonical) || self.exact.contains(canonical)
    }

    fn push(&mut self, pattern: Pattern) {
        match &pattern {
            // The normalizer writes addresses lowercased, Unicode included.
            Pattern::LocalPart(text) => self.local_parts.insert(&canonical_entry(
                Slot::Email,
                text.trim().trim_end_matches('@'),
            )),
            Pattern::Domain(text) => self.domains.insert(&canonical_entry(
                Slot::Email,
                text.trim().trim_start_matches(['@', '.']),
            )),
            _ => self.scanned.push(pattern.clone()),
        }
        self.patterns.push(pattern);
    }

    /// What `value` (normalized) hits, if anything.
    #[inline]
    fn check(&self, value: &str, phone: bool) -> Option<Hit> {
        if self.exact.contains(value) {
            return Some(Hit::Exact);
        }
        if !self.local_parts.is_empty() || !self.domains.is_empty() {
            if let Some(pattern) = self.check_address(value) {
                return Some(Hit::Pattern(pattern));
            }
        }
        if self.scanned.is_empty() {
            return None;
        }
        let digits = if phone {
            super::phone::national_number(value)
        } else {
            value
        };
        self.scanned
            .iter()
            .find(|p| p.matches(value, digits))
            .map(|pattern| Hit::Pattern(pattern.describe()))
    }

    /// Looks up the local part (up to any `+tag`) and the domain and each of
    /// its parent domains.
    fn check_address(&self, value: &str) -> Option<&'static str> {
        // One scan from the end: each dot starts a parent domain, the `@`
        // ends the domain. `.` and `@` are ASCII, so every cut is a char
        // boundary.
        let bytes = value.as_bytes();
        let mut blocked_domain = false;
        let mut end = bytes.len();
        let at = loop {
            let Some(cut) = bytes
                .get(..end)
                .and_then(|head| head.iter().rposition(|&b| b == b'.' || b == b'@'))
            else {
                // No `@`: not an address.
                return None;
            };
            blocked_domain |= self
                .domains
                .contains(value.get(cut + 1..).unwrap_or_default());
            if bytes.get(cut) == Some(&b'@') {
                break cut;
            }
            end = cut;
        };
        let local = value.get(..at).unwrap_or_default();
        if blocked_domain {
            return Some(DOMAIN);
        }
        if self.local_parts.is_empty() {
            return None;
        }
        let local = match local.bytes().position(|b| b == b'+') {
            Some(plus) => local.get(..plus).unwrap_or(local),
            None => local,
        };
        self.local_parts.contains(local).then_some(LOCAL_PART)
    }
}

/// Values and patterns that [`Normalizer`](crate::Normalizer) rejects before
/// they can link, per identifier kind. A rejected value gets
/// [`RejectReason::Placeholder`] (an exact value) or
/// [`RejectReason::Blocklisted`] (a [`Pattern`]).
///
/// Entries are checked against the *normalized* value, so `"Test@Test.COM "`
/// and `test@test.com` are the same entry and the same address. Exact values
/// are compared ignoring ASCII case, and are stored in their kind's canonical
/// form when added:
///
/// - email: trimmed and lowercased; provider rules are *not* applied, so give
///   the address as the normalizer writes it (`jandevries@gmail.com`);
/// - phone: E.164 with or without separators (`+31 6 1234 5678`). A number
///   in national format is not converted (that needs a region), so it only
///   names values that fail to normalize;
/// - loyalty card: spaces and dashes are removed (`0000-0000`);
/// - cookie, custom kinds: trimmed; chat session: the token, without channel.
///
/// A value that fails normalization and is, made canonical the same way, one
/// of its kind's exact values is also reported as a
/// [`RejectReason::Placeholder`]: an email of `unknown` is a placeholder, not
/// an address without `@`.
///
/// [`Blocklist::default`] blocks, for every kind, placeholder words
/// (`unknown`, `undefined`, `n/a`, `na`, `null`, `nil`, `none`, `nan`, `-`,
/// `-1`, `0`, `?`, `test`, `xxx`, `empty`, `true`, `false`, `not provided`,
/// `(not set)`, `[object Object]`, …) and also:
///
/// - email: `test@test.com`, `test@example.com`, `a@a.com` and a few more
///   placeholder addresses; the local parts `noreply`, `no-reply`,
///   `donotreply`, `do-not-reply` (and `_` spellings), `noemail`, `nomail`;
///   the domains `test.com`, `.test`, `.example`, `.invalid`, `.localhost`
///   and `.local`. Not `example.com`: documentation and sample data use it
///   for realistic addresses;
/// - phone: [`Pattern::RepeatedDigit`] (all zeros, all ones, …) and
///   [`Pattern::AscendingDigits`] (`+31 123456789`);
/// - loyalty card: [`Pattern::RepeatedDigit`] (`0000-0000`, `1111 1111`).
///
/// ```
/// use idstitch::{Blocklist, Identifier, IdentifierKind, Normalizer, Pattern, RejectReason};
///
/// let normalizer = Normalizer::default();
/// assert_eq!(normalizer.normalize(&Identifier::cookie("undefined")), Err(RejectReason::Placeholder));
/// assert_eq!(normalizer.normalize(&Identifier::email(" Test@Test.COM")), Err(RejectReason::Placeholder));
/// assert!(normalizer.normalize(&Identifier::email("noreply@shop.nl")).is_err());
/// assert!(normalizer.normalize(&Identifier::phone("+31 6 0000 0000")).is_ok());
/// assert!(normalizer.normalize(&Identifier::phone("+31 111 111 111")).is_err());
///
/// let mut normalizer = Normalizer::default();
/// normalizer.blocklist(
///     Blocklist::default()
///         .block(IdentifierKind::Email, "info@shop.nl")
///         .block_pattern(IdentifierKind::Cookie, Pattern::Prefix("tmp_".into())),
/// );
/// assert_eq!(normalizer.normalize(&Identifier::email("INFO@shop.nl")), Err(RejectReason::Placeholder));
/// assert!(normalizer.normalize(&Identifier::cookie("tmp_81f2")).is_err());
/// assert!(normalizer.normalize(&Identifier::cookie("ck_81f2")).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct Blocklist {
    email: Rules,
    phone: Rules,
    loyalty_card: Rules,
    cookie: Rules,
    chat_session: Rules,
    /// Applies to every custom kind.
    custom: Rules,
    /// Per custom kind (by name), on top of `custom`.
    custom_kinds: BTreeMap<String, Rules>,
}

/// [`Blocklist`] as stored: exact entries are made canonical again when read,
/// since a hand-written configuration may spell them in any case.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Stored {
    email: StoredRules,
    phone: StoredRules,
    loyalty_card: StoredRules,
    cookie: StoredRules,
    chat_session: StoredRules,
    custom: StoredRules,
    custom_kinds: BTreeMap<String, StoredRules>,
}

impl From<Stored> for Blocklist {
    fn from(stored: Stored) -> Self {
        let recanonical = |slot: Slot, stored: StoredRules| {
            let mut rules = Rules::default();
            for entry in &stored.exact {
                rules.insert(slot, entry);
            }
            for pattern in stored.patterns {
                rules.push(pattern);
            }
            rules
        };
        Blocklist {
            email: recanonical(Slot::Email, stored.email),
            phone: recanonical(Slot::Phone, stored.phone),
            loyalty_card: recanonical(Slot::LoyaltyCard, stored.loyalty_card),
            cookie: recanonical(Slot::Token, stored.cookie),
            chat_session: recanonical(Slot::Token, stored.chat_session),
            custom: recanonical(Slot::Token, stored.custom),
            custom_kinds: stored
                .custom_kinds
                .into_iter()
                .map(|(name, rules)| (name.to_ascii_lowercase(), recanonical(Slot::Token, rules)))
                .collect(),
        }
    }
}

/// How a kind writes its normalized values, for making entries canonical.
#[derive(Clone, Copy)]
enum Slot {
    Email,
    Phone,
    LoyaltyCard,
    Token,
}

impl Slot {
    fn of(kind: &IdentifierKind) -> Slot {
        match kind {
            IdentifierKind::Email => Slot::Email,
            IdentifierKind::Phone => Slot::Phone,
            IdentifierKind::LoyaltyCard => Slot::LoyaltyCard,
            IdentifierKind::Cookie | IdentifierKind::ChatSession | IdentifierKind::Custom(_) => {
                Slot::Token
            }
        }
    }

    /// Whether the normalizer could write `entry` (canonical), ignoring
    /// ASCII case: an address has an `@`, a phone number is `+` and digits,
    /// a card number letters and digits. Tokens can be anything.
    fn could_write(self, entry: &str) -> bool {
        match self {
            Slot::Email => entry.contains('@'),
            Slot::Phone => entry.strip_prefix('+').is_some_and(|digits| {
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }),
            Slot::LoyaltyCard => entry.bytes().all(|b| b.is_ascii_alphanumeric()),
            Slot::Token => true,
        }
    }
}

/// An exact entry in the form its kind's normalizer writes values, lowercased
/// (lookups lowercase the value the same way).
fn canonical_entry(slot: Slot, value: &str) -> String {
    let text = value.trim();
    match slot {
        // The normalizer lowercases whole addresses, Unicode included.
        Slot::Email => text.chars().flat_map(char::to_lowercase).collect(),
        // A number: drop the separators the phone normalizer drops. A word
        // (`unknown`, `-1`) stays as it is, for the failed-value check.
        Slot::Phone if text.starts_with(|c: char| c == '+' || c.is_ascii_digit()) => text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}'))
            .collect::<String>()
            .to_ascii_lowercase(),
        Slot::LoyaltyCard
            if text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c.is_whitespace()) =>
        {
            text.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        }
        _ => text.to_ascii_lowercase(),
    }
}

impl Default for Blocklist {
    /// Placeholder words for every kind, and per-kind junk: see [`Blocklist`].
    fn default() -> Self {
        let mut list = Blocklist::none();
        for word in PLACEHOLDERS {
            list.insert_everywhere(word);
        }
        for email in EMAILS {
            list.insert(&IdentifierKind::Email, email);
        }
        for local in LOCAL_PARTS {
            list.email.push(Pattern::LocalPart((*local).to_owned()));
        }
        for domain in DOMAINS {
            list.email.push(Pattern::Domain((*domain).to_owned()));
        }
        list.phone.push(Pattern::RepeatedDigit);
        list.phone.push(Pattern::AscendingDigits);
        list.loyalty_card.push(Pattern::RepeatedDigit);
        list
    }
}

impl Blocklist {
    /// Blocks nothing: every value that normalizes is accepted.
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// assert!(normalizer.normalize(&Identifier::cookie("null")).is_err());
    /// normalizer.blocklist(Blocklist::none());
    /// assert_eq!(normalizer.normalize(&Identifier::cookie("null")).unwrap(), "null");
    /// ```
    pub fn none() -> Self {
        Blocklist {
            email: Rules::default(),
            phone: Rules::default(),
            loyalty_card: Rules::default(),
            cookie: Rules::default(),
            chat_session: Rules::default(),
            custom: Rules::default(),
            custom_kinds: BTreeMap::new(),
        }
    }

    /// This list plus the exact `value` for `kind`, compared ignoring ASCII
    /// case after both are normalized (see [`Blocklist`] for the form each
    /// kind's entries take).
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, IdentifierKind, Normalizer, RejectReason};
    ///
    /// let device_id: IdentifierKind = "device_id".parse().unwrap();
    /// let list = Blocklist::none()
    ///     .block(IdentifierKind::LoyaltyCard, "4471-0000-0001")
    ///     .block(IdentifierKind::Phone, "+31 20 555 0100")
    ///     .block(device_id.clone(), "EMULATOR");
    /// let mut normalizer = Normalizer::default();
    /// normalizer.blocklist(list);
    /// assert_eq!(normalizer.normalize(&Identifier::loyalty_card("4471 0000 0001")), Err(RejectReason::Placeholder));
    /// assert_eq!(normalizer.normalize(&Identifier::phone("0031205550100")), Err(RejectReason::Placeholder));
    /// assert_eq!(normalizer.normalize(&Identifier::new(device_id, "emulator")), Err(RejectReason::Placeholder));
    /// ```
    pub fn block(mut self, kind: IdentifierKind, value: impl AsRef<str>) -> Self {
        self.insert(&kind, value.as_ref());
        self
    }

    /// This list plus the exact `value` for every kind, custom kinds
    /// included.
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, Normalizer, RejectReason};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.blocklist(Blocklist::none().block_everywhere("geen"));
    /// assert_eq!(normalizer.normalize(&Identifier::cookie("GEEN")), Err(RejectReason::Placeholder));
    /// assert_eq!(normalizer.normalize(&Identifier::email("geen")), Err(RejectReason::Placeholder));
    /// ```
    pub fn block_everywhere(mut self, value: impl AsRef<str>) -> Self {
        self.insert_everywhere(value.as_ref());
        self
    }

    /// This list plus `pattern` for `kind`.
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, IdentifierKind, Normalizer, Pattern};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.blocklist(Blocklist::default().block_pattern(IdentifierKind::Email, Pattern::Domain("mailinator.com".into())));
    /// assert!(normalizer.normalize(&Identifier::email("x81@mailinator.com")).is_err());
    /// assert!(normalizer.normalize(&Identifier::email("jan@ziggo.nl")).is_ok());
    /// ```
    pub fn block_pattern(mut self, kind: IdentifierKind, pattern: Pattern) -> Self {
        self.rules_mut(&kind).push(pattern);
        self
    }

    /// Whether the list blocks nothing.
    ///
    /// ```
    /// use idstitch::Blocklist;
    ///
    /// assert!(Blocklist::none().is_empty());
    /// assert!(!Blocklist::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        [
            &self.email,
            &self.phone,
            &self.loyalty_card,
            &self.cookie,
            &self.chat_session,
            &self.custom,
        ]
        .into_iter()
        .chain(self.custom_kinds.values())
        .all(Rules::is_empty)
    }

    fn insert(&mut self, kind: &IdentifierKind, value: &str) {
        self.rules_mut(kind).insert(Slot::of(kind), value);
    }

    fn insert_everywhere(&mut self, value: &str) {
        for kind in IdentifierKind::BUILT_IN {
            self.insert(&kind, value);
        }
        self.custom.insert(Slot::Token, value);
    }

    fn rules_mut(&mut self, kind: &IdentifierKind) -> &mut Rules {
        match kind {
            IdentifierKind::Email => &mut self.email,
            IdentifierKind::Phone => &mut self.phone,
            IdentifierKind::LoyaltyCard => &mut self.loyalty_card,
            IdentifierKind::Cookie => &mut self.cookie,
            IdentifierKind::ChatSession => &mut self.chat_session,
            IdentifierKind::Custom(name) => self
                .custom_kinds
                .entry(name.as_str().to_owned())
                .or_default(),
        }
    }

    /// The rules of a built-in kind, or the rules of every custom kind.
    fn rules(&self, kind: &IdentifierKind) -> &Rules {
        match kind {
            IdentifierKind::Email => &self.email,
            IdentifierKind::Phone => &self.phone,
            IdentifierKind::LoyaltyCard => &self.loyalty_card,
            IdentifierKind::Cookie => &self.cookie,
            IdentifierKind::ChatSession => &self.chat_session,
            IdentifierKind::Custom(_) => &self.custom,
        }
    }

    /// The rules of one custom kind, beyond those of every custom kind.
    fn custom_rules(&self, kind: &IdentifierKind) -> Option<&Rules> {
        match kind {
            IdentifierKind::Custom(name) if !self.custom_kinds.is_empty() => {
                self.custom_kinds.get(name.as_str())
            }
            _ => None,
        }
    }

    /// Checks a normalized value of `kind` (a chat session's token without
    /// its channel).
    #[inline]
    pub(super) fn check(&self, kind: &IdentifierKind, value: &str) -> Result<(), RejectReason> {
        let phone = matches!(kind, IdentifierKind::Phone);
        let hit = self.rules(kind).check(value, phone).or_else(|| {
            self.custom_rules(kind)
                .and_then(|rules| rules.check(value, phone))
        });
        match hit {
            None => Ok(()),
            Some(Hit::Exact) => Err(RejectReason::Placeholder),
            Some(Hit::Pattern(pattern)) => Err(RejectReason::Blocklisted { pattern }),
        }
    }

    /// Whether a value that failed to normalize is, trimmed, one of its
    /// kind's exact entries: then it is reported as a placeholder.
    pub(super) fn is_placeholder(&self, kind: &IdentifierKind, raw: &str) -> bool {
        // Only rejected values get here, so the copy is not on the hot path;
        // a long one is junk of another sort and not worth copying.
        if raw.len() > MAX_NAMED_LEN {
            return false;
        }
        let canonical = canonical_entry(Slot::of(kind), raw);
        self.rules(kind).names(&canonical)
            || self.custom_rules(kind).is_some_and(|r| r.names(&canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(list: &Blocklist, kind: IdentifierKind, value: &str) -> Result<(), RejectReason> {
        list.check(&kind, value)
    }

    #[test]
    fn patterns_match_as_documented() {
        let matches = |pattern: Pattern, value: &str| {
            let mut rules = Rules::default();
            rules.push(pattern);
            rules.check(value, false).is_some()
        };
        assert!(matches(Pattern::Prefix("TMP_".into()), "tmp_1"));
        assert!(!matches(Pattern::Prefix("tmp_".into()), "tm"));
        assert!(matches(Pattern::Suffix("@Shop.nl".into()), "a@shop.nl"));
        assert!(!matches(Pattern::Suffix("@shop.nl".into()), "shop.nl"));
        assert!(matches(Pattern::Contains("test".into()), "my-TEST-1"));
        assert!(!matches(Pattern::Contains("test".into()), "tes"));
        for empty in [
            Pattern::Prefix(String::new()),
            Pattern::Suffix(String::new()),
            Pattern::Contains(String::new()),
            Pattern::LocalPart(String::new()),
            Pattern::Domain(String::new()),
        ] {
            assert!(!matches(empty, "anything@at.all"));
        }

        let local = |value: &str| matches(Pattern::LocalPart("noreply".into()), value);
        assert!(local("noreply@shop.nl"));
        assert!(local("NoReply+orders@shop.nl"));
        assert!(!local("noreply.jan@shop.nl"));
        assert!(!local("jan@noreply.nl"));
        assert!(!local("noreply"));

        // Texts are trimmed of what people tend to write around them.
        assert!(matches(Pattern::Domain(" @Test.COM".into()), "a@test.com"));
        assert!(matches(Pattern::Domain(".test".into()), "a@b.test"));
        assert!(matches(
            Pattern::LocalPart("NoReply@ ".into()),
            "noreply@x.nl"
        ));
        assert!(matches(Pattern::LocalPart("ÄNNE".into()), "änne@x.de"));
        assert!(matches(Pattern::Domain("BÜCHER.de".into()), "a@bücher.de"));

        let domain = |value: &str| matches(Pattern::Domain("test.com".into()), value);
        assert!(domain("a@test.com"));
        assert!(domain("a@mail.TEST.com"));
        assert!(!domain("a@contest.com"));
        assert!(!domain("a@test.com.au"));
        assert!(!domain("test.com"));
        assert!(!domain("mail.test.com"));
        assert!(!domain("a@test.com@x.nl"));

        let repeated = |value: &str| matches(Pattern::RepeatedDigit, value);
        assert!(repeated("0000"));
        assert!(repeated("99"));
        assert!(!repeated("9"));
        assert!(!repeated("0001"));
        assert!(!repeated("AAAA"));
        assert!(!repeated(""));

        let ascending = |value: &str| matches(Pattern::AscendingDigits, value);
        assert!(ascending("123456"));
        assert!(ascending("1234567890"));
        assert!(ascending("789012"));
        assert!(!ascending("12345"));
        assert!(!ascending("123457"));
        assert!(!ascending("654321"));
        assert!(!ascending("12345a"));
    }

    #[test]
    fn phone_digit_patterns_look_at_the_national_number() {
        let list = Blocklist::default();
        let phone = |value: &str| check(&list, IdentifierKind::Phone, value);
        let repeated = Err(RejectReason::Blocklisted {
            pattern: "one digit repeated",
        });
        let ascending = Err(RejectReason::Blocklisted {
            pattern: "a run of ascending digits",
        });
        assert_eq!(phone("+31111111111"), repeated);
        assert_eq!(phone("+31000000000"), repeated);
        assert_eq!(phone("+12222222222"), repeated);
        assert_eq!(phone("+358444444444"), repeated);
        assert_eq!(phone("+31123456789"), ascending);
        assert_eq!(phone("+491234567890"), ascending);
        // The country code is not part of the run.
        assert_eq!(phone("+33333333333"), repeated);
        assert_eq!(phone("+3133333333"), repeated);
        assert_eq!(phone("+31612345678"), Ok(()));
        assert_eq!(phone("+31687654321"), Ok(()));
        assert_eq!(phone("+491701234567"), Ok(()));
        assert_eq!(phone("+358401234567"), Ok(()));
        assert_eq!(phone("+31611111111"), Ok(()));
    }

    #[test]
    fn exact_entries_are_canonical_for_their_kind() {
        let list = Blocklist::none()
            .block(IdentifierKind::Email, " Test@Test.COM ")
            .block(IdentifierKind::Email, "ÄNNE@Bücher.DE")
            .block(IdentifierKind::Phone, "+31 (0)6-1234.5678")
            .block(IdentifierKind::LoyaltyCard, "ab-12 34")
            .block(IdentifierKind::Cookie, "Ck_1");
        let placeholder = Err(RejectReason::Placeholder);
        assert_eq!(
            check(&list, IdentifierKind::Email, "test@test.com"),
            placeholder
        );
        assert_eq!(
            check(&list, IdentifierKind::Email, "änne@bücher.de"),
            placeholder
        );
        // "(0)" is not dropped from an entry: give entries in E.164.
        assert_eq!(check(&list, IdentifierKind::Phone, "+31612345678"), Ok(()));
        let list = list.block(IdentifierKind::Phone, "+31 6 1234 5678");
        assert_eq!(
            check(&list, IdentifierKind::Phone, "+31612345678"),
            placeholder
        );
        assert_eq!(
            check(&list, IdentifierKind::LoyaltyCard, "AB1234"),
            placeholder
        );
        assert_eq!(check(&list, IdentifierKind::Cookie, "CK_1"), placeholder);
        assert_eq!(check(&list, IdentifierKind::Cookie, "ck_2"), Ok(()));
        // Entries are per kind.
        assert_eq!(check(&list, IdentifierKind::ChatSession, "ck_1"), Ok(()));
        let long = "x".repeat(300);
        let list = list.block(IdentifierKind::Cookie, &long);
        assert_eq!(
            check(&list, IdentifierKind::Cookie, &long.to_uppercase()),
            placeholder
        );
        assert_eq!(
            check(&list, IdentifierKind::Cookie, &"x".repeat(299)),
            Ok(())
        );
    }

    #[test]
    fn values_a_kind_never_writes_only_name_failures() {
        let list = Blocklist::none()
            .block(IdentifierKind::Phone, "06-12345678")
            .block(IdentifierKind::Email, "unknown")
            .block(IdentifierKind::LoyaltyCard, "n/a");
        assert!(list.phone.exact.is_empty() && list.email.exact.is_empty());
        assert!(list.loyalty_card.exact.is_empty());
        assert!(list.is_placeholder(&IdentifierKind::Phone, " 06-12345678 "));
        assert!(list.is_placeholder(&IdentifierKind::Email, "UNKNOWN"));
        assert!(list.is_placeholder(&IdentifierKind::LoyaltyCard, "N/A"));
        assert!(!list.is_placeholder(&IdentifierKind::Cookie, "unknown"));
        let list = Blocklist::none()
            .block(IdentifierKind::Phone, "+31 6 1234 5678")
            .block(IdentifierKind::Email, "x@y.nl")
            .block(IdentifierKind::LoyaltyCard, "ab-12");
        assert!(list.phone.words.is_empty() && list.email.words.is_empty());
        assert!(list.loyalty_card.words.is_empty());
        // The two halves serialize as one list and read back the same.
        let both = list.block(IdentifierKind::Email, "n/a");
        let json = serde_json::to_string(&both).unwrap();
        assert!(
            json.contains(r#""email":{"exact":["n/a","x@y.nl"],"patterns":[]}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Blocklist>(&json).unwrap(), both);
    }

    #[test]
    fn custom_kinds_share_the_placeholders_and_keep_their_own_entries() {
        let device: IdentifierKind = "device_id".parse().unwrap();
        let member: IdentifierKind = "member_no".parse().unwrap();
        let list = Blocklist::default().block(device.clone(), "emulator");
        assert_eq!(
            check(&list, device.clone(), "Emulator"),
            Err(RejectReason::Placeholder)
        );
        assert_eq!(check(&list, member.clone(), "emulator"), Ok(()));
        assert_eq!(
            check(&list, member.clone(), "N/A"),
            Err(RejectReason::Placeholder)
        );
        assert_eq!(check(&list, device, "none"), Err(RejectReason::Placeholder));
        // Custom kinds get placeholders only, no digit patterns.
        assert_eq!(check(&list, member, "0000"), Ok(()));
    }

    #[test]
    fn serde_round_trip_and_hand_written_entries() {
        let list = Blocklist::default()
            .block("device_id".parse().unwrap(), "emulator")
            .block_pattern(IdentifierKind::Cookie, Pattern::Prefix("tmp_".into()));
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(serde_json::from_str::<Blocklist>(&json).unwrap(), list);

        let hand: Blocklist = serde_json::from_str(
            r#"{"loyalty_card":{"exact":["NL-0000 1"]},"custom_kinds":{"device_id":{"exact":["Emulator"]}}}"#,
        )
        .unwrap();
        assert_eq!(
            hand,
            Blocklist::none()
                .block(IdentifierKind::LoyaltyCard, "nl00001")
                .block("device_id".parse().unwrap(), "emulator")
        );
        assert_eq!(
            serde_json::from_str::<Blocklist>("{}").unwrap(),
            Blocklist::none()
        );
    }

    #[test]
    fn messages_never_repeat_the_value() {
        assert_eq!(
            RejectReason::Placeholder.to_string(),
            "the value is a placeholder (such as `unknown` or `n/a`) or an exact value on the \
             blocklist, not a real identifier"
        );
        let pattern = Pattern::Domain("secret-domain.nl".into());
        let reason = RejectReason::Blocklisted {
            pattern: pattern.describe(),
        };
        assert!(!reason.to_string().contains("secret"), "{reason}");
    }
}
