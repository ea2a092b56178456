//! The examples are tested programs: each test runs one as a real process
//! (`cargo run --example …`) and checks what it prints.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;
use serde_json::Value;

use common::generator::{Config, Generated, generate, pairwise_precision_recall};
use idstitch::{Identifier, IdentifierKind, Normalizer, Region};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `cargo run --quiet --example NAME -- ARGS`, feeding `stdin`, with no
/// secret in the environment unless `env` sets one.
fn run(example: &str, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "--quiet", "--example", example, "--"])
        .args(args)
        .current_dir(MANIFEST)
        .env_remove("IDSTITCH_SECRET")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("cargo runs");
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    // Feed stdin from a thread: the child may fill its stderr pipe before it
    // has read all of its input.
    let feeder = std::thread::spawn(move || {
        // The child may exit without reading (bad arguments): ignore EPIPE.
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("the example finishes");
    feeder.join().expect("stdin feeder");
    output
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("output is UTF-8")
}

/// A fresh directory for one test's files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("idstitch-examples-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    fn file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path_str(&path)
    }

    fn path(&self, name: &str) -> String {
        path_str(&self.0.join(name))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("UTF-8 temp path").to_owned()
}

/// One profile line. Parsing is strict: serde derive refuses a duplicate key,
/// `deny_unknown_fields` an extra one, and `deserialize_with` on the nullable
/// fields makes them required (present, possibly `null`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileLine {
    profile: String,
    events: Vec<String>,
    identifiers: Vec<IdentifierLine>,
    channels: Vec<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    first_seen: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    last_seen: Option<String>,
}

/// One entry of a profile's `identifiers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierLine {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

/// One reject line: every field present, `event` and `type` possibly `null`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectLine {
    line: u64,
    #[serde(deserialize_with = "Option::deserialize")]
    event: Option<String>,
    #[serde(rename = "type", deserialize_with = "Option::deserialize")]
    kind: Option<String>,
    error: String,
}

/// One line of `resolve --generic`: every field present, `value` possibly
/// `null` (hashed mode).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "Option::deserialize")]
    value: Option<String>,
    key: String,
    profiles: u32,
    later_events: u64,
}

/// An identifier in a `resolve --review` line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyedIdentifierLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "Option::deserialize")]
    value: Option<String>,
    key: String,
}

/// One line of `resolve --review`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewLine {
    event: String,
    kept: KeyedIdentifierLine,
    held: KeyedIdentifierLine,
    #[serde(deserialize_with = "Option::deserialize")]
    kept_profile: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    held_profile: Option<String>,
    reason: String,
    #[serde(deserialize_with = "Option::deserialize")]
    kind: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    limit: Option<u32>,
}

