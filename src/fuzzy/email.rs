//! Email typos: the same mailbox with a slip in the domain or the local part.

use std::fmt;
use std::sync::Arc;

use hashbrown::HashMap;

use crate::EmailRules;
use crate::identifier::IdentifierKind;

use super::edit::{one_edit, touched};
use super::name::{is_person_attr, person_agrees};
use super::record::MatchRecord;
use super::{BlockHasher, BlockKey, MatchRule, Score};

/// Longest local part compared (RFC 5321, as the normalizer enforces).
const MAX_LOCAL: usize = 64;
/// Local parts one edit apart count only from this length: short ones
/// (`anna`/`anne`, `jan`/`jen`) are different people too often.
const MIN_NEAR_LOCAL: usize = 6;
/// Unknown domains one edit apart count only from this length: `abc.nl`
/// and `abd.nl` are too likely two organisations.
const MIN_NEAR_DOMAIN: usize = 7;
/// With two unknown domains one edit apart, the local part must be at least
/// this long and not a role name.
const MIN_LOCAL_FOR_NEAR_DOMAIN: usize = 4;

const SAME_LOCAL_KNOWN_TYPO: f64 = 0.97;
const SAME_LOCAL_NEAR_DOMAIN: f64 = 0.88;
const NEAR_LOCAL_SAME_DOMAIN: f64 = 0.86;
const NEAR_LOCAL_KNOWN_TYPO: f64 = 0.82;
/// A single slip backed by the person's name and place.
const ONE_SLIP_BACKED: f64 = 0.96;
/// Two slips (local part and domain) backed by name and place.
const TWO_SLIPS_BACKED: f64 = 0.93;

/// Role mailboxes that many organisations have: `info@shop.nl` and
/// `info@shoq.nl` are two shops, not one typo.
const ROLES: &[&str] = &[
    "admin",
    "billing",
    "contact",
    "hello",
    "info",
    "jobs",
    "kantoor",
    "klantenservice",
    "mail",
    "no-reply",
    "noreply",
    "office",
    "post",
    "receptie",
    "sales",
    "service",
    "support",
    "team",
    "webmaster",
];

/// How a provider reads local parts, as the [`EmailRules`] the rule
/// follows say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct LocalRule {
    drop_dots: bool,
    drop_plus_tag: bool,
}

/// Real mail domains of large and Dutch, German, Belgian, French and Finnish
/// providers. Two of these never match each other, even one edit apart
/// (`gmail.com`, `ymail.com`, `email.com`, `mail.com`). How each reads local
/// parts, and which fold into one (`googlemail.com` into `gmail.com`),
/// comes from [`EmailRules`].
const REAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "fastmail.com",
    "msn.com",
    "mac.com",
    "yahoo.com",
    "ymail.com",
    "rocketmail.com",
    "aol.com",
    "mail.com",
    "email.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "hotmail.nl",
    "hotmail.be",
    "hotmail.de",
    "hotmail.fr",
    "hotmail.co.uk",
    "outlook.be",
    "outlook.de",
    "outlook.fr",
    "live.nl",
    "live.be",
    "live.de",
    "live.fr",
    "live.co.uk",
    "yahoo.de",
    "yahoo.fr",
    "yahoo.co.uk",
    "ziggo.nl",
    "kpnmail.nl",
    "kpnplanet.nl",
    "planet.nl",
    "home.nl",
    "hetnet.nl",
    "xs4all.nl",
    "casema.nl",
    "chello.nl",
    "upcmail.nl",
    "telfort.nl",
    "tele2.nl",
    "online.nl",
    "zeelandnet.nl",
    "quicknet.nl",
    "skynet.be",
    "telenet.be",
    "proximus.be",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "libero.it",
    "btinternet.com",
    "sky.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "qq.com",
    "163.com",
    "naver.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "luukku.com",
    "suomi24.fi",
    "elisanet.fi",
];

/// Known typos and the domain meant. Typos one edit from exactly one real
/// domain are recognised without a list; these are the common ones, some
/// two edits away.
const TYPOS: &[(&str, &str)] = &[
    ("gmial.com", "gmail.com"),
    ("gamil.com", "gmail.com"),
    ("gmail.co", "gmail.com"),
    ("gmai.com", "gmail.com"),
    ("gmal.com", "gmail.com"),
    ("gmaill.com", "gmail.com"),
    ("gnail.com", "gmail.com"),
    ("gmail.con", "gmail.com"),
    ("gmail.cm", "gmail.com"),
    ("gmail.om", "gmail.com"),
    ("gmail.comm", "gmail.com"),
    ("gmail.nl", "gmail.com"),
    ("gmail.be", "gmail.com"),
    ("gmial.co", "gmail.com"),
    ("gamil.co", "gmail.com"),
    ("gmai.co", "gmail.com"),
    ("hotmial.com", "hotmail.com"),
    ("hotmail.co", "hotmail.com"),
    ("hotmai.com", "hotmail.com"),
    ("hotmal.com", "hotmail.com"),
    ("homail.com", "hotmail.com"),
    ("hotnail.com", "hotmail.com"),
    ("hotmail.con", "hotmail.com"),
    ("hotmial.co", "hotmail.com"),
    ("hotmial.nl", "hotmail.nl"),
    ("yaho.com", "yahoo.com"),
    ("yahooo.com", "yahoo.com"),
    ("yhoo.com", "yahoo.com"),
    ("yahoo.con", "yahoo.com"),
    ("outlok.com", "outlook.com"),
    ("outllok.com", "outlook.com"),
    ("otlook.com", "outlook.com"),
    ("outlook.co", "outlook.com"),
    ("outlok.co", "outlook.com"),
    ("iclod.com", "icloud.com"),
    ("icoud.com", "icloud.com"),
    ("icloud.co", "icloud.com"),
    ("zigo.nl", "ziggo.nl"),
    ("kpnmial.nl", "kpnmail.nl"),
];

