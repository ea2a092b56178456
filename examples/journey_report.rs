//! Resolves a JSON Lines file of events (see `spec/events.md`), follows every
//! customer's journey, and reports the omnichannel metrics with and without
//! identity resolution: a summary table on stdout, the metrics as JSON and
//! the phase funnel and channel transitions as an SVG chart.
//!
//! ```text
//! cargo run --release --example journey_report -- [--window-days N] [--json FILE]
//!     [--svg FILE] [--truth FILE] [--region CC] [EVENTS]
//! ```
//!
//! `EVENTS` defaults to the bundled `examples/data/quickstart.jsonl`; `-`
//! reads stdin. "Without resolution" keys each event by its first raw
//! identifier, as separate systems would.
//!
//! The report needs the journeys once, at the end, and only their metrics,
//! so it does not follow them batch by batch (`Journeys::follow`, for a
//! service that shows journeys while events arrive, rebuilds every journey
//! a batch touches, and keeps every journey and its cached contribution).
//! It keeps one touchpoint per event instead and, once all are resolved,
//! puts each under its event's profile: the profile the event was observed
//! in, unless a change the resolver logged since named that profile (then
//! `Resolver::event_profile` says where the event is now), which is where
//! `follow` would have it. The touchpoints are grouped by customer three
//! times (profile, raw identifier, true person) and each group is counted
//! by a `MetricsTally` from references, half of the customers on each of
//! two threads; no journey is copied or kept. Reading and parsing, turning
//! events into touchpoints, and reading the truth run on threads of their
//! own while this one resolves.
//!
//! With `--truth FILE` (lines `event_id<TAB>person`, as `generate --truth`
//! writes them) the same metrics are computed on the true people too, and
//! the ROPO count is compared: resolved against true against unresolved.

use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::{Duration, Instant};

use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable, hash_table};
use serde::Serialize;

use idstitch::journey::{Metrics, MetricsConfig, MetricsTally, Report, Touchpoint, UnresolvedKey};
use idstitch::jsonl::EventReader;
use idstitch::{Change, Event, ProfileId, Region, Resolver, ResolverBuilder, SecretKey};

const USAGE: &str = "\
usage: journey_report [--window-days N] [--json FILE] [--svg FILE] [--truth FILE]
                      [--region CC] [EVENTS]

Reads events as JSON Lines from EVENTS (default: the bundled
examples/data/quickstart.jsonl; `-` for stdin), resolves them, and prints
journey metrics with and without identity resolution.

  --window-days N  the window of ROPO, reverse ROPO and chat-assisted
                   purchases, in days (default 7)
  --json FILE      write the metrics as JSON to FILE: resolved at the top
                   level, the baseline under `unresolved` (and with --truth,
                   the true people's under `truth`)
  --svg FILE       draw the phase funnel and channel transitions, with and
                   without resolution, as an SVG file
  --truth FILE     the true person of each event, `event_id<TAB>person` per
                   line (`generate --truth`): also compute the metrics per
                   true person and compare the ROPO counts
  --region CC      read national phone numbers in region CC (default NL)";

const DEFAULT_EVENTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/quickstart.jsonl"
);

/// Lines read, parsed and observed together: enough to keep every core busy.
const BATCH: usize = 8192;

struct Options {
    input: String,
    window_days: u32,
    json: Option<String>,
    svg: Option<String>,
    truth: Option<String>,
    region: Region,
}

/// Why the program stops early.
enum Failure {
    /// Bad arguments: the message, then the usage (exit code 2).
    Usage(String),
    /// Reading or writing failed, or bad input (exit code 1).
    Io(String, io::Error),
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("journey_report: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Io(what, error)) => {
            eprintln!("journey_report: {what}: {error}");
            ExitCode::from(1)
        }
    }
}

