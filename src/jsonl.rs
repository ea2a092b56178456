//! The JSON Lines interchange format: events in, profiles and rejects out.
//!
//! This is the format of `spec/events.md` that the examples and outside tools
//! share. Reading is lenient where the data is merely messy and strict where
//! it is broken: a bad field is reported and dropped, a bad identifier is
//! reported and the rest of its event kept, and only a line that is not a
//! JSON object or has no `id` is skipped (and reported).
//!
//! ```
//! use idstitch::jsonl::{EventReader, ProfileRecord, RejectRecord};
//! use idstitch::{Region, ResolverBuilder, SecretKey};
//!
//! let input = br#"{"id":"e1","channel":"web","identifiers":[{"type":"cookie","value":"ck_1"},{"type":"email","value":"Jan@Example.com"}]}
//! {"id":"e2","identifiers":[{"type":"email","value":"jan@example.com"},{"type":"phone","value":"not a phone"}]}
//! not json
//! "#;
//! let mut resolver = ResolverBuilder::new(SecretKey::derive("s")).keep_values(true).build();
//! let mut rejects = Vec::new();
//! for parsed in EventReader::new(&input[..]) {
//!     let parsed = parsed.unwrap();
//!     rejects.extend(parsed.rejects().iter().cloned());
//!     if let Some(event) = parsed.event() {
//!         let outcome = resolver.observe(event).unwrap();
//!         rejects.extend(RejectRecord::from_observation(parsed.line(), event, &outcome));
//!     }
//! }
//! assert_eq!(rejects.len(), 2);
//! assert_eq!(rejects[0].to_json(), r#"{"line":2,"event":"e2","type":"phone","error":"the character 'n' is not allowed here"}"#);
//! assert_eq!(rejects[1].line(), 3);
//!
//! let profile = resolver.profiles().next().unwrap();
//! let line = ProfileRecord::new(&profile, &["e1", "e2"]).to_json();
//! assert!(line.starts_with(r#"{"profile":"p_"#));
//! assert!(line.contains(r#""identifiers":[{"type":"email","value":"jan@example.com"},{"type":"cookie","value":"ck_1"}]"#));
//! ```

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use serde::Serialize;

use crate::event::Event;
use crate::identifier::{Channel, Identifier, IdentifierKind};
use crate::profile::Profile;
use crate::resolver::{KNOWN_CHANNELS, Observation, event_id_problem};

mod raw;

/// Lines longer than this are reported and skipped without being buffered
/// whole (16 MiB).
pub const MAX_LINE_LEN: usize = 16 << 20;

/// Longest event `kind` kept.
const MAX_KIND_LEN: usize = 64;

/// Longest attribute name or identifier type echoed back in a reject.
const MAX_ECHO_LEN: usize = 64;

/// One input line, parsed: the event (if the line held one) and what was
/// wrong with it.
#[derive(Debug, Clone)]
pub struct ParsedLine {
    line: u64,
    event: Option<Event>,
    rejects: Vec<RejectRecord>,
}

impl ParsedLine {
    /// The 1-based line number.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The event, unless the line was skipped (not a JSON object, no `id`).
    pub fn event(&self) -> Option<&Event> {
        self.event.as_ref()
    }

    /// Takes the event out.
    pub fn into_event(self) -> Option<Event> {
        self.event
    }

    /// Takes the event out, leaving the line and its rejects.
    pub fn take_event(&mut self) -> Option<Event> {
        self.event.take()
    }

    /// What was reported for this line: a skipped line, a dropped field, a
    /// malformed identifier entry.
    pub fn rejects(&self) -> &[RejectRecord] {
        &self.rejects
    }
}

/// A reject record: `{"line": N, "event": "e42", "type": "phone", "error": "…"}`.
///
/// `event` is `null` when the id could not be read; `type` is `null` when the
/// problem is not about one identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectRecord {
    line: u64,
    event: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    error: String,
}

impl RejectRecord {
    /// A record for `line`.
    pub fn new(
        line: u64,
        event: Option<&str>,
        kind: Option<&str>,
        error: impl Into<String>,
    ) -> Self {
        RejectRecord {
            line,
            event: event.map(str::to_owned),
            kind: kind.map(str::to_owned),
            error: error.into(),
        }
    }

