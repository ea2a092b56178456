//! One event line as the format reads it, deserialized straight from the
//! bytes: only the fields the format knows, each typed as loosely as the
//! format allows (a field of the wrong type is reported, not fatal), and
//! strings borrowed from the line unless they hold escapes.
//!
//! This replaces a `serde_json::Value` tree, which allocated a map, its
//! keys and every string of the line, and took most of the reading time.
//! Reading stays exactly as lenient: any valid JSON line deserializes, a
//! repeated key keeps its last value (as `Value` did), and unknown fields
//! are skipped.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// A JSON value where the format expects a string or a number.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'a> {
    Null,
    Str(Cow<'a, str>),
    Number(Number),
    /// A boolean, list or object.
    Other,
}

/// A whole line.
#[derive(Debug, PartialEq)]
pub(super) enum Line<'a> {
    Event(RawEvent<'a>),
    /// Valid JSON, but not an object.
    NotObject,
}

/// The fields of an event object; `None` when absent.
#[derive(Debug, Default, PartialEq)]
pub(super) struct RawEvent<'a> {
    pub(super) id: Option<Scalar<'a>>,
    pub(super) ts: Option<Scalar<'a>>,
    pub(super) channel: Option<Scalar<'a>>,
    pub(super) kind: Option<Scalar<'a>>,
    pub(super) identifiers: Option<List<'a>>,
    pub(super) attrs: Option<Attrs<'a>>,
}

/// The `identifiers` field.
#[derive(Debug, PartialEq)]
pub(super) enum List<'a> {
    Null,
    Entries(Vec<Entry<'a>>),
    /// Not a list.
    Other,
}

/// One entry of `identifiers`.
#[derive(Debug, PartialEq)]
pub(super) enum Entry<'a> {
    Object {
        kind: Option<Scalar<'a>>,
        value: Option<Scalar<'a>>,
        channel: Option<Scalar<'a>>,
    },
    NotObject,
}

/// The `attrs` field: names in sorted order, as `Value`'s map kept them.
#[derive(Debug, PartialEq)]
pub(super) enum Attrs<'a> {
    Null,
    Object(BTreeMap<Cow<'a, str>, Scalar<'a>>),
    /// Not an object.
    Other,
}

/// Reads and drops everything a sequence or map holds.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visitor methods that say "some other JSON value": each
/// maps to `$other` after consuming the value.
macro_rules! other_values {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(text)))
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Number(number.into()))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Number(number.into()))
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
                // Unreachable from JSON text; `Value` made it a null.
                Ok(Number::from_f64(number).map_or(Scalar::Null, Scalar::Number))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq).map(|()| Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map).map(|()| Scalar::Other)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// A map key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LineVisitor;
        impl<'de> Visitor<'de> for LineVisitor {
            type Value = Line<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Line::NotObject);
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Line::NotObject)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq).map(|()| Line::NotObject)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut event = RawEvent::default();
                while let Some(Key(key)) = map.next_key()? {
                    match &*key {
                        "id" => event.id = Some(map.next_value()?),
                        "ts" => event.ts = Some(map.next_value()?),
                        "channel" => event.channel = Some(map.next_value()?),
                        "kind" => event.kind = Some(map.next_value()?),
                        "identifiers" => event.identifiers = Some(map.next_value()?),
                        "attrs" => event.attrs = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Line::Event(event))
            }
        }
        deserializer.deserialize_any(LineVisitor)
    }
}

impl<'de> Deserialize<'de> for List<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = List<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(List::Other);
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(List::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
                while let Some(entry) = seq.next_element()? {
                    entries.push(entry);
                }
                Ok(List::Entries(entries))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map).map(|()| List::Other)
            }
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

impl<'de> Deserialize<'de> for Entry<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Entry::NotObject);
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entry::NotObject)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq).map(|()| Entry::NotObject)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut kind, mut value, mut channel) = (None, None, None);
                while let Some(Key(key)) = map.next_key()? {
                    match &*key {
                        "type" => kind = Some(map.next_value()?),
                        "value" => value = Some(map.next_value()?),
                        "channel" => channel = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Entry::Object {
                    kind,
                    value,
                    channel,
                })
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

impl<'de> Deserialize<'de> for Attrs<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttrsVisitor;
        impl<'de> Visitor<'de> for AttrsVisitor {
            type Value = Attrs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            other_values!(Attrs::Other);
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Attrs::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq).map(|()| Attrs::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut attrs = BTreeMap::new();
                while let Some(Key(name)) = map.next_key()? {
                    attrs.insert(name, map.next_value()?);
                }
                Ok(Attrs::Object(attrs))
            }
        }
        deserializer.deserialize_any(AttrsVisitor)
    }
}

