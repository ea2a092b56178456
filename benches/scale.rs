//! How `observe` holds up at millions of events, against a bare union-find.
//!
//! For each size (1,000,000 and 10,000,000 events unless
//! `IDSTITCH_SCALE_SIZES=100000,1000000` says otherwise) the seeded test
//! generator writes the events, which are parsed into `Event`s before any
//! timing. The events carry about three of their person's identifiers each,
//! as the targets assume (`IDSTITCH_SCALE_IDS_PER_EVENT=2.5` asks for
//! another mean; 0 for the generator's own walk of about 1.9); each stage
//! prints the mean it got. Then, single-threaded and in hashed mode:
//!
//! 1. the floor: every raw `(kind, value)` is interned to a `u32` (untimed)
//!    and each event becomes the pairs (first identifier, other identifier);
//!    only petgraph's `UnionFind<u32>` over those pairs is timed;
//! 2. the fast path (`keep_evidence(false)`, `Protection::none()`), then the
//!    default path (evidence and default protection): `observe` over every
//!    event, with resident memory read from `/proc/self/status` around it;
//! 3. `lookup` latency on the warm default resolver: 100,000 known
//!    identifiers, each call timed on its own;
//! 4. at sizes up to 1,000,000 events only (it holds every record's values
//!    and blocking keys, and the default run should stay short), the fuzzy
//!    path: the default path with the built-in fuzzy rules
//!    (`FuzzyConfig::default()`) over the same events, and its throughput
//!    against the default path's (issue 5: within 3x).
//!
//! Each stage runs in a fresh process (this binary, started
//! again with `IDSTITCH_SCALE_STAGE` set) that rebuilds the same seeded
//! events: memory that one stage freed and the allocator kept would
//! otherwise be reused by the next resolver and hide its growth. The
//! events' checksum, printed by every stage, shows they are the same.
//!
//! ```text
//! IDSTITCH_SCALE_SIZES=100000,1000000 cargo bench --bench scale
//! IDSTITCH_SCALE_IDS_PER_EVENT=4 cargo bench --bench scale
//! IDSTITCH_SCALE_SIZES=1000000 cargo bench --bench scale   # fuzzy included
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use idstitch::fuzzy::FuzzyConfig;
use idstitch::jsonl::parse_line;
use idstitch::{Event, Identifier, Protection, Region, Resolver, ResolverBuilder, SecretKey};
use petgraph::unionfind::UnionFind;

// Each bench uses only part of the generator.
#[allow(dead_code)]
#[path = "../tests/common/generator.rs"]
mod generator;

use generator::{Config, Schedule};

const DEFAULT_SIZES: [usize; 2] = [1_000_000, 10_000_000];
const SIZES_VAR: &str = "IDSTITCH_SCALE_SIZES";
/// The targets assume about three identifiers per event.
const DEFAULT_IDS_PER_EVENT: f64 = 3.0;
const IDS_PER_EVENT_VAR: &str = "IDSTITCH_SCALE_IDS_PER_EVENT";
/// Set on the child processes only: `floor:SIZE`, `fast:SIZE`,
/// `evidence:SIZE` or `fuzzy:SIZE`.
const STAGE_VAR: &str = "IDSTITCH_SCALE_STAGE";
/// Marks the line a stage hands its numbers back on.
const RESULT: &str = "@result";
const SEED: u64 = 0x5CA1_E000;
/// The generator's mean events per person.
const MEAN_EVENTS: usize = 5;
const LOOKUPS: usize = 100_000;
const FLOOR_RUNS: usize = 5;
/// The fuzzy stage runs at sizes up to this one.
const FUZZY_MAX_SIZE: usize = 1_000_000;

fn main() {
    match std::env::var(STAGE_VAR) {
        Ok(stage) => run_stage(&stage),
        Err(_) => run_all(),
    }
}

