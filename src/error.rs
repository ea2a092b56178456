//! Typed errors: why an identifier was rejected, and why a resolver call failed.
//!
//! No message here ever contains a raw identifier value: errors travel into
//! logs, and logs must not hold personal data.

use std::fmt;
use std::io;

use crate::normalize::CheckDigit;

/// Why a raw identifier was not accepted. Every rejected identifier carries
/// one; the rest of its event is kept.
///
/// Messages name what was wrong and never repeat the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RejectReason {
    /// Nothing but whitespace.
    #[error("the value is empty")]
    Empty,
    /// Longer than the configured limit for its kind.
    #[error("the value is {len} bytes long; the limit for this kind is {max}")]
    TooLong {
        /// Length of the value in bytes (after trimming).
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// Shorter than the minimum for its kind.
    #[error("the value is {len} bytes long; this kind needs at least {min}")]
    TooShort {
        /// Length of the value in bytes (after trimming and, for loyalty
        /// cards, after removing spaces and dashes).
        len: usize,
        /// The configured minimum.
        min: usize,
    },
    /// Contains a control character (NUL, escape, newline inside the value, …).
    #[error("the value contains a control character")]
    ControlCharacter,
    /// Contains whitespace where none is allowed.
    #[error("the value contains whitespace")]
    Whitespace,
    /// Contains a character this kind does not allow.
    #[error("the character {ch:?} is not allowed here")]
    InvalidCharacter {
        /// The offending character.
        ch: char,
    },
    /// An email address without `@`.
    #[error("an email address needs an `@`")]
    MissingAt,
    /// An email address with more than one `@`.
    #[error("an email address has exactly one `@`; this one has more")]
    MultipleAt,
    /// Nothing before the `@`.
    #[error("the part before the `@` is empty")]
    EmptyLocalPart,
    /// The part after the `@` is not a dotted domain name.
    #[error("the email domain is not valid: {why}")]
    InvalidDomain {
        /// What is wrong with it.
        why: &'static str,
    },
    /// A phone number without any digit.
    #[error("a phone number needs digits")]
    NoDigits,
    /// Too few digits for the phone number's country.
    #[error("the phone number has {digits} digits; at least {min} are needed")]
    TooFewDigits {
        /// Digits found (national significant number).
        digits: usize,
        /// The fewest the country allows.
        min: usize,
    },
    /// Too many digits for the phone number's country (or for E.164).
    #[error("the phone number has {digits} digits; at most {max} are allowed")]
    TooManyDigits {
        /// Digits found (national significant number).
        digits: usize,
        /// The most the country allows.
        max: usize,
    },
    /// The number starts with a country code that does not exist.
    #[error("the phone number's country code is not assigned")]
    UnknownCountryCode,
    /// A national-format phone number, but no region is configured or hinted.
    #[error(
        "a national phone number needs a region: set a default region or send a `country` attribute"
    )]
    NoRegion,
    /// A loyalty card number whose check digit is wrong.
    #[error("the {scheme} check digit does not match")]
    InvalidCheckDigit {
        /// The check-digit scheme that failed.
        scheme: CheckDigit,
    },
    /// A placeholder such as `unknown`, `n/a` or `test@test.com`, or another
    /// exact value on the [`Blocklist`](crate::Blocklist).
    #[error(
        "the value is a placeholder (such as `unknown` or `n/a`) or an exact value on the \
         blocklist, not a real identifier"
    )]
    Placeholder,
    /// Matches a [`Pattern`](crate::Pattern) on the [`Blocklist`](crate::Blocklist)
    /// (a no-reply address, a test domain, a phone number of one repeated
    /// digit, …).
    #[error(
        "the value matches a blocklist pattern ({pattern}), so it is junk, not a real \
         identifier; change the blocklist if such values are real"
    )]
    Blocklisted {
        /// What the pattern looks for, such as "a blocked email domain". Never
        /// the value itself.
        pattern: &'static str,
    },
    /// The identifier type is not a lowercase word.
    #[error(
        "the identifier type must be a lowercase word of letters, digits and `_` (at most 32 bytes)"
    )]
    InvalidKind,
    /// The channel is not a lowercase word.
    #[error("the channel must be a lowercase word of letters, digits and `_` (at most 32 bytes)")]
    InvalidChannel,
    /// The identifier was forgotten ([`Resolver::forget`](crate::Resolver::forget)):
    /// its tombstone keeps it from linking again.
    #[error("the identifier was forgotten and is not linked again")]
    Forgotten,
    /// The event carries more identifiers than the resolver links per event.
    #[error("the event has more than {max} identifiers; the rest are not linked")]
    TooManyIdentifiers {
        /// The configured limit.
        max: usize,
    },
}

/// An error from a resolver call. [`Error::kind`] says what went wrong.
///
/// Boxed so that `Result<_, Error>` stays one pointer wide on hot paths.
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What went wrong, to branch on.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Unwraps the kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl<E: Into<ErrorKind>> From<E> for Error {
    fn from(kind: E) -> Self {
        Error(Box::new(kind.into()))
    }
}

/// The kinds of [`Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The event's id is empty, too long, or contains control characters; the
    /// event was not applied.
    #[error("invalid event id: {why}")]
    InvalidEventId {
        /// What is wrong with it.
        why: &'static str,
    },
    /// An identifier given to a lookup could not be normalized.
    #[error("invalid identifier")]
    InvalidIdentifier(#[from] RejectReason),
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The resolver holds as many identifiers as its compact indices allow.
    #[error("capacity exceeded: the resolver holds {limit} {what}, the most it can")]
    CapacityExceeded {
        /// What ran out (identifiers, profiles).
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The resolver was built without evidence, so it cannot explain links.
    #[error("this resolver keeps no evidence: build it with keep_evidence(true) to explain links")]
    EvidenceNotKept,
    /// The event was seen before, and every identifier it was linked
    /// through has since been forgotten: it belongs to no profile.
    #[error("the event's identifiers were forgotten")]
    Forgotten,
    /// A snapshot could not be written or read back.
    #[error("snapshot failed")]
    Snapshot(#[from] SnapshotError),
}

/// Why a snapshot could not be saved or restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Reading or writing failed.
    #[error("I/O error")]
    Io(#[from] io::Error),
    /// The data does not start with the snapshot magic bytes.
    #[error("not an idstitch snapshot")]
    NotASnapshot,
    /// Written by a format version this build cannot read.
    #[error(
        "snapshot format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version in the snapshot.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// The data ends before the length its header promises.
    #[error("snapshot is truncated: expected {expected} bytes of payload, found {found}")]
    Truncated {
        /// Payload length from the header.
        expected: u64,
        /// Payload bytes present.
        found: u64,
    },
    /// The payload's blake3 checksum does not match the header.
    #[error("snapshot checksum does not match: the data is corrupted")]
    ChecksumMismatch,
    /// The payload could not be decoded.
    #[error("snapshot payload could not be decoded: {0}")]
    Decode(String),
    /// The payload decoded but its parts contradict each other.
    #[error("snapshot is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// The snapshot was written with a different hashing secret.
    #[error("snapshot was written with a different secret key")]
    KeyMismatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(size_of::<Error>(), size_of::<usize>());
    }

    #[test]
    fn source_chains_to_the_cause() {
        use std::error::Error as _;
        let error = Error::from(RejectReason::MissingAt);
        assert_eq!(error.to_string(), "invalid identifier");
        assert_eq!(
            error.source().unwrap().to_string(),
            "an email address needs an `@`"
        );
        assert!(matches!(
            error.kind(),
            ErrorKind::InvalidIdentifier(RejectReason::MissingAt)
        ));
    }
}