fn parse_args() -> Result<Option<Options>, Failure> {
    let mut options = Options {
        input: DEFAULT_EVENTS.to_owned(),
        window_days: 7,
        json: None,
        svg: None,
        truth: None,
        region: Region::NL,
    };
    let mut input = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|_| Failure::Usage("arguments must be valid UTF-8".into()))?;
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.into_string().ok())
                .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => options.json = Some(value("--json")?),
            "--svg" => options.svg = Some(value("--svg")?),
            "--truth" => options.truth = Some(value("--truth")?),
            "--window-days" => {
                let text = value("--window-days")?;
                options.window_days =
                    text.parse().ok().filter(|days| *days > 0).ok_or_else(|| {
                        Failure::Usage(format!(
                            "--window-days {text}: a whole number of days, 1 or more"
                        ))
                    })?;
            }
            "--region" => {
                let text = value("--region")?;
                options.region = text
                    .parse()
                    .map_err(|error| Failure::Usage(format!("--region {text}: {error}")))?;
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(Failure::Usage(format!("unknown option {flag}")));
            }
            _ if input.is_some() => {
                return Err(Failure::Usage("give at most one EVENTS file".into()));
            }
            _ => input = Some(arg),
        }
    }
    if let Some(input) = input {
        options.input = input;
    }
    Ok(Some(options))
}

/// The true person of each event, as `--truth` gives them.
struct Truth {
    /// Event id → the line that names it (the last, for an event named
    /// twice), by number among the lines kept; hashed with `hasher`, and
    /// compared with the id in `ids`, so that no id is copied on its own.
    by_event: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The event ids back to back, in the order of the lines, and where
    /// each line's ends: the file is usually in the order of the events, so
    /// most look-ups are a comparison with the next line instead of a probe
    /// into a table of a million entries.
    ids: String,
    ends: Vec<u32>,
    /// Each line's person, or `None` for a line a later one overrides.
    people: Vec<Option<u32>>,
    /// How many people, numbered from 0.
    people_count: usize,
}

impl Truth {
    /// Reads `event_id<TAB>person` lines from `file` (opened from `path`):
    /// each event's true person, numbered.
    fn read(path: &str, mut file: File) -> Result<Truth, Failure> {
        let failed = |e| Failure::Io(format!("reading {path}"), e);
        // Read whole (about 15 bytes a line): no allocation per line.
        let size = file.metadata().map_or(0, |meta| meta.len());
        let mut text = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        io::Read::read_to_end(&mut file, &mut text).map_err(failed)?;
        let lines = text.len() / 12;
        let mut truth = Truth {
            by_event: HashTable::with_capacity(lines),
            hasher: DefaultHashBuilder::default(),
            ids: String::with_capacity(text.len()),
            ends: Vec::with_capacity(lines),
            people: Vec::with_capacity(lines),
            people_count: 0,
        };
        let mut people: HashMap<String, u32> = HashMap::new();
        // Lines as `BufRead::lines` gives them: without `\n` or `\r\n`.
        let mut rest = &text[..];
        let mut at = 0;
        while !rest.is_empty() {
            let (line, after) = match rest.iter().position(|b| *b == b'\n') {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, &[][..]),
            };
            rest = after;
            at += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = std::str::from_utf8(line).map_err(|_| {
                failed(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ))
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let Some((event, person)) = line.split_once('\t') else {
                let message = format!("line {at} is not `event_id<TAB>person`");
                return Err(failed(io::Error::new(io::ErrorKind::InvalidData, message)));
            };
            let next = u32::try_from(people.len()).unwrap_or(u32::MAX);
            let person = *people.entry_ref(person.trim()).or_insert(next);
            let kept = u32::try_from(truth.people.len()).unwrap_or(u32::MAX);
            truth.ids.push_str(event);
            truth
                .ends
                .push(u32::try_from(truth.ids.len()).unwrap_or(u32::MAX));
            truth.people.push(Some(person));
            let Truth {
                by_event,
                hasher,
                ids,
                ends,
                people: persons,
                ..
            } = &mut truth;
            let id = |line: u32| line_id(ids, ends, line as usize);
            let entry = by_event.entry(
                hasher.hash_one(event),
                |line| id(*line) == event,
                |line| hasher.hash_one(id(*line)),
            );
            match entry {
                hash_table::Entry::Occupied(mut named) => {
                    persons[*named.get() as usize] = None;
                    *named.get_mut() = kept;
                }
                hash_table::Entry::Vacant(new) => {
                    new.insert(kept);
                }
            }
        }
        truth.people_count = people.len();
        // As in `run`: not worth freeing name by name.
        std::mem::forget(people);
        Ok(truth)
    }

