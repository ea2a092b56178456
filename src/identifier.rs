//! Raw identifiers as they arrive in events, their kinds, channels and regions.
//!
//! Nothing here normalizes or hashes; these are the plain values a caller builds
//! an [`Event`](crate::Event) from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RejectReason;

/// Longest name accepted for a custom identifier kind or a custom channel.
pub(crate) const MAX_NAME_LEN: usize = 32;

/// What an identifier is: one of the built-in kinds or a custom kind by name.
///
/// Custom kinds (`customer_id`, `device_id`, …) are lowercase words of ASCII
/// letters, digits and `_`, at most 32 bytes, starting with a letter.
///
/// ```
/// use idstitch::IdentifierKind;
///
/// assert_eq!("email".parse::<IdentifierKind>().unwrap(), IdentifierKind::Email);
/// assert_eq!("Loyalty_Card".parse::<IdentifierKind>().unwrap(), IdentifierKind::LoyaltyCard);
/// let custom: IdentifierKind = "customer_id".parse().unwrap();
/// assert_eq!(custom.as_str(), "customer_id");
/// assert!("not a kind!".parse::<IdentifierKind>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum IdentifierKind {
    /// An email address.
    Email,
    /// A phone number, normalized to E.164.
    Phone,
    /// A loyalty or membership card number.
    LoyaltyCard,
    /// A web or app cookie / device token.
    Cookie,
    /// A chat session token, qualified by the channel it came from.
    ChatSession,
    /// Any other kind, by its lowercase name.
    Custom(CustomKind),
}

/// The validated name of a custom identifier kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomKind(Box<str>);

impl CustomKind {
    /// The kind's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl IdentifierKind {
    /// The built-in kinds, in the order profiles list them.
    pub const BUILT_IN: [IdentifierKind; 5] = [
        IdentifierKind::Email,
        IdentifierKind::Phone,
        IdentifierKind::LoyaltyCard,
        IdentifierKind::Cookie,
        IdentifierKind::ChatSession,
    ];

    /// The kind's name as written in the JSON Lines format.
    pub fn as_str(&self) -> &str {
        match self {
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
            IdentifierKind::LoyaltyCard => "loyalty_card",
            IdentifierKind::Cookie => "cookie",
            IdentifierKind::ChatSession => "chat_session",
            IdentifierKind::Custom(name) => name.as_str(),
        }
    }
}

/// Lowercases an ASCII word and checks it: starts with a letter, then letters,
/// digits or `_`, at most [`MAX_NAME_LEN`] bytes.
fn parse_word(text: &str) -> Option<String> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text.len() <= MAX_NAME_LEN
        && text.as_bytes()[0].is_ascii_alphabetic()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then(|| text.to_ascii_lowercase())
}

impl FromStr for IdentifierKind {
    type Err = RejectReason;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = parse_word(text).ok_or(RejectReason::InvalidKind)?;
        Ok(match word.as_str() {
            "email" => IdentifierKind::Email,
            "phone" => IdentifierKind::Phone,
            "loyalty_card" => IdentifierKind::LoyaltyCard,
            "cookie" => IdentifierKind::Cookie,
            "chat_session" => IdentifierKind::ChatSession,
            _ => IdentifierKind::Custom(CustomKind(word.into())),
        })
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<IdentifierKind> for String {
    fn from(kind: IdentifierKind) -> String {
        kind.as_str().to_owned()
    }
}

impl TryFrom<String> for IdentifierKind {
    type Error = RejectReason;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// Where a touchpoint happened.
///
/// Known channels have variants; any other lowercase word is kept as a custom
/// channel.
///
/// ```
/// use idstitch::Channel;
///
/// assert_eq!("WhatsApp".parse::<Channel>().unwrap(), Channel::WhatsApp);
/// assert_eq!("kiosk".parse::<Channel>().unwrap().as_str(), "kiosk");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Channel {
    /// The web shop.
    Web,
    /// A mobile app.
    App,
    /// A physical store or till.
    Store,
    /// Live chat on the web site.
    Chat,
    /// WhatsApp.
    WhatsApp,
    /// Facebook Messenger.
    Messenger,
    /// Email conversations and campaigns.
    Email,
    /// The call centre / service desk.
    CallCenter,
    /// A CRM system.
    Crm,
    /// Any other channel, by its lowercase name.
    Custom(CustomChannel),
}

/// The validated name of a custom channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomChannel(Box<str>);

impl Channel {
    /// The channel's name as written in the JSON Lines format.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Web => "web",
            Channel::App => "app",
            Channel::Store => "store",
            Channel::Chat => "chat",
            Channel::WhatsApp => "whatsapp",
            Channel::Messenger => "messenger",
            Channel::Email => "email",
            Channel::CallCenter => "call_center",
            Channel::Crm => "crm",
            Channel::Custom(name) => &name.0,
        }
    }

    /// Whether this is an online channel (web, app), as opposed to a store,
    /// a call centre or a conversation.
    pub fn is_online(&self) -> bool {
        matches!(self, Channel::Web | Channel::App)
    }
}

