//! Fuzzy match rules: link records that are probably the same person although
//! no identifier is equal, such as `jan.devries@gmial.com` typed in a live chat
//! and `jan.devries@gmail.com` given at checkout.
//!
//! The deterministic core links identifiers that are equal after
//! normalization; this module only *proposes* links, each with a rule and a
//! score, and never merges by itself. The types you need first:
//!
//! - [`MatchRecord`]: what a rule sees of one event, its normalized
//!   identifiers and its attributes (`name`, `city`, `postcode`, …);
//! - [`MatchRule`]: a rule scores two records, and says through blocking
//!   keys which records are worth comparing at all. [`EmailTypo`],
//!   [`NamePlace`] and [`PhoneSlip`] are built in ([`builtin_rules`]);
//! - [`Matcher`]: matches each new record against the earlier ones, as it
//!   arrives, with at most [`FuzzyConfig::max_comparisons`] comparisons per
//!   record, and sorts what it finds by the two thresholds of
//!   [`FuzzyConfig`] into [`Decision::AutoMerge`] and [`Decision::Suggest`].
//!
//! ```
//! use idstitch::IdentifierKind;
//! use idstitch::fuzzy::{Decision, FuzzyConfig, MatchRecord, Matcher};
//!
//! let mut matcher = Matcher::new(FuzzyConfig::default());
//! // Checkout, then a live chat with a typo in the email's domain.
//! let checkout = MatchRecord::new().with_identifier(IdentifierKind::Email, "jandevries@gmail.com");
//! assert!(matcher.match_record(1, checkout).is_empty());
//! let chat = MatchRecord::new().with_identifier(IdentifierKind::Email, "jan.devries@gmial.com");
//! let found = matcher.match_record(2, chat);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].candidate(), 1);
//! assert_eq!(found[0].decision(), Decision::AutoMerge);
//! assert_eq!(matcher.rule_name(found[0].rule()), Some("email_typo"));
//! ```
//!
//! # Scores and thresholds
//! A score lies in [0, 1]. At or above `auto_merge` (default 0.95) a match
//! is meant to merge; from `suggest` (default 0.80) up to `auto_merge` it is
//! meant for a person to review; below `suggest` it is dropped. The built-in
//! rules never score 1: a fuzzy match is never certain. *Backed* means the
//! two records also have names alike (≥ 0.92) and the same postcode or city.
//!
//! | Rule | Evidence | Score |
//! |---|---|---|
//! | [`EmailTypo`] | same local part, known domain typo (`gmial.com`) | 0.97 |
//! | [`EmailTypo`] | same local part, domains one edit apart | 0.88 (0.96 backed) |
//! | [`EmailTypo`] | local parts one edit apart, same domain | 0.86 (0.96 backed) |
//! | [`EmailTypo`] | local parts one edit apart, known domain typo | 0.82 (0.93 backed) |
//! | [`NamePlace`] | name similarity *s*, same postcode | min(*s*, 0.99) |
//! | [`NamePlace`] | name similarity *s*, same city | 0.9 × min(*s*, 0.99) |
//! | [`PhoneSlip`] | one transposed digit, an email or another phone in common | 0.97 |
//! | [`PhoneSlip`] | one transposed digit, names alike (≥ 0.92) | 0.95 |
//! | [`PhoneSlip`] | one transposed digit, same postcode | 0.88 |
//!
//! # Blocking
//! Comparing every new record with every earlier one would cost time in
//! proportion to all records seen. Instead each rule gives a few
//! [`BlockKey`]s per record, and a new record is compared only with earlier
//! records that share a key under the same rule: a typo'd email with the
//! emails that are one edit away, a phone number with those that differ by
//! one transposition. Blocks that grow large are cut at the comparison cap,
//! so the work per record is bounded whatever the data; [`MatchStats`] says
//! how often the cap cut candidates off.
//!
//! # Privacy
//! A [`Matcher`] keeps the records it indexed, with their normalized values,
//! in memory: fuzzy comparison needs the values, not only their hashes.
//! [`Matcher::remove`] forgets a record. `Debug` output of records and
//! matchers never shows values.

