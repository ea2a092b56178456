//! Any bytes → one identifier → normalize. Accepted output must be
//! non-empty, free of control characters, and a fixed point: normalizing it
//! again (same kind, same settings) gives it back.
#![no_main]

use std::sync::OnceLock;

use idstitch::{Channel, CheckDigit, Identifier, IdentifierKind, Normalizer, Region};
use libfuzzer_sys::fuzz_target;

/// Built once: the default blocklist takes longer to build than a run.
static DEFAULT: OnceLock<Normalizer> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let [kind, settings, rest @ ..] = data else {
        return;
    };
    let raw = String::from_utf8_lossy(rest);
    let make = |value: &str| match kind % 9 {
        0 => Identifier::email(value),
        1 => Identifier::phone(value),
        2 => Identifier::loyalty_card(value),
        3 => Identifier::cookie(value),
        4 => Identifier::new(IdentifierKind::ChatSession, value),
        5 => Identifier::chat_session(Channel::WhatsApp, value),
        6 => Identifier::chat_session(Channel::Chat, value),
        7 => Identifier::new("device_id".parse().unwrap(), value),
        _ => Identifier::new("customer_id".parse().unwrap(), value),
    };
    let mut normalizer = DEFAULT.get_or_init(Normalizer::default).clone();
    match settings & 3 {
        0 => {}
        1 => drop(normalizer.default_region(Region::NL)),
        2 => drop(normalizer.default_region(Region::DE)),
        _ => drop(normalizer.default_region(Region::FI)),
    }
    normalizer.card_check_digit(match (settings >> 2) & 3 {
        0 => CheckDigit::None,
        1 => CheckDigit::Luhn,
        _ => CheckDigit::Ean13,
    });
    if settings & 0x10 != 0 {
        normalizer.max_token_len(usize::from(settings >> 5) * 8 + 1);
    }

    let Ok(out) = normalizer.normalize(&make(&raw)) else {
        return;
    };
    assert!(!out.is_empty(), "accepted {raw:?} as empty");
    assert!(
        !out.chars().any(char::is_control),
        "{out:?} from {raw:?} has a control character"
    );
    // A chat session's output is qualified by its channel, which is a
    // different input from the bare token; the rest must be fixed points.
    if !matches!(kind % 9, 4..=6) {
        let again = normalizer.normalize(&make(&out));
        assert_eq!(
            again.as_deref(),
            Ok(out.as_str()),
            "not idempotent for {raw:?}"
        );
    }
});