    /// The person of event `id`, trying kept line `next` first; moves
    /// `next` past the line that answered.
    fn person(&self, id: &str, next: &mut usize) -> Option<u32> {
        if let Some(Some(person)) = self.people.get(*next) {
            if line_id(&self.ids, &self.ends, *next) == id {
                *next += 1;
                return Some(*person);
            }
        }
        let line = *self.by_event.find(self.hasher.hash_one(id), |line| {
            line_id(&self.ids, &self.ends, *line as usize) == id
        })?;
        *next = line as usize + 1;
        self.people[line as usize]
    }
}

/// The event id of kept line `line` of the truth.
fn line_id<'a>(ids: &'a str, ends: &[u32], line: usize) -> &'a str {
    let start = line
        .checked_sub(1)
        .map_or(0, |before| ends[before] as usize);
    &ids[start..ends[line] as usize]
}

/// What was read, for the closing lines.
#[derive(Default)]
struct Counts {
    lines_skipped: u64,
    rejected_values: u64,
    refused_events: u64,
    replays: u64,
    events: u64,
    /// Events the truth file does not name (with `--truth`).
    without_truth: u64,
}

/// The JSON written by `--json`: the report, and the true people's metrics.
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    truth: Option<&'a Metrics>,
}

fn run() -> Result<(), Failure> {
    let Some(options) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let start = Instant::now();
    // Opened here so that a missing file stops the program at once; read
    // on a thread of its own while the events are.
    let truth_file = match &options.truth {
        Some(path) => Some((
            path.as_str(),
            File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?,
        )),
        None => None,
    };

    let (input, input_size): (Box<dyn BufRead + Send>, u64) = match options.input.as_str() {
        "-" => (Box::new(BufReader::with_capacity(1 << 16, io::stdin())), 0),
        path => {
            let file =
                File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?;
            let size = file.metadata().map_or(0, |meta| meta.len());
            (Box::new(BufReader::with_capacity(1 << 16, file)), size)
        }
    };
    // Events take 150 to 250 bytes a line: room for every event from the
    // start saves copying a million touchpoints as their list grows.
    let expected = usize::try_from(input_size / 200).unwrap_or(0);
    // Profile ids never leave this program: any secret will do.
    let mut resolver = ResolverBuilder::new(SecretKey::derive("journey_report"))
        .default_region(options.region)
        .build();
    let config = MetricsConfig::default().with_window_days(options.window_days);

    let mut counts = Counts::default();
    // Where the time goes: reading and parsing (on the reading thread, and
    // how long resolving waited for it), resolving, grouping the
    // touchpoints by customer, counting the metrics.
    let mut reading = Duration::ZERO;
    let mut waiting = Duration::ZERO;
    let mut resolving = Duration::ZERO;
    // Each fresh event's profile as it was observed, and every profile a
    // change has since taken events or its id from: an event in any other
    // profile is still there at the end.
    let mut observed: Vec<ProfileId> = Vec::with_capacity(expected);
    let mut changed = Changed::default();
    // Three threads besides this one, which resolves: one reads and parses
    // the next batches, one turns each resolved batch into touchpoints and
    // the baseline's customers (and drops its events), one reads the truth.
    let (gathered, truth) = std::thread::scope(|scope| {
        let (send_parsed, parsed) = std::sync::mpsc::sync_channel::<io::Result<Parsed>>(2);
        let reader = scope.spawn(move || read_events(input, &send_parsed));
        let truth = truth_file.map(|(path, file)| scope.spawn(move || Truth::read(path, file)));
        let (send_fresh, fresh_batches) = std::sync::mpsc::sync_channel::<Fresh>(2);
        let gathering = scope.spawn(move || gather(fresh_batches, expected));
        loop {
            let lap = Instant::now();
            let batch = parsed.recv();
            waiting += lap.elapsed();
            // The reading thread has read everything (or stopped on an
            // error, which `join` below reports).
            let Ok(batch) = batch else {
                break;
            };
            let batch = batch.map_err(|e| Failure::Io("reading events".into(), e))?;
            counts.lines_skipped += batch.lines_skipped;
            counts.rejected_values += batch.rejected_values;
            let events = batch.events;
            let lap = Instant::now();
            let outcomes = resolver.observe_batch(&events);
            resolving += lap.elapsed();
            // Each event once: replays and refused events are left out.
            let mut at = Vec::with_capacity(events.len());
            for (index, outcome) in outcomes.into_iter().enumerate() {
                match outcome {
                    Ok(outcome) if outcome.is_replay() => counts.replays += 1,
                    Ok(outcome) => {
                        counts.rejected_values += outcome.rejects().len() as u64;
                        observed.push(outcome.profile());
                        at.push(index);
                    }
                    Err(_) => counts.refused_events += 1,
                }
            }
            for change in resolver.drain_changes() {
                note_change(&change, &mut changed);
            }
            counts.events += at.len() as u64;
            // Only fails if the gathering thread panicked: `join` says why.
            if send_fresh.send(Fresh { events, at }).is_err() {
                break;
            }
        }
        drop((parsed, send_fresh));
        reading = joined(reader);
        let gathered = joined(gathering);
        let truth = truth.map(joined).transpose()?;
        Ok::<_, Failure>((gathered, truth))
    })?;

    // Each touchpoint's customer on each side: its event's profile now (as
    // `Journeys::follow` would have it after the last batch), its first raw
    // identifier, its true person.
    let lap = Instant::now();
    let touchpoints = &gathered.touchpoints;
    let (resolved, true_people) = std::thread::scope(|scope| {
        let true_people = scope.spawn(|| {
            let truth = truth.as_ref()?;
            let mut next_line = 0;
            let people: Vec<Option<u32>> = touchpoints
                .iter()
                .map(|touchpoint| truth.person(touchpoint.event_id(), &mut next_line))
                .collect();
            Some(Groups::by_number(&people, truth.people_count))
        });
        let resolved = profiles_of(&resolver, touchpoints, &observed, &changed);
        (resolved, joined(true_people))
    });
    let unresolved: Vec<Option<u32>> = gathered.unresolved.iter().copied().map(Some).collect();
    let unresolved = Groups::by_number(&unresolved, gathered.unresolved_customers);
    counts.without_truth = true_people.as_ref().map_or(0, |people| people.left_out);
    let grouping = lap.elapsed();

    let lap = Instant::now();
    let report = Report::new(
        metrics_of(&config, touchpoints, &resolved),
        metrics_of(&config, touchpoints, &unresolved),
    );
    let truth_metrics = true_people
        .as_ref()
        .map(|people| metrics_of(&config, touchpoints, people));
    let counting = lap.elapsed();
    // Millions of small allocations: the process ends soon, and freeing
    // them one by one would take a tenth of the run.
    std::mem::forget((resolver, gathered, truth));
    let elapsed = start.elapsed();

    let mut out = BufWriter::new(io::stdout().lock());
    let written = write_summary(&mut out, &report, truth_metrics.as_ref(), &counts)
        .and_then(|()| out.flush());
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
        other => other.map_err(|e| Failure::Io("writing the summary".into(), e))?,
    }
    if let Some(path) = &options.json {
        let json = JsonReport {
            report: &report,
            truth: truth_metrics.as_ref(),
        };
        let text = serde_json::to_string_pretty(&json)
            .map_err(|e| Failure::Io("writing JSON".into(), e.into()))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::Io(format!("cannot write {path}"), e))?;
    }
    if let Some(path) = &options.svg {
        let name = std::path::Path::new(&options.input)
            .file_name()
            .map_or_else(
                || options.input.clone(),
                |n| n.to_string_lossy().into_owned(),
            );
        let title = if options.input == "-" {
            "Customer journeys".to_owned()
        } else {
            format!("Customer journeys: {name}")
        };
        std::fs::write(path, report.svg(&title))
            .map_err(|e| Failure::Io(format!("cannot write {path}"), e))?;
    }
    eprintln!(
        "journey_report: {} events into {} profiles ({} without resolution) in {:.2}s: reading {:.2}s (resolving waited {:.2}s), resolving {:.2}s, grouping {:.2}s, metrics {:.2}s",
        counts.events,
        report.resolved.profiles,
        report.unresolved.profiles,
        elapsed.as_secs_f64(),
        reading.as_secs_f64(),
        waiting.as_secs_f64(),
        resolving.as_secs_f64(),
        grouping.as_secs_f64(),
        counting.as_secs_f64(),
    );
    Ok(())
}

