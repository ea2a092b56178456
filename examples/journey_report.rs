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
//! reads stdin. Journeys follow the resolver batch by batch
//! (`Journeys::follow`): merges, renames and splits move only the journeys
//! they touch. "Without resolution" keys each event by its first raw
//! identifier, as separate systems would.
//!
//! With `--truth FILE` (lines `event_id<TAB>person`, as `generate --truth`
//! writes them) the same metrics are computed on the true people too, and
//! the ROPO count is compared: resolved against true against unresolved.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use hashbrown::HashMap;
use serde::Serialize;

use idstitch::journey::{
    Journey, Journeys, Metrics, MetricsConfig, Report, Touchpoint, UnresolvedKey,
};
use idstitch::jsonl::EventReader;
use idstitch::{Event, Observation, Region, ResolverBuilder, SecretKey};

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
    /// Event id → its person and the line that names it (the last, for an
    /// event named twice).
    by_event: HashMap<String, (u32, u32)>,
    /// The event ids back to back, in the order of the lines, and where
    /// each line's ends: the file is usually in the order of the events, so
    /// most look-ups are a comparison with the next line instead of a probe
    /// into a map of a million entries.
    ids: String,
    ends: Vec<u32>,
    /// Each line's person, or `None` for a line a later one overrides.
    people: Vec<Option<u32>>,
}

impl Truth {
    /// Reads `event_id<TAB>person` lines: each event's true person, numbered.
    fn read(path: &str) -> Result<Truth, Failure> {
        let file = File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?;
        // About 15 bytes a line: room for every event at once, no rehashing.
        let size = file.metadata().map_or(0, |meta| meta.len());
        let lines = usize::try_from(size / 12).unwrap_or(0);
        let mut truth = Truth {
            by_event: HashMap::with_capacity(lines),
            ids: String::with_capacity(usize::try_from(size).unwrap_or(0)),
            ends: Vec::with_capacity(lines),
            people: Vec::with_capacity(lines),
        };
        let mut people: HashMap<String, u32> = HashMap::new();
        for (at, line) in BufReader::with_capacity(1 << 16, file).lines().enumerate() {
            let line = line.map_err(|e| Failure::Io(format!("reading {path}"), e))?;
            if line.trim().is_empty() {
                continue;
            }
            let Some((event, person)) = line.split_once('\t') else {
                let message = format!("line {} is not `event_id<TAB>person`", at + 1);
                return Err(Failure::Io(
                    format!("reading {path}"),
                    io::Error::new(io::ErrorKind::InvalidData, message),
                ));
            };
            let next = u32::try_from(people.len()).unwrap_or(u32::MAX);
            let person = *people.entry_ref(person.trim()).or_insert(next);
            let kept = u32::try_from(truth.people.len()).unwrap_or(u32::MAX);
            if let Some((_, overridden)) = truth.by_event.insert(event.to_owned(), (person, kept)) {
                truth.people[overridden as usize] = None;
            }
            truth.ids.push_str(event);
            truth
                .ends
                .push(u32::try_from(truth.ids.len()).unwrap_or(u32::MAX));
            truth.people.push(Some(person));
        }
        Ok(truth)
    }

    /// The person of event `id`, trying kept line `next` first; moves
    /// `next` past the line that answered.
    fn person(&self, id: &str, next: &mut usize) -> Option<u32> {
        if let Some(Some(person)) = self.people.get(*next) {
            let start = match *next {
                0 => 0,
                line => self.ends[line - 1] as usize,
            };
            if self.ids.get(start..self.ends[*next] as usize) == Some(id) {
                *next += 1;
                return Some(*person);
            }
        }
        let (person, line) = *self.by_event.get(id)?;
        *next = line as usize + 1;
        Some(person)
    }
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
    let truth = options.truth.as_deref().map(Truth::read).transpose()?;

