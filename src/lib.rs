//! idstitch resolves customer identities across channels: the cookie on the
//! web shop, the email used to log in, the live-chat session at work, the
//! WhatsApp number at home and the loyalty card scanned at the till become one
//! **unified profile**.
//!
//! Each event lists the identifiers seen together. idstitch normalizes every
//! value (email, phone to E.164, loyalty card, cookie, chat session, custom
//! kinds), turns it into a keyed blake3 hash, and merges profiles with a
//! union-find, so resolving one event costs a few hash lookups. Bad values
//! never crash it and never vanish: each is rejected with a typed reason while
//! the rest of its event is kept; placeholder junk (`unknown`, `n/a`,
//! `noreply@…`) is refused by a configurable [`Blocklist`].
//!
//! The types you need first:
//! - [`ResolverBuilder`] configures the hashing secret, phone region, email
//!   rules and limits, and builds a [`Resolver`];
//! - [`Event`] is one touchpoint, built from [`Identifier`]s;
//! - [`Resolver::observe`] applies an event and returns an [`Observation`];
//!   [`Resolver::lookup`], [`Resolver::profile`] and [`Resolver::canonical`]
//!   answer questions, and [`Resolver::explain`] says which events tie two
//!   identifiers together;
//! - [`Protection`] guards against over-merging: values that join many
//!   otherwise separate people (a kiosk cookie, a placeholder phone) are found
//!   and split off again ([`Resolver::generic_values`]), and per-profile
//!   limits send doubtful merges to [`Resolver::review_queue`];
//! - [`Resolver::forget`] erases an identifier and splits its profile into
//!   what still holds together; [`Resolver::drain_changes`] lists every
//!   merge, rename and split for services that keep their own copies;
//! - [`Resolver::observe_batch`] applies many events, normalizing and
//!   hashing on the other cores while one thread links;
//! - [`fuzzy`] adds fuzzy match rules (email typos, name and place, phone
//!   digit slips, or your own [`fuzzy::MatchRule`]) through
//!   [`ResolverBuilder::fuzzy`];
//! - [`journey`] turns resolved events into journeys and omnichannel
//!   metrics (ROPO, reverse ROPO, chat-assisted sales, phases), each also
//!   without resolution, as a table or an SVG ([`journey::Report`]).
//!
//! ```
//! use idstitch::{Channel, Event, Identifier, Region, ResolverBuilder, SecretKey};
//!
//! let mut resolver = ResolverBuilder::new(SecretKey::derive("load me from your secret store"))
//!     .default_region(Region::NL)
//!     .keep_values(true)
//!     .build();
//!
//! // Browsing, then logging in on the web shop.
//! resolver.observe(&Event::new("e1").with_channel(Channel::Web)
//!     .with_identifier(Identifier::cookie("ck_9f2a"))
//!     .with_identifier(Identifier::email(" Jan.deVries@Example.COM ")))?;
//! // A WhatsApp question from home, with the phone in WhatsApp's format.
//! resolver.observe(&Event::new("e2").with_channel(Channel::WhatsApp)
//!     .with_identifier(Identifier::phone("31612345678"))
//!     .with_identifier(Identifier::email("jan.devries@example.com")))?;
//! // The till: a loyalty card and the phone in national format.
//! let till = resolver.observe(&Event::new("e3").with_channel(Channel::Store)
//!     .with_identifier(Identifier::loyalty_card("4471 0092 1183"))
//!     .with_identifier(Identifier::phone("06-12345678")))?;
//!
//! let profile = resolver.profile(till.profile()).unwrap();
//! assert_eq!(profile.event_count(), 3);
//! assert_eq!(profile.channels(), &[Channel::Store, Channel::Web, Channel::WhatsApp]);
//! let values: Vec<String> = profile.identifiers().iter().map(|id| id.to_string()).collect();
//! assert_eq!(values, ["jan.devries@example.com", "+31612345678", "447100921183", "ck_9f2a"]);
//! # Ok::<(), idstitch::Error>(())
//! ```
//!
//! Services embed the resolver through the [`IdentityResolver`] trait (with
//! conveniences in [`IdentityResolverExt`]) and share it across threads with
//! [`SharedResolver`]. [`Resolver::save_snapshot`] and
//! [`Resolver::load_snapshot`] persist the whole state, versioned and
//! checksummed.
//!
//! # Privacy
//! By default the resolver runs in hashed mode: it keeps only keyed hashes
//! ([`IdentifierKey`]) of identifiers, never their values, in memory, in
//! snapshots and in `Debug` output. [`ResolverBuilder::keep_values`] keeps
//! normalized values for display.
//!
//! # Crate features
//! - `jsonl` (default): read and write the JSON Lines interchange format for
//!   events, profiles and rejects (module [`jsonl`]), using `serde_json`.
//!
//! # Rust version
//! Requires Rust 1.85 or newer (edition 2024).

#![deny(missing_docs)]

mod api;
mod error;
mod event;
mod evidence;
pub mod fuzzy;
mod fuzzy_link;
mod identifier;
pub mod journey;
#[cfg(feature = "jsonl")]
pub mod jsonl;
mod key;
mod normalize;
mod profile;
mod protect;
mod resolver;
mod snapshot;
mod time;
mod union_find;

pub use api::{IdentityResolver, IdentityResolverExt, SharedResolver};
pub use error::{Error, ErrorKind, RejectReason, SnapshotError};
pub use event::Event;
pub use evidence::{Explanation, Link, LinkRule};
pub use identifier::{Channel, CustomChannel, CustomKind, Identifier, IdentifierKind};
pub use key::{IdentifierKey, SecretKey};
pub use normalize::{
    Blocklist, CheckDigit, EmailProviderRule, EmailRules, Normalizer, Pattern, Region,
};
pub use profile::{Profile, ProfileId, ProfileIdentifier};
pub use protect::{
    Change, Forgotten, GenericValue, Protection, RenameRecord, ReviewItem, ReviewReason,
    SplitCause, SplitRecord,
};
pub use resolver::{MergeRecord, Observation, Reject, Resolver, ResolverBuilder};
pub use time::{Timestamp, TimestampError};

/// Not part of the API: internals exposed, behind the `bench-internals`
/// feature, for the crate's own benchmarks (`benches/internals.rs`). They may
/// change in any release.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod bench_internals {
    use crate::key::{IdentifierKey, KeyHasher, SecretKey};

    /// The keyed hash of a normalized value, as the resolver computes it.
    pub fn key(hasher: &Hasher, kind: &str, normalized: &str) -> IdentifierKey {
        hasher.0.identifier(kind, normalized)
    }

    /// The resolver's hasher.
    pub struct Hasher(KeyHasher);

    impl Hasher {
        /// A hasher with `secret`.
        pub fn new(secret: SecretKey) -> Self {
            Hasher(KeyHasher::new(secret))
        }
    }

    /// The resolver's union-find.
    #[derive(Default)]
    pub struct UnionFind(crate::union_find::UnionFind);

    impl UnionFind {
        /// Adds a singleton; returns its node.
        pub fn push(&mut self) -> u32 {
            self.0.push()
        }

        /// Joins two sets; whether they were separate.
        pub fn union(&mut self, a: u32, b: u32) -> bool {
            self.0.union(a, b)
        }

        /// The root of `node`'s set.
        pub fn find(&mut self, node: u32) -> u32 {
            self.0.find(node)
        }
    }
}

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