/// What a scoped thread returned; its panic goes on here.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A batch of events as the reading thread parsed them, and what it
/// counted of their lines.
struct Parsed {
    events: Vec<Event>,
    lines_skipped: u64,
    rejected_values: u64,
}

/// Reads and parses batches of events until the end of `input` (or an
/// error, which is sent on) or until nobody receives them; returns the
/// time it took.
fn read_events(input: Box<dyn BufRead + Send>, send: &SyncSender<io::Result<Parsed>>) -> Duration {
    let started = Instant::now();
    let mut reader = EventReader::new(input);
    loop {
        let mut batch = match reader.read_batch(BATCH) {
            Ok(batch) if batch.is_empty() => break,
            Ok(batch) => batch,
            Err(error) => {
                // Whether or not anyone still listens, reading ends here.
                let _ = send.send(Err(error));
                break;
            }
        };
        let mut parsed = Parsed {
            events: Vec::with_capacity(batch.len()),
            lines_skipped: 0,
            rejected_values: 0,
        };
        for line in &mut batch {
            // A line's own rejects: not an event at all, or a bad identifier.
            let rejects = line.rejects().len() as u64;
            match line.take_event() {
                Some(event) => {
                    parsed.rejected_values += rejects;
                    parsed.events.push(event);
                }
                None => parsed.lines_skipped += 1,
            }
        }
        drop(batch);
        if send.send(Ok(parsed)).is_err() {
            break;
        }
    }
    started.elapsed()
}