/// The same reading through a `serde_json::Value`, the way lines were read
/// before: the reference the tests compare the direct reading with.
#[cfg(test)]
pub(super) fn line_from_value(value: serde_json::Value) -> Line<'static> {
    use serde_json::Value;

    fn scalar(value: Value) -> Scalar<'static> {
        match value {
            Value::Null => Scalar::Null,
            Value::String(text) => Scalar::Str(Cow::Owned(text)),
            Value::Number(number) => Scalar::Number(number),
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => Scalar::Other,
        }
    }
    let Value::Object(mut fields) = value else {
        return Line::NotObject;
    };
    let identifiers = fields.remove("identifiers").map(|value| match value {
        Value::Null => List::Null,
        Value::Array(entries) => List::Entries(
            entries
                .into_iter()
                .map(|entry| match entry {
                    Value::Object(mut entry) => Entry::Object {
                        kind: entry.remove("type").map(scalar),
                        value: entry.remove("value").map(scalar),
                        channel: entry.remove("channel").map(scalar),
                    },
                    _ => Entry::NotObject,
                })
                .collect(),
        ),
        _ => List::Other,
    });
    let attrs = fields.remove("attrs").map(|value| match value {
        Value::Null => Attrs::Null,
        Value::Object(attrs) => Attrs::Object(
            attrs
                .into_iter()
                .map(|(name, value)| (Cow::Owned(name), scalar(value)))
                .collect(),
        ),
        _ => Attrs::Other,
    });
    Line::Event(RawEvent {
        id: fields.remove("id").map(scalar),
        ts: fields.remove("ts").map(scalar),
        channel: fields.remove("channel").map(scalar),
        kind: fields.remove("kind").map(scalar),
        identifiers,
        attrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Keys the format knows, at both levels, one spelled with an escape,
    /// and one it does not know.
    const KEYS: &[&str] = &[
        "id",
        "ts",
        "channel",
        "kind",
        "identifiers",
        "attrs",
        "type",
        "value",
        "i\\u0064",
        "other",
    ];

    fn string_literal() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9@._+ -]{0,12}".prop_map(|text| format!("\"{text}\"")),
            any::<String>().prop_map(|text| serde_json::to_string(&text).unwrap()),
            Just("\"caf\\u00e9 \\\"q\\\" \\n\"".to_owned()),
            Just("\"2026-11-24T10:00:00Z\"".to_owned()),
            Just("\"email\"".to_owned()),
            Just("\"web\"".to_owned()),
        ]
    }

    /// JSON text of any value, objects with repeated keys included.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (-1e12f64..1e12).prop_map(|x| format!("{x:e}")),
            Just("1.50".to_owned()),
            string_literal(),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..7).prop_map(
                    |fields| {
                        let fields: Vec<String> = fields
                            .into_iter()
                            .map(|(key, value)| format!("\"{key}\": {value}"))
                            .collect();
                        format!("{{{}}}", fields.join(", "))
                    }
                ),
            ]
        })
    }

    /// Reads `text` directly and through `Value`; an error as its
    /// position (serde_json words an error in skipped data differently).
    #[allow(clippy::type_complexity)]
    fn both(
        text: &str,
    ) -> (
        Result<Line<'_>, (usize, usize)>,
        Result<Line<'static>, (usize, usize)>,
    ) {
        let position = |e: serde_json::Error| (e.line(), e.column());
        let direct = serde_json::from_str::<Line<'_>>(text).map_err(position);
        let via_value = serde_json::from_str::<serde_json::Value>(text)
            .map(line_from_value)
            .map_err(position);
        (direct, via_value)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn reading_directly_gives_what_reading_a_value_gave(text in json_text(), cut in any::<prop::sample::Index>()) {
            let (direct, via_value) = both(&text);
            prop_assert_eq!(direct, via_value);
            // Broken lines fail alike too.
            let mut end = cut.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let (direct, via_value) = both(&text[..end]);
            prop_assert_eq!(direct, via_value);
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_unescaped_strings_are_borrowed() {
        let text = r#"{"id": "a", "i\u0064": "b", "attrs": {"x": 1, "x": "two"}, "identifiers": [{"type": "email", "value": "p@q.r"}]}"#;
        let Ok(Line::Event(event)) = serde_json::from_str::<Line<'_>>(text) else {
            panic!("an event");
        };
        assert_eq!(event.id, Some(Scalar::Str(Cow::Borrowed("b"))));
        let Some(Attrs::Object(attrs)) = &event.attrs else {
            panic!("attrs");
        };
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs["x"], Scalar::Str(Cow::Borrowed("two")));
        let Some(List::Entries(entries)) = &event.identifiers else {
            panic!("identifiers");
        };
        let Entry::Object {
            value: Some(Scalar::Str(value)),
            ..
        } = &entries[0]
        else {
            panic!("an entry with a value");
        };
        assert!(matches!(value, Cow::Borrowed("p@q.r")));
    }
}
