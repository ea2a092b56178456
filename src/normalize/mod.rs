//! Normalization: pure functions from a raw value to its canonical text, one
//! module per kind, no state. The configuration lives in [`Normalizer`].
//!
//! Every function writes into a caller-owned `String` so that the resolver's
//! hot path reuses one buffer instead of allocating per identifier.

mod card;
mod email;
mod phone;
mod token;

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;
use crate::identifier::{Channel, Identifier, IdentifierKind};

pub use card::CheckDigit;
pub use email::{EmailProviderRule, EmailRules};
pub use phone::Region;

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
/// until one is set), the [`EmailRules::default`] provider rules, no loyalty
/// card check digit, and tokens (cookies, chat sessions, custom kinds) of at
/// most 256 bytes.
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
pub struct Normalizer {
    default_region: Option<Region>,
    email_rules: EmailRules,
    card_check_digit: CheckDigit,
    max_token_len: usize,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            default_region: None,
            email_rules: EmailRules::default(),
            card_check_digit: CheckDigit::None,
            max_token_len: 256,
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
        out.clear();
        let raw = identifier.value();
        if raw.len() > MAX_RAW_LEN {
            return Err(RejectReason::TooLong {
                len: raw.len(),
                max: MAX_RAW_LEN,
            });
        }
        match identifier.kind() {
            IdentifierKind::Email => email::normalize(raw, &self.email_rules, out),
            IdentifierKind::Phone => {
                let region = context.region.or(self.default_region);
                phone::normalize(raw, region, out)
            }
            IdentifierKind::LoyaltyCard => card::normalize(raw, self.card_check_digit, out),
            IdentifierKind::Cookie | IdentifierKind::Custom(_) => {
                token::normalize(raw, self.max_token_len, out)
            }
            IdentifierKind::ChatSession => {
                let channel = identifier.channel().or(context.channel);
                token::normalize_chat_session(raw, channel, self.max_token_len, out)
            }
        }
    }
}
