//! Saving and restoring the whole resolver: versioned, checksummed, and
//! validated before it is trusted.
//!
//! Layout: `IDSTITCH` magic (8 bytes), format version (u16 LE), reserved
//! (u16, zero), payload length (u64 LE), blake3 of the payload (32 bytes),
//! then the payload: the state in postcard's compact serde encoding.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::error::{Error, SnapshotError};
use crate::evidence::Evidence;
use crate::identifier::{Channel, IdentifierKind};
use crate::key::{IdentifierKey, KeyHasher, SecretKey};
use crate::profile::{ProfileId, ProfileState};
use crate::protect::{Change, GenericMark, ReviewRecord};
use crate::resolver::{
    Config, FORGOTTEN, Interner, KNOWN_CHANNELS, Nodes, ORPHAN, Resolver, ValueArena,
};
use crate::union_find::UnionFind;

const MAGIC: &[u8; 8] = b"IDSTITCH";
/// 3: the evidence is stored as incidence lists instead of a petgraph graph.
const VERSION: u16 = 3;
const HEADER_LEN: usize = 8 + 2 + 2 + 8 + 32;

/// The state as written. Field order is the format: postcard is positional,
/// so [`State`] below must list the same fields in the same order.
#[derive(Serialize)]
struct StateRef<'a> {
    fingerprint: [u8; 16],
    config: &'a Config,
    keys: &'a [IdentifierKey],
    kinds: &'a [u16],
    sets: &'a UnionFind,
    values: Option<&'a ValueArena>,
    custom_kinds: &'a [IdentifierKind],
    channels: &'a [Channel],
    profiles: Vec<(u32, &'a ProfileState)>,
    founders: Vec<(ProfileId, u32)>,
    events: Vec<(IdentifierKey, u32)>,
    evidence: Option<&'a Evidence>,
    tombstones: Vec<IdentifierKey>,
    generic: Vec<(u32, GenericMark)>,
    review: &'a [ReviewRecord],
    changes: &'a [Change],
}

/// The state as read back.
#[derive(Deserialize)]
struct State {
    fingerprint: [u8; 16],
    config: Config,
    keys: Vec<IdentifierKey>,
    kinds: Vec<u16>,
    sets: UnionFind,
    values: Option<ValueArena>,
    custom_kinds: Vec<IdentifierKind>,
    channels: Vec<Channel>,
    profiles: Vec<(u32, ProfileState)>,
    founders: Vec<(ProfileId, u32)>,
    events: Vec<(IdentifierKey, u32)>,
    evidence: Option<Evidence>,
    tombstones: Vec<IdentifierKey>,
    generic: Vec<(u32, GenericMark)>,
    review: Vec<ReviewRecord>,
    changes: Vec<Change>,
}