fn is_key(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_profile_id(text: &str) -> bool {
    text.len() == 18 && text.starts_with("p_") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_generic(path: &str) -> Vec<GenericLine> {
    let text = std::fs::read_to_string(path).expect("the --generic file");
    text.lines()
        .map(|line| {
            let parsed: GenericLine = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a generic line ({e}): {line}"));
            assert!(is_key(&parsed.key), "{line}");
            parsed
        })
        .collect()
}

fn parse_review(path: &str) -> Vec<ReviewLine> {
    let text = std::fs::read_to_string(path).expect("the --review file");
    text.lines()
        .map(|line| {
            let parsed: ReviewLine = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a review line ({e}): {line}"));
            assert!(!parsed.event.is_empty(), "{line}");
            assert!(
                is_key(&parsed.kept.key) && is_key(&parsed.held.key),
                "{line}"
            );
            for profile in [&parsed.kept_profile, &parsed.held_profile] {
                assert!(profile.as_deref().is_none_or(is_profile_id), "{line}");
            }
            parsed
        })
        .collect()
}

#[test]
fn profile_lines_are_parsed_strictly() {
    let good = r#"{"profile":"p_0123456789abcdef","events":["e1"],"identifiers":[{"type":"cookie","value":"ck_1"}],"channels":[],"first_seen":null,"last_seen":null}"#;
    serde_json::from_str::<ProfileLine>(good).unwrap();
    for bad in [
        good.replace(r#""channels":[]"#, r#""channels":[],"channels":[]"#),
        good.replace(r#""value":"ck_1""#, r#""value":"ck_1","value":"ck_1""#),
        good.replace(r#""channels":[]"#, r#""channels":[],"extra":1"#),
        good.replace(r#""first_seen":null,"#, ""),
        format!("{good} {{}}"),
    ] {
        assert!(serde_json::from_str::<ProfileLine>(&bad).is_err(), "{bad}");
    }
}

fn parse_profile(line: &str) -> ProfileLine {
    let parsed: ProfileLine =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not a profile line ({e}): {line}"));
    let profile = &parsed.profile;
    assert!(
        profile.len() == 18
            && profile.starts_with("p_")
            && profile[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{profile}"
    );
    assert!(!parsed.events.is_empty(), "{line}");
    assert!(
        parsed.channels.windows(2).all(|w| w[0] < w[1]),
        "channels sorted and distinct: {line}"
    );
    for value in [&parsed.first_seen, &parsed.last_seen] {
        assert!(value.as_ref().is_none_or(|t| t.ends_with('Z')), "{line}");
    }
    parsed
}

fn parse_profiles(stdout: &[u8]) -> Vec<ProfileLine> {
    text(stdout).lines().map(parse_profile).collect()
}

/// Reject lines: `(line, event, type, error)`.
fn parse_rejects(text: &str) -> Vec<(u64, Option<String>, Option<String>, String)> {
    text.lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| {
            let RejectLine {
                line: number,
                event,
                kind,
                error,
            } = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a reject line ({e}): {line}"));
            assert!(number >= 1, "`line` is a positive integer: {line}");
            assert!(!error.is_empty(), "{line}");
            (number, event, kind, error)
        })
        .collect()
}

#[test]
fn quickstart_tells_the_story() {
    let output = run("quickstart", &[], b"", &[]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout
            .starts_with("33 events -> 14 unified profiles, 5 merges, 1 split, 2 rejected values"),
        "{stdout}"
    );

    let blocks: Vec<&str> = stdout.split("\n\n").collect();
    let jan = blocks
        .iter()
        .find(|block| block.contains("jan.devries@example.com"))
        .expect("Jan's profile");
    assert!(
        jan.starts_with("p_") && jan.contains("Jan de Vries"),
        "{jan}"
    );
    for expected in [
        "+31612345678",
        "447100921183",
        "ck_7f3a9c, ck_b21e04",
        "chat:lc-8841, whatsapp:wa-3315",
        "call_center, chat, store, web, whatsapp",
        "(11 events)",
    ] {
        assert!(jan.contains(expected), "{expected} missing from\n{jan}");
    }
    assert!(
        !jan.contains("+358") && !jan.contains("ainovirtanen"),
        "{jan}"
    );
    // Journey in time order: web, live chat at work, WhatsApp, till, service desk.
    let journey: Vec<&str> = jan
        .lines()
        .skip_while(|line| !line.contains("journey"))
        .map(|line| {
            line.split_whitespace()
                .nth(usize::from(line.contains("journey")) + 2)
                .unwrap()
        })
        .collect();
    assert_eq!(
        journey,
        [
            "e1", "e2", "e3", "e6", "e7", "e10", "e11", "e13", "e16", "e17", "e25"
        ]
    );
    // The kiosk cookie is caught and glues nobody to Jan.
    assert!(!jan.contains("ck_store_kiosk_utrecht"), "{jan}");
    for expected in [
        "Shared value caught: cookie ck_store_kiosk_utrecht, marked generic at e30",
        "11 customers -> 11 profiles; none holds another customer's identifiers",
        "e19 refused",
        "the address is still unknown, and the 2 parts stay apart",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected} missing from\n{stdout}"
        );
    }

    // The explained merge: a chain from the cookie to the card whose links
    // join end to end, each naming its event.
    let why = blocks
        .iter()
        .find(|block| block.starts_with("Why is web cookie ck_7f3a9c"))
        .expect("the explained merge");
    let chain: Vec<(&str, &str, &str)> = why
        .lines()
        .skip(1)
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words[0], words[2], words[7])
        })
        .collect();
    assert_eq!(chain.first().map(|link| link.0), Some("ck_7f3a9c"), "{why}");
    assert_eq!(
        chain.last().map(|link| link.1),
        Some("447100921183"),
        "{why}"
    );
    assert!(chain.windows(2).all(|pair| pair[0].1 == pair[1].0), "{why}");
    assert_eq!(
        chain.iter().map(|link| link.2).collect::<Vec<_>>(),
        ["e3", "e11", "e10", "e13"]
    );

    let aino = blocks
        .iter()
        .find(|b| b.contains("Aino Virtanen"))
        .expect("Aino's profile");
    for expected in [
        "ainovirtanen@gmail.com",
        "+358401234567",
        "whatsapp:wa-7702",
        "(4 events)",
    ] {
        assert!(aino.contains(expected), "{expected} missing from\n{aino}");
    }
    assert!(stdout.contains("via phone +358401234567"), "{stdout}");
    assert!(stdout.contains("via chat_session chat:lc-8841"), "{stdout}");
    assert!(
        stdout.contains("line 9   e9   email   an email address needs an `@`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 15  e15  phone   the value is empty"),
        "{stdout}"
    );

    // The story ends with Jan's journey as the journeys followed the
    // resolver: the profile's events in time order, each with its channel
    // and kind, the kiosk visit kept, nobody else's.
    let followed = blocks
        .iter()
        .find(|block| block.starts_with("The journey of Jan de Vries"))
        .expect("Jan's followed journey");
    let touchpoints: Vec<Vec<&str>> = followed
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .map(|line| line.split_whitespace().collect())
        .collect();
    let ids: Vec<&str> = touchpoints.iter().map(|t| t[2]).collect();
    assert_eq!(ids, journey, "{followed}");
    let times: Vec<String> = touchpoints
        .iter()
        .map(|t| format!("{} {}", t[0], t[1]))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{followed}");
    for (id, channel, kind) in [
        ("e2", "web", "search"),
        ("e10", "whatsapp", "chat_message"),
        ("e13", "store", "purchase"),
        ("e25", "store", "loyalty_scan"),
    ] {
        assert!(
            touchpoints.iter().any(|t| t[2..5] == [id, channel, kind]),
            "{id} {channel} {kind} missing from\n{followed}"
        );
    }
    // One line of metrics: Jan's and Aino's store purchases come after
    // research on the web, which only resolution can see.
    let metrics = followed
        .lines()
        .find(|line| line.starts_with("Metrics"))
        .expect("a line of metrics");
    assert!(
        metrics.contains("2 of 2 offline purchases ROPO")
            && metrics.ends_with("without: 0, 0, 0, 0"),
        "{metrics}"
    );
}

/// The `Against the true people` table of `journey_report --truth`: per
/// row, (resolved, true, unresolved).
fn truth_rows(stdout: &str) -> HashMap<String, (u64, u64, u64)> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("Against the true people"))
        .skip(1)
        .map(|line| {
            let (label, cells) = line.split_at(26);
            let numbers: Vec<u64> = cells
                .split_whitespace()
                .filter_map(|cell| cell.parse().ok())
                .collect();
            (
                label.trim().to_owned(),
                (numbers[0], numbers[1], numbers[2]),
            )
        })
        .collect()
}

