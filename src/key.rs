//! Keyed blake3 hashing: identifiers, event ids and profile ids become
//! fixed-size keys that reveal nothing without the secret.

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The secret that keys every hash. Keep it out of source control; the same
/// secret must be given to restore a snapshot.
///
/// `Debug` never shows it.
///
/// ```
/// use idstitch::SecretKey;
///
/// let from_config = SecretKey::from_hex(&"ab".repeat(32)).unwrap();
/// let from_passphrase = SecretKey::derive("correct horse battery staple");
/// assert_ne!(from_config, from_passphrase);
/// assert_eq!(format!("{from_config:?}"), "SecretKey(..)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A secret from 32 random bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// A secret derived from a passphrase with blake3's key derivation.
    pub fn derive(passphrase: &str) -> Self {
        SecretKey(blake3::derive_key(
            "idstitch 2026-11 identifier hashing secret",
            passphrase.as_bytes(),
        ))
    }

    /// A secret from 64 hex digits.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when `hex` is not 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Self, Error> {
        decode_hex(hex.trim())
            .map(SecretKey)
            .ok_or_else(|| ErrorKind::InvalidConfig("a secret key is 64 hex digits".into()).into())
    }

    /// A short public fingerprint of the secret, stored in snapshots so that a
    /// restore with the wrong secret is caught instead of silently missing
    /// every lookup.
    pub(crate) fn fingerprint(&self) -> [u8; 16] {
        truncate(blake3::keyed_hash(&self.0, b"idstitch fingerprint"))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// The fixed-size key of one normalized identifier: 128 bits of a keyed
/// blake3 hash of its kind and value.
///
/// 128 bits keep the chance of any collision among 10^9 identifiers below
/// 10^-20 while halving the memory of a full 256-bit hash.
/// Shown as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdentifierKey([u8; 16]);

impl IdentifierKey {
    /// The key's bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        IdentifierKey(bytes)
    }

    /// 64 bits of the key for hash tables: the key is already uniformly
    /// random to anyone without the secret, so hashing it again adds nothing.
    /// What a forgotten identifier's node holds instead of its key.
    pub(crate) const ERASED: IdentifierKey = IdentifierKey([0; 16]);

    pub(crate) fn hash64(self) -> u64 {
        let mut low = [0; 8];
        low.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(low)
    }
}

impl Hash for IdentifierKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash64());
    }
}

impl fmt::Display for IdentifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for IdentifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentifierKey({self})")
    }
}

impl FromStr for IdentifierKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        decode_hex(text).map(IdentifierKey).ok_or_else(|| {
            ErrorKind::InvalidConfig("an identifier key is 32 hex digits".into()).into()
        })
    }
}

/// Exactly `2 * N` hex digits to `N` bytes.
fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    // `from_str_radix` alone would accept a `+` sign.
    if text.len() != 2 * N || !text.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut bytes = [0; N];
    for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

fn truncate(hash: blake3::Hash) -> [u8; 16] {
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    bytes
}

/// Domain-separation tags, so that an event id can never hash to the same key
/// as an identifier with equal text.
const TAG_IDENTIFIER: u8 = 1;
const TAG_EVENT: u8 = 2;
const TAG_PROFILE: u8 = 3;

/// Computes every keyed hash the resolver needs from one secret.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    secret: SecretKey,
}

impl KeyHasher {
    pub(crate) fn new(secret: SecretKey) -> Self {
        KeyHasher { secret }
    }

    pub(crate) fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// Key of (kind, normalized value). The kind name is length-prefixed so
    /// that no (kind, value) pair can be re-split into another.
    pub(crate) fn identifier(&self, kind: &str, value: &str) -> IdentifierKey {
        let mut hasher = blake3::Hasher::new_keyed(&self.secret.0);
        hasher.update(&[TAG_IDENTIFIER, kind.len() as u8]);
        hasher.update(kind.as_bytes());
        hasher.update(value.as_bytes());
        IdentifierKey(truncate(hasher.finalize()))
    }

    /// Key of an event id, for replay detection without storing the ids.
    pub(crate) fn event(&self, id: &str) -> IdentifierKey {
        let mut hasher = blake3::Hasher::new_keyed(&self.secret.0);
        hasher.update(&[TAG_EVENT]);
        hasher.update(id.as_bytes());
        IdentifierKey(truncate(hasher.finalize()))
    }

    /// A profile id candidate for a profile founded by `founder`; `attempt`
    /// moves on to the next candidate in the (rare) case of a collision.
    pub(crate) fn profile(&self, founder: IdentifierKey, attempt: u32) -> u64 {
        let mut hasher = blake3::Hasher::new_keyed(&self.secret.0);
        hasher.update(&[TAG_PROFILE]);
        hasher.update(&founder.0);
        hasher.update(&attempt.to_le_bytes());
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&hasher.finalize().as_bytes()[..8]);
        u64::from_le_bytes(bytes)
    }
}

/// A `BuildHasher` for tables keyed by values that are already uniformly
/// random (keys) or small dense integers (node indices): one multiply instead
/// of SipHash. Only for keys an outsider cannot choose.
#[derive(Clone, Copy, Default)]
pub(crate) struct PrehashedState;

pub(crate) struct PrehashedHasher(u64);

impl BuildHasher for PrehashedState {
    type Hasher = PrehashedHasher;

    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by our key types; a correct fallback all the same.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }

    fn write_u32(&mut self, value: u32) {
        // Spread dense integers over all 64 bits: hashbrown reads the top bits.
        self.0 ^= u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> KeyHasher {
        KeyHasher::new(SecretKey::derive("test"))
    }

    #[test]
    fn keys_depend_on_secret_kind_and_value() {
        let a = hasher().identifier("email", "a@b.co");
        assert_eq!(a, hasher().identifier("email", "a@b.co"));
        assert_ne!(a, hasher().identifier("cookie", "a@b.co"));
        assert_ne!(a, hasher().identifier("email", "a@b.cp"));
        let other = KeyHasher::new(SecretKey::derive("other"));
        assert_ne!(a, other.identifier("email", "a@b.co"));
    }

    #[test]
    fn kind_and_value_cannot_be_resplit() {
        assert_ne!(
            hasher().identifier("ab", "c"),
            hasher().identifier("a", "bc")
        );
    }

    #[test]
    fn events_and_identifiers_live_in_separate_domains() {
        assert_ne!(
            hasher().event("x").to_bytes(),
            hasher().identifier("", "x").to_bytes()
        );
    }

    #[test]
    fn key_text_round_trips() {
        let key = hasher().identifier("phone", "+31612345678");
        assert_eq!(key.to_string().parse::<IdentifierKey>().unwrap(), key);
        assert!("zz".parse::<IdentifierKey>().is_err());
        assert!("é".repeat(16).parse::<IdentifierKey>().is_err());
    }

    #[test]
    fn secret_hex_is_checked() {
        assert!(SecretKey::from_hex("00").is_err());
        assert!(SecretKey::from_hex(&"g".repeat(64)).is_err());
        assert!(SecretKey::from_hex(&"é".repeat(32)).is_err());
        assert!(SecretKey::from_hex(&"+f".repeat(32)).is_err());
        assert!("+f".repeat(16).parse::<IdentifierKey>().is_err());
        assert_eq!(
            SecretKey::from_hex(&"01".repeat(32)).unwrap(),
            SecretKey::from_bytes([1; 32])
        );
    }
}