mod edit;
mod email;
mod fold;
mod index;
mod matcher;
mod name;
mod phone;
mod record;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use crate::identifier::IdentifierKind;

pub use email::EmailTypo;
pub use matcher::{Decision, FuzzyMatch, MatchStats, Matcher};
pub use name::NamePlace;
pub use phone::PhoneSlip;
pub use record::MatchRecord;

/// Why a fuzzy configuration value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FuzzyError {
    /// A score outside [0, 1], or not a number.
    #[error("a score is a number from 0 to 1; got {value}")]
    ScoreOutOfRange {
        /// The refused value.
        value: f64,
    },
    /// Thresholds that are out of [0, 1] or in the wrong order.
    #[error(
        "thresholds need 0 ≤ suggest ≤ auto_merge ≤ 1; got suggest {suggest}, auto_merge {auto_merge}"
    )]
    InvalidThresholds {
        /// The `suggest` threshold given.
        suggest: f64,
        /// The `auto_merge` threshold given.
        auto_merge: f64,
    },
}

/// How alike two records are, from 0 (nothing alike) to 1 (certainly the
/// same person).
///
/// Always a number in [0, 1]: [`Score::new`] refuses anything else with a
/// typed error, [`Score::clamped`] brings it into range. Because it is never
/// NaN, scores are totally ordered.
///
/// ```
/// use idstitch::fuzzy::Score;
///
/// let score = Score::new(0.97)?;
/// assert_eq!(score.get(), 0.97);
/// assert!(Score::new(1.5).is_err() && Score::new(f64::NAN).is_err());
/// assert_eq!(Score::clamped(1.5), Score::ONE);
/// assert_eq!(Score::clamped(f64::NAN), Score::ZERO);
/// assert!(Score::new(0.8)? < score);
/// # Ok::<(), idstitch::fuzzy::FuzzyError>(())
/// ```
#[derive(Clone, Copy, Default)]
pub struct Score(f64);

impl Score {
    /// Nothing alike.
    pub const ZERO: Score = Score(0.0);
    /// Certainly the same.
    pub const ONE: Score = Score(1.0);

    /// `value` as a score.
    ///
    /// # Errors
    /// [`FuzzyError::ScoreOutOfRange`] when `value` is NaN or outside [0, 1].
    pub fn new(value: f64) -> Result<Score, FuzzyError> {
        if (0.0..=1.0).contains(&value) {
            // `+ 0.0` turns -0.0 into 0.0, so equal scores have equal bits.
            Ok(Score(value + 0.0))
        } else {
            Err(FuzzyError::ScoreOutOfRange { value })
        }
    }

    /// `value` brought into [0, 1]; NaN becomes 0.
    pub fn clamped(value: f64) -> Score {
        if value.is_nan() {
            Score::ZERO
        } else {
            Score(value.clamp(0.0, 1.0) + 0.0)
        }
    }

    /// The score as a number in [0, 1].
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Score {
    fn eq(&self, other: &Score) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Score) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Score) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl fmt::Debug for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl TryFrom<f64> for Score {
    type Error = FuzzyError;

    fn try_from(value: f64) -> Result<Score, FuzzyError> {
        Score::new(value)
    }
}

/// A blocking key: records are compared under a rule only when they share a
/// key of that rule.
///
/// A key is a 64-bit hash of the bytes a rule chooses. The hash is FNV-1a
/// with a 64-bit finalizer: unkeyed and fixed, so the same bytes give the
/// same key on every run and platform, which keeps matching deterministic.
/// It is not keyed because keys are not secret (the matcher keeps the values
/// themselves) and because anyone who can send events can fill a block with
/// records that share a key legitimately; the comparison cap bounds the cost
/// either way. (A blake3 key cost about 130 ns against about 20 ns here, and
/// an email yields a key per non-digit byte of a local part of 6 bytes or
/// more, plus its whole-address and domain keys.) A collision of two
/// unrelated keys only costs a comparison.
///
/// ```
/// use idstitch::fuzzy::BlockKey;
///
/// let key = BlockKey::new("1234ab");
/// assert_eq!(key, BlockKey::from_parts(["1234", "ab"]));
/// assert_ne!(key, BlockKey::new("1234ac"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockKey(u64);

