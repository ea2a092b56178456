//! Profile ids and the read-only views the resolver hands out.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::identifier::{Channel, IdentifierKind};
use crate::key::IdentifierKey;
use crate::time::Timestamp;

/// A unified customer profile's id, shown as `p_` and 16 hex digits.
///
/// An id is a keyed hash of the profile's *anchor*: the identifier of its
/// earliest event (by event time, untimed events last); of that event's
/// identifiers the strongest kind (loyalty card, email, phone, custom, chat
/// session, cookie), and among equals the smallest key. So ids do not depend on the order in which events
/// arrive, and they reveal nothing about the person. When profiles merge,
/// the one with the earlier anchor keeps its id; when a profile splits, the
/// part holding the anchor keeps it. A retired id still leads to where its
/// anchor went through [`Resolver::canonical`](crate::Resolver::canonical).
/// An event older than everything a profile has seen renames it, reported
/// as [`Change::Renamed`](crate::Change::Renamed).
///
/// ```
/// use idstitch::ProfileId;
///
/// let id: ProfileId = "p_3f9c0a71d2e45b18".parse().unwrap();
/// assert_eq!(id.to_string(), "p_3f9c0a71d2e45b18");
/// assert!("3f9c0a71d2e45b18".parse::<ProfileId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProfileId(pub(crate) u64);

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p_{:016x}", self.0)
    }
}

impl fmt::Debug for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProfileId({self})")
    }
}

impl FromStr for ProfileId {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("p_")
            .filter(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .map(ProfileId)
            .ok_or_else(|| {
                ErrorKind::InvalidConfig("a profile id is `p_` and 16 hex digits".into()).into()
            })
    }
}

/// One identifier of a profile: its kind, its key, and its normalized value
/// when the resolver keeps values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIdentifier {
    pub(crate) kind: IdentifierKind,
    pub(crate) key: IdentifierKey,
    pub(crate) value: Option<String>,
}

impl ProfileIdentifier {
    /// The identifier's kind.
    pub fn kind(&self) -> &IdentifierKind {
        &self.kind
    }

    /// The identifier's keyed hash.
    pub fn key(&self) -> IdentifierKey {
        self.key
    }

    /// The normalized value, or `None` in hashed mode.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

impl fmt::Display for ProfileIdentifier {
    /// The normalized value when kept, else the key: what a profile shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => f.write_str(value),
            None => write!(f, "{}", self.key),
        }
    }
}

/// A snapshot view of one unified profile.
///
/// Identifiers are ordered by kind (email, phone, loyalty card, cookie, chat
/// session, then custom kinds by name) and then by value (or key in hashed
/// mode); channels by name. The view does not change when the resolver does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub(crate) id: ProfileId,
    pub(crate) identifiers: Vec<ProfileIdentifier>,
    pub(crate) event_count: u64,
    pub(crate) channels: Vec<Channel>,
    pub(crate) first_seen: Option<Timestamp>,
    pub(crate) last_seen: Option<Timestamp>,
}

impl Profile {
    /// The profile's current id.
    pub fn id(&self) -> ProfileId {
        self.id
    }

    /// Every identifier of the profile.
    pub fn identifiers(&self) -> &[ProfileIdentifier] {
        &self.identifiers
    }

    /// The identifiers of one kind.
    pub fn identifiers_of<'a>(
        &'a self,
        kind: &'a IdentifierKind,
    ) -> impl Iterator<Item = &'a ProfileIdentifier> + 'a {
        self.identifiers
            .iter()
            .filter(move |identifier| identifier.kind == *kind)
    }

    /// How many distinct events the profile holds.
    pub fn event_count(&self) -> u64 {
        self.event_count
    }

    /// The channels its events came through.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The earliest event time, if any event had one.
    pub fn first_seen(&self) -> Option<Timestamp> {
        self.first_seen
    }

    /// The latest event time, if any event had one.
    pub fn last_seen(&self) -> Option<Timestamp> {
        self.last_seen
    }
}