/// Email addresses of one person with a typo: the same local part at a
/// mistyped domain, or a local part one edit off.
///
/// Domains are classified against a table of real mail domains (Gmail,
/// Outlook/Hotmail, Yahoo, GMX, web.de, Ziggo, KPN, …) and of known typos
/// (`gmial.com`, `gmail.co`, `gamil.com`, `hotmial.com`, `yaho.com`,
/// `outlok.com`, …). A domain that is not in the table but one edit from
/// exactly one real domain (`zigo.nl`) counts as a typo of it. Two different
/// real domains never match, however close (`gmail.com` and `ymail.com`).
/// Local parts are read with the provider's rules of the domain meant, so
/// `jan.devries@gmial.com` has the Gmail local part `jandevries`.
///
/// | Local parts | Domains | Score | Backed by name and place |
/// |---|---|---|---|
/// | equal | one is a typo of the other | 0.97 | 0.97 |
/// | equal (4 bytes or more, not a role mailbox such as `info@`) | one edit apart, not both known (real or a known typo), 7 bytes or more | 0.88 | 0.96 |
/// | one edit apart | equal | 0.86 | 0.96 |
/// | one edit apart | one is a typo of the other | 0.82 | 0.93 |
///
/// *Backed by name and place*: both records have names alike (similarity at
/// least 0.92, as [`NamePlace`](super::NamePlace) computes it) and the same
/// postcode, or the same city where not both give a postcode. A slip of one
/// letter is then no longer a coincidence between strangers: two people
/// named alike in one city with addresses one letter apart are rare, while
/// `jan.devries12@` and `jan.devrie12@` in two cities stay suggestions.
///
/// "One edit" is one byte inserted, deleted, replaced, or two adjacent bytes
/// swapped. A local-part edit counts only when both local parts have at
/// least 6 bytes and the edit involves no digit: `jan.smit1` and `jan.smit2`
/// are two accounts. Identical addresses get no score (the deterministic
/// core links them), and neither does anything else.
///
/// So with the default thresholds a known domain typo merges, a single slip
/// backed by name and place merges, and the rest are suggested for review.
///
/// Blocking: the local part whole with the domain meant; when it is 6 bytes
/// or longer, also its first half, its second half, and all of it but the
/// two bytes around the cut, each with its length, its digits and the
/// domain meant (one slip leaves one of those intact, and a slip touching a
/// digit never scores); and, when the domain is 7 bytes or longer and the
/// local part could match at a near domain, the local part with the first
/// byte, and with the last three bytes, of the domain. A record also looks,
/// without being filed there, under the halves a local part one byte
/// shorter or longer would have. So `jan.devries12@gmail.com` is filed
/// under 6 keys and looks under 4 more. Every pair the rule scores shares
/// a key.
///
/// ```
/// use idstitch::IdentifierKind;
/// use idstitch::fuzzy::{EmailTypo, MatchRecord, MatchRule};
///
/// let email = |value: &str| MatchRecord::new().with_identifier(IdentifierKind::Email, value);
/// let rule = EmailTypo::new();
/// let score = |a: &str, b: &str| rule.score(&email(a), &email(b)).map(|s| s.get());
/// assert_eq!(score("jan.devries@gmial.com", "jandevries@gmail.com"), Some(0.97));
/// assert_eq!(score("piet@zigo.nl", "piet@ziggo.nl"), Some(0.97));
/// assert_eq!(score("piet@gmail.com", "piet@ymail.com"), None);
/// assert_eq!(score("piet@gmail.com", "piet@gmail.com"), None);
///
/// // The shop's own domain, and a typo customers often make of it.
/// let rule = EmailTypo::new().with_domain("example-shop.nl").with_typo("exampleshop.nl", "example-shop.nl");
/// assert_eq!(rule.score(&email("jan@exampleshop.nl"), &email("jan@example-shop.nl")).map(|s| s.get()), Some(0.97));
/// ```
#[derive(Clone)]
pub struct EmailTypo {
    /// Shared: rules are cloned with their configuration, and the table is
    /// read-only once built.
    table: Arc<DomainTable>,
}

impl Default for EmailTypo {
    fn default() -> Self {
        EmailTypo::new()
    }
}

impl EmailTypo {
    /// The rule with the built-in domain table.
    pub fn new() -> Self {
        let mut table = DomainTable::default();
        for domain in REAL_DOMAINS {
            table.add_real(domain);
        }
        for &(typo, domain) in TYPOS {
            table.add_typo(typo, domain);
        }
        table.index();
        EmailTypo {
            table: Arc::new(table),
        }
    }

    /// Adds a real domain (the shop's own, a regional provider): it is never
    /// taken for a typo of another real domain, and unknown domains one edit
    /// from it are taken for its typos.
    pub fn with_domain(mut self, domain: &str) -> Self {
        let table = Arc::make_mut(&mut self.table);
        table.add_real(domain);
        table.index();
        self
    }

    /// Reads local parts, and folds domains, as `rules` say, instead of as
    /// [`EmailRules::default`] does: give the rule the rules your
    /// [`Normalizer`](crate::Normalizer) uses, so that both read an address
    /// alike. A domain a rule folds into counts as real.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, IdentifierKind};
    /// use idstitch::fuzzy::{EmailTypo, MatchRecord, MatchRule};
    ///
    /// let email = |value: &str| MatchRecord::new().with_identifier(IdentifierKind::Email, value);
    /// let (typo, real) = (email("jan+news@shpo.example"), email("jan@shop.example"));
    /// let shop = EmailTypo::new().with_domain("shop.example");
    /// assert_eq!(shop.score(&typo, &real), None);
    ///
    /// let rules = EmailRules::default().with(EmailProviderRule::new("shop.example").drop_plus_tag(true));
    /// let shop = shop.with_email_rules(&rules);
    /// assert_eq!(shop.score(&typo, &real).map(|s| s.get()), Some(0.97));
    /// ```
    pub fn with_email_rules(mut self, rules: &EmailRules) -> Self {
        let table = Arc::make_mut(&mut self.table);
        table.providers = rules.clone();
        table.index();
        self
    }