impl BlockKey {
    /// The key of `bytes`.
    pub fn new(bytes: impl AsRef<[u8]>) -> BlockKey {
        let mut hasher = BlockHasher::new();
        hasher.write(bytes.as_ref());
        hasher.finish()
    }

    /// The key of the concatenation of `parts`, without building it: so
    /// `["ab", "c"]` and `["a", "bc"]` give the same key. Put a separator
    /// between fields that must not run into each other.
    pub fn from_parts<I>(parts: I) -> BlockKey
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut hasher = BlockHasher::new();
        for part in parts {
            hasher.write(part.as_ref());
        }
        hasher.finish()
    }
}

impl fmt::Debug for BlockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlockKey({:016x})", self.0)
    }
}

/// The streaming hash behind [`BlockKey`]: FNV-1a over the bytes, then the
/// murmur3 finalizer so that every output bit depends on every input bit.
#[derive(Clone, Copy)]
pub(crate) struct BlockHasher(u64);

impl BlockHasher {
    pub(crate) fn new() -> BlockHasher {
        BlockHasher(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn finish(self) -> BlockKey {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        BlockKey(h)
    }
}

/// A fuzzy match rule: how alike two records are, and which records are
/// worth comparing at all.
///
/// A rule needs [`score`](MatchRule::score); [`name`](MatchRule::name),
/// [`blocking_keys`](MatchRule::blocking_keys) and the rarely needed
/// [`one_way_keys`](MatchRule::one_way_keys) have defaults. The
/// [`Matcher`] calls a rule only for two records that share one of its
/// blocking keys, so **a rule without blocking keys is never asked**.
///
/// ```
/// use idstitch::fuzzy::{BlockKey, FuzzyConfig, MatchRecord, MatchRule, Matcher, Score};
///
/// /// Same customer number in the CRM export, written with or without the
/// /// leading zeros.
/// struct CustomerNumber;
///
/// impl MatchRule for CustomerNumber {
///     fn name(&self) -> &str {
///         "customer_number"
///     }
///
///     fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
///         let a = a.attr("customer_no")?.trim_start_matches('0');
///         let b = b.attr("customer_no")?.trim_start_matches('0');
///         (!a.is_empty() && a == b).then_some(Score::clamped(0.96))
///     }
///
///     fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
///         if let Some(number) = record.attr("customer_no") {
///             keys.push(BlockKey::new(number.trim_start_matches('0')));
///         }
///     }
/// }
///
/// let mut config = FuzzyConfig::default();
/// config.rule(CustomerNumber);
/// let mut matcher = Matcher::new(config);
/// matcher.match_record(1, MatchRecord::new().with_attr("customer_no", "004711"));
/// let found = matcher.match_record(2, MatchRecord::new().with_attr("customer_no", "4711"));
/// assert_eq!(found[0].candidate(), 1);
/// assert_eq!(matcher.rule_name(found[0].rule()), Some("customer_number"));
/// ```
///
/// # What a wrong implementation costs
/// Some mistakes only make matching slower; others make it wrong.
///
/// **Merely slow:** blocking keys that are too coarse, so that many records
/// share a key (a key per city, say). Each new record is then compared with
/// more candidates, up to the comparison cap; beyond the cap the newest
/// candidates are kept and the rest are skipped and counted in
/// [`MatchStats::skipped`]. So a coarse key costs time, and in very large
/// blocks it can also cost the older matches that the cap cuts off.
///
/// **Incorrect:**
/// - *Asymmetric scores*: `score(a, b)` must equal `score(b, a)`. The matcher
///   compares each new record with earlier ones only, so an asymmetric rule
///   makes the outcome depend on the order in which events arrive.
/// - *Non-deterministic scores or keys*: the same records must always give
///   the same score and the same keys (no randomness, clock or mutable
///   state). Otherwise replays differ, and [`Matcher::remove`] cannot find
///   the keys a record was indexed under.
/// - *Keys that two true matches never share*: such pairs are never
///   compared, so the match is silently missed. A rule's keys must be at
///   least as tolerant as its score: if `score` accepts one typo, every pair
///   one typo apart must share a key ([`keys_meet`] checks a pair).
/// - *Reading what it does not declare*: a [`Resolver`](crate::Resolver)
///   keeps in each event's record only the identifier kinds and attributes
///   some rule [reads](MatchRule::reads_identifier); a rule that reads
///   anything else finds it missing there. The defaults declare
///   everything, which is merely costly (every record keeps all of its
///   event).
///
/// Scores should also be calibrated to the shared thresholds (see the
/// [module documentation](self)): a rule that gives 0.99 for weak evidence
/// merges strangers.
pub trait MatchRule: Send + Sync {
    /// A short, stable name for explanations and review items, such as
    /// `email_typo`. Defaults to `"custom"`.
    fn name(&self) -> &str {
        "custom"
    }

    /// How alike `a` and `b` are, or `None` when this rule has no opinion
    /// (the records lack what the rule looks at, or the evidence is not of
    /// the kind it knows). Must be symmetric and deterministic.
    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score>;

    /// Pushes the blocking keys of `record` onto `keys`. Two records are
    /// compared under this rule only when they share a key; the default
    /// pushes none, so the rule is never asked. Keys beyond the first
    /// [`MAX_KEYS_PER_RECORD`] of a record are ignored, and duplicates count
    /// once.
    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        let _ = (record, keys);
    }

    /// Keys that work one way only, for rules that know some pairs sharing
    /// a key need no comparison. `record` is filed under its `index_only`
    /// keys, where later records look, but does not look there itself; it
    /// looks under its `query_only` keys without being filed there. The
    /// default pushes none.
    ///
    /// [`NamePlace`] uses them so that two records with different postcodes
    /// are not compared because their city is the same. A pair the rule can
    /// score must still be found whichever record comes first
    /// ([`keys_meet`] checks this); a pair found in one order only is an
    /// order-dependent, incorrect rule.
    fn one_way_keys(
        &self,
        record: &MatchRecord,
        index_only: &mut Vec<BlockKey>,
        query_only: &mut Vec<BlockKey>,
    ) {
        let _ = (record, index_only, query_only);
    }

    /// Whether [`score`](MatchRule::score) or the keys read identifiers of
    /// `kind`. A [`Resolver`](crate::Resolver) builds each event's record
    /// with only the identifiers some rule reads, so that records of
    /// cookies and chat sessions hold nothing no rule looks at. Defaults to
    /// `true`.
    ///
    /// ```
    /// use idstitch::IdentifierKind;
    /// use idstitch::fuzzy::{EmailTypo, MatchRule};
    ///
    /// assert!(EmailTypo::new().reads_identifier(&IdentifierKind::Email));
    /// assert!(!EmailTypo::new().reads_identifier(&IdentifierKind::Cookie));
    /// ```
    fn reads_identifier(&self, kind: &IdentifierKind) -> bool {
        let _ = kind;
        true
    }

    /// Whether [`score`](MatchRule::score) or the keys read attribute
    /// `name`; as [`reads_identifier`](MatchRule::reads_identifier), for
    /// attributes. Defaults to `true`.
    fn reads_attr(&self, name: &str) -> bool {
        let _ = name;
        true
    }
}

/// Whether a [`Matcher`] compares `a` and `b` under `rule` whichever of the
/// two arrives first: each looks under a key the other is filed under. A
/// rule must make this true for every pair it can score; use it in your
/// rule's tests.
///
/// ```
/// use idstitch::IdentifierKind;
/// use idstitch::fuzzy::{EmailTypo, MatchRecord, MatchRule, keys_meet};
///
/// let email = |value: &str| MatchRecord::new().with_identifier(IdentifierKind::Email, value);
/// let (a, b) = (email("jan.devries@gmail.com"), email("jan.devries@gmial.com"));
/// assert!(EmailTypo::new().score(&a, &b).is_some());
/// assert!(keys_meet(&EmailTypo::new(), &a, &b));
/// ```
pub fn keys_meet(rule: &dyn MatchRule, a: &MatchRecord, b: &MatchRecord) -> bool {
    let keys = |record: &MatchRecord| {
        let (mut both, mut index_only, mut query_only) = (Vec::new(), Vec::new(), Vec::new());
        rule.blocking_keys(record, &mut both);
        rule.one_way_keys(record, &mut index_only, &mut query_only);
        let index: Vec<BlockKey> = both.iter().chain(&index_only).copied().collect();
        let query: Vec<BlockKey> = both.iter().chain(&query_only).copied().collect();
        (index, query)
    };
    let ((index_a, query_a), (index_b, query_b)) = (keys(a), keys(b));
    let finds = |query: &[BlockKey], index: &[BlockKey]| query.iter().any(|k| index.contains(k));
    finds(&query_a, &index_b) && finds(&query_b, &index_a)
}

/// The most blocking keys a rule may give one record; the rest are ignored.
/// The built-in rules give at most 67 per email (one with a 64-byte local
/// part), 2 per phone number and 13 for a name and place.
pub const MAX_KEYS_PER_RECORD: usize = 256;

/// The built-in rules in the order the [default configuration](FuzzyConfig)
/// uses them: [`EmailTypo`], [`PhoneSlip`], [`NamePlace`]. When two rules
/// give a candidate the same score, the earlier rule is reported.
///
/// ```
/// let rules = idstitch::fuzzy::builtin_rules();
/// let names: Vec<&str> = rules.iter().map(|rule| rule.name()).collect();
/// assert_eq!(names, ["email_typo", "phone_slip", "name_place"]);
/// ```
pub fn builtin_rules() -> Vec<Arc<dyn MatchRule>> {
    vec![
        Arc::new(EmailTypo::new()),
        Arc::new(PhoneSlip::new()),
        Arc::new(NamePlace::new()),
    ]
}

/// Fuzzy matching settings: the rules, the two thresholds and the
/// comparison cap.
///
/// The [default](FuzzyConfig::default) has the [`builtin_rules`],
/// `suggest` [0.80](FuzzyConfig::DEFAULT_SUGGEST), `auto_merge`
/// [0.95](FuzzyConfig::DEFAULT_AUTO_MERGE) and at most
/// [64](FuzzyConfig::DEFAULT_MAX_COMPARISONS) comparisons per record.
///
/// ```
/// use idstitch::fuzzy::{FuzzyConfig, NamePlace};
///
/// let mut config = FuzzyConfig::default();
/// config.thresholds(0.85, 0.97)?.max_comparisons(32);
/// assert_eq!((config.suggest().get(), config.auto_merge().get()), (0.85, 0.97));
///
/// let mut names_only = FuzzyConfig::default();
/// names_only.clear_rules().rule(NamePlace::new());
/// assert_eq!(names_only.rules().len(), 1);
/// # Ok::<(), idstitch::fuzzy::FuzzyError>(())
/// ```
#[derive(Clone)]
pub struct FuzzyConfig {
    rules: Vec<Arc<dyn MatchRule>>,
    suggest: Score,
    auto_merge: Score,
    max_comparisons: u32,
}

impl Default for FuzzyConfig {
    fn default() -> Self {
        FuzzyConfig {
            rules: builtin_rules(),
            suggest: Score(FuzzyConfig::DEFAULT_SUGGEST),
            auto_merge: Score(FuzzyConfig::DEFAULT_AUTO_MERGE),
            max_comparisons: FuzzyConfig::DEFAULT_MAX_COMPARISONS,
        }
    }
}

impl FuzzyConfig {
    /// Default `suggest` threshold: the built-in rules reach it only with
    /// one piece of evidence that is rarely a coincidence (a name within
    /// one typo at the same city, an email one edit away).
    pub const DEFAULT_SUGGEST: f64 = 0.80;
    /// Default `auto_merge` threshold: the built-in rules reach it only for
    /// a known email domain typo, an email slip backed by name and place, a
    /// name alike at the same postcode, or a transposed phone digit with a
    /// shared identifier or names alike (a shared postcode alone gives
    /// 0.88).
    pub const DEFAULT_AUTO_MERGE: f64 = 0.95;
    /// Default comparison cap per record.
    pub const DEFAULT_MAX_COMPARISONS: u32 = 64;