    /// The records of the identifiers `outcome` rejected from `event`.
    pub fn from_observation<'a>(
        line: u64,
        event: &'a Event,
        outcome: &'a Observation,
    ) -> impl Iterator<Item = RejectRecord> + 'a {
        outcome.rejects().iter().map(move |reject| RejectRecord {
            line,
            event: Some(event.id().to_owned()),
            kind: Some(reject.kind().as_str().to_owned()),
            error: reject.reason().to_string(),
        })
    }

    /// The 1-based input line.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The event id, when it could be read.
    pub fn event(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The identifier type concerned, if any.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// What was wrong, for a person to act on.
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The record as one JSON line (without the newline).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

fn to_json(value: &impl Serialize) -> String {
    // Serializing plain strings, numbers and vectors cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| unreachable!("plain data serializes"))
}

/// A profile as one output line of the interchange format.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileRecord<'a> {
    profile: String,
    events: &'a [&'a str],
    identifiers: Vec<IdentifierRecord>,
    channels: Vec<&'a str>,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct IdentifierRecord {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

impl<'a> ProfileRecord<'a> {
    /// The record of `profile` holding `events` (in the order given). Values
    /// are the normalized values, or the keys in hashed mode.
    pub fn new(profile: &'a Profile, events: &'a [&'a str]) -> Self {
        ProfileRecord {
            profile: profile.id().to_string(),
            events,
            identifiers: profile
                .identifiers()
                .iter()
                .map(|identifier| IdentifierRecord {
                    kind: identifier.kind().as_str().to_owned(),
                    value: identifier.to_string(),
                })
                .collect(),
            channels: profile.channels().iter().map(Channel::as_str).collect(),
            first_seen: profile.first_seen().map(|ts| ts.to_string()),
            last_seen: profile.last_seen().map(|ts| ts.to_string()),
        }
    }

    /// The record as one JSON line (without the newline).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

/// Reads events from JSON Lines, one [`ParsedLine`] per non-blank line.
///
/// Only I/O errors end the iteration with an `Err`; every problem with the
/// data itself is a [`RejectRecord`] in its [`ParsedLine`].
#[derive(Debug)]
pub struct EventReader<R> {
    reader: R,
    line: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> EventReader<R> {
    /// Reads from `reader`.
    pub fn new(reader: R) -> Self {
        EventReader {
            reader,
            line: 0,
            buffer: Vec::new(),
        }
    }

    /// Reads one line into `buffer`, up to [`MAX_LINE_LEN`]; returns
    /// `Ok(None)` at the end, `Ok(Some(false))` for a line that was too long
    /// (consumed, not kept).
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buffer.clear();
        read_line_into(&mut self.reader, &mut self.buffer)
    }
}

/// Appends one line of `reader` to `out`, without its newline, up to
/// [`MAX_LINE_LEN`]; returns `Ok(None)` at the end, `Ok(Some(false))` for a
/// line that was too long (consumed, and `out` left as it was).
fn read_line_into<R: BufRead>(reader: &mut R, out: &mut Vec<u8>) -> io::Result<Option<bool>> {
    let start = out.len();
    // One byte more than a line may hold: reading it without reaching the
    // newline means the line is too long. (`read_until` finds the newline
    // much faster than a byte-by-byte search.)
    let limit = MAX_LINE_LEN as u64 + 1;
    let read = reader.by_ref().take(limit).read_until(b'\n', out)?;
    if read == 0 {
        return Ok(None);
    }
    if out.last() == Some(&b'\n') {
        out.pop();
        return Ok(Some(true));
    }
    if read <= MAX_LINE_LEN {
        // The last line, without a newline.
        return Ok(Some(true));
    }
    out.truncate(start);
    // The rest of the line, up to and including its newline, is skipped.
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(Some(false));
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                return Ok(Some(false));
            }
            None => {
                let all = available.len();
                reader.consume(all);
            }
        }
    }
}

