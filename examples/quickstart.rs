//! A small story, resolved: one customer's web visits, live chat, WhatsApp
//! messages, till receipts and a service call become one profile.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;

use idstitch::jsonl::{EventReader, RejectRecord};
use idstitch::{
    Identifier, IdentifierKey, IdentifierKind, Region, ResolverBuilder, SecretKey, Timestamp,
};

/// What the printout shows of one event, kept while reading.
struct Seen {
    ts: Option<Timestamp>,
    channel: String,
    kind: String,
    name: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/quickstart.jsonl"
    );
    let mut resolver = ResolverBuilder::new(SecretKey::derive("quickstart demo secret"))
        .default_region(Region::NL)
        .keep_values(true)
        .build();

    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut rejects: Vec<RejectRecord> = Vec::new();
    for parsed in EventReader::new(BufReader::new(File::open(path)?)) {
        let parsed = parsed?;
        rejects.extend(parsed.rejects().iter().cloned());
        let Some(event) = parsed.event() else {
            continue;
        };
        let outcome = resolver.observe(event)?;
        rejects.extend(RejectRecord::from_observation(
            parsed.line(),
            event,
            &outcome,
        ));
        if outcome.is_replay() {
            continue;
        }
        let text = |s: Option<&str>| s.unwrap_or("-").to_owned();
        seen.insert(
            event.id().to_owned(),
            Seen {
                ts: event.ts(),
                channel: text(event.channel().map(|c| c.as_str())),
                kind: text(event.kind()),
                name: event.attrs().get("name").cloned(),
            },
        );
        order.push(event.id().to_owned());
    }

    // Events by profile, and a readable name for every identifier key (for merges).
    let mut events_of: HashMap<_, Vec<&str>> = HashMap::new();
    for id in &order {
        let profile = resolver
            .event_profile(id)
            .ok_or("every event has a profile")?;
        events_of.entry(profile).or_default().push(id);
    }
    let mut names: HashMap<IdentifierKey, String> = HashMap::new();
    let profiles: Vec<_> = resolver.profiles().collect();
    for identifier in profiles.iter().flat_map(|p| p.identifiers()) {
        names.insert(
            identifier.key(),
            format!("{} {identifier}", identifier.kind()),
        );
    }

    println!(
        "{} events -> {} unified profiles, {} merges, {} rejected values\n",
        order.len(),
        profiles.len(),
        resolver.merges().len(),
        rejects.len()
    );
    for profile in &profiles {
        let mut events = events_of.remove(&profile.id()).unwrap_or_default();
        // Time order (a stable sort: ties and events without a time keep input order).
        events.sort_by_key(|id| (seen[*id].ts.is_none(), seen[*id].ts));
        let name = events.iter().find_map(|id| seen[*id].name.as_deref());
        println!("{}  {}", profile.id(), name.unwrap_or("(anonymous)"));
        let when = |ts: Option<Timestamp>| ts.map_or_else(|| "?".into(), short);
        let (first, last) = (when(profile.first_seen()), when(profile.last_seen()));
        let span = if first == last {
            first
        } else {
            format!("{first} .. {last}")
        };
        let count = profile.event_count();
        let plural = if count == 1 { "" } else { "s" };
        println!("  {:<13} {span}  ({count} event{plural})", "seen");
        let channels: Vec<&str> = profile.channels().iter().map(|c| c.as_str()).collect();
        println!("  {:<13} {}", "channels", channels.join(", "));
        let mut kinds: Vec<&IdentifierKind> =
            profile.identifiers().iter().map(|i| i.kind()).collect();
        kinds.dedup();
        for kind in kinds {
            let values: Vec<String> = profile
                .identifiers_of(kind)
                .map(|i| i.to_string())
                .collect();
            println!("  {:<13} {}", kind.as_str(), values.join(", "));
        }
        for (n, id) in events.iter().enumerate() {
            let event = &seen[*id];
            let label = if n == 0 { "journey" } else { "" };
            let ts = when(event.ts);
            println!(
                "  {label:<13} {ts}  {id:<4} {:<12} {}",
                event.channel, event.kind
            );
        }
        println!();
    }

    println!("Merges (the older profile lives on)");
    for merge in resolver.merges() {
        let via = names.get(&merge.via()).map_or("?", String::as_str);
        println!(
            "  {:<4} joined {} into {}  via {via}",
            merge.event(),
            merge.retired(),
            merge.survivor()
        );
    }
    println!("\nWhy is web cookie ck_7f3a9c the customer who showed card 4471-0092 1183?");
    let cookie = Identifier::cookie("ck_7f3a9c");
    let card = Identifier::loyalty_card("4471-0092 1183");
    match resolver.explain(&cookie, &card)? {
        Some(why) => {
            for link in why.links() {
                let channel = link.channel().map_or("-", |channel| channel.as_str());
                let when = link.ts().map_or_else(|| "-".to_owned(), short);
                println!(
                    "  {:<24} and {:<24} were seen together in {:<4} ({channel}, {when})",
                    link.from().to_string(),
                    link.to().to_string(),
                    link.event(),
                );
            }
        }
        None => println!("  they are not linked"),
    }
    println!("\nRejected values (the rest of each event was kept)");
    for reject in &rejects {
        println!(
            "  line {:<3} {:<4} {:<7} {}",
            reject.line(),
            reject.event().unwrap_or("-"),
            reject.kind().unwrap_or("-"),
            reject.error()
        );
    }
    Ok(())
}

/// `2026-03-02T07:48:10Z` as `2026-03-02 07:48`.
fn short(ts: Timestamp) -> String {
    let text = ts.to_string();
    format!("{} {}", &text[..10], &text[11..16])
}