#[test]
fn journey_report_shows_what_resolution_reveals() {
    let dir = TempDir::new("journey_report");
    let (json, svg) = (dir.path("metrics.json"), dir.path("journeys.svg"));
    // The bundled quickstart data by default.
    let output = run(
        "journey_report",
        &["--json", &json, "--svg", &svg],
        b"",
        &[],
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.starts_with("Journey metrics (window 7 days)"),
        "{stdout}"
    );
    let row = |label: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("{label} missing from\n{stdout}"))
            .split_whitespace()
            .skip(label.split_whitespace().count())
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };
    assert_eq!(row("Profiles"), ["14", "14"]);
    assert_eq!(row("ROPO purchases"), ["2", "(100.0%)", "0", "(0.0%)"]);
    assert!(
        stdout
            .contains("Input: 33 events, 0 replays, 0 refused events, 0 lines skipped, 2 rejected"),
        "{stdout}"
    );

    let metrics: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in [
        "offline_purchases",
        "ropo_purchases",
        "ropo_rate",
        "reverse_ropo_purchases",
        "chat_assisted_purchases",
        "multichannel_profiles",
    ] {
        assert!(metrics[key].is_number(), "{key} in {metrics}");
        assert!(metrics["unresolved"][key].is_number(), "unresolved {key}");
    }
    assert_eq!(metrics["ropo_purchases"], 2);
    assert_eq!(metrics["unresolved"]["ropo_purchases"], 0);
    assert!(metrics.get("truth").is_none());
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<?xml") && chart.trim_end().ends_with("</svg>"));
    assert!(chart.contains("Customer journeys: quickstart.jsonl"));

    // Generated data with its truth, from stdin, with a 3-day window.
    let data = common::generator::generate_from(
        &common::generator::Schedule::new(&Config {
            seed: 4,
            people: 600,
            planted: true,
            ..Config::default()
        })
        .with_products(),
    );
    let truth: String = data
        .event_ids
        .iter()
        .map(|id| format!("{id}\t{}\n", data.truth[id]))
        .collect();
    let truth_file = dir.file("truth.tsv", truth.as_bytes());
    let output = run(
        "journey_report",
        &[
            "--truth",
            &truth_file,
            "--window-days",
            "3",
            "--json",
            &json,
            "-",
        ],
        data.jsonl.as_bytes(),
        &[],
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.starts_with("Journey metrics (window 3 days)"),
        "{stdout}"
    );
    let rows = truth_rows(stdout);
    let (_, people, _) = rows["Customers"];
    assert_eq!(people, 600);
    let (resolved, truth, unresolved) = rows["ROPO purchases"];
    assert!(truth >= 10, "{stdout}");
    assert!(resolved.abs_diff(truth) * 20 <= truth, "{stdout}");
    assert!(unresolved < truth, "{stdout}");
    let metrics: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(metrics["window_days"].as_f64(), Some(3.0));
    assert_eq!(metrics["truth"]["ropo_purchases"], truth);
    assert_eq!(metrics["ropo_purchases"], resolved);
    assert_eq!(metrics["unresolved"]["ropo_purchases"], unresolved);
}

