//! A seeded generator of messy events with known ground truth, streamed so
//! that ten million events take tens of megabytes, not gigabytes.
//!
//! People get emails, phones, a loyalty card, cookies and chat sessions; each
//! person's events form a chain in which consecutive events share an
//! identifier, so a person is one connected component, and no identifier (in
//! normalized form) is shared between people. Values are written the way real
//! exports write them: mixed case, spaces, gmail dots and `+tags`, phones in
//! national and international formats, card numbers with dashes.
//!
//! Each event carries about 1.9 of its person's identifiers: one of the
//! previous event's, the next one not yet used, sometimes one more.
//! [`Schedule::with_identifiers_per_event`] asks for more, as a login or a
//! checkout carries a cookie, an email, a loyalty card and a phone at once:
//! the extra identifiers are the same person's own, so the truth is
//! unchanged and each person stays one connected component.
//!
//! With [`Config::planted`], a few shared values are planted on top: a kiosk
//! cookie, a store's phone number, a till's email address, each on the events
//! of dozens to hundreds of people. They are valid identifiers that a naive
//! resolver would follow to glue those people together; the truth ignores
//! them.
//!
//! # Typo mode
//! [`Schedule::with_typos`] turns the data set into one for evaluating
//! fuzzy matching; off, not a byte changes. Every person gets a name (first
//! name and surname from Dutch, German or Finnish lists, by the country of
//! their phones: `Jan de Vries`, `Anna Müller`, `Mikko Virtanen`), a home city
//! and a postcode (Dutch `1234 AB`, German and Finnish 5 digits), and their
//! email addresses are made of that name (`jan.devries12@ziggo.nl`, at
//! `hotmail.com` or `outlook.com` instead of `example.com`). Store, chat,
//! call centre and CRM events, and web and app purchases, carry some of
//! `name`, `city` and `postcode` in `attrs`, written as people write them:
//! `de Vries, Jan`, `Vries, Jan de`, `J. de Vries`, `JAN DE VRIES`,
//! `Muller` and `Mueller` for `Müller`, `1234AB`. On top of that:
//!
//! - **Email typos** ([`Typo::EmailDomain`], [`Typo::EmailLocal`]): about
//!   5 % of people have their last event replaced by one that carries a
//!   misspelled copy of one of their addresses (`gmial.com`, `gmail.co`,
//!   `hotmial.com`, `outlok.com`, `zigo.nl`, … or one letter of the local
//!   part deleted, doubled, swapped with its neighbour or replaced by a key
//!   next to it), with a fresh chat session or cookie or nothing else, and
//!   the person's name and city (half of them their postcode too). The
//!   address itself is on one of their earlier events, so only a fuzzy
//!   match can join the two.
//! - **Phone digit slips** ([`Typo::PhoneSlip`]): about 2 % of people have
//!   their last event replaced by a call centre or CRM event with one of
//!   their numbers, two adjacent digits swapped (never another person's
//!   number, never a blocklisted one), and their name and postcode (half of
//!   them their city too).
//! - **Near-miss strangers** ([`NearMiss`]): about 6 % of people come in
//!   pairs of two people who look alike and are not the same: the same city
//!   and postcode with similar names (the other of a pair of similar
//!   surnames or first names: `Jan de Vries`, `Jan de Vos`; `Anna Müller`,
//!   `Andrea Müller`), the same name in two cities, or the same name in two
//!   cities with addresses one letter apart at the same domains
//!   (`jan.devries12@`, `jan.devrie12@`).
//!
//! The truth, event ids and times are the same as without typos: typos
//! replace events and never add any. [`Role::Typo`] marks each misspelled
//! value, and [`Schedule::near_misses`] lists the pairs. Strangers with the
//! same name and city also occur by chance, as they do in real life but
//! more often: the lists hold 48 first names and 60 surnames per country,
//! and each country 10 or 12 cities, which gives about 190 such pairs per
//! 10,000 people whose events show both. The same name and postcode by
//! chance is rare below a million people.
//!
//! # How it streams
//! [`Schedule::new`] draws only when each event happens, from a random
//! stream of its person's own, and sorts the events by time with a counting
//! sort on the minute: four bytes per event. [`Schedule::for_each_line`] then
//! writes the events in that order, drawing each person's identities, walk
//! and event again from streams seeded by (seed, person, step): a few dozen
//! draws, no memory, and every event a function of its number alone, so
//! threads write chunks of events side by side. Everything is a function of
//! the seed: [`generate`] (everything in memory, for tests) and
//! [`for_each_event`] write the same lines.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// splitmix64: tiny, fast, and good enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0), by Lemire's multiply-and-shift: a
    /// division would cost more than the rest of the draw. The bias is
    /// irrelevant here.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.fraction() <= p
    }

    /// Uniform in `0.0..1.0`.
    fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// splitmix64's finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A random stream of its own for (seed, purpose, a, b): a person's
/// schedule, a person's identities and walk, one event, …
fn stream(seed: u64, purpose: u64, a: usize, b: usize) -> Rng {
    let z = mix(seed ^ purpose).wrapping_add(a as u64);
    Rng::new(mix(mix(z).wrapping_add(b as u64)))
}

// Purposes of the random streams (each a word in ASCII).
/// When a person's events happen: their count, then their minutes.
const SCHEDULE: u64 = 0x5343_4845_4455_4C45;
/// A person's identities, then their walk over them.
const PERSON: u64 = 0x5045_5253_4F4E_2121;
/// One event: its channel first, then how its values are written.
const EVENT: u64 = 0x4556_454E_5421_2121;
/// When a junk-only event happens.
const JUNK: u64 = 0x4A55_4E4B_2121_2121;
/// Which people and steps carry planted values ("PLANTED!").
const PLANT_STREAM: u64 = 0x504C_414E_5445_4421;
/// How a planted value is spelled on one event.
const SPELLING: u64 = 0x5350_454C_4C49_4E47;
/// Where broken lines and replays go.
const EXTRAS: u64 = 0x4558_5452_4153_2121;
/// How many, and which, more of a person's identifiers each event carries
/// ("MOREIDS!"), apart from the walk's stream so that the walk is the same.
const MORE: u64 = 0x4D4F_5245_4944_5321;
/// Typo mode: a person's name, city and postcode ("HOMETOWN").
const HOME: u64 = 0x484F_4D45_544F_574E;
/// Typo mode: which of name, city and postcode an event carries, and how
/// they are written ("ATTRS!!!").
const ATTRS: u64 = 0x4154_5452_5321_2121;
/// Typo mode: which typo a person gets, and how it is made ("TYPOS!!!").
const TYPO: u64 = 0x5459_504F_5321_2121;
/// Typo mode: which pairs of people are near-miss strangers ("NEARMISS").
const NEAR: u64 = 0x4E45_4152_4D49_5353;
/// Products: a person's interests, then each event's product ("PRODUCTS").
const PRODUCT: u64 = 0x5052_4F44_5543_5453;
/// Products: each purchase's order id ("ORDERID!").
const ORDER: u64 = 0x4F52_4445_5249_4421;

/// The most people [`Schedule::new`] accepts: below it, phone numbers are
/// distinct per person (see [`Person::new`]).
pub(crate) const MAX_PEOPLE: usize = 4_000_000;

/// The `person` that [`for_each_event`] passes with a line that is not an
/// event (only with [`Config::garbage`]).
pub(crate) const NOT_AN_EVENT: usize = usize::MAX;

/// A day, in minutes.
const DAY: usize = 24 * 60;

/// What to generate.
///
/// The data set holds about `people * mean_events` events ([`Config::events`]
/// picks `people` for a wanted number of events; [`Config::event_count`] says
/// exactly), plus `people / 50 + 1` junk-only events with
/// [`Config::garbage`]. Events start within the first 20 days of March 2026
/// and a person's next event follows 1 minute to 3 days after the previous.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    /// At most [`MAX_PEOPLE`].
    pub(crate) people: usize,
    /// Events per person are drawn from `1..=2 * mean - 1`.
    pub(crate) mean_events: usize,
    /// Add junk: bad values inside real events, events with only junk, and
    /// lines that are not events at all.
    pub(crate) garbage: bool,
    /// Repeat some lines later in the input (same id: a replay).
    pub(crate) replays: bool,
    /// Plant shared values that wrongly join people: kiosk cookies on web and
    /// app events, a store's or call centre's own phone number on store and
    /// call centre events, a till's address on store events. At least 3 of
    /// each kind, about one per kind per 500 people, each on the events of 30
    /// to 300 people (fewer only when fewer have such events). Everything else
    /// in the data set, truth and event ids included, is the same as without.
    pub(crate) planted: bool,
}

impl Default for Config {
    /// A thousand clean people of five events on average, seed 1.
    fn default() -> Self {
        Config {
            seed: 1,
            people: 1_000,
            mean_events: 5,
            garbage: false,
            replays: false,
            planted: false,
        }
    }
}

impl Config {
    /// The default config sized for about `events` events (people of five
    /// events on average): `Config::events(10_000_000)` is 2,000,000 people.
    pub(crate) fn events(events: usize) -> Self {
        Config::default().with_events(events)
    }

    /// Sets `people` for about `events` events at this `mean_events`; the
    /// total is within a few per mille of `events` from a few thousand on,
    /// and [`Config::event_count`] says exactly.
    pub(crate) fn with_events(mut self, events: usize) -> Self {
        self.people = events.div_ceil(self.mean_events.max(1)).max(1);
        self
    }

    /// Exactly how many distinct events the data set holds (junk-only events
    /// included; replays and lines that are not events not). Cheap: two
    /// random draws per person.
    pub(crate) fn event_count(&self) -> usize {
        (0..self.people)
            .map(|person| self.events_of(person))
            .sum::<usize>()
            + self.junk_events()
    }

    /// How many events `person` has: the first draw of their schedule.
    fn events_of(&self, person: usize) -> usize {
        stream(self.seed, SCHEDULE, person, 0).range(1, 2 * self.mean_events - 1)
    }

    /// How many events hold nothing but junk.
    fn junk_events(&self) -> usize {
        if self.garbage {
            self.people / 50 + 1
        } else {
            0
        }
    }

    /// Which of `person`'s events happens in `minute`: as many as happen
    /// before it.
    fn step_at(&self, person: usize, minute: usize) -> usize {
        let mut before = 0;
        self.minutes(person, |at| before += usize::from(at < minute));
        before
    }

    /// Calls `each` with the minute of each of `person`'s events, in order.
    /// People from `self.people` on are the junk-only events.
    fn minutes(&self, person: usize, mut each: impl FnMut(usize)) {
        if person >= self.people {
            each(stream(self.seed, JUNK, person - self.people, 0).below(20 * DAY));
            return;
        }
        let mut rng = stream(self.seed, SCHEDULE, person, 0);
        let count = rng.range(1, 2 * self.mean_events - 1);
        let mut minute = rng.below(20 * DAY);
        for _ in 0..count {
            each(minute);
            minute += rng.range(1, 3 * DAY);
        }
    }
}

/// Generated input and its truth.
pub(crate) struct Generated {
    pub(crate) jsonl: String,
    /// Every valid event id → the index of its person. Junk-only events get
    /// an index of their own (at or above `people`).
    pub(crate) truth: HashMap<String, usize>,
    /// Event ids in first-appearance order.
    pub(crate) event_ids: Vec<String>,
    /// Every raw identifier value written (for "no raw value leaks" checks).
    pub(crate) raw_values: Vec<String>,
    /// How many junk identifiers the input holds (replays not counted): each
    /// must be rejected, and nothing else may be.
    pub(crate) junk_values: usize,
    /// How many non-blank lines are not events (replays counted): each must
    /// be reported as skipped.
    pub(crate) skipped_lines: usize,
    /// The shared values planted (empty unless [`Config::planted`]).
    pub(crate) planted: Vec<Planted>,
}

/// A value planted on many people's events (see [`Config::planted`]).
#[derive(Debug, Clone)]
pub(crate) struct Planted {
    /// The identifier type as written: `cookie`, `phone` or `email`.
    pub(crate) kind: &'static str,
    /// Every spelling written, in first-use order; all normalize alike.
    /// Only [`generate`] fills this in: [`Schedule::planted`] is known before
    /// any line is written, and at scale the spellings would take tens of
    /// megabytes. A streaming caller collects them from [`Line::values`].
    pub(crate) spellings: Vec<String>,
    /// How many distinct people have an event carrying it.
    pub(crate) people: usize,
}

/// Generates a data set in memory; the same config always gives the same
/// bytes, the same as [`for_each_event`] writes.
pub(crate) fn generate(config: &Config) -> Generated {
    generate_from(&Schedule::new(config))
}

/// Generates the data set of `schedule` in memory, as [`generate`] does.
pub(crate) fn generate_from(schedule: &Schedule) -> Generated {
    let mut out = Generated {
        jsonl: String::new(),
        truth: HashMap::new(),
        event_ids: Vec::new(),
        raw_values: Vec::new(),
        junk_values: 0,
        skipped_lines: 0,
        planted: schedule.planted().to_vec(),
    };
    let mut planted = std::mem::take(&mut out.planted);
    schedule.for_each_line(|line| {
        out.jsonl.push_str(line.text);
        out.jsonl.push('\n');
        match (line.person, line.id()) {
            (Some(person), Some(id)) if !line.replay => {
                out.truth.insert(id.to_owned(), person);
                out.event_ids.push(id.to_owned());
                out.junk_values += line.junk;
                for (role, value) in line.values() {
                    out.raw_values.push(value.to_owned());
                    if let Role::Planted(at) = role {
                        let spellings = &mut planted[at].spellings;
                        if !spellings.iter().any(|known| known == value) {
                            spellings.push(value.to_owned());
                        }
                    }
                }
            }
            (None, _) if !line.text.is_empty() => out.skipped_lines += 1,
            _ => {}
        }
    });
    out.planted = planted;
    out
}

/// Calls `emit(line, person)` for every event in time order: `line` is one
/// JSON Lines event (no newline), `person` the true person (junk-only events
/// get a person of their own, at or above `config.people`).
///
/// Only with [`Config::garbage`] or [`Config::replays`] does it pass more:
/// a line that is not an event comes with [`NOT_AN_EVENT`], and a replay
/// comes again later with the same id and person. Writing every line passed
/// gives the same bytes as [`generate`]'s `jsonl`.
///
/// Memory: 4 bytes per event, with [`Config::planted`] about 40 more per
/// person while planning and 24 per person after, a few megabytes of lines
/// per thread, and with [`Config::replays`] the lines waiting to be
/// replayed: 60 MB in all for 10,000,000 events, 120 MB with every option.
/// [`Schedule::for_each_line`] says more about each line.
pub(crate) fn for_each_event(config: &Config, mut emit: impl FnMut(&str, usize)) {
    Schedule::new(config)
        .for_each_line(|line| emit(line.text, line.person.unwrap_or(NOT_AN_EVENT)));
}