/// What a profile knows beyond its members; held once per live profile, at
/// its union-find root. Times are stored as bare milliseconds with a flag
/// byte instead of three `Option<Timestamp>`s: one state per profile, so
/// its size is a cost per profile (88 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ProfileState {
    pub(crate) id: ProfileId,
    pub(crate) event_count: u64,
    /// The time of the anchor's earliest event, when [`ANCHOR_TIMED`].
    anchor_ms: i64,
    /// The first and last event times, when [`SEEN_TIMED`].
    first_ms: i64,
    last_ms: i64,
    pub(crate) channels: ChannelSet,
    /// Distinct identifiers per limited kind, in the order of the
    /// resolver's limits; empty when there are no limits.
    pub(crate) kind_counts: KindCounts,
    /// The node whose key the id is derived from: the identifier of the
    /// earliest event (ties and untimed events: the smallest key). Being a
    /// function of the events, not of their arrival order, it makes ids
    /// order-independent.
    pub(crate) anchor: u32,
    /// [`ANCHOR_TIMED`] and [`SEEN_TIMED`].
    timed: u8,
}

/// The profile's anchor event had a time.
const ANCHOR_TIMED: u8 = 1;
/// Some event of the profile had a time.
const SEEN_TIMED: u8 = 2;

impl ProfileState {
    pub(crate) fn new(id: ProfileId, anchor: u32, anchor_ts: Option<Timestamp>) -> Self {
        let mut state = ProfileState {
            id,
            event_count: 0,
            anchor_ms: 0,
            first_ms: 0,
            last_ms: 0,
            channels: ChannelSet::default(),
            kind_counts: KindCounts::default(),
            anchor,
            timed: 0,
        };
        state.set_anchor(anchor, anchor_ts);
        state
    }

    /// The time of the anchor's earliest event; `None` when no event of the
    /// profile had a time.
    pub(crate) fn anchor_ts(&self) -> Option<Timestamp> {
        (self.timed & ANCHOR_TIMED != 0).then(|| Timestamp::from_unix_millis(self.anchor_ms))
    }

    pub(crate) fn set_anchor(&mut self, anchor: u32, ts: Option<Timestamp>) {
        self.anchor = anchor;
        self.anchor_ms = ts.map_or(0, Timestamp::unix_millis);
        self.timed = (self.timed & !ANCHOR_TIMED) | if ts.is_some() { ANCHOR_TIMED } else { 0 };
    }

    pub(crate) fn first_seen(&self) -> Option<Timestamp> {
        (self.timed & SEEN_TIMED != 0).then(|| Timestamp::from_unix_millis(self.first_ms))
    }

    pub(crate) fn last_seen(&self) -> Option<Timestamp> {
        (self.timed & SEEN_TIMED != 0).then(|| Timestamp::from_unix_millis(self.last_ms))
    }

    /// Widens the first and last times to cover `first..=last` (both or
    /// neither known).
    pub(crate) fn widen_seen(&mut self, first: Option<Timestamp>, last: Option<Timestamp>) {
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        let (first, last) = (first.unix_millis(), last.unix_millis());
        if self.timed & SEEN_TIMED == 0 {
            (self.first_ms, self.last_ms) = (first, last);
            self.timed |= SEEN_TIMED;
        } else {
            self.first_ms = self.first_ms.min(first);
            self.last_ms = self.last_ms.max(last);
        }
    }

    pub(crate) fn absorb(&mut self, other: &ProfileState) {
        self.event_count += other.event_count;
        self.widen_seen(other.first_seen(), other.last_seen());
        self.channels.union_with(&other.channels);
    }

    pub(crate) fn record_event(&mut self, ts: Option<Timestamp>, channel: Option<u16>) {
        self.event_count += 1;
        self.widen_seen(ts, ts);
        if let Some(channel) = channel {
            self.channels.insert(channel);
        }
    }
}

/// Distinct identifiers per limited kind of one profile. Up to
/// [`KindCounts::INLINE`] counts (the default protection limits three
/// kinds) live inside the profile state: linking reads them for every
/// profile an event touches, and a pointer to a heap block would cost a
/// cache miss there, plus a 32-byte allocation per profile. Serialized as a
/// plain sequence, like the boxed slice it replaces.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct KindCounts {
    inline: [u32; KindCounts::INLINE],
    len: u32,
    /// All the counts, when there are more than fit inline.
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps the profile state at 88 bytes"
    )]
    spilled: Option<Box<Vec<u32>>>,
}

impl KindCounts {
    const INLINE: usize = 3;

    pub(crate) fn zeros(len: usize) -> Self {
        match len {
            0..=KindCounts::INLINE => KindCounts {
                len: len as u32,
                ..KindCounts::default()
            },
            _ => KindCounts::from_slice(&vec![0; len]),
        }
    }

