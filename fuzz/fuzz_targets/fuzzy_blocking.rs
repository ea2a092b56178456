//! Bytes → a sequence of match records (and removals) through one fuzzy
//! matcher with a small comparison cap. The cap must hold for every record,
//! matches must name earlier, indexed records, once each, best first, with
//! the decision their score and the thresholds call for; blocking keys must
//! be repeatable.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use idstitch::IdentifierKind;
use idstitch::fuzzy::{BlockKey, Decision, FuzzyConfig, MatchRecord, MatchRule, Matcher};
use libfuzzer_sys::fuzz_target;

/// Built once: the email rule's domain table takes longer than a run.
static DEFAULT: OnceLock<FuzzyConfig> = OnceLock::new();

/// At most this many records per input.
const MAX_RECORDS: usize = 48;

/// One record from a chunk: the first byte picks which fields are present,
/// the rest are the fields (email, phone, name, city, postcode) separated by
/// NUL bytes.
fn record(chunk: &[u8]) -> MatchRecord {
    let mask = chunk.first().copied().unwrap_or(0);
    let mut fields = chunk.get(1..).unwrap_or_default().split(|&b| b == 0);
    let mut next = |bit: u8| {
        let field = fields.next().unwrap_or_default();
        (mask & bit != 0).then(|| String::from_utf8_lossy(field).into_owned())
    };
    let mut record = MatchRecord::new();
    if let Some(email) = next(1) {
        record = record.with_identifier(IdentifierKind::Email, email);
    }
    if let Some(phone) = next(2) {
        record = record.with_identifier(IdentifierKind::Phone, phone);
    }
    for (bit, attr) in [(4, "name"), (8, "city"), (16, "postcode")] {
        if let Some(value) = next(bit) {
            record = record.with_attr(attr, value);
        }
    }
    record
}

/// A rule's keys of `record`: the keys it is filed under (both ways and
/// index-only), and the query-only ones.
type Keys = (Vec<BlockKey>, Vec<BlockKey>, Vec<BlockKey>);

fn keys(rule: &dyn MatchRule, record: &MatchRecord) -> Keys {
    let (mut both, mut index_only, mut query_only) = (Vec::new(), Vec::new(), Vec::new());
    rule.blocking_keys(record, &mut both);
    rule.one_way_keys(record, &mut index_only, &mut query_only);
    (both, index_only, query_only)
}

fuzz_target!(|data: &[u8]| {
    let [cap, rest @ ..] = data else {
        return;
    };
    let cap = u32::from(cap % 8);
    let mut config = DEFAULT.get_or_init(FuzzyConfig::default).clone();
    config.max_comparisons(cap);
    let (suggest, auto_merge) = (config.suggest(), config.auto_merge());
    let rules = config.rules().to_vec();
    let mut matcher = Matcher::new(config);
    let mut indexed = HashSet::new();
    for (id, chunk) in (0u32..).zip(rest.split(|&b| b == 0xff).take(MAX_RECORDS)) {
        // Chunks starting with 0xfe remove an earlier record instead.
        if let [0xfe, which, ..] = chunk {
            let victim = u32::from(*which) % (id + 1);
            assert_eq!(matcher.remove(victim), indexed.remove(&victim));
            continue;
        }
        let record = record(chunk);
        let mut has_keys = false;
        for rule in &rules {
            let (once, twice) = (keys(&**rule, &record), keys(&**rule, &record));
            assert_eq!(once, twice, "{} keys are not repeatable", rule.name());
            // Filed under a key: kept by the matcher.
            has_keys |= !once.0.is_empty() || !once.1.is_empty();
        }

        let before = matcher.stats().comparisons;
        let found = matcher.match_record(id, record);
        assert!(matcher.stats().comparisons - before <= u64::from(cap));
        assert!(found.len() <= cap as usize);
        let mut candidates = HashSet::new();
        for pair in found.windows(2) {
            assert!(pair[0].score() >= pair[1].score(), "not best first");
        }
        for m in &found {
            assert!(indexed.contains(&m.candidate()), "not an indexed record");
            assert!(candidates.insert(m.candidate()), "candidate twice");
            assert!(m.score() >= suggest);
            let expected = if m.score() >= auto_merge {
                Decision::AutoMerge
            } else {
                Decision::Suggest
            };
            assert_eq!(m.decision(), expected);
            assert!(matcher.rule_name(m.rule()).is_some());
        }
        // A cap of 0 turns matching off: nothing is kept.
        if has_keys && cap > 0 {
            indexed.insert(id);
        }
        assert_eq!(matcher.stats().indexed, indexed.len());
    }
    assert!(matcher.stats().most_comparisons <= cap);
});
