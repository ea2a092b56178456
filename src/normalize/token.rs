//! Opaque tokens: cookies, chat sessions and custom kinds.
//!
//! Tokens are compared exactly (case-sensitive): they are only trimmed and
//! checked for emptiness, control characters and length. Cookies and chat
//! sessions are machine-made, so they are also held to a minimum length and
//! may not contain whitespace or `@` (an email address pasted into the wrong
//! field); custom kinds can hold anything.

use crate::error::RejectReason;
use crate::identifier::Channel;

/// Channel name used for a chat session whose channel is not known.
const UNKNOWN_CHANNEL: &str = "unknown";

/// Trims `raw` and checks it as a token of at most `max_len` bytes.
fn checked(raw: &str, max_len: usize) -> Result<&str, RejectReason> {
    let token = super::trimmed(raw, max_len)?;
    if token.chars().any(char::is_control) {
        return Err(RejectReason::ControlCharacter);
    }
    Ok(token)
}

/// Trims `raw` and checks it as a session token (cookie or chat session) of
/// `min_len..=max_len` bytes without whitespace or `@`.
fn checked_session(raw: &str, min_len: usize, max_len: usize) -> Result<&str, RejectReason> {
    let token = super::trimmed(raw, max_len)?;
    let bad = |ch: char| ch == '@' || ch.is_control() || ch.is_whitespace();
    // Tokens are machine-made and almost always ASCII: test bytes, and look
    // at characters only to name what is wrong.
    let clean = if token.is_ascii() {
        !token
            .bytes()
            .any(|b| b == b'@' || b == b' ' || b.is_ascii_control())
    } else {
        !token.chars().any(bad)
    };
    if !clean {
        return match token.chars().find(|&ch| bad(ch)) {
            Some(ch) if ch.is_control() => Err(RejectReason::ControlCharacter),
            Some(ch) if ch.is_whitespace() => Err(RejectReason::Whitespace),
            Some(ch) => Err(RejectReason::InvalidCharacter { ch }),
            None => Ok(token),
        };
    }
    if token.len() < min_len {
        return Err(RejectReason::TooShort {
            len: token.len(),
            min: min_len,
        });
    }
    Ok(token)
}

/// A custom kind's token: anything but control characters.
pub(super) fn normalize(raw: &str, max_len: usize, out: &mut String) -> Result<(), RejectReason> {
    out.push_str(checked(raw, max_len)?);
    Ok(())
}

/// A cookie: a session token of `min_len..=max_len` bytes.
pub(super) fn normalize_cookie(
    raw: &str,
    (min_len, max_len): (usize, usize),
    out: &mut String,
) -> Result<(), RejectReason> {
    out.push_str(checked_session(raw, min_len, max_len)?);
    Ok(())
}