/// A resolved batch's events, and which of them are fresh (not replays,
/// not refused).
struct Fresh {
    events: Vec<Event>,
    at: Vec<usize>,
}

/// The touchpoint of every fresh event, in input order, and its customer
/// without resolution.
struct Gathered {
    touchpoints: Vec<Touchpoint>,
    /// Each touchpoint's customer without resolution, numbered densely.
    unresolved: Vec<u32>,
    /// How many customers that is.
    unresolved_customers: usize,
}

/// Makes the touchpoints of every batch `receive` gets, with their
/// customers without resolution, and drops the events.
fn gather(receive: Receiver<Fresh>, expected: usize) -> Gathered {
    let mut gathered = Gathered {
        touchpoints: Vec::with_capacity(expected),
        unresolved: Vec::with_capacity(expected),
        unresolved_customers: 0,
    };
    let mut customers = Customers::with_capacity(expected);
    for fresh in receive {
        for event in fresh.at.iter().map(|at| &fresh.events[*at]) {
            gathered.touchpoints.push(Touchpoint::from_event(event));
            gathered
                .unresolved
                .push(customers.number(UnresolvedKey::of(event)));
        }
    }
    gathered.unresolved_customers = customers.keys.len();
    // As in `run`: not worth freeing key by key.
    std::mem::forget(customers);
    gathered
}

/// The customers without resolution, numbered in order of appearance.
///
/// A table of eight-byte entries (part of the key's hash, and the key's
/// number) instead of a map holding the keys: with most keys met once, a
/// look-up is mostly a probe of the table, a quarter of a megabyte per
/// 32,000 customers, and the key itself is read only when the hashes agree.
struct Customers {
    table: HashTable<(u32, u32)>,
    keys: Vec<UnresolvedKey>,
    hasher: DefaultHashBuilder,
}