    /// Adds a known typo of `domain`, which becomes a real domain if it is
    /// not one yet.
    pub fn with_typo(mut self, typo: &str, domain: &str) -> Self {
        let table = Arc::make_mut(&mut self.table);
        table.add_typo(typo, domain);
        table.index();
        self
    }
}

impl fmt::Debug for EmailTypo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailTypo")
            .field("real_domains", &self.table.real.len())
            .field("typos", &self.table.typos.len())
            .finish()
    }
}

/// What a domain in the table is.
#[derive(Debug, Clone, Copy)]
enum Known {
    /// A real domain: its index in `real`.
    Real(u32),
    /// A typo of the real domain at this index.
    Typo(u32),
}

#[derive(Debug, Clone, Default)]
struct DomainTable {
    /// How providers read local parts and which domains fold into one.
    providers: EmailRules,
    /// Each real domain with how it reads local parts (from `providers`,
    /// set by [`DomainTable::index`]).
    real: Vec<(Box<str>, LocalRule)>,
    /// For each real domain, the one it folds into (itself, mostly).
    meant: Vec<u32>,
    typos: Vec<(Box<str>, u32)>,
    /// Every domain of the table.
    exact: HashMap<Box<str>, Known>,
    /// Length and first and last two bytes of each real domain, in
    /// `real`'s order, which rule out most of the table in a few
    /// instructions per entry (see [`DomainTable::nearest`]).
    sketches: Vec<Sketch>,
    /// The real domains by their first byte and by their second (256 lists
    /// each), and those shorter than two bytes: a domain one edit from a
    /// real one shares a byte among the first two (see [`ends_meet`]).
    by_first: Vec<Vec<u32>>,
    by_second: Vec<Vec<u32>>,
    short: Vec<u32>,
}

/// What [`DomainTable::nearest`] checks before comparing two domains: the
/// length, the first two bytes and the last two (from the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sketch {
    len: usize,
    head: [Option<u8>; 2],
    tail: [Option<u8>; 2],
}

impl Sketch {
    fn of(bytes: &[u8]) -> Sketch {
        let back = |at: usize| bytes.len().checked_sub(at + 1).and_then(|at| bytes.get(at));
        Sketch {
            len: bytes.len(),
            head: [bytes.first().copied(), bytes.get(1).copied()],
            tail: [back(0).copied(), back(1).copied()],
        }
    }

    /// Whether two strings with these sketches may be one edit apart: their
    /// lengths differ by one at most, and both ends pass [`ends_meet`].
    fn may_be_one_edit(self, other: Sketch) -> bool {
        self.len.abs_diff(other.len) <= 1
            && ends_meet(self.head, other.head)
            && ends_meet(self.tail, other.tail)
    }
}

/// Whether the first two bytes of two strings (or the last two, counted
/// from the end) allow one edit between them. An edit away from that end
/// keeps its first byte; an edit at it keeps the second byte (a
/// substitution), moves it to the first (an insertion or deletion), or swaps
/// the two.
fn ends_meet(a: [Option<u8>; 2], b: [Option<u8>; 2]) -> bool {
    a[0] == b[0] || a[1] == b[1] || a[0] == b[1] || a[1] == b[0]
}

fn config_domain(domain: &str) -> Box<str> {
    domain.trim().trim_start_matches('@').to_lowercase().into()
}

/// The key of `local` at a domain that starts (tag `F`) or ends (tag `L`)
/// with `part`: unknown domains one edit apart keep one of the two.
fn domain_end_key(tag: u8, local: &[u8], part: &[u8]) -> BlockKey {
    let mut hasher = BlockHasher::new();
    hasher.write(&[tag]);
    hasher.write(local);
    hasher.write(b"@");
    hasher.write(part);
    hasher.finish()
}

/// The local part's digits, in order, on the stack: a slip that scores
/// touches no digit, so both addresses of such a pair have the same ones.
struct Digits {
    bytes: [u8; MAX_LOCAL],
    len: usize,
}