    /// The default configuration.
    pub fn new() -> Self {
        FuzzyConfig::default()
    }

    /// Sets both thresholds: a match scoring at least `auto_merge` merges,
    /// one scoring at least `suggest` (but less than `auto_merge`) goes to
    /// review, lower ones are dropped. With `auto_merge` at 1, only a score
    /// of exactly 1 merges, which no built-in rule gives.
    ///
    /// ```
    /// use idstitch::fuzzy::{FuzzyConfig, FuzzyError};
    ///
    /// let mut config = FuzzyConfig::default();
    /// assert!(config.thresholds(0.9, 1.0).is_ok());
    /// assert_eq!(
    ///     config.thresholds(0.9, 0.8).unwrap_err(),
    ///     FuzzyError::InvalidThresholds { suggest: 0.9, auto_merge: 0.8 }
    /// );
    /// ```
    ///
    /// # Errors
    /// [`FuzzyError::InvalidThresholds`] unless `0 ≤ suggest ≤ auto_merge ≤ 1`;
    /// the configuration is then unchanged.
    pub fn thresholds(&mut self, suggest: f64, auto_merge: f64) -> Result<&mut Self, FuzzyError> {
        let invalid = FuzzyError::InvalidThresholds {
            suggest,
            auto_merge,
        };
        let (Ok(low), Ok(high)) = (Score::new(suggest), Score::new(auto_merge)) else {
            return Err(invalid);
        };
        if low > high {
            return Err(invalid);
        }
        self.suggest = low;
        self.auto_merge = high;
        Ok(self)
    }