/// A chat session: a session token of `min_len..=max_len` bytes, qualified
/// by its channel.
pub(super) fn normalize_chat_session(
    raw: &str,
    channel: Option<&Channel>,
    (min_len, max_len): (usize, usize),
    out: &mut String,
) -> Result<(), RejectReason> {
    let token = checked_session(raw, min_len, max_len)?;
    let channel = channel.map_or(UNKNOWN_CHANNEL, Channel::as_str);
    out.reserve(channel.len() + 1 + token.len());
    out.push_str(channel);
    out.push(':');
    out.push_str(token);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str, max_len: usize) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize(raw, max_len, &mut out).map(|()| out)
    }

    fn cookie(raw: &str, len: (usize, usize)) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize_cookie(raw, len, &mut out).map(|()| out)
    }

    fn chat(raw: &str, channel: Option<&Channel>) -> Result<String, RejectReason> {
        let mut out = String::new();
        normalize_chat_session(raw, channel, (2, 256), &mut out).map(|()| out)
    }

    #[test]
    fn tokens_are_trimmed_and_kept_exactly() {
        assert_eq!(norm("  ck_AbC123  ", 256).unwrap(), "ck_AbC123");
        assert_eq!(
            norm("GA1.2.1234567890.1700000000", 256).unwrap(),
            "GA1.2.1234567890.1700000000"
        );
        assert_eq!(norm("a b", 256).unwrap(), "a b");
        assert_eq!(norm("x", 256).unwrap(), "x");
        assert_eq!(norm("jan@example.com", 256).unwrap(), "jan@example.com");
        assert_eq!(norm("ünïcödé-🍪", 256).unwrap(), "ünïcödé-🍪");
        assert_ne!(norm("ABC", 256), norm("abc", 256));
    }

    #[test]
    fn token_errors() {
        assert_eq!(norm("", 256), Err(RejectReason::Empty));
        assert_eq!(norm(" \t\n ", 256), Err(RejectReason::Empty));
        assert_eq!(norm("ab\u{0}cd", 256), Err(RejectReason::ControlCharacter));
        assert_eq!(norm("ab\ncd", 256), Err(RejectReason::ControlCharacter));
        assert_eq!(norm("ab\u{7f}", 256), Err(RejectReason::ControlCharacter));
        assert_eq!(norm("ck_12345", 8).unwrap(), "ck_12345");
        assert_eq!(norm(" ck_12345 ", 8).unwrap(), "ck_12345");
        assert_eq!(
            norm("ck_123456", 8),
            Err(RejectReason::TooLong { len: 9, max: 8 })
        );
        assert_eq!(norm("éé", 3), Err(RejectReason::TooLong { len: 4, max: 3 }));
        let huge = "x".repeat(10_000);
        assert_eq!(
            norm(&huge, 256),
            Err(RejectReason::TooLong {
                len: 10_000,
                max: 256
            })
        );
    }

    #[test]
    fn cookies_are_session_tokens() {
        let len = (3, 256);
        for real in [
            "ck_9f2a",
            "ck_1",
            "GA1.2.1234567890.1700000000",
            "s%3Aabc.def",
            "ünïcödé-🍪",
        ] {
            assert_eq!(cookie(&format!(" {real} "), len).unwrap(), real);
        }
        assert_eq!(
            cookie("ck", len),
            Err(RejectReason::TooShort { len: 2, min: 3 })
        );
        assert_eq!(cookie("ck", (2, 256)).unwrap(), "ck");
        assert_eq!(cookie("ck 1", len), Err(RejectReason::Whitespace));
        assert_eq!(cookie("ck\u{a0}1", len), Err(RejectReason::Whitespace));
        assert_eq!(
            cookie("jan@example.com", len),
            Err(RejectReason::InvalidCharacter { ch: '@' })
        );
        assert_eq!(cookie("ck\t1", len), Err(RejectReason::ControlCharacter));
        assert_eq!(cookie("  ", len), Err(RejectReason::Empty));
        assert_eq!(
            cookie("ck_123456", (3, 8)),
            Err(RejectReason::TooLong { len: 9, max: 8 })
        );
    }

    #[test]
    fn chat_sessions_are_qualified_by_channel() {
        assert_eq!(
            chat(" wa-81723 ", Some(&Channel::WhatsApp)).unwrap(),
            "whatsapp:wa-81723"
        );
        assert_eq!(
            chat("wa-81723", Some(&Channel::Chat)).unwrap(),
            "chat:wa-81723"
        );
        assert_eq!(chat("wa-81723", None).unwrap(), "unknown:wa-81723");
        let kiosk: Channel = "kiosk".parse().unwrap();
        assert_eq!(chat("s1", Some(&kiosk)).unwrap(), "kiosk:s1");
        assert_eq!(chat("  ", Some(&Channel::Chat)), Err(RejectReason::Empty));
        assert_eq!(chat("a\u{1b}", None), Err(RejectReason::ControlCharacter));
        assert_eq!(
            chat("s", None),
            Err(RejectReason::TooShort { len: 1, min: 2 })
        );
        assert_eq!(chat("wa 1", None), Err(RejectReason::Whitespace));
        assert_eq!(
            chat("a@b.nl", None),
            Err(RejectReason::InvalidCharacter { ch: '@' })
        );
        let mut out = String::new();
        assert_eq!(
            normalize_chat_session("123456789", Some(&Channel::Web), (2, 8), &mut out),
            Err(RejectReason::TooLong { len: 9, max: 8 })
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_strings(raw in any::<String>(), max_len in 1usize..64) {
                if let Ok(out) = norm(&raw, max_len) {
                    prop_assert_eq!(out.as_str(), raw.trim());
                    prop_assert!(out.len() <= max_len);
                    prop_assert_eq!(norm(&out, max_len), Ok(out.clone()));
                }
                if let Ok(out) = cookie(&raw, (3, max_len.max(3))) {
                    prop_assert_eq!(out.as_str(), raw.trim());
                    prop_assert!(out.len() >= 3);
                    prop_assert!(!out.contains(|c: char| c == '@' || c.is_whitespace()));
                    prop_assert_eq!(cookie(&out, (3, max_len.max(3))), Ok(out.clone()));
                }
                if let Ok(out) = chat(&raw, Some(&Channel::WhatsApp)) {
                    prop_assert_eq!(out, format!("whatsapp:{}", raw.trim()));
                }
            }
        }
    }
}