impl<R: BufRead> EventReader<R> {
    /// Reads up to `max` non-blank lines (at least one) and parses them on
    /// every core (`std::thread::available_parallelism`); the lines come back
    /// in input order, exactly as the iterator would give them. Empty only at
    /// the end.
    ///
    /// ```
    /// use idstitch::jsonl::EventReader;
    ///
    /// let input = "{\"id\":\"e1\"}\n\nnot json\n{\"id\":\"e2\"}\n";
    /// let mut reader = EventReader::new(input.as_bytes());
    /// let batch = reader.read_batch(10).unwrap();
    /// let lines: Vec<u64> = batch.iter().map(|parsed| parsed.line()).collect();
    /// assert_eq!(lines, [1, 3, 4]);
    /// assert!(batch[1].event().is_none());
    /// assert!(reader.read_batch(10).unwrap().is_empty());
    /// ```
    ///
    /// # Errors
    /// An I/O error from the reader; the lines read before it are lost.
    pub fn read_batch(&mut self, max: usize) -> io::Result<Vec<ParsedLine>> {
        // Raw lines one after the other in one buffer, each with its line
        // number and range, or already parsed (a line too long).
        let mut text = Vec::new();
        let mut jobs: Vec<(u64, std::ops::Range<usize>, Option<ParsedLine>)> = Vec::new();
        while jobs.len() < max.max(1) {
            // Each line straight into `text`, and taken out again if blank.
            let start = text.len();
            let Some(kept) = read_line_into(&mut self.reader, &mut text)? else {
                break;
            };
            self.line += 1;
            if !kept {
                let error = format!("the line is longer than {MAX_LINE_LEN} bytes; skipped");
                jobs.push((self.line, 0..0, Some(skipped(self.line, error))));
                continue;
            }
            if text[start..].iter().all(u8::is_ascii_whitespace) {
                text.truncate(start);
                continue;
            }
            jobs.push((self.line, start..text.len(), None));
        }
        let parse = |jobs: &mut [(u64, std::ops::Range<usize>, Option<ParsedLine>)]| {
            for (line, range, parsed) in jobs {
                if parsed.is_none() {
                    *parsed = Some(parse_line(&text[range.clone()], *line));
                }
            }
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if threads == 1 || jobs.len() < 256 {
            parse(&mut jobs);
        } else {
            let chunk = jobs.len().div_ceil(threads);
            std::thread::scope(|scope| {
                for part in jobs.chunks_mut(chunk) {
                    scope.spawn(|| parse(part));
                }
            });
        }
        Ok(jobs
            .into_iter()
            .filter_map(|(_, _, parsed)| parsed)
            .collect())
    }
}

impl<R: BufRead> Iterator for EventReader<R> {
    type Item = io::Result<ParsedLine>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let kept = match self.read_line() {
                Ok(None) => return None,
                Ok(Some(kept)) => kept,
                Err(error) => return Some(Err(error)),
            };
            self.line += 1;
            if !kept {
                let error = format!("the line is longer than {MAX_LINE_LEN} bytes; skipped");
                return Some(Ok(skipped(self.line, error)));
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(parse_line(&self.buffer, self.line)));
        }
    }
}

fn skipped(line: u64, error: String) -> ParsedLine {
    ParsedLine {
        line,
        event: None,
        rejects: vec![RejectRecord::new(line, None, None, error)],
    }
}

/// Parses one line of JSON (without its newline) as an event.
///
/// Never panics; everything wrong is in [`ParsedLine::rejects`].
pub fn parse_line(bytes: &[u8], line: u64) -> ParsedLine {
    // Checking the whole line's UTF-8 at once is cheaper than checking each
    // string as it is read; a line that fails is read as bytes, so that
    // its error is reported exactly as before.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    };
    match parsed {
        Ok(raw) => event_of(raw, line),
        // serde_json's syntax errors name a position, never the data.
        Err(error) => skipped(line, format!("not valid JSON ({error}); skipped")),
    }
}