    pub(crate) fn from_slice(counts: &[u32]) -> Self {
        let mut this = KindCounts {
            len: counts.len() as u32,
            ..KindCounts::default()
        };
        match this.inline.get_mut(..counts.len()) {
            Some(inline) => inline.copy_from_slice(counts),
            None => this.spilled = Some(Box::new(counts.to_vec())),
        }
        this
    }

    pub(crate) fn as_slice(&self) -> &[u32] {
        match &self.spilled {
            Some(all) => all,
            None => &self.inline[..self.len as usize],
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u32] {
        match &mut self.spilled {
            Some(all) => all,
            None => &mut self.inline[..self.len as usize],
        }
    }
}

impl std::ops::Index<usize> for KindCounts {
    type Output = u32;

    fn index(&self, slot: usize) -> &u32 {
        &self.as_slice()[slot]
    }
}

impl std::fmt::Debug for KindCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Serialize for KindCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.as_slice())
    }
}

impl<'de> Deserialize<'de> for KindCounts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let counts = Vec::<u32>::deserialize(deserializer)?;
        Ok(KindCounts::from_slice(&counts))
    }
}

/// The smaller of two optional values, where `None` means "unknown", not "least".
pub(crate) fn min_some<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A set of interned channel numbers: a bit per channel for the first 64 (the
/// known channels and the common custom ones, no allocation), a sorted list
/// for the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChannelSet {
    bits: u64,
    /// Boxed: rare, and a bare `Vec` would cost every profile 24 bytes.
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer: 8 bytes per profile instead of 16 or 24"
    )]
    more: Option<Box<Vec<u16>>>,
}

impl ChannelSet {
    pub(crate) fn from_bits(bits: u64) -> Self {
        ChannelSet { bits, more: None }
    }

    pub(crate) fn insert(&mut self, channel: u16) {
        if channel < 64 {
            self.bits |= 1 << channel;
        } else {
            let more = self.more.get_or_insert_default();
            if let Err(at) = more.binary_search(&channel) {
                more.insert(at, channel);
            }
        }
    }

    pub(crate) fn union_with(&mut self, other: &ChannelSet) {
        self.bits |= other.bits;
        for &channel in other.more.iter().flat_map(|more| more.iter()) {
            self.insert(channel);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..64)
            .filter(|bit| self.bits & (1 << bit) != 0)
            .chain(self.more.iter().flat_map(|more| more.iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_set_holds_low_and_high_channels() {
        let mut set = ChannelSet::default();
        for channel in [3, 70, 0, 63, 64, 70] {
            set.insert(channel);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, 3, 63, 64, 70]);
    }

    #[test]
    fn a_profile_state_is_88_bytes_with_its_kind_counts_inline() {
        assert_eq!(size_of::<ProfileState>(), 88);
    }

    #[test]
    fn kind_counts_inline_or_spilled_read_and_encode_like_a_slice() {
        for len in [0, 1, 3, 4, 9] {
            let values: Vec<u32> = (0..len).map(|n| n * 7 + 1).collect();
            let mut counts = KindCounts::from_slice(&values);
            assert_eq!(counts.as_slice(), values.as_slice());
            assert_eq!(
                KindCounts::zeros(len as usize).as_slice(),
                vec![0; len as usize]
            );
            if len > 0 {
                counts.as_mut_slice()[len as usize - 1] += 1;
                assert_eq!(counts[len as usize - 1], values[len as usize - 1] + 1);
            }
            // Snapshots written before the counts moved inline stay readable.
            let boxed: Box<[u32]> = counts.as_slice().into();
            let bytes = postcard::to_allocvec(&boxed).unwrap();
            assert_eq!(postcard::to_allocvec(&counts).unwrap(), bytes);
            assert_eq!(postcard::from_bytes::<KindCounts>(&bytes).unwrap(), counts);
        }
    }

    #[test]
    fn absorbing_keeps_known_times_over_unknown() {
        let ts = |ms| Some(Timestamp::from_unix_millis(ms));
        let mut a = ProfileState::new(ProfileId(1), 0, None);
        a.event_count = 1;
        let mut b = a.clone();
        b.record_event(ts(5), Some(2));
        b.record_event(ts(9), None);
        a.absorb(&b);
        assert_eq!(
            (a.event_count, a.first_seen(), a.last_seen()),
            (4, ts(5), ts(9))
        );
        assert_eq!(a.channels.iter().collect::<Vec<_>>(), vec![2]);
    }
}