fn run_all() {
    let sizes = sizes();
    let ids_per_event = ids_per_event();
    print_machine();
    println!(
        "sizes: {} events (set {SIZES_VAR} to change); single-threaded, hashed mode, seed {SEED:#x}",
        sizes
            .iter()
            .map(|&n| thousands(n as u64))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "identifiers per event: about {ids_per_event} asked of the generator (set {IDS_PER_EVENT_VAR} to change; the generator's own walk gives about 1.9)"
    );
    println!("each stage below runs in a fresh process that rebuilds the same events");
    println!("load average (1 5 15 min): {}", load_average());
    let mut rows = Vec::new();
    for &size in &sizes {
        println!();
        println!("== {} events ==", thousands(size as u64));
        let Some(floor) = spawn_stage("floor", size) else {
            continue;
        };
        let floor = Duration::from_nanos(floor.get("nanos"));
        let paths: &[&'static str] = if size <= FUZZY_MAX_SIZE {
            &["fast", "evidence", "fuzzy"]
        } else {
            &["fast", "evidence"]
        };
        for &path in paths {
            let Some(result) = spawn_stage(path, size) else {
                continue;
            };
            let row = Row {
                size,
                path,
                observe: Duration::from_nanos(result.get("nanos")),
                identifiers: result.get("identifiers"),
                growth_kib: result.get("growth_kib"),
                distinct: result.get("distinct"),
                profiles: result.get("profiles"),
                floor,
                lookup: (path == "evidence").then(|| {
                    [
                        result.get("lookup_p50"),
                        result.get("lookup_p99"),
                        result.get("lookup_p999"),
                    ]
                }),
            };
            println!(
                "  vs floor: observe takes {:.1}x the bare union-find ({:.3} s / {:.3} s)",
                row.observe.as_secs_f64() / floor.as_secs_f64(),
                row.observe.as_secs_f64(),
                floor.as_secs_f64(),
            );
            let evidence = rows
                .iter()
                .find(|other: &&Row| other.size == size && other.path == "evidence");
            if let (Some(evidence), "fuzzy") = (evidence, path) {
                println!(
                    "  vs evidence: fuzzy observe takes {:.2}x the default path ({} / {} events/s)",
                    row.observe.as_secs_f64() / evidence.observe.as_secs_f64(),
                    thousands(row.events_per_sec() as u64),
                    thousands(evidence.events_per_sec() as u64),
                );
            }
            rows.push(row);
        }
    }
    summary(&rows);
}

/// The numbers a stage printed on its `@result` line.
struct StageResult(HashMap<String, String>);

impl StageResult {
    fn get<T: std::str::FromStr>(&self, name: &str) -> T {
        self.0
            .get(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("the stage reported no {name}"))
    }
}

/// Runs one stage in a fresh process, echoing what it prints; `None` when
/// it failed (a message says why).
fn spawn_stage(stage: &str, size: usize) -> Option<StageResult> {
    let exe = std::env::current_exe().expect("the path of this bench");
    let mut child = Command::new(exe)
        .env(STAGE_VAR, format!("{stage}:{size}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a stage process");
    let mut result = None;
    let stdout = child.stdout.take().expect("piped stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read the stage's output");
        match line.strip_prefix(RESULT) {
            Some(fields) => {
                result = Some(StageResult(
                    fields
                        .split_whitespace()
                        .filter_map(|field| field.split_once('='))
                        .map(|(name, value)| (name.to_owned(), value.to_owned()))
                        .collect(),
                ));
            }
            None => {
                println!("{line}");
                std::io::stdout().flush().expect("flush stdout");
            }
        }
    }
    let status = child.wait().expect("wait for the stage");
    if !status.success() || result.is_none() {
        println!(
            "  stage {stage} at {} events FAILED: {status} (a kill by signal 9 is most likely the out-of-memory killer)",
            thousands(size as u64)
        );
        return None;
    }
    result
}

