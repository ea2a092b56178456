//! Email addresses.
//!
//! An address is trimmed and lowercased (ASCII fast path, full Unicode
//! lowercasing for other characters), checked for one `@`, a non-empty local
//! part of at most 64 bytes and a dotted domain, at most 254 bytes in all.
//! Provider rules then fold the spellings one mailbox accepts into one:
//! `Jan.De.Vries+shop@googlemail.com` and `jandevries@gmail.com` are the same
//! Gmail inbox.

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
/// Longest local part accepted (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// Longest domain label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Per-provider email rules: which domains ignore dots or `+tags` in the local
/// part, and which domain aliases fold into one.
///
/// The [default](EmailRules::default) is the set that matches how the large
/// providers deliver mail:
///
/// - `gmail.com` and `googlemail.com`: dots and `+tags` are ignored, and both
///   domains fold into `gmail.com`;
/// - `outlook.com`, `hotmail.com`, `live.com` (Microsoft), `icloud.com`,
///   `me.com` (Apple), `proton.me`, `protonmail.com` (Proton) and
///   `fastmail.com`: `+tags` are ignored.
///
/// Rules match the lowercased domain. When two rules name the same domain, the
/// one added last wins, so a rule [pushed](EmailRules::push) onto the defaults
/// overrides them.
///
/// ```
/// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
///
/// let mut normalizer = Normalizer::default();
/// let email = Identifier::email("Jan+news@Example.nl");
/// assert_eq!(normalizer.normalize(&email).unwrap(), "jan+news@example.nl");
/// normalizer.email_rules(EmailRules::default().with(EmailProviderRule::new("example.nl").drop_plus_tag(true)));
/// assert_eq!(normalizer.normalize(&email).unwrap(), "jan@example.nl");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailRules {
    providers: Vec<EmailProviderRule>,
}

/// One provider's rule: the domains it covers and how it reads local parts.
///
/// ```
/// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
///
/// let rule = EmailProviderRule::new("mail.example.nl")
///     .alias("post.example.nl")
///     .canonical_domain("mail.example.nl")
///     .drop_dots(true)
///     .drop_plus_tag(true);
/// let mut normalizer = Normalizer::default();
/// normalizer.email_rules(EmailRules::none().with(rule));
/// let email = Identifier::email("J.Doe+Orders@Post.Example.NL");
/// assert_eq!(normalizer.normalize(&email).unwrap(), "jdoe@mail.example.nl");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailProviderRule {
    domains: Vec<String>,
    canonical_domain: Option<String>,
    drop_dots: bool,
    drop_plus_tag: bool,
}

/// Trims and lowercases a configured domain.
fn config_domain(domain: &str) -> String {
    domain.trim().to_lowercase()
}

impl EmailProviderRule {
    /// A rule for `domain` (matched case-insensitively) that changes nothing
    /// until told to.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none().with(EmailProviderRule::new("Example.COM")));
    /// let email = Identifier::email("A.B+c@example.com");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "a.b+c@example.com");
    /// ```
    pub fn new(domain: impl AsRef<str>) -> Self {
        EmailProviderRule {
            domains: vec![config_domain(domain.as_ref())],
            canonical_domain: None,
            drop_dots: false,
            drop_plus_tag: false,
        }
    }

