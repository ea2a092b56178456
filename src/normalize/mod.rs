//! Normalization: pure functions from a raw value to its canonical text, one
//! module per kind, no state. The configuration lives in [`Normalizer`].
//!
//! Every function writes into a caller-owned `String` so that the resolver's
//! hot path reuses one buffer instead of allocating per identifier.

mod blocklist;
mod card;
mod email;
mod phone;
mod token;

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;
use crate::identifier::{Channel, Identifier, IdentifierKind};

pub use blocklist::{Blocklist, Pattern};
pub use card::CheckDigit;
pub use email::{EmailProviderRule, EmailRules};
pub use phone::Region;
pub(crate) use phone::country_code_len;

/// Raw values longer than this are rejected before anything else looks at
/// them, so a megabyte-long garbage string costs one length check.
const MAX_RAW_LEN: usize = 4096;

/// Trims `raw`; rejects it when nothing is left or it is longer than
/// `max_len` bytes. The first step of every kind.
fn trimmed(raw: &str, max_len: usize) -> Result<&str, RejectReason> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(RejectReason::Empty);
    }
    if text.len() > max_len {
        return Err(RejectReason::TooLong {
            len: text.len(),
            max: max_len,
        });
    }
    Ok(text)
}

/// Turns raw identifier values into canonical text, or says why it cannot.
///
/// Defaults: no default phone region (national-format numbers are rejected
/// until one is set), the [`EmailRules::default`] provider rules, loyalty
/// cards of 4 to 32 letters and digits with no check digit, tokens (cookies,
/// chat sessions, custom kinds) of at most 256 bytes, cookies and chat
/// sessions of at least 2, and the [`Blocklist::default`] of placeholders and
/// junk values, checked after normalization.
///
/// ```
/// use idstitch::{Identifier, Normalizer, Region};
///
/// let mut normalizer = Normalizer::default();
/// normalizer.default_region(Region::NL);
/// assert_eq!(normalizer.normalize(&Identifier::phone("06-12345678")).unwrap(), "+31612345678");
/// assert_eq!(
///     normalizer.normalize(&Identifier::email(" Jan.deVries@Example.COM ")).unwrap(),
///     "jan.devries@example.com"
/// );
/// assert!(normalizer.normalize(&Identifier::email("no-at-sign")).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// A stored configuration without the newer settings gets their defaults.
#[serde(default)]
pub struct Normalizer {
    default_region: Option<Region>,
    email_rules: EmailRules,
    card_check_digit: CheckDigit,
    /// Loyalty card length bounds, in letters and digits.
    min_card_len: usize,
    max_card_len: usize,
    /// Cookie and chat session tokens are at least this long; custom kinds
    /// have no minimum.
    min_token_len: usize,
    max_token_len: usize,
    blocklist: Blocklist,
}

/// Default shortest cookie or chat session token. Real ones are far longer;
/// 2 still lets through the short tokens of tests and hand-made examples.
const DEFAULT_MIN_TOKEN_LEN: usize = 2;

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            default_region: None,
            email_rules: EmailRules::default(),
            card_check_digit: CheckDigit::None,
            min_card_len: card::DEFAULT_MIN_LEN,
            max_card_len: card::DEFAULT_MAX_LEN,
            min_token_len: DEFAULT_MIN_TOKEN_LEN,
            max_token_len: 256,
            blocklist: Blocklist::default(),
        }
    }
}

/// What an event tells the normalizer beyond the raw value.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context<'a> {
    /// Region hint from the event (its `country`, or its store's country);
    /// takes precedence over the default region.
    pub(crate) region: Option<Region>,
    /// The event's channel, which qualifies chat session tokens.
    pub(crate) channel: Option<&'a Channel>,
}

impl Normalizer {
    /// Sets the region used for phone numbers written in national format when
    /// the event gives no region hint.
    ///
    /// ```
    /// use idstitch::{Identifier, Normalizer, Region};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.default_region(Region::FI);
    /// assert_eq!(normalizer.normalize(&Identifier::phone("040 1234567")).unwrap(), "+358401234567");
    /// ```
    pub fn default_region(&mut self, region: Region) -> &mut Self {
        self.default_region = Some(region);
        self
    }

