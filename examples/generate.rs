//! Writes a synthetic set of messy omnichannel events (the spec's JSON Lines)
//! with known ground truth, for trying and timing the `resolve` example.
//!
//! ```text
//! cargo run --release --example generate -- [--events N | --people N] [--seed S] [--ids-per-event X] [--garbage] [--planted] [--replays] [--typos] [--no-products] [--truth FILE] > events.jsonl
//! ```
//!
//! `--events N` asks for about N events (people of five events on average);
//! `--people N` for N people instead (at most 4,000,000). The events stream
//! out in time order without being held in memory: ten million take well
//! under 200 MB.
//!
//! Events carry about 1.9 of their person's identifiers each;
//! `--ids-per-event X` asks for about X (3 is typical of login and checkout
//! events), adding more of the same person's own identifiers, so the truth
//! stays the same. A person has 6.6 identifiers on average, but a cookie
//! or chat session is added only to an event without one: means above
//! about 4.5 fall short (the mean reached is reported on stderr).
//!
//! Events carry products and orders, for journey metrics such as
//! product-level ROPO (see the `journey_report` example): web and app page
//! views, searches and carts (`add_to_cart`, a quarter of the page views),
//! purchases and store returns name a `product` (`sku-0001` …
//! `sku-0400`, mostly one of the 1 to 3 their person is interested in);
//! purchases carry an `order_id`, web and app purchases an `order_value`
//! too; a store return names the person's latest earlier order (online
//! if they have one).
//! `--no-products` leaves all of that out and writes what earlier versions
//! wrote, byte for byte; products change nothing else either.
//!
//! `--garbage` adds junk values and lines that are not events. `--replays`
//! repeats some lines later on. `--planted` adds shared values that wrongly
//! join people (kiosk cookies, a store's phone number, a till's email
//! address, each on dozens to hundreds of people's events) to test
//! protection against over-merging; the truth ignores them, and the rest of
//! the output is the same as without the flag.
//!
//! `--typos` makes a data set for evaluating fuzzy matching. Every person
//! gets a name (Dutch, German or Finnish: `Jan de Vries`, `Anna Müller`,
//! `Mikko Virtanen`), a city and a postcode, which store, chat, call centre
//! and CRM events and web and app purchases carry in `attrs` (`name`,
//! `city`, `postcode`), written in several ways (`de Vries, Jan`,
//! `JAN DE VRIES`, `Mueller`, `1234AB`); email addresses are made of the
//! name. About 5 % of people then have their last event replaced by one
//! with a misspelled copy of one of their addresses (`gmial.com`,
//! `hotmial.com`, `zigo.nl`, or a letter off in the local part) and only
//! a fresh chat session or cookie beside it, about 2 % by one with one of
//! their phone numbers with two adjacent digits swapped; only fuzzy
//! matching can join those events to the person. About 6 % of people are
//! near-miss strangers in pairs: the same postcode with similar names
//! (`Jan de Vries`, `Jan de Vos`), the same name in two cities, or that and
//! addresses one letter apart at the same domains. Event ids, times and the
//! truth are the same as without the flag; the counts are reported on
//! stderr.
//!
//! `--truth FILE` writes one `event_id<TAB>person` line per distinct event:
//! with `--typos`, score a resolver's profiles by pairwise precision and
//! recall against it.

#[path = "../tests/common/generator.rs"]
#[allow(dead_code)] // The tests use more of the generator than this example.
mod generator;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::str::FromStr;

use generator::{Config, NearMiss, Role, Schedule, Typo};

const USAGE: &str = "usage: generate [--events N | --people N] [--seed S] [--ids-per-event X] [--garbage] [--planted] [--replays] [--typos] [--no-products] [--truth FILE]

  --events N         about N events (people of five events on average)
  --people N         N people instead (at most 4,000,000)
  --seed S           the random seed (default 1)
  --ids-per-event X  about X of their person's identifiers per event (default: about 1.9)
  --garbage          junk values and lines that are not events
  --planted          shared values (kiosk cookies, store phones, till emails) that wrongly join people
  --replays          repeat some lines later on
  --typos            names, cities and postcodes in attrs; email typos, phone digit slips and
                     near-miss strangers, for evaluating fuzzy matching
  --no-products      no products, carts and orders in the events (as before they existed)
  --truth FILE       write event_id<TAB>person per distinct event to FILE";