/// The event a line holds, and what was wrong with it.
fn event_of(raw: raw::Line<'_>, line: u64) -> ParsedLine {
    use raw::{Attrs, List, Scalar};

    let raw::Line::Event(fields) = raw else {
        return skipped(line, "the line is not a JSON object; skipped".into());
    };
    let id = match fields.id {
        Some(Scalar::Str(id)) => id.into_owned(),
        Some(Scalar::Number(number)) => number.to_string(),
        _ => return skipped(line, "the event has no `id` string; skipped".into()),
    };
    // Checked here, before the id is echoed into any reject record.
    if let Some(why) = event_id_problem(&id) {
        return skipped(line, format!("invalid event id: {why}; skipped"));
    }
    let mut rejects = Vec::new();
    let mut note = |kind: Option<&str>, error: String| {
        rejects.push(RejectRecord::new(line, Some(&id), kind, error));
    };

    let ts = match fields.ts {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Str(text)) => match text.parse() {
            Ok(ts) => Some(ts),
            Err(error) => {
                note(
                    None,
                    format!("`ts`: {error}; the event is kept without a time"),
                );
                None
            }
        },
        Some(_) => {
            note(
                None,
                "`ts` must be a string; the event is kept without a time".into(),
            );
            None
        }
    };
    let channel = match fields.channel {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Str(text)) => match channel_of(&text) {
            Ok(channel) => Some(channel),
            Err(error) => {
                note(
                    None,
                    format!("`channel`: {error}; the event is kept without a channel"),
                );
                None
            }
        },
        Some(_) => {
            note(
                None,
                "`channel` must be a string; the event is kept without a channel".into(),
            );
            None
        }
    };
    let kind = match fields.kind {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Str(kind))
            if !kind.is_empty()
                && kind.len() <= MAX_KIND_LEN
                && !kind.chars().any(char::is_control) =>
        {
            Some(kind.into_owned())
        }
        Some(_) => {
            note(
                None,
                format!(
                    "`kind` must be a string of 1 to {MAX_KIND_LEN} bytes without control characters; the event is kept without it"
                ),
            );
            None
        }
    };
    let mut identifiers = Vec::new();
    match fields.identifiers {
        Some(List::Entries(entries)) => {
            identifiers.reserve_exact(entries.len());
            for entry in entries {
                match identifier(entry) {
                    Ok(identifier) => identifiers.push(identifier),
                    Err((kind, error)) => note(kind.as_deref(), error),
                }
            }
        }
        Some(List::Null) | None => note(
            None,
            "the event has no `identifiers` list; it is kept with none".into(),
        ),
        Some(List::Other) => note(
            None,
            "`identifiers` must be a list; the event is kept with none".into(),
        ),
    }
    let mut attrs = BTreeMap::new();
    match fields.attrs {
        None | Some(Attrs::Null) => {}
        Some(Attrs::Object(raw_attrs)) => {
            for (name, value) in raw_attrs {
                match value {
                    Scalar::Str(text) => {
                        attrs.insert(name.into_owned(), text.into_owned());
                    }
                    Scalar::Number(number) => {
                        attrs.insert(name.into_owned(), number.to_string());
                    }
                    Scalar::Null | Scalar::Other => note(
                        None,
                        format!(
                            "attribute `{}` must be a string or a number; dropped",
                            echo(&name)
                        ),
                    ),
                }
            }
        }
        Some(Attrs::Other) => note(None, "`attrs` must be an object; dropped".into()),
    }
    ParsedLine {
        line,
        event: Some(Event::from_parts(id, ts, channel, kind, identifiers, attrs)),
        rejects,
    }
}

/// `text` as a channel: the built-in names as they are usually written
/// are matched without the lowercased copy [`Channel::from_str`] makes
/// (with the same result).
fn channel_of(text: &str) -> Result<Channel, crate::error::RejectReason> {
    match KNOWN_CHANNELS.iter().find(|known| known.as_str() == text) {
        Some(known) => Ok(known.clone()),
        None => text.parse(),
    }
}

/// `text` as an identifier kind, the built-in names as they are usually
/// written matched directly, as in [`channel_of`].
fn kind_of(text: &str) -> Result<IdentifierKind, crate::error::RejectReason> {
    match IdentifierKind::BUILT_IN
        .iter()
        .find(|known| known.as_str() == text)
    {
        Some(known) => Ok(known.clone()),
        None => text.parse(),
    }
}