    let (input, input_size): (Box<dyn BufRead>, u64) = match options.input.as_str() {
        "-" => (Box::new(io::stdin().lock()), 0),
        path => {
            let file =
                File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?;
            let size = file.metadata().map_or(0, |meta| meta.len());
            (Box::new(BufReader::with_capacity(1 << 16, file)), size)
        }
    };
    // Profile ids never leave this program: any secret will do.
    let mut resolver = ResolverBuilder::new(SecretKey::derive("journey_report"))
        .default_region(options.region)
        .build();
    let config = MetricsConfig::default().with_window_days(options.window_days);
    let mut resolved = Journeys::new(config.clone());

    let mut counts = Counts::default();
    let mut reader = EventReader::new(input);
    // Where the time goes: reading and parsing, resolving, following the
    // resolver's journeys, the baselines' journeys (what is left of them
    // after the loop).
    let mut timings = [std::time::Duration::ZERO; 4];
    // The baselines' customers never change and need nothing of the
    // resolver: a thread of their own gathers their touchpoints by customer
    // while this one reads, resolves and follows the next batches, and each
    // journey is sorted and counted once, at the end.
    let (baselines, (unresolved, true_people)) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Fresh>(2);
        let gathering = scope.spawn(|| gather_baselines(receive, truth.as_ref(), input_size));
        loop {
            let mut lap = Instant::now();
            let mut batch = reader
                .read_batch(BATCH)
                .map_err(|e| Failure::Io("reading events".into(), e))?;
            if batch.is_empty() {
                break;
            }
            let mut events: Vec<Event> = Vec::with_capacity(batch.len());
            for parsed in &mut batch {
                // A line's own rejects: not an event at all, or a bad identifier.
                let rejects = parsed.rejects().len() as u64;
                match parsed.take_event() {
                    Some(event) => {
                        counts.rejected_values += rejects;
                        events.push(event);
                    }
                    None => counts.lines_skipped += 1,
                }
            }
            drop(batch);
            timings[0] += lap.elapsed();
            lap = Instant::now();
            let outcomes = resolver.observe_batch(&events);
            timings[1] += lap.elapsed();
            lap = Instant::now();
            // Each event once, with what the resolver said of it: replays and
            // refused events are left out.
            let mut fresh: Vec<(usize, Observation)> = Vec::with_capacity(events.len());
            for (at, outcome) in outcomes.into_iter().enumerate() {
                match outcome {
                    Ok(outcome) if outcome.is_replay() => counts.replays += 1,
                    Ok(outcome) => {
                        counts.rejected_values += outcome.rejects().len() as u64;
                        fresh.push((at, outcome));
                    }
                    Err(_) => counts.refused_events += 1,
                }
            }
            counts.events += fresh.len() as u64;
            resolved.follow(
                &mut resolver,
                fresh.iter().map(|(at, outcome)| (&events[*at], outcome)),
            );
            let fresh = Fresh {
                at: fresh.into_iter().map(|(at, _)| at).collect(),
                events,
            };
            // Only fails if the gathering thread panicked: `join` says why.
            if send.send(fresh).is_err() {
                break;
            }
            timings[2] += lap.elapsed();
        }
        drop(send);
        let lap = Instant::now();
        let baselines = gathering
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let unresolved_config = config.clone();
        let (keys, by_key, by_person) =
            (baselines.keys, baselines.unresolved, baselines.true_people);
        let unresolved = scope.spawn(move || {
            let mut by_key = by_key.into_touchpoints();
            Journeys::from_journeys(
                unresolved_config,
                keys.into_iter().map(|(key, customer)| {
                    let touchpoints = std::mem::take(&mut by_key[customer as usize]);
                    (key, Journey::new(touchpoints))
                }),
            )
        });
        let true_people = Journeys::from_journeys(
            config,
            (0_u32..)
                .zip(by_person.into_touchpoints())
                .filter(|(_, touchpoints)| !touchpoints.is_empty())
                .map(|(person, touchpoints)| (person, Journey::new(touchpoints))),
        );
        let unresolved = unresolved
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        timings[3] = lap.elapsed();
        Ok::<_, Failure>((baselines.without_truth, (unresolved, true_people)))
    })?;
    counts.without_truth = baselines;
    let report = Report::new(resolved.metrics(), unresolved.metrics());
    let truth_metrics = truth.as_ref().map(|_| true_people.metrics());
    // Millions of small allocations: the process ends soon, and freeing
    // them one by one would take a tenth of the run.
    std::mem::forget((resolver, resolved, unresolved, true_people, truth));
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
        "journey_report: {} events into {} profiles ({} without resolution) in {:.2}s: reading {:.2}s, resolving {:.2}s, journeys {:.2}s, baselines {:.2}s",
        counts.events,
        report.resolved.profiles,
        report.unresolved.profiles,
        elapsed.as_secs_f64(),
        timings[0].as_secs_f64(),
        timings[1].as_secs_f64(),
        timings[2].as_secs_f64(),
        timings[3].as_secs_f64(),
    );
    Ok(())
}