impl Digits {
    fn of(local: &[u8]) -> Digits {
        let mut digits = Digits {
            bytes: [0; MAX_LOCAL],
            len: 0,
        };
        for &byte in local.iter().filter(|byte| byte.is_ascii_digit()) {
            if let Some(slot) = digits.bytes.get_mut(digits.len) {
                *slot = byte;
                digits.len += 1;
            }
        }
        digits
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// The key of `local@meant` whole: same local part, domains a known typo
/// of one another.
fn whole_key(local: &[u8], meant: &[u8]) -> BlockKey {
    let mut hasher = BlockHasher::new();
    hasher.write(b"E");
    hasher.write(local);
    hasher.write(b"@");
    hasher.write(meant);
    hasher.finish()
}

/// The key of a piece of a local part of `len` bytes: `tag`, the length,
/// the local part's digits, the piece (the bytes of `pieces` back to back),
/// "@" and the domain meant. `len` and `tag` fix where the piece lies, so
/// keys of different pieces never coincide by construction.
fn piece_key(tag: u8, len: usize, digits: &Digits, pieces: [&[u8]; 2], meant: &[u8]) -> BlockKey {
    let mut hasher = BlockHasher::new();
    // At most MAX_LOCAL + 1, which fits.
    hasher.write(&[tag, len.min(usize::from(u8::MAX)) as u8]);
    hasher.write(digits.as_bytes());
    hasher.write(b"|");
    for piece in pieces {
        hasher.write(piece);
    }
    hasher.write(b"@");
    hasher.write(meant);
    hasher.finish()
}

/// Where a local part of `len` bytes is cut in two for the slip keys.
fn cut(len: usize) -> usize {
    len / 2
}

/// Pushes the keys that find local-part slips of `local@meant` under the
/// halves of a local part of `len` bytes (`local`'s own length, or one more
/// or less): "P", the first `cut(len)` bytes, and "S", the last
/// `len - cut(len)` bytes. A string of length `len` one edit from `local`
/// keeps one of its halves intact: an edit at or past the cut leaves the
/// first half, one before it the second (an insertion or deletion shifts
/// the second half by one byte, which counting it from the end absorbs).
/// Only a swap of the two bytes around the cut breaks both halves; the "T"
/// key of [`slip_keys`] covers that.
fn half_keys(local: &[u8], len: usize, digits: &Digits, meant: &[u8], keys: &mut Vec<BlockKey>) {
    let half = cut(len);
    let (Some(first), Some(last)) = (
        local.get(..half),
        local
            .len()
            .checked_sub(len - half)
            .and_then(|from| local.get(from..)),
    ) else {
        return;
    };
    keys.push(piece_key(b'P', len, digits, [first, &[]], meant));
    keys.push(piece_key(b'S', len, digits, [last, &[]], meant));
}

/// Pushes the keys under which `local@meant` is filed and looks for
/// local-part slips, when the local part is long enough for one (6
/// bytes): its two halves ([`half_keys`]), and the local part without the
/// two bytes around the cut ("T"), which a swap of those two leaves
/// intact. The keys carry the length and the digits of the local part, so
/// a block holds only addresses of that length with those digits.
fn slip_keys(local: &[u8], meant: &[u8], digits: &Digits, keys: &mut Vec<BlockKey>) {
    let len = local.len();
    let half = cut(len);
    half_keys(local, len, digits, meant, keys);
    let before = half.checked_sub(1).and_then(|end| local.get(..end));
    if let (Some(before), Some(after)) = (before, local.get(half + 1..)) {
        keys.push(piece_key(b'T', len, digits, [before, after], meant));
    }
}

/// Pushes the keys under which `local@meant` looks, but is not filed, for
/// slips that change the length: the halves of a local part one byte
/// shorter or longer, where a slip can still score.
fn near_length_keys(local: &[u8], meant: &[u8], digits: &Digits, keys: &mut Vec<BlockKey>) {
    let len = local.len();
    for other in [len.saturating_sub(1), len + 1] {
        if (MIN_NEAR_LOCAL..=MAX_LOCAL).contains(&other) {
            half_keys(local, other, digits, meant, keys);
        }
    }
}

impl DomainTable {
    fn real_index(&mut self, domain: Box<str>) -> Option<u32> {
        if let Some(at) = self.position(&domain) {
            return Some(at);
        }
        let at = u32::try_from(self.real.len()).ok()?;
        self.real.push((domain, LocalRule::default()));
        Some(at)
    }

    fn position(&self, domain: &str) -> Option<u32> {
        let at = self.real.iter().position(|(d, _)| &**d == domain)?;
        u32::try_from(at).ok()
    }

    fn add_real(&mut self, domain: &str) {
        let domain = config_domain(domain);
        if !domain.is_empty() {
            self.real_index(domain);
        }
    }

    fn add_typo(&mut self, typo: &str, domain: &str) {
        let (typo, domain) = (config_domain(typo), config_domain(domain));
        if typo.is_empty() || domain.is_empty() || typo == domain {
            return;
        }
        if let Some(at) = self.real_index(domain) {
            self.typos.retain(|(t, _)| *t != typo);
            self.typos.push((typo, at));
        }
    }

    /// Rebuilds the lookups from `real` and `typos`.
    fn index(&mut self) {
        // The domains real ones fold into are real too.
        let folded: Vec<Box<str>> = (self.real.iter())
            .filter_map(|(domain, _)| self.providers.canonical_domain(domain))
            .map(config_domain)
            .filter(|domain| !domain.is_empty())
            .collect();
        for domain in folded {
            self.real_index(domain);
        }
        self.meant.clear();
        for at in 0..self.real.len() {
            let (domain, _) = &self.real[at];
            let (drop_dots, drop_plus_tag) = self.providers.drops(domain);
            let meant = (self.providers.canonical_domain(domain))
                .and_then(|canonical| self.position(&config_domain(canonical)));
            self.meant.push(meant.unwrap_or(at as u32));
            self.real[at].1 = LocalRule {
                drop_dots,
                drop_plus_tag,
            };
        }
        self.exact.clear();
        self.sketches.clear();
        self.by_first = vec![Vec::new(); 256];
        self.by_second = vec![Vec::new(); 256];
        self.short.clear();
        for (at, (domain, _)) in (0u32..).zip(&self.real) {
            self.exact.insert(domain.clone(), Known::Real(at));
            self.sketches.push(Sketch::of(domain.as_bytes()));
            match domain.as_bytes() {
                [first, second, ..] => {
                    self.by_first[usize::from(*first)].push(at);
                    self.by_second[usize::from(*second)].push(at);
                }
                _ => self.short.push(at),
            }
        }
        for (typo, at) in &self.typos {
            // A typo never hides a real domain.
            self.exact.entry(typo.clone()).or_insert(Known::Typo(*at));
        }
    }

    /// The real domain `domain` is one edit from, if exactly one.
    fn nearest(&self, domain: &str) -> Option<u32> {
        let bytes = domain.as_bytes();
        let sketch = Sketch::of(bytes);
        let mut found = None;
        let mut check = |at: u32| {
            if found == Some(at) {
                return true;
            }
            let near = self
                .sketches
                .get(at as usize)
                .is_some_and(|real| real.may_be_one_edit(sketch));
            let Some((real, _)) = self.real.get(at as usize).filter(|_| near) else {
                return true;
            };
            if one_edit(bytes, real.as_bytes()).is_none() {
                return true;
            }
            // A second real domain one edit away: ambiguous.
            found.replace(at).is_none()
        };
        let all: Vec<u32>;
        let candidates: [&[u32]; 5] = match bytes {
            &[first, second, ..] => [
                list(&self.by_first, first),
                list(&self.by_first, second),
                list(&self.by_second, first),
                list(&self.by_second, second),
                &self.short,
            ],
            _ => {
                all = (0u32..).take(self.real.len()).collect();
                [&all, &[], &[], &[], &[]]
            }
        };
        for at in candidates.into_iter().flatten() {
            if !check(*at) {
                return None;
            }
        }
        found
    }

    /// `domain` read against the table.
    fn classify<'a>(&'a self, domain: &'a str) -> Domain<'a> {
        let known = match self.exact.get(domain) {
            Some(&Known::Real(at) | &Known::Typo(at)) => Some(at),
            None => self.nearest(domain),
        };
        let meant = |at: u32| {
            let folded = self.meant.get(at as usize).copied().unwrap_or(at);
            self.real.get(folded as usize).map(|(domain, _)| &**domain)
        };
        match known.and_then(|at| Some((self.real.get(at as usize)?, meant(at)?))) {
            Some(((_, rule), meant)) => Domain {
                raw: domain,
                meant,
                rule: *rule,
                known: true,
            },
            None => Domain {
                raw: domain,
                meant: domain,
                rule: LocalRule::default(),
                known: false,
            },
        }
    }
}

/// A domain as the table reads it.
struct Domain<'a> {
    raw: &'a str,
    /// The real domain meant, or the domain itself when unknown.
    meant: &'a str,
    rule: LocalRule,
    /// Real, or a typo of a real domain.
    known: bool,
}

/// A local part read with its provider's rule, on the stack.
#[derive(Clone, Copy)]
struct Local {
    bytes: [u8; MAX_LOCAL],
    len: usize,
}

impl Local {
    fn read(local: &str, rule: LocalRule) -> Option<Local> {
        let mut out = Local {
            bytes: [0; MAX_LOCAL],
            len: 0,
        };
        for &byte in local.as_bytes() {
            match byte {
                b'+' if rule.drop_plus_tag => break,
                b'.' if rule.drop_dots => continue,
                _ => {}
            }
            *out.bytes.get_mut(out.len)? = byte;
            out.len += 1;
        }
        (out.len > 0).then_some(out)
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// One email of a record, read.
struct Email<'a> {
    raw: &'a str,
    domain: Domain<'a>,
    local: Local,
}

impl<'a> Email<'a> {
    fn read(table: &'a DomainTable, raw: &'a str) -> Option<Email<'a>> {
        let (local, domain) = raw.rsplit_once('@')?;
        if domain.is_empty() {
            return None;
        }
        let domain = table.classify(domain);
        let local = Local::read(local, domain.rule)?;
        Some(Email { raw, domain, local })
    }
}

/// Whether a local part is specific enough to match at two unknown domains
/// one edit apart: long enough, and not a role mailbox.
fn near_domain_local(local: &[u8]) -> bool {
    local.len() >= MIN_LOCAL_FOR_NEAR_DOMAIN && !ROLES.iter().any(|role| role.as_bytes() == local)
}

/// The list of `byte` in a table of 256 lists.
fn list(table: &[Vec<u32>], byte: u8) -> &[u32] {
    table.get(usize::from(byte)).map_or(&[], Vec::as_slice)
}

/// How two domains relate.
enum Domains {
    Same,
    KnownTypo,
    Near,
}

/// What separates two emails, or `None` when they are equal or further
/// apart than one slip.
fn slip(x: &Email<'_>, y: &Email<'_>) -> Option<Slip> {
    if x.raw == y.raw {
        return None;
    }
    let domains = if x.domain.meant == y.domain.meant {
        if x.domain.raw == y.domain.raw {
            Domains::Same
        } else {
            Domains::KnownTypo
        }
    } else if x.domain.known && y.domain.known {
        return None;
    } else if x.domain.raw.len() >= MIN_NEAR_DOMAIN
        && y.domain.raw.len() >= MIN_NEAR_DOMAIN
        && one_edit(x.domain.raw.as_bytes(), y.domain.raw.as_bytes()).is_some()
    {
        Domains::Near
    } else {
        return None;
    };
    let (a, b) = (x.local.as_bytes(), y.local.as_bytes());
    let same_local = if a == b {
        true
    } else {
        let edit = one_edit(a, b)?;
        let digit = touched(a, b, edit)
            .iter()
            .any(|byte| byte.is_some_and(|b| b.is_ascii_digit()));
        if digit || a.len().min(b.len()) < MIN_NEAR_LOCAL {
            return None;
        }
        false
    };
    match (same_local, domains) {
        // Equal once read with the provider's rules: the normalizer's job.
        (true, Domains::Same) => None,
        (true, Domains::KnownTypo) => Some(Slip::Known),
        (true, Domains::Near) => near_domain_local(a).then_some(Slip::NearDomain),
        (false, Domains::Same) => Some(Slip::Local),
        (false, Domains::KnownTypo) => Some(Slip::LocalAndKnown),
        (false, Domains::Near) => None,
    }
}

/// What separates two addresses.
#[derive(Clone, Copy)]
enum Slip {
    /// A known domain typo.
    Known,
    /// Unknown domains one edit apart.
    NearDomain,
    /// Local parts one edit apart.
    Local,
    /// Local parts one edit apart, and a known domain typo.
    LocalAndKnown,
}

impl Slip {
    /// The score, lifted when the records' names and place agree.
    fn score(self, backed: impl FnOnce() -> bool) -> f64 {
        let (plain, lifted) = match self {
            Slip::Known => return SAME_LOCAL_KNOWN_TYPO,
            Slip::NearDomain => (SAME_LOCAL_NEAR_DOMAIN, ONE_SLIP_BACKED),
            Slip::Local => (NEAR_LOCAL_SAME_DOMAIN, ONE_SLIP_BACKED),
            Slip::LocalAndKnown => (NEAR_LOCAL_KNOWN_TYPO, TWO_SLIPS_BACKED),
        };
        if backed() { lifted } else { plain }
    }
}

impl MatchRule for EmailTypo {
    fn name(&self) -> &str {
        "email_typo"
    }

    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
        let table = &*self.table;
        let mut best: Option<f64> = None;
        // Computed at most once, and only when a weak slip needs it.
        let mut backed = None;
        for x in a
            .values(&IdentifierKind::Email)
            .filter_map(|raw| Email::read(table, raw))
        {
            for y in b
                .values(&IdentifierKind::Email)
                .filter_map(|raw| Email::read(table, raw))
            {
                if let Some(slip) = slip(&x, &y) {
                    let score = slip.score(|| *backed.get_or_insert_with(|| person_agrees(a, b)));
                    best = Some(best.map_or(score, |best| best.max(score)));
                }
            }
        }
        best.map(Score::clamped)
    }