/// One stage, in its own process.
fn run_stage(spec: &str) {
    let (stage, size) = spec
        .split_once(':')
        .and_then(|(stage, size)| Some((stage, size.parse::<usize>().ok()?)))
        .unwrap_or_else(|| panic!("{STAGE_VAR}={spec:?}: expected STAGE:SIZE"));
    match stage {
        "floor" => println!("floor: bare union-find over integer pairs"),
        "fast" => println!("fast path: keep_evidence(false), Protection::none()"),
        "evidence" => {
            println!("evidence path (the default): keep_evidence(true), Protection::default()")
        }
        "fuzzy" => println!("fuzzy path: the evidence path plus FuzzyConfig::default()"),
        _ => panic!("{STAGE_VAR}: unknown stage {stage:?}"),
    }
    println!("  load average at start: {}", load_average());
    let started = Instant::now();
    let (events, people) = build_events(size);
    let built = started.elapsed();
    let identifiers: usize = events.iter().map(|event| event.identifiers().len()).sum();
    let memory = Memory::now();
    println!(
        "  events: {} from {} people, {} identifiers ({:.2} per event), checksum {:016x}; generated and parsed (untimed) in {:.1} s; RSS {}, peak so far {}",
        thousands(events.len() as u64),
        thousands(people as u64),
        thousands(identifiers as u64),
        identifiers as f64 / events.len() as f64,
        checksum(&events),
        built.as_secs_f64(),
        mib(memory.rss),
        mib(memory.hwm),
    );
    if stage == "floor" {
        let elapsed = floor(&events);
        println!("{RESULT} nanos={}", elapsed.as_nanos());
        return;
    }
    let keep_evidence = stage != "fast";
    let mut builder = ResolverBuilder::new(SecretKey::derive("scale bench"))
        .default_region(Region::NL)
        .keep_evidence(keep_evidence)
        .protection(if keep_evidence {
            Protection::default()
        } else {
            Protection::none()
        });
    if stage == "fuzzy" {
        builder = builder.fuzzy(FuzzyConfig::default());
    }
    let (measured, resolver) = measure(builder, &events);
    if let Some(stats) = resolver.fuzzy_stats() {
        println!(
            "  fuzzy: {} comparisons ({:.3} per event), at most {} for one event, {} events reached the cap; {} records and {} postings indexed; {} for review",
            thousands(stats.comparisons),
            stats.comparisons as f64 / events.len() as f64,
            stats.most_comparisons,
            thousands(stats.capped),
            thousands(stats.indexed as u64),
            thousands(stats.postings as u64),
            thousands(resolver.review_queue().len() as u64),
        );
    }
    let mut line = format!(
        "{RESULT} nanos={} identifiers={identifiers} growth_kib={} distinct={} profiles={}",
        measured.elapsed.as_nanos(),
        measured.after.rss - measured.before.rss,
        measured.distinct,
        measured.profiles,
    );
    if stage == "evidence" {
        let [p50, p99, p999] = lookups(&resolver, &events);
        write!(
            line,
            " lookup_p50={p50} lookup_p99={p99} lookup_p999={p999}"
        )
        .expect("writing to a String");
    }
    println!("{line}");
}

/// The 1, 5 and 15 minute load averages: other work on the machine skews
/// the timings.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// FNV-1a over every event id and identifier, to show that each stage got
/// the same events.
fn checksum(events: &[Event]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes.iter().chain(&[0xff]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for event in events {
        feed(event.id().as_bytes());
        for identifier in event.identifiers() {
            feed(identifier.kind().as_str().as_bytes());
            feed(identifier.value().as_bytes());
        }
    }
    hash
}

/// The mean identifiers per event to ask the generator for, from the
/// environment or the default.
fn ids_per_event() -> f64 {
    let Ok(text) = std::env::var(IDS_PER_EVENT_VAR) else {
        return DEFAULT_IDS_PER_EVENT;
    };
    text.trim()
        .parse()
        .ok()
        .filter(|mean: &f64| mean.is_finite() && *mean >= 0.0)
        .unwrap_or_else(|| {
            panic!("{IDS_PER_EVENT_VAR}: {text:?} is not a mean number of identifiers, such as 3")
        })
}

/// The sizes to run, from the environment or the defaults.
fn sizes() -> Vec<usize> {
    let Ok(text) = std::env::var(SIZES_VAR) else {
        return DEFAULT_SIZES.to_vec();
    };
    let sizes: Vec<usize> = text
        .split(',')
        .map(|part| part.trim().replace('_', ""))
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse()
                .unwrap_or_else(|_| panic!("{SIZES_VAR}: {part:?} is not a number of events"))
        })
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&n| n > 0),
        "{SIZES_VAR} must list positive sizes, such as 100000,1000000"
    );
    sizes
}