impl Resolver {
    /// Writes the whole resolver state to `writer`. In hashed mode the
    /// snapshot holds no identifier value; it never holds the secret (only a
    /// fingerprint of it, to catch a restore with the wrong one).
    ///
    /// The bytes are the same for the same sequence of observed events.
    ///
    /// ```
    /// use idstitch::{Event, Identifier, Resolver, ResolverBuilder, SecretKey};
    ///
    /// let secret = SecretKey::derive("s");
    /// let mut resolver = ResolverBuilder::new(secret.clone()).build();
    /// let id = resolver.observe(&Event::new("e1").with_identifier(Identifier::cookie("ck_1"))).unwrap().profile();
    ///
    /// let mut bytes = Vec::new();
    /// resolver.save_snapshot(&mut bytes).unwrap();
    /// let restored = Resolver::load_snapshot(secret, bytes.as_slice()).unwrap();
    /// assert_eq!(restored.lookup(&Identifier::cookie("ck_1")).unwrap(), Some(id));
    ///
    /// bytes.truncate(bytes.len() - 1);
    /// assert!(Resolver::load_snapshot(SecretKey::derive("s"), bytes.as_slice()).is_err());
    /// ```
    ///
    /// # Errors
    /// [`SnapshotError::Io`] when writing fails.
    pub fn save_snapshot<W: Write>(&self, mut writer: W) -> Result<(), Error> {
        let mut profiles: Vec<(u32, &ProfileState)> = self
            .profiles
            .iter()
            .map(|(&root, state)| (root, state))
            .collect();
        profiles.sort_unstable_by_key(|&(root, _)| root);
        let mut founders: Vec<(ProfileId, u32)> = self
            .founders
            .iter()
            .map(|(&id, &node)| (id, node))
            .collect();
        founders.sort_unstable();
        let mut events: Vec<(IdentifierKey, u32)> = self
            .events
            .iter()
            .map(|(&key, &node)| (key, node))
            .collect();
        events.sort_unstable();
        let mut tombstones: Vec<IdentifierKey> = self.tombstones.iter().copied().collect();
        tombstones.sort_unstable();
        let mut generic: Vec<(u32, GenericMark)> = self
            .generic
            .iter()
            .map(|(&node, &mark)| (node, mark))
            .collect();
        generic.sort_unstable_by_key(|&(node, _)| node);
        let state = StateRef {
            fingerprint: self.hasher.secret().fingerprint(),
            config: &self.config,
            keys: &self.nodes.keys,
            kinds: &self.nodes.kinds,
            sets: &self.nodes.sets,
            values: self.nodes.values.as_ref(),
            custom_kinds: &self.custom_kinds.names,
            channels: &self.channels.names,
            profiles,
            founders,
            events,
            evidence: self.evidence.as_ref(),
            tombstones,
            generic,
            review: &self.review,
            changes: &self.changes,
        };
        let payload = postcard::to_allocvec(&state)
            .map_err(|error| SnapshotError::Decode(error.to_string()))?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&0_u16.to_le_bytes());
        header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        header.extend_from_slice(blake3::hash(&payload).as_bytes());
        writer.write_all(&header).map_err(SnapshotError::Io)?;
        writer.write_all(&payload).map_err(SnapshotError::Io)?;
        writer.flush().map_err(SnapshotError::Io)?;
        Ok(())
    }

    /// Restores a resolver saved with [`save_snapshot`](Self::save_snapshot),
    /// given the same secret.
    ///
    /// # Errors
    /// A [`SnapshotError`]: not a snapshot, an unsupported version, truncated,
    /// a checksum mismatch, undecodable, internally inconsistent, or written
    /// with another secret. A snapshot is never half-restored.
    pub fn load_snapshot<R: Read>(secret: SecretKey, mut reader: R) -> Result<Resolver, Error> {
        let mut header = [0; HEADER_LEN];
        let mut filled = 0;
        while filled < HEADER_LEN {
            match reader.read(&mut header[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(SnapshotError::Io(error).into()),
            }
        }
        if filled < MAGIC.len() || &header[..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot.into());
        }
        if filled < HEADER_LEN {
            return Err(SnapshotError::Truncated {
                expected: HEADER_LEN as u64,
                found: filled as u64,
            }
            .into());
        }
        let version = u16::from_le_bytes([header[8], header[9]]);
        if version != VERSION {
            return Err(SnapshotError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            }
            .into());
        }
        if header[10..12] != [0, 0] {
            return Err(SnapshotError::Inconsistent("reserved header bytes are set").into());
        }
        let mut length = [0; 8];
        length.copy_from_slice(&header[12..20]);
        let expected = u64::from_le_bytes(length);
        let mut payload = Vec::new();
        // Read at most one byte past the promised length, to notice both a
        // short and an over-long snapshot without trusting the header for an
        // allocation size.
        reader
            .take(expected.saturating_add(1))
            .read_to_end(&mut payload)
            .map_err(SnapshotError::Io)?;
        if payload.len() as u64 != expected {
            return Err(SnapshotError::Truncated {
                expected,
                found: payload.len() as u64,
            }
            .into());
        }
        if blake3::hash(&payload).as_bytes()[..] != header[20..52] {
            return Err(SnapshotError::ChecksumMismatch.into());
        }
        let state: State = postcard::from_bytes(&payload)
            .map_err(|error| SnapshotError::Decode(error.to_string()))?;
        if state.fingerprint != secret.fingerprint() {
            return Err(SnapshotError::KeyMismatch.into());
        }
        restore(secret, state).map_err(|why| SnapshotError::Inconsistent(why).into())
    }
}