impl FromStr for Channel {
    type Err = RejectReason;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = parse_word(text).ok_or(RejectReason::InvalidChannel)?;
        Ok(match word.as_str() {
            "web" => Channel::Web,
            "app" => Channel::App,
            "store" => Channel::Store,
            "chat" => Channel::Chat,
            "whatsapp" => Channel::WhatsApp,
            "messenger" => Channel::Messenger,
            "email" => Channel::Email,
            "call_center" => Channel::CallCenter,
            "crm" => Channel::Crm,
            _ => Channel::Custom(CustomChannel(word.into())),
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Channel> for String {
    fn from(channel: Channel) -> String {
        channel.as_str().to_owned()
    }
}

impl TryFrom<String> for Channel {
    type Error = RejectReason;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// One identifier as it was seen: a kind and the raw value, not yet normalized.
///
/// A chat session token is only meaningful together with its channel (a WhatsApp
/// session and a live-chat session may carry equal text). Inside an event the
/// event's channel qualifies it; for a lookup, give it with
/// [`Identifier::chat_session`].
///
/// `Debug` shows the kind and the value's length, never the value itself.
///
/// ```
/// use idstitch::{Channel, Identifier, IdentifierKind};
///
/// let email = Identifier::new(IdentifierKind::Email, " Jan@Example.com ");
/// assert_eq!(email.value(), " Jan@Example.com ");
/// let chat = Identifier::chat_session(Channel::WhatsApp, "wa-81723");
/// assert_eq!(chat.channel(), Some(&Channel::WhatsApp));
/// assert!(!format!("{email:?}").contains("Jan"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    kind: IdentifierKind,
    value: String,
    channel: Option<Channel>,
}

impl Identifier {
    /// An identifier of `kind` with its raw `value`.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
            channel: None,
        }
    }

    /// An email address.
    pub fn email(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::Email, value)
    }

    /// A phone number in any common format.
    pub fn phone(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::Phone, value)
    }

    /// A loyalty card number.
    pub fn loyalty_card(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::LoyaltyCard, value)
    }

    /// A cookie or device token.
    pub fn cookie(value: impl Into<String>) -> Self {
        Identifier::new(IdentifierKind::Cookie, value)
    }

    /// A chat session token on `channel`.
    pub fn chat_session(channel: Channel, value: impl Into<String>) -> Self {
        Identifier {
            kind: IdentifierKind::ChatSession,
            value: value.into(),
            channel: Some(channel),
        }
    }

    /// Sets the channel that qualifies a chat session token, overriding the
    /// event's channel.
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// The identifier's kind.
    pub fn kind(&self) -> &IdentifierKind {
        &self.kind
    }

    /// The raw value as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The channel given with the identifier itself, if any.
    pub fn channel(&self) -> Option<&Channel> {
        self.channel.as_ref()
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Raw values are personal data: never print them.
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .field("value_len", &self.value.len())
            .field("channel", &self.channel)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in IdentifierKind::BUILT_IN {
            assert_eq!(kind.as_str().parse::<IdentifierKind>().unwrap(), kind);
        }
        let custom: IdentifierKind = "device_id".parse().unwrap();
        assert_eq!(
            custom.to_string().parse::<IdentifierKind>().unwrap(),
            custom
        );
    }

    #[test]
    fn bad_kind_names_are_rejected() {
        for bad in ["", " ", "9lives", "e-mail", "a b", "ü", &"x".repeat(33)] {
            assert_eq!(
                bad.parse::<IdentifierKind>(),
                Err(RejectReason::InvalidKind),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn built_in_names_never_become_custom_kinds() {
        assert_eq!(
            "EMAIL".parse::<IdentifierKind>().unwrap(),
            IdentifierKind::Email
        );
        assert_eq!(
            " phone ".parse::<IdentifierKind>().unwrap(),
            IdentifierKind::Phone
        );
    }

    #[test]
    fn channels_parse_lowercase_and_custom() {
        assert_eq!(
            "Call_Center".parse::<Channel>().unwrap(),
            Channel::CallCenter
        );
        assert_eq!("kiosk".parse::<Channel>().unwrap().to_string(), "kiosk");
        assert_eq!(
            "two words".parse::<Channel>(),
            Err(RejectReason::InvalidChannel)
        );
    }
}
