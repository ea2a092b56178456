//! The customer key of the unresolved baseline.

use std::fmt;

use crate::event::Event;
use crate::identifier::{Channel, IdentifierKind};

/// The customer of an event when identities are *not* resolved: its first
/// identifier, raw, or the event itself when it has none.
///
/// The baseline stands for separate systems that each know a customer by
/// their own identifier (the web shop by cookie, the till by loyalty card, the
/// chat tool by session), so the key is the event's **first** identifier
/// whose value is not blank, by its kind and its value exactly as given: not
/// normalized, not validated. A chat session is also keyed by its channel
/// (the identifier's own, else the event's), as the resolver keys it. An
/// event without such an identifier is a customer of its own, keyed by event
/// id. Picking one identifier per event, rather than joining an event's
/// identifiers, is what makes it a baseline *without* resolution.
///
/// `Debug` shows the kind and the value's length, never the value.
///
/// ```
/// use idstitch::journey::UnresolvedKey;
/// use idstitch::{Event, Identifier};
///
/// let web = Event::new("e1")
///     .with_identifier(Identifier::cookie("ck_1"))
///     .with_identifier(Identifier::email("jan@example.com"));
/// let shop = Event::new("e2").with_identifier(Identifier::cookie("ck_1"));
/// let mail = Event::new("e3").with_identifier(Identifier::email("jan@example.com"));
/// assert_eq!(UnresolvedKey::of(&web), UnresolvedKey::of(&shop));
/// assert_ne!(UnresolvedKey::of(&web), UnresolvedKey::of(&mail));
/// // Raw values: a different spelling is a different customer.
/// let loud = Event::new("e4").with_identifier(Identifier::email("JAN@example.com"));
/// assert_ne!(UnresolvedKey::of(&mail), UnresolvedKey::of(&loud));
/// // No identifiers: the event alone.
/// assert_eq!(UnresolvedKey::of(&Event::new("e5")).event_id(), Some("e5"));
/// assert!(!format!("{:?}", UnresolvedKey::of(&mail)).contains("jan"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnresolvedKey(Repr);

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Identifier {
        kind: IdentifierKind,
        /// Only for chat sessions, whose tokens are per channel.
        channel: Option<Channel>,
        value: Box<str>,
    },
    Event(Box<str>),
}

impl UnresolvedKey {
    /// The baseline customer of `event`.
    pub fn of(event: &Event) -> Self {
        let first = event
            .identifiers()
            .iter()
            .find(|identifier| !identifier.value().trim().is_empty());
        UnresolvedKey(match first {
            Some(identifier) => {
                let channel = match identifier.kind() {
                    IdentifierKind::ChatSession => {
                        identifier.channel().or(event.channel()).cloned()
                    }
                    _ => None,
                };
                Repr::Identifier {
                    kind: identifier.kind().clone(),
                    channel,
                    value: identifier.value().into(),
                }
            }
            None => Repr::Event(event.id().into()),
        })
    }

    /// The identifier kind this key stands for; `None` for an event keyed by
    /// its id.
    pub fn kind(&self) -> Option<&IdentifierKind> {
        match &self.0 {
            Repr::Identifier { kind, .. } => Some(kind),
            Repr::Event(_) => None,
        }
    }

    /// The event id, for an event without identifiers.
    pub fn event_id(&self) -> Option<&str> {
        match &self.0 {
            Repr::Identifier { .. } => None,
            Repr::Event(id) => Some(id),
        }
    }
}

impl fmt::Debug for UnresolvedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Raw identifier values are personal data: never print them.
        match &self.0 {
            Repr::Identifier {
                kind,
                channel,
                value,
            } => f
                .debug_struct("UnresolvedKey")
                .field("kind", kind)
                .field("channel", channel)
                .field("value_len", &value.len())
                .finish(),
            Repr::Event(id) => f.debug_tuple("UnresolvedKey::Event").field(id).finish(),
        }
    }
}
