//! Regression tests, each named after the bug it pins. A test marked
//! `#[ignore]` documents a bug that is still open in `src/`: run it with
//! `cargo test --test regression -- --ignored`, and drop the mark with the fix.

use idstitch::{Event, Identifier, Resolver, ResolverBuilder, SecretKey};

fn save(resolver: &Resolver) -> Vec<u8> {
    let mut bytes = Vec::new();
    resolver.save_snapshot(&mut bytes).unwrap();
    bytes
}

/// `observe` of a replayed id "changes nothing", yet its `find` halves
/// union-find paths, so the snapshot bytes of the same logical state differ
/// with and without a replay. Found by tests/oracle.rs
/// (`replays_change_nothing`). Fixed: the replay path uses `find_root`.
#[test]
fn replay_does_not_change_snapshot_bytes() {
    let mut resolver = ResolverBuilder::new(SecretKey::derive("regression")).build();
    let events = [
        Event::new("a").with_identifier(Identifier::cookie("ck_a")),
        Event::new("b").with_identifier(Identifier::cookie("ck_b")),
        Event::new("ab")
            .with_identifier(Identifier::cookie("ck_a"))
            .with_identifier(Identifier::cookie("ck_b")),
        Event::new("c").with_identifier(Identifier::cookie("ck_c")),
        Event::new("d").with_identifier(Identifier::cookie("ck_d")),
        Event::new("cd")
            .with_identifier(Identifier::cookie("ck_c"))
            .with_identifier(Identifier::cookie("ck_d")),
        Event::new("bd")
            .with_identifier(Identifier::cookie("ck_b"))
            .with_identifier(Identifier::cookie("ck_d")),
    ];
    for event in &events {
        let _ = resolver.observe(event).unwrap();
    }
    let before = save(&resolver);
    for event in &events {
        assert!(resolver.observe(event).unwrap().is_replay());
    }
    assert_eq!(save(&resolver), before);
}