    /// Another domain of the same provider: the rule applies to it too.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let rule = EmailProviderRule::new("example.com").alias("example.net").drop_plus_tag(true);
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none().with(rule));
    /// let email = Identifier::email("jan+shop@example.net");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "jan@example.net");
    /// ```
    pub fn alias(mut self, domain: impl AsRef<str>) -> Self {
        self.domains.push(config_domain(domain.as_ref()));
        self
    }

    /// The domain every address of this provider is written with, whichever of
    /// its domains it arrived with. The canonical domain is matched by the rule
    /// as well.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let rule = EmailProviderRule::new("example.com").alias("example.net").canonical_domain("example.com");
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none().with(rule));
    /// let email = Identifier::email("jan@example.net");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "jan@example.com");
    /// ```
    pub fn canonical_domain(mut self, domain: impl AsRef<str>) -> Self {
        self.canonical_domain = Some(config_domain(domain.as_ref()));
        self
    }

    /// Whether dots in the local part are ignored (`j.an@` is `jan@`).
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none().with(EmailProviderRule::new("example.com").drop_dots(true)));
    /// let email = Identifier::email("j.an.de.vries@example.com");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "jandevries@example.com");
    /// ```
    pub fn drop_dots(mut self, drop: bool) -> Self {
        self.drop_dots = drop;
        self
    }

    /// Whether a `+tag` at the end of the local part is ignored (`jan+shop@`
    /// is `jan@`).
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none().with(EmailProviderRule::new("example.com").drop_plus_tag(true)));
    /// let email = Identifier::email("jan+shop+2024@example.com");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "jan@example.com");
    /// ```
    pub fn drop_plus_tag(mut self, drop: bool) -> Self {
        self.drop_plus_tag = drop;
        self
    }

    /// Whether the rule covers `domain` (see [`same_domain`]).
    fn matches(&self, domain: &str, ascii: bool) -> bool {
        self.domains
            .iter()
            .chain(&self.canonical_domain)
            .any(|own| same_domain(own, domain, ascii))
    }
}

/// Whether a configured domain names `domain`, ignoring case. `domain` is
/// either ASCII (`ascii`, any case) or already lowercased. Configured domains
/// are lowercased when set (or as deserialized).
fn same_domain(configured: &str, domain: &str, ascii: bool) -> bool {
    if ascii {
        // Checks the lengths first. A configured non-ASCII domain cannot
        // name an ASCII one once lowercased.
        configured.eq_ignore_ascii_case(domain)
    } else {
        fn lower(text: &str) -> impl Iterator<Item = char> + '_ {
            text.chars().flat_map(char::to_lowercase)
        }
        lower(configured).eq(lower(domain))
    }
}

impl Default for EmailRules {
    fn default() -> Self {
        let tag_only = |domain: &str| EmailProviderRule::new(domain).drop_plus_tag(true);
        EmailRules::none()
            .with(
                EmailProviderRule::new("gmail.com")
                    .alias("googlemail.com")
                    .canonical_domain("gmail.com")
                    .drop_dots(true)
                    .drop_plus_tag(true),
            )
            .with(
                tag_only("outlook.com")
                    .alias("hotmail.com")
                    .alias("live.com"),
            )
            .with(tag_only("icloud.com").alias("me.com"))
            .with(tag_only("proton.me").alias("protonmail.com"))
            .with(tag_only("fastmail.com"))
    }
}

impl EmailRules {
    /// No provider rules: addresses are only trimmed and lowercased.
    ///
    /// ```
    /// use idstitch::{EmailRules, Identifier, Normalizer};
    ///
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(EmailRules::none());
    /// let email = Identifier::email("J.Doe+x@GoogleMail.com");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "j.doe+x@googlemail.com");
    /// ```
    pub fn none() -> Self {
        EmailRules {
            providers: Vec::new(),
        }
    }

    /// These rules plus `rule`, which wins over earlier rules for the same
    /// domain.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// // Keep Gmail's dots, still drop its +tags.
    /// let rules = EmailRules::default()
    ///     .with(EmailProviderRule::new("gmail.com").alias("googlemail.com").drop_plus_tag(true));
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(rules);
    /// let email = Identifier::email("j.doe+x@gmail.com");
    /// assert_eq!(normalizer.normalize(&email).unwrap(), "j.doe@gmail.com");
    /// ```
    pub fn with(mut self, rule: EmailProviderRule) -> Self {
        self.push(rule);
        self
    }

    /// Adds `rule`, which wins over earlier rules for the same domain.
    ///
    /// ```
    /// use idstitch::{EmailProviderRule, EmailRules, Identifier, Normalizer};
    ///
    /// let mut rules = EmailRules::none();
    /// rules.push(EmailProviderRule::new("example.com").drop_dots(true));
    /// let mut normalizer = Normalizer::default();
    /// normalizer.email_rules(rules);
    /// assert_eq!(normalizer.normalize(&Identifier::email("a.b@example.com")).unwrap(), "ab@example.com");
    /// ```
    pub fn push(&mut self, rule: EmailProviderRule) {
        self.providers.push(rule);
    }

