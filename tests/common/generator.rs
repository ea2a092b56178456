//! A seeded generator of messy events with known ground truth.
//!
//! People get emails, phones, a loyalty card, cookies and chat sessions; each
//! person's events form a chain in which consecutive events share an
//! identifier, so a person is one connected component, and no identifier (in
//! normalized form) is shared between people. Values are written the way real
//! exports write them: mixed case, spaces, gmail dots and `+tags`, phones in
//! national and international formats, card numbers with dashes.
//!
//! With [`Config::planted`], a few shared values are planted on top: a kiosk
//! cookie, a store's phone number, a till's email address, each on the events
//! of dozens to hundreds of people. They are valid identifiers that a naive
//! resolver would follow to glue those people together; the truth ignores
//! them.

use std::collections::HashMap;
use std::fmt::Write as _;

/// splitmix64: tiny, fast, and good enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) seed: u64,
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
    pub(crate) spellings: Vec<String>,
    /// How many distinct people have an event carrying it.
    pub(crate) people: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Country {
    Nl,
    De,
    Fi,
}

#[derive(Debug, Clone)]
enum Id {
    Email {
        local: String,
        domain: &'static str,
    },
    Phone {
        country: Country,
        number: String,
    },
    Card(String),
    Cookie(String),
    Chat {
        channel: &'static str,
        token: String,
    },
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
const DOMAINS: &[&str] = &[
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

/// Generates a data set; the same config always gives the same bytes.
pub(crate) fn generate(config: &Config) -> Generated {
    let mut rng = Rng::new(config.seed);
    let mut serial = 0usize;
    let mut next = || {
        serial += 1;
        serial
    };
    // (minutes after 2026-03-01T00:00Z, person, step in their journey, event)
    let mut events: Vec<(u64, usize, usize, Draft)> = Vec::new();
    for person in 0..config.people {
        let ids = identities(person, &mut rng, &mut next);
        let count = rng.range(1, 2 * config.mean_events - 1);
        let mut minute = rng.below(20 * 24 * 60) as u64;
        // Walk: each event keeps one identifier of the previous one, brings
        // the next unused identifier, and sometimes one more at random.
        let mut unused: Vec<usize> = (0..ids.len()).collect();
        shuffle(&mut unused, &mut rng);
        let mut previous: Vec<usize> = Vec::new();
        for step in 0..count {
            let mut chosen: Vec<usize> = Vec::new();
            if !previous.is_empty() {
                chosen.push(*rng.pick(&previous));
            }
            if let Some(fresh) = unused.pop() {
                chosen.push(fresh);
            }
            if chosen.len() < 3 && rng.chance(0.3) {
                chosen.push(rng.below(ids.len()));
            }
            if chosen.is_empty() {
                chosen.push(rng.below(ids.len()));
            }
            chosen.dedup();
            if chosen.len() == 3 && chosen[0] == chosen[2] {
                chosen.pop();
            }
            let draft = draft(&ids, &chosen, config.garbage, &mut rng, &mut next);
            events.push((minute, person, step, draft));
            previous = chosen;
            minute += rng.range(1, 3 * 24 * 60) as u64;
        }
    }
    let planted = if config.planted {
        plant(&mut events, config)
    } else {
        Vec::new()
    };
    if config.garbage {
        // Events whose every identifier is junk: each its own profile.
        for n in 0..config.people / 50 + 1 {
            let minute = rng.below(20 * 24 * 60) as u64;
            let mut draft = Draft::default();
            for _ in 0..rng.range(1, 2) {
                let (kind, value) = junk(&mut rng, &mut next);
                draft.push(kind, &value, None);
                draft.junk += 1;
            }
            events.push((minute, config.people + n, 0, draft));
        }
    }
    events.sort_by_key(|(minute, person, step, _)| (*minute, *person, *step));

    let mut out = Generated {
        jsonl: String::new(),
        truth: HashMap::new(),
        event_ids: Vec::new(),
        raw_values: Vec::new(),
        junk_values: 0,
        skipped_lines: 0,
        planted,
    };
    let mut lines: Vec<String> = Vec::new();
    for (n, (minute, person, _, draft)) in events.into_iter().enumerate() {
        let id = format!("ev{n}");
        let ts = timestamp(minute);
        let mut line = format!(r#"{{"id":"{id}","ts":"{ts}""#);
        if let Some(channel) = draft.channel {
            write!(line, r#","channel":"{channel}","kind":"{}""#, draft.kind).unwrap();
        }
        write!(line, r#","identifiers":[{}]"#, draft.identifiers.join(",")).unwrap();
        if !draft.attrs.is_empty() {
            let attrs: Vec<String> = draft
                .attrs
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
                .collect();
            write!(line, r#","attrs":{{{}}}"#, attrs.join(",")).unwrap();
        }
        line.push('}');
        out.truth.insert(id.clone(), person);
        out.event_ids.push(id);
        out.raw_values.extend(draft.raw_values);
        out.junk_values += draft.junk;
        lines.push(line);
    }
    let mut broken: Vec<String> = Vec::new();
    if config.garbage {
        // Lines that are not events: skipped and reported, never in the truth.
        for n in 0..config.people / 100 + 1 {
            let at = rng.below(lines.len() + 1);
            let text = match n % 4 {
                0 => format!(r#"{{"id":"broken{n}","identifiers":[{{"type":"cookie","#),
                1 => format!(
                    r#"{{"ts":"2026-03-01T00:00:00Z","identifiers":[{{"type":"cookie","value":"ck_noid{n}"}}]}}"#
                ),
                2 => "not json at all".to_owned(),
                _ => String::new(),
            };
            broken.push(text.clone());
            lines.insert(at, text);
        }
    }
    if config.replays {
        for _ in 0..lines.len() / 100 + 1 {
            let from = rng.below(lines.len());
            let at = rng.range(from, lines.len());
            let copy = lines[from].clone();
            lines.insert(at, copy);
        }
    }
    out.skipped_lines = lines
        .iter()
        .filter(|line| !line.is_empty() && broken.contains(line))
        .count();
    for line in lines {
        out.jsonl.push_str(&line);
        out.jsonl.push('\n');
    }
    out
}

/// One event before it gets an id.
#[derive(Default)]
struct Draft {
    channel: Option<&'static str>,
    kind: &'static str,
    identifiers: Vec<String>,
    attrs: Vec<(String, String)>,
    raw_values: Vec<String>,
    junk: usize,
}

impl Draft {
    fn push(&mut self, kind: &str, value: &str, channel: Option<&str>) {
        let mut entry = format!(r#"{{"type":"{kind}","value":{}"#, quote(value));
        if let Some(channel) = channel {
            write!(entry, r#","channel":"{channel}""#).unwrap();
        }
        entry.push('}');
        self.identifiers.push(entry);
        self.raw_values.push(value.to_owned());
    }
}

fn identities(person: usize, rng: &mut Rng, next: &mut impl FnMut() -> usize) -> Vec<Id> {
    let mut ids = Vec::new();
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let mut domains: Vec<&'static str> = DOMAINS.to_vec();
    shuffle(&mut domains, rng);
    for domain in domains.into_iter().take(rng.range(1, 3)) {
        // The person's number makes the address unique; dots never separate digits.
        ids.push(Id::Email {
            local: format!("{first}.{last}{person}"),
            domain,
        });
    }
    let country = *rng.pick(&[
        Country::Nl,
        Country::Nl,
        Country::Nl,
        Country::De,
        Country::Fi,
    ]);
    for slot in 0..rng.range(0, 2) {
        // Distinct per (person, slot): 7919 is coprime to every 10^k.
        let n = (person * 2 + slot) * 7919 + 1_234_567;
        let number = match country {
            Country::Nl => format!("6{:08}", n % 100_000_000),
            Country::De => format!("15{}{:07}", rng.pick(&[1, 2, 7]), n % 10_000_000),
            Country::Fi => format!("{}{:07}", rng.pick(&[40, 44, 50]), n % 10_000_000),
        };
        ids.push(Id::Phone { country, number });
    }
    if rng.chance(0.6) {
        ids.push(Id::Card(format!("88{:010}", person)));
    }
    for _ in 0..rng.range(1, 3) {
        ids.push(Id::Cookie(format!(
            "ck_{:06x}{:04x}",
            next(),
            rng.below(0x10000)
        )));
    }
    for _ in 0..rng.range(0, 2) {
        let channel = *rng.pick(CHAT_CHANNELS);
        let prefix = &channel[..2];
        ids.push(Id::Chat {
            channel,
            token: format!("{prefix}-{}-{:x}", next(), rng.below(0x1000)),
        });
    }
    ids
}

fn draft(
    ids: &[Id],
    chosen: &[usize],
    garbage: bool,
    rng: &mut Rng,
    next: &mut impl FnMut() -> usize,
) -> Draft {
    let mut draft = Draft::default();
    let chosen: Vec<&Id> = chosen.iter().map(|&i| &ids[i]).collect();
    // The channel follows the identifiers: a chat session's own channel, a
    // card at the till, a cookie on the web, a phone at the call centre.
    let (channel, kind) = if let Some(Id::Chat { channel, .. }) =
        chosen.iter().find(|id| matches!(id, Id::Chat { .. }))
    {
        (*channel, "chat_message")
    } else if chosen.iter().any(|id| matches!(id, Id::Card(_))) {
        ("store", *rng.pick(&["purchase", "loyalty_scan", "return"]))
    } else if chosen.iter().any(|id| matches!(id, Id::Cookie(_))) {
        (
            *rng.pick(&["web", "app"]),
            *rng.pick(&["page_view", "search", "login", "purchase"]),
        )
    } else if chosen.iter().any(|id| matches!(id, Id::Phone { .. })) {
        ("call_center", "support_call")
    } else {
        (
            *rng.pick(&["email", "crm"]),
            *rng.pick(&["email_open", "coupon_redeem", "signup"]),
        )
    };
    draft.channel = (!rng.chance(0.05)).then_some(channel);
    draft.kind = kind;
    let mut country = None;
    for id in &chosen {
        match id {
            Id::Email { local, domain } => draft.push("email", &email(local, domain, rng), None),
            Id::Phone { country: c, number } => {
                let (text, national) = phone(*c, number, rng);
                if national && *c != Country::Nl {
                    country = Some(*c);
                }
                draft.push("phone", &text, None);
            }
            Id::Card(digits) => draft.push("loyalty_card", &card(digits, rng), None),
            Id::Cookie(token) => draft.push("cookie", token, None),
            Id::Chat {
                channel: own,
                token,
            } => {
                // Qualify the session itself when the event's channel is not its own.
                let qualify = draft.channel != Some(*own) || rng.chance(0.1);
                draft.push("chat_session", token, qualify.then_some(*own));
            }
        }
    }
    if let Some(country) = country {
        draft.attrs.push((
            "country".into(),
            match country {
                Country::Nl => "NL",
                Country::De => "DE",
                Country::Fi => "FI",
            }
            .into(),
        ));
    }
    if channel == "store" {
        draft
            .attrs
            .push(("store_id".into(), format!("store-{}", rng.below(40))));
        draft.attrs.push((
            "order_value".into(),
            format!("{}.{:02}", rng.below(300), rng.below(100)),
        ));
    }
    if garbage && rng.chance(0.05) {
        let (kind, value) = junk(rng, next);
        draft.push(kind, &value, None);
        draft.junk += 1;
    }
    draft
}

/// Mixed into the seed for planting's own stream ("PLANTED!" in ASCII).
const PLANT_STREAM: u64 = 0x504C_414E_5445_4421;

/// Plants the shared values of [`Config::planted`] on the people's events.
/// Planting draws from its own random stream, so the main stream, and with
/// it every other part of the data set, is the same with or without it.
fn plant(events: &mut [(u64, usize, usize, Draft)], config: &Config) -> Vec<Planted> {
    let mut rng = Rng::new(config.seed ^ PLANT_STREAM);
    let per_kind = (config.people / 500).max(3);
    let mut planted = Vec::new();
    for kind in ["cookie", "phone", "email"] {
        // Only where such a value gets typed in: a cookie on the web or in the
        // app, a phone number by staff on the phone or at the till, an
        // address at the till. Events without a channel are left alone.
        let fits = |channel: &str| match kind {
            "cookie" => matches!(channel, "web" | "app"),
            "phone" => matches!(channel, "call_center" | "store"),
            _ => channel == "store",
        };
        let mut by_person: Vec<Vec<usize>> = vec![Vec::new(); config.people];
        for (at, (_, person, _, draft)) in events.iter().enumerate() {
            if *person < config.people && draft.channel.is_some_and(fits) {
                by_person[*person].push(at);
            }
        }
        let mut candidates: Vec<usize> = (0..config.people)
            .filter(|&person| !by_person[person].is_empty())
            .collect();
        for n in 0..per_kind {
            let (city, area) = CITIES[n % CITIES.len()];
            // A number once the names run out keeps every value distinct.
            let round = n / CITIES.len();
            let suffix = if round == 0 {
                String::new()
            } else {
                round.to_string()
            };
            let mut value = Planted {
                kind,
                spellings: Vec::new(),
                people: 0,
            };
            // A partial shuffle: the first `count` candidates are the people.
            let count = rng.range(30, 300).min(candidates.len());
            for i in 0..count {
                let j = rng.range(i, candidates.len() - 1);
                candidates.swap(i, j);
            }
            for &person in &candidates[..count] {
                let own = &mut by_person[person];
                shuffle(own, &mut rng);
                for &at in own.iter().take(rng.range(1, 2)) {
                    let draft = &mut events[at].3;
                    let spelling = match kind {
                        "cookie" => format!("ck_kiosk_{}_{:02}", KIOSKS[n % KIOSKS.len()], n + 1),
                        "phone" => {
                            // 555 numbers never collide with the people's mobiles.
                            let digits = format!("{area}555{:04}", 100 + n);
                            let national = !draft.attrs.iter().any(|(name, _)| name == "country");
                            store_phone(&digits, national, &mut rng)
                        }
                        _ => email(
                            &format!("{}.{city}{suffix}", TILLS[n % TILLS.len()]),
                            "winkel.nl",
                            &mut rng,
                        ),
                    };
                    draft.push(kind, &spelling, None);
                    if !value.spellings.contains(&spelling) {
                        value.spellings.push(spelling);
                    }
                }
            }
            // Too few people with such events leaves nothing to plant.
            if count > 0 {
                value.people = count;
                planted.push(value);
            }
        }
    }
    planted
}

/// A store's or call centre's own number (national significant number
/// `digits`, a two-digit area code first) as staff type it. National format
/// only when `national`: an event that names a country reads it there.
fn store_phone(digits: &str, national: bool, rng: &mut Rng) -> String {
    let (area, rest) = digits.split_at(2);
    let (exchange, line) = rest.split_at(3);
    match rng.below(if national { 6 } else { 3 }) {
        0 => format!("+31 {area} {exchange} {line}"),
        1 => format!("+31{digits}"),
        2 => format!("0031{digits}"),
        3 => format!("0{area}-{rest}"),
        4 => format!("0{area} {exchange} {line}"),
        _ => format!("(0{area}) {rest}"),
    }
}

/// A value that no normalizer may accept, unique where it could be, so that
/// even a too-lenient normalizer cannot merge people through it.
fn junk(rng: &mut Rng, next: &mut impl FnMut() -> usize) -> (&'static str, String) {
    let n = next();
    match rng.below(7) {
        0 => ("email", String::new()),
        1 => ("phone", "   ".into()),
        2 => ("email", format!("unknown{n}")),
        3 => ("cookie", format!("ck_{n}\u{7}\u{0}x")),
        4 => ("phone", format!("call me {n}")),
        5 => ("loyalty_card", format!("{n}{}", "9".repeat(5000))),
        _ => ("email", format!("{n}@{}", "x".repeat(5000))),
    }
}

fn email(local: &str, domain: &str, rng: &mut Rng) -> String {
    let mut local = local.to_owned();
    if domain == "gmail.com" {
        // Gmail ignores dots and `+tags`: the default rules fold them.
        if rng.chance(0.4) {
            local = local.replace('.', "");
        }
        if rng.chance(0.3) {
            let at = rng.range(1, local.len() - 1);
            if !local[..at].ends_with('.') && !local[at..].starts_with('.') {
                local.insert(at, '.');
            }
        }
        if rng.chance(0.3) {
            const TAGS: [&str; 3] = ["+shop", "+news", "+2026"];
            local.push_str(TAGS[rng.below(TAGS.len())]);
        }
    }
    let address = format!("{local}@{domain}");
    let cased: String = match rng.below(4) {
        0 => address.to_uppercase(),
        1 => address
            .chars()
            .map(|c| {
                if rng.chance(0.3) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => address,
    };
    let pad = |rng: &mut Rng| if rng.chance(0.2) { " " } else { "" };
    format!("{}{cased}{}", pad(rng), pad(rng))
}

/// A phone number in one of the ways people write it; `true` when it is in
/// national format (it then needs its country).
fn phone(country: Country, digits: &str, rng: &mut Rng) -> (String, bool) {
    let group = |text: &str, sizes: &[usize]| {
        let mut parts = Vec::new();
        let mut at = 0;
        for &size in sizes {
            if at < text.len() {
                let end = (at + size).min(text.len());
                parts.push(text[at..end].to_owned());
                at = end;
            }
        }
        if at < text.len() {
            parts.push(text[at..].to_owned());
        }
        parts.join(" ")
    };
    let (code, split) = match country {
        Country::Nl => ("31", 1),
        Country::De => ("49", 3),
        Country::Fi => ("358", 2),
    };
    let (area, rest) = digits.split_at(split);
    match rng.below(7) {
        0 => (format!("0{area}-{rest}"), true),
        1 => (format!("+{code} {area} {}", group(rest, &[4, 4])), false),
        2 => (format!("00{code}{digits}"), false),
        3 => (format!("(0{area}) {}", group(rest, &[4, 4])), true),
        4 if country == Country::Nl => (format!("{code}{digits}"), false),
        4 | 5 => (format!("+{code} (0){area} {rest}"), false),
        _ => (format!("+{code}{digits}"), false),
    }
}

fn card(digits: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => digits.to_owned(),
        1 => format!("{}-{}-{}", &digits[..4], &digits[4..8], &digits[8..]),
        _ => format!("{} {} {}", &digits[..4], &digits[4..8], &digits[8..]),
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Minutes after 2026-03-01T00:00:00Z, as RFC 3339 (at most a few months on).
fn timestamp(minute: u64) -> String {
    const DAYS: [u64; 6] = [31, 30, 31, 30, 31, 31]; // March to August
    let (mut day, in_day) = (minute / (24 * 60), minute % (24 * 60));
    let mut month = 3;
    for length in DAYS {
        if day < length {
            break;
        }
        day -= length;
        month += 1;
    }
    format!(
        "2026-{month:02}-{:02}T{:02}:{:02}:00Z",
        day + 1,
        in_day / 60,
        in_day % 60
    )
}

/// A JSON string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
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
fn generator_is_deterministic_and_connected() {
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
    assert!(
        a.truth.values().any(|&p| p >= config.people),
        "junk-only events"
    );
    for id in &a.event_ids {
        assert!(a.jsonl.contains(&format!(r#""id":"{id}","#)));
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
