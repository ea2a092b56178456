//! Writes a synthetic set of messy omnichannel events (the spec's JSON Lines)
//! with known ground truth, for trying and timing the `resolve` example.
//!
//! ```text
//! cargo run --release --example generate -- [--people N] [--seed S] [--garbage] [--planted] [--truth FILE] > events.jsonl
//! ```
//!
//! `--garbage` adds junk values and lines that are not events. `--planted`
//! adds shared values that wrongly join people (kiosk cookies, a store's phone
//! number, a till's email address, each on dozens to hundreds of people's
//! events) to test protection against over-merging; the truth ignores them,
//! and the rest of the output is the same as without the flag.
//!
//! `--truth FILE` writes one `event_id<TAB>person` line per event.

#[path = "../tests/common/generator.rs"]
#[allow(dead_code)] // The tests use more of the generator than this example.
mod generator;

use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str =
    "usage: generate [--people N] [--seed S] [--garbage] [--planted] [--truth FILE]";

fn main() -> ExitCode {
    let mut config = generator::Config {
        seed: 1,
        people: 1_000,
        mean_events: 5,
        ..Default::default()
    };
    let mut truth_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--people" => args
                .next()
                .and_then(|n| n.parse().ok())
                .map(|n| config.people = n),
            "--seed" => args
                .next()
                .and_then(|n| n.parse().ok())
                .map(|n| config.seed = n),
            "--truth" => args.next().map(|path| truth_path = Some(path)),
            "--garbage" => {
                config.garbage = true;
                Some(())
            }
            "--planted" => {
                config.planted = true;
                Some(())
            }
            _ => None,
        };
        if parsed.is_none() {
            eprintln!("generate: bad argument `{arg}`\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let generated = generator::generate(&config);
    let written = io::stdout()
        .lock()
        .write_all(generated.jsonl.as_bytes())
        .and_then(|()| {
            let Some(path) = &truth_path else {
                return Ok(());
            };
            let mut truth = io::BufWriter::new(std::fs::File::create(path)?);
            for id in &generated.event_ids {
                writeln!(truth, "{id}\t{}", generated.truth[id])?;
            }
            truth.flush()
        });
    match written {
        Ok(()) => {
            eprintln!(
                "generate: {} events of {} people",
                generated.event_ids.len(),
                config.people
            );
            for planted in &generated.planted {
                eprintln!(
                    "generate: planted {} {} on {} people",
                    planted.kind,
                    generator::quote(&planted.spellings[0]),
                    planted.people
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("generate: {error}");
            ExitCode::from(1)
        }
    }
}