fn main() -> ExitCode {
    let mut config = Config::default();
    let mut events = None;
    let mut truth_path = None;
    let mut ids_per_event = None;
    let mut typos = false;
    let mut products = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--events" | "--people" | "--seed" | "--ids-per-event" | "--truth" => args.next(),
            _ => None,
        };
        let text = value.as_deref();
        let parsed = match arg.as_str() {
            "--events" => number(text).map(|n| events = Some(usize::max(n, 1))),
            "--people" => number(text).map(|n| {
                config.people = n;
                events = None;
            }),
            "--seed" => number(text).map(|n| config.seed = n),
            "--ids-per-event" => number(text)
                .filter(|x: &f64| x.is_finite() && *x >= 0.0)
                .map(|x| ids_per_event = Some(x)),
            "--truth" => text.map(|path| truth_path = Some(path.to_owned())),
            "--garbage" => {
                config.garbage = true;
                Some(())
            }
            "--planted" => {
                config.planted = true;
                Some(())
            }
            "--replays" => {
                config.replays = true;
                Some(())
            }
            "--typos" => {
                typos = true;
                Some(())
            }
            "--no-products" => {
                products = false;
                Some(())
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => None,
        };
        if parsed.is_none() {
            eprintln!("generate: bad argument `{arg}`\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if let Some(events) = events {
        config = config.with_events(events);
    }
    if config.people > generator::MAX_PEOPLE {
        eprintln!(
            "generate: at most {} people ({} events)",
            generator::MAX_PEOPLE,
            generator::MAX_PEOPLE * config.mean_events
        );
        return ExitCode::from(2);
    }
    let mut schedule = match ids_per_event {
        Some(mean) => Schedule::with_identifiers_per_event(&config, mean),
        None => Schedule::new(&config),
    };
    if typos {
        schedule = schedule.with_typos();
    }
    if products {
        schedule = schedule.with_products();
    }
    match write(&config, &schedule, truth_path.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("generate: {error}");
            ExitCode::from(1)
        }
    }
}

/// A number, which may be written `10_000_000`.
fn number<T: FromStr>(text: Option<&str>) -> Option<T> {
    text?.replace('_', "").parse().ok()
}

/// Streams the events to stdout and the truth to `truth_path`.
fn write(config: &Config, schedule: &Schedule, truth_path: Option<&str>) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut truth = match truth_path {
        Some(path) => Some(BufWriter::with_capacity(1 << 16, File::create(path)?)),
        None => None,
    };
    // The first spelling of each planted value, for the report.
    let mut planted: Vec<Option<String>> = vec![None; schedule.planted().len()];
    // The people's events and their own identifiers, for the report.
    let (mut events, mut identifiers) = (0usize, 0usize);
    // Typos by kind: email domain, email local part, phone slip.
    let mut typos = [0usize; 3];
    // A closure cannot return early: keep the first error, skip the rest.
    let mut result = Ok(());
    schedule.for_each_line(|line| {
        if result.is_err() {
            return;
        }
        result = out
            .write_all(line.text.as_bytes())
            .and_then(|()| out.write_all(b"\n"));
        if line.replay {
            return;
        }
        if let (Some(truth), Some(person), Some(id)) = (&mut truth, line.person, line.id()) {
            if let Err(error) = writeln!(truth, "{id}\t{person}") {
                result = Err(error);
            }
        }
        if line.person.is_some_and(|person| person < config.people) {
            events += 1;
        }
        for (role, value) in line.values() {
            match role {
                Role::Own => identifiers += 1,
                Role::Planted(at) => {
                    planted[at].get_or_insert_with(|| value.to_owned());
                }
                Role::Typo(typo) => typos[typo as usize] += 1,
                Role::Junk => {}
            }
        }
    });
    result?;
    out.flush()?;
    if let Some(truth) = &mut truth {
        truth.flush()?;
    }
    eprintln!(
        "generate: {} events of {} people, {:.2} of their own identifiers per event",
        schedule.events(),
        config.people,
        identifiers as f64 / events.max(1) as f64
    );
    for (value, spelling) in schedule.planted().iter().zip(&planted) {
        eprintln!(
            "generate: planted {} {} on {} people",
            value.kind,
            generator::quote(spelling.as_deref().unwrap_or_default()),
            value.people
        );
    }
    if schedule.typos() {
        eprintln!(
            "generate: typos, one per person: {} email domain, {} email local part, {} phone digit slip",
            typos[Typo::EmailDomain as usize],
            typos[Typo::EmailLocal as usize],
            typos[Typo::PhoneSlip as usize]
        );
        let mut near = [0usize; 3];
        for (_, _, kind) in schedule.near_misses() {
            near[kind as usize] += 1;
        }
        eprintln!(
            "generate: near-miss pairs of strangers: {} same place and similar names, {} same name in two cities, {} same name and addresses one letter apart",
            near[NearMiss::SamePlace as usize],
            near[NearMiss::SameName as usize],
            near[NearMiss::NearEmail as usize]
        );
    }
    Ok(())
}
