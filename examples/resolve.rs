//! Resolves a JSON Lines file of events into unified profiles (see
//! `spec/events.md`): profiles to stdout, rejects to stderr or a file.
//!
//! ```text
//! cargo run --release --example resolve -- [--rejects FILE] [--region CC] [--hashed]
//!     [--secret-env VAR] [--no-protect] [--fuzzy] [--generic FILE] [--review FILE] [FILE]
//! ```
//!
//! The resolver's default protection is on: values that join too many people
//! (a kiosk cookie, a store's phone number) are marked generic and stop
//! linking, and links that would give a profile too many emails, phones or
//! loyalty cards wait for review. `--generic` and `--review` write those out
//! as JSON Lines; `--no-protect` turns protection and the blocklist off, for
//! comparison with plain transitive merging. `--fuzzy` adds the built-in
//! fuzzy match rules (email typos, name and place, phone digit slips): sure
//! matches merge, likely ones go to the review queue.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde::Serialize;

use idstitch::fuzzy::FuzzyConfig;
use idstitch::jsonl::{EventReader, ProfileRecord, RejectRecord};
use idstitch::{
    Blocklist, ErrorKind, GenericValue, ProfileId, ProfileIdentifier, Protection, Region,
    ResolverBuilder, ReviewItem, ReviewReason, SecretKey,
};

const USAGE: &str = "\
usage: resolve [--rejects FILE] [--region CC] [--hashed] [--secret-env VAR]
               [--no-protect] [--fuzzy] [--generic FILE] [--review FILE] [FILE]

Reads events as JSON Lines from FILE (or stdin) and writes one unified profile
per line to stdout, and one reject record per line to stderr (or --rejects FILE).

  --rejects FILE    write reject records to FILE instead of stderr
  --region CC       read national phone numbers in region CC (e.g. NL, DE, FI);
                    without it they are rejected unless an event's `country` says
  --hashed          keep only keyed hashes of identifiers: output shows keys, not values
  --secret-env VAR  read the hashing secret from environment variable VAR
                    (default IDSTITCH_SECRET; 64 hex digits, or a passphrase)
  --no-protect      plain transitive merging, for comparison: no generic values,
                    no per-profile limits, no blocklist
  --fuzzy           also link by the built-in fuzzy rules (email typos, name and
                    place, phone digit slips): a score at or above 0.95 merges,
                    one from 0.80 goes to the review queue
  --generic FILE    write the values marked generic to FILE, one JSON object per
                    line: type, value (null with --hashed), key, profiles joined
                    when marked, later events that carried it with others
  --review FILE     write the links held back for review to FILE, one JSON
                    object per line: event, kept and held identifier, their
                    profiles, reason (limit_exceeded with kind and limit, or
                    fuzzy_match with rule and score)

The summary on stderr counts events, profiles, rejects, generic values and
links for review, and with --fuzzy the comparisons made.";

/// Used when no secret is given, so that a first run works; not private.
/// Lines read, parsed and observed together: enough to keep both cores busy.
const BATCH: usize = 8192;

const DEMO_PASSPHRASE: &str = "idstitch resolve demo secret";

struct Options {
    input: Option<String>,
    rejects: Option<String>,
    region: Option<Region>,
    hashed: bool,
    secret_env: String,
    no_protect: bool,
    fuzzy: bool,
    generic: Option<String>,
    review: Option<String>,
}

/// Why the program stops early.
enum Failure {
    /// Bad arguments: the message, then the usage (exit code 2).
    Usage(String),
    /// A bad setting: the message alone (exit code 2).
    Config(String),
    /// Reading or writing failed (exit code 1).
    Io(String, io::Error),
    /// stdout was closed by its reader: stop quietly.
    BrokenPipe,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) | Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("resolve: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Config(message)) => {
            eprintln!("resolve: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Io(what, error)) => {
            eprintln!("resolve: {what}: {error}");
            ExitCode::from(1)
        }
    }
}