#[test]
fn journey_report_refuses_bad_arguments() {
    for args in [
        &["--window-days", "0"][..],
        &["--window-days", "a week"],
        &["--json"],
        &["--bogus"],
        &["a.jsonl", "b.jsonl"],
    ] {
        let output = run("journey_report", args, b"", &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("usage: journey_report"),
            "{args:?}"
        );
    }
    let missing = run("journey_report", &["/nonexistent/events.jsonl"], b"", &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot open"));
    let dir = TempDir::new("journey_report_truth");
    let bad = dir.file("truth.tsv", b"e1 has no tab\n");
    let output = run("journey_report", &["--truth", &bad], b"", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("event_id<TAB>person"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn resolve_matches_the_truth_on_messy_data() {
    let config = Config {
        seed: 20_260_301,
        people: 2000,
        mean_events: 5,
        garbage: true,
        replays: true,
        ..Default::default()
    };
    let data = generate(&config);
    assert!(
        (9_000..11_000).contains(&data.event_ids.len()),
        "{}",
        data.event_ids.len()
    );
    assert!(data.junk_values > 0 && data.skipped_lines > 0);
    let dir = TempDir::new("messy");
    let input = dir.file("events.jsonl", data.jsonl.as_bytes());
    let (rejects_a, rejects_b) = (dir.path("rejects-a.jsonl"), dir.path("rejects-b.jsonl"));
    let first = run(
        "resolve",
        &["--region", "NL", "--rejects", &rejects_a, &input],
        b"",
        &[],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    // The same data through stdin gives the same bytes.
    let second = run(
        "resolve",
        &["--rejects", &rejects_b, "--region", "NL"],
        data.jsonl.as_bytes(),
        &[],
    );
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        first.stdout == second.stdout,
        "profiles differ between runs"
    );
    let rejects = std::fs::read_to_string(&rejects_a).unwrap();
    assert_eq!(rejects, std::fs::read_to_string(&rejects_b).unwrap());

    // stderr: the secret note and the summary, no progress (not a terminal).
    let stderr = text(&first.stderr);
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("IDSTITCH_SECRET is not set"), "{stderr}");

    let profiles = parse_profiles(&first.stdout);
    let position: HashMap<&str, usize> = data
        .event_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut predicted: HashMap<String, String> = HashMap::new();
    let mut previous_first = None;
    for profile in &profiles {
        let at: Vec<usize> = profile
            .events
            .iter()
            .map(|e| position[e.as_str()])
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "events in input order: {:?}",
            profile.events
        );
        assert!(
            previous_first < Some(at[0]),
            "profiles in order of their first event"
        );
        previous_first = Some(at[0]);
        for event in &profile.events {
            let before = predicted.insert(event.clone(), profile.profile.clone());
            assert!(before.is_none(), "{event} is in two profiles");
        }
    }
    let expected: HashSet<&String> = data.truth.keys().collect();
    assert_eq!(
        predicted.keys().collect::<HashSet<_>>(),
        expected,
        "every event in exactly one profile"
    );
    assert_eq!(
        pairwise_precision_recall(&predicted, &data.truth),
        (1.0, 1.0)
    );
    let people: HashSet<usize> = data.truth.values().copied().collect();
    assert_eq!(profiles.len(), people.len());
    let summary = stderr.lines().last().unwrap();
    let counts = format!(
        "({} distinct), {} profiles",
        data.event_ids.len(),
        people.len()
    );
    assert!(
        summary.starts_with("resolve: ") && summary.contains(&counts),
        "{summary}"
    );

    // Junk is reported, with the input line of each record.
    let records = parse_rejects(&rejects);
    assert!(!records.is_empty());
    let lines = data.jsonl.lines().count() as u64;
    assert!(records.iter().all(|(line, ..)| (1..=lines).contains(line)));
    let identifier_rejects = records
        .iter()
        .filter(|(.., kind, _)| kind.is_some())
        .count();
    assert_eq!(
        identifier_rejects, data.junk_values,
        "junk, and nothing else, is rejected"
    );
    let skipped = records
        .iter()
        .filter(|(_, event, ..)| event.is_none())
        .count();
    assert_eq!(skipped, data.skipped_lines, "every broken line is reported");
    assert_eq!(records.len(), identifier_rejects + skipped);
}

/// Event id → profile id, from profile lines.
fn predicted(profiles: &[ProfileLine]) -> HashMap<String, String> {
    profiles
        .iter()
        .flat_map(|p| p.events.iter().map(|e| (e.clone(), p.profile.clone())))
        .collect()
}

/// The largest profile by events: (events, identifiers, true people in it),
/// and the most identifiers any profile holds.
fn largest(profiles: &[ProfileLine], data: &Generated) -> ((usize, usize, usize), usize) {
    let biggest = profiles
        .iter()
        .max_by_key(|p| (p.events.len(), p.identifiers.len()))
        .expect("some profile");
    let people: HashSet<usize> = biggest.events.iter().map(|e| data.truth[e]).collect();
    let identifiers = profiles.iter().map(|p| p.identifiers.len()).max();
    (
        (
            biggest.events.len(),
            biggest.identifiers.len(),
            people.len(),
        ),
        identifiers.unwrap_or(0),
    )
}

/// The summary's counts of generic values and links for review.
fn protection_counts(stderr: &str) -> (usize, usize) {
    let summary = stderr.lines().last().expect("a summary line");
    let count = |suffix: &str| -> usize {
        let before = summary
            .split_once(suffix)
            .unwrap_or_else(|| panic!("no `{suffix}` in {summary}"))
            .0;
        before
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before `{suffix}` in {summary}"))
    };
    (count(" generic values"), count(" links for review"))
}

/// Planted shared values (a kiosk cookie, a store's phone, a till's email on
/// the events of dozens to hundreds of people) glue everyone together under
/// plain transitive merging; the default protection marks them generic and
/// keeps real people whole. Run with `--nocapture` to see the figures.
#[test]
fn resolve_protects_against_planted_values() {
    let config = Config {
        seed: 20_260_302,
        people: 3_000,
        mean_events: 5,
        garbage: true,
        replays: false,
        planted: true,
    };
    let data = generate(&config);
    assert!(data.planted.len() >= 9, "{}", data.planted.len());
    let clean = generate(&Config {
        planted: false,
        ..config.clone()
    });
    let dir = TempDir::new("planted");
    let input = dir.file("events.jsonl", data.jsonl.as_bytes());
    let clean_input = dir.file("clean.jsonl", clean.jsonl.as_bytes());
    let (generic_path, review_path) = (dir.path("generic.jsonl"), dir.path("review.jsonl"));
    let rejects = dir.path("rejects.jsonl");
    let base = ["--region", "NL", "--rejects", rejects.as_str()];
    let protected = run(
        "resolve",
        &[
            &base[..],
            &["--generic", &generic_path, "--review", &review_path, &input],
        ]
        .concat(),
        b"",
        &[],
    );
    let plain = run(
        "resolve",
        &[&base[..], &["--no-protect", &input]].concat(),
        b"",
        &[],
    );
    let truth_run = run(
        "resolve",
        &[&base[..], &[clean_input.as_str()]].concat(),
        b"",
        &[],
    );
    for output in [&protected, &plain, &truth_run] {
        assert!(output.status.success(), "{}", text(&output.stderr));
        // The secret note and the summary.
        assert_eq!(
            text(&output.stderr).lines().count(),
            2,
            "{}",
            text(&output.stderr)
        );
    }

    // Without planted values the data resolves to the truth exactly: its
    // profiles are the true people, with their identifiers.
    let people = parse_profiles(&truth_run.stdout);
    assert_eq!(
        pairwise_precision_recall(&predicted(&people), &clean.truth),
        (1.0, 1.0)
    );
    let ((person_events, ..), person_identifiers) = largest(&people, &clean);

    let profiles = parse_profiles(&protected.stdout);
    let (precision, recall) = pairwise_precision_recall(&predicted(&profiles), &data.truth);
    let ((events, identifiers, inside), most_identifiers) = largest(&profiles, &data);
    let generic = parse_generic(&generic_path);
    let review = parse_review(&review_path);
    eprintln!(
        "protected: precision {precision:.6}, recall {recall:.6}, {} profiles; largest: \
         {events} events, {identifiers} identifiers, {inside} true people; most identifiers \
         {most_identifiers}; {} generic values ({} planted), {} links for review",
        profiles.len(),
        generic.len(),
        data.planted.len(),
        review.len()
    );
    eprintln!(
        "largest true person: {person_events} events; most identifiers of a true person: \
         {person_identifiers}"
    );
    let plain_profiles = parse_profiles(&plain.stdout);
    let (plain_precision, plain_recall) =
        pairwise_precision_recall(&predicted(&plain_profiles), &data.truth);
    let ((plain_events, plain_identifiers, plain_inside), _) = largest(&plain_profiles, &data);
    eprintln!(
        "--no-protect: precision {plain_precision:.6}, recall {plain_recall:.6}, {} profiles; \
         largest: {plain_events} events, {plain_identifiers} identifiers, {plain_inside} true people",
        plain_profiles.len()
    );

    assert!(precision >= 0.99 && recall >= 0.97, "{precision} {recall}");
    assert!(
        events <= person_events && most_identifiers <= person_identifiers,
        "a profile bigger than any real person"
    );
    assert_eq!(inside, 1, "the largest profile is one person");
    assert!(
        plain_inside > 20,
        "no giant without protection: {plain_inside}"
    );
    assert!(plain_precision < 0.5, "{plain_precision}");
    assert_eq!(plain_recall, 1.0, "plain merging splits nobody");

    // Every planted value is listed, under its normalized value, and nothing
    // else: no real person's identifier is taken for a generic one.
    let mut normalizer = Normalizer::default();
    normalizer.default_region(Region::NL);
    let listed: HashMap<(&str, &str), &GenericLine> = generic
        .iter()
        .map(|g| {
            (
                (g.kind.as_str(), g.value.as_deref().expect("values kept")),
                g,
            )
        })
        .collect();
    let mut planted_values = HashSet::new();
    for planted in &data.planted {
        let kind: IdentifierKind = planted.kind.parse().unwrap();
        let normalized: HashSet<String> = planted
            .spellings
            .iter()
            .map(|spelling| {
                normalizer
                    .normalize(&Identifier::new(kind.clone(), spelling.as_str()))
                    .unwrap_or_else(|e| panic!("{spelling:?}: {e}"))
            })
            .collect();
        assert_eq!(normalized.len(), 1, "{planted:?} → {normalized:?}");
        let value = normalized.into_iter().next().unwrap();
        let line = listed
            .get(&(planted.kind, value.as_str()))
            .unwrap_or_else(|| panic!("{planted:?} ({value}) is not listed as generic"));
        assert!(line.profiles > 8, "{line:?}");
        planted_values.insert(value);
    }
    let extra: Vec<&GenericLine> = generic
        .iter()
        .filter(|g| !planted_values.contains(g.value.as_deref().unwrap()))
        .collect();
    assert!(
        extra.is_empty(),
        "real identifiers marked generic: {extra:?}"
    );
    assert!(
        generic
            .windows(2)
            .all(|w| (w[1].profiles, &w[0].key) <= (w[0].profiles, &w[1].key)),
        "most profiles first, then by key"
    );

    // Review items: well formed, on known events, within the default limits.
    let (mut on_planted, mut apart) = (0, 0);
    for item in &review {
        assert!(data.truth.contains_key(&item.event), "{item:?}");
        assert_eq!(item.reason, "limit_exceeded", "{item:?}");
        let limit = match item.kind.as_deref() {
            Some("email" | "phone") => 5,
            Some("loyalty_card") => 3,
            other => panic!("unexpected kind {other:?}"),
        };
        assert_eq!(item.limit, Some(limit), "{item:?}");
        for identifier in [&item.kept, &item.held] {
            assert!(
                ["email", "phone", "loyalty_card", "cookie", "chat_session"]
                    .contains(&identifier.kind.as_str())
                    && identifier.value.is_some(),
                "{item:?}"
            );
        }
        assert!(item.kept_profile.is_some() && item.held_profile.is_some());
        if [&item.kept, &item.held]
            .iter()
            .any(|i| planted_values.contains(i.value.as_deref().unwrap()))
        {
            on_planted += 1;
        } else if item.kept_profile != item.held_profile {
            apart += 1;
        }
    }
    // People whose events ended in more than one profile.
    let mut profiles_of: HashMap<usize, HashSet<&str>> = HashMap::new();
    for profile in &profiles {
        for event in &profile.events {
            profiles_of
                .entry(data.truth[event])
                .or_default()
                .insert(&profile.profile);
        }
    }
    let split = profiles_of.values().filter(|set| set.len() > 1).count();
    eprintln!(
        "review: {} items, {on_planted} on a planted value, {} on one real person's own \
         identifiers ({apart} of them in two profiles now); {split} real people split",
        review.len(),
        review.len() - on_planted
    );

    assert_eq!(
        protection_counts(text(&protected.stderr)),
        (generic.len(), review.len())
    );
    assert_eq!(protection_counts(text(&plain.stderr)), (0, 0));
}

/// `--generic` and `--review` on a small story, with values and hashed: the
/// same keys either way, `null` values when hashed.
#[test]
fn generic_and_review_files_show_keys_and_hide_values_when_hashed() {
    let mut input = String::new();
    // Twelve readers log in at one library kiosk.
    for n in 1..=12 {
        input.push_str(&format!(
            r#"{{"id":"k{n}","ts":"2026-03-01T10:{n:02}:00Z","identifiers":[{{"type":"cookie","value":"ck_library_kiosk"}},{{"type":"email","value":"reader{n}@example.com"}}]}}"#
        ));
        input.push('\n');
    }
    // A family shares four loyalty cards, one more than a profile may hold.
    for (n, pair) in [("11", "12"), ("12", "13"), ("13", "14")]
        .iter()
        .enumerate()
    {
        input.push_str(&format!(
            r#"{{"id":"f{n}","ts":"2026-03-02T10:0{n}:00Z","identifiers":[{{"type":"loyalty_card","value":"44710000{}"}},{{"type":"loyalty_card","value":"44710000{}"}}]}}"#,
            pair.0, pair.1
        ));
        input.push('\n');
    }
    let dir = TempDir::new("hashed-protection");
    let mut runs = Vec::new();
    for hashed in [false, true] {
        let (generic, review) = (
            dir.path(&format!("generic-{hashed}.jsonl")),
            dir.path(&format!("review-{hashed}.jsonl")),
        );
        let mut args = vec!["--generic", generic.as_str(), "--review", review.as_str()];
        if hashed {
            args.push("--hashed");
        }
        let output = run("resolve", &args, input.as_bytes(), &[]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let (generic, review) = (parse_generic(&generic), parse_review(&review));
        assert_eq!(
            protection_counts(text(&output.stderr)),
            (generic.len(), review.len())
        );
        runs.push((parse_profiles(&output.stdout), generic, review));
    }
    let [(plain, generic, review), (_, hashed_generic, hashed_review)] = &runs[..] else {
        unreachable!()
    };

    assert_eq!(generic.len(), 1, "{generic:?}");
    let kiosk = &generic[0];
    assert_eq!(
        (kiosk.kind.as_str(), kiosk.value.as_deref()),
        ("cookie", Some("ck_library_kiosk"))
    );
    assert!(kiosk.profiles > 8, "{kiosk:?}");
    let mut readers: Vec<&str> = plain
        .iter()
        .filter(|p| p.events.iter().any(|e| e.starts_with('k')))
        .flat_map(|p| p.events.iter().map(String::as_str))
        .collect();
    readers.sort_unstable();
    assert_eq!(readers.len(), 12, "every reader's event is somewhere");
    assert!(
        plain
            .iter()
            .all(|p| p.events.iter().filter(|e| e.starts_with('k')).count() <= 1),
        "one reader per profile"
    );

    // The fourth card waits for review. (The queue may hold more: see the
    // planted-values test.)
    let at = review
        .iter()
        .position(|item| item.event == "f2")
        .unwrap_or_else(|| panic!("the fourth card is held: {review:?}"));
    let item = &review[at];
    assert_eq!(
        (item.reason.as_str(), item.kind.as_deref(), item.limit),
        ("limit_exceeded", Some("loyalty_card"), Some(3))
    );
    assert_eq!(
        (item.kept.kind.as_str(), item.kept.value.as_deref()),
        ("loyalty_card", Some("4471000013"))
    );
    assert_eq!(
        (item.held.kind.as_str(), item.held.value.as_deref()),
        ("loyalty_card", Some("4471000014"))
    );
    let family = plain
        .iter()
        .find(|p| p.events.contains(&"f2".to_owned()))
        .unwrap();
    assert_eq!(item.kept_profile.as_ref(), Some(&family.profile));
    assert_ne!(item.held_profile, item.kept_profile);

    // Hashed: the same keys and counts, no values.
    assert_eq!(hashed_generic.len(), 1);
    assert_eq!(hashed_generic[0].key, kiosk.key);
    assert_eq!(hashed_generic[0].value, None);
    assert_eq!(
        (hashed_generic[0].profiles, hashed_generic[0].later_events),
        (kiosk.profiles, kiosk.later_events)
    );
    assert_eq!(hashed_review.len(), review.len());
    let hashed_item = &hashed_review[at];
    assert_eq!(
        (
            &hashed_item.event,
            &hashed_item.kept.kind,
            &hashed_item.held.kind
        ),
        (&item.event, &item.kept.kind, &item.held.kind)
    );
    assert_eq!(
        (&hashed_item.kept.key, &hashed_item.held.key),
        (&item.kept.key, &item.held.key)
    );
    assert_eq!(
        (&hashed_item.kept.value, &hashed_item.held.value),
        (&None, &None)
    );
    assert_eq!(
        (&hashed_item.kept_profile, &hashed_item.held_profile),
        (&item.kept_profile, &item.held_profile)
    );
}

#[test]
fn resolve_reports_garbage_and_keeps_every_valid_event() {
    let huge = "7".repeat(2 << 20);
    let mut input: Vec<u8> = Vec::new();
    let mut line = |bytes: &[u8]| {
        input.extend_from_slice(bytes);
        input.push(b'\n');
    };
    line(br#"{"id":"g1","channel":"web","identifiers":[{"type":"cookie","value":"ck_g1"},{"type":"email","value":"G1@Example.com"}]}"#); // 1
    line(b""); // 2: blank, ignored
    line(br#"{"id":"g-broken","identifiers":[{"type":"cookie","#); // 3
    line(br#"{"ts":"2026-03-01T10:00:00Z","identifiers":[{"type":"cookie","value":"ck_noid"}]}"#); // 4
    line(format!(r#"{{"id":"g2","identifiers":[{{"type":"cookie","value":"ck_g2"}},{{"type":"phone","value":"{huge}"}}]}}"#).as_bytes()); // 5
    line(br#"{"id":"g3","identifiers":[{"type":"cookie","value":"ck_\u0007g3"},{"type":"email","value":"g3@example.com"},{"type":"phone","value":"06-1234\u00005678"}]}"#); // 6
    line(b"{\"id\":\"g4\",\"identifiers\":[{\"type\":\"cookie\",\"value\":\"ck_\xff\xfe\"}]}"); // 7: invalid UTF-8
    line(br#"{"id":"bad\u0001id","identifiers":[{"type":"cookie","value":"ck_g1"}]}"#); // 8
    line(b"   \t "); // 9: blank
    line(br#"{"id":"g5","ts":"yesterday","identifiers":[{"type":"email","value":" g1@example.COM"},{"type":"cookie","value":""}]}"#); // 10
    line(b"[1,2,3]"); // 11
    line(br#"{"id":42,"identifiers":[]}"#); // 12
    line(br#"{"id":"g1","identifiers":[{"type":"cookie","value":"ck_other"}]}"#); // 13: a replay
    line(b"\x00\x01\x02"); // 14
    let output = run("resolve", &["--region", "NL"], &input, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let records = parse_rejects(&stderr);
    let lines: HashSet<u64> = records.iter().map(|(line, ..)| *line).collect();
    let expected: HashSet<u64> = [3, 4, 5, 6, 7, 8, 10, 11, 14].into_iter().collect();
    assert_eq!(lines, expected, "{stderr}");
    let at = |n: u64| records.iter().filter(move |(line, ..)| *line == n);
    assert!(
        at(3).all(|(_, event, _, error)| event.is_none() && error.contains("not valid JSON")),
        "{stderr}"
    );
    assert!(at(4).any(|(.., error)| error.contains("`id`")), "{stderr}");
    assert!(
        at(5).any(|(_, event, kind, _)| event.as_deref() == Some("g2")
            && kind.as_deref() == Some("phone"))
    );
    assert_eq!(at(6).count(), 2, "{stderr}");
    assert!(at(6).all(|(_, event, _, error)| event.as_deref() == Some("g3") && error.contains("control")));
    assert!(
        at(8).any(|(_, event, _, error)| event.is_none() && error.contains("event id")),
        "{stderr}"
    );
    assert!(
        at(10).any(|(.., kind, _)| kind.as_deref() == Some("cookie")),
        "{stderr}"
    );
    assert!(at(10).any(|(.., error)| error.contains("`ts`")), "{stderr}");
    assert!(!stderr.contains(&huge[..100]), "rejects do not echo values");

    let profiles = parse_profiles(&output.stdout);
    let events: Vec<&str> = profiles
        .iter()
        .flat_map(|p| p.events.iter().map(String::as_str))
        .collect();
    assert_eq!(events, ["g1", "g5", "g2", "g3", "42"]);
    assert_eq!(profiles[0].events, ["g1", "g5"]);
    let g1: Vec<&str> = profiles[0]
        .identifiers
        .iter()
        .map(|identifier| identifier.value.as_str())
        .collect();
    assert_eq!(g1, ["g1@example.com", "ck_g1"], "the replay added nothing");
    let g3: Vec<(&str, &str)> = profiles[2]
        .identifiers
        .iter()
        .map(|identifier| (identifier.kind.as_str(), identifier.value.as_str()))
        .collect();
    assert_eq!(g3, [("email", "g3@example.com")]);
    assert!(
        profiles[3].identifiers.is_empty(),
        "an event with no identifier is a profile too"
    );
}

#[test]
fn hashed_output_holds_no_value_from_the_input() {
    let data = generate(&Config {
        seed: 99,
        people: 100,
        mean_events: 4,
        garbage: false,
        replays: false,
        ..Default::default()
    });
    let quickstart =
        std::fs::read_to_string(format!("{MANIFEST}/examples/data/quickstart.jsonl")).unwrap();
    let mut raw: Vec<String> = data.raw_values.clone();
    for line in quickstart.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        for identifier in event.get("identifiers").and_then(Value::as_array).unwrap() {
            raw.push(
                identifier
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let input = format!("{quickstart}{}", data.jsonl);
    let plain = run("resolve", &["--region", "NL"], input.as_bytes(), &[]);
    let hashed = run(
        "resolve",
        &["--region", "NL", "--hashed"],
        input.as_bytes(),
        &[],
    );
    assert!(plain.status.success() && hashed.status.success());

    // Both modes resolve alike; only the values differ.
    let (plain, hashed_profiles) = (
        parse_profiles(&plain.stdout),
        parse_profiles(&hashed.stdout),
    );
    assert_eq!(plain.len(), hashed_profiles.len());
    for (a, b) in plain.iter().zip(&hashed_profiles) {
        assert_eq!((&a.profile, &a.events), (&b.profile, &b.events));
        assert_eq!(a.identifiers.len(), b.identifiers.len());
        for IdentifierLine { value, .. } in &b.identifiers {
            assert!(
                value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()),
                "{value}"
            );
        }
    }
    let normalized = plain.iter().flat_map(|p| {
        p.identifiers
            .iter()
            .map(|identifier| identifier.value.clone())
    });
    let shown = [text(&hashed.stdout), text(&hashed.stderr)].concat();
    let mut checked = 0;
    for value in raw.into_iter().chain(normalized) {
        let value = value.trim();
        if value.len() >= 6 {
            assert!(!shown.contains(value), "{value:?} leaked");
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn bad_arguments_exit_with_code_2_and_say_why() {
    let output = run("resolve", &["--region", "XX"], b"", &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("--region XX") && stderr.contains("region"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    for args in [&["--bogus"][..], &["--rejects"], &["a.jsonl", "b.jsonl"]] {
        let output = run("resolve", args, b"", &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(text(&output.stderr).contains("usage: resolve"), "{args:?}");
    }
    let missing = run("resolve", &["/nonexistent/events.jsonl"], b"", &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot open"));
}

#[test]
fn secrets_come_from_the_environment() {
    let input = br#"{"id":"e1","identifiers":[{"type":"cookie","value":"ck_1"}]}"#;
    let ids: Vec<String> = [
        vec![],
        vec![("IDSTITCH_SECRET", "ab".repeat(32))],
        vec![("IDSTITCH_SECRET", "a passphrase".to_owned())],
        vec![("OTHER_SECRET", "a passphrase".to_owned())],
    ]
    .iter()
    .enumerate()
    .map(|(n, env)| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let args: &[&str] = if n == 3 {
            &["--secret-env", "OTHER_SECRET"]
        } else {
            &[]
        };
        let output = run("resolve", args, input, &env);
        assert!(output.status.success());
        assert_eq!(text(&output.stderr).contains("not set"), n == 0, "{n}");
        parse_profiles(&output.stdout).remove(0).profile
    })
    .collect();
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_eq!(ids[2], ids[3]);
}

/// Pins the profile format of `spec/events.md` on the bundled story. Set
/// `IDSTITCH_BLESS=1` to rewrite the expected file after a deliberate change.
#[test]
fn golden_quickstart_profiles() {
    let data = format!("{MANIFEST}/examples/data/quickstart.jsonl");
    let env = [("IDSTITCH_GOLDEN_SECRET", "golden test secret")];
    let args = [
        "--region",
        "NL",
        "--secret-env",
        "IDSTITCH_GOLDEN_SECRET",
        data.as_str(),
    ];
    let output = run("resolve", &args, b"", &env);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let golden = format!("{MANIFEST}/tests/golden/quickstart_profiles.jsonl");
    if std::env::var_os("IDSTITCH_BLESS").is_some() {
        std::fs::write(&golden, &output.stdout).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("the golden file");
    let actual = text(&output.stdout);
    for (n, (want, got)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(got, want, "line {} differs", n + 1);
    }
    assert_eq!(actual, expected);
    let rejects = text(&output.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .collect::<Vec<_>>();
    assert_eq!(
        rejects,
        [
            r#"{"line":9,"event":"e9","type":"email","error":"an email address needs an `@`"}"#,
            r#"{"line":15,"event":"e15","type":"phone","error":"the value is empty"}"#,
        ]
    );
}