    /// How `domain` (ASCII in any case, or lowercased) reads local parts:
    /// whether it drops dots and whether it drops `+tags`.
    pub(crate) fn drops(&self, domain: &str) -> (bool, bool) {
        self.find(domain, domain.is_ascii())
            .map_or((false, false), |rule| (rule.drop_dots, rule.drop_plus_tag))
    }

    /// The domain that `domain` (ASCII in any case, or lowercased) folds
    /// into, if its rule names one.
    pub(crate) fn canonical_domain(&self, domain: &str) -> Option<&str> {
        self.find(domain, domain.is_ascii())
            .and_then(|rule| rule.canonical_domain.as_deref())
    }

    /// The rule for `domain` (ASCII in any case, or lowercased): the last one
    /// that names it.
    fn find(&self, domain: &str, ascii: bool) -> Option<&EmailProviderRule> {
        self.providers
            .iter()
            .rev()
            .find(|rule| rule.matches(domain, ascii))
    }
}

/// Pushes the lowercase form of `text`.
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        if let Some(pushed) = out.get_mut(start..) {
            pushed.make_ascii_lowercase();
        }
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// Checks a domain in one pass: dotted labels of letters, digits and `-`, at
/// most 63 bytes each, none starting or ending with `-`, and a top-level label
/// of at least two characters that starts with a letter (every real one does;
/// `b.c` and the IP address `1.2.3.4` are typos or junk). Case does not matter
/// for ASCII; other text is checked in its lowercased form.
fn check_domain(domain: &str) -> Result<(), RejectReason> {
    let invalid = |why| Err(RejectReason::InvalidDomain { why });
    if domain.is_empty() {
        return invalid("it is empty");
    }
    if domain.starts_with('.') || domain.ends_with('.') {
        return invalid("it starts or ends with a dot");
    }
    let mut dotted = false;
    let mut label_len = 0;
    let mut previous = '.';
    // The current label's first character and length in characters: at the
    // end, those of the top-level label.
    let mut first = '.';
    let mut label_chars = 0;
    for ch in domain.chars() {
        match ch {
            '.' => {
                if label_len == 0 {
                    return invalid("it has an empty label");
                }
                if previous == '-' {
                    return invalid("a label starts or ends with `-`");
                }
                dotted = true;
                label_len = 0;
                label_chars = 0;
            }
            '-' if label_len == 0 => return invalid("a label starts or ends with `-`"),
            _ if ch == '-' || ch.is_alphanumeric() => {
                if label_chars == 0 {
                    first = ch;
                }
                label_chars += 1;
                label_len += ch.len_utf8();
                if label_len > MAX_LABEL_LEN {
                    return invalid("a label is longer than 63 bytes");
                }
            }
            _ => {
                return invalid("it contains a character other than a letter, a digit, `-` or `.`");
            }
        }
        previous = ch;
    }
    if previous == '-' {
        return invalid("a label starts or ends with `-`");
    }
    if !dotted {
        return invalid("it has no dot");
    }
    if label_chars < 2 || !first.is_alphabetic() {
        return invalid("the last label must be at least two characters and start with a letter");
    }
    Ok(())
}

/// Position of the one `@`, after checking for control characters and
/// whitespace.
fn find_at(text: &str) -> Result<usize, RejectReason> {
    let mut at = None;
    if text.is_ascii() {
        for (index, &b) in text.as_bytes().iter().enumerate() {
            match b {
                b'@' if at.is_some() => return Err(RejectReason::MultipleAt),
                b'@' => at = Some(index),
                b' ' => return Err(RejectReason::Whitespace),
                _ if b.is_ascii_control() => return Err(RejectReason::ControlCharacter),
                _ => {}
            }
        }
    } else {
        for (index, ch) in text.char_indices() {
            match ch {
                '@' if at.is_some() => return Err(RejectReason::MultipleAt),
                '@' => at = Some(index),
                _ if ch.is_control() => return Err(RejectReason::ControlCharacter),
                _ if ch.is_whitespace() => return Err(RejectReason::Whitespace),
                _ => {}
            }
        }
    }
    at.ok_or(RejectReason::MissingAt)
}