/// One line of the data set, as [`Schedule::for_each_line`] passes it.
pub(crate) struct Line<'a> {
    /// The line, without its newline.
    pub(crate) text: &'a str,
    /// The event's true person; `None` for a line that is not an event.
    pub(crate) person: Option<usize>,
    /// A copy of an earlier line (an event with the same id, or a broken
    /// line again).
    pub(crate) replay: bool,
    /// How many of the event's values are junk (0 on a replay).
    pub(crate) junk: usize,
    /// Every value written, concatenated (empty on a replay).
    raw: &'a str,
    values: &'a [(Role, Range<usize>)],
}

/// What a value written in an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// One of the person's own identifiers.
    Own,
    /// A value no normalizer may accept.
    Junk,
    /// The planted value at this index of [`Schedule::planted`].
    Planted(usize),
    /// One of the person's own identifiers, misspelled (only with
    /// [`Schedule::with_typos`]): it normalizes to no identifier of anyone.
    Typo(Typo),
}

/// A misspelled identifier of typo mode (see [`Schedule::with_typos`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Typo {
    /// An address with a slip in the domain (`gmial.com`, `zigo.nl`).
    EmailDomain,
    /// An address with one letter of the local part deleted, doubled,
    /// swapped with its neighbour or replaced by a key next to it.
    EmailLocal,
    /// A phone number with two adjacent digits swapped.
    PhoneSlip,
}

/// How two people of a near-miss pair look alike (see
/// [`Schedule::near_misses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NearMiss {
    /// The same city and postcode (a household, or neighbours), and names
    /// that differ in the surname (`Jan de Vries`, `Jan de Vos`) or the
    /// first name (`Anna Müller`, `Andrea Müller`).
    SamePlace,
    /// The same name, in another city.
    SameName,
    /// The same name, in another city, and email addresses one letter
    /// apart at the same domain (`jan.devries12@`, `jan.devrie12@`).
    NearEmail,
}

impl<'a> Line<'a> {
    /// The event's id (`ev` and its number in first-appearance order).
    pub(crate) fn id(&self) -> Option<&'a str> {
        self.person?;
        self.text
            .strip_prefix(r#"{"id":""#)
            .and_then(|rest| rest.split('"').next())
    }

    /// Each raw value written in the event, in order, with what it is
    /// (nothing on a replay).
    pub(crate) fn values(&self) -> impl Iterator<Item = (Role, &'a str)> + '_ {
        self.values
            .iter()
            .map(|(role, range)| (*role, &self.raw[range.clone()]))
    }
}

/// When every event happens, and which carry planted values: the first pass.
pub(crate) struct Schedule {
    config: Config,
    /// The person of every event (junk-only events: `people` and up), in
    /// time order; a person's events follow their steps, since their minutes
    /// strictly increase. `u32` halves the largest array.
    persons: Vec<u32>,
    /// `persons[ends[m - 1]..ends[m]]` happen in minute `m`.
    ends: Vec<usize>,
    /// How many identifiers an event aims for before the cap of what its
    /// person has (see [`More`]); `None`: the walk's own.
    more: Option<f64>,
    plan: Plan,
    /// Lines that are not events: (how many events come before, text), in
    /// line order.
    broken: Vec<(usize, String)>,
    /// Copies of earlier lines: (copied line, copy goes after this many
    /// lines), counting events and broken lines only, by the copied line.
    replays: Vec<(usize, usize)>,
    /// Typo mode (see [`Schedule::with_typos`]).
    typos: bool,
    /// Products and orders (see [`Schedule::with_products`]).
    products: bool,
}

impl Schedule {
    /// Draws when every event happens and sorts them by time; with
    /// [`Config::planted`], also who carries which planted value when.
    /// Events carry about 1.9 identifiers each.
    pub(crate) fn new(config: &Config) -> Self {
        Schedule::build(config, None)
    }

    /// [`Schedule::new`], with events that carry about `mean` identifiers
    /// each (junk and planted values not counted) by adding more of their
    /// person's own. At or below the walk's own mean of about 1.9, the data
    /// set is the same as [`Schedule::new`]'s. A person has 2 to 11
    /// identifiers, 6.6 on average, and a cookie or chat session is added
    /// only to an event without one, so means above about 4.5 fall short;
    /// [`Schedule::identifiers_per_event`] says what it came to.
    pub(crate) fn with_identifiers_per_event(config: &Config, mean: f64) -> Self {
        Schedule::build(config, More::calibrate(config, mean))
    }

    fn build(config: &Config, more: Option<f64>) -> Self {
        assert!(
            config.people <= MAX_PEOPLE,
            "at most {MAX_PEOPLE} people ({} asked)",
            config.people
        );
        assert!(config.mean_events >= 1, "a mean of at least one event");
        let people = config.people + config.junk_events();
        // A counting sort on the minute; people go in in order, so the events
        // of one minute are by person, and the sort is (minute, person).
        let mut ends: Vec<usize> = Vec::new();
        for person in 0..people {
            config.minutes(person, |minute| {
                if minute >= ends.len() {
                    ends.resize(minute + 1, 0);
                }
                ends[minute] += 1;
            });
        }
        let mut next = 0;
        for count in &mut ends {
            next += *count;
            *count = next - *count;
        }
        // `ends` holds each minute's start now, and each minute's end once
        // its events are in.
        let mut persons = vec![0u32; next];
        for person in 0..people {
            config.minutes(person, |minute| {
                persons[ends[minute]] = person as u32;
                ends[minute] += 1;
            });
        }
        let plan = if config.planted {
            Plan::new(config, more, &persons, &ends)
        } else {
            Plan::default()
        };
        let mut schedule = Schedule {
            config: config.clone(),
            persons,
            ends,
            more,
            plan,
            broken: Vec::new(),
            replays: Vec::new(),
            typos: false,
            products: false,
        };
        schedule.extras();
        schedule
    }

    /// The same data set in typo mode, for evaluating fuzzy matching (see
    /// the module docs): people get names, cities and postcodes, which
    /// store, chat, call centre and CRM events carry in `attrs`; about 5 %
    /// of people get an email typo and 2 % a phone digit slip, each on an
    /// event that nothing else joins to them; and about 6 % of people are
    /// near-miss strangers in pairs. Event ids, times and the truth stay as
    /// they are. Typo mode only ever changes each event's text, from streams
    /// of its own: the schedule is the same. Writing takes about a third
    /// more time (more draws per event, and 14 % more bytes).
    pub(crate) fn with_typos(mut self) -> Self {
        self.typos = true;
        self
    }

    /// The same data set with products and orders, for journey metrics
    /// such as product-level ROPO: web and app page views and searches,
    /// and purchases and store returns, carry a `product` (`sku-0001` to
    /// `sku-0400`); about a quarter of the page views become `add_to_cart`;
    /// purchases carry an `order_id`, and web and app purchases an
    /// `order_value` too (store events have one already); a store return
    /// brings back the person's latest earlier online order, else their
    /// latest store order, with its `order_id` and product, when they have
    /// one.
    ///
    /// Each person is interested in 1 to 3 products; 80 % of their
    /// research and purchases concern one of those, the rest any product.
    /// Products only ever add attributes and turn page views into carts,
    /// from streams of their own: identifiers, ids, times and the truth
    /// are the same as without, and so is every other byte of an event.
    pub(crate) fn with_products(mut self) -> Self {
        self.products = true;
        self
    }

    /// Whether the schedule writes products and orders.
    pub(crate) fn products(&self) -> bool {
        self.products
    }

    /// Whether the schedule writes in typo mode.
    pub(crate) fn typos(&self) -> bool {
        self.typos
    }

    /// The near-miss pairs of typo mode, by person: none without it. People
    /// `2k` and `2k + 1` are a pair or not, and the second of a pair takes
    /// after the first.
    pub(crate) fn near_misses(&self) -> Vec<(usize, usize, NearMiss)> {
        if !self.typos {
            return Vec::new();
        }
        (0..self.config.people / 2)
            .filter_map(|pair| {
                near_miss(self.config.seed, pair).map(|kind| (2 * pair, 2 * pair + 1, kind))
            })
            .collect()
    }

    /// Places the broken lines and the replays.
    fn extras(&mut self) {
        let config = &self.config;
        let mut rng = stream(config.seed, EXTRAS, 0, 0);
        let events = self.persons.len();
        if config.garbage {
            // Lines that are not events: skipped and reported, never in the truth.
            for n in 0..config.people / 100 + 1 {
                let before = rng.below(events + 1);
                let text = match n % 4 {
                    0 => format!(r#"{{"id":"broken{n}","identifiers":[{{"type":"cookie","#),
                    1 => format!(
                        r#"{{"ts":"2026-03-01T00:00:00Z","identifiers":[{{"type":"cookie","value":"ck_noid{n}"}}]}}"#
                    ),
                    2 => "not json at all".to_owned(),
                    _ => String::new(),
                };
                self.broken.push((before, text));
            }
            self.broken.sort_by_key(|(before, _)| *before);
        }
        if config.replays {
            let lines = events + self.broken.len();
            for _ in 0..lines / 100 + 1 {
                let from = rng.below(lines);
                self.replays.push((from, rng.range(from + 1, lines)));
            }
            self.replays.sort_unstable();
        }
    }

    /// How many distinct events the data set holds.
    pub(crate) fn events(&self) -> usize {
        self.persons.len()
    }

    /// The mean number of their person's identifiers that the people's
    /// events carry (junk-only events, junk and planted values not
    /// counted), estimated from a sample of up to 10,000 people: within a
    /// few hundredths of what the lines hold.
    pub(crate) fn identifiers_per_event(&self) -> f64 {
        More::mean(&self.config, self.more)
    }

    /// The values planted, with `spellings` left empty (see
    /// [`Planted::spellings`]).
    pub(crate) fn planted(&self) -> &[Planted] {
        &self.plan.values
    }

    /// Calls `emit` for every line in order: the events by time (ids `ev0`,
    /// `ev1`, … in that order), broken lines and replays among them.
    pub(crate) fn for_each_line(&self, mut emit: impl FnMut(&Line<'_>)) {
        let mut lines = Lines {
            emit: &mut emit,
            written: 0,
            broken: self.broken.iter().peekable(),
            replays: &self.replays,
            next_copy: 0,
            waiting: BTreeMap::new(),
        };
        // Each event is a function of its number, so workers write chunks
        // of them side by side and this thread passes them on in order.
        let events = self.events();
        let chunks = events.div_ceil(CHUNK);
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8)
            .min(chunks.max(1));
        std::thread::scope(|scope| {
            // Per worker: written chunks one way, emptied ones back, so
            // their buffers are reused instead of freshly paged in.
            let workers: Vec<(Receiver<Chunk>, SyncSender<Chunk>)> = (0..workers)
                .map(|worker| {
                    // Two chunks ahead at most: memory stays a few megabytes.
                    let (send, receive) = sync_channel(2);
                    let (give_back, given_back) = sync_channel::<Chunk>(4);
                    scope.spawn(move || {
                        for chunk in (worker..chunks).step_by(workers) {
                            let mut out = given_back.try_recv().unwrap_or_default();
                            self.chunk(chunk, &mut out);
                            if send.send(out).is_err() {
                                return; // The caller panicked.
                            }
                        }
                    });
                    (receive, give_back)
                })
                .collect();
            for chunk in 0..chunks {
                let (receive, give_back) = &workers[chunk % workers.len()];
                let written = receive.recv().expect("a generator thread panicked");
                let (mut text, mut values) = (0, 0);
                for (at, event) in written.events.iter().enumerate() {
                    lines.broken_before(chunk * CHUNK + at);
                    lines.push(&Line {
                        text: &written.text[text..event.text_end],
                        person: Some(event.person),
                        replay: false,
                        junk: event.junk,
                        raw: &written.raw,
                        values: &written.values[values..event.values_end],
                    });
                    (text, values) = (event.text_end, event.values_end);
                }
                // The worker may be done, or have enough buffers.
                let _ = give_back.try_send(written);
            }
        });
        lines.broken_before(events);
    }

    /// Writes the events of chunk number `chunk`.
    fn chunk(&self, chunk: usize, out: &mut Chunk) {
        let events = chunk * CHUNK..((chunk + 1) * CHUNK).min(self.events());
        let mut render = Render {
            out: std::mem::take(out),
            ..Render::default()
        };
        render.out.clear();
        let mut minute = self.ends.partition_point(|&end| end <= events.start);
        let mut ts = String::new();
        timestamp(&mut ts, minute);
        let carriers = &self.plan.carriers;
        let mut carried = carriers.partition_point(|&(at, _)| at < events.start);
        for event in events {
            let planted = carried;
            while carriers.get(carried).is_some_and(|&(at, _)| at == event) {
                carried += 1;
            }
            if self.ends[minute] <= event {
                minute += self.ends[minute..].partition_point(|&end| end <= event);
                ts.clear();
                timestamp(&mut ts, minute);
            }
            let person = self.persons[event] as usize;
            let step = self.config.step_at(person, minute);
            render.event(self, &carriers[planted..carried], event, &ts, person, step);
        }
        *out = render.out;
    }
}

/// How many events a thread writes at a time.
const CHUNK: usize = 4096;

/// Events written by one thread: their lines and values, concatenated.
#[derive(Default)]
struct Chunk {
    text: String,
    raw: String,
    /// Each value's role and place in `raw`.
    values: Vec<(Role, Range<usize>)>,
    events: Vec<Written>,
}

impl Chunk {
    fn clear(&mut self) {
        self.text.clear();
        self.raw.clear();
        self.values.clear();
        self.events.clear();
    }
}

/// Where one event of a [`Chunk`] ends, and its truth.
struct Written {
    person: usize,
    junk: usize,
    text_end: usize,
    values_end: usize,
}

/// Puts broken lines and replays among the events, in order.
struct Lines<'s, 'e, F> {
    emit: &'e mut F,
    /// Lines written so far, not counting replays.
    written: usize,
    broken: std::iter::Peekable<std::slice::Iter<'s, (usize, String)>>,
    /// (copied line, goes after this many lines), by copied line.
    replays: &'s [(usize, usize)],
    next_copy: usize,
    /// Copies taken, not yet written: (goes after, replay) → (text, person).
    /// At ten million events, tens of thousands wait at a time.
    waiting: BTreeMap<(usize, usize), (String, Option<usize>)>,
}

impl<F: FnMut(&Line<'_>)> Lines<'_, '_, F> {
    /// Writes the broken lines that come before event number `event`.
    fn broken_before(&mut self, event: usize) {
        while let Some((_, text)) = self.broken.next_if(|(before, _)| *before == event) {
            self.push(&Line {
                text,
                person: None,
                replay: false,
                junk: 0,
                raw: "",
                values: &[],
            });
        }
    }

    /// Writes `line`, keeps copies of it for later, and writes the copies
    /// due after it.
    fn push(&mut self, line: &Line<'_>) {
        (self.emit)(line);
        while let Some(&(from, after)) = self.replays.get(self.next_copy) {
            if from != self.written {
                break;
            }
            self.waiting
                .insert((after, self.next_copy), (line.text.to_owned(), line.person));
            self.next_copy += 1;
        }
        self.written += 1;
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 != self.written {
                break;
            }
            let (text, person) = entry.remove();
            (self.emit)(&Line {
                text: &text,
                person,
                replay: true,
                junk: 0,
                raw: "",
                values: &[],
            });
        }
    }
}

/// Which events carry which planted value.
#[derive(Default)]
struct Plan {
    values: Vec<Planted>,
    /// Per value: which of [`PLANTED_KINDS`], and its number within the kind.
    specs: Vec<(usize, usize)>,
    /// (event number, value), by event, in planting order: writing reads
    /// it front to back, where a table by person would cost a cache miss on
    /// every event.
    carriers: Vec<(usize, u32)>,
}

const PLANTED_KINDS: [&str; 3] = ["cookie", "phone", "email"];

impl Plan {
    /// Plants the shared values of [`Config::planted`]. Planting draws from
    /// streams of its own, so every other part of the data set is the same
    /// with or without it.
    fn new(config: &Config, more: Option<f64>, persons: &[u32], ends: &[usize]) -> Self {
        // Who has events where each kind gets typed in.
        let mut candidates: [Vec<u32>; 3] = Default::default();
        for person in 0..config.people {
            let mut kinds = [false; 3];
            each_channel(config, more, person, |_, channel| {
                for (kind, has) in kinds.iter_mut().enumerate() {
                    *has |= fits(kind, channel);
                }
            });
            for (kind, has) in kinds.into_iter().enumerate() {
                if has {
                    candidates[kind].push(person as u32);
                }
            }
        }
        let mut rng = stream(config.seed, PLANT_STREAM, 0, 0);
        let per_kind = (config.people / 500).max(3);
        let mut plan = Plan::default();
        let mut own: Vec<u32> = Vec::new();
        // (person, step, value)
        let mut carriers: Vec<(u32, u32, u32)> = Vec::new();
        for (kind, candidates) in candidates.iter_mut().enumerate() {
            for n in 0..per_kind {
                // A partial shuffle: the first `count` candidates are the people.
                let count = rng.range(30, 300).min(candidates.len());
                for i in 0..count {
                    let j = rng.range(i, candidates.len() - 1);
                    candidates.swap(i, j);
                }
                let value = plan.values.len() as u32;
                for &person in &candidates[..count] {
                    own.clear();
                    each_channel(config, more, person as usize, |step, channel| {
                        if fits(kind, channel) {
                            own.push(step as u32);
                        }
                    });
                    shuffle(&mut own, &mut rng);
                    for &step in own.iter().take(rng.range(1, 2)) {
                        carriers.push((person, step, value));
                    }
                }
                // Too few people with such events leaves nothing to plant.
                if count > 0 {
                    plan.values.push(Planted {
                        kind: PLANTED_KINDS[kind],
                        spellings: Vec::new(),
                        people: count,
                    });
                    plan.specs.push((kind, n));
                }
            }
        }
        // The event number of (person, step): its minute's events are by
        // person.
        plan.carriers = carriers
            .into_iter()
            .map(|(person, step, value)| {
                let mut minute = 0;
                let mut at = 0;
                config.minutes(person as usize, |m| {
                    if at == step {
                        minute = m;
                    }
                    at += 1;
                });
                let start = minute.checked_sub(1).map_or(0, |m| ends[m]);
                let within = persons[start..ends[minute]]
                    .binary_search(&person)
                    .expect("the person has an event in that minute");
                (start + within, value)
            })
            .collect();
        plan.carriers.sort_by_key(|&(event, _)| event);
        plan
    }