fn print_machine() {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let total = status_kib("/proc/meminfo", "MemTotal:");
    let available = status_kib("/proc/meminfo", "MemAvailable:");
    println!(
        "machine: nproc {cpus}, cpu {model:?}, memory {} total, {} available",
        total.map_or("unknown".into(), mib),
        available.map_or("unknown".into(), mib),
    );
}

/// One (size, path) result, for the summary.
struct Row {
    size: usize,
    path: &'static str,
    observe: Duration,
    identifiers: usize,
    growth_kib: i64,
    distinct: usize,
    profiles: usize,
    floor: Duration,
    lookup: Option<[u64; 3]>,
}

impl Row {
    fn events_per_sec(&self) -> f64 {
        self.size as f64 / self.observe.as_secs_f64()
    }
}

/// The generator's events, parsed; and how many people it was asked for.
fn build_events(size: usize) -> (Vec<Event>, usize) {
    // The generator's size is within a few per mille of the one asked for;
    // ask for enough and drop the last events (in time) past `size`.
    let mut config = Config {
        seed: SEED,
        mean_events: MEAN_EVENTS,
        ..Config::default()
    }
    .with_events(size);
    while config.event_count() < size {
        config.people += config.people / 1000 + 1;
    }
    let people = config.people;
    let schedule = Schedule::with_identifiers_per_event(&config, ids_per_event());
    let mut events = Vec::with_capacity(size);
    let mut rejected = 0usize;
    let mut line_number = 0u64;
    schedule.for_each_line(|line| {
        line_number += 1;
        if events.len() == size {
            return;
        }
        let parsed = parse_line(line.text.as_bytes(), line_number);
        rejected += parsed.rejects().len();
        if let Some(event) = parsed.into_event() {
            events.push(event);
        }
    });
    assert_eq!(rejected, 0, "the clean generator wrote lines with rejects");
    assert_eq!(
        events.len(),
        size,
        "the generator wrote fewer events than event_count() said"
    );
    (events, people)
}

/// Times the bare union-find over the events' identifier pairs.
fn floor(events: &[Event]) -> Duration {
    let before = Memory::now();
    let started = Instant::now();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut key = String::new();
    let mut event_ids: Vec<u32> = Vec::with_capacity(8);
    for event in events {
        event_ids.clear();
        for identifier in event.identifiers() {
            key.clear();
            write!(
                key,
                "{}\u{1f}{}",
                identifier.kind().as_str(),
                identifier.value()
            )
            .expect("writing to a String");
            let id = match ids.get(key.as_str()) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(ids.len()).expect("fewer than 2^32 identifiers");
                    ids.insert(key.clone(), id);
                    id
                }
            };
            event_ids.push(id);
        }
        if let Some((&first, others)) = event_ids.split_first() {
            pairs.extend(others.iter().map(|&other| (first, other)));
        }
    }
    let nodes = ids.len();
    let interned = started.elapsed();
    let peak = Memory::now();
    drop(ids);

    // Cheap next to `observe`, so run several times: the median is the
    // floor, the spread shows how noisy the machine is.
    let mut times = Vec::with_capacity(FLOOR_RUNS);
    let mut components = 0;
    for _ in 0..FLOOR_RUNS {
        let started = Instant::now();
        let mut sets: UnionFind<u32> = UnionFind::new(nodes);
        let mut merged = 0usize;
        for &(a, b) in black_box(&pairs) {
            merged += usize::from(sets.union(a, b));
        }
        times.push(started.elapsed());
        black_box(&sets);
        components = nodes - merged;
    }
    times.sort_unstable();
    let median = times[times.len() / 2];
    println!(
        "  timed: petgraph UnionFind<u32>::new({}) + union over {} (first, other) pairs, {FLOOR_RUNS} runs",
        thousands(nodes as u64),
        thousands(pairs.len() as u64),
    );
    println!(
        "  {} distinct raw (kind, value) strings, {} sets; interning and pairing (untimed) {:.2} s, +{} RSS",
        thousands(nodes as u64),
        thousands(components as u64),
        interned.as_secs_f64(),
        mib(peak.rss - before.rss),
    );
    println!(
        "  floor time: median {:.4} s = {} events/s (min {:.4} s, max {:.4} s)",
        median.as_secs_f64(),
        thousands((events.len() as f64 / median.as_secs_f64()) as u64),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
    );
    median
}