/// A batch's events for the baselines, and which of them are fresh (not
/// replays, not refused).
struct Fresh {
    events: Vec<Event>,
    at: Vec<usize>,
}

/// The baselines' touchpoints, gathered by customer.
#[derive(Default)]
struct Baselines {
    /// Each raw customer key and its number in `unresolved`.
    keys: HashMap<UnresolvedKey, u32>,
    unresolved: ByCustomer,
    /// By true person, numbered densely by `Truth::read`.
    true_people: ByCustomer,
    /// Events the truth file does not name.
    without_truth: u64,
}

/// Touchpoints by customer number, kept in arrival order, a list per batch,
/// and put into journeys once all have come: no list is ever copied to grow,
/// and each journey is allocated once, at its size.
#[derive(Default)]
struct ByCustomer {
    batches: Vec<Vec<(u32, Touchpoint)>>,
    /// Touchpoints per customer.
    counts: Vec<u32>,
}

impl ByCustomer {
    fn start_batch(&mut self, size: usize) {
        self.batches.push(Vec::with_capacity(size));
    }

    fn push(&mut self, customer: u32, touchpoint: Touchpoint) {
        let at = customer as usize;
        if self.counts.len() <= at {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += 1;
        if let Some(batch) = self.batches.last_mut() {
            batch.push((customer, touchpoint));
        }
    }

    /// Every customer's touchpoints, by customer number (empty for numbers
    /// without any).
    fn into_touchpoints(self) -> Vec<Vec<Touchpoint>> {
        let mut by_customer: Vec<Vec<Touchpoint>> = self
            .counts
            .iter()
            .map(|count| Vec::with_capacity(*count as usize))
            .collect();
        for (customer, touchpoint) in self.batches.into_iter().flatten() {
            by_customer[customer as usize].push(touchpoint);
        }
        by_customer
    }
}

/// Gathers the baselines' touchpoints from every batch `receive` gets.
fn gather_baselines(receive: Receiver<Fresh>, truth: Option<&Truth>, input_size: u64) -> Baselines {
    let mut baselines = Baselines::default();
    // Events take 150 to 250 bytes a line: room for a customer per event
    // from the start saves rehashing a map of a million keys as it grows.
    let expected = usize::try_from(input_size / 200).unwrap_or(0);
    baselines.keys.reserve(expected);
    let mut next_line = 0;
    for fresh in receive {
        baselines.unresolved.start_batch(fresh.at.len());
        if truth.is_some() {
            baselines.true_people.start_batch(fresh.at.len());
        }
        for event in fresh.at.iter().map(|at| &fresh.events[*at]) {
            let touchpoint = Touchpoint::from_event(event);
            if let Some(truth) = truth {
                match truth.person(event.id(), &mut next_line) {
                    Some(person) => baselines.true_people.push(person, touchpoint.clone()),
                    None => baselines.without_truth += 1,
                }
            }
            let next = u32::try_from(baselines.keys.len()).unwrap_or(u32::MAX);
            let customer = *baselines
                .keys
                .entry(UnresolvedKey::of(event))
                .or_insert(next);
            baselines.unresolved.push(customer, touchpoint);
        }
    }
    baselines
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