    /// Sets the per-provider email rules (dots and `+tags`).
    ///
    /// ```
    /// use idstitch::{EmailRules, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// let gmail = Identifier::email("Jan.De.Vries+shop@gmail.com");
    /// assert_eq!(normalizer.normalize(&gmail).unwrap(), "jandevries@gmail.com");
    /// normalizer.email_rules(EmailRules::none());
    /// assert_eq!(normalizer.normalize(&gmail).unwrap(), "jan.de.vries+shop@gmail.com");
    /// ```
    pub fn email_rules(&mut self, rules: EmailRules) -> &mut Self {
        self.email_rules = rules;
        self
    }

    /// Sets the check-digit scheme loyalty card numbers must pass.
    ///
    /// ```
    /// use idstitch::{CheckDigit, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.card_check_digit(CheckDigit::Ean13);
    /// assert_eq!(normalizer.normalize(&Identifier::loyalty_card("4006381-333931")).unwrap(), "4006381333931");
    /// assert!(normalizer.normalize(&Identifier::loyalty_card("4006381333932")).is_err());
    /// ```
    pub fn card_check_digit(&mut self, scheme: CheckDigit) -> &mut Self {
        self.card_check_digit = scheme;
        self
    }

    /// Sets the longest cookie, chat session or custom token accepted, in bytes
    /// after trimming (default 256; at most 4096).
    ///
    /// ```
    /// use idstitch::{Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.max_token_len(8);
    /// assert!(normalizer.normalize(&Identifier::cookie("ck_12345")).is_ok());
    /// assert!(normalizer.normalize(&Identifier::cookie("ck_123456789")).is_err());
    /// ```
    pub fn max_token_len(&mut self, max: usize) -> &mut Self {
        self.max_token_len = max.clamp(1, MAX_RAW_LEN);
        self
    }

    /// Sets the shortest cookie or chat session token accepted, in bytes
    /// after trimming (default 2). Custom kinds have no minimum.
    ///
    /// ```
    /// use idstitch::{Identifier, Normalizer, RejectReason};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.min_token_len(8);
    /// assert!(normalizer.normalize(&Identifier::cookie("ck_9f2a81")).is_ok());
    /// assert_eq!(
    ///     normalizer.normalize(&Identifier::cookie("ck_9f2a")),
    ///     Err(RejectReason::TooShort { len: 7, min: 8 })
    /// );
    /// ```
    pub fn min_token_len(&mut self, min: usize) -> &mut Self {
        self.min_token_len = min.clamp(1, MAX_RAW_LEN);
        self
    }

    /// Sets how many letters and digits a loyalty card number has, spaces and
    /// dashes not counted (default `4..=32`; the end is capped at 64).
    ///
    /// ```
    /// use idstitch::{Identifier, Normalizer, RejectReason};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.card_len(12..=13);
    /// assert!(normalizer.normalize(&Identifier::loyalty_card("4471 0092 1183")).is_ok());
    /// assert_eq!(
    ///     normalizer.normalize(&Identifier::loyalty_card("4471-0092")),
    ///     Err(RejectReason::TooShort { len: 8, min: 12 })
    /// );
    /// ```
    pub fn card_len(&mut self, len: RangeInclusive<usize>) -> &mut Self {
        let max = (*len.end()).clamp(1, card::MAX_LEN);
        self.max_card_len = max;
        self.min_card_len = (*len.start()).clamp(1, max);
        self
    }