    /// The planted values of `carriers` (one event's): (value, kind, number).
    fn on<'a>(
        &'a self,
        carriers: &'a [(usize, u32)],
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        carriers.iter().map(|&(_, value)| {
            let (kind, n) = self.specs[value as usize];
            (value as usize, kind, n)
        })
    }
}

/// Whether a planted value of kind `kind` gets typed in on `channel`: a
/// cookie on the web or in the app, a phone number by staff on the phone or
/// at the till, an address at the till. Events without a channel are left
/// alone.
fn fits(kind: usize, channel: Option<&str>) -> bool {
    let Some(channel) = channel else {
        return false;
    };
    match PLANTED_KINDS[kind] {
        "cookie" => matches!(channel, "web" | "app"),
        "phone" => matches!(channel, "call_center" | "store"),
        _ => channel == "store",
    }
}

/// Calls `each(step, written channel)` for each of `person`'s events.
fn each_channel(
    config: &Config,
    more: Option<f64>,
    person: usize,
    mut each: impl FnMut(usize, Option<&'static str>),
) {
    let (who, mut walk) = Person::new(config.seed, person, more);
    for step in 0..config.events_of(person) {
        let chosen = walk.step();
        let mut rng = stream(config.seed, EVENT, person, step);
        each(step, decide(&who, &chosen, &mut rng).written);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Country {
    Nl,
    De,
    Fi,
}

/// One identifier of a person, as numbers; written out only when used.
#[derive(Debug, Clone, Copy)]
enum Id {
    /// `first.last<person>` at the domain.
    Email {
        domain: &'static str,
    },
    /// A mobile number in the person's country: `head` (the national
    /// prefix, which is also where the number splits into area and rest)
    /// then `tail`, zero-padded.
    Phone {
        head: u16,
        tail: u32,
    },
    /// `88` and the person's number.
    Card,
    Cookie {
        serial: u64,
        tag: u16,
    },
    Chat {
        channel: &'static str,
        serial: u64,
        tag: u16,
    },
}

/// A person's identities: at most 3 emails, 2 phones, a card, 3 cookies and
/// 2 chat sessions.
const MAX_IDS: usize = 11;

struct Person {
    index: usize,
    first: &'static str,
    last: &'static str,
    country: Country,
    ids: [Id; MAX_IDS],
    len: usize,
}

/// Where a person's walk is: each event keeps one identifier of the previous
/// one, brings the next unused identifier, and sometimes one more at random;
/// then, with [`More`], more of the person's own.
struct Walk {
    rng: Rng,
    unused: [u8; MAX_IDS],
    unused_len: usize,
    previous: Chosen,
    ids: usize,
    /// Bit `i` set: `Person::ids[i]` is a cookie or a chat session, a
    /// device of which one event rarely carries two.
    devices: u16,
    more: Option<More>,
}

/// More of a person's identifiers on each event: the event aims for
/// `floor(target + u)` identifiers, `u` uniform in `0..1`, adding its
/// person's own identifiers at random, but no device when it has one. The
/// walk alone keeps each person one connected component, and the additions
/// stay within the person, so the truth holds as it is. Drawn from a stream
/// of its own and not fed back into the walk, so that the walk is the same
/// with or without.
struct More {
    rng: Rng,
    target: f64,
}

impl More {
    /// How many people [`More::mean`] samples at most.
    const SAMPLE: usize = 10_000;

    /// The target that gives about `mean` identifiers per event, by
    /// bisection over a sample of people (the mean only grows with the
    /// target); `None` when the walk alone carries as many.
    fn calibrate(config: &Config, mean: f64) -> Option<f64> {
        if mean.is_nan() || mean <= More::mean(config, None) {
            return None;
        }
        let (mut low, mut high) = (1.0, MAX_IDS as f64);
        if More::mean(config, Some(high)) <= mean {
            return Some(high); // As many as the people have.
        }
        for _ in 0..30 {
            let middle = (low + high) / 2.0;
            if More::mean(config, Some(middle)) < mean {
                low = middle;
            } else {
                high = middle;
            }
        }
        Some(high)
    }

    /// The mean identifiers per event of up to [`More::SAMPLE`] people,
    /// spread evenly over all of them.
    fn mean(config: &Config, more: Option<f64>) -> f64 {
        let stride = config.people.div_ceil(More::SAMPLE).max(1);
        let (mut events, mut identifiers) = (0usize, 0usize);
        for person in (0..config.people).step_by(stride) {
            let (_, mut walk) = Person::new(config.seed, person, more);
            for _ in 0..config.events_of(person) {
                identifiers += walk.step().len;
                events += 1;
            }
        }
        identifiers as f64 / events.max(1) as f64
    }

    /// Adds to `chosen` up to its target of the person's other
    /// identifiers.
    fn add(&mut self, chosen: &mut Chosen, ids: usize, devices: u16) {
        let wanted = (self.target + self.rng.fraction()) as usize;
        let mut taken = chosen
            .as_slice()
            .iter()
            .fold(0u16, |bits, &at| bits | 1 << at);
        while chosen.len < wanted {
            let open = if taken & devices != 0 {
                taken | devices
            } else {
                taken
            };
            let left = (0..ids).filter(|&at| open & 1 << at == 0);
            let count = left.clone().count();
            if count == 0 {
                break;
            }
            let at = left
                .clone()
                .nth(self.rng.below(count))
                .expect("below count");
            chosen.push(at);
            taken |= 1 << at;
        }
    }
}

/// The identifiers of one event, as indices into [`Person::ids`].
#[derive(Default, Clone, Copy)]
struct Chosen {
    at: [u8; MAX_IDS],
    len: usize,
}

impl Chosen {
    fn push(&mut self, id: usize) {
        self.at[self.len] = id as u8;
        self.len += 1;
    }

    fn as_slice(&self) -> &[u8] {
        &self.at[..self.len]
    }

    /// Bit `i` set: `Person::ids[i]` is chosen.
    fn bits(&self) -> u16 {
        self.as_slice().iter().fold(0, |bits, &at| bits | 1 << at)
    }
}

const FIRST: &[&str] = &[
    "jan", "anna", "pieter", "sanne", "lukas", "mia", "aino", "eero", "sofia", "max", "noor",
    "timo",
];
const LAST: &[&str] = &[
    "devries", "jansen", "bakker", "mueller", "schmidt", "virtanen", "korhonen", "visser", "smit",
    "weber",
];
/// Domains without provider rules, then gmail (dots and `+tags` fold).
const DOMAINS: [&str; 6] = [
    "example.com",
    "ziggo.nl",
    "kpn.nl",
    "web.de",
    "elisa.fi",
    "gmail.com",
];
const CHAT_CHANNELS: &[&str] = &["chat", "whatsapp", "messenger"];
/// Where a shared device stands, for kiosk and family-PC cookies.
const KIOSKS: &[&str] = &["library", "station", "store", "hotel", "school", "familypc"];
/// Cities with their two-digit area code, for a store's line and till.
const CITIES: &[(&str, &str)] = &[
    ("utrecht", "30"),
    ("amsterdam", "20"),
    ("rotterdam", "10"),
    ("denhaag", "70"),
    ("eindhoven", "40"),
    ("groningen", "50"),
];
/// Who types their own address in for a customer without one.
const TILLS: &[&str] = &["kassa", "balie", "filiaal"];

impl Person {
    /// Person `index`'s identities, and their walk at the start.
    ///
    /// Values are unique per person by construction: emails and the card
    /// carry the person's number, cookies and chat sessions a serial of
    /// `8 * index` and up, and a phone number's last 7 (8 in NL) digits are
    /// `n * 7919 + 1234567` for `n = 2 * index + slot`, distinct for every
    /// `n` below 10^7 since 7919 is coprime to 10: [`MAX_PEOPLE`] keeps `n`
    /// below 8 * 10^6. The one number of those that the default blocklist
    /// would reject (`044-4444444`) moves to a prefix nobody has.
    fn new(seed: u64, index: usize, more: Option<f64>) -> (Person, Walk) {
        let mut rng = stream(seed, PERSON, index, 0);
        let mut person = Person {
            index,
            first: FIRST[rng.below(FIRST.len())],
            last: LAST[rng.below(LAST.len())],
            country: Country::Nl,
            ids: [Id::Card; MAX_IDS],
            len: 0,
        };
        let push = |person: &mut Person, id| {
            person.ids[person.len] = id;
            person.len += 1;
        };
        let mut domains = DOMAINS;
        shuffle(&mut domains, &mut rng);
        for &domain in &domains[..rng.range(1, 3)] {
            push(&mut person, Id::Email { domain });
        }
        person.country = *rng.pick(&[
            Country::Nl,
            Country::Nl,
            Country::Nl,
            Country::De,
            Country::Fi,
        ]);
        for slot in 0..rng.range(0, 2) {
            let head = match person.country {
                Country::Nl => 6,
                Country::De => *rng.pick(&[151, 152, 157]),
                Country::Fi => *rng.pick(&[40, 44, 50]),
            };
            let phone = mobile(person.country, (index * 2 + slot) as u64, head);
            push(&mut person, phone);
        }
        if rng.chance(0.6) {
            push(&mut person, Id::Card);
        }
        let mut serial = index as u64 * 8;
        for _ in 0..rng.range(1, 3) {
            let tag = rng.below(0x10000) as u16;
            push(&mut person, Id::Cookie { serial, tag });
            serial += 1;
        }
        for _ in 0..rng.range(0, 2) {
            let channel = *rng.pick(CHAT_CHANNELS);
            let tag = rng.below(0x1000) as u16;
            push(
                &mut person,
                Id::Chat {
                    channel,
                    serial,
                    tag,
                },
            );
            serial += 1;
        }
        let mut unused = [0u8; MAX_IDS];
        for (at, slot) in unused.iter_mut().enumerate() {
            *slot = at as u8;
        }
        shuffle(&mut unused[..person.len], &mut rng);
        let devices = person.ids[..person.len]
            .iter()
            .enumerate()
            .filter(|(_, id)| matches!(id, Id::Cookie { .. } | Id::Chat { .. }))
            .fold(0u16, |bits, (at, _)| bits | 1 << at);
        let walk = Walk {
            rng,
            unused,
            unused_len: person.len,
            previous: Chosen::default(),
            ids: person.len,
            devices,
            more: more.map(|target| More {
                rng: stream(seed, MORE, index, 0),
                target,
            }),
        };
        (person, walk)
    }
}

/// Mobile number `n` (from `2 * person + slot`) of `country`, after the
/// national prefix `head` (see [`Person::new`]).
fn mobile(country: Country, n: u64, head: u16) -> Id {
    let tail = |n: u64, modulus: u64| ((n * 7919 + 1_234_567) % modulus) as u32;
    match country {
        Country::Nl => {
            // 06-66666666 and 06-78901234 are blocklisted patterns (from
            // `n` far above 2 * MAX_PEOPLE, but the check is cheap); no
            // person has an `n` from 2 * MAX_PEOPLE on.
            let mut n = n;
            while blocklisted(6, 8, tail(n, 100_000_000)) {
                n += 2 * MAX_PEOPLE as u64;
            }
            Id::Phone {
                head: 6,
                tail: tail(n, 100_000_000),
            }
        }
        _ => {
            // 044-4444444 is a blocklisted pattern; nobody else gets 045 (or
            // 0159 in Germany, where no number is blocklisted).
            let tail = tail(n, 10_000_000);
            let spare = if country == Country::Fi { 45 } else { 159 };
            let head = if blocklisted(head, 7, tail) {
                spare
            } else {
                head
            };
            Id::Phone { head, tail }
        }
    }
}

/// Whether the national number `head` then `tail` (zero-padded to `width`
/// digits) is one digit repeated or a run of ascending digits, which the
/// default blocklist rejects.
fn blocklisted(head: u16, width: u32, tail: u32) -> bool {
    // Most numbers end in two digits that fit neither pattern.
    let (last, before) = (tail % 10, tail / 10 % 10);
    if last != before && last != (before + 1) % 10 {
        return false;
    }
    let mut number = u64::from(head) * 10u64.pow(width) + u64::from(tail);
    // Last digit first.
    let mut digits = [0u8; 20];
    let mut len = 0;
    while number > 0 {
        digits[len] = (number % 10) as u8;
        number /= 10;
        len += 1;
    }
    let digits = &digits[..len];
    digits.iter().all(|&d| d == digits[0]) || digits.windows(2).all(|w| w[0] == (w[1] + 1) % 10)
}

impl Walk {
    /// The identifiers of the person's next event.
    fn step(&mut self) -> Chosen {
        let rng = &mut self.rng;
        let mut chosen = Chosen::default();
        if self.previous.len > 0 {
            chosen.push(*rng.pick(self.previous.as_slice()) as usize);
        }
        if self.unused_len > 0 {
            self.unused_len -= 1;
            chosen.push(self.unused[self.unused_len] as usize);
        }
        if chosen.len < 3 && rng.chance(0.3) {
            chosen.push(rng.below(self.ids));
        }
        if chosen.len == 0 {
            chosen.push(rng.below(self.ids));
        }
        // Drop repeats: consecutive ones, then a third like the first.
        let mut kept = Chosen::default();
        for &at in chosen.as_slice() {
            if kept.len == 0 || kept.at[kept.len - 1] != at {
                kept.push(at as usize);
            }
        }
        if kept.len == 3 && kept.at[0] == kept.at[2] {
            kept.len = 2;
        }
        self.previous = kept;
        if let Some(more) = &mut self.more {
            more.add(&mut kept, self.ids, self.devices);
        }
        kept
    }
}

/// Where an event happens and what it is.
struct Decision {
    /// The channel written (none on 5 % of events).
    written: Option<&'static str>,
    /// The channel the identifiers point to.
    channel: &'static str,
    kind: &'static str,
}

/// The channel follows the identifiers: a chat session's own channel, a card
/// at the till, a cookie on the web, a phone at the call centre. The first
/// draws of the event's stream, so that planting can find the channel
/// without writing the event.
fn decide(person: &Person, chosen: &Chosen, rng: &mut Rng) -> Decision {
    let ids = || chosen.as_slice().iter().map(|&at| person.ids[at as usize]);
    let chat = ids().find_map(|id| match id {
        Id::Chat { channel, .. } => Some(channel),
        _ => None,
    });
    let (channel, kind) = if let Some(channel) = chat {
        (channel, "chat_message")
    } else if ids().any(|id| matches!(id, Id::Card)) {
        ("store", *rng.pick(&["purchase", "loyalty_scan", "return"]))
    } else if ids().any(|id| matches!(id, Id::Cookie { .. })) {
        (
            *rng.pick(&["web", "app"]),
            *rng.pick(&["page_view", "search", "login", "purchase"]),
        )
    } else if ids().any(|id| matches!(id, Id::Phone { .. })) {
        ("call_center", "support_call")
    } else {
        (
            *rng.pick(&["email", "crm"]),
            *rng.pick(&["email_open", "coupon_redeem", "signup"]),
        )
    };
    Decision {
        written: (!rng.chance(0.05)).then_some(channel),
        channel,
        kind,
    }
}

/// Products a catalogue holds (see [`Schedule::with_products`]).
const CATALOGUE: usize = 400;

/// The product, order and kind of one event with products on.
struct Goods {
    /// The kind written: the decision's, or `add_to_cart` for a page view.
    kind: &'static str,
    /// Index in the catalogue.
    product: Option<u32>,
    /// The order id's 48 bits.
    order: Option<u64>,
    /// An online purchase's value, in euros and cents.
    value: Option<(u32, u32)>,
}

impl Goods {
    /// What person `p`'s step `step` concerns, given its `decision` and
    /// the identifiers of the person's earlier events; `None` for events
    /// about no product (logins, scans, chats, calls, mail).
    fn of(
        seed: u64,
        p: usize,
        step: usize,
        decision: &Decision,
        person: &Person,
        history: &[Chosen],
    ) -> Option<Goods> {
        let online = matches!(decision.channel, "web" | "app");
        let mut goods = Goods {
            kind: decision.kind,
            product: None,
            order: None,
            value: None,
        };
        match (decision.kind, online) {
            ("page_view" | "search", true) => {
                let mut rng = stream(seed, PRODUCT, p, step + 1);
                goods.product = Some(product_of(seed, p, &mut rng));
                if decision.kind == "page_view" && rng.chance(0.25) {
                    goods.kind = "add_to_cart";
                }
            }
            ("purchase", _) => {
                let mut rng = stream(seed, PRODUCT, p, step + 1);
                goods.product = Some(product_of(seed, p, &mut rng));
                goods.order = Some(order_of(seed, p, step));
                if online {
                    goods.value = Some((rng.range(5, 400) as u32, rng.below(100) as u32));
                }
            }
            ("return", false) => {
                // The latest earlier online order, else the latest in store:
                // its id and product.
                let mut bought = None;
                for s in (0..step).rev() {
                    let earlier = decide(person, &history[s], &mut stream(seed, EVENT, p, s));
                    if earlier.kind == "purchase" {
                        bought.get_or_insert(s);
                        if matches!(earlier.channel, "web" | "app") {
                            bought = Some(s);
                            break;
                        }
                    }
                }
                let mut rng = stream(seed, PRODUCT, p, bought.unwrap_or(step) + 1);
                goods.product = Some(product_of(seed, p, &mut rng));
                goods.order = bought.map(|s| order_of(seed, p, s));
            }
            _ => return None,
        }
        Some(goods)
    }
}

/// The product of an event of person `p`, drawn from the event's `rng`:
/// mostly one of the person's 1 to 3 interests.
fn product_of(seed: u64, p: usize, rng: &mut Rng) -> u32 {
    if rng.chance(0.8) {
        let mut interests = stream(seed, PRODUCT, p, 0);
        let count = interests.range(1, 3);
        let pick = rng.below(count);
        for _ in 0..pick {
            interests.below(CATALOGUE);
        }
        interests.below(CATALOGUE) as u32
    } else {
        rng.below(CATALOGUE) as u32
    }
}

/// The order id of person `p`'s purchase at `step`: 48 random bits, the
/// same wherever the order is named.
fn order_of(seed: u64, p: usize, step: usize) -> u64 {
    stream(seed, ORDER, p, step).next_u64() >> 16
}

/// Writes events one after the other into a [`Chunk`].
#[derive(Default)]
struct Render {
    out: Chunk,
    /// The value being spelled.
    value: String,
    /// Junk values in the event being written.
    junk: usize,
    /// The identifiers of the person's earlier events, with products on.
    history: Vec<Chosen>,
}

impl Render {
    /// Writes event number `event`, person `p`'s step `step`, at `ts`,
    /// with the planted values of `carriers`.
    fn event(
        &mut self,
        schedule: &Schedule,
        carriers: &[(usize, u32)],
        event: usize,
        ts: &str,
        p: usize,
        step: usize,
    ) {
        let config = &schedule.config;
        self.junk = 0;
        self.out.text.push_str(r#"{"id":"ev"#);
        push_int(&mut self.out.text, event as u64);
        self.out.text.push_str(r#"","ts":""#);
        self.out.text.push_str(ts);
        self.out.text.push('"');
        // Unique where it can be, so that even a too-lenient normalizer
        // cannot merge people through junk.
        let junk_tag = event as u64 * 4;
        if p >= config.people {
            // An event whose every identifier is junk: a profile of its own.
            let mut rng = stream(config.seed, EVENT, p, 0);
            self.out.text.push_str(r#","identifiers":["#);
            for n in 0..rng.range(1, 2) {
                self.junk(&mut rng, junk_tag + n as u64);
            }
            self.out.text.push_str("]}");
            self.done(p);
            return;
        }
        let (person, mut walk) = Person::new(config.seed, p, schedule.more);
        let mut chosen = walk.step();
        // Bit `i` set: `person.ids[i]` is on an earlier event.
        let mut earlier = 0u16;
        self.history.clear();
        for _ in 0..step {
            earlier |= chosen.bits();
            if schedule.products {
                self.history.push(chosen);
            }
            chosen = walk.step();
        }
        let home = schedule.typos.then(|| Home::of(config, p, &person));
        if let Some(home) = &home {
            if let Some(typo) = TypoEvent::plan(config, p, step, &person, earlier) {
                self.typo_event(schedule, carriers, p, step, &person, home, typo);
                return;
            }
        }
        let mut rng = stream(config.seed, EVENT, p, step);
        let decision = decide(&person, &chosen, &mut rng);
        let goods = schedule
            .products
            .then(|| Goods::of(config.seed, p, step, &decision, &person, &self.history))
            .flatten();
        if let Some(channel) = decision.written {
            self.channel(channel, goods.as_ref().map_or(decision.kind, |g| g.kind));
        }
        self.out.text.push_str(r#","identifiers":["#);
        // The country of a phone written in national format, unless NL.
        let mut country = None;
        for &at in chosen.as_slice() {
            self.value.clear();
            match person.ids[at as usize] {
                Id::Email { domain } => {
                    match &home {
                        Some(home) => {
                            home.local(&mut self.value);
                            spell_email(&mut self.value, home.domain(domain), &mut rng);
                        }
                        None => {
                            self.value.push_str(person.first);
                            self.value.push('.');
                            self.value.push_str(person.last);
                            push_int(&mut self.value, person.index as u64);
                            spell_email(&mut self.value, domain, &mut rng);
                        }
                    }
                    self.push("email", None, Role::Own);
                }
                Id::Phone { head, tail } => {
                    if spell_phone(&mut self.value, person.country, head, tail, &mut rng)
                        && person.country != Country::Nl
                    {
                        country = Some(person.country);
                    }
                    self.push("phone", None, Role::Own);
                }
                Id::Card => {
                    self.value.push_str("88");
                    push_padded(&mut self.value, person.index as u64, 10);
                    match rng.below(3) {
                        0 => {}
                        n => {
                            let gap = if n == 1 { '-' } else { ' ' };
                            self.value.insert(8, gap);
                            self.value.insert(4, gap);
                        }
                    }
                    self.push("loyalty_card", None, Role::Own);
                }
                Id::Cookie { serial, tag } => self.cookie(serial, tag),
                Id::Chat {
                    channel,
                    serial,
                    tag,
                } => {
                    // Qualify the session itself when the event's channel is not its own.
                    let qualify = decision.written != Some(channel) || rng.chance(0.1);
                    self.chat(channel, serial, tag, qualify);
                }
            }
        }
        let store =
            (decision.channel == "store").then(|| (rng.below(40), rng.below(300), rng.below(100)));
        if config.garbage && rng.chance(0.05) {
            self.junk(&mut rng, junk_tag);
        }
        self.planted(schedule, carriers, p, step, country);
        self.out.text.push(']');
        let place = home.as_ref().map(|home| {
            let mut rng = stream(config.seed, ATTRS, p, step);
            let [name, city, postcode] = attr_odds(decision.channel, decision.kind)
                .map(|odds| odds > 0.0 && rng.chance(odds));
            Place {
                home,
                name,
                city,
                postcode,
                rng,
            }
        });
        self.attrs(country, store, goods.as_ref(), place);
        self.out.text.push('}');
        self.done(p);
    }

    /// Writes typo event `typo` of person `p` (see [`Schedule::with_typos`]):
    /// the misspelled value, a fresh device or nothing, and the person's
    /// name with their city, postcode or both.
    #[allow(clippy::too_many_arguments)] // One event's parts, as `event` has them.
    fn typo_event(
        &mut self,
        schedule: &Schedule,
        carriers: &[(usize, u32)],
        p: usize,
        step: usize,
        person: &Person,
        home: &Home,
        typo: TypoEvent,
    ) {
        let TypoEvent {
            kind,
            at,
            slipped,
            mut rng,
        } = typo;
        let (channel, event_kind) = match kind {
            Typo::PhoneSlip => *rng.pick(&[
                ("call_center", "support_call"),
                ("call_center", "support_call"),
                ("crm", "signup"),
            ]),
            _ => *rng.pick(&[
                ("chat", "chat_message"),
                ("chat", "chat_message"),
                ("web", "signup"),
                ("web", "signup"),
                ("crm", "signup"),
            ]),
        };
        self.channel(channel, event_kind);
        self.out.text.push_str(r#","identifiers":["#);
        self.value.clear();
        let mut country = None;
        match (kind, person.ids[at]) {
            (Typo::PhoneSlip, Id::Phone { head, .. }) => {
                if spell_phone(&mut self.value, person.country, head, slipped, &mut rng)
                    && person.country != Country::Nl
                {
                    country = Some(person.country);
                }
            }
            (_, Id::Email { domain }) => {
                let mut domain = home.domain(domain);
                home.local(&mut self.value);
                if kind == Typo::EmailDomain {
                    domain = *rng.pick(domain_typos(domain));
                } else {
                    misspell(&mut self.value, &mut rng);
                }
                spell_email(&mut self.value, domain, &mut rng);
            }
            _ => unreachable!("a typo of an email or a phone, as planned"),
        }
        let id_kind = if kind == Typo::PhoneSlip {
            "phone"
        } else {
            "email"
        };
        self.push(id_kind, None, Role::Typo(kind));
        // A device seen nowhere else: serials 8p + 5 and up are nobody's.
        let tag = rng.below(0x1000) as u16;
        match channel {
            "chat" => self.chat("chat", 8 * p as u64 + 6, tag, rng.chance(0.1)),
            "web" => self.cookie(8 * p as u64 + 7, tag),
            _ => {}
        }
        self.planted(schedule, carriers, p, step, country);
        self.out.text.push(']');
        let email = kind != Typo::PhoneSlip;
        let half = rng.chance(0.5);
        let place = Place {
            home,
            name: true,
            city: email || half,
            postcode: !email || half,
            rng: stream(schedule.config.seed, ATTRS, p, step),
        };
        self.attrs(country, None, None, Some(place));
        self.out.text.push('}');
        self.done(p);
    }

    /// Writes the event's channel and kind.
    fn channel(&mut self, channel: &str, kind: &str) {
        self.out.text.push_str(r#","channel":""#);
        self.out.text.push_str(channel);
        self.out.text.push_str(r#"","kind":""#);
        self.out.text.push_str(kind);
        self.out.text.push('"');
    }

    /// Writes a cookie of the person's.
    fn cookie(&mut self, serial: u64, tag: u16) {
        self.value.clear();
        self.value.push_str("ck_");
        push_hex(&mut self.value, serial, 6);
        push_hex(&mut self.value, tag.into(), 4);
        self.push("cookie", None, Role::Own);
    }

    /// Writes a chat session of the person's, on `channel`; `qualify`: with
    /// its channel.
    fn chat(&mut self, channel: &'static str, serial: u64, tag: u16, qualify: bool) {
        self.value.clear();
        self.value.push_str(&channel[..2]);
        self.value.push('-');
        push_int(&mut self.value, serial);
        self.value.push('-');
        push_hex(&mut self.value, tag.into(), 1);
        self.push("chat_session", qualify.then_some(channel), Role::Own);
    }

    /// Writes the planted values of `carriers` on person `p`'s step `step`;
    /// `country`: the country the event names.
    fn planted(
        &mut self,
        schedule: &Schedule,
        carriers: &[(usize, u32)],
        p: usize,
        step: usize,
        country: Option<Country>,
    ) {
        let mut spelling = None;
        for (value, kind, n) in schedule.plan.on(carriers) {
            let rng =
                spelling.get_or_insert_with(|| stream(schedule.config.seed, SPELLING, p, step));
            self.value.clear();
            match PLANTED_KINDS[kind] {
                "cookie" => {
                    self.value.push_str("ck_kiosk_");
                    self.value.push_str(KIOSKS[n % KIOSKS.len()]);
                    self.value.push('_');
                    push_padded(&mut self.value, n as u64 + 1, 2);
                }
                "phone" => {
                    // 555 numbers never collide with the people's mobiles.
                    let (_, area) = CITIES[n % CITIES.len()];
                    // National format only where the event names no country.
                    store_phone(&mut self.value, area, 100 + n, country.is_none(), rng);
                }
                _ => {
                    let (city, _) = CITIES[n % CITIES.len()];
                    self.value.push_str(TILLS[n % TILLS.len()]);
                    self.value.push('.');
                    self.value.push_str(city);
                    // A number once the names run out keeps every value distinct.
                    let round = n / CITIES.len();
                    if round > 0 {
                        push_int(&mut self.value, round as u64);
                    }
                    spell_email(&mut self.value, "winkel.nl", rng);
                }
            }
            self.push(PLANTED_KINDS[kind], None, Role::Planted(value));
        }
    }

    /// Writes the event's `attrs`, if it has any: the `country` of a phone
    /// in national format, a store's id and order value, and in typo mode
    /// what `place` says of the person.
    fn attrs(
        &mut self,
        country: Option<Country>,
        store: Option<(usize, usize, usize)>,
        goods: Option<&Goods>,
        place: Option<Place<'_>>,
    ) {
        let place = place.filter(|place| place.name || place.city || place.postcode);
        let goods = goods.filter(|goods| goods.product.is_some());
        if country.is_none() && store.is_none() && goods.is_none() && place.is_none() {
            return;
        }
        self.out.text.push_str(r#","attrs":{"#);
        if let Some(country) = country {
            self.out.text.push_str(match country {
                Country::Nl => r#""country":"NL""#,
                Country::De => r#""country":"DE""#,
                Country::Fi => r#""country":"FI""#,
            });
        }
        if let Some((store_id, euros, cents)) = store {
            if country.is_some() {
                self.out.text.push(',');
            }
            self.out.text.push_str(r#""store_id":"store-"#);
            push_int(&mut self.out.text, store_id as u64);
            self.out.text.push_str(r#"","order_value":""#);
            push_int(&mut self.out.text, euros as u64);
            self.out.text.push('.');
            push_padded(&mut self.out.text, cents as u64, 2);
            self.out.text.push('"');
        }
        if let Some(goods) = goods {
            if let Some(product) = goods.product {
                self.value.clear();
                self.value.push_str("sku-");
                push_padded(&mut self.value, u64::from(product) + 1, 4);
                self.attr("product");
            }
            if let Some(order) = goods.order {
                self.value.clear();
                self.value.push('o');
                push_hex(&mut self.value, order, 12);
                self.attr("order_id");
            }
            if let Some((euros, cents)) = goods.value {
                self.value.clear();
                push_int(&mut self.value, u64::from(euros));
                self.value.push('.');
                push_padded(&mut self.value, u64::from(cents), 2);
                self.attr("order_value");
            }
        }
        if let Some(mut place) = place {
            let home = place.home;
            if place.name {
                self.value.clear();
                spell_name(&mut self.value, home.name, &mut place.rng);
                self.attr("name");
            }
            if place.city {
                self.value.clear();
                let (name, _, _) = home.city();
                spell_city(&mut self.value, name, &mut place.rng);
                self.attr("city");
            }
            if place.postcode {
                self.value.clear();
                home.postcode(&mut self.value, &mut place.rng);
                self.attr("postcode");
            }
        }
        self.out.text.push('}');
    }

    /// Writes `self.value` as the attribute `key`.
    fn attr(&mut self, key: &str) {
        if !self.out.text.ends_with('{') {
            self.out.text.push(',');
        }
        self.out.text.push('"');
        self.out.text.push_str(key);
        self.out.text.push_str(r#"":"#);
        push_quoted(&mut self.out.text, &self.value);
    }

    /// Ends the event of `person`.
    fn done(&mut self, person: usize) {
        self.out.events.push(Written {
            person,
            junk: self.junk,
            text_end: self.out.text.len(),
            values_end: self.out.values.len(),
        });
    }

    /// Writes `self.value` as an identifier of `kind`.
    fn push(&mut self, kind: &str, channel: Option<&str>, role: Role) {
        if !self.out.text.ends_with('[') {
            self.out.text.push(',');
        }
        self.out.text.push_str(r#"{"type":""#);
        self.out.text.push_str(kind);
        self.out.text.push_str(r#"","value":"#);
        push_quoted(&mut self.out.text, &self.value);
        if let Some(channel) = channel {
            self.out.text.push_str(r#","channel":""#);
            self.out.text.push_str(channel);
            self.out.text.push('"');
        }
        self.out.text.push('}');
        let start = self.out.raw.len();
        self.out.raw.push_str(&self.value);
        self.out.values.push((role, start..self.out.raw.len()));
    }

    /// Writes a value that no normalizer may accept; `tag` makes it unique
    /// where it could be.
    fn junk(&mut self, rng: &mut Rng, tag: u64) {
        self.value.clear();
        let kind = match rng.below(7) {
            0 => "email",
            1 => {
                self.value.push_str("   ");
                "phone"
            }
            2 => {
                self.value.push_str("unknown");
                push_int(&mut self.value, tag);
                "email"
            }
            3 => {
                self.value.push_str("ck_");
                push_int(&mut self.value, tag);
                self.value.push_str("\u{7}\u{0}x");
                "cookie"
            }
            4 => {
                self.value.push_str("call me ");
                push_int(&mut self.value, tag);
                "phone"
            }
            5 => {
                push_int(&mut self.value, tag);
                push_run(&mut self.value, b'9', 5000);
                "loyalty_card"
            }
            _ => {
                push_int(&mut self.value, tag);
                self.value.push('@');
                push_run(&mut self.value, b'x', 5000);
                "email"
            }
        };
        self.push(kind, None, Role::Junk);
        self.junk += 1;
    }
}

// Typo mode (see `Schedule::with_typos`): names, places, typos and
// near-miss strangers.

/// The share of people planned for an email typo; those without an earlier
/// event with an address, and the near-miss pairs with addresses one letter
/// apart, get none.
const EMAIL_TYPOS: f64 = 0.066;
/// The share of people planned for a phone digit slip; those without an
/// earlier event with a number get none.
const PHONE_SLIPS: f64 = 0.05;
/// The share of pairs of people (`2k`, `2k + 1`) that are near-miss
/// strangers, a third of each kind.
const NEAR_MISSES: f64 = 0.06;

/// First names and surnames of each country, both in pairs of different
/// names that look alike (`Jan`, `Jaap`; `de Vries`, `de Vos`): a near-miss
/// neighbour takes the other name of a pair (index `^ 1`). The two of a
/// pair are at least two edits apart, also without accents, and not forms
/// of one name (`Anna`, `Anja`): one letter apart at one address is more
/// likely one person's name misspelled than two people. No two names of a
/// list differ only in accents or their transliteration (`Schäfer`,
/// `Schaefer`), which are spellings of one name.
const NL_FIRST: &[&str] = &[
    "Jan", "Jaap", "Pieter", "Pepijn", "Kees", "Klaas", "Henk", "Hans", "Bram", "Bart", "Thijs",
    "Thomas", "Ruben", "Robin", "Joost", "Joris", "Daan", "Dirk", "Lucas", "Lars", "Gerrit",
    "Gijs", "Wouter", "Willem", "Anna", "Amber", "Emma", "Esther", "Lotte", "Lieke", "Fleur",
    "Floor", "Eva", "Elise", "Julia", "Janna", "Maria", "Mirjam", "Noor", "Naomi", "Sanne",
    "Saskia", "Ingrid", "Iris", "Marloes", "Marleen", "Femke", "Fenna",
];
const NL_LAST: &[&str] = &[
    "de Vries",
    "de Vos",
    "Jansen",
    "Janssens",
    "de Jong",
    "de Jonker",
    "Bakker",
    "Bakhuis",
    "Visser",
    "Vis",
    "Smit",
    "Smeets",
    "Meijer",
    "Meijerink",
    "van Dijk",
    "van Dam",
    "Mulder",
    "Mulderij",
    "de Groot",
    "de Graaf",
    "Bos",
    "Bosch",
    "Peters",
    "Petersen",
    "Hendriks",
    "Hendrix",
    "van Leeuwen",
    "van Leuven",
    "Dekker",
    "Dekkinga",
    "Brouwer",
    "Bouwman",
    "van den Berg",
    "van den Bos",
    "de Wit",
    "de Wilde",
    "Kok",
    "Kooij",
    "Verhoeven",
    "Verhoef",
    "van der Linden",
    "van der Laan",
    "Jacobs",
    "Jakobsen",
    "Vermeulen",
    "Vermeer",
    "van Beek",
    "van Beest",
    "Schouten",
    "Schoonen",
    "Willems",
    "Wilms",
    "Hoekstra",
    "Hoeksma",
    "Koster",
    "Korver",
    "Prins",
    "Prinsen",
    "Huisman",
    "Huizinga",
];
const DE_FIRST: &[&str] = &[
    "Jürgen",
    "Jörg",
    "Thomas",
    "Tobias",
    "Michael",
    "Martin",
    "Andreas",
    "Anton",
    "Felix",
    "Fabian",
    "Paul",
    "Peter",
    "Max",
    "Moritz",
    "Stefan",
    "Sven",
    "Klaus",
    "Karl",
    "Uwe",
    "Udo",
    "Frank",
    "Florian",
    "Dieter",
    "Detlef",
    "Anna",
    "Andrea",
    "Lena",
    "Luisa",
    "Marie",
    "Melanie",
    "Julia",
    "Jana",
    "Laura",
    "Lisa",
    "Sabine",
    "Sabrina",
    "Katharina",
    "Kerstin",
    "Ursula",
    "Ulrike",
    "Monika",
    "Martina",
    "Petra",
    "Paula",
    "Birgit",
    "Bettina",
    "Heike",
    "Helga",
];
const DE_LAST: &[&str] = &[
    "Müller",
    "Mahler",
    "Schmidt",
    "Schmied",
    "Schneider",
    "Schreiner",
    "Fischer",
    "Fichtner",
    "Meyer",
    "Meister",
    "Wagner",
    "Wegener",
    "Becker",
    "Beckmann",
    "Schulz",
    "Schuster",
    "Hoffmann",
    "Hausmann",
    "Schäfer",
    "Schiffer",
    "Koch",
    "Kuhn",
    "Krüger",
    "Kruse",
    "Wolf",
    "Wolter",
    "Schröder",
    "Schreiber",
    "Neumann",
    "Niemann",
    "Weiß",
    "Weigel",
    "Krause",
    "Kramer",
    "Richter",
    "Reichert",
    "Klein",
    "Kling",
    "Zimmermann",
    "Zimmer",
    "Braun",
    "Brauner",
    "Hartmann",
    "Hartung",
    "Lange",
    "Langner",
    "Werner",
    "Wenzel",
    "Lehmann",
    "Lehmkuhl",
    "Schmitz",
    "Schmid",
    "Walter",
    "Winter",
    "Köhler",
    "Kohlmann",
    "König",
    "Konrad",
    "Peters",
    "Petersen",
];
const FI_FIRST: &[&str] = &[
    "Mikko", "Marko", "Juha", "Jarmo", "Timo", "Tomi", "Jari", "Janne", "Antti", "Arto", "Eero",
    "Eino", "Jukka", "Jyrki", "Pekka", "Pentti", "Matti", "Markku", "Kari", "Kimmo", "Heikki",
    "Hannu", "Ville", "Veikko", "Anna", "Arja", "Aino", "Aila", "Marja", "Mervi", "Liisa", "Leena",
    "Päivi", "Pirjo", "Sanna", "Satu", "Minna", "Milla", "Kaisa", "Kirsi", "Tuula", "Terhi",
    "Riitta", "Ritva", "Eija", "Elina", "Helena", "Hilkka",
];
const FI_LAST: &[&str] = &[
    "Virtanen",
    "Virtala",
    "Korhonen",
    "Korhola",
    "Mäkinen",
    "Mäkelä",
    "Nieminen",
    "Niemelä",
    "Heikkinen",
    "Heikkilä",
    "Koskinen",
    "Koskela",
    "Järvinen",
    "Järvelä",
    "Lehtonen",
    "Lehtola",
    "Salminen",
    "Salonen",
    "Laine",
    "Lainio",
    "Kinnunen",
    "Kinnula",
    "Rantanen",
    "Rantala",
    "Saarinen",
    "Saarela",
    "Hiltunen",
    "Hiltula",
    "Laitinen",
    "Laitila",
    "Hakala",
    "Hakulinen",
    "Manninen",
    "Mannila",
    "Jokinen",
    "Jokela",
    "Ahonen",
    "Aho",
    "Lindholm",
    "Lindqvist",
    "Karjalainen",
    "Karjala",
    "Hämäläinen",
    "Hämälä",
    "Leinonen",
    "Leino",
    "Tuominen",
    "Tuomela",
    "Savolainen",
    "Savola",
    "Peltonen",
    "Peltola",
    "Anttila",
    "Anttonen",
    "Miettinen",
    "Mattila",
    "Pesonen",
    "Pesola",
    "Turunen",
    "Turula",
];
/// Cities of each country with their range of postcodes (the four digits
/// of a Dutch one).
const NL_CITIES: &[(&str, u32, u32)] = &[
    ("Amsterdam", 1011, 1109),
    ("Rotterdam", 3011, 3089),
    ("Den Haag", 2491, 2599),
    ("Utrecht", 3511, 3585),
    ("Eindhoven", 5611, 5658),
    ("Groningen", 9711, 9747),
    ("Tilburg", 5011, 5049),
    ("Almere", 1311, 1364),
    ("Breda", 4811, 4839),
    ("Nijmegen", 6511, 6546),
    ("Haarlem", 2011, 2037),
    ("Zwolle", 8011, 8045),
];
const DE_CITIES: &[(&str, u32, u32)] = &[
    ("Berlin", 10115, 14199),
    ("Hamburg", 20095, 22769),
    ("München", 80331, 81929),
    ("Köln", 50667, 51149),
    ("Frankfurt am Main", 60306, 60599),
    ("Stuttgart", 70173, 70629),
    ("Düsseldorf", 40210, 40629),
    ("Leipzig", 4103, 4357),
    ("Dortmund", 44135, 44388),
    ("Essen", 45127, 45359),
    ("Bremen", 28195, 28779),
    ("Dresden", 1067, 1328),
];
const FI_CITIES: &[(&str, u32, u32)] = &[
    ("Helsinki", 100, 990),
    ("Espoo", 2100, 2980),
    ("Tampere", 33100, 33900),
    ("Vantaa", 1300, 1770),
    ("Oulu", 90100, 90830),
    ("Turku", 20100, 20960),
    ("Jyväskylä", 40100, 40950),
    ("Lahti", 15100, 15900),
    ("Kuopio", 70100, 70910),
    ("Pori", 28100, 28900),
];
/// The letters of Dutch postcodes (never F, I, O, Q, U or Y).
const NL_POSTCODE_LETTERS: &[u8; 20] = b"ABCDEGHJKLMNPRSTVWXZ";

/// Misspellings of each domain the people use in typo mode, none of them a
/// domain anyone has and each a valid domain: one letter dropped, swapped,
/// doubled or replaced, or the top-level domain cut short.
fn domain_typos(domain: &str) -> &'static [&'static str] {
    match domain {
        "gmail.com" => &[
            "gmial.com",
            "gmail.co",
            "gmal.com",
            "gamil.com",
            "gnail.com",
        ],
        "hotmail.com" => &["hotmial.com", "hotmail.co", "hotmal.com", "hotmil.com"],
        "outlook.com" => &["outlok.com", "outlook.co", "outloo.com", "outlookk.com"],
        "ziggo.nl" => &["zigo.nl", "ziggo.nk", "zuggo.nl", "ziigo.nl"],
        "kpn.nl" => &["kpm.nl", "kpnn.nl", "kpn.bl"],
        "web.de" => &["wbe.de", "weeb.de", "web.dr"],
        "elisa.fi" => &["elsia.fi", "elisa.fu", "elissa.fi", "elia.fi"],
        _ => unreachable!("typo mode writes no {domain}"),
    }
}

/// The keys next to each letter on a QWERTY keyboard.
const NEIGHBOURS: [&str; 26] = [
    "qsz", "vgn", "xdv", "sfec", "wrd", "dgrv", "fhtb", "gjyn", "uok", "hkum", "jli", "kop", "nj",
    "bmh", "ipl", "ol", "wa", "etf", "adwx", "ryg", "yij", "cbf", "qes", "zcs", "tuh", "ax",
];

fn first_names(country: Country) -> &'static [&'static str] {
    match country {
        Country::Nl => NL_FIRST,
        Country::De => DE_FIRST,
        Country::Fi => FI_FIRST,
    }
}

fn surnames(country: Country) -> &'static [&'static str] {
    match country {
        Country::Nl => NL_LAST,
        Country::De => DE_LAST,
        Country::Fi => FI_LAST,
    }
}

fn cities(country: Country) -> &'static [(&'static str, u32, u32)] {
    match country {
        Country::Nl => NL_CITIES,
        Country::De => DE_CITIES,
        Country::Fi => FI_CITIES,
    }
}

/// Whether people `2 * pair` and `2 * pair + 1` are near-miss strangers,
/// and how.
fn near_miss(seed: u64, pair: usize) -> Option<NearMiss> {
    let mut rng = stream(seed, NEAR, pair, 0);
    rng.chance(NEAR_MISSES)
        .then(|| *rng.pick(&[NearMiss::SamePlace, NearMiss::SameName, NearMiss::NearEmail]))
}

/// A person's name, as indices into their country's lists.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Name {
    country: Country,
    first: usize,
    last: usize,
}

impl Name {
    fn first(&self) -> &'static str {
        first_names(self.country)[self.first]
    }

    fn last(&self) -> &'static str {
        surnames(self.country)[self.last]
    }
}

/// Where a person lives and what they are called, in typo mode; and how
/// their email addresses are made.
struct Home {
    name: Name,
    /// The country's list and the index in it.
    city: (Country, usize),
    /// Placed in the city's range when written, so that a person who moves
    /// to another city gets a postcode there.
    postcode: u64,
    /// The letters of a Dutch postcode.
    letters: [u8; 2],
    /// What the person's `example.com` addresses are at instead.
    webmail: &'static str,
    /// The name the local part of the addresses is made of, the number
    /// that follows, which keeps the address the person's own, and a
    /// letter of the surname left out.
    local: (Name, usize, Option<usize>),
    /// A near-miss neighbour's domains, which the person's addresses are
    /// at instead: the person's own (before), the neighbour's, and how many
    /// the neighbour has. The person's `k`th address goes to the
    /// neighbour's `k`th domain, or round again.
    borrowed: Option<([&'static str; 3], [&'static str; 3], usize)>,
}

impl Home {
    /// Person `p`'s home, with `person`'s country, before any near miss.
    fn drawn(seed: u64, p: usize, country: Country) -> Home {
        let mut rng = stream(seed, HOME, p, 0);
        let name = Name {
            country,
            first: rng.below(first_names(country).len()),
            last: rng.below(surnames(country).len()),
        };
        let city = (country, rng.below(cities(country).len()));
        let postcode = rng.next_u64();
        let letters = loop {
            let pick = |rng: &mut Rng| *rng.pick(NL_POSTCODE_LETTERS);
            let letters = [pick(&mut rng), pick(&mut rng)];
            // The Netherlands leave out SA, SD and SS.
            if !matches!(&letters, b"SA" | b"SD" | b"SS") {
                break letters;
            }
        };
        let webmail = *rng.pick(&["hotmail.com", "outlook.com"]);
        Home {
            name,
            city,
            postcode,
            letters,
            webmail,
            local: (name, p, None),
            borrowed: None,
        }
    }

    /// Person `p`'s home: the second of a near-miss pair takes after the
    /// first.
    fn of(config: &Config, p: usize, person: &Person) -> Home {
        let mut home = Home::drawn(config.seed, p, person.country);
        let Some(kind) = (p % 2 == 1)
            .then(|| near_miss(config.seed, p / 2))
            .flatten()
        else {
            return home;
        };
        let (other, _) = Person::new(config.seed, p - 1, None);
        let them = Home::drawn(config.seed, p - 1, other.country);
        let mut rng = stream(config.seed, NEAR, p / 2, 1);
        home.name = them.name;
        if kind == NearMiss::SamePlace {
            (home.city, home.postcode, home.letters) = (them.city, them.postcode, them.letters);
            // The other name of a pair: a family member, or a neighbour.
            if rng.chance(0.5) {
                home.name.last ^= 1;
            } else {
                home.name.first ^= 1;
            }
        } else if home.city == them.city {
            let count = cities(home.city.0).len();
            home.city.1 = (home.city.1 + rng.range(1, count - 1)) % count;
        }
        home.local = (home.name, p, None);
        if kind == NearMiss::NearEmail {
            // Their address with a letter of the surname (not its first)
            // left out: their number keeps it apart from everyone else's.
            let letters = fold_len(them.name.last(), them.name.country);
            home.local = (them.name, p - 1, Some(rng.range(1, letters - 1)));
            // Their domains, so that both write addresses at one domain.
            let domains = |person: &Person, home: &Home| {
                let mut domains = [""; 3];
                let mut count = 0;
                for id in &person.ids[..person.len] {
                    if let Id::Email { domain } = *id {
                        domains[count] = home.domain(domain);
                        count += 1;
                    }
                }
                (domains, count)
            };
            let ((mine, _), (theirs, count)) = (domains(person, &home), domains(&other, &them));
            home.borrowed = Some((mine, theirs, count));
        }
        home
    }

    /// The domain that an address at `domain` is at in typo mode.
    fn domain(&self, domain: &'static str) -> &'static str {
        let domain = if domain == "example.com" {
            self.webmail
        } else {
            domain
        };
        match self.borrowed {
            Some((mine, theirs, count)) => {
                let k = mine.iter().position(|&d| d == domain).expect("own domain");
                theirs[k % count]
            }
            None => domain,
        }
    }

    /// Writes the local part of the person's addresses:
    /// `jan.devries12`, `anna.mueller7`.
    fn local(&self, out: &mut String) {
        let (name, number, left_out) = self.local;
        push_folded(out, name.first(), name.country);
        out.push('.');
        let surname = out.len();
        push_folded(out, name.last(), name.country);
        if let Some(at) = left_out {
            out.remove(surname + at);
        }
        push_int(out, number as u64);
    }

    /// The city's name and postcode range.
    fn city(&self) -> (&'static str, u32, u32) {
        cities(self.city.0)[self.city.1]
    }

    /// Writes the postcode as people write it: `1234 AB`, `1234AB`,
    /// `1234 ab`, `10115`.
    fn postcode(&self, out: &mut String, rng: &mut Rng) {
        let (_, low, high) = self.city();
        let code = low as u64 + self.postcode % u64::from(high - low + 1);
        if self.city.0 != Country::Nl {
            push_padded(out, code, 5);
            return;
        }
        push_padded(out, code, 4);
        let style = rng.below(10);
        if style >= 3 {
            out.push(' ');
        }
        for letter in self.letters {
            out.push(if style == 9 {
                letter.to_ascii_lowercase()
            } else {
                letter
            } as char);
        }
    }
}

/// Which of the person's name, city and postcode an event carries, and the
/// stream that spells them.
struct Place<'a> {
    home: &'a Home,
    name: bool,
    city: bool,
    postcode: bool,
    rng: Rng,
}

/// How likely an event on `channel` of `kind` carries the person's name,
/// city and postcode: a loyalty card holder's at the till, what a call
/// centre or a chat asks, a CRM record, a web or app order's address.
fn attr_odds(channel: &str, kind: &str) -> [f64; 3] {
    match channel {
        "store" => [0.5, 0.3, 0.6],
        "call_center" => [0.9, 0.3, 0.6],
        "chat" | "whatsapp" | "messenger" => [0.6, 0.3, 0.1],
        "crm" => [0.95, 0.8, 0.8],
        "web" | "app" if kind == "purchase" => [0.9, 0.9, 0.9],
        _ => [0.0; 3],
    }
}

/// How a name or a city is written.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    AsIs,
    Upper,
    Lower,
    /// `Muller`, `Jyvaskyla`.
    NoAccents,
    /// `Mueller`, `Jyvaeskylae`.
    Transliterated,
}

/// Writes `text` in `style`.
fn push_styled(out: &mut String, text: &str, style: Style) {
    // Most names are ASCII: whole strings, not characters, where they can.
    let start = out.len();
    match style {
        Style::AsIs => return out.push_str(text),
        Style::Upper | Style::Lower if text.is_ascii() => {
            out.push_str(text);
            if style == Style::Upper {
                out[start..].make_ascii_uppercase();
            } else {
                out[start..].make_ascii_lowercase();
            }
            return;
        }
        _ => {}
    }
    for c in text.chars() {
        match style {
            Style::AsIs => out.push(c),
            Style::Upper => out.extend(c.to_uppercase()),
            Style::Lower => out.extend(c.to_lowercase()),
            Style::NoAccents | Style::Transliterated => {
                let long = style == Style::Transliterated;
                match c {
                    'ä' => out.push_str(if long { "ae" } else { "a" }),
                    'ö' => out.push_str(if long { "oe" } else { "o" }),
                    'ü' => out.push_str(if long { "ue" } else { "u" }),
                    'Ä' => out.push_str(if long { "Ae" } else { "A" }),
                    'Ö' => out.push_str(if long { "Oe" } else { "O" }),
                    'Ü' => out.push_str(if long { "Ue" } else { "U" }),
                    'ß' => out.push_str("ss"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Writes `text` the way it goes into an email address: lowercase ASCII
/// letters, German umlauts transliterated, other accents dropped, spaces
/// left out (`devries`, `mueller`, `makinen`).
fn push_folded(out: &mut String, text: &str, country: Country) {
    if text.bytes().all(|b| b.is_ascii_alphabetic()) {
        let start = out.len();
        out.push_str(text);
        return out[start..].make_ascii_lowercase();
    }
    for c in text.chars() {
        match folded(c, country) {
            Ok(c) => out.push(c),
            Err(long) => out.push_str(long),
        }
    }
}

/// How many letters `text` folds into (see [`push_folded`]).
fn fold_len(text: &str, country: Country) -> usize {
    text.chars()
        .map(|c| folded(c, country).map_or_else(str::len, |_| 1))
        .sum()
}

/// `c` as it goes into an email address: a letter, or none or two (`""`,
/// `"ss"`).
fn folded(c: char, country: Country) -> Result<char, &'static str> {
    let german = country == Country::De;
    match c {
        'a'..='z' => Ok(c),
        'A'..='Z' => Ok(c.to_ascii_lowercase()),
        'ä' | 'Ä' if german => Err("ae"),
        'ö' | 'Ö' if german => Err("oe"),
        'ü' | 'Ü' if german => Err("ue"),
        'ä' | 'Ä' => Ok('a'),
        'ö' | 'Ö' => Ok('o'),
        'ü' | 'Ü' => Ok('u'),
        'ß' => Err("ss"),
        _ => Err(""),
    }
}

/// Writes `name` as people and systems write it: `Jan de Vries`,
/// `de Vries, Jan`, `Vries, Jan de`, `J. de Vries`, `JAN DE VRIES`,
/// `Muller`, `Mueller`.
fn spell_name(out: &mut String, name: Name, rng: &mut Rng) {
    let (first, last) = (name.first(), name.last());
    let style = match rng.below(20) {
        0..=11 => Style::AsIs,
        12..=13 => Style::Upper,
        14 => Style::Lower,
        15..=17 => Style::NoAccents,
        _ => Style::Transliterated,
    };
    match rng.below(20) {
        0..=13 => {
            push_styled(out, first, style);
            out.push(' ');
            push_styled(out, last, style);
        }
        14..=16 => {
            // Dutch registers sort on the surname without its prefix.
            let split = last.rsplit_once(' ').filter(|_| rng.chance(0.5));
            push_styled(out, split.map_or(last, |(_, main)| main), style);
            out.push_str(", ");
            push_styled(out, first, style);
            if let Some((prefix, _)) = split {
                out.push(' ');
                push_styled(out, prefix, style);
            }
        }
        _ => {
            let initial = first.chars().next().expect("a first name");
            push_styled(out, initial.encode_utf8(&mut [0; 4]), style);
            out.push_str(". ");
            push_styled(out, last, style);
        }
    }
}

/// Writes `city` as people write it: mostly as it is, sometimes in capitals
/// or small letters, or without its accents.
fn spell_city(out: &mut String, city: &str, rng: &mut Rng) {
    let style = match rng.below(20) {
        0..=14 => Style::AsIs,
        15..=16 => Style::Upper,
        17 => Style::Lower,
        18 => Style::NoAccents,
        _ => Style::Transliterated,
    };
    push_styled(out, city, style);
}

/// Changes one letter of the address's local part in `address` (a folded
/// name, a dot and a number: only letters change): deleted, doubled,
/// swapped with the next letter, or replaced by a key next to it. Each
/// changes the letters themselves, so no provider rule (dots, case) undoes
/// it.
fn misspell(address: &mut String, rng: &mut Rng) {
    let letter = |b: &u8| b.is_ascii_lowercase();
    let count = address.bytes().filter(letter).count();
    let nth = |address: &String, n: usize| {
        address
            .bytes()
            .enumerate()
            .filter(|(_, b)| letter(b))
            .nth(n)
            .map(|(at, _)| at)
            .expect("n below the count")
    };
    let at = nth(address, rng.below(count));
    let current = address.as_bytes()[at];
    match rng.below(4) {
        0 => {
            address.remove(at);
        }
        1 => address.insert(at, current as char),
        2 => {
            // The first pair of different letters from `at` on, or a
            // deletion when there is none.
            let bytes = address.as_bytes();
            let pair = (at..address.len() - 1)
                .find(|&i| letter(&bytes[i]) && letter(&bytes[i + 1]) && bytes[i] != bytes[i + 1]);
            match pair {
                Some(i) => {
                    let swapped = [bytes[i + 1], bytes[i]];
                    let swapped = std::str::from_utf8(&swapped).expect("ASCII letters");
                    address.replace_range(i..i + 2, swapped);
                }
                None => {
                    address.remove(at);
                }
            }
        }
        _ => {
            let keys = NEIGHBOURS[usize::from(current - b'a')].as_bytes();
            let key = keys[rng.below(keys.len())] as char;
            address.replace_range(at..at + 1, key.encode_utf8(&mut [0; 4]));
        }
    }
}

/// A person's last event, replaced by one with a typo.
struct TypoEvent {
    kind: Typo,
    /// Which of `Person::ids` is misspelled.
    at: usize,
    /// A phone slip's number, its digits swapped.
    slipped: u32,
    /// Draws the rest of the event.
    rng: Rng,
}

impl TypoEvent {
    /// The typo event of person `p`'s step `step`, if it is one: their last
    /// event, when they are planned for a typo and `earlier` (the bits of
    /// the identifiers on their earlier events) holds an address (or a
    /// number) to misspell.
    fn plan(
        config: &Config,
        p: usize,
        step: usize,
        person: &Person,
        earlier: u16,
    ) -> Option<TypoEvent> {
        let mut rng = stream(config.seed, TYPO, p, 0);
        let roll = rng.fraction();
        let email = roll < EMAIL_TYPOS;
        if !email && roll >= EMAIL_TYPOS + PHONE_SLIPS || step + 1 != config.events_of(p) {
            return None;
        }
        // An address one letter off might be that of the near-miss
        // neighbour's.
        let pair = p / 2;
        if email
            && 2 * pair + 1 < config.people
            && near_miss(config.seed, pair) == Some(NearMiss::NearEmail)
        {
            return None;
        }
        let fits = |id: &Id| {
            if email {
                matches!(id, Id::Email { .. })
            } else {
                matches!(id, Id::Phone { .. })
            }
        };
        let seen = (0..person.len).filter(|&at| earlier & 1 << at != 0 && fits(&person.ids[at]));
        let count = seen.clone().count();
        if count == 0 {
            return None;
        }
        let at = seen.clone().nth(rng.below(count)).expect("below count");
        let (kind, slipped) = match person.ids[at] {
            Id::Phone { head, tail } => (
                Typo::PhoneSlip,
                slip(config, person.country, head, tail, &mut rng)?,
            ),
            _ if rng.chance(0.65) => (Typo::EmailDomain, 0),
            _ => (Typo::EmailLocal, 0),
        };
        Some(TypoEvent {
            kind,
            at,
            slipped,
            rng,
        })
    }
}

/// `tail` with two adjacent digits swapped, a number that nobody has and
/// no blocklist rejects; `None` when every swap gives one of those.
fn slip(config: &Config, country: Country, head: u16, tail: u32, rng: &mut Rng) -> Option<u32> {
    let width = if country == Country::Nl { 8 } else { 7 };
    let start = rng.below(width as usize - 1) as u32;
    (0..width - 1).find_map(|k| {
        // Digits `i` and `i + 1`, counted from the left.
        let i = (start + k) % (width - 1);
        let (high, low) = (10u32.pow(width - 1 - i), 10u32.pow(width - 2 - i));
        let (a, b) = (tail / high % 10, tail / low % 10);
        let slipped = tail - a * high - b * low + b * high + a * low;
        (a != b && !blocklisted(head, width, slipped) && !phone_taken(config, head, slipped, width))
            .then_some(slipped)
    })
}

/// Whether anyone has the mobile number `head` then `tail` (zero-padded to
/// `width` digits), by inverting `n * 7919 + 1234567` (see
/// [`Person::new`]).
fn phone_taken(config: &Config, head: u16, tail: u32, width: u32) -> bool {
    let modulus = 10u64.pow(width);
    let inverse = inverse_mod(7919, modulus);
    let n = (u64::from(tail) + modulus - 1_234_567 % modulus) % modulus * inverse % modulus;
    // A Dutch number that the blocklist would have rejected moved on by
    // 2 * MAX_PEOPLE, maybe more than once.
    let step = 2 * MAX_PEOPLE as u64;
    (0..=n / step).map(|k| n - k * step).any(|n| {
        (n as usize) < 2 * config.people && {
            let (other, _) = Person::new(config.seed, n as usize / 2, None);
            other.ids[..other.len]
                .iter()
                .any(|id| matches!(*id, Id::Phone { head: h, tail: t } if (h, t) == (head, tail)))
        }
    })
}

/// The inverse of `a` modulo `m` (coprime), by the extended Euclidean
/// algorithm.
fn inverse_mod(a: u64, m: u64) -> u64 {
    let (mut old_r, mut r) = (a as i128, m as i128);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    old_s.rem_euclid(m as i128) as u64
}

/// A store's or call centre's own number as staff type it: a two-digit
/// `area`, `555`, then `line` in four digits. National format only when
/// `national`: an event that names a country reads it there.
fn store_phone(out: &mut String, area: &str, line: usize, national: bool, rng: &mut Rng) {
    let mut number = String::with_capacity(4);
    push_padded(&mut number, line as u64, 4);
    let number = number.as_str();
    let parts: &[&str] = match rng.below(if national { 6 } else { 3 }) {
        0 => &["+31 ", area, " 555 ", number],
        1 => &["+31", area, "555", number],
        2 => &["0031", area, "555", number],
        3 => &["0", area, "-555", number],
        4 => &["0", area, " 555 ", number],
        _ => &["(0", area, ") 555", number],
    };
    for part in parts {
        out.push_str(part);
    }
}

/// Turns the local part in `address` into an address at `domain` as someone
/// typed it.
fn spell_email(address: &mut String, domain: &str, rng: &mut Rng) {
    if domain == "gmail.com" {
        // Gmail ignores dots and `+tags`: the default rules fold them.
        if rng.chance(0.4) {
            address.retain(|c| c != '.');
        }
        if rng.chance(0.3) {
            let at = rng.range(1, address.len() - 1);
            if !address[..at].ends_with('.') && !address[at..].starts_with('.') {
                address.insert(at, '.');
            }
        }
        if rng.chance(0.3) {
            const TAGS: [&str; 3] = ["+shop", "+news", "+2026"];
            address.push_str(TAGS[rng.below(TAGS.len())]);
        }
    }
    address.push('@');
    address.push_str(domain);
    match rng.below(4) {
        0 => address.make_ascii_uppercase(),
        1 => {
            for at in 0..address.len() {
                if rng.chance(0.3) {
                    address[at..at + 1].make_ascii_uppercase();
                }
            }
        }
        _ => {}
    }
    if rng.chance(0.2) {
        address.insert(0, ' ');
    }
    if rng.chance(0.2) {
        address.push(' ');
    }
}

/// Writes a mobile number in one of the ways people write it; `true` when it
/// is in national format (it then needs its country).
fn spell_phone(out: &mut String, country: Country, head: u16, tail: u32, rng: &mut Rng) -> bool {
    let (code, width) = match country {
        Country::Nl => ("31", 8),
        Country::De => ("49", 7),
        Country::Fi => ("358", 7),
    };
    let mut rest = String::with_capacity(8);
    push_padded(&mut rest, tail.into(), width);
    // The rest in groups of four: `1234 5678`.
    let grouped = |out: &mut String| {
        out.push_str(&rest[..4]);
        out.push(' ');
        out.push_str(&rest[4..]);
    };
    match rng.below(7) {
        0 => {
            out.push('0');
            push_int(out, head.into());
            out.push('-');
            out.push_str(&rest);
            true
        }
        1 => {
            out.push('+');
            out.push_str(code);
            out.push(' ');
            push_int(out, head.into());
            out.push(' ');
            grouped(out);
            false
        }
        2 => {
            out.push_str("00");
            out.push_str(code);
            push_int(out, head.into());
            out.push_str(&rest);
            false
        }
        3 => {
            out.push_str("(0");
            push_int(out, head.into());
            out.push_str(") ");
            grouped(out);
            true
        }
        4 if country == Country::Nl => {
            out.push_str(code);
            push_int(out, head.into());
            out.push_str(&rest);
            false
        }
        4 | 5 => {
            out.push('+');
            out.push_str(code);
            out.push_str(" (0)");
            push_int(out, head.into());
            out.push(' ');
            out.push_str(&rest);
            false
        }
        _ => {
            out.push('+');
            out.push_str(code);
            push_int(out, head.into());
            out.push_str(&rest);
            false
        }
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Writes `n` in decimal.
fn push_int(out: &mut String, n: u64) {
    push_padded(out, n, 1);
}

/// Writes `n` in decimal, zero-padded to `width` digits (at most 20).
fn push_padded(out: &mut String, n: u64, width: usize) {
    push_digits(out, n, width, 10);
}

/// Writes `n` in lowercase hex, zero-padded to `width` digits (at most 16).
fn push_hex(out: &mut String, n: u64, width: usize) {
    push_digits(out, n, width, 16);
}

/// Writes `n` in base `radix` (a constant where inlined, so no division).
#[inline(always)]
fn push_digits(out: &mut String, mut n: u64, width: usize, radix: u64) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    while n > 0 {
        at -= 1;
        digits[at] = b"0123456789abcdef"[(n % radix) as usize];
        n /= radix;
    }
    at = at.min(digits.len() - width);
    out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

/// Writes `n` times the ASCII character `c`.
fn push_run(out: &mut String, c: u8, n: usize) {
    let block = [c; 64];
    let block = std::str::from_utf8(&block).expect("ASCII");
    for _ in 0..n / block.len() {
        out.push_str(block);
    }
    out.push_str(&block[..n % block.len()]);
}

/// Writes the RFC 3339 time `minute` minutes after 2026-03-01T00:00:00Z.
fn timestamp(out: &mut String, minute: usize) {
    // Days since 0000-03-01 in the proleptic Gregorian calendar, whose
    // 400-year eras start in March (Howard Hinnant's `civil_from_days`).
    const MARCH_2026: usize = 2026 * 365 + 2026 / 4 - 2026 / 100 + 2026 / 400;
    let (days, in_day) = (MARCH_2026 + minute / DAY, minute % DAY);
    let (era, day_of_era) = (days / 146_097, days % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March is 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = era * 400 + year_of_era + usize::from(month <= 2);
    push_padded(out, year as u64, 4);
    out.push('-');
    push_padded(out, month as u64, 2);
    out.push('-');
    push_padded(out, day as u64, 2);
    out.push('T');
    push_padded(out, (in_day / 60) as u64, 2);
    out.push(':');
    push_padded(out, (in_day % 60) as u64, 2);
    out.push_str(":00Z");
}

/// Writes `text` as a JSON string literal.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    let plain = |b: u8| b >= 0x20 && b != b'"' && b != b'\\' && b != 0x7f;
    // No early exit: the loop vectorizes, and almost every value is plain.
    if text.bytes().fold(true, |all, b| all & plain(b)) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    write!(out, "\\u{:04x}", c as u32).unwrap()
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// A JSON string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_quoted(&mut out, text);
    out
}

/// Pairwise precision and recall of `predicted` (event id → cluster label)
/// against `truth` (event id → person), over the events of `truth`. An event
/// missing from `predicted` counts as a cluster of its own.
///
/// Pairs are counted from cluster sizes: a cluster of n events holds
/// n(n-1)/2 pairs, and the pairs both clusterings agree on are those inside
/// each (predicted, true) cell.
pub(crate) fn pairwise_precision_recall<L: std::hash::Hash + Eq>(
    predicted: &HashMap<String, L>,
    truth: &HashMap<String, usize>,
) -> (f64, f64) {
    // Predicted labels as numbers; a missing event gets a number of its own.
    let mut labels: HashMap<&L, usize> = HashMap::new();
    let mut by_predicted: HashMap<usize, u64> = HashMap::new();
    let mut by_truth: HashMap<usize, u64> = HashMap::new();
    let mut by_cell: HashMap<(usize, usize), u64> = HashMap::new();
    let mut fresh = 0..;
    for (event, &person) in truth {
        let cluster = match predicted.get(event) {
            Some(label) => *labels.entry(label).or_insert_with(|| fresh.next().unwrap()),
            None => fresh.next().unwrap(),
        };
        *by_predicted.entry(cluster).or_default() += 1;
        *by_truth.entry(person).or_default() += 1;
        *by_cell.entry((cluster, person)).or_default() += 1;
    }
    let pairs =
        |counts: &mut dyn Iterator<Item = &u64>| -> u64 { counts.map(|&n| n * (n - 1) / 2).sum() };
    let claimed = pairs(&mut by_predicted.values());
    let real = pairs(&mut by_truth.values());
    let agreed = pairs(&mut by_cell.values());
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(agreed, claimed), ratio(agreed, real))
}

#[test]
fn pairwise_scores_count_pairs() {
    let map = |pairs: &[(&str, usize)]| -> HashMap<String, usize> {
        pairs.iter().map(|&(e, c)| (e.to_owned(), c)).collect()
    };
    let truth = map(&[("a", 0), ("b", 0), ("c", 0), ("d", 1)]);
    assert_eq!(pairwise_precision_recall(&truth, &truth), (1.0, 1.0));
    // {a,b} {c,d}: 1 of 2 predicted pairs is right, 1 of 3 true pairs found.
    let (p, r) = pairwise_precision_recall(&map(&[("a", 5), ("b", 5), ("c", 6), ("d", 6)]), &truth);
    assert_eq!((p, r), (0.5, 1.0 / 3.0));
    // Everything apart: nothing claimed, nothing found; a missing event is apart too.
    let (p, r) = pairwise_precision_recall(&map(&[("a", 1), ("b", 2), ("c", 3)]), &truth);
    assert_eq!((p, r), (1.0, 0.0));
}

#[test]
fn generator_is_deterministic_and_streams_what_it_generates() {
    let config = Config {
        seed: 7,
        people: 50,
        mean_events: 4,
        garbage: true,
        replays: true,
        planted: false,
    };
    let a = generate(&config);
    assert_eq!(a.jsonl, generate(&config).jsonl);
    assert_ne!(
        a.jsonl,
        generate(&Config {
            seed: 8,
            ..config.clone()
        })
        .jsonl
    );
    assert_eq!(a.truth.len(), a.event_ids.len());
    assert_eq!(a.event_ids.len(), config.event_count());
    assert!(
        a.truth.values().any(|&p| p >= config.people),
        "junk-only events"
    );
    assert!(a.junk_values > 0 && a.skipped_lines > 0);
    for (n, id) in a.event_ids.iter().enumerate() {
        assert_eq!(id, &format!("ev{n}"), "ids in first-appearance order");
        assert!(a.jsonl.contains(&format!(r#""id":"{id}","#)));
    }

    // The stream writes the same lines, with the true person of each event.
    let mut streamed = String::new();
    let mut last_ts = "";
    let mut seen = std::collections::HashSet::new();
    let mut replays = 0;
    for_each_event(&config, |line, person| {
        streamed.push_str(line);
        streamed.push('\n');
        let id = line
            .strip_prefix(r#"{"id":"ev"#)
            .and_then(|rest| rest.split('"').next());
        match (id, person) {
            (Some(n), person) if person != NOT_AN_EVENT => {
                let id = format!("ev{n}");
                assert_eq!(a.truth[&id], person, "{line}");
                if !seen.insert(id) {
                    replays += 1;
                }
            }
            (_, person) => {
                assert_eq!(person, NOT_AN_EVENT, "{line}");
                assert!(!a.truth.contains_key(line), "{line}");
            }
        }
    });
    assert_eq!(streamed, a.jsonl);
    assert!(replays > 0);
    // Events in time order (a replay may come at any later time).
    let mut seen = std::collections::HashSet::new();
    for line in a.jsonl.lines() {
        let Some(id) = line.strip_prefix(r#"{"id":""#) else {
            continue;
        };
        let id = id.split('"').next().unwrap();
        if !seen.insert(id) || id.starts_with("broken") {
            continue;
        }
        let ts = &line[line.find(r#""ts":""#).unwrap() + 6..][..20];
        assert!(ts >= last_ts, "{ts} after {last_ts}");
        last_ts = &line[line.find(r#""ts":""#).unwrap() + 6..][..20];
    }
}

#[test]
fn every_person_resolves_to_one_profile() {
    let config = Config {
        seed: 3,
        people: 400,
        mean_events: 5,
        garbage: true,
        replays: true,
        planted: false,
    };
    assert_resolves_to_the_truth(&generate(&config));
}

/// Resolving `data` rejects its junk and nothing else, and gives every
/// person one profile of their own.
#[cfg(test)]
fn assert_resolves_to_the_truth(data: &Generated) {
    use idstitch::{Region, ResolverBuilder, SecretKey};

    let mut resolver = ResolverBuilder::new(SecretKey::derive("generator test"))
        .default_region(Region::NL)
        .build();
    let (mut rejected, mut skipped) = (0, 0);
    for (at, line) in data.jsonl.lines().enumerate() {
        if line.is_empty() {
            continue; // Blank lines are not reported.
        }
        let parsed = idstitch::jsonl::parse_line(line.as_bytes(), at as u64 + 1);
        skipped += parsed.rejects().len();
        if let Some(event) = parsed.event() {
            let outcome = resolver.observe(event).expect("a valid event");
            rejected += outcome.rejects().len();
        }
    }
    assert_eq!(
        rejected, data.junk_values,
        "junk, and nothing else, is rejected"
    );
    assert_eq!(skipped, data.skipped_lines);
    let predicted: HashMap<String, _> = data
        .event_ids
        .iter()
        .map(|id| (id.clone(), resolver.event_profile(id).expect("observed")))
        .collect();
    assert_eq!(
        pairwise_precision_recall(&predicted, &data.truth),
        (1.0, 1.0)
    );
}

#[test]
fn more_identifiers_per_event_stay_within_each_person() {
    let config = Config {
        seed: 5,
        people: 600,
        mean_events: 5,
        garbage: true,
        replays: true,
        planted: false,
    };
    let plain = generate(&config);
    // At or below the walk's own mean, nothing changes.
    for mean in [0.0, 1.5, f64::NAN] {
        let same = generate_from(&Schedule::with_identifiers_per_event(&config, mean));
        assert_eq!(same.jsonl, plain.jsonl, "{mean}");
    }
    // The people's own identifiers per event, from the lines written.
    let measure = |schedule: &Schedule| {
        let (mut events, mut own) = (0usize, 0usize);
        schedule.for_each_line(|line| {
            if line.person.is_some_and(|p| p < config.people) && !line.replay {
                events += 1;
                own += line.values().filter(|(role, _)| *role == Role::Own).count();
            }
        });
        own as f64 / events as f64
    };
    let walk = measure(&Schedule::new(&config));
    assert!((1.8..2.0).contains(&walk), "{walk}");
    for (mean, reached) in [(2.5, 2.5), (3.0, 3.0), (4.0, 4.0), (9.0, 4.7)] {
        let schedule = Schedule::with_identifiers_per_event(&config, mean);
        let measured = measure(&schedule);
        assert!((measured - reached).abs() < 0.1, "{mean}: {measured}");
        // The sample is everyone here, so the estimate is exact.
        assert!((schedule.identifiers_per_event() - measured).abs() < 1e-9);
        let data = generate_from(&schedule);
        assert_eq!(
            (&data.truth, &data.event_ids),
            (&plain.truth, &plain.event_ids)
        );
        assert_eq!(data.skipped_lines, plain.skipped_lines);
        assert_resolves_to_the_truth(&data);
    }
    // Planting still finds events on the right channels.
    let planted = Config {
        planted: true,
        ..config.clone()
    };
    let data = generate_from(&Schedule::with_identifiers_per_event(&planted, 3.0));
    assert!(!data.planted.is_empty());
    for value in &data.planted {
        assert!(!value.spellings.is_empty(), "{value:?}");
    }
}

#[test]
fn planted_values_join_many_people_and_leave_the_rest_alone() {
    let config = Config {
        seed: 11,
        people: 1_600,
        mean_events: 4,
        garbage: true,
        replays: true,
        planted: true,
    };
    let a = generate(&config);
    assert_eq!(a.jsonl, generate(&config).jsonl);
    let plain = generate(&Config {
        planted: false,
        ..config.clone()
    });
    assert!(plain.planted.is_empty());
    assert_eq!((&a.truth, &a.event_ids), (&plain.truth, &plain.event_ids));
    assert_eq!(a.junk_values, plain.junk_values);
    for kind in ["cookie", "phone", "email"] {
        assert!(a.planted.iter().filter(|p| p.kind == kind).count() >= 3);
    }
    // Count the people from the written lines, not the generator's own tally.
    for planted in &a.planted {
        let written: Vec<String> = planted
            .spellings
            .iter()
            .map(|spelling| format!(r#""value":{}"#, quote(spelling)))
            .collect();
        let mut people = std::collections::HashSet::new();
        for line in a.jsonl.lines() {
            let Some(id) = line
                .strip_prefix(r#"{"id":""#)
                .and_then(|rest| rest.split('"').next())
            else {
                continue;
            };
            if written.iter().any(|value| line.contains(value.as_str())) {
                people.insert(a.truth[id]);
            }
        }
        assert!(
            people.len() > 8 && (20..=300).contains(&people.len()),
            "{planted:?} joins {} people",
            people.len()
        );
        assert_eq!(people.len(), planted.people, "{planted:?}");
        assert!(people.iter().all(|&person| person < config.people));
    }
}

#[test]
fn sizes_are_easy_to_ask_for() {
    // Within four standard deviations: a person's count has a variance of 6.7.
    for events in [1_000, 100_000] {
        let config = Config::events(events);
        assert_eq!(config.people, events / 5);
        let count = config.event_count();
        let sd = (config.people as f64 * 6.7).sqrt();
        assert!(
            (count.abs_diff(events) as f64) < 4.0 * sd,
            "{count} for {events}"
        );
        assert_eq!(Schedule::new(&config).events(), count);
    }
    let config = Config {
        mean_events: 2,
        ..Config::default()
    }
    .with_events(1_001);
    assert_eq!(config.people, 501);
}

#[test]
fn phones_avoid_blocklisted_patterns_and_stay_distinct() {
    assert!(blocklisted(6, 8, 66_666_666) && blocklisted(6, 8, 78_901_234));
    assert!(blocklisted(44, 7, 4_444_444) && !blocklisted(40, 7, 4_444_444));
    assert!(!blocklisted(6, 8, 12_345_678));
    // The `n` whose number would be blocklisted, by inverting n * 7919 + 1234567.
    let inverse = |tail: u64, modulus: u64| {
        (0..7919u64)
            .map(|k| tail + k * modulus)
            .filter(|t| *t >= 1_234_567 && (t - 1_234_567) % 7919 == 0)
            .map(|t| (t - 1_234_567) / 7919)
            .min()
            .unwrap()
    };
    let mut moved = 0;
    for (country, head, tail, modulus) in [
        (Country::Nl, 6, 66_666_666, 100_000_000),
        (Country::Nl, 6, 78_901_234, 100_000_000),
        (Country::Fi, 44, 4_444_444, 10_000_000),
    ] {
        let n = inverse(tail, modulus);
        let Id::Phone { head: h, tail: t } = mobile(country, n, head) else {
            unreachable!()
        };
        assert!(!blocklisted(h, if h == 6 { 8 } else { 7 }, t));
        if n >= 2 * MAX_PEOPLE as u64 {
            continue; // Nobody's number.
        }
        moved += 1;
        // Nobody else has the number it moved to.
        if country == Country::Nl {
            assert!(inverse(t.into(), modulus) >= 2 * MAX_PEOPLE as u64);
        } else {
            assert_eq!(h, 45);
        }
    }
    assert!(moved > 0, "some person's number is blocklisted");
}

#[test]
fn timestamps_follow_the_calendar() {
    let at = |minute| {
        let mut out = String::new();
        timestamp(&mut out, minute);
        out
    };
    assert_eq!(at(0), "2026-03-01T00:00:00Z");
    assert_eq!(at(31 * DAY + 61), "2026-04-01T01:01:00Z");
    assert_eq!(at(306 * DAY - 1), "2026-12-31T23:59:00Z");
    assert_eq!(at(306 * DAY + 58 * DAY), "2027-02-28T00:00:00Z");
    assert_eq!(at(306 * DAY + 59 * DAY), "2027-03-01T00:00:00Z");
    assert_eq!(at(730 * DAY), "2028-02-29T00:00:00Z");
}

#[test]
fn products_add_attributes_and_change_nothing_else() {
    use serde_json::Value;

    let config = Config {
        seed: 5,
        people: 1000,
        garbage: true,
        planted: true,
        ..Config::default()
    };
    let plain = generate(&config);
    let with = generate_from(&Schedule::new(&config).with_products());
    assert_eq!(
        with.jsonl,
        generate_from(&Schedule::new(&config).with_products()).jsonl
    );
    assert_eq!(plain.truth, with.truth);
    assert_eq!(plain.event_ids, with.event_ids);
    assert_eq!(plain.raw_values, with.raw_values);
    assert_eq!(plain.jsonl.lines().count(), with.jsonl.lines().count());

    // Order id → (person, online) of each purchase; store returns to check after.
    let mut orders: HashMap<String, (usize, bool)> = HashMap::new();
    let mut returns: Vec<(usize, Option<String>)> = Vec::new();
    let (mut carts, mut research) = (0, 0);
    for (before, after) in plain.jsonl.lines().zip(with.jsonl.lines()) {
        let (Ok(before), Ok(after)) = (
            serde_json::from_str::<Value>(before),
            serde_json::from_str::<Value>(after),
        ) else {
            assert_eq!(before, after, "a line that is not an event stays as it is");
            continue;
        };
        let person = after["id"]
            .as_str()
            .and_then(|id| with.truth.get(id).copied());
        let channel = after["channel"].as_str().unwrap_or("");
        let kind = after["kind"].as_str().unwrap_or("");
        let attrs = after["attrs"].as_object().cloned().unwrap_or_default();
        let product = attrs.get("product").and_then(Value::as_str);
        let order = attrs.get("order_id").and_then(Value::as_str);
        // Removing what products add gives the line without them.
        let mut stripped = after.clone();
        if kind == "add_to_cart" {
            stripped["kind"] = "page_view".into();
            carts += 1;
        }
        if let Some(attrs) = stripped.get_mut("attrs").and_then(Value::as_object_mut) {
            attrs.remove("product");
            attrs.remove("order_id");
            if !before["attrs"]
                .as_object()
                .is_some_and(|a| a.contains_key("order_value"))
            {
                attrs.remove("order_value");
            }
            if attrs.is_empty() {
                stripped.as_object_mut().unwrap().remove("attrs");
            }
        }
        assert_eq!(before, stripped);

        let online = matches!(channel, "web" | "app");
        match kind {
            "page_view" | "search" | "add_to_cart" if online => {
                research += 1;
                assert!(product.is_some_and(|p| p.starts_with("sku-")), "{after}");
            }
            "purchase" => {
                assert!(product.is_some(), "{after}");
                let order = order.expect("a purchase has an order id").to_owned();
                assert!(attrs.contains_key("order_value"), "{after}");
                let known = orders.insert(order, (person.unwrap(), online));
                assert!(known.is_none(), "order ids are unique");
            }
            "return" if channel == "store" => {
                assert!(product.is_some(), "{after}");
                returns.push((person.unwrap(), order.map(str::to_owned)));
            }
            // Neither channel nor kind written: a purchase or a return.
            _ if channel.is_empty() => {
                if let Some(order) = order {
                    orders
                        .entry(order.to_owned())
                        .or_insert((person.unwrap(), false));
                }
            }
            _ => assert!(product.is_none() && order.is_none(), "{after}"),
        }
    }
    assert!(
        research > 150 && carts > 20,
        "{research} research, {carts} carts"
    );
    // A return brings back an earlier order of the same person.
    let mut of_online = 0;
    for (person, order) in &returns {
        let Some(order) = order else { continue };
        let (buyer, online) = orders[order];
        assert_eq!(buyer, *person);
        of_online += usize::from(online);
    }
    let with_order = returns.iter().filter(|(_, o)| o.is_some()).count();
    assert!(
        of_online >= 5 && with_order >= 40,
        "{of_online} store returns of online orders, {with_order} with an order, {} returns",
        returns.len()
    );
}