fn parse_args() -> Result<Option<Options>, Failure> {
    let mut options = Options {
        input: None,
        rejects: None,
        region: None,
        hashed: false,
        secret_env: "IDSTITCH_SECRET".into(),
        no_protect: false,
        fuzzy: false,
        generic: None,
        review: None,
    };
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
            "--hashed" => options.hashed = true,
            "--no-protect" => options.no_protect = true,
            "--fuzzy" => options.fuzzy = true,
            "--generic" => options.generic = Some(value("--generic")?),
            "--review" => options.review = Some(value("--review")?),
            "--rejects" => options.rejects = Some(value("--rejects")?),
            "--secret-env" => options.secret_env = value("--secret-env")?,
            "--region" => {
                let text = value("--region")?;
                let region = text
                    .parse::<Region>()
                    .map_err(|error| Failure::Config(format!("--region {text}: {error}")))?;
                options.region = Some(region);
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(Failure::Usage(format!("unknown option {flag}")));
            }
            _ if options.input.is_some() => {
                return Err(Failure::Usage("give at most one input FILE".into()));
            }
            _ => options.input = Some(arg),
        }
    }
    Ok(Some(options))
}

fn secret(var: &str) -> Result<SecretKey, Failure> {
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => {
            let text = text.trim();
            if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                SecretKey::from_hex(text)
                    .map_err(|error| Failure::Config(format!("{var}: {error}")))
            } else {
                Ok(SecretKey::derive(text))
            }
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::Config(format!("{var} is not valid UTF-8")))
        }
        _ => {
            eprintln!(
                "resolve: {var} is not set; using a demo secret (keys and profile ids are not private)"
            );
            Ok(SecretKey::derive(DEMO_PASSPHRASE))
        }
    }
}

/// Writes reject records and counts them.
struct Rejects {
    out: Box<dyn Write>,
    count: u64,
}

impl Rejects {
    fn write(&mut self, record: &RejectRecord) -> Result<(), Failure> {
        self.count += 1;
        writeln!(self.out, "{}", record.to_json()).map_err(|e| write_error("rejects", e))
    }
}

/// A line on stderr, about once a second, when stderr is a terminal.
struct Progress {
    enabled: bool,
    /// Overwrite one line in place; only when rejects do not go to stderr too.
    inline: bool,
    start: Instant,
    next: Instant,
    shown: bool,
}

impl Progress {
    fn tick(&mut self, events: u64, rejects: &mut Rejects) {
        if !self.enabled || events % 256 != 0 || Instant::now() < self.next {
            return;
        }
        self.next = Instant::now() + Duration::from_secs(1);
        let rate = events as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        let line = format!("resolve: {events} events read, {rate:.0} events/s");
        if self.inline {
            eprint!("\r{line}");
            self.shown = true;
        } else {
            let _ = rejects.out.flush();
            eprintln!("{line}");
        }
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r{:60}\r", "");
        }
    }
}