    /// Sets the values rejected before they can link (default
    /// [`Blocklist::default`]). Values are checked after normalization, so an
    /// entry covers every spelling that normalizes to it.
    ///
    /// ```
    /// use idstitch::{Blocklist, Identifier, IdentifierKind, Normalizer, RejectReason};
    ///
    /// let mut normalizer = Normalizer::default();
    /// assert_eq!(normalizer.normalize(&Identifier::email("N/A")), Err(RejectReason::Placeholder));
    /// assert!(normalizer.normalize(&Identifier::email("info@shop.nl")).is_ok());
    ///
    /// normalizer.blocklist(Blocklist::default().block(IdentifierKind::Email, "info@shop.nl"));
    /// assert_eq!(normalizer.normalize(&Identifier::email(" Info@Shop.NL")), Err(RejectReason::Placeholder));
    ///
    /// normalizer.blocklist(Blocklist::none());
    /// assert_eq!(normalizer.normalize(&Identifier::email("N/A")), Err(RejectReason::MissingAt));
    /// ```
    pub fn blocklist(&mut self, blocklist: Blocklist) -> &mut Self {
        self.blocklist = blocklist;
        self
    }

    /// The default phone region, if set.
    pub fn region(&self) -> Option<Region> {
        self.default_region
    }

    /// Normalizes one identifier with the default region. A chat session is
    /// qualified by the identifier's own channel.
    ///
    /// # Errors
    /// The [`RejectReason`] that says why the value is not acceptable.
    pub fn normalize(&self, identifier: &Identifier) -> Result<String, RejectReason> {
        let mut out = String::new();
        self.normalize_into(identifier, Context::default(), &mut out)?;
        Ok(out)
    }

    /// Normalizes `identifier` into `out` (cleared first). The identifier's own
    /// channel wins over the event's.
    pub(crate) fn normalize_into(
        &self,
        identifier: &Identifier,
        context: Context<'_>,
        out: &mut String,
    ) -> Result<(), RejectReason> {
        let kind = identifier.kind();
        match self.normalize_unchecked(identifier, context, out) {
            Ok(()) => {
                // A chat session is checked without its channel: `channel:`
                // comes first, and channel names hold no `:`.
                let value = match kind {
                    IdentifierKind::ChatSession => match out.bytes().position(|b| b == b':') {
                        Some(colon) => out.get(colon + 1..).unwrap_or_default(),
                        None => out,
                    },
                    _ => out,
                };
                self.blocklist.check(kind, value)
            }
            // "unknown" is a placeholder, not an address without `@`.
            Err(_) if self.blocklist.is_placeholder(kind, identifier.value()) => {
                Err(RejectReason::Placeholder)
            }
            Err(reason) => Err(reason),
        }
    }

