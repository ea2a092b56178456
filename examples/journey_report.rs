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
use std::time::Instant;

use hashbrown::HashMap;
use serde::Serialize;

use idstitch::journey::{Journeys, Metrics, MetricsConfig, Report, Touchpoint, UnresolvedKey};
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

/// Reads `event_id<TAB>person` lines: each event's true person, numbered.
fn read_truth(path: &str) -> Result<HashMap<String, u32>, Failure> {
    let file = File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?;
    // About 15 bytes a line: room for every event at once, no rehashing.
    let size = file.metadata().map_or(0, |meta| meta.len());
    let mut truth = HashMap::with_capacity(usize::try_from(size / 12).unwrap_or(0));
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
        truth.insert(event.to_owned(), person);
    }
    Ok(truth)
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
    let truth = options.truth.as_deref().map(read_truth).transpose()?;

    let input: Box<dyn BufRead> = match options.input.as_str() {
        "-" => Box::new(io::stdin().lock()),
        path => Box::new(BufReader::with_capacity(
            1 << 16,
            File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?,
        )),
    };
    // Profile ids never leave this program: any secret will do.
    let mut resolver = ResolverBuilder::new(SecretKey::derive("journey_report"))
        .default_region(options.region)
        .build();
    let config = MetricsConfig::default().with_window_days(options.window_days);
    let mut resolved = Journeys::new(config.clone());
    // The baselines' customers never change: their touchpoints are
    // gathered as they come and put into journeys once, at the end, so that
    // each journey is sorted and counted once instead of once per batch.
    let mut unresolved_touchpoints: Vec<(UnresolvedKey, Touchpoint)> = Vec::new();
    let mut true_touchpoints: Vec<(u32, Touchpoint)> = Vec::new();

    let mut counts = Counts::default();
    let mut reader = EventReader::new(input);
    // Where the time goes: reading and parsing, resolving, following the
    // resolver's journeys, the baselines' journeys.
    let mut timings = [std::time::Duration::ZERO; 4];
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
        timings[0] += lap.elapsed();
        lap = Instant::now();
        let outcomes = resolver.observe_batch(&events);
        timings[1] += lap.elapsed();
        lap = Instant::now();
        // Each event once, with what the resolver said of it: replays and
        // refused events are left out.
        let mut fresh: Vec<(&Event, Observation)> = Vec::with_capacity(events.len());
        for (event, outcome) in events.iter().zip(outcomes) {
            match outcome {
                Ok(outcome) if outcome.is_replay() => counts.replays += 1,
                Ok(outcome) => {
                    counts.rejected_values += outcome.rejects().len() as u64;
                    fresh.push((event, outcome));
                }
                Err(_) => counts.refused_events += 1,
            }
        }
        counts.events += fresh.len() as u64;
        // The baselines' touchpoints on a second thread while this one
        // follows the resolver: they share nothing but the events.
        let events_without_truth = std::thread::scope(|scope| {
            let baselines =
                scope.spawn(|| {
                    unresolved_touchpoints.extend(fresh.iter().map(|(event, _)| {
                        (UnresolvedKey::of(event), Touchpoint::from_event(event))
                    }));
                    let mut without_truth = 0;
                    if let Some(truth) = &truth {
                        true_touchpoints.extend(fresh.iter().filter_map(|(event, _)| {
                            let person = truth.get(event.id()).copied();
                            without_truth += u64::from(person.is_none());
                            Some((person?, Touchpoint::from_event(event)))
                        }));
                    }
                    without_truth
                });
            resolved.follow(
                &mut resolver,
                fresh.iter().map(|(event, outcome)| (*event, outcome)),
            );
            baselines.join()
        });
        counts.without_truth +=
            events_without_truth.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        timings[2] += lap.elapsed();
    }
    let lap = Instant::now();
    let unresolved_config = config.clone();
    let (unresolved, true_people) = std::thread::scope(|scope| {
        let unresolved = scope
            .spawn(move || Journeys::from_touchpoints(unresolved_config, unresolved_touchpoints));
        let true_people = Journeys::from_touchpoints(config, true_touchpoints);
        (unresolved.join(), true_people)
    });
    let unresolved = unresolved.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    timings[3] = lap.elapsed();
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
