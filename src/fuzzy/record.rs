//! What a rule sees of one event.

use std::borrow::Borrow;
use std::fmt;

use crate::identifier::IdentifierKind;

use super::fold;

/// The attribute holding a person's full name.
pub(crate) const NAME: &str = "name";
/// The attribute holding a city.
pub(crate) const CITY: &str = "city";
/// The attribute holding a postcode.
pub(crate) const POSTCODE: &str = "postcode";

/// Values (identifiers, attribute names and values) longer than this many
/// bytes are ignored: the normalizer never accepts longer identifiers, and
/// the spans into the text stay small.
const MAX_VALUE_LEN: usize = 4096;

/// The text a record reserves at its first value.
const INITIAL_TEXT: usize = 96;

/// A byte range of [`MatchRecord::text`]; `u32` halves it against `usize`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

/// What a [`MatchRule`](super::MatchRule) sees of one event: its normalized
/// identifiers (kind and normalized value) and its attributes.
///
/// Give identifiers as [`Normalizer::normalize`](crate::Normalizer::normalize)
/// returns them (emails lowercase, phones in E.164 such as `+31612345678`):
/// the built-in rules compare them as given. They read emails and phones, and
/// the attributes `name` (a full name), `city` and `postcode`, which the
/// record also keeps folded for comparison (see the [module
/// documentation](super)). Pass only what your rules read: a
/// [`Matcher`](super::Matcher) keeps every record it indexes. Values longer
/// than 4096 bytes are ignored; setting an attribute again replaces it.
///
/// All text lives in one buffer, so building a record costs a few
/// allocations whatever the number of values.
///
/// `Debug` shows identifier kinds and attribute names, never values.
///
/// ```
/// use std::collections::BTreeMap;
/// use idstitch::IdentifierKind;
/// use idstitch::fuzzy::MatchRecord;
///
/// let record = MatchRecord::new()
///     .with_identifier(IdentifierKind::Email, "jan.devries@example.com")
///     .with_attr("name", "Jan de Vries")
///     .with_attr("city", "Utrecht");
/// assert_eq!(record.values(&IdentifierKind::Email).collect::<Vec<_>>(), ["jan.devries@example.com"]);
/// assert_eq!(record.attr("city"), Some("Utrecht"));
///
/// // From an event's parts, as a resolver builds it.
/// let attrs = BTreeMap::from([("name".to_string(), "Jan de Vries".to_string())]);
/// let from_parts = MatchRecord::from_parts([(IdentifierKind::Phone, "+31612345678")], &attrs);
/// assert_eq!(from_parts.identifiers().count(), 1);
/// assert!(!format!("{from_parts:?}").contains("Vries"));
/// ```
#[derive(Clone, Default)]
pub struct MatchRecord {
    /// Every value of the record back to back: one allocation instead of one
    /// per value.
    text: String,
    identifiers: Vec<(IdentifierKind, Span)>,
    /// Attribute name and value.
    attrs: Vec<(Span, Span)>,
    /// The folded name: its words sorted, separated by one space.
    name: Span,
    /// How many words `name` has (at most 6).
    name_words: u8,
    /// The folded city and postcode; empty when not given.
    city: Span,
    postcode: Span,
}

impl MatchRecord {
    /// An empty record.
    pub fn new() -> Self {
        MatchRecord::default()
    }

    /// A record from an event's parts: normalized identifiers as kind and
    /// value, and attributes as name and value (an event's
    /// [`attrs`](crate::Event::attrs) map fits as it is).
    pub fn from_parts<K, V, N, A>(
        identifiers: impl IntoIterator<Item = (K, V)>,
        attrs: impl IntoIterator<Item = (N, A)>,
    ) -> Self
    where
        K: Borrow<IdentifierKind>,
        V: AsRef<str>,
        N: AsRef<str>,
        A: AsRef<str>,
    {
        let mut record = MatchRecord::new();
        for (kind, value) in identifiers {
            record.push_identifier(kind.borrow(), value.as_ref());
        }
        for (name, value) in attrs {
            record.push_attr(name.as_ref(), value.as_ref());
        }
        record
    }

    /// Adds a normalized identifier.
    pub fn with_identifier(mut self, kind: IdentifierKind, value: impl AsRef<str>) -> Self {
        self.push_identifier(&kind, value.as_ref());
        self
    }

    /// Sets an attribute.
    pub fn with_attr(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.push_attr(name.as_ref(), value.as_ref());
        self
    }

    /// The identifiers, in the order given.
    pub fn identifiers(&self) -> impl Iterator<Item = (&IdentifierKind, &str)> {
        self.identifiers
            .iter()
            .map(|(kind, span)| (kind, self.get(*span)))
    }

    /// The values of the identifiers of `kind`, in the order given.
    pub fn values<'a>(&'a self, kind: &'a IdentifierKind) -> impl Iterator<Item = &'a str> {
        self.identifiers
            .iter()
            .filter(move |(k, _)| k == kind)
            .map(|(_, span)| self.get(*span))
    }