    /// [`Normalizer::normalize_into`] without the blocklist: the kind's own
    /// rules only.
    fn normalize_unchecked(
        &self,
        identifier: &Identifier,
        context: Context<'_>,
        out: &mut String,
    ) -> Result<(), RejectReason> {
        out.clear();
        let raw = identifier.value();
        if raw.len() > MAX_RAW_LEN {
            return Err(RejectReason::TooLong {
                len: raw.len(),
                max: MAX_RAW_LEN,
            });
        }
        let tokens = (self.min_token_len, self.max_token_len);
        match identifier.kind() {
            IdentifierKind::Email => email::normalize(raw, &self.email_rules, out),
            IdentifierKind::Phone => {
                let region = context.region.or(self.default_region);
                phone::normalize(raw, region, out)
            }
            IdentifierKind::LoyaltyCard => card::normalize(
                raw,
                self.card_check_digit,
                (self.min_card_len, self.max_card_len),
                out,
            ),
            IdentifierKind::Cookie => token::normalize_cookie(raw, tokens, out),
            IdentifierKind::Custom(_) => token::normalize(raw, self.max_token_len, out),
            IdentifierKind::ChatSession => {
                let channel = identifier.channel().or(context.channel);
                token::normalize_chat_session(raw, channel, tokens, out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalizer() -> Normalizer {
        let mut normalizer = Normalizer::default();
        normalizer.default_region(Region::NL);
        normalizer
    }

    fn kind(name: &str) -> IdentifierKind {
        name.parse().unwrap()
    }

    fn id(kind_name: &str, value: &str) -> Identifier {
        match kind_name.split_once('@') {
            Some((_, channel)) => Identifier::chat_session(channel.parse().unwrap(), value),
            None => Identifier::new(kind(kind_name), value),
        }
    }

    fn unchecked(normalizer: &Normalizer, identifier: &Identifier) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalizer
            .normalize_unchecked(identifier, Context::default(), &mut out)
            .map(|()| out)
    }

    /// Real values of every kind: the defaults must keep all of them.
    const REAL: &[(&str, &str)] = &[
        ("email", " Jan.deVries@Example.COM "),
        ("email", "jan.devries@example.com"),
        ("email", "Aino.Virtanen@gmail.com"),
        ("email", "ainovirtanen+kassa@gmail.com"),
        ("email", "piet@ziggo.nl"),
        ("email", "info@shop.nl"),
        ("email", "test.jansen@kpn.nl"),
        ("email", "noreply.jan@web.de"),
        ("email", "jan@contest.com"),
        ("email", "änne@bücher.de"),
        ("email", "a@b.co"),
        ("phone", "+31612345678"),
        ("phone", "06-12345678"),
        ("phone", "31612345678"),
        ("phone", "+31 6 8765 4321"),
        ("phone", "+358 40 123 4567"),
        ("phone", "+49 170 1234567"),
        ("phone", "+31 6 1111 1111"),
        ("phone", "+31 20 000 0000"),
        ("loyalty_card", "4471-0092 1183"),
        ("loyalty_card", "9900-3127-5546"),
        ("loyalty_card", "8800 0000 0042"),
        ("loyalty_card", "NL-4471-0092"),
        ("loyalty_card", "1234-5678"),
        ("cookie", "ck_9f2a"),
        ("cookie", "ck_1"),
        ("cookie", "GA1.2.1234567890.1700000000"),
        ("cookie", "nullable_7f"),
        ("chat_session@whatsapp", "wa-3315"),
        ("chat_session@chat", "lc-8841"),
        ("chat_session@chat", "s-1"),
        ("device_id", "d-1"),
        ("device_id", "A"),
        ("customer_id", "jan@example.com"),
        ("customer_id", "0000"),
    ];

    #[test]
    fn real_values_pass_the_defaults() {
        let normalizer = normalizer();
        for (kind, raw) in REAL {
            let identifier = id(kind, raw);
            let checked = normalizer.normalize(&identifier);
            assert!(checked.is_ok(), "{kind} {raw:?}: {checked:?}");
            assert_eq!(checked, unchecked(&normalizer, &identifier));
        }
    }

    #[test]
    fn junk_is_rejected_with_a_reason() {
        use RejectReason::{Blocklisted, Placeholder};
        let local = Blocklisted {
            pattern: "a blocked email local part",
        };
        let domain = Blocklisted {
            pattern: "a blocked email domain",
        };
        let repeated = Blocklisted {
            pattern: "one digit repeated",
        };
        let ascending = Blocklisted {
            pattern: "a run of ascending digits",
        };
        let cases: &[(&str, &str, RejectReason)] = &[
            ("email", "unknown", Placeholder),
            ("email", " N/A ", Placeholder),
            ("email", "NULL", Placeholder),
            ("email", "-", Placeholder),
            ("email", "Test@Test.com ", Placeholder),
            ("email", "test@example.com", Placeholder),
            ("email", "A@A.COM", Placeholder),
            ("email", "noreply@shop.nl", local.clone()),
            ("email", "No-Reply+orders@shop.nl", local.clone()),
            ("email", "do-not-reply@mail.shop.nl", local.clone()),
            ("email", "donotreply@bol.com", local.clone()),
            ("email", "noemail@ziggo.nl", local),
            ("email", "jan@test.com", domain.clone()),
            ("email", "jan@mail.test.com", domain.clone()),
            ("email", "jan@shop.test", domain.clone()),
            ("email", "jan@host.invalid", domain.clone()),
            ("email", "jan@my.localhost", domain.clone()),
            ("email", "jan@printer.local", domain),
            (
                "email",
                "a@b.c",
                RejectReason::InvalidDomain {
                    why: "the last label must be at least two characters and start with a letter",
                },
            ),
            (
                "email",
                "jan@1.2.3.4",
                RejectReason::InvalidDomain {
                    why: "the last label must be at least two characters and start with a letter",
                },
            ),
            ("phone", "unknown", Placeholder),
            ("phone", "-1", Placeholder),
            ("phone", "0", Placeholder),
            ("phone", "+31 111 111 111", repeated.clone()),
            ("phone", "06-66666666", repeated.clone()),
            ("phone", "+1 (222) 222-2222", repeated.clone()),
            ("phone", "+31 123456789", ascending.clone()),
            ("phone", "0123456789", ascending),
            (
                "phone",
                "+31 000000000",
                RejectReason::TooFewDigits { digits: 8, min: 9 },
            ),
            ("loyalty_card", "N/A", Placeholder),
            ("loyalty_card", "none", Placeholder),
            ("loyalty_card", "Not Provided", Placeholder),
            ("loyalty_card", "0000-0000", repeated.clone()),
            ("loyalty_card", "1111 1111 1111", repeated.clone()),
            ("loyalty_card", "0000000000000", repeated),
            (
                "loyalty_card",
                "123",
                RejectReason::TooShort { len: 3, min: 4 },
            ),
            (
                "loyalty_card",
                &"4".repeat(40),
                RejectReason::TooLong { len: 40, max: 32 },
            ),
            ("cookie", "undefined", Placeholder),
            ("cookie", "NULL", Placeholder),
            ("cookie", "[object Object]", Placeholder),
            ("cookie", "(not set)", Placeholder),
            ("cookie", "-1", Placeholder),
            ("cookie", "0", Placeholder),
            ("cookie", "x", RejectReason::TooShort { len: 1, min: 2 }),
            ("cookie", "ck 9f2a", RejectReason::Whitespace),
            (
                "cookie",
                "jan@example.com",
                RejectReason::InvalidCharacter { ch: '@' },
            ),
            ("chat_session@whatsapp", "null", Placeholder),
            ("chat_session@chat", "Unknown", Placeholder),
            (
                "chat_session@chat",
                "s",
                RejectReason::TooShort { len: 1, min: 2 },
            ),
            ("device_id", "n/a", Placeholder),
            ("device_id", "undefined", Placeholder),
        ];
        let normalizer = normalizer();
        for (kind, raw, reason) in cases {
            assert_eq!(
                normalizer.normalize(&id(kind, raw)).as_ref(),
                Err(reason),
                "{kind} {raw:?}"
            );
            // The message says what is wrong without repeating the value.
            let message = reason.to_string();
            assert!(
                raw.trim().len() < 8
                    || !message.to_lowercase().contains(&raw.trim().to_lowercase()),
                "{message}"
            );
        }
    }

    #[test]
    fn settings_apply() {
        let mut normalizer = normalizer();
        normalizer.min_token_len(6).card_len(10..=12);
        let ok = |n: &Normalizer, kind: &str, raw: &str| n.normalize(&id(kind, raw)).is_ok();
        assert!(!ok(&normalizer, "cookie", "ck_9f"));
        assert!(ok(&normalizer, "cookie", "ck_9f2"));
        assert!(!ok(&normalizer, "chat_session@chat", "lc-88"));
        assert!(ok(&normalizer, "device_id", "d-1"));
        assert!(!ok(&normalizer, "loyalty_card", "4471-0092"));
        assert!(ok(&normalizer, "loyalty_card", "4471-0092-11"));
        assert!(!ok(&normalizer, "loyalty_card", "4471-0092-1183-1"));
        // Bounds are kept sane.
        normalizer.min_token_len(0).card_len(50..=100);
        assert!(ok(&normalizer, "cookie", "ck"));
        assert!(ok(&normalizer, "loyalty_card", &"47".repeat(32)));
        normalizer.card_len(RangeInclusive::new(9, 3));
        assert!(ok(&normalizer, "loyalty_card", "447"));
        assert!(!ok(&normalizer, "loyalty_card", "4471"));
    }

    #[test]
    fn older_configurations_read_with_the_new_defaults() {
        let json = r#"{"default_region":"NL","card_check_digit":"Luhn","max_token_len":64}"#;
        let read: Normalizer = serde_json::from_str(json).unwrap();
        let mut expected = Normalizer::default();
        expected
            .default_region(Region::NL)
            .card_check_digit(CheckDigit::Luhn)
            .max_token_len(64);
        assert_eq!(read, expected);
        let mut custom = normalizer();
        custom
            .min_token_len(5)
            .card_len(6..=20)
            .blocklist(Blocklist::none().block(IdentifierKind::Cookie, "ck_test"));
        let json = serde_json::to_string(&custom).unwrap();
        assert_eq!(serde_json::from_str::<Normalizer>(&json).unwrap(), custom);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn kind_name() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "email",
                "phone",
                "loyalty_card",
                "cookie",
                "chat_session@whatsapp",
                "device_id",
            ])
        }

        /// Values close to what each kind accepts, junk included.
        fn raw() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ a-zA-Z0-9._+-]{1,12}@[a-zA-Z0-9-]{1,8}\\.[a-z0-9]{1,4}",
                "[ +]?[0-9 ()-]{4,16}",
                "[ a-zA-Z0-9-]{0,20}",
                prop::sample::select(
                    REAL.iter()
                        .map(|(_, raw)| (*raw).to_owned())
                        .collect::<Vec<_>>()
                ),
                prop::sample::select(
                    blocklist::PLACEHOLDERS
                        .iter()
                        .chain(blocklist::EMAILS)
                        .map(|word| (*word).to_owned())
                        .collect::<Vec<_>>()
                ),
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn none_changes_nothing(kind in kind_name(), raw in raw()) {
                let mut normalizer = normalizer();
                normalizer.blocklist(Blocklist::none());
                let identifier = id(kind, &raw);
                prop_assert_eq!(normalizer.normalize(&identifier), unchecked(&normalizer, &identifier));
            }