/// Rebuilds a resolver from decoded state, checking every cross-reference
/// that a later call would otherwise index blindly.
fn restore(secret: SecretKey, state: State) -> Result<Resolver, &'static str> {
    let len = state.keys.len();
    if state.kinds.len() != len || state.sets.len() != len {
        return Err("node vectors differ in length");
    }
    state.sets.validate()?;
    match (&state.values, state.config.keep_values) {
        (Some(values), true) => values.validate(len)?,
        (None, false) => {}
        _ => return Err("kept values do not match the configuration"),
    }
    if !state
        .custom_kinds
        .iter()
        .all(|kind| matches!(kind, IdentifierKind::Custom(_)))
    {
        return Err("a built-in kind is listed as custom");
    }
    let custom_limit = 5 + state.custom_kinds.len();
    if state
        .kinds
        .iter()
        .any(|&kind| kind != ORPHAN && kind != FORGOTTEN && usize::from(kind) >= custom_limit)
    {
        return Err("node kind out of range");
    }
    if state.channels.get(..KNOWN_CHANNELS.len()) != Some(&KNOWN_CHANNELS[..]) {
        return Err("known channels are missing or reordered");
    }
    let channel_count = state.channels.len();
    let custom_kinds = Interner::from_names(state.custom_kinds)?;
    let channels = Interner::from_names(state.channels)?;

    let mut nodes = Nodes {
        keys: state.keys,
        kinds: state.kinds,
        index: Default::default(),
        sets: state.sets,
        values: state.values,
    };
    nodes.rebuild_index()?;

    // A forgotten identifier is a set of its own without a profile; every
    // other set holds exactly one profile.
    let mut root_count = 0;
    for node in 0..len as u32 {
        let root = nodes.sets.find_root(node);
        let forgotten = nodes.kinds[node as usize] == FORGOTTEN;
        if forgotten && (root != node || nodes.sets.members(node).nth(1).is_some()) {
            return Err("a forgotten identifier is linked");
        }
        if root == node && !forgotten {
            root_count += 1;
        }
    }
    if root_count != state.profiles.len() {
        return Err("profiles do not match the sets");
    }
    let mut resolver = Resolver::with_parts(KeyHasher::new(secret), state.config);
    resolver.nodes = nodes;
    resolver.custom_kinds = custom_kinds;
    resolver.channels = channels;
    resolver.intern_rules();
    for &(id, node) in &state.founders {
        if node as usize >= len || resolver.founders.insert(id, node).is_some() {
            return Err("profile founder out of range or repeated");
        }
    }
    for (root, profile) in state.profiles {
        let is_root = (root as usize) < len && resolver.nodes.sets.find_root(root) == root;
        let anchored_here = (profile.anchor as usize) < len
            && resolver.nodes.sets.find_root(profile.anchor) == root
            && resolver.founders.get(&profile.id) == Some(&profile.anchor);
        if !is_root
            || !anchored_here
            || profile.kind_counts.as_slice().len() != resolver.rules.limits.len()
        {
            return Err("profile does not match its set");
        }
        if profile
            .channels
            .iter()
            .any(|channel| usize::from(channel) >= channel_count)
        {
            return Err("profile channel out of range");
        }
        if resolver.profiles.insert(root, profile).is_some() {
            return Err("two profiles share a root");
        }
    }
    for (key, node) in state.events {
        if node as usize >= len || resolver.events.insert(key, node).is_some() {
            return Err("event out of range or repeated");
        }
    }
    match (&state.evidence, resolver.config.keep_evidence) {
        (Some(evidence), true) => {
            let sets = &resolver.nodes.sets;
            evidence.validate(len, resolver.channels.names.len(), |node| {
                sets.find_root(node)
            })?;
        }
        (None, false) => {}
        _ => return Err("kept evidence does not match the configuration"),
    }
    resolver.evidence = state.evidence;
    resolver.tombstones = std::sync::Arc::new(state.tombstones.into_iter().collect());
    for (node, mark) in state.generic {
        let kind = resolver.nodes.kinds.get(node as usize).copied();
        if kind.is_none_or(|kind| kind == ORPHAN || kind == FORGOTTEN)
            || resolver.generic.insert(node, mark).is_some()
        {
            return Err("generic mark out of range or repeated");
        }
    }
    if state
        .review
        .iter()
        .any(|item| item.kept as usize >= len || item.held as usize >= len)
    {
        return Err("review item out of range");
    }
    resolver.review = state.review;
    resolver.changes = state.changes;
    Ok(resolver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, Identifier, ResolverBuilder};

    fn sample(keep_values: bool) -> (SecretKey, Resolver) {
        let secret = SecretKey::derive("snapshot test");
        let mut resolver = ResolverBuilder::new(secret.clone())
            .keep_values(keep_values)
            .build();
        let events = [
            Event::new("e1")
                .with_identifier(Identifier::cookie("ck_1"))
                .with_identifier(Identifier::email("a@b.co")),
            Event::new("e2")
                .with_channel("kiosk".parse().unwrap())
                .with_identifier(Identifier::cookie("ck_2")),
            Event::new("e3")
                .with_identifier(Identifier::cookie("ck_2"))
                .with_identifier(Identifier::email("a@b.co")),
            Event::new("e4").with_identifier(Identifier::email("broken")),
            Event::new("e5").with_identifier(Identifier::new("device_id".parse().unwrap(), "d-1")),
        ];
        for event in &events {
            let _ = resolver.observe(event).unwrap();
        }
        (secret, resolver)
    }

    fn save(resolver: &Resolver) -> Vec<u8> {
        let mut bytes = Vec::new();
        resolver.save_snapshot(&mut bytes).unwrap();
        bytes
    }

    fn load(secret: &SecretKey, bytes: &[u8]) -> Result<Resolver, SnapshotError> {
        Resolver::load_snapshot(secret.clone(), bytes).map_err(|error| match error.into_kind() {
            crate::ErrorKind::Snapshot(error) => error,
            other => panic!("not a snapshot error: {other:?}"),
        })
    }

    #[test]
    fn round_trip_preserves_everything_observable() {
        for keep_values in [false, true] {
            let (secret, resolver) = sample(keep_values);
            let bytes = save(&resolver);
            let restored = load(&secret, &bytes).unwrap();
            assert_eq!(
                restored.profiles().collect::<Vec<_>>(),
                resolver.profiles().collect::<Vec<_>>()
            );
            assert_eq!(restored.changes(), resolver.changes());
            assert_eq!(restored.event_profile("e4"), resolver.event_profile("e4"));
            assert_eq!(save(&restored), bytes, "snapshot bytes are deterministic");
        }
    }

    #[test]
    fn resolvers_without_evidence_round_trip_too() {
        let secret = SecretKey::derive("no evidence");
        let mut resolver = ResolverBuilder::new(secret.clone())
            .keep_evidence(false)
            .build();
        let event = Event::new("e1")
            .with_identifier(Identifier::cookie("ck_1"))
            .with_identifier(Identifier::cookie("ck_2"));
        let _ = resolver.observe(&event).unwrap();
        let bytes = save(&resolver);
        let restored = load(&secret, &bytes).unwrap();
        assert!(restored.evidence.is_none());
        assert_eq!(
            restored.profiles().collect::<Vec<_>>(),
            resolver.profiles().collect::<Vec<_>>()
        );
    }

    #[test]
    fn hashed_snapshots_hold_no_values() {
        let (_, resolver) = sample(false);
        let bytes = save(&resolver);
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("a@b.co") && !text.contains("ck_1"));
    }

    #[test]
    fn every_truncation_and_bit_flip_is_a_typed_error() {
        let (secret, resolver) = sample(true);
        let bytes = save(&resolver);
        for cut in 0..bytes.len() {
            assert!(load(&secret, &bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert!(load(&secret, &flipped).is_err(), "flip at {at}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            load(&secret, &longer),
            Err(SnapshotError::Truncated { .. })
        ));
    }

    #[test]
    fn errors_name_the_problem() {
        let (secret, resolver) = sample(false);
        let bytes = save(&resolver);
        assert!(matches!(
            load(&secret, b"hello"),
            Err(SnapshotError::NotASnapshot)
        ));
        let mut version = bytes.clone();
        version[8] = 9;
        assert!(matches!(
            load(&secret, &version),
            Err(SnapshotError::UnsupportedVersion { found: 9, .. })
        ));
        let mut corrupt = bytes.clone();
        *corrupt.last_mut().unwrap() ^= 1;
        assert!(matches!(
            load(&secret, &corrupt),
            Err(SnapshotError::ChecksumMismatch)
        ));
        assert!(matches!(
            load(&SecretKey::derive("other"), &bytes),
            Err(SnapshotError::KeyMismatch)
        ));
    }

    /// A payload with a valid checksum but contradictory contents (as an
    /// attacker could write) is refused, not trusted.
    #[test]
    fn consistent_checksum_over_inconsistent_state_is_refused() {
        let (secret, resolver) = sample(false);
        let bytes = save(&resolver);
        let mut payload = bytes[HEADER_LEN..].to_vec();
        let mut refused = 0;
        for at in 0..payload.len() {
            let original = payload[at];
            payload[at] = original.wrapping_add(1);
            let mut forged = bytes[..HEADER_LEN].to_vec();
            forged[20..52].copy_from_slice(blake3::hash(&payload).as_bytes());
            forged.extend_from_slice(&payload);
            // Must not panic; whatever loads must still answer without panicking.
            match load(&secret, &forged) {
                Ok(restored) => {
                    let _ = restored.profiles().count();
                    let _ = restored.lookup(&Identifier::cookie("ck_1"));
                }
                Err(_) => refused += 1,
            }
            payload[at] = original;
        }
        assert!(refused > 0);
    }
}
