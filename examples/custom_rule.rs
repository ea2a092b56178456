//! A service plugs in its own fuzzy match rule.
//!
//! ```text
//! cargo run --example custom_rule
//! ```
//!
//! The shop's CRM knows customer numbers, and its till prints them on
//! receipts, where staff sometimes type them with the check letter missing:
//! `C-10442-K` at the till and `C-10442` in a support chat are the same
//! customer. A rule of a few lines teaches the resolver that, with the
//! customer's postcode as the second piece of evidence it wants before
//! merging; the built-in rules stay on beside it.

use idstitch::fuzzy::{BlockKey, FuzzyConfig, MatchRecord, MatchRule, Score};
use idstitch::{Event, Identifier, IdentifierKind, LinkRule, ResolverBuilder, SecretKey};

/// Customer numbers equal but for a trailing check letter, at the same
/// postcode.
struct CustomerNumber {
    kind: IdentifierKind,
}

impl CustomerNumber {
    /// The number without its check letter: `c-10442-k` → `c-10442`.
    fn stem(value: &str) -> &str {
        match value.rsplit_once('-') {
            Some((stem, check)) if check.len() == 1 && stem.contains('-') => stem,
            _ => value,
        }
    }
}

impl MatchRule for CustomerNumber {
    fn name(&self) -> &str {
        "customer_number"
    }

    fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Option<Score> {
        // Symmetric by construction: every comparison below is.
        let same_stem = a.values(&self.kind).any(|x| {
            b.values(&self.kind)
                .any(|y| x != y && Self::stem(x) == Self::stem(y))
        });
        let same_postcode =
            a.attr("postcode").is_some() && a.attr("postcode") == b.attr("postcode");
        match (same_stem, same_postcode) {
            (true, true) => Score::new(0.97).ok(),
            (true, false) => Score::new(0.85).ok(), // likely: a person decides
            _ => None,
        }
    }

    fn blocking_keys(&self, record: &MatchRecord, keys: &mut Vec<BlockKey>) {
        // Compare only records whose numbers share a stem: a key per stem.
        for value in record.values(&self.kind) {
            keys.push(BlockKey::new(Self::stem(value)));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let customer: IdentifierKind = "customer_id".parse()?;
    let mut config = FuzzyConfig::default();
    config.rule(CustomerNumber {
        kind: customer.clone(),
    });
    let mut resolver = ResolverBuilder::new(SecretKey::derive("custom rule example"))
        .keep_values(true)
        .fuzzy(config)
        .build();

    let till = Event::new("till-0091")
        .with_identifier(Identifier::new(customer.clone(), "C-10442-K"))
        .with_identifier(Identifier::loyalty_card("NL-4471-0092"))
        .with_attr("postcode", "1234 AB");
    let chat = Event::new("chat-7781")
        .with_identifier(Identifier::new(customer.clone(), "C-10442"))
        .with_identifier(Identifier::cookie("ck_9f2a"))
        .with_attr("postcode", "1234 AB");
    let other = Event::new("chat-7790")
        .with_identifier(Identifier::new(customer.clone(), "C-10442-X"))
        .with_identifier(Identifier::cookie("ck_77aa"))
        .with_attr("postcode", "9999 ZZ");

    let first = resolver.observe(&till)?;
    println!("till-0091 is profile {}", first.profile());
    let merged = resolver.observe(&chat)?;
    println!(
        "chat-7781 joined the till's customer: {} merge(s)",
        merged.merges().len()
    );
    let why = resolver
        .explain(
            &Identifier::loyalty_card("NL-4471-0092"),
            &Identifier::cookie("ck_9f2a"),
        )?
        .ok_or("the card and the cookie should be linked")?;
    for link in why.links() {
        let rule = match link.rule() {
            LinkRule::Fuzzy { rule, score } => format!("{rule} (score {:.2})", score.get()),
            other => format!("{other:?}"),
        };
        println!(
            "  {} -> {}: event {}, {rule}",
            link.from().value().unwrap_or("?"),
            link.to().value().unwrap_or("?"),
            link.event()
        );
    }

    // The same stem with another check letter, at another postcode: likely,
    // not sure, so it waits for a person instead of merging.
    let suggested = resolver.observe(&other)?;
    for item in suggested.reviews() {
        println!(
            "for review: {} ~ {} ({:?})",
            item.kept().value().unwrap_or("?"),
            item.held().value().unwrap_or("?"),
            item.reason()
        );
    }
    println!("profiles: {}", resolver.profile_count());
    if let Some(stats) = resolver.fuzzy_stats() {
        println!(
            "fuzzy matching: {} comparisons for {} events",
            stats.comparisons, stats.records
        );
    }
    Ok(())
}