/// What one `observe` run measured.
struct Measured {
    elapsed: Duration,
    before: Memory,
    after: Memory,
    distinct: usize,
    profiles: usize,
}

/// Builds a resolver and observes every event into it, timing only the
/// observing; prints what it saw.
fn measure(builder: ResolverBuilder, events: &[Event]) -> (Measured, Resolver) {
    let process_peak = Memory::now().hwm;
    let peak_reset = reset_peak();
    let before = Memory::now();
    let mut resolver = builder.build();
    let mut errors = 0usize;
    let started = Instant::now();
    for event in events {
        match resolver.observe(black_box(event)) {
            Ok(observation) => {
                black_box(&observation);
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    let after = Memory::now();
    let identifiers: usize = events.iter().map(|event| event.identifiers().len()).sum();
    let secs = elapsed.as_secs_f64();
    println!(
        "  observe: {:.3} s = {} events/s, {} identifiers/s, {:.0} ns/event{}",
        secs,
        thousands((events.len() as f64 / secs) as u64),
        thousands((identifiers as f64 / secs) as u64),
        secs * 1e9 / events.len() as f64,
        if errors == 0 {
            String::new()
        } else {
            format!(" ({errors} events returned an error)")
        },
    );
    let growth = after.rss - before.rss;
    let peak = if peak_reset {
        format!(
            "peak during build+observe {} ({} over the RSS before); process peak {}",
            mib(after.hwm),
            signed_mib(after.hwm - before.rss),
            mib(after.hwm.max(process_peak)),
        )
    } else {
        format!("process peak {} (VmHWM could not be reset)", mib(after.hwm))
    };
    println!(
        "  memory (VmRSS before build -> after observe): {} -> {} ({}); {peak}",
        mib(before.rss),
        mib(after.rss),
        signed_mib(growth),
    );
    let distinct = resolver.identifier_count();
    let profiles = resolver.profile_count();
    println!(
        "  distinct identifiers {}; {:.0} bytes of RSS growth per distinct identifier",
        thousands(distinct as u64),
        growth as f64 * 1024.0 / distinct.max(1) as f64,
    );
    let started = Instant::now();
    let (mut widest, mut busiest) = ((0usize, 0u64), 0u64);
    for profile in resolver.profiles() {
        let shape = (profile.identifiers().len(), profile.event_count());
        widest = widest.max(shape);
        busiest = busiest.max(profile.event_count());
    }
    println!(
        "  profiles {}; largest: {} identifiers ({} events); most events in one profile: {}; profiles() scan (untimed) {:.2} s",
        thousands(profiles as u64),
        widest.0,
        widest.1,
        busiest,
        started.elapsed().as_secs_f64(),
    );
    let measured = Measured {
        elapsed,
        before,
        after,
        distinct,
        profiles,
    };
    (measured, resolver)
}

/// Times `lookup` of known identifiers one by one; returns p50, p99 and
/// p99.9 in nanoseconds.
fn lookups(resolver: &Resolver, events: &[Event]) -> [u64; 3] {
    // The probes, with what a caller would pass: a chat session with its
    // channel, a national phone number with the event's country.
    let mut rng = generator::Rng::new(SEED ^ 0x100C_0475);
    let probes: Vec<(Identifier, Option<Region>)> = (0..LOOKUPS)
        .map(|_| {
            let event = &events[rng.below(events.len())];
            let ids = event.identifiers();
            let mut identifier = ids[rng.below(ids.len())].clone();
            if identifier.channel().is_none()
                && let Some(channel) = event.channel()
            {
                identifier = identifier.with_channel(channel.clone());
            }
            let region = event
                .attrs()
                .get("country")
                .and_then(|code| code.parse().ok());
            (identifier, region)
        })
        .collect();

    let mut overhead: Vec<u64> = Vec::with_capacity(LOOKUPS);
    for _ in 0..LOOKUPS {
        let started = Instant::now();
        overhead.push(started.elapsed().as_nanos() as u64);
    }
    overhead.sort_unstable();

    let (mut found, mut missing, mut failed) = (0usize, 0usize, 0usize);
    let mut times: Vec<u64> = Vec::with_capacity(LOOKUPS);
    for (identifier, region) in &probes {
        let started = Instant::now();
        let result = match region {
            Some(region) => resolver.lookup_in(black_box(identifier), *region),
            None => resolver.lookup(black_box(identifier)),
        };
        let elapsed = started.elapsed();
        match black_box(result) {
            Ok(Some(_)) => found += 1,
            Ok(None) => missing += 1,
            Err(_) => failed += 1,
        }
        times.push(elapsed.as_nanos() as u64);
    }
    times.sort_unstable();
    let [p50, p99, p999] = [0.5, 0.99, 0.999].map(|q| percentile(&times, q));
    println!(
        "  lookup: {} known identifiers sampled with a seed, each timed alone: p50 {p50} ns, p99 {p99} ns, p99.9 {p999} ns, max {} ns (found {}, not found {missing}, error {failed})",
        thousands(LOOKUPS as u64),
        times.last().copied().unwrap_or(0),
        thousands(found as u64),
    );
    println!(
        "  timer overhead (Instant::now + elapsed, nothing between): p50 {} ns, p99 {} ns, p99.9 {} ns; included in the lookup times above",
        percentile(&overhead, 0.5),
        percentile(&overhead, 0.99),
        percentile(&overhead, 0.999),
    );
    [p50, p99, p999]
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(rows: &[Row]) {
    println!();
    println!("== summary ==");
    println!(
        "{:>12} {:<9} {:>7} {:>10} {:>12} {:>14} {:>9} {:>12} {:>9} {:>12} {:>9} {:>22}",
        "events",
        "path",
        "ids/ev",
        "observe s",
        "events/s",
        "identifiers/s",
        "ns/event",
        "RSS growth",
        "B/ident",
        "profiles",
        "x floor",
        "lookup p50/p99/p99.9"
    );
    for row in rows {
        let secs = row.observe.as_secs_f64();
        println!(
            "{:>12} {:<9} {:>7.2} {:>10.3} {:>12} {:>14} {:>9.0} {:>12} {:>9.0} {:>12} {:>9.1} {:>22}",
            thousands(row.size as u64),
            row.path,
            row.identifiers as f64 / row.size as f64,
            secs,
            thousands(row.events_per_sec() as u64),
            thousands((row.identifiers as f64 / secs) as u64),
            secs * 1e9 / row.size as f64,
            signed_mib(row.growth_kib),
            row.growth_kib as f64 * 1024.0 / row.distinct.max(1) as f64,
            thousands(row.profiles as u64),
            secs / row.floor.as_secs_f64(),
            row.lookup
                .map_or("-".into(), |[a, b, c]| format!("{a}/{b}/{c} ns")),
        );
    }
    for path in ["fast", "evidence", "fuzzy"] {
        let of_path: Vec<&Row> = rows.iter().filter(|row| row.path == path).collect();
        let smallest = of_path.iter().min_by_key(|row| row.size);
        let largest = of_path.iter().max_by_key(|row| row.size);
        if let (Some(small), Some(large)) = (smallest, largest)
            && small.size != large.size
        {
            println!(
                "linearity ({path}): events/s at {} / events/s at {} = {:.2}",
                thousands(large.size as u64),
                thousands(small.size as u64),
                large.events_per_sec() / small.events_per_sec(),
            );
        }
    }
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
#[derive(Clone, Copy)]
struct Memory {
    rss: i64,
    hwm: i64,
}

impl Memory {
    fn now() -> Self {
        Memory {
            rss: status_kib("/proc/self/status", "VmRSS:").unwrap_or(0),
            hwm: status_kib("/proc/self/status", "VmHWM:").unwrap_or(0),
        }
    }
}

/// A `Name:   1234 kB` field of a /proc file.
fn status_kib(file: &str, field: &str) -> Option<i64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Resets `VmHWM` to the current RSS (Linux 4.0+), so that the next reading
/// is the peak of what follows.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: i64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn signed_mib(kib: i64) -> String {
    format!("{:+.0} MiB", kib as f64 / 1024.0)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