            #[test]
            fn the_default_only_rejects(kind in kind_name(), raw in raw()) {
                let normalizer = normalizer();
                let identifier = id(kind, &raw);
                match (normalizer.normalize(&identifier), unchecked(&normalizer, &identifier)) {
                    (Ok(checked), unchecked) => prop_assert_eq!(Ok(checked), unchecked),
                    (Err(RejectReason::Placeholder | RejectReason::Blocklisted { .. }), _) => {}
                    (Err(checked), unchecked) => prop_assert_eq!(Err(checked), unchecked),
                }
            }

            #[test]
            fn a_listed_value_is_never_accepted(kind in kind_name(), raw in raw(), pad in "[ ]{0,2}", upper: bool) {
                let normalizer = normalizer();
                let identifier = id(kind, &raw);
                let Ok(value) = unchecked(&normalizer, &identifier) else {
                    return Ok(());
                };
                // The normalized value (a chat session's token), as a user
                // might write it: other case, padded.
                let entry = match value.split_once(':') {
                    Some((_, token)) if kind.starts_with("chat_session") => token.to_owned(),
                    _ => value.clone(),
                };
                let entry = if upper { entry.to_ascii_uppercase() } else { entry };
                let mut listed = normalizer.clone();
                listed.blocklist(Blocklist::none().block(identifier.kind().clone(), format!("{pad}{entry}{pad}")));
                prop_assert_eq!(listed.normalize(&identifier), Err(RejectReason::Placeholder));
                listed.blocklist(Blocklist::default().block_everywhere(&entry));
                prop_assert!(listed.normalize(&identifier).is_err());
            }

            #[test]
            fn default_words_are_never_accepted(
                kind in kind_name(),
                word in prop::sample::select(blocklist::PLACEHOLDERS),
                email in prop::sample::select(blocklist::EMAILS),
                pad in "[ ]{0,2}",
                upper: bool,
            ) {
                let case = |text: &str| if upper { text.to_ascii_uppercase() } else { text.to_owned() };
                let normalizer = normalizer();
                let raw = format!("{pad}{}{pad}", case(word));
                prop_assert!(normalizer.normalize(&id(kind, &raw)).is_err(), "{} {:?}", kind, raw);
                let raw = format!("{pad}{}{pad}", case(email));
                prop_assert_eq!(normalizer.normalize(&id("email", &raw)), Err(RejectReason::Placeholder));
            }
        }
    }
}
