//! Bytes → two match records → each built-in fuzzy rule. Scores must lie in
//! [0, 1], be symmetric and repeatable, and the email and phone rules must
//! never score a pair whose blocking keys do not meet (such a pair would
//! never be compared, so the score would be a match silently missed).
#![no_main]

use std::sync::{Arc, OnceLock};

use idstitch::IdentifierKind;
use idstitch::fuzzy::{MatchRecord, MatchRule, builtin_rules, keys_meet};
use libfuzzer_sys::fuzz_target;

/// Built once: the email rule's domain table takes longer than a run.
static RULES: OnceLock<Vec<Arc<dyn MatchRule>>> = OnceLock::new();

/// Fields of a record: email, phone, name, city, postcode. Inputs are the
/// fields of two records separated by NUL bytes; an empty field of the
/// second record copies the first one's when the first byte is odd, so
/// that agreeing attributes are common.
fn records(data: &[u8]) -> (MatchRecord, MatchRecord) {
    let copy = data.first().is_some_and(|b| b & 1 == 1);
    let fields: Vec<String> = data
        .get(1..)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .take(10)
        .map(|field| String::from_utf8_lossy(field).into_owned())
        .collect();
    let field = |i: usize| fields.get(i).map(String::as_str).unwrap_or_default();
    let build = |offset: usize| {
        let value = |i: usize| match field(offset + i) {
            "" if copy && offset > 0 => field(i),
            value => value,
        };
        MatchRecord::new()
            .with_identifier(IdentifierKind::Email, value(0))
            .with_identifier(IdentifierKind::Phone, value(1))
            .with_attr("name", value(2))
            .with_attr("city", value(3))
            .with_attr("postcode", value(4))
    };
    (build(0), build(5))
}

fuzz_target!(|data: &[u8]| {
    let (a, b) = records(data);
    for rule in RULES.get_or_init(builtin_rules) {
        let score = rule.score(&a, &b);
        assert_eq!(score, rule.score(&b, &a), "{} is asymmetric", rule.name());
        assert_eq!(
            score,
            rule.score(&a, &b),
            "{} is not repeatable",
            rule.name()
        );
        if let Some(score) = score {
            assert!((0.0..=1.0).contains(&score.get()));
            if rule.name() != "name_place" {
                assert!(
                    keys_meet(&**rule, &a, &b),
                    "{} scored a pair without a shared key",
                    rule.name()
                );
            }
        }
    }
});