fn run() -> Result<(), Failure> {
    let Some(options) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let start = Instant::now();
    // Profiles are written once at the end, so no change log is kept.
    let mut builder = ResolverBuilder::new(secret(&options.secret_env)?)
        .keep_values(!options.hashed)
        .change_log(false);
    if let Some(region) = options.region {
        builder = builder.default_region(region);
    }
    if options.no_protect {
        builder = builder
            .protection(Protection::none())
            .blocklist(Blocklist::none());
    }
    if options.fuzzy {
        builder = builder.fuzzy(FuzzyConfig::default());
    }
    let mut resolver = builder.build();

    let input: Box<dyn BufRead + Send> = match options.input.as_deref() {
        None | Some("-") => Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
        Some(path) => Box::new(BufReader::with_capacity(
            1 << 16,
            File::open(path).map_err(|e| Failure::Io(format!("cannot open {path}"), e))?,
        )),
    };
    let to_file = options.rejects.is_some();
    let mut rejects = Rejects {
        out: match &options.rejects {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).map_err(|e| Failure::Io(format!("cannot create {path}"), e))?,
            )),
            None => Box::new(BufWriter::new(io::stderr())),
        },
        count: 0,
    };
    let mut progress = Progress {
        enabled: io::stderr().is_terminal(),
        inline: to_file,
        start,
        next: start + Duration::from_secs(1),
        shown: false,
    };

    // Distinct event ids in input order; a replay is not listed again.
    let mut order: Vec<String> = Vec::new();
    let mut read = 0u64;
    // A reader thread parses the next batch (on every core) while this one
    // resolves the current batch, normalizing and hashing on the other
    // cores; resolving runs in input order, so the output is the same as
    // one event at a time.
    let (batches, received) = std::sync::mpsc::sync_channel(1);
    std::thread::scope(|scope| -> Result<(), Failure> {
        scope.spawn(move || {
            let mut reader = EventReader::new(input);
            loop {
                let batch = reader.read_batch(BATCH);
                let last = batch.as_ref().map_or(true, Vec::is_empty);
                if batches.send(batch).is_err() || last {
                    break;
                }
            }
        });
        for batch in received {
            let mut batch = batch.map_err(|e| Failure::Io("reading events".into(), e))?;
            if batch.is_empty() {
                break;
            }
            let mut events = Vec::with_capacity(batch.len());
            let has_event: Vec<bool> = batch
                .iter_mut()
                .map(|parsed| {
                    parsed
                        .take_event()
                        .map(|event| events.push(event))
                        .is_some()
                })
                .collect();
            let mut outcomes = events.iter().zip(resolver.observe_batch(&events));
            for (parsed, has_event) in batch.iter().zip(has_event) {
                for record in parsed.rejects() {
                    rejects.write(record)?;
                }
                if !has_event {
                    continue;
                }
                let Some((event, outcome)) = outcomes.next() else {
                    unreachable!("one outcome per event");
                };
                read += 1;
                match outcome {
                    Ok(outcome) => {
                        for record in RejectRecord::from_observation(parsed.line(), event, &outcome)
                        {
                            rejects.write(&record)?;
                        }
                        if !outcome.is_replay() {
                            order.push(event.id().to_owned());
                        }
                    }
                    Err(error) => {
                        // A refused id is not echoed back: it may be huge or hold control characters.
                        let id = match error.kind() {
                            ErrorKind::InvalidEventId { .. } => None,
                            _ => Some(event.id()),
                        };
                        let message = format!("{error}; the event is skipped");
                        rejects.write(&RejectRecord::new(parsed.line(), id, None, message))?;
                    }
                }
            }
            progress.tick(read, &mut rejects);
        }
        Ok(())
    })?;
    progress.clear();
    rejects.out.flush().map_err(|e| write_error("rejects", e))?;

    // Group the events by the profile they ended in, in order of first event.
    // Looking up and writing run on every core, in input order.
    let resolver = &resolver;
    let profile_of = in_parallel(&order, |id| {
        resolver
            .event_profile(id)
            .unwrap_or_else(|| unreachable!("an applied event has a profile"))
    });
    let mut index: HashMap<ProfileId, usize> = HashMap::new();
    let mut groups: Vec<(ProfileId, Vec<&str>)> = Vec::new();
    for (id, &profile) in order.iter().zip(&profile_of) {
        let at = *index.entry(profile).or_insert_with(|| {
            groups.push((profile, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(id);
    }
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    for lines in groups.chunks(BATCH) {
        let lines = in_parallel(lines, |(id, events)| {
            let profile = resolver
                .profile(*id)
                .unwrap_or_else(|| unreachable!("a live profile has a view"));
            ProfileRecord::new(&profile, events).to_json()
        });
        for line in lines {
            writeln!(out, "{line}").map_err(|e| write_error("profiles", e))?;
        }
    }
    out.flush().map_err(|e| write_error("profiles", e))?;

    let generic = resolver.generic_values();
    if let Some(path) = &options.generic {
        write_lines(path, "generic values", generic.iter().map(GenericLine::new))?;
    }
    let review = resolver.review_queue();
    if let Some(path) = &options.review {
        write_lines(path, "the review queue", review.iter().map(ReviewLine::new))?;
    }

    eprintln!(
        "resolve: {read} events ({} distinct), {} profiles, {} rejects, {} generic values, {} links for review in {:.2}s",
        order.len(),
        groups.len(),
        rejects.count,
        generic.len(),
        review.len(),
        start.elapsed().as_secs_f64()
    );
    if let Some(stats) = resolver.fuzzy_stats() {
        eprintln!(
            "resolve: fuzzy: {} comparisons for {} events, at most {} for one event; {} events reached the cap",
            stats.comparisons, stats.records, stats.most_comparisons, stats.capped
        );
    }
    Ok(())
}

/// `f` of every item, in order, computed on every core.
fn in_parallel<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads == 1 || items.len() < 1024 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<U>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| match part.join() {
                Ok(values) => values,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// An identifier in `--generic` and `--review` lines: the value is `null`
/// with `--hashed`, the key is always there.
#[derive(Serialize)]
struct IdentifierLine<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    value: Option<&'a str>,
    key: String,
}

impl<'a> IdentifierLine<'a> {
    fn new(identifier: &'a ProfileIdentifier) -> Self {
        IdentifierLine {
            kind: identifier.kind().as_str(),
            value: identifier.value(),
            key: identifier.key().to_string(),
        }
    }
}

/// One line of `--generic`: the identifier's fields, then its counts.
#[derive(Serialize)]
struct GenericLine<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    value: Option<&'a str>,
    key: String,
    profiles: u32,
    later_events: u64,
}

impl<'a> GenericLine<'a> {
    fn new(generic: &'a GenericValue) -> Self {
        let IdentifierLine { kind, value, key } = IdentifierLine::new(generic.identifier());
        GenericLine {
            kind,
            value,
            key,
            profiles: generic.profiles(),
            later_events: generic.later_events(),
        }
    }
}

/// One line of `--review`.
#[derive(Serialize)]
struct ReviewLine<'a> {
    event: &'a str,
    kept: IdentifierLine<'a>,
    held: IdentifierLine<'a>,
    kept_profile: Option<String>,
    held_profile: Option<String>,
    reason: &'static str,
    kind: Option<&'a str>,
    limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

impl<'a> ReviewLine<'a> {
    fn new(item: &'a ReviewItem) -> Self {
        // `ReviewReason` may gain reasons; one this program does not know
        // is written as "other", without kind and limit.
        let (reason, kind, limit) = match item.reason() {
            ReviewReason::LimitExceeded { kind, limit } => {
                ("limit_exceeded", Some(kind.as_str()), Some(*limit))
            }
            ReviewReason::FuzzyMatch { .. } => ("fuzzy_match", None, None),
            _ => ("other", None, None),
        };
        let (rule, score) = match item.reason() {
            ReviewReason::FuzzyMatch { rule, score } => (Some(rule.as_str()), Some(score.get())),
            _ => (None, None),
        };
        ReviewLine {
            event: item.event(),
            kept: IdentifierLine::new(item.kept()),
            held: IdentifierLine::new(item.held()),
            kept_profile: item.kept_profile().map(|id| id.to_string()),
            held_profile: item.held_profile().map(|id| id.to_string()),
            reason,
            kind,
            limit,
            rule,
            score,
        }
    }
}

/// Writes `lines` to a new file at `path`, one JSON object per line.
fn write_lines<T: Serialize>(
    path: &str,
    what: &str,
    lines: impl Iterator<Item = T>,
) -> Result<(), Failure> {
    let file = File::create(path).map_err(|e| Failure::Io(format!("cannot create {path}"), e))?;
    let mut out = BufWriter::new(file);
    for line in lines {
        // Plain strings and numbers always serialize: an error here is a
        // failed write.
        serde_json::to_writer(&mut out, &line)
            .map_err(|e| Failure::Io(format!("writing {what}"), e.into()))?;
        out.write_all(b"\n").map_err(|e| write_error(what, e))?;
    }
    out.flush().map_err(|e| write_error(what, e))
}

/// A closed pipe means the reader has seen enough: stop quietly.
fn write_error(what: &str, error: io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Io(format!("writing {what}"), error)
    }
}