    /// Sets the most comparisons (calls of [`MatchRule::score`]) made for
    /// one new record, over all rules together. Each rule gathers up to
    /// `cap` candidates, key by key in the rule's order and newest first
    /// under a key, reading at most `cap` postings per key and `4 × cap` in
    /// all; the rules then take turns (each rule's first candidate, then each
    /// rule's second, …) until `cap` comparisons are made. What is left is
    /// counted in [`MatchStats::skipped`]. 0 turns matching off.
    ///
    /// ```
    /// use idstitch::fuzzy::FuzzyConfig;
    ///
    /// let mut config = FuzzyConfig::default();
    /// config.max_comparisons(16);
    /// assert_eq!(config.comparison_cap(), 16);
    /// ```
    pub fn max_comparisons(&mut self, cap: u32) -> &mut Self {
        self.max_comparisons = cap;
        self
    }

    /// Adds a rule after the ones already set.
    pub fn rule(&mut self, rule: impl MatchRule + 'static) -> &mut Self {
        self.rules.push(Arc::new(rule));
        self
    }

    /// Adds a rule that is shared, for instance with another configuration.
    pub fn shared_rule(&mut self, rule: Arc<dyn MatchRule>) -> &mut Self {
        self.rules.push(rule);
        self
    }

    /// Removes every rule, to start from an empty set.
    pub fn clear_rules(&mut self) -> &mut Self {
        self.rules.clear();
        self
    }

    /// The rules, in order; a rule's position is its index in
    /// [`FuzzyMatch::rule`].
    pub fn rules(&self) -> &[Arc<dyn MatchRule>] {
        &self.rules
    }

    /// The `suggest` threshold.
    pub fn suggest(&self) -> Score {
        self.suggest
    }

    /// The `auto_merge` threshold.
    pub fn auto_merge(&self) -> Score {
        self.auto_merge
    }

    /// The comparison cap per record.
    pub fn comparison_cap(&self) -> u32 {
        self.max_comparisons
    }

    /// What a match with `score` leads to, or `None` below `suggest`.
    pub(crate) fn decide(&self, score: Score) -> Option<Decision> {
        if score >= self.auto_merge {
            Some(Decision::AutoMerge)
        } else if score >= self.suggest {
            Some(Decision::Suggest)
        } else {
            None
        }
    }
}

impl fmt::Debug for FuzzyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.rules.iter().map(|rule| rule.name()).collect();
        f.debug_struct("FuzzyConfig")
            .field("rules", &names)
            .field("suggest", &self.suggest)
            .field("auto_merge", &self.auto_merge)
            .field("max_comparisons", &self.max_comparisons)
            .finish()
    }
}