    /// The value of attribute `name`, as given.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| self.get(*n) == name)
            .map(|(_, value)| self.get(*value))
    }

    /// The attributes, in the order first set.
    pub fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs
            .iter()
            .map(|(name, value)| (self.get(*name), self.get(*value)))
    }

    /// The folded words of the `name` attribute, sorted.
    pub(crate) fn name_words(&self) -> impl Iterator<Item = &str> {
        let name = self.get(self.name);
        name.split(' ').filter(|_| !name.is_empty())
    }

    /// How many words [`MatchRecord::name_words`] yields.
    pub(crate) fn name_word_count(&self) -> usize {
        usize::from(self.name_words)
    }

    /// The folded `city`, if it has any letters or digits.
    pub(crate) fn city(&self) -> Option<&str> {
        Some(self.get(self.city)).filter(|city| !city.is_empty())
    }

    /// The folded `postcode`, if it has any letters or digits.
    pub(crate) fn postcode(&self) -> Option<&str> {
        Some(self.get(self.postcode)).filter(|code| !code.is_empty())
    }

    /// Frees spare capacity worth a reallocation, for a record that is
    /// kept.
    pub(crate) fn shrink_to_fit(&mut self) {
        if self.text.capacity() > self.text.len() + self.text.len() / 4 + 16 {
            self.text.shrink_to_fit();
        }
        if self.identifiers.capacity() > self.identifiers.len() + 2 {
            self.identifiers.shrink_to_fit();
        }
        if self.attrs.capacity() > self.attrs.len() + 2 {
            self.attrs.shrink_to_fit();
        }
    }

    fn get(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// Appends `value` to the text, or returns `None` when it is too long or
    /// the text would outgrow a `u32` span.
    fn append(&mut self, value: &str) -> Option<Span> {
        if value.len() > MAX_VALUE_LEN {
            return None;
        }
        let start = u32::try_from(self.text.len()).ok()?;
        let end = u32::try_from(self.text.len() + value.len()).ok()?;
        if self.text.capacity() == 0 {
            // Room for a typical event's values at once, rather than a
            // reallocation per value; `shrink_to_fit` gives back the rest.
            self.text.reserve(value.len().max(INITIAL_TEXT));
        }
        self.text.push_str(value);
        Some(Span { start, end })
    }

    /// Appends what `fold` writes; the span of it.
    fn append_with(&mut self, fold: impl FnOnce(&mut String)) -> Option<Span> {
        let start = u32::try_from(self.text.len()).ok()?;
        fold(&mut self.text);
        let end = u32::try_from(self.text.len()).ok()?;
        Some(Span { start, end })
    }

    pub(crate) fn push_identifier(&mut self, kind: &IdentifierKind, value: &str) {
        if let Some(span) = self.append(value) {
            self.identifiers.push((kind.clone(), span));
        }
    }

    pub(crate) fn push_attr(&mut self, name: &str, value: &str) {
        if name.len() > MAX_VALUE_LEN {
            return;
        }
        let Some(value_span) = self.append(value) else {
            return;
        };
        match self.attrs.iter().position(|(n, _)| self.get(*n) == name) {
            Some(at) => {
                if let Some(attr) = self.attrs.get_mut(at) {
                    attr.1 = value_span;
                }
            }
            None => {
                if let Some(name_span) = self.append(name) {
                    self.attrs.push((name_span, value_span));
                }
            }
        }
        match name {
            NAME => {
                let mut words = 0;
                let span = self.append_with(|text| words = fold::fold_name(value, text));
                self.name = span.unwrap_or_default();
                self.name_words = if span.is_some() { words as u8 } else { 0 };
            }
            CITY => {
                let span = self.append_with(|text| fold::fold_place(value, text));
                self.city = span.unwrap_or_default();
            }
            POSTCODE => {
                let span = self.append_with(|text| fold::fold_place(value, text));
                self.postcode = span.unwrap_or_default();
            }
            _ => {}
        }
    }
}

impl fmt::Debug for MatchRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are personal data: kinds and names only.
        let kinds: Vec<&str> = self.identifiers.iter().map(|(k, _)| k.as_str()).collect();
        let names: Vec<&str> = self.attrs.iter().map(|(n, _)| self.get(*n)).collect();
        f.debug_struct("MatchRecord")
            .field("identifiers", &kinds)
            .field("attrs", &names)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_attrs_replace() {
        let record = MatchRecord::new()
            .with_identifier(IdentifierKind::Email, "a@b.nl")
            .with_identifier(IdentifierKind::Phone, "+31612345678")
            .with_attr("name", "Jan de Vries")
            .with_attr("city", "Utrecht")
            .with_attr("name", "Jan Jansen");
        assert_eq!(
            record.identifiers().collect::<Vec<_>>(),
            [
                (&IdentifierKind::Email, "a@b.nl"),
                (&IdentifierKind::Phone, "+31612345678")
            ]
        );
        assert_eq!(record.attr("name"), Some("Jan Jansen"));
        assert_eq!(record.attrs().count(), 2);
        assert_eq!(record.name_words().collect::<Vec<_>>(), ["jan", "jansen"]);
        assert_eq!(record.name_word_count(), 2);
        assert_eq!(record.city(), Some("utrecht"));
        assert_eq!(record.postcode(), None);
        assert_eq!(record.attr("missing"), None);
    }

    #[test]
    fn empty_and_oversized_values() {
        let record = MatchRecord::new()
            .with_attr("name", " - ")
            .with_attr("postcode", "")
            .with_identifier(IdentifierKind::Email, "x".repeat(MAX_VALUE_LEN + 1));
        assert_eq!(record.name_words().count(), 0);
        assert_eq!(record.name_word_count(), 0);
        assert_eq!(record.postcode(), None);
        assert_eq!(record.identifiers().count(), 0);
    }
}