/// Reads one `{"type": …, "value": …}` entry; on failure, the type (when it
/// was a valid name) and the message.
fn identifier(entry: raw::Entry<'_>) -> Result<Identifier, (Option<String>, String)> {
    use raw::Scalar;

    let raw::Entry::Object {
        kind,
        value,
        channel,
    } = entry
    else {
        return Err((
            None,
            "an identifier must be an object with `type` and `value`".into(),
        ));
    };
    let kind = match kind {
        Some(Scalar::Str(text)) => kind_of(&text)
            .map_err(|error| (None, format!("identifier type `{}`: {error}", echo(&text))))?,
        _ => return Err((None, "an identifier needs a `type` string".into())),
    };
    let value = match value {
        Some(Scalar::Str(text)) => text.into_owned(),
        // Warehouses export phone and card numbers as numbers.
        Some(Scalar::Number(number)) => number.to_string(),
        _ => {
            return Err((
                Some(kind.as_str().to_owned()),
                "an identifier needs a `value` string".into(),
            ));
        }
    };
    let identifier = Identifier::new(kind, value);
    // An identifier's own `channel` qualifies a chat session; a bad one would
    // silently qualify it by the event's channel instead, so it is refused.
    match channel {
        None | Some(Scalar::Null) => Ok(identifier),
        Some(Scalar::Str(text)) => match channel_of(&text) {
            Ok(channel) => Ok(identifier.with_channel(channel)),
            Err(error) => Err((
                Some(identifier.kind().as_str().to_owned()),
                format!("identifier `channel`: {error}"),
            )),
        },
        Some(_) => Err((
            Some(identifier.kind().as_str().to_owned()),
            "an identifier's `channel` must be a string".into(),
        )),
    }
}

