//! Any bytes → `jsonl::parse_line`. Never panics; every reject carries the
//! line number given; records are valid JSON of the spec's shape; an event
//! that came out can be observed, and its rejects carry the same line.
#![no_main]

use idstitch::jsonl::{ProfileRecord, RejectRecord, parse_line};
use idstitch::{ErrorKind, Region, ResolverBuilder, SecretKey};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check_reject(record: &RejectRecord, line: u64, event: Option<&str>) {
    assert_eq!(record.line(), line);
    assert_eq!(
        record.event(),
        event,
        "parse rejects name the event iff one came out"
    );
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&record.to_json()) else {
        panic!("reject is not a JSON object: {}", record.to_json());
    };
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(fields["line"], Value::from(line));
    assert!(fields["event"].is_string() || fields["event"].is_null());
    assert!(fields["type"].is_string() || fields["type"].is_null());
    assert!(fields["error"].as_str().is_some_and(|e| !e.is_empty()));
}

fuzz_target!(|data: &[u8]| {
    let line = data.len() as u64 + 1;
    let parsed = parse_line(data, line);
    assert_eq!(parsed.line(), line);
    let id = parsed.event().map(|event| event.id().to_owned());
    for record in parsed.rejects() {
        check_reject(record, line, id.as_deref());
    }
    let Some(event) = parsed.event() else {
        assert!(!parsed.rejects().is_empty(), "a skipped line is reported");
        return;
    };
    assert!(!event.id().trim().is_empty());

    let mut resolver = ResolverBuilder::new(SecretKey::derive("fuzz"))
        .default_region(Region::NL)
        .keep_values(data.first().is_some_and(|b| b & 1 == 1))
        .build();
    let outcome = match resolver.observe(event) {
        Ok(outcome) => outcome,
        Err(error) => {
            assert!(
                matches!(error.kind(), ErrorKind::InvalidEventId { .. }),
                "{error:?}"
            );
            assert_eq!(resolver.event_count(), 0);
            return;
        }
    };
    for record in RejectRecord::from_observation(line, event, &outcome) {
        check_reject(&record, line, Some(event.id()));
    }
    assert_eq!(resolver.event_profile(event.id()), Some(outcome.profile()));
    let profile = resolver.profile(outcome.profile()).unwrap();
    let events = [event.id()];
    let json = ProfileRecord::new(&profile, &events).to_json();
    assert!(
        serde_json::from_str::<Value>(&json).is_ok_and(|v| v.is_object()),
        "{json}"
    );
    assert!(resolver.observe(event).unwrap().is_replay());
});
