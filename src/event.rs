//! One touchpoint: the identifiers seen together, where and when.

use std::collections::BTreeMap;
use std::fmt;

use crate::identifier::{Channel, Identifier};
use crate::time::Timestamp;

/// A touchpoint: identifiers seen together in one event, with when, where and
/// what happened. Two identifiers in one event are evidence that they belong
/// to the same person.
///
/// `Debug` shows attribute names but not their values, and no identifier
/// values: attributes such as `name` are personal data.
///
/// ```
/// use idstitch::{Channel, Event, Identifier};
///
/// let event = Event::new("e42")
///     .with_ts("2026-03-01T10:00:00Z".parse().unwrap())
///     .with_channel(Channel::Web)
///     .with_kind("login")
///     .with_identifier(Identifier::cookie("ck_9f2a"))
///     .with_identifier(Identifier::email("jan@example.com"))
///     .with_attr("name", "Jan de Vries");
/// assert_eq!(event.id(), "e42");
/// assert_eq!(event.identifiers().len(), 2);
/// assert_eq!(event.attrs().get("name").map(String::as_str), Some("Jan de Vries"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    id: String,
    ts: Option<Timestamp>,
    channel: Option<Channel>,
    kind: Option<String>,
    identifiers: Vec<Identifier>,
    attrs: BTreeMap<String, String>,
}

impl Event {
    /// An event with its id (unique within a source) and nothing else yet.
    pub fn new(id: impl Into<String>) -> Self {
        Event {
            id: id.into(),
            ts: None,
            channel: None,
            kind: None,
            identifiers: Vec::new(),
            attrs: BTreeMap::new(),
        }
    }

    /// An event of all its parts at once: for readers that have them all,
    /// without a builder step (and a move of the event) per part.
    pub(crate) fn from_parts(
        id: String,
        ts: Option<Timestamp>,
        channel: Option<Channel>,
        kind: Option<String>,
        identifiers: Vec<Identifier>,
        attrs: BTreeMap<String, String>,
    ) -> Self {
        Event {
            id,
            ts,
            channel,
            kind,
            identifiers,
            attrs,
        }
    }

    /// Sets when the touchpoint happened.
    pub fn with_ts(mut self, ts: Timestamp) -> Self {
        self.ts = Some(ts);
        self
    }

    /// Sets where it happened.
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Sets what happened (`page_view`, `purchase`, …).
    pub fn with_kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Adds an identifier seen in this event.
    pub fn with_identifier(mut self, identifier: Identifier) -> Self {
        self.identifiers.push(identifier);
        self
    }

    /// Adds several identifiers.
    pub fn with_identifiers(mut self, identifiers: impl IntoIterator<Item = Identifier>) -> Self {
        self.identifiers.extend(identifiers);
        self
    }

    /// Sets an attribute (`name`, `city`, `country`, `store_id`, `order_value`, …).
    /// Attributes never cause a merge; `country` (ISO 3166 alpha-2) and
    /// `store_id` serve as the region hint for phone numbers.
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.insert(name.into(), value.into());
        self
    }

    /// The event's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When it happened, if known.
    pub fn ts(&self) -> Option<Timestamp> {
        self.ts
    }

    /// Where it happened, if known.
    pub fn channel(&self) -> Option<&Channel> {
        self.channel.as_ref()
    }

    /// What happened, if known.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// The identifiers seen in this event, in the order given.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// The event's attributes.
    pub fn attrs(&self) -> &BTreeMap<String, String> {
        &self.attrs
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("ts", &self.ts)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .field("identifiers", &self.identifiers)
            .field("attrs", &self.attrs.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let event = Event::new("e1")
            .with_identifier(Identifier::email("secret@example.com"))
            .with_attr("name", "Secret Person");
        let shown = format!("{event:?}");
        assert!(shown.contains("e1") && shown.contains("name"));
        assert!(
            !shown.contains("secret@") && !shown.contains("Secret Person"),
            "{shown}"
        );
    }
}