/// A user-supplied name, shortened for an error message.
fn echo(name: &str) -> String {
    let mut end = name.len().min(MAX_ECHO_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedLine {
        parse_line(text.as_bytes(), 7)
    }

    #[test]
    fn batches_read_what_the_iterator_reads() {
        let mut input = String::new();
        for n in 0..1_500 {
            match n % 7 {
                0 => input.push_str("   \n"),
                1 => input.push_str("not json\n"),
                2 => input.push_str(&format!(
                    r#"{{"id":"e{n}","identifiers":[{{"type":"email","value":7}}]}}"#
                )),
                _ => input.push_str(&format!(
                    r#"{{"id":"e{n}","identifiers":[{{"type":"cookie","value":"ck_{n}"}}]}}"#
                )),
            }
            input.push('\n');
        }
        input.push_str(&"x".repeat(MAX_LINE_LEN + 1));
        input.push_str("\n{\"id\":\"last\"}");
        let one_by_one: Vec<String> = EventReader::new(input.as_bytes())
            .map(|parsed| format!("{:?}", parsed.unwrap()))
            .collect();
        let mut reader = EventReader::new(input.as_bytes());
        let mut batched = Vec::new();
        loop {
            let batch = reader.read_batch(500).unwrap();
            if batch.is_empty() {
                break;
            }
            assert!(batch.len() <= 500);
            batched.extend(batch.iter().map(|parsed| format!("{parsed:?}")));
        }
        assert_eq!(batched, one_by_one);
    }

    #[test]
    fn reads_the_spec_example() {
        let parsed = parse(
            r#"{"id":"e42","ts":"2026-03-01T10:00:00Z","channel":"web","kind":"page_view","identifiers":[{"type":"cookie","value":"ck_9f2a"},{"type":"email","value":" Jan.deVries@Example.COM "}],"attrs":{"name":"Jan de Vries","order_value":129.95}}"#,
        );
        assert!(parsed.rejects().is_empty(), "{:?}", parsed.rejects());
        let event = parsed.event().unwrap();
        assert_eq!(event.id(), "e42");
        assert_eq!(event.ts().unwrap().to_string(), "2026-03-01T10:00:00Z");
        assert_eq!(event.channel(), Some(&Channel::Web));
        assert_eq!(event.kind(), Some("page_view"));
        assert_eq!(event.identifiers().len(), 2);
        assert_eq!(event.attrs()["order_value"], "129.95");
    }

    #[test]
    fn broken_lines_are_skipped_with_a_reason() {
        let long_id = format!(r#"{{"id":"{}","ts":"bad"}}"#, "x".repeat(513));
        for text in [
            "{",
            "[1,2]",
            "\"e1\"",
            r#"{"identifiers":[]}"#,
            r#"{"id":""}"#,
            r#"{"id":null}"#,
            r#"{"id":"a\u0000b","ts":"bad"}"#,
            &long_id,
        ] {
            let parsed = parse(text);
            assert!(parsed.event().is_none(), "{text}");
            assert_eq!(parsed.rejects().len(), 1, "{text}");
            assert_eq!(parsed.rejects()[0].line(), 7);
        }
    }

    #[test]
    fn bad_fields_are_dropped_and_reported_the_rest_kept() {
        let parsed = parse(
            r#"{"id":"e1","ts":"yesterday","channel":"two words","kind":5,"identifiers":[{"type":"cookie","value":"ck_1"},{"type":"E Mail","value":"x"},{"type":"phone"},7,{"type":"phone","value":31612345678}],"attrs":{"a":[1],"b":"ok"}}"#,
        );
        let event = parsed.event().unwrap();
        assert_eq!(event.ts(), None);
        assert_eq!(event.channel(), None);
        assert_eq!(event.identifiers().len(), 2);
        assert_eq!(event.identifiers()[1].value(), "31612345678");
        assert_eq!(event.attrs().len(), 1);
        let kinds: Vec<Option<&str>> = parsed.rejects().iter().map(RejectRecord::kind).collect();
        assert_eq!(
            kinds,
            vec![None, None, None, None, Some("phone"), None, None]
        );
        assert!(parsed.rejects().iter().all(|r| r.event() == Some("e1")));
    }

    #[test]
    fn bad_identifier_channels_are_reported_not_ignored() {
        let parsed = parse(
            r#"{"id":"e1","channel":"chat","identifiers":[{"type":"chat_session","value":"s-1","channel":"whatsapp"},{"type":"chat_session","value":"s-2","channel":"two words"},{"type":"chat_session","value":"s-3","channel":5}]}"#,
        );
        let event = parsed.event().unwrap();
        assert_eq!(event.identifiers().len(), 1);
        assert_eq!(event.identifiers()[0].channel(), Some(&Channel::WhatsApp));
        let kinds: Vec<Option<&str>> = parsed.rejects().iter().map(RejectRecord::kind).collect();
        assert_eq!(kinds, vec![Some("chat_session"), Some("chat_session")]);
    }

    #[test]
    fn missing_identifiers_keep_the_event() {
        let parsed = parse(r#"{"id":"e1"}"#);
        assert!(parsed.event().unwrap().identifiers().is_empty());
        assert_eq!(parsed.rejects().len(), 1);
    }

    #[test]
    fn reader_counts_lines_skips_blanks_and_survives_huge_and_invalid_lines() {
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"id\":\"e1\",\"identifiers\":[]}\n\n   \n");
        input.extend_from_slice(b"{\"id\":\"e\xff\",\"identifiers\":[]}\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_LEN + 10));
        input.extend_from_slice(b"\n{\"id\":\"e5\",\"identifiers\":[]}");
        let lines: Vec<ParsedLine> = EventReader::new(&input[..]).map(Result::unwrap).collect();
        let numbers: Vec<u64> = lines.iter().map(ParsedLine::line).collect();
        assert_eq!(numbers, vec![1, 4, 5, 6]);
        assert!(lines[0].event().is_some() && lines[3].event().is_some());
        assert!(lines[1].event().is_none() && lines[2].event().is_none());
        assert!(lines[2].rejects()[0].error().contains("longer than"));
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read_and_bad_utf8_reported_as_before() {
        let mut input = vec![b' '; MAX_LINE_LEN - 2];
        input.extend_from_slice(b"{}\n{\"id\":\"e\xff\"}");
        let lines: Vec<ParsedLine> = EventReader::new(&input[..]).map(Result::unwrap).collect();
        assert_eq!(lines.len(), 2);
        // Read whole: an object without an id, not a line too long.
        assert!(lines[0].rejects()[0].error().contains("no `id`"));
        let error = serde_json::from_slice::<serde_json::Value>(b"{\"id\":\"e\xff\"}")
            .unwrap_err()
            .to_string();
        assert_eq!(
            lines[1].rejects()[0].error(),
            format!("not valid JSON ({error}); skipped")
        );
    }

    #[test]
    fn echo_shortens_on_char_boundaries() {
        assert_eq!(echo(&"é".repeat(40)).len(), 64);
        assert_eq!(echo("a\u{1b}b"), "ab");
    }
}