    fn reads_identifier(&self, kind: &IdentifierKind) -> bool {
        *kind == IdentifierKind::Email
    }

    /// The name and place that back a weak slip.
    fn reads_attr(&self, name: &str) -> bool {
        is_person_attr(name)
    }

    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        let table = &*self.table;
        for email in record
            .values(&IdentifierKind::Email)
            .filter_map(|raw| Email::read(table, raw))
        {
            let local = email.local.as_bytes();
            let meant = email.domain.meant.as_bytes();
            keys.push(whole_key(local, meant));
            if local.len() >= MIN_NEAR_LOCAL {
                slip_keys(local, meant, &Digits::of(local), keys);
            }
            let raw = email.domain.raw.as_bytes();
            if raw.len() >= MIN_NEAR_DOMAIN && near_domain_local(local) {
                let first = raw.get(..1).unwrap_or_default();
                let last = raw.get(raw.len() - 3..).unwrap_or_default();
                keys.push(domain_end_key(b'F', local, first));
                keys.push(domain_end_key(b'L', local, last));
            }
        }
    }

    fn one_way_keys(
        &self,
        record: &MatchRecord,
        _index_only: &mut Vec<BlockKey>,
        query_only: &mut Vec<BlockKey>,
    ) {
        let table = &*self.table;
        for email in record
            .values(&IdentifierKind::Email)
            .filter_map(|raw| Email::read(table, raw))
        {
            let local = email.local.as_bytes();
            if local.len() >= MIN_NEAR_LOCAL {
                let meant = email.domain.meant.as_bytes();
                near_length_keys(local, meant, &Digits::of(local), query_only);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hashbrown::HashSet;

    use super::*;
    use crate::fuzzy::keys_meet;

    fn record(email: &str) -> MatchRecord {
        MatchRecord::new().with_identifier(IdentifierKind::Email, email)
    }

    fn score(a: &str, b: &str) -> Option<f64> {
        let rule = EmailTypo::new();
        let (ra, rb) = (record(a), record(b));
        let there = rule.score(&ra, &rb);
        assert_eq!(there, rule.score(&rb, &ra), "asymmetric: {a} {b}");
        if there.is_some() {
            assert!(keys_meet(&rule, &ra, &rb), "no shared key: {a} {b}");
        }
        there.map(Score::get)
    }

    #[test]
    fn known_domain_typos_merge() {
        for (typo, real) in [
            ("jan.devries@gmial.com", "jandevries@gmail.com"),
            ("jandevries@gmail.co", "jandevries@gmail.com"),
            ("jandevries@gamil.com", "jandevries@gmail.com"),
            ("jandevries@gmal.com", "jandevries@gmail.com"),
            ("jan.devries+shop@gmaill.com", "jandevries@gmail.com"),
            ("piet.jansen@hotmial.com", "piet.jansen@hotmail.com"),
            ("piet.jansen@hotmail.co", "piet.jansen@hotmail.com"),
            ("piet.jansen+x@hotmai.com", "piet.jansen@hotmail.com"),
            ("aino@yaho.com", "aino@yahoo.com"),
            ("aino@outlok.com", "aino@outlook.com"),
            ("piet@zigo.nl", "piet@ziggo.nl"),
            ("piet@ziggo.n", "piet@ziggo.nl"),
            ("piet@kpnmial.nl", "piet@kpnmail.nl"),
            ("jan@gmail.nl", "jan@gmail.com"),
            ("jan@gmial.com", "jan@gmal.com"),
        ] {
            assert_eq!(score(typo, real), Some(0.97), "{typo} {real}");
        }
    }

    #[test]
    fn two_real_providers_never_match() {
        for (a, b) in [
            ("jan@gmail.com", "jan@ymail.com"),
            ("jan@gmail.com", "jan@email.com"),
            ("jan@gmail.com", "jan@mail.com"),
            ("jan@gmail.com", "jan@gmx.com"),
            ("jan@gmx.de", "jan@gmx.at"),
            ("jan@live.nl", "jan@live.be"),
            ("jan@hotmail.de", "jan@hotmail.be"),
            ("jan@gmial.com", "jan@ymail.com"),
            ("jan@gmail.com", "jan@hotmail.com"),
        ] {
            assert_eq!(score(a, b), None, "{a} {b}");
        }
    }

    #[test]
    fn unknown_domains_one_edit_apart_are_suggested() {
        assert_eq!(
            score("jan.devries@shop.nl", "jan.devries@shoq.nl"),
            Some(0.88)
        );
        assert_eq!(
            score("jan.devries@bakker-bv.nl", "jan.devries@bakkerbv.nl"),
            Some(0.88)
        );
        // An ambiguous near miss of two real domains is no known typo.
        assert_eq!(score("janvries@gail.com", "janvries@gmail.com"), Some(0.88));
        // Role mailboxes and short local parts at two shops.
        assert_eq!(score("info@shop.nl", "info@shoq.nl"), None);
        assert_eq!(score("jan@shop.nl", "jan@shoq.nl"), None);
        // Short domains.
        assert_eq!(score("jan.devries@ab.nl", "jan.devries@ac.nl"), None);
        assert_eq!(score("jan.devries@abc.nl", "jan.devries@abd.nl"), None);
        // One edit from both gmail.com and mail.com: suggested only.
        assert_eq!(
            score("jandevries@mgail.com", "jandevries@gmail.com"),
            Some(0.88)
        );
    }

    #[test]
    fn local_part_typos_are_suggested() {
        assert_eq!(
            score("jan.devries@kpnmail.nl", "jan.devires@kpnmail.nl"),
            Some(0.86)
        );
        assert_eq!(
            score("jan.devries@kpnmail.nl", "jan.devris@kpnmail.nl"),
            Some(0.86)
        );
        assert_eq!(
            score("jan.devries@kpnmail.nl", "jan.devris@kpnmial.nl"),
            Some(0.82)
        );
        assert_eq!(
            score("aino.virtanen@example.fi", "aino.virtamen@example.fi"),
            Some(0.86)
        );
    }

    #[test]
    fn near_miss_strangers() {
        for (a, b) in [
            ("anna@example.nl", "anne@example.nl"),
            ("jan.smit1@gmail.com", "jan.smit2@gmail.com"),
            ("jan.smit@gmail.com", "jan.smit1@gmail.com"),
            ("jan.devries@gmail.com", "jan.devos@gmail.com"),
            ("jan.devries@shop.nl", "jan.devris@shoq.nl"),
            ("jan.devries@gmail.com", "piet.bakker@gmail.com"),
        ] {
            assert_eq!(score(a, b), None, "{a} {b}");
        }
        // Two surnames one letter apart: a person may look, never a merge.
        assert_eq!(score("jan.smit@gmail.com", "jan.smid@gmial.co"), Some(0.82));
        assert_eq!(
            score("jan.smit@gmail.com", "jan.smid@gmail.com"),
            Some(0.86)
        );
    }

    #[test]
    fn identical_or_malformed_addresses_have_no_score() {
        assert_eq!(score("jan@gmail.com", "jan@gmail.com"), None);
        // Equal once Gmail's dots are read away: the normalizer's job.
        assert_eq!(score("jan.devries@gmail.com", "jandevries@gmail.com"), None);
        for bad in ["", "@", "jan@", "@gmail.com", "no-at-sign", "+@gmail.com"] {
            assert_eq!(score(bad, "jan@gmail.com"), None, "{bad:?}");
        }
        let long = format!("{}@gmial.com", "x".repeat(100));
        assert_eq!(
            score(&long, &format!("{}@gmail.com", "x".repeat(100))),
            None
        );
    }

    #[test]
    fn slips_backed_by_name_and_place_merge() {
        let rule = EmailTypo::new();
        let person = |email: &str, name: &str, city: &str| {
            record(email)
                .with_attr("name", name)
                .with_attr("city", city)
        };
        let score = |a: &MatchRecord, b: &MatchRecord| {
            let there = rule.score(a, b).map(Score::get);
            assert_eq!(there, rule.score(b, a).map(Score::get));
            there
        };
        let web = person("jan.devries12@ziggo.nl", "Jan de Vries", "Utrecht");
        let chat = person("jan.devrie12@ziggo.nl", "de Vries, Jan", "UTRECHT");
        assert_eq!(score(&web, &chat), Some(0.96));
        // The same name in another city: a stranger as likely as not.
        let other = person("jan.devrie12@ziggo.nl", "Jan de Vries", "Zwolle");
        assert_eq!(score(&web, &other), Some(0.86));
        // Another name in the same city.
        let neighbour = person("jan.devrie12@ziggo.nl", "Jan de Vos", "Utrecht");
        assert_eq!(score(&web, &neighbour), Some(0.86));
        // Two slips, backed: suggested only.
        let both = person("jan.devrie12@zigo.nl", "Jan de Vries", "Utrecht");
        assert_eq!(score(&web, &both), Some(0.93));
        // Unknown domains one edit apart, backed.
        let shop = person("jan.devries@bakker-bv.nl", "Jan de Vries", "Utrecht");
        let typo = person("jan.devries@bakkerbv.nl", "Jan de Vries", "Utrecht");
        assert_eq!(score(&shop, &typo), Some(0.96));
        // A known typo needs no backing.
        let gmial = person("jan.devries12@zigo.nl", "Piet Bakker", "Zwolle");
        assert_eq!(score(&web, &gmial), Some(0.97));
    }

    #[test]
    fn best_pair_of_several_emails() {
        let rule = EmailTypo::new();
        let a =
            record("jan@work.nl").with_identifier(IdentifierKind::Email, "jandevries@gmail.com");
        let b = record("jandevries@gmial.com").with_identifier(IdentifierKind::Email, "x@y.nl");
        assert_eq!(rule.score(&a, &b).map(Score::get), Some(0.97));
        assert_eq!(rule.score(&b, &a).map(Score::get), Some(0.97));
    }

    /// Every string one edit from `text` with the edited byte from `bytes`:
    /// substitutions, insertions, deletions and swaps at every position.
    fn one_edit_variants(text: &str, bytes: &[u8]) -> Vec<String> {
        let text = text.as_bytes();
        let mut out: Vec<Vec<u8>> = Vec::new();
        for at in 0..=text.len() {
            for &byte in bytes {
                let mut inserted = text.to_vec();
                inserted.insert(at, byte);
                out.push(inserted);
                if at < text.len() {
                    let mut replaced = text.to_vec();
                    replaced[at] = byte;
                    out.push(replaced);
                }
            }
            if at < text.len() {
                let mut deleted = text.to_vec();
                deleted.remove(at);
                out.push(deleted);
            }
            if at + 1 < text.len() {
                let mut swapped = text.to_vec();
                swapped.swap(at, at + 1);
                out.push(swapped);
            }
        }
        out.into_iter()
            .filter_map(|v| String::from_utf8(v).ok())
            .collect()
    }

    #[test]
    fn aliases_fold_as_the_normalizer_folds_them() {
        // The normalizer turns `googlemail.com` into `gmail.com`, so a typo
        // of googlemail meets its addresses as gmail.
        assert_eq!(
            score("jan.devries@googlemial.com", "jandevries@gmail.com"),
            Some(0.97)
        );
        assert_eq!(
            score("jan.devries@googlemail.com", "jandevries@gmail.com"),
            Some(0.97)
        );
        // Microsoft's domains share a rule but do not fold: two mailboxes.
        assert_eq!(score("piet@hotmail.com", "piet@live.com"), None);
        // Rules without the fold keep the two apart.
        let rule = EmailTypo::new().with_email_rules(&EmailRules::none());
        let (a, b) = (record("jan@googlemial.com"), record("jan@gmail.com"));
        assert_eq!(rule.score(&a, &b), None);
        // Without provider rules, dots count in gmail local parts: one edit
        // and a domain typo, a suggestion rather than a merge.
        let (a, b) = (
            record("jan.devries@gmial.com"),
            record("jandevries@gmail.com"),
        );
        assert_eq!(rule.score(&a, &b).map(Score::get), Some(0.82));
    }

    #[test]
    fn every_scored_local_slip_shares_a_key() {
        // Each length's cut, odd and even, and swaps across it; with and
        // without digits, at a domain that keeps dots and at one that drops
        // them.
        let mut scored = 0;
        for local in [
            "abcdef",
            "jandevries",
            "jan.devries12",
            "p.jansen1987",
            "aaaaaaa",
        ] {
            for domain in ["ziggo.nl", "gmail.com", "bakker-bv.nl"] {
                let address = format!("{local}@{domain}");
                for typo in one_edit_variants(local, b"aex1.") {
                    let other = format!("{typo}@{domain}");
                    let (a, b) = (record(&address), record(&other));
                    if EmailTypo::new().score(&a, &b).is_some() {
                        scored += 1;
                        assert!(keys_meet(&EmailTypo::new(), &a, &b), "{address} {other}");
                    }
                }
            }
        }
        // The variants that touch no digit and keep 6 bytes score.
        assert!(scored > 600, "{scored}");
    }

    #[test]
    fn slip_keys_are_few_and_specific() {
        let keys = |email: &str| {
            let (mut both, mut index_only, mut query_only) = (Vec::new(), Vec::new(), Vec::new());
            let rule = EmailTypo::new();
            rule.blocking_keys(&record(email), &mut both);
            rule.one_way_keys(&record(email), &mut index_only, &mut query_only);
            assert!(index_only.is_empty());
            (both, query_only)
        };
        // As the rule's documentation counts them: whole, two halves and
        // the swap across the cut, the first and last domain bytes; the
        // halves of local parts one byte shorter and longer to look under.
        let (both, query_only) = keys("jan.devries12@gmail.com");
        assert_eq!((both.len(), query_only.len()), (6, 4));
        assert_eq!(
            both.iter().chain(&query_only).collect::<HashSet<_>>().len(),
            10
        );
        // Short local parts have the whole key only.
        assert_eq!(keys("info@shop-a.nl"), (keys("info@shop-a.nl").0, vec![]));
        assert_eq!(keys("info@shop-a.nl").0.len(), 1);
        // Other digits, another domain meant, or two bytes longer: no
        // shared key, and no comparison.
        let meet = |a: &str, b: &str| keys_meet(&EmailTypo::new(), &record(a), &record(b));
        assert!(meet("jan.devries12@ziggo.nl", "jan.devrles12@ziggo.nl"));
        assert!(!meet("jan.devries12@ziggo.nl", "jan.devries13@ziggo.nl"));
        assert!(!meet("jan.devries12@ziggo.nl", "jan.devries12@web.de"));
        assert!(!meet("jan.devries@ziggo.nl", "jan.devries.x@ziggo.nl"));
        // A swap across the cut breaks both halves and meets under "T".
        assert!(meet("abcdef@ziggo.nl", "abdcef@ziggo.nl"));
    }

    #[test]
    fn nearest_agrees_with_a_scan_of_every_real_domain() {
        let table = &*EmailTypo::new().with_domain("a").with_domain("xy").table;
        let brute = |domain: &str| {
            let mut near =
                table.real.iter().enumerate().filter(|(_, (real, _))| {
                    one_edit(domain.as_bytes(), real.as_bytes()).is_some()
                });
            match (near.next(), near.next()) {
                (Some((at, _)), None) => Some(at as u32),
                _ => None,
            }
        };
        let mut domains: Vec<String> = vec![String::new(), "b".into(), "yx".into(), "q".into()];
        for (real, _) in &table.real {
            for choice in 0..4 * (real.len() + 1) {
                for byte in [b'a', b'o', b'.', b'm'] {
                    domains.push(crate::fuzzy::tests::edit(real, choice, byte));
                }
            }
        }
        for domain in &domains {
            assert_eq!(table.nearest(domain), brute(domain), "{domain:?}");
        }
    }

    #[test]
    fn classification() {
        let rule = EmailTypo::new();
        let table = &*rule.table;
        let gmial = table.classify("gmial.com");
        assert_eq!((gmial.meant, gmial.known), ("gmail.com", true));
        assert_eq!(table.classify("zigo.nl").meant, "ziggo.nl");
        assert_eq!(table.classify("outlook.cm").meant, "outlook.com");
        let gmail = table.classify("gmail.com");
        assert!(gmail.known && gmail.meant == gmail.raw);
        let shop = table.classify("shop.nl");
        assert!(!shop.known && shop.meant == "shop.nl");
        // One edit from both gmail.com and mail.com.
        assert!(!table.classify("gail.com").known);
        assert!(!table.classify(&"x".repeat(300)).known);
    }

    #[test]
    fn configured_domains() {
        let rule = EmailTypo::new().with_domain("Shoq.NL");
        let score = |a: &str, b: &str| rule.score(&record(a), &record(b)).map(Score::get);
        // shop.nl is now one edit from a real domain: a typo of it.
        assert_eq!(
            score("jan.devries@shop.nl", "jan.devries@shoq.nl"),
            Some(0.97)
        );
        let both = rule.clone().with_domain("shop.nl");
        assert_eq!(
            both.score(
                &record("jan.devries@shop.nl"),
                &record("jan.devries@shoq.nl")
            ),
            None
        );
        let typo = EmailTypo::new().with_typo("gmali.cmo", "gmail.com");
        assert_eq!(
            typo.score(&record("jan@gmali.cmo"), &record("jan@gmail.com"))
                .map(Score::get),
            Some(0.97)
        );
    }
}