pub(super) fn normalize(
    raw: &str,
    rules: &EmailRules,
    out: &mut String,
) -> Result<(), RejectReason> {
    let text = super::trimmed(raw, MAX_LEN)?;
    let at = find_at(text)?;
    let (local, domain) = (
        text.get(..at).unwrap_or(""),
        text.get(at + 1..).unwrap_or(""),
    );
    if local.is_empty() {
        return Err(RejectReason::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(RejectReason::TooLong {
            len: local.len(),
            max: MAX_LOCAL_LEN,
        });
    }
    out.reserve(text.len());

    // The rule depends on the lowercased domain. ASCII domains are checked
    // and matched case-insensitively as they are; others are lowercased into
    // `out` first and checked in the form they will be written in.
    let ascii_domain = domain.is_ascii();
    let rule = if ascii_domain {
        check_domain(domain)?;
        rules.find(domain, true)
    } else {
        push_lowercase(out, domain);
        check_domain(out)?;
        let rule = rules.find(out, false);
        out.clear();
        rule
    };

    let (drop_dots, drop_plus_tag) =
        rule.map_or((false, false), |rule| (rule.drop_dots, rule.drop_plus_tag));
    let local = match local.as_bytes().iter().position(|&b| b == b'+') {
        Some(plus) if drop_plus_tag => local.get(..plus).unwrap_or(""),
        _ => local,
    };
    if drop_dots && local.contains('.') {
        for piece in local.split('.') {
            push_lowercase(out, piece);
        }
    } else {
        push_lowercase(out, local);
    }
    let local_len = out.len();
    if local_len == 0 {
        return Err(RejectReason::EmptyLocalPart);
    }
    if local_len > MAX_LOCAL_LEN {
        return Err(RejectReason::TooLong {
            len: local_len,
            max: MAX_LOCAL_LEN,
        });
    }
    out.push('@');
    match rule.and_then(|rule| rule.canonical_domain.as_deref()) {
        Some(canonical) => push_lowercase(out, canonical),
        None => push_lowercase(out, domain),
    }
    if out.len() > MAX_LEN {
        return Err(RejectReason::TooLong {
            len: out.len(),
            max: MAX_LEN,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm_with(raw: &str, rules: &EmailRules) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize(raw, rules, &mut out).map(|()| out)
    }

    fn norm(raw: &str) -> Result<String, RejectReason> {
        norm_with(raw, &EmailRules::default())
    }

    fn invalid_domain(raw: &str) -> &'static str {
        match norm(raw) {
            Err(RejectReason::InvalidDomain { why }) => why,
            other => panic!("{raw:?}: {other:?}"),
        }
    }

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(
            norm(" Jan.deVries@Example.COM ").unwrap(),
            "jan.devries@example.com"
        );
        assert_eq!(norm("\tinfo@shop.nl\n").unwrap(), "info@shop.nl");
        assert_eq!(norm("ÄNNE@Bücher.DE").unwrap(), "änne@bücher.de");
        assert_eq!(
            norm("o'brien+x@sub.example.co.uk").unwrap(),
            "o'brien+x@sub.example.co.uk"
        );
        assert_eq!(norm("a@b.co").unwrap(), "a@b.co");
        assert_eq!(norm("jan@shop.xn--p1ai").unwrap(), "jan@shop.xn--p1ai");
        assert_eq!(
            norm("user@xn--bcher-kva.de").unwrap(),
            "user@xn--bcher-kva.de"
        );
        assert_eq!(norm("ΣΟΦΙΑ@παράδειγμα.ελ").unwrap(), "σοφια@παράδειγμα.ελ");
    }

    #[test]
    fn default_provider_rules() {
        assert_eq!(
            norm("Jan.De.Vries+shop@gmail.com").unwrap(),
            "jandevries@gmail.com"
        );
        assert_eq!(
            norm("jan.de.vries+shop@GoogleMail.com").unwrap(),
            "jandevries@gmail.com"
        );
        assert_eq!(norm("J.a.n@GMAIL.COM").unwrap(), "jan@gmail.com");
        for domain in [
            "outlook.com",
            "hotmail.com",
            "live.com",
            "icloud.com",
            "me.com",
            "proton.me",
            "protonmail.com",
            "fastmail.com",
        ] {
            let raw = format!("Jan.Jansen+News@{domain}");
            assert_eq!(
                norm(&raw).unwrap(),
                format!("jan.jansen@{domain}"),
                "{domain}"
            );
        }
        // Other domains keep dots and tags; a subdomain is another domain.
        assert_eq!(norm("jan.j+x@example.com").unwrap(), "jan.j+x@example.com");
        assert_eq!(
            norm("jan.j+x@mail.gmail.com").unwrap(),
            "jan.j+x@mail.gmail.com"
        );
        assert_eq!(norm("jan.j+x@gmail.co").unwrap(), "jan.j+x@gmail.co");
    }

    #[test]
    fn no_rules() {
        let none = EmailRules::none();
        assert_eq!(
            norm_with("Jan.De.Vries+shop@gmail.com", &none).unwrap(),
            "jan.de.vries+shop@gmail.com"
        );
        assert_eq!(
            norm_with("x@googlemail.com", &none).unwrap(),
            "x@googlemail.com"
        );
    }

    #[test]
    fn rules_override_and_aliases() {
        let rules =
            EmailRules::default().with(EmailProviderRule::new("gmail.com").drop_plus_tag(true));
        assert_eq!(
            norm_with("j.d+x@gmail.com", &rules).unwrap(),
            "j.d@gmail.com"
        );
        // googlemail.com still has the default rule.
        assert_eq!(
            norm_with("j.d+x@googlemail.com", &rules).unwrap(),
            "jd@gmail.com"
        );

        let mut rules = EmailRules::none();
        rules.push(
            EmailProviderRule::new(" Example.COM ")
                .alias("EXAMPLE.net")
                .canonical_domain("Example.ORG")
                .drop_dots(true),
        );
        assert_eq!(
            norm_with("A.B+c@example.net", &rules).unwrap(),
            "ab+c@example.org"
        );
        // The canonical domain is covered by its own rule: idempotent.
        assert_eq!(
            norm_with("ab+c@example.org", &rules).unwrap(),
            "ab+c@example.org"
        );

        let idn = EmailRules::none().with(EmailProviderRule::new("BÜCHER.de").drop_plus_tag(true));
        assert_eq!(norm_with("a+b@bücher.DE", &idn).unwrap(), "a@bücher.de");
    }

    #[test]
    fn structure_errors() {
        assert_eq!(norm(""), Err(RejectReason::Empty));
        assert_eq!(norm("  \t "), Err(RejectReason::Empty));
        assert_eq!(norm("no-at-sign"), Err(RejectReason::MissingAt));
        assert_eq!(norm("a@b@example.com"), Err(RejectReason::MultipleAt));
        assert_eq!(norm("@example.com"), Err(RejectReason::EmptyLocalPart));
        assert_eq!(norm("+tag@gmail.com"), Err(RejectReason::EmptyLocalPart));
        assert_eq!(norm("...@gmail.com"), Err(RejectReason::EmptyLocalPart));
        assert_eq!(norm(".+x@gmail.com"), Err(RejectReason::EmptyLocalPart));
        assert_eq!(
            norm("jan jansen@example.com"),
            Err(RejectReason::Whitespace)
        );
        assert_eq!(
            norm("jan\u{a0}jansen@example.com"),
            Err(RejectReason::Whitespace)
        );
        assert_eq!(norm("jan@exa mple.com"), Err(RejectReason::Whitespace));
        assert_eq!(
            norm("jan\u{0}@example.com"),
            Err(RejectReason::ControlCharacter)
        );
        assert_eq!(
            norm("jan@example.com\r\nBcc: x@y.z"),
            Err(RejectReason::ControlCharacter)
        );
        assert_eq!(
            norm("jan\u{1b}[31m@example.com"),
            Err(RejectReason::ControlCharacter)
        );
    }

    #[test]
    fn domain_errors() {
        assert_eq!(invalid_domain("jan@"), "it is empty");
        assert_eq!(invalid_domain("jan@localhost"), "it has no dot");
        assert_eq!(
            invalid_domain("jan@.example.com"),
            "it starts or ends with a dot"
        );
        assert_eq!(
            invalid_domain("jan@example.com."),
            "it starts or ends with a dot"
        );
        assert_eq!(invalid_domain("jan@example..com"), "it has an empty label");
        assert_eq!(
            invalid_domain("jan@-example.com"),
            "a label starts or ends with `-`"
        );
        assert_eq!(
            invalid_domain("jan@example-.com"),
            "a label starts or ends with `-`"
        );
        assert_eq!(
            invalid_domain("jan@exam_ple.com"),
            "it contains a character other than a letter, a digit, `-` or `.`"
        );
        assert_eq!(
            invalid_domain("jan@[192.168.0.1]"),
            "it contains a character other than a letter, a digit, `-` or `.`"
        );
        assert_eq!(
            invalid_domain("jan@exa<mple>.com"),
            "it contains a character other than a letter, a digit, `-` or `.`"
        );
        assert_eq!(
            invalid_domain("jan@😀.com"),
            "it contains a character other than a letter, a digit, `-` or `.`"
        );
        let label = "a".repeat(64);
        assert_eq!(
            invalid_domain(&format!("jan@{label}.com")),
            "a label is longer than 63 bytes"
        );
        let tld = "the last label must be at least two characters and start with a letter";
        for raw in [
            "a@b.c",
            "jan@shop.n",
            "jan@1.2.3.4",
            "jan@192.168.0.1",
            "jan@shop.123",
            "jan@shop.1nl",
            "jan@shop.é",
        ] {
            assert_eq!(invalid_domain(raw), tld, "{raw}");
        }
        // Messages never repeat the value.
        let message = norm("secret.person@exam_ple.com").unwrap_err().to_string();
        assert!(
            !message.contains("secret") && !message.contains("exam"),
            "{message}"
        );
    }

    #[test]
    fn length_limits() {
        let local = "a".repeat(64);
        assert!(norm(&format!("{local}@example.com")).is_ok());
        assert_eq!(
            norm(&format!("{local}b@example.com")),
            Err(RejectReason::TooLong { len: 65, max: 64 })
        );
        let domain = format!(
            "{}.{}.{}.{}",
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(63),
            "g".repeat(60)
        );
        assert_eq!(norm(&format!("a@{domain}")).map(|s| s.len()), Ok(254));
        assert_eq!(
            norm(&format!("ab@{domain}")),
            Err(RejectReason::TooLong { len: 255, max: 254 })
        );
        let huge = "x".repeat(10_000);
        assert_eq!(
            norm(&huge),
            Err(RejectReason::TooLong {
                len: 10_000,
                max: 254
            })
        );
        // Dots dropped by a rule count after dropping.
        let dotted = "a.".repeat(40) + "b@gmail.com";
        assert_eq!(
            norm(&dotted),
            Err(RejectReason::TooLong { len: 81, max: 64 })
        );
    }

    #[test]
    fn default_rules_serde_round_trip() {
        let rules = EmailRules::default();
        let bytes = postcard::to_allocvec(&rules).unwrap();
        assert_eq!(postcard::from_bytes::<EmailRules>(&bytes).unwrap(), rules);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn rules() -> impl Strategy<Value = EmailRules> {
            prop_oneof![Just(EmailRules::default()), Just(EmailRules::none())]
        }

        fn email_like() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ ]?[A-Za-z0-9.+_ÄéİΣ-]{0,12}@[A-Za-z0-9.ÄİΣ-]{0,10}(\\.(com|nl|de))?(@gmail\\.com)?",
                "[a-zA-Z.+]{1,10}@(gmail|GoogleMail|outlook|me|fastmail)\\.com",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_strings_never_panic(raw in any::<String>(), rules in rules()) {
                if let Ok(out) = norm_with(&raw, &rules) {
                    prop_assert_eq!(norm_with(&out, &rules), Ok(out.clone()));
                }
            }

            #[test]
            fn idempotent(raw in email_like(), rules in rules()) {
                if let Ok(out) = norm_with(&raw, &rules) {
                    prop_assert!(out.len() <= MAX_LEN);
                    prop_assert_eq!(out.matches('@').count(), 1);
                    prop_assert_eq!(norm_with(&out, &rules), Ok(out.clone()));
                }
            }
        }
    }
}