impl Customers {
    fn with_capacity(capacity: usize) -> Customers {
        Customers {
            table: HashTable::with_capacity(capacity),
            keys: Vec::with_capacity(capacity),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// The number of `key`'s customer, a new one if it has none yet.
    fn number(&mut self, key: UnresolvedKey) -> u32 {
        let Customers {
            table,
            keys,
            hasher,
        } = self;
        let hash = hasher.hash_one(&key);
        // The upper half: the table picks buckets by the lower bits.
        let tag = (hash >> 32) as u32;
        let entry = table.entry(
            hash,
            |&(other, at)| other == tag && keys[at as usize] == key,
            |&(_, at)| hasher.hash_one(&keys[at as usize]),
        );
        match entry {
            hash_table::Entry::Occupied(found) => found.get().1,
            hash_table::Entry::Vacant(new) => {
                let at = u32::try_from(keys.len()).unwrap_or(u32::MAX);
                new.insert((tag, at));
                keys.push(key);
                at
            }
        }
    }
}

/// Touchpoints grouped by customer, each customer's in input order.
struct Groups {
    /// Indexes into the touchpoints, customer after customer.
    order: Vec<u32>,
    /// Where each customer's part of `order` ends.
    ends: Vec<u32>,
    /// Touchpoints without a customer, left out.
    left_out: u64,
}

impl Groups {
    /// Grouped by customer number (below `customers`; `None` or another
    /// number leaves a touchpoint out): counted, then placed.
    fn by_number(of: &[Option<u32>], customers: usize) -> Groups {
        let mut ends = vec![0_u32; customers];
        let mut left_out = 0;
        for customer in of {
            match customer.and_then(|c| ends.get_mut(c as usize)) {
                Some(count) => *count += 1,
                None => left_out += 1,
            }
        }
        let mut total = 0;
        for end in &mut ends {
            total += *end;
            *end = total;
        }
        // Each part filled from its end, latest touchpoint first: in input
        // order once full.
        let mut order = vec![0_u32; total as usize];
        let mut next = ends.clone();
        for (index, customer) in of.iter().enumerate().rev() {
            if let Some(slot) = customer.and_then(|c| next.get_mut(c as usize)) {
                *slot -= 1;
                order[*slot as usize] = index as u32;
            }
        }
        Groups {
            order,
            ends,
            left_out,
        }
    }

    /// Grouped by key: touchpoint indexes sorted by key, then by index.
    fn by_key<K: Ord + Copy>(mut keyed: Vec<(K, u32)>) -> Groups {
        keyed.sort_unstable();
        let mut ends = Vec::new();
        for (at, pair) in keyed.windows(2).enumerate() {
            if pair[0].0 != pair[1].0 {
                ends.push(at as u32 + 1);
            }
        }
        if !keyed.is_empty() {
            ends.push(keyed.len() as u32);
        }
        Groups {
            order: keyed.into_iter().map(|(_, index)| index).collect(),
            ends,
            left_out: 0,
        }
    }

    /// Customer `group`'s touchpoint indexes.
    fn group(&self, group: usize) -> &[u32] {
        let start = group.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.order[start as usize..self.ends[group] as usize]
    }
}

/// Each touchpoint's profile now, grouped: the profile it was observed
/// in, unless a change named that profile since (then the resolver is
/// asked, on two threads).
fn profiles_of(
    resolver: &Resolver,
    touchpoints: &[Touchpoint],
    observed: &[ProfileId],
    changed: &Changed,
) -> Groups {
    let look_up = |from: usize, part: &[Touchpoint]| -> Vec<(ProfileId, u32)> {
        (from..)
            .zip(part)
            .filter_map(|(index, touchpoint)| {
                let profile = observed[index];
                let now = if changed.named(&profile) {
                    resolver.event_profile(touchpoint.event_id())?
                } else {
                    profile
                };
                Some((now, index as u32))
            })
            .collect()
    };
    let half = touchpoints.len() / 2;
    let mut keyed = std::thread::scope(|scope| {
        let second = scope.spawn(|| look_up(half, &touchpoints[half..]));
        let mut first = look_up(0, &touchpoints[..half]);
        first.extend(joined(second));
        first
    });
    keyed.shrink_to_fit();
    Groups::by_key(keyed)
}

/// Notes the profile `change` takes events or its id from, as
/// `Journeys::follow` names it (a merge's survivor keeps both); a kind of
/// change this program does not know could have moved any event.
fn note_change(change: &Change, changed: &mut Changed) {
    let profile = match change {
        Change::Merged(merge) => merge.retired(),
        Change::Renamed(rename) => rename.from(),
        Change::Split(split) => split.from(),
        _ => {
            changed.any_event = true;
            return;
        }
    };
    changed.profiles.insert(profile);
}

/// The profiles the resolver's changes named.
#[derive(Default)]
struct Changed {
    profiles: HashSet<ProfileId>,
    /// Whether a change may have moved events of any profile.
    any_event: bool,
}

impl Changed {
    fn named(&self, profile: &ProfileId) -> bool {
        self.any_event || self.profiles.contains(profile)
    }
}

/// The metrics of the journeys `groups` makes of `touchpoints`, counted
/// half on this thread and half on another.
fn metrics_of(config: &MetricsConfig, touchpoints: &[Touchpoint], groups: &Groups) -> Metrics {
    let count = |range: std::ops::Range<usize>| {
        let mut tally = MetricsTally::new(config.clone());
        for group in range {
            tally.add(
                groups
                    .group(group)
                    .iter()
                    .map(|at| &touchpoints[*at as usize]),
            );
        }
        tally
    };
    let customers = groups.ends.len();
    std::thread::scope(|scope| {
        let second = scope.spawn(|| count(customers / 2..customers));
        let mut tally = count(0..customers / 2);
        tally.merge(&joined(second));
        tally.metrics()
    })
}

/// The summary table, the input's counts, and with the truth the ROPO
/// comparison.
fn write_summary(
    out: &mut impl Write,
    report: &Report,
    truth: Option<&Metrics>,
    counts: &Counts,
) -> io::Result<()> {
    writeln!(out, "{report}")?;
    writeln!(
        out,
        "Input: {} events, {} replays, {} refused events, {} lines skipped, {} rejected identifier values",
        counts.events,
        counts.replays,
        counts.refused_events,
        counts.lines_skipped,
        counts.rejected_values
    )?;
    let Some(truth) = truth else {
        return Ok(());
    };
    if counts.without_truth > 0 {
        writeln!(
            out,
            "Truth: {} events have no true person in the truth file and are left out of its column",
            counts.without_truth
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<26} {:>16} {:>16} {:>20}",
        "Against the true people", "resolved", "true people", "without resolution"
    )?;
    let rows: [(&str, Figure); 5] = [
        ("Customers", |m| m.profiles),
        ("ROPO purchases", |m| m.ropo_purchases),
        ("  same product", |m| m.ropo_product_purchases),
        ("Reverse ROPO purchases", |m| m.reverse_ropo_purchases),
        ("Chat-assisted purchases", |m| m.chat_assisted_purchases),
    ];
    for (label, value) in rows {
        let (r, t, u) = (
            value(&report.resolved),
            value(truth),
            value(&report.unresolved),
        );
        writeln!(
            out,
            "{label:<26} {:>16} {:>16} {:>20}",
            format!("{r} ({})", relative(r, t)),
            t,
            format!("{u} ({})", relative(u, t)),
        )?;
    }
    Ok(())
}

/// One figure of a metrics set.
type Figure = fn(&Metrics) -> u64;

/// `value` relative to `reference`: `+1.2%`, `-74.0%`.
fn relative(value: u64, reference: u64) -> String {
    if reference == 0 {
        return if value == 0 { "=".into() } else { "n/a".into() };
    }
    let change = (value as f64 - reference as f64) / reference as f64 * 100.0;
    format!("{change:+.1}%")
}
